/*
 * sim_ckpt.h — checkpoint files: the model state at a day boundary, in one
 * HDF5 file, and the byte records the models serialise their state into.
 *
 * A record (sim_ckpt_buf) is a flat little-endian byte string built field
 * by field (put_*) and read back in the same order (get_*); a read past
 * its end sets the reader's `bad` flag instead of reading garbage, so a
 * truncated or foreign record is an error, never a crash.  Models write
 * their state LOGICALLY (lists as entries in list order, queues as events
 * in (time, sequence) order), never as the raw memory of a container, so
 * a container's layout may change without changing the file.
 *
 * The file: root attributes `smsim_checkpoint_format` (SIM_CKPT_FORMAT),
 * `smsim_version`, `day` (the last simulated day it holds, 0 = the start
 * date), and any string/integer attributes the caller adds; datasets are
 * 1-D unsigned bytes, contiguous, uncompressed (speed), at any path
 * (parents created as needed).  It is written to a temporary name and
 * renamed when complete (sim_h5_create/sim_h5_commit), so a checkpoint
 * file is either complete or absent.
 *
 * Errors opening or reading a checkpoint are SIM_EINPUT with one line
 * naming the file and what is wrong with it (not HDF5, not a checkpoint,
 * another format, truncated).
 */
#ifndef SIM_CKPT_H
#define SIM_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

/* Raised whenever a model's record changes (2: the DCC's event components
 * carry their alerts past midnight, and the read fleet its leaves; 3: a
 * household's fleet state keeps its move-out day), so an older file is
 * refused by name rather than read as damaged. */
#define SIM_CKPT_FORMAT 3

/* ---- records ------------------------------------------------------------ */
typedef struct sim_ckpt_buf {
    unsigned char *p;
    size_t n, cap;
    size_t pos;      /* reading: next byte */
    int bad;         /* writing: out of memory; reading: past the end or a bad value */
} sim_ckpt_buf;

void sim_ckpt_buf_free(sim_ckpt_buf *b);
/* A reader over n bytes at p (not copied, not freed by sim_ckpt_buf_free). */
sim_ckpt_buf sim_ckpt_reader(const void *p, size_t n);
void sim_ckpt_put(sim_ckpt_buf *b, const void *src, size_t n);
void sim_ckpt_put_u64(sim_ckpt_buf *b, uint64_t v);
void sim_ckpt_put_i64(sim_ckpt_buf *b, int64_t v);
void sim_ckpt_put_f64(sim_ckpt_buf *b, double v);
void sim_ckpt_get(sim_ckpt_buf *b, void *dst, size_t n);
uint64_t sim_ckpt_get_u64(sim_ckpt_buf *b);
int64_t sim_ckpt_get_i64(sim_ckpt_buf *b);
double sim_ckpt_get_f64(sim_ckpt_buf *b);
/* A count that must be at most `max` (sets bad, returns 0, otherwise). */
uint64_t sim_ckpt_get_count(sim_ckpt_buf *b, uint64_t max);

/* ---- files -------------------------------------------------------------- */
typedef struct sim_ckpt_file sim_ckpt_file;

/* Writing: create FINAL through the output file's temporary-name writer. */
sim_ckpt_file *sim_ckpt_create(const char *final_path, const char *version, int64_t day, sim_err *err);
int sim_ckpt_attr_str(sim_ckpt_file *f, const char *name, const char *value, sim_err *err);
int sim_ckpt_attr_i64(sim_ckpt_file *f, const char *name, int64_t value, sim_err *err);
int sim_ckpt_write(sim_ckpt_file *f, const char *path, const void *data, size_t n, sim_err *err);
/* Flush, sync, rename to the final name; frees f (also on failure). */
int sim_ckpt_commit(sim_ckpt_file *f, sim_err *err);
/* Discard (remove the temporary file); frees f.  NULL is a no-op. */
void sim_ckpt_abort(sim_ckpt_file *f);

/* Reading: open and check the format number; *day from the root. */
sim_ckpt_file *sim_ckpt_open(const char *path, int64_t *day, sim_err *err);
/* A root string attribute (malloc'd; the caller frees), or NULL (err set). */
char *sim_ckpt_read_attr_str(sim_ckpt_file *f, const char *name, sim_err *err);
int sim_ckpt_read_attr_i64(sim_ckpt_file *f, const char *name, int64_t *out, sim_err *err);
/* Whether a dataset exists at path. */
int sim_ckpt_has(sim_ckpt_file *f, const char *path);
/* The dataset at path (malloc'd into *data, its size into *n). */
int sim_ckpt_read(sim_ckpt_file *f, const char *path, unsigned char **data, size_t *n, sim_err *err);
/* Paths of every dataset under group `group` (e.g. "/output"), in name
 * order, depth first: a malloc'd array of malloc'd strings (free with
 * sim_ckpt_free_list). */
int sim_ckpt_list(sim_ckpt_file *f, const char *group, char ***paths, size_t *n, sim_err *err);
void sim_ckpt_free_list(char **paths, size_t n);
void sim_ckpt_close(sim_ckpt_file *f);   /* NULL is a no-op */

#endif
