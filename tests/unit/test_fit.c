/* test_fit.c -- healing-curve fits: exact recovery of known exponential and two-phase curves,
 * recovery under seeded noise with honest standard errors, refusal of too few points, and the
 * reliability judgement (skinq_fit_judge) on clean, flat, outlier, overfitted and sub-MDC series. */
#include <math.h>
#include <string.h>

#include "test_util.h"

static const double days[] = {0, 1, 2, 3, 5, 7, 14, 21, 28, 42, 56};
#define ND ((int)(sizeof days / sizeof days[0]))

static double gauss(uint64_t *s)
{
    double u = tu_uniform(s), v = tu_uniform(s);
    return sqrt(-2 * log(u > 1e-300 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static void test_exponential_exact(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    /* decaying (redness after microneedling) and rising (a recovering index) curves */
    const double cases[][3] = {{10, 2, 3}, {-4, 6, 12.5}, {100, 99, 0.7}};
    for (int c = 0; c < 3; c++) {
        double y[ND];
        for (int i = 0; i < ND; i++)
            y[i] = cases[c][1] + (cases[c][0] - cases[c][1]) * exp(-days[i] / cases[c][2]);
        skinq_fit f;
        assert_int_equal(skinq_fit_exponential(ctx, days, y, ND, &f), SKINQ_OK);
        assert_string_equal(f.model, "exponential");
        assert_near(f.y0, cases[c][0], 1e-6 * fabs(cases[c][0]) + 1e-6);
        assert_near(f.y_inf, cases[c][1], 1e-6 * fabs(cases[c][1]) + 1e-6);
        assert_near(f.tau_days, cases[c][2], 1e-5 * cases[c][2]);
        assert_near(f.half_life_days, cases[c][2] * log(2.0), 1e-4);
        assert_near(f.days_to_90pct, cases[c][2] * log(10.0), 1e-4);
        assert_near(f.r2, 1.0, 1e-9);
        assert_int_equal(f.n, ND);
        assert_true(isnan(f.a_fast)); /* not part of this model */
    }
    skinq_ctx_close(&ctx);
}

static void test_exponential_noisy(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t s = tu_seed();
    int covered = 0, trials = 200;
    for (int k = 0; k < trials; k++) {
        double y[ND];
        for (int i = 0; i < ND; i++)
            y[i] = 2 + 8 * exp(-days[i] / 3.0) + 0.2 * gauss(&s);
        skinq_fit f;
        assert_int_equal(skinq_fit_exponential(ctx, days, y, ND, &f), SKINQ_OK);
        assert_true(fabs(f.tau_days - 3.0) < 0.2 * 3.0); /* the 20 % on tau */
        assert_true(isfinite(f.stderr_.tau_days) && f.stderr_.tau_days > 0);
        assert_true(isfinite(f.stderr_.y0) && isfinite(f.stderr_.y_inf));
        covered += fabs(f.tau_days - 3.0) < 2 * f.stderr_.tau_days;
    }
    /* 2-sigma intervals should hold the truth about 95 % of the time: the errors are honest */
    print_message("tau within 2 standard errors in %d of %d noisy fits\n", covered, trials);
    assert_true(covered >= trials * 85 / 100 && covered <= trials);
    skinq_ctx_close(&ctx);
}

static void test_exponential_refusals(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_fit f;
    double t2[] = {0, 7}, y2[] = {5, 3};
    assert_int_equal(skinq_fit_exponential(ctx, t2, y2, 2, &f), SKINQ_E_TOO_FEW);
    assert_non_null(strstr(skinq_ctx_error(ctx), "at least 3 points"));
    double t3[] = {0, 7, 7}, y3[] = {5, 3, 3.1};
    assert_int_equal(skinq_fit_exponential(ctx, t3, y3, 3, &f), SKINQ_E_TOO_FEW);
    assert_non_null(strstr(skinq_ctx_error(ctx), "different days"));
    double tn[] = {0, 1, 2}, yn[] = {1, NAN, 2};
    assert_int_equal(skinq_fit_exponential(ctx, tn, yn, 3, &f), SKINQ_E_INVALID);
    /* exactly three points: a fit, but no residual degrees of freedom → no standard errors */
    double te[] = {0, 2, 9}, ye[3];
    for (int i = 0; i < 3; i++)
        ye[i] = 1 + 4 * exp(-te[i] / 2.5);
    assert_int_equal(skinq_fit_exponential(ctx, te, ye, 3, &f), SKINQ_OK);
    assert_near(f.tau_days, 2.5, 1e-4);
    assert_true(isnan(f.stderr_.tau_days));
    skinq_ctx_close(&ctx);
}

static void test_two_phase(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    /* acute erythema (tau 2 d) on top of slow remodelling (tau 20 d) */
    double y[ND];
    for (int i = 0; i < ND; i++)
        y[i] = 1 + 5 * exp(-days[i] / 2.0) + 3 * exp(-days[i] / 20.0);
    skinq_fit f;
    assert_int_equal(skinq_fit_two_phase(ctx, days, y, ND, &f), SKINQ_OK);
    assert_string_equal(f.model, "two-phase");
    assert_near(f.tau_fast_days, 2.0, 1e-3);
    assert_near(f.tau_slow_days, 20.0, 1e-2);
    assert_near(f.a_fast, 5.0, 1e-3);
    assert_near(f.b_slow, 3.0, 1e-3);
    assert_near(f.y_inf, 1.0, 1e-3);
    assert_near(f.y0, 9.0, 1e-3);
    assert_near(f.tau_days, f.tau_slow_days, 0);
    /* the single exponential cannot describe it as well */
    skinq_fit e;
    assert_int_equal(skinq_fit_exponential(ctx, days, y, ND, &e), SKINQ_OK);
    assert_true(e.rmse > 10 * f.rmse);
    assert_int_equal(skinq_fit_two_phase(ctx, days, y, 5, &f), SKINQ_E_TOO_FEW);
    assert_non_null(strstr(skinq_ctx_error(ctx), "at least 6"));
    skinq_ctx_close(&ctx);
}

static void test_linear(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    double y[ND];
    for (int i = 0; i < ND; i++)
        y[i] = 7 - 0.25 * days[i];
    double slope, icpt, se;
    assert_int_equal(skinq_fit_linear(ctx, days, y, ND, &slope, &icpt, &se), SKINQ_OK);
    assert_near(slope * 7, -1.75, 1e-12);
    assert_near(icpt, 7, 1e-12);
    assert_near(se, 0, 1e-9);
    assert_int_equal(skinq_fit_linear(ctx, days, y, 2, &slope, &icpt, &se), SKINQ_OK);
    assert_true(isnan(se));
    double same[] = {3, 3, 3};
    assert_int_equal(skinq_fit_linear(ctx, same, y, 3, &slope, &icpt, &se), SKINQ_E_TOO_FEW);
    assert_int_equal(skinq_fit_linear(ctx, days, y, 1, &slope, &icpt, &se), SKINQ_E_TOO_FEW);
    skinq_ctx_close(&ctx);
}

/* The sessions of a healing series after a day-0 procedure (as `skinq trend` fits them). */
static const double hdays[] = {1, 2, 3, 5, 7, 14, 28, 42};
#define NH ((int)(sizeof hdays / sizeof hdays[0]))

static void test_judge_clean(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t s = tu_seed();
    for (int k = 0; k < 50; k++) {
        double y[NH];
        for (int i = 0; i < NH; i++) /* tau 3 d, 1 % multiplicative noise */
            y[i] = (2 + 8 * exp(-hdays[i] / 3.0)) * (1 + 0.01 * gauss(&s));
        skinq_fit f;
        skinq_fit_verdict v;
        assert_int_equal(skinq_fit_exponential(ctx, hdays, y, NH, &f), SKINQ_OK);
        assert_true(f.converged);
        /* without an MDC: reliable, and it says the MDC check was not made */
        assert_int_equal(skinq_fit_judge(&f, hdays, y, NH, NAN, &v), 1);
        assert_string_equal(v.reason, "ok");
        assert_int_equal(v.mdc_checked, 0);
        assert_non_null(strstr(v.why, "minimal detectable change"));
        /* with an MDC well below the change of ~8: reliable and checked */
        assert_int_equal(skinq_fit_judge(&f, hdays, y, NH, 1.0, &v), 1);
        assert_int_equal(v.mdc_checked, 1);
        assert_string_equal(v.why, "");
        assert_near(skinq_fit_eval(&f, 5), f.y_inf + (f.y0 - f.y_inf) * exp(-5 / f.tau_days), 1e-12);
    }
    skinq_ctx_close(&ctx);
}

/* No reliable trend for any seed; the sentence never says "nan". */
static void expect_unreliable(skinq_ctx *ctx, const double *y, int two_phase, double mdc, const char *reason)
{
    skinq_fit f;
    skinq_fit_verdict v;
    skinq_status st = two_phase ? skinq_fit_two_phase(ctx, hdays, y, NH - 2, &f)
                                : skinq_fit_exponential(ctx, hdays, y, NH, &f);
    assert_int_equal(st, SKINQ_OK);
    assert_int_equal(skinq_fit_judge(&f, hdays, y, two_phase ? NH - 2 : NH, mdc, &v), 0);
    assert_true(v.why[0] != 0);
    assert_null(strstr(v.why, "nan"));
    if (reason)
        assert_string_equal(v.reason, reason);
}

static void test_judge_flat(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t s = tu_seed();
    /* melanin OD: constant plus capture noise. Noise mimics a decay by chance only rarely (about 1 in
     * 800 series pass every check); the MDC of that noise (1.96·√2·SD) is the guard against the rest */
    int found = 0, found_mdc = 0, trials = 500;
    for (int k = 0; k < trials; k++) {
        double y[NH];
        for (int i = 0; i < NH; i++)
            y[i] = 0.377 + 0.003 * gauss(&s);
        skinq_fit f;
        skinq_fit_verdict v;
        assert_int_equal(skinq_fit_exponential(ctx, hdays, y, NH, &f), SKINQ_OK);
        found += skinq_fit_judge(&f, hdays, y, NH, NAN, &v);
        assert_null(strstr(v.why, "nan"));
        found_mdc += skinq_fit_judge(&f, hdays, y, NH, 1.96 * sqrt(2) * 0.003, &v);
    }
    print_message("a trend found in %d (%d with the MDC) of %d flat series\n", found, found_mdc, trials);
    assert_true(found <= trials / 100 && found_mdc <= found);
    /* exactly constant: r² is undefined and said so */
    double c[NH];
    for (int i = 0; i < NH; i++)
        c[i] = 4;
    skinq_fit f;
    skinq_fit_verdict v;
    assert_int_equal(skinq_fit_exponential(ctx, hdays, c, NH, &f), SKINQ_OK);
    assert_int_equal(skinq_fit_judge(&f, hdays, c, NH, NAN, &v), 0);
    assert_string_equal(v.reason, "not_finite");
    assert_non_null(strstr(v.why, "r²"));
    skinq_ctx_close(&ctx);
}

static void test_judge_outlier(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t s = tu_seed();
    /* a flat series with one wild session, first (a one-point "decay") or in the middle */
    for (int at = 0; at < NH; at += 3)
        for (int k = 0; k < 20; k++) {
            double y[NH];
            for (int i = 0; i < NH; i++)
                y[i] = 10 + 0.1 * gauss(&s);
            y[at] += 3;
            expect_unreliable(ctx, y, 0, NAN, NULL);
        }
    skinq_ctx_close(&ctx);
}

static void test_judge_two_phase_six_points(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t s = tu_seed();
    /* five parameters on six noisy points: whatever the optimiser finds is not a finding */
    for (int k = 0; k < 30; k++) {
        double y[NH];
        for (int i = 0; i < NH; i++)
            y[i] = (1 + 5 * exp(-hdays[i] / 2.0) + 3 * exp(-hdays[i] / 20.0)) * (1 + 0.05 * gauss(&s));
        expect_unreliable(ctx, y, 1, NAN, "too_few_points");
    }
    /* on eleven days of one noisy exponential a second phase is a finding only by chance: the F-test
     * at 5 % (and the other checks) let through at most a few in a hundred */
    int found = 0, trials = 100;
    for (int k = 0; k < trials; k++) {
        double y[ND];
        for (int i = 0; i < ND; i++)
            y[i] = (2 + 8 * exp(-days[i] / 3.0)) * (1 + 0.01 * gauss(&s));
        skinq_fit f;
        skinq_fit_verdict v;
        assert_int_equal(skinq_fit_two_phase(ctx, days, y, ND, &f), SKINQ_OK);
        found += skinq_fit_judge(&f, days, y, ND, NAN, &v);
        assert_null(strstr(v.why, "nan"));
    }
    print_message("a second phase found in %d of %d single-exponential series\n", found, trials);
    assert_true(found <= trials / 10);
    /* the same model on eleven clean days is reliable, with both time constants */
    double y[ND];
    for (int i = 0; i < ND; i++)
        y[i] = 1 + 5 * exp(-days[i] / 2.0) + 3 * exp(-days[i] / 20.0) + 1e-3 * gauss(&s);
    skinq_fit f;
    skinq_fit_verdict v;
    assert_int_equal(skinq_fit_two_phase(ctx, days, y, ND, &f), SKINQ_OK);
    assert_int_equal(skinq_fit_judge(&f, days, y, ND, 0.5, &v), 1);
    assert_near(skinq_fit_eval(&f, 0), f.y0, 1e-9);
    assert_near(skinq_fit_eval(&f, 7), 1 + 5 * exp(-7 / 2.0) + 3 * exp(-7 / 20.0), 0.01);
    skinq_ctx_close(&ctx);
}

static void test_judge_reasons(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t s = tu_seed();
    double y[NH];
    for (int i = 0; i < NH; i++)
        y[i] = (2 + 8 * exp(-hdays[i] / 3.0)) * (1 + 0.01 * gauss(&s));
    skinq_fit f, g;
    skinq_fit_verdict v;
    assert_int_equal(skinq_fit_exponential(ctx, hdays, y, NH, &f), SKINQ_OK);
    /* a total change (~8) within a given MDC of 10: no detectable trend, and the reason says MDC */
    assert_int_equal(skinq_fit_judge(&f, hdays, y, NH, 10, &v), 0);
    assert_string_equal(v.reason, "below_mdc");
    assert_int_equal(v.mdc_checked, 1);
    assert_non_null(strstr(v.why, "MDC"));
    /* each threshold on its own, from the reliable fit with one parameter changed */
    /* five sessions leave two residual degrees of freedom: too few for a finding */
    assert_int_equal(skinq_fit_exponential(ctx, hdays, y, 5, &g), SKINQ_OK);
    assert_int_equal(skinq_fit_judge(&g, hdays, y, 5, 1, &v), 0);
    assert_string_equal(v.reason, "too_few_points");
    g = f, g.converged = 0;
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "not_converged");
    g = f, g.tau_days = NAN;
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "not_finite");
    assert_string_equal(v.why, "τ is not a finite number");
    g = f, g.tau_days = 0.05;
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "tau_range");
    g = f, g.tau_days = 10 * 41 + 1; /* the span is 41 days */
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "tau_range");
    assert_non_null(strstr(v.why, "41-day span"));
    g = f, g.y0 = g.y_inf + 3.1 * (y[0] - y[NH - 1] > 0 ? 1 : -1) * (fabs(y[0] - y[NH - 1]) + 1);
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "amplitude_range");
    g = f, g.stderr_.tau_days = 1.5e34;
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "tau_uncertain");
    assert_non_null(strstr(v.why, "τ's standard error 1.5e+34 d exceeds half of τ"));
    g = f, g.r2 = 0.39;
    assert_int_equal(skinq_fit_judge(&g, hdays, y, NH, 1, &v), 0);
    assert_string_equal(v.reason, "poor_fit");
    assert_string_equal(v.why, "r² 0.39 below 0.8");
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential_exact),
        cmocka_unit_test(test_exponential_noisy),
        cmocka_unit_test(test_exponential_refusals),
        cmocka_unit_test(test_two_phase),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_judge_clean),
        cmocka_unit_test(test_judge_flat),
        cmocka_unit_test(test_judge_outlier),
        cmocka_unit_test(test_judge_two_phase_six_points),
        cmocka_unit_test(test_judge_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
