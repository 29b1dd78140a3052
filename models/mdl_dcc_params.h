/* mdl_dcc_params.h — PLACEHOLDER, replaced by the DCC model. */
#ifndef MDL_DCC_PARAMS_H
#define MDL_DCC_PARAMS_H
#include "mdl_config.h"
typedef struct mdl_dcc_params {
    double placeholder;
} mdl_dcc_params;
extern const mdl_cfg_schema mdl_dcc_schema;
#endif
