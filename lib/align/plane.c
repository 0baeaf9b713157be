/* plane.c -- the 8-bit working planes of registration: luma and area downscales. */
#include <string.h>

#include "align/align.h"

skinq_status align_plane_new(skinq_ctx *ctx, int w, int h, uint8_t fill, align_plane *p)
{
    size_t n;
    if (w <= 0 || h <= 0 || skinq_mul_size((size_t)w, (size_t)h, &n) != 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "bad plane size %dx%d", w, h);
    p->data = skinq_malloc(ctx, n);
    if (!p->data)
        return SKINQ_E_NOMEM;
    memset(p->data, fill, n);
    p->width = w, p->height = h, p->stride = (size_t)w;
    return SKINQ_OK;
}

void align_plane_free(skinq_ctx *ctx, align_plane *p)
{
    skinq_free(ctx, p->data);
    memset(p, 0, sizeof *p);
}

skinq_status align_luma(skinq_ctx *ctx, const skinq_image *img, align_plane *out)
{
    skinq_status st = align_plane_new(ctx, img->width, img->height, 0, out);
    if (st != SKINQ_OK)
        return st;
    int ch = img->channels, wide = img->depth == 16;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *r8 = skinq_image_row(img, y);
        const uint16_t *r16 = (const uint16_t *)(const void *)r8;
        uint8_t *o = out->data + (size_t)y * out->stride;
        for (int x = 0; x < img->width; x++) {
            unsigned v[3];
            for (int c = 0; c < 3; c++) {
                int k = x * ch + (ch >= 3 ? c : 0);
                v[c] = wide ? r16[k] >> 8 : r8[k];
            }
            o[x] = (uint8_t)((54 * v[0] + 183 * v[1] + 19 * v[2] + 128) >> 8); /* 0.2126, 0.7152, 0.0722 */
        }
    }
    return SKINQ_OK;
}

skinq_status align_downscale(skinq_ctx *ctx, const align_plane *src, int size, int is_mask, align_plane *out)
{
    int lng = src->width > src->height ? src->width : src->height;
    int w = src->width, h = src->height;
    if (size > 0 && lng > size) {
        double s = (double)size / lng;
        w = (int)(src->width * s + 0.5), h = (int)(src->height * s + 0.5);
        w = w < 1 ? 1 : w, h = h < 1 ? 1 : h;
    }
    skinq_status st = align_plane_new(ctx, w, h, 0, out);
    if (st != SKINQ_OK)
        return st;
    cvw_plane s = align_cv(src);
    if (w == src->width && h == src->height) {
        for (int y = 0; y < h; y++)
            memcpy(out->data + (size_t)y * out->stride, src->data + (size_t)y * src->stride, (size_t)w);
    } else if ((st = cvw_resize(ctx, &s, out->data, w, h, out->stride)) != SKINQ_OK) {
        align_plane_free(ctx, out);
        return st;
    }
    if (is_mask)
        for (size_t i = 0; i < (size_t)w * h; i++)
            out->data[i] = out->data[i] == 255 ? 255 : 0;
    return SKINQ_OK;
}
