/*
 * mdl_scenario.c — the whole scenario file: the `run` group (dates, seed,
 * population size, shards) described here, plus the `rollout` and `dcc`
 * groups whose tables live with their models.  Loading is the schema
 * engine's job (sim_config.c); this file only says what a scenario is.
 * Not for: the meaning of rollout or DCC keys.
 */
#include "mdl_scenario.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim_time.h"

/* 60 years: a generous bound on a rollout plus its aftermath that still
 * keeps day arrays and output series of a sane size; a typo such as 2205
 * for 2025 is caught here rather than as an out-of-memory later. */
#define RUN_MAX_YEARS 60

/* Each shard costs serial work every simulated day whatever its population
 * (measured: small.cfg, 14 years, 10 households: 64 shards 2.9 s, 4096
 * shards 313 s, 100 times as long).  Up to the default, shards are allowed
 * at any population; beyond it, at most one shard per household, since an
 * empty shard buys nothing. */
#define RUN_SHARDS_ANY 64

static int run_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_run_params *run = obj;
    char s[16], e[16];
    sim_format_date(run->start_day, s);
    sim_format_date(run->end_day, e);
    if (run->end_day < run->start_day)
        return sim_cfg_fail(err, where, "end", "%s is before start (%s); allowed: start or a later date "
                            "(the end day is simulated too)", e, s);
    int y, m, d;
    sim_civil_from_days(run->start_day, &y, &m, &d);
    /* A 29 February start plus 60 years lands on 1 March: harmless. */
    int64_t limit = sim_days_from_civil(y + RUN_MAX_YEARS, m, d);
    if (run->end_day > limit) {
        char l[16];
        sim_format_date(limit, l);
        return sim_cfg_fail(err, where, "end", "%s is more than %d years after start (%s); allowed: "
                            "at most %s", e, RUN_MAX_YEARS, s, l);
    }
    if (run->shards > RUN_SHARDS_ANY && run->shards > run->households)
        return sim_cfg_fail(err, where, "shards", "%lld shards for %lld households; allowed: at most %d, or at "
                            "most one per household (each shard costs work every simulated day, households "
                            "or not)", (long long)run->shards, (long long)run->households, RUN_SHARDS_ANY);
    return SIM_OK;
}

static const sim_cfg_key run_keys[] = {
    {.name = "start", .kind = SIM_CFG_DATE, .offset = offsetof(mdl_run_params, start_day),
     .unit = "date", .doc = "First simulated day (00:00 UTC). Simulated time counts from here."},
    {.name = "end", .kind = SIM_CFG_DATE, .offset = offsetof(mdl_run_params, end_day),
     .unit = "date", .doc = "Last simulated day, inclusive (end = start simulates one day); at most 60 years after start."},
    {.name = "seed", .kind = SIM_CFG_INT, .offset = offsetof(mdl_run_params, seed), .min = 0,
     .max = 9223372036854775807.0, .def = "1",
     .doc = "Root of every random stream: the same scenario and seed give the same output for any "
            "thread or rank count. Values beyond 2147483647 need an L suffix (libconfig)."},
    {.name = "households", .kind = SIM_CFG_INT, .offset = offsetof(mdl_run_params, households),
     .min = 1, .max = 40000000, .unit = "households",
     .doc = "Population size (GB has about 30 million metered homes)."},
    {.name = "shards", .kind = SIM_CFG_INT, .offset = offsetof(mdl_run_params, shards), .min = 1,
     .max = 1024, .def = "64",
     .doc = "Fixed partition of the households; part of the scenario, not of the machine, so that "
            "results do not depend on the thread or rank count. Each shard costs serial work every "
            "simulated day whatever its population (4096 shards made a small run 100 times slower than "
            "64), hence at most 1024, and above 64 at most one per household."},
    {.name = "queue_capacity", .kind = SIM_CFG_INT, .offset = offsetof(mdl_run_params, queue_capacity),
     .min = 16, .max = 1048576, .def = "4096", .unit = "events",
     .doc = "Initial pending-event capacity of each shard's queue (32 bytes an event, twice over: heap "
            "and calendar). The queue grows by itself as needed, so this only saves early growth; the "
            "maximum keeps the reservation near 64 MiB per shard."},
};

static const sim_cfg_schema run_schema = {
    .name = "run",
    .doc = "What to simulate and how it is partitioned: the calendar window, the seed, the "
           "population size and the shard count.",
    .keys = run_keys,
    .n_keys = sizeof run_keys / sizeof run_keys[0],
    .check = run_check,
};

/* Checks across groups.  A detail day outside the run would never be
 * simulated: an error, so that a run that was asked for request-level days
 * does not come back without them. */
static int scenario_check(void *obj, const sim_cfg_where *where, sim_err *err)
{
    const mdl_scenario *sc = obj;
    const mdl_dcc_detail_params *d = &sc->dcc.detail;
    for (size_t i = 0; i < d->n_dates; i++) {
        if (d->dates[i] >= sc->run.start_day && d->dates[i] <= sc->run.end_day)
            continue;
        char key[64], day[16], s[16], e[16];
        snprintf(key, sizeof key, "dcc.detail.dates.[%zu]", i);
        sim_format_date(d->dates[i], day);
        sim_format_date(sc->run.start_day, s);
        sim_format_date(sc->run.end_day, e);
        return sim_cfg_fail(err, where, key, "%s is outside the run (%s to %s); allowed: days from run.start "
                            "to run.end", day, s, e);
    }
    return SIM_OK;
}

static const sim_cfg_key scenario_keys[] = {
    {.name = "run", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_scenario, run), .sub = &run_schema,
     .doc = "Run settings (required)."},
    {.name = "rollout", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_scenario, rollout),
     .sub = &mdl_rollout_schema, .def = "{}",
     .doc = "Households, suppliers, workforce and the install process."},
    {.name = "dcc", .kind = SIM_CFG_GROUP, .offset = offsetof(mdl_scenario, dcc), .sub = &mdl_dcc_schema,
     .def = "{}", .doc = "The DCC: services, DSP and CSP queues, detail days."},
};

const sim_cfg_schema mdl_scenario_schema = {
    .name = "scenario",
    .doc = "A scenario file has three groups: run (required), rollout and dcc (each may be "
           "omitted, and then takes its defaults).",
    .keys = scenario_keys,
    .n_keys = sizeof scenario_keys / sizeof scenario_keys[0],
    .check = scenario_check,
};

int mdl_scenario_load(mdl_scenario *sc, const char *path, const char *const *overrides,
                      size_t n_overrides, char **effective_text, sim_err *err)
{
    /* Zeroed first: unused list slots and padding are then the same on
     * every load, so two loads of one file compare equal byte for byte. */
    memset(sc, 0, sizeof *sc);
    return sim_cfg_load_file(&mdl_scenario_schema, sc, path, overrides, n_overrides, effective_text, err);
}

int mdl_scenario_load_text(mdl_scenario *sc, const char *path, const char *const *overrides,
                           size_t n_overrides, char **effective_text, char **source_text, sim_err *err)
{
    memset(sc, 0, sizeof *sc);
    return sim_cfg_load_file_text(&mdl_scenario_schema, sc, path, overrides, n_overrides, effective_text,
                                  source_text, err);
}

int mdl_scenario_load_string(mdl_scenario *sc, const char *name, const char *text,
                             const char *const *overrides, size_t n_overrides,
                             char **effective_text, sim_err *err)
{
    memset(sc, 0, sizeof *sc);
    return sim_cfg_load_string(&mdl_scenario_schema, sc, name, text, overrides, n_overrides,
                               effective_text, err);
}
