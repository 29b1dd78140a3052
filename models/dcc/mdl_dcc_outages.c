/*
 * mdl_dcc_outages.c — background power interruptions (dcc.outages).
 *
 * Each day and region r: N ~ Poisson(rate / 365.25 x month weight x
 * hubs(r) / premises_per_interruption) interruptions, drawn from the
 * stream (seed, entity = date, MDL_RNG_DCC_OUTAGE | r << 8), so a day's
 * draws depend on nothing but the seed, the date and the fleet.  Each
 * interruption: a start (hour from hour_profile, uniform within it), a
 * size (geometric with mean premises_per_interruption, capped by the
 * region's hubs) and a duration (min_duration_min + exponential, mean
 * mean_duration_min, capped at a day).  Its alerts are two components of
 * the dated outages' expansion (mdl_dcc_comp_power_pair: a point cut, the
 * outage alert after the last-gasp delay if the cut lasts that long, the
 * restoration after the duration and the jitter), kept until they have
 * sent everything: alerts after midnight go into the next day's offer.
 * Not for: the traffic rules (mdl_dcc_events.c) or the queues.
 */
#include "mdl_dcc_outages.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "mdl_dcc_comp.h"
#include "sim_ckpt.h"
#include "sim_draw.h"
#include "sim_rng.h"
#include "sim_time.h"
#include "sim_vec.h"

#define R_ MDL_N_REGIONS
#define YEAR_DAYS 365.25

typedef struct pending {
    int64_t date;            /* the day the interruption started (the component's origin) */
    mdl_dcc_comp c;
} pending;

struct mdl_dcc_outages {
    const mdl_dcc_outage_params *p;
    uint64_t seed;
    double hour_cdf[MDL_DCC_PROFILE_HOURS + 1];
    double month_w[12];      /* weight / mean weight */
    pending *pend;           /* components still sending */
    size_t n_pend, cap_pend;
    mdl_dcc_interruption *last;
    size_t n_last, cap_last;
};

mdl_dcc_outages *mdl_dcc_outages_alloc(const mdl_dcc_outage_params *p, uint64_t seed, sim_err *err)
{
    mdl_dcc_outages *x = calloc(1, sizeof *x);
    if (!x) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC background outages)");
        return NULL;
    }
    x->p = p;
    x->seed = seed;
    double ms = 0;
    mdl_dcc_hour_cdf(p->hour_profile, x->hour_cdf);
    for (int m = 0; m < 12; m++)
        ms += p->month_profile[m];
    for (int m = 0; m < 12; m++)
        x->month_w[m] = p->month_profile[m] * 12.0 / ms;
    return x;
}

void mdl_dcc_outages_free(mdl_dcc_outages *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_pend; i++)
        free(x->pend[i].c.H);
    free(x->pend);
    free(x->last);
    free(x);
}

const mdl_dcc_interruption *mdl_dcc_outages_last(const mdl_dcc_outages *x, size_t *n)
{
    *n = x ? x->n_last : 0;
    return x ? x->last : NULL;
}

static int push_pending(mdl_dcc_outages *x, int64_t date, const mdl_dcc_comp *c)
{
    if (x->n_pend == x->cap_pend) {
        pending *v = sim_vec_grow(x->pend, &x->cap_pend, x->n_pend + 1, sizeof *v, 64);
        if (!v)
            return -1;
        x->pend = v;
    }
    x->pend[x->n_pend].date = date;
    x->pend[x->n_pend++].c = *c;
    return 0;
}

/* One interruption: recorded, and its alert components kept (0, or -1 out of memory). */
static int add_interruption(mdl_dcc_outages *x, int64_t date, const mdl_dcc_interruption *it)
{
    if (x->n_last == x->cap_last) {
        mdl_dcc_interruption *v = sim_vec_grow(x->last, &x->cap_last, x->n_last + 1, sizeof *v, 64);
        if (!v)
            return -1;
        x->last = v;
    }
    x->last[x->n_last++] = *it;
    double n[R_] = {0};
    n[it->region] = it->premises;
    mdl_dcc_comp c[2] = {{0}};
    int nc = 0;
    int rc = mdl_dcc_comp_power_pair(c, &nc, n, NULL, 0, it->start_min, it->duration_min, 0.0,
                                     x->p->last_gasp_delay_s, x->p->restore_jitter_s);
    for (int k = 0; k < nc; k++)
        if (rc || push_pending(x, date, &c[k])) {
            free(c[k].H);
            rc = -1;
        }
    return rc;
}

/* Region r's interruptions on `date` (mean `mean` of them, `hubs` hubs). */
static int draw_region(mdl_dcc_outages *x, int64_t date, int r, double mean, uint64_t hubs)
{
    const mdl_dcc_outage_params *p = x->p;
    if (mean <= 0 || hubs == 0)
        return 0;
    sim_rng_stream s;
    gsl_rng g;
    sim_rng_stream_init(&s, x->seed, (uint64_t)date, MDL_RNG_DCC_OUTAGE | (uint32_t)r << 8);
    sim_rng_gsl_wrap(&g, &s);
    unsigned n = gsl_ran_poisson(&g, mean);
    for (unsigned k = 0; k < n; k++) {
        mdl_dcc_interruption it = {.region = r};
        int h = mdl_dcc_hour_of(x->hour_cdf, sim_draw_u01(&s));
        it.start_min = ((double)h + sim_draw_u01(&s)) * 60.0;
        it.premises = fmin((double)gsl_ran_geometric(&g, 1.0 / p->premises_per_interruption), (double)hubs);
        it.duration_min = fmin(p->min_duration_min - (p->mean_duration_min - p->min_duration_min) *
                                                         log(sim_draw_u01(&s)),
                               MDL_DCC_OUTAGE_MAX_MIN);
        if (add_interruption(x, date, &it))
            return -1;
    }
    return 0;
}

int mdl_dcc_outages_day(mdl_dcc_outages *x, int64_t date, const uint64_t *hubs, double mult, mdl_dcc_offer *o,
                        double *n_int, double *n_prem)
{
    int y, mo, dd;
    sim_civil_from_days(date, &y, &mo, &dd);
    const mdl_dcc_outage_params *p = x->p;
    double per_hub = p->per_premises_year / YEAR_DAYS * x->month_w[mo - 1] / p->premises_per_interruption;
    x->n_last = 0;
    for (int r = 0; r < R_; r++)
        if (draw_region(x, date, r, per_hub * (double)hubs[r], hubs[r]))
            return -1;
    for (size_t i = 0; i < x->n_last; i++) {
        n_int[x->last[i].region] += 1.0;
        n_prem[x->last[i].region] += x->last[i].premises;
    }
    size_t keep = 0;
    for (size_t i = 0; i < x->n_pend; i++) {
        pending *q = &x->pend[i];
        mdl_dcc_comp_day(&q->c, date - q->date, mult, o, NULL);
        if (mdl_dcc_comp_live(&q->c, date + 1 - q->date))
            x->pend[keep++] = *q;
        else
            free(q->c.H);
    }
    x->n_pend = keep;
    return 0;
}

/* ---- checkpoints ------------------------------------------------------------ */
void mdl_dcc_outages_save(const mdl_dcc_outages *x, sim_ckpt_buf *b)
{
    size_t n = x ? x->n_pend : 0;
    sim_ckpt_put_u64(b, n);
    for (size_t i = 0; i < n; i++) {
        sim_ckpt_put_i64(b, x->pend[i].date);
        mdl_dcc_comp_save(&x->pend[i].c, b);
    }
}

int mdl_dcc_outages_load(mdl_dcc_outages *x, sim_ckpt_buf *b)
{
    size_t n = (size_t)sim_ckpt_get_count(b, (b->n - b->pos) / 64 + 1);
    if (x) {
        for (size_t i = 0; i < x->n_pend; i++)
            free(x->pend[i].c.H);
        x->n_pend = 0;
    }
    for (size_t i = 0; i < n && !b->bad; i++) {
        pending q;
        q.date = sim_ckpt_get_i64(b);
        if (mdl_dcc_comp_load(&q.c, b))
            return -1;
        if (b->bad || !x) {
            free(q.c.H);
        } else if (push_pending(x, q.date, &q.c)) {
            free(q.c.H);
            return -1;
        }
    }
    return 0;
}
