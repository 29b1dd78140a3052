/*
 * mdl_rollout.c — the rollout model on the engine: population in shards,
 * supplier plans (contact, pre-site checks, booking into installer
 * diaries), the visit event, what follows a visit, and the daily /rollout
 * metrics.
 *
 * Each shard is a mini-GB: household h lives in shard h % shards, and each
 * shard has, for every (supplier, region), its own work list and its own
 * installers — as many installer-days per day as its customers warrant
 * (installers per 10,000 customers x workforce ramp x phase effort), the
 * fractional part carried from day to day in a fixed order.  Contacts,
 * bookings and diaries are therefore shard-local and the output does not
 * depend on threads.
 *
 * Events: only VISIT (an installer arriving at a job).  Everything that
 * waits — re-contacts, rebooks, revisits, WAN-later sites, SMETS1
 * migrations — sits in the shard's pending list (day lists for the next
 * 64 days, one far list beyond), drained at the start of each day;
 * households in the work list hold nothing at all.  Per day and shard the
 * work is O(jobs + contacts + due items), and no allocation happens per
 * event (diaries, ready lists and the pending pool grow by doubling).
 *
 * Speed (gb-baseline.cfg, 30 M households, rollout alone): the time goes
 * to reaching households in random order (shuffled work lists, due
 * re-contacts), so every loop that walks them prefetches a few ahead and
 * households live in huge pages; the rest is Philox blocks (about one per
 * contact and one per visit step).  The serial part per day (the shards'
 * counter reduction in mdl_rollout_day_end) is ~1 % of the run.
 *
 * Not for: the visit's step logic (mdl_visit.c), household attributes
 * (mdl_household.c), parameters (mdl_rollout_schema.c).
 */
#include "mdl_rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mdl_common.h"
#include "mdl_household.h"
#include "mdl_visit.h"
#include "sim_mpi.h"
#include "sim_rng.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define RING 128        /* diary days kept per (supplier, region); > booking horizon + 1 */
#define LEAD_BINS 128   /* lead-time histogram, one bin per day */
#define OUT_ROWS 64     /* days buffered before an HDF5 append */
#define KIND_VISIT 0

_Static_assert(MDL_ROLLOUT_N_STATES == MDL_N_HH_STATES, "mdl_rollout.h and mdl_household.h disagree on states");
_Static_assert(sizeof(mdl_household) <= 64, "a household must fit 64 bytes");

/* Daily per-(region, supplier) counters (shard-local, reduced in shard order). */
enum counter {
    C_CONTACTS, C_ACCEPTANCES, C_REFUSALS, C_APPOINTMENTS, C_VISITS, C_INSTALLS_ELEC, C_INSTALLS_GAS,
    C_SMART, C_TRADITIONAL, C_REVISITS, C_REMOTE, C_MIGRATIONS, C_CANCELLATIONS, C_POSTPONED,
    C_MIN_WORKED, C_MIN_AVAILABLE, N_COUNTERS
};

typedef struct job {
    uint32_t hh;        /* local household index */
    uint16_t inst;      /* installer within the diary day */
    uint8_t slot;       /* 0 = AM, 1 = PM */
    uint8_t pad_;
} job;

typedef struct diary {
    int64_t day;        /* the day this ring slot holds; -1 = none */
    uint32_t n_inst, cap_inst;
    uint16_t *free_min; /* [2 * n_inst]: AM, PM minutes still free per installer */
    uint16_t max_free[2];
    job *jobs;
    uint32_t n_jobs, cap_jobs;
} diary;

typedef struct fifo {
    uint32_t *a;
    size_t cap, head, n;     /* cap: 0 or a power of two (index by mask, not %) */
} fifo;

/* The pending list: entries (household, what it waits for, its (supplier,
 * region), due day), in chunks of 31 from a per-shard pool.  Entries due
 * in the current block of PEND_NEAR days sit in one list per day; the rest
 * in one `far` list, re-sorted into the day lists each time a new block of
 * days starts (a two-rung ladder queue).  So only ~PEND_NEAR + 1 chunks are
 * being appended to at any time (hot in cache), and partly filled chunks
 * waste at most PEND_NEAR + 1 chunks per shard, whatever the spread of due
 * days (one list per day of the run cost 20 bytes per household at 10^6
 * households).  A far entry is copied once per block it waits through:
 * sequential, and most waits (unanswered calls, rebooks) are near.
 *
 * The pool's invariant (pend_check; every block boundary in debug builds,
 * and mdl_rollout_check in tests):
 *   - every chunk index below n_chunks is in exactly one list: one of the
 *     PEND_NEAR day lists, the far list, or the free list;
 *   - a list's tail is its last chunk, and only a tail may be part full;
 *   - the entries in the lists number n_pend, and each names a household
 *     waiting for exactly that process: households waiting (proc WAIT_*)
 *     = n_pend + those already moved to a ready list + those due beyond
 *     the run (n_beyond).
 * Code that appends (pend_append, via pending_push) may realloc the pool,
 * so nothing may hold a pointer into the pool across a call that can file
 * a household: use chunk indices (see the drain in window_begin).
 *
 * Draining a day reads its entries in order and touches a household only
 * when the work needs it (remote commissioning, migration): a due
 * re-contact or rebook just moves to the (supplier, region)'s ready list.
 * The earlier design linked the households themselves (a `next` field per
 * household): each step of that walk was a dependent cache miss, 22 % of
 * the run at 10^6 households. */
#define PEND_CHUNK 31
#define PEND_NEAR 64
typedef struct pend_entry {
    uint32_t hh;
    uint8_t proc;            /* enum mdl_proc: MDL_PROC_WAIT_* */
    uint8_t sr;              /* supplier * 3 + region */
    uint16_t due;            /* day since the start (a run is < 2^16 days) */
} pend_entry;
typedef struct pend_chunk {
    uint32_t next, n;
    pend_entry e[PEND_CHUNK];
} pend_chunk;
typedef struct pend_list {
    uint32_t head, tail;     /* chunk indices, or NO_HH */
} pend_list;

typedef struct sr_state {
    int supplier, region;
    uint32_t *list;          /* the work list, in the supplier's order */
    size_t list_n, list_pos;
    fifo ready_contact, ready_book;
    diary ring[RING];
    int64_t last_open;       /* last diary day opened */
    uint64_t open[RING / 64];   /* bit d % RING: diary day d has room for the shortest job */
    uint16_t min_job;        /* shortest planned job + travel (minutes, rounded up) */
    double credit;           /* fractional installer-days carried */
    double households;       /* customers of this supplier in this region, in this shard */
    double month_credit;
    int64_t month_left;
    int64_t month_id;
} sr_state;

typedef struct shard_state {
    const mdl_rollout *r;
    size_t index;
    size_t n_hh;
    mdl_household *hh;
    sr_state *sr;            /* [n_sup * 3], index s * 3 + region */
    pend_list near[PEND_NEAR];   /* entries due on day d in [near_lo, near_lo + PEND_NEAR): near[d % PEND_NEAR] */
    pend_list far;               /* entries due later */
    int64_t near_lo;
    pend_chunk *chunks;      /* the pool, grown by doubling (moves: hold indices, never pointers) */
    uint32_t n_chunks, cap_chunks, free_chunk;
    uint64_t n_pend;         /* entries in the near and far lists */
    uint64_t n_beyond;       /* households whose due day is beyond the run (no entry) */
    mdl_dcc_outbox *outbox;
    int64_t *cnt;            /* [3][S][N_COUNTERS], daily */
    int64_t *outc;           /* [3][S][MDL_N_CAUSES], daily */
    uint32_t *lead;          /* [3][S][LEAD_BINS], daily */
    uint32_t lead_used;      /* bins [0, lead_used) may be non-zero today (the rest are 0) */
    int64_t *stage;          /* [3][S][MDL_N_HH_STATES], current */
    int64_t last_day;        /* the day whose daily work has run */
    int oom;
    size_t bytes;            /* heap memory held (for bytes per household) */
} shard_state;

/* Output variables per (day, region, supplier). */
enum outvar {
    O_CONTACTS, O_ACCEPTANCES, O_REFUSALS, O_APPOINTMENTS, O_VISITS, O_INSTALLS_ELEC, O_INSTALLS_GAS,
    O_SMART, O_TRADITIONAL, O_REVISITS, O_REMOTE, O_MIGRATIONS, O_CANCELLATIONS, O_POSTPONED,
    O_UTILISATION, O_BACKLOG, O_LEAD_P50, O_LEAD_P90, N_OUTVARS
};
static const struct {
    const char *name, *units, *long_name;
    int is_float;
    int counter;   /* enum counter, or -1 */
} outvars[N_OUTVARS] = {
    {"contacts", "1", "contact attempts made (seed 1.1/1.6)", 0, C_CONTACTS},
    {"acceptances", "1", "contacts that agreed an appointment", 0, C_ACCEPTANCES},
    {"refusals", "1", "contacts that refused", 0, C_REFUSALS},
    {"appointments", "1", "appointments booked (first bookings, rebooks and revisits)", 0, C_APPOINTMENTS},
    {"visits", "1", "installer visits (first visits and revisits)", 0, C_VISITS},
    {"installs_elec", "1", "electricity meters exchanged for smart meters", 0, C_INSTALLS_ELEC},
    {"installs_gas", "1", "gas meters exchanged for smart meters", 0, C_INSTALLS_GAS},
    {"smart_commissioned", "1", "visits leaving the household smart (SMETS2 on the DCC, or SMETS1 working)", 0, C_SMART},
    {"traditional_mode", "1", "visits leaving smart meters in traditional mode (or a meter not joined)", 0, C_TRADITIONAL},
    {"revisits", "1", "visits to households that already have smart meters", 0, C_REVISITS},
    {"remote_commissions", "1", "hubs commissioned remotely when WAN arrived, without a visit", 0, C_REMOTE},
    {"migrations", "1", "SMETS1 sites migrated onto the DCC", 0, C_MIGRATIONS},
    {"cancellations", "1", "booked jobs cancelled because the installer's day ran out (rebooked next day)", 0, C_CANCELLATIONS},
    {"postponed", "1", "uncovered sites postponed until WAN coverage (policy postpone)", 0, C_POSTPONED},
    {"installer_utilisation", "1", "installer time on site and travelling / installer time available; above 1 when on-site retries overrun the day (overtime); NaN: no installers", 1, -1},
    {"backlog", "1", "households still on old meters", 0, -1},
    {"lead_time_p50", "days", "median lead time of appointments booked that day (NaN: none)", 1, -1},
    {"lead_time_p90", "days", "90th percentile lead time of appointments booked that day (NaN: none)", 1, -1},
};

struct mdl_rollout {
    mdl_scenario sc;
    const mdl_rollout_params *p;
    sim_engine *eng;
    mdl_dcc *dcc;
    sim_h5_file *h5;
    sim_mpi *dist;              /* NULL: one process */
    int test_move_pool;          /* tests: every chunk allocation moves the pending pool */
    size_t n_shards, n_sup;
    size_t own_first, own_count; /* the shards this process holds (all, unless distributed) */
    size_t own_households;
    int64_t n_days, n_tab;      /* simulated days; days tabulated (n_days + RING) */
    shard_state *shards;
    mdl_household *hh_all;       /* every shard's households, one block (huge pages) */
    size_t hh_bytes;
    float *factor;               /* [S][n_tab]: workforce ramp x phase effort */
    uint8_t *workday;            /* [S][n_tab] */
    int32_t dual_band_day, alt_day, smets2_day, cutover_day, migration_day;
    double slot_minutes[MDL_MAX_SUPPLIERS][2];
    /* output */
    sim_h5_series *s_day, *s_var[N_OUTVARS], *s_outcomes, *s_states;
    size_t rows;
    int32_t *b_day;
    void *b_var[N_OUTVARS];      /* [OUT_ROWS][3][S] int32 or float */
    int32_t *b_outcomes;         /* [OUT_ROWS][3][S][causes] */
    int64_t *b_states;           /* [OUT_ROWS][3][states] */
    int64_t *sum_all;            /* one block, reduced across ranks in one call: */
    int64_t *sum_cnt, *sum_outc, *sum_stage, *sum_lead;   /* ... slices of it */
    size_t n_sum;
    mdl_rollout_totals tot;
};

/* ---- small containers (grow by doubling; called outside the event path) -- */
static int fifo_push(fifo *f, uint32_t v)
{
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 64;
        uint32_t *a = malloc(nc * sizeof *a);
        if (!a)
            return -1;
        for (size_t i = 0; i < f->n; i++)
            a[i] = f->a[(f->head + i) & (f->cap - 1)];
        free(f->a);
        f->a = a;
        f->cap = nc;
        f->head = 0;
    }
    f->a[(f->head + f->n) & (f->cap - 1)] = v;
    f->n++;
    return 0;
}
static uint32_t fifo_front(const fifo *f) { return f->a[f->head]; }
static uint32_t fifo_at(const fifo *f, size_t k) { return f->a[(f->head + k) & (f->cap - 1)]; }
static void fifo_pop(fifo *f)
{
    f->head = (f->head + 1) & (f->cap - 1);
    f->n--;
}

#define NO_HH UINT32_MAX
/* Prefetch distance (items) where a loop walks households in random
 * order: far enough to cover a DRAM miss behind the work of one item
 * (a Philox block or two), near enough to stay in L1. */
#define PREFETCH_AHEAD 8

/* Tests (mdl_rollout_test_move_pool): move the pool to a new block, the
 * old one filled with garbage and freed, as a realloc that moves would;
 * a pointer held into the pool across an append then reads garbage (and
 * ASan reports the use after free). */
static int pool_move(shard_state *sh)
{
    size_t bytes = (size_t)sh->cap_chunks * sizeof *sh->chunks;
    pend_chunk *a = malloc(bytes ? bytes : 1);
    if (!a)
        return -1;
    if (bytes) {
        memcpy(a, sh->chunks, bytes);
        memset(sh->chunks, 0xA5, bytes);
    }
    free(sh->chunks);
    sh->chunks = a;
    return 0;
}

static uint32_t chunk_alloc(shard_state *sh)
{
    if (sh->r->test_move_pool && pool_move(sh))
        return NO_HH;
    uint32_t c = sh->free_chunk;
    if (c != NO_HH) {
        sh->free_chunk = sh->chunks[c].next;
        return c;
    }
    if (sh->n_chunks == sh->cap_chunks) {
        uint32_t nc = sh->cap_chunks ? sh->cap_chunks * 2 : 64;
        pend_chunk *a = realloc(sh->chunks, (size_t)nc * sizeof *a);
        if (!a)
            return NO_HH;
        sh->bytes += (size_t)(nc - sh->cap_chunks) * sizeof *a;
        sh->chunks = a;
        sh->cap_chunks = nc;
    }
    return sh->n_chunks++;
}

static void chunk_free(shard_state *sh, uint32_t c)
{
    sh->chunks[c].next = sh->free_chunk;
    sh->chunks[c].n = 0;
    sh->free_chunk = c;
}

static void pend_append(shard_state *sh, pend_list *l, pend_entry e)
{
    uint32_t t = l->tail;
    if (t == NO_HH || sh->chunks[t].n == PEND_CHUNK) {
        uint32_t c = chunk_alloc(sh);
        if (c == NO_HH) {
            sh->oom = 1;
            return;
        }
        sh->chunks[c].next = NO_HH;
        sh->chunks[c].n = 0;
        if (t == NO_HH)
            l->head = c;
        else
            sh->chunks[t].next = c;
        l->tail = t = c;
    }
    pend_chunk *ck = &sh->chunks[t];
    ck->e[ck->n++] = e;
}

static void pend_file(shard_state *sh, pend_entry e)
{
    if (e.due < sh->near_lo + PEND_NEAR)
        pend_append(sh, &sh->near[e.due % PEND_NEAR], e);
    else
        pend_append(sh, &sh->far, e);
}

static void pending_push(shard_state *sh, int64_t due, uint32_t hh, int proc, size_t sr)
{
    if (due <= sh->last_day)
        due = sh->last_day + 1;
    if (due >= sh->r->n_tab) {
        sh->n_beyond++;   /* beyond the run: the household just waits */
        return;
    }
    sh->n_pend++;
    pend_file(sh, (pend_entry){.hh = hh, .proc = (uint8_t)proc, .sr = (uint8_t)sr, .due = (uint16_t)due});
}

static int pend_check(const shard_state *sh, sim_err *err);
#ifdef SIM_DEBUG
#include <stdio.h>
#define PEND_DEBUG_CHECK(sh)                                                       \
    do {                                                                           \
        sim_err e_;                                                                \
        sim_err_clear(&e_);                                                        \
        if (pend_check((sh), &e_)) {                                               \
            fprintf(stderr, "smsim: pending-list invariant: %s\n", e_.msg);        \
            abort();                                                               \
        }                                                                          \
    } while (0)
#else
#define PEND_DEBUG_CHECK(sh) ((void)0)
#endif

/* A new block of days starts on `today`: move the far entries due in it
 * into their day lists, in list order. */
static void pend_new_block(shard_state *sh, int64_t today)
{
    sh->near_lo = today;
    uint32_t ck = sh->far.head;
    sh->far.head = sh->far.tail = NO_HH;
    while (ck != NO_HH) {
        for (uint32_t i = 0; i < sh->chunks[ck].n; i++)   /* (appends may move the pool: index, not pointer) */
            pend_file(sh, sh->chunks[ck].e[i]);
        uint32_t nx = sh->chunks[ck].next;
        chunk_free(sh, ck);
        ck = nx;
    }
    PEND_DEBUG_CHECK(sh);
}

/* ---- indexing ------------------------------------------------------------ */
static inline size_t rs_index(const mdl_rollout *r, int region, int supplier)
{
    return (size_t)region * r->n_sup + (size_t)supplier;
}
static inline int64_t *cnt_of(shard_state *sh, const mdl_household *h)
{
    return sh->cnt + rs_index(sh->r, mdl_hh_region(h), mdl_hh_supplier(h)) * N_COUNTERS;
}
static inline uint64_t hh_id(const shard_state *sh, uint32_t local)
{
    return (uint64_t)local * sh->r->n_shards + sh->index;
}
static inline size_t sr_index(const mdl_household *h)
{
    return (size_t)mdl_hh_supplier(h) * 3 + (size_t)mdl_hh_region(h);
}
static inline sr_state *sr_of(shard_state *sh, const mdl_household *h) { return &sh->sr[sr_index(h)]; }

static void set_stage(shard_state *sh, mdl_household *h, int stage)
{
    if (h->stage == stage)
        return;
    int64_t *st = sh->stage + rs_index(sh->r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_HH_STATES;
    st[h->stage]--;
    st[stage]++;
    h->stage = (uint8_t)stage;
}

static void wait_until(shard_state *sh, mdl_household *h, uint32_t local, int proc, int64_t due)
{
    h->proc = (uint8_t)proc;
    pending_push(sh, due, local, proc, sr_index(h));
}

static void send(shard_state *sh, const mdl_household *h, int msg, sim_time t)
{
    if (sh->outbox)
        mdl_dcc_message(sh->outbox, mdl_hh_region(h), msg, t);
}
static void join_fleet(shard_state *sh, const mdl_household *h, uint32_t local)
{
    if (!sh->outbox)
        return;
    unsigned flags = (mdl_hh_dual(h) && mdl_hh_gas(h) == MDL_DEV_COMMISSIONED ? MDL_DCC_FLAG_GAS : 0u) |
                     (mdl_hh_prepay(h) ? MDL_DCC_FLAG_PREPAY : 0u);
    mdl_dcc_fleet_join(sh->outbox, hh_id(sh, local), mdl_hh_region(h), flags);
}

/* ---- diaries ------------------------------------------------------------- */
static double planned_minutes(const mdl_rollout_supplier *s, const mdl_household *h)
{
    double mins = mdl_hh_elec(h) != MDL_DEV_LEGACY ? s->job_minutes_revisit
                 : mdl_hh_dual(h)                  ? s->job_minutes_dual
                                                   : s->job_minutes_single;
    return mins + s->travel_minutes;
}

static double workforce(const mdl_rollout *r, const sr_state *sr, int64_t day)
{
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
    return s->installers_per_10k[sr->region] * 1e-4 * sr->households * r->factor[(size_t)sr->supplier * (size_t)r->n_tab + (size_t)day];
}

_Static_assert(RING % 64 == 0, "the open-day bitmap covers the ring in whole words");

static void mark_open(sr_state *sr, int64_t day, const diary *dy)
{
    unsigned pos = (unsigned)(day % RING);
    uint64_t bit = UINT64_C(1) << (pos & 63);
    if (dy->max_free[0] >= sr->min_job || dy->max_free[1] >= sr->min_job)
        sr->open[pos >> 6] |= bit;
    else
        sr->open[pos >> 6] &= ~bit;
}

/* The first day in [from, to] (to - from < RING) whose bit is set, or -1.
 * Bits wrap with the ring, so stepping to the next 64-bit boundary of the
 * position is stepping to the next word. */
static int64_t next_open(const sr_state *sr, int64_t from, int64_t to)
{
    for (int64_t d = from; d <= to;) {
        unsigned pos = (unsigned)(d % RING), bit = pos & 63;
        uint64_t w = sr->open[pos >> 6] >> bit;
        if (w) {
            d += __builtin_ctzll(w);
            return d <= to ? d : -1;
        }
        d += 64 - bit;
    }
    return -1;
}

static int diary_open(shard_state *sh, sr_state *sr, int64_t day)
{
    const mdl_rollout *r = sh->r;
    diary *dy = &sr->ring[day % RING];
    uint32_t n = 0;
    if (r->workday[(size_t)sr->supplier * (size_t)r->n_tab + (size_t)day]) {
        sr->credit += workforce(r, sr, day);
        double whole = floor(sr->credit + 1e-9);
        if (whole > 60000)
            whole = 60000;
        sr->credit -= whole;
        n = (uint32_t)whole;
    }
    if (n > dy->cap_inst) {
        uint16_t *a = realloc(dy->free_min, 2 * (size_t)n * sizeof *a);
        if (!a) {
            sh->oom = 1;
            return -1;
        }
        sh->bytes += 2 * (size_t)(n - dy->cap_inst) * sizeof *a;
        dy->free_min = a;
        dy->cap_inst = n;
    }
    const double *sm = r->slot_minutes[sr->supplier];
    for (uint32_t i = 0; i < n; i++) {
        dy->free_min[2 * i] = (uint16_t)sm[0];
        dy->free_min[2 * i + 1] = (uint16_t)sm[1];
    }
    dy->day = day;
    dy->n_inst = n;
    dy->n_jobs = 0;
    dy->max_free[0] = n ? (uint16_t)sm[0] : 0;
    dy->max_free[1] = n ? (uint16_t)sm[1] : 0;
    mark_open(sr, day, dy);
    return 0;
}

/* First fit from day `from` to `to` (inclusive), preferred slot first.
 * Only days with room for the shortest job are looked at (the `open`
 * bitmap): with a backlog the diaries are full for weeks, and a scan of
 * every day of the horizon per booking was 9 % of the run. */
static int diary_find(sr_state *sr, int64_t from, int64_t to, int pref, double minutes, int64_t *day, int *slot,
                      uint32_t *inst)
{
    uint16_t m = (uint16_t)ceil(minutes);
    for (int64_t d = next_open(sr, from, to); d >= 0; d = d < to ? next_open(sr, d + 1, to) : -1) {
        diary *dy = &sr->ring[d % RING];
        if (dy->day != d)
            continue;
        for (int k = 0; k < 2; k++) {
            int sl = k ? 1 - pref : pref;
            if (dy->max_free[sl] < m)
                continue;
            for (uint32_t i = 0; i < dy->n_inst; i++)
                if (dy->free_min[2 * i + (uint32_t)sl] >= m) {
                    *day = d;
                    *slot = sl;
                    *inst = i;
                    return 1;
                }
        }
    }
    return 0;
}

static int diary_commit(shard_state *sh, sr_state *sr, int64_t day, int slot, uint32_t inst, double minutes, uint32_t hh)
{
    diary *dy = &sr->ring[day % RING];
    uint16_t m = (uint16_t)ceil(minutes);
    dy->free_min[2 * inst + (uint32_t)slot] -= m;
    uint16_t mx = 0;
    for (uint32_t i = 0; i < dy->n_inst; i++)
        if (dy->free_min[2 * i + (uint32_t)slot] > mx)
            mx = dy->free_min[2 * i + (uint32_t)slot];
    dy->max_free[slot] = mx;
    mark_open(sr, day, dy);
    if (dy->n_jobs == dy->cap_jobs) {
        uint32_t nc = dy->cap_jobs ? dy->cap_jobs * 2 : 16;
        job *a = realloc(dy->jobs, nc * sizeof *a);
        if (!a) {
            sh->oom = 1;
            return -1;
        }
        sh->bytes += (nc - dy->cap_jobs) * sizeof *a;
        dy->jobs = a;
        dy->cap_jobs = nc;
    }
    dy->jobs[dy->n_jobs++] = (job){.hh = hh, .inst = (uint16_t)inst, .slot = (uint8_t)slot};
    return 0;
}

/* ---- booking ------------------------------------------------------------- */
/* Plan a booking for household `local` (the customer agreed): the
 * appointment stream draws the generation (SMETS2 share ramps between
 * smets2_start and the cut-over), the requested lead time and AM/PM, and
 * the diary is searched first-fit.  Returns 1 with *b filled, 0 if the
 * diaries are full; book() commits it. */
typedef struct booking {
    int64_t day;
    int slot;
    uint32_t inst;
    double minutes;
    int smets2;
} booking;

static int plan_booking(shard_state *sh, sr_state *sr, mdl_household *h, uint32_t local, int64_t today, int asap,
                        booking *b)
{
    const mdl_rollout *r = sh->r;
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
    sim_rng_stream st;
    sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, hh_id(sh, local), MDL_RNG_APPOINTMENT | (uint32_t)h->n_book << 8);
    double u_gen = mdl_draw_u01(&st), u_slot = mdl_draw_u01(&st);
    double lead = (double)s->lead_min_days;
    if (!asap && s->lead_mean_days > 0) {
        if (s->lead_cv > 0) {
            double k = 1.0 / (s->lead_cv * s->lead_cv);
            lead = ceil(mdl_draw_gamma(&st, k, s->lead_mean_days / k));
        } else {
            lead = ceil(s->lead_mean_days);
        }
        if (lead < (double)s->lead_min_days)
            lead = (double)s->lead_min_days;
    }
    int64_t horizon = s->booking_horizon_days < RING - 2 ? s->booking_horizon_days : RING - 2;
    if (lead > (double)horizon)
        lead = (double)horizon;
    if (mdl_hh_elec(h) != MDL_DEV_LEGACY)
        b->smets2 = mdl_hh_smets2(h);
    else if (today >= r->cutover_day)
        b->smets2 = 1;
    else if (today < r->smets2_day)
        b->smets2 = 0;
    else
        b->smets2 = u_gen < (double)(today - r->smets2_day + 1) / (double)(r->cutover_day - r->smets2_day + 1);
    b->minutes = planned_minutes(s, h);
    int pref = u_slot < s->am_share ? 0 : 1;
    return diary_find(sr, today + (int64_t)lead, today + horizon, pref, b->minutes, &b->day, &b->slot, &b->inst);
}

static void lead_add(shard_state *sh, const mdl_household *h, int64_t lead)
{
    if (lead >= LEAD_BINS)
        lead = LEAD_BINS - 1;
    sh->lead[rs_index(sh->r, mdl_hh_region(h), mdl_hh_supplier(h)) * LEAD_BINS + (size_t)lead]++;
    if ((uint32_t)lead >= sh->lead_used)
        sh->lead_used = (uint32_t)lead + 1;
}

static void book(shard_state *sh, sr_state *sr, mdl_household *h, uint32_t local, int64_t today, const booking *b,
                 sim_time t0)
{
    if (diary_commit(sh, sr, b->day, b->slot, b->inst, b->minutes, local) != 0)
        return;
    if (mdl_hh_elec(h) == MDL_DEV_LEGACY)
        mdl_hh_set_smets2(h, b->smets2);
    h->n_book++;
    h->proc = MDL_PROC_BOOKED;
    set_stage(sh, h, mdl_hh_device_state(h, MDL_HH_ENGAGED));
    cnt_of(sh, h)[C_APPOINTMENTS]++;
    lead_add(sh, h, b->day - today);
    /* 1.5: pre-defined data to the DCC before a SMETS2 visit. */
    if (mdl_hh_smets2(h) && mdl_hh_elec(h) == MDL_DEV_LEGACY)
        send(sh, h, MDL_DCC_MSG_PRENOTIFY, t0 + 9 * SIM_US_PER_HOUR);
}

/* Households to be contacted come from the ready list (due re-contacts)
 * and then the work list, both in an order unrelated to memory: fetch the
 * k-th next one early.  (Written as "find the address, then prefetch":
 * gcc 12 at -O3 silently dropped every prefetch of the same logic written
 * with the prefetch inside an early-return helper.) */
static inline const mdl_household *candidate(const shard_state *sh, const sr_state *sr, size_t k)
{
    if (k < sr->ready_contact.n)
        return &sh->hh[fifo_at(&sr->ready_contact, k)];
    k -= sr->ready_contact.n;
    return sr->list_pos + k < sr->list_n ? &sh->hh[sr->list[sr->list_pos + k]] : NULL;
}
static inline void prefetch_candidate(const shard_state *sh, const sr_state *sr, size_t k)
{
    const mdl_household *h = candidate(sh, sr, k);
    if (h)
        __builtin_prefetch(h);
}

/* A supplier's plan for one (supplier, region) on a working day: first
 * rebook agreed jobs, then contact households (re-contacts due first, then
 * the work list) while the diaries, the contact cap and the monthly target
 * allow. */
static void run_plan(shard_state *sh, sr_state *sr, int64_t today, sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
    booking b;

    for (size_t k = 0; k < PREFETCH_AHEAD && k < sr->ready_book.n; k++)
        __builtin_prefetch(&sh->hh[fifo_at(&sr->ready_book, k)]);
    while (sr->ready_book.n) {
        uint32_t local = fifo_front(&sr->ready_book);
        mdl_household *h = &sh->hh[local];
        if (sr->ready_book.n > PREFETCH_AHEAD)
            __builtin_prefetch(&sh->hh[fifo_at(&sr->ready_book, PREFETCH_AHEAD)]);
        if (!plan_booking(sh, sr, h, local, today, 1, &b))
            return;   /* diaries full: tomorrow */
        fifo_pop(&sr->ready_book);
        book(sh, sr, h, local, today, &b, t0);
    }

    double x = workforce(r, sr, today);
    int64_t budget = (int64_t)ceil((double)s->contacts_per_installer_day * x);
    if (s->monthly_target_per_10k > 0) {
        int y, m, dd;
        sim_civil_from_days(r->sc.run.start_day + today, &y, &m, &dd);
        int64_t mid = (int64_t)y * 12 + m;
        if (mid != sr->month_id) {
            sr->month_id = mid;
            sr->month_credit += s->monthly_target_per_10k * 1e-4 * sr->households *
                                r->factor[(size_t)sr->supplier * (size_t)r->n_tab + (size_t)today];
            sr->month_left = (int64_t)floor(sr->month_credit);
            sr->month_credit -= (double)sr->month_left;
        }
    }
    int64_t contacts = 0;
    for (size_t k = 0; k < PREFETCH_AHEAD; k++)
        prefetch_candidate(sh, sr, k);
    while (contacts < budget) {
        if (s->monthly_target_per_10k > 0 && sr->month_left <= 0)
            break;
        prefetch_candidate(sh, sr, PREFETCH_AHEAD);
        uint32_t local;
        int from_ready = sr->ready_contact.n > 0;
        if (from_ready)
            local = fifo_front(&sr->ready_contact);
        else if (sr->list_pos < sr->list_n)
            local = sr->list[sr->list_pos];
        else
            break;
        mdl_household *h = &sh->hh[local];
        if (from_ready)
            fifo_pop(&sr->ready_contact);
        else
            sr->list_pos++;
        int64_t *c = cnt_of(sh, h);

        /* 1.3: the DCC's comms data for the site.  Policy postpone: an
         * uncovered site, in the SMETS2 era, waits for coverage (once, at
         * most postpone_max_days) without a contact. */
        if (today >= r->smets2_day && s->uncovered_policy == MDL_UNCOVERED_POSTPONE &&
            h->wan_day > today + s->lead_min_days && !(h->flags & MDL_HHF_POSTPONED)) {
            h->flags |= MDL_HHF_POSTPONED;
            int64_t due = today + s->postpone_max_days;
            if (h->wan_day < due)
                due = h->wan_day;
            c[C_POSTPONED]++;
            wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, due);
            continue;
        }
        /* 1.1/1.6: contact the customer and agree the appointment. */
        sim_rng_stream st;
        sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, hh_id(sh, local), MDL_RNG_CONTACT | (uint32_t)h->n_contact << 8);
        h->n_contact++;
        double u_answer = mdl_draw_u01(&st), u_accept = mdl_draw_u01(&st);
        contacts++;
        c[C_CONTACTS]++;
        if (u_answer >= s->contact_answer_prob) {
            if (++h->n_noanswer >= s->contact_attempts) {
                h->n_noanswer = 0;
                wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + r->p->visit.return_delay_days);
            } else {
                wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + s->no_answer_retry_days);
            }
            continue;
        }
        h->n_noanswer = 0;
        if (u_accept >= s->acceptance_prob) {
            c[C_REFUSALS]++;
            h->n_refusal++;
            set_stage(sh, h, MDL_HH_DECLINED);
            if (h->n_refusal >= s->max_refusals)
                h->proc = MDL_PROC_DONE;
            else
                wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + s->refusal_recontact_days);
            continue;
        }
        c[C_ACCEPTANCES]++;
        h->n_rebook = 0;
        if (s->monthly_target_per_10k > 0)
            sr->month_left--;
        /* 1.6: agree the appointment.  Contacting first and booking only
         * the customers who accept keeps the lead-time draw off the ~2/3
         * of contacts that do not; if the diaries turn out full, the
         * customer is booked first thing on the next working day. */
        if (!plan_booking(sh, sr, h, local, today, 0, &b)) {
            set_stage(sh, h, MDL_HH_ENGAGED);
            h->proc = MDL_PROC_READY_BOOK;
            if (fifo_push(&sr->ready_book, local))
                sh->oom = 1;
            break;
        }
        book(sh, sr, h, local, today, &b, t0);
    }
}

/* ---- after a visit -------------------------------------------------------- */
static void apply_next(shard_state *sh, mdl_household *h, uint32_t local, const mdl_visit_outcome *o, int64_t today)
{
    const mdl_rollout *r = sh->r;
    const mdl_rollout_visit *v = &r->p->visit;
    const mdl_rollout_supplier *s = &r->p->suppliers[mdl_hh_supplier(h)];
    int legacy_state = MDL_HH_ENGAGED;
    switch (o->next) {
    case MDL_NEXT_DONE:
        h->proc = MDL_PROC_DONE;
        break;
    case MDL_NEXT_REBOOK:
        if (++h->n_rebook > v->max_rebooks) {
            h->n_rebook = 0;
            if (mdl_hh_elec(h) == MDL_DEV_LEGACY) {
                legacy_state = MDL_HH_LEGACY;
                wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + v->return_delay_days);
            } else {
                wait_until(sh, h, local, MDL_PROC_WAIT_BOOK, today + v->return_delay_days);
            }
        } else {
            wait_until(sh, h, local, MDL_PROC_WAIT_BOOK, today + v->rebook_delay_days);
        }
        break;
    case MDL_NEXT_RECONTACT:
        legacy_state = MDL_HH_DECLINED;
        if (++h->n_refusal >= s->max_refusals)
            h->proc = MDL_PROC_DONE;
        else
            wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + s->refusal_recontact_days);
        break;
    case MDL_NEXT_REVISIT:
        if (++h->n_revisit > v->max_revisits) {
            h->proc = MDL_PROC_DONE;   /* left as it is for good */
        } else {
            int64_t due = today + v->revisit_delay_days;
            if (h->fix & MDL_FIX_HAN) {
                int64_t kit = mdl_visit_kit_day(r->p, r->sc.run.start_day, h, (int32_t)today);
                if (kit > due)
                    due = kit;
            }
            wait_until(sh, h, local, MDL_PROC_WAIT_BOOK, due);
        }
        break;
    case MDL_NEXT_REMOTE:
        if (o->remote_day == MDL_DAY_NEVER)
            h->proc = MDL_PROC_DONE;
        else
            wait_until(sh, h, local, MDL_PROC_WAIT_REMOTE, o->remote_day > today ? o->remote_day : today + 1);
        break;
    case MDL_NEXT_MIGRATE: {
        const mdl_rollout_timetable *tt = &r->p->timetable;
        sim_rng_stream st;
        sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, hh_id(sh, local), MDL_RNG_AFTER | 1u << 8);
        double u_el = mdl_draw_u01(&st), u_t = mdl_draw_u01(&st);
        if (u_el >= tt->migration_eligible_share || tt->migration_rate_per_month <= 0) {
            h->proc = MDL_PROC_DONE;
        } else {
            int64_t from = r->migration_day > today ? r->migration_day : today + 1;
            double wait = -log(u_t) * 30.436875 / tt->migration_rate_per_month;
            wait_until(sh, h, local, MDL_PROC_WAIT_MIGRATE, from + (int64_t)floor(wait));
        }
        break;
    }
    }
    set_stage(sh, h, mdl_hh_device_state(h, legacy_state));
}

static void dcc_after(shard_state *sh, const mdl_household *h, uint32_t local, const mdl_visit_outcome *o, sim_time t)
{
    if (!mdl_hh_smets2(h))
        return;
    if (o->hub_installed || o->hub_on_dcc)
        send(sh, h, MDL_DCC_MSG_HUB_STATUS, t);   /* 8.14.1 installed / 8.14.2 installed, no WAN */
    if (o->hub_on_dcc) {
        send(sh, h, MDL_DCC_MSG_COMMISSION, t);
        join_fleet(sh, h, local);
    }
    if (o->configured)
        send(sh, h, MDL_DCC_MSG_CONFIGURE, t);
}

static void env_of(const shard_state *sh, uint32_t local, int64_t today, mdl_visit_env *env)
{
    const mdl_rollout *r = sh->r;
    *env = (mdl_visit_env){.p = r->p, .seed = (uint64_t)r->sc.run.seed, .id = hh_id(sh, local), .day = (int32_t)today,
                           .dual_band_ok = today >= r->dual_band_day, .alternative_ok = today >= r->alt_day};
}

/* A WAN-later (or reconnecting) hub: the DCC commissions it on the day. */
static void remote_commission(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, sim_time t0)
{
    mdl_visit_env env;
    mdl_visit_outcome o;
    env_of(sh, local, today, &env);
    mdl_visit_remote(&env, h, &o);
    if (o.hub_on_dcc || mdl_hh_hub(h) == MDL_DEV_NOT_JOINED)
        cnt_of(sh, h)[C_REMOTE]++;
    dcc_after(sh, h, local, &o, t0 + 10 * SIM_US_PER_HOUR);
    apply_next(sh, h, local, &o, today);
}

static void migrate(shard_state *sh, mdl_household *h, uint32_t local, sim_time t0)
{
    mdl_hh_set_hub(h, MDL_DEV_COMMISSIONED);
    cnt_of(sh, h)[C_MIGRATIONS]++;
    send(sh, h, MDL_DCC_MSG_COMMISSION, t0 + 2 * SIM_US_PER_HOUR);
    join_fleet(sh, h, local);
    h->proc = MDL_PROC_DONE;
    set_stage(sh, h, mdl_hh_device_state(h, MDL_HH_ENGAGED));
}

/* ---- the visit event -------------------------------------------------------- */
static sim_time slot_start(const mdl_rollout *r, int supplier, int slot)
{
    const mdl_rollout_supplier *s = &r->p->suppliers[supplier];
    return sim_time_from_hours(slot ? s->midday_hour : s->day_start_hour);
}

static void on_visit(sim_shard *shard, void *state, const sim_event *ev)
{
    shard_state *sh = state;
    const mdl_rollout *r = sh->r;
    sr_state *sr = &sh->sr[ev->data >> 32];
    uint32_t idx = (uint32_t)ev->data;
    int64_t today = sim_time_day(ev->time);
    sim_time t0 = sim_time_from_days(today);
    diary *dy = &sr->ring[today % RING];
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
    uint32_t local = dy->jobs[idx].hh;
    mdl_household *h = &sh->hh[local];

    mdl_visit_env env;
    mdl_visit_outcome o;
    env_of(sh, local, today, &env);
    mdl_visit_run(&env, h, &o);

    int64_t *c = cnt_of(sh, h);
    c[C_VISITS]++;
    c[C_REVISITS] += o.revisit;
    c[C_INSTALLS_ELEC] += o.elec_installed;
    c[C_INSTALLS_GAS] += o.gas_installed;
    c[C_MIN_WORKED] += (int64_t)llround(o.minutes + s->travel_minutes);
    if (o.cause != MDL_CAUSE_NONE)
        sh->outc[rs_index(r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_CAUSES + (size_t)o.cause]++;
    sim_time done = ev->time + sim_time_from_minutes(o.minutes);
    dcc_after(sh, h, local, &o, done);
    apply_next(sh, h, local, &o, today);
    if (mdl_hh_elec(h) != MDL_DEV_LEGACY && (o.elec_installed || o.revisit)) {
        if (h->stage == MDL_HH_SMART || h->stage == MDL_HH_SMETS1)
            c[C_SMART]++;
        else
            c[C_TRADITIONAL]++;
    }

    /* The installer's next job: travel, not before its slot; if it cannot
     * finish within the day plus overtime, the rest of the day is
     * cancelled and rebooked from tomorrow. */
    uint32_t nx = idx + 1;
    if (nx >= dy->n_jobs || dy->jobs[nx].inst != dy->jobs[idx].inst)
        return;
    sim_time arrive = done + sim_time_from_minutes(s->travel_minutes);
    sim_time earliest = t0 + slot_start(r, sr->supplier, dy->jobs[nx].slot) + sim_time_from_minutes(s->travel_minutes);
    if (arrive < earliest)
        arrive = earliest;
    sim_time limit = t0 + sim_time_from_hours(s->day_end_hour) + sim_time_from_minutes(s->overtime_minutes);
    mdl_household *hn = &sh->hh[dy->jobs[nx].hh];
    if (arrive + sim_time_from_minutes(planned_minutes(s, hn) - s->travel_minutes) > limit) {
        for (; nx < dy->n_jobs && dy->jobs[nx].inst == dy->jobs[idx].inst; nx++) {
            uint32_t l = dy->jobs[nx].hh;
            cnt_of(sh, &sh->hh[l])[C_CANCELLATIONS]++;
            wait_until(sh, &sh->hh[l], l, MDL_PROC_WAIT_BOOK, today + 1);
        }
        return;
    }
    sim_shard_schedule(shard, arrive, hh_id(sh, dy->jobs[nx].hh), KIND_VISIT, 0, ((uint64_t)(sr - sh->sr) << 32) | nx);
}

static int job_cmp(const void *a, const void *b)
{
    const job *x = a, *y = b;
    if (x->inst != y->inst)
        return x->inst < y->inst ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return 0;
}

/* Sort the day's jobs by (installer, slot, booking order) and send each
 * installer to their first job.  The booking order is kept by a stable
 * insertion sort (diary days are small; qsort is not stable). */
static void start_day(shard_state *sh, sr_state *sr, sim_shard *shard, int64_t today, sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
    diary *dy = &sr->ring[today % RING];
    if (dy->day != today || dy->n_inst == 0)
        return;
    for (uint32_t i = 1; i < dy->n_jobs; i++) {
        job v = dy->jobs[i];
        uint32_t k = i;
        while (k > 0 && job_cmp(&dy->jobs[k - 1], &v) > 0) {
            dy->jobs[k] = dy->jobs[k - 1];
            k--;
        }
        dy->jobs[k] = v;
    }
    /* The visits run later in this window, in time order: bring their
     * households in now, while the misses can overlap. */
    for (uint32_t i = 0; i < dy->n_jobs; i++)
        __builtin_prefetch(&sh->hh[dy->jobs[i].hh]);
    int64_t *c = sh->cnt + rs_index(r, sr->region, sr->supplier) * N_COUNTERS;
    c[C_MIN_AVAILABLE] += (int64_t)llround((double)dy->n_inst * (s->day_end_hour - s->day_start_hour) * 60.0);
    for (uint32_t i = 0; i < dy->n_jobs; i++) {
        if (i > 0 && dy->jobs[i - 1].inst == dy->jobs[i].inst)
            continue;
        sim_time t = t0 + slot_start(r, sr->supplier, dy->jobs[i].slot) + sim_time_from_minutes(s->travel_minutes);
        sim_shard_schedule(shard, t, hh_id(sh, dy->jobs[i].hh), KIND_VISIT, 0, ((uint64_t)(sr - sh->sr) << 32) | i);
    }
}

/* ---- the daily hook --------------------------------------------------------- */
static int window_begin(sim_shard *shard, void *state, sim_time t0, sim_time t1, sim_err *err)
{
    (void)t1;
    shard_state *sh = state;
    const mdl_rollout *r = sh->r;
    int64_t today = sim_time_day(t0);
    if (today == sh->last_day)
        return 0;   /* shorter windows (DCC detail days): the daily work runs once */
    sh->last_day = today;
    sim_time day0 = sim_time_from_days(today);
    size_t n_sr = r->n_sup * 3;

    /* A new day: clear yesterday's counters (mdl_rollout_day_end has read
     * them).  Here rather than in day_end, so the clearing runs in
     * parallel; only the lead-time bins in use are touched. */
    memset(sh->cnt, 0, n_sr * N_COUNTERS * sizeof *sh->cnt);
    memset(sh->outc, 0, n_sr * MDL_N_CAUSES * sizeof *sh->outc);
    if (sh->lead_used) {
        for (size_t k = 0; k < n_sr; k++)
            memset(sh->lead + k * LEAD_BINS, 0, sh->lead_used * sizeof *sh->lead);
        sh->lead_used = 0;
    }

    /* Due waiting households, in the order they were put on the list. */
    if (today >= sh->near_lo + PEND_NEAR)
        pend_new_block(sh, today);
    pend_list *due = &sh->near[today % PEND_NEAR];
    uint32_t ck = due->head;
    due->head = due->tail = NO_HH;
    while (ck != NO_HH) {
        /* Entries are copied out before they are acted on: a remote
         * commissioning can file the household again (pending_push), and
         * that append may grow the pool with realloc, which moves every
         * chunk.  Holding a pointer into the pool across that call was the
         * cause of the lost-chunk hang (the chunk was returned to the free
         * list through the old, freed copy of the pool, so the new pool's
         * free list ran on into the chunks still being drained). */
        uint32_t n = sh->chunks[ck].n;
        pend_entry buf[PEND_CHUNK];
        memcpy(buf, sh->chunks[ck].e, n * sizeof buf[0]);
        uint32_t nx = sh->chunks[ck].next;
        sh->n_pend -= n;
        for (uint32_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
            if (buf[i].proc >= MDL_PROC_WAIT_REMOTE)
                __builtin_prefetch(&sh->hh[buf[i].hh]);
        for (uint32_t i = 0; i < n; i++) {
            const pend_entry *e = &buf[i];
            if (i + PREFETCH_AHEAD < n && e[PREFETCH_AHEAD].proc >= MDL_PROC_WAIT_REMOTE)
                __builtin_prefetch(&sh->hh[e[PREFETCH_AHEAD].hh]);
            switch (e->proc) {
            case MDL_PROC_WAIT_CONTACT:   /* the household is not touched until contacted */
                if (fifo_push(&sh->sr[e->sr].ready_contact, e->hh))
                    sh->oom = 1;
                break;
            case MDL_PROC_WAIT_BOOK:
                if (fifo_push(&sh->sr[e->sr].ready_book, e->hh))
                    sh->oom = 1;
                break;
            case MDL_PROC_WAIT_REMOTE:
                remote_commission(sh, &sh->hh[e->hh], e->hh, today, day0);
                break;
            case MDL_PROC_WAIT_MIGRATE:
                migrate(sh, &sh->hh[e->hh], e->hh, day0);
                break;
            default:
                break;
            }
        }
        chunk_free(sh, ck);   /* (by index, after the appends above) */
        ck = nx;
    }
    /* Each (supplier, region) contacts a handful of households a day: start
     * fetching every plan's first ones now, so their misses overlap with
     * each other and with the plans that run before. */
    for (size_t i = 0; i < n_sr; i++) {
        const sr_state *sr = &sh->sr[i];
        if (sr->ready_book.n)
            __builtin_prefetch(&sh->hh[fifo_front(&sr->ready_book)]);
        for (size_t k = 0; k < 4; k++)
            prefetch_candidate(sh, sr, k);
    }
    for (size_t i = 0; i < n_sr; i++) {
        sr_state *sr = &sh->sr[i];
        const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
        int64_t horizon = s->booking_horizon_days < RING - 2 ? s->booking_horizon_days : RING - 2;
        int64_t last = today + horizon;
        if (last >= r->n_tab)
            last = r->n_tab - 1;
        while (sr->last_open < last)
            if (diary_open(sh, sr, ++sr->last_open) != 0)
                break;
        if (r->workday[(size_t)sr->supplier * (size_t)r->n_tab + (size_t)today])
            run_plan(sh, sr, today, day0);
        start_day(sh, sr, shard, today, day0);
    }
    if (sh->oom)
        return SIM_FAIL(err, SIM_ERUNTIME, "rollout: shard %zu: out of memory", sh->index);
    return 0;
}

static const sim_handler_fn handlers[] = {on_visit};
static const char *const kind_names[] = {"visit"};
static const sim_model rollout_model = {
    .name = "rollout", .n_kinds = 1, .handlers = handlers, .kind_names = kind_names,
    .window_begin = window_begin, .window_end = NULL};

const sim_model *mdl_rollout_model(void) { return &rollout_model; }

/* ---- population ------------------------------------------------------------ */
static void shard_free(shard_state *sh, size_t n_sr)
{
    if (!sh)
        return;
    if (sh->sr) {
        for (size_t i = 0; i < n_sr; i++) {
            sr_state *sr = &sh->sr[i];
            free(sr->list);
            free(sr->ready_contact.a);
            free(sr->ready_book.a);
            for (int k = 0; k < RING; k++) {
                free(sr->ring[k].free_min);
                free(sr->ring[k].jobs);
            }
        }
        free(sh->sr);
    }
    free(sh->chunks);
    free(sh->cnt);
    free(sh->outc);
    free(sh->lead);
    free(sh->stage);
}

static int shard_init(mdl_rollout *r, shard_state *sh, size_t index)
{
    const mdl_rollout_params *p = r->p;
    size_t n_sr = r->n_sup * 3, n_rs = r->n_sup * 3;
    uint64_t N = (uint64_t)r->sc.run.households;
    sh->r = r;
    sh->index = index;
    sh->last_day = -1;
    sh->n_hh = (size_t)((N + r->n_shards - 1 - index) / r->n_shards);
    /* Shards before this one hold ceil((N - i) / S) households each; this
     * process holds only its own shards' households, from own_first on. */
    size_t first = 0;
    for (size_t i = r->own_first; i < index; i++)
        first += (size_t)((N + r->n_shards - 1 - i) / r->n_shards);
    sh->hh = r->hh_all + first;
    sh->sr = calloc(n_sr, sizeof *sh->sr);
    sh->cnt = calloc(n_rs * N_COUNTERS, sizeof *sh->cnt);
    sh->outc = calloc(n_rs * MDL_N_CAUSES, sizeof *sh->outc);
    sh->lead = calloc(n_rs * LEAD_BINS, sizeof *sh->lead);
    sh->stage = calloc(n_rs * MDL_N_HH_STATES, sizeof *sh->stage);
    sh->free_chunk = NO_HH;
    sh->near_lo = 0;
    for (int d = 0; d < PEND_NEAR; d++)
        sh->near[d].head = sh->near[d].tail = NO_HH;
    sh->far.head = sh->far.tail = NO_HH;
    if (!sh->hh || !sh->sr || !sh->cnt || !sh->outc || !sh->lead || !sh->stage)
        return -1;
    /* households, their work-list entries, the (supplier, region) states */
    sh->bytes = sh->n_hh * (sizeof *sh->hh + sizeof(uint32_t)) + n_sr * sizeof *sh->sr;
    size_t *count = calloc(n_sr, sizeof *count);
    if (!count)
        return -1;
    for (size_t i = 0; i < sh->n_hh; i++) {
        mdl_household *h = &sh->hh[i];
        mdl_household_generate(p, r->sc.run.start_day, (uint64_t)r->sc.run.seed, hh_id(sh, (uint32_t)i), h);
        count[(size_t)mdl_hh_supplier(h) * 3 + (size_t)mdl_hh_region(h)]++;
        sh->stage[rs_index(r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_HH_STATES + MDL_HH_LEGACY]++;
    }
    int rc = 0;
    for (size_t k = 0; k < n_sr; k++) {
        sr_state *sr = &sh->sr[k];
        sr->supplier = (int)(k / 3);
        sr->region = (int)(k % 3);
        sr->households = (double)count[k];
        sr->last_open = -1;
        sr->month_id = -1;
        const mdl_rollout_supplier *sp = &p->suppliers[sr->supplier];
        sr->min_job = (uint16_t)ceil(fmin(fmin(sp->job_minutes_single, sp->job_minutes_dual), sp->job_minutes_revisit) +
                                     sp->travel_minutes);
        for (int d = 0; d < RING; d++)
            sr->ring[d].day = -1;
        sr->list = malloc((count[k] ? count[k] : 1) * sizeof *sr->list);
        if (!sr->list)
            rc = -1;
    }
    if (rc == 0) {
        for (size_t i = 0; i < sh->n_hh; i++) {
            sr_state *sr = sr_of(sh, &sh->hh[i]);
            sr->list[sr->list_n++] = (uint32_t)i;
        }
        for (size_t k = 0; k < n_sr; k++) {
            sr_state *sr = &sh->sr[k];
            const mdl_rollout_supplier *s = &p->suppliers[sr->supplier];
            if (s->order == MDL_ORDER_RANDOM) {
                sim_rng_stream st;
                sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, UINT64_C(1) << 63 | (uint64_t)index << 16 | k,
                                    MDL_RNG_WORKLIST);
                for (size_t i = sr->list_n; i > 1; i--) {
                    size_t j = (size_t)sim_rng_below(&st, i);
                    uint32_t t = sr->list[i - 1];
                    sr->list[i - 1] = sr->list[j];
                    sr->list[j] = t;
                }
            } else if (s->order == MDL_ORDER_BY_DWELLING) {
                /* stable: houses, then low-rise, then high-rise flats */
                uint32_t *tmp = malloc((sr->list_n ? sr->list_n : 1) * sizeof *tmp);
                if (!tmp) {
                    rc = -1;
                    break;
                }
                size_t o = 0;
                for (int d = 0; d < MDL_N_DWELLINGS; d++)
                    for (size_t i = 0; i < sr->list_n; i++)
                        if (mdl_hh_dwelling(&sh->hh[sr->list[i]]) == d)
                            tmp[o++] = sr->list[i];
                memcpy(sr->list, tmp, sr->list_n * sizeof *tmp);
                free(tmp);
            }
            /* by_region: property-reference (id) order, as generated */
        }
    }
    free(count);
    return rc;
}

/* ---- output ---------------------------------------------------------------- */
static int create_output(mdl_rollout *r, sim_err *err)
{
    sim_h5_file *f = r->h5;
    const char *g = "/rollout";
    char units[64], date[16];
    sim_format_date(r->sc.run.start_day, date);
    snprintf(units, sizeof units, "days since %s", date);
    const char *sup_names[MDL_MAX_SUPPLIERS];
    for (size_t i = 0; i < r->n_sup; i++)
        sup_names[i] = r->p->suppliers[i].name;
    if (sim_h5_group(f, g, err) ||
        sim_h5_attr_str(f, g, "description",
                        "Daily rollout series: contact, booking, visits, installs, outcomes by cause, households by state", err) ||
        sim_h5_dim_labels(f, g, "region", 3, mdl_region_names, "DCC region", err) ||
        sim_h5_dim_labels(f, g, "supplier", r->n_sup, sup_names, "energy supplier", err) ||
        sim_h5_dim_labels(f, g, "cause", MDL_N_CAUSES, mdl_cause_names, "visit outcome cause", err) ||
        sim_h5_dim_labels(f, g, "state", MDL_N_HH_STATES, mdl_hh_state_names, "household state", err))
        return err->code ? err->code : SIM_ERUNTIME;
    r->s_day = sim_h5_dim_unlimited(f, g, "day", SIM_H5_I32, units, "simulated day", err);
    if (!r->s_day)
        return err->code ? err->code : SIM_ERUNTIME;
    static const char *const d_rs[] = {"day", "region", "supplier"};
    static const char *const d_rsc[] = {"day", "region", "supplier", "cause"};
    static const char *const d_rst[] = {"day", "region", "state"};
    for (int v = 0; v < N_OUTVARS; v++) {
        r->s_var[v] = sim_h5_series_create(f, g, outvars[v].name, outvars[v].is_float ? SIM_H5_F32 : SIM_H5_I32, 3, d_rs,
                                           OUT_ROWS, outvars[v].units, outvars[v].long_name, err);
        if (!r->s_var[v])
            return err->code ? err->code : SIM_ERUNTIME;
    }
    r->s_outcomes = sim_h5_series_create(f, g, "outcomes", SIM_H5_I32, 4, d_rsc, OUT_ROWS, "1",
                                         "visits that failed or left work undone, by first cause", err);
    r->s_states = sim_h5_series_create(f, g, "households_by_state", SIM_H5_I64, 3, d_rst, OUT_ROWS, "1",
                                       "households in each state at the end of the day (sums to the population)", err);
    if (!r->s_outcomes || !r->s_states)
        return err->code ? err->code : SIM_ERUNTIME;
    return 0;
}

static int flush_rows(mdl_rollout *r, sim_err *err)
{
    if (!r->h5 || r->rows == 0) {
        r->rows = 0;
        return 0;
    }
    if (sim_h5_series_append(r->s_day, r->rows, r->b_day, err))
        return err->code ? err->code : SIM_ERUNTIME;
    for (int v = 0; v < N_OUTVARS; v++)
        if (sim_h5_series_append(r->s_var[v], r->rows, r->b_var[v], err))
            return err->code ? err->code : SIM_ERUNTIME;
    if (sim_h5_series_append(r->s_outcomes, r->rows, r->b_outcomes, err) ||
        sim_h5_series_append(r->s_states, r->rows, r->b_states, err))
        return err->code ? err->code : SIM_ERUNTIME;
    r->rows = 0;
    return 0;
}

/* ---- alloc / free ------------------------------------------------------------ */
static double ramp_at(const mdl_rollout_supplier *s, int64_t date)
{
    if (date <= s->ramp_dates[0])
        return s->ramp_levels[0];
    for (size_t i = 1; i < s->n_ramp_dates; i++)
        if (date <= s->ramp_dates[i]) {
            double a = (double)(date - s->ramp_dates[i - 1]) / (double)(s->ramp_dates[i] - s->ramp_dates[i - 1]);
            return s->ramp_levels[i - 1] + a * (s->ramp_levels[i] - s->ramp_levels[i - 1]);
        }
    return s->ramp_levels[s->n_ramp_dates - 1];
}

static double effort_at(const mdl_rollout_timetable *t, int64_t date)
{
    double e = 0;
    for (size_t i = 0; i < t->n_phases; i++)
        if (date >= t->phases[i].start)
            e = t->phases[i].effort;
    return e;
}

static int32_t rel_day(const mdl_rollout *r, int64_t date)
{
    int64_t d = date - r->sc.run.start_day;
    return d < INT32_MIN / 2 ? INT32_MIN / 2 : d > INT32_MAX / 2 ? INT32_MAX / 2 : (int32_t)d;
}

/* All households in one mapping with transparent huge pages asked for:
 * the process visits households in random order, and with 4 KiB pages
 * nearly every such visit also missed the TLB (0.5 GB at GB scale is far
 * beyond its reach); 2 MiB pages make that a TLB hit.  Where the kernel
 * has no huge pages to give the advice is ignored (same results, slower). */
static mdl_household *alloc_households(size_t n, size_t *bytes)
{
    size_t huge = (size_t)2 << 20;
    size_t len = ((n ? n : 1) * sizeof(mdl_household) + huge - 1) / huge * huge;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE);
#endif
    *bytes = len;
    return p;
}

mdl_rollout *mdl_rollout_alloc(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc, sim_h5_file *h5, int n_threads,
                               sim_err *err)
{
    const mdl_rollout_params *p = &sc->rollout;
    if (p->n_suppliers < 1 || p->n_suppliers > MDL_MAX_SUPPLIERS) {
        SIM_FAIL(err, SIM_EINPUT, "rollout.suppliers: %zu suppliers; allowed 1 to %d", p->n_suppliers, MDL_MAX_SUPPLIERS);
        return NULL;
    }
    if (sc->run.households < 1 || sc->run.households / (sc->run.shards > 0 ? sc->run.shards : 1) >= (int64_t)UINT32_MAX) {
        SIM_FAIL(err, SIM_EINPUT, "run.households: %lld; allowed 1 to %llu per shard", (long long)sc->run.households,
                 (unsigned long long)UINT32_MAX - 1);
        return NULL;
    }
    for (size_t i = 0; i < p->n_suppliers; i++) {
        const mdl_rollout_supplier *s = &p->suppliers[i];
        double am = (s->midday_hour - s->day_start_hour) * 60, pm = (s->day_end_hour - s->midday_hour) * 60;
        double longest = fmax(fmax(s->job_minutes_single, s->job_minutes_dual), s->job_minutes_revisit) + s->travel_minutes;
        if (longest > am || longest > pm) {
            SIM_FAIL(err, SIM_EINPUT,
                     "rollout.suppliers.[%zu] (%s): the longest job plus travel (%.0f minutes) does not fit the AM slot "
                     "(%.0f) or PM slot (%.0f); lengthen the working day or shorten job_minutes_*",
                     i, s->name, longest, am, pm);
            return NULL;
        }
        if (am > 65000 || pm > 65000) {
            SIM_FAIL(err, SIM_EINPUT, "rollout.suppliers.[%zu]: slot too long", i);
            return NULL;
        }
    }
    size_t n_shards = sim_engine_n_shards(eng), own_first, own_count;
    sim_engine_owned(eng, &own_first, &own_count);
    mdl_rollout *r = calloc(1, sizeof *r);
    if (!r) {
        SIM_FAIL(err, SIM_ERUNTIME, "rollout: out of memory");
        return NULL;
    }
    r->sc = *sc;
    r->p = &r->sc.rollout;
    r->eng = eng;
    r->dcc = dcc;
    r->h5 = h5;
    r->n_shards = n_shards;
    r->own_first = own_first;
    r->own_count = own_count;
    for (size_t i = own_first; i < own_first + own_count; i++)
        r->own_households += (size_t)(((uint64_t)sc->run.households + n_shards - 1 - i) / n_shards);
    r->n_sup = p->n_suppliers;
    r->n_days = mdl_scenario_days(sc);
    r->n_tab = r->n_days + RING;
    r->dual_band_day = rel_day(r, p->timetable.dual_band_from);
    r->alt_day = rel_day(r, p->timetable.alternative_han_from);
    r->smets2_day = rel_day(r, p->timetable.smets2_start);
    r->cutover_day = rel_day(r, p->timetable.smets1_cutover);
    r->migration_day = rel_day(r, p->timetable.migration_start);
    for (size_t i = 0; i < r->n_sup; i++) {
        r->slot_minutes[i][0] = (p->suppliers[i].midday_hour - p->suppliers[i].day_start_hour) * 60;
        r->slot_minutes[i][1] = (p->suppliers[i].day_end_hour - p->suppliers[i].midday_hour) * 60;
    }
    size_t n_rs = r->n_sup * 3;
    r->factor = malloc(r->n_sup * (size_t)r->n_tab * sizeof *r->factor);
    r->workday = malloc(r->n_sup * (size_t)r->n_tab);
    r->shards = calloc(n_shards, sizeof *r->shards);
    r->hh_all = alloc_households(r->own_households, &r->hh_bytes);
    r->b_day = malloc(OUT_ROWS * sizeof *r->b_day);
    r->b_outcomes = malloc(OUT_ROWS * n_rs * MDL_N_CAUSES * sizeof *r->b_outcomes);
    r->b_states = malloc(OUT_ROWS * 3 * MDL_N_HH_STATES * sizeof *r->b_states);
    r->n_sum = n_rs * (N_COUNTERS + MDL_N_CAUSES + MDL_N_HH_STATES + LEAD_BINS);
    r->sum_all = malloc(r->n_sum * sizeof *r->sum_all);
    if (r->sum_all) {
        r->sum_cnt = r->sum_all;
        r->sum_outc = r->sum_cnt + n_rs * N_COUNTERS;
        r->sum_stage = r->sum_outc + n_rs * MDL_N_CAUSES;
        r->sum_lead = r->sum_stage + n_rs * MDL_N_HH_STATES;
    }
    int bad = !r->factor || !r->workday || !r->shards || !r->hh_all || !r->b_day || !r->b_outcomes || !r->b_states ||
              !r->sum_all;
    for (int v = 0; v < N_OUTVARS && !bad; v++)
        if (!(r->b_var[v] = malloc(OUT_ROWS * n_rs * 4)))
            bad = 1;
    if (bad) {
        mdl_rollout_free(r);
        SIM_FAIL(err, SIM_ERUNTIME, "rollout: out of memory");
        return NULL;
    }
    for (size_t s = 0; s < r->n_sup; s++)
        for (int64_t d = 0; d < r->n_tab; d++) {
            int64_t date = sc->run.start_day + d;
            r->factor[s * (size_t)r->n_tab + (size_t)d] =
                (float)(ramp_at(&p->suppliers[s], date) * effort_at(&p->timetable, date));
            r->workday[s * (size_t)r->n_tab + (size_t)d] = sim_weekday(date) < p->suppliers[s].working_weekdays;
        }

    int failed = 0;
    long ns = (long)own_count;
#ifdef _OPENMP
    if (n_threads <= 0)
        n_threads = omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads) reduction(| : failed)
#endif
    for (long i = 0; i < ns; i++) {
        size_t k = own_first + (size_t)i;
        if (shard_init(r, &r->shards[k], k) != 0)
            failed |= 1;
    }
    (void)n_threads;
    if (failed) {
        mdl_rollout_free(r);
        SIM_FAIL(err, SIM_ERUNTIME, "rollout: out of memory generating %lld households", (long long)sc->run.households);
        return NULL;
    }
    for (size_t i = own_first; i < own_first + own_count; i++) {
        r->shards[i].outbox = dcc ? mdl_dcc_outbox_of(dcc, i) : NULL;
        sim_engine_set_state(eng, i, &r->shards[i]);
    }
    r->tot.households = (uint64_t)sc->run.households;
    if (h5 && create_output(r, err) != 0) {
        mdl_rollout_free(r);
        return NULL;
    }
    return r;
}

void mdl_rollout_set_dist(mdl_rollout *r, sim_mpi *dist) { r->dist = dist; }
void mdl_rollout_test_move_pool(mdl_rollout *r, int on) { r->test_move_pool = on; }

void mdl_rollout_free(mdl_rollout *r)
{
    if (!r)
        return;
    if (r->shards)
        for (size_t i = 0; i < r->n_shards; i++)
            shard_free(&r->shards[i], r->n_sup * 3);
    free(r->shards);
    if (r->hh_all)
        munmap(r->hh_all, r->hh_bytes);
    free(r->factor);
    free(r->workday);
    free(r->b_day);
    for (int v = 0; v < N_OUTVARS; v++)
        free(r->b_var[v]);
    free(r->b_outcomes);
    free(r->b_states);
    free(r->sum_all);
    free(r);
}

/* ---- the day's reduction ------------------------------------------------------ */
static float lead_pct(const int64_t *hist, double q)
{
    int64_t n = 0;
    for (int b = 0; b < LEAD_BINS; b++)
        n += hist[b];
    if (!n)
        return NAN;
    double want = q * (double)n, c = 0;
    for (int b = 0; b < LEAD_BINS; b++) {
        c += (double)hist[b];
        if (c >= want)
            return (float)b;
    }
    return (float)(LEAD_BINS - 1);
}

int mdl_rollout_day_end(mdl_rollout *r, int64_t day, sim_err *err)
{
    size_t n_rs = r->n_sup * 3;
    memset(r->sum_all, 0, r->n_sum * sizeof *r->sum_all);
    for (size_t i = r->own_first; i < r->own_first + r->own_count; i++) {   /* fixed shard order */
        shard_state *sh = &r->shards[i];
        for (size_t k = 0; k < n_rs * N_COUNTERS; k++)
            r->sum_cnt[k] += sh->cnt[k];
        for (size_t k = 0; k < n_rs * MDL_N_CAUSES; k++)
            r->sum_outc[k] += sh->outc[k];
        for (size_t k = 0; k < n_rs * MDL_N_HH_STATES; k++)
            r->sum_stage[k] += sh->stage[k];
        for (size_t k = 0; k < n_rs; k++)   /* lead bins past lead_used are 0 */
            for (uint32_t b = 0; b < sh->lead_used; b++)
                r->sum_lead[k * LEAD_BINS + b] += sh->lead[k * LEAD_BINS + b];
    }
    /* Distributed: every quantity above is an integer count or histogram,
     * so the sum over ranks on rank 0 equals the one-process sum exactly;
     * ratios and percentiles are derived below, from the sums.  Every rank
     * reaches this call (nothing above can fail). */
    if (sim_mpi_size(r->dist) > 1) {
        int rc = sim_mpi_sum_i64(r->dist, r->sum_all, r->n_sum, err);
        if (rc)
            return rc;
        if (sim_mpi_rank(r->dist) != 0) {
            r->tot.days = (uint64_t)(day + 1);
            return 0;   /* totals and rows live on rank 0 */
        }
    }
    /* totals */
    for (size_t k = 0; k < n_rs; k++) {
        const int64_t *c = r->sum_cnt + k * N_COUNTERS;
        r->tot.contacts += (uint64_t)c[C_CONTACTS];
        r->tot.visits += (uint64_t)c[C_VISITS];
        r->tot.meters_installed += (uint64_t)(c[C_INSTALLS_ELEC] + c[C_INSTALLS_GAS]);
        r->tot.revisits += (uint64_t)c[C_REVISITS];
        r->tot.appointments += (uint64_t)c[C_APPOINTMENTS];
        r->tot.remote_commissions += (uint64_t)c[C_REMOTE];
        r->tot.migrations += (uint64_t)c[C_MIGRATIONS];
        r->tot.cancellations += (uint64_t)c[C_CANCELLATIONS];
        for (int q = 0; q < MDL_N_CAUSES; q++)
            r->tot.failed_visits += (uint64_t)r->sum_outc[k * MDL_N_CAUSES + (size_t)q];
    }
    r->tot.days = (uint64_t)(day + 1);
    if (!r->h5)
        return 0;

    size_t row = r->rows;
    r->b_day[row] = (int32_t)day;
    for (size_t k = 0; k < n_rs; k++) {
        const int64_t *c = r->sum_cnt + k * N_COUNTERS;
        const int64_t *st = r->sum_stage + k * MDL_N_HH_STATES;
        for (int v = 0; v < N_OUTVARS; v++) {
            size_t at = row * n_rs + k;
            if (outvars[v].counter >= 0) {
                ((int32_t *)r->b_var[v])[at] = (int32_t)c[outvars[v].counter];
            } else if (v == O_BACKLOG) {
                ((int32_t *)r->b_var[v])[at] = (int32_t)(st[MDL_HH_LEGACY] + st[MDL_HH_ENGAGED] + st[MDL_HH_DECLINED]);
            } else if (v == O_UTILISATION) {
                ((float *)r->b_var[v])[at] =
                    c[C_MIN_AVAILABLE] ? (float)((double)c[C_MIN_WORKED] / (double)c[C_MIN_AVAILABLE]) : NAN;
            } else {
                ((float *)r->b_var[v])[at] = lead_pct(r->sum_lead + k * LEAD_BINS, v == O_LEAD_P50 ? 0.5 : 0.9);
            }
        }
        for (int q = 0; q < MDL_N_CAUSES; q++)
            r->b_outcomes[(row * n_rs + k) * MDL_N_CAUSES + (size_t)q] = (int32_t)r->sum_outc[k * MDL_N_CAUSES + (size_t)q];
    }
    for (int reg = 0; reg < 3; reg++)
        for (int s = 0; s < MDL_N_HH_STATES; s++) {
            int64_t n = 0;
            for (size_t sup = 0; sup < r->n_sup; sup++)
                n += r->sum_stage[rs_index(r, reg, (int)sup) * MDL_N_HH_STATES + (size_t)s];
            r->b_states[(row * 3 + (size_t)reg) * MDL_N_HH_STATES + (size_t)s] = n;
        }
    r->rows++;
    if (r->rows == OUT_ROWS)
        return flush_rows(r, err);
    return 0;
}

int mdl_rollout_finish(mdl_rollout *r, sim_err *err) { return flush_rows(r, err); }

void mdl_rollout_get_totals(const mdl_rollout *r, mdl_rollout_totals *out)
{
    *out = r->tot;
    int64_t by[MDL_N_HH_STATES] = {0};
    size_t bytes = sizeof *r;
    for (size_t i = r->own_first; i < r->own_first + r->own_count; i++) {
        const shard_state *sh = &r->shards[i];
        for (size_t k = 0; k < r->n_sup * 3; k++)
            for (int s = 0; s < MDL_N_HH_STATES; s++)
                by[s] += sh->stage[k * MDL_N_HH_STATES + (size_t)s];
        bytes += sh->bytes;
        for (size_t k = 0; k < r->n_sup * 3; k++)
            bytes += (sh->sr[k].ready_contact.cap + sh->sr[k].ready_book.cap) * sizeof(uint32_t);
    }
    /* Distributed: other ranks' households are counted in the last day's
     * reduced sums (states change only inside windows, so after a day's
     * reduction they are the current counts). */
    if (sim_mpi_size(r->dist) > 1 && r->tot.days > 0) {
        memset(by, 0, sizeof by);
        for (size_t k = 0; k < r->n_sup * 3; k++)
            for (int s = 0; s < MDL_N_HH_STATES; s++)
                by[s] += r->sum_stage[k * MDL_N_HH_STATES + (size_t)s];
    }
    out->smart = (uint64_t)by[MDL_HH_SMART];
    out->traditional = (uint64_t)(by[MDL_HH_TRADITIONAL] + by[MDL_HH_PARTIAL]);
    out->smets1 = (uint64_t)by[MDL_HH_SMETS1];
    for (int s = 0; s < MDL_N_HH_STATES; s++)
        out->by_state[s] = (uint64_t)by[s];
    /* this process's memory over this process's households (all, unless distributed) */
    out->bytes_per_household = r->own_households ? (double)bytes / (double)r->own_households : 0;
}

/* The pending pool's invariant (stated where the pool is declared). */
static int pend_walk(const shard_state *sh, uint32_t head, uint32_t tail, int free_list, uint8_t *owner,
                     uint8_t tag, uint8_t *seen, uint64_t *n_entries, uint64_t *n_wait, sim_err *err)
{
    uint32_t prev = NO_HH, steps = 0;
    for (uint32_t c = head; c != NO_HH; prev = c, c = sh->chunks[c].next) {
        if (c >= sh->n_chunks || ++steps > sh->n_chunks)
            return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending list %u runs past the pool (chunk %u, a cycle?)",
                            sh->index, tag, c);
        if (owner[c])
            return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending chunk %u is in list %u and list %u", sh->index,
                            c, owner[c] - 1u, tag);
        owner[c] = (uint8_t)(tag + 1);
        if (free_list)
            continue;
        const pend_chunk *ck = &sh->chunks[c];
        if (ck->n == 0 || ck->n > PEND_CHUNK || (ck->n < PEND_CHUNK && ck->next != NO_HH))
            return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending chunk %u holds %u entries (not the tail)",
                            sh->index, c, ck->n);
        for (uint32_t i = 0; i < ck->n; i++) {
            const pend_entry *e = &ck->e[i];
            if (e->hh >= sh->n_hh || sh->hh[e->hh].proc != e->proc || (seen[e->hh >> 3] >> (e->hh & 7) & 1))
                return SIM_FAIL(err, SIM_ERUNTIME,
                                "shard %zu: pending entry for household %u (process %u) is stale or duplicated",
                                sh->index, e->hh, e->proc);
            seen[e->hh >> 3] |= (uint8_t)(1u << (e->hh & 7));
            n_wait[e->proc]++;
        }
        *n_entries += ck->n;
    }
    if (!free_list && prev != tail)
        return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending list %u's tail is chunk %u, its last chunk is %u",
                        sh->index, tag, tail, prev);
    return 0;
}

static int pend_check(const shard_state *sh, sim_err *err)
{
    uint8_t *owner = calloc(sh->n_chunks ? sh->n_chunks : 1, 1);
    uint8_t *seen = calloc(sh->n_hh / 8 + 1, 1);
    uint64_t n_wait[MDL_PROC_DONE + 1] = {0}, n_entries = 0;
    int rc = 0;
    if (!owner || !seen)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "pending check: out of memory");
    for (unsigned d = 0; d < PEND_NEAR && !rc; d++)
        rc = pend_walk(sh, sh->near[d].head, sh->near[d].tail, 0, owner, (uint8_t)d, seen, &n_entries, n_wait, err);
    if (!rc)
        rc = pend_walk(sh, sh->far.head, sh->far.tail, 0, owner, PEND_NEAR, seen, &n_entries, n_wait, err);
    if (!rc)
        rc = pend_walk(sh, sh->free_chunk, NO_HH, 1, owner, PEND_NEAR + 1, seen, &n_entries, n_wait, err);
    for (uint32_t c = 0; c < sh->n_chunks && !rc; c++)
        if (!owner[c])
            rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending chunk %u is in no list (lost)", sh->index, c);
    if (!rc && n_entries != sh->n_pend)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: %llu pending entries in the lists, %llu filed", sh->index,
                      (unsigned long long)n_entries, (unsigned long long)sh->n_pend);
    /* Households waiting = entries + those in a ready list + those due beyond the run. */
    uint64_t waiting = 0, ready = 0;
    for (size_t k = 0; k < sh->n_hh && !rc; k++)
        waiting += sh->hh[k].proc >= MDL_PROC_WAIT_CONTACT && sh->hh[k].proc <= MDL_PROC_WAIT_MIGRATE;
    for (size_t i = 0; i < sh->r->n_sup * 3 && !rc; i++) {
        const sr_state *sr = &sh->sr[i];
        for (size_t k = 0; k < sr->ready_contact.n; k++)
            ready += sh->hh[fifo_at(&sr->ready_contact, k)].proc == MDL_PROC_WAIT_CONTACT;
        for (size_t k = 0; k < sr->ready_book.n; k++)
            ready += sh->hh[fifo_at(&sr->ready_book, k)].proc == MDL_PROC_WAIT_BOOK;
    }
    if (!rc && waiting != n_entries + ready + sh->n_beyond)
        rc = SIM_FAIL(err, SIM_ERUNTIME,
                      "shard %zu: %llu households waiting, but %llu pending entries + %llu ready + %llu beyond the run",
                      sh->index, (unsigned long long)waiting, (unsigned long long)n_entries,
                      (unsigned long long)ready, (unsigned long long)sh->n_beyond);
    free(owner);
    free(seen);
    return rc;
}

int mdl_rollout_check(const mdl_rollout *r, sim_err *err)
{
    size_t n_rs = r->n_sup * 3;
    int64_t *seen = calloc(n_rs * MDL_N_HH_STATES, sizeof *seen);
    if (!seen)
        return SIM_FAIL(err, SIM_ERUNTIME, "rollout check: out of memory");
    int rc = 0;
    for (size_t i = r->own_first; i < r->own_first + r->own_count && !rc; i++) {
        const shard_state *sh = &r->shards[i];
        memset(seen, 0, n_rs * MDL_N_HH_STATES * sizeof *seen);
        for (size_t k = 0; k < sh->n_hh && !rc; k++) {
            const mdl_household *h = &sh->hh[k];
            uint64_t id = hh_id(sh, (uint32_t)k);
            int e = mdl_hh_elec(h), g = mdl_hh_gas(h), hub = mdl_hh_hub(h);
            seen[rs_index(r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_HH_STATES + h->stage]++;
            if (hub == MDL_DEV_LEGACY && (e == MDL_DEV_COMMISSIONED || g == MDL_DEV_COMMISSIONED))
                rc = SIM_FAIL(err, SIM_ERUNTIME, "household %llu: a meter is commissioned on the HAN without a hub",
                              (unsigned long long)id);
            else if (!mdl_hh_dual(h) && g != MDL_DEV_LEGACY)
                rc = SIM_FAIL(err, SIM_ERUNTIME, "household %llu: electricity only, but has a smart gas meter",
                              (unsigned long long)id);
            else if (e == MDL_DEV_LEGACY && (g != MDL_DEV_LEGACY || hub != MDL_DEV_LEGACY))
                rc = SIM_FAIL(err, SIM_ERUNTIME, "household %llu: smart gas meter or hub without a smart electricity meter",
                              (unsigned long long)id);
            else if (e != MDL_DEV_LEGACY && h->stage != mdl_hh_device_state(h, -1))
                rc = SIM_FAIL(err, SIM_ERUNTIME, "household %llu: state %s does not match its devices (%s)",
                              (unsigned long long)id, mdl_hh_state_names[h->stage],
                              mdl_hh_state_names[mdl_hh_device_state(h, 0)]);
            else if (e == MDL_DEV_LEGACY && h->stage > MDL_HH_DECLINED)
                rc = SIM_FAIL(err, SIM_ERUNTIME, "household %llu: old meters but state %s", (unsigned long long)id,
                              mdl_hh_state_names[h->stage]);
        }
        if (!rc)
            rc = pend_check(sh, err);
        for (size_t k = 0; k < n_rs * MDL_N_HH_STATES && !rc; k++)
            if (seen[k] != sh->stage[k])
                rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: state counts drifted (%lld counted, %lld kept)", i,
                              (long long)seen[k], (long long)sh->stage[k]);
    }
    free(seen);
    return rc;
}
