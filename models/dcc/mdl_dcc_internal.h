/*
 * mdl_dcc_internal.h — what the DCC model's own files share: the day's
 * offered traffic, the day's results, and the two day simulators (fluid in
 * mdl_dcc_fluid.c, request-level in mdl_dcc_detail.c).  Private to
 * models/dcc/ and their tests; the public face is mdl_dcc.h.
 */
#ifndef MDL_DCC_INTERNAL_H
#define MDL_DCC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_dcc_hist.h"
#include "mdl_dcc_params.h"
#include "sim_err.h"

#define MDL_DCC_MINUTES 1440
#define MDL_DCC_N_STAGES (1 + MDL_N_REGIONS)    /* DSP, then CSP north, central, south */
#define MDL_DCC_DRAIN_DAYS 2                    /* work left after midnight runs this long at most */
#define MDL_DCC_HORIZON (MDL_DCC_MINUTES * (1 + MDL_DCC_DRAIN_DAYS))
#define MDL_DCC_LANES (MDL_DCC_N_SERVICES * MDL_N_REGIONS)   /* (service, region) */

extern const char *const mdl_dcc_stage_names[MDL_DCC_N_STAGES];

/* The day's fresh traffic: a[(s * R + r) * 1440 + m] requests of service s
 * from region r in minute m.  exact[s]: integer counts (schedules,
 * installs); otherwise Poisson means (request level draws the count). */
typedef struct mdl_dcc_offer {
    double a[MDL_DCC_LANES * MDL_DCC_MINUTES];
    uint8_t exact[MDL_DCC_N_SERVICES];
} mdl_dcc_offer;

static inline double *mdl_dcc_offer_lane(mdl_dcc_offer *o, int s, int r)
{
    return o->a + ((size_t)s * MDL_N_REGIONS + (size_t)r) * MDL_DCC_MINUTES;
}

/* One day's results, the same at both resolutions (counts are expected
 * values on fluid days, realised counts on detail days). */
typedef struct mdl_dcc_dayres {
    double requests[MDL_DCC_N_SERVICES][MDL_N_REGIONS];      /* requests created (first attempts) */
    double attempts[MDL_DCC_N_SERVICES][MDL_N_REGIONS];      /* attempts including retries */
    double completed[MDL_DCC_N_SERVICES][MDL_N_REGIONS];
    double failed[MDL_DCC_N_SERVICES][MDL_N_REGIONS][MDL_DCC_N_FAILURE_CLASSES];
    double requests_by_midnight[MDL_DCC_N_SERVICES][MDL_N_REGIONS];
    double resolved_by_midnight[MDL_DCC_N_SERVICES][MDL_N_REGIONS];  /* completed + failed before 24:00 */
    double unresolved[MDL_DCC_N_SERVICES][MDL_N_REGIONS];    /* still open at the end of the drain horizon */
    double sla_breaches[MDL_DCC_N_SERVICES][MDL_N_REGIONS];  /* NaN on fluid days */
    double peak_minute[MDL_N_REGIONS];     /* most attempts arriving in one minute (0:00-24:00) */
    double peak_minute_total;
    double busy_s[MDL_DCC_N_STAGES];       /* server busy time before 24:00 */
    double queue[MDL_DCC_N_STAGES][MDL_DCC_MINUTES];   /* waiting at each minute's end */
    double max_queue[MDL_DCC_N_STAGES];    /* the largest of queue[stage][*] */
} mdl_dcc_dayres;

/* P(attempt k of a request to region r fails), and the part of it that is
 * E20 (WAN).  A first attempt fails with wan_loss + device_failure; a retry
 * fails again when the cause persists (retry.persistence) or afresh; the
 * E20 share of a failure is wan_loss / (wan_loss + device_failure). */
static inline double mdl_dcc_fail_p(const mdl_dcc_params *p, int r, int k)
{
    double f0 = p->csp[r].wan_loss + p->retry.device_failure;
    return k == 0 ? f0 : p->retry.persistence + (1.0 - p->retry.persistence) * f0;
}
static inline double mdl_dcc_fail_e20_p(const mdl_dcc_params *p, int r, int k)
{
    double f0 = p->csp[r].wan_loss + p->retry.device_failure;
    return f0 > 0 ? mdl_dcc_fail_p(p, r, k) * (p->csp[r].wan_loss / f0) : 0.0;
}

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
    mdl_dcc_hist hist[MDL_DCC_N_SERVICES];   /* the day's latency histogram per service */
} mdl_dcc_detailres;

int mdl_dcc_detailres_init(mdl_dcc_detailres *x, int64_t bin_minutes, sim_err *err);
void mdl_dcc_detailres_clear(mdl_dcc_detailres *x);
void mdl_dcc_detailres_destroy(mdl_dcc_detailres *x);

/* Fluid (aggregate) day: deterministic, expected values.  Returns 1 when
 * the day was computed in closed form (no stage fell behind), 0 when it was
 * stepped minute by minute. */
typedef struct mdl_dcc_fluid mdl_dcc_fluid;
mdl_dcc_fluid *mdl_dcc_fluid_alloc(const mdl_dcc_params *p, sim_err *err);
void mdl_dcc_fluid_free(mdl_dcc_fluid *f);
int mdl_dcc_fluid_day(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res);
/* The minute stepper alone (what mdl_dcc_fluid_day falls back to); the
 * test compares it with the closed form. */
void mdl_dcc_fluid_day_stepped(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res);

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
/* n Exp(1) draws of the request-level model's generator (ziggurat), from
 * stream (seed, entity, MDL_RNG_DCC_DETAIL): for its distribution test. */
void mdl_dcc_exp_draws(uint64_t seed, uint64_t entity, size_t n, double *out);
/* n words of the request-level model's buffered stream (seed, entity,
 * purpose): the test checks they are sim_rng_u32's. */
void mdl_dcc_rng_words(uint64_t seed, uint64_t entity, uint32_t purpose, size_t n, uint32_t *out);
/* Per-stage waiting statistics of the last detail day (for the Erlang C test). */
typedef struct mdl_dcc_stage_stats {
    uint64_t started;       /* requests that began service */
    uint64_t waited;        /* ... after a positive wait */
    double wait_sum_s;      /* total wait */
} mdl_dcc_stage_stats;
void mdl_dcc_detail_stage_stats(const mdl_dcc_detail *x, int stage, mdl_dcc_stage_stats *out);


/* The results of the last mdl_dcc_day (for tests and the benchmark). */
struct mdl_dcc;
const mdl_dcc_dayres *mdl_dcc_last_day(const struct mdl_dcc *d);
/* A copy of the last day's offered traffic (for the benchmark). */
void mdl_dcc_copy_offer(const struct mdl_dcc *d, mdl_dcc_offer *out);
#endif
