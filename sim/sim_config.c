/*
 * sim_config.c — the schema engine behind scenario files (see sim_config.h).
 *
 * libconfig parses the text into a tree; this file walks that tree and the
 * module key tables together, so one table drives reading, validation,
 * defaults, --set overrides, the effective-scenario text and the markdown
 * key reference.  It knows nothing of meters or the DCC: every domain fact
 * lives in the tables and their check callbacks.
 *
 * Order of work for a load:
 *   1. sanity-check the schema tables (a bad table is a programmer error,
 *      SIM_ERUNTIME, reported before any user input is blamed);
 *   2. parse the text (syntax errors are FILE:LINE, SIM_EINPUT);
 *   3. apply each --set to the parsed tree, in order, marking what it wrote
 *      (a libconfig hook), so later messages say "--set" instead of a line;
 *   4. walk schema and tree together: unknown keys first (a misspelt key is
 *      the real cause of the "missing required key" that would follow),
 *      then every key, typed and range-checked, defaults for absent keys,
 *      then the group's cross-key check;
 *   5. write the effective text from the struct, not from the tree, so that
 *      what is written is exactly what the run used.
 */
#include "sim_config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim_time.h"

#define CFG_PATH_MAX  512   /* longest key path in a message; longer ones are cut, not overflowed */
#define CFG_MAX_DEPTH 16    /* schema nesting; guards a table that includes itself */
#define CFG_SET       "--set"
#define CFG_MAX_TOKENS 32   /* path segments in one override */

/* The hook value that marks a setting written by --set.  A const object:
 * only its address is used, so this is not mutable global state. */
static const char cfg_set_mark = 's';

/* Where the value being read came from: a file and line, or "--set". */
typedef struct cfg_origin {
    const char *file;
    int line;
} cfg_origin;

/* ---- messages ---------------------------------------------------------------- */

/* "FILE:LINE: PATH: msg", "FILE: PATH: msg" (no line known) or
 * "--set PATH: msg"; PATH and its colon are left out when empty. */
static int cfg_vfail(sim_err *err, int code, const char *file, int line, const char *path,
                     const char *fmt, va_list ap)
{
    char msg[sizeof err->msg];
    char where[CFG_PATH_MAX + 256];
    const char *p = path ? path : "";
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (file && strcmp(file, CFG_SET) == 0)
        snprintf(where, sizeof where, "%s%s%s", CFG_SET, p[0] ? " " : "", p);
    else if (line > 0)
        snprintf(where, sizeof where, "%s:%d%s%s", file ? file : "?", line, p[0] ? ": " : "", p);
    else
        snprintf(where, sizeof where, "%s%s%s", file ? file : "?", p[0] ? ": " : "", p);
    return SIM_FAIL(err, code, "%s: %s", where, msg);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int cfg_fail_at(sim_err *err, cfg_origin o, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cfg_vfail(err, SIM_EINPUT, o.file, o.line, path, fmt, ap);
    va_end(ap);
    return rc;
}

int sim_cfg_fail(sim_err *err, const sim_cfg_where *where, const char *key, const char *fmt, ...)
{
    char path[CFG_PATH_MAX];
    const char *wp = where && where->path ? where->path : "";
    if (key && key[0])
        snprintf(path, sizeof path, "%s%s%s", wp, wp[0] ? "." : "", key);
    else
        snprintf(path, sizeof path, "%s", wp);
    va_list ap;
    va_start(ap, fmt);
    int rc = cfg_vfail(err, SIM_EINPUT, where ? where->file : NULL, where ? where->line : 0,
                       path, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- small helpers ------------------------------------------------------------ */

/* Append ".name" (or "name" at the start) or ".[idx]" (idx >= 0) to path;
 * returns the old length so the caller can cut back with path[old] = 0. */
static size_t path_push(char *path, const char *name, long idx)
{
    size_t len = strlen(path);
    char seg[CFG_PATH_MAX];
    if (idx >= 0)
        snprintf(seg, sizeof seg, "[%ld]", idx);
    else
        snprintf(seg, sizeof seg, "%.*s", CFG_PATH_MAX - 1, name ? name : "?");
    size_t at = len;
    if (len && at + 1 < CFG_PATH_MAX)
        path[at++] = '.';
    for (const char *c = seg; *c && at + 1 < CFG_PATH_MAX; c++)
        path[at++] = *c;
    path[at] = '\0';
    return len;
}

static const sim_cfg_key *find_key(const sim_cfg_schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_keys; i++)
        if (strcmp(s->keys[i].name, name) == 0)
            return &s->keys[i];
    return NULL;
}

/* Optimal-string-alignment distance (insert, delete, substitute, swap two
 * neighbours), case-folded: the typos people make in key names.  Names
 * longer than 63 characters are never suggested (returns a large value). */
static int edit_distance(const char *a, const char *b)
{
    enum { N = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= N || lb >= N)
        return 1000;
    int d[N][N];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + (ca != cb) < best)
                best = d[i - 1][j - 1] + (ca != cb);
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The closest of `names` to `word` within distance 2, or NULL. */
static const char *closest_name(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < n; i++) {
        int dist = edit_distance(word, names[i]);
        if (dist < best_d) {
            best_d = dist;
            best = names[i];
        }
    }
    return best;
}

static const char *closest_key(const char *word, const sim_cfg_schema *s)
{
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < s->n_keys; i++) {
        int dist = edit_distance(word, s->keys[i].name);
        if (dist < best_d) {
            best_d = dist;
            best = s->keys[i].name;
        }
    }
    return best;
}

static void key_list(const sim_cfg_schema *s, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_keys && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", s->keys[i].name);
}

/* Integers print as integers (ranges like 1 .. 40000000), others with %g. */
static void fmt_num(double x, char *buf, size_t n)
{
    if (isinf(x))
        snprintf(buf, n, "%s", x < 0 ? "-inf" : "inf");
    else if (x == floor(x) && fabs(x) < 1e16)
        snprintf(buf, n, "%.0f", x);
    else
        snprintf(buf, n, "%.10g", x);
}

/* Shortest text that reads back as exactly x, and that libconfig reads as
 * a float (so it carries a '.' or an exponent). */
static void fmt_double_exact(double x, char *buf, size_t n)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strncat(buf, ".0", n - strlen(buf) - 1);
}

static int bounded(const sim_cfg_key *k) { return !(k->min == 0 && k->max == 0); }

/* Allowed element counts of a LIST: [min, max] capped by the capacity;
 * min == max == 0 means "0 up to the capacity". */
static void list_bounds(const sim_cfg_key *k, size_t *lo, size_t *hi)
{
    *lo = 0;
    *hi = k->max_count;
    if (bounded(k)) {
        if (k->min > 0)
            *lo = (size_t)k->min;
        if (k->max >= 0 && k->max < (double)k->max_count)
            *hi = (size_t)k->max;
    }
}

static size_t enum_count(const sim_cfg_key *k)
{
    size_t n = 0;
    while (k->enum_names[n])
        n++;
    return n;
}

/* What values a key takes, in words (used by errors and the reference). */
static void allowed_text(const sim_cfg_key *k, char *buf, size_t n)
{
    char a[40], b[40];
    size_t len;
    fmt_num(k->min, a, sizeof a);
    fmt_num(k->max, b, sizeof b);
    switch (k->kind) {
    case SIM_CFG_INT:
        if (bounded(k))
            snprintf(buf, n, "integer %s .. %s", a, b);
        else
            snprintf(buf, n, "any integer");
        break;
    case SIM_CFG_FLOAT:
        if (bounded(k))
            snprintf(buf, n, "number %s .. %s", a, b);
        else
            snprintf(buf, n, "any number");
        break;
    case SIM_CFG_BOOL:
        snprintf(buf, n, "true, false");
        break;
    case SIM_CFG_STRING:
        snprintf(buf, n, "text of at most %d characters", SIM_CFG_STRLEN - 1);
        break;
    case SIM_CFG_DATE:
    case SIM_CFG_DATES: {
        const char *what = k->kind == SIM_CFG_DATE ? "date" : "array of dates";
        len = (size_t)snprintf(buf, n, "%s \"YYYY-MM-DD\"", what);
        if (k->kind == SIM_CFG_DATES && len < n)
            len += (size_t)snprintf(buf + len, n - len, ", at most %zu", k->max_count);
        if (bounded(k) && len < n) {
            sim_format_date((int64_t)k->min, a);
            sim_format_date((int64_t)k->max, b);
            snprintf(buf + len, n - len, ", from %s to %s", a, b);
        }
        break;
    }
    case SIM_CFG_ENUM:
        len = 0;
        buf[0] = '\0';
        for (size_t i = 0; k->enum_names[i] && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s\"%s\"", i ? ", " : "", k->enum_names[i]);
        break;
    case SIM_CFG_FLOATS:
        len = (size_t)snprintf(buf, n, "array of at most %zu numbers", k->max_count);
        if (bounded(k) && len < n)
            snprintf(buf + len, n - len, ", each %s .. %s", a, b);
        break;
    case SIM_CFG_GROUP:
        snprintf(buf, n, "a group { ... }");
        break;
    case SIM_CFG_LIST: {
        size_t lo, hi;
        list_bounds(k, &lo, &hi);
        snprintf(buf, n, "a list ( { ... }, ... ) of %zu .. %zu groups", lo, hi);
        break;
    }
    }
}

static const char *kind_name(sim_cfg_kind kind)
{
    switch (kind) {
    case SIM_CFG_INT: return "int";
    case SIM_CFG_FLOAT: return "float";
    case SIM_CFG_BOOL: return "bool";
    case SIM_CFG_STRING: return "string";
    case SIM_CFG_DATE: return "date";
    case SIM_CFG_ENUM: return "enum";
    case SIM_CFG_FLOATS: return "float array";
    case SIM_CFG_DATES: return "date array";
    case SIM_CFG_GROUP: return "group";
    case SIM_CFG_LIST: return "list of groups";
    }
    return "?";
}

/* A parsed value in words, for "expected X, got Y". */
static void describe(const config_setting_t *st, char *buf, size_t n)
{
    char num[40];
    switch (config_setting_type(st)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(buf, n, "integer %lld", config_setting_get_int64(st));
        break;
    case CONFIG_TYPE_FLOAT:
        snprintf(num, sizeof num, "%g", config_setting_get_float(st));
        snprintf(buf, n, "number %s", num);
        break;
    case CONFIG_TYPE_BOOL:
        snprintf(buf, n, "%s", config_setting_get_bool(st) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING:
        snprintf(buf, n, "string \"%.60s\"", config_setting_get_string(st));
        break;
    case CONFIG_TYPE_GROUP:
        snprintf(buf, n, "a group { ... }");
        break;
    case CONFIG_TYPE_LIST:
        snprintf(buf, n, "a list ( ... )");
        break;
    case CONFIG_TYPE_ARRAY:
        snprintf(buf, n, "an array [ ... ]");
        break;
    default:
        snprintf(buf, n, "nothing");
        break;
    }
}

static cfg_origin origin_of(const config_setting_t *st, cfg_origin parent)
{
    if (config_setting_get_hook(st) == (const void *)&cfg_set_mark)
        return (cfg_origin){CFG_SET, 0};
    /* Line 0: made by us (a default, or a value under a --set), so the
     * enclosing setting's origin is the honest answer. */
    if (config_setting_source_line(st) == 0)
        return parent;
    const char *f = config_setting_source_file(st);
    return (cfg_origin){f ? f : parent.file, (int)config_setting_source_line(st)};
}

/* Settings parsed from a schema default carry the line of the scratch text;
 * zero them so they report the enclosing group's place instead.  Writes a
 * public field of libconfig's struct: libconfig has no setter for it. */
static void zero_lines(config_setting_t *st)
{
    st->line = 0;
    st->file = NULL;
    if (config_setting_is_aggregate(st))
        for (int i = 0; i < config_setting_length(st); i++)
            zero_lines(config_setting_get_elem(st, (unsigned)i));
}

/* Deep copy src under parent (name ignored when parent is a list/array). */
static config_setting_t *copy_setting(config_setting_t *parent, const char *name,
                                      const config_setting_t *src)
{
    int type = config_setting_type(src);
    int in_seq = config_setting_is_list(parent) || config_setting_is_array(parent);
    config_setting_t *d = config_setting_add(parent, in_seq ? NULL : name, type);
    if (!d)
        return NULL;
    int ok = CONFIG_TRUE;
    switch (type) {
    case CONFIG_TYPE_INT: ok = config_setting_set_int(d, config_setting_get_int(src)); break;
    case CONFIG_TYPE_INT64: ok = config_setting_set_int64(d, config_setting_get_int64(src)); break;
    case CONFIG_TYPE_FLOAT: ok = config_setting_set_float(d, config_setting_get_float(src)); break;
    case CONFIG_TYPE_BOOL: ok = config_setting_set_bool(d, config_setting_get_bool(src)); break;
    case CONFIG_TYPE_STRING: ok = config_setting_set_string(d, config_setting_get_string(src)); break;
    default:
        for (int i = 0; i < config_setting_length(src); i++) {
            const config_setting_t *e = config_setting_get_elem(src, (unsigned)i);
            if (!copy_setting(d, config_setting_name(e), e))
                return NULL;
        }
        break;
    }
    return ok ? d : NULL;
}

/* libconfig 1.5 reads a decimal integer literal that does not fit 32 bits,
 * and has no 'L' suffix, as the wrapped value (3000000000 becomes
 * -1294967296) instead of failing.  Before trusting a parsed tree we look
 * for such literals in the (already syntactically valid) text.  Returns
 * the 1-based line of the first one and copies it into lit, or 0. */
static int find_wrapping_int(const char *text, char *lit, size_t n)
{
    int line = 1;
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            line++;
            p++;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '\n')
                    line++;
            }
            if (*p)
                p++;
        } else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
                if (*p == '\n')
                    line++;
            if (*p)
                p += 2;
        } else if (*p >= '0' && *p <= '9') {
            /* A digit inside a name (key-2, a1) is not a number. */
            const char *q = p;
            int neg = 0;
            if (q > text && (q[-1] == '-' || q[-1] == '+')) {
                neg = q[-1] == '-';
                q--;
            }
            char before = q > text ? q[-1] : ' ';
            int in_name = (before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z') ||
                          (before >= '0' && before <= '9') || before == '_' || before == '*' ||
                          before == '.';
            const char *e = p;
            if (e[0] == '0' && (e[1] == 'x' || e[1] == 'X')) {
                e += 2;
                in_name = 1;   /* hex: libconfig keeps the bits; not our concern */
            }
            while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f') || (*e >= 'A' && *e <= 'F'))
                e++;
            const char *end = p;
            while (*end >= '0' && *end <= '9')
                end++;
            int is_float = *end == '.' || *end == 'e' || *end == 'E';
            if (!in_name && !is_float && *end != 'L') {
                size_t digits = (size_t)(end - p);
                const char *d = p;
                while (digits > 1 && *d == '0') {
                    d++;
                    digits--;
                }
                int wraps = digits > 10 ||
                            (digits == 10 && strncmp(d, neg ? "2147483648" : "2147483647", 10) > 0);
                if (wraps) {
                    snprintf(lit, n, "%s%.*s", neg ? "-" : "", (int)(end - p), p);
                    return line;
                }
            }
            /* Skip the rest of the token (fraction, exponent, suffix). */
            p = end > e ? end : e;
            while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
                   ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E')) || *p == 'L')
                p++;
        } else {
            p++;
        }
    }
    return 0;
}

/* ---- schema sanity (programmer errors) ------------------------------------- */

static int check_schema(const sim_cfg_schema *s, const char *path, int depth, sim_err *err)
{
    if (!s)
        return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: missing sub-schema", path);
    if (depth > CFG_MAX_DEPTH)
        return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: nested deeper than %d (a table includes itself?)",
                        path, CFG_MAX_DEPTH);
    if (s->n_keys && !s->keys)
        return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: n_keys without keys", path);
    for (size_t i = 0; i < s->n_keys; i++) {
        const sim_cfg_key *k = &s->keys[i];
        char sub[CFG_PATH_MAX];
        if (!k->name || !k->name[0])
            return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: key %zu has no name", path, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->keys[j].name, k->name) == 0)
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: key %s appears twice", path, k->name);
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", k->name);
        if (k->min > k->max)
            return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: min > max", sub);
        switch (k->kind) {
        case SIM_CFG_INT: case SIM_CFG_FLOAT: case SIM_CFG_BOOL: case SIM_CFG_STRING: case SIM_CFG_DATE:
            break;
        case SIM_CFG_ENUM:
            if (!k->enum_names || !k->enum_names[0])
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: enum without names", sub);
            break;
        case SIM_CFG_FLOATS: case SIM_CFG_DATES:
            if (k->max_count == 0)
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: array with max_count 0", sub);
            if (k->count_offset == k->offset)
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: count_offset not set", sub);
            break;
        case SIM_CFG_LIST:
            if (k->count_offset == k->offset)
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: count_offset not set", sub);
            if (k->max_count == 0 || k->elem_size == 0)
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: list needs max_count and elem_size", sub);
            if (k->max_count > (size_t)INT_MAX)
                return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: max_count too large", sub);
            strncat(sub, ".[]", sizeof sub - strlen(sub) - 1);
            /* fall through */
        case SIM_CFG_GROUP: {
            int rc = check_schema(k->sub, sub, depth + 1, err);
            if (rc)
                return rc;
            break;
        }
        default:
            return SIM_FAIL(err, SIM_ERUNTIME, "schema %s: unknown kind %d", sub, (int)k->kind);
        }
    }
    return SIM_OK;
}

/* ---- reading values ------------------------------------------------------------ */

typedef struct cfg_read {
    sim_err *err;
    char path[CFG_PATH_MAX];   /* key path of what is being read, grown and cut as we descend */
} cfg_read;

static int read_group(cfg_read *rd, const sim_cfg_schema *s, void *obj,
                      const config_setting_t *grp, cfg_origin o);

/* 0: an integer in *v; 1: not a number; 2: a number but not a whole one.
 * Whole floats (1e6, 4096.0) are accepted: people write populations so. */
static int get_int(const config_setting_t *st, int64_t *v)
{
    int t = config_setting_type(st);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        *v = config_setting_get_int64(st);
        return 0;
    }
    if (t == CONFIG_TYPE_FLOAT) {
        double d = config_setting_get_float(st);
        if (d == floor(d) && fabs(d) <= 9007199254740992.0) {   /* 2^53: exact in a double */
            *v = (int64_t)d;
            return 0;
        }
        return 2;
    }
    return 1;
}

/* 0: a finite number in *v; 1: not a number; 2: not finite (1e999). */
static int get_num(const config_setting_t *st, double *v)
{
    int t = config_setting_type(st);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *v = (double)config_setting_get_int64(st);
    else if (t == CONFIG_TYPE_FLOAT)
        *v = config_setting_get_float(st);
    else
        return 1;
    return isfinite(*v) ? 0 : 2;
}

static int fail_type(cfg_read *rd, cfg_origin o, const sim_cfg_key *k, const char *expected,
                     const config_setting_t *st)
{
    char got[128], allowed[512];
    describe(st, got, sizeof got);
    allowed_text(k, allowed, sizeof allowed);
    return cfg_fail_at(rd->err, o, rd->path, "expected %s, got %s; allowed: %s", expected, got, allowed);
}

static int fail_range(cfg_read *rd, cfg_origin o, const sim_cfg_key *k, double v)
{
    char num[40], allowed[512];
    fmt_num(v, num, sizeof num);
    allowed_text(k, allowed, sizeof allowed);
    return cfg_fail_at(rd->err, o, rd->path, "%s is out of range; allowed: %s", num, allowed);
}

/* One date (or one element of a date array): text, strictly YYYY-MM-DD, in range. */
static int read_date(cfg_read *rd, cfg_origin o, const sim_cfg_key *k, const config_setting_t *st,
                     int64_t *out)
{
    if (config_setting_type(st) != CONFIG_TYPE_STRING)
        return fail_type(rd, o, k, "a date \"YYYY-MM-DD\"", st);
    const char *s = config_setting_get_string(st);
    int64_t days;
    if (sim_parse_date(s, &days) != 0)
        return cfg_fail_at(rd->err, o, rd->path,
                           "\"%.40s\" is not a valid date; allowed: a calendar date \"YYYY-MM-DD\""
                           " between 1900 and 2200", s);
    if (bounded(k) && ((double)days < k->min || (double)days > k->max)) {
        char a[16], b[16];
        sim_format_date((int64_t)k->min, a);
        sim_format_date((int64_t)k->max, b);
        return cfg_fail_at(rd->err, o, rd->path, "%s is out of range; allowed: dates from %s to %s",
                           s, a, b);
    }
    *out = days;
    return SIM_OK;
}

static int read_value(cfg_read *rd, const sim_cfg_key *k, void *obj, const config_setting_t *st,
                      cfg_origin o)
{
    char *field = (char *)obj + k->offset;
    int type = config_setting_type(st);
    switch (k->kind) {
    case SIM_CFG_INT: {
        int64_t v = 0;
        int r = get_int(st, &v);
        if (r)
            return fail_type(rd, o, k, "a whole number", st);
        if (bounded(k) && ((double)v < k->min || (double)v > k->max))
            return fail_range(rd, o, k, (double)v);
        *(int64_t *)(void *)field = v;
        return SIM_OK;
    }
    case SIM_CFG_FLOAT: {
        double v = 0;
        if (get_num(st, &v))
            return fail_type(rd, o, k, "a finite number", st);
        if (bounded(k) && (v < k->min || v > k->max))
            return fail_range(rd, o, k, v);
        *(double *)(void *)field = v;
        return SIM_OK;
    }
    case SIM_CFG_BOOL:
        if (type != CONFIG_TYPE_BOOL)
            return fail_type(rd, o, k, "true or false", st);
        *(int *)(void *)field = config_setting_get_bool(st) ? 1 : 0;
        return SIM_OK;
    case SIM_CFG_STRING: {
        if (type != CONFIG_TYPE_STRING)
            return fail_type(rd, o, k, "a quoted string", st);
        const char *s = config_setting_get_string(st);
        if (strlen(s) >= SIM_CFG_STRLEN)
            return cfg_fail_at(rd->err, o, rd->path, "text of %zu characters is too long; allowed: "
                               "at most %d characters", strlen(s), SIM_CFG_STRLEN - 1);
        memset(field, 0, SIM_CFG_STRLEN);
        memcpy(field, s, strlen(s));
        return SIM_OK;
    }
    case SIM_CFG_DATE: {
        int64_t days;
        int rc = read_date(rd, o, k, st, &days);
        if (rc)
            return rc;
        *(int64_t *)(void *)field = days;
        return SIM_OK;
    }
    case SIM_CFG_ENUM: {
        char allowed[512];
        if (type != CONFIG_TYPE_STRING)
            return fail_type(rd, o, k, "a quoted name", st);
        const char *s = config_setting_get_string(st);
        size_t n = enum_count(k);
        for (size_t i = 0; i < n; i++)
            if (strcmp(s, k->enum_names[i]) == 0) {
                *(int *)(void *)field = (int)i;
                return SIM_OK;
            }
        allowed_text(k, allowed, sizeof allowed);
        const char *near = closest_name(s, k->enum_names, n);
        if (near)
            return cfg_fail_at(rd->err, o, rd->path, "unknown name \"%.40s\" (did you mean \"%s\"?); "
                               "allowed: %s", s, near, allowed);
        return cfg_fail_at(rd->err, o, rd->path, "unknown name \"%.40s\"; allowed: %s", s, allowed);
    }
    case SIM_CFG_FLOATS:
    case SIM_CFG_DATES: {
        if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
            return fail_type(rd, o, k, k->kind == SIM_CFG_FLOATS ? "an array [ ... ] of numbers"
                                                                 : "an array [ ... ] of dates", st);
        size_t count = (size_t)config_setting_length(st);
        if (count > k->max_count) {
            char allowed[512];
            allowed_text(k, allowed, sizeof allowed);
            return cfg_fail_at(rd->err, o, rd->path, "has %zu elements, too many; allowed: %s",
                               count, allowed);
        }
        for (size_t i = 0; i < count; i++) {
            const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
            size_t back = path_push(rd->path, NULL, (long)i);
            int rc = SIM_OK;
            if (k->kind == SIM_CFG_FLOATS) {
                double v = 0;
                if (get_num(e, &v))
                    rc = fail_type(rd, o, k, "a finite number", e);
                else if (bounded(k) && (v < k->min || v > k->max))
                    rc = fail_range(rd, o, k, v);
                else
                    ((double *)(void *)field)[i] = v;
            } else {
                rc = read_date(rd, o, k, e, &((int64_t *)(void *)field)[i]);
            }
            if (rc)
                return rc;
            rd->path[back] = '\0';
        }
        *(size_t *)(void *)((char *)obj + k->count_offset) = count;
        return SIM_OK;
    }
    case SIM_CFG_GROUP:
        if (type != CONFIG_TYPE_GROUP)
            return fail_type(rd, o, k, "a group { ... }", st);
        return read_group(rd, k->sub, field, st, o);
    case SIM_CFG_LIST: {
        size_t lo, hi;
        /* An empty array [] is accepted as an empty list: libconfig can't tell. */
        if (type != CONFIG_TYPE_LIST && !(type == CONFIG_TYPE_ARRAY && config_setting_length(st) == 0))
            return fail_type(rd, o, k, "a list ( { ... }, ... )", st);
        list_bounds(k, &lo, &hi);
        /* The count is checked before it sizes anything. */
        size_t count = (size_t)config_setting_length(st);
        if (count < lo || count > hi)
            return cfg_fail_at(rd->err, o, rd->path, "has %zu elements, too %s; allowed: %zu .. %zu elements",
                               count, count < lo ? "few" : "many", lo, hi);
        memset(field, 0, k->max_count * k->elem_size);
        for (size_t i = 0; i < count; i++) {
            const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
            size_t back = path_push(rd->path, NULL, (long)i);
            cfg_origin eo = origin_of(e, o);
            if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
                char got[128];
                describe(e, got, sizeof got);
                return cfg_fail_at(rd->err, eo, rd->path, "expected a group { ... }, got %s; allowed: %s"
                                   " elements are groups", got, k->name);
            }
            int rc = read_group(rd, k->sub, field + i * k->elem_size, e, eo);
            if (rc)
                return rc;
            rd->path[back] = '\0';
        }
        *(size_t *)(void *)((char *)obj + k->count_offset) = count;
        return SIM_OK;
    }
    }
    return SIM_FAIL(rd->err, SIM_ERUNTIME, "%s: unknown key kind %d", rd->path, (int)k->kind);
}

/* Parse a key's default text into a scratch config: "x = DEF;". */
static int parse_default(config_t *dc, const sim_cfg_key *k, const char *path, sim_err *err)
{
    size_t n = strlen(k->def) + 16;
    char *text = malloc(n);
    if (!text)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    snprintf(text, n, "x = %s;", k->def);
    config_init(dc);
    int ok = config_read_string(dc, text);
    free(text);
    if (!ok)
        return SIM_FAIL(err, SIM_ERUNTIME, "schema bug: the default of %s (%s) is not libconfig text: %s",
                        path, k->def, config_error_text(dc));
    zero_lines(config_lookup(dc, "x"));
    return SIM_OK;
}

static int read_group(cfg_read *rd, const sim_cfg_schema *s, void *obj,
                      const config_setting_t *grp, cfg_origin o)
{
    int n = config_setting_length(grp);
    /* Unknown keys first, in file order. */
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(grp, (unsigned)i);
        const char *name = config_setting_name(m);
        if (find_key(s, name))
            continue;
        size_t back = path_push(rd->path, name, -1);
        const char *near = closest_key(name, s);
        int rc;
        if (near) {
            rc = cfg_fail_at(rd->err, origin_of(m, o), rd->path, "unknown key (did you mean \"%s\"?)", near);
        } else {
            char keys[700];
            key_list(s, keys, sizeof keys);
            rc = cfg_fail_at(rd->err, origin_of(m, o), rd->path, "unknown key; allowed: %s", keys);
        }
        rd->path[back] = '\0';
        return rc;
    }
    for (size_t i = 0; i < s->n_keys; i++) {
        const sim_cfg_key *k = &s->keys[i];
        const config_setting_t *m = config_setting_get_member(grp, k->name);
        size_t back = path_push(rd->path, k->name, -1);
        int rc;
        if (m) {
            rc = read_value(rd, k, obj, m, origin_of(m, o));
        } else if (k->def) {
            config_t dc;
            rc = parse_default(&dc, k, rd->path, rd->err);
            if (rc == SIM_OK)
                rc = read_value(rd, k, obj, config_lookup(&dc, "x"), o);
            config_destroy(&dc);
        } else {
            char allowed[512];
            allowed_text(k, allowed, sizeof allowed);
            rc = cfg_fail_at(rd->err, o, rd->path, "missing required key; allowed: %s", allowed);
        }
        if (rc)
            return rc;
        rd->path[back] = '\0';
    }
    if (s->check) {
        sim_cfg_where w = {o.file, o.line, rd->path};
        int rc = s->check(obj, &w, rd->err);
        if (rc) {
            if (rd->err && rd->err->code == SIM_OK)
                return sim_cfg_fail(rd->err, &w, NULL, "failed a consistency check");
            return rc;
        }
    }
    return SIM_OK;
}

/* ---- overrides ------------------------------------------------------------------- */

typedef struct cfg_token {
    char name[80];
    long index;   /* >= 0: an element index "[N]"; -1: a key name */
} cfg_token;

/* Split "a.b.[1].c" (also "b[1]") into tokens; -1 if malformed. */
static int tokenize_path(const char *path, size_t len, cfg_token *tok, int max)
{
    int nt = 0;
    size_t i = 0;
    while (i < len) {
        if (nt >= max)
            return -1;
        cfg_token *t = &tok[nt++];
        if (path[i] == '[') {
            char *end;
            errno = 0;
            long v = strtol(path + i + 1, &end, 10);
            if (end == path + i + 1 || *end != ']' || v < 0 || errno || (size_t)(end - path) >= len)
                return -1;
            t->index = v;
            t->name[0] = '\0';
            i = (size_t)(end - path) + 1;
        } else {
            size_t j = i;
            while (j < len && path[j] != '.' && path[j] != '[')
                j++;
            if (j == i || j - i >= sizeof t->name)
                return -1;
            memcpy(t->name, path + i, j - i);
            t->name[j - i] = '\0';
            t->index = -1;
            i = j;
        }
        if (i < len && path[i] == '.') {
            i++;
            if (i == len)
                return -1;
        } else if (i < len && path[i] != '[') {
            return -1;
        }
    }
    return nt;
}

/* Put a key that is absent from the file into the tree so that a --set can
 * reach below it: its default if it has one, else an empty group or list. */
static config_setting_t *materialize(config_setting_t *grp, const sim_cfg_key *k, const char *path,
                                     sim_err *err)
{
    config_setting_t *m = NULL;
    if (k->def) {
        config_t dc;
        if (parse_default(&dc, k, path, err))
            return NULL;
        m = copy_setting(grp, k->name, config_lookup(&dc, "x"));
        config_destroy(&dc);
    } else {
        m = config_setting_add(grp, k->name, k->kind == SIM_CFG_LIST ? CONFIG_TYPE_LIST : CONFIG_TYPE_GROUP);
    }
    if (!m)
        SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot build the tree for --set", path);
    return m;
}

/* An override's value: libconfig text, else (a bare word such as north or
 * 2021-04-01) a string.  *value points into vc, which the caller
 * destroys.  `path` (p0, plen) is for the message. */
static int override_value(const char *v, config_t *vc, const config_setting_t **value, const char *p0, size_t plen,
                          sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0};
    while (isspace((unsigned char)*v))
        v++;
    size_t vlen = strlen(v);
    while (vlen && isspace((unsigned char)v[vlen - 1]))
        vlen--;
    char *vtext = malloc(vlen + 16);
    if (!vtext)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    snprintf(vtext, vlen + 16, "v = %.*s;", (int)vlen, v);
    char lit[40];
    if (config_read_string(vc, vtext) && config_setting_length(config_root_setting(vc)) == 1) {
        *value = config_lookup(vc, "v");
        if (find_wrapping_int(vtext, lit, sizeof lit)) {
            free(vtext);
            char path[CFG_PATH_MAX];
            snprintf(path, sizeof path, "%.*s", (int)plen, p0);
            return cfg_fail_at(err, set, path, "integer %s does not fit 32 bits; write it as %sL",
                               lit, lit);
        }
        free(vtext);
        return SIM_OK;
    }
    free(vtext);
    config_destroy(vc);
    config_init(vc);
    config_setting_t *st = config_setting_add(config_root_setting(vc), "v", CONFIG_TYPE_STRING);
    char *word = strndup(v, vlen);
    if (!st || !word || !config_setting_set_string(st, word)) {
        free(word);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    free(word);
    *value = st;
    return SIM_OK;
}

/* Where an override's path has got to: the tree node, its schema, and
 * (inside a list) the list's key. */
typedef struct ov_walk {
    config_setting_t *cur;
    const sim_cfg_schema *s;
    const sim_cfg_key *list_key;   /* non-NULL: cur is that key's list */
    cfg_origin o;
    const config_setting_t *value;
    char path[CFG_PATH_MAX];
} ov_walk;

/* A key token in a group: the last one takes the value; any other steps
 * into its group or list (made if the file has none). */
static int override_key(ov_walk *w, const cfg_token *tok, int last, sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0};
    if (tok->index >= 0) {
        path_push(w->path, NULL, tok->index);
        return cfg_fail_at(err, set, w->path, "an index [N] follows a list key, and %s is a group",
                           w->path[0] ? w->path : "the top level");
    }
    const sim_cfg_key *k = find_key(w->s, tok->name);
    path_push(w->path, tok->name, -1);
    if (!k) {
        const char *near = closest_key(tok->name, w->s);
        char keys[700];
        key_list(w->s, keys, sizeof keys);
        if (near)
            return cfg_fail_at(err, set, w->path, "unknown key (did you mean \"%s\"?)", near);
        return cfg_fail_at(err, set, w->path, "unknown key; allowed: %s", keys);
    }
    config_setting_t *m = config_setting_get_member(w->cur, k->name);
    if (last) {
        if (m && config_setting_remove(w->cur, k->name) != CONFIG_TRUE)
            return SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot replace the value", w->path);
        config_setting_t *d = copy_setting(w->cur, k->name, w->value);
        if (!d)
            return SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot store the value", w->path);
        config_setting_set_hook(d, (void *)&cfg_set_mark);
        return SIM_OK;
    }
    if (k->kind != SIM_CFG_GROUP && k->kind != SIM_CFG_LIST)
        return cfg_fail_at(err, set, w->path, "is a single %s value%s; there are no keys below it",
                           kind_name(k->kind),
                           k->kind == SIM_CFG_FLOATS || k->kind == SIM_CFG_DATES
                               ? " (set the whole array: key=[...])" : "");
    if (!m && !(m = materialize(w->cur, k, w->path, err)))
        return err ? err->code : SIM_ERUNTIME;
    w->o = origin_of(m, w->o);
    int want = k->kind == SIM_CFG_GROUP ? CONFIG_TYPE_GROUP : CONFIG_TYPE_LIST;
    if (config_setting_type(m) != want) {
        char got[128];
        describe(m, got, sizeof got);
        return cfg_fail_at(err, w->o, w->path, "expected %s, got %s", k->kind == SIM_CFG_GROUP
                           ? "a group { ... }" : "a list ( { ... }, ... )", got);
    }
    w->cur = m;
    if (k->kind == SIM_CFG_GROUP)
        w->s = k->sub;
    else
        w->list_key = k;
    return SIM_OK;
}

/* The last token is a whole list element: replace it in place (libconfig
 * can't insert at a position): empty it, then copy the new members in. */
static int override_element(ov_walk *w, config_setting_t *e, sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0};
    if (config_setting_type(w->value) != CONFIG_TYPE_GROUP) {
        char got[128];
        describe(w->value, got, sizeof got);
        return cfg_fail_at(err, set, w->path, "expected a group { ... }, got %s", got);
    }
    while (config_setting_length(e) > 0)
        config_setting_remove_elem(e, 0);
    for (int i = 0; i < config_setting_length(w->value); i++) {
        const config_setting_t *mv = config_setting_get_elem(w->value, (unsigned)i);
        if (!copy_setting(e, config_setting_name(mv), mv))
            return SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot store the value", w->path);
    }
    config_setting_set_hook(e, (void *)&cfg_set_mark);
    return SIM_OK;
}

/* An index token after a list key: an element ([len] appends one). */
static int override_index(ov_walk *w, const cfg_token *tok, int last, sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0};
    if (tok->index < 0) {
        path_push(w->path, tok->name, -1);
        return cfg_fail_at(err, set, w->path, "expected an element index such as [0] after the list");
    }
    long len = config_setting_length(w->cur);
    path_push(w->path, NULL, tok->index);
    if (tok->index > len)
        return cfg_fail_at(err, set, w->path, "no such element: the list has %ld (indices 0 .. %ld;"
                           " [%ld] appends one)", len, len - 1, len);
    config_setting_t *e = tok->index < len ? config_setting_get_elem(w->cur, (unsigned)tok->index)
                                           : config_setting_add(w->cur, NULL, CONFIG_TYPE_GROUP);
    if (!e)
        return SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot add an element", w->path);
    if (tok->index == len)   /* appended: what is missing in it is the --set's doing */
        config_setting_set_hook(e, (void *)&cfg_set_mark);
    w->o = origin_of(e, w->o);
    if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
        char got[128];
        describe(e, got, sizeof got);
        return cfg_fail_at(err, w->o, w->path, "expected a group { ... }, got %s", got);
    }
    if (last)
        return override_element(w, e, err);
    w->cur = e;
    w->s = w->list_key->sub;
    w->list_key = NULL;
    return SIM_OK;
}

/* --set path.to.key=value: parse, then walk the path through the schema
 * and the tree, making what is missing, and store the value. */
static int apply_override(config_t *cf, const sim_cfg_schema *root, const char *ov, const char *name,
                          sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0};
    const char *eq = strchr(ov, '=');
    const char *p0 = ov, *p1 = eq ? eq : ov + strlen(ov);
    while (p0 < p1 && isspace((unsigned char)*p0))
        p0++;
    while (p1 > p0 && isspace((unsigned char)p1[-1]))
        p1--;
    cfg_token tok[CFG_MAX_TOKENS];
    int nt = eq ? tokenize_path(p0, (size_t)(p1 - p0), tok, CFG_MAX_TOKENS) : -1;
    if (nt <= 0 || tok[0].index >= 0)
        return cfg_fail_at(err, set, "", "\"%.200s\": expected path.to.key=value "
                           "(e.g. run.seed=7, rollout.suppliers.[1].share=0.3)", ov);
    config_t vc;
    config_init(&vc);
    ov_walk w = {.cur = config_root_setting(cf), .s = root, .o = {name, 0}};
    int rc = override_value(eq + 1, &vc, &w.value, p0, (size_t)(p1 - p0), err);
    for (int t = 0; t < nt && rc == SIM_OK; t++)
        rc = w.list_key ? override_index(&w, &tok[t], t == nt - 1, err)
                        : override_key(&w, &tok[t], t == nt - 1, err);
    config_destroy(&vc);
    return rc;
}

/* ---- the effective text ------------------------------------------------------------ */

static void emit_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (c < 0x20)
                fprintf(out, "\\x%02x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static void emit_int(FILE *out, int64_t v)
{
    /* See find_wrapping_int: beyond 32 bits libconfig needs the L. */
    fprintf(out, "%lld%s", (long long)v, (v > INT32_MAX || v < INT32_MIN) ? "L" : "");
}

static void emit_group(FILE *out, const sim_cfg_schema *s, const void *obj, int indent);

static void emit_value(FILE *out, const sim_cfg_key *k, const void *obj, int indent)
{
    const char *field = (const char *)obj + k->offset;
    char buf[64];
    switch (k->kind) {
    case SIM_CFG_INT:
        emit_int(out, *(const int64_t *)(const void *)field);
        break;
    case SIM_CFG_FLOAT:
        fmt_double_exact(*(const double *)(const void *)field, buf, sizeof buf);
        fputs(buf, out);
        break;
    case SIM_CFG_BOOL:
        fputs(*(const int *)(const void *)field ? "true" : "false", out);
        break;
    case SIM_CFG_STRING: {
        char s[SIM_CFG_STRLEN];
        memcpy(s, field, SIM_CFG_STRLEN);
        s[SIM_CFG_STRLEN - 1] = '\0';
        emit_string(out, s);
        break;
    }
    case SIM_CFG_DATE:
        sim_format_date(*(const int64_t *)(const void *)field, buf);
        fprintf(out, "\"%s\"", buf);
        break;
    case SIM_CFG_ENUM: {
        int v = *(const int *)(const void *)field;
        emit_string(out, v >= 0 && (size_t)v < enum_count(k) ? k->enum_names[v] : "?");
        break;
    }
    case SIM_CFG_FLOATS:
    case SIM_CFG_DATES: {
        size_t count = *(const size_t *)(const void *)((const char *)obj + k->count_offset);
        if (count > k->max_count)
            count = k->max_count;
        fputc('[', out);
        for (size_t i = 0; i < count; i++) {
            if (k->kind == SIM_CFG_FLOATS) {
                fmt_double_exact(((const double *)(const void *)field)[i], buf, sizeof buf);
                fprintf(out, "%s%s", i ? ", " : "", buf);
            } else {
                sim_format_date(((const int64_t *)(const void *)field)[i], buf);
                fprintf(out, "%s\"%s\"", i ? ", " : "", buf);
            }
        }
        fputc(']', out);
        break;
    }
    case SIM_CFG_GROUP:
        fputs("{\n", out);
        emit_group(out, k->sub, field, indent + 2);
        fprintf(out, "%*s}", indent, "");
        break;
    case SIM_CFG_LIST: {
        size_t count = *(const size_t *)(const void *)((const char *)obj + k->count_offset);
        if (count > k->max_count)
            count = k->max_count;
        if (count == 0) {
            fputs("( )", out);
            break;
        }
        fputs("(\n", out);
        for (size_t i = 0; i < count; i++) {
            fprintf(out, "%*s{\n", indent + 2, "");
            emit_group(out, k->sub, field + i * k->elem_size, indent + 4);
            fprintf(out, "%*s}%s\n", indent + 2, "", i + 1 < count ? "," : "");
        }
        fprintf(out, "%*s)", indent, "");
        break;
    }
    }
}

static void emit_group(FILE *out, const sim_cfg_schema *s, const void *obj, int indent)
{
    for (size_t i = 0; i < s->n_keys; i++) {
        const sim_cfg_key *k = &s->keys[i];
        fprintf(out, "%*s%s = ", indent, "", k->name);
        emit_value(out, k, obj, indent);
        fputc(';', out);
        if (k->unit && k->kind != SIM_CFG_GROUP && k->kind != SIM_CFG_LIST)
            fprintf(out, "  # %s", k->unit);
        fputc('\n', out);
    }
}

static int effective(const sim_cfg_schema *root, const void *obj, char **text, sim_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot open a memory stream: %s", strerror(errno));
    fputs("# Effective scenario: every key with the value the run used (defaults and --set applied).\n",
          out);
    emit_group(out, root, obj, 0);
    int bad = ferror(out);
    if (fclose(out) != 0 || bad) {
        free(buf);
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot write the effective scenario text");
    }
    *text = buf;
    return SIM_OK;
}

/* ---- loading ---------------------------------------------------------------------- */

static int load(const sim_cfg_schema *root, void *obj, const char *name, const char *text,
                const char *include_dir, const char *const *overrides, size_t n_overrides,
                char **effective_text, sim_err *err)
{
    if (effective_text)
        *effective_text = NULL;
    if (!name)
        name = "scenario";
    int rc = check_schema(root, "", 0, err);
    if (rc)
        return rc;
    config_t cf;
    config_init(&cf);
    if (include_dir)
        config_set_include_dir(&cf, include_dir);
    if (!config_read_string(&cf, text)) {
        const char *why = config_error_text(&cf);
        const char *file = config_error_file(&cf) ? config_error_file(&cf) : name;
        if (why && strcmp(why, "syntax error") == 0)
            why = "not valid libconfig (look for a missing ';', '=', quote or bracket on this line "
                  "or the one before)";
        rc = SIM_FAIL(err, SIM_EINPUT, "%s:%d: syntax error: %s", file, config_error_line(&cf),
                      why ? why : "unknown");
        config_destroy(&cf);
        return rc;
    }
    char lit[40];
    int line = find_wrapping_int(text, lit, sizeof lit);
    if (line) {
        rc = SIM_FAIL(err, SIM_EINPUT, "%s:%d: integer %s does not fit 32 bits, which libconfig "
                      "silently wraps; allowed: write it with an L suffix, %sL", name, line, lit, lit);
        config_destroy(&cf);
        return rc;
    }
    if (!overrides)
        n_overrides = 0;
    for (size_t i = 0; i < n_overrides && rc == SIM_OK; i++)
        rc = apply_override(&cf, root, overrides[i], name, err);
    if (rc == SIM_OK) {
        cfg_read rd = {.err = err};
        rd.path[0] = '\0';
        rc = read_group(&rd, root, obj, config_root_setting(&cf), (cfg_origin){name, 0});
    }
    config_destroy(&cf);
    if (rc == SIM_OK && effective_text)
        rc = effective(root, obj, effective_text, err);
    return rc;
}

int sim_cfg_load_string(const sim_cfg_schema *root, void *obj, const char *name,
                        const char *text, const char *const *overrides, size_t n_overrides,
                        char **effective_text, sim_err *err)
{
    return load(root, obj, name, text ? text : "", NULL, overrides, n_overrides, effective_text, err);
}

int sim_cfg_load_file(const sim_cfg_schema *root, void *obj, const char *path,
                      const char *const *overrides, size_t n_overrides,
                      char **effective_text, sim_err *err)
{
    /* Read the text ourselves: the 32-bit literal check needs it, and the
     * messages name the file exactly as the user typed it. */
    FILE *f = fopen(path, "rb");
    if (!f)
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot open the scenario file: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                return SIM_FAIL(err, SIM_ERUNTIME, "%s: out of memory reading the file", path);
            }
            text = t;
        }
        size_t got = fread(text + len, 1, 4096, f);
        len += got;
        if (got < 4096)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot read the scenario file", path);
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        return SIM_FAIL(err, SIM_EINPUT, "%s: not a text file (contains a NUL byte)", path);
    }
    /* @include "x.cfg" is relative to the scenario's own directory. */
    char *dir = strdup(path);
    if (!dir) {
        free(text);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int rc = load(root, obj, path, text, slash ? dir : NULL, overrides, n_overrides, effective_text, err);
    free(dir);
    free(text);
    return rc;
}

/* ---- the key reference ------------------------------------------------------------- */

static void md_cell(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static void md_section(FILE *out, const sim_cfg_schema *s, const char *path, int depth)
{
    if (depth > CFG_MAX_DEPTH)
        return;
    if (path[0])
        fprintf(out, "### `%s`\n\n", path);
    else
        fprintf(out, "### %s (top level)\n\n", s->name ? s->name : "scenario");
    if (s->doc) {
        md_cell(out, s->doc);
        fputs("\n\n", out);
    }
    fputs("| key | type | default | allowed | unit | meaning |\n", out);
    fputs("|---|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < s->n_keys; i++) {
        const sim_cfg_key *k = &s->keys[i];
        char allowed[512];
        allowed_text(k, allowed, sizeof allowed);
        fprintf(out, "| `%s%s%s` | %s | ", path, path[0] ? "." : "", k->name, kind_name(k->kind));
        if (k->def) {
            fputc('`', out);
            md_cell(out, k->def);
            fputc('`', out);
        } else {
            fputs("**required**", out);
        }
        fputs(" | ", out);
        md_cell(out, allowed);
        fputs(" | ", out);
        md_cell(out, k->unit ? k->unit : "");
        fputs(" | ", out);
        md_cell(out, k->doc ? k->doc : "");
        fputs(" |\n", out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < s->n_keys; i++) {
        const sim_cfg_key *k = &s->keys[i];
        if ((k->kind == SIM_CFG_GROUP || k->kind == SIM_CFG_LIST) && k->sub) {
            char sub[CFG_PATH_MAX];
            memcpy(sub, path, strlen(path) + 1);   /* path is always < CFG_PATH_MAX */
            path_push(sub, k->name, -1);
            if (k->kind == SIM_CFG_LIST)
                path_push(sub, "[]", -1);
            md_section(out, k->sub, sub, depth + 1);
        }
    }
}

int sim_cfg_write_markdown(const sim_cfg_schema *root, FILE *out)
{
    if (!root || !out)
        return SIM_ERUNTIME;
    md_section(out, root, "", 0);
    return ferror(out) ? SIM_ERUNTIME : SIM_OK;
}
