/*
 * experiment.c — `smsim run` when it is an experiment (see experiment.h and
 * README.md, "Experiments").
 *
 *   1. options and scenario: --replications, --sweep, --zip, --design,
 *      --jobs (the command line replaces the scenario's experiment block's
 *      sweeps, zips and design when it gives any);
 *   2. the design (sim_design.h) and every variant loaded through the
 *      schema, like a --set, before anything runs: a bad value is exit 2
 *      naming where it came from, and nothing is written;
 *   3. the runs: each (variant, replicate) is this binary run again
 *      (`run SCENARIO --set ... --set run.seed=S --threads k -o FILE`) as a
 *      child process, J at a time; a run whose file is already complete
 *      (status "complete", same effective scenario) is skipped, so an
 *      interrupted experiment resumes; a failed run is reported with its
 *      variant and replicate and the others go on;
 *   4. the manifest OUT.h5: the design table, the seeds, each run's status
 *      and an HDF5 external link to each complete run file.
 * Runs are children rather than threads: the models keep process-wide
 * state only per run, a crash or a memory blow-up costs one run, and J
 * small runs at k threads each use a machine better than one run on all
 * its threads.
 */
#define _GNU_SOURCE
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <hdf5.h>
#include <libconfig.h>

#include "mdl_scenario.h"
#include "sim_ckpt.h"
#include "sim_design.h"
#include "size.h"

#ifndef SMSIM_VERSION
#define SMSIM_VERSION "0.0.0"
#endif

extern char **environ;

#define EXP_MAX_ARGS 512
/* Set in a child's environment: the child makes its one run. */
#define EXP_CHILD_ENV "SMSIM_EXPERIMENT_RUN"

typedef struct exp_opts {
    const char *scenario, *output;
    const char *sets[EXP_MAX_ARGS];       /* --set values, --seed as run.seed=N last */
    size_t n_sets;
    const char *pass[EXP_MAX_ARGS];       /* options handed to every run unchanged */
    size_t n_pass;
    const char *sweeps[EXP_MAX_ARGS], *zips[EXP_MAX_ARGS];
    size_t n_sweeps, n_zips;
    const char *design;
    long replications, jobs, threads;     /* 0 = not given */
    int quiet, asked;                     /* asked: an experiment option was given */
    int foreign;                          /* an option that is not ours */
    char seed_set[64];
    const char *from;                     /* --from / --resume CKPT: every run continues from it */
    char from_arg[4200];                  /* "--from=CKPT", handed to every run */
    char from_cfg[4096];                  /* the checkpoint's scenario, in a temporary file */
} exp_opts;

typedef struct exp_run {
    size_t variant, replicate;
    uint64_t seed;
    char path[4096], log[4096];
    pid_t pid;
    int state;                            /* 0 to run, 1 running, 2 complete, 3 failed,
                                             4 another rank's (MPI) */
    int resumed;                          /* complete before this command */
    int rank;                             /* the rank that ran it; -1: resumed or not run */
} exp_run;

static volatile sig_atomic_t exp_stop;
static void install_handlers(void);

static void exp_on_signal(int sig)
{
    (void)sig;
    exp_stop = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out, sim_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return SIM_FAIL(err, SIM_EINPUT, "%s %s: allowed: an integer %ld to %ld", opt, s, lo, hi);
    *out = v;
    return SIM_OK;
}

/* Options of smsim that take a value, so that a value is never taken for
 * the command or the scenario. */
static int takes_value(const char *name)
{
    static const char *const v[] = {"-o", "--output", "--seed", "--threads", "--set", "--replications",
                                    "--sweep", "--zip", "--design", "--jobs", "--target-share",
                                    "--service", "--stage", "--from", "--resume", "--checkpoint-at",
                                    "--checkpoint-every", "--checkpoint-file", NULL};
    for (size_t i = 0; v[i]; i++)
        if (!strcmp(name, v[i]))
            return 1;
    return 0;
}

int experiment_command(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--"))
            return i + 1 < argc ? i + 1 : 0;
        if (a[0] == '-' && a[1]) {
            if (!strchr(a, '=') && takes_value(a))
                i++;
            continue;
        }
        return i;
    }
    return 0;
}

int experiment_next_opt(int argc, char **argv, int *i, int *after_dd, exp_optarg *out, sim_err *err)
{
    const char *a = argv[*i];
    memset(out, 0, sizeof *out);
    if (!*after_dd && !strcmp(a, "--")) {
        *after_dd = 1;
        out->skip = 1;
        return SIM_OK;
    }
    if (*after_dd || a[0] != '-' || !a[1]) {
        out->positional = a;
        return SIM_OK;
    }
    const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
    if (eq) {
        if ((size_t)(eq - a) >= sizeof out->name)
            return SIM_FAIL(err, SIM_EINPUT, "unknown option %s (see smsim --help)", a);
        snprintf(out->name, sizeof out->name, "%.*s", (int)(eq - a), a);
        out->value = eq + 1;
        return SIM_OK;
    }
    snprintf(out->name, sizeof out->name, "%s", a);
    if (takes_value(a)) {
        if (*i + 1 >= argc)
            return SIM_FAIL(err, SIM_EINPUT, "%s needs a value (see smsim --help)", a);
        out->value = argv[++*i];
    }
    return SIM_OK;
}

/* The run options this file understands; anything else is left to the
 * single-run parser (returned as SIM_OK with o->asked == 0 when there is
 * nothing of ours, so that parser reports it). */
static int parse_opts(int argc, char **argv, int cmd, exp_opts *o, sim_err *err)
{
    int dd = 0;
    exp_optarg g;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        if (i == cmd)
            continue;
        if (experiment_next_opt(argc, argv, &i, &dd, &g, err))
            return SIM_EINPUT;
        const char *n = g.name, *v = g.value;
        if (o->n_sets >= EXP_MAX_ARGS - 1 || o->n_pass >= EXP_MAX_ARGS - 1 ||
            o->n_sweeps >= EXP_MAX_ARGS || o->n_zips >= EXP_MAX_ARGS)
            return SIM_FAIL(err, SIM_EINPUT, "too many options");
        if (g.skip)
            continue;
        if (g.positional) {
            if (!o->scenario)
                o->scenario = g.positional;
        } else if (!strcmp(n, "--replications") || !strcmp(n, "--jobs")) {
            long *dst = n[2] == 'r' ? &o->replications : &o->jobs;
            if (parse_long(n, v, 1, n[2] == 'r' ? SIM_DESIGN_MAX_REPLICATIONS : 4096, dst, err))
                return SIM_EINPUT;
            o->asked = 1;
        } else if (!strcmp(n, "--sweep") || !strcmp(n, "--zip") || !strcmp(n, "--design")) {
            if (n[2] == 's')
                o->sweeps[o->n_sweeps++] = v;
            else if (n[2] == 'z')
                o->zips[o->n_zips++] = v;
            else
                o->design = v;
            o->asked = 1;
        } else if (!strcmp(n, "-o") || !strcmp(n, "--output")) {
            o->output = v;
        } else if (!strcmp(n, "--threads")) {
            if (parse_long(n, v, 1, 4096, &o->threads, err))
                return SIM_EINPUT;
        } else if (!strcmp(n, "--seed")) {
            long sv = 0;
            if (parse_long(n, v, 0, 0x7fffffffffffffffL, &sv, err))
                return SIM_EINPUT;
            snprintf(o->seed_set, sizeof o->seed_set, "run.seed=%ld", sv);
        } else if (!strcmp(n, "--set")) {
            o->sets[o->n_sets++] = v;
        } else if (!strcmp(n, "--quiet") || !strcmp(n, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(n, "--from") || !strcmp(n, "--resume")) {
            o->from = v;
            snprintf(o->from_arg, sizeof o->from_arg, "--from=%s", v);
            o->pass[o->n_pass++] = o->from_arg;
        } else if (!strcmp(n, "--check-invariants")) {
            o->pass[o->n_pass++] = "--check-invariants";
        } else {
            o->foreign = 1;   /* not ours (--help, bundled short options ...) */
        }
    }
    if (o->foreign && o->asked)
        return SIM_FAIL(err, SIM_EINPUT, "an experiment takes only -o, --seed, --threads, --set, --quiet, "
                        "--check-invariants and the experiment options, written separately "
                        "(see smsim --help)");
    if (o->seed_set[0])
        o->sets[o->n_sets++] = o->seed_set;
    return SIM_OK;
}

/* The line of experiment.LIST.[i] in the scenario file (0 if unknown). */
static int block_line(const char *path, const char *list, size_t i)
{
    config_t c;
    char p[128];
    int line = 0;
    config_init(&c);
    if (config_read_file(&c, path) == CONFIG_TRUE) {
        snprintf(p, sizeof p, "experiment.%s.[%zu]", list, i);
        config_setting_t *s = config_lookup(&c, p);
        if (s)
            line = (int)config_setting_source_line(s);
    }
    config_destroy(&c);
    return line;
}

/* The design from the command line, or else from the experiment block. */
static int build_design(const exp_opts *o, const sim_design_params *blk, sim_design *d, sim_err *err)
{
    int rc = SIM_OK;
    char origin[SIM_DESIGN_VALUESLEN + 4200];
    if (o->n_sweeps || o->n_zips || o->design) {
        for (size_t i = 0; !rc && i < o->n_sweeps; i++)
            rc = sim_design_add_sweep_arg(d, o->sweeps[i], err);
        for (size_t i = 0; !rc && i < o->n_zips; i++)
            rc = sim_design_add_zip_arg(d, o->zips[i], err);
        if (!rc && o->design)
            rc = sim_design_add_csv(d, o->design, err);
    } else {
        for (size_t i = 0; !rc && i < blk->n_sweep; i++) {
            snprintf(origin, sizeof origin, "%s:%d: experiment.sweep.[%zu]", o->scenario,
                     block_line(o->scenario, "sweep", i), i);
            rc = sim_design_add_sweep(d, blk->sweep[i].key, blk->sweep[i].values, origin, err);
        }
        for (size_t i = 0; !rc && i < blk->n_zip; i++) {
            snprintf(origin, sizeof origin, "%s:%d: experiment.zip.[%zu]", o->scenario,
                     block_line(o->scenario, "zip", i), i);
            rc = sim_design_add_zip(d, blk->zip[i].key, blk->zip[i].with, blk->zip[i].values, origin, err);
        }
        if (!rc && blk->design[0])
            rc = sim_design_add_csv(d, blk->design, err);
    }
    if (!rc)
        rc = sim_design_finish(d, err);
    for (size_t k = 0; !rc && k < d->n_keys; k++)
        if (!strcmp(d->keys[k], "run.seed") || !strncmp(d->keys[k], "experiment.", 11))
            rc = SIM_FAIL(err, SIM_EINPUT, "%s: %s cannot be varied; allowed: any other key (run.seed "
                          "is derived per replicate; see experiment.common_random_numbers)",
                          sim_design_origin(d, 0, k), d->keys[k]);
    return rc;
}

/* The override list of one run: the user's --set, the variant's values,
 * the replicate's seed.  Strings in `store` (n_keys + 1 of them). */
static size_t run_overrides(const exp_opts *o, const sim_design *d, size_t v, uint64_t seed,
                            char **store, const char **ov)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n_sets; i++)
        ov[n++] = o->sets[i];
    for (size_t k = 0; k < d->n_keys; k++) {
        const char *val = sim_design_value(d, v, k);
        size_t len = strlen(d->keys[k]) + strlen(val) + 2;
        store[k] = malloc(len);
        if (store[k])
            snprintf(store[k], len, "%s=%s", d->keys[k], val);
        ov[n++] = store[k] ? store[k] : "";
    }
    store[d->n_keys] = malloc(40);
    if (store[d->n_keys])
        snprintf(store[d->n_keys], 40, "run.seed=%llu%s", (unsigned long long)seed,
                 seed > 2147483647ULL ? "L" : "");
    ov[n++] = store[d->n_keys] ? store[d->n_keys] : "";
    return n;
}

static void free_store(char **store, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(store[i]);
}

/* A variant's load error, told by where its value came from: "--set KEY:
 * msg" becomes "ORIGIN: KEY: msg"; other errors (cross-key checks) get
 * "variant V (k=v, ...)" in front. */
static void variant_error(const sim_design *d, size_t v, sim_err *err)
{
    char msg[sizeof err->msg], head[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    for (size_t k = 0; k < d->n_keys; k++) {
        size_t kl = strlen(d->keys[k]);
        if (!strncmp(msg, "--set ", 6) && !strncmp(msg + 6, d->keys[k], kl) && msg[6 + kl] == ':') {
            snprintf(err->msg, sizeof err->msg, "%s: %s", sim_design_origin(d, v, k), msg + 6);
            return;
        }
    }
    size_t n = (size_t)snprintf(head, sizeof head, "variant %zu (", v);
    for (size_t k = 0; k < d->n_keys && n < sizeof head; k++)
        n += (size_t)snprintf(head + n, sizeof head - n, "%s%s=%s", k ? ", " : "", d->keys[k],
                              sim_design_value(d, v, k));
    if (snprintf(err->msg, sizeof err->msg, "%.*s): %s", (int)(sizeof head / 2), head, msg) < 0)
        err->msg[0] = '\0';
}

/* Load variant v with replicate r's seed; *effective (may be NULL) gets the
 * effective text the run will store. */
static int load_run(const exp_opts *o, const sim_design *d, size_t v, uint64_t seed, mdl_scenario *sc,
                    char **effective, sim_err *err)
{
    const char **ov = calloc(o->n_sets + d->n_keys + 2, sizeof *ov);
    char **store = calloc(d->n_keys + 1, sizeof *store);
    int rc;
    if (!ov || !store)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    else {
        size_t n = run_overrides(o, d, v, seed, store, ov);
        rc = mdl_scenario_load(sc, o->scenario, ov, n, effective, err);
        if (rc == SIM_EINPUT)
            variant_error(d, v, err);
        free_store(store, d->n_keys + 1);
    }
    free(ov);
    free(store);
    return rc;
}

/* ---- files ------------------------------------------------------------------ */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        size_t r = fread(s, 1, (size_t)n, f);
        s[r] = '\0';
    }
    fclose(f);
    return s;
}

/* A root string attribute of an HDF5 file (malloc'd), or NULL. */
static char *h5_root_attr(const char *path, const char *name)
{
    char *out = NULL;
    H5E_BEGIN_TRY
    {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f >= 0) {
            hid_t a = H5Aopen(f, name, H5P_DEFAULT);
            if (a >= 0) {
                hid_t t = H5Aget_type(a);
                if (H5Tis_variable_str(t) > 0) {
                    char *s = NULL;
                    hid_t mt = H5Tcopy(H5T_C_S1);
                    H5Tset_size(mt, H5T_VARIABLE);
                    H5Tset_cset(mt, H5Tget_cset(t));
                    if (H5Aread(a, mt, &s) >= 0 && s) {
                        out = strdup(s);
                        H5free_memory(s);
                    }
                    H5Tclose(mt);
                } else {
                    size_t n = H5Tget_size(t);
                    out = calloc(n + 1, 1);
                    if (out && H5Aread(a, t, out) < 0) {
                        free(out);
                        out = NULL;
                    }
                }
                H5Tclose(t);
                H5Aclose(a);
            }
            H5Fclose(f);
        }
    }
    H5E_END_TRY;
    return out;
}

/* Complete, and made from the same effective scenario (a changed design
 * under the same output name is not mistaken for a finished run). */
static int run_is_complete(const exp_run *r, const char *effective)
{
    struct stat st;
    if (stat(r->path, &st) != 0)
        return 0;
    char *status = h5_root_attr(r->path, "status");
    char *eff = h5_root_attr(r->path, "scenario_effective");
    int ok = status && eff && !strcmp(status, "complete") && !strcmp(eff, effective);
    free(status);
    free(eff);
    return ok;
}

/* The last non-empty line of a run's log: its error message. */
static void last_line(const char *path, char *buf, size_t n)
{
    char *s = read_text(path);
    buf[0] = '\0';
    if (!s)
        return;
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
    char *nl = strrchr(s, '\n');
    const char *line = nl ? nl + 1 : s;
    char *cr = strrchr(line, '\r');
    snprintf(buf, n, "%s", cr ? cr + 1 : line);
    free(s);
}


/* ---- the runs ---------------------------------------------------------------- */

/* Our environment for a child: without the variables an MPI launcher sets
 * for its ranks (OMPI_*, PMIX_*, ORTE_*, OPAL_*), so that a run started from
 * a rank is a process of its own (an MPI build then initialises as a
 * singleton) rather than a rank of the parent's job; plus the marker that
 * makes it one plain run.  NULL if out of memory. */
static char **child_env(void)
{
    size_t ne = 0, k = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + 2, sizeof *envp);
    if (!envp)
        return NULL;
    for (size_t i = 0; i < ne; i++) {
        const char *v = environ[i];
        if (!strncmp(v, "OMPI_", 5) || !strncmp(v, "PMIX_", 5) || !strncmp(v, "ORTE_", 5) ||
            !strncmp(v, "OPAL_", 5))
            continue;
        envp[k++] = environ[i];
    }
    envp[k] = EXP_CHILD_ENV "=1";
    return envp;
}

typedef struct exp_ctx {
    const exp_opts *o;
    const sim_design *d;
    const mdl_scenario *base;     /* variant 0, replicate 0 */
    char exe[4096];
    char out[4096], dir[4096];
    size_t n_runs;
    exp_run *runs;
    long jobs, threads_per_run, threads;
    int crn;
    uint64_t seed;
    size_t replications;
    sim_mpi *dist;                /* under mpirun: the runs are shared round-robin */
    int rank, ranks;
} exp_ctx;

/* OUT.h5 -> OUT-runs (the per-run files' folder). */
static void runs_dir(const char *out, char *dir, size_t n)
{
    size_t len = strlen(out);
    if (len > 3 && !strcmp(out + len - 3, ".h5"))
        len -= 3;
    snprintf(dir, n, "%.*s-runs", (int)len, out);
}

/* The output folder (made if missing, like `smsim run` makes results/). */
static int make_dirs(exp_ctx *x, sim_err *err)
{
    char parent[4096];
    const char *slash = strrchr(x->out, '/');
    snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - x->out) : 1, slash ? x->out : ".");
    struct stat st;
    if (parent[0] && stat(parent, &st) != 0 && (x->o->output || mkdir(parent, 0777) != 0))
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory does not exist", parent);
    if (access(parent[0] ? parent : "/", W_OK) != 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory is not writable", parent);
    if (mkdir(x->dir, 0777) != 0 && errno != EEXIST)
        return SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot create the runs' folder: %s", x->dir, strerror(errno));
    return SIM_OK;
}

/* Start EXE with ARGV, stdout and stderr to LOG, stdin from /dev/null,
 * the environment of child_env(). */
static int spawn_logged(const char *exe, const char *const *argv, const char *log, pid_t *pid, sim_err *err)
{
    char **envp = child_env();
    if (!envp)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    int e = posix_spawn(pid, exe, &fa, NULL, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    if (e)
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot start %s: %s", exe, strerror(e));
    return SIM_OK;
}

static int spawn_run(exp_ctx *x, exp_run *r, sim_err *err)
{
    const char *argv[EXP_MAX_ARGS * 2 + 32];
    char **store = calloc(x->d->n_keys + 1, sizeof *store);
    const char **ov = calloc(x->o->n_sets + x->d->n_keys + 2, sizeof *ov);
    char threads[32];
    size_t n = 0;
    int rc = SIM_OK;
    if (!store || !ov) {
        free(store);
        free(ov);
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    }
    size_t n_ov = run_overrides(x->o, x->d, r->variant, r->seed, store, ov);
    snprintf(threads, sizeof threads, "%ld", x->threads_per_run);
    argv[n++] = "smsim";
    argv[n++] = "run";
    if (!x->o->from)   /* (a run from a checkpoint takes its scenario from it) */
        argv[n++] = x->o->scenario;
    for (size_t i = 0; i < x->o->n_pass; i++)
        argv[n++] = x->o->pass[i];
    for (size_t i = 0; i < n_ov; i++) {
        argv[n++] = "--set";
        argv[n++] = ov[i];
    }
    argv[n++] = "--threads";
    argv[n++] = threads;
    argv[n++] = "--quiet";
    argv[n++] = "-o";
    argv[n++] = r->path;
    argv[n] = NULL;

    rc = spawn_logged(x->exe, argv, r->log, &r->pid, err);
    if (rc == SIM_OK) {
        r->state = 1;
        r->rank = x->rank;
    }
    free_store(store, x->d->n_keys + 1);
    free(store);
    free(ov);
    return rc;
}

int experiment_spawn_wait(const char *const *argv, const char *log, int *status, sim_err *err)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot find this program (/proc/self/exe)");
    exe[n] = '\0';
    pid_t pid;
    int rc = spawn_logged(exe, argv, log, &pid, err);
    if (rc)
        return rc;
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR)
            return SIM_FAIL(err, SIM_ERUNTIME, "waitpid: %s", strerror(errno));
        if (exp_stop)
            kill(pid, SIGTERM);
    }
    return SIM_OK;
}

int experiment_interrupted(void)
{
    return exp_stop != 0;
}

void experiment_catch_signals(void)
{
    install_handlers();
}

static void describe_variant(const sim_design *d, size_t v, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < d->n_keys && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", k ? ", " : " (", d->keys[k],
                                sim_design_value(d, v, k));
    if (d->n_keys && len < n)
        snprintf(buf + len, n - len, ")");
}

/* A child ended: complete, or failed with its last message. */
static void reap(exp_ctx *x, exp_run *r, int status, size_t *failed)
{
    char *st = h5_root_attr(r->path, "status");
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && st && !strcmp(st, "complete");
    free(st);
    r->pid = 0;
    if (ok) {
        r->state = 2;
        return;
    }
    char line[1024], var[2048];
    r->state = 3;
    (*failed)++;
    last_line(r->log, line, sizeof line);
    describe_variant(x->d, r->variant, var, sizeof var);
    fprintf(stderr, "%ssmsim: variant %zu%s replicate %zu failed (%s %d): %s [log: %s]\n",
            isatty(STDERR_FILENO) && !x->o->quiet ? "\r\033[K" : "", r->variant, var, r->replicate,
            WIFEXITED(status) ? "exit status" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), line[0] ? line : "(no message)",
            r->log);
}

static void show_progress(const exp_ctx *x, size_t done, size_t resumed, size_t running, size_t failed,
                          double t0, int final)
{
    double el = now_s() - t0;
    size_t fresh = done - resumed, todo = x->n_runs - resumed - failed;
    double eta = fresh ? el * (double)(todo - fresh) / (double)fresh : 0;
    fprintf(stderr, "\rexperiment  %zu/%zu runs complete  %zu running  %zu failed  elapsed %5.0fs  ETA %s",
            done, x->n_runs, running, failed, el, fresh ? "" : "  ?");
    if (fresh)
        fprintf(stderr, "%5.0fs", eta);
    fputs(final ? "\n" : " ", stderr);
    fflush(stderr);
}

/* Run every pending run, J at a time.  Returns SIM_OK when the loop ended
 * normally (some runs may have failed), SIM_ERUNTIME when interrupted. */
static int run_all(exp_ctx *x, size_t *n_failed, sim_err *err)
{
    size_t next = 0, running = 0, done = 0, resumed = 0, failed = 0;
    int show = !x->o->quiet && isatty(STDERR_FILENO) && x->rank == 0, rc = SIM_OK;
    double t0 = now_s(), last = 0;
    for (size_t i = 0; i < x->n_runs; i++)
        if (x->runs[i].state == 2)
            done++, resumed++;
    for (;;) {
        while (!exp_stop && running < (size_t)x->jobs && next < x->n_runs) {
            exp_run *r = &x->runs[next++];
            if (r->state != 0)
                continue;
            if ((rc = spawn_run(x, r, err)))
                break;
            running++;
        }
        if (rc || (!running && (next >= x->n_runs || exp_stop)))
            break;
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (size_t i = 0; i < x->n_runs; i++)
                if (x->runs[i].state == 1 && x->runs[i].pid == pid) {
                    reap(x, &x->runs[i], status, &failed);
                    running--;
                    done += x->runs[i].state == 2;
                }
            continue;
        }
        if (pid < 0 && errno == ECHILD)
            break;
        if (exp_stop) {
            for (size_t i = 0; i < x->n_runs; i++)
                if (x->runs[i].state == 1)
                    kill(x->runs[i].pid, SIGTERM);
        }
        if (show && now_s() - last > 0.25) {
            show_progress(x, done, resumed, running, failed, t0, 0);
            last = now_s();
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* A failed spawn: let the runs already going end. */
    while (running && waitpid(-1, NULL, 0) > 0)
        running--;
    if (show)
        show_progress(x, done, resumed, 0, failed, t0, 1);
    *n_failed = failed;
    if (!rc && exp_stop)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "interrupted: %zu of %zu runs complete; the same command "
                      "resumes (complete runs are kept and skipped)", done, x->n_runs);
    return rc;
}

/* ---- the manifest ----------------------------------------------------------- */

static int h5_strings(hid_t loc, const char *name, int rank, const hsize_t *dims, const char **v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = ds >= 0 && H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static int h5_i64(hid_t loc, const char *name, int rank, const hsize_t *dims, const int64_t *v)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(sp);
    return rc;
}

static int h5_attr(hid_t loc, const char *name, const char *s, int64_t i, int is_str)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t t = is_str ? H5Tcopy(H5T_C_S1) : H5Tcopy(H5T_STD_I64LE);
    if (is_str) {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && (is_str ? H5Awrite(a, t, &s) : H5Awrite(a, H5T_NATIVE_INT64, &i)) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    H5Tclose(t);
    H5Sclose(sp);
    return rc;
}

/* The design as text: one line per key and the seeds rule. */
static char *design_text(const exp_ctx *x)
{
    size_t cap = 256 + x->d->n_keys * 64 + x->d->n_variants * x->d->n_keys * 32, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    n += (size_t)snprintf(s + n, cap - n, "variants %zu x replications %zu; common random numbers %s\n",
                          x->d->n_variants, x->replications, x->crn ? "on" : "off");
    for (size_t v = 0; v < x->d->n_variants && n < cap; v++) {
        n += (size_t)snprintf(s + n, cap - n, "variant %zu:", v);
        for (size_t k = 0; k < x->d->n_keys && n < cap; k++)
            n += (size_t)snprintf(s + n, cap - n, " %s=%s", x->d->keys[k], sim_design_value(x->d, v, k));
        if (n < cap)
            n += (size_t)snprintf(s + n, cap - n, "\n");
    }
    return s;
}

static int manifest_design(hid_t f, const exp_ctx *x)
{
    size_t nv = x->d->n_variants, nr = x->replications, nrun = x->n_runs;
    hsize_t dv[1] = {nv}, dvr[2] = {nv, nr};
    int rc = 0;
    hid_t g = H5Gcreate2(f, "design", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int64_t *iv = malloc((nrun + nv) * sizeof *iv);
    const char **sv = malloc((nrun + nv) * sizeof *sv);
    if (g < 0 || !iv || !sv)
        rc = -1;
    for (size_t v = 0; !rc && v < nv; v++)
        iv[v] = (int64_t)v;
    rc = rc ? rc : h5_i64(g, "variant", 1, dv, iv);
    for (size_t k = 0; !rc && k < x->d->n_keys; k++) {
        for (size_t v = 0; v < nv; v++)
            sv[v] = sim_design_value(x->d, v, k);
        rc = h5_strings(g, x->d->keys[k], 1, dv, sv);
    }
    static const char *const names[] = {"not run", "not run", "complete", "failed", "not run"};
    for (size_t i = 0; !rc && i < nrun; i++) {
        iv[i] = (int64_t)x->runs[i].seed;
        sv[i] = names[x->runs[i].state];
    }
    rc = rc ? rc : h5_i64(g, "seed", 2, dvr, iv);
    for (size_t i = 0; !rc && i < nrun; i++)
        iv[i] = x->runs[i].rank;
    rc = rc ? rc : h5_i64(g, "rank", 2, dvr, iv);
    rc = rc ? rc : h5_strings(g, "status", 2, dvr, sv);
    for (size_t i = 0; !rc && i < nrun; i++) {
        const char *p = strrchr(x->runs[i].path, '/');
        sv[i] = p ? p + 1 : x->runs[i].path;
    }
    rc = rc ? rc : h5_strings(g, "run_file", 2, dvr, sv);
    free(iv);
    free(sv);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

/* /runs/vVVV_rRRR: external links to the complete runs, relative to the
 * manifest's folder (HDF5 looks beside the manifest first). */
static int manifest_links(hid_t f, const exp_ctx *x)
{
    hid_t g = H5Gcreate2(f, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char *base = strrchr(x->dir, '/');
    base = base ? base + 1 : x->dir;
    int rc = g < 0 ? -1 : 0;
    for (size_t i = 0; !rc && i < x->n_runs; i++) {
        const exp_run *r = &x->runs[i];
        if (r->state != 2)
            continue;
        char name[64], target[4200];
        const char *p = strrchr(r->path, '/');
        snprintf(name, sizeof name, "v%03zu_r%03zu", r->variant, r->replicate);
        if (snprintf(target, sizeof target, "%s/%s", base, p ? p + 1 : r->path) >= (int)sizeof target)
            rc = -1;
        else
            rc = H5Lcreate_external(target, "/", g, name, H5P_DEFAULT, H5P_DEFAULT) < 0 ? -1 : 0;
    }
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static int manifest_attrs(hid_t f, const exp_ctx *x, const char *cmdline, size_t n_failed, double wall)
{
    size_t complete = 0;
    for (size_t i = 0; i < x->n_runs; i++)
        complete += x->runs[i].state == 2;
    char *text = read_text(x->o->scenario), *design = design_text(x);
    size_t klen = 1;
    for (size_t k = 0; k < x->d->n_keys; k++)
        klen += strlen(x->d->keys[k]) + 1;
    char *keys = calloc(klen, 1);
    int rc = text && design && keys ? 0 : -1;
    for (size_t k = 0; !rc && k < x->d->n_keys; k++)
        strcat(strcat(keys, k ? "\n" : ""), x->d->keys[k]);
    rc |= h5_attr(f, "title", "smsim experiment", 0, 1);
    rc |= h5_attr(f, "smsim_version", SMSIM_VERSION, 0, 1);
    rc |= h5_attr(f, "scenario_path", x->o->scenario, 0, 1);
    rc |= h5_attr(f, "scenario_text", text ? text : "", 0, 1);
    rc |= h5_attr(f, "command_line", cmdline, 0, 1);
    rc |= h5_attr(f, "design", design ? design : "", 0, 1);
    rc |= h5_attr(f, "keys", keys ? keys : "", 0, 1);
    rc |= h5_attr(f, "seed", NULL, (int64_t)x->seed, 0);
    rc |= h5_attr(f, "seed_rule", "replicate r of variant v: r == 0 ? seed : splitmix64(seed ^ "
                  "splitmix64(k + 1)) & (2^63 - 1), k = r under common random numbers, else "
                  "r + v * 2^32 (variant 0 replicate 0 keeps seed)", 0, 1);
    rc |= h5_attr(f, "variants", NULL, (int64_t)x->d->n_variants, 0);
    rc |= h5_attr(f, "replications", NULL, (int64_t)x->replications, 0);
    rc |= h5_attr(f, "common_random_numbers", NULL, x->crn, 0);
    rc |= h5_attr(f, "runs", NULL, (int64_t)x->n_runs, 0);
    rc |= h5_attr(f, "runs_complete", NULL, (int64_t)complete, 0);
    rc |= h5_attr(f, "runs_failed", NULL, (int64_t)n_failed, 0);
    rc |= h5_attr(f, "runs_folder", strrchr(x->dir, '/') ? strrchr(x->dir, '/') + 1 : x->dir, 0, 1);
    rc |= h5_attr(f, "jobs", NULL, x->jobs, 0);
    rc |= h5_attr(f, "threads_per_run", NULL, x->threads_per_run, 0);
    {
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(f, "wall_time_s", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        rc |= a >= 0 && H5Awrite(a, H5T_NATIVE_DOUBLE, &wall) >= 0 ? 0 : -1;
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
    }
    rc |= h5_attr(f, "status", complete == x->n_runs ? "complete" : "incomplete", 0, 1);
    free(text);
    free(design);
    free(keys);
    return rc;
}

static int write_manifest(const exp_ctx *x, const char *cmdline, size_t n_failed, double wall, sim_err *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", x->out, (long)getpid());
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot create %s", tmp);
    int rc = manifest_design(f, x) | manifest_links(f, x) | manifest_attrs(f, x, cmdline, n_failed, wall);
    if (H5Fclose(f) < 0)
        rc = -1;
    if (rc || rename(tmp, x->out) != 0) {
        unlink(tmp);
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot write the experiment manifest %s", x->out);
    }
    return SIM_OK;
}

/* ---- the command -------------------------------------------------------------- */

static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    for (int i = 0; s && i < argc; i++) {
        int q = strpbrk(argv[i], " \t\"'") != NULL;
        p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "'" : "", argv[i], q ? "'" : "");
    }
    return s;
}

/* Every run's path and seed; every variant loaded; complete runs found. */
static int plan_runs(exp_ctx *x, mdl_scenario *sc, sim_err *err)
{
    x->n_runs = x->d->n_variants * x->replications;
    x->runs = calloc(x->n_runs, sizeof *x->runs);
    if (!x->runs)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    for (size_t v = 0; v < x->d->n_variants; v++) {
        int rc = load_run(x->o, x->d, v, sim_design_seed(x->seed, v, 0, x->crn), sc, NULL, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < x->n_runs; i++) {
        exp_run *r = &x->runs[i];
        r->variant = i / x->replications;
        r->replicate = i % x->replications;
        r->seed = sim_design_seed(x->seed, r->variant, r->replicate, x->crn);
        r->rank = -1;
        if (snprintf(r->path, sizeof r->path, "%s/run-v%03zu-r%03zu.h5", x->dir, r->variant,
                     r->replicate) >= (int)sizeof r->path ||
            snprintf(r->log, sizeof r->log, "%s/run-v%03zu-r%03zu.log", x->dir, r->variant,
                     r->replicate) >= (int)sizeof r->log)
            return SIM_FAIL(err, SIM_EINPUT, "%s: output path too long", x->dir);
    }
    return SIM_OK;
}

static void find_complete(exp_ctx *x, mdl_scenario *sc)
{
    for (size_t i = 0; i < x->n_runs; i++) {
        exp_run *r = &x->runs[i];
        char *eff = NULL;
        sim_err e;
        sim_err_clear(&e);
        if (access(r->path, F_OK) == 0 && !load_run(x->o, x->d, r->variant, r->seed, sc, &eff, &e) &&
            eff && run_is_complete(r, eff)) {
            r->state = 2;
            r->resumed = 1;
        }
        free(eff);
    }
}

static void summary(const exp_ctx *x, size_t n_failed, double wall, size_t resumed)
{
    printf("smsim %s experiment: %s\n", SMSIM_VERSION, x->o->scenario);
    printf("  variants           %12zu  (%zu key%s varied)\n", x->d->n_variants, x->d->n_keys,
           x->d->n_keys == 1 ? "" : "s");
    printf("  replications       %12zu  (common random numbers %s)\n", x->replications, x->crn ? "on" : "off");
    printf("  runs               %12zu  (%zu already complete, %zu failed)\n", x->n_runs, resumed, n_failed);
    printf("  wall time          %12.2f s, %ld run%s at a time x %ld thread%s", wall, x->jobs,
           x->jobs == 1 ? "" : "s", x->threads_per_run, x->threads_per_run == 1 ? "" : "s");
    if (x->ranks > 1)
        printf(" on each of %d ranks", x->ranks);
    putchar('\n');
    printf("  output             %s (runs in %s)\n", x->out, x->dir);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = exp_on_signal;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void set_jobs(exp_ctx *x, const mdl_scenario *sc, size_t pending)
{
    long t = x->o->threads;
#ifdef _OPENMP
    if (t <= 0)
        t = omp_get_max_threads();
#endif
    if (t <= 0)
        t = 1;
    long j = x->o->jobs ? x->o->jobs : sc->experiment.jobs;
    if (j <= 0)
        j = t;
    if (pending && (size_t)j > pending)
        j = (long)pending;
    if (j < 1)
        j = 1;
    x->threads = t;
    x->jobs = j;
    x->threads_per_run = t / j > 0 ? t / j : 1;
}

/* Under MPI: the pending runs go round-robin to the ranks (the others'
 * are marked 4); returns how many are this rank's. */
static size_t share_runs(exp_ctx *x)
{
    size_t k = 0, mine = 0;
    for (size_t i = 0; i < x->n_runs; i++) {
        if (x->runs[i].state != 0)
            continue;
        if ((int)(k++ % (size_t)x->ranks) == x->rank)
            mine++;
        else
            x->runs[i].state = 4;
    }
    return mine;
}

/* Every rank's outcomes onto rank 0 (state and rank of each run, failures). */
static int gather_outcomes(exp_ctx *x, size_t *n_failed, sim_err *err)
{
    if (x->ranks == 1)
        return SIM_OK;
    int64_t *v = calloc(2 * x->n_runs + 1, sizeof *v);
    if (!v)
        return SIM_FAIL(err, SIM_ERUNTIME, "out of memory");
    for (size_t i = 0; i < x->n_runs; i++) {
        const exp_run *r = &x->runs[i];
        int mine = r->resumed ? x->rank == 0 : r->state == 2 || r->state == 3;
        v[2 * i] = mine ? r->state : 0;
        v[2 * i + 1] = mine && !r->resumed ? r->rank + 1 : 0;
    }
    v[2 * x->n_runs] = (int64_t)*n_failed;
    int rc = sim_mpi_sum_i64(x->dist, v, 2 * x->n_runs + 1, err);
    if (!rc && x->rank == 0) {
        for (size_t i = 0; i < x->n_runs; i++) {
            x->runs[i].state = (int)v[2 * i];
            x->runs[i].rank = (int)v[2 * i + 1] - 1;
        }
        *n_failed = (size_t)v[2 * x->n_runs];
    }
    free(v);
    return rc;
}

#define AGREE(rc) sim_mpi_agree(x->dist, (rc), err)

static int run_experiment(exp_ctx *x, int argc, char **argv, mdl_scenario *sc, sim_err *err)
{
    runs_dir(x->out, x->dir, sizeof x->dir);
    int rc = plan_runs(x, sc, err);
    if ((rc = AGREE(rc)))
        return rc;
    if ((rc = AGREE(x->rank == 0 ? make_dirs(x, err) : SIM_OK)))
        return rc;
    ssize_t n = readlink("/proc/self/exe", x->exe, sizeof x->exe - 1);
    rc = n <= 0 ? SIM_FAIL(err, SIM_ERUNTIME, "cannot find this program (/proc/self/exe)") : SIM_OK;
    if ((rc = AGREE(rc)))
        return rc;
    x->exe[n] = '\0';
    find_complete(x, sc);
    size_t resumed = 0, n_failed = 0;
    for (size_t i = 0; i < x->n_runs; i++)
        resumed += x->runs[i].state == 2;
    set_jobs(x, sc, share_runs(x));
    install_handlers();
    double t0 = now_s();
    rc = run_all(x, &n_failed, err);
    int grc = gather_outcomes(x, &n_failed, err);
    if ((rc = AGREE(rc ? rc : grc)))
        return rc;
    char *cmdline = join_args(argc, argv);
    rc = x->rank == 0 ? write_manifest(x, cmdline ? cmdline : "", n_failed, now_s() - t0, err) : SIM_OK;
    free(cmdline);
    if ((rc = AGREE(rc)))
        return rc;
    if (x->rank == 0 && !x->o->quiet)   /* like a single run's: --quiet prints only errors */
        summary(x, n_failed, now_s() - t0, resumed);
    if (n_failed)
        return SIM_FAIL(err, SIM_ERUNTIME, "%zu of %zu runs failed (see above); the same command reruns "
                        "only those", n_failed, x->n_runs);
    return SIM_OK;
}
#undef AGREE

/* `smsim check` of an experiment: every variant validated, nothing run. */
static int check_experiment(exp_ctx *x, mdl_scenario *sc, sim_err *err)
{
    runs_dir(x->out, x->dir, sizeof x->dir);
    int rc = plan_runs(x, sc, err);
    if (!rc && x->rank == 0)
        printf("%s: ok (experiment: %zu variant%s x %zu replication%s = %zu runs, %zu key%s varied; "
               "common random numbers %s)\n", x->o->scenario, x->d->n_variants, x->d->n_variants == 1 ? "" : "s",
               x->replications, x->replications == 1 ? "" : "s", x->n_runs, x->d->n_keys,
               x->d->n_keys == 1 ? "" : "s", x->crn ? "on" : "off");
    return rc;
}

void experiment_usage(FILE *out)
{
    fputs("\n"
          "experiments (smsim run with any of these, or an experiment block in the scenario):\n"
          "--replications R     R runs of every variant, seeds derived from run.seed\n"
          "--sweep KEY=V1,V2    a variant per value (repeatable: every combination)\n"
          "--zip KEY@SWEEPKEY=V1,V2  KEY's values paired with SWEEPKEY's, one by one\n"
          "--design FILE.csv    a variant per row (header: the keys)\n"
          "--jobs J             runs at a time (default: --threads of them, 1 thread each)\n"
          "        OUT.h5 is then a manifest linking to OUT-runs/run-vVVV-rRRR.h5; running\n"
          "        the same command again resumes, skipping the complete runs\n"
          "\n"
          "smsim size FILE [--target-share S] [--service KEY]... [--stage dsp|north|central|south]...\n"
          "           [-o OUT.h5] [--set key=value]... [--threads N] [--quiet]\n"
          "        smallest servers per DCC stage such that every service (or those named) has a\n"
          "        share >= S (default 0.999) of its responses within dcc.services.KEY.target_s on\n"
          "        the scenario's request-level days; OUT.h5 (default results/NAME-size.h5) keeps\n"
          "        every evaluation (python3 -m analysis.report OUT.h5 -o DIR draws the curve)\n",
          out);
}

/* An experiment from a checkpoint: every run continues from it (--from),
 * so the design reads the checkpoint's scenario, put in a temporary file.
 * Replicates other than 0 would need checkpoints of their own (their own
 * seeds): refused.  A fork with changed inputs and the checkpoint's
 * streams is the point (common random numbers across variants). */
static int from_scenario(exp_opts *o, sim_err *err)
{
    if (o->replications > 1)
        return SIM_FAIL(err, SIM_EINPUT, "--replications %ld with --from: replicates other than the first would "
                        "need checkpoints of their own (their own seeds); allowed: --replications 1", o->replications);
    int64_t day;
    sim_ckpt_file *f = sim_ckpt_open(o->from, &day, err);
    if (!f)
        return err->code ? err->code : SIM_EINPUT;
    char *eff = sim_ckpt_read_attr_str(f, "scenario_effective", err);
    sim_ckpt_close(f);
    if (!eff)
        return err->code ? err->code : SIM_EINPUT;
    const char *dir = getenv("TMPDIR");
    snprintf(o->from_cfg, sizeof o->from_cfg, "%s/smsim-from-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(o->from_cfg), bad = fd < 0;
    if (!bad) {
        size_t n = strlen(eff);
        bad = write(fd, eff, n) != (ssize_t)n;
        bad |= close(fd) != 0;
    }
    free(eff);
    if (bad) {
        if (fd >= 0)
            unlink(o->from_cfg);
        o->from_cfg[0] = 0;
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot write the checkpoint's scenario to a temporary file: %s",
                        strerror(errno));
    }
    o->scenario = o->from_cfg;
    return SIM_OK;
}

int experiment_dispatch(int argc, char **argv, sim_mpi *dist, int *handled, sim_err *err)
{
    static mdl_scenario sc;
    exp_opts o;
    sim_design d;
    exp_ctx x;
    *handled = 0;
    int cmd = experiment_command(argc, argv);
    if (getenv(EXP_CHILD_ENV) || !cmd)
        return SIM_OK;
    if (!strcmp(argv[cmd], "size")) {
        *handled = 1;
        return size_main(argc, argv, dist, err);
    }
    if (strcmp(argv[cmd], "run") && strcmp(argv[cmd], "check"))
        return SIM_OK;
    int rc = parse_opts(argc, argv, cmd, &o, err);
    if (rc == SIM_OK && (o.foreign || !o.scenario || o.from) && !(o.from && o.asked && !o.scenario))
        return SIM_OK;   /* the single-run parser has its say */
    if (rc == SIM_OK && !o.asked) {
        /* No option of ours: an experiment only if the scenario has one
         * (read here only when it is a regular file: a pipe is read once,
         * by the single run). */
        sim_err e;
        sim_err_clear(&e);
        struct stat st;
        if (stat(o.scenario, &st) != 0 || !S_ISREG(st.st_mode) ||
            mdl_scenario_load(&sc, o.scenario, o.sets, o.n_sets, NULL, &e))
            return SIM_OK;   /* the single run reports it */
        const sim_design_params *b = &sc.experiment;
        if (b->replications <= 1 && !b->n_sweep && !b->n_zip && !b->design[0])
            return SIM_OK;
    }
    *handled = 1;
    if (rc)
        return rc;
    if (o.from && (rc = from_scenario(&o, err)))
        return rc;
    if (!o.scenario)
        return SIM_FAIL(err, SIM_EINPUT, "run needs a scenario file (see smsim --help)");
    if ((rc = mdl_scenario_load(&sc, o.scenario, o.sets, o.n_sets, NULL, err))) {
        if (o.from_cfg[0])
            unlink(o.from_cfg);
        return rc;
    }
    memset(&x, 0, sizeof x);
    sim_design_init(&d);
    x.o = &o;
    x.d = &d;
    x.dist = dist;
    x.rank = sim_mpi_rank(dist);
    x.ranks = sim_mpi_size(dist);
    x.crn = sc.experiment.common_random_numbers;
    x.seed = (uint64_t)sc.run.seed;
    x.replications = (size_t)(o.replications ? o.replications : sc.experiment.replications);
    if (o.output)
        snprintf(x.out, sizeof x.out, "%s", o.output);
    else {
        const char *src = o.from ? o.from : o.scenario;
        const char *base = strrchr(src, '/');
        base = base ? base + 1 : src;
        snprintf(x.out, sizeof x.out, "results/%.*s.h5", (int)strcspn(base, "."), base);
    }
    static sim_design_params blk;   /* the block as read (sc is reloaded per variant) */
    blk = sc.experiment;
    if (!(rc = build_design(&o, &blk, &d, err)))
        rc = strcmp(argv[cmd], "check") ? run_experiment(&x, argc, argv, &sc, err) : check_experiment(&x, &sc, err);
    free(x.runs);
    sim_design_free(&d);
    if (o.from_cfg[0])
        unlink(o.from_cfg);
    return rc;
}
