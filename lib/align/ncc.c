/* ncc.c -- the photometric check of a registered pair: how well the fine luminance structure of
 * before and of after warped into its frame agree inside the common ROI (band-pass NCC). */
#include <math.h>
#include <string.h>

#include "align/align.h"

#define NCC_SIZE 1024 /* long side of the level it is measured on (the features' scale) */
#define NCC_BOX                                                                                              \
    2               /* box radius of the low-pass removed (twice): a wider one kept the sample set's         \
                       shared centimetre-scale tone, which correlated unrelated photos at 0.17 */
#define NCC_REACH 6 /* pixels each side the band-pass reads (2 + 2·2) */

/* 5×5 binomial blur of p (replicated borders) into q. */
static void blur5(const align_plane *p, float *tmp, float *q)
{
    static const float k[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
    int w = p->width, h = p->height;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int i = -2; i <= 2; i++) {
                int xi = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                s += k[i + 2] * p->data[(size_t)y * p->stride + xi];
            }
            tmp[(size_t)y * w + x] = s;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int j = -2; j <= 2; j++) {
                int yj = y + j < 0 ? 0 : y + j >= h ? h - 1 : y + j;
                s += k[j + 2] * tmp[(size_t)yj * w + x];
            }
            q[(size_t)y * w + x] = s;
        }
}

/* Box mean of radius r of src into dst (w × h) along x or y; the window is cut at the edges. */
static void box(const float *src, float *dst, int w, int h, int r, int along_x)
{
    int len = along_x ? w : h, lines = along_x ? h : w;
    size_t step = along_x ? 1 : (size_t)w, next = along_x ? (size_t)w : 1;
    for (int l = 0; l < lines; l++) {
        const float *s = src + l * next;
        float *d = dst + l * next;
        double acc = 0;
        int n = 0;
        for (int i = 0; i < r && i < len; i++)
            acc += s[i * step], n++;
        for (int i = 0; i < len; i++) {
            if (i + r < len)
                acc += s[(i + r) * step], n++;
            if (i - r - 1 >= 0)
                acc -= s[(i - r - 1) * step], n--;
            d[i * step] = (float)(acc / n);
        }
    }
}

/* 1 when the mask holds (x, y) and the ring of points NCC_REACH away (what its band-pass reads). */
static int inside(const align_plane *m, int x, int y)
{
    if (x < NCC_REACH || y < NCC_REACH || x >= m->width - NCC_REACH || y >= m->height - NCC_REACH)
        return 0;
    for (int j = -NCC_REACH; j <= NCC_REACH; j += NCC_REACH)
        for (int i = -NCC_REACH; i <= NCC_REACH; i += NCC_REACH)
            if (!m->data[(size_t)(y + j) * m->stride + x + i])
                return 0;
    return 1;
}

/* Band-pass of p into q: the 5×5 binomial blur minus its box mean of radius NCC_BOX, twice (x, y). */
static void band(const align_plane *p, float *tmp, float *tmp2, float *q)
{
    size_t n = (size_t)p->width * p->height;
    blur5(p, tmp, q);
    box(q, tmp, p->width, p->height, NCC_BOX, 1);
    box(tmp, tmp2, p->width, p->height, NCC_BOX, 0);
    box(tmp2, tmp, p->width, p->height, NCC_BOX, 1);
    box(tmp, tmp2, p->width, p->height, NCC_BOX, 0);
    for (size_t i = 0; i < n; i++)
        q[i] -= tmp2[i];
}

/*
 * Correlation (NCC) of the two lumas band-passed (5×5 binomial blur minus its twice-boxed mean:
 * structure of 1-4 px) at the level whose long side is NCC_SIZE, over the ROI pixels whose
 * band-pass reads only ROI pixels. The band-pass drops the offsets and slow gradients that exposure,
 * white balance, lighting and a redness change bring; NCC ignores a gain on either image. Related
 * photos correlate at 0.8-0.98 (healing series), unrelated skin near 0. NaN when fewer than 64
 * pixels qualify.
 */
skinq_status align_band_ncc(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after_warped,
                            const skinq_mask *roi, double *ncc)
{
    align_plane pb = {0}, pa = {0}, pm = {0};
    *ncc = NAN;
    skinq_status st = align_level(ctx, before, NCC_SIZE, &pb);
    if (st == SKINQ_OK)
        st = align_level(ctx, after_warped, NCC_SIZE, &pa);
    if (st == SKINQ_OK)
        st = align_mask_level(ctx, roi, NCC_SIZE, &pm);
    if (st == SKINQ_OK)
        st = align_band_ncc_planes(ctx, &pb, &pa, &pm, ncc);
    align_plane_free(ctx, &pb);
    align_plane_free(ctx, &pa);
    align_plane_free(ctx, &pm);
    return st;
}

skinq_status align_band_ncc_planes(skinq_ctx *ctx, const align_plane *pb, const align_plane *pa,
                                   const align_plane *pm, double *ncc)
{
    float *buf = NULL;
    *ncc = NAN;
    int w = pb->width, h = pb->height;
    if (pa->width != w || pa->height != h || pm->width != w || pm->height != h)
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "photometric check: level sizes differ");
    size_t n = (size_t)w * h;
    if (!(buf = skinq_malloc(ctx, 4 * n * sizeof *buf)))
        return SKINQ_E_NOMEM;
    float *tmp = buf, *tmp2 = buf + n, *qb = buf + 2 * n, *qa = buf + 3 * n;
    band(pb, tmp, tmp2, qb);
    band(pa, tmp, tmp2, qa);
    double s[5] = {0};
    size_t k = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!inside(pm, x, y))
                continue;
            size_t i = (size_t)y * w + x;
            double b = qb[i], a = qa[i];
            s[0] += b, s[1] += a, s[2] += b * b, s[3] += a * a, s[4] += a * b;
            k++;
        }
    double vb = s[2] - s[0] * s[0] / k, va = s[3] - s[1] * s[1] / k;
    if (k >= 64 && vb > 0 && va > 0)
        *ncc = (s[4] - s[0] * s[1] / k) / sqrt(vb * va);
    skinq_free(ctx, buf);
    return SKINQ_OK;
}
