/* tile.c -- helpers the scale-space parts share: clamped tile copies, separable Gaussian blur,
 * quantiles. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "texture_int.h"

void tex_copy_clamped(const tex_img *im, int x0, int y0, int w, int h, float *dst)
{
    const int sw = im->w, sh = im->h;
    int xa = x0 < 0 ? -x0 : 0, xb = x0 + w > sw ? sw - x0 : w; /* [xa, xb) reads in range */
    if (xb < xa)
        xb = xa;
    for (int y = 0; y < h; y++) {
        int yy = y0 + y < 0 ? 0 : y0 + y >= sh ? sh - 1 : y0 + y;
        float *o = dst + (size_t)y * w;
        if (xb > xa) {
            const float *r = tex_L_span(im, yy, x0 + xa, xb - xa, o + xa);
            if (r != o + xa)
                memcpy(o + xa, r, sizeof(float) * (size_t)(xb - xa));
        }
        float b0, b1;
        const float first = *tex_L_span(im, yy, 0, 1, &b0), last = *tex_L_span(im, yy, sw - 1, 1, &b1);
        for (int x = 0; x < xa && x < w; x++)
            o[x] = first;
        for (int x = xb > xa ? xb : xa; x < w; x++)
            o[x] = last;
    }
}

#define MAX_RADIUS 64

void tex_gauss(const float *src, float *dst, float *tmp, int w, int h, double sigma)
{
    int r = (int)ceil(3.5 * sigma);
    if (r < 1)
        r = 1;
    if (r > MAX_RADIUS)
        r = MAX_RADIUS;
    float k[MAX_RADIUS + 1];
    double s = 0;
    for (int i = 0; i <= r; i++) {
        k[i] = (float)exp(-0.5 * i * i / (sigma * sigma));
        s += i ? 2 * k[i] : k[i];
    }
    for (int i = 0; i <= r; i++)
        k[i] = (float)(k[i] / s);
    /* rows: the interior tap by tap along the row (vectorises), the r-wide edges clamped */
    for (int y = 0; y < h; y++) {
        const float *a = src + (size_t)y * w;
        float *o = tmp + (size_t)y * w;
        if (w > 2 * r) {
            for (int x = r; x < w - r; x++)
                o[x] = k[0] * a[x];
            for (int i = 1; i <= r; i++) {
                const float ki = k[i];
                for (int x = r; x < w - r; x++)
                    o[x] += ki * (a[x - i] + a[x + i]);
            }
        }
        for (int x = 0; x < w; x++) {
            if (x == r && w > 2 * r)
                x = w - r; /* skip the interior */
            float v = k[0] * a[x];
            for (int i = 1; i <= r; i++) {
                int xl = x - i < 0 ? 0 : x - i, xr = x + i >= w ? w - 1 : x + i;
                v += k[i] * (a[xl] + a[xr]);
            }
            o[x] = v;
        }
    }
    /* columns: whole rows at a time so the inner loop runs along memory (vectorises) */
    for (int y = 0; y < h; y++) {
        float *o = dst + (size_t)y * w;
        const float *c = tmp + (size_t)y * w;
        for (int x = 0; x < w; x++)
            o[x] = k[0] * c[x];
        for (int i = 1; i <= r; i++) {
            int yu = y - i < 0 ? 0 : y - i, yd = y + i >= h ? h - 1 : y + i;
            const float *u = tmp + (size_t)yu * w, *d = tmp + (size_t)yd * w;
            const float ki = k[i];
            for (int x = 0; x < w; x++)
                o[x] += ki * (u[x] + d[x]);
        }
    }
}

double tex_quantile(skinq_ctx *ctx, const float *v, size_t n, double q)
{
    float *c = skinq_malloc(ctx, n * sizeof *c);
    if (!c)
        return NAN;
    memcpy(c, v, n * sizeof *c);
    double r = skinq_quantile_inplace(c, n, q);
    skinq_free(ctx, c);
    return r;
}

void tex_relative(float *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = TEX_REL_SCALE * logf(fmaxf(buf[i] + 16.0f, 1e-3f));
}

tex_tile tex_tile_load(const tex_img *im, int task, int nx, int core, int margin, float *buf)
{
    tex_tile t;
    t.cx0 = (task % nx) * core;
    t.cy0 = (task / nx) * core;
    t.cw = t.cx0 + core < im->w ? core : im->w - t.cx0;
    t.ch = t.cy0 + core < im->h ? core : im->h - t.cy0;
    t.margin = margin;
    t.tw = t.cw + 2 * margin;
    t.th = t.ch + 2 * margin;
    tex_copy_clamped(im, t.cx0 - margin, t.cy0 - margin, t.tw, t.th, buf);
    tex_relative(buf, (size_t)t.tw * (size_t)t.th);
    return t;
}
