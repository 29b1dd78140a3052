/*
 * mdl_rollout_output.c — the /rollout group: its variables, the day's
 * reduction of the shards' counters (in shard order, then across ranks),
 * the day's row of every series, and the run's totals.
 *
 * Not for: what is counted (mdl_rollout_plan.c, mdl_rollout_day.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_common.h"
#include "mdl_rollout_internal.h"
#include "sim_mpi.h"

static const struct {
    const char *name, *units, *long_name;
    int is_float;
    int counter;   /* enum counter, or -1 */
} outvars[N_OUTVARS] = {
    {"contacts", "1", "contact attempts made (process steps 1.1/1.6)", 0, C_CONTACTS},
    {"acceptances", "1", "contacts that agreed an appointment", 0, C_ACCEPTANCES},
    {"refusals", "1", "contacts that refused", 0, C_REFUSALS},
    {"appointments", "1", "appointments booked (first bookings, rebooks and revisits)", 0, C_APPOINTMENTS},
    {"visits", "1", "installer visits (first visits and revisits)", 0, C_VISITS},
    {"installs_elec", "1", "electricity meters exchanged for smart meters", 0, C_INSTALLS_ELEC},
    {"installs_gas", "1", "gas meters exchanged for smart meters", 0, C_INSTALLS_GAS},
    {"installs_smets2", "1", "meters (electricity + gas) exchanged for second-generation (SMETS2) smart meters", 0,
     C_INSTALLS_SMETS2},
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

/* /fleet coordinates (life after the install, rollout.fleet). */
static const char *const fleet_event_names[F_N] = {
    "switches", "lost_on_switching", "regained_on_switching", "replacements_booked", "replacement_visits",
    "moves", "reoccupied", "payment_mode_switches", "tariff_pushes",
    "fault_hub", "fault_elec", "fault_gas", "fault_han", "remote_fixes", "repair_visits",
    "hub_swaps_booked", "hub_swap_visits", "migrations",
    "prn_aborts", "prn_one_fuel_visits", "prn_second_visits", "prn_missed_gas",
    "vacant_contacts", "vacant_no_access"};
static const char *const trad_cause_names[TC_N - 1] = {
    "never_commissioned", "lost_on_switching", "device_fault", "han_fault", "awaiting_migration"};

_Static_assert(F_N == MDL_FLEET_N_EVENTS && TC_N - 1 == MDL_FLEET_N_CAUSES, "mdl_rollout.h and the fleet disagree");

void mdl_rollout_fleet_totals(const mdl_rollout *r, uint64_t events[MDL_FLEET_N_EVENTS],
                              int64_t by_cause[MDL_FLEET_N_CAUSES])
{
    memset(events, 0, MDL_FLEET_N_EVENTS * sizeof *events);
    memset(by_cause, 0, MDL_FLEET_N_CAUSES * sizeof *by_cause);
    if (!r->fleet)
        return;
    memcpy(events, r->fleet_tot, sizeof r->fleet_tot);
    if (r->tot.days == 0)
        return;
    for (int reg = 0; reg < 3; reg++)
        for (int c = 1; c < TC_N; c++)
            by_cause[c - 1] += r->sum_trad[(size_t)reg * TC_N + (size_t)c];
}

int mdl_rollout_fleet_event_index(const char *name)
{
    for (int e = 0; e < F_N; e++)
        if (strcmp(fleet_event_names[e], name) == 0)
            return e;
    return -1;
}

static int fleet_output_create(mdl_rollout *r, const char *const *sup_names, sim_err *err)
{
    sim_h5_file *f = r->h5;
    const char *g = "/fleet";
    if (sim_h5_group(f, g, err) ||
        sim_h5_attr_str(f, g, "description",
                        "Life after the install: fleet events by process (02, 03, 05-07, agenda item 5) and "
                        "households in traditional mode by cause", err) ||
        sim_h5_dim_labels(f, g, "region", 3, mdl_region_names, "DCC region", err) ||
        sim_h5_dim_labels(f, g, "supplier", r->n_sup, sup_names, "energy supplier", err) ||
        sim_h5_dim_labels(f, g, "event", F_N, fleet_event_names, "fleet-life event", err) ||
        sim_h5_dim_labels(f, g, "cause", TC_N - 1, trad_cause_names, "traditional-mode cause", err))
        return err->code ? err->code : SIM_ERUNTIME;
    char units[64], date[16];
    sim_format_date(r->sc.run.start_day, date);
    snprintf(units, sizeof units, "days since %s", date);
    if (!(r->s_fday = sim_h5_dim_unlimited(f, g, "day", SIM_H5_I32, units, "simulated day", err)))
        return err->code ? err->code : SIM_ERUNTIME;
    static const char *const d_rse[] = {"day", "region", "supplier", "event"};
    static const char *const d_rc[] = {"day", "region", "cause"};
    r->s_fevents = sim_h5_series_create(f, g, "events", SIM_H5_I32, 4, d_rse, OUT_ROWS, "1",
                                        "fleet-life events of the day, by process (supplier: the household's after the event)", err);
    r->s_trad = sim_h5_series_create(f, g, "traditional_by_cause", SIM_H5_I64, 3, d_rc, OUT_ROWS, "1",
                                     "households in traditional mode at the end of the day, by cause (sums to "
                                     "/rollout/households_by_state[..., traditional])", err);
    if (!r->s_fevents || !r->s_trad)
        return err->code ? err->code : SIM_ERUNTIME;
    return 0;
}

/* ---- output ---------------------------------------------------------------- */
int mdl_rollout_output_create(mdl_rollout *r, sim_err *err)
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
    return r->fleet ? fleet_output_create(r, sup_names, err) : 0;
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

static int write_row(mdl_rollout *r, int64_t day, sim_err *err);

/* dst[k] += src[k]: the day's reduction over shards (restrict, so that
 * it vectorises; it runs serially, once per shard a day). */
static void add_i64(int64_t *restrict dst, const int64_t *restrict src, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] += src[k];
}

int mdl_rollout_day_end(mdl_rollout *r, int64_t day, sim_err *err)
{
    size_t n_rs = r->n_sup * 3;
    memset(r->sum_all, 0, r->n_sum * sizeof *r->sum_all);
    for (size_t i = r->own_first; i < r->own_first + r->own_count; i++) {   /* fixed shard order */
        shard_state *sh = &r->shards[i];
        add_i64(r->sum_cnt, sh->cnt, n_rs * N_COUNTERS);
        add_i64(r->sum_outc, sh->outc, n_rs * MDL_N_CAUSES);
        add_i64(r->sum_stage, sh->stage, n_rs * MDL_N_HH_STATES);
        for (size_t k = 0; k < n_rs; k++) {   /* lead bins past lead_used are 0 */
            int64_t *restrict sum = r->sum_lead + k * LEAD_BINS;
            const uint32_t *restrict lead = sh->lead + k * LEAD_BINS;
            for (uint32_t b = 0; b < sh->lead_used; b++)
                sum[b] += lead[b];
        }
        if (r->fleet) {
            add_i64(r->sum_fcnt, sh->fcnt, n_rs * F_N);
            add_i64(r->sum_trad, sh->trad, 3 * TC_N);
        }
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
    if (r->fleet)
        for (size_t k = 0; k < n_rs; k++)
            for (int e = 0; e < F_N; e++)
                r->fleet_tot[e] += (uint64_t)r->sum_fcnt[k * F_N + (size_t)e];
    r->tot.days = (uint64_t)(day + 1);
    if (!r->h5)
        return 0;

    return write_row(r, day, err);
}

/* The day's row of every /fleet series (buffered by sim_h5). */
static int write_fleet_row(mdl_rollout *r, int64_t day, sim_err *err)
{
    size_t n_rs = r->n_sup * 3;
    int32_t *day_row = sim_h5_series_row(r->s_fday, err);
    int32_t *events = sim_h5_series_row(r->s_fevents, err);
    int64_t *trad = sim_h5_series_row(r->s_trad, err);
    if (!day_row || !events || !trad)
        return err->code ? err->code : SIM_ERUNTIME;
    *day_row = (int32_t)day;
    for (size_t k = 0; k < n_rs * F_N; k++)
        events[k] = (int32_t)r->sum_fcnt[k];
    for (int reg = 0; reg < 3; reg++)
        for (int c = 1; c < TC_N; c++)
            trad[(size_t)reg * (TC_N - 1) + (size_t)(c - 1)] = r->sum_trad[(size_t)reg * TC_N + (size_t)c];
    return 0;
}

/* The day's row of every /rollout series (and /fleet's; buffered by sim_h5). */
static int write_row(mdl_rollout *r, int64_t day, sim_err *err)
{
    size_t n_rs = r->n_sup * 3;
    int32_t *day_row = sim_h5_series_row(r->s_day, err);
    int32_t *outc = sim_h5_series_row(r->s_outcomes, err);
    int64_t *states = sim_h5_series_row(r->s_states, err);
    void *var[N_OUTVARS];
    int bad = !day_row || !outc || !states;
    for (int v = 0; v < N_OUTVARS; v++)
        bad |= !(var[v] = sim_h5_series_row(r->s_var[v], err));
    if (bad)
        return err->code ? err->code : SIM_ERUNTIME;
    *day_row = (int32_t)day;
    for (size_t k = 0; k < n_rs; k++) {
        const int64_t *c = r->sum_cnt + k * N_COUNTERS;
        const int64_t *st = r->sum_stage + k * MDL_N_HH_STATES;
        for (int v = 0; v < N_OUTVARS; v++) {
            if (outvars[v].counter >= 0) {
                ((int32_t *)var[v])[k] = (int32_t)c[outvars[v].counter];
            } else if (v == O_BACKLOG) {
                ((int32_t *)var[v])[k] = (int32_t)(st[MDL_HH_LEGACY] + st[MDL_HH_ENGAGED] + st[MDL_HH_DECLINED]);
            } else if (v == O_UTILISATION) {
                ((float *)var[v])[k] =
                    c[C_MIN_AVAILABLE] ? (float)((double)c[C_MIN_WORKED] / (double)c[C_MIN_AVAILABLE]) : NAN;
            } else {
                ((float *)var[v])[k] = lead_pct(r->sum_lead + k * LEAD_BINS, v == O_LEAD_P50 ? 0.5 : 0.9);
            }
        }
        for (int q = 0; q < MDL_N_CAUSES; q++)
            outc[k * MDL_N_CAUSES + (size_t)q] = (int32_t)r->sum_outc[k * MDL_N_CAUSES + (size_t)q];
    }
    for (int reg = 0; reg < 3; reg++)
        for (int s = 0; s < MDL_N_HH_STATES; s++) {
            int64_t n = 0;
            for (size_t sup = 0; sup < r->n_sup; sup++)
                n += r->sum_stage[rs_index(r, reg, (int)sup) * MDL_N_HH_STATES + (size_t)s];
            states[(size_t)reg * MDL_N_HH_STATES + (size_t)s] = n;
        }
    if (r->fleet)
        return write_fleet_row(r, day, err);
    return 0;
}

int mdl_rollout_finish(mdl_rollout *r, sim_err *err)
{
    if (!r->h5)
        return 0;
    int rc = sim_h5_series_flush(r->s_day, err) || sim_h5_series_flush(r->s_outcomes, err) ||
             sim_h5_series_flush(r->s_states, err);
    for (int v = 0; v < N_OUTVARS && !rc; v++)
        rc = sim_h5_series_flush(r->s_var[v], err);
    if (!rc && r->fleet)
        rc = sim_h5_series_flush(r->s_fday, err) || sim_h5_series_flush(r->s_fevents, err) ||
             sim_h5_series_flush(r->s_trad, err);
    return rc ? (err->code ? err->code : SIM_ERUNTIME) : 0;
}

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
        for (int c = 0; c < 4; c++)   /* SMETS1 enrolment queues (rollout.fleet) */
            bytes += sh->mq[c].cap * sizeof(uint32_t);
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
