/* color_kernels.h -- internal: the colour kernel table (struct skinq_color_dsp), the kernels'
 * parameters, accumulators, shared inline maths and per-ISA inits. Kernels × ISA: lib/color/README.md.
 *
 * Kernels (slots of struct skinq_color_dsp, below):
 *   color_row8     the fused analysis pass over n 8-bit RGB pixels: linearise (table), white
 *                  gains, L*a*b*, the four indices, ITA°, then per-pixel validity (mask, clipping)
 *                  and accumulation (moments + histograms) and/or per-metric output rows.
 *                  scalar, SSE4.1, AVX2.
 *   color_row16    the same for 16-bit RGB (65536-entry tables).  scalar, SSE4.1, AVX2.
 *   color_hist8    exact 24-bit colour histogram of 8-bit RGB (+ mask): the fast path of the
 *                  statistics (see below).  scalar, SSE4.1, AVX2.
 *   color_to_fixed / color_fixed8_L   rows of L* and melanin index to the texture pass's 16-bit
 *                  fixed point (plain C in color_fixed_tpl.h, built baseline and with the AVX2
 *                  file's flags, which vectorise them 8 a step): BIT-EXACT.  scalar, AVX2.
 *
 * Float rules of color_row8/16 (style.md rule 10): every ISA evaluates the same float
 * expressions in the same order without FMA (the AVX2 file is compiled with -ffp-contract=off and
 * the template never calls an fmadd), min/max/compare semantics are written in the scalar code as
 * the SIMD instructions define them, and tables are shared. So:
 *   BIT-EXACT across ISAs: every per-pixel value (the 8 metrics written to `out`), validity,
 *     the pixel counts and all histogram bins (hence every percentile and red-area figure).
 *   TOLERANCED: the moment sums (sum, sum of squares). The scalar kernel adds every pixel in
 *     double; the SIMD kernels add VW lanes in float over blocks of at most SKINQ_COLOR_BLOCK
 *     steps, then add the block in double. Means and standard deviations agree with scalar to
 *     ~1e-9 relative (tests check 1e-6).
 * Accuracy against the double reference: L*, a*, b* of color_row8 within 0.005 for all 2^24 8-bit
 * colours on every ISA (measured: tests/kernels/check_color.c output); indices use exact-rounded
 * tables. */
#ifndef SKINQ_COLOR_KERNELS_H
#define SKINQ_COLOR_KERNELS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/dsp.h"

/* sRGB (IEC 61966-2-1) linear RGB → XYZ, D65, and the D65 white used to normalise XYZ. The
 * rows are pre-divided by the white so the kernels compute X/Xn, Y/Yn, Z/Zn directly. */
#define SKINQ_XN 0.95047
#define SKINQ_YN 1.0
#define SKINQ_ZN 1.08883
static const float skinq_rgb2xyz_n[9] = {
    (float)(0.4124564 / SKINQ_XN), (float)(0.3575761 / SKINQ_XN), (float)(0.1804375 / SKINQ_XN),
    (float)(0.2126729 / SKINQ_YN), (float)(0.7151522 / SKINQ_YN), (float)(0.0721750 / SKINQ_YN),
    (float)(0.0193339 / SKINQ_ZN), (float)(0.1191920 / SKINQ_ZN), (float)(0.9503041 / SKINQ_ZN),
};

/* 8-bit code → linear value: skinq_srgb8_decode_table() (color/srgb.h). */
/** 8-bit code → −log10(linear); code 0 (linear 0, excluded as clipped) holds the value of code 0.5. */
extern float skinq_srgb8_od[256];
void skinq_color_tables_init(void);
/** The 16-bit tables in ctx's memory, built on its first 16-bit use and kept until it closes:
 *  65536 linear values, then 65536 optical densities (code 0 as in the 8-bit one). NULL when the
 *  512 KB could not be allocated (recorded in ctx). */
const float *skinq_color_tables16(skinq_ctx *ctx);

/* ------------------------------------------------------------- the fused pass */

/** The per-pixel metrics, in kernel order (out[] rows, histograms, moments). */
enum {
    SKINQ_CM_L,   /**< CIELAB L* */
    SKINQ_CM_A,   /**< a* */
    SKINQ_CM_B,   /**< b* */
    SKINQ_CM_EI,  /**< erythema index 100·log10(R/G) */
    SKINQ_CM_MI,  /**< melanin index 100·log10(1/R) */
    SKINQ_CM_HB,  /**< dermal blood volume fraction (the inverted spectral model); NaN out of it */
    SKINQ_CM_MEL, /**< epidermal melanosome volume fraction (the same model); NaN out of it */
    SKINQ_CM_ITA, /**< individual typology angle, degrees */
    SKINQ_CM_COUNT
};

/** Histogram bins per metric; bin SKINQ_CHIST_BINS (after the last) is a dump for invalid pixels
 * and SIMD tail padding, so the kernels store without a branch: its count means nothing. */
#define SKINQ_CHIST_BINS 16384
#define SKINQ_CHIST_STRIDE (SKINQ_CHIST_BINS + 16)
/** SIMD lanes are summed in float for at most this many steps, then added in double. */
#define SKINQ_COLOR_BLOCK 32

/**
 * Constants of one analysis (color.c builds them). Bin of value v for metric m:
 *   t = (v − hist_lo[m])·hist_scale[m]; t = t > 0 ? t : 0; t = t < BINS−1 ? t : BINS−1; bin = (int)t
 * (the max/min written with SIMD semantics: a NaN lands in bin 0).
 */
struct skinq_color_dsp;

/**
 * The inverted spectral skin model as a table (skin_table.c): (melanin, blood, G) at the nodes of
 * a grid over u = log10(R/G), v = log10(B/G), G the model's linear green at shading 1; node
 * (x, y) is u = u0 + x/su, v = v0 + y/sv. NaN nodes (always the border ring) are out of the
 * model. Lookup, in this order (the kernels'):
 *   x = (u − u0)·su, y = (v − v0)·sv, each clamped to [0, SKINQ_SKIN_TAB_XMAX] (max, then min);
 *   xi = trunc(x), fx = x − xi (y alike); i = yi·3N + xi·3 (exact in float);
 *   value_k = (q[i+k]·(1 − fx) + q[i+3+k]·fx)·(1 − fy) + (q[i+3N+k]·(1 − fx) + q[i+3N+3+k]·fx)·fy
 * (q the flat table, k = 0 melanin, 1 blood); then NaN when a linear channel is under
 * SKINQ_SKIN_DARK (its chromaticity is quantisation noise: skin_invert.c's DARK_MIN) or when the
 * shading g/G (G = q[i+2], the cell's first node's: no interpolation for a coarse bound) is outside
 * [SKINQ_SKIN_SHADING_MIN, SKINQ_SKIN_SHADING_MAX]: darker than lit skin of that colour (black hair, pupils:
 * their chromaticity is pale skin's at a few % shading), or brighter than any exposure of it.
 */
#define SKINQ_SKIN_TAB_N 160
#define SKINQ_SKIN_TAB_XMAX ((float)(SKINQ_SKIN_TAB_N - 1) - 0.0009765625f)
#define SKINQ_SKIN_DARK 0.002f
#define SKINQ_SKIN_SHADING_MIN 0.05f
#define SKINQ_SKIN_SHADING_MAX 3.0f
typedef struct skinq_skin_table {
    float u0, v0, su, sv;
    float tab[SKINQ_SKIN_TAB_N][SKINQ_SKIN_TAB_N][3];
} skinq_skin_table;

/** The table of the model for camera `cam`: NULL (CIE 1931 + D65 → sRGB) is built with the
 *  library; a camera's on ctx's first use of it (~0.25 s), kept until ctx closes (one camera at a
 *  time). NULL when it could not be built (recorded in ctx). */
const skinq_skin_table *skinq_color_skin_table(skinq_ctx *ctx, const skinq_camera *cam);
/** Build a table (skinq_free it): what skinq_color_skin_table() and tools/gen_skin_table.c use. */
skinq_status skinq_color_skin_table_build(skinq_ctx *ctx, const skinq_camera *cam, skinq_skin_table **out);
/** sRGB's table, generated at build time (build/skin_table_srgb.c); NULL in the generator itself. */
extern const skinq_skin_table *const skinq_skin_table_srgb;

typedef struct skinq_color_params {
    const struct skinq_color_dsp *dsp; /**< the context's colour kernel table (skinq_color_params_init) */
    const float *lin;                  /**< code → linear value (256 or 65536 entries, by kernel) */
    const float *od;                   /**< code → −log10(linear value), finite */
    float gain[3];                     /**< white gains on linear R, G, B (1 when none) */
    float od_offset[3];                /**< −log10(gain[c]) */
    const skinq_skin_table *skin;      /**< melanin and blood by chromaticity */
    float hist_lo[SKINQ_CM_COUNT], hist_scale[SKINQ_CM_COUNT];
    float shift[SKINQ_CM_COUNT]; /**< moments are of (v − shift): near the mean keeps the sums exact */
} skinq_color_params;

/** One thread's (or one tile's) accumulation; zero it (and its histogram) before use. */
typedef struct skinq_color_acc {
    double sum[SKINQ_CM_COUNT], sumsq[SKINQ_CM_COUNT]; /**< of (v − shift) over valid pixels */
    uint64_t n;       /**< valid pixels: inside the mask and no channel at 0 or full scale */
    uint64_t n_model; /**< valid pixels inside the skin model (the count of SKINQ_CM_HB, _MEL) */
    uint64_t clipped; /**< inside the mask but some channel at 0 or full scale (excluded) */
    uint64_t inside;  /**< inside the mask (n + clipped) */
    uint32_t *hist;   /**< SKINQ_CM_COUNT × SKINQ_CHIST_STRIDE counts */
} skinq_color_acc;

/* Kernel contract, both depths: n pixels of interleaved R, G, B (any n, no alignment demanded),
 * mask = n bytes (nonzero = inside) or NULL (all inside). acc = NULL: no accumulation. out = NULL,
 * or SKINQ_CM_COUNT row pointers each NULL or room for n floats: the metrics of every pixel,
 * valid or not, are written there. Reads exactly 3n samples and n mask bytes; writes only
 * out[m][0..n-1] and acc. */
/* Rows that only write L* and the melanin index (the texture planes), with no accumulation,
 * evaluate just those two by the same expressions: the same bits at a quarter of the work. */
static inline int skinq_color_lmi_only(const skinq_color_acc *acc, float *const *out)
{
    if (acc || !out)
        return 0;
    for (int k = 0; k < SKINQ_CM_COUNT; k++)
        if (out[k] && k != SKINQ_CM_L && k != SKINQ_CM_MI)
            return 0;
    return 1;
}

typedef void (*skinq_color_row8_fn)(const skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask,
                                    size_t n, skinq_color_acc *acc, float *const *out);
typedef void (*skinq_color_row16_fn)(const skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask,
                                     size_t n, skinq_color_acc *acc, float *const *out);

/* ---- shared scalar maths: the reference every SIMD body mirrors operation for operation ---- */

#define SKINQ_CBRT_MAGIC 0x54a2fa8c  /* inverse-cube-root first guess: K − bits(t)/3 */
#define SKINQ_LAB_EPS 0.008856452f   /* (6/29)^3 */
#define SKINQ_LAB_TOE_K 7.787037f    /* (29/6)^2/3 */
#define SKINQ_LAB_TOE_C 0.137931034f /* 4/29 */

/* Minimax-style fit of atan(a) = a·P(a²) on [0, 1]: max error 4e-8 rad (tests/kernels checks
 * ITA against atan2 in double). Coefficients c0..c7 of P. */
static const float skinq_atan_c[8] = {0.9999993343673721f,   -0.3332985624973443f,  0.1994651716447861f,
                                      -0.1390840142166728f,  0.09641646140827206f,  -0.05590518776573711f,
                                      0.021858243928663364f, -0.004053320883130003f};

/* Cube root without division: r ≈ t^(−1/3) from the exponent bits (integer division by 3 done in
 * float, as cvtps does, round to nearest), two Householder steps r ← r·(1 + d·(1/3 + d·2/9)) with
 * d = 1 − t·r³ (cubic convergence: 8 % → 3e-4 → 3e-7 relative), then cbrt(t) = t·r·r. */
static inline float skinq_cbrt_hh(float t)
{
    int32_t i;
    memcpy(&i, &t, 4);
    int32_t g = SKINQ_CBRT_MAGIC - (int32_t)rintf((float)i * (1.0f / 3.0f)); /* = lrintf; rintf vectorises */
    float r;
    memcpy(&r, &g, 4);
    for (int k = 0; k < 2; k++) {
        float d = 1.0f - t * ((r * r) * r);
        r = r * (d * (d * (2.0f / 9.0f) + (1.0f / 3.0f)) + 1.0f);
    }
    return (t * r) * r;
}

/* f(t) of CIE 15; the cube root is evaluated on max-safe input like the SIMD blend does. */
static inline float skinq_lab_f_hh(float t)
{
    return t > SKINQ_LAB_EPS ? skinq_cbrt_hh(t) : t * SKINQ_LAB_TOE_K + SKINQ_LAB_TOE_C;
}

/* atan2(y, x) in radians from the polynomial: |x|, |y| ordered, a = min/max (max floored at
 * FLT_MIN so atan2(0, 0) = 0), then the octant fixes in this order: π/2 − r when |y| > |x|,
 * π − r when x < 0, −r when y < 0. */
static inline float skinq_atan2_poly(float y, float x)
{
    float ax = fabsf(x), ay = fabsf(y);
    float mx = ax > ay ? ax : ay, mn = ax < ay ? ax : ay;
    mx = mx > 1.17549435e-38f ? mx : 1.17549435e-38f;
    float a = mn / mx, s = a * a;
    float p = skinq_atan_c[7];
    for (int k = 6; k >= 0; k--)
        p = p * s + skinq_atan_c[k];
    float r = a * p;
    if (ay > ax)
        r = 1.57079637f - r;
    if (x < 0)
        r = 3.14159274f - r;
    if (y < 0)
        r = -r;
    return r;
}

/* SIMD max/min semantics: max(a, b) = a > b ? a : b (NaN a → b). */
static inline float skinq_bin_f(float v, float lo, float scale)
{
    float t = (v - lo) * scale;
    t = t > 0.0f ? t : 0.0f;
    t = t < (float)(SKINQ_CHIST_BINS - 1) ? t : (float)(SKINQ_CHIST_BINS - 1);
    return t;
}

/* Melanin and blood from the table (see skinq_skin_table): linear r, g, b and their densities. */
static inline void skinq_skin_lookup(const skinq_skin_table *t, float r, float g, float b, float odr,
                                     float odg, float odb, float *mel, float *blood)
{
    const float xmax = SKINQ_SKIN_TAB_XMAX;
    float x = ((odg - odr) - t->u0) * t->su, y = ((odg - odb) - t->v0) * t->sv;
    x = x > 0.0f ? x : 0.0f;
    x = x < xmax ? x : xmax;
    y = y > 0.0f ? y : 0.0f;
    y = y < xmax ? y : xmax;
    float xi = (float)(int32_t)x, yi = (float)(int32_t)y, fx = x - xi, fy = y - yi;
    float gx = 1.0f - fx, gy = 1.0f - fy;
    const float *q = &t->tab[0][0][0] + (int32_t)(yi * (float)(3 * SKINQ_SKIN_TAB_N) + xi * 3.0f);
    const int row = 3 * SKINQ_SKIN_TAB_N;
    float v[2];
    for (int k = 0; k < 2; k++)
        v[k] = (q[k] * gx + q[3 + k] * fx) * gy + (q[row + k] * gx + q[row + 3 + k] * fx) * fy;
    float shading = g / q[2]; /* the cell's first node's G: within ~1 %, the bounds are coarse */
    int out = r < SKINQ_SKIN_DARK || g < SKINQ_SKIN_DARK || b < SKINQ_SKIN_DARK ||
              !(shading >= SKINQ_SKIN_SHADING_MIN && shading <= SKINQ_SKIN_SHADING_MAX);
    *mel = out ? NAN : v[0];
    *blood = out ? NAN : v[1];
}

/* Metrics that can be NaN (out of the skin model) count only where they are not. */
static inline int skinq_cm_model(int m)
{
    return m == SKINQ_CM_HB || m == SKINQ_CM_MEL;
}

/* ---------------------------------------------------- the colour histogram (8-bit) */

/*
 * color_hist8: an 8-bit image's colours are a sufficient statistic for every per-pixel colour
 * metric, so the fast path counts them exactly in a 2^24-entry histogram (index r<<16 | g<<8 | b;
 * entry SKINQ_HIST8_DUMP counts the pixels outside the mask) and evaluates the metrics once per
 * distinct colour (colorhist.c). rows[r<<8 | g] is set for every (r, g) row holding a count, so
 * the histogram is only ever read where it was written (its untouched pages are never faulted in).
 * BIT-EXACT across ISAs (integer counts). Runs of equal colours are added at once: neighbouring
 * pixels of smooth skin often share a colour, and back-to-back increments of one counter would
 * wait on each other's stores.
 */
#define SKINQ_HIST8_SIZE ((1u << 24) + 1)
#define SKINQ_HIST8_DUMP (1u << 24)
#define SKINQ_HIST8_ROWS ((1u << 16) + 1)

typedef struct skinq_hist_run {
    uint32_t prev, run;
} skinq_hist_run;

static inline void skinq_hist_push(skinq_hist_run *r, uint32_t idx, uint32_t *hist, uint8_t *rows)
{
    if (idx == r->prev) {
        r->run++;
        return;
    }
    hist[r->prev] += r->run;
    rows[r->prev >> 8] = 1;
    r->prev = idx;
    r->run = 1;
}

static inline void skinq_hist_flush(skinq_hist_run *r, uint32_t *hist, uint8_t *rows)
{
    hist[r->prev] += r->run;
    rows[r->prev >> 8] = 1;
    r->run = 0;
}

/* Pixels [i, n) one by one: the scalar reference's loop body and every SIMD kernel's tail. */
static inline void skinq_hist8_pixels(skinq_hist_run *r, const uint8_t *rgb, const uint8_t *mask, size_t i,
                                      size_t n, uint32_t *hist, uint8_t *rows)
{
    for (; i < n; i++) {
        const uint8_t *p = rgb + 3 * i;
        uint32_t idx = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        skinq_hist_push(r, mask && !mask[i] ? SKINQ_HIST8_DUMP : idx, hist, rows);
    }
}

/* ------------------------------------------- fixed point for the texture pass */

/* L* and the melanin index to skinq_texture_execute16()'s fixed point: branch-free selects, so
 * the loops over a row vectorise. */
static inline uint16_t skinq_fixed_L(float L)
{
    float v = L * SKINQ_L16_SCALE + 0.5f;
    v = v > 0 ? v : 0; /* NaN → 0 */
    return (uint16_t)(int)(v < 65535.0f ? v : 65535.0f);
}

static inline int16_t skinq_fixed_mel(float mel)
{
    const float v = mel * SKINQ_MEL16_SCALE, c = v > 32767.0f ? 32767.0f : v < -32767.0f ? -32767.0f : v;
    const int finite = v - v == 0; /* NaN and ±inf: SKINQ_MEL16_NONE */
    /* lrintf's round-half-even as float adds (exact for |c| < 2^22), which vectorise */
    const int q = (int)(((finite ? c : 0.0f) + 12582912.0f) - 12582912.0f);
    return finite ? (int16_t)q : SKINQ_MEL16_NONE;
}

typedef void (*skinq_color_hist8_fn)(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist,
                                     uint8_t *rows);
/** n values of L* and of the melanin index into fixed point (either output may be NULL). */
typedef void (*skinq_color_to_fixed_fn)(const float *restrict L, const float *restrict mel,
                                        uint16_t *restrict L16, int16_t *restrict mel16, int n);
/** L* = 116·f(Y/Yn) − 16 of n values Y/Yn, as the row kernels compute it, into fixed point. */
typedef void (*skinq_color_fixed8_L_fn)(const float *restrict Y, uint16_t *restrict L16, int n);

/** The colour kernel table: one per ISA mask (skinq_color_dsp), filled by skinq_color_dsp_init. */
struct skinq_color_dsp {
    struct skinq_dsp_meta meta;
    skinq_color_row8_fn color_row8;   /**< the fused pass, 8-bit RGB */
    skinq_color_row16_fn color_row16; /**< the same for 16-bit RGB */
    skinq_color_hist8_fn color_hist8; /**< exact colour histogram of 8-bit RGB (+ mask) */
    skinq_color_to_fixed_fn color_to_fixed;
    skinq_color_fixed8_L_fn color_fixed8_L;
};

/** The scalar reference kernels (color_scalar.c). */
void skinq_color_row8_scalar(const skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask, size_t n,
                             skinq_color_acc *acc, float *const *out);
void skinq_color_row16_scalar(const skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask, size_t n,
                              skinq_color_acc *acc, float *const *out);
void skinq_color_hist8_scalar(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist,
                              uint8_t *rows);
void skinq_color_to_fixed_scalar(const float *restrict L, const float *restrict mel, uint16_t *restrict L16,
                                 int16_t *restrict mel16, int n);
void skinq_color_fixed8_L_scalar(const float *restrict Y, uint16_t *restrict L16, int n);

/** The histogram ranges every analysis uses (color.c): lo and 1/bin width per metric. */
extern const float skinq_color_hist_lo[SKINQ_CM_COUNT], skinq_color_hist_scale[SKINQ_CM_COUNT];

/** Fill a table: the scalar kernels, then each level `isa` allows (the ISA files' inits). */
void skinq_color_dsp_init(struct skinq_color_dsp *d, unsigned isa);
void skinq_color_dsp_init_sse41(struct skinq_color_dsp *d);
void skinq_color_dsp_init_avx2(struct skinq_color_dsp *d);
/** The table of ISA mask `isa` (skinq_ctx_isa), built once. */
const struct skinq_color_dsp *skinq_color_dsp(unsigned isa);

#endif
