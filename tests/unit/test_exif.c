/* test_exif.c -- skinq_image_capture_time(): EXIF blocks built with libexif (both TIFF byte
 * orders) inserted into real JPEGs (APP1) and PNGs (eXIf, before and after IDAT); the tag
 * order DateTimeOriginal > DateTimeDigitized > DateTime, their SubSecTime and OffsetTime
 * companions, zero/blank/impossible dates refused with a message naming the file. */
#include <libexif/exif-data.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static char *P(const char *name)
{
    static char buf[8][512];
    static int i;
    i = (i + 1) % 8;
    return tu_path(buf[i], sizeof buf[i], name);
}

/* One tag of an EXIF block to build: NULL value ends a list. */
typedef struct tag {
    ExifIfd ifd;
    ExifTag tag;
    const char *value;
} tag;

/* "Exif\0\0" + TIFF holding these ASCII tags, written by libexif in `order`; free() it. */
static uint8_t *exif_block(const tag *tags, ExifByteOrder order, unsigned *len)
{
    ExifData *ed = exif_data_new();
    assert_non_null(ed);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION); /* no tags added for us */
    exif_data_set_byte_order(ed, order);
    for (; tags->value; tags++) {
        ExifEntry *e = exif_entry_new();
        e->tag = tags->tag;
        exif_content_add_entry(ed->ifd[tags->ifd], e);
        const size_t n = strlen(tags->value) + 1; /* ASCII counts its NUL */
        e->data = malloc(n);                      /* libexif's default memory is malloc/free */
        memcpy(e->data, tags->value, n);
        e->format = EXIF_FORMAT_ASCII;
        e->components = n;
        e->size = (unsigned)n;
        exif_entry_unref(e);
    }
    uint8_t *buf = NULL;
    exif_data_save_data(ed, &buf, len);
    exif_data_unref(ed);
    assert_non_null(buf);
    assert_memory_equal(buf, "Exif\0\0", 6);
    assert_memory_equal(buf + 6, order == EXIF_BYTE_ORDER_MOTOROLA ? "MM\0*" : "II*\0", 4);
    return buf;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 20);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* `src` with `ins` (n bytes) inserted at `at`, written to `dst`. */
static void splice(const char *src, const char *dst, size_t at, const uint8_t *ins, size_t n)
{
    size_t size;
    uint8_t *b = read_all(src, &size);
    uint8_t *out = malloc(size + n);
    memcpy(out, b, at);
    memcpy(out + at, ins, n);
    memcpy(out + at + n, b + at, size - at);
    assert_int_equal(tu_write_bytes(dst, out, size + n), 0);
    free(out);
    free(b);
}

static void write_jpeg(const char *path, int orientation)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = tu_pattern_image(ctx, 16, 8, 3, 8);
    skinq_jpeg_options jo = tu_jpeg_options(90, orientation, NULL, 0);
    assert_int_equal(skinq_jpeg_write(ctx, path, img, &jo), SKINQ_OK);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* A JPEG with these tags as an APP1 segment right after SOI. */
static const char *jpeg_with(const char *name, const tag *tags, ExifByteOrder order)
{
    write_jpeg(P("plain.jpg"), 1);
    unsigned len;
    uint8_t *blk = exif_block(tags, order, &len);
    uint8_t *seg = malloc(len + 4);
    seg[0] = 0xFF, seg[1] = 0xE1, seg[2] = (uint8_t)((len + 2) >> 8), seg[3] = (uint8_t)(len + 2);
    memcpy(seg + 4, blk, len);
    splice(P("plain.jpg"), P(name), 2, seg, len + 4);
    free(seg);
    free(blk);
    return P(name);
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

/* A PNG with these tags in an eXIf chunk (TIFF bytes, no "Exif\0\0"), after IHDR or before IEND. */
static const char *png_with(const char *name, const tag *tags, ExifByteOrder order, int after_idat)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = tu_pattern_image(ctx, 16, 8, 3, 8);
    assert_int_equal(skinq_png_write(ctx, P("plain.png"), img), SKINQ_OK);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    unsigned len;
    uint8_t *blk = exif_block(tags, order, &len);
    const uint32_t n = len - 6;
    uint8_t *chunk = malloc(n + 12);
    const uint8_t head[8] = {
        (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 'e', 'X', 'I', 'f'};
    memcpy(chunk, head, 8);
    memcpy(chunk + 8, blk + 6, n);
    const uint32_t crc = crc32_png(chunk + 4, n + 4);
    for (int i = 0; i < 4; i++)
        chunk[8 + n + i] = (uint8_t)(crc >> (24 - 8 * i));
    const size_t at = after_idat ? (size_t)tu_file_size(P("plain.png")) - 12 : 8 + 25;
    splice(P("plain.png"), P(name), at, chunk, n + 12);
    free(chunk);
    free(blk);
    return P(name);
}

static void expect_time(const char *path, const char *iso, const char *source)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_capture_time ct;
    skinq_status st = skinq_image_capture_time(ctx, path, &ct);
    if (st != SKINQ_OK)
        fail_msg("%s: status %d: %s", path, st, skinq_ctx_error(ctx));
    assert_string_equal(ct.iso8601, iso);
    assert_string_equal(ct.source, source);
    skinq_ctx_close(&ctx);
}

static void expect_none(const char *path, skinq_status want, const char *why)
{
    skinq_ctx *ctx = tu_ctx();
    skinq_capture_time ct;
    memset(&ct, 0x5A, sizeof ct);
    assert_int_equal(skinq_image_capture_time(ctx, path, &ct), want);
    const char *msg = skinq_ctx_error(ctx);
    if (!strstr(msg, path) || !strstr(msg, why) || strchr(msg, '\n'))
        fail_msg("message '%s' should name '%s' and say '%s'", msg, path, why);
    assert_int_equal(ct.date[0], 0x5A); /* untouched */
    skinq_ctx_close(&ctx);
}

static const tag FULL[] = {
    {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "2026:03:01 09:15:02"},
    {EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME_ORIGINAL, "042"},
    {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+01:00"},
    {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, "2026:03:02 10:00:00"},
    {EXIF_IFD_0, EXIF_TAG_DATE_TIME, "2026:04:01 00:00:00"},
    {EXIF_IFD_0, 0, NULL},
};

static void test_original_both_orders(void **state)
{
    (void)state;
    const ExifByteOrder orders[2] = {EXIF_BYTE_ORDER_INTEL, EXIF_BYTE_ORDER_MOTOROLA};
    for (int i = 0; i < 2; i++) {
        const char *path = jpeg_with(i ? "mm.jpg" : "ii.jpg", FULL, orders[i]);
        skinq_ctx *ctx = tu_ctx();
        skinq_capture_time ct;
        assert_int_equal(skinq_image_capture_time(ctx, path, &ct), SKINQ_OK);
        assert_string_equal(ct.date, "2026-03-01");
        assert_string_equal(ct.time, "09:15:02");
        assert_string_equal(ct.subsec, "042");
        assert_string_equal(ct.offset, "+01:00");
        assert_string_equal(ct.source, "DateTimeOriginal");
        assert_string_equal(ct.iso8601, "2026-03-01T09:15:02.042+01:00");
        skinq_image *img = NULL; /* the APP1 leaves the photo loadable */
        assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
        assert_int_equal(img->width, 16);
        skinq_image_free(&img);
        skinq_ctx_close(&ctx);
    }
}

static void test_fallback_order(void **state)
{
    (void)state;
    /* a zeroed original falls to Digitized, whose own offset is used (not the original's) */
    const tag digitized[] = {
        {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "0000:00:00 00:00:00"},
        {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+09:00"},
        {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, "2025:12:31 23:59:59"},
        {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_DIGITIZED, "-05:30"},
        {EXIF_IFD_0, EXIF_TAG_DATE_TIME, "2026:01:05 08:00:00"},
        {EXIF_IFD_0, 0, NULL},
    };
    expect_time(jpeg_with("dig.jpg", digitized, EXIF_BYTE_ORDER_MOTOROLA), "2025-12-31T23:59:59-05:30",
                "DateTimeDigitized");
    /* only IFD0's DateTime (a leap day), with OffsetTime and an ill-formed SubSecTime dropped */
    const tag ifd0[] = {
        {EXIF_IFD_0, EXIF_TAG_DATE_TIME, "2024:02:29 12:00:00"},
        {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME, "+14:00"},
        {EXIF_IFD_EXIF, EXIF_TAG_SUB_SEC_TIME, "4x"},
        {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+02:00"},
        {EXIF_IFD_0, 0, NULL},
    };
    expect_time(jpeg_with("ifd0.jpg", ifd0, EXIF_BYTE_ORDER_INTEL), "2024-02-29T12:00:00+14:00", "DateTime");
    /* a malformed offset is dropped: the moment stands without a zone */
    const tag bad_offset[] = {
        {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "1999:12:31 23:59:59"},
        {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+1:00"},
        {EXIF_IFD_0, 0, NULL},
    };
    expect_time(jpeg_with("badoff.jpg", bad_offset, EXIF_BYTE_ORDER_INTEL), "1999-12-31T23:59:59",
                "DateTimeOriginal");
}

static void test_bad_dates_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0000:00:00 00:00:00", "                   ",
        "2023:02:29 12:00:00", "2026:13:01 00:00:00",
        "2026:04:31 00:00:00", "2026:01:01 24:00:00",
        "2026:01:01 12:60:00", "2026-01-01 12:00:00",
        "2026:01:01 12:00",    "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const tag tags[] = {{EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, bad[i]},
                            {EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+01:00"},
                            {EXIF_IFD_0, 0, NULL}};
        char why[64];
        snprintf(why, sizeof why, "no EXIF capture time (DateTimeOriginal is \"%s\")", bad[i]);
        expect_none(jpeg_with("bad.jpg", tags, i % 2 ? EXIF_BYTE_ORDER_MOTOROLA : EXIF_BYTE_ORDER_INTEL),
                    SKINQ_E_INVALID, why);
    }
    /* the first bad value is the one named; a bad DateTime alone too */
    const tag all_bad[] = {{EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, "0000:00:00 00:00:00"},
                           {EXIF_IFD_0, EXIF_TAG_DATE_TIME, "2026:00:10 10:00:00"},
                           {EXIF_IFD_0, 0, NULL}};
    expect_none(jpeg_with("allbad.jpg", all_bad, EXIF_BYTE_ORDER_INTEL), SKINQ_E_INVALID,
                "(DateTimeDigitized is \"0000:00:00 00:00:00\")");
}

static void test_no_exif(void **state)
{
    (void)state;
    write_jpeg(P("none.jpg"), 1);
    expect_none(P("none.jpg"), SKINQ_E_INVALID, "': no EXIF capture time (no EXIF data)");
    write_jpeg(P("orient6.jpg"), 6); /* EXIF with only an orientation */
    expect_none(P("orient6.jpg"), SKINQ_E_INVALID,
                "no EXIF capture time (no DateTimeOriginal, DateTimeDigitized or DateTime)");
    /* not an image, missing, empty: the loaders' errors */
    assert_int_equal(tu_write_bytes(P("text.jpg"), "hello, not a photo", 18), 0);
    expect_none(P("text.jpg"), SKINQ_E_FORMAT, "not a JPEG, PNG, TIFF or HEIF file");
    expect_none(P("missing.jpg"), SKINQ_E_IO, "missing.jpg");
    skinq_ctx *ctx = tu_ctx();
    skinq_capture_time ct;
    assert_int_equal(skinq_image_capture_time(ctx, NULL, &ct), SKINQ_E_INVALID);
    skinq_ctx_close(&ctx);
}

static void test_png_exif(void **state)
{
    (void)state;
    expect_time(png_with("mm.png", FULL, EXIF_BYTE_ORDER_MOTOROLA, 0), "2026-03-01T09:15:02.042+01:00",
                "DateTimeOriginal");
    expect_time(png_with("ii-late.png", FULL, EXIF_BYTE_ORDER_INTEL, 1), "2026-03-01T09:15:02.042+01:00",
                "DateTimeOriginal");
    skinq_ctx *ctx = tu_ctx(); /* the chunk leaves the PNG loadable */
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, P("mm.png"), &img, NULL), SKINQ_OK);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    expect_none(P("plain.png"), SKINQ_E_INVALID, "no EXIF capture time (no EXIF data)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_original_both_orders),
        cmocka_unit_test(test_fallback_order),
        cmocka_unit_test(test_bad_dates_refused),
        cmocka_unit_test(test_no_exif),
        cmocka_unit_test(test_png_exif),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
