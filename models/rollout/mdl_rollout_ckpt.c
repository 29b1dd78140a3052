/*
 * mdl_rollout_ckpt.c — the rollout's state in a checkpoint, and back.
 *
 * One record per shard (/rollout/shard_NNNNNN), written in shard order,
 * whatever the thread or rank count, and read by whichever process owns
 * the shard on resume (any rank count); one record for the run
 * (/rollout/global: totals so far and the last day's reduced sums, which
 * the fleet totals read).  A shard's record, in order:
 *   the engine's shard (clock, sequence counter, events handled, pending
 *     events in (time, tie-break) order: sim_engine_shard_save);
 *   its households (raw: a household is a plain 16-byte record) and,
 *     with rollout.fleet, their fleet state (6 bytes each);
 *   the current counts (households by state, traditional mode by cause),
 *     the day, the pending-list bookkeeping;
 *   the pending lists LOGICALLY: for each of the PEND_NEAR day lists, the
 *     mid rung's PEND_MID block lists (after the day its window starts)
 *     and the far list, its entries in list order (not the pool's chunks,
 *     so the pool's layout may change without changing the file);
 *   the SMETS1 enrolment queues and carried migration credit;
 *   each (supplier, region): the rest of its work list, its ready FIFOs in
 *     order, the diary ring (day, installers' free minutes, booked jobs),
 *     the open-day bitmap and the carried credits.
 * The day's counters (contacts, visits, ... of the day) are not state: the
 * next day clears them before counting.  Nor are the tables derived from
 * the scenario (workforce factor, working days, tariff days, switching
 * hazard): the resumed run builds them from its own scenario, which is how
 * `--from CKPT --set KEY=VALUE` changes what happens after the checkpoint.
 * Random streams carry no position: each is keyed by (seed, household,
 * purpose, counter) with the counters in the household record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_rollout_internal.h"
#include "sim_ckpt.h"
#include "sim_mpi.h"

#define SHARD_MAGIC UINT64_C(0x31445241485320)   /* " SHARD1" */

/* ---- one shard ------------------------------------------------------------ */
/* Lists l[0..n_l) as one: the count, then the entries in order. */
static void put_lists(sim_ckpt_buf *b, const shard_state *sh, const pend_list *l, size_t n_l)
{
    uint64_t n = 0;
    for (size_t k = 0; k < n_l; k++)
        for (uint32_t c = l[k].head; c != NO_HH; c = sh->chunks[c].next)
            n += sh->chunks[c].n;
    sim_ckpt_put_u64(b, n);
    for (size_t k = 0; k < n_l; k++)
        for (uint32_t c = l[k].head; c != NO_HH; c = sh->chunks[c].next)
            sim_ckpt_put(b, sh->chunks[c].e, sh->chunks[c].n * sizeof(pend_entry));
}

static void put_fifo(sim_ckpt_buf *b, const fifo *f)
{
    sim_ckpt_put_u64(b, f->n);
    for (size_t k = 0; k < f->n; k++) {
        uint32_t v = fifo_at(f, k);
        sim_ckpt_put(b, &v, sizeof v);
    }
}

static void put_sr(sim_ckpt_buf *b, const sr_state *sr)
{
    sim_ckpt_put_f64(b, sr->households);
    sim_ckpt_put_u64(b, sr->list_n);
    sim_ckpt_put_u64(b, sr->list_pos);
    sim_ckpt_put(b, sr->list + sr->list_pos, (sr->list_n - sr->list_pos) * sizeof *sr->list);
    put_fifo(b, &sr->ready_contact);
    put_fifo(b, &sr->ready_book);
    sim_ckpt_put_i64(b, sr->last_open);
    sim_ckpt_put(b, sr->open, sizeof sr->open);
    sim_ckpt_put_f64(b, sr->credit);
    sim_ckpt_put_f64(b, sr->month_credit);
    sim_ckpt_put_i64(b, sr->month_left);
    sim_ckpt_put_i64(b, sr->month_id);
    for (int d = 0; d < RING; d++) {
        const diary *dy = &sr->ring[d];
        sim_ckpt_put_i64(b, dy->day);
        sim_ckpt_put_u64(b, dy->n_inst);
        sim_ckpt_put(b, dy->max_free, sizeof dy->max_free);
        sim_ckpt_put(b, dy->free_min, 2 * (size_t)dy->n_inst * sizeof *dy->free_min);
        sim_ckpt_put_u64(b, dy->n_jobs);
        sim_ckpt_put(b, dy->jobs, dy->n_jobs * sizeof *dy->jobs);
    }
}

int mdl_rollout_ckpt_shard_save(mdl_rollout *r, size_t i, sim_ckpt_buf *b, sim_err *err)
{
    const shard_state *sh = &r->shards[i];
    size_t n_rs = r->n_sup * 3;
    sim_ckpt_put_u64(b, SHARD_MAGIC);
    sim_ckpt_put_u64(b, i);
    sim_ckpt_put_u64(b, sh->n_hh);
    sim_ckpt_put_u64(b, r->n_sup);
    int rc = sim_engine_shard_save(r->eng, i, b, err);
    if (rc)
        return rc;
    sim_ckpt_put(b, sh->hh, sh->n_hh * sizeof *sh->hh);
    sim_ckpt_put_u64(b, sh->fl != NULL);
    if (sh->fl) {
        sim_ckpt_put(b, sh->fl, sh->n_hh * sizeof *sh->fl);
        sim_ckpt_put(b, sh->trad, 3 * TC_N * sizeof *sh->trad);
        for (int c = 0; c < 4; c++)
            put_fifo(b, &sh->mq[c]);
        sim_ckpt_put_f64(b, sh->mig_credit);
    }
    sim_ckpt_put(b, sh->stage, n_rs * MDL_N_HH_STATES * sizeof *sh->stage);
    sim_ckpt_put_i64(b, sh->last_day);
    sim_ckpt_put_i64(b, sh->near_lo);
    sim_ckpt_put_u64(b, sh->n_pend);
    sim_ckpt_put_u64(b, sh->n_beyond);
    for (int d = 0; d < PEND_NEAR; d++)
        put_lists(b, sh, &sh->near[d], 1);
    sim_ckpt_put_i64(b, sh->mid_lo);
    for (int j = 0; j < PEND_MID; j++)
        put_lists(b, sh, &sh->mid[j], 1);
    put_lists(b, sh, &sh->far, 1);
    for (size_t k = 0; k < n_rs; k++)
        put_sr(b, &sh->sr[k]);
    return b->bad ? SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory for shard %zu", i) : SIM_OK;
}

static int get_fifo(sim_ckpt_buf *b, fifo *f)
{
    size_t n = (size_t)sim_ckpt_get_count(b, (b->n - b->pos) / sizeof(uint32_t));
    f->head = f->n = 0;
    for (size_t k = 0; k < n && !b->bad; k++) {
        uint32_t v;
        sim_ckpt_get(b, &v, sizeof v);
        if (fifo_push(f, v))
            return -1;
    }
    return 0;
}

/* Entries of one list, appended to list l (the pool grows as needed). */
/* A list's entries, appended to l. */
static int get_list(sim_ckpt_buf *b, shard_state *sh, pend_list *l, uint64_t *count)
{
    size_t n = (size_t)sim_ckpt_get_count(b, (b->n - b->pos) / sizeof(pend_entry));
    for (size_t k = 0; k < n && !b->bad && !sh->oom; k++) {
        pend_entry e;
        sim_ckpt_get(b, &e, sizeof e);
        if (e.hh >= sh->n_hh) {
            b->bad = 1;
            break;
        }
        pend_append(sh, l, e);
    }
    *count += n;
    return sh->oom ? -1 : 0;
}

static int get_sr(sim_ckpt_buf *b, shard_state *sh, sr_state *sr)
{
    sr->households = sim_ckpt_get_f64(b);
    size_t n = (size_t)sim_ckpt_get_count(b, sh->n_hh);
    size_t pos = (size_t)sim_ckpt_get_count(b, n);
    free(sr->list);
    if (!(sr->list = calloc(n ? n : 1, sizeof *sr->list)))
        return -1;
    sr->list_n = n;
    sr->list_pos = pos;
    sim_ckpt_get(b, sr->list + pos, (n - pos) * sizeof *sr->list);
    if (get_fifo(b, &sr->ready_contact) || get_fifo(b, &sr->ready_book))
        return -1;
    sr->last_open = sim_ckpt_get_i64(b);
    sim_ckpt_get(b, sr->open, sizeof sr->open);
    sr->credit = sim_ckpt_get_f64(b);
    sr->month_credit = sim_ckpt_get_f64(b);
    sr->month_left = sim_ckpt_get_i64(b);
    sr->month_id = sim_ckpt_get_i64(b);
    for (int d = 0; d < RING && !b->bad; d++) {
        diary *dy = &sr->ring[d];
        dy->day = sim_ckpt_get_i64(b);
        uint32_t ni = (uint32_t)sim_ckpt_get_count(b, 60000);
        sim_ckpt_get(b, dy->max_free, sizeof dy->max_free);
        if (ni > dy->cap_inst) {
            uint16_t *a = realloc(dy->free_min, 2 * (size_t)ni * sizeof *a);
            if (!a)
                return -1;
            dy->free_min = a;
            dy->cap_inst = ni;
        }
        dy->n_inst = ni;
        sim_ckpt_get(b, dy->free_min, 2 * (size_t)ni * sizeof *dy->free_min);
        uint32_t nj = (uint32_t)sim_ckpt_get_count(b, (b->n - b->pos) / sizeof(job));
        if (nj > dy->cap_jobs) {
            job *a = realloc(dy->jobs, (size_t)nj * sizeof *a);
            if (!a)
                return -1;
            dy->jobs = a;
            dy->cap_jobs = nj;
        }
        dy->n_jobs = nj;
        sim_ckpt_get(b, dy->jobs, (size_t)nj * sizeof *dy->jobs);
    }
    return 0;
}

/* The fleet part and the counts; 0, -1 out of memory (b->bad: a bad record). */
static int get_counts(sim_ckpt_buf *b, shard_state *sh)
{
    size_t n_rs = sh->r->n_sup * 3;
    if (sim_ckpt_get_u64(b) != (sh->fl != NULL)) {
        b->bad = 1;   /* rollout.fleet differs: refused before (mdl_rollout_ckpt_refused) */
        return 0;
    }
    if (sh->fl) {
        sim_ckpt_get(b, sh->fl, sh->n_hh * sizeof *sh->fl);
        sim_ckpt_get(b, sh->trad, 3 * TC_N * sizeof *sh->trad);
        for (int c = 0; c < 4; c++)
            if (get_fifo(b, &sh->mq[c]))
                return -1;
        sh->mig_credit = sim_ckpt_get_f64(b);
    }
    sim_ckpt_get(b, sh->stage, n_rs * MDL_N_HH_STATES * sizeof *sh->stage);
    sh->last_day = sim_ckpt_get_i64(b);
    sh->near_lo = sim_ckpt_get_i64(b);
    sh->n_pend = sim_ckpt_get_u64(b);
    sh->n_beyond = sim_ckpt_get_u64(b);
    return 0;
}

int mdl_rollout_ckpt_shard_load(mdl_rollout *r, size_t i, sim_ckpt_buf *b, sim_err *err)
{
    shard_state *sh = &r->shards[i];
    if (sim_ckpt_get_u64(b) != SHARD_MAGIC || sim_ckpt_get_u64(b) != i || sim_ckpt_get_u64(b) != sh->n_hh ||
        sim_ckpt_get_u64(b) != r->n_sup)
        return SIM_FAIL(err, SIM_EINPUT, "checkpoint: shard %zu: not this scenario's shard (households, shards or "
                        "suppliers differ)", i);
    int rc = sim_engine_shard_load(r->eng, i, b, err);
    if (rc)
        return rc;
    sim_ckpt_get(b, sh->hh, sh->n_hh * sizeof *sh->hh);
    int oom = get_counts(b, sh);
    uint64_t n = 0;
    for (int d = 0; d < PEND_NEAR && !oom && !b->bad; d++)
        oom = get_list(b, sh, &sh->near[d], &n);
    sh->mid_lo = sim_ckpt_get_i64(b);
    if (sh->mid_lo > sh->near_lo + PEND_NEAR)
        b->bad = 1;   /* (the mid window starts after the current block ends: not a saved state) */
    for (int j = 0; j < PEND_MID && !oom && !b->bad; j++)
        oom = get_list(b, sh, &sh->mid[j], &n);
    if (!oom && !b->bad)
        oom = get_list(b, sh, &sh->far, &n);
    for (size_t k = 0; k < r->n_sup * 3 && !oom && !b->bad; k++)
        oom = get_sr(b, sh, &sh->sr[k]);
    if (oom)
        return SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory restoring shard %zu", i);
    if (b->bad || b->pos != b->n || n != sh->n_pend)
        return SIM_FAIL(err, SIM_EINPUT, "checkpoint: shard %zu: record truncated or damaged", i);
    return SIM_OK;
}

/* ---- the run's record ------------------------------------------------------ */
static void global_save(const mdl_rollout *r, sim_ckpt_buf *b)
{
    sim_ckpt_put_u64(b, r->n_sum);
    sim_ckpt_put(b, r->sum_all, r->n_sum * sizeof *r->sum_all);
    sim_ckpt_put(b, &r->tot, sizeof r->tot);
    sim_ckpt_put(b, r->fleet_tot, sizeof r->fleet_tot);
}

static int global_load(mdl_rollout *r, sim_ckpt_buf *b, sim_err *err)
{
    if (sim_ckpt_get_u64(b) != r->n_sum)
        return SIM_FAIL(err, SIM_EINPUT, "checkpoint: /rollout/global: not this scenario's (suppliers or "
                        "rollout.fleet differ)");
    sim_ckpt_get(b, r->sum_all, r->n_sum * sizeof *r->sum_all);
    sim_ckpt_get(b, &r->tot, sizeof r->tot);
    sim_ckpt_get(b, r->fleet_tot, sizeof r->fleet_tot);
    return b->bad || b->pos != b->n ? SIM_FAIL(err, SIM_EINPUT, "checkpoint: /rollout/global: truncated") : SIM_OK;
}

/* ---- the file ------------------------------------------------------------------ */
/* Every owned shard's record, framed (index, length), in shard order. */
static int pack_owned(mdl_rollout *r, sim_ckpt_buf *all, sim_err *err)
{
    for (size_t i = r->own_first; i < r->own_first + r->own_count; i++) {
        sim_ckpt_buf b = {0};
        int rc = mdl_rollout_ckpt_shard_save(r, i, &b, err);
        sim_ckpt_put_u64(all, i);
        sim_ckpt_put_u64(all, b.n);
        sim_ckpt_put(all, b.p, b.n);
        sim_ckpt_buf_free(&b);
        if (rc)
            return rc;
    }
    return all->bad ? SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory") : SIM_OK;
}

static int write_framed(sim_ckpt_file *f, const unsigned char *p, size_t n, sim_err *err)
{
    sim_ckpt_buf rd = sim_ckpt_reader(p, n);
    while (rd.pos < rd.n) {
        size_t i = (size_t)sim_ckpt_get_u64(&rd);
        size_t len = (size_t)sim_ckpt_get_u64(&rd);
        if (rd.bad || len > rd.n - rd.pos)
            return SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: shard records garbled in the gather");
        char path[64];
        snprintf(path, sizeof path, "/rollout/shard_%06zu", i);
        int rc = sim_ckpt_write(f, path, rd.p + rd.pos, len, err);
        if (rc)
            return rc;
        rd.pos += len;
    }
    return SIM_OK;
}

int mdl_rollout_ckpt_save(mdl_rollout *r, sim_ckpt_file *f, sim_err *err)
{
    int ranks = sim_mpi_size(r->dist);
    int rc = SIM_OK;
    if (ranks <= 1) {   /* one shard at a time: memory for one record only */
        for (size_t i = r->own_first; i < r->own_first + r->own_count && !rc; i++) {
            sim_ckpt_buf b = {0};
            char path[64];
            snprintf(path, sizeof path, "/rollout/shard_%06zu", i);
            if (!(rc = mdl_rollout_ckpt_shard_save(r, i, &b, err)))
                rc = sim_ckpt_write(f, path, b.p, b.n, err);
            sim_ckpt_buf_free(&b);
        }
    } else {   /* every rank's shards to rank 0, in rank (= shard) order */
        sim_ckpt_buf all = {0};
        rc = pack_owned(r, &all, err);
        const void *got;
        size_t got_n;
        int grc = sim_mpi_gather(r->dist, rc ? NULL : all.p, rc ? 0 : all.n, &got, &got_n, err);
        sim_ckpt_buf_free(&all);
        if (!rc)
            rc = grc;
        if (!rc && f)
            rc = write_framed(f, got, got_n, err);
    }
    if (!rc && f) {
        sim_ckpt_buf g = {0};
        global_save(r, &g);
        rc = g.bad ? SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: out of memory")
                   : sim_ckpt_write(f, "/rollout/global", g.p, g.n, err);
        sim_ckpt_buf_free(&g);
    }
    return rc;
}

static int load_one(mdl_rollout *r, sim_ckpt_file *f, size_t i, sim_err *err)
{
    char path[64];
    unsigned char *p;
    size_t n;
    snprintf(path, sizeof path, "/rollout/shard_%06zu", i);
    int rc = sim_ckpt_read(f, path, &p, &n, err);
    if (rc)
        return rc;
    sim_ckpt_buf b = sim_ckpt_reader(p, n);
    rc = mdl_rollout_ckpt_shard_load(r, i, &b, err);
    free(p);
    return rc;
}

mdl_rollout *mdl_rollout_restore(const mdl_scenario *sc, sim_engine *eng, mdl_dcc *dcc, sim_h5_file *h5,
                                 int n_threads, sim_ckpt_file *f, sim_err *err)
{
    mdl_rollout *r = mdl_rollout_alloc_as(sc, eng, dcc, h5, n_threads, 1, err);
    if (!r)
        return NULL;
    int rc = SIM_OK;
    for (size_t i = r->own_first; i < r->own_first + r->own_count && !rc; i++)
        rc = load_one(r, f, i, err);
    if (!rc) {
        unsigned char *p;
        size_t n;
        if (!(rc = sim_ckpt_read(f, "/rollout/global", &p, &n, err))) {
            sim_ckpt_buf b = sim_ckpt_reader(p, n);
            rc = global_load(r, &b, err);
            free(p);
        }
    }
    if (rc) {
        mdl_rollout_free(r);
        return NULL;
    }
    return r;
}
