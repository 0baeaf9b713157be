/* pyramid.c -- the Gaussian scale-space pyramid pores.c and lines.c share (Lowe, IJCV 60(2), 2004;
 * Lindeberg, IJCV 30(2), 1998). The planes G_σ * u of a tile are made incrementally
 * (G_σk = G_inc * G_σk-1, σ_inc = sqrt(σk² − σk-1²), Gaussians compose), and once a plane's σ
 * is wide enough the chain moves to a grid decimated by 2: a plane blurred to σ (full-res px)
 * sampled every second pixel is the level-o image at σ/2^o of its own px, so every blur stays
 * ~0.4–1.4 px of its level whatever σ is (radius <= 5) and the level's pixels are a quarter of the
 * finer one's. Two planes in a row that both blur the level's base (its first planes) share one
 * vertical pass: each source row is loaded once for both kernels. Scale-normalised derivatives
 * σ_o²∂²_o on level o equal σ²∂² in full-res px up to discretisation, so responses, thresholds
 * and calibrations carry over unchanged. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

#define MAX_RADIUS 64
/* Narrowest increment: a sampled Gaussian much below 1 px is no Gaussian (a chain of 0.4–0.7 px
 * steps reaches σ with the right variance but the wrong shape, which moved the size of a 3-px
 * disc by 2 %), so narrower steps blur the level's base directly instead. */
#define INC_MIN 0.8

/* Symmetric taps k[0..r] of a sampled Gaussian, radius ceil(3.5σ), normalised to
 * sum 1; returns r. */
static int kernel(double sigma, float *k)
{
    int r = (int)ceil(3.5 * sigma);
    r = r < 1 ? 1 : r > MAX_RADIUS ? MAX_RADIUS : r;
    double s = 0;
    for (int i = 0; i <= r; i++) {
        k[i] = (float)exp(-0.5 * i * i / (sigma * sigma));
        s += i ? 2 * k[i] : k[i];
    }
    for (int i = 0; i <= r; i++)
        k[i] = (float)(k[i] / s);
    return r;
}

double tex_kernel_var(double sigma)
{
    float k[MAX_RADIUS + 1];
    const int r = kernel(sigma, k);
    double v = 0;
    for (int i = 1; i <= r; i++)
        v += 2.0 * i * i * k[i];
    return v;
}

/* The σ whose sampled kernel has variance var. Below σ ≈ 1 a sampled Gaussian's variance falls
 * well short of σ² (σ = 0.43: 0.12 instead of 0.18), so a chain of small increments would
 * under-blur; increments are sized by variance, which convolution adds exactly. */
double tex_sigma_of_var(double var)
{
    double lo = 0.05, hi = sqrt(var) + 1;
    for (int it = 0; it < 50; it++) {
        double mid = 0.5 * (lo + hi);
        if (tex_kernel_var(mid) < var)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* tex_blur of src by the sampled Gaussians of σ[0 .. nd) (px; nd 1 or 2) into dst[0 .. nd):
 * with two, one vertical pass makes both row buffers. rows: nd buffers of w + 2·MAX_RADIUS
 * floats. */
static void blur_sigmas(const struct skinq_texture_dsp *K, const float *src, size_t sstride,
                        float *const *dst, const double *sigma, int nd, int w, int h, float *const *rows)
{
    float k[2][MAX_RADIUS + 1];
    int r[2], rm = 0;
    float *v[2]; /* v[−r .. w + r − 1]: one vertically blurred row, edges clamped */
    const float *lo[MAX_RADIUS + 1], *hi[MAX_RADIUS + 1], *vlo[2][MAX_RADIUS + 1], *vhi[2][MAX_RADIUS + 1];
    for (int d = 0; d < nd; d++) {
        r[d] = kernel(sigma[d], k[d]);
        rm = r[d] > rm ? r[d] : rm;
        v[d] = rows[d] + r[d];
        for (int i = 1; i <= r[d]; i++) {
            vlo[d][i] = v[d] - i;
            vhi[d][i] = v[d] + i;
        }
    }
    for (int y = 0; y < h; y++) {
        /* vertical first, into the row buffer (stays in L1), then horizontal into dst: one pass
         * over memory a plane instead of two, and no w×h temporary */
        const float *c = src + (size_t)y * sstride;
        if (y >= rm && y + rm < h) /* (no clamping: the rows' own offsets) */
            for (int i = 1; i <= rm; i++) {
                lo[i] = c - (size_t)i * sstride;
                hi[i] = c + (size_t)i * sstride;
            }
        else
            for (int i = 1; i <= rm; i++) {
                lo[i] = src + (size_t)(y - i < 0 ? 0 : y - i) * sstride;
                hi[i] = src + (size_t)(y + i >= h ? h - 1 : y + i) * sstride;
            }
        if (nd == 2)
            K->tex_acc_rows2(v[0], v[1], c, lo, hi, k[0], r[0], k[1], r[1], w);
        else
            K->tex_acc_rows(v[0], c, lo, hi, k[0], r[0], w);
        for (int d = 0; d < nd; d++) {
            for (int i = 1; i <= r[d]; i++) {
                v[d][-i] = v[d][0];
                v[d][w - 1 + i] = v[d][w - 1];
            }
            K->tex_acc_hrow(dst[d] + (size_t)y * w, v[d], vlo[d], vhi[d], k[d], r[d], w);
        }
    }
}

void tex_blur(const struct skinq_texture_dsp *k, const float *src, size_t sstride, float *dst, int w, int h,
              double var, float *row)
{
    const double sigma = tex_sigma_of_var(var);
    blur_sigmas(k, src, sstride, &dst, &sigma, 1, w, h, &row);
}

void tex_decimate(const float *src, int w, int h, float *dst)
{
    const int wd = (w + 1) / 2, hd = (h + 1) / 2;
    for (int y = 0; y < hd; y++) {
        const float *s = src + (size_t)(2 * y) * w;
        float *d = dst + (size_t)y * wd;
        for (int x = 0; x < wd; x++)
            d[x] = s[2 * x];
    }
}

void tex_pyr_plan(tex_pyr *py, const struct skinq_texture_dsp *k, const double *sigma, int n, int nb,
                  double s_min)
{
    memset(py, 0, sizeof *py);
    py->k = k;
    py->n = n;
    memcpy(py->sigma, sigma, sizeof(double) * (size_t)n);
    /* Evaluated scales nb .. n−1−nb, in order; a new level starts at scale k when the first
     * plane it needs (k − 2nb: with nb neighbours the previous level's last scale is evaluated
     * again, so a maximum there is found on one grid or the other) is >= s_min px of the new
     * level: that plane, decimated, is the new level's base, so s_min is its anti-alias blur. */
    int o = 0, a[TEX_PYR_LEVELS], b[TEX_PYR_LEVELS];
    a[0] = nb;
    for (int k = nb + 1; k <= n - 1 - nb; k++)
        if (o + 1 < TEX_PYR_LEVELS && sigma[k - 2 * nb] * (1 + 1e-9) >= s_min * (double)(2 << o)) {
            b[o] = k - 1;
            a[++o] = k - nb;
        }
    b[o] = n - 1 - nb;
    py->levels = o + 1;
    for (int l = 0; l <= o; l++) {
        py->first[l] = a[l] - nb;
        py->last[l] = b[l] + nb;
        py->src[l] = l && py->last[l - 1] < py->first[l] ? py->last[l - 1] : py->first[l];
    }
    py->sigma_max = sigma[n - 1];
    /* the blur schedule tex_pyr_run follows: each plane's variance (that of one direct blur
     * by its full-res kernel, in level px²), made from the previous plane unless that step
     * would be narrower than INC_MIN (then from the level's base, so the first planes are
     * direct blurs of the base); the base of level l + 1 is plane src[l + 1] decimated */
    double in_v = 0;
    for (int l = 0; l < py->levels; l++) {
        const double f2 = (double)(1 << l) * (double)(1 << l);
        double prev_v = in_v, next_v = 0;
        int prev_is_base = 1;
        for (int p = py->first[l]; p <= py->last[l]; p++) {
            const double v = tex_kernel_var(py->sigma[p]) / f2;
            py->step_sigma[l][p] = 0;
            py->step_from_base[l][p] = 0;
            if (v > in_v * (1 + 1e-9)) { /* else the base is this plane already */
                const int from_base = prev_is_base || tex_sigma_of_var(v - prev_v) < INC_MIN;
                py->step_sigma[l][p] = tex_sigma_of_var(v - (from_base ? in_v : prev_v));
                py->step_from_base[l][p] = (uint8_t)from_base;
                prev_is_base = 0;
            }
            if (l + 1 < py->levels && p == py->src[l + 1])
                next_v = v / 4;
            prev_v = v;
        }
        in_v = next_v;
    }
}

int tex_pyr_margin(const tex_pyr *py)
{
    const int f = 1 << (py->levels - 1);
    /* the largest blur's support, and the stencil + neighbour (2 px) of the coarsest level; a
     * multiple of its factor so every tile's level-o grid sits on the image's multiples of 2^o */
    int m = (int)ceil(3.5 * py->sigma_max) + 2 * f;
    return (m + f - 1) / f * f;
}

void tex_pyr_dims(int w, int h, int level, int *wl, int *hl)
{
    for (int l = 0; l < level; l++)
        w = (w + 1) / 2, h = (h + 1) / 2;
    *wl = w;
    *hl = h;
}

size_t tex_pyr_scratch(int w, int h)
{
    const size_t full = (size_t)w * (size_t)h, half = (size_t)((w + 1) / 2) * (size_t)((h + 1) / 2);
    return 2 * full + 2 * half + 2 * ((size_t)w + 2 * MAX_RADIUS);
}

void tex_pyr_run(const tex_pyr *py, const float *base, size_t stride, int w, int h, float *scratch,
                 tex_pyr_fn fn, void *user)
{
    const size_t full = (size_t)w * (size_t)h, half = (size_t)((w + 1) / 2) * (size_t)((h + 1) / 2);
    float *plane[2] = {scratch, scratch + full}, *lbase[2] = {scratch + 2 * full, scratch + 2 * full + half};
    float *rows[2] = {lbase[1] + half, lbase[1] + half + w + 2 * MAX_RADIUS};
    const float *in = base; /* this level's base: the tile, then decimated planes (ping-pong) */
    size_t in_stride = stride;
    int wl = w, hl = h;
    for (int l = 0; l < py->levels; l++) {
        const float *prev = in, *made = NULL;
        float *next_base = lbase[l & 1];
        for (int p = py->first[l]; p <= py->last[l]; p++) {
            /* the schedule of tex_pyr_plan: from the previous plane or from the base */
            const float *g = prev;
            if (made) /* made with the plane before */
                g = made, made = NULL;
            else if (py->step_sigma[l][p] > 0) {
                const int from_base = py->step_from_base[l][p];
                float *dst[2] = {prev == plane[0] ? plane[1] : plane[0],
                                 prev == plane[0] ? plane[0] : plane[1]};
                /* two blurs of the base in a row (the level's first planes): one vertical pass
                 * for both, into both buffers (neither the previous plane nor the base is
                 * needed by either) */
                const int two = from_base && p + 1 <= py->last[l] && py->step_sigma[l][p + 1] > 0 &&
                                py->step_from_base[l][p + 1];
                const double sg[2] = {py->step_sigma[l][p], two ? py->step_sigma[l][p + 1] : 0};
                blur_sigmas(py->k, from_base ? in : prev, from_base ? in_stride : (size_t)wl, dst, sg,
                            two ? 2 : 1, wl, hl, rows);
                g = dst[0];
                made = two ? dst[1] : NULL;
            }
            fn(user, l, p, g, wl, hl);
            if (l + 1 < py->levels && p == py->src[l + 1])
                tex_decimate(g, wl, hl, next_base);
            prev = g;
        }
        in = next_base;
        in_stride = (size_t)(wl + 1) / 2;
        wl = (wl + 1) / 2;
        hl = (hl + 1) / 2;
    }
}
