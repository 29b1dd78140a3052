/*
 * bench_rollout.c — the rollout model alone (no DCC, no HDF5 output): a
 * scenario's whole run through the engine, timed.
 *
 *   bench_rollout [SCENARIO.cfg] [--threads N] [--set key=value ...]
 *
 * Default scenarios/default.cfg, 1 thread.  Prints one line of key=value
 * pairs: alloc_s (population generation), wall_s and cpu_s (the daily
 * loop: every window plus mdl_rollout_day_end), day_end_s (the serial
 * reduction alone), households, events, visits, contacts, appointments,
 * bytes_per_household, peak_rss_mib and checksum, an FNV-1a hash of the
 * cumulative totals after every day: equal checksums for 1 and N threads
 * mean identical daily series.  cpu_s > wall_s shows the threads ran at
 * the same time; on a shared machine compare cpu_s, not wall_s, across
 * builds.  Not for: pass/fail checks (tests/test_rollout.c does those).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mdl_rollout.h"
#include "mdl_scenario.h"
#include "sim_engine.h"

#define MAX_SETS 32

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * UINT64_C(0x100000001b3);
    return h;
}

int main(int argc, char **argv)
{
    const char *path = "scenarios/default.cfg";
    const char *sets[MAX_SETS];
    size_t n_sets = 0;
    int threads = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            threads = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (n_sets == MAX_SETS) {
                fprintf(stderr, "bench_rollout: at most %d --set\n", MAX_SETS);
                return 2;
            }
            sets[n_sets++] = argv[++i];
        } else if (argv[i][0] != '-') {
            path = argv[i];
        } else {
            fprintf(stderr, "usage: bench_rollout [SCENARIO.cfg] [--threads N] [--set key=value ...]\n");
            return 2;
        }
    }
    static mdl_scenario sc;   /* large: off the stack */
    sim_err err;
    sim_err_clear(&err);
    if (mdl_scenario_load(&sc, path, sets, n_sets, NULL, &err)) {
        fprintf(stderr, "bench_rollout: %s\n", err.msg);
        return 2;
    }
    sim_engine *eng = sim_engine_alloc(mdl_rollout_model(), (size_t)sc.run.shards, (size_t)sc.run.queue_capacity, &err);
    if (!eng) {
        fprintf(stderr, "bench_rollout: %s\n", err.msg);
        return 1;
    }
    double a0 = clock_s(CLOCK_MONOTONIC);
    mdl_rollout *r = mdl_rollout_alloc(&sc, eng, NULL, NULL, threads, &err);
    if (!r) {
        fprintf(stderr, "bench_rollout: %s\n", err.msg);
        sim_engine_free(eng);
        return 1;
    }
    double alloc_s = clock_s(CLOCK_MONOTONIC) - a0;

    int64_t n_days = mdl_scenario_days(&sc);
    uint64_t check = UINT64_C(0xcbf29ce484222325);
    mdl_rollout_totals t;
    double day_end_s = 0;
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int64_t d = 0; d < n_days; d++) {
        if (sim_engine_run_window(eng, sim_time_from_days(d), sim_time_from_days(d + 1), threads, &err)) {
            fprintf(stderr, "bench_rollout: day %lld: %s\n", (long long)d, err.msg);
            return 1;
        }
        double e0 = clock_s(CLOCK_MONOTONIC);
        if (mdl_rollout_day_end(r, d, &err)) {
            fprintf(stderr, "bench_rollout: day %lld: %s\n", (long long)d, err.msg);
            return 1;
        }
        day_end_s += clock_s(CLOCK_MONOTONIC) - e0;
        /* the cumulative counters (cheap: no walk over households) */
        mdl_rollout_get_totals(r, &t);
        t.bytes_per_household = 0;
        check = fnv(check, &t, sizeof t);
    }
    double wall_s = clock_s(CLOCK_MONOTONIC) - w0, cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    mdl_rollout_get_totals(r, &t);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("scenario=%s threads=%d days=%lld households=%llu alloc_s=%.3f wall_s=%.3f cpu_s=%.3f day_end_s=%.3f "
           "events=%llu visits=%llu contacts=%llu appointments=%llu smart=%llu bytes_per_household=%.2f "
           "peak_rss_mib=%.0f checksum=%016llx\n",
           path, threads, (long long)n_days, (unsigned long long)t.households, alloc_s, wall_s, cpu_s, day_end_s,
           (unsigned long long)sim_engine_events(eng), (unsigned long long)t.visits, (unsigned long long)t.contacts,
           (unsigned long long)t.appointments, (unsigned long long)t.smart, t.bytes_per_household,
           (double)ru.ru_maxrss / 1024.0, (unsigned long long)check);
    mdl_rollout_free(r);
    sim_engine_free(eng);
    return 0;
}
