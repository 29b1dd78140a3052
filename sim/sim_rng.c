/*
 * sim_rng.c — Philox4x32-10 counter-based streams (one word at a time, or
 * batched), and their GSL face.  The one Philox implementation in smsim.
 *
 * A stream is (key = seed, counter = [block, purpose, entity lo, entity hi]);
 * block n of a stream is Philox4x32-10(counter with ctr[0] = n, key), a pure
 * function, so any thread or rank can recreate any entity's draws without
 * stored state.  Each block gives four 32-bit words, consumed in order.
 *
 * ctr[0] is 32 bits: a stream holds 2^32 blocks (2^34 words) before its
 * block index wraps and the stream repeats.  No entity draws anywhere near
 * that many numbers from one (entity, purpose); models that need more fold an
 * attempt number into the purpose.
 *
 * Not for: cryptography (Philox is not a CSPRNG as used here), or global
 * generators: there is no hidden state anywhere in this file.
 */
#include "sim_rng.h"

#include <string.h>

/* Round multipliers and Weyl key increments from Salmon et al., SC'11. */
#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)

/* One round on one block (c0..c3), written on scalars so that the batched
 * refill below, which applies it lane by lane to arrays, vectorises. */
static inline void philox_round(uint32_t *c0, uint32_t *c1, uint32_t *c2, uint32_t *c3, uint32_t k0, uint32_t k1)
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * *c0;
    uint64_t p1 = (uint64_t)PHILOX_M1 * *c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ *c1 ^ k0;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ *c3 ^ k1;
    *c0 = n0;
    *c1 = (uint32_t)p1;
    *c2 = n2;
    *c3 = (uint32_t)p0;
}

/* Ten rounds, fully unrolled by the compiler (the loop bound is constant). */
static inline void philox_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        philox_round(&c0, &c1, &c2, &c3, k0, k1);
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

void sim_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox_block(ctr, key, out);
}

void sim_rng_stream_init(sim_rng_stream *s, uint64_t seed, uint64_t entity, uint32_t purpose)
{
    s->key[0] = (uint32_t)seed;
    s->key[1] = (uint32_t)(seed >> 32);
    s->ctr[0] = 0;
    s->ctr[1] = purpose;
    s->ctr[2] = (uint32_t)entity;
    s->ctr[3] = (uint32_t)(entity >> 32);
    memset(s->buf, 0, sizeof s->buf);
    s->used = 4;
    s->pad_ = 0;
}

void sim_rng_stream_seek(sim_rng_stream *s, uint64_t word)
{
    s->ctr[0] = (uint32_t)(word / 4);
    s->used = 4;
    if (word % 4) {
        philox_block(s->ctr, s->key, s->buf);
        s->ctr[0]++;
        s->used = (uint32_t)(word % 4);
    }
}

uint32_t sim_rng_u32(sim_rng_stream *s)
{
    if (s->used >= 4) {
        philox_block(s->ctr, s->key, s->buf);
        s->ctr[0]++;
        s->used = 0;
    }
    return s->buf[s->used++];
}

uint64_t sim_rng_u64(sim_rng_stream *s)
{
    uint64_t hi = sim_rng_u32(s);
    uint64_t lo = sim_rng_u32(s);
    return hi << 32 | lo;
}

double sim_rng_uniform(sim_rng_stream *s)
{
    /* k * 2^-53 with k in [1, 2^53) is exact and lies in the open (0, 1).
     * k == 0 (probability 2^-53) is redrawn rather than nudged, so the
     * result never rounds to 0 or 1 and stays exactly uniform on the grid. */
    for (;;) {
        uint64_t k = sim_rng_u64(s) >> 11;
        if (k != 0)
            return (double)k * 0x1.0p-53;
    }
}

uint64_t sim_rng_below(sim_rng_stream *s, uint64_t n)
{
    /* Lemire's multiply-shift with rejection (ACM TOMACS 2019): unbiased,
     * and the division happens only on the rare rejection path.  Ranges
     * that fit 32 bits use one word per draw. */
    if (n == 0)
        return 0;   /* contract says n > 0; do something harmless */
    if (n <= UINT64_C(0xffffffff)) {
        uint32_t n32 = (uint32_t)n;
        uint64_t m = (uint64_t)sim_rng_u32(s) * n32;
        uint32_t lo = (uint32_t)m;
        if (lo < n32) {
            uint32_t threshold = (uint32_t)(-n32) % n32;
            while (lo < threshold) {
                m = (uint64_t)sim_rng_u32(s) * n32;
                lo = (uint32_t)m;
            }
        }
        return m >> 32;
    }
    if (n == UINT64_C(0x100000000))
        return sim_rng_u32(s);
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)sim_rng_u64(s) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t threshold = (-n) % n;
        while (lo < threshold) {
            m = (u128)sim_rng_u64(s) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* ---- batched ------------------------------------------------------------ */
void sim_rng_buf_init(sim_rng_buf *b, uint64_t seed, uint64_t entity, uint32_t purpose)
{
    sim_rng_stream s;
    sim_rng_stream_init(&s, seed, entity, purpose);
    memcpy(b->key, s.key, sizeof b->key);
    memcpy(b->ctr, s.ctr, sizeof b->ctr);
    b->pos = SIM_RNG_BUF_WORDS;
}

/* SIM_RNG_BUF_WORDS / 4 blocks at once: the same words as philox_block on
 * counters ctr[0], ctr[0] + 1, ... (ctr[0] wraps, as in a stream), in
 * structure-of-arrays form so that the compiler vectorises the 32x32->64
 * multiplies (one block at a time was a tenth of a DCC detail day).  On
 * x86-64 it is built twice, for the baseline and for AVX2 (twice as many
 * lanes a multiply), and the loader picks the one the CPU runs: the words
 * are the same (integer arithmetic). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
__attribute__((target_clones("avx2", "default")))
#endif
#endif
void sim_rng_buf_refill(sim_rng_buf *b)
{
    enum { NB = SIM_RNG_BUF_WORDS / 4 };
    uint32_t c0[NB], c1[NB], c2[NB], c3[NB];
    for (int i = 0; i < NB; i++) {
        c0[i] = b->ctr[0] + (uint32_t)i;
        c1[i] = b->ctr[1];
        c2[i] = b->ctr[2];
        c3[i] = b->ctr[3];
    }
    uint32_t k0 = b->key[0], k1 = b->key[1];
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        for (int i = 0; i < NB; i++)
            philox_round(&c0[i], &c1[i], &c2[i], &c3[i], k0, k1);
    }
    for (int i = 0; i < NB; i++) {
        b->buf[4 * i] = c0[i];
        b->buf[4 * i + 1] = c1[i];
        b->buf[4 * i + 2] = c2[i];
        b->buf[4 * i + 3] = c3[i];
    }
    b->ctr[0] += NB;
    b->pos = 0;
}

/* ---- the GSL face -------------------------------------------------------- */

static void gsl_philox_set(void *state, unsigned long seed)
{
    sim_rng_stream_init(state, (uint64_t)seed, 0, 0);
}

static unsigned long gsl_philox_get(void *state)
{
    return sim_rng_u32(state);
}

static double gsl_philox_get_double(void *state)
{
    /* 53-bit open-interval uniform: gsl_rng_uniform needs [0, 1) and
     * gsl_rng_uniform_pos (0, 1); both hold, and a wrapped stream's
     * gsl_rng_uniform equals sim_rng_uniform on the same stream. */
    return sim_rng_uniform(state);
}

static const gsl_rng_type philox_type = {
    .name = "smsim-philox4x32",
    .max = UINT32_C(0xffffffff),
    .min = 0,
    .size = sizeof(sim_rng_stream),
    .set = gsl_philox_set,
    .get = gsl_philox_get,
    .get_double = gsl_philox_get_double,
};

const gsl_rng_type *sim_rng_philox = &philox_type;

void sim_rng_gsl_wrap(gsl_rng *r, sim_rng_stream *s)
{
    r->type = &philox_type;
    r->state = s;
}

void sim_rng_gsl_set_stream(gsl_rng *r, uint64_t seed, uint64_t entity, uint32_t purpose)
{
    sim_rng_stream_init(r->state, seed, entity, purpose);
}
