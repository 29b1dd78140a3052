/*
 * mdl_dcc_day.h — what both DCC day simulators share: the day's offered
 * traffic (mdl_dcc_offer), the day's results (mdl_dcc_dayres), the stages
 * and the failure probabilities of an attempt.  Private to models/dcc/ and
 * their tests; the public face is mdl_dcc.h.  The simulators themselves:
 * mdl_dcc_fluid.h (aggregate) and mdl_dcc_detail.h (request level).
 */
#ifndef MDL_DCC_DAY_H
#define MDL_DCC_DAY_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_dcc_params.h"

#define MDL_DCC_MINUTES 1440
#define MDL_DCC_N_STAGES (1 + MDL_N_REGIONS)    /* DSP, then CSP north, central, south */
#define MDL_DCC_DRAIN_DAYS 2                    /* work left after midnight runs this long at most */
#define MDL_DCC_HORIZON (MDL_DCC_MINUTES * (1 + MDL_DCC_DRAIN_DAYS))
#define MDL_DCC_LANES (MDL_DCC_N_SERVICES * MDL_N_REGIONS)   /* (service, region) */

extern const char *const mdl_dcc_stage_names[MDL_DCC_N_STAGES];

#define MDL_DCC_N_LATENCY_Q 3                  /* p50, p95, p99 of mdl_dcc_dayres.latency_q */

/* The day's fresh traffic: a[(s * R + r) * 1440 + m] requests of service s
 * from region r in minute m.  exact[s]: integer counts (schedules,
 * installs); otherwise Poisson means (request level draws the count). */
typedef struct mdl_dcc_offer {
    double a[MDL_DCC_LANES * MDL_DCC_MINUTES];
    uint8_t exact[MDL_DCC_N_SERVICES];
    /* The day's message sizes (the services' sizes, or an event's payload). */
    double req_bytes[MDL_DCC_N_SERVICES], resp_bytes[MDL_DCC_N_SERVICES];
    /* Firmware campaigns: class k = 1.. is the k-th firmware event of
     * dcc.events.  Of the firmware lane's requests in region r, minute m,
     * fw_n[k - 1][r][m] are campaign k's and carry its image of fw_bytes[k]
     * bytes; the rest (class 0, none when the counts are exact) the
     * service's request size.  fw_any: some fw_n today is not 0. */
    int fw_any;
    double fw_bytes[1 + MDL_DCC_FW_CLASSES];
    uint32_t fw_n[MDL_DCC_FW_CLASSES][MDL_N_REGIONS][MDL_DCC_MINUTES];
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
    double sla_breaches[MDL_DCC_N_SERVICES][MDL_N_REGIONS];  /* counted; expected on fluid days (mdl_dcc_fluidlat.c) */
    double peak_minute[MDL_N_REGIONS];     /* most attempts arriving in one minute (0:00-24:00) */
    double peak_minute_total;
    double busy_s[MDL_DCC_N_STAGES];       /* server busy time before 24:00 */
    double queue[MDL_DCC_N_STAGES][MDL_DCC_MINUTES];   /* waiting at each minute's end */
    double max_queue[MDL_DCC_N_STAGES];    /* the largest of queue[stage][*] */
    /* Each region's WAN link (mdl_dcc_network.c on fluid days, per request on detail days). */
    double wan_bytes[MDL_N_REGIONS];       /* bytes carried (requests out, responses back) before 24:00 */
    double wan_busy_s[MDL_N_REGIONS];      /* link busy time before 24:00 */
    double wan_backlog[MDL_N_REGIONS][MDL_DCC_MINUTES];   /* bytes waiting at each minute's end */
    double wan_minute_bytes[MDL_N_REGIONS][MDL_DCC_MINUTES];   /* bytes sent in each minute */
    /* Bytes each firmware campaign's requests of the day put on the links
     * (every attempt's image out, every completion's response back, sent
     * before or after 24:00), class k at [k - 1] (see mdl_dcc_offer). */
    double campaign_bytes[MDL_DCC_FW_CLASSES][MDL_N_REGIONS];
    /* Response times of the day's completed requests per service (from
     * creation to the response; a retried request from its first attempt):
     * request level from the day's histogram and per-minute sums
     * (mdl_dcc_detail.c), fluid days from the load (mdl_dcc_fluidlat.c).
     * latency_q: p50, p95, p99 (s); worst_minute: the arrival minute
     * (0-1439) whose completed requests took longest on average, and
     * worst_minute_s that mean (s).  NaN when the service had none. */
    double latency_q[MDL_DCC_N_SERVICES][MDL_DCC_N_LATENCY_Q];
    double worst_minute[MDL_DCC_N_SERVICES];
    double worst_minute_s[MDL_DCC_N_SERVICES];
} mdl_dcc_dayres;

/* The quantiles in latency_q (0.50, 0.95, 0.99). */
extern const double mdl_dcc_latency_q[MDL_DCC_N_LATENCY_Q];

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
#endif
