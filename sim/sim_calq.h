/*
 * sim_calq.h — a two-tier calendar queue of sim_event (private to sim/).
 *
 *   near  a 4-ary heap holding every event with time <= near_last: the
 *         events of the bucket being worked through, plus anything pushed
 *         into it while it runs;
 *   wheel nb buckets of width 2^shift us up to wheel_last, each an
 *         unsorted list of fixed-size chunks (push = append, O(1));
 *   far   an unsorted chunk list of everything after wheel_last.
 *
 * Bounds are inclusive ("last", not "end") so that they never overflow at
 * SIM_TIME_NEVER = INT64_MAX, and every tier's times are strictly below the
 * next tier's: the full (time, entity, kind, seq) order is then the heap's.
 *
 * When near runs dry the next non-empty bucket is heapified into it; when
 * the wheel runs dry the far list is spread over a fresh wheel whose width
 * is chosen from the far events' span and count (about CALQ_PER_BUCKET a
 * bucket), so the structure adapts to day-grid rollout traffic and to
 * sub-second DCC traffic alike (a ladder queue with two rungs).  Degenerate
 * inputs (all events at one time, huge outliers) fall back to plain heap
 * behaviour, never to worse than O(log n) plus the copies.
 *
 * Memory for chunks and the near heap is reserved at push time (which can
 * report an error), so pop and peek never allocate and cannot fail.
 * Not a public kernel API: models use sim_queue.h.
 */
#ifndef SIM_CALQ_H
#define SIM_CALQ_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_heap4.h"
#include "sim_event.h"

#ifndef CALQ_CHUNK
#define CALQ_CHUNK 30          /* events per chunk: 16 + 30*32 = 976 bytes */
#endif
#ifndef CALQ_PER_BUCKET
#define CALQ_PER_BUCKET 32     /* target events per wheel bucket (tuned by bench_queue) */
#endif

typedef struct sim_calq_chunk {
    struct sim_calq_chunk *next;
    uint32_t n;
    uint32_t pad_;
    sim_event ev[CALQ_CHUNK];
} sim_calq_chunk;

typedef struct sim_calq {
    sim_heap4 near;             /* the current bucket and its pushes */
    sim_time near_last;         /* near holds every event with time <= near_last */
    sim_time wheel_last;        /* buckets hold (near_last, wheel_last]; far the rest */
    sim_time base;              /* time of bucket 0's start */
    unsigned shift;             /* bucket width = 2^shift us */
    size_t nb;                  /* buckets in this wheel */
    size_t next;                /* next bucket to load into near */
    sim_calq_chunk **bucket;    /* [bcap] chunk lists */
    size_t bcap;
    sim_calq_chunk *far;        /* time > wheel_last */
    size_t far_n;
    sim_time far_min, far_max;
    sim_calq_chunk *free_chunks;
    sim_calq_chunk *bump, *bump_end;   /* never-used chunks of the newest slab */
    size_t chunks_total;        /* owned, in use or free */
    void *slabs;                /* list of chunk slabs, for freeing */
    size_t n;                   /* events held in all tiers */
} sim_calq;

int sim_calq_init(sim_calq *q, size_t capacity, sim_err *err);
void sim_calq_release(sim_calq *q);
void sim_calq_clear(sim_calq *q);
/* Slow paths of push/pop (out of line). */
int sim_calq_reserve_(sim_calq *q, sim_err *err);
void sim_calq_refill_(sim_calq *q);

/* Append to a chunk list, taking a chunk from the pool when the head one is
 * full.  The pool never runs dry here: sim_calq_push reserves first. */
static inline void sim_calq_list_add_(sim_calq *q, sim_calq_chunk **list, const sim_event *ev)
{
    sim_calq_chunk *c = *list;
    if (!c || c->n == CALQ_CHUNK) {
        /* Recycled chunks first; fresh ones are cut from the newest slab
         * only when needed, so reserved but unused memory stays untouched
         * (not resident). */
        sim_calq_chunk *f = q->free_chunks;
        if (f)
            q->free_chunks = f->next;
        else
            f = q->bump++;
        f->next = c;
        f->n = 0;
        *list = c = f;
    }
    c->ev[c->n++] = *ev;
}

/* Route one event to its tier; room already reserved. */
static inline void sim_calq_place_(sim_calq *q, const sim_event *ev)
{
    sim_time t = ev->time;
    if (t <= q->near_last) {
        sim_heap4_push_nogrow(&q->near, ev);
    } else if (t <= q->wheel_last) {
        size_t b = (size_t)(((uint64_t)t - (uint64_t)q->base) >> q->shift);
        SIM_ASSERT(b < q->nb && b >= q->next);   /* a bucket not yet moved to near */
        sim_calq_list_add_(q, &q->bucket[b], ev);
    } else {
        if (q->far_n == 0 || t < q->far_min)
            q->far_min = t;
        if (q->far_n == 0 || t > q->far_max)
            q->far_max = t;
        q->far_n++;
        sim_calq_list_add_(q, &q->far, ev);
    }
}

/* Chunks that may be in use with n events: full chunks plus one partial
 * chunk per list (every bucket, far, and one being drained in a rebuild). */
static inline size_t sim_calq_chunks_needed_(const sim_calq *q, size_t n)
{
    return n / CALQ_CHUNK + q->bcap + 3;
}

static inline int sim_calq_push(sim_calq *q, const sim_event *ev, sim_err *err)
{
    if (q->n + 1 > q->near.cap || sim_calq_chunks_needed_(q, q->n + 1) > q->chunks_total ||
        (q->n + 1) / CALQ_PER_BUCKET > q->bcap) {
        if (sim_calq_reserve_(q, err) != 0)
            return SIM_ERUNTIME;
    }
    q->n++;
    sim_calq_place_(q, ev);
    if (q->near.n == 0)
        sim_calq_refill_(q);
    return 0;
}

static inline int sim_calq_pop(sim_calq *q, sim_event *out)
{
    if (!sim_heap4_pop(&q->near, out))
        return 0;
    SIM_ASSERT(out->time <= q->near_last);   /* every later tier holds later times */
    q->n--;
    if (q->near.n == 0 && q->n > 0)
        sim_calq_refill_(q);
    return 1;
}

static inline const sim_event *sim_calq_peek(const sim_calq *q)
{
    return sim_heap4_peek(&q->near);
}

#endif
