/*
 * mdl_scenario.h — a whole validated scenario: the run settings plus each
 * model module's parameters, read from one libconfig file.
 *
 *   run     = { ... };   dates, seed, population size, shards   (mdl_scenario.c)
 *   rollout = { ... };   households, suppliers, the install process (mdl_rollout_params.h)
 *   dcc     = { ... };   services, DSP/CSP queues, detail days     (mdl_dcc_params.h)
 */
#ifndef MDL_SCENARIO_H
#define MDL_SCENARIO_H

#include <stdint.h>

#include "sim_config.h"
#include "mdl_dcc_params.h"
#include "mdl_rollout_params.h"

typedef struct mdl_run_params {
    int64_t start_day;          /* days since 1970-01-01 of the first simulated day */
    int64_t end_day;            /* last simulated day, inclusive */
    int64_t seed;
    int64_t households;         /* population size */
    int64_t shards;             /* fixed partition; independent of threads and ranks */
    int64_t queue_capacity;     /* initial pending-event capacity per shard */
} mdl_run_params;

typedef struct mdl_scenario {
    mdl_run_params run;
    mdl_rollout_params rollout;
    mdl_dcc_params dcc;
} mdl_scenario;

extern const sim_cfg_schema mdl_scenario_schema;

/* Load and validate; see sim_cfg_load_file.  *effective_text may be NULL. */
int mdl_scenario_load(mdl_scenario *sc, const char *path, const char *const *overrides,
                      size_t n_overrides, char **effective_text, sim_err *err);
/* The same, also handing back the file's text as read (see
 * sim_cfg_load_file_text): store that, never a second read of the file. */
int mdl_scenario_load_text(mdl_scenario *sc, const char *path, const char *const *overrides,
                           size_t n_overrides, char **effective_text, char **source_text, sim_err *err);
int mdl_scenario_load_string(mdl_scenario *sc, const char *name, const char *text,
                             const char *const *overrides, size_t n_overrides,
                             char **effective_text, sim_err *err);

/* Number of simulated days. */
static inline int64_t mdl_scenario_days(const mdl_scenario *sc)
{
    return sc->run.end_day - sc->run.start_day + 1;
}

#endif
