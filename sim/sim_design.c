/*
 * sim_design.c — experiment designs (see sim_design.h): the experiment
 * block's schema, axes from --sweep/--zip/CSV, their cartesian product,
 * and replicate seeds.
 */
#include "sim_design.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the experiment block ------------------------------------------------ */

static const sim_cfg_key sweep_keys[] = {
    {.name = "key", .kind = SIM_CFG_STRING, .offset = offsetof(sim_design_sweep, key),
     .max_count = SIM_DESIGN_KEYLEN,
     .doc = "Scenario key to vary, as for --set (e.g. \"rollout.visit.no_access_probability\")."},
    {.name = "values", .kind = SIM_CFG_STRING, .offset = offsetof(sim_design_sweep, values),
     .max_count = SIM_DESIGN_VALUESLEN,
     .doc = "Its values, comma-separated, each in --set syntax (e.g. \"0.1, 0.2\" or "
            "\"2022-01-01, 2023-01-01\"); commas inside [], (), {} or quotes do not split."},
};

static const sim_cfg_schema sweep_schema = {
    .name = "experiment.sweep",
    .doc = "One axis of the cartesian product: a key and its values.",
    .keys = sweep_keys,
    .n_keys = sizeof sweep_keys / sizeof sweep_keys[0],
};

static const sim_cfg_key zip_keys[] = {
    {.name = "key", .kind = SIM_CFG_STRING, .offset = offsetof(sim_design_zip, key),
     .max_count = SIM_DESIGN_KEYLEN, .doc = "Scenario key that changes together with a swept key."},
    {.name = "values", .kind = SIM_CFG_STRING, .offset = offsetof(sim_design_zip, values),
     .max_count = SIM_DESIGN_VALUESLEN,
     .doc = "Its values, comma-separated, as many as the swept key it pairs with; the i-th goes "
            "with that key's i-th value."},
    {.name = "with", .kind = SIM_CFG_STRING, .offset = offsetof(sim_design_zip, with),
     .max_count = SIM_DESIGN_KEYLEN, .doc = "The swept key (a sweep entry's key) it pairs with."},
};

static const sim_cfg_schema zip_schema = {
    .name = "experiment.zip",
    .doc = "A key paired element-wise with a swept key (no new axis).",
    .keys = zip_keys,
    .n_keys = sizeof zip_keys / sizeof zip_keys[0],
};

static const sim_cfg_key design_keys[] = {
    {.name = "replications", .kind = SIM_CFG_INT, .offset = offsetof(sim_design_params, replications),
     .min = 1, .max = SIM_DESIGN_MAX_REPLICATIONS, .def = "1", .unit = "runs",
     .doc = "Runs of every variant, each with its own random streams (seed derived from run.seed "
            "and the replicate number); --replications overrides it."},
    {.name = "common_random_numbers", .kind = SIM_CFG_BOOL,
     .offset = offsetof(sim_design_params, common_random_numbers), .def = "true",
     .doc = "Replicate r of every variant uses the same seed, so differences between variants are "
            "not drowned by run-to-run noise; false gives every run its own seed."},
    {.name = "jobs", .kind = SIM_CFG_INT, .offset = offsetof(sim_design_params, jobs), .min = 0,
     .max = 4096, .def = "0", .unit = "runs",
     .doc = "Runs at a time (each a process with threads/jobs threads); 0 = as many as threads, "
            "at most the number of runs. --jobs overrides it."},
    {.name = "design", .kind = SIM_CFG_STRING, .offset = offsetof(sim_design_params, design),
     .max_count = SIM_DESIGN_PATHLEN, .def = "\"\"",
     .doc = "CSV file of parameter sets (header = keys, one row per variant; relative to the "
            "working directory); \"\" = none. Combined with sweeps as one more axis."},
    {.name = "sweep", .kind = SIM_CFG_LIST, .offset = offsetof(sim_design_params, sweep),
     .min = 0, .max = SIM_DESIGN_MAX_AXES, .def = "()", .sub = &sweep_schema,
     .elem_size = sizeof(sim_design_sweep), .max_count = SIM_DESIGN_MAX_AXES,
     .count_offset = offsetof(sim_design_params, n_sweep),
     .doc = "Swept keys: every combination of their values is a variant (cartesian product)."},
    {.name = "zip", .kind = SIM_CFG_LIST, .offset = offsetof(sim_design_params, zip),
     .min = 0, .max = SIM_DESIGN_MAX_AXES, .def = "()", .sub = &zip_schema,
     .elem_size = sizeof(sim_design_zip), .max_count = SIM_DESIGN_MAX_AXES,
     .count_offset = offsetof(sim_design_params, n_zip),
     .doc = "Keys paired with a swept key (listed parameter sets instead of a product)."},
};

const sim_cfg_schema sim_design_schema = {
    .name = "experiment",
    .doc = "Replications and variants run by `smsim run` (see README.md, Experiments). With one "
           "replication and no sweep, zip or design, `smsim run` makes a single run as usual.",
    .keys = design_keys,
    .n_keys = sizeof design_keys / sizeof design_keys[0],
};

/* ---- seeds ---------------------------------------------------------------- */

uint64_t sim_design_splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sim_design_seed(uint64_t seed, uint64_t variant, uint64_t replicate, int crn)
{
    uint64_t k = crn ? replicate : replicate + (variant << 32);
    if (k == 0)
        return seed;
    return sim_design_splitmix64(seed ^ sim_design_splitmix64(k + 1)) & 0x7fffffffffffffffULL;
}

/* ---- axes ---------------------------------------------------------------- */

void sim_design_init(sim_design *d)
{
    memset(d, 0, sizeof *d);
}

static void axis_free(sim_design_axis *a)
{
    for (size_t i = 0; i < a->n_keys; i++)
        free(a->keys[i]);
    for (size_t i = 0; i < a->n_keys * a->n_levels; i++) {
        free(a->values[i]);
        free(a->origins[i]);
    }
    free(a->keys);
    free(a->values);
    free(a->origins);
    memset(a, 0, sizeof *a);
}

void sim_design_free(sim_design *d)
{
    for (size_t i = 0; i < d->n_axes; i++)
        axis_free(&d->axes[i]);
    free(d->keys);
    memset(d, 0, sizeof *d);
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static char *trim_copy(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void free_list(char **v, long n)
{
    for (long i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

long sim_design_split(const char *list, char ***out)
{
    size_t cap = 8;
    long n = 0;
    char **v = malloc(cap * sizeof *v);
    int depth = 0;
    char quote = 0;
    const char *start = list;
    if (!v)
        return -1;
    for (const char *p = list;; p++) {
        char c = *p;
        if (quote) {
            if (c == '\\' && p[1])
                p++;
            else if (c == quote)
                quote = 0;
            else if (!c)
                goto bad;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '[' || c == '(' || c == '{')
            depth++;
        else if ((c == ']' || c == ')' || c == '}') && --depth < 0)
            goto bad;
        else if ((c == ',' && depth == 0) || !c) {
            if (!c && depth)
                goto bad;
            if ((size_t)n == cap) {
                char **nv = realloc(v, (cap *= 2) * sizeof *v);
                if (!nv)
                    goto bad;
                v = nv;
            }
            if (!(v[n] = trim_copy(start, (size_t)(p - start))))
                goto bad;
            if (!v[n++][0])
                goto bad;
            start = p + 1;
            if (!c)
                break;
        }
    }
    *out = v;
    return n;
bad:
    free_list(v, n);
    return -1;
}

static int axis_alloc(sim_design_axis *a, size_t n_keys, size_t n_levels)
{
    a->n_keys = n_keys;
    a->n_levels = n_levels;
    a->keys = calloc(n_keys ? n_keys : 1, sizeof *a->keys);
    a->values = calloc(n_keys * n_levels + 1, sizeof *a->values);
    a->origins = calloc(n_keys * n_levels + 1, sizeof *a->origins);
    return a->keys && a->values && a->origins ? 0 : -1;
}

static int check_key(const char *key, const char *origin, sim_err *err)
{
    if (!key[0] || strlen(key) >= SIM_DESIGN_KEYLEN || strpbrk(key, " \t=,@\"'"))
        return SIM_FAIL(err, SIM_EINPUT, "%s: '%s' is not a scenario key; allowed: a key path as "
                        "for --set, e.g. rollout.visit.no_access_probability", origin, key);
    return SIM_OK;
}

int sim_design_add_sweep(sim_design *d, const char *key, const char *values, const char *origin,
                         sim_err *err)
{
    char **v;
    if (check_key(key, origin, err))
        return SIM_EINPUT;
    if (d->n_axes >= SIM_DESIGN_MAX_AXES)
        return SIM_FAIL(err, SIM_EINPUT, "%s: more than %d swept axes", origin, SIM_DESIGN_MAX_AXES);
    long n = sim_design_split(values, &v);
    if (n <= 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot read the values '%s'; allowed: V1,V2,... "
                        "(no empty value, brackets and quotes balanced)", origin, values);
    sim_design_axis *a = &d->axes[d->n_axes];
    if (axis_alloc(a, 1, (size_t)n) || !(a->keys[0] = dupstr(key))) {
        axis_free(a);
        free_list(v, n);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    for (long i = 0; i < n; i++) {
        a->values[i] = v[i];
        char buf[SIM_DESIGN_VALUESLEN + 64];
        snprintf(buf, sizeof buf, "%s (value %ld)", origin, i + 1);
        a->origins[i] = dupstr(buf);
    }
    free(v);
    d->n_axes++;
    return SIM_OK;
}

int sim_design_add_zip(sim_design *d, const char *key, const char *with, const char *values,
                       const char *origin, sim_err *err)
{
    char **v;
    sim_design_axis *a = NULL;
    if (check_key(key, origin, err))
        return SIM_EINPUT;
    for (size_t i = 0; i < d->n_axes && !a; i++)
        for (size_t k = 0; k < d->axes[i].n_keys; k++)
            if (!strcmp(d->axes[i].keys[k], with))
                a = &d->axes[i];
    if (!a)
        return SIM_FAIL(err, SIM_EINPUT, "%s: '%s' is not a swept key; allowed: a key given to a "
                        "sweep before this zip", origin, with);
    long n = sim_design_split(values, &v);
    if (n <= 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot read the values '%s'; allowed: V1,V2,...", origin,
                        values);
    if ((size_t)n != a->n_levels) {
        free_list(v, n);
        return SIM_FAIL(err, SIM_EINPUT, "%s: %ld values, but %s has %zu; allowed: exactly %zu values "
                        "(paired element-wise)", origin, n, with, a->n_levels, a->n_levels);
    }
    /* Grow the axis by one key column. */
    size_t nk = a->n_keys + 1, nl = a->n_levels;
    sim_design_axis b;
    memset(&b, 0, sizeof b);
    if (axis_alloc(&b, nk, nl) || !(b.keys[nk - 1] = dupstr(key))) {
        axis_free(&b);
        free_list(v, n);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    for (size_t k = 0; k < a->n_keys; k++)
        b.keys[k] = a->keys[k];
    for (size_t l = 0; l < nl; l++) {
        for (size_t k = 0; k < a->n_keys; k++) {
            b.values[l * nk + k] = a->values[l * a->n_keys + k];
            b.origins[l * nk + k] = a->origins[l * a->n_keys + k];
        }
        char buf[SIM_DESIGN_VALUESLEN + 64];
        snprintf(buf, sizeof buf, "%s (value %zu)", origin, l + 1);
        b.values[l * nk + nk - 1] = v[l];
        b.origins[l * nk + nk - 1] = dupstr(buf);
    }
    free(v);
    free(a->keys);
    free(a->values);
    free(a->origins);
    *a = b;
    return SIM_OK;
}

int sim_design_add_sweep_arg(sim_design *d, const char *arg, sim_err *err)
{
    char origin[SIM_DESIGN_VALUESLEN + 64], key[SIM_DESIGN_KEYLEN];
    snprintf(origin, sizeof origin, "--sweep %s", arg);
    const char *eq = strchr(arg, '=');
    if (!eq || (size_t)(eq - arg) >= sizeof key)
        return SIM_FAIL(err, SIM_EINPUT, "%s: expected KEY=V1,V2,...", origin);
    snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
    return sim_design_add_sweep(d, key, eq + 1, origin, err);
}

int sim_design_add_zip_arg(sim_design *d, const char *arg, sim_err *err)
{
    char origin[SIM_DESIGN_VALUESLEN + 64], key[SIM_DESIGN_KEYLEN], with[SIM_DESIGN_KEYLEN];
    snprintf(origin, sizeof origin, "--zip %s", arg);
    const char *eq = strchr(arg, '='), *at = strchr(arg, '@');
    if (!eq || !at || at > eq || (size_t)(at - arg) >= sizeof key || (size_t)(eq - at) > sizeof with)
        return SIM_FAIL(err, SIM_EINPUT, "%s: expected KEY@SWEEPKEY=V1,V2,... (KEY's values paired "
                        "with those of the swept key SWEEPKEY)", origin);
    snprintf(key, sizeof key, "%.*s", (int)(at - arg), arg);
    snprintf(with, sizeof with, "%.*s", (int)(eq - at - 1), at + 1);
    return sim_design_add_zip(d, key, with, eq + 1, origin, err);
}

/* ---- CSV ------------------------------------------------------------------ */

/* One CSV record starting at *p (RFC 4180: "" inside quotes is a quote;
 * quoted cells may hold commas).  Cells are trimmed unless quoted.
 * Returns the cell count (cells malloc'd into *cells), -1 on error. */
static long csv_record(const char **p, char ***cells, int *line)
{
    size_t cap = 8, n = 0;
    char **v = malloc(cap * sizeof *v);
    const char *s = *p;
    if (!v)
        return -1;
    for (;;) {
        char *buf = malloc(strlen(s) + 1);
        size_t len = 0;
        int quoted = 0;
        if (!buf)
            goto bad;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '"') {
            quoted = 1;
            for (s++;; s++) {
                if (!*s) {
                    free(buf);
                    goto bad;
                }
                if (*s == '"' && s[1] == '"')
                    buf[len++] = *s++;
                else if (*s == '"') {
                    s++;
                    break;
                } else {
                    if (*s == '\n')
                        (*line)++;
                    buf[len++] = *s;
                }
            }
            while (*s == ' ' || *s == '\t' || *s == '\r')
                s++;
        } else {
            while (*s && *s != ',' && *s != '\n')
                buf[len++] = *s++;
        }
        buf[len] = '\0';
        if (n == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                free(buf);
                goto bad;
            }
            v = nv;
        }
        v[n] = quoted ? buf : trim_copy(buf, len);
        if (!quoted)
            free(buf);
        if (!v[n++])
            goto bad;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\n')
            s++;
        else if (*s)
            goto bad;
        break;
    }
    *p = s;
    *cells = v;
    return (long)n;
bad:
    free_list(v, (long)n);
    return -1;
}

static int blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    return *s == '\n' || *s == '#' || !*s;
}

static void skip_line(const char **p)
{
    const char *nl = strchr(*p, '\n');
    *p = nl ? nl + 1 : *p + strlen(*p);
}

/* Append a row's cells to the axis (grows values/origins). */
static int csv_add_row(sim_design_axis *a, const char *name, int line, char **cells)
{
    size_t nk = a->n_keys, l = a->n_levels;
    char **nv = realloc(a->values, (l + 1) * nk * sizeof *nv);
    if (!nv)
        return -1;
    a->values = nv;
    char **no = realloc(a->origins, (l + 1) * nk * sizeof *no);
    if (!no)
        return -1;
    a->origins = no;
    for (size_t k = 0; k < nk; k++) {
        char buf[SIM_DESIGN_PATHLEN + SIM_DESIGN_KEYLEN + 64];
        snprintf(buf, sizeof buf, "%s:%d: row %zu, column %zu (%s)", name, line, l + 1, k + 1,
                 a->keys[k]);
        a->values[l * nk + k] = cells[k];
        a->origins[l * nk + k] = dupstr(buf);
    }
    a->n_levels = l + 1;
    return 0;
}

int sim_design_add_csv_text(sim_design *d, const char *name, const char *text, sim_err *err)
{
    const char *p = text;
    int line = 1;
    char **cells = NULL;
    if (d->n_axes >= SIM_DESIGN_MAX_AXES + 1)
        return SIM_FAIL(err, SIM_EINPUT, "%s: one design file only", name);
    while (*p && blank_or_comment(p)) {
        skip_line(&p);
        line++;
    }
    int hline = line;
    long nh = csv_record(&p, &cells, &line);
    if (nh <= 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s:%d: no header; allowed: a first line of scenario keys "
                        "separated by commas", name, hline);
    sim_design_axis *a = &d->axes[d->n_axes];
    memset(a, 0, sizeof *a);
    a->keys = cells;
    a->n_keys = (size_t)nh;
    for (size_t k = 0; k < a->n_keys; k++) {
        char o[SIM_DESIGN_PATHLEN + 64];
        snprintf(o, sizeof o, "%s:%d: column %zu", name, hline, k + 1);
        if (check_key(a->keys[k], o, err)) {
            axis_free(a);
            return SIM_EINPUT;
        }
    }
    line++;
    while (*p) {
        if (blank_or_comment(p)) {
            skip_line(&p);
            line++;
            continue;
        }
        int row_line = line;
        long n = csv_record(&p, &cells, &line);
        line++;
        int rc = SIM_OK;
        if (n < 0)
            rc = SIM_FAIL(err, SIM_EINPUT, "%s:%d: row %zu: unreadable (an unclosed quote?)", name,
                          row_line, a->n_levels + 1);
        else if ((size_t)n != a->n_keys)
            rc = SIM_FAIL(err, SIM_EINPUT, "%s:%d: row %zu: %ld cells; allowed: %zu, one per header key",
                          name, row_line, a->n_levels + 1, n, a->n_keys);
        for (long k = 0; !rc && k < n; k++)
            if (!cells[k][0])
                rc = SIM_FAIL(err, SIM_EINPUT, "%s:%d: row %zu, column %ld (%s): empty cell; allowed: a "
                              "value in --set syntax", name, row_line, a->n_levels + 1, k + 1, a->keys[k]);
        if (!rc && csv_add_row(a, name, row_line, cells))
            rc = SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
        if (rc) {
            if (n > 0)
                free_list(cells, n);
            axis_free(a);
            return rc;
        }
        free(cells);
    }
    if (a->n_levels == 0) {
        axis_free(a);
        return SIM_FAIL(err, SIM_EINPUT, "%s: no rows; allowed: one row per variant after the header",
                        name);
    }
    d->n_axes++;
    return SIM_OK;
}

int sim_design_add_csv(sim_design *d, const char *path, sim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot open the design file", path);
    size_t cap = 1 << 14, n = 0;
    char *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory reading %s", path);
    buf[n] = '\0';
    int rc = sim_design_add_csv_text(d, path, buf, err);
    free(buf);
    return rc;
}

/* ---- the product ------------------------------------------------------------ */

int sim_design_finish(sim_design *d, sim_err *err)
{
    size_t nk = 0, nv = 1;
    for (size_t i = 0; i < d->n_axes; i++) {
        nk += d->axes[i].n_keys;
        nv *= d->axes[i].n_levels;
        if (nv > SIM_DESIGN_MAX_VARIANTS)
            return SIM_FAIL(err, SIM_EINPUT, "more than %d variants; allowed: fewer sweep values",
                            SIM_DESIGN_MAX_VARIANTS);
    }
    free(d->keys);
    d->keys = calloc(nk + 1, sizeof *d->keys);
    if (!d->keys)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    size_t j = 0;
    for (size_t i = 0; i < d->n_axes; i++)
        for (size_t k = 0; k < d->axes[i].n_keys; k++) {
            for (size_t m = 0; m < j; m++)
                if (!strcmp(d->keys[m], d->axes[i].keys[k]))
                    return SIM_FAIL(err, SIM_EINPUT, "%s: the key %s is varied twice; allowed: each key "
                                    "in one sweep, zip or design column", d->axes[i].origins[k],
                                    d->keys[m]);
            d->keys[j++] = d->axes[i].keys[k];
        }
    d->n_keys = nk;
    d->n_variants = nv;
    return SIM_OK;
}

/* The axis and key index within it of global key k; the level of that
 * axis in variant v (first axis slowest). */
static const sim_design_axis *locate(const sim_design *d, size_t v, size_t k, size_t *cell)
{
    size_t stride = d->n_variants, first = 0;
    for (size_t i = 0; i < d->n_axes; i++) {
        const sim_design_axis *a = &d->axes[i];
        stride /= a->n_levels;
        if (k < first + a->n_keys) {
            size_t level = (v / stride) % a->n_levels;
            *cell = level * a->n_keys + (k - first);
            return a;
        }
        first += a->n_keys;
    }
    return NULL;
}

const char *sim_design_value(const sim_design *d, size_t v, size_t k)
{
    size_t cell;
    const sim_design_axis *a = locate(d, v, k, &cell);
    return a ? a->values[cell] : NULL;
}

const char *sim_design_origin(const sim_design *d, size_t v, size_t k)
{
    size_t cell;
    const sim_design_axis *a = locate(d, v, k, &cell);
    return a ? a->origins[cell] : NULL;
}
