/*
 * sim_queue.h — the pending-event set of one shard.
 *
 * An event is a 32-byte plain struct: two fit a cache line.  Events are
 * totally ordered by (time, entity, kind, seq); seq is assigned by the shard
 * that schedules the event, in its own deterministic order, so the order in
 * which a shard pops its events never depends on threads or ranks.
 *
 * Storage is one array that grows by doubling when full (O(log n)
 * reallocations in a whole run, none in steady state): there is no malloc
 * per event.  The structure behind this API was chosen by benchmark
 * (tests/bench/bench_queue.c, figures in README.md).
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_time.h"

typedef struct sim_event {
    sim_time time;     /* when */
    uint64_t entity;   /* who (household, hub, request ... : model-defined) */
    uint32_t seq;      /* tie-break, assigned by the scheduling shard */
    uint16_t kind;     /* which handler */
    uint16_t aux;      /* small payload */
    uint64_t data;     /* payload */
} sim_event;

/* a strictly before b in the total order (time, entity, kind, seq). */
static inline int sim_event_before(const sim_event *a, const sim_event *b)
{
    if (a->time != b->time) return a->time < b->time;
    if (a->entity != b->entity) return a->entity < b->entity;
    if (a->kind != b->kind) return a->kind < b->kind;
    return a->seq < b->seq;
}

typedef struct sim_queue sim_queue;

/* capacity is the initial size; the queue grows by doubling. */
sim_queue *sim_queue_alloc(size_t capacity, sim_err *err);
void sim_queue_free(sim_queue *q);                  /* NULL is a no-op */

/* 0 on success; SIM_ERUNTIME (with err filled) if memory ran out. */
int sim_queue_push(sim_queue *q, const sim_event *ev, sim_err *err);
/* Remove the least event into *out; returns 0 if the queue was empty. */
int sim_queue_pop(sim_queue *q, sim_event *out);
/* The least event, or NULL when empty. */
const sim_event *sim_queue_peek(const sim_queue *q);
size_t sim_queue_size(const sim_queue *q);
void sim_queue_clear(sim_queue *q);

#endif
