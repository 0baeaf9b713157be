/* surface.h -- internal: what the lib/surface files share (plans, the robust reference fit,
 * image → linear plane conversion, small statistics helpers). */
#ifndef SKINQ_SURFACE_H
#define SKINQ_SURFACE_H

#include "core/core.h"
#include "surface_kernels.h"

struct skinq_ps_plan {
    skinq_ps_params params;
    double cond; /* smallest / largest singular value of the light matrix */
    skinq_allocator alloc;
};

/**
 * Convert an 8/16-bit gray or RGB image to linear luminance in [0, 1] (8-bit: sRGB decoded,
 * IEC 61966-2-1; 16-bit: taken as linear; RGB: Rec. 709 luminance weights) into dst
 * (width×height floats, no padding). Cannot fail.
 */
void surface_image_to_linear(const skinq_image *img, float *dst);

/**
 * Robust large-scale reference of a field f (NaN = unknown): a local quadratic fit with a
 * Gaussian kernel of sigma_px, computed on a coarse grid (cells of about sigma/4) from
 * per-cell weighted centroids, bilinearly interpolated back. Iterated: pixels below the
 * current reference by more than t (3 robust sigmas of the included residuals, from their
 * median absolute value, clamped to [t_min, t_max]; t = t_max when they are equal), pixels with exclude[i] !=
 * 0 and non-finite pixels get weight 0 (so depressions do not pull the reference down); stops after `iters`
 * passes or when the weights no longer change.
 * @param exclude  width×height bytes or NULL.
 * @param ref      width×height output.
 * @return SKINQ_OK, SKINQ_E_EMPTY_ROI (no usable pixel), SKINQ_E_NOMEM.
 */
skinq_status surface_reference(skinq_ctx *ctx, const float *f, int w, int h, const uint8_t *exclude,
                               double sigma_px, double t_min, double t_max, int iters, float *ref);

/** q-quantile (0..1) of the finite values of x[0..n) (copied; x untouched) into *out, NaN when
 * there is none. @return SKINQ_OK or SKINQ_E_NOMEM (*out NaN). */
skinq_status surface_quantile(skinq_ctx *ctx, const float *x, size_t n, double q, double *out);

#endif
