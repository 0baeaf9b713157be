/* test_texture_planes.c -- the texture pass's memory-saving paths against their plain
 * counterparts: 16-bit fixed-point planes (skinq_color_planes16 exactly the rounded float
 * planes; every texture metric from them within its quantisation bound of the float result),
 * the selection-based quantile against a sort (ties, NaN-free random data, every q), and the
 * spots baseline made on a coarse grid (known spots next to a dark region outside the ROI,
 * which the normalised convolution must not pull in). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "texture/texture_int.h"

#define PI 3.14159265358979323846

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_quantile_matches_sort(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t rs = tu_seed();
    const size_t sizes[] = {1, 2, 3, 7, 64, 1000, 100003};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        const size_t n = sizes[si];
        float *v = malloc(n * sizeof *v), *s = malloc(n * sizeof *s);
        for (int kind = 0; kind < 5; kind++) {
            /* continuous, few distinct values (ties), sorted descending, signed and peaked at 0
             * (residuals: ±0, denormals, most in one bucket), huge and tiny magnitudes */
            for (size_t i = 0; i < n; i++) {
                const double u = tu_uniform(&rs) - 0.5;
                v[i] = kind == 0   ? (float)tu_uniform(&rs)
                       : kind == 1 ? (float)(tu_rand(&rs) % 5)
                       : kind == 2 ? (float)(n - i)
                       : kind == 3 ? (i % 7 == 0    ? (i % 2 ? -0.0f : 0.0f)
                                      : i % 11 == 0 ? 1e-40f
                                                    : (float)(u * u * u))
                                   : (float)(u * pow(10.0, (double)(tu_rand(&rs) % 60) - 30));
            }
            memcpy(s, v, n * sizeof *s);
            qsort(s, n, sizeof *s, cmp_float);
            const double qs[] = {0, 0.005, 0.25, 0.5, 0.75, 0.999, 1};
            for (size_t qi = 0; qi < sizeof qs / sizeof *qs; qi++) {
                double pos = qs[qi] * (double)(n - 1);
                size_t i = (size_t)pos;
                double f = pos - (double)i, want = i + 1 < n ? s[i] + f * ((double)s[i + 1] - s[i]) : s[i];
                const double got = tex_quantile(ctx, v, n, qs[qi]); /* the same order statistics: exact */
                if (got != want)
                    fail_msg("n %zu, kind %d, q %g: %.9g, sorted %.9g", n, kind, qs[qi], got, want);
            }
        }
        free(v);
        free(s);
    }
    skinq_ctx_close(&ctx);
}

/* A skin-like RGB image: tone, pores, a fine line, pigment spots, noise. */
static skinq_image *skin_image(skinq_ctx *ctx, int w, int h, uint64_t *rs)
{
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, w, h, 3, 8, &img), SKINQ_OK);
    for (int y = 0; y < h; y++) {
        uint8_t *row = skinq_image_row(img, y);
        for (int x = 0; x < w; x++) {
            double tone = 12 * sin(x * 0.004 + 1) * cos(y * 0.005) + 3 * sin(x * 0.05 + y * 0.03);
            double pore = ((x % 37 - 18) * (x % 37 - 18) + (y % 41 - 20) * (y % 41 - 20) < 9) ? -25 : 0;
            double line = fabs(y - 0.3 * x - 40) < 1.5 ? -18 : 0;
            double spot = ((x - 300) * (x - 300) + (y - 200) * (y - 200) < 100) ? -40 : 0;
            for (int c = 0; c < 3; c++) {
                double v = (c == 0   ? 200
                            : c == 1 ? 150
                                     : 125) +
                           tone + pore + line + (c == 0 ? 0.3 : 1) * spot + 4 * (tu_uniform(rs) - 0.5);
                row[3 * x + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
    return img;
}

static double metric(const skinq_metrics *m, const char *path)
{
    const skinq_metric *x = skinq_metrics_find(m, path);
    if (!x)
        fail_msg("metric %s missing", path);
    return x->value;
}

/* The float L*, melanin planes of img and their 16-bit versions (stride elements a row). */
static void both_planes(skinq_ctx *ctx, const skinq_image *img, const double *gains, size_t stride, float **L,
                        float **mel, uint16_t **L16, int16_t **mel16)
{
    const size_t n = stride * (size_t)img->height;
    *L = malloc(sizeof **L * n);
    *mel = malloc(sizeof **mel * n);
    *L16 = malloc(sizeof **L16 * n);
    *mel16 = malloc(sizeof **mel16 * n);
    float *planes[SKINQ_COLOR_METRIC_COUNT] = {0};
    planes[SKINQ_COLOR_L] = *L;
    planes[SKINQ_COLOR_MELANIN_INDEX] = *mel;
    assert_int_equal(skinq_color_planes(ctx, img, gains, planes, stride), SKINQ_OK);
    assert_int_equal(skinq_color_planes16(ctx, img, gains, *L16, *mel16, stride), SKINQ_OK);
}

static void test_planes16_equal_rounded_floats(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t rs = tu_seed();
    const int w = 333, h = 97; /* odd sizes: every kernel tail */
    skinq_image *img = skin_image(ctx, w, h, &rs);
    uint8_t *p0 = skinq_image_row(img, 0);
    p0[0] = p0[1] = p0[2] = 0; /* black and white: the ends of the fixed-point ranges */
    p0[3] = p0[4] = p0[5] = 255;
    const size_t stride = (size_t)w + 5;
    const double gains[3] = {1.05, 1.0, 0.93};
    float *L, *mel;
    uint16_t *L16;
    int16_t *mel16;
    both_planes(ctx, img, gains, stride, &L, &mel, &L16, &mel16);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * stride + (size_t)x;
            long want = lrintf(L[i] * SKINQ_L16_SCALE);
            if (labs((long)L16[i] - want) > 1 ||
                fabs(L16[i] / SKINQ_L16_SCALE - L[i]) > 0.5 / SKINQ_L16_SCALE + 1e-5)
                fail_msg("L16 at %d,%d: %u for L* %.6f", x, y, L16[i], L[i]);
            if (!isfinite(mel[i]))
                assert_int_equal(mel16[i], SKINQ_MEL16_NONE);
            else if (fabs(mel16[i] / SKINQ_MEL16_SCALE - mel[i]) > 0.5 / SKINQ_MEL16_SCALE + 1e-4)
                fail_msg("mel16 at %d,%d: %d for MI %.6f", x, y, mel16[i], mel[i]);
        }
    skinq_image_free(&img);
    free(L);
    free(mel);
    free(L16);
    free(mel16);
    skinq_ctx_close(&ctx);
}

/* The 8-bit plane path (tables, no kernel gathers) equals the colour kernels' float L* and
 * melanin index put to fixed point here by the API's rule, exactly, for every 8-bit colour
 * (every 13th under SKINQ_TEST_QUICK), without and with white gains. */
static void test_planes16_exact_every_colour(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int step = getenv("SKINQ_TEST_QUICK") ? 13 : 1, n = (1 << 24) / step, w = 4096, h = (n + w - 1) / w;
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, w, h, 3, 8, &img), SKINQ_OK);
    for (int i = 0; i < w * h; i++) {
        const uint32_t c = (uint32_t)(i < n ? i * step : 0);
        uint8_t *px = skinq_image_row(img, i / w) + (size_t)(i % w) * 3;
        px[0] = (uint8_t)(c >> 16), px[1] = (uint8_t)(c >> 8), px[2] = (uint8_t)c;
    }
    const double gains[2][3] = {{1, 1, 1}, {1.05, 1.0, 0.93}};
    for (int gi = 0; gi < 2; gi++) {
        float *L, *mel;
        uint16_t *L16;
        int16_t *mel16;
        both_planes(ctx, img, gains[gi], (size_t)w, &L, &mel, &L16, &mel16);
        size_t bad = 0;
        for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
            float v = L[i] * SKINQ_L16_SCALE + 0.5f;
            const uint16_t wantL = (uint16_t)(v <= 0 ? 0 : v >= 65535.0f ? 65535 : (int)v);
            const float m = mel[i] * SKINQ_MEL16_SCALE;
            const int16_t wantM = (int16_t)lrintf(m > 32767.0f ? 32767.0f : m < -32767.0f ? -32767.0f : m);
            if ((L16[i] != wantL || mel16[i] != wantM) && bad++ < 5)
                print_message("colour %06zx gains %d: L16 %u (want %u, L* %.7f), mel16 %d (want %d)\n",
                              i < (size_t)n ? i * (size_t)step : 0, gi, L16[i], wantL, L[i], mel16[i], wantM);
        }
        assert_int_equal(bad, 0);
        free(L);
        free(mel);
        free(L16);
        free(mel16);
    }
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* Every texture metric from 16-bit planes against the float planes they were rounded from. */
static void test_texture16_matches_float(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t rs = tu_seed();
    const int w = 900, h = 700;
    skinq_image *img = skin_image(ctx, w, h, &rs);
    float *L, *mel;
    uint16_t *L16;
    int16_t *mel16;
    both_planes(ctx, img, NULL, (size_t)w, &L, &mel, &L16, &mel16);
    skinq_mask *roi = NULL; /* an ellipse: the ROI paths too */
    assert_int_equal(skinq_mask_new(ctx, w, h, 0, &roi), SKINQ_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            roi->data[(size_t)y * roi->stride + x] =
                (x - 450.0) * (x - 450.0) / (420.0 * 420) + (y - 350.0) * (y - 350.0) / (330.0 * 330) < 1;
    for (int masked = 0; masked < 2; masked++) {
        skinq_texture_options o;
        skinq_texture_default_options(&o);
        skinq_texture_plan *p = NULL;
        assert_int_equal(skinq_texture_plan_new(ctx, &o, &p), SKINQ_OK);
        skinq_metrics a = {0}, b = {0};
        const skinq_mask *r = masked ? roi : NULL;
        assert_int_equal(skinq_texture_execute(ctx, p, L, mel, w, h, (size_t)w, r, 20, NULL, &a), SKINQ_OK);
        assert_int_equal(skinq_texture_execute16(ctx, p, L16, mel16, w, h, (size_t)w, r, 20, NULL, &b),
                         SKINQ_OK);
        assert_int_equal(a.count, b.count);
        for (size_t i = 0; i < a.count; i++) {
            const char *path = a.items[i].path;
            double x = a.items[i].value, y = metric(&b, path);
            /* L* rounded by at most 1/1280: spectra, roughness and tone move by ~1e-4 of themselves;
             * GLCM levels and detections at a threshold may flip for a few pixels */
            double tol = strstr(path, "glcm") || strstr(path, "pores") || strstr(path, "lines") ? 5e-3
                         : strstr(path, "spots")                                                ? 2e-2
                                                                                                : 1e-3;
            if (!(fabs(x - y) <= tol * (fabs(x) + 1e-6)) && !(isnan(x) && isnan(y)))
                fail_msg("%s (%s ROI): float %.9g, 16-bit %.9g", path, masked ? "ellipse" : "no", x, y);
        }
        assert_true(metric(&a, "texture.pores.count") > 100);
        assert_true(metric(&a, "texture.spots.count") >= 1);
        skinq_metrics_free(&a);
        skinq_metrics_free(&b);
        skinq_texture_plan_free(&p);
    }
    skinq_mask_free(&roi);
    skinq_image_free(&img);
    free(L);
    free(mel);
    free(L16);
    free(mel16);
    skinq_ctx_close(&ctx);
}

/* Spots of known size on a smooth pigment field whose ROI borders a much darker region: the
 * coarse-grid normalised convolution must keep the baseline to the ROI's own skin. */
static void test_spots_coarse_baseline_with_roi(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int w = 1200, h = 800;
    const double ppm = 20, r = 8; /* 0.4-mm spots: 201 px each */
    float *L = malloc(sizeof *L * w * h), *mel = malloc(sizeof *mel * w * h);
    skinq_mask *roi = NULL;
    assert_int_equal(skinq_mask_new(ctx, w, h, 0, &roi), SKINQ_OK);
    uint64_t rs = tu_seed();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int inside = x < 900;
            roi->data[(size_t)y * roi->stride + x] = (uint8_t)inside;
            L[(size_t)y * w + x] = 60;
            /* outside: 60 MI darker (hair, a tattoo); inside a slow gradient and noise */
            mel[(size_t)y * w + x] =
                (float)((inside ? 40 + 0.01 * x + 0.005 * y : 100) + 0.4 * (tu_uniform(&rs) - 0.5));
        }
    int ns = 0;
    double area = 0;
    for (int cy = 100; cy < h - 50; cy += 150)
        for (int cx = 60; cx < 900; cx += 140) { /* the last column of spots 20 px from the ROI's edge */
            int hit = 0;
            for (int y = cy - 9; y <= cy + 9; y++)
                for (int x = cx - 9; x <= cx + 9; x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r && x < 900) {
                        mel[(size_t)y * w + x] += 10;
                        area++;
                        hit = 1;
                    }
            ns += hit;
        }
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.metrics = SKINQ_TEXTURE_SPOTS;
    skinq_metrics m = {0};
    assert_int_equal(skinq_texture_analyze(ctx, L, mel, w, h, (size_t)w, roi, ppm, &o, &m), SKINQ_OK);
    uint64_t inside = (uint64_t)900 * h;
    double cnt = metric(&m, "texture.spots.count"), frac = metric(&m, "texture.spots.area_fraction");
    print_message("spots with ROI: %.0f of %d, area fraction %.6f (true %.6f)\n", cnt, ns, frac,
                  area / inside);
    assert_near(cnt, ns, 0);
    assert_near(frac / (area / inside), 1, 0.15);
    skinq_metrics_free(&m);
    skinq_mask_free(&roi);
    free(L);
    free(mel);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_matches_sort),
        cmocka_unit_test(test_planes16_equal_rounded_floats),
        cmocka_unit_test(test_planes16_exact_every_colour),
        cmocka_unit_test(test_texture16_matches_float),
        cmocka_unit_test(test_spots_coarse_baseline_with_roi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
