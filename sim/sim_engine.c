/*
 * sim_engine.c — shards, windows and the OpenMP runner.
 *
 * A window is embarrassingly parallel by construction: shards share nothing
 * while it runs, so threads need no locks and the schedule (dynamic, one
 * shard at a time, for load balance) cannot change any result.  Shard
 * structs are padded to a cache line to avoid false sharing of the hot
 * counters.
 */
#include "sim_engine.h"

#include "sim_ckpt.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

struct sim_shard {
    sim_queue *queue;
    void *state;
    const sim_model *model;
    size_t index;
    sim_time now;
    uint32_t seq;          /* next tie-break number for events this shard schedules */
    uint64_t events;       /* handled so far */
    int failed;
    sim_err err;
} __attribute__((aligned(64)));

/* Windows whose work (measured in thread-seconds) is below this run on one
 * thread: a parallel region costs a fork, a join and, on a machine where
 * another process holds a core, spinning threads that can make a tiny
 * window 100x slower.  Shards are independent, so the choice never changes
 * a result. */
#define SIM_ENGINE_SERIAL_BELOW_S 0.002

struct sim_engine {
    const sim_model *model;
    size_t n_shards;
    size_t own_first, own_count;   /* the shards this process runs (all, unless distributed) */
    sim_shard *shards;
    double window_cost_s;    /* moving average of a window's thread-seconds */
    int always_parallel;     /* tests: never fall back to one thread */
    sim_side_fn side;        /* the next window's side job (sim_engine_set_side), or NULL */
    void *side_arg;
};

sim_engine *sim_engine_alloc(const sim_model *model, size_t n_shards, size_t queue_capacity,
                             sim_err *err)
{
    if (!model || !model->handlers || model->n_kinds == 0) {
        SIM_FAIL(err, SIM_ERUNTIME, "engine: model has no handlers");
        return NULL;
    }
    if (n_shards == 0 || n_shards > (1u << 20)) {
        SIM_FAIL(err, SIM_EINPUT, "engine: %zu shards; allowed 1 to %u", n_shards, 1u << 20);
        return NULL;
    }
    sim_engine *e = calloc(1, sizeof *e);
    if (!e) {
        SIM_FAIL(err, SIM_ERUNTIME, "engine: out of memory");
        return NULL;
    }
    e->model = model;
    e->n_shards = n_shards;
    e->own_first = 0;
    e->own_count = n_shards;
    e->shards = aligned_alloc(64, ((n_shards * sizeof(sim_shard) + 63) / 64) * 64);
    if (!e->shards) {
        free(e);
        SIM_FAIL(err, SIM_ERUNTIME, "engine: out of memory for %zu shards", n_shards);
        return NULL;
    }
    memset(e->shards, 0, n_shards * sizeof(sim_shard));
    for (size_t i = 0; i < n_shards; i++) {
        sim_shard *s = &e->shards[i];
        s->model = model;
        s->index = i;
        s->queue = sim_queue_alloc(queue_capacity ? queue_capacity : 1024, err);
        if (!s->queue) {
            sim_engine_free(e);
            return NULL;
        }
    }
    return e;
}

void sim_engine_free(sim_engine *e)
{
    if (!e)
        return;
    if (e->shards) {
        for (size_t i = 0; i < e->n_shards; i++)
            sim_queue_free(e->shards[i].queue);
        free(e->shards);
    }
    free(e);
}

int sim_engine_set_owned(sim_engine *e, size_t first, size_t count, sim_err *err)
{
    if (first > e->n_shards || count > e->n_shards - first)
        return SIM_FAIL(err, SIM_EINPUT, "engine: shards %zu to %zu owned, but there are %zu", first,
                        first + count, e->n_shards);
    /* A shard outside the block never runs here: give its queue back (at
     * GB scale, queue_capacity events per shard is real memory). */
    for (size_t i = 0; i < e->n_shards; i++)
        if (i < first || i >= first + count) {
            sim_queue_free(e->shards[i].queue);
            e->shards[i].queue = NULL;
            e->shards[i].state = NULL;
        }
    e->own_first = first;
    e->own_count = count;
    return SIM_OK;
}

void sim_engine_owned(const sim_engine *e, size_t *first, size_t *count)
{
    *first = e->own_first;
    *count = e->own_count;
}

int sim_engine_owns(const sim_engine *e, size_t shard)
{
    return shard >= e->own_first && shard - e->own_first < e->own_count;
}

void sim_engine_set_side(sim_engine *e, sim_side_fn fn, void *arg)
{
    e->side = fn;
    e->side_arg = fn ? arg : NULL;
}

void sim_engine_set_always_parallel(sim_engine *e, int on) { e->always_parallel = on != 0; }

size_t sim_engine_n_shards(const sim_engine *e) { return e->n_shards; }
sim_shard *sim_engine_shard(sim_engine *e, size_t i) { return i < e->n_shards ? &e->shards[i] : NULL; }
void sim_engine_set_state(sim_engine *e, size_t i, void *state)
{
    if (i < e->n_shards)
        e->shards[i].state = state;
}

size_t sim_shard_index(const sim_shard *s) { return s->index; }
sim_time sim_shard_now(const sim_shard *s) { return s->now; }

void sim_shard_fail(sim_shard *s, const sim_err *err)
{
    if (!s->failed) {
        s->failed = 1;
        s->err = *err;
    }
}

void sim_shard_schedule(sim_shard *s, sim_time t, uint64_t entity, uint16_t kind, uint16_t aux,
                        uint64_t data)
{
    sim_event ev = {.time = t < s->now ? s->now : t, .entity = entity, .seq = s->seq++,
                    .kind = kind, .aux = aux, .data = data};
    if (s->failed)
        return;
    if (kind >= s->model->n_kinds) {
        s->failed = 1;
        SIM_FAIL(&s->err, SIM_ERUNTIME, "shard %zu: event kind %u is not registered by model %s",
                 s->index, (unsigned)kind, s->model->name);
        return;
    }
    if (sim_queue_push(s->queue, &ev, &s->err) != 0) {
        s->failed = 1;
        sim_err_prefix(&s->err, "shard %zu: ", s->index);
    }
}

/* Run one shard through [t0, t1).  Handlers are called through the const
 * table; an unknown kind cannot be queued (checked at schedule time). */
static void shard_run(sim_shard *s, sim_time t0, sim_time t1)
{
    const sim_model *m = s->model;
    sim_event ev;
    SIM_ASSERT(t0 < t1 && t0 >= s->now);   /* windows move forward */
    s->now = t0;
    if (m->window_begin && !s->failed) {
        sim_err err;
        sim_err_clear(&err);
        if (m->window_begin(s, s->state, t0, t1, &err) != 0)
            sim_shard_fail(s, &err);
    }
    for (;;) {
        const sim_event *top = sim_queue_peek(s->queue);
        if (!top || top->time >= t1 || s->failed)
            break;
        sim_queue_pop(s->queue, &ev);
        SIM_ASSERT(ev.time >= s->now);   /* time never runs back, not even to the window's start */
        s->now = ev.time;
        m->handlers[ev.kind](s, s->state, &ev);
        s->events++;
    }
    s->now = t1;
    if (m->window_end && !s->failed) {
        sim_err err;
        sim_err_clear(&err);
        if (m->window_end(s, s->state, t0, t1, &err) != 0)
            sim_shard_fail(s, &err);
    }
}

int sim_engine_run_window(sim_engine *e, sim_time t0, sim_time t1, int n_threads, sim_err *err)
{
    long n = (long)e->own_count;
    sim_shard *own = e->shards + e->own_first;
    /* Item 0 is the side job when there is one: a dynamic schedule hands
     * items out in order, so the first thread to arrive takes it and the
     * others start on the shards. */
    sim_side_fn side = e->side;
    void *side_arg = e->side_arg;
    long first = side ? 0 : 1;
    int side_rc = SIM_OK;
    sim_err side_err;
    sim_err_clear(&side_err);
    e->side = NULL;
    e->side_arg = NULL;
#ifdef _OPENMP
    if (n_threads <= 0)
        n_threads = omp_get_max_threads();
    if (e->window_cost_s < SIM_ENGINE_SERIAL_BELOW_S && !e->always_parallel)
        n_threads = 1;
    double started = omp_get_wtime(), busy = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads) if(n_threads > 1) reduction(+:busy)
#endif
    for (long i = first; i <= n; i++) {
        if (i == 0) {
            side_rc = side(side_arg, &side_err);
            continue;
        }
#ifdef _OPENMP
        double t = side ? omp_get_wtime() : 0;
#endif
        shard_run(&own[i - 1], t0, t1);
#ifdef _OPENMP
        if (side)
            busy += omp_get_wtime() - t;
#endif
    }
#ifdef _OPENMP
    /* thread-seconds: what the window would cost on one thread, roughly.
     * With a side job, the shards' own run time: the side job alone never
     * makes a window worth its threads, and the time the other threads
     * wait for it at the end is not the shards' cost either (charged, it
     * would keep small windows parallel for good). */
    double cost = side ? busy : (omp_get_wtime() - started) * (double)n_threads;
    e->window_cost_s = 0.75 * e->window_cost_s + 0.25 * cost;
#endif
    (void)n_threads;
    if (side_rc) {
        if (err)
            *err = side_err;
        return side_err.code ? side_err.code : side_rc;
    }
    for (long i = 0; i < n; i++)
        if (own[i].failed) {
            if (err)
                *err = own[i].err;
            return own[i].err.code ? own[i].err.code : SIM_ERUNTIME;
        }
    return SIM_OK;
}

uint64_t sim_engine_events(const sim_engine *e)
{
    uint64_t n = 0;
    for (size_t i = e->own_first; i < e->own_first + e->own_count; i++)
        n += e->shards[i].events;
    return n;
}

size_t sim_engine_pending(const sim_engine *e)
{
    size_t n = 0;
    for (size_t i = e->own_first; i < e->own_first + e->own_count; i++)
        n += sim_queue_size(e->shards[i].queue);
    return n;
}

/* ---- checkpoints ---------------------------------------------------------- */
int sim_engine_shard_save(sim_engine *e, size_t i, sim_ckpt_buf *b, sim_err *err)
{
    sim_shard *s = &e->shards[i];
    size_t n = sim_queue_size(s->queue);
    sim_event *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory for shard %zu's events", i);
    /* Popped in (time, entity, kind, sequence) order and pushed back: the
     * record lists the events in that order whatever the queue's layout. */
    for (size_t k = 0; k < n; k++)
        sim_queue_pop(s->queue, &v[k]);
    int rc = SIM_OK;
    for (size_t k = 0; k < n && !rc; k++)
        rc = sim_queue_push(s->queue, &v[k], err);
    sim_ckpt_put_i64(b, s->now);
    sim_ckpt_put_u64(b, s->seq);
    sim_ckpt_put_u64(b, s->events);
    sim_ckpt_put_u64(b, n);
    sim_ckpt_put(b, v, n * sizeof *v);
    free(v);
    return rc;
}

int sim_engine_shard_load(sim_engine *e, size_t i, sim_ckpt_buf *b, sim_err *err)
{
    sim_shard *s = &e->shards[i];
    s->now = sim_ckpt_get_i64(b);
    s->seq = (uint32_t)sim_ckpt_get_u64(b);
    s->events = sim_ckpt_get_u64(b);
    size_t n = (size_t)sim_ckpt_get_count(b, (b->n - b->pos) / sizeof(sim_event));
    sim_queue_clear(s->queue);
    for (size_t k = 0; k < n && !b->bad; k++) {
        sim_event ev;
        sim_ckpt_get(b, &ev, sizeof ev);
        if (ev.kind >= s->model->n_kinds)
            return SIM_FAIL(err, SIM_EINPUT, "checkpoint: shard %zu: event kind %u unknown to model %s", i,
                            (unsigned)ev.kind, s->model->name);
        if (sim_queue_push(s->queue, &ev, err))
            return SIM_ERUNTIME;
    }
    return b->bad ? SIM_FAIL(err, SIM_EINPUT, "checkpoint: shard %zu: engine record truncated", i) : SIM_OK;
}
