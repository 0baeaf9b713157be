/* io.h -- internal: per-format decoders/encoders, ICC conversion and atomic file writing. */
#ifndef SKINQ_IO_H
#define SKINQ_IO_H

#include <stdio.h>

#include "core/core.h"

/** A file being written under a temporary name beside its final path (atomic.c: the rules). */
typedef struct skinq_atomic_file {
    FILE *f;
    char *tmp_path;   /* all paths through ctx's allocator */
    char *final_path; /* the file replaced: the path given, or the target of its symbolic links */
    char *shown_path; /* the path given, for messages */
    char *dir_path;   /* final_path's folder, fsync'ed after the rename */
    int to_stdout;    /* "-" given to skinq_atomic_open_or_stdout(): f is stdout */
    skinq_ctx *ctx;
} skinq_atomic_file;

/** Resolve `path` (symbolic links followed to their target), clean stale temporaries of it and
 *  open `target`.tmp.PID.RANDOM for writing. @return SKINQ_OK; SKINQ_E_UNSUPPORTED when the
 *  path is a directory, device, FIFO or socket ("'PATH': not a regular file (a FIFO)"; nothing
 *  is created); SKINQ_E_IO (message names path); SKINQ_E_NOMEM. */
skinq_status skinq_atomic_open(skinq_ctx *ctx, const char *path, skinq_atomic_file *af);
/** As skinq_atomic_open(), but "-" means standard output (commit flushes it, never closes it). */
skinq_status skinq_atomic_open_or_stdout(skinq_ctx *ctx, const char *path, skinq_atomic_file *af);
/** Flush, fsync, close and rename over the final path, then fsync its folder; on failure the
 *  temporary file is removed and the final path is untouched. */
skinq_status skinq_atomic_commit(skinq_ctx *ctx, skinq_atomic_file *af);
/** Close and remove the temporary file (after an error). NULL-safe on a zeroed struct. */
void skinq_atomic_abort(skinq_atomic_file *af);
/** A height x width row-major array (items of `item` bytes, NumPy dtype `descr`, e.g. "<f4", "|u1")
 *  written atomically as a .npy file. @return SKINQ_OK; the errors of skinq_atomic_open(); SKINQ_E_IO. */
skinq_status skinq_npy_write(skinq_ctx *ctx, const char *path, const void *data, const char *descr,
                             size_t item, int height, int width);
/** How many fsync calls of the atomic writer succeeded in this process (for tests). */
unsigned long skinq_atomic_fsync_count(void);
/** "a FIFO", "a character device", ... for a st_mode that is not a regular file. */
const char *skinq_mode_kind(unsigned mode);

/** Create a folder for outputs if missing. @return SKINQ_OK or SKINQ_E_IO (exists as a file, cannot create).
 */
skinq_status skinq_dir_ensure(skinq_ctx *ctx, const char *dir);

/* Decoders: they read the bytes of `in` (read once by skinq_input_open(), or the caller's
 * memory); in->name is only for messages. Decoded images are as stored: orientation and ICC are
 * not applied yet (load.c does it). */
skinq_status skinq_jpeg_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr);
skinq_status skinq_jpeg_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out);
skinq_status skinq_png_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr);
skinq_status skinq_png_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out, skinq_mask **alpha);
/* TIFF (tiff.c, libtiff): the first directory; orientation in hdr/img->orientation, applied by load.c. */
skinq_status skinq_tiff_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr);
skinq_status skinq_tiff_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out, skinq_mask **alpha);
/** A TIFF's capture-time tags as text (exif.c reads them as it reads libexif's): IFD0's DateTime,
 *  then from the Exif IFD DateTimeOriginal, DateTimeDigitized, SubSecTime(,Original,Digitized),
 *  OffsetTime(,Original,Digitized), in the order of skinq_tiff_time_tags. */
#define SKINQ_TIFF_TIME_TAGS 9
typedef struct skinq_tiff_times {
    char text[SKINQ_TIFF_TIME_TAGS][64];
    int found[SKINQ_TIFF_TIME_TAGS];
} skinq_tiff_times;
extern const uint16_t skinq_tiff_time_tags[SKINQ_TIFF_TIME_TAGS];
skinq_status skinq_tiff_time_text(skinq_ctx *ctx, const skinq_input *in, skinq_tiff_times *t);
/* HEIF/HEIC/AVIF (heif.c, libheif): the primary image, upright as decoded (orientation 1). */
skinq_status skinq_heif_probe(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr);
skinq_status skinq_heif_decode(skinq_ctx *ctx, const skinq_input *in, skinq_image **out, skinq_mask **alpha);
/** The primary image's EXIF as "Exif\0\0" + TIFF bytes (ctx's memory; *blk NULL when none). */
skinq_status skinq_heif_exif(skinq_ctx *ctx, const skinq_input *in, uint8_t **blk, size_t *n);

/** A decoder's results handed out: on SKINQ_OK *out = img and *alpha = mask (freed when alpha is
 *  NULL); on an error both freed and st returned (limits.c). */
skinq_status skinq_io_hand_out(skinq_status st, skinq_image *img, skinq_mask *mask, skinq_image **out,
                               skinq_mask **alpha);

/* DNG and camera RAW (raw.c, LibRaw). skinq_raw_is_dng(): a TIFF whose IFD0 has DNGVersion (50706);
 * skinq_raw_identify(): LibRaw opens the bytes (any RAW format it knows). The probe reads the header
 * (no pixel); the decode checks the limits before LibRaw unpacks and gives 16-bit RGB, linear sRGB
 * encoded with the sRGB curve, not yet oriented; wb_none: no white balance (a white patch does it),
 * else the file's as-shot one. info (NULL: not wanted) says what was applied. */
int skinq_raw_is_tiff(const skinq_input *in);
int skinq_raw_is_dng(const skinq_input *in);
int skinq_raw_identify(const skinq_input *in);
skinq_status skinq_raw_probe(skinq_ctx *ctx, const skinq_input *in, int dng, skinq_image_header *hdr,
                             skinq_raw_info *info);
skinq_status skinq_raw_decode(skinq_ctx *ctx, const skinq_input *in, int dng, const skinq_image_header *hdr,
                              int wb_none, skinq_image **out, skinq_raw_info *info);
/** LibRaw's capture timestamp (a time_t made from the camera's local time with mktime()); 0 when none. */
int skinq_raw_timestamp(const skinq_input *in, int64_t *t);

/** skinq_image_probe() of bytes already read (the analysis probes, hashes and decodes one input). */
skinq_status skinq_image_probe_input(skinq_ctx *ctx, const skinq_input *in, skinq_image_header *hdr);

/** A reader of an input's bytes (a probe, the capture time) and the path and memory entry points
 *  over it (load.c): the file read once and released; NULL data, ctx or out refused naming `api`. */
typedef skinq_status (*skinq_input_reader)(skinq_ctx *ctx, const skinq_input *in, void *out);
skinq_status skinq_io_read_path(skinq_ctx *ctx, const char *path, skinq_input_reader fn, void *out);
skinq_status skinq_io_read_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                               const char *api, skinq_input_reader fn, void *out);

/** skinq_image_capture_time() of bytes already read (exif.c; track add hashes the same bytes). */
skinq_status skinq_image_capture_time_input(skinq_ctx *ctx, const skinq_input *in, skinq_capture_time *out);

/**
 * skinq_image_load() of bytes already read, whose header skinq_image_probe_input() has just read
 * (hdr; NULL: read it here): the header is not parsed again before the decode (the limits are
 * checked against hdr, and the decoder refuses a file whose own header differs from it).
 */
skinq_status skinq_image_load_input(skinq_ctx *ctx, const skinq_input *in, const skinq_image_header *hdr,
                                    skinq_image **out, skinq_mask **alpha);
/** skinq_image_load_input() with a RAW's development chosen: raw_wb_none (a white patch will balance)
 *  and raw (NULL: not wanted; is_raw set to 1 when the file was a DNG or camera RAW). */
skinq_status skinq_image_load_input_raw(skinq_ctx *ctx, const skinq_input *in, const skinq_image_header *hdr,
                                        int raw_wb_none, int *is_raw, skinq_raw_info *raw, skinq_image **out,
                                        skinq_mask **alpha);

/**
 * Check a w x h image whose decode needs `bytes` of buffers against the ctx's max_pixels and
 * max_bytes (SKINQ_E_LIMIT naming the file and the limit; SKINQ_E_FORMAT when zero-sized).
 */
skinq_status skinq_io_check_size(skinq_ctx *ctx, const char *path, uint64_t w, uint64_t h, uint64_t bytes);

/** Where streamed rows go: buffer() gives room for rows [y0, y0+n) (`*stride` bytes a row, NULL
 * to stop), filled() hands them over; a non-OK status from it stops the decode with that status. */
typedef struct skinq_row_sink {
    uint8_t *(*buffer)(void *user, int y0, int n, size_t *stride);
    skinq_status (*filled)(void *user, int y0, int n);
    void *user;
} skinq_row_sink;

/**
 * Decode a JPEG batch of `batch` rows (<= 16 per libjpeg call) after batch into the sink's
 * buffers, so that no whole-image buffer exists. Pixels as stored: 8-bit RGB (gray as gray),
 * orientation and ICC not applied. Same limits and errors as the whole-image decoder
 * (corrupt or truncated data is an error, not grey rows). The header decoded must be `plan`'s
 * (width, height, channels: the sink's buffers were sized from it), else SKINQ_E_FORMAT.
 */
skinq_status skinq_jpeg_decode_rows(skinq_ctx *ctx, const skinq_input *in, const skinq_image_header *plan,
                                    int batch, const skinq_row_sink *sink);

/**
 * Encode an 8-bit gray/RGB image as a baseline JPEG in memory (for embedding in reports).
 * @param out  receives a buffer to free with skinq_free(ctx, ...); @param size its length.
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
/** Copy an embedded profile's `size` bytes into img->icc (ctx's memory). SKINQ_OK or SKINQ_E_NOMEM. */
skinq_status skinq_icc_attach(skinq_ctx *ctx, skinq_image *img, const void *profile, size_t size);

#endif /* SKINQ_IO_H */
