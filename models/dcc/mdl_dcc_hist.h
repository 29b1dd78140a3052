/*
 * mdl_dcc_hist.h — the DCC's mergeable latency histogram.
 *
 * Fixed log-linear bins (HDR-histogram style): 8 equal sub-bins per power
 * of two of the latency in microseconds, from 2^10 us (~1 ms) to 2^37 us
 * (~38 h), plus an underflow and an overflow bin.  Bin widths are at most
 * 1/8 of their lower edge, so a percentile read from the bins is within
 * ~12.5 % of the true value.  Because the bins are fixed, histograms from
 * shards, minutes, days or ranks add exactly (merge = histogram of the
 * union), which a t-digest would not guarantee.  The bin index is a count-
 * leading-zeros and a shift: no log per request.
 * Not for: anything but non-negative latencies.
 */
#ifndef MDL_DCC_HIST_H
#define MDL_DCC_HIST_H

#include <stddef.h>
#include <stdint.h>

#define MDL_DCC_HIST_SUB_BITS 3
#define MDL_DCC_HIST_SUB (1 << MDL_DCC_HIST_SUB_BITS)
#define MDL_DCC_HIST_MIN_OCT 10
#define MDL_DCC_HIST_MAX_OCT 37
#define MDL_DCC_HIST_BINS (2 + (MDL_DCC_HIST_MAX_OCT - MDL_DCC_HIST_MIN_OCT) * MDL_DCC_HIST_SUB)

typedef struct mdl_dcc_hist {
    uint64_t n[MDL_DCC_HIST_BINS];
    uint64_t total;
    double max_s;            /* largest latency added, exact */
} mdl_dcc_hist;

/* Bin of a latency in microseconds (negative counts as 0). */
static inline int mdl_dcc_hist_bin(int64_t us)
{
    if (us < (INT64_C(1) << MDL_DCC_HIST_MIN_OCT))
        return 0;
    int o = 63 - __builtin_clzll((unsigned long long)us);
    if (o >= MDL_DCC_HIST_MAX_OCT)
        return MDL_DCC_HIST_BINS - 1;
    int j = (int)((us >> (o - MDL_DCC_HIST_SUB_BITS)) & (MDL_DCC_HIST_SUB - 1));
    return 1 + (o - MDL_DCC_HIST_MIN_OCT) * MDL_DCC_HIST_SUB + j;
}

/* Bin edges in seconds: bin b holds [lower(b), upper(b)); the overflow
 * bin's upper edge is +infinity. */
double mdl_dcc_hist_lower_s(int bin);
double mdl_dcc_hist_upper_s(int bin);

void mdl_dcc_hist_clear(mdl_dcc_hist *h);
static inline void mdl_dcc_hist_add(mdl_dcc_hist *h, int64_t us)
{
    h->n[mdl_dcc_hist_bin(us)]++;
    h->total++;
    double s = (double)us * 1e-6;
    if (s > h->max_s)
        h->max_s = s;
}
/* into += from (exact). */
void mdl_dcc_hist_merge(mdl_dcc_hist *into, const mdl_dcc_hist *from);
/* The q-quantile (0 < q <= 1), linear within the bin, capped at max_s;
 * NaN when empty.  The 32-bit form serves the per-minute histograms. */
double mdl_dcc_hist_quantile(const mdl_dcc_hist *h, double q);
double mdl_dcc_hist_quantile32(const uint32_t *n, uint64_t total, double max_s, double q);

#endif
