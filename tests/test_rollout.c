/*
 * test_rollout.c — the rollout model: schema defaults and checks, household
 * generation, each visit step and failure consequence (mdl_visit_run on
 * hand-set parameters), and whole runs on the engine: conservation,
 * invariants, a binomial check of no-access, WAN-later remote
 * commissioning on the coverage day, determinism across thread counts, and
 * the /rollout HDF5 output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdl_household.h"
#include "mdl_rollout.h"
#include "mdl_scenario.h"
#include "test_support.h"
#include "mdl_visit.h"

/* The DCC outbox is NULL in these tests (dcc = NULL), so nothing is sent;
 * weak stand-ins let this file link before or without mdl_dcc.c (the real
 * ones win when linked). */
__attribute__((weak)) unsigned mdl_dcc_fleet_join(mdl_dcc_outbox *o, uint64_t h, int r, unsigned f)
{
    (void)o, (void)h, (void)r;
    return f;
}
__attribute__((weak)) void mdl_dcc_fleet_leave(mdl_dcc_outbox *o, uint64_t h, int r, unsigned f)
{
    (void)o, (void)h, (void)r, (void)f;
}
__attribute__((weak)) void mdl_dcc_fleet_rejoin(mdl_dcc_outbox *o, uint64_t h, int r, unsigned f)
{
    (void)o, (void)h, (void)r, (void)f;
}
__attribute__((weak)) void mdl_dcc_message(mdl_dcc_outbox *o, int r, int m, sim_time t) { (void)o, (void)r, (void)m, (void)t; }
__attribute__((weak)) mdl_dcc_outbox *mdl_dcc_outbox_of(mdl_dcc *d, size_t s)
{
    (void)d, (void)s;
    return NULL;
}

static const char *const base_text =
    "run = { start = \"2012-01-01\"; end = \"2025-12-31\"; seed = 7; households = 6007; shards = 8; };\n";

static mdl_scenario *load(const char *const *ov, size_t n_ov)
{
    static mdl_scenario sc;
    return test_load_text(&sc, base_text, ov, n_ov);
}

/* ---- schema ------------------------------------------------------------------ */
static void test_defaults(void **state)
{
    (void)state;
    mdl_scenario *sc = load(NULL, 0);
    const mdl_rollout_params *p = &sc->rollout;
    assert_int_equal(p->n_suppliers, 6);
    double s = 0;
    for (size_t i = 0; i < p->n_suppliers; i++)
        s += p->suppliers[i].share;
    assert_true(fabs(s - 1) < 1e-9);
    assert_int_equal(p->timetable.n_phases, 5);
    assert_true(fabs(p->timetable.phases[2].effort - 0.14) < 1e-12);
    assert_int_equal(p->population.n_region_shares, 3);
    assert_true(fabs(p->visit.no_access_prob - 0.10) < 1e-12);
    assert_int_equal(p->visit.wan.consequence, MDL_CONSEQ_RETRY);
    assert_int_equal(p->visit.han.consequence, MDL_CONSEQ_TRADITIONAL);
    assert_true(p->suppliers[0].n_ramp_dates == p->suppliers[0].n_ramp_levels);
}

static void expect_input_error(const char *ov, const char *needle)
{
    mdl_scenario sc;
    sim_err err;
    sim_err_clear(&err);
    const char *ovs[] = {ov};
    int rc = mdl_scenario_load_string(&sc, "test.cfg", base_text, ovs, 1, NULL, &err);
    assert_int_equal(rc, SIM_EINPUT);
    if (!strstr(err.msg, needle))
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, needle);
    assert_non_null(strstr(err.msg, needle));
}

static void test_schema_checks(void **state)
{
    (void)state;
    expect_input_error("rollout.population.region_shares=[0.5, 0.4, 0.3]", "sum");
    expect_input_error("rollout.population.region_shares=[0.5, 0.5]", "exactly 3");
    expect_input_error("rollout.suppliers=({name=\"a\"; share=0.5;}, {name=\"b\"; share=0.4;})", "sum");
    expect_input_error("rollout.suppliers=({name=\"a\"; share=0.5;}, {name=\"a\"; share=0.5;})", "named");
    expect_input_error("rollout.timetable.phases=({name=\"x\"; start=\"2015-01-01\";}, {name=\"y\"; start=\"2014-01-01\";})",
                       "date order");
    expect_input_error("rollout.timetable.smets1_cutover=\"2016-01-01\"", "smets2_start");
    expect_input_error("rollout.suppliers=({name=\"a\"; share=1.0; ramp_levels=[1.0];})", "ramp_dates");
    expect_input_error("rollout.wan.covered_final=[0.5, 0.99, 0.99]", "covered_at_start");
    expect_input_error("rollout.visit.no_access_prob=1.5", "no_access_prob");
    expect_input_error("rollout.visit.wan.consequence=\"pray\"", "consequence");
}

/* ---- households ------------------------------------------------------------ */
static void test_generate(void **state)
{
    (void)state;
    mdl_scenario *sc = load(NULL, 0);
    const int n = 40000;
    int dual = 0, region[3] = {0}, han_alt_high = 0, high = 0, never = 0, later = 0;
    mdl_household h, h2;
    for (int i = 0; i < n; i++) {
        mdl_household_generate(&sc->rollout, sc->run.start_day, 7, (uint64_t)i, &h);
        mdl_household_generate(&sc->rollout, sc->run.start_day, 7, (uint64_t)i, &h2);
        assert_memory_equal(&h, &h2, sizeof h);   /* a pure function of (seed, id) */
        dual += mdl_hh_dual(&h);
        region[mdl_hh_region(&h)]++;
        if (mdl_hh_dwelling(&h) == MDL_DWELLING_HIGH_RISE) {
            high++;
            han_alt_high += mdl_hh_han(&h) == MDL_HAN_ALTERNATIVE;
        } else {
            assert_true(mdl_hh_han(&h) != MDL_HAN_ALTERNATIVE || mdl_hh_dwelling(&h) == MDL_DWELLING_LOW_RISE);
        }
        assert_int_equal(h.stage, MDL_HH_LEGACY);
        assert_true(mdl_hh_supplier(&h) < 6);
        never += h.wan_day == MDL_DAY_NEVER;
        later += h.wan_day > 0 && h.wan_day != MDL_DAY_NEVER;
    }
    /* Binomial shares within 4 standard deviations, sd = sqrt(p(1-p)/n). */
    double p = 0.83, sd = sqrt(p * (1 - p) / n);
    assert_true(fabs((double)dual / n - p) < 4 * sd);
    p = 0.37, sd = sqrt(p * (1 - p) / n);
    assert_true(fabs((double)region[2] / n - p) < 4 * sd);
    p = 0.20, sd = sqrt(p * (1 - p) / high);
    assert_true(fabs((double)han_alt_high / high - p) < 4 * sd);
    /* never covered: 1 - 0.9925 in every region */
    p = 0.0075, sd = sqrt(p * (1 - p) / n);
    assert_true(fabs((double)never / n - p) < 4 * sd);
    assert_true(later > 0);
    assert_true(sizeof(mdl_household) <= 64);
}

/* ---- the visit, step by step ------------------------------------------------- */
static mdl_rollout_params quiet;   /* every failure probability 0 */

static void setup_quiet(void)
{
    const char *ov[] = {
        "rollout.visit.no_access_prob=0.0", "rollout.visit.refusal_on_day_prob=0.0",
        "rollout.visit.safety_abort_prob=0.0", "rollout.visit.wrong_variant_prob=0.0",
        "rollout.visit.exchange.fail_prob=0.0", "rollout.visit.hub.fail_prob=0.0",
        "rollout.visit.safety.fail_prob=0.0", "rollout.visit.wan.fail_prob=0.0",
        "rollout.visit.connectivity.fail_prob=0.0", "rollout.visit.configure.fail_prob=0.0",
        "rollout.visit.access_control.fail_prob=0.0", "rollout.visit.inventory.fail_prob=0.0",
        "rollout.visit.han_fail_prob=[0.0, 0.0, 0.0]", "rollout.visit.han_fail_prob_equipped=0.0",
    };
    quiet = load(ov, sizeof ov / sizeof ov[0])->rollout;
}

static mdl_household make_hh(int dual, int han, int32_t wan_day, int smets2)
{
    mdl_household h;
    memset(&h, 0, sizeof h);
    h.attrs = mdl_hh_pack_attrs(MDL_REGION_CENTRAL, MDL_DWELLING_HOUSE, dual, 0, han, 1);
    h.wan_day = wan_day;
    mdl_hh_set_smets2(&h, smets2);
    h.proc = MDL_PROC_BOOKED;
    h.stage = MDL_HH_ENGAGED;
    return h;
}

static mdl_visit_env env_for(const mdl_rollout_params *p, int32_t day, uint64_t id)
{
    return (mdl_visit_env){.p = p, .seed = 99, .id = id, .day = day, .dual_band_ok = 1, .alternative_ok = 1};
}

static void test_visit_success(void **state)
{
    (void)state;
    setup_quiet();
    mdl_household h = make_hh(1, MDL_HAN_24GHZ, 0, 1);
    mdl_visit_env env = env_for(&quiet, 3000, 5);
    mdl_visit_outcome o;
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.cause, MDL_CAUSE_NONE);
    assert_int_equal(o.next, MDL_NEXT_DONE);
    assert_int_equal(o.elec_installed, 1);
    assert_int_equal(o.gas_installed, 1);
    assert_int_equal(o.hub_installed, 1);
    assert_int_equal(o.hub_on_dcc, 1);
    assert_int_equal(o.configured, 1);
    assert_int_equal(o.revisit, 0);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_SMART);
    assert_int_equal(h.n_visit, 1);
    assert_true(o.minutes > quiet.visit.pre_work_minutes);
    /* SMETS1: working smart, hub not on the DCC, migration follows. */
    mdl_household h1 = make_hh(0, MDL_HAN_24GHZ, 0, 0);
    mdl_visit_run(&env, &h1, &o);
    assert_int_equal(o.next, MDL_NEXT_MIGRATE);
    assert_int_equal(o.hub_on_dcc, 0);
    assert_int_equal(o.gas_installed, 0);
    assert_int_equal(mdl_hh_hub(&h1), MDL_DEV_NOT_JOINED);
    assert_int_equal(mdl_hh_gas(&h1), MDL_DEV_LEGACY);
    assert_int_equal(mdl_hh_device_state(&h1, -1), MDL_HH_SMETS1);
}

static void test_visit_before_work(void **state)
{
    (void)state;
    setup_quiet();
    static const struct { size_t off; int cause, next; } cases[] = {
        {offsetof(mdl_rollout_visit, no_access_prob), MDL_CAUSE_NO_ACCESS, MDL_NEXT_REBOOK},
        {offsetof(mdl_rollout_visit, refusal_on_day_prob), MDL_CAUSE_REFUSAL, MDL_NEXT_RECONTACT},
        {offsetof(mdl_rollout_visit, safety_abort_prob), MDL_CAUSE_SAFETY, MDL_NEXT_REBOOK},
        {offsetof(mdl_rollout_visit, wrong_variant_prob), MDL_CAUSE_WRONG_VARIANT, MDL_NEXT_REBOOK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mdl_rollout_params p = quiet;
        *(double *)((char *)&p.visit + cases[i].off) = 1.0;
        mdl_household h = make_hh(1, MDL_HAN_24GHZ, 0, 1);
        mdl_visit_env env = env_for(&p, 3000, 11);
        mdl_visit_outcome o;
        mdl_visit_run(&env, &h, &o);
        assert_int_equal(o.cause, cases[i].cause);
        assert_int_equal(o.next, cases[i].next);
        assert_int_equal(o.elec_installed + o.gas_installed + o.hub_installed, 0);
        assert_int_equal(h.meters & 63u, 0);   /* old meters, no hub */
        assert_true(fabs(o.minutes - p.visit.pre_work_minutes) < 1e-9);
    }
    /* An exchange failure leaves the old meters and rebooks. */
    mdl_rollout_params p = quiet;
    p.visit.exchange.fail_prob = 1.0;
    mdl_household h = make_hh(1, MDL_HAN_24GHZ, 0, 1);
    mdl_visit_env env = env_for(&p, 3000, 12);
    mdl_visit_outcome o;
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.next, MDL_NEXT_REBOOK);
    assert_int_equal(mdl_hh_elec(&h), MDL_DEV_LEGACY);
}

static void test_visit_consequences(void **state)
{
    (void)state;
    setup_quiet();
    mdl_visit_outcome o;
    /* retry: 1 + retries attempts, each timed, then as traditional */
    mdl_rollout_params p = quiet;
    p.visit.configure = (mdl_rollout_step){.fail_prob = 1.0, .minutes = 7.0, .minutes_cv = 0, .consequence = MDL_CONSEQ_RETRY, .retries = 2};
    p.visit.access_control.minutes = 0;   /* steps after configure take no time, */
    p.visit.inventory.minutes = 0;        /* so the difference is the retries alone */
    mdl_rollout_params p0 = p;
    p0.visit.configure.fail_prob = 0.0;
    mdl_household h = make_hh(0, MDL_HAN_24GHZ, 0, 1), h0 = h;
    mdl_visit_env env = env_for(&p, 3000, 21), env0 = env_for(&p0, 3000, 21);
    mdl_visit_run(&env, &h, &o);
    mdl_visit_outcome o0;
    mdl_visit_run(&env0, &h0, &o0);
    assert_int_equal(o.cause, MDL_CAUSE_OTHER);
    assert_int_equal(o.next, MDL_NEXT_REVISIT);
    assert_true(fabs((o.minutes - o0.minutes) - 14.0) < 1e-6);   /* two extra 7-minute attempts */
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_TRADITIONAL);
    assert_true(h.fix & MDL_FIX_OTHER);
    /* the revisit redoes only what is missing, then the household is smart */
    mdl_visit_env env_ok = env_for(&quiet, 3030, 21);
    mdl_visit_run(&env_ok, &h, &o);
    assert_int_equal(o.revisit, 1);
    assert_int_equal(o.elec_installed, 0);
    assert_int_equal(o.hub_on_dcc, 1);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_SMART);
    /* abort after install: rebook */
    p = quiet;
    p.visit.access_control = (mdl_rollout_step){.fail_prob = 1.0, .minutes = 2, .consequence = MDL_CONSEQ_ABORT};
    h = make_hh(1, MDL_HAN_24GHZ, 0, 1);
    env = env_for(&p, 3000, 22);
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.next, MDL_NEXT_REBOOK);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_TRADITIONAL);
    /* WAN transient failure, traditional: the hub reconnects after wan_reconnect_days */
    p = quiet;
    p.visit.wan.fail_prob = 1.0;
    p.visit.wan.consequence = MDL_CONSEQ_TRADITIONAL;
    h = make_hh(1, MDL_HAN_24GHZ, 0, 1);
    env = env_for(&p, 3000, 23);
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.cause, MDL_CAUSE_WAN_FAILURE);
    assert_int_equal(o.next, MDL_NEXT_REMOTE);
    assert_int_equal(o.remote_day, 3000 + p.visit.wan_reconnect_days);
}

static void test_visit_wan_later(void **state)
{
    (void)state;
    setup_quiet();
    mdl_household h = make_hh(1, MDL_HAN_24GHZ, 3456, 1);
    mdl_visit_env env = env_for(&quiet, 3000, 31);
    mdl_visit_outcome o;
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.cause, MDL_CAUSE_WAN_FAILURE);
    assert_int_equal(o.next, MDL_NEXT_REMOTE);
    assert_int_equal(o.remote_day, 3456);
    assert_int_equal(o.elec_installed, 1);
    assert_int_equal(o.hub_on_dcc, 0);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_TRADITIONAL);
    assert_int_equal(mdl_hh_elec(&h), MDL_DEV_TRADITIONAL);   /* never a HAN join without a working hub */
    uint8_t visits = h.n_visit;
    env.day = 3456;
    mdl_visit_remote(&env, &h, &o);
    assert_int_equal(o.hub_on_dcc, 1);
    assert_int_equal(o.next, MDL_NEXT_DONE);
    assert_int_equal(h.n_visit, visits);   /* no visit */
    assert_true(o.minutes == 0);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_SMART);
    /* never covered: install and leave for good */
    h = make_hh(0, MDL_HAN_24GHZ, MDL_DAY_NEVER, 1);
    env.day = 3000;
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.next, MDL_NEXT_DONE);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_TRADITIONAL);
}

static void test_visit_han(void **state)
{
    (void)state;
    setup_quiet();
    mdl_rollout_params p = quiet;
    p.visit.han_fail_prob[MDL_HAN_DUAL_BAND] = 1.0;
    p.visit.han_elec_factor = 0.0;
    p.visit.han_kit_known_prob = 0.0;
    mdl_household h = make_hh(1, MDL_HAN_DUAL_BAND, 0, 1);
    mdl_visit_env env = env_for(&p, 3000, 41);
    env.dual_band_ok = 0;
    mdl_visit_outcome o;
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.cause, MDL_CAUSE_HAN_FAILURE);
    assert_int_equal(o.next, MDL_NEXT_REVISIT);
    assert_int_equal(o.hub_on_dcc, 1);                      /* the electricity meter is on the DCC */
    assert_int_equal(mdl_hh_gas(&h), MDL_DEV_NOT_JOINED);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_PARTIAL);
    assert_true(h.fix & MDL_FIX_HAN);
    /* the revisit waits for dual-band hubs */
    int64_t start = p.timetable.dual_band_from - 4000;
    assert_int_equal(mdl_visit_kit_day(&p, start, &h, 3000), 4000);
    assert_int_equal(mdl_visit_kit_day(&p, start, &h, 4100), 4100);
    env.day = 4000;
    env.dual_band_ok = 1;
    mdl_visit_run(&env, &h, &o);   /* revisit with the kit: equipped probability 0 */
    assert_int_equal(o.cause, MDL_CAUSE_NONE);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_SMART);
    /* the electricity meter fails to join: nothing smart, hub not on the DCC */
    p.visit.han_elec_factor = 1.0;
    h = make_hh(1, MDL_HAN_DUAL_BAND, 0, 1);
    env.dual_band_ok = 0;
    env.day = 3000;
    mdl_visit_run(&env, &h, &o);
    assert_int_equal(o.cause, MDL_CAUSE_HAN_FAILURE);
    assert_int_equal(o.hub_on_dcc, 0);
    assert_int_equal(mdl_hh_elec(&h), MDL_DEV_TRADITIONAL);
    assert_int_equal(mdl_hh_device_state(&h, -1), MDL_HH_TRADITIONAL);
}

/* ---- whole runs ---------------------------------------------------------------- */
typedef struct run_result {
    int64_t days;
    mdl_rollout_totals *daily;   /* [days] */
    mdl_rollout_totals end;
} run_result;

static void run(const mdl_scenario *sc, int threads, int check_daily, const char *h5path, run_result *out)
{
    sim_err err;
    sim_err_clear(&err);
    sim_engine *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards, 1024, &err);
    assert_non_null(e);
    /* Small test populations make tiny windows, which the engine would run
     * on one thread: force the threads so 1 vs 2 threads really differ. */
    sim_engine_set_always_parallel(e, threads > 1);
    sim_h5_file *f = NULL;
    if (h5path) {
        f = sim_h5_create(h5path, &err);
        assert_non_null(f);
    }
    mdl_rollout *r = mdl_rollout_alloc(sc, e, NULL, f, threads, &err);
    if (!r)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(r);
    out->days = mdl_scenario_days(sc);
    out->daily = calloc((size_t)out->days, sizeof *out->daily);
    assert_non_null(out->daily);
    for (int64_t d = 0; d < out->days; d++) {
        int rc = sim_engine_run_window(e, sim_time_from_days(d), sim_time_from_days(d + 1), threads, &err);
        if (rc)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rc, 0);
        assert_int_equal(mdl_rollout_day_end(r, d, &err), 0);
        mdl_rollout_get_totals(r, &out->daily[d]);
        out->daily[d].bytes_per_household = 0;
        uint64_t sum = 0;
        for (int s = 0; s < MDL_ROLLOUT_N_STATES; s++)
            sum += out->daily[d].by_state[s];
        assert_int_equal(sum, (uint64_t)sc->run.households);   /* conservation, every day */
        if (check_daily && d % 97 == 0) {
            int rc2 = mdl_rollout_check(r, &err);
            if (rc2)
                fprintf(stderr, "day %lld: %s\n", (long long)d, err.msg);
            assert_int_equal(rc2, 0);
        }
    }
    assert_int_equal(mdl_rollout_finish(r, &err), 0);
    assert_int_equal(mdl_rollout_check(r, &err), 0);
    mdl_rollout_get_totals(r, &out->end);
    if (f)
        assert_int_equal(sim_h5_commit(f, &err), 0);
    mdl_rollout_free(r);
    sim_engine_free(e);
}

static void test_run_conservation(void **state)
{
    (void)state;
    mdl_scenario *sc = load(NULL, 0);
    run_result rr;
    run(sc, 1, 1, NULL, &rr);
    const mdl_rollout_totals *t = &rr.end;
    /* meters installed never exceed meters: at most one per fuel per household */
    uint64_t dual = 0;
    for (uint64_t i = 0; i < (uint64_t)sc->run.households; i++) {
        mdl_household h;
        mdl_household_generate(&sc->rollout, sc->run.start_day, (uint64_t)sc->run.seed, i, &h);
        dual += mdl_hh_dual(&h);
    }
    assert_true(t->meters_installed <= (uint64_t)sc->run.households + dual);
    assert_true(t->visits > (uint64_t)sc->run.households / 2);
    assert_true(t->smart > 0 && t->remote_commissions > 0 && t->migrations > 0 && t->revisits > 0);
    assert_true(t->visits <= t->appointments);
    /* cumulative counters never decrease */
    for (int64_t d = 1; d < rr.days; d++) {
        assert_true(rr.daily[d].visits >= rr.daily[d - 1].visits);
        assert_true(rr.daily[d].meters_installed >= rr.daily[d - 1].meters_installed);
    }
    /* no installs in the 2020 pause beyond its effort: visits per day in
     * April-May 2020 well below those of February 2020 */
    int64_t feb = 2953, apr = 3013;   /* 2020-02-01, 2020-04-01 as days since 2012-01-01 */
    uint64_t v_feb = rr.daily[feb + 28].visits - rr.daily[feb].visits;
    uint64_t v_apr = rr.daily[apr + 56].visits - rr.daily[apr + 28].visits;
    assert_true(v_apr * 3 < v_feb);
    free(rr.daily);
}

/* With only a no-access probability p, the no-access share of visits is
 * Binomial(n, p)/n: each visit's access draw is from its own stream. */
static void test_no_access_binomial(void **state)
{
    (void)state;
    const char *ov[] = {
        "rollout.visit.no_access_prob=0.2", "rollout.visit.refusal_on_day_prob=0.0",
        "rollout.visit.safety_abort_prob=0.0", "rollout.visit.wrong_variant_prob=0.0",
        "rollout.visit.exchange.fail_prob=0.0", "rollout.visit.hub.fail_prob=0.0",
        "rollout.visit.safety.fail_prob=0.0", "rollout.visit.wan.fail_prob=0.0",
        "rollout.visit.connectivity.fail_prob=0.0", "rollout.visit.configure.fail_prob=0.0",
        "rollout.visit.access_control.fail_prob=0.0", "rollout.visit.inventory.fail_prob=0.0",
        "rollout.visit.han_fail_prob=[0.0, 0.0, 0.0]", "rollout.visit.han_fail_prob_equipped=0.0",
        "rollout.wan.covered_at_start=[1.0, 1.0, 1.0]", "rollout.wan.covered_final=[1.0, 1.0, 1.0]",
    };
    mdl_scenario *sc = load(ov, sizeof ov / sizeof ov[0]);
    run_result rr;
    run(sc, 1, 0, NULL, &rr);
    double n = (double)rr.end.visits, x = (double)rr.end.failed_visits, p = 0.2;
    double bound = 4 * sqrt(n * p * (1 - p));   /* 4 sd: false alarm < 1e-4 */
    assert_true(n > 3000);
    assert_true(fabs(x - n * p) < bound);
    assert_int_equal(rr.end.revisits, 0);
    free(rr.daily);
}

/* Every site gets WAN on one day D (and none before): sites installed
 * before D wait in traditional mode and are all commissioned remotely on
 * day D, without a visit, and on no other day. */
static void test_wan_later_remote_day(void **state)
{
    (void)state;
    const char *ov[] = {
        "rollout.visit.wan.fail_prob=0.0", "rollout.visit.han_fail_prob=[0.0, 0.0, 0.0]",
        "rollout.visit.exchange.fail_prob=0.0", "rollout.visit.hub.fail_prob=0.0", "rollout.visit.safety.fail_prob=0.0",
        "rollout.visit.connectivity.fail_prob=0.0", "rollout.visit.configure.fail_prob=0.0",
        "rollout.visit.access_control.fail_prob=0.0", "rollout.visit.inventory.fail_prob=0.0",
        "rollout.wan.covered_at_start=[0.0, 0.0, 0.0]", "rollout.wan.covered_final=[1.0, 1.0, 1.0]",
        "rollout.wan.buildout_start=[\"2019-03-04\", \"2019-03-04\", \"2019-03-04\"]",
        "rollout.wan.buildout_end=[\"2019-03-04\", \"2019-03-04\", \"2019-03-04\"]",
        "rollout.timetable.smets2_start=\"2012-01-01\"", "rollout.timetable.smets1_cutover=\"2012-01-01\"",
        "run.end=\"2019-12-31\"",
    };
    mdl_scenario *sc = load(ov, sizeof ov / sizeof ov[0]);
    int64_t D = 2619;   /* 2019-03-04 */
    run_result rr;
    run(sc, 2, 0, NULL, &rr);
    uint64_t waiting = rr.daily[D - 1].by_state[MDL_HH_TRADITIONAL];
    assert_true(waiting > 100);
    for (int64_t d = 1; d < rr.days; d++) {
        uint64_t remote = rr.daily[d].remote_commissions - rr.daily[d - 1].remote_commissions;
        if (d == D)
            assert_int_equal(remote, waiting);
        else
            assert_int_equal(remote, 0);
    }
    assert_true(rr.daily[D].by_state[MDL_HH_TRADITIONAL] < waiting / 20);
    free(rr.daily);
}

static void test_determinism_threads(void **state)
{
    (void)state;
    mdl_scenario *sc = load(NULL, 0);
    run_result a, b;
    run(sc, 1, 0, NULL, &a);
    run(sc, 2, 0, NULL, &b);
    assert_int_equal(a.days, b.days);
    for (int64_t d = 0; d < a.days; d++)
        assert_memory_equal(&a.daily[d], &b.daily[d], sizeof a.daily[d]);
    free(a.daily);
    free(b.daily);
}

static void test_h5_output(void **state)
{
    (void)state;
    const char *ov[] = {"run.end=\"2017-06-30\""};
    mdl_scenario *sc = load(ov, 1);
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_rollout_%d.h5", (int)getpid());
    run_result rr;
    run(sc, 2, 0, path, &rr);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hsize_t dims[4];
    H5T_class_t cls;
    size_t sz;
    assert_true(H5LTget_dataset_info(f, "/rollout/households_by_state", dims, &cls, &sz) >= 0);
    assert_int_equal(dims[0], (hsize_t)rr.days);
    assert_int_equal(dims[1], 3);
    assert_int_equal(dims[2], MDL_ROLLOUT_N_STATES);
    int64_t *st = malloc(dims[0] * dims[1] * dims[2] * sizeof *st);
    assert_true(H5LTread_dataset(f, "/rollout/households_by_state", H5T_NATIVE_INT64, st) >= 0);
    for (hsize_t d = 0; d < dims[0]; d++) {
        int64_t s = 0;
        for (hsize_t k = 0; k < dims[1] * dims[2]; k++)
            s += st[d * dims[1] * dims[2] + k];
        assert_int_equal(s, sc->run.households);
    }
    free(st);
    assert_true(H5LTget_dataset_info(f, "/rollout/visits", dims, &cls, &sz) >= 0);
    assert_int_equal(dims[1], 3);
    assert_int_equal(dims[2], 6);
    int32_t *v = malloc(dims[0] * 18 * sizeof *v);
    assert_true(H5LTread_dataset(f, "/rollout/visits", H5T_NATIVE_INT32, v) >= 0);
    int64_t total = 0;
    for (hsize_t k = 0; k < dims[0] * 18; k++)
        total += v[k];
    assert_int_equal(total, (int64_t)rr.end.visits);
    free(v);
    assert_true(H5LTget_dataset_info(f, "/rollout/outcomes", dims, &cls, &sz) >= 0);
    assert_int_equal(dims[3], MDL_N_CAUSES);
    /* units: a variable-length UTF-8 string attribute */
    hid_t a = H5Aopen_by_name(f, "/rollout/day", "units", H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *units = NULL;
    assert_true(H5Aread(a, t, &units) >= 0);
    assert_string_equal(units, "days since 2012-01-01");
    H5free_memory(units);
    H5Tclose(t);
    H5Aclose(a);
    H5Fclose(f);
    unlink(path);
    free(rr.daily);
}

/* The pending-list pool (issue: gb-baseline hung at 2 M and 3 M households
 * when a remote commissioning grew the pool in the middle of a day's drain).
 * gb-baseline's own inputs at small sizes, several shard counts and seeds,
 * with the pool's invariant (every chunk in exactly one list, tails last,
 * entries = households waiting) checked at every block boundary of the
 * pending lists (64 days) through the WAN-later peak.  The pool is moved
 * on every chunk allocation (mdl_rollout_test_move_pool), so a pointer held
 * across an append fails here at any size, not only at the sizes where a
 * real realloc happens to fall inside a drain. */
static void test_pending_pool_invariant(void **state)
{
    (void)state;
    static const struct { const char *hh, *shards, *seed; } cases[] = {
        {"run.households=20011", "run.shards=64", "run.seed=2011"},
        {"run.households=46875", "run.shards=1", "run.seed=2011"},
        {"run.households=30000", "run.shards=16", "run.seed=7"},
        {"run.households=45007", "run.shards=3", "run.seed=1"},
        {"run.households=64", "run.shards=64", "run.seed=5"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *ov[] = {cases[k].hh, cases[k].shards, cases[k].seed, "run.end=\"2019-06-30\"",
                            "dcc.detail.dates=[]"};
        mdl_scenario sc;
        sim_err err;
        sim_err_clear(&err);
        memset(&sc, 0, sizeof sc);
        int rc = mdl_scenario_load(&sc, "scenarios/gb-baseline.cfg", ov, sizeof ov / sizeof ov[0], NULL, &err);
        if (rc)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rc, 0);
        sim_engine *e = sim_engine_alloc(mdl_rollout_model(), (size_t)sc.run.shards, 1024, &err);
        assert_non_null(e);
        mdl_rollout *r = mdl_rollout_alloc(&sc, e, NULL, NULL, 1, &err);
        assert_non_null(r);
        mdl_rollout_test_move_pool(r, 1);
        int64_t days = mdl_scenario_days(&sc);
        for (int64_t d = 0; d < days; d++) {
            assert_int_equal(sim_engine_run_window(e, sim_time_from_days(d), sim_time_from_days(d + 1), 1, &err), 0);
            assert_int_equal(mdl_rollout_day_end(r, d, &err), 0);
            if (d % 64 == 63 || d + 1 == days) {
                rc = mdl_rollout_check(r, &err);
                if (rc)
                    fprintf(stderr, "%s, day %lld: %s\n", cases[k].hh, (long long)d, err.msg);
                assert_int_equal(rc, 0);
            }
        }
        mdl_rollout_totals t;
        mdl_rollout_get_totals(r, &t);
        uint64_t sum = 0;
        for (int s = 0; s < MDL_ROLLOUT_N_STATES; s++)
            sum += t.by_state[s];
        assert_int_equal(sum, (uint64_t)sc.run.households);
        mdl_rollout_free(r);
        sim_engine_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_schema_checks),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_visit_success),
        cmocka_unit_test(test_visit_before_work),
        cmocka_unit_test(test_visit_consequences),
        cmocka_unit_test(test_visit_wan_later),
        cmocka_unit_test(test_visit_han),
        cmocka_unit_test(test_run_conservation),
        cmocka_unit_test(test_no_access_binomial),
        cmocka_unit_test(test_wan_later_remote_day),
        cmocka_unit_test(test_determinism_threads),
        cmocka_unit_test(test_h5_output),
        cmocka_unit_test(test_pending_pool_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
