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
    [MDL_DCC_SVC_OUTAGE_ALERT] = {"outage_alert", "power outage alert (last gasp)", MDL_DCC_ON_DEMAND,
                                  MDL_DCC_SRC_EVENT, 0, 1},
    [MDL_DCC_SVC_RESTORE_ALERT] = {"restore_alert", "power restored alert", MDL_DCC_ON_DEMAND, MDL_DCC_SRC_EVENT,
                                   0, 1},
    [MDL_DCC_SVC_TARIFF] = {"tariff_update", "tariff update (price change)", MDL_DCC_FUTURE_DATED,
                            MDL_DCC_SRC_EVENT, 0, 0},
    [MDL_DCC_SVC_FIRMWARE] = {"firmware", "firmware image distribution", MDL_DCC_FUTURE_DATED, MDL_DCC_SRC_EVENT,
                              0, 0},
    [MDL_DCC_SVC_HH_COLLECT] = {"hh_collection", "half-hourly data collection (settlement)", MDL_DCC_SCHEDULED,
                                MDL_DCC_SRC_EVENT, 0, 0},
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

const char *const mdl_dcc_rule_names[MDL_DCC_N_RULES] = {"consolidated", "throttled", "quarantined"};
const char *const mdl_dcc_event_type_names[MDL_DCC_N_EVENT_TYPES + 1] = {"outage", "price_change", "firmware",
                                                                           "settlement", NULL};
static const char *const family_names[] = {"hub", "electricity_meter", "gas_meter", NULL};

const char *const mdl_dcc_failure_names[MDL_DCC_N_FAILURE_CLASSES] = {"E20", "E21", "E30"};

static const char *const dist_names[] = {"exponential", "deterministic", NULL};

#define SK(T, name_, kind_, field_, lo, hi, def_, unit_, doc_) \
    {.name = (name_), .kind = (kind_), .offset = offsetof(T, field_), .min = (lo), .max = (hi), \
     .def = (def_), .unit = (unit_), .doc = (doc_)}

/* ---- one service ------------------------------------------------------------ */
/* Each service gets its own table so that its defaults can differ; the keys
 * are the same. RATE services have a `rate` key, the others do not. */
#define SVC_COMMON(work_, size_, resp_, target_) \
    SK(mdl_dcc_service_params, "work", SIM_CFG_FLOAT, work, 0.0, 1000.0, work_, "1", \
       "service demand relative to a standard request: multiplies every stage's service time"), \
    SK(mdl_dcc_service_params, "size_bytes", SIM_CFG_FLOAT, size_bytes, 0.0, 1e9, size_, "bytes", \
       "request size: bytes an attempt sends over the region's WAN (towards the device; for alerts, from it)"), \
    SK(mdl_dcc_service_params, "response_bytes", SIM_CFG_FLOAT, response_bytes, 0.0, 1e9, resp_, "bytes", \
       "response size: bytes coming back over the WAN when the attempt succeeds"), \
    SK(mdl_dcc_service_params, "target_s", SIM_CFG_FLOAT, target_s, 0.001, 1e7, target_, "s", \
       "SLA target response time; a completed request slower than this is an SLA breach")
#define SVC_RATE(rate_, doc_) \
    SK(mdl_dcc_service_params, "rate", SIM_CFG_FLOAT, rate, 0.0, 1000.0, rate_, "1/day", doc_)

#define SVC_SCHEMA(var, name_, doc_, ...) \
    static const sim_cfg_key var##_keys[] = {__VA_ARGS__}; \
    static const sim_cfg_schema var = {name_, doc_, var##_keys, sizeof var##_keys / sizeof var##_keys[0], NULL}

/* Targets: the GB round-trip classes 25 s (on demand), 2 h (future dated), 22 h (scheduled). */
SVC_SCHEMA(svc_read_daily, "dcc.services.read_daily", "09.04 daily scheduled read, one per meter per day.",
           SVC_COMMON("1.0", "150", "400", "79200"));
SVC_SCHEMA(svc_read_hh, "dcc.services.read_half_hourly",
           "09.04 scheduled read carrying the day's 48 half-hourly values, one per meter per day.",
           SVC_COMMON("1.5", "150", "1600", "79200"));
SVC_SCHEMA(svc_on_demand, "dcc.services.on_demand", "09.01 read meter on demand.",
           SVC_RATE("0.02", "on-demand reads per hub per day"), SVC_COMMON("1.0", "150", "300", "25"));
SVC_SCHEMA(svc_historical, "dcc.services.historical", "09.02 historical reads.",
           SVC_RATE("0.005", "historical read requests per hub per day"), SVC_COMMON("2.0", "200", "2000", "25"));
SVC_SCHEMA(svc_adhoc, "dcc.services.adhoc", "09.03 ad-hoc scheduled (future-dated) read.",
           SVC_RATE("0.003", "ad-hoc scheduled reads per hub per day"), SVC_COMMON("1.0", "200", "300", "7200"));
SVC_SCHEMA(svc_stored, "dcc.services.stored_data", "09.05 communication of stored data (future dated).",
           SVC_RATE("0.003", "stored-data requests per hub per day"), SVC_COMMON("1.5", "200", "1200", "7200"));
SVC_SCHEMA(svc_generation, "dcc.services.generation",
           "15 / 1.79 generation read: one per generating hub per day at its read time.",
           SVC_COMMON("1.0", "150", "400", "79200"));
SVC_SCHEMA(svc_import_export, "dcc.services.import_export", "1.65 import and export read.",
           SVC_RATE("0.01", "import/export reads per hub per day"), SVC_COMMON("1.0", "150", "400", "25"));
SVC_SCHEMA(svc_max_demand, "dcc.services.max_demand", "1.74 maximum demand read.",
           SVC_RATE("0.005", "maximum demand reads per hub per day"), SVC_COMMON("1.0", "150", "300", "25"));
SVC_SCHEMA(svc_failure_notice, "dcc.services.failure_notice",
           "1.75 notification of failure to obtain a reading (DCC to supplier: DSP only).",
           SVC_COMMON("0.5", "200", "0", "25"));
SVC_SCHEMA(svc_prenotify, "dcc.services.prenotify", "Install pre-notification (process step 1.5), from the rollout.",
           SVC_COMMON("2.0", "2000", "200", "25"));
SVC_SCHEMA(svc_commission, "dcc.services.commission", "Commissioning (process steps 3.6/3.8), from the rollout.",
           SVC_COMMON("4.0", "4000", "400", "25"));
SVC_SCHEMA(svc_configure, "dcc.services.configure", "Configuration: tariff and schedule (process step 3.4).",
           SVC_COMMON("3.0", "3000", "200", "25"));
SVC_SCHEMA(svc_hub_status, "dcc.services.hub_status", "Comms hub status 8.14.1 / 8.14.2 after install.",
           SVC_COMMON("1.0", "150", "200", "25"));
/* ~1.6 bn alerts a month over ~30 M hubs (GB-FACTS, July 2022) is ~1.75 per hub per day. */
SVC_SCHEMA(svc_alert, "dcc.services.alert", "Device alerts (meter to supplier), flat over the day.",
           SVC_RATE("1.75", "alerts per hub per day"), SVC_COMMON("0.5", "150", "0", "25"));

/* Event services: counts come from dcc.events.  Sizes (assumed): an alert
 * ~150 bytes up; a tariff update (time-of-use tables, prices) ~1.5 kB; a
 * firmware image 200 kB (overridden by an event's payload_bytes); a day of
 * half-hourly import data with its envelope ~1.6 kB back. */
SVC_SCHEMA(svc_outage_alert, "dcc.services.outage_alert",
           "Power outage alert (last gasp) from a hub whose supply failed; counts from dcc.events.",
           SVC_COMMON("0.5", "150", "0", "25"));
SVC_SCHEMA(svc_restore_alert, "dcc.services.restore_alert",
           "Power restored alert; counts from dcc.events.", SVC_COMMON("0.5", "150", "0", "25"));
SVC_SCHEMA(svc_tariff, "dcc.services.tariff_update",
           "Tariff update pushed to a meter for a price change (future dated); counts from dcc.events.",
           SVC_COMMON("3.0", "1500", "200", "7200"));
SVC_SCHEMA(svc_firmware, "dcc.services.firmware",
           "Firmware image distribution to a device (future dated); counts and payload from dcc.events.",
           SVC_COMMON("2.0", "200000", "200", "86400"));
SVC_SCHEMA(svc_hh_collect, "dcc.services.hh_collection",
           "Daily collection of a meter's half-hourly data for settlement, at the meter's read time; from "
           "dcc.events (settlement).", SVC_COMMON("1.5", "150", "1600", "79200"));

/* Life after the install (rollout.fleet).  Sizes and targets (assumed):
 * of the order of the install messages; top-ups ~2 a week per prepayment
 * home (assumed), emergency credit ~1 a month (assumed). */
SVC_SCHEMA(svc_cos, "dcc.services.change_of_supplier",
           "05 change of supplier: the gaining supplier's credential update and tariff, from the fleet.",
           SVC_COMMON("2.0", "2500", "200", "25"));
SVC_SCHEMA(svc_tenancy, "dcc.services.change_of_tenancy", "06 change of tenancy: read and account change.",
           SVC_COMMON("1.5", "800", "200", "25"));
SVC_SCHEMA(svc_payment_mode, "dcc.services.payment_mode", "07 credit <-> prepayment mode switch.",
           SVC_COMMON("1.5", "600", "200", "25"));
SVC_SCHEMA(svc_topup, "dcc.services.topup", "07 remote top-up, per prepayment hub, on-demand hour profile.",
           SVC_RATE("0.2857", "top-ups per prepayment hub per day"), SVC_COMMON("1.0", "250", "200", "25"));
SVC_SCHEMA(svc_emergency_credit, "dcc.services.emergency_credit", "07 emergency credit, per prepayment hub.",
           SVC_RATE("0.033", "activations per prepayment hub per day"), SVC_COMMON("1.0", "200", "200", "25"));
SVC_SCHEMA(svc_supplier_tariff, "dcc.services.supplier_tariff", "03 a supplier's own tariff push, in its batch window.",
           SVC_COMMON("2.0", "1500", "200", "86400"));
SVC_SCHEMA(svc_ihd_pair, "dcc.services.ihd_pair", "09 in-home display paired at install.",
           SVC_COMMON("1.0", "300", "200", "25"));
SVC_SCHEMA(svc_ihd_repair, "dcc.services.ihd_repair", "09 in-home display re-pairing.",
           SVC_RATE("0.0002", "re-pairings per hub per day"), SVC_COMMON("1.0", "300", "200", "25"));
SVC_SCHEMA(svc_cad_join, "dcc.services.cad_join", "09 consumer access device joins the HAN.",
           SVC_RATE("0.00005", "CAD joins per hub per day"), SVC_COMMON("1.0", "400", "200", "25"));
SVC_SCHEMA(svc_repair, "dcc.services.repair", "02 fault diagnosis, remote fix, re-commissioning after a repair.",
           SVC_COMMON("2.0", "1000", "200", "25"));

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
    G(MDL_DCC_SVC_OUTAGE_ALERT, "outage_alert", svc_outage_alert, "power outage alerts"),
    G(MDL_DCC_SVC_RESTORE_ALERT, "restore_alert", svc_restore_alert, "power restored alerts"),
    G(MDL_DCC_SVC_TARIFF, "tariff_update", svc_tariff, "tariff updates"),
    G(MDL_DCC_SVC_FIRMWARE, "firmware", svc_firmware, "firmware images"),
    G(MDL_DCC_SVC_HH_COLLECT, "hh_collection", svc_hh_collect, "half-hourly settlement collection"),
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

#define CSP_SCHEMA(var, name_, doc_, servers_, st_, wmin_, wmean_, loss_, bw_) \
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
        SK(mdl_dcc_csp_params, "wan_bytes_per_s", SIM_CFG_FLOAT, wan_bytes_per_s, 0, 1e12, bw_, "bytes/s", \
           "WAN capacity shared by everything the region's hubs send and receive (one FIFO link after the " \
           "CSP); 0 = unlimited"), \
        {.name = "wan_size_distribution", .kind = SIM_CFG_ENUM, \
         .offset = offsetof(mdl_dcc_csp_params, wan_size_distribution), .def = "\"deterministic\"", \
         .doc = "message sizes on the link: deterministic (each service's size: M/D/1) or exponential about " \
                "it (M/M/1)", .enum_names = dist_names}, \
    }; \
    static const sim_cfg_schema var = {name_, doc_, var##_keys, sizeof var##_keys / sizeof var##_keys[0], NULL}

/* North: long-range radio (slower, more masts still to come); South: cellular with mesh. */
/* WAN capacity (assumed): North's long-range radio 4 MB/s for the region's
 * hubs together, the cellular networks 25 MB/s; an ordinary GB day carries
 * ~60 GB (under 1 MB/s on average). */
CSP_SCHEMA(csp_north, "dcc.csp.north", "CSP North (long-range radio).", "12", "0.010", "2.0", "3.0", "0.010",
           "4e6");
CSP_SCHEMA(csp_central, "dcc.csp.central", "CSP Central (cellular).", "16", "0.010", "1.0", "1.5", "0.005",
           "2.5e7");
CSP_SCHEMA(csp_south, "dcc.csp.south", "CSP South (cellular with mesh back-up).", "16", "0.010", "1.0", "1.5",
           "0.005", "2.5e7");
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
/* The fluid model keeps a ring of one slot per minute up to its longest
 * delay, and its work per simulated minute grows with that ring: measured on
 * small.cfg (2,000 households, 2012-2019), a longest delay of 1 h costs
 * 1.16x the default run time, 6 h 2x, 1 day 18x, and the 3-day horizon
 * (backoff_factor 100 with 7 retries) over 65x.  So the last retry may come
 * at most 6 hours after its attempt. */
#define RETRY_MAX_DELAY_S 21600.0

static int retry_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_dcc_retry_params *p = obj;
    double last = p->response_timeout_s;
    if (p->max_retries > 0)
        last += p->backoff_s * pow(p->backoff_factor, (double)(p->max_retries - 1));
    if (last <= RETRY_MAX_DELAY_S)
        return SIM_OK;
    const char *key = p->max_retries > 1 && p->backoff_factor > 1 ? "backoff_factor"
                      : p->max_retries > 0 && p->backoff_s > 0   ? "backoff_s"
                                                                  : "response_timeout_s";
    return sim_cfg_fail(err, where, key, "the last retry comes %.0f s after its attempt (response_timeout_s + "
                        "backoff_s x backoff_factor^(max_retries - 1)); allowed: at most %.0f s (6 hours): the "
                        "DCC model's work grows with its longest delay (1 day: 18 times the run time)",
                        last, RETRY_MAX_DELAY_S);
}

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
    SK(mdl_dcc_retry_params, "response_timeout_s", SIM_CFG_FLOAT, response_timeout_s, 60, 21600, "60", "s",
       "a failed attempt is detected this long after it left the CSP (at least 60 s: the request-level "
       "model injects retries and 1.75 notices into a later minute; at most 6 h with the last back-off, "
       "see backoff_factor)"),
    SK(mdl_dcc_retry_params, "max_retries", SIM_CFG_INT, max_retries, 0, 7, "2", "1",
       "retries after the first attempt before a 1.75 failure notification"),
    SK(mdl_dcc_retry_params, "backoff_s", SIM_CFG_FLOAT, backoff_s, 0, 21600, "300", "s",
       "wait after a detected failure before the first retry"),
    SK(mdl_dcc_retry_params, "backoff_factor", SIM_CFG_FLOAT, backoff_factor, 1, 10, "2", "1",
       "each further retry waits this many times longer; response_timeout_s + backoff_s x "
       "backoff_factor^(max_retries - 1), the last retry's delay, must be at most 6 hours, since the DCC "
       "model's work per simulated minute grows with its longest delay (1 day: 18 times the run time)"),
};
static const sim_cfg_schema retry_schema = {"dcc.retry", "Device failures, time-outs and retries.",
                                            retry_keys, sizeof retry_keys / sizeof retry_keys[0], retry_check};

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

/* ---- traffic management --------------------------------------------------------------- */
static const sim_cfg_key traffic_keys[] = {
    SK(mdl_dcc_traffic_params, "consolidation", SIM_CFG_BOOL, consolidation, 0, 1, "true", NULL,
       "alert consolidation at the hub: one outage and one restoration alert per premises and power event "
       "instead of one from each powered device"),
    SK(mdl_dcc_traffic_params, "alerts_unconsolidated", SIM_CFG_INT, alerts_unconsolidated, 1, 8, "2", "1",
       "alerts per premises and power event without consolidation (assumed: the hub and the electricity meter; "
       "the gas meter runs on its battery and sees no outage)"),
    SK(mdl_dcc_traffic_params, "throttle", SIM_CFG_BOOL, throttle, 0, 1, "false", NULL,
       "DCC throttling of alert storms: at most throttle_per_min power alerts (outage + restored) per region "
       "and minute enter the DCC; the rest are suppressed"),
    SK(mdl_dcc_traffic_params, "throttle_per_min", SIM_CFG_FLOAT, throttle_per_min, 0, 1e9, "50000", "1/min",
       "the throttle's cap per region and minute (assumed)"),
    SK(mdl_dcc_traffic_params, "quarantine", SIM_CFG_BOOL, quarantine, 0, 1, "false", NULL,
       "per-user anomaly detection: a user's event commands (tariff updates, firmware) beyond "
       "threshold_per_day in a day are quarantined (not sent)"),
    SK(mdl_dcc_traffic_params, "users", SIM_CFG_INT, users, 1, 10000, "20", "1",
       "users (suppliers) sharing the event commands evenly (assumed)"),
    SK(mdl_dcc_traffic_params, "threshold_per_day", SIM_CFG_FLOAT, threshold_per_day, 0, 1e12, "500000", "1/day",
       "anomaly threshold per user, service and day (assumed)"),
};
static const sim_cfg_schema traffic_schema = {
    "dcc.traffic", "Traffic management: alert consolidation, throttling, anomaly quarantine.", traffic_keys,
    sizeof traffic_keys / sizeof traffic_keys[0], NULL};

/* ---- dated events --------------------------------------------------------------------- */
static int event_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_dcc_event *e = obj;
    if (e->n_region_share != MDL_N_REGIONS)
        return sim_cfg_fail(err, where, "region_share", "has %zu values; allowed: exactly 3 (north, central, "
                            "south)", e->n_region_share);
    if (e->n_windows_h % 2 || e->n_windows_h == 0)
        return sim_cfg_fail(err, where, "windows_h", "has %zu values; allowed: start, end pairs of hours",
                            e->n_windows_h);
    for (size_t i = 0; i < e->n_windows_h; i += 2)
        if (!(e->windows_h[i] < e->windows_h[i + 1]))
            return sim_cfg_fail(err, where, "windows_h", "window %zu starts at %g, not before its end %g; allowed: "
                                "start < end within 0-24", i / 2, e->windows_h[i], e->windows_h[i + 1]);
    if (e->type == MDL_DCC_EV_FIRMWARE) {
        if (e->rate_per_day <= 0)
            return sim_cfg_fail(err, where, "rate_per_day", "is 0; allowed: > 0 devices a day for a firmware "
                                "campaign");
        if (e->power_cut_share > 0 && e->activation_date < e->date)
            return sim_cfg_fail(err, where, "activation_date", "is before the campaign's date; allowed: on or after "
                                "it");
    }
    if (e->type == MDL_DCC_EV_OUTAGE && e->duration_min <= 0)
        return sim_cfg_fail(err, where, "duration_min", "is 0; allowed: an outage lasting > 0 minutes");
    return SIM_OK;
}

#define EK(name_, kind_, field_, lo, hi, def_, unit_, doc_) SK(mdl_dcc_event, name_, kind_, field_, lo, hi, def_, unit_, doc_)
static const sim_cfg_key event_keys[] = {
    {.name = "type", .kind = SIM_CFG_ENUM, .offset = offsetof(mdl_dcc_event, type), .def = NULL,
     .doc = "outage, price_change, firmware or settlement", .enum_names = mdl_dcc_event_type_names},
    EK("date", SIM_CFG_DATE, date, -1e6, 1e6, NULL, NULL,
       "outage: the day power is lost; price change: first day of the pushes; firmware: first day of the "
       "campaign; settlement: first day of daily half-hourly collection"),
    EK("time_h", SIM_CFG_FLOAT, time_h, 0, 24, "18", "hour",
       "outage: hour power is lost (a winter evening peak by default)"),
    {.name = "region_share", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_event, region_share), .min = 0,
     .max = 1, .def = "[1.0, 1.0, 1.0]", .unit = "fraction",
     .doc = "share of each region's (north, central, south) premises the event touches: hubs off supply "
            "(outage), meters sent a tariff (price change), devices of the family in the campaign (firmware), "
            "daily-read meters moved to daily half-hourly collection (settlement)",
     .max_count = MDL_N_REGIONS, .count_offset = offsetof(mdl_dcc_event, n_region_share)},
    EK("duration_min", SIM_CFG_FLOAT, duration_min, 0, 1e5, "120", "min",
       "outage: power off for; firmware: how long an activation cuts the hub's power"),
    EK("last_gasp_delay_s", SIM_CFG_FLOAT, last_gasp_delay_s, 0, 86400, "180", "s",
       "a hub raises its outage alert once power has been off this long; shorter cuts raise no alerts"),
    EK("restore_over_min", SIM_CFG_FLOAT, restore_over_min, 0, 1e5, "60", "min",
       "outage: supply comes back to the premises uniformly over this window after the duration"),
    EK("restore_jitter_s", SIM_CFG_FLOAT, restore_jitter_s, 0, 86400, "120", "s",
       "a restored premises alerts after a uniform random delay up to this"),
    EK("days", SIM_CFG_INT, days, 1, 3650, "3", "days",
       "price change: the pushes are spread over this many days; settlement: the share ramps up linearly "
       "over this many days"),
    {.name = "windows_h", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_event, windows_h), .min = 0, .max = 24,
     .def = "[20.0, 24.0, 0.0, 6.0]", .unit = "hour",
     .doc = "batch windows (start, end hour pairs) in which suppliers send price-change and firmware batches "
            "(and firmware activations run); default: overnight",
     .max_count = 2 * MDL_DCC_MAX_WINDOWS, .count_offset = offsetof(mdl_dcc_event, n_windows_h)},
    {.name = "family", .kind = SIM_CFG_ENUM, .offset = offsetof(mdl_dcc_event, family), .def = "\"hub\"",
     .doc = "firmware: device family (hub, electricity_meter, gas_meter)", .enum_names = family_names},
    EK("payload_bytes", SIM_CFG_FLOAT, payload_bytes, 0, 1e10, "0", "bytes",
       "firmware: the campaign's image size (each campaign its own); settlement: bytes of a day's half-hourly "
       "data; 0 = the service's size"),
    EK("rate_per_day", SIM_CFG_FLOAT, rate_per_day, 0, 1e9, "0", "1/day",
       "firmware: devices sent the image per day, all regions"),
    EK("activation_date", SIM_CFG_DATE, activation_date, -1e6, 1e6, "\"1970-01-01\"", NULL,
       "firmware: the day the devices activate the image (in the batch windows); needed with power_cut_share > 0"),
    EK("power_cut_share", SIM_CFG_FLOAT, power_cut_share, 0, 1, "0", "fraction",
       "firmware: share of the devices whose activation cuts the hub's power for duration_min (spurious "
       "outage and restoration alerts)"),
};
#undef EK
static const sim_cfg_schema event_schema = {"dcc.events.[i]", "One dated event.", event_keys,
                                            sizeof event_keys / sizeof event_keys[0], event_check};

/* ---- background interruptions ------------------------------------------------------- */
static int weights_ok(const double *w, size_t n, size_t want)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    return n == want && s > 0;
}

static int outage_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_dcc_outage_params *p = obj;
    if (p->mean_duration_min < p->min_duration_min)
        return sim_cfg_fail(err, where, "mean_duration_min", "is %g, below min_duration_min %g; allowed: a mean "
                            ">= the shortest interruption", p->mean_duration_min, p->min_duration_min);
    if (!weights_ok(p->hour_profile, p->n_hour_profile, MDL_DCC_PROFILE_HOURS))
        return sim_cfg_fail(err, where, "hour_profile", "has %zu values or sums to 0; allowed: 24 hourly weights "
                            ">= 0 with a positive sum", p->n_hour_profile);
    if (!weights_ok(p->month_profile, p->n_month_profile, 12))
        return sim_cfg_fail(err, where, "month_profile", "has %zu values or sums to 0; allowed: 12 monthly weights "
                            ">= 0 (January first) with a positive sum", p->n_month_profile);
    return SIM_OK;
}

#define OK_(name_, kind_, field_, lo, hi, def_, unit_, doc_) \
    SK(mdl_dcc_outage_params, name_, kind_, field_, lo, hi, def_, unit_, doc_)
static const sim_cfg_key outage_keys[] = {
    OK_("enabled", SIM_CFG_BOOL, enabled, 0, 1, "false", NULL,
        "background power interruptions on every day (outage and restoration alerts of the affected hubs)"),
    OK_("interruptions_per_premises_year", SIM_CFG_FLOAT, per_premises_year, 0, 100, "0.53", "1/year",
        "interruptions of min_duration_min or longer per premises per year (GB distribution networks: about 50-55 "
        "customer interruptions per 100 customers a year, Ofgem RIIO-ED1 annual reports)"),
    OK_("premises_per_interruption", SIM_CFG_FLOAT, premises_per_interruption, 1, 1e6, "250", "hubs",
        "mean hubs on the DCC one interruption cuts (geometric, capped by the region's hubs; assumed: an LV fault "
        "cuts tens of premises, an HV fault hundreds to thousands)"),
    OK_("mean_duration_min", SIM_CFG_FLOAT, mean_duration_min, 0, MDL_DCC_OUTAGE_MAX_MIN, "65", "min",
        "mean duration (GB: customer minutes lost about 35 a year over about 0.53 interruptions, ~65 min); "
        "min_duration_min plus an exponential, capped at 24 h"),
    OK_("min_duration_min", SIM_CFG_FLOAT, min_duration_min, 0, MDL_DCC_OUTAGE_MAX_MIN, "3", "min",
        "shortest interruption the rate counts (GB regulation counts interruptions of 3 minutes or longer)"),
    OK_("last_gasp_delay_s", SIM_CFG_FLOAT, last_gasp_delay_s, 0, 3600, "180", "s",
        "a hub raises its outage alert once power has been off this long; shorter interruptions raise no alerts"),
    OK_("restore_jitter_s", SIM_CFG_FLOAT, restore_jitter_s, 0, 3600, "120", "s",
        "a restored premises alerts after a uniform random delay up to this"),
    {.name = "hour_profile", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_outage_params, hour_profile),
     .min = 0, .max = 1e9,
     .def = "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,"
            " 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]",
     .unit = "weight", .doc = "hourly weights (00-01 ... 23-24) of the hour an interruption starts (assumed flat)",
     .max_count = MDL_DCC_PROFILE_HOURS, .count_offset = offsetof(mdl_dcc_outage_params, n_hour_profile)},
    {.name = "month_profile", .kind = SIM_CFG_FLOATS, .offset = offsetof(mdl_dcc_outage_params, month_profile),
     .min = 0, .max = 1e9, .def = "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]",
     .unit = "weight", .doc = "monthly weights (January first): a month's rate is the annual rate x weight / mean "
     "weight (assumed flat; winter storms raise the winter months)",
     .max_count = 12, .count_offset = offsetof(mdl_dcc_outage_params, n_month_profile)},
};
#undef OK_
static const sim_cfg_schema outage_schema = {
    "dcc.outages", "Background (undated) power interruptions: a rate per premises, sizes, durations, alerts.",
    outage_keys, sizeof outage_keys / sizeof outage_keys[0], outage_check};

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
    size_t n_fw = 0;
    for (size_t i = 0; i < p->n_events; i++)
        n_fw += p->events[i].type == MDL_DCC_EV_FIRMWARE;
    if (n_fw > MDL_DCC_FW_CLASSES)
        return sim_cfg_fail(err, where, "events", "has %zu firmware campaigns; allowed: at most %d (each carries "
                            "its own image size)", n_fw, MDL_DCC_FW_CLASSES);
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
    {.name = "traffic", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, traffic), .def = "{}",
     .doc = "traffic management rules", .sub = &traffic_schema},
    {.name = "events", .kind = SIM_CFG_LIST, .offset = offsetof(mdl_dcc_params, events), .def = "()",
     .doc = "dated events: outages, price changes, firmware campaigns (at most 8), settlement changes",
     .sub = &event_schema,
     .elem_size = sizeof(mdl_dcc_event), .max_count = MDL_DCC_MAX_EVENTS,
     .count_offset = offsetof(mdl_dcc_params, n_events), .min = 0, .max = MDL_DCC_MAX_EVENTS},
    {.name = "outages", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_dcc_params, outages), .def = "{}",
     .doc = "background power interruptions (a rate, not dated)", .sub = &outage_schema},
};

const sim_cfg_schema mdl_dcc_schema = {
    "dcc",
    "The DCC and the traffic the fleet sends it: services, the DSP and CSP queues, WAN, retries, "
    "and which days run request by request.",
    dcc_keys, sizeof dcc_keys / sizeof dcc_keys[0], dcc_check};
