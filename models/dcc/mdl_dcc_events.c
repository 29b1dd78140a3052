/*
 * mdl_dcc_events.c — dated events and traffic management, as offered
 * traffic.
 *
 * Every event is made of components: a number of premises (or devices) per
 * region, taken from the fleet on the event's first day, and one
 * distribution in time of what each of them sends (minutes from the
 * event's date 00:00).  A distribution is a base shape (a point, or a
 * density constant within each minute: a restoration window, batch windows
 * over days) shifted by a delay D and smeared by a uniform jitter U(0, J):
 * its CDF at minute boundaries is
 *     H(t) = G(t - D)                                  (J = 0)
 *     H(t) = (GG(t - D) - GG(t - D - J)) / J           (J > 0)
 * with G the base's CDF (piecewise linear) and GG its integral (piecewise
 * quadratic), both exact for a piecewise-constant density.  The count in
 * absolute minute k is round(N H(k+1)) - round(N H(k)): exact integers that
 * add up to N over the event whatever days it spans.
 *
 *   outage      last gasp at the start + last_gasp_delay (if the outage lasts
 *               that long); restoration uniform over restore_over_min after
 *               the duration, each alert after U(0, restore_jitter_s)
 *   price       tariff updates spread uniformly over the batch windows of
 *               `days` days
 *   firmware    images spread over the batch windows of ceil(P / rate) days;
 *               on the activation day activations in the windows, and on
 *               power_cut_share of them an outage + restoration pair (a cut
 *               of duration_min) as for an outage
 *   settlement  from the date, a share (ramped over `days`) of each
 *               minute's daily-data reads becomes half-hourly collection
 *
 * Then the rules: consolidation (without it every premises raises
 * alerts_unconsolidated alerts per power event), throttling (at most
 * throttle_per_min power alerts per region and minute enter the DCC),
 * quarantine (event commands beyond users x threshold_per_day a day).
 * Not for: the queues (mdl_dcc_fluid.c, mdl_dcc_detail.c).
 */
#include "mdl_dcc_events.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_dcc_comp.h"
#include "mdl_dcc_outages.h"
#include "sim_ckpt.h"

#define R_ MDL_N_REGIONS
#define MIN_PER_DAY MDL_DCC_MINUTES

typedef mdl_dcc_comp comp;

typedef struct evstate {
    int started;
    double pop[R_];        /* premises / devices the event reaches */
    comp c[3];
    int n_comp;
} evstate;

struct mdl_dcc_events {
    const mdl_dcc_params *p;
    evstate ev[MDL_DCC_MAX_EVENTS];
    mdl_dcc_outages *bg;   /* background interruptions (NULL when dcc.outages is off) */
};

/* ---- distributions ------------------------------------------------------------ */
typedef struct shape {
    const double *g;       /* density per minute (sum 1); NULL: a point at 0 */
    size_t L;
    double *cg, *gg;       /* G and GG at integer minutes 0 .. L */
} shape;

static double G_at(const shape *s, double x)
{
    if (x <= 0)
        return 0.0;
    if (!s->g || x >= (double)s->L)
        return 1.0;
    size_t k = (size_t)x;
    return s->cg[k] + s->g[k] * (x - (double)k);
}

static double GG_at(const shape *s, double x)
{
    if (x <= 0)
        return 0.0;
    if (!s->g)
        return x;
    if (x >= (double)s->L)
        return s->gg[s->L] + (x - (double)s->L);
    size_t k = (size_t)x;
    double f = x - (double)k;
    return s->gg[k] + s->cg[k] * f + s->g[k] * f * f * 0.5;
}

/* The component's CDF at minute boundaries for base g (NULL: point), delay
 * D and jitter J (minutes), kept from minute floor(D) on (it is 0 before). */
int mdl_dcc_comp_cdf(comp *c, const double *g, size_t L, double D, double J)
{
    shape s = {g, L, NULL, NULL};
    if (g) {
        s.cg = malloc((L + 1) * sizeof *s.cg);
        s.gg = malloc((L + 1) * sizeof *s.gg);
        if (!s.cg || !s.gg) {
            free(s.cg);
            free(s.gg);
            return -1;
        }
        s.cg[0] = s.gg[0] = 0;
        for (size_t k = 0; k < L; k++) {
            s.cg[k + 1] = s.cg[k] + g[k];
            s.gg[k + 1] = s.gg[k] + s.cg[k] + 0.5 * g[k];
        }
    }
    c->lo = (size_t)floor(D);
    c->len = (size_t)ceil((double)L + D + J) + 1;
    c->H = malloc((c->len - c->lo + 1) * sizeof *c->H);
    if (c->H)
        for (size_t k = c->lo; k <= c->len; k++) {
            double t = (double)k - D;
            double h = J > 0 ? (GG_at(&s, t) - GG_at(&s, t - J)) / J : G_at(&s, t);
            c->H[k - c->lo] = h > 1.0 ? 1.0 : h;
        }
    free(s.cg);
    free(s.gg);
    return c->H ? 0 : -1;
}

/* Density uniform over the batch windows of days [first, first + n) after
 * the event's date (length (first + n) days of minutes). */
static double *windows_density(const mdl_dcc_event *e, int64_t first, int64_t n, size_t *L)
{
    *L = (size_t)(first + n) * MIN_PER_DAY;
    double *g = calloc(*L, sizeof *g);
    if (!g)
        return NULL;
    double tot = 0;
    for (int64_t d = first; d < first + n; d++)
        for (size_t w = 0; w + 1 < e->n_windows_h; w += 2) {
            double a = e->windows_h[w] * 60, b = e->windows_h[w + 1] * 60;
            for (int m = (int)floor(a); m < MIN_PER_DAY && m < b; m++) {
                double lo = fmax(a, m), hi = fmin(b, m + 1.0);
                if (hi > lo) {
                    g[(size_t)d * MIN_PER_DAY + (size_t)m] += hi - lo;
                    tot += hi - lo;
                }
            }
        }
    for (size_t k = 0; k < *L; k++)
        g[k] /= tot;
    return g;
}

/* A power cut (mdl_dcc_comp.h): the outage alert, then the restoration. */
int mdl_dcc_comp_power_pair(comp *c, int *nc, const double *n, const double *g, size_t L, double at, double dur,
                            double restore_over, double delay_s, double jitter_s)
{
    if (dur * 60.0 < delay_s)
        return 0;   /* back before the hub alerts: nothing sent */
    comp *a = &c[(*nc)++], *b = &c[(*nc)++];
    a->svc = MDL_DCC_SVC_OUTAGE_ALERT;
    b->svc = MDL_DCC_SVC_RESTORE_ALERT;
    a->power = b->power = 1;
    memcpy(a->n, n, sizeof a->n);
    memcpy(b->n, n, sizeof b->n);
    if (mdl_dcc_comp_cdf(a, g, L, at + delay_s / 60.0, 0.0))
        return -1;
    if (g || restore_over <= 0)
        return mdl_dcc_comp_cdf(b, g, L, at + dur, jitter_s / 60.0);
    /* a point cut: restoration uniform over the window, as a per-minute density */
    size_t Lr = (size_t)ceil(restore_over);
    double *u = malloc(Lr * sizeof *u);
    if (!u)
        return -1;
    for (size_t k = 0; k < Lr; k++)
        u[k] = (fmin((double)k + 1.0, restore_over) - (double)k) / restore_over;
    int rc = mdl_dcc_comp_cdf(b, u, Lr, at + dur, jitter_s / 60.0);
    free(u);
    return rc;
}

/* The event's first day: its population and components. */
static int event_start(mdl_dcc_events *x, size_t i, const mdl_dcc_fleet_view *f)
{
    const mdl_dcc_event *e = &x->p->events[i];
    evstate *st = &x->ev[i];
    st->started = 1;
    double P = 0;
    for (int r = 0; r < R_; r++) {
        double daily = 0;
        for (int m = 0; m < MIN_PER_DAY && e->type == MDL_DCC_EV_SETTLEMENT; m++)
            daily += f->daily[r][m];
        double base = e->type == MDL_DCC_EV_SETTLEMENT      ? daily
                      : e->type == MDL_DCC_EV_PRICE_CHANGE ? (double)f->meters[r]
                      : e->type == MDL_DCC_EV_FIRMWARE && e->family == MDL_DCC_FAM_GAS
                          ? (double)(f->meters[r] - f->hubs[r])
                          : (double)f->hubs[r];
        st->pop[r] = floor(e->region_share[r] * base + 0.5);
        P += st->pop[r];
    }
    size_t L;
    double *g;
    int rc = 0;
    switch (e->type) {
    case MDL_DCC_EV_OUTAGE:
        return mdl_dcc_comp_power_pair(st->c, &st->n_comp, st->pop, NULL, 0, e->time_h * 60.0, e->duration_min,
                                       e->restore_over_min, e->last_gasp_delay_s, e->restore_jitter_s);
    case MDL_DCC_EV_PRICE_CHANGE:
    case MDL_DCC_EV_FIRMWARE: {
        int64_t days = e->type == MDL_DCC_EV_PRICE_CHANGE ? e->days : (int64_t)ceil(P / e->rate_per_day);
        comp *c = &st->c[st->n_comp++];
        c->svc = e->type == MDL_DCC_EV_PRICE_CHANGE ? MDL_DCC_SVC_TARIFF : MDL_DCC_SVC_FIRMWARE;
        memcpy(c->n, st->pop, sizeof c->n);
        if (!(g = windows_density(e, 0, days < 1 ? 1 : days, &L)))
            return -1;
        rc = mdl_dcc_comp_cdf(c, g, L, 0.0, 0.0);
        free(g);
        if (rc || e->type == MDL_DCC_EV_PRICE_CHANGE || e->power_cut_share <= 0)
            return rc;
        double cut[R_];
        for (int r = 0; r < R_; r++)
            cut[r] = floor(e->power_cut_share * st->pop[r] + 0.5);
        if (!(g = windows_density(e, e->activation_date - e->date, 1, &L)))
            return -1;
        rc = mdl_dcc_comp_power_pair(st->c, &st->n_comp, cut, g, L, 0.0, e->duration_min, 0.0, e->last_gasp_delay_s,
                                     e->restore_jitter_s);
        free(g);
        return rc;
    }
    default:
        return 0;   /* settlement: no components (mdl_dcc_events_day) */
    }
}

mdl_dcc_events *mdl_dcc_events_alloc(const mdl_dcc_params *p, uint64_t seed, sim_err *err)
{
    mdl_dcc_events *e = calloc(1, sizeof *e);
    if (!e) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC events)");
        return NULL;
    }
    e->p = p;
    if (p->outages.enabled && !(e->bg = mdl_dcc_outages_alloc(&p->outages, seed, err))) {
        free(e);
        return NULL;
    }
    return e;
}

void mdl_dcc_events_free(mdl_dcc_events *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < MDL_DCC_MAX_EVENTS; i++)
        for (int k = 0; k < e->ev[i].n_comp; k++)
            free(e->ev[i].c[k].H);
    mdl_dcc_outages_free(e->bg);
    free(e);
}

const mdl_dcc_interruption *mdl_dcc_events_interruptions(const mdl_dcc_events *e, size_t *n)
{
    return mdl_dcc_outages_last(e ? e->bg : NULL, n);
}

double mdl_dcc_events_population(const mdl_dcc_events *e, size_t i)
{
    if (i >= e->p->n_events || !e->ev[i].started)
        return 0.0;
    return e->ev[i].pop[0] + e->ev[i].pop[1] + e->ev[i].pop[2];
}

/* ---- the day ---------------------------------------------------------------------- */
/* Component c's premises in the day starting `off` days after its origin
 * (mdl_dcc_comp.h): cumulative rounding of N H at the minute boundaries. */
void mdl_dcc_comp_day(const comp *c, int64_t off, double mult, mdl_dcc_offer *o, uint32_t (*cnt)[MIN_PER_DAY])
{
    if (!mdl_dcc_comp_live(c, off))
        return;
    size_t k0 = (size_t)off * MIN_PER_DAY, m0 = c->lo > k0 ? c->lo - k0 : 0;
    const size_t lo = c->lo;   /* c->H[k - lo] is H(k), k >= lo */
    for (int r = 0; r < R_ && m0 < MIN_PER_DAY; r++) {
        if (c->n[r] <= 0)
            continue;
        double *a = mdl_dcc_offer_lane(o, c->svc, r);
        double prev = floor(c->n[r] * c->H[k0 + m0 - lo] + 0.5);
        for (size_t m = m0; m < MIN_PER_DAY && k0 + m < c->len; m++) {
            double next = floor(c->n[r] * c->H[k0 + m + 1 - lo] + 0.5);
            a[m] += (next - prev) * mult;
            if (cnt)
                cnt[r][m] += (uint32_t)(next - prev);
            prev = next;
        }
    }
}

/* Settlement: a share of each minute's daily-data reads is collected half-hourly. */
static void settlement_day(const mdl_dcc_event *e, int64_t off, const mdl_dcc_fleet_view *f, mdl_dcc_offer *o,
                           mdl_dcc_events_dayres *out)
{
    if (off < 0)
        return;
    double ramp = fmin(1.0, (double)(off + 1) / (double)e->days);
    for (int r = 0; r < R_; r++) {
        double sh = e->region_share[r] * ramp;
        double *d = mdl_dcc_offer_lane(o, MDL_DCC_SVC_READ_DAILY, r), *h = mdl_dcc_offer_lane(o, MDL_DCC_SVC_HH_COLLECT, r);
        for (int m = 0; m < MIN_PER_DAY; m++) {
            double moved = fmin(d[m], floor(sh * (double)f->daily[r][m] + 0.5));
            d[m] -= moved;
            h[m] += moved;
        }
    }
    out->schedule_touched = 1;
    if (e->payload_bytes > 0)
        o->resp_bytes[MDL_DCC_SVC_HH_COLLECT] = e->payload_bytes;
}

/* Throttling: at most cap power alerts per region and minute; outage alerts first. */
static void throttle(const mdl_dcc_traffic_params *t, mdl_dcc_offer *o, mdl_dcc_events_dayres *out)
{
    double cap = floor(t->throttle_per_min);
    for (int r = 0; r < R_; r++) {
        double *a = mdl_dcc_offer_lane(o, MDL_DCC_SVC_OUTAGE_ALERT, r), *b = mdl_dcc_offer_lane(o, MDL_DCC_SVC_RESTORE_ALERT, r);
        for (int m = 0; m < MIN_PER_DAY; m++) {
            double ka = fmin(a[m], cap), kb = fmin(b[m], cap - ka);
            out->suppressed[MDL_DCC_RULE_THROTTLED][r] += a[m] - ka + b[m] - kb;
            a[m] = ka;
            b[m] = kb;
        }
    }
}

/* `held` of the firmware requests in (r, m) quarantined: from the last
 * campaign in dcc.events back (the requests without a campaign first). */
static void fw_hold(mdl_dcc_offer *o, int r, int m, double held)
{
    double own = 0;
    for (int k = 0; k < MDL_DCC_FW_CLASSES; k++)
        own += o->fw_n[k][r][m];
    held -= fmin(held, fmax(0.0, mdl_dcc_offer_lane(o, MDL_DCC_SVC_FIRMWARE, r)[m] - own));
    for (int k = MDL_DCC_FW_CLASSES - 1; k >= 0 && held > 0; k--) {
        double h = fmin(held, o->fw_n[k][r][m]);
        o->fw_n[k][r][m] -= (uint32_t)h;
        held -= h;
    }
}

/* Quarantine: a service's event commands past users x threshold in the day
 * (minute by minute, regions in order) are held back. */
static void quarantine(const mdl_dcc_traffic_params *t, mdl_dcc_offer *o, mdl_dcc_events_dayres *out)
{
    static const int svc[] = {MDL_DCC_SVC_TARIFF, MDL_DCC_SVC_FIRMWARE};
    for (size_t i = 0; i < sizeof svc / sizeof svc[0]; i++) {
        double left = floor((double)t->users * t->threshold_per_day);
        for (int m = 0; m < MIN_PER_DAY; m++)
            for (int r = 0; r < R_; r++) {
                double *a = mdl_dcc_offer_lane(o, svc[i], r) + m;
                double keep = fmin(*a, left);
                out->suppressed[MDL_DCC_RULE_QUARANTINED][r] += *a - keep;
                left -= keep;
                if (svc[i] == MDL_DCC_SVC_FIRMWARE && o->fw_any)
                    fw_hold(o, r, m, *a - keep);
                *a = keep;
            }
    }
}

int mdl_dcc_events_day(mdl_dcc_events *x, int64_t date, const mdl_dcc_fleet_view *f, mdl_dcc_offer *o,
                       mdl_dcc_events_dayres *out, sim_err *err)
{
    const mdl_dcc_params *p = x->p;
    const mdl_dcc_traffic_params *t = &p->traffic;
    memset(out, 0, sizeof *out);
    static const int ev_svc[] = {MDL_DCC_SVC_OUTAGE_ALERT, MDL_DCC_SVC_RESTORE_ALERT, MDL_DCC_SVC_TARIFF,
                                 MDL_DCC_SVC_FIRMWARE, MDL_DCC_SVC_HH_COLLECT};
    for (size_t i = 0; i < sizeof ev_svc / sizeof ev_svc[0]; i++)
        for (int r = 0; r < R_; r++)
            memset(mdl_dcc_offer_lane(o, ev_svc[i], r), 0, MIN_PER_DAY * sizeof(double));
    double k = t->consolidation ? 1.0 : (double)t->alerts_unconsolidated;
    memset(o->fw_n, 0, sizeof o->fw_n);
    o->fw_any = 0;
    o->fw_bytes[0] = o->req_bytes[MDL_DCC_SVC_FIRMWARE];
    int fw = 0;   /* firmware campaigns so far in dcc.events: the next one's class is fw + 1 */
    for (size_t i = 0; i < p->n_events; i++) {
        const mdl_dcc_event *e = &p->events[i];
        int64_t off = date - e->date;
        int cls = 0;
        if (e->type == MDL_DCC_EV_FIRMWARE && fw < MDL_DCC_FW_CLASSES) {   /* the schema allows no more */
            cls = ++fw;
            o->fw_bytes[cls] = e->payload_bytes > 0 ? e->payload_bytes : o->req_bytes[MDL_DCC_SVC_FIRMWARE];
        }
        if (off < 0)
            continue;
        if (!x->ev[i].started && event_start(x, i, f))
            return SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC event %zu)", i);
        if (e->type == MDL_DCC_EV_SETTLEMENT) {
            settlement_day(e, off, f, o, out);
            continue;
        }
        for (int c = 0; c < x->ev[i].n_comp; c++) {
            const comp *cp = &x->ev[i].c[c];
            int own = cp->svc == MDL_DCC_SVC_FIRMWARE && cls > 0;   /* the images, not the activation cuts */
            mdl_dcc_comp_day(cp, off, cp->power ? k : 1.0, o, own ? o->fw_n[cls - 1] : NULL);
            o->fw_any |= own && off * MIN_PER_DAY < (int64_t)cp->len;
        }
    }
    if (x->bg && mdl_dcc_outages_day(x->bg, date, f->hubs, k, o, out->bg_interruptions, out->bg_premises))
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC background outages)");
    for (int r = 0; r < R_; r++)
        for (int m = 0; m < MIN_PER_DAY; m++) {
            double raised = mdl_dcc_offer_lane(o, MDL_DCC_SVC_OUTAGE_ALERT, r)[m] +
                            mdl_dcc_offer_lane(o, MDL_DCC_SVC_RESTORE_ALERT, r)[m];
            out->alerts_raised[r] += raised;
            if (t->consolidation)
                out->suppressed[MDL_DCC_RULE_CONSOLIDATED][r] += raised * ((double)t->alerts_unconsolidated - 1.0);
        }
    if (t->consolidation)
        for (int r = 0; r < R_; r++)
            out->alerts_raised[r] *= (double)t->alerts_unconsolidated;
    if (t->throttle)
        throttle(t, o, out);
    if (t->quarantine)
        quarantine(t, o, out);
    return SIM_OK;
}

/* ---- checkpoints ------------------------------------------------------------ */
void mdl_dcc_comp_save(const comp *c, sim_ckpt_buf *b)
{
    sim_ckpt_put_i64(b, c->svc);
    sim_ckpt_put_i64(b, c->power);
    sim_ckpt_put(b, c->n, sizeof c->n);
    sim_ckpt_put_u64(b, c->lo);
    sim_ckpt_put_u64(b, c->len);
    sim_ckpt_put(b, c->H, (c->len - c->lo + 1) * sizeof *c->H);
}

int mdl_dcc_comp_load(comp *c, sim_ckpt_buf *b)
{
    c->H = NULL;
    c->svc = (int)sim_ckpt_get_i64(b);
    c->power = (int)sim_ckpt_get_i64(b);
    sim_ckpt_get(b, c->n, sizeof c->n);
    c->lo = (size_t)sim_ckpt_get_count(b, UINT32_MAX);
    c->len = (size_t)sim_ckpt_get_count(b, c->lo + (b->n - b->pos) / sizeof(double));
    if (c->len < c->lo || c->svc < 0 || c->svc >= MDL_DCC_N_SERVICES)
        b->bad = 1;
    if (b->bad)
        return 0;
    if (!(c->H = malloc((c->len - c->lo + 1) * sizeof *c->H)))
        return -1;
    sim_ckpt_get(b, c->H, (c->len - c->lo + 1) * sizeof *c->H);
    return 0;
}

/* Started events keep the population and shape they took on their first
 * day (a resumed run does not re-derive them from a later fleet); then the
 * background interruptions still sending (mdl_dcc_outages.c). */
void mdl_dcc_events_save(const mdl_dcc_events *x, sim_ckpt_buf *b)
{
    sim_ckpt_put_u64(b, x->p->n_events);
    for (size_t i = 0; i < x->p->n_events; i++) {
        const evstate *st = &x->ev[i];
        sim_ckpt_put_u64(b, (uint64_t)st->started);
        sim_ckpt_put(b, st->pop, sizeof st->pop);
        sim_ckpt_put_u64(b, (uint64_t)st->n_comp);
        for (int k = 0; k < st->n_comp; k++)
            mdl_dcc_comp_save(&st->c[k], b);
    }
    mdl_dcc_outages_save(x->bg, b);
}

static void evstate_free(evstate *st)
{
    for (int k = 0; k < st->n_comp; k++)
        free(st->c[k].H);
    st->n_comp = 0;
}

int mdl_dcc_events_load(mdl_dcc_events *x, sim_ckpt_buf *b)
{
    size_t n = (size_t)sim_ckpt_get_count(b, MDL_DCC_MAX_EVENTS);
    for (size_t i = 0; i < n && !b->bad; i++) {
        evstate st = {0};
        st.started = (int)sim_ckpt_get_u64(b);
        sim_ckpt_get(b, st.pop, sizeof st.pop);
        int nc = (int)sim_ckpt_get_count(b, 3);
        for (int k = 0; k < nc && !b->bad; k++, st.n_comp++)
            if (mdl_dcc_comp_load(&st.c[k], b)) {
                evstate_free(&st);
                return -1;
            }
        if (i < x->p->n_events) {
            evstate_free(&x->ev[i]);
            x->ev[i] = st;
        } else {
            evstate_free(&st);
        }
    }
    return b->bad ? 0 : mdl_dcc_outages_load(x->bg, b);
}
