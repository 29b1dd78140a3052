/*
 * mdl_dcc.c — the DCC model's driver: outboxes, the fleet, the day, /dcc.
 *
 * The fleet is never a list of hubs: it is a histogram of scheduled reads
 * by (kind, region, read minute) plus per-region counts (hubs, meters,
 * generating and prepayment hubs), updated from the outboxes' joins.  A
 * join costs a few counter increments; a day costs O(services * regions *
 * minutes) to build its offered traffic whatever the fleet size.  Each
 * hub's read minute and generation flag are drawn at join from the
 * household's own stream (MDL_RNG_DCC_FLEET), so they do not depend on
 * shards or threads.
 *
 * mdl_dcc_day(d) runs day d with the fleet as it stood at the end of day
 * d-1 plus day d's install messages, then adds day d's joins: a hub that
 * joins on day d sends its first scheduled read on day d+1.
 *
 * Distributed runs (mdl_dcc_alloc_dist): the DCC runs on rank 0.  Every
 * rank fills the outboxes of the shards it owns; each day mdl_dcc_day
 * packs them, gathers them to rank 0 in rank (= shard) order and unpacks
 * them into the same shards' outboxes there, so the day then runs exactly
 * as in one process.  The records are self-contained (a join's read
 * minute and flags were drawn from the household's own stream when it
 * joined), and the day depends on them only through integer sums (cells
 * of the offer, fleet counters), so the result is the one-process result.
 * Not for: queue mechanics (mdl_dcc_fluid.c, mdl_dcc_detail.c).
 */
#include "mdl_dcc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_dcc_day.h"
#include "mdl_dcc_detail.h"
#include "mdl_dcc_events.h"
#include "mdl_dcc_fluid.h"
#include "mdl_dcc_fluidlat.h"
#include "mdl_dcc_network.h"
#include "mdl_dcc_testing.h"
#include "mdl_scenario.h"
#include "sim_ckpt.h"
#include "sim_mpi.h"
#include "sim_rng.h"
#include "sim_vec.h"

#define FLEET_KINDS 3   /* scheduled reads of: daily-data meters, half-hourly meters, generation */
#define ROWS_PER_CHUNK 64       /* days per HDF5 chunk of the daily series (sim_h5 buffers a chunk) */

struct mdl_dcc_outbox {
    const mdl_dcc *dcc;
    uint32_t *msgs;                  /* install messages: minute | region << 11 | kind << 13 */
    size_t n_msgs, cap_msgs;
    uint32_t *joins;                 /* packed join records (see pack_join) */
    size_t n_joins, cap_joins;
    uint64_t bad;                    /* calls with a region or message out of range */
    int oom;
} __attribute__((aligned(64)));

enum {
    DS_DAY, DS_REQUESTS, DS_COMPLETED, DS_FAILURES, DS_RETRIES, DS_IN_FLIGHT, DS_UNRESOLVED, DS_SLA, DS_SLA_SHARE,
    DS_MSG_PER_METER, DS_PEAK, DS_PEAK_TOTAL, DS_FLEET_HUBS, DS_FLEET_METERS, DS_UTIL, DS_MAX_QUEUE,
    DS_RESOLUTION, DS_SUPPRESSED, DS_ALERTS_RAISED, DS_WAN_BYTES, DS_WAN_UTIL, DS_WAN_SAT, DS_SAT,
    DS_LAT_P50, DS_LAT_P95, DS_LAT_P99, DS_WORST_MIN, DS_WORST_MIN_S, DS_N
};
enum {
    XS_DAY, XS_ARR, XS_COMP, XS_FAIL, XS_SLA, XS_P50, XS_P95, XS_P99, XS_MAX, XS_ARR_R, XS_COMP_R, XS_FAIL_R,
    XS_QUEUE, XS_UTIL, XS_HIST, XS_WAN, XS_N
};

struct mdl_dcc {
    const mdl_dcc_params *p;
    uint64_t seed;
    int64_t start_day, n_days, next_day;
    int64_t window_day;              /* the day the outboxes are being filled for */
    int64_t hh_from;                 /* half_hourly_from as a run day */
    int pending;                     /* a fluid day's second part waits (mdl_dcc_day_flush) */
    int64_t pending_day;             /* ... for this day */
    size_t n_shards;
    sim_mpi *dist;                  /* NULL: one process */
    size_t own_first, own_count;     /* the shards whose outboxes this process fills */
    int remote;                      /* a rank other than 0 of a distributed run: outboxes only */
    mdl_dcc_outbox *ob;
    double read_cdf[MDL_DCC_PROFILE_HOURS + 1];
    double minute_w[3][MDL_DCC_MINUTES];   /* per-minute share of a day: read times, on demand, flat */
    uint32_t sched[FLEET_KINDS][MDL_N_REGIONS][MDL_DCC_MINUTES];
    uint64_t hubs[MDL_N_REGIONS], meters[MDL_N_REGIONS], gen[MDL_N_REGIONS], prepay[MDL_N_REGIONS];
    uint64_t init_hubs[MDL_N_REGIONS], init_meters[MDL_N_REGIONS], init_prepay[MDL_N_REGIONS];   /* fleet_initial's */
    mdl_dcc_offer *offer;            /* kept between days and updated where it changes (build_offer) */
    int sched_dirty;                 /* the fleet's read times changed since the offer was built */
    uint64_t offer_hubs[MDL_N_REGIONS];   /* hubs the rate lanes were scaled for (UINT64_MAX: never) */
    uint32_t *inst_cells;            /* offer cells holding the last day's install messages */
    size_t n_inst_cells, cap_inst_cells;
    int inst_oom;
    double req_sum, fail_sum;        /* all days (expected counts on fluid days): totals round these */
    mdl_dcc_dayres *res;
    mdl_dcc_fluid *fluid;
    mdl_dcc_fluidlat *fluidlat;      /* response times on fluid days */
    mdl_dcc_detail *detail;
    mdl_dcc_events *events;          /* NULL when the scenario has no dcc.events */
    mdl_dcc_events_dayres evres;
    mdl_dcc_detailres dres;
    int have_dres;
    mdl_dcc_totals tot;
    sim_h5_file *h5;
    sim_h5_series *ds[DS_N];         /* daily series (sim_h5 buffers their rows) */
    sim_h5_series *xs[XS_N];
    sim_h5_series *os[2];            /* background interruptions and premises cut (dcc.outages on) */
};

/* ---- outbox ------------------------------------------------------------------------ */
/* Join record: minute (11 bits) | region << 11 | half-hourly << 13 | gas << 14 | generation << 15 | prepay << 16
 * | leave << 17.  A leave record is its hub's join record with the leave bit: fleet_add takes it out. */
#define JOIN_LEAVE (1u << 17)
static uint32_t pack_join(int minute, int region, int hh, int gas, int gen, int prepay)
{
    return (uint32_t)minute | (uint32_t)region << 11 | (uint32_t)hh << 13 | (uint32_t)gas << 14 |
           (uint32_t)gen << 15 | (uint32_t)prepay << 16;
}

static int draw_read_minute(const mdl_dcc *d, double u_hour, uint32_t w_min)
{
    int h = mdl_dcc_hour_of(d->read_cdf, u_hour);
    return h * 60 + (int)(((uint64_t)w_min * 60u) >> 32);
}

/* The household's join (or, with `leave`, leave) record into the outbox:
 * read minute and generation from its own stream, the rest from flags. */
static void fleet_record(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags, uint32_t leave)
{
    if (region < 0 || region >= MDL_N_REGIONS) {
        o->bad++;
        return;
    }
    const mdl_dcc *d = o->dcc;
    sim_rng_stream s;
    sim_rng_stream_init(&s, d->seed, household, MDL_RNG_DCC_FLEET);
    double u_hour = sim_rng_uniform(&s);
    uint32_t w_min = sim_rng_u32(&s);
    int gen = sim_rng_uniform(&s) < d->p->generation_share;
    if (o->n_joins == o->cap_joins) {
        uint32_t *v = sim_vec_grow(o->joins, &o->cap_joins, o->n_joins + 1, sizeof *v, 4096);
        if (!v) {
            o->oom = 1;
            return;
        }
        o->joins = v;
    }
    o->joins[o->n_joins++] = pack_join(draw_read_minute(d, u_hour, w_min), region,
                                       (flags & MDL_DCC_FLAG_HALF_HOURLY) != 0, (flags & MDL_DCC_FLAG_GAS) != 0, gen,
                                       (flags & MDL_DCC_FLAG_PREPAY) != 0) | leave;
}

unsigned mdl_dcc_fleet_join(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags)
{
    flags &= MDL_DCC_FLAG_GAS | MDL_DCC_FLAG_PREPAY;
    if (o->dcc->window_day >= o->dcc->hh_from)
        flags |= MDL_DCC_FLAG_HALF_HOURLY;
    fleet_record(o, household, region, flags, 0);
    return flags;
}

void mdl_dcc_fleet_rejoin(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags)
{
    fleet_record(o, household, region, flags, 0);
}

void mdl_dcc_fleet_leave(mdl_dcc_outbox *o, uint64_t household, int region, unsigned flags)
{
    fleet_record(o, household, region, flags, JOIN_LEAVE);
}

/* Append to a growable uint32 array, kept across days, so nothing is
 * allocated once the busiest day so far has been seen.  Returns -1 (array
 * unchanged) when memory runs out. */
static int u32_push(uint32_t **v, size_t *n, size_t *cap, size_t first_cap, uint32_t x)
{
    if (*n == *cap) {
        uint32_t *nv = sim_vec_grow(*v, cap, *n + 1, sizeof *nv, first_cap);
        if (!nv)
            return -1;
        *v = nv;
    }
    (*v)[(*n)++] = x;
    return 0;
}

/* Message record: minute (11 bits) | region << 11 | message << 13 | (count - 1) << 17. */
#define MSG_COUNT_SHIFT 17
#define MSG_COUNT_MAX (UINT32_C(1) << (32 - MSG_COUNT_SHIFT))
_Static_assert(MDL_DCC_N_INSTALL_MSGS <= 16, "a message kind fits in 4 bits of its record");

void mdl_dcc_messages(mdl_dcc_outbox *o, int region, int msg, sim_time t, uint64_t count)
{
    if (region < 0 || region >= MDL_N_REGIONS || msg < 0 || msg >= MDL_DCC_N_INSTALL_MSGS) {
        o->bad++;
        return;
    }
    uint32_t rec = (uint32_t)(sim_time_of_day(t) / SIM_US_PER_MIN) | (uint32_t)region << 11 | (uint32_t)msg << 13;
    while (count > 0) {
        uint64_t k = count < MSG_COUNT_MAX ? count : MSG_COUNT_MAX;
        if (u32_push(&o->msgs, &o->n_msgs, &o->cap_msgs, 1024, rec | (uint32_t)(k - 1) << MSG_COUNT_SHIFT)) {
            o->oom = 1;
            return;
        }
        count -= k;
    }
}

void mdl_dcc_message(mdl_dcc_outbox *o, int region, int msg, sim_time t) { mdl_dcc_messages(o, region, msg, t, 1); }

int mdl_dcc_msg_service(int msg)
{
    static const int svc[MDL_DCC_N_INSTALL_MSGS] = {
        MDL_DCC_SVC_PRENOTIFY, MDL_DCC_SVC_COMMISSION, MDL_DCC_SVC_CONFIGURE, MDL_DCC_SVC_HUB_STATUS,
        MDL_DCC_SVC_COS, MDL_DCC_SVC_TENANCY, MDL_DCC_SVC_PAYMENT_MODE, MDL_DCC_SVC_SUPPLIER_TARIFF,
        MDL_DCC_SVC_IHD_PAIR, MDL_DCC_SVC_REPAIR};
    return msg >= 0 && msg < MDL_DCC_N_INSTALL_MSGS ? svc[msg] : -1;
}

mdl_dcc_outbox *mdl_dcc_outbox_of(mdl_dcc *d, size_t shard)
{
    return shard < d->n_shards ? &d->ob[shard] : NULL;
}

/* ---- fleet ---------------------------------------------------------------------------- */
/* A join record into the fleet, or a leave record out of it.  Unsigned
 * arithmetic: a day's records sum to the same fleet in any order (a leave
 * met before its hub's join, as it can be across shards, wraps and comes
 * back), and every leave is of a hub that joined, so the day's end is
 * never below zero. */
static void fleet_add(mdl_dcc *d, uint32_t j)
{
    int m = (int)(j & 2047u), r = (int)(j >> 11 & 3u);
    int hh = (int)(j >> 13 & 1u), gas = (int)(j >> 14 & 1u), gen = (int)(j >> 15 & 1u), pre = (int)(j >> 16 & 1u);
    uint32_t k = j & JOIN_LEAVE ? UINT32_MAX : 1u;   /* +1 or -1 */
    uint64_t k64 = j & JOIN_LEAVE ? UINT64_MAX : 1u;
    d->sched[hh][r][m] += k * (1u + (uint32_t)gas);
    d->sched[2][r][m] += k * (uint32_t)gen;
    d->sched_dirty = 1;
    d->hubs[r] += k64;
    d->meters[r] += k64 * (1u + (uint64_t)gas);
    d->gen[r] += k64 * (uint64_t)gen;
    d->prepay[r] += k64 * (uint64_t)pre;
}

/* Spread n items over k cells with weights w (sum 1) by cumulative rounding:
 * deterministic, and the parts add up to n exactly. */
static void apportion(uint64_t n, const double *w, size_t k, uint64_t *out)
{
    double cum = 0;
    uint64_t prev = 0;
    for (size_t i = 0; i < k; i++) {
        cum += w[i];
        uint64_t upto = i + 1 == k ? n : (uint64_t)floor((double)n * cum + 0.5);
        if (upto > n)
            upto = n;
        if (upto < prev)
            upto = prev;
        out[i] = upto - prev;
        prev = upto;
    }
}

/* The initial fleet, spread by expected shares (no draws: a scenario's
 * starting fleet is an input, not a sample). */
static void fleet_initial(mdl_dcc *d)
{
    const mdl_dcc_fleet_params *f = &d->p->initial_fleet;
    uint64_t per_r[MDL_N_REGIONS];
    apportion((uint64_t)f->hubs, f->region_share, MDL_N_REGIONS, per_r);
    uint64_t *cells = malloc(MDL_DCC_MINUTES * sizeof *cells);
    if (!cells)
        return;   /* caller checks d->hubs against the key */
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        uint64_t H = per_r[r];
        /* (half-hourly, gas) combinations, independent shares. */
        double w4[4] = {(1 - f->half_hourly_share) * (1 - f->gas_share), (1 - f->half_hourly_share) * f->gas_share,
                        f->half_hourly_share * (1 - f->gas_share), f->half_hourly_share * f->gas_share};
        uint64_t c4[4];
        apportion(H, w4, 4, c4);
        for (int c = 0; c < 4; c++) {
            int hh = c >> 1, gas = c & 1;
            apportion(c4[c], d->minute_w[0], MDL_DCC_MINUTES, cells);
            for (int m = 0; m < MDL_DCC_MINUTES; m++)
                d->sched[hh][r][m] += (uint32_t)(cells[m] * (1u + (unsigned)gas));
            d->meters[r] += c4[c] * (1u + (unsigned)gas);
        }
        uint64_t G = (uint64_t)floor((double)H * d->p->generation_share + 0.5);
        apportion(G, d->minute_w[0], MDL_DCC_MINUTES, cells);
        for (int m = 0; m < MDL_DCC_MINUTES; m++)
            d->sched[2][r][m] += (uint32_t)cells[m];
        d->hubs[r] += H;
        d->gen[r] += G;
        d->prepay[r] += (uint64_t)floor((double)H * f->prepay_share + 0.5);
        d->init_hubs[r] = d->hubs[r];
        d->init_meters[r] = d->meters[r];
        d->init_prepay[r] = d->prepay[r];
    }
    free(cells);
}

/* ---- output set-up ---------------------------------------------------------------------- */
/* The /dcc group's coordinates, the services' SLA targets (so that a file
 * alone says what a breach was measured against) and one series per day. */
static int setup_daily(mdl_dcc *d, const char *units, const char *const *svc_labels, sim_err *err)
{
    sim_h5_file *h = d->h5;
    const char *G = "/dcc";
    const size_t S = MDL_DCC_N_SERVICES, R = MDL_N_REGIONS, F = MDL_DCC_N_FAILURE_CLASSES, T = MDL_DCC_N_STAGES;
    int rc;
    if ((rc = sim_h5_group(h, G, err)) ||
        (rc = sim_h5_dim_labels(h, G, "rule", MDL_DCC_N_RULES, mdl_dcc_rule_names,
                                "traffic-management rule (dcc.traffic)", err)) ||
        (rc = sim_h5_attr_str(h, G, "description",
                              "DCC traffic per day: fluid (expected) counts on ordinary days, realised counts on "
                              "request-level days (resolution = 1); see models/README.md (part 4, the DCC)", err)) ||
        (rc = sim_h5_dim_labels(h, G, "service", S, svc_labels, "DCC service", err)) ||
        (rc = sim_h5_dim_labels(h, G, "region", R, mdl_region_names, "DCC region (CSP)", err)) ||
        (rc = sim_h5_dim_labels(h, G, "failure_class", F, mdl_dcc_failure_names,
                                "failure to obtain a reading: E20 unreachable, E21 no response, E30 timed out",
                                err)) ||
        (rc = sim_h5_dim_labels(h, G, "stage", T, mdl_dcc_stage_names, "DCC queue stage", err)))
        return rc;
    double targets[MDL_DCC_N_SERVICES];
    const char *ds1[] = {"service"};
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        targets[s] = d->p->svc[s].target_s;
    if ((rc = sim_h5_write_array(h, G, "sla_target_s", SIM_H5_F64, 1, ds1, targets, "s",
                                 "target response time of the service (dcc.services.<key>.target_s)", err)))
        return rc;
    if (!(d->ds[DS_DAY] = sim_h5_dim_unlimited(h, G, "day", SIM_H5_I32, units, "simulated day", err)))
        return err->code ? err->code : SIM_ERUNTIME;
    enum { D_SR, D_SRF, D_S, D_R, D_DAY, D_STAGE, D_RULE };
    static const char *const dims[][4] = {{"day", "service", "region"}, {"day", "service", "region", "failure_class"},
                                          {"day", "service"}, {"day", "region"}, {"day"}, {"day", "stage"},
                                          {"day", "rule", "region"}};
    static const int rank[] = {3, 4, 2, 2, 1, 2, 3};
    static const struct { int i; const char *name; sim_h5_type type; int dims; const char *units, *ln; } v[] = {
        {DS_REQUESTS, "requests", SIM_H5_F64, D_SR, "1", "requests created (first attempts)"},
        {DS_COMPLETED, "completed", SIM_H5_F64, D_SR, "1",
         "requests completed successfully (the day's requests, whenever they finish)"},
        {DS_FAILURES, "failures", SIM_H5_F64, D_SRF, "1",
         "requests failed after all retries (each produces a 1.75 notice), by class"},
        {DS_RETRIES, "retries", SIM_H5_F64, D_SR, "1", "retry attempts"},
        {DS_IN_FLIGHT, "in_flight_at_midnight", SIM_H5_F64, D_SR, "1",
         "requests created before 24:00 and not resolved by 24:00"},
        {DS_UNRESOLVED, "unresolved", SIM_H5_F64, D_SR, "1", "requests still open 2 days after the day (overload)"},
        {DS_SLA, "sla_breaches", SIM_H5_F64, D_S, "1",
         "completed requests slower than the service's target (counted on request-level days, expected on "
         "fluid days)"},
        {DS_SLA_SHARE, "sla_share_within_target", SIM_H5_F64, D_S, "1",
         "share of the day's completed requests that completed within the service's target (the DCC's "
         "performance measure; NaN with no completion)"},
        {DS_LAT_P50, "latency_p50", SIM_H5_F64, D_S, "s",
         "median response time of the day's completed requests (request level: the latency histogram; fluid "
         "days: the fluid latency model; NaN with no completion)"},
        {DS_LAT_P95, "latency_p95", SIM_H5_F64, D_S, "s", "95th percentile response time (as latency_p50)"},
        {DS_LAT_P99, "latency_p99", SIM_H5_F64, D_S, "s", "99th percentile response time (as latency_p50)"},
        {DS_WORST_MIN, "worst_minute", SIM_H5_F64, D_S, "min",
         "minute of the day (0-1439) whose requests had the largest mean response time (NaN with none)"},
        {DS_WORST_MIN_S, "worst_minute_latency", SIM_H5_F64, D_S, "s",
         "the mean response time of the requests created in worst_minute"},
        {DS_MSG_PER_METER, "messages_per_meter", SIM_H5_F64, D_R, "1/day",
         "attempts of all services per commissioned meter"},
        {DS_PEAK, "peak_minute_load", SIM_H5_F64, D_R, "1/min", "most attempts arriving at the DCC in one minute"},
        {DS_PEAK_TOTAL, "peak_minute_load_total", SIM_H5_F64, D_DAY, "1/min",
         "most attempts arriving in one minute, all regions"},
        {DS_FLEET_HUBS, "fleet_hubs", SIM_H5_I64, D_R, "1",
         "commissioned hubs in the scheduled-read fleet at the end of the day"},
        {DS_FLEET_METERS, "fleet_meters", SIM_H5_I64, D_R, "1",
         "commissioned meters (electricity + gas) at the end of the day"},
        {DS_UTIL, "utilisation", SIM_H5_F64, D_STAGE, "1", "mean server utilisation over the day"},
        {DS_MAX_QUEUE, "max_queue", SIM_H5_F64, D_STAGE, "1", "largest number of requests waiting at a minute's end"},
        {DS_RESOLUTION, "resolution", SIM_H5_U8, D_DAY, "1", "0 = fluid (aggregate) day, 1 = request-level day"},
        {DS_SUPPRESSED, "suppressed", SIM_H5_F64, D_RULE, "1",
         "requests removed by each traffic-management rule (consolidated and throttled power alerts, quarantined "
         "event commands)"},
        {DS_ALERTS_RAISED, "alerts_raised", SIM_H5_F64, D_R, "1",
         "power outage and restoration alerts the devices raised (before consolidation and throttling)"},
        {DS_WAN_BYTES, "wan_bytes", SIM_H5_F64, D_R, "bytes",
         "bytes the region's WAN link carried before 24:00 (requests out, responses back)"},
        {DS_WAN_UTIL, "wan_utilisation", SIM_H5_F64, D_R, "1",
         "busy share of the region's WAN link over the day (NaN if unlimited)"},
        {DS_WAN_SAT, "wan_saturated_minutes", SIM_H5_F64, D_R, "min",
         "minutes whose end found more than one second of the link's capacity waiting"},
        {DS_SAT, "saturated_minutes", SIM_H5_F64, D_STAGE, "min",
         "minutes whose end found requests waiting at the stage (all servers busy)"},
    };
    _Static_assert(sizeof v / sizeof v[0] == DS_N - 1, "a series for every DS_ but the day");
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        if (!(d->ds[v[k].i] = sim_h5_series_create(h, G, v[k].name, v[k].type, rank[v[k].dims], dims[v[k].dims],
                                                   ROWS_PER_CHUNK, v[k].units, v[k].ln, err)))
            return err->code ? err->code : SIM_ERUNTIME;
    return SIM_OK;
}

/* The /dcc/detail group's coordinates: the time bins and the latency
 * histogram's bins. */
static int setup_detail_coords(mdl_dcc *d, const char *const *svc_labels, sim_err *err)
{
    sim_h5_file *h = d->h5;
    const char *X = "/dcc/detail";
    size_t nb = d->dres.n_bins;
    double *mins = malloc(nb * sizeof *mins);
    double lo[MDL_DCC_HIST_BINS], hi[MDL_DCC_HIST_BINS];
    if (!mins)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    for (size_t b = 0; b < nb; b++)
        mins[b] = (double)(b * (size_t)d->dres.bin_minutes);
    for (int b = 0; b < MDL_DCC_HIST_BINS; b++) {
        lo[b] = mdl_dcc_hist_lower_s(b);
        hi[b] = mdl_dcc_hist_upper_s(b);
    }
    const char *lb[] = {"latency_bin"};
    int rc = sim_h5_group(h, X, err);
    if (!rc)
        rc = sim_h5_attr_str(h, X, "description", "request-level (detail) days: per-bin series, bins of "
                             "bin_minutes (see the minute coordinate), latency percentiles from the "
                             "log-linear latency histogram", err);
    if (!rc)
        rc = sim_h5_dim_values(h, X, "minute", nb, mins, "min",
                               "start of the time bin, minutes after 00:00", err);
    free(mins);
    if (rc || (rc = sim_h5_dim_labels(h, X, "service", MDL_DCC_N_SERVICES, svc_labels, "DCC service", err)) ||
        (rc = sim_h5_dim_labels(h, X, "region", MDL_N_REGIONS, mdl_region_names, "DCC region (CSP)", err)) ||
        (rc = sim_h5_dim_labels(h, X, "stage", MDL_DCC_N_STAGES, mdl_dcc_stage_names, "DCC queue stage", err)) ||
        (rc = sim_h5_dim_values(h, X, "latency_bin", MDL_DCC_HIST_BINS, lo, "s",
                                "lower edge of the latency bin", err)) ||
        (rc = sim_h5_write_array(h, X, "latency_bin_upper", SIM_H5_F64, 1, lb, hi, "s",
                                 "upper edge of the latency bin (inf for the overflow bin)", err)))
        return rc;
    return SIM_OK;
}

/* The /dcc/detail series: one row per request-level day. */
static int setup_detail(mdl_dcc *d, const char *units, const char *const *svc_labels, sim_err *err)
{
    sim_h5_file *h = d->h5;
    const char *X = "/dcc/detail";
    int rc = setup_detail_coords(d, svc_labels, err);
    if (rc)
        return rc;
    d->xs[XS_DAY] = sim_h5_dim_unlimited(h, X, "detail_day", SIM_H5_I32, units, "request-level day", err);
    if (!d->xs[XS_DAY])
        return err->code;
    static const struct { int i; const char *name; sim_h5_type type; int dim; const char *units, *ln; } v[] = {
        {XS_ARR, "arrivals", SIM_H5_I32, 0, "1", "requests created in the bin"},
        {XS_COMP, "completions", SIM_H5_I32, 0, "1", "requests completed in the bin"},
        {XS_FAIL, "failures", SIM_H5_I32, 0, "1", "requests failed (after retries) in the bin"},
        {XS_SLA, "sla_breaches", SIM_H5_I32, 0, "1", "requests created in the bin that completed later than target"},
        {XS_P50, "latency_p50", SIM_H5_F32, 0, "s", "median latency of requests created in the bin"},
        {XS_P95, "latency_p95", SIM_H5_F32, 0, "s", "95th percentile latency of requests created in the bin"},
        {XS_P99, "latency_p99", SIM_H5_F32, 0, "s", "99th percentile latency of requests created in the bin"},
        {XS_MAX, "latency_max", SIM_H5_F32, 0, "s", "largest latency of requests created in the bin"},
        {XS_ARR_R, "arrivals_by_region", SIM_H5_I32, 1, "1", "requests created in the bin"},
        {XS_COMP_R, "completions_by_region", SIM_H5_I32, 1, "1", "requests completed in the bin"},
        {XS_FAIL_R, "failures_by_region", SIM_H5_I32, 1, "1", "requests failed in the bin"},
        {XS_QUEUE, "queue_length", SIM_H5_F32, 2, "1", "requests waiting at the end of the bin"},
        {XS_UTIL, "utilisation", SIM_H5_F32, 2, "1", "busy server time / capacity in the bin"},
        {XS_HIST, "latency_histogram", SIM_H5_I64, 3, "1", "completed requests per latency bin over the day"},
        {XS_WAN, "wan_bytes", SIM_H5_F64, 1, "bytes", "bytes the region's WAN link sent in the bin"},
    };
    const char *dims[4][3] = {{"detail_day", "minute", "service"}, {"detail_day", "minute", "region"},
                              {"detail_day", "minute", "stage"}, {"detail_day", "service", "latency_bin"}};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        d->xs[v[k].i] = sim_h5_series_create(h, X, v[k].name, v[k].type, 3, dims[v[k].dim], 1, v[k].units,
                                             v[k].ln, err);
        if (!d->xs[v[k].i])
            return err->code;
    }
    return SIM_OK;
}

/* /dcc/outage_interruptions and /dcc/outage_premises (dcc.outages on). */
static int setup_outages(mdl_dcc *d, sim_err *err)
{
    static const char *const dims[] = {"day", "region"};
    static const char *const name[2] = {"outage_interruptions", "outage_premises"};
    static const char *const ln[2] = {"background power interruptions that started in the day (dcc.outages)",
                                      "hubs those interruptions cut off supply"};
    for (int k = 0; k < 2; k++)
        if (!(d->os[k] = sim_h5_series_create(d->h5, "/dcc", name[k], SIM_H5_F64, 2, dims, ROWS_PER_CHUNK, "1", ln[k],
                                              err)))
            return err->code ? err->code : SIM_ERUNTIME;
    return SIM_OK;
}

static int setup_output(mdl_dcc *d, sim_err *err)
{
    char units[64], start[16];
    sim_format_date(d->start_day, start);
    snprintf(units, sizeof units, "days since %s", start);
    const char *svc_labels[MDL_DCC_N_SERVICES];
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        svc_labels[s] = mdl_dcc_services[s].label;
    int rc = setup_daily(d, units, svc_labels, err);
    if (!rc && d->p->outages.enabled)
        rc = setup_outages(d, err);
    if (rc || !d->have_dres)
        return rc;
    return setup_detail(d, units, svc_labels, err);
}

/* ---- alloc / free ------------------------------------------------------------------------- */
static void profile_minutes(const double *hourly, double *out)
{
    double s = 0;
    for (int h = 0; h < MDL_DCC_PROFILE_HOURS; h++)
        s += hourly[h];
    for (int m = 0; m < MDL_DCC_MINUTES; m++)
        out[m] = hourly[m / 60] / s / 60.0;
}

static int is_detail_day(const mdl_dcc *d, int64_t day)
{
    const mdl_dcc_detail_params *x = &d->p->detail;
    if (x->all)
        return 1;
    if (x->every_n_days > 0 && day % x->every_n_days == 0)
        return 1;
    for (size_t i = 0; i < x->n_dates; i++)
        if (x->dates[i] == d->start_day + day)
            return 1;
    return 0;
}

mdl_dcc *mdl_dcc_alloc(const struct mdl_scenario *sc, size_t n_shards, sim_h5_file *h5, sim_err *err)
{
    return mdl_dcc_alloc_dist(sc, n_shards, h5, NULL, err);
}

mdl_dcc *mdl_dcc_alloc_dist(const struct mdl_scenario *sc, size_t n_shards, sim_h5_file *h5, sim_mpi *dist,
                            sim_err *err)
{
    if (n_shards == 0 || n_shards > (1u << 20)) {
        SIM_FAIL(err, SIM_EINPUT, "DCC: %zu shards; allowed: 1 .. 1048576", n_shards);
        return NULL;
    }
    mdl_dcc *d = calloc(1, sizeof *d);
    if (!d) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC model)");
        return NULL;
    }
    d->p = &sc->dcc;
    d->seed = (uint64_t)sc->run.seed;
    d->start_day = sc->run.start_day;
    d->n_days = mdl_scenario_days(sc);
    d->hh_from = sc->dcc.half_hourly_from - sc->run.start_day;
    d->n_shards = n_shards;
    d->dist = sim_mpi_size(dist) > 1 ? dist : NULL;
    d->remote = sim_mpi_rank(d->dist) != 0;
    sim_mpi_block(n_shards, sim_mpi_rank(d->dist), sim_mpi_size(d->dist), &d->own_first, &d->own_count);
    d->h5 = d->remote ? NULL : h5;
    profile_minutes(d->p->read_time_profile, d->minute_w[0]);
    profile_minutes(d->p->on_demand_profile, d->minute_w[1]);
    for (int m = 0; m < MDL_DCC_MINUTES; m++)
        d->minute_w[2][m] = 1.0 / MDL_DCC_MINUTES;
    mdl_dcc_hour_cdf(d->p->read_time_profile, d->read_cdf);
    d->ob = aligned_alloc(64, n_shards * sizeof *d->ob);
    if (!d->ob) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC outboxes for %zu shards)", n_shards);
        mdl_dcc_free(d);
        return NULL;
    }
    memset(d->ob, 0, n_shards * sizeof *d->ob);
    for (size_t i = 0; i < n_shards; i++)
        d->ob[i].dcc = d;
    if (d->remote)   /* outboxes only: the fleet, the queues and /dcc live on rank 0 */
        return d;
    d->offer = calloc(1, sizeof *d->offer);
    d->sched_dirty = 1;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        d->offer_hubs[r] = UINT64_MAX;
    d->res = malloc(sizeof *d->res);
    if (!d->offer || !d->res) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (DCC day buffers)");
        mdl_dcc_free(d);
        return NULL;
    }
    d->fluid = mdl_dcc_fluid_alloc(d->p, err);
    if (!d->fluid || !(d->fluidlat = mdl_dcc_fluidlat_alloc(d->p, err)))
        goto fail;
    int any_detail = d->p->detail.all || d->p->detail.every_n_days > 0;
    for (size_t i = 0; i < d->p->detail.n_dates; i++)
        any_detail |= d->p->detail.dates[i] >= d->start_day && d->p->detail.dates[i] < d->start_day + d->n_days;
    if (any_detail) {
        d->detail = mdl_dcc_detail_alloc(d->p, d->seed, err);
        if (!d->detail || mdl_dcc_detailres_init(&d->dres, d->p->detail.bin_minutes, err))
            goto fail;
        d->have_dres = 1;
    }
    if ((d->p->n_events || d->p->outages.enabled) && !(d->events = mdl_dcc_events_alloc(d->p, d->seed, err)))
        goto fail;
    fleet_initial(d);
    if (h5 && setup_output(d, err))
        goto fail;
    return d;
fail:
    mdl_dcc_free(d);
    return NULL;
}

void mdl_dcc_free(mdl_dcc *d)
{
    if (!d)
        return;
    if (d->ob)
        for (size_t i = 0; i < d->n_shards; i++) {
            free(d->ob[i].joins);
            free(d->ob[i].msgs);
        }
    free(d->ob);
    free(d->inst_cells);
    free(d->offer);
    free(d->res);
    mdl_dcc_fluid_free(d->fluid);
    mdl_dcc_fluidlat_free(d->fluidlat);
    mdl_dcc_detail_free(d->detail);
    mdl_dcc_events_free(d->events);
    if (d->have_dres)
        mdl_dcc_detailres_destroy(&d->dres);
    free(d);
}

/* ---- the day ------------------------------------------------------------------------------ */
/* The day's offered traffic.  The dense offer (lanes x minutes, ~0.5 MB)
 * is kept between days and only the lanes that changed are rewritten:
 * schedule lanes when hubs joined, rate lanes when a region's hub count
 * changed, and the cells of the last day's install messages (sparse).
 * Rewriting it whole every day cost more than the fluid day itself. */
static void build_offer(mdl_dcc *d)
{
    mdl_dcc_offer *o = d->offer;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        o->exact[s] = mdl_dcc_services[s].source != MDL_DCC_SRC_RATE &&
                      mdl_dcc_services[s].source != MDL_DCC_SRC_RATE_PREPAY;
        o->req_bytes[s] = d->p->svc[s].size_bytes;
        o->resp_bytes[s] = d->p->svc[s].response_bytes;
    }
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        int src = mdl_dcc_services[s].source;
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            double *a = mdl_dcc_offer_lane(o, s, r);
            if (src == MDL_DCC_SRC_SCHEDULE && d->sched_dirty) {
                int kind = s == MDL_DCC_SVC_READ_DAILY ? 0 : s == MDL_DCC_SVC_READ_HH ? 1 : 2;
                for (int m = 0; m < MDL_DCC_MINUTES; m++)
                    a[m] = d->sched[kind][r][m];
            } else if ((src == MDL_DCC_SRC_RATE || src == MDL_DCC_SRC_RATE_PREPAY) && d->offer_hubs[r] != d->hubs[r]) {
                const double *w = d->minute_w[s == MDL_DCC_SVC_ALERT ? 2 : 1];
                double base = (double)(src == MDL_DCC_SRC_RATE_PREPAY ? d->prepay[r] : d->hubs[r]);
                double day = d->p->svc[s].rate * base;
                for (int m = 0; m < MDL_DCC_MINUTES; m++)
                    a[m] = day * w[m];
            }
        }
    }
    d->sched_dirty = 0;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        d->offer_hubs[r] = d->hubs[r];
    /* Install messages: clear yesterday's cells, add today's. */
    for (size_t i = 0; i < d->n_inst_cells; i++)
        o->a[d->inst_cells[i]] = 0.0;
    d->n_inst_cells = 0;
    for (size_t i = 0; i < d->n_shards; i++) {
        mdl_dcc_outbox *ob = &d->ob[i];
        for (size_t k = 0; k < ob->n_msgs; k++) {
            uint32_t rec = ob->msgs[k];
            int m = (int)(rec & 2047u), r = (int)(rec >> 11 & 3u), msg = (int)(rec >> 13 & 15u);
            double count = (double)(rec >> MSG_COUNT_SHIFT) + 1.0;
            double *a = mdl_dcc_offer_lane(o, mdl_dcc_msg_service(msg), r);
            if (a[m] == 0.0) {
                if (u32_push(&d->inst_cells, &d->n_inst_cells, &d->cap_inst_cells, 4096,
                             (uint32_t)(a + m - o->a))) {
                    d->inst_oom = 1;
                    continue;
                }
            }
            a[m] += count;   /* (whole numbers: the sum is exact in any order) */
        }
        ob->n_msgs = 0;
    }
}

static int flush_rows(mdl_dcc *d, sim_err *err)
{
    for (int i = 0; i < DS_N; i++) {
        int rc = sim_h5_series_flush(d->ds[i], err);
        if (rc)
            return rc;
    }
    for (int k = 0; k < 2 && d->os[0]; k++) {
        int rc = sim_h5_series_flush(d->os[k], err);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

/* The day's traffic rules, WAN links and saturated minutes. */
static void write_day_events(mdl_dcc *d, void *const *row)
{
    const mdl_dcc_dayres *x = d->res;
    const int R = MDL_N_REGIONS;
    double *su = row[DS_SUPPRESSED], *ar = row[DS_ALERTS_RAISED];
    double *wb = row[DS_WAN_BYTES], *wu = row[DS_WAN_UTIL], *ws = row[DS_WAN_SAT];
    double *sat = row[DS_SAT];
    for (int k = 0; k < MDL_DCC_N_RULES; k++)
        for (int r = 0; r < R; r++)
            su[k * R + r] = d->evres.suppressed[k][r];
    for (int r = 0; r < R; r++) {
        double cap = d->p->csp[r].wan_bytes_per_s;
        ar[r] = d->evres.alerts_raised[r];
        wb[r] = x->wan_bytes[r];
        wu[r] = cap > 0 ? x->wan_busy_s[r] / 86400.0 : NAN;
        ws[r] = cap > 0 ? (double)mdl_dcc_saturated_minutes(x->wan_backlog[r], cap) : 0.0;
    }
    for (int t = 0; t < MDL_DCC_N_STAGES; t++)
        sat[t] = (double)mdl_dcc_saturated_minutes(x->queue[t], 0.5);
}

static int write_day(mdl_dcc *d, int64_t day, int detail, sim_err *err)
{
    const mdl_dcc_dayres *x = d->res;
    const int S = MDL_DCC_N_SERVICES, R = MDL_N_REGIONS, F = MDL_DCC_N_FAILURE_CLASSES, T = MDL_DCC_N_STAGES;
    void *row[DS_N];
    for (int i = 0; i < DS_N; i++)
        if (!(row[i] = sim_h5_series_row(d->ds[i], err)))
            return err->code ? err->code : SIM_ERUNTIME;
    *(int32_t *)row[DS_DAY] = (int32_t)day;
    double *rq = row[DS_REQUESTS], *cp = row[DS_COMPLETED], *fl = row[DS_FAILURES];
    double *rt = row[DS_RETRIES], *inf = row[DS_IN_FLIGHT], *un = row[DS_UNRESOLVED];
    double *sla = row[DS_SLA], *share = row[DS_SLA_SHARE];
    double *lq[MDL_DCC_N_LATENCY_Q] = {row[DS_LAT_P50], row[DS_LAT_P95], row[DS_LAT_P99]};
    double *wm = row[DS_WORST_MIN], *wms = row[DS_WORST_MIN_S];
    double att_r[MDL_N_REGIONS] = {0};
    for (int s = 0; s < S; s++) {
        sla[s] = 0.0;
        for (int i = 0; i < MDL_DCC_N_LATENCY_Q; i++)
            lq[i][s] = x->latency_q[s][i];
        wm[s] = x->worst_minute[s];
        wms[s] = x->worst_minute_s[s];
        for (int r = 0; r < R; r++) {
            int i = s * R + r;
            rq[i] = x->requests[s][r];
            cp[i] = x->completed[s][r];
            for (int f = 0; f < F; f++)
                fl[i * F + f] = x->failed[s][r][f];
            rt[i] = x->attempts[s][r] - x->requests[s][r];
            inf[i] = x->requests_by_midnight[s][r] - x->resolved_by_midnight[s][r];
            un[i] = x->unresolved[s][r];
            att_r[r] += x->attempts[s][r];
            sla[s] += x->sla_breaches[s][r];
        }
        double done = 0;
        for (int r = 0; r < R; r++)
            done += x->completed[s][r];
        share[s] = done > 0 ? 1.0 - sla[s] / done : NAN;
    }
    double *mpm = row[DS_MSG_PER_METER], *pk = row[DS_PEAK];
    int64_t *fh = row[DS_FLEET_HUBS], *fm = row[DS_FLEET_METERS];
    for (int r = 0; r < R; r++) {
        mpm[r] = d->meters[r] ? att_r[r] / (double)d->meters[r] : NAN;
        pk[r] = x->peak_minute[r];
        fh[r] = (int64_t)d->hubs[r];
        fm[r] = (int64_t)d->meters[r];
    }
    *(double *)row[DS_PEAK_TOTAL] = x->peak_minute_total;
    double *ut = row[DS_UTIL], *mq = row[DS_MAX_QUEUE];
    for (int t = 0; t < T; t++) {
        double c = t == 0 ? (double)d->p->dsp.servers : (double)d->p->csp[t - 1].servers;
        ut[t] = x->busy_s[t] / (c * 86400.0);
        mq[t] = x->max_queue[t];
    }
    *(uint8_t *)row[DS_RESOLUTION] = (uint8_t)detail;
    write_day_events(d, row);
    for (int k = 0; k < 2 && d->os[0]; k++) {
        double *o = sim_h5_series_row(d->os[k], err);
        if (!o)
            return err->code ? err->code : SIM_ERUNTIME;
        memcpy(o, k ? d->evres.bg_premises : d->evres.bg_interruptions, MDL_N_REGIONS * sizeof *o);
    }
    return SIM_OK;
}

/* The WAN links' bytes per output bin. */
static int write_detail_wan(mdl_dcc *d, sim_err *err)
{
    size_t nb = d->dres.n_bins, bm = (size_t)d->dres.bin_minutes;
    double *w = calloc(nb * MDL_N_REGIONS, sizeof *w);
    if (!w)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    for (int r = 0; r < MDL_N_REGIONS; r++)
        for (int m = 0; m < MDL_DCC_MINUTES; m++)
            w[(size_t)m / bm * MDL_N_REGIONS + (size_t)r] += d->res->wan_minute_bytes[r][m];
    int rc = sim_h5_series_append(d->xs[XS_WAN], 1, w, err);
    free(w);
    return rc;
}

static int write_detail(mdl_dcc *d, int64_t day, sim_err *err)
{
    mdl_dcc_detailres *x = &d->dres;
    size_t nb = x->n_bins, S = MDL_DCC_N_SERVICES;
    int32_t dd = (int32_t)day;
    float *pct = malloc(nb * S * 4 * sizeof *pct);
    int64_t *hist = malloc(S * MDL_DCC_HIST_BINS * sizeof *hist);
    if (!pct || !hist) {
        free(pct);
        free(hist);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    for (size_t b = 0; b < nb; b++)
        for (size_t s = 0; s < S; s++) {
            size_t bs = b * S + s;
            const uint32_t *n = x->lat + bs * MDL_DCC_HIST_BINS;
            uint64_t tot = 0;
            for (int k = 0; k < MDL_DCC_HIST_BINS; k++)
                tot += n[k];
            double mx = x->lat_max[bs];
            pct[0 * nb * S + bs] = (float)mdl_dcc_hist_quantile32(n, tot, mx, 0.50);
            pct[1 * nb * S + bs] = (float)mdl_dcc_hist_quantile32(n, tot, mx, 0.95);
            pct[2 * nb * S + bs] = (float)mdl_dcc_hist_quantile32(n, tot, mx, 0.99);
            pct[3 * nb * S + bs] = tot ? (float)mx : NAN;
        }
    for (size_t s = 0; s < S; s++)
        for (int k = 0; k < MDL_DCC_HIST_BINS; k++)
            hist[s * MDL_DCC_HIST_BINS + (size_t)k] = (int64_t)x->hist[s].n[k];
    int rc;
    if ((rc = sim_h5_series_append(d->xs[XS_DAY], 1, &dd, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_ARR], 1, x->arrivals, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_COMP], 1, x->completions, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_FAIL], 1, x->failures, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_SLA], 1, x->sla_breaches, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_P50], 1, pct, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_P95], 1, pct + nb * S, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_P99], 1, pct + 2 * nb * S, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_MAX], 1, pct + 3 * nb * S, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_ARR_R], 1, x->arrivals_r, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_COMP_R], 1, x->completions_r, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_FAIL_R], 1, x->failures_r, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_QUEUE], 1, x->queue, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_UTIL], 1, x->utilisation, err)) ||
        (rc = sim_h5_series_append(d->xs[XS_HIST], 1, hist, err)) ||
        (rc = write_detail_wan(d, err))) {
        /* fall through to free */
    }
    free(pct);
    free(hist);
    return rc;
}

/* ---- distributed: the day's outboxes to rank 0 ------------------------------------------- */
/* Packed per shard with anything to send: shard, n_msgs, n_joins (uint32
 * each), then the message and join records as they are in the outbox.
 * The shard index travels with its records, so rank 0 needs no map of
 * who owns what. */
static int outbox_check(const mdl_dcc *d, size_t i, sim_err *err)
{
    if (d->ob[i].oom)
        return SIM_FAIL(err, SIM_ERUNTIME, "DCC: out of memory in shard %zu's outbox", i);
    if (d->ob[i].bad)
        return SIM_FAIL(err, SIM_ERUNTIME, "DCC: shard %zu sent %llu messages with a region or message kind "
                        "out of range", i, (unsigned long long)d->ob[i].bad);
    if (d->ob[i].n_msgs > UINT32_MAX || d->ob[i].n_joins > UINT32_MAX)
        return SIM_FAIL(err, SIM_ERUNTIME, "DCC: shard %zu: more than 2^32 records in a day", i);
    return SIM_OK;
}

static int outbox_push(mdl_dcc_outbox *o, uint32_t **v, size_t *n, size_t *cap, const unsigned char *src, size_t k)
{
    if (*n + k > *cap) {
        uint32_t *a = sim_vec_grow(*v, cap, *n + k, sizeof *a, 1024);
        if (!a) {
            o->oom = 1;
            return -1;
        }
        *v = a;
    }
    memcpy(*v + *n, src, k * sizeof **v);
    *n += k;
    return 0;
}

/* Every rank calls this every day (it is a collective), also after a
 * local failure: that rank sends nothing and returns its error after the
 * gather.  Rank 0 ends with every shard's records in that shard's outbox;
 * the other ranks end with empty outboxes. */
static int exchange(mdl_dcc *d, sim_err *err)
{
    int rc = SIM_OK;
    size_t bytes = 0;
    unsigned char *buf = NULL;
    size_t end = d->own_first + d->own_count;
    for (size_t i = d->own_first; i < end && !rc; i++)
        rc = outbox_check(d, i, err);
    if (!rc && d->remote) {
        for (size_t i = d->own_first; i < end; i++)
            if (d->ob[i].n_msgs || d->ob[i].n_joins)
                bytes += 3 * sizeof(uint32_t) + (d->ob[i].n_msgs + d->ob[i].n_joins) * sizeof(uint32_t);
        buf = sim_mpi_scratch(d->dist, bytes);
        if (!buf)
            rc = SIM_FAIL(err, SIM_ERUNTIME, "DCC: out of memory packing %zu bytes of outbox records", bytes);
        unsigned char *p = buf;
        for (size_t i = d->own_first; i < end && !rc; i++) {
            const mdl_dcc_outbox *o = &d->ob[i];
            if (!o->n_msgs && !o->n_joins)
                continue;
            uint32_t h[3] = {(uint32_t)i, (uint32_t)o->n_msgs, (uint32_t)o->n_joins};
            memcpy(p, h, sizeof h);
            p += sizeof h;
            memcpy(p, o->msgs, o->n_msgs * sizeof *o->msgs);
            p += o->n_msgs * sizeof *o->msgs;
            memcpy(p, o->joins, o->n_joins * sizeof *o->joins);
            p += o->n_joins * sizeof *o->joins;
        }
    }
    const void *in;
    size_t in_n;
    sim_err gerr;
    sim_err_clear(&gerr);
    int grc = sim_mpi_gather(d->dist, buf, rc || !d->remote ? 0 : bytes, &in, &in_n, &gerr);
    if (rc)
        return rc;
    if (grc) {
        *err = gerr;
        return grc;
    }
    if (d->remote) {
        for (size_t i = d->own_first; i < end; i++)
            d->ob[i].n_msgs = d->ob[i].n_joins = 0;
        return SIM_OK;
    }
    /* rank 0: unpack, in the order received (rank order = shard order) */
    const unsigned char *p = in, *stop = p + in_n;
    while (p < stop) {
        uint32_t h[3];
        if ((size_t)(stop - p) < sizeof h)
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC: gathered outbox records are truncated");
        memcpy(h, p, sizeof h);
        p += sizeof h;
        size_t nm = h[1], nj = h[2];
        if (h[0] >= d->n_shards || (size_t)(stop - p) / sizeof(uint32_t) < nm + nj)
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC: gathered outbox records are malformed (shard %u)", h[0]);
        mdl_dcc_outbox *o = &d->ob[h[0]];
        if (outbox_push(o, &o->msgs, &o->n_msgs, &o->cap_msgs, p, nm) ||
            outbox_push(o, &o->joins, &o->n_joins, &o->cap_joins, p + nm * sizeof(uint32_t), nj))
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC: out of memory unpacking shard %u's outbox", h[0]);
        p += (nm + nj) * sizeof(uint32_t);
    }
    return SIM_OK;
}

/* The outboxes' health after the shards' day. */
static int check_outboxes(const mdl_dcc *d, sim_err *err)
{
    for (size_t i = 0; i < d->n_shards; i++) {
        if (d->ob[i].oom)
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC: out of memory in shard %zu's outbox", i);
        if (d->ob[i].bad)
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC: shard %zu sent %llu messages with a region or message kind "
                            "out of range", i, (unsigned long long)d->ob[i].bad);
    }
    return SIM_OK;
}

/* The day's dated events (outages, price changes, campaigns, settlement)
 * added to the offer. */
static int add_events(mdl_dcc *d, int64_t day, sim_err *err)
{
    if (!d->events)
        return SIM_OK;
    mdl_dcc_fleet_view fv = {.daily = d->sched[0]};
    memcpy(fv.hubs, d->hubs, sizeof fv.hubs);
    memcpy(fv.meters, d->meters, sizeof fv.meters);
    int rc = mdl_dcc_events_day(d->events, d->start_day + day, &fv, d->offer, &d->evres, err);
    if (rc)
        return rc;
    if (d->evres.schedule_touched)
        d->sched_dirty = 1;   /* tomorrow's daily-read lanes are rebuilt from the fleet */
    return SIM_OK;
}

/* The offer through the request-level or the fluid day. */
static int simulate_day(mdl_dcc *d, int64_t day, int detail, int n_threads, sim_err *err)
{
    if (!detail) {
        mdl_dcc_fluid_day(d->fluid, d->offer, d->res);
        mdl_dcc_network_fluid(d->p, d->offer, d->res);
        mdl_dcc_fluidlat_day(d->fluidlat, mdl_dcc_fluid_last_load(d->fluid), d->offer, d->res);
        return SIM_OK;
    }
    int rc = mdl_dcc_detail_day(d->detail, d->offer, (uint64_t)(d->start_day + day), d->res, &d->dres, n_threads,
                                err);
    if (rc)
        return rc;
    d->tot.detail_days++;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++)
            d->tot.detail_requests += (uint64_t)d->res->requests[s][r];
    return SIM_OK;
}

/* Today's joins and leaves into the fleet (they send from tomorrow), the
 * outboxes' join lists emptied for the next window. */
static void drain_joins(mdl_dcc *d)
{
    for (size_t i = 0; i < d->n_shards; i++) {
        mdl_dcc_outbox *o = &d->ob[i];
        for (size_t k = 0; k < o->n_joins; k++)
            fleet_add(d, o->joins[k]);
        o->n_joins = 0;
    }
    uint64_t hubs = 0;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        hubs += d->hubs[r];
    d->tot.fleet_hubs = hubs;
}

/* The day's results into the running totals. */
static void account_day(mdl_dcc *d)
{
    double req = 0, fail = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            req += d->res->requests[s][r];
            for (int f = 0; f < MDL_DCC_N_FAILURE_CLASSES; f++)
                fail += d->res->failed[s][r][f];
        }
    /* Fluid days hold expected counts (a GB day expects a few hundred
     * failures, a small run's day a fraction of one): sum the doubles and
     * round once, in mdl_dcc_get_totals. */
    d->req_sum += req;
    d->fail_sum += fail;
    if (d->res->peak_minute_total > d->tot.peak_minute_load)
        d->tot.peak_minute_load = d->res->peak_minute_total;
}

/* The day's second part: a fluid day's simulation (a detail day's ran in
 * the first part), the totals and the rows.  It reads the offer, the
 * day's event results and the fleet as the first part left them, and
 * writes only the day's results, the fluid models' scratch, the totals
 * and /dcc: nothing a rollout window reads or writes (the outboxes, the
 * window's day, the read-time table). */
static int day_rest(mdl_dcc *d, int64_t day, int detail, int n_threads, sim_err *err)
{
    int rc;
    if (!detail && (rc = simulate_day(d, day, 0, n_threads, err)))
        return rc;
    account_day(d);
    if (d->h5) {
        rc = write_day(d, day, detail, err);
        if (!rc && detail)
            rc = write_detail(d, day, err);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

int mdl_dcc_day_flush(mdl_dcc *d, sim_err *err)
{
    if (!d->pending)
        return SIM_OK;
    d->pending = 0;
    return day_rest(d, d->pending_day, 0, 1, err);
}

int mdl_dcc_day_pending(const mdl_dcc *d) { return d->pending; }

int mdl_dcc_day_begin(mdl_dcc *d, int64_t day, int n_threads, int defer, sim_err *err)
{
    int rc = mdl_dcc_day_flush(d, err);
    if (rc)
        return rc;
    if (day != d->next_day || day >= d->n_days)
        return SIM_FAIL(err, SIM_ERUNTIME, "DCC: day %lld out of order (expected %lld, run has %lld days)",
                        (long long)day, (long long)d->next_day, (long long)d->n_days);
    if (d->dist) {
        if ((rc = exchange(d, err)))
            return rc;
        if (d->remote) {
            d->next_day = day + 1;
            d->window_day = day + 1;   /* joins drawn tomorrow know their day */
            return SIM_OK;
        }
    }
    if ((rc = check_outboxes(d, err)))
        return rc;
    build_offer(d);
    if (d->inst_oom)
        return SIM_FAIL(err, SIM_ERUNTIME, "DCC: out of memory for the day's install messages");
    int detail = d->detail && is_detail_day(d, day);
    if ((rc = add_events(d, day, err)) || (detail && (rc = simulate_day(d, day, 1, n_threads, err))))
        return rc;
    drain_joins(d);   /* (the simulation reads the offer, never the fleet) */
    d->next_day = day + 1;
    d->window_day = day + 1;
    if (defer && !detail) {
        d->pending = 1;
        d->pending_day = day;
        return SIM_OK;
    }
    return day_rest(d, day, detail, n_threads, err);
}

int mdl_dcc_day(mdl_dcc *d, int64_t day, int n_threads, sim_err *err)
{
    return mdl_dcc_day_begin(d, day, n_threads, 0, err);
}

/* /dcc/event: one row per dated event — its type and date, and the
 * premises or devices it reached (0 if its first day was never run). */
static int write_events(mdl_dcc *d, sim_err *err)
{
    size_t n = d->p->n_events;
    char names[MDL_DCC_MAX_EVENTS][48];
    const char *lab[MDL_DCC_MAX_EVENTS];
    double dev[MDL_DCC_MAX_EVENTS], day[MDL_DCC_MAX_EVENTS];
    for (size_t i = 0; i < n; i++) {
        const mdl_dcc_event *e = &d->p->events[i];
        char date[16];
        sim_format_date(e->date, date);
        snprintf(names[i], sizeof names[i], "%s %s", mdl_dcc_event_type_names[e->type], date);
        lab[i] = names[i];
        dev[i] = mdl_dcc_events_population(d->events, i);
        day[i] = (double)(e->date - d->start_day);
    }
    const char *de[] = {"event"};
    char units[64], start[16];
    sim_format_date(d->start_day, start);
    snprintf(units, sizeof units, "days since %s", start);
    int rc;
    if ((rc = sim_h5_dim_labels(d->h5, "/dcc", "event", n, lab, "dated event (dcc.events), type and first day",
                                err)) ||
        (rc = sim_h5_write_array(d->h5, "/dcc", "event_devices", SIM_H5_F64, 1, de, dev, "1",
                                 "premises (outage), meters (price change), devices (firmware) or daily-read meters "
                                 "(settlement share, all regions) the event reached, from the fleet on its first "
                                 "day", err)) ||
        (rc = sim_h5_write_array(d->h5, "/dcc", "event_day", SIM_H5_F64, 1, de, day, units,
                                 "the event's first day", err)))
        return rc;
    return SIM_OK;
}

int mdl_dcc_finish(mdl_dcc *d, sim_err *err)
{
    int rc = mdl_dcc_day_flush(d, err);
    if (rc || !d->h5)
        return rc;
    rc = flush_rows(d, err);
    if (!rc && d->p->n_events)
        rc = write_events(d, err);
    return rc;
}

void mdl_dcc_get_totals(const mdl_dcc *d, mdl_dcc_totals *out)
{
    *out = d->tot;
    out->requests = (uint64_t)llround(d->req_sum);
    out->failures = (uint64_t)llround(d->fail_sum);
    uint64_t hubs = 0;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        hubs += d->hubs[r];
    out->fleet_hubs = hubs;
}

void mdl_dcc_fleet_counts(const mdl_dcc *d, uint64_t hubs[MDL_N_REGIONS], uint64_t meters[MDL_N_REGIONS],
                          uint64_t prepay[MDL_N_REGIONS])
{
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        hubs[r] = d->hubs[r] - d->init_hubs[r];
        meters[r] = d->meters[r] - d->init_meters[r];
        prepay[r] = d->prepay[r] - d->init_prepay[r];
    }
}

int mdl_dcc_check(const mdl_dcc *d, sim_err *err)
{
    if (d->remote)
        return SIM_OK;
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        if (d->hubs[r] < d->init_hubs[r] || d->meters[r] < d->init_meters[r] || d->prepay[r] < d->init_prepay[r] ||
            d->gen[r] > d->hubs[r] || d->prepay[r] > d->hubs[r] || d->meters[r] > 2 * d->hubs[r] ||
            d->meters[r] < d->hubs[r])
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC fleet, %s: counts out of range (hubs %llu, meters %llu, "
                            "generating %llu, prepayment %llu): a leave without its join", mdl_region_names[r],
                            (unsigned long long)d->hubs[r], (unsigned long long)d->meters[r],
                            (unsigned long long)d->gen[r], (unsigned long long)d->prepay[r]);
        uint64_t reads = 0, gen = 0;
        for (int m = 0; m < MDL_DCC_MINUTES; m++) {
            reads += (uint64_t)d->sched[0][r][m] + d->sched[1][r][m];
            gen += d->sched[2][r][m];
        }
        if (reads != d->meters[r] || gen != d->gen[r])
            return SIM_FAIL(err, SIM_ERUNTIME, "DCC fleet, %s: scheduled reads by minute sum to %llu meters and %llu "
                            "generating hubs, the counts say %llu and %llu", mdl_region_names[r],
                            (unsigned long long)reads, (unsigned long long)gen, (unsigned long long)d->meters[r],
                            (unsigned long long)d->gen[r]);
    }
    return SIM_OK;
}

/* ---- for tests and the benchmark (declared in mdl_dcc_testing.h) ---------------------- */
const mdl_dcc_dayres *mdl_dcc_last_day(const mdl_dcc *d)
{
    return d->res;
}

void mdl_dcc_copy_offer(const mdl_dcc *d, mdl_dcc_offer *out)
{
    memcpy(out, d->offer, sizeof *out);
}

const mdl_dcc_interruption *mdl_dcc_last_interruptions(const mdl_dcc *d, size_t *n)
{
    return mdl_dcc_events_interruptions(d->events, n);
}

const mdl_dcc_events_dayres *mdl_dcc_last_events(const mdl_dcc *d)
{
    return &d->evres;
}

/* ---- checkpoints (the record: mdl_dcc.h) ------------------------------------------------ */
#define DCC_MAGIC UINT64_C(0x3143434453)   /* "SDCC1" */

int mdl_dcc_ckpt_save(const mdl_dcc *d, sim_ckpt_buf *b, sim_err *err)
{
    if (d->pending)
        return SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: the DCC's day %lld is not finished (mdl_dcc_day_flush)",
                        (long long)d->pending_day);
    sim_ckpt_put_u64(b, DCC_MAGIC);
    sim_ckpt_put_i64(b, d->next_day);
    sim_ckpt_put_i64(b, d->window_day);
    sim_ckpt_put(b, d->sched, sizeof d->sched);
    sim_ckpt_put(b, d->hubs, sizeof d->hubs);
    sim_ckpt_put(b, d->meters, sizeof d->meters);
    sim_ckpt_put(b, d->gen, sizeof d->gen);
    sim_ckpt_put(b, d->prepay, sizeof d->prepay);
    sim_ckpt_put(b, d->offer, sizeof *d->offer);
    sim_ckpt_put_i64(b, d->sched_dirty);
    sim_ckpt_put(b, d->offer_hubs, sizeof d->offer_hubs);
    sim_ckpt_put_u64(b, d->n_inst_cells);
    sim_ckpt_put(b, d->inst_cells, d->n_inst_cells * sizeof *d->inst_cells);
    sim_ckpt_put_f64(b, d->req_sum);
    sim_ckpt_put_f64(b, d->fail_sum);
    sim_ckpt_put(b, &d->tot, sizeof d->tot);
    sim_ckpt_put_u64(b, d->events != NULL);
    if (d->events)
        mdl_dcc_events_save(d->events, b);
    return b->bad ? SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory (DCC)") : SIM_OK;
}

int mdl_dcc_ckpt_load(mdl_dcc *d, sim_ckpt_buf *b, int changed, sim_err *err)
{
    if (sim_ckpt_get_u64(b) != DCC_MAGIC)
        return SIM_FAIL(err, SIM_EINPUT, "checkpoint: /dcc/state is not a DCC record");
    d->next_day = sim_ckpt_get_i64(b);
    d->window_day = sim_ckpt_get_i64(b);
    if (d->remote)   /* a rank that only fills outboxes: its days are all it keeps */
        return b->bad ? SIM_FAIL(err, SIM_EINPUT, "checkpoint: /dcc/state truncated") : SIM_OK;
    sim_ckpt_get(b, d->sched, sizeof d->sched);
    sim_ckpt_get(b, d->hubs, sizeof d->hubs);
    sim_ckpt_get(b, d->meters, sizeof d->meters);
    sim_ckpt_get(b, d->gen, sizeof d->gen);
    sim_ckpt_get(b, d->prepay, sizeof d->prepay);
    sim_ckpt_get(b, d->offer, sizeof *d->offer);
    d->sched_dirty = (int)sim_ckpt_get_i64(b);
    sim_ckpt_get(b, d->offer_hubs, sizeof d->offer_hubs);
    size_t n = (size_t)sim_ckpt_get_count(b, MDL_DCC_LANES * MDL_DCC_MINUTES);
    for (size_t k = 0; k < n && !b->bad; k++) {
        uint32_t c;
        sim_ckpt_get(b, &c, sizeof c);
        if (u32_push(&d->inst_cells, &d->n_inst_cells, &d->cap_inst_cells, 4096, c))
            return SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory (DCC)");
    }
    d->req_sum = sim_ckpt_get_f64(b);
    d->fail_sum = sim_ckpt_get_f64(b);
    sim_ckpt_get(b, &d->tot, sizeof d->tot);
    uint64_t had_events = sim_ckpt_get_u64(b);
    if (had_events) {   /* (into a scratch set when this scenario has no events any more) */
        mdl_dcc_events *ev = d->events ? d->events : mdl_dcc_events_alloc(d->p, d->seed, err);
        int oom = !ev || mdl_dcc_events_load(ev, b);
        if (ev != d->events)
            mdl_dcc_events_free(ev);
        if (oom)
            return SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory (DCC events)");
    }
    if (b->bad || b->pos != b->n)
        return SIM_FAIL(err, SIM_EINPUT, "checkpoint: /dcc/state truncated or damaged");
    if (changed) {   /* another scenario from here on: rebuild every lane from the fleet and the new rates */
        d->sched_dirty = 1;
        for (int r = 0; r < MDL_N_REGIONS; r++)
            d->offer_hubs[r] = UINT64_MAX;
    }
    return SIM_OK;
}
