/* test_skin.c -- auto-skin's API (lib/color/skin*.c): the modes, the account it gives, the face
 * path on a real portrait against the limb path, and what happens without a face or a model. */
#include "test_util.h"

#include <skinq_tools.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mask_count(const skinq_mask *m)
{
    uint64_t n = 0;
    for (int y = 0; y < m->height; y++)
        for (int x = 0; x < m->width; x++)
            n += m->data[(size_t)y * m->stride + (size_t)x] != 0;
    return n;
}

static skinq_image *portrait(skinq_ctx *ctx)
{
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, SKINQ_TEST_SAMPLES "/real/astronaut-face.png", &img, NULL),
                     SKINQ_OK);
    return img;
}

static void test_modes(void **state)
{
    (void)state;
    static const char *const names[] = {"auto", "face", "limb"};
    for (int k = 0; k < 3; k++) {
        skinq_skin_mode m = (skinq_skin_mode)99;
        assert_string_equal(skinq_skin_mode_name((skinq_skin_mode)k), names[k]);
        assert_int_equal(skinq_skin_mode_parse(names[k], &m), 0);
        assert_int_equal(m, k);
    }
    skinq_skin_mode m = SKINQ_SKIN_LIMB;
    assert_int_equal(skinq_skin_mode_parse("Face", &m), -1);
    assert_int_equal(skinq_skin_mode_parse(NULL, &m), -1);
    assert_int_equal(m, SKINQ_SKIN_LIMB);
    assert_string_equal(skinq_skin_mode_name((skinq_skin_mode)7), "unknown");
    /* the mode lives in the ROI options' reserved space: the struct keeps the size of 0.1 (64 bytes
     * on LP64), embedded as it is in skinq_analysis_options */
#if UINTPTR_MAX == 0xffffffffffffffffu
    assert_int_equal(sizeof(skinq_roi_options), 64);
#endif
}

/* The portrait: one face, the face path; its account matches the mask it made. */
static void test_face_path_account(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = portrait(ctx);
    skinq_mask *m = NULL;
    skinq_skin_info info;
    memset(&info, 0xff, sizeof info);
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_AUTO, &info, &m), SKINQ_OK);
    assert_int_equal(info.ran, 1);
    assert_int_equal(info.asked, SKINQ_SKIN_AUTO);
    assert_int_equal(info.path, SKINQ_SKIN_FACE);
    assert_int_equal(info.faces, 1);
    assert_string_equal(info.detector, "haarcascade_frontalface_alt2.xml");
    /* the face box lies on her face (hand-measured: eyes ~y 100, mouth ~y 140, x 175-275) */
    skinq_rect f = info.face[0];
    assert_true(f.x > 150 && f.x + f.w < 300 && f.y > 40 && f.y + f.h < 200 && f.w > 60);
    uint64_t kept = mask_count(m);
    assert_near(info.kept_fraction, (double)kept / (512.0 * 512.0), 1e-12);
    /* every kept pixel within the face box grown by its reach; none in the suit below y 300 */
    for (int y = 0; y < 512; y++)
        for (int x = 0; x < 512; x++)
            if (m->data[(size_t)y * m->stride + (size_t)x]) {
                assert_true(y < 300);
                assert_true(x >= f.x - f.w && x < f.x + 2 * f.w);
            }
    /* the model's centre is light skin: L* 60-85, a* 4-15, b* 10-25 */
    assert_true(info.model_lab[0] > 60 && info.model_lab[0] < 85);
    assert_true(info.model_lab[1] > 4 && info.model_lab[1] < 15);
    assert_true(info.model_lab[2] > 10 && info.model_lab[2] < 25);
    /* the 0.1 API (mode auto, no account) gives the same mask */
    skinq_mask *m2 = NULL;
    assert_int_equal(skinq_color_skin_mask(ctx, img, NULL, NULL, &m2), SKINQ_OK);
    for (int y = 0; y < 512; y++)
        assert_memory_equal(m->data + (size_t)y * m->stride, m2->data + (size_t)y * m2->stride, 512);
    skinq_mask_free(&m);
    skinq_mask_free(&m2);
    /* an alpha mask over the left half: nothing kept right of it, the fraction of the inside */
    skinq_mask *alpha = NULL;
    assert_int_equal(skinq_mask_new(ctx, 512, 512, 0, &alpha), SKINQ_OK);
    for (int y = 0; y < 512; y++)
        memset(alpha->data + (size_t)y * alpha->stride, 1, 224);
    assert_int_equal(skinq_color_skin_detect(ctx, img, alpha, NULL, SKINQ_SKIN_FACE, &info, &m), SKINQ_OK);
    kept = mask_count(m);
    for (int y = 0; y < 512; y++)
        for (int x = 224; x < 512; x++)
            assert_int_equal(m->data[(size_t)y * m->stride + (size_t)x], 0);
    assert_near(info.kept_fraction, (double)kept / (224.0 * 512.0), 1e-12);
    skinq_mask_free(&m);
    skinq_mask_free(&alpha);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* A tilted head (the portrait turned by 12°, beyond the cascade's ~10°): found in the turned
 * search, its box around the face's turned centre. */
static void test_tilted_face(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = portrait(ctx), *rot = NULL;
    assert_int_equal(skinq_image_new(ctx, 512, 512, 3, 8, &rot), SKINQ_OK);
    const double a = 12 * 3.14159265358979323846 / 180, ca = cos(a), sa = sin(a);
    for (int y = 0; y < 512; y++) { /* nearest neighbour, edges replicated */
        uint8_t *d = skinq_image_row(rot, y);
        for (int x = 0; x < 512; x++) {
            double u = ca * (x - 256) - sa * (y - 256) + 256, v = sa * (x - 256) + ca * (y - 256) + 256;
            int sx = (int)lround(u), sy = (int)lround(v);
            sx = sx < 0 ? 0 : sx > 511 ? 511 : sx;
            sy = sy < 0 ? 0 : sy > 511 ? 511 : sy;
            memcpy(d + 3 * x, skinq_image_row(img, sy) + 3 * sx, 3);
        }
    }
    skinq_mask *m = NULL;
    skinq_skin_info info;
    assert_int_equal(skinq_color_skin_detect(ctx, rot, NULL, NULL, SKINQ_SKIN_FACE, &info, &m), SKINQ_OK);
    assert_int_equal(info.faces, 1);
    /* the upright face's centre (224, 114) where the turn puts it */
    double cx = ca * (224 - 256) + sa * (114 - 256) + 256, cy = -sa * (224 - 256) + ca * (114 - 256) + 256;
    skinq_rect f = info.face[0];
    assert_true(fabs(f.x + f.w / 2.0 - cx) < 15 && fabs(f.y + f.h / 2.0 - cy) < 15);
    assert_true(info.kept_fraction > 0.015);
    skinq_mask_free(&m);
    skinq_image_free(&rot);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* A colour chart as a camera sees it (sensor noise, light falling off toward the corners): its
 * light- and dark-skin patches are skin-coloured and not flat, but they are rectangles inside the
 * frame, and its red patch is red without skin around it: no skin found. */
static void test_chart_photo_is_not_skin(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_synth_options so;
    skinq_synth_default_options(&so);
    so.kind = "chart";
    char dir[4096], path[4200];
    tu_path(dir, sizeof dir, "skin-chart");
    assert_int_equal(skinq_synth(ctx, &so, dir), SKINQ_OK);
    snprintf(path, sizeof path, "%s/chart.png", dir);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    skinq_mask *m = NULL;
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_AUTO, NULL, &m),
                     SKINQ_E_EMPTY_ROI);
    uint64_t rng = tu_seed();
    for (int y = 0; y < img->height; y++) {
        uint8_t *row = skinq_image_row(img, y);
        for (int x = 0; x < img->width; x++) {
            double u = (double)x / img->width - 0.5, v = (double)y / img->height - 0.5;
            double fall = 1 - 0.6 * (u * u + v * v); /* 15 % darker in the corners */
            for (int k = 0; k < 3; k++) {
                double n = 0; /* ~N(0, 4 codes): the sum of four uniforms */
                for (int q = 0; q < 4; q++)
                    n += 6.93 * (tu_uniform(&rng) - 0.5);
                double val = row[3 * x + k] * fall + n;
                row[3 * x + k] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : lround(val));
            }
        }
    }
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_AUTO, NULL, &m),
                     SKINQ_E_EMPTY_ROI);
    assert_null(m);
    assert_non_null(strstr(skinq_ctx_error(ctx), "no skin found"));
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* No face: mode face refuses, auto takes the limb path; a bad mode is invalid. */
static void test_no_face(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, 200, 150, 3, 8, &img), SKINQ_OK);
    uint64_t rng = tu_seed();
    for (int y = 0; y < 150; y++) { /* skin with a little noise, no face anywhere */
        uint8_t *row = skinq_image_row(img, y);
        for (int x = 0; x < 200; x++) {
            double n = 6 * (tu_uniform(&rng) - 0.5);
            row[3 * x] = (uint8_t)(215 + n), row[3 * x + 1] = (uint8_t)(160 + n),
                    row[3 * x + 2] = (uint8_t)(140 + n);
        }
    }
    skinq_mask *m = NULL;
    skinq_skin_info info;
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_FACE, &info, &m),
                     SKINQ_E_EMPTY_ROI);
    assert_null(m);
    assert_non_null(strstr(skinq_ctx_error(ctx), "no face found"));
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_AUTO, &info, &m), SKINQ_OK);
    assert_int_equal(info.path, SKINQ_SKIN_LIMB);
    assert_int_equal(info.faces, 0);
    assert_true(info.kept_fraction > 0.95);
    skinq_mask_free(&m);
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_LIMB, &info, &m), SKINQ_OK);
    assert_int_equal(info.faces, -1); /* limb: the detector does not run */
    assert_string_equal(info.detector, "");
    skinq_mask_free(&m);
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, (skinq_skin_mode)5, &info, &m),
                     SKINQ_E_INVALID);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static int warnings;
static void count_warning(const char *msg, void *user)
{
    (void)user;
    warnings += strstr(msg, "limb path") != NULL;
}

/* Without the detector's model: face is refused naming the file, auto warns and goes on. */
static void test_missing_model(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_ctx_set_warning_handler(ctx, count_warning, NULL);
    skinq_image *img = portrait(ctx);
    setenv("SKINQ_FACE_CASCADE", "/nonexistent/cascade.xml", 1);
    skinq_mask *m = NULL;
    skinq_skin_info info;
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_FACE, &info, &m),
                     SKINQ_E_UNSUPPORTED);
    assert_non_null(strstr(skinq_ctx_error(ctx), "/nonexistent/cascade.xml"));
    warnings = 0;
    skinq_status st = skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_AUTO, &info, &m);
    assert_int_equal(warnings, 1);
    if (st == SKINQ_OK) { /* the limb path may or may not find enough skin here */
        assert_int_equal(info.path, SKINQ_SKIN_LIMB);
        assert_int_equal(info.faces, -1);
    } else {
        assert_int_equal(st, SKINQ_E_EMPTY_ROI);
    }
    skinq_mask_free(&m);
    unsetenv("SKINQ_FACE_CASCADE");
    assert_int_equal(skinq_color_skin_detect(ctx, img, NULL, NULL, SKINQ_SKIN_FACE, &info, &m), SKINQ_OK);
    skinq_mask_free(&m);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_face_path_account),
        cmocka_unit_test(test_tilted_face),
        cmocka_unit_test(test_no_face),
        cmocka_unit_test(test_chart_photo_is_not_skin),
        cmocka_unit_test(test_missing_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
