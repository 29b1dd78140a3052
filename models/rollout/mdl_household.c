/*
 * mdl_household.c — drawing a household's attributes (process step 1.1, identify
 * the customer).  Every household draws from its own stream in a fixed
 * order, so adding households, shards or threads never changes another
 * household's attributes.
 */
#include "mdl_household.h"

#include <math.h>
#include <string.h>

#include "mdl_common.h"
#include "sim_rng.h"

const char *const mdl_hh_state_names[MDL_N_HH_STATES] = {
    "legacy", "engaged", "declined", "smets1", "traditional", "partial", "smart"};

/* Index of the bin of u in cumulative shares (the last bin takes rounding). */
static int pick(const double *shares, size_t n, double u)
{
    double c = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        c += shares[i];
        if (u < c)
            return (int)i;
    }
    return (int)n - 1;
}

void mdl_household_generate(const mdl_rollout_params *p, int64_t start_day, uint64_t seed, uint64_t id,
                            mdl_household *h)
{
    sim_rng_stream s;
    sim_rng_stream_init(&s, seed, id, MDL_RNG_POPULATION);
    const mdl_rollout_population *pop = &p->population;
    memset(h, 0, sizeof *h);

    int region = pick(pop->region_shares, 3, sim_draw_u01(&s));
    int dwelling = pick(pop->dwelling_shares, 3, sim_draw_u01(&s));
    int dual = sim_draw_u01(&s) < pop->dual_fuel_share;
    int prepay = sim_draw_u01(&s) < pop->prepay_share;
    double u = sim_draw_u01(&s);
    int han = u < pop->han_dual_band_share[dwelling] ? MDL_HAN_DUAL_BAND
              : u < pop->han_dual_band_share[dwelling] + pop->han_alternative_share[dwelling] ? MDL_HAN_ALTERNATIVE
                                                                                              : MDL_HAN_24GHZ;
    double shares[MDL_MAX_SUPPLIERS];
    for (size_t i = 0; i < p->n_suppliers; i++)
        shares[i] = p->suppliers[i].share;
    int supplier = pick(shares, p->n_suppliers, sim_draw_u01(&s));

    /* WAN: covered at start; covered from a day uniform over the region's
     * build-out; or never.  One draw decides the class, one the day. */
    const mdl_rollout_wan *w = &p->wan;
    double uc = sim_draw_u01(&s), ud = sim_draw_u01(&s);
    if (uc < w->covered_at_start[region]) {
        h->wan_day = 0;
    } else if (uc < w->covered_final[region]) {
        double d0 = (double)(w->buildout_start[region] - start_day);
        double d1 = (double)(w->buildout_end[region] - start_day);
        double d = floor(d0 + ud * (d1 - d0 + 1));
        if (d < 0)
            d = 0;
        h->wan_day = d >= MDL_DAY_NEVER ? MDL_DAY_NEVER : (uint16_t)d;   /* beyond any run: never */
    } else {
        h->wan_day = MDL_DAY_NEVER;
    }
    h->attrs = mdl_hh_pack_attrs(region, dwelling, dual, prepay, han, supplier);
    h->stage = MDL_HH_LEGACY;
    h->proc = MDL_PROC_LIST;
}
