/* surface_kernels.h -- internal: the surface kernel table (struct skinq_surface_dsp), the
 * photometric-stereo row kernel (per ISA) and its parameters.
 *
 * Kernel list (slot ps_row of struct skinq_surface_dsp):
 *   skinq_ps_row_scalar   reference, ps_scalar.c
 *   skinq_ps_row_sse41    4 pixels a step, ps_sse41.c (body in ps_tpl.h)
 *   skinq_ps_row_avx2     8 pixels a step, ps_avx2.c  (body in ps_tpl.h)
 *
 * Float rules (style.md rule 10): every ISA evaluates the same float expressions in the same
 * order, without FMA (the AVX2 file is compiled with -ffp-contract=off and the body never calls
 * an fmadd), with IEEE-exact add/mul/div/sqrt, and the scalar comparisons are written as the
 * SIMD compare + blend semantics (including NaN behaviour). The kernels are therefore
 * bit-exact with the scalar reference; tests/kernels/check_surface.c checks that
 * (outputs within 0 ulp, codes identical), NaN inputs included. */
#ifndef SKINQ_SURFACE_KERNELS_H
#define SKINQ_SURFACE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "core/dsp.h"

#define SKINQ_PS_MAX_LIGHTS 64

/** Per-pixel outcome of the photometric-stereo fit (the kernel's `code` output): one of the
 * values 0-4, plus the flag SKINQ_PS_SHADOWED. */
enum {
    SKINQ_PS_ALL = 0,      /**< every (lit) observation used */
    SKINQ_PS_NO_DARKEST,   /**< darkest observation rejected (shadow) */
    SKINQ_PS_NO_BRIGHTEST, /**< brightest observation rejected (highlight) */
    SKINQ_PS_NO_BOTH,      /**< darkest and brightest rejected */
    SKINQ_PS_INVALID,      /**< no signal (|g| <= min_albedo): normal (0,0,1), albedo 0 */
    SKINQ_PS_SHADOWED = 8  /**< flag: observations at the shadow level were left out */
};

/**
 * Constants of one photometric-stereo solve, built once by ps.c (skinq_ps_plan_new).
 * Light k has vector s[k] = intensity_k × unit direction_k; the image model is I_k = s_k · g
 * with g = albedo × normal. pinv = (SᵀS)⁻¹Sᵀ, a0 = SᵀS, ss[k] = s_k s_kᵀ (in float), the
 * symmetric 3×3 matrices stored as xx, xy, xz, yy, yz, zz.
 */
typedef struct skinq_ps_params {
    int m;      /**< number of lights, 3..SKINQ_PS_MAX_LIGHTS */
    int reject; /**< 1: outlier rejection (needs m >= 4) */
    float s[SKINQ_PS_MAX_LIGHTS][3];
    float ss[SKINQ_PS_MAX_LIGHTS][6];
    float pinv[3][SKINQ_PS_MAX_LIGHTS];
    float a0[6];
    float smax;       /**< max_k |s_k| */
    float shadow;     /**< observations <= shadow × the pixel's brightest are shadows */
    float tau;        /**< relative residual limit (of |g|·smax) */
    float det_rel;    /**< a subset is usable when det > det_rel·(trace/3)³ */
    float min_albedo; /**< |g| at or below it: SKINQ_PS_INVALID */
} skinq_ps_params;

/**
 * Solve n pixels. rows[k] points at the n intensities of light k (linear, any scale, no
 * alignment demanded); outputs are n floats (unit normal components, albedo) and n codes.
 * Algorithm, per pixel (identical in every ISA):
 *  1. Attached shadows: the lit set L = {k : I_k > shadow·max I}. If L misses some light, has
 *     >= 3 and its normal equations are usable, the fit uses L only (flag SKINQ_PS_SHADOWED);
 *     else all m lights (g0 = pinv·I).
 *  2. e0 = max over the used set of |I_k − s_k·g0|. If reject, the used set has >= 4 lights and
 *     e0 > tau·|g0|·smax, try the subsets without the darkest (d), without the brightest (b)
 *     and, with >= 5 used, without both (db): each solved in closed form from its 3×3 normal
 *     equations (adjugate), scored by rho = (max residual over its kept observations) /
 *     (|g|·smax). The first of d, b, db with rho <= tau wins; if none, the smallest rho (ties:
 *     that order). A system whose det <= det_rel·(trace/3)³ is unusable. Darkest = first
 *     minimum of the used set, brightest = last maximum, so they differ even when all are equal.
 * n may be 0. Row kernels know nothing about threads.
 */
typedef void (*skinq_ps_row_fn)(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx,
                                float *ny, float *nz, float *albedo, uint8_t *code);

void skinq_ps_row_scalar(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                         float *nz, float *albedo, uint8_t *code);

/** The surface kernel table: one per ISA mask (skinq_surface_dsp), filled by skinq_surface_dsp_init. */
struct skinq_surface_dsp {
    struct skinq_dsp_meta meta;
    skinq_ps_row_fn ps_row;
};

/** Fill a table: the scalar kernels, then each level `isa` allows (the ISA files' inits). */
void skinq_surface_dsp_init(struct skinq_surface_dsp *d, unsigned isa);
void skinq_surface_dsp_init_sse41(struct skinq_surface_dsp *d);
void skinq_surface_dsp_init_avx2(struct skinq_surface_dsp *d);
/** The table of ISA mask `isa` (skinq_ctx_isa), built once. */
const struct skinq_surface_dsp *skinq_surface_dsp(unsigned isa);

#endif
