/*
 * sim_config.h — scenario files: a typed, documented schema over libconfig.
 *
 * Each model module describes its parameters once, as a table of keys
 * (name, type, place in its params struct, allowed range, default, unit,
 * meaning).  From that single table smsim reads and validates a scenario
 * file, applies --set overrides, fills defaults, checks every key is known,
 * writes the effective scenario back as text, and generates the key
 * reference in scenarios/README.md — so code, validation and documentation
 * cannot drift apart.
 *
 * Every error reads "FILE:LINE: KEY: what is wrong; what is allowed" and has
 * code SIM_EINPUT.  Not for: model logic.
 */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_err.h"

#define SIM_CFG_STRLEN 48          /* inline string capacity in bytes, including NUL */
/* The most text a scenario may be, with every file it includes: scenarios
 * are a few kilobytes, so this only stops /dev/zero or a multi-gigabyte file
 * (refused at once, not read into memory). */
#define SIM_CFG_MAX_BYTES (1024 * 1024)

typedef enum sim_cfg_kind {
    SIM_CFG_INT,      /* int64_t */
    SIM_CFG_FLOAT,    /* double (an integer literal is accepted) */
    SIM_CFG_BOOL,     /* int, 0 or 1 */
    SIM_CFG_STRING,   /* char[SIM_CFG_STRLEN] inline */
    SIM_CFG_DATE,     /* int64_t days since 1970-01-01, written "YYYY-MM-DD" */
    SIM_CFG_ENUM,     /* int: index into enum_names, written as a string */
    SIM_CFG_FLOATS,   /* array of numbers [a, b, ...]: double[max_count] at offset,
                         size_t count at count_offset; min/max bound each element */
    SIM_CFG_DATES,    /* array of dates ["2020-04-01", ...]: int64_t[max_count] + count */
    SIM_CFG_GROUP,    /* nested group { ... }: struct at offset, described by sub */
    SIM_CFG_LIST,     /* list of groups ( {...}, {...} ): elem_size-byte structs,
                         max_count of them at offset, size_t count at count_offset;
                         min/max bound the count */
} sim_cfg_kind;

/* Where a value came from, for messages and cross-key checks. */
typedef struct sim_cfg_where {
    const char *file;    /* scenario path, or "--set" for an override */
    int line;            /* 0 when unknown (a default) */
    const char *path;    /* full key path, e.g. "rollout.suppliers.[2].share" */
    const void *priv;    /* the schema engine's own (NULL elsewhere): lets sim_cfg_fail
                            blame the key where it was written, its line or its --set */
} sim_cfg_where;

typedef struct sim_cfg_key sim_cfg_key;

typedef struct sim_cfg_schema {
    const char *name;               /* for documentation */
    const char *doc;                /* one paragraph: what this group is */
    const sim_cfg_key *keys;
    size_t n_keys;
    /* Cross-key checks once the group (all its keys, defaults applied) is
     * read: dates in order, shares summing to 1 ...  `where` names the group
     * and its line.  NULL if none.  Report with sim_cfg_fail(). */
    int (*check)(void *obj, const sim_cfg_where *where, sim_err *err);
} sim_cfg_schema;

struct sim_cfg_key {
    const char *name;
    sim_cfg_kind kind;
    size_t offset;                  /* offsetof(params struct, field) */
    double min, max;                /* inclusive range (numbers, dates as days, list/array counts) */
    const char *def;                /* default as libconfig value text ("0.25", "\"north\"",
                                       "[1.0, 2.0]", "( { ... } )"); NULL = required */
    const char *unit;               /* "days", "minutes", "probability", "1/day" ... or NULL */
    const char *doc;                /* meaning, one or two sentences */
    const char *const *enum_names;  /* ENUM: NULL-terminated list of allowed names */
    const sim_cfg_schema *sub;      /* GROUP, LIST: element schema */
    size_t elem_size;               /* LIST: sizeof element struct */
    size_t max_count;               /* LIST, FLOATS, DATES: capacity of the array */
    size_t count_offset;            /* LIST, FLOATS, DATES: offsetof the size_t count */
};

/* Read a scenario file into obj (a struct described by root), applying
 * overrides ("path.to.key=value", value in libconfig syntax; a bare word is
 * taken as a string) in order, then defaults, then range and cross-key
 * checks.  On success *effective_text (if non-NULL) receives a malloc'd
 * libconfig text of every key with its effective value (a file that
 * reproduces the run).  Unknown keys, wrong types, out-of-range values and
 * failed checks are SIM_EINPUT errors naming file, line and key. */
int sim_cfg_load_file(const sim_cfg_schema *root, void *obj, const char *path,
                      const char *const *overrides, size_t n_overrides,
                      char **effective_text, sim_err *err);
/* The same, also handing back the scenario text exactly as read (malloc'd,
 * NULL on failure) in *source_text: a caller that stores the text must not
 * read the file a second time, since a pipe (smsim run <(gen)) can be read
 * only once. */
int sim_cfg_load_file_text(const sim_cfg_schema *root, void *obj, const char *path,
                           const char *const *overrides, size_t n_overrides,
                           char **effective_text, char **source_text, sim_err *err);
/* Read a scenario file as the loaders do: in one pass, at most
 * SIM_CFG_MAX_BYTES, text without NUL bytes and not UTF-16; *text is
 * malloc'd and NUL-terminated, *len (if non-NULL) its length. */
int sim_cfg_read_file(const char *path, char **text, size_t *len, sim_err *err);
/* The same from text in memory; `name` stands for the file in messages. */
int sim_cfg_load_string(const sim_cfg_schema *root, void *obj, const char *name,
                        const char *text, const char *const *overrides, size_t n_overrides,
                        char **effective_text, sim_err *err);

/* The reference of every key (markdown tables, one per group, with type,
 * default, allowed range, unit and meaning). */
int sim_cfg_write_markdown(const sim_cfg_schema *root, FILE *out);

/* For check callbacks: "FILE:LINE: PATH[.key]: message" with SIM_EINPUT.
 * The place is the key's own (its line in the file, or the --set that
 * wrote it, quoted); the group's when the key took its default. */
int sim_cfg_fail(sim_err *err, const sim_cfg_where *where, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
