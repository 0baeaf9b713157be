/* test_skin_table.c -- the skin model's chromaticity table (lib/color/skin_table.c), which the
 * colour kernels look up for color.hemoglobin / .melanin: against the exact Newton inverse on
 * random skin colours (interpolation error), at any exposure, and out-of-model colours (grey,
 * black hair, too bright) flagged; a camera's table differs from sRGB's and is rebuilt per camera. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "color/color_int.h"
#include "color/spectral.h"
#include "test_util.h"

/* The kernels' lookup (skinq_skin_lookup) of a linear colour. */
static void lookup(const skinq_skin_table *t, const double rgb[3], float *mel, float *blood)
{
    float r = (float)rgb[0], g = (float)rgb[1], b = (float)rgb[2];
    skinq_skin_lookup(t, r, g, b, (float)-log10(rgb[0]), (float)-log10(rgb[1]), (float)-log10(rgb[2]), mel,
                      blood);
}

static void test_table_against_inverse(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const skinq_skin_table *t = skinq_color_skin_table(ctx, NULL);
    assert_non_null(t);
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    uint64_t seed = tu_seed();
    /* melanin up to 0.12 and blood up to 0.08 (ITA about −5°, 4× a baseline); nearer the fold of the model's
     * colour map (helper README: melanin 0.12–0.21 by blood) a chromaticity step is a large melanin step, and
     * cells spanning the fold are out of the model: counted apart */
    double worst_m = 0, worst_b = 0;
    int n = 0, flagged = 0, near_fold = 0, near_fold_flagged = 0;
    for (int k = 0; k < 24000; k++) {
        double m = 0.2 * (double)(tu_rand(&seed) % 10000) / 10000,
               b = 0.1 * (double)(tu_rand(&seed) % 10000) / 10000;
        double sh = 0.2 + 1.0 * (double)(tu_rand(&seed) % 10000) / 10000, rgb[3];
        skinq_skin_model_rgb(s, m, b, rgb);
        for (int c = 0; c < 3; c++)
            rgb[c] *= sh;
        skinq_skin_fit f;
        if (skinq_skin_invert(s, rgb, &f) != SKINQ_SKIN_OK)
            continue; /* beyond the model's range or fold: the exact inverse refuses it too */
        float tm, tb;
        lookup(t, rgb, &tm, &tb);
        if (m > 0.12 || b > 0.08) {
            near_fold++;
            near_fold_flagged += isnan(tm);
            continue;
        }
        if (isnan(tm)) { /* only within a cell of the range's edge */
            if (getenv("SKINQ_TEST_VERBOSE"))
                printf("flagged m %.4f b %.4f sh %.2f\n", m, b, sh);
            flagged++;
            continue;
        }
        if (getenv("SKINQ_TEST_VERBOSE") && (fabs(tm - f.melanin) > 1e-3 || fabs(tb - f.blood) > 2e-4))
            printf("error m %.4f b %.4f: %.2e %.2e\n", m, b, tm - f.melanin, tb - f.blood);
        worst_m = fmax(worst_m, fabs(tm - f.melanin));
        worst_b = fmax(worst_b, fabs(tb - f.blood));
        n++;
    }
    printf("table vs exact inverse over %d skin colours (melanin <= 0.12, blood <= 0.08): melanin within "
           "%.2e, blood within "
           "%.2e; %d flagged at the range's edge; beyond (melanin 0.12-0.2 or blood 0.08-0.1): %d of %d "
           "flagged\n",
           n, worst_m, worst_b, flagged, near_fold_flagged, near_fold);
    assert_true(n > 10000);
    assert_true(flagged < n / 100);
    assert_true(worst_b < 1e-4); /* a two-hundredth of a typical 0.02 baseline */
    assert_true(worst_m < 2e-4);
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

/* The table built with the library (tools/gen_skin_table.c) is the run-time builder's, bit for
 * bit: the generated file cannot go stale against the model. */
static void test_built_table_current(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_table *fresh = NULL;
    assert_int_equal(skinq_color_skin_table_build(ctx, NULL, &fresh), SKINQ_OK);
    assert_non_null(skinq_skin_table_srgb);
    assert_ptr_equal(skinq_color_skin_table(ctx, NULL), skinq_skin_table_srgb);
    assert_memory_equal(fresh, skinq_skin_table_srgb, sizeof *fresh);
    skinq_free(ctx, fresh);
    skinq_ctx_close(&ctx);
}

static void test_out_of_model(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const skinq_skin_table *t = skinq_color_skin_table(ctx, NULL);
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    double skin[3];
    skinq_skin_model_rgb(s, 0.05, 0.03, skin);
    static const double cases[][3] = {
        {0.18, 0.18, 0.18},     /* grey card */
        {0.02, 0.05, 0.6},      /* blue ink */
        {0.0069, 0.006, 0.005}, /* black hair: pale skin's chromaticity at ~1 % shading */
        {0.001, 0.001, 0.001},  /* black */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        float m, b;
        lookup(t, cases[k], &m, &b);
        if (!isnan(m) || !isnan(b))
            fail_msg("case %zu: read as skin (melanin %g, blood %g)", k, m, b);
    }
    for (double sh = 0.1; sh <= 2.5; sh *= 1.5) { /* skin at any exposure reads the same */
        double rgb[3] = {sh * skin[0], sh * skin[1], sh * skin[2]};
        float m, b;
        lookup(t, rgb, &m, &b);
        assert_near(m, 0.05, 1e-3);
        assert_near(b, 0.03, 2e-4);
    }
    double bright[3] = {4 * skin[0], 4 * skin[1], 4 * skin[2]},
           dim[3] = {0.02 * skin[0], 0.02 * skin[1], 0.02 * skin[2]};
    float m, b;
    lookup(t, bright, &m, &b); /* 4x brighter than the skin can be lit */
    assert_true(isnan(m));
    lookup(t, dim, &m, &b); /* 2 % of its lit level: hair or a pupil, not skin */
    assert_true(isnan(m));
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

static void test_camera_table(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_camera *cam = NULL;
    assert_int_equal(skinq_camera_load(ctx, tu_shifted_camera(), &cam), SKINQ_OK);
    const skinq_skin_table *ts = skinq_color_skin_table(ctx, NULL), *tc = skinq_color_skin_table(ctx, cam);
    assert_non_null(tc);
    assert_ptr_not_equal(ts, tc);
    assert_ptr_equal(skinq_color_skin_table(ctx, cam), tc); /* the same camera: kept */
    /* the camera's own colour of a skin reads that skin through its table */
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, cam, &s), SKINQ_OK);
    double rgb[3];
    skinq_skin_model_rgb(s, 0.08, 0.04, rgb);
    float m, b;
    lookup(tc, rgb, &m, &b);
    assert_near(m, 0.08, 1e-3);
    assert_near(b, 0.04, 2e-4);
    lookup(ts, rgb, &m, &b); /* read as if it were sRGB: another skin, or none */
    assert_true(isnan(b) || fabs(b - 0.04) > 0.004);
    skinq_skin_model_free(&s);
    skinq_camera_free(&cam);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_against_inverse),
        cmocka_unit_test(test_built_table_current),
        cmocka_unit_test(test_out_of_model),
        cmocka_unit_test(test_camera_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
