/*
 * sim_event.h — the event: a 32-byte plain struct (two fit a cache line),
 * and its total order.  Events are ordered by (time, entity, kind, seq);
 * seq is assigned by the shard that schedules the event, in its own
 * deterministic order, so the order in which a shard pops its events never
 * depends on threads or ranks.  Shared by the queue's public face
 * (sim_queue.h) and the structures behind it (sim_calq.h, sim_heap4.h).
 */
#ifndef SIM_EVENT_H
#define SIM_EVENT_H

#include <stdint.h>

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

#endif
