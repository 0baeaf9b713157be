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
#include "test_util.h"

/* ------------------------------------------------------------ the model itself */

static void test_round_trip(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    double worst = 0;
    int max_iter = 0;
    for (double m = 0.005; m <= 0.45; m += 0.0317)
        for (double b = 0.001; b <= 0.14; b += 0.0093)
            for (double sh = 0.4; sh <= 1.3; sh += 0.45) {
                double rgb[3];
                skinq_skin_model_rgb(s, m, b, rgb);
                for (int c = 0; c < 3; c++)
                    rgb[c] *= sh;
                skinq_skin_fit f;
                if (rgb[2] < 0.002)
                    continue; /* darkest melanin at low shading: flagged dark, by design */
                assert_int_equal(skinq_skin_invert(s, rgb, &f), SKINQ_SKIN_OK);
                worst = fmax(worst, fmax(fabs(f.melanin - m), fabs(f.blood - b)));
                worst = fmax(worst, fabs(f.shading / sh - 1));
                max_iter = f.iterations > max_iter ? f.iterations : max_iter;
            }
    printf("round trip: worst error %.2e, at most %d Newton steps\n", worst, max_iter);
    assert_true(worst < 1e-6);
    skinq_skin_model_free(&s);
    assert_null(s);
    skinq_skin_model_free(&s); /* NULL-safe */
    skinq_ctx_close(&ctx);
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
static int read_phantom(skinq_ctx *ctx, const char *name, const char *camera, const skinq_skin_model *s,
                        readout *out, cJSON **truth, int *flagged)
{
    skinq_image *img = tu_spectral_phantom(ctx, name, camera, truth);
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
        /* light skin with much blood reads melanin < 0 (the cross-talk below): flagged, values kept */
        skinq_skin_status st = skinq_skin_invert(s, rgb, &r->f);
        if (st != SKINQ_SKIN_OK && !(st == SKINQ_SKIN_OUTSIDE && r->f.melanin < 0 && r->f.blood > 0))
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
    double bt[8], bb[8], bm[8], mm[8], mb[8];
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

/* The phantom (camera CSV or NULL for sRGB) read by a model of the same camera; the figures are
 * printed as lib/color/README.md's table and asserted against issue 20's goals. */
static void crosstalk(const char *name, const char *camera)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_camera *cam = NULL;
    if (camera)
        assert_int_equal(skinq_camera_load(ctx, camera, &cam), SKINQ_OK);
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, cam, &s), SKINQ_OK);
    readout r[64];
    cJSON *truth = NULL;
    int flagged = 0, n = read_phantom(ctx, name, camera, s, r, &truth, &flagged);
    assert_int_equal(n, 42);
    printf("%d of 42 patches flagged (melanin < 0)\n", flagged);
    assert_true(flagged <= 4);
    static const char *types[] = {"light", "intermediate", "dark"};
    static const double bpm_max[3] = {0.05, 0.16, 1.3}, r2_min[3] = {0.99, 0.99, 0.98};
    double smin = 1e9, smax = -1e9;
    printf(
        "%s: | skin type | Δmelanin/Δblood (blood rises) | Δblood/Δmelanin (melanin rises) | R² blood vs "
        "true blood | blood read per unit true blood | exposure ×0.7…1.3: blood, melanin (%% of range) |\n",
        name);
    for (int t = 0; t < 3; t++) {
        figures f = type_figures(r, n, types[t]);
        smin = fmin(smin, f.blood_slope), smax = fmax(smax, f.blood_slope);
        printf("| %s | %.4f | %.4f | %.5f | %.3f | %.3f, %.3f |\n", types[t], f.mel_per_blood,
               f.blood_per_mel, f.r2, f.blood_slope, 100 * f.exp_blood, 100 * f.exp_mel);
        /* what the model reaches (issue 20's goals in brackets; README "the inverted spectral
         * model" says why the first three are missed: the phantom's epidermis scatters) */
        assert_true(fabs(f.mel_per_blood) <= 1.4);             /* [≤ 0.05] not met */
        assert_true(fabs(f.blood_per_mel) <= bpm_max[t]);      /* [≤ 0.05] met on light skin */
        assert_true(f.r2 >= r2_min[t]);                        /* [≥ 0.99] met but on dark skin */
        assert_true(f.exp_blood <= 0.01 && f.exp_mel <= 0.01); /* [≤ 1 %] met */
    }
    printf("slope ratio across skin types (max/min): %.4f\n", smax / smin);
    assert_true(smax / smin <= 1.3); /* [≤ 1.10] not met */
    cJSON_Delete(truth);
    skinq_skin_model_free(&s);
    skinq_camera_free(&cam);
    skinq_ctx_close(&ctx);
}

static void test_phantom_srgb(void **state)
{
    (void)state;
    crosstalk("spectral-skin", NULL);
}

/* A camera unlike the CIE observer: Gaussian channels peaking at 600, 535 and 455 nm (40, 35,
 * 30 nm wide), a made-up sensor with shifted peaks and narrower bands than x̄ȳz̄. */
static void test_phantom_camera(void **state)
{
    (void)state;
    static char path[1024], text[4096] = "wavelength_nm,r,g,b\n";
    for (int nm = 390; nm <= 710; nm += 5) {
        double r = exp(-0.5 * pow((nm - 600) / 40.0, 2)), g = exp(-0.5 * pow((nm - 535) / 35.0, 2));
        double b = exp(-0.5 * pow((nm - 455) / 30.0, 2));
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%.6f,%.6f,%.6f\n", nm, r, g, b);
    }
    tu_path(path, sizeof path, "shifted.csv");
    assert_int_equal(tu_write_bytes(path, text, strlen(text)), 0);
    crosstalk("spectral-skin-camera", path);
}

/* The per-colour cost (the colour pass inverts each distinct colour once). */
static void test_cost(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_skin_model *s = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double build_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6;
    enum { N = 20000 };
    uint64_t rng = tu_seed();
    double(*rgb)[3] = malloc(N * sizeof *rgb), sum = 0;
    for (int k = 0; k < N; k++) { /* skin colours: random melanin, blood, shading */
        skinq_skin_model_rgb(s, 0.01 + 0.3 * tu_uniform(&rng), 0.005 + 0.08 * tu_uniform(&rng), rgb[k]);
        double sh = 0.5 + 0.5 * tu_uniform(&rng);
        for (int c = 0; c < 3; c++)
            rgb[k][c] *= sh;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < N; k++) {
        skinq_skin_fit f;
        if (skinq_skin_invert(s, rgb[k], &f) == SKINQ_SKIN_OK)
            sum += f.blood;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
    printf("model build %.1f ms; %.0f ns per colour (%d skin colours; checksum %.3f)\n", build_ms, ns, N,
           sum);
    assert_true(isfinite(sum));
    free(rgb);
    skinq_skin_model_free(&s);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_out_of_model),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_phantom_srgb),
        cmocka_unit_test(test_phantom_camera),
        cmocka_unit_test(test_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
