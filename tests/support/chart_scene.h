/* chart_scene.h -- the `--chart auto` test scene: a chart photo (the chart phantom) composited into
 * a skin photo in perspective, blurred and noisy, with the chart's true corners in the photo. */
#ifndef SKINQ_TEST_CHART_SCENE_H
#define SKINQ_TEST_CHART_SCENE_H

#include <stdint.h>

#include "skinq.h"

typedef struct tu_scene {
    double tilt_deg;    /**< the chart's plane turned about its vertical axis (away from the camera) */
    double pitch_deg;   /**< ... and then about the horizontal axis */
    double turn_deg;    /**< the chart turned in its own plane first (180: upside down) */
    double width_frac;  /**< the chart image's width, seen face-on, as a fraction of the photo's */
    double cx, cy;      /**< where its centre goes, as fractions of the photo's width and height */
    double blur_sigma;  /**< Gaussian blur of the whole photo after compositing (px) */
    double noise_sigma; /**< Gaussian noise added after the blur (8-bit levels) */
    uint64_t seed;      /**< the noise's seed */
} tu_scene;

/** A tilted, blurred, noisy view: 18° tilt, 8° pitch, no turn, 45 % of the width, centred right of
 * the middle, σ 1 px blur, σ 2 levels of noise. */
tu_scene tu_scene_default(void);

/**
 * `chart` (RGB 8-bit; its patch area's corners `corners`, top-left, top-right, bottom-right,
 * bottom-left, in its pixels) seen through a pinhole camera (focal length 1.2× the photo's width)
 * as a plane under `s`, composited (its warped coverage as alpha) onto `skin` (RGB 8-bit), then
 * blurred and noised: *out is skin's size; where the patch area's corners landed, in the chart's
 * own order, into `truth`.
 * @return SKINQ_OK or the library's status (message in ctx).
 */
skinq_status tu_chart_scene(skinq_ctx *ctx, const skinq_image *chart, const double corners[4][2],
                            const skinq_image *skin, const tu_scene *s, skinq_image **out,
                            double truth[4][2]);

#endif
