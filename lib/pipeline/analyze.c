/* analyze.c -- one photo's analysis: load, provenance, colour (and texture) metrics. The one
 * place `analyze`, `compare` and `track add` get their numbers from. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "pipeline/pipeline.h"

void skinq_analysis_default_options(skinq_analysis_options *o)
{
    memset(o, 0, sizeof *o);
    skinq_color_default_options(&o->color);
    o->texture = 1;
    skinq_texture_default_options(&o->texture_options);
}

void skinq_analysis_free(skinq_analysis *a)
{
    if (!a)
        return;
    skinq_metrics_free(&a->metrics);
    memset(a, 0, sizeof *a);
}

/* The planes of box a band of rows at a time. With release set (a photo this analysis owns, in
 * malloc's memory), the photo's pages behind each finished band go back to the OS (madvise
 * DONTNEED: they are read no more, and the block is freed right after), so the photo and the
 * planes do not add up: a 24-MP photo is 72 MB, its planes 96 MB. */
static skinq_status box_planes(skinq_ctx *ctx, const skinq_image *img, int release, skinq_rect box,
                               const double gains[3], uint16_t *L, int16_t *mel)
{
    enum { BAND = 256 };
    const size_t bpp = (size_t)img->channels * (size_t)(img->depth / 8);
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t done = ((uintptr_t)img->data + page - 1) & ~(page - 1); /* released up to here */
    for (int y0 = 0; y0 < box.h; y0 += BAND) {
        skinq_image view = *img;
        view.width = box.w;
        view.height = box.h - y0 < BAND ? box.h - y0 : BAND;
        view.data = skinq_image_row(img, box.y + y0) + (size_t)box.x * bpp;
        const size_t at = (size_t)y0 * (size_t)box.w;
        skinq_status st = skinq_color_planes16(ctx, &view, gains, L + at, mel + at, (size_t)box.w);
        if (st != SKINQ_OK)
            return st;
        const uintptr_t end = (uintptr_t)skinq_image_row(img, box.y + y0 + view.height - 1) + img->stride;
        if (release && (end & ~(page - 1)) > done) { /* every row above the band's end is done */
            madvise((void *)done, (end & ~(page - 1)) - done, MADV_DONTNEED);
            done = end & ~(page - 1);
        }
    }
    return SKINQ_OK;
}

/* Texture on L* of the ROI's bounding box: the colour kernels give the L* and melanin-index
 * planes of that box only (16-bit; views into the image and the mask, no copies of either).
 * roi NULL: every pixel of the box is inside. When *own is set, the image is given back as the
 * planes are made and freed once they exist, so the decoded photo and the texture pass never
 * share the peak. */
static skinq_status texture_pass(skinq_ctx *ctx, const skinq_image *img, skinq_image **own, const skinq_mask *roi,
                                 skinq_rect box, const skinq_analysis_options *o, skinq_analysis *out)
{
    if (box.w <= 0 || box.h <= 0)
        return SKINQ_OK; /* the colour pass has already said the ROI is empty */
    /* 16-bit planes: 4 bytes a pixel instead of 8, which is most of a photo's peak memory */
    size_t n = (size_t)box.w * (size_t)box.h;
    uint16_t *L = skinq_malloc(ctx, n * sizeof *L);
    int16_t *mel = skinq_malloc(ctx, n * sizeof *mel);
    skinq_status st = L && mel ? SKINQ_OK : SKINQ_E_NOMEM;
    const int release = own && !img->alloc.malloc_fn; /* the default allocator: malloc's pages */
    if (st == SKINQ_OK)
        st = box_planes(ctx, img, release, box, out->color.white_gains, L, mel);
    if (own)
        skinq_image_free(own);
    if (st == SKINQ_OK)
        st = skinq_pipeline_texture16(ctx, L, mel, box, roi, o, out);
    skinq_free(ctx, L);
    skinq_free(ctx, mel);
    return st;
}

skinq_status skinq_pipeline_texture16(skinq_ctx *ctx, const uint16_t *L, const int16_t *mel, skinq_rect box,
                                      const skinq_mask *roi, const skinq_analysis_options *o, skinq_analysis *out)
{
    skinq_ctx_drop_caches(ctx); /* (the texture pass holds the analysis's peak memory) */
    skinq_mask view = {0}; /* the ROI over the box, no copy */
    if (roi) {
        view = *roi;
        view.width = box.w;
        view.height = box.h;
        view.data = roi->data + (size_t)box.y * roi->stride + (size_t)box.x;
    }
    skinq_texture_options to = o->texture_options;
    to.maps_dir = o->color.maps_dir;
    skinq_texture_plan *plan = NULL;
    skinq_status st = skinq_texture_plan_new(ctx, &to, &plan);
    if (st == SKINQ_OK)
        st = skinq_texture_execute16(ctx, plan, L, mel, box.w, box.h, (size_t)box.w, roi ? &view : NULL, o->color.px_per_mm,
                                     &out->metrics);
    skinq_texture_plan_free(&plan);
    if (st == SKINQ_E_EMPTY_ROI) { /* an ROI too small for a spectrum still has its colour */
        skinq_warn(ctx, "no texture metrics: %s", skinq_ctx_error(ctx));
        st = SKINQ_OK;
    }
    return st;
}

/* skinq_analyze_image(); own: see texture_pass. */
static skinq_status analyze_image(skinq_ctx *ctx, const skinq_image *img, skinq_image **own, const skinq_mask *alpha,
                                  const skinq_analysis_options *o, skinq_analysis *out)
{
    skinq_analysis_options defaults;
    if (!o) {
        skinq_analysis_default_options(&defaults);
        o = &defaults;
    }
    out->width = img->width;
    out->height = img->height;
    out->depth = img->depth;
    out->has_alpha = alpha != NULL;
    skinq_status st;
    const skinq_color_options *c = &o->color;
    if (!o->texture) {
        st = skinq_color_analyze(ctx, img, alpha, c, &out->metrics, &out->color);
    } else if (!alpha && (c->roi_kind == SKINQ_ROI_IMAGE || c->roi_kind == SKINQ_ROI_RECT)) {
        /* a rectangle is its own bounding box: no mask for either pass */
        skinq_rect box = c->roi_kind == SKINQ_ROI_RECT ? skinq_rect_clip(c->roi, img->width, img->height)
                                                       : (skinq_rect){0, 0, img->width, img->height};
        st = skinq_color_analyze(ctx, img, NULL, c, &out->metrics, &out->color);
        if (st == SKINQ_OK)
            st = texture_pass(ctx, img, own, NULL, box, o, out);
    } else {
        /* the ROI once, as a mask, for both passes (auto-skin is not detected twice) */
        skinq_mask *roi = NULL;
        skinq_rect box;
        st = skinq_color_roi_mask(ctx, img, alpha, c, &roi, &box);
        skinq_color_options co = *c;
        co.roi_kind = SKINQ_ROI_MASK;
        co.roi_mask = roi;
        if (st == SKINQ_OK)
            st = skinq_color_analyze(ctx, img, alpha, &co, &out->metrics, &out->color);
        if (st == SKINQ_OK) {
            snprintf(out->color.roi_source, sizeof out->color.roi_source, "%s%s", skinq_roi_kind_name(c->roi_kind),
                     alpha ? "+alpha" : "");
            st = texture_pass(ctx, img, own, roi, box, o, out);
        }
        skinq_mask_free(&roi);
    }
    if (st != SKINQ_OK)
        skinq_metrics_free(&out->metrics);
    return st;
}

skinq_status skinq_analyze_image(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                 const skinq_analysis_options *o, skinq_analysis *out)
{
    return analyze_image(ctx, img, NULL, alpha, o, out);
}

skinq_status skinq_analyze_file(skinq_ctx *ctx, const char *path, const skinq_analysis_options *o,
                                skinq_analysis *out)
{
    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->path)
        return skinq_fail(ctx, SKINQ_E_INVALID, "path too long: '%.64s...'", path);
    skinq_analysis_options defaults;
    if (!o) {
        skinq_analysis_default_options(&defaults);
        o = &defaults;
    }
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    skinq_image_header h;
    skinq_status st = skinq_image_probe(ctx, path, &h);
    int stream = st == SKINQ_OK && skinq_pipeline_can_stream(&h, o);
    if (st == SKINQ_OK && !stream)
        st = skinq_image_load(ctx, path, &img, &alpha);
    if (st == SKINQ_OK)
        st = skinq_file_sha256(ctx, path, out->sha256);
    struct stat sb;
    if (st == SKINQ_OK && stat(path, &sb) != 0)
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot stat '%s'", path);
    if (st == SKINQ_OK) {
        snprintf(out->path, sizeof out->path, "%s", path);
        out->file_size = (uint64_t)sb.st_size;
        st = stream ? skinq_pipeline_stream(ctx, path, &h, o, out) : analyze_image(ctx, img, &img, alpha, o, out);
    }
    if (st != SKINQ_OK) {
        /* name the file in the message when the analysis itself failed */
        if (st == SKINQ_E_EMPTY_ROI || st == SKINQ_E_UNSUPPORTED || st == SKINQ_E_FORMAT) {
            const char *msg = skinq_ctx_error(ctx);
            if (!strstr(msg, path)) {
                char copy[sizeof ctx->error];
                snprintf(copy, sizeof copy, "%s", msg);
                skinq_fail(ctx, st, "'%s': %s", path, copy);
            }
        }
        skinq_analysis_free(out);
    }
    skinq_image_free(&img);
    skinq_mask_free(&alpha);
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
