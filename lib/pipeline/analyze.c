/* analyze.c -- one photo's analysis: the analyser (options and texture plan kept across photos),
 * the header read once, load or stream, provenance, the ROI resolved once, colour and texture
 * metrics. The one place `analyze`, `compare` and `track add` get their numbers from. */
#include <stdio.h>
#include <string.h>

#include "color/color_int.h"
#include "io/io.h"
#include "pipeline/pipeline.h"

void skinq_analysis_default_options(skinq_analysis_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->roi.kind = SKINQ_ROI_IMAGE;
    o->maps.color_max_size = 1024;
    o->maps.texture_max_size = 2048;
    skinq_color_default_options(&o->color);
    o->texture = 1;
    skinq_texture_default_options(&o->texture_options);
}

void skinq_analysis_free(skinq_analysis **a)
{
    if (!a || !*a)
        return;
    skinq_analysis *r = *a;
    skinq_metrics_free(&r->metrics);
    skinq_allocator al = r->alloc;
    skinq_free_raw(&al, r->path);
    skinq_free_raw(&al, r);
    *a = NULL;
}

/* The file's path (copied), sha256 and size into r: of the bytes analysed, read once. */
static skinq_status provenance(skinq_ctx *ctx, const skinq_input *in, skinq_analysis *r)
{
    const size_t n = strlen(in->name) + 1;
    if (!(r->path = skinq_malloc(ctx, n)))
        return SKINQ_E_NOMEM;
    memcpy(r->path, in->name, n);
    skinq_sha256_hex_isa(in->data, in->size, skinq_ctx_isa(ctx), r->sha256);
    r->file_size = (uint64_t)in->size;
    return SKINQ_OK;
}

skinq_status skinq_pipeline_result_new(skinq_ctx *ctx, const skinq_input *in, skinq_analysis **out)
{
    skinq_analysis *r = skinq_calloc(ctx, 1, sizeof *r);
    if (!r)
        return SKINQ_E_NOMEM;
    r->alloc = ctx->alloc;
    skinq_status st = in ? provenance(ctx, in, r) : SKINQ_OK;
    if (st != SKINQ_OK) {
        skinq_analysis_free(&r);
        return st;
    }
    *out = r;
    return SKINQ_OK;
}

/* ---------------------------------------------------------------- the analyser */

skinq_status skinq_analyzer_new(skinq_ctx *ctx, const skinq_analysis_options *o, skinq_analyzer **out)
{
    if (!ctx || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_analyzer_new: NULL argument");
    skinq_analyzer *a = skinq_calloc(ctx, 1, sizeof *a);
    if (!a)
        return SKINQ_E_NOMEM;
    a->ctx = ctx;
    skinq_status st =
        SKINQ_OPTIONS_TAKE(ctx, &a->o, o, skinq_analysis_default_options, "skinq_analysis_options");
    if (st == SKINQ_OK && a->o.texture)
        st = skinq_texture_plan_new(ctx, &a->o.texture_options, &a->plan);
    if (st != SKINQ_OK) {
        skinq_analyzer_free(&a);
        return st;
    }
    *out = a;
    return SKINQ_OK;
}

void skinq_analyzer_free(skinq_analyzer **a)
{
    if (!a || !*a)
        return;
    skinq_ctx *ctx = (*a)->ctx;
    skinq_texture_plan_free(&(*a)->plan);
    skinq_free(ctx, *a);
    *a = NULL;
}

const skinq_analysis_options *skinq_analyzer_options(const skinq_analyzer *a)
{
    return &a->o;
}

void skinq_analyzer_set_maps_dir(skinq_analyzer *a, const char *dir)
{
    a->o.maps.dir = dir;
}

skinq_status skinq_pipeline_run(skinq_analyzer *a, const skinq_image *img, skinq_image **own,
                                const skinq_roi *roi, const skinq_color_options *color,
                                const skinq_maps_options *maps, skinq_analysis *out)
{
    out->width = img->width;
    out->height = img->height;
    out->depth = img->depth;
    out->has_alpha = roi->alpha != NULL;
    skinq_status st = skinq_color_analyze(a->ctx, img, roi, color, maps, &out->metrics, &out->color);
    if (st == SKINQ_OK && a->plan)
        st = skinq_pipeline_texture(a->ctx, a->plan, img, own, roi, out->color.white_gains, maps,
                                    &out->metrics);
    return st;
}

/* --save-mask: the ROI as measured, 255 inside, as an 8-bit gray PNG of the image's size. */
static skinq_status save_mask(skinq_ctx *ctx, const skinq_roi *roi, int w, int h, const char *path)
{
    skinq_image *m = NULL;
    skinq_status st = skinq_image_new(ctx, w, h, 1, 8, &m);
    const skinq_rect b = roi->bbox;
    for (int y = b.y; st == SKINQ_OK && y < b.y + b.h; y++) {
        uint8_t *row = skinq_image_row(m, y);
        const uint8_t *in = roi->mask ? roi->mask->data + (size_t)y * roi->mask->stride : NULL;
        const uint8_t *al = roi->alpha ? roi->alpha->data + (size_t)y * roi->alpha->stride : NULL;
        for (int x = b.x; x < b.x + b.w; x++)
            row[x] = (!in || in[x]) && (!al || al[x]) ? 255 : 0;
    }
    if (st == SKINQ_OK)
        st = skinq_png_write(ctx, path, m);
    skinq_image_free(&m);
    return st;
}

/* The ROI of an image in memory (auto-skin looks at white-corrected colours), then the passes. */
static skinq_status analyze_image(skinq_analyzer *a, const skinq_image *img, skinq_image **own,
                                  const skinq_mask *alpha, skinq_analysis *out)
{
    const skinq_analysis_options *o = &a->o;
    double gains[3] = {1, 1, 1};
    skinq_roi *roi = NULL;
    skinq_status st = SKINQ_OK;
    if (o->roi.kind == SKINQ_ROI_AUTO_SKIN && o->color.has_white)
        st = skinq_color_white_gains(a->ctx, img, alpha, o->color.white, o->color.white_reflectance, gains,
                                     NULL, NULL);
    if (st == SKINQ_OK)
        st = skinq_roi_resolve(a->ctx, img, alpha, &o->roi, o->px_per_mm, gains, &roi);
    if (st == SKINQ_OK) {
        out->skin = roi->skin;
        st = skinq_pipeline_run(a, img, own, roi, &o->color, &o->maps, out);
    }
    if (st == SKINQ_OK && o->save_mask)
        st = save_mask(a->ctx, roi, img->width, img->height, o->save_mask);
    skinq_roi_free(&roi);
    return st;
}

skinq_status skinq_analyzer_image(skinq_analyzer *a, const skinq_image *img, const skinq_mask *alpha,
                                  skinq_analysis **out)
{
    skinq_analysis *r = NULL;
    skinq_status st = skinq_pipeline_result_new(a->ctx, NULL, &r);
    if (st == SKINQ_OK)
        st = analyze_image(a, img, NULL, alpha, r);
    if (st == SKINQ_OK)
        *out = r;
    else
        skinq_analysis_free(&r);
    return st;
}

/* A JPEG that can stream: its ROI from the header's size, then the streamed passes. */
static skinq_status analyze_stream(skinq_analyzer *a, const skinq_input *in, const skinq_image_header *h,
                                   skinq_analysis *out)
{
    skinq_roi *roi = NULL;
    skinq_status st = skinq_roi_resolve_size(a->ctx, h->width, h->height, &a->o.roi, a->o.px_per_mm, &roi);
    if (st == SKINQ_OK)
        st = skinq_pipeline_stream(a, in, h, roi, out);
    if (st == SKINQ_OK && a->o.save_mask)
        st = save_mask(a->ctx, roi, h->width, h->height, a->o.save_mask);
    skinq_roi_free(&roi);
    return st;
}

/* Name the file in the message when the analysis itself failed (the loader's messages do). */
static skinq_status name_file(skinq_ctx *ctx, skinq_status st, const char *path)
{
    if (st != SKINQ_E_EMPTY_ROI && st != SKINQ_E_UNSUPPORTED && st != SKINQ_E_FORMAT)
        return st;
    const char *msg = skinq_ctx_error(ctx);
    if (strstr(msg, path))
        return st;
    char copy[sizeof ctx->error];
    snprintf(copy, sizeof copy, "%s", msg);
    return skinq_fail(ctx, st, "'%s': %s", path, copy);
}

skinq_status skinq_analyzer_file(skinq_analyzer *a, const char *path, skinq_analysis **out)
{
    skinq_ctx *ctx = a->ctx;
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    skinq_analysis *r = NULL;
    /* The file is opened and read once: its header (which decides streaming and sizes the
     * buffers), its hash and its pixels all come from the same bytes. */
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    skinq_image_header h; /* read once: it decides streaming and goes on to the loader */
    st = skinq_image_probe_input(ctx, &in, &h);
    if (st == SKINQ_OK && ctx->after_probe)
        ctx->after_probe(ctx->after_probe_user, path);
    const int stream = st == SKINQ_OK && skinq_pipeline_can_stream(&h, &a->o);
    int is_raw = 0; /* a RAW is developed without white balance when a white patch will do it */
    skinq_raw_info raw;
    if (st == SKINQ_OK && !stream)
        st = skinq_image_load_input_raw(ctx, &in, &h, a->o.color.has_white, &is_raw, &raw, &img, &alpha);
    if (st == SKINQ_OK)
        st = skinq_pipeline_result_new(ctx, &in, &r);
    if (st == SKINQ_OK && is_raw) {
        r->is_raw = 1;
        r->raw = raw;
    }
    if (st == SKINQ_OK)
        st = stream ? analyze_stream(a, &in, &h, r) : analyze_image(a, img, &img, alpha, r);
    if (st == SKINQ_OK)
        *out = r;
    else
        skinq_analysis_free(&r);
    skinq_input_close(ctx, &in);
    skinq_image_free(&img);
    skinq_mask_free(&alpha);
    return name_file(ctx, st, path);
}

skinq_status skinq_analyze_file(skinq_ctx *ctx, const char *path, const skinq_analysis_options *o,
                                skinq_analysis **out)
{
    skinq_analyzer *a = NULL;
    skinq_status st = skinq_analyzer_new(ctx, o, &a);
    if (st == SKINQ_OK)
        st = skinq_analyzer_file(a, path, out);
    skinq_analyzer_free(&a);
    return st;
}

skinq_status skinq_analyze_image(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                 const skinq_analysis_options *o, skinq_analysis **out)
{
    skinq_analyzer *a = NULL;
    skinq_status st = skinq_analyzer_new(ctx, o, &a);
    if (st == SKINQ_OK)
        st = skinq_analyzer_image(a, img, alpha, out);
    skinq_analyzer_free(&a);
    return st;
}

skinq_status skinq_mask_load(skinq_ctx *ctx, const char *path, skinq_mask **out)
{
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st != SKINQ_OK)
        return st;
    st = skinq_mask_new(ctx, img->width, img->height, 0, out);
    if (st == SKINQ_OK) {
        size_t bpp = (size_t)img->channels * (size_t)img->depth / 8;
        for (int y = 0; y < img->height; y++) {
            const uint8_t *row = skinq_image_row(img, y);
            uint8_t *m = (*out)->data + (size_t)y * (*out)->stride;
            for (int x = 0; x < img->width; x++) {
                const uint8_t *px = row + (size_t)x * bpp;
                m[x] = img->depth == 16 ? (px[0] | px[1]) != 0 : px[0] != 0;
            }
        }
    }
    skinq_image_free(&img);
    return st;
}
