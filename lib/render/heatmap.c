/* heatmap.c -- float maps → colour PNGs (viridis / magma / cool-warm) with a legend strip. */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Polynomial fits of matplotlib's viridis and magma (Matt Zucker, "Optimized viridis/magma",
 * 2020, public domain): within about 4/255 of the published tables (worst at the ends). */
static const double viridis_c[7][3] = {
    {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
    {0.1050930431085774, 1.404613529898575, 1.384590162594685},
    {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
    {-4.634230498983486, -5.799100973351585, -19.33244095627987},
    {6.228269936347081, 14.17993336680509, 56.69055260068105},
    {4.776384997670288, -13.74514537774601, -65.35303263337234},
    {-5.435455855934631, 4.645852612178535, 26.3124352495832},
};
static const double magma_c[7][3] = {
    {-0.002136485053939582, -0.000749655052795221, -0.005386127855323933},
    {0.2516605407371642, 0.6775232436837668, 2.494026599312351},
    {8.353717279216625, -3.577719514958484, 0.3144679030132573},
    {-27.66873308576866, 14.26473078096533, -13.64921318813922},
    {52.17613981234068, -27.94360607168351, 12.94416944238394},
    {-50.76852536473588, 29.04658282127291, 4.23415299384598},
    {18.65570506591883, -11.48977351997711, -5.601961508734096},
};
/* Moreland's cool-warm anchors (blue, neutral, red), interpolated linearly in sRGB. */
static const double coolwarm_anchor[3][3] = {{59, 76, 192}, {221, 221, 221}, {180, 4, 38}};

static uint8_t to_u8(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (uint8_t)lround(v * 255.0);
}

void skinq_colormap_rgb(skinq_colormap cm, double t, uint8_t rgb[3])
{
    if (isnan(t)) {
        rgb[0] = rgb[1] = rgb[2] = 128;
        return;
    }
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    if (cm == SKINQ_CMAP_COOLWARM) {
        int seg = t < 0.5 ? 0 : 1;
        double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
        for (int c = 0; c < 3; c++)
            rgb[c] = (uint8_t)lround(coolwarm_anchor[seg][c] +
                                     u * (coolwarm_anchor[seg + 1][c] - coolwarm_anchor[seg][c]));
        return;
    }
    const double(*k)[3] = cm == SKINQ_CMAP_MAGMA ? magma_c : viridis_c;
    for (int c = 0; c < 3; c++) {
        double v = k[6][c];
        for (int i = 5; i >= 0; i--)
            v = k[i][c] + t * v;
        rgb[c] = to_u8(v);
    }
}

#define LEGEND_H 30
#define BG_GREY 20 /* title and legend background */

static const uint8_t text_white[3] = {235, 235, 235};
const uint8_t skinq_neutral_rgb[3] = {221, 221, 221};

static void put_px(skinq_image *img, int x, int y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= img->width || y >= img->height)
        return;
    memcpy(skinq_image_row(img, y) + 3 * (size_t)x, rgb, 3);
}

/* Text size for a picture: 2 font pixels per dot from 640 px wide on, so it stays readable. */
static int text_scale(int w)
{
    return w >= 640 ? 2 : 1;
}

/* A legend number with the unit after it (when there is one). */
static void format_value(char *buf, size_t n, double v, const char *unit)
{
    if (unit && unit[0])
        snprintf(buf, n, "%.4g %s", v, unit);
    else
        snprintf(buf, n, "%.4g", v);
}

static int in_band(const skinq_map_labels *l, double v)
{
    return l && l->band_hi > l->band_lo && v >= l->band_lo && v <= l->band_hi;
}

/* Legend strip at rows [y0, y0 + LEGEND_H): vmin label, colour bar (the neutral band in grey),
 * vmax label. */
static void draw_legend(skinq_image *img, int y0, double vmin, double vmax, skinq_colormap cm,
                        const char *unit, const skinq_map_labels *l, int scale)
{
    static const uint8_t bg[3] = {BG_GREY, BG_GREY, BG_GREY};
    for (int y = y0; y < y0 + LEGEND_H; y++)
        for (int x = 0; x < img->width; x++)
            put_px(img, x, y, bg);
    char lo[48], hi[48];
    format_value(lo, sizeof lo, vmin, unit);
    format_value(hi, sizeof hi, vmax, unit);
    int ty = y0 + (LEGEND_H - SKINQ_TEXT_HEIGHT * scale) / 2;
    int wl = skinq_text_width(lo, scale), wh = skinq_text_width(hi, scale);
    skinq_text_draw(img, 4, ty, lo, scale, text_white);
    skinq_text_draw(img, img->width - 4 - wh, ty, hi, scale, text_white);
    int bx0 = 4 + wl + 6, bx1 = img->width - 4 - wh - 6, span = bx1 - bx0 > 1 ? bx1 - bx0 - 1 : 1;
    for (int x = bx0; x < bx1; x++) {
        uint8_t rgb[3];
        double t = (double)(x - bx0) / span;
        if (in_band(l, vmin + t * (vmax - vmin)))
            memcpy(rgb, skinq_neutral_rgb, 3);
        else
            skinq_colormap_rgb(cm, t, rgb);
        for (int y = y0 + 6; y < y0 + LEGEND_H - 6; y++)
            put_px(img, x, y, rgb);
    }
}

/* The lines above a labelled map: title (unit), the photos compared, the note. */
static int header_lines(const skinq_map_labels *l, char lines[3][320])
{
    int n = 0;
    if (!l)
        return 0;
    if (l->unit && l->unit[0])
        snprintf(lines[n++], sizeof lines[0], "%s (%s)", l->title, l->unit);
    else
        snprintf(lines[n++], sizeof lines[0], "%s", l->title);
    if (l->before && l->after)
        snprintf(lines[n++], sizeof lines[0], "before: %s   after: %s", l->before, l->after);
    if (l->note && l->note[0])
        snprintf(lines[n++], sizeof lines[0], "%s", l->note);
    return n;
}

static skinq_status render(skinq_ctx *ctx, const char *path, const skinq_image *photo, const float *values,
                           size_t stride, int w, int h, const uint8_t *mask, size_t mask_stride, double vmin,
                           double vmax, double alpha, skinq_colormap cm, const char *unit,
                           const skinq_map_labels *l)
{
    if (w <= 0 || h <= 0 || !(vmax > vmin) || !isfinite(vmin) || !isfinite(vmax))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write map '%s': empty map or no value range", path);
    if (photo && (photo->width != w || photo->height != h))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write overlay '%s': photo and map sizes differ",
                          path);
    /* a labelled map gets a title band above it and is widened (dark margins) to fit its text */
    char lines[3][320];
    int nl = header_lines(l, lines), scale = text_scale(w), line_h = (SKINQ_TEXT_HEIGHT + 4) * scale;
    int head = nl ? nl * line_h + 4 * scale : 0, W = w;
    for (int i = 0; i < nl; i++)
        W = W > skinq_text_width(lines[i], scale) + 8 ? W : skinq_text_width(lines[i], scale) + 8;
    if (l) {
        char lo[48], hi[48];
        format_value(lo, sizeof lo, vmin, unit);
        format_value(hi, sizeof hi, vmax, unit);
        int need = skinq_text_width(lo, scale) + skinq_text_width(hi, scale) + 80;
        W = W > need ? W : need;
    }
    int x0 = (W - w) / 2;
    skinq_image *out;
    skinq_status st = skinq_image_new(ctx, W, head + h + LEGEND_H, 3, 8, &out);
    if (st != SKINQ_OK)
        return st;
    memset(out->data, BG_GREY, out->stride * (size_t)out->height);
    for (int i = 0; i < nl; i++)
        skinq_text_draw(out, 4, 2 * scale + i * line_h + 2 * scale, lines[i], scale, text_white);
    static const uint8_t outside[3] = {40, 40, 40};
    double inv = 1.0 / (vmax - vmin);
    for (int y = 0; y < h; y++) {
        uint8_t *d = skinq_image_row(out, head + y) + 3 * (size_t)x0;
        const float *v = values + (size_t)y * stride;
        const uint8_t *m = mask ? mask + (size_t)y * mask_stride : NULL;
        const uint8_t *p = photo ? skinq_image_row(photo, y) : NULL;
        for (int x = 0; x < w; x++, d += 3) {
            uint8_t base[3];
            if (p) {
                for (int c = 0; c < 3; c++) {
                    int ch = photo->channels >= 3 ? c : 0;
                    size_t i = (size_t)x * (size_t)photo->channels + (size_t)ch;
                    base[c] = photo->depth == 16 ? (uint8_t)(((const uint16_t *)p)[i] >> 8) : p[i];
                }
            } else {
                memcpy(base, outside, 3);
            }
            if ((m && !m[x]) || isnan(v[x])) {
                memcpy(d, base, 3);
                continue;
            }
            uint8_t rgb[3];
            if (in_band(l, v[x]))
                memcpy(rgb, skinq_neutral_rgb, 3);
            else
                skinq_colormap_rgb(cm, (v[x] - vmin) * inv, rgb);
            for (int c = 0; c < 3; c++)
                d[c] = p ? (uint8_t)lround(alpha * rgb[c] + (1 - alpha) * base[c]) : rgb[c];
        }
    }
    draw_legend(out, head + h, vmin, vmax, cm, unit, l, l ? scale : 1);
    st = skinq_png_write(ctx, path, out);
    skinq_image_free(&out);
    return st;
}

skinq_status skinq_heatmap_write(skinq_ctx *ctx, const char *path, const float *values, size_t stride, int w,
                                 int h, const uint8_t *mask, size_t mask_stride, double vmin, double vmax,
                                 skinq_colormap cm)
{
    return render(ctx, path, NULL, values, stride, w, h, mask, mask_stride, vmin, vmax, 1.0, cm, NULL, NULL);
}

skinq_status skinq_heatmap_write_unit(skinq_ctx *ctx, const char *path, const float *values, size_t stride,
                                      int w, int h, const uint8_t *mask, size_t mask_stride, double vmin,
                                      double vmax, skinq_colormap cm, const char *unit)
{
    return render(ctx, path, NULL, values, stride, w, h, mask, mask_stride, vmin, vmax, 1.0, cm, unit, NULL);
}

skinq_status skinq_overlay_write(skinq_ctx *ctx, const char *path, const skinq_image *photo,
                                 const float *values, size_t stride, int w, int h, const uint8_t *mask,
                                 size_t mask_stride, double vmin, double vmax, double alpha,
                                 skinq_colormap cm)
{
    if (!(alpha >= 0 && alpha <= 1))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write overlay '%s': alpha %g not in [0,1]", path,
                          alpha);
    return render(ctx, path, photo, values, stride, w, h, mask, mask_stride, vmin, vmax, alpha, cm, NULL,
                  NULL);
}

skinq_status skinq_map_write(skinq_ctx *ctx, const char *path, const float *values, size_t stride, int w,
                             int h, const uint8_t *mask, size_t mask_stride, double vmin, double vmax,
                             skinq_colormap cm, const skinq_map_labels *l)
{
    if (!l || !l->title)
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write map '%s': no title", path);
    return render(ctx, path, NULL, values, stride, w, h, mask, mask_stride, vmin, vmax, 1.0, cm, l->unit, l);
}

void skinq_outline_draw(skinq_image *img, int x0, int y0, const uint8_t *mask, size_t mask_stride, int mw,
                        int mh, int f, const uint8_t rgb[3])
{
    int w = (mw + f - 1) / f, h = (mh + f - 1) / f;
#define IN(cx, cy)                                                                                           \
    ((cx) >= 0 && (cy) >= 0 && (cx) < w && (cy) < h &&                                                       \
     mask[(size_t)((cy)*f + f / 2 < mh ? (cy)*f + f / 2 : mh - 1) * mask_stride +                            \
          (size_t)((cx)*f + f / 2 < mw ? (cx)*f + f / 2 : mw - 1)])
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (IN(x, y) && (!IN(x - 1, y) || !IN(x + 1, y) || !IN(x, y - 1) || !IN(x, y + 1)))
                put_px(img, x0 + x, y0 + y, rgb);
#undef IN
}
