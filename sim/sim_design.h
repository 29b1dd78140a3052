/*
 * sim_design.h — experiment designs: the list of variants (parameter sets)
 * an experiment runs, and the seed of each of its replicates.
 *
 * A design is built from axes.  An axis is one or more keys whose values
 * change together, level by level:
 *   --sweep KEY=V1,V2,...        an axis of one key
 *   --zip KEY@SWEEPKEY=V1,V2,... one more key on SWEEPKEY's axis, paired
 *                                element-wise (same number of values)
 *   --design FILE.csv            an axis with the CSV header's keys, one
 *                                level per row
 * The variants are the cartesian product of the axes, the first axis
 * varying slowest (like nested loops written in that order); variant 0 is
 * every axis at its first level.  With no axis there is one variant (the
 * scenario as written).
 *
 * Values are kept as text in the syntax of --set (libconfig; a bare word is
 * a string), so each variant is checked by the schema engine exactly like a
 * --set before anything runs; every value remembers where it came from
 * ("--sweep ...", "FILE.csv:LINE: column KEY", "FILE.cfg:LINE: ...") for the
 * message.
 *
 * Seeds (sim_design_seed): replicate r of variant v runs with a seed mixed
 * from (seed, r) by SplitMix64 — the same for every variant under common
 * random numbers, with v mixed in as well otherwise.
 *
 * The `experiment = { ... };` block of a scenario file is described here
 * too (sim_design_schema), so the schema engine validates and documents it.
 * Not for: running anything (the program does that).
 */
#ifndef SIM_DESIGN_H
#define SIM_DESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sim_config.h"
#include "sim_err.h"

#define SIM_DESIGN_MAX_AXES   16
#define SIM_DESIGN_KEYLEN     128
#define SIM_DESIGN_VALUESLEN  1024
#define SIM_DESIGN_PATHLEN    512
#define SIM_DESIGN_MAX_REPLICATIONS 10000
#define SIM_DESIGN_MAX_VARIANTS     100000

/* The scenario's experiment block. */
typedef struct sim_design_sweep {
    char key[SIM_DESIGN_KEYLEN];
    char values[SIM_DESIGN_VALUESLEN];
} sim_design_sweep;

typedef struct sim_design_zip {
    char key[SIM_DESIGN_KEYLEN];
    char values[SIM_DESIGN_VALUESLEN];
    char with[SIM_DESIGN_KEYLEN];
} sim_design_zip;

typedef struct sim_design_params {
    int64_t replications;
    int common_random_numbers;
    int64_t jobs;                               /* concurrent runs; 0 = automatic */
    char design[SIM_DESIGN_PATHLEN];            /* CSV path; "" = none */
    sim_design_sweep sweep[SIM_DESIGN_MAX_AXES];
    size_t n_sweep;
    sim_design_zip zip[SIM_DESIGN_MAX_AXES];
    size_t n_zip;
} sim_design_params;

extern const sim_cfg_schema sim_design_schema;

/* One axis: n_keys keys, n_levels levels; cell (level, key) at
 * level * n_keys + key.  All strings malloc'd. */
typedef struct sim_design_axis {
    size_t n_keys, n_levels;
    char **keys;
    char **values;
    char **origins;
} sim_design_axis;

/* The expanded design: n_variants rows of n_keys values. */
typedef struct sim_design {
    size_t n_axes;
    sim_design_axis axes[SIM_DESIGN_MAX_AXES + 1];   /* + the CSV axis */
    size_t n_keys;
    const char **keys;          /* borrowed from the axes, in axis order */
    size_t n_variants;
} sim_design;

void sim_design_init(sim_design *d);
void sim_design_free(sim_design *d);

/* --sweep KEY=V1,V2,...: `origin` is how the value is named in messages
 * (e.g. "--sweep rollout.x=1,2"). */
int sim_design_add_sweep(sim_design *d, const char *key, const char *values, const char *origin,
                         sim_err *err);
/* --zip KEY@WITH=V1,...: KEY joins the axis that holds WITH. */
int sim_design_add_zip(sim_design *d, const char *key, const char *with, const char *values,
                       const char *origin, sim_err *err);
/* Parse "KEY=V1,V2" (sweep) or "KEY@WITH=V1,V2" (zip) from the command line. */
int sim_design_add_sweep_arg(sim_design *d, const char *arg, sim_err *err);
int sim_design_add_zip_arg(sim_design *d, const char *arg, sim_err *err);
/* A CSV file: header = keys, one row per level. */
int sim_design_add_csv(sim_design *d, const char *path, sim_err *err);
/* Text of a CSV file (name stands for the file in messages). */
int sim_design_add_csv_text(sim_design *d, const char *name, const char *text, sim_err *err);

/* Fix the variant count (product of the levels) and key order; fails on a
 * key that appears on two axes or too many variants. */
int sim_design_finish(sim_design *d, sim_err *err);

/* Variant v's value and its origin for key index k. */
const char *sim_design_value(const sim_design *d, size_t v, size_t k);
const char *sim_design_origin(const sim_design *d, size_t v, size_t k);

/* Split a value list at top-level commas (not inside quotes, [], (), {}),
 * trimming blanks: returns the count, or -1 on an empty element or an
 * unbalanced bracket.  *out receives malloc'd strings. */
long sim_design_split(const char *list, char ***out);

/* Replicate r's seed for variant v (see the file comment):
 *   crn:  seed(v, r) = r == 0 ? seed : mix(seed, r)
 *   else: seed(v, r) = (v == 0 && r == 0) ? seed : mix(seed, r + (v << 32))
 * mix(s, k) = splitmix64(s ^ splitmix64(k + 1)) with the top bit cleared
 * (a seed is a non-negative 63-bit integer).  Replicate 0 of variant 0 is
 * the plain run with the scenario's seed. */
uint64_t sim_design_seed(uint64_t seed, uint64_t variant, uint64_t replicate, int crn);
/* SplitMix64's output function (Steele, Lea, Flood 2014). */
uint64_t sim_design_splitmix64(uint64_t x);

#endif
