/*
 * test_design.c — experiment designs: value lists, sweeps and zips in
 * cartesian order, CSV designs (quotes, bad cells named by row and column),
 * and the replicate seed rule (common random numbers on and off).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sim_design.h"

static void test_split(void **state)
{
    (void)state;
    char **v;
    long n = sim_design_split(" 0.1, 2e-3 ,\"a, b\", [1, 2], north", &v);
    assert_int_equal(n, 5);
    assert_string_equal(v[0], "0.1");
    assert_string_equal(v[1], "2e-3");
    assert_string_equal(v[2], "\"a, b\"");
    assert_string_equal(v[3], "[1, 2]");
    assert_string_equal(v[4], "north");
    for (long i = 0; i < n; i++)
        free(v[i]);
    free(v);
    assert_int_equal(sim_design_split("1,,2", &v), -1);     /* empty value */
    assert_int_equal(sim_design_split("[1, 2", &v), -1);    /* unbalanced */
    assert_int_equal(sim_design_split("\"open", &v), -1);   /* unclosed quote */
}

static void test_sweep_zip_product(void **state)
{
    (void)state;
    sim_design d;
    sim_err err;
    sim_err_clear(&err);
    sim_design_init(&d);
    assert_int_equal(sim_design_add_sweep_arg(&d, "a.x=1,2,3", &err), SIM_OK);
    assert_int_equal(sim_design_add_sweep_arg(&d, "b.y=u,v", &err), SIM_OK);
    assert_int_equal(sim_design_add_zip_arg(&d, "c.z@a.x=10,20,30", &err), SIM_OK);
    assert_int_equal(sim_design_finish(&d, &err), SIM_OK);
    assert_int_equal(d.n_variants, 6);
    assert_int_equal(d.n_keys, 3);
    assert_string_equal(d.keys[0], "a.x");
    assert_string_equal(d.keys[1], "c.z");   /* the zip joins a.x's axis */
    assert_string_equal(d.keys[2], "b.y");
    /* first axis slowest; zipped values move with a.x */
    static const char *const want[6][3] = {{"1", "10", "u"}, {"1", "10", "v"}, {"2", "20", "u"},
                                           {"2", "20", "v"}, {"3", "30", "u"}, {"3", "30", "v"}};
    for (size_t v = 0; v < 6; v++)
        for (size_t k = 0; k < 3; k++)
            assert_string_equal(sim_design_value(&d, v, k), want[v][k]);
    assert_non_null(strstr(sim_design_origin(&d, 2, 1), "--zip c.z@a.x=10,20,30 (value 2)"));
    sim_design_free(&d);

    /* a zip of the wrong length, or with a key no sweep has */
    sim_design_init(&d);
    assert_int_equal(sim_design_add_sweep_arg(&d, "a.x=1,2,3", &err), SIM_OK);
    assert_int_equal(sim_design_add_zip_arg(&d, "c.z@a.x=10,20", &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "2 values, but a.x has 3"));
    assert_int_equal(sim_design_add_zip_arg(&d, "c.z@nope=10,20,30", &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "'nope' is not a swept key"));
    assert_int_equal(sim_design_add_zip_arg(&d, "c.z=10,20,30", &err), SIM_EINPUT);
    /* the same key on two axes */
    assert_int_equal(sim_design_add_sweep_arg(&d, "a.x=4,5", &err), SIM_OK);
    assert_int_equal(sim_design_finish(&d, &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "varied twice"));
    sim_design_free(&d);
}

static void test_csv(void **state)
{
    (void)state;
    sim_design d;
    sim_err err;
    sim_err_clear(&err);
    sim_design_init(&d);
    const char *csv = "# a design\n"
                      "rollout.visit.no_access_prob, run.start ,rollout.suppliers.[0].name\n"
                      "0.1,2013-01-01,\"alpha, the first\"\n"
                      "\n"
                      "0.2 , 2014-01-01 , \"say \"\"hi\"\"\"\r\n";
    assert_int_equal(sim_design_add_csv_text(&d, "d.csv", csv, &err), SIM_OK);
    assert_int_equal(sim_design_add_sweep_arg(&d, "run.households=100,200", &err), SIM_OK);
    assert_int_equal(sim_design_finish(&d, &err), SIM_OK);
    assert_int_equal(d.n_variants, 4);
    assert_string_equal(d.keys[1], "run.start");
    assert_string_equal(sim_design_value(&d, 0, 2), "alpha, the first");
    assert_string_equal(sim_design_value(&d, 2, 0), "0.2");
    assert_string_equal(sim_design_value(&d, 3, 2), "say \"hi\"");
    assert_string_equal(sim_design_value(&d, 3, 3), "200");
    assert_string_equal(sim_design_origin(&d, 2, 1), "d.csv:5: row 2, column 2 (run.start)");
    sim_design_free(&d);

    sim_design_init(&d);
    assert_int_equal(sim_design_add_csv_text(&d, "bad.csv", "a.b,c.d\n1,2\n3,\n", &err), SIM_EINPUT);
    assert_string_equal(err.msg, "bad.csv:3: row 2, column 2 (c.d): empty cell; allowed: a value in --set syntax");
    assert_int_equal(sim_design_add_csv_text(&d, "bad.csv", "a.b,c.d\n1,2,3\n", &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "bad.csv:2: row 1: 3 cells; allowed: 2"));
    assert_int_equal(sim_design_add_csv_text(&d, "bad.csv", "a.b\n\"1\n", &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "unreadable"));
    assert_int_equal(sim_design_add_csv_text(&d, "bad.csv", "a b,c\n1,2\n", &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "bad.csv:1: column 1"));
    assert_int_equal(sim_design_add_csv_text(&d, "bad.csv", "a.b\n", &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "no rows"));
    sim_design_free(&d);
}

static void test_seeds(void **state)
{
    (void)state;
    const uint64_t seed = 20110210;
    /* replicate 0 of variant 0 is the plain run; under CRN, of every variant */
    assert_int_equal(sim_design_seed(seed, 0, 0, 1), seed);
    assert_int_equal(sim_design_seed(seed, 7, 0, 1), seed);
    assert_int_equal(sim_design_seed(seed, 0, 0, 0), seed);
    assert_true(sim_design_seed(seed, 7, 0, 0) != seed);
    for (uint64_t r = 0; r < 64; r++) {
        uint64_t a = sim_design_seed(seed, 0, r, 1);
        assert_int_equal(sim_design_seed(seed, 5, r, 1), a);     /* CRN: same for every variant */
        assert_true(a <= 0x7fffffffffffffffULL);
        for (uint64_t q = 0; q < r; q++)
            assert_true(sim_design_seed(seed, 0, q, 1) != a);     /* replicates differ */
        /* without CRN, no two (variant, replicate) pairs share a seed here */
        for (uint64_t v = 1; v < 4; v++)
            for (uint64_t q = 0; q < 64; q++)
                assert_true(sim_design_seed(seed, v, r, 0) != sim_design_seed(seed, 0, q, 0));
    }
    /* SplitMix64's first output from state 0 (published reference value) */
    assert_true(sim_design_splitmix64(0) == 0xe220a8397b1dcdafULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_sweep_zip_product),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
