/*
 * mdl_visit.h — the installation visit (process steps 3.x) and remote commissioning,
 * as pure functions of (parameters, household, day, streams): they update
 * the household's devices and say what follows, and know nothing of
 * shards, diaries, counters or the DCC outbox (mdl_rollout.c does those).
 * That keeps each step's logic unit-testable without an engine.
 */
#ifndef MDL_VISIT_H
#define MDL_VISIT_H

#include <stdint.h>

#include "mdl_household.h"
#include "mdl_rollout_params.h"


/* Outcome causes: the `cause` coordinate of /rollout/outcomes. */
enum mdl_cause {
    MDL_CAUSE_NO_ACCESS,
    MDL_CAUSE_REFUSAL,
    MDL_CAUSE_SAFETY,
    MDL_CAUSE_WRONG_VARIANT,
    MDL_CAUSE_WAN_FAILURE,
    MDL_CAUSE_HAN_FAILURE,
    MDL_CAUSE_OTHER,
    MDL_N_CAUSES,
    MDL_CAUSE_NONE = -1
};
extern const char *const mdl_cause_names[MDL_N_CAUSES];

/* What happens to the household after a visit. */
enum mdl_next {
    MDL_NEXT_DONE,        /* nothing more (smart, or stuck for good) */
    MDL_NEXT_REBOOK,      /* rebook a visit after rebook_delay_days */
    MDL_NEXT_RECONTACT,   /* refused on the day: re-contact later */
    MDL_NEXT_REVISIT,     /* book a revisit (HAN: once the kit is available) */
    MDL_NEXT_REMOTE,      /* hub without WAN: commission remotely on `remote_day` */
    MDL_NEXT_MIGRATE,     /* SMETS1 working: migrate onto the DCC later */
};

/* Visit steps, for the per-step stream purpose (bits 8-11). */
enum mdl_visit_step {
    MDL_STEP_ACCESS, MDL_STEP_EXCHANGE, MDL_STEP_HUB, MDL_STEP_SAFETY, MDL_STEP_WAN, MDL_STEP_HAN_ELEC,
    MDL_STEP_HAN_GAS, MDL_STEP_CONNECTIVITY, MDL_STEP_CONFIGURE, MDL_STEP_ACCESS_CONTROL, MDL_STEP_INVENTORY,
    MDL_N_STEPS
};

typedef struct mdl_visit_outcome {
    double minutes;          /* time on site */
    int cause;               /* first failure (enum mdl_cause) or MDL_CAUSE_NONE */
    int next;                /* enum mdl_next */
    int revisit;             /* the visit was a revisit (smart meters already there) */
    int elec_installed;      /* meters exchanged on this visit */
    int gas_installed;
    int hub_installed;       /* a comms hub fitted on this visit (SMETS2: hub status message) */
    int hub_on_dcc;          /* the hub was commissioned on the DCC now (fleet join) */
    int configured;          /* configuration sent through the DCC (read schedule) */
    int32_t remote_day;      /* MDL_NEXT_REMOTE: the day the hub can be commissioned remotely */
} mdl_visit_outcome;

/* Environment of a visit on day `day` (days since the start). */
typedef struct mdl_visit_env {
    const mdl_rollout_params *p;
    uint64_t seed;
    uint64_t id;             /* household id (names its streams) */
    int32_t day;
    int dual_band_ok;        /* dual-band hubs available on `day` */
    int alternative_ok;      /* Alternative HAN kit available on `day` */
} mdl_visit_env;

/* Walk the visit: outcomes before work (no access, refusal, safety, wrong
 * variant), then 3.2 exchange, 3.3 hub, safety checks, 3.5 WAN and HAN,
 * 3.6 connectivity, 3.4 configure, 3.7 access control, 3.8 inventory.  A
 * revisit (smart meters already installed) skips the exchange and redoes
 * only what is not commissioned.  Uses h->n_visit to name its streams and
 * increments it; the generation (SMETS1/2) is h's smets2 bit, set when the
 * job was booked. */
void mdl_visit_run(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out);

/* The hub of an install-and-leave site gets WAN (or reconnects): the DCC
 * commissions it and the meters' HAN without a visit.  Failures need a
 * revisit (out->next = MDL_NEXT_REVISIT). */
void mdl_visit_remote(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out);

/* Does the gas meter's HAN join need kit that is not available on this
 * day?  (Then a revisit waits for it.)  Returns the day the kit arrives
 * (days since start), or `day` if nothing is missing. */
int32_t mdl_visit_kit_day(const mdl_rollout_params *p, int64_t start_day, const mdl_household *h, int32_t day);

#endif
