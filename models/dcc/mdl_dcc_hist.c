/*
 * mdl_dcc_hist.c — edges, merge and quantiles of the DCC latency histogram
 * (layout and rationale in mdl_dcc_hist.h).
 */
#include "mdl_dcc_hist.h"

#include <math.h>
#include <string.h>

double mdl_dcc_hist_lower_s(int bin)
{
    if (bin <= 0)
        return 0.0;
    if (bin >= MDL_DCC_HIST_BINS - 1)
        return ldexp(1.0, MDL_DCC_HIST_MAX_OCT) * 1e-6;
    int o = MDL_DCC_HIST_MIN_OCT + (bin - 1) / MDL_DCC_HIST_SUB;
    int j = (bin - 1) % MDL_DCC_HIST_SUB;
    return ldexp(1.0 + (double)j / MDL_DCC_HIST_SUB, o) * 1e-6;
}

double mdl_dcc_hist_upper_s(int bin)
{
    if (bin >= MDL_DCC_HIST_BINS - 1)
        return INFINITY;
    return mdl_dcc_hist_lower_s(bin + 1);
}

void mdl_dcc_hist_clear(mdl_dcc_hist *h)
{
    memset(h, 0, sizeof *h);
}

void mdl_dcc_hist_merge(mdl_dcc_hist *into, const mdl_dcc_hist *from)
{
    for (int b = 0; b < MDL_DCC_HIST_BINS; b++)
        into->n[b] += from->n[b];
    into->total += from->total;
    if (from->max_s > into->max_s)
        into->max_s = from->max_s;
}

/* Shared walk: find the bin holding rank ceil(q * total), interpolate. */
static double quantile_walk(const uint64_t *n64, const uint32_t *n32, uint64_t total, double max_s, double q)
{
    if (total == 0)
        return NAN;
    double rank = ceil(q * (double)total);
    if (rank < 1)
        rank = 1;
    double cum = 0;
    for (int b = 0; b < MDL_DCC_HIST_BINS; b++) {
        double c = n64 ? (double)n64[b] : (double)n32[b];
        if (c > 0 && cum + c >= rank) {
            double lo = mdl_dcc_hist_lower_s(b), hi = mdl_dcc_hist_upper_s(b);
            if (hi > max_s)
                hi = max_s;
            if (lo > hi)
                lo = hi;
            double v = lo + (hi - lo) * (rank - cum) / c;
            return v < max_s ? v : max_s;
        }
        cum += c;
    }
    return max_s;
}

double mdl_dcc_hist_quantile(const mdl_dcc_hist *h, double q)
{
    return quantile_walk(h->n, NULL, h->total, h->max_s, q);
}

double mdl_dcc_hist_quantile32(const uint32_t *n, uint64_t total, double max_s, double q)
{
    return quantile_walk(NULL, n, total, max_s, q);
}
