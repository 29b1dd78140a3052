/*
 * mdl_fleet_schema.c — the `rollout.fleet = { ... };` scenario group: the
 * keys of mdl_fleet_params (life after the install: processes 02, 03,
 * 05-07, 09, SMETS1 enrolment and adoption, property reference numbers)
 * with ranges, defaults, units and meaning, and the cross-key checks.
 *
 * Every key has a default; `enabled = false` (the default) leaves the
 * rollout exactly as without this group.  Not for: model logic
 * (mdl_rollout_fleet.c).
 */
#include <stddef.h>

#include "mdl_fleet_params.h"

#define DATE_MIN 7305.0    /* 1990-01-01 */
#define DATE_MAX 47482.0   /* 2100-01-01 */

#define KF(T, f, lo, hi, d, u, doc_) \
    {.name = #f, .kind = SIM_CFG_FLOAT, .offset = offsetof(T, f), .min = lo, .max = hi, .def = d, .unit = u, .doc = doc_}
#define KD(T, f, d, doc_) \
    {.name = #f, .kind = SIM_CFG_DATE, .offset = offsetof(T, f), .min = DATE_MIN, .max = DATE_MAX, .def = d, .unit = "date", .doc = doc_}
#define KFS(T, f, n, lo, hi, d, u, doc_) \
    {.name = #f, .kind = SIM_CFG_FLOATS, .offset = offsetof(T, f), .min = lo, .max = hi, .def = d, .unit = u, .doc = doc_, \
     .max_count = n, .count_offset = offsetof(T, n_##f)}
#define KDS(T, f, n, d, doc_) \
    {.name = #f, .kind = SIM_CFG_DATES, .offset = offsetof(T, f), .min = DATE_MIN, .max = DATE_MAX, .def = d, .unit = "date", \
     .doc = doc_, .max_count = n, .count_offset = offsetof(T, n_##f)}
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define SUB(T, f, sch, doc_) {.name = #f, .kind = SIM_CFG_GROUP, .offset = offsetof(T, f), .def = "{ }", .doc = doc_, .sub = &(sch)}

static int want_n(sim_err *err, const sim_cfg_where *w, const char *key, size_t got, size_t want)
{
    if (got == want)
        return 0;
    return sim_cfg_fail(err, w, key, "has %zu values; exactly %zu are required", got, want);
}

static int dates_increasing(sim_err *err, const sim_cfg_where *w, const char *key, const int64_t *d, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (d[i] <= d[i - 1])
            return sim_cfg_fail(err, w, key, "must be in increasing date order (value %zu is not after value %zu)", i,
                                i - 1);
    return 0;
}

/* ---- 05 change of supplier ------------------------------------------------ */
#define T mdl_fleet_switching
static const sim_cfg_key switching_keys[] = {
    KDS(T, dates, MDL_FLEET_MAX_DATES, "[\"2012-01-01\"]",
        "Dates from which each annual_rate holds (increasing); before the first date the first rate holds."),
    KFS(T, annual_rate, MDL_FLEET_MAX_DATES, 0, 5, "[0.12]", "1/year",
        "Supplier switches per household per year, one per date (piecewise constant)."),
    KF(T, operate_other_prob, 0, 1, "0.15", "probability",
       "A gaining supplier can operate a SMETS1 meter of a device family other than its own (else the meter goes to traditional mode, lost on switching)."),
    KF(T, replace_prob, 0, 1, "0.1", "probability",
       "The gaining supplier books a visit to replace a SMETS1 meter it cannot operate with a SMETS2 one (only from timetable.smets2_start, when SMETS2 exists)."),
    KF(T, replace_delay_days, 0, 3650, "120", "days", "Mean delay (exponential) before that replacement visit is due."),
};
#undef T
static int switching_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_fleet_switching *s = obj;
    if (want_n(err, w, "annual_rate", s->n_annual_rate, s->n_dates))
        return SIM_EINPUT;
    return dates_increasing(err, w, "dates", s->dates, s->n_dates);
}
static const sim_cfg_schema switching_schema = {
    "rollout.fleet.switching", "05 change of supplier: the dated switching hazard and what happens to SMETS1 meters.",
    switching_keys, NKEYS(switching_keys), switching_check};

/* ---- 06 change of tenancy --------------------------------------------------- */
#define T mdl_fleet_tenancy
static const sim_cfg_key tenancy_keys[] = {
    KF(T, annual_rate, 0, 5, "0.09", "1/year", "Changes of occupier per household per year."),
    KF(T, vacancy_mean_days, 0, 3650, "30", "days", "Mean time (exponential) the home stands empty between occupiers."),
    KF(T, to_prepay_prob, 0, 1, "0.03", "probability", "A new occupier of a credit home asks for prepayment."),
    KF(T, to_credit_prob, 0, 1, "0.2", "probability", "A new occupier of a prepayment home asks for credit."),
    KF(T, new_occupier_days, 0, 3650, "90", "days", "An occupier counts as new this long after moving in."),
    KF(T, new_occupier_accept_factor, 0, 10, "1.2", "factor",
       "A new occupier accepts a smart-meter appointment with the supplier's acceptance_prob x this (at most 1)."),
};
#undef T
static const sim_cfg_schema tenancy_schema = {
    "rollout.fleet.tenancy", "06 change of tenancy: each home's history of moves and vacancies (from its own stream; an empty home answers no contact and gives no access; a new occupier accepts differently) and payment-mode changes (07).",
    tenancy_keys, NKEYS(tenancy_keys), NULL};

/* ---- 03 a supplier's own tariff changes -------------------------------------- */
#define T mdl_fleet_tariff
static const sim_cfg_key tariff_keys[] = {
    KF(T, changes_per_year, 0, 365, "2", "1/year", "A supplier's own tariff changes per year (days drawn from its own stream)."),
    KF(T, share_updated, 0, 1, "0.3", "share", "Share of the supplier's smart customers whose tariff is pushed on such a day."),
    KF(T, batch_start_hour, 0, 23.99, "1", "hours", "Start of the supplier's batch window."),
    KF(T, batch_hours, 0.0167, 24, "4", "hours", "Length of the batch window; pushes spread evenly over it."),
};
#undef T
static int tariff_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_fleet_tariff *t = obj;
    if (t->batch_start_hour + t->batch_hours > 24.0)
        return sim_cfg_fail(err, w, "batch_hours", "the window must end by midnight (start %g + %g hours)",
                            t->batch_start_hour, t->batch_hours);
    return 0;
}
static const sim_cfg_schema tariff_schema = {
    "rollout.fleet.tariff", "03 product management: a supplier's own tariff changes (national price-change days are dated DCC events).",
    tariff_keys, NKEYS(tariff_keys), tariff_check};

/* ---- 02 faults ------------------------------------------------------------------- */
#define T mdl_fleet_faults
static const sim_cfg_key faults_keys[] = {
    KFS(T, age_bands_years, MDL_FLEET_AGE_BANDS - 1, 0, 60, "[1.0, 8.0]", "years",
        "Edges of the device age bands: [0, a), [a, b), b and older."),
    KFS(T, hub_rate, MDL_FLEET_AGE_BANDS, 0, 10, "[0.02, 0.008, 0.02]", "1/year", "Comms hub faults per hub per year, by age band."),
    KFS(T, elec_rate, MDL_FLEET_AGE_BANDS, 0, 10, "[0.01, 0.004, 0.01]", "1/year",
        "Electricity meter faults per meter per year, by age band."),
    KFS(T, gas_rate, MDL_FLEET_AGE_BANDS, 0, 10, "[0.015, 0.006, 0.015]", "1/year",
        "Gas meter faults per meter per year, by age band (dual-fuel homes)."),
    KFS(T, han_rate, MDL_FLEET_AGE_BANDS, 0, 10, "[0.03, 0.01, 0.01]", "1/year",
        "HAN link losses (hub to electricity meter) per home per year, by age band."),
    KFS(T, remote_fix_prob, MDL_FLEET_N_DEVICES, 0, 1, "[0.4, 0.3, 0.3, 0.7]", "probability",
        "By device (hub, electricity, gas, HAN): the fault is fixed remotely; otherwise a repair visit."),
    KF(T, remote_fix_days, 0, 365, "3", "days", "Mean time (exponential) to a remote fix."),
    KF(T, visit_delay_days, 0, 365, "5", "days", "A repair visit is due this many days after the fault."),
};
#undef T
static int faults_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_fleet_faults *f = obj;
    if (want_n(err, w, "age_bands_years", f->n_age_bands_years, 2) || want_n(err, w, "hub_rate", f->n_hub_rate, 3) ||
        want_n(err, w, "elec_rate", f->n_elec_rate, 3) || want_n(err, w, "gas_rate", f->n_gas_rate, 3) ||
        want_n(err, w, "han_rate", f->n_han_rate, 3) || want_n(err, w, "remote_fix_prob", f->n_remote_fix_prob, 4))
        return SIM_EINPUT;
    if (f->age_bands_years[1] <= f->age_bands_years[0])
        return sim_cfg_fail(err, w, "age_bands_years", "edges must increase (%g, %g)", f->age_bands_years[0],
                            f->age_bands_years[1]);
    return 0;
}
static const sim_cfg_schema faults_schema = {
    "rollout.fleet.faults", "02 fleet management: device faults by device and age, remote fixes and repair visits.",
    faults_keys, NKEYS(faults_keys), faults_check};

/* ---- 02 hub replacement (2G/3G switch-off) ---------------------------------------- */
#define T mdl_fleet_hub_replacement
static const sim_cfg_key hubrep_keys[] = {
    KDS(T, start, 3, "[\"2024-01-01\", \"2024-01-01\", \"2024-01-01\"]", "By region: the programme's first visits."),
    KDS(T, end, 3, "[\"2027-12-31\", \"2027-12-31\", \"2027-12-31\"]",
        "By region: its last visits (each affected hub's visit is due on a day uniform over start..end)."),
    KFS(T, smets1_share, 3, 0, 1, "[0.0, 0.0, 0.0]", "share",
        "By region: share of SMETS1 hubs (2G/3G cellular) in the programme."),
    KFS(T, smets2_share, 3, 0, 1, "[0.0, 0.0, 0.0]", "share", "By region: share of SMETS2 hubs in the programme."),
};
#undef T
static int hubrep_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_fleet_hub_replacement *h = obj;
    if (want_n(err, w, "start", h->n_start, 3) || want_n(err, w, "end", h->n_end, 3) ||
        want_n(err, w, "smets1_share", h->n_smets1_share, 3) || want_n(err, w, "smets2_share", h->n_smets2_share, 3))
        return SIM_EINPUT;
    for (int r = 0; r < 3; r++)
        if (h->end[r] < h->start[r])
            return sim_cfg_fail(err, w, "end", "value %d is before start; it must not be", r);
    return 0;
}
static const sim_cfg_schema hubrep_schema = {
    "rollout.fleet.hub_replacement",
    "02 fleet management: the comms-hub replacement programme for the 2G/3G switch-off, dated by region and hub type.",
    hubrep_keys, NKEYS(hubrep_keys), hubrep_check};

/* ---- SMETS1 enrolment and adoption ------------------------------------------------- */
#define T mdl_fleet_migration
static const sim_cfg_key migration_keys[] = {
    KDS(T, cohort_start, MDL_FLEET_FAMILIES, "[\"2019-06-01\", \"2020-01-01\", \"2020-07-01\", \"2021-01-01\"]",
        "By SMETS1 device family (cohort): the day its enrolment and adoption onto the DCC starts."),
    KF(T, monthly_capacity_per_10k, 0, 10000, "250", "1/month",
       "DCC migrations per month per 10,000 households (the DCC's monthly capacity, scaled to the population), at full strength."),
    KDS(T, capacity_dates, MDL_FLEET_MAX_DATES, "[]",
        "The capacity's ramp: dates from which each capacity_share holds (increasing; piecewise constant); empty: full capacity from the first cohort's start."),
    KFS(T, capacity_share, MDL_FLEET_MAX_DATES, 0, 1, "[]", "share",
        "Share of monthly_capacity_per_10k from each of capacity_dates (before the first date: the first share)."),
    KF(T, never_share, 0, 1, "0.05", "share", "SMETS1 meters that can never be migrated."),
};
#undef T
static int migration_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_fleet_migration *m = obj;
    if (want_n(err, w, "cohort_start", m->n_cohort_start, MDL_FLEET_FAMILIES) ||
        want_n(err, w, "capacity_share", m->n_capacity_share, m->n_capacity_dates))
        return SIM_EINPUT;
    return dates_increasing(err, w, "capacity_dates", m->capacity_dates, m->n_capacity_dates);
}
static const sim_cfg_schema migration_schema = {
    "rollout.fleet.migration",
    "SMETS1 enrolment and adoption onto the DCC: device-family cohorts with dated starts, a monthly capacity, a share that never migrates.",
    migration_keys, NKEYS(migration_keys), migration_check};

/* ---- agenda item 5: property reference numbers ---------------------------------- */
#define T mdl_fleet_prn
static const sim_cfg_key prn_keys[] = {
    KF(T, unlinked_share, 0, 1, "0.0", "share",
       "Dual-fuel premises whose electricity and gas supply points the supplier's records do not tie to the same property."),
    KD(T, from, "\"2099-12-31\"", "From this date property reference numbers are used when booking."),
    KF(T, unlinked_share_after, 0, 1, "0.0", "share", "The unlinked share of first visits booked from that date."),
    KF(T, wrong_point_prob, 0, 1, "0.2", "probability",
       "An unlinked first visit finds the installer at the wrong meter point: aborted and rebooked."),
    KF(T, missed_gas_prob, 0, 1, "0.25", "probability",
       "Otherwise the visit is for electricity only; its gas meter is then missed for good with this probability, else booked as a second visit."),
};
#undef T
static const sim_cfg_schema prn_schema = {
    "rollout.fleet.prn", "Agenda item 5: property reference numbers and dual-fuel premises whose supply points are not tied.",
    prn_keys, NKEYS(prn_keys), NULL};

/* ---- the group ------------------------------------------------------------------ */
#define T mdl_fleet_params
static const sim_cfg_key fleet_keys[] = {
    {.name = "enabled", .kind = SIM_CFG_BOOL, .offset = offsetof(T, enabled), .def = "false",
     .doc = "Simulate the installed fleet's life (processes 02, 03, 05-07, 09, traditional mode by cause, SMETS1 cohorts, property references). Off: the rollout as without this group."},
    SUB(T, switching, switching_schema, "05 change of supplier."),
    SUB(T, tenancy, tenancy_schema, "06 change of tenancy."),
    SUB(T, tariff, tariff_schema, "03 a supplier's own tariff changes."),
    SUB(T, faults, faults_schema, "02 device faults and repairs."),
    SUB(T, hub_replacement, hubrep_schema, "02 comms-hub replacement programme."),
    SUB(T, migration, migration_schema, "SMETS1 enrolment and adoption."),
    SUB(T, prn, prn_schema, "Agenda item 5: property reference numbers."),
};
#undef T
const sim_cfg_schema mdl_fleet_schema = {
    "rollout.fleet", "Life after the install: the installed fleet's business processes (02, 03, 05-07, 09) and agenda item 5.",
    fleet_keys, NKEYS(fleet_keys), NULL};
