/*
 * test_config.c — the schema engine (sim_config.c) on a test schema of its
 * own that uses every key kind: reading, every error path with its exact
 * FILE:LINE: PATH, defaults (also inside list elements), --set overrides,
 * the effective-text round trip, and the markdown reference.
 * Not for: the real scenario tables (test_scenario.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_config.h"
#include "sim_time.h"

/* ---- the test schema ----------------------------------------------------------- */

typedef struct t_supplier {
    char name[SIM_CFG_STRLEN];
    double share;
    int64_t staff;
    int size;
} t_supplier;

typedef struct t_inner {
    double rate;
    int flag;
} t_inner;

typedef struct t_top {
    int64_t count;
    int64_t seed;
    double prob;
    int enabled;
    char label[SIM_CFG_STRLEN];
    int64_t day;
    int region;
    double weights[4];
    size_t n_weights;
    int64_t holidays[3];
    size_t n_holidays;
    t_inner inner;
    t_supplier sup[4];
    size_t n_sup;
} t_top;

static const char *const t_regions[] = {"north", "central", "south", NULL};
static const char *const t_sizes[] = {"big", "small", NULL};

static int t_inner_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const t_inner *in = obj;
    if (in->flag && in->rate > 50)
        return sim_cfg_fail(err, where, "rate", "must be at most 50 when flag is true, is %g", in->rate);
    return SIM_OK;
}

static int t_top_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const t_top *t = obj;
    double sum = 0;
    for (size_t i = 0; i < t->n_sup; i++)
        sum += t->sup[i].share;
    if (fabs(sum - 1.0) > 1e-9)
        return sim_cfg_fail(err, where, "suppliers", "shares sum to %g; allowed: a sum of 1", sum);
    return SIM_OK;
}

static const sim_cfg_key t_inner_keys[] = {
    {.name = "rate", .kind = SIM_CFG_FLOAT, .offset = offsetof(t_inner, rate), .min = 0, .max = 100,
     .def = "2.5", .unit = "1/day", .doc = "A rate."},
    {.name = "flag", .kind = SIM_CFG_BOOL, .offset = offsetof(t_inner, flag), .def = "false",
     .doc = "A switch."},
};
static const sim_cfg_schema t_inner_schema = {
    .name = "inner", .doc = "An inner group.", .keys = t_inner_keys, .n_keys = 2, .check = t_inner_check};

static const sim_cfg_key t_supplier_keys[] = {
    {.name = "name", .kind = SIM_CFG_STRING, .offset = offsetof(t_supplier, name), .doc = "Name."},
    {.name = "share", .kind = SIM_CFG_FLOAT, .offset = offsetof(t_supplier, share), .min = 0, .max = 1,
     .unit = "fraction", .doc = "Share of households."},
    {.name = "staff", .kind = SIM_CFG_INT, .offset = offsetof(t_supplier, staff), .min = 0, .max = 100000,
     .def = "10", .doc = "Installers."},
    {.name = "size", .kind = SIM_CFG_ENUM, .offset = offsetof(t_supplier, size), .def = "\"big\"",
     .enum_names = t_sizes, .doc = "Big or small."},
};
static const sim_cfg_schema t_supplier_schema = {
    .name = "supplier", .doc = "One energy supplier.", .keys = t_supplier_keys, .n_keys = 4};

static const sim_cfg_key t_top_keys[] = {
    {.name = "count", .kind = SIM_CFG_INT, .offset = offsetof(t_top, count), .min = 1, .max = 1000,
     .doc = "How many."},
    {.name = "seed", .kind = SIM_CFG_INT, .offset = offsetof(t_top, seed), .def = "1", .doc = "Unbounded."},
    {.name = "prob", .kind = SIM_CFG_FLOAT, .offset = offsetof(t_top, prob), .min = 0, .max = 1,
     .def = "0.25", .unit = "probability", .doc = "A probability."},
    {.name = "enabled", .kind = SIM_CFG_BOOL, .offset = offsetof(t_top, enabled), .def = "true",
     .doc = "On or off."},
    {.name = "label", .kind = SIM_CFG_STRING, .offset = offsetof(t_top, label), .def = "\"base\"",
     .doc = "A label."},
    {.name = "day", .kind = SIM_CFG_DATE, .offset = offsetof(t_top, day), .min = 10957 /* 2000-01-01 */,
     .max = 29220 /* 2050-01-01 */, .doc = "A date."},
    {.name = "region", .kind = SIM_CFG_ENUM, .offset = offsetof(t_top, region), .def = "\"north\"",
     .enum_names = t_regions, .doc = "A region."},
    {.name = "weights", .kind = SIM_CFG_FLOATS, .offset = offsetof(t_top, weights), .min = 0, .max = 10,
     .def = "[1.0, 2.0]", .max_count = 4, .count_offset = offsetof(t_top, n_weights), .doc = "Weights."},
    {.name = "holidays", .kind = SIM_CFG_DATES, .offset = offsetof(t_top, holidays), .def = "[]",
     .max_count = 3, .count_offset = offsetof(t_top, n_holidays), .doc = "Holidays."},
    {.name = "inner", .kind = SIM_CFG_GROUP, .offset = offsetof(t_top, inner), .def = "{}",
     .sub = &t_inner_schema, .doc = "The inner group."},
    {.name = "suppliers", .kind = SIM_CFG_LIST, .offset = offsetof(t_top, sup), .min = 1, .max = 4,
     .def = "( { name = \"a\"; share = 1.0; } )", .sub = &t_supplier_schema,
     .elem_size = sizeof(t_supplier), .max_count = 4, .count_offset = offsetof(t_top, n_sup),
     .doc = "The suppliers."},
};
static const sim_cfg_schema t_root = {
    .name = "test", .doc = "The test root.", .keys = t_top_keys, .n_keys = 11, .check = t_top_check};

/* ---- helpers ----------------------------------------------------------------------- */

#define MINIMAL "count = 5;\nday = \"2021-03-04\";\n"

static int load_ov(const char *text, const char *const *ov, size_t n, t_top *t, sim_err *err)
{
    memset(t, 0, sizeof *t);
    sim_err_clear(err);
    return sim_cfg_load_string(&t_root, t, "t.cfg", text, ov, n, NULL, err);
}

/* The load fails with SIM_EINPUT and the message contains every fragment. */
static void expect_fail_ov(const char *text, const char *const *ov, size_t n, const char *frag1,
                           const char *frag2)
{
    t_top t;
    sim_err err;
    int rc = load_ov(text, ov, n, &t, &err);
    if (rc != SIM_EINPUT || err.code != SIM_EINPUT || !strstr(err.msg, frag1) ||
        (frag2 && !strstr(err.msg, frag2)))
        print_error("rc %d code %d, message: %s\nwanted: %s / %s\n", rc, err.code, err.msg, frag1,
                    frag2 ? frag2 : "");
    assert_int_equal(rc, SIM_EINPUT);
    assert_int_equal(err.code, SIM_EINPUT);
    assert_non_null(strstr(err.msg, frag1));
    if (frag2)
        assert_non_null(strstr(err.msg, frag2));
}

static void expect_fail(const char *text, const char *frag1, const char *frag2)
{
    expect_fail_ov(text, NULL, 0, frag1, frag2);
}

static void expect_ok_ov(const char *text, const char *const *ov, size_t n, t_top *t)
{
    sim_err err;
    int rc = load_ov(text, ov, n, t, &err);
    if (rc != SIM_OK)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
}

/* ---- reading and defaults ---------------------------------------------------------- */

static void test_full_file(void **state)
{
    (void)state;
    t_top t;
    expect_ok_ov("count = 17;\n"
                 "seed = 5000000000L;\n"
                 "prob = 0.375;\n"
                 "enabled = false;\n"
                 "label = \"tab\\there \\\"q\\\"\";\n"
                 "day = \"2024-02-29\";\n"
                 "region = \"south\";\n"
                 "weights = [0.5, 7.25, 3.0];\n"
                 "holidays = [\"2024-12-25\", \"2024-12-26\"];\n"
                 "inner = { rate = 12; flag = true; };\n"
                 "suppliers = ( { name = \"x\"; share = 0.625; staff = 3; size = \"small\"; },\n"
                 "              { name = \"y\"; share = 0.375; } );\n",
                 NULL, 0, &t);
    assert_int_equal(t.count, 17);
    assert_true(t.seed == INT64_C(5000000000));
    assert_true(t.prob == 0.375);
    assert_int_equal(t.enabled, 0);
    assert_string_equal(t.label, "tab\there \"q\"");
    assert_int_equal(t.day, sim_days_from_civil(2024, 2, 29));
    assert_int_equal(t.region, 2);
    assert_int_equal(t.n_weights, 3);
    assert_true(t.weights[0] == 0.5 && t.weights[1] == 7.25 && t.weights[2] == 3.0);
    assert_int_equal(t.n_holidays, 2);
    assert_int_equal(t.holidays[1], sim_days_from_civil(2024, 12, 26));
    assert_true(t.inner.rate == 12.0);   /* an integer literal is accepted for a float */
    assert_int_equal(t.inner.flag, 1);
    assert_int_equal(t.n_sup, 2);
    assert_string_equal(t.sup[0].name, "x");
    assert_int_equal(t.sup[0].staff, 3);
    assert_int_equal(t.sup[0].size, 1);
    assert_true(t.sup[1].share == 0.375);
    assert_int_equal(t.sup[1].staff, 10);   /* element-key defaults */
    assert_int_equal(t.sup[1].size, 0);
}

static void test_defaults(void **state)
{
    (void)state;
    t_top t;
    expect_ok_ov(MINIMAL, NULL, 0, &t);
    assert_int_equal(t.count, 5);
    assert_int_equal(t.seed, 1);
    assert_true(t.prob == 0.25);
    assert_int_equal(t.enabled, 1);
    assert_string_equal(t.label, "base");
    assert_int_equal(t.region, 0);
    assert_int_equal(t.n_weights, 2);
    assert_true(t.weights[0] == 1.0 && t.weights[1] == 2.0);
    assert_int_equal(t.n_holidays, 0);
    assert_true(t.inner.rate == 2.5);
    assert_int_equal(t.inner.flag, 0);
    /* The LIST default, with its element's own defaults filled in. */
    assert_int_equal(t.n_sup, 1);
    assert_string_equal(t.sup[0].name, "a");
    assert_true(t.sup[0].share == 1.0);
    assert_int_equal(t.sup[0].staff, 10);
    assert_int_equal(t.sup[0].size, 0);
    /* A whole float is a fine integer; an empty array is an empty list. */
    expect_ok_ov("count = 1e2;\nday = \"2021-03-04\";\nholidays = ();\n", NULL, 0, &t);
    assert_int_equal(t.count, 100);
}

/* ---- error paths -------------------------------------------------------------------- */

static void test_unknown_keys(void **state)
{
    (void)state;
    /* Within distance 2: a suggestion, and it wins over "count missing". */
    expect_fail("cont = 5;\nday = \"2021-03-04\";\n", "t.cfg:1: cont: unknown key", "did you mean \"count\"?");
    expect_fail(MINIMAL "Regoin = \"north\";\n", "t.cfg:3: Regoin: unknown key", "did you mean \"region\"?");
    /* Far from everything: the allowed keys. */
    expect_fail(MINIMAL "\nzzzzzzzzz = 1;\n", "t.cfg:4: zzzzzzzzz: unknown key; allowed: count, seed, prob,",
                "suppliers");
    /* In a nested group and in a list element. */
    expect_fail(MINIMAL "inner = {\n  rate = 1.0;\n  flg = true;\n};\n", "t.cfg:5: inner.flg: unknown key",
                "did you mean \"flag\"?");
    expect_fail(MINIMAL "suppliers = (\n  { name = \"a\"; share = 0.5; },\n"
                "  { name = \"b\"; share = 0.5;\n    stafff = 3; }\n);\n",
                "t.cfg:6: suppliers.[1].stafff: unknown key", "did you mean \"staff\"?");
    expect_fail(MINIMAL "inner = {\n  qqqqqqq = 1;\n};\n", "t.cfg:4: inner.qqqqqqq: unknown key; allowed: rate, flag",
                NULL);
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_fail("count = \"five\";\nday = \"2021-03-04\";\n", "t.cfg:1: count: expected a whole number, got string \"five\"",
                "allowed: integer 1 .. 1000");
    expect_fail("count = 2.5;\nday = \"2021-03-04\";\n", "t.cfg:1: count: expected a whole number, got number 2.5", NULL);
    expect_fail(MINIMAL "prob = { x = 1; };\n", "t.cfg:3: prob: expected a finite number, got a group",
                "allowed: number 0 .. 1");
    expect_fail(MINIMAL "prob = 1e999;\n", "t.cfg:3: prob: expected a finite number", NULL);
    expect_fail(MINIMAL "enabled = 1;\n", "t.cfg:3: enabled: expected true or false, got integer 1", NULL);
    expect_fail(MINIMAL "label = 7;\n", "t.cfg:3: label: expected a quoted string", NULL);
    expect_fail(MINIMAL "inner = 3;\n", "t.cfg:3: inner: expected a group { ... }, got integer 3", NULL);
    expect_fail(MINIMAL "suppliers = { name = \"a\"; };\n", "t.cfg:3: suppliers: expected a list", NULL);
    expect_fail(MINIMAL "suppliers = ( { name = \"a\"; share = 1.0; },\n  5 );\n",
                "t.cfg:4: suppliers.[1]: expected a group { ... }, got integer 5", NULL);
    expect_fail(MINIMAL "weights = 3.0;\n", "t.cfg:3: weights: expected an array", NULL);
    expect_fail(MINIMAL "weights = (1.0, \"x\");\n", "t.cfg:3: weights.[1]: expected a finite number, got string", NULL);
    expect_fail(MINIMAL "region = 2;\n", "t.cfg:3: region: expected a quoted name", NULL);
    expect_fail(MINIMAL "label = \"012345678901234567890123456789012345678901234567\";\n",
                "t.cfg:3: label: text of 48 bytes is too long", "at most 47");
}

static void test_ranges(void **state)
{
    (void)state;
    expect_fail("count = 0;\nday = \"2021-03-04\";\n", "t.cfg:1: count: 0 is out of range; allowed: integer 1 .. 1000", NULL);
    expect_fail("count = 1001;\nday = \"2021-03-04\";\n", "t.cfg:1: count: 1001 is out of range", NULL);
    expect_fail(MINIMAL "\n\nprob = 1.5;\n", "t.cfg:5: prob: 1.5 is out of range; allowed: number 0 .. 1", NULL);
    expect_fail(MINIMAL "prob = -0.001;\n", "t.cfg:3: prob: -0.001 is out of range", NULL);
    expect_fail(MINIMAL "weights = [1.0, 10.5];\n", "t.cfg:3: weights.[1]: 10.5 is out of range", "each 0 .. 10");
    expect_fail(MINIMAL "inner = {\n rate = 100.5;\n};\n", "t.cfg:4: inner.rate: 100.5 is out of range", NULL);
    expect_fail(MINIMAL "suppliers = ( { name = \"a\"; share = 1.0; staff = -1; } );\n",
                "t.cfg:3: suppliers.[0].staff: -1 is out of range; allowed: integer 0 .. 100000", NULL);
    /* Beyond 32 bits libconfig wraps silently; we refuse the literal. */
    expect_fail(MINIMAL "seed = 3000000000;\n", "t.cfg:3: integer 3000000000 does not fit 32 bits", "3000000000L");
    expect_fail(MINIMAL "\nseed = -99999999999999999999;\n", "t.cfg:4: integer -99999999999999999999", NULL);
    expect_fail("count = 3000000000L;\nday = \"2021-03-04\";\n", "t.cfg:1: count: 3000000000 is out of range", NULL);
    t_top t;
    expect_ok_ov(MINIMAL "seed = 2147483647; # 99999999999 in a comment\nlabel = \"12345678901\";\n", NULL, 0, &t);
    assert_int_equal(t.seed, 2147483647);
}

static void test_dates_and_enums(void **state)
{
    (void)state;
    expect_fail("count = 5;\nday = \"2021-02-30\";\n", "t.cfg:2: day: \"2021-02-30\" is not a valid date", "YYYY-MM-DD");
    expect_fail("count = 5;\nday = \"21-02-03\";\n", "t.cfg:2: day: \"21-02-03\" is not a valid date", NULL);
    expect_fail("count = 5;\nday = 20210304;\n", "t.cfg:2: day: expected a date", NULL);
    expect_fail("count = 5;\nday = \"1999-12-31\";\n", "t.cfg:2: day: 1999-12-31 is out of range",
                "from 2000-01-01 to 2050-01-01");
    expect_fail(MINIMAL "holidays = [\"2024-12-25\", \"2024-13-01\"];\n",
                "t.cfg:3: holidays.[1]: \"2024-13-01\" is not a valid date", NULL);
    expect_fail(MINIMAL "region = \"nort\";\n", "t.cfg:3: region: unknown name \"nort\" (did you mean \"north\"?)",
                "allowed: \"north\", \"central\", \"south\"");
    expect_fail(MINIMAL "region = \"west\";\n", "t.cfg:3: region: unknown name \"west\"; allowed: \"north\", "
                "\"central\", \"south\"", NULL);
    expect_fail(MINIMAL "suppliers = ( { name = \"a\"; share = 1.0; size = \"huge\"; } );\n",
                "t.cfg:3: suppliers.[0].size: unknown name \"huge\"", "\"big\", \"small\"");
}

static void test_counts(void **state)
{
    (void)state;
    expect_fail(MINIMAL "weights = [1.0, 2.0, 3.0, 4.0, 5.0];\n", "t.cfg:3: weights: has 5 elements, too many",
                "at most 4");
    expect_fail(MINIMAL "holidays = [\"2024-12-25\", \"2024-12-26\", \"2024-12-27\", \"2024-12-28\"];\n",
                "t.cfg:3: holidays: has 4 elements, too many", NULL);
    expect_fail(MINIMAL "suppliers = ();\n", "t.cfg:3: suppliers: has 0 elements, too few; allowed: 1 .. 4 elements",
                NULL);
    expect_fail(MINIMAL "suppliers = ({name=\"a\";share=0.2;},{name=\"b\";share=0.2;},{name=\"c\";share=0.2;},\n"
                "{name=\"d\";share=0.2;},{name=\"e\";share=0.2;});\n",
                "t.cfg:3: suppliers: has 5 elements, too many; allowed: 1 .. 4 elements", NULL);
}

static void test_missing_and_syntax(void **state)
{
    (void)state;
    /* At the top level there is no enclosing line. */
    expect_fail("day = \"2021-03-04\";\n", "t.cfg: count: missing required key; allowed: integer 1 .. 1000", NULL);
    /* In a list element: the line of that element's group. */
    expect_fail(MINIMAL "suppliers = (\n  { name = \"a\"; share = 0.5; },\n  { name = \"b\";\n  }\n);\n",
                "t.cfg:5: suppliers.[1].share: missing required key", "number 0 .. 1");
    expect_fail("count = 5;\nday = = \"2021-03-04\";\n", "t.cfg:2: syntax error", NULL);
    expect_fail("count = 5;\nday = \"2021-03-04\";\ninner = { rate = 1.0; \n", "t.cfg:4: syntax error", NULL);
    expect_fail(MINIMAL "count = 6;\n", "t.cfg:3: syntax error: duplicate setting name", NULL);
}

static void test_checks(void **state)
{
    (void)state;
    expect_fail(MINIMAL "\ninner = {\n  flag = true;\n  rate = 60.0;\n};\n",
                "t.cfg:6: inner.rate: must be at most 50 when flag is true, is 60", NULL);
    /* A default-valued group still gets its check (rate 2.5 passes). */
    t_top t;
    expect_ok_ov(MINIMAL "inner = { flag = true; };\n", NULL, 0, &t);
    expect_fail(MINIMAL "suppliers = ( { name = \"a\"; share = 0.5; }, { name = \"b\"; share = 0.25; } );\n",
                "t.cfg:3: suppliers: shares sum to 0.75; allowed: a sum of 1", NULL);
}

/* ---- overrides ---------------------------------------------------------------------- */

static void test_overrides(void **state)
{
    (void)state;
    t_top t;
    const char *two = MINIMAL "suppliers = ( { name = \"a\"; share = 0.5; },\n"
                              "              { name = \"b\"; share = 0.5; } );\n";
    {
        const char *ov[] = {"count=7", " prob = 0.5 ", "region=south", "day=2022-01-02", "label=hello",
                            "inner.rate=3", "weights=[4.0]", "seed=6000000000L"};
        expect_ok_ov(MINIMAL, ov, 8, &t);
        assert_int_equal(t.count, 7);               /* existing key */
        assert_true(t.prob == 0.5);                 /* absent key: created */
        assert_int_equal(t.region, 2);              /* bare word: a string */
        assert_int_equal(t.day, sim_days_from_civil(2022, 1, 2));
        assert_string_equal(t.label, "hello");
        assert_true(t.inner.rate == 3.0);           /* below an absent defaulted group */
        assert_int_equal(t.n_weights, 1);
        assert_true(t.seed == INT64_C(6000000000));
    }
    {
        /* List elements: changing one share and the other keeps the check happy. */
        const char *ov[] = {"suppliers.[1].share=0.3", "suppliers.[0].share=0.7", "suppliers[1].staff=4"};
        expect_ok_ov(two, ov, 3, &t);
        assert_true(t.sup[0].share == 0.7 && t.sup[1].share == 0.3);
        assert_int_equal(t.sup[1].staff, 4);
        assert_string_equal(t.sup[1].name, "b");
        /* ... and one alone trips it. */
        expect_fail_ov(two, ov, 1, "t.cfg:3: suppliers: shares sum to 0.8", NULL);
    }
    {
        /* Into the default list, and appending an element with [n]. */
        const char *ov[] = {"suppliers.[0].staff=7", "suppliers.[0].share=0.75",
                            "suppliers.[1]={ name = \"new\"; share = 0.25; }"};
        expect_ok_ov(MINIMAL, ov, 3, &t);
        assert_int_equal(t.n_sup, 2);
        assert_string_equal(t.sup[0].name, "a");
        assert_int_equal(t.sup[0].staff, 7);
        assert_string_equal(t.sup[1].name, "new");
        assert_int_equal(t.sup[1].staff, 10);
    }
    {
        const char *ov[] = {"inner={ rate = 9.5; }"};   /* a whole group */
        expect_ok_ov(MINIMAL "inner = { rate = 1.0; flag = true; };\n", ov, 1, &t);
        assert_true(t.inner.rate == 9.5);
        assert_int_equal(t.inner.flag, 0);
    }
    /* Errors. */
    const char *unknown[] = {"cont=3"};
    expect_fail_ov(MINIMAL, unknown, 1, "--set cont: unknown key (did you mean \"count\"?)", NULL);
    const char *unknown2[] = {"suppliers.[0].zzzzzz=3"};
    expect_fail_ov(MINIMAL, unknown2, 1, "--set suppliers.[0].zzzzzz: unknown key; allowed: name, share, staff, size",
                   NULL);
    const char *bad_range[] = {"prob=2"};
    expect_fail_ov(MINIMAL, bad_range, 1, "--set prob: 2 is out of range; allowed: number 0 .. 1", NULL);
    const char *bad_type[] = {"count=many"};
    expect_fail_ov(MINIMAL, bad_type, 1, "--set count: expected a whole number, got string \"many\"", NULL);
    const char *bad_date[] = {"day=2022-02-30"};
    expect_fail_ov(MINIMAL, bad_date, 1, "--set day: \"2022-02-30\" is not a valid date", NULL);
    const char *bad_elem[] = {"suppliers.[0].share=1.5"};
    expect_fail_ov(two, bad_elem, 1, "--set suppliers.[0].share: 1.5 is out of range", NULL);
    const char *append_short[] = {"suppliers.[0].share=0.5", "suppliers.[1].staff=3"};
    expect_fail_ov(MINIMAL, append_short, 2, "--set suppliers.[1].staff=3: suppliers.[1].name: missing required key", NULL);
    const char *bad_idx[] = {"suppliers.[5].share=0.1"};
    expect_fail_ov(two, bad_idx, 1, "--set suppliers.[5].share=0.1: suppliers.[5]: no such element: the list has 2", NULL);
    const char *no_eq[] = {"count"};
    expect_fail_ov(MINIMAL, no_eq, 1, "--set: \"count\": expected path.to.key=value", NULL);
    const char *bad_path[] = {"inner..rate=1"};
    expect_fail_ov(MINIMAL, bad_path, 1, "expected path.to.key=value", NULL);
    const char *below_scalar[] = {"count.x=1"};
    expect_fail_ov(MINIMAL, below_scalar, 1, "--set count.x=1: count: is a single int value", NULL);
    const char *array_elem[] = {"weights.[0]=1.0"};
    expect_fail_ov(MINIMAL, array_elem, 1, "--set weights.[0]=1.0: weights: is a single float array value", "whole array");
    /* A lone integer on the command line means its value at any size
     * (libconfig's L is added for it); past 64 bits it is an error. */
    const char *big[] = {"seed=4000000000", "count=0x3e7"};
    expect_ok_ov(MINIMAL, big, 2, &t);
    assert_true(t.seed == INT64_C(4000000000));
    assert_int_equal(t.count, 999);
    const char *wrap[] = {"seed=99999999999999999999"};
    expect_fail_ov(MINIMAL, wrap, 1, "--set seed: integer 99999999999999999999 is beyond the 64-bit range", NULL);
    const char *wrap_in[] = {"weights=[3000000000]"};
    expect_fail_ov(MINIMAL, wrap_in, 1, "--set weights: integer 3000000000 does not fit 32 bits", NULL);
    /* A value in the file under an override path keeps its file line. */
    const char *under_bad[] = {"inner.rate=1"};
    expect_fail_ov(MINIMAL "inner = 4;\n", under_bad, 1, "t.cfg:3: inner: expected a group", NULL);
    /* A check failing on an overridden group says --set. */
    const char *grp[] = {"inner={ rate = 70.0; flag = true; }"};
    expect_fail_ov(MINIMAL, grp, 1, "--set inner={ rate = 70.0; flag = true; }: inner.rate: must be at most 50",
                   NULL);
}

/* ---- effective text, files, markdown ---------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    t_top a, b;
    sim_err err;
    char *text = NULL, *text2 = NULL;
    const char *src = "count = 999;\nprob = 0.1234567890123456789;\nlabel = \"a \\\"b\\\" \\\\ c\";\n"
                      "day = \"2049-12-31\";\nregion = \"central\";\nweights = [0.1, 9.999999999999998, 3e-300];\n"
                      "holidays = [\"2030-01-01\"];\ninner = { rate = 33.33333333333333; flag = true; };\n"
                      "suppliers = ( { name = \"p\"; share = 0.3333333333333333; size = \"small\"; },\n"
                      "  { name = \"q\"; share = 0.6666666666666667; staff = 100000; } );\n";
    const char *ov[] = {"seed=-9000000000L"};
    memset(&a, 0, sizeof a);
    assert_int_equal(sim_cfg_load_string(&t_root, &a, "t.cfg", src, ov, 1, &text, &err), SIM_OK);
    assert_non_null(text);
    assert_non_null(strstr(text, "seed = -9000000000L;"));
    assert_non_null(strstr(text, "region = \"central\";"));
    assert_non_null(strstr(text, "prob = 0.12345678901234568;"));
    memset(&b, 0, sizeof b);
    int rc = sim_cfg_load_string(&t_root, &b, "effective", text, NULL, 0, &text2, &err);
    if (rc != SIM_OK)
        print_error("%s\n--- text:\n%s\n", err.msg, text);
    assert_int_equal(rc, SIM_OK);
    assert_memory_equal(&a, &b, sizeof a);
    assert_string_equal(text, text2);   /* a fixed point */
    free(text);
    free(text2);
    /* With nothing but defaults, too; no effective text on failure. */
    text = (char *)1;
    memset(&a, 0, sizeof a);
    assert_int_equal(sim_cfg_load_string(&t_root, &a, "t.cfg", "count = 0;", NULL, 0, &text, &err), SIM_EINPUT);
    assert_null(text);
    assert_int_equal(sim_cfg_load_string(&t_root, &a, "t.cfg", MINIMAL, NULL, 0, &text, &err), SIM_OK);
    memset(&b, 0, sizeof b);
    assert_int_equal(sim_cfg_load_string(&t_root, &b, "e", text, NULL, 0, NULL, &err), SIM_OK);
    assert_memory_equal(&a, &b, sizeof a);
    free(text);
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("# a comment\ncount = 5;\n\nday = \"2021-03-04\";\nhousholds = 3;\n", f);
    fclose(f);
    t_top t;
    sim_err err;
    memset(&t, 0, sizeof t);
    assert_int_equal(sim_cfg_load_file(&t_root, &t, path, NULL, 0, NULL, &err), SIM_EINPUT);
    char want[128];
    snprintf(want, sizeof want, "%s:5: housholds: unknown key", path);
    if (!strstr(err.msg, want))
        print_error("%s\n", err.msg);
    assert_non_null(strstr(err.msg, want));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("count = 5;\nday = \"2021-03-04\";\n", f);
    fclose(f);
    assert_int_equal(sim_cfg_load_file(&t_root, &t, path, NULL, 0, NULL, &err), SIM_OK);
    assert_int_equal(t.count, 5);
    unlink(path);
    assert_int_equal(sim_cfg_load_file(&t_root, &t, path, NULL, 0, NULL, &err), SIM_EINPUT);
    assert_non_null(strstr(err.msg, "cannot open the scenario file"));
}

static void test_markdown(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(sim_cfg_write_markdown(&t_root, out), SIM_OK);
    fclose(out);
    const char *must[] = {"`count`", "`seed`", "`prob`", "`enabled`", "`label`", "`day`", "`region`",
                          "`weights`", "`holidays`", "`inner`", "`suppliers`", "`inner.rate`", "`inner.flag`",
                          "`suppliers.[].name`", "`suppliers.[].share`", "`suppliers.[].staff`",
                          "`suppliers.[].size`", "### `inner`", "### `suppliers.[]`", "The test root.",
                          "One energy supplier.", "| key | type | default | allowed | unit | meaning |",
                          "**required**", "integer 1 .. 1000", "\"north\", \"central\", \"south\"",
                          "probability", "from 2000-01-01 to 2050-01-01"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        if (!strstr(buf, must[i]))
            print_error("missing %s in:\n%s\n", must[i], buf);
        assert_non_null(strstr(buf, must[i]));
    }
    free(buf);
}

static void test_where_and_schema_bugs(void **state)
{
    (void)state;
    sim_err err;
    sim_cfg_where w = {"s.cfg", 12, "rollout.suppliers.[2]", NULL};
    assert_int_equal(sim_cfg_fail(&err, &w, "share", "bad %d", 3), SIM_EINPUT);
    assert_string_equal(err.msg, "s.cfg:12: rollout.suppliers.[2].share: bad 3");
    sim_cfg_where ws = {"--set", 0, "run", NULL};
    sim_cfg_fail(&err, &ws, NULL, "x");
    assert_string_equal(err.msg, "--set run: x");
    /* A broken table is the programmer's error, not the user's. */
    static const sim_cfg_key bad_keys[] = {
        {.name = "l", .kind = SIM_CFG_LIST, .sub = &t_inner_schema, .elem_size = 8, .max_count = 0}};
    static const sim_cfg_schema bad = {.name = "bad", .keys = bad_keys, .n_keys = 1};
    t_top t;
    assert_int_equal(sim_cfg_load_string(&bad, &t, "b", "", NULL, 0, NULL, &err), SIM_ERUNTIME);
    static const sim_cfg_key bad_count[] = {
        {.name = "w", .kind = SIM_CFG_FLOATS, .offset = 0, .max_count = 2, .count_offset = 0}};
    static const sim_cfg_schema bad1 = {.name = "bad1", .keys = bad_count, .n_keys = 1};
    assert_int_equal(sim_cfg_load_string(&bad1, &t, "b", "", NULL, 0, NULL, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "count_offset"));
    static const sim_cfg_key bad_def[] = {
        {.name = "x", .kind = SIM_CFG_INT, .def = "{{"}};
    static const sim_cfg_schema bad2 = {.name = "bad2", .keys = bad_def, .n_keys = 1};
    assert_int_equal(sim_cfg_load_string(&bad2, &t, "b", "", NULL, 0, NULL, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "schema bug"));
}

/* ---- numbers and input limits ------------------------------------------------------- */

static void test_integer_literals(void **state)
{
    (void)state;
    t_top t;
    /* libconfig would read these as 1000, -2147483648, saturated or wrapped. */
    expect_fail("count = 0x1000003E8;\nday = \"2021-03-04\";\n",
                "t.cfg:1: integer 0x1000003E8 does not fit 31 bits", "write it with an L suffix, 0x1000003E8L");
    expect_fail(MINIMAL "seed = 0x80000000;\n", "t.cfg:3: integer 0x80000000 does not fit 31 bits", NULL);
    expect_fail(MINIMAL "seed = 3000000000;\n", "t.cfg:3: integer 3000000000 does not fit 32 bits", "3000000000L");
    expect_fail(MINIMAL "seed = 99999999999999999999L;\n",
                "t.cfg:3: integer 99999999999999999999 is beyond the 64-bit range", NULL);
    expect_fail(MINIMAL "seed = 9223372036854775808L;\n", "t.cfg:3: integer 9223372036854775808 is beyond", NULL);
    expect_fail(MINIMAL "seed = -9223372036854775809L;\n", "t.cfg:3: integer -9223372036854775809 is beyond", NULL);
    expect_fail(MINIMAL "seed = 0x8000000000000000L;\n", "t.cfg:3: integer 0x8000000000000000 is beyond", NULL);
    expect_fail(MINIMAL "weights = [1.0,\n 2.0, 0x100000000];\n", "t.cfg:4: integer 0x100000000", NULL);
    /* What fits means what it says; numbers in strings, names and comments are not literals. */
    expect_ok_ov(MINIMAL "seed = 0x1000003E8L;\n", NULL, 0, &t);
    assert_true(t.seed == INT64_C(4294968296));
    expect_ok_ov(MINIMAL "seed = -9223372036854775808L;\n", NULL, 0, &t);
    assert_true(t.seed == INT64_MIN);
    expect_ok_ov(MINIMAL "seed = 0x7FFFFFFFFFFFFFFFL; # 99999999999999999999\n", NULL, 0, &t);
    assert_true(t.seed == INT64_MAX);
    expect_ok_ov(MINIMAL "seed = 0x7fffffff; label = \"3000000000 0x1000003E8\"; prob = 1e-3; /* 0x1FFFFFFFF */\n",
                 NULL, 0, &t);
    assert_true(t.seed == 2147483647);
    assert_string_equal(t.label, "3000000000 0x1000003E8");
    expect_ok_ov(MINIMAL "seed = 000000000002147483647;\n", NULL, 0, &t);
    assert_true(t.seed == 2147483647);
}

/* Write text to dir/name; returns the path in buf. */
static const char *put_file(const char *dir, const char *name, const char *text, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", dir, name);
    FILE *f = fopen(buf, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void expect_file_fail(const char *path, const char *frag1, const char *frag2)
{
    t_top t;
    sim_err err;
    memset(&t, 0, sizeof t);
    int rc = sim_cfg_load_file(&t_root, &t, path, NULL, 0, NULL, &err);
    if (rc != SIM_EINPUT || !strstr(err.msg, frag1) || (frag2 && !strstr(err.msg, frag2)))
        print_error("rc %d, message: %s\nwanted: %s / %s\n", rc, err.msg, frag1, frag2 ? frag2 : "");
    assert_int_equal(rc, SIM_EINPUT);
    assert_non_null(strstr(err.msg, frag1));
    if (frag2)
        assert_non_null(strstr(err.msg, frag2));
}

static void test_includes(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_config_inc_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char main_cfg[256], inc[256], want[512], big[256];
    put_file(dir, "main.cfg", "# main\n@include \"inc.cfg\"\nday = \"2021-03-04\";\n", main_cfg, sizeof main_cfg);
    /* Included text is checked like the scenario's own, with its own file and line. */
    put_file(dir, "inc.cfg", "# included\n\ncount = 0x1000003E8;\n", inc, sizeof inc);
    snprintf(want, sizeof want, "%s/inc.cfg:3: integer 0x1000003E8 does not fit 31 bits", dir);
    expect_file_fail(main_cfg, want, NULL);
    put_file(dir, "inc.cfg", "count = 5;\nseed = 99999999999999999999L;\n", inc, sizeof inc);
    snprintf(want, sizeof want, "%s/inc.cfg:2: integer 99999999999999999999 is beyond the 64-bit range", dir);
    expect_file_fail(main_cfg, want, NULL);
    /* A good include loads. */
    put_file(dir, "inc.cfg", "count = 17;\nseed = 0x1000003E8L;\n", inc, sizeof inc);
    t_top t;
    sim_err err;
    memset(&t, 0, sizeof t);
    int rc = sim_cfg_load_file(&t_root, &t, main_cfg, NULL, 0, NULL, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_int_equal(t.count, 17);
    assert_true(t.seed == INT64_C(4294968296));
    /* Missing, self-including, oversized and BOM-carrying includes. */
    put_file(dir, "inc.cfg", "@include \"nope.cfg\"\n", inc, sizeof inc);
    snprintf(want, sizeof want, "%s/inc.cfg:1: @include \"nope.cfg\": cannot open", dir);
    expect_file_fail(main_cfg, want, NULL);
    put_file(dir, "inc.cfg", "count = 5;\n@include \"inc.cfg\"\n", inc, sizeof inc);
    expect_file_fail(main_cfg, "(does a file include itself?)", "allowed: at most 10 levels");
    put_file(dir, "inc.cfg", "@include \"big.cfg\"\n", inc, sizeof inc);
    snprintf(big, sizeof big, "%s/big.cfg", dir);
    FILE *f = fopen(big, "w");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)3 << 30), 0);   /* 3 GiB, sparse: refused unread */
    fclose(f);
    expect_file_fail(main_cfg, "@include \"big.cfg\": is 3221225472 bytes", "at most 1048576 bytes");
    unlink(big);
    put_file(dir, "inc.cfg", "\xEF\xBB\xBF" "count = 5;\n", inc, sizeof inc);
    expect_file_fail(main_cfg, "inc.cfg:1: begins with a UTF-8 byte-order mark", NULL);
    /* Many small includes add up to the same budget. */
    put_file(dir, "inc.cfg", "@include \"inc2.cfg\"\n@include \"inc2.cfg\"\n@include \"inc2.cfg\"\n", inc, sizeof inc);
    char inc2[256];
    put_file(dir, "inc2.cfg", "count = 5;\n", inc2, sizeof inc2);
    expect_file_fail(main_cfg, "syntax error: duplicate setting name", NULL);
    unlink(inc2);
    unlink(inc);
    unlink(main_cfg);
    rmdir(dir);
}

static void test_input_limits(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_config_lim_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    /* /dev/zero and a multi-gigabyte file are refused without reading them through. */
    expect_file_fail("/dev/zero", "/dev/zero: is more than 1048576 bytes", NULL);
    snprintf(path, sizeof path, "%s/huge.cfg", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)5 << 30), 0);
    fclose(f);
    expect_file_fail(path, "huge.cfg: is 5368709120 bytes; allowed: a scenario of at most 1048576 bytes", NULL);
    unlink(path);
    expect_file_fail(dir, "is a directory", NULL);
    expect_file_fail(put_file(dir, "u16.cfg", "\xFF\xFE" "c", path, sizeof path), "is UTF-16 text", NULL);
    unlink(path);
    /* A UTF-8 byte-order mark is accepted, in a file and in memory; lines still count from it. */
    t_top t;
    sim_err err;
    put_file(dir, "bom.cfg", "\xEF\xBB\xBF" MINIMAL, path, sizeof path);
    memset(&t, 0, sizeof t);
    assert_int_equal(sim_cfg_load_file(&t_root, &t, path, NULL, 0, NULL, &err), SIM_OK);
    assert_int_equal(t.count, 5);
    unlink(path);
    expect_fail("\xEF\xBB\xBF" MINIMAL "prob = 3;\n", "t.cfg:3: prob: 3 is out of range", NULL);
    /* Labels are UTF-8. */
    expect_ok_ov(MINIMAL "label = \"Z\xC3\xBCrich \xE2\x82\xAC \xF0\x9F\x94\x8C\";\n", NULL, 0, &t);
    assert_string_equal(t.label, "Z\xC3\xBCrich \xE2\x82\xAC \xF0\x9F\x94\x8C");
    expect_fail(MINIMAL "label = \"ab\xC3(\";\n", "t.cfg:3: label: \"ab\\xc3(\" is not valid UTF-8 (at byte 2)",
                "allowed: UTF-8 text");
    expect_fail(MINIMAL "label = \"\xC0\xAF\";\n", "is not valid UTF-8 (at byte 0)", NULL);       /* overlong */
    expect_fail(MINIMAL "label = \"x\xED\xA0\x80\";\n", "is not valid UTF-8 (at byte 1)", NULL);  /* surrogate */
    expect_fail(MINIMAL "label = \"\xF4\x90\x80\x80\";\n", "is not valid UTF-8", NULL);            /* > U+10FFFF */
    expect_fail(MINIMAL "suppliers = ( { name = \"\xFF\"; share = 1.0; } );\n",
                "t.cfg:3: suppliers.[0].name: \"\\xff\" is not valid UTF-8", NULL);
    /* An enum name that is not UTF-8 is shown escaped. */
    expect_fail(MINIMAL "region = \"\xFFnorth\";\n", "unknown name \"\\xffnorth\"", NULL);
    rmdir(dir);
}

/* A scenario read from a pipe is read once, and its text handed back. */
static void test_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *text = "# from a pipe\n" MINIMAL;
    assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    t_top t;
    sim_err err;
    char *source = NULL, *effective = NULL;
    memset(&t, 0, sizeof t);
    int rc = sim_cfg_load_file_text(&t_root, &t, path, NULL, 0, &effective, &source, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SIM_OK);
    assert_non_null(source);
    assert_string_equal(source, text);
    assert_int_equal(t.count, 5);
    free(source);
    free(effective);
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_dates_and_enums),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_missing_and_syntax),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_where_and_schema_bugs),
        cmocka_unit_test(test_integer_literals),
        cmocka_unit_test(test_includes),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
