/*
 * test_support.h — helpers the cmocka test programs share (include after
 * <cmocka.h>): load a scenario from text, make a DCC model and run its
 * days, failing the test with the library's message.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdio.h>
#include <string.h>

#include "mdl_dcc.h"
#include "mdl_scenario.h"

/* Load TEXT (named "test.cfg") with overrides into *sc; the test fails on a bad scenario. */
static inline mdl_scenario *test_load_text(mdl_scenario *sc, const char *text, const char *const *ov, size_t n_ov)
{
    sim_err err;
    sim_err_clear(&err);
    memset(sc, 0, sizeof *sc);
    int rc = mdl_scenario_load_string(sc, "test.cfg", text, ov, n_ov, NULL, &err);
    if (rc)
        fprintf(stderr, "scenario: %s\n", err.msg);
    assert_int_equal(rc, 0);
    return sc;
}

/* A three-day run (2024-01-15 .. 17, 1,000 households) with DCC_TEXT as its dcc group (heap-allocated). */
static inline mdl_scenario *test_load_dcc(const char *dcc_text)
{
    char text[8192];
    snprintf(text, sizeof text,
             "run = { start = \"2024-01-15\"; end = \"2024-01-17\"; households = 1000; seed = 7; };\n"
             "dcc = { %s };\n", dcc_text);
    mdl_scenario *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    return test_load_text(sc, text, NULL, 0);
}

/* The DCC model of SC over SHARDS shards (the test fails if it cannot be made). */
static inline mdl_dcc *test_dcc_make(const mdl_scenario *sc, size_t shards)
{
    sim_err err = {0};
    mdl_dcc *d = mdl_dcc_alloc(sc, shards, NULL, &err);
    if (!d)
        fprintf(stderr, "alloc: %s\n", err.msg);
    assert_non_null(d);
    return d;
}

/* Run DCC day DAY (days since the start); the test fails on an error. */
static inline void test_dcc_run_day(mdl_dcc *d, int64_t day)
{
    sim_err err = {0};
    int rc = mdl_dcc_day(d, day, 1, &err);
    if (rc)
        fprintf(stderr, "day: %s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
}

#endif
