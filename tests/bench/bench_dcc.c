/*
 * bench_dcc.c — DCC model timings: the request-level (detail) day and the
 * fluid (ordinary) day on a commissioned fleet.
 *
 *   bench_dcc [--hubs N] [--threads T] [--fluid-days N] [--skip-detail] [SCENARIO.cfg]
 *
 * Default: scenarios/dcc-peak.cfg with its fleet set to N hubs (default
 * 3,000,000, a tenth of GB, so the figure comes in seconds on a shared
 * machine; --hubs 28000000 is the GB peak day).  Prints key=value lines
 * (tests/bench/run.sh picks them up):
 *   dcc_detail ... requests_per_s_core=  requests / CPU second of the day
 *                  (= per core at 1 thread; CPU time, not wall, because the
 *                  dev machine is shared), wall_s=, gb_day_s= (wall scaled
 *                  to 28 M hubs), digest= FNV-1a of every result array of the
 *                  day (equal digests: bit-identical output, e.g. across
 *                  thread counts or before/after an optimisation)
 *   dcc_fluid  ... ms_per_day=  mean of N fluid days on the same offer
 *                  (CPU time), closed= 1 if they took the closed form
 *   dcc_fluid_latency ... ms_per_day=  the WAN links and response times on top (N/4 days)
 *   dcc_day    ... ms=  one whole mdl_dcc_day (offer built from scratch,
 *                  fluid day, totals), the first day of a run
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdl_dcc.h"
#include "mdl_dcc_detail.h"
#include "mdl_dcc_fluid.h"
#include "mdl_dcc_fluidlat.h"
#include "mdl_dcc_network.h"
#include "mdl_dcc_testing.h"
#include "mdl_scenario.h"

/* FNV-1a over bytes: a fingerprint of a detail day's results, so two builds
 * or thread counts can be compared for bit-identical output. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * UINT64_C(0x100000001b3);
    return h;
}

static uint64_t day_digest(const mdl_dcc_dayres *res, const mdl_dcc_detailres *d)
{
    size_t nb = d->n_bins, S = MDL_DCC_N_SERVICES, R = MDL_N_REGIONS, G = MDL_DCC_N_STAGES;
    /* res whole, except the campaigns' bytes when no campaign ran (so a
     * digest taken before they existed still compares on other days) */
    uint64_t h = fnv(UINT64_C(0xcbf29ce484222325), res, offsetof(mdl_dcc_dayres, campaign_bytes));
    int camp = 0;
    for (int k = 0; k < MDL_DCC_FW_CLASSES; k++)
        for (int r = 0; r < MDL_N_REGIONS; r++)
            camp |= res->campaign_bytes[k][r] != 0;
    if (camp)
        h = fnv(h, res->campaign_bytes, sizeof res->campaign_bytes);
    const char *tail = (const char *)&res->campaign_bytes + sizeof res->campaign_bytes;
    h = fnv(h, tail, sizeof *res - (size_t)(tail - (const char *)res));
    h = fnv(h, d->arrivals, nb * S * sizeof(int32_t));
    h = fnv(h, d->completions, nb * S * sizeof(int32_t));
    h = fnv(h, d->failures, nb * S * sizeof(int32_t));
    h = fnv(h, d->sla_breaches, nb * S * sizeof(int32_t));
    h = fnv(h, d->arrivals_r, nb * R * sizeof(int32_t));
    h = fnv(h, d->completions_r, nb * R * sizeof(int32_t));
    h = fnv(h, d->failures_r, nb * R * sizeof(int32_t));
    h = fnv(h, d->queue, nb * G * sizeof(float));
    h = fnv(h, d->utilisation, nb * G * sizeof(float));
    h = fnv(h, d->lat, nb * S * MDL_DCC_HIST_BINS * sizeof(uint32_t));
    h = fnv(h, d->lat_max, nb * S * sizeof(float));
    return fnv(h, d->hist, sizeof d->hist);
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *path = "scenarios/dcc-peak.cfg";
    long long hubs = 3000000;
    int threads = 1, fluid_days = 2000, skip_detail = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hubs") && i + 1 < argc)
            hubs = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fluid-days") && i + 1 < argc)
            fluid_days = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--skip-detail"))
            skip_detail = 1;
        else if (argv[i][0] != '-')
            path = argv[i];
        else {
            fprintf(stderr, "usage: bench_dcc [--hubs N] [--threads T] [--fluid-days N] [--skip-detail] [SCENARIO]\n");
            return 2;
        }
    }
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
    /* The offer, through a one-day model run (fluid) to reuse the fleet code. */
    sc.dcc.detail.n_dates = 0;
    sc.dcc.detail.all = 0;
    sc.dcc.detail.every_n_days = 0;
    mdl_dcc *d = mdl_dcc_alloc(&sc, 1, NULL, &err);
    if (!d) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (mdl_dcc_day(d, 0, 1, &err)) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    double t_day = clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
    mdl_dcc_offer *offer = calloc(1, sizeof *offer);
    mdl_dcc_dayres *res = malloc(sizeof *res);
    mdl_dcc_fluid *f = mdl_dcc_fluid_alloc(p, &err);
    if (!offer || !res || !f) {
        fprintf(stderr, "bench_dcc: out of memory\n");
        return 1;
    }
    mdl_dcc_copy_offer(d, offer);
    mdl_dcc_free(d);
    printf("dcc_day hubs=%lld ms=%.3f   (first day: offer built from scratch + fluid day)\n", hubs, t_day * 1e3);

    /* Fluid days: the same offer again and again. */
    int closed = 1;
    t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < fluid_days; i++)
        closed &= mdl_dcc_fluid_day(f, offer, res);
    double t_fluid = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0) / fluid_days;
    printf("dcc_fluid hubs=%lld days=%d ms_per_day=%.4f closed=%d\n", hubs, fluid_days, t_fluid * 1e3, closed);
    /* The fluid day's response times (mdl_dcc_fluidlat.c) on top: links and latency. */
    mdl_dcc_fluidlat *lat = mdl_dcc_fluidlat_alloc(p, &err);
    if (!lat) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    int lat_days = fluid_days / 4 > 0 ? fluid_days / 4 : 1;
    t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < lat_days; i++) {
        mdl_dcc_network_fluid(p, offer, res);
        mdl_dcc_fluidlat_day(lat, mdl_dcc_fluid_last_load(f), offer, res);
    }
    printf("dcc_fluid_latency hubs=%lld days=%d ms_per_day=%.4f   (WAN links + response times, on top of dcc_fluid)\n",
           hubs, lat_days, (clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0) / lat_days * 1e3);
    mdl_dcc_fluid_day_stepped(f, offer, res);   /* the fallback, once, for comparison */
    t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    mdl_dcc_fluid_day_stepped(f, offer, res);
    printf("dcc_fluid_stepped hubs=%lld ms_per_day=%.3f\n", hubs, (clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0) * 1e3);
    t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    mdl_dcc_network_fluid(p, offer, res);
    mdl_dcc_fluidlat_day(lat, mdl_dcc_fluid_last_load(f), offer, res);
    printf("dcc_fluid_latency_stepped hubs=%lld ms_per_day=%.3f\n", hubs,
           (clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0) * 1e3);
    mdl_dcc_fluidlat_free(lat);
    mdl_dcc_fluid_free(f);
    if (skip_detail) {
        free(offer);
        free(res);
        return 0;
    }

    mdl_dcc_detail *x = mdl_dcc_detail_alloc(p, (uint64_t)sc.run.seed, &err);
    mdl_dcc_detailres dres;
    if (!x || mdl_dcc_detailres_init(&dres, p->detail.bin_minutes, &err)) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    double w0 = clock_s(CLOCK_MONOTONIC);
    t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (mdl_dcc_detail_day(x, offer, 1, res, &dres, threads, &err)) {
        fprintf(stderr, "bench_dcc: %s\n", err.msg);
        return 1;
    }
    double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0, wall = clock_s(CLOCK_MONOTONIC) - w0;
    double req = 0, att = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            req += res->requests[s][r];
            att += res->attempts[s][r];
        }
    printf("dcc_detail hubs=%lld threads=%d requests=%.0f attempts=%.0f wall_s=%.3f cpu_s=%.3f "
           "requests_per_s_core=%.0f gb_day_s=%.2f p99_hh_read_s=%.2f digest=%016llx\n",
           hubs, threads, req, att, wall, cpu, req / cpu, wall * 28e6 / (double)hubs,
           mdl_dcc_hist_quantile(&dres.hist[MDL_DCC_SVC_READ_HH], 0.99),
           (unsigned long long)day_digest(res, &dres));
    mdl_dcc_detailres_destroy(&dres);
    mdl_dcc_detail_free(x);
    free(offer);
    free(res);
    return 0;
}
