/* test_render.c -- the bitmap font, labelled maps with a neutral band, and compare's change maps on
 * a fixed scale: noise within the band stays grey, a change beyond k·band is the saturated end. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/render.h"
#include "test_util.h"

/* The glyphs as drawn (text.c's table is the one under test): "T1" at (1, 1), scale 1. */
static const char *const t1_art[9] = {
    "................", /* */
    ".#####...#......", /* */
    "...#....##......", /* */
    "...#.....#......", /* */
    "...#.....#......", /* */
    "...#.....#......", /* */
    "...#.....#......", /* */
    "...#....###.....", /* */
    "................",
};

static void test_text_pixels(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    static const uint8_t ink[3] = {255, 200, 100};
    assert_int_equal(skinq_image_new(ctx, 16, 9, 3, 8, &img), SKINQ_OK);
    memset(img->data, 0, img->stride * (size_t)img->height);
    skinq_text_draw(img, 1, 1, "T1", 1, ink);
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 16; x++) {
            const uint8_t *p = skinq_image_row(img, y) + 3 * x;
            if (t1_art[y][x] == '#')
                assert_memory_equal(p, ink, 3);
            else
                assert_true(p[0] == 0 && p[1] == 0 && p[2] == 0);
        }
    /* widths: 6 columns a glyph less the last gap; UTF-8 Δ is one glyph; scale multiplies */
    assert_int_equal(skinq_text_width("T1", 1), 11);
    assert_int_equal(skinq_text_width("Δa*", 1), 17);
    assert_int_equal(skinq_text_width("Δa*", 2), 34);
    assert_int_equal(skinq_text_width("", 2), 0);
    /* scale 2: '-' is glyph row 3, so image rows 6 and 7, columns 0..9; clipped at the edges */
    memset(img->data, 0, img->stride * (size_t)img->height);
    skinq_text_draw(img, 0, 0, "-", 2, ink);
    skinq_text_draw(img, 14, -20, "-", 2, ink); /* off the image: nothing, no crash */
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 16; x++)
            assert_int_equal(skinq_image_row(img, y)[3 * x] != 0, (y == 6 || y == 7) && x < 10);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* The map part of a labelled map PNG (title band above, legend below, map centred). */
static const uint8_t *map_px(const skinq_image *png, int mw, int mh, int x, int y)
{
    int head = png->height - mh - 30, x0 = (png->width - mw) / 2;
    return skinq_image_row(png, head + y) + 3 * (size_t)(x0 + x);
}

static void test_band(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    enum { W = 40, H = 20 };
    float v[W * H];
    uint64_t rs = tu_seed();
    for (int i = 0; i < W * H; i++) /* noise inside ±0.45 of a ±0.5 band; a +5 patch; a -6 patch */
        v[i] = i % W >= 30 ? 5.0f : i % W < 4 ? -6.0f : (float)(0.9 * (tu_uniform(&rs) - 0.5));
    char path[512];
    tu_path(path, sizeof path, "band.png");
    skinq_map_labels l = {"Redness change", "a*", "2026-01-01", "2026-02-12", "fixed scale", -0.5, 0.5};
    assert_int_equal(skinq_map_write(ctx, path, v, W, W, H, NULL, 0, -5, 5, SKINQ_CMAP_COOLWARM, &l),
                     SKINQ_OK);
    skinq_image *png = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &png, NULL), SKINQ_OK);
    assert_true(png->width > W); /* widened to fit its title */
    uint8_t hot[3], cold[3];
    skinq_colormap_rgb(SKINQ_CMAP_COOLWARM, 1, hot);
    skinq_colormap_rgb(SKINQ_CMAP_COOLWARM, 0, cold);
    assert_int_equal(hot[0], 180);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const uint8_t *p = map_px(png, W, H, x, y);
            assert_memory_equal(p, x >= 30 ? hot : x < 4 ? cold : skinq_neutral_rgb, 3);
        }
    /* the title band holds text (white) and the colour bar shows the band in the neutral grey */
    long white = 0, grey = 0;
    for (int y = 0; y < png->height - H - 30; y++)
        for (int x = 0; x < png->width; x++)
            white += skinq_image_row(png, y)[3 * x] == 235;
    for (int x = 0; x < png->width; x++)
        grey += !memcmp(skinq_image_row(png, png->height - 15) + 3 * x, skinq_neutral_rgb, 3);
    assert_true(white > 200);
    assert_true(grey > 0);
    skinq_image_free(&png);
    assert_int_equal(skinq_map_write(ctx, path, v, W, W, H, NULL, 0, -5, 5, SKINQ_CMAP_COOLWARM,
                                     &(skinq_map_labels){NULL, NULL, NULL, NULL, NULL, 0, 0}),
                     SKINQ_E_INVALID);
    skinq_ctx_close(&ctx);
}

/* A skin-like photo: base colour, +0/+1 DN noise per channel, optionally a redder square. */
static void write_photo(skinq_ctx *ctx, const char *path, const int base[3], int patch, uint64_t seed)
{
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, 200, 144, 3, 8, &img), SKINQ_OK);
    for (int y = 0; y < 144; y++)
        for (int x = 0; x < 200; x++) {
            uint8_t *p = skinq_image_row(img, y) + 3 * x;
            int in = patch && x >= 64 && x < 128 && y >= 48 && y < 112;
            for (int c = 0; c < 3; c++)
                p[c] = (uint8_t)(base[c] +
                                 (in ? (c == 0   ? 40
                                        : c == 1 ? -25
                                                 : 0)
                                     : 0) +
                                 (tu_rand(&seed) & 1));
        }
    assert_int_equal(skinq_png_write(ctx, path, img), SKINQ_OK);
    skinq_image_free(&img);
}

/* compare's redness_change.png: pure noise (cell means far inside the grey band) is all grey, a
 * patch far beyond the band is the saturated red end; two different pairs get the same scale. */
static void test_compare_change_scale(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    static const int bases[2][3] = {{200, 150, 130}, {170, 112, 95}};
    skinq_compare_maps scale[2];
    for (int k = 0; k < 2; k++) {
        char before[512], after[512], dir[512], png_path[600];
        tu_path(before, sizeof before, k ? "b1.png" : "b0.png");
        tu_path(after, sizeof after, k ? "a1.png" : "a0.png");
        tu_path(dir, sizeof dir, k ? "maps1" : "maps0");
        write_photo(ctx, before, bases[k], 0, 11 + k);
        write_photo(ctx, after, bases[k], 1, 23 + k);
        skinq_analysis_options ao;
        skinq_analysis_default_options(&ao);
        ao.texture = 0;
        skinq_compare_options co;
        skinq_compare_default_options(&co);
        co.analysis = &ao;
        co.align.no_align = 1;
        co.maps_dir = dir;
        co.map_max_size = 25; /* cells of 8 x 8 px */
        skinq_compare_result *r = NULL;
        assert_int_equal(skinq_compare(ctx, before, after, &co, &r), SKINQ_OK);
        assert_true(r->has_maps);
        scale[k] = r->maps;
        const skinq_metric *a0 = skinq_metrics_find(&r->before->metrics, "color.a.mean");
        double mdc = skinq_metric_default_mdc("color.a.mean", "a*", a0->value,
                                              r->has_ref || r->has_white || r->has_chart);
        assert_near(r->maps.da_band, isfinite(mdc) ? fmax(mdc, 0.5) : 0.5, 1e-12);
        assert_near(r->maps.da_max, isfinite(mdc) ? fmax(5 * mdc, 5.0) : 5.0, 1e-12);
        print_message("[          ] pair %d: a* %.2f, change map ±%g a*, grey within %g\n", k, a0->value,
                      r->maps.da_max, r->maps.da_band);
        skinq_compare_free(&r);
        snprintf(png_path, sizeof png_path, "%s/redness_change.png", dir);
        skinq_image *png = NULL;
        assert_int_equal(skinq_image_load(ctx, png_path, &png, NULL), SKINQ_OK);
        uint8_t hot[3];
        skinq_colormap_rgb(SKINQ_CMAP_COOLWARM, 1, hot);
        int grey = 0, red = 0;
        for (int y = 0; y < 18; y++)
            for (int x = 0; x < 25; x++) {
                const uint8_t *p = map_px(png, 25, 18, x, y);
                int in = x >= 8 && x < 16 && y >= 6 && y < 14;
                assert_memory_equal(p, in ? hot : skinq_neutral_rgb, 3);
                grey += !in, red += in;
            }
        assert_int_equal(grey, 25 * 18 - 64);
        assert_int_equal(red, 64);
        skinq_image_free(&png);
    }
    assert_memory_equal(&scale[0].da_max, &scale[1].da_max, sizeof(double));
    assert_memory_equal(&scale[0].da_band, &scale[1].da_band, sizeof(double));
    assert_memory_equal(&scale[0].de_max, &scale[1].de_max, sizeof(double));
    assert_true(scale[0].a_lo != scale[1].a_lo); /* the a* maps' range follows the photos; not the changes' */
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_pixels),
        cmocka_unit_test(test_band),
        cmocka_unit_test(test_compare_change_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
