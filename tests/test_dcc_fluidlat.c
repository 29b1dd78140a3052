/*
 * test_dcc_fluidlat.c — response times on fluid days (mdl_dcc_fluidlat.c)
 * against the request-level day on the same offered day.
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
#include "mdl_dcc_detail.h"
#include "mdl_dcc_fluid.h"
#include "mdl_dcc_fluidlat.h"
#include "mdl_dcc_network.h"
#include "mdl_dcc_testing.h"
#include "mdl_scenario.h"
#include "test_support.h"

/* The same day at both resolutions: det (request level), flu (fluid). */
static void both(const char *dcc_text, mdl_dcc_dayres *det, mdl_dcc_dayres *flu)
{
    char text[6144];
    snprintf(text, sizeof text, "%s detail = { dates = [\"2024-01-15\"]; };", dcc_text);
    mdl_scenario *sc = test_load_dcc(text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);
    memcpy(det, mdl_dcc_last_day(d), sizeof *det);
    mdl_dcc_free(d);
    sc->dcc.detail.n_dates = 0;
    d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);
    memcpy(flu, mdl_dcc_last_day(d), sizeof *flu);
    mdl_dcc_free(d);
    free(sc);
}

static double sum_r(const double a[MDL_DCC_N_SERVICES][MDL_N_REGIONS], int s)
{
    double t = 0;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        t += a[s][r];
    return t;
}

static void show(const char *name, const mdl_dcc_dayres *det, const mdl_dcc_dayres *flu)
{
    fprintf(
        stderr,
        "DSP util*c %.3f maxq D %.0f F %.0f; CSP north util %.3f maxq %.0f/%.0f; wan north bytes %.3g busy %.0f s\n",
        det->busy_s[0] / 86400.0, det->max_queue[0], flu->max_queue[0], det->busy_s[1] / 86400.0, det->max_queue[1],
        flu->max_queue[1], flu->wan_bytes[0], flu->wan_busy_s[0]);
    fprintf(stderr, "%s\n%-4s %10s %8s %8s | %8s %8s %8s | %8s %8s %8s | %6s %6s %8s %8s\n", name, "svc", "done",
            "shareD", "shareF", "p50D", "p95D", "p99D", "p50F", "p95F", "p99F", "wmD", "wmF", "wmsD", "wmsF");
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        double cd = sum_r(det->completed, s);
        if (cd < 1)
            continue;
        double shd = 1 - sum_r(det->sla_breaches, s) / cd,
               shf = 1 - sum_r(flu->sla_breaches, s) / sum_r(flu->completed, s);
        fprintf(stderr, "%-4d %10.0f %8.5f %8.5f | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %6.0f %6.0f %8.1f %8.1f\n",
                s, cd, shd, shf, det->latency_q[s][0], det->latency_q[s][1], det->latency_q[s][2], flu->latency_q[s][0],
                flu->latency_q[s][1], flu->latency_q[s][2], det->worst_minute[s], flu->worst_minute[s],
                det->worst_minute_s[s], flu->worst_minute_s[s]);
    }
}

/* Checks one service on one case: the share within target and the p95
 * of the fluid day against the request-level day.
 *  - share: the request-level share is a binomial proportion over n
 *    completions (requests of a light day are near independent): 4 sd,
 *    4 sqrt(p (1 - p) / n), is a 1-in-15,000 miss per check; plus the
 *    model's own error `share_model` (measured, stated per case).
 *  - p95: the sample quantile's sd is sqrt(q (1 - q) / n) / f(x_q); with an
 *    exponential tail of scale theta (the WAN latency's mean, 3 s at most),
 *    f(x_95) = 0.05 / theta, so sd = 4.36 theta / sqrt(n); 4 sd, plus the
 *    model's relative error `p95_model` (measured, stated per case).  Both
 *    resolutions read the p95 on the same histogram bins, linear inside
 *    the bin. */
static void check_service(const mdl_dcc_dayres *det, const mdl_dcc_dayres *flu, int s, double share_model,
                          double p95_model)
{
    double n = sum_r(det->completed, s);
    double shd = 1 - sum_r(det->sla_breaches, s) / n, shf = 1 - sum_r(flu->sla_breaches, s) / sum_r(flu->completed, s);
    double tol_share = 4.0 * sqrt(fmax(shd * (1 - shd), 1.0 / n) / n) + share_model;
    double tol_p95 = 4.0 * 4.36 * 3.0 / sqrt(n) + p95_model * det->latency_q[s][1];
    fprintf(stderr, "  service %2d: n %.0f share %.5f / %.5f (tol %.5f)  p95 %.2f / %.2f s (tol %.2f)\n", s, n, shd,
            shf, tol_share, det->latency_q[s][1], flu->latency_q[s][1], tol_p95);
    assert_true(fabs(shd - shf) <= tol_share);
    assert_true(fabs(det->latency_q[s][1] - flu->latency_q[s][1]) <= tol_p95);
}

/* Every service with enough completions for its p95 to be a measurement
 * (20,000); the day's results back in det and flu when they are not NULL. */
static void check_case(const char *name, const char *dcc_text, double share_model, double p95_model,
                       mdl_dcc_dayres *keep_det, mdl_dcc_dayres *keep_flu)
{
    mdl_dcc_dayres *det = malloc(sizeof *det), *flu = malloc(sizeof *flu);
    assert_non_null(det);
    assert_non_null(flu);
    both(dcc_text, det, flu);
    show(name, det, flu);
    int checked = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        if (sum_r(det->completed, s) < 20000)
            continue;
        check_service(det, flu, s, share_model, p95_model);
        checked++;
    }
    assert_true(checked >= 3);
    if (keep_det)
        memcpy(keep_det, det, sizeof *det);
    if (keep_flu)
        memcpy(keep_flu, flu, sizeof *flu);
    free(det);
    free(flu);
}

/* (a) An ordinary, lightly loaded day: 300,000 hubs, every stage under 10 %
 * busy.  Measured model error: share 0.0002, p95 0.3 %. */
static void test_light_day(void **state)
{
    (void)state;
    check_case("(a) light day", "initial_fleet = { hubs = 300000; };", 0.001, 0.01, NULL, NULL);
}

/* (b) A stage near saturation: reads and alerts spread evenly over the
 * day (a flat read-time profile), a DSP of 2 servers x 0.5 s at 90 %
 * utilisation all day (M/M/2, Erlang C 0.85, mean wait 2.1 s).  Measured
 * model error: share 0.0002, p95 0.6 %. */
static void test_near_saturation(void **state)
{
    (void)state;
    check_case("(b) DSP at 90 %",
               "initial_fleet = { hubs = 100000; }; read_time_profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
               "1,1,1]; generation_share = 0.0; dsp = { servers = 2; service_time_s = 0.5; };",
               0.001, 0.03, NULL, NULL);
}

/* (c) A bandwidth-limited WAN region with a firmware campaign: half of
 * 300,000 hubs in the North on a 400 kB/s link; 30,000 images of 200 kB
 * in a 6-hour night window keep the link ~75 % busy there.  Measured model
 * error: share 0.0001, p95 0.5 % (firmware itself 2.1 %). */
static void test_firmware_link(void **state)
{
    (void)state;
    check_case("(c) North link 400 kB/s, firmware campaign",
               "initial_fleet = { hubs = 300000; region_share = [0.5, 0.25, 0.25]; }; csp = { north = { "
               "wan_bytes_per_s = 400000.0; }; }; events = ( { type = \"firmware\"; date = \"2024-01-15\"; "
               "family = \"electricity_meter\"; region_share = [0.2, 0.0, 0.0]; payload_bytes = 200000.0; "
               "rate_per_day = 100000.0; windows_h = [0.0, 6.0]; } );",
               0.001, 0.03, NULL, NULL);
}

/* (d) The same campaign in a 4-hour window: the link gets ~105 % of its
 * capacity for hours and a backlog of ~20 minutes builds.  Measured model
 * error: share 0.001, p95 7-8 % high (reads 1,127 vs 1,057 s; firmware
 * 1,278 vs 1,184 s).  The worst minute is made by the load here (the end of
 * the window): the alerts' agrees within 5 minutes, and its mean (a mean
 * over ~360 alerts of a few seconds' spread; the backlog sets it) within
 * 10 %. */
static void test_link_overload(void **state)
{
    (void)state;
    mdl_dcc_dayres *det = malloc(sizeof *det), *flu = malloc(sizeof *flu);
    assert_true(det && flu);
    check_case("(d) North link 400 kB/s, the campaign in 4 hours",
               "initial_fleet = { hubs = 300000; region_share = [0.5, 0.25, 0.25]; }; csp = { north = { "
               "wan_bytes_per_s = 400000.0; }; }; events = ( { type = \"firmware\"; date = \"2024-01-15\"; "
               "family = \"electricity_meter\"; region_share = [0.2, 0.0, 0.0]; payload_bytes = 200000.0; "
               "rate_per_day = 150000.0; windows_h = [0.0, 4.0]; } );",
               0.003, 0.10, det, flu);
    const int A = MDL_DCC_SVC_ALERT;
    assert_true(fabs(det->worst_minute[A] - flu->worst_minute[A]) <= 5);
    assert_true(fabs(det->worst_minute_s[A] - flu->worst_minute_s[A]) <= 0.1 * det->worst_minute_s[A]);
    free(det);
    free(flu);
}

/* The closed form and the minute stepper leave the same load, so the same
 * response times (to rounding), with retries crossing midnight. */
static void test_closed_vs_stepped(void **state)
{
    (void)state;
    mdl_scenario *sc = test_load_dcc("initial_fleet = { hubs = 54321; }; retry = { device_failure = 0.03; };");
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);
    mdl_dcc_offer *o = malloc(sizeof *o);
    mdl_dcc_dayres *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_true(o && a && b);
    mdl_dcc_copy_offer(d, o);
    sim_err err = {0};
    mdl_dcc_fluid *f = mdl_dcc_fluid_alloc(&sc->dcc, &err);
    mdl_dcc_fluidlat *L = mdl_dcc_fluidlat_alloc(&sc->dcc, &err);
    assert_true(f && L);
    assert_int_equal(mdl_dcc_fluid_day(f, o, a), 1);
    mdl_dcc_network_fluid(&sc->dcc, o, a);
    mdl_dcc_fluidlat_day(L, mdl_dcc_fluid_last_load(f), o, a);
    mdl_dcc_fluid_day_stepped(f, o, b);
    mdl_dcc_network_fluid(&sc->dcc, o, b);
    mdl_dcc_fluidlat_day(L, mdl_dcc_fluid_last_load(f), o, b);
    int seen = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++) {
            assert_int_equal(isnan(a->latency_q[s][i]), isnan(b->latency_q[s][i]));
            if (!isnan(a->latency_q[s][i])) {
                assert_true(fabs(a->latency_q[s][i] - b->latency_q[s][i]) <= 1e-6 * a->latency_q[s][i] + 1e-9);
                seen++;
            }
        }
        for (int r = 0; r < MDL_N_REGIONS; r++)
            assert_true(fabs(a->sla_breaches[s][r] - b->sla_breaches[s][r]) <= 1e-6 * a->completed[s][r] + 1e-9);
    }
    assert_true(seen > 20);
    /* A retry's time-out and back-off show: the p99 of a service with 3 %
     * failing first attempts lies past the first retry (60 + 300 s). */
    assert_true(a->latency_q[MDL_DCC_SVC_READ_DAILY][2] > 360.0);
    mdl_dcc_fluidlat_free(L);
    mdl_dcc_fluid_free(f);
    free(o);
    free(a);
    free(b);
    mdl_dcc_free(d);
    free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_vs_stepped), cmocka_unit_test(test_light_day),
        cmocka_unit_test(test_near_saturation),   cmocka_unit_test(test_firmware_link),
        cmocka_unit_test(test_link_overload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
