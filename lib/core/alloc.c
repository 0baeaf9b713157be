/* alloc.c -- allocation through the context's (optional) allocator hooks. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

void *skinq_alloc_raw(const skinq_allocator *a, size_t size)
{
    if (size == 0)
        size = 1;
    if (a && a->malloc_fn)
        return a->malloc_fn(size, a->user);
    return malloc(size);
}

void skinq_free_raw(const skinq_allocator *a, void *p)
{
    if (!p)
        return;
    if (a && a->free_fn)
        a->free_fn(p, a->user);
    else
        free(p);
}

void *skinq_malloc(skinq_ctx *ctx, size_t size)
{
    void *p = skinq_alloc_raw(&ctx->alloc, size);
    if (!p)
        skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (%zu bytes)", size);
    return p;
}

void *skinq_calloc(skinq_ctx *ctx, size_t n, size_t size)
{
    size_t total;
    if (skinq_mul_size(n, size, &total) != 0) {
        skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (%zu x %zu bytes)", n, size);
        return NULL;
    }
    if (!ctx->alloc.malloc_fn) {
        /* the default allocator's calloc: large blocks come as fresh zero pages, touched only
         * when used (the colour histograms rely on it: 64 MiB a table, a few hundred pages used) */
        void *p = calloc(1, total ? total : 1);
        if (!p)
            skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (%zu bytes)", total);
        return p;
    }
    void *p = skinq_malloc(ctx, total);
    if (p)
        memset(p, 0, total);
    return p;
}

void *skinq_realloc(skinq_ctx *ctx, void *p, size_t old_size, size_t new_size)
{
    void *q = skinq_malloc(ctx, new_size);
    if (!q)
        return NULL;
    if (p)
        memcpy(q, p, old_size < new_size ? old_size : new_size);
    skinq_free(ctx, p);
    return q;
}

void skinq_free(skinq_ctx *ctx, void *p)
{
    skinq_free_raw(&ctx->alloc, p);
}
