/*
 * mdl_fleet_params.h — the parameters of the installed fleet's life after
 * the install (the `rollout.fleet = { ... };` group): the process
 * document's business processes 02 (fleet management), 03 (a supplier's
 * own tariff changes), 05 (change of supplier), 06 (change of tenancy),
 * 07 (payment mode), 09 (in-home display pairing), SMETS1 enrolment and
 * adoption, and agenda item 5 (property reference numbers).
 *
 * Plain data, read by mdl_rollout_fleet.c; keys, ranges and defaults in
 * mdl_fleet_schema.c.  Rates are per household (or device) per year;
 * dates are days since 1970-01-01.  Not for: the DCC's rate services
 * (top-ups, emergency credit, CAD joins, IHD re-pairing: dcc.services).
 */
#ifndef MDL_FLEET_PARAMS_H
#define MDL_FLEET_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "sim_config.h"

#define MDL_FLEET_MAX_DATES 32
#define MDL_FLEET_FAMILIES 4      /* SMETS1 device families (migration cohorts): 2 bits of a household;
                                     a SMETS1 install is of its supplier's smets1_family */
#define MDL_FLEET_AGE_BANDS 3     /* device age bands of the fault hazard */

/* Devices that can fail (02). */
enum mdl_fleet_device { MDL_FLEET_HUB, MDL_FLEET_ELEC, MDL_FLEET_GAS, MDL_FLEET_HAN, MDL_FLEET_N_DEVICES };

/* 05 change of supplier: a dated, piecewise-constant switching hazard. */
typedef struct mdl_fleet_switching {
    int64_t dates[MDL_FLEET_MAX_DATES];  size_t n_dates;        /* each rate holds from its date to the next */
    double annual_rate[MDL_FLEET_MAX_DATES];  size_t n_annual_rate;
    double operate_other_prob;   /* a gaining supplier runs another SMETS1 family's head-end */
    double replace_prob;         /* the gaining supplier books a visit to replace a meter it cannot operate */
    double replace_delay_days;   /* mean (exponential) delay before that visit is due */
} mdl_fleet_switching;

/* 06 change of tenancy. */
typedef struct mdl_fleet_tenancy {
    double annual_rate;          /* moves per household per year */
    double vacancy_mean_days;    /* the home stands empty this long on average (exponential) */
    double to_prepay_prob;       /* a new credit tenant asks for prepayment */
    double to_credit_prob;       /* a new prepayment tenant asks for credit */
    double new_occupier_days;    /* an occupier is "new" this long after moving in */
    double new_occupier_accept_factor;   /* a new occupier's acceptance of a smart meter, x the supplier's */
} mdl_fleet_tenancy;

/* 03 product management: a supplier's own tariff changes. */
typedef struct mdl_fleet_tariff {
    double changes_per_year;     /* per supplier (Poisson days from the supplier's own stream) */
    double share_updated;        /* of the supplier's smart customers whose tariff is pushed */
    double batch_start_hour;     /* the supplier's batch window */
    double batch_hours;
} mdl_fleet_tariff;

/* 02 device faults by device and age, and the remote fix. */
typedef struct mdl_fleet_faults {
    double age_bands_years[MDL_FLEET_AGE_BANDS - 1];  size_t n_age_bands_years;   /* band edges */
    double hub_rate[MDL_FLEET_AGE_BANDS];   size_t n_hub_rate;    /* per device per year, by age band */
    double elec_rate[MDL_FLEET_AGE_BANDS];  size_t n_elec_rate;
    double gas_rate[MDL_FLEET_AGE_BANDS];   size_t n_gas_rate;
    double han_rate[MDL_FLEET_AGE_BANDS];   size_t n_han_rate;
    double remote_fix_prob[MDL_FLEET_N_DEVICES];  size_t n_remote_fix_prob;   /* hub, elec, gas, han */
    double remote_fix_days;      /* a remote fix takes this long (mean, exponential) */
    double visit_delay_days;     /* a repair visit is due this long after the fault */
} mdl_fleet_faults;

/* 02 the comms-hub replacement programme (2G/3G switch-off). */
typedef struct mdl_fleet_hub_replacement {
    int64_t start[3];  size_t n_start;     /* by region */
    int64_t end[3];    size_t n_end;
    double smets1_share[3];  size_t n_smets1_share;   /* hubs of each type in the programme, by region */
    double smets2_share[3];  size_t n_smets2_share;
} mdl_fleet_hub_replacement;

/* SMETS1 enrolment and adoption onto the DCC, in cohorts (device families). */
typedef struct mdl_fleet_migration {
    int64_t cohort_start[MDL_FLEET_FAMILIES];  size_t n_cohort_start;
    double monthly_capacity_per_10k;   /* migrations per month per 10,000 households */
    int64_t capacity_dates[MDL_FLEET_MAX_DATES];  size_t n_capacity_dates;   /* the capacity's ramp: */
    double capacity_share[MDL_FLEET_MAX_DATES];   size_t n_capacity_share;   /* share of it from each date */
    double never_share;                /* SMETS1 meters that never migrate */
} mdl_fleet_migration;

/* Agenda item 5: property reference numbers. */
typedef struct mdl_fleet_prn {
    double unlinked_share;       /* dual-fuel premises whose supply points are not tied to one property */
    int64_t from;                /* references are used from this date */
    double unlinked_share_after; /* ... and the share falls to this */
    double wrong_point_prob;     /* an unlinked visit finds the wrong meter point: abort */
    double missed_gas_prob;      /* a one-fuel visit's gas meter is never booked */
} mdl_fleet_prn;

typedef struct mdl_fleet_params {
    int enabled;
    mdl_fleet_switching switching;
    mdl_fleet_tenancy tenancy;
    mdl_fleet_tariff tariff;
    mdl_fleet_faults faults;
    mdl_fleet_hub_replacement hub_replacement;
    mdl_fleet_migration migration;
    mdl_fleet_prn prn;
} mdl_fleet_params;

extern const sim_cfg_schema mdl_fleet_schema;

#endif
