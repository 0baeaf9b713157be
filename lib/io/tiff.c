/* tiff.c -- TIFF through libtiff over an input's bytes (TIFFClientOpenExt on the memory, libtiff's
 * errors and warnings captured per handle, never printed): 8/16-bit gray or RGB, strips or tiles,
 * contiguous or separate planes, an alpha extra sample split off as a mask, JPEG-in-TIFF as RGB;
 * palette, 1/2/4-bit gray and YCbCr through libtiff's RGBA reader (8-bit). CMYK, float, signed
 * and 32-bit samples are refused. Orientation and ICC are left to load.c. */
#include "io.h"

#include <stdarg.h>
#include <string.h>
#include <tiffio.h>

/* One open TIFF over an input: the read position and the first error and warning libtiff said. */
typedef struct tiff_src {
    const skinq_input *in;
    toff_t pos;
    char msg[200];
    char warning[120];
} tiff_src;

static tmsize_t src_read(thandle_t h, void *buf, tmsize_t n)
{
    tiff_src *s = (tiff_src *)h;
    if (n < 0 || s->pos >= s->in->size)
        return 0;
    size_t k = s->in->size - (size_t)s->pos < (size_t)n ? s->in->size - (size_t)s->pos : (size_t)n;
    memcpy(buf, s->in->data + s->pos, k);
    s->pos += k;
    return (tmsize_t)k;
}

static tmsize_t src_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h, (void)buf, (void)n;
    return -1;
}

static toff_t src_seek(thandle_t h, toff_t off, int whence)
{
    tiff_src *s = (tiff_src *)h;
    toff_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? (toff_t)s->in->size : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    s->pos = base + off;
    return s->pos;
}

static int src_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t src_size(thandle_t h)
{
    return (toff_t)((tiff_src *)h)->in->size;
}

/* The bytes are in memory already: libtiff reads strips straight from them. */
static int src_map(thandle_t h, void **base, toff_t *size)
{
    tiff_src *s = (tiff_src *)h;
    *base = (void *)(uintptr_t)s->in->data;
    *size = (toff_t)s->in->size;
    return 1;
}

static void src_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h, (void)base, (void)size;
}

/* libtiff's messages go into the handle's buffers, the first of each kind kept (1 = not to the
 * global handlers: nothing on stderr). */
static void keep_first(char *buf, size_t n, const char *fmt, va_list ap)
{
    if (!buf[0])
        vsnprintf(buf, n, fmt, ap);
}

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    keep_first(((tiff_src *)user)->msg, sizeof((tiff_src *)user)->msg, fmt, ap);
    return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    keep_first(((tiff_src *)user)->warning, sizeof((tiff_src *)user)->warning, fmt, ap);
    return 1;
}

/* Open the input's first directory into *out (a failure names the file). */
static skinq_status tiff_open(skinq_ctx *ctx, const skinq_input *in, tiff_src *s, TIFF **out)
{
    memset(s, 0, sizeof *s);
    s->in = in;
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (!o)
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading '%s'", in->name);
    TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, s);
    TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, s);
    /* no single libtiff allocation (a strip, a tile, a tag's array) above the decode limit */
    uint64_t cap = skinq_ctx_max_bytes(ctx);
    TIFFOpenOptionsSetMaxSingleMemAlloc(o, cap > (uint64_t)INT64_MAX ? (tmsize_t)INT64_MAX : (tmsize_t)cap);
    TIFF *tif = TIFFClientOpenExt(in->name, "r", (thandle_t)s, src_read, src_write, src_seek, src_close,
                                  src_size, src_map, src_unmap, o);
    TIFFOpenOptionsFree(o);
    if (!(*out = tif))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': %s", in->name,
                          s->msg[0] ? s->msg : "unreadable TIFF header");
    return SKINQ_OK;
}

/* What the first directory holds and how it is read. */
typedef struct tiff_layout {
    uint32_t w, h;
    uint16_t bps, spp, photometric, planar;
    int colour; /* 1 gray, 3 RGB: the image's channels */
    int alpha;  /* the first extra sample is alpha: a mask */
    int rgba;   /* read through TIFFRGBAImage (8-bit out) */
    int invert; /* MINISWHITE: 0 is white */
    int depth;  /* the image's bits a sample */
    int orientation;
    int has_icc;
} tiff_layout;

static const char *photometric_name(uint16_t p)
{
    switch (p) {
    case PHOTOMETRIC_SEPARATED: return "CMYK";
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
    case PHOTOMETRIC_ITULAB: return "CIELab";
    case PHOTOMETRIC_LOGL:
    case PHOTOMETRIC_LOGLUV: return "LogLuv";
    case PHOTOMETRIC_MASK: return "a transparency mask";
    case 32803: return "a colour filter array (camera RAW)";
    case 34892: return "linear raw (camera RAW)";
    default: return "an unknown photometric interpretation";
    }
}

/* The layout of tif's current directory, or SKINQ_E_UNSUPPORTED/FORMAT naming what was found. */
static skinq_status layout_of(skinq_ctx *ctx, TIFF *tif, const char *path, tiff_layout *L)
{
    memset(L, 0, sizeof *L);
    uint16_t fmt = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE, orient = ORIENTATION_TOPLEFT;
    uint16_t nextra = 0, *extra = NULL;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &L->w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &L->h))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': TIFF without image width or length",
                          path);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &L->bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &L->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &L->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orient);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &L->photometric))
        L->photometric = L->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    L->orientation = orient >= 1 && orient <= 8 ? orient : 1;
    uint32_t icc_len = 0;
    void *icc = NULL;
    L->has_icc = TIFFGetField(tif, TIFFTAG_ICCPROFILE, &icc_len, &icc) && icc_len > 0;

    const uint16_t p = L->photometric;
    if (fmt == SAMPLEFORMAT_IEEEFP)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "cannot use '%s': TIFF with %u-bit floating-point samples is not supported "
                          "(8/16-bit unsigned integers are)",
                          path, L->bps);
    if (fmt != SAMPLEFORMAT_UINT && fmt != SAMPLEFORMAT_VOID)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "cannot use '%s': TIFF with signed or complex samples (SampleFormat %u) is not "
                          "supported",
                          path, fmt);
    if (p == PHOTOMETRIC_MINISBLACK || p == PHOTOMETRIC_MINISWHITE)
        L->colour = 1;
    else if (p == PHOTOMETRIC_RGB || p == PHOTOMETRIC_YCBCR || p == PHOTOMETRIC_PALETTE)
        L->colour = 3;
    else
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "cannot use '%s': TIFF of %s (photometric %u) is not supported (gray, RGB, "
                          "palette or YCbCr are)",
                          path, photometric_name(p), p);
    const int stored_colour = p == PHOTOMETRIC_PALETTE ? 1 : L->colour;
    if (L->spp < stored_colour)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': TIFF with %u samples a pixel for %s",
                          path, L->spp, p == PHOTOMETRIC_RGB ? "RGB" : "its photometric interpretation");
    L->alpha = L->spp > stored_colour && nextra >= 1 &&
               (extra[0] == EXTRASAMPLE_ASSOCALPHA || extra[0] == EXTRASAMPLE_UNASSALPHA);
    if (L->bps == 32 || L->bps > 16)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "cannot use '%s': TIFF with %u-bit samples is not supported (8 and 16 are)", path,
                          L->bps);
    if (p == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG && L->bps == 8) {
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB); /* libjpeg's own YCbCr->RGB */
        L->photometric = PHOTOMETRIC_RGB;
    } else if (p == PHOTOMETRIC_PALETTE || p == PHOTOMETRIC_YCBCR || (L->bps != 8 && L->bps != 16)) {
        char emsg[1024];
        if (L->bps > 8 || !TIFFRGBAImageOK(tif, emsg))
            return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "cannot use '%s': TIFF of %u-bit %s is not supported",
                              path, L->bps,
                              p == PHOTOMETRIC_PALETTE ? "palette"
                              : p == PHOTOMETRIC_YCBCR ? "YCbCr"
                                                       : "samples");
        L->rgba = 1;
    }
    L->invert = p == PHOTOMETRIC_MINISWHITE && !L->rgba;
    L->depth = L->rgba ? 8 : L->bps;
    return SKINQ_OK;
}

static void header_from(const tiff_layout *L, skinq_image_header *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    strcpy(hdr->format, "tiff");
    hdr->width = L->w > INT32_MAX ? 0 : (int)L->w;
    hdr->height = L->h > INT32_MAX ? 0 : (int)L->h;
    hdr->channels = L->colour + L->alpha;
    hdr->depth = L->depth;
    hdr->orientation = L->orientation;
    hdr->has_icc = L->has_icc;
}

/* tiff_open() and layout_of() (*tif closed and NULL when either fails). */
static skinq_status tiff_open_layout(skinq_ctx *ctx, const skinq_input *in, tiff_src *s, TIFF **tif,
                                     tiff_layout *L)
{
    skinq_status st = tiff_open(ctx, in, s, tif);
    if (st == SKINQ_OK && (st = layout_of(ctx, *tif, in->name, L)) != SKINQ_OK) {
        TIFFClose(*tif);
        *tif = NULL;
    }
    return st;
}

skinq_status skinq_tiff_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr)
{
    tiff_src s;
    TIFF *tif;
    tiff_layout L;
    skinq_status st = tiff_open_layout(ctx, in, &s, &tif, &L);
    if (st == SKINQ_OK) {
        header_from(&L, hdr);
        TIFFClose(tif);
    }
    return st;
}

/* The decode's destination: the image, the mask of alpha != 0 (or NULL), the layout. */
typedef struct tiff_dst {
    skinq_image *img;
    skinq_mask *mask;
    const tiff_layout *L;
} tiff_dst;

/* n pixels of `plane` (-1: all samples interleaved, spp of them) from src into row y at x0. */
static void put_pixels(const tiff_dst *d, int y, int x0, int n, const uint8_t *src, int plane)
{
    const tiff_layout *L = d->L;
    const int B = L->bps / 8, step = plane < 0 ? L->spp : 1;
    uint8_t *row = skinq_image_row(d->img, y) + (size_t)x0 * (size_t)L->colour * (size_t)B;
    uint8_t *mrow = d->mask ? d->mask->data + (size_t)y * d->mask->stride + x0 : NULL;
    const int first = plane < 0 ? 0 : plane, last = plane < 0 ? L->spp - 1 : plane;
    for (int c = first; c <= last; c++) {
        const uint8_t *s = src + (size_t)(plane < 0 ? c : 0) * (size_t)B;
        if (c < L->colour) {
            uint8_t *o = row + (size_t)c * (size_t)B;
            const size_t ostep = (size_t)L->colour * (size_t)B, istep = (size_t)step * (size_t)B;
            for (int x = 0; x < n; x++, s += istep, o += ostep) {
                memcpy(o, s, (size_t)B);
                if (L->invert)
                    for (int b = 0; b < B; b++)
                        o[b] = (uint8_t)~o[b];
            }
        } else if (c == L->colour && L->alpha && mrow) {
            for (int x = 0; x < n; x++, s += (size_t)step * (size_t)B)
                mrow[x] = B == 2 ? (s[0] | s[1]) != 0 : s[0] != 0;
        }
    }
}

/* Strips or tiles, contiguous or planar, into d. 0 or -1 (libtiff's message in s). */
static int read_blocks(TIFF *tif, const tiff_dst *d, uint8_t *buf, tmsize_t bufsize)
{
    const tiff_layout *L = d->L;
    const int planes = L->planar == PLANARCONFIG_SEPARATE ? L->spp : 1;
    const size_t B = (size_t)L->bps / 8, px = (size_t)(planes > 1 ? 1 : L->spp) * B;
    uint32_t bw = L->w, bh = 0;
    if (TIFFIsTiled(tif)) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &bw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &bh);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &bh);
    }
    if (bh == 0 || bh > L->h)
        bh = L->h;
    if (bw == 0)
        return -1;
    for (uint32_t y = 0; y < L->h; y += bh)
        for (uint32_t x = 0; x < L->w; x += bw)
            for (int p = 0; p < planes; p++) {
                const uint32_t rows = L->h - y < bh ? L->h - y : bh, cols = L->w - x < bw ? L->w - x : bw;
                tmsize_t got;
                if (TIFFIsTiled(tif))
                    got = TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, (uint16_t)p), buf, bufsize);
                else
                    got = TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, (uint16_t)p), buf, bufsize);
                const size_t need = ((size_t)(rows - 1) * bw + cols) * px;
                if (got < 0 || (size_t)got < need)
                    return -1;
                for (uint32_t r = 0; r < rows; r++)
                    put_pixels(d, (int)(y + r), (int)x, (int)cols, buf + (size_t)r * bw * px,
                               planes > 1 ? p : -1);
            }
    return 0;
}

/* Palette, low-bit gray, YCbCr: libtiff's RGBA reader, pixels in stored order (no flips). */
static int read_rgba(TIFF *tif, const tiff_dst *d, uint32_t *raster, char *emsg)
{
    TIFFRGBAImage ri;
    if (!TIFFRGBAImageBegin(&ri, tif, 0, emsg))
        return -1;
    ri.req_orientation = ri.orientation; /* load.c applies the orientation, as for the other paths */
    int ok = TIFFRGBAImageGet(&ri, raster, d->L->w, d->L->h);
    TIFFRGBAImageEnd(&ri);
    if (!ok)
        return -1;
    for (uint32_t y = 0; y < d->L->h; y++) {
        const uint32_t *s = raster + (size_t)y * d->L->w;
        uint8_t *o = skinq_image_row(d->img, (int)y);
        uint8_t *m = d->mask ? d->mask->data + (size_t)y * d->mask->stride : NULL;
        for (uint32_t x = 0; x < d->L->w; x++) {
            if (d->L->colour == 1)
                o[x] = (uint8_t)TIFFGetR(s[x]);
            else {
                o[3 * x] = (uint8_t)TIFFGetR(s[x]);
                o[3 * x + 1] = (uint8_t)TIFFGetG(s[x]);
                o[3 * x + 2] = (uint8_t)TIFFGetB(s[x]);
            }
            if (m)
                m[x] = TIFFGetA(s[x]) != 0;
        }
    }
    return 0;
}

skinq_status skinq_tiff_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out, skinq_mask **alpha)
{
    const char *path = in->name;
    tiff_src s;
    TIFF *tif;
    tiff_layout L;
    skinq_status st = tiff_open_layout(ctx, in, &s, &tif, &L);
    if (st != SKINQ_OK)
        return st;
    /* every buffer: the image, the mask, a strip/tile (or the RGBA raster) */
    const tmsize_t block = L.rgba ? 0 : TIFFIsTiled(tif) ? TIFFTileSize(tif) : TIFFStripSize(tif);
    const uint64_t px = (uint64_t)L.w * L.h;
    const uint64_t scratch = L.rgba ? px * 4 : (uint64_t)(block > 0 ? block : 0);
    if (st == SKINQ_OK && !L.rgba && block <= 0)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': %s", path,
                        s.msg[0] ? s.msg : "TIFF strip or tile size is invalid");
    if (st == SKINQ_OK)
        st = skinq_io_check_size(ctx, path, L.w, L.h,
                                 px * (uint64_t)L.colour * (uint64_t)(L.depth / 8) + (L.alpha ? px : 0) +
                                     scratch);
    tiff_dst d = {NULL, NULL, &L};
    if (st == SKINQ_OK)
        st = skinq_image_alloc(ctx, (int)L.w, (int)L.h, L.colour, L.depth, 0, &d.img);
    if (st == SKINQ_OK && L.alpha && alpha)
        st = skinq_mask_new(ctx, (int)L.w, (int)L.h, 0, &d.mask);
    uint8_t *buf = NULL;
    if (st == SKINQ_OK && !(buf = skinq_malloc(ctx, (size_t)scratch)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        char emsg[1024] = "";
        int r = L.rgba ? read_rgba(tif, &d, (uint32_t *)(void *)buf, emsg) : read_blocks(tif, &d, buf, block);
        if (r != 0)
            st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': %s", path,
                            s.msg[0]  ? s.msg
                            : emsg[0] ? emsg
                                      : "truncated or corrupt TIFF data");
    }
    if (st == SKINQ_OK) {
        d.img->orientation = L.orientation;
        uint32_t icc_n = 0;
        void *icc = NULL;
        if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &icc_n, &icc) && icc_n && icc)
            st = skinq_icc_attach(ctx, d.img, icc, icc_n);
    }
    skinq_free(ctx, buf);
    TIFFClose(tif);
    return skinq_io_hand_out(st, d.img, d.mask, out, alpha);
}

const uint16_t skinq_tiff_time_tags[SKINQ_TIFF_TIME_TAGS] = {
    TIFFTAG_DATETIME,   EXIFTAG_DATETIMEORIGINAL,   EXIFTAG_DATETIMEDIGITIZED,
    EXIFTAG_SUBSECTIME, EXIFTAG_SUBSECTIMEORIGINAL, EXIFTAG_SUBSECTIMEDIGITIZED,
    EXIFTAG_OFFSETTIME, EXIFTAG_OFFSETTIMEORIGINAL, EXIFTAG_OFFSETTIMEDIGITIZED,
};

skinq_status skinq_tiff_time_text(skinq_ctx *ctx, const skinq_input *in, skinq_tiff_times *t)
{
    memset(t, 0, sizeof *t);
    tiff_src s;
    TIFF *tif;
    skinq_status st = tiff_open(ctx, in, &s, &tif);
    if (st != SKINQ_OK)
        return st;
    const char *v = NULL;
    if (TIFFGetField(tif, TIFFTAG_DATETIME, &v) && v) { /* IFD0's DateTime */
        snprintf(t->text[0], sizeof t->text[0], "%s", v);
        t->found[0] = 1;
    }
    toff_t exif = 0;
    if (TIFFGetField(tif, TIFFTAG_EXIFIFD, &exif) && exif && TIFFReadEXIFDirectory(tif, exif))
        for (int i = 1; i < SKINQ_TIFF_TIME_TAGS; i++) {
            v = NULL;
            if (TIFFGetField(tif, skinq_tiff_time_tags[i], &v) && v) {
                snprintf(t->text[i], sizeof t->text[i], "%s", v);
                t->found[i] = 1;
            }
        }
    TIFFClose(tif);
    return SKINQ_OK;
}
