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
/* The minute stepper alone (what mdl_dcc_fluid_day falls back to); the
 * test compares it with the closed form. */
void mdl_dcc_fluid_day_stepped(mdl_dcc_fluid *f, const mdl_dcc_offer *offer, mdl_dcc_dayres *res);
#endif
