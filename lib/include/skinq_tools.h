/* skinq_tools.h -- libskinq's developer tools: bench, phantoms, thread pool, hashing, CPU facts. */
#ifndef SKINQ_TOOLS_H
#define SKINQ_TOOLS_H

/*
 * OUTSIDE THE STABILITY PROMISE. skinq.h is the stable API (see its top comment); what is here
 * serves skinq's own CLI (`skinq bench`, `skinq synth`, `skinq info`), benchmarks and tests,
 * and may change in any release, minor ones included: names, structs and behaviour. Embedders
 * who use it pin the exact skinq version. The ownership rule of skinq.h holds here too.
 */

#include "skinq.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ------------------------------------------------------------ CPU, kernels */

/** Model name of the CPU (from cpuid), static; "unknown" when not available. */
const char *skinq_cpu_name(void);

/**
 * Which ISA level fills each hot kernel for a context (after its ISA ceiling): up to `max`
 * kernel names and level names (static strings) into the arrays. @return the number of kernels.
 */
size_t skinq_kernel_isas(const skinq_ctx *ctx, const char **names, const char **isas, size_t max);

/* ----------------------------------------------------------- threads, hash */

/**
 * Run fn(user, task, thread) for task = 0 .. n_tasks-1 on the context's threads and wait.
 * `thread` is in [0, skinq_ctx_threads(ctx)) and unique among concurrently running calls,
 * so it can index per-thread scratch. fn must not call skinq_parallel_for on the same ctx.
 */
void skinq_parallel_for(skinq_ctx *ctx, int n_tasks, void (*fn)(void *user, int task, int thread),
                        void *user);

/** SHA-256 of a buffer as 64 lowercase hex digits plus NUL (skinq_file_sha256() for files). */
void skinq_sha256_hex(const void *data, size_t size, char hex[65]);

/* --------------------------------------------------------- bench (lib/bench) */

/*
 * `skinq bench`: every stage timed separately and together, per ISA level and thread count,
 * with its peers in the same process. Times are medians (p50) and 95th percentiles of `runs`
 * repetitions after a warm-up; MP/s = megapixels / p50. Pin the process (taskset) on shared
 * machines. Stage names: "decode-jpeg", "decode-png", "color" (skinq_color_analyze on a loaded
 * image), "analyze-color" (file → colour metrics, streamed), "analyze-all" (file → colour and
 * texture metrics at 20 px/mm, as `skinq analyze`), "texture-psd", "texture-roughness",
 * "texture-glcm", "texture-pores", "texture-lines", "texture-spots" (with tone), "texture-all"
 * (the texture stages on the 16-bit planes analyze uses), "registration", "depth-ps",
 * "depth-integrate", "pipeline" (file → colour + texture metrics, per image, sample set). Peer names:
 * "libjpeg-turbo decode", "opencv cvtColor RGB2Lab 8-bit", "opencv cvtColor RGB2Lab float",
 * "fftw r2c tiles", "opencv registration", "fftw r2r integration". With options.truth, the
 * accuracy on phantoms beside its time (skinq_bench_accuracy; lib/bench/README.md "Accuracy").
 */

/** Options of skinq_bench_run(); fill with skinq_bench_default_options() first. */
typedef struct skinq_bench_options {
    size_t size;     /**< sizeof(skinq_bench_options), set by skinq_bench_default_options() */
    const char *dir; /**< sample set: every .jpg/.png in it; NULL: generated 12- and 24-MP photos */
    int threads;     /**< the multi-threaded runs' thread count (0 = the ctx's) */
    /** ISA ceiling (SKINQ_ISA_* bits, as skinq_settings.isa_mask; default SKINQ_ISA_ALL) */
    unsigned isa_mask;
    int isa_only; /**< 0 (default): every level from scalar up to isa_mask the CPU has; 1: the
                       level isa_mask names alone (SKINQ_E_INVALID when the CPU lacks it) */
    int runs;     /**< timed repetitions per stage, 1..64 (default 5) */
    int quick;    /**< small generated sizes (for tests): 1 and 2 MP, fewer stages' sizes */
    void (*progress)(void *user, const char *what, int done, int total); /**< NULL or a progress sink */
    void *progress_user;
    /** NULL, or phantoms to measure accuracy on (skinq_bench_result.accuracy): a folder `skinq
     *  synth` wrote (its truth.json names the kind), or a folder whose subfolders are such folders
     *  (as `skinq synth --kind all` writes; those of kinds without a measure are listed, skipped) */
    const char *truth;
    int no_speed; /**< 1: no speed stages (dir, quick and the ISA levels unused): the accuracy alone */
    /** NULL, or a folder of real photos timed one by one beside the generated ones (generated mode:
     *  no dir); the CLI's default is the source tree's samples/real */
    const char *real;
} skinq_bench_options;

void skinq_bench_default_options(skinq_bench_options *o);

typedef struct skinq_bench_stage {
    char name[40]; /**< stage (see above), with the image size appended: "color@24MP" */
    char isa[8];   /**< the ISA level it ran at */
    int threads;
    double mpix_per_s; /**< megapixels per second at the median time */
    double p50_ms, p95_ms;
} skinq_bench_stage;

typedef struct skinq_bench_peer {
    char name[56];
    double mpix_per_s, p50_ms;
} skinq_bench_peer;

typedef struct skinq_bench_ratio {
    char name[96]; /**< e.g. "color@24MP avx2/scalar 1 thread" */
    double value;
} skinq_bench_ratio;

/**
 * The accuracy on one phantom beside its time (skinq_bench_options.truth). scar-stack: the depth
 * pipeline (skinq_depth_from_stack() with the default options, as `skinq depth --lights`) against
 * truth.json's scars, a found scar matched to the nearest unmatched true one whose centroid lies
 * within max(1 mm, its equivalent diameter / 2), and the normals against normals_true.png when the
 * stack has one. healing-series, recapture, course: every image registered onto the first
 * (skinq_align_register() with the default options, as `skinq compare`), the matrix against the
 * truth's inverse(transform_first) · transform_image, both mapping the image's pixels to the first's.
 */
typedef struct skinq_bench_accuracy {
    char *dir;            /**< the phantom folder (owned by the result) */
    char kind[24];        /**< truth.json's "kind" */
    int measured;         /**< 0: a kind with no accuracy measure (only in a folder of phantoms) */
    char method[48];      /**< the photometric-stereo method run ("trimmed" ...), or the registrations'
                               ("akaze+ransac+ecc" when every fit kept its ECC refinement, "akaze+ransac"
                               when none did, else "akaze+ransac(+ecc on K/N)") */
    int lights;           /**< scar-stack: lights in the stack; else 0 */
    int threads;          /**< threads the measurement ran on */
    double time_ms;       /**< scar-stack: one depth run (load, solve, integrate, find scars); else the
                               median time of one registration (load not included) */
    double time_total_ms; /**< every timed run together */
    /* scar-stack (else 0 / NaN) */
    int scars_true, scars_found, scars_extra; /**< truth's scars, matched ones, found but unmatched */
    double depth_error_pct;  /**< median over matched scars of |max depth − true| / true, % (NaN: none) */
    double volume_error_pct; /**< the same for the volume, % */
    double normal_error_deg[3]; /**< angle to normals_true.png: mean, median, p95 (NaN without it) */
    /* registrations (else 0 / NaN) */
    int pairs;                 /**< images registered onto the first */
    int registered;            /**< of them, fits that passed every check (the errors are over these) */
    int ecc_kept;              /**< of those, fits whose ECC refinement was kept */
    double corner_error_px[2]; /**< mean corner error (px of the first image) of each fit against the
                                    truth's transform: the mean over the fits and the largest */
} skinq_bench_accuracy;

/** Result of skinq_bench_run(); free with skinq_bench_free(). */
/**
 * One photo's figures: its distinct colours (the colour pass's cost grows with them: a smooth
 * rendering has a few thousand, a camera's 12-MP JPEG 10^5..10^6) and what the analysis of the
 * file costs beside decoding it. Generated photos, every photo of a sample set, real photos.
 */
typedef struct skinq_bench_photo_stat {
    char name[64];    /**< file name without its folder, or "generated@12MP" */
    double mpix;      /**< megapixels */
    uint64_t colors;  /**< distinct 8-bit RGB colours of the decoded photo */
    int threads;      /**< threads of the two analyses */
    double decode_ms; /**< decoding the file on 1 thread (median of the runs; one run in a sample set) */
    char decoder[24]; /**< what decode_ms times: "libjpeg-turbo bare" (a JPEG decoded from memory into a
                           reused buffer, as tjbench does) or "skinq_image_load" (other formats) */
    double color_ms;  /**< skinq_analyze_file() without texture, `threads` threads */
    double all_ms;    /**< skinq_analyze_file() with texture (20 px/mm in generated mode) */
} skinq_bench_photo_stat;

typedef struct skinq_bench_result {
    char cpu[64], isa[8];
    int threads;
    unsigned levels[4]; /**< the ISA masks run, rising */
    int n_levels;
    skinq_bench_stage *stages;
    int n_stages, stages_cap;
    skinq_bench_peer *peers;
    int n_peers, peers_cap;
    skinq_bench_ratio *ratios;
    int n_ratios, ratios_cap;
    double images_per_s[2];         /**< sample set: images a second on 1 thread and on `threads` */
    int images;                     /**< sample set: photos measured */
    skinq_bench_accuracy *accuracy; /**< per phantom, in folder-name order (options.truth) */
    int n_accuracy, accuracy_cap;
    skinq_bench_photo_stat *photos; /**< per photo: colours and cost against the decode */
    int n_photos, photos_cap;
    skinq_allocator alloc; /**< the allocator that owns the lists (internal) */
} skinq_bench_result;

/**
 * Run the benchmark. @param out  receives the result (free with skinq_bench_free()); unchanged on error.
 * @return SKINQ_OK; SKINQ_E_INVALID (options); errors of the stages (a sample-set photo that cannot
 *         be read names the file); with truth: SKINQ_E_IO (the folder cannot be read),
 *         SKINQ_E_FORMAT (no truth.json nor phantom subfolder, a bad truth.json, a named phantom of
 *         a kind without a measure: the message names the folder), the pipelines' errors.
 */
skinq_status skinq_bench_run(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result **out);

/** A stage by name (exact), ISA (NULL = any) and threads (<= 0 = any), or NULL. */
const skinq_bench_stage *skinq_bench_find_stage(const skinq_bench_result *r, const char *name,
                                                const char *isa, int threads);
const skinq_bench_peer *skinq_bench_find_peer(const skinq_bench_result *r, const char *name);

/** Free a result; NULL-safe; sets *r to NULL. */
void skinq_bench_free(skinq_bench_result **r);

/**
 * Write a sample set for `skinq bench DIR`: `count` generated photos of width×height as JPEG
 * q92, DIR/photo-0000.jpg …, made as a camera makes them (skin amid a patterned background, an
 * RGGB mosaic with shot and read noise, bilinear demosaicing: 10^5..10^6 distinct colours at 12
 * MP, as real photos have), each from its own seed (tone, light, pattern, pores and noise
 * differ). Each file is written atomically. Progress goes to o->progress when o is not NULL.
 */
skinq_status skinq_bench_make_set(skinq_ctx *ctx, const char *dir, int count, int width, int height,
                                  const skinq_bench_options *o);

/* --------------------------------------------- phantoms (lib/synth) */

/*
 * The phantoms' skin colour (healing series, course, recapture, texture ladder and the
 * spectral-skin patches): a layered spectral skin (lib/synth/spectral_skin.c, lib/synth/README.md
 * "Spectral skin") from an epidermal melanosome volume fraction and a dermal blood volume fraction,
 * integrated over 400–700 nm under D65 through the CIE 1931 observer to linear sRGB; then shading,
 * white-balance gains, exposure and sRGB encoding. Until issue 20 it was Beer–Lambert along three
 * vectors, the same ones the analysis inverted: a circular test.
 */

/** Options of the phantom generator; fill with skinq_synth_default_options() first. */
typedef struct skinq_synth_options {
    size_t size;       /**< sizeof(skinq_synth_options), set by skinq_synth_default_options() */
    const char *kind;  /**< "healing-series", "scar-stack", "texture-ladder", "chart", "recapture", "course",
                            "spectral-skin", or "all" (each kind in its own subfolder) */
    uint64_t seed;     /**< same seed → byte-identical files */
    int width, height; /**< 0 = the kind's default (healing-series, recapture, course 2000×1500, scar-stack
                            1024², texture-ladder patches 512², chart 1200×800) */
    double px_per_mm;  /**< scale of every kind but the chart (default 20) */
    double tau_days;   /**< healing-series: time constant of the hemoglobin excess (default 3); course:
                            the first cycle's (later cycles × 5/6, 4/6, 3.5/6, 3/6, 2.5/6) */
    int jpeg_quality;  /**< healing-series and course photos (default 92; recapture is always 85) */
    int count;         /**< recapture: shots (2-99; 0 = the default 10) */
    const double *copy_poses; /**< healing-series: NULL, or `copies` pairs (rotation °, scale): then
                                   day00.jpg and copy_NN.jpg only, day 0's skin, white balance and
                                   exposure re-rendered under each pose about the centre (a second
                                   photo of the same skin, not a resampled one; scale > 1 shows the
                                   skin larger); truth.json lists them under "copies" */
    int copies;               /**< number of copy_poses pairs, 0..99 */
    int cycles;               /**< course: procedures, 28 days apart (1-6; 0 = the default 3) */
    const char *camera;       /**< spectral-skin: a camera's sensitivities (CSV, skinq_camera_load()); NULL =
                                   the CIE 1931 observer under D65 → linear sRGB */
    double surface;           /**< spectral-skin: specular surface reflectance, flat in λ, 0..0.1 (default 0:
                                   cross-polarised capture; ~0.04 without a polariser) */
    const char *effects;      /**< scar-stack: NULL = the Lambertian stack; "skin" = every effect; or a comma
                                   list of specular, blur, noise, intensity, falloff, hair (lib/synth/README.md
                                   "Realistic photometric stack") */
    int lights;               /**< scar-stack: number of lights, 3..96 (0 = 6; more than 12: rings on a
                                   hemisphere, and a 512² default size) */
    int rgb_lights;           /**< scar-stack: nonzero = RGB images, each light's intensity [r, g, b] */
} skinq_synth_options;

void skinq_synth_default_options(skinq_synth_options *o);

/**
 * Write a phantom set with its ground truth (truth.json) into out_dir (created if missing).
 * @return SKINQ_OK; SKINQ_E_INVALID (unknown kind, bad size, options' size); SKINQ_E_IO (cannot write).
 */
skinq_status skinq_synth(skinq_ctx *ctx, const skinq_synth_options *o, const char *out_dir);

/* ------------------------------------------------------------------ trend */

/* One metric's course at a site, read from the store (`skinq trend`, the Python binding's
 * Store.trend): the series on the store's timeline, the MDC its fits must beat, the course. */

/** Options of skinq_trend_run(); fill with skinq_trend_default_options() first. */
typedef struct skinq_trend_options {
    size_t size;
    const char *subject, *site, *metric; /**< required; metric: a registry path (color.a.mean) */
    skinq_course_options course;         /**< model, cycle, from/to days; course.mdc95 NaN (default): the
                                              site's own repeatability when stored, else the registry's */
} skinq_trend_options;

void skinq_trend_default_options(skinq_trend_options *o);

/** A trend; free with skinq_trend_free(). */
typedef struct skinq_trend {
    skinq_trend_options options; /**< as run (its strings point at the copies below) */
    char *subject, *site, *metric;
    char *unit;                 /**< the stored unit ("" when no value) */
    skinq_course_point *points; /**< the values on the timeline, n of them (0: none stored) */
    int n, skipped;             /**< skipped: stored as null, or in pixels under an mm name */
    double mdc95;               /**< the MDC the fits were judged with */
    skinq_course *course;       /**< NULL when n == 0 */
    skinq_allocator alloc;      /**< (internal) */
} skinq_trend;

/**
 * Read a metric's series for a site and its course. @return SKINQ_OK (n == 0 when nothing is
 * stored: the caller says so); SKINQ_E_INVALID (a missing field, an unknown metric); the errors of
 * skinq_store_query() and skinq_course_analyse() (SKINQ_E_TOO_FEW: no window with enough points).
 */
skinq_status skinq_trend_run(skinq_ctx *ctx, skinq_store *store, const skinq_trend_options *o,
                             skinq_trend **out);
void skinq_trend_free(skinq_trend **t);

/** The trend as the JSON document of `skinq trend --json` (free with skinq_json_free()).
 *  @return SKINQ_OK; SKINQ_E_TOO_FEW (n == 0); SKINQ_E_NOMEM. */
skinq_status skinq_trend_json(const skinq_trend *t, char **out);

/* ------------------------------------------------------------- JSON trees */

/* The cJSON trees behind skinq_analysis_json(), for the CLI to extend and nest (cJSON's own type,
 * declared here only by name: include <cjson/cJSON.h> to use them). NULL when out of memory. */
struct cJSON;
/** The analysis document (NULL also when metric paths clash). */
struct cJSON *skinq_analysis_cjson(const skinq_analysis *a, const skinq_analysis_options *o,
                                   const char *camera);
/** Every metric into root as nested objects by dotted path ("color.a.mean" -> root.color.a.mean;
 *  numeric segments make arrays). @return 0, or -1 if a path clashes with a non-object value. */
int skinq_metrics_cjson(struct cJSON *root, const skinq_metrics *m);
/** A DNG's or camera RAW's capture and development ("image.raw"); developed: as the analysis's loader
 *  applied it (white balance "none" shown as "from --white"). */
struct cJSON *skinq_raw_cjson(const skinq_raw_info *r, int developed);
/** The trend document (skinq_trend_json()); NULL when n == 0 or out of memory. */
struct cJSON *skinq_trend_cjson(const skinq_trend *t);
/** The comparison document (skinq_compare_json()); NULL also when metric paths clash. */
struct cJSON *skinq_compare_cjson(const skinq_compare_result *r, const skinq_compare_options *co,
                                  const char *camera);
/** A registration: method, ok, matches, inliers, inlier_ratio, rms_px, overlap, ecc, residual,
 *  viewpoint and the matrix (after pixel -> before pixel); compare's and repeat's. */
struct cJSON *skinq_alignment_cjson(const skinq_alignment *al);
/** A number member, null when not finite (JSON has no NaN). */
struct cJSON *skinq_cjson_add_number(struct cJSON *obj, const char *key, double v);
/** doc printed compactly into *out (free with skinq_json_free()) and deleted. @return SKINQ_OK;
 *  SKINQ_E_NOMEM (also for a NULL doc). */
skinq_status skinq_cjson_print(struct cJSON *doc, char **out);
/** auto-skin's account: mode, path, detector, faces_found, faces, kept_fraction, model_lab. */
struct cJSON *skinq_skin_cjson(const skinq_skin_info *k);
/** The analysis options as `repeat --json` and the store record them: roi (and roi_rect, skin_mode,
 *  mask), ref, white, white_reflectance, camera, px_per_mm, red_threshold, texture. mask_path and
 *  camera_path: the files o->roi.mask and o->color.camera came from, written absolute (realpath), or
 *  NULL (an array's mask: no "mask" member). */
struct cJSON *skinq_analysis_options_cjson(const skinq_analysis_options *o, const char *mask_path,
                                           const char *camera_path);
/** The repeatability document (skinq_repeat_json()); NULL when out of memory. */
struct cJSON *skinq_repeat_cjson(const skinq_repeat_result *r, const skinq_compare_options *co,
                                 const char *mask_path, const char *camera_path);
/** A site's stored repeatability document (skinq_repeatability_json()); NULL when out of memory. */
struct cJSON *skinq_repeatability_cjson(const skinq_repeatability *rep, const char *subject,
                                        const char *site);
/** The depth document (skinq_depth_json()); NULL with *st set when an input file cannot be read
 *  (SKINQ_E_IO ...: the message names it) or out of memory (SKINQ_E_NOMEM, also clashing paths). */
struct cJSON *skinq_depth_cjson(skinq_ctx *ctx, const skinq_depth_result *r, const skinq_depth_options *o,
                                const skinq_depth_inputs *in, skinq_status *st);
/** An input file's provenance {"path", "size_bytes", "sha256"}; NULL with *st set when it cannot be
 *  read (the message in ctx names it). */
struct cJSON *skinq_file_cjson(skinq_ctx *ctx, const char *path, skinq_status *st);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* SKINQ_TOOLS_H */
