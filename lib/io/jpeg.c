/* jpeg.c -- JPEG through libjpeg-turbo's libjpeg API: scanline decode to 8-bit gray/RGB,
 * EXIF orientation (libexif), ICC profile (jpeg_read_icc_profile); baseline encoder. */
#include "io.h"

#include <errno.h>
#include <jerror.h>
#include <jpeglib.h>
#include <libexif/exif-data.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIF_MARKER (JPEG_APP0 + 1)
#define ICC_MARKER (JPEG_APP0 + 2)

struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX + 64];
    skinq_status st; /* what a longjmp stands for: FORMAT (libjpeg's message) or LIMIT */
    struct jpeg_progress_mgr progress;
    unsigned max_scans; /* 0: no scan count (the encoders) */
};

static void jerr_exit(j_common_ptr c)
{
    struct jerr *e = (struct jerr *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

/* libjpeg only warns on truncated or corrupt entropy data and fills the rest with grey;
 * skinq must not measure invented pixels, so those warnings are errors here. */
static void jerr_emit(j_common_ptr c, int level)
{
    if (level != -1)
        return;
    switch (c->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION: jerr_exit(c); break;
    default: break;
    }
}

static void jerr_silent(j_common_ptr c)
{
    (void)c;
}

static void jerr_init(struct jerr *e)
{
    jpeg_std_error(&e->mgr);
    e->mgr.error_exit = jerr_exit;
    e->mgr.emit_message = jerr_emit;
    e->mgr.output_message = jerr_silent;
    e->msg[0] = '\0';
    e->st = SKINQ_E_FORMAT;
    e->max_scans = 0;
}

/* The scan cap of progressive files (as djpeg -maxscans and TurboJPEG's scan limit): libjpeg
 * calls this at every start of scan while it buffers a multi-scan file, so a file of thousands
 * of tiny scans stops at the first one above the cap, not after minutes of CPU. */
static void jerr_progress(j_common_ptr c)
{
    struct jerr *e = (struct jerr *)c->err;
    if (!c->is_decompressor || !e->max_scans)
        return;
    int scan = ((j_decompress_ptr)c)->input_scan_number;
    if (scan > (int)e->max_scans) {
        snprintf(e->msg, sizeof e->msg, "more than %u progressive scans (the limit max_jpeg_scans)",
                 e->max_scans);
        e->st = SKINQ_E_LIMIT;
        longjmp(e->jump, 1);
    }
}

/* A decompressor's error handling with the ctx's scan cap (call before jpeg_create_decompress). */
static void jerr_init_decompress(skinq_ctx *ctx, struct jerr *e, struct jpeg_decompress_struct *d)
{
    d->err = &e->mgr;
    jerr_init(e);
    e->max_scans = ctx->max_jpeg_scans;
    e->progress.progress_monitor = jerr_progress;
}

/* EXIF orientation from a saved APP1 marker; 1 when absent or out of range. */
static int exif_orientation(struct jpeg_decompress_struct *d)
{
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next) {
        if (m->marker != EXIF_MARKER || m->data_length < 6 || memcmp(m->data, "Exif\0\0", 6) != 0)
            continue;
        ExifData *ed = exif_data_new_from_data(m->data, m->data_length);
        if (!ed)
            return 1;
        int o = 1;
        ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
        if (e && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->size >= 2) {
            int v = exif_get_short(e->data, exif_data_get_byte_order(ed));
            if (v >= 1 && v <= 8)
                o = v;
        }
        exif_data_unref(ed);
        return o;
    }
    return 1;
}

static void header_from(struct jpeg_decompress_struct *d, skinq_image_header *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    strcpy(hdr->format, "jpeg");
    hdr->width = (int)d->image_width;
    hdr->height = (int)d->image_height;
    hdr->channels = d->jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    hdr->depth = 8;
    hdr->orientation = exif_orientation(d);
    JOCTET *icc = NULL;
    unsigned int icc_len = 0;
    if (jpeg_read_icc_profile(d, &icc, &icc_len) && icc) {
        hdr->has_icc = 1;
        free(icc); /* libjpeg's jpeg_read_icc_profile() mallocs the profile itself */
    }
}

/* Create the decompressor and read the header with EXIF and ICC markers kept. Called after the
 * caller's setjmp: libjpeg errors longjmp back there. */
static skinq_status read_header(skinq_ctx *ctx, struct jpeg_decompress_struct *d, const skinq_input *in)
{
    const char *path = in->name;
    jpeg_create_decompress(d);
    d->progress = &((struct jerr *)d->err)->progress;
    jpeg_mem_src(d, in->data, (unsigned long)in->size);
    jpeg_save_markers(d, EXIF_MARKER, 0xFFFF);
    jpeg_save_markers(d, ICC_MARKER, 0xFFFF);
    jpeg_read_header(d, TRUE);
    if (d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "cannot use '%s': CMYK JPEG is not supported (convert it to sRGB)", path);
    return SKINQ_OK;
}

skinq_status skinq_jpeg_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr)
{
    struct jpeg_decompress_struct d;
    struct jerr e;
    jerr_init_decompress(ctx, &e, &d);
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&d);
        return skinq_fail(ctx, e.st, "cannot decode '%s': %s", in->name, e.msg);
    }
    skinq_status st = read_header(ctx, &d, in);
    if (st == SKINQ_OK)
        header_from(&d, hdr);
    jpeg_destroy_decompress(&d);
    return st;
}

skinq_status skinq_jpeg_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out)
{
    const char *path = in->name;
    struct jpeg_decompress_struct d;
    struct jerr e;
    skinq_image *volatile img = NULL;
    JOCTET *volatile icc = NULL;
    jerr_init_decompress(ctx, &e, &d);
    if (setjmp(e.jump)) {
        skinq_image *tmp = img;
        skinq_image_free(&tmp);
        free(icc); /* libjpeg's own malloc (jpeg_read_icc_profile) */
        jpeg_destroy_decompress(&d);
        return skinq_fail(ctx, e.st, "cannot decode '%s': %s", path, e.msg);
    }
    skinq_status rs = read_header(ctx, &d, in);
    if (rs != SKINQ_OK) {
        jpeg_destroy_decompress(&d);
        return rs;
    }
    skinq_image_header hdr;
    header_from(&d, &hdr);
    rs = skinq_io_check_size(ctx, path, (uint64_t)hdr.width, (uint64_t)hdr.height,
                             (uint64_t)hdr.width * (uint64_t)hdr.height * (uint64_t)hdr.channels);
    if (rs != SKINQ_OK) {
        jpeg_destroy_decompress(&d);
        return rs;
    }
    d.out_color_space = hdr.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    d.dct_method = JDCT_ISLOW;
    skinq_image *im;
    skinq_status st = skinq_image_alloc(ctx, hdr.width, hdr.height, hdr.channels, 8, 0, &im);
    if (st != SKINQ_OK) {
        jpeg_destroy_decompress(&d);
        return st;
    }
    img = im;
    im->orientation = hdr.orientation;
    JOCTET *icc_data = NULL;
    unsigned int icc_len = 0;
    if (jpeg_read_icc_profile(&d, &icc_data, &icc_len) && icc_data) {
        /* libjpeg mallocs the profile itself: copied into ctx's memory, its buffer freed */
        icc = icc_data;
        im->icc = skinq_malloc(ctx, icc_len);
        if (!im->icc) {
            free(icc_data);
            skinq_image_free(&im);
            jpeg_destroy_decompress(&d);
            return SKINQ_E_NOMEM;
        }
        memcpy(im->icc, icc_data, icc_len);
        im->icc_size = icc_len;
        free(icc_data);
        icc = NULL;
    }
    jpeg_start_decompress(&d);
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[4];
        int n = 0;
        for (; n < 4 && d.output_scanline + (unsigned)n < d.output_height; n++)
            rows[n] = skinq_image_row(im, (int)d.output_scanline + n);
        jpeg_read_scanlines(&d, rows, (JDIMENSION)n);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    *out = im;
    return SKINQ_OK;
}

skinq_status skinq_jpeg_decode_rows(skinq_ctx *ctx, const skinq_input *in, const skinq_image_header *plan,
                                    int batch, const skinq_row_sink *sink)
{
    const char *path = in->name;
    struct jpeg_decompress_struct d;
    struct jerr e;
    jerr_init_decompress(ctx, &e, &d);
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&d);
        return skinq_fail(ctx, e.st, "cannot decode '%s': %s", path, e.msg);
    }
    skinq_status st = read_header(ctx, &d, in);
    const int channels = d.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    if (st == SKINQ_OK && ((int)d.image_width != plan->width || (int)d.image_height != plan->height ||
                           channels != plan->channels))
        st =
            skinq_fail(ctx, SKINQ_E_FORMAT,
                       "cannot decode '%s': its header (%ux%u, %d channels) is not the one probed (%dx%d, %d "
                       "channels): the file changed",
                       path, (unsigned)d.image_width, (unsigned)d.image_height, channels, plan->width,
                       plan->height, plan->channels);
    if (st == SKINQ_OK)
        st = skinq_io_check_size(ctx, path, d.image_width, d.image_height,
                                 (uint64_t)d.image_width * (uint64_t)batch * (uint64_t)channels);
    if (st == SKINQ_OK) {
        d.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
        d.dct_method = JDCT_ISLOW;
        jpeg_start_decompress(&d);
    }
    while (st == SKINQ_OK && d.output_scanline < d.output_height) {
        int y0 = (int)d.output_scanline,
            n = (int)d.output_height - y0 < batch ? (int)d.output_height - y0 : batch;
        size_t stride = 0;
        uint8_t *buf = sink->buffer(sink->user, y0, n, &stride);
        if (!buf) {
            st = SKINQ_E_INTERNAL;
            break;
        }
        for (int i = 0; i < n;) { /* libjpeg returns at most its row group per call */
            JSAMPROW rows[16];
            int k = 0;
            for (; k < 16 && i + k < n; k++)
                rows[k] = buf + (size_t)(i + k) * stride;
            i += (int)jpeg_read_scanlines(&d, rows, (JDIMENSION)k);
        }
        st = sink->filled(sink->user, y0, n);
    }
    if (st == SKINQ_OK)
        jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return st;
}

/* A minimal big-endian EXIF block holding only IFD0's Orientation tag (0x0112, SHORT). */
static void exif_orientation_block(uint8_t blk[32], int orientation)
{
    static const uint8_t head[] = {'E', 'x', 'i', 'f', 0,    0,    'M', 'M', 0, 42, 0, 0,
                                   0,   8,   0,   1,   0x01, 0x12, 0,   3,   0, 0,  0, 1};
    memcpy(blk, head, sizeof head);
    blk[24] = 0;
    blk[25] = (uint8_t)orientation;
    memset(blk + 26, 0, 6); /* value padding + no next IFD */
}

void skinq_jpeg_default_options(skinq_jpeg_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->quality = 90;
    o->orientation = 1;
}

skinq_status skinq_jpeg_write(skinq_ctx *ctx, const char *path, const skinq_image *img,
                              const skinq_jpeg_options *options)
{
    skinq_jpeg_options own;
    skinq_status ost =
        SKINQ_OPTIONS_TAKE(ctx, &own, options, skinq_jpeg_default_options, "skinq_jpeg_options");
    if (ost != SKINQ_OK)
        return ost;
    const skinq_jpeg_options *opt = &own;
    if (img->depth != 8 || (img->channels != 1 && img->channels != 3))
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write '%s': JPEG takes 8-bit gray or RGB", path);
    int quality = opt->quality;
    if (quality < 1 || quality > 100)
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write '%s': JPEG quality %d not in 1..100", path,
                          quality);
    skinq_atomic_file af;
    skinq_status st = skinq_atomic_open(ctx, path, &af);
    if (st != SKINQ_OK)
        return st;

    struct jpeg_compress_struct c;
    struct jerr e;
    c.err = &e.mgr;
    jerr_init(&e);
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        skinq_atomic_abort(&af);
        return skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, e.msg);
    }
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, af.f);
    c.image_width = (JDIMENSION)img->width;
    c.image_height = (JDIMENSION)img->height;
    c.input_components = img->channels;
    c.in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    c.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&c, TRUE);
    if (opt->orientation > 1 && opt->orientation <= 8) {
        uint8_t blk[32];
        exif_orientation_block(blk, opt->orientation);
        jpeg_write_marker(&c, EXIF_MARKER, blk, sizeof blk);
    }
    if (opt->icc && opt->icc_size)
        jpeg_write_icc_profile(&c, opt->icc, (unsigned)opt->icc_size);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = skinq_image_row(img, (int)c.next_scanline);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return skinq_atomic_commit(ctx, &af);
}

skinq_status skinq_jpeg_encode_mem(skinq_ctx *ctx, const skinq_image *img, int quality, uint8_t **out,
                                   size_t *size)
{
    if (img->depth != 8 || (img->channels != 1 && img->channels != 3) || quality < 1 || quality > 100)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "cannot encode JPEG: needs 8-bit gray or RGB, quality 1..100");
    struct jpeg_compress_struct c;
    struct jerr e;
    unsigned char *volatile buf = NULL;
    unsigned long len = 0;
    c.err = &e.mgr;
    jerr_init(&e);
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        free(buf); /* jpeg_mem_dest()'s own malloc */
        return skinq_fail(ctx, SKINQ_E_NOMEM, "cannot encode JPEG: %s", e.msg);
    }
    jpeg_create_compress(&c);
    unsigned char *b = NULL;
    jpeg_mem_dest(&c, &b, &len);
    c.image_width = (JDIMENSION)img->width;
    c.image_height = (JDIMENSION)img->height;
    c.input_components = img->channels;
    c.in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = skinq_image_row(img, (int)c.next_scanline);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    buf = b;
    jpeg_destroy_compress(&c);
    /* jpeg_mem_dest() mallocs and grows its buffer itself: the result moves to ctx's memory */
    uint8_t *copy = skinq_malloc(ctx, len);
    if (copy)
        memcpy(copy, buf, len);
    free(buf);
    if (!copy)
        return SKINQ_E_NOMEM;
    *out = copy;
    *size = len;
    return SKINQ_OK;
}
