/* healing.c -- the healing-series phantom: one skin site photographed on days 0 (before the
 * procedure), 1, 2, 3, 5, 7, 14, 28 and 42. A treated ellipse carries extra hemoglobin that
 * decays as E0·e^(−t/τ) (days), while roughness and visible pores fall slowly (τ_slow = 20 d).
 * Every photo has its own pose (rotation, scale, shift), white balance, exposure and JPEG
 * compression. The skin is a continuous field in day-0 pixel coordinates, evaluated through
 * each photo's transform, so there are no empty borders. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "synth.h"

#define N_DAYS 9
static const int days[N_DAYS] = {0, 1, 2, 3, 5, 7, 14, 28, 42};
static const double melanin_od[3] = SKINQ_SYNTH_MELANIN_OD;
static const double hemoglobin_od[3] = SKINQ_SYNTH_HEMOGLOBIN_OD;
static const double base_od[3] = SKINQ_SYNTH_BASE_OD;

#define MELANIN 0.25 /* mean concentrations giving light skin (sRGB about 225,175,150) */
#define HEMOGLOBIN 0.18
#define EXCESS0 0.15       /* hemoglobin excess in the treated region just after the procedure */
#define TAU_SLOW 20.0      /* days: remodelling of texture and pores */
#define PORE_DENSITY 120.0 /* per cm², before the procedure */
#define PORES_CLOSING 0.4  /* fraction of pores that stop showing as remodelling completes */
#define BUCKET SYNTH_BUCKET

typedef synth_pore pore;
typedef synth_scene scene;
typedef synth_shot frame;
static double slow_decay(double t, double a0, double a_inf)
{
    return a_inf + (a0 - a_inf) * exp(-t / TAU_SLOW);
}

static double treated_weight(const scene *s, double x, double y)
{
    double dx = (x - s->cx) / s->rx, dy = (y - s->cy) / s->ry;
    double r = sqrt(dx * dx + dy * dy);
    double edge = 0.5 * s->ppm / s->rx; /* 0.5 mm soft edge, in normalised radius */
    double t = (1 + edge - r) / (2 * edge);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

skinq_status synth_scene_init(skinq_ctx *ctx, scene *s, synth_rng *rng)
{
    s->cx = 0.6 * s->w, s->cy = 0.5 * s->h, s->rx = 0.18 * s->w, s->ry = 0.22 * s->h;
    /* the world is the day-0 frame plus a 12 % margin on every side (poses move within it) */
    int mx = s->w * 12 / 100 + BUCKET, my = s->h * 12 / 100 + BUCKET;
    s->x0 = -mx;
    s->y0 = -my;
    s->bw = (s->w + 2 * mx) / BUCKET + 1;
    s->bh = (s->h + 2 * my) / BUCKET + 1;
    double area_cm2 = (double)(s->bw * BUCKET) * (s->bh * BUCKET) / (s->ppm * s->ppm) / 100.0;
    s->n_pores = (int)lround(PORE_DENSITY * area_cm2);
    s->pores = skinq_calloc(ctx, (size_t)s->n_pores + 1, sizeof *s->pores);
    s->bucket_start = skinq_calloc(ctx, (size_t)s->bw * s->bh + 1, sizeof(int));
    s->bucket_items = skinq_calloc(ctx, (size_t)s->n_pores + 1, sizeof(int));
    if (!s->pores || !s->bucket_start || !s->bucket_items)
        return SKINQ_E_NOMEM;
    for (int i = 0; i < s->n_pores; i++) {
        pore *p = &s->pores[i];
        p->x = (float)(s->x0 + synth_uniform(rng) * s->bw * BUCKET);
        p->y = (float)(s->y0 + synth_uniform(rng) * s->bh * BUCKET);
        p->sigma = (float)(synth_range(rng, 0.04, 0.09) * s->ppm); /* 0.1–0.2 mm across */
        p->depth = (float)synth_range(rng, 0.25, 0.35); /* every pore above the detector's weakest */
        p->close_u = (float)synth_uniform(rng);
    }
    /* counting sort into buckets */
    for (int i = 0; i < s->n_pores; i++) {
        int bx = (int)((s->pores[i].x - s->x0) / BUCKET), by = (int)((s->pores[i].y - s->y0) / BUCKET);
        s->bucket_start[by * s->bw + bx + 1]++;
    }
    for (int b = 0; b < s->bw * s->bh; b++)
        s->bucket_start[b + 1] += s->bucket_start[b];
    int *fill = skinq_calloc(ctx, (size_t)s->bw * s->bh, sizeof(int));
    if (!fill)
        return SKINQ_E_NOMEM;
    for (int i = 0; i < s->n_pores; i++) {
        int bx = (int)((s->pores[i].x - s->x0) / BUCKET), by = (int)((s->pores[i].y - s->y0) / BUCKET);
        int b = by * s->bw + bx;
        s->bucket_items[s->bucket_start[b] + fill[b]++] = i;
    }
    skinq_free(ctx, fill);
    return SKINQ_OK;
}

/* Pore shading (multiplicative darkening) at a world point. */
static double pore_shade(const scene *s, double x, double y, double visible)
{
    int bx = (int)floor((x - s->x0) / BUCKET), by = (int)floor((y - s->y0) / BUCKET);
    double dip = 0;
    for (int j = by - 1; j <= by + 1; j++) {
        if (j < 0 || j >= s->bh)
            continue;
        for (int i = bx - 1; i <= bx + 1; i++) {
            if (i < 0 || i >= s->bw)
                continue;
            int b = j * s->bw + i;
            for (int k = s->bucket_start[b]; k < s->bucket_start[b + 1]; k++) {
                const pore *p = &s->pores[s->bucket_items[k]];
                if (p->close_u >= visible)
                    continue;
                double dx = x - p->x, dy = y - p->y, d2 = dx * dx + dy * dy, s2 = (double)p->sigma * p->sigma;
                if (d2 < 16 * s2)
                    dip += p->depth * exp(-d2 / (2 * s2));
            }
        }
    }
    return dip > 0.6 ? 0.4 : 1 - dip;
}

/* What the light and the camera add at photo pixel (x, y): a linear light falloff across the
 * field (grad at the frame's edge along grad_deg) and sensor noise (shot plus read noise, a
 * Gaussian per pixel and channel hashed from the position, so threads do not matter). */
static void camera(const frame *f, int x, int y, double lin[3])
{
    const skinq_image *img = f->img;
    double a = f->grad_deg * 3.14159265358979323846 / 180, ux = cos(a), uy = sin(a);
    double hx = img->width / 2.0, hy = img->height / 2.0, reach = fabs(ux) * hx + fabs(uy) * hy;
    double light = 1 + f->grad * ((x + 0.5 - hx) * ux + (y + 0.5 - hy) * uy) / reach;
    synth_rng r = {f->noise_seed ^ ((uint64_t)y * 0x9e3779b97f4a7c15ULL) ^
                   ((uint64_t)x * 0xc2b2ae3d27d4eb4fULL)};
    for (int c = 0; c < 3; c++) {
        lin[c] *= light;
        if (f->noise == 0)
            continue;
        double u1 = 1 - synth_uniform(&r), u2 = synth_uniform(&r); /* Box–Muller, u1 in (0, 1] */
        double g = sqrt(-2 * log(u1)) * cos(2 * 3.14159265358979323846 * u2);
        lin[c] += g * f->noise * sqrt((lin[c] > 0 ? lin[c] : 0) + 0.04);
    }
}

static void render_rows(void *user, int task, int thread)
{
    (void)thread;
    frame *f = user;
    const scene *s = f->sc;
    skinq_image *img = f->img;
    int rows = (img->height + 63) / 64, y0 = task * 64, y1 = y0 + 64 < img->height ? y0 + 64 : img->height;
    (void)rows;
    double mm = s->ppm; /* px per mm */
    for (int y = y0; y < y1; y++) {
        uint8_t *row = skinq_image_row(img, y);
        for (int x = 0; x < img->width; x++) {
            double lin[3];
            if (x >= f->wx && x < f->wx + f->ww && y >= f->wy && y < f->wy + f->ww) {
                for (int c = 0; c < 3; c++) /* grey card: reflectance 0.8 under the same light */
                    lin[c] = 0.8 * f->wb[c] * f->exposure;
            } else {
                const double *M = f->M;
                double wx = M[0] * x + M[1] * y + M[2], wy = M[3] * x + M[4] * y + M[5];
                double mel = MELANIN * (1 + 0.12 * synth_noise(s->seed + 11, wx, wy, 5 * mm, 3));
                double hb = HEMOGLOBIN * (1 + 0.15 * synth_noise(s->seed + 23, wx, wy, 2 * mm, 3)) +
                            f->excess * treated_weight(s, wx, wy);
                double shade = 1 + f->rough * synth_noise(s->seed + 37, wx, wy, 0.6 * mm, 2);
                shade *= pore_shade(s, wx, wy, f->visible);
                for (int c = 0; c < 3; c++) {
                    double od = mel * melanin_od[c] + hb * hemoglobin_od[c] + base_od[c];
                    lin[c] = shade * pow(10.0, -od) * f->wb[c] * f->exposure;
                }
            }
            if (f->grad != 0 || f->noise != 0)
                camera(f, x, y, lin);
            for (int c = 0; c < 3; c++)
                row[3 * x + c] = synth_srgb8(lin[c]);
        }
    }
}

void synth_render(skinq_ctx *ctx, frame *f)
{
    skinq_parallel_for(ctx, (f->img->height + 63) / 64, render_rows, f);
}

static void pose_matrix(double M[9], double cx, double cy, double deg, double scale, double tx, double ty)
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
    pose_matrix(f->M, s->w / 2.0, s->h / 2.0, f->deg, f->scale, f->tx, f->ty);
}

cJSON *synth_numbers(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

void synth_scene_truth(cJSON *truth, const scene *s, const char *region)
{
    cJSON *model = cJSON_AddObjectToObject(truth, "colour_model");
    cJSON_AddStringToObject(
        model, "formula", "R_c = shading * 10^-(mel*MEL_c + hb*HB_c + BASE_c) * wb_c * exposure; sRGB 8-bit");
    cJSON_AddItemToObject(model, "melanin_od", synth_numbers(melanin_od, 3));
    cJSON_AddItemToObject(model, "hemoglobin_od", synth_numbers(hemoglobin_od, 3));
    cJSON_AddItemToObject(model, "base_od", synth_numbers(base_od, 3));
    cJSON_AddNumberToObject(model, "melanin_mean", MELANIN);
    cJSON_AddNumberToObject(model, "hemoglobin_mean", HEMOGLOBIN);
    cJSON *tr = cJSON_AddObjectToObject(truth, region);
    double c[2] = {s->cx, s->cy}, r[2] = {s->rx, s->ry};
    cJSON_AddItemToObject(tr, "center_px", synth_numbers(c, 2));
    cJSON_AddItemToObject(tr, "radii_px", synth_numbers(r, 2));
    cJSON_AddNumberToObject(tr, "area_mm2", 3.14159265358979323846 * s->rx * s->ry / (s->ppm * s->ppm));
    cJSON_AddStringToObject(tr, "mask", "mask.png");
    double ref[4] = {round(0.06 * s->w), round(0.38 * s->h), round(0.16 * s->w), round(0.24 * s->h)};
    cJSON_AddItemToObject(truth, "reference_rect", synth_numbers(ref, 4));
}

/* truth.json's scene: kind, sizes, the procedure, the colour model, the treated ellipse and the
 * reference rectangle; returns the "images" array the days are added to. */
static cJSON *healing_truth(cJSON *truth, const skinq_synth_options *o, const scene *s)
{
    cJSON_AddStringToObject(truth, "kind", "healing-series");
    cJSON_AddNumberToObject(truth, "seed", (double)o->seed);
    cJSON_AddStringToObject(truth, "skinq_version", skinq_version());
    cJSON_AddNumberToObject(truth, "width", s->w);
    cJSON_AddNumberToObject(truth, "height", s->h);
    cJSON_AddNumberToObject(truth, "px_per_mm", s->ppm);
    cJSON_AddNumberToObject(truth, "tau_days", s->tau);
    cJSON_AddNumberToObject(truth, "tau_slow_days", TAU_SLOW);
    cJSON_AddNumberToObject(truth, "hemoglobin_excess_after_procedure", EXCESS0);
    cJSON_AddStringToObject(truth, "procedure",
                            "right after the day-0 photo: excess(t) = E0·exp(-t/tau) for t > 0, 0 on day 0");
    synth_scene_truth(truth, s, "treated");
    return cJSON_AddArrayToObject(truth, "images");
}

skinq_status synth_scene_mask(skinq_ctx *ctx, const char *dir, const scene *s)
{
    skinq_image *mask = NULL;
    skinq_status st = skinq_image_new(ctx, s->w, s->h, 1, 8, &mask);
    if (st == SKINQ_OK) {
        for (int y = 0; y < s->h; y++)
            for (int x = 0; x < s->w; x++)
                skinq_image_row(mask, y)[x] = treated_weight(s, x, y) > 0.5 ? 255 : 0;
        st = synth_save_png(ctx, dir, "mask.png", mask);
    }
    skinq_image_free(&mask);
    return st;
}

void synth_white_patch(frame *f, int w)
{
    f->ww = w / 14;
    f->wx = w - f->ww - w / 40;
    f->wy = w / 40;
}

double synth_pore_density(const scene *s, double visible)
{
    int n = 0;
    for (int i = 0; i < s->n_pores; i++)
        n += s->pores[i].close_u < visible;
    return n / ((double)(s->bw * BUCKET) * (s->bh * BUCKET) / (s->ppm * s->ppm) / 100.0);
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
        pose_matrix(f.M, s->w / 2.0, s->h / 2.0, f.deg, f.scale, f.tx, f.ty);
    }
    for (int c = 0; c < 3; c++)
        f.wb[c] = synth_range(rng, 0.93, 1.07);
    f.exposure = synth_range(rng, 0.92, 1.06);
    f.excess = t > 0 ? EXCESS0 * exp(-t / s->tau) : 0;
    f.rough = slow_decay(t, 0.10, 0.04);
    f.visible = slow_decay(t, 1.0, 1.0 - PORES_CLOSING);
    synth_white_patch(&f, s->w);
    synth_render(ctx, &f);
    char name[32];
    if (copy_name)
        snprintf(name, sizeof name, "%s", copy_name);
    else
        snprintf(name, sizeof name, "day%02d.jpg", days[d]);
    skinq_status st = synth_shot_write(ctx, dir, name, img, o->jpeg_quality);
    cJSON *im = cJSON_CreateObject();
    cJSON_AddStringToObject(im, "file", name);
    cJSON_AddNumberToObject(im, "day", t);
    cJSON_AddNumberToObject(im, "hemoglobin_excess", f.excess);
    cJSON_AddNumberToObject(im, "roughness_scale", f.rough);
    cJSON_AddNumberToObject(im, "pore_density_per_cm2", synth_pore_density(s, f.visible));
    synth_shot_truth(im, &f, o->jpeg_quality);
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

void synth_scene_free(skinq_ctx *ctx, scene *s)
{
    skinq_free(ctx, s->pores);
    skinq_free(ctx, s->bucket_start);
    skinq_free(ctx, s->bucket_items);
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

skinq_status synth_healing_series(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    scene s = {0};
    s.w = o->width ? o->width : 2000;
    s.h = o->height ? o->height : 1500;
    s.ppm = o->px_per_mm;
    s.tau = o->tau_days;
    s.seed = o->seed * 0x9e3779b97f4a7c15ULL + 0x4845414cULL; /* "HEAL" */
    const synth_series days_series = {"healing-series", N_DAYS, healing_truth, healing_day};
    const synth_series copies_series = {"healing-series", 1, healing_truth, healing_copies};
    return synth_photograph(ctx, o, dir, &s, o->copies ? &copies_series : &days_series);
}
