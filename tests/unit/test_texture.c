/* test_texture.c -- lib/texture by its properties: gratings peak in the right radial bin with
 * the right power (Parseval against an independent spatial sum), white and 1/f² noise slopes,
 * GLCM features against tests/ref/glcm_ref.c (and a hand-computed 4×4 case), pores counted and
 * sized on dark discs, fine lines' length on known segments, spots and tone evenness on known
 * planes, the texture-ladder phantom's monotonicity, brightness (in)variance, identical results
 * for 1 and 2 threads, maps, and bad input; and internal pieces: the flag scan TEX_FOR_FLAGS
 * against a byte-by-byte scan, the one-pass pores + lines (tex_pores_lines) against the two
 * separate parts, bit-identical (with and without a ROI, 1 and 2 threads), and spots' radix
 * median against skinq_quantile_inplace (leaving v a permutation). */
#include <cjson/cJSON.h>
#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glcm_ref.h"
#include "lab_ref.h"
#include "test_util.h"
#include "texture/texture_int.h"

#define PI 3.14159265358979323846

static int quick(void)
{
    const char *q = getenv("SKINQ_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

static double gauss(uint64_t *rs)
{
    double u = tu_uniform(rs), v = tu_uniform(rs);
    return sqrt(-2 * log(u > 1e-300 ? u : 1e-300)) * cos(2 * PI * v);
}

static double metric(const skinq_metrics *m, const char *path)
{
    const skinq_metric *x = skinq_metrics_find(m, path);
    if (!x)
        fail_msg("metric %s missing", path);
    return x->value;
}

static const char *unit_of(const skinq_metrics *m, const char *path)
{
    const skinq_metric *x = skinq_metrics_find(m, path);
    if (!x)
        fail_msg("metric %s missing", path);
    return x->unit;
}

/* Default options computing only `metrics`. */
static skinq_texture_options opts(unsigned metrics)
{
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.metrics = metrics;
    return o;
}

/* Analyse and require SKINQ_OK; metrics into *m (freed first). */
static void analyze(skinq_ctx *ctx, const float *L, const float *mel, int w, int h, const skinq_mask *roi,
                    double ppm, const skinq_texture_options *o, skinq_metrics *m)
{
    skinq_metrics_free(m);
    skinq_status st = skinq_texture_analyze(ctx, L, mel, w, h, (size_t)w, roi, ppm, o, m);
    if (st != SKINQ_OK)
        fail_msg("texture analysis failed: %s: %s", skinq_status_str(st), skinq_ctx_error(ctx));
}

/* Independent Parseval side: plane-detrended (least squares, double), periodic-Hann-windowed
 * T×T tile; window-weighted mean square without the DC term. */
static double spatial_power(const float *L, int stride, int x0, int y0, int T)
{
    double *v = malloc(sizeof *v * (size_t)T * T);
    double s[3][3] = {{0}}, r[3] = {0};
    for (int y = 0; y < T; y++)
        for (int x = 0; x < T; x++) {
            double b[3] = {1, x, y}, f = L[(size_t)(y0 + y) * stride + x0 + x];
            for (int i = 0; i < 3; i++) {
                r[i] += b[i] * f;
                for (int j = 0; j < 3; j++)
                    s[i][j] += b[i] * b[j];
            }
        }
    /* 3x3 normal equations by Cramer's rule */
    double det = s[0][0] * (s[1][1] * s[2][2] - s[1][2] * s[2][1]) -
                 s[0][1] * (s[1][0] * s[2][2] - s[1][2] * s[2][0]) +
                 s[0][2] * (s[1][0] * s[2][1] - s[1][1] * s[2][0]);
    double c[3];
    for (int k = 0; k < 3; k++) {
        double m[3][3];
        memcpy(m, s, sizeof m);
        for (int i = 0; i < 3; i++)
            m[i][k] = r[i];
        c[k] = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])) /
               det;
    }
    double sx = 0, sxx = 0, sw2 = 0;
    for (int y = 0; y < T; y++)
        for (int x = 0; x < T; x++) {
            double wx = sin(PI * x / T), wy = sin(PI * y / T), w = wx * wx * wy * wy;
            double f = (L[(size_t)(y0 + y) * stride + x0 + x] - c[0] - c[1] * x - c[2] * y) * w;
            sx += f;
            sxx += f * f;
            sw2 += w * w;
        }
    free(v);
    return (sxx - sx * sx / ((double)T * T)) / sw2;
}

static void grating(float *L, int w, int h, double f, double angle_deg, double amp)
{
    double fx = f * cos(angle_deg * PI / 180), fy = f * sin(angle_deg * PI / 180);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            L[(size_t)y * w + x] =
                (float)(55 + 0.01 * x - 0.02 * y + amp * cos(2 * PI * (fx * x + fy * y) + 0.3));
}

/* Index of the reported radial bin holding the most power, and of the bin nearest f (log). */
static void peak_bins(const skinq_metrics *m, double f, int *peak, int *expect, int *nb)
{
    char p[80];
    double best = -1, bestd = INFINITY;
    int n = 0;
    for (;; n++) {
        snprintf(p, sizeof p, "texture.psd.bins.%d.power", n);
        const skinq_metric *x = skinq_metrics_find(m, p);
        if (!x)
            break;
        snprintf(p, sizeof p, "texture.psd.bins.%d.freq", n);
        double fr = metric(m, p);
        if (x->value > best) {
            best = x->value;
            *peak = n;
        }
        if (fabs(log(fr / f)) < bestd) {
            bestd = fabs(log(fr / f));
            *expect = n;
        }
    }
    *nb = n;
}

static void test_psd_grating(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int W = 512;
    float *L = malloc(sizeof *L * W * W);
    skinq_texture_options o = opts(SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS);
    /* px_per_mm = 1: cycles/mm are cycles/px, so the bands can be put around the grating */
    o.band_fine[0] = 0.08, o.band_fine[1] = 0.125;
    o.band_medium[0] = 0.02, o.band_medium[1] = 0.08;
    o.band_coarse[0] = 0.005, o.band_coarse[1] = 0.02;
    o.rough_band[0] = 0.02, o.rough_band[1] = 0.5;
    skinq_metrics m = {0};
    static const double freqs[] = {0.1, 0.03125, 0.2}, angles[] = {30, 0, 73};
    static const int tiles[] = {512, 128};
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 3; k++) {
            const double A = 6;
            grating(L, W, W, freqs[k], angles[k], A);
            o.tile = tiles[t];
            analyze(ctx, L, NULL, W, W, NULL, 1.0, &o, &m);
            int peak = -1, expect = -2, nb = 0;
            peak_bins(&m, freqs[k], &peak, &expect, &nb);
            double total = metric(&m, "texture.psd.total");
            print_message(
                "grating f=%.4f tile %d: peak bin %d, expected %d of %d; total %.4f (A²/2 = %.4f)\n",
                freqs[k], tiles[t], peak, expect, nb, total, A * A / 2);
            assert_true(abs(peak - expect) <= 1);
            assert_near(total / (A * A / 2), 1, 0.01);
            if (k == 0) {
                double band = metric(&m, "texture.psd.fine");
                assert_near(band / (A * A / 2), 1, 0.01);
                /* sq = sqrt(band power) by Parseval; sa = (2/π)·A·(√2/2)/... for a sinusoid: mean |A cos| =
                 * 2A/π */
                assert_near(metric(&m, "texture.roughness.sq") / (A / sqrt(2)), 1, 0.01);
                assert_near(metric(&m, "texture.roughness.sa") / (2 * A / PI), 1, 0.02);
            }
            if (tiles[t] == 512) { /* one tile: Parseval against the independent spatial sum */
                double sp = spatial_power(L, W, 0, 0, 512);
                print_message("  Parseval: spectral %.6f, spatial %.6f (%.3f %%)\n", total, sp,
                              100 * (total / sp - 1));
                assert_near(total / sp, 1, 0.01);
            }
            assert_string_equal(unit_of(&m, "texture.psd.bins.0.freq"), "cycles/mm");
            assert_string_equal(unit_of(&m, "texture.psd.fine"), "L*^2");
        }
    /* linearity: twice the amplitude, four times every power */
    grating(L, W, W, 0.1, 30, 3);
    o.tile = 256;
    analyze(ctx, L, NULL, W, W, NULL, 1.0, &o, &m);
    double p1 = metric(&m, "texture.psd.total");
    grating(L, W, W, 0.1, 30, 6);
    analyze(ctx, L, NULL, W, W, NULL, 1.0, &o, &m);
    assert_near(metric(&m, "texture.psd.total") / p1, 4, 0.01);
    skinq_metrics_free(&m);
    free(L);
    skinq_ctx_close(&ctx);
}

/* Noise with power ∝ f^-beta (beta = 0: white), by spectral synthesis on a periodic n×n grid. */
static void power_law_noise(float *L, int n, double beta, uint64_t *rs)
{
    int W = n / 2 + 1;
    fftwf_complex *spec = fftwf_malloc(sizeof *spec * (size_t)n * W);
    float *out = fftwf_malloc(sizeof *out * (size_t)n * n);
    fftwf_plan p = fftwf_plan_dft_c2r_2d(n, n, spec, out, FFTW_ESTIMATE);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < W; j++) {
            double fy = (i <= n / 2 ? i : i - n) / (double)n, fx = j / (double)n, f = sqrt(fx * fx + fy * fy);
            double a = f > 0 ? pow(f, -beta / 2) : 0;
            spec[(size_t)i * W + j][0] = (float)(a * gauss(rs));
            spec[(size_t)i * W + j][1] = (float)(a * gauss(rs));
        }
    fftwf_execute(p);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        s += out[i];
        s2 += (double)out[i] * out[i];
    }
    double sd = sqrt(s2 / ((double)n * n) - (s / ((double)n * n)) * (s / ((double)n * n)));
    for (size_t i = 0; i < (size_t)n * n; i++)
        L[i] = (float)(60 + 4 * out[i] / sd);
    fftwf_destroy_plan(p);
    fftwf_free(spec);
    fftwf_free(out);
}

static void test_psd_noise_slopes(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int n = 1024;
    float *L = malloc(sizeof *L * n * n);
    uint64_t rs = tu_seed();
    skinq_texture_options o = opts(SKINQ_TEXTURE_PSD);
    skinq_metrics m = {0};
    /* white: independent Gaussian pixels */
    for (size_t i = 0; i < (size_t)n * n; i++)
        L[i] = (float)(60 + 4 * gauss(&rs));
    analyze(ctx, L, NULL, n, n, NULL, 0, &o, &m);
    double white = metric(&m, "texture.psd.slope");
    print_message("white noise: slope %.4f, total %.3f (variance 16)\n", white,
                  metric(&m, "texture.psd.total"));
    assert_near(white, 0, 0.15);
    assert_near(metric(&m, "texture.psd.total") / 16, 1, 0.02);
    assert_string_equal(unit_of(&m, "texture.psd.bins.0.freq"), "cycles/px");
    for (int k = 0; k < 2; k++) {
        double beta = k ? 2 : 1;
        power_law_noise(L, n, beta, &rs);
        analyze(ctx, L, NULL, n, n, NULL, 0, &o, &m);
        double sl = metric(&m, "texture.psd.slope");
        print_message("1/f^%.0f noise: slope %.4f\n", beta, sl);
        assert_near(sl, -beta, 0.15);
    }
    skinq_metrics_free(&m);
    free(L);
    skinq_ctx_close(&ctx);
}

/* GLCM of an integer-level plane in min–max mode: the library's quantisation is the identity. */
static void glcm_lib(skinq_ctx *ctx, const uint8_t *q, const uint8_t *mask, int w, int h, int levels,
                     double f[7])
{
    float *L = malloc(sizeof *L * (size_t)w * h);
    for (int i = 0; i < w * h; i++)
        L[i] = q[i];
    skinq_mask *roi = NULL;
    if (mask) {
        assert_int_equal(skinq_mask_new(ctx, w, h, 0, &roi), SKINQ_OK);
        for (int y = 0; y < h; y++)
            memcpy(roi->data + (size_t)y * roi->stride, mask + (size_t)y * w, (size_t)w);
    }
    skinq_texture_options o = opts(SKINQ_TEXTURE_GLCM);
    o.glcm_levels = levels;
    o.glcm_minmax = 1;
    skinq_metrics m = {0};
    analyze(ctx, L, NULL, w, h, roi, 0, &o, &m);
    static const char *names[7] = {"contrast", "dissimilarity", "homogeneity", "asm",
                                   "energy",   "correlation",   "entropy"};
    for (int k = 0; k < 7; k++) {
        char p[64];
        snprintf(p, sizeof p, "texture.glcm.%s", names[k]);
        f[k] = metric(&m, p);
    }
    skinq_metrics_free(&m);
    skinq_mask_free(&roi);
    free(L);
}

static void test_glcm_reference(void **state)
{
    (void)state;
    /* hand-computed: scikit-image's docstring image, distance 1, angle 0, symmetric:
     * M + Mᵀ = [[4,2,1,0],[2,4,0,0],[1,0,6,1],[0,0,1,2]] / 24 */
    static const uint8_t img4[16] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 2, 2, 2, 3, 3};
    double P[16];
    assert_near(ref_glcm_matrix(img4, 4, 4, NULL, 4, 0, 1, P), 12, 0);
    assert_near(P[0] * 24, 4, 1e-12);
    assert_near(P[2 * 4 + 2] * 24, 6, 1e-12);
    double d1 = 1, a0 = 0, f[7];
    ref_glcm_features(img4, 4, 4, NULL, 4, &d1, 1, &a0, 1, f);
    assert_near(f[0], 14.0 / 24, 1e-12);        /* contrast */
    assert_near(f[1], 10.0 / 24, 1e-12);        /* dissimilarity */
    assert_near(f[2], 19.4 / 24, 1e-12);        /* homogeneity */
    assert_near(f[3], 84.0 / 576, 1e-12);       /* ASM */
    assert_near(f[4], sqrt(84.0 / 576), 1e-12); /* energy */
    double ent = 0;
    static const double cnt[] = {4, 2, 1, 2, 4, 1, 6, 1, 1, 2};
    for (int i = 0; i < 10; i++)
        ent -= cnt[i] / 24 * log2(cnt[i] / 24);
    assert_near(f[6], ent, 1e-12);

    /* the library against the reference: the design's 3 distances × 4 angles */
    skinq_ctx *ctx = tu_ctx();
    const double dist[3] = {1, 2, 4}, ang[4] = {0, PI / 4, PI / 2, 3 * PI / 4};
    double ref[7], lib[7];
    ref_glcm_features(img4, 4, 4, NULL, 4, dist, 3, ang, 4, ref);
    glcm_lib(ctx, img4, NULL, 4, 4, 4, lib);
    for (int k = 0; k < 7; k++)
        assert_near(lib[k], ref[k], 1e-6);
    uint64_t rs = tu_seed();
    static const int sizes[][3] = {{37, 23, 8}, {64, 48, 64}, {13, 71, 16}, {100, 90, 64}};
    for (int s = 0; s < 4; s++) {
        int w = sizes[s][0], h = sizes[s][1], lv = sizes[s][2];
        uint8_t *q = malloc((size_t)w * h), *mask = malloc((size_t)w * h);
        for (int i = 0; i < w * h; i++) { /* smooth-ish levels, both ends present for min–max */
            int x = i % w, y = i / w;
            double v = (lv - 1) * (0.5 + 0.3 * sin(x * 0.3) * cos(y * 0.2)) + 3 * gauss(&rs);
            q[i] = (uint8_t)(v < 0 ? 0 : v > lv - 1 ? lv - 1 : lround(v));
            mask[i] = (uint8_t)((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < w * h / 4);
        }
        q[0] = 0;
        q[w * h - 1] = (uint8_t)(lv - 1);
        mask[w / 2 + (h / 2) * w] = 1;
        for (int with_mask = 0; with_mask < 2; with_mask++) {
            if (with_mask) { /* min–max over the ROI: put both ends inside it */
                q[w / 2 + (h / 2) * w] = 0;
                q[w / 2 + 1 + (h / 2) * w] = (uint8_t)(lv - 1);
                mask[w / 2 + 1 + (h / 2) * w] = 1;
            }
            ref_glcm_features(q, w, h, with_mask ? mask : NULL, lv, dist, 3, ang, 4, ref);
            glcm_lib(ctx, q, with_mask ? mask : NULL, w, h, lv, lib);
            double maxerr = 0;
            for (int k = 0; k < 7; k++) {
                maxerr = fmax(maxerr, fabs(lib[k] - ref[k]));
                assert_near(lib[k], ref[k], 1e-6);
            }
            print_message("glcm %dx%d, %d levels%s: max |lib - ref| = %.2e\n", w, h, lv,
                          with_mask ? ", masked" : "", maxerr);
        }
        free(q);
        free(mask);
    }
    skinq_ctx_close(&ctx);
}

/* Anti-aliased dark disc (4×4 supersampling) of diameter d px and depth A at (cx, cy). */
static void dark_disc(float *L, int w, int h, double cx, double cy, double d, double A)
{
    int r = (int)ceil(d / 2) + 1;
    for (int y = (int)cy - r; y <= (int)cy + r; y++)
        for (int x = (int)cx - r; x <= (int)cx + r; x++) {
            if (x < 0 || y < 0 || x >= w || y >= h)
                continue;
            int in = 0;
            for (int sy = 0; sy < 4; sy++)
                for (int sx = 0; sx < 4; sx++) {
                    double px = x + (sx + 0.5) / 4 - 0.5 - cx, py = y + (sy + 0.5) / 4 - 0.5 - cy;
                    in += px * px + py * py <= d * d / 4;
                }
            L[(size_t)y * w + x] -= (float)(A * in / 16.0);
        }
}

static void test_pores_discs(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int n = 1024, grid = 10;
    const double ppm = 20;
    float *L = malloc(sizeof *L * n * n);
    uint64_t rs = tu_seed();
    skinq_texture_options o = opts(SKINQ_TEXTURE_PORES);
    skinq_metrics m = {0};
    static const double diam_mm[] = {0.15, 0.25, 0.4};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < (size_t)n * n; i++)
            L[i] = (float)(62 + 0.5 * gauss(&rs));
        int placed = 0;
        for (int gy = 0; gy < grid; gy++)
            for (int gx = 0; gx < grid; gx++) {
                double cx = (gx + 0.5) * n / grid + 30 * (tu_uniform(&rs) - 0.5);
                double cy = (gy + 0.5) * n / grid + 30 * (tu_uniform(&rs) - 0.5);
                dark_disc(L, n, n, cx, cy, diam_mm[k] * ppm, 10 + 5 * tu_uniform(&rs));
                placed++;
            }
        analyze(ctx, L, NULL, n, n, NULL, ppm, &o, &m);
        double cnt = metric(&m, "texture.pores.count"), d = metric(&m, "texture.pores.mean_diameter_mm");
        double area_cm2 = n * (double)n / (ppm * ppm) / 100;
        print_message("discs %.2f mm: count %.0f of %d, mean diameter %.4f mm (%.1f %%), density %.3f/cm2\n",
                      diam_mm[k], cnt, placed, d, 100 * (d / diam_mm[k] - 1),
                      metric(&m, "texture.pores.density_per_cm2"));
        assert_true(fabs(cnt - placed) <= 0.05 * placed);
        assert_near(d / diam_mm[k], 1, 0.10);
        assert_near(metric(&m, "texture.pores.density_per_cm2"), cnt / area_cm2, 1e-9);
        assert_string_equal(unit_of(&m, "texture.pores.mean_diameter_mm"), "mm");
        /* the px siblings at this scale: px = mm × px/mm, per Mpx = per cm² × 1e4 / (px/mm)² */
        assert_near(metric(&m, "texture.pores.mean_diameter_px"), d * ppm, 1e-9 * d * ppm);
        assert_near(metric(&m, "texture.pores.density_per_mpx"),
                    metric(&m, "texture.pores.density_per_cm2") * 1e4 / (ppm * ppm), 1e-9 * cnt * 1e6);
    }
    skinq_metrics_free(&m);
    free(L);
    skinq_ctx_close(&ctx);
}

/* Distance from p to the segment a-b. */
static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
    double vx = bx - ax, vy = by - ay, t = ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double dx = px - ax - t * vx, dy = py - ay - t * vy;
    return sqrt(dx * dx + dy * dy);
}

static void test_lines_segments(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int n = 1024;
    const double ppm = 20, len = 300, s = 1.5, A = 8;
    float *L = malloc(sizeof *L * n * n);
    uint64_t rs = tu_seed();
    for (size_t i = 0; i < (size_t)n * n; i++)
        L[i] = (float)(62 + 0.3 * gauss(&rs));
    static const double angles[6] = {0, 30, 45, 60, 90, 120};
    for (int k = 0; k < 6; k++) { /* one segment per cell of a 3×2 grid */
        double cx = (k % 3 + 0.5) * n / 3.0, cy = (k / 3 + 0.5) * n / 2.0, a = angles[k] * PI / 180;
        double ax = cx - len / 2 * cos(a), ay = cy - len / 2 * sin(a), bx = cx + len / 2 * cos(a),
               by = cy + len / 2 * sin(a);
        for (int y = (int)fmin(ay, by) - 8; y <= (int)fmax(ay, by) + 8; y++)
            for (int x = (int)fmin(ax, bx) - 8; x <= (int)fmax(ax, bx) + 8; x++) {
                double d = seg_dist(x, y, ax, ay, bx, by);
                L[(size_t)y * n + x] -= (float)(A * exp(-d * d / (2 * s * s)));
            }
    }
    skinq_texture_options o = opts(SKINQ_TEXTURE_LINES);
    skinq_metrics m = {0};
    analyze(ctx, L, NULL, n, n, NULL, ppm, &o, &m);
    double expect = 6 * len / ppm / (n * (double)n / (ppm * ppm) / 100);
    double dens = metric(&m, "texture.lines.density_mm_per_cm2"),
           con = metric(&m, "texture.lines.mean_contrast");
    const double A60 = 76 * log(78 / (78 - A)); /* the depth in L* units at L* 60 */
    print_message("lines: density %.4f mm/cm2 (true %.4f, %.1f %%), mean contrast %.2f L*@60 (true %.2f)\n",
                  dens, expect, 100 * (dens / expect - 1), con, A60);
    assert_near(dens / expect, 1, 0.10);
    assert_near(con / A60, 1, 0.25);
    assert_string_equal(unit_of(&m, "texture.lines.density_mm_per_cm2"), "mm/cm2");
    assert_near(metric(&m, "texture.lines.density_px_per_mpx"), dens * 1e4 / ppm, 1e-9 * dens * 1e4 / ppm);
    assert_string_equal(unit_of(&m, "texture.lines.density_px_per_mpx"), "px/Mpx");
    skinq_metrics_free(&m);
    free(L);
    skinq_ctx_close(&ctx);
}

/* The pyramid (lib/texture/pyramid.c): pore sizes either side of the first octave boundary (σ
 * 1.78 | 2.24 px at 20 px/mm: d = 5.0 | 6.3 px), pores on the 512-px tile borders and 8 px from
 * the image edge; lines of three widths (one per pyramid level) at three angles, crossing a
 * tile border. */
static void test_pyramid_scales(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int n = 1024;
    const double ppm = 20;
    float *L = malloc(sizeof *L * n * n);
    uint64_t rs = tu_seed();
    skinq_metrics m = {0};
    static const double at[10] = {8, 100, 200, 300, 400, 511.5, 600, 700, 800, 1015.5};
    static const double diam_mm[] = {0.22, 0.27, 0.3, 0.32, 0.38};
    skinq_texture_options o = opts(SKINQ_TEXTURE_PORES);
    for (int k = 0; k < 5; k++) {
        for (size_t i = 0; i < (size_t)n * n; i++)
            L[i] = (float)(62 + 0.5 * gauss(&rs));
        for (int gy = 0; gy < 10; gy++)
            for (int gx = 0; gx < 10; gx++)
                dark_disc(L, n, n, at[gx], at[gy], diam_mm[k] * ppm, 10 + 5 * tu_uniform(&rs));
        analyze(ctx, L, NULL, n, n, NULL, ppm, &o, &m);
        double cnt = metric(&m, "texture.pores.count"), d = metric(&m, "texture.pores.mean_diameter_mm");
        print_message("pyramid discs %.2f mm: count %.0f of 100, mean diameter %.4f mm (%.1f %%)\n",
                      diam_mm[k], cnt, d, 100 * (d / diam_mm[k] - 1));
        assert_true(fabs(cnt - 100) <= 5);
        assert_near(d / diam_mm[k], 1, 0.10);
    }
    const double len = 300, A = 8;
    static const double widths[] = {1, 2, 3}, angles[] = {15, 75, 100};
    o = opts(SKINQ_TEXTURE_LINES);
    for (int k = 0; k < 3; k++) {
        const double s = widths[k];
        for (size_t i = 0; i < (size_t)n * n; i++)
            L[i] = (float)(62 + 0.3 * gauss(&rs));
        for (int q = 0; q < 3; q++) { /* centres at x = 512 (a tile border), one 40 px from the top edge */
            double cx = q == 1 ? 200 : 512, cy = q == 0 ? 200 : q == 1 ? 600 : 840, a = angles[q] * PI / 180;
            if (q == 1)
                a = 5 * PI / 180, cy = 40;
            double ax = cx - len / 2 * cos(a), ay = cy - len / 2 * sin(a), bx = cx + len / 2 * cos(a),
                   by = cy + len / 2 * sin(a);
            for (int y = (int)fmax(0, fmin(ay, by) - 6 * s); y <= (int)fmin(n - 1, fmax(ay, by) + 6 * s); y++)
                for (int x = (int)fmax(0, fmin(ax, bx) - 6 * s); x <= (int)fmin(n - 1, fmax(ax, bx) + 6 * s);
                     x++) {
                    double dd = seg_dist(x, y, ax, ay, bx, by);
                    L[(size_t)y * n + x] -= (float)(A * exp(-dd * dd / (2 * s * s)));
                }
        }
        analyze(ctx, L, NULL, n, n, NULL, ppm, &o, &m);
        double expect = 3 * len / ppm / (n * (double)n / (ppm * ppm) / 100), A60 = 76 * log(78 / (78 - A));
        double dens = metric(&m, "texture.lines.density_mm_per_cm2"),
               con = metric(&m, "texture.lines.mean_contrast");
        print_message(
            "pyramid lines sigma %.0f px: length %+.1f %%, contrast %.2f L*@60 (true %.2f, %+.1f %%)\n", s,
            100 * (dens / expect - 1), con, A60, 100 * (con / A60 - 1));
        /* the round ends add about a profile width at each end: the wider, the longer */
        assert_true(dens / expect > 0.98 && dens / expect < 1 + 0.05 * s);
        assert_near(con / A60, 1, 0.2);
    }
    skinq_metrics_free(&m);
    free(L);
    skinq_ctx_close(&ctx);
}

/* An image smaller than one tile and than the coarse levels' margins: pores (one image) and a
 * line (another) found, every metric the same for 1 and 2 threads. */
static void test_pyramid_small(void **state)
{
    (void)state;
    const int w = 150, h = 100;
    float *L = malloc(sizeof *L * w * h);
    uint64_t rs = tu_seed();
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    skinq_ctx *c1 = NULL, *c2 = NULL;
    s.threads = 1;
    assert_int_equal(skinq_ctx_open(&c1, &s), SKINQ_OK);
    s.threads = 2;
    assert_int_equal(skinq_ctx_open(&c2, &s), SKINQ_OK);
    skinq_metrics a = {0}, b = {0};
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < w * h; i++)
            L[i] = (float)(62 + 0.3 * gauss(&rs));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double d = seg_dist(x, y, 25, 60, 125, 60);
                if (pass)
                    L[(size_t)y * w + x] -= (float)(8 * exp(-d * d / (2 * 1.5 * 1.5)));
            }
        if (!pass)
            for (int k = 0; k < 4; k++)
                dark_disc(L, w, h, 10 + 43 * k, k % 2 ? 50 : 90, 4 + k, 12);
        skinq_texture_options o = opts(pass ? SKINQ_TEXTURE_LINES : SKINQ_TEXTURE_PORES);
        analyze(c1, L, NULL, w, h, NULL, 20, &o, &a);
        analyze(c2, L, NULL, w, h, NULL, 20, &o, &b);
        if (!pass) {
            print_message("small image: %.0f of 4 pores\n", metric(&a, "texture.pores.count"));
            assert_near(metric(&a, "texture.pores.count"), 4, 0);
        } else {
            double dens = metric(&a, "texture.lines.density_mm_per_cm2"),
                   expect = 100 / 20.0 / (w * (double)h / 4e4);
            print_message("small image: line length %+.1f %%\n", 100 * (dens / expect - 1));
            assert_near(dens / expect, 1, 0.25); /* the round ends: ~5 px on 100 */
        }
        assert_int_equal(a.count, b.count);
        for (size_t i = 0; i < a.count; i++)
            assert_memory_equal(&a.items[i].value, &b.items[i].value, sizeof(double));
    }
    skinq_metrics_free(&a);
    skinq_metrics_free(&b);
    free(L);
    skinq_ctx_close(&c1);
    skinq_ctx_close(&c2);
}

static void test_spots_tone(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int n = 512;
    const double ppm = 20;
    float *L = malloc(sizeof *L * n * n), *mel = malloc(sizeof *mel * n * n);
    uint64_t rs = tu_seed();
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            mel[(size_t)y * n + x] = (float)(40 + 0.02 * x - 0.01 * y + 0.5 * gauss(&rs));
            /* 1-mm blocks (20 px) in a checkerboard of 60 ± 2: block means' std is exactly 2 */
            L[(size_t)y * n + x] = (float)(((x / 20 + y / 20) % 2 ? 62 : 58) + 0.3 * sin(x * 1.7 + y));
        }
    const int ns = 12;
    const double r = 8; /* 0.4 mm */
    for (int k = 0; k < ns; k++) {
        double cx = 60 + (k % 4) * 120, cy = 80 + (k / 4) * 160;
        for (int y = (int)(cy - r) - 1; y <= (int)(cy + r) + 1; y++)
            for (int x = (int)(cx - r) - 1; x <= (int)(cx + r) + 1; x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                    mel[(size_t)y * n + x] += 8;
    }
    skinq_texture_options o = opts(SKINQ_TEXTURE_SPOTS | SKINQ_TEXTURE_TONE);
    skinq_metrics m = {0};
    analyze(ctx, L, mel, n, n, NULL, ppm, &o, &m);
    double cnt = metric(&m, "texture.spots.count"), frac = metric(&m, "texture.spots.area_fraction");
    double true_frac = ns * PI * r * r / (n * (double)n);
    print_message("spots: %.0f of %d, area fraction %.5f (true %.5f); tone_evenness %.4f (true 2)\n", cnt, ns,
                  frac, true_frac, metric(&m, "texture.tone_evenness"));
    assert_near(cnt, ns, 0);
    assert_near(frac / true_frac, 1, 0.15);
    assert_near(metric(&m, "texture.tone_evenness"), 2, 0.01);
    /* without a melanin plane: no spots metrics */
    analyze(ctx, L, NULL, n, n, NULL, ppm, &o, &m);
    assert_null(skinq_metrics_find(&m, "texture.spots.count"));
    skinq_metrics_free(&m);
    free(L);
    free(mel);
    skinq_ctx_close(&ctx);
}

/* ---- the texture-ladder phantom ---- */

static double srgb_lin(int v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

/* CIE L* of linear sRGB scaled by k (D65, Y from the sRGB matrix's middle row). */
static float lstar_scaled(const uint8_t *rgb, double k)
{
    double Y =
        k * (0.2126729 * srgb_lin(rgb[0]) + 0.7151522 * srgb_lin(rgb[1]) + 0.0721750 * srgb_lin(rgb[2]));
    double f = Y > 216.0 / 24389 ? cbrt(Y) : (24389.0 / 27 * Y + 16) / 116;
    return (float)(116 * f - 16);
}

typedef struct ladder {
    int n, w, h;
    double ppm, amp[8], density[8];
    skinq_image *img[8];
} ladder;

static void ladder_load(skinq_ctx *ctx, ladder *lad)
{
    skinq_synth_options so;
    skinq_synth_default_options(&so);
    so.kind = "texture-ladder";
    so.seed = 7;
    char dir[512], path[1024];
    tu_path(dir, sizeof dir, "ladder");
    assert_int_equal(skinq_synth(ctx, &so, dir), SKINQ_OK);
    snprintf(path, sizeof path, "%s/truth.json", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    size_t got = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    assert_true(got > 0);
    cJSON *t = cJSON_Parse(buf);
    free(buf);
    assert_non_null(t);
    lad->ppm = cJSON_GetObjectItem(t, "px_per_mm")->valuedouble;
    cJSON *list = cJSON_GetObjectItem(t, "patches");
    lad->n = cJSON_GetArraySize(list);
    assert_true(lad->n >= 3 && lad->n <= 8);
    for (int k = 0; k < lad->n; k++) {
        cJSON *p = cJSON_GetArrayItem(list, k);
        lad->amp[k] = cJSON_GetObjectItem(p, "amplitude_rms")->valuedouble;
        lad->density[k] = cJSON_GetObjectItem(p, "pore_density_per_cm2")->valuedouble;
        snprintf(path, sizeof path, "%s/%s", dir, cJSON_GetObjectItem(p, "file")->valuestring);
        assert_int_equal(skinq_image_load(ctx, path, &lad->img[k], NULL), SKINQ_OK);
        assert_int_equal(lad->img[k]->channels, 3);
    }
    lad->w = lad->img[0]->width;
    lad->h = lad->img[0]->height;
    cJSON_Delete(t);
}

static void ladder_free(ladder *lad)
{
    for (int k = 0; k < lad->n; k++)
        skinq_image_free(&lad->img[k]);
}

/* L* of a patch through the double reference (tests/ref/lab_ref.h). */
static float *ladder_lstar(const skinq_image *img)
{
    float *L = malloc(sizeof *L * (size_t)img->width * img->height);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            const uint8_t *p = skinq_image_row(img, y) + 3 * x;
            double lab[3];
            ref_srgb8_to_lab(p[0], p[1], p[2], lab);
            L[(size_t)y * img->width + x] = (float)lab[0];
        }
    return L;
}

static void test_ladder_monotonic(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    ladder lad;
    memset(&lad, 0, sizeof lad);
    ladder_load(ctx, &lad);
    skinq_texture_options o = opts(SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS | SKINQ_TEXTURE_PORES);
    o.tile = 256; /* 3×3 tiles of a 512² patch */
    skinq_metrics m = {0};
    double prev[3] = {-1, -1, -1};
    for (int k = 0; k < lad.n; k++) {
        float *L = ladder_lstar(lad.img[k]);
        analyze(ctx, L, NULL, lad.w, lad.h, NULL, lad.ppm, &o, &m);
        double v[3] = {metric(&m, "texture.roughness.sq"), metric(&m, "texture.psd.fine"),
                       metric(&m, "texture.pores.density_per_cm2")};
        print_message(
            "ladder %d: amplitude %.3f, pores %.1f/cm2 -> sq %.4f L*, fine %.4f L*^2, pores %.1f/cm2\n", k,
            lad.amp[k], lad.density[k], v[0], v[1], v[2]);
        for (int q = 0; q < 3; q++) {
            assert_true(v[q] > prev[q]);
            prev[q] = v[q];
        }
        free(L);
    }
    skinq_metrics_free(&m);
    ladder_free(&lad);
    skinq_ctx_close(&ctx);
}

/* Uniform brightness ×k in linear light: L* + 16 scales by k^(1/3) wherever Y > 0.008856, so
 * texture amplitudes (sa, sq, tone_evenness) scale by k^(1/3), powers by k^(2/3); the PSD
 * slope, GLCM (its levels span the ROI's own L* range), pores and lines (found on ln(L* + 16))
 * do not move. */
static void test_brightness(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    ladder lad;
    memset(&lad, 0, sizeof lad);
    ladder_load(ctx, &lad);
    const skinq_image *img = lad.img[3];
    const int w = img->width, h = img->height;
    float *L = malloc(sizeof *L * (size_t)w * h);
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.tile = 256;
    skinq_metrics base = {0}, m = {0};
    static const char *const invariant[] = {"texture.psd.slope",
                                            "texture.glcm.contrast",
                                            "texture.glcm.dissimilarity",
                                            "texture.glcm.homogeneity",
                                            "texture.glcm.asm",
                                            "texture.glcm.energy",
                                            "texture.glcm.correlation",
                                            "texture.glcm.entropy",
                                            "texture.pores.count",
                                            "texture.pores.mean_diameter_mm",
                                            "texture.lines.density_mm_per_cm2",
                                            "texture.lines.mean_contrast"};
    static const char *const amplitude[] = {"texture.roughness.sa", "texture.roughness.sq",
                                            "texture.tone_evenness"};
    static const char *const power[] = {"texture.psd.fine", "texture.psd.medium", "texture.psd.total"};
    const double ks[3] = {1.0, 0.9, 1.1};
    for (int i = 0; i < 3; i++) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                L[(size_t)y * w + x] = lstar_scaled(skinq_image_row(img, y) + 3 * x, ks[i]);
        analyze(ctx, L, NULL, w, h, NULL, lad.ppm, &o, i ? &m : &base);
        if (!i)
            continue;
        const double ka = cbrt(ks[i]);
        for (size_t q = 0; q < sizeof invariant / sizeof *invariant; q++) {
            double r = metric(&m, invariant[q]) / metric(&base, invariant[q]);
            print_message("k=%.1f %-32s ratio %.5f (expected 1)\n", ks[i], invariant[q], r);
            assert_near(r, 1, 0.01);
        }
        for (size_t q = 0; q < 3; q++) {
            double r = metric(&m, amplitude[q]) / metric(&base, amplitude[q]);
            print_message("k=%.1f %-32s ratio %.5f (expected k^1/3 = %.5f)\n", ks[i], amplitude[q], r, ka);
            assert_near(r / ka, 1, 0.01);
        }
        for (size_t q = 0; q < 3; q++) {
            double r = metric(&m, power[q]) / metric(&base, power[q]);
            print_message("k=%.1f %-32s ratio %.5f (expected k^2/3 = %.5f)\n", ks[i], power[q], r, ka * ka);
            assert_near(r / (ka * ka), 1, 0.01);
        }
    }
    skinq_metrics_free(&base);
    skinq_metrics_free(&m);
    free(L);
    ladder_free(&lad);
    skinq_ctx_close(&ctx);
}

/* Every metric identical for 1 and 2 threads, with an ROI, maps written. */
static void test_threads_and_maps(void **state)
{
    (void)state;
    ladder lad;
    memset(&lad, 0, sizeof lad);
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = 1;
    skinq_ctx *c1 = NULL, *c2 = NULL;
    assert_int_equal(skinq_ctx_open(&c1, &s), SKINQ_OK);
    s.threads = 2;
    assert_int_equal(skinq_ctx_open(&c2, &s), SKINQ_OK);
    ladder_load(c1, &lad);
    const int w = lad.w, h = lad.h;
    float *L = ladder_lstar(lad.img[4]), *mel = malloc(sizeof *mel * (size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) /* melanin index 100·log10(1/R) of the linear red channel */
            mel[(size_t)y * w + x] =
                (float)(100 * log10(1 / fmax(srgb_lin(skinq_image_row(lad.img[4], y)[3 * x]), 1e-4)));
    skinq_mask *roi = NULL;
    assert_int_equal(skinq_mask_new(c1, w, h, 0, &roi), SKINQ_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            roi->data[(size_t)y * roi->stride + x] =
                (uint8_t)((x - 250) * (x - 250) + (y - 260) * (y - 260) < 230 * 230);
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.tile = 128;
    char maps[512];
    const skinq_maps_options mo = {
        .dir = tu_path(maps, sizeof maps, "texture_maps"), .color_max_size = 1024, .texture_max_size = 2048};
    skinq_metrics a = {0}, b = {0};
    skinq_texture_plan *plan = NULL; /* with maps: plan and execute */
    assert_int_equal(skinq_texture_plan_new(c1, &o, &plan), SKINQ_OK);
    assert_int_equal(skinq_texture_execute(c1, plan, L, mel, w, h, (size_t)w, roi, lad.ppm, &mo, &a),
                     SKINQ_OK);
    skinq_texture_plan_free(&plan);
    analyze(c2, L, mel, w, h, roi, lad.ppm, &o, &b);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.items[i].path, b.items[i].path);
        assert_memory_equal(&a.items[i].value, &b.items[i].value, sizeof(double));
    }
    print_message("%zu metrics identical for 1 and 2 threads (psd tiles %.0f of %.0f px)\n", a.count,
                  metric(&a, "texture.psd.tiles"), metric(&a, "texture.psd.tile_px"));
    char p[1024];
    snprintf(p, sizeof p, "%s/psd.png", maps);
    assert_true(tu_file_size(p) > 100);
    snprintf(p, sizeof p, "%s/texture_overlay.png", maps);
    assert_true(tu_file_size(p) > 100);
    skinq_metrics_free(&a);
    skinq_metrics_free(&b);
    skinq_mask_free(&roi);
    free(L);
    free(mel);
    ladder_free(&lad);
    skinq_ctx_close(&c1);
    skinq_ctx_close(&c2);
}

/* A padded stride (padding full of NaN) gives exactly the packed plane's metrics. */
static void test_stride(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int w = 300, h = 200, pad = 7;
    const size_t st = (size_t)w + pad;
    float *a = malloc(sizeof *a * (size_t)w * h), *b = malloc(sizeof *b * st * h);
    float *ma = malloc(sizeof *ma * (size_t)w * h), *mb = malloc(sizeof *mb * st * h);
    uint64_t rs = tu_seed();
    for (int y = 0; y < h; y++)
        for (size_t x = 0; x < st; x++) {
            float v = (float)(60 + 3 * sin(0.2 * x + 0.1 * y) + gauss(&rs)), m = (float)(40 + gauss(&rs));
            b[(size_t)y * st + x] = x < (size_t)w ? v : NAN;
            mb[(size_t)y * st + x] = x < (size_t)w ? m : NAN;
            if (x < (size_t)w) {
                a[(size_t)y * w + x] = v;
                ma[(size_t)y * w + x] = m;
            }
        }
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.tile = 64;
    skinq_metrics p = {0}, q = {0};
    assert_int_equal(skinq_texture_analyze(ctx, a, ma, w, h, (size_t)w, NULL, 20, &o, &p), SKINQ_OK);
    assert_int_equal(skinq_texture_analyze(ctx, b, mb, w, h, st, NULL, 20, &o, &q), SKINQ_OK);
    assert_int_equal(p.count, q.count);
    for (size_t i = 0; i < p.count; i++) {
        assert_string_equal(p.items[i].path, q.items[i].path);
        assert_memory_equal(&p.items[i].value, &q.items[i].value, sizeof(double));
    }
    print_message("stride %zu vs %d: %zu metrics identical\n", st, w, p.count);
    skinq_metrics_free(&p);
    skinq_metrics_free(&q);
    free(a);
    free(b);
    free(ma);
    free(mb);
    skinq_ctx_close(&ctx);
}

static void test_bad_input(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int n = 256;
    float *L = calloc((size_t)n * n, sizeof *L);
    uint64_t rs = tu_seed();
    for (int i = 0; i < n * n; i++)
        L[i] = (float)(60 + gauss(&rs));
    skinq_metrics m = {0};
    assert_int_equal(skinq_texture_analyze(ctx, NULL, NULL, n, n, n, NULL, 20, NULL, &m), SKINQ_E_INVALID);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, 0, n, n, NULL, 20, NULL, &m), SKINQ_E_INVALID);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, -1, n, NULL, 20, NULL, &m), SKINQ_E_INVALID);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n - 1, NULL, 20, NULL, &m), SKINQ_E_INVALID);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, NULL, 20, NULL, NULL), SKINQ_E_INVALID);
    assert_int_equal(skinq_texture_analyze(NULL, L, NULL, n, n, n, NULL, 20, NULL, &m), SKINQ_E_INVALID);
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.tile = 500;
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, NULL, 20, &o, &m), SKINQ_E_INVALID);
    print_message("bad tile: %s\n", skinq_ctx_error(ctx));
    skinq_texture_default_options(&o);
    o.band_fine[0] = 5;
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, NULL, 20, &o, &m), SKINQ_E_INVALID);
    skinq_texture_default_options(&o);
    o.glcm_levels = 1;
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, NULL, 20, &o, &m), SKINQ_E_INVALID);
    /* ROI: wrong size, empty, too small for any PSD tile, small (a smaller tile) */
    skinq_mask *roi = NULL;
    assert_int_equal(skinq_mask_new(ctx, n, n - 1, 1, &roi), SKINQ_OK);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, roi, 20, NULL, &m), SKINQ_E_INVALID);
    skinq_mask_free(&roi);
    assert_int_equal(skinq_mask_new(ctx, n, n, 0, &roi), SKINQ_OK);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, roi, 20, NULL, &m), SKINQ_E_EMPTY_ROI);
    print_message("empty ROI: %s\n", skinq_ctx_error(ctx));
    for (int y = 10; y < 30; y++)
        memset(roi->data + (size_t)y * roi->stride + 10, 1, 20);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, roi, 20, NULL, &m), SKINQ_E_EMPTY_ROI);
    print_message("20x20 ROI: %s\n", skinq_ctx_error(ctx));
    for (int y = 40; y < 140; y++)
        memset(roi->data + (size_t)y * roi->stride + 40, 1, 100);
    skinq_metrics_free(&m);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, roi, 20, NULL, &m), SKINQ_OK);
    assert_near(metric(&m, "texture.psd.tile_px"), 64, 0);
    /* unknown scale: the mm metrics NaN in their own units, their px siblings in pixels -- what a
     * run at the nominal scale (20 px/mm: the same detection) gives, mm × 20^power × k */
    skinq_metrics_free(&m);
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, NULL, 0, NULL, &m), SKINQ_OK);
    skinq_metrics s20 = {0};
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, n, n, n, NULL, 20, NULL, &s20), SKINQ_OK);
    const skinq_metric_scaled *sc;
    size_t nsc = skinq_metric_scaled_defs(&sc);
    for (size_t i = 0; i < nsc; i++) {
        if (strncmp(sc[i].mm, "texture.", 8) != 0)
            continue;
        assert_true(isnan(metric(&m, sc[i].mm)));
        assert_string_equal(unit_of(&m, sc[i].mm), sc[i].mm_unit);
        assert_string_equal(unit_of(&m, sc[i].px), sc[i].px_unit);
        assert_string_equal(unit_of(&s20, sc[i].mm), sc[i].mm_unit);
        const double px = metric(&m, sc[i].px), mm20 = metric(&s20, sc[i].mm);
        assert_true(isnan(px) == isnan(mm20)); /* a mean diameter of no pores */
        if (!isnan(px)) {
            assert_near(metric(&s20, sc[i].px), px, 1e-9 * fabs(px));
            assert_near(mm20 * pow(20, sc[i].power) * sc[i].k, px, 1e-9 * fabs(px));
        }
    }
    skinq_metrics_free(&s20);
    skinq_metrics_free(&m);
    skinq_mask_free(&roi);
    free(L);
    skinq_ctx_close(&ctx);
}

/* Allocation failures: fail the n-th allocation until the pass succeeds; never a leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    const int n = 96;
    float *L = malloc(sizeof *L * n * n), *mel = malloc(sizeof *mel * n * n);
    uint64_t rs = tu_seed();
    for (int i = 0; i < n * n; i++) {
        L[i] = (float)(60 + 2 * gauss(&rs));
        mel[i] = (float)(40 + gauss(&rs));
    }
    int ok = 0, step = quick() ? 3 : 1;
    for (int k = 1; k < 400 && !ok; k += step) {
        tu_fail_alloc fa;
        skinq_ctx *ctx = tu_fail_ctx(&fa, k, 2);
        if (!ctx)
            continue;
        skinq_metrics m = {0};
        skinq_status st = skinq_texture_analyze(ctx, L, mel, n, n, n, NULL, 20, NULL, &m);
        assert_true(st == SKINQ_OK || st == SKINQ_E_NOMEM);
        ok = st == SKINQ_OK;
        skinq_metrics_free(&m);
        skinq_ctx_close(&ctx);
        assert_int_equal(fa.live, 0);
    }
    assert_true(ok);
    free(L);
    free(mel);
}

/* ---- internal pieces (texture_int.h) ---- */

static void test_for_flags(void **state)
{
    (void)state;
    uint64_t rs = tu_seed();
    uint8_t f[1100];
    int got[1100];
    const double dens[] = {0, 0.01, 0.1, 0.5, 1};
    for (int di = 0; di < 5; di++)
        for (int n = 0; n <= 1030; n += n < 70 ? 1 : 97) {
            memset(f, 0, sizeof f);
            for (int q = 0; q < n; q++)
                f[q] = tu_uniform(&rs) < dens[di];
            int ng = 0;
            TEX_FOR_FLAGS(f, n, q, { got[ng++] = q; })
            int ne = 0;
            for (int q = 0; q < n; q++)
                if (f[q]) {
                    assert_true(ne < ng);
                    assert_int_equal(got[ne], q);
                    ne++;
                }
            assert_int_equal(ng, ne);
        }
}

/* A phantom with pores, lines and noise: dark discs of 4–16 px, dark Gaussian lines, white
 * noise, a gradient. */
static float *phantom(int w, int h, uint64_t *rs)
{
    float *L = malloc(sizeof(float) * (size_t)w * (size_t)h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            L[(size_t)y * w + x] = (float)(55 + 10.0 * x / w + 1.2 * (tu_uniform(rs) - 0.5));
    for (int i = 0; i < 300; i++) {
        double cx = tu_uniform(rs) * w, cy = tu_uniform(rs) * h, rr = 2 + 6 * tu_uniform(rs),
               A = 3 + 8 * tu_uniform(rs);
        for (int y = (int)(cy - rr - 2); y <= (int)(cy + rr + 2); y++)
            for (int x = (int)(cx - rr - 2); x <= (int)(cx + rr + 2); x++)
                if (x >= 0 && y >= 0 && x < w && y < h && hypot(x - cx, y - cy) <= rr)
                    L[(size_t)y * w + x] -= (float)A;
    }
    for (int i = 0; i < 25; i++) {
        double x0 = tu_uniform(rs) * w, y0 = tu_uniform(rs) * h, th = tu_uniform(rs) * 3.14159,
               sg = 1 + 3 * tu_uniform(rs);
        double nx = -sin(th), ny = cos(th), A = 4 + 6 * tu_uniform(rs), len = 100 + 200 * tu_uniform(rs);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double dx = x - x0, dy = y - y0, t = dx * cos(th) + dy * sin(th), d = dx * nx + dy * ny;
                if (fabs(t) < len && fabs(d) < 4 * sg)
                    L[(size_t)y * w + x] -= (float)(A * exp(-0.5 * d * d / (sg * sg)));
            }
    }
    return L;
}

static void test_pores_lines_one_pass(void **state)
{
    (void)state;
    uint64_t rs = tu_seed();
    const int w = 1100, h = 700; /* 3 × 2 tiles, partial at the right and the bottom */
    float *L = phantom(w, h, &rs);
    skinq_ctx *mctx = tu_ctx();
    skinq_mask *roi = NULL;
    assert_int_equal(skinq_mask_new(mctx, w, h, 0, &roi), SKINQ_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            roi->data[(size_t)y * roi->stride + x] = hypot(x - 600, y - 330) < 420;
    for (int use_roi = 0; use_roi < 2; use_roi++)
        for (int threads = 1; threads <= 2; threads++) {
            skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
            skinq_metrics both = {0}, sep = {0};
            skinq_texture_options o;
            skinq_texture_default_options(&o);
            o.metrics = SKINQ_TEXTURE_PORES | SKINQ_TEXTURE_LINES;
            assert_int_equal(
                skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, use_roi ? roi : NULL, 20, &o, &both),
                SKINQ_OK);
            o.metrics = SKINQ_TEXTURE_PORES;
            assert_int_equal(
                skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, use_roi ? roi : NULL, 20, &o, &sep),
                SKINQ_OK);
            o.metrics = SKINQ_TEXTURE_LINES;
            assert_int_equal(
                skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, use_roi ? roi : NULL, 20, &o, &sep),
                SKINQ_OK);
            assert_int_equal(both.count, sep.count);
            for (size_t i = 0; i < both.count; i++) {
                assert_string_equal(both.items[i].path, sep.items[i].path);
                if (memcmp(&both.items[i].value, &sep.items[i].value, sizeof(double)) != 0)
                    fail_msg("%s: one pass %.17g, separate %.17g", both.items[i].path, both.items[i].value,
                             sep.items[i].value);
            }
            print_message(
                "roi %d, %d thread(s): pores %.0f, lines %.4f mm/cm2, contrast %.4f: one pass = separate\n",
                use_roi, threads, both.items[0].value, both.items[3].value, both.items[4].value);
            assert_true(both.items[0].value > 50);
            assert_true(both.items[3].value > 0);
            skinq_metrics_free(&both);
            skinq_metrics_free(&sep);
            skinq_ctx_close(&ctx);
        }
    skinq_mask_free(&roi);
    skinq_ctx_close(&mctx);
    free(L);
}

enum {
    M_RANDOM,
    M_TIES,
    M_EQUAL,
    M_ZEROS,
    M_DENORMAL,
    M_HUGE,
    M_INF,
    M_SORTED,
    M_REVERSED,
    M_NEGATIVE,
    M_KINDS
};

static float med_gen(int kind, size_t i, size_t n, uint64_t *rs)
{
    switch (kind) {
    case M_RANDOM: return (float)(20 * tu_uniform(rs) - 7);
    case M_TIES: return (float)(int)(5 * tu_uniform(rs)) * 0.25f;
    case M_EQUAL: return 3.5f;
    case M_ZEROS: return (tu_rand(rs) & 1) ? -0.0f : 0.0f;
    case M_DENORMAL: return (float)(tu_uniform(rs) * 4 - 2) * FLT_MIN * 0.25f;
    case M_HUGE: return (float)((tu_uniform(rs) - 0.5) * 1e38);
    case M_INF:
        return (tu_rand(rs) % 7 == 0) ? ((tu_rand(rs) & 1) ? INFINITY : -INFINITY) : (float)tu_uniform(rs);
    case M_SORTED: return (float)i * 0.5f;
    case M_REVERSED: return (float)(n - i) * 0.5f;
    default: return -(float)(1 + tu_uniform(rs) * 1e-3); /* negative, close together */
    }
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static void test_median_matches_quantile(void **state)
{
    (void)state;
    static const size_t sizes[] = {1,    2,    3,    4,    5,     8,     63,     64,    65,
                                   4095, 4096, 4097, 4098, 10001, 65536, 300001, 300002};
    uint64_t rs = tu_seed();
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (int kind = 0; kind < M_KINDS; kind++) {
            const size_t n = sizes[si];
            float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
            assert_non_null(a);
            assert_non_null(b);
            assert_non_null(c);
            for (size_t i = 0; i < n; i++)
                a[i] = med_gen(kind, i, n, &rs);
            memcpy(b, a, n * sizeof *a);
            memcpy(c, a, n * sizeof *a);
            const double want = skinq_quantile_inplace(a, n, 0.5), got = tex_median_inplace(b, n);
            if (!(got == want))
                fail_msg("n %zu kind %d: median %.9g, want %.9g", n, kind, got, want);
            /* still the same values */
            qsort(b, n, sizeof *b, cmp_float);
            qsort(c, n, sizeof *c, cmp_float);
            for (size_t i = 0; i < n; i++)
                if (!(b[i] == c[i]))
                    fail_msg("n %zu kind %d: not a permutation at %zu", n, kind, i);
            free(a);
            free(b);
            free(c);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psd_grating),
        cmocka_unit_test(test_psd_noise_slopes),
        cmocka_unit_test(test_glcm_reference),
        cmocka_unit_test(test_pores_discs),
        cmocka_unit_test(test_lines_segments),
        cmocka_unit_test(test_pyramid_scales),
        cmocka_unit_test(test_pyramid_small),
        cmocka_unit_test(test_spots_tone),
        cmocka_unit_test(test_ladder_monotonic),
        cmocka_unit_test(test_brightness),
        cmocka_unit_test(test_threads_and_maps),
        cmocka_unit_test(test_stride),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_for_flags),
        cmocka_unit_test(test_pores_lines_one_pass),
        cmocka_unit_test(test_median_matches_quantile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
