/* test_fuzz_loaders.c -- seeded mutation fuzzing of the JPEG, PNG, TIFF, HEIF and DNG (LibRaw) loaders:
 * thousands of bit-flipped, byte-stomped, truncated and spliced variants of valid files must each load or
 * fail cleanly (a known status, a message naming the file), never crash or leak; the EXIF
 * capture-time reader on the same mutants. Under the
 * sanitizer build this is the memory-safety check of every decoder error path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "test_util.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static void mutate(uint8_t *buf, size_t *n, uint64_t *rng)
{
    int kind = (int)(tu_rand(rng) % 4);
    size_t len = *n;
    switch (kind) {
    case 0: /* flip a few bits */
        for (int i = 0, k = 1 + (int)(tu_rand(rng) % 8); i < k; i++)
            buf[tu_rand(rng) % len] ^= (uint8_t)(1u << (tu_rand(rng) % 8));
        break;
    case 1: /* stomp a run of bytes with one value (0, 0xFF, or random) */
    {
        size_t at = tu_rand(rng) % len, run = 1 + tu_rand(rng) % 16;
        uint8_t v = (uint8_t)(tu_rand(rng) % 3 == 0 ? 0xFF : tu_rand(rng));
        for (size_t i = at; i < len && i < at + run; i++)
            buf[i] = v;
        break;
    }
    case 2: /* truncate */ *n = 1 + tu_rand(rng) % len; break;
    default: /* duplicate a chunk over another place (confuses markers and chunk lengths) */
    {
        size_t a = tu_rand(rng) % len, b = tu_rand(rng) % len, run = 1 + tu_rand(rng) % 64;
        for (size_t i = 0; i < run && a + i < len && b + i < len; i++)
            buf[b + i] = buf[a + i];
        break;
    }
    }
}

static void fuzz_file(const char *seed_path, int iterations)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = 1;
    s.max_pixels = 4u << 20; /* a mutated header may claim a huge image: refuse it quickly */
    skinq_ctx *ctx = NULL;
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
    size_t n0;
    uint8_t *orig = slurp(seed_path, &n0);
    uint8_t *buf = malloc(n0);
    uint64_t rng = tu_seed() ^ (uint64_t)n0;
    char path[512];
    tu_path(path, sizeof path, "fuzz.bin");
    int ok = 0, failed = 0;
    for (int it = 0; it < iterations; it++) {
        memcpy(buf, orig, n0);
        size_t n = n0;
        for (int m = 0, k = 1 + (int)(tu_rand(&rng) % 3); m < k; m++)
            mutate(buf, &n, &rng);
        assert_int_equal(tu_write_bytes(path, buf, n), 0);
        skinq_image *img = NULL;
        skinq_mask *alpha = NULL;
        skinq_status st = skinq_image_load(ctx, path, &img, &alpha);
        if (st == SKINQ_OK) {
            ok++;
            assert_non_null(img);
            assert_true(img->width > 0 && img->height > 0);
        } else {
            failed++;
            assert_null(img);
            assert_null(alpha);
            if (st != SKINQ_E_FORMAT && st != SKINQ_E_UNSUPPORTED && st != SKINQ_E_LIMIT)
                fail_msg("iteration %d: unexpected status %d: %s", it, st, skinq_ctx_error(ctx));
            assert_non_null(strstr(skinq_ctx_error(ctx), "fuzz.bin"));
        }
        skinq_image_free(&img);
        skinq_mask_free(&alpha);
        skinq_capture_time ct; /* the EXIF reader on the same mutants: a value or a clean refusal */
        st = skinq_image_capture_time(ctx, path, &ct);
        if (st == SKINQ_OK)
            assert_int_equal(strlen(ct.date) + strlen(ct.time), 18);
        else if (st != SKINQ_E_INVALID && st != SKINQ_E_FORMAT && st != SKINQ_E_UNSUPPORTED &&
                 st != SKINQ_E_LIMIT)
            fail_msg("iteration %d: capture time: unexpected status %d: %s", it, st, skinq_ctx_error(ctx));
    }
    print_message("%s: %d mutants loaded, %d refused cleanly\n", seed_path, ok, failed);
    assert_true(failed > iterations / 10); /* the mutations really do break files */
    free(buf);
    free(orig);
    skinq_ctx_close(&ctx);
}

static int iterations(void)
{
    const char *q = getenv("SKINQ_TEST_QUICK");
    return q && *q == '1' ? 400 : 1500;
}

static void test_fuzz_jpeg(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = tu_pattern_image(ctx, 40, 24, 3, 8);
    char path[512];
    tu_path(path, sizeof path, "seed.jpg");
    skinq_jpeg_options o = tu_jpeg_options(85, 1, NULL, 0);
    assert_int_equal(skinq_jpeg_write(ctx, path, img, &o), SKINQ_OK);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    /* an EXIF block to mutate too (big-endian TIFF; the literal's own NUL ends the offset) */
    static const char app1[] = "\xFF\xE1\x00\x67"
                               "Exif\0\0"
                               "MM\0*\0\0\0\x08"
                               "\0\x02"                             /* IFD0: 2 entries */
                               "\x01\x12\0\x03\0\0\0\x01\0\x06\0\0" /* Orientation 6 */
                               "\x87\x69\0\x04\0\0\0\x01\0\0\0\x26" /* Exif IFD at 38 */
                               "\0\0\0\0"
                               "\0\x02"                             /* Exif IFD: 2 entries */
                               "\x90\x03\0\x02\0\0\0\x14\0\0\0\x44" /* DateTimeOriginal at 68 */
                               "\x90\x11\0\x02\0\0\0\x07\0\0\0\x58" /* OffsetTimeOriginal at 88 */
                               "\0\0\0\0"
                               "2026:03:01 09:15:02\0"
                               "+01:00";
    size_t n;
    uint8_t *plain = slurp(path, &n), *dated = malloc(n + sizeof app1);
    memcpy(dated, plain, 2);
    memcpy(dated + 2, app1, sizeof app1);
    memcpy(dated + 2 + sizeof app1, plain + 2, n - 2);
    assert_int_equal(tu_write_bytes(path, dated, n + sizeof app1), 0);
    free(plain);
    free(dated);
    ctx = tu_ctx(); /* the seed itself reads as written */
    skinq_capture_time ct;
    assert_int_equal(skinq_image_capture_time(ctx, path, &ct), SKINQ_OK);
    assert_string_equal(ct.iso8601, "2026-03-01T09:15:02+01:00");
    skinq_image_header h;
    assert_int_equal(skinq_image_probe(ctx, path, &h), SKINQ_OK);
    assert_int_equal(h.orientation, 6);
    skinq_ctx_close(&ctx);
    fuzz_file(path, iterations());
}

static void test_fuzz_png(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = tu_pattern_image(ctx, 24, 16, 4, 8);
    char path[512];
    tu_path(path, sizeof path, "seed.png");
    assert_int_equal(skinq_png_write(ctx, path, img), SKINQ_OK);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    fuzz_file(path, iterations());
}

/* A little-endian LinearRaw DNG, w x h x 3 16-bit samples (stored = value * AsShotNeutral (0.5, 1,
 * 0.8)), ColorMatrix1 the inverse of LibRaw's sRGB -> XYZ (camera RGB = linear sRGB), an Exif IFD
 * with DateTimeOriginal. The entries' out-of-line values follow each IFD. */
static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v);
    le16(p + 2, v >> 16);
}

static size_t put_ifd(uint8_t *b, size_t at, const uint16_t (*e)[2], const uint32_t *cnt, const uint32_t *val,
                      const uint8_t *const *blob, int n)
{
    static const int size[11] = {0, 1, 1, 2, 4, 8, 0, 0, 0, 0, 8};
    size_t data = at + 2 + 12 * (size_t)n + 4;
    le16(b + at, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        uint8_t *p = b + at + 2 + 12 * i;
        const size_t len = (size_t)size[e[i][1]] * cnt[i];
        const uint32_t v = len > 4 ? (uint32_t)data : val[i];
        le16(p, e[i][0]);
        le16(p + 2, e[i][1]);
        le32(p + 4, cnt[i]);
        le32(p + 8, v);
        if (len > 4) {
            memcpy(b + data, blob[i], len);
            data += (len + 1) & ~(size_t)1;
        } else if (blob[i])
            memcpy(p + 8, blob[i], len);
    }
    memset(b + at + 2 + 12 * n, 0, 4);
    return data;
}

static size_t write_dng(uint8_t *b, int w, int h, const uint16_t *stored)
{
    static const double xyz_rgb[3][3] = {
        {0.412453, 0.357580, 0.180423}, {0.212671, 0.715160, 0.072169}, {0.019334, 0.119193, 0.950227}};
    double inv[3][3]; /* adjugate / determinant */
    const double(*m)[3] = xyz_rgb;
    const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
        }
    uint8_t cm[72], neutral[24], bps[6] = {16, 0, 16, 0, 16, 0};
    for (int k = 0; k < 9; k++) {
        le32(cm + 8 * k, (uint32_t)(int32_t)lround(inv[k / 3][k % 3] * 1e6));
        le32(cm + 8 * k + 4, 1000000);
    }
    const int32_t nv[3] = {500000, 1000000, 800000};
    for (int k = 0; k < 3; k++) {
        le32(neutral + 8 * k, (uint32_t)nv[k]);
        le32(neutral + 8 * k + 4, 1000000);
    }
    static const uint8_t dngv[4] = {1, 4, 0, 0}, make[] = "SkinqTest", model[] = "LinearCam 1",
                         date[] = "2026:03:01 09:15:02";
    memcpy(b, "II*\0\x08\0\0\0", 8);
    /* IFD0 at 8 (19 entries: 2 + 228 + 4 bytes, then its values), Exif IFD at 512, strip at 640 */
    const uint16_t e0[][2] = {{256, 4},   {257, 4},    {258, 3},   {259, 3},   {262, 3},
                              {271, 2},   {272, 2},    {273, 4},   {274, 3},   {277, 3},
                              {278, 4},   {279, 4},    {284, 3},   {34665, 4}, {50706, 1},
                              {50717, 4}, {50721, 10}, {50728, 5}, {50778, 3}};
    const uint32_t c0[] = {1, 1, 3, 1, 1, sizeof make, sizeof model, 1, 1, 1, 1, 1, 1, 1, 4, 1, 9, 3, 1};
    const uint32_t v0[] = {(uint32_t)w, (uint32_t)h,           0, 1,   34892, 0,     0, 640, 1, 3,
                           (uint32_t)h, (uint32_t)(w * h * 6), 1, 512, 0,     65535, 0, 0,   21};
    const uint8_t *b0[] = {NULL, NULL, bps,  NULL, NULL, make, model, NULL,    NULL, NULL,
                           NULL, NULL, NULL, NULL, dngv, NULL, cm,    neutral, NULL};
    assert_true(put_ifd(b, 8, e0, c0, v0, b0, 19) <= 512);
    const uint16_t e1[][2] = {{36867, 2}};
    const uint32_t c1[] = {sizeof date}, v1[] = {0};
    const uint8_t *b1[] = {date};
    assert_true(put_ifd(b, 512, e1, c1, v1, b1, 1) <= 640);
    for (size_t i = 0; i < (size_t)w * h * 3; i++) {
        b[640 + 2 * i] = (uint8_t)stored[i];
        b[641 + 2 * i] = (uint8_t)(stored[i] >> 8);
    }
    return 640 + (size_t)w * h * 6;
}

/* A 16-bit sRGB code back to linear, in 16-bit linear codes. */
static double linear_code(double v)
{
    const double e = v / 65535;
    return 65535 * (e <= 0.04045 ? e / 12.92 : pow((e + 0.055) / 1.055, 2.4));
}

static void test_fuzz_dng(void **state)
{
    (void)state;
    enum { W = 32, H = 24 }; /* LibRaw reads no image under 22 pixels a side */
    static uint16_t stored[W * H * 3];
    static uint8_t file[640 + W * H * 6];
    const double mul[3] = {2, 1, 1.25}; /* 1 / AsShotNeutral */
    for (int i = 0; i < W * H; i++)     /* a ramp per channel, below clipping after the multipliers */
        for (int c = 0; c < 3; c++)
            stored[3 * i + c] = (uint16_t)((200 + 150 * i + 997 * c) % 30000);
    const size_t n = write_dng(file, W, H, stored);
    char path[512];
    tu_path(path, sizeof path, "seed.dng");
    assert_int_equal(tu_write_bytes(path, file, n), 0);
    /* the seed: a DNG, as-shot white balance applied, linear -> sRGB-encoded 16-bit: decoded back
     * to linear, within 3 linear codes (of 65535) of stored x multiplier (measured: 1.98) */
    skinq_ctx *ctx = tu_ctx();
    skinq_image_header h;
    if (skinq_image_probe(ctx, path, &h) != SKINQ_OK)
        fail_msg("%s", skinq_ctx_error(ctx));
    assert_string_equal(h.format, "dng");
    assert_int_equal(h.width, W);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    assert_int_equal(img->depth, 16);
    double worst = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W * 3; x++) {
            const uint16_t got = ((const uint16_t *)(const void *)skinq_image_row(img, y))[x];
            worst = fmax(worst, fabs(linear_code(got) - stored[y * W * 3 + x] * mul[x % 3]));
        }
    print_message("seed.dng: decoded within %.2f linear codes of the exact\n", worst);
    assert_true(worst <= 3.0);
    skinq_image_free(&img);
    skinq_capture_time ct;
    assert_int_equal(skinq_image_capture_time(ctx, path, &ct), SKINQ_OK);
    assert_string_equal(ct.iso8601, "2026-03-01T09:15:02");
    skinq_raw_info ri;
    assert_int_equal(skinq_image_raw_info(ctx, path, &ri), SKINQ_OK);
    assert_string_equal(ri.make, "SkinqTest");
    assert_string_equal(ri.white_balance, "as-shot");
    assert_int_equal(ri.dng, 1);
    skinq_ctx_close(&ctx);
    fuzz_file(path, iterations() / 3);
}

/* A 16-bit RGB + alpha TIFF in 8x8 tiles, Deflate, Orientation 6, with an Exif IFD's date. */
static void write_tiff_seed(const char *path)
{
    TIFF *t = TIFFOpen(path, "w");
    assert_non_null(t);
    const uint32_t w = 20, h = 12;
    uint16_t ex = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 4);
    TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &ex);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(t, TIFFTAG_ORIENTATION, 6);
    TIFFSetField(t, TIFFTAG_DATETIME, "2026:03:01 09:15:02");
    TIFFSetField(t, TIFFTAG_TILEWIDTH, 16);
    TIFFSetField(t, TIFFTAG_TILELENGTH, 16);
    uint16_t tile[16 * 16 * 4];
    for (uint32_t y = 0; y < h; y += 16)
        for (uint32_t x = 0; x < w; x += 16) {
            for (int i = 0; i < 16 * 16 * 4; i++)
                tile[i] = (uint16_t)(i * 997 + x * 31 + y);
            assert_true(TIFFWriteTile(t, tile, x, y, 0, 0) > 0);
        }
    TIFFClose(t);
}

static void test_fuzz_tiff(void **state)
{
    (void)state;
    char path[512];
    tu_path(path, sizeof path, "seed.tif");
    write_tiff_seed(path);
    skinq_ctx *ctx = tu_ctx(); /* the seed itself loads, upright, with its mask and date */
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, &alpha), SKINQ_OK);
    assert_int_equal(img->width, 12);
    assert_int_equal(img->depth, 16);
    assert_non_null(alpha);
    assert_int_equal(alpha->width, 12);
    skinq_capture_time ct;
    assert_int_equal(skinq_image_capture_time(ctx, path, &ct), SKINQ_OK);
    assert_string_equal(ct.source, "DateTime");
    skinq_image_free(&img);
    skinq_mask_free(&alpha);
    skinq_ctx_close(&ctx);
    fuzz_file(path, iterations());
}

/* The HEIC seed is a committed file (the fuzz corpus's): encoding one here would go through x265,
 * whose encoder leaks an allocation LeakSanitizer reports in the sanitizer build. */
static void test_fuzz_heif(void **state)
{
    (void)state;
    const char *path = SKINQ_TEST_SAMPLES "/../tests/fuzz/corpus/fuzz_heif/irot6-q80.heic";
    skinq_ctx *ctx = tu_ctx(); /* the seed loads upright (irot 6 applied by libheif) */
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    assert_int_equal(img->width, 48);
    assert_int_equal(img->height, 64);
    assert_int_equal(img->orientation, 1);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    fuzz_file(path, iterations() / 4); /* HEVC decodes are slower */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_jpeg), cmocka_unit_test(test_fuzz_png),  cmocka_unit_test(test_fuzz_dng),
        cmocka_unit_test(test_fuzz_tiff), cmocka_unit_test(test_fuzz_heif),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
