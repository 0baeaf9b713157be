/* ps_robust.c -- photometric stereo for any number of lights, scalar only: plain least squares,
 * order-statistics trimming and IRLS with Tukey's biweight, and the per-pixel confidence.
 *
 * Methods (skinq.h, skinq_ps_method; README "Robust estimation"):
 *  - trimmed: the darkest and brightest fractions of a pixel's lit observations are dropped by
 *    rank before least squares. Coleman & Jain (1982), "Obtaining 3-dimensional shape of
 *    textured and specular surfaces using four-source photometry", CGIP 18(4):309-328, drop
 *    the brightest of four as specular; Barsky & Petrou (2003), "The 4-source photometric
 *    stereo technique for three-dimensional surfaces in the presence of highlights and
 *    shadows", IEEE PAMI 25(10):1239-1252, also the darkest as shadow. With many lights the
 *    same rank rule becomes a trimmed mean-like estimator.
 *  - irls: M-estimation by iteratively reweighted least squares with Tukey's biweight
 *    w = (1 − (r/c)²)², c = 2.5 σ, σ = 1.4826 × median |r| (Holland & Welsch 1977,
 *    "Robust regression using iteratively reweighted least-squares", Commun. Stat. A6(9)),
 *    started from the trimmed fit; Ikehata, Wipf, Matsushita & Aizawa (2012), "Robust
 *    photometric stereo using sparse regression", CVPR, frame shadows and highlights as sparse
 *    residuals of the same per-pixel regression.
 *  - lobe: Lambertian plus a specular lobe per pixel, I_k = g·s_k + ks·E_k·max(0, n·h_k)^q, n = g/|g|,
 *    h_k the half vector of light k and the view, q one exponent for the stack (chosen by the
 *    smallest relative residual on a sample of pixels). The dichromatic view of a glossy surface
 *    (Shafer 1985) with Blinn's (1977) lobe; fitting a parametric lobe rather than rejecting it as
 *    in Nayar, Ikeuchi & Kanade (1990), "Determining shape and reflectance of hybrid surfaces by
 *    photometric sampling", IEEE TRA 6(4), and Georghiades (2003), ICCV. A broad lobe (skin's
 *    oily film) brightens most lights, so rank rules cannot drop it: fitted, it stops pulling the
 *    normal toward the mirror direction. Started from the trimmed fit, the darkest trim_dark
 *    still dropped (cast shadows), at most 8 Gauss-Newton-like refits of (g, ks) with n frozen.
 * Correct first, fast later: no SIMD body; the working set is one pixel's m observations. */
#include <math.h>
#include <string.h>

#include "surface.h"

#define SQ_PI 3.14159265358979323846

/* Eigenvalues of a symmetric 3×3 (closed form, Smith 1961), ascending. */
void surface_eig3(const double a[3][3], double ev[3])
{
    double p1 = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    double q = (a[0][0] + a[1][1] + a[2][2]) / 3;
    if (p1 == 0) {
        ev[0] = a[0][0];
        ev[1] = a[1][1];
        ev[2] = a[2][2];
    } else {
        double p2 = (a[0][0] - q) * (a[0][0] - q) + (a[1][1] - q) * (a[1][1] - q) +
                    (a[2][2] - q) * (a[2][2] - q) + 2 * p1;
        double p = sqrt(p2 / 6);
        double b[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                b[i][j] = (a[i][j] - (i == j ? q : 0)) / p;
        double r = (b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
                    b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
                    b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0])) /
                   2;
        double phi = r <= -1 ? SQ_PI / 3 : r >= 1 ? 0 : acos(r) / 3;
        ev[2] = q + 2 * p * cos(phi);
        ev[0] = q + 2 * p * cos(phi + 2 * SQ_PI / 3);
        ev[1] = 3 * q - ev[0] - ev[2];
    }
    for (int i = 0; i < 2; i++)
        for (int j = i + 1; j < 3; j++)
            if (ev[j] < ev[i]) {
                double t = ev[i];
                ev[i] = ev[j];
                ev[j] = t;
            }
}

/* Weighted normal equations Σ w s sᵀ g = Σ w s I solved by the adjugate; 0 when singular
 * (det <= 1e-9 (trace/3)³). a receives Σ w s sᵀ. */
static int wsolve(const skinq_ps_plan *p, const float *I, const float *w, double a[3][3], double g[3])
{
    double A[6] = {0}, r[3] = {0};
    for (int k = 0; k < p->m; k++) {
        if (!(w[k] > 0))
            continue;
        const float *s = p->sl + 3 * (size_t)k;
        double wk = w[k], wi = wk * I[k];
        A[0] += wk * s[0] * s[0];
        A[1] += wk * s[0] * s[1];
        A[2] += wk * s[0] * s[2];
        A[3] += wk * s[1] * s[1];
        A[4] += wk * s[1] * s[2];
        A[5] += wk * s[2] * s[2];
        r[0] += wi * s[0];
        r[1] += wi * s[1];
        r[2] += wi * s[2];
    }
    a[0][0] = A[0];
    a[0][1] = a[1][0] = A[1];
    a[0][2] = a[2][0] = A[2];
    a[1][1] = A[3];
    a[1][2] = a[2][1] = A[4];
    a[2][2] = A[5];
    double c00 = A[3] * A[5] - A[4] * A[4], c01 = A[2] * A[4] - A[1] * A[5], c02 = A[1] * A[4] - A[2] * A[3];
    double c11 = A[0] * A[5] - A[2] * A[2], c12 = A[1] * A[2] - A[0] * A[4], c22 = A[0] * A[3] - A[1] * A[1];
    double det = A[0] * c00 + A[1] * c01 + A[2] * c02, t = (A[0] + A[3] + A[5]) / 3;
    if (!(det > 1e-9 * t * t * t))
        return 0;
    g[0] = (c00 * r[0] + c01 * r[1] + c02 * r[2]) / det;
    g[1] = (c01 * r[0] + c11 * r[1] + c12 * r[2]) / det;
    g[2] = (c02 * r[0] + c12 * r[1] + c22 * r[2]) / det;
    return 1;
}

static double resid(const skinq_ps_plan *p, const float *I, int k, const double g[3])
{
    const float *s = p->sl + 3 * (size_t)k;
    return I[k] - (s[0] * g[0] + s[1] * g[1] + s[2] * g[2]);
}

/* Order statistics: weights 1 on the lit observations between the ranks trim_dark·n and
 * (1 − trim_bright)·n of the n lit ones (at least 3 kept), 0 elsewhere. */
static void trim_weights(const skinq_ps_plan *p, const float *I, float thr, int nl, float *w, float *tmp)
{
    int nd = (int)(p->trim_dark * nl), nb = (int)(p->trim_bright * nl);
    while (nl - nd - nb < 3 && (nd > 0 || nb > 0)) {
        if (nb > 0)
            nb--;
        else
            nd--;
    }
    int n = 0;
    for (int k = 0; k < p->m; k++)
        if (I[k] > thr)
            tmp[n++] = I[k];
    float lo = skinq_select_kth(tmp, (size_t)n, (size_t)nd),
          hi = skinq_select_kth(tmp, (size_t)n, (size_t)(n - 1 - nb));
    for (int k = 0; k < p->m; k++)
        w[k] = I[k] > thr && I[k] >= lo && I[k] <= hi ? 1.0f : 0.0f;
}

/* Tukey's biweight tuning constant, in robust sigmas. 4.685 (95 % efficiency under Gaussian
 * noise) leaves the broad low part of a Blinn-Phong lobe in; 2.5 rejected it best on the
 * test scene (README table: mean error 3.2° at 4.685, 1.5° at 2.5, 1.3° at 2). */
#define TUKEY_C 2.5

/* Tukey biweight IRLS from g (updated in place while the fits stay usable); r: m floats. */
static void irls(const skinq_ps_plan *p, const float *I, float thr, float *w, float *tmp, float *r,
                 double g[3])
{
    for (int it = 0; it < 10; it++) {
        int n = 0;
        for (int k = 0; k < p->m; k++) {
            r[k] = (float)resid(p, I, k, g);
            if (I[k] > thr)
                tmp[n++] = fabsf(r[k]);
        }
        double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        /* the scale: MAD of the lit residuals, floored at 0.2 % of |g|·smax (exact data) */
        double sigma = 1.4826 * skinq_select_kth(tmp, (size_t)n, (size_t)(n / 2));
        sigma = fmax(sigma, 2e-3 * gn * p->smax);
        double c = TUKEY_C * sigma;
        for (int k = 0; k < p->m; k++) {
            double u = r[k] / c;
            w[k] = I[k] > thr && fabs(u) < 1 ? (float)((1 - u * u) * (1 - u * u)) : 0.0f;
        }
        double a[3][3], gn2[3];
        if (!wsolve(p, I, w, a, gn2))
            return;
        double d = fabs(gn2[0] - g[0]) + fabs(gn2[1] - g[1]) + fabs(gn2[2] - g[2]);
        memcpy(g, gn2, sizeof gn2);
        if (d <= 1e-5 * gn)
            break;
    }
}

/* A lobe fit that turns the normal by more than 15° from the trimmed fit it started from has
 * traded the diffuse term for the lobe (a broad lobe is nearly collinear with n·s): refused. */
#define LOBE_MAX_COS 0.96592582628906831

/* The lobe's basis for light k at normal n: E_k·max(0, n·h_k)^q where n·s_k > 0, else 0. */
static double lobe_basis(const skinq_ps_plan *p, int k, const double n[3], double q)
{
    const float *h = p->hv + 4 * (size_t)k, *s = p->sl + 3 * (size_t)k;
    double nh = n[0] * h[0] + n[1] * h[1] + n[2] * h[2];
    double nl = n[0] * s[0] + n[1] * s[1] + n[2] * s[2];
    return nh > 0 && nl > 0 ? h[3] * exp(q * log(nh)) : 0.0;
}

/* Lambertian + lobe from g (the trimmed fit, updated in place) over the observations with w > 0;
 * *ks the lobe's strength (>= 0). Each pass fixes the basis at the current normal and solves the
 * linear (g, ks) least squares; stops when g moves by < 1e-5 |g|. Returns the weighted SSE. */
static double lobe_fit(const skinq_ps_plan *p, const float *I, const float *w, double q, double g[3],
                       double *ks)
{
    double sse = 0;
    *ks = 0;
    for (int it = 0; it < 8; it++) {
        double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        if (!(gn > 0))
            break;
        double n[3] = {g[0] / gn, g[1] / gn, g[2] / gn}, a[4][4] = {{0}}, b[4] = {0}, x[4];
        for (int k = 0; k < p->m; k++) {
            if (!(w[k] > 0))
                continue;
            const float *s = p->sl + 3 * (size_t)k;
            double row[4] = {s[0], s[1], s[2], lobe_basis(p, k, n, q)};
            for (int i = 0; i < 4; i++) {
                b[i] += w[k] * row[i] * I[k];
                for (int j = 0; j < 4; j++)
                    a[i][j] += w[k] * row[i] * row[j];
            }
        }
        double gnew[3], kn;
        if (skinq_solve_small(&a[0][0], 4, b, 4, 1e-12, x) == 0 && x[3] >= 0) {
            memcpy(gnew, x, sizeof gnew);
            kn = x[3];
        } else { /* no lobe (or a negative one): plain least squares */
            double a3[3][3];
            if (!wsolve(p, I, w, a3, gnew))
                break;
            kn = 0;
        }
        double d = fabs(gnew[0] - g[0]) + fabs(gnew[1] - g[1]) + fabs(gnew[2] - g[2]);
        memcpy(g, gnew, sizeof gnew);
        *ks = kn;
        if (d <= 1e-5 * gn)
            break;
    }
    double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    double n[3] = {g[0] / gn, g[1] / gn, g[2] / gn};
    for (int k = 0; k < p->m; k++)
        if (w[k] > 0) {
            double r = resid(p, I, k, g) - *ks * lobe_basis(p, k, n, q);
            sse += w[k] * r * r;
        }
    return sse;
}

/* The lobe's observations: every lit one but the darkest trim_dark (cast shadows), the
 * brightest kept (the lobe explains them). From the trimmed weights: the kept minimum is the cut. */
static void lobe_weights(const skinq_ps_plan *p, const float *I, float thr, float *w)
{
    float lo = INFINITY;
    for (int k = 0; k < p->m; k++)
        if (w[k] > 0 && I[k] < lo)
            lo = I[k];
    for (int k = 0; k < p->m; k++)
        w[k] = I[k] > thr && I[k] >= lo ? 1.0f : 0.0f;
}

/* Confidence: Σw / m × the kept lights' conditioning relative to all lights' (<= 1). */
static float confidence(const skinq_ps_plan *p, const float *w, double a[3][3])
{
    double sw = 0;
    for (int k = 0; k < p->m; k++)
        sw += w[k];
    double ev[3];
    surface_eig3(a, ev);
    double c = ev[2] > 0 && ev[0] > 0 ? sqrt(ev[0] / ev[2]) / p->cond : 0;
    return (float)(sw / p->m * (c < 1 ? c : 1));
}

/* Codes: lit observations left out below the fit (shadows) / above it (highlights). */
static int outcome(const skinq_ps_plan *p, const float *I, float thr, const float *w, const double g[3],
                   int nl)
{
    int dark = 0, bright = 0;
    for (int k = 0; k < p->m; k++) {
        if (!(I[k] > thr) || w[k] >= 0.5f)
            continue;
        if (resid(p, I, k, g) < 0)
            dark = 1;
        else
            bright = 1;
    }
    int c = dark && bright ? SKINQ_PS_NO_BOTH
            : dark         ? SKINQ_PS_NO_DARKEST
            : bright       ? SKINQ_PS_NO_BRIGHTEST
                           : 0;
    return c | (nl < p->m ? SKINQ_PS_SHADOWED : 0);
}

/* Pixel i's m observations into I; *thr the attached-shadow level (shadow × the brightest);
 * returns how many are lit (above it). */
static int load_pixel(const skinq_ps_plan *p, const float *const *rows, size_t i, float *I, float *thr)
{
    float bmax = 0;
    for (int k = 0; k < p->m; k++) {
        I[k] = rows[k][i];
        bmax = I[k] > bmax ? I[k] : bmax;
    }
    *thr = p->shadow * bmax;
    int nl = 0;
    for (int k = 0; k < p->m; k++)
        nl += I[k] > *thr;
    return nl;
}

void surface_ps_robust_row(const skinq_ps_plan *p, const float *const *rows, size_t n, const uint8_t *region,
                           float *nx, float *ny, float *nz, float *alb, float *conf, uint8_t *code,
                           float *work)
{
    const int m = p->m;
    float *I = work, *w = work + m, *tmp = work + 2 * (size_t)m, *r = work + 3 * (size_t)m;
    for (size_t i = 0; i < n; i++) {
        double g[3] = {0, 0, 0}, a[3][3];
        int c = SKINQ_PS_INVALID, ok = 0;
        if (!region || region[i]) {
            float thr;
            int nl = load_pixel(p, rows, i, I, &thr);
            if (p->method == SKINQ_PS_LS || nl < 3) {
                /* every observation, as Woodham: the plain least-squares reference */
                for (int k = 0; k < m; k++)
                    w[k] = 1.0f;
                ok = wsolve(p, I, w, a, g);
                c = SKINQ_PS_ALL;
            } else {
                trim_weights(p, I, thr, nl, w, tmp);
                ok = wsolve(p, I, w, a, g);
                if (ok && p->method == SKINQ_PS_IRLS) {
                    irls(p, I, thr, w, tmp, r, g);
                    ok = wsolve(p, I, w, a, g);
                } else if (ok && p->method == SKINQ_PS_LOBE) {
                    double ks, gl[3];
                    double gt[3] = {g[0], g[1], g[2]};
                    float *wt = r; /* the trimmed weights, kept should the lobe be refused */
                    memcpy(wt, w, (size_t)m * sizeof *w);
                    lobe_weights(p, I, thr, w);
                    lobe_fit(p, I, w, p->lobe_p, g, &ks);
                    double dot = (g[0] * gt[0] + g[1] * gt[1] + g[2] * gt[2]) /
                                 sqrt((g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) *
                                      (gt[0] * gt[0] + gt[1] * gt[1] + gt[2] * gt[2]));
                    if (!(dot > LOBE_MAX_COS)) { /* the lobe took the normal away: keep the trimmed fit */
                        memcpy(g, gt, sizeof gt);
                        memcpy(w, wt, (size_t)m * sizeof *w);
                    }
                    ok = wsolve(p, I, w, a, gl); /* a: the kept lights' matrix, for the confidence */
                }
                if (ok)
                    c = outcome(p, I, thr, w, g, nl);
            }
        }
        double nrm = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        if (ok && nrm > p->min_albedo) {
            nx[i] = (float)(g[0] / nrm);
            ny[i] = (float)(g[1] / nrm);
            nz[i] = (float)(g[2] / nrm);
            alb[i] = (float)nrm;
            code[i] = (uint8_t)c;
            if (conf)
                conf[i] = confidence(p, w, a);
        } else {
            nx[i] = 0.0f;
            ny[i] = 0.0f;
            nz[i] = 1.0f;
            alb[i] = 0.0f;
            code[i] = SKINQ_PS_INVALID;
            if (conf)
                conf[i] = 0.0f;
        }
    }
}

double surface_ps_lobe_score(const skinq_ps_plan *p, const float *const *rows, size_t n,
                             const uint8_t *region, size_t step, float q, size_t *count, float *work)
{
    const int m = p->m;
    float *I = work, *w = work + m, *tmp = work + 2 * (size_t)m;
    double score = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i += step) {
        if (region && !region[i])
            continue;
        float thr;
        int nl = load_pixel(p, rows, i, I, &thr);
        double g[3], a[3][3], ks, sw = 0;
        if (nl < 5)
            continue;
        trim_weights(p, I, thr, nl, w, tmp);
        if (!wsolve(p, I, w, a, g))
            continue;
        lobe_weights(p, I, thr, w);
        double sse = lobe_fit(p, I, w, q, g, &ks), g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
        for (int k = 0; k < m; k++)
            sw += w[k];
        if (sqrt(g2) > p->min_albedo && sw > 0) {
            score += sse / (sw * g2);
            cnt++;
        }
    }
    *count = cnt;
    return score;
}

void surface_ps_confidence_row(const skinq_ps_plan *p, const float *const *rows, size_t n, const float *nx,
                               const float *ny, const float *nz, const float *alb, const uint8_t *code,
                               float *conf, float *work)
{
    const int m = p->m;
    float *I = work, *w = work + m;
    const double tol = p->tau > 0.05f ? p->tau : 0.05;
    for (size_t i = 0; i < n; i++) {
        if (code[i] == SKINQ_PS_INVALID) {
            conf[i] = 0.0f;
            continue;
        }
        float bmax = 0;
        for (int k = 0; k < m; k++) {
            I[k] = rows[k][i];
            bmax = I[k] > bmax ? I[k] : bmax;
        }
        const float thr = p->shadow * bmax;
        double g[3] = {alb[i] * nx[i], alb[i] * ny[i], alb[i] * nz[i]}, a[3][3];
        double lim = tol * alb[i] * p->smax;
        /* kept = the lit observations the fit explains within tol (the kernel's rule) */
        for (int k = 0; k < m; k++)
            w[k] = I[k] > thr && fabs(resid(p, I, k, g)) <= lim ? 1.0f : 0.0f;
        double gs[3];
        conf[i] = wsolve(p, I, w, a, gs) ? confidence(p, w, a) : 0.0f;
    }
}
