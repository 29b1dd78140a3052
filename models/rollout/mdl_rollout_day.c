/*
 * mdl_rollout_day.c — the rollout's day on the engine: the daily hook
 * (clear the day's counters, drain the due pending entries, open diaries,
 * run the suppliers' plans, start the installers' days), the visit event,
 * and what follows a visit (the household's next process, DCC messages).
 *
 * Not for: the visit's step logic (mdl_visit.c), booking (mdl_rollout_plan.c).
 */
#include <math.h>
#include <string.h>

#include "mdl_common.h"
#include "mdl_rollout_internal.h"
#include "mdl_visit.h"

/* Without fleet life a hub joins the DCC's read fleet when it is
 * commissioned and stays; with it the fleet follows the household's reads
 * (mdl_fleet_reads_sync after the step). */
static void join_fleet(shard_state *sh, const mdl_household *h, uint32_t local)
{
    if (!sh->outbox || sh->fl)
        return;
    unsigned flags = (mdl_hh_dual(h) && mdl_hh_gas(h) == MDL_DEV_COMMISSIONED ? MDL_DCC_FLAG_GAS : 0u) |
                     (mdl_hh_prepay(h) ? MDL_DCC_FLAG_PREPAY : 0u);
    mdl_dcc_fleet_join(sh->outbox, hh_id(sh, local), mdl_hh_region(h), flags);
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
        if (sh->fl) {   /* rollout.fleet: enrolment cohorts and a monthly capacity instead */
            h->proc = MDL_PROC_DONE;
            break;
        }
        const mdl_rollout_timetable *tt = &r->p->timetable;
        sim_rng_stream st;
        sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, hh_id(sh, local), MDL_RNG_AFTER | 1u << 8);
        double u_el = sim_draw_u01(&st), u_t = sim_draw_u01(&st);
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
    if (sh->fl && h->proc == MDL_PROC_DONE)
        mdl_fleet_enter(sh, h, local, today);
}

static void dcc_after(shard_state *sh, const mdl_household *h, uint32_t local, const mdl_visit_outcome *o, sim_time t)
{
    if (!mdl_hh_smets2(h))
        return;
    if (o->hub_installed || o->hub_on_dcc)
        send(sh, h, MDL_DCC_MSG_HUB_STATUS, t);   /* 8.14.1 installed / 8.14.2 installed, no WAN */
    if (o->hub_on_dcc) {
        send(sh, h, MDL_DCC_MSG_COMMISSION, t);
        if (sh->fl && o->elec_installed)
            send(sh, h, MDL_DCC_MSG_IHD_PAIR, t);   /* 09: the in-home display paired at install */
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
    unsigned reads = sh->fl ? fleet_reads(h) : 0;
    mdl_visit_remote(&env, h, &o);
    if (o.hub_on_dcc || mdl_hh_hub(h) == MDL_DEV_NOT_JOINED)
        cnt_of(sh, h)[C_REMOTE]++;
    dcc_after(sh, h, local, &o, office_time(sh, h, local, MDL_DCC_MSG_COMMISSION, t0));
    apply_next(sh, h, local, &o, today);
    if (sh->fl)
        mdl_fleet_reads_sync(sh, h, local, reads);
}

static void migrate(shard_state *sh, mdl_household *h, uint32_t local, sim_time t0)
{
    unsigned reads = sh->fl ? fleet_reads(h) : 0;
    mdl_hh_set_hub(h, MDL_DEV_COMMISSIONED);
    cnt_of(sh, h)[C_MIGRATIONS]++;
    send(sh, h, MDL_DCC_MSG_COMMISSION, office_time(sh, h, local, MDL_DCC_MSG_COMMISSION, t0));
    join_fleet(sh, h, local);
    h->proc = MDL_PROC_DONE;
    set_stage(sh, h, mdl_hh_device_state(h, MDL_HH_ENGAGED));
    if (sh->fl)
        mdl_fleet_reads_sync(sh, h, local, reads);
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
    fleet_visit fv;
    unsigned reads = sh->fl ? fleet_reads(h) : 0;
    if (!sh->fl || !mdl_fleet_before_visit(sh, h, local, today, &fv, &o))
        mdl_visit_run(&env, h, &o);
    if (sh->fl)
        mdl_fleet_after_visit(sh, h, local, &fv, &o);

    int64_t *c = cnt_of(sh, h);
    c[C_VISITS]++;
    c[C_REVISITS] += o.revisit;
    c[C_INSTALLS_ELEC] += o.elec_installed;
    c[C_INSTALLS_GAS] += o.gas_installed;
    if (mdl_hh_smets2(h))
        c[C_INSTALLS_SMETS2] += o.elec_installed + o.gas_installed;
    c[C_MIN_WORKED] += (int64_t)llround(o.minutes + s->travel_minutes);
    if (o.cause != MDL_CAUSE_NONE)
        sh->outc[rs_index(r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_CAUSES + (size_t)o.cause]++;
    sim_time done = ev->time + sim_time_from_minutes(o.minutes);
    dcc_after(sh, h, local, &o, done);
    apply_next(sh, h, local, &o, today);
    if (sh->fl)
        mdl_fleet_reads_sync(sh, h, local, reads);
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
    for (uint32_t i = 0; i < dy->n_jobs; i++) {
        __builtin_prefetch(&sh->hh[dy->jobs[i].hh]);
        if (sh->fl)   /* (a visit reads the fleet state too: a second line) */
            __builtin_prefetch(&sh->fl[dy->jobs[i].hh]);
    }
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
/* A new day: clear yesterday's counters (mdl_rollout_day_end has read
 * them).  Here rather than in day_end, so the clearing runs in parallel;
 * only the lead-time bins in use are touched. */
static void clear_counters(shard_state *sh)
{
    size_t n_sr = sh->r->n_sup * 3;
    memset(sh->cnt, 0, n_sr * N_COUNTERS * sizeof *sh->cnt);
    memset(sh->outc, 0, n_sr * MDL_N_CAUSES * sizeof *sh->outc);
    if (sh->fcnt)
        memset(sh->fcnt, 0, n_sr * F_N * sizeof *sh->fcnt);
    if (sh->lead_used) {
        for (size_t k = 0; k < n_sr; k++)
            memset(sh->lead + k * LEAD_BINS, 0, sh->lead_used * sizeof *sh->lead);
        sh->lead_used = 0;
    }
}

/* One due entry: a re-contact or rebook moves to its (supplier, region)'s
 * ready list without touching the household; remote commissioning,
 * migration and fleet events act on it today. */
static void act_on_due(shard_state *sh, const pend_entry *e, int64_t today, sim_time day0)
{
    switch (e->proc) {
    case MDL_PROC_WAIT_CONTACT:
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
    case MDL_PROC_FLEET:   /* (the entry's sr byte is the event kind) */
        mdl_fleet_event(sh, e->hh, e->sr, today, day0);
        break;
    default:
        break;
    }
}

/* Today's waiting households, in the order they were put on the list. */
static void drain_due(shard_state *sh, int64_t today, sim_time day0)
{
    if (today >= sh->near_lo + PEND_NEAR)
        mdl_rollout_pend_new_block(sh, today);
    pend_list *due = &sh->near[today % PEND_NEAR];
    chunk_prefetch(sh, due->head);
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
        chunk_prefetch(sh, nx);
        sh->n_pend -= n;
        for (uint32_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
            if (buf[i].proc >= MDL_PROC_WAIT_REMOTE) {
                __builtin_prefetch(&sh->hh[buf[i].hh]);
                if (sh->fl)
                    __builtin_prefetch(&sh->fl[buf[i].hh]);
            }
        for (uint32_t i = 0; i < n; i++) {
            const pend_entry *e = &buf[i];
            if (i + PREFETCH_AHEAD < n && e[PREFETCH_AHEAD].proc >= MDL_PROC_WAIT_REMOTE) {
                __builtin_prefetch(&sh->hh[e[PREFETCH_AHEAD].hh]);
                if (sh->fl)   /* (the fleet state: a second line per household) */
                    __builtin_prefetch(&sh->fl[e[PREFETCH_AHEAD].hh]);
            }
            act_on_due(sh, e, today, day0);
        }
        chunk_free(sh, ck);   /* (by index, after the appends above) */
        ck = nx;
    }
}

/* Each (supplier, region): open the diary days up to its booking horizon,
 * run the supplier's plan on a working day, and start the day's visits. */
static void run_plans(shard_state *sh, sim_shard *shard, int64_t today, sim_time day0)
{
    const mdl_rollout *r = sh->r;
    size_t n_sr = r->n_sup * 3;
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
            if (mdl_rollout_diary_open(sh, sr, ++sr->last_open) != 0)
                break;
        if (r->workday[(size_t)sr->supplier * (size_t)r->n_tab + (size_t)today])
            mdl_rollout_run_plan(sh, sr, today, day0);
        start_day(sh, sr, shard, today, day0);
    }
}

/* The daily hook: the shard's day before any of its visits run. */
static int window_begin(sim_shard *shard, void *state, sim_time t0, sim_time t1, sim_err *err)
{
    (void)t1;
    shard_state *sh = state;
    int64_t today = sim_time_day(t0);
    if (today == sh->last_day)
        return 0;   /* shorter windows (DCC detail days): the daily work runs once */
    sh->last_day = today;
    sim_time day0 = sim_time_from_days(today);
    clear_counters(sh);
    drain_due(sh, today, day0);
    if (sh->fl)
        mdl_fleet_day(sh, today, day0);   /* life after the install: migrations, tariff pushes */
    run_plans(sh, shard, today, day0);
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
