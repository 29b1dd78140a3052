/*
 * mdl_rollout_schema.c — the `rollout = { ... };` scenario group: every key
 * of mdl_rollout_params with its type, range, default, unit and meaning,
 * plus the cross-key checks (shares summing to 1, dates in order).
 *
 * Every key has a real default so a scenario may omit any of them; the
 * defaults describe a plausible GB-like programme at any population size
 * (workforce is per 10,000 customers, so it scales with the population).
 * Not for: model logic (mdl_rollout.c, mdl_visit.c, mdl_household.c).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "mdl_rollout_params.h"

const char *const mdl_dwelling_names[MDL_N_DWELLINGS] = {"house", "low_rise", "high_rise"};
const char *const mdl_han_class_names[MDL_N_HAN_CLASSES] = {"ghz24", "dual_band", "alternative"};

static const char *const consequence_names[] = {"retry", "traditional", "abort", NULL};
static const char *const policy_names[] = {"install_and_leave", "postpone", NULL};
static const char *const order_names[] = {"random", "by_region", "by_dwelling", NULL};

#define DATE_MIN 7305.0    /* 1990-01-01 */
#define DATE_MAX 47482.0   /* 2100-01-01 */

#define KF(T, f, lo, hi, d, u, doc_) \
    {.name = #f, .kind = SIM_CFG_FLOAT, .offset = offsetof(T, f), .min = lo, .max = hi, .def = d, .unit = u, .doc = doc_}
#define KI(T, f, lo, hi, d, u, doc_) \
    {.name = #f, .kind = SIM_CFG_INT, .offset = offsetof(T, f), .min = lo, .max = hi, .def = d, .unit = u, .doc = doc_}
#define KD(T, f, d, doc_) \
    {.name = #f, .kind = SIM_CFG_DATE, .offset = offsetof(T, f), .min = DATE_MIN, .max = DATE_MAX, .def = d, .unit = "date", .doc = doc_}
#define KE(T, f, names, d, doc_) \
    {.name = #f, .kind = SIM_CFG_ENUM, .offset = offsetof(T, f), .min = 0, .max = 0, .def = d, .doc = doc_, .enum_names = names}
#define KFS(T, f, n, lo, hi, d, u, doc_) \
    {.name = #f, .kind = SIM_CFG_FLOATS, .offset = offsetof(T, f), .min = lo, .max = hi, .def = d, .unit = u, .doc = doc_, \
     .max_count = n, .count_offset = offsetof(T, n_##f)}
#define KDS(T, f, n, d, doc_) \
    {.name = #f, .kind = SIM_CFG_DATES, .offset = offsetof(T, f), .min = DATE_MIN, .max = DATE_MAX, .def = d, .unit = "date", \
     .doc = doc_, .max_count = n, .count_offset = offsetof(T, n_##f)}
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static int fail_count(sim_err *err, const sim_cfg_where *w, const char *key, size_t got, size_t want)
{
    return sim_cfg_fail(err, w, key, "has %zu values; exactly %zu are required", got, want);
}

static int check_shares(sim_err *err, const sim_cfg_where *w, const char *key, const double *v, size_t n, size_t want)
{
    if (n != want)
        return fail_count(err, w, key, n, want);
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    if (fabs(s - 1.0) > 1e-6)
        return sim_cfg_fail(err, w, key, "shares sum to %.9g; they must sum to 1", s);
    return 0;
}

/* ---- population ---------------------------------------------------------- */
#define T mdl_rollout_population
static const sim_cfg_key population_keys[] = {
    KFS(T, region_shares, 3, 0, 1, "[0.30, 0.33, 0.37]", "share",
        "Share of households in the DCC regions north, central, south (sum 1)."),
    KFS(T, dwelling_shares, 3, 0, 1, "[0.80, 0.15, 0.05]", "share",
        "Share of households living in a house, a low-rise flat, a high-rise flat (sum 1)."),
    KF(T, dual_fuel_share, 0, 1, "0.83", "share", "Households with gas and electricity (others are electricity only)."),
    KF(T, prepay_share, 0, 1, "0.135", "share", "Households paying by prepayment (others on credit)."),
    KFS(T, han_dual_band_share, 3, 0, 1, "[0.005, 0.04, 0.25]", "share",
        "By dwelling type: share whose HAN needs a dual-band (2.4 GHz + 868 MHz) comms hub."),
    KFS(T, han_alternative_share, 3, 0, 1, "[0.0, 0.01, 0.20]", "share",
        "By dwelling type: share whose HAN needs an Alternative HAN solution (multi-dwelling units)."),
};
#undef T
static int population_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_rollout_population *p = obj;
    if (check_shares(err, w, "region_shares", p->region_shares, p->n_region_shares, 3) ||
        check_shares(err, w, "dwelling_shares", p->dwelling_shares, p->n_dwelling_shares, 3))
        return SIM_EINPUT;
    if (p->n_han_dual_band_share != 3)
        return fail_count(err, w, "han_dual_band_share", p->n_han_dual_band_share, 3);
    if (p->n_han_alternative_share != 3)
        return fail_count(err, w, "han_alternative_share", p->n_han_alternative_share, 3);
    for (int d = 0; d < 3; d++)
        if (p->han_dual_band_share[d] + p->han_alternative_share[d] > 1.0 + 1e-9)
            return sim_cfg_fail(err, w, "han_alternative_share",
                                "for %s, dual-band + alternative shares exceed 1 (%g + %g)",
                                mdl_dwelling_names[d], p->han_dual_band_share[d], p->han_alternative_share[d]);
    return 0;
}
static const sim_cfg_schema population_schema = {
    "rollout.population", "Who lives where: the attributes each household is drawn with (process step 1.1, identify the customer).",
    population_keys, NKEYS(population_keys), population_check};

/* ---- WAN coverage -------------------------------------------------------- */
#define T mdl_rollout_wan
static const sim_cfg_key wan_keys[] = {
    KFS(T, covered_at_start, 3, 0, 1, "[0.80, 0.93, 0.96]", "share",
        "By region: share of premises with WAN coverage from the start."),
    KFS(T, covered_final, 3, 0, 1, "[0.9925, 0.9925, 0.9925]", "share",
        "By region: share covered once the build-out is complete; the rest never is."),
    KDS(T, buildout_start, 3, "[\"2016-09-01\", \"2016-09-01\", \"2016-09-01\"]",
        "By region: start of the coverage build-out (newly covered sites arrive uniformly over the build-out)."),
    KDS(T, buildout_end, 3, "[\"2021-12-31\", \"2019-12-31\", \"2019-06-30\"]",
        "By region: end of the coverage build-out (the North needed 700+ new masts and lagged)."),
};
#undef T
static int wan_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_rollout_wan *p = obj;
    if (p->n_covered_at_start != 3) return fail_count(err, w, "covered_at_start", p->n_covered_at_start, 3);
    if (p->n_covered_final != 3) return fail_count(err, w, "covered_final", p->n_covered_final, 3);
    if (p->n_buildout_start != 3) return fail_count(err, w, "buildout_start", p->n_buildout_start, 3);
    if (p->n_buildout_end != 3) return fail_count(err, w, "buildout_end", p->n_buildout_end, 3);
    for (int r = 0; r < 3; r++) {
        if (p->covered_final[r] < p->covered_at_start[r])
            return sim_cfg_fail(err, w, "covered_final", "value %d (%g) is below covered_at_start (%g); it must not be",
                                r, p->covered_final[r], p->covered_at_start[r]);
        if (p->buildout_end[r] < p->buildout_start[r])
            return sim_cfg_fail(err, w, "buildout_end", "value %d is before buildout_start; it must not be", r);
    }
    return 0;
}
static const sim_cfg_schema wan_schema = {
    "rollout.wan", "WAN coverage of premises by region over time (what the DCC's smart comms data says, process step 1.3).",
    wan_keys, NKEYS(wan_keys), wan_check};

/* ---- timetable ----------------------------------------------------------- */
#define T mdl_rollout_phase
static const sim_cfg_key phase_keys[] = {
    {.name = "name", .kind = SIM_CFG_STRING, .offset = offsetof(T, name), .def = "\"phase\"",
     .doc = "Label of the phase (for reports)."},
    KD(T, start, "\"2016-10-01\"", "First day of the phase; it lasts until the next phase starts."),
    KF(T, effort, 0, 10, "1.0", "factor", "Multiplies every supplier's workforce during the phase (0.14 = the 2020 pause)."),
};
#undef T
static const sim_cfg_schema phase_schema = {
    "rollout.timetable.phases.[]", "A dated phase of the programme.", phase_keys, NKEYS(phase_keys), NULL};

#define T mdl_rollout_timetable
static const sim_cfg_key timetable_keys[] = {
    {.name = "phases", .kind = SIM_CFG_LIST, .offset = offsetof(T, phases), .min = 1, .max = MDL_MAX_PHASES,
     .def = "( { name = \"foundation\"; start = \"2012-01-01\"; effort = 0.25; },"
            "  { name = \"mass_rollout\"; start = \"2016-10-01\"; effort = 1.0; },"
            "  { name = \"covid_pause\"; start = \"2020-04-01\"; effort = 0.14; },"
            "  { name = \"recovery\"; start = \"2020-07-01\"; effort = 0.8; },"
            "  { name = \"targets\"; start = \"2022-01-01\"; effort = 1.0; } )",
     .unit = NULL, .doc = "Dated phases, in date order, scaling every supplier's effort. Before the first phase there is no rollout.",
     .sub = &phase_schema, .elem_size = sizeof(mdl_rollout_phase), .max_count = MDL_MAX_PHASES,
     .count_offset = offsetof(T, n_phases)},
    KD(T, smets2_start, "\"2017-07-01\"", "First SMETS2 installs; the SMETS2 share of installs rises linearly to 1 at the cut-over (unless smets2_share_dates is given)."),
    KDS(T, smets2_share_dates, MDL_MAX_SMETS2_DATES, "[]",
        "Optional, instead of the linear ramp: dates (increasing, from smets2_start) at which the SMETS2 share of new installs is smets2_share; linear in between, the last share after the last date, 1 from the cut-over."),
    KFS(T, smets2_share, MDL_MAX_SMETS2_DATES, 0, 1, "[]", "share", "The SMETS2 share of new installs at each of smets2_share_dates."),
    KD(T, smets1_cutover, "\"2018-12-05\"", "SMETS1 cut-over: from this day every install is SMETS2, commissioned through the DCC."),
    KD(T, migration_start, "\"2019-06-01\"", "SMETS1 sites start migrating onto the DCC (without rollout.fleet; with it, rollout.fleet.migration)."),
    KF(T, migration_rate_per_month, 0, 1, "0.06", "1/month", "Rate at which eligible SMETS1 sites migrate (exponential waiting time)."),
    KF(T, migration_eligible_share, 0, 1, "0.95", "share", "Share of SMETS1 sites that can ever be migrated."),
    KD(T, dual_band_from, "\"2020-06-01\"", "Dual-band (2.4 GHz + 868 MHz) comms hubs available for installs and HAN revisits."),
    KD(T, alternative_han_from, "\"2021-06-01\"", "Alternative HAN equipment available for installs and HAN revisits."),
};
#undef T
static int timetable_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_rollout_timetable *t = obj;
    for (size_t i = 1; i < t->n_phases; i++)
        if (t->phases[i].start <= t->phases[i - 1].start)
            return sim_cfg_fail(err, w, "phases", "phase %zu (%s) starts on or before phase %zu (%s); phases must be in date order",
                                i, t->phases[i].name, i - 1, t->phases[i - 1].name);
    if (t->smets1_cutover < t->smets2_start)
        return sim_cfg_fail(err, w, "smets1_cutover", "is before smets2_start; it must not be");
    if (t->n_smets2_share != t->n_smets2_share_dates)
        return fail_count(err, w, "smets2_share", t->n_smets2_share, t->n_smets2_share_dates);
    for (size_t i = 0; i < t->n_smets2_share_dates; i++) {
        if (t->smets2_share_dates[i] < t->smets2_start)
            return sim_cfg_fail(err, w, "smets2_share_dates", "value %zu is before smets2_start; allowed: dates from smets2_start", i);
        if (i > 0 && t->smets2_share_dates[i] <= t->smets2_share_dates[i - 1])
            return sim_cfg_fail(err, w, "smets2_share_dates", "must be in increasing date order (value %zu is not after value %zu)", i, i - 1);
    }
    return 0;
}
static const sim_cfg_schema timetable_schema = {
    "rollout.timetable", "The programme's dated phases, meter generations, SMETS1 migration and HAN equipment dates.",
    timetable_keys, NKEYS(timetable_keys), timetable_check};

/* ---- visit steps ---------------------------------------------------------- */
/* One schema per step so that each step's keys carry that step's defaults. */
#define STEP_KEYS(var, fp, mins, cv, conseq, retr)                                                           \
    static const sim_cfg_key var[] = {                                                                       \
        KF(mdl_rollout_step, fail_prob, 0, 1, fp, "probability", "Probability one attempt of the step fails."), \
        KF(mdl_rollout_step, minutes, 0, 600, mins, "minutes", "Mean duration of one attempt."),             \
        KF(mdl_rollout_step, minutes_cv, 0, 3, cv, "ratio", "Coefficient of variation of the duration (gamma); 0 = fixed."), \
        KE(mdl_rollout_step, consequence, consequence_names, conseq,                                          \
           "On failure: retry on site, leave in traditional mode and book a revisit, or abort and rebook."),  \
        KI(mdl_rollout_step, retries, 0, 10, retr, "count", "Extra on-site attempts when consequence is retry."), \
    }
STEP_KEYS(exchange_keys, "0.005", "22", "0.3", "\"abort\"", "0");
STEP_KEYS(hub_keys, "0.01", "8", "0.3", "\"retry\"", "1");
STEP_KEYS(safety_keys, "0.004", "5", "0.3", "\"abort\"", "0");
STEP_KEYS(wan_step_keys, "0.03", "4", "0.5", "\"retry\"", "1");
STEP_KEYS(han_keys, "0.0", "3", "0.5", "\"traditional\"", "0");
STEP_KEYS(connectivity_keys, "0.01", "2", "0.5", "\"retry\"", "2");
STEP_KEYS(configure_keys, "0.01", "4", "0.4", "\"retry\"", "1");
STEP_KEYS(access_keys, "0.005", "2", "0.3", "\"retry\"", "1");
STEP_KEYS(inventory_keys, "0.003", "1", "0.3", "\"traditional\"", "0");
#define STEP_SCHEMA(var, keys, doc_) static const sim_cfg_schema var = {"rollout.visit.step", doc_, keys, NKEYS(keys), NULL}
STEP_SCHEMA(exchange_schema, exchange_keys, "3.2 exchange a meter and capture the opening reading (per meter).");
STEP_SCHEMA(hub_schema, hub_keys, "3.3 install the comms hub.");
STEP_SCHEMA(safety_schema, safety_keys, "Post-installation safety checks.");
STEP_SCHEMA(wan_step_schema, wan_step_keys, "3.5 commission the WAN (fails without coverage, or transiently with fail_prob).");
STEP_SCHEMA(han_schema, han_keys, "3.5 commission the HAN (failure by HAN class, see han_fail_prob).");
STEP_SCHEMA(connectivity_schema, connectivity_keys, "3.6 establish two-way connectivity with the DCC.");
STEP_SCHEMA(configure_schema, configure_keys, "3.4 configure the smart meter: tariff and read schedule.");
STEP_SCHEMA(access_schema, access_keys, "3.7 establish access control (security credentials).");
STEP_SCHEMA(inventory_schema, inventory_keys, "3.8 the DCC authenticates and records the devices in its inventory.");

#define KSTEP(f, sch, doc_) \
    {.name = #f, .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_rollout_visit, f), .def = "{ }", .doc = doc_, .sub = &sch}

#define T mdl_rollout_visit
static const sim_cfg_key visit_keys[] = {
    KF(T, no_access_prob, 0, 1, "0.10", "probability", "3.x before work: nobody home (no access); the job is rebooked."),
    KF(T, refusal_on_day_prob, 0, 1, "0.02", "probability", "3.x before work: cancellation or refusal on the day; re-contact later."),
    KF(T, safety_abort_prob, 0, 1, "0.015", "probability", "3.x before work: unsafe existing installation; the job is rebooked."),
    KF(T, wrong_variant_prob, 0, 1, "0.03", "probability", "1.2/3.x: the right meter variant is not on the van; the job is rebooked."),
    KF(T, pre_work_minutes, 0, 120, "5", "minutes", "Time on site before work starts (and before an abort)."),
    KSTEP(exchange, exchange_schema, "3.2 exchange meter(s), opening reading."),
    KSTEP(hub, hub_schema, "3.3 install the comms hub."),
    KSTEP(safety, safety_schema, "Safety checks after installation."),
    KSTEP(wan, wan_step_schema, "3.5 commission the WAN."),
    KSTEP(han, han_schema, "3.5 commission the HAN."),
    KSTEP(connectivity, connectivity_schema, "3.6 two-way connectivity with the DCC."),
    KSTEP(configure, configure_schema, "3.4 configure tariff and read schedule."),
    KSTEP(access_control, access_schema, "3.7 access control."),
    KSTEP(inventory, inventory_schema, "3.8 DCC inventory."),
    KFS(T, han_fail_prob, 3, 0, 1, "[0.02, 0.60, 0.90]", "probability",
        "By HAN class (ghz24, dual_band, alternative): the gas meter fails to join a standard 2.4 GHz hub."),
    KF(T, han_fail_prob_equipped, 0, 1, "0.03", "probability", "Gas meter join failure with the equipment the HAN class needs."),
    KF(T, han_elec_factor, 0, 1, "0.2", "factor", "The electricity meter (next to the hub) fails to join with this factor times the gas probability."),
    KF(T, han_kit_known_prob, 0, 1, "0.5", "probability", "A first visit brings the dual-band / Alternative HAN kit the site needs, once available."),
    KI(T, rebook_delay_days, 0, 365, "14", "days", "An aborted or no-access job is rebooked after this delay."),
    KI(T, max_rebooks, 0, 15, "3", "count", "Rebooks before the household returns to the work list."),
    KI(T, return_delay_days, 0, 3650, "180", "days", "After max_rebooks, the household is re-contacted after this delay."),
    KI(T, revisit_delay_days, 0, 365, "21", "days", "A revisit for a failed step is booked after this delay (HAN: not before the kit is available)."),
    KI(T, max_revisits, 0, 15, "3", "count", "Revisits before a household is left in traditional mode for good."),
    KI(T, wan_reconnect_days, 0, 365, "3", "days", "After a transient WAN failure the hub reconnects and is commissioned remotely after this delay."),
};
#undef T
static int visit_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_rollout_visit *v = obj;
    if (v->n_han_fail_prob != 3)
        return fail_count(err, w, "han_fail_prob", v->n_han_fail_prob, 3);
    return 0;
}
static const sim_cfg_schema visit_schema = {
    "rollout.visit", "The installation visit (process steps 3.x): outcomes before work, each step's duration, failure and consequence, rebooks and revisits.",
    visit_keys, NKEYS(visit_keys), visit_check};

/* ---- suppliers ----------------------------------------------------------- */
#define T mdl_rollout_supplier
static const sim_cfg_key supplier_keys[] = {
    {.name = "name", .kind = SIM_CFG_STRING, .offset = offsetof(T, name), .def = "\"supplier\"",
     .doc = "Label (the `supplier` coordinate of /rollout)."},
    KF(T, share, 0, 1, "0.25", "share", "Market share (all suppliers sum to 1)."),
    KFS(T, installers_per_10k, 3, 0, 1000, "[2.6, 2.6, 2.6]", "installers per 10,000 customers",
        "By region: installers at full strength per 10,000 of the supplier's customers there."),
    KDS(T, ramp_dates, MDL_MAX_RAMP, "[\"2012-01-01\", \"2016-10-01\", \"2018-06-01\", \"2021-06-01\"]",
        "Workforce ramp: dates of the piecewise-linear level curve (flat outside)."),
    KFS(T, ramp_levels, MDL_MAX_RAMP, 0, 10, "[0.3, 0.4, 1.0, 0.7]", "fraction of full strength",
        "Workforce ramp: level at each ramp date."),
    KF(T, monthly_target_per_10k, 0, 10000, "0", "installs per month per 10,000 customers",
       "Rollout plan: cap on appointments booked per month (scaled by phase effort); 0 = as many as the workforce fits."),
    KI(T, working_weekdays, 1, 7, "5", "days", "Working days per week from Monday (5 = Monday to Friday)."),
    KF(T, day_start_hour, 0, 24, "8", "hour", "Installers start work."),
    KF(T, midday_hour, 0, 24, "12.5", "hour", "End of the AM slot, start of the PM slot."),
    KF(T, day_end_hour, 0, 24, "17", "hour", "Installers stop work."),
    KF(T, overtime_minutes, 0, 240, "30", "minutes", "A job may start late by this much before the rest of the installer's day is cancelled."),
    KF(T, job_minutes_single, 1, 600, "60", "minutes", "Planned duration of a single-fuel install job; with travel_minutes it must fit the shorter of the AM and PM slots (as must every job_minutes_*)."),
    KF(T, job_minutes_dual, 1, 600, "85", "minutes", "Planned duration of a dual-fuel install job."),
    KF(T, job_minutes_revisit, 1, 600, "40", "minutes", "Planned duration of a revisit."),
    KF(T, travel_minutes, 0, 240, "15", "minutes", "Travel before each job."),
    KI(T, lead_min_days, 1, 180, "3", "days", "Earliest appointment after booking."),
    KF(T, lead_mean_days, 0, 365, "12", "days", "Mean appointment lead time the customer asks for (gamma)."),
    KF(T, lead_cv, 0, 3, "0.6", "ratio", "Coefficient of variation of the requested lead time."),
    KI(T, booking_horizon_days, 2, 120, "35", "days", "How far ahead installer diaries are open for booking."),
    KF(T, am_share, 0, 1, "0.55", "probability", "Customers asking for an AM slot (else PM)."),
    KI(T, contact_attempts, 1, 15, "3", "count", "Contact attempts without an answer before the household goes back to the work list."),
    KF(T, contact_answer_prob, 0, 1, "0.5", "probability", "A contact attempt reaches the customer."),
    KF(T, acceptance_prob, 0, 1, "0.35", "probability", "A reached customer accepts an appointment (else refuses)."),
    KI(T, no_answer_retry_days, 0, 365, "7", "days", "Next contact attempt after no answer."),
    KI(T, refusal_recontact_days, 0, 3650, "540", "days", "A refusing customer is re-contacted after this delay."),
    KI(T, max_refusals, 0, 15, "4", "count", "After this many refusals the customer is not contacted again."),
    KI(T, contacts_per_installer_day, 1, 1000, "40", "contacts", "Daily cap on contacts per installer-day opened (call-centre capacity)."),
    KE(T, order, order_names, "\"random\"",
       "Work-list order in each region: random, by_region (property-reference order: a street-by-street sweep), by_dwelling (houses first)."),
    KE(T, uncovered_policy, policy_names, "\"install_and_leave\"",
       "Site without WAN coverage (1.3): install and leave in traditional mode, or postpone until coverage."),
    KI(T, postpone_max_days, 0, 3650, "365", "days", "Longest postponement of an uncovered site before install-and-leave."),
    KI(T, smets1_family, 0, MDL_FLEET_FAMILIES - 1, "0", "index",
       "SMETS1 device family the supplier installs and operates (rollout.fleet: a gaining supplier of another family may not operate the meter; migration cohorts)."),
};
#undef T
/* Every job, with its travel, must fit the AM slot and the PM slot: the
 * diaries book whole jobs into one slot. */
static int slot_check(const mdl_rollout_supplier *s, const sim_cfg_where *w, sim_err *err)
{
    double am = (s->midday_hour - s->day_start_hour) * 60, pm = (s->day_end_hour - s->midday_hour) * 60;
    double slot = fmin(am, pm);
    const char *key = "job_minutes_single";
    double job = s->job_minutes_single;
    if (s->job_minutes_dual > job) {
        key = "job_minutes_dual";
        job = s->job_minutes_dual;
    }
    if (s->job_minutes_revisit > job) {
        key = "job_minutes_revisit";
        job = s->job_minutes_revisit;
    }
    if (job + s->travel_minutes > slot)
        return sim_cfg_fail(err, w, key,
                            "%g minutes plus travel_minutes (%g) does not fit the shorter slot (%g minutes: the AM slot, "
                            "day_start_hour to midday_hour, is %g, the PM slot, midday_hour to day_end_hour, is %g); "
                            "allowed: at most %g minutes; shorten the job or lengthen the working day",
                            job, s->travel_minutes, slot, am, pm, slot - s->travel_minutes);
    return 0;
}
static int supplier_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_rollout_supplier *s = obj;
    if (s->n_installers_per_10k != 3)
        return fail_count(err, w, "installers_per_10k", s->n_installers_per_10k, 3);
    if (s->n_ramp_dates != s->n_ramp_levels || s->n_ramp_dates == 0)
        return sim_cfg_fail(err, w, "ramp_levels", "has %zu values for %zu ramp_dates; give one level per date (at least one)",
                            s->n_ramp_levels, s->n_ramp_dates);
    for (size_t i = 1; i < s->n_ramp_dates; i++)
        if (s->ramp_dates[i] <= s->ramp_dates[i - 1])
            return sim_cfg_fail(err, w, "ramp_dates", "must be in increasing date order");
    if (!(s->day_start_hour < s->midday_hour && s->midday_hour < s->day_end_hour))
        return sim_cfg_fail(err, w, "midday_hour", "hours must satisfy day_start_hour < midday_hour < day_end_hour");
    if (s->lead_min_days >= s->booking_horizon_days)
        return sim_cfg_fail(err, w, "lead_min_days", "must be below booking_horizon_days (%lld)", (long long)s->booking_horizon_days);
    return slot_check(s, w, err);
}
static const sim_cfg_schema supplier_schema = {
    "rollout.suppliers.[]", "An energy supplier: market share, workforce, working pattern, appointment policy and contact strategy (process steps 1.x).",
    supplier_keys, NKEYS(supplier_keys), supplier_check};

/* ---- the group ------------------------------------------------------------ */
#define T mdl_rollout_params
static const sim_cfg_key rollout_keys[] = {
    {.name = "population", .kind = SIM_CFG_GROUP, .offset = offsetof(T, population), .def = "{ }",
     .doc = "Household attributes.", .sub = &population_schema},
    {.name = "wan", .kind = SIM_CFG_GROUP, .offset = offsetof(T, wan), .def = "{ }",
     .doc = "WAN coverage build-out.", .sub = &wan_schema},
    {.name = "timetable", .kind = SIM_CFG_GROUP, .offset = offsetof(T, timetable), .def = "{ }",
     .doc = "Programme phases and dates.", .sub = &timetable_schema},
    {.name = "visit", .kind = SIM_CFG_GROUP, .offset = offsetof(T, visit), .def = "{ }",
     .doc = "The installation visit.", .sub = &visit_schema},
    {.name = "suppliers", .kind = SIM_CFG_LIST, .offset = offsetof(T, suppliers), .min = 1, .max = MDL_MAX_SUPPLIERS,
     .def = "( { name = \"alpha\"; share = 0.22; },"
            "  { name = \"bravo\"; share = 0.18; },"
            "  { name = \"charlie\"; share = 0.15; },"
            "  { name = \"delta\"; share = 0.13; },"
            "  { name = \"echo\"; share = 0.12; },"
            "  { name = \"others\"; share = 0.20; } )",
     .doc = "Energy suppliers (1 to 16).", .sub = &supplier_schema, .elem_size = sizeof(mdl_rollout_supplier),
     .max_count = MDL_MAX_SUPPLIERS, .count_offset = offsetof(T, n_suppliers)},
    {.name = "fleet", .kind = SIM_CFG_GROUP, .offset = offsetof(T, fleet), .def = "{ }",
     .doc = "Life after the install (off by default).", .sub = &mdl_fleet_schema},
};
#undef T
static int rollout_check(void *obj, const sim_cfg_where *w, sim_err *err)
{
    const mdl_rollout_params *p = obj;
    double s = 0;
    for (size_t i = 0; i < p->n_suppliers; i++) {
        s += p->suppliers[i].share;
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->suppliers[i].name, p->suppliers[j].name) == 0)
                return sim_cfg_fail(err, w, "suppliers", "two suppliers are named \"%s\"; names must differ", p->suppliers[i].name);
    }
    if (fabs(s - 1.0) > 1e-6)
        return sim_cfg_fail(err, w, "suppliers", "market shares sum to %.9g; they must sum to 1", s);
    return 0;
}
const sim_cfg_schema mdl_rollout_schema = {
    "rollout", "The rollout model: households, suppliers and installers, the dumb-to-smart replacement process (process steps 1.x, 3.x).",
    rollout_keys, NKEYS(rollout_keys), rollout_check};
