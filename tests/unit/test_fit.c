/* test_fit.c -- healing-curve fits: exact recovery of known exponential and two-phase curves,
 * recovery under seeded noise with honest standard errors, and refusal of too few points. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponential_exact),
        cmocka_unit_test(test_exponential_noisy),
        cmocka_unit_test(test_exponential_refusals),
        cmocka_unit_test(test_two_phase),
        cmocka_unit_test(test_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
