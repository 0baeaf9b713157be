/* atomic.c -- write outputs under a temporary name and rename when complete, so a failed or
 * killed run never leaves a partial file at the path a user asked for.
 *
 * The output path is resolved first: a missing name or a regular file is replaced; a symbolic
 * link is followed (hop by hop, also when dangling) and its target is replaced, so the link
 * stays a link; a directory, device, FIFO or socket is refused before anything is created
 * (SKINQ_E_UNSUPPORTED, "'PATH': not a regular file (a FIFO)"). The temporary file is
 * `<target>.tmp.<pid>.<random>` beside the target; its data are fsync'ed before the rename and
 * the directory after it. Temporaries of the same target left by a process that is gone (or
 * older than a day) are removed when the target is written again. */
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40
#define STALE_SECONDS (24 * 3600L) /* a temporary whose writer may still be alive */
#define OLD_STALE_SECONDS (3600L)  /* earlier versions' mkstemp temporaries: no pid to check */

static atomic_ulong fsyncs; /* successful fsync calls (file and directory): tests count them */

unsigned long skinq_atomic_fsync_count(void)
{
    return atomic_load(&fsyncs);
}

static char *dup_str(skinq_ctx *ctx, const char *s, size_t extra)
{
    size_t n = strlen(s);
    char *d = skinq_malloc(ctx, n + extra + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

const char *skinq_mode_kind(unsigned mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a file";
}

/* The directory part of `path` ("." without a slash, "/" for "/x"), through ctx's allocator. */
static char *dir_of(skinq_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return dup_str(ctx, ".", 0);
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = skinq_malloc(ctx, n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* The target of link `path`, relative targets joined to the link's directory. */
static char *link_target(skinq_ctx *ctx, const char *path, size_t hint, int *err)
{
    for (size_t cap = hint + 2 < 256 ? 256 : hint + 2;; cap *= 2) {
        char *t = skinq_malloc(ctx, cap);
        if (!t) {
            *err = ENOMEM;
            return NULL;
        }
        ssize_t n = readlink(path, t, cap);
        if (n < 0) {
            *err = errno;
            skinq_free(ctx, t);
            return NULL;
        }
        if ((size_t)n < cap) {
            t[n] = '\0';
            if (t[0] == '/' || !strchr(path, '/'))
                return t;
            size_t dn = (size_t)(strrchr(path, '/') - path) + 1; /* keep the slash */
            char *j = skinq_malloc(ctx, dn + (size_t)n + 1);
            if (j) {
                memcpy(j, path, dn);
                memcpy(j + dn, t, (size_t)n + 1);
            } else {
                *err = ENOMEM;
            }
            skinq_free(ctx, t);
            return j;
        }
        skinq_free(ctx, t);
        if (cap > (1u << 20)) {
            *err = ENAMETOOLONG;
            return NULL;
        }
    }
}

/* Follow `path` to the file to replace: *target (allocated), *exists and its *mode. */
static skinq_status resolve(skinq_ctx *ctx, const char *path, char **target, int *exists, mode_t *mode)
{
    char *cur = dup_str(ctx, path, 0);
    if (!cur)
        return SKINQ_E_NOMEM;
    for (int hops = 0;; hops++) {
        struct stat sb;
        if (lstat(cur, &sb) != 0) {
            if (errno == ENOENT) { /* a new name (a missing folder fails when the temporary is made) */
                *target = cur;
                *exists = 0;
                return SKINQ_OK;
            }
            skinq_status st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, strerror(errno));
            skinq_free(ctx, cur);
            return st;
        }
        if (S_ISREG(sb.st_mode)) {
            *target = cur;
            *exists = 1;
            *mode = sb.st_mode;
            return SKINQ_OK;
        }
        if (!S_ISLNK(sb.st_mode)) {
            skinq_free(ctx, cur);
            return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "'%s': not a regular file (%s)", path,
                              skinq_mode_kind(sb.st_mode));
        }
        int err = ELOOP;
        char *next = hops < MAX_LINK_HOPS ? link_target(ctx, cur, (size_t)sb.st_size, &err) : NULL;
        skinq_free(ctx, cur);
        if (!next)
            return err == ENOMEM ? SKINQ_E_NOMEM
                                 : skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, strerror(err));
        cur = next;
    }
}

/* Is `rest` (what follows "<name>.tmp.") a temporary of ours ("<pid>.<hex>") whose writer is
 * gone, or an earlier version's mkstemp temporary or one of ours that is simply old? */
static int stale(const char *rest, const struct stat *sb, time_t now)
{
    char *end;
    long pid = strtol(rest, &end, 10);
    if (end != rest && *end == '.' && pid > 0 && end[1] &&
        strspn(end + 1, "0123456789abcdef") == strlen(end + 1)) {
        if (pid == (long)getpid())
            return 0; /* another thread of ours may be writing it */
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            return 1;
        return now - sb->st_mtime > STALE_SECONDS;
    }
    const char *alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    if (strlen(rest) == 6 && strspn(rest, alnum) == 6)
        return now - sb->st_mtime > OLD_STALE_SECONDS;
    return 0;
}

/* Remove stale temporaries of `target` in `dir` (best effort: errors are ignored). */
static void clean_stale(skinq_ctx *ctx, const char *dir, const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t bn = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, base, bn) != 0 || strncmp(e->d_name + bn, ".tmp.", 5) != 0)
            continue;
        size_t pn = strlen(dir) + 1 + strlen(e->d_name) + 1;
        char *p = skinq_malloc(ctx, pn);
        if (!p)
            break;
        snprintf(p, pn, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && stale(e->d_name + bn + 5, &sb, now))
            unlink(p);
        skinq_free(ctx, p);
    }
    closedir(d);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Create `<target>.tmp.<pid>.<random>` exclusively; returns the descriptor or -1 (errno). */
static int make_temp(char *tmp, size_t cap, const char *target, mode_t mode)
{
    static atomic_ulong counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)(uintptr_t)tmp << 7);
    for (int tries = 0; tries < 100; tries++) {
        uint64_t r = mix64(seed + 0x9e3779b97f4a7c15ULL * (atomic_fetch_add(&counter, 1) + 1));
        snprintf(tmp, cap, "%s.tmp.%ld.%08lx", target, (long)getpid(), (unsigned long)(r & 0xffffffffu));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

skinq_status skinq_atomic_open(skinq_ctx *ctx, const char *path, skinq_atomic_file *af)
{
    memset(af, 0, sizeof *af);
    af->ctx = ctx;
    int exists = 0;
    mode_t mode = 0;
    af->shown_path = dup_str(ctx, path, 0);
    skinq_status st = af->shown_path ? resolve(ctx, path, &af->final_path, &exists, &mode) : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        af->dir_path = dir_of(ctx, af->final_path);
        af->tmp_path = dup_str(ctx, af->final_path, 48);
        if (!af->dir_path || !af->tmp_path)
            st = SKINQ_E_NOMEM;
    }
    if (st != SKINQ_OK) {
        if (af->tmp_path)
            af->tmp_path[0] = '\0';
        skinq_atomic_abort(af);
        return st == SKINQ_E_NOMEM ? skinq_fail(ctx, st, "out of memory writing '%s'", path) : st;
    }
    clean_stale(ctx, af->dir_path, af->final_path);
    int fd = make_temp(af->tmp_path, strlen(af->final_path) + 49, af->final_path, 0666);
    if (fd < 0) {
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, strerror(errno));
        af->tmp_path[0] = '\0'; /* nothing to remove */
        skinq_atomic_abort(af);
        return st;
    }
    if (exists)
        (void)fchmod(fd, mode & 0777); /* the replaced file's permissions (not fatal) */
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        skinq_atomic_abort(af);
        return st;
    }
    return SKINQ_OK;
}

skinq_status skinq_atomic_open_or_stdout(skinq_ctx *ctx, const char *path, skinq_atomic_file *af)
{
    if (strcmp(path, "-") != 0)
        return skinq_atomic_open(ctx, path, af);
    memset(af, 0, sizeof *af);
    af->ctx = ctx;
    af->f = stdout;
    af->to_stdout = 1;
    return SKINQ_OK;
}

/* Test hook: SKINQ_TEST_ATOMIC_STALL=N sleeps N seconds after the temporary is complete and
 * before the rename, so a test can kill a writer at the worst moment. */
static void stall_hook(void)
{
    const char *v = getenv("SKINQ_TEST_ATOMIC_STALL");
    unsigned n = v && *v ? (unsigned)strtoul(v, NULL, 10) : 0;
    while (n)
        n = sleep(n);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fsync(fd) == 0) /* some file systems refuse it for folders (EINVAL): the rename is done */
        atomic_fetch_add(&fsyncs, 1);
    close(fd);
}

skinq_status skinq_atomic_commit(skinq_ctx *ctx, skinq_atomic_file *af)
{
    if (af->to_stdout) {
        int bad = ferror(af->f) || fflush(af->f) != 0;
        af->f = NULL;
        skinq_atomic_abort(af);
        return bad ? skinq_fail(ctx, SKINQ_E_IO, "cannot write to standard output: %s", strerror(errno))
                   : SKINQ_OK;
    }
    int bad = ferror(af->f) || fflush(af->f) != 0;
    int err = bad ? errno : 0;
    if (!bad && fsync(fileno(af->f)) != 0) {
        bad = 1;
        err = errno;
    } else if (!bad) {
        atomic_fetch_add(&fsyncs, 1);
    }
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    af->f = NULL;
    skinq_status st = SKINQ_OK;
    if (bad) {
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", af->shown_path, strerror(err ? err : EIO));
    } else {
        stall_hook();
        struct stat sb; /* something else may have taken the name since it was resolved */
        if (lstat(af->final_path, &sb) == 0 && !S_ISREG(sb.st_mode))
            st = skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "'%s': not a regular file (%s)", af->shown_path,
                            skinq_mode_kind(sb.st_mode));
        else if (rename(af->tmp_path, af->final_path) != 0)
            st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", af->shown_path, strerror(errno));
    }
    if (st == SKINQ_OK) {
        af->tmp_path[0] = '\0'; /* renamed: nothing to remove */
        sync_dir(af->dir_path);
    }
    skinq_atomic_abort(af);
    return st;
}

void skinq_atomic_abort(skinq_atomic_file *af)
{
    if (af->f && !af->to_stdout)
        fclose(af->f);
    if (af->tmp_path && af->tmp_path[0])
        unlink(af->tmp_path);
    if (af->ctx) {
        skinq_free(af->ctx, af->tmp_path);
        skinq_free(af->ctx, af->final_path);
        skinq_free(af->ctx, af->shown_path);
        skinq_free(af->ctx, af->dir_path);
    }
    memset(af, 0, sizeof *af);
}

skinq_status skinq_dir_ensure(skinq_ctx *ctx, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot create '%s': %s", dir, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return skinq_fail(ctx, SKINQ_E_IO, "cannot write into '%s': not a directory", dir);
    return SKINQ_OK;
}
