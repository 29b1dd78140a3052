/*
 * sim_heap4.c — growth and bulk heapify for the 4-ary heap (sim_heap4.h).
 * Growth copies into a fresh aligned block (realloc cannot keep the 128-byte
 * alignment); it happens O(log n) times in a run, never in steady state.
 */
#include "sim_heap4.h"

#include <stdlib.h>
#include <string.h>

#include "sim_vec.h"

/* a = mem + 3 events: a[4i+1] (first child of i) sits at mem + 4(i+1)
 * events = a multiple of 128 bytes. */
#define HEAP4_OFFSET 3
#define HEAP4_ALIGN 128

int sim_heap4_reserve(sim_heap4 *h, size_t min_cap, sim_err *err)
{
    if (min_cap <= h->cap)
        return 0;
    size_t cap = sim_vec_capacity(h->cap, min_cap, sizeof(sim_event), 64);
    if (!cap || cap > SIZE_MAX / 2 / sizeof(sim_event))
        return SIM_FAIL(err, SIM_ERUNTIME, "event queue: %zu events is too many", min_cap);
    size_t bytes = (cap + HEAP4_OFFSET + 1) * sizeof(sim_event);
    bytes = (bytes + HEAP4_ALIGN - 1) / HEAP4_ALIGN * HEAP4_ALIGN;
    void *mem = aligned_alloc(HEAP4_ALIGN, bytes);
    if (!mem)
        return SIM_FAIL(err, SIM_ERUNTIME, "event queue: out of memory growing to %zu events (%zu MiB)",
                        cap, bytes >> 20);
    sim_event *a = (sim_event *)mem + HEAP4_OFFSET;
    if (h->n)
        memcpy(a, h->a, h->n * sizeof(sim_event));
    free(h->mem);
    h->mem = mem;
    h->a = a;
    h->cap = cap;
    return 0;
}

int sim_heap4_init(sim_heap4 *h, size_t capacity, sim_err *err)
{
    memset(h, 0, sizeof *h);
    return sim_heap4_reserve(h, capacity ? capacity : 1, err);
}

void sim_heap4_release(sim_heap4 *h)
{
    if (!h)
        return;
    free(h->mem);
    memset(h, 0, sizeof *h);
}

void sim_heap4_heapify(sim_heap4 *h)
{
    size_t n = h->n;
    if (n < 2)
        return;
    for (size_t i = (n - 2) / 4 + 1; i-- > 0;) {
        sim_event ev = h->a[i];
        sim_heap4_sift_down(h->a, n, i, &ev);
    }
#ifdef SIM_DEBUG
    sim_heap4_check_(h);
#endif
}

void sim_heap4_check_(const sim_heap4 *h)
{
    for (size_t i = 1; i < h->n; i++)
        SIM_ASSERT(!sim_event_before(&h->a[i], &h->a[(i - 1) / 4]));
    (void)h;
}
