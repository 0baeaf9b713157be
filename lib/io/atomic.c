/* atomic.c -- write outputs under a temporary name and rename when complete, so a failed or
 * killed run never leaves a partial file at the path a user asked for. */
#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dup_str(skinq_ctx *ctx, const char *s, size_t extra)
{
    size_t n = strlen(s);
    char *d = skinq_malloc(ctx, n + extra + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

skinq_status skinq_atomic_open(skinq_ctx *ctx, const char *path, skinq_atomic_file *af)
{
    memset(af, 0, sizeof *af);
    af->ctx = ctx;
    af->final_path = dup_str(ctx, path, 0);
    af->tmp_path = dup_str(ctx, path, 16);
    if (!af->final_path || !af->tmp_path) {
        skinq_atomic_abort(af);
        return SKINQ_E_NOMEM;
    }
    strcat(af->tmp_path, ".tmp.XXXXXX");
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        skinq_status st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, strerror(errno));
        af->tmp_path[0] = '\0'; /* nothing to remove */
        skinq_atomic_abort(af);
        return st;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) { /* mkstemp makes 0600; give the usual mode */
        /* not fatal: the file is still the user's */
    }
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        close(fd);
        skinq_status st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, strerror(errno));
        skinq_atomic_abort(af);
        return st;
    }
    return SKINQ_OK;
}

skinq_status skinq_atomic_commit(skinq_ctx *ctx, skinq_atomic_file *af)
{
    int bad = ferror(af->f) || fflush(af->f) != 0;
    int err = errno;
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    af->f = NULL;
    if (!bad && rename(af->tmp_path, af->final_path) != 0) {
        bad = 1;
        err = errno;
    }
    skinq_status st = SKINQ_OK;
    if (bad)
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", af->final_path, strerror(err));
    else
        af->tmp_path[0] = '\0'; /* renamed: nothing to remove */
    skinq_atomic_abort(af);
    return st;
}

void skinq_atomic_abort(skinq_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp_path && af->tmp_path[0])
        unlink(af->tmp_path);
    if (af->ctx) {
        skinq_free(af->ctx, af->tmp_path);
        skinq_free(af->ctx, af->final_path);
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
