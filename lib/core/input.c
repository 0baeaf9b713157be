/* input.c -- every input file is opened here, once: open without blocking and without becoming
 * the controlling terminal, fstat, refuse what is not a regular file (a FIFO would hang, a device
 * would stream forever), then read the bytes once into ctx's memory. Probing, hashing and
 * decoding all work from those bytes, so a file replaced on disk during an analysis cannot make
 * the header that planned the buffers differ from the data decoded into them. */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m)   ? "a fifo"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a file";
}

/* Read up to max bytes (+1 to see that there is more) from fd into a growing buffer. */
static skinq_status read_all(skinq_ctx *ctx, int fd, const char *path, size_t hint, uint64_t max,
                             skinq_input *in)
{
    size_t cap = hint ? hint + 1 : 65536, len = 0;
    uint8_t *buf = skinq_malloc(ctx, cap);
    if (!buf)
        return SKINQ_E_NOMEM;
    for (;;) {
        if (len == cap) {
            if (len > max)
                break;
            size_t ncap = cap * 2;
            uint8_t *nb = skinq_realloc(ctx, buf, len, ncap);
            if (!nb) {
                skinq_free(ctx, buf);
                return SKINQ_E_NOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            skinq_free(ctx, buf);
            return skinq_fail(ctx, SKINQ_E_IO, "cannot read '%s': %s", path, strerror(e));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len > max) {
        skinq_free(ctx, buf);
        return skinq_fail(ctx, SKINQ_E_LIMIT,
                          "cannot read '%s': larger than the limit of %llu bytes (--max-bytes)", path,
                          (unsigned long long)max);
    }
    in->owned = buf;
    in->data = buf;
    in->size = len;
    return SKINQ_OK;
}

skinq_status skinq_input_open(skinq_ctx *ctx, const char *path, unsigned flags, skinq_input *in)
{
    memset(in, 0, sizeof *in);
    in->name = path;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    skinq_status st = SKINQ_OK;
    if (fstat(fd, &sb) != 0)
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot stat '%s': %s", path, strerror(errno));
    else if (S_ISDIR(sb.st_mode))
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot open '%s': is a directory", path);
    else if (!S_ISREG(sb.st_mode) && !(flags & SKINQ_INPUT_SPECIAL))
        st = skinq_fail(ctx, SKINQ_E_IO, "'%s': not a regular file (%s)", path, kind_of(sb.st_mode));
    const uint64_t max = skinq_ctx_max_bytes(ctx);
    if (st == SKINQ_OK && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > max)
        st = skinq_fail(ctx, SKINQ_E_LIMIT,
                        "cannot read '%s': %llu bytes is above the limit of %llu bytes (--max-bytes)", path,
                        (unsigned long long)sb.st_size, (unsigned long long)max);
    if (st == SKINQ_OK && !S_ISREG(sb.st_mode)) { /* allowed special file: block on reads from now */
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
            st = skinq_fail(ctx, SKINQ_E_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    if (st == SKINQ_OK)
        st = read_all(ctx, fd, path, S_ISREG(sb.st_mode) ? (size_t)sb.st_size : 0, max, in);
    close(fd);
    return st;
}

void skinq_input_mem(skinq_input *in, const void *data, size_t size, const char *name)
{
    memset(in, 0, sizeof *in);
    in->data = data;
    in->size = size;
    in->name = name ? name : "(memory)";
}

void skinq_input_close(skinq_ctx *ctx, skinq_input *in)
{
    skinq_free(ctx, in->owned);
    memset(in, 0, sizeof *in);
}
