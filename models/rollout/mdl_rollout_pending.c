/*
 * mdl_rollout_pending.c — the rollout's waiting households: the pending
 * lists (a three-rung ladder of day lists, block lists and a far list, in
 * chunks from a per-shard pool; see mdl_rollout_internal.h for the layout and its
 * invariant) and the growth of the ready FIFOs.  The append fast path is
 * static inline in mdl_rollout_internal.h; here are the slow paths (pool
 * growth, the block turnover) and the invariant check.
 *
 * Not for: what a due household does (mdl_rollout_day.c).
 */
#include <stdlib.h>
#include <string.h>

#include "mdl_rollout_internal.h"
#include "sim_vec.h"

int mdl_rollout_fifo_grow(fifo *f)
{
    uint32_t *a = sim_vec_ring_grow(f->a, &f->cap, f->head, sizeof *a, 64);
    if (!a)
        return -1;
    f->a = a;
    return 0;
}

/* Tests (mdl_rollout_test_move_pool): move the pool to a new block, the
 * old one filled with garbage and freed, as a realloc that moves would;
 * a pointer held into the pool across an append then reads garbage (and
 * ASan reports the use after free). */
static int pool_move(shard_state *sh)
{
    size_t bytes = (size_t)sh->cap_chunks * sizeof *sh->chunks;
    pend_chunk *a = malloc(bytes ? bytes : 1);
    if (!a)
        return -1;
    if (bytes) {
        memcpy(a, sh->chunks, bytes);
        memset(sh->chunks, 0xA5, bytes);
    }
    free(sh->chunks);
    sh->chunks = a;
    return 0;
}

uint32_t mdl_rollout_chunk_alloc(shard_state *sh)
{
    if (sh->r->test_move_pool && pool_move(sh))
        return NO_HH;
    uint32_t c = sh->free_chunk;
    if (c != NO_HH) {
        sh->free_chunk = sh->chunks[c].next;
        if (sh->free_chunk != NO_HH)   /* (the next allocation reads its link) */
            __builtin_prefetch(&sh->chunks[sh->free_chunk], 1);
        return c;
    }
    if (sh->n_chunks == sh->cap_chunks) {
        size_t cap = sh->cap_chunks;
        pend_chunk *a = sh->n_chunks < NO_HH / 2 ? sim_vec_grow(sh->chunks, &cap, (size_t)sh->n_chunks + 1, sizeof *a, 64)
                                                 : NULL;   /* chunk indices stay below NO_HH */
        if (!a)
            return NO_HH;
        sh->bytes += (cap - sh->cap_chunks) * sizeof *a;
        sh->chunks = a;
        sh->cap_chunks = (uint32_t)cap;
    }
    return sh->n_chunks++;
}

#ifdef SIM_DEBUG
#include <stdio.h>
#define PEND_DEBUG_CHECK(sh)                                                       \
    do {                                                                           \
        sim_err e_;                                                                \
        sim_err_clear(&e_);                                                        \
        if (mdl_rollout_pend_check((sh), &e_)) {                                               \
            fprintf(stderr, "smsim: pending-list invariant: %s\n", e_.msg);        \
            abort();                                                               \
        }                                                                          \
    } while (0)
#else
#define PEND_DEBUG_CHECK(sh) ((void)0)
#endif

/* File a detached list's entries again, in its order, freeing its chunks. */
static void refile(shard_state *sh, uint32_t ck)
{
    while (ck != NO_HH) {
        chunk_prefetch(sh, sh->chunks[ck].next);
        for (uint32_t i = 0; i < sh->chunks[ck].n; i++)   /* (appends may move the pool: index, not pointer) */
            pend_file(sh, sh->chunks[ck].e[i]);
        uint32_t nx = sh->chunks[ck].next;
        chunk_free(sh, ck);
        ck = nx;
    }
}

static uint32_t detach(pend_list *l)
{
    uint32_t head = l->head;
    l->head = l->tail = NO_HH;
    return head;
}

void mdl_rollout_pend_new_block(shard_state *sh, int64_t today)
{
    sh->near_lo = today;
    if (today + PEND_NEAR > sh->mid_lo + PEND_MID * PEND_NEAR) {
        /* The mid window is used up: a new one after this block, filled
         * from what is left of the old one (days before the far list's),
         * then from the far list. */
        uint32_t heads[PEND_MID];
        for (int j = 0; j < PEND_MID; j++)
            heads[j] = detach(&sh->mid[j]);
        uint32_t far = detach(&sh->far);
        sh->mid_lo = today + PEND_NEAR;
        for (int j = 0; j < PEND_MID; j++)
            refile(sh, heads[j]);
        refile(sh, far);
    } else {
        for (int j = 0; j < PEND_MID && sh->mid_lo + (int64_t)j * PEND_NEAR < today + PEND_NEAR; j++)
            if (sh->mid[j].head != NO_HH)   /* (blocks before this one were moved when they started) */
                refile(sh, detach(&sh->mid[j]));
    }
    PEND_DEBUG_CHECK(sh);
}

/* The pending pool's invariant (stated where the pool is declared). */
/* Where a list's entries must be due: [lo, hi), and due % PEND_NEAR == day (or day < 0). */
typedef struct due_range { int64_t lo, hi; int day; } due_range;

static int pend_walk(const shard_state *sh, uint32_t head, uint32_t tail, int free_list, uint8_t *owner,
                     uint8_t tag, due_range dr, uint8_t *seen, uint64_t *n_entries, uint64_t *n_wait, sim_err *err)
{
    uint32_t prev = NO_HH, steps = 0;
    for (uint32_t c = head; c != NO_HH; prev = c, c = sh->chunks[c].next) {
        if (c >= sh->n_chunks || ++steps > sh->n_chunks)
            return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending list %u runs past the pool (chunk %u, a cycle?)",
                            sh->index, tag, c);
        if (owner[c])
            return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending chunk %u is in list %u and list %u", sh->index,
                            c, owner[c] - 1u, tag);
        owner[c] = (uint8_t)(tag + 1);
        if (free_list)
            continue;
        const pend_chunk *ck = &sh->chunks[c];
        if (ck->n == 0 || ck->n > PEND_CHUNK || (ck->n < PEND_CHUNK && ck->next != NO_HH))
            return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending chunk %u holds %u entries (not the tail)",
                            sh->index, c, ck->n);
        for (uint32_t i = 0; i < ck->n; i++) {
            const pend_entry *e = &ck->e[i];
            if (e->hh >= sh->n_hh || sh->hh[e->hh].proc != e->proc || (seen[e->hh >> 3] >> (e->hh & 7) & 1))
                return SIM_FAIL(err, SIM_ERUNTIME,
                                "shard %zu: pending entry for household %u (process %u) is stale or duplicated",
                                sh->index, e->hh, e->proc);
            if (e->due < dr.lo || e->due >= dr.hi || (dr.day >= 0 && e->due % PEND_NEAR != dr.day))
                return SIM_FAIL(err, SIM_ERUNTIME,
                                "shard %zu: pending entry for household %u due on day %u is in list %u "
                                "(days [%lld, %lld))",
                                sh->index, e->hh, e->due, tag, (long long)dr.lo, (long long)dr.hi);
            seen[e->hh >> 3] |= (uint8_t)(1u << (e->hh & 7));
            n_wait[e->proc]++;
        }
        *n_entries += ck->n;
    }
    if (!free_list && prev != tail)
        return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending list %u's tail is chunk %u, its last chunk is %u",
                        sh->index, tag, tail, prev);
    return 0;
}

/* The list's own count of its tail chunk's entries is the chunk's. */
static int tail_check(const shard_state *sh, const pend_list *l, unsigned tag, sim_err *err)
{
    if (l->tail != NO_HH && sh->chunks[l->tail].n != l->tail_n)
        return SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending list %u counts %u entries in its tail chunk, "
                        "which holds %u", sh->index, tag, l->tail_n, sh->chunks[l->tail].n);
    return 0;
}

int mdl_rollout_pend_check(const shard_state *sh, sim_err *err)
{
    uint8_t *owner = calloc(sh->n_chunks ? sh->n_chunks : 1, 1);
    uint8_t *seen = calloc(sh->n_hh / 8 + 1, 1);
    uint64_t n_wait[MDL_PROC_DONE + 1] = {0}, n_entries = 0;
    int rc = 0;
    if (!owner || !seen)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "pending check: out of memory");
    int64_t near_hi = sh->near_lo + PEND_NEAR, mid_hi = sh->mid_lo + PEND_MID * PEND_NEAR;
    if (sh->mid_lo > near_hi)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: the mid rung starts on day %lld, after the near block's end %lld",
                      sh->index, (long long)sh->mid_lo, (long long)near_hi);
    for (int d = 0; d < PEND_NEAR && !rc; d++)
        rc = tail_check(sh, &sh->near[d], (unsigned)d, err);
    for (int j = 0; j < PEND_MID && !rc; j++)
        rc = tail_check(sh, &sh->mid[j], (unsigned)(PEND_NEAR + j), err);
    if (!rc)
        rc = tail_check(sh, &sh->far, PEND_NEAR + PEND_MID, err);
    for (int d = 0; d < PEND_NEAR && !rc; d++)
        rc = pend_walk(sh, sh->near[d].head, sh->near[d].tail, 0, owner, (uint8_t)d, (due_range){sh->near_lo, near_hi, d},
                       seen, &n_entries, n_wait, err);
    for (int j = 0; j < PEND_MID && !rc; j++) {
        int64_t lo = sh->mid_lo + (int64_t)j * PEND_NEAR;
        rc = pend_walk(sh, sh->mid[j].head, sh->mid[j].tail, 0, owner, (uint8_t)(PEND_NEAR + j),
                       (due_range){lo > near_hi ? lo : near_hi, lo + PEND_NEAR, -1}, seen, &n_entries, n_wait, err);
    }
    if (!rc)
        rc = pend_walk(sh, sh->far.head, sh->far.tail, 0, owner, PEND_NEAR + PEND_MID,
                       (due_range){mid_hi, INT64_MAX, -1}, seen, &n_entries, n_wait, err);
    if (!rc)
        rc = pend_walk(sh, sh->free_chunk, NO_HH, 1, owner, PEND_NEAR + PEND_MID + 1, (due_range){0, 0, -1}, seen,
                       &n_entries, n_wait, err);
    for (uint32_t c = 0; c < sh->n_chunks && !rc; c++)
        if (!owner[c])
            rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: pending chunk %u is in no list (lost)", sh->index, c);
    if (!rc && n_entries != sh->n_pend)
        rc = SIM_FAIL(err, SIM_ERUNTIME, "shard %zu: %llu pending entries in the lists, %llu filed", sh->index,
                      (unsigned long long)n_entries, (unsigned long long)sh->n_pend);
    /* Households waiting = entries + those in a ready list + those due beyond the run. */
    uint64_t waiting = 0, ready = 0;
    for (size_t k = 0; k < sh->n_hh && !rc; k++)
        waiting += sh->hh[k].proc >= MDL_PROC_WAIT_CONTACT && sh->hh[k].proc <= MDL_PROC_FLEET;
    for (size_t i = 0; i < sh->r->n_sup * 3 && !rc; i++) {
        const sr_state *sr = &sh->sr[i];
        for (size_t k = 0; k < sr->ready_contact.n; k++)
            ready += sh->hh[fifo_at(&sr->ready_contact, k)].proc == MDL_PROC_WAIT_CONTACT;
        for (size_t k = 0; k < sr->ready_book.n; k++)
            ready += sh->hh[fifo_at(&sr->ready_book, k)].proc == MDL_PROC_WAIT_BOOK;
    }
    if (!rc && waiting != n_entries + ready + sh->n_beyond)
        rc = SIM_FAIL(err, SIM_ERUNTIME,
                      "shard %zu: %llu households waiting, but %llu pending entries + %llu ready + %llu beyond the run",
                      sh->index, (unsigned long long)waiting, (unsigned long long)n_entries,
                      (unsigned long long)ready, (unsigned long long)sh->n_beyond);
    free(owner);
    free(seen);
    return rc;
}
