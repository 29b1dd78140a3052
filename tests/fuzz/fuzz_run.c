/*
 * fuzz_run.c — a deterministic mutation run of the scenario fuzz target,
 * for `make test` (no clang, no libFuzzer needed): every file of a corpus
 * directory as it is, then N mutants made by a fixed-seed generator
 * (byte flips, insertions, deletions, duplicated ranges, splices of two
 * corpus files, and tokens that have broken parsers: long literals, hex,
 * L suffixes, quotes, brackets, a byte-order mark, bad UTF-8, @include,
 * #set overrides).  The same N gives the same inputs on every machine, so
 * a failure reproduces; it stops early at a time limit so that a slow
 * (sanitizer) build stays bounded, and says how many it ran.
 *
 *   fuzz_run CORPUS_DIR [N [SECONDS]]     defaults: 20000 mutants, 60 s
 *
 * Not for: finding new paths by coverage (that is `make fuzz`, libFuzzer).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int fuzz_scenario_init(char *dir, size_t n);
void fuzz_scenario_done(const char *dir);
int fuzz_scenario_one(const uint8_t *data, size_t size);

#define MAX_FILES 256
#define FUZZ_MAX_INPUT (16 * 1024)

typedef struct input {
    uint8_t *b;
    size_t n;
} input;

/* xorshift64*: a small generator of our own so that the inputs do not
 * depend on the C library's rand(). */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static size_t below(uint64_t *s, size_t n) { return n ? (size_t)(next(s) % n) : 0; }

static const char *const tokens[] = {
    "0x1000003E8", "0x80000000", "0x7FFFFFFF", "0x7FFFFFFFFFFFFFFFL", "0x8000000000000000L", "2147483648",
    "-2147483649", "3000000000", "9223372036854775807L", "9223372036854775808L", "99999999999999999999L",
    "L", "LL", "1e999", "-1e-400", "0.0", "-0.0", "1e6", "nan", "\"", "\\", "\\x00", "\\\"", "=", ";", ",",
    "{", "}", "(", ")", "[", "]", "{}", "()", "[]", "#", "//", "/*", "*/", "\n", "\xEF\xBB\xBF", "\xC3",
    "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF\xFE", "@include \"a.cfg\"\n", "@include \"b.cfg\"\n",
    "@include \"loop.cfg\"\n", "\n#set run.seed=3000000000\n", "\n#set run.households=0x1000003E8\n",
    "\n#set rollout.suppliers.[6]={ name = \"x\"; share = 0.0; }\n", "\n#set dcc.detail.dates=[\"2030-01-01\"]\n",
    "\n#set run.end=2012-01-01\n", "\n#set run.shards=1024\n", "\"2012-01-01\"", "\"2099-12-31\"", "\"2021-02-29\"",
    "true", "false", "households", "shards", "seed", "rollout", "dcc", "run", "suppliers", "detail", "dates",
};

/* One mutation of buf (length *n, capacity FUZZ_MAX_INPUT). */
static void mutate(uint8_t *buf, size_t *n, const input *corpus, size_t n_corpus, uint64_t *s)
{
    size_t len = *n, at = below(s, len + 1);
    switch (below(s, 6)) {
    case 0:   /* flip a bit */
        if (len)
            buf[below(s, len)] ^= (uint8_t)(1u << below(s, 8));
        break;
    case 1: { /* insert a token */
        const char *t = tokens[below(s, sizeof tokens / sizeof tokens[0])];
        size_t k = strlen(t);
        if (len + k <= FUZZ_MAX_INPUT) {
            memmove(buf + at + k, buf + at, len - at);
            memcpy(buf + at, t, k);
            len += k;
        }
        break;
    }
    case 2: { /* delete a range */
        size_t k = below(s, 1 + (len - at < 64 ? len - at : 64));
        memmove(buf + at, buf + at + k, len - at - k);
        len -= k;
        break;
    }
    case 3: { /* duplicate a range */
        uint8_t tmp[256];
        size_t from = below(s, len + 1), k = below(s, 1 + (len - from < 256 ? len - from : 256));
        if (len + k <= FUZZ_MAX_INPUT) {
            memcpy(tmp, buf + from, k);
            memmove(buf + at + k, buf + at, len - at);
            memcpy(buf + at, tmp, k);
            len += k;
        }
        break;
    }
    case 4: { /* splice: the tail of another corpus file from here on */
        const input *o = &corpus[below(s, n_corpus)];
        size_t from = below(s, o->n + 1), k = o->n - from;
        if (at + k > FUZZ_MAX_INPUT)
            k = FUZZ_MAX_INPUT - at;
        memcpy(buf + at, o->b + from, k);
        len = at + k;
        break;
    }
    default:  /* a random byte */
        if (len < FUZZ_MAX_INPUT) {
            memmove(buf + at + 1, buf + at, len - at);
            buf[at] = (uint8_t)next(s);
            len++;
        }
        break;
    }
    *n = len;
}

static int read_corpus(const char *dir, input *in, size_t *n_in)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char *names[MAX_FILES];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < MAX_FILES;)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    /* Sorted: readdir's order is the file system's, and the run must not depend on it. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    *n_in = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        free(names[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        input *x = &in[(*n_in)++];
        x->b = malloc(FUZZ_MAX_INPUT);
        x->n = x->b ? fread(x->b, 1, FUZZ_MAX_INPUT, f) : 0;
        fclose(f);
        if (!x->b)
            return -1;
    }
    return *n_in ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_run CORPUS_DIR [N [SECONDS]]\n");
        return 2;
    }
    long n_mutants = argc > 2 ? atol(argv[2]) : 20000;
    double limit = argc > 3 ? atof(argv[3]) : 60.0;
    static input corpus[MAX_FILES];
    size_t n_corpus = 0;
    if (read_corpus(argv[1], corpus, &n_corpus) != 0) {
        fprintf(stderr, "fuzz_run: no corpus in %s\n", argv[1]);
        return 2;
    }
    char dir[64];
    if (fuzz_scenario_init(dir, sizeof dir) != 0) {
        fprintf(stderr, "fuzz_run: cannot set up the include directory\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long loaded = 0;
    for (size_t i = 0; i < n_corpus; i++)
        loaded += fuzz_scenario_one(corpus[i].b, corpus[i].n);
    uint64_t seed = 0x5EED2011ULL;
    static uint8_t buf[FUZZ_MAX_INPUT];
    long done = 0;
    double secs = 0;
    for (; done < n_mutants; done++) {
        const input *base = &corpus[below(&seed, n_corpus)];
        size_t n = base->n;
        memcpy(buf, base->b, n);
        for (size_t k = 1 + below(&seed, 8); k > 0; k--)
            mutate(buf, &n, corpus, n_corpus, &seed);
        loaded += fuzz_scenario_one(buf, n);
        if ((done & 255) == 255) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
            if (secs > limit) {
                done++;
                break;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    fuzz_scenario_done(dir);
    printf("fuzz: %zu corpus files and %ld of %ld mutants in %.1f s (%.0f per second): %ld loaded, %ld "
           "refused with a message, no crash, no sanitizer report, every effective text reproduced its "
           "scenario\n", n_corpus, done, n_mutants, secs, (double)((long)n_corpus + done) / (secs > 0 ? secs : 1),
           loaded, (long)n_corpus + done - loaded);
    for (size_t i = 0; i < n_corpus; i++)
        free(corpus[i].b);
    return 0;
}
