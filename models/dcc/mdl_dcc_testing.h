/*
 * mdl_dcc_testing.h — hooks into the DCC model for its tests and the
 * benchmark: per-stage waiting statistics, the
 * last day's results and offered traffic.  Not used by the model's run.
 */
#ifndef MDL_DCC_TESTING_H
#define MDL_DCC_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_dcc_day.h"
#include "mdl_dcc_detail.h"
#include "mdl_dcc_events.h"
#include "mdl_dcc_outages.h"

/* Per-stage waiting statistics of the last detail day (for the Erlang C test). */
typedef struct mdl_dcc_stage_stats {
    uint64_t started;       /* requests that began service */
    uint64_t waited;        /* ... after a positive wait */
    double wait_sum_s;      /* total wait */
} mdl_dcc_stage_stats;
void mdl_dcc_detail_stage_stats(const mdl_dcc_detail *x, int stage, mdl_dcc_stage_stats *out);
/* The same for region region_i's WAN link (for the M/D/1 and M/M/1 tests). */
void mdl_dcc_detail_link_stats(const mdl_dcc_detail *x, int region_i, mdl_dcc_stage_stats *out);

/* The CSP's insertion sort of the DSP's departures gives up after this
 * many moves a request (default 4) and the radix sort finishes the list:
 * the order is the same either way (the test runs 0 and a huge budget). */
void mdl_dcc_detail_set_sort_moves(mdl_dcc_detail *x, size_t per_request);

/* The results of the last mdl_dcc_day (for tests and the benchmark). */
struct mdl_dcc;
const mdl_dcc_dayres *mdl_dcc_last_day(const struct mdl_dcc *d);
/* A copy of the last day's offered traffic (for the benchmark). */
void mdl_dcc_copy_offer(const struct mdl_dcc *d, mdl_dcc_offer *out);
/* The background interruptions the last day drew (dcc.outages; NULL, *n = 0 if off). */
const mdl_dcc_interruption *mdl_dcc_last_interruptions(const struct mdl_dcc *d, size_t *n);
/* The last day's traffic-rule counts, raised alerts and background interruptions. */
const mdl_dcc_events_dayres *mdl_dcc_last_events(const struct mdl_dcc *d);
#endif
