/*
 * sim_draw.h — the distributions models draw from a sim_rng stream or
 * buffer, written for the draw counts of a household-scale simulation:
 *
 *   sim_draw_u01       uniform on the open interval (0, 1), one 32-bit word
 *   sim_draw_gamma     Gamma(shape, scale), Marsaglia and Tsang
 *   sim_draw_exp       Exp(1) by a 256-layer ziggurat, from a sim_rng_buf
 *
 * A model needs no more than 32 bits of a uniform for probabilities and
 * durations: a 32-bit uniform (one word of a Philox block, so a block
 * serves four draws) has resolution 2^-32, far below any probability a
 * scenario can state.  sim_rng_uniform (53 bits) takes two words per draw,
 * and gsl_ran_* reach the stream through GSL's function pointers; these are
 * the same distributions at about half the Philox blocks.  Any other
 * distribution: gsl_ran_* on sim_rng_gsl_wrap().
 */
#ifndef SIM_DRAW_H
#define SIM_DRAW_H

#include <stdint.h>

#include "sim_rng.h"

/* Uniform on the open interval (0, 1) from one word: (w + 1/2) / 2^32. */
static inline double sim_draw_u01_of(uint32_t w) { return ((double)w + 0.5) * 0x1.0p-32; }
static inline double sim_draw_u01(sim_rng_stream *s) { return sim_draw_u01_of(sim_rng_u32(s)); }
static inline double sim_draw_buf_u01(sim_rng_buf *b) { return sim_draw_u01_of(sim_rng_buf_u32(b)); }

/* Gamma(shape, scale), shape > 0: Marsaglia and Tsang (ACM TOMS 26(3),
 * 2000) with GSL's ziggurat normal on the same stream; shape < 1 by the
 * boost Gamma(shape + 1) * U^(1/shape).  Exact; about two words and no log
 * on ~98 % of draws (gsl_ran_gamma: the same method, with a 53-bit uniform
 * and every word through GSL's function pointers). */
double sim_draw_gamma(sim_rng_stream *s, double shape, double scale);

/* ---- Exp(1) by the ziggurat method ------------------------------------------
 * (Marsaglia and Tsang, "The ziggurat method for generating random
 * variables", JSS 2000.)  The density e^-x is covered by 256 layers of equal
 * area v: layer 0 is the base strip [0, X0] x [0, e^-r] whose part beyond r
 * stands for the tail; layer i >= 1 spans [0, X_i] x [e^-X_i, e^-X_{i+1}].
 * A word gives the layer (8 bits) and a position j (24 bits) in it; x =
 * j X_i / 2^24 is accepted at once when it lies under the next layer's edge
 * (~99 %); otherwise the wedge is tested with a second uniform, or the
 * tail drawn as r + Exp(1) (memoryless).  Exact in distribution up to the
 * 24-bit grid (relative step 6e-8); it replaced -log(u) where libm's log
 * was a fifth of the DCC's request-level day.  The tables are the caller's
 * (sim_draw_zig_init once), so there is no hidden state. */
#define SIM_ZIG_N 256
typedef struct sim_draw_zig {
    double w[SIM_ZIG_N];          /* X_i / 2^24 */
    uint32_t k[SIM_ZIG_N];        /* X_{i+1} / X_i * 2^24: below it, accept */
    double f[SIM_ZIG_N + 1];      /* e^-X_i */
    double r;
} sim_draw_zig;

void sim_draw_zig_init(sim_draw_zig *z);
/* The tail and wedge paths (~1 % of draws), out of line. */
double sim_draw_exp_slow_(const sim_draw_zig *z, sim_rng_buf *b, uint32_t i, double x);

static inline double sim_draw_exp(const sim_draw_zig *z, sim_rng_buf *b)
{
    uint32_t u = sim_rng_buf_u32(b);
    uint32_t i = u & (SIM_ZIG_N - 1), j = u >> 8;
    double x = (double)j * z->w[i];
    if (j < z->k[i])
        return x;
    return sim_draw_exp_slow_(z, b, i, x);
}

#endif
