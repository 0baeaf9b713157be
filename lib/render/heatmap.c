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

/* 3x5 glyphs for the legend's numbers: rows top→bottom, 3 bits each (MSB = left). */
static const char glyph_chars[] = "0123456789.-+e mpx";
static const uint8_t glyphs[][5] = {
    {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
    {0, 0, 0, 0, 2}, {0, 0, 7, 0, 0}, {0, 2, 7, 2, 0}, {0, 7, 5, 6, 3}, {0, 0, 0, 0, 0},
    {0, 6, 7, 5, 5}, {0, 6, 5, 6, 4}, {0, 0, 5, 2, 5}, /* space, m, p, x: units */
};

#define LEGEND_H 30
#define SCALE 2 /* glyph pixel size */

static void put_px(skinq_image *img, int x, int y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= img->width || y >= img->height)
        return;
    memcpy(skinq_image_row(img, y) + 3 * (size_t)x, rgb, 3);
}

/* Draw text at (x, y); returns the width drawn. Unknown characters are skipped. */
static int draw_text(skinq_image *img, int x, int y, const char *s, int measure_only)
{
    static const uint8_t white[3] = {235, 235, 235};
    int x0 = x;
    for (; *s; s++) {
        const char *p = strchr(glyph_chars, *s);
        if (!p)
            continue;
        const uint8_t *g = glyphs[p - glyph_chars];
        for (int r = 0; r < 5 && !measure_only; r++)
            for (int c = 0; c < 3; c++)
                if (g[r] & (4 >> c))
                    for (int dy = 0; dy < SCALE; dy++)
                        for (int dx = 0; dx < SCALE; dx++)
                            put_px(img, x + c * SCALE + dx, y + r * SCALE + dy, white);
        x += 4 * SCALE;
    }
    return x - x0;
}

/* A legend number, with the unit after it when it is one the glyphs can draw ("mm", "px"). */
static void format_value(char *buf, size_t n, double v, const char *unit)
{
    if (unit && unit[0] && strspn(unit, "mpx") == strlen(unit))
        snprintf(buf, n, "%.4g %s", v, unit);
    else
        snprintf(buf, n, "%.4g", v);
}

/* Legend strip at rows [y0, y0 + LEGEND_H): vmin label, colour bar, vmax label. */
static void draw_legend(skinq_image *img, int y0, double vmin, double vmax, skinq_colormap cm,
                        const char *unit)
{
    static const uint8_t bg[3] = {20, 20, 20};
    for (int y = y0; y < y0 + LEGEND_H; y++)
        for (int x = 0; x < img->width; x++)
            put_px(img, x, y, bg);
    char lo[32], hi[32];
    format_value(lo, sizeof lo, vmin, unit);
    format_value(hi, sizeof hi, vmax, unit);
    int ty = y0 + (LEGEND_H - 5 * SCALE) / 2;
    int wl = draw_text(img, 4, ty, lo, 0);
    int wh = draw_text(img, 0, 0, hi, 1);
    draw_text(img, img->width - 4 - wh, ty, hi, 0);
    int bx0 = 4 + wl + 6, bx1 = img->width - 4 - wh - 6;
    for (int x = bx0; x < bx1; x++) {
        uint8_t rgb[3];
        skinq_colormap_rgb(cm, (double)(x - bx0) / (bx1 - bx0 > 1 ? bx1 - bx0 - 1 : 1), rgb);
        for (int y = y0 + 6; y < y0 + LEGEND_H - 6; y++)
            put_px(img, x, y, rgb);
    }
}

static skinq_status render(skinq_ctx *ctx, const char *path, const skinq_image *photo, const float *values,
                           size_t stride, int w, int h, const uint8_t *mask, size_t mask_stride, double vmin,
                           double vmax, double alpha, skinq_colormap cm, const char *unit)
{
    if (w <= 0 || h <= 0 || !(vmax > vmin) || !isfinite(vmin) || !isfinite(vmax))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write map '%s': empty map or no value range", path);
    if (photo && (photo->width != w || photo->height != h))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write overlay '%s': photo and map sizes differ",
                          path);
    skinq_image *out;
    skinq_status st = skinq_image_new(ctx, w, h + LEGEND_H, 3, 8, &out);
    if (st != SKINQ_OK)
        return st;
    static const uint8_t outside[3] = {40, 40, 40};
    double inv = 1.0 / (vmax - vmin);
    for (int y = 0; y < h; y++) {
        uint8_t *d = skinq_image_row(out, y);
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
            skinq_colormap_rgb(cm, (v[x] - vmin) * inv, rgb);
            for (int c = 0; c < 3; c++)
                d[c] = p ? (uint8_t)lround(alpha * rgb[c] + (1 - alpha) * base[c]) : rgb[c];
        }
    }
    draw_legend(out, h, vmin, vmax, cm, unit);
    st = skinq_png_write(ctx, path, out);
    skinq_image_free(&out);
    return st;
}

skinq_status skinq_heatmap_write(skinq_ctx *ctx, const char *path, const float *values, size_t stride, int w,
                                 int h, const uint8_t *mask, size_t mask_stride, double vmin, double vmax,
                                 skinq_colormap cm)
{
    return render(ctx, path, NULL, values, stride, w, h, mask, mask_stride, vmin, vmax, 1.0, cm, NULL);
}

skinq_status skinq_heatmap_write_unit(skinq_ctx *ctx, const char *path, const float *values, size_t stride,
                                      int w, int h, const uint8_t *mask, size_t mask_stride, double vmin,
                                      double vmax, skinq_colormap cm, const char *unit)
{
    return render(ctx, path, NULL, values, stride, w, h, mask, mask_stride, vmin, vmax, 1.0, cm, unit);
}

skinq_status skinq_overlay_write(skinq_ctx *ctx, const char *path, const skinq_image *photo,
                                 const float *values, size_t stride, int w, int h, const uint8_t *mask,
                                 size_t mask_stride, double vmin, double vmax, double alpha,
                                 skinq_colormap cm)
{
    if (!(alpha >= 0 && alpha <= 1))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write overlay '%s': alpha %g not in [0,1]", path,
                          alpha);
    return render(ctx, path, photo, values, stride, w, h, mask, mask_stride, vmin, vmax, alpha, cm, NULL);
}
