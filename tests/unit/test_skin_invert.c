/* test_skin_invert.c -- the inversion of the spectral skin model (lib/color/skin_invert.c): its
 * round trip, out-of-model colours, and its cross-talk on lib/synth's spectral-skin phantom, which
 * has more physics than the model inverted (lib/color/README.md, "the inverted spectral model"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "color/spectral.h"
#include "color/srgb.h"
#include "synth/synth.h"
#include "test_util.h"

/* ------------------------------------------------------------ the model itself */

/* Chromaticity (ln R/G, ln B/G) of the model and its Jacobian in (m, b) by central differences
 * through the public forward model (independent of skin_invert.c's analytic derivatives). */
static double chroma_det(const skinq_skin_model *s, double m, double b)
{
    double J[2][2], h[2] = {1e-6, 1e-6};
    for (int k = 0; k < 2; k++) {
        double p[3], q[3];
        skinq_skin_model_rgb(s, m + (k == 0) * h[0], b + (k == 1) * h[1], p);
        skinq_skin_model_rgb(s, m - (k == 0) * h[0], b - (k == 1) * h[1], q);
        J[0][k] = (log(p[0] / p[1]) - log(q[0] / q[1])) / (2 * h[k]);
        J[1][k] = (log(p[2] / p[1]) - log(q[2] / q[1])) / (2 * h[k]);
    }
    return J[0][0] * J[1][1] - J[0][1] * J[1][0];
}

/* Round trip over the model's range on the sheet of dermis variant v (the default's through the
 * public constructor). */
static void round_trip(skinq_dermis v)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    if (v == SKINQ_DERMIS_DEFAULT)
        assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    else
        assert_int_equal(skinq_skin_model_build(ctx, NULL, v, &s), SKINQ_OK);
    double worst = 0;
    int max_iter = 0;
    for (double m = 0.005; m <= 0.25; m += 0.0117)
        for (double b = 0.001; b <= 0.14; b += 0.0093)
            for (double sh = 0.4; sh <= 1.3; sh += 0.45) {
                double rgb[3];
                if (!(chroma_det(s, m, b) > 0))
                    continue; /* beyond the fold (test_fold) */
                skinq_skin_model_rgb(s, m, b, rgb);
                for (int c = 0; c < 3; c++)
                    rgb[c] *= sh;
                skinq_skin_fit f;
                if (rgb[2] < 0.002)
                    continue; /* darkest melanin at low shading: flagged dark, by design */
                skinq_skin_status st = skinq_skin_invert(s, rgb, &f);
                if (st != SKINQ_SKIN_OK)
                    fail_msg("m %g b %g shading %g: %s (m %g b %g, det %g)", m, b, sh,
                             skinq_skin_status_name(st), f.melanin, f.blood, chroma_det(s, m, b));
                worst = fmax(worst, fmax(fabs(f.melanin - m), fabs(f.blood - b)));
                worst = fmax(worst, fabs(f.shading / sh - 1));
                max_iter = f.iterations > max_iter ? f.iterations : max_iter;
            }
    printf("round trip (dermis variant %d): worst error %.2e, at most %d Newton steps\n", (int)v, worst,
           max_iter);
    assert_true(worst < 1e-6);
    skinq_skin_model_free(&s);
    assert_null(s);
    skinq_skin_model_free(&s); /* NULL-safe */
    skinq_ctx_close(&ctx);
}

static void test_round_trip(void **state)
{
    (void)state;
    round_trip(SKINQ_DERMIS_SEMI_INFINITE);
    round_trip(SKINQ_DERMIS_PAPILLARY);
}

static void test_out_of_model(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    static const struct {
        double rgb[3];
        skinq_skin_status want;
    } cases[] = {
        {{0.18, 0.18, 0.18}, SKINQ_SKIN_OUTSIDE},   /* grey card */
        {{1, 1, 1}, SKINQ_SKIN_OUTSIDE},            /* a specular highlight */
        {{0.02, 0.05, 0.6}, SKINQ_SKIN_OUTSIDE},    /* saturated blue (ink, fabric) */
        {{0.3, 0.02, 0.02}, SKINQ_SKIN_OUTSIDE},    /* saturated red paint */
        {{0.05, 0.09, 0.02}, SKINQ_SKIN_OUTSIDE},   /* foliage green */
        {{0.001, 0.0008, 0.0007}, SKINQ_SKIN_DARK}, /* near-black (pupil, dark hair) */
        {{0.5, 0.3, NAN}, SKINQ_SKIN_DARK},         /* not a colour */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        skinq_skin_fit f;
        skinq_skin_status st = skinq_skin_invert(s, cases[k].rgb, &f);
        if (st != cases[k].want)
            fail_msg("case %zu: %s, wanted %s (m %g b %g shading %g)", k, skinq_skin_status_name(st),
                     skinq_skin_status_name(cases[k].want), f.melanin, f.blood, f.shading);
        assert_int_equal(f.status, st);
    }
    /* skin's own chromaticity far brighter than the white balance allows */
    double rgb[3];
    skinq_skin_model_rgb(s, 0.15, 0.02, rgb);
    for (int c = 0; c < 3; c++)
        rgb[c] *= 2;
    skinq_skin_fit f;
    assert_int_equal(skinq_skin_invert(s, rgb, &f), SKINQ_SKIN_TOO_BRIGHT);
    assert_near(f.melanin, 0.15, 1e-9);
    assert_near(f.shading, 2, 1e-9);
    assert_string_equal(skinq_skin_status_name(SKINQ_SKIN_OK), "ok");
    assert_non_null(strstr(skinq_skin_model_formula(), "0.70"));
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

/* Fold analysis (lib/color/README.md): where the map (m, b) → chromaticity folds, two (m, b)
 * give one colour. The Jacobian's determinant is > 0 from melanin 0 up to a fold m_fold(b) that
 * falls as blood rises; the inverse answers only on that sheet and flags colours whose solution
 * lies beyond it (outside). Printed: m_fold and the ITA there, for a few blood fractions. */
static void test_fold(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    double fold_min = INFINITY;
    for (double b = 0; b <= 0.15 + 1e-9; b += 0.005) {
        double m = 0;
        while (m < 1 && chroma_det(s, m, b) > 0)
            m += 0.001;
        fold_min = fmin(fold_min, m);
        if (fmod(b + 1e-9, 0.025) < 0.004) {
            double rgb[3], lab[3];
            skinq_skin_model_rgb(s, m, b, rgb);
            skinq_cc_linear_to_lab(rgb, lab);
            printf("fold at blood %.3f: melanin %.3f, ITA %.1f deg\n", b, m,
                   atan2(lab[0] - 50, lab[2]) * 180 / 3.14159265358979323846);
        }
        if (b <= 0.0101) /* at baseline blood the sheet reaches ITA < -15 deg (darker than ITA -3) */
            assert_true(m > 0.18);
    }
    assert_true(fold_min > 0.12); /* every blood fraction of the range, melanin up to 0.12 */
    /* colours beyond the fold: never answered "ok" with a solution beyond it */
    int outside = 0, twins = 0;
    for (double m = 0.13; m <= 0.25; m += 0.01)
        for (double b = 0.005; b <= 0.15; b += 0.01) {
            if (chroma_det(s, m, b) > 0)
                continue;
            double rgb[3];
            skinq_skin_model_rgb(s, m, b, rgb);
            skinq_skin_fit f;
            skinq_skin_status st = skinq_skin_invert(s, rgb, &f);
            outside += st != SKINQ_SKIN_OK;
            if (st == SKINQ_SKIN_OK) { /* its twin on the sheet */
                assert_true(chroma_det(s, f.melanin, f.blood) > 0);
                twins++;
            }
        }
    printf("beyond the fold: %d colours flagged, %d answered by their twin on the sheet\n", outside, twins);
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

/* The model is one allocation: failing the next one is SKINQ_E_NOMEM with nothing left over. */
static void test_oom(void **state)
{
    (void)state;
    tu_fail_alloc fa;
    skinq_ctx *ctx = tu_fail_ctx(&fa, 1 << 30, 1);
    assert_non_null(ctx);
    int live = fa.live;
    fa.fail_at = fa.count + 1;
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_E_NOMEM);
    assert_null(s);
    assert_int_equal(fa.live, live);
    fa.fail_at = 1 << 30;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    assert_int_equal(fa.live, live + 1);
    skinq_skin_model_free(&s);
    assert_int_equal(skinq_skin_model_new(ctx, NULL, NULL), SKINQ_E_INVALID);
    skinq_ctx_close(&ctx);
    assert_int_equal(fa.live, 0);
}

/* ------------------------------------------------------------ on the phantom */

typedef struct readout {
    skinq_skin_fit f;
    double blood_true;
    const char *type, *series;
} readout;

/* The phantom's patches (`skinq synth --kind spectral-skin [--camera]`), each patch's centre
 * pixel decoded from the 16-bit PNG and inverted. Returns the number of patches. */
static int read_phantom(skinq_ctx *ctx, const char *name, const char *camera, double surface,
                        const skinq_skin_model *s, readout *out, cJSON **truth, int *flagged)
{
    skinq_image *img = tu_spectral_phantom(ctx, name, camera, surface, truth);
    int k = 0;
    const cJSON *p;
    cJSON_ArrayForEach (p, cJSON_GetObjectItem(*truth, "patches")) {
        const cJSON *rc = cJSON_GetObjectItem(p, "rect_px");
        int x = cJSON_GetArrayItem(rc, 0)->valueint + cJSON_GetArrayItem(rc, 2)->valueint / 2;
        int y = cJSON_GetArrayItem(rc, 1)->valueint + cJSON_GetArrayItem(rc, 3)->valueint / 2;
        const uint16_t *px = (const uint16_t *)(const void *)skinq_image_row(img, y) + 3 * x;
        double rgb[3];
        for (int c = 0; c < 3; c++)
            rgb[c] = skinq_srgb_decode(px[c] / 65535.0);
        readout *r = &out[k++];
        /* a flagged patch keeps its values when solved (beyond the fold or the range: the figures
         * then show what it did); unsolved ones fail */
        skinq_skin_status st = skinq_skin_invert(s, rgb, &r->f);
        if (st != SKINQ_SKIN_OK)
            printf("patch %d (%s, %s): %s, melanin %.4f blood %.4f\n", k - 1,
                   cJSON_GetObjectItem(p, "type")->valuestring, cJSON_GetObjectItem(p, "series")->valuestring,
                   skinq_skin_status_name(st), r->f.melanin, r->f.blood);
        if (isnan(r->f.melanin))
            fail_msg("patch %d (%g %g %g): %s", k - 1, rgb[0], rgb[1], rgb[2], skinq_skin_status_name(st));
        *flagged += st != SKINQ_SKIN_OK;
        r->blood_true = cJSON_GetObjectItem(p, "blood_fraction")->valuedouble;
        r->type = cJSON_GetObjectItem(p, "type")->valuestring;
        r->series = cJSON_GetObjectItem(p, "series")->valuestring;
    }
    skinq_image_free(&img);
    return k;
}

typedef struct figures {
    double mel_per_blood, blood_per_mel, r2, blood_slope, exp_blood, exp_mel;
} figures;

static figures type_figures(const readout *r, int n, const char *type)
{
    figures f = {0};
    double bt[8] = {0}, bb[8] = {0}, bm[8] = {0}, mm[8] = {0}, mb[8] = {0};
    int nb = 0, nm = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(r[i].type, type))
            continue;
        int base = !strcmp(r[i].series, "blood") && nb == 0; /* excess 0: also the melanin series' middle */
        if (!strcmp(r[i].series, "blood"))
            bt[nb] = r[i].blood_true, bb[nb] = r[i].f.blood, bm[nb++] = r[i].f.melanin;
        if (base || !strcmp(r[i].series, "melanin"))
            mm[nm] = r[i].f.melanin, mb[nm++] = r[i].f.blood;
    }
    f.mel_per_blood = tu_slope(bb, bm, nb, NULL);
    f.blood_per_mel = tu_slope(mm, mb, nm, NULL);
    f.blood_slope = tu_slope(bt, bb, nb, &f.r2);
    double mlo = 1e9, mhi = -1e9;
    for (int i = 0; i < nm; i++)
        mlo = fmin(mlo, mm[i]), mhi = fmax(mhi, mm[i]);
    for (int i = 0; i < n; i++)
        if (!strcmp(r[i].type, type) && !strcmp(r[i].series, "exposure")) {
            f.exp_blood = fmax(f.exp_blood, fabs(r[i].f.blood - bb[0]) / fabs(bb[nb - 1] - bb[0]));
            f.exp_mel = fmax(f.exp_mel, fabs(r[i].f.melanin - mm[0]) / (mhi - mlo));
        }
    return f;
}

static const char *const type_names[] = {"light", "intermediate", "dark"};

/* The figures per skin type into f, printed as lib/color/README.md's table (ITA° per type);
 * returns the slope ratio across skin types (max/min). */
static double print_figures(const readout *r, int n, const double ita[3], figures f[3])
{
    double smin = 1e9, smax = -1e9;
    printf(
        "| skin type | ITA° | Δmelanin/Δblood (blood rises) | Δblood/Δmelanin (melanin rises) | R² blood vs "
        "true blood | blood read per unit true blood | exposure ×0.7…1.3: blood, melanin (%% of range) "
        "|\n|---|---|---|---|---|---|---|\n");
    for (int t = 0; t < 3; t++) {
        f[t] = type_figures(r, n, type_names[t]);
        smin = fmin(smin, f[t].blood_slope), smax = fmax(smax, f[t].blood_slope);
        printf("| %s | %.1f | %.3f | %.3f | %.4f | %.3f | %.2f, %.2f |\n", type_names[t], ita[t],
               f[t].mel_per_blood, f[t].blood_per_mel, f[t].r2, f[t].blood_slope, 100 * f[t].exp_blood,
               100 * f[t].exp_mel);
    }
    printf("slope ratio across skin types (max/min): %.3f\n", smax / smin);
    return smax / smin;
}

/* The phantom (camera CSV or NULL for sRGB; surface reflectance) read by a model of the same
 * camera; the figures are printed as lib/color/README.md's table. Returns them per skin type and
 * the slope ratio; the callers assert. */
static double crosstalk(const char *name, const char *camera, double surface, figures f[3], int *flagged)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_camera *cam = NULL;
    if (camera)
        assert_int_equal(skinq_camera_load(ctx, camera, &cam), SKINQ_OK);
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, cam, &s), SKINQ_OK);
    readout r[64];
    cJSON *truth = NULL;
    *flagged = 0;
    int n = read_phantom(ctx, name, camera, surface, s, r, &truth, flagged);
    assert_int_equal(n, 42);
    printf("%s (surface %.2f): %d of 42 patches flagged\n", name, surface, *flagged);
    double ita[3] = {NAN, NAN, NAN};
    for (int t = 0; t < 3; t++) {
        const cJSON *ty;
        cJSON_ArrayForEach (ty, cJSON_GetObjectItem(truth, "types"))
            if (!strcmp(cJSON_GetObjectItem(ty, "name")->valuestring, type_names[t]))
                ita[t] = cJSON_GetObjectItem(ty, "ita_deg")->valuedouble;
    }
    double ratio = print_figures(r, n, ita, f);
    cJSON_Delete(truth);
    skinq_skin_model_free(&s);
    skinq_camera_free(&cam);
    skinq_ctx_close(&ctx);
    return ratio;
}

/* Issue 20's goals on one phantom's figures: asserted as goals where the model reaches them, as
 * the reached value (the goal in brackets) where it does not; lib/color/README.md "the inverted
 * spectral model" gives the measured figures and why the rest are missed. mpb_max: the reached
 * |Δmelanin/Δblood|; ratio_max: the reached slope ratio (≤ 1.10 is the goal). */
static void assert_goals(const figures f[3], double ratio, double mpb_max, double ratio_max)
{
    for (int t = 0; t < 3; t++) {
        assert_true(fabs(f[t].mel_per_blood) <= mpb_max);            /* [≤ 0.05] not met: 0.15-0.30 */
        assert_true(f[t].exp_blood <= 0.01 && f[t].exp_mel <= 0.01); /* goal ≤ 1 %: met */
        assert_true(f[t].blood_slope > 0.5);
    }
    assert_true(fabs(f[0].blood_per_mel) <= 0.05 && fabs(f[1].blood_per_mel) <= 0.05); /* goal: met */
    assert_true(fabs(f[2].blood_per_mel) <= 0.7);    /* [≤ 0.05] not met on dark skin: ~0.62 */
    assert_true(f[2].r2 >= 0.99);                    /* goal: met on dark skin */
    assert_true(f[0].r2 >= 0.98 && f[1].r2 >= 0.98); /* [≥ 0.99] not met: 0.982-0.989 */
    assert_true(ratio <= ratio_max);
}

static void test_phantom_srgb(void **state)
{
    (void)state;
    figures f[3];
    int flagged;
    double ratio = crosstalk("spectral-skin", NULL, 0, f, &flagged);
    assert_int_equal(flagged, 0);
    assert_goals(f, ratio, 0.35, 1.10); /* slopes within 10 %: met with sRGB */
    /* with a 4 % specular surface (no cross-polariser): printed for the README, not a goal */
    ratio = crosstalk("spectral-skin-surface", NULL, 0.04, f, &flagged);
    assert_int_equal(flagged, 0);
    for (int t = 0; t < 3; t++)
        assert_true(f[t].exp_blood <= 0.01 && f[t].exp_mel <= 0.01);
}

/* A camera unlike the CIE observer (tu_shifted_camera). */
static void test_phantom_camera(void **state)
{
    (void)state;
    const char *path = tu_shifted_camera();
    figures f[3];
    int flagged;
    double ratio = crosstalk("spectral-skin-camera", path, 0, f, &flagged);
    assert_int_equal(flagged, 0);
    assert_goals(f, ratio, 0.30, 1.15); /* [slopes within 10 %] not met with this camera: 1.12 */
}

/* ------------------------------------------------------------ the model chosen by robustness */

/* The phantom's skin types (lib/synth/spectral.c): melanin, epidermal thickness; its patch series
 * (blood excess 0…0.5, melanin ×0.8…1.2, exposure ×0.7…1.3), saturation 0.75, papillary blood
 * 0.01 + 0.06·excess, reticular 0.0025. */
static const double ph_mel[3] = {0.02, 0.06, 0.15}, ph_epi[3] = {70, 85, 95};

/* Dermal structures of the phantom for the measurement only: the blood that varies lies in
 * papillary_um (0: one semi-infinite dermis) under over_um of dermis with the reticular blood. */
typedef struct structure {
    const char *name;
    double papillary_um, over_um;
} structure;
static const structure structures[] = {
    {"papillary 200 um (the phantom)", SYNTH_PAPILLARY_UM, 0},
    {"semi-infinite dermis", 0, 0},
    {"deeper blood net (100 um over an 80 um net)", 80, 100}, /* Meglinski & Matcher 2002 */
};
#define N_STRUCT (int)(sizeof structures / sizeof structures[0])
static const char *const variant_names[] = {"semi-infinite dermis", "papillary 180 um"};

/* sRGB of the phantom's skin, through a 16-bit sRGB code as in its PNG. */
static void phantom_rgb(const synth_skin_layers *L, double exposure, double rgb[3])
{
    synth_skin_rgb(NULL, L, rgb);
    for (int c = 0; c < 3; c++)
        rgb[c] = skinq_srgb_decode(lround(skinq_srgb_encode(rgb[c] * exposure) * 65535) / 65535.0);
}

static synth_skin_layers phantom_layers(const structure *st, double melanin, double blood, double epi_um)
{
    synth_skin_layers L = {melanin, blood,      0.75, epi_um, st->papillary_um, SYNTH_RETICULAR_BLOOD,
                           0,       st->over_um};
    return L;
}

/* The 42 patches of the spectral-skin phantom with this dermal structure, inverted. */
static int structure_readout(const skinq_skin_model *s, const structure *st, readout *r, double ita[3])
{
    static const double exc[6] = {0, 0.1, 0.2, 0.3, 0.4, 0.5}, mel[4] = {0.8, 0.9, 1.1, 1.2},
                        expo[4] = {0.7, 0.85, 1.15, 1.3};
    int n = 0;
    for (int t = 0; t < 3; t++) {
        synth_skin_layers L0 = phantom_layers(st, ph_mel[t], 0.01, ph_epi[t]);
        ita[t] = synth_skin_ita(&L0, NULL);
        for (int k = 0; k < 14; k++) {
            double e = k < 6 ? exc[k] : 0, ms = k >= 6 && k < 10 ? mel[k - 6] : 1,
                   x = k >= 10 ? expo[k - 10] : 1;
            synth_skin_layers L = phantom_layers(st, ph_mel[t] * ms, 0.01 + 0.06 * e, ph_epi[t]);
            double rgb[3];
            phantom_rgb(&L, x, rgb);
            skinq_skin_invert(s, rgb, &r[n].f);
            if (isnan(r[n].f.melanin))
                fail_msg("%s, %s patch %d: %s", st->name, type_names[t], k,
                         skinq_skin_status_name(r[n].f.status));
            r[n].blood_true = L.blood;
            r[n].type = type_names[t];
            r[n].series = k < 6 ? "blood" : k < 10 ? "melanin" : "exposure";
            n++;
        }
    }
    return n;
}

/* Sum of squared residuals of y = c + A·exp(−t/tau), c and A by linear least squares. */
static double decay_sse(const double *t, const double *y, int n, double tau)
{
    double s1 = n, se = 0, see = 0, sy = 0, sey = 0;
    for (int i = 0; i < n; i++) {
        double e = exp(-t[i] / tau);
        se += e, see += e * e, sy += y[i], sey += e * y[i];
    }
    double det = s1 * see - se * se, c = (see * sy - se * sey) / det, A = (s1 * sey - se * sy) / det, sse = 0;
    for (int i = 0; i < n; i++) {
        double d = y[i] - c - A * exp(-t[i] / tau);
        sse += d * d;
    }
    return sse;
}

/* The least-squares time constant of y = c + A·exp(−t/tau): golden section in log tau. */
static double decay_tau(const double *t, const double *y, int n)
{
    double lo = log(0.3), hi = log(30), g = 0.5 * (sqrt(5) - 1);
    double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    double fa = decay_sse(t, y, n, exp(a)), fb = decay_sse(t, y, n, exp(b));
    for (int k = 0; k < 80; k++) {
        if (fa < fb)
            hi = b, b = a, fb = fa, a = hi - g * (hi - lo), fa = decay_sse(t, y, n, exp(a));
        else
            lo = a, a = b, fa = fb, b = lo + g * (hi - lo), fb = decay_sse(t, y, n, exp(b));
    }
    return exp(0.5 * (lo + hi));
}

/* The healing series' clinical number: blood 0.02 + 0.045·exp(−t/3 days) on skin type t
 * (light: melanin 0.02, 70 µm, the case), photographed at days 1, 2, 3, 5, 7, 14, 28, 42
 * and read back; the fitted time constant of the read-out (true: 3 days). */
static double healing_tau(const skinq_skin_model *s, const structure *st, int t)
{
    static const double days[8] = {1, 2, 3, 5, 7, 14, 28, 42};
    double y[8], truth[8];
    for (int i = 0; i < 8; i++) {
        synth_skin_layers L = phantom_layers(st, ph_mel[t], 0.02 + 0.045 * exp(-days[i] / 3), ph_epi[t]);
        double rgb[3];
        skinq_skin_fit f;
        phantom_rgb(&L, 1, rgb);
        skinq_skin_invert(s, rgb, &f);
        y[i] = f.blood, truth[i] = L.blood;
    }
    assert_near(decay_tau(days, truth, 8), 3, 1e-4); /* the fit itself */
    return decay_tau(days, y, 8);
}

/* One row per (model variant, phantom structure): the goal figures and the healing tau. */
typedef struct worst {
    double mpb, bpm, r2, ratio, exposure, tau_err, tau_err_all;
} worst;

static void measure_variant(skinq_dermis v, worst *w, figures fig[N_STRUCT][3], double ratio[N_STRUCT],
                            double tau[N_STRUCT][3])
{
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_build(ctx, NULL, v, &s), SKINQ_OK);
    *w = (worst){0, 0, 1, 0, 0, 0, 0};
    for (int k = 0; k < N_STRUCT; k++) {
        readout r[42];
        double ita[3];
        int n = structure_readout(s, &structures[k], r, ita);
        printf("model: %s; phantom: %s\n", variant_names[v], structures[k].name);
        figures *f = fig[k];
        ratio[k] = print_figures(r, n, ita, f);
        for (int t = 0; t < 3; t++) {
            tau[k][t] = healing_tau(s, &structures[k], t);
            w->tau_err_all = fmax(w->tau_err_all, fabs(tau[k][t] / 3 - 1));
        }
        printf("healing tau (true 3 days): light %.2f, intermediate %.2f, dark %.2f days\n", tau[k][0],
               tau[k][1], tau[k][2]);
        for (int t = 0; t < 3; t++) {
            w->mpb = fmax(w->mpb, fabs(f[t].mel_per_blood)), w->bpm = fmax(w->bpm, fabs(f[t].blood_per_mel));
            w->r2 = fmin(w->r2, f[t].r2), w->exposure = fmax(w->exposure, fmax(f[t].exp_blood, f[t].exp_mel));
        }
        w->ratio = fmax(w->ratio, ratio[k]), w->tau_err = fmax(w->tau_err, fabs(tau[k][0] / 3 - 1));
    }
    printf("worst over the phantoms: |dmel/dblood| %.3f, |dblood/dmel| %.3f, R2 %.4f, slope ratio %.3f, "
           "exposure %.2f %%, tau error %.1f %% (light), %.1f %% (any skin type)\n",
           w->mpb, w->bpm, w->r2, w->ratio, 100 * w->exposure, 100 * w->tau_err, 100 * w->tau_err_all);
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

/* Both dermis variants on every phantom structure (lib/color/README.md "Choosing the model by
 * robustness"): the default is the variant whose worst case over the structures is better. */
static void test_variants(void **state)
{
    (void)state;
    worst w[2];
    figures f[2][N_STRUCT][3];
    double ratio[2][N_STRUCT], tau[2][N_STRUCT][3];
    for (int v = 0; v < 2; v++)
        measure_variant((skinq_dermis)v, &w[v], f[v], ratio[v], tau[v]);
    printf(
        "| model | phantom | dmel/dblood l, i, d | dblood/dmel l, i, d | R2 l, i, d | slope ratio | exposure "
        "(%%) | tau l, i, d (days) |\n|---|---|---|---|---|---|---|---|\n");
    for (int v = 0; v < 2; v++)
        for (int k = 0; k < N_STRUCT; k++) {
            const figures *g = f[v][k];
            double ex = 0;
            for (int t = 0; t < 3; t++)
                ex = fmax(ex, fmax(g[t].exp_blood, g[t].exp_mel));
            printf("| %s | %s | %.3f, %.3f, %.3f | %.3f, %.3f, %.3f | %.4f, %.4f, %.4f | %.3f | %.2f | %.2f, "
                   "%.2f, "
                   "%.2f |\n",
                   variant_names[v], structures[k].name, g[0].mel_per_blood, g[1].mel_per_blood,
                   g[2].mel_per_blood, g[0].blood_per_mel, g[1].blood_per_mel, g[2].blood_per_mel, g[0].r2,
                   g[1].r2, g[2].r2, ratio[v][k], 100 * ex, tau[v][k][0], tau[v][k][1], tau[v][k][2]);
        }
    /* the reached worst cases (goals: cross-talk ≤ 0.05, R² ≥ 0.99, slope ratio ≤ 1.10, exposure
     * ≤ 1 %, tau exact); none of the cross-talk, R² or slope goals is met by either variant on
     * every structure */
    const worst *si = &w[SKINQ_DERMIS_SEMI_INFINITE], *pa = &w[SKINQ_DERMIS_PAPILLARY];
    assert_true(si->mpb <= 0.45 && si->bpm <= 0.68 && si->r2 >= 0.98 && si->ratio <= 1.35);
    assert_true(pa->mpb <= 0.78 && pa->bpm <= 0.40 && pa->r2 >= 0.97 && pa->ratio <= 1.50);
    assert_true(si->exposure <= 0.01 && pa->exposure <= 0.01); /* goal: met by both */
    assert_true(si->tau_err <= 0.25 && si->tau_err_all <= 0.25);
    assert_true(pa->tau_err <= 0.16 && pa->tau_err_all <= 0.37);
    /* the symptom, still there with the default: the photographed phantom's dermis reads
     * tau 2.3 days for 3 */
    assert_true(tau[SKINQ_DERMIS_DEFAULT][0][0] > 2.2 && tau[SKINQ_DERMIS_DEFAULT][0][0] < 2.4);
    /* the default is the minimax choice: its worst cross-talk and its worst tau error over the
     * structures and skin types are the smaller ones (and so are its worst R² and slope ratio) */
    const worst *d = &w[SKINQ_DERMIS_DEFAULT], *o = &w[1 - SKINQ_DERMIS_DEFAULT];
    assert_true(fmax(d->mpb, d->bpm) < fmax(o->mpb, o->bpm));
    assert_true(d->tau_err_all < o->tau_err_all);
    assert_true(d->r2 > o->r2 && d->ratio < o->ratio);
}

/* The papillary variant's fold (the default's is test_fold): as melanin rises, as in the
 * semi-infinite model; and a second one at nearly bloodless papillary dermis (b below about
 * twice the reticular fraction, little melanin), where less papillary blood lets the bloodier
 * reticular dermis show and the colour turns back. Printed: the high-melanin fold per blood and
 * the low-blood edge per melanin. */
static void test_fold_papillary(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_build(ctx, NULL, SKINQ_DERMIS_PAPILLARY, &s), SKINQ_OK);
    for (double b = 0.01; b <= 0.15 + 1e-9; b += 0.0125) {
        double m = 0.05;
        while (m < 1 && chroma_det(s, m, b) > 0)
            m += 0.001;
        printf("papillary model, fold at blood %.4f: melanin %.3f\n", b, m);
        assert_true(m > 0.14);
    }
    for (double m = 0; m <= 0.06 + 1e-9; m += 0.01) {
        double b = 0.02;
        while (b > 0 && chroma_det(s, m, b) > 0)
            b -= 0.0001;
        printf("papillary model, melanin %.2f: sheet down to blood %.4f\n", m, b);
        assert_true(b < 0.005); /* the phantoms' least blood, 0.01, is on the sheet */
    }
    assert_true(chroma_det(s, 0, 0) < 0); /* the low-blood fold exists */
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

/* Which of the phantom's extra physics costs which figure (lib/color/README.md "Not met, and
 * why"): the phantom's colours without quantisation (synth_skin_rgb), each feature switched to
 * the model's value in turn. The phantom's values, from lib/synth/spectral.c: melanin
 * 0.02/0.06/0.15 at 70/85/95 µm, papillary dermis 200 µm with 0.01 + 0.06·excess over a reticular
 * dermis with 0.0025, saturation 0.75. With all three at the model's values the inverse is exact
 * (the figures are the model's own, which makes the rest a measure of the phantom's extra physics). */
static void test_causes(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    static const double mel[3] = {0.02, 0.06, 0.15}, epi[3] = {70, 85, 95},
                        scale[5] = {0.8, 0.9, 1, 1.1, 1.2};
    static const struct {
        const char *name;
        int split, thick, sat;
    } cfg[] = {{"the phantom", 1, 1, 1},          {"one dermis", 0, 1, 1},
               {"only the split", 1, 0, 0},       {"only the thickness", 0, 1, 0},
               {"only saturation 0.75", 0, 0, 1}, {"all at the model's values", 0, 0, 0}};
    printf("| phantom | light: dmel/dblood, dblood/dmel, R2 | intermediate | dark |\n|---|---|---|---|\n");
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        figures f[3];
        printf("| %s |", cfg[c].name);
        for (int t = 0; t < 3; t++) {
            double bt[6], bb[6], bm[6], mm[5], mb[5];
            for (int k = 0; k < 11; k++) {
                double excess = k < 6 ? 0.1 * k : 0;
                synth_skin_layers L = {mel[t] * (k < 6 ? 1 : scale[k - 6]),
                                       0.01 + 0.06 * excess,
                                       cfg[c].sat ? 0.75 : 0.70,
                                       cfg[c].thick ? epi[t] : 80,
                                       cfg[c].split ? 200 : 0,
                                       0.0025,
                                       0,
                                       0};
                double rgb[3];
                skinq_skin_fit fit;
                synth_skin_rgb(NULL, &L, rgb);
                skinq_skin_invert(s, rgb, &fit);
                if (k < 6)
                    bt[k] = L.blood, bb[k] = fit.blood, bm[k] = fit.melanin;
                else
                    mm[k - 6] = fit.melanin, mb[k - 6] = fit.blood;
            }
            f[t].mel_per_blood = tu_slope(bb, bm, 6, NULL);
            f[t].blood_per_mel = tu_slope(mm, mb, 5, NULL);
            tu_slope(bt, bb, 6, &f[t].r2);
            printf(" %.3f, %.3f, %.4f |", f[t].mel_per_blood, f[t].blood_per_mel, f[t].r2);
        }
        printf("\n");
        if (!cfg[c].split && !cfg[c].thick && !cfg[c].sat) /* the model's own skin: exact */
            for (int t = 0; t < 3; t++)
                assert_true(fabs(f[t].mel_per_blood) < 1e-6 && fabs(f[t].blood_per_mel) < 1e-6 &&
                            f[t].r2 > 1 - 1e-9);
        if (!cfg[c].split && cfg[c].thick && cfg[c].sat) /* one dermis: light skin near the goals */
            assert_true(fabs(f[0].mel_per_blood) < 0.1 && f[0].r2 > 0.999 && f[1].r2 > 0.999);
        if (cfg[c].split && !cfg[c].thick) /* the split alone: melanin follows blood, R² < 0.99 */
            assert_true(f[0].mel_per_blood > 0.1 && f[0].r2 < 0.99);
        if (!cfg[c].split && cfg[c].thick && !cfg[c].sat) /* thickness alone: dark skin's leak */
            assert_true(f[2].blood_per_mel > 0.5);
    }
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

/* The per-colour cost (the colour pass inverts each distinct colour once). */
static void cost(skinq_dermis v)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(skinq_skin_model_build(ctx, NULL, v, &s), SKINQ_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double build_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
    enum { N = 20000 };
    uint64_t rng = tu_seed();
    double(*rgb)[3] = malloc(N * sizeof *rgb), sum = 0;
    long steps = 0;
    for (int k = 0; k < N; k++) { /* skin colours: random melanin, blood, shading */
        skinq_skin_model_rgb(s, 0.01 + 0.11 * tu_uniform(&rng), 0.005 + 0.08 * tu_uniform(&rng), rgb[k]);
        double sh = 0.5 + 0.5 * tu_uniform(&rng);
        for (int c = 0; c < 3; c++)
            rgb[k][c] *= sh;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < N; k++) {
        skinq_skin_fit f;
        if (skinq_skin_invert(s, rgb[k], &f) == SKINQ_SKIN_OK)
            sum += f.blood;
        steps += f.iterations;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
    printf(
        "%s: model build %.1f ms; %.0f ns per colour, %.1f Newton evaluations on average (%d skin colours; "
        "checksum %.3f)\n",
        variant_names[v], build_ms, ns, (double)steps / N, N, sum);
    assert_true(isfinite(sum));
    free(rgb);
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

static void test_cost(void **state)
{
    (void)state;
    cost(SKINQ_DERMIS_SEMI_INFINITE);
    cost(SKINQ_DERMIS_PAPILLARY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_out_of_model),
        cmocka_unit_test(test_fold),         cmocka_unit_test(test_oom),
        cmocka_unit_test(test_phantom_srgb), cmocka_unit_test(test_phantom_camera),
        cmocka_unit_test(test_variants),     cmocka_unit_test(test_fold_papillary),
        cmocka_unit_test(test_causes),       cmocka_unit_test(test_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
