/*
 * mdl_rollout_fleet.c — life after the install (rollout.fleet): the
 * process document's business processes 02 fleet management (device
 * faults, remote fixes, repair visits, the 2G/3G hub replacement
 * programme), 03 a supplier's own tariff pushes, 05 change of supplier
 * (SMETS1 lost on switching, replacement by the gaining supplier), 06
 * change of tenancy (vacancy, payment-mode change, 07), SMETS1 enrolment
 * and adoption in device-family cohorts with a monthly DCC capacity, and
 * agenda item 5 (property reference numbers at the first visit).
 *
 * It shares the rollout's shard state because its visits go into the same
 * installer diaries (a repair waits in the same ready list as a rebook,
 * and ready bookings come before new contacts) and its waits are entries
 * of the same pending lists (process MDL_PROC_FLEET, the entry's `sr`
 * byte holding the event kind).  A household in fleet life has exactly
 * one pending entry: its next event, the earliest of its competing
 * hazards, each drawn by inverting its cumulative hazard from the
 * household's own stream (seed, household, MDL_RNG_FLEET | kind | day).
 * The hazards are piecewise constant in time (dated switching rates;
 * fault rates by device age band), so redrawing every hazard after an
 * event from that day on is exact (no memory).  Hazards pause while a
 * visit is pending or the home is empty.
 *
 * Not for: the visit's steps (mdl_visit.c), booking (mdl_rollout_plan.c),
 * dated national events at the DCC (models/dcc).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_common.h"
#include "mdl_rollout_internal.h"
#include "sim_draw.h"

#define YEAR_DAYS 365.25
#define QUARTER_DAYS 91.3125

/* Event kinds (the pending entry's sr byte). */
enum fleet_kind { K_SWITCH, K_MOVE, K_FAULT, K_HUBSWAP, K_REOCCUPY, K_REMOTE_FIX, K_NONE };

/* Visit kinds (fleet_visit.kind). */
enum { V_PLAIN, V_REPLACE, V_HUBSWAP, V_GAS, V_ONE_FUEL, V_REPAIR };

static double switch_rate_on(const mdl_rollout *r, int64_t day);

/* ---- set-up ------------------------------------------------------------------ */
int mdl_fleet_alloc(mdl_rollout *r, sim_err *err)
{
    const mdl_fleet_params *fp = &r->p->fleet;
    r->fleet = fp->enabled;
    if (!r->fleet)
        return 0;
    int64_t sd = r->sc.run.start_day;
    r->prn_day = (int32_t)(fp->prn.from - sd);
    for (int c = 0; c < MDL_FLEET_FAMILIES; c++)
        r->cohort_day[c] = (int32_t)(fp->migration.cohort_start[c] - sd);
    r->tariff_day = calloc(r->n_sup * (size_t)r->n_tab, 1);
    r->switch_cum = malloc(((size_t)r->n_tab + 1) * sizeof *r->switch_cum);
    if (!r->tariff_day || !r->switch_cum)
        return SIM_FAIL(err, SIM_ERUNTIME, "fleet: out of memory");
    r->switch_cum[0] = 0;
    r->n_sw_seg = 0;
    for (int64_t d = 0; d < r->n_tab; d++) {
        double rate = switch_rate_on(r, d);
        r->switch_cum[d + 1] = r->switch_cum[d] + rate;
        if (r->n_sw_seg == 0 || rate != r->sw_seg_rate[r->n_sw_seg - 1]) {   /* (at most one per date, and day 0) */
            r->sw_seg_day[r->n_sw_seg] = d;
            r->sw_seg_rate[r->n_sw_seg++] = rate;
        }
    }
    if (fp->tenancy.annual_rate > 0) {
        /* tenancy_at's first step: the first occupier leaves on day
         * floor(-log(u) * mean), which is after day d exactly when u <=
         * exp(-(d + 1) / mean); the table holds that bound less a margin
         * (1e-9 relative, far above the rounding of log and exp), so a draw
         * below it needs no log and gives the walk's answer. */
        r->first_out_u = malloc((size_t)r->n_tab * sizeof *r->first_out_u);
        if (!r->first_out_u)
            return SIM_FAIL(err, SIM_ERUNTIME, "fleet: out of memory");
        double mean_occ = YEAR_DAYS / fp->tenancy.annual_rate;
        for (int64_t d = 0; d < r->n_tab; d++)
            r->first_out_u[d] = exp(-(double)(d + 1) / mean_occ) * (1.0 - 1e-9);
    }
    r->hubswap_first = INT64_MAX;
    for (int reg = 0; reg < 3; reg++)
        if (fp->hub_replacement.start[reg] - r->sc.run.start_day < r->hubswap_first)
            r->hubswap_first = fp->hub_replacement.start[reg] - r->sc.run.start_day;
    r->fault_rmax = 0;
    for (int b = 0; b < MDL_FLEET_AGE_BANDS; b++) {   /* (every device, the gas meter included) */
        double s = fp->faults.hub_rate[b] + fp->faults.elec_rate[b] + fp->faults.gas_rate[b] + fp->faults.han_rate[b];
        if (s / YEAR_DAYS > r->fault_rmax)
            r->fault_rmax = s / YEAR_DAYS;
    }
    if (r->fault_rmax > 0) {
        /* schedule's fault test without its log: the hazard is inverted
         * only when -log(u) < k * rmax / (1 - 1e-9), k = best - today + 1,
         * which a draw u <= exp(-that) (less a 1e-9 margin) certainly fails. */
        r->fault_skip_u = malloc(((size_t)r->n_tab + 2) * sizeof *r->fault_skip_u);
        if (!r->fault_skip_u)
            return SIM_FAIL(err, SIM_ERUNTIME, "fleet: out of memory");
        for (int64_t k = 0; k < r->n_tab + 2; k++)
            r->fault_skip_u[k] = exp(-(double)k * r->fault_rmax / (1.0 - 1e-9)) * (1.0 - 1e-9);
    }
    /* 03: each supplier's own tariff-change days, a Poisson process from its own stream. */
    double rate = fp->tariff.changes_per_year / YEAR_DAYS;
    for (size_t s = 0; s < r->n_sup && rate > 0; s++) {
        sim_rng_stream st;
        sim_rng_stream_init(&st, (uint64_t)r->sc.run.seed, s, MDL_RNG_FLEET_SUPPLIER);
        for (double t = -log(sim_draw_u01(&st)) / rate; t < (double)r->n_tab; t += -log(sim_draw_u01(&st)) / rate)
            r->tariff_day[s * (size_t)r->n_tab + (size_t)t] = 1;
    }
    return 0;
}

int mdl_fleet_shard_init(shard_state *sh)
{
    const mdl_rollout *r = sh->r;
    if (!r->fleet)
        return 0;
    /* (sh->fl: the shard's slice of r->fl_all, zeroed pages) */
    sh->fcnt = calloc(r->n_sup * 3 * F_N, sizeof *sh->fcnt);
    sh->trad = calloc(3 * TC_N, sizeof *sh->trad);
    if (!sh->fl || !sh->fcnt || !sh->trad)
        return -1;
    sh->bytes += sh->n_hh * sizeof *sh->fl;
    return 0;
}

void mdl_fleet_shard_free(shard_state *sh)
{
    free(sh->fcnt);
    free(sh->trad);
    for (int c = 0; c < 4; c++)
        free(sh->mq[c].a);
}

/* ---- 06 the home's tenancy history ------------------------------------------------ */
/* An alternating renewal process from the start, drawn once per home from
 * its own stream (so the rollout's contacts and visits and the fleet's
 * events all see the same history): occupied for Exp(1 / annual_rate),
 * then empty for 1 + Exp(vacancy_mean_days) days, and so on.  Finds the
 * move-out day `out` and move-in day `in` of the first vacancy that ends
 * after `day` (out may be <= day: empty now; `in` is INT64_MAX when out >
 * day, as it is not drawn then).  ~1 move per home per
 * decade at GB rates, so the walk is a step or two.
 *
 * The walk is the same every time it is asked about a home, so each home
 * keeps where its last finished vacancy ended (fleet_hh.tenancy: the
 * number of vacancies k, up to 7, and the move-in day, below 8192): a
 * later question resumes there, at word 2k of the home's stream (each
 * vacancy takes two draws), rather than from the start.  It also keeps
 * the move-out day of the occupancy that starts there (fleet_hh.ten_out),
 * once drawn: a question about a day before it, the common one (every
 * contact, visit and fleet event asks), is then answered from the
 * household's own bytes, with no draw and no log.  A question about an
 * earlier day than the resume point walks from the start.  The answer is
 * the same either way (a cache: written through a const shard, as nothing
 * else reads it); only the number of draws and logs differs. */
#define TEN_DAY_BITS 13
#define TEN_DAY_MASK ((1u << TEN_DAY_BITS) - 1)
#define TW_NEED_OUT 1   /* the caller needs the move-out day itself */
#define TW_CACHE 2      /* read and keep the resume state and the move-out day */
static int tenancy_walk(const shard_state *sh, uint32_t local, int64_t day, int mode, int64_t *out, int64_t *in,
                        int64_t *last_in);
static int tenancy_at(const shard_state *sh, uint32_t local, int64_t day, int64_t *out, int64_t *in, int64_t *last_in)
{
    return tenancy_walk(sh, local, day, TW_NEED_OUT | TW_CACHE, out, in, last_in);
}

static uint16_t ten_out_code(int64_t o) { return (uint16_t)(o + 1 < (int64_t)TEN_OUT_FAR ? o + 1 : TEN_OUT_FAR); }

/* Without TW_NEED_OUT and without the cache, the caller only asks whether
 * the home is occupied on `day` (and since when); the last spell then
 * needs no log when its draw is below the table's bound (first_out_u: the
 * same test as the first spell's, counted from the move-in day), and *out
 * is only known to be after day.  (A move-out day at or past TEN_OUT_FAR -
 * 1, beyond any run, is answered as that day: callers only compare it
 * with days of the run.) */
static int tenancy_walk(const shard_state *sh, uint32_t local, int64_t day, int mode, int64_t *out, int64_t *in,
                        int64_t *last_in)
{
    const mdl_fleet_tenancy *tn = &sh->r->p->fleet.tenancy;
    *last_in = INT64_MIN / 2;
    if (tn->annual_rate <= 0)
        return 0;
    double t = 0, mean_occ = YEAR_DAYS / tn->annual_rate;
    int k = 0, ck = -1;   /* ck: the step the cache resumes at (its ten_out is that step's move-out) */
    fleet_hh *f = sh->fl && (mode & TW_CACHE) ? &sh->fl[local] : NULL;
    if (f && (!f->tenancy || (int64_t)(f->tenancy & TEN_DAY_MASK) <= day)) {
        ck = k = f->tenancy >> TEN_DAY_BITS;
        if (f->tenancy) {
            *last_in = f->tenancy & TEN_DAY_MASK;
            t = (double)*last_in;
        }
        if (f->ten_out && (int64_t)f->ten_out - 1 > day) {   /* occupied on `day`: nothing to draw */
            *out = (int64_t)f->ten_out - 1;
            *in = INT64_MAX;
            return 1;
        }
    }
    sim_rng_stream s;
    sim_rng_stream_init(&s, (uint64_t)sh->r->sc.run.seed, hh_id(sh, local), MDL_RNG_FLEET | 15u << 8);
    if (k)
        sim_rng_stream_seek(&s, 2u * (unsigned)k);
    const double *thr = (mode & (TW_NEED_OUT | TW_CACHE)) ? NULL : sh->r->first_out_u;
    for (; k < 4096; k++) {
        int64_t o;
        if (k == ck && f->ten_out) {   /* the move-out day is known (and <= day) */
            o = (int64_t)f->ten_out - 1;
            sim_rng_stream_seek(&s, 2u * (unsigned)k + 1u);
        } else {
            double u = sim_draw_u01(&s);
            int64_t from = (int64_t)t;   /* (t is a whole day here: 0, then a move-in day <= day) */
            if (thr && day >= from && day - from < sh->r->n_tab && u < thr[day - from]) {
                *out = day + 1;   /* occupied through day (the move-out day itself is not needed) */
                *in = INT64_MAX;
                return 1;
            }
            t += -log(u) * mean_occ;
            o = (int64_t)floor(t);
            if (k == ck)
                f->ten_out = ten_out_code(o);
        }
        if (o > day) {   /* occupied on `day`; the vacancy's length is not needed yet (the next draw) */
            *out = o;
            *in = INT64_MAX;
            return 1;
        }
        int64_t i = o + 1 + (int64_t)floor(-log(sim_draw_u01(&s)) * tn->vacancy_mean_days);
        if (i > day) {
            *out = o;
            *in = i;
            return 1;
        }
        *last_in = i;
        t = (double)i;
        if (k == ck && k + 1 < 8 && i > 0 && i < (1 << TEN_DAY_BITS)) {
            f->tenancy = (uint16_t)((unsigned)(k + 1) << TEN_DAY_BITS | (unsigned)i);
            f->ten_out = 0;
            ck = k + 1;
        }
    }
    return 0;
}

/* Is the home certainly still with its first occupier on `day` (its
 * first move-out later)?  From the household's own bytes once its first
 * move-out is known (drawn here otherwise, once).  0: ask tenancy_walk. */
static int first_occupier_through(const shard_state *sh, uint32_t local, int64_t day)
{
    const mdl_rollout *r = sh->r;
    if (!r->first_out_u || day < 0 || day >= r->n_tab)
        return 0;
    if (sh->fl) {
        fleet_hh *f = &sh->fl[local];
        if (f->tenancy)
            return 0;   /* (a vacancy already seen: the first occupier has left) */
        if (!f->ten_out) {
            int64_t out, in, last_in;
            tenancy_walk(sh, local, -1, TW_CACHE, &out, &in, &last_in);   /* (draws the first move-out) */
        }
        return (int64_t)f->ten_out - 1 > day;
    }
    sim_rng_stream s;
    sim_rng_stream_init(&s, (uint64_t)r->sc.run.seed, hh_id(sh, local), MDL_RNG_FLEET | 15u << 8);
    return sim_draw_u01(&s) < r->first_out_u[day];
}

int mdl_fleet_occupancy(const shard_state *sh, uint32_t local, int64_t day, int cached)
{
    int64_t out, in, last_in;
    int any = tenancy_walk(sh, local, day, cached ? TW_CACHE : 0, &out, &in, &last_in);
    if (any && out <= day)
        return MDL_OCC_VACANT;
    if ((double)(day - last_in) < sh->r->p->fleet.tenancy.new_occupier_days)
        return MDL_OCC_NEW;
    return MDL_OCC_OCCUPIED;
}

/* ---- helpers ------------------------------------------------------------------- */
static int64_t *fcnt_of(shard_state *sh, const mdl_household *h)
{
    return sh->fcnt + rs_index(sh->r, mdl_hh_region(h), mdl_hh_supplier(h)) * F_N;
}

void mdl_fleet_count(shard_state *sh, const mdl_household *h, int event) { fcnt_of(sh, h)[event]++; }

static void stream_of(const shard_state *sh, uint32_t local, int kind, int64_t day, sim_rng_stream *s)
{
    sim_rng_stream_init(s, (uint64_t)sh->r->sc.run.seed, hh_id(sh, local),
                        MDL_RNG_FLEET | (uint32_t)kind << 8 | ((uint32_t)day & 0xFFFFu) << 12);
}

static void set_cause(shard_state *sh, mdl_household *h, fleet_hh *f, int cause)
{
    if (h->stage == MDL_HH_TRADITIONAL)
        sh->trad[(size_t)mdl_hh_region(h) * TC_N + (size_t)fl_eff_cause(f)]--;
    f->cause = (uint8_t)((f->cause & ~7u) | (unsigned)cause);
    if (h->stage == MDL_HH_TRADITIONAL)
        sh->trad[(size_t)mdl_hh_region(h) * TC_N + (size_t)fl_eff_cause(f)]++;
}

static void restage(shard_state *sh, mdl_household *h)
{
    set_stage(sh, h, mdl_hh_device_state(h, MDL_HH_ENGAGED));
}

static int on_dcc(const mdl_household *h) { return mdl_hh_hub(h) == MDL_DEV_COMMISSIONED; }

/* The first day t > from at which the cumulative hazard of a piecewise
 * constant daily rate reaches `target` (-log u).  `rate_at(d)` holds on
 * [d, next_change(d)).  Returns INT64_MAX when it never does.  (Exact
 * inversion; the segments are the dated rates or the age bands.) */
typedef struct hazard {
    double (*rate_at)(const struct hazard *hz, int64_t day);      /* per day */
    int64_t (*next_change)(const struct hazard *hz, int64_t day); /* > day, or INT64_MAX */
    const mdl_rollout *r;
    const mdl_household *h;
    const fleet_hh *f;
} hazard;

static int64_t hazard_invert(const hazard *hz, int64_t from, double target, int64_t horizon)
{
    double t = (double)from, acc = 0;
    while (t < (double)horizon) {
        int64_t d = (int64_t)floor(t);
        double rate = hz->rate_at(hz, d);
        int64_t nc = hz->next_change(hz, d);
        double end = nc == INT64_MAX || nc > horizon ? (double)horizon : (double)nc;
        if (rate > 0 && acc + rate * (end - t) >= target) {
            int64_t day = (int64_t)floor(t + (target - acc) / rate);
            return day > from ? day : from + 1;
        }
        acc += rate * (end - t);
        t = end;
    }
    return INT64_MAX;
}

/* 05: the dated switching series, per day (days since the start). */
static double switch_rate_on(const mdl_rollout *r, int64_t day)
{
    const mdl_fleet_switching *s = &r->p->fleet.switching;
    int64_t abs_day = day + r->sc.run.start_day;
    size_t k = 0;
    while (k + 1 < s->n_dates && s->dates[k + 1] <= abs_day)
        k++;
    return s->n_dates ? s->annual_rate[k] / YEAR_DAYS : 0.0;
}

/* The next switch: the first day d > from on which the cumulative hazard
 * since the start of `from` reaches target: the smallest d >= from with
 * switch_cum[d + 1] >= want (then at least from + 1), the same as
 * hazard_invert over the dated segments.  The rate's segment gives a guess
 * (want is reached within it at a constant rate); a step or two on the
 * table makes it exact (a binary search over the whole table was a
 * tenth of the fleet's cost: a dozen dependent loads). */
static int64_t switch_invert(const mdl_rollout *r, int64_t from, double target)
{
    const double *c = r->switch_cum;
    double want = c[from] + target;
    if (c[r->n_tab] < want)
        return INT64_MAX;
    size_t k = 0, n = r->n_sw_seg;
    while (k + 1 < n && r->sw_seg_day[k + 1] <= from)
        k++;
    while (k + 1 < n && c[r->sw_seg_day[k + 1]] < want)
        k++;
    int64_t a = r->sw_seg_day[k] > from ? r->sw_seg_day[k] : from;
    double rate = r->sw_seg_rate[k], steps = rate > 0 ? (want - c[a]) / rate : 0.0;
    int64_t g = a + (steps < (double)r->n_tab ? (int64_t)steps : r->n_tab) - 1;
    if (g > r->n_tab - 1)
        g = r->n_tab - 1;
    if (g < from)
        g = from;
    while (g > from && c[g] >= want)   /* c is non-decreasing: walk to the smallest */
        g--;
    while (c[g + 1] < want)
        g++;
    return g > from ? g : from + 1;
}

/* 02: device faults by age band; the household's total over its devices. */
static int age_band(const hazard *hz, int64_t day)
{
    const mdl_fleet_faults *fp = &hz->r->p->fleet.faults;
    double age = ((double)day - hz->f->install_q * QUARTER_DAYS) / YEAR_DAYS;
    return age < fp->age_bands_years[0] ? 0 : age < fp->age_bands_years[1] ? 1 : 2;
}
static double device_rate(const mdl_rollout *r, const mdl_household *h, int dev, int band)
{
    const mdl_fleet_faults *fp = &r->p->fleet.faults;
    switch (dev) {
    case MDL_FLEET_HUB: return fp->hub_rate[band];
    case MDL_FLEET_ELEC: return fp->elec_rate[band];
    case MDL_FLEET_GAS: return mdl_hh_dual(h) && mdl_hh_gas(h) != MDL_DEV_LEGACY ? fp->gas_rate[band] : 0.0;
    default: return fp->han_rate[band];
    }
}
static double fault_rate(const hazard *hz, int64_t day)
{
    int b = age_band(hz, day);
    double s = 0;
    for (int d = 0; d < MDL_FLEET_N_DEVICES; d++)
        s += device_rate(hz->r, hz->h, d, b);
    return s / YEAR_DAYS;
}
static int64_t fault_next(const hazard *hz, int64_t day)
{
    const mdl_fleet_faults *fp = &hz->r->p->fleet.faults;
    double t0 = hz->f->install_q * QUARTER_DAYS;
    for (int k = 0; k < 2; k++) {
        int64_t e = (int64_t)ceil(t0 + fp->age_bands_years[k] * YEAR_DAYS);
        if (e > day)
            return e;
    }
    return INT64_MAX;
}

/* 02: the day the 2G/3G programme visits this home, or INT64_MAX. */
static int64_t hubswap_day(const shard_state *sh, const mdl_household *h, const fleet_hh *f, uint32_t local)
{
    const mdl_rollout *r = sh->r;
    const mdl_fleet_hub_replacement *hr = &r->p->fleet.hub_replacement;
    if ((f->flags & FF_HUBSWAPPED) || mdl_hh_hub(h) == MDL_DEV_LEGACY)
        return INT64_MAX;
    int reg = mdl_hh_region(h);
    double share = mdl_hh_smets2(h) ? hr->smets2_share[reg] : hr->smets1_share[reg];
    int64_t start = hr->start[reg] - r->sc.run.start_day;
    if (share <= 0 || (double)f->install_q * QUARTER_DAYS >= (double)start)
        return INT64_MAX;   /* a hub fitted once the programme runs is of the new kind */
    sim_rng_stream s;
    stream_of(sh, local, K_HUBSWAP, 0, &s);
    if (sim_draw_u01(&s) >= share)
        return INT64_MAX;
    double a = (double)(hr->start[reg] - r->sc.run.start_day), b = (double)(hr->end[reg] - r->sc.run.start_day);
    return (int64_t)floor(a + sim_draw_u01(&s) * (b - a + 1));
}

/* A competing hazard's day `key` (`at`: the day filed, key clamped to
 * after today) replaces the earliest so far only when strictly earlier:
 * on a tie the hazard considered first wins (move, switch, fault, hub
 * swap). */
static void compete(int64_t key, int64_t at, int k, int64_t *best, int *kind)
{
    if (key < *best) {
        *best = at;
        *kind = k;
    }
}

/* File the household's next event: the earliest of its hazards from
 * `today`.  The move out is the first hazard in the tie order, but it is
 * looked up (tenancy_at: a walk with a log per step) only when it can
 * matter: when the home is certainly with its first occupier past the
 * switch day (or the run), the move would lose to the switch, or both are
 * beyond the run, and the result is the same without it.  Likewise the
 * fault day is inverted only when its lower bound (the highest fault rate)
 * could beat the earliest so far.  Both shortcuts give the full
 * comparison's result exactly. */
static void schedule(shard_state *sh, mdl_household *h, uint32_t local, int64_t today)
{
    const mdl_rollout *r = sh->r;
    fleet_hh *f = &sh->fl[local];
    int64_t best = INT64_MAX, horizon = r->n_tab;
    int kind = K_NONE;
    int64_t out = INT64_MAX, in = INT64_MAX, last_in;
    if (f->flags & FF_VACANT) {
        if (!tenancy_at(sh, local, today, &out, &in, &last_in))
            in = INT64_MAX;
        best = in > today ? in : today + 1;
        kind = K_REOCCUPY;
    } else {
        sim_rng_stream s;
        stream_of(sh, local, K_NONE, today, &s);
        double u_switch = sim_draw_u01(&s), u_fault = sim_draw_u01(&s);
        int64_t t_switch = switch_invert(r, today, -log(u_switch));
        int64_t lim = t_switch < horizon ? t_switch : horizon - 1;
        if (!first_occupier_through(sh, local, lim) && tenancy_at(sh, local, today, &out, &in, &last_in))
            best = out <= today ? today + 1 : out, kind = K_MOVE;   /* the next move out, from the home's history */
        compete(t_switch, t_switch, K_SWITCH, &best, &kind);
        int64_t gap = best - today;   /* (best > today, or INT64_MAX) */
        int may_fault = r->fault_rmax > 0 && !(gap <= r->n_tab && u_fault <= r->fault_skip_u[gap + 1]);
        double target = may_fault ? -log(u_fault) : 0.0;
        if (may_fault && (double)today + target / r->fault_rmax * (1.0 - 1e-9) - 1.0 < (double)best) {
            hazard hz = {.r = r, .h = h, .f = f, .rate_at = fault_rate, .next_change = fault_next};
            int64_t t = hazard_invert(&hz, today, target, horizon);
            compete(t, t, K_FAULT, &best, &kind);
        }
        if (r->hubswap_first < best) {   /* (the programme's visits are drawn on or after its first day) */
            int64_t t = hubswap_day(sh, h, f, local);
            compete(t, t <= today ? today + 1 : t, K_HUBSWAP, &best, &kind);
        }
    }
    h->proc = MDL_PROC_FLEET;
    if (best >= horizon) {
        sh->n_beyond++;
        return;
    }
    sh->n_pend++;
    pend_file(sh, (pend_entry){.hh = local, .proc = MDL_PROC_FLEET, .sr = (uint8_t)kind, .due = (uint16_t)best});
}

static void file_event(shard_state *sh, mdl_household *h, uint32_t local, int kind, int64_t due)
{
    h->proc = MDL_PROC_FLEET;
    if (due <= sh->last_day)
        due = sh->last_day + 1;
    if (due >= sh->r->n_tab) {
        sh->n_beyond++;
        return;
    }
    sh->n_pend++;
    pend_file(sh, (pend_entry){.hh = local, .proc = MDL_PROC_FLEET, .sr = (uint8_t)kind, .due = (uint16_t)due});
}

/* ---- entering fleet life ------------------------------------------------------- */
/* One draw per household: a SMETS1 meter that can never be migrated. */
static int never_migrates(const shard_state *sh, uint32_t local)
{
    sim_rng_stream s;
    stream_of(sh, local, K_NONE, 0xFFFF, &s);
    return sim_draw_u01(&s) < sh->r->p->fleet.migration.never_share;
}

void mdl_fleet_enter(shard_state *sh, mdl_household *h, uint32_t local, int64_t today)
{
    const mdl_rollout *r = sh->r;
    fleet_hh *f = &sh->fl[local];
    if (mdl_hh_elec(h) == MDL_DEV_LEGACY)
        return;   /* refused for good: nothing installed */
    if (h->stage != MDL_HH_TRADITIONAL)
        f->cause = (uint8_t)(f->cause & ~7u);   /* (a gas fault, partial: fixed) */
    if (!(f->flags & FF_LIVE)) {
        f->flags |= FF_LIVE;
        int64_t q = (int64_t)(today / QUARTER_DAYS);
        f->install_q = (uint8_t)(q > 255 ? 255 : q);
    }
    if (!mdl_hh_smets2(h) && !on_dcc(h) && !(f->flags & FF_ENROLLED)) {
        /* SMETS1: its device family is its installing supplier's; enrolled
         * in that family's cohort unless it is one that never migrates. */
        f->flags |= FF_ENROLLED;
        int fam = (int)r->p->suppliers[mdl_hh_supplier(h)].smets1_family;
        f->cause = (uint8_t)((f->cause & ~(3u << 3)) | (unsigned)fam << 3);
        if (!never_migrates(sh, local) && fifo_push(&sh->mq[fam], local))
            sh->oom = 1;
    }
    schedule(sh, h, local, today);
}

/* ---- events ------------------------------------------------------------------------ */
static int draw_supplier(const mdl_rollout *r, int current, double u)
{
    double tot = 0;
    for (size_t s = 0; s < r->n_sup; s++)
        tot += (int)s == current ? 0.0 : r->p->suppliers[s].share;
    double x = u * tot, c = 0;
    int last = current;
    for (size_t s = 0; s < r->n_sup; s++) {
        if ((int)s == current)
            continue;
        last = (int)s;
        c += r->p->suppliers[s].share;
        if (x < c)
            return (int)s;
    }
    return last;
}

/* 05 change of supplier.  Returns 1 when the household now waits for a visit. */
static int on_switch(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_fleet_switching *sw = &r->p->fleet.switching;
    fleet_hh *f = &sh->fl[local];
    if (r->n_sup < 2)
        return 0;
    sim_rng_stream s;
    stream_of(sh, local, K_SWITCH, today, &s);
    double u_sup = sim_draw_u01(&s), u_op = sim_draw_u01(&s), u_rep = sim_draw_u01(&s), u_del = sim_draw_u01(&s);
    int gain = draw_supplier(r, mdl_hh_supplier(h), u_sup);
    /* move the household's state count to its new supplier */
    int64_t *st = sh->stage + rs_index(r, mdl_hh_region(h), mdl_hh_supplier(h)) * MDL_N_HH_STATES;
    st[h->stage]--;
    mdl_hh_set_supplier(h, gain);
    sh->stage[rs_index(r, mdl_hh_region(h), gain) * MDL_N_HH_STATES + h->stage]++;
    int64_t *c = fcnt_of(sh, h);
    c[F_SWITCHES]++;
    if (on_dcc(h) || mdl_hh_smets2(h)) {
        send(sh, h, MDL_DCC_MSG_COS, office_time(sh, h, local, MDL_DCC_MSG_COS, t0));   /* SMETS2 / migrated: stays smart */
        return 0;
    }
    /* SMETS1 off the DCC: smart only if the gaining supplier runs its family's head-end. */
    int operable = (int)r->p->suppliers[gain].smets1_family == fl_family(f) || u_op < sw->operate_other_prob;
    int hub = mdl_hh_hub(h), cause = fl_cause(f);
    if (!operable && hub == MDL_DEV_NOT_JOINED) {
        int awaiting = today >= r->cohort_day[fl_family(f)] && (f->flags & FF_ENROLLED) && !never_migrates(sh, local);
        set_cause(sh, h, f, awaiting ? TC_AWAITING_MIGRATION : TC_LOST_ON_SWITCHING);
        mdl_hh_set_hub(h, MDL_DEV_TRADITIONAL);
        restage(sh, h);
        c[F_LOST_ON_SWITCHING]++;
    } else if (operable && hub == MDL_DEV_TRADITIONAL &&
               (cause == TC_LOST_ON_SWITCHING || cause == TC_AWAITING_MIGRATION)) {
        mdl_hh_set_hub(h, MDL_DEV_NOT_JOINED);
        restage(sh, h);
        c[F_REGAINED_ON_SWITCHING]++;
    }
    /* A replacement fits SMETS2 meters, so it is booked only once SMETS2
     * exists (timetable.smets2_start); before that the meter stays in
     * traditional mode until migration. */
    if (!operable && today >= r->smets2_day && u_rep < sw->replace_prob && mdl_hh_hub(h) == MDL_DEV_TRADITIONAL) {
        f->flags |= FF_REPLACE;
        c[F_REPLACEMENTS_BOOKED]++;
        wait_until(sh, h, local, MDL_PROC_WAIT_BOOK, today + 1 + (int64_t)floor(-log(u_del) * sw->replace_delay_days));
        return 1;
    }
    return 0;
}

/* 06 change of tenancy: the old occupier leaves (final read, account closed). */
static void on_move(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, sim_time t0)
{
    sh->fl[local].flags |= FF_VACANT;
    fcnt_of(sh, h)[F_MOVES]++;
    if (on_dcc(h))
        send(sh, h, MDL_DCC_MSG_TENANCY, office_time(sh, h, local, MDL_DCC_MSG_TENANCY, t0));
}

/* 06/07: a new occupier (opening read, account) may change the payment mode. */
static void on_reoccupy(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, sim_time t0)
{
    const mdl_fleet_tenancy *tn = &sh->r->p->fleet.tenancy;
    sh->fl[local].flags &= (uint8_t)~FF_VACANT;
    fcnt_of(sh, h)[F_REOCCUPIED]++;
    sim_rng_stream s;
    stream_of(sh, local, K_REOCCUPY, today, &s);
    int pre = mdl_hh_prepay(h);
    if (sim_draw_u01(&s) < (pre ? tn->to_credit_prob : tn->to_prepay_prob)) {
        mdl_hh_set_prepay(h, !pre);
        fcnt_of(sh, h)[F_PAYMENT_SWITCHES]++;
        if (on_dcc(h))
            send(sh, h, MDL_DCC_MSG_PAYMENT_MODE, office_time(sh, h, local, MDL_DCC_MSG_PAYMENT_MODE, t0));
    }
    if (on_dcc(h))
        send(sh, h, MDL_DCC_MSG_TENANCY, office_time(sh, h, local, MDL_DCC_MSG_TENANCY, t0));
}

/* 02 a device fault.  Returns 1 when the household now waits for a visit. */
static int on_fault(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_fleet_faults *fp = &r->p->fleet.faults;
    fleet_hh *f = &sh->fl[local];
    sim_rng_stream s;
    stream_of(sh, local, K_FAULT, today, &s);
    double u_dev = sim_draw_u01(&s), u_fix = sim_draw_u01(&s), u_days = sim_draw_u01(&s);
    hazard hz = {.r = r, .h = h, .f = f};
    int band = age_band(&hz, today), dev = MDL_FLEET_HAN;
    double tot = 0, acc = 0;
    for (int d = 0; d < MDL_FLEET_N_DEVICES; d++)
        tot += device_rate(r, h, d, band);
    for (int d = 0; d < MDL_FLEET_N_DEVICES; d++) {
        acc += device_rate(r, h, d, band);
        if (u_dev * tot < acc) {
            dev = d;
            break;
        }
    }
    f->saved = (uint8_t)((f->saved & FS_READS) | h->meters);
    f->cause = (uint8_t)((f->cause & ~(3u << 5)) | (unsigned)dev << 5);
    int cause = dev == MDL_FLEET_HAN ? TC_HAN_FAULT : TC_DEVICE_FAULT;
    set_cause(sh, h, f, cause);
    switch (dev) {
    case MDL_FLEET_HUB:   /* the hub is replaced: the meters must join the new one */
        mdl_hh_set_hub(h, MDL_DEV_LEGACY);
        mdl_hh_set_elec(h, MDL_DEV_TRADITIONAL);
        if (mdl_hh_dual(h) && mdl_hh_gas(h) != MDL_DEV_LEGACY)
            mdl_hh_set_gas(h, MDL_DEV_TRADITIONAL);
        break;
    case MDL_FLEET_ELEC: mdl_hh_set_elec(h, MDL_DEV_TRADITIONAL); break;
    case MDL_FLEET_GAS: mdl_hh_set_gas(h, MDL_DEV_TRADITIONAL); break;
    default: mdl_hh_set_elec(h, MDL_DEV_NOT_JOINED); break;
    }
    restage(sh, h);
    fcnt_of(sh, h)[F_FAULT_HUB + dev]++;
    if (((f->saved >> 4) & 3u) == MDL_DEV_COMMISSIONED)   /* the hub was on the DCC: it sees the fault */
        send(sh, h, MDL_DCC_MSG_REPAIR, office_time(sh, h, local, MDL_DCC_MSG_REPAIR, t0));
    if (u_fix < fp->remote_fix_prob[dev]) {   /* (a hub: reset remotely rather than replaced) */
        file_event(sh, h, local, K_REMOTE_FIX, today + 1 + (int64_t)floor(-log(u_days) * fp->remote_fix_days));
        return 1;
    }
    h->fix |= MDL_FIX_OTHER;
    wait_until(sh, h, local, MDL_PROC_WAIT_BOOK, today + 1 + (int64_t)fp->visit_delay_days);
    return 1;
}

static void on_remote_fix(shard_state *sh, mdl_household *h, uint32_t local, sim_time t0)
{
    fleet_hh *f = &sh->fl[local];
    h->meters = f->saved & FS_METERS;
    restage(sh, h);
    if (h->stage == MDL_HH_TRADITIONAL)   /* it was in traditional mode before the fault too */
        set_cause(sh, h, f, TC_NONE);
    else
        f->cause = (uint8_t)(f->cause & ~7u);
    fcnt_of(sh, h)[F_REMOTE_FIXES]++;
    if (on_dcc(h))
        send(sh, h, MDL_DCC_MSG_REPAIR, office_time(sh, h, local, MDL_DCC_MSG_REPAIR, t0));
}

void mdl_fleet_event(shard_state *sh, uint32_t local, int kind, int64_t today, sim_time t0)
{
    mdl_household *h = &sh->hh[local];
    unsigned reads = fleet_reads(h);
    int waits = 0;
    switch (kind) {
    case K_SWITCH: waits = on_switch(sh, h, local, today, t0); break;
    case K_MOVE: on_move(sh, h, local, today, t0); break;
    case K_REOCCUPY: on_reoccupy(sh, h, local, today, t0); break;
    case K_FAULT: waits = on_fault(sh, h, local, today, t0); break;
    case K_REMOTE_FIX: on_remote_fix(sh, h, local, t0); break;
    case K_HUBSWAP:
        sh->fl[local].flags |= FF_HUBSWAP;
        fcnt_of(sh, h)[F_HUB_SWAPS_BOOKED]++;
        wait_until(sh, h, local, MDL_PROC_WAIT_BOOK, today + 1);
        waits = 1;
        break;
    default: break;
    }
    mdl_fleet_reads_sync(sh, h, local, reads);
    if (!waits)
        schedule(sh, h, local, today);
}

/* ---- the household's scheduled reads at the DCC ---------------------------------- */
/* The DCC's read fleet follows the household (see fleet_reads): a change
 * of record leaves with the old record and joins with the new (a gas
 * meter joining or failing, a payment-mode change, a fault, a repair).
 * The half-hourly bit is the premise's: its first join sets it by the
 * date (dcc.half_hourly_from) and every later record carries it, so a
 * leave takes out exactly what the last join put in. */
void mdl_fleet_reads_sync(shard_state *sh, const mdl_household *h, uint32_t local, unsigned before)
{
    fleet_hh *f = &sh->fl[local];
    unsigned now = fleet_reads(h);
    if (now == before)
        return;
    uint64_t id = hh_id(sh, local);
    int reg = mdl_hh_region(h);
    unsigned hh = f->cause & FC_HALF_HOURLY ? MDL_DCC_FLAG_HALF_HOURLY : 0u;
    if (before & READS_ON) {
        if (sh->outbox)
            mdl_dcc_fleet_leave(sh->outbox, id, reg, (before & ~READS_ON) | hh);
        f->saved &= (uint8_t)~FS_READS;
    }
    if (now & READS_ON) {
        if (f->flags & FF_JOINED) {
            if (sh->outbox)
                mdl_dcc_fleet_rejoin(sh->outbox, id, reg, (now & ~READS_ON) | hh);
        } else {
            f->flags |= FF_JOINED;
            if (sh->outbox && (mdl_dcc_fleet_join(sh->outbox, id, reg, now & ~READS_ON) & MDL_DCC_FLAG_HALF_HOURLY))
                f->cause |= FC_HALF_HOURLY;
        }
        f->saved |= FS_READS;
    }
}

/* ---- the day: SMETS1 migration capacity, a supplier's tariff pushes ----------------- */
static void migrate_one(shard_state *sh, mdl_household *h, uint32_t local, sim_time t0)
{
    fleet_hh *f = &sh->fl[local];
    unsigned reads = fleet_reads(h);
    mdl_hh_set_hub(h, MDL_DEV_COMMISSIONED);
    if (h->stage == MDL_HH_TRADITIONAL)
        set_cause(sh, h, f, TC_NONE);
    restage(sh, h);
    cnt_of(sh, h)[C_MIGRATIONS]++;
    fcnt_of(sh, h)[F_MIGRATIONS]++;
    send(sh, h, MDL_DCC_MSG_COMMISSION, office_time(sh, h, local, MDL_DCC_MSG_COMMISSION, t0));
    mdl_fleet_reads_sync(sh, h, local, reads);
}

/* The share of the DCC's migration capacity on `today` (migration.capacity_dates/share, piecewise constant). */
static double capacity_share_on(const mdl_rollout *r, int64_t today)
{
    const mdl_fleet_migration *m = &r->p->fleet.migration;
    if (m->n_capacity_dates == 0)
        return 1.0;
    int64_t abs_day = r->sc.run.start_day + today;
    size_t k = 0;
    while (k + 1 < m->n_capacity_dates && m->capacity_dates[k + 1] <= abs_day)
        k++;
    return m->capacity_share[k];
}

static void migrations(shard_state *sh, int64_t today, sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_fleet_migration *m = &r->p->fleet.migration;
    if (today < r->cohort_day[0] && today < r->cohort_day[1] && today < r->cohort_day[2] && today < r->cohort_day[3])
        return;
    sh->mig_credit += m->monthly_capacity_per_10k * capacity_share_on(r, today) * 1e-4 * (double)sh->n_hh * 12.0 / YEAR_DAYS;
    int64_t cap = (int64_t)floor(sh->mig_credit);
    sh->mig_credit -= (double)cap;
    for (int c = 0; c < MDL_FLEET_FAMILIES && cap > 0; c++) {
        if (today < r->cohort_day[c])
            continue;
        fifo *q = &sh->mq[c];
        size_t n = q->n;   /* those put back are not retried today */
        for (size_t k = 0; k < n && cap > 0; k++) {
            if (k + PREFETCH_AHEAD < q->n)   /* (the queue's households are in enrolment order, not memory order) */
                __builtin_prefetch(&sh->hh[fifo_at(q, PREFETCH_AHEAD)]);
            uint32_t local = fifo_front(q);
            fifo_pop(q);
            mdl_household *h = &sh->hh[local];
            if (mdl_hh_smets2(h) || on_dcc(h) || mdl_hh_elec(h) == MDL_DEV_LEGACY)
                continue;   /* replaced (or moved on): leaves the queue */
            if (h->proc != MDL_PROC_FLEET || mdl_hh_hub(h) == MDL_DEV_LEGACY) {
                if (fifo_push(q, local))   /* a visit is pending: back of the queue */
                    sh->oom = 1;
                continue;
            }
            migrate_one(sh, h, local, t0);
            cap--;
        }
    }
}

/* The minute (since the day's start, not wrapped at midnight) of push k
 * of n spread evenly over `span` seconds from `base` (the k-th at base +
 * k/n of the span). */
static int64_t push_minute(sim_time base, double span, int64_t k, int64_t n)
{
    return (base + (sim_time)((double)k / (double)n * span * 1e6)) / SIM_US_PER_MIN;
}

/* n tariff pushes spread evenly over the batch window, counted by minute:
 * the minute of each push is the one its own time falls in (push_minute
 * is non-decreasing in k, so a minute's pushes are a run of k, found from
 * the inverse and a step or two).  Returns the end of the run that starts
 * at push k, and its minute in *minute. */
int64_t mdl_fleet_spread_run(sim_time base, double span, int64_t n, int64_t k, int64_t *minute)
{
    int64_t u = push_minute(base, span, k, n), e = n;
    if (span > 0) {   /* the first push past minute u: near n (X - base) / span */
        double x = ((double)(u + 1) * (double)SIM_US_PER_MIN - (double)base) / (span * 1e6) * (double)n;
        e = x < (double)n ? (int64_t)ceil(x) : n;
        if (e <= k)
            e = k + 1;
        while (e > k + 1 && push_minute(base, span, e - 1, n) > u)
            e--;
        while (e < n && push_minute(base, span, e, n) <= u)
            e++;
    }
    *minute = u;
    return e;
}

/* The pushes go to the DCC as a count per minute, as one message per push
 * would give, for a few records a minute instead of one per push. */
static void push_spread(mdl_dcc_outbox *o, int reg, sim_time t0, sim_time base, double span, int64_t n)
{
    for (int64_t k = 0, e, u; k < n; k = e) {
        e = mdl_fleet_spread_run(base, span, n, k, &u);
        mdl_dcc_messages(o, reg, MDL_DCC_MSG_SUPPLIER_TARIFF, t0 + u * SIM_US_PER_MIN, (uint64_t)(e - k));
    }
}

static void tariff_pushes(shard_state *sh, int64_t today, sim_time t0)
{
    const mdl_rollout *r = sh->r;
    const mdl_fleet_tariff *tp = &r->p->fleet.tariff;
    for (size_t s = 0; s < r->n_sup; s++) {
        if (!r->tariff_day[s * (size_t)r->n_tab + (size_t)today])
            continue;
        for (int reg = 0; reg < 3; reg++) {
            const int64_t *st = sh->stage + rs_index(r, reg, (int)s) * MDL_N_HH_STATES;
            int64_t n = (int64_t)llround(tp->share_updated * (double)(st[MDL_HH_SMART] + st[MDL_HH_PARTIAL]));
            sh->fcnt[rs_index(r, reg, (int)s) * F_N + F_TARIFF_PUSHES] += n;
            if (!sh->outbox)
                continue;
            push_spread(sh->outbox, reg, t0, sim_time_from_hours(tp->batch_start_hour), tp->batch_hours * 3600.0, n);
        }
    }
}

void mdl_fleet_day(shard_state *sh, int64_t today, sim_time t0)
{
    migrations(sh, today, t0);
    tariff_pushes(sh, today, t0);
}

/* ---- around a visit ----------------------------------------------------------------- */
/* Agenda item 5: is this dual-fuel premise's gas supply point untied from
 * its electricity one?  One draw per household, so the premises still
 * untied after references come in are a subset of those before. */
static int prn_unlinked(const shard_state *sh, uint32_t local, int64_t today)
{
    const mdl_fleet_prn *p = &sh->r->p->fleet.prn;
    double share = today >= sh->r->prn_day ? p->unlinked_share_after : p->unlinked_share;
    if (share <= 0)
        return 0;
    sim_rng_stream s;
    stream_of(sh, local, K_NONE, 0xFFFE, &s);
    return sim_draw_u01(&s) < share;
}

/* Returns 1 when the visit is over before it starts (wrong meter point): *o is its outcome. */
int mdl_fleet_before_visit(shard_state *sh, mdl_household *h, uint32_t local, int64_t today, fleet_visit *fv,
                           mdl_visit_outcome *o)
{
    fleet_hh *f = &sh->fl[local];
    fv->meters = h->meters;
    fv->attrs = h->attrs;
    fv->kind = V_PLAIN;
    if (mdl_fleet_occupancy(sh, local, today, 1) == MDL_OCC_VACANT) {   /* 06: nobody lives there now */
        h->n_visit++;
        *o = (mdl_visit_outcome){.cause = MDL_CAUSE_NO_ACCESS, .next = MDL_NEXT_REBOOK, .remote_day = MDL_DAY_NEVER,
                                 .minutes = sh->r->p->visit.pre_work_minutes, .revisit = mdl_hh_elec(h) != MDL_DEV_LEGACY};
        fcnt_of(sh, h)[F_VACANT_NO_ACCESS]++;
        return 1;
    }
    if (f->flags & FF_REPLACE) {
        fv->kind = V_REPLACE;   /* the walk sees old meters and fits SMETS2 */
        h->meters = 0;
        mdl_hh_set_smets2(h, 1);
    } else if (f->flags & FF_HUBSWAP) {
        fv->kind = V_HUBSWAP;
        if (!mdl_hh_smets2(h)) {   /* SMETS1 (2G/3G hub and head-end): replaced by SMETS2 meters */
            h->meters = 0;
            mdl_hh_set_smets2(h, 1);
        } else {                   /* a new hub: the meters join it */
            mdl_hh_set_hub(h, MDL_DEV_LEGACY);
            mdl_hh_set_elec(h, MDL_DEV_TRADITIONAL);
            if (mdl_hh_gas(h) != MDL_DEV_LEGACY)
                mdl_hh_set_gas(h, MDL_DEV_TRADITIONAL);
        }
    } else if (f->flags & FF_GAS_VISIT) {
        fv->kind = V_GAS;
    } else if (mdl_hh_elec(h) == MDL_DEV_LEGACY && mdl_hh_dual(h) && prn_unlinked(sh, local, today)) {
        const mdl_fleet_prn *p = &sh->r->p->fleet.prn;
        sim_rng_stream s;
        stream_of(sh, local, K_NONE, 0xFFF0 | (h->n_visit & 15u), &s);
        if (sim_draw_u01(&s) < p->wrong_point_prob) {
            h->n_visit++;
            *o = (mdl_visit_outcome){.cause = MDL_CAUSE_OTHER, .next = MDL_NEXT_REBOOK, .remote_day = MDL_DAY_NEVER,
                                     .minutes = sh->r->p->visit.pre_work_minutes};
            fcnt_of(sh, h)[F_PRN_ABORTS]++;
            return 1;
        }
        fv->kind = V_ONE_FUEL;   /* booked for electricity only */
        mdl_hh_set_dual(h, 0);
    } else if (mdl_hh_elec(h) != MDL_DEV_LEGACY && (fl_cause(f) == TC_DEVICE_FAULT || fl_cause(f) == TC_HAN_FAULT)) {
        fv->kind = V_REPAIR;
    }
    return 0;
}

void mdl_fleet_after_visit(shard_state *sh, mdl_household *h, uint32_t local, const fleet_visit *fv,
                           mdl_visit_outcome *o)
{
    fleet_hh *f = &sh->fl[local];
    int64_t *c = fcnt_of(sh, h);
    switch (fv->kind) {
    case V_REPLACE:
        c[F_REPLACEMENT_VISITS]++;
        if (!o->elec_installed) {   /* not exchanged: the old meters stay */
            h->meters = fv->meters;
        } else {
            f->flags &= (uint8_t)~FF_REPLACE;
            f->flags &= (uint8_t)~FF_LIVE;   /* new devices: age from now */
        }
        break;
    case V_HUBSWAP:
        c[F_HUB_SWAP_VISITS]++;
        if (!o->hub_installed && !o->elec_installed) {   /* nothing fitted: the old devices stay */
            h->meters = fv->meters;
        } else {
            f->flags = (uint8_t)((f->flags & ~FF_HUBSWAP) | FF_HUBSWAPPED);
            if (o->elec_installed)
                f->flags &= (uint8_t)~FF_LIVE;   /* new meters: age from now */
        }
        break;
    case V_GAS:
        if (mdl_hh_gas(h) != MDL_DEV_LEGACY) {
            o->gas_installed = 1;
            c[F_PRN_SECOND_VISITS]++;
            f->flags &= (uint8_t)~FF_GAS_VISIT;
        }
        break;
    case V_ONE_FUEL:
        h->attrs = fv->attrs;   /* still a dual-fuel home: its gas meter is still the old one */
        c[F_PRN_ONE_FUEL_VISITS]++;
        if (o->elec_installed) {
            sim_rng_stream s;
            stream_of(sh, local, K_NONE, 0xFFFD, &s);
            if ((o->next == MDL_NEXT_DONE || o->next == MDL_NEXT_MIGRATE) &&
                sim_draw_u01(&s) >= sh->r->p->fleet.prn.missed_gas_prob) {
                f->flags |= FF_GAS_VISIT;   /* a second visit for the gas meter */
                o->next = MDL_NEXT_REVISIT;
            } else {
                c[F_PRN_MISSED_GAS]++;
            }
        }
        break;
    case V_REPAIR:
        c[F_REPAIR_VISITS]++;
        /* a migrated SMETS1's new hub is commissioned on the DCC like the old one */
        if (mdl_hh_hub(h) == MDL_DEV_NOT_JOINED && ((f->saved >> 4) & 3u) == MDL_DEV_COMMISSIONED)
            mdl_hh_set_hub(h, MDL_DEV_COMMISSIONED);
        break;
    default:
        break;
    }
    /* A refusal on the day at a home that keeps its smart meters is a
     * rebook, not a re-contact (contacting is for homes with old meters). */
    if (o->next == MDL_NEXT_RECONTACT && mdl_hh_elec(h) != MDL_DEV_LEGACY)
        o->next = MDL_NEXT_REBOOK;
}
