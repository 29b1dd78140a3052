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

/* Called for every command line before the ordinary parser: handles
 * `smsim size` (size.c), and `smsim run ...` / `smsim check ...` (which then
 * validates every variant and runs nothing) when they are experiments.  Sets *handled to
 * 1 when the command line or the scenario asks for an experiment (then the
 * return value is the command's status: SIM_OK, SIM_EINPUT, SIM_ERUNTIME);
 * leaves it 0 otherwise (a plain run; nothing was done or printed). */
int experiment_dispatch(int argc, char **argv, sim_mpi *dist, int *handled, sim_err *err);

/* Run this program with argv (argv[0] included, NULL-terminated) as a
 * child, stdout and stderr into `log`, and wait: *status as waitpid gives
 * it.  The child makes one plain run whatever its scenario's experiment
 * block says.  A signal caught by experiment_catch_signals stops it. */
int experiment_spawn_wait(const char *const *argv, const char *log, int *status, sim_err *err);
/* SIGINT, SIGTERM, SIGHUP, SIGQUIT set a flag (experiment_interrupted). */
void experiment_catch_signals(void);
int experiment_interrupted(void);

/* The index of the command word in argv (run, check, size, ...): the first
 * argument that is neither an option nor an option's value; 0 if none. */
int experiment_command(int argc, char **argv);

/* One command-line argument at argv[*i]: a positional argument, "--" (skip;
 * what follows is positional), or an option with its value ("--name=value",
 * or "--name value" for the options that take one: *i then moves past it). */
typedef struct exp_optarg {
    char name[64];
    const char *value;        /* NULL for a flag */
    const char *positional;   /* non-NULL for a positional argument */
    int skip;
} exp_optarg;
int experiment_next_opt(int argc, char **argv, int *i, int *after_dd, exp_optarg *out, sim_err *err);

/* The experiment options, for `smsim --help`. */
void experiment_usage(FILE *out);

#endif
