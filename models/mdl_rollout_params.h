/* mdl_rollout_params.h — PLACEHOLDER, replaced by the rollout model. */
#ifndef MDL_ROLLOUT_PARAMS_H
#define MDL_ROLLOUT_PARAMS_H
#include "mdl_config.h"
typedef struct mdl_rollout_params {
    double placeholder;
} mdl_rollout_params;
extern const mdl_cfg_schema mdl_rollout_schema;
#endif
