/* scars.c -- the scar-stack phantom: a gently domed skin surface with an ice-pick, a boxcar
 * and a rolling scar of known shape, rendered Lambertian (with albedo variation) under six
 * known lights, plus the true height map; with any realism option (lights, RGB, effects) psreal.c
 * renders the lights instead. Conventions as the design's lights file: directions
 * point from the surface to the light, x right, y up, z toward the camera; image rows go down,
 * so a height slope along +row is a normal tilted toward +y. */
#include <math.h>
#include <string.h>

#include "io/io.h"
#include "synth.h"

#define N_LIGHTS 6
#define Z_SCALE 0.0001 /* mm per unit of height.png (0.1 µm) */
#define MIN_DEPTH 0.05 /* mm: what counts as inside a scar for area and mean depth */

typedef struct {
    const char *type;
    double cx_mm, cy_mm, depth_mm, size_mm; /* size: cone radius, box radius, gaussian sigma */
} scar;

/* Depth (mm, positive down) of one scar at a point. */
static double scar_depth(const scar *s, double x_mm, double y_mm)
{
    double r = hypot(x_mm - s->cx_mm, y_mm - s->cy_mm);
    if (s->type[0] == 'i') /* ice-pick: a narrow cone */
        return r < s->size_mm ? s->depth_mm * (1 - r / s->size_mm) : 0;
    if (s->type[0] == 'b') { /* boxcar: flat bottom, steep walls 0.15 mm wide */
        double t = (s->size_mm + 0.15 - r) / 0.15;
        return s->depth_mm * (t < 0 ? 0 : t > 1 ? 1 : t);
    }
    return s->depth_mm * exp(-r * r / (2 * s->size_mm * s->size_mm)); /* rolling: wide and shallow */
}

/* The field's truth as it is drawn: per scar sums over the pixels, and the height range. */
typedef struct scar_sums {
    double area[3], vol[3], sum_in[3], cxs[3], cys[3], maxd[3];
    double zmin, zmax;
} scar_sums;

/* Heights (a dome less the scars, mm) and albedo of every pixel, and the scars' sums (added to
 * t: zero, with zmin = +inf and zmax = −inf, to start). */
static void scar_field(const skinq_synth_options *o, const scar scars[3], int w, int h, float *z, float *alb,
                       scar_sums *t)
{
    const double ppm = o->px_per_mm, wmm = w / ppm, hmm = h / ppm;
    const size_t n = (size_t)w * (size_t)h;
    for (size_t i = 0; i < n; i++) {
        double x = (double)(i % (size_t)w) / ppm, y = (double)(i / (size_t)w) / ppm;
        double dx = (x - wmm / 2) / wmm, dy = (y - hmm / 2) / hmm;
        double v = 0.6 * (1 - 2 * (dx * dx + dy * dy)); /* a gentle dome, 0.6 mm high */
        for (int k = 0; k < 3; k++) {
            double d = scar_depth(&scars[k], x, y);
            v -= d;
            t->vol[k] += d / (ppm * ppm);
            t->maxd[k] = d > t->maxd[k] ? d : t->maxd[k];
            if (d > MIN_DEPTH) {
                t->area[k] += 1 / (ppm * ppm);
                t->sum_in[k] += d;
                t->cxs[k] += x;
                t->cys[k] += y;
            }
        }
        z[i] = (float)v;
        t->zmin = v < t->zmin ? v : t->zmin;
        t->zmax = v > t->zmax ? v : t->zmax;
        alb[i] = (float)(0.7 * (1 + 0.12 * synth_noise(o->seed + 5, x, y, 1.5, 3)));
    }
}

static cJSON *scar_truth(double ppm, const scar scars[3], const scar_sums *t)
{
    cJSON *truth = cJSON_CreateObject();
    cJSON_AddStringToObject(truth, "kind", "scar-stack");
    cJSON_AddNumberToObject(truth, "px_per_mm", ppm);
    cJSON_AddStringToObject(truth, "height",
                            "height.png: 16-bit gray, height_mm = z_offset_mm + value * z_scale_mm_per_unit");
    cJSON_AddNumberToObject(truth, "z_scale_mm_per_unit", Z_SCALE);
    cJSON_AddNumberToObject(truth, "z_offset_mm", t->zmin);
    cJSON_AddStringToObject(
        truth, "base",
        "dome 0.6*(1 - 2*(dx^2 + dy^2)) mm, dx, dy relative to the centre over the field size");
    cJSON_AddNumberToObject(truth, "min_depth_mm", MIN_DEPTH);
    cJSON_AddStringToObject(truth, "images_encoding",
                            "light_k.png: 16-bit gray, value = 60000 * albedo * max(0, n.l)");
    cJSON *items = cJSON_AddArrayToObject(truth, "scars");
    for (int k = 0; k < 3; k++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "type", scars[k].type);
        cJSON_AddNumberToObject(s, "max_depth_mm", t->maxd[k]);
        cJSON_AddNumberToObject(s, "mean_depth_mm",
                                t->area[k] > 0 ? t->sum_in[k] / (t->area[k] * ppm * ppm) : 0);
        cJSON_AddNumberToObject(s, "area_mm2", t->area[k]);
        cJSON_AddNumberToObject(s, "volume_mm3", t->vol[k]);
        cJSON_AddNumberToObject(s, "equiv_diameter_mm", 2 * sqrt(t->area[k] / 3.14159265358979323846));
        cJSON *c = cJSON_AddArrayToObject(s, "centroid_mm");
        double a_px = t->area[k] * ppm * ppm;
        cJSON_AddItemToArray(c, cJSON_CreateNumber(a_px > 0 ? t->cxs[k] / a_px : scars[k].cx_mm));
        cJSON_AddItemToArray(c, cJSON_CreateNumber(a_px > 0 ? t->cys[k] / a_px : scars[k].cy_mm));
        cJSON_AddNumberToObject(s, "size_parameter_mm", scars[k].size_mm);
        cJSON_AddItemToArray(items, s);
    }
    return truth;
}

/* light_k.png for each light (Lambertian: 60000 · albedo · max(0, n·l), normals from central
 * differences of z) into img16, and its entry in `lights`. */
static skinq_status scar_lights(skinq_ctx *ctx, const char *dir, double ppm, const float *z, const float *alb,
                                skinq_image *img16, cJSON *lights)
{
    const int w = img16->width, h = img16->height;
    skinq_status st = SKINQ_OK;
    for (int L = 0; L < N_LIGHTS && st == SKINQ_OK; L++) {
        double l[3];
        synth_ps_light_dir(L, N_LIGHTS, l);
        for (int y = 0; y < h; y++) {
            uint16_t *row = (uint16_t *)skinq_image_row(img16, y);
            for (int x = 0; x < w; x++) {
                int xl = x > 0 ? x - 1 : x, xr = x < w - 1 ? x + 1 : x, yu = y > 0 ? y - 1 : y,
                    yd = y < h - 1 ? y + 1 : y;
                double gx = (z[(size_t)y * w + xr] - z[(size_t)y * w + xl]) * ppm / (xr - xl);
                double gy =
                    (z[(size_t)yd * w + x] - z[(size_t)yu * w + x]) * ppm / (yd - yu); /* per mm, rows down */
                double nx = -gx, ny = gy, nz = 1, norm = sqrt(nx * nx + ny * ny + 1);
                double shade = (nx * l[0] + ny * l[1] + nz * l[2]) / norm;
                row[x] = (uint16_t)lround(60000 * alb[(size_t)y * w + x] * (shade > 0 ? shade : 0));
            }
        }
        char name[32];
        snprintf(name, sizeof name, "light_%d.png", L);
        st = synth_save_png(ctx, dir, name, img16);
        cJSON *li = cJSON_CreateObject();
        cJSON_AddStringToObject(li, "image", name);
        cJSON *d = cJSON_AddArrayToObject(li, "direction");
        for (int c = 0; c < 3; c++)
            cJSON_AddItemToArray(d, cJSON_CreateNumber(l[c]));
        cJSON_AddNumberToObject(li, "intensity", 1.0);
        cJSON_AddItemToArray(lights, li);
    }
    return st;
}

/* height.png (z − zmin in Z_SCALE units, into img16) and albedo.png. */
static skinq_status scar_maps(skinq_ctx *ctx, const char *dir, const float *z, const float *alb, double zmin,
                              skinq_image *img16, skinq_image *albimg)
{
    const int w = img16->width, h = img16->height;
    for (int y = 0; y < h; y++) {
        uint16_t *row = (uint16_t *)skinq_image_row(img16, y);
        for (int x = 0; x < w; x++) {
            row[x] = (uint16_t)lround((z[(size_t)y * w + x] - zmin) / Z_SCALE);
            skinq_image_row(albimg, y)[x] = (uint8_t)lround(255 * alb[(size_t)y * w + x]);
        }
    }
    skinq_status st = synth_save_png(ctx, dir, "height.png", img16);
    return st == SKINQ_OK ? synth_save_png(ctx, dir, "albedo.png", albimg) : st;
}

skinq_status synth_scar_stack(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    /* the realistic stack (psreal.c) when any of its options is set; else today's bytes */
    int real = o->effects || o->lights || o->rgb_lights,
        side = o->lights > 12 ? 512 : 1024; /* default size */
    int w = o->width ? o->width : side, h = o->height ? o->height : side;
    double ppm = o->px_per_mm;
    if (w < 128 || h < 128)
        return skinq_fail(ctx, SKINQ_E_INVALID, "scar-stack needs at least 128x128 pixels");
    double wmm = w / ppm, hmm = h / ppm;
    synth_rng rng = {o->seed * 0x9e3779b97f4a7c15ULL + 0x53434152ULL}; /* "SCAR" */
    /* three scars on a 3-column layout, sizes scaled to the field but within clinical ranges */
    double u = fmin(wmm, hmm) / 51.2;
    scar scars[3] = {
        {"icepick", wmm * 0.2, hmm * synth_range(&rng, 0.35, 0.65), synth_range(&rng, 0.8, 1.2), 0.45 * u},
        {"boxcar", wmm * 0.5, hmm * synth_range(&rng, 0.35, 0.65), synth_range(&rng, 0.3, 0.5), 1.6 * u},
        {"rolling", wmm * 0.8, hmm * synth_range(&rng, 0.35, 0.65), synth_range(&rng, 0.2, 0.3), 2.4 * u},
    };
    size_t n = (size_t)w * (size_t)h;
    float *z = skinq_malloc(ctx, n * sizeof *z), *alb = skinq_malloc(ctx, n * sizeof *alb);
    skinq_image *img16 = NULL, *albimg = NULL;
    skinq_status st = z && alb ? SKINQ_OK : SKINQ_E_NOMEM;
    scar_sums t = {.zmin = INFINITY, .zmax = -INFINITY};
    if (st == SKINQ_OK)
        scar_field(o, scars, w, h, z, alb, &t);
    cJSON *truth = scar_truth(ppm, scars, &t), *lights_doc = cJSON_CreateObject();
    cJSON *lights = cJSON_AddArrayToObject(lights_doc, "lights");
    cJSON_AddNumberToObject(lights_doc, "px_per_mm", ppm);
    if (st == SKINQ_OK && !(t.zmax - t.zmin < 65535 * Z_SCALE))
        st = skinq_fail(ctx, SKINQ_E_INTERNAL, "scar-stack height range does not fit 16 bits");
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, w, h, 1, 16, &img16);
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, w, h, 1, 8, &albimg);
    if (st == SKINQ_OK)
        st = real ? synth_ps_stack(ctx, o, dir, z, alb, w, h, lights, truth)
                  : scar_lights(ctx, dir, ppm, z, alb, img16, lights);
    if (st == SKINQ_OK)
        st = scar_maps(ctx, dir, z, alb, t.zmin, img16, albimg);
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "lights.json", lights_doc);
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "truth.json", truth);
    cJSON_Delete(truth);
    cJSON_Delete(lights_doc);
    skinq_image_free(&img16);
    skinq_image_free(&albimg);
    skinq_free(ctx, z);
    skinq_free(ctx, alb);
    return st;
}
