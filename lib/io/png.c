/* png.c -- PNG through libpng: 8/16-bit gray, gray+alpha, palette, RGB(A), interlaced in;
 * alpha split off as a mask; 8-bit gray/RGB/RGBA and 16-bit gray/RGB out, atomically. */
#include "io.h"

#include <png.h>
#include <setjmp.h>
#include <string.h>

struct png_err {
    char msg[256];
    char warning[128];     /* libpng often says why in a warning just before a generic error */
    const skinq_input *in; /* reading: the bytes, and how far libpng has read them */
    size_t pos;
    int eof;
    skinq_status st; /* what a libpng error stands for: FORMAT, or LIMIT (a chunk or size limit) */
    skinq_ctx *ctx;
};

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    struct png_err *e = png_get_io_ptr(png);
    if (n > e->in->size - e->pos) {
        e->eof = 1;
        png_error(png, "truncated PNG data");
    }
    memcpy(out, e->in->data + e->pos, n);
    e->pos += n;
}

static void png_error_fn(png_structp png, png_const_charp msg)
{
    struct png_err *e = png_get_error_ptr(png);
    if (e->in && strstr(msg, "chunk data is too large")) {
        snprintf(e->msg, sizeof e->msg, "%s: above the limit of %u bytes a chunk (max_png_chunk_bytes)", msg,
                 e->ctx->max_png_chunk_bytes);
        e->st = SKINQ_E_LIMIT;
    } else if (e->in && strstr(msg, "exceeds user limit")) {
        snprintf(e->msg, sizeof e->msg, "%s (--max-pixels)", msg);
        e->st = SKINQ_E_LIMIT;
    } else if (e->eof)
        snprintf(e->msg, sizeof e->msg, "truncated PNG data");
    else if (e->warning[0])
        snprintf(e->msg, sizeof e->msg, "%s (%s)", msg, e->warning);
    else
        snprintf(e->msg, sizeof e->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
    struct png_err *e = png_get_error_ptr(png);
    if (!e->warning[0])
        snprintf(e->warning, sizeof e->warning, "%s", msg);
}

/* The chunk list walked before libpng sees it (the bytes are all in memory): a chunk that
 * declares more bytes than the file has left is truncated data, refused here because libpng
 * allocates (and zeroes) an ancillary chunk's declared length before reading it -- 2 GiB for a
 * 57-byte file -- whatever png_set_chunk_malloc_max says in some versions; an ancillary chunk
 * above max_png_chunk_bytes, or more than max_png_chunks of them, is refused as a limit. */
static skinq_status png_prescan(skinq_ctx *ctx, const skinq_input *in)
{
    const uint8_t *p = in->data;
    size_t pos = 8, ancillary = 0;
    while (pos + 8 <= in->size) {
        const uint32_t len =
            (uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 | (uint32_t)p[pos + 2] << 8 | p[pos + 3];
        const char type[5] = {(char)p[pos + 4], (char)p[pos + 5], (char)p[pos + 6], (char)p[pos + 7], 0};
        const int anc = (p[pos + 4] & 0x20) != 0;
        if (len > 0x7fffffffu || (uint64_t)len + 12 > in->size - pos)
            return skinq_fail(
                ctx, SKINQ_E_FORMAT,
                "cannot decode '%s': truncated PNG data (chunk '%s' declares %u bytes, %zu left)", in->name,
                type, len, in->size - pos - 8);
        if (anc && len > ctx->max_png_chunk_bytes)
            return skinq_fail(ctx, SKINQ_E_LIMIT,
                              "cannot decode '%s': PNG chunk '%s' of %u bytes is above the limit of %u bytes "
                              "(max_png_chunk_bytes)",
                              in->name, type, len, ctx->max_png_chunk_bytes);
        if (anc && ++ancillary > ctx->max_png_chunks)
            return skinq_fail(ctx, SKINQ_E_LIMIT,
                              "cannot decode '%s': more than %u ancillary PNG chunks (max_png_chunks)",
                              in->name, ctx->max_png_chunks);
        if (memcmp(type, "IEND", 4) == 0)
            break;
        pos += (size_t)len + 12;
    }
    return SKINQ_OK;
}

/* A read struct over in's bytes with the ctx's limits (NULL when out of memory). */
static png_structp png_reader(skinq_ctx *ctx, const skinq_input *in, struct png_err *e)
{
    memset(e, 0, sizeof *e);
    e->in = in;
    e->ctx = ctx;
    e->st = SKINQ_E_FORMAT;
    /* libpng allocates its structs, chunks and row buffers itself; pixels go to ctx's memory */
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, e, png_error_fn, png_warning_fn);
    if (!png)
        return NULL;
    png_set_read_fn(png, e, png_read_mem);
    uint64_t side = skinq_ctx_max_pixels(ctx);
    if (side > 0x7fffffffu)
        side = 0x7fffffffu;
    png_set_user_limits(png, (png_uint_32)side, (png_uint_32)side);
    png_set_chunk_malloc_max(png, ctx->max_png_chunk_bytes);
    png_set_chunk_cache_max(png, ctx->max_png_chunks);
    return png;
}

static void header_from(png_structp png, png_infop info, skinq_image_header *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    strcpy(hdr->format, "png");
    hdr->width = (int)png_get_image_width(png, info);
    hdr->height = (int)png_get_image_height(png, info);
    int ct = png_get_color_type(png, info);
    int colour = (ct & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    int alpha = (ct & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    hdr->channels = colour + (alpha ? 1 : 0);
    hdr->depth = png_get_bit_depth(png, info) == 16 ? 16 : 8;
    hdr->orientation = 1;
    hdr->has_icc = png_get_valid(png, info, PNG_INFO_iCCP) != 0;
}

skinq_status skinq_png_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr)
{
    const char *path = in->name;
    skinq_status ps = png_prescan(ctx, in);
    if (ps != SKINQ_OK)
        return ps;
    struct png_err e;
    png_structp png = png_reader(ctx, in, &e);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading '%s'", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return skinq_fail(ctx, e.st, "cannot decode '%s': %s", path, e.msg);
    }
    png_read_info(png, info);
    header_from(png, info, hdr);
    png_destroy_read_struct(&png, &info, NULL);
    return SKINQ_OK;
}

/* What a decode owns while libpng may longjmp out of it: volatile, as they are read after the
 * jump in the function that called setjmp. */
typedef struct png_dec {
    skinq_image *volatile img;
    skinq_mask *volatile alpha;
    uint8_t *volatile raw; /* interleaved colour + alpha rows, split after */
    png_bytep *volatile rows;
    volatile skinq_status fail; /* the status a longjmp stands for (FORMAT: libpng's message) */
} png_dec;

static void png_dec_free(skinq_ctx *ctx, png_dec *d)
{
    skinq_image *ti = d->img;
    skinq_mask *tm = d->alpha;
    skinq_image_free(&ti);
    skinq_mask_free(&tm);
    skinq_free(ctx, d->raw);
    skinq_free(ctx, (void *)d->rows);
    d->img = NULL;
    d->alpha = NULL;
    d->raw = NULL;
    d->rows = NULL;
}

/* Normalise to 8/16-bit gray/RGB with or without alpha, native-endian. */
static void set_transforms(png_structp png, png_infop info, int depth)
{
    int ct = png_get_color_type(png, info);
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ct == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (depth == 16) {
        const uint16_t one = 1;
        if (*(const uint8_t *)&one == 1)
            png_set_swap(png); /* PNG is big-endian; skinq images are native-endian */
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* The pixels: straight into the image, or (with alpha) interleaved into d->raw. May longjmp. */
static skinq_status read_pixels(skinq_ctx *ctx, png_structp png, const skinq_image_header *hdr, int colour,
                                size_t rowbytes, int has_alpha, png_dec *d)
{
    skinq_image *im;
    skinq_status st = skinq_image_alloc(ctx, hdr->width, hdr->height, colour, hdr->depth, 0, &im);
    if (st != SKINQ_OK)
        return st;
    d->img = im;
    uint8_t *buf = im->data;
    size_t stride = im->stride;
    if (has_alpha) {
        if (!(d->raw = skinq_malloc(ctx, rowbytes * (size_t)hdr->height)))
            return SKINQ_E_NOMEM;
        buf = d->raw;
        stride = rowbytes;
    }
    png_bytep *rows = skinq_malloc(ctx, sizeof(png_bytep) * (size_t)hdr->height);
    if (!(d->rows = rows))
        return SKINQ_E_NOMEM;
    for (int y = 0; y < hdr->height; y++)
        rows[y] = buf + (size_t)y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    return SKINQ_OK;
}

/* The embedded ICC profile, copied into the image. */
static skinq_status take_icc(skinq_ctx *ctx, png_structp png, png_infop info, skinq_image *im)
{
    png_charp name;
    int comp;
    png_bytep prof;
    png_uint_32 plen;
    if (!png_get_iCCP(png, info, &name, &comp, &prof, &plen) || plen == 0)
        return SKINQ_OK;
    return skinq_icc_attach(ctx, im, prof, plen);
}

/* Interleaved colour + alpha → the image's colour and (if wanted) a mask of alpha != 0. */
static skinq_status split_alpha(skinq_ctx *ctx, png_dec *d, int colour, size_t bps, size_t rowbytes,
                                int want_mask)
{
    skinq_image *im = d->img;
    skinq_mask *m = NULL;
    if (want_mask) {
        skinq_status st = skinq_mask_new(ctx, im->width, im->height, 0, &m);
        if (st != SKINQ_OK)
            return st;
        d->alpha = m;
    }
    size_t px = bps * (size_t)colour;
    for (int y = 0; y < im->height; y++) {
        const uint8_t *s = d->raw + (size_t)y * rowbytes;
        uint8_t *dst = skinq_image_row(im, y);
        uint8_t *mr = m ? m->data + (size_t)y * m->stride : NULL;
        for (int x = 0; x < im->width; x++, s += px + bps, dst += px) {
            memcpy(dst, s, px);
            if (mr)
                mr[x] = bps == 2 ? (s[px] | s[px + 1]) != 0 : s[px] != 0;
        }
    }
    return SKINQ_OK;
}

skinq_status skinq_png_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out,
                              skinq_mask **alpha_out)
{
    const char *path = in->name;
    skinq_status ps = png_prescan(ctx, in);
    if (ps != SKINQ_OK)
        return ps;
    struct png_err e;
    png_dec d = {NULL, NULL, NULL, NULL, SKINQ_E_FORMAT};
    png_structp png = png_reader(ctx, in, &e);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading '%s'", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_dec_free(ctx, &d);
        png_destroy_read_struct(&png, &info, NULL);
        if (d.fail != SKINQ_E_FORMAT)
            return d.fail; /* message already recorded */
        return skinq_fail(ctx, e.st, "cannot decode '%s': %s", path, e.msg);
    }
    png_read_info(png, info);
    skinq_image_header hdr;
    header_from(png, info, &hdr);
    set_transforms(png, info, hdr.depth);
    int nch = png_get_channels(png, info);
    int has_alpha = nch == 2 || nch == 4;
    int colour = has_alpha ? nch - 1 : nch;
    size_t bps = (size_t)hdr.depth / 8;
    /* every buffer of the decode: the image, with alpha the interleaved rows and the mask */
    const uint64_t px = (uint64_t)hdr.width * (uint64_t)hdr.height;
    const uint64_t bytes = px * (uint64_t)colour * bps + (has_alpha ? px * (uint64_t)nch * bps + px : 0);
    skinq_status cs = skinq_io_check_size(ctx, path, (uint64_t)hdr.width, (uint64_t)hdr.height, bytes);
    if (cs != SKINQ_OK) {
        d.fail = cs;
        png_longjmp(png, 1);
    }
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)hdr.width * (size_t)nch * bps) {
        snprintf(e.msg, sizeof e.msg, "unexpected row size");
        png_longjmp(png, 1);
    }
    skinq_status st = read_pixels(ctx, png, &hdr, colour, rowbytes, has_alpha, &d);
    if (st == SKINQ_OK)
        st = take_icc(ctx, png, info, d.img);
    if (st == SKINQ_OK && has_alpha)
        st = split_alpha(ctx, &d, colour, bps, rowbytes, alpha_out != NULL);
    if (st != SKINQ_OK) {
        d.fail = st;
        png_longjmp(png, 1);
    }
    skinq_image *im = d.img;
    skinq_mask *alpha = d.alpha;
    d.img = NULL;
    d.alpha = NULL;
    png_dec_free(ctx, &d);
    png_destroy_read_struct(&png, &info, NULL);
    if (alpha_out)
        *alpha_out = alpha;
    *out = im;
    return SKINQ_OK;
}

skinq_status skinq_png_write(skinq_ctx *ctx, const char *path, const skinq_image *img)
{
    return skinq_png_write_phys(ctx, path, img, 0);
}

skinq_status skinq_png_write_phys(skinq_ctx *ctx, const char *path, const skinq_image *img,
                                  uint32_t px_per_metre)
{
    int ok = (img->depth == 8 && (img->channels == 1 || img->channels == 3 || img->channels == 4)) ||
             (img->depth == 16 && (img->channels == 1 || img->channels == 3));
    if (!ok)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "cannot write '%s': PNG writer takes 8-bit gray/RGB/RGBA or 16-bit gray/RGB", path);
    skinq_atomic_file af;
    skinq_status st = skinq_atomic_open(ctx, path, &af);
    if (st != SKINQ_OK)
        return st;
    struct png_err e = {"", "", NULL, 0, 0, SKINQ_E_IO, ctx};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, png_error_fn, png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        skinq_atomic_abort(&af);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory writing '%s'", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        skinq_atomic_abort(&af);
        return skinq_fail(ctx, SKINQ_E_IO, "cannot write '%s': %s", path, e.msg);
    }
    png_init_io(png, af.f);
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, img->depth,
                 types[img->channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (px_per_metre)
        png_set_pHYs(png, info, px_per_metre, px_per_metre, PNG_RESOLUTION_METER);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    if (img->depth == 16) {
        const uint16_t one = 1;
        if (*(const uint8_t *)&one == 1)
            png_set_swap(png);
    }
    for (int y = 0; y < img->height; y++)
        png_write_row(png, skinq_image_row(img, y));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return skinq_atomic_commit(ctx, &af);
}
