/*
 * test_fleet.c — life after the install (rollout.fleet) on whole runs:
 * conservation (households by state sum to the population and the
 * traditional-mode stock by cause sums to the traditional state, every
 * day; the model's invariant check), determinism across thread counts,
 * the switching hazard against its Poisson bound, the tenancy history's
 * empty share against its binomial bound, SMETS1 lost on switching
 * only when the gaining supplier cannot operate it, migrated meters
 * surviving a switch, repair visits taking installer days from new
 * installs, and property references reducing two-visit dual-fuel jobs.
 * With the DCC: its read fleet equals the households sending reads every
 * day (faults leave it, repairs rejoin it), and hub faults cut the
 * scheduled reads offered by the off-air hub-days they cause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_common.h"
#include "mdl_dcc_testing.h"
#include "mdl_household.h"
#include "mdl_rollout.h"
#include "mdl_scenario.h"
#include "sim_draw.h"
#include "test_support.h"

static const char *const base_text =
    "run = { start = \"2012-01-01\"; end = \"2024-12-31\"; seed = 31; households = 5003; shards = 8; };\n"
    "rollout = { fleet = { enabled = true; }; suppliers = ("
    " { name = \"a\"; share = 0.3; smets1_family = 0; }, { name = \"b\"; share = 0.25; smets1_family = 1; },"
    " { name = \"c\"; share = 0.25; smets1_family = 2; }, { name = \"d\"; share = 0.2; smets1_family = 3; } ); };\n";

static mdl_scenario *load(const char *const *ov, size_t n_ov)
{
    static mdl_scenario sc;
    return test_load_text(&sc, base_text, ov, n_ov);
}

typedef struct fleet_run {
    int64_t days;
    uint64_t (*ev)[MDL_FLEET_N_EVENTS];   /* [days] cumulative events */
    mdl_rollout_totals *tot;              /* [days] */
    double exposure_days;                 /* household-days with smart meters */
} fleet_run;

static void run(const mdl_scenario *sc, int threads, fleet_run *out)
{
    sim_err err;
    sim_err_clear(&err);
    sim_engine *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards, 1024, &err);
    assert_non_null(e);
    sim_engine_set_always_parallel(e, threads > 1);
    mdl_rollout *r = mdl_rollout_alloc(sc, e, NULL, NULL, threads, &err);
    if (!r)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(r);
    out->days = mdl_scenario_days(sc);
    out->ev = calloc((size_t)out->days, sizeof *out->ev);
    out->tot = calloc((size_t)out->days, sizeof *out->tot);
    out->exposure_days = 0;
    assert_non_null(out->ev);
    for (int64_t d = 0; d < out->days; d++) {
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(d), sim_time_from_days(d + 1), threads, &err), 0);
        assert_int_equal(mdl_rollout_day_end(r, d, &err), 0);
        mdl_rollout_totals *t = &out->tot[d];
        mdl_rollout_get_totals(r, t);
        int64_t cause[MDL_FLEET_N_CAUSES];
        mdl_rollout_fleet_totals(r, out->ev[d], cause);
        uint64_t sum = 0;
        int64_t by_cause = 0;
        for (int s = 0; s < MDL_ROLLOUT_N_STATES; s++)
            sum += t->by_state[s];
        for (int c = 0; c < MDL_FLEET_N_CAUSES; c++) {
            assert_true(cause[c] >= 0);
            by_cause += cause[c];
        }
        assert_int_equal(sum, (uint64_t)sc->run.households);                  /* conservation */
        assert_int_equal(by_cause, (int64_t)t->by_state[MDL_HH_TRADITIONAL]);  /* stock by cause */
        out->exposure_days += (double)(t->by_state[MDL_HH_SMETS1] + t->by_state[MDL_HH_TRADITIONAL] +
                                       t->by_state[MDL_HH_PARTIAL] + t->by_state[MDL_HH_SMART]);
        if (d % 211 == 0) {
            int rc = mdl_rollout_check(r, &err);
            if (rc)
                fprintf(stderr, "day %lld: %s\n", (long long)d, err.msg);
            assert_int_equal(rc, 0);
        }
    }
    assert_int_equal(mdl_rollout_check(r, &err), 0);
    mdl_rollout_free(r);
    sim_engine_free(e);
}

static void run_free(fleet_run *f)
{
    free(f->ev);
    free(f->tot);
}

static uint64_t ev_end(const fleet_run *f, const char *name)
{
    int k = mdl_rollout_fleet_event_index(name);
    assert_true(k >= 0);
    return f->ev[f->days - 1][k];
}

static int64_t day_of(const mdl_scenario *sc, int y, int m, int d)
{
    return sim_days_from_civil(y, m, d) - sc->run.start_day;
}

/* Every process on: conservation every day (in run), and the same result
 * on 1 and 2 threads. */
static void test_conservation_determinism(void **state)
{
    (void)state;
    const char *ov[] = {"rollout.fleet.prn.unlinked_share=0.1", "rollout.fleet.hub_replacement.smets1_share=[0.5,0.5,0.5]",
                        "rollout.fleet.hub_replacement.smets2_share=[0.2,0.2,0.2]"};
    mdl_scenario *sc = load(ov, 3);
    fleet_run a, b;
    run(sc, 1, &a);
    run(sc, 2, &b);
    for (int64_t d = 0; d < a.days; d++) {
        assert_memory_equal(a.ev[d], b.ev[d], sizeof a.ev[d]);
        assert_memory_equal(a.tot[d].by_state, b.tot[d].by_state, sizeof a.tot[d].by_state);
    }
    /* every process happened */
    const char *must[] = {"switches", "lost_on_switching", "moves", "reoccupied", "fault_hub", "fault_han",
                          "remote_fixes", "repair_visits", "migrations", "tariff_pushes", "hub_swap_visits",
                          "prn_one_fuel_visits"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        if (ev_end(&a, must[i]) == 0)
            fprintf(stderr, "no %s\n", must[i]);
        assert_true(ev_end(&a, must[i]) > 0);
    }
    run_free(&a);
    run_free(&b);
}

/* The switching hazard (constant rate, no other hazard): switches ~
 * Poisson(rate x exposure); exposure counts every household-day with smart
 * meters (slightly more than the hazard's, which pauses during visits). */
static void test_switching_poisson(void **state)
{
    (void)state;
    const char *ov[] = {"rollout.fleet.switching.annual_rate=[0.25]", "rollout.fleet.tenancy.annual_rate=0",
                        "rollout.fleet.faults.hub_rate=[0,0,0]", "rollout.fleet.faults.elec_rate=[0,0,0]",
                        "rollout.fleet.faults.gas_rate=[0,0,0]", "rollout.fleet.faults.han_rate=[0,0,0]",
                        "rollout.fleet.switching.replace_prob=0"};
    mdl_scenario *sc = load(ov, 7);
    fleet_run a;
    run(sc, 1, &a);
    double mean = 0.25 / 365.25 * a.exposure_days, n = (double)ev_end(&a, "switches");
    /* 4 sigma, and up to 3 % fewer for the days hazards pause (visits pending) */
    assert_true(n <= mean + 4 * sqrt(mean));
    assert_true(n >= 0.97 * mean - 4 * sqrt(mean));
    run_free(&a);
}

/* 06: every home's tenancy history is an alternating renewal process
 * (occupied floor(Exp(m)) days, empty 1 + floor(Exp(v)) days), independent
 * across homes: the share empty on a late day is binomial around
 * E[empty] / (E[empty] + E[occupied]), E[floor(Exp(x))] = 1 / (e^(1/x) - 1). */
static void test_tenancy_vacancy_share(void **state)
{
    (void)state;
    const char *ov[] = {"run.households=40009", "rollout.fleet.tenancy.annual_rate=0.5",
                        "rollout.fleet.tenancy.vacancy_mean_days=60"};
    mdl_scenario *sc = load(ov, 3);
    sim_err err;
    sim_err_clear(&err);
    sim_engine *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards, 1024, &err);
    mdl_rollout *r = mdl_rollout_alloc(sc, e, NULL, NULL, 1, &err);
    assert_non_null(r);
    double m = 365.25 / 0.5, v = 60;
    double fo = 1.0 / expm1(1.0 / m), fv = 1.0 + 1.0 / expm1(1.0 / v);
    double p = fv / (fv + fo), n = (double)sc->run.households;
    for (int64_t day = 3000; day <= 4500; day += 1500) {   /* two days far apart, far from the start */
        double empty = 0;
        for (uint64_t id = 0; id < (uint64_t)sc->run.households; id++) {
            int occ = mdl_rollout_test_occupancy(r, id, day);
            assert_true(occ >= 0);
            empty += occ == 1;
        }
        double sd = sqrt(n * p * (1 - p));
        fprintf(stderr, "day %lld: %.0f empty, expected %.1f +- %.1f\n", (long long)day, empty, n * p, sd);
        assert_true(fabs(empty - n * p) < 4 * sd);
    }
    mdl_rollout_free(r);
    sim_engine_free(e);
}

/* 06: the occupancy the model reads (a shortcut without a log for the
 * current spell, the walk resumed from the home's last vacancy seen, the
 * move-out day kept in the household's fleet state) is
 * exactly the renewal process walked from the start, for every home and
 * day tried, asked in time order and backwards: the walk
 * written out here from its stated stream (seed, home, MDL_RNG_FLEET |
 * 15 << 8), at the GB rate and at a high one (most homes past their first
 * move), on days from the first to past the end. */
static int walk_occupancy(uint64_t seed, uint64_t id, int64_t day, double rate, double vac, double new_days)
{
    sim_rng_stream s;
    sim_rng_stream_init(&s, seed, id, MDL_RNG_FLEET | 15u << 8);
    double t = 0;
    int64_t last_in = INT64_MIN / 2;
    for (int k = 0; k < 4096; k++) {
        t += -log(sim_draw_u01(&s)) * (365.25 / rate);
        int64_t o = (int64_t)floor(t);
        if (o > day)
            return (double)(day - last_in) < new_days ? 2 : 0;
        int64_t in = o + 1 + (int64_t)floor(-log(sim_draw_u01(&s)) * vac);
        if (in > day)
            return 1;
        last_in = in;
        t = (double)in;
    }
    return 0;
}

static void test_tenancy_exact(void **state)
{
    (void)state;
    static const char *const rates[] = {"rollout.fleet.tenancy.annual_rate=0.09", "rollout.fleet.tenancy.annual_rate=0.7"};
    for (size_t k = 0; k < 2; k++) {
        const char *ov[] = {"run.households=3001", rates[k], "rollout.fleet.tenancy.vacancy_mean_days=40",
                            "rollout.fleet.tenancy.new_occupier_days=90"};
        mdl_scenario *sc = load(ov, 4);
        sim_err err;
        sim_err_clear(&err);
        sim_engine *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards, 1024, &err);
        mdl_rollout *r = mdl_rollout_alloc(sc, e, NULL, NULL, 1, &err);
        assert_non_null(r);
        int64_t days = mdl_scenario_days(sc);
        uint64_t n_by[3] = {0};
        for (uint64_t id = 0; id < (uint64_t)sc->run.households; id++)
            for (int64_t day = (int64_t)(id % 7); day < days + 100; day += 13) {
                int want = walk_occupancy((uint64_t)sc->run.seed, id, day, k ? 0.7 : 0.09, 40, 90);
                int got = mdl_rollout_test_occupancy(r, id, day);
                if (got != want)
                    fprintf(stderr, "home %llu, day %lld: occupancy %d, the walk says %d\n", (unsigned long long)id,
                            (long long)day, got, want);
                assert_int_equal(got, want);
                n_by[want]++;
            }
        /* and backwards (a question before the last one a home was asked walks from the start) */
        for (uint64_t id = 0; id < (uint64_t)sc->run.households; id += 3)
            for (int64_t day = days + 99; day >= 0; day -= 101)
                assert_int_equal(mdl_rollout_test_occupancy(r, id, day),
                                 walk_occupancy((uint64_t)sc->run.seed, id, day, k ? 0.7 : 0.09, 40, 90));
        assert_true(n_by[0] > 0 && n_by[1] > 0 && n_by[2] > 0);   /* every case was met */
        mdl_rollout_free(r);
        sim_engine_free(e);
    }
}

/* SMETS1 goes traditional on switching only when the gaining supplier cannot operate it. */
static void test_smets1_switching_rule(void **state)
{
    (void)state;
    const char *all_ops[] = {"rollout.fleet.switching.operate_other_prob=1"};
    fleet_run a;
    run(load(all_ops, 1), 1, &a);
    assert_true(ev_end(&a, "switches") > 500);
    assert_int_equal(ev_end(&a, "lost_on_switching"), 0);
    run_free(&a);
    const char *none_ops[] = {"rollout.fleet.switching.operate_other_prob=0"};
    fleet_run b;
    run(load(none_ops, 1), 1, &b);
    assert_true(ev_end(&b, "lost_on_switching") > 100);
    run_free(&b);
    /* one family for every supplier: every gaining supplier can operate it */
    const char *one_family[] = {"rollout.fleet.switching.operate_other_prob=0", "rollout.suppliers.[1].smets1_family=0",
                                "rollout.suppliers.[2].smets1_family=0", "rollout.suppliers.[3].smets1_family=0"};
    fleet_run c;
    run(load(one_family, 4), 1, &c);
    assert_int_equal(ev_end(&c, "lost_on_switching"), 0);
    run_free(&c);
}

/* A migrated meter survives a switch: with every SMETS1 migrated by mid
 * 2020 (ample capacity, nobody never migrates, SMETS1 installs ending
 * 2018), no SMETS1 is lost on switching afterwards, while switching goes on. */
static void test_migrated_survives_switch(void **state)
{
    (void)state;
    const char *ov[] = {"rollout.fleet.switching.operate_other_prob=0", "rollout.fleet.switching.annual_rate=[0.3]",
                        "rollout.fleet.migration.cohort_start=[\"2019-01-01\",\"2019-01-01\",\"2019-01-01\",\"2019-01-01\"]",
                        "rollout.fleet.migration.monthly_capacity_per_10k=10000", "rollout.fleet.migration.never_share=0",
                        "rollout.fleet.switching.replace_prob=0"};
    mdl_scenario *sc = load(ov, 6);
    fleet_run a;
    run(sc, 1, &a);
    int64_t d0 = day_of(sc, 2020, 7, 1);
    int lost = mdl_rollout_fleet_event_index("lost_on_switching"), sw = mdl_rollout_fleet_event_index("switches");
    uint64_t after = a.ev[a.days - 1][lost] - a.ev[d0][lost];
    assert_true(a.ev[d0][lost] > 100);                            /* lost before migration */
    /* after: only the few SMETS1 installed late (booked before the cut-over,
     * rebooked) that switch before their migration day */
    assert_true(after * 10 < a.ev[d0][lost]);
    assert_true(a.ev[a.days - 1][sw] > a.ev[d0][sw] + 500);       /* while switching continues */
    assert_true(ev_end(&a, "migrations") > 0);
    run_free(&a);
}

/* Repairs take installer days: a fault-heavy run installs fewer meters by
 * the end of 2018 on the same seed and workforce. */
static void test_repairs_compete_for_installers(void **state)
{
    (void)state;
    const char *calm[] = {"rollout.fleet.faults.remote_fix_prob=[0,0,0,0]"};
    const char *heavy[] = {"rollout.fleet.faults.remote_fix_prob=[0,0,0,0]", "rollout.fleet.faults.hub_rate=[1.5,1.5,1.5]",
                           "rollout.fleet.faults.elec_rate=[1.5,1.5,1.5]"};
    mdl_scenario *sc = load(calm, 1);
    int64_t d = day_of(sc, 2018, 12, 31);
    fleet_run a, b;
    run(sc, 1, &a);
    run(load(heavy, 3), 1, &b);
    assert_true(b.ev[d][mdl_rollout_fleet_event_index("repair_visits")] >
                5 * a.ev[d][mdl_rollout_fleet_event_index("repair_visits")]);
    assert_true(b.tot[d].meters_installed < a.tot[d].meters_installed);
    run_free(&a);
    run_free(&b);
}

/* Property references from 2015: fewer one-fuel visits, second visits and aborts. */
static void test_property_references(void **state)
{
    (void)state;
    const char *off[] = {"rollout.fleet.prn.unlinked_share=0.3"};
    const char *on[] = {"rollout.fleet.prn.unlinked_share=0.3", "rollout.fleet.prn.from=\"2015-01-01\"",
                        "rollout.fleet.prn.unlinked_share_after=0.03"};
    fleet_run a, b;
    run(load(off, 1), 1, &a);
    run(load(on, 3), 1, &b);
    const char *k[] = {"prn_one_fuel_visits", "prn_second_visits", "prn_aborts"};
    for (int i = 0; i < 3; i++) {
        fprintf(stderr, "%s: %llu without references, %llu with\n", k[i], (unsigned long long)ev_end(&a, k[i]),
                (unsigned long long)ev_end(&b, k[i]));
        assert_true(ev_end(&b, k[i]) * 2 < ev_end(&a, k[i]));
    }
    assert_true(ev_end(&a, "prn_second_visits") > 50);
    run_free(&a);
    run_free(&b);
}

/* 03: a day's tariff pushes counted by minute are exactly the minutes of
 * the pushes one by one (windows over midnight, a zero span, one push,
 * more pushes than microseconds in a minute's share). */
static void test_tariff_spread(void **state)
{
    (void)state;
    static const struct { double start_h, span_s; int64_t n; } cases[] = {
        {20.0, 4 * 3600.0, 1}, {20.0, 4 * 3600.0, 7}, {20.0, 4 * 3600.0, 99991}, {23.5, 3 * 3600.0, 12345},
        {1.25, 0.0, 500}, {0.0, 86399.0, 1440}, {9.99, 61.0, 200003}, {6.0, 7 * 3600.0, 3}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sim_time base = sim_time_from_hours(cases[c].start_h);
        int64_t n = cases[c].n, k = 0, runs = 0;
        while (k < n) {
            int64_t u, e = mdl_fleet_spread_run(base, cases[c].span_s, n, k, &u);
            assert_true(e > k && e <= n);
            for (int64_t j = k; j < e; j++)   /* every push of the run is in minute u ... */
                assert_int_equal((base + (sim_time)((double)j / (double)n * cases[c].span_s * 1e6)) / SIM_US_PER_MIN, u);
            if (e < n)                         /* ... and the next is not */
                assert_true((base + (sim_time)((double)e / (double)n * cases[c].span_s * 1e6)) / SIM_US_PER_MIN > u);
            k = e;
            runs++;
        }
        assert_true(runs <= (int64_t)(cases[c].span_s / 60.0) + 2);   /* a run per minute at most */
    }
}

/* ---- the DCC's read fleet --------------------------------------------------------- */
typedef struct reads_run {
    int64_t days;
    double *reads;      /* [days] scheduled reads offered (daily + half-hourly data), all regions */
    uint64_t *hubs;     /* [days] the read fleet's hubs at the day's end, all regions */
    uint64_t *meters;   /* [days] ... meters */
    uint64_t drops;     /* days on which some region's read fleet shrank */
} reads_run;

/* A whole run with the DCC: every day the DCC's read fleet (less its
 * initial fleet) equals the households sending reads, region by region
 * (hubs, meters, prepayment hubs), the fleet's own sums hold, and the
 * reads offered on a day are the meters in the fleet at the end of the
 * day before. */
static void run_reads(const mdl_scenario *sc, int threads, reads_run *out)
{
    sim_err err;
    sim_err_clear(&err);
    size_t shards = (size_t)sc->run.shards;
    sim_engine *e = sim_engine_alloc(mdl_rollout_model(), shards, 1024, &err);
    assert_non_null(e);
    sim_engine_set_always_parallel(e, threads > 1);
    mdl_dcc *d = test_dcc_make(sc, shards);
    mdl_rollout *r = mdl_rollout_alloc(sc, e, d, NULL, threads, &err);
    assert_non_null(r);
    out->days = mdl_scenario_days(sc);
    out->reads = calloc((size_t)out->days, sizeof *out->reads);
    out->hubs = calloc((size_t)out->days, sizeof *out->hubs);
    out->meters = calloc((size_t)out->days, sizeof *out->meters);
    assert_true(out->reads && out->hubs && out->meters);
    out->drops = 0;
    uint64_t prev_h[MDL_N_REGIONS] = {0}, prev_m = 0;
    for (int64_t day = 0; day < out->days; day++) {
        assert_int_equal(sim_engine_run_window(e, sim_time_from_days(day), sim_time_from_days(day + 1), threads, &err), 0);
        assert_int_equal(mdl_rollout_day_end(r, day, &err), 0);
        test_dcc_run_day(d, day);
        int rc = mdl_dcc_check(d, &err);
        if (rc)
            fprintf(stderr, "day %lld: %s\n", (long long)day, err.msg);
        assert_int_equal(rc, 0);
        uint64_t h[MDL_N_REGIONS], m[MDL_N_REGIONS], p[MDL_N_REGIONS], dh[MDL_N_REGIONS], dm[MDL_N_REGIONS],
            dp[MDL_N_REGIONS];
        mdl_rollout_fleet_reads(r, h, m, p);
        mdl_dcc_fleet_counts(d, dh, dm, dp);
        const mdl_dcc_dayres *res = mdl_dcc_last_day(d);
        double offered = 0;
        for (int g = 0; g < MDL_N_REGIONS; g++) {
            if (h[g] != dh[g] || m[g] != dm[g] || p[g] != dp[g])
                fprintf(stderr, "day %lld region %d: sending %llu/%llu/%llu, fleet %llu/%llu/%llu\n", (long long)day,
                        g, (unsigned long long)h[g], (unsigned long long)m[g], (unsigned long long)p[g],
                        (unsigned long long)dh[g], (unsigned long long)dm[g], (unsigned long long)dp[g]);
            assert_int_equal(h[g], dh[g]);
            assert_int_equal(m[g], dm[g]);
            assert_int_equal(p[g], dp[g]);
            out->hubs[day] += h[g];
            out->meters[day] += m[g];
            offered += res->requests[MDL_DCC_SVC_READ_DAILY][g] + res->requests[MDL_DCC_SVC_READ_HH][g];
            out->drops += day > 0 && h[g] < prev_h[g];
            prev_h[g] = h[g];
        }
        assert_true(offered == (double)prev_m);   /* today's reads: the fleet at yesterday's end */
        prev_m = out->meters[day];
        out->reads[day] = offered;
        if (day % 365 == 364)
            assert_int_equal(mdl_rollout_check(r, &err), 0);
    }
    assert_int_equal(mdl_rollout_check(r, &err), 0);
    mdl_rollout_free(r);
    mdl_dcc_free(d);
    sim_engine_free(e);
}

static void reads_free(reads_run *x)
{
    free(x->reads);
    free(x->hubs);
    free(x->meters);
}

/* Every fault kind often (half of them fixed remotely, half by a visit),
 * dual fuel, moves with payment-mode changes, switching, SMETS1
 * migration and the 2G/3G programme: the read fleet follows the
 * households every day (run_reads), it shrinks on many days (leaves
 * happen), and the same on 1 and 3 threads. */
static void test_read_fleet_conservation(void **state)
{
    (void)state;
    const char *ov[] = {"run.end=\"2021-12-31\"", "rollout.fleet.faults.hub_rate=[0.5,0.5,0.5]",
                        "rollout.fleet.faults.elec_rate=[0.3,0.3,0.3]", "rollout.fleet.faults.gas_rate=[0.3,0.3,0.3]",
                        "rollout.fleet.faults.han_rate=[0.5,0.5,0.5]",
                        "rollout.fleet.faults.remote_fix_prob=[0.5,0.5,0.5,0.5]",
                        "rollout.fleet.tenancy.annual_rate=0.3", "rollout.fleet.tenancy.to_prepay_prob=0.3",
                        "rollout.fleet.hub_replacement.start=[\"2020-01-01\",\"2020-01-01\",\"2020-01-01\"]",
                        "rollout.fleet.hub_replacement.smets2_share=[0.3,0.3,0.3]",
                        "dcc.half_hourly_from=\"2019-06-01\""};
    mdl_scenario *sc = load(ov, sizeof ov / sizeof ov[0]);
    reads_run a, b;
    run_reads(sc, 1, &a);
    run_reads(sc, 3, &b);
    fprintf(stderr, "read fleet at the end: %llu hubs, %llu meters; %llu region-days it shrank\n",
            (unsigned long long)a.hubs[a.days - 1], (unsigned long long)a.meters[a.days - 1],
            (unsigned long long)a.drops);
    assert_true(a.hubs[a.days - 1] > 1000);
    assert_true(a.drops > 300);
    assert_memory_equal(a.reads, b.reads, (size_t)a.days * sizeof *a.reads);
    assert_memory_equal(a.meters, b.meters, (size_t)a.days * sizeof *a.meters);
    reads_free(&a);
    reads_free(&b);
}

/* Hub faults fixed remotely only (no visits, so the install paths are
 * the same with and without them), SMETS2 only (no migration queue),
 * nobody moving (hazards never pause): each hub in the read fleet
 * alternates between on air for floor(Exp(1 / lambda)) days (the fault
 * hazard inverted to a day, at least 1) and off for K = 1 + floor(Exp(mu))
 * days (the remote fix; a hub that leaves on day t misses days t+1 .. t+K
 * and sends again from t+K+1).  So the reads offered fall by
 * p_off = E[K] / (E[on] + E[K]) of the fault-free run's, with
 * E[floor(Exp(x))] = 1 / (e^(1/x) - 1).  Spread: the missed reads are a
 * compound sum over episodes (Poisson, mean lambda x on-air hub-days) of
 * K x meters, variance E[N] E[K^2] E[m^2] (m = 1 or 2 meters: E[m^2] =
 * 3 E[m] - 2).  Tolerance 4 sigma plus 2 % for the start (every hub
 * starts on air, so the first months run slightly below p_off). */
static void test_faults_cut_reads(void **state)
{
    (void)state;
    const char *common[] = {"run.start=\"2019-01-01\"", "run.end=\"2023-12-31\"",
                            "rollout.fleet.tenancy.annual_rate=0", "rollout.fleet.faults.elec_rate=[0,0,0]",
                            "rollout.fleet.faults.gas_rate=[0,0,0]", "rollout.fleet.faults.han_rate=[0,0,0]",
                            "rollout.fleet.faults.remote_fix_prob=[1,0,0,0]", "rollout.fleet.faults.remote_fix_days=20"};
    const double rate = 2.0, mu = 20.0;
    const char *ov[9];
    memcpy(ov, common, sizeof common);
    ov[8] = "rollout.fleet.faults.hub_rate=[0,0,0]";
    reads_run a, b;
    run_reads(load(ov, 9), 1, &a);
    ov[8] = "rollout.fleet.faults.hub_rate=[2,2,2]";
    run_reads(load(ov, 9), 1, &b);
    double ra = 0, rb = 0, hub_days = 0, meter_days = 0;
    for (int64_t d = 0; d < a.days; d++) {
        ra += a.reads[d];
        rb += b.reads[d];
        hub_days += (double)a.hubs[d];
        meter_days += (double)a.meters[d];
    }
    double lam = rate / 365.25, q = exp(-1.0 / mu);
    double ek = 1.0 + q / (1.0 - q), ek2 = q / ((1.0 - q) * (1.0 - q)) + ek * ek;
    double eon = 1.0 / expm1(lam), p_off = ek / (eon + ek);
    double em = meter_days / hub_days, episodes = lam * hub_days * (1.0 - p_off);
    double expect = p_off * ra, sd = sqrt(episodes * ek2 * (3.0 * em - 2.0));
    fprintf(stderr, "scheduled reads: %.0f without faults, %.0f with: %.0f fewer, expected %.0f +- %.0f (p_off %.4f)\n",
            ra, rb, ra - rb, expect, sd, p_off);
    assert_true(ra > 1e6);
    assert_true(fabs((ra - rb) - expect) < 4.0 * sd + 0.02 * expect);
    reads_free(&a);
    reads_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conservation_determinism),
        cmocka_unit_test(test_switching_poisson),
        cmocka_unit_test(test_tenancy_vacancy_share),
        cmocka_unit_test(test_tenancy_exact),
        cmocka_unit_test(test_smets1_switching_rule),
        cmocka_unit_test(test_migrated_survives_switch),
        cmocka_unit_test(test_repairs_compete_for_installers),
        cmocka_unit_test(test_property_references),
        cmocka_unit_test(test_tariff_spread),
        cmocka_unit_test(test_read_fleet_conservation),
        cmocka_unit_test(test_faults_cut_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
