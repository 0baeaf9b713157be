/* npy.c -- a 2-D array as a NumPy .npy file (format 1.0: magic, a Python-literal header padded to
 * 64 bytes, the raw little-endian row-major data): numbers a notebook loads with numpy.load(). */
#include <stdio.h>
#include <string.h>

#include "io/io.h"

skinq_status skinq_npy_write(skinq_ctx *ctx, const char *path, const void *data, const char *descr,
                             size_t item, int height, int width)
{
    char head[128];
    int n = snprintf(head + 10, sizeof head - 10,
                     "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, height, width);
    size_t len = 10 + (size_t)n + 1, padded = (len + 63) / 64 * 64; /* the header ends with '\n' */
    memset(head + 10 + n, ' ', padded - len);
    head[padded - 1] = '\n';
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    head[8] = (char)((padded - 10) & 0xff), head[9] = (char)((padded - 10) >> 8);
    skinq_atomic_file af;
    skinq_status st = skinq_atomic_open(ctx, path, &af);
    if (st != SKINQ_OK)
        return st;
    size_t cells = (size_t)height * (size_t)width;
    if (fwrite(head, 1, padded, af.f) != padded || fwrite(data, item, cells, af.f) != cells) {
        skinq_atomic_abort(&af);
        return skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s'", path);
    }
    return skinq_atomic_commit(ctx, &af);
}
