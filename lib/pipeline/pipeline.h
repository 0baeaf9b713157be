/* pipeline.h -- internal: how lib/pipeline runs an analysis (analyze.c) and when it can stream
 * a JPEG's rows straight into the colour pass (stream.c). */
#ifndef SKINQ_PIPELINE_H
#define SKINQ_PIPELINE_H

#include "core/core.h"

/** 1 when a file with this header can be analysed as it decodes: JPEG, RGB, upright, no ICC
 * profile to convert, no maps, ROI not auto-skin; with texture also no white patch (the planes
 * need the gains before the patch's rows have been decoded). */
int skinq_pipeline_can_stream(const skinq_image_header *h, const skinq_analysis_options *o);

/** The analysis of such a JPEG without a whole-image buffer: the decoder's rows go to the colour
 * counts and (with texture) into the 16-bit planes of the ROI's box (fills out's size and
 * metrics; provenance is the caller's). Same numbers as loading it and analysing the image. */
skinq_status skinq_pipeline_stream(skinq_ctx *ctx, const char *path, const skinq_image_header *h,
                                   const skinq_analysis_options *o, skinq_analysis *out);

/** The texture pass on 16-bit planes of the ROI's bounding box (box.w a row; roi: the image's
 * ROI mask, or NULL when all of the box is inside); an ROI too small for a spectrum warns. */
skinq_status skinq_pipeline_texture16(skinq_ctx *ctx, const uint16_t *L, const int16_t *mel, skinq_rect box,
                                      const skinq_mask *roi, const skinq_analysis_options *o, skinq_analysis *out);

#endif
