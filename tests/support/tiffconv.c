/* tiffconv.c -- skinq_tiffconv IN OUT [options]: a test helper (tests/cli/t017) that loads IN
 * with skinq and writes OUT as PNG (skinq_png_write), TIFF (libtiff) or HEIC (libheif's encoder:
 * .heic), so that the same pixels reach every loader. Options:
 *   --depth 16          samples scaled to 16-bit (v * 257)
 *   --gray              the green channel only
 *   --orient-pixels N   apply EXIF orientation N to the pixels first (the expected upright image)
 *   --orientation N     TIFF: the Orientation tag; HEIC: irot/imir boxes (pixels stored as they are)
 *   --quality Q         HEIC: lossy quality Q (default: lossless, 4:4:4, RGB matrix)
 *   --icc-wide FILE     TIFF: embed a wide-gamut RGB profile (lcms2, gamma 2.2), also saved to FILE
 *   --tile N            TIFF: N x N tiles (else strips of 16 rows)
 *   --planar            TIFF: separate planes
 *   --zip | --lzw       TIFF: Deflate or LZW compression
 *   --jpeg              TIFF: JPEG compression (YCbCr, quality 90)
 *   --alpha             TIFF: an unassociated alpha sample, 0 in the left quarter
 */
#include <libheif/heif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "test_util.h"

static int write_tiff(const skinq_image *im, const char *out, int orientation, const void *icc,
                      uint32_t icc_n, int tile, int planar, int comp, int alpha)
{
    TIFF *t = TIFFOpen(out, "w");
    if (!t)
        return 1;
    const int ch = im->channels, spp = ch + alpha, B = im->depth / 8;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)im->width);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)im->height);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, (uint16_t)im->depth);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)spp);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, ch == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_COMPRESSION, comp);
    if (comp == COMPRESSION_JPEG && ch == 3) {
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
        TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        TIFFSetField(t, TIFFTAG_JPEGQUALITY, 90);
    }
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, planar ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_ORIENTATION, (uint16_t)orientation);
    if (alpha) {
        uint16_t ex = EXTRASAMPLE_UNASSALPHA;
        TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &ex);
    }
    if (icc)
        TIFFSetField(t, TIFFTAG_ICCPROFILE, icc_n, icc);
    /* the whole image as planes of samples, then cut into strips or tiles */
    const int planes = planar ? spp : 1, pspp = planar ? 1 : spp;
    const size_t px = (size_t)pspp * B;
    uint8_t *full = calloc((size_t)planes * im->width * im->height, px);
    for (int y = 0; y < im->height; y++)
        for (int x = 0; x < im->width; x++)
            for (int c = 0; c < spp; c++) {
                uint8_t v[2] = {255, 255};
                if (c < ch)
                    memcpy(v, skinq_image_row(im, y) + ((size_t)x * ch + c) * B, B);
                else if (x < im->width / 4)
                    v[0] = v[1] = 0;
                const int p = planar ? c : 0;
                uint8_t *d =
                    full + (((size_t)p * im->height + y) * im->width + x) * px + (planar ? 0 : c * B);
                memcpy(d, v, B);
            }
    int ok = 1;
    if (tile) {
        TIFFSetField(t, TIFFTAG_TILEWIDTH, (uint32_t)tile);
        TIFFSetField(t, TIFFTAG_TILELENGTH, (uint32_t)tile);
        uint8_t *buf = malloc((size_t)tile * tile * px);
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < im->height; y += tile)
                for (int x = 0; x < im->width; x += tile) {
                    memset(buf, 0, (size_t)tile * tile * px);
                    for (int r = 0; r < tile && y + r < im->height; r++)
                        for (int c = 0; c < tile && x + c < im->width; c++)
                            memcpy(buf + ((size_t)r * tile + c) * px,
                                   full + (((size_t)p * im->height + y + r) * im->width + x + c) * px, px);
                    ok &= TIFFWriteTile(t, buf, (uint32_t)x, (uint32_t)y, 0, (uint16_t)p) > 0;
                }
        free(buf);
    } else {
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < im->height; y++)
                ok &= TIFFWriteScanline(t, full + ((size_t)p * im->height + y) * im->width * px, (uint32_t)y,
                                        (uint16_t)p) == 1;
    }
    free(full);
    TIFFClose(t);
    return ok ? 0 : 1;
}

/* 8-bit RGB as HEIC (x265): lossless 4:4:4 with the identity matrix, or lossy at `quality`. */
static int write_heic(const skinq_image *im, const char *out, int orientation, int quality)
{
    struct heif_context *hc = heif_context_alloc();
    struct heif_image *hi = NULL;
    struct heif_encoder *enc = NULL;
    if (im->depth != 8 || im->channels != 3 ||
        heif_image_create(im->width, im->height, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &hi)
            .code ||
        heif_image_add_plane(hi, heif_channel_interleaved, im->width, im->height, 8).code ||
        heif_context_get_encoder_for_format(hc, heif_compression_HEVC, &enc).code)
        return 1;
    int stride;
    uint8_t *p = heif_image_get_plane(hi, heif_channel_interleaved, &stride);
    for (int y = 0; y < im->height; y++)
        memcpy(p + (size_t)y * stride, skinq_image_row(im, y), (size_t)im->width * 3);
    struct heif_color_profile_nclx *nclx = heif_nclx_color_profile_alloc();
    struct heif_encoding_options *o = heif_encoding_options_alloc();
    if (quality > 0) {
        heif_encoder_set_lossy_quality(enc, quality);
    } else {
        heif_encoder_set_lossless(enc, 1);
        heif_encoder_set_parameter(enc, "chroma", "444");
        nclx->matrix_coefficients = heif_matrix_coefficients_RGB_GBR;
        o->output_nclx_profile = nclx;
    }
    o->image_orientation = (enum heif_orientation)orientation;
    int rc = heif_context_encode_image(hc, hi, enc, o, NULL).code || heif_context_write_to_file(hc, out).code;
    heif_encoding_options_free(o);
    heif_nclx_color_profile_free(nclx);
    heif_encoder_release(enc);
    heif_image_release(hi);
    heif_context_free(hc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: skinq_tiffconv IN OUT.{png,tif} [options]\n");
        return 2;
    }
    int depth = 8, gray = 0, orient_px = 1, orientation = 1, tile = 0, planar = 0, comp = COMPRESSION_NONE,
        alpha = 0, quality = 0;
    const char *icc_file = NULL;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--depth"))
            depth = atoi(v), i++;
        else if (!strcmp(a, "--gray"))
            gray = 1;
        else if (!strcmp(a, "--orient-pixels"))
            orient_px = atoi(v), i++;
        else if (!strcmp(a, "--orientation"))
            orientation = atoi(v), i++;
        else if (!strcmp(a, "--icc-wide"))
            icc_file = v, i++;
        else if (!strcmp(a, "--tile"))
            tile = atoi(v), i++;
        else if (!strcmp(a, "--planar"))
            planar = 1;
        else if (!strcmp(a, "--zip"))
            comp = COMPRESSION_ADOBE_DEFLATE;
        else if (!strcmp(a, "--jpeg"))
            comp = COMPRESSION_JPEG;
        else if (!strcmp(a, "--lzw"))
            comp = COMPRESSION_LZW;
        else if (!strcmp(a, "--quality"))
            quality = atoi(v), i++;
        else if (!strcmp(a, "--alpha"))
            alpha = 1;
        else {
            fprintf(stderr, "skinq_tiffconv: unknown option %s\n", a);
            return 2;
        }
    }
    skinq_ctx *ctx = NULL;
    skinq_image *im = NULL, *tmp = NULL;
    if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK || skinq_image_load(ctx, argv[1], &im, NULL) != SKINQ_OK) {
        fprintf(stderr, "skinq_tiffconv: %s\n", ctx ? skinq_ctx_error(ctx) : "no ctx");
        return 1;
    }
    if (orient_px != 1 && skinq_image_orient(ctx, im, orient_px, &tmp) == SKINQ_OK) {
        skinq_image_free(&im);
        im = tmp;
    }
    if (gray || depth == 16) { /* a converted copy: green only, and/or 16-bit */
        const int ch = gray ? 1 : im->channels;
        skinq_image_new(ctx, im->width, im->height, ch, depth, &tmp);
        for (int y = 0; y < im->height; y++)
            for (int x = 0; x < im->width; x++)
                for (int c = 0; c < ch; c++) {
                    const int v = skinq_image_row(im, y)[(size_t)x * im->channels + (gray ? 1 : c)];
                    if (depth == 16)
                        ((uint16_t *)(void *)skinq_image_row(tmp, y))[(size_t)x * ch + c] =
                            (uint16_t)(v * 257);
                    else
                        skinq_image_row(tmp, y)[(size_t)x * ch + c] = (uint8_t)v;
                }
        skinq_image_free(&im);
        im = tmp;
    }
    const size_t n = strlen(argv[2]);
    int rc;
    if (n > 4 && !strcmp(argv[2] + n - 4, ".png")) {
        rc = skinq_png_write(ctx, argv[2], im) == SKINQ_OK ? 0 : 1;
    } else if (n > 5 && !strcmp(argv[2] + n - 5, ".heic")) {
        rc = write_heic(im, argv[2], orientation, quality);
    } else {
        size_t icc_n = 0;
        uint8_t *icc = icc_file ? tu_wide_icc(&icc_n) : NULL;
        if (icc) {
            FILE *f = fopen(icc_file, "wb");
            fwrite(icc, 1, icc_n, f);
            fclose(f);
        }
        rc = write_tiff(im, argv[2], orientation, icc, (uint32_t)icc_n, tile, planar, comp, alpha);
        free(icc);
    }
    skinq_image_free(&im);
    skinq_ctx_close(&ctx);
    return rc;
}
