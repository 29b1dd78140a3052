/*
 * mdl_rollout.h — the rollout model: households, suppliers and installers,
 * the dumb-to-smart replacement process step by step (process steps 1.x pre-site
 * visit, 3.x install, commission and configure), revisits and the metrics
 * /rollout publishes.
 */
#ifndef MDL_ROLLOUT_H
#define MDL_ROLLOUT_H

#include <stdint.h>

#include "mdl_dcc.h"
#include "mdl_scenario.h"
#include "sim_mpi.h"
#include "sim_engine.h"
#include "sim_h5.h"

typedef struct mdl_rollout mdl_rollout;

/* The handler table the engine runs. */
const sim_model *mdl_rollout_model(void);

/* Generate the population into the engine's shards (in parallel, each
 * shard from its households' own streams), give each shard its slice of
 * the workforce, seed the first events, and (if h5 is not NULL) create the
 * /rollout datasets.  Only the shards the engine owns (sim_engine_owned)
 * get households: in a distributed run each rank holds its block alone,
 * and a household is the same whichever rank generates it. */
mdl_rollout *mdl_rollout_alloc(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc,
                               sim_h5_file *h5, int n_threads, sim_err *err);
void mdl_rollout_free(mdl_rollout *r);   /* NULL is a no-op */

/* Distributed runs: mdl_rollout_day_end reduces the day's counters across
 * the ranks of `dist` to rank 0 (NULL, the default: one process). */
void mdl_rollout_set_dist(mdl_rollout *r, sim_mpi *dist);

/* After the window of day `day` (0 = start date): reduce the shards'
 * counters in shard order into the day's row and append it (buffered).
 * Distributed: a collective (every rank calls it every day); the row and
 * the totals are complete on rank 0 only. */
int mdl_rollout_day_end(mdl_rollout *r, int64_t day, sim_err *err);
/* Flush buffered rows. */
int mdl_rollout_finish(mdl_rollout *r, sim_err *err);

/* Household states published in /rollout (legacy, engaged, declined, smets1,
 * traditional, partial, smart): enum mdl_hh_state in mdl_household.h. */
#define MDL_ROLLOUT_N_STATES 7

typedef struct mdl_rollout_totals {
    uint64_t households;
    uint64_t contacts;
    uint64_t visits;
    uint64_t failed_visits;       /* visits with a failure cause (sum of /rollout/outcomes) */
    uint64_t meters_installed;    /* electricity + gas */
    uint64_t smart;               /* households commissioned in smart mode at the end */
    uint64_t traditional;         /* households with smart meters in traditional mode at the end */
    uint64_t revisits;
    uint64_t appointments;        /* appointments booked (first, rebook, revisit) */
    uint64_t remote_commissions;  /* WAN-later hubs commissioned without a visit */
    uint64_t migrations;          /* SMETS1 sites migrated onto the DCC */
    uint64_t cancellations;       /* jobs cancelled because an installer's day ran out */
    uint64_t smets1;              /* households on SMETS1, not (yet) on the DCC, at the end */
    uint64_t days;                /* days reduced so far */
    uint64_t by_state[MDL_ROLLOUT_N_STATES];   /* households by state at the end (see mdl_household.h) */
    double bytes_per_household;   /* model memory (households, lists, diaries, heaps) / households */
} mdl_rollout_totals;
/* Distributed: complete on rank 0 after a day's reduction, except
 * bytes_per_household, which is this process's memory over its own households. */
void mdl_rollout_get_totals(const mdl_rollout *r, mdl_rollout_totals *out);

/* Checkpoints (mdl_rollout_ckpt.c; the format is described there).  Save:
 * at a day boundary, after mdl_rollout_day_end and the DCC's day; writes
 * /rollout/shard_NNNNNN and /rollout/global into f.  Distributed: a
 * collective; every rank's shards go to rank 0, which alone passes f (the
 * others NULL).  Restore: mdl_rollout_alloc without generating the
 * population, then every owned shard and the totals read from f (any rank
 * count: each rank reads its own shards).  The scenario may differ from
 * the checkpoint's in keys that act on later days (smsim.c checks). */
struct sim_ckpt_file;
struct sim_ckpt_buf;
int mdl_rollout_ckpt_save(mdl_rollout *r, struct sim_ckpt_file *f, sim_err *err);
mdl_rollout *mdl_rollout_restore(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc, sim_h5_file *h5,
                                 int n_threads, struct sim_ckpt_file *f, sim_err *err);
/* One shard's record (tests: the round trip). */
int mdl_rollout_ckpt_shard_save(mdl_rollout *r, size_t shard, struct sim_ckpt_buf *b, sim_err *err);
int mdl_rollout_ckpt_shard_load(mdl_rollout *r, size_t shard, struct sim_ckpt_buf *b, sim_err *err);

/* Invariants over every household (O(households), for tests and
 * `smsim run --check-invariants`): the household state matches its devices and the per-shard
 * counts; no meter is commissioned without a hub; an electricity-only
 * household has no gas meter; a gas meter is only smart where the
 * electricity meter is.  0, or SIM_ERUNTIME naming the first violation. */
int mdl_rollout_check(const mdl_rollout *r, sim_err *err);   /* owned shards only */

/* The scheduled reads the rollout's households send (rollout.fleet): per
 * region, households whose hub is on the DCC with the electricity meter
 * commissioned (hubs), their commissioned meters (electricity + gas) and
 * those in prepayment (owned shards only; zeros when fleet life is off).
 * With fleet life the DCC's read fleet, less its initial fleet, holds
 * exactly these (mdl_dcc_fleet_counts). */
void mdl_rollout_fleet_reads(const mdl_rollout *r, uint64_t hubs[MDL_N_REGIONS], uint64_t meters[MDL_N_REGIONS],
                             uint64_t prepay[MDL_N_REGIONS]);

/* Life after the install (rollout.fleet): events so far by kind (the
 * `event` coordinate of /fleet/events, MDL_FLEET_N_EVENTS of them) and the
 * households in traditional mode now by cause (`cause` of
 * /fleet/traditional_by_cause: never_commissioned, lost_on_switching,
 * device_fault, han_fault, awaiting_migration).  Zeros when off.
 * Complete on rank 0 after a day's reduction. */
#define MDL_FLEET_N_EVENTS 24
#define MDL_FLEET_N_CAUSES 5
void mdl_rollout_fleet_totals(const mdl_rollout *r, uint64_t events[MDL_FLEET_N_EVENTS],
                              int64_t by_cause[MDL_FLEET_N_CAUSES]);
/* For tests: household `id`'s tenancy on `day` (0 occupied, 1 empty, 2 a
 * new occupier), or -1 when rollout.fleet is off or the household is not
 * this process's. */
int mdl_rollout_test_occupancy(const mdl_rollout *r, uint64_t id, int64_t day);
/* The index of a fleet event name (events[]), or -1. */
int mdl_rollout_fleet_event_index(const char *name);
/* A supplier's n tariff pushes of a day go out evenly over its batch
 * window: push k at base + (sim_time)(k / n * span_s * 1e6) (base: the
 * window's start within the day).  The pushes [k, returned end) fall in
 * the same minute, *minute (counted from the day's start, not wrapped at
 * midnight): the DCC gets one count per minute. */
int64_t mdl_fleet_spread_run(sim_time base, double span_s, int64_t n, int64_t k, int64_t *minute);

/* For tests: when on, every allocation of a pending-list chunk moves the
 * pool to a new block (the old one is overwritten and freed), so that any
 * pointer into the pool held across a call that may file a household is
 * caught at once (garbage in release builds, ASan in debug builds). */
void mdl_rollout_test_move_pool(mdl_rollout *r, int on);

#endif
