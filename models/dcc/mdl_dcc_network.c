/*
 * mdl_dcc_network.c — each region's WAN link on fluid (ordinary) days.
 *
 * A region's hubs share one link of csp.<region>.wan_bytes_per_s, both
 * ways.  On a fluid day the bytes offered in minute m are the lanes' fresh
 * requests times their expected bytes per request (attempts x request size
 * + completions x response size, from the day's fluid result), and the
 * link is a fluid queue: it sends up to capacity x 60 bytes a minute, the
 * rest waits.  A firmware campaign's requests carry its own image
 * (mdl_dcc_offer.fw_n, fw_bytes): their bytes per request are worked out
 * per campaign, and each campaign's bytes are reported.  The link's delay is not fed back into the fluid day's counts;
 * its backlog is part of the fluid day's response times (mdl_dcc_fluidlat.c); on request-level days the link is a
 * FIFO stage in front of the WAN latency (mdl_dcc_detail.c) and delays every
 * request that crosses it.
 * Not for: the DSP and CSP queues.
 */
#include "mdl_dcc_network.h"

#include <string.h>

/* Region r's firmware lane by campaign into in[minute]: each campaign's
 * requests at its image size (the lane's attempts and completions per
 * request), the rest at the service's size; each campaign's bytes into
 * res->campaign_bytes. */
static void campaigns_in(const mdl_dcc_offer *o, mdl_dcc_dayres *res, int r, double *in)
{
    const int s = MDL_DCC_SVC_FIRMWARE;
    double n = res->requests[s][r];
    if (n <= 0)
        return;
    const double *a = o->a + ((size_t)s * MDL_N_REGIONS + (size_t)r) * MDL_DCC_MINUTES;
    double bpr[1 + MDL_DCC_FW_CLASSES];
    for (int k = 0; k <= MDL_DCC_FW_CLASSES; k++) {
        double b = k ? o->fw_bytes[k] : o->req_bytes[s];
        bpr[k] = (res->attempts[s][r] * b + res->completed[s][r] * o->resp_bytes[s]) / n;
    }
    for (int m = 0; m < MDL_DCC_MINUTES; m++) {
        double rest = a[m];
        for (int k = 0; k < MDL_DCC_FW_CLASSES; k++) {
            double c = o->fw_n[k][r][m];
            if (c <= 0)
                continue;
            in[m] += c * bpr[1 + k];
            res->campaign_bytes[k][r] += c * bpr[1 + k];
            rest -= c;
        }
        if (rest > 0)
            in[m] += rest * bpr[0];
    }
}

void mdl_dcc_network_fluid(const mdl_dcc_params *p, const mdl_dcc_offer *o, mdl_dcc_dayres *res)
{
    double bpr[MDL_DCC_N_SERVICES];
    memset(res->campaign_bytes, 0, sizeof res->campaign_bytes);
    for (int r = 0; r < MDL_N_REGIONS; r++) {
        for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
            double n = res->requests[s][r];
            bpr[s] = mdl_dcc_services[s].dsp_only || n <= 0
                         ? 0.0
                         : (res->attempts[s][r] * o->req_bytes[s] + res->completed[s][r] * o->resp_bytes[s]) / n;
        }
        double *in = res->wan_minute_bytes[r];
        memset(in, 0, MDL_DCC_MINUTES * sizeof *in);
        for (int s = 0; s < MDL_DCC_N_SERVICES; s++) {
            if (s == MDL_DCC_SVC_FIRMWARE && o->fw_any) {
                campaigns_in(o, res, r, in);
                continue;
            }
            if (bpr[s] <= 0)
                continue;
            const double *a = o->a + ((size_t)s * MDL_N_REGIONS + (size_t)r) * MDL_DCC_MINUTES;
            for (int m = 0; m < MDL_DCC_MINUTES; m++)
                in[m] += a[m] * bpr[s];
        }
        double cap = p->csp[r].wan_bytes_per_s * 60.0, q = 0, sent_tot = 0;
        for (int m = 0; m < MDL_DCC_MINUTES; m++) {
            q += in[m];
            double sent = cap > 0 && q > cap ? cap : q;
            q -= sent;
            res->wan_minute_bytes[r][m] = sent;
            res->wan_backlog[r][m] = q;
            sent_tot += sent;
        }
        res->wan_bytes[r] = sent_tot;
        res->wan_busy_s[r] = cap > 0 ? sent_tot / p->csp[r].wan_bytes_per_s : 0.0;
    }
}

int mdl_dcc_saturated_minutes(const double *backlog, double threshold)
{
    int n = 0;
    for (int m = 0; m < MDL_DCC_MINUTES; m++)
        n += backlog[m] > threshold;
    return n;
}
