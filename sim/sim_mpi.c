/*
 * sim_mpi.c — ranks, shard blocks and the boundary collectives
 * (sim_mpi.h), over MPI_COMM_WORLD in an MPI build and trivial otherwise.
 *
 * Costs per simulated day on a GB run (thousands of days): one or two
 * small allreduces (sim_mpi_agree), one integer reduce of a few thousand
 * counters and one gather of the day's DCC records (4 bytes each).  That is
 * milliseconds against seconds of simulation, so the collectives favour
 * simplicity (blocking, MPI_COMM_WORLD) over overlap.
 */
#include "sim_mpi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#ifdef SMSIM_MPI
#include <mpi.h>
#endif

#include "sim_vec.h"

struct sim_mpi {
    int rank, size;
    unsigned char *recv;      /* rank 0: the gathered bytes */
    size_t recv_cap;
    unsigned char *scratch;
    size_t scratch_cap;
#ifdef SMSIM_MPI
    MPI_Comm comm;
    uint64_t *counts;         /* [size]: bytes each rank sends in a gather */
    int *icounts, *displs;    /* [size]: the same as MPI wants them */
#endif
};

void sim_mpi_start(int *argc, char ***argv)
{
#ifdef SMSIM_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited)
        MPI_Init(argc, argv);
#else
    (void)argc;
    (void)argv;
#endif
}

void sim_mpi_stop(void)
{
#ifdef SMSIM_MPI
    int inited = 0, finalized = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (inited && !finalized)
        MPI_Finalize();
#endif
}

sim_mpi *sim_mpi_alloc(sim_err *err)
{
    sim_mpi *d = calloc(1, sizeof *d);
    if (!d) {
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (distributed run handle)");
        return NULL;
    }
    d->rank = 0;
    d->size = 1;
#ifdef SMSIM_MPI
    d->comm = MPI_COMM_WORLD;
    MPI_Comm_rank(d->comm, &d->rank);
    MPI_Comm_size(d->comm, &d->size);
    d->counts = calloc((size_t)d->size, sizeof *d->counts);
    d->icounts = calloc((size_t)d->size, sizeof *d->icounts);
    d->displs = calloc((size_t)d->size, sizeof *d->displs);
    if (!d->counts || !d->icounts || !d->displs) {
        int size = d->size;
        sim_mpi_free(d);
        SIM_FAIL(err, SIM_ERUNTIME, "out of memory (distributed run handle, %d ranks)", size);
        return NULL;
    }
#endif
    return d;
}

void sim_mpi_free(sim_mpi *d)
{
    if (!d)
        return;
    free(d->recv);
    free(d->scratch);
#ifdef SMSIM_MPI
    free(d->counts);
    free(d->icounts);
    free(d->displs);
#endif
    free(d);
}

int sim_mpi_rank(const sim_mpi *d) { return d ? d->rank : 0; }
int sim_mpi_size(const sim_mpi *d) { return d ? d->size : 1; }

void sim_mpi_block(size_t n_shards, int rank, int size, size_t *first, size_t *count)
{
    if (size < 1 || rank < 0 || rank >= size) {
        *first = 0;
        *count = size < 1 ? n_shards : 0;
        return;
    }
    /* floor(n * r / size): balanced, contiguous, and the blocks tile [0, n).
     * n <= 2^20 shards and size < 2^31 ranks: the product fits 64 bits. */
    size_t lo = (size_t)((uint64_t)n_shards * (uint64_t)rank / (uint64_t)size);
    size_t hi = (size_t)((uint64_t)n_shards * (uint64_t)(rank + 1) / (uint64_t)size);
    *first = lo;
    *count = hi - lo;
}

static unsigned char *grow(unsigned char **buf, size_t *cap, size_t n)
{
    unsigned char *b = sim_vec_grow(*buf, cap, n, 1, 4096);
    if (b)
        *buf = b;
    return b;
}

void *sim_mpi_scratch(sim_mpi *d, size_t n)
{
    return d ? grow(&d->scratch, &d->scratch_cap, n ? n : 1) : NULL;
}

#ifdef SMSIM_MPI
/* What sim_mpi_agree sends from the failing rank. */
typedef struct agreed_err {
    int code, line;
    char msg[sizeof(((sim_err *)0)->msg)];
} agreed_err;
#endif

int sim_mpi_agree(const sim_mpi *d, int rc, sim_err *err)
{
#ifdef SMSIM_MPI
    if (d && d->size > 1) {
        int mine = rc ? d->rank : d->size, first = d->size;
        MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, d->comm);
        if (first == d->size)
            return SIM_OK;
        agreed_err a;
        memset(&a, 0, sizeof a);
        if (d->rank == first) {
            a.code = rc;
            a.line = err ? err->src_line : 0;
            if (err)
                memcpy(a.msg, err->msg, sizeof a.msg);
            a.msg[sizeof a.msg - 1] = '\0';
        }
        MPI_Bcast(&a, (int)sizeof a, MPI_BYTE, first, d->comm);
        if (err && d->rank != first) {
            err->code = a.code;
            err->src_line = a.line;
            err->src_file = NULL;   /* a pointer into another process */
            memcpy(err->msg, a.msg, sizeof err->msg);
        }
        return a.code ? a.code : SIM_ERUNTIME;
    }
#else
    (void)d;
#endif
    (void)err;
    return rc;
}

int sim_mpi_sum_i64(sim_mpi *d, int64_t *v, size_t n, sim_err *err)
{
#ifdef SMSIM_MPI
    if (d && d->size > 1) {
        /* MPI counts are int: reduce in pieces well below INT_MAX. */
        const size_t piece = (size_t)1 << 26;
        for (size_t at = 0; at < n; at += piece) {
            int k = (int)(n - at < piece ? n - at : piece);
            int mrc = d->rank == 0 ? MPI_Reduce(MPI_IN_PLACE, v + at, k, MPI_INT64_T, MPI_SUM, 0, d->comm)
                                   : MPI_Reduce(v + at, NULL, k, MPI_INT64_T, MPI_SUM, 0, d->comm);
            if (mrc != MPI_SUCCESS)
                return SIM_FAIL(err, SIM_ERUNTIME, "MPI_Reduce failed (code %d)", mrc);
        }
        return SIM_OK;
    }
#else
    (void)d;
#endif
    (void)v;
    (void)n;
    (void)err;
    return SIM_OK;
}

int sim_mpi_bcast(sim_mpi *d, void *buf, size_t n, sim_err *err)
{
#ifdef SMSIM_MPI
    if (d && d->size > 1) {
        if (n > (size_t)INT_MAX)
            return SIM_FAIL(err, SIM_ERUNTIME, "broadcast of %zu bytes: more than MPI allows in one step", n);
        int mrc = MPI_Bcast(buf, (int)n, MPI_BYTE, 0, d->comm);
        if (mrc != MPI_SUCCESS)
            return SIM_FAIL(err, SIM_ERUNTIME, "MPI_Bcast failed (code %d)", mrc);
        return SIM_OK;
    }
#else
    (void)d;
#endif
    (void)buf;
    (void)n;
    (void)err;
    return SIM_OK;
}

int sim_mpi_gather(sim_mpi *d, const void *data, size_t n, const void **out, size_t *out_n, sim_err *err)
{
    *out = NULL;
    *out_n = 0;
#ifdef SMSIM_MPI
    if (d && d->size > 1) {
        /* Every rank learns every count, so all of them take the same
         * decision when the total does not fit an MPI message. */
        uint64_t mine = (uint64_t)n;
        MPI_Allgather(&mine, 1, MPI_UINT64_T, d->counts, 1, MPI_UINT64_T, d->comm);
        uint64_t total = 0;
        for (int r = 0; r < d->size; r++)
            total += d->counts[r];
        if (total > (uint64_t)INT_MAX)
            return SIM_FAIL(err, SIM_ERUNTIME,
                            "gathering %llu bytes to rank 0 in one step: more than MPI allows (%d); "
                            "use more shorter windows or fewer ranks",
                            (unsigned long long)total, INT_MAX);
        int ok = 1;
        if (d->rank == 0) {
            ok = grow(&d->recv, &d->recv_cap, (size_t)total ? (size_t)total : 1) != NULL;
            int at = 0;
            for (int r = 0; r < d->size; r++) {
                d->icounts[r] = (int)d->counts[r];
                d->displs[r] = at;
                at += d->icounts[r];
            }
        }
        /* rank 0 may have failed to make room: say so before anyone sends */
        MPI_Bcast(&ok, 1, MPI_INT, 0, d->comm);
        if (!ok)
            return SIM_FAIL(err, SIM_ERUNTIME, "out of memory on rank 0 gathering %llu bytes",
                            (unsigned long long)total);
        MPI_Gatherv(data, (int)n, MPI_BYTE, d->recv, d->icounts, d->displs, MPI_BYTE, 0, d->comm);
        if (d->rank == 0) {
            *out = d->recv;
            *out_n = (size_t)total;
        }
        return SIM_OK;
    }
#else
    (void)d;
    (void)err;
#endif
    *out = data;
    *out_n = n;
    return SIM_OK;
}
