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
    fprintf(stderr, "DSP util*c %.3f maxq D %.0f F %.0f; CSP north util %.3f maxq %.0f/%.0f; wan north bytes %.3g busy %.0f s\n",
            det->busy_s[0] / 86400.0, det->max_queue[0], flu->max_queue[0], det->busy_s[1] / 86400.0,
            det->max_queue[1], flu->max_queue[1], flu->wan_bytes[0], flu->wan_busy_s[0]);
    fprintf(stderr, "%s\n%-4s %10s %8s %8s | %8s %8s %8s | %8s %8s %8s | %6s %6s %8s %8s\n", name, "svc", "done",
            "shareD", "shareF", "p50D", "p95D", "p99D", "p50F", "p95F", "p99F", "wmD", "wmF", "wmsD", "wmsF");
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        double cd = sum_r(det->completed, s);
        if (cd < 1)
            continue;
        double shd = 1 - sum_r(det->sla_breaches, s) / cd, shf = 1 - sum_r(flu->sla_breaches, s) / sum_r(flu->completed, s);
        fprintf(stderr, "%-4d %10.0f %8.5f %8.5f | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %6.0f %6.0f %8.1f %8.1f\n", s, cd,
                shd, shf, det->latency_q[s][0], det->latency_q[s][1], det->latency_q[s][2], flu->latency_q[s][0],
                flu->latency_q[s][1], flu->latency_q[s][2], det->worst_minute[s], flu->worst_minute[s],
                det->worst_minute_s[s], flu->worst_minute_s[s]);
    }
}

static void test_explore(void **state)
{
    (void)state;
    mdl_dcc_dayres *det = malloc(sizeof *det), *flu = malloc(sizeof *flu);
    const char *cases[] = {
        "initial_fleet = { hubs = 120000; }; dsp = { servers = 5; service_time_s = 0.4; };",
        "initial_fleet = { hubs = 100000; }; read_time_profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1];"
        "generation_share = 0.0; dsp = { servers = 2; service_time_s = 0.5; };",
        "initial_fleet = { hubs = 100000; }; read_time_profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1];"
        "generation_share = 0.0; dsp = { servers = 2; service_time_s = 0.45; };",
        "initial_fleet = { hubs = 300000; region_share = [0.5, 0.25, 0.25]; }; csp = { north = { wan_bytes_per_s = 400000.0; }; };"
        "events = ( { type = \"firmware\"; date = \"2024-01-15\"; family = \"electricity_meter\"; region_share = [0.2, 0.0, 0.0];"
        " payload_bytes = 200000.0; rate_per_day = 100000.0; windows_h = [0.0, 6.0]; } );",
        "initial_fleet = { hubs = 300000; region_share = [0.5, 0.25, 0.25]; }; csp = { north = { wan_bytes_per_s = 400000.0; }; };"
        "events = ( { type = \"firmware\"; date = \"2024-01-15\"; family = \"electricity_meter\"; region_share = [0.2, 0.0, 0.0];"
        " payload_bytes = 200000.0; rate_per_day = 150000.0; windows_h = [0.0, 4.0]; } );",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        both(cases[i], det, flu);
        show(cases[i], det, flu);
    }
    free(det);
    free(flu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
