/* chartdet.h -- internal: OpenCV's Macbeth-chart detector (the contrib `mcc` module) behind one C
 * function; calib.c turns its box into the chart's corners (skinq_chart_detect()). */
#ifndef SKINQ_CHARTDET_H
#define SKINQ_CHARTDET_H

#ifdef __cplusplus
extern "C" {
#endif

#include "core/core.h"

/* Images with a longer side than this are searched on an area-downscaled copy (mcc's cost grows
 * with the pixels; a chart worth sampling is hundreds of pixels wide at this size). */
#define CHART_DETECT_SIDE 2048

/**
 * The most confident ColorChecker Classic (24 patches, cv::mcc::MCC24, no neural network) in an
 * RGB(A) image, 8 or 16 bits. box receives mcc's box, in mcc's order, in the image's pixels: the
 * chart model's rectangle (16.75 × 11.25 units, the patches 2.5 units wide on a 2.75 pitch, their
 * area 0.25 units inside the box on every side); *cost mcc's cost of the match (lower is better).
 * @return SKINQ_OK with *found 0 or 1; SKINQ_E_INTERNAL / SKINQ_E_NOMEM for OpenCV failures.
 */
skinq_status cvw_chart_detect(skinq_ctx *ctx, const skinq_image *img, double box[4][2], double *cost,
                              int *found);

#ifdef __cplusplus
}
#endif

#endif
