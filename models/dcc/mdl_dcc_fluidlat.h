/*
 * mdl_dcc_fluidlat.h — response times on fluid (ordinary) days
 * (mdl_dcc_fluidlat.c): from the fluid day's load per stage and minute
 * and the WAN links' backlogs, each service's share of responses within
 * target, p50 / p95 / p99 and worst minute, as expectations (no random
 * draws).  Private to models/dcc/ and their tests.
 */
#ifndef MDL_DCC_FLUIDLAT_H
#define MDL_DCC_FLUIDLAT_H

#include "mdl_dcc_day.h"
#include "mdl_dcc_fluid.h"
#include "sim_err.h"

typedef struct mdl_dcc_fluidlat mdl_dcc_fluidlat;
mdl_dcc_fluidlat *mdl_dcc_fluidlat_alloc(const mdl_dcc_params *p, sim_err *err);
void mdl_dcc_fluidlat_free(mdl_dcc_fluidlat *L);
/* The day's response times into res (sla_breaches, latency_q,
 * worst_minute, worst_minute_s), after mdl_dcc_fluid_day and
 * mdl_dcc_network_fluid filled the rest of res from the same offer; ld is
 * mdl_dcc_fluid_last_load of that fluid day. */
void mdl_dcc_fluidlat_day(mdl_dcc_fluidlat *L, const mdl_dcc_fluid_load *ld, const mdl_dcc_offer *o,
                          mdl_dcc_dayres *res);
#endif
