/* test_spectral.c -- the spectral data and colour (D65 white, CMF sums, a flat grey, Prahl's
 * values), the camera CSV loader, the spectral skin's physics, and the cross-talk of today's
 * three-vector decomposition on the spectral-skin phantom (lib/color/README.md's table). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "color/spectral.h"
#include "color/srgb.h"
#include "synth/synth.h"
#include "test_util.h"

static void flat(double v, double refl[SKINQ_SPECTRAL_N])
{
    for (int i = 0; i < SKINQ_SPECTRAL_N; i++)
        refl[i] = v;
}

static void test_white_and_grey(void **state)
{
    (void)state;
    double r[SKINQ_SPECTRAL_N], xyz[3], rgb[3];
    flat(1, r);
    skinq_spectrum_xyz(r, xyz); /* CIE 15's D65 white (0.95047, 1, 1.08883), 400-700 nm only */
    assert_near(xyz[0], 0.95047, 0.002);
    assert_near(xyz[1], 1.0, 1e-12);
    assert_near(xyz[2], 1.08883, 0.002);
    skinq_spectrum_rgb(NULL, r, rgb);
    for (int c = 0; c < 3; c++)
        assert_near(rgb[c], 1.0, 0.003);
    flat(0.5, r);
    skinq_spectrum_rgb(NULL, r, rgb);
    for (int c = 0; c < 3; c++)
        assert_near(rgb[c], 0.5, 0.0015);
}

static void test_tables(void **state)
{
    (void)state;
    double s[3] = {0, 0, 0}, ymax = 0;
    for (int i = 0; i < SPEC_N; i++)
        for (int c = 0; c < 3; c++) {
            s[c] += skinq_spec_cmf[i][c];
            ymax = c == 1 && skinq_spec_cmf[i][1] > ymax ? skinq_spec_cmf[i][1] : ymax;
        }
    assert_near(s[0], 10.666589, 1e-6); /* sums of the 10-nm rows, 400-700 nm */
    assert_near(s[1], 10.681488, 1e-6);
    assert_near(s[2], 10.650400, 1e-6);
    assert_near(ymax, 0.995, 1e-9); /* 550 and 560 nm around ȳ(555) = 1 */
    assert_near(skinq_spec_d65[16], 100, 0);
    assert_near(skinq_spec_hbo2[2], 480360, 0); /* Prahl at 420, 550, 560 nm */
    assert_near(skinq_spec_hbo2[15], 43016, 0);
    assert_near(skinq_spec_hb[16], 53788, 0);
    assert_near(skinq_spec_hb[3], 528600, 0);                               /* Hb at 430 nm */
    assert_true(fabs(skinq_spec_hbo2[10] / skinq_spec_hb[10] - 1) < 0.005); /* isosbestic ~500 nm */
    assert_near(skinq_spec_mua_blood(15, 1), 230.4, 0.1);                   /* HbO2 blood at 550 nm */
    assert_near(skinq_spec_mua_melanin(10), 519, 1e-9);
    assert_near(skinq_spec_mua_baseline(0), 0.244 + 85.3 * exp(-246 / 66.2), 1e-9);
    assert_near(skinq_spec_musp(10), 46.0, 1e-9);
}

/* ------------------------------------------------------------ camera CSV */

static const char *write_csv(const char *name, const char *text)
{
    static char path[1024];
    tu_path(path, sizeof path, name);
    assert_int_equal(tu_write_bytes(path, text, strlen(text)), 0);
    return path;
}

static void expect_error(skinq_ctx *ctx, const char *name, const char *text, skinq_status want,
                         const char *why)
{
    skinq_camera *cam = NULL;
    const char *path = write_csv(name, text);
    assert_int_equal(skinq_camera_load(ctx, path, &cam), want);
    assert_null(cam);
    const char *msg = skinq_ctx_error(ctx);
    if (!strstr(msg, name) || !strstr(msg, why) || strchr(msg, '\n'))
        fail_msg("camera error '%s' should name %s and say '%s'", msg, name, why);
}

static void test_camera_csv(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    /* the CIE observer as a camera, every 20 nm from 380 nm with a header: resampled to the
     * grid, a perfect white is (1, 1, 1) and a flat grey its reflectance */
    char text[8192] = "wavelength_nm,r,g,b\r\n# CIE 1931 2 deg\n";
    for (int nm = 380; nm <= 720; nm += 20) {
        int i = (nm - 400) / 10;
        double v[3] = {0, 0, 0};
        if (nm >= 400 && nm <= 700)
            memcpy(v, skinq_spec_cmf[i], sizeof v);
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d, %.6f,%.6f ,%.6f\n", nm, v[0], v[1],
                 v[2]);
    }
    skinq_camera *cam = NULL;
    assert_int_equal(skinq_camera_load(ctx, write_csv("cie.csv", text), &cam), SKINQ_OK);
    double r[SKINQ_SPECTRAL_N], rgb[3];
    flat(1, r);
    skinq_spectrum_rgb(cam, r, rgb);
    for (int c = 0; c < 3; c++)
        assert_near(rgb[c], 1, 1e-12);
    flat(0.25, r);
    skinq_spectrum_rgb(cam, r, rgb);
    for (int c = 0; c < 3; c++)
        assert_near(rgb[c], 0.25, 1e-12);
    /* at 20-nm steps the odd 10-nm samples are interpolated: Y of a skin spectrum within 1 % */
    synth_skin_layers skin = {0.06, 0.01, 0.75, 0, 0, 0, 0, 0};
    double xyz[3];
    synth_skin_reflectance(&skin, r);
    skinq_spectrum_rgb(cam, r, rgb);
    skinq_spectrum_xyz(r, xyz);
    assert_true(fabs(rgb[1] / xyz[1] - 1) < 0.01);
    skinq_camera_free(&cam);
    assert_null(cam);
    skinq_camera_free(&cam); /* NULL-safe */

    expect_error(ctx, "short.csv", "nm,r,g,b\n400,1,1,1\n700,1,1\n", SKINQ_E_FORMAT, "line 3");
    expect_error(ctx, "text.csv", "400,1,1,1\nfoo\n700,1,1,1\n", SKINQ_E_FORMAT, "line 2");
    expect_error(ctx, "order.csv", "400,1,1,1\n700,1,1,1\n600,1,1,1\n", SKINQ_E_FORMAT, "line 3");
    expect_error(ctx, "neg.csv", "400,1,1,1\n700,1,-1,1\n", SKINQ_E_FORMAT, "line 2");
    expect_error(ctx, "range.csv", "450,1,1,1\n700,1,1,1\n", SKINQ_E_FORMAT, "400-700 nm");
    expect_error(ctx, "dead.csv", "400,1,0,1\n700,1,0,1\n", SKINQ_E_FORMAT, "channel g");
    expect_error(ctx, "empty.csv", "", SKINQ_E_FORMAT, "400-700 nm");
    skinq_camera *cam2 = NULL;
    assert_int_equal(skinq_camera_load(ctx, "/nonexistent/cam.csv", &cam2), SKINQ_E_IO);
    assert_non_null(strstr(skinq_ctx_error(ctx), "/nonexistent/cam.csv"));
    skinq_ctx_close(&ctx);
}

static void test_camera_oom(void **state)
{
    (void)state;
    const char *path = write_csv("oom.csv", "400,1,1,1\n550,1,1,1\n700,1,1,1\n");
    int succeeded = 0;
    for (int n = 1; n < 50 && !succeeded; n++) {
        tu_fail_alloc fa;
        skinq_ctx *ctx = tu_fail_ctx(&fa, n, 1);
        if (!ctx)
            continue;
        skinq_camera *cam = NULL;
        skinq_status st = skinq_camera_load(ctx, path, &cam);
        if (st == SKINQ_OK) {
            succeeded = 1;
        } else {
            assert_int_equal(st, SKINQ_E_NOMEM);
            assert_null(cam);
        }
        skinq_camera_free(&cam);
        skinq_ctx_close(&ctx);
        assert_int_equal(fa.live, 0);
    }
    assert_true(succeeded);
}

/* ------------------------------------------------------------ the skin model */

static void test_skin_physics(void **state)
{
    (void)state;
    double prev[3] = {1, 1, 1}, prev_ita = 90;
    for (double m = 0.01; m < 0.5; m *= 1.5) { /* melanin darkens every channel, ITA falls */
        synth_skin_layers p = {m, 0.01, 0.75, 0, 0, 0, 0, 0};
        double rgb[3];
        synth_skin_rgb(NULL, &p, rgb);
        double ita = synth_skin_ita(&p, NULL);
        for (int c = 0; c < 3; c++) {
            assert_true(rgb[c] < prev[c] && rgb[c] > 0);
            prev[c] = rgb[c];
        }
        assert_true(ita < prev_ita);
        prev_ita = ita;
    }
    for (double m = 0.02; m < 0.2; m *= 2) { /* blood lowers green more than red (in density) */
        synth_skin_layers a = {m, 0.01, 0.75, 0, 0, 0, 0, 0}, b = {m, 0.04, 0.75, 0, 0, 0, 0, 0};
        double ra[3], rb[3];
        synth_skin_rgb(NULL, &a, ra);
        synth_skin_rgb(NULL, &b, rb);
        double dr = log10(ra[0] / rb[0]), dg = log10(ra[1] / rb[1]);
        assert_true(dr > 0 && dg > 1.5 * dr);
    }
    /* skin types chosen by ITA: the phantom's three types come back from their ITA */
    const double types[3] = {0.02, 0.06, 0.15};
    for (int t = 0; t < 3; t++) {
        synth_skin_layers p = {types[t], 0.01, 0.75, 0, 0, 0, 0, 0};
        assert_near(synth_skin_melanin_for_ita(synth_skin_ita(&p, NULL), 0.01, 0.75), types[t], 1e-9);
    }
    /* short waves return before the dermis: blood changes 700 nm less than 550 nm, and a thicker
     * epidermis hides the dermis more */
    synth_skin_layers a = {0.06, 0.01, 0.75, 0, 0, 0, 0, 0}, b = {0.06, 0.04, 0.75, 0, 0, 0, 0, 0};
    double ra[SKINQ_SPECTRAL_N], rb[SKINQ_SPECTRAL_N];
    synth_skin_reflectance(&a, ra);
    synth_skin_reflectance(&b, rb);
    assert_true(ra[30] / rb[30] < 1.05 && ra[15] / rb[15] > 1.3);
}

/* ------------------------------------------------------------ old basis on the phantom */

typedef struct readout {
    double hb, mel, excess, melanin, exposure;
    const char *series;
} readout;

/* The three-vector optical-density basis skinq used for color.hemoglobin / .melanin until issue 20
 * (skinq_color_od_vectors(): OD = melanin·MEL + hemoglobin·HB + shading·(1, 1, 1), solved
 * exactly), of one linear RGB colour. */
static void old_basis(const double lin[3], double *hb, double *mel)
{
    double M[3], H[3], od[3], x[3];
    skinq_color_od_vectors(M, H);
    for (int c = 0; c < 3; c++)
        od[c] = -log10(lin[c]);
    double A[3][3] = {{M[0], H[0], 1}, {M[1], H[1], 1}, {M[2], H[2], 1}};
    double det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) -
                 A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
                 A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
    for (int j = 0; j < 2; j++) { /* Cramer's rule for melanin, hemoglobin */
        double B[3][3];
        memcpy(B, A, sizeof B);
        for (int r = 0; r < 3; r++)
            B[r][j] = od[r];
        x[j] = (B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) -
                B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) +
                B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0])) /
               det;
    }
    *mel = x[0], *hb = x[1];
}

/* The phantom's patches (16-bit sRGB) read through the old basis, the mean of each patch's inner
 * pixels. Returns the number of patches. */
static int read_phantom(skinq_ctx *ctx, readout *out, int max, cJSON **truth)
{
    skinq_image *img = tu_spectral_phantom(ctx, "spectral-skin", NULL, 0, truth);
    size_t n = (size_t)img->width * (size_t)img->height;
    float *hb = malloc(n * sizeof *hb), *mel = malloc(n * sizeof *mel);
    for (int y = 0; y < img->height; y++) {
        const uint16_t *row = (const uint16_t *)(const void *)skinq_image_row(img, y);
        for (int x = 0; x < img->width; x++) {
            double lin[3], h, m;
            for (int c = 0; c < 3; c++)
                lin[c] = skinq_srgb_decode(row[3 * x + c] / 65535.0);
            old_basis(lin, &h, &m);
            hb[(size_t)y * img->width + x] = (float)h;
            mel[(size_t)y * img->width + x] = (float)m;
        }
    }
    int k = 0;
    const cJSON *p;
    cJSON_ArrayForEach (p, cJSON_GetObjectItem(*truth, "patches")) {
        assert_true(k < max);
        const cJSON *rc = cJSON_GetObjectItem(p, "rect_px");
        int x0 = cJSON_GetArrayItem(rc, 0)->valueint, y0 = cJSON_GetArrayItem(rc, 1)->valueint;
        int w = cJSON_GetArrayItem(rc, 2)->valueint, h = cJSON_GetArrayItem(rc, 3)->valueint;
        readout *r = &out[k++];
        memset(r, 0, sizeof *r);
        int cnt = 0;
        for (int y = y0 + 2; y < y0 + h - 2; y++)
            for (int x = x0 + 2; x < x0 + w - 2; x++, cnt++) {
                r->hb += hb[(size_t)y * img->width + x];
                r->mel += mel[(size_t)y * img->width + x];
            }
        r->hb /= cnt;
        r->mel /= cnt;
        r->excess = cJSON_GetObjectItem(p, "blood_excess")->valuedouble;
        r->melanin = cJSON_GetObjectItem(p, "melanin_fraction")->valuedouble;
        r->exposure = cJSON_GetObjectItem(p, "exposure")->valuedouble;
        r->series = cJSON_GetObjectItem(p, "series")->valuestring;
    }
    free(hb);
    free(mel);
    skinq_image_free(&img);
    return k;
}

/* One skin type's figures (issue 20's "Must show"). */
typedef struct figures {
    double ita, mel_per_hb, hb_per_mel, r2, hb_slope, exp_hb, exp_mel;
} figures;

static figures type_figures(const readout *r, int n, const char *type_name, const cJSON *truth)
{
    figures f = {0};
    double hx[16], hy[16], mx[16], my[16], ex[16], hbe[16];
    int nb = 0, nm = 0;
    double base_hb = 0, base_mel = 0, mel_lo = 1e9, mel_hi = -1e9;
    const cJSON *t;
    cJSON_ArrayForEach (t, cJSON_GetObjectItem(truth, "types"))
        if (!strcmp(cJSON_GetObjectItem(t, "name")->valuestring, type_name))
            f.ita = cJSON_GetObjectItem(t, "ita_deg")->valuedouble;
    const cJSON *p = cJSON_GetObjectItem(truth, "patches")->child;
    for (int i = 0; i < n; i++, p = p->next) {
        if (strcmp(cJSON_GetObjectItem(p, "type")->valuestring, type_name))
            continue;
        if (!strcmp(r[i].series, "blood")) {
            hx[nb] = r[i].hb, hy[nb] = r[i].mel, ex[nb] = r[i].excess, hbe[nb++] = r[i].hb;
            if (r[i].excess == 0) { /* also the melanin series' middle step */
                base_hb = r[i].hb, base_mel = r[i].mel;
                mx[nm] = r[i].mel, my[nm++] = r[i].hb;
            }
        } else if (!strcmp(r[i].series, "melanin")) {
            mx[nm] = r[i].mel, my[nm++] = r[i].hb;
        }
    }
    f.mel_per_hb = tu_slope(hx, hy, nb, NULL);
    f.hb_per_mel = tu_slope(mx, my, nm, NULL);
    f.hb_slope = tu_slope(ex, hbe, nb, &f.r2);
    for (int i = 0; i < nm; i++)
        mel_lo = fmin(mel_lo, mx[i]), mel_hi = fmax(mel_hi, mx[i]);
    double hb_range = fabs(hbe[nb - 1] - hbe[0]), mel_range = mel_hi - mel_lo;
    p = cJSON_GetObjectItem(truth, "patches")->child;
    for (int i = 0; i < n; i++, p = p->next)
        if (!strcmp(cJSON_GetObjectItem(p, "type")->valuestring, type_name) &&
            !strcmp(r[i].series, "exposure")) {
            f.exp_hb = fmax(f.exp_hb, fabs(r[i].hb - base_hb) / hb_range);
            f.exp_mel = fmax(f.exp_mel, fabs(r[i].mel - base_mel) / mel_range);
        }
    return f;
}

static void test_old_basis_crosstalk(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    readout r[64];
    cJSON *truth = NULL;
    int n = read_phantom(ctx, r, 64, &truth);
    assert_int_equal(n, 42);
    static const char *types[] = {"light", "intermediate", "dark"};
    figures f[3];
    double smin = 1e9, smax = -1e9;
    printf("| skin type | ITA° | Δmelanin/Δhemoglobin (blood rises) | Δhemoglobin/Δmelanin (melanin rises) | "
           "R² hemoglobin vs excess | hemoglobin per unit excess | exposure ×0.7…1.3: hemoglobin, melanin "
           "(%% of "
           "range) |\n|---|---|---|---|---|---|---|\n");
    for (int t = 0; t < 3; t++) {
        f[t] = type_figures(r, n, types[t], truth);
        smin = fmin(smin, f[t].hb_slope), smax = fmax(smax, f[t].hb_slope);
        printf("| %s | %.1f | %.3f | %.3f | %.4f | %.3f | %.2f, %.2f |\n", types[t], f[t].ita,
               f[t].mel_per_hb, f[t].hb_per_mel, f[t].r2, f[t].hb_slope, 100 * f[t].exp_hb,
               100 * f[t].exp_mel);
    }
    printf("slope ratio across skin types (max/min hemoglobin per unit excess): %.3f\n", smax / smin);
    /* the characterisation of the old basis: the defect, asserted so that it is
     * flipped (to the goals ≤ 0.05, R² ≥ 0.99, slopes within 10 %, exposure ≤ 1 %)
     * when the decomposition inverts the spectral model (issue 20, part 2) */
    assert_true(f[0].ita > 55 && f[1].ita > 28 && f[1].ita < 41 && f[2].ita < 10);
    for (int t = 0; t < 3; t++) {
        assert_true(f[t].hb_slope > 0);
        assert_true(fabs(f[t].mel_per_hb) > 0.1);               /* goal ≤ 0.05: light 0.13 … dark 2.1 */
        assert_true(fabs(f[t].hb_per_mel) > 0.1);               /* goal ≤ 0.05 */
        assert_true(f[t].r2 >= 0.99);                           /* goal ≥ 0.99: met since the papillary
                                                                   dermis (README) */
        assert_true(f[t].exp_hb < 0.01 && f[t].exp_mel < 0.01); /* shading (1,1,1) is exact */
    }
    assert_true(smax / smin > 1.4); /* goal: within 10 % */
    cJSON_Delete(truth);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_white_and_grey), cmocka_unit_test(test_tables),
        cmocka_unit_test(test_camera_csv),     cmocka_unit_test(test_camera_oom),
        cmocka_unit_test(test_skin_physics),   cmocka_unit_test(test_old_basis_crosstalk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
