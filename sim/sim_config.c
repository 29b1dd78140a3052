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
 *   2. read the text as libconfig's scanner would, for what libconfig gets
 *      silently wrong: integer literals that do not fit (it wraps, cuts or
 *      saturates them), here and in every @include file, each of which is
 *      read within one size budget (SIM_CFG_MAX_BYTES) before libconfig
 *      opens it; a UTF-8 byte-order mark is skipped;
 *   3. parse the text (syntax errors are FILE:LINE, SIM_EINPUT);
 *   4. apply each --set to the parsed tree, in order, marking what it wrote
 *      (a libconfig hook holding the override's text), so later messages,
 *      cross-key checks included, say "--set" instead of a line;
 *   5. walk schema and tree together: unknown keys first (a misspelt key is
 *      the real cause of the "missing required key" that would follow),
 *      then every key, typed and range-checked, defaults for absent keys,
 *      then the group's cross-key check;
 *   6. write the effective text from the struct, not from the tree, so that
 *      what is written is exactly what the run used.
 */
#include "sim_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_time.h"

#define CFG_PATH_MAX  512   /* longest key path in a message; longer ones are cut, not overflowed */
#define CFG_MAX_DEPTH 16    /* schema nesting; guards a table that includes itself */
#define CFG_SET       "--set"
#define CFG_MAX_TOKENS 32   /* path segments in one override */

/* A setting written by --set carries that override's text as its libconfig
 * hook (the caller's string, which outlives the load); no other setting
 * has a hook. */

/* Where the value being read came from: a file and line, or a --set. */
typedef struct cfg_origin {
    const char *file;
    int line;
    const char *set;   /* the override's text "path=value" when it came from --set, else NULL */
} cfg_origin;

/* What sim_cfg_where.priv points at during a check callback: the group's
 * parsed setting and origin, from which sim_cfg_fail finds where the key it
 * blames was itself written. */
typedef struct cfg_where_priv {
    const config_setting_t *grp;
    cfg_origin o;
} cfg_where_priv;

static cfg_origin setting_origin(const config_setting_t *grp, const char *key, cfg_origin o);

/* ---- messages ---------------------------------------------------------------- */

/* Does the override text "path = value" set exactly `path`? */
static int set_names_path(const char *set, const char *path)
{
    const char *eq = strchr(set, '=');
    if (!eq)
        return 0;
    while (isspace((unsigned char)*set))
        set++;
    const char *end = eq;
    while (end > set && isspace((unsigned char)end[-1]))
        end--;
    return strlen(path) == (size_t)(end - set) && strncmp(set, path, (size_t)(end - set)) == 0;
}

/* "FILE:LINE: PATH: msg", "FILE: PATH: msg" (no line known), or for a
 * value from an override "--set PATH: msg" when PATH is what that --set
 * wrote, else "--set TEXT: PATH: msg" (a key the override brought in, or
 * a cross-key check that blames a key an override set); PATH and its
 * colon are left out when empty. */
static int cfg_vfail(sim_err *err, int code, cfg_origin o, const char *path, const char *fmt, va_list ap)
{
    char msg[sizeof err->msg];
    char where[CFG_PATH_MAX + 512];
    const char *p = path ? path : "";
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (o.set && p[0] && !set_names_path(o.set, p))
        snprintf(where, sizeof where, "%s %.300s: %s", CFG_SET, o.set, p);
    else if (o.set || (o.file && strcmp(o.file, CFG_SET) == 0))
        snprintf(where, sizeof where, "%s%s%s", CFG_SET, p[0] ? " " : "", p);
    else if (o.line > 0)
        snprintf(where, sizeof where, "%s:%d%s%s", o.file ? o.file : "?", o.line, p[0] ? ": " : "", p);
    else
        snprintf(where, sizeof where, "%s%s%s", o.file ? o.file : "?", p[0] ? ": " : "", p);
    return SIM_FAIL(err, code, "%s: %s", where, msg);
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int cfg_fail_at(sim_err *err, cfg_origin o, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cfg_vfail(err, SIM_EINPUT, o, path, fmt, ap);
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
    cfg_origin o = {where ? where->file : NULL, where ? where->line : 0, NULL};
    if (where && where->priv) {
        /* Blame the key where it was written: its own line, or its --set. */
        const cfg_where_priv *pv = where->priv;
        o = key && key[0] ? setting_origin(pv->grp, key, pv->o) : pv->o;
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = cfg_vfail(err, SIM_EINPUT, o, path, fmt, ap);
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

/* Length of the well-formed UTF-8 sequence at s (1 to 4 bytes), or 0 when
 * the bytes there are not one: a stray continuation byte, a truncated
 * sequence, an overlong form, a surrogate or a code point past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4 || (s[1] & 0xC0) != 0x80)
        return 0;
    if (c < 0xE0)
        return 2;
    if ((s[2] & 0xC0) != 0x80 || (c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
        return 0;
    if (c < 0xF0)
        return 3;
    if ((s[3] & 0xC0) != 0x80 || (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return 4;
}

/* NULL if s is UTF-8 text, else what is wrong (and where: the byte offset
 * in *at).  Control characters are text: the effective scenario escapes them. */
static const char *text_problem(const char *s, size_t *at)
{
    for (const unsigned char *u = (const unsigned char *)s; *u;) {
        size_t n = utf8_seq(u);
        *at = (size_t)(u - (const unsigned char *)s);
        if (n == 0)
            return "is not valid UTF-8";
        u += n;
    }
    return NULL;
}

/* Up to `max` characters of user text for a message: well-formed UTF-8
 * is copied, anything else (bad bytes, control characters) written \xNN,
 * so that a message is always text a terminal and a log can take. */
static const char *shown(const char *s, char *buf, size_t n, size_t max)
{
    size_t len = 0, chars = 0;
    const unsigned char *u = (const unsigned char *)s;
    while (*u && chars < max && len + 5 < n) {
        size_t k = utf8_seq(u);
        if (k == 0 || (k == 1 && (*u < 0x20 || *u == 0x7F))) {
            len += (size_t)snprintf(buf + len, n - len, "\\x%02x", *u);
            u++;
        } else {
            memcpy(buf + len, u, k);
            len += k;
            u += k;
        }
        chars++;
    }
    buf[len] = '\0';
    return buf;
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
        snprintf(buf, n, "UTF-8 text of at most %d bytes", SIM_CFG_STRLEN - 1);
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
    case CONFIG_TYPE_STRING: {
        char t[100];
        snprintf(buf, n, "string \"%s\"", shown(config_setting_get_string(st), t, sizeof t, 60));
        break;
    }
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
    const char *set = config_setting_get_hook(st);
    if (set)
        return (cfg_origin){CFG_SET, 0, set};
    /* Line 0: made by us (a default, or a value under a --set), so the
     * enclosing setting's origin is the honest answer. */
    if (config_setting_source_line(st) == 0)
        return parent;
    const char *f = config_setting_source_file(st);
    return (cfg_origin){f ? f : parent.file, (int)config_setting_source_line(st), NULL};
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

/* ---- the text itself: size, encoding, integer literals, @include ---------------- */

/* libconfig 1.5 accepts integer literals that do not fit and reads them as
 * something else, without a word: a decimal beyond 32 bits without an L
 * wraps (3000000000 becomes -1294967296), a hexadecimal beyond 32 bits
 * without an L keeps its low 32 bits (0x1000003E8 becomes 1000) and one
 * from 0x80000000 turns negative; with an L, a decimal beyond 64 bits
 * saturates and a hexadecimal from 0x8000000000000000 turns negative.  So
 * before trusting a parsed tree we read every integer literal of the text
 * (and of every file it includes) ourselves.  digits: the literal's digits
 * without sign, prefix or suffix.  NULL when it means what it says, else
 * what is wrong, with `fix` set when an L suffix would make it right. */
static const char *int_literal_problem(const char *digits, size_t n, int hex, int neg, int has_l, int *fix)
{
    while (n > 1 && digits[0] == '0') {
        digits++;
        n--;
    }
    *fix = 0;
    if (hex) {
        int top = isdigit((unsigned char)digits[0]) ? digits[0] - '0' : 10;
        if (n > 16 || (n == 16 && top > 7))
            return "is beyond the largest 64-bit integer, which libconfig silently makes negative or cuts; "
                   "allowed: at most 0x7FFFFFFFFFFFFFFFL";
        if (!has_l && (n > 8 || (n == 8 && top > 7))) {
            *fix = 1;
            return "does not fit 31 bits, which libconfig silently cuts to its low 32 bits or makes negative";
        }
        return NULL;
    }
    const char *lim64 = neg ? "9223372036854775808" : "9223372036854775807";
    const char *lim32 = neg ? "2147483648" : "2147483647";
    if (n > 19 || (n == 19 && strncmp(digits, lim64, 19) > 0))
        return "is beyond the 64-bit range, which libconfig silently saturates; allowed: "
               "-9223372036854775808 .. 9223372036854775807";
    if (!has_l && (n > 10 || (n == 10 && strncmp(digits, lim32, 10) > 0))) {
        *fix = 1;
        return "does not fit 32 bits, which libconfig silently wraps";
    }
    return NULL;
}

typedef struct cfg_scan {
    sim_err *err;
    const char *include_dir;   /* as libconfig was told, or NULL */
    size_t bytes_left;         /* of SIM_CFG_MAX_BYTES, for the scenario and all it includes */
    int includes_left;
} cfg_scan;

#define CFG_MAX_INCLUDE_DEPTH 10   /* libconfig's own limit */
#define CFG_MAX_INCLUDES      64   /* @include directives followed, in all */

static int scan_text(cfg_scan *sc, cfg_origin base, const char *path, const char *text, int depth);

/* Read a whole file, at most `cap` bytes, as text: one pass (a pipe can be
 * read only once), regular files over the cap refused before reading, a
 * device such as /dev/zero refused once it passes the cap.  On failure why
 * says what is wrong and the return is SIM_EINPUT (or SIM_ERUNTIME). */
static int read_capped(const char *path, size_t cap, char **text, size_t *len, char *why, size_t whyn)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whyn, "cannot open the scenario file: %s", strerror(errno));
        return SIM_EINPUT;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(why, whyn, "is a directory; allowed: a scenario file");
        return SIM_EINPUT;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > cap) {
        close(fd);
        int n = snprintf(why, whyn, "is %jd bytes; allowed: a scenario of at most %zu bytes with everything "
                         "it includes", (intmax_t)st.st_size, (size_t)SIM_CFG_MAX_BYTES);
        if (cap < SIM_CFG_MAX_BYTES && n > 0 && (size_t)n < whyn)
            snprintf(why + n, whyn - (size_t)n, " (%zu left for this file)", cap);
        return SIM_EINPUT;
    }
    size_t n = 0, size = 16384;
    char *buf = malloc(size);
    int rc = buf ? SIM_OK : SIM_ERUNTIME;
    while (rc == SIM_OK) {
        if (n + 1 >= size) {
            size_t nsize = size * 2 > cap + 2 ? cap + 2 : size * 2;
            char *t = nsize > size ? realloc(buf, nsize) : NULL;
            if (!t) {
                rc = SIM_ERUNTIME;
                break;
            }
            buf = t;
            size = nsize;
        }
        ssize_t got = read(fd, buf + n, size - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(why, whyn, "cannot read the scenario file: %s", strerror(errno));
            rc = SIM_EINPUT;
        } else if (got == 0) {
            break;
        } else if ((n += (size_t)got) > cap) {
            snprintf(why, whyn, "is more than %zu bytes; allowed: a scenario of at most %zu bytes with "
                     "everything it includes", cap, (size_t)SIM_CFG_MAX_BYTES);
            rc = SIM_EINPUT;
        }
    }
    close(fd);
    if (rc == SIM_ERUNTIME && why[0] == '\0')
        snprintf(why, whyn, "out of memory reading the file");
    if (rc == SIM_OK) {
        buf[n] = '\0';
        const unsigned char *u = (const unsigned char *)buf;
        const char *nul = memchr(buf, '\0', n);
        if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
            snprintf(why, whyn, "is UTF-16 text (it begins with a UTF-16 byte-order mark); allowed: UTF-8 "
                     "text (save the file as UTF-8)");
            rc = SIM_EINPUT;
        } else if (nul) {
            snprintf(why, whyn, "not a text file (a NUL byte at offset %zu); allowed: UTF-8 text",
                     (size_t)(nul - buf));
            rc = SIM_EINPUT;
        }
    }
    if (rc != SIM_OK) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = n;
    return SIM_OK;
}

static int has_utf8_bom(const char *t)
{
    return (unsigned char)t[0] == 0xEF && (unsigned char)t[1] == 0xBB && (unsigned char)t[2] == 0xBF;
}

/* One file named by an @include on `line` of the text at `base`: read
 * within what is left of the size budget, then scanned like the scenario. */
static int scan_include(cfg_scan *sc, cfg_origin base, const char *file, int depth)
{
    char full[4096], why[512] = "";
    if (depth >= CFG_MAX_INCLUDE_DEPTH)
        return cfg_fail_at(sc->err, base, "", "@include \"%.200s\" nested %d deep (does a file include "
                           "itself?); allowed: at most %d levels", file, depth + 1, CFG_MAX_INCLUDE_DEPTH);
    if (sc->includes_left-- <= 0)
        return cfg_fail_at(sc->err, base, "", "@include \"%.200s\": more than %d files included in all; "
                           "allowed: at most %d", file, CFG_MAX_INCLUDES, CFG_MAX_INCLUDES);
    /* libconfig puts include_dir in front of every name, absolute or not. */
    int n = sc->include_dir ? snprintf(full, sizeof full, "%s/%s", sc->include_dir, file)
                            : snprintf(full, sizeof full, "%s", file);
    if (n < 0 || (size_t)n >= sizeof full)
        return cfg_fail_at(sc->err, base, "", "@include \"%.200s\": the path is too long", file);
    char *text;
    size_t len;
    int rc = read_capped(full, sc->bytes_left, &text, &len, why, sizeof why);
    if (rc)
        return cfg_fail_at(sc->err, base, "", "@include \"%.200s\": %s", file, why);
    sc->bytes_left -= len;
    if (has_utf8_bom(text))
        rc = cfg_fail_at(sc->err, (cfg_origin){full, 1, NULL}, "", "begins with a UTF-8 byte-order mark, "
                         "which libconfig cannot read in an included file; allowed: the same text "
                         "without it (a scenario file itself may have one)");
    else
        rc = scan_text(sc, (cfg_origin){full, 0, NULL}, "", text, depth + 1);
    free(text);
    return rc;
}

/* "@include" at p, where a line starts: the included name in name and the
 * end of the directive in *end; -1 if it is not one libconfig follows;
 * -2 if its name has a backslash or no closing quote. */
static int include_directive(const char *p, char *name, size_t n, const char **end)
{
    if (strncmp(p, "@include", 8) != 0 || (p[8] != ' ' && p[8] != '\t'))
        return -1;
    const char *q = p + 8;
    while (*q == ' ' || *q == '\t')
        q++;
    if (*q != '"')
        return -1;
    const char *close = strpbrk(q + 1, "\"\\\n");
    if (!close || *close != '"' || (size_t)(close - q - 1) >= n)
        return -2;
    memcpy(name, q + 1, (size_t)(close - q - 1));
    name[close - q - 1] = '\0';
    *end = close + 1;
    return 0;
}

/* The number at p (a digit): checked with int_literal_problem when it is
 * an integer literal, not part of a name.  *end: past the token. */
static int scan_number(cfg_scan *sc, cfg_origin at, const char *path, const char *text, const char *p,
                       const char **end)
{
    const char *q = p;
    int neg = 0;
    if (q > text && (q[-1] == '-' || q[-1] == '+')) {
        neg = q[-1] == '-';
        q--;
    }
    char before = q > text ? q[-1] : ' ';
    /* A digit inside a name (key-2, a1) is not a number. */
    int in_name = isalnum((unsigned char)before) || before == '_' || before == '*' || before == '.';
    int hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    const char *d = hex ? p + 2 : p, *e = d;
    while (hex ? isxdigit((unsigned char)*e) : isdigit((unsigned char)*e))
        e++;
    int is_float = !hex && (*e == '.' || *e == 'e' || *e == 'E');
    int has_l = *e == 'L';
    int rc = SIM_OK;
    if (!in_name && !is_float && e > d) {
        int fix;
        const char *why = int_literal_problem(d, (size_t)(e - d), hex, neg, has_l, &fix);
        if (why) {
            char lit[48];
            snprintf(lit, sizeof lit, "%s%.*s", neg ? "-" : "", (int)(e - p) > 40 ? 40 : (int)(e - p), p);
            if (fix)
                rc = cfg_fail_at(sc->err, at, path, "integer %s %s; allowed: write it with an L suffix, %sL",
                                 lit, why, lit);
            else
                rc = cfg_fail_at(sc->err, at, path, "integer %s %s", lit, why);
        }
    }
    /* Skip the rest of the token (fraction, exponent, suffix). */
    while (isxdigit((unsigned char)*e) || *e == '.' || *e == 'L' || *e == 'x' || *e == 'X' ||
           ((*e == '-' || *e == '+') && (e[-1] == 'e' || e[-1] == 'E') && !hex))
        e++;
    *end = e;
    return rc;
}

/* Read text as libconfig's scanner would, enough to find what it would
 * get wrong: integer literals that do not fit, and @include lines (each
 * file read within the size budget and scanned in turn).  Strings and
 * comments are skipped; `base` names the text (a file, or a --set). */
static int scan_text(cfg_scan *sc, cfg_origin base, const char *path, const char *text, int depth)
{
    int line = 1, line_start = 1;
    cfg_origin at = base;
    for (const char *p = text; *p;) {
        at.line = base.set ? 0 : line;
        if (*p == '\n') {
            line++;
            line_start = 1;
            p++;
            continue;
        }
        if (line_start && *p == '@') {
            char name[1024];
            const char *end;
            int r = include_directive(p, name, sizeof name, &end);
            if (r == -2)
                return cfg_fail_at(sc->err, at, path, "@include: expected a quoted file name without "
                                   "backslashes on the same line");
            if (r == 0) {
                int rc = scan_include(sc, at, name, depth);
                if (rc)
                    return rc;
                p = end;
                line_start = 0;
                continue;
            }
        }
        if (*p != ' ' && *p != '\t' && *p != '\r')
            line_start = 0;
        if (*p == '"') {
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
        } else if (isdigit((unsigned char)*p)) {
            int rc = scan_number(sc, at, path, text, p, &p);
            if (rc)
                return rc;
        } else {
            p++;
        }
    }
    return SIM_OK;
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
    char t[256];
    if (sim_parse_date(s, &days) != 0)
        return cfg_fail_at(rd->err, o, rd->path,
                           "\"%s\" is not a valid date; allowed: a calendar date \"YYYY-MM-DD\""
                           " between 1900 and 2200", shown(s, t, sizeof t, 40));
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

/* A name or label: UTF-8 text that fits SIM_CFG_STRLEN. */
static int read_string(cfg_read *rd, cfg_origin o, const sim_cfg_key *k, const config_setting_t *st,
                       char *field)
{
    if (config_setting_type(st) != CONFIG_TYPE_STRING)
        return fail_type(rd, o, k, "a quoted string", st);
    const char *s = config_setting_get_string(st);
    size_t at;
    const char *bad = text_problem(s, &at);
    char t[256], allowed[512];
    if (bad) {
        allowed_text(k, allowed, sizeof allowed);
        return cfg_fail_at(rd->err, o, rd->path, "\"%s\" %s (at byte %zu); allowed: %s",
                           shown(s, t, sizeof t, 60), bad, at, allowed);
    }
    if (strlen(s) >= SIM_CFG_STRLEN)
        return cfg_fail_at(rd->err, o, rd->path, "text of %zu bytes is too long; allowed: "
                           "at most %d bytes of UTF-8", strlen(s), SIM_CFG_STRLEN - 1);
    memset(field, 0, SIM_CFG_STRLEN);
    memcpy(field, s, strlen(s));
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
    case SIM_CFG_STRING:
        return read_string(rd, o, k, st, field);
    case SIM_CFG_DATE: {
        int64_t days;
        int rc = read_date(rd, o, k, st, &days);
        if (rc)
            return rc;
        *(int64_t *)(void *)field = days;
        return SIM_OK;
    }
    case SIM_CFG_ENUM: {
        char allowed[512], t[256];
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
            return cfg_fail_at(rd->err, o, rd->path, "unknown name \"%s\" (did you mean \"%s\"?); "
                               "allowed: %s", shown(s, t, sizeof t, 40), near, allowed);
        return cfg_fail_at(rd->err, o, rd->path, "unknown name \"%s\"; allowed: %s",
                           shown(s, t, sizeof t, 40), allowed);
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
        cfg_where_priv pv = {grp, o};
        sim_cfg_where w = {o.set ? CFG_SET : o.file, o.line, rd->path, &pv};
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

/* The origin of the setting at `key` ("rate", "detail.dates",
 * "suppliers.[2].share") below grp, whose origin is o: the deepest part of
 * the path present in the tree decides (a key absent from the tree took its
 * default, and the enclosing group answers for that). */
static cfg_origin setting_origin(const config_setting_t *grp, const char *key, cfg_origin o)
{
    cfg_token tok[CFG_MAX_TOKENS];
    int nt = tokenize_path(key, strlen(key), tok, CFG_MAX_TOKENS);
    const config_setting_t *cur = grp;
    for (int t = 0; t < nt && cur; t++) {
        const config_setting_t *next = NULL;
        if (tok[t].index >= 0) {
            if (config_setting_is_aggregate(cur) && tok[t].index < config_setting_length(cur))
                next = config_setting_get_elem(cur, (unsigned)tok[t].index);
        } else if (config_setting_is_group(cur)) {
            next = config_setting_get_member(cur, tok[t].name);
        }
        if (!next)
            break;
        o = origin_of(next, o);
        cur = next;
    }
    return o;
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

/* Is v[0..n) one integer literal without a suffix: [+-]digits or 0xHEX? */
static int lone_integer(const char *v, size_t n)
{
    size_t i = 0;
    int hex = n > 1 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
    if (hex)
        i += 2;
    else if (n && (v[0] == '-' || v[0] == '+'))
        i++;
    size_t first = i;
    while (i < n && (hex ? isxdigit((unsigned char)v[i]) : isdigit((unsigned char)v[i])))
        i++;
    return i == n && i > first;
}

/* An override's value: libconfig text, else (a bare word such as north or
 * 2021-04-01) a string.  *value points into vc, which the caller
 * destroys.  `path` (p0, plen) is for the message. */
static int override_value(const char *ov, const char *v, config_t *vc, const config_setting_t **value,
                          const char *p0, size_t plen, sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0, ov};
    while (isspace((unsigned char)*v))
        v++;
    size_t vlen = strlen(v);
    while (vlen && isspace((unsigned char)v[vlen - 1]))
        vlen--;
    char *vtext = malloc(vlen + 16);
    if (!vtext)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    /* A lone integer on the command line means its value, whatever its
     * size: the L that libconfig needs beyond 32 bits is ours to add
     * (so --seed takes every seed the key takes). */
    snprintf(vtext, vlen + 16, "v = %.*s%s;", (int)vlen, v, lone_integer(v, vlen) ? "L" : "");
    if (config_read_string(vc, vtext) && config_setting_length(config_root_setting(vc)) == 1) {
        *value = config_lookup(vc, "v");
        char path[CFG_PATH_MAX];
        snprintf(path, sizeof path, "%.*s", (int)plen, p0);
        cfg_scan sc = {.err = err, .bytes_left = SIM_CFG_MAX_BYTES, .includes_left = 0};
        int rc = scan_text(&sc, set, path, vtext, 0);
        free(vtext);
        return rc ? (err ? err->code : SIM_EINPUT) : SIM_OK;
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
    const char *ov;                /* the override's text: the hook of what it writes */
    char path[CFG_PATH_MAX];
} ov_walk;

/* A key token in a group: the last one takes the value; any other steps
 * into its group or list (made if the file has none). */
static int override_key(ov_walk *w, const cfg_token *tok, int last, sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0, w->ov};
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
        config_setting_set_hook(d, (void *)(uintptr_t)w->ov);
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
    const cfg_origin set = {CFG_SET, 0, w->ov};
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
    config_setting_set_hook(e, (void *)(uintptr_t)w->ov);
    return SIM_OK;
}

/* An index token after a list key: an element ([len] appends one). */
static int override_index(ov_walk *w, const cfg_token *tok, int last, sim_err *err)
{
    const cfg_origin set = {CFG_SET, 0, w->ov};
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
        config_setting_set_hook(e, (void *)(uintptr_t)w->ov);
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
    const cfg_origin set = {CFG_SET, 0, ov};
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
    ov_walk w = {.cur = config_root_setting(cf), .s = root, .o = {name, 0, NULL}, .ov = ov};
    int rc = override_value(ov, eq + 1, &vc, &w.value, p0, (size_t)(p1 - p0), err);
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
    /* See int_literal_problem: beyond 32 bits libconfig needs the L. */
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
    /* A UTF-8 byte-order mark (some editors write one) is not libconfig
     * text: skip it; the line numbers are unchanged. */
    if (has_utf8_bom(text))
        text += 3;
    /* Before libconfig sees the text: the literals it would misread, and
     * the files it would include, read within the size budget. */
    size_t len = strlen(text);
    cfg_scan sc = {.err = err, .include_dir = include_dir, .includes_left = CFG_MAX_INCLUDES,
                   .bytes_left = len < SIM_CFG_MAX_BYTES ? SIM_CFG_MAX_BYTES - len : 0};
    if (len > SIM_CFG_MAX_BYTES)
        return SIM_FAIL(err, SIM_EINPUT, "%s: is %zu bytes; allowed: a scenario of at most %zu bytes with "
                        "everything it includes", name, len, (size_t)SIM_CFG_MAX_BYTES);
    rc = scan_text(&sc, (cfg_origin){name, 0, NULL}, "", text, 0);
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
    if (!overrides)
        n_overrides = 0;
    for (size_t i = 0; i < n_overrides && rc == SIM_OK; i++)
        rc = apply_override(&cf, root, overrides[i], name, err);
    if (rc == SIM_OK) {
        cfg_read rd = {.err = err};
        rd.path[0] = '\0';
        rc = read_group(&rd, root, obj, config_root_setting(&cf), (cfg_origin){name, 0, NULL});
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

int sim_cfg_read_file(const char *path, char **text, size_t *len, sim_err *err)
{
    char why[512] = "";
    size_t n = 0;
    int rc = read_capped(path, SIM_CFG_MAX_BYTES, text, &n, why, sizeof why);
    if (rc)
        return SIM_FAIL(err, rc, "%s: %s", path, why);
    if (len)
        *len = n;
    return SIM_OK;
}

int sim_cfg_load_file_text(const sim_cfg_schema *root, void *obj, const char *path,
                           const char *const *overrides, size_t n_overrides,
                           char **effective_text, char **source_text, sim_err *err)
{
    if (source_text)
        *source_text = NULL;
    if (effective_text)
        *effective_text = NULL;
    /* Read the text ourselves, once: the literal and include checks need
     * it, the messages name the file exactly as the user typed it, and a
     * pipe can be read only once. */
    char *text;
    int rc = sim_cfg_read_file(path, &text, NULL, err);
    if (rc)
        return rc;
    /* @include "x.cfg" is relative to the scenario's own directory. */
    char *dir = strdup(path);
    if (!dir) {
        free(text);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (slash == dir)   /* "/x.cfg": the root directory */
        dir[0] = '\0';
    rc = load(root, obj, path, text, slash ? dir : NULL, overrides, n_overrides, effective_text, err);
    free(dir);
    if (rc == SIM_OK && source_text)
        *source_text = text;
    else
        free(text);
    return rc;
}

int sim_cfg_load_file(const sim_cfg_schema *root, void *obj, const char *path,
                      const char *const *overrides, size_t n_overrides,
                      char **effective_text, sim_err *err)
{
    return sim_cfg_load_file_text(root, obj, path, overrides, n_overrides, effective_text, NULL, err);
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
