/*
 * mdl_rollout_params.h — every parameter of the rollout model, as read from
 * the scenario's `rollout = { ... };` group (schema in mdl_rollout_schema.c,
 * meaning of each key in models/README.md and scenarios/README.md).
 *
 * Plain data only: the model (mdl_rollout.c, mdl_household.c, mdl_visit.c)
 * reads it, never writes it.  Dates are days since 1970-01-01 (absolute),
 * the model converts them to days since the scenario start.
 */
#ifndef MDL_ROLLOUT_PARAMS_H
#define MDL_ROLLOUT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_fleet_params.h"
#include "sim_config.h"

#define MDL_MAX_SUPPLIERS 16   /* a supplier index fits 4 bits of the household */
#define MDL_MAX_PHASES 16
#define MDL_MAX_RAMP 16

enum mdl_dwelling { MDL_DWELLING_HOUSE, MDL_DWELLING_LOW_RISE, MDL_DWELLING_HIGH_RISE, MDL_N_DWELLINGS };
/* What the home area network needs to reach every meter. */
enum mdl_han_class { MDL_HAN_24GHZ, MDL_HAN_DUAL_BAND, MDL_HAN_ALTERNATIVE, MDL_N_HAN_CLASSES };
/* What an installer does when a step fails (after on-site retries, if any). */
enum mdl_consequence {
    MDL_CONSEQ_RETRY,          /* retry on site up to `retries` times, then as `traditional` */
    MDL_CONSEQ_TRADITIONAL,    /* leave the smart meters in traditional mode, book a revisit */
    MDL_CONSEQ_ABORT,          /* abandon the job, rebook a full visit later */
    MDL_N_CONSEQ
};
enum mdl_uncovered_policy { MDL_UNCOVERED_INSTALL_AND_LEAVE, MDL_UNCOVERED_POSTPONE };
enum mdl_worklist_order { MDL_ORDER_RANDOM, MDL_ORDER_BY_REGION, MDL_ORDER_BY_DWELLING };

extern const char *const mdl_dwelling_names[MDL_N_DWELLINGS];
extern const char *const mdl_han_class_names[MDL_N_HAN_CLASSES];

/* One timed, fallible step of the visit (process steps 3.x). */
typedef struct mdl_rollout_step {
    double fail_prob;          /* per attempt */
    double minutes;            /* mean duration of one attempt */
    double minutes_cv;         /* coefficient of variation (gamma); 0 = fixed */
    int consequence;           /* enum mdl_consequence */
    int64_t retries;           /* extra on-site attempts when consequence = retry */
} mdl_rollout_step;

typedef struct mdl_rollout_population {
    double region_shares[3];           size_t n_region_shares;
    double dwelling_shares[3];         size_t n_dwelling_shares;
    double dual_fuel_share;
    double prepay_share;
    double han_dual_band_share[3];     size_t n_han_dual_band_share;     /* by dwelling */
    double han_alternative_share[3];   size_t n_han_alternative_share;   /* by dwelling */
} mdl_rollout_population;

typedef struct mdl_rollout_wan {
    double covered_at_start[3];   size_t n_covered_at_start;   /* by region */
    double covered_final[3];      size_t n_covered_final;      /* by region, after build-out */
    int64_t buildout_start[3];    size_t n_buildout_start;
    int64_t buildout_end[3];      size_t n_buildout_end;
} mdl_rollout_wan;

typedef struct mdl_rollout_phase {
    char name[SIM_CFG_STRLEN];
    int64_t start;             /* date; a phase lasts until the next one starts */
    double effort;             /* multiplies every supplier's workforce */
} mdl_rollout_phase;

#define MDL_MAX_SMETS2_DATES 16

typedef struct mdl_rollout_timetable {
    mdl_rollout_phase phases[MDL_MAX_PHASES];   size_t n_phases;
    int64_t smets2_start;              /* first SMETS2 installs (date) */
    int64_t smets1_cutover;            /* last day SMETS1 may be installed; SMETS2 share ramps linearly in between */
    int64_t smets2_share_dates[MDL_MAX_SMETS2_DATES];  size_t n_smets2_share_dates;   /* or: a dated share, */
    double smets2_share[MDL_MAX_SMETS2_DATES];          size_t n_smets2_share;         /* linear between dates */
    int64_t migration_start;           /* SMETS1 migration onto the DCC starts */
    double migration_rate_per_month;   /* of remaining eligible SMETS1 sites */
    double migration_eligible_share;
    int64_t dual_band_from;            /* dual-band (868 MHz) comms hubs available */
    int64_t alternative_han_from;      /* Alternative HAN equipment available */
} mdl_rollout_timetable;

typedef struct mdl_rollout_supplier {
    char name[SIM_CFG_STRLEN];
    double share;                                /* market share */
    double installers_per_10k[3];  size_t n_installers_per_10k;   /* by region, per 10,000 own customers, full strength */
    int64_t ramp_dates[MDL_MAX_RAMP]; size_t n_ramp_dates;       /* workforce ramp, piecewise linear */
    double ramp_levels[MDL_MAX_RAMP]; size_t n_ramp_levels;
    double monthly_target_per_10k;               /* booking cap per month; 0 = workforce-limited */
    int64_t working_weekdays;                    /* 5 = Mon-Fri, 6 = Mon-Sat, 7 = every day */
    double day_start_hour, midday_hour, day_end_hour;
    double overtime_minutes;                     /* a job may end this late before the rest are cancelled */
    double job_minutes_single, job_minutes_dual, job_minutes_revisit;   /* planned (booking) durations */
    double travel_minutes;
    int64_t lead_min_days;
    double lead_mean_days, lead_cv;
    int64_t booking_horizon_days;
    double am_share;
    int64_t contact_attempts;
    double contact_answer_prob;
    double acceptance_prob;
    int64_t no_answer_retry_days;
    int64_t refusal_recontact_days;
    int64_t max_refusals;
    int64_t contacts_per_installer_day;          /* daily contact cap */
    int order;                                   /* enum mdl_worklist_order */
    int uncovered_policy;                        /* enum mdl_uncovered_policy */
    int64_t postpone_max_days;
    int64_t smets1_family;                       /* SMETS1 device family of its installs (rollout.fleet) */
} mdl_rollout_supplier;

typedef struct mdl_rollout_visit {
    /* outcomes before work starts */
    double no_access_prob;
    double refusal_on_day_prob;
    double safety_abort_prob;
    double wrong_variant_prob;
    double pre_work_minutes;          /* time on site before an abort (and before work starts) */
    /* 3.x steps, in order */
    mdl_rollout_step exchange;        /* 3.2 per meter, with the opening reading */
    mdl_rollout_step hub;             /* 3.3 install the comms hub */
    mdl_rollout_step safety;          /* post-installation safety checks */
    mdl_rollout_step wan;             /* 3.5 commission WAN; fail_prob = transient failure */
    mdl_rollout_step han;             /* 3.5 commission HAN; fail_prob unused (han_fail_prob) */
    mdl_rollout_step connectivity;    /* 3.6 two-way connectivity with the DCC */
    mdl_rollout_step configure;       /* 3.4 tariff and read schedule */
    mdl_rollout_step access_control;  /* 3.7 security credentials */
    mdl_rollout_step inventory;       /* 3.8 DCC records the devices */
    double han_fail_prob[3];   size_t n_han_fail_prob;   /* gas meter join, by HAN class, standard hub */
    double han_fail_prob_equipped;    /* with the dual-band / Alternative HAN kit the class needs */
    double han_elec_factor;           /* electricity meter join fails with factor x that */
    double han_kit_known_prob;        /* first visit brings the right kit (when available) */
    int64_t rebook_delay_days, max_rebooks, return_delay_days;
    int64_t revisit_delay_days, max_revisits;
    int64_t wan_reconnect_days;       /* a transient WAN failure: the hub reconnects by itself */
} mdl_rollout_visit;

typedef struct mdl_rollout_params {
    mdl_rollout_population population;
    mdl_rollout_wan wan;
    mdl_rollout_timetable timetable;
    mdl_rollout_visit visit;
    mdl_rollout_supplier suppliers[MDL_MAX_SUPPLIERS];
    size_t n_suppliers;
    mdl_fleet_params fleet;                      /* life after the install (mdl_fleet_params.h) */
} mdl_rollout_params;

extern const sim_cfg_schema mdl_rollout_schema;

#endif
