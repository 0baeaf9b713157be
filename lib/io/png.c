/* png.c -- PNG through libpng: 8/16-bit gray, gray+alpha, palette, RGB(A), interlaced in;
 * alpha split off as a mask; 8-bit gray/RGB/RGBA and 16-bit gray/RGB out, atomically. */
#include "io.h"

#include <png.h>
#include <setjmp.h>
#include <string.h>

struct png_err {
    char msg[256];
    char warning[128]; /* libpng often says why in a warning just before a generic error */
    FILE *f;
};

static void png_error_fn(png_structp png, png_const_charp msg)
{
    struct png_err *e = png_get_error_ptr(png);
    if (e->f && feof(e->f))
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

skinq_status skinq_png_probe(skinq_ctx *ctx, FILE *f, const char *path, skinq_image_header *hdr)
{
    struct png_err e = {"", "", f};
    /* libpng allocates its structs and row buffers itself; pixels go to ctx's memory */
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &e, png_error_fn, png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading '%s'", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': %s", path, e.msg);
    }
    png_init_io(png, f);
    png_read_info(png, info);
    header_from(png, info, hdr);
    png_destroy_read_struct(&png, &info, NULL);
    return SKINQ_OK;
}

skinq_status skinq_png_decode(skinq_ctx *ctx, FILE *f, const char *path, skinq_image **out,
                              skinq_mask **alpha_out)
{
    struct png_err e = {"", "", f};
    skinq_image *volatile img = NULL;
    skinq_mask *volatile alpha = NULL;
    uint8_t *volatile raw = NULL;
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &e, png_error_fn, png_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading '%s'", path);
    }
    volatile skinq_status fail = SKINQ_E_FORMAT; /* read after longjmp */
    if (setjmp(png_jmpbuf(png))) {
        skinq_image *ti = img;
        skinq_mask *tm = alpha;
        skinq_image_free(&ti);
        skinq_mask_free(&tm);
        skinq_free(ctx, raw);
        skinq_free(ctx, (void *)rows);
        png_destroy_read_struct(&png, &info, NULL);
        if (fail != SKINQ_E_FORMAT)
            return fail; /* message already recorded */
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': %s", path, e.msg);
    }
    png_init_io(png, f);
    png_read_info(png, info);
    skinq_image_header hdr;
    header_from(png, info, &hdr);
    uint64_t pixels = (uint64_t)hdr.width * (uint64_t)hdr.height;
    if (pixels > skinq_ctx_max_pixels(ctx)) {
        fail = skinq_fail(ctx, SKINQ_E_LIMIT, "cannot load '%s': %dx%d (%.1f MP) is above the limit of %.1f MP (--max-pixels)",
                          path, hdr.width, hdr.height, pixels / 1e6, skinq_ctx_max_pixels(ctx) / 1e6);
        png_longjmp(png, 1);
    }

    /* Normalise to 8/16-bit gray/RGB with or without alpha. */
    int ct = png_get_color_type(png, info);
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ct == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (hdr.depth == 16) {
        const uint16_t one = 1;
        if (*(const uint8_t *)&one == 1)
            png_set_swap(png); /* PNG is big-endian; skinq images are native-endian */
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int nch = png_get_channels(png, info);
    int has_alpha = nch == 2 || nch == 4;
    int colour = has_alpha ? nch - 1 : nch;
    size_t bps = (size_t)hdr.depth / 8;
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)hdr.width * (size_t)nch * bps) {
        snprintf(e.msg, sizeof e.msg, "unexpected row size");
        png_longjmp(png, 1);
    }

    skinq_image *im;
    if ((fail = skinq_image_alloc(ctx, hdr.width, hdr.height, colour, hdr.depth, 0, &im)) != SKINQ_OK)
        png_longjmp(png, 1);
    img = im;
    fail = SKINQ_E_FORMAT;
    uint8_t *buf = im->data;
    size_t stride = im->stride;
    if (has_alpha) { /* decode interleaved, then split */
        size_t bytes = rowbytes * (size_t)hdr.height;
        if (!(raw = skinq_malloc(ctx, bytes))) {
            fail = SKINQ_E_NOMEM;
            png_longjmp(png, 1);
        }
        buf = raw;
        stride = rowbytes;
    }
    if (!(rows = skinq_malloc(ctx, sizeof(png_bytep) * (size_t)hdr.height))) {
        fail = SKINQ_E_NOMEM;
        png_longjmp(png, 1);
    }
    for (int y = 0; y < hdr.height; y++)
        rows[y] = buf + (size_t)y * stride;
    png_read_image(png, (png_bytepp)rows);
    png_read_end(png, NULL);

    png_charp name;
    int comp;
    png_bytep prof;
    png_uint_32 plen;
    if (png_get_iCCP(png, info, &name, &comp, &prof, &plen) && plen > 0) {
        if (!(im->icc = skinq_malloc(ctx, plen))) {
            fail = SKINQ_E_NOMEM;
            png_longjmp(png, 1);
        }
        memcpy(im->icc, prof, plen);
        im->icc_size = plen;
    }

    if (has_alpha) {
        skinq_mask *m = NULL;
        if (alpha_out && (fail = skinq_mask_new(ctx, hdr.width, hdr.height, 0, &m)) != SKINQ_OK)
            png_longjmp(png, 1);
        alpha = m;
        fail = SKINQ_E_FORMAT;
        size_t px = bps * (size_t)colour;
        for (int y = 0; y < hdr.height; y++) {
            const uint8_t *s = raw + (size_t)y * rowbytes;
            uint8_t *d = skinq_image_row(im, y);
            uint8_t *mr = m ? m->data + (size_t)y * m->stride : NULL;
            for (int x = 0; x < hdr.width; x++, s += px + bps, d += px) {
                memcpy(d, s, px);
                if (mr)
                    mr[x] = bps == 2 ? (s[px] | s[px + 1]) != 0 : s[px] != 0;
            }
        }
    }
    skinq_free(ctx, raw);
    skinq_free(ctx, (void *)rows);
    png_destroy_read_struct(&png, &info, NULL);
    if (alpha_out)
        *alpha_out = alpha;
    *out = im;
    return SKINQ_OK;
}

skinq_status skinq_png_write(skinq_ctx *ctx, const char *path, const skinq_image *img)
{
    int ok = (img->depth == 8 && (img->channels == 1 || img->channels == 3 || img->channels == 4)) ||
             (img->depth == 16 && (img->channels == 1 || img->channels == 3));
    if (!ok)
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot write '%s': PNG writer takes 8-bit gray/RGB/RGBA or 16-bit gray/RGB", path);
    skinq_atomic_file af;
    skinq_status st = skinq_atomic_open(ctx, path, &af);
    if (st != SKINQ_OK)
        return st;
    struct png_err e = {"", "", NULL};
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
