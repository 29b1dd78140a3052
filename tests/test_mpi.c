/*
 * test_mpi.c — distributed runs, the parts a one-process build can check:
 * shard blocks tile the shards in rank order; the collectives are the
 * identity for one process; an engine runs only the shards it owns; and the
 * rollout split into blocks of shards (as ranks would hold them) adds up,
 * day by day, to the rollout on all shards — no shard depends on another.
 * The MPI collectives themselves and identical output at 1, 2 and 3 ranks
 * are checked by tests/integration/test_mpi.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_household.h"
#include "mdl_rollout.h"
#include "mdl_scenario.h"
#include "sim_mpi.h"
#include "sim_engine.h"

/* ---- blocks --------------------------------------------------------------- */
static void test_blocks_tile_in_rank_order(void **state)
{
    (void)state;
    const size_t shards[] = {1, 2, 7, 16, 33, 1000};
    for (size_t a = 0; a < sizeof shards / sizeof *shards; a++)
        for (int size = 1; size <= 9; size++) {
            size_t n = shards[a], next = 0, lo = n, hi = 0;
            for (int r = 0; r < size; r++) {
                size_t first, count;
                sim_mpi_block(n, r, size, &first, &count);
                assert_int_equal(first, next);   /* contiguous, in rank order */
                next = first + count;
                lo = count < lo ? count : lo;
                hi = count > hi ? count : hi;
            }
            assert_int_equal(next, n);            /* every shard owned once */
            assert_true(hi - lo <= 1);            /* balanced */
        }
    size_t first = 99, count = 99;
    sim_mpi_block(8, 3, 3, &first, &count);      /* no such rank: nothing */
    assert_int_equal(count, 0);
    sim_mpi_block(8, -1, 3, &first, &count);
    assert_int_equal(count, 0);
    sim_mpi_block(5, 2, 4, &first, &count);      /* floor(5*2/4) = 2 .. floor(5*3/4) = 3 */
    assert_int_equal(first, 2);
    assert_int_equal(count, 1);
}

/* ---- one process ------------------------------------------------------------ */
static void test_one_process_collectives(void **state)
{
    (void)state;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(sim_mpi_rank(NULL), 0);
    assert_int_equal(sim_mpi_size(NULL), 1);
    sim_mpi *d = sim_mpi_alloc(&err);
    assert_non_null(d);
    if (sim_mpi_size(d) > 1) {   /* under mpirun: see the next test */
        sim_mpi_free(d);
        skip();
    }
    /* (an MPI build started without mpirun is one process too) */
    assert_int_equal(sim_mpi_rank(d), 0);
    assert_int_equal(sim_mpi_size(d), 1);
    /* agree: a failure stays the caller's, with its message */
    assert_int_equal(sim_mpi_agree(d, SIM_OK, &err), SIM_OK);
    SIM_FAIL(&err, SIM_EINPUT, "bad thing %d", 7);
    assert_int_equal(sim_mpi_agree(d, SIM_EINPUT, &err), SIM_EINPUT);
    assert_string_equal(err.msg, "bad thing 7");
    /* sum: the values are already the sum */
    int64_t v[3] = {-5, 0, INT64_C(1) << 40};
    assert_int_equal(sim_mpi_sum_i64(d, v, 3, &err), SIM_OK);
    assert_true(v[0] == -5 && v[1] == 0 && v[2] == INT64_C(1) << 40);
    /* gather: rank 0's own bytes */
    const char msg[] = "abc";
    const void *out = NULL;
    size_t out_n = 0;
    assert_int_equal(sim_mpi_gather(d, msg, 3, &out, &out_n, &err), SIM_OK);
    assert_int_equal(out_n, 3);
    assert_memory_equal(out, "abc", 3);
    int x = 41;
    assert_int_equal(sim_mpi_bcast(d, &x, sizeof x, &err), SIM_OK);
    assert_int_equal(x, 41);
    /* scratch grows and keeps what was written below the old size */
    unsigned char *s = sim_mpi_scratch(d, 10);
    assert_non_null(s);
    memset(s, 0xab, 10);
    s = sim_mpi_scratch(d, 100000);
    assert_non_null(s);
    assert_int_equal(s[9], 0xab);
    assert_null(sim_mpi_scratch(NULL, 10));
    sim_mpi_free(d);
    sim_mpi_free(NULL);
}

/* ---- several ranks (an MPI build under mpirun -np 2 or more) ------------------ */
static void test_collectives_across_ranks(void **state)
{
    (void)state;
    sim_err err;
    sim_err_clear(&err);
    sim_mpi *d = sim_mpi_alloc(&err);
    assert_non_null(d);
    int rank = sim_mpi_rank(d), size = sim_mpi_size(d);
    if (size == 1) {
        sim_mpi_free(d);
        skip();
    }
    assert_int_equal(sim_mpi_agree(d, SIM_OK, &err), SIM_OK);
    /* ranks 1.. fail with their own messages: every rank gets rank 1's */
    int rc = rank >= 1 ? SIM_FAIL(&err, rank == 1 ? SIM_EINPUT : SIM_ERUNTIME, "rank %d failed", rank) : SIM_OK;
    assert_int_equal(sim_mpi_agree(d, rc, &err), SIM_EINPUT);
    assert_string_equal(err.msg, "rank 1 failed");
    /* integer sums on rank 0 only */
    int64_t v[3] = {rank + 1, -rank, (INT64_C(1) << 40) * rank};
    assert_int_equal(sim_mpi_sum_i64(d, v, 3, &err), SIM_OK);
    int64_t S = size;
    if (rank == 0) {
        assert_true(v[0] == S * (S + 1) / 2);
        assert_true(v[1] == -S * (S - 1) / 2);
        assert_true(v[2] == (INT64_C(1) << 40) * (S * (S - 1) / 2));
    } else {
        assert_true(v[0] == rank + 1 && v[1] == -rank);
    }
    /* gather: rank r sends r + 1 bytes 'a' + r (rank 0 none, the second time) */
    for (int pass = 0; pass < 2; pass++) {
        char mine[64];
        size_t n = pass == 1 && rank == 0 ? 0 : (size_t)rank + 1;
        memset(mine, 'a' + rank, sizeof mine);
        const void *out;
        size_t out_n;
        assert_int_equal(sim_mpi_gather(d, mine, n, &out, &out_n, &err), SIM_OK);
        if (rank == 0) {
            char want[4096];
            size_t k = 0;
            for (int r = pass; r < size; r++)
                for (int i = 0; i <= r; i++)
                    want[k++] = (char)('a' + r);
            assert_int_equal(out_n, k);
            assert_memory_equal(out, want, k);
        } else {
            assert_null(out);
            assert_int_equal(out_n, 0);
        }
    }
    int x = rank == 0 ? 7 : -1;
    assert_int_equal(sim_mpi_bcast(d, &x, sizeof x, &err), SIM_OK);
    assert_int_equal(x, 7);
    sim_mpi_free(d);
}

/* ---- the engine runs its own shards only ------------------------------------- */
typedef struct toy { uint64_t handled; int begins; } toy;
static void on_toy(sim_shard *s, void *st, const sim_event *ev)
{
    (void)ev;
    ((toy *)st)->handled++;
    if (sim_shard_now(s) < sim_time_from_days(3))
        sim_shard_schedule(s, sim_shard_now(s) + sim_time_from_hours(7), 0, 0, 0, 0);
}
static int toy_begin(sim_shard *s, void *st, sim_time t0, sim_time t1, sim_err *err)
{
    (void)s, (void)t0, (void)t1, (void)err;
    ((toy *)st)->begins++;
    return 0;
}
static const sim_handler_fn toy_handlers[] = {on_toy};
static const sim_model toy_model = {.name = "toy", .n_kinds = 1, .handlers = toy_handlers, .window_begin = toy_begin};

static void test_engine_owned_shards(void **state)
{
    (void)state;
    enum { N = 6 };
    sim_err err;
    sim_err_clear(&err);
    sim_engine *e = sim_engine_alloc(&toy_model, N, 16, &err);
    assert_non_null(e);
    assert_int_equal(sim_engine_set_owned(e, 4, 3, &err), SIM_EINPUT);   /* 4..6 is past 6 shards */
    assert_int_equal(sim_engine_set_owned(e, 7, 0, &err), SIM_EINPUT);
    assert_int_equal(sim_engine_set_owned(e, 2, 3, &err), SIM_OK);
    size_t first, count;
    sim_engine_owned(e, &first, &count);
    assert_int_equal(first, 2);
    assert_int_equal(count, 3);
    assert_false(sim_engine_owns(e, 1));
    assert_true(sim_engine_owns(e, 2));
    assert_true(sim_engine_owns(e, 4));
    assert_false(sim_engine_owns(e, 5));
    toy st[N];
    memset(st, 0, sizeof st);
    for (size_t i = 0; i < N; i++)
        sim_engine_set_state(e, i, &st[i]);
    for (size_t i = 2; i < 5; i++)
        sim_shard_schedule(sim_engine_shard(e, i), sim_time_from_hours(1), 0, 0, 0, 0);
    for (int d = 0; d < 5; d++)
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(d), sim_time_from_days(d + 1), 2, &err), 0);
    /* 1h, 8h, ..., every 7 h while before day 3: 1 + floor((72 - 1) / 7) + 1 events */
    for (size_t i = 0; i < N; i++) {
        int own = i >= 2 && i < 5;
        assert_int_equal(st[i].begins, own ? 5 : 0);
        assert_int_equal(st[i].handled, own ? 12 : 0);
    }
    assert_int_equal(sim_engine_events(e), 3 * 12);
    assert_int_equal(sim_engine_pending(e), 0);
    sim_engine_free(e);
}

/* ---- the rollout in blocks adds up to the whole ------------------------------- */
static const char *const base_text =
    "run = { start = \"2012-01-01\"; end = \"2021-12-31\"; seed = 11; households = 4003; shards = 7; };\n";

typedef struct day_tot {
    uint64_t v[9 + MDL_ROLLOUT_N_STATES];
} day_tot;

static void flatten(const mdl_rollout_totals *t, day_tot *o)
{
    const uint64_t f[9] = {t->contacts, t->visits, t->failed_visits, t->meters_installed, t->revisits,
                           t->appointments, t->remote_commissions, t->migrations, t->cancellations};
    memcpy(o->v, f, sizeof f);
    for (int s = 0; s < MDL_ROLLOUT_N_STATES; s++)
        o->v[9 + s] = t->by_state[s];
}

/* Run shards [first, first + count) alone; add each day's totals into acc. */
static void run_block(const mdl_scenario *sc, size_t first, size_t count, day_tot *acc, int64_t days)
{
    sim_err err;
    sim_err_clear(&err);
    sim_engine *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards, 256, &err);
    assert_non_null(e);
    assert_int_equal(sim_engine_set_owned(e, first, count, &err), 0);
    mdl_rollout *r = mdl_rollout_alloc(sc, e, NULL, NULL, 1, &err);
    if (!r)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(r);
    for (int64_t d = 0; d < days; d++) {
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(d), sim_time_from_days(d + 1), 1, &err), 0);
        assert_int_equal(mdl_rollout_day_end(r, d, &err), 0);
        mdl_rollout_totals t;
        day_tot x;
        mdl_rollout_get_totals(r, &t);
        flatten(&t, &x);
        for (size_t k = 0; k < sizeof x.v / sizeof *x.v; k++)
            acc[d].v[k] += x.v[k];
    }
    assert_int_equal(mdl_rollout_check(r, &err), 0);
    mdl_rollout_free(r);
    sim_engine_free(e);
}

static void test_rollout_blocks_add_up(void **state)
{
    (void)state;
    static mdl_scenario sc;
    sim_err err;
    sim_err_clear(&err);
    assert_int_equal(mdl_scenario_load_string(&sc, "test.cfg", base_text, NULL, 0, NULL, &err), 0);
    int64_t days = mdl_scenario_days(&sc);
    day_tot *whole = calloc((size_t)days, sizeof *whole), *parts = calloc((size_t)days, sizeof *parts);
    assert_non_null(whole);
    assert_non_null(parts);
    run_block(&sc, 0, 7, whole, days);
    /* three "ranks" of 7 shards, as sim_mpi_block splits them, and an empty one */
    for (int r = 0; r < 4; r++) {
        size_t first, count;
        sim_mpi_block(7, r, 3, &first, &count);
        run_block(&sc, first, count, parts, days);
    }
    int64_t last = days - 1;
    assert_true(whole[last].v[0] > 1000);   /* something happened: contacts */
    assert_true(whole[last].v[9 + MDL_HH_SMART] > 0);
    for (int64_t d = 0; d < days; d++)
        assert_memory_equal(whole[d].v, parts[d].v, sizeof whole[d].v);
    free(whole);
    free(parts);
}

int main(int argc, char **argv)
{
    sim_mpi_start(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_tile_in_rank_order),
        cmocka_unit_test(test_one_process_collectives),
        cmocka_unit_test(test_collectives_across_ranks),
        cmocka_unit_test(test_engine_owned_shards),
        cmocka_unit_test(test_rollout_blocks_add_up),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sim_mpi_stop();
    return failed;
}
