/*
 * mdl_dcc_detail.c — the DCC on a detail day: every request individually
 * through the DSP and its region's CSP, with WAN latency, device failures,
 * retries with back-off and 1.75 notices, and its latency recorded.
 *
 * No general event queue.  Time advances in one-minute windows:
 *  1. the window's arrivals (fresh requests with uniform offsets inside
 *     the minute, plus retries and notices falling due) are put in time
 *     order by a stable two-pass radix sort on the 26-bit offset;
 *  2. each stage is a multi-server queue run by the Kiefer-Wolfowitz
 *     recursion: a min-heap of the c servers' free times; a request starts
 *     at max(arrival, earliest free) and takes that server.  A request that
 *     must wait sits in a FIFO ring (two rings when on-demand goes first)
 *     and is started only once no earlier arrival can still come, so
 *     priority is exact too;
 *  3. departures from the DSP leave slightly out of order (c servers); the
 *     ones before the window's end are final (no later start can depart
 *     earlier), so they are released, radix-sorted again and handed to the
 *     CSPs in order; the rest wait one more window.  Nothing after the CSP
 *     queues, so a CSP start settles the attempt's outcome at once;
 *  4. retries and notices go to a small binary heap; the time-out (>= 60 s)
 *     guarantees they fall in a later window.
 * Random numbers come in blocks straight from the Philox function of
 * sim_rng.h (one buffered stream per purpose and day), so a request costs
 * a handful of 32-bit words and no call per word.
 * Each day starts with empty queues; work left at midnight is carried on
 * (up to MDL_DCC_DRAIN_DAYS) and reported as in flight at midnight.
 * Not for: ordinary days (mdl_dcc_fluid.c), output (mdl_dcc.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "mdl_dcc_internal.h"
#include "sim_rng.h"
#include "sim_time.h"

const char *const mdl_dcc_stage_names[MDL_DCC_N_STAGES] = {"DSP", "CSP north", "CSP central", "CSP south"};

/* ---- buffered random words ------------------------------------------------ */
#define RB_WORDS 256
typedef struct rbuf {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t pos;
    uint32_t buf[RB_WORDS];
} rbuf;

static void rb_init(rbuf *b, uint64_t seed, uint64_t entity, uint32_t purpose)
{
    sim_rng_stream s;
    sim_rng_stream_init(&s, seed, entity, purpose);
    memcpy(b->key, s.key, sizeof b->key);
    memcpy(b->ctr, s.ctr, sizeof b->ctr);
    b->pos = RB_WORDS;
}

static void rb_refill(rbuf *b)
{
    for (int i = 0; i < RB_WORDS; i += 4) {
        sim_philox4x32_10(b->ctr, b->key, b->buf + i);
        b->ctr[0]++;
    }
    b->pos = 0;
}

static inline uint32_t rb_u32(rbuf *b)
{
    if (b->pos == RB_WORDS)
        rb_refill(b);
    return b->buf[b->pos++];
}

/* Exp(1) from one 32-bit word: -log of a uniform on (0, 1). */
static inline double rb_exp(rbuf *b)
{
    /* libm's log (its FMA variant is chosen at run time) measured faster here
     * than a hand-written atanh series compiled for x86-64-v2. */
    return -log(((double)rb_u32(b) + 0.5) * 0x1.0p-32);
}

/* ---- requests ------------------------------------------------------------------ */
typedef struct dreq {
    int64_t t;          /* arrival at the current stage, or departure */
    int64_t t0;         /* creation (first attempt) */
    uint16_t lane;      /* service * regions + region */
    uint8_t attempt;
    uint8_t tier;       /* 0 served first when on_demand_first */
    uint32_t pad_;
} dreq;

typedef struct dvec {
    dreq *v;
    size_t n, cap;
} dvec;

static int dvec_reserve(dvec *d, size_t want)
{
    if (want <= d->cap)
        return 0;
    size_t cap = d->cap ? d->cap : 1024;
    while (cap < want)
        cap *= 2;
    dreq *v = realloc(d->v, cap * sizeof *v);
    if (!v)
        return -1;
    d->v = v;
    d->cap = cap;
    return 0;
}

/* Stable LSD radix sort on t - T0 in [0, 2^26): two passes of 13 bits. */
#define RADIX_BITS 13
#define RADIX (1u << RADIX_BITS)
static void sort_window(dreq *a, dreq *tmp, size_t n, int64_t T0, uint32_t *cnt)
{
    if (n < 48) {
        for (size_t i = 1; i < n; i++) {
            dreq x = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1].t > x.t) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    dreq *src = a, *dst = tmp;
    for (int pass = 0; pass < 2; pass++) {
        int shift = pass * RADIX_BITS;
        memset(cnt, 0, RADIX * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[((uint64_t)(src[i].t - T0) >> shift) & (RADIX - 1)]++;
        uint32_t sum = 0;
        for (uint32_t k = 0; k < RADIX; k++) {
            uint32_t c = cnt[k];
            cnt[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[((uint64_t)(src[i].t - T0) >> shift) & (RADIX - 1)]++] = src[i];
        dreq *sw = src;
        src = dst;
        dst = sw;
    }
    /* After two passes the result is back in a. */
}

/* ---- a multi-server stage ----------------------------------------------------- */
typedef struct ring {
    dreq *v;
    size_t head, n, cap;    /* cap a power of two */
} ring;

static int ring_push(ring *q, const dreq *x)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        dreq *v = malloc(cap * sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < q->n; i++)
            v[i] = q->v[(q->head + i) & (q->cap - 1)];
        free(q->v);
        q->v = v;
        q->head = 0;
        q->cap = cap;
    }
    q->v[(q->head + q->n) & (q->cap - 1)] = *x;
    q->n++;
    return 0;
}

static inline dreq *ring_front(ring *q)
{
    return &q->v[q->head];
}

static inline void ring_pop(ring *q)
{
    q->head = (q->head + 1) & (q->cap - 1);
    q->n--;
}

typedef struct stage {
    int index;                          /* 0 DSP, 1.. CSP of region index-1 */
    int c;
    int dist;
    double mean_us[MDL_DCC_N_SERVICES];
    int64_t *heap;                      /* servers' free times, min-heap */
    ring q[2];
    rbuf rng;
    mdl_dcc_stage_stats st;
} stage;

static inline void heap_replace_top(int64_t *h, int c, int64_t v)
{
    int i = 0;
    for (;;) {
        int l = 2 * i + 1;
        if (l >= c)
            break;
        int m = (l + 1 < c && h[l + 1] < h[l]) ? l + 1 : l;
        if (h[m] >= v)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = v;
}

/* ---- the simulator --------------------------------------------------------------- */
struct mdl_dcc_detail {
    const mdl_dcc_params *p;
    uint64_t seed;
    int K;
    stage stg[MDL_DCC_N_STAGES];
    dvec batch, tmp, pending, csp_in[MDL_N_REGIONS];
    dvec future;                        /* min-heap on t */
    uint32_t *cnt;
    rbuf out_rng[MDL_N_REGIONS];        /* outcome draws per region */
    int64_t timeout_us, backoff_us[8], device_us;
    int64_t wan_min_us[MDL_N_REGIONS];
    double wan_mean_us[MDL_N_REGIONS];
    uint32_t loss_u32[MDL_N_REGIONS], fail_u32[MDL_N_REGIONS];   /* thresholds on a 32-bit word */
    int64_t target_us[MDL_DCC_N_SERVICES];
    /* per day */
    mdl_dcc_dayres *res;
    mdl_dcc_detailres *dres;
    int64_t bin_us;
    double inv_bin_us;
    size_t win_bin;                     /* the current window's output bin, and its start */
    int64_t win_bin_start;
    int oom;
};

static void stage_destroy(stage *g)
{
    free(g->heap);
    free(g->q[0].v);
    free(g->q[1].v);
}

void mdl_dcc_detail_free(mdl_dcc_detail *x)
{
    if (!x)
        return;
    for (int i = 0; i < MDL_DCC_N_STAGES; i++)
        stage_destroy(&x->stg[i]);
    free(x->batch.v);
    free(x->tmp.v);
    free(x->pending.v);
    for (int r = 0; r < MDL_N_REGIONS; r++)
        free(x->csp_in[r].v);
    free(x->future.v);
    free(x->cnt);
    free(x);
}

static uint32_t prob_u32(double p)
{
    double v = p * 4294967296.0;
    return v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v;
}

mdl_dcc_detail *mdl_dcc_detail_alloc(const mdl_dcc_params *p, uint64_t seed, sim_err *err)
{
    mdl_dcc_detail *x = calloc(1, sizeof *x);
    if (!x) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC request-level model)");
        return NULL;
    }
    x->p = p;
    x->seed = seed;
    x->K = (int)p->retry.max_retries + 1;
    x->cnt = malloc(RADIX * sizeof *x->cnt);
    int bad = !x->cnt;
    for (int i = 0; i < MDL_DCC_N_STAGES && !bad; i++) {
        stage *g = &x->stg[i];
        g->index = i;
        g->c = (int)(i == 0 ? p->dsp.servers : p->csp[i - 1].servers);
        g->dist = i == 0 ? p->dsp.distribution : p->csp[i - 1].distribution;
        double st = i == 0 ? p->dsp.service_time_s : p->csp[i - 1].service_time_s;
        for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
            g->mean_us[s] = st * p->svc[s].work * 1e6;
        g->heap = calloc((size_t)g->c, sizeof *g->heap);
        bad = !g->heap;
    }
    if (bad) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC request-level model)");
        mdl_dcc_detail_free(x);
        return NULL;
    }
    x->timeout_us = (int64_t)(p->retry.response_timeout_s * 1e6);
    for (int k = 0; k < x->K - 1; k++)
        x->backoff_us[k] = (int64_t)(p->retry.backoff_s * pow(p->retry.backoff_factor, k) * 1e6);
    x->device_us = (int64_t)(p->retry.device_response_s * 1e6);
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        x->wan_min_us[r] = (int64_t)(p->csp[r].wan_latency_min_s * 1e6);
        x->wan_mean_us[r] = p->csp[r].wan_latency_mean_s * 1e6;
        x->loss_u32[r] = prob_u32(p->csp[r].wan_loss);
        x->fail_u32[r] = prob_u32(p->csp[r].wan_loss + p->retry.device_failure);
    }
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        x->target_us[s] = (int64_t)(p->svc[s].target_s * 1e6);
    return x;
}

void mdl_dcc_detail_stage_stats(const mdl_dcc_detail *x, int stage_i, mdl_dcc_stage_stats *out)
{
    *out = x->stg[stage_i].st;
}

/* ---- future heap (retries, notices) ---------------------------------------------- */
static void future_push(mdl_dcc_detail *x, const dreq *r)
{
    dvec *h = &x->future;
    if (dvec_reserve(h, h->n + 1)) {
        x->oom = 1;
        return;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (h->v[up].t <= r->t)
            break;
        h->v[i] = h->v[up];
        i = up;
    }
    h->v[i] = *r;
}

static void future_pop(mdl_dcc_detail *x, dreq *out)
{
    dvec *h = &x->future;
    *out = h->v[0];
    dreq last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t m = (l + 1 < n && h->v[l + 1].t < h->v[l].t) ? l + 1 : l;
        if (h->v[m].t >= last.t)
            break;
        h->v[i] = h->v[m];
        i = m;
    }
    if (n)
        h->v[i] = last;
}

/* ---- outcomes ------------------------------------------------------------------- */
#define DAY_US SIM_US_PER_DAY

static inline size_t bin_of(const mdl_dcc_detail *x, int64_t t)
{
    size_t b = (size_t)((double)t * x->inv_bin_us);
    return b < x->dres->n_bins ? b : x->dres->n_bins - 1;
}

static void complete(mdl_dcc_detail *x, const dreq *rq, int64_t done)
{
    int s = rq->lane / MDL_N_REGIONS, r = rq->lane % MDL_N_REGIONS;
    mdl_dcc_dayres *res = x->res;
    mdl_dcc_detailres *dr = x->dres;
    res->completed[s][r] += 1;
    int64_t lat = done - rq->t0;
    mdl_dcc_hist_add(&dr->hist[s], lat);
    int breach = lat > x->target_us[s];
    res->sla_breaches[s][r] += breach;
    if (done < DAY_US) {
        res->resolved_by_midnight[s][r] += 1;
        size_t b = bin_of(x, done);
        dr->completions[b * MDL_DCC_N_SERVICES + (size_t)s]++;
        dr->completions_r[b * MDL_N_REGIONS + (size_t)r]++;
    }
    if (rq->t0 < DAY_US) {
        size_t b = bin_of(x, rq->t0), bs = b * MDL_DCC_N_SERVICES + (size_t)s;
        dr->lat[bs * MDL_DCC_HIST_BINS + (size_t)mdl_dcc_hist_bin(lat)]++;
        float ls = (float)((double)lat * 1e-6);
        if (ls > dr->lat_max[bs])
            dr->lat_max[bs] = ls;
        dr->sla_breaches[bs] += breach;
    }
}

/* An attempt left CSP r at time d: settle it. */
static void outcome(mdl_dcc_detail *x, dreq *rq, int64_t d)
{
    int s = rq->lane / MDL_N_REGIONS, r = rq->lane % MDL_N_REGIONS;
    rbuf *g = &x->out_rng[r];
    if (!mdl_dcc_services[s].device_originated) {
        uint32_t u = rb_u32(g);
        if (u < x->fail_u32[r]) {
            int64_t detect = d + x->timeout_us;
            if (rq->attempt + 1 < x->K) {
                dreq n = *rq;
                n.t = detect + x->backoff_us[rq->attempt];
                n.attempt++;
                future_push(x, &n);
                return;
            }
            int cls = u < x->loss_u32[r] ? MDL_DCC_E20
                      : mdl_dcc_services[s].klass == MDL_DCC_ON_DEMAND ? MDL_DCC_E21 : MDL_DCC_E30;
            x->res->failed[s][r][cls] += 1;
            if (detect < DAY_US) {
                x->res->resolved_by_midnight[s][r] += 1;
                size_t b = bin_of(x, detect);
                x->dres->failures[b * MDL_DCC_N_SERVICES + (size_t)s]++;
                x->dres->failures_r[b * MDL_N_REGIONS + (size_t)r]++;
            }
            dreq n = {detect, detect, (uint16_t)(MDL_DCC_SVC_FAILURE_NOTICE * MDL_N_REGIONS + r), 0,
                      0, 0};   /* 1.75 is on-demand class: tier 0 */
            future_push(x, &n);
            return;
        }
    }
    int64_t done = d + x->wan_min_us[r] + (int64_t)(x->wan_mean_us[r] * rb_exp(g)) + x->device_us;
    complete(x, rq, done);
}

/* Busy time of one service interval, within the day, by bin. */
static void add_busy(mdl_dcc_detail *x, int stage_i, int64_t s, int64_t d)
{
    if (s >= DAY_US)
        return;
    if (d > DAY_US)
        d = DAY_US;
    x->res->busy_s[stage_i] += (double)(d - s) * 1e-6;
    /* Starts happen inside the current window, so its bin is known; the
     * division is only a fallback (it cost ~5 % of the run). */
    size_t b = (s >= x->win_bin_start && s < x->win_bin_start + x->bin_us) ? x->win_bin : (size_t)(s / x->bin_us);
    for (;;) {
        int64_t end = (int64_t)(b + 1) * x->bin_us;
        float *u = &x->dres->utilisation[b * MDL_DCC_N_STAGES + (size_t)stage_i];
        if (d <= end) {
            *u += (float)(d - s);
            return;
        }
        *u += (float)(end - s);
        s = end;
        b++;
    }
}

/* Start rq at time s on stage g's earliest free server. */
static inline void start(mdl_dcc_detail *x, stage *g, dreq *rq, int64_t s)
{
    int svc = rq->lane / MDL_N_REGIONS;
    double sv = g->mean_us[svc];
    if (g->dist == MDL_DCC_DIST_EXPONENTIAL)
        sv *= rb_exp(&g->rng);
    int64_t d = s + (int64_t)sv;
    heap_replace_top(g->heap, g->c, d);
    int64_t w = s - rq->t;
    g->st.started++;
    g->st.waited += w > 0;
    g->st.wait_sum_s += (double)w * 1e-6;
    add_busy(x, g->index, s, d);
    if (g->index == 0) {
        if (mdl_dcc_services[svc].dsp_only) {
            complete(x, rq, d);
        } else {
            dreq o = *rq;
            o.t = d;
            x->pending.v[x->pending.n++] = o;   /* reserved by the caller */
        }
    } else {
        outcome(x, rq, d);
    }
}

/* Start waiting requests whose server frees at or before T (strictly
 * before when strict): no arrival before T can still come. */
static inline void drain(mdl_dcc_detail *x, stage *g, int64_t T, int strict)
{
    while (g->q[0].n + g->q[1].n > 0) {
        int64_t f = g->heap[0];
        if (strict ? f >= T : f > T)
            return;
        ring *q = g->q[0].n ? &g->q[0] : &g->q[1];
        dreq rq = *ring_front(q);
        ring_pop(q);
        start(x, g, &rq, f);
    }
}

static inline void admit(mdl_dcc_detail *x, stage *g, dreq *rq)
{
    drain(x, g, rq->t, 0);
    if (g->q[0].n + g->q[1].n == 0 && g->heap[0] <= rq->t) {
        start(x, g, rq, rq->t);
    } else if (ring_push(&g->q[rq->tier], rq)) {
        x->oom = 1;
    }
}

static size_t stage_waiting(const stage *g)
{
    return g->q[0].n + g->q[1].n;
}

/* ---- the day ------------------------------------------------------------------------ */
int mdl_dcc_detail_day(mdl_dcc_detail *x, const mdl_dcc_offer *offer, uint64_t entity, mdl_dcc_dayres *res,
                       mdl_dcc_detailres *dres, sim_err *err)
{
    const mdl_dcc_params *p = x->p;
    const int R = MDL_N_REGIONS;
    memset(res, 0, sizeof *res);
    mdl_dcc_detailres_clear(dres);
    x->res = res;
    x->dres = dres;
    x->bin_us = dres->bin_minutes * SIM_US_PER_MIN;
    x->inv_bin_us = 1.0 / (double)x->bin_us;
    x->oom = 0;
    x->pending.n = x->future.n = 0;
    const uint32_t base = MDL_RNG_DCC_DETAIL;
    for (int i = 0; i < MDL_DCC_N_STAGES; i++) {
        stage *g = &x->stg[i];
        memset(g->heap, 0, (size_t)g->c * sizeof *g->heap);
        g->q[0].n = g->q[1].n = g->q[0].head = g->q[1].head = 0;
        memset(&g->st, 0, sizeof g->st);
        rb_init(&g->rng, x->seed, entity, base | (uint32_t)(2 + i) << 8);
    }
    for (int r = 0; r < R; r++)
        rb_init(&x->out_rng[r], x->seed, entity, base | (uint32_t)(6 + r) << 8);
    rbuf arr_rng;
    rb_init(&arr_rng, x->seed, entity, base | 1u << 8);
    sim_rng_stream cs;
    sim_rng_stream_init(&cs, x->seed, entity, base);
    gsl_rng counts_rng;
    sim_rng_gsl_wrap(&counts_rng, &cs);
    uint8_t tier[MDL_DCC_N_SERVICES];
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        tier[s] = (uint8_t)(p->on_demand_first && mdl_dcc_services[s].klass != MDL_DCC_ON_DEMAND);

    for (long w = 0; w < MDL_DCC_HORIZON; w++) {
        const int64_t T0 = (int64_t)w * SIM_US_PER_MIN, T1 = T0 + SIM_US_PER_MIN;
        const int in_day = w < MDL_DCC_MINUTES;
        x->win_bin = (size_t)(w / dres->bin_minutes);
        x->win_bin_start = (int64_t)x->win_bin * x->bin_us;
        dvec *B = &x->batch;
        B->n = 0;
        if (in_day) {
            size_t bin = (size_t)(w / dres->bin_minutes);
            for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
                for (int r = 0; r < R; r++) {
                    double a = offer->a[((size_t)s * R + (size_t)r) * MDL_DCC_MINUTES + (size_t)w];
                    if (a <= 0)
                        continue;
                    size_t n = offer->exact[s] ? (size_t)(a + 0.5) : (size_t)gsl_ran_poisson(&counts_rng, a);
                    if (!n)
                        continue;
                    if (dvec_reserve(B, B->n + n))
                        goto oom;
                    dreq proto = {0, 0, (uint16_t)(s * R + r), 0, tier[s], 0};
                    for (size_t i = 0; i < n; i++) {
                        proto.t = proto.t0 = T0 + (int64_t)(((uint64_t)rb_u32(&arr_rng) * 60000000u) >> 32);
                        B->v[B->n++] = proto;
                    }
                    res->requests[s][r] += (double)n;
                    res->requests_by_midnight[s][r] += (double)n;
                    dres->arrivals[bin * MDL_DCC_N_SERVICES + (size_t)s] += (int32_t)n;
                    dres->arrivals_r[bin * MDL_N_REGIONS + (size_t)r] += (int32_t)n;
                }
        }
        while (x->future.n && x->future.v[0].t < T1) {
            if (dvec_reserve(B, B->n + 1))
                goto oom;
            dreq f;
            future_pop(x, &f);
            if (f.t < T0)
                f.t = T0;   /* cannot happen with timeout >= 60 s; kept safe */
            if (f.attempt == 0) {   /* a 1.75 notice is created now */
                int s = f.lane / R, r = f.lane % R;
                res->requests[s][r] += 1;
                if (in_day) {
                    size_t bin = (size_t)(w / dres->bin_minutes);
                    res->requests_by_midnight[s][r] += 1;
                    dres->arrivals[bin * MDL_DCC_N_SERVICES + (size_t)s]++;
                    dres->arrivals_r[bin * MDL_N_REGIONS + (size_t)r]++;
                }
            }
            B->v[B->n++] = f;
        }
        if (!in_day && B->n == 0 && x->future.n == 0 && x->pending.n == 0) {
            int busy = 0;
            for (int i = 0; i < MDL_DCC_N_STAGES; i++)
                busy |= stage_waiting(&x->stg[i]) > 0;
            if (!busy)
                break;
        }
        if (dvec_reserve(&x->tmp, B->n) || dvec_reserve(&x->pending, x->pending.n + B->n + stage_waiting(&x->stg[0])))
            goto oom;
        sort_window(B->v, x->tmp.v, B->n, T0, x->cnt);
        if (in_day) {
            double per_r[MDL_N_REGIONS] = {0};
            for (size_t i = 0; i < B->n; i++)
                per_r[B->v[i].lane % R] += 1;
            double tot = 0;
            for (int r = 0; r < R; r++) {
                if (per_r[r] > res->peak_minute[r])
                    res->peak_minute[r] = per_r[r];
                tot += per_r[r];
            }
            if (tot > res->peak_minute_total)
                res->peak_minute_total = tot;
        }
        for (size_t i = 0; i < B->n; i++) {
            int s = B->v[i].lane / R, r = B->v[i].lane % R;
            res->attempts[s][r] += 1;
        }
        /* DSP */
        stage *dsp = &x->stg[0];
        for (size_t i = 0; i < B->n; i++)
            admit(x, dsp, &B->v[i]);
        drain(x, dsp, T1, 1);
        if (x->oom)
            goto oom;
        /* Release the DSP departures before T1, in order, to the CSPs. */
        dvec *P = &x->pending, *rel = &x->batch;
        rel->n = 0;
        if (dvec_reserve(rel, P->n))
            goto oom;
        size_t keep = 0;
        for (size_t i = 0; i < P->n; i++) {
            if (P->v[i].t < T1)
                rel->v[rel->n++] = P->v[i];
            else
                P->v[keep++] = P->v[i];
        }
        P->n = keep;
        if (dvec_reserve(&x->tmp, rel->n))
            goto oom;
        sort_window(rel->v, x->tmp.v, rel->n, T0, x->cnt);
        for (int r = 0; r < R; r++)
            x->csp_in[r].n = 0;
        for (size_t i = 0; i < rel->n; i++) {
            dvec *c = &x->csp_in[rel->v[i].lane % R];
            if (dvec_reserve(c, c->n + 1))
                goto oom;
            c->v[c->n++] = rel->v[i];
        }
        for (int r = 0; r < R; r++) {
            stage *g = &x->stg[1 + r];
            dvec *c = &x->csp_in[r];
            for (size_t i = 0; i < c->n; i++)
                admit(x, g, &c->v[i]);
            drain(x, g, T1, 1);
        }
        if (x->oom)
            goto oom;
        if (in_day) {
            for (int i = 0; i < MDL_DCC_N_STAGES; i++)
                res->queue[i][w] = (double)stage_waiting(&x->stg[i]);
            if ((w + 1) % dres->bin_minutes == 0) {
                size_t bin = (size_t)(w / dres->bin_minutes);
                for (int i = 0; i < MDL_DCC_N_STAGES; i++)
                    dres->queue[bin * MDL_DCC_N_STAGES + (size_t)i] = (float)stage_waiting(&x->stg[i]);
            }
        }
    }
    /* Still open at the horizon: waiting, between stages, or due to retry. */
    for (int i = 0; i < MDL_DCC_N_STAGES; i++)
        for (int t = 0; t < 2; t++) {
            ring *q = &x->stg[i].q[t];
            for (size_t k = 0; k < q->n; k++) {
                int l = q->v[(q->head + k) & (q->cap - 1)].lane;
                res->unresolved[l / R][l % R] += 1;
            }
        }
    for (size_t k = 0; k < x->pending.n; k++)
        res->unresolved[x->pending.v[k].lane / R][x->pending.v[k].lane % R] += 1;
    for (size_t k = 0; k < x->future.n; k++)
        if (x->future.v[k].attempt > 0)   /* a notice not yet created is not a request yet */
            res->unresolved[x->future.v[k].lane / R][x->future.v[k].lane % R] += 1;
    /* Utilisation: busy server-time over capacity in each bin. */
    for (size_t b = 0; b < dres->n_bins; b++)
        for (int i = 0; i < MDL_DCC_N_STAGES; i++)
            dres->utilisation[b * MDL_DCC_N_STAGES + (size_t)i] /= (float)((double)x->stg[i].c * (double)x->bin_us);
    return SIM_OK;
oom:
    return SIM_FAIL(err, SIM_ERUNTIME, "out of memory in the DCC request-level day");
}

/* ---- per-bin result arrays ------------------------------------------------------------ */
int mdl_dcc_detailres_init(mdl_dcc_detailres *x, int64_t bin_minutes, sim_err *err)
{
    memset(x, 0, sizeof *x);
    x->bin_minutes = bin_minutes;
    x->n_bins = (size_t)(MDL_DCC_MINUTES / bin_minutes);
    size_t nb = x->n_bins, S = MDL_DCC_N_SERVICES, R = MDL_N_REGIONS, G = MDL_DCC_N_STAGES;
    x->arrivals = calloc(nb * S, sizeof(int32_t));
    x->completions = calloc(nb * S, sizeof(int32_t));
    x->failures = calloc(nb * S, sizeof(int32_t));
    x->sla_breaches = calloc(nb * S, sizeof(int32_t));
    x->arrivals_r = calloc(nb * R, sizeof(int32_t));
    x->completions_r = calloc(nb * R, sizeof(int32_t));
    x->failures_r = calloc(nb * R, sizeof(int32_t));
    x->queue = calloc(nb * G, sizeof(float));
    x->utilisation = calloc(nb * G, sizeof(float));
    x->lat = calloc(nb * S * MDL_DCC_HIST_BINS, sizeof(uint32_t));
    x->lat_max = calloc(nb * S, sizeof(float));
    if (!x->arrivals || !x->completions || !x->failures || !x->sla_breaches || !x->arrivals_r ||
        !x->completions_r || !x->failures_r || !x->queue || !x->utilisation || !x->lat || !x->lat_max) {
        mdl_dcc_detailres_destroy(x);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC detail-day arrays, %zu bins)", nb);
    }
    return SIM_OK;
}

void mdl_dcc_detailres_clear(mdl_dcc_detailres *x)
{
    size_t nb = x->n_bins, S = MDL_DCC_N_SERVICES, R = MDL_N_REGIONS, G = MDL_DCC_N_STAGES;
    memset(x->arrivals, 0, nb * S * sizeof(int32_t));
    memset(x->completions, 0, nb * S * sizeof(int32_t));
    memset(x->failures, 0, nb * S * sizeof(int32_t));
    memset(x->sla_breaches, 0, nb * S * sizeof(int32_t));
    memset(x->arrivals_r, 0, nb * R * sizeof(int32_t));
    memset(x->completions_r, 0, nb * R * sizeof(int32_t));
    memset(x->failures_r, 0, nb * R * sizeof(int32_t));
    memset(x->queue, 0, nb * G * sizeof(float));
    memset(x->utilisation, 0, nb * G * sizeof(float));
    memset(x->lat, 0, nb * S * MDL_DCC_HIST_BINS * sizeof(uint32_t));
    memset(x->lat_max, 0, nb * S * sizeof(float));
    for (size_t s = 0; s < S; s++)
        mdl_dcc_hist_clear(&x->hist[s]);
}

void mdl_dcc_detailres_destroy(mdl_dcc_detailres *x)
{
    if (!x)
        return;
    free(x->arrivals);
    free(x->completions);
    free(x->failures);
    free(x->sla_breaches);
    free(x->arrivals_r);
    free(x->completions_r);
    free(x->failures_r);
    free(x->queue);
    free(x->utilisation);
    free(x->lat);
    free(x->lat_max);
    memset(x, 0, sizeof *x);
}
