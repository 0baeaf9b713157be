/* test_limits.c -- loading from memory (skinq_image_load_mem, skinq_image_probe_mem) and the
 * limits on hostile inputs (skinq_settings): the 57-byte PNG whose ancillary chunk declares
 * 2^31-1 bytes (refused without the allocation: peak RSS checked), an ancillary chunk above
 * max_png_chunk_bytes, a 16-bit RGBA PNG whose decode needs more than max_bytes, a progressive
 * JPEG of more scans than max_jpeg_scans (written here with a scan script of 568 valid scans),
 * a file above max_bytes. Each refused with SKINQ_E_LIMIT naming the limit and the file. */
#include <stdio.h> /* before jpeglib.h */

#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/core.h"
#include "io/io.h"
#include "test_util.h"

/* ---- PNG bytes built here ---- */

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static size_t put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
    return 4;
}

/* A chunk at p: length `declared`, type, the n bytes of data, CRC. Returns its size. */
static size_t put_chunk(uint8_t *p, uint32_t declared, const char *type, const uint8_t *data, size_t n)
{
    size_t at = put32(p, declared);
    memcpy(p + at, type, 4);
    if (n)
        memcpy(p + at + 4, data, n);
    at += 4 + n;
    return at + put32(p + at, crc32_png(p + 4, 4 + n));
}

/* Signature and IHDR (w x h, depth, colour type). Returns the size. */
static size_t png_head(uint8_t *p, uint32_t w, uint32_t h, int depth, int colour)
{
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {0};
    put32(ihdr, w);
    put32(ihdr + 4, h);
    ihdr[8] = (uint8_t)depth;
    ihdr[9] = (uint8_t)colour;
    return 8 + put_chunk(p + 8, 13, "IHDR", ihdr, 13);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static skinq_ctx *ctx_limits(uint64_t max_bytes, uint32_t chunk_bytes, uint32_t scans)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = 1;
    if (max_bytes)
        s.max_bytes = max_bytes;
    if (chunk_bytes)
        s.max_png_chunk_bytes = chunk_bytes;
    if (scans)
        s.max_jpeg_scans = scans;
    skinq_ctx *ctx = NULL;
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
    return ctx;
}

static void expect_error(skinq_ctx *ctx, skinq_status got, skinq_status want, const char *says)
{
    assert_int_equal(got, want);
    if (!strstr(skinq_ctx_error(ctx), says) || !strstr(skinq_ctx_error(ctx), "upload.bin"))
        fail_msg("message '%s' should name upload.bin and say '%s'", skinq_ctx_error(ctx), says);
}

/* The 57-byte PNG: IHDR 1x1, then a tEXt chunk declaring 0x7fffffff bytes (16 present). libpng
 * allocated and zeroed the declared 2 GiB before reading it; now nothing near that is touched. */
static void test_png_57_bytes(void **state)
{
    (void)state;
    const long before = peak_rss_kb();
    uint8_t b[64];
    size_t n = png_head(b, 1, 1, 8, 0);
    n += put32(b + n, 0x7fffffffu);
    memcpy(b + n, "tEXt", 4);
    n += 4;
    memset(b + n, 'a', 16);
    n += 16;
    assert_int_equal(n, 57);
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    skinq_image_header h;
    expect_error(ctx, skinq_image_probe_mem(ctx, b, n, "upload.bin", &h), SKINQ_E_FORMAT, "truncated");
    expect_error(ctx, skinq_image_load_mem(ctx, b, n, "upload.bin", &img, NULL), SKINQ_E_FORMAT, "truncated");
    assert_null(img);
    const long grew = peak_rss_kb() - before;
    if (grew > 64 * 1024)
        fail_msg("peak RSS grew by %ld KB decoding 57 bytes", grew);
    skinq_ctx_close(&ctx);
}

/* A whole ancillary chunk above max_png_chunk_bytes: SKINQ_E_LIMIT naming the limit. */
static void test_png_chunk_limit(void **state)
{
    (void)state;
    static uint8_t b[4096];
    static uint8_t text[2000];
    memset(text, 'a', sizeof text);
    memcpy(text, "Comment\0", 8);
    size_t n = png_head(b, 1, 1, 8, 0);
    n += put_chunk(b + n, sizeof text, "tEXt", text, sizeof text);
    skinq_ctx *ctx = ctx_limits(0, 1000, 0);
    skinq_image *img = NULL;
    expect_error(ctx, skinq_image_load_mem(ctx, b, n, "upload.bin", &img, NULL), SKINQ_E_LIMIT,
                 "max_png_chunk_bytes");
    skinq_ctx_close(&ctx);
}

/* 9000x9000 16-bit RGBA (81 MP, under max_pixels): the image (486 MB) and the interleaved rows
 * with alpha (648 MB) are above the default max_bytes (1 GiB), so the header alone is refused --
 * before, both buffers were allocated (the 760 KB PNG that peaked at 1.48 GB). */
static void test_png_16bit_rgba_bytes(void **state)
{
    (void)state;
    const long before = peak_rss_kb();
    uint8_t b[128];
    size_t n = png_head(b, 9000, 9000, 16, 6);
    const uint8_t z[2] = {0x78, 0x9c}; /* the start of a zlib stream: the rest is missing */
    n += put_chunk(b + n, 2, "IDAT", z, 2);
    n += put_chunk(b + n, 0, "IEND", NULL, 0);
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    expect_error(ctx, skinq_image_load_mem(ctx, b, n, "upload.bin", &img, &alpha), SKINQ_E_LIMIT,
                 "--max-bytes");
    const long grew = peak_rss_kb() - before;
    if (grew > 64 * 1024)
        fail_msg("peak RSS grew by %ld KB refusing a header", grew);
    skinq_ctx_close(&ctx);
}

/* ---- a progressive JPEG of 568 scans: gray, DC first, then each of the 63 AC coefficients in
 * its own band sent at point transform 8 and refined bit by bit (1 + 63 x 9 scans) ---- */

#define SCANS (1 + 63 * 9)

static uint8_t *many_scans_jpeg(size_t *size)
{
    static jpeg_scan_info script[SCANS];
    int k = 0;
    script[k++] = (jpeg_scan_info){1, {0}, 0, 0, 0, 0};
    for (int c = 1; c <= 63; c++) {
        script[k++] = (jpeg_scan_info){1, {0}, c, c, 0, 8};
        for (int al = 7; al >= 0; al--)
            script[k++] = (jpeg_scan_info){1, {0}, c, c, al + 1, al};
    }
    assert_int_equal(k, SCANS);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&c, &buf, &len);
    c.image_width = 64;
    c.image_height = 64;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    c.scan_info = script;
    c.num_scans = SCANS;
    jpeg_start_compress(&c, TRUE);
    uint8_t row[64];
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < 64; x++)
            row[x] = (uint8_t)tu_pattern(x, (int)c.next_scanline, 0, 8);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *size = len;
    return buf; /* jpeg_mem_dest's malloc */
}

static void test_jpeg_scan_limit(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = many_scans_jpeg(&n);
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    clock_t t0 = clock();
    expect_error(ctx, skinq_image_load_mem(ctx, b, n, "upload.bin", &img, NULL), SKINQ_E_LIMIT,
                 "max_jpeg_scans");
    assert_null(img);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    skinq_ctx_close(&ctx);
    /* the file itself is valid: with the cap raised it decodes */
    ctx = ctx_limits(0, 0, 1000);
    assert_int_equal(skinq_image_load_mem(ctx, b, n, "upload.bin", &img, NULL), SKINQ_OK);
    assert_int_equal(img->width, 64);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    free(b);
}

/* skinq_image_load_mem() gives skinq_image_load()'s image; probe_mem its header; a file above
 * max_bytes is refused before it is read into memory. */
static void test_load_mem(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    char path[2200];
    tu_path(path, sizeof path, "mem.png");
    skinq_image *src = tu_pattern_image(ctx, 37, 23, 3, 16);
    assert_int_equal(skinq_png_write(ctx, path, src), SKINQ_OK);
    skinq_input in;
    assert_int_equal(skinq_input_open(ctx, path, 0, &in), SKINQ_OK);
    skinq_image *a = NULL, *b = NULL;
    skinq_image_header h;
    assert_int_equal(skinq_image_load(ctx, path, &a, NULL), SKINQ_OK);
    assert_int_equal(skinq_image_load_mem(ctx, in.data, in.size, NULL, &b, NULL), SKINQ_OK);
    assert_int_equal(skinq_image_probe_mem(ctx, in.data, in.size, "x.png", &h), SKINQ_OK);
    assert_int_equal(h.width, 37);
    assert_int_equal(h.depth, 16);
    assert_int_equal(b->width, a->width);
    assert_int_equal(b->height, a->height);
    assert_int_equal(b->depth, 16);
    for (int y = 0; y < a->height; y++)
        assert_memory_equal(skinq_image_row(a, y), skinq_image_row(b, y), (size_t)a->width * 6);
    /* truncated bytes and garbage: errors naming the name given */
    expect_error(ctx, skinq_image_load_mem(ctx, in.data, in.size / 2, "upload.bin", &b, NULL), SKINQ_E_FORMAT,
                 "truncated");
    expect_error(ctx, skinq_image_load_mem(ctx, "GIF89a", 6, "upload.bin", &b, NULL), SKINQ_E_UNSUPPORTED,
                 "a GIF file is not supported");
    expect_error(ctx, skinq_image_load_mem(ctx, "GIF", 3, "upload.bin", &b, NULL), SKINQ_E_FORMAT,
                 "not a JPEG, PNG, TIFF or HEIF file");
    skinq_input_close(ctx, &in);
    skinq_image_free(&a);
    skinq_image_free(&b);
    skinq_image_free(&src);
    skinq_ctx_close(&ctx);
    ctx = ctx_limits(100, 0, 0);
    assert_int_equal(skinq_image_load(ctx, path, &a, NULL), SKINQ_E_LIMIT);
    assert_non_null(strstr(skinq_ctx_error(ctx), "mem.png"));
    assert_non_null(strstr(skinq_ctx_error(ctx), "--max-bytes"));
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_57_bytes),
        cmocka_unit_test(test_png_chunk_limit),
        cmocka_unit_test(test_png_16bit_rgba_bytes),
        cmocka_unit_test(test_jpeg_scan_limit),
        cmocka_unit_test(test_load_mem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
