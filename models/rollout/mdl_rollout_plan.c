/*
 * mdl_rollout_plan.c — diaries and booking: each (supplier, region)'s
 * installer diaries (a ring of RING days, an open-day bitmap), and a
 * supplier's daily plan (rebook agreed jobs, contact households, agree and
 * book appointments first-fit) — process steps 1.1 to 1.6.
 *
 * Not for: the visit itself (mdl_rollout_day.c, mdl_visit.c).
 */
#include <math.h>
#include <stdlib.h>

#include "mdl_common.h"
#include "mdl_rollout_internal.h"
#include "sim_vec.h"

/* ---- diaries ------------------------------------------------------------- */
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

int mdl_rollout_diary_open(shard_state *sh, sr_state *sr, int64_t day)
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
        size_t cap = dy->cap_jobs;
        job *a = sim_vec_grow(dy->jobs, &cap, (size_t)dy->n_jobs + 1, sizeof *a, 16);
        if (!a) {
            sh->oom = 1;
            return -1;
        }
        sh->bytes += (cap - dy->cap_jobs) * sizeof *a;
        dy->jobs = a;
        dy->cap_jobs = (uint32_t)cap;
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
    double u_gen = sim_draw_u01(&st), u_slot = sim_draw_u01(&st);
    double lead = (double)s->lead_min_days;
    if (!asap && s->lead_mean_days > 0) {
        if (s->lead_cv > 0) {
            double k = 1.0 / (s->lead_cv * s->lead_cv);
            lead = ceil(sim_draw_gamma(&st, k, s->lead_mean_days / k));
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
    else
        b->smets2 = u_gen < r->smets2_share[today];
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
        send(sh, h, MDL_DCC_MSG_PRENOTIFY, office_time(sh, h, local, MDL_DCC_MSG_PRENOTIFY, t0));
}

/* Rebook the customers who agreed but found the diaries full, oldest
 * first.  Returns 0 when the diaries are full again (the rest wait for
 * the next working day). */
static int rebook_ready(shard_state *sh, sr_state *sr, int64_t today, sim_time t0)
{
    booking b;
    for (size_t k = 0; k < PREFETCH_AHEAD && k < sr->ready_book.n; k++)
        __builtin_prefetch(&sh->hh[fifo_at(&sr->ready_book, k)]);
    while (sr->ready_book.n) {
        uint32_t local = fifo_front(&sr->ready_book);
        mdl_household *h = &sh->hh[local];
        if (sr->ready_book.n > PREFETCH_AHEAD)
            __builtin_prefetch(&sh->hh[fifo_at(&sr->ready_book, PREFETCH_AHEAD)]);
        if (!plan_booking(sh, sr, h, local, today, 1, &b))
            return 0;
        fifo_pop(&sr->ready_book);
        book(sh, sr, h, local, today, &b, t0);
    }
    return 1;
}

/* Today's contact attempts: contacts_per_installer_day per installer-day;
 * with a monthly target, each new month also adds its (fractional,
 * carried) quota to month_left. */
static int64_t contact_budget(const mdl_rollout *r, sr_state *sr, int64_t today)
{
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
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
    return budget;
}

/* rollout.fleet: an empty home answers nothing (its draws are taken all
 * the same); a new occupier decides afresh.  The acceptance probability
 * for this contact. */
static double occupant_accept(shard_state *sh, const mdl_household *h, uint32_t local, int64_t today, double accept,
                              double *u_answer)
{
    if (!sh->fl)
        return accept;
    int occ = mdl_fleet_occupancy(sh, local, today, 1);   /* (its fleet state was fetched with the household) */
    if (occ == MDL_OCC_VACANT) {
        *u_answer = 1.0;
        mdl_fleet_count(sh, h, F_VACANT_CONTACTS);
    } else if (occ == MDL_OCC_NEW) {
        accept = fmin(1.0, accept * sh->r->p->fleet.tenancy.new_occupier_accept_factor);
    }
    return accept;
}

enum contact_result { CONTACT_SKIPPED, CONTACT_MADE, CONTACT_DIARIES_FULL };

/* Process steps 1.1-1.6 for one household: the site's comms data (1.3;
 * policy postpone may defer an uncovered site without a contact), the
 * contact, and for a customer who agrees, the booking. */
static enum contact_result contact(shard_state *sh, sr_state *sr, mdl_household *h, uint32_t local, int64_t today,
                                   sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_rollout_supplier *s = &r->p->suppliers[sr->supplier];
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
        return CONTACT_SKIPPED;
    }
    /* 1.1/1.6: contact the customer and agree the appointment. */
    sim_rng_stream st;
    sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, hh_id(sh, local), MDL_RNG_CONTACT | (uint32_t)h->n_contact << 8);
    h->n_contact++;
    double u_answer = sim_draw_u01(&st), u_accept = sim_draw_u01(&st);
    c[C_CONTACTS]++;
    double accept = occupant_accept(sh, h, local, today, s->acceptance_prob, &u_answer);
    if (u_answer >= s->contact_answer_prob) {
        if (++h->n_noanswer >= s->contact_attempts) {
            h->n_noanswer = 0;
            wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + r->p->visit.return_delay_days);
        } else {
            wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + s->no_answer_retry_days);
        }
        return CONTACT_MADE;
    }
    h->n_noanswer = 0;
    if (u_accept >= accept) {
        c[C_REFUSALS]++;
        h->n_refusal++;
        set_stage(sh, h, MDL_HH_DECLINED);
        if (h->n_refusal >= s->max_refusals)
            h->proc = MDL_PROC_DONE;
        else
            wait_until(sh, h, local, MDL_PROC_WAIT_CONTACT, today + s->refusal_recontact_days);
        return CONTACT_MADE;
    }
    c[C_ACCEPTANCES]++;
    h->n_rebook = 0;
    if (s->monthly_target_per_10k > 0)
        sr->month_left--;
    /* 1.6: agree the appointment.  Contacting first and booking only the
     * customers who accept keeps the lead-time draw off the ~2/3 of
     * contacts that do not; if the diaries turn out full, the customer is
     * booked first thing on the next working day. */
    booking b;
    if (!plan_booking(sh, sr, h, local, today, 0, &b)) {
        set_stage(sh, h, MDL_HH_ENGAGED);
        h->proc = MDL_PROC_READY_BOOK;
        if (fifo_push(&sr->ready_book, local))
            sh->oom = 1;
        return CONTACT_DIARIES_FULL;
    }
    book(sh, sr, h, local, today, &b, t0);
    return CONTACT_MADE;
}

/* A supplier's plan for one (supplier, region) on a working day: first
 * rebook agreed jobs, then contact households (re-contacts due first, then
 * the work list) while the diaries, the contact cap and the monthly target
 * allow. */
void mdl_rollout_run_plan(shard_state *sh, sr_state *sr, int64_t today, sim_time t0)
{
    const mdl_rollout_supplier *s = &sh->r->p->suppliers[sr->supplier];
    if (!rebook_ready(sh, sr, today, t0))
        return;   /* diaries full: tomorrow */
    int64_t budget = contact_budget(sh->r, sr, today), contacts = 0;
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
        if (from_ready)
            fifo_pop(&sr->ready_contact);
        else
            sr->list_pos++;
        enum contact_result cr = contact(sh, sr, &sh->hh[local], local, today, t0);
        if (cr == CONTACT_DIARIES_FULL)
            break;
        contacts += cr == CONTACT_MADE;
    }
}
