/* image.c -- images, masks and rectangles: allocation with size limits, orientation. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_ALIGN 64

skinq_status skinq_image_new(skinq_ctx *ctx, int width, int height, int channels, int depth,
                             skinq_image **out)
{
    return skinq_image_alloc(ctx, width, height, channels, depth, 1, out);
}

skinq_status skinq_image_alloc(skinq_ctx *ctx, int width, int height, int channels, int depth, int zero,
                               skinq_image **out)
{
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4) ||
        (depth != 8 && depth != 16))
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid image layout %dx%d, %d channels, %d-bit", width,
                          height, channels, depth);
    uint64_t pixels = (uint64_t)width * (uint64_t)height;
    if (pixels > ctx->max_pixels)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "image of %dx%d (%.1f MP) is above the limit of %.1f MP", width,
                          height, pixels / 1e6, ctx->max_pixels / 1e6);
    size_t row = (size_t)width * (size_t)channels * (size_t)(depth / 8);
    size_t stride = (row + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    size_t bytes;
    if (skinq_mul_size(stride, (size_t)height, &bytes) != 0)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "image of %dx%d does not fit in memory", width, height);

    skinq_image *img = skinq_calloc(ctx, 1, sizeof *img);
    if (!img)
        return SKINQ_E_NOMEM;
    img->data = zero ? skinq_calloc(ctx, 1, bytes) : skinq_malloc(ctx, bytes);
    if (!img->data) {
        skinq_free(ctx, img);
        return SKINQ_E_NOMEM;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->depth = depth;
    img->stride = stride;
    img->orientation = 1;
    img->alloc = ctx->alloc;
    *out = img;
    return SKINQ_OK;
}

void skinq_image_free(skinq_image **pimg)
{
    if (!pimg || !*pimg)
        return;
    skinq_image *img = *pimg;
    skinq_allocator a = img->alloc;
    skinq_free_raw(&a, img->data);
    skinq_free_raw(&a, img->icc);
    skinq_free_raw(&a, img);
    *pimg = NULL;
}

skinq_status skinq_mask_new(skinq_ctx *ctx, int width, int height, uint8_t value, skinq_mask **out)
{
    if (width <= 0 || height <= 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid mask size %dx%d", width, height);
    if ((uint64_t)width * (uint64_t)height > ctx->max_pixels)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "mask of %dx%d is above the pixel limit", width, height);
    skinq_mask *m = skinq_calloc(ctx, 1, sizeof *m);
    if (!m)
        return SKINQ_E_NOMEM;
    m->stride = ((size_t)width + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    m->data = skinq_malloc(ctx, m->stride * (size_t)height);
    if (!m->data) {
        skinq_free(ctx, m);
        return SKINQ_E_NOMEM;
    }
    memset(m->data, value, m->stride * (size_t)height);
    m->width = width;
    m->height = height;
    m->alloc = ctx->alloc;
    *out = m;
    return SKINQ_OK;
}

void skinq_mask_free(skinq_mask **pm)
{
    if (!pm || !*pm)
        return;
    skinq_mask *m = *pm;
    skinq_allocator a = m->alloc;
    skinq_free_raw(&a, m->data);
    skinq_free_raw(&a, m);
    *pm = NULL;
}

uint64_t skinq_mask_count(const skinq_mask *m)
{
    uint64_t n = 0;
    for (int y = 0; y < m->height; y++) {
        const uint8_t *r = m->data + (size_t)y * m->stride;
        for (int x = 0; x < m->width; x++)
            n += r[x] != 0;
    }
    return n;
}

int skinq_rect_parse(const char *s, skinq_rect *r)
{
    long v[4];
    const char *p = s;
    if (!s)
        return -1;
    for (int i = 0; i < 4; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            return -1;
        v[i] = strtol(p, &end, 10);
        if (v[i] < 0 || v[i] > 1000000)
            return -1;
        p = end;
        if (i < 3) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    if (*p != '\0' || v[2] == 0 || v[3] == 0)
        return -1;
    r->x = (int)v[0];
    r->y = (int)v[1];
    r->w = (int)v[2];
    r->h = (int)v[3];
    return 0;
}

skinq_rect skinq_rect_clip(skinq_rect r, int width, int height)
{
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    long x1 = (long)r.x + r.w, y1 = (long)r.y + r.h;
    if (x1 > width)
        x1 = width;
    if (y1 > height)
        y1 = height;
    skinq_rect c = {x0, y0, x1 > x0 ? (int)(x1 - x0) : 0, y1 > y0 ? (int)(y1 - y0) : 0};
    return c;
}

/* Source pixel of output (x, y) for each EXIF orientation; w, h are the stored size.
 * 1 identity, 2 mirror x, 3 rotate 180, 4 mirror y, 5 transpose, 6 rotate 90 CW,
 * 7 transverse, 8 rotate 90 CCW (CIPA DC-008 / TIFF 6.0 Orientation tag). */
static inline void orient_src(int o, int x, int y, int w, int h, int *sx, int *sy)
{
    switch (o) {
    case 2:
        *sx = w - 1 - x;
        *sy = y;
        break;
    case 3:
        *sx = w - 1 - x;
        *sy = h - 1 - y;
        break;
    case 4:
        *sx = x;
        *sy = h - 1 - y;
        break;
    case 5:
        *sx = y;
        *sy = x;
        break;
    case 6:
        *sx = y;
        *sy = h - 1 - x;
        break;
    case 7:
        *sx = w - 1 - y;
        *sy = h - 1 - x;
        break;
    case 8:
        *sx = w - 1 - y;
        *sy = x;
        break;
    default:
        *sx = x;
        *sy = y;
        break;
    }
}

void skinq_orient_copy(const uint8_t *src, size_t sstride, int w, int h, size_t px, int orientation,
                       uint8_t *dst, size_t dstride)
{
    int swap = orientation >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    for (int y = 0; y < oh; y++) {
        uint8_t *d = dst + (size_t)y * dstride;
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            orient_src(orientation, x, y, w, h, &sx, &sy);
            memcpy(d + (size_t)x * px, src + (size_t)sy * sstride + (size_t)sx * px, px);
        }
    }
}

skinq_status skinq_image_orient(skinq_ctx *ctx, const skinq_image *img, int orientation, skinq_image **out)
{
    if (orientation < 1 || orientation > 8)
        return skinq_fail(ctx, SKINQ_E_INVALID, "EXIF orientation %d is not in 1..8", orientation);
    int swap = orientation >= 5;
    skinq_image *o = NULL;
    skinq_status st = skinq_image_alloc(ctx, swap ? img->height : img->width, swap ? img->width : img->height,
                                        img->channels, img->depth, 0, &o);
    if (st != SKINQ_OK)
        return st;
    skinq_orient_copy(img->data, img->stride, img->width, img->height,
                      (size_t)img->channels * (size_t)(img->depth / 8), orientation, o->data, o->stride);
    o->orientation = img->orientation;
    *out = o;
    return SKINQ_OK;
}
