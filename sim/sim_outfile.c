/*
 * sim_outfile.c — output target checks, the exclusive temporary file, stale
 * temporaries (see sim_outfile.h).
 *
 * Trade-offs: the checks before the run cannot make the final rename
 * certain (another process may change the directory meanwhile); they make
 * it fail only for reasons that arise during the run.  Staleness is judged
 * by the process id on this machine and by the lock a live HDF5 writer
 * holds: a file on a shared file system whose writer is alive on another
 * machine is kept when the file system honours flock (NFSv4, Lustre with
 * flock on); where it does not, two machines must not write to the same
 * output name at once.
 */
#include "sim_outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#include <sys/random.h>
#endif

#ifndef NAME_MAX
#define NAME_MAX 255
#endif
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* dir (".", "/", "a/b") and base ("x.h5") of path. */
static void split_path(const char *path, char *dir, size_t dir_size, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, dir_size, ".");
    else if (slash == path)
        snprintf(dir, dir_size, "/");
    else
        snprintf(dir, dir_size, "%.*s", (int)(slash - path), path);
    *base = slash ? slash + 1 : path;
}

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

/* 1 when the file system marks path immutable or append-only (either
 * makes the final rename fail, even for root); 0 otherwise or unknown. */
static int is_immutable(const char *path, int is_dir)
{
#if defined(__linux__) && defined(FS_IOC_GETFLAGS)
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0));
    int flags = 0, r;
    if (fd < 0)
        return 0;
    r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    close(fd);
    return r == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) != 0;
#else
    (void)path;
    (void)is_dir;
    return 0;
#endif
}

static int check_dir(const char *final_path, const char *dir, sim_err *err)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory %s: %s", final_path, dir,
                        strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return SIM_FAIL(err, SIM_EINPUT, "%s: %s is not a directory", final_path, dir);
    if (is_immutable(dir, 1))
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory %s is immutable or append-only "
                        "(chattr): nothing can be created or renamed in it", final_path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return SIM_FAIL(err, SIM_EINPUT, "%s: output directory %s is not writable: %s",
                        final_path, dir, strerror(errno));
    return SIM_OK;
}

/* What this process's temporary name adds: ".tmp.PID.RANDOM". */
static size_t tmp_extra(void)
{
    char pid[24];
    return 5 + (size_t)snprintf(pid, sizeof pid, "%ld", (long)getpid()) + 17;
}

static int check_lengths(const char *final_path, const char *dir, const char *base, sim_err *err)
{
    long name_max = pathconf(dir, _PC_NAME_MAX);
    size_t extra = tmp_extra();
    if (name_max <= 0)
        name_max = NAME_MAX;
    if (base[0] == '\0' || !strcmp(base, ".") || !strcmp(base, ".."))
        return SIM_FAIL(err, SIM_EINPUT, "%s: names a directory, not a file", final_path);
    if (strlen(base) + extra > (size_t)name_max)
        return SIM_FAIL(err, SIM_EINPUT, "%s: file name too long: %zu bytes, allowed %ld "
                        "(the file system's limit, %ld, less %zu for the temporary name's suffix "
                        "\".tmp.PID.RANDOM\")", final_path, strlen(base),
                        name_max - (long)extra, name_max, extra);
    if (strlen(final_path) + extra >= PATH_MAX)
        return SIM_FAIL(err, SIM_EINPUT, "%s: path too long: %zu bytes, allowed %ld",
                        final_path, strlen(final_path), (long)(PATH_MAX - extra - 1));
    return SIM_OK;
}

/* An existing target must be a plain file of ours to replace, and no input. */
static int check_existing(const char *final_path, const char *const *inputs, size_t n_inputs,
                          sim_err *err)
{
    struct stat st, in;
    if (lstat(final_path, &st) != 0)
        return errno == ENOENT ? SIM_OK
                               : SIM_FAIL(err, SIM_EINPUT, "%s: %s", final_path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return SIM_FAIL(err, SIM_EINPUT, "%s exists and is %s; smsim only replaces regular "
                        "files: remove it or choose another name", final_path,
                        kind_of(st.st_mode));
    if (is_immutable(final_path, 0))
        return SIM_FAIL(err, SIM_EINPUT, "%s is immutable or append-only (chattr): it cannot "
                        "be replaced", final_path);
    for (size_t i = 0; i < n_inputs; i++)
        if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == st.st_dev &&
            in.st_ino == st.st_ino)
            return SIM_FAIL(err, SIM_EINPUT, "%s is the input %s: the output would replace it; "
                            "choose another output name", final_path, inputs[i]);
    return SIM_OK;
}

int sim_outfile_check(const char *final_path, const char *const *inputs, size_t n_inputs,
                      sim_err *err)
{
    char dir[PATH_MAX];
    const char *base;
    int rc;
    if (!final_path || !final_path[0])
        return SIM_FAIL(err, SIM_EINPUT, "the output file name is empty");
    if (strlen(final_path) >= sizeof dir)
        return SIM_FAIL(err, SIM_EINPUT, "%.64s...: path too long", final_path);
    split_path(final_path, dir, sizeof dir, &base);
    if ((rc = check_dir(final_path, dir, err)) || (rc = check_lengths(final_path, dir, base, err)))
        return rc;
    return check_existing(final_path, inputs, n_inputs, err);
}

/* 64 unpredictable bits: the kernel's random source, or (without one) a
 * mix of clocks and addresses that is at least not the pid alone. */
static uint64_t random_bits(void)
{
    uint64_t r = 0;
#ifdef __linux__
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
#endif
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, &r, sizeof r);
        close(fd);
        if (n == (ssize_t)sizeof r)
            return r;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&r;
    return r * 0x9E3779B97F4A7C15ull;
}

int sim_outfile_create_tmp(const char *final_path, char *tmp, size_t tmp_size, int *fd,
                           sim_err *err)
{
    *fd = -1;
    for (int attempt = 0; attempt < 8; attempt++) {
        int n = snprintf(tmp, tmp_size, "%s.tmp.%ld.%016llx", final_path, (long)getpid(),
                         (unsigned long long)random_bits());
        if (n < 0 || (size_t)n >= tmp_size)
            return SIM_FAIL(err, SIM_EINPUT, "%s: path too long for its temporary name",
                            final_path);
        *fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (*fd >= 0)
            return SIM_OK;
        if (errno != EEXIST)
            return SIM_FAIL(err, SIM_ERUNTIME, "cannot create the temporary output file %s: %s",
                            tmp, strerror(errno));
    }
    return SIM_FAIL(err, SIM_ERUNTIME, "cannot create a temporary output file beside %s: "
                    "every name tried exists", final_path);
}

/* NAME is BASE.tmp.PID or BASE.tmp.PID.HEX; the pid, or 0. */
static long stale_pid(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) || strncmp(name + bl, ".tmp.", 5))
        return 0;
    const char *p = name + bl + 5;
    char *end;
    errno = 0;
    long pid = strtol(p, &end, 10);
    if (errno || end == p || pid <= 0 || (*end && *end != '.'))
        return 0;
    if (*end == '.') {
        const char *h = end + 1;
        if (!*h || strspn(h, "0123456789abcdef") != strlen(h))
            return 0;
    }
    return pid;
}

/* A dead run's file: ours, regular, its process gone, nobody holding it. */
static int is_stale(int dirfd, const char *name, long pid)
{
    struct stat st;
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid())
        return 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int free_of_locks = flock(fd, LOCK_EX | LOCK_NB) == 0;
    struct stat st2;
    int same = fstat(fd, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev;
    close(fd);
    return free_of_locks && same;
}

static void append_name(char *out, size_t size, const char *name)
{
    size_t len = strlen(out);
    if (len + 1 < size)
        snprintf(out + len, size - len, "%s%s", len ? ", " : "", name);
}

size_t sim_outfile_remove_stale(const char *final_path, char *removed, size_t removed_size)
{
    char dir[PATH_MAX];
    const char *base;
    size_t n = 0;
    if (removed_size)
        removed[0] = '\0';
    if (!final_path || strlen(final_path) >= sizeof dir)
        return 0;
    split_path(final_path, dir, sizeof dir, &base);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        long pid = stale_pid(e->d_name, base);
        if (pid && is_stale(dirfd(d), e->d_name, pid) && unlinkat(dirfd(d), e->d_name, 0) == 0) {
            append_name(removed, removed_size, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}
