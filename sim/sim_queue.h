/*
 * sim_queue.h — the pending-event set of one shard: an opaque handle over
 * the two-tier calendar queue of sim_calq.h (an adaptive bucket wheel in
 * front of a 4-ary heap), chosen by benchmark (tests/bench/bench_queue.c,
 * figures in tests/bench/README.md).  Events and their order: sim_event.h.
 *
 * Memory is reserved at push time in chunks and grows geometrically (no
 * malloc per event in steady state); pop and peek never allocate.
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_event.h"
#include "sim_time.h"

typedef struct sim_queue sim_queue;

/* capacity: the events to reserve room for at the start (the queue grows). */
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
