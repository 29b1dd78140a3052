/*
 * test_rng.c — Philox4x32-10 streams: published known answers, stream
 * reproducibility, the GSL face, independence of neighbouring streams and
 * uniformity.  Statistical checks use fixed seeds (so they are deterministic)
 * and tolerances derived in the comment beside each; a correct generator
 * passes them with overwhelming probability over seeds, a broken one (wrong
 * counter layout, modulo bias, reused blocks) fails them by a wide margin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim_draw.h"
#include "sim_rng.h"

/* Random123 kat_vectors, philox4x32 10 rounds: ctr[4], key[2] -> out[4]. */
static void test_known_answers(void **state)
{
    (void)state;
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        uint32_t out[4];
        sim_philox4x32_10(kat[i].ctr, kat[i].key, out);
        for (int w = 0; w < 4; w++)
            assert_int_equal(out[w], kat[i].out[w]);
    }
}

/* A stream's words are exactly the Philox blocks of its counter layout:
 * block n of (seed, entity, purpose) is philox(ctr = [n, purpose, entity lo,
 * entity hi], key = [seed lo, seed hi]). */
static void test_stream_layout(void **state)
{
    (void)state;
    const uint64_t seed = UINT64_C(0x0123456789abcdef), entity = UINT64_C(0xfedcba9876543211);
    const uint32_t purpose = 0x305;
    sim_rng_stream s;
    sim_rng_stream_init(&s, seed, entity, purpose);
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (uint32_t block = 0; block < 37; block++) {
        uint32_t ctr[4] = {block, purpose, (uint32_t)entity, (uint32_t)(entity >> 32)}, out[4];
        sim_philox4x32_10(ctr, key, out);
        for (int w = 0; w < 4; w++)
            assert_int_equal(sim_rng_u32(&s), out[w]);
    }
}

static void test_reproducible(void **state)
{
    (void)state;
    sim_rng_stream a, b, c;
    sim_rng_stream_init(&a, 20111207, 4242, 3);
    sim_rng_stream_init(&b, 20111207, 4242, 3);
    sim_rng_stream_init(&c, 20111208, 4242, 3);
    int differ = 0;
    for (int i = 0; i < 1013; i++) {
        uint32_t x = sim_rng_u32(&a);
        assert_int_equal(x, sim_rng_u32(&b));
        differ += x != sim_rng_u32(&c);
    }
    /* A different seed must give a different stream (chance of > 2 equal
     * words out of 1013 by accident: negligible). */
    assert_true(differ > 1010);
    /* u64 is two consecutive words, high first. */
    sim_rng_stream_init(&a, 7, 8, 9);
    sim_rng_stream_init(&b, 7, 8, 9);
    uint64_t hi = sim_rng_u32(&b), lo = sim_rng_u32(&b);
    assert_true(sim_rng_u64(&a) == (hi << 32 | lo));
}

/* The GSL type: gsl_rng_alloc'd instances and stack wraps give the same
 * numbers as the raw stream, through gsl_rng_get and gsl_ran_*. */
static void test_gsl_face(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(sim_rng_philox);
    assert_non_null(r);
    assert_string_equal(gsl_rng_name(r), "smsim-philox4x32");
    assert_true(gsl_rng_max(r) == 0xffffffffUL);
    assert_true(gsl_rng_min(r) == 0);
    assert_int_equal(gsl_rng_size(r), sizeof(sim_rng_stream));

    /* gsl_rng_set(r, seed) keys entity 0, purpose 0. */
    gsl_rng_set(r, 99991);
    sim_rng_stream s;
    sim_rng_stream_init(&s, 99991, 0, 0);
    for (int i = 0; i < 100; i++)
        assert_true(gsl_rng_get(r) == sim_rng_u32(&s));

    /* Re-keyed gsl_rng vs a wrapped stack stream: identical draws. */
    sim_rng_gsl_set_stream(r, 31337, 271828, 17);
    sim_rng_stream_init(&s, 31337, 271828, 17);
    gsl_rng w;
    sim_rng_gsl_wrap(&w, &s);
    assert_ptr_equal(w.state, &s);
    for (int i = 0; i < 200; i++) {
        assert_true(gsl_rng_get(r) == gsl_rng_get(&w));
        assert_true(gsl_rng_uniform(r) == gsl_rng_uniform(&w));
        assert_true(gsl_ran_gaussian(r, 2.0) == gsl_ran_gaussian(&w, 2.0));
        assert_true(gsl_ran_exponential(r, 3.0) == gsl_ran_exponential(&w, 3.0));
    }
    /* Draws through the wrap advanced the stack stream itself. */
    sim_rng_stream t;
    sim_rng_stream_init(&t, 31337, 271828, 17);
    assert_true(memcmp(s.ctr, t.ctr, sizeof s.ctr) != 0);
    /* gsl_rng_uniform on a wrap is sim_rng_uniform on the stream. */
    sim_rng_stream_init(&s, 5, 6, 7);
    sim_rng_stream_init(&t, 5, 6, 7);
    for (int i = 0; i < 50; i++)
        assert_true(gsl_rng_uniform(&w) == sim_rng_uniform(&t));
    gsl_rng_free(r);
}

/* Pearson correlation of n pairs.  Under independence its standard error
 * is 1/sqrt(n) (about 0.00316 for n = 1e5); we allow 5 sigma = 0.0158.  A
 * shared or shifted block between neighbouring streams gives r near 1. */
static double paired_correlation(sim_rng_stream *a, sim_rng_stream *b, int n)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double x = sim_rng_uniform(a), y = sim_rng_uniform(b);
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    double cov = sxy / n - (sx / n) * (sy / n);
    double vx = sxx / n - (sx / n) * (sx / n), vy = syy / n - (sy / n) * (sy / n);
    return cov / sqrt(vx * vy);
}

static void test_neighbour_independence(void **state)
{
    (void)state;
    const int n = 100000;
    const double tol = 5.0 / sqrt((double)n);
    sim_rng_stream a, b;
    /* entity e vs e + 1 */
    sim_rng_stream_init(&a, 42, 1000003, 2);
    sim_rng_stream_init(&b, 42, 1000004, 2);
    assert_true(fabs(paired_correlation(&a, &b, n)) < tol);
    /* entity whose low word wraps into the high word */
    sim_rng_stream_init(&a, 42, UINT64_C(0xffffffff), 2);
    sim_rng_stream_init(&b, 42, UINT64_C(0x100000000), 2);
    assert_true(fabs(paired_correlation(&a, &b, n)) < tol);
    /* purpose p vs p + 1 */
    sim_rng_stream_init(&a, 42, 77, 5);
    sim_rng_stream_init(&b, 42, 77, 6);
    assert_true(fabs(paired_correlation(&a, &b, n)) < tol);
    /* attempt folded into the purpose (p | k << 8 vs p | (k+1) << 8) */
    sim_rng_stream_init(&a, 42, 77, 5 | 3u << 8);
    sim_rng_stream_init(&b, 42, 77, 5 | 4u << 8);
    assert_true(fabs(paired_correlation(&a, &b, n)) < tol);
    /* seed s vs s + 1 */
    sim_rng_stream_init(&a, 42, 77, 5);
    sim_rng_stream_init(&b, 43, 77, 5);
    assert_true(fabs(paired_correlation(&a, &b, n)) < tol);
    /* Sanity of the statistic itself: a stream against its own copy. */
    sim_rng_stream_init(&a, 42, 77, 5);
    sim_rng_stream_init(&b, 42, 77, 5);
    assert_true(paired_correlation(&a, &b, 1000) > 0.999);
}

/* 1e6 uniforms into 100 equal bins: chi-square with 99 degrees of freedom;
 * its 0.999 quantile is 148.23.  The mean of 1e6 uniforms has standard
 * error sqrt(1/12/1e6) = 2.89e-4; we allow 5 sigma = 1.44e-3.  Every draw
 * must lie in the open interval (0, 1). */
static void test_uniformity(void **state)
{
    (void)state;
    const int n = 1000000, bins = 100;
    static long count[100];
    memset(count, 0, sizeof count);
    sim_rng_stream s;
    sim_rng_stream_init(&s, 8675309, 12, 1);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double u = sim_rng_uniform(&s);
        assert_true(u > 0.0 && u < 1.0);
        sum += u;
        count[(int)(u * bins)]++;
    }
    double expected = (double)n / bins, chi2 = 0;
    for (int b = 0; b < bins; b++)
        chi2 += (count[b] - expected) * (count[b] - expected) / expected;
    assert_true(chi2 < 148.23);
    assert_true(fabs(sum / n - 0.5) < 5.0 * sqrt(1.0 / 12.0 / n));
}

/* sim_rng_below: n = 3 * 2^30 is the worst case for "u32 % n" (values below
 * 2^30 would come up with probability 1/2 instead of 1/3).  With 1e6 draws
 * the share below 2^30 has standard error sqrt(2/9/1e6) = 4.7e-4; 5 sigma
 * is 2.4e-3, far from the biased 1/2.  The same for the 64-bit path with
 * n = 3 * 2^62.  Small n = 7: chi-square, 6 dof, 0.999 quantile 22.46. */
static void test_below_unbiased(void **state)
{
    (void)state;
    const int n = 1000000;
    const double tol = 5.0 * sqrt(2.0 / 9.0 / n);
    sim_rng_stream s;
    sim_rng_stream_init(&s, 1234567, 3, 4);

    uint64_t n32 = UINT64_C(3) << 30;
    long low = 0;
    for (int i = 0; i < n; i++) {
        uint64_t x = sim_rng_below(&s, n32);
        assert_true(x < n32);
        low += x < (UINT64_C(1) << 30);
    }
    assert_true(fabs((double)low / n - 1.0 / 3.0) < tol);

    uint64_t n64 = UINT64_C(3) << 62;
    low = 0;
    for (int i = 0; i < n; i++) {
        uint64_t x = sim_rng_below(&s, n64);
        assert_true(x < n64);
        low += x < (UINT64_C(1) << 62);
    }
    assert_true(fabs((double)low / n - 1.0 / 3.0) < tol);

    long c7[7] = {0};
    for (int i = 0; i < n; i++) {
        uint64_t x = sim_rng_below(&s, 7);
        assert_true(x < 7);
        c7[x]++;
    }
    double e = n / 7.0, chi2 = 0;
    for (int k = 0; k < 7; k++)
        chi2 += (c7[k] - e) * (c7[k] - e) / e;
    assert_true(chi2 < 22.46);

    /* Degenerate ranges. */
    for (int i = 0; i < 100; i++)
        assert_true(sim_rng_below(&s, 1) == 0);
    uint64_t seen_or = 0;
    for (int i = 0; i < 64; i++)
        seen_or |= sim_rng_below(&s, UINT64_C(1) << 32);
    assert_true(seen_or > UINT32_C(0x80000000) && seen_or <= UINT32_C(0xffffffff));
}

/* gsl_ran_exponential(mu = 2.5) through a wrapped stream: 1e5 draws have a
 * mean with standard error 2.5/sqrt(1e5) = 0.0079; we allow 5 sigma. */
static void test_exponential_through_wrap(void **state)
{
    (void)state;
    const int n = 100000;
    const double mu = 2.5;
    sim_rng_stream s;
    sim_rng_stream_init(&s, 55, 66, 77);
    gsl_rng r;
    sim_rng_gsl_wrap(&r, &s);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double x = gsl_ran_exponential(&r, mu);
        assert_true(x >= 0.0);
        sum += x;
    }
    assert_true(fabs(sum / n - mu) < 5.0 * mu / sqrt((double)n));
}

/* ---- batched words and the ziggurat exponential ------------------------------------------ */
static void test_rng_words(void **state)
{
    (void)state;
    /* The batched Philox refill gives sim_rng's stream word for word (across several refills). */
    enum { N = 1337 };
    uint32_t *w = malloc(N * sizeof *w);
    sim_rng_buf b;
    sim_rng_buf_init(&b, 20110210, 19737, 0x522);
    for (int i = 0; i < N; i++)
        w[i] = sim_rng_buf_u32(&b);
    sim_rng_stream s;
    sim_rng_stream_init(&s, 20110210, 19737, 0x522);
    for (int i = 0; i < N; i++)
        assert_int_equal(w[i], sim_rng_u32(&s));
    free(w);
}

/* Seeking to word j gives the words a fresh stream gives after j draws,
 * at every offset within a block and across block boundaries. */
static void test_seek(void **state)
{
    (void)state;
    for (uint64_t j = 0; j < 23; j++) {
        sim_rng_stream a, b;
        sim_rng_stream_init(&a, 99, 17, 5);
        sim_rng_stream_init(&b, 99, 17, 5);
        for (uint64_t k = 0; k < j; k++)
            (void)sim_rng_u32(&a);
        sim_rng_stream_seek(&b, j);
        for (int k = 0; k < 9; k++)
            assert_int_equal(sim_rng_u32(&a), sim_rng_u32(&b));
    }
}

static void test_exp_ziggurat(void **state)
{
    (void)state;
    /* 2,000,003 Exp(1) draws.  Mean: sd 1/sqrt(n) = 7.1e-4; variance: sd
     * sqrt(8/n) = 2.0e-3 (the 4th central moment of Exp(1) is 9).  Tail
     * shares P(X > x) = e^-x are binomial: sd sqrt(p(1-p)/n).  All within 5 sd
     * (each a 1-in-1.7-million miss).  x = 0.05 and 0.5 probe the top
     * layers' wedges, 7.8 and 10 the tail beyond r = 7.697. */
    const size_t n = 2000003;
    double *v = malloc(n * sizeof *v);
    sim_draw_zig z;
    sim_draw_zig_init(&z);
    sim_rng_buf b;
    sim_rng_buf_init(&b, 11, 3, 0x22);
    for (size_t i = 0; i < n; i++)
        v[i] = sim_draw_exp(&z, &b);
    double m = 0, m2 = 0;
    const double xs[] = {0.05, 0.5, 1.0, 3.0, 7.8, 10.0};
    size_t above[6] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i] >= 0 && isfinite(v[i]));
        m += v[i];
        m2 += v[i] * v[i];
        for (int k = 0; k < 6; k++)
            above[k] += v[i] > xs[k];
    }
    m /= (double)n;
    double var = m2 / (double)n - m * m;
    assert_true(fabs(m - 1.0) <= 5.0 / sqrt((double)n));
    assert_true(fabs(var - 1.0) <= 5.0 * sqrt(8.0 / (double)n));
    for (int k = 0; k < 6; k++) {
        double p = exp(-xs[k]), sd = sqrt(p * (1 - p) / (double)n);
        assert_true(fabs((double)above[k] / (double)n - p) <= 5.0 * sd + 1.0 / (double)n);
    }
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_stream_layout),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_gsl_face),
        cmocka_unit_test(test_neighbour_independence),
        cmocka_unit_test(test_uniformity),
        cmocka_unit_test(test_below_unbiased),
        cmocka_unit_test(test_exponential_through_wrap),
        cmocka_unit_test(test_rng_words),
        cmocka_unit_test(test_exp_ziggurat),
        cmocka_unit_test(test_seek),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
