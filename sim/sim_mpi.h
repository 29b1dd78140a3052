/*
 * sim_mpi.h — distributed runs: which shards a process owns and the few
 * collectives the boundary between windows needs.
 *
 * With MPI (built with -DSMSIM_MPI) the processes ("ranks") of a run split
 * the scenario's fixed shards into contiguous blocks: rank r owns shards
 * [first, first + count), so concatenating anything in rank order is the
 * same as concatenating it in shard order.  Rank 0 writes the output.
 * Without MPI every call is the trivial one-process case (rank 0 of 1,
 * reductions and gathers return their input), so models call the same API
 * in both builds and a NULL handle means "one process".
 *
 * What the collectives promise (this is what makes the output the same for
 * any rank count):
 *  - sim_mpi_sum_i64 adds integers, which is exact and associative, so the
 *    sum on rank 0 is the one-process sum whatever the reduction tree;
 *  - sim_mpi_gather puts each rank's bytes on rank 0 in rank order.
 * Floating-point values must never be reduced across ranks here: reduce
 * the integer counts and derive ratios afterwards, on rank 0.
 *
 * Every collective must be reached by every rank, also when a rank has
 * already failed locally: a rank that failed still calls the collective
 * (with empty data) and then reports the failure through sim_mpi_agree,
 * which makes every rank leave the run with the same code and message.
 * Not for: what is reduced or gathered (models/ decides), MPI start-up
 * (sim_mpi_start/stop, called once by the program entry).
 */
#ifndef SIM_MPI_H
#define SIM_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

typedef struct sim_mpi sim_mpi;

/* ---- the process (program entry only) ----------------------------------- */
/* MPI_Init / MPI_Finalize in an MPI build; nothing otherwise. */
void sim_mpi_start(int *argc, char ***argv);
void sim_mpi_stop(void);

/* The run's communicator (all processes).  In a build without MPI: a
 * handle for one process. */
sim_mpi *sim_mpi_alloc(sim_err *err);
void sim_mpi_free(sim_mpi *d);          /* NULL is a no-op */

int sim_mpi_rank(const sim_mpi *d);     /* 0 for NULL */
int sim_mpi_size(const sim_mpi *d);     /* 1 for NULL */

/* The contiguous block of n_shards that `rank` of `size` owns: balanced
 * (block sizes differ by at most one), in rank order, possibly empty when
 * size > n_shards.  A pure function, the same on every rank. */
void sim_mpi_block(size_t n_shards, int rank, int size, size_t *first, size_t *count);

/* ---- collectives (every rank must call them, in the same order) -------- */
/* Agree on the outcome of a step: if any rank's rc is non-zero, every rank
 * gets the code and message of the lowest failing rank (copied into err)
 * and returns that code; else 0.  One failure ends the run everywhere and
 * the message is known to rank 0, which prints it once. */
int sim_mpi_agree(const sim_mpi *d, int rc, sim_err *err);

/* v[0..n) summed element-wise over ranks into rank 0's v (other ranks' v
 * are left as they were).  Exact: integers. */
int sim_mpi_sum_i64(sim_mpi *d, int64_t *v, size_t n, sim_err *err);

/* Each rank's `n` bytes at `data`, concatenated in rank order on rank 0:
 * *out and *out_n (valid until the next gather or sim_mpi_free; the
 * buffer is kept and grown by doubling, so steady state allocates
 * nothing).  Other ranks get *out = NULL, *out_n = 0.  A rank with nothing
 * to send (or that failed locally) passes n = 0. */
int sim_mpi_gather(sim_mpi *d, const void *data, size_t n, const void **out, size_t *out_n, sim_err *err);

/* rank 0's n bytes at buf copied into every rank's buf. */
int sim_mpi_bcast(sim_mpi *d, void *buf, size_t n, sim_err *err);

/* A scratch buffer owned by the handle, at least n bytes (kept and grown
 * by doubling), for packing what a rank sends.  NULL if out of memory. */
void *sim_mpi_scratch(sim_mpi *d, size_t n);

#endif
