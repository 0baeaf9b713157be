/* warp.c -- after resampled into before's frame, its valid area, the common ROI, and that ROI in
 * after's own pixels. */
#include <math.h>
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

/* The rectangle of after holding H⁻¹ of before's rectangle r (a homography that keeps every
 * point in front maps a convex set onto the convex hull of its corners' images), one pixel wider,
 * clipped to w × h; empty when a corner maps to infinity. */
static skinq_rect rect_in_after(const double Hi[9], skinq_rect r, int w, int h)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int k = 0; k < 4; k++) {
        double u, v;
        if (skinq_mat3_apply(Hi, r.x - 0.5 + (k & 1) * r.w, r.y - 0.5 + (k >> 1) * r.h, &u, &v))
            return (skinq_rect){0, 0, 0, 0};
        x0 = fmin(x0, u), x1 = fmax(x1, u), y0 = fmin(y0, v), y1 = fmax(y1, v);
    }
    int ix0 = (int)floor(x0) - 1, iy0 = (int)floor(y0) - 1;
    return skinq_rect_clip((skinq_rect){ix0, iy0, (int)ceil(x1) + 2 - ix0, (int)ceil(y1) + 2 - iy0}, w, h);
}

skinq_status align_roi_in_after(skinq_ctx *ctx, const skinq_mask *roi, const skinq_mask *after_alpha,
                                const double H[9], int width, int height, skinq_mask **out, double *scale)
{
    double Hi[9];
    if (skinq_mat3_inv(H, Hi))
        return skinq_fail(ctx, SKINQ_E_INVALID, "the registration matrix is not invertible");
    /* the ROI's centroid and box in before's frame */
    double cx = 0, cy = 0;
    uint64_t n = 0;
    int bx0 = roi->width, by0 = roi->height, bx1 = -1, by1 = -1;
    for (int y = 0; y < roi->height; y++)
        for (int x = 0; x < roi->width; x++)
            if (roi->data[(size_t)y * roi->stride + x]) {
                cx += x, cy += y, n++;
                bx0 = x < bx0 ? x : bx0, bx1 = x > bx1 ? x : bx1;
                by0 = y < by0 ? y : by0, by1 = y > by1 ? y : by1;
            }
    if (n == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "the common region of interest is empty");
    /* local scale: sqrt|det| of H's Jacobian at the centroid's position in after (differences ±½ px) */
    double u0, v0, p[4][2];
    if (skinq_mat3_apply(Hi, cx / n, cy / n, &u0, &v0))
        return skinq_fail(ctx, SKINQ_E_INVALID, "the registration matrix sends the ROI to infinity");
    const double d[4][2] = {{-0.5, 0}, {0.5, 0}, {0, -0.5}, {0, 0.5}};
    for (int k = 0; k < 4; k++)
        if (skinq_mat3_apply(H, u0 + d[k][0], v0 + d[k][1], &p[k][0], &p[k][1]))
            return skinq_fail(ctx, SKINQ_E_INVALID, "the registration matrix sends the ROI to infinity");
    double jxx = p[1][0] - p[0][0], jyx = p[1][1] - p[0][1], jxy = p[3][0] - p[2][0], jyy = p[3][1] - p[2][1];
    *scale = sqrt(fabs(jxx * jyy - jxy * jyx));
    skinq_rect box = rect_in_after(Hi, (skinq_rect){bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1}, width, height);
    skinq_mask *m = NULL;
    skinq_status st = skinq_mask_new(ctx, width, height, 0, &m);
    if (st != SKINQ_OK)
        return st;
    uint64_t kept = 0;
    for (int v = box.y; v < box.y + box.h; v++)
        for (int u = box.x; u < box.x + box.w; u++) {
            double x, y;
            if ((after_alpha && !after_alpha->data[(size_t)v * after_alpha->stride + u]) ||
                skinq_mat3_apply(H, u, v, &x, &y))
                continue;
            long xi = lround(x), yi = lround(y);
            if (xi < 0 || yi < 0 || xi >= roi->width || yi >= roi->height ||
                !roi->data[(size_t)yi * roi->stride + xi])
                continue;
            m->data[(size_t)v * m->stride + u] = 1;
            kept++;
        }
    if (kept == 0) {
        skinq_mask_free(&m);
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                          "the common region of interest maps onto no pixel of after");
    }
    *out = m;
    return SKINQ_OK;
}
