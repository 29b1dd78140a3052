/*
 * mdl_dcc_fluid.h — the DCC's fluid (aggregate) day simulator
 * (mdl_dcc_fluid.c): expected values, closed form where no stage falls
 * behind, else stepped minute by minute.  Private to models/dcc/ and their
 * tests.
 */
#ifndef MDL_DCC_FLUID_H
#define MDL_DCC_FLUID_H

#include "mdl_dcc_day.h"
#include "sim_err.h"

/* Fluid (aggregate) day: deterministic, expected values.  Returns 1 when
 * the day was computed in closed form (no stage fell behind), 0 when it was
 * stepped minute by minute. */
typedef struct mdl_dcc_fluid mdl_dcc_fluid;
mdl_dcc_fluid *mdl_dcc_fluid_alloc(const mdl_dcc_params *p, sim_err *err);
void mdl_dcc_fluid_free(mdl_dcc_fluid *f);
int mdl_dcc_fluid_day(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res);
/* What the last day put on each stage, per minute from the day's 00:00
 * over the whole horizon (MDL_DCC_HORIZON minutes; after `n` nothing),
 * for the fluid latency model (mdl_dcc_fluidlat.c).  Stage t's minute m
 * is at [t * MDL_DCC_HORIZON + m]. */
typedef struct mdl_dcc_fluid_load {
    int n;                 /* minutes filled */
    int backlog;           /* some stage carried work over a minute's end (else back[] is all 0) */
    int tiers;             /* 2 when the last day was stepped with on_demand_first (work0 and back1 filled) */
    double *work;          /* work units arriving (attempts x work) */
    double *count;         /* attempts arriving */
    double *work0;         /* of the work, tier 0's (on-demand first); tiers == 2 only */
    double *back0, *back1; /* work waiting at the minute's end, tier 0 and tier 1 (back1: tiers == 2) */
} mdl_dcc_fluid_load;
const mdl_dcc_fluid_load *mdl_dcc_fluid_last_load(const mdl_dcc_fluid *f);
/* The minute stepper alone (what mdl_dcc_fluid_day falls back to); the
 * test compares it with the closed form. */
void mdl_dcc_fluid_day_stepped(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res);
#endif
