/*
 * mdl_dcc_schema.c — the service catalogue and the `dcc` scenario keys.
 *
 * The catalogue (labels, classes, sources, routes) is fixed in code: it is
 * the structure of the model.  Everything quantitative (rates, service
 * demands, SLA targets, capacities, WAN figures, retries, detail days, the
 * initial fleet) is a scenario key with a default taken from GB-FACTS or,
 * where GB-FACTS is silent, a stated engineering guess (models/README.md (part 4, the DCC)).
 * Not for: model logic.
 */
#include <math.h>
#include <stddef.h>

#include "mdl_dcc_params.h"

const mdl_dcc_service_info mdl_dcc_services[MDL_DCC_N_SERVICES] = {
    [MDL_DCC_SVC_READ_DAILY] = {"read_daily", "09.04 scheduled read (daily data)",
                                MDL_DCC_SCHEDULED, MDL_DCC_SRC_SCHEDULE, 0, 0},
    [MDL_DCC_SVC_READ_HH] = {"read_half_hourly", "09.04 scheduled read (half-hourly data)",
                             MDL_DCC_SCHEDULED, MDL_DCC_SRC_SCHEDULE, 0, 0},
    [MDL_DCC_SVC_ON_DEMAND] = {"on_demand", "09.01 read on demand", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_HISTORICAL] = {"historical", "09.02 historical reads", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_ADHOC] = {"adhoc", "09.03 ad-hoc scheduled read", MDL_DCC_FUTURE_DATED, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_STORED] = {"stored_data", "09.05 stored data", MDL_DCC_FUTURE_DATED, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_GENERATION] = {"generation", "15/1.79 generation read", MDL_DCC_SCHEDULED,
                                MDL_DCC_SRC_SCHEDULE, 0, 0},
    [MDL_DCC_SVC_IMPORT_EXPORT] = {"import_export", "1.65 import/export read", MDL_DCC_ON_DEMAND,
                                   MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_MAX_DEMAND] = {"max_demand", "1.74 maximum demand read", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_FAILURE_NOTICE] = {"failure_notice", "1.75 failure notification", MDL_DCC_ON_DEMAND,
                                    MDL_DCC_SRC_FAILURE, 1, 1},
    [MDL_DCC_SVC_PRENOTIFY] = {"prenotify", "1.5 install pre-notification", MDL_DCC_ON_DEMAND,
                               MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_COMMISSION] = {"commission", "3.6/3.8 commission", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_CONFIGURE] = {"configure", "3.4 configure (tariff, schedule)", MDL_DCC_ON_DEMAND,
                               MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_HUB_STATUS] = {"hub_status", "8.14 comms hub status", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_ALERT] = {"alert", "device alert", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE, 0, 1},
    [MDL_DCC_SVC_COS] = {"change_of_supplier", "05 change of supplier (CoS credential update)", MDL_DCC_ON_DEMAND,
                         MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_TENANCY] = {"change_of_tenancy", "06 change of tenancy (read, account)", MDL_DCC_ON_DEMAND,
                             MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_PAYMENT_MODE] = {"payment_mode", "07 payment mode change", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_TOPUP] = {"topup", "07 prepayment top-up", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE_PREPAY, 0, 0},
    [MDL_DCC_SVC_EMERGENCY_CREDIT] = {"emergency_credit", "07 emergency credit", MDL_DCC_ON_DEMAND,
                                      MDL_DCC_SRC_RATE_PREPAY, 0, 0},
    [MDL_DCC_SVC_SUPPLIER_TARIFF] = {"supplier_tariff", "03 supplier tariff push", MDL_DCC_FUTURE_DATED,
                                     MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_IHD_PAIR] = {"ihd_pair", "09 IHD pairing at install", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_INSTALL, 0, 0},
    [MDL_DCC_SVC_IHD_REPAIR] = {"ihd_repair", "09 IHD re-pairing", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_CAD_JOIN] = {"cad_join", "09 consumer access device join", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_RATE, 0, 0},
    [MDL_DCC_SVC_REPAIR] = {"repair", "02 fault diagnosis / repair", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_INSTALL, 0, 0},
};

const char *const mdl_dcc_failure_names[MDL_DCC_N_FAILURE_CLASSES] = {"E20", "E21", "E30"};

static const char *const dist_names[] = {"exponential", "deterministic", NULL};

#define SK(T, name_, kind_, field_, lo, hi, def_, unit_, doc_) \
    {.name = (name_), .kind = (kind_), .offset = offsetof(T, field_), .min = (lo), .max = (hi), \
     .def = (def_), .unit = (unit_), .doc = (doc_)}

/* ---- one service ------------------------------------------------------------ */
/* Each service gets its own table so that its defaults can differ; the keys
 * are the same. RATE services have a `rate` key, the others do not. */
#define SVC_COMMON(work_, size_, target_) \
    SK(mdl_dcc_service_params, "work", SIM_CFG_FLOAT, work, 0.0, 1000.0, work_, "1", \
       "service demand relative to a standard request: multiplies every stage's service time"), \
    SK(mdl_dcc_service_params, "size_bytes", SIM_CFG_FLOAT, size_bytes, 0.0, 1e9, size_, "bytes", \
       "message size (reported in the output description; not a queue input)"), \
    SK(mdl_dcc_service_params, "target_s", SIM_CFG_FLOAT, target_s, 0.001, 1e7, target_, "s", \
       "SLA target response time; a completed request slower than this is an SLA breach")
#define SVC_RATE(rate_, doc_) \
    SK(mdl_dcc_service_params, "rate", SIM_CFG_FLOAT, rate, 0.0, 1000.0, rate_, "1/day", doc_)

#define SVC_SCHEMA(var, name_, doc_, ...) \
    static const sim_cfg_key var##_keys[] = {__VA_ARGS__}; \
    static const sim_cfg_schema var = {name_, doc_, var##_keys, sizeof var##_keys / sizeof var##_keys[0], NULL}

/* Targets: the GB round-trip classes 25 s (on demand), 2 h (future dated), 22 h (scheduled). */
SVC_SCHEMA(svc_read_daily, "dcc.services.read_daily", "09.04 daily scheduled read, one per meter per day.",
           SVC_COMMON("1.0", "400", "79200"));
SVC_SCHEMA(svc_read_hh, "dcc.services.read_half_hourly",
           "09.04 scheduled read carrying the day's 48 half-hourly values, one per meter per day.",
           SVC_COMMON("1.5", "1600", "79200"));
SVC_SCHEMA(svc_on_demand, "dcc.services.on_demand", "09.01 read meter on demand.",
           SVC_RATE("0.02", "on-demand reads per hub per day"), SVC_COMMON("1.0", "300", "25"));
SVC_SCHEMA(svc_historical, "dcc.services.historical", "09.02 historical reads.",
           SVC_RATE("0.005", "historical read requests per hub per day"), SVC_COMMON("2.0", "2000", "25"));
SVC_SCHEMA(svc_adhoc, "dcc.services.adhoc", "09.03 ad-hoc scheduled (future-dated) read.",
           SVC_RATE("0.003", "ad-hoc scheduled reads per hub per day"), SVC_COMMON("1.0", "300", "7200"));
SVC_SCHEMA(svc_stored, "dcc.services.stored_data", "09.05 communication of stored data (future dated).",
           SVC_RATE("0.003", "stored-data requests per hub per day"), SVC_COMMON("1.5", "1200", "7200"));
SVC_SCHEMA(svc_generation, "dcc.services.generation",
           "15 / 1.79 generation read: one per generating hub per day at its read time.",
           SVC_COMMON("1.0", "400", "79200"));
SVC_SCHEMA(svc_import_export, "dcc.services.import_export", "1.65 import and export read.",
           SVC_RATE("0.01", "import/export reads per hub per day"), SVC_COMMON("1.0", "400", "25"));
SVC_SCHEMA(svc_max_demand, "dcc.services.max_demand", "1.74 maximum demand read.",
           SVC_RATE("0.005", "maximum demand reads per hub per day"), SVC_COMMON("1.0", "300", "25"));
SVC_SCHEMA(svc_failure_notice, "dcc.services.failure_notice",
           "1.75 notification of failure to obtain a reading (DCC to supplier: DSP only).",
           SVC_COMMON("0.5", "200", "25"));
SVC_SCHEMA(svc_prenotify, "dcc.services.prenotify", "Install pre-notification (process step 1.5), from the rollout.",
           SVC_COMMON("2.0", "2000", "25"));
SVC_SCHEMA(svc_commission, "dcc.services.commission", "Commissioning (process steps 3.6/3.8), from the rollout.",
           SVC_COMMON("4.0", "4000", "25"));
SVC_SCHEMA(svc_configure, "dcc.services.configure", "Configuration: tariff and schedule (process step 3.4).",
           SVC_COMMON("3.0", "3000", "25"));
SVC_SCHEMA(svc_hub_status, "dcc.services.hub_status", "Comms hub status 8.14.1 / 8.14.2 after install.",
           SVC_COMMON("1.0", "200", "25"));
/* ~1.6 bn alerts a month over ~30 M hubs (GB-FACTS, July 2022) is ~1.75 per hub per day. */
SVC_SCHEMA(svc_alert, "dcc.services.alert", "Device alerts (meter to supplier), flat over the day.",
           SVC_RATE("1.75", "alerts per hub per day"), SVC_COMMON("0.5", "150", "25"));

/* Life after the install (rollout.fleet).  Sizes and targets (assumed):
 * of the order of the install messages; top-ups ~2 a week per prepayment
 * home (assumed), emergency credit ~1 a month (assumed). */
SVC_SCHEMA(svc_cos, "dcc.services.change_of_supplier",
           "05 change of supplier: the gaining supplier's credential update and tariff, from the fleet.",
           SVC_COMMON("2.0", "2500", "25"));
SVC_SCHEMA(svc_tenancy, "dcc.services.change_of_tenancy", "06 change of tenancy: read and account change.",
           SVC_COMMON("1.5", "800", "25"));
SVC_SCHEMA(svc_payment_mode, "dcc.services.payment_mode", "07 credit <-> prepayment mode switch.",
           SVC_COMMON("1.5", "600", "25"));
SVC_SCHEMA(svc_topup, "dcc.services.topup", "07 remote top-up, per prepayment hub, on-demand hour profile.",
           SVC_RATE("0.2857", "top-ups per prepayment hub per day"), SVC_COMMON("1.0", "250", "25"));
SVC_SCHEMA(svc_emergency_credit, "dcc.services.emergency_credit", "07 emergency credit, per prepayment hub.",
           SVC_RATE("0.033", "activations per prepayment hub per day"), SVC_COMMON("1.0", "200", "25"));
SVC_SCHEMA(svc_supplier_tariff, "dcc.services.supplier_tariff", "03 a supplier's own tariff push, in its batch window.",
           SVC_COMMON("2.0", "1500", "86400"));
SVC_SCHEMA(svc_ihd_pair, "dcc.services.ihd_pair", "09 in-home display paired at install.",
           SVC_COMMON("1.0", "300", "25"));
SVC_SCHEMA(svc_ihd_repair, "dcc.services.ihd_repair", "09 in-home display re-pairing.",
           SVC_RATE("0.0002", "re-pairings per hub per day"), SVC_COMMON("1.0", "300", "25"));
SVC_SCHEMA(svc_cad_join, "dcc.services.cad_join", "09 consumer access device joins the HAN.",
           SVC_RATE("0.00005", "CAD joins per hub per day"), SVC_COMMON("1.0", "400", "25"));
SVC_SCHEMA(svc_repair, "dcc.services.repair", "02 fault diagnosis, remote fix, re-commissioning after a repair.",
           SVC_COMMON("2.0", "1000", "25"));

static const sim_cfg_key services_keys[] = {
#define G(idx, key_, var, doc_) \
    {.name = key_, .kind = SIM_CFG_GROUP, .offset = (idx) * sizeof(mdl_dcc_service_params), \
     .def = "{}", .doc = doc_, .sub = &(var)}
    G(MDL_DCC_SVC_READ_DAILY, "read_daily", svc_read_daily, "09.04 scheduled read, daily data"),
    G(MDL_DCC_SVC_READ_HH, "read_half_hourly", svc_read_hh, "09.04 scheduled read, half-hourly data"),
    G(MDL_DCC_SVC_ON_DEMAND, "on_demand", svc_on_demand, "09.01"),
    G(MDL_DCC_SVC_HISTORICAL, "historical", svc_historical, "09.02"),
    G(MDL_DCC_SVC_ADHOC, "adhoc", svc_adhoc, "09.03"),
    G(MDL_DCC_SVC_STORED, "stored_data", svc_stored, "09.05"),
    G(MDL_DCC_SVC_GENERATION, "generation", svc_generation, "15 / 1.79"),
    G(MDL_DCC_SVC_IMPORT_EXPORT, "import_export", svc_import_export, "1.65"),
    G(MDL_DCC_SVC_MAX_DEMAND, "max_demand", svc_max_demand, "1.74"),
    G(MDL_DCC_SVC_FAILURE_NOTICE, "failure_notice", svc_failure_notice, "1.75"),
    G(MDL_DCC_SVC_PRENOTIFY, "prenotify", svc_prenotify, "install pre-notification"),
    G(MDL_DCC_SVC_COMMISSION, "commission", svc_commission, "commissioning"),
    G(MDL_DCC_SVC_CONFIGURE, "configure", svc_configure, "configuration"),
    G(MDL_DCC_SVC_HUB_STATUS, "hub_status", svc_hub_status, "comms hub status"),
    G(MDL_DCC_SVC_ALERT, "alert", svc_alert, "device alerts"),
    G(MDL_DCC_SVC_COS, "change_of_supplier", svc_cos, "05 change of supplier"),
    G(MDL_DCC_SVC_TENANCY, "change_of_tenancy", svc_tenancy, "06 change of tenancy"),
    G(MDL_DCC_SVC_PAYMENT_MODE, "payment_mode", svc_payment_mode, "07 payment mode change"),
    G(MDL_DCC_SVC_TOPUP, "topup", svc_topup, "07 top-up"),
    G(MDL_DCC_SVC_EMERGENCY_CREDIT, "emergency_credit", svc_emergency_credit, "07 emergency credit"),
    G(MDL_DCC_SVC_SUPPLIER_TARIFF, "supplier_tariff", svc_supplier_tariff, "03 supplier tariff push"),
    G(MDL_DCC_SVC_IHD_PAIR, "ihd_pair", svc_ihd_pair, "09 IHD pairing"),
    G(MDL_DCC_SVC_IHD_REPAIR, "ihd_repair", svc_ihd_repair, "09 IHD re-pairing"),
    G(MDL_DCC_SVC_CAD_JOIN, "cad_join", svc_cad_join, "09 CAD join"),
    G(MDL_DCC_SVC_REPAIR, "repair", svc_repair, "02 repair"),
#undef G
};
static const sim_cfg_schema services_schema = {
    "dcc.services", "Per-service rates, service demands, message sizes and SLA targets.",
    services_keys, sizeof services_keys / sizeof services_keys[0], NULL};

/* ---- queue stages ------------------------------------------------------------- */
static const sim_cfg_key dsp_keys[] = {
    SK(mdl_dcc_dsp_params, "servers", SIM_CFG_INT, servers, 1, 100000, "32", "1",
       "parallel servers at the DSP (central)"),
    SK(mdl_dcc_dsp_params, "service_time_s", SIM_CFG_FLOAT, service_time_s, 1e-7, 3600, "0.005", "s",
       "mean service time of a work-1 request on one server"),
    {.name = "distribution", .kind = SIM_CFG_ENUM, .offset = offsetof(mdl_dcc_dsp_params, distribution),
     .def = "\"exponential\"", .doc = "service-time distribution", .enum_names = dist_names},
};
static const sim_cfg_schema dsp_schema = {"dcc.dsp", "The Data Service Provider: one central queue, FIFO.",
                                          dsp_keys, sizeof dsp_keys / sizeof dsp_keys[0], NULL};

#define CSP_SCHEMA(var, name_, doc_, servers_, st_, wmin_, wmean_, loss_) \
    static const sim_cfg_key var##_keys[] = { \
        SK(mdl_dcc_csp_params, "servers", SIM_CFG_INT, servers, 1, 100000, servers_, "1", \
           "parallel servers at this region's CSP"), \
        SK(mdl_dcc_csp_params, "service_time_s", SIM_CFG_FLOAT, service_time_s, 1e-7, 3600, st_, "s", \
           "mean service time of a work-1 request on one server"), \
        {.name = "distribution", .kind = SIM_CFG_ENUM, .offset = offsetof(mdl_dcc_csp_params, distribution), \
         .def = "\"exponential\"", .doc = "service-time distribution", .enum_names = dist_names}, \
        SK(mdl_dcc_csp_params, "wan_latency_min_s", SIM_CFG_FLOAT, wan_latency_min_s, 0, 86400, wmin_, "s", \
           "fixed part of the WAN round trip to the hub"), \
        SK(mdl_dcc_csp_params, "wan_latency_mean_s", SIM_CFG_FLOAT, wan_latency_mean_s, 0, 86400, wmean_, "s", \
           "mean of the exponential part of the WAN round trip on top of the fixed part"), \
        SK(mdl_dcc_csp_params, "wan_loss", SIM_CFG_FLOAT, wan_loss, 0, 1, loss_, "probability", \
           "probability that an attempt cannot reach the hub (E20)"), \
    }; \
    static const sim_cfg_schema var = {name_, doc_, var##_keys, sizeof var##_keys / sizeof var##_keys[0], NULL}

/* North: long-range radio (slower, more masts still to come); South: cellular with mesh. */
CSP_SCHEMA(csp_north, "dcc.csp.north", "CSP North (long-range radio).", "12", "0.010", "2.0", "3.0", "0.010");
CSP_SCHEMA(csp_central, "dcc.csp.central", "CSP Central (cellular).", "16", "0.010", "1.0", "1.5", "0.005");
CSP_SCHEMA(csp_south, "dcc.csp.south", "CSP South (cellular with mesh back-up).", "16", "0.010", "1.0", "1.5",
           "0.005");
static const sim_cfg_key csp_keys[] = {
    {.name = "north", .kind = SIM_CFG_GROUP, .offset = MDL_REGION_NORTH * sizeof(mdl_dcc_csp_params),
     .def = "{}", .doc = "CSP North", .sub = &csp_north},
    {.name = "central", .kind = SIM_CFG_GROUP, .offset = MDL_REGION_CENTRAL * sizeof(mdl_dcc_csp_params),
     .def = "{}", .doc = "CSP Central", .sub = &csp_central},
    {.name = "south", .kind = SIM_CFG_GROUP, .offset = MDL_REGION_SOUTH * sizeof(mdl_dcc_csp_params),
     .def = "{}", .doc = "CSP South", .sub = &csp_south},
};
static const sim_cfg_schema csp_schema = {"dcc.csp", "The three regional Communications Service Providers.",
                                          csp_keys, sizeof csp_keys / sizeof csp_keys[0], NULL};

/* ---- retries ---------------------------------------------------------------------- */
static const sim_cfg_key retry_keys[] = {
    SK(mdl_dcc_retry_params, "device_failure", SIM_CFG_FLOAT, device_failure, 0, 1, "0.005", "probability",
       "probability that the device does not answer an attempt (E21 on demand, E30 future dated / scheduled)"),
    SK(mdl_dcc_retry_params, "persistence", SIM_CFG_FLOAT, persistence, 0, 1, "0.5", "probability",
       "probability that the cause of a failed attempt (hub offline, WAN outage, meter off) persists to the next "
       "attempt, which then fails again; otherwise a retry fails afresh with wan_loss + device_failure.  "
       "(assumed) 0.5: with the default 0.5-1 % WAN loss and 0.5 % device failure about 1-1.5 % of first "
       "attempts fail and 0.25-0.4 % of device requests end in a 1.75 notice; 0 makes attempts independent"),
    SK(mdl_dcc_retry_params, "device_response_s", SIM_CFG_FLOAT, device_response_s, 0, 86400, "0.5", "s",
       "HAN and meter response time added to each successful attempt"),
    SK(mdl_dcc_retry_params, "response_timeout_s", SIM_CFG_FLOAT, response_timeout_s, 60, 86400, "60", "s",
       "a failed attempt is detected this long after it left the CSP (at least 60 s: the request-level "
       "model injects retries and 1.75 notices into a later minute)"),
    SK(mdl_dcc_retry_params, "max_retries", SIM_CFG_INT, max_retries, 0, 7, "2", "1",
       "retries after the first attempt before a 1.75 failure notification"),
    SK(mdl_dcc_retry_params, "backoff_s", SIM_CFG_FLOAT, backoff_s, 0, 86400, "300", "s",
       "wait after a detected failure before the first retry"),
    SK(mdl_dcc_retry_params, "backoff_factor", SIM_CFG_FLOAT, backoff_factor, 1, 100, "2", "1",
       "each further retry waits this many times longer"),
};
static const sim_cfg_schema retry_schema = {"dcc.retry", "Device failures, time-outs and retries.",
                                            retry_keys, sizeof retry_keys / sizeof retry_keys[0], NULL};

/* ---- detail days ------------------------------------------------------------------- */
static int detail_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_dcc_detail_params *p = obj;
    if (1440 % p->bin_minutes != 0)
        return sim_cfg_fail(err, where, "bin_minutes", "%lld does not divide 1440; allowed: 1, 2, 3, 4, 5, 6, "
                            "8, 10, 12, 15, 16, 18, 20, 24, 30, 32, 36, 40, 45, 48, 60 ...",
                            (long long)p->bin_minutes);
    return SIM_OK;
}
static const sim_cfg_key detail_keys[] = {
    {.name = "dates", .kind = SIM_CFG_DATES, .offset = offsetof(mdl_dcc_detail_params, dates), .def = "[]",
     .doc = "days simulated request by request", .max_count = MDL_DCC_MAX_DETAIL_DATES,
     .count_offset = offsetof(mdl_dcc_detail_params, n_dates), .min = 0, .max = 0},
    SK(mdl_dcc_detail_params, "every_n_days", SIM_CFG_INT, every_n_days, 0, 1000000, "0", "days",
       "also every N-th day of the run (day 0, N, 2N ...); 0 = off"),
    SK(mdl_dcc_detail_params, "all", SIM_CFG_BOOL, all, 0, 1, "false", NULL, "every day request by request"),
    SK(mdl_dcc_detail_params, "bin_minutes", SIM_CFG_INT, bin_minutes, 1, 1440, "1", "minutes",
       "width of the per-minute bins of /dcc/detail (must divide 1440); 15 keeps long runs' files small"),
};
static const sim_cfg_schema detail_schema = {"dcc.detail", "Which days run at request level, and their output bins.",
                                             detail_keys, sizeof detail_keys / sizeof detail_keys[0],
                                             detail_check};

/* ---- the initial fleet --------------------------------------------------------------- */
static int fleet_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_dcc_fleet_params *p = obj;
    if (p->n_region_share != MDL_N_REGIONS)
        return sim_cfg_fail(err, where, "region_share", "has %zu values; allowed: exactly 3 (north, central, south)",
                            p->n_region_share);
    double s = p->region_share[0] + p->region_share[1] + p->region_share[2];
    if (fabs(s - 1.0) > 1e-6)
        return sim_cfg_fail(err, where, "region_share", "sums to %g; allowed: shares summing to 1", s);
    return SIM_OK;
}
static const sim_cfg_key fleet_keys[] = {
    SK(mdl_dcc_fleet_params, "hubs", SIM_CFG_INT, hubs, 0, 100000000, "0", "hubs",
       "hubs already commissioned on the start date (lets a scenario start with a GB fleet)"),
    {.name = "region_share", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_fleet_params, region_share),
     .min = 0, .max = 1, .def = "[0.30, 0.35, 0.35]", .unit = "fraction",
     .doc = "share of the initial hubs in north, central, south", .max_count = MDL_N_REGIONS,
     .count_offset = offsetof(mdl_dcc_fleet_params, n_region_share)},
    SK(mdl_dcc_fleet_params, "gas_share", SIM_CFG_FLOAT, gas_share, 0, 1, "0.83", "fraction",
       "initial hubs that also serve a gas meter (GB-FACTS: ~83 % dual fuel)"),
    SK(mdl_dcc_fleet_params, "prepay_share", SIM_CFG_FLOAT, prepay_share, 0, 1, "0.13", "fraction",
       "initial hubs in prepayment mode"),
    SK(mdl_dcc_fleet_params, "half_hourly_share", SIM_CFG_FLOAT, half_hourly_share, 0, 1, "0.3", "fraction",
       "initial hubs sending half-hourly data"),
};
static const sim_cfg_schema fleet_schema = {"dcc.initial_fleet", "A fleet already commissioned at the start.",
                                            fleet_keys, sizeof fleet_keys / sizeof fleet_keys[0], fleet_check};

/* ---- the dcc group ----------------------------------------------------------------- */
static int profile_ok(const double *w, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    return n == MDL_DCC_PROFILE_HOURS && s > 0;
}

static int dcc_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_dcc_params *p = obj;
    if (!profile_ok(p->read_time_profile, p->n_read_time_profile))
        return sim_cfg_fail(err, where, "read_time_profile", "has %zu values or sums to 0; allowed: 24 hourly "
                            "weights >= 0 with a positive sum", p->n_read_time_profile);
    if (!profile_ok(p->on_demand_profile, p->n_on_demand_profile))
        return sim_cfg_fail(err, where, "on_demand_profile", "has %zu values or sums to 0; allowed: 24 hourly "
                            "weights >= 0 with a positive sum", p->n_on_demand_profile);
    for (int r = 0; r < MDL_N_REGIONS; r++)
        if (p->csp[r].wan_loss + p->retry.device_failure > 1.0)
            return sim_cfg_fail(err, where, "retry.device_failure", "plus csp.%s.wan_loss exceeds 1; allowed: "
                                "a sum <= 1", mdl_region_names[r]);
    return SIM_OK;
}

static const sim_cfg_key dcc_keys[] = {
    {.name = "read_time_profile", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_params, read_time_profile),
     .min = 0, .max = 1e9,
     .def = "[8.0, 14.0, 16.0, 16.0, 14.0, 10.0, 4.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,"
            " 1.0, 1.0, 1.0, 1.0, 2.0, 4.0]",
     .unit = "weight", .doc = "hourly weights (00-01 ... 23-24) of the scheduled read times a hub draws at join: "
     "most reads are collected overnight", .max_count = MDL_DCC_PROFILE_HOURS,
     .count_offset = offsetof(mdl_dcc_params, n_read_time_profile)},
    {.name = "on_demand_profile", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_params, on_demand_profile),
     .min = 0, .max = 1e9,
     .def = "[1.0, 0.5, 0.5, 0.5, 0.5, 1.0, 2.0, 4.0, 6.0, 7.0, 7.0, 7.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0,"
            " 5.0, 4.0, 3.0, 2.0, 2.0, 1.0]",
     .unit = "weight", .doc = "hourly weights of on-demand and future-dated requests (suppliers' working day)",
     .max_count = MDL_DCC_PROFILE_HOURS, .count_offset = offsetof(mdl_dcc_params, n_on_demand_profile)},
    SK(mdl_dcc_params, "half_hourly_from", SIM_CFG_DATE, half_hourly_from, -1e6, 1e6, "\"2022-11-01\"", NULL,
       "hubs joining on or after this date send half-hourly data, earlier ones daily (GB-FACTS)"),
    SK(mdl_dcc_params, "generation_share", SIM_CFG_FLOAT, generation_share, 0, 1, "0.05", "fraction",
       "share of hubs with generation (15 / 1.79 reads); drawn per hub at join"),
    SK(mdl_dcc_params, "on_demand_first", SIM_CFG_BOOL, on_demand_first, 0, 1, "false", NULL,
       "queue discipline: false = FIFO; true = on-demand class served ahead of the rest (non-preemptive)"),
    {.name = "services", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, svc), .def = "{}",
     .doc = "per-service parameters", .sub = &services_schema},
    {.name = "dsp", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, dsp), .def = "{}",
     .doc = "the central DSP queue", .sub = &dsp_schema},
    {.name = "csp", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, csp), .def = "{}",
     .doc = "the regional CSP queues and WANs", .sub = &csp_schema},
    {.name = "retry", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, retry), .def = "{}",
     .doc = "failures and retries", .sub = &retry_schema},
    {.name = "detail", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, detail), .def = "{}",
     .doc = "request-level days", .sub = &detail_schema},
    {.name = "initial_fleet", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, initial_fleet),
     .def = "{}", .doc = "fleet commissioned before the start", .sub = &fleet_schema},
};

const sim_cfg_schema mdl_dcc_schema = {
    "dcc",
    "The DCC and the traffic the fleet sends it: services, the DSP and CSP queues, WAN, retries, "
    "and which days run request by request.",
    dcc_keys, sizeof dcc_keys / sizeof dcc_keys[0], dcc_check};
