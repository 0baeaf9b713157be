/* test_course.c -- skinq_course_analyse(): a treatment course read from one metric's series. Exact
 * per-cycle exponentials with a known baseline give back each cycle's tau, the baseline's mean and
 * SD, the excess left at each cycle's end and the slow line through the cycles' ends; --cycle,
 * --from/--to days, a series with no procedure and a cycle with too few points behave as stated. */
#include <math.h>
#include <string.h>

#include "test_util.h"

#define MAXP 64

/* A course: baseline values on days -7 and -3, then cycles starting every 28 days with sessions on
 * cycle days 0, 1, 2, 3, 7, 14; cycle k's value: base + drift·k + E_k·exp(-t/tau_k). */
static int make_course(skinq_course_point *p, int cycles, const double *tau, const double *amp, double base,
                       double drift)
{
    static const double cdays[] = {0, 1, 2, 3, 7, 14};
    int n = 0;
    const double bdays[] = {-7, -3};
    const double bvals[] = {base - 0.5, base + 0.5};
    for (int i = 0; i < 2; i++)
        p[n++] = (skinq_course_point){bdays[i], bdays[i], bvals[i], 0, n + 1, "2026-01-01", "", ""};
    for (int k = 1; k <= cycles; k++)
        for (int i = 0; i < 6; i++) {
            double t = cdays[i];
            p[n] = (skinq_course_point){28.0 * (k - 1) + t,
                                        t,
                                        base + drift * k + amp[k - 1] * exp(-t / tau[k - 1]),
                                        k,
                                        n + 1,
                                        "2026-01-05",
                                        "",
                                        i == 0 ? "microneedling" : ""};
            n++;
        }
    return n;
}

static void test_cycles_exact(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_course_point p[MAXP];
    const double tau[] = {3, 2.5, 2}, amp[] = {8, 7, 6};
    int n = make_course(p, 3, tau, amp, 10, -0.5);
    skinq_course_options o;
    skinq_course_default_options(&o);
    skinq_course *co = NULL;
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_OK);
    assert_int_equal(co->procedures, 3);
    assert_int_equal(co->baseline_n, 2);
    assert_near(co->baseline_mean, 10, 1e-12);
    assert_near(co->baseline_sd, sqrt(0.5), 1e-12);
    assert_int_equal(co->ncycles, 3);
    for (int k = 0; k < 3; k++) {
        const skinq_course_cycle *c = &co->cycles[k];
        assert_int_equal(c->cycle, k + 1);
        assert_int_equal(c->count, 6);
        assert_int_equal(c->first, 2 + 6 * k);
        assert_string_equal(c->procedure, "microneedling");
        assert_int_equal(c->fit_status, SKINQ_OK);
        assert_near(c->fit.tau_days, tau[k], 1e-4 * tau[k]);
        assert_near(c->fit.y_inf, 10 - 0.5 * (k + 1), 1e-4);
        /* excess left: (end - base)/(peak - base) with end and peak exactly known */
        double peak = 10 - 0.5 * (k + 1) + amp[k], end = 10 - 0.5 * (k + 1) + amp[k] * exp(-14 / tau[k]);
        assert_near(c->excess_left_pct, 100 * (end - 10) / (peak - 10), 1e-9);
        assert_near(co->t[c->first], 0, 0);        /* the fit's t = 0 is the procedure session */
        assert_near(c->end_day, 28.0 * k + 14, 0); /* course day of the last session */
    }
    /* the slow line through the baseline (mean day -5) and the three ends */
    double ends[3], x[4] = {-5, 14, 42, 70}, y[4] = {10, 0, 0, 0};
    for (int k = 0; k < 3; k++)
        y[k + 1] = ends[k] = 10 - 0.5 * (k + 1) + amp[k] * exp(-14 / tau[k]);
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < 4; i++)
        mx += x[i] / 4, my += y[i] / 4;
    for (int i = 0; i < 4; i++)
        sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
    assert_near(co->slope_per_week, 7 * sxy / sxx, 1e-9);
    assert_near(co->end_change, ends[2] - 10, 1e-12);
    skinq_course_free(&co);
    assert_null(co);

    /* --cycle 2: that cycle only */
    o.cycle = 2;
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_OK);
    assert_int_equal(co->ncycles, 1);
    assert_int_equal(co->cycles[0].cycle, 2);
    assert_near(co->cycles[0].fit.tau_days, 2.5, 1e-4);
    skinq_course_free(&co);
    /* a cycle that does not exist */
    o.cycle = 4;
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_E_TOO_FEW);
    assert_non_null(strstr(skinq_ctx_error(ctx), "cycle 4 asked for, but 3 procedures are marked"));
    assert_null(co);
    skinq_ctx_close(&ctx);
}

static void test_window_and_no_procedure(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_course_point p[MAXP];
    const double tau[] = {3}, amp[] = {8};
    int n = make_course(p, 1, tau, amp, 10, 0);
    skinq_course_options o;
    skinq_course_default_options(&o);
    /* --from-day/--to-day: one window over course days, the baseline left out by the days */
    o.from_day = 0;
    o.to_day = 7;
    skinq_course *co = NULL;
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_OK);
    assert_int_equal(co->window, 1);
    assert_int_equal(co->ncycles, 1);
    assert_int_equal(co->cycles[0].count, 5);
    assert_near(co->cycles[0].fit.tau_days, 3, 1e-4);
    skinq_course_free(&co);
    /* no procedure marked: every session in one window, days as given, no baseline */
    for (int i = 0; i < n; i++)
        p[i].cycle = 0;
    skinq_course_default_options(&o);
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_OK);
    assert_int_equal(co->procedures, 0);
    assert_int_equal(co->baseline_n, 0);
    assert_true(isnan(co->baseline_mean));
    assert_int_equal(co->ncycles, 1);
    assert_int_equal(co->cycles[0].count, n);
    assert_true(isnan(co->cycles[0].excess_left_pct));
    skinq_course_free(&co);
    skinq_ctx_close(&ctx);
}

static void test_too_few_points(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_course_point p[MAXP];
    const double tau[] = {3, 3}, amp[] = {8, 8};
    int n = make_course(p, 2, tau, amp, 10, 0);
    /* the second cycle keeps only its procedure session and one more */
    n -= 4;
    skinq_course_options o;
    skinq_course_default_options(&o);
    skinq_course *co = NULL;
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_OK);
    assert_int_equal(co->ncycles, 2);
    assert_int_equal(co->cycles[0].fit_status, SKINQ_OK);
    assert_int_equal(co->cycles[1].fit_status, SKINQ_E_TOO_FEW);
    assert_true(strlen(co->cycles[1].fit_error) > 0);
    skinq_course_free(&co);
    /* only that cycle: no window has a fit, the call says why */
    o.cycle = 2;
    assert_int_equal(skinq_course_analyse(ctx, p, n, &o, &co), SKINQ_E_TOO_FEW);
    assert_null(co);
    /* points out of day order are refused */
    skinq_course_point q[2] = {p[3], p[2]};
    skinq_course_default_options(&o);
    assert_int_equal(skinq_course_analyse(ctx, q, 2, &o, &co), SKINQ_E_INVALID);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cycles_exact),
        cmocka_unit_test(test_window_and_no_procedure),
        cmocka_unit_test(test_too_few_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
