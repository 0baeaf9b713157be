/* test_texture_glcm_rows.c -- GLCM row sampling (skinq_texture_options.glcm_row_step,
 * docs/texture-definitions.md): a hand-counted sampled matrix, the library against the reference
 * (tests/ref/glcm_ref.c) restricted to the same anchor rows, with and without a ROI whose first
 * row is not 0, across row bands and threads; on a stationary texture steps 2–4 stay within a
 * stated tolerance of step 1; the option's range and the auto rule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glcm_ref.h"
#include "test_util.h"
#include "texture/texture_int.h"

#define PI 3.14159265358979323846

static const char *const names[7] = {"contrast", "dissimilarity", "homogeneity", "asm",
                                     "energy",   "correlation",   "entropy"};

static int quick(void)
{
    const char *q = getenv("SKINQ_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* The 7 features of the library on the float plane L (w×h, roi or NULL) with step and the
 * quantisation given. */
static void lib_features(skinq_ctx *ctx, const float *L, int w, int h, const skinq_mask *roi, int levels,
                         int minmax, int step, double f[7])
{
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.metrics = SKINQ_TEXTURE_GLCM;
    o.glcm_levels = levels;
    o.glcm_minmax = minmax;
    o.glcm_row_step = step;
    skinq_metrics m = {0};
    assert_int_equal(skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, roi, 0, &o, &m), SKINQ_OK);
    for (int k = 0; k < 7; k++) {
        char p[64];
        snprintf(p, sizeof p, "texture.glcm.%s", names[k]);
        const skinq_metric *x = skinq_metrics_find(&m, p);
        assert_non_null(x);
        f[k] = x->value;
    }
    skinq_metrics_free(&m);
}

/* scikit-image's docstring image, distance 1 at 0°, anchors on rows 0 and 2 only: row 0
 * (0 0 1 1) gives the pairs (0,0) (0,1) (1,1), row 2 (0 2 2 2) gives (0,2) (2,2) (2,2); symmetric,
 * 12 counts: (0,0) 2, (0,1) = (1,0) 1, (1,1) 2, (0,2) = (2,0) 1, (2,2) 4. */
static void test_rows_hand_count(void **state)
{
    (void)state;
    static const uint8_t img4[16] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 2, 2, 2, 3, 3};
    double P[16];
    assert_near(ref_glcm_matrix_rows(img4, 4, 4, NULL, 4, 0, 1, 0, 2, P), 6, 0);
    static const double want[16] = {2, 1, 1, 0, 1, 2, 0, 0, 1, 0, 4, 0, 0, 0, 0, 0};
    for (int i = 0; i < 16; i++)
        assert_near(P[i] * 12, want[i], 1e-12);
    /* anchors on rows 1 and 3 (y_first 1): row 3 has no partner at 90°; row 1 pairs with row 2 */
    assert_near(ref_glcm_matrix_rows(img4, 4, 4, NULL, 4, 1, 0, 1, 2, P), 4, 0);
    assert_near(P[0 * 4 + 0] * 8, 2, 1e-12); /* (0,0) */
    assert_near(P[0 * 4 + 2] * 8, 1, 1e-12); /* (0,2) */
    assert_near(P[1 * 4 + 2] * 8, 2, 1e-12); /* (1,2) twice */
}

/* Integer levels in min–max mode (the library's quantisation is then the identity) against the
 * reference on the same anchor rows: steps 1–5, images taller than a counting band (32 rows) so
 * the anchor phase crosses task boundaries, a ROI starting at row 3 (the phase follows the ROI's
 * first row), 1 and 2 threads. */
static void test_rows_match_reference(void **state)
{
    (void)state;
    skinq_ctx *c1 = tu_ctx_with(SKINQ_ISA_ALL, 1), *c2 = tu_ctx_with(SKINQ_ISA_ALL, 2);
    uint64_t rs = tu_seed();
    const double dist[3] = {1, 2, 4}, ang[4] = {0, PI / 4, PI / 2, 3 * PI / 4};
    static const int sizes[][3] = {{37, 23, 8}, {61, 150, 16}, {90, 101, 64}};
    for (int s = 0; s < 3; s++) {
        const int w = sizes[s][0], h = sizes[s][1], lv = sizes[s][2];
        uint8_t *q = malloc((size_t)w * h), *mask = malloc((size_t)w * h);
        float *L = malloc(sizeof *L * (size_t)w * h);
        for (int i = 0; i < w * h; i++) {
            const int x = i % w, y = i / w;
            const double v =
                (lv - 1) * (0.5 + 0.3 * sin(x * 0.3) * cos(y * 0.2)) + 3 * (tu_uniform(&rs) - 0.5);
            q[i] = (uint8_t)(v < 0 ? 0 : v > lv - 1 ? lv - 1 : lround(v));
            mask[i] = (uint8_t)(y >= 3 && (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < w * h / 3);
        }
        /* both ends of the range inside the ROI (min–max over the ROI) */
        q[3 * w + w / 2] = 0;
        mask[3 * w + w / 2] = 1;
        q[(h / 2) * w + w / 2] = (uint8_t)(lv - 1);
        q[0] = 0;
        q[w * h - 1] = (uint8_t)(lv - 1);
        for (int i = 0; i < w * h; i++)
            L[i] = q[i];
        skinq_mask *roi = NULL;
        assert_int_equal(skinq_mask_new(c1, w, h, 0, &roi), SKINQ_OK);
        for (int y = 0; y < h; y++)
            memcpy(roi->data + (size_t)y * roi->stride, mask + (size_t)y * w, (size_t)w);
        for (int with_mask = 0; with_mask < 2; with_mask++)
            for (int step = 1; step <= 5; step++) {
                double ref[7], a[7], b[7];
                ref_glcm_features_rows(q, w, h, with_mask ? mask : NULL, lv, dist, 3, ang, 4,
                                       with_mask ? 3 : 0, step, ref);
                lib_features(c1, L, w, h, with_mask ? roi : NULL, lv, 1, step, a);
                lib_features(c2, L, w, h, with_mask ? roi : NULL, lv, 1, step, b);
                double maxerr = 0;
                for (int k = 0; k < 7; k++) {
                    maxerr = fmax(maxerr, fabs(a[k] - ref[k]));
                    assert_near(a[k], ref[k], 1e-12);
                    assert_memory_equal(&a[k], &b[k], sizeof a[k]); /* any thread count, bit for bit */
                }
                if (step == 1) { /* the full definition: the plain reference */
                    double full[7];
                    ref_glcm_features(q, w, h, with_mask ? mask : NULL, lv, dist, 3, ang, 4, full);
                    for (int k = 0; k < 7; k++)
                        assert_near(a[k], full[k], 1e-12);
                }
                print_message("glcm rows %dx%d, %d levels%s, step %d: max |lib - ref| = %.2e\n", w, h, lv,
                              with_mask ? ", ROI from row 3" : "", step, maxerr);
            }
        skinq_mask_free(&roi);
        free(q);
        free(mask);
        free(L);
    }
    skinq_ctx_close(&c1);
    skinq_ctx_close(&c2);
}

/* A stationary texture (white noise smoothed by a 5×5 box, plus white noise: skin-like contrast
 * at the default 64 levels over p0.5–p99.5): steps 2–4 read every feature within 0.5 % of step 1
 * at 2000² (relative; correlation within 0.005 absolute; measured at most 6.8e-4), the bound
 * growing as 1/side for the quick run's 600² (sampling noise ~ 1/√pixels; measured 4.7e-3). */
static void test_rows_stationary(void **state)
{
    (void)state;
    const int n = quick() ? 600 : 2000;
    float *white = malloc(sizeof *white * (size_t)n * n), *L = malloc(sizeof *L * (size_t)n * n),
          *tmp = malloc(sizeof *tmp * (size_t)n * n);
    uint64_t rs = tu_seed();
    for (size_t i = 0; i < (size_t)n * n; i++)
        white[i] = (float)(tu_uniform(&rs) - 0.5);
    for (int y = 0; y < n; y++) /* 5-wide box along rows, then columns */
        for (int x = 0; x < n; x++) {
            double s = 0;
            for (int d = -2; d <= 2; d++)
                s += white[(size_t)y * n + (size_t)((x + d + n) % n)];
            tmp[(size_t)y * n + x] = (float)s;
        }
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double s = 0;
            for (int d = -2; d <= 2; d++)
                s += tmp[(size_t)((y + d + n) % n) * n + x];
            L[(size_t)y * n + x] = (float)(60 + 2.5 * s + 1.5 * (tu_uniform(&rs) - 0.5));
        }
    skinq_ctx *ctx = tu_ctx();
    double f1[7], fs[7];
    lib_features(ctx, L, n, n, NULL, 64, 0, 1, f1);
    for (int step = 2; step <= 4; step++) {
        lib_features(ctx, L, n, n, NULL, 64, 0, step, fs);
        double worst = 0;
        for (int k = 0; k < 7; k++) {
            const double d = k == 5 ? fabs(fs[k] - f1[k]) : fabs(fs[k] / f1[k] - 1);
            worst = fmax(worst, d);
            if (d > 0.005 * 2000 / n)
                fail_msg("step %d: %s %.6g against %.6g at step 1", step, names[k], fs[k], f1[k]);
        }
        print_message("glcm stationary %d², step %d: largest difference from step 1 %.2e\n", n, step, worst);
    }
    skinq_ctx_close(&ctx);
    free(white);
    free(L);
    free(tmp);
}

/* The option's range, its default and the auto rule (step 1 up to 4 M ROI pixels, then 3); auto on
 * a small image is step 1, bit for bit. */
static void test_rows_option(void **state)
{
    (void)state;
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    assert_int_equal(o.glcm_row_step, 0);
    assert_int_equal(tex_glcm_row_step(0, 50000000), 3); /* the default is the auto rule */
    assert_int_equal(tex_glcm_row_step(0, TEX_GLCM_AUTO_ANCHORS), 1);
    assert_int_equal(tex_glcm_row_step(3, 10), 3);
    assert_int_equal(tex_glcm_row_step(-1, 100), 1);
    assert_int_equal(tex_glcm_row_step(-1, TEX_GLCM_AUTO_ANCHORS), 1);
    assert_int_equal(tex_glcm_row_step(-1, TEX_GLCM_AUTO_ANCHORS + 1), 3);
    assert_int_equal(tex_glcm_row_step(-1, 12000000), 3);
    assert_int_equal(tex_glcm_row_step(-1, 48000000), 3);
    skinq_ctx *ctx = tu_ctx();
    skinq_texture_plan *p = NULL;
    static const int bad[] = {-2, 17, 1000};
    for (int i = 0; i < 3; i++) {
        o.glcm_row_step = bad[i];
        assert_int_equal(skinq_texture_plan_new(ctx, &o, &p), SKINQ_E_INVALID);
        assert_null(p);
    }
    const int w = 120, h = 90;
    float *L = malloc(sizeof *L * w * h);
    uint64_t rs = tu_seed();
    for (int i = 0; i < w * h; i++)
        L[i] = (float)(50 + 10 * tu_uniform(&rs));
    double a[7], b[7], c[7];
    lib_features(ctx, L, w, h, NULL, 64, 0, 0, a);
    lib_features(ctx, L, w, h, NULL, 64, 0, -1, b);
    lib_features(ctx, L, w, h, NULL, 64, 0, 2, c);
    assert_memory_equal(a, b, sizeof a);
    assert_true(memcmp(a, c, sizeof a) != 0); /* step 2 is a different sample */
    free(L);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_hand_count),
        cmocka_unit_test(test_rows_match_reference),
        cmocka_unit_test(test_rows_stationary),
        cmocka_unit_test(test_rows_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
