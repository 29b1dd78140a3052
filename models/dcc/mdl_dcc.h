/*
 * mdl_dcc.h — the DCC and the traffic the fleet sends it.
 *
 * Two halves:
 *  - the outbox, filled by rollout handlers inside a window (one per shard,
 *    no locks): hubs that join the scheduled-read fleet, and install /
 *    commissioning messages with their time;
 *  - the DCC day, run by the driver between windows: it takes the outboxes
 *    in shard order, updates the fleet, generates the day's traffic per
 *    service and region and runs it through the DSP and CSP queues, at
 *    aggregate (per-minute fluid) resolution on ordinary days and request by
 *    request on detail days, then appends the day's metrics to /dcc.
 */
#ifndef MDL_DCC_H
#define MDL_DCC_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_common.h"
#include "sim_mpi.h"
#include "sim_err.h"
#include "sim_h5.h"
#include "sim_time.h"

/* Install-related messages the rollout sends (see the services table in
 * mdl_dcc.c for the whole catalogue). */
enum mdl_dcc_install_msg {
    MDL_DCC_MSG_PRENOTIFY,      /* process step 1.5: pre-defined data sent before the visit */
    MDL_DCC_MSG_COMMISSION,     /* process steps 3.6/3.8: join, commission, record in the inventory */
    MDL_DCC_MSG_CONFIGURE,      /* process step 3.4: tariff and read schedule (DCC schedule create) */
    MDL_DCC_MSG_HUB_STATUS,     /* 8.14.1 / 8.14.2 comms hub status after install */
    /* life after the install (rollout.fleet; each maps to its own service, mdl_dcc_msg_service) */
    MDL_DCC_MSG_COS,            /* 05 change of supplier: credential update and tariff */
    MDL_DCC_MSG_TENANCY,        /* 06 change of tenancy: read and account change */
    MDL_DCC_MSG_PAYMENT_MODE,   /* 07 credit <-> prepayment switch */
    MDL_DCC_MSG_SUPPLIER_TARIFF,/* 03 a supplier's own tariff push */
    MDL_DCC_MSG_IHD_PAIR,       /* 09 in-home display paired at install */
    MDL_DCC_MSG_REPAIR,         /* 02 fault diagnosis, remote fix, re-commissioning after a repair */
    MDL_DCC_N_INSTALL_MSGS
};

/* The service an outbox message is counted under. */
int mdl_dcc_msg_service(int msg);

/* Fleet-join flags. */
#define MDL_DCC_FLAG_GAS     1u   /* the hub serves a gas meter as well */
#define MDL_DCC_FLAG_PREPAY  2u   /* prepayment mode */
#define MDL_DCC_FLAG_HALF_HOURLY 4u   /* its reads carry half-hourly data (set by mdl_dcc_fleet_join) */

typedef struct mdl_dcc mdl_dcc;
typedef struct mdl_dcc_outbox mdl_dcc_outbox;
struct mdl_scenario;

/* ---- inside a window, from rollout handlers (own shard's outbox only) ---- */
/* A hub is commissioned through the DCC (or a SMETS1 hub migrated onto it):
 * from the next day it sends scheduled reads.  The DCC draws its read time
 * of day and other per-hub traits from the household's own stream.
 * Returns the flags it joined with: `flags` (gas, prepay), plus
 * MDL_DCC_FLAG_HALF_HOURLY when the day is on or after half_hourly_from. */
unsigned mdl_dcc_fleet_join(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags);
/* A household's hub stops sending scheduled reads (from the next day):
 * its record is rebuilt from the household's stream (the same read minute
 * and generation as at its join; one stream and three draws) and taken out
 * of the fleet.  `flags` must be those its reads are in the fleet with
 * (gas, prepay, half-hourly), as mdl_dcc_fleet_join returned them or as
 * the last mdl_dcc_fleet_rejoin gave them. */
void mdl_dcc_fleet_leave(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags);
/* The household's hub sends scheduled reads again (from the next day) with
 * `flags` as given (the half-hourly bit included: no date rule). */
void mdl_dcc_fleet_rejoin(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags);
/* One install-related message at time t (within the current window). */
void mdl_dcc_message(mdl_dcc_outbox *o, int region, int msg, sim_time t);
/* `count` such messages in the minute of t (one record per 32,768). */
void mdl_dcc_messages(mdl_dcc_outbox *o, int region, int msg, sim_time t, uint64_t count);

/* ---- the driver ---------------------------------------------------------- */
mdl_dcc *mdl_dcc_alloc(const struct mdl_scenario *sc, size_t n_shards, sim_h5_file *h5, sim_err *err);
/* Distributed runs: rank 0 of `dist` runs the DCC and writes /dcc (its h5);
 * the other ranks keep outboxes only (h5 ignored).  mdl_dcc_day is then a
 * collective that first gathers every rank's outboxes to rank 0; totals
 * and results are on rank 0.  dist NULL or of one rank: mdl_dcc_alloc. */
mdl_dcc *mdl_dcc_alloc_dist(const struct mdl_scenario *sc, size_t n_shards, sim_h5_file *h5, sim_mpi *dist,
                            sim_err *err);
void mdl_dcc_free(mdl_dcc *d);                        /* NULL is a no-op */
mdl_dcc_outbox *mdl_dcc_outbox_of(mdl_dcc *d, size_t shard);
/* After the window of day `day` (0 = the start date): merge outboxes in
 * shard order, simulate the day, append its metrics.  The whole day,
 * synchronously: mdl_dcc_day_begin(d, day, n_threads, 0, err). */
int mdl_dcc_day(mdl_dcc *d, int64_t day, int n_threads, sim_err *err);
/* The day in two parts, so that a fluid day's simulation can overlap the
 * next day's rollout window.  The first part (this call) finishes a
 * pending day first (mdl_dcc_day_flush), then does everything that reads
 * or empties the outboxes: the gather to rank 0, the outboxes' checks, the
 * offer, the dated events, a detail day's whole simulation (in parallel on
 * n_threads), the joins and leaves into the fleet, and the window's next
 * day.  With `defer` and an ordinary (fluid) day on the rank that runs
 * the DCC, it stops there and the day's second part — the fluid
 * simulation, the totals, the /dcc rows — is left pending; otherwise it
 * runs the second part too.  The pending part reads and writes nothing
 * the next window's outbox calls (mdl_dcc_fleet_join and the others)
 * touch, so mdl_dcc_day_flush may run on one thread while other threads
 * run the next day's shards; it must have run before the next
 * mdl_dcc_day_begin (which runs it itself if not), mdl_dcc_finish (the
 * same), a checkpoint (mdl_dcc_ckpt_save fails while a day is pending)
 * and reading the totals or mdl_dcc_last_day.  A pending part that is
 * never run (a failed run) is dropped by mdl_dcc_free: it holds nothing.
 * The output is the same whether days are deferred or not. */
int mdl_dcc_day_begin(mdl_dcc *d, int64_t day, int n_threads, int defer, sim_err *err);
/* Run the pending second part of a deferred day, if any (0 when none). */
int mdl_dcc_day_flush(mdl_dcc *d, sim_err *err);
/* 1 while a deferred day's second part waits. */
int mdl_dcc_day_pending(const mdl_dcc *d);
/* Finish a pending day, then flush buffered output. */
int mdl_dcc_finish(mdl_dcc *d, sim_err *err);

/* Checkpoints, between days, on the process that runs the DCC (rank 0):
 * the fleet (read-time histogram, counts), the offered traffic kept from
 * day to day and the install cells to clear, the running totals and the
 * dated events' progress.  Nothing else carries across midnight: both
 * resolutions start each day empty (in-flight work is drained within the
 * day's own horizon) and draw from streams keyed by the day.  changed:
 * the scenario differs from the checkpoint's, so every offer lane is
 * rebuilt from the fleet and the new parameters on the next day. */
struct sim_ckpt_buf;
int mdl_dcc_ckpt_save(const mdl_dcc *d, struct sim_ckpt_buf *b, sim_err *err);
int mdl_dcc_ckpt_load(mdl_dcc *d, struct sim_ckpt_buf *b, int changed, sim_err *err);

typedef struct mdl_dcc_totals {
    uint64_t fleet_hubs;          /* hubs in the scheduled-read fleet at the end */
    uint64_t requests;            /* all requests, all days */
    uint64_t failures;            /* requests that failed (1.75 notifications) */
    uint64_t detail_days;         /* days simulated request by request */
    uint64_t detail_requests;     /* requests simulated individually */
    double peak_minute_load;      /* most requests arriving in one minute, any day */
} mdl_dcc_totals;
/* (After mdl_dcc_day_flush or mdl_dcc_finish: a pending day is not in them.) */
void mdl_dcc_get_totals(const mdl_dcc *d, mdl_dcc_totals *out);
/* The read fleet per region now (rank 0): hubs, meters, prepayment hubs,
 * less the initial fleet's (dcc.initial_fleet), i.e. what the joins and
 * leaves have made it. */
void mdl_dcc_fleet_counts(const mdl_dcc *d, uint64_t hubs[MDL_N_REGIONS], uint64_t meters[MDL_N_REGIONS],
                          uint64_t prepay[MDL_N_REGIONS]);
/* The read fleet's own consistency (rank 0): each region's scheduled reads
 * by minute sum to its meters (daily and half-hourly kinds) and its
 * generating hubs (generation reads), and no count is above what the
 * initial fleet and the joins can make (a leave without its join wraps
 * below zero).  0, or SIM_ERUNTIME naming the first violation. */
int mdl_dcc_check(const mdl_dcc *d, sim_err *err);

#endif
