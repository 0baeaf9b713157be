/* metrics.c -- the flat list of (dotted path, value, unit) every analysis reports through. */
#include "core.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The items live behind a copy of the allocator that made them: skinq_metrics_free() has no ctx
 * (the list is the caller's and may outlive it), yet frees through the same hooks. */
typedef union metrics_head {
    skinq_allocator alloc;
    max_align_t align;
} metrics_head;

static metrics_head *head_of(skinq_metric *items)
{
    return (metrics_head *)(void *)items - 1;
}

static void items_free(skinq_metric *items)
{
    if (!items)
        return;
    metrics_head *h = head_of(items);
    skinq_allocator a = h->alloc;
    skinq_free_raw(&a, h);
}

/* Room for `cap` items, the old ones moved over; NULL when out of memory (list unchanged). */
static skinq_metric *items_grow(skinq_ctx *ctx, const skinq_metrics *m, size_t cap)
{
    size_t bytes;
    if (skinq_mul_size(cap, sizeof(skinq_metric), &bytes) != 0 || bytes > SIZE_MAX - sizeof(metrics_head))
        return NULL;
    metrics_head *h = skinq_alloc_raw(&ctx->alloc, sizeof *h + bytes);
    if (!h)
        return NULL;
    h->alloc = ctx->alloc;
    skinq_metric *items = (skinq_metric *)(void *)(h + 1);
    if (m->count)
        memcpy(items, m->items, m->count * sizeof *items);
    items_free(m->items);
    return items;
}

static void copy_trunc(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

skinq_status skinq_metrics_add(skinq_ctx *ctx, skinq_metrics *m, const char *path, double value,
                               const char *unit)
{
    for (size_t i = 0; i < m->count; i++) {
        if (strcmp(m->items[i].path, path) == 0) {
            m->items[i].value = value;
            copy_trunc(m->items[i].unit, sizeof m->items[i].unit, unit);
            return SKINQ_OK;
        }
    }
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        skinq_metric *items = items_grow(ctx, m, cap);
        if (!items)
            return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (%zu metrics)", cap);
        m->items = items;
        m->cap = cap;
    }
    skinq_metric *it = &m->items[m->count++];
    copy_trunc(it->path, sizeof it->path, path);
    copy_trunc(it->unit, sizeof it->unit, unit);
    it->value = value;
    return SKINQ_OK;
}

skinq_status skinq_metrics_addf(skinq_ctx *ctx, skinq_metrics *m, double value, const char *unit,
                                const char *path_fmt, ...)
{
    char path[sizeof m->items[0].path];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    return skinq_metrics_add(ctx, m, path, value, unit);
}

const skinq_metric *skinq_metrics_find(const skinq_metrics *m, const char *path)
{
    for (size_t i = 0; m && i < m->count; i++)
        if (strcmp(m->items[i].path, path) == 0)
            return &m->items[i];
    return NULL;
}

void skinq_metrics_free(skinq_metrics *m)
{
    if (!m)
        return;
    items_free(m->items);
    memset(m, 0, sizeof *m);
}

int skinq_metric_repeatable(const char *path)
{
    static const char *const parameters[] = {"texture.psd.tile_px", "texture.psd.tiles"};
    if (strstr(path, ".bins.") || strncmp(path, "alignment.", 10) == 0)
        return 0;
    for (size_t i = 0; i < sizeof parameters / sizeof parameters[0]; i++)
        if (strcmp(path, parameters[i]) == 0)
            return 0;
    return 1;
}

double skinq_mdc95(double sd)
{
    return 1.96 * sqrt(2.0) * sd;
}
