/* fuzz_analyze.c -- libFuzzer target: the analyser (colour + texture) on a tiny image made from
 * the input. Layout: byte 0 width-1, byte 1 height-1 (both mod 64: up to 64x64), byte 2 the layout
 * (bit 0 RGB, bit 1 16-bit, bit 2 an alpha mask from the pixels' low bits), then the pixels
 * (repeated when the input is short); the last 8 bytes choose the options: ROI kind and rectangle,
 * reference and white patches, scale, texture on/off and its metrics, thresholds. Texture runs
 * with 32-px tiles so each run stays fast. Seeds: corpus/fuzz_analyze/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#define TAIL 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static skinq_rect rect_from(unsigned a, unsigned b, int w, int h)
{
    skinq_rect r;
    r.x = (int)(a & 0x3fu) % w;
    r.y = (int)(b & 0x3fu) % h;
    r.w = 1 + (int)((a >> 2) % (unsigned)w);
    r.h = 1 + (int)((b >> 2) % (unsigned)h);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 + TAIL)
        return 0;
    skinq_ctx *ctx = fuzz_ctx();
    int w = 1 + data[0] % 64, h = 1 + data[1] % 64;
    int channels = (data[2] & 1u) ? 3 : 1, depth = (data[2] & 2u) ? 16 : 8, want_alpha = (data[2] & 4u) != 0;
    const uint8_t *px = data + 3, *t = data + size - TAIL;
    size_t npx = size - 3 - TAIL;

    skinq_image *img = NULL;
    skinq_mask *alpha = NULL, *roimask = NULL;
    if (skinq_image_new(ctx, w, h, channels, depth, &img) != SKINQ_OK)
        abort();
    size_t row = (size_t)w * (size_t)channels * (size_t)(depth / 8), k = 0;
    for (int y = 0; y < h; y++) {
        uint8_t *r = skinq_image_row(img, y);
        for (size_t i = 0; i < row && npx; i++, k++)
            r[i] = px[k % npx];
    }
    /* alpha from the pixels' bit 0, a mask ROI from their bit 1 */
    for (int m = 0; m < 2; m++) {
        skinq_mask **out = m ? &roimask : &alpha;
        if (!(m ? (t[0] & 3u) == SKINQ_ROI_MASK : want_alpha))
            continue;
        if (skinq_mask_new(ctx, w, h, 0, out) != SKINQ_OK)
            abort();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                (*out)->data[(size_t)y * (*out)->stride + (size_t)x] = (skinq_image_row(img, y)[x] >> m) & 1u;
    }

    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    o.roi.kind = (skinq_roi_kind)(t[0] & 3u);
    o.roi.rect = rect_from(t[1], t[2], w, h);
    o.roi.mask = roimask;
    o.px_per_mm = (t[0] & 4u) ? 0.5 + (double)(t[3] & 0x7fu) : 0;
    o.color.has_ref = (t[0] & 8u) != 0;
    o.color.ref = rect_from(t[3], t[4], w, h);
    o.color.has_white = (t[0] & 16u) != 0;
    o.color.white = rect_from(t[4], t[5], w, h);
    o.color.white_reflectance = 0.05 + (double)(t[6] & 0x1fu) / 32.0;
    o.color.red_threshold = (double)(t[6] >> 5);
    o.texture = (t[0] & 32u) != 0;
    o.texture_options.tile = 32;
    o.texture_options.metrics = 1u + t[7] % SKINQ_TEXTURE_ALL;
    o.texture_options.glcm_levels = 2 + t[5] % 63;
    o.texture_options.glcm_minmax = (t[0] & 64u) != 0;
    o.texture_options.min_inside = (t[0] & 128u) ? 0.5 : 0.9;

    skinq_analysis *a = NULL;
    skinq_status st = skinq_analyze_image(ctx, img, alpha, &o, &a);
    if (st == SKINQ_OK) {
        if (!a || a->width != w || a->height != h) {
            fprintf(stderr, "fuzz: analysis of a %dx%d image says %dx%d\n", w, h, a ? a->width : -1,
                    a ? a->height : -1);
            abort();
        }
        for (size_t i = 0; i < a->metrics.count; i++)
            (void)strlen(a->metrics.items[i].path);
    } else if (a) {
        abort();
    }
    skinq_analysis_free(&a);
    skinq_mask_free(&roimask);
    skinq_mask_free(&alpha);
    skinq_image_free(&img);
    return 0;
}
