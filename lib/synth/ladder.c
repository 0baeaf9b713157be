/* ladder.c -- the texture-ladder phantom: skin patches whose only texture is band-limited
 * shading of known RMS amplitude (a sum of random-direction sinusoids in a known band) plus
 * pores of known density, both increasing patch by patch, for monotonicity tests. */
#include <math.h>

#include "io/io.h"
#include "synth.h"

#define N_PATCHES 6
#define N_WAVES 64
#define BAND_LO 1.0 /* cycles/mm: the design's "fine" band */
#define BAND_HI 2.0

skinq_status synth_texture_ladder(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    int w = o->width ? o->width : 512, h = o->height ? o->height : 512;
    double ppm = o->px_per_mm;
    if (w < 32 || h < 32)
        return skinq_fail(ctx, SKINQ_E_INVALID, "texture-ladder needs at least 32x32 pixels");
    synth_rng rng = {o->seed * 0x9e3779b97f4a7c15ULL + 0x4c414444ULL}; /* "LADD" */
    skinq_image *img = NULL;
    skinq_status st = skinq_image_new(ctx, w, h, 3, 8, &img);
    cJSON *truth = cJSON_CreateObject();
    cJSON_AddStringToObject(truth, "kind", "texture-ladder");
    cJSON_AddNumberToObject(truth, "px_per_mm", ppm);
    cJSON *band = cJSON_AddArrayToObject(truth, "band_cycles_per_mm");
    cJSON_AddItemToArray(band, cJSON_CreateNumber(BAND_LO));
    cJSON_AddItemToArray(band, cJSON_CreateNumber(BAND_HI));
    cJSON_AddStringToObject(truth, "shading",
                            "1 + amplitude * sqrt(2/64) * sum of 64 cosines, frequencies uniform in the "
                            "band, random direction and phase (unit RMS)");
    cJSON *list = cJSON_AddArrayToObject(truth, "patches");
    double base[3]; /* light skin: melanosome fraction 0.033, blood 0.02 (the scenes' mean skin) */
    synth_skin_table_rgb(0.033, 0.02, base);
    for (int k = 0; k < N_PATCHES && st == SKINQ_OK; k++) {
        double amp = 0.015 * (k + 1), density = 20.0 * (k + 1); /* RMS shading; pores per cm² */
        double fx[N_WAVES], fy[N_WAVES], ph[N_WAVES];
        for (int i = 0; i < N_WAVES; i++) {
            double f = synth_range(&rng, BAND_LO, BAND_HI) / ppm,
                   a = synth_range(&rng, 0, 3.14159265358979323846);
            fx[i] = f * cos(a);
            fy[i] = f * sin(a);
            ph[i] = synth_range(&rng, 0, 2 * 3.14159265358979323846);
        }
        int n_pores = (int)lround(density * (w / ppm) * (h / ppm) / 100.0);
        double sigma = 0.06 * ppm;
        float *shade = skinq_malloc(ctx, sizeof(float) * (size_t)w * (size_t)h);
        if (!shade) {
            st = SKINQ_E_NOMEM;
            break;
        }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = 0; i < N_WAVES; i++)
                    s += cos(2 * 3.14159265358979323846 * (fx[i] * x + fy[i] * y) + ph[i]);
                shade[(size_t)y * w + x] = (float)(1 + amp * sqrt(2.0 / N_WAVES) * s);
            }
        for (int p = 0; p < n_pores; p++) { /* dark gaussian dips, 0.12 mm across (2 sigma) */
            double px = synth_range(&rng, 0, w), py = synth_range(&rng, 0, h), depth = 0.3;
            int r = (int)ceil(4 * sigma);
            for (int y = (int)py - r; y <= (int)py + r; y++)
                for (int x = (int)px - r; x <= (int)px + r; x++)
                    if (x >= 0 && y >= 0 && x < w && y < h) {
                        double d2 = (x - px) * (x - px) + (y - py) * (y - py);
                        shade[(size_t)y * w + x] *= (float)(1 - depth * exp(-d2 / (2 * sigma * sigma)));
                    }
        }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    skinq_image_row(img, y)[3 * x + c] = synth_srgb8(base[c] * shade[(size_t)y * w + x]);
        skinq_free(ctx, shade);
        char name[32];
        snprintf(name, sizeof name, "patch_%d.png", k);
        st = synth_save_png(ctx, dir, name, img);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "file", name);
        cJSON_AddNumberToObject(p, "amplitude_rms", amp);
        cJSON_AddNumberToObject(p, "pore_density_per_cm2", n_pores / ((w / ppm) * (h / ppm) / 100.0));
        cJSON_AddNumberToObject(p, "pore_count", n_pores);
        cJSON_AddNumberToObject(p, "pore_diameter_mm", 2 * sigma / ppm);
        cJSON_AddItemToArray(list, p);
    }
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "truth.json", truth);
    cJSON_Delete(truth);
    skinq_image_free(&img);
    return st;
}
