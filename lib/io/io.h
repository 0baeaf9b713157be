/* io.h -- internal: per-format decoders/encoders, ICC conversion and atomic file writing. */
#ifndef SKINQ_IO_H
#define SKINQ_IO_H

#include <stdio.h>

#include "core/core.h"

/** A file being written under a temporary name beside its final path. */
typedef struct skinq_atomic_file {
    FILE *f;
    char *tmp_path;
    char *final_path;
} skinq_atomic_file;

/** Open `path`.tmp.XXXXXX for writing. @return SKINQ_OK or SKINQ_E_IO (message names path). */
skinq_status skinq_atomic_open(skinq_ctx *ctx, const char *path, skinq_atomic_file *af);
/** Flush, close and rename over the final path; on failure the temporary file is removed. */
skinq_status skinq_atomic_commit(skinq_ctx *ctx, skinq_atomic_file *af);
/** Close and remove the temporary file (after an error). NULL-safe on a zeroed struct. */
void skinq_atomic_abort(skinq_atomic_file *af);

/** Create a folder for outputs if missing. @return SKINQ_OK or SKINQ_E_IO (exists as a file, cannot create). */
skinq_status skinq_dir_ensure(skinq_ctx *ctx, const char *dir);

/* Decoders: `f` is positioned at the start of the file; `path` is only for messages.
 * Decoded images are as stored: orientation and ICC are not applied yet (load.c does it). */
skinq_status skinq_jpeg_probe(skinq_ctx *ctx, FILE *f, const char *path, skinq_image_header *hdr);
skinq_status skinq_jpeg_decode(skinq_ctx *ctx, FILE *f, const char *path, skinq_image **out);
skinq_status skinq_png_probe(skinq_ctx *ctx, FILE *f, const char *path, skinq_image_header *hdr);
skinq_status skinq_png_decode(skinq_ctx *ctx, FILE *f, const char *path, skinq_image **out,
                              skinq_mask **alpha);

/**
 * Encode an 8-bit gray/RGB image as a baseline JPEG in memory (for embedding in reports).
 * @param out  receives a buffer to free with free(); @param size its length.
 * @return SKINQ_OK, SKINQ_E_INVALID (layout/quality), SKINQ_E_NOMEM.
 */
skinq_status skinq_jpeg_encode_mem(skinq_ctx *ctx, const skinq_image *img, int quality, uint8_t **out,
                                   size_t *size);

/**
 * A copy of an image at most max_w pixels wide (box-filtered by an integer factor, 8-bit
 * RGB out whatever the input layout). Returns SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status skinq_image_thumbnail(skinq_ctx *ctx, const skinq_image *img, int max_w, skinq_image **out);

/**
 * Convert an RGB image's pixels from its embedded ICC profile (img->icc) to sRGB in place,
 * setting icc_applied and icc_description. Gray images, sRGB profiles and profiles lcms2
 * cannot read are left as they are (the latter with a warning).
 */
void skinq_icc_to_srgb(skinq_ctx *ctx, const char *path, skinq_image *img);

#endif /* SKINQ_IO_H */
