/*
 * mdl_dcc_events.h — dated DCC events (dcc.events) and traffic management
 * (dcc.traffic), expanded into the day's offered traffic (mdl_dcc_offer)
 * before either day simulator runs, so both resolutions see the same
 * requests.  Private to models/dcc/ and their tests.
 */
#ifndef MDL_DCC_EVENTS_H
#define MDL_DCC_EVENTS_H

#include <stdint.h>

#include "mdl_dcc_day.h"
#include "sim_err.h"

/* What the events see of the fleet on a day (as the day starts). */
typedef struct mdl_dcc_fleet_view {
    uint64_t hubs[MDL_N_REGIONS];
    uint64_t meters[MDL_N_REGIONS];                          /* electricity + gas */
    const uint32_t (*daily)[MDL_DCC_MINUTES];                /* [region][minute] daily-data scheduled reads */
} mdl_dcc_fleet_view;

/* The day's traffic-management counts and raised power alerts. */
typedef struct mdl_dcc_events_dayres {
    double suppressed[MDL_DCC_N_RULES][MDL_N_REGIONS];   /* removed by each rule */
    double alerts_raised[MDL_N_REGIONS];                  /* outage + restoration alerts the devices raised */
    double bg_interruptions[MDL_N_REGIONS];               /* background interruptions that started (dcc.outages) */
    double bg_premises[MDL_N_REGIONS];                    /* hubs they cut */
    int schedule_touched;     /* the daily-read lanes were changed (settlement): rebuild them tomorrow */
} mdl_dcc_events_dayres;

typedef struct mdl_dcc_events mdl_dcc_events;
/* With dcc.outages on, the events also draw the background interruptions
 * (mdl_dcc_outages.h) from the run's seed. */
mdl_dcc_events *mdl_dcc_events_alloc(const mdl_dcc_params *p, uint64_t seed, sim_err *err);
void mdl_dcc_events_free(mdl_dcc_events *e);   /* NULL is a no-op */
/* Day `date` (days since 1970-01-01): set the event lanes and the day's
 * message sizes in o (the other lanes as build_offer left them; the
 * daily-read lanes lose what settlement collects half-hourly), then apply
 * the traffic rules.  Events whose first day comes take their population
 * from f on that day; the background interruptions (dcc.outages) are
 * drawn for f's hubs and added before the rules.  Exact counts: every
 * premises' alert, push or image is one request, spread by cumulative
 * rounding (sums exact). */
int mdl_dcc_events_day(mdl_dcc_events *e, int64_t date, const mdl_dcc_fleet_view *f, mdl_dcc_offer *o,
                       mdl_dcc_events_dayres *out, sim_err *err);
/* The background interruptions the last day drew (NULL, *n = 0 if none or off). */
struct mdl_dcc_interruption;
const struct mdl_dcc_interruption *mdl_dcc_events_interruptions(const mdl_dcc_events *e, size_t *n);
/* Devices (premises, meters) event i reaches, all regions, once its first
 * day has come (0 before). */
double mdl_dcc_events_population(const mdl_dcc_events *e, size_t i);
/* Checkpoints: each event's progress (started, its population and its
 * traffic shape) and the background interruptions' alerts still to come
 * into a record, and back (0, or -1 out of memory; a bad
 * record sets b->bad). */
struct sim_ckpt_buf;
void mdl_dcc_events_save(const mdl_dcc_events *e, struct sim_ckpt_buf *b);
int mdl_dcc_events_load(mdl_dcc_events *e, struct sim_ckpt_buf *b);

#endif
