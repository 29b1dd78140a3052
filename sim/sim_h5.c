/*
 * sim_h5.c — one self-describing HDF5 file per run (see sim_h5.h).
 *
 * What it does: netCDF-4 / CF-shaped layout (coordinate datasets that are
 * dimension scales named after themselves, scales attached to every
 * variable, `units` / `long_name` as variable-length UTF-8 string
 * attributes), extendible chunked series, and the write-to-temporary then
 * rename protocol that keeps a half-written file off the final name.
 * What it does not: decide what is written (models/ does), parallel HDF5
 * (rank 0 writes alone), or reading.
 *
 * Choices and their trade-offs:
 *  - String attributes are variable-length UTF-8 scalars, not fixed-length:
 *    h5py/h5netcdf return a fixed-length string of one byte as raw bytes
 *    (an "S1" char array), so "m" or "%" units would not decode; VL strings
 *    come back as str in h5py, h5netcdf and netCDF4 (as NC_STRING) alike.
 *  - Format bounds are [v1.8, v1.8]: readable by every HDF5 >= 1.8 (and so
 *    every netCDF-4 build), while still allowing creation-order tracking
 *    and dense attribute storage (attributes over 64 KiB, e.g. a long
 *    scenario text, need the 1.8 object header).
 *  - Creation order of links and attributes is tracked and indexed, as
 *    netCDF-C does for the files it writes, so readers list variables in
 *    the order models/ created them.
 *  - Series chunks hold ~128 KiB (SIM_H5_CHUNK_TARGET) of rows and are
 *    shuffled + deflated at level 1: a window appends a row or a few, so a
 *    chunk stays dirty in the chunk cache until full and is compressed once.
 *    Measured (103 MB raw: 20 series of 5110 days x 84 cells appended a row
 *    at a time, plus 72,000 minutes x 60 cells): 0.35-0.54 s and 106 MB
 *    uncompressed, 0.76 s and 20 MB with shuffle+deflate 1 -- ~3 us more
 *    per row appended, a fifth of the disk.  Short series (a 1-D daily count of a few
 *    thousand days) fill only part of their chunk, and compression makes the
 *    unused tail nearly free on disk.
 *  - At commit every series must have as many rows as its unlimited
 *    coordinate: netCDF readers would otherwise pad the short one with fill
 *    values silently, which is a bug in the caller, not data.
 *  - Caller mistakes (unknown dimension, bad name) are reported as
 *    SIM_ERUNTIME: they are programming errors in smsim, not something the
 *    scenario author can fix.
 *  - Beyond the header: setting an attribute that exists replaces it (root
 *    "status" goes incomplete -> complete); sim_h5_dim_* create their group
 *    if missing; a fixed dimension of length 0 is allowed for arrays but not
 *    in a series (HDF5 chunks cannot be empty); fixed arrays over 256 KiB
 *    are chunked and compressed like series.
 *  - HDF5's automatic error printing is switched off (process-wide, it is the
 *    library's own state) and the innermost message of its error stack is
 *    copied into the sim_err instead.
 */
#define _GNU_SOURCE   /* memfd_create */
#include "sim_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_outfile.h"
#include "sim_stop.h"
#include "sim_vec.h"

#include <hdf5.h>
#include <hdf5_hl.h>

/* Longest object path we build ("/group/sub/name"). */
#define SIM_H5_PATH_MAX 1024
/* Most dimensions per variable; netCDF tables rarely exceed 4. */
#define SIM_H5_MAX_RANK 8
/* Target bytes per chunk (the brief: 64-256 KiB). */
#define SIM_H5_CHUNK_TARGET ((size_t)128 * 1024)
/* Fixed arrays larger than this are chunked and compressed, smaller ones
 * stay contiguous (one read, no B-tree). */
#define SIM_H5_ARRAY_CHUNK_ABOVE ((size_t)256 * 1024)
/* HDF5 refuses chunks of 4 GiB or more. */
#define SIM_H5_CHUNK_MAX ((size_t)0xFFFFFFFFu)
/* Deflate level for series and large arrays; 0 turns compression off. */
#ifndef SIM_H5_DEFLATE_LEVEL
#define SIM_H5_DEFLATE_LEVEL 1
#endif

struct sim_h5_series {
    sim_h5_file *file;
    hid_t dset;
    hid_t mem_type;                 /* predefined native type, not owned */
    size_t elem_size;
    int rank;
    hsize_t dims[SIM_H5_MAX_RANK];  /* dims[0] = rows written so far */
    size_t row_elems;               /* product of dims[1..rank-1] */
    int is_coord;                   /* the unlimited coordinate itself */
    char path[SIM_H5_PATH_MAX];     /* absolute dataset path */
    char dim0_path[SIM_H5_PATH_MAX];/* its unlimited coordinate */
    size_t chunk_rows;              /* rows per chunk: also the rows buffered by sim_h5_series_row */
    unsigned char *rows;            /* buffered rows (allocated on first use) */
    size_t n_rows;                  /* rows buffered, not yet appended */
};

struct sim_h5_file {
    hid_t fid;
    int deflate_level;
    char *final_path;
    char *tmp_path;                 /* FINAL.tmp.PID.RANDOM (sim_outfile.h) */
    int tmp_fd;                     /* our descriptor of it (-1: none) */
    int tmp_created;                /* the name exists and is ours */
    dev_t tmp_dev;                  /* what the name must still point at */
    ino_t tmp_ino;
    sim_h5_series **series;         /* owned; pointers stay valid as it grows */
    size_t n_series, cap_series;
    int stop_slot;                  /* sim_stop_own_tmp_slot: 0 the output, 1 a file beside it */
};

/* ---- errors ---------------------------------------------------------------- */

typedef struct h5_detail {
    char text[512];
    int found;
} h5_detail;

/* Walked from the innermost frame outward: the first entry is the most
 * specific ("unable to open file: ... errno = 13, Permission denied"). */
static herr_t h5_detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    h5_detail *d = data;
    (void)n;
    if (!d->found && e && e->desc) {
        snprintf(d->text, sizeof d->text, "%s (in %s)", e->desc,
                 e->func_name ? e->func_name : "?");
        d->found = 1;
    }
    return 0;
}

/* Must be called right after the failing HDF5 call: the next API call
 * clears the error stack. */
static h5_detail h5_detail_now(void)
{
    h5_detail d = {.text = "", .found = 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_detail_cb, &d);
    return d;
}

/* HDF5's low-level messages carry the system error as "errno = N" in a
 * long line; a full disk should read as one. */
static int h5_sys_errno(const h5_detail *d)
{
    const char *p = d->found ? strstr(d->text, "errno = ") : NULL;
    int e = p ? atoi(p + 8) : 0;
    return e > 0 ? e : 0;
}

static int h5_fail(const sim_h5_file *f, sim_err *err, const char *obj, const char *call)
{
    h5_detail d = h5_detail_now();
    int sys = h5_sys_errno(&d);
    if (sys)
        return SIM_FAIL(err, SIM_ERUNTIME, "cannot write %s (temporary %s): %s%s%s failed: %s",
                        f ? f->final_path : "?", f ? f->tmp_path : "?", obj ? obj : "",
                        obj && obj[0] ? ": " : "", call, strerror(sys));
    return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output %s: %s%s%s failed%s%s",
                    f ? f->tmp_path : "?", obj ? obj : "", obj && obj[0] ? ": " : "", call,
                    d.found ? ": " : "", d.text);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int use_fail(const sim_h5_file *f, sim_err *err, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output %s: %s", f ? f->tmp_path : "?", what);
}

/* ---- small helpers ------------------------------------------------------- */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int type_info(sim_h5_type t, hid_t *file_type, hid_t *mem_type, size_t *size)
{
    switch (t) {
    case SIM_H5_I32: *file_type = H5T_STD_I32LE; *mem_type = H5T_NATIVE_INT32; *size = 4; return 0;
    case SIM_H5_I64: *file_type = H5T_STD_I64LE; *mem_type = H5T_NATIVE_INT64; *size = 8; return 0;
    case SIM_H5_U8:  *file_type = H5T_STD_U8LE;  *mem_type = H5T_NATIVE_UINT8; *size = 1; return 0;
    case SIM_H5_F32: *file_type = H5T_IEEE_F32LE; *mem_type = H5T_NATIVE_FLOAT; *size = 4; return 0;
    case SIM_H5_F64: *file_type = H5T_IEEE_F64LE; *mem_type = H5T_NATIVE_DOUBLE; *size = 8; return 0;
    }
    return -1;
}

/* A dataset or attribute name: one path component. */
static int valid_name(const char *name)
{
    return name && name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0 && strlen(name) < 256;
}

/* An absolute group path: "/" or "/a/b" with no empty component. */
static int valid_group(const char *g)
{
    size_t n;
    if (!g || g[0] != '/')
        return 0;
    n = strlen(g);
    if (n == 1)
        return 1;
    if (g[n - 1] == '/' || strstr(g, "//") || n >= SIM_H5_PATH_MAX - 257)
        return 0;
    return strstr(g, "/./") == NULL && strstr(g, "/../") == NULL;
}

static int join_path(const sim_h5_file *f, char out[SIM_H5_PATH_MAX], const char *group,
                     const char *name, sim_err *err)
{
    int n;
    if (!valid_group(group))
        return use_fail(f, err, "bad group path '%s' (want \"/\" or \"/a/b\")",
                        group ? group : "(null)");
    if (!valid_name(name))
        return use_fail(f, err, "bad name '%s' in %s (want a non-empty name without '/')",
                        name ? name : "(null)", group);
    n = snprintf(out, SIM_H5_PATH_MAX, "%s/%s", strcmp(group, "/") == 0 ? "" : group, name);
    if (n < 0 || n >= SIM_H5_PATH_MAX)
        return use_fail(f, err, "path %s/%s is too long", group, name);
    return SIM_OK;
}

static hid_t vlen_utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* Object creation properties shared by groups and datasets: track the
 * order attributes were made in. */
static int set_attr_order(hid_t ocpl)
{
    return H5Pset_attr_creation_order(ocpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
}

/* Create or replace attribute `name` on an open object. */
static int attr_write(const sim_h5_file *f, hid_t obj, const char *obj_path, const char *name,
                      hid_t type, const void *buf, sim_err *err)
{
    hid_t space = H5I_INVALID_HID, aid = H5I_INVALID_HID;
    htri_t exists;
    int rc = SIM_OK;
    char what[SIM_H5_PATH_MAX + 300];

    if (!valid_name(name))
        return use_fail(f, err, "bad attribute name '%s' on %s", name ? name : "(null)", obj_path);
    snprintf(what, sizeof what, "%s attribute %s", obj_path, name);
    exists = H5Aexists(obj, name);
    if (exists < 0)
        return h5_fail(f, err, what, "H5Aexists");
    /* Replacing keeps "status = incomplete" -> "complete" a one-liner. */
    if (exists > 0 && H5Adelete(obj, name) < 0)
        return h5_fail(f, err, what, "H5Adelete");
    space = H5Screate(H5S_SCALAR);
    if (space < 0)
        return h5_fail(f, err, what, "H5Screate");
    aid = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (aid < 0)
        rc = h5_fail(f, err, what, "H5Acreate2");
    else if (H5Awrite(aid, type, buf) < 0)
        rc = h5_fail(f, err, what, "H5Awrite");
    if (aid >= 0)
        H5Aclose(aid);
    H5Sclose(space);
    return rc;
}

static int attr_str_on(const sim_h5_file *f, hid_t obj, const char *obj_path, const char *name,
                       const char *value, sim_err *err)
{
    hid_t t;
    int rc;
    if (!value)
        return use_fail(f, err, "attribute %s on %s: NULL value", name ? name : "(null)", obj_path);
    t = vlen_utf8_type();
    if (t < 0)
        return h5_fail(f, err, obj_path, "H5Tcopy (string type)");
    rc = attr_write(f, obj, obj_path, name, t, &value, err);
    H5Tclose(t);
    return rc;
}

/* `units` and `long_name` when given (NULL = leave out). */
static int attrs_cf(const sim_h5_file *f, hid_t obj, const char *obj_path, const char *units,
                    const char *long_name, sim_err *err)
{
    if (units && attr_str_on(f, obj, obj_path, "units", units, err))
        return err ? err->code : SIM_ERUNTIME;
    if (long_name && attr_str_on(f, obj, obj_path, "long_name", long_name, err))
        return err ? err->code : SIM_ERUNTIME;
    return SIM_OK;
}

static int open_obj(const sim_h5_file *f, const char *path, hid_t *out, sim_err *err)
{
    htri_t ex;
    if (!path || path[0] != '/')
        return use_fail(f, err, "object path '%s' must be absolute", path ? path : "(null)");
    if (strcmp(path, "/") != 0) {
        if (!valid_group(path))
            return use_fail(f, err, "bad object path '%s'", path);
        ex = H5LTpath_valid(f->fid, path, 1);
        if (ex < 0)
            return h5_fail(f, err, path, "H5LTpath_valid");
        if (ex == 0)
            return use_fail(f, err, "no object %s (create it first)", path);
    }
    *out = H5Oopen(f->fid, path, H5P_DEFAULT);
    if (*out < 0)
        return h5_fail(f, err, path, "H5Oopen");
    return SIM_OK;
}

/* Create every missing group along `path`. */
static int ensure_group(sim_h5_file *f, const char *path, sim_err *err)
{
    char prefix[SIM_H5_PATH_MAX];
    size_t n, i;
    int rc = SIM_OK;
    hid_t gcpl;

    if (!valid_group(path))
        return use_fail(f, err, "bad group path '%s' (want \"/\" or \"/a/b\")",
                        path ? path : "(null)");
    n = strlen(path);
    if (n == 1)
        return SIM_OK;
    gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0)
        return h5_fail(f, err, path, "H5Pcreate");
    if (H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        set_attr_order(gcpl) < 0) {
        rc = h5_fail(f, err, path, "H5Pset_link_creation_order");
        H5Pclose(gcpl);
        return rc;
    }
    for (i = 1; i <= n && rc == SIM_OK; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        htri_t ex = H5Lexists(f->fid, prefix, H5P_DEFAULT);
        if (ex < 0) {
            rc = h5_fail(f, err, prefix, "H5Lexists");
        } else if (ex > 0) {
            hid_t o = H5Oopen(f->fid, prefix, H5P_DEFAULT);
            if (o < 0) {
                rc = h5_fail(f, err, prefix, "H5Oopen");
            } else {
                if (H5Iget_type(o) != H5I_GROUP)
                    rc = use_fail(f, err, "%s exists and is not a group", prefix);
                H5Oclose(o);
            }
        } else {
            hid_t g = H5Gcreate2(f->fid, prefix, H5P_DEFAULT, gcpl, H5P_DEFAULT);
            if (g < 0)
                rc = h5_fail(f, err, prefix, "H5Gcreate2");
            else
                H5Gclose(g);
        }
    }
    H5Pclose(gcpl);
    return rc;
}

static int require_absent(const sim_h5_file *f, const char *path, sim_err *err)
{
    htri_t ex = H5Lexists(f->fid, path, H5P_DEFAULT);
    if (ex < 0)
        return h5_fail(f, err, path, "H5Lexists");
    if (ex > 0)
        return use_fail(f, err, "%s already exists", path);
    return SIM_OK;
}

/* A dimension of `group`: its coordinate dataset must be a 1-D scale.
 * Gives its length (current size) and whether it is unlimited. */
static int dim_lookup(const sim_h5_file *f, const char *group, const char *name, hid_t *did,
                      hsize_t *len, int *unlimited, char path[SIM_H5_PATH_MAX], sim_err *err)
{
    hsize_t cur[SIM_H5_MAX_RANK], max[SIM_H5_MAX_RANK];
    hid_t space;
    htri_t ex;
    int nd;

    if (join_path(f, path, group, name, err))
        return err ? err->code : SIM_ERUNTIME;
    ex = H5LTpath_valid(f->fid, path, 1);
    if (ex < 0)
        return h5_fail(f, err, path, "H5LTpath_valid");
    if (ex == 0)
        return use_fail(f, err, "unknown dimension '%s' in group %s (make it with "
                        "sim_h5_dim_labels/_values/_unlimited first)", name, group);
    *did = H5Dopen2(f->fid, path, H5P_DEFAULT);
    if (*did < 0)
        return h5_fail(f, err, path, "H5Dopen2");
    ex = H5DSis_scale(*did);
    if (ex <= 0) {
        int rc = ex < 0 ? h5_fail(f, err, path, "H5DSis_scale")
                        : use_fail(f, err, "%s is not a dimension", path);
        H5Dclose(*did);
        *did = H5I_INVALID_HID;
        return rc;
    }
    space = H5Dget_space(*did);
    nd = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (nd != 1 || H5Sget_simple_extent_dims(space, cur, max) != 1) {
        int rc = use_fail(f, err, "dimension %s is not a 1-D dataset", path);
        if (space >= 0)
            H5Sclose(space);
        H5Dclose(*did);
        *did = H5I_INVALID_HID;
        return rc;
    }
    H5Sclose(space);
    *len = cur[0];
    *unlimited = max[0] == H5S_UNLIMITED;
    return SIM_OK;
}

static size_t default_chunk_rows(size_t row_bytes)
{
    size_t rows = row_bytes ? SIM_H5_CHUNK_TARGET / row_bytes : 1;
    return rows ? rows : 1;
}

/* Chunk, compression and attribute order for an extendible or chunked
 * dataset. */
static hid_t chunked_dcpl(int deflate_level, int rank, const hsize_t *chunk)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return dcpl;
    if (H5Pset_chunk(dcpl, rank, chunk) < 0 || set_attr_order(dcpl) < 0)
        goto fail;
    if (deflate_level > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        /* Shuffle groups the bytes of counters that change slowly; it
         * roughly halves integer series at almost no cost. */
        if (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, (unsigned)deflate_level) < 0)
            goto fail;
    }
    return dcpl;
fail:
    H5Pclose(dcpl);
    return H5I_INVALID_HID;
}

/* Chunk cache big enough for two chunks, so a chunk being filled row by
 * row is never evicted (and re-read, re-compressed) before it is full. */
static hid_t series_dapl(size_t chunk_bytes)
{
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    size_t bytes = 2 * chunk_bytes;
    if (dapl < 0)
        return dapl;
    if (bytes < (size_t)1 << 20)
        bytes = (size_t)1 << 20;
    if (H5Pset_chunk_cache(dapl, 521, bytes, 1.0) < 0) {
        H5Pclose(dapl);
        return H5I_INVALID_HID;
    }
    return dapl;
}

static int register_series(sim_h5_file *f, sim_h5_series *s, sim_err *err)
{
    if (f->n_series == f->cap_series) {
        sim_h5_series **p = sim_vec_grow(f->series, &f->cap_series, f->n_series + 1, sizeof *p, 16);
        if (!p)
            return use_fail(f, err, "out of memory for %zu series", f->n_series + 1);
        f->series = p;
    }
    f->series[f->n_series++] = s;
    return SIM_OK;
}

static void close_all(sim_h5_file *f)
{
    size_t i;
    for (i = 0; i < f->n_series; i++) {
        if (f->series[i]->dset >= 0)
            H5Dclose(f->series[i]->dset);
        free(f->series[i]->rows);
        free(f->series[i]);
    }
    free(f->series);
    f->series = NULL;
    f->n_series = f->cap_series = 0;
    if (f->fid >= 0)
        H5Fclose(f->fid);
    f->fid = H5I_INVALID_HID;
}

static void file_free(sim_h5_file *f)
{
    if (f->tmp_fd >= 0)
        close(f->tmp_fd);
    free(f->final_path);
    free(f->tmp_path);
    free(f);
}

/* ---- file ---------------------------------------------------------------- */

/* Is path (not followed) still the file we created? */
static int is_our_tmp(const sim_h5_file *f, const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == f->tmp_dev &&
           st.st_ino == f->tmp_ino;
}

/* Remove the temporary file, only if the name still means our file. */
static void remove_tmp(sim_h5_file *f)
{
    if (f->tmp_created && is_our_tmp(f, f->tmp_path))
        unlink(f->tmp_path);
    f->tmp_created = 0;
    sim_stop_own_tmp_slot(f->stop_slot, NULL);
}

/* Where writes go when the file is discarded: memory where the process
 * may grow files (a full disk does not reach it), /dev/null under a
 * file-size limit (which applies to memory files too). */
static int discard_sink(void)
{
#ifdef __linux__
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY) {
        int m = memfd_create("smsim-discarded", MFD_CLOEXEC);
        if (m >= 0)
            return m;
    }
#endif
    return open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* Close a file whose contents are being thrown away, so that the close
 * cannot fail: HDF5 flushes on close, and a close that fails (a full
 * disk) leaves the file half-closed in the library, which then crashes in
 * its own shutdown at exit.  So the descriptor HDF5 writes through is
 * first pointed at a sink that accepts the writes. */
static void close_discarding(sim_h5_file *f)
{
    void *handle = NULL;
    hid_t fapl;
    if (f->fid >= 0 && (fapl = H5Fget_access_plist(f->fid)) >= 0) {
        int sec2 = H5Pget_driver(fapl) == H5FD_SEC2;
        H5Pclose(fapl);
        if (sec2 && H5Fget_vfd_handle(f->fid, H5P_DEFAULT, &handle) >= 0 && handle) {
            int sink = discard_sink();
            if (sink >= 0) {
                dup2(sink, *(int *)handle);
                close(sink);
            }
        }
    }
    close_all(f);
}

static sim_h5_file *file_new(const char *final_path, sim_err *err)
{
    size_t n = strlen(final_path) + SIM_OUTFILE_TMP_EXTRA + 1;
    sim_h5_file *f = calloc(1, sizeof *f);
    if (f) {
        f->tmp_fd = -1;
        f->fid = H5I_INVALID_HID;
        f->deflate_level = SIM_H5_DEFLATE_LEVEL;
        f->tmp_path = calloc(1, n);
        f->final_path = dup_str(final_path);
    }
    if (!f || !f->tmp_path || !f->final_path) {
        SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output %s: out of memory", final_path);
        if (f)
            file_free(f);
        return NULL;
    }
    return f;
}

/* The temporary file, created exclusively (sim_outfile.h).  A signal that
 * comes meanwhile is held until the file is registered for removal. */
static int reserve_tmp(sim_h5_file *f, sim_err *err)
{
    struct stat st;
    size_t n = strlen(f->final_path) + SIM_OUTFILE_TMP_EXTRA + 1;
    sim_stop_enter_critical();
    int rc = sim_outfile_create_tmp(f->final_path, f->tmp_path, n, &f->tmp_fd, err);
    if (rc == SIM_OK) {
        f->tmp_created = 1;
        sim_stop_own_tmp_slot(f->stop_slot, f->tmp_path);
    }
    sim_stop_leave_critical();
    if (rc != SIM_OK)
        return rc;
    if (fstat(f->tmp_fd, &st) != 0)
        return use_fail(f, err, "fstat failed: %s", strerror(errno));
    f->tmp_dev = st.st_dev;
    f->tmp_ino = st.st_ino;
    return SIM_OK;
}

static int make_plists(sim_h5_file *f, hid_t *fcpl, hid_t *fapl, sim_err *err)
{
    *fcpl = H5Pcreate(H5P_FILE_CREATE);
    *fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (*fcpl < 0 || *fapl < 0)
        return h5_fail(f, err, "", "H5Pcreate");
    if (H5Pset_link_creation_order(*fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        set_attr_order(*fcpl) < 0)
        return h5_fail(f, err, "", "H5Pset_link_creation_order");
#if H5_VERSION_GE(1, 10, 2)
    if (H5Pset_libver_bounds(*fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0)
#else
    if (H5Pset_libver_bounds(*fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST) < 0)
#endif
        return h5_fail(f, err, "", "H5Pset_libver_bounds");
    /* Closing the file closes whatever is still open in it: commit and
     * abort must really release the file before rename/unlink. */
    if (H5Pset_fclose_degree(*fapl, H5F_CLOSE_STRONG) < 0 || H5Pset_fapl_sec2(*fapl) < 0)
        return h5_fail(f, err, "", "H5Pset_fclose_degree");
    return SIM_OK;
}

/* HDF5 opens the very file reserve_tmp created, through its descriptor's
 * /proc name, so nothing put at the name meanwhile can redirect the
 * writes.  Without /proc, HDF5 creates the name itself, exclusively (a
 * symbolic link planted there makes it fail, not follow).  Either way the
 * file HDF5 writes is checked to be the one registered. */
static hid_t create_exact(sim_h5_file *f, hid_t fcpl, hid_t fapl)
{
    char proc[64];
    struct stat st;
    void *handle = NULL;
    hid_t fid;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->tmp_fd);
    if (stat(proc, &st) == 0 && st.st_dev == f->tmp_dev && st.st_ino == f->tmp_ino) {
        fid = H5Fcreate(proc, H5F_ACC_TRUNC, fcpl, fapl);
    } else {
        remove_tmp(f);
        fid = H5Fcreate(f->tmp_path, H5F_ACC_EXCL, fcpl, fapl);
        if (fid < 0)
            return fid;
        f->tmp_created = 1;
        sim_stop_own_tmp_slot(f->stop_slot, f->tmp_path);
        if (H5Fget_vfd_handle(fid, H5P_DEFAULT, &handle) >= 0 && handle &&
            fstat(*(int *)handle, &st) == 0) {
            f->tmp_dev = st.st_dev;
            f->tmp_ino = st.st_ino;
        }
    }
    if (H5Fget_vfd_handle(fid, H5P_DEFAULT, &handle) < 0 || !handle ||
        fstat(*(int *)handle, &st) != 0 || st.st_dev != f->tmp_dev || st.st_ino != f->tmp_ino) {
        H5Fclose(fid);
        errno = EEXIST;
        return H5I_INVALID_HID;
    }
    return fid;
}

static sim_h5_file *create_in_slot(const char *final_path, int slot, sim_err *err);

sim_h5_file *sim_h5_create(const char *final_path, sim_err *err)
{
    return create_in_slot(final_path, 0, err);
}

sim_h5_file *sim_h5_create_aside(const char *final_path, sim_err *err)
{
    return create_in_slot(final_path, 1, err);
}

int64_t sim_h5_file_id(const sim_h5_file *f) { return f ? (int64_t)f->fid : -1; }

static sim_h5_file *create_in_slot(const char *final_path, int slot, sim_err *err)
{
    sim_h5_file *f;
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;

    if (!final_path || !final_path[0]) {
        SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: empty file name");
        return NULL;
    }
    /* No library shutdown at exit: if a close ever failed despite
     * close_discarding, the shutdown would crash on the half-closed file.
     * (Effective only before HDF5's first use; harmless after.) */
    H5dont_atexit();
    /* Ours to report, not HDF5's to print on stderr. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!(f = file_new(final_path, err)))
        return NULL;
    f->stop_slot = slot;
    if (reserve_tmp(f, err) || make_plists(f, &fcpl, &fapl, err))
        goto fail;
    f->fid = create_exact(f, fcpl, fapl);
    if (f->fid < 0) {
        h5_detail d = h5_detail_now();
        SIM_FAIL(err, SIM_ERUNTIME, "cannot create HDF5 output %s (as %s): H5Fcreate failed%s%s",
                 final_path, f->tmp_path, d.found ? ": " : "", d.found ? d.text : strerror(errno));
        goto fail;
    }
    H5Pclose(fcpl);
    H5Pclose(fapl);
    return f;
fail:
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    close_discarding(f);
    remove_tmp(f);
    file_free(f);
    return NULL;
}

const char *sim_h5_tmp_path(const sim_h5_file *f)
{
    return f ? f->tmp_path : NULL;
}

static const sim_h5_series *find_coord(const sim_h5_file *f, const char *path)
{
    size_t i;
    for (i = 0; i < f->n_series; i++)
        if (f->series[i]->is_coord && strcmp(f->series[i]->path, path) == 0)
            return f->series[i];
    return NULL;
}

/* Make the rename itself durable.  Best effort: some file systems refuse
 * fsync on a directory, and the data is already complete either way. */
static void sync_parent_dir(const char *path)
{
    char dir[SIM_H5_PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    int fd;
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (n == 0) {
        snprintf(dir, sizeof dir, "/");
    } else if (n < sizeof dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    } else {
        return;
    }
    fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Every series as long as its unlimited coordinate (see the header). */
static int check_rows(const sim_h5_file *f, sim_err *err)
{
    for (size_t i = 0; i < f->n_series; i++) {
        const sim_h5_series *s = f->series[i], *c;
        if (s->is_coord)
            continue;
        c = find_coord(f, s->dim0_path);
        if (c && c->dims[0] != s->dims[0])
            return use_fail(f, err, "series %s has %llu rows but its dimension %s has %llu: "
                            "append to both every window", s->path,
                            (unsigned long long)s->dims[0], c->path,
                            (unsigned long long)c->dims[0]);
    }
    return SIM_OK;
}

/* Close a complete file: everything is flushed already, so a failure here
 * is rare; the file is then still released as far as HDF5 allows. */
static int close_complete(sim_h5_file *f, sim_err *err)
{
    int rc = SIM_OK;
    for (size_t i = 0; i < f->n_series; i++) {
        sim_h5_series *s = f->series[i];
        if (H5Dclose(s->dset) < 0 && rc == SIM_OK)
            rc = h5_fail(f, err, s->path, "H5Dclose");
        s->dset = H5I_INVALID_HID;
    }
    if (H5Fclose(f->fid) < 0 && rc == SIM_OK)
        rc = h5_fail(f, err, "", "H5Fclose");
    f->fid = H5I_INVALID_HID;
    /* The data must be on disk before the name says it is complete. */
    if (rc == SIM_OK && fsync(f->tmp_fd) != 0)
        rc = use_fail(f, err, "fsync failed: %s", strerror(errno));
    return rc;
}

/* The rename, the commit point.  A stop request made before it means no
 * file; a signal that comes during it is held, and if one came, the file
 * just renamed is removed again: an interrupted run never leaves a file. */
static int publish(sim_h5_file *f, sim_err *err)
{
    int rc = SIM_OK, sig, renamed = 0;
    sim_stop_enter_critical();
    if ((sig = sim_stop_requested()))
        rc = SIM_FAIL(err, SIM_ERUNTIME, "interrupted (%s) before %s was complete; no output "
                      "written", sim_stop_signame(sig), f->final_path);
    else if (!is_our_tmp(f, f->tmp_path))
        rc = use_fail(f, err, "the temporary file was removed or replaced during the run; "
                      "%s not written", f->final_path);
    else if (rename(f->tmp_path, f->final_path) != 0)
        rc = use_fail(f, err, "rename to %s failed: %s", f->final_path, strerror(errno));
    else if ((renamed = 1) && (sig = sim_stop_held())) {
        if (is_our_tmp(f, f->final_path))
            unlink(f->final_path);
        rc = SIM_FAIL(err, SIM_ERUNTIME, "interrupted (%s) while %s was being renamed; no "
                      "output written", sim_stop_signame(sig), f->final_path);
    }
    if (renamed)
        f->tmp_created = 0;   /* the temporary name is gone */
    sim_stop_own_tmp_slot(f->stop_slot, f->tmp_created ? f->tmp_path : NULL);
    sim_stop_leave_critical();
    return rc;
}

int sim_h5_commit(sim_h5_file *f, sim_err *err)
{
    int rc;
    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: commit of a NULL file");
    rc = sim_h5_flush_rows(f, err);
    if (rc == SIM_OK)
        rc = check_rows(f, err);
    if (rc == SIM_OK && H5Fflush(f->fid, H5F_SCOPE_GLOBAL) < 0)
        rc = h5_fail(f, err, "", "H5Fflush");
    if (rc != SIM_OK)
        close_discarding(f);
    else if ((rc = close_complete(f, err)) == SIM_OK && (rc = publish(f, err)) == SIM_OK)
        sync_parent_dir(f->final_path);
    if (rc != SIM_OK)
        remove_tmp(f);
    close_all(f);
    file_free(f);
    return rc;
}

void sim_h5_abort(sim_h5_file *f)
{
    if (!f)
        return;
    close_discarding(f);
    remove_tmp(f);
    file_free(f);
}

int sim_h5_group(sim_h5_file *f, const char *path, sim_err *err)
{
    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
    return ensure_group(f, path, err);
}

/* ---- attributes ---------------------------------------------------------- */

int sim_h5_attr_str(sim_h5_file *f, const char *obj, const char *name, const char *value,
                    sim_err *err)
{
    hid_t o;
    int rc;
    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
    if (open_obj(f, obj, &o, err))
        return err ? err->code : SIM_ERUNTIME;
    rc = attr_str_on(f, o, obj, name, value, err);
    H5Oclose(o);
    return rc;
}

/* A numeric scalar attribute: file type little-endian, memory type native
 * (HDF5 converts). */
static int attr_scalar(sim_h5_file *f, const char *obj, const char *name, hid_t file_type,
                       const void *value, sim_err *err)
{
    hid_t o;
    int rc;
    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
    if (open_obj(f, obj, &o, err))
        return err ? err->code : SIM_ERUNTIME;
    rc = attr_write(f, o, obj, name, file_type, value, err);
    H5Oclose(o);
    return rc;
}

int sim_h5_attr_i64(sim_h5_file *f, const char *obj, const char *name, int64_t value, sim_err *err)
{
    return attr_scalar(f, obj, name, H5T_STD_I64LE, &value, err);
}

int sim_h5_attr_f64(sim_h5_file *f, const char *obj, const char *name, double value, sim_err *err)
{
    return attr_scalar(f, obj, name, H5T_IEEE_F64LE, &value, err);
}

/* ---- dimensions ---------------------------------------------------------- */

/* Write a finished 1-D coordinate dataset and make it a scale.  Takes
 * ownership of nothing; closes what it opens. */
static int fixed_coord(sim_h5_file *f, const char *group, const char *name, size_t n,
                       hid_t file_type, hid_t mem_type, const void *buf, const char *units,
                       const char *long_name, sim_err *err)
{
    char path[SIM_H5_PATH_MAX];
    hsize_t len = (hsize_t)n;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, did = H5I_INVALID_HID;
    int rc = SIM_OK;

    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
    if (join_path(f, path, group, name, err) || ensure_group(f, group, err) ||
        require_absent(f, path, err))
        return err ? err->code : SIM_ERUNTIME;
    if (n > 0 && !buf)
        return use_fail(f, err, "dimension %s: NULL values", path);
    space = H5Screate_simple(1, &len, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 || set_attr_order(dcpl) < 0) {
        rc = h5_fail(f, err, path, "H5Screate_simple/H5Pcreate");
        goto done;
    }
    did = H5Dcreate2(f->fid, path, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (did < 0) {
        rc = h5_fail(f, err, path, "H5Dcreate2");
        goto done;
    }
    if (n > 0 && H5Dwrite(did, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = h5_fail(f, err, path, "H5Dwrite");
        goto done;
    }
    if (H5DSset_scale(did, name) < 0) {
        rc = h5_fail(f, err, path, "H5DSset_scale");
        goto done;
    }
    rc = attrs_cf(f, did, path, units, long_name, err);
done:
    if (did >= 0)
        H5Dclose(did);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    /* A half-made coordinate would confuse every later lookup. */
    if (rc != SIM_OK && did >= 0)
        H5Ldelete(f->fid, path, H5P_DEFAULT);
    return rc;
}

int sim_h5_dim_labels(sim_h5_file *f, const char *group, const char *name, size_t n,
                      const char *const *labels, const char *long_name, sim_err *err)
{
    hid_t t;
    size_t i;
    int rc;
    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
    for (i = 0; labels && i < n; i++)
        if (!labels[i])
            return use_fail(f, err, "dimension %s/%s: label %zu is NULL", group ? group : "?",
                            name ? name : "?", i);
    t = vlen_utf8_type();
    if (t < 0)
        return h5_fail(f, err, name, "H5Tcopy (string type)");
    rc = fixed_coord(f, group, name, n, t, t, labels, NULL, long_name, err);
    H5Tclose(t);
    return rc;
}

int sim_h5_dim_values(sim_h5_file *f, const char *group, const char *name, size_t n,
                      const double *values, const char *units, const char *long_name, sim_err *err)
{
    return fixed_coord(f, group, name, n, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values, units,
                       long_name, err);
}

/* Shared by the unlimited coordinate and by series: an extendible dataset
 * of `rank` dims, the first unlimited (starting empty), the rest fixed. */
/* Elements in one row of a series (the product of its fixed dimensions),
 * checked to be non-empty and to fit an HDF5 chunk. */
static int row_size(sim_h5_file *f, const char *path, int rank, const hsize_t *fixed, size_t elem, size_t *row_elems,
                    sim_err *err)
{
    size_t n = 1;
    for (int i = 1; i < rank; i++) {
        if (fixed[i] == 0)
            return use_fail(f, err, "%s: dimension %d has length 0 (a series needs non-empty "
                            "fixed dimensions)", path, i);
        if (n > SIZE_MAX / fixed[i])
            return use_fail(f, err, "%s: row size overflows", path);
        n *= (size_t)fixed[i];
    }
    if ((n * elem) / elem != n || n * elem > SIM_H5_CHUNK_MAX)
        return use_fail(f, err, "%s: one row is too large for an HDF5 chunk (< 4 GiB)", path);
    *row_elems = n;
    return SIM_OK;
}

static sim_h5_series *extendible(sim_h5_file *f, const char *path, sim_h5_type type, int rank,
                                 const hsize_t *fixed, size_t chunk_rows, sim_err *err)
{
    hsize_t cur[SIM_H5_MAX_RANK], max[SIM_H5_MAX_RANK], chunk[SIM_H5_MAX_RANK];
    hid_t file_type, mem_type, space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID,
                               dapl = H5I_INVALID_HID;
    size_t elem, row_elems = 1, row_bytes, chunk_bytes;
    sim_h5_series *s = NULL;
    int i;

    if (type_info(type, &file_type, &mem_type, &elem) != 0) {
        use_fail(f, err, "%s: unknown sim_h5_type %d", path, (int)type);
        return NULL;
    }
    if (row_size(f, path, rank, fixed, elem, &row_elems, err) != SIM_OK)
        return NULL;
    row_bytes = row_elems * elem;
    if (chunk_rows == 0)
        chunk_rows = default_chunk_rows(row_bytes);
    if (chunk_rows > SIM_H5_CHUNK_MAX / row_bytes)
        chunk_rows = SIM_H5_CHUNK_MAX / row_bytes;
    chunk_bytes = chunk_rows * row_bytes;
    for (i = 0; i < rank; i++) {
        cur[i] = i ? fixed[i] : 0;
        max[i] = i ? fixed[i] : H5S_UNLIMITED;
        chunk[i] = i ? fixed[i] : (hsize_t)chunk_rows;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        use_fail(f, err, "%s: out of memory", path);
        return NULL;
    }
    s->file = f;
    s->dset = H5I_INVALID_HID;
    s->mem_type = mem_type;
    s->elem_size = elem;
    s->rank = rank;
    memcpy(s->dims, cur, (size_t)rank * sizeof cur[0]);
    s->row_elems = row_elems;
    s->chunk_rows = chunk_rows;
    snprintf(s->path, sizeof s->path, "%s", path);

    space = H5Screate_simple(rank, cur, max);
    if (space < 0) {
        h5_fail(f, err, path, "H5Screate_simple");
        goto fail;
    }
    dcpl = chunked_dcpl(f->deflate_level, rank, chunk);
    if (dcpl < 0) {
        h5_fail(f, err, path, "H5Pset_chunk/H5Pset_deflate");
        goto fail;
    }
    dapl = series_dapl(chunk_bytes);
    if (dapl < 0) {
        h5_fail(f, err, path, "H5Pset_chunk_cache");
        goto fail;
    }
    s->dset = H5Dcreate2(f->fid, path, file_type, space, H5P_DEFAULT, dcpl, dapl);
    if (s->dset < 0) {
        h5_fail(f, err, path, "H5Dcreate2");
        goto fail;
    }
    H5Sclose(space);
    H5Pclose(dcpl);
    H5Pclose(dapl);
    return s;
fail:
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (dapl >= 0)
        H5Pclose(dapl);
    free(s);
    return NULL;
}

/* Undo a series whose dataset exists but whose set-up failed later. */
static void discard(sim_h5_file *f, sim_h5_series *s)
{
    H5Dclose(s->dset);
    H5Ldelete(f->fid, s->path, H5P_DEFAULT);
    free(s);
}

sim_h5_series *sim_h5_dim_unlimited(sim_h5_file *f, const char *group, const char *name,
                                    sim_h5_type type, const char *units, const char *long_name,
                                    sim_err *err)
{
    char path[SIM_H5_PATH_MAX];
    hsize_t none[1] = {0};
    sim_h5_series *s;

    if (!f) {
        SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
        return NULL;
    }
    if (join_path(f, path, group, name, err) || ensure_group(f, group, err) ||
        require_absent(f, path, err))
        return NULL;
    s = extendible(f, path, type, 1, none, 0, err);
    if (!s)
        return NULL;
    s->is_coord = 1;
    snprintf(s->dim0_path, sizeof s->dim0_path, "%s", path);
    if (H5DSset_scale(s->dset, name) < 0) {
        h5_fail(f, err, path, "H5DSset_scale");
        discard(f, s);
        return NULL;
    }
    if (attrs_cf(f, s->dset, path, units, long_name, err) || register_series(f, s, err)) {
        discard(f, s);
        return NULL;
    }
    return s;
}

/* Before deleting a variable that failed half way: a scale's
 * REFERENCE_LIST must not point at a dataset that is gone. */
static void detach_dims(hid_t did, int n, const hid_t *dim_ids)
{
    int i;
    for (i = 0; i < n; i++)
        H5DSdetach_scale(did, dim_ids[i], (unsigned)i);
}

/* Attach the scales of dims[] to dataset `did` (path for messages); on
 * failure nothing stays attached. */
static int attach_dims(sim_h5_file *f, hid_t did, const char *path, int rank, const hid_t *dim_ids,
                       sim_err *err)
{
    int i, rc;
    for (i = 0; i < rank; i++)
        if (H5DSattach_scale(did, dim_ids[i], (unsigned)i) < 0) {
            rc = h5_fail(f, err, path, "H5DSattach_scale");
            detach_dims(did, i, dim_ids);
            return rc;
        }
    return SIM_OK;
}

/* Look up every dimension in dims[]: dims[0] unlimited if want_unlimited0,
 * all others fixed.  Opens dim_ids[0..rank-1] (caller closes). */
static int lookup_dims(sim_h5_file *f, const char *group, const char *var, int rank,
                       const char *const *dims, int want_unlimited0, hid_t *dim_ids, hsize_t *len,
                       char dim0_path[SIM_H5_PATH_MAX], sim_err *err)
{
    char path[SIM_H5_PATH_MAX];
    int i, j, unl = 0;

    if (rank < 1 || rank > SIM_H5_MAX_RANK)
        return use_fail(f, err, "%s/%s: rank %d (allowed 1..%d)", group ? group : "?",
                        var ? var : "?", rank, SIM_H5_MAX_RANK);
    if (!dims)
        return use_fail(f, err, "%s/%s: NULL dims", group ? group : "?", var ? var : "?");
    for (i = 0; i < rank; i++)
        dim_ids[i] = H5I_INVALID_HID;
    for (i = 0; i < rank; i++) {
        for (j = 0; j < i; j++)
            if (dims[j] && dims[i] && strcmp(dims[j], dims[i]) == 0) {
                use_fail(f, err, "%s/%s: dimension '%s' repeated", group, var, dims[i]);
                goto fail;
            }
        if (dim_lookup(f, group, dims[i], &dim_ids[i], &len[i], &unl, path, err))
            goto fail;
        if (i == 0 && want_unlimited0 && !unl) {
            use_fail(f, err, "%s/%s: first dimension '%s' must be the unlimited one "
                     "(sim_h5_dim_unlimited)", group, var, dims[0]);
            goto fail;
        }
        if ((i > 0 || !want_unlimited0) && unl) {
            use_fail(f, err, "%s/%s: dimension '%s' is unlimited; only the first dimension "
                     "of a series may be", group, var, dims[i]);
            goto fail;
        }
        if (i == 0)
            snprintf(dim0_path, SIM_H5_PATH_MAX, "%s", path);
    }
    return SIM_OK;
fail:
    for (i = 0; i < rank; i++)
        if (dim_ids[i] >= 0)
            H5Dclose(dim_ids[i]);
    return err ? err->code : SIM_ERUNTIME;
}

sim_h5_series *sim_h5_series_create(sim_h5_file *f, const char *group, const char *name,
                                    sim_h5_type type, int rank, const char *const *dims,
                                    size_t chunk_rows, const char *units, const char *long_name,
                                    sim_err *err)
{
    char path[SIM_H5_PATH_MAX], dim0[SIM_H5_PATH_MAX];
    hid_t dim_ids[SIM_H5_MAX_RANK];
    hsize_t len[SIM_H5_MAX_RANK];
    sim_h5_series *s = NULL;
    int i;

    if (!f) {
        SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
        return NULL;
    }
    if (join_path(f, path, group, name, err) || require_absent(f, path, err))
        return NULL;
    if (lookup_dims(f, group, name, rank, dims, 1, dim_ids, len, dim0, err))
        return NULL;
    s = extendible(f, path, type, rank, len, chunk_rows, err);
    if (s) {
        snprintf(s->dim0_path, sizeof s->dim0_path, "%s", dim0);
        if (attach_dims(f, s->dset, path, rank, dim_ids, err)) {
            discard(f, s);
            s = NULL;
        } else if (attrs_cf(f, s->dset, path, units, long_name, err) ||
                   register_series(f, s, err)) {
            detach_dims(s->dset, rank, dim_ids);
            discard(f, s);
            s = NULL;
        }
    }
    for (i = 0; i < rank; i++)
        H5Dclose(dim_ids[i]);
    return s;
}

static int append_rows(sim_h5_series *s, size_t n_rows, const void *data, sim_err *err);

int sim_h5_series_append(sim_h5_series *s, size_t n_rows, const void *data, sim_err *err)
{
    if (s && s->n_rows) {   /* rows buffered by sim_h5_series_row go first */
        int rc = sim_h5_series_flush(s, err);
        if (rc)
            return rc;
    }
    return append_rows(s, n_rows, data, err);
}

/* ---- buffered rows ------------------------------------------------------- */
void *sim_h5_series_row(sim_h5_series *s, sim_err *err)
{
    if (!s) {
        SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: row of a NULL series");
        return NULL;
    }
    size_t row_bytes = s->row_elems * s->elem_size;
    if (!s->rows) {
        s->rows = malloc(s->chunk_rows * row_bytes);
        if (!s->rows) {
            use_fail(s->file, err, "%s: out of memory for %zu buffered rows", s->path, s->chunk_rows);
            return NULL;
        }
    }
    if (s->n_rows == s->chunk_rows && sim_h5_series_flush(s, err))
        return NULL;
    return s->rows + row_bytes * s->n_rows++;
}

int sim_h5_series_flush(sim_h5_series *s, sim_err *err)
{
    if (!s || !s->n_rows)
        return SIM_OK;
    size_t n = s->n_rows;
    s->n_rows = 0;
    return append_rows(s, n, s->rows, err);
}

int sim_h5_flush_rows(sim_h5_file *f, sim_err *err)
{
    for (size_t i = 0; i < f->n_series; i++) {
        int rc = sim_h5_series_flush(f->series[i], err);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int append_rows(sim_h5_series *s, size_t n_rows, const void *data, sim_err *err)
{
    hsize_t start[SIM_H5_MAX_RANK] = {0}, count[SIM_H5_MAX_RANK], grown[SIM_H5_MAX_RANK];
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    sim_h5_file *f;
    int rc = SIM_OK, i;

    if (!s)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: append to a NULL series");
    if (n_rows == 0)
        return SIM_OK;
    f = s->file;
    if (!data)
        return use_fail(f, err, "%s: append of %zu rows from NULL", s->path, n_rows);
    if (s->dims[0] > (hsize_t)-1 / 2 - n_rows)
        return use_fail(f, err, "%s: row count overflows", s->path);
    for (i = 0; i < s->rank; i++) {
        count[i] = i ? s->dims[i] : (hsize_t)n_rows;
        grown[i] = i ? s->dims[i] : s->dims[0] + n_rows;
    }
    start[0] = s->dims[0];
    if (H5Dset_extent(s->dset, grown) < 0)
        return h5_fail(f, err, s->path, "H5Dset_extent");
    fspace = H5Dget_space(s->dset);
    if (fspace < 0) {
        rc = h5_fail(f, err, s->path, "H5Dget_space");
        goto done;
    }
    if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
        rc = h5_fail(f, err, s->path, "H5Sselect_hyperslab");
        goto done;
    }
    mspace = H5Screate_simple(s->rank, count, NULL);
    if (mspace < 0) {
        rc = h5_fail(f, err, s->path, "H5Screate_simple");
        goto done;
    }
    if (H5Dwrite(s->dset, s->mem_type, mspace, fspace, H5P_DEFAULT, data) < 0)
        rc = h5_fail(f, err, s->path, "H5Dwrite");
done:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    if (rc == SIM_OK)
        s->dims[0] += n_rows;
    else
        H5Dset_extent(s->dset, s->dims); /* best effort: keep rows == what was written */
    return rc;
}

int sim_h5_series_attr_str(sim_h5_series *s, const char *name, const char *value, sim_err *err)
{
    if (!s)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: attribute on a NULL series");
    return attr_str_on(s->file, s->dset, s->path, name, value, err);
}

/* ---- whole arrays -------------------------------------------------------- */

/* The creation properties of a whole array of `bytes` bytes: contiguous,
 * or for a big table (one row per household, it compresses well) chunked
 * along the first dimension into ~128 KiB pieces.  H5I_INVALID_HID (err
 * set) on failure. */
static hid_t array_dcpl(sim_h5_file *f, const char *path, int rank, const hsize_t *len, size_t bytes, sim_err *err)
{
    hsize_t chunk[SIM_H5_MAX_RANK];
    if (bytes <= SIM_H5_ARRAY_CHUNK_ABOVE) {
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (dcpl < 0 || set_attr_order(dcpl) < 0) {
            if (dcpl >= 0)
                H5Pclose(dcpl);
            h5_fail(f, err, path, "H5Pcreate");
            return H5I_INVALID_HID;
        }
        return dcpl;
    }
    size_t row_bytes = bytes / (size_t)len[0];
    chunk[0] = (hsize_t)default_chunk_rows(row_bytes);
    if (chunk[0] > len[0])
        chunk[0] = len[0];
    for (int i = 1; i < rank; i++)
        chunk[i] = len[i];
    if (row_bytes * chunk[0] > SIM_H5_CHUNK_MAX) {
        use_fail(f, err, "%s: one row is too large for an HDF5 chunk", path);
        return H5I_INVALID_HID;
    }
    hid_t dcpl = chunked_dcpl(f->deflate_level, rank, chunk);
    if (dcpl < 0)
        h5_fail(f, err, path, "H5Pset_chunk/H5Pset_deflate");
    return dcpl;
}

int sim_h5_write_array(sim_h5_file *f, const char *group, const char *name, sim_h5_type type,
                       int rank, const char *const *dims, const void *data, const char *units,
                       const char *long_name, sim_err *err)
{
    char path[SIM_H5_PATH_MAX], dim0[SIM_H5_PATH_MAX];
    hid_t dim_ids[SIM_H5_MAX_RANK];
    hsize_t len[SIM_H5_MAX_RANK];
    hid_t file_type, mem_type, space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID,
                               did = H5I_INVALID_HID;
    size_t elem, total = 1;
    int rc = SIM_OK, i;

    if (!f)
        return SIM_FAIL(err, SIM_ERUNTIME, "HDF5 output: NULL file");
    if (join_path(f, path, group, name, err) || require_absent(f, path, err))
        return err ? err->code : SIM_ERUNTIME;
    if (type_info(type, &file_type, &mem_type, &elem) != 0)
        return use_fail(f, err, "%s: unknown sim_h5_type %d", path, (int)type);
    if (lookup_dims(f, group, name, rank, dims, 0, dim_ids, len, dim0, err))
        return err ? err->code : SIM_ERUNTIME;
    for (i = 0; i < rank; i++) {
        if (len[i] && total > SIZE_MAX / elem / len[i]) {
            rc = use_fail(f, err, "%s: array size overflows", path);
            goto done;
        }
        total *= (size_t)len[i];
    }
    if (total && !data) {
        rc = use_fail(f, err, "%s: NULL data", path);
        goto done;
    }
    space = H5Screate_simple(rank, len, NULL);
    if (space < 0) {
        rc = h5_fail(f, err, path, "H5Screate_simple");
        goto done;
    }
    if ((dcpl = array_dcpl(f, path, rank, len, total * elem, err)) < 0) {
        rc = err ? err->code : SIM_ERUNTIME;
        goto done;
    }
    did = H5Dcreate2(f->fid, path, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (did < 0) {
        rc = h5_fail(f, err, path, "H5Dcreate2");
        goto done;
    }
    if (total && H5Dwrite(did, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        rc = h5_fail(f, err, path, "H5Dwrite");
        goto done;
    }
    if (attach_dims(f, did, path, rank, dim_ids, err)) {
        rc = err ? err->code : SIM_ERUNTIME;
    } else if (attrs_cf(f, did, path, units, long_name, err)) {
        rc = err ? err->code : SIM_ERUNTIME;
        detach_dims(did, rank, dim_ids);
    }
done:
    if (did >= 0) {
        H5Dclose(did);
        if (rc != SIM_OK)
            H5Ldelete(f->fid, path, H5P_DEFAULT);
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    for (i = 0; i < rank; i++)
        H5Dclose(dim_ids[i]);
    return rc;
}

/* ---- the series so far (checkpoints) ---------------------------------------- */
size_t sim_h5_n_series(const sim_h5_file *f) { return f ? f->n_series : 0; }
sim_h5_series *sim_h5_series_at(sim_h5_file *f, size_t i) { return f && i < f->n_series ? f->series[i] : NULL; }
const char *sim_h5_series_path(const sim_h5_series *s) { return s->path; }
size_t sim_h5_series_row_bytes(const sim_h5_series *s) { return s->row_elems * s->elem_size; }

int sim_h5_series_read(sim_h5_series *s, unsigned char **data, size_t *n_rows, sim_err *err)
{
    size_t rb = sim_h5_series_row_bytes(s), written = (size_t)s->dims[0];
    *n_rows = written + s->n_rows;
    *data = malloc(*n_rows * rb + 1);
    if (!*data)
        return use_fail(s->file, err, "%s: out of memory reading %zu rows", s->path, *n_rows);
    if (written) {
        hsize_t start[SIM_H5_MAX_RANK] = {0}, count[SIM_H5_MAX_RANK];
        for (int k = 0; k < s->rank; k++)
            count[k] = s->dims[k];
        hid_t fs = H5Dget_space(s->dset);
        hid_t ms = H5Screate_simple(s->rank, count, NULL);
        int bad = fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                  H5Dread(s->dset, s->mem_type, ms, fs, H5P_DEFAULT, *data) < 0;
        if (ms >= 0)
            H5Sclose(ms);
        if (fs >= 0)
            H5Sclose(fs);
        if (bad) {
            free(*data);
            *data = NULL;
            return h5_fail(s->file, err, s->path, "H5Dread");
        }
    }
    if (s->n_rows)
        memcpy(*data + written * rb, s->rows, s->n_rows * rb);
    return SIM_OK;
}
