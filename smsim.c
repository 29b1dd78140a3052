/*
 * smsim.c — the program entry: the command line, the day-by-day driver, the
 * progress line and the summary.  It wires sim/ (engine, HDF5) and models/
 * (scenario, rollout, DCC) together and is the only place that decides how
 * the process exits:
 *   0  success
 *   1  a runtime failure (I/O, memory)
 *   2  a usage or scenario error
 * An output file appears under its final name only when the run completed.
 *
 * Under mpirun (an MPI build), every rank runs this same driver on its own
 * block of shards (sim_mpi.h); rank 0 also runs the DCC, writes the file
 * and prints.  After each step that can fail, the ranks agree on the
 * outcome (sim_mpi_agree), so one failure ends the run on every rank with
 * one message and no file.
 */
#include <errno.h>
#include <signal.h>
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
#include "mdl_dcc.h"
#include "mdl_rollout.h"
#include "mdl_scenario.h"
#include "sim_mpi.h"
#include "sim_engine.h"
#include "sim_err.h"
#include "sim_h5.h"
#include "sim_time.h"

#ifndef SMSIM_VERSION
#define SMSIM_VERSION "0.0.0"
#endif

#define MAX_OVERRIDES 256

static volatile sig_atomic_t interrupted;
/* The temporary output file, for the second signal (set once it exists). */
static char tmp_for_signal[4096];
static volatile sig_atomic_t tmp_for_signal_set;

/* The first SIGINT/SIGTERM asks the run to stop at the next day boundary
 * (the file is closed and removed cleanly).  A second one ends the process
 * at once, whatever it is doing (a run that stopped making progress can
 * always be stopped): unlink and _exit are async-signal-safe. */
static void on_signal(int sig)
{
    (void)sig;
    if (interrupted) {
        static const char msg[] = "smsim: interrupted again; stopping now, no output written\n";
        if (tmp_for_signal_set)
            unlink(tmp_for_signal);
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(1);
    }
    interrupted = 1;
}

/* From the first instruction: SIGINT, SIGTERM, SIGHUP (a closed terminal
 * or ssh session) and SIGQUIT all stop the run; none is left to its
 * default action, which would leave the temporary file behind. */
static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void remember_tmp(const char *path)
{
    if (path && strlen(path) < sizeof tmp_for_signal) {
        memcpy(tmp_for_signal, path, strlen(path) + 1);
        tmp_for_signal_set = 1;
    }
}

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
    fputs("usage: smsim run FILE [-o OUT.h5] [--seed N] [--threads N] [--set key=value]... [--quiet]\n"
          "                [--check-invariants]\n"
          "       smsim check FILE [--set key=value]...\n"
          "       smsim keys            print the reference of every scenario key (markdown)\n"
          "       smsim --help | --version\n"
          "\n"
          "run     simulate the scenario and write OUT.h5 (default results/NAME.h5)\n"
          "check   validate the scenario without running it\n"
          "--set   override any scenario key, e.g. --set run.households=50000\n"
          "        or --set rollout.suppliers.[0].share=0.3 (validated like the file)\n"
          "--seed  same as --set run.seed=N\n"
          "--threads  OpenMP threads (default: all cores); results do not depend on it\n"
          "--check-invariants  check every household, state count and pending list every\n"
          "        64 simulated days (O(households) each time); a violation fails the run\n"
          "exit status: 0 success, 1 runtime failure, 2 usage or scenario error\n",
          out);
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

/* diag: where usage errors go (stderr on rank 0; /dev/null on the other
 * ranks of a distributed run, so a bad option is reported once). */
static int parse_args(int argc, char **argv, options *o, FILE *diag)
{
    memset(o, 0, sizeof *o);
    if (argc < 2) {
        usage(diag);
        return SIM_EINPUT;
    }
    o->command = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!val) goto missing;
            o->output = val;
            i++;
        } else if (!strcmp(a, "--seed")) {
            long v;
            if (!val) goto missing;
            if (parse_int(val, 0, 0x7fffffffffffffffL, &v)) {
                fprintf(diag, "smsim: --seed %s: not a non-negative integer\n", val);
                return SIM_EINPUT;
            }
            snprintf(o->seed_override, sizeof o->seed_override, "run.seed=%ld", v);
            i++;
        } else if (!strcmp(a, "--threads")) {
            long v;
            if (!val) goto missing;
            if (parse_int(val, 1, 4096, &v)) {
                fprintf(diag, "smsim: --threads %s: allowed 1 to 4096\n", val);
                return SIM_EINPUT;
            }
            o->threads = (int)v;
            i++;
        } else if (!strcmp(a, "--set")) {
            if (!val) goto missing;
            if (!strchr(val, '=')) {
                fprintf(diag, "smsim: --set %s: expected key=value\n", val);
                return SIM_EINPUT;
            }
            if (o->n_overrides == MAX_OVERRIDES) {
                fprintf(diag, "smsim: more than %d --set options\n", MAX_OVERRIDES);
                return SIM_EINPUT;
            }
            o->overrides[o->n_overrides++] = val;
            i++;
        } else if (!strncmp(a, "--set=", 6)) {
            if (o->n_overrides == MAX_OVERRIDES || !strchr(a + 6, '=')) {
                fprintf(diag, "smsim: %s: expected --set key=value\n", a);
                return SIM_EINPUT;
            }
            o->overrides[o->n_overrides++] = a + 6;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--check-invariants")) {
            o->check_invariants = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(diag, "smsim: unknown option %s (see smsim --help)\n", a);
            return SIM_EINPUT;
        } else if (!o->scenario) {
            o->scenario = a;
        } else {
            fprintf(diag, "smsim: unexpected argument %s (see smsim --help)\n", a);
            return SIM_EINPUT;
        }
    }
    /* --seed applies after every --set so it wins, like a later --set would. */
    if (o->seed_override[0]) {
        if (o->n_overrides == MAX_OVERRIDES) {
            fprintf(diag, "smsim: too many overrides\n");
            return SIM_EINPUT;
        }
        o->overrides[o->n_overrides++] = o->seed_override;
    }
    return SIM_OK;
missing:
    fprintf(diag, "smsim: %s needs a value (see smsim --help)\n", argv[argc - 1]);
    return SIM_EINPUT;
}

/* results/NAME.h5 for scenarios/NAME.cfg */
static void default_output(const char *scenario, char *buf, size_t n)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t len = strcspn(base, ".");
    snprintf(buf, n, "results/%.*s.h5", (int)len, base);
}

/* The output's directory must exist and be writable before we simulate
 * anything: failing after an hour of simulation would waste the hour. */
static int check_output_dir(const char *path, int create_results, sim_err *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (dir[0] == '\0')
        snprintf(dir, sizeof dir, "/");
    struct stat st;
    if (stat(dir, &st) != 0 && create_results && mkdir(dir, 0777) != 0 && errno != EEXIST)
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot create output directory: %s", dir,
                        strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory does not exist", dir);
    if (access(dir, W_OK) != 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory is not writable", dir);
    return SIM_OK;
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

static char *read_whole_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
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
    printf("%s: ok (%lld households, %s to %s, %lld shards, seed %lld)\n", o->scenario,
           (long long)sc.run.households, a, b, (long long)sc.run.shards, (long long)sc.run.seed);
    return SIM_OK;
}

/* Under MPI: every rank learns the outcome of the step that returned rc
 * (see sim_mpi_agree).  One process: rc as it is. */
#define AGREE(rc) sim_mpi_agree(dist, (rc), err)

static int cmd_run(int argc, char **argv, const options *o, sim_mpi *dist, sim_err *err)
{
    static mdl_scenario sc;   /* large: keep it off the stack */
    char outbuf[4096];
    char *effective = NULL, *scenario_text = NULL, *cmdline = NULL;
    sim_h5_file *h5 = NULL;
    sim_engine *eng = NULL;
    mdl_dcc *dcc = NULL;
    mdl_rollout *ro = NULL;
    int rank = sim_mpi_rank(dist), ranks = sim_mpi_size(dist);
    int rc;

    if (!o->scenario) {
        if (rank == 0)
            usage(stderr);
        return SIM_EINPUT;
    }
    /* Every rank reads the scenario (a cluster's ranks see the same files);
     * they all fail alike on a bad one, and rank 0 reports it. */
    rc = mdl_scenario_load(&sc, o->scenario, o->overrides, o->n_overrides, &effective, err);
    if ((rc = AGREE(rc)))
        goto done;
    const char *out = o->output;
    if (!out) {
        default_output(o->scenario, outbuf, sizeof outbuf);
        out = outbuf;
    }
    if (rank == 0)
        rc = check_output_dir(out, o->output == NULL, err);
    if ((rc = AGREE(rc)))
        goto done;

    int threads = o->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    double t_start = wall_seconds();
    if (rank == 0) {
        scenario_text = read_whole_file(o->scenario);
        cmdline = join_argv(argc, argv);
        if (!scenario_text || !cmdline)
            rc = SIM_FAIL(err, SIM_ERUNTIME, "out of memory reading %s", o->scenario);
        else if (!(h5 = sim_h5_create(out, err)))
            rc = err->code ? err->code : SIM_ERUNTIME;
        else {
            remember_tmp(sim_h5_tmp_path(h5));
            rc = write_run_attrs(h5, &sc, o, cmdline, scenario_text, effective, threads, ranks, err);
        }
    }
    if ((rc = AGREE(rc)))
        goto done;

    /* This rank's block of shards: only those get households and events. */
    size_t own_first, own_count;
    sim_mpi_block((size_t)sc.run.shards, rank, ranks, &own_first, &own_count);
    if (!(eng = sim_engine_alloc(mdl_rollout_model(), (size_t)sc.run.shards, (size_t)sc.run.queue_capacity, err)))
        rc = err->code ? err->code : SIM_ERUNTIME;
    else
        rc = sim_engine_set_owned(eng, own_first, own_count, err);
    if ((rc = AGREE(rc)))
        goto done;
    if (!(dcc = mdl_dcc_alloc_dist(&sc, (size_t)sc.run.shards, h5, dist, err)))
        rc = err->code ? err->code : SIM_ERUNTIME;
    if ((rc = AGREE(rc)))
        goto done;
    if (!(ro = mdl_rollout_alloc(&sc, eng, dcc, h5, threads, err)))
        rc = err->code ? err->code : SIM_ERUNTIME;
    else
        mdl_rollout_set_dist(ro, dist);
    if ((rc = AGREE(rc)))
        goto done;

    /* Rank 0 decides whether to show progress; with several ranks the
     * line needs every rank's event count (a reduce, only then). */
    int tty = isatty(STDERR_FILENO);
#ifdef SMSIM_MPI
    /* mpirun hands a rank's stdout a terminal but its stderr a pipe (and
     * forwards it as it comes): go by stdout there. */
    tty = tty || isatty(STDOUT_FILENO);
#endif
    int show = rank == 0 && !o->quiet && tty;
    if (ranks > 1 && (rc = AGREE(sim_mpi_bcast(dist, &show, sizeof show, err))))
        goto done;
    int64_t n_days = mdl_scenario_days(&sc);
    double last_shown = 0;
    for (int64_t day = 0; day < n_days; day++) {
        if (interrupted)
            rc = SIM_FAIL(err, SIM_ERUNTIME, "interrupted on simulated day %lld; no output written", (long long)day);
        else
            rc = sim_engine_run_window(eng, sim_time_from_days(day), sim_time_from_days(day + 1), threads, err);
        if ((rc = AGREE(rc)))
            goto done;
        rc = mdl_rollout_day_end(ro, day, err);
        if (!rc && o->check_invariants && (day % 64 == 63 || day + 1 == n_days))
            rc = mdl_rollout_check(ro, err);
        /* Distributed, both steps are collectives that every rank must
         * reach, so the DCC day runs even after a failed row (the run ends
         * at the agreement below either way). */
        if (!rc || ranks > 1) {
            sim_err err2;
            sim_err_clear(&err2);
            int rc2 = mdl_dcc_day(dcc, day, threads, &err2);
            if (!rc && rc2) {
                rc = rc2;
                *err = err2;
            }
        }
        if ((rc = AGREE(rc)))
            goto done;
        /* (distributed: every 8th day, so that the reduce costs nothing next to the days) */
        if (show && (ranks == 1 || day % 8 == 7 || day + 1 == n_days)) {
            int64_t events = (int64_t)sim_engine_events(eng);
            if ((rc = AGREE(sim_mpi_sum_i64(dist, &events, 1, err))))
                goto done;
            double now = wall_seconds();
            if (rank == 0 && (now - last_shown > 0.25 || day + 1 == n_days)) {
                progress(&sc, day, n_days, (uint64_t)events, t_start, day + 1 == n_days);
                last_shown = now;
            }
        }
    }
    if (!(rc = mdl_rollout_finish(ro, err)))
        rc = mdl_dcc_finish(dcc, err);
    if ((rc = AGREE(rc)))
        goto done;

    double wall = wall_seconds() - t_start;
    int64_t events_all = (int64_t)sim_engine_events(eng);
    if ((rc = AGREE(sim_mpi_sum_i64(dist, &events_all, 1, err))))
        goto done;
    uint64_t events = (uint64_t)events_all;
    mdl_rollout_totals rt;
    mdl_dcc_totals dt;
    mdl_rollout_get_totals(ro, &rt);
    mdl_dcc_get_totals(dcc, &dt);
    if (h5) {
        char finished[32];
        iso_utc_now(finished, sizeof finished);
        int arc = 0;
        arc |= sim_h5_attr_str(h5, "/", "finished_at", finished, err);
        arc |= sim_h5_attr_f64(h5, "/", "wall_time_s", wall, err);
        arc |= sim_h5_attr_i64(h5, "/", "events", (int64_t)events, err);
        arc |= sim_h5_attr_str(h5, "/", "status", "complete", err);
        if (arc)
            rc = err->code ? err->code : SIM_ERUNTIME;
        else
            rc = sim_h5_commit(h5, err);
        h5 = NULL;
    }
    /* so that every rank exits with rank 0's status */
    if ((rc = AGREE(rc)))
        goto done;
    if (rank == 0) {
        double hh = (double)rt.households;
        printf("smsim %s: %s\n", SMSIM_VERSION, o->scenario);
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
        printf("  events             %12llu  (%.2f M/s)\n", (unsigned long long)events,
               wall > 0 ? (double)events / wall / 1e6 : 0.0);
        if (ranks > 1)
            printf("  wall time          %12.2f s on %d ranks x %d thread%s\n", wall, ranks, threads,
                   threads == 1 ? "" : "s");
        else
            printf("  wall time          %12.2f s on %d thread%s\n", wall, threads, threads == 1 ? "" : "s");
        printf("  output             %s\n", out);
    }
    rc = SIM_OK;
done:
    sim_h5_abort(h5);
    mdl_rollout_free(ro);
    mdl_dcc_free(dcc);
    sim_engine_free(eng);
    free(effective);
    free(scenario_text);
    free(cmdline);
    return rc;
}
#undef AGREE

int main(int argc, char **argv)
{
    options o;
    sim_err err;
    sim_mpi *dist = NULL;
    int rank = 0, rc;
    sim_err_clear(&err);
    install_signal_handlers();

    sim_mpi_start(&argc, &argv);
    if (!(dist = sim_mpi_alloc(&err))) {
        fprintf(stderr, "smsim: %s\n", err.msg);
        sim_mpi_stop();
        return 1;
    }
    rank = sim_mpi_rank(dist);
    /* Ranks other than 0 stay silent: what they would say, rank 0 says. */
    FILE *diag = rank == 0 ? stderr : fopen("/dev/null", "w");
    if (!diag)
        diag = stderr;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        if (rank == 0)
            usage(stdout);
        rc = SIM_OK;
    } else if (argc >= 2 && !strcmp(argv[1], "--version")) {
        if (rank == 0)
            printf("smsim %s\n", SMSIM_VERSION);
        rc = SIM_OK;
    } else if ((rc = parse_args(argc, argv, &o, diag)) == SIM_OK) {
        int check = !strcmp(o.command, "check"), keys = !strcmp(o.command, "keys");
        if (!strcmp(o.command, "run"))
            rc = cmd_run(argc, argv, &o, dist, &err);
        else if ((check || keys) && rank != 0)
            rc = SIM_OK;   /* rank 0's work alone */
        else if (check)
            rc = cmd_check(&o, &err);
        else if (keys)
            rc = cmd_keys();
        else {
            fprintf(diag, "smsim: unknown command '%s' (run, check, keys; see smsim --help)\n",
                    o.command);
            rc = SIM_EINPUT;
        }
        if (rc && err.msg[0] && rank == 0)
            fprintf(stderr, "smsim: %s\n", err.msg);
    }
    if (diag != stderr)
        fclose(diag);
    sim_mpi_free(dist);
    sim_mpi_stop();
    return rc == SIM_OK ? 0 : (rc == SIM_EINPUT ? 2 : 1);
}
