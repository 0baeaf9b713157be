/* thumbnail.c -- small 8-bit RGB copies of photos for reports (integer box filter). */
#include "io.h"

skinq_status skinq_image_thumbnail(skinq_ctx *ctx, const skinq_image *img, int max_w, skinq_image **out)
{
    int f = (img->width + max_w - 1) / (max_w > 0 ? max_w : 1);
    if (f < 1)
        f = 1;
    int w = img->width / f, h = img->height / f;
    if (w < 1 || h < 1)
        w = h = 1, f = img->width < img->height ? img->width : img->height;
    skinq_image *t = NULL;
    skinq_status st = skinq_image_new(ctx, w, h, 3, 8, &t);
    if (st != SKINQ_OK)
        return st;
    int ch = img->channels, wide = img->depth == 16;
    for (int y = 0; y < h; y++) {
        uint8_t *d = skinq_image_row(t, y);
        for (int x = 0; x < w; x++) {
            unsigned long sum[3] = {0, 0, 0};
            for (int dy = 0; dy < f; dy++) {
                const uint8_t *r = skinq_image_row(img, y * f + dy);
                for (int dx = 0; dx < f; dx++)
                    for (int c = 0; c < 3; c++) {
                        size_t i = (size_t)(x * f + dx) * (size_t)ch + (size_t)(ch >= 3 ? c : 0);
                        sum[c] += wide ? (unsigned long)(((const uint16_t *)r)[i] >> 8) : r[i];
                    }
            }
            for (int c = 0; c < 3; c++)
                d[3 * x + c] = (uint8_t)((sum[c] + (unsigned long)(f * f) / 2) / (unsigned long)(f * f));
        }
    }
    *out = t;
    return SKINQ_OK;
}
