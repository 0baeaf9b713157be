/* skin_cells.c -- auto-skin's working copy: the photo as cells of f×f pixels (~1 megapixel), each
 * with the CIELAB, log-chromaticity and gray level of its mean linear colour. */
#include <math.h>
#include <string.h>

#include "color/skin_int.h"

/* CIELAB (D65) of a linear sRGB colour, in double (one call a cell). */
static void linear_to_lab(const double rgb[3], double lab[3])
{
    const float *m = skinq_rgb2xyz_n;
    double t[3];
    for (int i = 0; i < 3; i++) {
        double v = m[3 * i] * rgb[0] + m[3 * i + 1] * rgb[1] + m[3 * i + 2] * rgb[2];
        t[i] = v > 216.0 / 24389.0 ? cbrt(v) : v * (24389.0 / 27.0) / 116.0 + 16.0 / 116.0;
    }
    lab[0] = 116 * t[1] - 16;
    lab[1] = 500 * (t[0] - t[1]);
    lab[2] = 200 * (t[1] - t[2]);
}

int skin_in_gamut(const float lab[3])
{
    double chroma = hypot(lab[1], lab[2]), hue = atan2(lab[2], lab[1]) * (180.0 / 3.14159265358979323846);
    return lab[0] >= 20 && lab[0] <= 95 && chroma >= 6 && chroma <= 60 && hue >= 15 && hue <= 85;
}

/* Cell (cx, cy): the mean linear RGB (after gains) of its unclipped pixels inside alpha into
 * rgb (returns 0 when there are none, or fewer than half of those inside), and the mean gray
 * level of all its pixels into *Y: Rec. 601 luma of the encoded 8-bit values, the gray OpenCV's
 * cascades were trained on (the detector sees the whole photo). */
static int cell_mean(const skinq_image *img, const skinq_mask *alpha, const skinq_color_params *p, int f,
                     int cx, int cy, double rgb[3], double *Y)
{
    const unsigned maxcode = img->depth == 16 ? 65535 : 255;
    double s[3] = {0, 0, 0}, y_all = 0;
    int n = 0, inside = 0, all = 0;
    for (int y = cy * f; y < (cy + 1) * f && y < img->height; y++) {
        const uint8_t *row = skinq_image_row(img, y);
        for (int x = cx * f; x < (cx + 1) * f && x < img->width; x++) {
            unsigned c[3];
            double v[3];
            for (int k = 0; k < 3; k++) {
                c[k] = img->depth == 16 ? ((const uint16_t *)(const void *)row)[3 * (size_t)x + k]
                                        : row[3 * (size_t)x + k];
                v[k] = p->lin[c[k]] * p->gain[k];
            }
            double k8 = img->depth == 16 ? 1.0 / 257 : 1.0;
            y_all += k8 * (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
            all++;
            if (alpha && !alpha->data[(size_t)y * alpha->stride + (size_t)x])
                continue;
            inside++;
            if (!c[0] || !c[1] || !c[2] || c[0] == maxcode || c[1] == maxcode || c[2] == maxcode)
                continue;
            for (int k = 0; k < 3; k++)
                s[k] += v[k];
            n++;
        }
    }
    *Y = all ? y_all / all : 0;
    if (n == 0 || 2 * n < inside)
        return 0;
    for (int k = 0; k < 3; k++)
        rgb[k] = s[k] / n;
    return 1;
}

/* Fine-scale contrast of each cell against its 8 neighbours, from the gray grid (one pass). The
 * scale is a cell, ~1/1000 of the photo's side whatever its resolution: skin (even pores, at that
 * scale mostly averaged) is smooth there, while wood grain, woven or printed fabric, machined
 * metal and fur change from cell to cell. Borders count only their neighbours inside. */
static void fine_contrast(skin_cells *c)
{
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            int g = c->gray[(size_t)y * (size_t)c->w + (size_t)x], s = 0, k = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if ((dx || dy) && yy >= 0 && yy < c->h && xx >= 0 && xx < c->w) {
                        int d = g - c->gray[(size_t)yy * (size_t)c->w + (size_t)xx];
                        s += d < 0 ? -d : d;
                        k++;
                    }
                }
            c->fine[(size_t)y * (size_t)c->w + (size_t)x] = (uint8_t)(k ? (s + k / 2) / k : 0);
        }
}

skinq_status skin_cells_make(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                             const double gains[3], skin_cells *c)
{
    memset(c, 0, sizeof *c);
    skinq_color_params p;
    skinq_status st = skinq_color_params_init(ctx, &p, img, gains);
    if (st != SKINQ_OK)
        return st;
    int f = (int)ceil(sqrt((double)img->width * img->height / 1e6));
    c->f = f < 1 ? 1 : f;
    c->w = (img->width + c->f - 1) / c->f;
    c->h = (img->height + c->f - 1) / c->f;
    size_t n = (size_t)c->w * (size_t)c->h;
    c->lab = skinq_malloc(ctx, n * 3 * sizeof(float));
    c->chroma = skinq_malloc(ctx, n * 2 * sizeof(float));
    c->ok = skinq_calloc(ctx, n, 1);
    c->gamut = skinq_calloc(ctx, n, 1);
    c->gray = skinq_malloc(ctx, n);
    c->fine = skinq_malloc(ctx, n);
    if (!c->lab || !c->chroma || !c->ok || !c->gamut || !c->gray || !c->fine) {
        skin_cells_free(ctx, c);
        return SKINQ_E_NOMEM;
    }
    for (int cy = 0; cy < c->h; cy++)
        for (int cx = 0; cx < c->w; cx++) {
            size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
            double rgb[3], lab[3], Y;
            int ok = cell_mean(img, alpha, &p, c->f, cx, cy, rgb, &Y);
            c->gray[i] = (uint8_t)lround(Y);
            memset(c->lab + 3 * i, 0, 3 * sizeof(float));
            memset(c->chroma + 2 * i, 0, 2 * sizeof(float));
            if (!ok)
                continue;
            linear_to_lab(rgb, lab);
            for (int k = 0; k < 3; k++)
                c->lab[3 * i + k] = (float)lab[k];
            c->chroma[2 * i] = (float)log(rgb[0] / rgb[1]);
            c->chroma[2 * i + 1] = (float)log(rgb[2] / rgb[1]);
            c->ok[i] = 1;
            c->gamut[i] = (uint8_t)skin_in_gamut(c->lab + 3 * i);
        }
    fine_contrast(c);
    if (alpha) {
        for (int y = 0; y < img->height; y++) {
            const uint8_t *a = alpha->data + (size_t)y * alpha->stride;
            for (int x = 0; x < img->width; x++)
                c->inside += a[x] != 0;
        }
    } else {
        c->inside = (uint64_t)img->width * (uint64_t)img->height;
    }
    return SKINQ_OK;
}

void skin_cells_free(skinq_ctx *ctx, skin_cells *c)
{
    skinq_free(ctx, c->lab);
    skinq_free(ctx, c->chroma);
    skinq_free(ctx, c->ok);
    skinq_free(ctx, c->gamut);
    skinq_free(ctx, c->gray);
    skinq_free(ctx, c->fine);
    memset(c, 0, sizeof *c);
}
