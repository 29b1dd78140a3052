/*
 * smsim.c — the program entry: the command line, the day-by-day driver, the
 * progress line and the summary.  It wires sim/ (engine, HDF5) and models/
 * (scenario, rollout, DCC) together and is the only place that decides how
 * the process exits:
 *   0  success
 *   1  a runtime failure (I/O, memory, a signal)
 *   2  a usage or scenario error
 * An output file appears under its final name only when the run completed;
 * an existing file that is not a regular file, or that is an input, is
 * never replaced (sim_outfile.h).  Signals: sim_stop.h; before the first
 * simulated day a signal ends the process at once, from then on at the
 * next day boundary or at the latest before the output's rename.
 *
 * Under mpirun (an MPI build), every rank runs this same driver on its own
 * block of shards (sim_mpi.h); rank 0 also runs the DCC, writes the file
 * and prints.  After each step that can fail, the ranks agree on the
 * outcome (sim_mpi_agree), so one failure ends the run on every rank with
 * one message and no file.
 *
 * Test hook: SMSIM_TEST_PAUSE_AT=PHASE (start, generate, day, last-day,
 * checkpoint (after the first one is written), commit) makes the run print "smsim: test hook: paused at PHASE" on stderr
 * and wait there (up to 30 s, or until a signal) so that a test can send a
 * signal at that moment (tests/integration/test_signals.sh).
 * SMSIM_NO_OVERLAP=1 runs each DCC day whole before the next window
 * instead of beside it (dcc_defer; the output is the same, which
 * tests/integration/test_overlap.sh checks).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "experiment.h"
#include "mdl_dcc.h"
#include "mdl_rollout.h"
#include "mdl_scenario.h"
#include "sim_mpi.h"
#include "sim_engine.h"
#include "sim_ckpt.h"
#include "sim_err.h"
#include "sim_h5.h"
#include "sim_outfile.h"
#include "sim_stop.h"
#include "sim_time.h"
#include "size.h"

#ifndef SMSIM_VERSION
#define SMSIM_VERSION "0.0.0"
#endif

#define MAX_OVERRIDES 256

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void iso_utc_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void usage(FILE *out)
{
    fputs("Usage: smsim run FILE [OPTION]...\n"
          "  or:  smsim check FILE [--set KEY=VALUE]... [--quiet]\n"
          "  or:  smsim keys\n"
          "  or:  smsim --help | --version\n"
          "Simulate the GB smart-metering rollout described by a scenario FILE and write\n"
          "its results to one HDF5 file.\n"
          "\n"
          "Commands:\n"
          "  run                 simulate the scenario and write OUT.h5\n"
          "  check               validate the scenario without running it\n"
          "  keys                print the reference of every scenario key (markdown)\n"
          "\n"
          "Options:\n"
          "  -o, --output=OUT.h5   the output file (default results/NAME.h5 for NAME.cfg)\n"
          "      --seed=N          same as --set run.seed=N\n"
          "      --threads=N       OpenMP threads (default: all cores); results do not\n"
          "                        depend on it\n"
          "      --set=KEY=VALUE   override any scenario key, e.g. --set\n"
          "                        run.households=50000 or --set\n"
          "                        rollout.suppliers.[0].share=0.3 (validated like the\n"
          "                        file); repeatable\n"
          "  -q, --quiet           print nothing but errors\n"
          "      --checkpoint-at=DATE  write the model state at the end of DATE\n"
          "                        (YYYY-MM-DD) to the checkpoint file\n"
          "      --checkpoint-every=DAYS  write it every DAYS simulated days (the file\n"
          "                        is replaced atomically), so a killed run can resume\n"
          "      --checkpoint-file=CKPT  where (default OUT with .h5 replaced by\n"
          "                        .ckpt.h5)\n"
          "      --from=CKPT       continue from a checkpoint (no FILE: its scenario is\n"
          "                        stored in it); --set changes keys that act on later\n"
          "                        days (others are refused, exit 2); the output\n"
          "                        holds every day from the start (default: the\n"
          "                        output the checkpointed run was writing)\n"
          "      --resume=CKPT     the same as --from (a killed run: no --set)\n"
          "      --check-invariants  check every household, state count and pending\n"
          "                        list every 64 simulated days (O(households) each\n"
          "                        time); a violation fails the run\n"
          "  -h, --help            show this help and exit\n"
          "      --version         show the version and exit\n"
          "Long options also take their value as --opt=value; short ones bundle, as in\n"
          "-qo OUT.h5; options may come before or after the command; -- ends them.\n"
          "\n"
          "Output files and signals:\n"
          "  The run writes OUT.h5.tmp.PID.RANDOM, created exclusively beside OUT.h5,\n"
          "  and renames it to OUT.h5 only when complete.  Before simulating, it refuses\n"
          "  an OUT that exists and is not a regular file (directory, device, FIFO,\n"
          "  symbolic link), that is the scenario or a file it @includes, or whose\n"
          "  directory is not writable, is immutable, or cannot hold the temporary name;\n"
          "  it removes the temporary files of earlier runs to the same OUT whose process\n"
          "  is gone, and names them.  SIGINT, SIGTERM, SIGHUP and SIGQUIT stop a run at\n"
          "  any moment with exit status 1 and no file: at once before the first\n"
          "  simulated day, otherwise at the end of the current day (a second signal: at\n"
          "  once).  A full disk is exit status 1 with the system's reason, and no file.\n"
          "\n"
          "Exit status:\n"
          "  0   success\n"
          "  1   runtime failure (I/O, full disk, memory, interrupted by a signal)\n"
          "  2   usage or scenario error\n",
          out);
    experiment_usage(out);
}

typedef struct options {
    const char *command;
    const char *scenario;
    const char *output;
    const char *overrides[MAX_OVERRIDES];
    size_t n_overrides;
    char seed_override[64];
    int threads;
    int quiet;
    int check_invariants;
    int help, version;
    const char *ckpt_at;       /* --checkpoint-at DATE (NULL: none) */
    long ckpt_every;           /* --checkpoint-every DAYS (0: none) */
    const char *ckpt_file;     /* --checkpoint-file CKPT */
    const char *from;          /* --from / --resume CKPT */
    const char *cmdline;   /* the command line as typed, for the file */
} options;

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

enum { OPT_SEED = 256, OPT_THREADS, OPT_SET, OPT_INVARIANTS, OPT_VERSION, OPT_CKPT_AT, OPT_CKPT_EVERY, OPT_CKPT_FILE,
       OPT_FROM };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"set", required_argument, NULL, OPT_SET},
    {"quiet", no_argument, NULL, 'q'},
    {"check-invariants", no_argument, NULL, OPT_INVARIANTS},
    {"checkpoint-at", required_argument, NULL, OPT_CKPT_AT},
    {"checkpoint-every", required_argument, NULL, OPT_CKPT_EVERY},
    {"checkpoint-file", required_argument, NULL, OPT_CKPT_FILE},
    {"from", required_argument, NULL, OPT_FROM},
    {"resume", required_argument, NULL, OPT_FROM},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* One option with its value (getopt_long's code c, argument val). */
static int take_option(int c, const char *val, options *o, FILE *diag)
{
    long v;
    switch (c) {
    case 'o':
        if (!val[0]) {
            fprintf(diag, "smsim: -o/--output: empty file name\n");
            return SIM_EINPUT;
        }
        o->output = val;
        return SIM_OK;
    case OPT_SEED:
        if (parse_int(val, 0, 0x7fffffffffffffffL, &v)) {
            fprintf(diag, "smsim: --seed %s: not a non-negative integer\n", val);
            return SIM_EINPUT;
        }
        snprintf(o->seed_override, sizeof o->seed_override, "run.seed=%ld", v);
        return SIM_OK;
    case OPT_THREADS:
        if (parse_int(val, 1, 4096, &v)) {
            fprintf(diag, "smsim: --threads %s: allowed 1 to 4096\n", val);
            return SIM_EINPUT;
        }
        o->threads = (int)v;
        return SIM_OK;
    case OPT_SET:
        if (!strchr(val, '=')) {
            fprintf(diag, "smsim: --set %s: expected key=value\n", val);
            return SIM_EINPUT;
        }
        if (o->n_overrides == MAX_OVERRIDES - 1) {   /* one place kept for --seed */
            fprintf(diag, "smsim: more than %d --set options\n", MAX_OVERRIDES - 1);
            return SIM_EINPUT;
        }
        o->overrides[o->n_overrides++] = val;
        return SIM_OK;
    case OPT_CKPT_AT: {
        int64_t dd;
        if (sim_parse_date(val, &dd)) {
            fprintf(diag, "smsim: --checkpoint-at %s: not a date; allowed: YYYY-MM-DD\n", val);
            return SIM_EINPUT;
        }
        o->ckpt_at = val;
        return SIM_OK;
    }
    case OPT_CKPT_EVERY:
        if (parse_int(val, 1, 1000000, &v)) {
            fprintf(diag, "smsim: --checkpoint-every %s: allowed 1 to 1000000 days\n", val);
            return SIM_EINPUT;
        }
        o->ckpt_every = v;
        return SIM_OK;
    case OPT_CKPT_FILE:
    case OPT_FROM:
        if (!val[0]) {
            fprintf(diag, "smsim: %s: empty file name\n", c == OPT_FROM ? "--from" : "--checkpoint-file");
            return SIM_EINPUT;
        }
        *(c == OPT_FROM ? &o->from : &o->ckpt_file) = val;
        return SIM_OK;
    case 'q': o->quiet = 1; return SIM_OK;
    case OPT_INVARIANTS: o->check_invariants = 1; return SIM_OK;
    case 'h': o->help = 1; return SIM_OK;
    case OPT_VERSION: o->version = 1; return SIM_OK;
    }
    return SIM_EINPUT;
}

/* The command, then the scenario: the first two words that are not options. */
static int take_word(const char *word, options *o, FILE *diag)
{
    if (!o->command)
        o->command = word;
    else if (!o->scenario)
        o->scenario = word;
    else {
        fprintf(diag, "smsim: unexpected argument %s (see smsim --help)\n", word);
        return SIM_EINPUT;
    }
    return SIM_OK;
}

static int option_error(int c, int argc, char **argv, FILE *diag)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "";
    if (c == ':') {
        if (optopt && optopt < 256 && strncmp(arg, "--", 2) != 0)
            fprintf(diag, "smsim: -%c needs a value (see smsim --help)\n", optopt);
        else
            fprintf(diag, "smsim: %s needs a value (see smsim --help)\n", arg);
    } else if (optopt && optopt < 256 && strncmp(arg, "--", 2) != 0) {
        fprintf(diag, "smsim: unknown option -%c (see smsim --help)\n", optopt);
    } else {
        fprintf(diag, "smsim: unknown option %s (see smsim --help)\n", arg);
    }
    return SIM_EINPUT;
}

/* GNU conventions through getopt_long: options anywhere, long ones as
 * --opt value or --opt=value, short ones bundled (-qo OUT.h5), "--" ends
 * them.  The leading '-' in the option string keeps words in order (and
 * parsing the same under POSIXLY_CORRECT).  diag: where usage errors go
 * (stderr on rank 0; /dev/null on the other ranks of a distributed run,
 * so a bad option is reported once). */
static int parse_args(int argc, char **argv, options *o, FILE *diag)
{
    int c, rc = SIM_OK;
    opterr = 0;
    optind = 1;
    while (rc == SIM_OK && (c = getopt_long(argc, argv, "-:o:qh", long_options, NULL)) != -1) {
        if (c == 1)
            rc = take_word(optarg, o, diag);
        else if (c == '?' || c == ':')
            rc = option_error(c, argc, argv, diag);
        else
            rc = take_option(c, optarg, o, diag);
    }
    for (; rc == SIM_OK && optind < argc; optind++)   /* the words after "--" */
        rc = take_word(argv[optind], o, diag);
    if (rc != SIM_OK || o->help || o->version)
        return rc;
    if (!o->command) {
        usage(diag);
        return SIM_EINPUT;
    }
    /* --seed applies after every --set so it wins, like a later --set would. */
    if (o->seed_override[0])
        o->overrides[o->n_overrides++] = o->seed_override;
    return SIM_OK;
}

/* results/NAME.h5 for scenarios/NAME.cfg */
static void default_output(const char *scenario, char *buf, size_t n)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t len = strcspn(base, ".");
    snprintf(buf, n, "results/%.*s.h5", (int)len, base);
}

static char *join_argv(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        int quote = strpbrk(argv[i], " \t\"'") != NULL;
        p += sprintf(p, "%s%s%s%s", i ? " " : "", quote ? "'" : "", argv[i], quote ? "'" : "");
    }
    return s;
}

static void progress(const mdl_scenario *sc, int64_t day, int64_t n_days, uint64_t events,
                     double t0, int final)
{
    double el = wall_seconds() - t0;
    double frac = (double)(day + 1) / (double)n_days;
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    char date[16];
    sim_format_date(sc->run.start_day + day, date);
    fprintf(stderr, "\r%s  %5.1f%%  %6.2f M events/s  elapsed %5.0fs  ETA %5.0fs ", date,
            100 * frac, el > 0 ? (double)events / el / 1e6 : 0.0, el, eta);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Root attributes: everything needed to say how a file was made. */
static int write_run_attrs(sim_h5_file *h5, const mdl_scenario *sc, const options *o,
                           const char *cmdline, const char *scenario_text,
                           const char *effective, int threads, int ranks, sim_err *err)
{
    char date[16], started[32];
    int rc = 0;
    iso_utc_now(started, sizeof started);
    rc |= sim_h5_attr_str(h5, "/", "title", "smsim run", err);
    rc |= sim_h5_attr_str(h5, "/", "smsim_version", SMSIM_VERSION, err);
    rc |= sim_h5_attr_str(h5, "/", "scenario_path", o->scenario, err);
    rc |= sim_h5_attr_str(h5, "/", "scenario_text", scenario_text, err);
    rc |= sim_h5_attr_str(h5, "/", "scenario_effective", effective ? effective : "", err);
    rc |= sim_h5_attr_str(h5, "/", "command_line", cmdline ? cmdline : "", err);
    rc |= sim_h5_attr_i64(h5, "/", "seed", sc->run.seed, err);
    rc |= sim_h5_attr_i64(h5, "/", "threads", threads, err);
    rc |= sim_h5_attr_i64(h5, "/", "ranks", ranks, err);
    rc |= sim_h5_attr_i64(h5, "/", "households", sc->run.households, err);
    rc |= sim_h5_attr_i64(h5, "/", "shards", sc->run.shards, err);
    sim_format_date(sc->run.start_day, date);
    rc |= sim_h5_attr_str(h5, "/", "start_date", date, err);
    sim_format_date(sc->run.end_day, date);
    rc |= sim_h5_attr_str(h5, "/", "end_date", date, err);
    rc |= sim_h5_attr_str(h5, "/", "started_at", started, err);
    return rc ? (err->code ? err->code : SIM_ERUNTIME) : SIM_OK;
}

static int cmd_keys(void)
{
    return sim_cfg_write_markdown(&mdl_scenario_schema, stdout) ? SIM_ERUNTIME : SIM_OK;
}

static int cmd_check(const options *o, sim_err *err)
{
    static mdl_scenario sc;
    if (!o->scenario) {
        usage(stderr);
        return SIM_EINPUT;
    }
    int rc = mdl_scenario_load(&sc, o->scenario, o->overrides, o->n_overrides, NULL, err);
    if (rc)
        return rc;
    char a[16], b[16];
    sim_format_date(sc.run.start_day, a);
    sim_format_date(sc.run.end_day, b);
    if (!o->quiet)
        printf("%s: ok (%lld households, %s to %s, %lld shards, seed %lld)\n", o->scenario,
               (long long)sc.run.households, a, b, (long long)sc.run.shards,
               (long long)sc.run.seed);
    return SIM_OK;
}

/* See the file comment: wait at PHASE when the test hook names it. */
static void test_pause(const char *phase)
{
    const char *at = getenv("SMSIM_TEST_PAUSE_AT");
    if (!at || strcmp(at, phase) != 0)
        return;
    fprintf(stderr, "smsim: test hook: paused at %s\n", phase);
    fflush(stderr);
    struct timespec tick = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 1500 && !sim_stop_requested(); i++)
        nanosleep(&tick, NULL);
}

/* One run's state, from the scenario to the summary. */
typedef struct run_ctx {
    const options *o;
    sim_mpi *dist;
    int rank, ranks, threads;
    int no_overlap;           /* SMSIM_NO_OVERLAP set: every DCC day whole (dcc_defer) */
    mdl_scenario *sc;
    char outbuf[4096];
    const char *out;
    char *effective, *scenario_text;
    sim_h5_file *h5;
    sim_engine *eng;
    mdl_dcc *dcc;
    mdl_rollout *ro;
    double t_start, wall;
    uint64_t events;
    /* checkpoints */
    int64_t first_day;        /* the first day this process simulates (after a checkpoint's) */
    int64_t ckpt_at;          /* --checkpoint-at as a run day (-1: none) */
    char ckpt_path[4096];
    sim_ckpt_file *from;      /* --from: the checkpoint, open for reading */
    int64_t from_day;         /* its last day */
    int changed;              /* --from with a scenario that differs from the checkpoint's */
    char *from_scenario, *from_output;   /* --from: what the checkpoint names */
    double t_from;            /* when reading the checkpoint began */
} run_ctx;

/* A stop request (sim_stop.h) not yet acted on becomes the step's failure.
 * One process acts on signals at once before the first day, so this
 * matters from the first day on, and, before it, in a distributed run,
 * whose ranks must stop together: there a signal is polled at every
 * agreement below (population generation itself is not cut short). */
static int stop_poll(int rc, sim_err *err)
{
    int sig = sim_stop_requested();
    if (rc == SIM_OK && sig)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "interrupted (%s); no output written",
                      sim_stop_signame(sig));
    return rc;
}

/* Under MPI: every rank learns the outcome of the step that returned rc
 * (see sim_mpi_agree).  One process: rc as it is. */
#define AGREE(rc) sim_mpi_agree(c->dist, stop_poll((rc), err), err)

#define MAX_INPUTS 16

/* The scenario and the files it brings in with libconfig's `@include "F"`
 * (F relative to the scenario's directory, as the loader sets it), to any
 * depth, at most MAX_INPUTS: the output must be none of them.  A file that
 * cannot be read is left to the loader to report. */
static size_t scenario_inputs(const char *scenario, char inputs[][4096])
{
    char dir[4096];
    const char *slash = strrchr(scenario, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - scenario) : 1, slash ? scenario : ".");
    size_t n = 1;
    snprintf(inputs[0], 4096, "%s", scenario);
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(inputs[i], "r");
        char line[4096 + 32], name[4096];
        while (f && n < MAX_INPUTS && fgets(line, sizeof line, f))
            if (sscanf(line, " @include \"%4095[^\"]\"", name) == 1) {
                if (name[0] == '/' || !strcmp(dir, "."))
                    snprintf(inputs[n++], 4096, "%s", name);
                else
                    snprintf(inputs[n++], 4096, "%.2047s/%.2047s", dir, name);
            }
        if (f)
            fclose(f);
    }
    return n;
}

/* ---- checkpoints (sim_ckpt.h, mdl_rollout_ckpt.c, models/README.md) ------ */
/* Where checkpoints go: --checkpoint-file, or OUT with .h5 replaced by
 * .ckpt.h5; never the output itself. */
static int ckpt_setup_path(run_ctx *c, sim_err *err)
{
    const options *o = c->o;
    if (!o->ckpt_at && !o->ckpt_every)
        return SIM_OK;
    if (o->ckpt_file) {
        snprintf(c->ckpt_path, sizeof c->ckpt_path, "%s", o->ckpt_file);
    } else {
        size_t n = strlen(c->out);
        int h5 = n > 3 && !strcmp(c->out + n - 3, ".h5");
        snprintf(c->ckpt_path, sizeof c->ckpt_path, "%.*s.ckpt.h5", (int)(h5 ? n - 3 : n), c->out);
    }
    if (!strcmp(c->ckpt_path, c->out))
        return SIM_FAIL(err, SIM_EINPUT, "--checkpoint-file %s: the output itself; allowed: another file",
                        c->ckpt_path);
    const char *inputs[1] = {o->scenario};
    return sim_outfile_check(c->ckpt_path, inputs, o->scenario ? 1 : 0, err);
}

/* --checkpoint-at as a run day, inside the days this process runs. */
static int ckpt_check_at(run_ctx *c, sim_err *err)
{
    int64_t date, n_days = mdl_scenario_days(c->sc);
    if (!c->o->ckpt_at)
        return SIM_OK;
    sim_parse_date(c->o->ckpt_at, &date);   /* (checked when parsed) */
    c->ckpt_at = date - c->sc->run.start_day;
    if (c->ckpt_at < c->first_day || c->ckpt_at >= n_days - 1) {
        char a[16], b[16];
        sim_format_date(c->sc->run.start_day + c->first_day, a);
        sim_format_date(c->sc->run.end_day - 1, b);
        return SIM_FAIL(err, SIM_EINPUT, "--checkpoint-at %s: outside the days this run simulates; allowed: %s to %s",
                        c->o->ckpt_at, a, b);
    }
    return SIM_OK;
}

static int ckpt_due(const run_ctx *c, int64_t day, int64_t n_days)
{
    if (day + 1 >= n_days)
        return 0;
    return day == c->ckpt_at || (c->o->ckpt_every > 0 && (day + 1) % c->o->ckpt_every == 0);
}

/* Keys that shape state built before the checkpoint (the population, the
 * work lists, the shards, the run's days, the output's series): one
 * differs -> SIM_EINPUT. */
static int ckpt_refused(const mdl_scenario *a, const mdl_scenario *b, int64_t day, sim_err *err)
{
    const char *key = NULL;
    char buf[96];
    const mdl_rollout_params *pa = &a->rollout, *pb = &b->rollout;
    if (a->run.households != b->run.households) key = "run.households";
    else if (a->run.shards != b->run.shards) key = "run.shards";
    else if (a->run.seed != b->run.seed) key = "run.seed";
    else if (a->run.start_day != b->run.start_day) key = "run.start";
    else if (a->run.end_day != b->run.end_day) key = "run.end";
    else if (memcmp(&pa->population, &pb->population, sizeof pa->population)) key = "rollout.population";
    else if (memcmp(&pa->wan, &pb->wan, sizeof pa->wan)) key = "rollout.wan";
    else if (pa->fleet.enabled != pb->fleet.enabled) key = "rollout.fleet.enabled";
    else if (a->dcc.outages.enabled != b->dcc.outages.enabled) key = "dcc.outages.enabled";   /* its /dcc series */
    else if (pa->n_suppliers != pb->n_suppliers) key = "rollout.suppliers";
    for (size_t i = 0; !key && i < pa->n_suppliers; i++) {
        const mdl_rollout_supplier *x = &pa->suppliers[i], *y = &pb->suppliers[i];
        const char *f = strcmp(x->name, y->name) ? "name" : x->share != y->share ? "share"
                        : x->order != y->order ? "order" : NULL;
        if (f) {
            snprintf(buf, sizeof buf, "rollout.suppliers.[%zu].%s", i, f);
            key = buf;
        }
    }
    if (!key)
        return SIM_OK;
    char date[16];
    sim_format_date(a->run.start_day + day, date);
    return SIM_FAIL(err, SIM_EINPUT, "%s cannot change after the checkpoint (%s); allowed: keys that act on later days",
                    key, date);
}

/* --from: the checkpoint's scenario with this run's --set on top. */
static int ckpt_open_from(run_ctx *c, sim_err *err)
{
    static mdl_scenario old;
    static options oc;
    c->t_from = wall_seconds();
    oc = *c->o;
    c->o = &oc;
    if (!(c->from = sim_ckpt_open(oc.from, &c->from_day, err)))
        return err->code ? err->code : SIM_EINPUT;
    char *eff = sim_ckpt_read_attr_str(c->from, "scenario_effective", err);
    char *path = eff ? sim_ckpt_read_attr_str(c->from, "scenario_path", err) : NULL;
    char *out = path ? sim_ckpt_read_attr_str(c->from, "output", err) : NULL;
    c->scenario_text = out ? sim_ckpt_read_attr_str(c->from, "scenario_text", err) : NULL;
    int rc = c->scenario_text ? SIM_OK : SIM_EINPUT;
    memset(&old, 0, sizeof old);
    memset(c->sc, 0, sizeof *c->sc);
    if (!rc)
        rc = mdl_scenario_load_string(&old, oc.from, eff, NULL, 0, NULL, err);
    if (!rc)
        rc = mdl_scenario_load_string(c->sc, oc.from, eff, oc.overrides, oc.n_overrides, &c->effective, err);
    if (!rc)
        rc = ckpt_refused(&old, c->sc, c->from_day, err);
    if (!rc && c->from_day >= mdl_scenario_days(c->sc) - 1)
        rc = SIM_FAIL(err, SIM_EINPUT, "%s: the checkpoint is at the run's last day; nothing to continue", oc.from);
    if (!rc) {
        c->changed = strcmp(c->effective, eff) != 0;
        c->first_day = c->from_day + 1;
        oc.scenario = c->from_scenario = path;
        path = NULL;
        if (!oc.output)
            oc.output = c->from_output = out, out = NULL;
    }
    free(eff);
    free(path);
    free(out);
    return rc;
}

/* --from, after the models are restored: the DCC's state and the output's
 * rows so far; then the checkpoint is closed (a resumed run may replace it). */
static int ckpt_restore_rest(run_ctx *c, sim_err *err)
{
    unsigned char *p;
    size_t n;
    int rc = sim_ckpt_read(c->from, "/dcc/state", &p, &n, err);
    if (!rc) {
        sim_ckpt_buf b = sim_ckpt_reader(p, n);
        rc = mdl_dcc_ckpt_load(c->dcc, &b, c->changed, err);
        free(p);
    }
    for (size_t i = 0; !rc && i < sim_h5_n_series(c->h5); i++) {
        sim_h5_series *s = sim_h5_series_at(c->h5, i);
        char path[1024];
        snprintf(path, sizeof path, "/output%s", sim_h5_series_path(s));
        if (!sim_ckpt_has(c->from, path))
            continue;   /* a series this scenario adds: no rows before */
        if ((rc = sim_ckpt_read(c->from, path, &p, &n, err)))
            break;
        size_t rb = sim_h5_series_row_bytes(s);
        if (n % rb)
            rc = SIM_FAIL(err, SIM_EINPUT, "%s: %s holds %zu bytes, not whole rows of %zu", c->o->from, path, n, rb);
        else
            rc = sim_h5_series_append(s, n / rb, p, err);
        free(p);
    }
    sim_ckpt_close(c->from);
    c->from = NULL;
    if (!rc && c->rank == 0 && !c->o->quiet) {
        char date[16];
        sim_format_date(c->sc->run.start_day + c->from_day, date);
        fprintf(stderr, "smsim: continuing from %s (the end of %s), read in %.2f s\n", c->o->from, date,
                wall_seconds() - c->t_from);
    }
    return rc;
}

/* Rank 0: the attributes, the output so far and the DCC's state. */
static int ckpt_write_head(run_ctx *c, sim_ckpt_file *f, int64_t day, sim_err *err)
{
    char date[16];
    sim_format_date(c->sc->run.start_day + day, date);
    int rc = sim_ckpt_attr_str(f, "date", date, err) ||
             sim_ckpt_attr_str(f, "scenario_effective", c->effective ? c->effective : "", err) ||
             sim_ckpt_attr_str(f, "scenario_text", c->scenario_text, err) ||
             sim_ckpt_attr_str(f, "scenario_path", c->o->scenario, err) ||
             sim_ckpt_attr_str(f, "output", c->out, err) ||
             sim_ckpt_attr_i64(f, "households", c->sc->run.households, err) ||
             sim_ckpt_attr_i64(f, "shards", c->sc->run.shards, err);
    for (size_t i = 0; !rc && i < sim_h5_n_series(c->h5); i++) {
        sim_h5_series *s = sim_h5_series_at(c->h5, i);
        unsigned char *p;
        size_t rows;
        char path[1024];
        snprintf(path, sizeof path, "/output%s", sim_h5_series_path(s));
        if (!(rc = sim_h5_series_read(s, &p, &rows, err)))
            rc = sim_ckpt_write(f, path, p, rows * sim_h5_series_row_bytes(s), err);
        free(p);
    }
    sim_ckpt_buf b = {0};
    if (!rc && !(rc = mdl_dcc_ckpt_save(c->dcc, &b, err)))
        rc = sim_ckpt_write(f, "/dcc/state", b.p, b.n, err);
    sim_ckpt_buf_free(&b);
    return rc ? (err->code ? err->code : SIM_ERUNTIME) : SIM_OK;
}

/* The checkpoint at the end of `day` (every rank: the shards' records go to rank 0). */
static int ckpt_write(run_ctx *c, int64_t day, sim_err *err)
{
    sim_ckpt_file *f = NULL;
    int rc = SIM_OK;
    double t0 = wall_seconds();
    if (c->rank == 0 && !(f = sim_ckpt_create(c->ckpt_path, SMSIM_VERSION, day, err)))
        rc = err->code ? err->code : SIM_ERUNTIME;
    if (!rc && f)
        rc = ckpt_write_head(c, f, day, err);
    if (!(rc = AGREE(rc)))
        rc = AGREE(mdl_rollout_ckpt_save(c->ro, f, err));
    if (!rc && f) {
        rc = sim_ckpt_commit(f, err);
        f = NULL;
    }
    sim_ckpt_abort(f);
    if ((rc = AGREE(rc)))
        return rc;
    struct stat st;
    if (c->rank == 0 && !c->o->quiet && stat(c->ckpt_path, &st) == 0) {
        char date[16];
        sim_format_date(c->sc->run.start_day + day, date);
        fprintf(stderr, "\nsmsim: checkpoint at the end of %s: %s, %.1f MB, written in %.2f s\n", date,
                c->ckpt_path, (double)st.st_size / 1e6, wall_seconds() - t0);
    }
    test_pause("checkpoint");
    return SIM_OK;
}

/* Rank 0: every check of the output that can be made before the run (so
 * that a long run cannot fail at its end for a reason known at its start),
 * and the temporaries of dead runs to the same name removed. */
static int check_output(run_ctx *c, sim_err *err)
{
    const options *o = c->o;
    c->out = o->output;
    if (!c->out) {
        default_output(o->scenario, c->outbuf, sizeof c->outbuf);
        c->out = c->outbuf;
        if (mkdir("results", 0777) != 0 && errno != EEXIST)
            return SIM_FAIL(err, SIM_EINPUT, "results: cannot create output directory: %s",
                            strerror(errno));
    }
    static char input_paths[MAX_INPUTS + 1][4096];
    const char *inputs[MAX_INPUTS + 1];
    size_t n_inputs = scenario_inputs(o->scenario, input_paths);
    if (o->from)   /* the checkpoint is an input, too */
        snprintf(input_paths[n_inputs++], 4096, "%s", o->from);
    for (size_t i = 0; i < n_inputs; i++)
        inputs[i] = input_paths[i];
    int rc = sim_outfile_check(c->out, inputs, n_inputs, err);
    if (rc)
        return rc;
    if ((rc = ckpt_setup_path(c, err)))
        return rc;
    char removed[2048];
    size_t n = sim_outfile_remove_stale(c->out, removed, sizeof removed);
    if (n > 0 && !o->quiet)
        fprintf(stderr, "smsim: removed %zu temporary file%s left by runs that are gone: %s\n", n,
                n == 1 ? "" : "s", removed);
    return SIM_OK;
}

/* Rank 0: the temporary output file and the attributes known at the start. */
static int create_output(run_ctx *c, sim_err *err)
{
    if (!c->scenario_text)
        return SIM_FAIL(err, SIM_ERUNTIME, "the text of %s was not kept", c->o->scenario);
    if (!(c->h5 = sim_h5_create(c->out, err)))
        return err->code ? err->code : SIM_ERUNTIME;
    int rc = write_run_attrs(c->h5, c->sc, c->o, c->o->cmdline, c->scenario_text, c->effective, c->threads,
                             c->ranks, err);
    if (!rc && c->o->from) {   /* where the days up to the checkpoint came from */
        char date[16];
        sim_format_date(c->sc->run.start_day + c->from_day, date);
        if (sim_h5_attr_str(c->h5, "/", "continued_from", c->o->from, err) ||
            sim_h5_attr_str(c->h5, "/", "continued_after", date, err))
            rc = err->code ? err->code : SIM_ERUNTIME;
    }
    return rc;
}

/* The engine, the DCC and the rollout, whose allocation generates the
 * population (this rank's block of shards only). */
static int alloc_models(run_ctx *c, sim_err *err)
{
    const mdl_scenario *sc = c->sc;
    size_t own_first, own_count;
    int rc;
    sim_mpi_block((size_t)sc->run.shards, c->rank, c->ranks, &own_first, &own_count);
    if (!(c->eng = sim_engine_alloc(mdl_rollout_model(), (size_t)sc->run.shards,
                                    (size_t)sc->run.queue_capacity, err)))
        rc = err->code ? err->code : SIM_ERUNTIME;
    else
        rc = sim_engine_set_owned(c->eng, own_first, own_count, err);
    if ((rc = AGREE(rc)))
        return rc;
    if (!(c->dcc = mdl_dcc_alloc_dist(sc, (size_t)sc->run.shards, c->h5, c->dist, err)))
        rc = err->code ? err->code : SIM_ERUNTIME;
    if ((rc = AGREE(rc)))
        return rc;
    test_pause("generate");
    if (c->from)
        c->ro = mdl_rollout_restore(sc, c->eng, c->dcc, c->h5, c->threads, c->from, err);
    else
        c->ro = mdl_rollout_alloc(sc, c->eng, c->dcc, c->h5, c->threads, err);
    if (!c->ro)
        rc = err->code ? err->code : SIM_ERUNTIME;
    else
        mdl_rollout_set_dist(c->ro, c->dist);
    if (!rc && c->from)
        rc = ckpt_restore_rest(c, err);
    return AGREE(rc);
}

/* Every rank reads the scenario (a cluster's ranks see the same files);
 * they all fail alike on a bad one, and rank 0 reports it. */
static int run_setup(run_ctx *c, sim_err *err)
{
    const options *o = c->o;
    /* The text as read (a pipe cannot be read twice): stored in the output. */
    int rc = o->from ? ckpt_open_from(c, err)
                     : mdl_scenario_load_text(c->sc, o->scenario, o->overrides, o->n_overrides, &c->effective,
                                              &c->scenario_text, err);
    if (!rc)
        rc = ckpt_check_at(c, err);
    if ((rc = AGREE(rc)))
        return rc;
    if (c->rank == 0)
        rc = check_output(c, err);
    if ((rc = AGREE(rc)))
        return rc;
    c->threads = o->threads;
    const char *off = getenv("SMSIM_NO_OVERLAP");
    c->no_overlap = off && strcmp(off, "0") != 0;
#ifdef _OPENMP
    if (c->threads <= 0)
        c->threads = omp_get_max_threads();
#else
    c->threads = 1;
#endif
    c->t_start = wall_seconds();
    if (c->rank == 0)
        rc = create_output(c, err);
    if ((rc = AGREE(rc)))
        return rc;
    return alloc_models(c, err);
}

/* --check-invariants after the DCC's day: the read fleet's own sums (rank
 * 0) and, with fleet life in one process, the fleet less its initial part
 * against the households that send reads (mdl_rollout_fleet_reads). */
static int check_fleet(const run_ctx *c, int64_t day, sim_err *err)
{
    if (c->rank != 0)
        return SIM_OK;
    int rc = mdl_dcc_check(c->dcc, err);
    if (rc || c->ranks > 1 || !c->sc->rollout.fleet.enabled)
        return rc;
    uint64_t h[MDL_N_REGIONS], m[MDL_N_REGIONS], p[MDL_N_REGIONS], dh[MDL_N_REGIONS], dm[MDL_N_REGIONS],
        dp[MDL_N_REGIONS];
    mdl_rollout_fleet_reads(c->ro, h, m, p);
    mdl_dcc_fleet_counts(c->dcc, dh, dm, dp);
    for (int g = 0; g < MDL_N_REGIONS; g++)
        if (h[g] != dh[g] || m[g] != dm[g] || p[g] != dp[g])
            return SIM_FAIL(err, SIM_ERUNTIME, "day %lld, %s: households sending reads: %llu hubs, %llu meters, "
                            "%llu prepayment; the DCC's read fleet (less its initial fleet): %llu, %llu, %llu",
                            (long long)day, mdl_region_names[g], (unsigned long long)h[g], (unsigned long long)m[g],
                            (unsigned long long)p[g], (unsigned long long)dh[g], (unsigned long long)dm[g],
                            (unsigned long long)dp[g]);
    return SIM_OK;
}

/* The DCC's deferred day as the engine's side job (sim_engine_set_side). */
static int dcc_side_job(void *dcc, sim_err *err) { return mdl_dcc_day_flush(dcc, err); }

/* Whether the DCC may leave day `day`'s second part (a fluid day's
 * simulation and rows) to run beside the next day's window: only when the
 * next thing to happen is that window, not a checkpoint, the last day's
 * finish or --check-invariants' look at the fleet.  Off with the test
 * hook SMSIM_NO_OVERLAP=1 (the output is the same either way). */
static int dcc_defer(const run_ctx *c, int64_t day, int64_t n_days, int check)
{
    return !c->no_overlap && c->rank == 0 && day + 1 < n_days && !check && !ckpt_due(c, day, n_days);
}

/* One simulated day on every rank: the engine's window (with the DCC's
 * deferred part of the day before beside it), the rollout's and the DCC's
 * end of day. */
static int run_day(run_ctx *c, int64_t day, int64_t n_days, sim_err *err)
{
    int rc, sig = sim_stop_requested();
    int check = c->o->check_invariants && (day % 64 == 63 || day + 1 == n_days);
    if (sig)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "interrupted (%s) on simulated day %lld; no output "
                      "written", sim_stop_signame(sig), (long long)day);
    else {
        if (mdl_dcc_day_pending(c->dcc))
            sim_engine_set_side(c->eng, dcc_side_job, c->dcc);
        rc = sim_engine_run_window(c->eng, sim_time_from_days(day), sim_time_from_days(day + 1),
                                   c->threads, err);
    }
    if ((rc = AGREE(rc)))
        return rc;
    if (day + 1 == n_days)
        test_pause("last-day");
    rc = mdl_rollout_day_end(c->ro, day, err);
    if (!rc && check)
        rc = mdl_rollout_check(c->ro, err);
    /* Distributed, both steps are collectives that every rank must
     * reach, so the DCC day runs even after a failed row (the run ends
     * at the agreement below either way). */
    if (!rc || c->ranks > 1) {
        sim_err err2;
        sim_err_clear(&err2);
        int rc2 = mdl_dcc_day_begin(c->dcc, day, c->threads, dcc_defer(c, day, n_days, check), &err2);
        if (!rc2 && check)
            rc2 = check_fleet(c, day, &err2);
        if (!rc && rc2) {
            rc = rc2;
            *err = err2;
        }
    }
    return AGREE(rc);
}

/* Rank 0 decides whether to show progress; with several ranks the line
 * needs every rank's event count (a reduce, only then). */
static int progress_wanted(run_ctx *c, int *show, sim_err *err)
{
    int tty = isatty(STDERR_FILENO);
#ifdef SMSIM_MPI
    /* mpirun hands a rank's stdout a terminal but its stderr a pipe (and
     * forwards it as it comes): go by stdout there. */
    tty = tty || isatty(STDOUT_FILENO);
#endif
    *show = c->rank == 0 && !c->o->quiet && tty;
    return c->ranks > 1 ? AGREE(sim_mpi_bcast(c->dist, show, sizeof *show, err)) : SIM_OK;
}

static int run_days(run_ctx *c, sim_err *err)
{
    int show, rc;
    int64_t n_days = mdl_scenario_days(c->sc);
    double last_shown = 0;
    if ((rc = progress_wanted(c, &show, err)))
        return rc;
    /* From here a first signal is acted on at the next day boundary, or
     * at the latest before the output's rename (sim_h5_commit). */
    sim_stop_set_immediate(0);
    for (int64_t day = c->first_day; day < n_days; day++) {
        if (day == 1)
            test_pause("day");
        if ((rc = run_day(c, day, n_days, err)))
            return rc;
        if (ckpt_due(c, day, n_days) && (rc = ckpt_write(c, day, err)))
            return rc;
        /* (distributed: every 8th day, so that the reduce costs nothing next to the days) */
        if (show && (c->ranks == 1 || day % 8 == 7 || day + 1 == n_days)) {
            int64_t events = (int64_t)sim_engine_events(c->eng);
            if ((rc = AGREE(sim_mpi_sum_i64(c->dist, &events, 1, err))))
                return rc;
            double now = wall_seconds();
            if (c->rank == 0 && (now - last_shown > 0.25 || day + 1 == n_days)) {
                progress(c->sc, day, n_days, (uint64_t)events, c->t_start, day + 1 == n_days);
                last_shown = now;
            }
        }
    }
    return SIM_OK;
}

/* The models' last rows, the closing attributes, and the commit (rank 0). */
static int run_finish(run_ctx *c, sim_err *err)
{
    int rc = mdl_rollout_finish(c->ro, err);
    if (!rc)
        rc = mdl_dcc_finish(c->dcc, err);
    if ((rc = AGREE(rc)))
        return rc;
    c->wall = wall_seconds() - c->t_start;
    int64_t events_all = (int64_t)sim_engine_events(c->eng);
    if ((rc = AGREE(sim_mpi_sum_i64(c->dist, &events_all, 1, err))))
        return rc;
    c->events = (uint64_t)events_all;
    if (c->h5) {
        char finished[32];
        iso_utc_now(finished, sizeof finished);
        int arc = 0;
        arc |= sim_h5_attr_str(c->h5, "/", "finished_at", finished, err);
        arc |= sim_h5_attr_f64(c->h5, "/", "wall_time_s", c->wall, err);
        arc |= sim_h5_attr_i64(c->h5, "/", "events", (int64_t)c->events, err);
        arc |= sim_h5_attr_str(c->h5, "/", "status", "complete", err);
        test_pause("commit");
        if (arc)
            rc = err->code ? err->code : SIM_ERUNTIME;
        else
            rc = sim_h5_commit(c->h5, err);   /* frees the file either way */
        c->h5 = NULL;
    }
    /* so that every rank exits with rank 0's status; not polling signals:
     * after the rename the run is complete (sim_h5_commit) */
    return sim_mpi_agree(c->dist, rc, err);
}
#undef AGREE

static void print_summary(const run_ctx *c)
{
    mdl_rollout_totals rt;
    mdl_dcc_totals dt;
    mdl_rollout_get_totals(c->ro, &rt);
    mdl_dcc_get_totals(c->dcc, &dt);
    double hh = (double)rt.households, wall = c->wall;
    printf("smsim %s: %s\n", SMSIM_VERSION, c->o->scenario);
    printf("  households         %12llu\n", (unsigned long long)rt.households);
    printf("  contacts           %12llu\n", (unsigned long long)rt.contacts);
    printf("  visits             %12llu  (%llu did not end in an install, %llu revisits)\n",
           (unsigned long long)rt.visits, (unsigned long long)rt.failed_visits,
           (unsigned long long)rt.revisits);
    printf("  meters installed   %12llu\n", (unsigned long long)rt.meters_installed);
    printf("  smart (DCC)        %12llu  (%.1f%% of households)\n", (unsigned long long)rt.smart,
           hh > 0 ? 100.0 * (double)rt.smart / hh : 0.0);
    printf("  traditional mode   %12llu\n", (unsigned long long)rt.traditional);
    printf("  DCC requests       %12llu  (%llu failed; %llu detail days, peak %.0f per minute)\n",
           (unsigned long long)dt.requests, (unsigned long long)dt.failures,
           (unsigned long long)dt.detail_days, dt.peak_minute_load);
    printf("  events             %12llu  (%.2f M/s)\n", (unsigned long long)c->events,
           wall > 0 ? (double)c->events / wall / 1e6 : 0.0);
    if (c->ranks > 1)
        printf("  wall time          %12.2f s on %d ranks x %d thread%s\n", wall, c->ranks,
               c->threads, c->threads == 1 ? "" : "s");
    else
        printf("  wall time          %12.2f s on %d thread%s\n", wall, c->threads,
               c->threads == 1 ? "" : "s");
    printf("  output             %s\n", c->out);
}

static int cmd_run(const options *o, sim_mpi *dist, sim_err *err)
{
    static mdl_scenario sc;   /* large: keep it off the stack */
    static run_ctx ctx;
    run_ctx *c = &ctx;
    memset(c, 0, sizeof *c);
    c->o = o;
    c->dist = dist;
    c->sc = &sc;
    c->rank = sim_mpi_rank(dist);
    c->ranks = sim_mpi_size(dist);
    c->ckpt_at = -1;
    if (o->from && o->scenario) {
        if (c->rank == 0)
            fprintf(stderr, "smsim: run --from %s takes its scenario from the checkpoint; give no FILE %s "
                    "(change keys with --set)\n", o->from, o->scenario);
        return SIM_EINPUT;
    }
    if (!o->scenario && !o->from) {
        if (c->rank == 0)
            usage(stderr);
        return SIM_EINPUT;
    }
    test_pause("start");
    int rc = run_setup(c, err);
    if (!rc)
        rc = run_days(c, err);
    if (!rc)
        rc = run_finish(c, err);
    if (!rc && c->rank == 0 && !o->quiet)
        print_summary(c);
    sim_h5_abort(c->h5);
    sim_ckpt_close(c->from);
    mdl_rollout_free(c->ro);
    mdl_dcc_free(c->dcc);
    sim_engine_free(c->eng);
    free(c->effective);
    free(c->scenario_text);
    free(c->from_scenario);
    free(c->from_output);
    return rc;
}

/* The command named on the line, on this rank. */
static int dispatch(const options *o, sim_mpi *dist, FILE *diag, sim_err *err)
{
    int rank = sim_mpi_rank(dist);
    if (o->help || (o->command && !strcmp(o->command, "help"))) {
        if (rank == 0)
            usage(stdout);
        return SIM_OK;
    }
    if (o->version) {
        if (rank == 0)
            printf("smsim %s\n", SMSIM_VERSION);
        return SIM_OK;
    }
    if (!strcmp(o->command, "run"))
        return cmd_run(o, dist, err);
    int check = !strcmp(o->command, "check"), keys = !strcmp(o->command, "keys");
    if ((check || keys) && rank != 0)
        return SIM_OK;   /* rank 0's work alone */
    if (check)
        return cmd_check(o, err);
    if (keys)
        return cmd_keys();
    fprintf(diag, "smsim: unknown command '%s' (run, check, keys; see smsim --help)\n",
            o->command);
    return SIM_EINPUT;
}

int main(int argc, char **argv)
{
    static options o;
    sim_err err;
    sim_mpi *dist = NULL;
    int rc;
    /* First: a signal from here on ends the run cleanly (sim_stop.h): at
     * once in one process; in a distributed build, which may be one rank of
     * several, at the next point where the ranks agree (until we know). */
#ifdef SMSIM_MPI
    sim_stop_install("smsim", 0);
#else
    sim_stop_install("smsim", 1);
#endif
    sim_err_clear(&err);
    sim_mpi_start(&argc, &argv);
    if (!(dist = sim_mpi_alloc(&err))) {
        fprintf(stderr, "smsim: %s\n", err.msg);
        sim_mpi_stop();
        return 1;
    }
    int rank = sim_mpi_rank(dist);
    if (sim_mpi_size(dist) == 1)
        sim_stop_set_immediate(1);
    /* Ranks other than 0 stay silent: what they would say, rank 0 says. */
    FILE *diag = rank == 0 ? stderr : fopen("/dev/null", "w");
    if (!diag)
        diag = stderr;
    /* Before getopt_long reorders argv: the line as typed, for the file. */
    char *cmdline = join_argv(argc, argv);
    o.cmdline = cmdline ? cmdline : "";
    int handled = 0;
    /* Experiments and the DCC sizing search (experiment.c, size.c): `run`
     * or `check` with replications or variants, and `size`; their runs are
     * this program again. */
    rc = experiment_dispatch(argc, argv, dist, &handled, &err);
    if (handled) {
        if (rc && err.msg[0] && rank == 0)
            fprintf(stderr, "smsim: %s\n", err.msg);
    } else if ((rc = parse_args(argc, argv, &o, diag)) == SIM_OK) {
        /* a signal before the switch above (one process; ranks poll together) */
        rc = sim_mpi_size(dist) == 1 ? stop_poll(SIM_OK, &err) : SIM_OK;
        if (rc == SIM_OK)
            rc = dispatch(&o, dist, diag, &err);
        if (rc && err.msg[0] && rank == 0)
            fprintf(stderr, "smsim: %s\n", err.msg);
    }
    free(cmdline);
    if (diag != stderr)
        fclose(diag);
    sim_mpi_free(dist);
    sim_mpi_stop();
    return rc == SIM_OK ? 0 : (rc == SIM_EINPUT ? 2 : 1);
}
