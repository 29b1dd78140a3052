/*
 * sim_rng.h — counter-based random streams, one per (seed, entity, purpose).
 *
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC'11): the n-th 128-bit block of a stream is a pure function of
 * (key = seed, counter = entity, purpose, n), so a stream needs no stored
 * state between events, any shard/thread/rank can recreate it, and output is
 * independent of how entities are spread over threads.
 *
 * A stream is a 48-byte value on the stack; sim_rng_gsl_wrap() lets every
 * gsl_ran_* distribution draw from it with no allocation.
 *
 * Where many words are needed at once (the DCC's request-level days), a
 * sim_rng_buf computes SIM_RNG_BUF_WORDS words of the same stream per
 * refill, several Philox blocks side by side so the compiler vectorises
 * them; its words are exactly the stream's (tested).  Distributions over
 * both: sim_draw.h.
 *
 * Why a Philox of our own rather than Random123's (Debian librandom123-dev,
 * header-only, the reference implementation of Salmon et al.): evaluated
 * 2026-11 with 1.14.0.  Its philox4x32() gives the same known answers
 * (tests/test_rng.c) and streams would stay bit-identical, but (1) the
 * batched, vectorised refill the DCC's request-level days rely on is not
 * in its API (one block per call), so that loop stays ours either way and
 * the shared part is one ten-line round function; (2) its headers warn
 * under our flags (features/sse.h: -Wstrict-prototypes, an error in CI);
 * (3) it adds a build dependency to every user's install.  Worth revisiting
 * if smsim needs another Random123 generator (Threefry, ARS).
 *
 * Purposes are small model-defined integers; a model that needs a fresh
 * stream per attempt folds the attempt number into the purpose
 * (e.g. purpose | attempt << 8).
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

typedef struct sim_rng_stream {
    uint32_t key[2];     /* seed */
    uint32_t ctr[4];     /* ctr[0] = block index, ctr[1] = purpose, ctr[2..3] = entity */
    uint32_t buf[4];     /* the current output block */
    uint32_t used;       /* words of buf already consumed (4 = empty) */
    uint32_t pad_;
} sim_rng_stream;

/* One Philox4x32-10 block. */
void sim_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Position a stream at the start of (seed, entity, purpose). */
void sim_rng_stream_init(sim_rng_stream *s, uint64_t seed, uint64_t entity, uint32_t purpose);
/* Position the stream at its word `word` (0 = the first): the next
 * sim_rng_u32 returns what the word-th call after init would have. */
void sim_rng_stream_seek(sim_rng_stream *s, uint64_t word);

uint32_t sim_rng_u32(sim_rng_stream *s);
uint64_t sim_rng_u64(sim_rng_stream *s);
/* Uniform on the open interval (0, 1), 53-bit resolution. */
double sim_rng_uniform(sim_rng_stream *s);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t sim_rng_below(sim_rng_stream *s, uint64_t n);

/* ---- batched: the same stream, SIM_RNG_BUF_WORDS words per refill ---------- */
#define SIM_RNG_BUF_WORDS 256
typedef struct sim_rng_buf {
    uint32_t key[2];
    uint32_t ctr[4];                  /* the next block's counter (as sim_rng_stream) */
    uint32_t pos;                     /* words of buf consumed (SIM_RNG_BUF_WORDS = empty) */
    uint32_t buf[SIM_RNG_BUF_WORDS];
} sim_rng_buf;

/* Position a buffer at the start of (seed, entity, purpose). */
void sim_rng_buf_init(sim_rng_buf *b, uint64_t seed, uint64_t entity, uint32_t purpose);
/* The next SIM_RNG_BUF_WORDS words (called by sim_rng_buf_u32 when empty). */
void sim_rng_buf_refill(sim_rng_buf *b);

static inline uint32_t sim_rng_buf_u32(sim_rng_buf *b)
{
    if (b->pos == SIM_RNG_BUF_WORDS)
        sim_rng_buf_refill(b);
    return b->buf[b->pos++];
}

/* The GSL face: a gsl_rng_type whose state is a sim_rng_stream.
 * gsl_rng_alloc(sim_rng_philox) works (gsl_rng_set(r, seed) keys entity 0,
 * purpose 0); sim_rng_gsl_wrap() makes a gsl_rng view of a stream on the
 * stack so gsl_ran_* draws advance that stream. */
extern const gsl_rng_type *sim_rng_philox;
void sim_rng_gsl_wrap(gsl_rng *r, sim_rng_stream *s);
/* Re-key a gsl_rng allocated with sim_rng_philox. */
void sim_rng_gsl_set_stream(gsl_rng *r, uint64_t seed, uint64_t entity, uint32_t purpose);

#endif
