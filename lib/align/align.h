/* align.h -- internal: what the lib/align files share: 3×3 matrix helpers, 8-bit planes, the
 * fused level pass, ECC and descriptor matching. */
#ifndef SKINQ_ALIGN_H
#define SKINQ_ALIGN_H

#include "align/cvwrap.h"

#ifdef __cplusplus
extern "C" { /* cvwrap.cpp calls align_match() */
#endif

/* ---- 3×3 row-major homogeneous matrices (mat3.c) ---- */
void skinq_mat3_identity(double m[9]);
void skinq_mat3_mul(const double a[9], const double b[9], double out[9]); /* out = a·b (out may alias) */
/** Inverse; returns -1 (out unchanged) when |det| is tiny relative to the entries. */
int skinq_mat3_inv(const double m[9], double out[9]);
/** (x, y) → m·(x, y, 1) dehomogenised; returns -1 when the point maps to infinity. */
int skinq_mat3_apply(const double m[9], double x, double y, double *ox, double *oy);
/** How far apart a and b put the corners (0, 0), (w−1, 0), (0, h−1), (w−1, h−1) of a w×h grid:
 *  their mean distance (the usual homography corner error) into *mean, the largest into *max
 *  (either may be NULL). Returns -1 (both INFINITY) when a corner maps to infinity. */
int skinq_mat3_corner_error(const double a[9], const double b[9], int w, int h, double *mean, double *max);
/** Pixel-centre-exact map from a w×h grid to a resized dw×dh grid: x' = (x + ½)·dw/w − ½. */
void skinq_mat3_resize(double m[9], int w, int h, int dw, int dh);
/** The local affine map of m (normalised: m[8] = 1) at (x, y): its Jacobian's determinant and singular
 *  values s1 >= s2; returns the projective denominator there. */
double skinq_mat3_local_map(const double m[9], double x, double y, double *det, double *s1, double *s2);
/** The homography H (H[8] = 1) taking the 4 points src (x, y interleaved) exactly onto dst; -1 when
 *  three of them are collinear. */
int skinq_mat3_from_quad(const double src[8], const double dst[8], double H[9]);

/* ---- acceptance (register.c; lib/align/README.md "Acceptance") ---- */
#define ALIGN_MIN_INLIER_RATIO 0.3
#define ALIGN_MAX_RMS_PX 2.0
#define ALIGN_MIN_NCC 0.3
/* Strong perspective (|h20|·w + |h21|·h above this, the limit before issue 21) is accepted only with
 * more support: inliers, their share of the matches, the share of the overlap's 4×4 cells they reach. */
#define ALIGN_STRONG_PERSPECTIVE 0.3
#define ALIGN_STRONG_MIN_INLIERS 100
#define ALIGN_STRONG_MIN_RATIO 0.4
#define ALIGN_STRONG_MIN_COVERAGE 0.5

/** The acceptance thresholds of o in force (its zeros are the defaults; < 0: check off). */
void align_thresholds(const skinq_align_options *o, double *ratio, double *rms, double *ncc);

/** Photometric check (ncc.c): band-pass correlation of before's and warped after's luminance inside
 * roi (before's frame), at the features' scale; *ncc NaN when the ROI is too small to say. */
skinq_status align_band_ncc(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after_warped,
                            const skinq_mask *roi, double *ncc);

/** The ROI (before's frame) in after's own width × height pixels (warp.c): after pixel u is inside
 * when H·u lands, rounded to the nearest pixel, inside roi (and u inside after_alpha when given).
 * *scale receives before px per after px at the ROI's centroid (sqrt|det| of H's Jacobian there).
 * @return SKINQ_OK; SKINQ_E_EMPTY_ROI; SKINQ_E_INVALID (H not invertible); SKINQ_E_NOMEM. */
skinq_status align_roi_in_after(skinq_ctx *ctx, const skinq_mask *roi, const skinq_mask *after_alpha,
                                const double H[9], int width, int height, skinq_mask **out, double *scale);

/* ---- owned 8-bit planes (plane.c) ---- */
typedef struct align_plane {
    uint8_t *data;
    int width, height;
    size_t stride;
} align_plane;

skinq_status align_plane_new(skinq_ctx *ctx, int w, int h, uint8_t fill, align_plane *p);
void align_plane_free(skinq_ctx *ctx, align_plane *p);
static inline cvw_plane align_cv(const align_plane *p)
{
    cvw_plane c = {p->data, p->width, p->height, p->stride};
    return c;
}
/** A mask as a borrowed plane (0 = outside). */
static inline cvw_plane align_mask_cv(const skinq_mask *m)
{
    cvw_plane c = {m->data, m->width, m->height, m->stride};
    return c;
}

/** align_band_ncc() on planes already at one level: before's luma, after's warped into before's frame, and
 * the usable pixels (nonzero), all of one size. register.c's photometric residual uses it. */
skinq_status align_band_ncc_planes(skinq_ctx *ctx, const align_plane *b, const align_plane *a,
                                   const align_plane *mask, double *ncc);

/** 8-bit luma (Rec. 709 weights on the encoded values; gray copied, 16-bit >> 8) of an image. */
skinq_status align_luma(skinq_ctx *ctx, const skinq_image *img, align_plane *out);

/** src area-averaged (OpenCV's INTER_AREA) to the size whose long side is `size` (no change when
 * already smaller: then a copy). A mask (0/nonzero) stays a mask: only fully covered cells keep
 * 255. The benchmarks' peers use it; registration uses align_level(). */
skinq_status align_downscale(skinq_ctx *ctx, const align_plane *src, int size, int is_mask, align_plane *out);

/** align_luma() then align_downscale() in one pass over the photo, with no full-resolution plane,
 * spread over the ctx's threads (same result for any thread count; equal to the two-step
 * reference within rounding). */
skinq_status align_level(skinq_ctx *ctx, const skinq_image *img, int size, align_plane *out);

/** The same for a mask: 255 where the cell lies inside the mask's nonzero pixels, else 0. */
skinq_status align_mask_level(skinq_ctx *ctx, const skinq_mask *m, int size, align_plane *out);

/**
 * ECC refinement (Evangelidis & Psarakis 2008, homography), template(x) ≈ α·input(W·x) + β, W
 * mapping template pixels onto input pixels (the start in, the result out). Both planes are
 * blurred (5×5 binomial); a 3-px border ring of each is left out, as are the input pixels whose
 * 3×3 neighbourhood leaves input_mask (NULL: all usable). Every sum is over the pixels usable in
 * both (unlike OpenCV's findTransformECC: see ecc.c). Stops when an update moves no corner of the
 * template by stop_px or more, or after max_iterations. Same result for any thread count.
 * @param cc          receives the correlation coefficient at the last iteration (may be NULL).
 * @param iterations  receives the number of iterations run (may be NULL).
 * @return SKINQ_OK; SKINQ_E_ALIGN when ECC cannot proceed (too little overlap, flat or
 *         uncorrelated images); SKINQ_E_INVALID (planes under 16×16); SKINQ_E_NOMEM.
 */
skinq_status align_ecc(skinq_ctx *ctx, const align_plane *tmpl, const align_plane *input,
                       const align_plane *input_mask, double W[9], int max_iterations, double stop_px,
                       double *cc, int *iterations);

/**
 * For each of da's na descriptors, the index of its nearest among db's nb by Hamming distance if
 * nearer than `ratio` × the second nearest (Lowe's test; a tie fails), else -1, into best[na].
 * Descriptors are `bytes` long (1..64), `stride` apart. Spread over the ctx's threads; the same
 * result as cv::BFMatcher(NORM_HAMMING)::knnMatch(k = 2) with the ratio test, for any thread count.
 * @return SKINQ_OK; SKINQ_E_INVALID (bytes); SKINQ_E_NOMEM.
 */
skinq_status align_match(skinq_ctx *ctx, const uint8_t *da, int na, const uint8_t *db, int nb, int bytes,
                         size_t stride, double ratio, int *best);

#ifdef __cplusplus
}
#endif

#endif
