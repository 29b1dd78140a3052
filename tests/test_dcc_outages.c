/*
 * test_dcc_outages.c — background power interruptions (dcc.outages): the
 * number of interruptions and the hubs they cut within Poisson and
 * compound-Poisson bounds at a fixed seed, start hours from the profile,
 * durations about their mean; the alerts exactly those of the affected
 * premises (last gasp only when the cut lasts the delay, x2 without
 * consolidation); alerts after midnight carried to the next day; the same
 * requests at request level; off (or a zero rate) leaves every lane and
 * result as without the group; a checkpoint in the middle of a carry
 * resumes to the same days; bad keys give file:line and what is allowed.
 * Tolerances are derived where they are used.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_dcc.h"
#include "mdl_dcc_testing.h"
#include "mdl_scenario.h"
#include "sim_ckpt.h"
#include "test_support.h"

#define R_ MDL_N_REGIONS

/* 30,000 hubs: 9,000 north, 10,500 central, 10,500 south (no joins: the DCC runs alone). */
#define FLEET "initial_fleet = { hubs = 30000; region_share = [0.30, 0.35, 0.35]; gas_share = 0.5; " \
              "half_hourly_share = 0.0; }; "
static const double HUBS[R_] = {9000, 10500, 10500};

/* A run from 2021-01-01 to END with DCC_TEXT as its dcc group (heap-allocated). */
static mdl_scenario *load_run(const char *end, const char *dcc_text)
{
    char text[8192];
    snprintf(text, sizeof text,
             "run = { start = \"2021-01-01\"; end = \"%s\"; households = 1000; seed = 11; };\n"
             "dcc = { " FLEET "%s };\n", end, dcc_text);
    mdl_scenario *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    return test_load_text(sc, text, NULL, 0);
}

static double lane_sum(const mdl_dcc_offer *o, int s, int r)
{
    double t = 0;
    for (int m = 0; m < MDL_DCC_MINUTES; m++)
        t += mdl_dcc_offer_lane((mdl_dcc_offer *)o, s, r)[m];
    return t;
}

/* ---- counts, sizes, start hours and durations against their distributions ---- */
static void test_rates(void **state)
{
    (void)state;
    const int days = 1000;
    const double rate = 2.0, ppi = 20.0, mean_d = 40.0, min_d = 3.0;
    mdl_scenario *sc = load_run("2023-09-27", "outages = { enabled = true; interruptions_per_premises_year = 2.0; "
                                "premises_per_interruption = 20.0; mean_duration_min = 40.0; min_duration_min = 3.0; "
                                "hour_profile = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "
                                "0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0]; };");
    mdl_dcc *d = test_dcc_make(sc, 1);
    double n[R_] = {0}, prem[R_] = {0}, dur = 0, n_h2 = 0, all = 0;
    for (int day = 0; day < days; day++) {
        test_dcc_run_day(d, day);
        size_t k;
        const mdl_dcc_interruption *it = mdl_dcc_last_interruptions(d, &k);
        const mdl_dcc_events_dayres *ev = mdl_dcc_last_events(d);
        double ni[R_] = {0}, np[R_] = {0};
        for (size_t i = 0; i < k; i++) {
            int h = (int)(it[i].start_min / 60.0);
            assert_true(h == 2 || h == 20);   /* only the hours with weight */
            assert_true(it[i].duration_min >= min_d && it[i].premises >= 1.0);
            n_h2 += h == 2;
            dur += it[i].duration_min;
            ni[it[i].region] += 1;
            np[it[i].region] += it[i].premises;
        }
        all += (double)k;
        for (int r = 0; r < R_; r++) {   /* the daily series are the day's draws */
            assert_true(ev->bg_interruptions[r] == ni[r] && ev->bg_premises[r] == np[r]);
            n[r] += ni[r];
            prem[r] += np[r];
        }
    }
    for (int r = 0; r < R_; r++) {
        /* N ~ Poisson(L), L = days x rate / 365.25 x hubs / ppi: within 4 sqrt(L).  Premises: a compound
         * Poisson sum of geometric sizes (mean ppi, E X^2 = 2 ppi^2 - ppi; the cap at the region's hubs is
         * never reached at ppi = 20): mean L ppi, variance L (2 ppi^2 - ppi), within 4 sd. */
        double L = days * rate / 365.25 * HUBS[r] / ppi;
        fprintf(stderr, "region %d: %.0f interruptions (expected %.1f), %.0f premises (expected %.0f)\n", r, n[r],
                L, prem[r], L * ppi);
        assert_true(fabs(n[r] - L) <= 4.0 * sqrt(L));
        assert_true(fabs(prem[r] - L * ppi) <= 4.0 * sqrt(L * (2 * ppi * ppi - ppi)));
    }
    /* start hour: P(hour 2) = 1/4, binomial within 4 sd; duration: min + Exp(mean - min), within 4 se */
    assert_true(fabs(n_h2 / all - 0.25) <= 4.0 * sqrt(0.25 * 0.75 / all));
    assert_true(fabs(dur / all - mean_d) <= 4.0 * (mean_d - min_d) / sqrt(all));
    mdl_dcc_free(d);
    free(sc);
}

/* ---- month weights: all of the year's rate in January ---- */
static void test_month_profile(void **state)
{
    (void)state;
    mdl_scenario *sc = load_run("2021-03-31", "outages = { enabled = true; interruptions_per_premises_year = 1.0; "
                                "premises_per_interruption = 10.0; month_profile = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, "
                                "0.0, 0.0, 0.0, 0.0, 0.0, 0.0]; };");
    mdl_dcc *d = test_dcc_make(sc, 1);
    double jan = 0;
    for (int day = 0; day < 90; day++) {
        test_dcc_run_day(d, day);
        size_t k;
        mdl_dcc_last_interruptions(d, &k);
        if (day >= 31)
            assert_true(k == 0);
        else
            jan += (double)k;
    }
    /* January: 31 days x 12 x 1.0 / 365.25 x 30,000 / 10 = 3,055 expected, within 4 sqrt */
    double L = 31 * 12.0 / 365.25 * 30000 / 10.0;
    assert_true(fabs(jan - L) <= 4.0 * sqrt(L));
    mdl_dcc_free(d);
    free(sc);
}

/* ---- the alerts: exactly the affected premises', last gasp only when the cut lasts the delay ---- */
static void check_alerts(int consolidation)
{
    char text[1024];
    /* starts before noon and durations of mean 20 min: nothing reaches midnight (P ~ e^-36) */
    snprintf(text, sizeof text,
             "traffic = { consolidation = %s; alerts_unconsolidated = 2; }; "
             "outages = { enabled = true; interruptions_per_premises_year = 3.0; premises_per_interruption = 30.0; "
             "mean_duration_min = 20.0; min_duration_min = 0.0; last_gasp_delay_s = 600.0; restore_jitter_s = 90.0; "
             "hour_profile = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, "
             "0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]; };",
             consolidation ? "true" : "false");
    mdl_scenario *sc = load_run("2021-01-30", text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    const double k = consolidation ? 1.0 : 2.0;
    int short_ones = 0, long_ones = 0;
    for (int day = 0; day < 30; day++) {
        test_dcc_run_day(d, day);
        mdl_dcc_copy_offer(d, o);
        size_t n;
        const mdl_dcc_interruption *it = mdl_dcc_last_interruptions(d, &n);
        double alerting[R_] = {0};
        for (size_t i = 0; i < n; i++) {
            int alerts = it[i].duration_min * 60.0 >= 600.0;
            alerting[it[i].region] += alerts ? it[i].premises : 0.0;
            short_ones += !alerts;
            long_ones += alerts;
            /* the last gasp: every premises in the minute of start + 10 min */
            int m = (int)floor(it[i].start_min + 10.0);
            if (alerts)
                assert_true(mdl_dcc_offer_lane(o, MDL_DCC_SVC_OUTAGE_ALERT, it[i].region)[m] >= k * it[i].premises);
        }
        const mdl_dcc_events_dayres *ev = mdl_dcc_last_events(d);
        const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
        for (int r = 0; r < R_; r++) {
            assert_true(lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, r) == k * alerting[r]);
            assert_true(lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, r) == k * alerting[r]);
            /* raised: 2 alerts (outage, restored) x 2 devices per premises, before consolidation */
            assert_true(ev->alerts_raised[r] == 4.0 * alerting[r]);
            assert_true(ev->suppressed[MDL_DCC_RULE_CONSOLIDATED][r] == (consolidation ? 2.0 * alerting[r] : 0.0));
            assert_true(fabs(x->requests[MDL_DCC_SVC_OUTAGE_ALERT][r] - k * alerting[r]) < 1e-9);
        }
    }
    /* P(duration < 10 min) = 1 - e^-0.5 = 0.39: both kinds occur */
    assert_true(short_ones > 10 && long_ones > 10);
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

static void test_alerts_exact(void **state)
{
    (void)state;
    check_alerts(1);
    check_alerts(0);
}

/* ---- an interruption crossing midnight: its alerts on the next day; a checkpoint in between ---- */
#define CARRY "outages = { enabled = true; interruptions_per_premises_year = 3.0; premises_per_interruption = 30.0; " \
              "mean_duration_min = 120.0; min_duration_min = 120.0; " \
              "hour_profile = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, " \
              "0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]; };"

static void test_midnight_carry(void **state)
{
    (void)state;
    mdl_scenario *sc = load_run("2021-01-20", CARRY);
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    /* starts in 23:00-24:00, power back 2 h later (01:00-02:00 the next day, + 2 min jitter) */
    double prev_all[R_] = {0}, prev_late[R_] = {0};
    int crossed = 0;
    for (int day = 0; day < 20; day++) {
        test_dcc_run_day(d, day);
        mdl_dcc_copy_offer(d, o);
        size_t n;
        const mdl_dcc_interruption *it = mdl_dcc_last_interruptions(d, &n);
        double all[R_] = {0}, early[R_] = {0}, late[R_] = {0};
        for (size_t i = 0; i < n; i++) {
            all[it[i].region] += it[i].premises;
            (it[i].start_min + 3.0 < 1440.0 ? early : late)[it[i].region] += it[i].premises;
        }
        for (int r = 0; r < R_; r++) {
            /* last gasps 3 min after the loss: today's, and yesterday's that fell after its midnight */
            assert_true(lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, r) == early[r] + prev_late[r]);
            assert_true(lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, r) == prev_all[r]);
            crossed += prev_late[r] > 0;
            prev_all[r] = all[r];
            prev_late[r] = late[r];
        }
    }
    /* a start in the day's last 3 minutes (1 in 20 of ~160 interruptions) puts its last gasp after midnight */
    assert_true(crossed > 0);
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

/* A checkpoint after day 5 (restorations still to come) resumes to the same offers on days 6-9. */
static void test_checkpoint(void **state)
{
    (void)state;
    mdl_scenario *sc = load_run("2021-01-10", CARRY);
    mdl_dcc *a = test_dcc_make(sc, 1), *b = test_dcc_make(sc, 1);
    mdl_dcc_offer *oa = malloc(sizeof *oa), *ob = malloc(sizeof *ob);
    for (int day = 0; day < 6; day++)
        test_dcc_run_day(a, day);
    sim_ckpt_buf w = {0};
    sim_err err = {0};
    assert_int_equal(mdl_dcc_ckpt_save(a, &w, &err), SIM_OK);
    sim_ckpt_buf rd = sim_ckpt_reader(w.p, w.n);
    assert_int_equal(mdl_dcc_ckpt_load(b, &rd, 0, &err), SIM_OK);
    double carried = 0;
    for (int day = 6; day < 10; day++) {
        test_dcc_run_day(a, day);
        test_dcc_run_day(b, day);
        mdl_dcc_copy_offer(a, oa);
        mdl_dcc_copy_offer(b, ob);
        assert_memory_equal(oa->a, ob->a, sizeof oa->a);
        if (day == 6)
            for (int r = 0; r < R_; r++)
                carried += lane_sum(ob, MDL_DCC_SVC_RESTORE_ALERT, r);
    }
    assert_true(carried > 0);   /* day 6's restorations came from day 5, through the checkpoint */
    sim_ckpt_buf_free(&w);
    free(oa);
    free(ob);
    mdl_dcc_free(a);
    mdl_dcc_free(b);
    free(sc);
}

/* ---- request level carries the same alerts ---- */
static void test_detail_day(void **state)
{
    (void)state;
    mdl_scenario *sc = load_run("2021-01-03", "detail = { dates = [\"2021-01-02\"]; bin_minutes = 15; }; "
                                "outages = { enabled = true; interruptions_per_premises_year = 5.0; "
                                "premises_per_interruption = 40.0; };");
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    test_dcc_run_day(d, 0);
    test_dcc_run_day(d, 1);   /* request level */
    mdl_dcc_copy_offer(d, o);
    const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
    double tot = 0;
    for (int r = 0; r < R_; r++)
        for (int s = MDL_DCC_SVC_OUTAGE_ALERT; s <= MDL_DCC_SVC_RESTORE_ALERT; s++) {
            assert_true(x->requests[s][r] == lane_sum(o, s, r));   /* exact counts: one request each */
            tot += x->requests[s][r];
        }
    assert_true(tot > 0);
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

/* ---- off, or a zero rate: every lane and result as without the group ---- */
static void run_days(const char *dcc_text, mdl_dcc_offer *o, mdl_dcc_dayres *res)
{
    mdl_scenario *sc = load_run("2021-01-03", dcc_text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    for (int day = 0; day < 3; day++)
        test_dcc_run_day(d, day);
    mdl_dcc_copy_offer(d, o);
    memcpy(res, mdl_dcc_last_day(d), sizeof *res);
    mdl_dcc_free(d);
    free(sc);
}

static void test_off_identical(void **state)
{
    (void)state;
    const char *texts[] = {
        "events = ( { type = \"outage\"; date = \"2021-01-02\"; time_h = 23.0; } );",
        "events = ( { type = \"outage\"; date = \"2021-01-02\"; time_h = 23.0; } ); "
        "outages = { enabled = false; interruptions_per_premises_year = 50.0; };",
        "events = ( { type = \"outage\"; date = \"2021-01-02\"; time_h = 23.0; } ); "
        "outages = { enabled = true; interruptions_per_premises_year = 0.0; };",
    };
    mdl_dcc_offer *o[3];
    mdl_dcc_dayres *res[3];
    for (int i = 0; i < 3; i++) {
        o[i] = malloc(sizeof *o[i]);
        res[i] = malloc(sizeof *res[i]);
        run_days(texts[i], o[i], res[i]);
    }
    for (int i = 1; i < 3; i++) {
        assert_memory_equal(o[0]->a, o[i]->a, sizeof o[0]->a);
        assert_memory_equal(res[0], res[i], sizeof *res[0]);
    }
    for (int i = 0; i < 3; i++) {
        free(o[i]);
        free(res[i]);
    }
}

/* ---- bad keys: file:line and what is allowed ---- */
static void test_schema(void **state)
{
    (void)state;
    const char *bad[] = {
        "outages = { mean_duration_min = 2.0; min_duration_min = 3.0; };",
        "outages = { hour_profile = [1.0, 2.0]; };",
        "outages = { month_profile = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]; };",
        "outages = { premises_per_interruption = 0.5; };",
        "outages = { last_gasp_delay_s = 7200.0; };",
        "outages = { interruption_rate = 1.0; };",   /* unknown key */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; };\n"
                                    "dcc = { %s };\n", bad[i]);
        mdl_scenario *sc = calloc(1, sizeof *sc);
        sim_err err = {0};
        assert_int_equal(mdl_scenario_load_string(sc, "bad.cfg", text, NULL, 0, NULL, &err), SIM_EINPUT);
        assert_non_null(strstr(err.msg, "bad.cfg:2"));
        assert_non_null(strstr(err.msg, "allowed"));
        free(sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_month_profile),
        cmocka_unit_test(test_alerts_exact),
        cmocka_unit_test(test_midnight_carry),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_detail_day),
        cmocka_unit_test(test_off_identical),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
