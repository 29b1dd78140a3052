/*
 * mdl_dcc_network.h — the regions' WAN links measured in bytes on fluid
 * days (mdl_dcc_network.c); request-level days run the link per request
 * inside mdl_dcc_detail.c.  Private to models/dcc/ and their tests.
 */
#ifndef MDL_DCC_NETWORK_H
#define MDL_DCC_NETWORK_H

#include "mdl_dcc_day.h"

/* Fill res's wan_* fields for a fluid day from its offer and counts. */
void mdl_dcc_network_fluid(const mdl_dcc_params *p, const mdl_dcc_offer *o, mdl_dcc_dayres *res);
/* Minutes of a day whose end finds more than `threshold` waiting. */
int mdl_dcc_saturated_minutes(const double *backlog, double threshold);

#endif
