/* texture_kernels.h -- internal: the texture kernel table (struct skinq_texture_dsp), the kernels'
 * contracts, the inline pieces the scalar and AVX2 kernels share, and the per-ISA inits. Kernels ×
 * ISA: lib/texture/README.md. The scalar kernels are in texture_scalar.c, the AVX2 ones in
 * texture_avx2.c; texture_tpl.h holds the plain-C bodies both build (the GLCM rows and the spots
 * passes: vectorised by the AVX2 file's flags, -ffp-contract=off, so the same bits).
 * Every kernel is BIT-EXACT against its scalar entry (tests/kernels/check_texture.c). */
#ifndef SKINQ_TEXTURE_KERNELS_H
#define SKINQ_TEXTURE_KERNELS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/dsp.h"

/** Runs the body (the variadic part) with q set to the index of every non-zero byte of
 *  flags[0 .. n) (each 0 or 1; the bytes up to the next multiple of 8 must be 0), ascending:
 *  eight flags are read as a word and its set flags reached through their bit positions, no
 *  branch per flag (a flag-by-flag scan mispredicted on every sparse candidate). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TEX_FOR_FLAGS(flags, n, q, ...)                                                                      \
    for (int q##_w = 0; q##_w < (n); q##_w += 8) {                                                           \
        uint64_t q##_e;                                                                                      \
        memcpy(&q##_e, (flags) + q##_w, 8);                                                                  \
        while (q##_e) {                                                                                      \
            const int q = q##_w + (__builtin_ctzll(q##_e) >> 3);                                             \
            q##_e &= q##_e - 1;                                                                              \
            __VA_ARGS__                                                                                      \
        }                                                                                                    \
    }
#else
#define TEX_FOR_FLAGS(flags, n, q, ...)                                                                      \
    for (int q = 0; q < (n); q++)                                                                            \
        if ((flags)[q]) {                                                                                    \
            __VA_ARGS__                                                                                      \
        }
#endif

/** The index of e's lowest set bit (e != 0). */
static inline int tex_ctz64(uint64_t e)
{
#if defined(__GNUC__)
    return __builtin_ctzll(e);
#else
    int k = 0;
    while (!(e & 1))
        e >>= 1, k++;
    return k;
#endif
}

/* lines' candidate test (tex_line_mask), shared by the scalar kernel and the AVX2 one (whose last
 * < 8 pixels go through it). */
/* Pixel b[k] (one of a row of a plane w floats wide) at scale s2 = σ² may beat best[k] (NULL:
 * 0, the level's first plane) with R = m1·e^−z, z = 2(m2/m1)²: the larger Hessian eigenvalue m1
 * of a dark ridge (m1 >= |m2|) reaches thr and best (R <= m1), and so does a bound of R from
 * e^z >= 1 + z + z²/2 + z³/6, with a margin far above the roundings of expf and of the bound
 * (about half the pixels with m1 above both fail it: no expf for them). The kernels compute it
 * for n pixels into bits (bit k % 8 of byte k / 8; the bytes up to the next multiple of 8 are 0)
 * and, at least where a bit is set, the terms line_try needs into rows hs floats apart:
 * term[T_x·hs + k]. The AVX2 one does the same operations in the same order (no FMA): the same
 * bits and terms. */
enum { T_M1, T_RB, T_DF, T_XY, T_D, LINE_TERMS }; /* m1, m2/m1, xx − yy, xy, sqrt((xx − yy)² + 4xy²) */

static inline int tex_line_eval(const float *b, int w, float s2, float thr, float bst, float *term, size_t hs)
{
    float xx = s2 * (b[-1] + b[1] - 2 * b[0]), yy = s2 * (b[-w] + b[w] - 2 * b[0]);
    float xy = s2 * 0.25f * (b[w + 1] - b[w - 1] - b[-w + 1] + b[-w - 1]);
    float d = sqrtf((xx - yy) * (xx - yy) + 4 * xy * xy);
    float m1 = 0.5f * (xx + yy + d), m2 = 0.5f * (xx + yy - d);
    const int above = (m1 >= fabsf(m2)) & (m1 >= thr) & (m1 > bst);
    if (!term) /* the first test only */
        return above;
    float rb = (xx + yy - m1) / m1, z = rb * rb * 2.0f; /* 1/(2β²) = 2 */
    const float lim = bst > thr ? bst : thr;
    term[T_M1 * hs] = m1, term[T_RB * hs] = rb, term[T_DF * hs] = xx - yy, term[T_XY * hs] = xy,
                term[T_D * hs] = d;
    return above & !(m1 * 1.0001f < lim * (1 + z * (1 + z * (0.5f + z * (1.0f / 6)))));
}

/* ---- spots' passes (spots.c drives them; bodies in texture_tpl.h) ---- */

/** The image view of the texture parts (texture_int.h). */
struct tex_img;

/** The spots baseline on a grid D times coarser (spots.c): gw×gh blurred block sums, and per
 *  image column the two grid columns it lies between and the weight of the second. */
typedef struct tex_base_grid {
    int D, gw, gh;
    float *num, *den; /* gw×gh blurred block sums */
    int *xa, *xb;     /* per column: the two grid columns it lies between, ... */
    float *tx;        /* ... and the weight of the second */
    int *ra, *rb;     /* xa, xb less those of the first column of its group of 8 (0..7) */
} tex_base_grid;

/* rows of a box-rows task (its vector's lanes), columns of a box-cols one */
enum { TEX_BOX_ROWS = 4, TEX_BOX_COLS = 64 };

/** A thread's scratch for either box pass on a w×h plane: its task's rows, or its columns. */
static inline size_t tex_box_tmp(int w, int h)
{
    const size_t r = (size_t)TEX_BOX_ROWS * (size_t)w, c = (size_t)TEX_BOX_COLS * (size_t)h;
    return r > c ? r : c;
}

/* ---- kernel signatures ---- */

/** The blur's row kernel: o[x] = k[0]·c[x] + Σ_{i=1..r} k[i]·(lo[i][x] + hi[i][x]), x < n, taps two
 * at a time (o += k1·(a1 + b1) + k2·(a2 + b2), then an odd last one); o overlaps no input.
 * tex_acc_hrow: the same as a horizontal pass (lo[i] = c − i, hi[i] = c + i). */
typedef void (*tex_acc_rows_fn)(float *restrict o, const float *c, const float *const *lo,
                                const float *const *hi, const float *k, int r, int n);
/** Two vertical passes over the same rows, oa by (ka, ra) and ob by (kb, rb): two tex_acc_rows. */
typedef void (*tex_acc_rows2_fn)(float *restrict oa, float *restrict ob, const float *c,
                                 const float *const *lo, const float *const *hi, const float *ka, int ra,
                                 const float *kb, int rb, int n);
/** The pores' pre-filter: bit q of m[q / 64] is set when R[q] >= thr, lo[q] < R[q] and hi[q] <= R[q];
 * (n + 63) / 64 words written, bits from n on clear. */
typedef void (*tex_peak_mask_fn)(uint64_t *m, const float *R, const float *lo, const float *hi, float thr,
                                 int n);
/** The pores' response row: o[x] = s2·(b[x − 1] + b[x + 1] + b[x − w] + b[x + w] − 4·b[x]), x < n. */
typedef void (*tex_laplace_row_fn)(float *restrict o, const float *b, size_t w, float s2, int n);
/** The lines' candidate mask of a row (tex_line_eval, above). */
typedef void (*tex_line_mask_fn)(const float *b, int w, int n, float s2, float thr, const float *best,
                                 uint8_t *bits, float *term, size_t hs);
/** GLCM levels of n 16-bit L* codes / floats: (L* − lo)·scale clamped to 0 .. top (NaN → 0). */
typedef void (*tex_glcm_quantise16_fn)(uint8_t *restrict o, const uint16_t *restrict r, int n, float lo,
                                       float scale, int top);
typedef void (*tex_glcm_quantise32_fn)(uint8_t *restrict o, const float *restrict r, int n, float lo,
                                       float scale, int top);
/** o[x] = outside where m[x] == 0. */
typedef void (*tex_glcm_mask_outside_fn)(uint8_t *restrict o, const uint8_t *restrict m, int n,
                                         uint8_t outside);
/** The GLCM cell of each pair: o[x] = a[x]·n1 + b[x]. */
typedef void (*tex_glcm_pair_cells_fn)(uint16_t *restrict o, const uint8_t *restrict a,
                                       const uint8_t *restrict b, int n, int n1);
/** One box pass (radius r, edges clamped) in place over rows TEX_BOX_ROWS·task .. of the w×h plane
 *  p, or over its columns TEX_BOX_COLS·task ..; tmp: tex_box_tmp(w, h) floats. */
typedef void (*tex_spots_box_fn)(float *p, float *tmp, int w, int h, int r, int task);
/** The block sums of grid row Y (its D image rows) of mel·roi and roi into g->num, g->den; rows:
 *  2·im->w floats of scratch. */
typedef void (*tex_spots_block_sums_fn)(const struct tex_img *im, tex_base_grid *g, float *rows, int Y);
/** Residuals mel − baseline of row y at columns 0, step, 2·step, ... into res (NaN outside the ROI
 *  or where mel is not finite); nr, dr: gw + 8 floats of scratch each. */
typedef void (*tex_spots_residual_row_fn)(const struct tex_img *im, const tex_base_grid *g, int y, int step,
                                          float *res, float *nr, float *dr);

/** The texture kernel table: one per ISA mask (skinq_texture_dsp), filled by skinq_texture_dsp_init. */
struct skinq_texture_dsp {
    struct skinq_dsp_meta meta;
    tex_acc_rows_fn tex_acc_rows;
    tex_acc_rows_fn tex_acc_hrow;
    tex_acc_rows2_fn tex_acc_rows2;
    tex_peak_mask_fn tex_peak_mask;
    tex_laplace_row_fn tex_laplace_row;
    tex_line_mask_fn tex_line_mask;
    tex_glcm_quantise16_fn tex_glcm_quantise16;
    tex_glcm_quantise32_fn tex_glcm_quantise32;
    tex_glcm_mask_outside_fn tex_glcm_mask_outside;
    tex_glcm_pair_cells_fn tex_glcm_pair_cells;
    tex_spots_box_fn tex_spots_box_rows;
    tex_spots_box_fn tex_spots_box_cols;
    tex_spots_block_sums_fn tex_spots_block_sums;
    tex_spots_residual_row_fn tex_spots_residual_row;
};

/* The scalar kernels (texture_scalar.c). */
void tex_acc_rows_scalar(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n);
void tex_acc_hrow_scalar(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n);
void tex_acc_rows2_scalar(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,
                          const float *const *hi, const float *ka, int ra, const float *kb, int rb, int n);
void tex_peak_mask_scalar(uint64_t *m, const float *R, const float *lo, const float *hi, float thr, int n);
void tex_laplace_row_scalar(float *restrict o, const float *b, size_t w, float s2, int n);
void tex_line_mask_scalar(const float *b, int w, int n, float s2, float thr, const float *best, uint8_t *bits,
                          float *term, size_t hs);
void tex_glcm_quantise16_scalar(uint8_t *restrict o, const uint16_t *restrict r, int n, float lo, float scale,
                                int top);
void tex_glcm_quantise32_scalar(uint8_t *restrict o, const float *restrict r, int n, float lo, float scale,
                                int top);
void tex_glcm_mask_outside_scalar(uint8_t *restrict o, const uint8_t *restrict m, int n, uint8_t outside);
void tex_glcm_pair_cells_scalar(uint16_t *restrict o, const uint8_t *restrict a, const uint8_t *restrict b,
                                int n, int n1);
void tex_spots_box_rows_scalar(float *p, float *tmp, int w, int h, int r, int task);
void tex_spots_box_cols_scalar(float *p, float *tmp, int w, int h, int r, int task);
void tex_spots_block_sums_scalar(const struct tex_img *im, tex_base_grid *g, float *rows, int Y);
void tex_spots_residual_row_scalar(const struct tex_img *im, const tex_base_grid *g, int y, int step,
                                   float *res, float *nr, float *dr);
/** tex_spots_residual_row's step-1 reference: every pixel gathers its grid values (the kernels
 *  take each group of 8 columns' grid values with one load and a permute). */
void tex_spots_residual_row_gather(const struct tex_img *im, const tex_base_grid *g, int y, float *res,
                                   float *nr, float *dr);

/** Fill a table: the scalar kernels, then each level `isa` allows (the ISA files' inits). */
void skinq_texture_dsp_init(struct skinq_texture_dsp *d, unsigned isa);
void skinq_texture_dsp_init_avx2(struct skinq_texture_dsp *d);
/** The table of ISA mask `isa` (skinq_ctx_isa), built once. */
const struct skinq_texture_dsp *skinq_texture_dsp(unsigned isa);

#endif
