/*
 * experiment.h — `smsim run` with replications, sweeps or a design:
 * validates every variant, runs each (variant, replicate) as a child
 * process of this binary, and writes a manifest HDF5 file that links to the
 * per-run files.  See README.md, "Experiments".
 */
#ifndef EXPERIMENT_H
#define EXPERIMENT_H

#include <stdio.h>

#include "sim_err.h"
#include "sim_mpi.h"

/* Called for `smsim run ...` before the single-run path.  Sets *handled to
 * 1 when the command line or the scenario asks for an experiment (then the
 * return value is the command's status: SIM_OK, SIM_EINPUT, SIM_ERUNTIME);
 * leaves it 0 otherwise (a plain run; nothing was done or printed). */
int experiment_dispatch(int argc, char **argv, sim_mpi *dist, int *handled, sim_err *err);

/* The experiment options, for `smsim --help`. */
void experiment_usage(FILE *out);

#endif
