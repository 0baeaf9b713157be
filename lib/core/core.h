/* core.h -- internal: the context's insides, error reporting and allocation for every part. */
#ifndef SKINQ_CORE_H
#define SKINQ_CORE_H

#include "skinq.h"
#include "skinq_tools.h" /* the library builds its own tools too */

#include <stdarg.h>

#if defined(__GNUC__)
#define SKINQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SKINQ_PRINTF(f, a)
#endif

struct skinq_pool;

/* Scratch a part keeps in the context between calls (skinq_ctx_take / skinq_ctx_keep). */
enum { SKINQ_CACHE_COLOR_COUNTS, SKINQ_CACHE_PLANES, SKINQ_CACHE_COUNT };
typedef struct skinq_ctx_cache {
    void *p;
    void (*free_fn)(skinq_ctx *ctx, void *p);
} skinq_ctx_cache;

/* Constant tables a part builds through the context's allocator on first use and keeps until the
 * context closes (unlike scratch, never dropped: parameters borrow them). */
enum { SKINQ_TABLE_SRGB16, SKINQ_TABLE_SKIN, SKINQ_TABLE_SKIN_CAMERA, SKINQ_TABLE_COUNT };

struct skinq_ctx {
    skinq_allocator alloc;
    int threads;
    unsigned isa;
    uint64_t max_pixels;
    struct skinq_pool *pool;
    void (*warn_fn)(const char *msg, void *user);
    void *warn_user;
    skinq_ctx_cache cache[SKINQ_CACHE_COUNT];
    void *tables[SKINQ_TABLE_COUNT];
    uint64_t header_parses; /* files whose header lib/io probed (tests check: one per analysed photo) */
    uint64_t max_bytes;     /* limits (skinq_settings): decoded buffers and input files, */
    uint32_t max_png_chunk_bytes, max_png_chunks, max_jpeg_scans; /* PNG chunks, JPEG scans */
    int keep_buffers;                                             /* skinq_settings.keep_buffers */
    /* test hook: called by the analysis after a file's header is probed, before it is decoded */
    void (*after_probe)(void *user, const char *path);
    void *after_probe_user;
    char error[1024];
};

/** The scratch kept under `id` (the caller now owns it), or NULL. */
void *skinq_ctx_take(skinq_ctx *ctx, int id);
/** Give scratch back: kept under `id` if that slot is empty (freed with free_fn when the ctx closes
 *  or a later keep finds the slot full), else freed now. */
void skinq_ctx_keep(skinq_ctx *ctx, int id, void *p, void (*free_fn)(skinq_ctx *ctx, void *p));
/** Free every kept scratch (before a pass whose peak memory matters, and at close). */
void skinq_ctx_drop_caches(skinq_ctx *ctx);
/** skinq_settings.keep_buffers: a batch's analyses keep their scratch (no drop before the texture). */
int skinq_ctx_keeps_buffers(const skinq_ctx *ctx);

/**
 * Record a detailed message in ctx (printf-style) and return `s`, so a failure reads
 * `return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': %s", path, why);`.
 * ctx may be NULL (then only `s` is returned).
 */
skinq_status skinq_fail(skinq_ctx *ctx, skinq_status s, const char *fmt, ...) SKINQ_PRINTF(3, 4);

/** Send a warning to the ctx's handler, if any. */
void skinq_warn(skinq_ctx *ctx, const char *fmt, ...) SKINQ_PRINTF(2, 3);

/** An input file's bytes, read once (input.c): probe, hash and decode all use these. */
typedef struct skinq_input {
    const uint8_t *data;
    size_t size;
    const char *name; /* the path (borrowed), for messages */
    uint8_t *owned;   /* data when read from a file (ctx's memory) */
} skinq_input;

/** skinq_input_open() flag: accept a FIFO, device or socket (read to its end); default: refused. */
#define SKINQ_INPUT_SPECIAL 1u

/**
 * Open `path` once (O_RDONLY|O_NOCTTY|O_NONBLOCK|O_CLOEXEC), fstat it, refuse anything but a
 * regular file ("'PATH': not a regular file (a fifo)", SKINQ_E_IO) unless `flags` allow it, and
 * read its bytes into `in`; files above the ctx's max_bytes are refused (SKINQ_E_LIMIT).
 * Release with skinq_input_close().
 */
skinq_status skinq_input_open(skinq_ctx *ctx, const char *path, unsigned flags, skinq_input *in);
/** An input over caller-owned memory (nothing to release; `name` for messages, may be NULL). */
void skinq_input_mem(skinq_input *in, const void *data, size_t size, const char *name);
void skinq_input_close(skinq_ctx *ctx, skinq_input *in);

/** Allocate through an allocator; NULL on failure (nothing recorded). */
void *skinq_alloc_raw(const skinq_allocator *a, size_t size);
void skinq_free_raw(const skinq_allocator *a, void *p);

/** Allocate through ctx's allocator; on failure records "out of memory (N bytes)" and returns NULL. */
void *skinq_malloc(skinq_ctx *ctx, size_t size);
void *skinq_calloc(skinq_ctx *ctx, size_t n, size_t size);
/** Move p's first min(old_size, new_size) bytes to a new block of new_size and free p; on failure
 *  NULL (p untouched, "out of memory" recorded). The hooks have no realloc: this always copies. */
void *skinq_realloc(skinq_ctx *ctx, void *p, size_t old_size, size_t new_size);
void skinq_free(skinq_ctx *ctx, void *p);

/**
 * Take the caller's options `src` (NULL = keep the defaults) into `dst`, which holds this
 * library's defaults and is `dst_size` bytes; both begin with `size_t size`. An older caller's
 * smaller struct fills only the fields it knows (the rest keep their defaults); a newer caller's
 * larger one is accepted when every byte beyond dst_size is zero. dst->size is dst_size after.
 * @return SKINQ_OK, or SKINQ_E_INVALID (size < sizeof(size_t), or a non-zero unknown field),
 *         the message naming the struct (`what`). dst keeps its defaults on error.
 */
skinq_status skinq_options_take(skinq_ctx *ctx, void *dst, size_t dst_size, const void *src,
                                const char *what);

/** Repeatability (lib/align/repeat.c, lib/track/store.c): 1 when a metric path is a measurement
 *  whose spread over re-captures means something; 0 for histogram bins, the texture pass's tile
 *  parameters and the registration's own figures (alignment.*). */
int skinq_metric_repeatable(const char *path);

/** Minimal detectable change at 95 % confidence of a difference of two measurements with
 *  standard deviation sd each: 1.96·√2·sd. */
double skinq_mdc95(double sd);

/** An entry point's options in two lines: `skinq_x_options o; skinq_status st = SKINQ_OPTIONS_TAKE(ctx, &o,
 *  opt, skinq_x_default_options, "skinq_x_options");` -- the defaults, then the caller's fields over them. */
#define SKINQ_OPTIONS_TAKE(ctx, dst, src, default_fn, what)                                                  \
    (default_fn(dst), skinq_options_take((ctx), (dst), sizeof *(dst), (src), (what)))

/** n*m without overflow: 0 on success, -1 if the product overflows size_t. */
static inline int skinq_mul_size(size_t n, size_t m, size_t *out)
{
    if (m != 0 && n > SIZE_MAX / m)
        return -1;
    *out = n * m;
    return 0;
}

/**
 * Copy a w x h buffer of `px`-byte pixels into dst with an EXIF orientation (1-8) applied;
 * dst is h x w for orientations 5-8. No allocation, cannot fail.
 */
void skinq_orient_copy(const uint8_t *src, size_t sstride, int w, int h, size_t px, int orientation,
                       uint8_t *dst, size_t dstride);

/**
 * skinq_image_new() with the zero fill optional: decoders that write every pixel pass zero = 0
 * and save a full pass over memory (the fill cost more than the decode itself on 24-MP photos).
 */
skinq_status skinq_image_alloc(skinq_ctx *ctx, int width, int height, int channels, int depth, int zero,
                               skinq_image **out);

/* FFTW planner lock (fftw_lock.c): every fftwf_plan_* and fftwf_destroy_plan call in the
 * library goes between these two; executing plans on other arrays needs no lock. */
/** ISA mask `want` lowered by the SKINQ_ISA environment variable and by the CPU (cpu.c). */
unsigned skinq_isa_ceiling(unsigned want);
/** 1 when the CPU has the SHA extensions (used at the SSE4.1 level: core's table, dsp.h). */
int skinq_cpu_has_sha(void);
/** skinq_sha256_hex() through the kernel table of ISA mask `isa` (tests compare the levels). */
void skinq_sha256_hex_isa(const void *data, size_t size, unsigned isa, char hex[65]);

/** The k-th smallest of n > 0 NaN-free floats (k < n); v is reordered so that nothing before
 *  v[k] is larger and nothing after it smaller (Hoare's selection, expected O(n); quantile.c). */
float skinq_select_kth(float *v, size_t n, size_t k);

/** Solve the n×n system a·x = b (a row-major with row stride lda doubles) by Gaussian elimination
 *  with partial pivoting; a and b are overwritten. 0, or -1 when a pivot is not above rel_tol × the
 *  largest diagonal entry (nor above 1e-300): singular for the caller's purpose; linsolve.c. */
int skinq_solve_small(double *a, size_t lda, double *b, int n, double rel_tol, double *x);
/** Quantile q (0..1) of n > 0 NaN-free floats, linear between order statistics (type 7, as
 *  numpy's default); v is reordered (quantile.c). */
double skinq_quantile_inplace(float *v, size_t n, double q);

void skinq_fftw_lock(void);
void skinq_fftw_unlock(void);

/* Thread pool (pool.c). */
skinq_status skinq_pool_new(skinq_ctx *ctx, int threads, struct skinq_pool **out);
void skinq_pool_free(skinq_ctx *ctx, struct skinq_pool **pool);

#endif /* SKINQ_CORE_H */
