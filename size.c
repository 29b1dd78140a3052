/*
 * size.c — `smsim size SCENARIO.cfg`: the smallest number of servers at each
 * DCC stage (the DSP, each region's CSP) such that every chosen service
 * meets "share of responses within its target response time" (the DCC's
 * own performance measure, /dcc/sla_share_within_target) on the scenario's
 * request-level days.
 *
 * Each evaluation is a run of the scenario with the stages' servers set
 * (--set dcc.dsp.servers=..., a child process like an experiment's run, all
 * with the scenario's seed: the capacities are compared on the same
 * requests).  The share is pooled over the detail days: 1 - breaches /
 * completed responses, per service.  The search assumes the share does not
 * fall when a stage gets a server more (monotone):
 *   1. the scenario's capacities, all doubled until every service meets
 *      the target (galloping);
 *   2. each stage in turn: bisection for its smallest passing count with
 *      the other stages as they stand, between its offered load (mean
 *      busy servers on the detail days, a lower bound below which the
 *      stage is overloaded) and its current count; a stage whose lower
 *      bound already passes is searched from 1;
 *   3. step 2 again until a pass changes nothing (the stages are in
 *      series, so a smaller DSP can ask more of a CSP).
 * Every evaluation goes into OUT.h5 (/size: servers, share within target
 * and p99 per service, utilisation per stage, pass or fail): the curve of
 * capacity against performance.  `python3 -m analysis.report OUT.h5 -o DIR`
 * draws it.
 */
#define _GNU_SOURCE
#include "size.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <hdf5.h>

#include "experiment.h"
#include "mdl_dcc_params.h"
#include "mdl_scenario.h"

#ifndef SMSIM_VERSION
#define SMSIM_VERSION "0.0.0"
#endif

#define NST (1 + MDL_N_REGIONS)          /* DSP, CSP north, central, south */
#define NSV MDL_DCC_N_SERVICES
#define MAX_EVALS 256
#define MAX_SETS 256

static const char *const stage_keys[NST] = {"dsp", "north", "central", "south"};
static const char *const stage_labels[NST] = {"DSP", "CSP north", "CSP central", "CSP south"};

typedef struct size_eval {
    int64_t servers[NST];
    double share[NSV];       /* pooled over the detail days; NaN: no response */
    double p99[NSV];         /* s, largest over the detail days (histogram bin's upper edge) */
    double util[NST];        /* mean over the detail days */
    int meets;
} size_eval;

typedef struct size_ctx {
    const char *scenario, *output;
    const char *sets[MAX_SETS];
    size_t n_sets;
    double target;
    int service_on[NSV], stage_on[NST], quiet;
    long threads;
    char out[4096], tmpdir[4096];
    size_eval evals[MAX_EVALS];
    size_t n_evals;
} size_ctx;

static int service_index(const char *key)
{
    for (int s = 0; s < NSV; s++)
        if (!strcmp(mdl_dcc_services[s].key, key))
            return s;
    return -1;
}

static int stage_index(const char *key)
{
    for (int t = 0; t < NST; t++)
        if (!strcmp(stage_keys[t], key))
            return t;
    return -1;
}

static int parse(int argc, char **argv, size_ctx *x, sim_err *err)
{
    int any_service = 0, any_stage = 0;
    x->target = 0.999;
    int cmd = experiment_command(argc, argv), dd = 0;
    exp_optarg g;
    for (int i = 1; i < argc; i++) {
        if (i == cmd)
            continue;
        if (experiment_next_opt(argc, argv, &i, &dd, &g, err))
            return SIM_EINPUT;
        const char *a = g.name, *v = g.value;
        if (g.skip)
            continue;
        if (g.positional) {
            if (x->scenario)
                return SIM_FAIL(err, SIM_EINPUT, "unexpected argument %s (see smsim --help)", g.positional);
            x->scenario = g.positional;
        } else if (!strcmp(a, "--target-share")) {
            char *end;
            x->target = strtod(v, &end);
            if (*end || end == v || !(x->target > 0 && x->target < 1))
                return SIM_FAIL(err, SIM_EINPUT, "--target-share %s: allowed: a share between 0 and 1 "
                                "(exclusive), e.g. 0.999", v);
        } else if (!strcmp(a, "--service")) {
            int s = service_index(v);
            if (s < 0)
                return SIM_FAIL(err, SIM_EINPUT, "--service %s: unknown; allowed: a key of dcc.services "
                                "(read_daily, on_demand, alert, ...; see smsim keys)", v);
            x->service_on[s] = any_service = 1;
        } else if (!strcmp(a, "--stage")) {
            int t = stage_index(v);
            if (t < 0)
                return SIM_FAIL(err, SIM_EINPUT, "--stage %s: unknown; allowed: dsp, north, central, south", v);
            x->stage_on[t] = any_stage = 1;
        } else if (!strcmp(a, "--set")) {
            if (x->n_sets == MAX_SETS)
                return SIM_FAIL(err, SIM_EINPUT, "too many --set options");
            x->sets[x->n_sets++] = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            x->output = v;
        } else if (!strcmp(a, "--threads")) {
            char *end;
            x->threads = strtol(v, &end, 10);
            if (*end || x->threads < 1 || x->threads > 4096)
                return SIM_FAIL(err, SIM_EINPUT, "--threads %s: allowed 1 to 4096", v);
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            x->quiet = 1;
        } else {
            return SIM_FAIL(err, SIM_EINPUT, "unknown option %s for size (see smsim --help)", a);
        }
    }
    if (!x->scenario)
        return SIM_FAIL(err, SIM_EINPUT, "size needs a scenario file (see smsim --help)");
    for (int t = 0; !any_stage && t < NST; t++)
        x->stage_on[t] = 1;
    for (int s = 0; !any_service && s < NSV; s++)
        x->service_on[s] = -1;   /* every service that has responses */
    return SIM_OK;
}

/* ---- one evaluation ----------------------------------------------------------- */

/* A whole dataset as doubles (malloc'd), its dimensions in dims (at most 4). */
static double *read_all(hid_t f, const char *name, hsize_t dims[4])
{
    double *buf = NULL;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t sp = H5Dget_space(d);
    dims[0] = dims[1] = dims[2] = dims[3] = 1;
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (H5Sget_simple_extent_ndims(sp) <= 4 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0 && np >= 0 &&
        (buf = malloc(((size_t)np + 1) * sizeof *buf)) &&
        H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        free(buf);
        buf = NULL;
    }
    H5Sclose(sp);
    H5Dclose(d);
    return buf;
}

/* The largest p99 over the detail days of service s: the upper edge of the
 * histogram bin where 99 % of the day's responses are reached. */
static double p99_of(const double *hist, const hsize_t *hd, const double *upper, int s)
{
    double out = NAN;
    size_t nb = (size_t)hd[2];
    for (size_t d = 0; d < (size_t)hd[0]; d++) {
        const double *h = hist + (d * hd[1] + (size_t)s) * nb;
        double tot = 0, cum = 0;
        for (size_t b = 0; b < nb; b++)
            tot += h[b];
        for (size_t b = 0; tot > 0 && b < nb; b++)
            if ((cum += h[b]) >= 0.99 * tot) {
                if (!(out >= upper[b]))
                    out = upper[b];
                break;
            }
    }
    return out;
}

/* Share, p99 and utilisation from a finished run's file. */
static int read_result(const char *path, size_eval *e, sim_err *err)
{
    hsize_t dr[4], db[4], dc[4], du[4], dh[4], dup[4];
    double *res = NULL, *br = NULL, *comp = NULL, *util = NULL, *hist = NULL, *upper = NULL;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rc = SIM_OK;
    if (f >= 0) {
        res = read_all(f, "/dcc/resolution", dr);
        br = read_all(f, "/dcc/sla_breaches", db);
        comp = read_all(f, "/dcc/completed", dc);
        util = read_all(f, "/dcc/utilisation", du);
        hist = read_all(f, "/dcc/detail/latency_histogram", dh);
        upper = read_all(f, "/dcc/detail/latency_bin_upper", dup);
        H5Fclose(f);
    }
    if (!res || !br || !comp || !util || !hist || !upper || db[1] != NSV || dc[1] != NSV ||
        dc[2] != MDL_N_REGIONS || du[1] != NST || dh[1] != NSV || dh[2] != dup[0])
        rc = SIM_FAIL(err, SIM_ERUNTIME, "%s: cannot read the DCC results", path);
    size_t ndet = 0;
    double nb[NSV] = {0}, done[NSV] = {0};
    memset(e->util, 0, sizeof e->util);
    for (size_t d = 0; !rc && d < (size_t)dr[0]; d++) {
        if (res[d] != 1)
            continue;
        ndet++;
        for (int s = 0; s < NSV; s++) {
            nb[s] += br[d * NSV + (size_t)s];
            for (int r = 0; r < MDL_N_REGIONS; r++)
                done[s] += comp[(d * NSV + (size_t)s) * MDL_N_REGIONS + (size_t)r];
        }
        for (int t = 0; t < NST; t++)
            e->util[t] += util[d * NST + (size_t)t];
    }
    if (!rc && !ndet)
        rc = SIM_FAIL(err, SIM_EINPUT, "%s: no request-level day in the run", path);
    for (int t = 0; !rc && t < NST; t++)
        e->util[t] /= (double)ndet;
    for (int s = 0; !rc && s < NSV; s++) {
        e->share[s] = done[s] > 0 ? 1.0 - nb[s] / done[s] : NAN;
        e->p99[s] = p99_of(hist, dh, upper, s);
    }
    free(res);
    free(br);
    free(comp);
    free(util);
    free(hist);
    free(upper);
    return rc;
}

static int meets(const size_ctx *x, const size_eval *e)
{
    for (int s = 0; s < NSV; s++) {
        if (!x->service_on[s])
            continue;
        if (isnan(e->share[s])) {
            if (x->service_on[s] > 0)
                return 0;   /* a chosen service with no response does not meet anything */
            continue;
        }
        if (e->share[s] < x->target)
            return 0;
    }
    return 1;
}

static void describe(const size_ctx *x, const size_eval *e, char *buf, size_t n)
{
    int worst = -1;
    for (int s = 0; s < NSV; s++)
        if (x->service_on[s] && !isnan(e->share[s]) && (worst < 0 || e->share[s] < e->share[worst]))
            worst = s;
    size_t len = 0;
    for (int t = 0; t < NST && len < n; t++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s %lld", t ? ", " : "", stage_labels[t],
                                (long long)e->servers[t]);
    if (len < n && worst >= 0)
        snprintf(buf + len, n - len, " -> lowest share %.5f (%s, p99 %.3g s): %s", e->share[worst],
                 mdl_dcc_services[worst].key, e->p99[worst], e->meets ? "meets" : "fails");
}

/* Evaluate servers[] (cached): a run of the scenario with them set. */
static int evaluate(size_ctx *x, const int64_t servers[NST], const size_eval **out, sim_err *err)
{
    for (size_t i = 0; i < x->n_evals; i++)
        if (!memcmp(x->evals[i].servers, servers, sizeof x->evals[i].servers)) {
            *out = &x->evals[i];
            return SIM_OK;
        }
    if (x->n_evals == MAX_EVALS)
        return SIM_FAIL(err, SIM_ERUNTIME, "more than %d evaluations: the search does not converge", MAX_EVALS);
    if (experiment_interrupted())
        return SIM_FAIL(err, SIM_ERUNTIME, "interrupted; nothing written");
    size_eval *e = &x->evals[x->n_evals];
    memcpy(e->servers, servers, sizeof e->servers);
    char sv[NST][96], threads[32], path[4200], log[4200];
    const char *argv[2 * MAX_SETS + 2 * NST + 16];
    size_t n = 0;
    if (snprintf(path, sizeof path, "%s/eval.h5", x->tmpdir) >= (int)sizeof path ||
        snprintf(log, sizeof log, "%s/eval.log", x->tmpdir) >= (int)sizeof log)
        return SIM_FAIL(err, SIM_EINPUT, "%s: path too long", x->tmpdir);
    snprintf(threads, sizeof threads, "%ld", x->threads);
    argv[n++] = "smsim";
    argv[n++] = "run";
    argv[n++] = x->scenario;
    for (size_t i = 0; i < x->n_sets; i++) {
        argv[n++] = "--set";
        argv[n++] = x->sets[i];
    }
    for (int t = 0; t < NST; t++) {
        if (t == 0)
            snprintf(sv[t], sizeof sv[t], "dcc.dsp.servers=%lld", (long long)servers[t]);
        else
            snprintf(sv[t], sizeof sv[t], "dcc.csp.%s.servers=%lld", stage_keys[t], (long long)servers[t]);
        argv[n++] = "--set";
        argv[n++] = sv[t];
    }
    argv[n++] = "--threads";
    argv[n++] = threads;
    argv[n++] = "--quiet";
    argv[n++] = "-o";
    argv[n++] = path;
    argv[n] = NULL;
    int status = 0, rc = experiment_spawn_wait(argv, log, &status, err);
    if (rc)
        return rc;
    if (experiment_interrupted()) {
        unlink(path);
        unlink(log);
        return SIM_FAIL(err, SIM_ERUNTIME, "interrupted; nothing written");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return SIM_FAIL(err, SIM_ERUNTIME, "the run with %s, %s, %s, %s failed (log: %s)", sv[0], sv[1], sv[2],
                        sv[3], log);
    rc = read_result(path, e, err);
    unlink(path);
    if (rc)
        return rc;
    e->meets = meets(x, e);
    x->n_evals++;
    if (!x->quiet) {
        char line[1024];
        describe(x, e, line, sizeof line);
        fprintf(stderr, "size: %s\n", line);
    }
    *out = e;
    return SIM_OK;
}

/* ---- the search ------------------------------------------------------------- */

#define MAX_SERVERS 100000

/* Smallest count of stage t in [lo, hi] that meets, the others as in cur
 * (hi meets).  Returns it in cur[t]. */
static int bisect_stage(size_ctx *x, int64_t cur[NST], int t, int64_t lo, int64_t hi, sim_err *err)
{
    const size_eval *e;
    int64_t c[NST];
    memcpy(c, cur, sizeof c);
    if (lo < 1)
        lo = 1;
    if (lo < hi) {   /* does the lower bound itself pass?  then search from 1 */
        c[t] = lo;
        int rc = evaluate(x, c, &e, err);
        if (rc)
            return rc;
        if (e->meets) {
            hi = lo;
            lo = 1;
        } else {
            lo++;
        }
    }
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        c[t] = mid;
        int rc = evaluate(x, c, &e, err);
        if (rc)
            return rc;
        if (e->meets)
            hi = mid;
        else
            lo = mid + 1;
    }
    cur[t] = hi;
    return SIM_OK;
}

/* Doubling every stage did not raise the share of any failing service by
 * more than 1e-4: the shortfall is not a matter of capacity (WAN latency,
 * device response, retries after a failure take longer than the target),
 * and no number of servers meets it.  Exit 2 naming what can be reached. */
static int check_plateau(const size_ctx *x, const size_eval *before, const size_eval *after, sim_err *err)
{
    char buf[1024];
    size_t n = 0;
    double reach = 1.0;
    for (int s = 0; s < NSV; s++) {
        if (!x->service_on[s] || isnan(after->share[s]) || after->share[s] >= x->target)
            continue;
        if (!(after->share[s] - before->share[s] <= 1e-4))
            return SIM_OK;   /* still rising: more capacity may do */
        if (after->share[s] < reach)
            reach = after->share[s];
        if (n < sizeof buf)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %.5f", n ? ", " : "", mdl_dcc_services[s].key,
                                  after->share[s]);
    }
    return SIM_FAIL(err, SIM_EINPUT, "no capacity meets a share of %g within target: doubling every stage "
                    "leaves %s (the rest of the response time, outside the DSP and CSP queues: WAN, device, "
                    "retries, exceeds the target); allowed: --target-share at most %.5f, or --service for "
                    "the services that can meet it", x->target, buf, floor(reach * 1e5) / 1e5);
}

static int search(size_ctx *x, const mdl_scenario *sc, int64_t cur[NST], sim_err *err)
{
    const size_eval *e;
    cur[0] = sc->dcc.dsp.servers;
    for (int r = 0; r < MDL_N_REGIONS; r++)
        cur[1 + r] = sc->dcc.csp[r].servers;
    int rc;
    const size_eval *prev = NULL;
    for (;;) {   /* 1. galloping up until every service meets */
        if ((rc = evaluate(x, cur, &e, err)))
            return rc;
        if (e->meets)
            break;
        if (prev && (rc = check_plateau(x, prev, e, err)))
            return rc;
        prev = e;
        int grew = 0;
        for (int t = 0; t < NST; t++)
            if (x->stage_on[t] && cur[t] < MAX_SERVERS) {
                cur[t] = cur[t] * 2 > MAX_SERVERS ? MAX_SERVERS : cur[t] * 2;
                grew = 1;
            }
        if (!grew)
            return SIM_FAIL(err, SIM_EINPUT, "no capacity up to %d servers per stage meets a share of %g "
                            "within target (the targets may be shorter than the latency outside the queues: "
                            "WAN, device, retries)", MAX_SERVERS, x->target);
    }
    for (int pass = 0; pass < 8; pass++) {   /* 2-3. stage by stage until nothing changes */
        int changed = 0;
        for (int t = 0; t < NST; t++) {
            if (!x->stage_on[t])
                continue;
            if ((rc = evaluate(x, cur, &e, err)))
                return rc;
            int64_t load = (int64_t)floor(e->util[t] * (double)cur[t]), before = cur[t];
            if ((rc = bisect_stage(x, cur, t, load, cur[t], err)))
                return rc;
            changed |= cur[t] != before;
        }
        if ((rc = evaluate(x, cur, &e, err)))
            return rc;
        if (!changed && e->meets)
            return SIM_OK;
        if (!e->meets) {   /* the stages' minima together fail: one more server where busiest */
            int busiest = -1;
            for (int t = 0; t < NST; t++)
                if (x->stage_on[t] && (busiest < 0 || e->util[t] > e->util[busiest]))
                    busiest = t;
            cur[busiest]++;
        }
    }
    return evaluate(x, cur, &e, err) ? err->code : (e->meets ? SIM_OK :
           SIM_FAIL(err, SIM_ERUNTIME, "the search did not settle in 8 passes"));
}

/* ---- output ------------------------------------------------------------------ */

static int w_i64(hid_t g, const char *name, int rank, const hsize_t *dims, const int64_t *v)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(g, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d >= 0 && H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

static int w_f64(hid_t g, const char *name, int rank, const hsize_t *dims, const double *v, const char *units)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(g, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (!rc && units) {
        hid_t t = H5Tcopy(H5T_C_S1), as = H5Screate(H5S_SCALAR);
        H5Tset_size(t, strlen(units) + 1);
        hid_t a = H5Acreate2(d, "units", t, as, H5P_DEFAULT, H5P_DEFAULT);
        rc = a >= 0 && H5Awrite(a, t, units) >= 0 ? 0 : -1;
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(as);
        H5Tclose(t);
    }
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

static int w_strs(hid_t g, const char *name, size_t n, const char *const *v)
{
    hsize_t dims[1] = {n};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static int w_attr(hid_t g, const char *name, const char *s, double num)
{
    hid_t sp = H5Screate(H5S_SCALAR), t;
    if (s) {
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
    } else {
        t = H5Tcopy(H5T_IEEE_F64LE);
    }
    hid_t a = H5Acreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && (s ? H5Awrite(a, t, &s) : H5Awrite(a, H5T_NATIVE_DOUBLE, &num)) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    H5Tclose(t);
    H5Sclose(sp);
    return rc;
}

static int write_curve(const size_ctx *x, const int64_t best[NST], sim_err *err)
{
    size_t n = x->n_evals;
    char tmp[4200], services[1024] = "";
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", x->out, (long)getpid()) >= (int)sizeof tmp)
        return SIM_FAIL(err, SIM_EINPUT, "%s: path too long", x->out);
    int64_t *sv = malloc(n * NST * sizeof *sv), *ok = malloc(n * sizeof *ok);
    double *sh = malloc(n * NSV * sizeof *sh), *p99 = malloc(n * NSV * sizeof *p99);
    double *ut = malloc(n * NST * sizeof *ut);
    const char *svc_labels[NSV];
    int chosen[NSV];
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    int rc = sv && ok && sh && p99 && ut && f >= 0 ? 0 : -1;
    for (size_t i = 0; !rc && i < n; i++) {
        const size_eval *e = &x->evals[i];
        memcpy(sv + i * NST, e->servers, sizeof e->servers);
        memcpy(sh + i * NSV, e->share, sizeof e->share);
        memcpy(p99 + i * NSV, e->p99, sizeof e->p99);
        memcpy(ut + i * NST, e->util, sizeof e->util);
        ok[i] = e->meets;
    }
    for (int s = 0; s < NSV; s++) {
        svc_labels[s] = mdl_dcc_services[s].key;
        chosen[s] = x->service_on[s] > 0 || (x->service_on[s] < 0 && n && !isnan(x->evals[n - 1].share[s]));
        if (chosen[s])
            snprintf(services + strlen(services), sizeof services - strlen(services), "%s%s",
                     services[0] ? " " : "", svc_labels[s]);
    }
    hid_t g = rc ? -1 : H5Gcreate2(f, "size", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t d_ns[2] = {n, NST}, d_nv[2] = {n, NSV}, d_n[1] = {n}, d_st[1] = {NST};
    rc = rc || g < 0;
    rc = rc || w_i64(g, "servers", 2, d_ns, sv) || w_f64(g, "share_within_target", 2, d_nv, sh, "1");
    rc = rc || w_f64(g, "latency_p99", 2, d_nv, p99, "s") || w_f64(g, "utilisation", 2, d_ns, ut, "1");
    rc = rc || w_i64(g, "meets", 1, d_n, ok) || w_i64(g, "minimum_servers", 1, d_st, best);
    rc = rc || w_strs(g, "stage", NST, stage_labels) || w_strs(g, "service", NSV, svc_labels);
    rc = rc || w_attr(f, "title", "smsim size", 0) || w_attr(f, "smsim_version", SMSIM_VERSION, 0);
    rc = rc || w_attr(f, "scenario_path", x->scenario, 0) || w_attr(f, "target_share", NULL, x->target);
    rc = rc || w_attr(f, "services", services, 0) ||
         w_attr(f, "measure", "share of the detail days' completed responses within the service's "
                "target_s, pooled over the detail days; p99: the largest day's 99th percentile "
                "(upper edge of its latency histogram bin)", 0);
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0)
        rc = -1;
    free(sv);
    free(ok);
    free(sh);
    free(p99);
    free(ut);
    if (rc || rename(tmp, x->out) != 0) {
        unlink(tmp);
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot write %s", x->out);
    }
    return SIM_OK;
}

static void print_table(const size_ctx *x, const mdl_scenario *sc, const int64_t best[NST])
{
    const size_eval *e = NULL;
    for (size_t i = 0; i < x->n_evals; i++)
        if (!memcmp(x->evals[i].servers, best, sizeof x->evals[i].servers))
            e = &x->evals[i];
    printf("smsim %s size: %s (share within target >= %g on the detail days)\n", SMSIM_VERSION, x->scenario,
           x->target);
    printf("  %-12s %8s %12s\n", "stage", "servers", "utilisation");
    for (int t = 0; t < NST; t++)
        printf("  %-12s %8lld %12.3f%s\n", stage_labels[t], (long long)best[t], e ? e->util[t] : NAN,
               x->stage_on[t] ? "" : "  (not searched)");
    printf("  %-16s %14s %10s %10s\n", "service", "within target", "target_s", "p99_s");
    for (int s = 0; e && s < NSV; s++)
        if (x->service_on[s] && !isnan(e->share[s]))
            printf("  %-16s %14.5f %10.6g %10.3g\n", mdl_dcc_services[s].key, e->share[s], sc->dcc.svc[s].target_s,
                   e->p99[s]);
    printf("  evaluations      %12zu runs\n", x->n_evals);
    printf("  output             %s\n", x->out);
}

int size_main(int argc, char **argv, sim_mpi *dist, sim_err *err)
{
    static size_ctx x;
    static mdl_scenario sc;
    memset(&x, 0, sizeof x);
    int rc = parse(argc, argv, &x, err);
    if (rc)
        return rc;
    if (sim_mpi_size(dist) > 1)
        return SIM_FAIL(err, SIM_EINPUT, "size starts its runs itself; run it without mpirun");
    if ((rc = mdl_scenario_load(&sc, x.scenario, x.sets, x.n_sets, NULL, err)))
        return rc;
    const mdl_dcc_detail_params *dp = &sc.dcc.detail;
    if (!dp->n_dates && !dp->every_n_days && !dp->all)
        return SIM_FAIL(err, SIM_EINPUT, "%s: no request-level day; allowed: a scenario with dcc.detail.dates "
                        "(or every_n_days, all), whose days the sizing measures", x.scenario);
    if (x.output)
        snprintf(x.out, sizeof x.out, "%s", x.output);
    else {
        const char *base = strrchr(x.scenario, '/');
        base = base ? base + 1 : x.scenario;
        mkdir("results", 0777);
        snprintf(x.out, sizeof x.out, "results/%.*s-size.h5", (int)strcspn(base, "."), base);
    }
#ifdef _OPENMP
    if (x.threads <= 0)
        x.threads = omp_get_max_threads();
#endif
    if (x.threads <= 0)
        x.threads = 1;
    if (snprintf(x.tmpdir, sizeof x.tmpdir, "%s.runs.%ld", x.out, (long)getpid()) >= (int)sizeof x.tmpdir ||
        mkdir(x.tmpdir, 0777) != 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: cannot create a working folder beside the output: %s", x.tmpdir,
                        strerror(errno));
    experiment_catch_signals();
    int64_t best[NST];
    rc = search(&x, &sc, best, err);
    /* (search reloads nothing: sc still holds the scenario as given) */
    if (rc == SIM_OK && (rc = write_curve(&x, best, err)) == SIM_OK && !x.quiet)   /* --quiet: errors only */
        print_table(&x, &sc, best);
    /* The working folder goes, unless a failed run's log is named in the message. */
    char log[4200];
    if (!strstr(err->msg, "(log: ") && snprintf(log, sizeof log, "%s/eval.log", x.tmpdir) < (int)sizeof log) {
        unlink(log);
        rmdir(x.tmpdir);
    }
    return rc;
}
