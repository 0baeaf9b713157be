/* heif.c -- HEIF/HEIC (and AVIF: libheif decodes AV1 here too) through libheif over an input's
 * bytes, without a copy: the primary image, decoded to interleaved RGB(A), 8-bit or (more than 8
 * bits a sample: 10, 12) scaled to 16-bit. libheif applies the file's irot/imir/clap transforms
 * itself, so the image comes out upright and no EXIF orientation is applied after it (the HEIF
 * spec makes irot/imir authoritative; an EXIF Orientation in the file only repeats them). Colour:
 * an ICC profile (colr prof/rICC) goes to load.c's ICC conversion; an nclx box with sRGB/BT.709
 * primaries and an sRGB/BT.709/BT.601/unspecified transfer is taken as sRGB, any other nclx is
 * left as it is with a warning. */
#include "io.h"

#include <libheif/heif.h>
#include <string.h>

/* libheif's message on one line (its messages may end in or hold newlines). */
static const char *one_line(const char *m, char *buf, size_t n)
{
    snprintf(buf, n, "%s", m && *m ? m : "unreadable HEIF data");
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    for (size_t k = strlen(buf); k && buf[k - 1] == ' ';)
        buf[--k] = '\0';
    return buf;
}

/* The primary image's handle of the input (its context released with it), or a failure naming
 * the file: SKINQ_E_FORMAT for libheif's errors, SKINQ_E_UNSUPPORTED when it cannot decode it. */
typedef struct heif_file {
    struct heif_context *hc;
    struct heif_image_handle *h;
} heif_file;

static skinq_status heif_open(skinq_ctx *ctx, const skinq_input *in, heif_file *f)
{
    struct heif_context **hc = &f->hc;
    struct heif_image_handle **h = &f->h;
    *h = NULL;
    if (!(*hc = heif_context_alloc()))
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading '%s'", in->name);
    uint64_t side = skinq_ctx_max_pixels(ctx);
    heif_context_set_maximum_image_size_limit(*hc, side > 0x7fffffff ? 0x7fffffff : (int)side);
    heif_context_set_max_decoding_threads(*hc, 0); /* grid tiles on the calling thread */
    struct heif_error e = heif_context_read_from_memory_without_copy(*hc, in->data, in->size, NULL);
    if (e.code == heif_error_Ok)
        e = heif_context_get_primary_image_handle(*hc, h);
    if (e.code == heif_error_Ok)
        return SKINQ_OK;
    *h = NULL;
    /* e.message belongs to the context: the message is made before it is freed */
    char why[256];
    skinq_status st =
        skinq_fail(ctx, e.code == heif_error_Unsupported_feature ? SKINQ_E_UNSUPPORTED : SKINQ_E_FORMAT,
                   "cannot decode '%s': %s", in->name, one_line(e.message, why, sizeof why));
    heif_context_free(*hc);
    *hc = NULL;
    return st;
}

static void heif_close(heif_file *f)
{
    if (f->h)
        heif_image_handle_release(f->h);
    if (f->hc)
        heif_context_free(f->hc);
}

static void header_from(const struct heif_image_handle *h, skinq_image_header *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    strcpy(hdr->format, "heif");
    hdr->width = heif_image_handle_get_width(h); /* after irot/imir/clap: upright */
    hdr->height = heif_image_handle_get_height(h);
    hdr->channels = 3 + (heif_image_handle_has_alpha_channel(h) ? 1 : 0);
    hdr->depth = heif_image_handle_get_luma_bits_per_pixel(h) > 8 ? 16 : 8;
    hdr->orientation = 1;
    hdr->has_icc = heif_image_handle_get_raw_color_profile_size(h) > 0;
}

skinq_status skinq_heif_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr)
{
    heif_file f;
    skinq_status st = heif_open(ctx, in, &f);
    if (st == SKINQ_OK)
        header_from(f.h, hdr);
    heif_close(&f);
    return st;
}

/* The colour description: an ICC profile copied into the image (load.c converts it), else the
 * nclx box named in icc_description, with a warning when it is not sRGB's. */
static skinq_status take_colour(skinq_ctx *ctx, const char *path, const struct heif_image_handle *h,
                                skinq_image *im)
{
    size_t n = heif_image_handle_get_raw_color_profile_size(h);
    if (n > 0) {
        if (!(im->icc = skinq_malloc(ctx, n)))
            return SKINQ_E_NOMEM;
        struct heif_error e = heif_image_handle_get_raw_color_profile(h, im->icc);
        if (e.code != heif_error_Ok) {
            skinq_free(ctx, im->icc);
            im->icc = NULL;
            return SKINQ_OK; /* taken as sRGB, as an unreadable ICC profile is */
        }
        im->icc_size = n;
        return SKINQ_OK;
    }
    struct heif_color_profile_nclx *nclx = NULL;
    if (heif_image_handle_get_nclx_color_profile(h, &nclx).code != heif_error_Ok || !nclx)
        return SKINQ_OK;
    const int p = nclx->color_primaries, t = nclx->transfer_characteristics;
    const int srgb =
        (p == heif_color_primaries_ITU_R_BT_709_5 || p == heif_color_primaries_unspecified) &&
        (t == heif_transfer_characteristic_IEC_61966_2_1 ||
         t == heif_transfer_characteristic_ITU_R_BT_709_5 ||
         t == heif_transfer_characteristic_ITU_R_BT_601_6 || t == heif_transfer_characteristic_unspecified);
    snprintf(im->icc_description, sizeof im->icc_description, "nclx primaries %d transfer %d matrix %d%s", p,
             t, (int)nclx->matrix_coefficients, srgb ? " (sRGB)" : "");
    heif_nclx_color_profile_free(nclx);
    if (!srgb)
        skinq_warn(ctx,
                   "'%s': HEIF colour is nclx primaries %d, transfer %d (not sRGB); pixels taken as sRGB "
                   "without conversion",
                   path, p, t);
    return SKINQ_OK;
}

/* libheif's interleaved planes into the image: 8-bit as they are, more bits scaled to 16-bit
 * (v * 65535 / (2^bits - 1), rounded); alpha (the last sample) to the mask. */
static void copy_pixels(const uint8_t *plane, int stride, int bits, int alpha, skinq_image *im, skinq_mask *m)
{
    const int ns = 3 + alpha;
    const uint32_t maxv = (1u << bits) - 1;
    for (int y = 0; y < im->height; y++) {
        const uint8_t *s = plane + (size_t)y * (size_t)stride;
        uint8_t *mr = m ? m->data + (size_t)y * m->stride : NULL;
        if (im->depth == 8) {
            uint8_t *o = skinq_image_row(im, y);
            for (int x = 0; x < im->width; x++, s += ns) {
                memcpy(o + 3 * x, s, 3);
                if (mr)
                    mr[x] = s[3] != 0;
            }
            continue;
        }
        uint16_t *o = (uint16_t *)(void *)skinq_image_row(im, y);
        const uint16_t *s16 = (const uint16_t *)(const void *)s;
        for (int x = 0; x < im->width; x++, s16 += ns) {
            for (int c = 0; c < 3; c++) {
                uint32_t v = s16[c] > maxv ? maxv : s16[c];
                o[3 * x + c] = (uint16_t)((v * 65535u + maxv / 2) / maxv);
            }
            if (mr)
                mr[x] = s16[3] != 0;
        }
    }
}

skinq_status skinq_heif_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out, skinq_mask **alpha)
{
    const char *path = in->name;
    heif_file f;
    skinq_status st = heif_open(ctx, in, &f);
    if (st != SKINQ_OK)
        return st;
    const struct heif_image_handle *h = f.h;
    skinq_image_header hdr;
    header_from(h, &hdr);
    const int has_alpha = hdr.channels == 4, B = hdr.depth / 8;
    /* every buffer: libheif's YCbCr planes and its RGB(A) image, ours and the mask */
    const uint64_t px =
        (uint64_t)(hdr.width > 0 ? hdr.width : 0) * (uint64_t)(hdr.height > 0 ? hdr.height : 0);
    st = hdr.width > 0 && hdr.height > 0
             ? skinq_io_check_size(ctx, path, (uint64_t)hdr.width, (uint64_t)hdr.height,
                                   px * (uint64_t)B * (uint64_t)(3 + hdr.channels + 3) + (has_alpha ? px : 0))
             : skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': zero-sized image", path);
    struct heif_image *hi = NULL;
    if (st == SKINQ_OK) {
        const uint16_t one = 1;
        const int le = *(const uint8_t *)&one == 1; /* skinq's 16-bit samples are native-endian */
        enum heif_chroma chroma =
            B == 1      ? (has_alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB)
            : has_alpha ? (le ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBBAA_BE)
                        : (le ? heif_chroma_interleaved_RRGGBB_LE : heif_chroma_interleaved_RRGGBB_BE);
        /* A grid image's canvas is sized by its grid box, which libheif 1.15 does not check against
         * the ispe size checked above: a 4-KB file whose ispe says 64x64 had its grid claim
         * 19789x19789 and libheif allocate 2.3 GB (fuzz_heif). The limit (per side, read at decode
         * time) now allows the checked size with room for a clap crop or an irot, no more. */
        const int side = hdr.width > hdr.height ? hdr.width : hdr.height;
        heif_context_set_maximum_image_size_limit(f.hc, side < 0x3fffffff ? 2 * side + 1 : 0x7fffffff);
        struct heif_decoding_options *opt = heif_decoding_options_alloc();
        if (opt)
            opt->convert_hdr_to_8bit = 0; /* transformations (irot/imir/clap) applied: the default */
        struct heif_error e = heif_decode_image(h, &hi, heif_colorspace_RGB, chroma, opt);
        heif_decoding_options_free(opt);
        char why[256];
        if (e.code != heif_error_Ok)
            st = skinq_fail(ctx,
                            e.subcode == heif_suberror_Security_limit_exceeded ? SKINQ_E_LIMIT
                            : e.code == heif_error_Memory_allocation_error     ? SKINQ_E_NOMEM
                                                                               : SKINQ_E_FORMAT,
                            "cannot decode '%s': %s", path, one_line(e.message, why, sizeof why));
    }
    int stride = 0;
    const uint8_t *plane = hi ? heif_image_get_plane_readonly(hi, heif_channel_interleaved, &stride) : NULL;
    const int bits = hi ? heif_image_get_bits_per_pixel_range(hi, heif_channel_interleaved) : 0;
    if (st == SKINQ_OK && (!plane || heif_image_get_width(hi, heif_channel_interleaved) != hdr.width ||
                           heif_image_get_height(hi, heif_channel_interleaved) != hdr.height || bits < 8 ||
                           bits > 16 || (bits > 8) != (B == 2)))
        st =
            skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': HEIF decoded to an unexpected layout", path);
    skinq_image *im = NULL;
    skinq_mask *m = NULL;
    if (st == SKINQ_OK)
        st = skinq_image_alloc(ctx, hdr.width, hdr.height, 3, hdr.depth, 0, &im);
    if (st == SKINQ_OK && has_alpha && alpha)
        st = skinq_mask_new(ctx, hdr.width, hdr.height, 0, &m);
    if (st == SKINQ_OK) {
        copy_pixels(plane, stride, bits, has_alpha, im, m);
        st = take_colour(ctx, path, h, im);
    }
    if (hi)
        heif_image_release(hi);
    heif_close(&f);
    return skinq_io_hand_out(st, im, m, out, alpha);
}

/* The primary image's first "Exif" metadata block as "Exif\0\0" + its TIFF bytes (libexif's
 * APP1 form), the block's 4-byte offset to its TIFF header skipped; NULL when there is none. */
skinq_status skinq_heif_exif(skinq_ctx *ctx, const skinq_input *in, uint8_t **blk, size_t *n)
{
    heif_file f;
    heif_item_id id;
    uint8_t *raw = NULL;
    size_t size = 0;
    *blk = NULL;
    *n = 0;
    skinq_status st = heif_open(ctx, in, &f);
    if (st == SKINQ_OK && heif_image_handle_get_list_of_metadata_block_IDs(f.h, "Exif", &id, 1) == 1 &&
        (size = heif_image_handle_get_metadata_size(f.h, id)) > 4 && size <= skinq_ctx_max_bytes(ctx)) {
        if (!(raw = skinq_malloc(ctx, size)))
            st = SKINQ_E_NOMEM;
        else if (heif_image_handle_get_metadata(f.h, id, raw).code != heif_error_Ok)
            size = 0;
    }
    heif_close(&f);
    const size_t skip = raw && size > 4
                            ? 4 + ((size_t)raw[0] << 24 | (size_t)raw[1] << 16 | (size_t)raw[2] << 8 | raw[3])
                            : 0;
    const size_t tiff = skip + 6 <= size && memcmp(raw + skip, "Exif\0\0", 6) == 0 ? skip + 6 : skip;
    if (st == SKINQ_OK && raw && size > 4 && tiff < size) {
        if (!(*blk = skinq_malloc(ctx, size - tiff + 6)))
            st = SKINQ_E_NOMEM;
        else {
            memcpy(*blk, "Exif\0\0", 6);
            memcpy(*blk + 6, raw + tiff, size - tiff);
            *n = size - tiff + 6;
        }
    }
    skinq_free(ctx, raw);
    return st;
}
