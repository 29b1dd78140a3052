/*
 * sim_calq.c — slow paths of the calendar queue (sim_calq.h): reserving
 * memory at push time, loading the next bucket into the near heap, and
 * spreading the far list over a fresh wheel.
 *
 * Chunks come from slabs that only grow (doubling), so in steady state a
 * push or pop allocates nothing; slabs go back to the system in
 * sim_calq_release.
 */
#include "sim_calq.h"

#include <stdlib.h>
#include <string.h>

#include "sim_vec.h"

typedef struct calq_slab {
    struct calq_slab *next;
    size_t n_chunks;
} calq_slab;

/* Chunks follow the slab header at a 64-byte aligned offset. */
#define SLAB_HEADER 64

static int grow_buckets(sim_calq *q, size_t min_cap, sim_err *err)
{
    size_t cap = q->bcap;
    sim_calq_chunk **b = sim_vec_grow(q->bucket, &cap, min_cap, sizeof *b, 16);
    if (!b)
        return SIM_FAIL(err, SIM_ERUNTIME, "event queue: out of memory for %zu calendar buckets", min_cap);
    memset(b + q->bcap, 0, (cap - q->bcap) * sizeof *b);
    q->bucket = b;
    q->bcap = cap;
    return 0;
}

static int grow_chunks(sim_calq *q, size_t min_total, sim_err *err)
{
    size_t add = min_total - q->chunks_total;
    if (add < q->chunks_total)
        add = q->chunks_total;     /* doubling: O(log n) slabs in a run */
    if (add < 256)
        add = 256;
    calq_slab *s = malloc(SLAB_HEADER + add * sizeof(sim_calq_chunk));
    if (!s)
        return SIM_FAIL(err, SIM_ERUNTIME, "event queue: out of memory for %zu more events",
                        add * CALQ_CHUNK);
    s->next = q->slabs;
    s->n_chunks = add;
    q->slabs = s;
    /* The rest of the previous slab's fresh chunks go on the free list. */
    while (q->bump && q->bump < q->bump_end) {
        q->bump->next = q->free_chunks;
        q->free_chunks = q->bump++;
    }
    q->bump = (sim_calq_chunk *)((char *)s + SLAB_HEADER);
    q->bump_end = q->bump + add;
    q->chunks_total += add;
    return 0;
}

int sim_calq_reserve_(sim_calq *q, sim_err *err)
{
    size_t want = q->n + 1;
    /* The near heap may have to take every event at once (all at one time),
     * so it is reserved for all of them; pages it never touches cost
     * address space, not memory. */
    if (want > q->near.cap && sim_heap4_reserve(&q->near, want, err) != 0)
        return SIM_ERUNTIME;
    if (want / CALQ_PER_BUCKET > q->bcap && grow_buckets(q, want / CALQ_PER_BUCKET, err) != 0)
        return SIM_ERUNTIME;
    size_t need = sim_calq_chunks_needed_(q, want);
    if (need > q->chunks_total && grow_chunks(q, need, err) != 0)
        return SIM_ERUNTIME;
    return 0;
}

int sim_calq_init(sim_calq *q, size_t capacity, sim_err *err)
{
    memset(q, 0, sizeof *q);
    q->near_last = INT64_MIN;
    q->wheel_last = INT64_MIN;
    if (capacity < 1)
        capacity = 1;
    if (sim_heap4_init(&q->near, capacity, err) != 0 ||
        grow_buckets(q, capacity / CALQ_PER_BUCKET, err) != 0 ||
        grow_chunks(q, sim_calq_chunks_needed_(q, capacity), err) != 0) {
        sim_calq_release(q);
        return SIM_ERUNTIME;
    }
    return 0;
}

void sim_calq_release(sim_calq *q)
{
    if (!q)
        return;
    sim_heap4_release(&q->near);
    free(q->bucket);
    calq_slab *s = q->slabs;
    while (s) {
        calq_slab *next = s->next;
        free(s);
        s = next;
    }
    memset(q, 0, sizeof *q);
}

static void free_list(sim_calq *q, sim_calq_chunk *c)
{
    while (c) {
        sim_calq_chunk *next = c->next;
        c->next = q->free_chunks;
        q->free_chunks = c;
        c = next;
    }
}

void sim_calq_clear(sim_calq *q)
{
    for (size_t b = q->next; b < q->nb; b++) {
        free_list(q, q->bucket[b]);
        q->bucket[b] = NULL;
    }
    free_list(q, q->far);
    q->far = NULL;
    q->far_n = 0;
    q->near.n = 0;
    q->n = 0;
    q->nb = q->next = 0;
    q->near_last = q->wheel_last = INT64_MIN;
}

/* base + i * 2^shift - 1, saturated at INT64_MAX (the inclusive end of
 * bucket i - 1).  Slow path only, so 128-bit arithmetic is fine. */
static sim_time bucket_last(const sim_calq *q, size_t i)
{
    __extension__ typedef __int128 i128;
    i128 v = (i128)q->base + ((i128)i << q->shift) - 1;
    return v > INT64_MAX ? INT64_MAX : (sim_time)v;
}

/* Spread the far list over a fresh wheel of about far_n / CALQ_PER_BUCKET
 * buckets of width 2^shift covering [far_min, far_max]. */
static void rebuild(sim_calq *q)
{
    uint64_t span = (uint64_t)q->far_max - (uint64_t)q->far_min;
    size_t target = q->far_n / CALQ_PER_BUCKET;
    if (target < 1)
        target = 1;
    if (target > q->bcap)
        target = q->bcap;
    /* Smallest width with at most `target` buckets; at shift 63 the span
     * needs at most 2 buckets, and bcap >= 16. */
    unsigned shift = 0;
    while (shift < 63 && (span >> shift) >= target)
        shift++;
    q->shift = shift;
    q->nb = (size_t)(span >> shift) + 1;
    q->base = q->far_min;
    q->next = 0;
    q->near_last = q->far_min - 1;   /* far_min > old wheel_last >= INT64_MIN */
    q->wheel_last = bucket_last(q, q->nb);
    sim_calq_chunk *c = q->far;
    q->far = NULL;
    q->far_n = 0;
    while (c) {
        sim_calq_chunk *next = c->next;
        for (uint32_t i = 0; i < c->n; i++) {
            size_t b = (size_t)(((uint64_t)c->ev[i].time - (uint64_t)q->base) >> shift);
            sim_calq_list_add_(q, &q->bucket[b], &c->ev[i]);
        }
        c->next = q->free_chunks;
        q->free_chunks = c;
        c = next;
    }
}

void sim_calq_refill_(sim_calq *q)
{
    for (;;) {
        while (q->next < q->nb) {
            size_t b = q->next++;
            sim_calq_chunk *c = q->bucket[b];
            if (!c)
                continue;
            q->bucket[b] = NULL;
            sim_event *dst = q->near.a + q->near.n;
            while (c) {
                sim_calq_chunk *next = c->next;
                memcpy(dst, c->ev, c->n * sizeof(sim_event));
                dst += c->n;
                q->near.n += c->n;
                c->next = q->free_chunks;
                q->free_chunks = c;
                c = next;
            }
            sim_heap4_heapify(&q->near);
            q->near_last = b + 1 == q->nb ? q->wheel_last : bucket_last(q, b + 1);
#ifdef SIM_DEBUG
            for (size_t i = 0; i < q->near.n; i++)   /* the bucket's events are within its bounds */
                SIM_ASSERT(q->near.a[i].time <= q->near_last);
#endif
            return;
        }
        if (q->far_n == 0) {
            q->near_last = q->wheel_last;
            return;
        }
        rebuild(q);
    }
}
