/*
 * test_dcc_events.c — dated DCC events, traffic management and the WAN
 * links in bytes: outage alerts (once per affected premises and rule, none
 * outside the region, restoration after the duration), throttling and
 * quarantine caps, tariff pushes on their dates only, a firmware campaign's
 * days and side effects, settlement moving reads, conservation of requests
 * and bytes, the link against M/D/1 and M/M/1, and a firmware transfer
 * against its analytic time.  Tolerances are derived where they are used.
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
#include "mdl_dcc_network.h"
#include "mdl_dcc_testing.h"
#include "mdl_scenario.h"
#include "test_support.h"

#define R_ MDL_N_REGIONS

/* Scenario 2024-01-15 .. 2024-01-17 with a dcc group. */
static mdl_scenario *load(const char *dcc_text) { return test_load_dcc(dcc_text); }

static double lane_sum(const mdl_dcc_offer *o, int s, int r, int m0, int m1)
{
    double t = 0;
    for (int m = m0; m < m1; m++)
        t += mdl_dcc_offer_lane((mdl_dcc_offer *)o, s, r)[m];
    return t;
}

/* 30,000 hubs: 9,000 north, 10,500 central, 10,500 south. */
#define FLEET "initial_fleet = { hubs = 30000; region_share = [0.30, 0.35, 0.35]; gas_share = 0.5; " \
              "half_hourly_share = 0.0; }; "

/* ---- outage: once per affected premises and rule, in its region, restoration after the duration ---- */
static void check_outage(int consolidation)
{
    char text[1024];
    snprintf(text, sizeof text,
             FLEET "traffic = { consolidation = %s; alerts_unconsolidated = 2; }; "
             "events = ( { type = \"outage\"; date = \"2024-01-15\"; time_h = 23.5; region_share = [0.5, 0.0, 1.0]; "
             "duration_min = 60.0; last_gasp_delay_s = 180.0; restore_over_min = 30.0; restore_jitter_s = 120.0; } );",
             consolidation ? "true" : "false");
    mdl_scenario *sc = load(text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    const double k = consolidation ? 1.0 : 2.0, aff[R_] = {4500, 0, 10500};
    test_dcc_run_day(d, 0);
    mdl_dcc_copy_offer(d, o);
    for (int r = 0; r < R_; r++) {
        /* the last gasp: all in minute 23:30 + 3 min, once per premises (x2 unconsolidated) */
        assert_true(lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, r, 0, 1440) == k * aff[r]);
        assert_true(lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, r, 1413, 1414) == k * aff[r]);
        assert_true(lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, r, 0, 1440) == 0.0);   /* power still off */
    }
    const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
    for (int r = 0; r < R_; r++)
        assert_true(x->requests[MDL_DCC_SVC_OUTAGE_ALERT][r] == k * aff[r]);
    test_dcc_run_day(d, 1);
    mdl_dcc_copy_offer(d, o);
    for (int r = 0; r < R_; r++) {
        assert_true(lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, r, 0, 1440) == 0.0);
        /* power back from 00:30 over 30 min, each alert within 2 min after: minutes 30 .. 62 */
        assert_true(lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, r, 0, 1440) == k * aff[r]);
        assert_true(lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, r, 30, 62) == k * aff[r]);
        /* restoration is spread: no minute holds more than its share of 1 min / 30 min, plus rounding */
        for (int m = 30; m < 62; m++)
            assert_true(mdl_dcc_offer_lane(o, MDL_DCC_SVC_RESTORE_ALERT, r)[m] <= k * (aff[r] / 30.0 + 1.0));
    }
    test_dcc_run_day(d, 2);
    mdl_dcc_copy_offer(d, o);
    for (int r = 0; r < R_; r++)
        assert_true(lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, r, 0, 1440) == 0.0);
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

static void test_outage(void **state)
{
    (void)state;
    check_outage(1);
    check_outage(0);
    /* An outage shorter than the last-gasp delay raises nothing. */
    mdl_scenario *sc = load(FLEET "events = ( { type = \"outage\"; date = \"2024-01-15\"; duration_min = 2.0; "
                                  "last_gasp_delay_s = 180.0; } );");
    mdl_dcc *d = test_dcc_make(sc, 1);
    for (int day = 0; day < 3; day++) {
        test_dcc_run_day(d, day);
        for (int r = 0; r < R_; r++)
            assert_true(mdl_dcc_last_day(d)->requests[MDL_DCC_SVC_OUTAGE_ALERT][r] == 0.0 &&
                        mdl_dcc_last_day(d)->requests[MDL_DCC_SVC_RESTORE_ALERT][r] == 0.0);
    }
    mdl_dcc_free(d);
    free(sc);
}

/* ---- throttling caps the power alerts entering the DCC; request level sees the same ---- */
static void test_throttle(void **state)
{
    (void)state;
    mdl_scenario *sc = load(FLEET "traffic = { throttle = true; throttle_per_min = 700.0; }; "
                                  "detail = { dates = [\"2024-01-15\"]; bin_minutes = 1; }; "
                                  "events = ( { type = \"outage\"; date = \"2024-01-15\"; time_h = 18.0; "
                                  "duration_min = 10.0; restore_over_min = 5.0; } );");
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    test_dcc_run_day(d, 0);   /* request level */
    mdl_dcc_copy_offer(d, o);
    const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
    const double hubs[R_] = {9000, 10500, 10500};
    for (int r = 0; r < R_; r++) {
        double delivered = 0;
        for (int m = 0; m < 1440; m++) {
            double a = mdl_dcc_offer_lane(o, MDL_DCC_SVC_OUTAGE_ALERT, r)[m] +
                       mdl_dcc_offer_lane(o, MDL_DCC_SVC_RESTORE_ALERT, r)[m];
            assert_true(a <= 700.0);
            delivered += a;
        }
        /* last gasps: one minute, capped at 700; restorations over ~7 minutes at ~1,500-2,100 a minute, capped */
        assert_true(delivered < 0.5 * 2 * hubs[r]);
        /* request level: every delivered alert is a request (exact counts), and completes */
        assert_true(x->requests[MDL_DCC_SVC_OUTAGE_ALERT][r] + x->requests[MDL_DCC_SVC_RESTORE_ALERT][r] == delivered);
        assert_true(x->completed[MDL_DCC_SVC_OUTAGE_ALERT][r] + x->completed[MDL_DCC_SVC_RESTORE_ALERT][r] ==
                    delivered);
    }
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

/* ---- price change: pushes on the listed dates, inside the windows; quarantine ---- */
static void test_price_change(void **state)
{
    (void)state;
    mdl_scenario *sc = load(FLEET "events = ( { type = \"price_change\"; date = \"2024-01-16\"; days = 1; "
                                  "region_share = [1.0, 0.5, 0.0]; windows_h = [1.0, 3.5, 22.0, 23.0]; } );");
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    /* meters: 1.5 per hub (gas_share 0.5) */
    const double want[R_] = {13500, 7875, 0};
    for (int day = 0; day < 3; day++) {
        test_dcc_run_day(d, day);
        mdl_dcc_copy_offer(d, o);
        for (int r = 0; r < R_; r++) {
            double all = lane_sum(o, MDL_DCC_SVC_TARIFF, r, 0, 1440);
            assert_true(all == (day == 1 ? want[r] : 0.0));
            double in_w = lane_sum(o, MDL_DCC_SVC_TARIFF, r, 60, 210) + lane_sum(o, MDL_DCC_SVC_TARIFF, r, 1320, 1380);
            assert_true(in_w == all);
            /* 2.5 h and 1 h of windows: 5/7 of the pushes in the first (cumulative rounding: +-1) */
            assert_true(fabs(lane_sum(o, MDL_DCC_SVC_TARIFF, r, 60, 210) - all * 2.5 / 3.5) <= 1.0);
        }
    }
    mdl_dcc_free(d);
    free(sc);
    /* Quarantine: 3 users x 1,000 a day pass; the rest is held. */
    sc = load(FLEET "traffic = { quarantine = true; users = 3; threshold_per_day = 1000.0; }; "
                    "events = ( { type = \"price_change\"; date = \"2024-01-15\"; days = 1; } );");
    d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);
    mdl_dcc_copy_offer(d, o);
    double pass = 0;
    for (int r = 0; r < R_; r++)
        pass += lane_sum(o, MDL_DCC_SVC_TARIFF, r, 0, 1440);
    assert_true(pass == 3000.0);
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

/* ---- firmware: the campaign's days, its population, the activation cuts ---- */
static void test_firmware_campaign(void **state)
{
    (void)state;
    mdl_scenario *sc = load(FLEET "events = ( { type = \"firmware\"; date = \"2024-01-15\"; region_share = [1.0, 0.0, 0.0]; "
                                  "family = \"hub\"; payload_bytes = 350000.0; rate_per_day = 4000.0; "
                                  "activation_date = \"2024-01-17\"; power_cut_share = 0.1; duration_min = 5.0; "
                                  "last_gasp_delay_s = 180.0; windows_h = [1.0, 5.0]; } );");
    mdl_dcc *d = test_dcc_make(sc, 1);
    mdl_dcc_offer *o = malloc(sizeof *o);
    double per_day[3];
    for (int day = 0; day < 3; day++) {
        test_dcc_run_day(d, day);
        mdl_dcc_copy_offer(d, o);
        per_day[day] = lane_sum(o, MDL_DCC_SVC_FIRMWARE, MDL_REGION_NORTH, 0, 1440);
        assert_true(lane_sum(o, MDL_DCC_SVC_FIRMWARE, MDL_REGION_CENTRAL, 0, 1440) == 0.0);
        if (per_day[day] > 0)   /* the campaign's image (class 1), the service's size left as configured */
            assert_true(o->fw_any && o->fw_bytes[1] == 350000.0 && o->req_bytes[MDL_DCC_SVC_FIRMWARE] == 200000.0);
        /* activation day: 10 % of 9,000 hubs lose power for 5 min (> 3 min): one outage + one restore alert each */
        double out = lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, MDL_REGION_NORTH, 0, 1440);
        double back = lane_sum(o, MDL_DCC_SVC_RESTORE_ALERT, MDL_REGION_NORTH, 0, 1440);
        assert_true(out == (day == 2 ? 900.0 : 0.0));
        assert_true(back == (day == 2 ? 900.0 : 0.0));
        assert_true(lane_sum(o, MDL_DCC_SVC_OUTAGE_ALERT, MDL_REGION_SOUTH, 0, 1440) == 0.0);
    }
    /* 9,000 hubs at 4,000 a day: ceil(2.25) = 3 days, evenly: 3,000 a day */
    assert_true(per_day[0] + per_day[1] + per_day[2] == 9000.0);
    for (int day = 0; day < 3; day++)
        assert_true(fabs(per_day[day] - 3000.0) <= 1.0);
    free(o);
    mdl_dcc_free(d);
    free(sc);
}

/* ---- two firmware campaigns on one day: each its own image, bytes conserved per campaign ---- */
/* Campaign A (hubs, 300 kB images) in the north and south, campaign B
 * (20 kB) in the north and centre, in overlapping windows; no failures, so
 * each image crosses its region's link once with its response: campaign k
 * puts exactly N_k[r] x (image_k + response) bytes on link r, at both
 * resolutions (an image size averaged over the campaigns would move bytes
 * from one campaign to the other: 14,250 images of A against 15,000 of B).
 * With quarantine (users x threshold = 20,000 commands a day) the
 * campaigns' own counts are cut with the lane and still add up to it. */
static void check_two_campaigns(int quarantine)
{
    char text[1200];
    snprintf(text, sizeof text,
             FLEET "retry = { device_failure = 0.0; }; "
             "csp = { north = { wan_loss = 0.0; }; central = { wan_loss = 0.0; }; south = { wan_loss = 0.0; }; }; "
             "traffic = { quarantine = %s; users = 1; threshold_per_day = 20000.0; }; "
             "events = ( { type = \"firmware\"; date = \"2024-01-15\"; region_share = [1.0, 0.0, 0.5]; "
             "family = \"hub\"; payload_bytes = 300000.0; rate_per_day = 100000.0; windows_h = [1.0, 5.0]; },"
             " { type = \"firmware\"; date = \"2024-01-15\"; region_share = [0.5, 1.0, 0.0]; "
             "family = \"hub\"; payload_bytes = 20000.0; rate_per_day = 100000.0; windows_h = [2.0, 4.0]; } );",
             quarantine ? "true" : "false");
    mdl_scenario *sc = load(text);
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);   /* a fluid day */
    mdl_dcc_offer *o = malloc(sizeof *o);
    mdl_dcc_dayres *fl = malloc(sizeof *fl), *res = malloc(sizeof *res);
    mdl_dcc_copy_offer(d, o);
    memcpy(fl, mdl_dcc_last_day(d), sizeof *fl);
    mdl_dcc_free(d);
    const double img[2] = {300000.0, 20000.0}, pop[2][R_] = {{9000, 0, 5250}, {4500, 10500, 0}};
    const double resp = sc->dcc.svc[MDL_DCC_SVC_FIRMWARE].response_bytes;
    assert_true(o->fw_any && o->fw_bytes[1] == img[0] && o->fw_bytes[2] == img[1]);
    double n[2][R_] = {{0}}, total = 0;
    for (int r = 0; r < R_; r++)
        for (int m = 0; m < 1440; m++) {
            double lane = mdl_dcc_offer_lane(o, MDL_DCC_SVC_FIRMWARE, r)[m];
            assert_true(lane == (double)o->fw_n[0][r][m] + (double)o->fw_n[1][r][m]);
            for (int k = 0; k < 2; k++)
                n[k][r] += o->fw_n[k][r][m];
            total += lane;
        }
    if (quarantine) {   /* the day's first 20,000 of 29,250 kept, from both campaigns */
        assert_true(total == 20000.0);
        for (int k = 0; k < 2; k++) {
            for (int r = 0; r < R_; r++)
                assert_true(n[k][r] <= pop[k][r]);
            assert_true(n[k][0] + n[k][1] + n[k][2] > 0);
        }
    } else {
        for (int k = 0; k < 2; k++)
            for (int r = 0; r < R_; r++)
                assert_true(n[k][r] == pop[k][r]);
    }
    sim_err err = {0};
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&sc->dcc, 7, &err);
    assert_non_null(x);
    mdl_dcc_detailres dres;
    assert_int_equal(mdl_dcc_detailres_init(&dres, 1, &err), SIM_OK);
    assert_int_equal(mdl_dcc_detail_day(x, o, 5, res, &dres, 1, &err), SIM_OK);
    for (int r = 0; r < R_; r++) {
        /* every image delivered once (no failures) */
        assert_true(res->requests[MDL_DCC_SVC_FIRMWARE][r] == n[0][r] + n[1][r]);
        assert_true(res->completed[MDL_DCC_SVC_FIRMWARE][r] == n[0][r] + n[1][r]);
        for (int k = 0; k < 2; k++) {
            double want = n[k][r] * (img[k] + resp);
            /* request level: sums of integers-valued doubles below 2^53, exact */
            assert_true(res->campaign_bytes[k][r] == want);
            /* fluid: expected counts (attempts = completions = requests here), rounding only */
            assert_true(fabs(fl->campaign_bytes[k][r] - want) <= 1e-9 * (want + 1.0));
        }
        for (int k = 2; k < MDL_DCC_FW_CLASSES; k++)
            assert_true(res->campaign_bytes[k][r] == 0.0 && fl->campaign_bytes[k][r] == 0.0);
    }
    mdl_dcc_detailres_destroy(&dres);
    mdl_dcc_detail_free(x);
    free(res);
    free(fl);
    free(o);
    free(sc);
}

static void test_two_campaigns(void **state)
{
    (void)state;
    check_two_campaigns(0);
    check_two_campaigns(1);
}

/* ---- settlement: a share of the daily reads becomes half-hourly collection from the date ---- */
static void test_settlement(void **state)
{
    (void)state;
    mdl_scenario *sc = load(FLEET "events = ( { type = \"settlement\"; date = \"2024-01-16\"; days = 2; "
                                  "region_share = [1.0, 1.0, 0.5]; payload_bytes = 2400.0; } );");
    mdl_dcc *d = test_dcc_make(sc, 1);
    double daily0[R_];
    for (int day = 0; day < 3; day++) {
        test_dcc_run_day(d, day);
        const mdl_dcc_dayres *x = mdl_dcc_last_day(d);
        for (int r = 0; r < R_; r++) {
            double dly = x->requests[MDL_DCC_SVC_READ_DAILY][r], hh = x->requests[MDL_DCC_SVC_HH_COLLECT][r];
            if (day == 0) {
                daily0[r] = dly;
                assert_true(hh == 0.0);
                continue;
            }
            assert_true(fabs(dly + hh - daily0[r]) < 1e-6);   /* moved, not added */
            double share = (r == 2 ? 0.5 : 1.0) * (day == 1 ? 0.5 : 1.0);   /* ramp over 2 days */
            assert_true(fabs(hh - share * daily0[r]) <= 1440 * 0.5 + 1e-6);   /* rounded per minute */
        }
    }
    mdl_dcc_free(d);
    free(sc);
}

/* ---- conservation of requests and bytes at request level, and the fluid link ---- */
static void test_bytes_conservation(void **state)
{
    (void)state;
    mdl_scenario *sc = load(FLEET "retry = { device_failure = 0.02; }; "
                                  "csp = { north = { wan_bytes_per_s = 10000.0; }; }; "
                                  "events = ( { type = \"outage\"; date = \"2024-01-15\"; time_h = 12.0; duration_min = 30.0; },"
                                  " { type = \"firmware\"; date = \"2024-01-15\"; region_share = [0.2, 0.0, 0.1]; "
                                  "rate_per_day = 100000.0; windows_h = [8.0, 10.0]; payload_bytes = 50000.0; } );");
    mdl_dcc *d = test_dcc_make(sc, 1);
    test_dcc_run_day(d, 0);
    mdl_dcc_offer *o = malloc(sizeof *o);
    mdl_dcc_copy_offer(d, o);
    mdl_dcc_free(d);
    sim_err err = {0};
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&sc->dcc, 7, &err);
    assert_non_null(x);
    mdl_dcc_dayres *res = malloc(sizeof *res);
    mdl_dcc_detailres dres;
    assert_int_equal(mdl_dcc_detailres_init(&dres, 1, &err), SIM_OK);
    assert_int_equal(mdl_dcc_detail_day(x, o, 5, res, &dres, 1, &err), SIM_OK);
    double retries = 0;
    for (int r = 0; r < R_; r++) {
        /* requests: created = completed + failed + open; bytes: every attempt's request out, every
         * completion's response back.  Scheduled reads start at midnight again only tomorrow, and the
         * drain horizon takes everything, so each attempt crossed the link before 24:00 except the
         * retries still to run after it: count those from the minute series. */
        double bytes = 0, minute_sum = 0;
        for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
            double f = 0;
            for (int k = 0; k < MDL_DCC_N_FAILURE_CLASSES; k++)
                f += res->failed[s][r][k];
            assert_true(res->requests[s][r] == res->completed[s][r] + f + res->unresolved[s][r]);
            /* the firmware lane's requests are all the campaign's (class 1): its image */
            double req_b = s == MDL_DCC_SVC_FIRMWARE && o->fw_any ? o->fw_bytes[1] : o->req_bytes[s];
            if (!mdl_dcc_services[s].dsp_only)
                bytes += res->attempts[s][r] * req_b + res->completed[s][r] * o->resp_bytes[s];
            retries += res->attempts[s][r] - res->requests[s][r];
        }
        for (int m = 0; m < 1440; m++)
            minute_sum += res->wan_minute_bytes[r][m];
        assert_true(fabs(minute_sum - res->wan_bytes[r]) <= 1e-9 * bytes);
        /* what crossed after midnight (the night's last retries) is under 0.1 % here */
        assert_true(res->wan_bytes[r] <= bytes * (1 + 1e-12));
        assert_true(res->wan_bytes[r] >= bytes * 0.999);
    }
    assert_true(retries > 0);
    /* north's link (10 kB/s) is saturated by the 1,800 images of 50 kB offered in 08:00-10:00: 90 MB
     * need 9,000 s, so a backlog builds through the windows and clears ~10:30 */
    assert_true(res->wan_busy_s[MDL_REGION_NORTH] > 9000.0);
    int sat = mdl_dcc_saturated_minutes(res->wan_backlog[MDL_REGION_NORTH], 10000.0);
    fprintf(stderr, "north link saturated %d min\n", sat);
    assert_true(sat >= 60 && sat <= 200);
    mdl_dcc_detailres_destroy(&dres);
    mdl_dcc_detail_free(x);
    /* The fluid link: a burst of 10 minutes' capacity (10 kB/s) in minute 0 drains in exactly 10 minutes. */
    memset(o->a, 0, sizeof o->a);
    memset(res, 0, sizeof *res);
    mdl_dcc_offer_lane(o, MDL_DCC_SVC_ON_DEMAND, MDL_REGION_NORTH)[0] = 10.0 * 10000.0 * 60.0 / 1000.0;
    o->req_bytes[MDL_DCC_SVC_ON_DEMAND] = 600;
    o->resp_bytes[MDL_DCC_SVC_ON_DEMAND] = 400;
    res->requests[MDL_DCC_SVC_ON_DEMAND][MDL_REGION_NORTH] = 1.0;
    res->attempts[MDL_DCC_SVC_ON_DEMAND][MDL_REGION_NORTH] = 1.0;
    res->completed[MDL_DCC_SVC_ON_DEMAND][MDL_REGION_NORTH] = 1.0;
    mdl_dcc_network_fluid(&sc->dcc, o, res);
    assert_true(fabs(res->wan_bytes[MDL_REGION_NORTH] - 6e6) < 1e-3);
    assert_int_equal(mdl_dcc_saturated_minutes(res->wan_backlog[MDL_REGION_NORTH], 0.5), 9);
    assert_true(fabs(res->wan_busy_s[MDL_REGION_NORTH] - 600.0) < 1e-6);
    free(res);
    free(o);
    free(sc);
}

/* ---- the link alone against M/D/1 and M/M/1 ---------------------------------------- */
/* One Poisson stream of on-demand reads to the north, DSP and CSP 1 us
 * deterministic (the link sees the arrival process), no failures; each
 * attempt is B bytes over C bytes/s: service D = B / C.  Mean wait
 * (Pollaczek-Khinchine): M/D/1 rho D / (2 (1 - rho)), M/M/1 rho D / (1 - rho). */
static void check_link(int exponential)
{
    mdl_scenario *sc = load("retry = { device_failure = 0.0; }; "
                            "dsp = { servers = 1000; service_time_s = 1e-6; distribution = \"deterministic\"; }; "
                            "csp = { north = { servers = 1000; service_time_s = 1e-6; distribution = \"deterministic\"; "
                            "wan_loss = 0.0; wan_bytes_per_s = 2000.0; }; };");
    sc->dcc.csp[0].wan_size_distribution = exponential ? MDL_DCC_DIST_EXPONENTIAL : MDL_DCC_DIST_DETERMINISTIC;
    sc->dcc.detail.bin_minutes = 60;
    sim_err err = {0};
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&sc->dcc, 7, &err);
    assert_non_null(x);
    mdl_dcc_offer *o = calloc(1, sizeof *o);
    const double B = 1000.0, D = B / 2000.0, rho = 0.6, lambda_min = rho / D * 60.0;
    for (int m = 0; m < MDL_DCC_MINUTES; m++)
        mdl_dcc_offer_lane(o, MDL_DCC_SVC_ON_DEMAND, MDL_REGION_NORTH)[m] = lambda_min;
    o->req_bytes[MDL_DCC_SVC_ON_DEMAND] = 600.0;
    o->resp_bytes[MDL_DCC_SVC_ON_DEMAND] = 400.0;
    mdl_dcc_dayres *res = malloc(sizeof *res);
    mdl_dcc_detailres dres;
    assert_int_equal(mdl_dcc_detailres_init(&dres, 60, &err), SIM_OK);
    /* Eight independent days: the replication mean is within t(7, 0.9995) = 5.41 standard errors of
     * the truth with probability 0.999; use 5.5, plus 0.5 % for each day's empty start. */
    enum { REPS = 8 };
    double w[REPS], mw = 0, vw = 0;
    for (int i = 0; i < REPS; i++) {
        assert_int_equal(mdl_dcc_detail_day(x, o, 300 + (uint64_t)i, res, &dres, 1, &err), SIM_OK);
        mdl_dcc_stage_stats st;
        mdl_dcc_detail_link_stats(x, MDL_REGION_NORTH, &st);
        assert_true(st.started > 90000);
        w[i] = st.wait_sum_s / (double)st.started;
        mw += w[i] / REPS;
    }
    for (int i = 0; i < REPS; i++)
        vw += (w[i] - mw) * (w[i] - mw) / (REPS - 1);
    double Wq = exponential ? rho * D / (1 - rho) : rho * D / (2 * (1 - rho)), se = sqrt(vw / REPS);
    fprintf(stderr, "link %s: mean wait %.4f s (theory %.4f, se %.4f)\n", exponential ? "M/M/1" : "M/D/1", mw, Wq,
            se);
    assert_true(se < 0.05 * Wq);   /* the test can tell */
    assert_true(fabs(mw - Wq) <= 5.5 * se + 0.005 * Wq);
    mdl_dcc_detailres_destroy(&dres);
    free(res);
    free(o);
    mdl_dcc_detail_free(x);
    free(sc);
}

static void test_link_queueing(void **state)
{
    (void)state;
    check_link(0);
    check_link(1);
}

/* ---- a firmware campaign over a bandwidth-limited region takes the time its bytes need ---- */
static void test_firmware_transfer_time(void **state)
{
    (void)state;
    mdl_scenario *sc = load("retry = { device_failure = 0.0; }; "
                            "csp = { north = { wan_loss = 0.0; wan_bytes_per_s = 100000.0; }; };");
    sim_err err = {0};
    mdl_dcc_detail *x = mdl_dcc_detail_alloc(&sc->dcc, 7, &err);
    assert_non_null(x);
    mdl_dcc_offer *o = calloc(1, sizeof *o);
    for (int s = 0; s < MDL_DCC_N_SERVICES; s++)
        o->exact[s] = 1;
    /* 600 images of 1 MB (+ 200 bytes back) in minute 60: at 100 kB/s each takes 10.002 s, all 6,001.2 s. */
    const double N = 600, B = 1e6, Rb = 200, C = 1e5;
    mdl_dcc_offer_lane(o, MDL_DCC_SVC_FIRMWARE, MDL_REGION_NORTH)[60] = N;
    o->req_bytes[MDL_DCC_SVC_FIRMWARE] = B;
    o->resp_bytes[MDL_DCC_SVC_FIRMWARE] = Rb;
    mdl_dcc_dayres *res = malloc(sizeof *res);
    mdl_dcc_detailres dres;
    assert_int_equal(mdl_dcc_detailres_init(&dres, 1, &err), SIM_OK);
    assert_int_equal(mdl_dcc_detail_day(x, o, 11, res, &dres, 1, &err), SIM_OK);
    assert_true(res->completed[MDL_DCC_SVC_FIRMWARE][MDL_REGION_NORTH] == N);
    /* time to 50 % and 95 % of the devices: the completions' cumulative count by minute.  Analytic:
     * the k-th image done (k (B + Rb) / C) after the first arrival; arrivals are spread over the minute
     * and the WAN latency and device response add seconds: allow 2 minutes. */
    double cum = 0, t50 = -1, t95 = -1;
    for (size_t b = 0; b < dres.n_bins; b++) {
        cum += dres.completions[b * MDL_DCC_N_SERVICES + MDL_DCC_SVC_FIRMWARE];
        if (t50 < 0 && cum >= 0.5 * N)
            t50 = (double)b + 1;
        if (t95 < 0 && cum >= 0.95 * N)
            t95 = (double)b + 1;
    }
    double a50 = 60 + 0.5 * N * (B + Rb) / C / 60.0, a95 = 60 + 0.95 * N * (B + Rb) / C / 60.0;
    fprintf(stderr, "firmware: 50 %% at %.0f min (analytic %.1f), 95 %% at %.0f min (analytic %.1f)\n", t50, a50, t95,
            a95);
    assert_true(fabs(t50 - a50) <= 2.0 && fabs(t95 - a95) <= 2.0);
    assert_true(fabs(res->wan_busy_s[MDL_REGION_NORTH] - N * (B + Rb) / C) < 1e-3 * N);
    mdl_dcc_detailres_destroy(&dres);
    free(res);
    free(o);
    mdl_dcc_detail_free(x);
    free(sc);
}

/* ---- bad events: file:line and what is allowed ---------------------------------------- */
static void test_event_schema(void **state)
{
    (void)state;
    const char *bad[] = {
        "events = ( { date = \"2024-01-15\"; } );",                                  /* no type */
        "events = ( { type = \"flood\"; date = \"2024-01-15\"; } );",               /* unknown type */
        "events = ( { type = \"outage\"; date = \"2024-01-15\"; windows_h = [1.0]; } );",
        "events = ( { type = \"outage\"; date = \"2024-01-15\"; windows_h = [5.0, 2.0]; } );",
        "events = ( { type = \"firmware\"; date = \"2024-01-15\"; } );",           /* no rate */
        "events = ( { type = \"firmware\"; date = \"2024-01-15\"; rate_per_day = 10.0; "
        "activation_date = \"2024-01-01\"; power_cut_share = 0.1; } );",
        "events = ( { type = \"outage\"; date = \"2024-01-15\"; region_share = [0.5, 0.5]; } );",
        "traffic = { throttle_per_min = -1.0; };",
#define FW1 "{ type = \"firmware\"; date = \"2024-01-15\"; rate_per_day = 1.0; }"
        "events = ( " FW1 "," FW1 "," FW1 "," FW1 "," FW1 "," FW1 "," FW1 "," FW1 "," FW1 " );",   /* 9 campaigns */
#undef FW1
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "run = { start = \"2024-01-15\"; end = \"2024-01-16\"; households = 10; };\n"
                                    "dcc = { %s };\n", bad[i]);
        mdl_scenario sc;
        sim_err err = {0};
        assert_int_equal(mdl_scenario_load_string(&sc, "bad.cfg", text, NULL, 0, NULL, &err), SIM_EINPUT);
        assert_non_null(strstr(err.msg, "bad.cfg:2"));
        assert_non_null(strstr(err.msg, "allowed"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outage),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_price_change),
        cmocka_unit_test(test_firmware_campaign),
        cmocka_unit_test(test_two_campaigns),
        cmocka_unit_test(test_settlement),
        cmocka_unit_test(test_bytes_conservation),
        cmocka_unit_test(test_link_queueing),
        cmocka_unit_test(test_firmware_transfer_time),
        cmocka_unit_test(test_event_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
