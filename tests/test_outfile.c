/*
 * test_outfile.c — sim_outfile: the checks of an output name before a run
 * (each refusal, and what is allowed), the exclusive temporary name, and
 * which stale temporaries are removed (only dead runs' regular files of
 * the same output).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_outfile.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/smsim-test-outfile-XXXXXX");
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
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);   /* our mkdtemp directory only */
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static void touch(const char *dir, const char *name)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static int exists_in(const char *dir, const char *name)
{
    char p[2048];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0;
}

/* A process id that is no longer running (a child reaped at once). */
static long dead_pid(void)
{
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    assert_true(c > 0);
    waitpid(c, NULL, 0);
    return (long)c;
}

static void expect_refused(const char *path, const char *const *inputs, size_t n, const char *why)
{
    sim_err err = {0};
    assert_int_equal(sim_outfile_check(path, inputs, n, &err), SIM_EINPUT);
    if (!strstr(err.msg, why))
        fail_msg("'%s' refused, but the message lacks '%s': %s", path, why, err.msg);
}

static void test_check_refusals(void **state)
{
    fixture *fx = *state;
    char p[512], in[512];
    sim_err err = {0};

    /* allowed: a new name, and an existing regular file */
    assert_int_equal(sim_outfile_check(fx->path, NULL, 0, &err), SIM_OK);
    touch(fx->dir, "out.h5");
    assert_int_equal(sim_outfile_check(fx->path, NULL, 0, &err), SIM_OK);

    expect_refused("", NULL, 0, "empty");
    snprintf(p, sizeof p, "%s/sub", fx->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    expect_refused(p, NULL, 0, "a directory");
    snprintf(p, sizeof p, "%s/", fx->dir);
    expect_refused(p, NULL, 0, "directory");
    snprintf(p, sizeof p, "%s/fifo.h5", fx->dir);
    assert_int_equal(mkfifo(p, 0600), 0);
    expect_refused(p, NULL, 0, "a FIFO");
    snprintf(p, sizeof p, "%s/link.h5", fx->dir);
    assert_int_equal(symlink(fx->path, p), 0);
    expect_refused(p, NULL, 0, "a symbolic link");
    snprintf(p, sizeof p, "%s/missing/out.h5", fx->dir);
    expect_refused(p, NULL, 0, "missing/out.h5");
    snprintf(p, sizeof p, "%s/out.h5/x.h5", fx->dir);
    expect_refused(p, NULL, 0, "not a directory");

    /* an input, by device and inode: itself, or a hard link to it */
    touch(fx->dir, "s.cfg");
    snprintf(in, sizeof in, "%s/s.cfg", fx->dir);
    const char *inputs[] = {NULL, in};
    expect_refused(in, inputs, 2, "is the input");
    snprintf(p, sizeof p, "%s/hard.h5", fx->dir);
    assert_int_equal(link(in, p), 0);
    expect_refused(p, inputs, 2, "is the input");

    /* a name that fits NAME_MAX alone but not with ".tmp.PID.RANDOM" */
    char name[256];
    memset(name, 'n', 240);
    name[240] = '\0';
    snprintf(p, sizeof p, "%s/%s", fx->dir, name);
    expect_refused(p, NULL, 0, "too long");
    name[200] = '\0';
    snprintf(p, sizeof p, "%s/%s", fx->dir, name);
    assert_int_equal(sim_outfile_check(p, NULL, 0, &err), SIM_OK);
}

static void test_create_tmp_exclusive(void **state)
{
    fixture *fx = *state;
    char a[256], b[256], prefix[256];
    int fa = -1, fb = -1;
    sim_err err = {0};
    struct stat st;

    assert_int_equal(sim_outfile_create_tmp(fx->path, a, sizeof a, &fa, &err), SIM_OK);
    assert_int_equal(sim_outfile_create_tmp(fx->path, b, sizeof b, &fb, &err), SIM_OK);
    assert_true(fa >= 0 && fb >= 0);
    size_t n = (size_t)snprintf(prefix, sizeof prefix, "%s.tmp.%ld.", fx->path, (long)getpid());
    assert_memory_equal(a, prefix, n);
    assert_int_equal(strlen(a + n), 16);
    assert_int_equal(strspn(a + n, "0123456789abcdef"), 16);
    assert_string_not_equal(a, b);                 /* the random part differs */
    assert_int_equal(lstat(a, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, 0);
    close(fa);
    close(fb);
    /* a buffer too small for the name: refused, nothing created */
    char tiny[16];
    int ft = -1;
    assert_int_equal(sim_outfile_create_tmp(fx->path, tiny, sizeof tiny, &ft, &err), SIM_EINPUT);
    assert_int_equal(ft, -1);
}

static void test_remove_stale(void **state)
{
    fixture *fx = *state;
    char name[9][128], removed[1024], target[256];
    long dead = dead_pid(), me = (long)getpid();

    snprintf(name[0], 128, "out.h5.tmp.%ld.0123456789abcdef", dead);   /* removed */
    snprintf(name[1], 128, "out.h5.tmp.%ld", dead);                    /* removed (old form) */
    snprintf(name[2], 128, "out.h5.tmp.%ld.00000000000000aa", me);     /* alive */
    snprintf(name[3], 128, "out.h5.tmp.%ld.ZZ", dead);                 /* not our form */
    snprintf(name[4], 128, "other.h5.tmp.%ld.0123456789abcdef", dead); /* another output */
    snprintf(name[5], 128, "out.h5.tmp.%ld.00000000000000bb", dead);   /* a symbolic link */
    snprintf(name[6], 128, "out.h5.tmp.x%ld", dead);                   /* not a pid */
    snprintf(name[7], 128, "out.h5.tmp.%ld.00000000000000cc", dead);   /* a directory */
    snprintf(name[8], 128, "out.h5");                                   /* the output itself */
    for (int i = 0; i < 9; i++) {
        if (i == 5) {
            snprintf(target, sizeof target, "%s/%s", fx->dir, name[5]);
            assert_int_equal(symlink(fx->path, target), 0);
        } else if (i == 7) {
            snprintf(target, sizeof target, "%s/%s", fx->dir, name[7]);
            assert_int_equal(mkdir(target, 0700), 0);
        } else {
            touch(fx->dir, name[i]);
        }
    }
    assert_int_equal(sim_outfile_remove_stale(fx->path, removed, sizeof removed), 2);
    assert_false(exists_in(fx->dir, name[0]));
    assert_false(exists_in(fx->dir, name[1]));
    for (int i = 2; i < 9; i++)
        if (!exists_in(fx->dir, name[i]))
            fail_msg("%s was removed", name[i]);
    assert_non_null(strstr(removed, name[0]));
    assert_non_null(strstr(removed, name[1]));
    /* nothing left to remove the second time */
    assert_int_equal(sim_outfile_remove_stale(fx->path, removed, sizeof removed), 0);
    assert_string_equal(removed, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_tmp_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_stale, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
