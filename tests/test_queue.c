/*
 * test_queue.c — the shard event queue (sim_queue.h) and, through the same
 * checks, the 4-ary heap that competes with it in the benchmark
 * (sim/sim_heap4.h).  The order under test is the total order
 * (time, entity, kind, seq); references are qsort'ed or kept-sorted arrays.
 * Inputs come from fixed-seed sim_rng streams, so failures reproduce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sim_heap4.h"
#include "sim_queue.h"
#include "sim_rng.h"

static int cmp_event(const void *pa, const void *pb)
{
    const sim_event *a = pa, *b = pb;
    return sim_event_before(a, b) ? -1 : sim_event_before(b, a) ? 1 : 0;
}

static void assert_same_event(const sim_event *a, const sim_event *b)
{
    assert_true(a->time == b->time);
    assert_true(a->entity == b->entity);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->aux, b->aux);
    assert_true(a->data == b->data);
}

/* Times from a small set (many exact ties) or a wide range, by `spread`. */
static sim_event random_event(sim_rng_stream *s, uint32_t seq, uint64_t spread)
{
    sim_event ev = {
        .time = (sim_time)sim_rng_below(s, spread) * 7919 - 1000003,
        .entity = sim_rng_below(s, 13),
        .seq = seq,
        .kind = (uint16_t)sim_rng_below(s, 3),
        .aux = (uint16_t)sim_rng_u32(s),
        .data = sim_rng_u64(s),
    };
    return ev;
}

static sim_queue *new_queue(size_t cap)
{
    sim_err err;
    sim_err_clear(&err);
    sim_queue *q = sim_queue_alloc(cap, &err);
    assert_non_null(q);
    return q;
}

/* Random pushes (with heavy ties), pops come out in the total order. */
static void test_pops_sorted(void **state)
{
    (void)state;
    const uint64_t spreads[] = {5, 1000, UINT64_C(1) << 40};
    for (size_t k = 0; k < 3; k++) {
        const size_t n = 20011;
        sim_event *ref = malloc(n * sizeof *ref);
        assert_non_null(ref);
        sim_queue *q = new_queue(64);
        sim_rng_stream s;
        sim_rng_stream_init(&s, 11, k, 1);
        sim_err err;
        for (size_t i = 0; i < n; i++) {
            /* seq from a shuffled source so it is not the insertion order */
            ref[i] = random_event(&s, (uint32_t)sim_rng_u32(&s), spreads[k]);
            assert_int_equal(sim_queue_push(q, &ref[i], &err), 0);
        }
        assert_int_equal(sim_queue_size(q), n);
        qsort(ref, n, sizeof *ref, cmp_event);
        for (size_t i = 0; i < n; i++) {
            sim_event out;
            const sim_event *top = sim_queue_peek(q);
            assert_non_null(top);
            assert_same_event(top, &ref[i]);
            assert_int_equal(sim_queue_pop(q, &out), 1);
            assert_same_event(&out, &ref[i]);
        }
        assert_int_equal(sim_queue_size(q), 0);
        sim_queue_free(q);
        free(ref);
    }
}

/* Equal times: entity first, then kind, then seq. */
static void test_tie_breaks(void **state)
{
    (void)state;
    sim_queue *q = new_queue(8);
    sim_err err;
    const sim_time t = 86400000000LL * 3 + 36000000000LL;
    /* pushed in reverse of the expected order */
    const sim_event evs[] = {
        {.time = t, .entity = 9, .kind = 0, .seq = 0},
        {.time = t, .entity = 5, .kind = 2, .seq = 1},
        {.time = t, .entity = 5, .kind = 1, .seq = 7},
        {.time = t, .entity = 5, .kind = 1, .seq = 3},
        {.time = t, .entity = 2, .kind = 9, .seq = 99},
        {.time = t - 1, .entity = 1000, .kind = 5, .seq = 100},
    };
    const size_t expect[] = {5, 4, 3, 2, 1, 0};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(sim_queue_push(q, &evs[i], &err), 0);
    for (size_t i = 0; i < 6; i++) {
        sim_event out;
        assert_int_equal(sim_queue_pop(q, &out), 1);
        assert_same_event(&out, &evs[expect[i]]);
    }
    sim_queue_free(q);
}

/* Growth from a tiny initial capacity keeps every event and the order. */
static void test_growth(void **state)
{
    (void)state;
    sim_queue *q = new_queue(1);
    sim_err err;
    const size_t n = 100003;
    for (size_t i = 0; i < n; i++) {
        /* a permutation of 0..n-1 (n is prime, 65537 coprime to it) */
        sim_event ev = {.time = (sim_time)((i * 65537) % n), .entity = i};
        assert_int_equal(sim_queue_push(q, &ev, &err), 0);
    }
    assert_int_equal(sim_queue_size(q), n);
    for (size_t i = 0; i < n; i++) {
        sim_event out;
        assert_int_equal(sim_queue_pop(q, &out), 1);
        assert_true(out.time == (sim_time)i);
    }
    sim_queue_free(q);
}

static void test_peek_size_clear_empty(void **state)
{
    (void)state;
    sim_queue *q = new_queue(4);
    sim_err err;
    sim_event out;
    assert_null(sim_queue_peek(q));
    assert_int_equal(sim_queue_pop(q, &out), 0);
    assert_int_equal(sim_queue_size(q), 0);
    for (int i = 0; i < 1000; i++) {
        sim_event ev = {.time = 1000 - i, .entity = (uint64_t)i};
        assert_int_equal(sim_queue_push(q, &ev, &err), 0);
        assert_int_equal(sim_queue_size(q), (size_t)i + 1);
        assert_true(sim_queue_peek(q)->time == 1000 - i);
    }
    sim_queue_clear(q);
    assert_int_equal(sim_queue_size(q), 0);
    assert_null(sim_queue_peek(q));
    assert_int_equal(sim_queue_pop(q, &out), 0);
    /* Usable after clear, including times before everything seen so far. */
    sim_event late = {.time = 5000, .entity = 1}, early = {.time = -5000, .entity = 2};
    assert_int_equal(sim_queue_push(q, &late, &err), 0);
    assert_int_equal(sim_queue_push(q, &early, &err), 0);
    assert_int_equal(sim_queue_pop(q, &out), 1);
    assert_true(out.time == -5000);
    assert_int_equal(sim_queue_pop(q, &out), 1);
    assert_true(out.time == 5000);
    assert_int_equal(sim_queue_pop(q, &out), 0);
    sim_queue_free(q);
    sim_queue_free(NULL);
}

/* Extreme times: the calendar's bounds must not overflow. */
static void test_extreme_times(void **state)
{
    (void)state;
    sim_queue *q = new_queue(4);
    sim_err err;
    const sim_time times[] = {INT64_MAX, 0, INT64_MIN, INT64_MAX, -1, INT64_MAX - 1,
                              INT64_MIN + 1, 86400000000LL, INT64_MAX};
    const size_t n = sizeof times / sizeof times[0];
    sim_event ref[16];
    for (size_t i = 0; i < n; i++) {
        ref[i] = (sim_event){.time = times[i], .entity = n - i, .seq = (uint32_t)i};
        assert_int_equal(sim_queue_push(q, &ref[i], &err), 0);
    }
    qsort(ref, n, sizeof ref[0], cmp_event);
    for (size_t i = 0; i < n; i++) {
        sim_event out;
        assert_int_equal(sim_queue_pop(q, &out), 1);
        assert_same_event(&out, &ref[i]);
        /* push a SIM_TIME_NEVER event while draining; it sorts last */
        if (i == 3) {
            sim_event never = {.time = INT64_MAX, .entity = UINT64_MAX, .seq = 1000};
            assert_int_equal(sim_queue_push(q, &never, &err), 0);
            assert_int_equal(sim_queue_size(q), n - i);
        }
    }
    sim_event out;
    assert_int_equal(sim_queue_pop(q, &out), 1);
    assert_true(out.time == INT64_MAX && out.seq == 1000);
    assert_int_equal(sim_queue_pop(q, &out), 0);
    sim_queue_free(q);
}

/* Reference: a sorted array (insertion by memmove; sizes stay ~1e3). */
typedef struct ref_set {
    sim_event *a;
    size_t n, cap;
} ref_set;

static void ref_push(ref_set *r, const sim_event *ev)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->a = realloc(r->a, r->cap * sizeof *r->a);
        assert_non_null(r->a);
    }
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sim_event_before(&r->a[mid], ev))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&r->a[lo + 1], &r->a[lo], (r->n - lo) * sizeof *r->a);
    r->a[lo] = *ev;
    r->n++;
}

static int ref_pop(ref_set *r, sim_event *out)
{
    if (!r->n)
        return 0;
    *out = r->a[0];
    memmove(&r->a[0], &r->a[1], (r->n - 1) * sizeof *r->a);
    r->n--;
    return 1;
}

/* 1e5 interleaved operations in three regimes:
 *   mode 0  DES-like: pushes at now + increment (increments from 0 to
 *           ~3 days, with day-grid ties), exercising bucket loads, far
 *           lists and wheel rebuilds;
 *   mode 1  arbitrary times, including before the last pop;
 *   mode 2  bursts of equal times. */
static void run_interleaved(int use_heap4, int mode)
{
    sim_err err;
    sim_queue *q = NULL;
    sim_heap4 h;
    memset(&h, 0, sizeof h);
    if (use_heap4)
        assert_int_equal(sim_heap4_init(&h, 2, &err), 0);
    else
        q = new_queue(2);
    ref_set ref = {0};
    sim_rng_stream s;
    sim_rng_stream_init(&s, 77, (uint64_t)mode, (uint32_t)use_heap4);
    sim_time now = 0;
    uint32_t seq = 0;
    for (int op = 0; op < 100000; op++) {
        /* drift upwards in size for the first half, then drain */
        uint64_t push_per_mille = op < 50000 ? 560 : 440;
        if (sim_rng_below(&s, 1000) < push_per_mille) {
            sim_event ev = {.entity = sim_rng_below(&s, 50), .seq = seq++,
                            .kind = (uint16_t)sim_rng_below(&s, 4), .data = (uint64_t)op};
            if (mode == 0) {
                if (sim_rng_below(&s, 2))
                    ev.time = now + (sim_time)sim_rng_below(&s, 3 * 86400) * 1000000;
                else
                    ev.time = (now / 86400000000LL + 1 + (sim_time)sim_rng_below(&s, 3)) *
                              86400000000LL;
            } else if (mode == 1) {
                ev.time = (sim_time)sim_rng_below(&s, 1u << 30) - (1 << 29);
            } else {
                ev.time = now + (sim_time)sim_rng_below(&s, 3);
            }
            ref_push(&ref, &ev);
            if (use_heap4)
                assert_int_equal(sim_heap4_push(&h, &ev, &err), 0);
            else
                assert_int_equal(sim_queue_push(q, &ev, &err), 0);
        } else {
            sim_event a, b;
            int got = ref_pop(&ref, &a);
            int got2 = use_heap4 ? sim_heap4_pop(&h, &b) : sim_queue_pop(q, &b);
            assert_int_equal(got, got2);
            if (got) {
                assert_same_event(&a, &b);
                now = a.time;
            }
        }
        size_t size = use_heap4 ? h.n : sim_queue_size(q);
        assert_int_equal(size, ref.n);
        const sim_event *top = use_heap4 ? sim_heap4_peek(&h) : sim_queue_peek(q);
        if (ref.n)
            assert_same_event(top, &ref.a[0]);
        else
            assert_null(top);
    }
    free(ref.a);
    sim_heap4_release(&h);
    sim_queue_free(q);
}

static void test_interleaved_des(void **state) { (void)state; run_interleaved(0, 0); }
static void test_interleaved_arbitrary(void **state) { (void)state; run_interleaved(0, 1); }
static void test_interleaved_bursts(void **state) { (void)state; run_interleaved(0, 2); }
static void test_heap4_interleaved(void **state)
{
    (void)state;
    run_interleaved(1, 0);
    run_interleaved(1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pops_sorted),
        cmocka_unit_test(test_tie_breaks),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_peek_size_clear_empty),
        cmocka_unit_test(test_extreme_times),
        cmocka_unit_test(test_interleaved_des),
        cmocka_unit_test(test_interleaved_arbitrary),
        cmocka_unit_test(test_interleaved_bursts),
        cmocka_unit_test(test_heap4_interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
