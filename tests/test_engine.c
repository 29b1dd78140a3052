/*
 * test_engine.c — shards and windows: events run in total order within a
 * shard, never past the window end, hooks run once per window, errors
 * surface, and the result is the same for any thread count; a side job
 * runs once, in its window only, first on one thread, without changing
 * the shards' results, and its error comes ahead of a shard's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sim_engine.h"
#include "sim_rng.h"

#define N_SHARDS 7
#define PER_SHARD 50

typedef struct toy_state {
    uint64_t hash;          /* order-sensitive digest of handled events */
    uint64_t handled;
    sim_time last_time;
    int out_of_order;
    int begins, ends;
    sim_time max_seen;
    sim_time window_end;
    int past_window;
} toy_state;

enum { TOY_PING, TOY_FAIL, TOY_N_KINDS };

static void on_ping(sim_shard *s, void *state, const sim_event *ev)
{
    toy_state *st = state;
    if (ev->time < st->last_time)
        st->out_of_order = 1;
    if (ev->time >= st->window_end)
        st->past_window = 1;
    st->last_time = ev->time;
    st->hash = (st->hash ^ (uint64_t)ev->time ^ (ev->entity << 40) ^ ev->data) * 0x100000001b3ULL;
    st->handled++;
    /* Each ping draws from its entity's own stream and reschedules itself:
     * the draw depends only on (entity, hop count), never on threads. */
    if (ev->data < 40) {
        sim_rng_stream r;
        sim_rng_stream_init(&r, 99, ev->entity, (uint32_t)ev->data);
        sim_time dt = 1 + (sim_time)sim_rng_below(&r, 3 * SIM_US_PER_HOUR);
        sim_shard_schedule(s, ev->time + dt, ev->entity, TOY_PING, 0, ev->data + 1);
        /* a same-time event with a smaller entity must still run in key order */
        if (ev->data % 7 == 3)
            sim_shard_schedule(s, ev->time + dt, ev->entity ^ 1, TOY_PING, 0, 99);
    }
}

static void on_fail(sim_shard *s, void *state, const sim_event *ev)
{
    (void)state;
    (void)ev;
    sim_err e;
    SIM_FAIL(&e, SIM_ERUNTIME, "toy failure");
    sim_shard_fail(s, &e);
}

static int begin_hook(sim_shard *s, void *state, sim_time t0, sim_time t1, sim_err *err)
{
    (void)s;
    (void)t0;
    (void)err;
    toy_state *st = state;
    st->begins++;
    st->window_end = t1;
    return 0;
}

static int end_hook(sim_shard *s, void *state, sim_time t0, sim_time t1, sim_err *err)
{
    (void)s;
    (void)t0;
    (void)t1;
    (void)err;
    ((toy_state *)state)->ends++;
    return 0;
}

static const sim_handler_fn toy_handlers[TOY_N_KINDS] = {on_ping, on_fail};
static const sim_model toy_model = {"toy", TOY_N_KINDS, toy_handlers, NULL, begin_hook, end_hook};

static void run_toy(int threads, toy_state *states, int windows)
{
    sim_err err;
    sim_engine *e = sim_engine_alloc(&toy_model, N_SHARDS, 8, &err);   /* small: forces growth */
    assert_non_null(e);
    sim_engine_set_always_parallel(e, 1);   /* tiny windows would otherwise run on one thread */
    memset(states, 0, N_SHARDS * sizeof *states);
    for (size_t i = 0; i < N_SHARDS; i++) {
        sim_engine_set_state(e, i, &states[i]);
        for (uint64_t k = 0; k < PER_SHARD; k++)
            sim_shard_schedule(sim_engine_shard(e, i), (sim_time)(k * 997), i * 1000 + k, TOY_PING, 0, 0);
    }
    for (int w = 0; w < windows; w++)
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(w), sim_time_from_days(w + 1),
                                               threads, &err), 0);
    uint64_t total = 0;
    for (size_t i = 0; i < N_SHARDS; i++)
        total += states[i].handled;
    assert_int_equal(sim_engine_events(e), total);
    sim_engine_free(e);
}

static void test_order_and_windows(void **state)
{
    (void)state;
    toy_state st[N_SHARDS];
    run_toy(1, st, 3);
    for (int i = 0; i < N_SHARDS; i++) {
        assert_false(st[i].out_of_order);
        assert_false(st[i].past_window);
        assert_int_equal(st[i].begins, 3);
        assert_int_equal(st[i].ends, 3);
        assert_true(st[i].handled > PER_SHARD);
    }
}

static void test_same_for_any_thread_count(void **state)
{
    (void)state;
    toy_state a[N_SHARDS], b[N_SHARDS], c[N_SHARDS];
    run_toy(1, a, 4);
    run_toy(2, b, 4);
    run_toy(5, c, 4);
    for (int i = 0; i < N_SHARDS; i++) {
        assert_int_equal(a[i].hash, b[i].hash);
        assert_int_equal(a[i].hash, c[i].hash);
        assert_int_equal(a[i].handled, c[i].handled);
    }
}

static void test_events_wait_for_their_window(void **state)
{
    (void)state;
    sim_err err;
    toy_state st[N_SHARDS];
    memset(st, 0, sizeof st);
    sim_engine *e = sim_engine_alloc(&toy_model, N_SHARDS, 16, &err);
    assert_non_null(e);
    for (size_t i = 0; i < N_SHARDS; i++)
        sim_engine_set_state(e, i, &st[i]);
    /* data = 40: handled but not rescheduled */
    sim_shard_schedule(sim_engine_shard(e, 2), sim_time_from_days(1), 5, TOY_PING, 0, 40);
    assert_int_equal(sim_engine_run_window(e, 0, sim_time_from_days(1), 1, &err), 0);
    assert_int_equal(st[2].handled, 0);
    assert_int_equal(sim_engine_pending(e), 1);
    assert_int_equal(sim_engine_run_window(e, sim_time_from_days(1), sim_time_from_days(2), 1, &err), 0);
    assert_int_equal(st[2].handled, 1);
    assert_int_equal(sim_engine_pending(e), 0);
    sim_engine_free(e);
}

static void test_errors_surface(void **state)
{
    (void)state;
    sim_err err;
    toy_state st[N_SHARDS];
    memset(st, 0, sizeof st);
    sim_engine *e = sim_engine_alloc(&toy_model, N_SHARDS, 16, &err);
    for (size_t i = 0; i < N_SHARDS; i++)
        sim_engine_set_state(e, i, &st[i]);
    sim_shard_schedule(sim_engine_shard(e, 4), 10, 1, TOY_FAIL, 0, 0);
    sim_err_clear(&err);
    assert_int_equal(sim_engine_run_window(e, 0, 100, 2, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "toy failure"));
    sim_engine_free(e);

    e = sim_engine_alloc(&toy_model, 2, 16, &err);
    for (size_t i = 0; i < 2; i++)
        sim_engine_set_state(e, i, &st[i]);
    sim_shard_schedule(sim_engine_shard(e, 1), 10, 1, 77, 0, 0);   /* unknown kind */
    sim_err_clear(&err);
    assert_int_equal(sim_engine_run_window(e, 0, 100, 1, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "kind 77"));
    sim_engine_free(e);

    assert_null(sim_engine_alloc(&toy_model, 0, 16, &err));
    assert_int_equal(err.code, SIM_EINPUT);
    sim_engine_free(NULL);
}

/* A side job: counts its runs, notes how many shard windows had begun when
 * it started (0 on one thread: it is taken first) and does some work of
 * its own (a digest no shard touches). */
typedef struct side_state {
    int runs;
    int begins_seen;
    int fail;
    uint64_t digest;
    const toy_state *shards;   /* looked at on one thread only (else a race) */
} side_state;

static int side_job(void *arg, sim_err *err)
{
    side_state *s = arg;
    s->runs++;
    s->begins_seen = 0;
    for (int i = 0; s->shards && i < N_SHARDS; i++)
        s->begins_seen += s->shards[i].begins;
    for (uint64_t k = 0; k < 20000; k++)
        s->digest = (s->digest ^ k) * 0x100000001b3ULL;
    if (s->fail)
        return SIM_FAIL(err, SIM_EINPUT, "side job failure");
    return SIM_OK;
}

static void test_side_job(void **state)
{
    (void)state;
    toy_state ref[N_SHARDS];
    run_toy(1, ref, 3);
    for (int threads = 1; threads <= 3; threads++) {
        sim_err err;
        toy_state st[N_SHARDS];
        memset(st, 0, sizeof st);
        side_state side = {.shards = threads == 1 ? st : NULL};
        sim_engine *e = sim_engine_alloc(&toy_model, N_SHARDS, 8, &err);
        assert_non_null(e);
        sim_engine_set_always_parallel(e, 1);
        for (size_t i = 0; i < N_SHARDS; i++) {
            sim_engine_set_state(e, i, &st[i]);
            for (uint64_t k = 0; k < PER_SHARD; k++)
                sim_shard_schedule(sim_engine_shard(e, i), (sim_time)(k * 997), i * 1000 + k, TOY_PING, 0, 0);
        }
        for (int w = 0; w < 3; w++) {
            if (w != 1)   /* window 1 has none: a side job is for one window only */
                sim_engine_set_side(e, side_job, &side);
            assert_int_equal(sim_engine_run_window(e, sim_time_from_days(w), sim_time_from_days(w + 1), threads,
                                                   &err), 0);
            assert_int_equal(side.runs, w < 2 ? 1 : 2);
            if (threads == 1 && w != 1)   /* one thread: before any shard of the window */
                assert_int_equal(side.begins_seen, w * N_SHARDS);
        }
        for (int i = 0; i < N_SHARDS; i++) {   /* the shards as without it */
            assert_int_equal(st[i].hash, ref[i].hash);
            assert_int_equal(st[i].begins, 3);
        }
        /* its error is the window's, ahead of a shard's failure in the same window */
        side.fail = 1;
        sim_shard_schedule(sim_engine_shard(e, 3), sim_time_from_days(3) + 5, 1, TOY_FAIL, 0, 0);
        sim_engine_set_side(e, side_job, &side);
        sim_err_clear(&err);
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(3), sim_time_from_days(4), threads, &err),
                         SIM_EINPUT);
        assert_non_null(strstr(err.msg, "side job failure"));
        assert_int_equal(side.runs, 3);
        sim_engine_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_windows),
        cmocka_unit_test(test_same_for_any_thread_count),
        cmocka_unit_test(test_events_wait_for_their_window),
        cmocka_unit_test(test_errors_surface),
        cmocka_unit_test(test_side_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
