/*
 * sim_rng.c — Philox4x32-10 counter-based streams and their GSL face.
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

static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0];
    uint32_t n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

/* Ten rounds, fully unrolled by the compiler (the loop bound is constant). */
static inline void philox_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(c, k);
    }
    out[0] = c[0];
    out[1] = c[1];
    out[2] = c[2];
    out[3] = c[3];
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
