/* texture_pass.c -- the texture pass of an analysis on the ROI's bounding box: the colour
 * kernels give that box's 16-bit L* and melanin-index planes (from an image in memory here, from
 * the decoder's rows in stream.c), then the analyser's texture plan measures them. */
#define _DEFAULT_SOURCE /* madvise */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

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

/* The planes of the box only (16-bit; views into the image and the mask, no copies of either).
 * When own is set, the image is given back as the planes are made and freed once they exist. */
skinq_status skinq_pipeline_texture(skinq_ctx *ctx, skinq_texture_plan *plan, const skinq_image *img,
                                    skinq_image **own, const skinq_roi *roi, const double gains[3],
                                    const skinq_maps_options *maps, skinq_metrics *out)
{
    const skinq_rect box = roi->bbox;
    if (box.w <= 0 || box.h <= 0)
        return SKINQ_OK; /* the colour pass has already said the ROI is empty */
    /* 16-bit planes: 4 bytes a pixel instead of 8, which is most of a photo's peak memory */
    skinq_planes P;
    skinq_status st = skinq_planes_take(ctx, (size_t)box.w * (size_t)box.h, &P);
    const int release = own && !img->alloc.malloc_fn; /* the default allocator: malloc's pages */
    if (st == SKINQ_OK)
        st = box_planes(ctx, img, release, box, gains, P.L, P.mel);
    if (own)
        skinq_image_free(own);
    if (st == SKINQ_OK)
        st = skinq_pipeline_texture16(ctx, plan, P.L, P.mel, roi, maps, out);
    skinq_planes_give(ctx, &P);
    return st;
}

/* The planes live in one block (L*, then the melanin index at the next 64 bytes). */
static void planes_free(skinq_ctx *ctx, void *p)
{
    skinq_planes *P = p;
    skinq_free(ctx, P->block);
    skinq_free(ctx, P);
}

skinq_status skinq_planes_take(skinq_ctx *ctx, size_t n, skinq_planes *out)
{
    const size_t mel_at = (n * sizeof(uint16_t) + 63) & ~(size_t)63;
    skinq_planes *kept = skinq_ctx_take(ctx, SKINQ_CACHE_PLANES);
    memset(out, 0, sizeof *out);
    if (kept && kept->cap >= n) {
        *out = *kept;
        skinq_free(ctx, kept);
    } else {
        if (kept)
            planes_free(ctx, kept);
        if (!(out->block = skinq_malloc(ctx, mel_at + n * sizeof(int16_t))))
            return SKINQ_E_NOMEM;
        out->cap = n;
    }
    out->L = out->block;
    out->mel = (int16_t *)(void *)((char *)out->block + mel_at);
    return SKINQ_OK;
}

void skinq_planes_give(skinq_ctx *ctx, skinq_planes *P)
{
    skinq_planes *keep = P->block && skinq_ctx_keeps_buffers(ctx) ? skinq_malloc(ctx, sizeof *keep) : NULL;
    if (keep) {
        *keep = *P;
        skinq_ctx_keep(ctx, SKINQ_CACHE_PLANES, keep, planes_free);
    } else {
        skinq_free(ctx, P->block);
    }
    memset(P, 0, sizeof *P);
}

skinq_status skinq_pipeline_texture16(skinq_ctx *ctx, skinq_texture_plan *plan, const uint16_t *L,
                                      const int16_t *mel, const skinq_roi *roi,
                                      const skinq_maps_options *maps, skinq_metrics *out)
{
    if (!skinq_ctx_keeps_buffers(ctx))
        skinq_ctx_drop_caches(ctx); /* (the texture pass holds the analysis's peak memory) */
    const skinq_rect box = roi->bbox;
    skinq_mask view = {0}; /* the ROI over the box, no copy */
    if (roi->mask) {
        view = *roi->mask;
        view.width = box.w;
        view.height = box.h;
        view.data = roi->mask->data + (size_t)box.y * roi->mask->stride + (size_t)box.x;
    }
    skinq_status st = skinq_texture_execute16(ctx, plan, L, mel, box.w, box.h, (size_t)box.w,
                                              roi->mask ? &view : NULL, roi->px_per_mm, maps, out);
    if (st == SKINQ_E_EMPTY_ROI) { /* an ROI too small for a spectrum still has its colour */
        skinq_warn(ctx, "no texture metrics: %s", skinq_ctx_error(ctx));
        st = SKINQ_OK;
    }
    return st;
}
