/* pipeline.h -- internal: how lib/pipeline runs an analysis (analyze.c), when it can stream a
 * JPEG's rows straight into the colour pass (stream.c), and the texture pass on the ROI's box
 * that both share (texture_pass.c). */
#ifndef SKINQ_PIPELINE_H
#define SKINQ_PIPELINE_H

#include "core/core.h"

/** An analyser: its options (checked, copied) and the texture plan kept across photos. */
struct skinq_analyzer {
    skinq_ctx *ctx;
    skinq_analysis_options o;
    skinq_texture_plan *plan; /* NULL when o.texture is 0 */
};

/** A new result (zeroed) for the input `in` with its provenance: the path copied, the size and
 * sha256 of the bytes analysed (read once); in NULL: an image in memory (no provenance).
 * @return SKINQ_OK, SKINQ_E_NOMEM; *out unchanged on error. */
skinq_status skinq_pipeline_result_new(skinq_ctx *ctx, const skinq_input *in, skinq_analysis **out);

/**
 * The passes over one image and its resolved ROI (same size): colour with `color` and `maps`,
 * then texture on the ROI's box with the analyser's plan. Fills out's size and metrics (on error
 * they may hold part of them). own: the image is the analysis's own (*own == img): it is freed as
 * soon as the texture planes exist, so the photo and the texture pass never share the peak.
 */
skinq_status skinq_pipeline_run(skinq_analyzer *a, const skinq_image *img, skinq_image **own,
                                const skinq_roi *roi, const skinq_color_options *color,
                                const skinq_maps_options *maps, skinq_analysis *out);

/** 1 when a file with this header can be analysed as it decodes: JPEG, RGB, upright, no ICC
 * profile to convert, no maps, ROI not auto-skin; with texture also no white patch (the planes
 * need the gains before the patch's rows have been decoded). */
int skinq_pipeline_can_stream(const skinq_image_header *h, const skinq_analysis_options *o);

/** The analysis of such a JPEG (header h, ROI resolved for its size) without a whole-image
 * buffer: the decoder's rows go to the colour counts and (with texture) into the 16-bit planes
 * of the ROI's box (fills out's size and metrics; provenance is the caller's). Same numbers as
 * loading it and analysing the image. */
skinq_status skinq_pipeline_stream(skinq_analyzer *a, const skinq_input *in, const skinq_image_header *h,
                                   const skinq_roi *roi, skinq_analysis *out);

/* The texture pass's 16-bit L* and melanin-index planes of n pixels, in one block: the block a
 * previous analysis left in the ctx (skinq_settings.keep_buffers) when big enough, else a new
 * one; given back, it is kept for the next analysis or freed. */
typedef struct skinq_planes {
    uint16_t *L;
    int16_t *mel;
    void *block;
    size_t cap;
} skinq_planes;
skinq_status skinq_planes_take(skinq_ctx *ctx, size_t n, skinq_planes *out);
void skinq_planes_give(skinq_ctx *ctx, skinq_planes *p);

/** The texture pass of an image in memory on the ROI's box (texture_pass.c): the L* and melanin
 * planes after `gains`, then skinq_pipeline_texture16(). own: as skinq_pipeline_run(). */
skinq_status skinq_pipeline_texture(skinq_ctx *ctx, skinq_texture_plan *plan, const skinq_image *img,
                                    skinq_image **own, const skinq_roi *roi, const double gains[3],
                                    const skinq_maps_options *maps, skinq_metrics *out);

/** The texture pass on 16-bit planes of the ROI's bounding box (roi->bbox.w a row; the ROI's
 * mask viewed over the box); an ROI too small for a spectrum warns. */
skinq_status skinq_pipeline_texture16(skinq_ctx *ctx, skinq_texture_plan *plan, const uint16_t *L,
                                      const int16_t *mel, const skinq_roi *roi,
                                      const skinq_maps_options *maps, skinq_metrics *out);

#endif
