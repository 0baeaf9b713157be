/* test_compare.c -- skinq_compare measures a registered photo without the resampling's bias: a
 * photo's pores and lines alone against rotated (5°) and scaled (0.9, 1.1) copies of it registered
 * onto it. The copies are second photos of the same skin (the healing-series phantom's day 0
 * re-rendered under each pose, synth's copy_poses), so the test measures the pipeline, not a
 * resampling of its own; measured on the warped pixels (before issue 18) they read 1-4 % fewer
 * pores and 6-12 % less line length. Lines of a finer or coarser copy keep the line detector's
 * own resolution dependence (lib/align/README.md, "What is measured where"). */
#include <math.h>
#include <string.h>

#include "test_util.h"

static double metric(const skinq_analysis *a, const char *path)
{
    const skinq_metric *m = skinq_metrics_find(&a->metrics, path);
    assert_non_null(m);
    return m->value;
}

static void test_registered_copy_unbiased(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    enum { N = 5, FW = 1200, FH = 900 };
    const double poses[N][2] = {{5, 1}, {0, 0.9}, {0, 1.1}, {5, 0.9}, {-5, 1.1}};
    char dir[512], photo[600], copy[600];
    tu_path(dir, sizeof dir, "copies");
    skinq_synth_options so;
    skinq_synth_default_options(&so);
    so.kind = "healing-series";
    so.width = FW, so.height = FH, so.seed = 5;
    so.copy_poses = &poses[0][0], so.copies = N;
    assert_int_equal(skinq_synth(ctx, &so, dir), SKINQ_OK);
    snprintf(photo, sizeof photo, "%s/day00.jpg", dir);

    skinq_analysis_options ao;
    skinq_analysis_default_options(&ao);
    ao.px_per_mm = 20;
    ao.roi.kind = SKINQ_ROI_RECT;
    ao.roi.rect = (skinq_rect){FW / 5, FH / 5, 3 * FW / 5, 3 * FH / 5}; /* inside every copy */
    skinq_compare_options co;
    skinq_compare_default_options(&co);
    co.analysis = &ao;
    const char *paths[] = {"texture.pores.density_per_cm2", "texture.lines.density_mm_per_cm2"};
    for (int k = 0; k < N; k++) {
        snprintf(copy, sizeof copy, "%s/copy_%02d.jpg", dir, k);
        skinq_compare_result *r = NULL;
        assert_int_equal(skinq_compare(ctx, photo, copy, &co, &r), SKINQ_OK);
        assert_true(fabs(r->after_scale * poses[k][1] - 1) < 0.01); /* before px per copy px */
        for (int m = 0; m < 2; m++) {
            double alone = metric(r->before, paths[m]), reg = metric(r->after, paths[m]);
            print_message("[          ] %+.0f deg, scale %.1f: %s alone %.2f, registered %.2f (%+.1f %%), "
                          "NCC %.3f\n",
                          poses[k][0], poses[k][1], paths[m], alone, reg, 100 * (reg / alone - 1), r->ncc);
            /* lines of a finer or coarser copy: the line detector's own resolution dependence
             * (lib/align/README.md: re-renders analysed alone at 18-22 px/mm move by as much);
             * of a rotated copy: this phantom's "lines" are mostly pores near the detector's
             * threshold (lib/synth/README.md), which resampling moves (+6.4 % at +5°) */
            assert_true(fabs(reg / alone - 1) <= (m == 0 ? 0.03 : poses[k][1] == 1 ? 0.08 : 0.10));
        }
        skinq_compare_free(&r);
    }
    skinq_ctx_close(&ctx);
}

/* Two photos of the generated sample set (camera-like since issue 25: their patterns differ by
 * seed): RANSAC finds 14 of 312 matches consistent. The inlier count and ratio refuse them; with
 * those checks off, the photometric check does (band-pass NCC near 0 inside the ROI); with all
 * off they pass, so each check is what refuses them. */
static void test_unrelated_acceptance(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    char dir[512], a[600], b[600];
    tu_path(dir, sizeof dir, "set");
    assert_int_equal(skinq_bench_make_set(ctx, dir, 2, 4000, 3000, NULL), SKINQ_OK);
    snprintf(a, sizeof a, "%s/photo-0000.jpg", dir);
    snprintf(b, sizeof b, "%s/photo-0001.jpg", dir);
    skinq_analysis_options ao;
    skinq_analysis_default_options(&ao);
    ao.texture = 0;
    skinq_compare_options co;
    skinq_compare_default_options(&co);
    co.analysis = &ao;
    skinq_compare_result *r = NULL;
    assert_int_equal(skinq_compare(ctx, a, b, &co, &r), SKINQ_E_ALIGN);
    print_message("[          ] %s\n", skinq_ctx_error(ctx));
    assert_non_null(strstr(skinq_ctx_error(ctx), "feature matches"));
    co.align.min_inlier_ratio = -1;
    co.align.min_inliers = 4; /* a homography's minimum */
    assert_int_equal(skinq_compare(ctx, a, b, &co, &r), SKINQ_E_ALIGN);
    print_message("[          ] %s\n", skinq_ctx_error(ctx));
    assert_non_null(strstr(skinq_ctx_error(ctx), "band-pass correlation"));
    co.align.min_ncc = -1;
    assert_int_equal(skinq_compare(ctx, a, b, &co, &r), SKINQ_OK);
    print_message("[          ] with both checks off: %d/%d inliers, rms %.2f px, NCC %.3f\n",
                  r->alignment.inliers, r->alignment.matches, r->alignment.rms_px, r->ncc);
    assert_true(r->ncc < 0.15 && (double)r->alignment.inliers / r->alignment.matches < 0.15);
    skinq_compare_free(&r);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered_copy_unbiased),
        cmocka_unit_test(test_unrelated_acceptance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
