/* skinq.h -- the stable public API of libskinq: skin photographs in, trustworthy numbers out. */
#ifndef SKINQ_H
#define SKINQ_H

/*
 * The promise. What this header declares is stable: within one SKINQ_API_VERSION a program
 * written against it keeps compiling, linking and meaning the same thing, and a program built
 * against an older header keeps working with a newer library. Functions and fields are added,
 * never removed or retyped; a break raises SKINQ_API_VERSION (and the library's major version).
 * skinq_tools.h (bench, phantoms, the thread pool, hashing, CPU facts) is NOT covered: it serves
 * skinq's own CLI, benchmarks and tests and may change in any release.
 *
 * How options grow. Every options/settings struct begins with `size_t size`, which its default
 * function (skinq_ctx_default_settings(), skinq_*_default_options()) sets to the sizeof the
 * caller was compiled with; always fill a struct with its default function, then change fields.
 * New fields are appended; the library reads only the first `size` bytes and keeps its defaults
 * for the rest, so an older caller gets the defaults of what it does not know. A size of 0 (a
 * struct not filled by its default function) is refused with SKINQ_E_INVALID; so is a newer
 * caller's larger struct whose extra fields are not zero (an option this library cannot honour).
 * A struct embedded by value in another (skinq_ps_options and skinq_scars_options in
 * skinq_depth_options, skinq_align_options in skinq_compare_options, the ROI, maps, colour and
 * texture options in skinq_analysis_options) cannot change size; it
 * grows into its `reserved` words, where 0 means the default.
 *
 * Who owns what. Anything the library allocates for you is an object returned through
 * `T **out` (unchanged on error) and released by `skinq_T_free(T **)`, NULL-safe, which sets
 * the pointer to NULL; plain structs without heap memory (skinq_fit, headers, info, options)
 * are the caller's and filled in place; skinq_metrics is the one caller-owned growable list
 * (zero-initialise, append, skinq_metrics_free). Strings and masks passed in are borrowed for
 * the call unless a function says otherwise (an object that keeps one, such as
 * skinq_analyzer, says so; it must outlive the object). The library never prints and never exits.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is exported from the shared library; the rest of libskinq is
 * compiled with hidden visibility. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define SKINQ_VERSION_MAJOR 0
#define SKINQ_VERSION_MINOR 1
#define SKINQ_VERSION_PATCH 0
#define SKINQ_VERSION_STRING "0.1.0"

/** Library version string ("MAJOR.MINOR.PATCH"), static. */
const char *skinq_version(void);

/** Version of the stable API this header declares (see the promise above). */
#define SKINQ_API_VERSION 1

/** SKINQ_API_VERSION of the library actually linked (compare it with the header's). */
int skinq_version_api(void);

/* ------------------------------------------------------------------ status */

/** Result of every fallible call. The detailed message is in skinq_ctx_error(). */
typedef enum skinq_status {
    SKINQ_OK = 0,
    SKINQ_E_INVALID,     /**< invalid argument or option value */
    SKINQ_E_NOMEM,       /**< an allocation failed */
    SKINQ_E_IO,          /**< a file could not be opened, read or written */
    SKINQ_E_FORMAT,      /**< a file is corrupt, truncated or not of the expected type */
    SKINQ_E_UNSUPPORTED, /**< a valid file of a kind skinq refuses (CMYK, >16-bit, ...) */
    SKINQ_E_LIMIT,       /**< an image is larger than the configured limit */
    SKINQ_E_EMPTY_ROI,   /**< the region of interest holds no usable pixel */
    SKINQ_E_ALIGN,       /**< registration failed or is too poor to trust */
    SKINQ_E_TOO_FEW,     /**< not enough data (points, lights, inliers) for the analysis */
    SKINQ_E_STORE,       /**< the session store failed */
    SKINQ_E_INTERNAL,    /**< a bug or an unexpected library failure */
    SKINQ_STATUS_COUNT
} skinq_status;

/** Short static description of a status; never NULL (unknown values give "unknown status"). */
const char *skinq_status_str(skinq_status s);

/* --------------------------------------------------------------------- ISA */

/** Instruction-set levels, as bits of an ISA mask. AVX2 implies FMA and OS YMM support; AVX512 is
 *  AVX-512 F+BW+DQ+VL with OS opmask/ZMM support, detected only on a CPU that has AVX2 too. */
enum {
    SKINQ_ISA_SCALAR = 0,
    SKINQ_ISA_SSE41 = 1u << 0,
    SKINQ_ISA_AVX2 = 1u << 1,
    SKINQ_ISA_AVX512 = 1u << 2,
    SKINQ_ISA_ALL = SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2 | SKINQ_ISA_AVX512
};

/** ISA levels this CPU (and OS) supports, detected once; thread-safe. */
unsigned skinq_cpu_isa(void);

/**
 * Parse an ISA name ("scalar", "sse41", "avx2", "avx512", "all") to a mask ceiling.
 * @return 0 on success, -1 if the name is not known (then *mask is unchanged).
 */
int skinq_isa_parse(const char *name, unsigned *mask);

/** Name of the highest level in a mask: "avx512", "avx2", "sse41" or "scalar". Static string. */
const char *skinq_isa_name(unsigned mask);

/* ----------------------------------------------------------------- context */

/** Optional allocation hooks (for embedding and fault-injection tests). */
typedef struct skinq_allocator {
    void *(*malloc_fn)(size_t size, void *user); /**< NULL result means out of memory */
    void (*free_fn)(void *ptr, void *user);      /**< must accept NULL */
    void *user;
} skinq_allocator;

/** Settings for skinq_ctx_open(); fill with skinq_ctx_default_settings() first. */
typedef struct skinq_settings {
    size_t size;           /**< sizeof(skinq_settings), set by skinq_ctx_default_settings() */
    int threads;           /**< worker threads; 0 = number of online cores */
    unsigned isa_mask;     /**< ceiling on the ISA levels used; the env SKINQ_ISA lowers it further */
    uint64_t max_pixels;   /**< images above width*height refused with SKINQ_E_LIMIT (default 100 MP) */
    skinq_allocator alloc; /**< all-NULL = malloc/free */
    /* Limits on hostile inputs (README "Limits and safety"); each refused with SKINQ_E_LIMIT, the
     * message naming the limit and the file, before the large allocation or the long work. */
    uint64_t max_bytes;           /**< an input file's size and one image's decoded buffers, bytes
                                       (default 1 GiB: 100 MP of 8-bit RGBA or 16-bit RGB fits) */
    uint32_t max_png_chunk_bytes; /**< PNG: largest ancillary chunk, also decompressed (iCCP, zTXt);
                                       png_set_chunk_malloc_max (default 8000000, libpng's own) */
    uint32_t max_png_chunks;      /**< PNG: ancillary chunks kept; png_set_chunk_cache_max (default 1000) */
    uint32_t max_jpeg_scans;      /**< JPEG: scans of a progressive file (default 500, as libjpeg-turbo's
                                       tjbench -limitscans and fuzz targets) */
    int keep_buffers;             /**< 1: a batch's analyses reuse the colour tables and texture planes the
                                       previous one left (no fresh pages to fault in: lib/pipeline/README.md),
                                       holding them between calls; 0 (default): each analysis frees its own
                                       before its texture pass, for the lowest peak memory */
} skinq_settings;

typedef struct skinq_ctx skinq_ctx; /* opaque */

/** Defaults: size, threads 0 (all cores), isa_mask SKINQ_ISA_ALL, max_pixels 100e6, malloc/free,
 *  max_bytes 1 GiB, max_png_chunk_bytes 8000000, max_png_chunks 1000, max_jpeg_scans 500,
 *  keep_buffers 0. */
void skinq_ctx_default_settings(skinq_settings *s);

/**
 * Open a context: the thread pool, the ISA choice and the last-error message live here.
 * A context may be used by one thread at a time; open one per calling thread.
 * @param out  receives the new context; unchanged on error.
 * @param s    settings, or NULL for the defaults.
 * @return SKINQ_OK, SKINQ_E_NOMEM or SKINQ_E_INVALID (bad value or size; no ctx holds a message).
 */
skinq_status skinq_ctx_open(skinq_ctx **out, const skinq_settings *s);

/** Close a context and its threads; NULL-safe; sets *ctx to NULL. */
void skinq_ctx_close(skinq_ctx **ctx);

/** Last detailed error message (names the file where one is involved); "" when none. Owned by ctx. */
const char *skinq_ctx_error(const skinq_ctx *ctx);

/** Record a detailed message (printf format) for status st, as the library does, so that a caller
 *  building on it (the CLI, a binding) reports its own refusals through the same path. Returns st. */
skinq_status skinq_ctx_fail(skinq_ctx *ctx, skinq_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Optional warning sink (e.g. an ISA asked for but not available). Called from the calling thread. */
void skinq_ctx_set_warning_handler(skinq_ctx *ctx, void (*fn)(const char *msg, void *user), void *user);

/** Number of threads the context runs work on (>= 1). */
int skinq_ctx_threads(const skinq_ctx *ctx);

/** ISA mask in effect: detected & settings & SKINQ_ISA environment variable. */
unsigned skinq_ctx_isa(const skinq_ctx *ctx);

/** The image size limit in pixels. */
uint64_t skinq_ctx_max_pixels(const skinq_ctx *ctx);

/** The byte limit (input files and one image's decoded buffers). */
uint64_t skinq_ctx_max_bytes(const skinq_ctx *ctx);

/* ------------------------------------------------------------------- image */

/** Pixel data is row-major, interleaved, native-endian for 16-bit. */
typedef struct skinq_image {
    int width, height;
    int channels;    /**< 1 (gray), 3 (RGB) or 4 (RGBA) */
    int depth;       /**< bits per sample: 8 or 16 */
    size_t stride;   /**< bytes between rows (>= width * channels * depth/8) */
    uint8_t *data;   /**< owned by the image */
    int orientation; /**< EXIF orientation found in the file (1-8; 1 when none); already applied */
    uint8_t *icc;    /**< embedded ICC profile bytes as found in the file, or NULL; owned */
    size_t icc_size;
    int icc_applied;          /**< 1 if pixels were converted from the embedded profile to sRGB */
    char icc_description[64]; /**< the profile's description ("" when none or unreadable) */
    skinq_allocator alloc;    /**< the allocator that owns data and icc (internal) */
} skinq_image;

/**
 * Allocate a zero-filled image (stride = width*channels*depth/8 rounded up to 64 bytes).
 * @return SKINQ_OK; SKINQ_E_INVALID for bad sizes; SKINQ_E_LIMIT above the ctx's limit;
 *         SKINQ_E_NOMEM. On error *out is unchanged.
 */
skinq_status skinq_image_new(skinq_ctx *ctx, int width, int height, int channels, int depth,
                             skinq_image **out);

/** Free an image and its buffers; NULL-safe; sets *img to NULL. */
void skinq_image_free(skinq_image **img);

/** Pointer to row y (no bounds check). */
static inline uint8_t *skinq_image_row(const skinq_image *img, int y)
{
    return img->data + (size_t)y * img->stride;
}

/** A binary mask (0 = outside, nonzero = inside), one byte a pixel. */
typedef struct skinq_mask {
    int width, height;
    size_t stride;
    uint8_t *data;
    skinq_allocator alloc;
} skinq_mask;

/** Allocate a mask filled with `value` (0 or 1). Errors as skinq_image_new(). */
skinq_status skinq_mask_new(skinq_ctx *ctx, int width, int height, uint8_t value, skinq_mask **out);

/** Free a mask; NULL-safe; sets *m to NULL. */
void skinq_mask_free(skinq_mask **m);

/** Number of nonzero pixels. */
uint64_t skinq_mask_count(const skinq_mask *m);

/** An axis-aligned rectangle in pixels (x right, y down, from the top-left corner). */
typedef struct skinq_rect {
    int x, y, w, h;
} skinq_rect;

/**
 * Parse "x,y,w,h" (non-negative integers, w and h > 0).
 * @return 0 on success, -1 on a malformed string (then *r is unchanged).
 */
int skinq_rect_parse(const char *s, skinq_rect *r);

/** Clip a rectangle to an image of size w x h; the result may have zero area. */
skinq_rect skinq_rect_clip(skinq_rect r, int width, int height);

/* ---------------------------------------------------------------------- io */

/** What skinq_image_probe() learns from a file's header without decoding pixels. */
typedef struct skinq_image_header {
    char format[8]; /**< "jpeg", "png", "tiff", "heif" (HEIC and AVIF too), "dng" or "raw" (another camera RAW
                       LibRaw reads) */
    int width, height; /**< as stored (before orientation) */
    int channels;      /**< channels the decoder will produce (alpha included) */
    int depth;         /**< 8 or 16 */
    int orientation;   /**< EXIF orientation (1-8; 1 when none) */
    int has_icc;       /**< 1 if an ICC profile is embedded */
} skinq_image_header;

/**
 * Read only a file's header (JPEG, PNG, TIFF, HEIF/HEIC/AVIF, DNG or a camera RAW LibRaw reads, sniffed
 * from the bytes, not the name).
 * Every input file (images, masks, lights and chart files) must be a regular file: a FIFO,
 * device, socket or directory is refused at once ("'PATH': not a regular file (a fifo)").
 * @return SKINQ_OK; SKINQ_E_IO (cannot open/read, not a regular file); SKINQ_E_FORMAT (none
 *         of those formats, corrupt, zero-sized); SKINQ_E_UNSUPPORTED (CMYK, a float or 32-bit
 *         TIFF, DNG, a GIF/WebP/... named, ...); SKINQ_E_LIMIT (a
 *         file above the ctx's max_bytes, a PNG chunk or JPEG scan limit). The message names the file.
 */
skinq_status skinq_image_probe(skinq_ctx *ctx, const char *path, skinq_image_header *hdr);

/** skinq_image_probe() of a file's bytes in memory (`name` is only for messages; may be NULL). */
skinq_status skinq_image_probe_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                                   skinq_image_header *hdr);

/**
 * Load a JPEG, PNG, TIFF or HEIF into an upright image: EXIF orientation applied (HEIF: libheif's
 * irot/imir, not EXIF), an embedded ICC profile
 * converted to sRGB (lcms2), JPEG to 8-bit gray or RGB, PNG to 8/16-bit gray/RGB (palette
 * expanded). The header is checked against the ctx's max_pixels and max_bytes before any large allocation.
 * The image always has 1 (gray) or 3 (RGB) channels: an alpha channel is split off.
 * @param alpha  if not NULL, receives a mask of the pixels with alpha > 0 when the file has
 *               an alpha channel (or a tRNS chunk), else NULL. If alpha is NULL, alpha is dropped.
 * @return as skinq_image_probe(), plus SKINQ_E_LIMIT and SKINQ_E_NOMEM. On error nothing is
 *         returned in *out / *alpha and nothing is leaked.
 */
skinq_status skinq_image_load(skinq_ctx *ctx, const char *path, skinq_image **out, skinq_mask **alpha);

/**
 * skinq_image_load() of a file's bytes in memory (`size` bytes at `data`, borrowed for the call;
 * `name` is only for messages, may be NULL): the same decoders, limits and errors. For fuzzers,
 * bindings and uploads that never touch the disk.
 */
skinq_status skinq_image_load_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                                  skinq_image **out, skinq_mask **alpha);

/**
 * Write an 8-bit gray/RGB/RGBA or 16-bit gray/RGB image as PNG, atomically: the data goes to
 * a temporary file in the same directory which is fsync'ed and renamed over `path` only when
 * complete. A symbolic link is followed (its target replaced, the link kept).
 * @return SKINQ_OK, SKINQ_E_INVALID (unsupported layout), SKINQ_E_UNSUPPORTED (`path` is a
 *         directory, device, FIFO or socket: nothing written), SKINQ_E_IO.
 */
skinq_status skinq_png_write(skinq_ctx *ctx, const char *path, const skinq_image *img);

/** skinq_png_write() with a pHYs chunk: `px_per_metre` pixels a metre on both axes (0: none), so
 *  that the image prints at its intended size. */
skinq_status skinq_png_write_phys(skinq_ctx *ctx, const char *path, const skinq_image *img,
                                  uint32_t px_per_metre);

/** Options for skinq_jpeg_write(); fill with skinq_jpeg_default_options() first. */
typedef struct skinq_jpeg_options {
    size_t size;        /**< sizeof(skinq_jpeg_options), set by skinq_jpeg_default_options() */
    int quality;        /**< 1-100 (default 90) */
    int orientation;    /**< 1-8: written as an EXIF orientation tag when != 1 */
    const uint8_t *icc; /**< ICC profile to embed, or NULL */
    size_t icc_size;
} skinq_jpeg_options;

/** Defaults: quality 90, orientation 1 (no tag), no ICC profile. */
void skinq_jpeg_default_options(skinq_jpeg_options *o);

/** Write an 8-bit gray or RGB image as baseline JPEG (4:2:0 for RGB), atomically like PNG.
 *  @param opt  options, or NULL for the defaults. */
skinq_status skinq_jpeg_write(skinq_ctx *ctx, const char *path, const skinq_image *img,
                              const skinq_jpeg_options *opt);

/**
 * Apply an EXIF orientation (1-8) to an image, returning a new upright image.
 * @return SKINQ_OK, SKINQ_E_INVALID (orientation out of range), SKINQ_E_NOMEM.
 */
skinq_status skinq_image_orient(skinq_ctx *ctx, const skinq_image *img, int orientation, skinq_image **out);

/** When a photo was taken, as its EXIF says (skinq_image_capture_time()). Every field is a
 *  NUL-terminated string; what is not known is "" (never a guess, never the file's mtime). */
typedef struct skinq_capture_time {
    char date[11];    /**< "YYYY-MM-DD", a real calendar date (year 0001-9999) */
    char time[9];     /**< "HH:MM:SS" (00-23, 00-59, 00-59), the camera's local time */
    char subsec[10];  /**< the companion SubSecTime* digits ("042": 0.042 s), or "" */
    char offset[7];   /**< the companion OffsetTime* ("+02:00", "-05:30"), or "" (zone unknown) */
    char source[24];  /**< the tag used: "DateTimeOriginal", "DateTimeDigitized" or "DateTime" */
    char iso8601[40]; /**< all of it in one: "2026-03-01T09:15:02[.042][+01:00]" */
} skinq_capture_time;

/**
 * Read a photo's capture time from its EXIF (JPEG APP1 "Exif", PNG eXIf chunk) without decoding
 * pixels: DateTimeOriginal (EXIF sub-IFD), else DateTimeDigitized, else IFD0 DateTime -- the first
 * that holds a valid "YYYY:MM:DD HH:MM:SS" -- with the same tag family's SubSecTime* and
 * OffsetTime* (0x9011 for DateTimeOriginal) when those are well formed. Zeroed ("0000:00:00
 * 00:00:00"), blank or impossible dates ("2026:02:30 ...") are not capture times.
 * @return SKINQ_OK (*out filled); SKINQ_E_INVALID when the file has no usable capture time (one
 *         line naming the file: "'x.jpg': no EXIF capture time (no EXIF data)", "... (DateTimeOriginal
 *         is \"0000:00:00 00:00:00\")"; *out unchanged); otherwise the errors of skinq_image_probe().
 */
skinq_status skinq_image_capture_time(skinq_ctx *ctx, const char *path, skinq_capture_time *out);

/** skinq_image_capture_time() of a file's bytes in memory (`name` is only for messages; may be NULL). */
skinq_status skinq_image_capture_time_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                                          skinq_capture_time *out);

/** A DNG or camera RAW file as LibRaw reads it (skinq_image_raw_info()) and how skinq develops it:
 *  demosaiced to linear camera RGB, the file's colour matrix to linear sRGB, no tone curve, then
 *  the sRGB encoding curve into 16 bits (lib/io/README.md, "Camera RAW and DNG"). Strings are
 *  NUL-terminated, "" when unknown; numbers 0 when unknown. */
typedef struct skinq_raw_info {
    char make[64], model[64]; /**< the camera as the file names it */
    float iso;                /**< ISO speed */
    float shutter_s;          /**< exposure time, seconds */
    float aperture;           /**< f-number */
    float focal_mm;           /**< focal length, mm */
    int dng;                  /**< 1: a DNG (TIFF with DNGVersion), 0: a camera's own RAW format */
    int raw_bits;             /**< significant bits of the sensor data (from its white level) */
    char cfa[8];              /**< the mosaic ("RGGB", ...), "linear" (3 samples a pixel) or "other" */
    char white_balance[16];   /**< the loader's: "as-shot" (the file's multipliers) or "none" (D65
                                   from the colour matrix, the white patch balances: `--white`) */
    float wb_multipliers[3];  /**< R, G, B multipliers applied to the camera data (green = 1) */
    char demosaic[8];         /**< "AHD" (LibRaw user_qual 3), "none" for linear data */
} skinq_raw_info;

/**
 * What a DNG or camera RAW file says (make, model, exposure; LibRaw, no pixel decoded), with
 * white_balance "as-shot" and the multipliers the loader applies by default.
 * @return SKINQ_OK; SKINQ_E_INVALID when the file is not a DNG or camera RAW ("'x.jpg': not a
 *         DNG or camera RAW file"); otherwise the errors of skinq_image_probe().
 */
skinq_status skinq_image_raw_info(skinq_ctx *ctx, const char *path, skinq_raw_info *out);

/**
 * SHA-256 of a file's bytes as 64 lowercase hex digits plus NUL (a regular file, read once and
 * at most the ctx's max_bytes).
 * @return SKINQ_OK, SKINQ_E_IO (cannot read, not a regular file), SKINQ_E_LIMIT, SKINQ_E_NOMEM,
 *         SKINQ_E_INVALID (ctx NULL).
 */
skinq_status skinq_file_sha256(skinq_ctx *ctx, const char *path, char hex[65]);

/* ----------------------------------------------------------------- metrics */

/**
 * One number of an analysis under a stable dotted path (design §3), e.g. "color.a.mean",
 * "texture.glcm.contrast", "scars.items.0.max_depth_mm" (numeric segments are array indices).
 * Every result reaches JSON, CSV, the session store and compare through this one list.
 */
typedef struct skinq_metric {
    char path[80];
    double value;  /**< NaN when not computable (written as null) */
    char unit[16]; /**< "a*", "mm", "mm2", "1" (dimensionless), "relative", ... */
} skinq_metric;

/** A growable list of metrics; zero-initialise, fill with skinq_metrics_add(), free with
 * skinq_metrics_free(). */
typedef struct skinq_metrics {
    skinq_metric *items;
    size_t count, cap;
} skinq_metrics;

/**
 * Append (or overwrite, if the path exists) a metric. path and unit are copied (truncated to fit).
 * @return SKINQ_OK or SKINQ_E_NOMEM (list unchanged).
 */
skinq_status skinq_metrics_add(skinq_ctx *ctx, skinq_metrics *m, const char *path, double value,
                               const char *unit);

/** printf-style path: skinq_metrics_addf(ctx, m, v, "mm", "scars.items.%d.max_depth_mm", i). */
skinq_status skinq_metrics_addf(skinq_ctx *ctx, skinq_metrics *m, double value, const char *unit,
                                const char *path_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** The metric at `path`, or NULL. */
const skinq_metric *skinq_metrics_find(const skinq_metrics *m, const char *path);

/** Free the list's storage and zero it; NULL-safe. */
void skinq_metrics_free(skinq_metrics *m);

/* ------------------------------------------- the metric registry (lib/core/metric_defs.c) */

/*
 * One table says, for every metric path, its unit, a plain-language label, the clinical item it
 * informs, which direction is improvement and its default minimal detectable change (MDC95, the
 * smallest change that 95 % of repeat captures of unchanged skin stay below). compare, track
 * show, trend, report, the CLI writers and `skinq metrics` all read it; nothing else decides a
 * verdict.
 */

/** Which way a metric improves. */
typedef enum skinq_direction {
    SKINQ_LOWER_IS_BETTER = -1,
    SKINQ_NO_DIRECTION = 0, /**< descriptive only (L*, b*, GLCM, spectra, spreads) */
    SKINQ_HIGHER_IS_BETTER = 1,
} skinq_direction;

/** A registry entry. Static; the library's. */
typedef struct skinq_metric_def {
    const char *pattern; /**< dotted path; a "*" segment matches any one segment ("color.*.std") */
    const char
        *unit; /**< unit when a scale (px/mm) is known; the analysis's own unit says what was measured */
    const char *label; /**< plain-language name */
    const char *item;  /**< clinical item ("Vascularity (redness)", "Pigmentation", "Relief (texture and
                          height)", "Extent"), or NULL */
    int direction;     /**< a skinq_direction */
    int relative;      /**< 1: only relative (to reference skin, or an index without absolute scale) */
    int headline;      /**< 0 listed only; 1 in the report and the change summaries; 2 also a column of
                            `track show`'s timeline */
    double mdc95;      /**< default MDC95 of colour-normalised photos (--ref, --white or --chart); NaN: not
                            measured. In `unit`, or in % of |before| when mdc_percent */
    double mdc95_raw;  /**< the same without colour normalisation (exposure and white balance vary freely) */
    int mdc_percent; /**< 1: the MDCs are a percentage of the before value (texture: its spread grows with it)
                      */
    const char *mdc_source; /**< where mdc95 was measured */
} skinq_metric_def;

/** The whole table, in display order; *out receives it. @return the number of entries. */
size_t skinq_metric_defs(const skinq_metric_def **out);

/** The entry that describes `path` (first matching pattern), or NULL when the path is unknown. */
const skinq_metric_def *skinq_metric_find(const char *path);

/**
 * The better direction of a metric path (the registry's, 0 when unknown), for `improved`:
 * -1 when less is better (redness, roughness, pores, spots, lines, scar depth/area/volume,
 * melanin), +1 when more is better (ITA°), 0 when none is defined.
 */
int skinq_metric_direction(const char *path);

/** The default MDC95 of `path` at the value `before` (a percentage MDC is taken of |before|), in the
 * metric's unit, for colour-normalised photos (`normalised` 1: --ref, --white or --chart) or not (0);
 * NaN when the registry has none or `unit` (the measured one, NULL = as registered) differs from
 * the registry's (an area in px without a scale). */
double skinq_metric_default_mdc(const char *path, const char *unit, double before, int normalised);

/**
 * A metric whose name says mm (or cm²) and its pixel sibling. Without a scale the mm metric holds
 * NaN (null in JSON, an empty CSV cell, NULL in a store), never pixels; the sibling holds the
 * pixel value with or without a scale: px = mm × px_per_mm^power × k.
 */
typedef struct skinq_metric_scaled {
    const char *mm, *mm_unit; /**< "texture.pores.mean_diameter_mm", "mm" */
    const char *px, *px_unit; /**< "texture.pores.mean_diameter_px", "px" */
    int power;                /**< of px_per_mm: 1 a length, 2 an area, -2 a count per area ... */
    double k;                 /**< and the unit factor (cm² = 100 mm², Mpx = 1e6 px²) */
} skinq_metric_scaled;

/** The whole table (color.red_area, texture.pores.density and mean_diameter, texture.lines.density);
 *  *out receives it. @return the number of entries. */
size_t skinq_metric_scaled_defs(const skinq_metric_scaled **out);

/** The entry whose mm or px path is `path`, or NULL. */
const skinq_metric_scaled *skinq_metric_scaled_find(const char *path);

/** 0 when `path`'s name says mm or cm² and a stored or measured `unit` is not the one the registry
 *  names for it (pixels under an mm name, as an older skinq stored them without a scale): such a
 *  value is not shown under that name. 1 otherwise (also for other names, when the registry names
 *  no unit, or `unit` is NULL). */
int skinq_metric_unit_fits(const char *path, const char *unit);

/** Append the mm metric s->mm (px_value converted, or NaN when px_per_mm is not > 0) and its
 *  pixel sibling s->px (px_value), in that order. */
skinq_status skinq_metrics_add_scaled(skinq_ctx *ctx, skinq_metrics *m, const skinq_metric_scaled *s,
                                      double px_value, double px_per_mm);

/** What a change means. */
typedef enum skinq_verdict {
    SKINQ_VERDICT_NA = 0,        /**< a value is missing or not finite */
    SKINQ_VERDICT_UNCHANGED,     /**< exactly equal */
    SKINQ_VERDICT_NO_DETECTABLE, /**< |change| <= MDC95: within repeat-capture noise */
    SKINQ_VERDICT_IMPROVED,      /**< |change| > MDC95 in the better direction */
    SKINQ_VERDICT_WORSE,         /**< |change| > MDC95 in the other direction */
    SKINQ_VERDICT_INCREASED,     /**< |change| > MDC95 (or MDC unknown), no direction or MDC to judge by */
    SKINQ_VERDICT_DECREASED,
} skinq_verdict;

/**
 * The verdict on before → after for a metric of `direction` with minimal detectable change
 * `mdc95` (absolute, in the metric's unit; NaN = unknown). Without a known MDC no metric is
 * called improved or worse: only increased/decreased.
 */
skinq_verdict skinq_change_verdict(int direction, double before, double after, double mdc95);

/** "improved", "worse", "no detectable change", "unchanged", "increased", "decreased", "n/a". */
const char *skinq_verdict_name(skinq_verdict v);

/** 100·(after − before)/|before|, or NaN ("n/a") when |before| is 0, below `mdc95` (a percentage
 * of a value within noise means nothing) or a value is not finite. */
double skinq_change_percent(double before, double after, double mdc95);

/* ------------------------------------------------------ colour (lib/color) */

/**
 * CIEDE2000 colour difference between two CIELAB colours (kL = kC = kH = 1), as specified in
 * CIE 142-2001 and checked against every pair of Sharma, Wu & Dalal (2005)'s test data to 1e-4.
 * Symmetric, exactly 0 for identical colours.
 */
double skinq_delta_e2000(const double lab1[3], const double lab2[3]);

/*
 * Colour analysis (design §2 "Colour"). Pixels are taken as sRGB (8- or 16-bit RGB; gray images
 * are refused), linearised (IEC 61966-2-1), optionally multiplied by white gains, then per pixel:
 * CIELAB (D65) L*, a*, b*; erythema index 100·log10(R/G) and melanin index 100·log10(1/R) on the
 * (white-normalised) linear R, G; melanin and hemoglobin as the epidermal melanosome and dermal
 * blood volume fractions of the inverted spectral skin model (skinq_skin_invert(), by table; NaN
 * and left out of those two where a colour is outside the model, counted as
 * color.out_of_model_fraction); ITA° = atan2(L* − 50, b*)·180/π. skinq_color_formulas() gives each formula
 * and its source. Pixels inside the region of interest with any channel at 0 or at full scale are clipped:
 * excluded and counted. Each metric is summarised over the ROI as mean, std (population), p05,
 * p50, p95 (percentiles from 16384-bin histograms, within one bin of the exact order statistic).
 */

/** Where the region of interest comes from. */
typedef enum skinq_roi_kind {
    SKINQ_ROI_IMAGE = 0, /**< the whole image */
    SKINQ_ROI_RECT,      /**< skinq_roi_options.rect, clipped to the image */
    SKINQ_ROI_MASK,      /**< skinq_roi_options.mask (nonzero = inside), same size as the image */
    SKINQ_ROI_AUTO_SKIN  /**< skinq_color_skin_mask() of the (white-corrected) image */
} skinq_roi_kind;

/** The region of interest as asked for (part of skinq_analysis_options). Plain struct, the caller's. */
/** How SKINQ_ROI_AUTO_SKIN finds skin (lib/color/README.md "Auto-skin"). */
typedef enum skinq_skin_mode {
    SKINQ_SKIN_AUTO = 0, /**< the face path when a face is found, else the limb path */
    SKINQ_SKIN_FACE,     /**< a face detector seeds this photo's skin model; no face = SKINQ_E_EMPTY_ROI */
    SKINQ_SKIN_LIMB      /**< close-ups without a face: the dominant skin-coloured cluster */
} skinq_skin_mode;

typedef struct skinq_roi_options {
    skinq_roi_kind kind;
    skinq_rect rect;           /**< SKINQ_ROI_RECT */
    const skinq_mask *mask;    /**< SKINQ_ROI_MASK; borrowed, not freed */
    skinq_skin_mode skin_mode; /**< SKINQ_ROI_AUTO_SKIN: which path (0 = auto) */
    uint32_t reserved32;       /**< zero */
    const skinq_mask *exclude; /**< NULL, or pixels taken out of the ROI whatever its kind (nonzero = out;
                                    the image's size), e.g. a scale marker (skinq_marker_exclusion()) */
    uint64_t reserved[2];      /**< zero: room to grow inside skinq_analysis_options */
} skinq_roi_options;

/** What auto-skin did: the path that ran, the faces it found and how much it kept. */
typedef struct skinq_skin_info {
    int ran;               /**< 1 when the ROI came from auto-skin (the rest is then filled) */
    skinq_skin_mode asked; /**< the mode asked for */
    skinq_skin_mode path;  /**< SKINQ_SKIN_FACE or SKINQ_SKIN_LIMB: the path that ran */
    int faces;             /**< faces the detector accepted (-1: the detector did not run) */
    skinq_rect face[8];    /**< the first min(faces, 8), biggest first, in image pixels */
    double kept_fraction;  /**< skin pixels / pixels inside the alpha mask (all pixels without one) */
    double model_lab[3];   /**< the skin model's centre: median L*, a*, b* of its seed cells */
    char detector[64];     /**< the face model's file name, "" when the detector did not run */
} skinq_skin_info;

/** The name of a skin mode: "auto", "face" or "limb" ("unknown" otherwise). */
const char *skinq_skin_mode_name(skinq_skin_mode m);
/** Parse "auto", "face" or "limb". @return 0, or -1 for anything else. */
int skinq_skin_mode_parse(const char *s, skinq_skin_mode *m);

/**
 * A resolved region of interest: exactly the pixels the colour and texture passes read, and the
 * scale of those pixels. Made once per image by skinq_roi_resolve(), freed by skinq_roi_free().
 * It borrows the option's mask and the alpha mask it was made from: keep them alive until it is freed.
 */
typedef struct skinq_roi {
    const skinq_mask *mask; /**< the image's size, nonzero = inside; NULL: every pixel of bbox is inside */
    skinq_rect bbox;        /**< bounding box of the inside pixels (zero-sized when none) */
    skinq_roi_kind kind;    /**< where it came from */
    const skinq_mask
        *alpha;        /**< the alpha mask ANDed in (it also limits the reference and white patch), or NULL */
    uint64_t inside;   /**< pixels inside */
    double px_per_mm;  /**< scale; 0 = unknown (areas and lengths in pixels) */
    skinq_mask *owned; /**< (internal) the mask when the resolution made one */
    skinq_allocator alloc; /**< (internal) */
    skinq_skin_info skin;  /**< auto-skin's account (skin.ran = 0 for other kinds) */
} skinq_roi;

/**
 * Resolve a region of interest for one image: the rectangle (clipped), the ROI mask or the
 * detected skin (skinq_color_skin_mask() after `gains`), ANDed with alpha, less o->exclude; its bounding box
 * and pixel count; the scale. This is the one place an ROI is made; colour and texture take the result.
 * @param alpha      the image's alpha mask from skinq_image_load(), or NULL.
 * @param o          the ROI options, or NULL for the whole image.
 * @param px_per_mm  scale, >= 0 and finite (0 = unknown).
 * @param gains      linear RGB gains for auto-skin (a white patch), or NULL.
 * @param out        receives the ROI; unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (unknown kind, mask kind without a mask, bad scale);
 *         SKINQ_E_FORMAT (ROI or alpha mask size differs from the image); the errors of
 *         skinq_color_skin_mask() for auto-skin; SKINQ_E_NOMEM.
 */
skinq_status skinq_roi_resolve(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                               const skinq_roi_options *o, double px_per_mm, const double gains[3],
                               skinq_roi **out);

/** Free a resolved ROI (and the mask it made); NULL-safe; sets *roi to NULL. */
void skinq_roi_free(skinq_roi **roi);

/** Where and how large PNG maps are written (part of skinq_analysis_options). Plain struct. */
typedef struct skinq_maps_options {
    const char *dir;      /**< write maps into this folder (created if missing); NULL = none */
    int color_max_size;   /**< colour maps' longest side in pixels (default 1024) */
    int texture_max_size; /**< the texture overlay's longest side in pixels (default 2048, >= 16) */
    /** 1: the colour maps' cell means as numbers too, float32 NumPy files beside the PNGs: a.npy,
     *  erythema_index.npy, hemoglobin.npy, melanin.npy (NaN where a cell has no pixel counted) and
     *  inside.npy (uint8, 1 = the cell holds ROI pixels); what the Python binding's skinq.maps()
     *  returns as arrays. 0 (default): PNGs only. */
    int grids;
    uint32_t reserved32;  /**< zero */
    uint64_t reserved[3]; /**< zero: room to grow inside skinq_analysis_options */
} skinq_maps_options;

/** Options of skinq_color_analyze(): colour-only settings; fill with skinq_color_default_options() first. */
/** A camera's spectral sensitivities, opaque; from skinq_camera_load(), freed by skinq_camera_free(). */
typedef struct skinq_camera skinq_camera;

typedef struct skinq_color_options {
    int has_ref; /**< 1: `ref` is untreated reference skin; every metric gets delta_ref */
    skinq_rect ref;
    int has_white; /**< 1: `white` is a white/grey patch; gains in linear RGB before any metric */
    skinq_rect white;
    /** reflectance the patch is normalised to (default 1: the patch reads white) */
    double white_reflectance;
    double red_threshold; /**< a* units above the reference median for red_area_* (default 5) */
    /** the spectral sensitivities behind the image's linear RGB, for hemoglobin and melanin (the
     *  skin model is inverted through them): NULL = an sRGB photo (CIE 1931 + D65 → sRGB); a
     *  camera's own (skinq_camera_load()) for white-balanced camera RGB. Borrowed. */
    const skinq_camera *camera;
    uint64_t reserved[3]; /**< zero: room to grow inside skinq_analysis_options */
} skinq_color_options;

/** Defaults: no ref, no white, white_reflectance 1, red_threshold 5. */
void skinq_color_default_options(skinq_color_options *o);

/** Provenance of an analysis (what was measured and how). Plain struct, the caller's. */
typedef struct skinq_color_info {
    char roi_source[16];  /**< "image", "rect", "mask" or "auto-skin" ("+alpha" appended when an alpha mask
                             applied) */
    skinq_rect roi_rect;  /**< bounding box of the ROI */
    uint64_t roi_inside;  /**< pixels inside the ROI */
    uint64_t roi_pixels;  /**< pixels measured: inside and not clipped */
    uint64_t roi_clipped; /**< inside but excluded: a channel at 0 or full scale */
    int has_ref;
    skinq_rect ref_rect; /**< as clipped to the image */
    uint64_t ref_pixels, ref_clipped;
    int has_white;
    double white_gains[3]; /**< linear R, G, B gains (1, 1, 1 without a white patch) */
    uint64_t white_pixels, white_clipped;
    double red_threshold_a; /**< the absolute a* above which a pixel counts as red */
    char red_basis[16];     /**< "ref_median" or "roi_p25": what the threshold was added to */
    char ita_category[16];  /**< skinq_ita_category() of the ROI's median ITA° */
    int map_factor;         /**< maps are 1/map_factor of the image per axis; 0 = no maps written */
    char white_point[8];    /**< "D65" */
} skinq_color_info;

/**
 * Analyse the colour of an image's region of interest.
 * Metric paths (all appended to *out, design §3): color.<m>.{mean,std,p05,p50,p95} for m in L, a, b,
 * erythema_index, melanin_index, hemoglobin, melanin, ita_deg; with a reference also
 * color.<m>.ref_mean and color.<m>.delta_ref (ROI mean − reference mean); color.red_area_fraction,
 * color.red_area_mm2 (NaN when the scale is unknown) and color.red_area_px (always, in pixels).
 * Maps (maps->dir): a.png, erythema_index.png, hemoglobin.png, melanin.png (heatmaps with a
 * legend, range p02–p98 of the ROI), overlay_a.png (a* over the photo) and roi.png, each atomic.
 * @param roi    the resolved ROI (skinq_roi_resolve() of this image), or NULL for the whole image
 *               at an unknown scale. Pixels outside its alpha mask never count (ROI, reference, white).
 * @param o      options, or NULL for the defaults.
 * @param maps   NULL or maps->dir NULL: no maps.
 * @param out    metrics are appended (existing paths overwritten); on error it may hold part of them.
 * @param info   provenance, may be NULL.
 * @return SKINQ_OK; SKINQ_E_INVALID (bad options); SKINQ_E_UNSUPPORTED (not RGB); SKINQ_E_FORMAT (the
 *         ROI was resolved for an image of another size); SKINQ_E_EMPTY_ROI (no usable pixel in the ROI,
 *         reference or white patch); SKINQ_E_LIMIT (above 2^32 pixels); SKINQ_E_NOMEM; SKINQ_E_IO (maps).
 */
skinq_status skinq_color_analyze(skinq_ctx *ctx, const skinq_image *img, const skinq_roi *roi,
                                 const skinq_color_options *o, const skinq_maps_options *maps,
                                 skinq_metrics *out, skinq_color_info *info);

/**
 * White gains from a patch: gain_c = reflectance / mean linear c over the patch's pixels (inside
 * alpha, not clipped). @param pixels, clipped  counts, may be NULL.
 * @return SKINQ_OK; SKINQ_E_EMPTY_ROI (patch outside the image or every pixel clipped);
 *         SKINQ_E_INVALID (reflectance <= 0); SKINQ_E_UNSUPPORTED (not RGB). gains unchanged on error.
 */
skinq_status skinq_color_white_gains(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                     skinq_rect patch, double reflectance, double gains[3], uint64_t *pixels,
                                     uint64_t *clipped);

/** The per-pixel colour metrics, in the order of skinq_color_planes()' planes. */
typedef enum skinq_color_metric {
    SKINQ_COLOR_L,
    SKINQ_COLOR_A,
    SKINQ_COLOR_B,
    SKINQ_COLOR_ERYTHEMA_INDEX,
    SKINQ_COLOR_MELANIN_INDEX,
    SKINQ_COLOR_HEMOGLOBIN,
    SKINQ_COLOR_MELANIN,
    SKINQ_COLOR_ITA,
    SKINQ_COLOR_METRIC_COUNT
} skinq_color_metric;

/**
 * Per-pixel metric planes of a whole image through the analysis kernels (the same values the
 * statistics are made of; gray images are taken as R = G = B).
 * @param gains   linear RGB gains, or NULL for none.
 * @param planes  SKINQ_COLOR_METRIC_COUNT pointers, each NULL (not wanted) or width×height floats
 *                with `stride` floats between rows; invalid (clipped) pixels get values too.
 * @return SKINQ_OK, SKINQ_E_INVALID (stride < width), SKINQ_E_UNSUPPORTED (depth), SKINQ_E_NOMEM.
 */
skinq_status skinq_color_planes(skinq_ctx *ctx, const skinq_image *img, const double gains[3],
                                float *const planes[SKINQ_COLOR_METRIC_COUNT], size_t stride);

/**
 * The L* and melanin-index planes of skinq_color_planes() as 16-bit fixed point (SKINQ_L16_SCALE,
 * SKINQ_MEL16_SCALE; see skinq_texture_execute16()), for the texture pass of a whole photo.
 * @param L16, mel16  width×height values with `stride` elements between rows; either may be NULL.
 */
skinq_status skinq_color_planes16(skinq_ctx *ctx, const skinq_image *img, const double gains[3],
                                  uint16_t *L16, int16_t *mel16, size_t stride);

/**
 * Skin segmentation for --auto-skin (lib/color/README.md "Auto-skin"). The photo (after `gains`)
 * as ~1-megapixel cells; `mode` face or auto looks for frontal faces (OpenCV's Haar cascade,
 * haarcascade_frontalface_alt2 of Debian's opencv-data, or $SKINQ_FACE_CASCADE). Face path:
 * each face's cheeks and forehead seed a robust colour model (log R/G, log B/G and a lightness
 * range), and skin is grown from them through cells near it, outside the eyes, brows and mouth
 * and within reach of the face. Limb path (no face; auto falls back to it): the photo's colour
 * clusters scored by size, a melanin/hemoglobin skin locus and fine-scale smoothness seed the
 * model; redder cells count only in regions holding the model's own colour; flat or rectangular
 * patches inside the frame are not skin. Both keep only a skin gamut (20 <= L* <= 95, chroma
 * 6–60, hue 15°–85°) and let redder-than-model skin stay (treated skin).
 * @param gains  linear RGB gains or NULL.  @param alpha  NULL or the alpha mask (outside = not skin).
 * @param info   NULL, or receives the path that ran, the faces and the kept fraction.
 * @param out    receives a new mask (free with skinq_mask_free()).
 * @return SKINQ_OK; SKINQ_E_UNSUPPORTED (not RGB, or mode face without a detector model);
 *         SKINQ_E_EMPTY_ROI ("no skin found" and why: no face with mode face, less skin than 1 %
 *         of the photo, nothing on the skin locus, only flat or rectangular patches);
 *         SKINQ_E_INVALID; SKINQ_E_NOMEM.
 */
skinq_status skinq_color_skin_detect(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                     const double gains[3], skinq_skin_mode mode, skinq_skin_info *info,
                                     skinq_mask **out);

/** skinq_color_skin_detect() with mode auto and no account (the API of version 0.1). */
skinq_status skinq_color_skin_mask(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                   const double gains[3], skinq_mask **out);

/** "image", "rect", "mask", "auto-skin" (static; "unknown" for other values). */
const char *skinq_roi_kind_name(skinq_roi_kind k);

/** Individual typology angle category (Chardon et al. 1991; Del Bino et al. 2006): "very light" (> 55°),
 * "light" (> 41°), "intermediate" (> 28°), "tan" (> 10°), "brown" (> −30°), "dark"; "unknown" for NaN.
 * Static. */
const char *skinq_ita_category(double ita_deg);

/** One metric's formula and source, for provenance (JSON "calibration.formulas"). */
typedef struct skinq_color_formula {
    const char *metric; /**< "L", "a", "b", "erythema_index", ... as in the metric paths */
    const char *formula;
    const char *citation;
} skinq_color_formula;

/** The formulas of every colour metric; static table of *count entries. */
const skinq_color_formula *skinq_color_formulas(size_t *count);

/** The three-vector optical-density basis (R, G, B) of melanin and hemoglobin (shading is
 * (1, 1, 1)) that color.melanin / .hemoglobin solved until issue 20; auto-skin's skin locus still
 * uses it (lib/color/README.md "Cross-talk of the three-vector basis"). */
void skinq_color_od_vectors(double melanin[3], double hemoglobin[3]);

/*
 * Spectral colour (lib/color/spectral.c): reflectance sampled at 400–700 nm every 10 nm
 * (SKINQ_SPECTRAL_N values, index i at 400 + 10·i nm), seen under CIE D65.
 */
#define SKINQ_SPECTRAL_N 31
#define SKINQ_SPECTRAL_START_NM 400
#define SKINQ_SPECTRAL_STEP_NM 10

/* skinq_camera (declared with the colour options): a camera's spectral sensitivities, opaque; from
 * skinq_camera_load(), freed by skinq_camera_free(). */

/**
 * Load a camera's spectral sensitivities from a CSV file: lines `wavelength_nm,r,g,b` (a header
 * line first is allowed, blank lines and lines starting with '#' are skipped), wavelengths
 * strictly increasing and covering 400–700 nm, values finite and ≥ 0. They are resampled to the
 * grid (linear interpolation) and white-balanced under D65 so that a perfect white gives (1, 1, 1).
 * @return SKINQ_OK (*out set; free with skinq_camera_free()); SKINQ_E_IO (cannot open);
 *         SKINQ_E_FORMAT (one line naming the file and line: not four numbers, wavelengths not
 *         increasing, negative value, range not covered, a channel without response); SKINQ_E_NOMEM.
 *         On error *out is unchanged.
 */
skinq_status skinq_camera_load(skinq_ctx *ctx, const char *path, skinq_camera **out);

/** Free a camera; NULL-safe; sets *cam to NULL. */
void skinq_camera_free(skinq_camera **cam);

/** CIE 1931 2° XYZ of a reflectance spectrum under D65, normalised so a perfect white has Y = 1
 * (then X, Z = 0.9494, 1.0871: D65 white truncated to 400–700 nm). */
void skinq_spectrum_xyz(const double refl[SKINQ_SPECTRAL_N], double xyz[3]);

/** Linear RGB of a reflectance spectrum under D65: through `cam` (white-balanced camera RGB), or
 * with cam NULL the CIE 1931 observer → linear sRGB (IEC 61966-2-1 matrix; white ≈ (1, 1, 1)). */
void skinq_spectrum_rgb(const skinq_camera *cam, const double refl[SKINQ_SPECTRAL_N], double rgb[3]);

/*
 * Inverting a spectral skin model (lib/color/skin_invert.c; lib/color/README.md "The inverted
 * spectral model"): linear RGB → epidermal melanin, dermal blood and shading. Model per
 * wavelength: two-layer Kubelka–Munk, a scattering 80-µm epidermis with melanin over a
 * semi-infinite dermis with blood at a fixed oxygen saturation of 0.70, seen through a camera (or
 * CIE 1931 + D65 → sRGB), × shading. Shading drops out of the chromaticity (ln R/G, ln B/G), from
 * which (m, b) are solved by Newton steps seeded from a table built once per camera; the colour
 * map folds at high melanin (0.21 at blood 0 … 0.12 at blood 0.15), solutions beyond the fold are
 * flagged SKINQ_SKIN_OUTSIDE. skinq_color_analyze() looks its inverse up in a table (lib/color/skin_table.c).
 */
typedef struct skinq_skin_model skinq_skin_model;

/** Why a colour was or was not inverted. */
typedef enum skinq_skin_status {
    SKINQ_SKIN_OK,             /**< in the model: melanin, blood, shading set */
    SKINQ_SKIN_DARK,           /**< a channel under 0.002 linear (or not finite): chromaticity is noise */
    SKINQ_SKIN_OUTSIDE,        /**< chromaticity off the model, or the solution outside melanin 0–0.25,
                                    blood 0–0.15, or beyond the colour map's fold (grey, blue, ink,
                                    hair); values set when solved */
    SKINQ_SKIN_NO_CONVERGENCE, /**< Newton did not converge */
    SKINQ_SKIN_TOO_BRIGHT      /**< shading > 1.5: brighter than skin of that colour can be after white
                                    balance (a highlight); values set */
} skinq_skin_status;

/** One colour's inversion. */
typedef struct skinq_skin_fit {
    double melanin; /**< epidermal melanosome volume fraction (0..1); NaN when not solved */
    double blood;   /**< dermal blood volume fraction (0..1); NaN when not solved */
    double shading; /**< observed G / the model's G at (melanin, blood): exposure × shading */
    int iterations; /**< Newton steps taken */
    skinq_skin_status status;
} skinq_skin_fit;

/**
 * Build the model for a camera (NULL = CIE 1931 2° + D65 → linear sRGB): the spectral path and
 * the inverse table (~80 ms). The model: a scattering 80-µm epidermis over one semi-infinite
 * dermis with blood (saturation 0.70), chosen over a papillary-dermis variant by its worst case
 * over several phantom dermis structures (lib/color/README.md "Choosing the dermis by robustness").
 * Independent of the context after return; usable from any thread.
 * @return SKINQ_OK (*out set; free with skinq_skin_model_free()); SKINQ_E_INVALID; SKINQ_E_NOMEM.
 */
skinq_status skinq_skin_model_new(skinq_ctx *ctx, const skinq_camera *cam, skinq_skin_model **out);

/** Free a model; NULL-safe; sets *model to NULL. */
void skinq_skin_model_free(skinq_skin_model **model);

/** The model's linear RGB of (melanin, blood) at shading 1 (the forward model the inverse solves). */
void skinq_skin_model_rgb(const skinq_skin_model *model, double melanin, double blood, double rgb[3]);

/** Invert one white-balanced linear RGB colour; fills *fit and returns its status. */
skinq_skin_status skinq_skin_invert(const skinq_skin_model *model, const double rgb[3], skinq_skin_fit *fit);

/** "ok", "too dark", "outside the skin model", "no convergence", "brighter than the skin can be"
 * (static; "unknown" for other values). */
const char *skinq_skin_status_name(skinq_skin_status status);

/** The model, its constants, units and sources as one static line (for the JSON `formulas`). */
const char *skinq_skin_model_formula(void);

/* ---------------------------------------------------- texture (lib/texture) */

/*
 * Texture of skin (design §2 "Texture"), measured on a plane of CIELAB L* values. Every length
 * option is in millimetres; when the scale is unknown (px_per_mm <= 0) the options are
 * converted at `unknown_px_per_mm` (default 20 px/mm), the PSD bins are reported in pixel units
 * (cycles/px, L*^2*px^2) and the metrics whose name says mm or cm2 are NaN: their pixel siblings
 * (skinq_metric_scaled) carry the values, with or without a scale. lib/texture/README.md
 * gives every definition, its source, and which metrics are invariant to a uniform brightness
 * change. Paths appended (units in brackets):
 *   texture.psd.fine|medium|coarse   band power: variance of L* in the band [L*^2]
 *   texture.psd.total                variance over every frequency but DC (Parseval) [L*^2]
 *   texture.psd.slope                log-log slope of the radial PSD over slope_range [1]
 *   texture.psd.bins.N.freq|power    radial PSD, log-spaced bins [cycles/mm | L*^2*mm^2]
 *   texture.psd.tile_px, texture.psd.tiles   tile side used and number of tiles
 *   texture.roughness.sa|sq          mean absolute / RMS of band-passed L* [L*]
 *   texture.glcm.contrast|dissimilarity|homogeneity|asm|energy|correlation|entropy
 *   texture.glcm.row_step            anchor-row step used (glcm_row_step) [1]
 *   texture.pores.count|density_per_cm2|mean_diameter_mm   [1, 1/cm2, mm]
 *   texture.pores.density_per_mpx|mean_diameter_px         [1/Mpx, px]
 *   texture.lines.density_mm_per_cm2|mean_contrast          [mm/cm2, L*@60]
 *   texture.lines.density_px_per_mpx                        [px/Mpx]
 *   texture.spots.count|area_fraction (only with a melanin plane), texture.tone_evenness [L*]
 * Pores and lines are found on 76·ln(L* + 16), which a uniform exposure change only shifts:
 * they, psd.slope and glcm.* are exposure-invariant; depths read as L* units at L* = 60
 * ("L*@60"). sa, sq and tone_evenness scale with (L* + 16), PSD powers with its square.
 */

/** Which texture metrics to compute (bits of skinq_texture_options.metrics). */
enum {
    SKINQ_TEXTURE_PSD = 1u << 0,       /**< texture.psd.* */
    SKINQ_TEXTURE_ROUGHNESS = 1u << 1, /**< texture.roughness.* (shares the PSD's tiles) */
    SKINQ_TEXTURE_GLCM = 1u << 2,
    SKINQ_TEXTURE_PORES = 1u << 3,
    SKINQ_TEXTURE_LINES = 1u << 4,
    SKINQ_TEXTURE_SPOTS = 1u << 5, /**< needs the melanin plane */
    SKINQ_TEXTURE_TONE = 1u << 6,
    SKINQ_TEXTURE_ALL = 0x7f
};

/** Options of the texture pass; fill with skinq_texture_default_options() first. */
typedef struct skinq_texture_options {
    unsigned metrics;  /**< SKINQ_TEXTURE_* bits (default SKINQ_TEXTURE_ALL) */
    int tile;          /**< PSD tile side in px, a power of two 32..4096 (default 512) */
    double overlap;    /**< tile overlap fraction, 0..0.875 (default 0.5) */
    double min_inside; /**< a tile is used when this fraction is inside the ROI (default 0.9) */
    double band_fine[2], band_medium[2], band_coarse[2]; /**< cycles/mm: 1–4, 0.25–1, 0.05–0.25 */
    double rough_band[2];     /**< roughness band-pass, cycles/mm (default 0.05–4: the three bands) */
    double slope_range[2];    /**< slope fit range, cycles/mm (default 0.05–4; never below 4 cycles a
                                   tile nor above Nyquist) */
    int bins_per_octave;      /**< radial PSD bins (default 4) */
    int glcm_levels;          /**< grey levels, 2..254 (default 64) */
    int glcm_minmax;          /**< 0: levels span the ROI's p0.5–p99.5 of L* (default); 1: min–max */
    double pore_diameter[2];  /**< mm (default 0.05–0.5; scales below 2 px are not searched) */
    double pore_min_contrast; /**< depth (L*@60) of the weakest pore counted (default 3) */
    double line_width[2];     /**< mm (default 0.1–0.4) */
    double line_min_contrast; /**< depth (L*@60) of the weakest line counted (default 2) */
    double spot_baseline;     /**< mm: sigma of the smoothed melanin baseline (default 2) */
    double spot_min_delta;    /**< melanin-index units above the baseline, at least (default 3) */
    double spot_k;            /**< ... and at least this many robust sigmas of the residual (default 3) */
    double spot_min_area;     /**< mm^2: smaller components are not spots (default 0.2: 0.5 mm across, above
                                 pores) */
    double tone_block;        /**< mm: block side for tone_evenness (default 1) */
    double unknown_px_per_mm; /**< nominal scale for the mm options when the scale is unknown (20) */
    /** GLCM pairs counted from the anchor rows y with (y − the ROI's first row) % step == 0 only (the
     *  partner pixel is read at full resolution, so every offset keeps its meaning): 0 (default) or -1 =
     *  auto: 1 up to 4 M ROI pixels, else 3 (not 2: an even step reads one row parity of a camera's
     *  Bayer/JPEG rows; docs/texture-definitions.md); 1..16 that step. texture.glcm.row_step says
     *  which was used. */
    int glcm_row_step;
    uint32_t reserved32;  /**< zero */
    uint64_t reserved[3]; /**< zero: room to grow inside skinq_analysis_options */
} skinq_texture_options;

/** Fill the defaults listed above. */
void skinq_texture_default_options(skinq_texture_options *o);

/**
 * A texture plan (FFTW style): the FFTW plans of the tile sizes used, the Hann windows, the
 * per-thread fftwf_malloc scratch and the frequency tables. Plans are made under the library's
 * FFTW lock with FFTW_ESTIMATE, so results are identical between runs and thread counts.
 * One plan may be executed by one caller at a time; it may be reused for any number of images.
 */
typedef struct skinq_texture_plan skinq_texture_plan;

/**
 * @param o    options, or NULL for the defaults (copied).
 * @param out  receives the plan; unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (an option out of range); SKINQ_E_NOMEM.
 */
skinq_status skinq_texture_plan_new(skinq_ctx *ctx, const skinq_texture_options *o, skinq_texture_plan **out);

/** Free a plan; NULL-safe; sets *p to NULL. */
void skinq_texture_plan_free(skinq_texture_plan **p);

/**
 * Measure the texture of one image's region of interest, spread over the ctx's threads.
 * @param L       width×height L* values, `stride` floats between rows (required).
 * @param mel     melanin-index plane of the same layout for spots, or NULL (no texture.spots.*).
 * @param roi     region of interest (same size, nonzero = inside) or NULL for the whole image.
 * @param px_per_mm  scale; <= 0 when unknown (pixel units, see above).
 * @param maps    NULL or maps->dir NULL: no maps; else psd.png and texture_overlay.png (longest side
 *                maps->texture_max_size) are written into maps->dir.
 * @param out     metrics are appended (existing paths overwritten); on error it may hold part of them.
 * @return SKINQ_OK; SKINQ_E_INVALID (NULL plane, sizes < 1, stride < width, ROI size differs, map size < 16);
 *         SKINQ_E_EMPTY_ROI (no ROI pixel, or the ROI holds no 32×32 square min_inside inside
 *         for the power spectrum); SKINQ_E_LIMIT (above the ctx's max_pixels); SKINQ_E_NOMEM;
 *         SKINQ_E_IO (maps).
 */
skinq_status skinq_texture_execute(skinq_ctx *ctx, skinq_texture_plan *p, const float *L, const float *mel,
                                   int width, int height, size_t stride, const skinq_mask *roi,
                                   double px_per_mm, const skinq_maps_options *maps, skinq_metrics *out);

/*
 * 16-bit planes: half the memory of float ones for a whole photo (a 24-MP L* plane is 48 MB
 * instead of 96). L16 = round(L* × SKINQ_L16_SCALE), clamped to 0..65535 (L* 0..102.4 in steps of
 * 0.0016, far below any texture the metrics resolve); mel16 = round(MI × SKINQ_MEL16_SCALE),
 * clamped to ±32767 (±655 MI in steps of 0.02), SKINQ_MEL16_NONE where the index is not finite
 * (the colour kernels clamp, so only a caller's own planes carry it; spots skip those pixels).
 */
#define SKINQ_L16_SCALE 640.0f
#define SKINQ_MEL16_SCALE 50.0f
#define SKINQ_MEL16_NONE INT16_MIN

/** skinq_texture_execute() on 16-bit planes (see above); `stride` counts elements. */
skinq_status skinq_texture_execute16(skinq_ctx *ctx, skinq_texture_plan *p, const uint16_t *L16,
                                     const int16_t *mel16, int width, int height, size_t stride,
                                     const skinq_mask *roi, double px_per_mm, const skinq_maps_options *maps,
                                     skinq_metrics *out);

/** One-shot, without maps: skinq_texture_plan_new() + skinq_texture_execute() + skinq_texture_plan_free(). */
skinq_status skinq_texture_analyze(skinq_ctx *ctx, const float *L, const float *mel, int width, int height,
                                   size_t stride, const skinq_mask *roi, double px_per_mm,
                                   const skinq_texture_options *o, skinq_metrics *out);

/* ---------------------------------------------------- surface (lib/surface) */

/*
 * Surface height and scar depth (design §2 "Surface and scars", §3 `skinq depth`).
 * Conventions: heights are positive toward the camera; images are x right, y down; light
 * directions and normals are x right, y UP, z toward the camera (DiLiGenT), so a height
 * gradient along image rows q = dz/dy_image relates to the normal by q = +ny/nz, and
 * p = dz/dx = −nx/nz. Planar float arrays below are row-major width×height without padding.
 */

/** Photometric-stereo light (one entry of a lights file). */
typedef struct skinq_light {
    char *image;             /**< image named by the file, resolved against the file's folder; NULL if none.
                                  Owned by the skinq_lights (freed by skinq_lights_free()) */
    double direction[3];     /**< unit vector from the surface to the light (normalised on load) */
    double intensity;        /**< relative intensity, > 0 (1 when the file gives none); for an [r, g, b]
                                  intensity the Rec. 709 luminance of the three */
    double intensity_rgb[3]; /**< per-channel intensity (all three = intensity for a number) */
    char *flat;              /**< flat-field image of this light ("flat": a matte, uniform, flat card in the
                                  object's place, same camera) or NULL; resolved and owned as image */
} skinq_light;

/** A parsed lights file: {"lights":[{"image":"a.png","direction":[x,y,z],"intensity":1.0},…]};
 * "intensity" is a number or [r, g, b] (per colour channel). */
typedef struct skinq_lights {
    int count; /**< 1..SKINQ_LIGHTS_MAX */
    skinq_light *items;
    double px_per_mm; /**< the file's optional top-level "px_per_mm", 0 when absent */
    skinq_allocator alloc;
} skinq_lights;

/** Lights a file may hold. The photometric-stereo solve itself takes any number (its working set
 * is one pixel's observations); the stack's planes are m × width × height floats in memory. */
#define SKINQ_LIGHTS_MAX 1024

/**
 * Read and validate a lights file (cJSON). Every light needs a 3-number, finite, non-zero
 * direction with z > 0 (a light behind the surface cannot light it); "intensity" is optional
 * (a number > 0, or [r, g, b] of numbers > 0); "image" is optional (a string).
 * A directory is read as a DiLiGenT object folder: filenames.txt (required, one image per line),
 * light_directions.txt (required, "x y z" per line, as many), light_intensities.txt (optional,
 * "r g b" per line, as many; absent: 1); blank lines ignored, CRLF taken; px_per_mm 0.
 * @param out  receives the lights; free with skinq_lights_free(). Unchanged on error.
 * @return SKINQ_OK; SKINQ_E_IO (cannot read); SKINQ_E_FORMAT (not JSON, wrong structure,
 *         bad value, more than SKINQ_LIGHTS_MAX lights); SKINQ_E_NOMEM. The message names the
 *         file and the offending light.
 */
skinq_status skinq_lights_load(skinq_ctx *ctx, const char *path, skinq_lights **out);

/** Free lights; NULL-safe; sets *l to NULL. */
void skinq_lights_free(skinq_lights **l);

/** Options of photometric stereo; skinq_ps_default_options() gives the defaults. */
typedef struct skinq_ps_options {
    size_t size;            /**< sizeof(skinq_ps_options), set by skinq_ps_default_options() */
    double outlier_tau;     /**< relative residual (of albedo × light intensity) above which the darkest and
                                 brightest observations are tested as shadow / highlight (default 0.05;
                                 0 = never reject). Rejection needs >= 4 lights. */
    double shadow_fraction; /**< observations <= this × the pixel's brightest are attached shadows and
                                 left out when >= 3 lights remain (default 0.02; 0 = only zeros) */
    double min_albedo;      /**< |albedo·normal| at or below it: no signal, pixel invalid (default 1e-4,
                                 for intensities scaled to 0..1) */
    uint64_t reserved[4];   /**< zero: room to grow inside skinq_depth_options */
    int method;             /**< skinq_ps_method (default SKINQ_PS_AUTO) */
    double trim_dark;       /**< trimmed: fraction of the lit observations dropped from the dark end (0.25) */
    double trim_bright;     /**< trimmed: fraction dropped from the bright end (0.35) */
} skinq_ps_options;

/**
 * Per-pixel estimator of photometric stereo (lib/surface/README.md, "Robust estimation"):
 *  - SKINQ_PS_LS: plain least squares over every observation (Woodham 1980), no rejection;
 *  - SKINQ_PS_SUBSET: least squares without the attached shadows, then the fits without the
 *    darkest / brightest / both tried in closed form (the SIMD row kernel; at most
 *    SKINQ_PS_KERNEL_MAX_LIGHTS lights);
 *  - SKINQ_PS_TRIMMED: order statistics: per pixel the darkest trim_dark and brightest
 *    trim_bright fractions of the lit observations are dropped before least squares (the
 *    rank rule of Coleman & Jain 1982 and Barsky & Petrou 2003 generalised to many lights);
 *  - SKINQ_PS_IRLS: iteratively reweighted least squares with Tukey's biweight (c = 2.5 robust
 *    sigmas) on the residuals, scale from their MAD, started from the trimmed fit (Holland & Welsch 1977;
 *    the robust-regression view of Ikehata et al. 2012);
 *  - SKINQ_PS_LOBE: Lambertian plus a fitted specular lobe, I = g·s + ks·E·max(0, n·h)^q per pixel,
 *    q one exponent per stack (the smallest residual on a sample); started from the trimmed fit
 *    (the dichromatic model of Shafer 1985 with Blinn's lobe); the count's lobe_exponent is q;
 *  - SKINQ_PS_AUTO: SUBSET below 12 lights (too few observations for order statistics or an
 *    M-estimator), TRIMMED from 12 lights (the better worst case of the scenes measured, README).
 * TRIMMED, IRLS, LOBE and LS run the scalar code only (ps_robust.c) and take any number of lights.
 */
typedef enum skinq_ps_method {
    SKINQ_PS_AUTO = 0,
    SKINQ_PS_LS,
    SKINQ_PS_SUBSET,
    SKINQ_PS_TRIMMED,
    SKINQ_PS_IRLS,
    SKINQ_PS_LOBE
} skinq_ps_method;

#define SKINQ_PS_KERNEL_MAX_LIGHTS 64

/** "auto", "ls", "subset", "trimmed", "irls", "lobe" (static; "unknown" for other values). */
const char *skinq_ps_method_name(int method);

/** The method of a name above into *method; -1 when the name is unknown. */
int skinq_ps_method_parse(const char *name, int *method);

void skinq_ps_default_options(skinq_ps_options *o);

/** A photometric-stereo plan: the lights' pseudo-inverse and subset constants (opaque). */
typedef struct skinq_ps_plan skinq_ps_plan;

/**
 * Precompute a Lambertian least-squares solve for a set of lights.
 * @param lights  >= 3 lights; `lights_path` (may be NULL) only names the file in messages.
 * @return SKINQ_OK; SKINQ_E_TOO_FEW (fewer than 3 lights, or directions coplanar / nearly so:
 *         smallest / largest singular value of the light matrix < 0.02); SKINQ_E_NOMEM.
 */
skinq_status skinq_ps_plan_new(skinq_ctx *ctx, const skinq_lights *lights, const char *lights_path,
                               const skinq_ps_options *o, skinq_ps_plan **out);

/** Free a plan; NULL-safe; sets *p to NULL. */
void skinq_ps_plan_free(skinq_ps_plan **p);

/** Counts of the per-pixel outcomes of skinq_ps_execute(). */
typedef struct skinq_ps_counts {
    uint64_t all, no_darkest, no_brightest, no_both, invalid;
    uint64_t shadowed;    /**< pixels (any of the above but invalid) fitted without their shadowed lights */
    double lobe_exponent; /**< SKINQ_PS_LOBE: the specular exponent chosen for the stack (0 otherwise) */
} skinq_ps_counts;

/**
 * Per-pixel normals and albedo from m = light count intensity planes (linear, 0..1 scale
 * expected for min_albedo), spread over the context's threads with the dispatched kernel.
 * @param planes  m pointers, plane k for light k; row y at planes[k] + y·stride.
 * @param stride  floats between rows of the planes (>= width).
 * @param nx,ny,nz,albedo  caller's width×height arrays (no padding); all required.
 * @param code    caller's width×height outcome codes (0 all used, 1 darkest rejected, 2 brightest
 *                rejected, 3 both, 4 no signal; + 8 when shadowed lights were left out) or NULL.
 * @param counts  receives the outcome counts, or NULL.
 * @return SKINQ_OK or SKINQ_E_INVALID (sizes); outputs are fully written on success.
 */
skinq_status skinq_ps_execute(skinq_ctx *ctx, const skinq_ps_plan *p, const float *const *planes, int width,
                              int height, size_t stride, float *nx, float *ny, float *nz, float *albedo,
                              uint8_t *code, skinq_ps_counts *counts);

/**
 * skinq_ps_execute() with a region and a confidence map.
 * @param region      width×height bytes (nonzero = object; row y at region + y·region_stride) or
 *                    NULL (every pixel): pixels outside are not solved (code SKINQ_PS_INVALID,
 *                    normal (0, 0, 1), albedo 0, confidence 0) and not counted.
 * @param confidence  caller's width×height floats in 0..1 or NULL: the share of the m lights
 *                    the estimate kept (IRLS: the sum of the weights) × the conditioning of the
 *                    kept lights' matrix relative to all lights' (sqrt of the eigenvalue ratio,
 *                    at most 1). Low on highlights, hair, grazing and shadowed pixels.
 */
skinq_status skinq_ps_execute_ex(skinq_ctx *ctx, const skinq_ps_plan *p, const float *const *planes,
                                 int width, int height, size_t stride, const uint8_t *region,
                                 size_t region_stride, float *nx, float *ny, float *nz, float *albedo,
                                 float *confidence, uint8_t *code, skinq_ps_counts *counts);

/** The method a plan runs (AUTO resolved). */
int skinq_ps_plan_method(const skinq_ps_plan *p);

/**
 * Normals → height gradients per pixel: p = dz/dx = −nx/nz, q = dz/dy_image = +ny/nz, with nz
 * clamped to >= 1/sqrt(1 + max_slope²) so that |(p, q)| <= max_slope (grazing normals).
 */
void skinq_normals_to_gradients(const float *nx, const float *ny, const float *nz, size_t n, double max_slope,
                                float *p, float *q);

/**
 * Frankot–Chellappa integrator (FFTW, single precision) for one grid size: the plan owns the
 * FFTW plans (made under a process-wide lock with FFTW_ESTIMATE, so results are identical
 * between runs) and its scratch (sized for the ctx's thread count). One plan may be executed by
 * one caller at a time; make one per caller for concurrent use.
 *
 * Method: the height is the least-squares fit, per frequency, of a cosine series to the
 * gradients after mirror (even-symmetric, half-sample) extension of the height, i.e. FC on the
 * 2W×2H mirrored field, computed with real DCT-II / DST-II transforms of the W×H field (same
 * result, a quarter of the work). Mirroring removes the wrap-around discontinuities plain FC
 * suffers at the borders. Limits: the mean height is unobservable (output has mean 0); errors
 * in the gradients integrate into low-frequency drift (bowing) that grows with the field size,
 * so heights are relative within the field, not absolute; a non-integrable gradient field (e.g.
 * from shadows) gives the closest integrable surface, not the true one.
 */
typedef struct skinq_integrator skinq_integrator;

/**
 * @return SKINQ_OK; SKINQ_E_INVALID (width or height < 2); SKINQ_E_LIMIT (above the ctx's
 *         max_pixels); SKINQ_E_NOMEM. On error *out is unchanged.
 */
skinq_status skinq_integrator_new(skinq_ctx *ctx, int width, int height, skinq_integrator **out);

/** Free a plan; NULL-safe; sets *p to NULL. */
void skinq_integrator_free(skinq_integrator **p);

/**
 * Integrate gradients p = dz/dx, q = dz/dy_image (per pixel, image rows down; non-finite values
 * count as 0) into z (width×height, caller's; same unit as the gradients × pixels, mean 0).
 * To get millimetres from dimensionless slopes divide z by px_per_mm. The work spreads over
 * ctx's threads (ctx may be NULL: this thread only); the result does not depend on the thread
 * count. One plan must not be executed by two threads at once. Cannot fail.
 */
void skinq_integrate(skinq_ctx *ctx, skinq_integrator *plan, const float *p, const float *q, float *z);

/**
 * Deconvolve a width×height field by a Gaussian of sigma_px (translucency: light scattered under
 * the skin blurs the shading, so photometric stereo sees the normals blurred): a Wiener gain
 * Ĝ(1 + λ)/(Ĝ² + λ), Ĝ = exp(−σ²ω²/2), on the mirror-extended field (the DCT domain of the
 * integrator's plans; the mean is kept, the gain stays below (1 + λ)/(2√λ)). Non-finite inputs count
 * as 0; out may be in. Not at the same time as another call on the same plan.
 */
void skinq_integrator_deblur(skinq_ctx *ctx, skinq_integrator *plan, const float *in, double sigma_px,
                             double lambda, float *out);

/**
 * skinq_integrate() over a region only (nonzero bytes of `region`, width×height, row y at
 * region + y·region_stride): the least-squares height of the gradients inside, with the
 * outside left free. Method: the gradients outside are replaced by those of the current
 * estimate (central differences) and Frankot–Chellappa is run again, `iters` times (a
 * Gerchberg–Papoulis style alternating projection; the first pass has zero gradients outside),
 * so what lies outside (a table, a step at the object's edge) does not bleed into the height
 * inside. z outside is the smooth extension the iteration converged to (callers mask it).
 * The mean of z over the region is 0. iters <= 0 takes 40. Cannot fail but for memory:
 * @return SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status skinq_integrate_region(skinq_ctx *ctx, skinq_integrator *plan, const float *p, const float *q,
                                    const uint8_t *region, size_t region_stride, int iters, float *z);

/** Scar type hint from shape. */
typedef enum skinq_scar_type {
    SKINQ_SCAR_ICEPICK, /**< narrow and deep, tapering (max depth >= 0.25 × equivalent diameter) */
    SKINQ_SCAR_BOXCAR,  /**< flat-bottomed: >= 35 % of its area within 75 % of its max depth */
    SKINQ_SCAR_ROLLING  /**< shallow and wide, sloping */
} skinq_scar_type;

/** "icepick", "boxcar", "rolling" (static; "unknown" for other values). */
const char *skinq_scar_type_name(skinq_scar_type t);

/** One scar. Lengths in mm (pixels when the lateral scale is unknown), depths in height units. */
typedef struct skinq_scar {
    double max_depth;      /**< deepest point below the reference surface */
    double mean_depth;     /**< mean depth over its area */
    double area;           /**< area deeper than min_depth (mm², or px²) */
    double volume;         /**< depth integrated over the region down to low_fraction·min_depth */
    double equiv_diameter; /**< 2·sqrt(area/π) */
    double centroid[2];    /**< x right, y down, from the top-left corner of the image */
    double flat_fraction;  /**< share of the area within 75 % of max_depth (a flat floor → near 1) */
    skinq_rect bbox;       /**< pixel bounding box of the region */
    int pixels;            /**< pixels in the area */
    skinq_scar_type type;
} skinq_scar;

/** Options of skinq_scars_find(); skinq_scars_default_options() gives the defaults. */
typedef struct skinq_scars_options {
    size_t size;            /**< sizeof(skinq_scars_options), set by skinq_scars_default_options() */
    double min_depth;       /**< depth that makes a scar, in height units (default 0.05) */
    double low_fraction;    /**< the region (for volume) grows down to low_fraction·min_depth (0.2) */
    double ref_scale_mm;    /**< scale of the reference surface (default 5): a local quadratic fit with
                                 a Gaussian kernel of sigma = ref_scale, iterated so that pixels below
                                 it (by 3 robust noise sigmas, within 0.1-0.5 × min_depth) do not
                                 count: depressions narrower than about 2 × ref_scale are bridged */
    double min_area_mm2;    /**< smaller regions are ignored (default 0.05 mm²; 9 px when scale unknown) */
    const skinq_mask *mask; /**< if given: the scars are this mask's connected regions (and they are
                                 left out of the reference fit) instead of thresholded depressions */
    uint64_t reserved[4];   /**< zero: room to grow inside skinq_depth_options */
} skinq_scars_options;

void skinq_scars_default_options(skinq_scars_options *o);

/** Result of skinq_scars_find(); free with skinq_scars_free(). */
typedef struct skinq_scars {
    int width, height;
    int count;
    skinq_scar *items; /**< sorted by max depth, deepest first */
    float *reference;  /**< width×height reference surface (height units) */
    float *depth;      /**< width×height reference − height (positive below), NaN where unknown */
    int32_t *labels;   /**< width×height: k+1 inside items[k]'s region (volume region), else 0 */
    double max_depth, mean_depth, area, volume; /**< totals: max, area-weighted mean, sums */
    double sa, sq;       /**< ISO 25178-style Sa, Sq of height − reference over valid pixels */
    double ref_sigma_px; /**< the reference kernel's sigma actually used, in pixels */
    skinq_allocator alloc;
} skinq_scars;

/**
 * Find and measure depressions in a height field: reference surface, depth = reference −
 * height, scars = 8-connected regions deeper than min_depth with at least min_area (or the
 * mask's regions). Per scar: max depth (the deepest pixel: on noisy heights it reads high by
 * about 2-3 noise sigmas), mean depth and area over the pixels deeper than min_depth, volume =
 * signed depth summed over the region grown (through 5×5-mean depth > low_fraction·min_depth)
 * around it, centroid, equivalent diameter and a type hint (boxcar when flat_fraction >= 0.35,
 * else icepick when max depth >= 0.25 × equivalent diameter, else rolling; the icepick test
 * needs heights and lengths in one unit, so without a lateral scale a height map in mm gets no
 * icepick hint).
 * @param height     width×height heights (NaN = unknown, ignored).
 * @param px_per_mm  lateral scale; <= 0 when unknown (then areas are px², lengths px, and the
 *                   reference sigma is min(width, height)/20 px).
 * @return SKINQ_OK; SKINQ_E_INVALID (sizes, options, mask size differs); SKINQ_E_EMPTY_ROI (no
 *         finite height); SKINQ_E_NOMEM. On error *out is unchanged.
 */
skinq_status skinq_scars_find(skinq_ctx *ctx, const float *height, int width, int height_px, double px_per_mm,
                              const skinq_scars_options *o, skinq_scars **out);

/** Free a result; NULL-safe; sets *s to NULL. */
void skinq_scars_free(skinq_scars **s);

/** A height map; free with skinq_heightmap_free(). */
typedef struct skinq_heightmap {
    int width, height;
    float *data;           /**< width×height heights in mm, row-major */
    skinq_allocator alloc; /**< the allocator that owns the map (internal) */
} skinq_heightmap;

/**
 * Load a height map: an 8- or 16-bit grayscale PNG, height_mm = value × z_scale.
 * @param out  receives the map; unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (z_scale <= 0 or not finite); SKINQ_E_UNSUPPORTED (colour
 *         image); SKINQ_E_NOMEM; errors of skinq_image_load(). The message names the file.
 */
skinq_status skinq_heightmap_load(skinq_ctx *ctx, const char *path, double z_scale, skinq_heightmap **out);

/** Free a height map; NULL-safe; sets *h to NULL. */
void skinq_heightmap_free(skinq_heightmap **h);

/** Options of the `depth` pipeline; fill with skinq_depth_default_options() first. */
typedef struct skinq_depth_options {
    size_t size;               /**< sizeof(skinq_depth_options), set by skinq_depth_default_options() */
    double px_per_mm;          /**< lateral scale; 0 = unknown (a stack's lights file may give it) */
    double z_scale;            /**< height maps: mm per unit of the PNG (required, > 0) */
    skinq_scars_options scars; /**< scars.min_depth <= 0 (the default here): 0.05 mm, or 1 px when heights
                                    are in px (a stack without any scale) */
    const char *mask_name;     /**< the file scars.mask came from, for messages (NULL: "the mask") */
    skinq_ps_options ps;
    double max_slope;          /**< photometric stereo: steepest slope kept (default 10) */
    const skinq_mask *region;  /**< photometric stereo: valid pixels (nonzero = object) or NULL (all):
                                    the background is left out of the normal statistics, the
                                    integration (skinq_integrate_region), the scars and the surface
                                    statistics (its heights are NaN). Not scars.mask. */
    const char *region_name;   /**< the file region came from, for messages */
    const char *truth_normals; /**< photometric stereo: a 16-bit RGB PNG of true normals ((n+1)/2 ×
                                    65535, x right, y up, z out), or a name ending in ".txt": a
                                    DiLiGenT normal.txt (one "nx ny nz" line per pixel, row-major,
                                    width×height of them), or NULL: angular error statistics */
    double min_confidence;     /**< scars are not reported on pixels whose PS confidence is below
                                    this × the region's median confidence (default 0.1; 0 = off) */
    double translucency_mm;    /**< photometric stereo: sigma (mm) of the Gaussian by which light
                                    scattered under the surface blurs the shading; the normals are
                                    deconvolved by it (Wiener) before integration. 0 (default) = none;
                                    > 0 needs the lateral scale (SKINQ_E_INVALID without) */
} skinq_depth_options;

void skinq_depth_default_options(skinq_depth_options *o);

/** Result of a `depth` analysis; free with skinq_depth_free(). */
typedef struct skinq_depth_result {
    char input[24]; /**< "height-map", "photometric-stereo" or "single-photo" */
    int width, height;
    int relative;          /**< 1 when heights are not in mm (single photo; stack without a scale) */
    double px_per_mm;      /**< 0 when unknown */
    char scale_source[16]; /**< "option", "lights-file" or "unknown" */
    char z_unit[12];       /**< unit of heights and depths: "mm", "px" (stack without scale), "relative" */
    char xy_unit[8];       /**< "mm" or "px" */
    float *z;              /**< width×height height (z_unit), NULL for a single photo */
    float *nx, *ny, *nz, *albedo; /**< photometric stereo only, else NULL */
    float *confidence;            /**< photometric stereo only: 0..1 per pixel (skinq_ps_execute_ex) */
    char ps_method[8];            /**< photometric stereo: the method run ("subset", "irls", ...) */
    float *shading_index;  /**< single photo only: relative darkening below the local reference (0..1) */
    skinq_scars *scars;    /**< NULL for a single photo */
    double min_depth;      /**< the scar threshold used (z_unit) */
    skinq_metrics metrics; /**< every number under the design's paths (surface.*, scars.*); a path
                                whose name says mm holds NaN when its unit is not mm, and its _px
                                sibling (scars.area_px ...) the value */
    const skinq_mask *roi; /**< the mask the analysis used (borrowed from the options), or NULL */
    skinq_allocator alloc;
} skinq_depth_result;

/**
 * Height map → scars. @return as skinq_heightmap_load() and skinq_scars_find(), and
 * SKINQ_E_FORMAT when scars.mask differs in size from the input (every pipeline checks that);
 * SKINQ_E_EMPTY_ROI when no pixel is left to fit the reference surface. On error *out is
 * unchanged.
 */
skinq_status skinq_depth_from_height(skinq_ctx *ctx, const char *path, const skinq_depth_options *o,
                                     skinq_depth_result **out);

/**
 * Photometric-stereo stack → normals, albedo, height (Frankot–Chellappa) → scars.
 * @param images  n image paths in light order; n = 0 takes the "image" names of the lights file.
 *                When every light names an image and every given path's file name matches exactly
 *                one of them, images are matched by name, else by order.
 * 8-bit images are taken as sRGB and linearised, 16-bit ones as linear; colour → luminance
 * (with [r, g, b] light intensities: of the channels each divided by its own intensity, times
 * the intensities' luminance). Any number of lights (methods: skinq_ps_method).
 * @return SKINQ_OK; SKINQ_E_FORMAT (bad lights file, image count ≠ light count, images of
 *         different sizes); SKINQ_E_TOO_FEW (< 3 lights, coplanar directions); load errors.
 */
skinq_status skinq_depth_from_stack(skinq_ctx *ctx, const char *lights_path, const char *const *images, int n,
                                    const skinq_depth_options *o, skinq_depth_result **out);

/**
 * One photo → a relative shading-based depression index (no heights, no mm): 1 − Y/Y_ref, where
 * Y is linear luminance and Y_ref a robust large-scale fit of log Y that ignores darker spots.
 * Dark = depressed holds only for roughly frontal, diffuse light and even pigment.
 */
skinq_status skinq_depth_from_photo(skinq_ctx *ctx, const char *path, const skinq_depth_options *o,
                                    skinq_depth_result **out);

/**
 * Write the maps of a result into dir (created if missing, one level): height.png
 * (colour-coded with a legend), depth.png (below the reference), normals.png (16-bit RGB,
 * (n + 1)/2 × 65535, x right, y up, z out), confidence.png (8-bit, 0..1), albedo.png,
 * scars.png (outlines on the albedo or a shaded height); shading.png for a single photo.
 * All or none: every map is written complete under a staging name and they are renamed into
 * place together; on error none of this call's maps is left in dir.
 * @return SKINQ_OK, SKINQ_E_IO (the message names the folder or file), SKINQ_E_NOMEM.
 */
skinq_status skinq_depth_write_maps(skinq_ctx *ctx, const skinq_depth_result *r, const char *dir);

/** Free a result; NULL-safe; sets *r to NULL. */
void skinq_depth_free(skinq_depth_result **r);

/** Where a depth result came from, for its JSON document's provenance. */
typedef struct skinq_depth_inputs {
    const char *path;          /**< the height map, the lights file or folder, or the single photo */
    const char *const *images; /**< a stack's images as given to skinq_depth_from_stack() (n_images 0:
                                    the lights' own) */
    int n_images;
    const char *region_source; /**< how o->region_name was chosen: skinq_depth_region_pick() */
    const char *maps_dir;      /**< where skinq_depth_write_maps() wrote, or NULL */
} skinq_depth_inputs;

/**
 * The photometric-stereo region `depth` uses: `region` when given ("option"), else the mask.png of a
 * lights folder that has one ("lights-folder"), else none ("none").
 * @param path    receives the file (malloc'd: free()), or NULL for none
 * @param source  receives the word above
 * @return SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status skinq_depth_region_pick(const char *lights, const char *region, char **path,
                                     const char **source);

/**
 * A depth result as the JSON document of `skinq depth --json` (skinq_version, input, the inputs'
 * provenance (image; lights, region_file, truth_normals, images for a stack), scale, relative, units,
 * roi, calibration, parameters, surface.*, scars.* with their items, maps), compact; the one writer
 * the CLI and the Python binding share. Every input file is read again for its SHA-256.
 * @param o    the options the result was computed with
 * @param out  receives the string (free with skinq_json_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (NULL argument); an input's read error (the message names it);
 *         SKINQ_E_NOMEM.
 */
skinq_status skinq_depth_json(skinq_ctx *ctx, const skinq_depth_result *r, const skinq_depth_options *o,
                              const skinq_depth_inputs *in, char **out);

/* ------------------------------------------------------ align (lib/align) */

/*
 * Before/after alignment and colour normalisation (design §2 "Alignment and normalisation").
 * Matrices are 3×3, row-major, homogeneous, in pixels (x right, y down, the centre of the
 * top-left pixel at (0, 0)); a registration's matrix maps a pixel of the after image onto
 * the before image. Colour matrices act on linear RGB column vectors: out = M · in.
 */

/** Options of skinq_align_register(); fill with skinq_align_default_options() first. */
typedef struct skinq_align_options {
    size_t size;        /**< sizeof(skinq_align_options), set by skinq_align_default_options() */
    int no_align;       /**< 1: no registration; the identity (images taken as aligned), never fails */
    int feature_size;   /**< long side (px) of the luminance the features are found on (default 1024) */
    int max_features;   /**< strongest AKAZE keypoints kept per image (default 4000) */
    double ratio;       /**< Lowe's ratio test (default 0.8) */
    int min_inliers;    /**< fewer RANSAC inliers: poor fit (default 20) */
    double min_overlap; /**< smaller fraction of before covered by after: poor fit (default 0.5) */
    int ecc_size;       /**< long side (px) of the ECC level (default 1024, the features' scale:
                             ECC at 2048 px costs ~0.5 s more on a 12-MP pair for 0.011 vs 0.020 px,
                             against a 2-px requirement; 0 = full resolution; -1 = no ECC,
                             features + RANSAC only) */
    const skinq_mask *after_mask; /**< NULL or after's usable pixels (e.g. its alpha), borrowed */
    /* Acceptance (lib/align/README.md "Acceptance"); 0 = the default, < 0 = check off. */
    double min_inlier_ratio; /**< fewer RANSAC inliers per ratio-test match: poor fit (default 0.3;
                                  measured: unrelated photos 0.04-0.08, healing pairs 0.91-0.99) */
    double max_rms_px;       /**< larger inlier rms at the features' scale (rms_px divided by the
                                  before image's downscale to feature_size): poor fit (default 2) */
    double min_ncc;          /**< skinq_compare only: a lower band-pass correlation of the registered
                                  luminances inside the common ROI: poor fit (default 0.3; see
                                  skinq_compare_result.ncc) */
    uint64_t reserved[1];    /**< zero: room to grow inside skinq_compare_options */
} skinq_align_options;

/** Defaults as documented on each field. */
void skinq_align_default_options(skinq_align_options *o);

/** Result of a registration. Plain struct, the caller's. */
typedef struct skinq_alignment {
    char method[40];  /**< "akaze+ransac+ecc", "akaze+ransac" (ECC off, failed or rejected) or "none" */
    int ok;           /**< 1 when the fit passed every check (always 1 for "none") */
    int keypoints[2]; /**< keypoints found on before, after */
    int matches;      /**< matches passing the ratio test */
    int inliers;      /**< RANSAC inliers among them */
    double rms_px;    /**< RMS distance (before px) of the inlier matches under `matrix`; NaN for "none" */
    double overlap;   /**< fraction of before's pixels that warped after covers (0..1) */
    double ecc;       /**< ECC correlation coefficient at the finest level (NaN when not run) */
    int ecc_accepted; /**< 1 when the ECC refinement was kept: it converged and lowered the
                           photometric residual below the features' fit's (else that fit is kept) */
    double matrix[9]; /**< after pixel → before pixel */
    int before_size[2], after_size[2]; /**< width, height of the two images */
    /* The photometric residual, 1 − band-pass NCC of before's and warped after's luma at the
     * features' scale over their overlap (the pixels that disagree under the features' fit left out):
     * [0] under the features' fit, [1] under ECC's (NaN when ECC did not run or converge). The
     * lower one's matrix is kept. */
    double residual[2];
    /* The viewpoint change the matrix implies (lib/align/README.md "Acceptance"). */
    double tilt_deg;        /**< tilt at after's centre: acos(σ2/σ1) of the matrix's Jacobian there
                                 (ASIFT's t = 1/cos θ); 0 for a similarity */
    double scale_range[2];  /**< least and greatest local scale (before px per after px, sqrt|det| of
                                 the Jacobian) over after's corners and centre */
    double perspective;     /**< |h20|·w + |h21|·h of the normalised matrix, after's w × h: how much the
                                 projective term changes across the frame (0 for an affine map) */
    int strong_perspective; /**< 1 when perspective > 0.3: then accepted only with the stronger support
                                 (inliers, their ratio, their coverage) that the README gives */
    double inlier_coverage; /**< share of the 4×4 cells of after's frame inside before that hold an
                                 inlier match (0..1) */
} skinq_alignment;

/**
 * Register `after` onto `before` (8/16-bit gray or RGB, any sizes): AKAZE features on a
 * CLAHE-equalised, downscaled luminance, Lowe's ratio test, RANSAC homography, then ECC
 * (homography, lib/align/ecc.c, the mask applied to every sum) at ecc_size from the features' fit, with the
 * pixels that disagree under that fit (cards fixed in the frame, highlights, the changed skin itself) left
 * out (found again under ECC's result and ECC re-run once when it moved the overlap by over 1 px); ECC's
 * result is kept only when it lowers the photometric residual (`residual`). The fit is poor when there
 * are fewer than min_inliers inliers or fewer than min_inlier_ratio of the matches, the matrix is
 * degenerate (mirrors, local scale beyond 2× at after's centre, part of after's frame beyond the horizon,
 * local scale varying more than 3× across it, or not invertible), the inliers' rms at the features' scale
 * is above max_rms_px, a strong perspective lacks the support it needs (100 inliers, 40 % of the matches,
 * spread over half the overlap), or the overlap is below min_overlap (checked in that order).
 * @param o    options, or NULL for the defaults.
 * @param out  always filled when the images are valid (ok = 0 for a poor fit).
 * @return SKINQ_OK; SKINQ_E_ALIGN (poor fit; the message says which test failed and by how
 *         much); SKINQ_E_INVALID (bad options, after_mask size); SKINQ_E_NOMEM; SKINQ_E_INTERNAL.
 */
skinq_status skinq_align_register(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after,
                                  const skinq_align_options *o, skinq_alignment *out);

/**
 * Resample `after` into before's frame (width × height) through a registration matrix, bilinear.
 * @param out    receives the warped image (after's channels and depth; 0 outside), caller frees.
 * @param valid  receives a mask of the pixels whose every bilinear source lies inside after (and
 *               inside after_mask when given), or NULL if not wanted; caller frees.
 * @return SKINQ_OK; SKINQ_E_INVALID (sizes, matrix not invertible); SKINQ_E_LIMIT; SKINQ_E_NOMEM;
 *         SKINQ_E_INTERNAL. On error nothing is returned.
 */
skinq_status skinq_align_warp(skinq_ctx *ctx, const skinq_image *after, const skinq_mask *after_mask,
                              const double matrix[9], int width, int height, skinq_image **out,
                              skinq_mask **valid);

/**
 * The common region of interest: valid ∩ roi_mask ∩ roi_rect (each optional: NULL = everything),
 * all in before's frame, so both analyses run on exactly the same pixels.
 * @param out  receives a new mask of valid's size (caller frees).
 * @return SKINQ_OK; SKINQ_E_INVALID (mask sizes differ); SKINQ_E_EMPTY_ROI (empty intersection);
 *         SKINQ_E_NOMEM.
 */
skinq_status skinq_align_common_roi(skinq_ctx *ctx, const skinq_mask *valid, const skinq_mask *roi_mask,
                                    const skinq_rect *roi_rect, skinq_mask **out);

/**
 * Apply a 3×3 matrix in linear RGB to an 8/16-bit sRGB image: decode (IEC 61966-2-1), out = M·rgb,
 * clamp, encode to the same depth. Gains are the diagonal matrix {g0,0,0, 0,g1,0, 0,0,g2}.
 * @param out  receives the corrected image (same size, channels, depth); caller frees.
 * @return SKINQ_OK; SKINQ_E_UNSUPPORTED (not RGB); SKINQ_E_INVALID (non-finite matrix); SKINQ_E_NOMEM.
 */
skinq_status skinq_align_apply_matrix(skinq_ctx *ctx, const skinq_image *img, const double m[9],
                                      skinq_image **out);

/**
 * `--ref` normalisation: per-channel linear gains that make after's mean linear RGB over `ref`
 * equal before's (gain_c = mean_before_c / mean_after_c), both images in before's frame, over the
 * rectangle's pixels inside `valid` (NULL = all) with no channel at 0 or full scale in either.
 * @param pixels  receives the pixel count used, may be NULL.
 * @return SKINQ_OK; SKINQ_E_INVALID (sizes differ); SKINQ_E_UNSUPPORTED (not RGB); SKINQ_E_EMPTY_ROI
 *         (no usable pixel). gains unchanged on error.
 */
skinq_status skinq_align_ref_gains(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after,
                                   const skinq_mask *valid, skinq_rect ref, double gains[3],
                                   uint64_t *pixels);

/** Number of ColorChecker Classic patches. */
#define SKINQ_CHART_PATCHES 24

/**
 * Corner points of a ColorChecker from a chart file (cJSON). Accepted forms:
 *   {"corners": [[x,y],[x,y],[x,y],[x,y]]}                    (one chart for every image; `skinq synth
 *                                                              --kind chart` writes this chart.json)
 *   {"images": [{"image": "before.jpg", "corners": [...]}, ...]} (per image, matched by file name)
 * Corners are the outer corners of the 6×4 patch area: top-left (dark skin), top-right (bluish
 * green), bottom-right (black), bottom-left (white), in pixels.
 * @param image  the image's path (its file name selects an "images" entry), may be NULL.
 * @return SKINQ_OK; SKINQ_E_IO; SKINQ_E_FORMAT (not JSON, no corners for the image, not 4 finite
 *         points, a degenerate quadrilateral), the message naming the file.
 */
skinq_status skinq_chart_load(skinq_ctx *ctx, const char *path, const char *image, double corners[4][2]);

/** A chart calibration. Plain struct, the caller's. */
typedef struct skinq_chart_fit {
    double matrix[9]; /**< linear RGB: reference ≈ matrix · measured (least squares) */
    int patches;      /**< patches used (clipped ones are left out of the fit) */
    double measured[SKINQ_CHART_PATCHES][3]; /**< robust mean linear RGB per patch */
    double de_before[SKINQ_CHART_PATCHES], de_after[SKINQ_CHART_PATCHES]; /**< patch ΔE2000 vs reference */
    double de_before_mean, de_before_max, de_after_mean, de_after_max;    /**< over the patches used */
    double corners[4][2]; /**< the patch area's corners sampled (top-left: dark skin, top-right, bottom-right,
                               bottom-left: white), image pixels */
    int detected;         /**< 1: the corners were found by skinq_chart_detect() (OpenCV mcc) */
    double box[4][2];     /**< detected: mcc's box (the chart model's outline), in mcc's order */
    double detect_cost;   /**< detected: mcc's cost of the match (lower is better); NaN otherwise */
    int orientation;      /**< detected: the box corner (0-3) found to be the chart's top-left */
    double orientation_next_de; /**< detected: mean ΔE2000 after of the next-best orientation's fit
                                     (how clearly the orientation was chosen); NaN when none fitted */
} skinq_chart_fit;

/**
 * Calibrate from a ColorChecker in `img` (8/16-bit RGB): each of the 24 cells of the corner
 * quadrilateral (bilinear grid) is sampled over its inner 50 %, a robust mean per channel
 * (mean within 2.5 MADs of the median) in linear RGB; the 3×3 matrix is the least-squares fit
 * to X-Rite's published sRGB reference values (the table the chart phantom uses). ΔE2000 is
 * reported before (measured) and after (matrix · measured), CIELAB D65.
 * @return SKINQ_OK; SKINQ_E_UNSUPPORTED (not RGB); SKINQ_E_INVALID (corners outside the image);
 *         SKINQ_E_TOO_FEW (fewer than 6 unclipped patches, or a singular fit); SKINQ_E_NOMEM.
 */
skinq_status skinq_chart_calibrate(skinq_ctx *ctx, const skinq_image *img, const double corners[4][2],
                                   skinq_chart_fit *out);

/**
 * Find a ColorChecker Classic in `img` and calibrate from it (`--chart auto`): OpenCV's mcc detector
 * (the contrib module, MCC24, no neural network; images above 2048 px are searched downscaled) gives
 * the chart model's box; the patch area is its inner rectangle (0.25 of the model's 16.75 × 11.25
 * units in on every side); each of the box's four turns is calibrated as skinq_chart_calibrate()
 * does, and the one with the smallest mean ΔE2000 after the fit is kept (the chart may lie turned
 * 180°). out->corners, box, detect_cost, orientation and orientation_next_de say what was found.
 * @return SKINQ_OK; SKINQ_E_TOO_FEW "no colour chart found" (out->detected 0), or found but no
 *         turn could be sampled (out->detected 1); SKINQ_E_UNSUPPORTED (not RGB); SKINQ_E_NOMEM;
 *         SKINQ_E_INTERNAL (OpenCV failed).
 */
skinq_status skinq_chart_detect(skinq_ctx *ctx, const skinq_image *img, skinq_chart_fit *out);

/*
 * Before/after comparison (design §3 `compare`): calibrate each photo (--chart or --white),
 * register after onto before, warp it, normalise it to before on reference skin (--ref), check
 * that the registered pair shows the same structure (align.min_ncc), analyse both on the common
 * ROI (after's colour on its warped pixels, its texture on its own: skinq_compare_result), and
 * measure ΔE2000 and every metric's change. The analysis types come
 * from lib/pipeline (declared further down); results hold them through pointers.
 */
typedef struct skinq_analysis_options skinq_analysis_options;
typedef struct skinq_analysis skinq_analysis;
typedef struct skinq_analyzer skinq_analyzer;

/** One metric path's change between the two analyses (its verdict: skinq_delta_verdict). */
typedef struct skinq_delta {
    char path[80];
    char unit[16];
    double before, after;
    double change;  /**< after − before */
    double percent; /**< 100·change/|before|; 0 when both are 0; NaN when only before is 0 */
    int improved; /**< 1 when the verdict is "improved" (beyond the MDC), 0 otherwise, -1 no direction defined
                   */
} skinq_delta;

/** The verdict on one delta, in an array parallel to skinq_compare_result.delta (skinq_delta's size is
 * fixed by the promise above, so what a change means lives beside it). */
typedef struct skinq_delta_verdict {
    double mdc95;   /**< absolute, in the metric's unit (the registry's default); NaN when none is known */
    double percent; /**< skinq_change_percent(): NaN ("n/a") when |before| < mdc95 or before is 0 */
    int verdict;    /**< a skinq_verdict (skinq_change_verdict() with the registry's direction) */
} skinq_delta_verdict;

/** Options of skinq_compare(); fill with skinq_compare_default_options() first. */
typedef struct skinq_compare_options {
    size_t size; /**< sizeof(skinq_compare_options), set by skinq_compare_default_options() */
    const skinq_analysis_options *analysis; /**< ROI (on before), ref, white, scale, texture; NULL = defaults.
                                                 Its maps are ignored. Not read when `analyzer` is set. */
    skinq_analyzer *analyzer;  /**< NULL, or an analyser (of the same ctx) whose options and texture plan both
                                    analyses use: kept across many compares (`track add`) */
    skinq_align_options align; /**< align.no_align = 1 for --no-align */
    const char
        *chart_path;      /**< --chart FILE (skinq_chart_load() for each photo), "auto" (skinq_chart_detect()
                               on each photo: a photo without a chart fails with SKINQ_E_TOO_FEW), or NULL */
    const char *maps_dir; /**< NULL, or write the maps there (lib/align/README.md "Maps"): aligned_after.png,
                               side_by_side.png (labelled, ROI outlined), redness_before.png and
                               redness_after.png (a* on one scale), redness_change.png (Δa*) and
                               delta_e2000.png on fixed scales (skinq_compare_maps), all from the
                               calibrated, registered and normalised pixels the numbers come from */
    int map_max_size;     /**< longest side of the side-by-side and heat maps (default 2048) */
    int after_only;       /**< 1: measure only after (registered, normalised, on the common ROI):
                               no before analysis, ΔE2000, deltas or maps (`track add`, which
                               stored the before photo's numbers already); default 0 */
    const char *before_label, *after_label; /**< with maps_dir: how the maps name the photos (e.g. their
                                                 dates); NULL = their file names */
} skinq_compare_options;

void skinq_compare_default_options(skinq_compare_options *o);

/** The scales of compare's maps. The change maps' are fixed (never taken from the pictures): Δa* over
 * ±5 MDC95 of color.a.mean with grey where |Δa*| <= MDC95, but at least ±5 a* and 0.5 a* (a map cell
 * is noisier than the ROI's mean; these are the scale while the registry has no MDC95 for it);
 * ΔE2000 (no registry MDC) over 0..10 with grey <= 1. */
typedef struct skinq_compare_maps {
    double da_max, da_band; /**< redness_change.png spans ±da_max a*, grey where |Δa*| <= da_band */
    double da_mdc95; /**< the registry's MDC95 of color.a.mean at before's value; NaN when it has none */
    double de_max, de_band; /**< delta_e2000.png spans 0..de_max ΔE00, grey where ΔE00 <= de_band */
    double a_lo, a_hi;      /**< redness_before.png and redness_after.png share this a* range (2nd..98th
                                 percentile of both maps' ROI cells) */
} skinq_compare_maps;

/** Result of skinq_compare(); free with skinq_compare_free(). */
typedef struct skinq_compare_result {
    skinq_analysis *before, *after; /**< full analyses on the common ROI (after: colour warped and
                                         normalised, texture in its own pixels: see below) */
    skinq_alignment alignment;
    int has_chart, has_white, has_ref;
    skinq_chart_fit chart[2]; /**< before, after (has_chart) */
    double white_gains[2][3]; /**< before, after (has_white) */
    double ref_gains[3];      /**< after's linear gains from --ref (1, 1, 1 without) */
    uint64_t ref_pixels;
    uint64_t roi_pixels;              /**< pixels in the common ROI */
    double delta_e_mean, delta_e_p95; /**< ΔE2000 (CIE 2000, kL=kC=kH=1) per pixel over the common ROI */
    skinq_delta *delta;               /**< one per metric path present in both analyses, before's order */
    size_t delta_count;
    skinq_allocator alloc;        /**< the allocator that owns the result (internal) */
    skinq_delta_verdict *verdict; /**< delta_count entries, parallel to delta */
    int has_maps;                 /**< 1 when maps were written (maps_dir set, not after_only) */
    skinq_compare_maps maps;      /**< their scales (has_maps) */
    /* Where each family was measured (lib/align/README.md "What is measured where"): colour on after
     * warped into before's frame; texture on after's own pixels, the common ROI mapped into after
     * through the matrix (nearest neighbour), at after's own scale. */
    double ncc;                /**< band-pass correlation of before's and registered after's luminance
                                    inside the common ROI (1 = same structure, ~0 unrelated photos) */
    double after_scale;        /**< before px per after px at the ROI's centroid: sqrt|det| of the
                                    matrix's Jacobian there (NaN without texture) */
    double after_px_per_mm;    /**< the scale texture of after was measured at: px_per_mm / after_scale
                                    (0 when the scale is unknown; texture is then converted into before's
                                    pixel units) */
    uint64_t after_roi_pixels; /**< pixels of the common ROI in after's own frame */
} skinq_compare_result;

/**
 * Compare two photos of one site.
 * @param o    options, or NULL for the defaults.
 * @param out  receives the result (free with skinq_compare_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_ALIGN (registration too poor; the message says which test failed and
 *         by how much); SKINQ_E_EMPTY_ROI; load, calibration and analysis errors (messages name the
 *         file); SKINQ_E_IO (maps); SKINQ_E_INVALID (options).
 */
skinq_status skinq_compare(skinq_ctx *ctx, const char *before_path, const char *after_path,
                           const skinq_compare_options *o, skinq_compare_result **out);

/** Free a result; NULL-safe; sets *r to NULL. */
void skinq_compare_free(skinq_compare_result **r);

/**
 * A comparison as the JSON document of `skinq compare --json` (before, after, alignment,
 * calibration, common_roi, delta_e2000, maps, verdict_rule, delta), compact; the one writer the
 * CLI and the Python binding share.
 * @param co      the options the comparison ran with (co->analysis NULL: the defaults)
 * @param camera  the --camera CSV's name for formulas.skin_model (NULL: none named)
 * @param out     receives the string (free with skinq_json_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (NULL argument); SKINQ_E_NOMEM (or clashing metric paths).
 */
skinq_status skinq_compare_json(const skinq_compare_result *r, const skinq_compare_options *co,
                                const char *camera, char **out);

/*
 * Repeatability (`skinq repeat`): photos of one unchanged site, each registered onto the first
 * and calibrated, normalised and measured exactly as skinq_compare() measures an after photo
 * (the first as compare's before); per metric the spread of its values over the photos. With
 * SD the sample standard deviation, MDC95 = 1.96·√2·SD is the smallest change between two
 * photos that measurement noise alone exceeds in only 5 % of pairs.
 */

/** One metric's repeatability over the photos. */
typedef struct skinq_repeat_stat {
    char path[80];
    char unit[16];
    int n;             /**< photos with a finite value */
    double mean;       /**< NaN when n = 0 */
    double sd;         /**< sample standard deviation (n − 1 in the denominator); NaN when n < 2 */
    double cv_percent; /**< 100·sd/|mean|; NaN when |mean| does not exceed mdc95 (zero within noise) */
    double sem;        /**< sd/√n */
    double mdc95;      /**< 1.96·√2·sd */
} skinq_repeat_stat;

/** Result of skinq_repeat(); free with skinq_repeat_free(). */
typedef struct skinq_repeat_result {
    size_t n_images;
    skinq_analysis **analyses;  /**< per photo, in the order given, on the common ROI */
    skinq_alignment *alignment; /**< per photo onto the first; [0] is the first itself ("none", identity) */
    skinq_repeat_stat *stats;   /**< one per repeatable metric path of the first analysis, its order
                                     (not histogram bins, tile parameters or alignment figures) */
    size_t stat_count;
    skinq_allocator alloc; /**< the allocator that owns the result (internal) */
} skinq_repeat_result;

/**
 * Measure re-captures of one unchanged site.
 * @param paths  n >= 2 photos; paths[0] is the one the others are registered onto
 * @param o      compare options (analysis, align, chart_path, analyzer), or NULL for the
 *               defaults; maps_dir and after_only are not used.
 * @param out    receives the result (free with skinq_repeat_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_TOO_FEW (n < 2); SKINQ_E_ALIGN (a photo cannot be registered onto
 *         the first: the message names it); the errors of skinq_compare().
 */
skinq_status skinq_repeat(skinq_ctx *ctx, const char *const *paths, size_t n, const skinq_compare_options *o,
                          skinq_repeat_result **out);

/** Free a result; NULL-safe; sets *r to NULL. */
void skinq_repeat_free(skinq_repeat_result **r);

/**
 * A repeatability result as the JSON document of `skinq repeat --json` (skinq_version, images with
 * their alignment and values, options, metrics), compact; the one writer the CLI and the Python
 * binding share.
 * @param co           the options skinq_repeat() ran with (co->analysis NULL: the defaults)
 * @param mask_path    the file of co->analysis->roi.mask (options.mask, made absolute), or NULL
 * @param camera_path  the file of the colour options' camera (options.camera), or NULL
 * @param out          receives the string (free with skinq_json_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (NULL argument); SKINQ_E_NOMEM.
 */
skinq_status skinq_repeat_json(const skinq_repeat_result *r, const skinq_compare_options *co,
                               const char *mask_path, const char *camera_path, char **out);

/*
 * Scale from a sticker (lib/align/README.md "Scale marker"): an ArUco marker of OpenCV's
 * DICT_4X4_50 (ids 0..49) printed at a known size and stuck on the skin, found in the photo.
 */

/** The marker's dictionary, as OpenCV names it. */
#define SKINQ_MARKER_DICTIONARY "DICT_4X4_50"
/** Tilts above this (degrees) are warned about: lengths then depend on their direction by > ±1.7 %. */
#define SKINQ_MARKER_TILT_WARN 15.0

/** A marker found in a photo (skinq_marker_find()). Plain struct. */
typedef struct skinq_marker {
    int id;            /**< its id (0..49) */
    int found;         /**< markers of the dictionary found in the photo (this one included) */
    double size_mm;    /**< the side of its black square as printed */
    double corners[8]; /**< x, y of its top-left, top-right, bottom-right, bottom-left corner as printed
                            (upright image pixels, x right, y down, pixel centres at integers) */
    double side_px[4]; /**< the sides' lengths: top, right, bottom, left */
    double center[2];  /**< where the square's centre falls (px) */
    double H[9];       /**< row-major homography from the marker's plane in mm (origin at its
                            top-left corner, x along its top side, y down its left side) onto pixels */
    double px_per_mm;  /**< the scale at the centre: sqrt|det J| (J = H's Jacobian there): areas
                            in the marker's plane are exact, lengths within ±(1 − √cos tilt) */
    double px_per_mm_min, px_per_mm_max; /**< J's singular values: the scale along the tilt (the most
                                              foreshortened direction) and across it */
    double tilt_deg; /**< the plane's tilt from square-on at the centre: acos(min / max) */
} skinq_marker;

/**
 * Find the marker with this id (id < 0: the one marker found) in an image (any layout; its 8-bit
 * luma is searched) and take the scale from it: the homography of its four subpixel corners
 * onto the size_mm square, evaluated at the square's centre.
 * @return SKINQ_OK; SKINQ_E_TOO_FEW when no marker (or not this id) is found, or several and id < 0
 *         (the message lists their ids); SKINQ_E_INVALID (size_mm <= 0, id > 49); SKINQ_E_NOMEM;
 *         SKINQ_E_INTERNAL (OpenCV).
 */
skinq_status skinq_marker_find(skinq_ctx *ctx, const skinq_image *img, int id, double size_mm,
                               skinq_marker *out);

/**
 * The pixels the sticker covers: the marker's square grown by its quiet zone (one cell, size_mm / 6,
 * a side) and by 2 px for the edges' blur, mapped through m->H: a width × height mask, 255 there.
 * *pixels (may be NULL) receives their count. Pass it as skinq_roi_options.exclude.
 */
skinq_status skinq_marker_exclusion(skinq_ctx *ctx, const skinq_marker *m, int width, int height,
                                    skinq_mask **out, uint64_t *pixels);

/**
 * The printable sticker: marker `id` with a white quiet zone of one cell (size_mm / 6) on each side,
 * 8-bit gray, its black square round(size_mm · dpi / 25.4) pixels; *px_per_mm receives that side /
 * size_mm (what to write into the PNG's pHYs so it prints at size_mm). @return SKINQ_OK;
 * SKINQ_E_INVALID (id outside 0..49, the square below 24 px or above 20000 px); SKINQ_E_NOMEM.
 */
skinq_status skinq_marker_render(skinq_ctx *ctx, int id, double size_mm, double dpi, skinq_image **out,
                                 double *px_per_mm);

/* ------------------------------------------------ analysis (lib/pipeline) */

/*
 * One photo's whole analysis, as `skinq analyze`, `compare` and `track add` run it: load
 * (orientation, ICC), provenance (size, sha256), colour metrics (and texture, when built in),
 * all under the design's metric paths in one list.
 */

/** Options of an analysis; fill with skinq_analysis_default_options() first. The analysis owns the
 * region of interest, the scale and the maps; colour and texture options hold only their own settings. */
typedef struct skinq_analysis_options {
    size_t size;               /**< sizeof(skinq_analysis_options), set by skinq_analysis_default_options() */
    skinq_roi_options roi;     /**< region of interest (an image's alpha channel always ANDs in) */
    double px_per_mm;          /**< scale; 0 = unknown (mm metrics NaN, their *_px siblings filled) */
    skinq_maps_options maps;   /**< PNG maps of colour and texture; maps.dir NULL = none */
    skinq_color_options color; /**< reference, white patch, red threshold */
    int texture; /**< 1 (default): texture metrics too (on L* of the same ROI); 0: colour only */
    skinq_texture_options texture_options;
    const char *save_mask; /**< NULL, or write the ROI actually measured here: an 8-bit gray PNG of the
                                upright image's size, 255 inside (rectangle, mask or detected skin, ANDed
                                with the alpha channel), 0 outside; written atomically. Passed back as
                                roi.mask it gives the same numbers. Ignored by skinq_compare(). */
} skinq_analysis_options;

/** Defaults: whole image, scale unknown, no maps (map sizes 1024 colour, 2048 texture), the colour and
 * texture defaults, texture on. */
void skinq_analysis_default_options(skinq_analysis_options *o);

/** The result of one photo's analysis: an object, freed with skinq_analysis_free(). */
typedef struct skinq_analysis {
    char *path;             /**< the file analysed (a copy), or NULL for an image in memory */
    char sha256[65];        /**< "" for an image in memory */
    uint64_t file_size;     /**< bytes (0 for an image in memory) */
    int width, height;      /**< upright pixels */
    int depth;              /**< bits per sample */
    int has_alpha;          /**< the file had an alpha channel (used as a mask) */
    skinq_color_info color; /**< provenance of the colour metrics */
    skinq_metrics metrics;  /**< color.*, texture.* ... */
    skinq_allocator alloc;  /**< (internal) the allocator that owns the result */
    skinq_skin_info skin;   /**< auto-skin's account (skin.ran = 0 for other ROI kinds) */
    int is_raw;             /**< a DNG or camera RAW file: raw says how it was developed */
    skinq_raw_info raw;
} skinq_analysis;

/** Free a result, its path and metrics; NULL-safe; sets *a to NULL. */
void skinq_analysis_free(skinq_analysis **a);

/**
 * An analyser (FFTW's plan/execute): the options checked and copied once, and the texture plan
 * (FFTW plans, windows, scratch) made once and kept for every photo it analyses. Bound to the
 * ctx it was made with; used by one thread at a time. The options' borrowed pointers (ROI mask,
 * maps folder) must outlive it.
 */
typedef struct skinq_analyzer skinq_analyzer;

/**
 * @param o    options, or NULL for the defaults (copied).
 * @param out  receives the analyser; unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (an option out of range); SKINQ_E_NOMEM.
 */
skinq_status skinq_analyzer_new(skinq_ctx *ctx, const skinq_analysis_options *o, skinq_analyzer **out);

/** Free an analyser and its plans; NULL-safe; sets *a to NULL. */
void skinq_analyzer_free(skinq_analyzer **a);

/** The options an analyser runs with (its copy). */
const skinq_analysis_options *skinq_analyzer_options(const skinq_analyzer *a);

/** Write the next photos' maps into `dir` (borrowed; NULL = no maps), e.g. one folder a photo. */
void skinq_analyzer_set_maps_dir(skinq_analyzer *a, const char *dir);

/**
 * Load and analyse a photo: the file is opened and read once, its header is read once and flows
 * into the loader (or the streamed decode of a JPEG), then provenance (size, sha256 of the same
 * bytes), the ROI resolved once, colour and texture.
 * @param out  receives the result; unchanged on error.
 * @return SKINQ_OK or the errors of skinq_image_load(), skinq_file_sha256(), skinq_roi_resolve(),
 *         skinq_color_analyze() and skinq_texture_execute() (messages name the file).
 */
skinq_status skinq_analyzer_file(skinq_analyzer *a, const char *path, skinq_analysis **out);

/** Analyse an image already in memory (alpha: its alpha mask or NULL); path and sha256 stay empty. */
skinq_status skinq_analyzer_image(skinq_analyzer *a, const skinq_image *img, const skinq_mask *alpha,
                                  skinq_analysis **out);

/** One-shot: skinq_analyzer_new() + skinq_analyzer_file() + skinq_analyzer_free(). */
skinq_status skinq_analyze_file(skinq_ctx *ctx, const char *path, const skinq_analysis_options *o,
                                skinq_analysis **out);

/** One-shot: skinq_analyzer_new() + skinq_analyzer_image() + skinq_analyzer_free(). */
skinq_status skinq_analyze_image(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                 const skinq_analysis_options *o, skinq_analysis **out);

/**
 * Load a mask image (PNG or JPEG; any layout): nonzero first channel = inside.
 * @return as skinq_image_load(); the message names the file.
 */
skinq_status skinq_mask_load(skinq_ctx *ctx, const char *path, skinq_mask **out);

/**
 * One analysis as the JSON document of `skinq analyze --json` (design §3: skinq_version, image,
 * scale, roi, reference, calibration, color.*, texture.*, formulas, maps), compact, UTF-8 as the
 * strings are. The one writer the CLI and the Python binding share. An image in memory has
 * image.path, size_bytes and sha256 null.
 * @param o       the options the analysis ran with
 * @param camera  the --camera CSV's name for formulas.skin_model (NULL: none named)
 * @param out     receives the string (free with skinq_json_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (NULL argument); SKINQ_E_NOMEM (or clashing metric paths).
 */
skinq_status skinq_analysis_json(const skinq_analysis *a, const skinq_analysis_options *o, const char *camera,
                                 char **out);

/** Free a string from a skinq_*_json() function; NULL-safe; sets *json to NULL. */
void skinq_json_free(char **json);

/* ------------------------------------------------- tracking (lib/track) */

/**
 * A healing-curve fit (design §2 "Healing fit"). Model "exponential":
 *   y(t) = y_inf + (y0 - y_inf)·exp(-t/tau);
 * model "two-phase": y(t) = y_inf + a_fast·exp(-t/tau_fast) + b_slow·exp(-t/tau_slow).
 * Standard errors come from the Jacobian at the optimum (s²·(JᵀJ)⁻¹); they are NaN when the
 * fit has no residual degrees of freedom (as many points as parameters).
 */
typedef struct skinq_fit {
    char model[16];                       /**< "exponential" or "two-phase" */
    int n;                                /**< points used */
    double y0, y_inf;                     /**< value at t = 0 and the asymptote */
    double tau_days;                      /**< exponential: time constant; two-phase: tau_slow */
    double half_life_days, days_to_90pct; /**< tau·ln 2 and tau·ln 10 (90 % of the way to y_inf) */
    double a_fast, tau_fast_days, b_slow, tau_slow_days; /**< two-phase only, else NaN */
    double r2, rmse;
    struct {
        double y0, y_inf, tau_days, a_fast, tau_fast_days, b_slow, tau_slow_days;
    } stderr_;     /**< standard errors (NaN where not estimable or not in the model) */
    int converged; /**< 1 when Levenberg–Marquardt stopped at a minimum, 0 when it ran out of iterations */
} skinq_fit;

/**
 * Fit the exponential model to n points (t in days, any order).
 * @return SKINQ_OK; SKINQ_E_TOO_FEW with n < 3 or fewer than 3 distinct days;
 *         SKINQ_E_INVALID for non-finite input. The message says why.
 */
skinq_status skinq_fit_exponential(skinq_ctx *ctx, const double *t, const double *y, int n, skinq_fit *out);

/**
 * Fit the two-phase model (fast acute decay plus slow remodelling).
 * @return as skinq_fit_exponential(), with SKINQ_E_TOO_FEW below 6 points.
 */
skinq_status skinq_fit_two_phase(skinq_ctx *ctx, const double *t, const double *y, int n, skinq_fit *out);

/** The fitted curve's value at day t (either model); NaN when the fit holds no finite curve. */
double skinq_fit_eval(const skinq_fit *f, double t);

/*
 * When a fit is a finding. The one home of the thresholds skinq_fit_judge() applies (lib/track/README.md
 * "Reliable fits"): at least SKINQ_FIT_MIN_DOF residual degrees of freedom (points minus the model's
 * parameters: 6 points for the exponential, 8 for two phases; fewer leave s², and so every standard
 * error, a guess); τ (both τs of a two-phase fit) between SKINQ_FIT_TAU_MIN_DAYS and
 * SKINQ_FIT_TAU_MAX_SPANS × the span of the data's days; amplitudes (|y0 − y∞|, and |a_fast|, |b_slow|)
 * at most SKINQ_FIT_AMP_MAX_RANGES × the data's range (max − min); SE(τ) finite and at most
 * SKINQ_FIT_SE_TAU_MAX × τ (a 95 % interval within ±τ; with ν = n − p residual degrees of freedom the
 * bound is scaled by 1.96/t₀.₉₇₅(ν), Student's t, since s² from few residuals is itself uncertain);
 * r² at least SKINQ_FIT_R2_MIN; a two-phase fit's second phase supported by the data (its F-test against
 * one exponential significant at SKINQ_FIT_PHASE_ALPHA: five parameters on a few noisy points fit
 * anything); and the total change |y0 − y∞| above the metric's MDC95.
 */
#define SKINQ_FIT_MIN_DOF 3
#define SKINQ_FIT_TAU_MIN_DAYS 0.1
#define SKINQ_FIT_TAU_MAX_SPANS 10.0
#define SKINQ_FIT_AMP_MAX_RANGES 3.0
#define SKINQ_FIT_SE_TAU_MAX 0.5
#define SKINQ_FIT_R2_MIN 0.8
#define SKINQ_FIT_PHASE_ALPHA 0.05

/** Whether a fit may be shown as a trend, and if not why. */
typedef struct skinq_fit_verdict {
    int reliable;       /**< 1: every check passed (see mdc_checked), 0: no reliable trend */
    int mdc_checked;    /**< 1: the total change was compared with a known MDC95; 0: none was known, so
                             that check was not made (a reliable fit then says so) */
    const char *reason; /**< machine-readable (static string): "ok", "too_few_points", "not_converged",
                             "not_finite", "tau_range", "amplitude_range", "tau_uncertain", "poor_fit",
                             "phase_unsupported", "below_mdc" */
    char why[192];      /**< one plain sentence with the numbers ("r² 0.39 below 0.8"); for a reliable
                             fit empty, or the note that no MDC was known */
} skinq_fit_verdict;

/**
 * Judge a fit of the n points (t, y) it was made from: reliable only when it leaves enough residual
 * degrees of freedom, converged, its parameters are finite and within the physical range above,
 * SE(τ) ≤ τ/2, r² ≥ 0.8, a two-phase fit's second phase is supported, and the total change |y0 − y∞|
 * exceeds mdc95 (absolute, in the metric's unit; NaN = not known: that check is not made and
 * mdc_checked = 0). The first failing check, in that order, gives the reason.
 * @return out->reliable.
 */
int skinq_fit_judge(const skinq_fit *f, const double *t, const double *y, int n, double mdc95,
                    skinq_fit_verdict *out);

/**
 * Ordinary least-squares line; slope per week = 7·slope per day.
 * @return SKINQ_OK or SKINQ_E_TOO_FEW (n < 2 or all t equal). *se is NaN when n == 2.
 */
skinq_status skinq_fit_linear(skinq_ctx *ctx, const double *t, const double *y, int n, double *slope_per_day,
                              double *intercept, double *se_slope);

/*
 * A treatment course (skinq_course_analyse()): one metric's series at a site read the way a course
 * runs. Sessions before the first procedure are the baseline; each procedure session starts a cycle
 * that lasts until the next one; each cycle's acute response is fitted from its procedure session
 * (cycle day 0, the photo right after the procedure) to its last session; the slow trend runs
 * through the baseline and the cycles' ends. `skinq trend` and the report both use it.
 */
#define SKINQ_COURSE_MAX_CYCLES 64

/** One value of the series (from skinq_store_row: day, cycle, cycle_day, session_id, date, time). */
typedef struct skinq_course_point {
    double day, cycle_day, value;
    int cycle;
    int64_t session_id;
    char date[11], time[9];
    const char *procedure; /**< the session's note ("" when none); the caller's */
} skinq_course_point;

/** The model fitted to each window; auto: two-phase where it is a finding (skinq_fit_judge), else the
 * exponential (the report's choice). */
typedef enum {
    SKINQ_COURSE_EXPONENTIAL = 0,
    SKINQ_COURSE_TWO_PHASE = 1,
    SKINQ_COURSE_AUTO = 2
} skinq_course_model;

typedef struct skinq_course_options {
    int model;               /**< a skinq_course_model */
    int cycle;               /**< 0: every cycle; k: only the k-th */
    double from_day, to_day; /**< NaN: unset; either set: one fit over the course days in [from, to]
                                  (the days on the x axis), cycles ignored */
    double mdc95;            /**< the metric's MDC95 (absolute), NaN when unknown */
} skinq_course_options;

void skinq_course_default_options(skinq_course_options *o);

/** One fitted window: a cycle (or, without procedures or with --from/--to days, every session). */
typedef struct skinq_course_cycle {
    int cycle;               /**< k for the k-th procedure's cycle; 0: a window that is not a cycle */
    int first, count;        /**< its points: [first, first + count) of the input (and of t, y) */
    char date[11];           /**< the date of its first session (the procedure's) */
    char procedure[128];     /**< the procedure note (truncated for display) */
    skinq_status fit_status; /**< SKINQ_OK, or why there is no fit (SKINQ_E_TOO_FEW ...) */
    char fit_error[160];     /**< the reason when fit_status is not SKINQ_OK */
    skinq_fit fit;           /**< t = cycle days (course days for a window) */
    skinq_fit_verdict verdict;
    double slope_per_week, slope_se_per_week; /**< least-squares line through its points (NaN: no fit) */
    double peak, end;                         /**< session means at its first and last session */
    double end_day;                           /**< course day of its last session */
    double excess_left_pct; /**< 100·(end − baseline)/(peak − baseline): the share of the cycle's excess
                                 still there at its end; NaN without a baseline or when the peak's excess
                                 is below the MDC (nothing to return from) */
} skinq_course_cycle;

typedef struct skinq_course {
    int procedures;                    /**< cycles in the series (procedure sessions) */
    int window;                        /**< 1: from/to days gave one window */
    int baseline_n;                    /**< values before the first procedure (0 without procedures) */
    double baseline_mean, baseline_sd; /**< NaN when none (sd: fewer than 2) */
    skinq_course_cycle *cycles;        /**< the fitted windows, in time order */
    int ncycles;
    double *t, *y;                            /**< per input point: its time in its window's fit, its value */
    double slope_per_week, slope_se_per_week; /**< the line through baseline mean and cycle ends; NaN
                                                   with fewer than 2 of them */
    double end_change, end_change_pct; /**< last cycle's end − baseline mean (and in % of |baseline|) */
    skinq_allocator alloc;             /**< (internal) */
} skinq_course;

/**
 * Read a course from n points ordered by day (skinq_store_query() order).
 * @return SKINQ_OK when some window has a fit (a cycle with too few points carries its own fit_status);
 *         else the first window's fit error (SKINQ_E_TOO_FEW: too few points, or no window at all, e.g.
 *         --cycle beyond the procedures); SKINQ_E_INVALID; SKINQ_E_NOMEM.
 */
skinq_status skinq_course_analyse(skinq_ctx *ctx, const skinq_course_point *p, int n,
                                  const skinq_course_options *o, skinq_course **out);

/** Free; NULL-safe; sets *c to NULL. */
void skinq_course_free(skinq_course **c);

/** The session store: SQLite (WAL, foreign keys, one transaction per add, busy timeout). */
typedef struct skinq_store skinq_store; /* opaque */

/**
 * Open (creating or migrating to the current schema) a session store file. The file is checked
 * to be a skinq store (or an empty database) of a schema this library knows by reading only,
 * before anything is written to it: a refused file is left byte-identical.
 * @return SKINQ_OK; SKINQ_E_STORE (cannot open, not a skinq store, newer schema) with a message
 *         naming the file. On error *out is unchanged.
 */
skinq_status skinq_store_open(skinq_ctx *ctx, const char *path, skinq_store **out);

/**
 * Open an existing session store for reading only (query, sites, report): nothing is created,
 * migrated or switched (no journal-mode change), so the file is never written. A missing file,
 * an empty or foreign database and a newer store are refused with SKINQ_E_STORE naming the
 * file. skinq_store_add(), _session_remove() and _session_edit() on a store opened this way
 * fail with SKINQ_E_STORE.
 */
skinq_status skinq_store_open_readonly(skinq_ctx *ctx, const char *path, skinq_store **out);

/** 1 when a store name is a PostgreSQL store (postgresql://…, postgres://…, or libpq's
 *  "dbname=… host=…" conninfo), which skinq_store_open() reaches through libpq; 0 for a file. */
int skinq_store_is_server(const char *name);

/** The store's name for messages: its path, or a server's URL / conninfo without the password. */
const char *skinq_store_name(const skinq_store *s);

/** Close a store; NULL-safe; sets *s to NULL. */
void skinq_store_close(skinq_store **s);

/** The schema version this library writes. */
int skinq_store_schema_version(void);

/** One image's analysis to record (strings are copied; NULL optional fields are allowed). */
typedef struct skinq_store_entry {
    const char *subject, *site; /**< required; created on first use */
    const char *date;       /**< required: YYYY-MM-DD (a real calendar date), optionally with a time of day,
                                 YYYY-MM-DDTHH:MM[:SS]; a session is (site, date, time, label) */
    const char *label;      /**< optional session label ("" = none) */
    const char *procedure;  /**< optional: a procedure was done at this session (the photo right
                                 after it); it starts a cycle (skinq_store_row.cycle) */
    const char *image_path; /**< required */
    const char *sha256;     /**< required, 64 hex digits */
    int width, height;
    const char *role; /**< "photo" when NULL */
    double px_per_mm; /**< px/mm of the frame the metrics were measured in (for a photo registered onto
                           the site's reference: the reference's frame); > 0 sets the site's scale when it
                           has none yet, and is refused when it differs from the site's by more than
                           SKINQ_STORE_SCALE_TOLERANCE; 0: unknown (the site's applies) */
    const char *options_json;      /**< the analysis options that produced the metrics */
    const skinq_metrics *metrics;  /**< every metric path → value, stored with the skinq version */
    const char *aligned_to_sha256; /**< the stored photo this one was registered onto, or NULL */
    const char *calibration_json;  /**< how it was aligned and calibrated (JSON), or NULL */
    int reference; /**< 1: this photo becomes its site's reference (later photos are registered onto it) */
} skinq_store_entry;

/** How far (relative) an entry's px_per_mm may be from its site's before skinq_store_add() refuses it:
 *  one site, one scale, so that an area series never mixes two. */
#define SKINQ_STORE_SCALE_TOLERANCE 0.02

/**
 * Record an entry in one transaction (all or nothing). The same image (sha256) in the same
 * session (subject, site, date, label) is refused with SKINQ_E_INVALID, not duplicated.
 * @param image_id  receives the new image row id (may be NULL).
 * @return SKINQ_OK, SKINQ_E_INVALID (bad date, missing field, duplicate), SKINQ_E_STORE.
 */
skinq_status skinq_store_add(skinq_ctx *ctx, skinq_store *s, const skinq_store_entry *e, int64_t *image_id);

/**
 * Several adds in one transaction (`track import`: one per file): skinq_store_begin(), then
 * skinq_store_add() any number of times (each then a savepoint: a refused entry leaves the others),
 * then skinq_store_commit() to keep them all or skinq_store_rollback() to keep none. A killed
 * process keeps none. @return SKINQ_OK or SKINQ_E_STORE (read-only store, already in a
 * transaction, the store failed).
 */
skinq_status skinq_store_begin(skinq_ctx *ctx, skinq_store *s);
skinq_status skinq_store_commit(skinq_ctx *ctx, skinq_store *s);
/** Undo everything since skinq_store_begin(); NULL-safe, a no-op outside a transaction. */
void skinq_store_rollback(skinq_store *s);

/** One stored measurement, as the query callbacks see it (strings valid during the call). */
typedef struct skinq_store_row {
    const char *subject, *site, *date, *label, *image_path, *sha256, *metric, *unit, *skinq_version;
    double day;            /**< days from the site's first procedure session (baseline sessions
                                negative; from its first session when none is marked) */
    double value;          /**< NaN when stored as null */
    double px_per_mm;      /**< the site's scale, NaN when unknown */
    const char *procedure; /**< the session's procedure note ("" when none) */
    const char *options;   /**< the analysis options that produced the value (JSON, "" when unknown) */
    int64_t session_id;    /**< the session's id (track edit/remove --session) */
    const char *time;      /**< the session's time of day HH:MM:SS, "" when only a date was given */
    int cycle;             /**< 0: baseline (before the first procedure); k: after the k-th procedure */
    double cycle_day;      /**< days from this cycle's procedure session (the baseline's: as day) */
} skinq_store_row;

/**
 * Parse a session's when: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" (a space for the T is taken).
 * date receives YYYY-MM-DD, time HH:MM:SS or "" when none was given.
 * @return 1 when it is a real calendar date (1900-2999) and time of day, else 0.
 */
int skinq_store_parse_when(const char *when, char date[11], char time[9]);

/**
 * Call fn for every measurement matching subject / site / metric (NULL = any), ordered by
 * subject, site, date, image, metric. fn returns 0 to go on, nonzero to stop.
 * @return SKINQ_OK or SKINQ_E_STORE.
 */
skinq_status skinq_store_query(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                               const char *metric, int (*fn)(void *user, const skinq_store_row *row),
                               void *user);

/** A site's reference photo: the one later photos are registered onto, and the site's scale. */
typedef struct skinq_site_reference {
    int found;  /**< 0: the site has no photo yet */
    int chosen; /**< 1: chosen (skinq_store_entry.reference, track add --reference), 0: the
                     first photo of the site's earliest session */
    char *path; /**< the stored path (free with skinq_site_reference_clear()) */
    char sha256[65];
    double px_per_mm; /**< the site's scale; NaN when it has none */
} skinq_site_reference;

/** The site's reference photo and scale. @return SKINQ_OK (found 0 for a new site), SKINQ_E_STORE. */
skinq_status skinq_store_site_reference(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                                        skinq_site_reference *out);
void skinq_site_reference_clear(skinq_ctx *ctx, skinq_site_reference *r);

/** One (subject, site) with its session count and date range, for listings. */
typedef struct skinq_store_site_row {
    const char *subject, *site, *first_date, *last_date;
    int sessions, images;
    double px_per_mm; /**< NaN when unknown */
} skinq_store_site_row;

/** Call fn for every site (optionally of one subject), ordered by subject and site. */
skinq_status skinq_store_sites(skinq_ctx *ctx, skinq_store *s, const char *subject,
                               int (*fn)(void *user, const skinq_store_site_row *row), void *user);

/* Corrections (lib/track/edit.c): a wrong session is removed or corrected, and every change is
 * recorded in the store's audit table (schema 3), which skinq_store_audit() reads back. */

/** One session of a site, as skinq_store_sessions() sees it (strings valid during the call). */
typedef struct skinq_store_session_row {
    const char *subject, *site;
    int64_t session_id;
    const char *date;      /**< YYYY-MM-DD */
    const char *time;      /**< HH:MM:SS, "" when only a date was given */
    const char *label;     /**< "" when none */
    const char *procedure; /**< "" when none */
    int images;            /**< photos stored in the session */
    int cycle;             /**< as skinq_store_row.cycle (0: baseline) */
    double day, cycle_day; /**< as skinq_store_row (the store's one timeline) */
} skinq_store_session_row;

/**
 * Call fn for every session of subject (NULL = any) and site (NULL = any), ordered by subject,
 * site and timeline day. fn returns 0 to go on, nonzero to stop. @return SKINQ_OK or SKINQ_E_STORE.
 */
skinq_status skinq_store_sessions(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                                  int (*fn)(void *user, const skinq_store_session_row *row), void *user);

/**
 * Remove a session with its images and measurements (they cascade), in one IMMEDIATE
 * transaction that also writes the audit: a row action "remove", field "session", old_value
 * the session as JSON ({"date","time","label","procedure","images":[{"path","sha256"}]}),
 * new_value NULL; and, when reason is given, a row field "reason" with new_value the reason.
 * @return SKINQ_OK; SKINQ_E_INVALID (no such session: the message names the id);
 *         SKINQ_E_STORE (a read-only store, or the store failed; nothing changed).
 */
skinq_status skinq_store_session_remove(skinq_ctx *ctx, skinq_store *s, int64_t session_id,
                                        const char *reason);

/**
 * Correct a session in one transaction. NULL leaves a field as it is. when: "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM[:SS]" replaces the date and the time together (a date alone clears the
 * time); label: "" for none; procedure: "" clears it. One audit row per field that changes
 * (action "edit", field "date", "time", "label" or "procedure", old_value, new_value; a missing
 * procedure is NULL); a field given with its current value writes nothing.
 * @return SKINQ_OK; SKINQ_E_INVALID (no such session, a bad date, or the change would make it
 *         the same session as another one: the message names that session; nothing changed);
 *         SKINQ_E_STORE (a read-only store, or the store failed).
 */
skinq_status skinq_store_session_edit(skinq_ctx *ctx, skinq_store *s, int64_t session_id, const char *when,
                                      const char *label, const char *procedure);

/** One audit row (strings valid during the call; old_value/new_value NULL when there is none). */
typedef struct skinq_store_audit_row {
    int64_t id;
    const char *at;     /**< UTC, "YYYY-MM-DD HH:MM:SS" */
    const char *action; /**< "remove" or "edit" */
    const char *subject, *site;
    int64_t session_id;
    const char *field; /**< remove: "session", "reason"; edit: "date", "time", "label", "procedure" */
    const char *old_value, *new_value;
} skinq_store_audit_row;

/**
 * Call fn for every audit row of subject / site (NULL = any), oldest first. A store older than
 * schema 3 (read-only, not migrated) has none. @return SKINQ_OK or SKINQ_E_STORE.
 */
skinq_status skinq_store_audit(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                               int (*fn)(void *user, const skinq_store_audit_row *row), void *user);

/** One metric's own repeatability at a site (skinq_store_repeatability()). */
typedef struct skinq_repeatability_item {
    char path[80];
    char unit[16];
    int sessions; /**< sessions with >= 2 finite values of the metric */
    int n;        /**< values in those sessions */
    int df;       /**< degrees of freedom: Σ (n_s − 1) */
    double sd;    /**< pooled within-session SD: sqrt(Σ_s Σ_i (x_si − mean_s)² / df) */
    double mdc95; /**< 1.96·√2·sd */
} skinq_repeatability_item;

/** A site's repeatability; free with skinq_repeatability_free(). */
typedef struct skinq_repeatability {
    skinq_repeatability_item *items; /**< by metric path; count 0 when no session has 2 photos */
    size_t count;
    skinq_allocator alloc; /**< the allocator that owns the result (internal) */
} skinq_repeatability;

/**
 * A site's own repeatability: per metric the within-session SD pooled over the sessions that
 * hold >= 2 photos (photos of the same day, `track add` of several photos into one session),
 * and its MDC95. Histogram bins, tile parameters and alignment figures are left out.
 * @param out  receives the result (free with skinq_repeatability_free()); unchanged on error.
 * @return SKINQ_OK (possibly with no items); SKINQ_E_INVALID (subject or site NULL); SKINQ_E_STORE;
 *         SKINQ_E_NOMEM.
 */
skinq_status skinq_store_repeatability(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                                       skinq_repeatability **out);

/** Free a result; NULL-safe; sets *r to NULL. */
void skinq_repeatability_free(skinq_repeatability **r);

/**
 * A site's repeatability as the JSON document of `skinq repeat --subject ID --site NAME --json`
 * (skinq_version, subject, site, method, metrics), compact; the one writer the CLI and the Python
 * binding share. @param out receives the string (free with skinq_json_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (NULL argument); SKINQ_E_NOMEM.
 */
skinq_status skinq_repeatability_json(const skinq_repeatability *rep, const char *subject, const char *site,
                                      char **out);

/** One metric's change at a site between its first and latest session (session means). */
typedef struct skinq_site_change {
    const skinq_metric_def *def; /**< the registry entry (its pattern is the metric path) */
    char unit[16];               /**< the unit stored */
    double first, latest;        /**< means over the photos of the first and the latest session */
    int first_n, latest_n;       /**< photos in those sessions */
    char first_date[16], latest_date[16];
    double mdc95;   /**< the MDC the verdict used (absolute, the metric's unit); NaN when none is known */
    int mdc_site;   /**< 1: the site's own repeatability (sessions with several photos), 0: the default */
    double percent; /**< skinq_change_percent(): NaN when |first| < mdc95 */
    int verdict;    /**< a skinq_verdict */
} skinq_site_change;

/** A site's changes; free with skinq_site_changes_free(). */
typedef struct skinq_site_changes {
    skinq_site_change
        *items; /**< the registry's summarised metrics (headline >= 1) stored at the site, in its order */
    size_t count;
    int normalised; /**< the latest session was colour-normalised (--ref, --white or --chart): the MDCs used
                     */
    skinq_allocator alloc; /**< (internal) */
} skinq_site_changes;

/** 1 when a registry entry is summarised in a site's changes (and the report): headline, no wildcard. */
int skinq_site_change_shown(const skinq_metric_def *d);

/**
 * What changed at a site: for every summarised registry metric stored there, the first and latest
 * session means, the MDC95 (the site's own when it has repeat photos, else the registry's default
 * for normalised or raw photos) and the verdict. `track show` and the report read this.
 * @param out  receives the result (count 0 when nothing is stored); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID; SKINQ_E_STORE; SKINQ_E_NOMEM.
 */
skinq_status skinq_store_site_changes(skinq_ctx *ctx, skinq_store *store, const char *subject,
                                      const char *site, skinq_site_changes **out);

/** Free a site's changes; NULL-safe; sets *c to NULL. */
void skinq_site_changes_free(skinq_site_changes **c);

/**
 * Write a self-contained HTML report of a subject's sites (one site if `site` is not NULL):
 * the session timeline, the first and latest photos with their redness maps (skinq_compare() of
 * the two with the stored analysis options: registered, calibrated, normalised), and for each stored metric
 * that informs a scar-scale item (vascularity, pigmentation, relief, extent) its series as a chart with the
 * healing fit and its standard errors where there are >= 3 points and skinq_fit_judge() finds the fit
 * reliable (else the points and "no reliable trend (why)"). Measurements only: no made-up clinical score.
 * Written atomically like skinq_png_write(); `out_path` "-" writes it to stdout.
 * @return SKINQ_OK; SKINQ_E_TOO_FEW when nothing is stored for the subject; SKINQ_E_STORE;
 *         SKINQ_E_UNSUPPORTED (`out_path` is not a regular file); SKINQ_E_IO.
 */
skinq_status skinq_report_html(skinq_ctx *ctx, skinq_store *store, const char *subject, const char *site,
                               const char *out_path);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* SKINQ_H */
