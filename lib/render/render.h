/* render.h -- internal: PNG heatmaps and overlays with a perceptual colour map and a legend; the
 * layer under colour, texture, surface, align and report (it uses only core and io). */
#ifndef SKINQ_RENDER_H
#define SKINQ_RENDER_H

#include "core/core.h"

typedef enum skinq_colormap {
    SKINQ_CMAP_VIRIDIS, /**< sequential, perceptually uniform (default for magnitudes) */
    SKINQ_CMAP_MAGMA,   /**< sequential, dark→bright (redness, depth) */
    SKINQ_CMAP_COOLWARM /**< diverging, for signed differences (Moreland 2009) */
} skinq_colormap;

/** Map t in [0,1] (clamped; NaN → mid grey) to 8-bit sRGB. */
void skinq_colormap_rgb(skinq_colormap cm, double t, uint8_t rgb[3]);

/**
 * Write a w x h float map as a colour PNG with a legend strip under it (colour bar with the
 * vmin and vmax values printed at its ends). Pixels outside `mask` (if given; 0 = outside)
 * and NaNs are dark grey. Written atomically.
 * @param values  row-major, `stride` floats between rows.
 * @return SKINQ_OK, SKINQ_E_INVALID (w/h <= 0 or vmax <= vmin), SKINQ_E_NOMEM, SKINQ_E_IO.
 */
skinq_status skinq_heatmap_write(skinq_ctx *ctx, const char *path, const float *values, size_t stride, int w,
                                 int h, const uint8_t *mask, size_t mask_stride, double vmin, double vmax,
                                 skinq_colormap cm);

/** skinq_heatmap_write() with a unit after the legend's numbers ("mm" or "px"; other units are
 * left out: the legend's glyphs are digits and those letters). */
skinq_status skinq_heatmap_write_unit(skinq_ctx *ctx, const char *path, const float *values, size_t stride,
                                      int w, int h, const uint8_t *mask, size_t mask_stride, double vmin,
                                      double vmax, skinq_colormap cm, const char *unit);

/**
 * Like skinq_heatmap_write(), but blended over `photo` (same size; 8/16-bit gray or RGB) with
 * opacity `alpha` in [0,1] inside the mask; outside the mask the photo shows unchanged.
 */
skinq_status skinq_overlay_write(skinq_ctx *ctx, const char *path, const skinq_image *photo,
                                 const float *values, size_t stride, int w, int h, const uint8_t *mask,
                                 size_t mask_stride, double vmin, double vmax, double alpha,
                                 skinq_colormap cm);

#endif
