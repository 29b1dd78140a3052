/*
 * test_h5.c — sim_h5: a file written through the API, reopened with the
 * HDF5 C API and checked (names, shapes, values, attributes, dimension
 * scales), plus every failure path: unwritable directory, unknown or
 * misplaced dimensions, mismatched series lengths, a failing rename, abort.
 *
 * With SMSIM_H5_SAMPLE=path in the environment the program only writes the
 * sample file to `path` and exits 0: tests/python/test_h5_layout.py opens
 * it with xarray (h5netcdf and netCDF4 engines).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "sim_h5.h"

#include <dirent.h>

/* Is name FINAL.tmp.PID.RANDOM, RANDOM 16 lowercase hex digits? */
static int is_tmp_name_of(const char *name, const char *final_path, long pid)
{
    char prefix[512];
    size_t n = (size_t)snprintf(prefix, sizeof prefix, "%s.tmp.%ld.", final_path, pid);
    return strncmp(name, prefix, n) == 0 && strlen(name + n) == 16 &&
           strspn(name + n, "0123456789abcdef") == 16;
}

/* The temporary file of process pid for final_path in dir, into out. */
static int find_tmp_of(const char *dir, const char *final_path, long pid, char *out, size_t n)
{
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        int w = snprintf(out, n, "%s/", dir);
        if (w > 0 && (size_t)w < n && strlen(e->d_name) < n - (size_t)w) {
            memcpy(out + w, e->d_name, strlen(e->d_name) + 1);
            found = is_tmp_name_of(out, final_path, pid);
        }
    }
    if (d)
        closedir(d);
    return found;
}

/* ---- the sample layout ----------------------------------------------------- */

enum { N_REGION = 3, N_HOUR = 4, N_DAYS = 14 };
/* Uneven window sizes, one of them empty; they sum to N_DAYS and the
 * 2-D series' chunk of 3 rows is crossed mid-batch. */
static const size_t batches[] = {1, 4, 0, 7, 2};
static const char *const region_labels[N_REGION] = {"North Scotland", "Ynys Môn", "London"};
static const double hour_values[N_HOUR] = {0.5, 6.25, 12.0, 18.75};
static const double edges[N_HOUR] = {-1.5, 0.001, 2.75, 1e9};

static int64_t installs_at(size_t d, size_t r, size_t h)
{
    return (int64_t)(1000003 * d + 101 * r + 7 * h + 13);
}
static double share_at(size_t d, size_t r)
{
    return 0.125 + 0.37 * (double)d - 1.5 * (double)r;
}
static int32_t day_at(size_t d) { return (int32_t)(2 * d + 3); }

/* Writes the whole sample and commits it; returns the sim_err code. */
static int write_sample(const char *path, sim_err *err, char *tmp_seen, size_t tmp_len)
{
    static const char *const dims3[] = {"day", "region", "hour"};
    static const char *const dims2[] = {"day", "region"};
    static const char *const dims_hour[] = {"hour"};
    sim_h5_file *f = sim_h5_create(path, err);
    sim_h5_series *day, *inst, *share;
    size_t b, d0 = 0;

    if (!f)
        return err->code;
    if (tmp_seen)
        snprintf(tmp_seen, tmp_len, "%s", sim_h5_tmp_path(f));
    if (sim_h5_attr_str(f, "/", "status", "incomplete", err) ||
        sim_h5_attr_str(f, "/", "scenario", "rollout.start = \"2012-01-01\";\n", err) ||
        sim_h5_attr_i64(f, "/", "seed", INT64_C(-9007199254740993), err) ||
        sim_h5_attr_f64(f, "/", "wall_seconds", 12.375, err) ||
        sim_h5_group(f, "/rollout", err) || sim_h5_group(f, "/dcc/detail", err) ||
        sim_h5_attr_str(f, "/rollout", "title", "daily series", err) ||
        sim_h5_dim_labels(f, "/rollout", "region", N_REGION, region_labels, "DCC region", err) ||
        sim_h5_dim_values(f, "/rollout", "hour", N_HOUR, hour_values, "hours", "hour of day", err))
        goto fail;
    day = sim_h5_dim_unlimited(f, "/rollout", "day", SIM_H5_I32, "days since 2012-01-01", "day",
                               err);
    if (!day)
        goto fail;
    inst = sim_h5_series_create(f, "/rollout", "installs", SIM_H5_I64, 3, dims3, 0, "1",
                                "installations completed", err);
    if (!inst)
        goto fail;
    share = sim_h5_series_create(f, "/rollout", "share", SIM_H5_F64, 2, dims2, 3, "%",
                                 "smart share", err);
    if (!share || sim_h5_series_attr_str(share, "description", "share of meters that are smart", err))
        goto fail;
    if (sim_h5_write_array(f, "/rollout", "edges", SIM_H5_F64, 1, dims_hour, edges, "s",
                           "bin edges", err))
        goto fail;
    for (b = 0; b < sizeof batches / sizeof batches[0]; b++) {
        int64_t iv[8][N_REGION][N_HOUR];
        double sv[8][N_REGION];
        int32_t dv[8];
        size_t i, r, h, n = batches[b];
        for (i = 0; i < n; i++) {
            dv[i] = day_at(d0 + i);
            for (r = 0; r < N_REGION; r++) {
                sv[i][r] = share_at(d0 + i, r);
                for (h = 0; h < N_HOUR; h++)
                    iv[i][r][h] = installs_at(d0 + i, r, h);
            }
        }
        if (sim_h5_series_append(day, n, dv, err) || sim_h5_series_append(inst, n, iv, err) ||
            sim_h5_series_append(share, n, sv, err))
            goto fail;
        d0 += n;
    }
    if (sim_h5_attr_str(f, "/", "status", "complete", err))
        goto fail;
    return sim_h5_commit(f, err);
fail:
    sim_h5_abort(f);
    return err->code ? err->code : -1;
}

/* ---- fixtures and read helpers ------------------------------------------- */

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/smsim-test-h5-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/out.h5", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];
    /* Only our own mkdtemp directory. */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Number of entries in a directory other than . and .. */
static int dir_entries(const char *dir)
{
    char cmd[512];
    FILE *p;
    int n = -1;
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    p = popen(cmd, "r");
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static char *read_attr_str(hid_t obj, const char *name)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t, ft;
    char *v = NULL, *copy = NULL;
    assert_true(a >= 0);
    ft = H5Aget_type(a);
    assert_int_equal(H5Tget_class(ft), H5T_STRING);
    assert_true(H5Tis_variable_str(ft) > 0);
    assert_int_equal(H5Tget_cset(ft), H5T_CSET_UTF8);
    t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    assert_true(H5Aread(a, t, &v) >= 0);
    assert_non_null(v);
    copy = strdup(v);
    H5free_memory(v);
    H5Tclose(t);
    H5Tclose(ft);
    H5Aclose(a);
    return copy;
}

static void assert_attr_str(hid_t obj, const char *name, const char *want)
{
    char *v = read_attr_str(obj, name);
    assert_string_equal(v, want);
    free(v);
}

/* Rank and current/maximum shape of a dataset. */
static int shape_of(hid_t d, hsize_t *cur, hsize_t *max)
{
    hid_t s = H5Dget_space(d);
    int n = H5Sget_simple_extent_dims(s, cur, max);
    H5Sclose(s);
    return n;
}

/* Every dimension of `var` has the scale named dims[i] attached. */
static void assert_scales(hid_t g, hid_t var, int rank, const char *const *dims)
{
    int i;
    for (i = 0; i < rank; i++) {
        hid_t sc = H5Dopen2(g, dims[i], H5P_DEFAULT);
        char name[64] = "";
        assert_true(sc >= 0);
        assert_true(H5DSis_scale(sc) > 0);
        assert_true(H5DSget_scale_name(sc, name, sizeof name) > 0);
        assert_string_equal(name, dims[i]);
        assert_true(H5DSis_attached(var, sc, (unsigned)i) > 0);
        H5Dclose(sc);
    }
}

/* ---- tests ----------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
    fixture *fx = *state;
    static const char *const dims3[] = {"day", "region", "hour"};
    static const char *const dims2[] = {"day", "region"};
    static const char *const dims_hour[] = {"hour"};
    sim_err err = {0};
    char tmp[256];
    hsize_t cur[4], max[4];
    hid_t f, g, d, root, a;
    int64_t seed = 0;
    double wall = 0;
    size_t i, r, h;

    assert_int_equal(write_sample(fx->path, &err, tmp, sizeof tmp), SIM_OK);
    /* The temporary name is FINAL.tmp.PID.RANDOM (16 hex digits) and is
     * gone after the rename. */
    assert_true(is_tmp_name_of(tmp, fx->path, (long)getpid()));
    assert_true(exists(fx->path));
    assert_false(exists(tmp));
    assert_int_equal(dir_entries(fx->dir), 1);

    f = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);

    /* Root attributes of each type; "status" was replaced, not duplicated. */
    root = H5Gopen2(f, "/", H5P_DEFAULT);
    assert_attr_str(root, "status", "complete");
    assert_attr_str(root, "scenario", "rollout.start = \"2012-01-01\";\n");
    a = H5Aopen(root, "seed", H5P_DEFAULT);
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &seed) >= 0);
    H5Aclose(a);
    assert_true(seed == INT64_C(-9007199254740993));
    a = H5Aopen(root, "wall_seconds", H5P_DEFAULT);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &wall) >= 0);
    H5Aclose(a);
    assert_true(wall == 12.375);
    H5Gclose(root);
    assert_true(H5Lexists(f, "/dcc", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/dcc/detail", H5P_DEFAULT) > 0);

    g = H5Gopen2(f, "/rollout", H5P_DEFAULT);
    assert_true(g >= 0);
    assert_attr_str(g, "title", "daily series");

    /* Label coordinate: VL UTF-8 strings, a scale, long_name, no units. */
    d = H5Dopen2(g, "region", H5P_DEFAULT);
    assert_int_equal(shape_of(d, cur, max), 1);
    assert_int_equal(cur[0], N_REGION);
    assert_true(H5DSis_scale(d) > 0);
    {
        hid_t t = H5Tcopy(H5T_C_S1), ft = H5Dget_type(d);
        char *labels[N_REGION] = {0};
        assert_true(H5Tis_variable_str(ft) > 0);
        assert_int_equal(H5Tget_cset(ft), H5T_CSET_UTF8);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels) >= 0);
        for (i = 0; i < N_REGION; i++) {
            assert_string_equal(labels[i], region_labels[i]);
            H5free_memory(labels[i]);
        }
        H5Tclose(t);
        H5Tclose(ft);
    }
    assert_attr_str(d, "long_name", "DCC region");
    assert_int_equal(H5Aexists(d, "units"), 0);
    H5Dclose(d);

    /* Numeric coordinate. */
    d = H5Dopen2(g, "hour", H5P_DEFAULT);
    {
        double v[N_HOUR];
        assert_int_equal(shape_of(d, cur, max), 1);
        assert_int_equal(cur[0], N_HOUR);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        assert_memory_equal(v, hour_values, sizeof v);
    }
    assert_attr_str(d, "units", "hours");
    H5Dclose(d);

    /* Unlimited coordinate: grew with the series, maxdims unlimited. */
    d = H5Dopen2(g, "day", H5P_DEFAULT);
    {
        int32_t v[N_DAYS];
        assert_int_equal(shape_of(d, cur, max), 1);
        assert_int_equal(cur[0], N_DAYS);
        assert_true(max[0] == H5S_UNLIMITED);
        assert_true(H5DSis_scale(d) > 0);
        assert_true(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        for (i = 0; i < N_DAYS; i++)
            assert_int_equal(v[i], day_at(i));
    }
    assert_attr_str(d, "units", "days since 2012-01-01");
    assert_attr_str(d, "long_name", "day");
    H5Dclose(d);

    /* 3-D series: shape, every value, scales on each dimension, type. */
    d = H5Dopen2(g, "installs", H5P_DEFAULT);
    {
        static int64_t v[N_DAYS][N_REGION][N_HOUR];
        hid_t ft = H5Dget_type(d);
        assert_true(H5Tequal(ft, H5T_STD_I64LE) > 0);
        H5Tclose(ft);
        assert_int_equal(shape_of(d, cur, max), 3);
        assert_int_equal(cur[0], N_DAYS);
        assert_int_equal(cur[1], N_REGION);
        assert_int_equal(cur[2], N_HOUR);
        assert_true(max[0] == H5S_UNLIMITED);
        assert_int_equal(max[1], N_REGION);
        assert_true(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        for (i = 0; i < N_DAYS; i++)
            for (r = 0; r < N_REGION; r++)
                for (h = 0; h < N_HOUR; h++)
                    assert_true(v[i][r][h] == installs_at(i, r, h));
    }
    assert_scales(g, d, 3, dims3);
    assert_attr_str(d, "units", "1");
    assert_attr_str(d, "long_name", "installations completed");
    H5Dclose(d);

    /* 2-D series with a chunk of 3 rows (crossed by the batches). */
    d = H5Dopen2(g, "share", H5P_DEFAULT);
    {
        double v[N_DAYS][N_REGION];
        hsize_t chunk[2];
        hid_t dcpl = H5Dget_create_plist(d);
        assert_int_equal(H5Pget_chunk(dcpl, 2, chunk), 2);
        assert_int_equal(chunk[0], 3);
        assert_int_equal(chunk[1], N_REGION);
        H5Pclose(dcpl);
        assert_int_equal(shape_of(d, cur, max), 2);
        assert_int_equal(cur[0], N_DAYS);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        for (i = 0; i < N_DAYS; i++)
            for (r = 0; r < N_REGION; r++)
                assert_true(v[i][r] == share_at(i, r));
    }
    assert_scales(g, d, 2, dims2);
    assert_attr_str(d, "description", "share of meters that are smart");
    assert_attr_str(d, "units", "%");
    H5Dclose(d);

    /* Whole fixed array. */
    d = H5Dopen2(g, "edges", H5P_DEFAULT);
    {
        double v[N_HOUR];
        assert_int_equal(shape_of(d, cur, max), 1);
        assert_int_equal(cur[0], N_HOUR);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        assert_memory_equal(v, edges, sizeof v);
    }
    assert_scales(g, d, 1, dims_hour);
    assert_attr_str(d, "long_name", "bin edges");
    H5Dclose(d);

    H5Gclose(g);
    /* Nothing left open by the reader either. */
    assert_int_equal(H5Fget_obj_count(f, H5F_OBJ_ALL), 1);
    H5Fclose(f);
}

static void test_abort_removes_tmp(void **state)
{
    fixture *fx = *state;
    static const char *const dims[] = {"day"};
    sim_err err = {0};
    sim_h5_file *f = sim_h5_create(fx->path, &err);
    sim_h5_series *day, *s;
    char tmp[256];
    int32_t v[5] = {4, 9, 16, 25, 36};

    assert_non_null(f);
    snprintf(tmp, sizeof tmp, "%s", sim_h5_tmp_path(f));
    assert_true(exists(tmp));
    assert_false(exists(fx->path));
    day = sim_h5_dim_unlimited(f, "/g", "day", SIM_H5_I32, NULL, NULL, &err);
    assert_non_null(day);
    s = sim_h5_series_create(f, "/g", "x", SIM_H5_I32, 1, dims, 2, NULL, NULL, &err);
    assert_non_null(s);
    assert_int_equal(sim_h5_series_append(s, 5, v, &err), SIM_OK);
    sim_h5_abort(f);
    assert_false(exists(tmp));
    assert_false(exists(fx->path));
    assert_int_equal(dir_entries(fx->dir), 0);
    sim_h5_abort(NULL); /* no-op */
}

static void test_unwritable_directory(void **state)
{
    fixture *fx = *state;
    sim_err err = {0};
    char path[256];
    sim_h5_file *f;

    /* A directory that does not exist. */
    snprintf(path, sizeof path, "%s/missing-dir/out.h5", fx->dir);
    f = sim_h5_create(path, &err);
    assert_null(f);
    assert_int_equal(err.code, SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "temporary output file"));
    assert_int_equal(dir_entries(fx->dir), 0);

    /* A regular file where the directory should be (fails for root too). */
    {
        char notdir[200];
        FILE *p;
        snprintf(notdir, sizeof notdir, "%s/plainfile", fx->dir);
        p = fopen(notdir, "w");
        assert_non_null(p);
        fclose(p);
        snprintf(path, sizeof path, "%s/out.h5", notdir);
        sim_err_clear(&err);
        assert_null(sim_h5_create(path, &err));
        assert_int_equal(err.code, SIM_ERUNTIME);
        assert_non_null(strstr(err.msg, path));
        assert_int_equal(dir_entries(fx->dir), 1);
        unlink(notdir);
    }

    /* A read-only directory; root ignores permissions, so only as a user. */
    if (geteuid() != 0) {
        char ro[200];
        snprintf(ro, sizeof ro, "%s/ro", fx->dir);
        assert_int_equal(mkdir(ro, 0500), 0);
        snprintf(path, sizeof path, "%s/out.h5", ro);
        sim_err_clear(&err);
        assert_null(sim_h5_create(path, &err));
        assert_int_equal(err.code, SIM_ERUNTIME);
        assert_non_null(strstr(err.msg, path));
        assert_int_equal(dir_entries(ro), 0);
        chmod(ro, 0700);
    }

    sim_err_clear(&err);
    assert_null(sim_h5_create("", &err));
    assert_int_equal(err.code, SIM_ERUNTIME);
}

/* Dimension mistakes fail cleanly and leave the file usable. */
static void test_dimension_errors(void **state)
{
    fixture *fx = *state;
    static const char *const unknown[] = {"day", "nosuch"};
    static const char *const fixed_first[] = {"region", "day"};
    static const char *const repeated[] = {"day", "region", "region"};
    static const char *const good[] = {"day", "region"};
    static const char *const labels[] = {"a", "b"};
    static const char *const dims_day[] = {"day"};
    sim_err err = {0};
    sim_h5_file *f = sim_h5_create(fx->path, &err);
    sim_h5_series *day, *s;

    assert_non_null(f);
    assert_int_equal(sim_h5_dim_labels(f, "/r", "region", 2, labels, NULL, &err), SIM_OK);
    day = sim_h5_dim_unlimited(f, "/r", "day", SIM_H5_F64, NULL, NULL, &err);
    assert_non_null(day);

    assert_null(sim_h5_series_create(f, "/r", "x", SIM_H5_F64, 2, unknown, 0, NULL, NULL, &err));
    assert_int_equal(err.code, SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "nosuch"));

    sim_err_clear(&err);
    assert_null(sim_h5_series_create(f, "/r", "x", SIM_H5_F64, 2, fixed_first, 0, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "unlimited"));

    sim_err_clear(&err);
    assert_null(sim_h5_series_create(f, "/r", "x", SIM_H5_F64, 3, repeated, 0, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "repeated"));

    sim_err_clear(&err);
    assert_null(sim_h5_series_create(f, "/r", "x", SIM_H5_F64, 0, good, 0, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "rank"));

    sim_err_clear(&err);
    assert_null(sim_h5_series_create(f, "/r", "x", (sim_h5_type)42, 2, good, 0, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "sim_h5_type"));

    sim_err_clear(&err);
    assert_null(sim_h5_series_create(f, "/nogroup", "x", SIM_H5_F64, 2, good, 0, NULL, NULL, &err));
    assert_int_equal(err.code, SIM_ERUNTIME);

    /* A fixed array cannot use the unlimited dimension. */
    sim_err_clear(&err);
    assert_int_equal(sim_h5_write_array(f, "/r", "a", SIM_H5_F64, 1, dims_day, NULL, NULL, NULL,
                                        &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "unlimited"));

    /* Names: slashes, relative groups, duplicates. */
    sim_err_clear(&err);
    assert_int_equal(sim_h5_dim_labels(f, "/r", "re/gion", 2, labels, NULL, &err), SIM_ERUNTIME);
    assert_int_equal(sim_h5_dim_labels(f, "r", "x", 2, labels, NULL, &err), SIM_ERUNTIME);
    assert_int_equal(sim_h5_dim_labels(f, "/r", "region", 2, labels, NULL, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_equal(sim_h5_group(f, "/r//x", &err), SIM_ERUNTIME);
    assert_int_equal(sim_h5_group(f, "/r/region", &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "not a group"));
    assert_int_equal(sim_h5_attr_str(f, "/nothing/here", "a", "b", &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "/nothing/here"));
    assert_int_equal(sim_h5_attr_str(f, "/", "a", NULL, &err), SIM_ERUNTIME);

    /* After all that the file still commits and holds the good series. */
    sim_err_clear(&err);
    s = sim_h5_series_create(f, "/r", "x", SIM_H5_F64, 2, good, 0, NULL, NULL, &err);
    assert_non_null(s);
    assert_int_equal(sim_h5_commit(f, &err), SIM_OK);
    {
        hid_t h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(h >= 0);
        assert_true(H5Lexists(h, "/r/x", H5P_DEFAULT) > 0);
        assert_int_equal(H5Lexists(h, "/r/a", H5P_DEFAULT), 0);
        H5Fclose(h);
    }
}

static void test_zero_rows_is_noop(void **state)
{
    fixture *fx = *state;
    sim_err err = {0};
    sim_h5_file *f = sim_h5_create(fx->path, &err);
    sim_h5_series *day;
    int64_t v[2] = {7, 11};
    hsize_t cur[1], max[1];
    hid_t h, d;

    assert_non_null(f);
    day = sim_h5_dim_unlimited(f, "/", "day", SIM_H5_I64, NULL, NULL, &err);
    assert_non_null(day);
    assert_int_equal(sim_h5_series_append(day, 2, v, &err), SIM_OK);
    assert_int_equal(sim_h5_series_append(day, 0, NULL, &err), SIM_OK);
    assert_int_equal(sim_h5_series_append(day, 3, NULL, &err), SIM_ERUNTIME);
    assert_int_equal(sim_h5_commit(f, &err), SIM_OK);
    h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(h, "/day", H5P_DEFAULT);
    assert_int_equal(shape_of(d, cur, max), 1);
    assert_int_equal(cur[0], 2);
    H5Dclose(d);
    H5Fclose(h);
}

/* Buffered rows: 150 days through sim_h5_series_row with 64-row chunks
 * (two full buffers appended on the way, the rest at commit), then two
 * rows appended directly, which must land after the buffered ones. */
static void test_buffered_rows(void **state)
{
    fixture *fx = *state;
    sim_err err = {0};
    sim_h5_file *f = sim_h5_create(fx->path, &err);
    assert_non_null(f);
    static const char *const dims[] = {"day", "region"};
    const char *labels[3] = {"a", "b", "c"};
    assert_int_equal(sim_h5_dim_labels(f, "/", "region", 3, labels, NULL, &err), SIM_OK);
    sim_h5_series *day = sim_h5_dim_unlimited(f, "/", "day", SIM_H5_I32, NULL, NULL, &err);
    sim_h5_series *x = sim_h5_series_create(f, "/", "x", SIM_H5_F64, 2, dims, 64, "1", "x", &err);
    assert_non_null(day);
    assert_non_null(x);
    enum { N = 150 };
    for (int d = 0; d < N; d++) {
        int32_t *dr = sim_h5_series_row(day, &err);
        double *xr = sim_h5_series_row(x, &err);
        assert_non_null(dr);
        assert_non_null(xr);
        *dr = d;
        for (int r = 0; r < 3; r++)
            xr[r] = d * 10.0 + r;
    }
    int32_t tail_days[2] = {N, N + 1};
    double tail_x[6] = {N * 10.0, N * 10.0 + 1, N * 10.0 + 2, N * 10.0 + 10, N * 10.0 + 11, N * 10.0 + 12};
    assert_int_equal(sim_h5_series_append(day, 2, tail_days, &err), SIM_OK);
    assert_int_equal(sim_h5_series_append(x, 2, tail_x, &err), SIM_OK);
    assert_int_equal(sim_h5_commit(f, &err), SIM_OK);

    hid_t h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(h, "/x", H5P_DEFAULT);
    hsize_t cur[2], max[2];
    assert_int_equal(shape_of(d, cur, max), 2);
    assert_int_equal(cur[0], N + 2);
    double *v = malloc((N + 2) * 3 * sizeof *v);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    for (int i = 0; i < N + 2; i++)
        for (int r = 0; r < 3; r++)
            assert_true(v[i * 3 + r] == i * 10.0 + r);
    free(v);
    H5Dclose(d);
    H5Fclose(h);
}

/* A series that fell behind its coordinate fails the commit; no file. */
static void test_commit_length_mismatch(void **state)
{
    fixture *fx = *state;
    static const char *const dims[] = {"day"};
    sim_err err = {0};
    sim_h5_file *f = sim_h5_create(fx->path, &err);
    sim_h5_series *day, *s;
    float v[3] = {1.5f, 2.5f, 3.5f};
    int32_t dv[3] = {1, 2, 3};

    assert_non_null(f);
    day = sim_h5_dim_unlimited(f, "/g", "day", SIM_H5_I32, NULL, NULL, &err);
    s = sim_h5_series_create(f, "/g", "late", SIM_H5_F32, 1, dims, 0, NULL, NULL, &err);
    assert_non_null(s);
    assert_int_equal(sim_h5_series_append(day, 3, dv, &err), SIM_OK);
    assert_int_equal(sim_h5_series_append(s, 2, v, &err), SIM_OK);
    assert_int_equal(sim_h5_commit(f, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "/g/late"));
    assert_non_null(strstr(err.msg, "/g/day"));
    assert_false(exists(fx->path));
    assert_int_equal(dir_entries(fx->dir), 0);
}

/* The rename fails (a directory holds the final name): temporary removed,
 * message names the path and the failing call. */
static void test_commit_rename_fails(void **state)
{
    fixture *fx = *state;
    sim_err err = {0};
    sim_h5_file *f;
    char tmp[256];

    assert_int_equal(mkdir(fx->path, 0700), 0);
    f = sim_h5_create(fx->path, &err);
    assert_non_null(f);
    snprintf(tmp, sizeof tmp, "%s", sim_h5_tmp_path(f));
    assert_int_equal(sim_h5_attr_i64(f, "/", "n", 3, &err), SIM_OK);
    assert_int_equal(sim_h5_commit(f, &err), SIM_ERUNTIME);
    assert_non_null(strstr(err.msg, "rename"));
    assert_non_null(strstr(err.msg, fx->path));
    assert_false(exists(tmp));
    assert_int_equal(dir_entries(fx->dir), 1); /* just the directory */
    rmdir(fx->path);
}

/* A file planted at the name a pid-only scheme would use (FINAL.tmp.PID)
 * is neither truncated nor reused: the temporary is another, new file. */
static void test_planted_tmp_untouched(void **state)
{
    fixture *fx = *state;
    sim_err err = {0};
    char planted[256], line[64] = "";
    FILE *p;
    sim_h5_file *f;

    snprintf(planted, sizeof planted, "%s.tmp.%ld", fx->path, (long)getpid());
    p = fopen(planted, "w");
    assert_non_null(p);
    fputs("not ours\n", p);
    fclose(p);
    f = sim_h5_create(fx->path, &err);
    assert_non_null(f);
    assert_true(is_tmp_name_of(sim_h5_tmp_path(f), fx->path, (long)getpid()));
    assert_int_equal(sim_h5_commit(f, &err), SIM_OK);
    {
        hid_t h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(h >= 0);
        H5Fclose(h);
    }
    p = fopen(planted, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof line, p));
    fclose(p);
    assert_string_equal(line, "not ours\n");
    unlink(planted);
}

static void test_large_attr_many_series(void **state)
{
    fixture *fx = *state;
    static const char *const dims[] = {"t", "k"};
    static const double kv[2] = {0.25, 0.75};
    enum { N_SERIES = 37, LEN = 100 * 1024 + 17, N_HH = 40009 };
    sim_err err = {0};
    sim_h5_file *f = sim_h5_create(fx->path, &err);
    sim_h5_series *t, *s[N_SERIES];
    char *big = malloc(LEN + 1), name[32];
    size_t i;
    hid_t h;

    assert_non_null(f);
    assert_non_null(big);
    for (i = 0; i < LEN; i++)
        big[i] = (char)('a' + (i * 7) % 26);
    big[LEN] = '\0';
    assert_int_equal(sim_h5_attr_str(f, "/", "scenario", big, &err), SIM_OK);
    assert_int_equal(sim_h5_dim_values(f, "/", "k", 2, kv, NULL, NULL, &err), SIM_OK);
    t = sim_h5_dim_unlimited(f, "/", "t", SIM_H5_F64, "s", NULL, &err);
    assert_non_null(t);
    for (i = 0; i < N_SERIES; i++) {
        snprintf(name, sizeof name, "s%02zu", i);
        s[i] = sim_h5_series_create(f, "/", name, SIM_H5_U8, 2, dims, 0, NULL, NULL, &err);
        assert_non_null(s[i]);
    }
    for (i = 0; i < 3; i++) {
        double tv = 0.5 * (double)i;
        size_t j;
        assert_int_equal(sim_h5_series_append(t, 1, &tv, &err), SIM_OK);
        for (j = 0; j < N_SERIES; j++) {
            uint8_t row[2] = {(uint8_t)(j + i), (uint8_t)(250 - j)};
            assert_int_equal(sim_h5_series_append(s[j], 1, row, &err), SIM_OK);
        }
    }
    /* A fixed array over 256 KiB (a per-household table) is chunked. */
    {
        static const char *const hh_dims[] = {"hh"};
        double *ids = malloc(N_HH * sizeof *ids);
        int64_t *tab = malloc(N_HH * sizeof *tab);
        assert_non_null(ids);
        assert_non_null(tab);
        for (i = 0; i < N_HH; i++) {
            ids[i] = (double)i;
            tab[i] = (int64_t)(i * i) - 12345;
        }
        assert_int_equal(sim_h5_dim_values(f, "/hh", "hh", N_HH, ids, NULL, "household", &err),
                         SIM_OK);
        assert_int_equal(sim_h5_write_array(f, "/hh", "state", SIM_H5_I64, 1, hh_dims, tab, NULL,
                                            "final state", &err), SIM_OK);
        free(ids);
        free(tab);
    }
    assert_int_equal(sim_h5_commit(f, &err), SIM_OK);

    h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    {
        hid_t d = H5Dopen2(h, "/hh/state", H5P_DEFAULT), dcpl = H5Dget_create_plist(d);
        int64_t *tab = malloc(N_HH * sizeof *tab);
        assert_int_equal(H5Pget_layout(dcpl), H5D_CHUNKED);
        assert_true(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, tab) >= 0);
        for (i = 0; i < N_HH; i++)
            assert_true(tab[i] == (int64_t)(i * i) - 12345);
        free(tab);
        H5Pclose(dcpl);
        H5Dclose(d);
    }
    {
        hid_t root = H5Gopen2(h, "/", H5P_DEFAULT);
        char *v = read_attr_str(root, "scenario");
        assert_int_equal(strlen(v), LEN);
        assert_memory_equal(v, big, LEN);
        free(v);
        H5Gclose(root);
    }
    {
        hid_t d = H5Dopen2(h, "/s36", H5P_DEFAULT);
        uint8_t v[3][2];
        assert_true(H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        assert_int_equal(v[2][0], 38);
        assert_int_equal(v[2][1], 214);
        H5Dclose(d);
    }
    H5Fclose(h);
    free(big);
}

/* A run killed mid-way (no commit, no abort) leaves only its temporary:
 * the previous file under the final name is untouched and still opens. */
static void test_killed_run_keeps_previous_file(void **state)
{
    fixture *fx = *state;
    sim_err err = {0};
    pid_t child;
    int status = 0;
    char child_tmp[256];
    hid_t h, root;

    assert_int_equal(write_sample(fx->path, &err, NULL, 0), SIM_OK);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        static const char *const dims[] = {"day"};
        sim_h5_file *f = sim_h5_create(fx->path, &err);
        sim_h5_series *day, *x;
        double v[64] = {0};
        if (!f)
            _exit(3);
        day = sim_h5_dim_unlimited(f, "/rollout", "day", SIM_H5_I32, NULL, NULL, &err);
        x = sim_h5_series_create(f, "/rollout", "x", SIM_H5_F64, 1, dims, 0, NULL, NULL, &err);
        if (!day || !x || sim_h5_series_append(x, 64, v, &err) ||
            sim_h5_attr_str(f, "/", "status", "overwritten", &err))
            _exit(4);
        _exit(0); /* as if killed: nothing flushed, closed or renamed */
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* only the temporary is at risk */
    assert_true(find_tmp_of(fx->dir, fx->path, (long)child, child_tmp, sizeof child_tmp));
    h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(h >= 0);
    root = H5Gopen2(h, "/", H5P_DEFAULT);
    assert_attr_str(root, "status", "complete");
    H5Gclose(root);
    assert_int_equal(H5Lexists(h, "/rollout/x", H5P_DEFAULT), 0);
    H5Fclose(h);

    /* A second committed run replaces the first atomically. */
    {
        sim_h5_file *f = sim_h5_create(fx->path, &err);
        assert_non_null(f);
        assert_int_equal(sim_h5_attr_str(f, "/", "status", "second", &err), SIM_OK);
        assert_int_equal(sim_h5_commit(f, &err), SIM_OK);
        h = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
        root = H5Gopen2(h, "/", H5P_DEFAULT);
        assert_attr_str(root, "status", "second");
        assert_int_equal(H5Lexists(h, "/rollout", H5P_DEFAULT), 0);
        H5Gclose(root);
        H5Fclose(h);
    }
}

int main(void)
{
    const char *sample = getenv("SMSIM_H5_SAMPLE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_removes_tmp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimension_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_rows_is_noop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffered_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_length_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_rename_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_planted_tmp_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_attr_many_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_run_keeps_previous_file, setup, teardown),
    };
    if (sample && sample[0]) {
        sim_err err = {0};
        if (write_sample(sample, &err, NULL, 0) != SIM_OK) {
            fprintf(stderr, "test_h5: writing sample %s: %s\n", sample, err.msg);
            return 1;
        }
        return 0;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
