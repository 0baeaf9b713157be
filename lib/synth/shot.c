/* shot.c -- photographing a scene: each photo's pose, white balance, exposure and white patch, the
 * JPEG it is written as, its truth entry, and a whole series (mask, shots, truth.json). */
#include <math.h>
#include <stdio.h>

#include "io/io.h"
#include "synth.h"

typedef synth_scene scene;
typedef synth_shot frame;

double synth_remodel(double t, double a0, double a_inf)
{
    return a_inf + (a0 - a_inf) * exp(-t / SYNTH_TAU_SLOW);
}

void synth_pose_matrix(double M[9], double cx, double cy, double deg, double scale, double tx, double ty)
{
    double a = deg * 3.14159265358979323846 / 180, co = scale * cos(a), si = scale * sin(a);
    M[0] = co, M[1] = -si, M[2] = cx + tx - co * cx + si * cy;
    M[3] = si, M[4] = co, M[5] = cy + ty - si * cx - co * cy;
    M[6] = 0, M[7] = 0, M[8] = 1;
}

void synth_shot_pose(frame *f, synth_rng *rng, int first)
{
    const scene *s = f->sc;
    f->deg = first ? 0 : synth_range(rng, -5, 5);
    f->scale = first ? 1 : synth_range(rng, 0.95, 1.05);
    f->tx = first ? 0 : synth_range(rng, -0.03, 0.03) * s->w;
    f->ty = first ? 0 : synth_range(rng, -0.03, 0.03) * s->w;
    synth_pose_matrix(f->M, s->w / 2.0, s->h / 2.0, f->deg, f->scale, f->tx, f->ty);
}

void synth_white_patch(frame *f, int w)
{
    f->ww = w / 14;
    f->wx = w - f->ww - w / 40;
    f->wy = w / 40;
}

skinq_status synth_shot_write(skinq_ctx *ctx, const char *dir, const char *name, const skinq_image *img,
                              int quality)
{
    char path[4096];
    skinq_jpeg_options jo;
    skinq_jpeg_default_options(&jo);
    jo.quality = quality;
    skinq_status st = synth_path(ctx, path, sizeof path, dir, name);
    return st == SKINQ_OK ? skinq_jpeg_write(ctx, path, img, &jo) : st;
}

void synth_shot_truth(cJSON *im, const frame *f, int jpeg_quality)
{
    cJSON_AddItemToObject(im, "transform", synth_numbers(f->M, 9));
    cJSON_AddNumberToObject(im, "rotation_deg", f->deg);
    cJSON_AddNumberToObject(im, "scale", f->scale);
    double shift[2] = {f->tx, f->ty};
    cJSON_AddItemToObject(im, "shift_px", synth_numbers(shift, 2));
    cJSON_AddItemToObject(im, "wb_gains", synth_numbers(f->wb, 3));
    cJSON_AddNumberToObject(im, "exposure", f->exposure);
    cJSON_AddNumberToObject(im, "jpeg_quality", jpeg_quality);
    double white[4] = {f->wx, f->wy, f->ww, f->ww};
    cJSON_AddItemToObject(im, "white_rect", synth_numbers(white, 4));
    cJSON_AddNumberToObject(im, "white_reflectance", 0.8);
}

void synth_truth_head(cJSON *truth, const char *kind, const skinq_synth_options *o, const scene *s)
{
    cJSON_AddStringToObject(truth, "kind", kind);
    cJSON_AddNumberToObject(truth, "seed", (double)o->seed);
    cJSON_AddStringToObject(truth, "skinq_version", skinq_version());
    cJSON_AddNumberToObject(truth, "width", s->w);
    cJSON_AddNumberToObject(truth, "height", s->h);
    cJSON_AddNumberToObject(truth, "px_per_mm", s->ppm);
}

skinq_status synth_skin_shot(skinq_ctx *ctx, const char *dir, const char *name, int quality, frame *f,
                             synth_rng *rng, cJSON *im)
{
    for (int c = 0; c < 3; c++)
        f->wb[c] = synth_range(rng, 0.93, 1.07);
    f->exposure = synth_range(rng, 0.92, 1.06);
    synth_white_patch(f, f->sc->w);
    synth_render(ctx, f);
    skinq_status st = synth_shot_write(ctx, dir, name, f->img, quality);
    cJSON_AddNumberToObject(im, "hemoglobin_excess", f->excess);
    cJSON_AddNumberToObject(im, "roughness_scale", f->rough);
    cJSON_AddNumberToObject(im, "pore_density_per_cm2", synth_pore_density(f->sc, f->visible));
    synth_shot_truth(im, f, quality);
    return st;
}

skinq_status synth_photograph(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir, scene *s,
                              const synth_series *series)
{
    if (s->w < 64 || s->h < 64)
        return skinq_fail(ctx, SKINQ_E_INVALID, "%s needs at least 64x64 pixels", series->kind);
    synth_rng rng = {s->seed};
    skinq_status st = synth_scene_init(ctx, s, &rng);
    cJSON *truth = cJSON_CreateObject(), *images = NULL;
    skinq_image *img = NULL;
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, s->w, s->h, 3, 8, &img);
    if (st == SKINQ_OK) {
        images = series->truth(truth, o, s);
        st = synth_scene_mask(ctx, dir, s);
    }
    for (int i = 0; i < series->count && st == SKINQ_OK; i++)
        st = series->shot(ctx, o, dir, s, &rng, i, img, images);
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "truth.json", truth);
    cJSON_Delete(truth);
    skinq_image_free(&img);
    synth_scene_free(ctx, s);
    return st;
}
