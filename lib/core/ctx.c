/* ctx.c -- the context: settings, ISA ceiling (settings & SKINQ_ISA & CPU), thread pool. */
#include "core.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *skinq_version(void)
{
    return SKINQ_VERSION_STRING;
}

int skinq_version_api(void)
{
    return SKINQ_API_VERSION;
}

void skinq_ctx_default_settings(skinq_settings *s)
{
    memset(s, 0, sizeof *s);
    s->size = sizeof *s;
    s->threads = 0;
    s->isa_mask = SKINQ_ISA_ALL;
    s->max_pixels = 100000000u;
    s->max_bytes = (uint64_t)1 << 30;
    s->max_png_chunk_bytes = 8000000u;
    s->max_png_chunks = 1000u;
    s->max_jpeg_scans = 500u;
}

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

skinq_status skinq_ctx_open(skinq_ctx **out, const skinq_settings *settings)
{
    skinq_settings def;
    skinq_status st = SKINQ_OPTIONS_TAKE(NULL, &def, settings, skinq_ctx_default_settings, "skinq_settings");
    if (st != SKINQ_OK)
        return st;
    const skinq_settings *s = &def;
    if (!out || s->threads < 0 || s->threads > 1024 || s->max_pixels == 0 || s->max_bytes == 0 ||
        s->max_png_chunk_bytes == 0 || s->max_png_chunks == 0 || s->max_jpeg_scans == 0)
        return SKINQ_E_INVALID;
    if ((s->alloc.malloc_fn == NULL) != (s->alloc.free_fn == NULL))
        return SKINQ_E_INVALID;

    skinq_ctx *ctx = skinq_alloc_raw(&s->alloc, sizeof *ctx);
    if (!ctx)
        return SKINQ_E_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = s->alloc;
    ctx->threads = s->threads ? s->threads : online_cores();
    ctx->max_pixels = s->max_pixels;
    ctx->max_bytes = s->max_bytes;
    ctx->max_png_chunk_bytes = s->max_png_chunk_bytes;
    ctx->max_png_chunks = s->max_png_chunks;
    ctx->max_jpeg_scans = s->max_jpeg_scans;
    ctx->keep_buffers = s->keep_buffers != 0;

    ctx->isa = skinq_isa_ceiling(s->isa_mask);

    st = skinq_pool_new(ctx, ctx->threads, &ctx->pool);
    if (st != SKINQ_OK) {
        skinq_free_raw(&s->alloc, ctx);
        return st;
    }
    *out = ctx;
    return SKINQ_OK;
}

void skinq_ctx_close(skinq_ctx **pctx)
{
    if (!pctx || !*pctx)
        return;
    skinq_ctx *ctx = *pctx;
    skinq_ctx_drop_caches(ctx);
    for (int i = 0; i < SKINQ_TABLE_COUNT; i++)
        skinq_free(ctx, ctx->tables[i]);
    skinq_pool_free(ctx, &ctx->pool);
    skinq_allocator a = ctx->alloc;
    skinq_free_raw(&a, ctx);
    *pctx = NULL;
}

void *skinq_ctx_take(skinq_ctx *ctx, int id)
{
    void *p = ctx->cache[id].p;
    ctx->cache[id].p = NULL;
    return p;
}

void skinq_ctx_keep(skinq_ctx *ctx, int id, void *p, void (*free_fn)(skinq_ctx *ctx, void *p))
{
    if (!p)
        return;
    if (ctx->cache[id].p) {
        free_fn(ctx, p);
        return;
    }
    ctx->cache[id].p = p;
    ctx->cache[id].free_fn = free_fn;
}

void skinq_ctx_drop_caches(skinq_ctx *ctx)
{
    for (int i = 0; i < SKINQ_CACHE_COUNT; i++)
        if (ctx->cache[i].p) {
            ctx->cache[i].free_fn(ctx, ctx->cache[i].p);
            ctx->cache[i].p = NULL;
        }
}

void skinq_ctx_set_warning_handler(skinq_ctx *ctx, void (*fn)(const char *msg, void *user), void *user)
{
    ctx->warn_fn = fn;
    ctx->warn_user = user;
}

int skinq_ctx_keeps_buffers(const skinq_ctx *ctx)
{
    return ctx->keep_buffers;
}

int skinq_ctx_threads(const skinq_ctx *ctx)
{
    return ctx->threads;
}

unsigned skinq_ctx_isa(const skinq_ctx *ctx)
{
    return ctx->isa;
}

uint64_t skinq_ctx_max_pixels(const skinq_ctx *ctx)
{
    return ctx->max_pixels;
}

uint64_t skinq_ctx_max_bytes(const skinq_ctx *ctx)
{
    return ctx ? ctx->max_bytes : (uint64_t)1 << 30;
}
