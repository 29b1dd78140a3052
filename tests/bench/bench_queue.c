/*
 * bench_queue.c — the classic hold model on the event-queue candidates.
 *
 * Hold model: fill the queue with n events, then repeat "pop the least,
 * push one back at its time + increment" so the size stays n.  Reported:
 * hold operations (one pop + one push) per second, after a warm-up that
 * lets the pending-time distribution settle.  Structures:
 *   heap4  the 4-ary implicit heap (sim/sim_heap4.h)
 *   calq   the two-tier calendar queue (sim/sim_calq.h)
 *   queue  whatever sim_queue.c ships (one extra call per operation)
 * Increment mixes:
 *   exp      exponential, mean 1 hour
 *   daygrid  like the rollout: 90 % land on a slot (08:00, 10:00, 12:00,
 *            14:00) 1..14 whole days ahead, 10 % exponential with mean 20
 *            minutes (steps within a visit).  Many exact ties: the
 *            (entity, kind, seq) tie-break does real work.
 * Increments and entities come from a precomputed ring (2^14 entries, drawn
 * from sim_rng) so generator cost is not in the figure.
 * Output: one key=value line per run (tests/bench/run.sh tabulates them);
 * checksum is the same for every structure on the same (dist, n) — it is a
 * hash of the popped order, so it also checks the structures agree.
 *
 *   bench_queue [--struct heap4,calq,queue] [--dist exp,daygrid]
 *               [--sizes 1000,10000,...] [--ops N] [--seed S]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_calq.h"
#include "sim_heap4.h"
#include "sim_queue.h"
#include "sim_rng.h"

#define RING 16384

typedef struct ring {
    int64_t inc[RING];      /* for exp: the increment; for daygrid: see next_time */
    int32_t slot[RING];     /* daygrid: -1 = exponential step, else slot offset us/... */
    int32_t days[RING];
    uint32_t entity[RING];
} ring;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void ring_fill(ring *r, int daygrid, uint64_t seed)
{
    sim_rng_stream s;
    sim_rng_stream_init(&s, seed, daygrid, 1);
    static const int64_t slot_hours[4] = {8, 10, 12, 14};
    for (int i = 0; i < RING; i++) {
        r->entity[i] = sim_rng_u32(&s);
        if (!daygrid) {
            r->inc[i] = (int64_t)(-log(sim_rng_uniform(&s)) * (double)SIM_US_PER_HOUR);
            r->slot[i] = -1;
        } else if (sim_rng_uniform(&s) < 0.1) {
            r->inc[i] = (int64_t)(-log(sim_rng_uniform(&s)) * 20.0 * (double)SIM_US_PER_MIN);
            r->slot[i] = -1;
        } else {
            r->days[i] = 1 + (int32_t)sim_rng_below(&s, 14);
            r->slot[i] = (int32_t)sim_rng_below(&s, 4);
            r->inc[i] = slot_hours[r->slot[i]] * SIM_US_PER_HOUR;
        }
    }
}

static inline void next_event(const ring *r, uint64_t k, sim_time now, uint32_t seq, sim_event *ev)
{
    size_t i = k & (RING - 1);
    sim_time t;
    if (r->slot[i] < 0)
        t = now + r->inc[i];
    else
        t = (sim_time_day(now) + r->days[i]) * SIM_US_PER_DAY + r->inc[i];
    ev->time = t;
    ev->entity = r->entity[i] ^ (uint32_t)(k >> 14);   /* vary entities across ring laps */
    ev->seq = seq;
    ev->kind = (uint16_t)(i & 3);
    ev->aux = 0;
    ev->data = k;
}

enum { S_HEAP4, S_CALQ, S_QUEUE };
static const char *const struct_names[] = {"heap4", "calq", "queue"};

typedef struct any_queue {
    int which;
    sim_heap4 h;
    sim_calq c;
    sim_queue *q;
} any_queue;

static inline int aq_push(any_queue *a, const sim_event *ev, sim_err *err)
{
    switch (a->which) {
    case S_HEAP4: return sim_heap4_push(&a->h, ev, err);
    case S_CALQ: return sim_calq_push(&a->c, ev, err);
    default: return sim_queue_push(a->q, ev, err);
    }
}

static inline int aq_pop(any_queue *a, sim_event *ev)
{
    switch (a->which) {
    case S_HEAP4: return sim_heap4_pop(&a->h, ev);
    case S_CALQ: return sim_calq_pop(&a->c, ev);
    default: return sim_queue_pop(a->q, ev);
    }
}

/* One hold run.  The switch is on a loop-invariant value: the compiler
 * unswitches it, and the branch predictor would anyway. */
static int run_hold(int which, const ring *r, size_t n, uint64_t warm, uint64_t ops,
                    double *seconds, uint64_t *checksum, sim_err *err)
{
    any_queue a;
    memset(&a, 0, sizeof a);
    a.which = which;
    int rc = 0;
    if (which == S_HEAP4)
        rc = sim_heap4_init(&a.h, 1024, err);
    else if (which == S_CALQ)
        rc = sim_calq_init(&a.c, 1024, err);
    else
        rc = (a.q = sim_queue_alloc(1024, err)) ? 0 : SIM_ERUNTIME;
    if (rc)
        return rc;
    uint32_t seq = 0;
    uint64_t k = 0;
    sim_event ev;
    for (size_t i = 0; i < n; i++) {
        next_event(r, k++, 0, seq++, &ev);
        if ((rc = aq_push(&a, &ev, err)) != 0)
            goto done;
    }
    uint64_t h = 1469598103934665603ull;
    sim_time last = INT64_MIN;
    double t0 = 0;
    for (uint64_t i = 0; i < warm + ops; i++) {
        if (i == warm)
            t0 = now_s();
        aq_pop(&a, &ev);
        if (ev.time < last) {
            rc = SIM_FAIL(err, SIM_ERUNTIME, "%s: popped out of order", struct_names[which]);
            goto done;
        }
        last = ev.time;
        h = (h ^ (uint64_t)ev.time ^ ev.entity * 31 ^ ev.seq) * 1099511628211ull;
        sim_event nx;
        next_event(r, k++, ev.time, seq++, &nx);
        if ((rc = aq_push(&a, &nx, err)) != 0)
            goto done;
    }
    *seconds = now_s() - t0;
    *checksum = h;
done:
    sim_heap4_release(&a.h);
    sim_calq_release(&a.c);
    sim_queue_free(a.q);
    return rc;
}

static int has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *structs = "heap4,calq", *dists = "exp,daygrid";
    const char *sizes = "1000,10000,100000,1000000,10000000";
    uint64_t ops = 3000000, seed = 20111207;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--struct") && i + 1 < argc)
            structs = argv[++i];
        else if (!strcmp(argv[i], "--dist") && i + 1 < argc)
            dists = argv[++i];
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
            sizes = argv[++i];
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
            ops = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr,
                    "usage: %s [--struct heap4,calq,queue] [--dist exp,daygrid] "
                    "[--sizes 1000,...] [--ops N] [--seed S]\n",
                    argv[0]);
            return 2;
        }
    }
    ring *r = malloc(sizeof *r);
    if (!r)
        return 1;
    static const char *const dist_names[] = {"exp", "daygrid"};
    for (int d = 0; d < 2; d++) {
        if (!has(dists, dist_names[d]))
            continue;
        ring_fill(r, d, seed);
        for (const char *p = sizes; *p;) {
            size_t n = strtoull(p, NULL, 10);
            for (int s = 0; s < 3; s++) {
                if (!has(structs, struct_names[s]))
                    continue;
                uint64_t warm = n < 2000000 ? n : 2000000;
                double sec = 0;
                uint64_t sum = 0;
                sim_err err;
                sim_err_clear(&err);
                if (run_hold(s, r, n, warm, ops, &sec, &sum, &err) != 0) {
                    fprintf(stderr, "bench_queue: %s\n", err.msg);
                    free(r);
                    return 1;
                }
                printf("bench=queue struct=%s dist=%s n=%zu ops=%llu seconds=%.3f "
                       "events_per_s=%.0f checksum=%016llx\n",
                       struct_names[s], dist_names[d], n, (unsigned long long)ops, sec,
                       (double)ops / sec, (unsigned long long)sum);
                fflush(stdout);
            }
            p = strchr(p, ',');
            if (!p)
                break;
            p++;
        }
    }
    free(r);
    return 0;
}
