/*
 * bench_phold.c — PHOLD on the smsim kernel: events per second through the
 * whole engine path (window loop, handler table, sim_shard_schedule, the
 * shard's event queue, sim_rng streams).
 *
 * PHOLD (Fujimoto 1990, as used across the PDES literature): N logical
 * processes (LPs), each starting with one event.  Handling an event
 * schedules exactly one new event at now + Exp(mean 1.0) + lookahead 0.1;
 * with probability 0.25 it goes to a uniformly chosen *other* LP, otherwise
 * to the same LP.  The population of pending events stays N.  Time unit:
 * 1.0 = 1 second = 10^6 us of sim_time.
 *
 * Randomness: each LP's k-th event draws from the stream (seed, entity =
 * LP, purpose = k), one Philox block (4 words) per event: two words make
 * the 53-bit uniform for the exponential, one the remote test, one the
 * destination (Lemire, so a rare extra draw).  Per-LP counters live in an
 * array of uint32, 4 bytes per LP.  One shard, one thread, one handler kind.
 *
 * Output: key=value lines for tests/bench/run.sh.
 *   bench_phold [--lps 1024,65536,1048576] [--events E] [--window S] [--seed S]
 * --events: approximate events per run (the run ends at the simulated time
 * where E events are expected, so the result is a fixed function of the
 * arguments); --window: window length in simulated seconds (default 0.1 =
 * the lookahead, the conservative horizon a sharded PHOLD would use).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_engine.h"
#include "sim_rng.h"

#define PHOLD_MEAN_US 1000000.0        /* Exp(1.0) in seconds */
#define PHOLD_LOOKAHEAD_US 100000      /* 0.1 s */
#define PHOLD_REMOTE_THRESHOLD UINT32_C(0x40000000)   /* 0.25 * 2^32 */

typedef struct phold {
    uint64_t seed;
    uint64_t n_lp;
    uint32_t *count;       /* events handled per LP: the purpose of its next stream */
    uint64_t remote;       /* events sent to another LP */
} phold;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Draw the next event of `lp` from its stream and schedule it. */
static void phold_send(sim_shard *sh, phold *p, uint64_t lp, sim_time now)
{
    sim_rng_stream s;
    sim_rng_stream_init(&s, p->seed, lp, p->count[lp]++);
    double u = sim_rng_uniform(&s);
    sim_time t = now + (sim_time)(-log(u) * PHOLD_MEAN_US) + PHOLD_LOOKAHEAD_US;
    uint64_t dest = lp;
    if (sim_rng_u32(&s) < PHOLD_REMOTE_THRESHOLD && p->n_lp > 1) {
        /* uniform over the other n - 1 LPs */
        dest = sim_rng_below(&s, p->n_lp - 1);
        dest += dest >= lp;
        p->remote++;
    }
    sim_shard_schedule(sh, t, dest, 0, 0, 0);
}

static void phold_handle(sim_shard *sh, void *state, const sim_event *ev)
{
    phold_send(sh, state, ev->entity, ev->time);
}

static const sim_handler_fn phold_handlers[1] = {phold_handle};
static const char *const phold_kind_names[1] = {"phold"};
static const sim_model phold_model = {
    .name = "phold",
    .n_kinds = 1,
    .handlers = phold_handlers,
    .kind_names = phold_kind_names,
};

static int run_phold(uint64_t n_lp, double target_events, double window_s, uint64_t seed)
{
    sim_err err;
    sim_err_clear(&err);
    phold p = {.seed = seed, .n_lp = n_lp, .count = calloc(n_lp, sizeof(uint32_t))};
    if (!p.count) {
        fprintf(stderr, "bench_phold: out of memory for %llu LPs\n", (unsigned long long)n_lp);
        return 1;
    }
    sim_engine *e = sim_engine_alloc(&phold_model, 1, n_lp + 1024, &err);
    if (!e) {
        fprintf(stderr, "bench_phold: %s\n", err.msg);
        free(p.count);
        return 1;
    }
    sim_engine_set_state(e, 0, &p);
    sim_shard *sh = sim_engine_shard(e, 0);
    double t_setup = now_s();
    for (uint64_t lp = 0; lp < n_lp; lp++)
        phold_send(sh, &p, lp, 0);
    t_setup = now_s() - t_setup;
    p.remote = 0;

    /* Each LP handles about one event per 1.1 s (mean gap 1.0 + 0.1). */
    const sim_time end = (sim_time)(target_events * 1.1 / (double)n_lp * 1e6);
    const sim_time window = (sim_time)(window_s * 1e6);
    double t0 = now_s();
    int rc = 0;
    for (sim_time w = 0; w < end && rc == 0; w += window)
        rc = sim_engine_run_window(e, w, w + window < end ? w + window : end, 1, &err);
    double wall = now_s() - t0;
    if (rc) {
        fprintf(stderr, "bench_phold: %s\n", err.msg);
    } else {
        uint64_t events = sim_engine_events(e);
        printf("bench=phold n_lp=%llu window_s=%g sim_seconds=%.3f events=%llu wall_s=%.3f "
               "events_per_s=%.0f remote_share=%.4f pending=%zu setup_s=%.3f\n",
               (unsigned long long)n_lp, window_s, (double)end / 1e6, (unsigned long long)events,
               wall, (double)events / wall, events ? (double)p.remote / (double)events : 0.0,
               sim_engine_pending(e), t_setup);
        fflush(stdout);
    }
    sim_engine_free(e);
    free(p.count);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *lps = "1024,65536,1048576";
    double target = 1.0e7, window_s = 0.1;
    uint64_t seed = 20111207;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--lps") && i + 1 < argc)
            lps = argv[++i];
        else if (!strcmp(argv[i], "--events") && i + 1 < argc)
            target = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--window") && i + 1 < argc)
            window_s = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--lps 1024,65536,1048576] [--events E] [--window S] [--seed S]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!(target >= 1) || !(window_s > 0)) {
        fprintf(stderr, "bench_phold: --events must be >= 1 and --window > 0\n");
        return 2;
    }
    for (const char *p = lps; *p;) {
        uint64_t n = strtoull(p, NULL, 10);
        if (n < 1) {
            fprintf(stderr, "bench_phold: LP counts must be >= 1\n");
            return 2;
        }
        if (run_phold(n, target, window_s, seed) != 0)
            return 1;
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    return 0;
}
