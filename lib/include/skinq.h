/* skinq.h -- the whole public API of libskinq: skin photographs in, trustworthy numbers out. */
#ifndef SKINQ_H
#define SKINQ_H

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

/** Instruction-set levels, as bits of an ISA mask. AVX2 implies FMA and OS YMM support. */
enum {
    SKINQ_ISA_SCALAR = 0,
    SKINQ_ISA_SSE41 = 1u << 0,
    SKINQ_ISA_AVX2 = 1u << 1,
    SKINQ_ISA_ALL = SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2
};

/** ISA levels this CPU (and OS) supports, detected once; thread-safe. */
unsigned skinq_cpu_isa(void);

/** Model name of the CPU (from cpuid), static; "unknown" when not available. */
const char *skinq_cpu_name(void);

/**
 * Parse an ISA name ("scalar", "sse41", "avx2", "all") to a mask ceiling.
 * @return 0 on success, -1 if the name is not known (then *mask is unchanged).
 */
int skinq_isa_parse(const char *name, unsigned *mask);

/** Name of the highest level in a mask: "avx2", "sse41" or "scalar". Static string. */
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
    int threads;           /**< worker threads; 0 = number of online cores */
    unsigned isa_mask;     /**< ceiling on the ISA levels used; the env SKINQ_ISA lowers it further */
    uint64_t max_pixels;   /**< images above width*height refused with SKINQ_E_LIMIT (default 100 MP) */
    skinq_allocator alloc; /**< all-NULL = malloc/free */
} skinq_settings;

typedef struct skinq_ctx skinq_ctx; /* opaque */

/** Defaults: threads 0 (all cores), isa_mask SKINQ_ISA_ALL, max_pixels 100e6, malloc/free. */
void skinq_ctx_default_settings(skinq_settings *s);

/**
 * Open a context: the thread pool, the ISA choice and the last-error message live here.
 * A context may be used by one thread at a time; open one per calling thread.
 * @param out  receives the new context; unchanged on error.
 * @param s    settings, or NULL for the defaults.
 * @return SKINQ_OK, SKINQ_E_NOMEM or SKINQ_E_INVALID.
 */
skinq_status skinq_ctx_open(skinq_ctx **out, const skinq_settings *s);

/** Close a context and its threads; NULL-safe; sets *ctx to NULL. */
void skinq_ctx_close(skinq_ctx **ctx);

/** Last detailed error message (names the file where one is involved); "" when none. Owned by ctx. */
const char *skinq_ctx_error(const skinq_ctx *ctx);

/** Optional warning sink (e.g. an ISA asked for but not available). Called from the calling thread. */
void skinq_ctx_set_warning_handler(skinq_ctx *ctx, void (*fn)(const char *msg, void *user), void *user);

/** Number of threads the context runs work on (>= 1). */
int skinq_ctx_threads(const skinq_ctx *ctx);

/** ISA mask in effect: detected & settings & SKINQ_ISA environment variable. */
unsigned skinq_ctx_isa(const skinq_ctx *ctx);

/** The image size limit in pixels. */
uint64_t skinq_ctx_max_pixels(const skinq_ctx *ctx);

/**
 * Run fn(user, task, thread) for task = 0 .. n_tasks-1 on the context's threads and wait.
 * `thread` is in [0, skinq_ctx_threads(ctx)) and unique among concurrently running calls,
 * so it can index per-thread scratch. fn must not call skinq_parallel_for on the same ctx.
 */
void skinq_parallel_for(skinq_ctx *ctx, int n_tasks, void (*fn)(void *user, int task, int thread),
                        void *user);

/* ------------------------------------------------------------------- image */

/** Pixel data is row-major, interleaved, native-endian for 16-bit. */
typedef struct skinq_image {
    int width, height;
    int channels;       /**< 1 (gray), 3 (RGB) or 4 (RGBA) */
    int depth;          /**< bits per sample: 8 or 16 */
    size_t stride;      /**< bytes between rows (>= width * channels * depth/8) */
    uint8_t *data;      /**< owned by the image */
    int orientation;    /**< EXIF orientation found in the file (1-8; 1 when none); already applied */
    uint8_t *icc;       /**< embedded ICC profile bytes as found in the file, or NULL; owned */
    size_t icc_size;
    int icc_applied;    /**< 1 if pixels were converted from the embedded profile to sRGB */
    char icc_description[64]; /**< the profile's description ("" when none or unreadable) */
    skinq_allocator alloc; /**< the allocator that owns data and icc (internal) */
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
    char format[8];     /**< "jpeg" or "png" */
    int width, height;  /**< as stored (before orientation) */
    int channels;       /**< channels the decoder will produce (alpha included) */
    int depth;          /**< 8 or 16 */
    int orientation;    /**< EXIF orientation (1-8; 1 when none) */
    int has_icc;        /**< 1 if an ICC profile is embedded */
} skinq_image_header;

/**
 * Read only a file's header (JPEG or PNG, sniffed from the bytes, not the name).
 * @return SKINQ_OK; SKINQ_E_IO (cannot open/read); SKINQ_E_FORMAT (not JPEG/PNG, corrupt,
 *         zero-sized); SKINQ_E_UNSUPPORTED (CMYK, ...). The message names the file.
 */
skinq_status skinq_image_probe(skinq_ctx *ctx, const char *path, skinq_image_header *hdr);

/**
 * Load a JPEG or PNG into an upright image: EXIF orientation applied, an embedded ICC profile
 * converted to sRGB (lcms2), JPEG to 8-bit gray or RGB, PNG to 8/16-bit gray/RGB (palette
 * expanded). The header is checked against the ctx's max_pixels before any large allocation.
 * The image always has 1 (gray) or 3 (RGB) channels: an alpha channel is split off.
 * @param alpha  if not NULL, receives a mask of the pixels with alpha > 0 when the file has
 *               an alpha channel (or a tRNS chunk), else NULL. If alpha is NULL, alpha is dropped.
 * @return as skinq_image_probe(), plus SKINQ_E_LIMIT and SKINQ_E_NOMEM. On error nothing is
 *         returned in *out / *alpha and nothing is leaked.
 */
skinq_status skinq_image_load(skinq_ctx *ctx, const char *path, skinq_image **out,
                              skinq_mask **alpha);

/**
 * Write an 8-bit gray/RGB/RGBA or 16-bit gray/RGB image as PNG, atomically: the data goes to
 * a temporary file in the same directory which is renamed over `path` only when complete.
 * @return SKINQ_OK, SKINQ_E_INVALID (unsupported layout), SKINQ_E_IO.
 */
skinq_status skinq_png_write(skinq_ctx *ctx, const char *path, const skinq_image *img);

/** Options for skinq_jpeg_write(). */
typedef struct skinq_jpeg_options {
    int quality;          /**< 1-100 */
    int orientation;      /**< 1-8: written as an EXIF orientation tag when != 1 */
    const uint8_t *icc;   /**< ICC profile to embed, or NULL */
    size_t icc_size;
} skinq_jpeg_options;

/** Write an 8-bit gray or RGB image as baseline JPEG (4:2:0 for RGB), atomically like PNG. */
skinq_status skinq_jpeg_write(skinq_ctx *ctx, const char *path, const skinq_image *img,
                              const skinq_jpeg_options *opt);

/**
 * Apply an EXIF orientation (1-8) to an image, returning a new upright image.
 * @return SKINQ_OK, SKINQ_E_INVALID (orientation out of range), SKINQ_E_NOMEM.
 */
skinq_status skinq_image_orient(skinq_ctx *ctx, const skinq_image *img, int orientation,
                                skinq_image **out);

/**
 * SHA-256 of a file's bytes as 64 lowercase hex digits plus NUL.
 * @return SKINQ_OK or SKINQ_E_IO.
 */
skinq_status skinq_file_sha256(skinq_ctx *ctx, const char *path, char hex[65]);

/** SHA-256 of a buffer (hex as above). */
void skinq_sha256_hex(const void *data, size_t size, char hex[65]);

/* ----------------------------------------------------------------- metrics */

/**
 * One number of an analysis under a stable dotted path (design §3), e.g. "color.a.mean",
 * "texture.glcm.contrast", "scars.items.0.max_depth_mm" (numeric segments are array indices).
 * Every result reaches JSON, CSV, the session store and compare through this one list.
 */
typedef struct skinq_metric {
    char path[80];
    double value; /**< NaN when not computable (written as null) */
    char unit[16]; /**< "a*", "mm", "mm2", "1" (dimensionless), "relative", ... */
} skinq_metric;

/** A growable list of metrics; zero-initialise, fill with skinq_metrics_add(), free with skinq_metrics_free(). */
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

/* ------------------------------------------------------ colour (lib/color) */

/**
 * CIEDE2000 colour difference between two CIELAB colours (kL = kC = kH = 1), as specified in
 * CIE 142-2001 and checked against every pair of Sharma, Wu & Dalal (2005)'s test data to 1e-4.
 * Symmetric, exactly 0 for identical colours.
 */
double skinq_delta_e2000(const double lab1[3], const double lab2[3]);

/* ---------------------------------------------------- surface (lib/surface) */

/* ------------------------------------------------- tracking (lib/track) */

/**
 * A healing-curve fit (design §2 "Healing fit"). Model "exponential":
 *   y(t) = y_inf + (y0 - y_inf)·exp(-t/tau);
 * model "two-phase": y(t) = y_inf + a_fast·exp(-t/tau_fast) + b_slow·exp(-t/tau_slow).
 * Standard errors come from the Jacobian at the optimum (s²·(JᵀJ)⁻¹); they are NaN when the
 * fit has no residual degrees of freedom (as many points as parameters).
 */
typedef struct skinq_fit {
    char model[16];       /**< "exponential" or "two-phase" */
    int n;                /**< points used */
    double y0, y_inf;     /**< value at t = 0 and the asymptote */
    double tau_days;      /**< exponential: time constant; two-phase: tau_slow */
    double half_life_days, days_to_90pct; /**< tau·ln 2 and tau·ln 10 (90 % of the way to y_inf) */
    double a_fast, tau_fast_days, b_slow, tau_slow_days; /**< two-phase only, else NaN */
    double r2, rmse;
    struct {
        double y0, y_inf, tau_days, a_fast, tau_fast_days, b_slow, tau_slow_days;
    } stderr_;            /**< standard errors (NaN where not estimable or not in the model) */
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

/**
 * Ordinary least-squares line; slope per week = 7·slope per day.
 * @return SKINQ_OK or SKINQ_E_TOO_FEW (n < 2 or all t equal). *se is NaN when n == 2.
 */
skinq_status skinq_fit_linear(skinq_ctx *ctx, const double *t, const double *y, int n,
                              double *slope_per_day, double *intercept, double *se_slope);

/** The session store: SQLite (WAL, foreign keys, one transaction per add, busy timeout). */
typedef struct skinq_store skinq_store; /* opaque */

/**
 * Open (creating or migrating to the current schema) a session store file.
 * @return SKINQ_OK; SKINQ_E_STORE (cannot open, not a skinq store, newer schema) with a message
 *         naming the file. On error *out is unchanged.
 */
skinq_status skinq_store_open(skinq_ctx *ctx, const char *path, skinq_store **out);

/** Close a store; NULL-safe; sets *s to NULL. */
void skinq_store_close(skinq_store **s);

/** The schema version this library writes. */
int skinq_store_schema_version(void);

/** One image's analysis to record (strings are copied; NULL optional fields are allowed). */
typedef struct skinq_store_entry {
    const char *subject, *site;  /**< required; created on first use */
    const char *date;            /**< required, YYYY-MM-DD (a real calendar date) */
    const char *label;           /**< optional session label ("" = none) */
    const char *procedure;       /**< optional procedure note */
    const char *image_path;      /**< required */
    const char *sha256;          /**< required, 64 hex digits */
    int width, height;
    const char *role;            /**< "photo" when NULL */
    double px_per_mm;            /**< > 0 sets the site's scale when it has none yet */
    const char *options_json;    /**< the analysis options that produced the metrics */
    const skinq_metrics *metrics;/**< every metric path → value, stored with the skinq version */
} skinq_store_entry;

/**
 * Record an entry in one transaction (all or nothing). The same image (sha256) in the same
 * session (subject, site, date, label) is refused with SKINQ_E_INVALID, not duplicated.
 * @param image_id  receives the new image row id (may be NULL).
 * @return SKINQ_OK, SKINQ_E_INVALID (bad date, missing field, duplicate), SKINQ_E_STORE.
 */
skinq_status skinq_store_add(skinq_ctx *ctx, skinq_store *s, const skinq_store_entry *e, int64_t *image_id);

/** One stored measurement, as the query callbacks see it (strings valid during the call). */
typedef struct skinq_store_row {
    const char *subject, *site, *date, *label, *image_path, *sha256, *metric, *unit, *skinq_version;
    double day;   /**< days since the site's first session */
    double value; /**< NaN when stored as null */
    double px_per_mm; /**< the site's scale, NaN when unknown */
} skinq_store_row;

/**
 * Call fn for every measurement matching subject / site / metric (NULL = any), ordered by
 * subject, site, date, image, metric. fn returns 0 to go on, nonzero to stop.
 * @return SKINQ_OK or SKINQ_E_STORE.
 */
skinq_status skinq_store_query(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                               const char *metric, int (*fn)(void *user, const skinq_store_row *row),
                               void *user);

/** One (subject, site) with its session count and date range, for listings. */
typedef struct skinq_store_site_row {
    const char *subject, *site, *first_date, *last_date;
    int sessions, images;
    double px_per_mm; /**< NaN when unknown */
} skinq_store_site_row;

/** Call fn for every site (optionally of one subject), ordered by subject and site. */
skinq_status skinq_store_sites(skinq_ctx *ctx, skinq_store *s, const char *subject,
                               int (*fn)(void *user, const skinq_store_site_row *row), void *user);

/**
 * Write a self-contained HTML report of a subject's sites (one site if `site` is not NULL):
 * the session timeline, and for each stored metric that informs a scar-scale item
 * (vascularity, pigmentation, relief, extent) its series as a chart with the exponential
 * healing fit and its standard errors where there are >= 3 points. Measurements only: no
 * made-up clinical score. Written atomically.
 * @return SKINQ_OK; SKINQ_E_TOO_FEW when nothing is stored for the subject; SKINQ_E_STORE;
 *         SKINQ_E_IO.
 */
skinq_status skinq_report_html(skinq_ctx *ctx, skinq_store *store, const char *subject, const char *site,
                               const char *out_path);

/* --------------------------------------------- phantoms (lib/synth) */

/**
 * The skin colour model of the phantoms (lib/synth/skin.c), Beer–Lambert in optical density:
 *   OD_c = melanin·SKINQ_SYNTH_MELANIN_OD[c] + hemoglobin·SKINQ_SYNTH_HEMOGLOBIN_OD[c] + SKINQ_SYNTH_BASE_OD[c]
 *   linear reflectance R_c = shading · 10^(−OD_c), then white-balance gains and exposure, then
 *   sRGB encoding (IEC 61966-2-1) to 8 bits; c = R, G, B.
 * Melanin: absorption ∝ λ^−3.33 (Jacques, "Optical properties of biological tissues", Phys Med
 * Biol 2013) evaluated at sRGB band centres 610/550/465 nm, normalised to blue = 1.
 * Hemoglobin: oxy-hemoglobin molar extinction (Prahl, omlc.org tabulation) at the same band
 * centres (1506, 43016, ~38000 cm⁻¹/M), normalised to green = 1. Camera bands are broad, so
 * these are directions of a simplified model, not spectral truth: analyses are tested on how
 * well they recover the concentrations put in with these same vectors.
 */
#define SKINQ_SYNTH_MELANIN_OD {0.405, 0.572, 1.0}
#define SKINQ_SYNTH_HEMOGLOBIN_OD {0.035, 1.0, 0.88}
#define SKINQ_SYNTH_BASE_OD {0.02, 0.05, 0.10}

/** Options of the phantom generator; fill with skinq_synth_default_options() first. */
typedef struct skinq_synth_options {
    const char *kind; /**< "healing-series", "scar-stack", "texture-ladder", "chart", or "all"
                           (each kind in its own subfolder) */
    uint64_t seed;    /**< same seed → byte-identical files */
    int width, height; /**< 0 = the kind's default (healing-series 2000×1500, scar-stack 1024²,
                            texture-ladder patches 512², chart 1200×800) */
    double px_per_mm; /**< scale of every kind but the chart (default 20) */
    double tau_days;  /**< healing-series: time constant of the hemoglobin excess (default 3) */
    int jpeg_quality; /**< healing-series photos (default 92) */
} skinq_synth_options;

void skinq_synth_default_options(skinq_synth_options *o);

/**
 * Write a phantom set with its ground truth (truth.json) into out_dir (created if missing).
 * @return SKINQ_OK; SKINQ_E_INVALID (unknown kind, bad size); SKINQ_E_IO (cannot write).
 */
skinq_status skinq_synth(skinq_ctx *ctx, const skinq_synth_options *o, const char *out_dir);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* SKINQ_H */
