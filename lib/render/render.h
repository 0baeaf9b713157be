/* render.h -- internal: PNG heatmaps and overlays with a perceptual colour map and a legend, labelled
 * maps (title, unit, dates, neutral band), a bitmap font and mask outlines; the layer under colour,
 * texture, surface, align and report (it uses only core and io). */
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

/** skinq_heatmap_write() with a unit after the legend's numbers. */
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

/* ---- text (text.c): a 5x7 font, ASCII plus Δ ° ² ± τ (UTF-8); anything else draws as '?' */
#define SKINQ_TEXT_HEIGHT 7  /**< glyph rows, in font pixels */
#define SKINQ_TEXT_ADVANCE 6 /**< glyph columns plus one column of spacing */

/** Width in pixels of `s` drawn at `scale` (image pixels per font pixel). */
int skinq_text_width(const char *s, int scale);

/** Draw `s` into an 8-bit RGB image with its top-left at (x, y) (clipped to the image). */
void skinq_text_draw(skinq_image *img, int x, int y, const char *s, int scale, const uint8_t rgb[3]);

/** The grey of "no detectable change" (cool-warm's centre, 221, 221, 221). */
extern const uint8_t skinq_neutral_rgb[3];

/** What a labelled map says about itself. */
typedef struct skinq_map_labels {
    const char *title;          /**< first line above the map (required) */
    const char *unit;           /**< after the title and the legend's numbers, or NULL */
    const char *before, *after; /**< a second line "before: X   after: Y" (dates or file names), or NULL */
    const char *note;           /**< a third line (the scale's origin), or NULL */
    double band_lo, band_hi;    /**< band_hi > band_lo: values in [band_lo, band_hi] draw in
                                     skinq_neutral_rgb, on the map and on the colour bar */
} skinq_map_labels;

/**
 * skinq_heatmap_write() with the labels drawn into the picture: the title band above the map (the
 * picture is widened with dark margins when the text needs it, the map centred), the unit after
 * the legend's numbers and the neutral band on the map and its colour bar.
 * @return as skinq_heatmap_write(); SKINQ_E_INVALID without a title.
 */
skinq_status skinq_map_write(skinq_ctx *ctx, const char *path, const float *values, size_t stride, int w,
                             int h, const uint8_t *mask, size_t mask_stride, double vmin, double vmax,
                             skinq_colormap cm, const skinq_map_labels *l);

/**
 * Draw the outline of a mask (mw x mh, 0 = outside) shrunk by f (a cell is inside when its centre
 * pixel is) into an 8-bit RGB image at (x0, y0): the inside cells with an outside 4-neighbour.
 */
void skinq_outline_draw(skinq_image *img, int x0, int y0, const uint8_t *mask, size_t mask_stride, int mw,
                        int mh, int f, const uint8_t rgb[3]);

#endif
