/*
 * mdl_dcc_outages.h — background (undated) power interruptions
 * (dcc.outages): each day and region a Poisson number of interruptions,
 * each cutting a number of hubs for a while; their outage and restoration
 * alerts go into the day's offer by the dated events' expansion
 * (mdl_dcc_comp.h), before the traffic rules.  Owned by mdl_dcc_events.c;
 * private to models/dcc/ and their tests.
 */
#ifndef MDL_DCC_OUTAGES_H
#define MDL_DCC_OUTAGES_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_dcc_day.h"
#include "sim_err.h"

/* One interruption drawn for a day. */
typedef struct mdl_dcc_interruption {
    int region;
    double start_min;        /* power lost at, minutes after the day's 00:00 */
    double premises;         /* hubs off supply */
    double duration_min;     /* power back after */
} mdl_dcc_interruption;

typedef struct mdl_dcc_outages mdl_dcc_outages;
mdl_dcc_outages *mdl_dcc_outages_alloc(const mdl_dcc_outage_params *p, uint64_t seed, sim_err *err);
void mdl_dcc_outages_free(mdl_dcc_outages *x);   /* NULL is a no-op */
/* Day `date` (days since 1970-01-01) with hubs[r] hubs per region: draw
 * the day's interruptions, add theirs and the earlier days' still-sending
 * alerts to the power-alert lanes of o (x mult: alerts per premises), and
 * add the day's interruptions and premises cut per region to n_int and
 * n_prem.  0, or -1 out of memory. */
int mdl_dcc_outages_day(mdl_dcc_outages *x, int64_t date, const uint64_t *hubs, double mult, mdl_dcc_offer *o,
                        double *n_int, double *n_prem);
/* The interruptions the last day drew, in region then draw order. */
const mdl_dcc_interruption *mdl_dcc_outages_last(const mdl_dcc_outages *x, size_t *n);
/* Checkpoints: the alerts still to come from earlier days (x may be NULL:
 * save writes none, load skips the record's).  Load: 0, or -1 out of
 * memory (a bad record sets b->bad). */
struct sim_ckpt_buf;
void mdl_dcc_outages_save(const mdl_dcc_outages *x, struct sim_ckpt_buf *b);
int mdl_dcc_outages_load(mdl_dcc_outages *x, struct sim_ckpt_buf *b);

#endif
