/* test_chart_auto.c -- `--chart auto` (skinq_chart_detect(), OpenCV mcc): the chart phantom composited
 * into a skin photo in perspective, blurred, noisy and JPEG-compressed (tests/support/chart_scene.h)
 * is found, in the chart's own orientation, its corners near the truth and its calibration within
 * 0.5 ΔE2000 of the one from the true corners (`--chart FILE`); a skin photo without a chart is
 * reported as such. */
#include <math.h>
#include <string.h>

#include "chart_scene.h"
#include "test_util.h"

enum { SKIN_W = 1200, SKIN_H = 900 };

typedef struct fixture {
    skinq_ctx *ctx;
    skinq_image *chart, *skin;
    double corners[4][2]; /* the chart phantom's patch area in chart.png */
} fixture;

static void setup(fixture *fx)
{
    fx->ctx = tu_ctx();
    char dir[1024], p[1100];
    tu_path(dir, sizeof dir, "chart");
    skinq_synth_options so;
    skinq_synth_default_options(&so);
    so.kind = "chart"; /* 1200 × 800 */
    assert_int_equal(skinq_synth(fx->ctx, &so, dir), SKINQ_OK);
    snprintf(p, sizeof p, "%s/chart.json", dir);
    assert_int_equal(skinq_chart_load(fx->ctx, p, NULL, fx->corners), SKINQ_OK);
    snprintf(p, sizeof p, "%s/chart.png", dir);
    assert_int_equal(skinq_image_load(fx->ctx, p, &fx->chart, NULL), SKINQ_OK);
    snprintf(p, sizeof p, "%s/day00.jpg", tu_healing_series(fx->ctx, SKIN_W, SKIN_H));
    assert_int_equal(skinq_image_load(fx->ctx, p, &fx->skin, NULL), SKINQ_OK);
}

static void teardown(fixture *fx)
{
    skinq_image_free(&fx->chart);
    skinq_image_free(&fx->skin);
    skinq_ctx_close(&fx->ctx);
}

/* The scene through a JPEG file (quality 90), as a photo would come. */
static skinq_image *scene_jpeg(fixture *fx, const tu_scene *s, double truth[4][2])
{
    skinq_image *img = NULL, *back = NULL;
    assert_int_equal(tu_chart_scene(fx->ctx, fx->chart, fx->corners, fx->skin, s, &img, truth), SKINQ_OK);
    char p[1024];
    tu_path(p, sizeof p, "scene.jpg");
    skinq_jpeg_options jo = tu_jpeg_options(90, 1, NULL, 0);
    assert_int_equal(skinq_jpeg_write(fx->ctx, p, img, &jo), SKINQ_OK);
    assert_int_equal(skinq_image_load(fx->ctx, p, &back, NULL), SKINQ_OK);
    skinq_image_free(&img);
    return back;
}

static void test_found_in_perspective(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx);
    static const struct {
        double tilt, turn;
    } views[] = {{18, 0}, {15, 0}, {20, 0}, {18, 180}, {18, 90}};
    for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
        tu_scene s = tu_scene_default();
        s.tilt_deg = views[v].tilt, s.turn_deg = views[v].turn, s.seed = 11 + v;
        double truth[4][2];
        skinq_image *img = scene_jpeg(&fx, &s, truth);
        skinq_chart_fit a, f;
        skinq_status st = skinq_chart_detect(fx.ctx, img, &a);
        if (st != SKINQ_OK)
            fail_msg("tilt %g turn %g: %s", s.tilt_deg, s.turn_deg, skinq_ctx_error(fx.ctx));
        assert_int_equal(skinq_chart_calibrate(fx.ctx, img, truth, &f), SKINQ_OK);
        /* the corners in the chart's own order (a turned chart is found turned), each within 0.2 of
         * the patch pitch of the truth: the sampler keeps a quarter of each cell clear of its edges */
        double pitch = hypot(truth[1][0] - truth[0][0], truth[1][1] - truth[0][1]) / 6, worst = 0;
        for (int i = 0; i < 4; i++)
            worst = fmax(worst, hypot(a.corners[i][0] - truth[i][0], a.corners[i][1] - truth[i][1]));
        print_message(
            "[          ] tilt %2.0f° turn %3.0f°: corners off by ≤ %.1f px (pitch %.0f px), mcc cost %.5f; "
            "ΔE2000 before %.2f, after %.3f (max %.2f) vs %.3f (max %.2f) from the true corners; "
            "next orientation %.1f\n",
            s.tilt_deg, s.turn_deg, worst, pitch, a.detect_cost, a.de_before_mean, a.de_after_mean,
            a.de_after_max, f.de_after_mean, f.de_after_max, a.orientation_next_de);
        assert_true(a.detected);
        assert_true(worst < 0.2 * pitch);
        assert_int_equal(a.patches, 24);
        assert_true(fabs(a.de_after_mean - f.de_after_mean) <= 0.5);
        assert_true(a.de_after_mean < 1.0 && a.de_before_mean > 3.0);
        assert_true(a.orientation_next_de > 5 * a.de_after_mean); /* the orientation is not a close call */
        skinq_image_free(&img);
    }
    teardown(&fx);
}

static void test_no_chart(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx);
    skinq_chart_fit a;
    assert_int_equal(skinq_chart_detect(fx.ctx, fx.skin, &a), SKINQ_E_TOO_FEW);
    assert_int_equal(a.detected, 0);
    assert_non_null(strstr(skinq_ctx_error(fx.ctx), "no colour chart found"));
    skinq_image *gray = NULL;
    assert_int_equal(skinq_image_new(fx.ctx, 64, 64, 1, 8, &gray), SKINQ_OK);
    assert_int_equal(skinq_chart_detect(fx.ctx, gray, &a), SKINQ_E_UNSUPPORTED);
    skinq_image_free(&gray);
    teardown(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_in_perspective),
        cmocka_unit_test(test_no_chart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
