/*
 * test_dcc.c — the DCC model: fleet joins, leaves and reads, conservation at both
 * resolutions, aggregate versus request level on the same day, Erlang C
 * for one M/M/c stage, the histogram merge, thread-count independence,
 * a deferred day (mdl_dcc_day_begin / mdl_dcc_day_flush) equal to the
 * whole day, bad calls.  Every scenario is a small text in this file; every
 * statistical tolerance is derived where it is used.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdl_dcc.h"
#include "mdl_dcc_detail.h"
#include "mdl_dcc_fluid.h"
#include "mdl_dcc_testing.h"
#include "mdl_scenario.h"
#include "test_support.h"
#include "sim_ckpt.h"
#include "sim_rng.h"

static mdl_scenario *load(const char *dcc_text) { return test_load_dcc(dcc_text); }

static double sum_sr(const double a[MDL_DCC_N_SERVICES][MDL_N_REGIONS], int s)
{
    double t = 0;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        t += a[s][r];
    return t;
}

/* ---- reads only from commissioned hubs; joins on day d read from day d+1 ---- */
static void test_reads_only_from_joined(void **state)
{
    (void)state;
    mdl_scenario *sc = load("detail = { all = true; };");
    mdl_dcc *d = test_dcc_make(sc, 2);
    test_dcc_run_day(d, 0);
    const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        assert_true(sum_sr(x->requests, s) == 0.0);   /* no fleet, no traffic at all */
    /* 137 hubs join on day 1 (91 with gas), from two shards. */
    for (uint64_t h = 0; h < 137; h++)
        mdl_dcc_fleet_join(mdl_dcc_outbox_of(d, h % 2), 1000 + h, (int)(h % 3), h < 91 ? MDL_DCC_FLAG_GAS : 0);
    test_dcc_run_day(d, 1);
    x = mdl_dcc_last_day(d);
    assert_true(sum_sr(x->requests, MDL_DCC_SVC_READ_DAILY) + sum_sr(x->requests, MDL_DCC_SVC_READ_HH) == 0.0);
    test_dcc_run_day(d, 2);
    x = mdl_dcc_last_day(d);
    /* Joined 2024-01-16 (after half_hourly_from, 2022-11-01): half-hourly data, one read per meter. */
    assert_true(sum_sr(x->requests, MDL_DCC_SVC_READ_HH) == 137.0 + 91.0);
    assert_true(sum_sr(x->requests, MDL_DCC_SVC_READ_DAILY) == 0.0);
    assert_true(x->requests[MDL_DCC_SVC_READ_HH][MDL_REGION_NORTH] == 46.0 + 31.0);   /* h % 3 == 0 */
    mdl_dcc_totals t;
    mdl_dcc_get_totals(d, &t);
    assert_int_equal(t.fleet_hubs, 137);
    assert_int_equal(t.detail_days, 3);
    mdl_dcc_free(d);
    free(sc);
    /* Before half_hourly_from: daily data. */
    sc = load("half_hourly_from = \"2030-01-01\";");
    d = test_dcc_make(sc, 1);
    mdl_dcc_fleet_join(mdl_dcc_outbox_of(d, 0), 5, MDL_REGION_CENTRAL, MDL_DCC_FLAG_GAS);
    test_dcc_run_day(d, 0);
    test_dcc_run_day(d, 1);
    x = mdl_dcc_last_day(d);
    assert_true(x->requests[MDL_DCC_SVC_READ_DAILY][MDL_REGION_CENTRAL] == 2.0);
    assert_true(sum_sr(x->requests, MDL_DCC_SVC_READ_HH) == 0.0);
    mdl_dcc_free(d);
    free(sc);
}

/* Install messages are traffic of their own day. */
static void test_install_messages(void **state)
{
    (void)state;
    mdl_scenario *sc = load("");
    mdl_dcc *d = test_dcc_make(sc, 3);
    for (int i = 0; i < 29; i++)
        mdl_dcc_message(mdl_dcc_outbox_of(d, (size_t)i % 3), i % 3, MDL_DCC_MSG_COMMISSION,
                        sim_time_from_hours(9.5) + i * SIM_US_PER_SEC);
    mdl_dcc_message(mdl_dcc_outbox_of(d, 0), MDL_REGION_SOUTH, MDL_DCC_MSG_HUB_STATUS, sim_time_from_hours(23.99));
    test_dcc_run_day(d, 0);
    const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
    assert_true(fabs(sum_sr(x->requests, MDL_DCC_SVC_COMMISSION) - 29.0) < 1e-9);
    assert_true(fabs(x->requests[MDL_DCC_SVC_HUB_STATUS][MDL_REGION_SOUTH] - 1.0) < 1e-9);
    test_dcc_run_day(d, 1);
    x = mdl_dcc_last_day(d);
    assert_true(sum_sr(x->requests, MDL_DCC_SVC_COMMISSION) == 0.0);
    /* A bad region is reported at the day's end, not silently dropped. */
    mdl_dcc_message(mdl_dcc_outbox_of(d, 1), 7, MDL_DCC_MSG_COMMISSION, 0);
    sim_err err = {0};
    assert_int_equal(mdl_dcc_day(d, 2, 1, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "out of range"));
    assert_null(mdl_dcc_outbox_of(d, 3));
    /* Days must come in order. */
    assert_int_equal(mdl_dcc_day(d, 0, 1, &err), SIM_ERUNTIME);
    mdl_dcc_free(d);
    mdl_dcc_free(NULL);
    free(sc);
}

/* ---- conservation ------------------------------------------------------------------ */
#define BUSY_FLEET "initial_fleet = { hubs = 23457; }; retry = { device_failure = 0.03; }; "

static void check_conservation(const mdl_dcc_dayres *x, double tol)
{
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            double f = 0;
            for (int k = 0; k < MDL_DCC_N_FAILURE_CLASSES; k++)
                f += x->failed[s][r][k];
            double lhs = x->requests[s][r], rhs = x->completed[s][r] + f + x->unresolved[s][r];
            assert_true(fabs(lhs - rhs) <= tol * (1.0 + lhs));
            /* Of the requests created by midnight, the rest is in flight: never negative. */
            assert_true(x->requests_by_midnight[s][r] - x->resolved_by_midnight[s][r] >= -tol * (1.0 + lhs));
        }
}

static void test_conservation(void **state)
{
    (void)state;
    mdl_scenario *sc = load(BUSY_FLEET "detail = { dates = [\"2024-01-16\"]; bin_minutes = 5; };");
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);   /* fluid */
    const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
    check_conservation(x, 1e-9);
    double f = 0;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        f += x->failed[MDL_DCC_SVC_READ_DAILY][r][MDL_DCC_E30];
    assert_true(f > 0);   /* failures do happen: the check is not vacuous */
    test_dcc_run_day(d, 1);   /* request level: exact integer identity */
    x = mdl_dcc_last_day(d);
    check_conservation(x, 0.0);
    double notices = sum_sr(x->requests, MDL_DCC_SVC_FAILURE_NOTICE), failed = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++)
            for (int k = 0; k < MDL_DCC_N_FAILURE_CLASSES; k++)
                failed += x->failed[s][r][k];
    assert_true(failed > 0);
    assert_true(notices == failed);   /* every failed read yields one 1.75 (none left past the horizon here) */
    mdl_dcc_free(d);
    free(sc);
}

/* ---- aggregate versus request level on the same day ------------------------------------ */
/* An overloaded DSP (capacity 10/s against a night peak of ~15/s) so the
 * backlog is large and both resolutions must carry it.  All services have
 * work 1 so that the fluid's proportional sharing and FIFO serve the same
 * number of requests per minute (with unequal work the composition of the
 * backlog differs, and the comparison would mix two effects). */
static const char *const overload =
    "initial_fleet = { hubs = 200000; }; dsp = { servers = 4; service_time_s = 0.4; }; "
    "services = { read_half_hourly = { work = 1.0; }; historical = { work = 1.0; }; stored_data = { work = 1.0; };"
    " failure_notice = { work = 1.0; }; prenotify = { work = 1.0; }; commission = { work = 1.0; };"
    " configure = { work = 1.0; }; alert = { work = 1.0; }; };";

static void test_aggregate_vs_request_level(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s detail = { dates = [\"2024-01-15\"]; };", overload);
    mdl_scenario *sc = load(text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);   /* request level */
    mdl_dcc_dayres *det = malloc(sizeof *det), *flu = malloc(sizeof *flu);
    memcpy(det, mdl_dcc_last_day(d), sizeof *det);
    mdl_dcc_free(d);
    sc->dcc.detail.n_dates = 0;
    d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);   /* the same day, fluid */
    memcpy(flu, mdl_dcc_last_day(d), sizeof *flu);

    double qmax_det = 0, qmax_flu = 0;
    for (int m = 0; m < MDL_DCC_MINUTES; m++) {
        qmax_det = fmax(qmax_det, det->queue[0][m]);
        qmax_flu = fmax(qmax_flu, flu->queue[0][m]);
    }
    assert_true(qmax_flu > 10000);   /* really overloaded */
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
        double rd = sum_sr(det->requests, s), rf = sum_sr(flu->requests, s);
        double cd = sum_sr(det->completed, s), cf = sum_sr(flu->completed, s);
        double fd = 0, ff = 0;
        for (int r = 0; r < MDL_N_REGIONS; r++)
            for (int k = 0; k < MDL_DCC_N_FAILURE_CLASSES; k++) {
                fd += det->failed[s][r][k];
                ff += flu->failed[s][r][k];
            }
        if (mdl_dcc_services[s].source == MDL_DCC_SRC_SCHEDULE)
            assert_true(rd == rf);   /* same fleet: identical counts */
        /* Poisson day totals: sd = sqrt(mean); 5 sd is a 1-in-3.5-million miss per check.  Served and
         * failed follow the same bound (a sum of binomial thinnings of the Poisson total, variance <=
         * its mean).  1.75 notices and E-failures: binomial counts with the same bound. */
        assert_true(fabs(rd - rf) <= 5.0 * sqrt(rf) + 1.0);
        assert_true(fabs(cd - cf) <= 5.0 * sqrt(cf) + 1.0);
        assert_true(fabs(fd - ff) <= 5.0 * sqrt(ff) + 1.0);
    }
    /* Backlog: the fluid is the law-of-large-numbers limit of the queue;
     * with ~10^4..10^5 waiting the random part is a few hundred (sqrt of
     * the cumulative arrival count ~ 700), plus up to a minute's
     * discretisation (600 at this capacity); allow 3 % + 1500. */
    assert_true(fabs(qmax_det - qmax_flu) <= 0.03 * qmax_flu + 1500);
    for (int m = 0; m < MDL_DCC_MINUTES; m += 37)
        assert_true(fabs(det->queue[0][m] - flu->queue[0][m]) <= 0.03 * qmax_flu + 1500);
    free(det);
    free(flu);
    mdl_dcc_free(d);
    free(sc);
}

/* ---- Erlang C ------------------------------------------------------------------------- */
static double erlang_c(int c, double a)
{
    double term = 1, sum = 0;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double last = term * c / (c - a);   /* a^c/c! * c/(c-a) */
    return last / (sum + last);
}

static void test_erlang_c(void **state)
{
    (void)state;
    /* One M/M/c stage: the DSP with c = 8 servers, exponential service of
     * mean 1 s; Poisson arrivals (alerts: flat profile, Poisson count per
     * minute with uniform offsets = a Poisson process) at lambda = 6.4/s,
     * rho = 0.8.  CSPs are made fast and wide so they do not matter. */
    mdl_scenario *sc = load(
        "initial_fleet = { hubs = 100000; }; read_time_profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1];"
        "generation_share = 0.0; dsp = { servers = 8; service_time_s = 1.0; };"
        "csp = { north = { servers = 1000; service_time_s = 0.001; }; central = { servers = 1000; "
        "service_time_s = 0.001; }; south = { servers = 1000; service_time_s = 0.001; }; };"
        "services = { alert = { rate = 5.5296; work = 1.0; }; on_demand = { rate = 0.0; }; historical = { rate = 0.0; };"
        " adhoc = { rate = 0.0; }; stored_data = { rate = 0.0; }; import_export = { rate = 0.0; };"
        " max_demand = { rate = 0.0; }; };");
    sc->dcc.initial_fleet.gas_share = 0;
    sim_err err = {0};
    /* Turn scheduled reads off: only the alert stream remains. */
    mdl_dcc_params p = sc->dcc;
    p.detail.bin_minutes = 60;
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&p, 7, &err);
    assert_non_null(x);
    mdl_dcc_offer *offer = calloc(1, sizeof *offer);
    mdl_dcc_dayres *res = malloc(sizeof *res);
    mdl_dcc_detailres dres;
    assert_int_equal(mdl_dcc_detailres_init(&dres, 60, &err), SIM_OK);
    double lambda_min = 6.4 * 60.0;
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        double *a = mdl_dcc_offer_lane(offer, MDL_DCC_SVC_ALERT, r);
        for (int m = 0; m < MDL_DCC_MINUTES; m++)
            a[m] = lambda_min / 3.0;
    }
    /* Ten independent days (replications): each gives a mean wait and a
     * fraction delayed over ~553,000 customers.  The day estimates are
     * i.i.d., so the replication mean is within t(9, 0.9995) = 4.78 standard
     * errors of the truth with probability 0.999; we use 5 standard errors,
     * plus a 0.5 % allowance for the empty start of each day (the queue
     * relaxes in ~10 s of a 86,400 s day). */
    const int reps = 10;
    double w[10], pw[10];
    for (int i = 0; i < reps; i++) {
        assert_int_equal(mdl_dcc_detail_day(x, offer, 9000 + (uint64_t)i, res, &dres, 1, &err), SIM_OK);
        mdl_dcc_stage_stats st;
        mdl_dcc_detail_stage_stats(x, 0, &st);
        assert_true(st.started > 500000);
        w[i] = st.wait_sum_s / (double)st.started;
        pw[i] = (double)st.waited / (double)st.started;
    }
    double mw = 0, mp = 0, vw = 0, vp = 0;
    for (int i = 0; i < reps; i++) {
        mw += w[i] / reps;
        mp += pw[i] / reps;
    }
    for (int i = 0; i < reps; i++) {
        vw += (w[i] - mw) * (w[i] - mw) / (reps - 1);
        vp += (pw[i] - mp) * (pw[i] - mp) / (reps - 1);
    }
    double C = erlang_c(8, 6.4);
    double Wq = C / (8.0 * 1.0 - 6.4);
    double sew = sqrt(vw / reps), sep = sqrt(vp / reps);
    fprintf(stderr, "Erlang C: P(wait>0) %.4f (theory %.4f, se %.4f); mean wait %.4f s (theory %.4f, se %.4f)\n",
            mp, C, sep, mw, Wq, sew);
    assert_true(sew < 0.05 * Wq && sep < 0.05 * C);   /* the test can tell */
    assert_true(fabs(mp - C) <= 5 * sep + 0.005 * C);
    assert_true(fabs(mw - Wq) <= 5 * sew + 0.005 * Wq);
    mdl_dcc_detailres_destroy(&dres);
    free(offer);
    free(res);
    mdl_dcc_detail_free(x);
    free(sc);
}

/* ---- histogram ---------------------------------------------------------------------------- */
static void test_hist_merge(void **state)
{
    (void)state;
    mdl_dcc_hist *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *u = calloc(1, sizeof *u);
    sim_rng_stream s;
    sim_rng_stream_init(&s, 11, 3, 200);
    for (int i = 0; i < 100003; i++) {
        /* log-uniform latencies from 0.1 ms to ~3 days, hitting under- and overflow */
        int64_t us = (int64_t)exp(log(100.0) + sim_rng_uniform(&s) * (log(2.6e11) - log(100.0)));
        mdl_dcc_hist_add(i % 3 ? a : b, us);
        mdl_dcc_hist_add(u, us);
        int bin = mdl_dcc_hist_bin(us);
        assert_true((double)us * 1e-6 >= mdl_dcc_hist_lower_s(bin) - 1e-12);
        assert_true((double)us * 1e-6 < mdl_dcc_hist_upper_s(bin) + 1e-12);
    }
    mdl_dcc_hist_merge(a, b);
    assert_memory_equal(a->n, u->n, sizeof a->n);
    assert_int_equal(a->total, u->total);
    assert_true(a->max_s == u->max_s);
    assert_true(a->n[0] > 0 && a->n[MDL_DCC_HIST_BINS - 1] > 0);
    for (int k = 1; k < MDL_DCC_HIST_BINS; k++)
        assert_true(mdl_dcc_hist_lower_s(k) > mdl_dcc_hist_lower_s(k - 1));
    /* Quantiles: monotone, inside the data, within a bin's width of the truth. */
    double q50 = mdl_dcc_hist_quantile(u, 0.5), q99 = mdl_dcc_hist_quantile(u, 0.99);
    assert_true(q50 < q99 && q99 <= u->max_s);
    double true50 = exp(log(100.0) + 0.5 * (log(2.6e11) - log(100.0))) * 1e-6;
    assert_true(fabs(q50 - true50) < 0.15 * true50);
    mdl_dcc_hist empty = {0};
    assert_true(isnan(mdl_dcc_hist_quantile(&empty, 0.5)));
    free(a);
    free(b);
    free(u);
}

/* ---- determinism: 1 vs 2 threads filling the outboxes ------------------------------------- */
static void fill(mdl_dcc *d, int threads)
{
    /* 4 shards, each filled by whichever thread takes it. */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int sh = 0; sh < 4; sh++) {
        mdl_dcc_outbox *o = mdl_dcc_outbox_of(d, (size_t)sh);
        for (uint64_t h = (uint64_t)sh; h < 40000; h += 4) {
            mdl_dcc_fleet_join(o, h, (int)(h % 3), (h % 5 ? MDL_DCC_FLAG_GAS : 0) | (h % 7 ? 0 : MDL_DCC_FLAG_PREPAY));
            mdl_dcc_message(o, (int)(h % 3), (int)(h % MDL_DCC_N_INSTALL_MSGS), (sim_time)(h * 997 % 86400) * SIM_US_PER_SEC);
        }
    }
}

static void test_threads(void **state)
{
    (void)state;
    mdl_scenario *sc = load(BUSY_FLEET "detail = { dates = [\"2024-01-16\"]; };");
    mdl_dcc_dayres *r[2][2];
    for (int t = 0; t < 2; t++) {
        mdl_dcc *d = test_dcc_make(sc, 4);
        for (int day = 0; day < 2; day++) {
            fill(d, t + 1);
            sim_err err = {0};
            assert_int_equal(mdl_dcc_day(d, day, t + 1, &err), SIM_OK);
            r[t][day] = malloc(sizeof(mdl_dcc_dayres));
            memcpy(r[t][day], mdl_dcc_last_day(d), sizeof(mdl_dcc_dayres));
        }
        mdl_dcc_free(d);
    }
    for (int day = 0; day < 2; day++) {
        assert_memory_equal(r[0][day], r[1][day], sizeof(mdl_dcc_dayres));
        free(r[0][day]);
        free(r[1][day]);
    }
    free(sc);
}

/* ---- a deferred day (mdl_dcc_day_begin + mdl_dcc_day_flush) equals the whole day ----------- */
static void fill_shard(mdl_dcc *d, int sh, int day)
{
    mdl_dcc_outbox *o = mdl_dcc_outbox_of(d, (size_t)sh);
    for (uint64_t h = (uint64_t)sh; h < 20000; h += 4) {
        uint64_t id = (uint64_t)day * 20000 + h;
        mdl_dcc_fleet_join(o, id, (int)(h % 3), (h % 5 ? MDL_DCC_FLAG_GAS : 0) | (h % 7 ? 0 : MDL_DCC_FLAG_PREPAY));
        mdl_dcc_message(o, (int)(h % 3), (int)(id % MDL_DCC_N_INSTALL_MSGS), (sim_time)(id * 997 % 86400) * SIM_US_PER_SEC);
    }
}

static void test_deferred_day(void **state)
{
    (void)state;
    /* Days 0 and 2 fluid, day 1 request level (it never defers); an event
     * and background interruptions so that the deferred rows read the
     * day's event results. */
    mdl_scenario *sc = load(BUSY_FLEET "detail = { dates = [\"2024-01-16\"]; }; outages = { enabled = true; }; "
                            "events = ( { type = \"outage\"; date = \"2024-01-15\"; region_share = [0.2, 0.2, 0.2]; } );");
    mdl_dcc *a = test_dcc_make(sc, 4), *b = test_dcc_make(sc, 4);
    mdl_dcc_dayres *ra = malloc(sizeof *ra);
    assert_non_null(ra);
    sim_err err = {0};
    for (int day = 0; day < 3; day++) {
        for (int sh = 0; sh < 4; sh++)
            fill_shard(a, sh, day);
        assert_int_equal(mdl_dcc_day(a, day, 2, &err), SIM_OK);
        assert_false(mdl_dcc_day_pending(a));
        memcpy(ra, mdl_dcc_last_day(a), sizeof *ra);
        /* b: the next day's outboxes filled by three threads while a fourth
         * finishes the deferred day (as the engine's side job does) */
        int rc = SIM_OK;
#pragma omp parallel for num_threads(4) schedule(dynamic, 1)
        for (int i = 0; i < 5; i++) {
            if (i == 0) {
                sim_err e2 = {0};
                rc = mdl_dcc_day_flush(b, &e2);
            } else
                fill_shard(b, i - 1, day);
        }
        assert_int_equal(rc, SIM_OK);
        assert_int_equal(mdl_dcc_day_begin(b, day, 2, 1, &err), SIM_OK);
        assert_int_equal(mdl_dcc_day_pending(b), day != 1);   /* a detail day never waits */
        if (day != 1) {
            sim_ckpt_buf buf = {0};   /* no checkpoint of a half-done day */
            assert_int_equal(mdl_dcc_ckpt_save(b, &buf, &err), SIM_ERUNTIME);
            sim_ckpt_buf_free(&buf);
            if (day == 0)
                assert_int_equal(mdl_dcc_day_flush(b, &err), SIM_OK);
            else
                assert_int_equal(mdl_dcc_finish(b, &err), SIM_OK);   /* finishes it */
        }
        assert_false(mdl_dcc_day_pending(b));
        assert_int_equal(mdl_dcc_day_flush(b, &err), SIM_OK);   /* nothing left: a no-op */
        assert_memory_equal(ra, mdl_dcc_last_day(b), sizeof *ra);
    }
    mdl_dcc_totals ta, tb;
    mdl_dcc_get_totals(a, &ta);
    mdl_dcc_get_totals(b, &tb);
    assert_memory_equal(&ta, &tb, sizeof ta);
    assert_int_equal(ta.detail_days, 1);
    assert_true(ta.requests > 0);
    assert_true(ta.peak_minute_load > 0);
    /* A day left pending is dropped with the model (nothing to leak). */
    mdl_dcc *c = test_dcc_make(sc, 4);
    assert_int_equal(mdl_dcc_day_begin(c, 0, 1, 1, &err), SIM_OK);
    assert_true(mdl_dcc_day_pending(c));
    mdl_dcc_free(c);
    mdl_dcc_free(a);
    mdl_dcc_free(b);
    free(ra);
    free(sc);
}

/* ---- fluid: the closed form equals the minute stepper ------------------------------------ */
/* Compare every field of two day results: relative 1e-9 (the two sum the
 * same terms in different orders; rounding differences are ~1e-15 of the
 * day's totals, and in_flight-like differences of two totals inherit that). */
static void assert_dayres_close(const mdl_dcc_dayres *a, const mdl_dcc_dayres *b)
{
    const double *x = (const double *)a, *y = (const double *)b;
    size_t n = sizeof *a / sizeof(double);
    double scale = 1;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && fabs(x[i]) > scale)
            scale = fabs(x[i]);
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) {
            assert_true(isnan(x[i]) && isnan(y[i]));
            continue;
        }
        if (fabs(x[i] - y[i]) > 1e-9 * (fabs(x[i]) + 1.0) + 1e-12 * scale)
            fprintf(stderr, "dayres field %zu: %.17g vs %.17g\n", i, x[i], y[i]);
        assert_true(fabs(x[i] - y[i]) <= 1e-9 * (fabs(x[i]) + 1.0) + 1e-12 * scale);
    }
}

static void closed_vs_stepped(const char *dcc_text, int expect_closed)
{
    mdl_scenario *sc = load(dcc_text);
    mdl_dcc *d = test_dcc_make(sc, 2);
    /* joins and install messages at non-round minutes, some near midnight */
    for (uint64_t h = 0; h < 3001; h++) {
        mdl_dcc_fleet_join(mdl_dcc_outbox_of(d, h % 2), h, (int)(h % 3), h % 4 ? MDL_DCC_FLAG_GAS : 0);
        mdl_dcc_message(mdl_dcc_outbox_of(d, h % 2), (int)(h % 3), (int)(h % MDL_DCC_N_INSTALL_MSGS),
                        (sim_time)((h * 7919) % 86400) * SIM_US_PER_SEC);
    }
    test_dcc_run_day(d, 0);
    for (uint64_t h = 0; h < 97; h++)
        mdl_dcc_message(mdl_dcc_outbox_of(d, 0), (int)(h % 3), MDL_DCC_MSG_COMMISSION,
                        sim_time_from_hours(23.0) + (sim_time)h * 37 * SIM_US_PER_SEC);
    test_dcc_run_day(d, 1);
    mdl_dcc_offer *offer = malloc(sizeof *offer);
    mdl_dcc_copy_offer(d, offer);
    sim_err err = {0};
    mdl_dcc_fluid *f = mdl_dcc_fluid_alloc(&sc->dcc, &err);
    assert_non_null(f);
    mdl_dcc_dayres *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_int_equal(mdl_dcc_fluid_day(f, offer, a), expect_closed);
    mdl_dcc_fluid_day_stepped(f, offer, b);
    assert_dayres_close(a, b);
    double fails = 0, notices = sum_sr(a->requests, MDL_DCC_SVC_FAILURE_NOTICE);
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++)
            for (int k = 0; k < MDL_DCC_N_FAILURE_CLASSES; k++)
                fails += a->failed[s][r][k];
    assert_true(fails > 0 && fabs(notices - fails) < 1e-9 * fails);   /* each failure one 1.75 */
    free(a);
    free(b);
    free(offer);
    mdl_dcc_fluid_free(f);
    mdl_dcc_free(d);
    free(sc);
}

/* A counted record (mdl_dcc_messages) offers exactly what as many single
 * messages do, also past one record's 32,768. */
static void test_message_counts(void **state)
{
    (void)state;
    mdl_scenario *sc = load("");
    mdl_dcc *a = test_dcc_make(sc, 2), *b = test_dcc_make(sc, 2);
    static const uint64_t counts[] = {1, 2, 977, 32768, 32769, 70001};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        sim_time t = sim_time_from_hours(7.0 + (double)i) + (sim_time)i * 13 * SIM_US_PER_SEC;
        int reg = (int)(i % 3), msg = (int)(i % MDL_DCC_N_INSTALL_MSGS);
        for (uint64_t k = 0; k < counts[i]; k++)
            mdl_dcc_message(mdl_dcc_outbox_of(a, i % 2), reg, msg, t);
        mdl_dcc_messages(mdl_dcc_outbox_of(b, i % 2), reg, msg, t, counts[i]);
    }
    mdl_dcc_messages(mdl_dcc_outbox_of(b, 0), 0, MDL_DCC_MSG_COMMISSION, 0, 0);   /* none: no record */
    test_dcc_run_day(a, 0);
    test_dcc_run_day(b, 0);
    mdl_dcc_offer *oa = malloc(sizeof *oa), *ob = malloc(sizeof *ob);
    mdl_dcc_copy_offer(a, oa);
    mdl_dcc_copy_offer(b, ob);
    assert_memory_equal(oa->a, ob->a, sizeof oa->a);
    const mdl_dcc_dayres *xa = mdl_dcc_last_day(a), *xb = mdl_dcc_last_day(b);
    double total = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            assert_true(xa->requests[s][r] == xb->requests[s][r]);
            total += mdl_dcc_services[s].source == MDL_DCC_SRC_SCHEDULE ? 0 : xb->requests[s][r];
        }
    assert_true(total >= 1 + 2 + 977 + 32768 + 32769 + 70001);
    free(oa);
    free(ob);
    mdl_dcc_free(a);
    mdl_dcc_free(b);
    free(sc);
}

static void test_fluid_closed_form(void **state)
{
    (void)state;
    /* Defaults (whole-minute delays). */
    closed_vs_stepped(BUSY_FLEET, 1);
    /* Fractional delays (75 s time-out, 250 s back-off x 1.7), 4 retries,
     * priority queueing, persistence 0.3: the kernels split over minutes and
     * chains cross midnight. */
    closed_vs_stepped("initial_fleet = { hubs = 23457; }; retry = { device_failure = 0.03; response_timeout_s = 75.0; backoff_s = 250.0; "
                      "backoff_factor = 1.7; max_retries = 4; persistence = 0.3; }; on_demand_first = true;",
                      1);
    /* Overloaded DSP: the day is stepped (and the two calls agree trivially). */
    closed_vs_stepped("initial_fleet = { hubs = 200000; }; dsp = { servers = 4; service_time_s = 0.4; };", 0);
}

/* ---- request level: bit-identical for any thread count --------------------------------- */
/* Two request-level days with bit-identical results (every array). */
static void assert_same_day(const mdl_dcc_dayres *r0, const mdl_dcc_detailres *a, const mdl_dcc_dayres *r1,
                            const mdl_dcc_detailres *b)
{
    size_t nb = a->n_bins, S = MDL_DCC_N_SERVICES, R = MDL_N_REGIONS, G = MDL_DCC_N_STAGES;
    assert_memory_equal(r0, r1, sizeof *r0);
    assert_memory_equal(a->arrivals, b->arrivals, nb * S * 4);
    assert_memory_equal(a->completions, b->completions, nb * S * 4);
    assert_memory_equal(a->failures, b->failures, nb * S * 4);
    assert_memory_equal(a->sla_breaches, b->sla_breaches, nb * S * 4);
    assert_memory_equal(a->arrivals_r, b->arrivals_r, nb * R * 4);
    assert_memory_equal(a->completions_r, b->completions_r, nb * R * 4);
    assert_memory_equal(a->failures_r, b->failures_r, nb * R * 4);
    assert_memory_equal(a->queue, b->queue, nb * G * 4);
    assert_memory_equal(a->utilisation, b->utilisation, nb * G * 4);
    assert_memory_equal(a->lat, b->lat, nb * S * MDL_DCC_HIST_BINS * 4);
    assert_memory_equal(a->lat_max, b->lat_max, nb * S * 4);
    assert_memory_equal(a->hist, b->hist, sizeof a->hist);
}

/* The day of `dcc_text` on 1, 2, 3 and 4 threads (the DSP's task and the
 * three regions' run concurrently in each half-minute step of the
 * pipeline; 4 threads run all four at once), with steps of par_min+
 * requests forked: every result array must be bit-identical, and each day
 * must conserve requests exactly.  Returns the 1-thread day (caller frees). */
static mdl_dcc_dayres *check_detail_threads(const char *dcc_text, size_t par_min, int bin_minutes)
{
    mdl_scenario *sc = load(dcc_text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);
    mdl_dcc_offer *offer = malloc(sizeof *offer);
    mdl_dcc_copy_offer(d, offer);
    mdl_dcc_free(d);
    sim_err err = {0};
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&sc->dcc, 7, &err);
    assert_non_null(x);
    mdl_dcc_detail_set_parallel_min(x, par_min);
    mdl_dcc_detail_set_max_threads(x, 4);   /* 3 and 4 threads even on a 2-core machine */
    enum { T = 4 };
    mdl_dcc_dayres *res[T];
    mdl_dcc_detailres dres[T];
    for (int t = 0; t < T; t++) {
        res[t] = malloc(sizeof *res[t]);
        assert_int_equal(mdl_dcc_detailres_init(&dres[t], bin_minutes, &err), SIM_OK);
        assert_int_equal(mdl_dcc_detail_day(x, offer, 19737, res[t], &dres[t], t + 1, &err), SIM_OK);
        check_conservation(res[t], 0.0);
    }
    for (int t = 1; t < T; t++)
        assert_same_day(res[0], &dres[0], res[t], &dres[t]);
    /* The CSP's sort of the DSP departures: the radix sort finishing after
     * at most 64 moves (0 a request), or insertion alone: the same day. */
    for (int k = 1; k <= 2; k++) {
        mdl_dcc_detail_set_sort_moves(x, k == 1 ? 0 : (size_t)1 << 20);
        assert_int_equal(mdl_dcc_detail_day(x, offer, 19737, res[k], &dres[k], 1, &err), SIM_OK);
        assert_same_day(res[0], &dres[0], res[k], &dres[k]);
    }
    for (int t = 0; t < T; t++) {
        if (t)
            free(res[t]);
        mdl_dcc_detailres_destroy(&dres[t]);
    }
    free(offer);
    mdl_dcc_detail_free(x);
    free(sc);
    return res[0];
}

static void test_detail_threads(void **state)
{
    (void)state;
    /* Busy enough that every stage queues at the night peak and retries,
     * notices and the drain after midnight all happen.  Steps of 600+
     * requests fork (the night peak, ~150 minutes); quiet ones run on one
     * thread either way. */
    mdl_dcc_dayres *res = check_detail_threads(
        "initial_fleet = { hubs = 150000; }; retry = { device_failure = 0.05; }; "
        "dsp = { servers = 1; service_time_s = 0.08; }; "
        "csp = { north = { servers = 1; service_time_s = 0.2; }; }; detail = { bin_minutes = 5; };",
        600, 5);
    double mq = 0;
    for (int i = 0; i < MDL_DCC_N_STAGES; i++)
        mq = fmax(mq, res->max_queue[i]);
    assert_true(mq > 100);   /* queues really formed */
    assert_true(sum_sr(res->requests, MDL_DCC_SVC_FAILURE_NOTICE) > 0);
    free(res);
}

/* Dated events and WAN links in bytes: an alert storm (last gasps in one
 * minute, restorations over half an hour), a firmware campaign saturating
 * the north's link, throttling on; the same day on any thread count. */
static void test_detail_threads_events(void **state)
{
    (void)state;
    mdl_dcc_dayres *res = check_detail_threads(
        "initial_fleet = { hubs = 60000; }; retry = { device_failure = 0.02; }; "
        "csp = { north = { wan_bytes_per_s = 20000.0; wan_size_distribution = \"exponential\"; }; "
        "        south = { wan_bytes_per_s = 50000.0; }; }; "
        "traffic = { throttle = true; throttle_per_min = 5000.0; }; detail = { bin_minutes = 1; }; "
        "events = ( { type = \"outage\"; date = \"2024-01-15\"; time_h = 17.5; region_share = [0.6, 0.5, 0.0]; "
        "duration_min = 20.0; restore_over_min = 30.0; },"
        " { type = \"firmware\"; date = \"2024-01-15\"; region_share = [0.1, 0.0, 0.05]; rate_per_day = 1e6; "
        "payload_bytes = 100000.0; windows_h = [1.0, 3.0]; } );",
        300, 1);
    assert_true(sum_sr(res->requests, MDL_DCC_SVC_OUTAGE_ALERT) == 10000);   /* 2 regions x the 5,000 cap */
    assert_true(sum_sr(res->requests, MDL_DCC_SVC_FIRMWARE) > 1000);
    assert_true(res->wan_busy_s[MDL_REGION_NORTH] > 3000);   /* 1,800 images x 100 kB at 20 kB/s: 9,000 s */
    free(res);
}

/* The pipeline's edge: a CSP's retries and 1.75 notices come back to the
 * DSP two half-minute slots after the CSP slot that made them, at the
 * earliest (response_timeout_s >= 60 s).  With the shortest delay the
 * schema allows (time-out 60 s, no back-off) they land right at that edge;
 * deterministic service times make equal times (ties) common, and
 * on_demand_first adds the priority rings; every step forks.  Same day on
 * any thread count, nothing lost (exact conservation), retries happened. */
static void test_detail_threads_shortest_retry(void **state)
{
    (void)state;
    mdl_dcc_dayres *res = check_detail_threads(
        "initial_fleet = { hubs = 60000; }; on_demand_first = true; "
        "retry = { device_failure = 0.08; response_timeout_s = 60.0; backoff_s = 0.0; max_retries = 3; }; "
        "dsp = { servers = 1; service_time_s = 0.12; distribution = \"deterministic\"; }; "
        "csp = { north = { servers = 1; service_time_s = 0.6; distribution = \"deterministic\"; }; "
        "        central = { servers = 2; service_time_s = 0.2; distribution = \"deterministic\"; }; }; "
        "detail = { bin_minutes = 1; };",
        0, 1);
    double req = 0, att = 0;
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        for (int r = 0; r < MDL_N_REGIONS; r++) {
            req += res->requests[s][r];
            att += res->attempts[s][r];
        }
    assert_true(att > req * 1.01);   /* retries really went round (~8 % of first attempts fail) */
    assert_true(sum_sr(res->requests, MDL_DCC_SVC_FAILURE_NOTICE) > 0);
    assert_true(res->max_queue[0] > 5);      /* the DSP queued (18 here) */
    assert_true(res->max_queue[1] > 100);    /* and the north CSP (~3,400) */
    free(res);
}

/* The request-level model refuses a time-out shorter than two slots (the
 * schema already does; a caller filling mdl_dcc_params itself is caught
 * here, not by a wrong day). */
static void test_detail_short_timeout(void **state)
{
    (void)state;
    mdl_scenario *sc = load("initial_fleet = { hubs = 1000; };");
    sc->dcc.retry.response_timeout_s = 59.5;
    sim_err err = {0};
    assert_null(mdl_dcc_detail_alloc(&sc->dcc, 7, &err));
    assert_int_equal(err.code, SIM_EINPUT);
    assert_non_null(strstr(err.msg, "response_timeout_s"));
    sc->dcc.retry.response_timeout_s = 60.0;
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&sc->dcc, 7, &err);
    assert_non_null(x);
    mdl_dcc_detail_free(x);
    free(sc);
}

/* ---- run totals count fluid failures ------------------------------------------------------ */
static void test_totals(void **state)
{
    (void)state;
    mdl_scenario *sc = load("initial_fleet = { hubs = 1111; };");
    mdl_dcc *d = test_dcc_make(sc, 1);
    double req = 0, fail = 0;
    for (int day = 0; day < 3; day++) {
        test_dcc_run_day(d, day);
        const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
        for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
            for (int r = 0; r < MDL_N_REGIONS; r++) {
                req += x->requests[s][r];
                for (int k = 0; k < MDL_DCC_N_FAILURE_CLASSES; k++)
                    fail += x->failed[s][r][k];
            }
    }
    mdl_dcc_totals t;
    mdl_dcc_get_totals(d, &t);
    /* ~1,111 hubs x ~1.9 device reads x ~0.3 % final failures x 3 days: ~20 expected failures, a
     * fraction of one per lane and day: the totals must round the sum, not each day. */
    assert_true(fail > 5);
    assert_int_equal(t.failures, (uint64_t)llround(fail));
    assert_int_equal(t.requests, (uint64_t)llround(req));
    mdl_dcc_free(d);
    free(sc);
}

/* ---- the schema ---------------------------------------------------------------------------- */
static void test_schema_errors(void **state)
{
    (void)state;
    mdl_scenario sc;
    sim_err err = {0};
    const char *bad[] = {
        "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; }; dcc = { detail = { bin_minutes = 7; }; };",
        "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; }; dcc = { initial_fleet = { region_share = [0.5, 0.6, 0.1]; }; };",
        "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; }; dcc = { read_time_profile = [1.0, 2.0]; };",
        "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; }; dcc = { retry = { response_timeout_s = 5.0; }; };",
        "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; }; dcc = { services = { alert = { rat = 1.0; }; }; };",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(mdl_scenario_load_string(&sc, "bad.cfg", bad[i], NULL, 0, NULL, &err), SIM_EINPUT);
        assert_non_null(strstr(err.msg, "bad.cfg"));
    }
    /* The whole dcc group may be omitted. */
    assert_int_equal(mdl_scenario_load_string(&sc, "ok.cfg",
                                              "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; };",
                                              NULL, 0, NULL, &err), SIM_OK);
    assert_int_equal(sc.dcc.dsp.servers, 32);
    assert_true(sc.dcc.svc[MDL_DCC_SVC_ALERT].rate == 1.75);
}

/* ---- leaves: a hub's leave takes out exactly what its join put in ---- */
/* Reads of the three scheduled kinds in the offer, every lane and minute. */
static int same_schedule(const mdl_dcc *a, const mdl_dcc *b)
{
    static mdl_dcc_offer x, y;
    mdl_dcc_copy_offer(a, &x);
    mdl_dcc_copy_offer(b, &y);
    const int kinds[] = {MDL_DCC_SVC_READ_DAILY, MDL_DCC_SVC_READ_HH, MDL_DCC_SVC_GENERATION};
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < MDL_N_REGIONS; r++)
            if (memcmp(mdl_dcc_offer_lane(&x, kinds[k], r), mdl_dcc_offer_lane(&y, kinds[k], r),
                       MDL_DCC_MINUTES * sizeof(double)))
                return 0;
    return 1;
}

/* 211 hubs join on day 0 (daily data: before half_hourly_from), 54 of them
 * leave on day 1 from the other shard than their join's (a leave can meet
 * the fleet before or after other shards' joins) while 53 new hubs join
 * with half-hourly data and 11 of the leavers rejoin with new flags: on
 * day 2 the offered reads of every kind, region and minute are exactly
 * those of a DCC that only saw the surviving joins, and the counts
 * (less the initial fleet) are theirs too.  A leave without its join, and
 * a leave of a region out of range, are caught. */
static void test_fleet_leave(void **state)
{
    (void)state;
    const char *text = "half_hourly_from = \"2024-01-16\"; initial_fleet = { hubs = 1009; }; generation_share = 0.3;";
    mdl_scenario *sc = load(text);
    mdl_dcc *d = test_dcc_make(sc, 2), *ref = test_dcc_make(sc, 2);
    unsigned joined[211];
    for (uint64_t h = 0; h < 211; h++) {
        unsigned f = (h % 4 ? MDL_DCC_FLAG_GAS : 0u) | (h % 5 ? 0u : MDL_DCC_FLAG_PREPAY);
        joined[h] = mdl_dcc_fleet_join(mdl_dcc_outbox_of(d, h % 2), 3000 + h, (int)(h % 3), f);
        assert_int_equal(joined[h], f);   /* day 0 is before half_hourly_from: no half-hourly bit */
        if (h % 8 >= 3 || h % 8 == 0)   /* (the 54 with h % 8 in 1..2 leave; 157 stay) */
            mdl_dcc_fleet_join(mdl_dcc_outbox_of(ref, h % 2), 3000 + h, (int)(h % 3), f);
    }
    test_dcc_run_day(d, 0);
    test_dcc_run_day(ref, 0);
    uint64_t left = 0;
    for (uint64_t h = 0; h < 211; h++)
        if (h % 8 == 1 || h % 8 == 2) {
            mdl_dcc_fleet_leave(mdl_dcc_outbox_of(d, (h + 1) % 2), 3000 + h, (int)(h % 3), joined[h]);
            left++;
            if (h % 5 == 1) {   /* back with the other payment mode (the half-hourly bit as it joined) */
                unsigned f = joined[h] ^ MDL_DCC_FLAG_PREPAY;
                mdl_dcc_fleet_rejoin(mdl_dcc_outbox_of(d, h % 2), 3000 + h, (int)(h % 3), f);
                mdl_dcc_fleet_rejoin(mdl_dcc_outbox_of(ref, h % 2), 3000 + h, (int)(h % 3), f);
            }
        }
    assert_int_equal(left, 54);
    for (uint64_t h = 0; h < 53; h++) {
        unsigned f = h % 3 ? MDL_DCC_FLAG_GAS : 0u;
        assert_int_equal(mdl_dcc_fleet_join(mdl_dcc_outbox_of(d, h % 2), 9000 + h, (int)(h % 3), f),
                         f | MDL_DCC_FLAG_HALF_HOURLY);
        mdl_dcc_fleet_join(mdl_dcc_outbox_of(ref, h % 2), 9000 + h, (int)(h % 3), f);
    }
    test_dcc_run_day(d, 1);
    test_dcc_run_day(ref, 1);
    test_dcc_run_day(d, 2);
    test_dcc_run_day(ref, 2);
    assert_true(same_schedule(d, ref));
    sim_err err = {0};
    assert_int_equal(mdl_dcc_check(d, &err), 0);
    uint64_t h1[MDL_N_REGIONS], m1[MDL_N_REGIONS], p1[MDL_N_REGIONS], h2[MDL_N_REGIONS], m2[MDL_N_REGIONS],
        p2[MDL_N_REGIONS], hubs = 0;
    mdl_dcc_fleet_counts(d, h1, m1, p1);
    mdl_dcc_fleet_counts(ref, h2, m2, p2);
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        assert_int_equal(h1[r], h2[r]);
        assert_int_equal(m1[r], m2[r]);
        assert_int_equal(p1[r], p2[r]);
        hubs += h1[r];
    }
    assert_int_equal(hubs, 157 + 11 + 53);   /* stayed, rejoined, joined on day 1 */
    mdl_dcc_free(d);
    mdl_dcc_free(ref);
    /* A leave without its join: the fleet would drop below its initial part. */
    d = test_dcc_make(sc, 1);
    mdl_dcc_fleet_leave(mdl_dcc_outbox_of(d, 0), 42, MDL_REGION_SOUTH, MDL_DCC_FLAG_GAS);
    test_dcc_run_day(d, 0);
    assert_int_equal(mdl_dcc_check(d, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "a leave without its join"));
    /* A region out of range fails the day, as a join's does. */
    mdl_dcc_fleet_leave(mdl_dcc_outbox_of(d, 0), 43, 5, 0);
    assert_int_equal(mdl_dcc_day(d, 1, 1, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "out of range"));
    mdl_dcc_free(d);
    /* A leave with another half-hourly bit than its join's: the counts come
     * back, the histogram does not (the join's daily reads stay, the
     * half-hourly kind goes below zero). */
    d = test_dcc_make(sc, 1);
    unsigned f = mdl_dcc_fleet_join(mdl_dcc_outbox_of(d, 0), 44, MDL_REGION_NORTH, MDL_DCC_FLAG_GAS);
    test_dcc_run_day(d, 0);
    assert_int_equal(mdl_dcc_check(d, &err), 0);
    mdl_dcc_fleet_leave(mdl_dcc_outbox_of(d, 0), 44, MDL_REGION_NORTH, f | MDL_DCC_FLAG_HALF_HOURLY);
    test_dcc_run_day(d, 1);
    assert_int_equal(mdl_dcc_check(d, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "scheduled reads by minute sum"));
    mdl_dcc_free(d);
    free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_only_from_joined),
        cmocka_unit_test(test_fleet_leave),
        cmocka_unit_test(test_install_messages),
        cmocka_unit_test(test_message_counts),
        cmocka_unit_test(test_conservation),
        cmocka_unit_test(test_aggregate_vs_request_level),
        cmocka_unit_test(test_erlang_c),
        cmocka_unit_test(test_hist_merge),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_deferred_day),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_fluid_closed_form),
        cmocka_unit_test(test_detail_threads),
        cmocka_unit_test(test_detail_threads_shortest_retry),
        cmocka_unit_test(test_detail_threads_events),
        cmocka_unit_test(test_detail_short_timeout),
        cmocka_unit_test(test_totals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
