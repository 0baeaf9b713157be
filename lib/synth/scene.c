/* scene.c -- the skin every photographed phantom shares (healing series, course, recapture): the
 * colour model, value-noise texture, pores in a spatial hash, the treated ellipse and its mask, and
 * the renderer that evaluates the skin through a photo's transform and adds light and camera. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

/* Mean epidermal melanosome and dermal blood volume fractions: light skin (ITA about 50°, L* about
 * 71 as photographed), blood within the 0.2–7 % reported for dermis (Jacques 2013). */
#define MELANIN 0.033
#define BLOOD 0.02
#define PORE_DENSITY 120.0 /* per cm², before the procedure */
#define BUCKET SYNTH_BUCKET

typedef synth_pore pore;
typedef synth_scene scene;
typedef synth_shot frame;

static double treated_weight(const scene *s, double x, double y)
{
    double dx = (x - s->cx) / s->rx, dy = (y - s->cy) / s->ry;
    double r = sqrt(dx * dx + dy * dy);
    double edge = 0.5 * s->ppm / s->rx; /* 0.5 mm soft edge, in normalised radius */
    double t = (1 + edge - r) / (2 * edge);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

synth_scene synth_scene_of(const skinq_synth_options *o, uint64_t tag)
{
    synth_scene s = {.w = o->width ? o->width : 2000, .h = o->height ? o->height : 1500};
    s.ppm = o->px_per_mm;
    s.tau = o->tau_days;
    s.seed = o->seed * 0x9e3779b97f4a7c15ULL + tag; /* each kind its own skin */
    return s;
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
                double blood = BLOOD * (1 + 0.15 * synth_noise(s->seed + 23, wx, wy, 2 * mm, 3)) +
                               f->excess * treated_weight(s, wx, wy);
                double shade = 1 + f->rough * synth_noise(s->seed + 37, wx, wy, 0.6 * mm, 2);
                shade *= pore_shade(s, wx, wy, f->visible);
                synth_skin_table_rgb(mel, blood, lin);
                for (int c = 0; c < 3; c++)
                    lin[c] *= shade * f->wb[c] * f->exposure;
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
        model, "formula",
        "R_c = shading * skin_c(melanin, blood) * wb_c * exposure; sRGB 8-bit; skin_c: the "
        "spectral skin (lib/synth/README.md \"Spectral skin\") through CIE 1931 + D65 -> "
        "linear sRGB");
    cJSON_AddStringToObject(model, "units",
                            "melanin: epidermal melanosome volume fraction; blood and "
                            "hemoglobin_excess: dermal blood volume fraction");
    cJSON_AddNumberToObject(model, "saturation", SYNTH_SKIN_SATURATION);
    cJSON_AddNumberToObject(model, "melanin_mean", MELANIN);
    cJSON_AddNumberToObject(model, "blood_mean", BLOOD);
    cJSON *tr = cJSON_AddObjectToObject(truth, region);
    double c[2] = {s->cx, s->cy}, r[2] = {s->rx, s->ry};
    cJSON_AddItemToObject(tr, "center_px", synth_numbers(c, 2));
    cJSON_AddItemToObject(tr, "radii_px", synth_numbers(r, 2));
    cJSON_AddNumberToObject(tr, "area_mm2", 3.14159265358979323846 * s->rx * s->ry / (s->ppm * s->ppm));
    cJSON_AddStringToObject(tr, "mask", "mask.png");
    double ref[4] = {round(0.06 * s->w), round(0.38 * s->h), round(0.16 * s->w), round(0.24 * s->h)};
    cJSON_AddItemToObject(truth, "reference_rect", synth_numbers(ref, 4));
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

double synth_pore_density(const scene *s, double visible)
{
    int n = 0;
    for (int i = 0; i < s->n_pores; i++)
        n += s->pores[i].close_u < visible;
    return n / ((double)(s->bw * BUCKET) * (s->bh * BUCKET) / (s->ppm * s->ppm) / 100.0);
}

void synth_scene_free(skinq_ctx *ctx, scene *s)
{
    skinq_free(ctx, s->pores);
    skinq_free(ctx, s->bucket_start);
    skinq_free(ctx, s->bucket_items);
}
