/*
 * mdl_dcc_detail.c — the DCC on a detail day: every request individually
 * through the DSP and its region's CSP, with WAN latency, device failures,
 * retries with back-off and 1.75 notices, and its latency recorded.
 *
 * No general event queue.  Time advances in slots of half a minute:
 *  1. each region's arrivals for a slot (fresh requests with uniform
 *     offsets — drawn a minute at a time and split by slot — plus its
 *     retries and notices falling due) are put in time order by a stable
 *     radix sort on the offset;
 *  2. the DSP takes the three regions' lists merged in time order (ties by
 *     region); each stage is a multi-server queue run by the Kiefer-
 *     Wolfowitz recursion: a min-heap of the c servers' free times; a
 *     request starts at max(arrival, earliest free) and takes that server.
 *     A request that must wait sits in a FIFO ring (two rings when on-demand
 *     goes first) and is started only once no earlier arrival can still
 *     come, so priority is exact too;
 *  3. departures from the DSP leave slightly out of order (c servers); the
 *     ones before the slot's end are final (no later start can depart
 *     earlier), so they are released to their region's CSP, radix-sorted
 *     there; the rest wait one more slot.  Nothing after the CSP queues,
 *     so a CSP start settles the attempt's outcome at once;
 *  4. retries and notices go to the region's small binary heap (ordered by
 *     time, then push order).
 * The slot length does not change the results: a stage's starts, and so
 * its draws, come in the same order whatever the window (drains at a
 * window's end start only what frees strictly before it).
 *
 * Threads: a software pipeline.  Step k runs, concurrently, the DSP for
 * slot k and, per region, its CSP for slot k-1 then its arrivals for slot
 * k+1.  These are independent: the DSP reads the lists the regions made in
 * step k-1 and writes departures the regions take in step k+1 (double
 * buffers by slot parity); a region's CSP work for slot k-1 can only make
 * retries and notices due response_timeout_s (>= 60 s, checked at alloc)
 * after that slot's start, i.e. in slot k+1 or later, so they are in the
 * heap before the slot k+1 list is made, and never land in a slot whose
 * DSP work has run or is running.  (With one-minute windows, the schema's
 * 60 s minimum left no slack, and each minute's DSP had to wait for the
 * regions: 1.28x at 2 threads.)  Four tasks per step (DSP ~1/3 of the
 * work, regions 30/33/37 % of the rest) balance over 2 threads.  Every
 * task draws from its own streams (keyed by day, purpose and region, never
 * by thread) and writes only its own state and its side of the buffers;
 * DSP-only requests (1.75 notices) completed at the DSP are counted by
 * their region's next task; the regions' partial results are added in
 * region order at the end of the day: the output is the same for any
 * thread count (tested with 1-4 threads and the shortest retry delay).
 *
 * Random numbers come from batched sim_rng buffers (sim_rng_buf: one per
 * purpose, region and day), so a request costs a handful of 32-bit words
 * and no call per word; exponentials come from sim_draw_exp's 256-layer
 * ziggurat (one word, no log, ~99 % of draws).
 * Each day starts with empty queues; work left at midnight is carried on
 * (up to MDL_DCC_DRAIN_DAYS) and reported as in flight at midnight.
 * Not for: ordinary days (mdl_dcc_fluid.c), output (mdl_dcc.c).
 */
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "mdl_dcc_detail.h"
#include "mdl_dcc_testing.h"
#include "sim_draw.h"
#include "sim_rng.h"
#include "sim_time.h"
#include "sim_vec.h"

const char *const mdl_dcc_stage_names[MDL_DCC_N_STAGES] = {"DSP", "CSP north", "CSP central", "CSP south"};

#define R_ MDL_N_REGIONS
#define S_ MDL_DCC_N_SERVICES
_Static_assert(MDL_N_REGIONS == 3, "the DSP's merge of the regions' lists is written for three regions");

typedef struct dreq {
    int64_t t;          /* arrival at the current stage, or departure */
    int64_t t0;         /* creation (first attempt) */
    uint16_t lane;      /* service * regions + region */
    uint8_t attempt;
    unsigned tier : 1;  /* 0 served first when on_demand_first */
    unsigned cls : 7;   /* firmware campaign class (mdl_dcc_offer.fw_n): its image size; 0 the service's */
    uint32_t seq;       /* push number in its region's future heap: equal times pop in push order */
} dreq;
_Static_assert(sizeof(dreq) == 24 && offsetof(dreq, lane) == 16, "a request is 24 bytes (the sorts move it whole); "
               "region_gen writes the 8 after the times as one word");
_Static_assert(MDL_DCC_FW_CLASSES < 128, "campaign classes fit in dreq.cls");

typedef struct dvec {
    dreq *v;
    size_t n, cap;
} dvec;

static int dvec_reserve(dvec *d, size_t want)
{
    if (want <= d->cap)
        return 0;
    dreq *v = sim_vec_grow(d->v, &d->cap, want, sizeof *v, 1024);
    if (!v)
        return -1;
    d->v = v;
    return 0;
}

/* Stable LSD radix sort on t - T0 in [0, 2^26).  The digit width follows
 * n: two passes of 13 bits for big lists, three of 9/9/8 below 4096 — a
 * pass costs n plus the bucket count twice (clear, prefix sum), and with
 * fixed 8192-bucket passes the buckets were most of the work of the
 * ~1,000-request region-minutes of a sub-GB day. */
#define RADIX_BITS 13
#define RADIX (1u << RADIX_BITS)
#define RADIX_CNT (2 * RADIX)   /* words of a region's radix counts */
static void radix_sort(dreq *a, dreq *tmp, size_t n, int64_t T0, uint32_t *cnt, int *in_tmp)
{
    *in_tmp = 0;
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
    static const int digits2[] = {13, 13}, digits3[] = {9, 9, 8};
    const int *dg = n < 4096 ? digits3 : digits2;
    const int passes = n < 4096 ? 3 : 2;
    /* Three passes (small lists): every digit's counts in one read of the
     * list (5 kB of counts side by side in cnt).  Two passes (big lists):
     * each pass counts its own digit just before it, so that its 32 kB of
     * counts have the first-level cache to themselves. */
    uint32_t *cp[3];
    size_t used = 0;
    for (int pass = 0; pass < passes; pass++) {
        cp[pass] = cnt + used;
        used += 1u << dg[pass];
    }
    if (passes == 3) {
        memset(cnt, 0, used * sizeof *cnt);
        for (size_t i = 0; i < n; i++) {
            uint64_t k = (uint64_t)(a[i].t - T0);
            cp[0][k & 511]++;
            cp[1][(k >> 9) & 511]++;
            cp[2][(k >> 18) & 255]++;
        }
    }
    dreq *src = a, *dst = tmp;
    int shift = 0;
    for (int pass = 0; pass < passes; pass++) {
        const uint32_t nb = 1u << dg[pass], mask = nb - 1;
        uint32_t *c0 = cp[pass], sum = 0;
        if (passes == 2) {
            memset(c0, 0, nb * sizeof *c0);
            for (size_t i = 0; i < n; i++)
                c0[((uint64_t)(src[i].t - T0) >> shift) & mask]++;
        }
        for (uint32_t k = 0; k < nb; k++) {
            uint32_t c = c0[k];
            c0[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[c0[((uint64_t)(src[i].t - T0) >> shift) & mask]++] = src[i];
        dreq *sw = src;
        src = dst;
        dst = sw;
        shift += dg[pass];
    }
    *in_tmp = src != a;   /* an odd number of passes leaves the result in tmp */
}

/* Sort list d stably on t (t - T0 in [0, 2^26)), with tmp (capacity >= d->n)
 * as the radix sort's other buffer: when the result lands there the two
 * swap their arrays (no copy back). */
static void sort_dvec(dvec *d, dvec *tmp, int64_t T0, uint32_t *cnt)
{
    int in_tmp;
    radix_sort(d->v, tmp->v, d->n, T0, cnt, &in_tmp);
    if (in_tmp) {
        dreq *v = d->v;
        size_t cap = d->cap;
        d->v = tmp->v;
        d->cap = tmp->cap;
        tmp->v = v;
        tmp->cap = cap;
    }
}

/* The same order as sort_dvec for a list that is nearly in order: the
 * DSP's departures to a region, in start order, are out of order only by
 * the starts within one service time of each other (a few places).  A
 * stable insertion sort then moves each a few places; past a budget of
 * moves (a list far from order) it stops and the radix sort finishes: the
 * insertion sort keeps equal times in their first order, so the stable
 * radix sort of its partial result is the same as of the original.
 * Returns 1 when it gave up.  The moves grow with the DSP's rate (starts
 * within one service time): at a GB peak they pass the budget, and the
 * caller then goes straight to the radix sort for a while. */
static int sort_nearly(dvec *d, dvec *tmp, int64_t T0, uint32_t *cnt, size_t moves)
{
    dreq *a = d->v;
    size_t n = d->n, budget = moves * n + 64;
    for (size_t i = 1; i < n; i++) {
        if (a[i - 1].t <= a[i].t)
            continue;
        dreq x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].t > x.t) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
        size_t moved = i - j;
        if (moved >= budget) {
            sort_dvec(d, tmp, T0, cnt);
            return 1;
        }
        budget -= moved;
    }
    return 0;
}

/* After an insertion sort gave up, this many CSP slots go straight to the
 * radix sort (traffic changes over minutes, not slots). */
#define SORT_SKIP_SLOTS 16

/* ---- a multi-server stage ----------------------------------------------------- */
typedef struct ring {
    dreq *v;
    size_t head, n, cap;    /* cap a power of two */
} ring;

static int ring_push(ring *q, const dreq *x)
{
    if (q->n == q->cap) {
        dreq *v = sim_vec_ring_grow(q->v, &q->cap, q->head, sizeof *v, 1024);
        if (!v)
            return -1;
        q->v = v;
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
    sim_rng_buf rng;
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
/* Time advances in slots of half a minute (see the file comment). */
#define SLOT_US (SIM_US_PER_MIN / 2)
#define SLOTS_PER_MIN 2
#define N_SLOTS ((long)MDL_DCC_HORIZON * SLOTS_PER_MIN)
/* A region's own results (its column of the day's [service][region] arrays). */
typedef struct rres {
    double requests[S_], requests_by_midnight[S_], attempts[S_], completed[S_];
    double failed[S_][MDL_DCC_N_FAILURE_CLASSES], resolved_by_midnight[S_], sla_breaches[S_], unresolved[S_];
    double busy_s;                      /* its CSP's busy time before 24:00 */
} rres;

/* Everything one region's task touches; one thread at a time.  The arrays
 * indexed [2] are double buffers by slot parity: in a step, the DSP works
 * on one parity while the region's task works on the other.  The two the
 * DSP's task writes (per request) sit on cache lines of their own at the
 * end, so that its stores do not evict the region's fields from the other
 * core (false sharing). */
typedef struct region {
    int r;
    stage csp;
    sim_rng_buf out_rng;                /* outcomes and WAN latency */
    sim_rng_buf arr_rng;                /* offsets of fresh arrivals */
    sim_rng_stream cnt_stream;          /* Poisson counts (through GSL) */
    gsl_rng cnt_gsl;
    dvec in[2];                         /* a slot's arrivals, sorted (written by the region, read by the DSP) */
    dvec fresh2;                        /* the current minute's fresh arrivals in its second slot, unsorted */
    dvec carry;                         /* DSP departures not yet released (after their slot's end) */
    dvec csp_in;                        /* the departures released to this CSP in a slot */
    dvec tmp;
    uint32_t *cnt;                      /* radix counts */
    int sort_skip;                      /* CSP slots left to sort by radix without trying insertion */
    dvec future;                        /* retries and notices, min-heap on (t, seq) */
    uint32_t seq;                       /* pushes into `future` today */
    rres rr;
    mdl_dcc_detailres part;             /* its share of the per-bin output */
    int oom;
    double link_free_us;                /* its WAN link is busy until then */
    double link_bytes, link_busy_us;    /* the current CSP slot's bytes and link time (filed by region_csp) */
    double camp_bytes[1 + MDL_DCC_FW_CLASSES];   /* the day's link bytes by campaign class ([0] unused) */
    mdl_dcc_stage_stats link_st;        /* attempts through the link, waits */
    /* written by the DSP's task, read by the region's next one */
    _Alignas(64) dvec dep[2];           /* DSP departures of the slot's starts, in start order */
    dvec done[2];                       /* DSP-only requests completed at the DSP in the slot */
} __attribute__((aligned(64))) region;

/* The fields up to `dsp` are read by every task and written by none during
 * a day; the DSP's task owns `dsp` and what follows, on their own cache
 * lines (it writes them per request; the regions read the constants above
 * per request). */
struct mdl_dcc_detail {
    const mdl_dcc_params *p;
    uint64_t seed;
    int K;
    sim_draw_zig z;
    region *reg[R_];
    int64_t timeout_us, backoff_us[8], device_us;
    int64_t wan_min_us[R_];
    double wan_mean_us[R_];
    uint32_t loss_u32[R_][2], fail_u32[R_][2];   /* thresholds on a 32-bit word: [first attempt, retries] */
    int64_t target_us[S_];
    uint8_t tier[S_];
    double link_us_per_byte[R_];        /* the regions' WAN links; 0 = unlimited */
    int link_exp[R_];                   /* message sizes exponential about their mean */
    double req_b[S_], resp_b[S_];       /* the day's message sizes (from the offer) */
    double fw_b[1 + MDL_DCC_FW_CLASSES];   /* the day's campaign images by class (from the offer) */
    size_t par_min;                     /* requests in a step worth forking its tasks for */
    size_t sort_moves;                  /* sort_nearly's budget: moves a request (then radix) */
    int max_threads;                    /* team size cap; 0: the CPUs this process may use */
    /* per day */
    mdl_dcc_dayres *res;
    mdl_dcc_detailres *dres;
    int64_t bin_us;
    double inv_bin_us;
    /* the DSP task's own */
    _Alignas(64) stage dsp;
    double minute_in[R_];               /* attempts reaching the DSP so far in the current minute */
    int oom;
};

/* The slot a task works in (its minute's bin, for utilisation). */
typedef struct win {
    int64_t T0, T1;
    size_t bin;
    int64_t bin_start;
    int par;            /* slot parity: which of a region's double buffers */
} win;

static void stage_destroy(stage *g)
{
    free(g->heap);
    free(g->q[0].v);
    free(g->q[1].v);
}

static void region_free(region *g)
{
    if (!g)
        return;
    stage_destroy(&g->csp);
    for (int k = 0; k < 2; k++) {
        free(g->in[k].v);
        free(g->dep[k].v);
        free(g->done[k].v);
    }
    free(g->fresh2.v);
    free(g->carry.v);
    free(g->csp_in.v);
    free(g->tmp.v);
    free(g->cnt);
    free(g->future.v);
    mdl_dcc_detailres_destroy(&g->part);
    free(g);
}

void mdl_dcc_detail_free(mdl_dcc_detail *x)
{
    if (!x)
        return;
    stage_destroy(&x->dsp);
    for (int r = 0; r < R_; r++)
        region_free(x->reg[r]);
    free(x);
}

static uint32_t prob_u32(double p)
{
    double v = p * 4294967296.0;
    return v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v;
}

static int stage_init(stage *g, const mdl_dcc_params *p, int i)
{
    g->index = i;
    g->c = (int)(i == 0 ? p->dsp.servers : p->csp[i - 1].servers);
    g->dist = i == 0 ? p->dsp.distribution : p->csp[i - 1].distribution;
    double st = i == 0 ? p->dsp.service_time_s : p->csp[i - 1].service_time_s;
    for (int s = 0; s < S_; s++)
        g->mean_us[s] = st * p->svc[s].work * 1e6;
    g->heap = calloc((size_t)g->c, sizeof *g->heap);
    return g->heap ? 0 : -1;
}

mdl_dcc_detail *mdl_dcc_detail_alloc(const mdl_dcc_params *p, uint64_t seed, sim_err *err)
{
    mdl_dcc_detail *x = aligned_alloc(64, sizeof *x);   /* sizeof is a multiple of its 64-byte alignment */
    if (x)
        memset(x, 0, sizeof *x);
    if (!x) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC request-level model)");
        return NULL;
    }
    x->p = p;
    x->seed = seed;
    x->K = (int)p->retry.max_retries + 1;
    x->sort_moves = 4;
    x->par_min = 2000;   /* ~0.2 ms of work; 3 M hubs average ~7,700 a minute (~11,000 a step) */
    sim_draw_zig_init(&x->z);
    /* The schema's minimum for retry.response_timeout_s (60 s) refuses
     * this with file and line; the guard is for callers that fill the
     * parameters themselves (tests). */
    if (p->retry.response_timeout_s * 1e6 < (double)(2 * SLOT_US)) {
        SIM_FAIL(err, SIM_EINPUT, "DCC request-level model: retry.response_timeout_s = %g s; it must be at least "
                 "%g s (retries and 1.75 notices must land two slots after the CSP work that made them)",
                 p->retry.response_timeout_s, 2 * (double)SLOT_US * 1e-6);
        free(x);
        return NULL;
    }
    int bad = stage_init(&x->dsp, p, 0);
    for (int r = 0; r < R_ && !bad; r++) {
        region *g = aligned_alloc(64, sizeof *g);
        if (!g) {
            bad = 1;
            break;
        }
        memset(g, 0, sizeof *g);
        x->reg[r] = g;
        g->r = r;
        g->cnt = malloc(RADIX_CNT * sizeof *g->cnt);
        bad = !g->cnt || stage_init(&g->csp, p, 1 + r) ||
              mdl_dcc_detailres_init(&g->part, p->detail.bin_minutes, err);
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
    for (int r = 0; r < R_; r++) {
        x->wan_min_us[r] = (int64_t)(p->csp[r].wan_latency_min_s * 1e6);
        x->wan_mean_us[r] = p->csp[r].wan_latency_mean_s * 1e6;
        for (int a = 0; a < 2; a++) {
            x->loss_u32[r][a] = prob_u32(mdl_dcc_fail_e20_p(p, r, a));
            x->fail_u32[r][a] = prob_u32(mdl_dcc_fail_p(p, r, a));
        }
    }
    for (int r = 0; r < R_; r++) {
        x->link_us_per_byte[r] = p->csp[r].wan_bytes_per_s > 0 ? 1e6 / p->csp[r].wan_bytes_per_s : 0.0;
        x->link_exp[r] = p->csp[r].wan_size_distribution == MDL_DCC_DIST_EXPONENTIAL;
    }
    for (int s = 0; s < S_; s++) {
        x->target_us[s] = (int64_t)(p->svc[s].target_s * 1e6);
        x->tier[s] = (uint8_t)(p->on_demand_first && mdl_dcc_services[s].klass != MDL_DCC_ON_DEMAND);
    }
    return x;
}

void mdl_dcc_detail_set_sort_moves(mdl_dcc_detail *x, size_t per_request)
{
    x->sort_moves = per_request;
}

void mdl_dcc_detail_set_parallel_min(mdl_dcc_detail *x, size_t requests)
{
    x->par_min = requests;
}

void mdl_dcc_detail_set_max_threads(mdl_dcc_detail *x, int n_threads)
{
    x->max_threads = n_threads < 0 ? 0 : n_threads;
}

void mdl_dcc_detail_stage_stats(const mdl_dcc_detail *x, int stage_i, mdl_dcc_stage_stats *out)
{
    *out = stage_i == 0 ? x->dsp.st : x->reg[stage_i - 1]->csp.st;
}

void mdl_dcc_detail_link_stats(const mdl_dcc_detail *x, int region_i, mdl_dcc_stage_stats *out)
{
    *out = x->reg[region_i]->link_st;
}

/* ---- future heap (retries, notices) of a region ------------------------------------ */
/* Order of the future heap: by time, equal times in push order.  A total
 * order makes the pop sequence a function of the pushed set alone, not of
 * how pushes and pops interleave (which the slot pipeline changed; a plain
 * heap on t popped equal times in an order that depended on it). */
static inline int fut_before(const dreq *a, const dreq *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void future_push(region *g, const dreq *r)
{
    dvec *h = &g->future;
    if (dvec_reserve(h, h->n + 1)) {
        g->oom = 1;
        return;
    }
    dreq e = *r;
    e.seq = g->seq++;
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!fut_before(&e, &h->v[up]))
            break;
        h->v[i] = h->v[up];
        i = up;
    }
    h->v[i] = e;
}

static void future_pop(region *g, dreq *out)
{
    dvec *h = &g->future;
    *out = h->v[0];
    dreq last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t m = (l + 1 < n && fut_before(&h->v[l + 1], &h->v[l])) ? l + 1 : l;
        if (!fut_before(&h->v[m], &last))
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

/* Request rq of region g completed at `done`: into g's own results. */
static void complete(const mdl_dcc_detail *x, region *g, const dreq *rq, int64_t done)
{
    int s = rq->lane / R_;
    rres *rr = &g->rr;
    mdl_dcc_detailres *dr = &g->part;
    rr->completed[s] += 1;
    int64_t lat = done - rq->t0;
    mdl_dcc_hist_add(&dr->hist[s], lat);
    int breach = lat > x->target_us[s];
    rr->sla_breaches[s] += breach;
    if (done < DAY_US) {
        rr->resolved_by_midnight[s] += 1;
        size_t b = bin_of(x, done);
        dr->completions[b * S_ + (size_t)s]++;
        dr->completions_r[b * R_ + (size_t)g->r]++;
    }
    if (rq->t0 < DAY_US) {
        size_t b = bin_of(x, rq->t0), bs = b * S_ + (size_t)s;
        dr->lat[bs * MDL_DCC_HIST_BINS + (size_t)mdl_dcc_hist_bin(lat)]++;
        float ls = (float)((double)lat * 1e-6);
        if (ls > dr->lat_max[bs])
            dr->lat_max[bs] = ls;
        dr->sla_breaches[bs] += breach;
        size_t ms = (size_t)(rq->t0 / SIM_US_PER_MIN) * S_ + (size_t)s;
        dr->minute_lat_s[ms] += (double)lat * 1e-6;
        dr->minute_done[ms]++;
    }
}

/* An attempt that left CSP g->r at time d crosses the region's WAN link
 * with `bytes`: a single FIFO server (in the order attempts started at the
 * CSP) sending wan_bytes_per_s.  Its bytes and link time count in the
 * slot (so the minute) the attempt started its CSP service, filed by
 * region_csp at the slot's end.  Returns when the last byte has gone. */
static inline int64_t link_pass(const mdl_dcc_detail *x, region *g, int64_t d, double bytes)
{
    int r = g->r;
    g->link_bytes += bytes;
    double per = x->link_us_per_byte[r];
    if (per <= 0)
        return d;
    double tx = bytes * per, s = (double)d, f = g->link_free_us;
    if (x->link_exp[r])
        tx *= sim_draw_exp(&x->z, &g->out_rng);
    double st = f > s ? f : s;
    g->link_free_us = st + tx;
    g->link_busy_us += tx;
    g->link_st.started++;
    g->link_st.waited += f > s;
    g->link_st.wait_sum_s += (st - s) * 1e-6;
    return (int64_t)ceil(st + tx);
}

/* An attempt left CSP g->r at time d: settle it. */
static void outcome(const mdl_dcc_detail *x, region *g, const dreq *rq, int64_t d)
{
    int s = rq->lane / R_, r = g->r;
    sim_rng_buf *b = &g->out_rng;
    const double req_b = rq->cls ? x->fw_b[rq->cls] : x->req_b[s];
    if (!mdl_dcc_services[s].device_originated) {
        uint32_t u = sim_rng_buf_u32(b);
        int retry = rq->attempt > 0;
        if (u < x->fail_u32[r][retry]) {
            if (rq->cls)
                g->camp_bytes[rq->cls] += req_b;
            int64_t detect = link_pass(x, g, d, req_b) + x->timeout_us;
            if (rq->attempt + 1 < x->K) {
                dreq n = *rq;
                n.t = detect + x->backoff_us[rq->attempt];
                n.attempt++;
                future_push(g, &n);
                return;
            }
            int cls = u < x->loss_u32[r][retry] ? MDL_DCC_E20
                      : mdl_dcc_services[s].klass == MDL_DCC_ON_DEMAND ? MDL_DCC_E21 : MDL_DCC_E30;
            g->rr.failed[s][cls] += 1;
            if (detect < DAY_US) {
                g->rr.resolved_by_midnight[s] += 1;
                size_t bn = bin_of(x, detect);
                g->part.failures[bn * S_ + (size_t)s]++;
                g->part.failures_r[bn * R_ + (size_t)r]++;
            }
            dreq n = {.t = detect, .t0 = detect, .lane = (uint16_t)(MDL_DCC_SVC_FAILURE_NOTICE * R_ + r)};
            /* 1.75 is on-demand class: tier 0 */
            future_push(g, &n);
            return;
        }
    }
    if (rq->cls)
        g->camp_bytes[rq->cls] += req_b + x->resp_b[s];
    d = link_pass(x, g, d, req_b + x->resp_b[s]);
    int64_t done = d + x->wan_min_us[r] + (int64_t)(x->wan_mean_us[r] * sim_draw_exp(&x->z, b)) + x->device_us;
    complete(x, g, rq, done);
}

/* Busy time of one service interval, within the day, by bin, into `util`
 * (the stage's own column of a [bin][stage] array) and *busy. */
static void add_busy(const mdl_dcc_detail *x, const win *wn, float *util, int stage_i, double *busy, int64_t s,
                     int64_t d)
{
    if (s >= DAY_US)
        return;
    if (d > DAY_US)
        d = DAY_US;
    *busy += (double)(d - s) * 1e-6;
    /* Starts happen inside the current window, so its bin is known; the
     * division is only a fallback (it cost ~5 % of the run). */
    size_t b = (s >= wn->bin_start && s < wn->bin_start + x->bin_us) ? wn->bin : (size_t)(s / x->bin_us);
    for (;;) {
        int64_t end = (int64_t)(b + 1) * x->bin_us;
        float *u = &util[b * MDL_DCC_N_STAGES + (size_t)stage_i];
        if (d <= end) {
            *u += (float)(d - s);
            return;
        }
        *u += (float)(end - s);
        s = end;
        b++;
    }
}

/* Start rq at time s on stage g's earliest free server.  At the DSP
 * (rg == NULL) the request goes on to its region's `dep` (reserved by the
 * caller) or,
 * DSP-only, completes (to its region's `done`); at region rg's CSP its
 * outcome is settled. */
static inline void start(mdl_dcc_detail *x, const win *wn, stage *g, region *rg, dreq *rq, int64_t s)
{
    int svc = rq->lane / R_;
    double sv = g->mean_us[svc];
    sim_rng_buf *b = &g->rng;
    if (g->dist == MDL_DCC_DIST_EXPONENTIAL)
        sv *= sim_draw_exp(&x->z, b);
    int64_t d = s + (int64_t)sv;
    heap_replace_top(g->heap, g->c, d);
    int64_t w = s - rq->t;   /* branch-free: at a GB peak whether a request waited is a coin toss */
    g->st.started++;
    g->st.waited += w > 0;
    g->st.wait_sum_s += (double)w * 1e-6;
    if (!rg) {
        add_busy(x, wn, x->dres->utilisation, 0, &x->res->busy_s[0], s, d);
        if (mdl_dcc_services[svc].dsp_only) {
            /* Completed here, but counted by its region's next task: the
             * region's results are its own thread's to write. */
            dvec *dn = &x->reg[rq->lane % R_]->done[wn->par];
            if (dvec_reserve(dn, dn->n + 1)) {
                x->oom = 1;
                return;
            }
            dreq o = *rq;
            o.t = d;
            dn->v[dn->n++] = o;
        } else {
            dvec *dp = &x->reg[rq->lane % R_]->dep[wn->par];
            dreq o = *rq;
            o.t = d;
            dp->v[dp->n++] = o;
        }
    } else {
        add_busy(x, wn, rg->part.utilisation, g->index, &rg->rr.busy_s, s, d);
        outcome(x, rg, rq, d);
    }
}

/* Start waiting requests whose server frees at or before T (strictly
 * before when strict): no arrival before T can still come. */
static inline void drain(mdl_dcc_detail *x, const win *wn, stage *g, region *rg, int64_t T, int strict)
{
    while (g->q[0].n + g->q[1].n > 0) {
        int64_t f = g->heap[0];
        if (strict ? f >= T : f > T)
            return;
        ring *q = g->q[0].n ? &g->q[0] : &g->q[1];
        dreq rq = *ring_front(q);
        ring_pop(q);
        start(x, wn, g, rg, &rq, f);
    }
}

static inline int admit(mdl_dcc_detail *x, const win *wn, stage *g, region *rg, dreq *rq)
{
    drain(x, wn, g, rg, rq->t, 0);
    if (g->q[0].n + g->q[1].n == 0 && g->heap[0] <= rq->t) {
        start(x, wn, g, rg, rq, rq->t);
        return 0;
    }
    return ring_push(&g->q[rq->tier], rq);
}

static size_t stage_waiting(const stage *g)
{
    return g->q[0].n + g->q[1].n;
}

static win slot_win(const mdl_dcc_detail *x, long h)
{
    win wn;
    wn.T0 = (int64_t)h * SLOT_US;
    wn.T1 = wn.T0 + SLOT_US;
    wn.bin = (size_t)(h / SLOTS_PER_MIN / x->dres->bin_minutes);
    wn.bin_start = (int64_t)wn.bin * x->bin_us;
    wn.par = (int)(h & 1);
    return wn;
}

/* ---- the tasks of a step ------------------------------------------------------------------ */
/* Region g's CSP for slot h: the DSP departures before the slot's end are
 * final (no later DSP start can depart earlier) and released to it, in time
 * order; then the requests waiting whose server frees before the slot's
 * end; the DSP-only requests of g completed at the DSP in h are counted; at
 * a minute's end its queue length is recorded.  The release is done here,
 * not by the DSP, to keep the DSP's task (the longest) short. */
static void region_csp(mdl_dcc_detail *x, region *g, long h)
{
    const win wn = slot_win(x, h);
    dvec *D = &g->dep[wn.par], *C = &g->carry, *c = &g->csp_in;
    if (dvec_reserve(c, C->n + D->n) || dvec_reserve(C, C->n + D->n) || dvec_reserve(&g->tmp, C->n + D->n)) {
        g->oom = 1;
        return;
    }
    /* Carried ones first, then this slot's starts, each in start order:
     * the order a single DSP departure list had (ties keep it). */
    size_t keep = 0, nc = 0;
    for (size_t i = 0; i < C->n; i++) {
        if (C->v[i].t < wn.T1)
            c->v[nc++] = C->v[i];
        else
            C->v[keep++] = C->v[i];
    }
    for (size_t i = 0; i < D->n; i++) {
        if (D->v[i].t < wn.T1)
            c->v[nc++] = D->v[i];
        else
            C->v[keep++] = D->v[i];
    }
    C->n = keep;
    c->n = nc;
    D->n = 0;
    if (g->sort_skip > 0) {   /* the last try gave up: radix for a few minutes */
        g->sort_skip--;
        sort_dvec(c, &g->tmp, wn.T0, g->cnt);
    } else if (sort_nearly(c, &g->tmp, wn.T0, g->cnt, x->sort_moves)) {
        g->sort_skip = SORT_SKIP_SLOTS;
    }
    for (size_t i = 0; i < c->n; i++)
        if (admit(x, &wn, &g->csp, g, &c->v[i]))
            g->oom = 1;
    drain(x, &wn, &g->csp, g, wn.T1, 1);
    c->n = 0;
    long mm = h / SLOTS_PER_MIN;
    if (mm < MDL_DCC_MINUTES) {   /* the slot's link bytes and time, under its minute (before 24:00 only) */
        x->res->wan_minute_bytes[g->r][mm] += g->link_bytes;
        x->res->wan_busy_s[g->r] += g->link_busy_us * 1e-6;
    }
    g->link_bytes = g->link_busy_us = 0;
    dvec *dn = &g->done[wn.par];
    for (size_t i = 0; i < dn->n; i++)
        complete(x, g, &dn->v[i], dn->v[i].t);
    dn->n = 0;
    long m = h / SLOTS_PER_MIN;
    if (h % SLOTS_PER_MIN == SLOTS_PER_MIN - 1 && m < MDL_DCC_MINUTES) {
        const int i = 1 + g->r;
        double per = x->link_us_per_byte[g->r], lb = g->link_free_us - (double)wn.T1;
        if (m < MDL_DCC_MINUTES && per > 0 && lb > 0)
            x->res->wan_backlog[g->r][m] = lb / per;
        double q = (double)stage_waiting(&g->csp);
        x->res->queue[i][m] = q;
        if (q > x->res->max_queue[i])
            x->res->max_queue[i] = q;
        if ((m + 1) % x->dres->bin_minutes == 0)
            x->dres->queue[(size_t)(m / x->dres->bin_minutes) * MDL_DCC_N_STAGES + (size_t)i] = (float)q;
    }
}

/* The n firmware requests of region r in minute m by campaign class:
 * part[k] of class k (the offer's counts, as far as n goes), part[0] the
 * rest. */
static void fw_parts(const mdl_dcc_offer *o, int r, long m, size_t n, size_t *part)
{
    size_t left = n;
    for (int k = 1; k <= MDL_DCC_FW_CLASSES; k++) {
        size_t c = o->fw_n[k - 1][r][m];
        part[k] = c < left ? c : left;
        left -= part[k];
    }
    part[0] = left;
}

/* Region g's arrivals for slot h, into in[h & 1], sorted: in a minute's
 * first slot the whole minute's fresh requests are drawn (Poisson counts,
 * uniform offsets: the same draws as one list per minute) and split by
 * slot; then the retries and notices falling due in the slot.  Fresh ones
 * come before retries in the list, so ties sort as in one list per minute.
 * A hot numerical kernel, kept in one piece (its loops share the region's
 * buffers and streams). */
static void region_gen(mdl_dcc_detail *x, region *g, const mdl_dcc_offer *offer, long h)
{
    const int r = g->r;
    const win wn = slot_win(x, h);
    const long m = h / SLOTS_PER_MIN;
    const int in_day = m < MDL_DCC_MINUTES;
    mdl_dcc_detailres *dr = &g->part;
    dvec *B = &g->in[wn.par];
    B->n = 0;
    if (in_day && h % SLOTS_PER_MIN == 0) {
        dvec *B2 = &g->fresh2;
        B2->n = 0;
        const int64_t M0 = (int64_t)m * SIM_US_PER_MIN;
        for (int s = 0; s < S_; s++) {
            double a = offer->a[((size_t)s * R_ + (size_t)r) * MDL_DCC_MINUTES + (size_t)m];
            if (a <= 0)
                continue;
            size_t n = offer->exact[s] ? (size_t)(a + 0.5) : (size_t)gsl_ran_poisson(&g->cnt_gsl, a);
            if (!n)
                continue;
            if (dvec_reserve(B, B->n + n) || dvec_reserve(B2, B2->n + n)) {
                g->oom = 1;
                return;
            }
            dreq proto = {.lane = (uint16_t)(s * R_ + r), .tier = x->tier[s]};
            /* Firmware: the minute's requests by campaign, in turn (their
             * offsets are drawn independently: the order says nothing). */
            size_t part[1 + MDL_DCC_FW_CLASSES] = {n};
            if (s == MDL_DCC_SVC_FIRMWARE && offer->fw_any)
                fw_parts(offer, r, m, n, part);
            for (int k = 0; k <= MDL_DCC_FW_CLASSES; k++) {
                if (!part[k])
                    continue;
                proto.cls = (unsigned)k & 127u;
                /* The fields after the times as one word in a register
                 * (copying the whole struct from the stack right after
                 * storing its times stalled on store forwarding). */
                uint64_t tail;
                memcpy(&tail, (const char *)&proto + offsetof(dreq, lane), sizeof tail);
                /* Branch-free split (the slot of a uniform offset is a coin
                 * toss for the branch predictor): write both, advance one. */
                dreq *v1 = B->v, *v2 = B2->v;
                size_t n1 = B->n, n2 = B2->n;
                for (size_t i = 0; i < part[k]; i++) {
                    int64_t off = (int64_t)(((uint64_t)sim_rng_buf_u32(&g->arr_rng) * 60000000u) >> 32);
                    int64_t t = M0 + off;
                    size_t first = off < SLOT_US;
                    v1[n1].t = v1[n1].t0 = t;
                    memcpy((char *)&v1[n1] + offsetof(dreq, lane), &tail, sizeof tail);
                    v2[n2].t = v2[n2].t0 = t;
                    memcpy((char *)&v2[n2] + offsetof(dreq, lane), &tail, sizeof tail);
                    n1 += first;
                    n2 += 1 - first;
                }
                B->n = n1;
                B2->n = n2;
            }
            g->rr.requests[s] += (double)n;
            g->rr.requests_by_midnight[s] += (double)n;
            dr->arrivals[wn.bin * S_ + (size_t)s] += (int32_t)n;
            dr->arrivals_r[wn.bin * R_ + (size_t)r] += (int32_t)n;
        }
    } else if (in_day) {
        /* The minute's second slot: its fresh requests are already drawn. */
        dvec t = *B;
        *B = g->fresh2;
        g->fresh2 = t;
        g->fresh2.n = 0;
    }
    while (g->future.n && g->future.v[0].t < wn.T1) {
        if (dvec_reserve(B, B->n + 1)) {
            g->oom = 1;
            return;
        }
        dreq f;
        future_pop(g, &f);
        /* A retry or notice lands >= response_timeout_s (>= 2 slots, checked
         * at alloc) after the start of the CSP slot that made it, so it was
         * pushed before this slot's arrivals were gathered and is not late. */
#ifdef SIM_DEBUG
        if (f.t < wn.T0)
            abort();
#endif
        if (f.attempt == 0) {   /* a 1.75 notice is created now */
            int s = f.lane / R_;
            g->rr.requests[s] += 1;
            if (in_day) {
                g->rr.requests_by_midnight[s] += 1;
                dr->arrivals[wn.bin * S_ + (size_t)s]++;
                dr->arrivals_r[wn.bin * R_ + (size_t)r]++;
            }
        }
        B->v[B->n++] = f;
    }
    if (dvec_reserve(&g->tmp, B->n)) {
        g->oom = 1;
        return;
    }
    sort_dvec(B, &g->tmp, wn.T0, g->cnt);
    for (size_t i = 0; i < B->n; i++)
        g->rr.attempts[B->v[i].lane / R_] += 1;
}

/* Region g's task in step k: its CSP for slot k-1, then its arrivals for
 * slot k+1 (the CSP first: its retries may fall due in slot k+1). */
static void region_step(mdl_dcc_detail *x, region *g, const mdl_dcc_offer *offer, long k)
{
    if (k >= 1 && k <= N_SLOTS)
        region_csp(x, g, k - 1);
    if (!g->oom && k + 1 < N_SLOTS)
        region_gen(x, g, offer, k + 1);
}

/* The DSP for slot h: the regions' lists for h merged in time order, then
 * the waiting requests whose server frees before the slot's end; the
 * departures go to their regions' `dep`; the peak minute and, at a
 * minute's end, the DSP queue length are recorded. */
static void dsp_step(mdl_dcc_detail *x, long h)
{
    mdl_dcc_dayres *res = x->res;
    mdl_dcc_detailres *dres = x->dres;
    const win wn = slot_win(x, h);
    const long m = h / SLOTS_PER_MIN;
    const int in_day = m < MDL_DCC_MINUTES;
    size_t n_in = 0;
    for (int r = 0; r < R_; r++)
        n_in += x->reg[r]->in[wn.par].n;
    if (in_day) {
        for (int r = 0; r < R_; r++)
            x->minute_in[r] += (double)x->reg[r]->in[wn.par].n;
        if (h % SLOTS_PER_MIN == SLOTS_PER_MIN - 1) {
            double tot = 0;
            for (int r = 0; r < R_; r++) {
                double c = x->minute_in[r];
                if (c > res->peak_minute[r])
                    res->peak_minute[r] = c;
                tot += c;
                x->minute_in[r] = 0;
            }
            if (tot > res->peak_minute_total)
                res->peak_minute_total = tot;
        }
    }
    for (int r = 0; r < R_; r++)
        if (dvec_reserve(&x->reg[r]->dep[wn.par], n_in + stage_waiting(&x->dsp))) {
            x->oom = 1;
            return;
        }
    /* The DSP takes the regions' sorted lists merged in time order (ties:
     * lower region first). */
    dreq *cur[R_], *end[R_];
    int64_t head[R_];   /* time of each list's next request; INT64_MAX when done */
    for (int r = 0; r < R_; r++) {
        cur[r] = x->reg[r]->in[wn.par].v;
        end[r] = cur[r] + x->reg[r]->in[wn.par].n;
        head[r] = cur[r] < end[r] ? cur[r]->t : INT64_MAX;
    }
    for (;;) {
        int best = head[1] < head[0] ? 1 : 0;
        if (head[2] < head[best])
            best = 2;
        if (head[best] == INT64_MAX)
            break;
        dreq *rq = cur[best]++;
        head[best] = cur[best] < end[best] ? cur[best]->t : INT64_MAX;
        if (admit(x, &wn, &x->dsp, NULL, rq))
            x->oom = 1;
    }
    drain(x, &wn, &x->dsp, NULL, wn.T1, 1);
    if (in_day && h % SLOTS_PER_MIN == SLOTS_PER_MIN - 1) {
        double q = (double)stage_waiting(&x->dsp);
        res->queue[0][m] = q;
        if (q > res->max_queue[0])
            res->max_queue[0] = q;
        if ((m + 1) % dres->bin_minutes == 0)
            dres->queue[(size_t)(m / dres->bin_minutes) * MDL_DCC_N_STAGES] = (float)q;
    }
}

/* After step k, with no fresh arrivals left: is everything idle?  Then the
 * remaining steps would change nothing, and the day can stop. */
static int all_idle(const mdl_dcc_detail *x, long k)
{
    if (k < 2 * (long)MDL_DCC_MINUTES || stage_waiting(&x->dsp))
        return 0;
    for (int r = 0; r < R_; r++) {
        const region *g = x->reg[r];
        if (g->in[(k + 1) & 1].n || g->dep[k & 1].n || g->carry.n || g->done[k & 1].n || g->future.n ||
            stage_waiting(&g->csp))
            return 0;
    }
    return 1;
}

/* Requests the tasks of step k will handle (to decide whether to fork). */
static size_t step_work(const mdl_dcc_detail *x, const mdl_dcc_offer *offer, long k)
{
    size_t work = 0;
    for (int r = 0; r < R_; r++) {
        const region *g = x->reg[r];
        if (k >= 0)
            work += g->in[k & 1].n;
        if (k >= 1)
            work += g->dep[(k - 1) & 1].n + g->carry.n;
        long h = k + 1, m = h / SLOTS_PER_MIN;
        if (m < MDL_DCC_MINUTES) {
            if (h % SLOTS_PER_MIN)
                work += g->fresh2.n;
            else
                for (int s = 0; s < S_; s++)
                    work += (size_t)offer->a[((size_t)s * R_ + (size_t)r) * MDL_DCC_MINUTES + (size_t)m];
        }
    }
    return work;
}

/* ---- running the steps on threads ------------------------------------------------------- */
/* Task t of step k: 0 the DSP for slot k, 1..3 the regions from the
 * busiest (south) down.  Tasks run in any order on any thread; each touches
 * only its own state and its side of the double buffers, so the choice
 * changes nothing in the results. */
static void step_task(mdl_dcc_detail *x, const mdl_dcc_offer *offer, long k, int t)
{
    if (t == 0) {
        if (k >= 0 && k < N_SLOTS)
            dsp_step(x, k);
    } else {
        region_step(x, x->reg[R_ - t], offer, k);
    }
}

/* After all of step k's tasks: is the day over (out of memory, or idle)? */
static int step_end(mdl_dcc_detail *x, long k)
{
    for (int r = 0; r < R_; r++)
        x->oom |= x->reg[r]->oom;
    return x->oom || all_idle(x, k);
}

/* A thread team's own step barrier.  A GB peak day has ~2,900 steps of a
 * couple of milliseconds; with an OpenMP fork and join per step, what the
 * threads did between steps was up to libgomp's wait policy (a thread that
 * falls asleep pays a wake-up per step; OMP_WAIT_POLICY=active spins for
 * ever, bad manners on a shared machine), and with another process on one
 * of 2 cores, 2 threads took 12.6 s against 9.5 s on one.
 * So one parallel region runs a whole run of busy steps.  The team's first
 * thread (the leader) does the serial part between steps and publishes
 * each step by a release store of `go`; the tasks are handed out by an
 * atomic counter (DSP first: it is the longest); each other thread reports
 * the end of its share by an acq_rel increment of `arrived`, which the
 * leader waits for with an acquire load.  Everything a task wrote in step k
 * is so published, through the leader, to every task of step k+1.  Waits
 * spin briefly (a step's imbalance is short when both cores are ours) and
 * then yield the core at every check (when another process holds a core,
 * the thread we wait for gets it).  The run ends at the first step with
 * too little work: threads never wait long, so no sleeping tier is needed.
 * A thread that loses its core in the middle of a task still holds up the
 * step for a time slice, so the leader also compares each step's wall time
 * with the CPU time its tasks took: in a window of STEP_WINDOW steps where
 * most steps gained less than 10 %, the run ends and the next `backoff`
 * steps run on one thread (doubling each time the next try fails, back to
 * the minimum when a window pays; with the busy neighbour, 2 threads then
 * take 9.7 s, as one does).  Which thread runs a task changes nothing in
 * the results, so neither does any of this. */
typedef struct step_sync {
    _Alignas(64) atomic_long go;        /* k + 2 of the step published; STEP_STOP: the run is over */
    _Alignas(64) atomic_int next;       /* next task of the current step to hand out */
    _Alignas(64) atomic_int arrived;    /* other threads done with the current step */
    _Alignas(64) atomic_llong cpu_ns;   /* the other threads' CPU time in the current step's tasks */
    _Alignas(64) long k;                /* in: the run's first step; out: the next step to run */
    int finished;                       /* out: the day is over */
    int slow;                           /* out: the run ended because threads did not pay */
    int paid;                           /* out: some window of the run paid */
} step_sync;

#define STEP_STOP (-1L)
/* Pause-spins before a waiting thread starts yielding its core: a few tens
 * of microseconds, well under a busy step. */
#define STEP_SPINS 4000
/* Steps judged at a time, and the range of busy steps then run on one
 * thread after a window that did not pay (a window costs at most ~1.3x its
 * serial time; the back-off keeps the tries a few % of a loaded day). */
#define STEP_WINDOW 32
#define STEP_BACKOFF_MIN 64
#define STEP_BACKOFF_MAX 1024

static inline long long clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Take and run tasks of step k until none is left. */
static void step_share(mdl_dcc_detail *x, const mdl_dcc_offer *offer, long k, step_sync *sy)
{
    int t;
    while ((t = atomic_fetch_add_explicit(&sy->next, 1, memory_order_relaxed)) <= R_)
        step_task(x, offer, k, t);
}

/* Called by every thread of the team. */
static void busy_run(mdl_dcc_detail *x, const mdl_dcc_offer *offer, step_sync *sy)
{
#ifdef _OPENMP
    const int tid = omp_get_thread_num(), nth = omp_get_num_threads();
#else
    const int tid = 0, nth = 1;
#endif
    if (tid != 0) {
        long seen = 0;
        for (;;) {
            long g;
            for (unsigned spin = 0; (g = atomic_load_explicit(&sy->go, memory_order_acquire)) == seen; spin++) {
                if (spin < STEP_SPINS)
                    cpu_relax();
                else
                    sched_yield();
            }
            if (g == STEP_STOP)
                return;
            seen = g;
            long long c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            step_share(x, offer, g - 2, sy);
            atomic_fetch_add_explicit(&sy->cpu_ns, clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0, memory_order_relaxed);
            atomic_fetch_add_explicit(&sy->arrived, 1, memory_order_acq_rel);
        }
    }
    long k = sy->k;
    int judged = 0, unpaid = 0;
    for (;;) {
        /* The others are all past the previous step's counters. */
        atomic_store_explicit(&sy->next, 0, memory_order_relaxed);
        atomic_store_explicit(&sy->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&sy->cpu_ns, 0, memory_order_relaxed);
        long long w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        atomic_store_explicit(&sy->go, k + 2, memory_order_release);
        step_share(x, offer, k, sy);
        long long cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
        for (unsigned spin = 0; atomic_load_explicit(&sy->arrived, memory_order_acquire) < nth - 1; spin++) {
            if (spin < STEP_SPINS)
                cpu_relax();
            else
                sched_yield();
        }
        cpu += atomic_load_explicit(&sy->cpu_ns, memory_order_relaxed);
        unpaid += 10 * (clock_ns(CLOCK_MONOTONIC) - w0) > 9 * cpu;
        if (step_end(x, k)) {
            sy->finished = 1;
            break;
        }
        k++;
        if (++judged == STEP_WINDOW) {
            if (2 * unpaid > judged) {
                sy->slow = 1;
                break;
            }
            sy->paid = 1;
            judged = unpaid = 0;
        }
        if (k > N_SLOTS || step_work(x, offer, k) < x->par_min)
            break;
    }
    sy->k = k;
    atomic_store_explicit(&sy->go, STEP_STOP, memory_order_release);
}

/* ---- the day ------------------------------------------------------------------------ */
/* A fresh day: empty queues and partial results, every stream keyed by
 * (seed, entity = the day, purpose | stream << 8). */
static void day_reset(mdl_dcc_detail *x, uint64_t entity)
{
    const uint32_t base = MDL_RNG_DCC_DETAIL;
    x->oom = 0;
    memset(x->minute_in, 0, sizeof x->minute_in);
    memset(x->dsp.heap, 0, (size_t)x->dsp.c * sizeof *x->dsp.heap);
    x->dsp.q[0].n = x->dsp.q[1].n = x->dsp.q[0].head = x->dsp.q[1].head = 0;
    memset(&x->dsp.st, 0, sizeof x->dsp.st);
    sim_rng_buf_init(&x->dsp.rng, x->seed, entity, base | 2u << 8);
    for (int r = 0; r < R_; r++) {
        region *g = x->reg[r];
        stage *c = &g->csp;
        memset(c->heap, 0, (size_t)c->c * sizeof *c->heap);
        c->q[0].n = c->q[1].n = c->q[0].head = c->q[1].head = 0;
        memset(&c->st, 0, sizeof c->st);
        sim_rng_buf_init(&c->rng, x->seed, entity, base | (uint32_t)(3 + r) << 8);
        sim_rng_buf_init(&g->out_rng, x->seed, entity, base | (uint32_t)(6 + r) << 8);
        sim_rng_buf_init(&g->arr_rng, x->seed, entity, base | (uint32_t)(12 + r) << 8);
        sim_rng_stream_init(&g->cnt_stream, x->seed, entity, base | (uint32_t)(9 + r) << 8);
        sim_rng_gsl_wrap(&g->cnt_gsl, &g->cnt_stream);
        for (int k = 0; k < 2; k++)
            g->in[k].n = g->dep[k].n = g->done[k].n = 0;
        g->fresh2.n = g->future.n = g->carry.n = g->csp_in.n = 0;
        g->seq = 0;
        g->sort_skip = 0;
        g->link_free_us = 0;
        g->link_bytes = g->link_busy_us = 0;
        memset(g->camp_bytes, 0, sizeof g->camp_bytes);
        memset(&g->link_st, 0, sizeof g->link_st);
        memset(&g->rr, 0, sizeof g->rr);
        mdl_dcc_detailres_clear(&g->part);
        g->oom = 0;
    }
}

/* One task for the DSP and one per region: more threads than that have
 * nothing to do.  More threads than CPUs only take turns on them, and a
 * thread that loses its CPU in the middle of a task holds up the step
 * (3 threads on 2 cores: 6.9 s for a GB day, 2 threads: 5.2 s), so the
 * team is also capped at the CPUs this process may use (the test lifts
 * the cap to check 3 and 4 threads on a small machine). */
static int team_size(const mdl_dcc_detail *x, int n_threads)
{
    int cap = x->max_threads;
#ifdef _OPENMP
    if (!cap)
        cap = omp_get_num_procs();
#endif
    if (cap > 0 && n_threads > cap)
        n_threads = cap;
    return n_threads < 1 ? 1 : n_threads > 1 + R_ ? 1 + R_ : n_threads;
}

/* The pipeline, step by step to the horizon.  A run of busy steps goes to
 * one thread team (busy_run); a step with too little work to pay for the
 * hand-over runs here, on this thread (waking the team costs a few
 * microseconds on idle cores, up to a time slice when another process
 * holds a core: forking every minute of a small day made it 10x slower on
 * a loaded machine), and so does a whole day on one thread, and the steps
 * after a run that did not pay (see step_sync). */
static void run_steps(mdl_dcc_detail *x, const mdl_dcc_offer *offer, int nt)
{
    long step = -1, serial_left = 0, backoff = STEP_BACKOFF_MIN;
    while (step <= N_SLOTS) {
        if (nt > 1 && !serial_left && step_work(x, offer, step) >= x->par_min) {
            step_sync sy;
            atomic_init(&sy.go, 0);
            atomic_init(&sy.next, 0);
            atomic_init(&sy.arrived, 0);
            atomic_init(&sy.cpu_ns, 0);
            sy.k = step;
            sy.finished = sy.slow = sy.paid = 0;
#pragma omp parallel num_threads(nt)
            busy_run(x, offer, &sy);
            step = sy.k;
            if (sy.finished)
                break;
            if (sy.paid)
                backoff = STEP_BACKOFF_MIN;
            if (sy.slow) {
                serial_left = backoff;
                backoff = backoff * 2 > STEP_BACKOFF_MAX ? STEP_BACKOFF_MAX : backoff * 2;
            }
            continue;
        }
        if (serial_left)
            serial_left--;
        for (int t = 0; t <= R_; t++)
            step_task(x, offer, step, t);
        if (step_end(x, step))
            break;
        step++;
    }
}

/* Still open at the horizon: waiting, between stages, or due to retry. */
static void count_unresolved(mdl_dcc_detail *x)
{
    const int R = R_;
    for (int t = 0; t < 2; t++) {
        ring *q = &x->dsp.q[t];
        for (size_t k = 0; k < q->n; k++) {
            int l = q->v[(q->head + k) & (q->cap - 1)].lane;
            x->reg[l % R]->rr.unresolved[l / R] += 1;
        }
    }
    for (int r = 0; r < R; r++) {
        region *g = x->reg[r];
        for (int t = 0; t < 2; t++) {
            ring *q = &g->csp.q[t];
            for (size_t k = 0; k < q->n; k++)
                g->rr.unresolved[q->v[(q->head + k) & (q->cap - 1)].lane / R] += 1;
        }
        for (size_t k = 0; k < g->carry.n; k++)   /* between the stages */
            g->rr.unresolved[g->carry.v[k].lane / R] += 1;
        for (int t = 0; t < 2; t++) {
            for (size_t k = 0; k < g->dep[t].n; k++)
                g->rr.unresolved[g->dep[t].v[k].lane / R] += 1;
            for (size_t k = 0; k < g->done[t].n; k++)   /* completed at the DSP: none left at the horizon */
                complete(x, g, &g->done[t].v[k], g->done[t].v[k].t);
        }
        for (size_t k = 0; k < g->future.n; k++)
            if (g->future.v[k].attempt > 0)   /* a notice not yet created is not a request yet */
                g->rr.unresolved[g->future.v[k].lane / R] += 1;
    }
}

/* The regions' results, added in region order, and the utilisation per
 * bin (busy server-time over capacity). */
static void gather_results(mdl_dcc_detail *x, mdl_dcc_dayres *res, mdl_dcc_detailres *dres)
{
    for (int r = 0; r < R_; r++) {
        const region *g = x->reg[r];
        const rres *rr = &g->rr;
        for (int s = 0; s < S_; s++) {
            res->requests[s][r] = rr->requests[s];
            res->requests_by_midnight[s][r] = rr->requests_by_midnight[s];
            res->attempts[s][r] = rr->attempts[s];
            res->completed[s][r] = rr->completed[s];
            for (int f = 0; f < MDL_DCC_N_FAILURE_CLASSES; f++)
                res->failed[s][r][f] = rr->failed[s][f];
            res->resolved_by_midnight[s][r] = rr->resolved_by_midnight[s];
            res->sla_breaches[s][r] = rr->sla_breaches[s];
            res->unresolved[s][r] = rr->unresolved[s];
        }
        res->busy_s[1 + r] = rr->busy_s;
        for (int k = 0; k < MDL_DCC_FW_CLASSES; k++)
            res->campaign_bytes[k][r] = g->camp_bytes[1 + k];
        for (int m = 0; m < MDL_DCC_MINUTES; m++)
            res->wan_bytes[r] += res->wan_minute_bytes[r][m];
        mdl_dcc_detailres_add(dres, &g->part, 1 + r);
    }
    for (size_t b = 0; b < dres->n_bins; b++)
        for (int i = 0; i < MDL_DCC_N_STAGES; i++) {
            int c = i == 0 ? x->dsp.c : x->reg[i - 1]->csp.c;
            dres->utilisation[b * MDL_DCC_N_STAGES + (size_t)i] /= (float)((double)c * (double)x->bin_us);
        }
}

/* Per service: the day's percentiles from its histogram, and the arrival
 * minute whose completed requests took longest on average. */
static void latency_summary(mdl_dcc_dayres *res, const mdl_dcc_detailres *dres)
{
    for (int s = 0; s < S_; s++) {
        for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++)
            res->latency_q[s][i] = mdl_dcc_hist_quantile(&dres->hist[s], mdl_dcc_latency_q[i]);
        res->worst_minute[s] = res->worst_minute_s[s] = NAN;
        for (int m = 0; m < MDL_DCC_MINUTES; m++) {
            size_t ms = (size_t)m * S_ + (size_t)s;
            if (!dres->minute_done[ms])
                continue;
            double v = dres->minute_lat_s[ms] / dres->minute_done[ms];
            if (isnan(res->worst_minute_s[s]) || v > res->worst_minute_s[s]) {
                res->worst_minute_s[s] = v;
                res->worst_minute[s] = m;
            }
        }
    }
}

int mdl_dcc_detail_day(mdl_dcc_detail *x, const mdl_dcc_offer *offer, uint64_t entity, mdl_dcc_dayres *res,
                       mdl_dcc_detailres *dres, int n_threads, sim_err *err)
{
    memset(res, 0, sizeof *res);
    mdl_dcc_detailres_clear(dres);
    x->res = res;
    x->dres = dres;
    x->bin_us = dres->bin_minutes * SIM_US_PER_MIN;
    x->inv_bin_us = 1.0 / (double)x->bin_us;
    if (dres->bin_minutes != x->reg[0]->part.bin_minutes)
        return SIM_FAIL(err, SIM_ERUNTIME, "DCC detail day: output bins of %lld minutes, model set up for %lld",
                        (long long)dres->bin_minutes, (long long)x->reg[0]->part.bin_minutes);
    memcpy(x->req_b, offer->req_bytes, sizeof x->req_b);
    memcpy(x->resp_b, offer->resp_bytes, sizeof x->resp_b);
    memcpy(x->fw_b, offer->fw_bytes, sizeof x->fw_b);
    day_reset(x, entity);
    run_steps(x, offer, team_size(x, n_threads));
    if (x->oom)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory in the DCC request-level day");
    count_unresolved(x);
    gather_results(x, res, dres);
    latency_summary(res, dres);
    return SIM_OK;
}

/* ---- per-bin result arrays ------------------------------------------------------------ */
void mdl_dcc_detailres_add(mdl_dcc_detailres *into, const mdl_dcc_detailres *from, int stage_i)
{
    size_t nb = into->n_bins, S = S_, R = R_, G = MDL_DCC_N_STAGES;
    for (size_t i = 0; i < nb * S; i++) {
        into->arrivals[i] += from->arrivals[i];
        into->completions[i] += from->completions[i];
        into->failures[i] += from->failures[i];
        into->sla_breaches[i] += from->sla_breaches[i];
        if (from->lat_max[i] > into->lat_max[i])
            into->lat_max[i] = from->lat_max[i];
    }
    for (size_t i = 0; i < nb * R; i++) {
        into->arrivals_r[i] += from->arrivals_r[i];
        into->completions_r[i] += from->completions_r[i];
        into->failures_r[i] += from->failures_r[i];
    }
    for (size_t b = 0; b < nb; b++)
        into->utilisation[b * G + (size_t)stage_i] += from->utilisation[b * G + (size_t)stage_i];
    for (size_t i = 0; i < nb * S * MDL_DCC_HIST_BINS; i++)
        into->lat[i] += from->lat[i];
    for (size_t s = 0; s < S; s++)
        mdl_dcc_hist_merge(&into->hist[s], &from->hist[s]);
    for (size_t i = 0; i < (size_t)MDL_DCC_MINUTES * S; i++) {
        into->minute_lat_s[i] += from->minute_lat_s[i];
        into->minute_done[i] += from->minute_done[i];
    }
}

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
    x->minute_lat_s = calloc((size_t)MDL_DCC_MINUTES * S, sizeof(double));
    x->minute_done = calloc((size_t)MDL_DCC_MINUTES * S, sizeof(uint32_t));
    if (!x->minute_lat_s || !x->minute_done || !x->arrivals || !x->completions || !x->failures || !x->sla_breaches ||
        !x->arrivals_r || !x->completions_r || !x->failures_r || !x->queue || !x->utilisation || !x->lat ||
        !x->lat_max) {
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
    memset(x->minute_lat_s, 0, (size_t)MDL_DCC_MINUTES * S * sizeof(double));
    memset(x->minute_done, 0, (size_t)MDL_DCC_MINUTES * S * sizeof(uint32_t));
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
    free(x->minute_lat_s);
    free(x->minute_done);
    memset(x, 0, sizeof *x);
}
