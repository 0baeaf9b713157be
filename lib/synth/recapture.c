/* recapture.c -- the recapture phantom: ONE unchanged skin site (the healing series' skin as it
 * is three days after the procedure: a steady hemoglobin excess, static texture and pores) photographed
 * `count` times with the variation of a careful clinic: pose ±5°, distance (scale) ±5 %, a small shift,
 * exposure ±5 %, white balance ±3 % per channel, a light falloff of up to ±5 % across the
 * field, sensor noise and JPEG q85. The true change between any two shots is 0, so whatever
 * skinq measures differently between them is its repeatability (`skinq repeat`). */
#include <stdio.h>

#include "synth.h"

#define RECAPTURE_COUNT 10 /* shots by default */
#define RECAPTURE_JPEG 85
#define ROUGHNESS 0.10 /* the healing series' skin before the procedure */
#define NOISE 0.01     /* sensor noise: σ ≈ 1.5 % of a mid-tone (linear 0.5) */
/* A strong erythema (blood 0.02 + 0.05, a* about +5 over the reference): part of the treated region
 * lies above the red-area threshold, so the red area's repeatability is measured too, where it is
 * least stable (unreddened skin would give it an SD of 0). */
#define EXCESS 0.05 /* blood volume fraction */

static cJSON *recapture_truth(cJSON *truth, const skinq_synth_options *o, const synth_scene *s)
{
    int count = o->count ? o->count : RECAPTURE_COUNT;
    synth_truth_head(truth, "recapture", o, s);
    cJSON_AddNumberToObject(truth, "count", count);
    cJSON_AddBoolToObject(truth, "identical_skin", 1);
    cJSON_AddNumberToObject(truth, "true_change", 0);
    cJSON_AddStringToObject(truth, "skin",
                            "one site, unchanged between shots: the same hemoglobin excess in the treated "
                            "region, texture and pores; only pose, light and camera vary");
    cJSON_AddNumberToObject(truth, "hemoglobin_excess", EXCESS);
    cJSON_AddNumberToObject(truth, "roughness_scale", ROUGHNESS);
    cJSON_AddNumberToObject(truth, "pore_density_per_cm2", synth_pore_density(s, 1.0));
    cJSON *cam = cJSON_AddObjectToObject(truth, "sensor_noise");
    cJSON_AddStringToObject(cam, "model", "linear value v + N(0, sigma^2), sigma = k * sqrt(v + 0.04)");
    cJSON_AddNumberToObject(cam, "k", NOISE);
    synth_scene_truth(truth, s, "roi");
    return cJSON_AddArrayToObject(truth, "images");
}

/* Shot i (the first framed as the world: mask and reference rectangle are in its pixels). */
static skinq_status recapture_shot(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir,
                                   const synth_scene *s, synth_rng *rng, int i, skinq_image *img,
                                   cJSON *images)
{
    (void)o; /* the recapture's camera is fixed: JPEG q85 */
    synth_shot f = {
        .img = img, .sc = s, .excess = EXCESS, .rough = ROUGHNESS, .visible = 1.0, .noise = NOISE};
    synth_shot_pose(&f, rng, i == 0);
    for (int c = 0; c < 3; c++)
        f.wb[c] = synth_range(rng, 0.97, 1.03);
    f.exposure = synth_range(rng, 0.95, 1.05);
    f.grad = synth_range(rng, 0, 0.05);
    f.grad_deg = synth_range(rng, 0, 360);
    f.noise_seed = synth_next(rng);
    synth_white_patch(&f, s->w);
    synth_render(ctx, &f);
    char name[32];
    snprintf(name, sizeof name, "shot%02d.jpg", i + 1);
    skinq_status st = synth_shot_write(ctx, dir, name, img, RECAPTURE_JPEG);
    cJSON *im = cJSON_CreateObject();
    cJSON_AddStringToObject(im, "file", name);
    cJSON_AddNumberToObject(im, "shot", i + 1);
    synth_shot_truth(im, &f, RECAPTURE_JPEG);
    cJSON *g = cJSON_AddObjectToObject(im, "light_gradient");
    cJSON_AddNumberToObject(g, "amplitude", f.grad);
    cJSON_AddNumberToObject(g, "direction_deg", f.grad_deg);
    cJSON_AddStringToObject(g, "model",
                            "light = 1 + amplitude * (projection on the direction from the frame "
                            "centre) / (its largest value in the frame)");
    cJSON_AddItemToArray(images, im);
    return st;
}

skinq_status synth_recapture(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    synth_scene s = synth_scene_of(o, 0x52434150ULL); /* "RCAP" */
    const synth_series series = {"recapture", o->count ? o->count : RECAPTURE_COUNT, recapture_truth,
                                 recapture_shot};
    if (series.count < 2 || series.count > 99)
        return skinq_fail(ctx, SKINQ_E_INVALID, "recapture needs 2 to 99 shots, not %d", series.count);
    return synth_photograph(ctx, o, dir, &s, &series);
}
