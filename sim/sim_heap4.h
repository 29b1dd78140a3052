/*
 * sim_heap4.h — a 4-ary implicit min-heap of sim_event (private to sim/).
 *
 * Used as the near-future set inside the calendar queue (sim_calq.h) and
 * benchmarked on its own against it (tests/bench/bench_queue.c).  Four
 * children of 32 bytes are 128 bytes: the array is offset so that every
 * sibling group starts on a 128-byte boundary, and a sift-down level touches
 * two cache lines instead of up to three; the tree is half as deep as a
 * binary heap's.  Ordered by the full key (sim_event_before).
 *
 * Hot operations are static inline here so that callers in other files can
 * inline them; growth (which can fail) lives in sim_heap4.c.  Not a public
 * kernel API: models use sim_queue.h.
 */
#ifndef SIM_HEAP4_H
#define SIM_HEAP4_H

#include <stddef.h>

#include "sim_err.h"
#include "sim_event.h"

typedef struct sim_heap4 {
    sim_event *a;      /* a[0] is the least; a = mem + 3 (see above) */
    void *mem;         /* the 128-byte aligned allocation */
    size_t n;
    size_t cap;
} sim_heap4;

/* 0 on success; SIM_ERUNTIME when memory ran out.  A zeroed struct is an
 * empty heap of capacity 0. */
int sim_heap4_init(sim_heap4 *h, size_t capacity, sim_err *err);
void sim_heap4_release(sim_heap4 *h);
/* Make room for at least min_cap events (doubling); 0 or SIM_ERUNTIME. */
int sim_heap4_reserve(sim_heap4 *h, size_t min_cap, sim_err *err);
/* Restore heap order over a[0..n) after raw appends (Floyd, O(n)). */
void sim_heap4_heapify(sim_heap4 *h);

static inline size_t sim_heap4_min_child(const sim_event *a, size_t c, size_t n)
{
    size_t m = c;
    if (c + 3 < n) {
        /* full sibling group: a tournament of two pairs */
        size_t m01 = sim_event_before(&a[c + 1], &a[c]) ? c + 1 : c;
        size_t m23 = sim_event_before(&a[c + 3], &a[c + 2]) ? c + 3 : c + 2;
        return sim_event_before(&a[m23], &a[m01]) ? m23 : m01;
    }
    for (size_t j = c + 1; j < n; j++)
        if (sim_event_before(&a[j], &a[m]))
            m = j;
    return m;
}

/* Sift ev down from the hole at i over a[0..n). */
static inline void sim_heap4_sift_down(sim_event *a, size_t n, size_t i, const sim_event *ev)
{
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t m = sim_heap4_min_child(a, c, n);
        if (!sim_event_before(&a[m], ev))
            break;
        a[i] = a[m];
        i = m;
    }
    a[i] = *ev;
}

/* Debug builds: a[0..n) is in heap order (O(n); after a heapify). */
void sim_heap4_check_(const sim_heap4 *h);

/* Push with capacity already ensured (callers that reserve up front). */
static inline void sim_heap4_push_nogrow(sim_heap4 *h, const sim_event *ev)
{
    SIM_ASSERT(h->n < h->cap);
    sim_event *a = h->a;
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!sim_event_before(ev, &a[p]))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = *ev;
    SIM_ASSERT(i == 0 || !sim_event_before(&a[i], &a[(i - 1) / 4]));
}

static inline int sim_heap4_push(sim_heap4 *h, const sim_event *ev, sim_err *err)
{
    if (h->n == h->cap && sim_heap4_reserve(h, h->n + 1, err) != 0)
        return SIM_ERUNTIME;
    sim_heap4_push_nogrow(h, ev);
    return 0;
}

/* Remove the least into *out; 0 when empty, 1 otherwise. */
static inline int sim_heap4_pop(sim_heap4 *h, sim_event *out)
{
    if (h->n == 0)
        return 0;
    *out = h->a[0];
    size_t n = --h->n;
    if (n > 0) {
        sim_event last = h->a[n];
        sim_heap4_sift_down(h->a, n, 0, &last);
    }
    /* the popped event is the least: nothing left comes before it */
    SIM_ASSERT(n == 0 || !sim_event_before(&h->a[0], out));
    SIM_ASSERT(n <= 1 || !sim_event_before(&h->a[sim_heap4_min_child(h->a, 1, n)], &h->a[0]));
    return 1;
}

static inline const sim_event *sim_heap4_peek(const sim_heap4 *h)
{
    return h->n ? &h->a[0] : NULL;
}

#endif
