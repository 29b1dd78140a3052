/*
 * test_scenario.c — the real scenario schema (mdl_scenario.c with the
 * rollout and DCC tables): a minimal valid file, the run group's defaults
 * and checks, misspelt and out-of-range keys with their line, --set, and
 * the effective-text round trip over every real key.
 * Not for: the engine's corner cases (test_config.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_scenario.h"
#include "sim_time.h"

#define RUN_OK "run = {\n  start = \"2020-04-01\";\n  end = \"2021-03-31\";\n  households = 12345;\n};\n"

static void expect_fail(const char *text, const char *const *ov, size_t n, const char *frag1,
                        const char *frag2)
{
    mdl_scenario *sc = malloc(sizeof *sc);
    sim_err err;
    assert_non_null(sc);
    sim_err_clear(&err);
    int rc = mdl_scenario_load_string(sc, "s.cfg", text, ov, n, NULL, &err);
    if (rc != SIM_EINPUT || !strstr(err.msg, frag1) || (frag2 && !strstr(err.msg, frag2)))
        print_error("rc %d, message: %s\nwanted: %s / %s\n", rc, err.msg, frag1, frag2 ? frag2 : "");
    assert_int_equal(rc, SIM_EINPUT);
    assert_int_equal(err.code, SIM_EINPUT);
    assert_non_null(strstr(err.msg, frag1));
    if (frag2)
        assert_non_null(strstr(err.msg, frag2));
    free(sc);
}

static void test_minimal(void **state)
{
    (void)state;
    mdl_scenario *sc = malloc(sizeof *sc);
    sim_err err;
    assert_non_null(sc);
    int rc = mdl_scenario_load_string(sc, "s.cfg", RUN_OK, NULL, 0, NULL, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(sc->run.start_day, sim_days_from_civil(2020, 4, 1));
    assert_int_equal(sc->run.end_day, sim_days_from_civil(2021, 3, 31));
    assert_int_equal(mdl_scenario_days(sc), 365);
    assert_int_equal(sc->run.households, 12345);
    assert_int_equal(sc->run.seed, 1);
    assert_int_equal(sc->run.shards, 64);
    assert_int_equal(sc->run.queue_capacity, 4096);
    /* The same from a file. */
    rc = mdl_scenario_load(sc, "tests/scenarios/minimal.cfg", NULL, 0, NULL, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(sc->run.households, 2500);
    assert_int_equal(mdl_scenario_days(sc), 91);
    /* end = start is one simulated day (the peak-day scenarios need it). */
    rc = mdl_scenario_load_string(sc, "s.cfg", RUN_OK, (const char *const[]){"run.end=\"2020-04-01\""}, 1,
                                  NULL, &err);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(mdl_scenario_days(sc), 1);
    free(sc);
}

static void test_bad_run(void **state)
{
    (void)state;
    expect_fail("run = {\n  start = \"2020-04-01\";\n  end = \"2021-03-31\";\n  housholds = 12345;\n};\n", NULL, 0,
                "s.cfg:4: run.housholds: unknown key", "did you mean \"households\"?");
    expect_fail("run = {\n  start = \"2020-04-01\";\n  end = \"2021-03-31\";\n  households = -5;\n};\n", NULL, 0,
                "s.cfg:4: run.households: -5 is out of range", "allowed: integer 1 .. 40000000");
    expect_fail("run = {\n  start = \"2020-04-01\";\n  end = \"2021-03-31\";\n  households = 40000001;\n};\n", NULL, 0,
                "s.cfg:4: run.households: 40000001 is out of range", NULL);
    expect_fail("run = {\n  start = \"2020-04-01\";\n  end = \"2020-03-31\";\n  households = 5;\n};\n", NULL, 0,
                "s.cfg:3: run.end: 2020-03-31 is before start (2020-04-01)", NULL);
    expect_fail("\nrun = {\n  start = \"2020-04-01\";\n  end = \"2080-04-02\";\n  households = 5;\n};\n", NULL, 0,
                "s.cfg:4: run.end: 2080-04-02 is more than 60 years after start", "at most 2080-04-01");
    expect_fail("run = {\n  start = \"2020-04-01\";\n  households = 5;\n};\n", NULL, 0,
                "s.cfg:1: run.end: missing required key", NULL);
    expect_fail("run = {\n  start = \"2020-04-01\";\n  end = \"2021-03-31\";\n  households = 5;\n  shards = 0;\n};\n",
                NULL, 0, "s.cfg:5: run.shards: 0 is out of range; allowed: integer 1 .. 1024", NULL);
    expect_fail("run = {\n  start = \"2020-04-01\";\n  end = \"2021-03-31\";\n  households = 5;\n  seed = -1;\n};\n",
                NULL, 0, "s.cfg:5: run.seed: -1 is out of range", NULL);
    expect_fail("# nothing\n", NULL, 0, "s.cfg: run: missing required key", NULL);
    expect_fail(RUN_OK "rolout = {};\n", NULL, 0, "s.cfg:6: rolout: unknown key", "did you mean \"rollout\"?");

    mdl_scenario *sc = malloc(sizeof *sc);
    sim_err err;
    assert_non_null(sc);
    assert_int_equal(mdl_scenario_load(sc, "tests/scenarios/bad_misspelt.cfg", NULL, 0, NULL, &err), SIM_EINPUT);
    if (!strstr(err.msg, "tests/scenarios/bad_misspelt.cfg:5: run.housholds: unknown key (did you mean \"households\"?)"))
        print_error("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "tests/scenarios/bad_misspelt.cfg:5: run.housholds: unknown key "
                                    "(did you mean \"households\"?)"));
    assert_int_equal(mdl_scenario_load(sc, "tests/scenarios/no_such_file.cfg", NULL, 0, NULL, &err), SIM_EINPUT);
    free(sc);
}

static void test_overrides(void **state)
{
    (void)state;
    mdl_scenario *sc = malloc(sizeof *sc);
    sim_err err;
    assert_non_null(sc);
    const char *ov[] = {"run.seed=42", "run.end=2022-03-31", "run.shards = 8"};
    int rc = mdl_scenario_load_string(sc, "s.cfg", RUN_OK, ov, 3, NULL, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(sc->run.seed, 42);
    assert_int_equal(sc->run.shards, 8);
    assert_int_equal(sc->run.end_day, sim_days_from_civil(2022, 3, 31));
    free(sc);
    const char *typo[] = {"run.housholds=3"};
    expect_fail(RUN_OK, typo, 1, "--set run.housholds: unknown key (did you mean \"households\"?)", NULL);
    const char *neg[] = {"run.households=-3"};
    expect_fail(RUN_OK, neg, 1, "--set run.households: -3 is out of range", NULL);
    const char *early[] = {"run.end=2019-01-01"};
    expect_fail(RUN_OK, early, 1, "--set run.end: 2019-01-01 is before start", NULL);
    /* A check blames the key where it was written: a --set by its text. */
    const char *far[] = {"dcc.detail.dates=[\"2022-01-01\"]"};
    expect_fail(RUN_OK, far, 1, "--set dcc.detail.dates=[\"2022-01-01\"]: dcc.detail.dates.[0]: 2022-01-01 is "
                "outside the run (2020-04-01 to 2021-03-31)", NULL);
}

/* Values whose cost would not be proportional to the work are refused. */
static void test_costly_values(void **state)
{
    (void)state;
    const char *many[] = {"run.shards=1025"};
    expect_fail(RUN_OK, many, 1, "--set run.shards: 1025 is out of range; allowed: integer 1 .. 1024", NULL);
    const char *sparse[] = {"run.households=100", "run.shards=101"};
    expect_fail(RUN_OK, sparse, 2, "--set run.shards: 101 shards for 100 households; allowed: at most 64, or at "
                "most one per household", NULL);
    const char *queue[] = {"run.queue_capacity=1048577"};
    expect_fail(RUN_OK, queue, 1, "--set run.queue_capacity: 1048577 is out of range; allowed: integer 16 .. 1048576",
                NULL);
    const char *factor[] = {"dcc.retry.backoff_factor=100"};
    expect_fail(RUN_OK, factor, 1, "--set dcc.retry.backoff_factor: 100 is out of range; allowed: number 1 .. 10", NULL);
    const char *late[] = {"dcc.retry.max_retries=7", "dcc.retry.backoff_factor=5"};
    expect_fail(RUN_OK, late, 2, "--set dcc.retry.backoff_factor: the last retry comes 4687560 s after its attempt",
                "allowed: at most 21600 s (6 hours)");
    const char *slow[] = {"dcc.retry.response_timeout_s=21600", "dcc.retry.max_retries=0"};
    mdl_scenario *sc = malloc(sizeof *sc);
    sim_err err;
    assert_non_null(sc);
    /* At the limits: 64 shards for 5 households, the longest delay exactly 6 hours. */
    const char *edge[] = {"run.households=5", "run.shards=64", "dcc.retry.backoff_s=20000",
                          "dcc.retry.response_timeout_s=1600", "dcc.retry.max_retries=1"};
    int rc = mdl_scenario_load_string(sc, "s.cfg", RUN_OK, edge, 5, NULL, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    rc = mdl_scenario_load_string(sc, "s.cfg", RUN_OK, slow, 2, NULL, &err);
    assert_int_equal(rc, SIM_OK);
    const char *slower[] = {"dcc.retry.response_timeout_s=21600", "dcc.retry.max_retries=1", "dcc.retry.backoff_s=1"};
    expect_fail(RUN_OK, slower, 3, "--set dcc.retry.backoff_s: the last retry comes 21601 s", NULL);
    free(sc);
}

/* A detail day outside the run is an error, not a day silently skipped. */
static void test_detail_dates(void **state)
{
    (void)state;
    const char *text = RUN_OK "dcc = {\n  detail = {\n    dates = [\"2020-04-02\",\n"
                       "             \"2019-12-25\"];\n  };\n};\n";
    expect_fail(text, NULL, 0, "s.cfg:9: dcc.detail.dates.[1]: 2019-12-25 is outside the run (2020-04-01 to "
                "2021-03-31)", "allowed: days from run.start to run.end");
    const char *later[] = {"run.start=2020-05-01"};
    const char *ok = RUN_OK "dcc = { detail = { dates = [\"2020-04-02\"]; }; };\n";
    expect_fail(ok, later, 1, "s.cfg:6: dcc.detail.dates.[0]: 2020-04-02 is outside the run (2020-05-01", NULL);
    mdl_scenario *sc = malloc(sizeof *sc);
    sim_err err;
    assert_non_null(sc);
    int rc = mdl_scenario_load_string(sc, "s.cfg", ok, NULL, 0, NULL, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(sc->dcc.detail.n_dates, 1);
    free(sc);
}

static void test_round_trip_and_reference(void **state)
{
    (void)state;
    mdl_scenario *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    sim_err err;
    char *text = NULL, *text2 = NULL;
    assert_non_null(a);
    assert_non_null(b);
    const char *ov[] = {"run.seed=8000000000L"};
    int rc = mdl_scenario_load_string(a, "s.cfg", RUN_OK, ov, 1, &text, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_non_null(strstr(text, "households = 12345;"));
    rc = mdl_scenario_load_string(b, "effective", text, NULL, 0, &text2, &err);
    if (rc)
        print_error("%s\n--- text:\n%s\n", err.msg, text);
    assert_int_equal(rc, SIM_OK);
    assert_memory_equal(a, b, sizeof *a);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    free(a);
    free(b);

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(sim_cfg_write_markdown(&mdl_scenario_schema, out), SIM_OK);
    fclose(out);
    const char *must[] = {"`run.start`", "`run.end`", "`run.seed`", "`run.households`", "`run.shards`",
                          "`run.queue_capacity`", "### `run`", "### `rollout`", "### `dcc`"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        assert_non_null(strstr(buf, must[i]));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_bad_run),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_detail_dates),
        cmocka_unit_test(test_costly_values),
        cmocka_unit_test(test_round_trip_and_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
