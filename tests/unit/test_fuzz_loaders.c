/* test_fuzz_loaders.c -- seeded mutation fuzzing of the JPEG, PNG, TIFF and HEIF loaders: thousands of
 * bit-flipped, byte-stomped, truncated and spliced variants of valid files must each load or
 * fail cleanly (a known status, a message naming the file), never crash or leak; the EXIF
 * capture-time reader on the same mutants. Under the
 * sanitizer build this is the memory-safety check of every decoder error path. */
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
        cmocka_unit_test(test_fuzz_jpeg),
        cmocka_unit_test(test_fuzz_png),
        cmocka_unit_test(test_fuzz_tiff),
        cmocka_unit_test(test_fuzz_heif),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
