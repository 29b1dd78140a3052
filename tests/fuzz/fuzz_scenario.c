/*
 * fuzz_scenario.c — the fuzz target for scenario loading: any bytes in, a
 * verdict out, never a crash, a hang, a leak or undefined behaviour.
 *
 * The input is scenario text; a comment line "#set PATH=VALUE" (libconfig
 * ignores it) also becomes a --set override, so overrides are fuzzed with
 * the text.  Beyond "no crash", one property is checked: a scenario that
 * loads writes an effective text that loads again to the very same struct
 * (the effective text must reproduce the run); a difference aborts.
 *
 * Built two ways: with libFuzzer (clang -fsanitize=fuzzer, `make fuzz`) and
 * with fuzz_run.c, a deterministic mutation run over tests/fuzz/corpus that
 * `make test` always executes.  @include is confined to the files this
 * target writes into its own working directory (see fuzz_scenario_init).
 * Not for: checking particular messages (tests/test_config.c does that).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdl_scenario.h"

#define FUZZ_MAX_SETS 8

int fuzz_scenario_init(char *dir, size_t n);
void fuzz_scenario_done(const char *dir);
int fuzz_scenario_one(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Files an input may @include: a fragment, one with a literal libconfig
 * would misread, and one that includes itself.  Written into a fresh
 * temporary directory that becomes the working directory, so that no
 * input reaches any other file. */
static const struct { const char *name, *text; } fuzz_files[] = {
    {"a.cfg", "households = 1234;\nshards = 4;\n"},
    {"b.cfg", "seed = 0x1000003E8;\n"},
    {"loop.cfg", "@include \"loop.cfg\"\n"},
};
#define N_FUZZ_FILES (sizeof fuzz_files / sizeof fuzz_files[0])

/* dir receives the directory's path (n >= 32). */
int fuzz_scenario_init(char *dir, size_t n)
{
    if (n < 32)
        return -1;
    snprintf(dir, n, "/tmp/smsim-fuzz-XXXXXX");
    if (!mkdtemp(dir) || chdir(dir) != 0)
        return -1;
    for (size_t i = 0; i < N_FUZZ_FILES; i++) {
        FILE *f = fopen(fuzz_files[i].name, "w");
        if (!f || fputs(fuzz_files[i].text, f) < 0 || fclose(f) != 0)
            return -1;
    }
    return 0;
}

void fuzz_scenario_done(const char *dir)
{
    char path[256];
    for (size_t i = 0; i < N_FUZZ_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, fuzz_files[i].name);
        unlink(path);
    }
    rmdir(dir);
}

/* Any @include must name one of the files above (no '/', no "..",
 * nothing that could be a device or a pipe). */
static int includes_confined(const char *text)
{
    for (const char *p = strstr(text, "@include"); p; p = strstr(p + 1, "@include")) {
        const char *q = strchr(p, '"');
        const char *nl = strchr(p, '\n');
        if (!q || (nl && q > nl))
            continue;
        if (strncmp(q, "\"a.cfg\"", 7) && strncmp(q, "\"b.cfg\"", 7) && strncmp(q, "\"loop.cfg\"", 10))
            return 0;
    }
    return 1;
}

/* "#set PATH=VALUE" lines, in order, pointing into text (which is cut at
 * each line's end). */
static size_t collect_sets(char *text, const char **sets)
{
    size_t n = 0;
    for (char *p = text; p && *p && n < FUZZ_MAX_SETS;) {
        char *nl = strchr(p, '\n');
        if (strncmp(p, "#set ", 5) == 0) {
            sets[n++] = p + 5;
            if (nl)
                *nl = '\0';
        }
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* 1 if the input loaded as a scenario, 0 if it was refused (or skipped). */
int fuzz_scenario_one(const uint8_t *data, size_t size)
{
    int loaded = 0;
    if (size > 64 * 1024)
        return 0;
    char *text = malloc(size + 1), *sets_text = malloc(size + 1);
    mdl_scenario *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!text || !sets_text || !a || !b)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    memcpy(sets_text, text, size + 1);
    const char *sets[FUZZ_MAX_SETS];
    size_t n_sets = collect_sets(sets_text, sets);
    if (includes_confined(text)) {
        sim_err err;
        char *effective = NULL;
        int rc = mdl_scenario_load_string(a, "fuzz.cfg", text, sets, n_sets, &effective, &err);
        if (rc == SIM_OK) {
            char *again = NULL;
            int rc2 = mdl_scenario_load_string(b, "effective", effective, NULL, 0, &again, &err);
            if (rc2 != SIM_OK || memcmp(a, b, sizeof *a) != 0 || strcmp(effective, again) != 0) {
                fprintf(stderr, "fuzz: the effective text does not reproduce the scenario (%s)\n%s\n",
                        rc2 ? err.msg : "loads, but differs", effective);
                abort();
            }
            free(again);
            loaded = 1;
        } else if (rc != SIM_EINPUT || err.msg[0] == '\0') {
            fprintf(stderr, "fuzz: a bad scenario gave code %d, message \"%s\"\n", rc, err.msg);
            abort();
        }
        free(effective);
    }
    free(text);
    free(sets_text);
    free(a);
    free(b);
    return loaded;
}

#ifdef SMSIM_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char dir[64];   /* libFuzzer never returns: the directory stays for the run */
    if (fuzz_scenario_init(dir, sizeof dir) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_scenario_one(data, size);
    return 0;
}
#endif
