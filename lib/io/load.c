/* load.c -- open a file, sniff JPEG/PNG/TIFF/HEIF/DNG/camera RAW from its first bytes, decode,
 * convert ICC to sRGB, apply EXIF orientation; every failure names the file and the problem. */
#include "io.h"

#include <string.h>

enum kind { KIND_JPEG, KIND_PNG, KIND_TIFF, KIND_HEIF, KIND_DNG, KIND_RAW };

/* An ISO BMFF file whose ftyp major brand is one libheif decodes here (HEVC and AV1 stills). */
static int is_heif(const uint8_t *p, size_t n)
{
    static const char brands[][5] = {"heic", "heix", "heim", "heis", "mif1",
                                     "msf1", "heif", "hevc", "hevx", "avif"};
    if (n < 12 || memcmp(p + 4, "ftyp", 4) != 0)
        return 0;
    for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
        if (memcmp(p + 8, brands[i], 4) == 0)
            return 1;
    return 0;
}

/* What a file is when it is none of the formats read: named in the error. */
static const char *known_other(const uint8_t *p, size_t n)
{
    static const struct {
        size_t at, len;
        const char *magic, *name;
    } k[] = {{0, 4, "GIF8", "a GIF"},
             {0, 2, "BM", "a BMP"},
             {8, 4, "WEBP", "a WebP"},
             {0, 2, "\xFF\x0A", "a JPEG XL"},
             {4, 8, "JXL \r\n\x87\n", "a JPEG XL"},
             {4, 8, "jP  \r\n\x87\n", "a JPEG 2000"},
             {0, 4, "%PDF", "a PDF"},
             {0, 4, "8BPS", "a Photoshop (PSD)"},
             {4, 4, "ftyp", "an ISO media (MP4, MOV, CR3, ...)"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (n >= k[i].at + k[i].len && memcmp(p + k[i].at, k[i].magic, k[i].len) == 0)
            return k[i].name;
    return NULL;
}

/* Sniff the format from the first bytes: a TIFF with DNGVersion is a DNG (camera RAW, LibRaw);
 * other camera RAWs (CR2, NEF, ARW ... are TIFF-like, RAF, ORF ...) by LibRaw opening them, tried
 * before plain TIFF so libtiff does not take a CR2 for a photo. */
static skinq_status sniff(skinq_ctx *ctx, const skinq_input *in, enum kind *kind)
{
    const uint8_t *sig = in->data;
    const size_t n = in->size;
    if (n == 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': empty file", in->name);
    if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF)
        *kind = KIND_JPEG;
    else if (n >= 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0)
        *kind = KIND_PNG;
    else if (skinq_raw_is_dng(in))
        *kind = KIND_DNG;
    else if (n >= 4 && (memcmp(sig, "II*\0", 4) == 0 || memcmp(sig, "MM\0*", 4) == 0 ||
                        memcmp(sig, "II+\0", 4) == 0 || memcmp(sig, "MM\0+", 4) == 0))
        *kind = skinq_raw_identify(in) ? KIND_RAW : KIND_TIFF;
    else if (is_heif(sig, n))
        *kind = KIND_HEIF;
    else if (skinq_raw_identify(in))
        *kind = KIND_RAW;
    else {
        const char *other = known_other(sig, n);
        if (other)
            return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                              "cannot use '%s': %s file is not supported (skinq reads JPEG, PNG, TIFF, "
                              "HEIF/HEIC/AVIF, DNG and camera RAW)",
                              in->name, other);
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': not a JPEG, PNG, TIFF or HEIF file",
                          in->name);
    }
    return SKINQ_OK;
}

static skinq_status check_header(skinq_ctx *ctx, const char *path, const skinq_image_header *h)
{
    if (h->width <= 0 || h->height <= 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': zero-sized image", path);
    return skinq_io_check_size(ctx, path, (uint64_t)h->width, (uint64_t)h->height,
                               (uint64_t)h->width * (uint64_t)h->height * (uint64_t)h->channels *
                                   (uint64_t)(h->depth / 8));
}

/* The one place a file's header is parsed (counted for the tests). */
static skinq_status probe(skinq_ctx *ctx, const skinq_input *in, enum kind kind, skinq_image_header *h)
{
    ctx->header_parses++;
    switch (kind) {
    case KIND_JPEG: return skinq_jpeg_probe(ctx, in, h);
    case KIND_PNG: return skinq_png_probe(ctx, in, h);
    case KIND_TIFF: return skinq_tiff_probe(ctx, in, h);
    case KIND_HEIF: return skinq_heif_probe(ctx, in, h);
    case KIND_DNG:
    case KIND_RAW: return skinq_raw_probe(ctx, in, kind == KIND_DNG, h, NULL);
    default: return skinq_fail(ctx, SKINQ_E_INTERNAL, "'%s': no decoder for its format", in->name);
    }
}

skinq_status skinq_image_probe_input(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr)
{
    enum kind kind = KIND_JPEG;
    skinq_status st = sniff(ctx, in, &kind);
    skinq_image_header h;
    if (st == SKINQ_OK)
        st = probe(ctx, in, kind, &h);
    if (st == SKINQ_OK && (h.width <= 0 || h.height <= 0))
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': zero-sized image", in->name);
    if (st == SKINQ_OK)
        *hdr = h;
    return st;
}

skinq_status skinq_io_read_path(skinq_ctx *ctx, const char *path, skinq_input_reader fn, void *out)
{
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    st = fn(ctx, &in, out);
    skinq_input_close(ctx, &in);
    return st;
}

skinq_status skinq_io_read_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                               const char *api, skinq_input_reader fn, void *out)
{
    if (!ctx || (!data && size) || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "%s: NULL argument", api);
    skinq_input in;
    skinq_input_mem(&in, data, size, name);
    return fn(ctx, &in, out);
}

static skinq_status probe_reader(skinq_ctx *ctx, const skinq_input *in, void *hdr)
{
    return skinq_image_probe_input(ctx, in, hdr);
}

skinq_status skinq_image_probe(skinq_ctx *ctx, const char *path, skinq_image_header *hdr)
{
    return skinq_io_read_path(ctx, path, probe_reader, hdr);
}

skinq_status skinq_image_probe_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                                   skinq_image_header *hdr)
{
    return skinq_io_read_mem(ctx, data, size, name, "skinq_image_probe_mem", probe_reader, hdr);
}

/* The alpha mask turned as its image (orientation 2-8). */
static skinq_status orient_mask(skinq_ctx *ctx, int orientation, skinq_mask **m)
{
    const int swap = orientation >= 5;
    skinq_mask *o;
    skinq_status st =
        skinq_mask_new(ctx, swap ? (*m)->height : (*m)->width, swap ? (*m)->width : (*m)->height, 0, &o);
    if (st != SKINQ_OK)
        return st;
    skinq_orient_copy((*m)->data, (*m)->stride, (*m)->width, (*m)->height, 1, orientation, o->data,
                      o->stride);
    skinq_mask_free(m);
    *m = o;
    return SKINQ_OK;
}

/* Load with the header read already (hdr), or read here (hdr NULL). */
skinq_status skinq_image_load_input(skinq_ctx *ctx, const skinq_input *in, const skinq_image_header *hdr,
                                    skinq_image **out, skinq_mask **alpha)
{
    return skinq_image_load_input_raw(ctx, in, hdr, 0, NULL, NULL, out, alpha);
}

skinq_status skinq_image_load_input_raw(skinq_ctx *ctx, const skinq_input *in, const skinq_image_header *hdr,
                                        int raw_wb_none, int *is_raw, skinq_raw_info *raw, skinq_image **out,
                                        skinq_mask **alpha)
{
    const char *path = in->name;
    enum kind kind = KIND_JPEG;
    skinq_status st = sniff(ctx, in, &kind);
    /* Header first: the size limits are enforced before any pixel buffer exists. */
    skinq_image_header h;
    if (st == SKINQ_OK && hdr)
        h = *hdr;
    else if (st == SKINQ_OK)
        st = probe(ctx, in, kind, &h);
    if (st == SKINQ_OK)
        st = check_header(ctx, path, &h);
    skinq_image *img = NULL;
    skinq_mask *mask = NULL;
    if (st == SKINQ_OK && (kind == KIND_DNG || kind == KIND_RAW))
        st = skinq_raw_decode(ctx, in, kind == KIND_DNG, &h, raw_wb_none, &img, raw);
    else if (st == SKINQ_OK && kind == KIND_JPEG)
        st = skinq_jpeg_decode(ctx, in, &img);
    else if (st == SKINQ_OK && kind == KIND_PNG)
        st = skinq_png_decode(ctx, in, &img, alpha ? &mask : NULL);
    else if (st == SKINQ_OK && kind == KIND_TIFF)
        st = skinq_tiff_decode(ctx, in, &img, alpha ? &mask : NULL);
    else if (st == SKINQ_OK)
        st = skinq_heif_decode(ctx, in, &img, alpha ? &mask : NULL);
    if (is_raw)
        *is_raw = st == SKINQ_OK && (kind == KIND_DNG || kind == KIND_RAW);
    if (st == SKINQ_OK && (img->width != h.width || img->height != h.height)) {
        skinq_image_free(&img);
        skinq_mask_free(&mask);
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': its header is not the one probed (%dx%d)",
                        path, h.width, h.height);
    }
    if (st != SKINQ_OK)
        return st;

    skinq_icc_to_srgb(ctx, path, img);

    if (img->orientation != 1) {
        skinq_image *up = NULL;
        st = skinq_image_orient(ctx, img, img->orientation, &up);
        if (st == SKINQ_OK && mask) /* a TIFF's alpha turns with its pixels */
            st = orient_mask(ctx, img->orientation, &mask);
        if (st != SKINQ_OK) {
            skinq_image_free(&up);
            skinq_image_free(&img);
            skinq_mask_free(&mask);
            return st;
        }
        /* the upright copy takes over the profile and its provenance */
        up->icc = img->icc;
        up->icc_size = img->icc_size;
        up->icc_applied = img->icc_applied;
        memcpy(up->icc_description, img->icc_description, sizeof up->icc_description);
        img->icc = NULL;
        skinq_image_free(&img);
        img = up;
    }
    if (alpha)
        *alpha = mask;
    *out = img;
    return SKINQ_OK;
}

skinq_status skinq_image_load(skinq_ctx *ctx, const char *path, skinq_image **out, skinq_mask **alpha)
{
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    st = skinq_image_load_input(ctx, &in, NULL, out, alpha);
    skinq_input_close(ctx, &in);
    return st;
}

skinq_status skinq_image_load_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                                  skinq_image **out, skinq_mask **alpha)
{
    if (!ctx || (!data && size) || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_image_load_mem: NULL argument");
    skinq_input in;
    skinq_input_mem(&in, data, size, name);
    return skinq_image_load_input(ctx, &in, NULL, out, alpha);
}

static skinq_status raw_info_reader(skinq_ctx *ctx, const skinq_input *in, void *out)
{
    enum kind kind = KIND_JPEG;
    skinq_status st = sniff(ctx, in, &kind);
    if (st == SKINQ_OK && kind != KIND_DNG && kind != KIND_RAW)
        return skinq_fail(ctx, SKINQ_E_INVALID, "'%s': not a DNG or camera RAW file", in->name);
    skinq_image_header h;
    if (st == SKINQ_OK)
        st = skinq_raw_probe(ctx, in, kind == KIND_DNG, &h, out);
    return st;
}

skinq_status skinq_image_raw_info(skinq_ctx *ctx, const char *path, skinq_raw_info *out)
{
    if (!ctx || !path || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_image_raw_info: NULL argument");
    return skinq_io_read_path(ctx, path, raw_info_reader, out);
}
