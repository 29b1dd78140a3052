/*
 * mdl_dcc_fluid.c — the DCC on an ordinary day: a deterministic fluid
 * queue, in closed form when the DCC keeps up, stepped minute by minute
 * when it does not.
 *
 * The model.  Each (service, region, attempt) is a lane holding a backlog
 * (requests) at the DSP and at its region's CSP.  Each minute a stage
 * serves up to its capacity (servers * 60 s / mean service time, in work
 * units): the on-demand tier first when on_demand_first is set, and within
 * a tier every lane in proportion to its demand — a fluid processor-sharing
 * stand-in for FIFO, exact whenever the stage keeps up and equal to FIFO in
 * total throughput when it does not.  What a stage cannot serve is carried
 * to the next minute.  Of what the CSP serves, the failing share comes back
 * as the next attempt's arrivals after the time-out and back-off, split
 * between the two minutes it straddles (exact for requests spread uniformly
 * over a minute); after the last retry it becomes final failures by class
 * and 1.75 notices.  A first attempt fails with wan_loss + device_failure;
 * a retry fails again when the cause persists (retry.persistence) or
 * afresh (mdl_dcc_fail_p in mdl_dcc_day.h).
 * Expected values throughout: no random draws.
 *
 * Two ways to compute it, with the same results (to rounding; a test
 * compares them):
 *  - closed form (most days).  If no backlog ever forms, every stage serves
 *    each minute's arrivals in that minute, and the model is linear and
 *    shift-invariant: attempt k+1 of a lane is attempt k times its failure
 *    probability, delayed by a fixed two-tap kernel.  One pass over the
 *    offered traffic gives per-region series of fresh arrivals (count and
 *    work) and per-lane day totals; a few shifted adds per region give each
 *    stage's per-minute work, which settles whether the day keeps up.  If it
 *    does, per-lane totals follow from day totals, and what crosses midnight
 *    from a dot product of the day's last minutes with precomputed "share of
 *    the delay chain that lands after the cut" vectors.  Cost: O(lanes x
 *    minutes) reads of the offer plus O(regions x attempts x minutes) adds,
 *    no per-minute per-lane bookkeeping.
 *  - the minute stepper (days on which some stage falls behind, or retry
 *    delays so long that a chain runs past the 2-day horizon): per minute
 *    and lane, as the model above reads.  ~1.5 ms a day.
 * Each day also leaves, per stage and minute, the work and attempts that
 * arrived and the work waiting at the minute's end (mdl_dcc_fluid_load):
 * the fluid latency model (mdl_dcc_fluidlat.c) turns them into response
 * times.
 * Not for: response times (mdl_dcc_fluidlat.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_dcc_fluid.h"

#define MAX_K 8                   /* attempts: max_retries (<= 7) + 1 */
#define R_ MDL_N_REGIONS
#define S_ MDL_DCC_N_SERVICES

/* How a service's traffic moves (from the catalogue). */
enum { ROUTE_RETRY, ROUTE_CSP_ONLY, ROUTE_DSP_ONLY };

struct mdl_dcc_fluid {
    const mdl_dcc_params *p;
    int K;                       /* attempts per request: max_retries + 1 */
    size_t nl;                   /* stepper lanes: services * regions * K */
    int D;                       /* stepper ring length in minutes */
    double cap_d, cap_c[R_];
    double fail[R_][MAX_K];      /* P(attempt k fails) */
    double fail_e20[R_][MAX_K];  /* ... of which E20 (WAN) */
    double delay_retry[MAX_K];   /* minutes from leaving the CSP to the retry's arrival */
    double delay_notice;         /* minutes from leaving the CSP to the final failure / 1.75 */
    int route[S_];
    /* stepper state and scratch (allocated once) */
    double *bd, *bc, *ring, *xd, *sd, *xc, *sc;
    double *lane_work;
    uint8_t *lane_tier, *lane_s, *lane_k;
    /* closed form */
    int closed_ok;               /* every delay chain ends inside the horizon */
    int L;                       /* minutes a day's traffic can reach (fresh + longest chain) */
    int fl_r[MAX_K], fl_n;       /* whole minutes of each delay ... */
    double fr_r[MAX_K], fr_n;    /* ... and the fraction carried to the next minute */
    int W;                       /* length of the tail vectors */
    double *tail[MAX_K + 1];     /* tail[k][j]: share of mass j+1 minutes before a cut that the
                                    chain of k retry delays moves past it; tail[K]: the chain of
                                    K-1 retry delays and the notice delay */
    double *ser;                 /* per-region series scratch, see closed_day */
    mdl_dcc_fluid_load load;     /* the last day's load per stage and minute */
};

#define H_ MDL_DCC_HORIZON
#define LOAD(a_, t_, m_) ((a_)[(size_t)(t_) * H_ + (size_t)(m_)])

/* ---- alloc / free ---------------------------------------------------------------------- */
static int build_tails(mdl_dcc_fluid *f)
{
    /* Distribution of the total shift (minutes) of a chain of two-tap
     * kernels, by convolution; tail[j] = P(shift > j). */
    int maxs = 0;
    for (int k = 0; k < f->K - 1; k++)
        maxs += f->fl_r[k] + 1;
    maxs += f->fl_n + 1;
    f->W = maxs + 1;
    double *dist = calloc((size_t)f->W + 1, sizeof *dist), *nd = calloc((size_t)f->W + 1, sizeof *nd);
    int bad = !dist || !nd;
    for (int k = 0; k <= f->K && !bad; k++)
        bad = !(f->tail[k] = calloc((size_t)f->W, sizeof(double)));
    if (bad) {
        free(dist);
        free(nd);
        return -1;
    }
    dist[0] = 1.0;
    for (int k = 0; k <= f->K - 1; k++) {
        /* dist = shift distribution of k retry delays; write the tail */
        double *t = f->tail[k];
        double cum = 0;
        for (int j = 0; j < f->W; j++) {
            cum += dist[j];
            t[j] = 1.0 - cum < 0 ? 0 : 1.0 - cum;
        }
        int fl = k < f->K - 1 ? f->fl_r[k] : f->fl_n;
        double fr = k < f->K - 1 ? f->fr_r[k] : f->fr_n;
        memset(nd, 0, ((size_t)f->W + 1) * sizeof *nd);
        for (int j = 0; j <= f->W; j++) {
            if (dist[j] == 0.0)
                continue;
            if (j + fl <= f->W)
                nd[j + fl] += dist[j] * (1.0 - fr);
            if (j + fl + 1 <= f->W)
                nd[j + fl + 1] += dist[j] * fr;
        }
        memcpy(dist, nd, ((size_t)f->W + 1) * sizeof *dist);
        if (k == f->K - 1) {   /* K-1 retry delays + the notice delay */
            cum = 0;
            for (int j = 0; j < f->W; j++) {
                cum += dist[j];
                f->tail[f->K][j] = 1.0 - cum < 0 ? 0 : 1.0 - cum;
            }
        }
    }
    free(dist);
    free(nd);
    return 0;
}

/* Stepper lanes are region-major, (region, service, attempt): each CSP's
 * lanes are one contiguous range. */
static void init_lanes(mdl_dcc_fluid *f, const mdl_dcc_params *p)
{
    for (size_t l = 0; l < f->nl; l++) {
        int s = (int)(l / (size_t)f->K % S_);
        f->lane_s[l] = (uint8_t)s;
        f->lane_k[l] = (uint8_t)(l % (size_t)f->K);
        f->lane_work[l] = p->svc[s].work;
        f->lane_tier[l] = (uint8_t)(p->on_demand_first && mdl_dcc_services[s].klass != MDL_DCC_ON_DEMAND);
    }
}

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
    for (int r = 0; r < R_; r++)
        for (int k = 0; k < f->K; k++) {
            f->fail[r][k] = mdl_dcc_fail_p(p, r, k);
            f->fail_e20[r][k] = mdl_dcc_fail_e20_p(p, r, k);
        }
    for (int s = 0; s < S_; s++)
        f->route[s] = mdl_dcc_services[s].dsp_only ? ROUTE_DSP_ONLY
                      : mdl_dcc_services[s].device_originated ? ROUTE_CSP_ONLY : ROUTE_RETRY;
    f->cap_d = (double)p->dsp.servers * 60.0 / p->dsp.service_time_s;
    for (int r = 0; r < R_; r++)
        f->cap_c[r] = (double)p->csp[r].servers * 60.0 / p->csp[r].service_time_s;

    const size_t nl = f->nl;
    f->bd = calloc(nl, sizeof *f->bd);
    f->bc = calloc(nl, sizeof *f->bc);
    f->xd = calloc(nl, sizeof *f->xd);
    f->sd = calloc(nl, sizeof *f->sd);
    f->xc = calloc(nl, sizeof *f->xc);
    f->sc = calloc(nl, sizeof *f->sc);
    f->ring = calloc((size_t)f->D * nl, sizeof *f->ring);
    f->lane_work = calloc(nl, sizeof *f->lane_work);
    f->lane_tier = calloc(nl, 1);
    f->lane_s = calloc(nl, 1);
    f->lane_k = calloc(nl, 1);
    const size_t nload = (size_t)MDL_DCC_N_STAGES * H_;
    double **la[] = {&f->load.work, &f->load.count, &f->load.work0, &f->load.back0, &f->load.back1};
    for (size_t i = 0; i < sizeof la / sizeof la[0]; i++)
        *la[i] = calloc(nload, sizeof(double));
    /* Closed form: the chain of K-1 retry delays and the notice delay
     * (whole minutes + 1 for the split) must end inside the horizon. */
    double chain = 0;
    for (int k = 0; k < f->K - 1; k++) {
        f->fl_r[k] = (int)floor(f->delay_retry[k]);
        f->fr_r[k] = f->delay_retry[k] - floor(f->delay_retry[k]);
        chain += floor(f->delay_retry[k]) + 1;
    }
    f->fl_n = (int)floor(f->delay_notice);
    f->fr_n = f->delay_notice - floor(f->delay_notice);
    chain += floor(f->delay_notice) + 1;
    f->closed_ok = MDL_DCC_MINUTES + chain + 1 < MDL_DCC_HORIZON;
    f->L = f->closed_ok ? MDL_DCC_MINUTES + (int)chain + 1 : 0;
    int bad = !f->bd || !f->bc || !f->xd || !f->sd || !f->xc || !f->sc || !f->ring || !f->lane_work ||
              !f->lane_tier || !f->lane_s || !f->lane_k || !f->load.work || !f->load.count || !f->load.work0 ||
              !f->load.back0 || !f->load.back1;
    if (!bad && f->closed_ok) {
        bad = build_tails(f) != 0;
        /* per region: 2 (count, work) x (K attempts + fresh CSP-only + fresh DSP-only + notices + totals) */
        if (!bad)
            bad = !(f->ser = malloc((size_t)R_ * 2 * ((size_t)f->K + 4) * (size_t)f->L * sizeof *f->ser));
    }
    if (bad) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC fluid model ring of %d minutes)", f->D);
        mdl_dcc_fluid_free(f);
        return NULL;
    }
    init_lanes(f, p);
    return f;
}

void mdl_dcc_fluid_free(mdl_dcc_fluid *f)
{
    if (!f)
        return;
    free(f->bd);
    free(f->bc);
    free(f->xd);
    free(f->sd);
    free(f->xc);
    free(f->sc);
    free(f->ring);
    free(f->lane_work);
    free(f->lane_tier);
    free(f->lane_s);
    free(f->lane_k);
    for (int k = 0; k <= MAX_K; k++)
        free(f->tail[k]);
    free(f->ser);
    free(f->load.work);
    free(f->load.count);
    free(f->load.work0);
    free(f->load.back0);
    free(f->load.back1);
    free(f);
}

static void res_clear(mdl_dcc_dayres *res)
{
    memset(res, 0, sizeof *res);
    for (int s = 0; s < S_; s++)
        for (int r = 0; r < R_; r++)
            res->sla_breaches[s][r] = NAN;
    for (int s = 0; s < S_; s++) {
        for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++)
            res->latency_q[s][i] = NAN;
        res->worst_minute[s] = res->worst_minute_s[s] = NAN;
    }
}

/* ---- closed form ----------------------------------------------------------------------- */
/* Mass of a's delay chain (tail vector t) that arrives before minute c:
 * sum_{m<c} a[m] - sum_j t[j] a[c-1-j];  pre = sum_{m<c} a[m]. */
static double before_cut(const double *a, double pre, int c, const double *t, int W)
{
    double lost = 0;
    for (int j = 0; j < W && c - 1 - j >= 0; j++)
        if (c - 1 - j < MDL_DCC_MINUTES)
            lost += t[j] * a[c - 1 - j];
    return pre - lost;
}

/* y[m] = g * ((1 - fr) x[m - fl] + fr x[m - fl - 1]) for m in [0, L); x is
 * zero outside [0, L). */
static void shift(double *y, const double *x, int L, int fl, double fr, double g)
{
    const double w0 = g * (1.0 - fr), w1 = g * fr;
    int lo = fl < L ? fl : L;
    memset(y, 0, (size_t)lo * sizeof *y);
    if (lo < L)
        y[lo] = w0 * x[0];
    for (int m = lo + 1; m < L; m++)
        y[m] = w0 * x[m - fl] + w1 * x[m - fl - 1];
}

/* Returns 1 and fills res if no stage ever falls behind; 0 otherwise (res
 * then holds garbage and the caller steps the day).  A numerical kernel,
 * kept in one piece on purpose: its passes share the day's lane arrays and
 * running sums, and split into functions they would pass a dozen of them. */
static int closed_day(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res)
{
    const mdl_dcc_params *p = f->p;
    const int K = f->K, L = f->L, M = MDL_DCC_MINUTES;
    const size_t nser = 2 * ((size_t)K + 4);
    /* Per region r, series of length L: [0..K) attempt counts, [K..2K) attempt
     * work, then CSP-only count, work, DSP-only count, work, notice count,
     * stage counts (all arrivals), CSP work, spare. */
#define SER(r_, i_) (f->ser + ((size_t)(r_) * nser + (size_t)(i_)) * (size_t)L)
    const int I_AC = 2 * K, I_AW = 2 * K + 1, I_NC = 2 * K + 2, I_NW = 2 * K + 3, I_NOT = 2 * K + 4,
              I_CNT = 2 * K + 5, I_CW = 2 * K + 6;
    for (int r = 0; r < R_; r++) {
        memset(SER(r, 0), 0, (size_t)L * sizeof(double));
        memset(SER(r, K), 0, (size_t)L * sizeof(double));
        for (int i = I_AC; i <= I_NW; i++)
            memset(SER(r, i), 0, (size_t)L * sizeof(double));
    }
    res_clear(res);
    /* One pass over the offer: fresh series per region and route, lane totals. */
    double notices[R_] = {0}, notices_in_day[R_] = {0};
    for (int s = 0; s < S_; s++) {
        const double w = p->svc[s].work;
        const int rt = f->route[s];
        for (int r = 0; r < R_; r++) {
            const double *a = offer->a + ((size_t)s * R_ + (size_t)r) * (size_t)M;
            double *c = SER(r, rt == ROUTE_RETRY ? 0 : rt == ROUTE_CSP_ONLY ? I_AC : I_NC);
            double *wk = SER(r, rt == ROUTE_RETRY ? K : rt == ROUTE_CSP_ONLY ? I_AW : I_NW);
            double T = 0;
            /* simd reduction: the sum is split over vector lanes (a serial
             * chain of 1440 dependent adds was most of the day's cost). */
#pragma omp simd reduction(+ : T)
            for (int m = 0; m < M; m++) {
                double x = a[m];
                T += x;
                c[m] += x;
                wk[m] += w * x;
            }
            if (T == 0.0)
                continue;
            res->requests[s][r] += T;
            res->requests_by_midnight[s][r] += T;
            if (rt != ROUTE_RETRY) {
                res->attempts[s][r] += T;
                res->completed[s][r] += T;
                res->resolved_by_midnight[s][r] += T;
                continue;
            }
            /* Retryable: attempt k carries P_k = prod_{i<k} fail_i of the lane. */
            const int cut_f = M - f->fl_n;   /* a final failure at minute m is known by 24:00 iff m < cut_f */
            double pre_f = T;
            for (int m = cut_f < 0 ? 0 : cut_f; m < M; m++)
                pre_f -= a[m];
            double P = 1.0, att = 0, ok = 0, rbm = 0;
            for (int k = 0; k < K; k++) {
                const double fk = f->fail[r][k];
                const double in_day = k == 0 ? T : before_cut(a, T, M, f->tail[k], f->W);
                att += P * T;
                ok += P * T * (1.0 - fk);
                rbm += P * in_day * (1.0 - fk);
                if (k == K - 1) {
                    res->failed[s][r][MDL_DCC_E20] += P * T * f->fail_e20[r][k];
                    int cls = mdl_dcc_services[s].klass == MDL_DCC_ON_DEMAND ? MDL_DCC_E21 : MDL_DCC_E30;
                    res->failed[s][r][cls] += P * T * (fk - f->fail_e20[r][k]);
                    rbm += P * fk * before_cut(a, pre_f, cut_f, f->tail[k], f->W);
                    notices[r] += P * fk * T;
                    notices_in_day[r] += P * fk * before_cut(a, T, M, f->tail[K], f->W);
                }
                P *= fk;
            }
            res->attempts[s][r] += att;
            res->completed[s][r] += ok;
            res->resolved_by_midnight[s][r] += rbm;
        }
    }
    /* Attempt chains per region, the notices they produce, and each stage's work. */
    const int N = MDL_DCC_SVC_FAILURE_NOTICE;
    const double wn = p->svc[N].work;
    double *dspw = SER(0, 2 * K + 7);   /* region 0's spare row: the DSP's work (all regions) */
    for (int r = 0; r < R_; r++) {
        for (int k = 1; k < K; k++) {
            shift(SER(r, k), SER(r, k - 1), L, f->fl_r[k - 1], f->fr_r[k - 1], f->fail[r][k - 1]);
            shift(SER(r, K + k), SER(r, K + k - 1), L, f->fl_r[k - 1], f->fr_r[k - 1], f->fail[r][k - 1]);
        }
        shift(SER(r, I_NOT), SER(r, K - 1), L, f->fl_n, f->fr_n, f->fail[r][K - 1]);
        double *cnt = SER(r, I_CNT), *cw = SER(r, I_CW);
        const double *ac = SER(r, I_AC), *aw = SER(r, I_AW), *nc = SER(r, I_NC), *nw = SER(r, I_NW);
        const double *nt = SER(r, I_NOT);
        for (int m = 0; m < L; m++) {
            cnt[m] = ac[m] + nc[m] + nt[m];
            cw[m] = aw[m];
        }
        for (int k = 0; k < K; k++) {
            const double *xc = SER(r, k), *xw = SER(r, K + k);
            for (int m = 0; m < L; m++) {
                cnt[m] += xc[m];
                cw[m] += xw[m];
            }
        }
        const double cap = f->cap_c[r];
        double busy = 0;
        for (int m = 0; m < L; m++) {
            if (cw[m] > cap)
                return 0;
            if (m < M)
                busy += cw[m];
        }
        res->busy_s[1 + r] = busy * p->csp[r].service_time_s;
        double *ldw = f->load.work + (size_t)(1 + r) * H_, *ldc = f->load.count + (size_t)(1 + r) * H_;
        double *dspc = f->load.count;   /* the DSP's attempts (all regions) */
        for (int m = 0; m < L; m++) {
            double x = cw[m] + nw[m] + wn * nt[m];
            dspw[m] = r == 0 ? x : dspw[m] + x;
            ldw[m] = cw[m];
            ldc[m] = cnt[m] - nc[m] - nt[m];
            dspc[m] = r == 0 ? cnt[m] : dspc[m] + cnt[m];
        }
    }
    double busy = 0;
    for (int m = 0; m < L; m++) {
        if (dspw[m] > f->cap_d)
            return 0;
        if (m < M)
            busy += dspw[m];
    }
    res->busy_s[0] = busy * p->dsp.service_time_s;
    memcpy(f->load.work, dspw, (size_t)L * sizeof *dspw);
    f->load.n = L;
    f->load.backlog = 0;
    f->load.tiers = 1;
    /* The DCC kept up all day: notices are served as they are created. */
    for (int r = 0; r < R_; r++) {
        res->requests[N][r] += notices[r];
        res->attempts[N][r] += notices[r];
        res->completed[N][r] += notices[r];
        res->requests_by_midnight[N][r] += notices_in_day[r];
        res->resolved_by_midnight[N][r] += notices_in_day[r];
    }
    for (int m = 0; m < M; m++) {
        double tot = 0;
        for (int r = 0; r < R_; r++) {
            double c = SER(r, I_CNT)[m];
            if (c > res->peak_minute[r])
                res->peak_minute[r] = c;
            tot += c;
        }
        if (tot > res->peak_minute_total)
            res->peak_minute_total = tot;
    }
#undef SER
    return 1;
}

/* ---- the minute stepper -------------------------------------------------------------- */
/* Add amount x to lane l at real minute position m + delay (split over the
 * two whole minutes it straddles).  Beyond the horizon it is dropped and
 * counted as unresolved (*lost). */
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

/* Serve one stage for a minute: demand x[l] over lanes [lo, hi), cap in
 * work units; returns the work served; writes served amounts to out[l]. */
static double serve(const mdl_dcc_fluid *f, double cap, size_t lo, size_t hi, const double *x, double *out)
{
    double W[2] = {0, 0}, Wall = 0;
    for (size_t l = lo; l < hi; l++)
        Wall += x[l] * f->lane_work[l];
    if (Wall <= cap) {   /* the stage keeps up */
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

/* The minute stepper: a numerical kernel, kept in one piece on purpose
 * (each minute's stages read and write the same queue and lane arrays;
 * the steps are marked by comments inside). */
void mdl_dcc_fluid_day_stepped(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res)
{
    const mdl_dcc_params *p = f->p;
    const int K = f->K, R = R_;
    const size_t nl = f->nl;
    res_clear(res);
    memset(f->bd, 0, nl * sizeof *f->bd);
    memset(f->bc, 0, nl * sizeof *f->bc);
    memset(f->ring, 0, (size_t)f->D * nl * sizeof *f->ring);
    const size_t per_r = (size_t)S_ * (size_t)K;
#define LANE(s_, r_, k_) (((size_t)(r_) * S_ + (size_t)(s_)) * (size_t)K + (size_t)(k_))
    double *xd = f->xd, *sd = f->sd, *xc = f->xc, *sc_ = f->sc;
    double lost[MDL_DCC_LANES] = {0};
    long last_injection = -1;
    double notices_lost = 0;   /* 1.75 notices due after the horizon: never created */
    mdl_dcc_fluid_load *ld = &f->load;
    ld->backlog = 0;
    ld->tiers = p->on_demand_first ? 2 : 1;
    ld->n = MDL_DCC_HORIZON;

    for (long m = 0; m < MDL_DCC_HORIZON; m++) {
        double *slot = f->ring + (size_t)(m % f->D) * nl;
        int in_day = m < MDL_DCC_MINUTES;
        double any = 0;
        double per_region[R_] = {0}, ld_w = 0, ld_w0 = 0;
        for (int s = 0; s < S_; s++)
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
                    ld_w += a * f->lane_work[base + (size_t)k];
                    ld_w0 += f->lane_tier[base + (size_t)k] ? 0.0 : a * f->lane_work[base + (size_t)k];
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
            ld->n = (int)m;
            break;   /* drained */
        }
        LOAD(ld->work, 0, m) = ld_w;
        LOAD(ld->work0, 0, m) = ld_w0;
        double ld_n = 0;
        for (int r = 0; r < R; r++)
            ld_n += per_region[r];
        LOAD(ld->count, 0, m) = ld_n;
        /* DSP. */
        double wd = serve(f, f->cap_d, 0, nl, xd, sd);
        if (in_day)
            res->busy_s[0] += wd * p->dsp.service_time_s;
        double qd = 0, bw[2] = {0, 0};
        for (size_t l = 0; l < nl; l++) {
            f->bd[l] = xd[l] - sd[l];
            qd += f->bd[l];
            bw[f->lane_tier[l]] += f->bd[l] * f->lane_work[l];
            xc[l] = f->bc[l] + sd[l];
        }
        LOAD(ld->back0, 0, m) = bw[0];
        LOAD(ld->back1, 0, m) = bw[1];
        ld->backlog |= bw[0] + bw[1] > 1e-9;
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
            double qc = 0, cw[2] = {0, 0}, cb[2] = {0, 0}, cn = 0;
            for (size_t l = (size_t)r * per_r; l < (size_t)(r + 1) * per_r; l++) {
                f->bc[l] = xc[l] - sc_[l];
                qc += f->bc[l];
                double arr = f->lane_s[l] == MDL_DCC_SVC_FAILURE_NOTICE ? 0.0 : sd[l];   /* from the DSP */
                cn += arr;
                cw[f->lane_tier[l]] += arr * f->lane_work[l];
                cb[f->lane_tier[l]] += f->bc[l] * f->lane_work[l];
                double z = sc_[l];
                if (z == 0.0)
                    continue;
                int s = f->lane_s[l], k = f->lane_k[l];
                if (f->route[s] != ROUTE_RETRY) {
                    res->completed[s][r] += z;
                    if (in_day)
                        res->resolved_by_midnight[s][r] += z;
                    continue;
                }
                double fk = f->fail[r][k];
                double ok = z * (1.0 - fk), bad = z * fk;
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
                    res->failed[s][r][MDL_DCC_E20] += z * f->fail_e20[r][k];
                    res->failed[s][r][cls] += z * (fk - f->fail_e20[r][k]);
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
            LOAD(ld->work, 1 + r, m) = cw[0] + cw[1];
            LOAD(ld->work0, 1 + r, m) = cw[0];
            LOAD(ld->count, 1 + r, m) = cn;
            LOAD(ld->back0, 1 + r, m) = cb[0];
            LOAD(ld->back1, 1 + r, m) = cb[1];
            ld->backlog |= cb[0] + cb[1] > 1e-9;
        }
    }
    /* What is still in the system at the horizon. */
    for (int s = 0; s < S_; s++)
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
    for (int t = 0; t < MDL_DCC_N_STAGES; t++) {
        double mq = 0;
        for (int m = 0; m < MDL_DCC_MINUTES; m++)
            if (res->queue[t][m] > mq)
                mq = res->queue[t][m];
        res->max_queue[t] = mq;
    }
#undef LANE
}

const mdl_dcc_fluid_load *mdl_dcc_fluid_last_load(const mdl_dcc_fluid *f)
{
    return &f->load;
}

int mdl_dcc_fluid_day(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res)
{
    if (f->closed_ok && closed_day(f, offer, res))
        return 1;
    mdl_dcc_fluid_day_stepped(f, offer, res);
    return 0;
}
