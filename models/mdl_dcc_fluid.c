/*
 * mdl_dcc_fluid.c — the DCC on an ordinary day: a deterministic fluid
 * queue stepped minute by minute.
 *
 * Each (service, region, attempt) is a lane holding a backlog (requests) at
 * the DSP and at its region's CSP.  Each minute a stage serves up to its
 * capacity (servers * 60 s / mean service time, in work units): the
 * on-demand tier first when on_demand_first is set, and within a tier every
 * lane in proportion to its demand — a fluid processor-sharing stand-in for
 * FIFO, exact whenever the stage keeps up (most minutes) and equal to FIFO
 * in total throughput when it does not.  Whatever a stage cannot serve is
 * carried to the next minute.  Of what the CSP serves, the failing share
 * (WAN loss + device failure) comes back as the next attempt's arrivals
 * after the time-out and back-off, split between the two minutes it
 * straddles (exact for requests spread uniformly over a minute); after the
 * last retry it becomes final failures by class and 1.75 notices.
 * Expected values throughout: no random draws, O(lanes) per minute, no
 * per-request or per-hub work.
 * Not for: latency percentiles (request-level days provide those).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_dcc_internal.h"

struct mdl_dcc_fluid {
    const mdl_dcc_params *p;
    int K;                       /* attempts per request: max_retries + 1 */
    size_t nl;                   /* lanes: services * regions * K */
    int D;                       /* ring length in minutes */
    double *bd, *bc;             /* backlog at the DSP / the lane's CSP */
    double *arr;                 /* this minute's arrivals per lane */
    double *ring;                /* [D][nl] future injections */
    double cap_d, cap_c[MDL_N_REGIONS];
    double work[MDL_DCC_N_SERVICES];
    int tier[MDL_DCC_N_SERVICES];
    double delay_retry[8];       /* minutes from leaving the CSP to the retry's arrival */
    double delay_notice;         /* minutes from leaving the CSP to the final failure / 1.75 */
    double *lane_work;           /* per lane: the service's work (no division in the minute loop) */
    uint8_t *lane_tier;
};

mdl_dcc_fluid *mdl_dcc_fluid_alloc(const mdl_dcc_params *p, sim_err *err)
{
    mdl_dcc_fluid *f = calloc(1, sizeof *f);
    if (!f) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC fluid model)");
        return NULL;
    }
    f->p = p;
    f->K = (int)p->retry.max_retries + 1;
    f->nl = (size_t)MDL_DCC_LANES * (size_t)f->K;
    double maxd = p->retry.response_timeout_s / 60.0;
    f->delay_notice = maxd;
    for (int k = 0; k < f->K - 1; k++) {
        f->delay_retry[k] = (p->retry.response_timeout_s + p->retry.backoff_s * pow(p->retry.backoff_factor, k))
                            / 60.0;
        if (f->delay_retry[k] > maxd)
            maxd = f->delay_retry[k];
    }
    if (maxd > MDL_DCC_HORIZON)
        maxd = MDL_DCC_HORIZON;
    f->D = (int)ceil(maxd) + 2;
    f->bd = calloc(f->nl, sizeof *f->bd);
    f->bc = calloc(f->nl, sizeof *f->bc);
    f->arr = calloc(f->nl, sizeof *f->arr);
    f->ring = calloc((size_t)f->D * f->nl, sizeof *f->ring);
    f->lane_work = calloc(f->nl, sizeof *f->lane_work);
    f->lane_tier = calloc(f->nl, sizeof *f->lane_tier);
    if (!f->bd || !f->bc || !f->arr || !f->ring || !f->lane_work || !f->lane_tier) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC fluid model ring of %d minutes)", f->D);
        mdl_dcc_fluid_free(f);
        return NULL;
    }
    f->cap_d = (double)p->dsp.servers * 60.0 / p->dsp.service_time_s;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        f->cap_c[r] = (double)p->csp[r].servers * 60.0 / p->csp[r].service_time_s;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        f->work[s] = p->svc[s].work;
        f->tier[s] = p->on_demand_first && mdl_dcc_services[s].klass != MDL_DCC_ON_DEMAND;
    }
    for (size_t l = 0; l < f->nl; l++) {
        int s = (int)(l / (size_t)f->K % MDL_DCC_N_SERVICES);
        f->lane_work[l] = f->work[s];
        f->lane_tier[l] = (uint8_t)f->tier[s];
    }
    return f;
}

void mdl_dcc_fluid_free(mdl_dcc_fluid *f)
{
    if (!f)
        return;
    free(f->bd);
    free(f->bc);
    free(f->arr);
    free(f->ring);
    free(f->lane_work);
    free(f->lane_tier);
    free(f);
}

/* Add amount x to lane l at real minute position m + delay (split over the
 * two whole minutes it straddles).  Beyond the horizon it is dropped and
 * counted as unresolved by the caller's bookkeeping (see *lost). */
static void inject(mdl_dcc_fluid *f, long m, double delay, size_t l, double x, double *lost)
{
    double fl = floor(delay);
    double frac = delay - fl;
    long m0 = m + (long)fl;
    double w[2] = {x * (1.0 - frac), x * frac};
    for (int i = 0; i < 2; i++) {
        long mm = m0 + i;
        if (w[i] == 0.0)
            continue;
        if (mm >= MDL_DCC_HORIZON)
            *lost += w[i];
        else
            f->ring[(size_t)(mm % f->D) * f->nl + l] += w[i];
    }
}

/* Serve one stage for a minute: demand x[l] over `lanes` (indices), cap in
 * work units; returns the work served; writes served amounts to out[l]. */
static double serve(const mdl_dcc_fluid *f, double cap, size_t lo, size_t hi, const double *x, double *out)
{
    double W[2] = {0, 0}, Wall = 0;
    for (size_t l = lo; l < hi; l++)
        Wall += x[l] * f->lane_work[l];
    if (Wall <= cap) {   /* the common case: the stage keeps up */
        memcpy(out + lo, x + lo, (hi - lo) * sizeof *out);
        return Wall;
    }
    for (size_t l = lo; l < hi; l++)
        W[f->lane_tier[l]] += x[l] * f->lane_work[l];
    double frac[2], left = cap;
    for (int t = 0; t < 2; t++) {
        if (W[t] <= left) {
            frac[t] = 1.0;
            left -= W[t];
        } else {
            frac[t] = left / W[t];
            left = 0;
        }
    }
    for (size_t l = lo; l < hi; l++)
        out[l] = x[l] * frac[f->lane_tier[l]];
    return cap - left;
}

void mdl_dcc_fluid_day(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res)
{
    const mdl_dcc_params *p = f->p;
    const int K = f->K, R = MDL_N_REGIONS;
    const size_t nl = f->nl;
    memset(res, 0, sizeof *res);
    memset(f->bd, 0, nl * sizeof *f->bd);
    memset(f->bc, 0, nl * sizeof *f->bc);
    memset(f->ring, 0, (size_t)f->D * nl * sizeof *f->ring);
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < R; r++)
            res->sla_breaches[s][r] = NAN;

    /* Lanes are region-major, (region, service, attempt): each CSP's lanes
     * are one contiguous range, so the stage loops run without indirection. */
    const size_t per_r = (size_t)MDL_DCC_N_SERVICES * (size_t)K;
#define LANE(s_, r_, k_) (((size_t)(r_) * MDL_DCC_N_SERVICES + (size_t)(s_)) * (size_t)K + (size_t)(k_))
    uint8_t lane_s[MDL_DCC_LANES * 8], lane_k[MDL_DCC_LANES * 8];
    for (size_t l = 0; l < nl; l++) {
        lane_s[l] = (uint8_t)(l / (size_t)K % MDL_DCC_N_SERVICES);
        lane_k[l] = (uint8_t)(l % (size_t)K);
    }
    double *xd = calloc(nl, sizeof *xd), *sd = calloc(nl, sizeof *sd);
    double *xc = calloc(nl, sizeof *xc), *sc_ = calloc(nl, sizeof *sc_);
    if (!xd || !sd || !xc || !sc_) {
        /* Out of memory on a 1-2 kB scratch: report nothing served; the
         * caller sees unresolved == requests.  (Allocation kept here so the
         * struct stays small; it is once per day, not per minute.) */
        free(xd); free(sd); free(xc); free(sc_);
        return;
    }
    double lost[MDL_DCC_LANES] = {0};
    long last_injection = -1;
    double notices_lost = 0;   /* 1.75 notices due after the horizon: never created */
    const double busy_per_work_d = p->dsp.service_time_s;

    for (long m = 0; m < MDL_DCC_HORIZON; m++) {
        double *slot = f->ring + (size_t)(m % f->D) * nl;
        int in_day = m < MDL_DCC_MINUTES;
        double any = 0;
        /* Arrivals: fresh (attempt 0) + injections due now. */
        double per_region[MDL_N_REGIONS] = {0};
        for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
            for (int r = 0; r < R; r++) {
                size_t base = LANE(s, r, 0);
                double fresh = in_day ? offer->a[((size_t)s * R + (size_t)r) * MDL_DCC_MINUTES + (size_t)m] : 0.0;
                double created = fresh + (s == MDL_DCC_SVC_FAILURE_NOTICE ? slot[base] : 0.0);
                res->requests[s][r] += created;
                if (in_day)
                    res->requests_by_midnight[s][r] += created;
                for (int k = 0; k < K; k++) {
                    double a = slot[base + (size_t)k] + (k == 0 ? fresh : 0.0);
                    slot[base + (size_t)k] = 0.0;
                    xd[base + (size_t)k] = f->bd[base + (size_t)k] + a;
                    res->attempts[s][r] += a;
                    per_region[r] += a;
                    any += xd[base + (size_t)k] + f->bc[base + (size_t)k];
                }
            }
        if (in_day) {
            double tot = 0;
            for (int r = 0; r < R; r++) {
                if (per_region[r] > res->peak_minute[r])
                    res->peak_minute[r] = per_region[r];
                tot += per_region[r];
            }
            if (tot > res->peak_minute_total)
                res->peak_minute_total = tot;
        } else if (any < 1e-9 && m > last_injection) {
            break;   /* drained */
        }
        /* DSP. */
        double wd = serve(f, f->cap_d, 0, nl, xd, sd);
        if (in_day)
            res->busy_s[0] += wd * busy_per_work_d;
        double qd = 0;
        for (size_t l = 0; l < nl; l++) {
            f->bd[l] = xd[l] - sd[l];
            qd += f->bd[l];
            xc[l] = f->bc[l] + sd[l];
        }
        if (in_day)
            res->queue[0][m] = qd;
        /* 1.75 notices end at the DSP. */
        for (int r = 0; r < R; r++)
            for (int k = 0; k < K; k++) {
                size_t l = LANE(MDL_DCC_SVC_FAILURE_NOTICE, r, k);
                res->completed[MDL_DCC_SVC_FAILURE_NOTICE][r] += sd[l];
                if (in_day)
                    res->resolved_by_midnight[MDL_DCC_SVC_FAILURE_NOTICE][r] += sd[l];
                xc[l] = 0;
            }
        /* CSPs and outcomes. */
        for (int r = 0; r < R; r++) {
            double wc = serve(f, f->cap_c[r], (size_t)r * per_r, (size_t)(r + 1) * per_r, xc, sc_);
            if (in_day)
                res->busy_s[1 + r] += wc * p->csp[r].service_time_s;
            double qc = 0;
            double pl = p->csp[r].wan_loss, pd = p->retry.device_failure;
            for (size_t l = (size_t)r * per_r; l < (size_t)(r + 1) * per_r; l++) {
                f->bc[l] = xc[l] - sc_[l];
                qc += f->bc[l];
                double z = sc_[l];
                if (z == 0.0)
                    continue;
                int s = lane_s[l], k = lane_k[l];
                if (mdl_dcc_services[s].device_originated) {
                    res->completed[s][r] += z;
                    if (in_day)
                        res->resolved_by_midnight[s][r] += z;
                    continue;
                }
                double ok = z * (1.0 - pl - pd), bad = z * (pl + pd);
                res->completed[s][r] += ok;
                if (in_day)
                    res->resolved_by_midnight[s][r] += ok;
                if (bad == 0.0)
                    continue;
                size_t lane_sr = (size_t)s * R + (size_t)r;   /* index of `lost` */
                if (k < K - 1) {
                    inject(f, m, f->delay_retry[k], l + 1, bad, &lost[lane_sr]);
                    long until = m + (long)ceil(f->delay_retry[k]) + 1;
                    if (until > last_injection)
                        last_injection = until;
                } else {
                    int cls = mdl_dcc_services[s].klass == MDL_DCC_ON_DEMAND ? MDL_DCC_E21 : MDL_DCC_E30;
                    res->failed[s][r][MDL_DCC_E20] += z * pl;
                    res->failed[s][r][cls] += z * pd;
                    if (m + (long)floor(f->delay_notice) < MDL_DCC_MINUTES)
                        res->resolved_by_midnight[s][r] += bad;
                    size_t ln = LANE(MDL_DCC_SVC_FAILURE_NOTICE, r, 0);
                    inject(f, m, f->delay_notice, ln, bad, &notices_lost);
                    long until = m + (long)ceil(f->delay_notice) + 1;
                    if (until > last_injection)
                        last_injection = until;
                }
            }
            if (in_day)
                res->queue[1 + r][m] = qc;
        }
    }
    /* What is still in the system at the horizon. */
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < R; r++) {
            double u = lost[(size_t)s * R + (size_t)r];
            for (int k = 0; k < K; k++) {
                size_t l = LANE(s, r, k);
                u += f->bd[l] + f->bc[l];
                for (int d = 0; d < f->D; d++)
                    u += f->ring[(size_t)d * nl + l];
            }
            res->unresolved[s][r] = u;
        }
    free(xd); free(sd); free(xc); free(sc_);
}
