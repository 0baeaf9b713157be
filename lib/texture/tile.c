/* tile.c -- helpers the texture parts share: tiles of u = 76·ln(L* + 16) for the scale-space
 * parts (clamped at the image edges), quantiles. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "texture_int.h"

/* u of every 16-bit L* code, made once: tiles of 16-bit planes load through it instead of a
 * logf per pixel (a tenth of the scale-space parts' work). */
static float rel16[65536];
static pthread_once_t rel16_once = PTHREAD_ONCE_INIT;

static void rel16_build(void)
{
    for (int c = 0; c < 65536; c++) {
        rel16[c] = (float)c * (1.0f / SKINQ_L16_SCALE);
        tex_relative(&rel16[c], 1);
    }
}

/* n values of row y from x0 into dst: L*, or u (tex_relative) when rel. */
static void read_span(const tex_img *im, int y, int x0, int n, int rel, float *dst)
{
    if (rel && im->L16) {
        const uint16_t *r = im->L16 + (size_t)y * im->stride + (size_t)x0;
        int i = 0;
        /* eight lookups an iteration: the loop's own count and branch were half its work */
        for (; i + 8 <= n; i += 8) {
            const float a = rel16[r[i]], b = rel16[r[i + 1]], c = rel16[r[i + 2]], d = rel16[r[i + 3]];
            const float e = rel16[r[i + 4]], f = rel16[r[i + 5]], g = rel16[r[i + 6]], h = rel16[r[i + 7]];
            dst[i] = a, dst[i + 1] = b, dst[i + 2] = c, dst[i + 3] = d;
            dst[i + 4] = e, dst[i + 5] = f, dst[i + 6] = g, dst[i + 7] = h;
        }
        for (; i < n; i++)
            dst[i] = rel16[r[i]];
        return;
    }
    const float *r = tex_L_span(im, y, x0, n, dst);
    if (r != dst)
        memcpy(dst, r, sizeof(float) * (size_t)n);
    if (rel)
        tex_relative(dst, (size_t)n);
}

/* The clamped w×h window at (x0, y0), L* or u. */
static void copy_clamped(const tex_img *im, int x0, int y0, int w, int h, int rel, float *dst)
{
    const int sw = im->w, sh = im->h;
    int xa = x0 < 0 ? -x0 : 0, xb = x0 + w > sw ? sw - x0 : w; /* [xa, xb) reads in range */
    if (xb < xa)
        xb = xa;
    for (int y = 0; y < h; y++) {
        int yy = y0 + y < 0 ? 0 : y0 + y >= sh ? sh - 1 : y0 + y;
        float *o = dst + (size_t)y * w, first, last;
        if (xb > xa)
            read_span(im, yy, x0 + xa, xb - xa, rel, o + xa);
        read_span(im, yy, 0, 1, rel, &first);
        read_span(im, yy, sw - 1, 1, rel, &last);
        for (int x = 0; x < xa && x < w; x++)
            o[x] = first;
        for (int x = xb > xa ? xb : xa; x < w; x++)
            o[x] = last;
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

tex_tile tex_tile_geom(const tex_img *im, int task, int nx, int core, int margin)
{
    tex_tile t;
    t.cx0 = (task % nx) * core;
    t.cy0 = (task / nx) * core;
    t.cw = t.cx0 + core < im->w ? core : im->w - t.cx0;
    t.ch = t.cy0 + core < im->h ? core : im->h - t.cy0;
    t.margin = margin;
    t.tw = t.cw + 2 * margin;
    t.th = t.ch + 2 * margin;
    return t;
}

tex_tile tex_tile_load(const tex_img *im, int task, int nx, int core, int margin, float *buf)
{
    const tex_tile t = tex_tile_geom(im, task, nx, core, margin);
    if (im->L16)
        pthread_once(&rel16_once, rel16_build);
    copy_clamped(im, t.cx0 - margin, t.cy0 - margin, t.tw, t.th, 1, buf);
    return t;
}
