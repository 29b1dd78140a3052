/*
 * test_ckpt.c — checkpoint records: the byte record's bounds, and the
 * rollout's shard record round trip (households, fleet state, pending day
 * lists and far list, ready FIFOs, diaries, engine queue): a shard saved,
 * loaded into a fresh model and saved again gives the same bytes, and the
 * restored model then runs on exactly like the original.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mdl_rollout.h"
#include "mdl_rollout_internal.h"
#include "sim_ckpt.h"
#include "test_support.h"

static void test_record_bounds(void **state)
{
    (void)state;
    sim_ckpt_buf b = {0};
    sim_ckpt_put_u64(&b, 42);
    sim_ckpt_put_f64(&b, 0.125);
    sim_ckpt_put(&b, "abc", 3);
    assert_int_equal(b.n, 19);
    sim_ckpt_buf rd = sim_ckpt_reader(b.p, b.n);
    assert_int_equal(sim_ckpt_get_u64(&rd), 42);
    assert_true(sim_ckpt_get_f64(&rd) == 0.125);
    char s[4] = {0};
    sim_ckpt_get(&rd, s, 3);
    assert_string_equal(s, "abc");
    assert_false(rd.bad);
    assert_int_equal(sim_ckpt_get_u64(&rd), 0);   /* past the end: bad, zero */
    assert_true(rd.bad);
    rd = sim_ckpt_reader(b.p, b.n);
    assert_int_equal(sim_ckpt_get_count(&rd, 41), 0);   /* 42 > 41: refused */
    assert_true(rd.bad);
    sim_ckpt_buf_free(&b);
}

static const char *const text =
    "run = { start = \"2012-01-01\"; end = \"2019-06-30\"; seed = 11; households = 4007; shards = 3; };\n"
    "rollout = { fleet = { enabled = true; }; };\n";

static mdl_rollout *model(const mdl_scenario *sc, sim_engine **e, int restoring)
{
    sim_err err;
    sim_err_clear(&err);
    *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards, 1024, &err);
    assert_non_null(*e);
    mdl_rollout *r = mdl_rollout_alloc_as(sc, *e, NULL, NULL, 1, restoring, &err);
    assert_non_null(r);
    return r;
}

static void run_days(mdl_rollout *r, sim_engine *e, int64_t from, int64_t to)
{
    sim_err err;
    sim_err_clear(&err);
    for (int64_t d = from; d < to; d++) {
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(d), sim_time_from_days(d + 1), 1, &err), 0);
        assert_int_equal(mdl_rollout_day_end(r, d, &err), 0);
    }
}

static int64_t far_entries(const shard_state *sh)
{
    int64_t n = 0;
    for (uint32_t c = sh->far.head; c != NO_HH; c = sh->chunks[c].next)
        n += sh->chunks[c].n;
    return n;
}

static void test_shard_round_trip(void **state)
{
    (void)state;
    static mdl_scenario sc;
    test_load_text(&sc, text, NULL, 0);
    sim_engine *e1, *e2;
    mdl_rollout *r1 = model(&sc, &e1, 0), *r2 = model(&sc, &e2, 1);
    const int64_t D = 2000, days = mdl_scenario_days(&sc);
    run_days(r1, e1, 0, D);
    sim_err err;
    sim_err_clear(&err);
    sim_ckpt_buf a[3] = {{0}}, b = {0};
    for (size_t i = 0; i < 3; i++) {
        const shard_state *sh = &r1->shards[i];
        /* the record must cover what it claims to: pending entries near and far, ready work, bookings */
        assert_true(sh->n_pend > 100);
        assert_true(far_entries(sh) > 0);
        assert_int_equal(mdl_rollout_ckpt_shard_save(r1, i, &a[i], &err), 0);
        sim_ckpt_buf rd = sim_ckpt_reader(a[i].p, a[i].n);
        assert_int_equal(mdl_rollout_ckpt_shard_load(r2, i, &rd, &err), 0);
    }
    assert_int_equal(mdl_rollout_check(r2, &err), 0);
    for (size_t i = 0; i < 3; i++) {   /* saved again: the same bytes */
        sim_ckpt_buf_free(&b);
        assert_int_equal(mdl_rollout_ckpt_shard_save(r2, i, &b, &err), 0);
        assert_int_equal(b.n, a[i].n);
        assert_memory_equal(b.p, a[i].p, b.n);
    }
    /* A truncated record is refused, not half-loaded silently. */
    sim_engine *e3;
    mdl_rollout *r3 = model(&sc, &e3, 1);
    sim_ckpt_buf cut = sim_ckpt_reader(a[1].p, a[1].n - 9);
    assert_int_equal(mdl_rollout_ckpt_shard_load(r3, 1, &cut, &err), SIM_EINPUT);
    mdl_rollout_free(r3);
    sim_engine_free(e3);
    /* Both run on to the end: every shard's state ends the same. */
    run_days(r1, e1, D, days);
    run_days(r2, e2, D, days);
    for (size_t i = 0; i < 3; i++) {
        sim_ckpt_buf x = {0}, y = {0};
        assert_int_equal(mdl_rollout_ckpt_shard_save(r1, i, &x, &err), 0);
        assert_int_equal(mdl_rollout_ckpt_shard_save(r2, i, &y, &err), 0);
        assert_int_equal(x.n, y.n);
        assert_memory_equal(x.p, y.p, x.n);
        sim_ckpt_buf_free(&x);
        sim_ckpt_buf_free(&y);
        sim_ckpt_buf_free(&a[i]);
    }
    sim_ckpt_buf_free(&b);
    mdl_rollout_free(r1);
    mdl_rollout_free(r2);
    sim_engine_free(e1);
    sim_engine_free(e2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_bounds),
        cmocka_unit_test(test_shard_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
