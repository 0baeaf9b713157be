/* test_io.c -- loaders and writers: PNG round trips (8/16-bit, gray/RGB/RGBA, palette, 1-bit,
 * interlaced), JPEG decode against known pixels, all 8 EXIF orientations, ICC conversion,
 * every bad-input case with its status and message, size limits, atomic writes, and
 * allocation-failure injection. */
#define _XOPEN_SOURCE 700 /* mknod(): a private device node for the output-path test */

#include <dirent.h>
#include <fcntl.h>
#include <lcms2.h>
#include <math.h>
#include <png.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"
#include "test_util.h"

static char *P(const char *name)
{
    static char buf[8][512];
    static int i;
    i = (i + 1) % 8;
    return tu_path(buf[i], sizeof buf[i], name);
}

static void assert_same_pixels(const skinq_image *a, const skinq_image *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->channels, b->channels);
    assert_int_equal(a->depth, b->depth);
    size_t row = (size_t)a->width * (size_t)a->channels * (size_t)(a->depth / 8);
    for (int y = 0; y < a->height; y++)
        assert_memory_equal(skinq_image_row(a, y), skinq_image_row(b, y), row);
}

/* Mean and max absolute difference over all samples (8-bit images). */
static void diff_stats(const skinq_image *a, const skinq_image *b, double *mean, int *max)
{
    long sum = 0;
    *max = 0;
    for (int y = 0; y < a->height; y++)
        for (int i = 0; i < a->width * a->channels; i++) {
            int d = abs((int)skinq_image_row(a, y)[i] - (int)skinq_image_row(b, y)[i]);
            sum += d;
            if (d > *max)
                *max = d;
        }
    *mean = (double)sum / ((double)a->width * a->height * a->channels);
}

static void test_png_roundtrip(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int layouts[][2] = {{1, 8}, {3, 8}, {1, 16}, {3, 16}};
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        skinq_image *src = tu_pattern_image(ctx, 37, 23, layouts[i][0], layouts[i][1]);
        assert_int_equal(skinq_png_write(ctx, P("rt.png"), src), SKINQ_OK);
        skinq_image *back = NULL;
        skinq_mask *alpha = (skinq_mask *)1;
        assert_int_equal(skinq_image_load(ctx, P("rt.png"), &back, &alpha), SKINQ_OK);
        assert_null(alpha); /* no alpha channel → no mask */
        assert_same_pixels(src, back);
        assert_int_equal(back->orientation, 1);
        assert_null(back->icc);
        skinq_image_header h;
        assert_int_equal(skinq_image_probe(ctx, P("rt.png"), &h), SKINQ_OK);
        assert_string_equal(h.format, "png");
        assert_int_equal(h.width, 37);
        assert_int_equal(h.depth, layouts[i][1]);
        skinq_image_free(&src);
        skinq_image_free(&back);
    }
    /* RGBA: colour comes back as RGB, alpha as a mask */
    skinq_image *rgba = tu_pattern_image(ctx, 16, 8, 4, 8);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++)
            skinq_image_row(rgba, y)[4 * x + 3] = x < 5 ? 0 : 200;
    assert_int_equal(skinq_png_write(ctx, P("rgba.png"), rgba), SKINQ_OK);
    skinq_image *back = NULL;
    skinq_mask *alpha = NULL;
    assert_int_equal(skinq_image_load(ctx, P("rgba.png"), &back, &alpha), SKINQ_OK);
    assert_int_equal(back->channels, 3);
    assert_non_null(alpha);
    assert_int_equal(skinq_mask_count(alpha), 11 * 8);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++) {
            assert_memory_equal(skinq_image_row(back, y) + 3 * x, skinq_image_row(rgba, y) + 4 * x, 3);
            assert_int_equal(alpha->data[y * alpha->stride + x] != 0, x >= 5);
        }
    skinq_image_free(&back);
    skinq_mask_free(&alpha);
    /* alpha not wanted: dropped */
    assert_int_equal(skinq_image_load(ctx, P("rgba.png"), &back, NULL), SKINQ_OK);
    assert_int_equal(back->channels, 3);
    skinq_image_free(&back);
    skinq_image_free(&rgba);
    skinq_ctx_close(&ctx);
}

/* Write a PNG through libpng directly, for layouts skinq's writer does not produce. */
static void write_png_raw(const char *path, int w, int h, int depth, int ctype, int interlace, uint8_t **rows,
                          png_color *palette, int npal, png_byte *trns, int ntrns)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, ctype, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, npal);
    if (trns)
        png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static void test_png_variants(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    enum { W = 10, H = 6 };
    uint8_t buf[H][W * 8];
    uint8_t *rows[H];
    for (int y = 0; y < H; y++)
        rows[y] = buf[y];

    /* palette with a transparent entry */
    png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
    png_byte trns[3] = {255, 255, 0};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            buf[y][x] = (uint8_t)((x + y) % 3);
    write_png_raw(P("pal.png"), W, H, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, rows, pal, 3, trns, 3);
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    assert_int_equal(skinq_image_load(ctx, P("pal.png"), &img, &alpha), SKINQ_OK);
    assert_int_equal(img->channels, 3);
    assert_non_null(alpha);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int k = (x + y) % 3;
            const uint8_t *p = skinq_image_row(img, y) + 3 * x;
            assert_int_equal(p[0], pal[k].red);
            assert_int_equal(p[1], pal[k].green);
            assert_int_equal(p[2], pal[k].blue);
            assert_int_equal(alpha->data[y * alpha->stride + x] != 0, k != 2);
        }
    skinq_image_free(&img);
    skinq_mask_free(&alpha);

    /* 1-bit gray expands to 0/255 */
    for (int y = 0; y < H; y++) {
        memset(buf[y], 0, sizeof buf[y]);
        for (int x = 0; x < W; x++)
            if ((x ^ y) & 1)
                buf[y][x / 8] |= (uint8_t)(0x80 >> (x % 8));
    }
    write_png_raw(P("bit1.png"), W, H, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, rows, NULL, 0, NULL, 0);
    assert_int_equal(skinq_image_load(ctx, P("bit1.png"), &img, NULL), SKINQ_OK);
    assert_int_equal(img->channels, 1);
    assert_int_equal(img->depth, 8);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            assert_int_equal(skinq_image_row(img, y)[x], ((x ^ y) & 1) ? 255 : 0);
    skinq_image_free(&img);

    /* 16-bit gray + alpha, big-endian in the file, native in memory */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned v = (unsigned)(1000 * x + 7 * y + 300), a = x == 0 ? 0 : 65535;
            buf[y][4 * x] = (uint8_t)(v >> 8);
            buf[y][4 * x + 1] = (uint8_t)v;
            buf[y][4 * x + 2] = (uint8_t)(a >> 8);
            buf[y][4 * x + 3] = (uint8_t)a;
        }
    write_png_raw(P("ga16.png"), W, H, 16, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, rows, NULL, 0, NULL,
                  0);
    assert_int_equal(skinq_image_load(ctx, P("ga16.png"), &img, &alpha), SKINQ_OK);
    assert_int_equal(img->channels, 1);
    assert_int_equal(img->depth, 16);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            assert_int_equal(((uint16_t *)skinq_image_row(img, y))[x], 1000 * x + 7 * y + 300);
            assert_int_equal(alpha->data[y * alpha->stride + x] != 0, x != 0);
        }
    skinq_image_free(&img);
    skinq_mask_free(&alpha);

    /* Adam7-interlaced RGB */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W * 3; x++)
            buf[y][x] = (uint8_t)(x * 11 + y * 29);
    write_png_raw(P("adam7.png"), W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, rows, NULL, 0, NULL, 0);
    assert_int_equal(skinq_image_load(ctx, P("adam7.png"), &img, NULL), SKINQ_OK);
    for (int y = 0; y < H; y++)
        assert_memory_equal(skinq_image_row(img, y), buf[y], W * 3);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static void test_jpeg_known_pixels(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    /* 16x16 flat blocks aligned to the 4:2:0 MCU: JPEG reproduces flat blocks almost exactly */
    static const uint8_t colours[4][3] = {{200, 150, 130}, {90, 60, 50}, {240, 240, 240}, {30, 90, 160}};
    skinq_image *src = NULL;
    assert_int_equal(skinq_image_new(ctx, 64, 32, 3, 8, &src), SKINQ_OK);
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 64; x++)
            memcpy(skinq_image_row(src, y) + 3 * x, colours[((x / 16) + (y / 16)) % 4], 3);
    skinq_jpeg_options o = tu_jpeg_options(95, 1, NULL, 0);
    assert_int_equal(skinq_jpeg_write(ctx, P("blocks.jpg"), src, &o), SKINQ_OK);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, P("blocks.jpg"), &img, NULL), SKINQ_OK);
    assert_int_equal(img->channels, 3);
    assert_int_equal(img->depth, 8);
    /* block centres within 3 levels of the encoded colour */
    for (int by = 0; by < 2; by++)
        for (int bx = 0; bx < 4; bx++) {
            const uint8_t *p = skinq_image_row(img, by * 16 + 8) + 3 * (bx * 16 + 8);
            const uint8_t *c = colours[(bx + by) % 4];
            for (int k = 0; k < 3; k++)
                assert_near(p[k], c[k], 3);
        }
    skinq_image_free(&img);
    skinq_image_header h;
    assert_int_equal(skinq_image_probe(ctx, P("blocks.jpg"), &h), SKINQ_OK);
    assert_string_equal(h.format, "jpeg");
    assert_int_equal(h.channels, 3);

    /* grayscale JPEG stays one channel */
    skinq_image *g = tu_pattern_image(ctx, 24, 16, 1, 8);
    assert_int_equal(skinq_jpeg_write(ctx, P("gray.jpg"), g, &o), SKINQ_OK);
    assert_int_equal(skinq_image_load(ctx, P("gray.jpg"), &img, NULL), SKINQ_OK);
    assert_int_equal(img->channels, 1);
    double mean;
    int max;
    diff_stats(g, img, &mean, &max);
    assert_true(mean < 1.5);
    assert_true(max <= 8);
    skinq_image_free(&img);
    skinq_image_free(&g);
    skinq_image_free(&src);
    skinq_ctx_close(&ctx);
}

static void test_exif_orientations(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *upright = tu_pattern_image(ctx, 48, 32, 3, 8);
    for (int o = 1; o <= 8; o++) {
        /* store the picture so that applying orientation o makes it upright again */
        int inv = o == 6 ? 8 : o == 8 ? 6 : o;
        skinq_image *stored = NULL;
        assert_int_equal(skinq_image_orient(ctx, upright, inv, &stored), SKINQ_OK);
        skinq_jpeg_options jo = tu_jpeg_options(98, o, NULL, 0);
        char name[32];
        snprintf(name, sizeof name, "orient%d.jpg", o);
        assert_int_equal(skinq_jpeg_write(ctx, P(name), stored, &jo), SKINQ_OK);
        skinq_image_header h;
        assert_int_equal(skinq_image_probe(ctx, P(name), &h), SKINQ_OK);
        assert_int_equal(h.orientation, o);
        assert_int_equal(h.width, stored->width);
        skinq_image *img = NULL;
        assert_int_equal(skinq_image_load(ctx, P(name), &img, NULL), SKINQ_OK);
        assert_int_equal(img->orientation, o);
        assert_int_equal(img->width, 48);
        assert_int_equal(img->height, 32);
        double mean;
        int max;
        diff_stats(upright, img, &mean, &max);
        if (!(mean < 1.5 && max <= 16))
            fail_msg("orientation %d: mean diff %.2f, max %d", o, mean, max);
        skinq_image_free(&img);
        skinq_image_free(&stored);
    }
    skinq_image_free(&upright);
    skinq_ctx_close(&ctx);
}

/* An RGB profile unlike sRGB: Adobe RGB (1998)-like primaries, gamma 2.2, D65. */
static cmsHPROFILE wide_profile(void)
{
    size_t n;
    uint8_t *icc = tu_wide_icc(&n);
    cmsHPROFILE p = cmsOpenProfileFromMem(icc, (cmsUInt32Number)n);
    free(icc);
    return p;
}

static void test_icc_conversion(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *src = tu_pattern_image(ctx, 32, 16, 3, 8);
    cmsHPROFILE wide = wide_profile();
    cmsUInt32Number n = 0;
    assert_true(cmsSaveProfileToMem(wide, NULL, &n));
    uint8_t *icc = malloc(n);
    assert_true(cmsSaveProfileToMem(wide, icc, &n));

    skinq_jpeg_options plain = tu_jpeg_options(95, 1, NULL, 0), tagged = tu_jpeg_options(95, 1, icc, n);
    assert_int_equal(skinq_jpeg_write(ctx, P("plain.jpg"), src, &plain), SKINQ_OK);
    assert_int_equal(skinq_jpeg_write(ctx, P("tagged.jpg"), src, &tagged), SKINQ_OK);
    skinq_image *a = NULL, *b = NULL;
    assert_int_equal(skinq_image_load(ctx, P("plain.jpg"), &a, NULL), SKINQ_OK);
    assert_int_equal(skinq_image_load(ctx, P("tagged.jpg"), &b, NULL), SKINQ_OK);
    assert_null(a->icc);
    assert_non_null(b->icc);
    assert_int_equal(b->icc_size, n);
    assert_memory_equal(b->icc, icc, n);
    assert_int_equal(b->icc_applied, 1);
    assert_string_equal(b->icc_description, "skinq test wide-gamut");

    /* expected: the same decoded pixels pushed through lcms2 here, with the profile as stored
     * (saving quantises the gamma curve, so the in-memory original would differ by a level) */
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsHPROFILE stored = cmsOpenProfileFromMem(icc, n);
    cmsHTRANSFORM xf = cmsCreateTransform(stored, TYPE_RGB_8, srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
    int changed = 0;
    for (int y = 0; y < a->height; y++) {
        uint8_t expect[32 * 3];
        cmsDoTransform(xf, skinq_image_row(a, y), expect, 32);
        assert_memory_equal(skinq_image_row(b, y), expect, 32 * 3);
        changed += memcmp(skinq_image_row(a, y), expect, 32 * 3) != 0;
    }
    assert_true(changed > 0); /* the profile really differs from sRGB */
    cmsDeleteTransform(xf);
    cmsCloseProfile(stored);

    /* an sRGB profile is recognised and left alone */
    size_t ns = 0;
    uint8_t *sicc = tu_icc_bytes(srgb, &ns);
    skinq_jpeg_options stag = tu_jpeg_options(95, 1, sicc, ns);
    assert_int_equal(skinq_jpeg_write(ctx, P("srgb.jpg"), src, &stag), SKINQ_OK);
    skinq_image *c = NULL;
    assert_int_equal(skinq_image_load(ctx, P("srgb.jpg"), &c, NULL), SKINQ_OK);
    assert_non_null(c->icc);
    assert_int_equal(c->icc_applied, 0);
    assert_same_pixels(a, c);

    /* a garbage profile: a warning, pixels taken as sRGB, not a failure */
    uint8_t junk[200];
    memset(junk, 0x5a, sizeof junk);
    skinq_jpeg_options jtag = tu_jpeg_options(95, 1, junk, sizeof junk);
    assert_int_equal(skinq_jpeg_write(ctx, P("junkicc.jpg"), src, &jtag), SKINQ_OK);
    skinq_image *d = NULL;
    assert_int_equal(skinq_image_load(ctx, P("junkicc.jpg"), &d, NULL), SKINQ_OK);
    assert_int_equal(d->icc_applied, 0);
    assert_same_pixels(a, d);

    cmsCloseProfile(srgb);
    cmsCloseProfile(wide);
    free(icc);
    free(sicc);
    skinq_image_free(&a);
    skinq_image_free(&b);
    skinq_image_free(&c);
    skinq_image_free(&d);
    skinq_image_free(&src);
    skinq_ctx_close(&ctx);
}

struct bad_case {
    const char *name;
    skinq_status status;
    const char *says; /* the message must contain this */
};

static void test_bad_inputs(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *src = tu_pattern_image(ctx, 64, 48, 3, 8);
    skinq_jpeg_options o = tu_jpeg_options(90, 1, NULL, 0);
    assert_int_equal(skinq_jpeg_write(ctx, P("ok.jpg"), src, &o), SKINQ_OK);
    assert_int_equal(skinq_png_write(ctx, P("ok.png"), src), SKINQ_OK);
    char ok_jpg[512], ok_png[512];
    snprintf(ok_jpg, sizeof ok_jpg, "%s", P("ok.jpg"));
    snprintf(ok_png, sizeof ok_png, "%s", P("ok.png"));
    assert_int_equal(tu_truncate_copy(ok_jpg, P("trunc.jpg"), (size_t)tu_file_size(ok_jpg) / 2), 0);
    assert_int_equal(tu_truncate_copy(ok_jpg, P("header-only.jpg"), 200), 0);
    assert_int_equal(tu_truncate_copy(ok_png, P("trunc.png"), (size_t)tu_file_size(ok_png) / 2), 0);
    assert_int_equal(tu_write_bytes(P("empty.jpg"), "", 0), 0);
    uint8_t noise[3000];
    uint64_t s = tu_seed();
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)tu_rand(&s);
    noise[0] = 0x00; /* never a valid signature by chance */
    assert_int_equal(tu_write_bytes(P("random.png"), noise, sizeof noise), 0);
    noise[0] = 0xFF, noise[1] = 0xD8, noise[2] = 0xFF; /* JPEG signature, garbage after */
    assert_int_equal(tu_write_bytes(P("random-sig.jpg"), noise, sizeof noise), 0);
    assert_int_equal(tu_write_bytes(P("text.png"), "hello\n", 6), 0);
    assert_int_equal(tu_write_png_header_only(P("zero.png"), 0, 10), 0);
    assert_int_equal(tu_write_png_header_only(P("huge.png"), 30000, 30000), 0);
    assert_int_equal(tu_write_cmyk_jpeg(P("cmyk.jpg"), 16, 16), 0);
    mkdir(P("adir.png"), 0777);

    const struct bad_case cases[] = {
        {"trunc.jpg", SKINQ_E_FORMAT, "Premature end"},
        {"header-only.jpg", SKINQ_E_FORMAT, "cannot decode"},
        {"trunc.png", SKINQ_E_FORMAT, "truncated"},
        {"empty.jpg", SKINQ_E_FORMAT, "empty file"},
        {"random.png", SKINQ_E_FORMAT, "not a JPEG, PNG"},
        {"random-sig.jpg", SKINQ_E_FORMAT, "cannot decode"},
        {"text.png", SKINQ_E_FORMAT, "not a JPEG, PNG"},
        {"zero.png", SKINQ_E_FORMAT, "width is zero"},
        {"huge.png", SKINQ_E_LIMIT, "above the limit"},
        {"cmyk.jpg", SKINQ_E_UNSUPPORTED, "CMYK"},
        {"adir.png", SKINQ_E_IO, "is a directory"},
        {"missing.png", SKINQ_E_IO, "No such file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = P(cases[i].name);
        skinq_image *img = NULL;
        skinq_mask *alpha = NULL;
        skinq_status st = skinq_image_load(ctx, path, &img, &alpha);
        if (st != cases[i].status)
            fail_msg("%s: status %d (%s), expected %d", cases[i].name, st, skinq_ctx_error(ctx),
                     cases[i].status);
        assert_null(img);
        assert_null(alpha);
        const char *msg = skinq_ctx_error(ctx);
        if (!strstr(msg, path) || !strstr(msg, cases[i].says))
            fail_msg("%s: message '%s' should name the file and say '%s'", cases[i].name, msg, cases[i].says);
        assert_null(strchr(msg, '\n')); /* one line */
    }
    /* the limit is checked on the header, for JPEG too */
    skinq_settings set;
    skinq_ctx_default_settings(&set);
    set.max_pixels = 64 * 48 - 1;
    skinq_ctx *small = NULL;
    assert_int_equal(skinq_ctx_open(&small, &set), SKINQ_OK);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(small, ok_jpg, &img, NULL), SKINQ_E_LIMIT);
    assert_int_equal(skinq_image_load(small, ok_png, &img, NULL), SKINQ_E_LIMIT);
    assert_null(img);
    skinq_ctx_close(&small);
    skinq_image_free(&src);
    skinq_ctx_close(&ctx);
}

static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void test_atomic_writes(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *a = tu_pattern_image(ctx, 20, 10, 3, 8);
    skinq_image *b = tu_pattern_image(ctx, 30, 15, 1, 8);
    assert_int_equal(skinq_png_write(ctx, P("replace.png"), a), SKINQ_OK);
    assert_int_equal(skinq_png_write(ctx, P("replace.png"), b), SKINQ_OK); /* replaced whole */
    skinq_image *back = NULL;
    assert_int_equal(skinq_image_load(ctx, P("replace.png"), &back, NULL), SKINQ_OK);
    assert_same_pixels(b, back);
    skinq_image_free(&back);
    /* into a missing directory: an error naming the path and no file */
    const char *bad = P("no-such-dir/out.png");
    assert_int_equal(skinq_png_write(ctx, bad, a), SKINQ_E_IO);
    assert_non_null(strstr(skinq_ctx_error(ctx), "no-such-dir/out.png"));
    skinq_jpeg_options o = tu_jpeg_options(90, 1, NULL, 0);
    assert_int_equal(skinq_jpeg_write(ctx, bad, a, &o), SKINQ_E_IO);
    /* layouts the writers refuse leave nothing behind */
    skinq_image *rgba16 = NULL;
    assert_int_equal(skinq_image_new(ctx, 4, 4, 4, 16, &rgba16), SKINQ_OK);
    assert_int_equal(skinq_png_write(ctx, P("refused.png"), rgba16), SKINQ_E_INVALID);
    assert_int_equal(tu_file_size(P("refused.png")), -1);
    o.quality = 0;
    assert_int_equal(skinq_jpeg_write(ctx, P("refused.jpg"), a, &o), SKINQ_E_INVALID);
    assert_int_equal(tu_file_size(P("refused.jpg")), -1);
    assert_int_equal(count_temporaries(tu_tmpdir()), 0);
    skinq_image_free(&rgba16);
    skinq_image_free(&a);
    skinq_image_free(&b);
    skinq_ctx_close(&ctx);
}

/* Output paths (issue 17, defect 4): symbolic links are written through, anything that is not
 * a regular file is refused before a byte is written, and every write is fsync'ed. */
static void test_atomic_paths(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *a = tu_pattern_image(ctx, 20, 10, 3, 8);
    mkdir(P("ap"), 0777);
    mkdir(P("ap/real"), 0777);
    /* a link (relative) to an existing file: the target is replaced, the link stays a link */
    assert_int_equal(skinq_png_write(ctx, P("ap/real/t.png"), a), SKINQ_OK);
    assert_int_equal(truncate(P("ap/real/t.png"), 3), 0);
    assert_int_equal(symlink("real/t.png", P("ap/link.png")), 0);
    unsigned long before = skinq_atomic_fsync_count();
    assert_int_equal(skinq_png_write(ctx, P("ap/link.png"), a), SKINQ_OK);
    assert_true(skinq_atomic_fsync_count() - before >= 2); /* the file, then its folder */
    struct stat sb;
    assert_int_equal(lstat(P("ap/link.png"), &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    skinq_image *back = NULL;
    assert_int_equal(skinq_image_load(ctx, P("ap/real/t.png"), &back, NULL), SKINQ_OK);
    assert_same_pixels(a, back);
    skinq_image_free(&back);
    assert_int_equal(count_temporaries(P("ap")), 0);
    assert_int_equal(count_temporaries(P("ap/real")), 0);
    /* refused: a FIFO (without blocking), a directory, a link to a directory, a device */
    assert_int_equal(mkfifo(P("ap/fifo.png"), 0666), 0);
    assert_int_equal(skinq_png_write(ctx, P("ap/fifo.png"), a), SKINQ_E_UNSUPPORTED);
    assert_non_null(strstr(skinq_ctx_error(ctx), "fifo.png': not a regular file (a FIFO)"));
    assert_int_equal(lstat(P("ap/fifo.png"), &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    assert_int_equal(skinq_png_write(ctx, P("ap/real"), a), SKINQ_E_UNSUPPORTED);
    assert_non_null(strstr(skinq_ctx_error(ctx), "(a directory)"));
    assert_int_equal(symlink("real", P("ap/dirlink.png")), 0);
    skinq_jpeg_options o = tu_jpeg_options(90, 1, NULL, 0);
    assert_int_equal(skinq_jpeg_write(ctx, P("ap/dirlink.png"), a, &o), SKINQ_E_UNSUPPORTED);
    /* a device: a private node when root can make one, then (only if that was refused: a writer
     * without the fix, run as root, would replace it) the system's /dev/null */
    if (geteuid() == 0 && mknod(P("ap/null"), S_IFCHR | 0666, makedev(1, 3)) == 0) {
        assert_int_equal(skinq_png_write(ctx, P("ap/null"), a), SKINQ_E_UNSUPPORTED);
        assert_int_equal(lstat(P("ap/null"), &sb), 0);
        assert_true(S_ISCHR(sb.st_mode));
    }
    assert_int_equal(skinq_png_write(ctx, "/dev/null", a), SKINQ_E_UNSUPPORTED);
    assert_string_equal(skinq_ctx_error(ctx), "'/dev/null': not a regular file (a character device)");
    assert_int_equal(stat("/dev/null", &sb), 0);
    assert_true(S_ISCHR(sb.st_mode));
    assert_int_equal(count_temporaries(P("ap")), 0);
    skinq_image_free(&a);
    skinq_ctx_close(&ctx);
}

/* A write that fails (the file size limit, which holds even for root) leaves neither a partial
 * file nor a temporary, and the old file stays as it was. */
static void test_atomic_failed_write(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *big = tu_pattern_image(ctx, 256, 256, 3, 8);
    mkdir(P("fw"), 0777);
    FILE *f = fopen(P("fw/old.png"), "wb");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    skinq_status st_new = skinq_png_write(ctx, P("fw/new.png"), big);
    skinq_status st_old = skinq_png_write(ctx, P("fw/old.png"), big);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(st_new, SKINQ_E_IO);
    assert_int_equal(st_old, SKINQ_E_IO);
    assert_non_null(strstr(skinq_ctx_error(ctx), "old.png"));
    assert_int_equal(tu_file_size(P("fw/new.png")), -1);
    assert_int_equal(tu_file_size(P("fw/old.png")), 3);
    assert_int_equal(count_temporaries(P("fw")), 0);
    skinq_image_free(&big);
    skinq_ctx_close(&ctx);
}

/* Temporaries of the same output left by a writer that is gone are removed by the next write;
 * those of a live writer, of another output, or of unknown form stay. */
static void test_atomic_stale_temporaries(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *a = tu_pattern_image(ctx, 8, 8, 1, 8);
    mkdir(P("st"), 0777);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    waitpid(child, NULL, 0); /* a pid that is gone */
    char name[128];
    const char *keep[3], *gone[2];
    snprintf(name, sizeof name, "st/o.png.tmp.%ld.1234abcd", (long)child);
    gone[0] = P(name);
    gone[1] = P("st/o.png.tmp.Ab3xYz"); /* an earlier version's, made two hours ago */
    snprintf(name, sizeof name, "st/o.png.tmp.%ld.1234abcd", (long)getppid());
    keep[0] = P(name); /* its writer is alive */
    snprintf(name, sizeof name, "st/p.png.tmp.%ld.1234abcd", (long)child);
    keep[1] = P(name); /* another output's */
    keep[2] = P("st/o.png.tmp.notes");
    const char *all[5] = {gone[0], gone[1], keep[0], keep[1], keep[2]};
    for (int i = 0; i < 5; i++) {
        FILE *f = fopen(all[i], "wb");
        assert_non_null(f);
        fclose(f);
    }
    struct timespec two_hours_ago[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
    assert_int_equal(utimensat(AT_FDCWD, gone[1], two_hours_ago, 0), 0);
    assert_int_equal(skinq_png_write(ctx, P("st/o.png"), a), SKINQ_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(tu_file_size(gone[i]), -1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tu_file_size(keep[i]), 0);
    skinq_image_free(&a);
    skinq_ctx_close(&ctx);
}

static void test_load_alloc_failures(void **state)
{
    (void)state;
    skinq_ctx *setup = tu_ctx();
    skinq_image *rgba = tu_pattern_image(setup, 24, 12, 4, 8);
    assert_int_equal(skinq_png_write(setup, P("fa.png"), rgba), SKINQ_OK);
    skinq_image *rgb = tu_pattern_image(setup, 24, 12, 3, 8);
    skinq_jpeg_options o = tu_jpeg_options(90, 6, NULL, 0);
    assert_int_equal(skinq_jpeg_write(setup, P("fa.jpg"), rgb, &o), SKINQ_OK);
    cmsHPROFILE wide = wide_profile(); /* an ICC profile to copy out of libjpeg and convert with */
    cmsUInt32Number icc_n = 0;
    assert_true(cmsSaveProfileToMem(wide, NULL, &icc_n));
    uint8_t *icc = malloc(icc_n);
    assert_true(cmsSaveProfileToMem(wide, icc, &icc_n));
    cmsCloseProfile(wide);
    skinq_jpeg_options tagged = tu_jpeg_options(90, 1, icc, icc_n);
    assert_int_equal(skinq_jpeg_write(setup, P("fa-icc.jpg"), rgb, &tagged), SKINQ_OK);
    free(icc);
    skinq_image_free(&rgba);
    skinq_image_free(&rgb);
    skinq_ctx_close(&setup);
    const char *files[] = {P("fa.png"), P("fa.jpg"), P("fa-icc.jpg")};
    for (int f = 0; f < 3; f++) {
        int succeeded = 0;
        for (int n = 1; n < 60 && !succeeded; n++) {
            tu_fail_alloc fa;
            skinq_ctx *ctx = tu_fail_ctx(&fa, n, 1);
            if (!ctx)
                continue;
            skinq_image *img = NULL;
            skinq_mask *alpha = NULL;
            skinq_status st = skinq_image_load(ctx, files[f], &img, &alpha);
            if (st == SKINQ_OK) {
                succeeded = 1;
                assert_int_equal(img->width, f == 1 ? 12 : 24); /* orientation 6 swaps */
                assert_int_equal(img->icc_applied, f == 2);
            } else {
                assert_int_equal(st, SKINQ_E_NOMEM);
                assert_null(img);
                assert_null(alpha);
            }
            skinq_image_free(&img);
            skinq_mask_free(&alpha);
            skinq_ctx_close(&ctx);
            assert_int_equal(fa.live, 0);
        }
        assert_true(succeeded);
    }
}

/* Writing under allocation failures: a clean SKINQ_E_NOMEM, no leak, no file and no temporary
 * left behind (PNG and JPEG files, JPEG in memory). */
static void test_write_alloc_failures(void **state)
{
    (void)state;
    const char *out[] = {P("wfa.png"), P("wfa.jpg")};
    for (int f = 0; f < 3; f++) {
        int succeeded = 0;
        for (int n = 1; n < 60 && !succeeded; n++) {
            tu_fail_alloc fa;
            skinq_ctx *ctx = tu_fail_ctx(&fa, n, 1);
            if (!ctx)
                continue;
            skinq_image *img = NULL;
            skinq_status st = skinq_image_new(ctx, 24, 12, 3, 8, &img);
            uint8_t *jpg = NULL;
            size_t size = 0;
            skinq_jpeg_options o = tu_jpeg_options(90, 1, NULL, 0);
            if (f < 2)
                unlink(out[f]);
            if (st == SKINQ_OK)
                st = f == 0   ? skinq_png_write(ctx, out[0], img)
                     : f == 1 ? skinq_jpeg_write(ctx, out[1], img, &o)
                              : skinq_jpeg_encode_mem(ctx, img, 90, &jpg, &size);
            if (st == SKINQ_OK) {
                succeeded = 1;
                assert_true(f < 2 ? tu_file_size(out[f]) > 0 : size > 0);
            } else {
                assert_int_equal(st, SKINQ_E_NOMEM);
                if (f < 2)
                    assert_int_equal(tu_file_size(out[f]), -1);
                assert_null(jpg);
            }
            assert_int_equal(count_temporaries(tu_tmpdir()), 0);
            skinq_free(ctx, jpg);
            skinq_image_free(&img);
            skinq_ctx_close(&ctx);
            assert_int_equal(fa.live, 0);
        }
        assert_true(succeeded);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_roundtrip),       cmocka_unit_test(test_png_variants),
        cmocka_unit_test(test_jpeg_known_pixels),   cmocka_unit_test(test_exif_orientations),
        cmocka_unit_test(test_icc_conversion),      cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_atomic_writes),       cmocka_unit_test(test_atomic_paths),
        cmocka_unit_test(test_atomic_failed_write), cmocka_unit_test(test_atomic_stale_temporaries),
        cmocka_unit_test(test_load_alloc_failures), cmocka_unit_test(test_write_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
