/* test_metric_defs.c -- the metric registry: pattern lookup, no shadowed entries, every path an
 * analysis writes is described, and the verdict and percentage rules on known values. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static void test_lookup(void **state)
{
    (void)state;
    const skinq_metric_def *d = skinq_metric_find("color.a.mean");
    assert_non_null(d);
    assert_string_equal(d->pattern, "color.a.mean");
    assert_int_equal(d->direction, SKINQ_LOWER_IS_BETTER);
    d = skinq_metric_find("color.a.p50"); /* the family's wildcard */
    assert_non_null(d);
    assert_string_equal(d->pattern, "color.a.*");
    assert_int_equal(skinq_metric_direction("color.a.p50"), -1);
    assert_int_equal(skinq_metric_direction("color.a.std"), 0); /* a spread does not judge */
    assert_int_equal(skinq_metric_direction("color.a.ref_mean"), 0);
    assert_int_equal(skinq_metric_direction("color.ita_deg.mean"), 1);
    assert_int_equal(skinq_metric_direction("color.L.mean"), 0);
    assert_int_equal(skinq_metric_direction("texture.glcm.contrast"), 0);
    assert_int_equal(skinq_metric_direction("scars.max_depth_mm"), -1);
    assert_int_equal(skinq_metric_direction("scars.items.3.max_depth_mm"), 0);
    assert_null(skinq_metric_find("no.such.metric"));
    assert_null(skinq_metric_find("color"));
    assert_null(skinq_metric_find(NULL));
    assert_int_equal(skinq_metric_direction("no.such.metric"), 0);
}

/* Every entry is reachable: no earlier pattern swallows a later one, no pattern twice. */
static void test_no_shadowed_entries(void **state)
{
    (void)state;
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(defs[i].label);
        if (!strchr(defs[i].pattern, '*'))
            assert_ptr_equal(skinq_metric_find(defs[i].pattern), &defs[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(defs[i].pattern, defs[j].pattern);
        if (defs[i].headline)
            assert_non_null(defs[i].unit);
    }
}

/* The paths a whole analysis writes (colour with a reference, texture with a scale) all have an
 * entry, and the registered unit is the one measured. */
static void test_analysis_paths_described(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const char *dir = tu_healing_series(ctx, 480, 360);
    char path[1024];
    snprintf(path, sizeof path, "%s/day03.jpg", dir);
    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    o.px_per_mm = 5;
    o.color.ref = (skinq_rect){20, 140, 70, 80};
    o.color.has_ref = 1;
    skinq_analysis *a = NULL;
    assert_int_equal(skinq_analyze_file(ctx, path, &o, &a), SKINQ_OK);
    int described = 0;
    for (size_t i = 0; i < a->metrics.count; i++) {
        const skinq_metric *m = &a->metrics.items[i];
        const skinq_metric_def *d = skinq_metric_find(m->path);
        if (!d)
            fail_msg("no registry entry for %s", m->path);
        if (d->unit && !strchr(d->pattern, '*') && strcmp(d->unit, m->unit) != 0)
            fail_msg("%s: registered unit %s, measured %s", m->path, d->unit, m->unit);
        described++;
    }
    assert_true(described > 60);
    skinq_analysis_free(&a);
    skinq_ctx_close(&ctx);
}

/* Every metric whose name says mm or cm² has a pixel sibling: both registered with the table's units
 * and the same direction; a stored unit that is not the registered one does not fit the name. */
static void test_scaled_siblings(void **state)
{
    (void)state;
    const skinq_metric_scaled *s;
    size_t n = skinq_metric_scaled_defs(&s);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        const skinq_metric_def *mm = skinq_metric_find(s[i].mm), *px = skinq_metric_find(s[i].px);
        assert_non_null(mm);
        assert_non_null(px);
        assert_string_equal(mm->unit, s[i].mm_unit);
        assert_string_equal(px->unit, s[i].px_unit);
        assert_int_equal(mm->direction, px->direction);
        assert_ptr_equal(skinq_metric_scaled_find(s[i].mm), &s[i]);
        assert_ptr_equal(skinq_metric_scaled_find(s[i].px), &s[i]);
        assert_true(skinq_metric_unit_fits(s[i].mm, s[i].mm_unit));
        assert_false(skinq_metric_unit_fits(s[i].mm, s[i].px_unit)); /* pixels an older skinq stored */
    }
    assert_null(skinq_metric_scaled_find("color.a.mean"));
    assert_true(skinq_metric_unit_fits("texture.psd.bins.3.freq", "cycles/px")); /* a wildcard names none */
    assert_true(skinq_metric_unit_fits("no.such.metric", "px"));
    assert_true(skinq_metric_unit_fits("color.red_area_mm2", NULL));
    assert_true(skinq_metric_unit_fits("color.a.mean", "L*")); /* only an mm name is judged */
    assert_false(skinq_metric_unit_fits("scars.volume_mm3", "mm*px2"));
    /* the mm value from pixels at 10 px/mm, and NaN (never the pixels) without a scale */
    skinq_ctx *ctx = tu_ctx();
    skinq_metrics m = {0};
    const skinq_metric_scaled *red = skinq_metric_scaled_find("color.red_area_mm2");
    assert_int_equal(skinq_metrics_add_scaled(ctx, &m, red, 2500, 10), SKINQ_OK);
    assert_near(skinq_metrics_find(&m, "color.red_area_mm2")->value, 25, 1e-12);
    assert_near(skinq_metrics_find(&m, "color.red_area_px")->value, 2500, 0);
    assert_int_equal(skinq_metrics_add_scaled(ctx, &m, red, 2500, 0), SKINQ_OK);
    assert_true(isnan(skinq_metrics_find(&m, "color.red_area_mm2")->value));
    assert_string_equal(skinq_metrics_find(&m, "color.red_area_mm2")->unit, "mm2");
    const skinq_metric_scaled *lines = skinq_metric_scaled_find("texture.lines.density_px_per_mpx");
    assert_int_equal(skinq_metrics_add_scaled(ctx, &m, lines, 5e4, 20), SKINQ_OK); /* 5e4 px/Mpx */
    assert_near(skinq_metrics_find(&m, "texture.lines.density_mm_per_cm2")->value, 5e4 * 20 / 1e4, 1e-9);
    skinq_metrics_free(&m);
    skinq_ctx_close(&ctx);
}

static void test_verdicts(void **state)
{
    (void)state;
    const struct {
        int dir;
        double before, after, mdc;
        skinq_verdict want;
    } cases[] = {
        {-1, 10, 9, 0.5, SKINQ_VERDICT_IMPROVED},
        {-1, 10, 11, 0.5, SKINQ_VERDICT_WORSE},
        {-1, 10, 9.6, 0.5, SKINQ_VERDICT_NO_DETECTABLE},
        {-1, 10, 10.5, 0.5, SKINQ_VERDICT_NO_DETECTABLE}, /* exactly the MDC is within it */
        {-1, 10, 10, 0.5, SKINQ_VERDICT_UNCHANGED},
        {1, 50, 52, 1, SKINQ_VERDICT_IMPROVED},
        {1, 50, 48, 1, SKINQ_VERDICT_WORSE},
        {0, 1, 3, 1, SKINQ_VERDICT_INCREASED},
        {0, 1, 1.5, 1, SKINQ_VERDICT_NO_DETECTABLE},
        {-1, 1, 0.9, NAN, SKINQ_VERDICT_DECREASED}, /* no MDC: no clinical claim */
        {-1, NAN, 1, 0.5, SKINQ_VERDICT_NA},
        {-1, 1, INFINITY, 0.5, SKINQ_VERDICT_NA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        skinq_verdict v = skinq_change_verdict(cases[i].dir, cases[i].before, cases[i].after, cases[i].mdc);
        if (v != cases[i].want)
            fail_msg("case %zu: %s, want %s", i, skinq_verdict_name(v), skinq_verdict_name(cases[i].want));
    }
    assert_string_equal(skinq_verdict_name(SKINQ_VERDICT_NO_DETECTABLE), "no detectable change");
    assert_string_equal(skinq_verdict_name((skinq_verdict)99), "n/a");
}

static void test_percent(void **state)
{
    (void)state;
    assert_near(skinq_change_percent(10, 9, 0.5), -10, 1e-12);
    assert_near(skinq_change_percent(-4, -2, 0.5), 50, 1e-12);
    assert_true(isnan(skinq_change_percent(0, 1, 0.5)));
    assert_true(isnan(skinq_change_percent(0.1, 6, 0.5))); /* +5900 % of a value within noise */
    assert_true(isnan(skinq_change_percent(NAN, 1, 0.5)));
    assert_near(skinq_change_percent(0.1, 0.2, NAN), 100, 1e-12);
}

/* The measured defaults: redness has an absolute MDC, texture densities one in % of the value,
 * and an area in pixels (no scale) gets none from an MDC registered in mm². */
static void test_default_mdcs(void **state)
{
    (void)state;
    double a = skinq_metric_default_mdc("color.a.mean", "a*", 12, 1);
    assert_true(isfinite(a) && a > 0 && a < 5);
    assert_near(skinq_metric_default_mdc("color.a.mean", NULL, 30, 1), a, 0);
    /* exposure and white balance left free make colour far less repeatable */
    assert_true(skinq_metric_default_mdc("color.a.mean", "a*", 12, 0) > 2 * a);
    double p50 = skinq_metric_default_mdc("texture.pores.density_per_cm2", "1/cm2", 50, 1);
    double p100 = skinq_metric_default_mdc("texture.pores.density_per_cm2", "1/cm2", 100, 1);
    assert_true(isfinite(p50) && p50 > 0);
    assert_near(p100, 2 * p50, 1e-12);
    assert_true(isnan(skinq_metric_default_mdc("color.a.mean", "mm", 12, 1)));
    assert_true(isnan(skinq_metric_default_mdc("no.such.metric", NULL, 1, 1)));
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    /* every headline metric measured on the recapture phantom has a normalised MDC; without a
     * reference the red area has none (its threshold then follows the ROI itself) */
    for (size_t i = 0; i < n; i++) {
        if (!defs[i].headline || !defs[i].mdc_source)
            continue;
        if (!isfinite(defs[i].mdc95) || defs[i].mdc95 <= 0)
            fail_msg("%s: a headline metric measured on the recapture phantom has no MDC", defs[i].pattern);
        if (!isfinite(defs[i].mdc95_raw) && strncmp(defs[i].pattern, "color.red_area_", 15) != 0)
            fail_msg("%s: no MDC for photos without colour normalisation", defs[i].pattern);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_no_shadowed_entries),
        cmocka_unit_test(test_analysis_paths_described),
        cmocka_unit_test(test_scaled_siblings),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_default_mdcs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
