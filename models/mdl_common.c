/* mdl_common.c — the shared name tables declared in mdl_common.h. */
#include "mdl_common.h"

const char *const mdl_region_names[MDL_N_REGIONS] = {"north", "central", "south"};
