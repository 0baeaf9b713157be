/* test_color.c -- the colour analysis (skinq_color_analyze and friends) on images whose answer
 * is known: uniform colours against the double reference, percentiles against a sort, masks,
 * clipping, reference deltas, white gains on a known cast, the healing-series phantom's treated
 * region, skin detection, empty ROIs, maps, and agreement across ISAs and thread counts. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "color/srgb.h"
#include "lab_ref.h"
#include "test_util.h"

static skinq_image *uniform_image(skinq_ctx *ctx, int w, int h, int depth, const unsigned rgb[3])
{
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, w, h, 3, depth, &img), SKINQ_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                if (depth == 16)
                    ((uint16_t *)(void *)skinq_image_row(img, y))[3 * x + c] = (uint16_t)rgb[c];
                else
                    skinq_image_row(img, y)[3 * x + c] = (uint8_t)rgb[c];
            }
    return img;
}

static void set_px(skinq_image *img, int x, int y, const unsigned rgb[3])
{
    for (int c = 0; c < 3; c++)
        skinq_image_row(img, y)[3 * x + c] = (uint8_t)rgb[c];
}

static double get(const skinq_metrics *m, const char *path)
{
    const skinq_metric *v = skinq_metrics_find(m, path);
    if (!v)
        fail_msg("metric %s missing", path);
    return v->value;
}

/* IEC 61966-2-1 encoding of a linear value to a 16-bit code. */
static uint16_t encode16(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    double e = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
    return (uint16_t)lround(e * 65535);
}

/* skinq_color_analyze() over the ROI `ro` at scale ppm, resolved as an analysis resolves it. */
static skinq_status analyze(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                            const skinq_roi_options *ro, double ppm, const skinq_color_options *o,
                            const skinq_maps_options *mp, skinq_metrics *m, skinq_color_info *info)
{
    skinq_roi *roi = NULL;
    skinq_status st = skinq_roi_resolve(ctx, img, alpha, ro, ppm, NULL, &roi);
    if (st == SKINQ_OK)
        st = skinq_color_analyze(ctx, img, roi, o, mp, m, info);
    skinq_roi_free(&roi);
    return st;
}

/* 8-bit sRGB codes of the skin model's own colour at (melanin, blood) and shading. */
static void model_colour(skinq_ctx *ctx, double melanin, double blood, double shading, unsigned out[3])
{
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    double rgb[3];
    skinq_skin_model_rgb(s, melanin, blood, rgb);
    for (int c = 0; c < 3; c++)
        out[c] = (unsigned)lround(255 * skinq_srgb_encode(shading * rgb[c]));
    skinq_skin_model_free(&s);
}

/* color.hemoglobin / .melanin of a uniform colour: the exact inverse of the skin model (the
 * kernels' table within 2e-4), or not counted (NaN, out_of_model_fraction 1) when the model has
 * no such colour. Returns 1 when the colour is in the model. */
static int check_model(skinq_ctx *ctx, const skinq_metrics *m, const unsigned c[3])
{
    skinq_skin_model *s = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &s), SKINQ_OK);
    double lin[3];
    for (int k = 0; k < 3; k++)
        lin[k] = ref_srgb8_linear((uint8_t)c[k]);
    skinq_skin_fit f;
    int in = skinq_skin_invert(s, lin, &f) == SKINQ_SKIN_OK;
    skinq_skin_model_free(&s);
    if (in) {
        assert_near(get(m, "color.hemoglobin.mean"), f.blood, 2e-4);
        assert_near(get(m, "color.melanin.mean"), f.melanin, 2e-4);
        assert_near(get(m, "color.out_of_model_fraction"), 0, 1e-12);
    } else {
        assert_true(isnan(get(m, "color.hemoglobin.mean")) && isnan(get(m, "color.melanin.p50")));
        assert_near(get(m, "color.out_of_model_fraction"), 1, 1e-12);
    }
    return in;
}

static void test_uniform_known_values(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    unsigned colours[][3] = {{200, 120, 100}, {250, 250, 250}, {1, 1, 1}, {254, 1, 1}, {90, 60, 40}, {0}};
    model_colour(ctx, 0.06, 0.03, 0.8, colours[5]); /* skin the model can make */
    int in_model = 0;
    for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++) {
        skinq_image *img = uniform_image(ctx, 61, 37, 8, colours[i]);
        skinq_metrics m = {0};
        skinq_color_info info;
        assert_int_equal(skinq_color_analyze(ctx, img, NULL, NULL, NULL, &m, &info), SKINQ_OK);
        double lab[3];
        ref_srgb8_to_lab((uint8_t)colours[i][0], (uint8_t)colours[i][1], (uint8_t)colours[i][2], lab);
        static const char *const names[3] = {"L", "a", "b"};
        for (int c = 0; c < 3; c++) {
            char p[64];
            snprintf(p, sizeof p, "color.%s.mean", names[c]);
            assert_near(get(&m, p), lab[c], 0.005);
            snprintf(p, sizeof p, "color.%s.std", names[c]);
            assert_near(get(&m, p), 0, 1e-3);
            snprintf(p, sizeof p, "color.%s.p50", names[c]);
            assert_near(get(&m, p), lab[c], 1.0 / 64 + 0.005); /* within one histogram bin */
        }
        double R = ref_srgb8_linear((uint8_t)colours[i][0]), G = ref_srgb8_linear((uint8_t)colours[i][1]);
        assert_near(get(&m, "color.erythema_index.mean"), 100 * log10(R / G), 1e-3);
        assert_near(get(&m, "color.melanin_index.mean"), 100 * log10(1 / R), 1e-3);
        assert_near(get(&m, "color.ita_deg.mean"), atan2(lab[0] - 50, lab[2]) * 180 / 3.14159265358979323846,
                    0.05);
        assert_int_equal(info.roi_pixels, 61 * 37);
        assert_int_equal(info.roi_clipped, 0);
        in_model += check_model(ctx, &m, colours[i]);
        skinq_metrics_free(&m);
        skinq_image_free(&img);
    }
    assert_true(in_model >= 1); /* the model's own colour; grey, black, red paint are not skin */
    /* 16-bit: the same colour at 257× the code reads the same */
    const unsigned *c8 = colours[5], c16[3] = {c8[0] * 257, c8[1] * 257, c8[2] * 257};
    skinq_image *a = uniform_image(ctx, 20, 20, 8, c8), *b = uniform_image(ctx, 20, 20, 16, c16);
    skinq_metrics ma = {0}, mb = {0};
    assert_int_equal(skinq_color_analyze(ctx, a, NULL, NULL, NULL, &ma, NULL), SKINQ_OK);
    assert_int_equal(skinq_color_analyze(ctx, b, NULL, NULL, NULL, &mb, NULL), SKINQ_OK);
    assert_near(get(&mb, "color.L.mean"), get(&ma, "color.L.mean"), 1e-4);
    assert_near(get(&mb, "color.a.mean"), get(&ma, "color.a.mean"), 1e-4);
    assert_near(get(&mb, "color.hemoglobin.mean"), get(&ma, "color.hemoglobin.mean"), 1e-5);
    assert_near(get(&mb, "color.melanin.mean"), get(&ma, "color.melanin.mean"), 1e-5);
    assert_true(isfinite(get(&ma, "color.hemoglobin.mean")));
    skinq_metrics_free(&ma);
    skinq_metrics_free(&mb);
    skinq_image_free(&a);
    skinq_image_free(&b);
    skinq_ctx_close(&ctx);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* numpy's "linear" percentile of sorted values */
static double sorted_percentile(const float *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t k = (size_t)floor(pos);
    double f = pos - (double)k;
    return k + 1 < n ? v[k] + f * (v[k + 1] - v[k]) : v[k];
}

/* A random smooth-ish skin-toned image: percentiles from the histograms agree with a sort of
 * the same per-pixel values within one bin; means and std with plain double sums. */
static void test_percentiles_against_sort(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int w = 317, h = 211;
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, w, h, 3, 8, &img), SKINQ_OK);
    uint64_t s = tu_seed();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned base = 120 + (unsigned)(tu_rand(&s) % 100);
            unsigned px[3] = {base + 20 + (unsigned)(tu_rand(&s) % 15), base - (unsigned)(tu_rand(&s) % 40),
                              base - 30 - (unsigned)(tu_rand(&s) % 30)};
            set_px(img, x, y, px);
        }
    size_t n = (size_t)w * h;
    float *planes[SKINQ_COLOR_METRIC_COUNT];
    for (int k = 0; k < SKINQ_COLOR_METRIC_COUNT; k++)
        planes[k] = malloc(n * sizeof(float));
    assert_int_equal(skinq_color_planes(ctx, img, NULL, planes, (size_t)w), SKINQ_OK);
    skinq_metrics m = {0};
    assert_int_equal(skinq_color_analyze(ctx, img, NULL, NULL, NULL, &m, NULL), SKINQ_OK);
    static const char *const names[] = {"L",          "a",       "b",      "erythema_index", "melanin_index",
                                        "hemoglobin", "melanin", "ita_deg"};
    static const double bin[] = {1.0 / 128, 1.0 / 64,   1.0 / 64,   1.0 / 32,
                                 1.0 / 32,  1.0 / 8192, 1.0 / 8192, 1.0 / 32};
    size_t all = n;
    for (int k = 0; k < SKINQ_COLOR_METRIC_COUNT; k++) {
        n = 0; /* hemoglobin and melanin: only the colours inside the skin model count */
        for (size_t i = 0; i < all; i++)
            if (!isnan(planes[k][i]))
                planes[k][n++] = planes[k][i];
        assert_true(n > all / 4);
        double sum = 0, sq = 0;
        for (size_t i = 0; i < n; i++)
            sum += planes[k][i];
        double mean = sum / (double)n;
        for (size_t i = 0; i < n; i++)
            sq += (planes[k][i] - mean) * (planes[k][i] - mean);
        qsort(planes[k], n, sizeof(float), cmp_float);
        char p[64];
        snprintf(p, sizeof p, "color.%s.mean", names[k]);
        assert_near(get(&m, p), mean, 1e-6 * (1 + fabs(mean)));
        snprintf(p, sizeof p, "color.%s.std", names[k]);
        assert_near(get(&m, p), sqrt(sq / (double)n), 1e-5 * (1 + sqrt(sq / (double)n)));
        static const double qs[3] = {0.05, 0.5, 0.95};
        static const char *const qn[3] = {"p05", "p50", "p95"};
        for (int q = 0; q < 3; q++) {
            snprintf(p, sizeof p, "color.%s.%s", names[k], qn[q]);
            assert_near(get(&m, p), sorted_percentile(planes[k], n, qs[q]), bin[k]);
        }
    }
    for (int k = 0; k < SKINQ_COLOR_METRIC_COUNT; k++)
        free(planes[k]);
    skinq_metrics_free(&m);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* Masks, rectangles and clipped pixels: exactly the pixels inside and unclipped are measured. */
static void test_roi_mask_clipping(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const unsigned skin[3] = {210, 150, 130}, other[3] = {60, 140, 200}, clip[3] = {255, 140, 120},
                   dark[3] = {0, 9, 9};
    skinq_image *img = uniform_image(ctx, 100, 80, 8, other);
    for (int y = 10; y < 50; y++)
        for (int x = 20; x < 70; x++)
            set_px(img, x, y, skin);
    set_px(img, 30, 20, clip); /* 3 clipped pixels inside the rect */
    set_px(img, 31, 20, dark);
    set_px(img, 69, 49, clip);
    set_px(img, 5, 5, clip); /* outside: not counted */
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    ro.kind = SKINQ_ROI_RECT;
    ro.rect = (skinq_rect){20, 10, 50, 40};
    skinq_metrics m = {0};
    skinq_color_info info;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, &info), SKINQ_OK);
    assert_int_equal(info.roi_inside, 50 * 40);
    assert_int_equal(info.roi_clipped, 3);
    assert_int_equal(info.roi_pixels, 50 * 40 - 3);
    double lab[3];
    ref_srgb8_to_lab(210, 150, 130, lab);
    assert_near(get(&m, "color.a.mean"), lab[1], 0.005);
    assert_near(get(&m, "color.a.std"), 0, 1e-3);
    skinq_metrics_free(&m);

    /* a mask selecting a 10×10 block of the skin and a 5×5 block of the other colour */
    skinq_mask *mask = NULL;
    assert_int_equal(skinq_mask_new(ctx, 100, 80, 0, &mask), SKINQ_OK);
    for (int y = 12; y < 22; y++)
        for (int x = 40; x < 50; x++)
            mask->data[(size_t)y * mask->stride + (size_t)x] = 255;
    for (int y = 60; y < 65; y++)
        for (int x = 80; x < 85; x++)
            mask->data[(size_t)y * mask->stride + (size_t)x] = 1;
    ro.kind = SKINQ_ROI_MASK;
    ro.mask = mask;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, &info), SKINQ_OK);
    assert_int_equal(info.roi_pixels, 125);
    assert_int_equal(info.roi_rect.x, 40);
    assert_int_equal(info.roi_rect.y, 12);
    assert_int_equal(info.roi_rect.w, 45);
    assert_int_equal(info.roi_rect.h, 53);
    double lab2[3];
    ref_srgb8_to_lab(60, 140, 200, lab2);
    assert_near(get(&m, "color.L.mean"), (100 * lab[0] + 25 * lab2[0]) / 125, 0.01);
    assert_near(get(&m, "color.L.p50"), lab[0], 1.0 / 128 + 0.005);
    skinq_metrics_free(&m);

    /* an alpha mask removes what it covers too (ANDed with the ROI mask) */
    skinq_mask *alpha = NULL;
    assert_int_equal(skinq_mask_new(ctx, 100, 80, 1, &alpha), SKINQ_OK);
    for (int y = 60; y < 65; y++)
        for (int x = 80; x < 85; x++)
            alpha->data[(size_t)y * alpha->stride + (size_t)x] = 0;
    assert_int_equal(analyze(ctx, img, alpha, &ro, ppm, &o, &mp, &m, &info), SKINQ_OK);
    assert_int_equal(info.roi_pixels, 100);
    assert_string_equal(info.roi_source, "mask+alpha");
    assert_near(get(&m, "color.L.mean"), lab[0], 0.005);
    skinq_metrics_free(&m);
    skinq_mask_free(&alpha);
    skinq_mask_free(&mask);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* Reference region: delta_ref = ROI − reference per metric; red area against the ref median. */
static void test_reference_deltas(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    unsigned ref_c[3], red_c[3]; /* the model's skin with more blood: 0.02 → 0.05 */
    model_colour(ctx, 0.05, 0.02, 0.85, ref_c);
    model_colour(ctx, 0.05, 0.05, 0.85, red_c);
    skinq_image *img = uniform_image(ctx, 120, 60, 8, ref_c);
    for (int y = 0; y < 60; y++)
        for (int x = 60; x < 120; x++)
            set_px(img, x, y, red_c);
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    ro.kind = SKINQ_ROI_RECT;
    ro.rect = (skinq_rect){60, 0, 60, 60};
    o.has_ref = 1;
    o.ref = (skinq_rect){0, 0, 60, 60};
    skinq_metrics m = {0};
    skinq_color_info info;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, &info), SKINQ_OK);
    double la[3], lb[3];
    ref_srgb8_to_lab((uint8_t)ref_c[0], (uint8_t)ref_c[1], (uint8_t)ref_c[2], la);
    ref_srgb8_to_lab((uint8_t)red_c[0], (uint8_t)red_c[1], (uint8_t)red_c[2], lb);
    assert_near(get(&m, "color.a.delta_ref"), lb[1] - la[1], 0.01);
    assert_near(get(&m, "color.L.delta_ref"), lb[0] - la[0], 0.01);
    assert_near(get(&m, "color.a.ref_mean"), la[1], 0.005);
    double ei = 100 * log10(ref_srgb8_linear((uint8_t)red_c[0]) / ref_srgb8_linear((uint8_t)red_c[1])) -
                100 * log10(ref_srgb8_linear((uint8_t)ref_c[0]) / ref_srgb8_linear((uint8_t)ref_c[1]));
    assert_near(get(&m, "color.erythema_index.delta_ref"), ei, 1e-3);
    /* blood and melanin: the table lookup against the exact inverse of the same colours */
    skinq_skin_model *model = NULL;
    assert_int_equal(skinq_skin_model_new(ctx, NULL, &model), SKINQ_OK);
    skinq_skin_fit fr, fs;
    double lr[3], ls[3];
    for (int c = 0; c < 3; c++)
        lr[c] = ref_srgb8_linear((uint8_t)ref_c[c]), ls[c] = ref_srgb8_linear((uint8_t)red_c[c]);
    assert_int_equal(skinq_skin_invert(model, lr, &fr), SKINQ_SKIN_OK);
    assert_int_equal(skinq_skin_invert(model, ls, &fs), SKINQ_SKIN_OK);
    assert_near(fs.blood - fr.blood, 0.03, 0.005); /* 8-bit codes of the model's colours: ±0.004 */
    assert_near(get(&m, "color.hemoglobin.delta_ref"), fs.blood - fr.blood, 2e-4);
    assert_near(get(&m, "color.melanin.delta_ref"), fs.melanin - fr.melanin, 2e-4);
    assert_near(get(&m, "color.hemoglobin.ref_mean"), fr.blood, 1e-4);
    assert_near(get(&m, "color.out_of_model_fraction"), 0, 1e-12);
    skinq_skin_model_free(&model);
    assert_string_equal(info.red_basis, "ref_median");
    assert_near(info.red_threshold_a, la[1] + 5, 1.0 / 64 + 0.01);
    assert_near(get(&m, "color.red_area_fraction"), lb[1] > la[1] + 5 ? 1.0 : 0.0, 1e-9);
    assert_near(get(&m, "color.red_area_px"), 3600 * get(&m, "color.red_area_fraction"), 1e-6);
    /* without a scale no mm² (never the pixels under that name) */
    assert_true(isnan(get(&m, "color.red_area_mm2")));
    assert_string_equal(skinq_metrics_find(&m, "color.red_area_mm2")->unit, "mm2");
    const double red_px = get(&m, "color.red_area_px");
    skinq_metrics_free(&m);
    /* with a scale the red area is in mm², and the pixels stay in red_area_px */
    ppm = 10;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_OK);
    assert_near(get(&m, "color.red_area_mm2"), 36.0 * get(&m, "color.red_area_fraction"), 1e-6);
    assert_string_equal(skinq_metrics_find(&m, "color.red_area_mm2")->unit, "mm2");
    assert_near(get(&m, "color.red_area_px"), red_px, 1e-9);
    assert_near(get(&m, "color.red_area_mm2") * ppm * ppm, red_px, 1e-6);
    skinq_metrics_free(&m);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* A known colour cast in linear RGB, undone by the white patch: skin reads as without the cast
 * (16-bit, so that quantisation does not blur the comparison). */
static void test_white_gains_known_cast(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const double skin_lin[3] = {0.55, 0.33, 0.25}, cast[3] = {1.15, 0.95, 0.78}, card = 0.6;
    skinq_image *plain = NULL, *cast_img = NULL;
    assert_int_equal(skinq_image_new(ctx, 80, 40, 3, 16, &plain), SKINQ_OK);
    assert_int_equal(skinq_image_new(ctx, 80, 40, 3, 16, &cast_img), SKINQ_OK);
    for (int y = 0; y < 40; y++)
        for (int x = 0; x < 80; x++)
            for (int c = 0; c < 3; c++) {
                double v = x < 20 ? card : skin_lin[c];
                ((uint16_t *)(void *)skinq_image_row(plain, y))[3 * x + c] = encode16(v);
                ((uint16_t *)(void *)skinq_image_row(cast_img, y))[3 * x + c] = encode16(v * cast[c]);
            }
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    ro.kind = SKINQ_ROI_RECT;
    ro.rect = (skinq_rect){30, 0, 50, 40};
    skinq_metrics m0 = {0}, m1 = {0}, m2 = {0};
    assert_int_equal(analyze(ctx, plain, NULL, &ro, ppm, &o, &mp, &m0, NULL), SKINQ_OK);
    assert_int_equal(analyze(ctx, cast_img, NULL, &ro, ppm, &o, &mp, &m1, NULL), SKINQ_OK);
    o.has_white = 1;
    o.white = (skinq_rect){0, 0, 20, 40};
    o.white_reflectance = card;
    skinq_color_info info;
    assert_int_equal(analyze(ctx, cast_img, NULL, &ro, ppm, &o, &mp, &m2, &info), SKINQ_OK);
    for (int c = 0; c < 3; c++) /* gains undo the cast up to 16-bit rounding of the card */
        assert_near(info.white_gains[c], 1 / cast[c], 1e-4);
    assert_true(fabs(get(&m1, "color.a.mean") - get(&m0, "color.a.mean")) > 3); /* the cast matters */
    assert_near(get(&m2, "color.a.mean"), get(&m0, "color.a.mean"), 0.01);
    assert_near(get(&m2, "color.b.mean"), get(&m0, "color.b.mean"), 0.01);
    assert_near(get(&m2, "color.L.mean"), get(&m0, "color.L.mean"), 0.01);
    assert_near(get(&m2, "color.erythema_index.mean"), get(&m0, "color.erythema_index.mean"), 0.01);
    assert_near(get(&m2, "color.hemoglobin.mean"), get(&m0, "color.hemoglobin.mean"), 1e-4);
    skinq_metrics_free(&m0);
    skinq_metrics_free(&m1);
    skinq_metrics_free(&m2);
    /* a white patch that is all clipped cannot give gains */
    const unsigned white[3] = {255, 255, 255};
    skinq_image *sat = uniform_image(ctx, 30, 30, 8, white);
    double g[3];
    assert_int_equal(skinq_color_white_gains(ctx, sat, NULL, (skinq_rect){0, 0, 10, 10}, 1, g, NULL, NULL),
                     SKINQ_E_EMPTY_ROI);
    assert_non_null(strstr(skinq_ctx_error(ctx), "white patch"));
    skinq_image_free(&sat);
    skinq_image_free(&plain);
    skinq_image_free(&cast_img);
    skinq_ctx_close(&ctx);
}

/* ---- the healing-series phantom ---- */

static skinq_rect json_rect(const cJSON *a)
{
    return (skinq_rect){cJSON_GetArrayItem(a, 0)->valueint, cJSON_GetArrayItem(a, 1)->valueint,
                        cJSON_GetArrayItem(a, 2)->valueint, cJSON_GetArrayItem(a, 3)->valueint};
}

/* Day 1 (strong excess): the treated region reads higher erythema index, hemoglobin and a* than
 * untreated skin, and its hemoglobin excess over the reference matches the phantom's truth. */
static void test_healing_treated_redder(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const char *dir = tu_healing_series(ctx, 800, 600);
    char path[4400];
    snprintf(path, sizeof path, "%s/truth.json", dir);
    cJSON *truth = tu_read_json(path);
    skinq_rect ref = json_rect(cJSON_GetObjectItem(truth, "reference_rect"));
    const cJSON *im1 = cJSON_GetArrayItem(cJSON_GetObjectItem(truth, "images"), 1);
    double excess = cJSON_GetObjectItem(im1, "hemoglobin_excess")->valuedouble;
    skinq_rect white = json_rect(cJSON_GetObjectItem(im1, "white_rect"));
    double refl = cJSON_GetObjectItem(im1, "white_reflectance")->valuedouble;
    snprintf(path, sizeof path, "%s/mask.png", dir);
    skinq_mask *mask = NULL;
    assert_int_equal(skinq_mask_load(ctx, path, &mask), SKINQ_OK);
    snprintf(path, sizeof path, "%s/%s", dir, cJSON_GetObjectItem(im1, "file")->valuestring);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);

    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    o.has_white = 1;
    o.white = white;
    o.white_reflectance = refl;
    skinq_metrics treated = {0}, untreated = {0};
    /* the day-1 photo is posed: erode the day-0 mask's use by taking its inner part only */
    o.red_threshold = 2.5;
    ro.kind = SKINQ_ROI_MASK;
    ro.mask = mask;
    o.has_ref = 1;
    o.ref = ref;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &treated, NULL), SKINQ_OK);
    ro.kind = SKINQ_ROI_RECT;
    ro.rect = ref;
    o.has_ref = 0;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &untreated, NULL), SKINQ_OK);
    static const char *const redder[] = {"color.erythema_index.mean", "color.hemoglobin.mean", "color.a.mean",
                                         "color.erythema_index.p50",  "color.hemoglobin.p50",  "color.a.p50"};
    for (size_t i = 0; i < sizeof redder / sizeof redder[0]; i++) /* a*, EI units; blood fraction */
        assert_true(get(&treated, redder[i]) > get(&untreated, redder[i]) + (i % 3 == 1 ? 0.005 : 0.02));
    /* the posed photo moves the ellipse a little against the day-0 mask: the median is robust */
    double d_hb = get(&treated, "color.hemoglobin.p50") - get(&untreated, "color.hemoglobin.p50");
    print_message("day 1: hemoglobin excess measured %.4f, truth %.4f\n", d_hb, excess);
    assert_near(d_hb, excess, 0.25 * excess);
    assert_true(get(&treated, "color.hemoglobin.delta_ref") > 0.5 * excess);
    assert_true(get(&treated, "color.red_area_fraction") > 0.5); /* at a* + 2.5: day 1 is about a* + 4 */
    skinq_metrics_free(&treated);
    skinq_metrics_free(&untreated);

    /* skin detection: the grey card is out, almost all of the treated ellipse is in */
    skinq_mask *skin = NULL;
    assert_int_equal(skinq_color_skin_mask(ctx, img, NULL, NULL, &skin), SKINQ_OK);
    uint64_t card_in = 0, treated_in = 0, treated_all = 0;
    for (int y = white.y; y < white.y + white.h; y++)
        for (int x = white.x; x < white.x + white.w; x++)
            card_in += skin->data[(size_t)y * skin->stride + (size_t)x] != 0;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            if (mask->data[(size_t)y * mask->stride + (size_t)x]) {
                treated_all++;
                treated_in += skin->data[(size_t)y * skin->stride + (size_t)x] != 0;
            }
    print_message("auto-skin: %llu of %d card pixels, %.1f %% of the treated region\n",
                  (unsigned long long)card_in, white.w * white.h,
                  100.0 * (double)treated_in / (double)treated_all);
    assert_true(card_in < (uint64_t)(white.w * white.h) / 100);
    assert_true(treated_in > 0.97 * (double)treated_all);
    skinq_mask_free(&skin);
    skinq_image_free(&img);
    skinq_mask_free(&mask);
    cJSON_Delete(truth);
    skinq_ctx_close(&ctx);
}

/* Skin detection on a photo that is mostly not skin: a blue background and dark "hair". The skin
 * is an ellipse shaded across (a limb is round): a perfectly uniform block is what the limb path
 * refuses as a printed patch (a rendered colour chart's skin patches), a rectangle inside the
 * frame as a card or label. */
/* The skin of test_auto_skin_background: an ellipse centred in (150, 125), semi-axes 90 and 55. */
static int is_skin_ellipse(int x, int y)
{
    double u = (x - 150) / 90.0, v = (y - 125) / 55.0;
    return u * u + v * v <= 1;
}

static void test_auto_skin_background(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const unsigned bg[3] = {40, 90, 170}, hair[3] = {35, 25, 20};
    skinq_image *img = uniform_image(ctx, 300, 200, 8, bg);
    for (int y = 40; y < 180; y++)
        for (int x = 60; x < 240; x++) {
            double t = (x - 150) / 90.0, shade = 1 - 0.12 * t * t;
            const unsigned skin[3] = {(unsigned)lround(215 * shade), (unsigned)lround(160 * shade),
                                      (unsigned)lround(140 * shade)};
            if (y < 70)
                set_px(img, x, y, hair);
            else if (is_skin_ellipse(x, y))
                set_px(img, x, y, skin);
        }
    skinq_mask *m = NULL;
    assert_int_equal(skinq_color_skin_mask(ctx, img, NULL, NULL, &m), SKINQ_OK);
    uint64_t in_skin = 0, in_other = 0;
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 300; x++) {
            int is_skin = y >= 70 && is_skin_ellipse(x, y);
            uint8_t v = m->data[(size_t)y * m->stride + (size_t)x];
            in_skin += is_skin && v;
            in_other += !is_skin && v;
        }
    assert_int_equal(in_other, 0);
    assert_true(in_skin > 0.97 * 3.14159265358979 * 90 * 55); /* the ellipse below the hair */
    skinq_mask_free(&m);
    /* no skin at all */
    skinq_image *blue = uniform_image(ctx, 50, 50, 8, bg);
    assert_int_equal(skinq_color_skin_mask(ctx, blue, NULL, NULL, &m), SKINQ_E_EMPTY_ROI);
    assert_null(m);
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    ro.kind = SKINQ_ROI_AUTO_SKIN;
    skinq_metrics out = {0};
    assert_int_equal(analyze(ctx, blue, NULL, &ro, ppm, &o, &mp, &out, NULL), SKINQ_E_EMPTY_ROI);
    skinq_metrics_free(&out);
    skinq_image_free(&blue);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const unsigned c[3] = {200, 150, 120}, sat[3] = {255, 255, 255};
    skinq_image *img = uniform_image(ctx, 40, 30, 8, c), *white = uniform_image(ctx, 40, 30, 8, sat);
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    skinq_metrics m = {0};
    ro.kind = SKINQ_ROI_RECT;
    ro.rect = (skinq_rect){100, 100, 10, 10}; /* outside */
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_E_EMPTY_ROI);
    assert_non_null(strstr(skinq_ctx_error(ctx), "no usable pixel"));
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    assert_int_equal(analyze(ctx, white, NULL, &ro, ppm, &o, &mp, &m, NULL),
                     SKINQ_E_EMPTY_ROI); /* all clipped */
    assert_non_null(strstr(skinq_ctx_error(ctx), "clipped"));
    skinq_mask *empty = NULL, *small = NULL;
    assert_int_equal(skinq_mask_new(ctx, 40, 30, 0, &empty), SKINQ_OK);
    assert_int_equal(skinq_mask_new(ctx, 20, 30, 1, &small), SKINQ_OK);
    ro.kind = SKINQ_ROI_MASK;
    ro.mask = empty;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_E_EMPTY_ROI);
    ro.mask = small;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_E_FORMAT);
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    o.has_ref = 1;
    o.ref = (skinq_rect){50, 0, 5, 5};
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_E_EMPTY_ROI);
    assert_non_null(strstr(skinq_ctx_error(ctx), "reference"));
    skinq_image *gray = NULL;
    assert_int_equal(skinq_image_new(ctx, 10, 10, 1, 8, &gray), SKINQ_OK);
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    assert_int_equal(analyze(ctx, gray, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_E_UNSUPPORTED);
    assert_int_equal(m.count, 0);
    skinq_metrics_free(&m);
    skinq_image_free(&gray);
    skinq_mask_free(&empty);
    skinq_mask_free(&small);
    skinq_image_free(&img);
    skinq_image_free(&white);
    skinq_ctx_close(&ctx);
}

/* Fault injection over an 8- and a 16-bit analysis: fail n = 1, 2, ... until both succeed; never
 * a leak. The 16-bit tables go through the ctx's allocator and stay with it after the analysis. */
static void test_alloc_failures(void **state)
{
    (void)state;
    skinq_ctx *setup = tu_ctx();
    skinq_image *img[2] = {tu_pattern_image(setup, 48, 32, 3, 8), tu_pattern_image(setup, 48, 32, 3, 16)};
    int succeeded = 0;
    for (int n = 1; n < 200 && !succeeded; n++) {
        tu_fail_alloc fa;
        skinq_ctx *ctx = tu_fail_ctx(&fa, n, 1);
        if (!ctx)
            continue;
        skinq_status st = SKINQ_OK;
        int live_before_16 = 0;
        for (int k = 0; k < 2 && st == SKINQ_OK; k++) {
            skinq_metrics m = {0};
            live_before_16 = fa.live;
            st = skinq_color_analyze(ctx, img[k], NULL, NULL, NULL, &m, NULL);
            if (st == SKINQ_OK)
                assert_non_null(skinq_metrics_find(&m, "color.melanin_index.mean"));
            skinq_metrics_free(&m);
        }
        if (st == SKINQ_OK) {
            succeeded = 1;
            assert_int_equal(fa.live, live_before_16 + 1); /* the tables, kept until the ctx closes */
        } else {
            assert_int_equal(st, SKINQ_E_NOMEM);
        }
        skinq_ctx_close(&ctx);
        assert_int_equal(fa.live, 0);
    }
    assert_true(succeeded);
    skinq_image_free(&img[0]);
    skinq_image_free(&img[1]);
    skinq_ctx_close(&setup);
}

/* --maps: every file written, of the cell grid's size plus the legend, nothing temporary left. */
static void test_maps(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = tu_pattern_image(ctx, 300, 140, 3, 8);
    char dir[4096];
    tu_path(dir, sizeof dir, "maps");
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    mp.dir = dir;
    mp.color_max_size = 100; /* 300 px → factor 3 → 100 × 47 cells */
    skinq_metrics m = {0};
    skinq_color_info info;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, &info), SKINQ_OK);
    assert_int_equal(info.map_factor, 3);
    static const char *const files[] = {"a.png",       "erythema_index.png", "hemoglobin.png",
                                        "melanin.png", "overlay_a.png",      "roi.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        skinq_image *mi = NULL;
        assert_int_equal(skinq_image_load(ctx, p, &mi, NULL), SKINQ_OK);
        assert_int_equal(mi->width, 100);
        assert_true(mi->height >= 47);
        skinq_image_free(&mi);
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp > /dev/null", dir);
    assert_int_not_equal(system(cmd), 0); /* no temporary files */
    skinq_metrics_free(&m);
    /* a maps "folder" that is a file: an I/O error, nothing else written */
    char file[4096];
    tu_path(file, sizeof file, "not-a-dir");
    assert_int_equal(tu_write_bytes(file, "x", 1), 0);
    mp.dir = file;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &m, NULL), SKINQ_E_IO);
    skinq_metrics_free(&m);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* Scalar, SSE4.1 and AVX2, 1 and 2 threads: the same numbers (percentiles exactly). */
static void test_isa_and_thread_agreement(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const char *dir = tu_healing_series(ctx, 800, 600);
    char path[4400];
    snprintf(path, sizeof path, "%s/day02.jpg", dir);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    skinq_ctx_close(&ctx);
    static const unsigned isas[] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_ALL};
    skinq_metrics ref = {0};
    for (int i = 0; i < 3; i++)
        for (int t = 1; t <= 2; t++) {
            skinq_ctx *c = tu_ctx_with(isas[i], t);
            skinq_metrics m = {0};
            skinq_color_options o;
            skinq_roi_options ro;
            skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
            double ppm = 0;
            skinq_color_default_options(&o);
            ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
            o.has_ref = 1;
            o.ref = (skinq_rect){20, 200, 100, 100};
            assert_int_equal(analyze(c, img, NULL, &ro, ppm, &o, &mp, i == 0 && t == 1 ? &ref : &m, NULL),
                             SKINQ_OK);
            for (size_t k = 0; k < m.count; k++) {
                double want = get(&ref, m.items[k].path), got = m.items[k].value;
                if (strstr(m.items[k].path, ".p") || strstr(m.items[k].path, "red_area"))
                    assert_true(got == want || (isnan(got) && isnan(want))); /* mm² without a scale */
                else
                    assert_near(got, want, 1e-6 * (1 + fabs(want)));
            }
            skinq_metrics_free(&m);
            skinq_ctx_close(&c);
        }
    skinq_metrics_free(&ref);
    skinq_image_free(&img);
}

/* The colour-histogram path (8-bit, no maps) and the per-pixel path (taken when maps are
 * written) give the same statistics: histograms, hence percentiles and red area, exactly. */
static void test_histogram_path_equals_pixel_path(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const char *dir = tu_healing_series(ctx, 800, 600);
    char path[4400], maps[4096];
    snprintf(path, sizeof path, "%s/day03.jpg", dir);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    skinq_color_options o;
    skinq_roi_options ro;
    skinq_maps_options mp = {.dir = NULL, .color_max_size = 1024, .texture_max_size = 2048};
    double ppm = 0;
    skinq_color_default_options(&o);
    ro = (skinq_roi_options){.kind = SKINQ_ROI_IMAGE, .rect = {0, 0, 0, 0}, .mask = NULL};
    ro.kind = SKINQ_ROI_RECT;
    ro.rect = (skinq_rect){300, 150, 400, 300};
    o.has_ref = 1;
    o.ref = (skinq_rect){20, 200, 100, 100};
    skinq_metrics fast = {0}, slow = {0};
    skinq_color_info fi, si;
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &fast, &fi), SKINQ_OK);
    mp.dir = tu_path(maps, sizeof maps, "maps-equal");
    assert_int_equal(analyze(ctx, img, NULL, &ro, ppm, &o, &mp, &slow, &si), SKINQ_OK);
    assert_int_equal(fi.roi_pixels, si.roi_pixels);
    assert_int_equal(fi.roi_clipped, si.roi_clipped);
    assert_int_equal(fast.count, slow.count);
    for (size_t k = 0; k < fast.count; k++) {
        double a = fast.items[k].value, b = get(&slow, fast.items[k].path);
        if (strstr(fast.items[k].path, ".p") || strstr(fast.items[k].path, "red_area"))
            assert_true(a == b || (isnan(a) && isnan(b))); /* mm² without a scale */
        else
            assert_near(a, b, 1e-6 * (1 + fabs(b)));
    }
    skinq_metrics_free(&fast);
    skinq_metrics_free(&slow);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static void test_formulas_and_categories(void **state)
{
    (void)state;
    size_t n = 0;
    const skinq_color_formula *f = skinq_color_formulas(&n);
    assert_true(n >= 9);
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(f[i].formula) > 10);
        assert_true(strlen(f[i].citation) > 5);
    }
    assert_string_equal(skinq_ita_category(60), "very light");
    assert_string_equal(skinq_ita_category(45), "light");
    assert_string_equal(skinq_ita_category(30), "intermediate");
    assert_string_equal(skinq_ita_category(20), "tan");
    assert_string_equal(skinq_ita_category(0), "brown");
    assert_string_equal(skinq_ita_category(-45), "dark");
    assert_string_equal(skinq_ita_category(NAN), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform_known_values),
        cmocka_unit_test(test_percentiles_against_sort),
        cmocka_unit_test(test_roi_mask_clipping),
        cmocka_unit_test(test_reference_deltas),
        cmocka_unit_test(test_white_gains_known_cast),
        cmocka_unit_test(test_healing_treated_redder),
        cmocka_unit_test(test_auto_skin_background),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_isa_and_thread_agreement),
        cmocka_unit_test(test_formulas_and_categories),
        cmocka_unit_test(test_histogram_path_equals_pixel_path),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
