/* load.c -- open a file, sniff JPEG/PNG from its first bytes, decode, convert ICC to sRGB,
 * apply EXIF orientation; every failure names the file and the problem. */
#include "io.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

enum kind { KIND_JPEG, KIND_PNG };

/* Open and sniff. On success *fp is positioned at the start of the file. */
static skinq_status open_image(skinq_ctx *ctx, const char *path, FILE **fp, enum kind *kind)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return skinq_fail(ctx, SKINQ_E_IO, "cannot open '%s': is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot open '%s': %s", path, strerror(errno));
    uint8_t sig[8];
    size_t n = fread(sig, 1, sizeof sig, f);
    skinq_status st = SKINQ_OK;
    if (n == 0)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': empty file", path);
    else if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF)
        *kind = KIND_JPEG;
    else if (n == 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0)
        *kind = KIND_PNG;
    else
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': not a JPEG or PNG file", path);
    if (st == SKINQ_OK && fseek(f, 0, SEEK_SET) != 0)
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot read '%s': %s", path, strerror(errno));
    if (st != SKINQ_OK) {
        fclose(f);
        return st;
    }
    *fp = f;
    return SKINQ_OK;
}

static skinq_status check_header(skinq_ctx *ctx, const char *path, const skinq_image_header *h)
{
    if (h->width <= 0 || h->height <= 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': zero-sized image", path);
    uint64_t pixels = (uint64_t)h->width * (uint64_t)h->height;
    if (pixels > skinq_ctx_max_pixels(ctx))
        return skinq_fail(ctx, SKINQ_E_LIMIT,
                          "cannot load '%s': %dx%d (%.1f MP) is above the limit of %.1f MP (--max-pixels)",
                          path, h->width, h->height, pixels / 1e6, skinq_ctx_max_pixels(ctx) / 1e6);
    return SKINQ_OK;
}

/* The one place a file's header is parsed (counted for the tests). */
static skinq_status probe(skinq_ctx *ctx, FILE *f, enum kind kind, const char *path, skinq_image_header *h)
{
    ctx->header_parses++;
    return kind == KIND_JPEG ? skinq_jpeg_probe(ctx, f, path, h) : skinq_png_probe(ctx, f, path, h);
}

skinq_status skinq_image_probe(skinq_ctx *ctx, const char *path, skinq_image_header *hdr)
{
    FILE *f;
    enum kind kind;
    skinq_status st = open_image(ctx, path, &f, &kind);
    if (st != SKINQ_OK)
        return st;
    skinq_image_header h;
    st = probe(ctx, f, kind, path, &h);
    fclose(f);
    if (st == SKINQ_OK && h.width <= 0)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': zero-sized image", path);
    if (st == SKINQ_OK)
        *hdr = h;
    return st;
}

/* Load with the header read already (hdr), or read here (hdr NULL). */
static skinq_status load(skinq_ctx *ctx, const char *path, const skinq_image_header *hdr, skinq_image **out,
                         skinq_mask **alpha)
{
    FILE *f;
    enum kind kind;
    skinq_status st = open_image(ctx, path, &f, &kind);
    if (st != SKINQ_OK)
        return st;
    /* Header first: the size limit is enforced before any pixel buffer exists. */
    skinq_image_header h;
    if (hdr)
        h = *hdr;
    else
        st = probe(ctx, f, kind, path, &h);
    if (st == SKINQ_OK)
        st = check_header(ctx, path, &h);
    if (st == SKINQ_OK && fseek(f, 0, SEEK_SET) != 0)
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot read '%s': %s", path, strerror(errno));
    skinq_image *img = NULL;
    skinq_mask *mask = NULL;
    if (st == SKINQ_OK)
        st = kind == KIND_JPEG ? skinq_jpeg_decode(ctx, f, path, &img)
                               : skinq_png_decode(ctx, f, path, &img, alpha ? &mask : NULL);
    fclose(f);
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
    return load(ctx, path, NULL, out, alpha);
}

skinq_status skinq_image_load_probed(skinq_ctx *ctx, const char *path, const skinq_image_header *hdr,
                                     skinq_image **out, skinq_mask **alpha)
{
    return load(ctx, path, hdr, out, alpha);
}
