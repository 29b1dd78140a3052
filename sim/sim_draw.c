/*
 * sim_draw.c — the out-of-line parts of sim_draw.h: the gamma draw and the
 * ziggurat's tables and slow paths.
 */
#include "sim_draw.h"

#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

double sim_draw_gamma(sim_rng_stream *s, double shape, double scale)
{
    if (shape < 1.0) {
        double u = sim_draw_u01(s);
        return sim_draw_gamma(s, shape + 1.0, scale) * pow(u, 1.0 / shape);
    }
    /* The normal: GSL's ziggurat (one word, no log, on ~99 % of draws)
     * through a gsl_rng view of the same stream.  A polar-method normal
     * costs a log per draw and made this 2.5x slower. */
    gsl_rng g;
    sim_rng_gsl_wrap(&g, s);
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = gsl_ran_gaussian_ziggurat(&g, 1.0);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = sim_draw_u01(s), x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2)   /* the squeeze: accepts ~98 % without a log */
            return scale * d * v;
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v)))
            return scale * d * v;
    }
}

void sim_draw_zig_init(sim_draw_zig *z)
{
    const double r = 7.69711747013104972, v = 0.0039496598225815571993;   /* 256 layers */
    double X[SIM_ZIG_N + 1];
    X[0] = v / exp(-r);
    X[1] = r;
    for (int i = 1; i < SIM_ZIG_N; i++) {
        double y = exp(-X[i]) + v / X[i];
        X[i + 1] = y >= 1.0 ? 0.0 : -log(y);
    }
    X[SIM_ZIG_N] = 0.0;
    for (int i = 0; i < SIM_ZIG_N; i++) {
        z->w[i] = X[i] * 0x1.0p-24;
        z->k[i] = (uint32_t)(X[i + 1] / X[i] * 16777216.0);
        z->f[i] = exp(-X[i]);
    }
    z->f[SIM_ZIG_N] = 1.0;
    z->r = r;
}

double sim_draw_exp_slow_(const sim_draw_zig *z, sim_rng_buf *b, uint32_t i, double x)
{
    for (;;) {
        if (i == 0)
            return z->r - log(sim_draw_buf_u01(b));
        if (z->f[i] + sim_draw_buf_u01(b) * (z->f[i + 1] - z->f[i]) < exp(-x))
            return x;
        uint32_t u = sim_rng_buf_u32(b), j = u >> 8;
        i = u & (SIM_ZIG_N - 1);
        x = (double)j * z->w[i];
        if (j < z->k[i])
            return x;
    }
}
