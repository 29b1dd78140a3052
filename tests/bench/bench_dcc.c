/*
 * bench_dcc.c — request-level DCC throughput: one detail day of a
 * commissioned fleet through the DSP and CSP queues, timed.
 *
 *   bench_dcc [SCENARIO.cfg [HUBS]]
 *
 * Default: scenarios/dcc-peak.cfg with its fleet scaled to HUBS (default
 * 3,000,000, a tenth of GB, so the figure comes in a few seconds on a
 * shared machine; pass 28000000 for the full GB peak day).  Prints
 * requests per second on one core and the implied cost of one GB-scale
 * detail day.  Also times the fluid (aggregate) day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdl_dcc.h"
#include "mdl_dcc_internal.h"
#include "mdl_scenario.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "scenarios/dcc-peak.cfg";
    long long hubs = argc > 2 ? atoll(argv[2]) : 3000000;
    char ov[64];
    snprintf(ov, sizeof ov, "dcc.initial_fleet.hubs=%lld", hubs);
    const char *ovs[] = {ov};
    static mdl_scenario sc;
    sim_err err = {0};
    if (mdl_scenario_load(&sc, path, ovs, 1, NULL, &err)) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 2;
    }
    mdl_dcc_params *p = &sc.dcc;
    mdl_dcc *d = mdl_dcc_alloc(&sc, 1, NULL, &err);
    if (!d) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    mdl_dcc_free(d);
    /* The day itself, through the internal API, so set-up is not timed. */
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(p, (uint64_t)sc.run.seed, &err);
    mdl_dcc_fluid *f = mdl_dcc_fluid_alloc(p, &err);
    mdl_dcc_offer *offer = calloc(1, sizeof *offer);
    mdl_dcc_dayres *res = malloc(sizeof *res);
    mdl_dcc_detailres dres;
    if (!x || !f || !offer || !res || mdl_dcc_detailres_init(&dres, p->detail.bin_minutes, &err)) {
        fprintf(stderr, "bench_dcc: out of memory\n");
        return 1;
    }
    /* Offer: build it through a one-day model run (fluid) to reuse the fleet code. */
    sc.dcc.detail.n_dates = 0;
    sc.dcc.detail.all = 0;
    sc.dcc.detail.every_n_days = 0;
    d = mdl_dcc_alloc(&sc, 1, NULL, &err);
    double t0 = now_s();
    if (mdl_dcc_day(d, 0, 1, &err)) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    double t_fluid = now_s() - t0;
    mdl_dcc_copy_offer(d, offer);
    mdl_dcc_free(d);
    t0 = now_s();
    if (mdl_dcc_detail_day(x, offer, 1, res, &dres, &err)) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    double t = now_s() - t0;
    double req = 0, att = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            req += res->requests[s][r];
            att += res->attempts[s][r];
        }
    double rate = req / t;
    printf("dcc request-level: %.0f hubs, %.0f requests (%.0f attempts) in %.2f s: %.2f M requests/s/core\n",
           (double)hubs, req, att, t, rate / 1e6);
    printf("dcc request-level: GB detail day (28 M hubs) ~ %.1f s; fluid day %.2f ms\n",
           t * 28e6 / (double)hubs, t_fluid * 1e3);
    printf("dcc p99 latency of 09.04 half-hourly reads: %.2f s\n",
           mdl_dcc_hist_quantile(&dres.hist[MDL_DCC_SVC_READ_HH], 0.99));
    mdl_dcc_detailres_destroy(&dres);
    mdl_dcc_detail_free(x);
    mdl_dcc_fluid_free(f);
    free(offer);
    free(res);
    return 0;
}
