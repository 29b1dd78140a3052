/*
 * mdl_dcc_fluidlat.c — response times on fluid (ordinary) days.
 *
 * The fluid day (mdl_dcc_fluid.c) knows, per stage and minute, the work
 * that arrived and the work left waiting (mdl_dcc_fluid_load), and the
 * network pass (mdl_dcc_network.c) each WAN link's bytes and backlog.  A
 * request's response time is measured as on a request-level day
 * (mdl_dcc_detail.c): from its creation to its response, a retried
 * request from its first attempt, failures after the last attempt not
 * counted (their 1.75 notice is a request of its own, created when the
 * failure is detected, done when the DSP has served it).  An attempt
 * arriving in minute m at a stage of capacity C (work a minute) waits
 *  - the fluid backlog ahead of it: the mean over the minute of its tier's
 *    waiting work (the backlog moves linearly between the minute's ends, or
 *    drains to 0 inside it) over C; a lower tier (on_demand_first) over
 *    C minus the higher tier's arrivals, which overtake it;
 *  - plus the random queueing wait a fluid model misses below capacity: the
 *    M/G/c mean wait at the minute's utilisation rho, Erlang C(c, rho) x
 *    (1 + cs^2) / 2 x E[S] / (c (1 - rho)) (Allen-Cunneen; cs^2 = 1
 *    exponential, 0 deterministic service; E[S] the minute's mean service
 *    time; the non-preemptive priority form, / (1 - sigma_0) and / ((1 -
 *    sigma_0)(1 - rho)), with on_demand_first on stepped days), reached at
 *    the queue's own pace (relax()); Erlang C comes from a table over rho
 *    made at alloc;
 * at the DSP, then at its region's CSP (looked up at the minute it gets
 * there), then at the WAN link: its mean backlog over the link's capacity
 * plus the M/G/1 (Pollaczek-Khinchine) mean wait from the minute's bytes
 * and bytes squared, relaxed the same way.  The fluid waits shift the
 * response time; the random waits, summed, enter as one exponential of
 * their mean (the M/M/c wait beyond the servers is exponential).  What
 * does not depend on load — service times, the attempt's own bytes over
 * the link, the WAN latency min + Exp(mean), the device's response, and
 * for a retried request each failed attempt's service, bytes, time-out and
 * back-off — is a fixed part plus one or two exponentials per (service,
 * region, attempt); with the random wait's, the CDF is hypoexponential, in
 * closed form.  The day's (fluid shift, random wait) pairs are gathered per
 * (service, region, attempt) on a grid (shift: linear 0.05 s below 1 s, 16
 * bins an octave above; random wait: one bin below 0.05 s, 4 an octave
 * above; a run of minutes in one bin at its mean waits), so a service's
 * response-time CDF is a mixture of a few closed-form CDFs.  Its p50 / p95 / p99 are
 * read on the latency histogram's bins (mdl_dcc_hist.h) as the
 * request-level day reads them: the bin by bisection on the mixture CDF at
 * the bins' edges, linear inside it.  The share within target_s per region
 * gives sla_breaches; the worst minute is the arrival minute with the
 * largest mean response (among minutes expecting at least half a
 * completion).
 * Retries: attempt k+1 arrives (its waits + service + time-out +
 * back-off_k) after attempt k; it succeeds with the fluid day's
 * probabilities.  Only means, no draws: the result is a function of the
 * offer and the load.  Agreement with request-level days, and where it
 * fails: models/README.md part 4 and tests/test_dcc_fluidlat.c.
 * Cost: lanes with traffic x minutes x attempts adds, plus ~40 mixture
 * evaluations per service with traffic; lanes without traffic, and links
 * that cannot make a millisecond's wait, are skipped; on days whose waits
 * stay under a second the chains are shifted vector adds (~0.2-0.7 ms a
 * day, a few times the fluid day itself).
 * Not for: the counts (mdl_dcc_fluid.c), request-level days.
 */
#include "mdl_dcc_fluidlat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_dcc_hist.h"

#define R_ MDL_N_REGIONS
#define S_ MDL_DCC_N_SERVICES
#define T_ MDL_DCC_N_STAGES
#define H_ MDL_DCC_HORIZON
#define M_ MDL_DCC_MINUTES
#define MAX_K 8
#define NRHO 512
#define RHO_MAX 0.999
/* The shift grid: SH_LIN bins of SH_LIN_W s below 1 s, then SH_SUB an octave up to 2^SH_OCT s. */
#define SH_LIN 20
#define SH_LIN_W 0.05
#define SH_SUB 16
#define SH_OCT 20
#define SH_BINS (SH_LIN + SH_SUB * SH_OCT + 1)
/* The random waits' grid: below QW_MIN s one bin, then QW_SUB an octave up
 * to QW_MIN 2^QW_OCT s, then one overflow bin. */
#define QW_MIN 0.05
#define QW_SUB 4
#define QW_OCT 12
#define QW_BINS (2 + QW_SUB * QW_OCT)
#define MIX_BINS (SH_BINS * QW_BINS)

/* fmax / fmin without their NaN rules (a libm call each in the minute loops). */
static inline double dmax(double a, double b) { return a > b ? a : b; }
static inline double dmin(double a, double b) { return a < b ? a : b; }

const double mdl_dcc_latency_q[MDL_DCC_N_LATENCY_Q] = {0.50, 0.95, 0.99};

/* One service's mixture: per (region, attempt) and (shift, random wait)
 * bin the weight and the weighted shift and random wait (a list of the
 * bins in use), the fixed part and the exponential means of its base
 * response time, and per arrival minute the weighted response times for
 * the worst minute.  Component (r, k) is at [r * K + k]. */
typedef struct mix {
    int K;
    double *w, *wd, *wq; /* [R * K][MIX_BINS] */
    uint32_t *used;      /* [R * K][MIX_BINS] */
    int n_used[R_ * MAX_K];
    double c[R_][MAX_K], e1[R_][MAX_K], e2[R_][MAX_K];
    double mnum[M_], mden[M_];
} mix;

struct mdl_dcc_fluidlat {
    const mdl_dcc_params *p;
    int K;
    double cap_min[T_]; /* work units a minute */
    double st[T_];      /* service time of work 1 (s) */
    double servers[T_];
    double burst[T_];         /* (1 + cs^2) / 2 */
    double erl[T_][NRHO + 1]; /* Erlang C at rho = RHO_MAX i / NRHO */
    double fail[R_][MAX_K];
    double after_fail[MAX_K];  /* s from a failed attempt's link to the next attempt (time-out + back-off) */
    double *wait;              /* [stage][tier][H] fluid wait (s) of an attempt arriving in the minute */
    double *rwait;             /* [stage][tier][H] mean random wait (s) on top */
    double *lwait, *lrwait;    /* [region][H] the same at the WAN link */
    double *lin, *lin2, *lcnt; /* [M] a link's bytes, bytes squared and transmissions arriving per minute */
    float *shift;              /* [region][tier][K][M] summed fluid wait (s) up to attempt k of a request of minute m */
    float *qsum;               /* ... and summed mean random wait (s) */
    uint32_t *sbin;            /* their mixture bin */
    float *nshift, *nq;        /* [region][tier][M] the 1.75 notice's DSP waits (fluid, random) */
    int16_t *nmin;             /* [region][tier][M] the notice's creation minute (-1: past the horizon) */
    /* Runs of minutes in one mixture bin: chain (r, tier, k) (and, at
     * k = MAX_K, its notices) ends run j at run_end[.. + j], bin run_bin. */
    uint16_t *run_end; /* [region][tier][MAX_K + 1][M] */
    uint32_t *run_bin;
    double *run_sh, *run_qs; /* the run's mean fluid and random waits over its minutes */
    int n_runs[R_][2][MAX_K + 1];
    double wsum[R_][2][2]; /* completions a request: [.][.][0] retried, [1] one attempt */
    double *tmp;           /* [2 H] scratch */
    int stage_n;           /* minutes of the stage waits the last day wrote (later ones are 0) */
    int link_dirty[R_];    /* a region's link waits may hold a day's values */
    double *wmean;         /* [region][tier][2][M] sum over attempts of completions x waits (worst minute) */
    double *nfresh;        /* [region][tier][M] requests whose failures make notices */
    mix *cur, *notices;
};

#define WAIT(L_, t_, tier_, m_) ((L_)->wait[((size_t)(t_)*2 + (size_t)(tier_)) * H_ + (size_t)(m_)])
#define RWAIT(L_, t_, tier_, m_) ((L_)->rwait[((size_t)(t_)*2 + (size_t)(tier_)) * H_ + (size_t)(m_)])
#define CH(r_, tier_, k_) ((((size_t)(r_)*2 + (size_t)(tier_)) * MAX_K + (size_t)(k_)) * M_)
#define NCH(r_, tier_) (((size_t)(r_)*2 + (size_t)(tier_)) * M_)
#define RUN(r_, tier_, k_) ((((size_t)(r_)*2 + (size_t)(tier_)) * (MAX_K + 1) + (size_t)(k_)) * M_)

/* ---- alloc / free ---------------------------------------------------------------------- */
/* Erlang C(c, a = c rho) by the Erlang B recursion (stable for any c). */
static double erlang_c(double c, double rho)
{
    double a = c * rho, B = 1.0;
    for (double k = 1; k <= c; k++)
        B = a * B / (k + a * B);
    double d = c - a * (1.0 - B);
    return d > 0 ? c * B / d : 1.0;
}

static void stage_params(mdl_dcc_fluidlat *L, const mdl_dcc_params *p)
{
    for (int t = 0; t < T_; t++) {
        double c = t ? (double)p->csp[t - 1].servers : (double)p->dsp.servers;
        double st = t ? p->csp[t - 1].service_time_s : p->dsp.service_time_s;
        int dist = t ? p->csp[t - 1].distribution : p->dsp.distribution;
        L->servers[t] = c;
        L->st[t] = st;
        L->cap_min[t] = c * 60.0 / st;
        L->burst[t] = dist == MDL_DCC_DIST_DETERMINISTIC ? 0.5 : 1.0;
        for (int i = 0; i <= NRHO; i++)
            L->erl[t][i] = erlang_c(c, RHO_MAX * i / NRHO);
    }
}

static void mix_free(mix *x)
{
    if (!x)
        return;
    free(x->w);
    free(x->wd);
    free(x->wq);
    free(x->used);
    free(x);
}

static mix *mix_alloc(int K)
{
    mix *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    size_t n = (size_t)R_ * (size_t)K * MIX_BINS;
    x->K = K;
    x->w = calloc(n, sizeof *x->w);
    x->wd = calloc(n, sizeof *x->wd);
    x->wq = calloc(n, sizeof *x->wq);
    x->used = calloc(n, sizeof *x->used);
    if (!x->w || !x->wd || !x->wq || !x->used) {
        mix_free(x);
        return NULL;
    }
    return x;
}

/* The model's arrays: where each pointer is, its length and element size
 * (one table for the allocation and the free). */
typedef struct arr {
    void **p;
    size_t n, size;
} arr;
#define ARR(field_, n_) {(void **)&L->field_, (n_), sizeof *L->field_}

#define N_ARRAYS 20
static size_t arrays(mdl_dcc_fluidlat *L, arr *out)
{
    const size_t ch = (size_t)R_ * 2 * MAX_K * M_, rn = (size_t)R_ * 2 * (MAX_K + 1) * M_, rt = (size_t)R_ * 2 * M_;
    const arr a[] = {ARR(wait, (size_t)T_ * 2 * H_), ARR(rwait, (size_t)T_ * 2 * H_), ARR(lwait, (size_t)R_ * H_),
                     ARR(lrwait, (size_t)R_ * H_), ARR(qsum, ch), ARR(nq, rt), ARR(lin, M_), ARR(lin2, M_),
                     ARR(lcnt, M_), ARR(shift, ch), ARR(sbin, ch), ARR(nshift, rt), ARR(nmin, rt),
                     ARR(run_end, rn), ARR(run_bin, rn), ARR(run_sh, rn), ARR(run_qs, rn), ARR(tmp, 2 * (size_t)H_),
                     ARR(wmean, (size_t)R_ * 2 * 2 * M_), ARR(nfresh, rt)};
    _Static_assert(sizeof a / sizeof a[0] == N_ARRAYS, "N_ARRAYS counts the table");
    memcpy(out, a, sizeof a);
    return N_ARRAYS;
}
mdl_dcc_fluidlat *mdl_dcc_fluidlat_alloc(const mdl_dcc_params *p, sim_err *err)
{
    mdl_dcc_fluidlat *L = calloc(1, sizeof *L);
    if (!L) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC fluid latency model)");
        return NULL;
    }
    L->p = p;
    L->K = (int)p->retry.max_retries + 1;
    stage_params(L, p);
    for (int r = 0; r < R_; r++)
        for (int k = 0; k < L->K; k++)
            L->fail[r][k] = mdl_dcc_fail_p(p, r, k);
    for (int k = 0; k < L->K; k++)
        L->after_fail[k] =
            p->retry.response_timeout_s + (k < L->K - 1 ? p->retry.backoff_s * pow(p->retry.backoff_factor, k) : 0.0);
    arr a[N_ARRAYS];
    size_t n = arrays(L, a);
    int oom = 0;
    for (size_t i = 0; i < n; i++)
        oom |= !(*a[i].p = calloc(a[i].n, a[i].size));
    L->cur = mix_alloc(L->K);
    L->notices = mix_alloc(L->K);
    if (oom || !L->cur || !L->notices) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC fluid latency model)");
        mdl_dcc_fluidlat_free(L);
        return NULL;
    }
    return L;
}

void mdl_dcc_fluidlat_free(mdl_dcc_fluidlat *L)
{
    if (!L)
        return;
    arr a[N_ARRAYS];
    size_t n = arrays(L, a);
    for (size_t i = 0; i < n; i++)
        free(*a[i].p);
    mix_free(L->cur);
    mix_free(L->notices);
    free(L);
}

/* ---- waits per stage and minute ------------------------------------------------------------ */
/* Mean over a minute of a backlog going from bs to be with net inflow
 * `net` (work a minute): linear, or draining to 0 inside the minute. */
static double mean_backlog(double bs, double be, double net)
{
    if (be > 0 || bs <= 0)
        return 0.5 * (bs + be);
    return net < -bs ? bs * bs / (2.0 * -net) : 0.5 * bs;
}

static double erlang_at(const mdl_dcc_fluidlat *L, int t, double rho)
{
    double x = rho / RHO_MAX * NRHO;
    if (x >= NRHO)
        return L->erl[t][NRHO];
    int i = (int)x;
    return L->erl[t][i] + (x - i) * (L->erl[t][i + 1] - L->erl[t][i]);
}

/* How far a minute moves the random wait towards its stationary value q:
 * the queue needs time to get there, near rho = 1 far longer than a
 * minute (the stationary wait would overstate it).  A queue of stationary
 * mean Lq = lambda q is reached by a random walk of variance (1 + cs^2)
 * lambda a second in ~ Lq^2 / ((1 + cs^2) lambda) s, and no later than the
 * relaxation time es / (c (1 - sqrt(rho))^2). */
static double relax(double rho, double es, double c, double lam, double q, double burst)
{
    double g = 1.0 - sqrt(rho);
    double tau = dmin(es / (c * g * g), lam * q * q / (2.0 * burst));
    return tau > 0 ? -expm1(-60.0 / tau) : 1.0;
}

/* For every stage, WAIT(t, tier, m) the fluid backlog ahead, RWAIT the M/G/c mean wait. */
static void stage_waits(mdl_dcc_fluidlat *L, const mdl_dcc_fluid_load *ld)
{
    const int n = ld->n < H_ ? ld->n : H_, two = ld->tiers == 2;
    for (int t = 0; t < T_; t++) {
        const double C = L->cap_min[t], c = L->servers[t];
        const double *W = ld->work + (size_t)t * H_, *N = ld->count + (size_t)t * H_;
        const double *W0 = ld->work0 + (size_t)t * H_;
        const double *B0 = ld->back0 + (size_t)t * H_, *B1 = ld->back1 + (size_t)t * H_;
        double *w0 = &WAIT(L, t, 0, 0), *w1 = &WAIT(L, t, 1, 0);
        double *r0 = &RWAIT(L, t, 0, 0), *r1 = &RWAIT(L, t, 1, 0);
        double lag0 = 0, lag1 = 0; /* the random wait, relaxing towards its stationary value */
        for (int m = 0; m < n; m++) {
            double rho = dmin(W[m] / C, RHO_MAX), q0 = 0, q1 = 0;
            if (N[m] > 0 && W[m] > 0) {
                double es = W[m] / N[m] * L->st[t], base = erlang_at(L, t, rho) * L->burst[t] * es / c;
                double s0 = two ? dmin(W0[m] / C, RHO_MAX) : rho;
                q0 = base / (1.0 - s0);
                q1 = two ? q0 / (1.0 - rho) : q0;
                double alpha = q1 < 1e-3 ? 1.0 : relax(rho, es, c, N[m] / 60.0, q1, L->burst[t]);
                q0 = lag0 += alpha * (q0 - lag0);
                q1 = lag1 += alpha * (q1 - lag1);
            } else {
                lag0 = lag1 = 0;
            }
            r0[m] = q0;
            r1[m] = q1;
            q0 = q1 = 0;
            if (ld->backlog) {
                double net = W[m] - C;
                double b0 = mean_backlog(m ? B0[m - 1] : 0.0, B0[m], net);
                q0 += b0 / C * 60.0;
                if (two) {
                    double b1 = mean_backlog(m ? B1[m - 1] : 0.0, B1[m], net);
                    double left = dmax(C - W0[m], 1e-3 * C); /* the higher tier's arrivals overtake */
                    q1 += (b0 + b1) / left * 60.0;
                } else {
                    q1 = q0;
                }
            }
            w0[m] = q0;
            w1[m] = q1;
        }
        if (L->stage_n > n) { /* what the last day wrote past this day's end */
            size_t z = (size_t)(L->stage_n - n) * sizeof *w0;
            memset(w0 + n, 0, z);
            memset(w1 + n, 0, z);
            memset(r0 + n, 0, z);
            memset(r1 + n, 0, z);
        }
    }
    L->stage_n = n;
}

/* Bytes (and their squares) per request of lane (s, r): each attempt's
 * transmission is its request, and on success its request and response
 * together (one transmission, as on request-level days). */
static void lane_bytes(const mdl_dcc_offer *o, const mdl_dcc_dayres *res, int s, int r, double req, double *b1,
                       double *b2)
{
    double n = res->requests[s][r], att = res->attempts[s][r], ok = res->completed[s][r];
    double resp = o->resp_bytes[s], fails = att - ok > 0 ? att - ok : 0;
    *b1 = (att * req + ok * resp) / n;
    *b2 = (fails * req * req + ok * (req + resp) * (req + resp)) / n;
}

/* Region r's link: bytes and bytes squared arriving per minute into L->lin, L->lin2. */
static void link_inflow(mdl_dcc_fluidlat *L, const mdl_dcc_offer *o, const mdl_dcc_dayres *res, int r)
{
    memset(L->lin, 0, M_ * sizeof *L->lin);
    memset(L->lin2, 0, M_ * sizeof *L->lin2);
    memset(L->lcnt, 0, M_ * sizeof *L->lcnt);
    for (int s = 0; s < S_; s++) {
        if (mdl_dcc_services[s].dsp_only || res->requests[s][r] <= 0)
            continue;
        const double *a = o->a + ((size_t)s * R_ + (size_t)r) * M_;
        double b1, b2, tr = res->attempts[s][r] / res->requests[s][r]; /* transmissions a request */
        lane_bytes(o, res, s, r, o->req_bytes[s], &b1, &b2);
        int camp = s == MDL_DCC_SVC_FIRMWARE && o->fw_any;
        for (int m = 0; m < M_; m++) {
            double rest = a[m];
            if (rest <= 0)
                continue;
            L->lcnt[m] += rest * tr;
            for (int k = 0; camp && k < MDL_DCC_FW_CLASSES; k++) {
                double c = o->fw_n[k][r][m], c1, c2;
                if (c <= 0)
                    continue;
                lane_bytes(o, res, s, r, o->fw_bytes[1 + k], &c1, &c2);
                L->lin[m] += c * c1;
                L->lin2[m] += c * c2;
                rest -= c;
            }
            if (rest > 0) {
                L->lin[m] += rest * b1;
                L->lin2[m] += rest * b2;
            }
        }
    }
}

/* Region r's link waits all 0 (cleared only if a day wrote them). */
static void link_clear(mdl_dcc_fluidlat *L, int r)
{
    if (!L->link_dirty[r])
        return;
    memset(L->lwait + (size_t)r * H_, 0, H_ * sizeof *L->lwait);
    memset(L->lrwait + (size_t)r * H_, 0, H_ * sizeof *L->lrwait);
    L->link_dirty[r] = 0;
}

/* Whether region r's link neither queues nor waits a millisecond all day
 * (most days): no backlog, and the M/G/1 wait bounded by rho / (1 - rho)
 * x m2 Bmax / (2 capacity) (E[S^2] / E[S] is at most the largest
 * transmission's time, Bmax / capacity) under 1 ms in every minute. */
static int link_idle(const mdl_dcc_fluidlat *L, const mdl_dcc_offer *o, const mdl_dcc_dayres *res, int r, double m2)
{
    const double cap = L->p->csp[r].wan_bytes_per_s, cap60 = cap * 60.0;
    double bmax = 0, rho_max = 0;
    for (int s = 0; s < S_; s++)
        if (!mdl_dcc_services[s].dsp_only && res->requests[s][r] > 0)
            bmax = dmax(bmax, o->req_bytes[s] + o->resp_bytes[s]);
    for (int k = 0; o->fw_any && k < MDL_DCC_FW_CLASSES; k++)
        bmax = dmax(bmax, o->fw_bytes[1 + k] + o->resp_bytes[MDL_DCC_SVC_FIRMWARE]);
    for (int m = 0; m < M_; m++) {
        if (res->wan_backlog[r][m] > 0)
            return 0;
        rho_max = dmax(rho_max, res->wan_minute_bytes[r][m] / cap60); /* sent = arrived without a backlog */
    }
    if (rho_max >= RHO_MAX)
        return 0;
    return rho_max / (1.0 - rho_max) * m2 * bmax / (2.0 * cap) < 1e-3;
}

/* The WAN links' waits: the fluid backlog (res->wan_backlog, drained at
 * capacity after midnight) over the capacity, plus the M/G/1 mean wait. */
static void link_waits(mdl_dcc_fluidlat *L, const mdl_dcc_offer *o, const mdl_dcc_dayres *res)
{
    for (int r = 0; r < R_; r++) {
        double *lw = L->lwait + (size_t)r * H_, *lr = L->lrwait + (size_t)r * H_;
        double cap = L->p->csp[r].wan_bytes_per_s;
        if (cap <= 0) {
            link_clear(L, r);
            continue;
        }
        const double cap60 = cap * 60.0;
        const double m2 = L->p->csp[r].wan_size_distribution == MDL_DCC_DIST_EXPONENTIAL ? 2.0 : 1.0;
        if (link_idle(L, o, res, r, m2)) {
            link_clear(L, r);
            continue;
        }
        L->link_dirty[r] = 1;
        link_inflow(L, o, res, r);
        double prev = 0, lag = 0;
        for (int m = 0; m < H_; m++) {
            double in = m < M_ ? L->lin[m] : 0.0;
            double be = m < M_ ? res->wan_backlog[r][m] : dmax(0.0, prev - cap60);
            lw[m] = mean_backlog(prev, be, in - cap60) / cap;
            if (in <= 0 || L->lcnt[m] <= 0) {
                lr[m] = lag = 0;
            } else { /* M/G/1: lambda E[S^2] / (2 (1 - rho)), relaxed as a stage's */
                double rho = dmin(in / cap60, RHO_MAX), es = in / L->lcnt[m] / cap;
                double es2 = m2 * L->lin2[m] / L->lcnt[m] / (cap * cap),
                       q = L->lcnt[m] / 60.0 * es2 / (2.0 * (1.0 - rho));
                lag += (q < 1e-3 ? 1.0 : relax(rho, es, 1.0, L->lcnt[m] / 60.0, q, es2 / (2.0 * es * es))) * (q - lag);
                lr[m] = lag;
            }
            prev = be;
        }
    }
}

/* ---- the attempt chains ------------------------------------------------------------------ */
static int shift_bin(double d)
{
    if (d < 1.0)
        return d <= 0 ? 0 : (int)(d / SH_LIN_W);
    int e;
    double f = frexp(d, &e); /* d = f 2^e, f in [0.5, 1): octave e - 1 from 1 s */
    if (e - 1 >= SH_OCT)
        return SH_BINS - 1;
    return SH_LIN + (e - 1) * SH_SUB + (int)((2.0 * f - 1.0) * SH_SUB);
}

static int qwait_bin(double q)
{
    if (q < QW_MIN)
        return 0;
    int e;
    double f = frexp(q / QW_MIN, &e);
    if (e - 1 >= QW_OCT)
        return QW_BINS - 1;
    return 1 + (e - 1) * QW_SUB + (int)((2.0 * f - 1.0) * QW_SUB);
}

static inline uint32_t mix_bin(double d, double q) { return (uint32_t)(shift_bin(d) * QW_BINS + qwait_bin(q)); }

static double wait_at(const double *w, double x)
{
    int m = (int)x;
    return m < H_ ? w[m] : 0.0;
}

/* Chain c's bins (per minute) as runs of equal bins. */
/* Chain c's bins (per minute) as runs of equal bins, with each run's mean
 * fluid and random waits (sh, qs; NULL: not kept). */
static void make_runs(mdl_dcc_fluidlat *L, int r, int tier, int c, const uint32_t *bin, const float *sh,
                      const float *qs)
{
    uint16_t *end = L->run_end + RUN(r, tier, c);
    uint32_t *b = L->run_bin + RUN(r, tier, c);
    double *rs = L->run_sh + RUN(r, tier, c), *rq = L->run_qs + RUN(r, tier, c), ss = 0, sq = 0;
    int n = 0, m0 = 0;
    for (int m = 1; m <= M_; m++) {
        if (sh) {
            ss += sh[m - 1];
            sq += qs[m - 1];
        }
        if (m == M_ || bin[m] != bin[m - 1]) {
            end[n] = (uint16_t)m;
            rs[n] = ss / (m - m0);
            rq[n] = sq / (m - m0);
            b[n++] = bin[m - 1];
            ss = sq = 0;
            m0 = m;
        }
    }
    L->n_runs[r][tier][c] = n;
}

/* Per region and tier: completions a request and, per arrival minute, the
 * completions x summed waits over its attempts (retried and one-attempt
 * services), for the worst minute. */
static void chain_means(mdl_dcc_fluidlat *L, int r, int tier)
{
    double *wr = L->wmean + (NCH(r, tier) * 2), *w1 = wr + M_;
    double P = 1.0, tot = 0;
    memset(wr, 0, M_ * sizeof *wr);
    for (int k = 0; k < L->K; k++) {
        const double wk = P * (1.0 - L->fail[r][k]);
        const float *sh = L->shift + CH(r, tier, k), *qs = L->qsum + CH(r, tier, k);
        for (int m = 0; m < M_; m++)
            wr[m] += wk * ((double)sh[m] + (double)qs[m]);
        tot += wk;
        P *= L->fail[r][k];
    }
    const float *sh = L->shift + CH(r, tier, 0), *qs = L->qsum + CH(r, tier, 0);
    for (int m = 0; m < M_; m++)
        w1[m] = (double)sh[m] + (double)qs[m];
    L->wsum[r][tier][0] = tot;
    L->wsum[r][tier][1] = 1.0;
}

/* The chains of region r and tier when every wait of the day is under a
 * second (most days): an attempt then reaches each stage in the minute it
 * arrived (to within that second), and attempt k arrives a fixed number of
 * minutes after the request's minute — so each chain is a few shifted
 * vector adds of the minute's total waits.  Returns 0 (nothing written)
 * when some wait is longer. */
static int chains_light(mdl_dcc_fluidlat *L, int r, int tier, uint32_t *nbin)
{
    const double *wd = &WAIT(L, 0, tier, 0), *wc = &WAIT(L, 1 + r, tier, 0);
    const double *qd = &RWAIT(L, 0, tier, 0), *qc = &RWAIT(L, 1 + r, tier, 0);
    const double *wl = L->lwait + (size_t)r * H_, *ql = L->lrwait + (size_t)r * H_;
    const double svc = L->st[0] + L->st[1 + r];
    double reach = 0.5; /* the notice's position from the request's minute */
    for (int k = 0; k < L->K; k++)
        reach += (svc + L->after_fail[k]) / 60.0;
    const int hz = M_ + (int)reach + 2 < H_ ? M_ + (int)reach + 2 : H_; /* minutes the chains reach */
    double *tw = L->tmp, *tq = L->tmp + H_, top = 0;
    for (int m = 0; m < hz; m++) {
        tw[m] = wd[m] + wc[m] + wl[m];
        tq[m] = qd[m] + qc[m] + ql[m];
        top = dmax(top, tw[m] + tq[m]);
    }
    if (top >= 1.0)
        return 0;
    double x = 0.5; /* the attempt's position in its minute, from the request's minute */
    for (int k = 0; k <= L->K; k++) {
        const int off = (int)x; /* whole minutes after the request's minute */
        if (k == L->K) {        /* the notices */
            for (int m = 0; m < M_; m++) {
                int nm = m + off < H_ ? m + off : -1;
                float ns = nm >= 0 ? (float)WAIT(L, 0, 0, nm) : 0.0f, nq = nm >= 0 ? (float)RWAIT(L, 0, 0, nm) : 0.0f;
                L->nmin[NCH(r, tier) + (size_t)m] = (int16_t)nm;
                L->nshift[NCH(r, tier) + (size_t)m] = ns;
                L->nq[NCH(r, tier) + (size_t)m] = nq;
                nbin[m] = mix_bin(ns, nq);
            }
            break;
        }
        float *sh = L->shift + CH(r, tier, k), *qs = L->qsum + CH(r, tier, k);
        const float *sh0 = k ? L->shift + CH(r, tier, k - 1) : NULL, *qs0 = k ? L->qsum + CH(r, tier, k - 1) : NULL;
        double big = 0;
        for (int m = 0; m < M_; m++) {
            double a = m + off < hz ? tw[m + off] : 0.0, b = m + off < hz ? tq[m + off] : 0.0;
            sh[m] = (float)((k ? sh0[m] : 0.0f) + a);
            qs[m] = (float)((k ? qs0[m] : 0.0f) + b);
            big = dmax(big, dmax(sh[m] / SH_LIN_W, qs[m] / QW_MIN));
        }
        uint32_t *sb = L->sbin + CH(r, tier, k);
        if (big < 1.0) /* all in the first bin */
            memset(sb, 0, M_ * sizeof *sb);
        else
            for (int m = 0; m < M_; m++)
                sb[m] = mix_bin(sh[m], qs[m]);
        x += (svc + L->after_fail[k]) / 60.0;
    }
    return 1;
}

/* For each region, tier and arrival minute: the fluid and the random waits
 * summed over attempts 0..k, and the 1.75 notice's minute and DSP waits.
 * Each stage is looked up at the minute the attempt gets there (its mean
 * waits before). */
static void chains(mdl_dcc_fluidlat *L, int tiers)
{
    const int K = L->K;
    uint32_t nbin[M_];
    for (int r = 0; r < R_; r++)
        for (int tier = 0; tier < tiers; tier++) {
            if (chains_light(L, r, tier, nbin))
                goto runs;
            const double *wd = &WAIT(L, 0, tier, 0), *wc = &WAIT(L, 1 + r, tier, 0);
            const double *qd = &RWAIT(L, 0, tier, 0), *qc = &RWAIT(L, 1 + r, tier, 0);
            const double *wl = L->lwait + (size_t)r * H_, *ql = L->lrwait + (size_t)r * H_;
            const double svc = L->st[0] + L->st[1 + r];
            for (int m = 0; m < M_; m++) {
                double x = m + 0.5, sum = 0, qsum = 0;
                for (int k = 0; k < K; k++) {
                    double a = wait_at(wd, x), b = wait_at(qd, x);
                    double y = x + (a + b) / 60.0;
                    double a2 = wait_at(wc, y), b2 = wait_at(qc, y);
                    y += (a2 + b2) / 60.0;
                    double a3 = wait_at(wl, y), b3 = wait_at(ql, y);
                    y += (a3 + b3) / 60.0;
                    sum += a + a2 + a3;
                    qsum += b + b2 + b3;
                    size_t i = CH(r, tier, k) + (size_t)m;
                    L->shift[i] = (float)sum;
                    L->qsum[i] = (float)qsum;
                    L->sbin[i] = mix_bin(sum, qsum);
                    x = y + (svc + L->after_fail[k]) / 60.0; /* the next attempt, or (k = K-1) the notice */
                }
                int nm = x < H_ ? (int)x : -1;
                float ns = nm >= 0 ? (float)WAIT(L, 0, 0, nm) : 0.0f, nq = nm >= 0 ? (float)RWAIT(L, 0, 0, nm) : 0.0f;
                L->nmin[NCH(r, tier) + (size_t)m] = (int16_t)nm;
                L->nshift[NCH(r, tier) + (size_t)m] = ns;
                L->nq[NCH(r, tier) + (size_t)m] = nq;
                nbin[m] = mix_bin(ns, nq);
            }
        runs:
            for (int k = 0; k < K; k++)
                make_runs(L, r, tier, k, L->sbin + CH(r, tier, k), L->shift + CH(r, tier, k), L->qsum + CH(r, tier, k));
            make_runs(L, r, tier, MAX_K, nbin, NULL, NULL);
            chain_means(L, r, tier);
        }
}

/* ---- one service's mixture ------------------------------------------------------------- */
#define MIXI(x_, r_, k_) ((size_t)((r_) * (x_)->K + (k_)))

static void mix_reset(mix *x)
{
    for (int j = 0; j < R_ * x->K; j++) {
        double *w = x->w + (size_t)j * MIX_BINS, *wd = x->wd + (size_t)j * MIX_BINS, *wq = x->wq + (size_t)j * MIX_BINS;
        const uint32_t *u = x->used + (size_t)j * MIX_BINS;
        for (int i = 0; i < x->n_used[j]; i++)
            w[u[i]] = wd[u[i]] = wq[u[i]] = 0;
        x->n_used[j] = 0;
    }
    memset(x->mnum, 0, sizeof x->mnum);
    memset(x->mden, 0, sizeof x->mden);
}

/* Weight w with weighted fluid shift wd and random wait wq into bin b of (r, k). */
static inline void mix_add(mix *x, int r, int k, uint32_t b, double w, double wd, double wq)
{
    size_t j = MIXI(x, r, k), o = j * MIX_BINS + b;
    if (x->w[o] == 0.0)
        x->used[j * MIX_BINS + (size_t)x->n_used[j]++] = b;
    x->w[o] += w;
    x->wd[o] += wd;
    x->wq[o] += wq;
}

/* P(c + the sum of independent exponentials of means e[0..n) <= y): the
 * hypoexponential CDF, 1 - sum_i prod_{j != i} e_i / (e_i - e_j) exp(-y / e_i).
 * Means closer than 0.1 % are pulled apart by that much (the sum changes
 * by less). */
static double base_cdf(double y, double c, const double *e_in, int n_in)
{
    y -= c;
    if (y < 0)
        return 0.0;
    double e[3];
    int n = 0;
    for (int i = 0; i < n_in; i++)
        if (e_in[i] > 1e-9) {
            double v = e_in[i];
            for (int j = 0; j < n; j++)
                if (fabs(v - e[j]) < 1e-3 * dmax(v, e[j]))
                    v = e[j] * (1.0 + 2e-3);
            e[n++] = v;
        }
    if (n == 0)
        return 1.0;
    if (n == 1)
        return -expm1(-y / e[0]);
    double surv = 0;
    for (int i = 0; i < n; i++) {
        double f = 1.0;
        for (int j = 0; j < n; j++)
            if (j != i)
                f *= e[i] / (e[i] - e[j]);
        surv += f * exp(-y / e[i]);
    }
    return dmin(1.0, dmax(0.0, 1.0 - surv));
}

/* The weight of x's requests of regions [r0, r1) done by y (not
 * normalised): each bin's base CDF shifted by its mean fluid wait, with its
 * mean random wait as one more exponential (the M/M/c wait beyond the
 * servers is exponential). */
static double mix_cdf(const mix *x, double y, int r0, int r1)
{
    double f = 0;
    for (int r = r0; r < r1; r++)
        for (int k = 0; k < x->K; k++) {
            size_t j = MIXI(x, r, k);
            const double *w = x->w + j * MIX_BINS, *wd = x->wd + j * MIX_BINS, *wq = x->wq + j * MIX_BINS;
            const uint32_t *u = x->used + j * MIX_BINS;
            double e[3] = {x->e1[r][k], x->e2[r][k], 0};
            for (int i = 0; i < x->n_used[j]; i++) {
                uint32_t b = u[i];
                e[2] = wq[b] / w[b];
                f += w[b] * base_cdf(y - wd[b] / w[b], x->c[r][k], e, 3);
            }
        }
    return f;
}

/* The q-quantile on the latency histogram's bins: the bin by bisection on
 * the mixture's CDF at the bins' upper edges, linear inside it (as
 * mdl_dcc_hist_quantile reads a request-level day). */
static double mix_quantile(const mix *x, double W, double q)
{
    const double want = q * W;
    int lo = 0, hi = MDL_DCC_HIST_BINS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (mix_cdf(x, mdl_dcc_hist_upper_s(mid), 0, R_) >= want)
            hi = mid;
        else
            lo = mid + 1;
    }
    double a = mdl_dcc_hist_lower_s(lo), b = mdl_dcc_hist_upper_s(lo);
    if (isinf(b))
        return a;
    double fa = lo ? mix_cdf(x, a, 0, R_) : 0.0, fb = mix_cdf(x, b, 0, R_);
    return fb > fa ? a + (b - a) * dmin(1.0, dmax(0.0, (want - fa) / (fb - fa))) : a;
}

/* Service s's outputs from its mixture. */
static void mix_eval(const mdl_dcc_fluidlat *L, const mix *x, int s, mdl_dcc_dayres *res)
{
    double Wr[R_] = {0}, W = 0;
    for (int r = 0; r < R_; r++) {
        for (int k = 0; k < x->K; k++) {
            size_t j = MIXI(x, r, k);
            for (int i = 0; i < x->n_used[j]; i++)
                Wr[r] += x->w[j * MIX_BINS + x->used[j * MIX_BINS + (size_t)i]];
        }
        W += Wr[r];
    }
    for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++)
        res->latency_q[s][i] = NAN;
    res->worst_minute[s] = res->worst_minute_s[s] = NAN;
    for (int r = 0; r < R_; r++) {
        double done = Wr[r] > 0 ? mix_cdf(x, L->p->svc[s].target_s, r, r + 1) / Wr[r] : 1.0;
        res->sla_breaches[s][r] = res->completed[s][r] * dmax(0.0, 1.0 - done);
    }
    if (W <= 0)
        return;
    for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++)
        res->latency_q[s][i] = mix_quantile(x, W, mdl_dcc_latency_q[i]);
    double top = 0, thr = 0.5;
    for (int m = 0; m < M_; m++)
        top = dmax(top, x->mden[m]);
    if (top < thr)
        thr = top;
    for (int m = 0; m < M_; m++)
        if (x->mden[m] >= thr && x->mden[m] > 0) {
            double v = x->mnum[m] / x->mden[m];
            if (isnan(res->worst_minute_s[s]) || v > res->worst_minute_s[s]) {
                res->worst_minute_s[s] = v;
                res->worst_minute[s] = m;
            }
        }
}

/* ---- the lanes ------------------------------------------------------------------------- */
/* The base response time of service s in region r succeeding at attempt
 * k: every attempt's mean service times, the failed attempts' bytes,
 * time-outs and back-offs, the last attempt's bytes (or their exponential
 * when sizes are exponential), the WAN latency and the device. */
static void lane_base(const mdl_dcc_fluidlat *L, const mdl_dcc_offer *o, int s, int r, mix *x)
{
    const mdl_dcc_params *p = L->p;
    const double w = p->svc[s].work, sd = w * L->st[0], sc = w * L->st[1 + r];
    if (mdl_dcc_services[s].dsp_only) {
        int ex = p->dsp.distribution == MDL_DCC_DIST_EXPONENTIAL;
        x->c[r][0] = ex ? 0.0 : sd;
        x->e1[r][0] = ex ? sd : 0.0;
        x->e2[r][0] = 0.0;
        return;
    }
    double req = o->req_bytes[s], resp = o->resp_bytes[s], cap = p->csp[r].wan_bytes_per_s;
    if (s == MDL_DCC_SVC_FIRMWARE && o->fw_any) { /* the day's mean image in the region */
        double n = 0, b = 0;
        for (int k = 0; k < MDL_DCC_FW_CLASSES; k++)
            for (int m = 0; m < M_; m++) {
                n += o->fw_n[k][r][m];
                b += o->fw_n[k][r][m] * o->fw_bytes[1 + k];
            }
        double all = 0;
        const double *a = o->a + ((size_t)s * R_ + (size_t)r) * M_;
        for (int m = 0; m < M_; m++)
            all += a[m];
        if (all > 0)
            req = (b + (all > n ? all - n : 0) * req) / all;
    }
    const int ex = cap > 0 && p->csp[r].wan_size_distribution == MDL_DCC_DIST_EXPONENTIAL;
    const double tx_fail = cap > 0 ? req / cap : 0.0, tx_ok = cap > 0 ? (req + resp) / cap : 0.0;
    double pre = 0;
    for (int k = 0; k < L->K; k++) {
        x->c[r][k] = pre + sd + sc + (ex ? 0.0 : tx_ok) + p->csp[r].wan_latency_min_s + p->retry.device_response_s;
        x->e1[r][k] = p->csp[r].wan_latency_mean_s;
        x->e2[r][k] = ex ? tx_ok : 0.0;
        pre += sd + sc + tx_fail + L->after_fail[k];
    }
}

/* Lane (s, r)'s requests into cur (completions by attempt) and their
 * final failures' 1.75 notices into ntc. */
static void lane_add(const mdl_dcc_fluidlat *L, const mdl_dcc_offer *o, int s, int r, mix *cur, mix *ntc)
{
    const double *a = o->a + ((size_t)s * R_ + (size_t)r) * M_;
    const int tier = L->p->on_demand_first && mdl_dcc_services[s].klass != MDL_DCC_ON_DEMAND;
    if (mdl_dcc_services[s].dsp_only) { /* fresh DSP-only requests: with the notices */
        const double *wd = &WAIT(L, 0, tier, 0), *qd = &RWAIT(L, 0, tier, 0);
        const double mean = ntc->c[r][0] + ntc->e1[r][0];
        for (int m = 0; m < M_; m++)
            if (a[m] > 0) {
                mix_add(ntc, r, 0, mix_bin(wd[m], qd[m]), a[m], a[m] * wd[m], a[m] * qd[m]);
                ntc->mnum[m] += a[m] * (wd[m] + qd[m] + mean);
                ntc->mden[m] += a[m];
            }
        return;
    }
    const int retry = !mdl_dcc_services[s].device_originated, K = retry ? L->K : 1;
    /* Per run of minutes in one bin (most days: one run), the lane's
     * requests at the run's mean waits (within the bin's width of the lane's
     * own weighting). */
    double P = 1.0, cmean = 0;
    for (int k = 0; k < K; k++) {
        const double fk = retry ? L->fail[r][k] : 0.0, wk = P * (1.0 - fk);
        const uint16_t *end = L->run_end + RUN(r, tier, k);
        const uint32_t *bin = L->run_bin + RUN(r, tier, k);
        const double *rs = L->run_sh + RUN(r, tier, k), *rq = L->run_qs + RUN(r, tier, k);
        cmean += wk * (cur->c[r][k] + cur->e1[r][k] + cur->e2[r][k]);
        if (wk > 0)
            for (int j = 0, m0 = 0; j < L->n_runs[r][tier][k]; m0 = end[j++]) {
                double sa = 0;
#pragma omp simd reduction(+ : sa)
                for (int m = m0; m < end[j]; m++)
                    sa += a[m];
                if (sa > 0)
                    mix_add(cur, r, k, bin[j], wk * sa, wk * sa * rs[j], wk * sa * rq[j]);
            }
        P *= fk;
    }
    /* The worst minute's sums; the notices' requests (their weight P, later). */
    const double *wm = L->wmean + NCH(r, tier) * 2 + (retry ? 0 : M_), wt = L->wsum[r][tier][!retry];
    double *nf = L->nfresh + NCH(r, tier);
#pragma omp simd
    for (int m = 0; m < M_; m++) {
        cur->mnum[m] += a[m] * (wm[m] + cmean);
        cur->mden[m] += a[m] * wt;
    }
    if (retry && P > 0)
        for (int m = 0; m < M_; m++)
            nf[m] += a[m];
}

/* The 1.75 notices of region r's and tier's failed requests (nfresh x
 * P(every attempt fails)) into ntc: created at the chain's notice minute,
 * each waits at the DSP. */
static void notices_add(const mdl_dcc_fluidlat *L, int r, int tier, mix *ntc)
{
    double P = 1.0;
    for (int k = 0; k < L->K; k++)
        P *= L->fail[r][k];
    const double *a = L->nfresh + NCH(r, tier);
    const int16_t *nm = L->nmin + NCH(r, tier);
    const float *ns = L->nshift + NCH(r, tier), *nq = L->nq + NCH(r, tier);
    const uint16_t *end = L->run_end + RUN(r, tier, MAX_K);
    const uint32_t *bin = L->run_bin + RUN(r, tier, MAX_K);
    const double mean = ntc->c[r][0] + ntc->e1[r][0];
    if (P <= 0)
        return;
    for (int j = 0, m0 = 0; j < L->n_runs[r][tier][MAX_K]; m0 = end[j++]) {
        double sa = 0, sd = 0, sq = 0;
        for (int m = m0; m < end[j]; m++)
            if (nm[m] >= 0) {
                sa += a[m];
                sd += a[m] * (double)ns[m];
                sq += a[m] * (double)nq[m];
            }
        if (sa > 0)
            mix_add(ntc, r, 0, bin[j], P * sa, P * sd, P * sq);
    }
    for (int m = 0; m < M_; m++)
        if (a[m] > 0 && nm[m] >= 0 && nm[m] < M_) {
            ntc->mnum[nm[m]] += P * a[m] * (ns[m] + nq[m] + mean);
            ntc->mden[nm[m]] += P * a[m];
        }
}

void mdl_dcc_fluidlat_day(mdl_dcc_fluidlat *L, const mdl_dcc_fluid_load *ld, const mdl_dcc_offer *o,
                          mdl_dcc_dayres *res)
{
    const int N = MDL_DCC_SVC_FAILURE_NOTICE;
    stage_waits(L, ld);
    link_waits(L, o, res);
    chains(L, L->p->on_demand_first ? 2 : 1);
    mix_reset(L->notices);
    memset(L->nfresh, 0, (size_t)R_ * 2 * M_ * sizeof *L->nfresh);
    for (int r = 0; r < R_; r++)
        lane_base(L, o, N, r, L->notices);
    for (int s = 0; s < S_; s++) {
        double any = 0;
        for (int r = 0; r < R_; r++)
            any += res->requests[s][r] > 0;
        if (s == N || any == 0) {
            for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++)
                res->latency_q[s][i] = NAN;
            res->worst_minute[s] = res->worst_minute_s[s] = NAN;
            for (int r = 0; r < R_; r++)
                res->sla_breaches[s][r] = 0.0;
            continue;
        }
        mix_reset(L->cur);
        for (int r = 0; r < R_; r++) {
            if (res->requests[s][r] <= 0)
                continue;
            lane_base(L, o, s, r, L->cur);
            lane_add(L, o, s, r, L->cur, L->notices);
        }
        mix_eval(L, L->cur, s, res);
    }
    for (int r = 0; r < R_; r++) {
        for (int tier = 0; tier < (L->p->on_demand_first ? 2 : 1); tier++)
            notices_add(L, r, tier, L->notices);
        lane_add(L, o, N, r, L->notices, L->notices); /* 1.75 requests offered as such (none from the fleet) */
    }
    mix_eval(L, L->notices, N, res);
}
