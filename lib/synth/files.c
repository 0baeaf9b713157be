/* files.c -- the phantoms' output files: paths, PNGs and JSON documents written atomically. */
#include <stdio.h>

#include "io/io.h"
#include "synth.h"

skinq_status synth_path(skinq_ctx *ctx, char *buf, size_t n, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n)
        return skinq_fail(ctx, SKINQ_E_INVALID, "output path '%s/%s' is too long", dir, name);
    return SKINQ_OK;
}

skinq_status synth_write_json(skinq_ctx *ctx, const char *path, cJSON *doc)
{
    char *text = cJSON_Print(doc); /* cJSON's own (global) hooks: freed with cJSON_free */
    if (!text)
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory writing '%s'", path);
    skinq_atomic_file af;
    skinq_status st = skinq_atomic_open(ctx, path, &af);
    if (st == SKINQ_OK) {
        fputs(text, af.f);
        fputc('\n', af.f);
        st = skinq_atomic_commit(ctx, &af);
    }
    cJSON_free(text);
    return st;
}

skinq_status synth_save_png(skinq_ctx *ctx, const char *dir, const char *name, const skinq_image *img)
{
    char path[4096];
    skinq_status st = synth_path(ctx, path, sizeof path, dir, name);
    return st == SKINQ_OK ? skinq_png_write(ctx, path, img) : st;
}

skinq_status synth_save_json(skinq_ctx *ctx, const char *dir, const char *name, cJSON *doc)
{
    char path[4096];
    skinq_status st = synth_path(ctx, path, sizeof path, dir, name);
    return st == SKINQ_OK ? synth_write_json(ctx, path, doc) : st;
}
