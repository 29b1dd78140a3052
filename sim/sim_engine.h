/*
 * sim_engine.h — shards, windows and the parallel runner.
 *
 * The engine owns a fixed number of shards (set by the scenario, never by
 * the thread or rank count).  Each shard has its own event queue, its own
 * sequence counter and a model-owned state.  Time advances in windows
 * [t0, t1): within a window every shard runs its events alone, in its own
 * total order; OpenMP threads take whole shards.  Anything that crosses
 * shards (reductions, the DCC) happens between windows, in fixed shard
 * order, in the model's driver.  That is what makes the output a pure
 * function of (scenario, seed) for any thread count.
 *
 * The model registers a const table of handlers indexed by event kind; the
 * engine never sees the model's types.  Not for: anything about meters.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"
#include "sim_queue.h"
#include "sim_time.h"

typedef struct sim_engine sim_engine;
typedef struct sim_shard sim_shard;

/* Handle one event.  May schedule events in its own shard (at or after the
 * event's time) and touch only its own shard's state. */
typedef void (*sim_handler_fn)(sim_shard *shard, void *state, const sim_event *ev);

/* Per-shard hook at the start or end of a window, run in parallel over
 * shards.  Returns 0 or an error code (with err filled). */
typedef int (*sim_window_fn)(sim_shard *shard, void *state, sim_time t0, sim_time t1, sim_err *err);

typedef struct sim_model {
    const char *name;
    uint16_t n_kinds;
    const sim_handler_fn *handlers;     /* [n_kinds] */
    const char *const *kind_names;      /* [n_kinds], for messages; may be NULL */
    sim_window_fn window_begin;         /* may be NULL */
    sim_window_fn window_end;           /* may be NULL */
} sim_model;

sim_engine *sim_engine_alloc(const sim_model *model, size_t n_shards, size_t queue_capacity,
                             sim_err *err);
void sim_engine_free(sim_engine *e);     /* NULL is a no-op */

size_t sim_engine_n_shards(const sim_engine *e);
/* Distributed runs: this process runs only shards [first, first + count)
 * (its block, see sim_mpi_block); the others keep no queue and no events,
 * and their states stay NULL.  Call once, right after sim_engine_alloc
 * (the queues it drops do not come back).  Default:
 * every shard.  Fails (SIM_EINPUT) if the block is not within the shards. */
int sim_engine_set_owned(sim_engine *e, size_t first, size_t count, sim_err *err);
void sim_engine_owned(const sim_engine *e, size_t *first, size_t *count);
int sim_engine_owns(const sim_engine *e, size_t shard);
sim_shard *sim_engine_shard(sim_engine *e, size_t i);
void sim_engine_set_state(sim_engine *e, size_t shard, void *state);

/* Run every shard's events with time in [t0, t1), window hooks included, on
 * n_threads threads (<= 0: OpenMP's default).  Returns the first error in
 * shard order. */
int sim_engine_run_window(sim_engine *e, sim_time t0, sim_time t1, int n_threads, sim_err *err);

/* A side job for the next window only: fn(arg, err) runs once, on one
 * thread, inside the window's parallel region, taken before any shard (the
 * other threads start shards at once; the side job's thread takes shards
 * when it is done).  With one thread it runs first.  It must touch nothing
 * the shards read or write.  Its error is the window's, ahead of any
 * shard's (the job is earlier work handed to the window).  fn NULL: none.
 * The job is forgotten after the window, run or not. */
typedef int (*sim_side_fn)(void *arg, sim_err *err);
void sim_engine_set_side(sim_engine *e, sim_side_fn fn, void *arg);

/* Windows with little work (under ~2 ms of thread time, judged from the
 * windows before) run on one thread: a fork and join would cost more than
 * they save.  Results are the same either way; tests that must exercise
 * the threads switch this off. */
void sim_engine_set_always_parallel(sim_engine *e, int on);

uint64_t sim_engine_events(const sim_engine *e);   /* handled so far, all owned shards */
size_t sim_engine_pending(const sim_engine *e);    /* events waiting, all owned shards */

/* Checkpoints: shard i's clock, sequence counter, events handled and its
 * pending events in (time, tie-break) order, appended to a record / read
 * back from one (the queue is cleared first).  Between windows only. */
struct sim_ckpt_buf;
int sim_engine_shard_save(sim_engine *e, size_t i, struct sim_ckpt_buf *b, sim_err *err);
int sim_engine_shard_load(sim_engine *e, size_t i, struct sim_ckpt_buf *b, sim_err *err);

/* ---- for handlers and hooks: the shard they run in ---------------------- */
size_t sim_shard_index(const sim_shard *s);
sim_time sim_shard_now(const sim_shard *s);
/* Schedule an event at time t >= now.  Never fails silently: if memory runs
 * out the shard records the error and the window returns it. */
void sim_shard_schedule(sim_shard *s, sim_time t, uint64_t entity, uint16_t kind, uint16_t aux,
                        uint64_t data);
/* Record a model error from inside a handler; the window fails with it. */
void sim_shard_fail(sim_shard *s, const sim_err *err);

#endif
