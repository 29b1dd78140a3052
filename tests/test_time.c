/*
 * test_time.c — the calendar at the edges: civil <-> day numbers, weekdays,
 * strict date parsing, and time helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sim_time.h"

static void test_known_days(void **state)
{
    (void)state;
    assert_int_equal(sim_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sim_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(sim_days_from_civil(2012, 1, 1), 15340);
    assert_int_equal(sim_days_from_civil(1969, 12, 31), -1);
    /* 2020-02-29 exists; the day after is 2020-03-01 */
    assert_int_equal(sim_days_from_civil(2020, 3, 1) - sim_days_from_civil(2020, 2, 29), 1);
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int64_t z = -800000; z <= 800000; z += 7) {
        int y, m, d;
        sim_civil_from_days(z, &y, &m, &d);
        assert_int_equal(sim_days_from_civil(y, m, d), z);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    }
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(sim_weekday(0), 3);                              /* Thursday */
    assert_int_equal(sim_weekday(sim_days_from_civil(2020, 4, 1)), 2); /* Wednesday */
    assert_int_equal(sim_weekday(sim_days_from_civil(2025, 12, 28)), 6);/* Sunday */
    assert_int_equal(sim_weekday(-1), 2);
}

static void test_parse(void **state)
{
    (void)state;
    int64_t d;
    char buf[16];
    assert_int_equal(sim_parse_date("2016-10-03", &d), 0);
    sim_format_date(d, buf);
    assert_string_equal(buf, "2016-10-03");
    assert_int_equal(sim_parse_date("2020-02-29", &d), 0);
    assert_int_equal(sim_parse_date("2019-02-29", &d), -1);
    assert_int_equal(sim_parse_date("2019-13-01", &d), -1);
    assert_int_equal(sim_parse_date("2019-04-31", &d), -1);
    assert_int_equal(sim_parse_date("2019-4-30", &d), -1);
    assert_int_equal(sim_parse_date("2019-04-30x", &d), -1);
    assert_int_equal(sim_parse_date("", &d), -1);
    assert_int_equal(sim_parse_date(NULL, &d), -1);
    assert_int_equal(sim_parse_date("1899-12-31", &d), -1);
}

static void test_time_helpers(void **state)
{
    (void)state;
    assert_int_equal(sim_time_day(sim_time_from_days(5) + 1), 5);
    assert_int_equal(sim_time_day(-1), -1);
    assert_int_equal(sim_time_day(-SIM_US_PER_DAY), -1);
    assert_int_equal(sim_time_of_day(sim_time_from_days(3) + SIM_US_PER_HOUR * 7), SIM_US_PER_HOUR * 7);
    assert_int_equal(sim_time_from_minutes(1.5), 90 * SIM_US_PER_SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_days), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_weekday),    cmocka_unit_test(test_parse),
        cmocka_unit_test(test_time_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
