/* skin_invert.c -- melanin, blood and shading from a linear RGB colour by inverting a spectral
 * skin model (lib/color/README.md "The inverted spectral model"): the two-layer Kubelka–Munk skin
 * a reflectance-spectroscopy paper would invert (semi-infinite dermis, the default, chosen by its
 * worst case over phantom structures against a papillary-dermis variant that lives here too). lib/synth's
 * phantom has more physics than this (a papillary dermis over a reticular one, epidermal thickness per skin
 * type, saturation 0.75, optionally a surface reflection), so the phantom tests what a skin unlike the model
 * does to it, not the model against itself. */
#include <math.h>
#include <string.h>

#include "color/spectral.h"

/*
 * Forward model per wavelength (tables of spectral_data.c), Kubelka–Munk with K = 2·μa,
 * S = ¾·μs' (Star, Marijnissen & van Gemert, Phys Med Biol 33:437, 1988) in both layers:
 *   epidermis, a scattering layer of thickness d with melanin: K/S = 2·(m·μa,mel + (1 − m)·μa,base)/S,
 *     a = 1 + K/S, β = √(a² − 1), R1 = sinh(βSd)/D, T1 = β/D, D = a·sinh(βSd) + β·cosh(βSd);
 *   dermis, semi-infinite with blood: K/S = 2·(b·μa,blood(S0) + (1 − b)·μa,base)/S,
 *     R∞ = 1 + K/S − √((K/S)² + 2K/S);
 *   R = R1 + T1²·R∞/(1 − R1·R∞)   (Kubelka, JOSA 38:448, 1948),
 * then the camera (or CIE 1931 + D65 → sRGB) and × shading. m: epidermal melanosome volume
 * fraction, b: dermal blood volume fraction (the phantom's units). The Jacobian is analytic
 * (forward()). Unlike the absorbing filter exp(−2·d·μa,epi) it replaces, the epidermis here also
 * backscatters (R1), which is a large share of the colour (R1 ≈ 0.17 of R ≈ 0.48 at 550 nm on
 * light skin).
 * Fold: as melanin rises the epidermis's own backscatter takes over the colour and the map
 * (m, b) → (ln R/G, ln B/G) folds (its Jacobian's determinant turns negative) at m_fold(b) =
 * 0.206 at b = 0 … 0.124 at b = 0.15 (ITA −16° … −26° there; test_fold). The inverse answers
 * only on the sheet before the fold: the seed table is built from it, and a solution beyond it
 * is flagged outside (its colour has a twin on the sheet, which is what the inverse returns).
 * EPI_CM: 80 µm, a mid value of measured epidermal thickness, 60–100 µm on most body sites
 *   (Sandby-Møller, Poulsen & Wulf, Acta Derm Venereol 83:410, 2003). With a scattering
 *   epidermis d and m no longer enter only as d·m: d is a fixed model constant, the phantom's
 *   thickness differs per skin type (70/85/95 µm).
 * SAT0: 0.70. Oxygenation is not identifiable from three channels once shading is free (two
 *   chromaticities, two unknowns), so it is fixed: ~0.7 is the mixed arterial/venous saturation
 *   of the superficial dermal plexus reported by reflectance spectroscopy (Zonios, Bykowski &
 *   Kollias, J Invest Dermatol 117:1452, 2001, fit 0.6–0.8). The phantom's 0.75 differs on purpose.
 * MEL_MAX, BLOOD_MAX: the model's range, 0.25 and 0.15: dermal blood 0.2–7 % (Jacques, Phys Med
 *   Biol 58:R37, 2013) with margin; melanin up to just beyond the fold at b = 0 (0.206), which
 *   bounds it in practice (Jacques's darkest skin, 43 %, lies beyond the fold: such skin is
 *   flagged or read as its twin).
 * SHADING_MAX: 1.5. After white balance a Lambertian surface facing the light that whitened the
 *   photo reflects at most its albedo (shading 1); 1.5 allows exposure 50 % above that.
 * DARK_MIN: 0.002 linear (8-bit code ≈ 6): one code of quantisation there moves ln R/G by > 15 %.
 *
 * The dermis has two variants (skinq_dermis, spectral.h); skinq_skin_model_new() builds
 * SKINQ_DERMIS_DEFAULT, the semi-infinite one above. The papillary variant replaces R∞ by a
 * papillary dermis of fixed thickness holding b over a semi-infinite reticular dermis with a fixed
 * blood fraction: R2 = Rp + Tp²·Rr/(1 − Rp·Rr) (Rp, Tp of a finite layer as the epidermis's).
 * It was measured against the default on three phantom dermis structures and lost on the worst
 * case (lib/color/README.md "Choosing the dermis by robustness"); test_skin_invert builds it.
 * PAP_CM: 180 µm, Meglinski & Matcher's papillary dermis (100 µm) plus upper blood net dermis
 *   (80 µm) (Physiol Meas 23:741, 2002), the layers the superficial plexus lies in.
 * RET_BLOOD: 0.002, the reticular dermis's blood: the low end of the 0.2–7 % dermal blood
 *   fraction (Jacques, Phys Med Biol 58:R37, 2013), as in his generic skin (Jacques, "Skin
 *   optics", OMLC News 1998: dermal blood 0.2 %). Both deliberately not the phantom's (200 µm,
 *   0.0025). The variant's colour map folds twice (test_fold_papillary): at high melanin as the
 *   default's (m_fold 0.192 at b = 0.01 … 0.151 at b = 0.15), and at nearly bloodless papillary
 *   dermis (b < 0.0035 at m = 0, < 0.0011 at m = 0.02, none from m ≈ 0.03), where less papillary
 *   blood lets the bloodier reticular dermis show and the colour turns back.
 */
#define EPI_CM 80e-4
#define SAT0 0.70
#define PAP_CM 180e-4
#define RET_BLOOD 0.002
#define MEL_MAX 0.25
#define BLOOD_MAX 0.15
#define SHADING_MAX 1.5
#define DARK_MIN 0.002
#define NODES 24    /* forward grid per axis (seeds for the inverse table), quadratic spacing */
#define CELLS 64    /* inverse table per chromaticity axis */
#define MAX_ITER 30 /* Newton steps */
#define TOL 1e-20   /* chromaticity residual, squared */

struct skinq_skin_model {
    double w[SPEC_N][3];                 /* reflectance → linear RGB, per wavelength */
    double sd[SPEC_N];                   /* S·d of the epidermis */
    double ke0[SPEC_N], dke[SPEC_N];     /* epidermal K/S at m = 0 and its change per unit m */
    double k0[SPEC_N], dk[SPEC_N];       /* (papillary) dermal K/S at b = 0 and its change per unit b */
    double pd[SPEC_N];                   /* S·d of the papillary dermis; 0: one semi-infinite dermis */
    double rr[SPEC_N];                   /* R∞ of the reticular dermis below it */
    double mmin, bmin;                   /* the least m, b where every K/S > 0 */
    double u0, v0, du, dv;               /* the table's chromaticity origin and steps */
    float seed[CELLS + 1][CELLS + 1][2]; /* (m, b) at the table's nodes, NaN outside */
    skinq_allocator alloc;
};

/* A finite Kubelka–Munk layer of optical thickness sd = S·d and K/S ks: its R, T and their
 * derivatives in ks. */
static void km_finite(double ks, double sd, double *r, double *t, double *dr, double *dt)
{
    double a = 1 + ks, bb = sqrt(ks * ks + 2 * ks);
    double x = bb * sd, ex = exp(x), exi = 1 / ex, sh = 0.5 * (ex - exi), ch = 0.5 * (ex + exi);
    double den = a * sh + bb * ch;
    double dbb = a / bb, dx = dbb * sd; /* d/d(K/S) of β and of β·S·d */
    double dden = sh + a * ch * dx + dbb * ch + bb * sh * dx;
    *r = sh / den, *t = bb / den;
    *dr = (ch * dx * den - sh * dden) / (den * den), *dt = (dbb * den - bb * dden) / (den * den);
}

/* The dermis's reflectance under the epidermis at wavelength i and its derivative in b: R∞ of
 * one semi-infinite dermis, or the papillary layer (Rp, Tp) over the reticular R∞ (rr),
 * R2 = Rp + Tp²·rr/(1 − Rp·rr). */
static double dermis(const skinq_skin_model *s, int i, double b, double *dr2)
{
    double ks = s->k0[i] + b * s->dk[i];
    if (!(s->pd[i] > 0)) {
        double q = sqrt(ks * ks + 2 * ks);
        *dr2 = (1 - (ks + 1) / q) * s->dk[i];
        return 1 + ks - q;
    }
    double rp, tp, drp, dtp, rr = s->rr[i];
    km_finite(ks, s->pd[i], &rp, &tp, &drp, &dtp);
    double g = 1 / (1 - rp * rr);
    *dr2 = (drp * (1 + tp * tp * rr * rr * g * g) + 2 * tp * dtp * rr * g) * s->dk[i];
    return rp + tp * tp * rr * g;
}

/* Linear RGB and its derivatives in m and b: per wavelength the epidermis's R1, T1 (a finite
 * Kubelka–Munk layer) and their derivatives in its K/S, the dermis's reflectance and its
 * derivative in b, then R = R1 + T1²·R2/(1 − R1·R2) differentiated by the chain rule. */
static void forward(const skinq_skin_model *s, double m, double b, double rgb[3], double dm[3], double db[3])
{
    for (int c = 0; c < 3; c++)
        rgb[c] = dm[c] = db[c] = 0;
    for (int i = 0; i < SPEC_N; i++) {
        double r1, t1, dr1, dt1, dr2;
        km_finite(s->ke0[i] + m * s->dke[i], s->sd[i], &r1, &t1, &dr1, &dt1);
        double r2 = dermis(s, i, b, &dr2);
        double g = 1 / (1 - r1 * r2), t2g = t1 * t1 * g;
        double r = r1 + t2g * r2;
        double r_r1 = 1 + t2g * g * r2 * r2, r_t1 = 2 * t1 * r2 * g, r_r2 = t2g * g;
        double r_m = (r_r1 * dr1 + r_t1 * dt1) * s->dke[i], r_b = r_r2 * dr2;
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

/* Chromaticity (ln R/G, ln B/G) at (m, b) into f, its Jacobian's determinant (the fold test:
 * > 0 on the invertible sheet, README "fold analysis") returned, the Jacobian into j; NaN where
 * the model is undefined (K/S < 0) or a channel is not positive. */
static double chroma(const skinq_skin_model *s, double m, double b, double f[2], double j[2][2], double p[3])
{
    double dm[3], db[3];
    forward(s, m, b, p, dm, db);
    if (!(p[0] > 0 && p[1] > 0 && p[2] > 0))
        return NAN;
    f[0] = log(p[0] / p[1]), f[1] = log(p[2] / p[1]);
    j[0][0] = dm[0] / p[0] - dm[1] / p[1], j[0][1] = db[0] / p[0] - db[1] / p[1];
    j[1][0] = dm[2] / p[2] - dm[1] / p[1], j[1][1] = db[2] / p[2] - db[1] / p[1];
    return j[0][0] * j[1][1] - j[0][1] * j[1][0];
}

/* Newton on (ln R/G, ln B/G) = (u, v) from (m, b): 1 when converged on the fold-free sheet,
 * −1 when converged beyond the fold, 0 when not converged; the model's G there into *g. */
static int newton(const skinq_skin_model *s, double u, double v, double *pm, double *pb, double *g,
                  int *iters)
{
    double m = *pm, b = *pb;
    for (int k = 0; k < MAX_ITER; k++) {
        double f[2], j[2][2], p[3];
        if (b < -1 || m < -1 || m > 2 || b > 1)
            break; /* far off the model's range */
        double det = chroma(s, m, b, f, j, p);
        *iters = k + 1;
        if (!(fabs(det) > 1e-300))
            break;
        double fu = f[0] - u, fv = f[1] - v;
        if (fu * fu + fv * fv < TOL) {
            *pm = m, *pb = b, *g = p[1];
            return det > 0 ? 1 : -1;
        }
        double sm = (j[1][1] * fu - j[0][1] * fv) / det, sb = (j[0][0] * fv - j[1][0] * fu) / det;
        double damp = fmax(1, fmax(fabs(sm) / 0.1, fabs(sb) / 0.03)); /* keep steps local */
        m -= sm / damp;
        b -= sb / damp;
        if (b <= s->bmin) /* K/S would turn negative: halve the way to that edge instead */
            b = 0.5 * (b + sb / damp + s->bmin);
        if (m <= s->mmin)
            m = 0.5 * (m + sm / damp + s->mmin);
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
            double jac[2][2], p[3], det = chroma(s, node(j, MEL_MAX), node(k, BLOOD_MAX), fw[j][k], jac, p);
            if (isnan(det))
                continue;
            umin = fmin(umin, fw[j][k][0]), umax = fmax(umax, fw[j][k][0]); /* the fold's edge included */
            vmin = fmin(vmin, fw[j][k][1]), vmax = fmax(vmax, fw[j][k][1]);
            if (!(det > 0))
                fw[j][k][0] = fw[j][k][1] = NAN; /* beyond the fold: no seed from here */
        }
    double pu = 0.03 * (umax - umin), pv = 0.03 * (vmax - vmin); /* the image bulges between nodes */
    umin -= pu, umax += pu, vmin -= pv, vmax += pv;
    s->u0 = umin, s->v0 = vmin, s->du = (umax - umin) / CELLS, s->dv = (vmax - vmin) / CELLS;
    for (int a = 0; a <= CELLS; a++)
        for (int c = 0; c <= CELLS; c++) {
            double u = s->u0 + a * s->du, v = s->v0 + c * s->dv, best = INFINITY, m = 0, b = 0;
            for (int j = 0; j < NODES; j++)
                for (int k = 0; k < NODES; k++) {
                    double d = (fw[j][k][0] - u) * (fw[j][k][0] - u) + (fw[j][k][1] - v) * (fw[j][k][1] - v);
                    if (d < best) /* false for the NaN nodes beyond the fold */
                        best = d, m = node(j, MEL_MAX), b = node(k, BLOOD_MAX);
                }
            int it;
            double g;
            int ok = newton(s, u, v, &m, &b, &g, &it) == 1 && m > -0.05 && m < MEL_MAX + 0.05 && b > -0.02 &&
                     b < BLOOD_MAX + 0.02; /* a margin so lookups near the range's edge interpolate */
            s->seed[a][c][0] = ok ? (float)m : NAN;
            s->seed[a][c][1] = ok ? (float)b : NAN;
        }
}

skinq_status skinq_skin_model_build(skinq_ctx *ctx, const skinq_camera *cam, skinq_dermis dermis,
                                    skinq_skin_model **out)
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
        s->sd[i] = S * EPI_CM;
        s->ke0[i] = 2 * base / S;
        s->dke[i] = 2 * (skinq_spec_mua_melanin(i) - base) / S;
        s->k0[i] = 2 * base / S;
        s->dk[i] = 2 * (skinq_spec_mua_blood(i, SAT0) - base) / S;
        if (dermis == SKINQ_DERMIS_PAPILLARY) {
            double kr = 2 * (RET_BLOOD * skinq_spec_mua_blood(i, SAT0) + (1 - RET_BLOOD) * base) / S;
            s->pd[i] = S * PAP_CM;
            s->rr[i] = 1 + kr - sqrt(kr * kr + 2 * kr);
        }
    }
    s->mmin = s->bmin = -INFINITY;
    for (int i = 0; i < SPEC_N; i++) {
        if (s->dk[i] > 0)
            s->bmin = fmax(s->bmin, -s->k0[i] / s->dk[i]);
        if (s->dke[i] > 0)
            s->mmin = fmax(s->mmin, -s->ke0[i] / s->dke[i]);
    }
    build_table(s);
    *out = s;
    return SKINQ_OK;
}

skinq_status skinq_skin_model_new(skinq_ctx *ctx, const skinq_camera *cam, skinq_skin_model **out)
{
    return skinq_skin_model_build(ctx, cam, SKINQ_DERMIS_DEFAULT, out);
}

void skinq_skin_model_free(skinq_skin_model **ps)
{
    if (!ps || !*ps)
        return;
    skinq_allocator a = (*ps)->alloc;
    skinq_free_raw(&a, *ps);
    *ps = NULL;
}

/* Bilinear seed from the table; at the edge of the sheet's image (cells whose nodes all lie off
 * it, near the fold) the nearest solved node within SEARCH cells; 0 when the colour is off the
 * table or no node near it has a solution. */
#define SEARCH 2
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
    if (sw > 0) {
        *m = sm / sw, *b = sb / sw;
        return 1;
    }
    double best = INFINITY;
    for (int i = a - SEARCH; i <= a + 1 + SEARCH; i++)
        for (int j = c - SEARCH; j <= c + 1 + SEARCH; j++) {
            if (i < 0 || j < 0 || i > CELLS || j > CELLS || isnan(s->seed[i][j][0]))
                continue;
            double d = (i - x) * (i - x) + (j - y) * (j - y);
            if (d < best)
                best = d, *m = s->seed[i][j][0], *b = s->seed[i][j][1];
        }
    return best < INFINITY;
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
    double g;
    int sheet = newton(s, u, v, &m, &b, &g, &fit->iterations);
    if (!sheet)
        return fit->status = SKINQ_SKIN_NO_CONVERGENCE;
    fit->melanin = m, fit->blood = b, fit->shading = rgb[1] / g;
    if (sheet < 0 || m < 0 || m > MEL_MAX || b < 0 || b > BLOOD_MAX)
        return fit->status = SKINQ_SKIN_OUTSIDE; /* beyond the fold: another (m, b) has this colour */
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
           "two-layer Kubelka-Munk, K = 2 mua, S = 0.75 mus'; a scattering epidermis d = 80 um with "
           "mua = m mua_mel + (1-m) mua_base (R1, T1 of a finite layer) over a semi-infinite dermis with "
           "mua = b mua_blood(0.70) + (1-b) mua_base (Rinf = 1 + K/S - sqrt((K/S)^2 + 2K/S)), "
           "R = R1 + T1^2 Rinf / (1 - R1 Rinf); m = epidermal melanosome volume fraction (0..0.25, and "
           "before the fold of the colour map: 0.21 at b = 0 to 0.12 at b = 0.15, beyond it flagged), "
           "b = dermal blood volume fraction (0..0.15), oxygen saturation fixed at 0.70 (not identifiable "
           "from three channels); rendered through the camera's sensitivities (or CIE 1931 2deg + D65 -> "
           "linear sRGB) times shading; (m, b) solved by Newton on (ln R/G, ln B/G), shading = G / model G. "
           "Tables: CIE 15:2004, Prahl (omlc.org) hemoglobin, Jacques Phys Med Biol 58:R37 (2013) melanin, "
           "baseline and scattering; Kubelka JOSA 38:448 (1948). The semi-infinite dermis was chosen over a "
           "papillary-dermis model (180 um over a reticular dermis with 0.002 blood) by the worst case over "
           "three phantom dermis structures (lib/color/README.md); the dermal structure is not identifiable "
           "from three channels and its mismatch biases blood's time course (healing tau read 2.3-2.9 days "
           "for 3 on the phantoms)";
}
