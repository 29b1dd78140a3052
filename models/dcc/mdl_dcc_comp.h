/*
 * mdl_dcc_comp.h — one component of event traffic: N premises (or devices)
 * per region and the distribution in time of what each of them sends,
 * expanded into exact per-minute counts of the day's offer.  Shared by the
 * dated events (mdl_dcc_events.c) and the background interruptions
 * (mdl_dcc_outages.c), so both raise power alerts by the same expansion.
 * Private to models/dcc/.
 */
#ifndef MDL_DCC_COMP_H
#define MDL_DCC_COMP_H

#include <stddef.h>
#include <stdint.h>

#include "mdl_dcc_day.h"

typedef struct mdl_dcc_comp {
    int svc;
    int power;             /* a power alert: consolidation and throttling apply */
    double n[MDL_N_REGIONS];   /* premises per region */
    double *H;             /* CDF at minute boundaries lo .. len (H(k) = 0 before lo, H(len) = 1): H[k - lo] */
    size_t lo, len;
} mdl_dcc_comp;

/* A power cut of n[r] premises whose cuts follow base density g (per
 * minute, L minutes; NULL: a point at `at` minutes after the day's 00:00),
 * lasting dur minutes: an outage alert delay_s after the loss if the cut
 * lasts that long, and a restoration alert after the cut (spread over
 * restore_over minutes for a point cut), each after U(0, jitter_s).
 * Appends 0 or 2 components to c[*nc] (H allocated).  0, or -1 out of memory. */
int mdl_dcc_comp_power_pair(mdl_dcc_comp *c, int *nc, const double *n, const double *g, size_t L, double at,
                            double dur, double restore_over, double delay_s, double jitter_s);
/* The component's CDF for base g (NULL: a point), delay D and jitter J
 * (minutes) into c->H.  0, or -1 out of memory. */
int mdl_dcc_comp_cdf(mdl_dcc_comp *c, const double *g, size_t L, double D, double J);
/* Its premises in the day starting `off` days after its origin day, added
 * to the lane cells (x mult) and, when cnt is not NULL, to cnt[region][minute]. */
void mdl_dcc_comp_day(const mdl_dcc_comp *c, int64_t off, double mult, mdl_dcc_offer *o,
                      uint32_t (*cnt)[MDL_DCC_MINUTES]);
/* 1 if the component still sends on or after day `off` of its origin. */
static inline int mdl_dcc_comp_live(const mdl_dcc_comp *c, int64_t off)
{
    return off >= 0 && (size_t)off * MDL_DCC_MINUTES < c->len;
}
struct sim_ckpt_buf;
void mdl_dcc_comp_save(const mdl_dcc_comp *c, struct sim_ckpt_buf *b);
/* 0, or -1 out of memory (a bad record sets b->bad; c->H is then NULL or owned by c). */
int mdl_dcc_comp_load(mdl_dcc_comp *c, struct sim_ckpt_buf *b);

#endif
