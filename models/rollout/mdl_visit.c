/*
 * mdl_visit.c — the visit walk (process steps 3.x) and remote commissioning.
 *
 * Each step draws from its own stream, keyed (seed, household,
 * purpose | step << 8 | visit number << 12), so changing one step's
 * probability never shifts another step's numbers, and a revisit draws
 * fresh numbers.  A step's attempt is "duration, then success or failure";
 * with consequence `retry` the installer tries up to 1 + retries times,
 * then treats the failure as `traditional`.
 */
#include "mdl_visit.h"

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "mdl_common.h"

const char *const mdl_cause_names[MDL_N_CAUSES] = {
    "no_access", "refusal", "safety", "wrong_variant", "wan_failure", "han_failure", "other"};

static void step_stream(sim_rng_stream *s, const mdl_visit_env *env, int purpose, int step, unsigned n_visit)
{
    sim_rng_stream_init(s, env->seed, env->id, (uint32_t)purpose | (uint32_t)step << 8 | (n_visit & 0xFFFFFu) << 12);
}

static double draw_minutes(sim_rng_stream *s, double mean, double cv)
{
    if (cv <= 0 || mean <= 0)
        return mean;
    double k = 1.0 / (cv * cv);
    return sim_draw_gamma(s, k, mean / k);
}

/* One step: 1 attempt, or 1 + retries with consequence retry.  Returns 1 on
 * success.  Time of every attempt is added to *minutes. */
static int run_step(const mdl_visit_env *env, unsigned n_visit, int purpose, int step, const mdl_rollout_step *st,
                    double fail_prob, double *minutes)
{
    sim_rng_stream s;
    step_stream(&s, env, purpose, step, n_visit);
    int attempts = 1 + (st->consequence == MDL_CONSEQ_RETRY ? (int)st->retries : 0);
    for (int a = 0; a < attempts; a++) {
        *minutes += draw_minutes(&s, st->minutes, st->minutes_cv);
        if (fail_prob <= 0 || sim_draw_u01(&s) >= fail_prob)
            return 1;   /* a step that cannot fail draws no failure word */
    }
    return 0;
}

/* What a failed step leads to, given its consequence (meters already in). */
static void fail_after_install(mdl_visit_outcome *out, const mdl_rollout_step *st, int cause, mdl_household *h,
                               unsigned fix)
{
    out->cause = cause;
    out->next = st->consequence == MDL_CONSEQ_ABORT ? MDL_NEXT_REBOOK : MDL_NEXT_REVISIT;
    h->fix |= (uint8_t)fix;
}

static int kit_available(const mdl_visit_env *env, int han)
{
    return han == MDL_HAN_DUAL_BAND ? env->dual_band_ok : han == MDL_HAN_ALTERNATIVE ? env->alternative_ok : 1;
}

/* 3.5 (WAN done) HAN, 3.6, 3.4, 3.7, 3.8: everything after the WAN is up.
 * Shared by the visit and remote commissioning. */
static void commission_tail(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out, unsigned nv,
                            int purpose, int equipped, int remote)
{
    const mdl_rollout_visit *v = &env->p->visit;
    int han = mdl_hh_han(h);
    double p_gas = (han != MDL_HAN_24GHZ && equipped) ? v->han_fail_prob_equipped : v->han_fail_prob[han];
    double p_elec = p_gas * v->han_elec_factor;
    int gas_failed = 0;

    if (mdl_hh_elec(h) != MDL_DEV_COMMISSIONED) {
        if (!run_step(env, nv, purpose, MDL_STEP_HAN_ELEC, &v->han, p_elec, &out->minutes)) {
            /* The hub cannot reach the electricity meter: nothing is smart. */
            mdl_hh_set_elec(h, MDL_DEV_TRADITIONAL);
            if (mdl_hh_dual(h) && mdl_hh_gas(h) != MDL_DEV_COMMISSIONED)
                mdl_hh_set_gas(h, MDL_DEV_TRADITIONAL);
            fail_after_install(out, remote ? &(mdl_rollout_step){.consequence = MDL_CONSEQ_TRADITIONAL} : &v->han,
                               MDL_CAUSE_HAN_FAILURE, h, MDL_FIX_HAN);
            return;
        }
    }
    if (mdl_hh_dual(h) && mdl_hh_gas(h) != MDL_DEV_COMMISSIONED) {
        if (!run_step(env, nv, purpose, MDL_STEP_HAN_GAS, &v->han, p_gas, &out->minutes))
            gas_failed = 1;
    }
    if (mdl_hh_hub(h) != MDL_DEV_COMMISSIONED && mdl_hh_hub(h) != MDL_DEV_NOT_JOINED) {
        static const struct { int step; size_t off; } tail[] = {
            {MDL_STEP_CONNECTIVITY, offsetof(mdl_rollout_visit, connectivity)},
            {MDL_STEP_CONFIGURE, offsetof(mdl_rollout_visit, configure)},
            {MDL_STEP_ACCESS_CONTROL, offsetof(mdl_rollout_visit, access_control)},
            {MDL_STEP_INVENTORY, offsetof(mdl_rollout_visit, inventory)},
        };
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
            const mdl_rollout_step *st = (const mdl_rollout_step *)((const char *)v + tail[i].off);
            if (!run_step(env, nv, purpose, tail[i].step, st, st->fail_prob, &out->minutes)) {
                mdl_hh_set_elec(h, MDL_DEV_TRADITIONAL);
                if (mdl_hh_dual(h) && mdl_hh_gas(h) != MDL_DEV_COMMISSIONED)
                    mdl_hh_set_gas(h, MDL_DEV_TRADITIONAL);
                fail_after_install(out, remote ? &(mdl_rollout_step){.consequence = MDL_CONSEQ_TRADITIONAL} : st,
                                   MDL_CAUSE_OTHER, h, MDL_FIX_OTHER);
                return;
            }
            if (tail[i].step == MDL_STEP_CONFIGURE && mdl_hh_smets2(h))
                out->configured = 1;
        }
        /* 3.8 done: the hub is on the DCC (SMETS2) or working on the
         * supplier's own system (SMETS1, not joined to the DCC). */
        if (mdl_hh_smets2(h)) {
            mdl_hh_set_hub(h, MDL_DEV_COMMISSIONED);
            out->hub_on_dcc = 1;
        } else {
            mdl_hh_set_hub(h, MDL_DEV_NOT_JOINED);
        }
    }
    mdl_hh_set_elec(h, MDL_DEV_COMMISSIONED);
    if (mdl_hh_dual(h))
        mdl_hh_set_gas(h, gas_failed ? MDL_DEV_NOT_JOINED : MDL_DEV_COMMISSIONED);
    h->fix = 0;
    if (gas_failed) {
        out->cause = MDL_CAUSE_HAN_FAILURE;
        out->next = MDL_NEXT_REVISIT;
        h->fix |= MDL_FIX_HAN;
    } else {
        out->next = mdl_hh_smets2(h) ? MDL_NEXT_DONE : MDL_NEXT_MIGRATE;
    }
}

/* Before work (process step 3.1): access, refusal on the day, and on a
 * first visit the safety and meter-variant checks; one draw per check, in
 * a fixed order: the four checks are one Philox block, the kit draw (a
 * fifth word) only when needed.  Returns 0 when the visit ends here;
 * *equipped: the installer has the HAN kit the home needs. */
static int before_work(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out, unsigned nv,
                       int *equipped)
{
    const mdl_rollout_visit *v = &env->p->visit;
    sim_rng_stream s;
    step_stream(&s, env, MDL_RNG_VISIT, MDL_STEP_ACCESS, nv);
    double u_access = sim_draw_u01(&s), u_refuse = sim_draw_u01(&s);
    double u_safety = sim_draw_u01(&s), u_variant = sim_draw_u01(&s);
    if (u_access < v->no_access_prob) {
        out->cause = MDL_CAUSE_NO_ACCESS;
        out->next = MDL_NEXT_REBOOK;
        return 0;
    }
    if (u_refuse < v->refusal_on_day_prob) {
        out->cause = MDL_CAUSE_REFUSAL;
        out->next = out->revisit ? MDL_NEXT_REBOOK : MDL_NEXT_RECONTACT;
        return 0;
    }
    *equipped = kit_available(env, mdl_hh_han(h)) && (out->revisit || sim_draw_u01(&s) < v->han_kit_known_prob);
    if (out->revisit)
        return 1;
    if (u_safety < v->safety_abort_prob) {
        out->cause = MDL_CAUSE_SAFETY;
        out->next = MDL_NEXT_REBOOK;
        return 0;
    }
    if (u_variant < v->wrong_variant_prob) {
        out->cause = MDL_CAUSE_WRONG_VARIANT;
        out->next = MDL_NEXT_REBOOK;
        return 0;
    }
    return 1;
}

/* Process step 3.2: exchange the meter(s), capture the opening reading.
 * The step is timed per meter; a failure leaves the old meters (abort). */
static int exchange_meters(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out, unsigned nv)
{
    mdl_rollout_step ex = env->p->visit.exchange;
    ex.minutes *= mdl_hh_dual(h) ? 2.0 : 1.0;
    if (!run_step(env, nv, MDL_RNG_INSTALL, MDL_STEP_EXCHANGE, &ex, ex.fail_prob, &out->minutes)) {
        out->cause = MDL_CAUSE_OTHER;
        out->next = MDL_NEXT_REBOOK;
        return 0;
    }
    mdl_hh_set_elec(h, MDL_DEV_TRADITIONAL);
    out->elec_installed = 1;
    if (mdl_hh_dual(h)) {
        mdl_hh_set_gas(h, MDL_DEV_TRADITIONAL);
        out->gas_installed = 1;
    }
    return 1;
}

/* Process step 3.3: the comms hub (first visit, or a revisit after it
 * failed), then the safety checks. */
static int install_hub(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out, unsigned nv)
{
    const mdl_rollout_visit *v = &env->p->visit;
    if (!run_step(env, nv, MDL_RNG_INSTALL, MDL_STEP_HUB, &v->hub, v->hub.fail_prob, &out->minutes)) {
        fail_after_install(out, &v->hub, MDL_CAUSE_OTHER, h, MDL_FIX_OTHER);
        return 0;
    }
    mdl_hh_set_hub(h, MDL_DEV_TRADITIONAL);
    out->hub_installed = 1;
    if (!run_step(env, nv, MDL_RNG_INSTALL, MDL_STEP_SAFETY, &v->safety, v->safety.fail_prob, &out->minutes)) {
        fail_after_install(out, &v->safety, MDL_CAUSE_SAFETY, h, MDL_FIX_OTHER);
        return 0;
    }
    return 1;
}

/* Process step 3.5: commission the WAN: impossible without coverage
 * (install and leave: the DCC commissions it when coverage arrives);
 * transient failures retried, then left for the hub to reconnect by
 * itself. */
static int commission_wan(const mdl_visit_env *env, const mdl_household *h, mdl_visit_outcome *out, unsigned nv)
{
    const mdl_rollout_visit *v = &env->p->visit;
    if (h->wan_day > env->day) {
        out->minutes += v->wan.minutes;
        out->cause = MDL_CAUSE_WAN_FAILURE;
        out->next = h->wan_day == MDL_DAY_NEVER ? MDL_NEXT_DONE : MDL_NEXT_REMOTE;
        out->remote_day = h->wan_day;
        return 0;
    }
    if (!run_step(env, nv, MDL_RNG_COMMISSION, MDL_STEP_WAN, &v->wan, v->wan.fail_prob, &out->minutes)) {
        out->cause = MDL_CAUSE_WAN_FAILURE;
        if (v->wan.consequence == MDL_CONSEQ_ABORT) {
            out->next = MDL_NEXT_REBOOK;
        } else {
            out->next = MDL_NEXT_REMOTE;
            out->remote_day = env->day + (int32_t)env->p->visit.wan_reconnect_days;
        }
        return 0;
    }
    return 1;
}

void mdl_visit_run(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out)
{
    unsigned nv = h->n_visit++;
    *out = (mdl_visit_outcome){.cause = MDL_CAUSE_NONE, .next = MDL_NEXT_DONE, .remote_day = MDL_DAY_NEVER};
    out->revisit = mdl_hh_elec(h) != MDL_DEV_LEGACY;
    out->minutes = env->p->visit.pre_work_minutes;
    int equipped = 0;
    if (!before_work(env, h, out, nv, &equipped))
        return;
    if (!out->revisit && !exchange_meters(env, h, out, nv))
        return;
    if (mdl_hh_hub(h) == MDL_DEV_LEGACY && !install_hub(env, h, out, nv))
        return;
    if (mdl_hh_hub(h) == MDL_DEV_TRADITIONAL && !commission_wan(env, h, out, nv))
        return;
    commission_tail(env, h, out, nv, MDL_RNG_COMMISSION, equipped, 0);
}

void mdl_visit_remote(const mdl_visit_env *env, mdl_household *h, mdl_visit_outcome *out)
{
    unsigned nv = h->n_visit;   /* remote commissioning names its streams after the last visit */
    *out = (mdl_visit_outcome){.cause = MDL_CAUSE_NONE, .next = MDL_NEXT_DONE, .remote_day = MDL_DAY_NEVER};
    out->revisit = 1;
    commission_tail(env, h, out, nv, MDL_RNG_AFTER, 0, 1);
    out->minutes = 0;
}

int32_t mdl_visit_kit_day(const mdl_rollout_params *p, int64_t start_day, const mdl_household *h, int32_t day)
{
    int han = mdl_hh_han(h);
    int64_t from = han == MDL_HAN_DUAL_BAND     ? p->timetable.dual_band_from - start_day
                   : han == MDL_HAN_ALTERNATIVE ? p->timetable.alternative_han_from - start_day
                                                : day;
    return from > day ? (int32_t)from : day;
}
