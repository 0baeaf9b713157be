/* load.c -- open a file, sniff JPEG/PNG/DNG/camera RAW from its first bytes, decode, convert ICC to sRGB,
 * apply EXIF orientation; every failure names the file and the problem. */
#include "io.h"

#include <string.h>

enum kind { KIND_JPEG, KIND_PNG, KIND_DNG, KIND_RAW };

/* Sniff JPEG or PNG from the first bytes; DNG by its TIFF tag; other RAWs by LibRaw opening them. */
static skinq_status sniff(skinq_ctx *ctx, const skinq_input *in, enum kind *kind)
{
    const uint8_t *sig = in->data;
    if (in->size == 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': empty file", in->name);
    if (in->size >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF)
        *kind = KIND_JPEG;
    else if (in->size >= 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0)
        *kind = KIND_PNG;
    else if (skinq_raw_is_dng(in))
        *kind = KIND_DNG;
    else if (skinq_raw_identify(in))
        *kind = KIND_RAW;
    else if (skinq_raw_is_tiff(in))
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "cannot decode '%s': a TIFF file (not supported)",
                          in->name);
    else
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': not a JPEG or PNG file", in->name);
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
    if (kind == KIND_DNG || kind == KIND_RAW)
        return skinq_raw_probe(ctx, in, kind == KIND_DNG, h, NULL);
    return kind == KIND_JPEG ? skinq_jpeg_probe(ctx, in, h) : skinq_png_probe(ctx, in, h);
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
    else if (st == SKINQ_OK)
        st = kind == KIND_JPEG ? skinq_jpeg_decode(ctx, in, &img)
                               : skinq_png_decode(ctx, in, &img, alpha ? &mask : NULL);
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
        skinq_image *up;
        st = skinq_image_orient(ctx, img, img->orientation, &up);
        if (st != SKINQ_OK) {
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
