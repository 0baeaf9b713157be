/* fit.c -- healing curves: exponential and two-phase decay by Levenberg–Marquardt, started
 * from a variable-projection grid search (for each trial rate the linear parameters are
 * solved exactly, so the start is the global best on the grid), plus a least-squares line.
 * Rates are fitted as log(k) so they stay positive; standard errors by the delta method. */
#include "core/core.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAXP 5

/* Solve the p×p system A x = b (A and b are clobbered). Returns 0, or -1 if singular. */
static int solve(double A[MAXP][MAXP], double b[MAXP], int p, double x[MAXP])
{
    return skinq_solve_small(&A[0][0], MAXP, b, p, 0.0, x);
}

/* Inverse of a p×p matrix by solving for each unit vector. Returns 0 or -1. */
static int invert(double M[MAXP][MAXP], int p, double inv[MAXP][MAXP])
{
    for (int c = 0; c < p; c++) {
        double A[MAXP][MAXP], b[MAXP] = {0}, x[MAXP];
        memcpy(A, M, sizeof A);
        b[c] = 1;
        if (solve(A, b, p, x) != 0)
            return -1;
        for (int r = 0; r < p; r++)
            inv[r][c] = x[r];
    }
    return 0;
}

/* The models, with theta = (y_inf, A, log kA [, B, log kB]). */
typedef struct {
    int p; /* 3: exponential, 5: two-phase */
} model;

static double eval(const model *m, const double *th, double t, double *grad)
{
    double ka = exp(th[2]), ea = exp(-ka * t);
    double f = th[0] + th[1] * ea;
    if (grad) {
        grad[0] = 1;
        grad[1] = ea;
        grad[2] = -th[1] * t * ka * ea;
    }
    if (m->p == 5) {
        double kb = exp(th[4]), eb = exp(-kb * t);
        f += th[3] * eb;
        if (grad) {
            grad[3] = eb;
            grad[4] = -th[3] * t * kb * eb;
        }
    }
    return f;
}

static double sse(const model *m, const double *th, const double *t, const double *y, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        double r = y[i] - eval(m, th, t[i], NULL);
        s += r * r;
    }
    return s;
}

/* Linear least squares of y on the given basis columns (1, e^{-k t}, ...): fills the linear
 * parameters of th for fixed rates and returns the SSE (or INFINITY if singular). */
static double linear_part(const model *m, double *th, const double *t, const double *y, int n)
{
    int q = m->p == 3 ? 2 : 3;
    double A[MAXP][MAXP] = {{0}}, b[MAXP] = {0}, x[MAXP];
    for (int i = 0; i < n; i++) {
        double phi[3] = {1, exp(-exp(th[2]) * t[i]), m->p == 5 ? exp(-exp(th[4]) * t[i]) : 0};
        for (int r = 0; r < q; r++) {
            for (int c = 0; c < q; c++)
                A[r][c] += phi[r] * phi[c];
            b[r] += phi[r] * y[i];
        }
    }
    if (solve(A, b, q, x) != 0)
        return INFINITY;
    th[0] = x[0];
    th[1] = x[1];
    if (m->p == 5)
        th[3] = x[2];
    return sse(m, th, t, y, n);
}

/* Levenberg–Marquardt from th; on return th is the optimum and cov its covariance (unscaled
 * (JᵀJ)⁻¹). Returns the final SSE. */
static double levenberg_marquardt(const model *m, double *th, const double *t, const double *y, int n,
                                  double cov[MAXP][MAXP], int *cov_ok, int *converged)
{
    int p = m->p;
    double lambda = 1e-3, cur = sse(m, th, t, y, n);
    *converged = 0;
    for (int it = 0; it < 500; it++) {
        double JtJ[MAXP][MAXP] = {{0}}, Jtr[MAXP] = {0};
        for (int i = 0; i < n; i++) {
            double g[MAXP];
            double r = y[i] - eval(m, th, t[i], g);
            for (int a = 0; a < p; a++) {
                Jtr[a] += g[a] * r;
                for (int b = 0; b < p; b++)
                    JtJ[a][b] += g[a] * g[b];
            }
        }
        int improved = 0;
        while (lambda < 1e12) {
            double A[MAXP][MAXP], b[MAXP], step[MAXP], trial[MAXP];
            memcpy(A, JtJ, sizeof A);
            memcpy(b, Jtr, sizeof b);
            for (int a = 0; a < p; a++)
                A[a][a] += lambda * (JtJ[a][a] > 0 ? JtJ[a][a] : 1e-12);
            if (solve(A, b, p, step) == 0) {
                for (int a = 0; a < p; a++)
                    trial[a] = th[a] + step[a];
                /* keep log-rates in a sane range (tau from minutes to centuries) */
                int sane = fabs(trial[2]) < 20 && (p < 5 || fabs(trial[4]) < 20);
                double s = sane ? sse(m, trial, t, y, n) : INFINITY;
                if (s < cur) {
                    double rel = (cur - s) / (cur > 1e-300 ? cur : 1e-300);
                    memcpy(th, trial, sizeof trial);
                    cur = s;
                    lambda = lambda / 10 > 1e-12 ? lambda / 10 : 1e-12;
                    improved = rel > 1e-12 ? 1 : 2;
                    break;
                }
            }
            lambda *= 10;
        }
        if (improved != 1) {
            *converged = 1; /* no step lowers the SSE by more than a relative 1e-12: a minimum */
            break;
        }
    }
    double JtJ[MAXP][MAXP] = {{0}};
    for (int i = 0; i < n; i++) {
        double g[MAXP];
        eval(m, th, t[i], g);
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
                JtJ[a][b] += g[a] * g[b];
    }
    *cov_ok = invert(JtJ, p, cov) == 0;
    return cur;
}

static skinq_status check_input(skinq_ctx *ctx, const double *t, const double *y, int n, int need,
                                const char *model_name, double *tmin, double *span, double *min_dt)
{
    if (n < need)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "the %s fit needs at least %d points, got %d", model_name,
                          need, n);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!isfinite(t[i]) || !isfinite(y[i]))
            return skinq_fail(ctx, SKINQ_E_INVALID, "point %d of the series is not a finite number", i);
        lo = t[i] < lo ? t[i] : lo;
        hi = t[i] > hi ? t[i] : hi;
    }
    int distinct = 0;
    double md = INFINITY;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) {
            double d = fabs(t[i] - t[j]);
            seen |= d == 0;
            if (d > 0 && d < md)
                md = d;
        }
        distinct += !seen;
    }
    if (distinct < need)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "the %s fit needs at least %d different days, got %d",
                          model_name, need, distinct);
    *tmin = lo;
    *span = hi - lo;
    *min_dt = md;
    return SKINQ_OK;
}

static void fill_quality(skinq_fit *f, const double *y, int n, double s)
{
    double mean = 0, sst = 0;
    for (int i = 0; i < n; i++)
        mean += y[i] / n;
    for (int i = 0; i < n; i++)
        sst += (y[i] - mean) * (y[i] - mean);
    f->r2 = sst > 0 ? 1 - s / sst : NAN;
    f->rmse = sqrt(s / n);
    f->n = n;
}

static void clear_fit(skinq_fit *f, const char *name)
{
    memset(f, 0, sizeof *f);
    snprintf(f->model, sizeof f->model, "%s", name);
    double *fields[] = {&f->a_fast,           &f->tau_fast_days,        &f->b_slow,
                        &f->tau_slow_days,    &f->stderr_.y0,           &f->stderr_.y_inf,
                        &f->stderr_.tau_days, &f->stderr_.a_fast,       &f->stderr_.tau_fast_days,
                        &f->stderr_.b_slow,   &f->stderr_.tau_slow_days};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i] = NAN;
}

skinq_status skinq_fit_exponential(skinq_ctx *ctx, const double *t, const double *y, int n, skinq_fit *out)
{
    double tmin, span, min_dt;
    skinq_status st = check_input(ctx, t, y, n, 3, "exponential", &tmin, &span, &min_dt);
    if (st != SKINQ_OK)
        return st;
    model m = {3};
    /* grid over tau from a tenth of the closest spacing to ten times the span */
    double best[MAXP] = {0}, best_s = INFINITY;
    double lo = log(min_dt / 10), hi = log(10 * (span > 0 ? span : 1));
    for (int g = 0; g <= 200; g++) {
        double th[MAXP] = {0};
        th[2] = -(lo + (hi - lo) * g / 200.0); /* log k = -log tau */
        double s = linear_part(&m, th, t, y, n);
        if (s < best_s) {
            best_s = s;
            memcpy(best, th, sizeof th);
        }
    }
    double cov[MAXP][MAXP];
    int cov_ok, converged;
    double s = levenberg_marquardt(&m, best, t, y, n, cov, &cov_ok, &converged);
    clear_fit(out, "exponential");
    out->converged = converged;
    double k = exp(best[2]);
    out->y_inf = best[0];
    out->y0 = best[0] + best[1];
    out->tau_days = 1 / k;
    out->half_life_days = out->tau_days * log(2.0);
    out->days_to_90pct = out->tau_days * log(10.0);
    fill_quality(out, y, n, s);
    if (cov_ok && n > 3) {
        double s2 = s / (n - 3);
        out->stderr_.y_inf = sqrt(s2 * cov[0][0]);
        out->stderr_.y0 = sqrt(s2 * (cov[0][0] + cov[1][1] + 2 * cov[0][1]));
        out->stderr_.tau_days = out->tau_days * sqrt(s2 * cov[2][2]); /* d tau = tau · d(log tau) */
    }
    return SKINQ_OK;
}

skinq_status skinq_fit_two_phase(skinq_ctx *ctx, const double *t, const double *y, int n, skinq_fit *out)
{
    double tmin, span, min_dt;
    skinq_status st = check_input(ctx, t, y, n, 6, "two-phase", &tmin, &span, &min_dt);
    if (st != SKINQ_OK)
        return st;
    model m = {5};
    double best[MAXP] = {0}, best_s = INFINITY;
    double lo = log(min_dt / 10), hi = log(10 * (span > 0 ? span : 1));
    enum { G = 48 };
    for (int a = 0; a <= G; a++)
        for (int b = a + 2; b <= G; b++) { /* tau_fast < tau_slow by at least two grid steps */
            double th[MAXP] = {0};
            th[2] = -(lo + (hi - lo) * a / G);
            th[4] = -(lo + (hi - lo) * b / G);
            double s = linear_part(&m, th, t, y, n);
            if (s < best_s) {
                best_s = s;
                memcpy(best, th, sizeof th);
            }
        }
    double cov[MAXP][MAXP];
    int cov_ok, converged;
    double s = levenberg_marquardt(&m, best, t, y, n, cov, &cov_ok, &converged);
    if (best[2] < best[4]) { /* keep (A, k_fast) as the faster term */
        double a = best[1], la = best[2];
        best[1] = best[3], best[2] = best[4];
        best[3] = a, best[4] = la;
        for (int i = 0; i < 5; i++) { /* permute the covariance the same way */
            double x = cov[i][1], z = cov[i][2];
            cov[i][1] = cov[i][3], cov[i][2] = cov[i][4];
            cov[i][3] = x, cov[i][4] = z;
        }
        for (int j = 0; j < 5; j++) {
            double x = cov[1][j], z = cov[2][j];
            cov[1][j] = cov[3][j], cov[2][j] = cov[4][j];
            cov[3][j] = x, cov[4][j] = z;
        }
    }
    clear_fit(out, "two-phase");
    out->converged = converged;
    out->y_inf = best[0];
    out->a_fast = best[1];
    out->tau_fast_days = exp(-best[2]);
    out->b_slow = best[3];
    out->tau_slow_days = exp(-best[4]);
    out->y0 = best[0] + best[1] + best[3];
    out->tau_days = out->tau_slow_days;
    out->half_life_days = out->tau_days * log(2.0);
    out->days_to_90pct = out->tau_days * log(10.0);
    fill_quality(out, y, n, s);
    if (cov_ok && n > 5) {
        double s2 = s / (n - 5);
        out->stderr_.y_inf = sqrt(s2 * cov[0][0]);
        out->stderr_.a_fast = sqrt(s2 * cov[1][1]);
        out->stderr_.tau_fast_days = out->tau_fast_days * sqrt(s2 * cov[2][2]);
        out->stderr_.b_slow = sqrt(s2 * cov[3][3]);
        out->stderr_.tau_slow_days = out->tau_slow_days * sqrt(s2 * cov[4][4]);
        out->stderr_.tau_days = out->stderr_.tau_slow_days;
        out->stderr_.y0 =
            sqrt(s2 * (cov[0][0] + cov[1][1] + cov[3][3] + 2 * (cov[0][1] + cov[0][3] + cov[1][3])));
    }
    return SKINQ_OK;
}

double skinq_fit_eval(const skinq_fit *f, double t)
{
    if (!strcmp(f->model, "two-phase"))
        return f->y_inf + f->a_fast * exp(-t / f->tau_fast_days) + f->b_slow * exp(-t / f->tau_slow_days);
    return f->y_inf + (f->y0 - f->y_inf) * exp(-t / f->tau_days);
}

/* The verdict's reason and sentence; returns 0 (not reliable) for the callers' tail return. */
static SKINQ_PRINTF(4, 5) int verdict(skinq_fit_verdict *v, int reliable, const char *reason, const char *fmt,
                                      ...)
{
    v->reliable = reliable;
    v->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->why, sizeof v->why, fmt, ap);
    va_end(ap);
    return reliable;
}

/* Student's t 97.5 % quantile for dof >= 1 degrees of freedom: a table to 10, then the Cornish–Fisher
 * expansion (within 0.003 above 10). With few residual degrees of freedom s² itself is uncertain, so
 * the SE(τ) ≤ τ/2 rule (a 95 % interval within ±τ) tightens by 1.96/t. */
static double t975(int dof)
{
    static const double tab[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};
    if (dof <= 10)
        return tab[dof - 1];
    double z = 1.959964, v = dof;
    return z + (z * z * z + z) / (4 * v) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v);
}

int skinq_fit_judge(const skinq_fit *f, const double *t, const double *y, int n, double mdc95,
                    skinq_fit_verdict *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return verdict(out, 0, "poor_fit", "no points to judge the fit by");
    double tlo = t[0], thi = t[0], ylo = y[0], yhi = y[0];
    for (int i = 1; i < n; i++) {
        tlo = fmin(tlo, t[i]), thi = fmax(thi, t[i]);
        ylo = fmin(ylo, y[i]), yhi = fmax(yhi, y[i]);
    }
    double span = thi - tlo, range = yhi - ylo;
    int two = !strcmp(f->model, "two-phase");
    int dof = n - (two ? 5 : 3);
    if (dof < SKINQ_FIT_MIN_DOF)
        return verdict(
            out, 0, "too_few_points",
            "%d points for the %d parameters of the %s model leave %d residual degrees of freedom, "
            "fewer than %d",
            n, two ? 5 : 3, f->model, dof < 0 ? 0 : dof, SKINQ_FIT_MIN_DOF);
    if (!f->converged)
        return verdict(out, 0, "not_converged", "the fit did not converge");
    /* the parameters a reader is shown, by name */
    struct {
        const char *name;
        double v;
    } par[] = {{"y0", f->y0},           {"y∞", f->y_inf},
               {"τ", f->tau_days},      {"r²", f->r2},
               {"a (fast)", f->a_fast}, {"τ fast", f->tau_fast_days},
               {"b (slow)", f->b_slow}, {"τ slow", f->tau_slow_days}};
    for (size_t i = 0; i < (two ? 8u : 4u); i++)
        if (!isfinite(par[i].v))
            return verdict(out, 0, "not_finite",
                           i == 3 ? "r² is not defined (every value is the same)"
                                  : "%s is not a finite number",
                           par[i].name);
    /* τ range and precision, for each τ of the model */
    struct {
        const char *name;
        double tau, se;
    } taus[] = {{"τ", f->tau_days, f->stderr_.tau_days},
                {"fast τ", f->tau_fast_days, f->stderr_.tau_fast_days},
                {"slow τ", f->tau_slow_days, f->stderr_.tau_slow_days}};
    int t0 = two ? 1 : 0, t1 = two ? 3 : 1;
    for (int i = t0; i < t1; i++) {
        if (taus[i].tau < SKINQ_FIT_TAU_MIN_DAYS)
            return verdict(out, 0, "tau_range", "%s %.3g d below %.3g d", taus[i].name, taus[i].tau,
                           SKINQ_FIT_TAU_MIN_DAYS);
        if (taus[i].tau > SKINQ_FIT_TAU_MAX_SPANS * span)
            return verdict(out, 0, "tau_range", "%s %.3g d beyond %g× the %.3g-day span of the data",
                           taus[i].name, taus[i].tau, SKINQ_FIT_TAU_MAX_SPANS, span);
    }
    struct {
        const char *name;
        double a;
    } amps[] = {{"the total change |y0 − y∞|", f->y0 - f->y_inf},
                {"the fast amplitude a", f->a_fast},
                {"the slow amplitude b", f->b_slow}};
    for (int i = 0; i < (two ? 3 : 1); i++)
        if (fabs(amps[i].a) > SKINQ_FIT_AMP_MAX_RANGES * range)
            return verdict(out, 0, "amplitude_range", "%s %.3g exceeds %g× the data's range %.3g",
                           amps[i].name, fabs(amps[i].a), SKINQ_FIT_AMP_MAX_RANGES, range);
    for (int i = t0; i < t1; i++) {
        if (!isfinite(taus[i].se))
            return verdict(out, 0, "tau_uncertain", "%s has no standard error (too few points for the model)",
                           taus[i].name);
        double bound = SKINQ_FIT_SE_TAU_MAX * taus[i].tau * 1.959964 / t975(dof);
        if (taus[i].se > bound)
            return verdict(
                out, 0, "tau_uncertain",
                "%s's standard error %.3g d exceeds half of %s %.3g d (%.3g d with Student's t for %d "
                "residual degrees of freedom)",
                taus[i].name, taus[i].se, taus[i].name, taus[i].tau, bound, dof);
    }
    if (f->r2 < SKINQ_FIT_R2_MIN)
        return verdict(out, 0, "poor_fit", "r² %.2f below %.2g", f->r2, SKINQ_FIT_R2_MIN);
    if (two) { /* the second phase must earn its two extra parameters: F-test against one exponential */
        skinq_fit e;
        double sse2 = f->rmse * f->rmse * n, sse1;
        if (skinq_fit_exponential(NULL, t, y, n, &e) != SKINQ_OK || !((sse1 = e.rmse * e.rmse * n) > sse2))
            return verdict(out, 0, "phase_unsupported",
                           "one exponential fits these points as well as two phases");
        /* F(2, dof) has the closed-form quantile (dof/2)·(α^(−2/dof) − 1) */
        double F = (sse1 - sse2) / 2 / (sse2 / dof),
               crit = dof / 2.0 * (pow(SKINQ_FIT_PHASE_ALPHA, -2.0 / dof) - 1);
        if (sse2 > 0 && !(F > crit))
            return verdict(
                out, 0, "phase_unsupported",
                "a second phase is not supported by the data: F %.3g against one exponential, below %.3g "
                "(%g %% level, %d residual degrees of freedom)",
                F, crit, 100 * SKINQ_FIT_PHASE_ALPHA, dof);
    }
    double change = fabs(f->y0 - f->y_inf);
    if (!isfinite(mdc95))
        return verdict(out, 1, "ok",
                       "the total change %.3g was not compared with a minimal detectable change: none is "
                       "known for this metric",
                       change);
    out->mdc_checked = 1;
    if (!(change > mdc95))
        return verdict(out, 0, "below_mdc", "the total change %.3g is within the MDC95 %.3g (not detectable)",
                       change, mdc95);
    return verdict(out, 1, "ok", "%s", "");
}

skinq_status skinq_fit_linear(skinq_ctx *ctx, const double *t, const double *y, int n, double *slope_per_day,
                              double *intercept, double *se_slope)
{
    if (n < 2)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "a trend line needs at least 2 points, got %d", n);
    double mt = 0, my = 0;
    for (int i = 0; i < n; i++) {
        mt += t[i] / n;
        my += y[i] / n;
    }
    double stt = 0, sty = 0;
    for (int i = 0; i < n; i++) {
        stt += (t[i] - mt) * (t[i] - mt);
        sty += (t[i] - mt) * (y[i] - my);
    }
    if (!(stt > 0))
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "a trend line needs points on at least 2 different days");
    double b = sty / stt, a = my - b * mt, s = 0;
    for (int i = 0; i < n; i++) {
        double r = y[i] - (a + b * t[i]);
        s += r * r;
    }
    *slope_per_day = b;
    *intercept = a;
    *se_slope = n > 2 ? sqrt(s / (n - 2) / stt) : NAN;
    return SKINQ_OK;
}
