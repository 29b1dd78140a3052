/*
 * mdl_rollout_internal.h — what the rollout model's own files share: the
 * shard and (supplier, region) state, the pending lists, the diaries, and
 * the small helpers the hot paths call (static inline here, so that they
 * inline across the files).  Private to models/rollout/ (the public face
 * is mdl_rollout.h).
 *
 * The files:
 *   mdl_rollout.c          population, alloc/free, invariant check
 *   mdl_rollout_pending.c  the pending lists and the ready FIFOs (growth)
 *   mdl_rollout_plan.c     diaries and booking: a supplier's daily plan
 *   mdl_rollout_day.c      the daily hook, the visit event, what follows a visit
 *   mdl_rollout_output.c   the /rollout group and the day's reduction
 */
#ifndef MDL_ROLLOUT_INTERNAL_H
#define MDL_ROLLOUT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_common.h"
#include "mdl_household.h"
#include "mdl_rollout.h"
#include "mdl_visit.h"
#include "sim_rng.h"

#define RING 128        /* diary days kept per (supplier, region); > booking horizon + 1 */
#define LEAD_BINS 128   /* lead-time histogram, one bin per day */
#define OUT_ROWS 64     /* days per HDF5 chunk (sim_h5 buffers a chunk of rows) */
#define KIND_VISIT 0

_Static_assert(MDL_ROLLOUT_N_STATES == MDL_N_HH_STATES, "mdl_rollout.h and mdl_household.h disagree on states");
_Static_assert(sizeof(mdl_household) <= 64, "a household must fit 64 bytes");


/* Daily per-(region, supplier) counters (shard-local, reduced in shard order). */
enum counter {
    C_CONTACTS, C_ACCEPTANCES, C_REFUSALS, C_APPOINTMENTS, C_VISITS, C_INSTALLS_ELEC, C_INSTALLS_GAS,
    C_INSTALLS_SMETS2, C_SMART, C_TRADITIONAL, C_REVISITS, C_REMOTE, C_MIGRATIONS, C_CANCELLATIONS, C_POSTPONED,
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
 * region), due day), in chunks of 31 from a per-shard pool, on a
 * three-rung ladder:
 *   near: entries due in the current block of PEND_NEAR days, one list per
 *         day (near[due % PEND_NEAR]), drained on the day;
 *   mid:  entries due in the next PEND_MID blocks (days [mid_lo, mid_lo +
 *         PEND_MID * PEND_NEAR)), one list per block (mid[(due - mid_lo) /
 *         PEND_NEAR]), moved into the day lists when their block starts;
 *   far:  entries due later, re-sorted into the rungs below only when the
 *         mid window is used up (every PEND_MID + 1 blocks, ~3 years).
 * So only ~PEND_NEAR + PEND_MID + 1 chunks are being appended to at any
 * time (hot in cache), and partly filled chunks waste at most that many
 * chunks per shard, whatever the spread of due days (one list per day of
 * the run cost 20 bytes per household at 10^6 households).  An entry is
 * copied at most twice plus once per ~3 years it waits: with fleet life
 * most households wait years for their next event, and the two-rung
 * ladder (near and far) copied each of them every 64 days.  An entry is
 * filed by its due day alone, and a list is re-filed in its order, so a
 * day's entries are drained in the order they were filed, as with one
 * list per day.
 *
 * The pool's invariant (pend_check; every block boundary in debug builds,
 * and mdl_rollout_check in tests):
 *   - every chunk index below n_chunks is in exactly one list: one of the
 *     PEND_NEAR day lists, the PEND_MID block lists, the far list, or the
 *     free list;
 *   - a list's tail is its last chunk, and only a tail may be part full;
 *   - each entry sits in the list of its due day's rung: near[d] holds
 *     days in [near_lo, near_lo + PEND_NEAR) with due % PEND_NEAR == d,
 *     mid[j] days in block j of the mid window at or after the near
 *     block's end, far days at or after the mid window's end;
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
#define PEND_MID 16
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
    uint32_t tail_n;         /* entries in the tail chunk (its `n`, kept here so that an
                              * append only stores into the chunk: reading its count
                              * was a cache miss, a third of filing a fleet event) */
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

/* ---- life after the install (mdl_rollout_fleet.c) ------------------------- */
/* Traditional-mode causes (the `cause` coordinate of /fleet/traditional_by_cause,
 * index - 1); NONE: not in traditional mode, or counted as never commissioned. */
enum trad_cause {
    TC_NONE, TC_NEVER_COMMISSIONED, TC_LOST_ON_SWITCHING, TC_DEVICE_FAULT, TC_HAN_FAULT, TC_AWAITING_MIGRATION,
    TC_N
};
/* Fleet-life events counted per (region, supplier) and day: the `event`
 * coordinate of /fleet/events (names in mdl_rollout_fleet.c). */
enum fleet_counter {
    F_SWITCHES, F_LOST_ON_SWITCHING, F_REGAINED_ON_SWITCHING, F_REPLACEMENTS_BOOKED, F_REPLACEMENT_VISITS,
    F_MOVES, F_REOCCUPIED, F_PAYMENT_SWITCHES, F_TARIFF_PUSHES,
    F_FAULT_HUB, F_FAULT_ELEC, F_FAULT_GAS, F_FAULT_HAN, F_REMOTE_FIXES, F_REPAIR_VISITS,
    F_HUB_SWAPS_BOOKED, F_HUB_SWAP_VISITS, F_MIGRATIONS,
    F_PRN_ABORTS, F_PRN_ONE_FUEL_VISITS, F_PRN_SECOND_VISITS, F_PRN_MISSED_GAS,
    F_VACANT_CONTACTS, F_VACANT_NO_ACCESS,
    F_N
};
/* One household's fleet-life state: 8 bytes beside the household (which
 * stays 16), only when rollout.fleet is on. */
typedef struct fleet_hh {
    uint8_t install_q;   /* quarter (91.3 days) since the start its devices were installed: their age */
    uint8_t cause;       /* cause:3 (enum trad_cause) family:2 (SMETS1 device family) device:2 (last fault)
                          * half-hourly:1 (FC_HALF_HOURLY) */
    uint8_t flags;       /* FF_* */
    uint8_t saved;       /* meters:7 (mdl_household.meters before a fault: a remote fix restores them)
                          * reads:1 (FS_READS) */
    uint16_t tenancy;    /* where the tenancy walk may resume: moves:3 << 13 | move-in day:13; 0 = from the start */
    uint16_t ten_out;    /* the move-out day + 1 of the occupancy that starts there (TEN_OUT_FAR: that day or
                          * later); 0 = not drawn yet */
} fleet_hh;
#define TEN_OUT_FAR 0xFFFFu
#define FF_LIVE       1u   /* has entered fleet life (install quarter set) */
#define FF_JOINED     2u   /* has joined the DCC's read fleet at least once (FC_HALF_HOURLY is set) */
#define FF_ENROLLED   4u   /* SMETS1: enrolment decided (queued for migration, or never) */
#define FF_VACANT     8u   /* between occupiers */
#define FF_REPLACE   16u   /* the next visit replaces its SMETS1 meters with SMETS2 */
#define FF_HUBSWAP   32u   /* the next visit replaces the comms hub (2G/3G programme) */
#define FF_HUBSWAPPED 64u  /* the programme has been to this home */
#define FF_GAS_VISIT 128u  /* the next visit installs the gas meter a one-fuel visit left */

#define FC_HALF_HOURLY 128u   /* (in cause) the premise's reads carry half-hourly data: set by its first join */
#define FS_READS       128u   /* (in saved) its scheduled reads are in the DCC's read fleet now */
#define FS_METERS      127u   /* (in saved) the meters before the last fault */

static inline int fl_cause(const fleet_hh *f) { return f->cause & 7u; }
static inline int fl_family(const fleet_hh *f) { return (f->cause >> 3) & 3u; }
static inline int fl_device(const fleet_hh *f) { return (f->cause >> 5) & 3u; }
static inline int fl_eff_cause(const fleet_hh *f) { return fl_cause(f) ? fl_cause(f) : TC_NEVER_COMMISSIONED; }

typedef struct shard_state {
    const mdl_rollout *r;
    size_t index;
    size_t n_hh;
    mdl_household *hh;
    sr_state *sr;            /* [n_sup * 3], index s * 3 + region */
    pend_list near[PEND_NEAR];   /* entries due on day d in [near_lo, near_lo + PEND_NEAR): near[d % PEND_NEAR] */
    pend_list mid[PEND_MID];     /* entries due in block j of [mid_lo, mid_lo + PEND_MID * PEND_NEAR) */
    pend_list far;               /* entries due later */
    int64_t near_lo, mid_lo;
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
    /* life after the install (NULL / unused when rollout.fleet is off) */
    fleet_hh *fl;            /* [n_hh] */
    int64_t *fcnt;           /* [3][S][F_N], daily */
    int64_t *trad;           /* [3][TC_N], current: households in traditional mode by cause */
    fifo mq[4];              /* SMETS1 enrolment queues, one per device family (cohort) */
    double mig_credit;       /* fractional migrations carried */
} shard_state;

/* Output variables per (day, region, supplier). */
enum outvar {
    O_CONTACTS, O_ACCEPTANCES, O_REFUSALS, O_APPOINTMENTS, O_VISITS, O_INSTALLS_ELEC, O_INSTALLS_GAS,
    O_INSTALLS_SMETS2, O_SMART, O_TRADITIONAL, O_REVISITS, O_REMOTE, O_MIGRATIONS, O_CANCELLATIONS, O_POSTPONED,
    O_UTILISATION, O_BACKLOG, O_LEAD_P50, O_LEAD_P90, N_OUTVARS
};

struct mdl_rollout {
    mdl_scenario sc;
    const mdl_rollout_params *p;
    sim_engine *eng;
    mdl_dcc *dcc;
    sim_h5_file *h5;
    sim_mpi *dist;              /* NULL: one process */
    int test_move_pool;          /* tests: every chunk allocation moves the pending pool */
    int restoring;               /* allocated for a checkpoint to fill: no households generated */
    size_t n_shards, n_sup;
    size_t own_first, own_count; /* the shards this process holds (all, unless distributed) */
    size_t own_households;
    int64_t n_days, n_tab;      /* simulated days; days tabulated (n_days + RING) */
    shard_state *shards;
    mdl_household *hh_all;       /* every shard's households, one block (huge pages) */
    size_t hh_bytes;
    fleet_hh *fl_all;            /* the owned shards' fleet states, in the same order (rollout.fleet) */
    size_t fl_bytes;
    float *factor;               /* [S][n_tab]: workforce ramp x phase effort */
    uint8_t *workday;            /* [S][n_tab] */
    double *smets2_share;        /* [n_tab]: SMETS2 share of the installs booked that day */
    int32_t dual_band_day, alt_day, smets2_day, cutover_day, migration_day;
    double slot_minutes[MDL_MAX_SUPPLIERS][2];
    /* output */
    sim_h5_series *s_day, *s_var[N_OUTVARS], *s_outcomes, *s_states;
    int64_t *sum_all;            /* one block, reduced across ranks in one call: */
    int64_t *sum_cnt, *sum_outc, *sum_stage, *sum_lead;   /* ... slices of it */
    size_t n_sum;
    mdl_rollout_totals tot;
    /* life after the install */
    int fleet;                   /* rollout.fleet.enabled */
    uint8_t *tariff_day;         /* [S][n_tab]: the supplier changes its own tariff that day */
    double *switch_cum;          /* [n_tab + 1]: cumulative switching hazard to the start of each day */
    int64_t sw_seg_day[MDL_FLEET_MAX_DATES + 1];   /* days the switching rate changes (the first: day 0) */
    double sw_seg_rate[MDL_FLEET_MAX_DATES + 1];    /* its rate from then (per day) */
    size_t n_sw_seg;
    double *first_out_u;         /* [n_tab]: a home whose first draw is below this is occupied through day d (NULL: no moves) */
    int64_t hubswap_first;       /* the 2G/3G programme's first day (days since the start; earliest region) */
    double fault_rmax;           /* the highest household fault rate (per day) over the age bands */
    double *fault_skip_u;        /* [n_tab + 2]: a fault draw at or below [k] cannot beat an event k - 1 days away */
    int32_t prn_day;             /* property references used from this day */
    int32_t cohort_day[4];
    sim_h5_series *s_fday, *s_fevents, *s_trad;
    int64_t *sum_fcnt, *sum_trad;
    uint64_t fleet_tot[F_N];
};

/* ---- small containers: the ready FIFOs (mdl_rollout_pending.c) ---------- */
int mdl_rollout_fifo_grow(fifo *f);   /* double the capacity (outside the event path) */
static inline int fifo_push(fifo *f, uint32_t v)
{
    if (f->n == f->cap && mdl_rollout_fifo_grow(f))
        return -1;
    size_t at = (f->head + f->n) & (f->cap - 1);
    f->a[at] = v;
    f->n++;
    if (((at + 1) & 15) == 0)   /* (the next push starts a line: fetch it, as in pend_append) */
        __builtin_prefetch(&f->a[(at + 1) & (f->cap - 1)], 1);
    return 0;
}
static inline uint32_t fifo_front(const fifo *f) { return f->a[f->head]; }
static inline uint32_t fifo_at(const fifo *f, size_t k) { return f->a[(f->head + k) & (f->cap - 1)]; }
static inline void fifo_pop(fifo *f)
{
    f->head = (f->head + 1) & (f->cap - 1);
    f->n--;
}

#define NO_HH UINT32_MAX
/* Prefetch distance (items) where a loop walks households in random
 * order: far enough to cover a DRAM miss behind the work of one item
 * (a Philox block or two), near enough to stay in L1. */
#define PREFETCH_AHEAD 8

/* ---- the pending lists (mdl_rollout_pending.c) ------------------------- */
/* A free chunk of the pool (growing it by doubling), or NO_HH. */
uint32_t mdl_rollout_chunk_alloc(shard_state *sh);
/* A new block of days starts on `today`: move the entries due in it into
 * their day lists (from the mid rung; when the mid window is used up, a
 * new one from the far list first), in list order. */
void mdl_rollout_pend_new_block(shard_state *sh, int64_t today);
/* The pool's invariant (stated where the pool is declared); 0 or SIM_FAIL. */
int mdl_rollout_pend_check(const shard_state *sh, sim_err *err);

/* A list's next chunk (256 bytes, four lines) is fetched while the
 * current one is worked: a list's chunks were filled days or weeks ago. */
static inline void chunk_prefetch(const shard_state *sh, uint32_t c)
{
    if (c == NO_HH)
        return;
    const char *p = (const char *)&sh->chunks[c];
    for (size_t k = 0; k < sizeof(pend_chunk); k += 64)
        __builtin_prefetch(p + k);
}

static inline void chunk_free(shard_state *sh, uint32_t c)
{
    sh->chunks[c].next = sh->free_chunk;
    sh->chunks[c].n = 0;
    sh->free_chunk = c;
}

static inline void pend_append(shard_state *sh, pend_list *l, pend_entry e)
{
    uint32_t t = l->tail;
    if (t == NO_HH || l->tail_n == PEND_CHUNK) {
        uint32_t c = mdl_rollout_chunk_alloc(sh);
        if (c == NO_HH) {
            sh->oom = 1;
            return;
        }
        sh->chunks[c].next = NO_HH;
        if (t == NO_HH)
            l->head = c;
        else
            sh->chunks[t].next = c;
        l->tail = t = c;
        l->tail_n = 0;
    }
    pend_chunk *ck = &sh->chunks[t];
    ck->e[l->tail_n] = e;
    ck->n = ++l->tail_n;
    /* The list's next append is dozens of appends away (~80 lists take
     * them): fetch the line it will store into now, when it starts one.
     * (A fleet event is filed years ahead: without this the store into a
     * cold line was most of filing it.) */
    if (l->tail_n < PEND_CHUNK && offsetof(pend_chunk, e[l->tail_n]) % 64 == 0)
        __builtin_prefetch(&ck->e[l->tail_n], 1);
}

static inline void pend_file(shard_state *sh, pend_entry e)
{
    if (e.due < sh->near_lo + PEND_NEAR)
        pend_append(sh, &sh->near[e.due % PEND_NEAR], e);
    else if (e.due < sh->mid_lo + PEND_MID * PEND_NEAR)   /* (mid_lo <= near_lo + PEND_NEAR <= due) */
        pend_append(sh, &sh->mid[(e.due - sh->mid_lo) / PEND_NEAR], e);
    else
        pend_append(sh, &sh->far, e);
}

static inline void pending_push(shard_state *sh, int64_t due, uint32_t hh, int proc, size_t sr)
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

/* Traditional-mode stock by cause follows the household state: entering
 * traditional mode counts the household under its cause (none set: never
 * commissioned), leaving it uncounts it and clears the cause. */
static inline void trad_follow(shard_state *sh, const mdl_household *h, int old, int stage)
{
    fleet_hh *f = &sh->fl[h - sh->hh];
    int64_t *t = sh->trad + (size_t)mdl_hh_region(h) * TC_N;
    if (old == MDL_HH_TRADITIONAL) {
        t[fl_eff_cause(f)]--;
        f->cause = (uint8_t)(f->cause & ~7u);
    }
    if (stage == MDL_HH_TRADITIONAL)
        t[fl_eff_cause(f)]++;
}

static inline void set_stage(shard_state *sh, mdl_household *h, int stage)
{
    if (h->stage == stage)
        return;
    int64_t *st = sh->stage + rs_index(sh->r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_HH_STATES;
    st[h->stage]--;
    st[stage]++;
    if (sh->fl)
        trad_follow(sh, h, h->stage, stage);
    h->stage = (uint8_t)stage;
}

static inline void wait_until(shard_state *sh, mdl_household *h, uint32_t local, int proc, int64_t due)
{
    h->proc = (uint8_t)proc;
    pending_push(sh, due, local, proc, sr_index(h));
}

static inline void send(shard_state *sh, const mdl_household *h, int msg, sim_time t)
{
    if (sh->outbox)
        mdl_dcc_message(sh->outbox, mdl_hh_region(h), msg, t);
}

/* A time in the supplier's working day (day_start_hour .. day_end_hour) of
 * the day starting at t0, for office-side DCC messages (pre-notification,
 * remote commissioning, migration, and the fleet's switching, tenancy,
 * repair and migration messages): spread by a hash of the household and
 * the message, so the day's messages arrive over the hours people work and
 * not in one quarter hour.  No stream is used: the rollout's draws are
 * unchanged. */
static inline sim_time office_time(const shard_state *sh, const mdl_household *h, uint32_t local, int msg,
                                   sim_time t0)
{
    const mdl_rollout_supplier *s = &sh->r->p->suppliers[mdl_hh_supplier(h)];
    uint64_t z = hh_id(sh, local) * 8u + (uint64_t)msg + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    double u = (double)(z >> 11) * 0x1.0p-53;
    return t0 + sim_time_from_hours(s->day_start_hour + u * (s->day_end_hour - s->day_start_hour));
}

/* ---- diaries and booking (mdl_rollout_plan.c) ---------------------------- */
static inline double planned_minutes(const mdl_rollout_supplier *s, const mdl_household *h)
{
    double mins = mdl_hh_elec(h) != MDL_DEV_LEGACY ? s->job_minutes_revisit
                 : mdl_hh_dual(h)                  ? s->job_minutes_dual
                                                   : s->job_minutes_single;
    return mins + s->travel_minutes;
}

/* A prefetch gcc 12 keeps: __builtin_prefetch of the fleet state in the
 * contact loop (prefetch_candidate) was dropped from the generated code
 * (seen in the disassembly). */
static inline void fetch_hint(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p);
#endif
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
    if (h && sh->fl)   /* (a contact asks the home's tenancy: its fleet state) */
        fetch_hint(&sh->fl[h - sh->hh]);
}

/* Open diary day `day` of (supplier, region) sr with the day's installers. */
int mdl_rollout_diary_open(shard_state *sh, sr_state *sr, int64_t day);
/* A supplier's plan for one (supplier, region) on a working day. */
void mdl_rollout_run_plan(shard_state *sh, sr_state *sr, int64_t today, sim_time t0);

/* ---- life after the install (mdl_rollout_fleet.c) ------------------------ */
/* Set up (r->fleet): tariff days, dates; per shard: the fleet array and counters. */
int mdl_fleet_alloc(mdl_rollout *r, sim_err *err);
int mdl_fleet_shard_init(shard_state *sh);
void mdl_fleet_shard_free(shard_state *sh);
/* The rollout is done with an installed household (or its SMETS1 awaits
 * migration): it enters fleet life and waits for its next event. */
void mdl_fleet_enter(shard_state *sh, mdl_household *h, uint32_t local, int64_t today);
/* A due fleet event (pending entry of kind `kind`). */
void mdl_fleet_event(shard_state *sh, uint32_t local, int kind, int64_t today, sim_time t0);
/* 06: the home on `day`: MDL_OCC_OCCUPIED, _VACANT or _NEW (a new occupier). */
enum { MDL_OCC_OCCUPIED, MDL_OCC_VACANT, MDL_OCC_NEW };
/* cached: read and keep the home's tenancy resume state (fleet_hh.tenancy);
 * 0 where the fleet state is not otherwise touched (a contact). */
int mdl_fleet_occupancy(const shard_state *sh, uint32_t local, int64_t day, int cached);
void mdl_fleet_count(shard_state *sh, const mdl_household *h, int event);
/* The day's fleet work after the pending drain: migrations, tariff pushes. */
void mdl_fleet_day(shard_state *sh, int64_t today, sim_time t0);
/* Around a visit: set up a replacement / hub swap / one-fuel visit, and
 * undo what did not happen.  `saved`: state for after. */
typedef struct fleet_visit { uint16_t attrs; uint8_t meters, kind; } fleet_visit;
int mdl_fleet_before_visit(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, fleet_visit *fv,
                           mdl_visit_outcome *o);
void mdl_fleet_after_visit(shard_state *sh, mdl_household *h, uint32_t local, const fleet_visit *fv,
                           mdl_visit_outcome *o);
/* The household's scheduled reads at the DCC (rollout.fleet): they are
 * sent while the hub is on the DCC and the electricity meter is
 * commissioned on its HAN (state smart or partial), the gas meter's too
 * when it is commissioned.  READS_ON | MDL_DCC_FLAG_GAS | _PREPAY as the
 * DCC's fleet should hold them now, or 0 when the household sends none. */
#define READS_ON 0x100u
static inline unsigned fleet_reads(const mdl_household *h)
{
    if (mdl_hh_hub(h) != MDL_DEV_COMMISSIONED || mdl_hh_elec(h) != MDL_DEV_COMMISSIONED)
        return 0;
    return READS_ON | (mdl_hh_dual(h) && mdl_hh_gas(h) == MDL_DEV_COMMISSIONED ? MDL_DCC_FLAG_GAS : 0u) |
           (mdl_hh_prepay(h) ? MDL_DCC_FLAG_PREPAY : 0u);
}
/* After a step that may change a household's devices or payment mode (a
 * visit, a remote commissioning, a migration, a fleet event), with
 * `before` = fleet_reads before the step: the DCC's fleet follows, a leave
 * with the old record and a join (or rejoin) with the new one. */
void mdl_fleet_reads_sync(shard_state *sh, const mdl_household *h, uint32_t local, unsigned before);

/* mdl_rollout_alloc, or (restoring) the same without generating the
 * households and work lists, which mdl_rollout_ckpt_load fills. */
mdl_rollout *mdl_rollout_alloc_as(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc, sim_h5_file *h5, int n_threads,
                                  int restoring, sim_err *err);

/* ---- output (mdl_rollout_output.c) ----------------------------------------- */
int mdl_rollout_output_create(mdl_rollout *r, sim_err *err);
#endif
