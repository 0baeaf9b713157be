/* skin_invert.c -- melanin, blood and shading from a linear RGB colour by inverting a spectral
 * skin model (lib/color/README.md "Inverting the spectral skin model"). The model is deliberately
 * simpler than lib/synth's phantom (no epidermal scattering, a fixed oxygen saturation), so the
 * phantom tests what a real skin does to it, not the model against itself. */
#include <math.h>
#include <string.h>

#include "color/spectral.h"

/*
 * Forward model per wavelength (tables of spectral_data.c):
 *   R(λ) = exp(−2·d·μa,epi) · R∞(K/S),  μa,epi = m·μa,mel + (1 − m)·μa,base,
 *   R∞ = 1 + K/S − √((K/S)² + 2K/S),    K = 2·(b·μa,blood(S0) + (1 − b)·μa,base),  S = ¾·μs',
 * then the camera (or CIE 1931 + D65 → sRGB) and × shading. m: epidermal melanosome volume
 * fraction, b: dermal blood volume fraction (the phantom's units).
 * EPI_CM: 80 µm, a mid value of measured epidermal thickness, 60–100 µm on most body sites
 *   (Sandby-Møller, Poulsen & Wulf, Acta Derm Venereol 83:410, 2003); only d·m enters the
 *   melanin term, so d fixes melanin's unit, and it is the phantom's default so the units agree.
 * SAT0: 0.70. Oxygenation is not identifiable from three channels once shading is free (two
 *   chromaticities, two unknowns), so it is fixed: ~0.7 is the mixed arterial/venous saturation
 *   of the superficial dermal plexus reported by reflectance spectroscopy (Zonios, Bykowski &
 *   Kollias, J Invest Dermatol 117:1452, 2001, fit 0.6–0.8). The phantom's 0.75 differs on purpose.
 * MEL_MAX, BLOOD_MAX: the model's range, 0.5 and 0.15: melanosome fraction 1–43 % from light to
 *   darkly pigmented, dermal blood 0.2–7 % (Jacques, Phys Med Biol 58:R37, 2013), with margin.
 * SHADING_MAX: 1.5. After white balance a Lambertian surface facing the light that whitened the
 *   photo reflects at most its albedo (shading 1); 1.5 allows exposure 50 % above that.
 * DARK_MIN: 0.002 linear (8-bit code ≈ 6): one code of quantisation there moves ln R/G by > 15 %.
 */
#define EPI_CM 80e-4
#define SAT0 0.70
#define MEL_MAX 0.5
#define BLOOD_MAX 0.15
#define SHADING_MAX 1.5
#define DARK_MIN 0.002
#define NODES 24    /* forward grid per axis (seeds for the inverse table), quadratic spacing */
#define CELLS 64    /* inverse table per chromaticity axis */
#define MAX_ITER 30 /* Newton steps */
#define TOL 1e-20   /* chromaticity residual, squared */

struct skinq_skin_model {
    double w[SPEC_N][3];                 /* reflectance → linear RGB, per wavelength */
    double e0[SPEC_N], de[SPEC_N];       /* μa,base and μa,mel − μa,base, × −2·d */
    double k0[SPEC_N], dk[SPEC_N];       /* K/S at b = 0 and its change per unit b */
    double bmin;                         /* the least b where every K/S > 0 */
    double u0, v0, du, dv;               /* the table's chromaticity origin and steps */
    float seed[CELLS + 1][CELLS + 1][2]; /* (m, b) at the table's nodes, NaN outside */
    skinq_allocator alloc;
};

/* Linear RGB and its derivatives in m and b. */
static void forward(const skinq_skin_model *s, double m, double b, double rgb[3], double dm[3], double db[3])
{
    for (int c = 0; c < 3; c++)
        rgb[c] = dm[c] = db[c] = 0;
    for (int i = 0; i < SPEC_N; i++) {
        double t = exp(s->e0[i] + m * s->de[i]), ks = s->k0[i] + b * s->dk[i];
        double q = sqrt(ks * ks + 2 * ks), rinf = 1 + ks - q;
        double r = t * rinf, r_m = s->de[i] * r, r_b = t * (1 - (ks + 1) / q) * s->dk[i];
        for (int c = 0; c < 3; c++) {
            rgb[c] += s->w[i][c] * r;
            dm[c] += s->w[i][c] * r_m;
            db[c] += s->w[i][c] * r_b;
        }
    }
}

void skinq_skin_model_rgb(const skinq_skin_model *s, double melanin, double blood, double rgb[3])
{
    double dm[3], db[3];
    forward(s, melanin, blood, rgb, dm, db);
}

/* Newton on (ln R/G, ln B/G) = (u, v) from (m, b); 1 when converged. */
static int newton(const skinq_skin_model *s, double u, double v, double *pm, double *pb, int *iters)
{
    double m = *pm, b = *pb;
    for (int k = 0; k < MAX_ITER; k++) {
        double p[3], dm[3], db[3];
        if (b < -1 || m < -1 || m > 2 || b > 1)
            break;                   /* far off the model's range */
        forward(s, m, b, p, dm, db); /* NaN where K/S < 0 */
        *iters = k + 1;
        if (!(p[0] > 0 && p[1] > 0 && p[2] > 0))
            break;
        double fu = log(p[0] / p[1]) - u, fv = log(p[2] / p[1]) - v;
        if (fu * fu + fv * fv < TOL) {
            *pm = m, *pb = b;
            return 1;
        }
        double a11 = dm[0] / p[0] - dm[1] / p[1], a12 = db[0] / p[0] - db[1] / p[1];
        double a21 = dm[2] / p[2] - dm[1] / p[1], a22 = db[2] / p[2] - db[1] / p[1];
        double det = a11 * a22 - a12 * a21;
        if (!(fabs(det) > 1e-300))
            break;
        double sm = (a22 * fu - a12 * fv) / det, sb = (a11 * fv - a21 * fu) / det;
        double damp = fmax(1, fmax(fabs(sm) / 0.1, fabs(sb) / 0.03)); /* keep steps local */
        m -= sm / damp;
        b -= sb / damp;
        if (b <= s->bmin) /* K/S would turn negative: halve the way to that edge instead */
            b = 0.5 * (b + sb / damp + s->bmin);
    }
    *pm = m, *pb = b;
    return 0;
}

static double node(int j, double max)
{
    return max * (double)j * j / ((NODES - 1) * (NODES - 1));
}

/* The inverse table: each chromaticity node solved from the nearest forward-grid node. */
static void build_table(skinq_skin_model *s)
{
    double fw[NODES][NODES][2], umin = 1e9, umax = -1e9, vmin = 1e9, vmax = -1e9;
    for (int j = 0; j < NODES; j++)
        for (int k = 0; k < NODES; k++) {
            double p[3];
            skinq_skin_model_rgb(s, node(j, MEL_MAX), node(k, BLOOD_MAX), p);
            fw[j][k][0] = log(p[0] / p[1]), fw[j][k][1] = log(p[2] / p[1]);
            umin = fmin(umin, fw[j][k][0]), umax = fmax(umax, fw[j][k][0]);
            vmin = fmin(vmin, fw[j][k][1]), vmax = fmax(vmax, fw[j][k][1]);
        }
    s->u0 = umin, s->v0 = vmin, s->du = (umax - umin) / CELLS, s->dv = (vmax - vmin) / CELLS;
    for (int a = 0; a <= CELLS; a++)
        for (int c = 0; c <= CELLS; c++) {
            double u = s->u0 + a * s->du, v = s->v0 + c * s->dv, best = INFINITY, m = 0, b = 0;
            for (int j = 0; j < NODES; j++)
                for (int k = 0; k < NODES; k++) {
                    double d = (fw[j][k][0] - u) * (fw[j][k][0] - u) + (fw[j][k][1] - v) * (fw[j][k][1] - v);
                    if (d < best)
                        best = d, m = node(j, MEL_MAX), b = node(k, BLOOD_MAX);
                }
            int it;
            int ok = newton(s, u, v, &m, &b, &it) && m > -0.05 && m < MEL_MAX + 0.05 && b > -0.02 &&
                     b < BLOOD_MAX + 0.02; /* a margin so lookups near the range's edge interpolate */
            s->seed[a][c][0] = ok ? (float)m : NAN;
            s->seed[a][c][1] = ok ? (float)b : NAN;
        }
}

skinq_status skinq_skin_model_new(skinq_ctx *ctx, const skinq_camera *cam, skinq_skin_model **out)
{
    if (!out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_skin_model_new: NULL argument");
    skinq_skin_model *s = skinq_calloc(ctx, 1, sizeof *s);
    if (!s)
        return SKINQ_E_NOMEM;
    s->alloc = ctx->alloc;
    for (int i = 0; i < SPEC_N; i++) { /* the path is linear: its response to each wavelength */
        double e[SPEC_N] = {0};
        e[i] = 1;
        skinq_spectrum_rgb(cam, e, s->w[i]);
        double base = skinq_spec_mua_baseline(i), S = 0.75 * skinq_spec_musp(i);
        s->e0[i] = -2 * EPI_CM * base;
        s->de[i] = -2 * EPI_CM * (skinq_spec_mua_melanin(i) - base);
        s->k0[i] = 2 * base / S;
        s->dk[i] = 2 * (skinq_spec_mua_blood(i, SAT0) - base) / S;
    }
    s->bmin = -INFINITY;
    for (int i = 0; i < SPEC_N; i++)
        if (s->dk[i] > 0)
            s->bmin = fmax(s->bmin, -s->k0[i] / s->dk[i]);
    build_table(s);
    *out = s;
    return SKINQ_OK;
}

void skinq_skin_model_free(skinq_skin_model **ps)
{
    if (!ps || !*ps)
        return;
    skinq_allocator a = (*ps)->alloc;
    skinq_free_raw(&a, *ps);
    *ps = NULL;
}

/* Bilinear seed from the table; 0 when the colour is off the table or its cell has no solution. */
static int table_seed(const skinq_skin_model *s, double u, double v, double *m, double *b)
{
    double x = (u - s->u0) / s->du, y = (v - s->v0) / s->dv;
    if (!(x >= 0 && x <= CELLS && y >= 0 && y <= CELLS))
        return 0;
    int a = x >= CELLS ? CELLS - 1 : (int)x, c = y >= CELLS ? CELLS - 1 : (int)y;
    double fx = x - a, fy = y - c, w[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    const float *n[4] = {s->seed[a][c], s->seed[a + 1][c], s->seed[a][c + 1], s->seed[a + 1][c + 1]};
    double sm = 0, sb = 0, sw = 0;
    for (int k = 0; k < 4; k++)
        if (!isnan(n[k][0]))
            sm += w[k] * n[k][0], sb += w[k] * n[k][1], sw += w[k];
    if (!(sw > 0))
        return 0;
    *m = sm / sw, *b = sb / sw;
    return 1;
}

skinq_skin_status skinq_skin_invert(const skinq_skin_model *s, const double rgb[3], skinq_skin_fit *fit)
{
    memset(fit, 0, sizeof *fit);
    fit->melanin = fit->blood = fit->shading = NAN;
    if (!(rgb[0] >= DARK_MIN && rgb[1] >= DARK_MIN && rgb[2] >= DARK_MIN) ||
        !isfinite(rgb[0] + rgb[1] + rgb[2]))
        return fit->status = SKINQ_SKIN_DARK;
    double u = log(rgb[0] / rgb[1]), v = log(rgb[2] / rgb[1]), m, b;
    if (!table_seed(s, u, v, &m, &b))
        return fit->status = SKINQ_SKIN_OUTSIDE;
    if (!newton(s, u, v, &m, &b, &fit->iterations))
        return fit->status = SKINQ_SKIN_NO_CONVERGENCE;
    double p[3];
    skinq_skin_model_rgb(s, m, b, p);
    fit->melanin = m, fit->blood = b, fit->shading = rgb[1] / p[1];
    if (m < 0 || m > MEL_MAX || b < 0 || b > BLOOD_MAX)
        return fit->status = SKINQ_SKIN_OUTSIDE;
    if (fit->shading > SHADING_MAX)
        return fit->status = SKINQ_SKIN_TOO_BRIGHT;
    return fit->status = SKINQ_SKIN_OK;
}

const char *skinq_skin_status_name(skinq_skin_status st)
{
    switch (st) {
    case SKINQ_SKIN_OK: return "ok";
    case SKINQ_SKIN_DARK: return "too dark";
    case SKINQ_SKIN_OUTSIDE: return "outside the skin model";
    case SKINQ_SKIN_NO_CONVERGENCE: return "no convergence";
    case SKINQ_SKIN_TOO_BRIGHT: return "brighter than the skin can be";
    }
    return "unknown";
}

const char *skinq_skin_model_formula(void)
{
    return "spectral skin model inverted per colour (lib/color/skin_invert.c), 400-700 nm every 10 nm: "
           "R(l) = exp(-2 d (m mua_mel + (1-m) mua_base)) * Rinf, Rinf = 1 + K/S - sqrt((K/S)^2 + 2K/S), "
           "K = 2 (b mua_blood(0.70) + (1-b) mua_base), S = 0.75 mus'; d = 80 um; m = epidermal melanosome "
           "volume fraction (0..0.5), b = dermal blood volume fraction (0..0.15), oxygen saturation fixed at "
           "0.70 (not identifiable from three channels); rendered through the camera's sensitivities (or CIE "
           "1931 2deg + D65 -> linear sRGB) times shading; (m, b) solved by Newton on (ln R/G, ln B/G), "
           "shading = "
           "G / model G. Tables: CIE 15:2004, Prahl (omlc.org) hemoglobin, Jacques Phys Med Biol 58:R37 "
           "(2013) "
           "melanin, baseline and scattering";
}
