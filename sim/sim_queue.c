/*
 * sim_queue.c — the pending-event set of one shard (sim_queue.h).
 *
 * Backed by the two-tier calendar queue of sim_calq.h (an adaptive bucket
 * wheel in front of a 4-ary heap).  Chosen by benchmark over the plain
 * 4-ary heap (sim_heap4.h): see tests/bench/README.md for the hold-model
 * figures.  This file is only the public, opaque face: the structure's fast
 * paths are inline in sim_calq.h.
 */
#include "sim_queue.h"

#include <stdlib.h>

#include "sim_calq.h"

struct sim_queue {
    sim_calq cq;
};

sim_queue *sim_queue_alloc(size_t capacity, sim_err *err)
{
    sim_queue *q = malloc(sizeof *q);
    if (!q) {
        SIM_FAIL(err, SIM_ERUNTIME, "event queue: out of memory");
        return NULL;
    }
    if (sim_calq_init(&q->cq, capacity, err) != 0) {
        free(q);
        return NULL;
    }
    return q;
}

void sim_queue_free(sim_queue *q)
{
    if (!q)
        return;
    sim_calq_release(&q->cq);
    free(q);
}

int sim_queue_push(sim_queue *q, const sim_event *ev, sim_err *err)
{
    return sim_calq_push(&q->cq, ev, err);
}

int sim_queue_pop(sim_queue *q, sim_event *out)
{
    return sim_calq_pop(&q->cq, out);
}

const sim_event *sim_queue_peek(const sim_queue *q)
{
    return sim_calq_peek(&q->cq);
}

size_t sim_queue_size(const sim_queue *q)
{
    return q->cq.n;
}

void sim_queue_clear(sim_queue *q)
{
    sim_calq_clear(&q->cq);
}
