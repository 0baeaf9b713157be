/* healing.c -- the healing-series phantom: one skin site photographed on days 0 (before the
 * procedure), 1, 2, 3, 5, 7, 14, 28 and 42. A treated ellipse carries extra hemoglobin that
 * decays as E0·e^(−t/τ) (days), while roughness and visible pores fall slowly (τ_slow = 20 d).
 * Every photo has its own pose (rotation, scale, shift), white balance, exposure and JPEG
 * compression. The skin is a continuous field in day-0 pixel coordinates, evaluated through
 * each photo's transform, so there are no empty borders. */
#include <math.h>
#include <stdio.h>

#include "synth.h"

#define N_DAYS 9
static const int days[N_DAYS] = {0, 1, 2, 3, 5, 7, 14, 28, 42};

#define EXCESS0                                                                                              \
    0.045 /* blood volume fraction added in the treated region just after the procedure:                     \
           * the baseline 0.02 tripled: erythema index +6.5, a strong acute erythema */

typedef synth_scene scene;
typedef synth_shot frame;

/* truth.json's scene: kind, sizes, the procedure, the colour model, the treated ellipse and the
 * reference rectangle; returns the "images" array the days are added to. */
static cJSON *healing_truth(cJSON *truth, const skinq_synth_options *o, const scene *s)
{
    synth_truth_head(truth, "healing-series", o, s);
    cJSON_AddNumberToObject(truth, "tau_days", s->tau);
    cJSON_AddNumberToObject(truth, "tau_slow_days", SYNTH_TAU_SLOW);
    cJSON_AddNumberToObject(truth, "hemoglobin_excess_after_procedure", EXCESS0);
    cJSON_AddStringToObject(truth, "procedure",
                            "right after the day-0 photo: excess(t) = E0·exp(-t/tau) for t > 0, 0 on day 0");
    synth_scene_truth(truth, s, "treated");
    return cJSON_AddArrayToObject(truth, "images");
}

/* Day d's photo (pose, white balance and exposure drawn from rng; the healing state at its day)
 * rendered into img and written, and its entry in `images`. A copy (pose: rotation °, scale as the
 * photo shows the skin; d = 0) is written as copy_name. */
static skinq_status healing_shot(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir,
                                 const scene *s, synth_rng *rng, int d, const double *pose,
                                 const char *copy_name, skinq_image *img, cJSON *images)
{
    frame f = {.wb = {1, 1, 1}, .exposure = 1, .img = img, .sc = s};
    double t = days[d];
    synth_shot_pose(&f, rng, d == 0);
    if (pose) { /* the matrix maps photo pixels onto the world: showing the skin larger is a smaller scale */
        f.deg = pose[0], f.scale = 1 / pose[1];
        synth_pose_matrix(f.M, s->w / 2.0, s->h / 2.0, f.deg, f.scale, f.tx, f.ty);
    }
    f.excess = t > 0 ? EXCESS0 * exp(-t / s->tau) : 0;
    f.rough = synth_remodel(t, SYNTH_ROUGH_BEFORE, SYNTH_ROUGH_HEALED);
    f.visible = synth_remodel(t, 1.0, 1.0 - SYNTH_PORES_CLOSING);
    char name[32];
    if (copy_name)
        snprintf(name, sizeof name, "%s", copy_name);
    else
        snprintf(name, sizeof name, "day%02d.jpg", days[d]);
    cJSON *im = cJSON_CreateObject();
    cJSON_AddStringToObject(im, "file", name);
    cJSON_AddNumberToObject(im, "day", t);
    skinq_status st = synth_skin_shot(ctx, dir, name, o->jpeg_quality, &f, rng, im);
    cJSON_AddItemToArray(images, im);
    return st;
}

static skinq_status healing_day(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir, const scene *s,
                                synth_rng *rng, int d, skinq_image *img, cJSON *images)
{
    return healing_shot(ctx, o, dir, s, rng, d, NULL, NULL, img, images);
}

/* With copy_poses: day 0, then each copy (copy_NN.jpg, listed in `images` after it): day 0's skin,
 * white balance and exposure (the same draws) under its pose. */
static skinq_status healing_copies(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir,
                                   const scene *s, synth_rng *rng, int i, skinq_image *img, cJSON *images)
{
    (void)i;
    const synth_rng day0 = *rng;
    skinq_status st = healing_day(ctx, o, dir, s, rng, 0, img, images);
    for (int k = 0; k < o->copies && st == SKINQ_OK; k++) {
        synth_rng r = day0;
        char name[32];
        snprintf(name, sizeof name, "copy_%02d.jpg", k);
        st = healing_shot(ctx, o, dir, s, &r, 0, o->copy_poses + 2 * k, name, img, images);
    }
    return st;
}

skinq_status synth_healing_series(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    synth_scene s = synth_scene_of(o, 0x4845414cULL); /* "HEAL" */
    const synth_series days_series = {"healing-series", N_DAYS, healing_truth, healing_day};
    const synth_series copies_series = {"healing-series", 1, healing_truth, healing_copies};
    return synth_photograph(ctx, o, dir, &s, o->copies ? &copies_series : &days_series);
}
