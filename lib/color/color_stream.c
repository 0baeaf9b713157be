/* color_stream.c -- the colour statistics of an 8-bit RGB image whose rows arrive one batch at a
 * time (from a decoder), so that no whole-image buffer exists: the ROI's and the reference's
 * colours are counted as rows pass (colorhist.c), the white patch summed, and everything is
 * evaluated at the end exactly as skinq_color_analyze() does for an image in memory. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "color/color_int.h"
#include "color/srgb.h"

struct skinq_color_stream {
    skinq_color_options o;
    const skinq_roi *R; /* borrowed */
    int width, height;
    skinq_rect roi, ref, white; /* clipped to the image */
    skinq_color_counts *roi_c, *ref_c;
    double white_sum[3];
    uint64_t white_n, white_clipped;
    const struct skinq_color_dsp *k;
};

skinq_status skinq_color_stream_new(skinq_ctx *ctx, int width, int height, const skinq_roi *roi,
                                    const skinq_color_options *o, skinq_color_stream **out)
{
    if (!isfinite(o->red_threshold))
        return skinq_fail(ctx, SKINQ_E_INVALID, "red threshold must be finite");
    if ((roi->mask && (roi->mask->width != width || roi->mask->height != height)) || roi->alpha)
        return skinq_fail(ctx, SKINQ_E_FORMAT,
                          "the region of interest was resolved for another image than this %dx%d one", width,
                          height);
    skinq_color_stream *s = skinq_calloc(ctx, 1, sizeof *s);
    if (!s)
        return SKINQ_E_NOMEM;
    s->o = *o;
    s->R = roi;
    s->width = width;
    s->height = height;
    s->k = skinq_color_dsp(skinq_ctx_isa(ctx));
    s->roi = roi->bbox;
    s->ref = o->has_ref ? skinq_rect_clip(o->ref, width, height) : (skinq_rect){0, 0, 0, 0};
    s->white = o->has_white ? skinq_rect_clip(o->white, width, height) : (skinq_rect){0, 0, 0, 0};
    skinq_status st = skinq_color_counts_new(ctx, 1, (size_t)s->roi.w * (size_t)s->roi.h, &s->roi_c);
    if (st == SKINQ_OK && o->has_ref)
        st = skinq_color_counts_new(ctx, 1, (size_t)s->ref.w * (size_t)s->ref.h, &s->ref_c);
    if (st != SKINQ_OK) {
        skinq_color_stream_free(ctx, &s);
        return st;
    }
    *out = s;
    return SKINQ_OK;
}

void skinq_color_stream_free(skinq_ctx *ctx, skinq_color_stream **sp)
{
    skinq_color_stream *s = *sp;
    if (!s)
        return;
    skinq_color_counts_free(ctx, &s->roi_c);
    skinq_color_counts_free(ctx, &s->ref_c);
    skinq_free(ctx, s);
    *sp = NULL;
}

static int in_rows(skinq_rect r, int y)
{
    return r.w > 0 && r.h > 0 && y >= r.y && y < r.y + r.h;
}

void skinq_color_stream_rows(skinq_color_stream *s, const uint8_t *rows, size_t stride, int y0, int n)
{
    const float *lin = skinq_srgb8_decode_table();
    for (int i = 0; i < n; i++) {
        int y = y0 + i;
        const uint8_t *row = rows + (size_t)i * stride;
        if (in_rows(s->roi, y)) {
            const skinq_mask *m = s->R->mask;
            const uint8_t *mask = m ? m->data + (size_t)y * m->stride + s->roi.x : NULL;
            skinq_color_counts_row(s->roi_c, 0, s->k, row + (size_t)s->roi.x * 3, mask, (size_t)s->roi.w);
        }
        if (in_rows(s->ref, y))
            skinq_color_counts_row(s->ref_c, 0, s->k, row + (size_t)s->ref.x * 3, NULL, (size_t)s->ref.w);
        if (in_rows(s->white, y))
            for (int x = s->white.x; x < s->white.x + s->white.w; x++) {
                const uint8_t *c = row + 3 * (size_t)x;
                if (!c[0] || !c[1] || !c[2] || c[0] == 255 || c[1] == 255 || c[2] == 255) {
                    s->white_clipped++;
                    continue;
                }
                for (int k = 0; k < 3; k++)
                    s->white_sum[k] += lin[c[k]];
                s->white_n++;
            }
    }
}

skinq_status skinq_color_stream_finish(skinq_ctx *ctx, skinq_color_stream *s, skinq_metrics *out,
                                       skinq_color_info *info)
{
    skinq_color_info I;
    skinq_color_info_init(&I, s->R, s->width, s->height);
    double gains[3] = {1, 1, 1};
    skinq_status st = SKINQ_OK;
    if (s->o.has_white) {
        I.has_white = 1;
        I.white_pixels = s->white_n;
        I.white_clipped = s->white_clipped;
        st = skinq_color_gains_from_sums(ctx, s->white_sum, s->white_n, s->o.white_reflectance, s->o.white,
                                         s->width, s->height, gains);
    }
    memcpy(I.white_gains, gains, sizeof gains);
    skinq_image shape = {0};
    shape.depth = 8;
    skinq_color_params p;
    if (st == SKINQ_OK)
        st = skinq_color_params_init(ctx, &p, &shape, gains);
    if (st == SKINQ_OK && s->o.camera && !(p.skin = skinq_color_skin_table(ctx, s->o.camera)))
        st = SKINQ_E_NOMEM;
    skinq_color_accs A = {0};
    uint32_t **bins = NULL;
    if (st == SKINQ_OK)
        st = skinq_color_accs_new(ctx, &A, skinq_ctx_threads(ctx));
    if (st == SKINQ_OK && !(bins = skinq_color_accs_bins(ctx, &A)))
        st = SKINQ_E_NOMEM;
    skinq_color_ref R = {0};
    if (st == SKINQ_OK && s->o.has_ref) {
        I.has_ref = 1;
        I.ref_rect = s->ref;
        st = skinq_color_counts_eval(ctx, s->ref_c, &p, &A.a[0], bins);
        if (st == SKINQ_OK) {
            skinq_color_accs_sum(&A);
            I.ref_pixels = A.a[A.n].n;
            I.ref_clipped = A.a[A.n].clipped;
            if (I.ref_pixels == 0)
                st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                                "reference region %d,%d,%d,%d has no usable pixel in the %dx%d image",
                                s->o.ref.x, s->o.ref.y, s->o.ref.w, s->o.ref.h, s->width, s->height);
            else
                skinq_color_ref_summary(&p, &A.a[A.n], &R);
        }
    }
    if (st == SKINQ_OK) {
        skinq_color_accs_reset(&A);
        st = skinq_color_counts_eval(ctx, s->roi_c, &p, &A.a[0], bins);
    }
    if (st == SKINQ_OK) {
        skinq_color_accs_sum(&A);
        st = skinq_color_emit(ctx, &s->o, s->R->px_per_mm, &p, &A.a[A.n], &R, &I, out);
    }
    skinq_free(ctx, bins);
    skinq_color_accs_free(ctx, &A);
    if (st == SKINQ_OK && info)
        *info = I;
    return st;
}
