/* texture_pass.c -- the texture pass of an analysis on the ROI's bounding box: the colour
 * kernels give that box's 16-bit L* and melanin-index planes (from an image in memory here, from
 * the decoder's rows in stream.c), then the analyser's texture plan measures them. */
#define _DEFAULT_SOURCE /* madvise */
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
    size_t n = (size_t)box.w * (size_t)box.h;
    uint16_t *L = skinq_malloc(ctx, n * sizeof *L);
    int16_t *mel = skinq_malloc(ctx, n * sizeof *mel);
    skinq_status st = L && mel ? SKINQ_OK : SKINQ_E_NOMEM;
    const int release = own && !img->alloc.malloc_fn; /* the default allocator: malloc's pages */
    if (st == SKINQ_OK)
        st = box_planes(ctx, img, release, box, gains, L, mel);
    if (own)
        skinq_image_free(own);
    if (st == SKINQ_OK)
        st = skinq_pipeline_texture16(ctx, plan, L, mel, roi, maps, out);
    skinq_free(ctx, L);
    skinq_free(ctx, mel);
    return st;
}

skinq_status skinq_pipeline_texture16(skinq_ctx *ctx, skinq_texture_plan *plan, const uint16_t *L,
                                      const int16_t *mel, const skinq_roi *roi,
                                      const skinq_maps_options *maps, skinq_metrics *out)
{
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
