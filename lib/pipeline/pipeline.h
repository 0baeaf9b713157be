/* pipeline.h -- internal: how lib/pipeline runs an analysis (analyze.c) and when it can stream
 * a JPEG's rows straight into the colour pass (stream.c). */
#ifndef SKINQ_PIPELINE_H
#define SKINQ_PIPELINE_H

#include "core/core.h"

/** 1 when a file with this header can be analysed as it decodes: JPEG, RGB, upright, no ICC
 * profile to convert, colour only, no maps, ROI not auto-skin. */
int skinq_pipeline_can_stream(const skinq_image_header *h, const skinq_analysis_options *o);

/** The colour analysis of such a JPEG, without a whole-image buffer (fills out's size and
 * metrics; provenance is the caller's). Same numbers as loading it and skinq_color_analyze(). */
skinq_status skinq_pipeline_stream_color(skinq_ctx *ctx, const char *path, const skinq_image_header *h,
                                         const skinq_analysis_options *o, skinq_analysis *out);

#endif
