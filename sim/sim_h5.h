/*
 * sim_h5.h — writing one self-describing HDF5 file per run.
 *
 * The file is created under a temporary name (FINAL.tmp.PID.RANDOM, made
 * exclusively: sim_outfile.h) and renamed to its final name only by
 * sim_h5_commit(), after the last byte is flushed and synced, and only if no
 * stop was requested (sim_stop.h): an interrupted or failed run leaves no
 * file under the final name, and sim_h5_abort() removes the temporary one.
 * Every error path closes every HDF5 identifier; a file being discarded is
 * closed with its writes sent to a sink, so that even on a full disk the
 * close succeeds and nothing is left half-open in the library.
 *
 * Datasets follow the netCDF-4 / CF conventions so that
 * xarray.open_dataset(path, group=G) (h5netcdf or netCDF4 engine) decodes
 * them: every dimension is a 1-D coordinate dataset made an HDF5 dimension
 * scale; every variable has its dimension scales attached, plus `units` and
 * `long_name` attributes; times carry units such as "days since 2012-01-01".
 * Series grow along their first (unlimited) dimension, chunked, appended
 * window by window, so memory never grows with run length.
 *
 * Knows nothing of meters: models/ decides what to write.
 */
#ifndef SIM_H5_H
#define SIM_H5_H

#include <stddef.h>
#include <stdint.h>

#include "sim_err.h"

typedef struct sim_h5_file sim_h5_file;
typedef struct sim_h5_series sim_h5_series;

typedef enum sim_h5_type {
    SIM_H5_I32,
    SIM_H5_I64,
    SIM_H5_U8,
    SIM_H5_F32,
    SIM_H5_F64,
} sim_h5_type;

/* Create FINAL.tmp.PID.RANDOM, exclusively, and open exactly that file
 * (registered with sim_stop for removal on a signal).  The final path's
 * directory must exist; the other checks of the target are
 * sim_outfile_check's, made by the caller before.  NULL on failure. */
sim_h5_file *sim_h5_create(const char *final_path, sim_err *err);
/* Flush, close, fsync and rename to the final path; frees f (also on
 * failure, in which case the temporary file is removed).  A stop requested
 * before the rename (sim_stop_requested), or a signal during it, makes it
 * fail with no file. */
int sim_h5_commit(sim_h5_file *f, sim_err *err);
/* Close and remove the temporary file; frees f.  NULL is a no-op. */
void sim_h5_abort(sim_h5_file *f);
const char *sim_h5_tmp_path(const sim_h5_file *f);
/* sim_h5_create for a second file written while the output is open (a
 * checkpoint): its temporary name has its own sim_stop slot. */
sim_h5_file *sim_h5_create_aside(const char *final_path, sim_err *err);
/* The HDF5 file identifier (an hid_t), for writers of raw datasets
 * (sim_ckpt.c); -1 for NULL. */
int64_t sim_h5_file_id(const sim_h5_file *f);

/* Groups: "/rollout", "/dcc/detail" (parents are created as needed). */
int sim_h5_group(sim_h5_file *f, const char *path, sim_err *err);

/* Attributes on a group or dataset given by absolute path ("/" = root). */
int sim_h5_attr_str(sim_h5_file *f, const char *obj, const char *name, const char *value, sim_err *err);
int sim_h5_attr_i64(sim_h5_file *f, const char *obj, const char *name, int64_t value, sim_err *err);
int sim_h5_attr_f64(sim_h5_file *f, const char *obj, const char *name, double value, sim_err *err);

/* Fixed dimensions: a coordinate dataset GROUP/NAME of n labels (variable-
 * length UTF-8 strings) or n numbers, made a dimension scale named NAME. */
int sim_h5_dim_labels(sim_h5_file *f, const char *group, const char *name, size_t n,
                      const char *const *labels, const char *long_name, sim_err *err);
int sim_h5_dim_values(sim_h5_file *f, const char *group, const char *name, size_t n,
                      const double *values, const char *units, const char *long_name, sim_err *err);

/* The unlimited dimension of a group (e.g. "day", units "days since
 * 2012-01-01"): a coordinate series you append to like any other. */
sim_h5_series *sim_h5_dim_unlimited(sim_h5_file *f, const char *group, const char *name,
                                    sim_h5_type type, const char *units, const char *long_name,
                                    sim_err *err);

/* A variable GROUP/NAME of the given type with `rank` dimensions named in
 * dims[] (dimension scales already made in GROUP); dims[0] must be the
 * group's unlimited dimension, the others fixed.  Chunked by chunk_rows rows
 * along dims[0] (0 = a sensible default). */
sim_h5_series *sim_h5_series_create(sim_h5_file *f, const char *group, const char *name,
                                    sim_h5_type type, int rank, const char *const *dims,
                                    size_t chunk_rows, const char *units, const char *long_name,
                                    sim_err *err);
/* Append n_rows rows (each the product of the fixed dimensions, C order),
 * after any rows buffered by sim_h5_series_row. */
int sim_h5_series_append(sim_h5_series *s, size_t n_rows, const void *data, sim_err *err);

/* Buffered daily series: the storage of the series' next row (the product
 * of the fixed dimensions, C order, of the series' type), to be filled
 * before the next call on this series.  Rows are kept a chunk at a time
 * (chunk_rows) and appended when the buffer is full, by
 * sim_h5_series_flush, by sim_h5_flush_rows or at sim_h5_commit, so a model
 * writes one row a day without buffers of its own.  NULL (err set) when
 * memory runs out or the append of a full buffer fails. */
void *sim_h5_series_row(sim_h5_series *s, sim_err *err);
/* Append the rows buffered so far (of one series, or of every series). */
int sim_h5_series_flush(sim_h5_series *s, sim_err *err);
int sim_h5_flush_rows(sim_h5_file *f, sim_err *err);
/* Attribute on the series (e.g. "description"). */
int sim_h5_series_attr_str(sim_h5_series *s, const char *name, const char *value, sim_err *err);
/* Series handles are owned by the file and closed by commit/abort. */

/* Checkpoints: the file's series in creation order, their absolute
 * paths, bytes per row, and every row so far (written and buffered; a
 * malloc'd copy, the caller frees). */
size_t sim_h5_n_series(const sim_h5_file *f);
sim_h5_series *sim_h5_series_at(sim_h5_file *f, size_t i);
const char *sim_h5_series_path(const sim_h5_series *s);
size_t sim_h5_series_row_bytes(const sim_h5_series *s);
int sim_h5_series_read(sim_h5_series *s, unsigned char **data, size_t *n_rows, sim_err *err);

/* A whole fixed-size variable written at once (e.g. a histogram's bin
 * edges, a final per-household table): dims all fixed. */
int sim_h5_write_array(sim_h5_file *f, const char *group, const char *name, sim_h5_type type,
                       int rank, const char *const *dims, const void *data,
                       const char *units, const char *long_name, sim_err *err);

#endif
