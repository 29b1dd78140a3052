/*
 * mdl_dcc_detail.h — the DCC's request-level day simulator
 * (mdl_dcc_detail.c) and its per-bin series.  Private to models/dcc/ and
 * their tests; the hooks only tests use are in mdl_dcc_testing.h.
 */
#ifndef MDL_DCC_DETAIL_H
#define MDL_DCC_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_dcc_day.h"
#include "mdl_dcc_hist.h"
#include "sim_err.h"

/* Per-bin series of a detail day (bins of bin_minutes). */
typedef struct mdl_dcc_detailres {
    size_t n_bins;
    int64_t bin_minutes;
    int32_t *arrivals;          /* [bin][service]  requests created in the bin */
    int32_t *completions;       /* [bin][service]  by completion time */
    int32_t *failures;          /* [bin][service]  final failures by detection time */
    int32_t *sla_breaches;      /* [bin][service]  by arrival bin */
    int32_t *arrivals_r;        /* [bin][region] */
    int32_t *completions_r;
    int32_t *failures_r;
    float *queue;               /* [bin][stage]    waiting at the bin's end */
    float *utilisation;         /* [bin][stage] */
    uint32_t *lat;              /* [bin][service][MDL_DCC_HIST_BINS] by arrival bin */
    float *lat_max;             /* [bin][service] */
    double *minute_lat_s;       /* [minute][service] latencies summed by arrival minute (worst minute) */
    uint32_t *minute_done;      /* [minute][service] their count */
    mdl_dcc_hist hist[MDL_DCC_N_SERVICES];   /* the day's latency histogram per service */
} mdl_dcc_detailres;

int mdl_dcc_detailres_init(mdl_dcc_detailres *x, int64_t bin_minutes, sim_err *err);
void mdl_dcc_detailres_clear(mdl_dcc_detailres *x);
void mdl_dcc_detailres_destroy(mdl_dcc_detailres *x);

/* Request-level day.  `entity` keys the day's random streams. */
typedef struct mdl_dcc_detail mdl_dcc_detail;
mdl_dcc_detail *mdl_dcc_detail_alloc(const mdl_dcc_params *p, uint64_t seed, sim_err *err);
void mdl_dcc_detail_free(mdl_dcc_detail *x);
/* Request-level day on up to n_threads threads (at most 4 help: the DSP
 * and the three regions run as a pipeline of half-minute slots); the
 * result does not depend on n_threads.  dres must have the scenario's
 * bin_minutes.  mdl_dcc_detail_alloc fails (SIM_EINPUT) when
 * retry.response_timeout_s is under 60 s: the pipeline needs retries to
 * land two slots after the CSP work that made them (the schema's minimum). */
int mdl_dcc_detail_day(mdl_dcc_detail *x, const mdl_dcc_offer *offer, uint64_t entity, mdl_dcc_dayres *res,
                       mdl_dcc_detailres *dres, int n_threads, sim_err *err);
/* Pipeline steps handling fewer requests than this (default 2,000) run
 * their tasks on one thread (the test sets 0 or a low value to force the
 * parallel path). */
void mdl_dcc_detail_set_parallel_min(mdl_dcc_detail *x, size_t requests);
/* At most this many threads in a request-level day (default 0: the CPUs
 * the process may use; more only take turns on them).  The result does not
 * depend on it; the test raises it to run 3 and 4 threads on any machine. */
void mdl_dcc_detail_set_max_threads(mdl_dcc_detail *x, int n_threads);
/* into += from, for the service- and region-indexed series, and stage
 * stage_i's utilisation column (merging the regions' partial results). */
void mdl_dcc_detailres_add(mdl_dcc_detailres *into, const mdl_dcc_detailres *from, int stage_i);
#endif
