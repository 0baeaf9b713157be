/* alloc.c -- allocation through the context's (optional) allocator hooks. */
#define _DEFAULT_SOURCE /* madvise */
#include "core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Large blocks (image planes, decode buffers, a big photo's colour counts) are written soon after
 * they are allocated. In 4-KiB pages every first touch is a fault: a 12-MP photo's planes are
 * ~15 000 of them, its colour table ~6 000, and under a hypervisor each costs 10-20 us (a cold
 * 12-MP colour pass took 228 ms, 32 ms warm). Transparent huge pages make those 2-MiB faults,
 * 512 times fewer (the cold pass: 36 ms); Debian's default lets a program ask per mapping (THP
 * "madvise"). The cost is residency in 2-MiB steps: the colour table of a 12-MP photo, whose
 * colours span a band of red levels, keeps ~30 MB more resident (small photos count into a list
 * instead: colorhist.c). */
enum { HUGE_MIN = 4 << 20 };

static void advise_huge(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!p || size < HUGE_MIN)
        return;
    const uintptr_t page = 4096, a = ((uintptr_t)p + page - 1) & ~(page - 1),
                    b = ((uintptr_t)p + size) & ~(page - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE); /* advice only: a refusal changes nothing */
#else
    (void)p;
    (void)size;
#endif
}

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
    else if (!ctx->alloc.malloc_fn)
        advise_huge(p, size);
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
         * when used (the colour tables rely on it: 64 MiB a table, a band of it used) */
        void *p = calloc(1, total ? total : 1);
        if (!p)
            skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (%zu bytes)", total);
        advise_huge(p, total);
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
