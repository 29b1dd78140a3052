/*
 * sim_ckpt.c — checkpoint records and files (see sim_ckpt.h).
 *
 * Records are built in memory by doubling (a shard's record at GB scale is
 * ~15 MB: its households, lists and diaries) and written as one contiguous
 * dataset each, so writing a checkpoint is a few large sequential writes.
 */
#include "sim_ckpt.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "sim_h5.h"

/* ---- records ------------------------------------------------------------ */
void sim_ckpt_buf_free(sim_ckpt_buf *b)
{
    if (b->cap)
        free(b->p);
    *b = (sim_ckpt_buf){0};
}

sim_ckpt_buf sim_ckpt_reader(const void *p, size_t n)
{
    return (sim_ckpt_buf){.p = (unsigned char *)p, .n = n};
}

void sim_ckpt_put(sim_ckpt_buf *b, const void *src, size_t n)
{
    if (b->bad)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->bad = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, src, n);
    b->n += n;
}

void sim_ckpt_put_u64(sim_ckpt_buf *b, uint64_t v) { sim_ckpt_put(b, &v, sizeof v); }
void sim_ckpt_put_i64(sim_ckpt_buf *b, int64_t v) { sim_ckpt_put(b, &v, sizeof v); }
void sim_ckpt_put_f64(sim_ckpt_buf *b, double v) { sim_ckpt_put(b, &v, sizeof v); }

void sim_ckpt_get(sim_ckpt_buf *b, void *dst, size_t n)
{
    if (b->bad || n > b->n - b->pos) {
        b->bad = 1;
        if (n)
            memset(dst, 0, n);
        return;
    }
    if (n)
        memcpy(dst, b->p + b->pos, n);
    b->pos += n;
}

uint64_t sim_ckpt_get_u64(sim_ckpt_buf *b)
{
    uint64_t v;
    sim_ckpt_get(b, &v, sizeof v);
    return v;
}

int64_t sim_ckpt_get_i64(sim_ckpt_buf *b)
{
    int64_t v;
    sim_ckpt_get(b, &v, sizeof v);
    return v;
}

double sim_ckpt_get_f64(sim_ckpt_buf *b)
{
    double v;
    sim_ckpt_get(b, &v, sizeof v);
    return v;
}

uint64_t sim_ckpt_get_count(sim_ckpt_buf *b, uint64_t max)
{
    uint64_t v = sim_ckpt_get_u64(b);
    if (v > max) {
        b->bad = 1;
        return 0;
    }
    return v;
}

/* ---- files -------------------------------------------------------------- */
struct sim_ckpt_file {
    sim_h5_file *w;    /* writing */
    hid_t fid;         /* the open file (writing: w's) */
    char *path;
};

static int attr_write(hid_t fid, const char *name, hid_t type, const void *v, sim_err *err)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp < 0 ? -1 : H5Acreate2(fid, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    int bad = a < 0 || H5Awrite(a, type, v) < 0;
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return bad ? SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: cannot write attribute %s", name) : SIM_OK;
}

int sim_ckpt_attr_str(sim_ckpt_file *f, const char *name, const char *value, sim_err *err)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    int rc = attr_write(f->fid, name, t, &value, err);
    H5Tclose(t);
    return rc;
}

int sim_ckpt_attr_i64(sim_ckpt_file *f, const char *name, int64_t value, sim_err *err)
{
    return attr_write(f->fid, name, H5T_NATIVE_INT64, &value, err);
}

sim_ckpt_file *sim_ckpt_create(const char *final_path, const char *version, int64_t day, sim_err *err)
{
    sim_ckpt_file *f = calloc(1, sizeof *f);
    if (!f) {
        SIM_FAIL(err, SIM_ERUNTIME, "checkpoint %s: out of memory", final_path);
        return NULL;
    }
    if (!(f->w = sim_h5_create_aside(final_path, err))) {
        free(f);
        return NULL;
    }
    f->fid = (hid_t)sim_h5_file_id(f->w);
    if (sim_ckpt_attr_i64(f, "smsim_checkpoint_format", SIM_CKPT_FORMAT, err) ||
        sim_ckpt_attr_str(f, "smsim_version", version, err) || sim_ckpt_attr_i64(f, "day", day, err)) {
        sim_ckpt_abort(f);
        return NULL;
    }
    return f;
}

int sim_ckpt_write(sim_ckpt_file *f, const char *path, const void *data, size_t n, sim_err *err)
{
    hsize_t dim = n;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = sp < 0 ? -1 : H5Dcreate2(f->fid, path, H5T_NATIVE_UCHAR, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    int bad = d < 0 || (n && H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0);
    if (d >= 0)
        H5Dclose(d);
    if (sp >= 0)
        H5Sclose(sp);
    H5Pclose(lcpl);
    return bad ? SIM_FAIL(err, SIM_ERUNTIME, "checkpoint: cannot write %s (%zu bytes)", path, n) : SIM_OK;
}

int sim_ckpt_commit(sim_ckpt_file *f, sim_err *err)
{
    int rc = sim_h5_commit(f->w, err);
    free(f);
    return rc;
}

void sim_ckpt_abort(sim_ckpt_file *f)
{
    if (!f)
        return;
    if (f->w)
        sim_h5_abort(f->w);
    else if (f->fid >= 0)
        H5Fclose(f->fid);
    free(f->path);
    free(f);
}

void sim_ckpt_close(sim_ckpt_file *f) { sim_ckpt_abort(f); }

/* ---- reading ------------------------------------------------------------ */
int sim_ckpt_read_attr_i64(sim_ckpt_file *f, const char *name, int64_t *out, sim_err *err)
{
    hid_t a = H5Aexists(f->fid, name) > 0 ? H5Aopen(f->fid, name, H5P_DEFAULT) : -1;
    int bad = a < 0 || H5Aread(a, H5T_NATIVE_INT64, out) < 0;
    if (a >= 0)
        H5Aclose(a);
    return bad ? SIM_FAIL(err, SIM_EINPUT, "%s: not a complete smsim checkpoint (no attribute %s)", f->path, name)
               : SIM_OK;
}

char *sim_ckpt_read_attr_str(sim_ckpt_file *f, const char *name, sim_err *err)
{
    hid_t a = H5Aexists(f->fid, name) > 0 ? H5Aopen(f->fid, name, H5P_DEFAULT) : -1;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *v = NULL, *out = NULL;
    if (a >= 0 && H5Aread(a, t, &v) >= 0 && v) {
        out = strdup(v);
        H5free_memory(v);
    }
    if (a >= 0)
        H5Aclose(a);
    H5Tclose(t);
    if (!out)
        SIM_FAIL(err, SIM_EINPUT, "%s: not a complete smsim checkpoint (no attribute %s)", f->path, name);
    return out;
}

sim_ckpt_file *sim_ckpt_open(const char *path, int64_t *day, sim_err *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    sim_ckpt_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        SIM_FAIL(err, SIM_ERUNTIME, "checkpoint %s: out of memory", path);
        return NULL;
    }
    f->fid = -1;
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        SIM_FAIL(err, SIM_EINPUT, "%s: cannot read it as a checkpoint (%s)", path,
                 is < 0 ? "no such file, or not readable" : "not an HDF5 file, or truncated");
        sim_ckpt_abort(f);
        return NULL;
    }
    if ((f->fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        SIM_FAIL(err, SIM_EINPUT, "%s: cannot open it as a checkpoint (truncated or damaged HDF5)", path);
        sim_ckpt_abort(f);
        return NULL;
    }
    int64_t fmt;
    if (H5Aexists(f->fid, "smsim_checkpoint_format") <= 0) {
        SIM_FAIL(err, SIM_EINPUT, "%s: not an smsim checkpoint (an HDF5 file without smsim_checkpoint_format; "
                 "write one with smsim run --checkpoint-at DATE)", path);
    } else if (!sim_ckpt_read_attr_i64(f, "smsim_checkpoint_format", &fmt, err) && fmt != SIM_CKPT_FORMAT) {
        SIM_FAIL(err, SIM_EINPUT, "%s: checkpoint format %lld; this smsim reads format %d", path, (long long)fmt,
                 SIM_CKPT_FORMAT);
    } else if (!err->code && !sim_ckpt_read_attr_i64(f, "day", day, err)) {
        return f;
    }
    sim_ckpt_abort(f);
    return NULL;
}

int sim_ckpt_has(sim_ckpt_file *f, const char *path)
{
    return H5Lexists(f->fid, path, H5P_DEFAULT) > 0 && H5Oexists_by_name(f->fid, path, H5P_DEFAULT) > 0;
}

int sim_ckpt_read(sim_ckpt_file *f, const char *path, unsigned char **data, size_t *n, sim_err *err)
{
    *data = NULL;
    *n = 0;
    if (!sim_ckpt_has(f, path))
        return SIM_FAIL(err, SIM_EINPUT, "%s: not a complete smsim checkpoint (no %s)", f->path, path);
    hid_t d = H5Dopen2(f->fid, path, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    hsize_t dim = 0;
    int bad = sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, &dim, NULL) < 0;
    if (!bad && !(*data = malloc(dim ? dim : 1)))
        bad = 2;
    if (!bad && dim && H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data) < 0)
        bad = 1;
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    if (bad) {
        free(*data);
        *data = NULL;
        return bad == 2 ? SIM_FAIL(err, SIM_ERUNTIME, "%s: out of memory reading %s", f->path, path)
                        : SIM_FAIL(err, SIM_EINPUT, "%s: cannot read %s (truncated or damaged)", f->path, path);
    }
    *n = (size_t)dim;
    return SIM_OK;
}

typedef struct list_ctx {
    char **v;
    size_t n, cap;
    int oom;
    const char *base;
} list_ctx;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    list_ctx *c = data;
    H5O_info_t oi;
    (void)info;
    if (H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        char **v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    size_t len = strlen(c->base) + strlen(name) + 2;
    if (!(c->v[c->n] = malloc(len))) {
        c->oom = 1;
        return 1;
    }
    snprintf(c->v[c->n++], len, "%s/%s", c->base, name);
    return 0;
}

int sim_ckpt_list(sim_ckpt_file *f, const char *group, char ***paths, size_t *n, sim_err *err)
{
    list_ctx c = {.base = group};
    *paths = NULL;
    *n = 0;
    if (H5Lexists(f->fid, group, H5P_DEFAULT) <= 0)
        return SIM_OK;
    hid_t g = H5Gopen2(f->fid, group, H5P_DEFAULT);
    if (g < 0 || H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, list_cb, &c) < 0 || c.oom) {
        if (g >= 0)
            H5Gclose(g);
        sim_ckpt_free_list(c.v, c.n);
        return c.oom ? SIM_FAIL(err, SIM_ERUNTIME, "%s: out of memory", f->path)
                     : SIM_FAIL(err, SIM_EINPUT, "%s: cannot list %s (damaged)", f->path, group);
    }
    H5Gclose(g);
    *paths = c.v;
    *n = c.n;
    return SIM_OK;
}

void sim_ckpt_free_list(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
