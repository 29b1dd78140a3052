/*
 * mdl_rollout.c — the rollout model's set-up: the population in shards,
 * the work lists, the per-supplier tables, alloc/free, and the invariant
 * check.  The model at a glance:
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
 * Where the rest is: the shared state, mdl_rollout_internal.h; diaries and
 * booking, mdl_rollout_plan.c; the day and the visit event,
 * mdl_rollout_day.c; the pending lists, mdl_rollout_pending.c; output,
 * mdl_rollout_output.c; the visit's step logic, mdl_visit.c; household
 * attributes, mdl_household.c; parameters, mdl_rollout_schema.c.
 */
#include "mdl_rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mdl_common.h"
#include "mdl_rollout_internal.h"
#ifdef _OPENMP
#include <omp.h>
#endif

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
    mdl_fleet_shard_free(sh);
    free(sh->chunks);
    free(sh->cnt);
    free(sh->outc);
    free(sh->lead);
    free(sh->stage);
}

/* A (supplier, region)'s work list in the supplier's order: random (a
 * shuffle from the shard's own stream), by dwelling (stable: houses, then
 * low-rise, then high-rise flats) or by region (property-reference order,
 * as generated).  0, or -1 when memory ran out. */
static int order_worklist(const mdl_rollout *r, shard_state *sh, sr_state *sr, size_t k)
{
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
    if (s->order == MDL_ORDER_RANDOM) {
        sim_rng_stream st;
        sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, UINT64_C(1) << 63 | (uint64_t)sh->index << 16 | k,
                            MDL_RNG_WORKLIST);
        for (size_t i = sr->list_n; i > 1; i--) {
            size_t j = (size_t)sim_rng_below(&st, i);
            uint32_t t = sr->list[i - 1];
            sr->list[i - 1] = sr->list[j];
            sr->list[j] = t;
        }
    } else if (s->order == MDL_ORDER_BY_DWELLING) {
        uint32_t *tmp = malloc((sr->list_n ? sr->list_n : 1) * sizeof *tmp);
        if (!tmp)
            return -1;
        size_t o = 0;
        for (int d = 0; d < MDL_N_DWELLINGS; d++)
            for (size_t i = 0; i < sr->list_n; i++)
                if (mdl_hh_dwelling(&sh->hh[sr->list[i]]) == d)
                    tmp[o++] = sr->list[i];
        memcpy(sr->list, tmp, sr->list_n * sizeof *tmp);
        free(tmp);
    }
    return 0;
}

/* A shard's own arrays and empty pending lists; its households are the
 * slice of r->hh_all after the owned shards before it (each holds
 * ceil((N - i) / S) households).  0, or -1 when memory ran out. */
static int shard_alloc(mdl_rollout *r, shard_state *sh, size_t index)
{
    size_t n_sr = r->n_sup * 3, n_rs = r->n_sup * 3;
    uint64_t N = (uint64_t)r->sc.run.households;
    sh->r = r;
    sh->index = index;
    sh->last_day = -1;
    sh->n_hh = (size_t)((N + r->n_shards - 1 - index) / r->n_shards);
    size_t first = 0;
    for (size_t i = r->own_first; i < index; i++)
        first += (size_t)((N + r->n_shards - 1 - i) / r->n_shards);
    sh->hh = r->hh_all + first;
    sh->fl = r->fl_all ? r->fl_all + first : NULL;   /* (rollout.fleet) */
    sh->sr = calloc(n_sr, sizeof *sh->sr);
    sh->cnt = calloc(n_rs * N_COUNTERS, sizeof *sh->cnt);
    sh->outc = calloc(n_rs * MDL_N_CAUSES, sizeof *sh->outc);
    sh->lead = calloc(n_rs * LEAD_BINS, sizeof *sh->lead);
    sh->stage = calloc(n_rs * MDL_N_HH_STATES, sizeof *sh->stage);
    sh->free_chunk = NO_HH;
    sh->near_lo = 0;
    for (int d = 0; d < PEND_NEAR; d++)
        sh->near[d].head = sh->near[d].tail = NO_HH;
    sh->mid_lo = PEND_NEAR;
    for (int j = 0; j < PEND_MID; j++)
        sh->mid[j].head = sh->mid[j].tail = NO_HH;
    sh->far.head = sh->far.tail = NO_HH;
    if (!sh->hh || !sh->sr || !sh->cnt || !sh->outc || !sh->lead || !sh->stage)
        return -1;
    /* households, their work-list entries, the (supplier, region) states */
    sh->bytes = sh->n_hh * (sizeof *sh->hh + sizeof(uint32_t)) + n_sr * sizeof *sh->sr;
    if (mdl_fleet_shard_init(sh))
        return -1;
    return 0;
}

/* Each (supplier, region)'s constants and an empty work list for its
 * count[k] households.  0, or -1 when memory ran out. */
static int sr_init(const mdl_rollout *r, shard_state *sh, const size_t *count)
{
    int rc = 0;
    for (size_t k = 0; k < r->n_sup * 3; k++) {
        sr_state *sr = &sh->sr[k];
        sr->supplier = (int)(k / 3);
        sr->region = (int)(k % 3);
        sr->households = (double)count[k];
        sr->last_open = -1;
        sr->month_id = -1;
        const mdl_rollout_supplier *sp = &r->p->suppliers[sr->supplier];
        sr->min_job = (uint16_t)ceil(fmin(fmin(sp->job_minutes_single, sp->job_minutes_dual), sp->job_minutes_revisit) +
                                     sp->travel_minutes);
        for (int d = 0; d < RING; d++)
            sr->ring[d].day = -1;
        sr->list = malloc((count[k] ? count[k] : 1) * sizeof *sr->list);
        if (!sr->list)
            rc = -1;
    }
    return rc;
}

/* Shard `index`: its households (generated), its (supplier, region)
 * states and their work lists.  0, or -1 when memory ran out. */
static int shard_init(mdl_rollout *r, shard_state *sh, size_t index)
{
    size_t n_sr = r->n_sup * 3;
    if (shard_alloc(r, sh, index) != 0)
        return -1;
    size_t *count = calloc(n_sr, sizeof *count);
    if (!count)
        return -1;
    if (r->restoring) {   /* households and lists come from a checkpoint (mdl_rollout_ckpt.c) */
        int rc = sr_init(r, sh, count);
        free(count);
        return rc;
    }
    for (size_t i = 0; i < sh->n_hh; i++) {
        mdl_household *h = &sh->hh[i];
        mdl_household_generate(r->p, r->sc.run.start_day, (uint64_t)r->sc.run.seed, hh_id(sh, (uint32_t)i), h);
        count[(size_t)mdl_hh_supplier(h) * 3 + (size_t)mdl_hh_region(h)]++;
        sh->stage[rs_index(r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_HH_STATES + MDL_HH_LEGACY]++;
    }
    int rc = sr_init(r, sh, count);
    free(count);
    if (rc != 0)
        return -1;
    for (size_t i = 0; i < sh->n_hh; i++) {
        sr_state *sr = sr_of(sh, &sh->hh[i]);
        sr->list[sr->list_n++] = (uint32_t)i;
    }
    for (size_t k = 0; k < n_sr; k++)
        if (order_worklist(r, sh, &sh->sr[k], k) != 0)
            return -1;
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
static void *alloc_huge(size_t n, size_t size, size_t *bytes)
{
    size_t huge = (size_t)2 << 20;
    size_t len = ((n ? n : 1) * size + huge - 1) / huge * huge;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE);
#endif
    *bytes = len;
    return p;
}

/* The run's constants: shards owned, days, the timetable's days. */
static void set_constants(mdl_rollout *r, const mdl_scenario *sc, sim_engine *eng)
{
    const mdl_rollout_params *p = &r->sc.rollout;
    r->n_shards = sim_engine_n_shards(eng);
    sim_engine_owned(eng, &r->own_first, &r->own_count);
    for (size_t i = r->own_first; i < r->own_first + r->own_count; i++)
        r->own_households += (size_t)(((uint64_t)sc->run.households + r->n_shards - 1 - i) / r->n_shards);
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
}

/* The SMETS2 share of the installs booked on day d (since the start): 0
 * before smets2_start, 1 from the cut-over; in between the linear ramp, or
 * the dated shares interpolated linearly (the last share after the last date). */
static double smets2_share_on(const mdl_rollout *r, const mdl_rollout_timetable *t, int64_t d)
{
    if (d >= r->cutover_day)
        return 1.0;
    if (d < r->smets2_day)
        return 0.0;
    if (t->n_smets2_share_dates == 0)
        return (double)(d - r->smets2_day + 1) / (double)(r->cutover_day - r->smets2_day + 1);
    int64_t date = r->sc.run.start_day + d;
    const int64_t *x = t->smets2_share_dates;
    const double *y = t->smets2_share;
    size_t n = t->n_smets2_share_dates;
    if (date <= x[0])   /* from 0 at smets2_start to the first share */
        return y[0] * (double)(date - t->smets2_start + 1) / (double)(x[0] - t->smets2_start + 1);
    for (size_t i = 1; i < n; i++)
        if (date <= x[i])
            return y[i - 1] + (y[i] - y[i - 1]) * (double)(date - x[i - 1]) / (double)(x[i] - x[i - 1]);
    return y[n - 1];
}

/* The per-supplier day tables, the shard array, the households' block and
 * the day's sums (one block, sliced).  0, or -1 when memory ran out. */
static int alloc_tables(mdl_rollout *r)
{
    const mdl_rollout_params *p = &r->sc.rollout;
    size_t n_rs = r->n_sup * 3;
    r->factor = malloc(r->n_sup * (size_t)r->n_tab * sizeof *r->factor);
    r->workday = malloc(r->n_sup * (size_t)r->n_tab);
    r->smets2_share = malloc((size_t)r->n_tab * sizeof *r->smets2_share);
    r->shards = calloc(r->n_shards, sizeof *r->shards);
    r->hh_all = alloc_huge(r->own_households, sizeof *r->hh_all, &r->hh_bytes);
    /* The fleet state beside it, on huge pages too: read at every contact,
     * visit and fleet event, at random (on 4 KiB pages each was a TLB miss) */
    if (r->fleet && !(r->fl_all = alloc_huge(r->own_households, sizeof *r->fl_all, &r->fl_bytes)))
        return -1;
    r->n_sum = n_rs * (N_COUNTERS + MDL_N_CAUSES + MDL_N_HH_STATES + LEAD_BINS) + (r->fleet ? n_rs * F_N + 3 * TC_N : 0);
    r->sum_all = malloc(r->n_sum * sizeof *r->sum_all);
    if (!r->factor || !r->workday || !r->smets2_share || !r->shards || !r->hh_all || !r->sum_all)
        return -1;
    r->sum_cnt = r->sum_all;
    r->sum_outc = r->sum_cnt + n_rs * N_COUNTERS;
    r->sum_stage = r->sum_outc + n_rs * MDL_N_CAUSES;
    r->sum_lead = r->sum_stage + n_rs * MDL_N_HH_STATES;
    r->sum_fcnt = r->sum_lead + n_rs * LEAD_BINS;
    r->sum_trad = r->sum_fcnt + n_rs * F_N;
    for (size_t s = 0; s < r->n_sup; s++)
        for (int64_t d = 0; d < r->n_tab; d++) {
            int64_t date = r->sc.run.start_day + d;
            r->factor[s * (size_t)r->n_tab + (size_t)d] =
                (float)(ramp_at(&p->suppliers[s], date) * effort_at(&p->timetable, date));
            r->workday[s * (size_t)r->n_tab + (size_t)d] = sim_weekday(date) < p->suppliers[s].working_weekdays;
        }
    for (int64_t d = 0; d < r->n_tab; d++)
        r->smets2_share[d] = smets2_share_on(r, &p->timetable, d);
    return 0;
}

/* Generate the owned shards' households and work lists, in parallel (each
 * shard is a pure function of the scenario).  0, or -1 when memory ran out. */
static int init_shards(mdl_rollout *r, int n_threads)
{
    int failed = 0;
    long ns = (long)r->own_count;
#ifdef _OPENMP
    if (n_threads <= 0)
        n_threads = omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads) reduction(| : failed)
#endif
    for (long i = 0; i < ns; i++) {
        size_t k = r->own_first + (size_t)i;
        if (shard_init(r, &r->shards[k], k) != 0)
            failed |= 1;
    }
    (void)n_threads;
    return failed ? -1 : 0;
}

mdl_rollout *mdl_rollout_alloc(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc, sim_h5_file *h5, int n_threads,
                               sim_err *err)
{
    return mdl_rollout_alloc_as(sc, eng, dcc, h5, n_threads, 0, err);
}

mdl_rollout *mdl_rollout_alloc_as(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc, sim_h5_file *h5, int n_threads,
                                  int restoring, sim_err *err)
{
    const mdl_rollout_params *p = &sc->rollout;
    /* The scenario schema (mdl_rollout_schema.c, mdl_scenario.c) refuses
     * every scenario this model cannot run, with file and line; these two
     * guard the arrays against a caller that filled the struct itself. */
    if (p->n_suppliers < 1 || p->n_suppliers > MDL_MAX_SUPPLIERS) {
        SIM_FAIL(err, SIM_EINPUT, "rollout.suppliers: %zu suppliers; allowed 1 to %d", p->n_suppliers, MDL_MAX_SUPPLIERS);
        return NULL;
    }
    if (sc->run.households < 1 || sc->run.households / (sc->run.shards > 0 ? sc->run.shards : 1) >= (int64_t)UINT32_MAX) {
        SIM_FAIL(err, SIM_EINPUT, "run.households: %lld; allowed 1 to %llu per shard", (long long)sc->run.households,
                 (unsigned long long)UINT32_MAX - 1);
        return NULL;
    }
    mdl_rollout *r = calloc(1, sizeof *r);
    if (!r) {
        SIM_FAIL(err, SIM_ERUNTIME, "rollout: out of memory");
        return NULL;
    }
    r->sc = *sc;
    r->p = &r->sc.rollout;
    r->restoring = restoring;
    r->eng = eng;
    r->dcc = dcc;
    r->h5 = h5;
    set_constants(r, sc, eng);
    if (mdl_fleet_alloc(r, err) != 0) {
        mdl_rollout_free(r);
        return NULL;
    }
    if (alloc_tables(r) != 0) {
        mdl_rollout_free(r);
        SIM_FAIL(err, SIM_ERUNTIME, "rollout: out of memory");
        return NULL;
    }
    if (init_shards(r, n_threads) != 0) {
        mdl_rollout_free(r);
        SIM_FAIL(err, SIM_ERUNTIME, "rollout: out of memory generating %lld households", (long long)sc->run.households);
        return NULL;
    }
    for (size_t i = r->own_first; i < r->own_first + r->own_count; i++) {
        r->shards[i].outbox = dcc ? mdl_dcc_outbox_of(dcc, i) : NULL;
        sim_engine_set_state(eng, i, &r->shards[i]);
    }
    r->tot.households = (uint64_t)sc->run.households;
    if (h5 && mdl_rollout_output_create(r, err) != 0) {
        mdl_rollout_free(r);
        return NULL;
    }
    return r;
}

void mdl_rollout_set_dist(mdl_rollout *r, sim_mpi *dist) { r->dist = dist; }
void mdl_rollout_test_move_pool(mdl_rollout *r, int on) { r->test_move_pool = on; }

int mdl_rollout_test_occupancy(const mdl_rollout *r, uint64_t id, int64_t day)
{
    size_t k = (size_t)(id % r->n_shards);
    uint64_t local = id / r->n_shards;
    if (!r->fleet || k < r->own_first || k >= r->own_first + r->own_count || local >= r->shards[k].n_hh)
        return -1;
    return mdl_fleet_occupancy(&r->shards[k], (uint32_t)local, day, (int)(day & 1));   /* (both ways) */
}

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
    if (r->fl_all)
        munmap(r->fl_all, r->fl_bytes);
    free(r->factor);
    free(r->workday);
    free(r->smets2_share);
    free(r->tariff_day);
    free(r->switch_cum);
    free(r->first_out_u);
    free(r->fault_skip_u);
    free(r->sum_all);
    free(r);
}

/* Fleet life: the household's reads are in the DCC's read fleet (FS_READS)
 * exactly when it sends them now, and only after a first join. */
static int reads_check(const shard_state *sh, sim_err *err)
{
    for (size_t k = 0; k < sh->n_hh; k++) {
        const fleet_hh *f = &sh->fl[k];
        int in = (f->saved & FS_READS) != 0, sends = fleet_reads(&sh->hh[k]) != 0;
        if (in != sends || (in && !(f->flags & FF_JOINED)))
            return SIM_FAIL(err, SIM_ERUNTIME, "household %llu: %s the DCC's read fleet but %s reads",
                            (unsigned long long)hh_id(sh, (uint32_t)k), in ? "in" : "not in",
                            sends ? "sends" : "sends no");
    }
    return SIM_OK;
}

void mdl_rollout_fleet_reads(const mdl_rollout *r, uint64_t hubs[MDL_N_REGIONS], uint64_t meters[MDL_N_REGIONS],
                             uint64_t prepay[MDL_N_REGIONS])
{
    for (int g = 0; g < MDL_N_REGIONS; g++)
        hubs[g] = meters[g] = prepay[g] = 0;
    for (size_t i = r->own_first; r->fleet && i < r->own_first + r->own_count; i++) {
        const shard_state *sh = &r->shards[i];
        for (size_t k = 0; k < sh->n_hh; k++) {
            unsigned x = fleet_reads(&sh->hh[k]);
            int g = mdl_hh_region(&sh->hh[k]);
            hubs[g] += (x & READS_ON) != 0;
            meters[g] += x & READS_ON ? 1u + ((x & MDL_DCC_FLAG_GAS) != 0) : 0u;
            prepay[g] += (x & READS_ON) && (x & MDL_DCC_FLAG_PREPAY);
        }
    }
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
            rc = mdl_rollout_pend_check(sh, err);
        if (!rc && sh->fl)
            rc = reads_check(sh, err);
        if (!rc && sh->fl) {   /* traditional-mode stock by cause: recounted, and summing to the state count */
            int64_t tc[3][TC_N] = {{0}}, tt[3] = {0};
            for (size_t k = 0; k < sh->n_hh; k++)
                if (sh->hh[k].stage == MDL_HH_TRADITIONAL)
                    tc[mdl_hh_region(&sh->hh[k])][fl_eff_cause(&sh->fl[k])]++;
            for (size_t s = 0; s < r->n_sup; s++)
                for (int reg = 0; reg < 3; reg++)
                    tt[reg] += sh->stage[rs_index(r, reg, (int)s) * MDL_N_HH_STATES + MDL_HH_TRADITIONAL];
            for (int reg = 0; reg < 3 && !rc; reg++) {
                int64_t sum = 0;
                for (int c = 0; c < TC_N && !rc; c++) {
                    sum += sh->trad[reg * TC_N + c];
                    if (tc[reg][c] != sh->trad[reg * TC_N + c])
                        rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: traditional cause %d in region %d: %lld counted, %lld kept",
                                      i, c, reg, (long long)tc[reg][c], (long long)sh->trad[reg * TC_N + c]);
                }
                if (!rc && sum != tt[reg])
                    rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: traditional by cause sums to %lld, %lld in the state",
                                  i, (long long)sum, (long long)tt[reg]);
            }
        }
        for (size_t k = 0; k < n_rs * MDL_N_HH_STATES && !rc; k++)
            if (seen[k] != sh->stage[k])
                rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: state counts drifted (%lld counted, %lld kept)", i,
                              (long long)seen[k], (long long)sh->stage[k]);
    }
    free(seen);
    return rc;
}
