/* warp.c -- after resampled into before's frame, its valid area, and the common ROI. */
#include <string.h>

#include "align/align.h"

skinq_status skinq_align_warp(skinq_ctx *ctx, const skinq_image *after, const skinq_mask *after_mask,
                              const double matrix[9], int width, int height, skinq_image **out,
                              skinq_mask **valid)
{
    double inv[9];
    if (!after || !after->data || !matrix || !out || width <= 0 || height <= 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "warp: bad arguments");
    if (skinq_mat3_inv(matrix, inv))
        return skinq_fail(ctx, SKINQ_E_INVALID, "warp: the registration matrix is not invertible");
    if (after_mask && (after_mask->width != after->width || after_mask->height != after->height))
        return skinq_fail(ctx, SKINQ_E_INVALID, "warp: mask size differs from the image");
    skinq_image *img = NULL;
    skinq_mask *vm = NULL;
    align_plane src = {0}, dst = {0};
    skinq_status st = skinq_image_new(ctx, width, height, after->channels, after->depth, &img);
    if (st == SKINQ_OK)
        st = cvw_warp(ctx, after->data, after->width, after->height, after->stride, after->channels,
                      after->depth, img->data, width, height, img->stride, matrix, 1);
    if (st == SKINQ_OK && valid) {
        /* bilinear warp of a 255 plane: 255 exactly where every source tap is inside */
        st = align_plane_new(ctx, after->width, after->height, 255, &src);
        if (st == SKINQ_OK && after_mask)
            for (int y = 0; y < after->height; y++)
                for (int x = 0; x < after->width; x++)
                    src.data[(size_t)y * src.stride + x] =
                        after_mask->data[(size_t)y * after_mask->stride + x] ? 255 : 0;
        if (st == SKINQ_OK)
            st = align_plane_new(ctx, width, height, 0, &dst);
        if (st == SKINQ_OK)
            st = cvw_warp(ctx, src.data, src.width, src.height, src.stride, 1, 8, dst.data, width, height,
                          dst.stride, matrix, 1);
        if (st == SKINQ_OK)
            st = skinq_mask_new(ctx, width, height, 0, &vm);
        for (int y = 0; st == SKINQ_OK && y < height; y++)
            for (int x = 0; x < width; x++)
                vm->data[(size_t)y * vm->stride + x] = dst.data[(size_t)y * dst.stride + x] == 255;
    }
    align_plane_free(ctx, &src);
    align_plane_free(ctx, &dst);
    if (st != SKINQ_OK) {
        skinq_image_free(&img);
        skinq_mask_free(&vm);
        return st;
    }
    *out = img;
    if (valid)
        *valid = vm;
    return SKINQ_OK;
}

skinq_status skinq_align_common_roi(skinq_ctx *ctx, const skinq_mask *valid, const skinq_mask *roi_mask,
                                    const skinq_rect *roi_rect, skinq_mask **out)
{
    if (!valid || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "common ROI: no valid mask");
    int w = valid->width, h = valid->height;
    if (roi_mask && (roi_mask->width != w || roi_mask->height != h))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "ROI mask is %dx%d but the image is %dx%d", roi_mask->width,
                          roi_mask->height, w, h);
    skinq_rect r = roi_rect ? skinq_rect_clip(*roi_rect, w, h) : (skinq_rect){0, 0, w, h};
    skinq_mask *m = NULL;
    skinq_status st = skinq_mask_new(ctx, w, h, 0, &m);
    if (st != SKINQ_OK)
        return st;
    uint64_t n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            uint8_t v = valid->data[(size_t)y * valid->stride + x] &&
                        (!roi_mask || roi_mask->data[(size_t)y * roi_mask->stride + x]);
            m->data[(size_t)y * m->stride + x] = v;
            n += v;
        }
    if (n == 0) {
        skinq_mask_free(&m);
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                          "the region of interest does not overlap the aligned after image");
    }
    *out = m;
    return SKINQ_OK;
}
