/* metrics.c -- the flat list of (dotted path, value, unit) every analysis reports through. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        /* plain realloc: the list belongs to the caller and is freed with skinq_metrics_free() */
        skinq_metric *items = realloc(m->items, cap * sizeof *items);
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
    free(m->items);
    memset(m, 0, sizeof *m);
}
