/* psreal.c -- the scar stack's realism (issue 21): the same surface under N lights (a ring, or
 * rings on a hemisphere up to 96 as DiLiGenT's), gray or RGB, with skin's departures from the
 * Lambertian model each switchable: an oily Cook-Torrance lobe, subsurface blur of the shading,
 * sensor noise, stated per-light intensities, an unstated light falloff and dark hair strands.
 * Everything drawn is recorded in truth.json's "realism" (lib/synth/README.md "Realistic
 * photometric stack"). Axes as scars.c: x right, y up, z toward the camera; rows go down. */
#include <math.h>
#include <string.h>

#include "io/io.h"
#include "synth.h"

#define PI 3.14159265358979323846
#define SPEC_ROUGHNESS 0.35 /* Beckmann slope rms m of the oily lobe (skin: Weyrich et al. 2006) */
#define SPEC_IOR 1.38       /* refractive index of sebum / stratum corneum: Fresnel F0 = 0.0255 */
#define SPEC_MIN 0.02       /* specular strength range over the skin (dry to oily) */
#define SPEC_MAX 0.5
#define SPEC_PATCH_MM 4.0 /* feature size of the oily patches */
#define BLUR_MM 0.08      /* subsurface translucency: Gaussian sigma on the diffuse shading */
#define NOISE_REL 0.015   /* sensor noise: sigma = NOISE_REL * value */
#define INTENSITY_LO 0.85 /* per-light (per-channel) intensity range, stated in lights.json */
#define INTENSITY_HI 1.15
#define FALLOFF 0.05     /* unstated: 1 ± FALLOFF from the centre to the edge, toward the light */
#define HAIR_MM2 40.0    /* one strand per this much skin */
#define HAIR_ALB_LO 0.03 /* hair albedo range (dark) */
#define HAIR_ALB_HI 0.08
#define HAIR_LIFT_MM 0.3 /* strands lie this far above the skin: their shadows move with the light */
#define HAIR_SHADOW 0.85 /* fraction of the light a strand's shadow takes (thin, translucent) */

static const struct {
    const char *name;
    unsigned bit;
} effect_names[] = {
    {"specular", SYNTH_FX_SPECULAR},   {"blur", SYNTH_FX_BLUR},       {"noise", SYNTH_FX_NOISE},
    {"intensity", SYNTH_FX_INTENSITY}, {"falloff", SYNTH_FX_FALLOFF}, {"hair", SYNTH_FX_HAIR},
};
#define N_EFFECTS (sizeof effect_names / sizeof effect_names[0])

int synth_ps_effects(const char *list, unsigned *mask, char *bad, size_t bad_n)
{
    *mask = 0;
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t k = 0;
        if (len == 4 && (strncmp(p, "skin", 4) == 0))
            *mask |= SYNTH_FX_ALL;
        else if (!(len == 4 && strncmp(p, "none", 4) == 0)) {
            for (; k < N_EFFECTS; k++)
                if (strlen(effect_names[k].name) == len && strncmp(p, effect_names[k].name, len) == 0)
                    break;
            if (k == N_EFFECTS) {
                snprintf(bad, bad_n, "%.*s", (int)(len < 64 ? len : 64), p);
                return -1;
            }
            *mask |= effect_names[k].bit;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

void synth_ps_light_dir(int L, int n, double l[3])
{
    double az, sl;
    if (n <= 12) { /* one ring at 40° from the camera axis (today's six are n = 6) */
        az = 2 * PI * L / n;
        sl = 40.0 * PI / 180;
    } else { /* rings of 12 from 10° to 55°, each turned by half a step from the one inside */
        int rings = (n + 11) / 12, r = L / 12, per = r == rings - 1 ? n - 12 * r : 12;
        az = 2 * PI * ((L % 12) + 0.5 * (r % 2)) / per;
        sl = (10.0 + 45.0 * r / (rings > 1 ? rings - 1 : 1)) * PI / 180;
    }
    l[0] = sin(sl) * cos(az);
    l[1] = sin(sl) * sin(az);
    l[2] = cos(sl);
}

/* The oily lobe, Cook & Torrance (1982): D·F·G / (4 n·v) per unit irradiance, with Beckmann's
 * facet distribution D (slope rms SPEC_ROUGHNESS), Schlick's Fresnel F and the V-groove masking G;
 * divided by its value at normal incidence (F0 / (4π m²)), so ks is the peak there. View (0, 0, 1);
 * hv the unnormalised half vector, hn its length. Not the Blinn-Phong lobe the solver's `lobe`
 * method fits: the phantom renders more than the solver inverts. */
static double cook_torrance(const float *n, const double *l, const double *hv, double hn)
{
    const double m2 = SPEC_ROUGHNESS * SPEC_ROUGHNESS, f0 = pow((SPEC_IOR - 1) / (SPEC_IOR + 1), 2);
    double nh = (n[0] * hv[0] + n[1] * hv[1] + n[2] * hv[2]) / hn, nv = n[2], vh = hv[2] / hn;
    double nl = n[0] * l[0] + n[1] * l[1] + n[2] * l[2];
    if (!(nh > 0 && nv > 0 && nl > 0))
        return 0;
    double c2 = nh * nh, d = exp(-(1 - c2) / (c2 * m2)) / (c2 * c2); /* D·π m² */
    double fr = (f0 + (1 - f0) * pow(1 - vh, 5)) / f0;
    double g = fmin(1, fmin(2 * nh * nv / vh, 2 * nh * nl / vh));
    return d * fr * g / nv;
}

/* The fields every light shares: true normals, specular strength, hair coverage and albedo. */
typedef struct ps_fields {
    int w, h;
    double ppm;
    float *n3, *ks, *hair, *hair_alb, *shade, *tmp;
    int strands;
    double hair_fraction, ks_mean;
} ps_fields;

static void ps_normals(ps_fields *f, const float *z)
{
    const int w = f->w, h = f->h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) { /* as scars.c: central differences, one-sided at the border */
            int xl = x > 0 ? x - 1 : x, xr = x < w - 1 ? x + 1 : x, yu = y > 0 ? y - 1 : y,
                yd = y < h - 1 ? y + 1 : y;
            double gx = (z[(size_t)y * w + xr] - z[(size_t)y * w + xl]) * f->ppm / (xr - xl);
            double gy = (z[(size_t)yd * w + x] - z[(size_t)yu * w + x]) * f->ppm / (yd - yu);
            double norm = sqrt(gx * gx + gy * gy + 1);
            float *n = f->n3 + 3 * ((size_t)y * w + x);
            n[0] = (float)(-gx / norm);
            n[1] = (float)(gy / norm);
            n[2] = (float)(1 / norm);
        }
}

/* Oily patches: ks = SPEC_MIN + (SPEC_MAX − SPEC_MIN)·clamp(0.5 + 1.5·noise, 0, 1), noise the
 * value noise (2 octaves, 4 mm features): broad dry and oily areas with gradual edges. */
static void ps_specular_map(ps_fields *f, uint64_t seed)
{
    double sum = 0;
    for (size_t i = 0; i < (size_t)f->w * f->h; i++) {
        double x = (double)(i % (size_t)f->w) / f->ppm, y = (double)(i / (size_t)f->w) / f->ppm;
        double s = 0.5 + 1.5 * synth_noise(seed, x, y, SPEC_PATCH_MM, 2);
        s = s < 0 ? 0 : s > 1 ? 1 : s;
        f->ks[i] = (float)(SPEC_MIN + (SPEC_MAX - SPEC_MIN) * s);
        sum += f->ks[i];
    }
    f->ks_mean = sum / ((double)f->w * f->h);
}

/* Hair: curved strands (quadratic Bézier, 3–12 mm long, 0.05–0.09 mm thick), coverage by
 * distance to the curve (anti-aliased over a pixel), each strand's albedo where it is on top. */
static void ps_hair(ps_fields *f, synth_rng *rng, cJSON *items)
{
    const int w = f->w, h = f->h;
    const double ppm = f->ppm;
    f->strands = (int)lround((double)w * h / (ppm * ppm) / HAIR_MM2);
    for (int s = 0; s < f->strands; s++) {
        double x0 = synth_uniform(rng) * w, y0 = synth_uniform(rng) * h, th = synth_range(rng, 0, 2 * PI);
        double len = synth_range(rng, 3, 12) * ppm, bend = synth_range(rng, -0.3, 0.3) * len;
        double r = 0.5 * synth_range(rng, 0.05, 0.09) * ppm, alb = synth_range(rng, HAIR_ALB_LO, HAIR_ALB_HI);
        double x2 = x0 + len * cos(th), y2 = y0 + len * sin(th);
        double x1 = 0.5 * (x0 + x2) - bend * sin(th), y1 = 0.5 * (y0 + y2) + bend * cos(th);
        cJSON *it = cJSON_CreateObject();
        double pts[6] = {x0, y0, x1, y1, x2, y2};
        cJSON_AddItemToObject(it, "bezier_px", synth_numbers(pts, 6));
        cJSON_AddNumberToObject(it, "width_mm", 2 * r / ppm);
        cJSON_AddNumberToObject(it, "albedo", alb);
        cJSON_AddItemToArray(items, it);
        int segs = (int)ceil(len / 2) + 2;
        double px = x0, py = y0;
        for (int k = 1; k <= segs; k++) {
            double t = (double)k / segs, u = 1 - t;
            double qx = u * u * x0 + 2 * u * t * x1 + t * t * x2,
                   qy = u * u * y0 + 2 * u * t * y1 + t * t * y2;
            double dx = qx - px, dy = qy - py, l2 = dx * dx + dy * dy;
            int xa = (int)floor(fmin(px, qx) - r - 1), xb = (int)ceil(fmax(px, qx) + r + 1);
            int ya = (int)floor(fmin(py, qy) - r - 1), yb = (int)ceil(fmax(py, qy) + r + 1);
            for (int y = ya < 0 ? 0 : ya; y <= yb && y < h; y++)
                for (int x = xa < 0 ? 0 : xa; x <= xb && x < w; x++) {
                    double tt = l2 > 0 ? ((x - px) * dx + (y - py) * dy) / l2 : 0;
                    tt = tt < 0 ? 0 : tt > 1 ? 1 : tt;
                    double d = hypot(x - px - tt * dx, y - py - tt * dy), a = r + 0.5 - d;
                    a = a < 0 ? 0 : a > 1 ? 1 : a;
                    size_t i = (size_t)y * w + x;
                    if (a > f->hair[i]) {
                        f->hair[i] = (float)a;
                        f->hair_alb[i] = (float)alb;
                    }
                }
            px = qx;
            py = qy;
        }
    }
    size_t cnt = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        cnt += f->hair[i] >= 0.5f;
    f->hair_fraction = (double)cnt / ((double)w * h);
}

/* Separable Gaussian (sigma in px, clamped edges) of f->shade in place, through f->tmp. */
static void ps_blur(ps_fields *f, double sigma)
{
    const int w = f->w, h = f->h, rad = (int)ceil(3 * sigma);
    double k[64], ksum = 0;
    for (int i = -rad; i <= rad; i++)
        ksum += k[i + rad] = exp(-0.5 * i * i / (sigma * sigma));
    for (int i = 0; i <= 2 * rad; i++)
        k[i] /= ksum;
    for (int pass = 0; pass < 2; pass++) {
        const float *src = pass ? f->tmp : f->shade;
        float *dst = pass ? f->shade : f->tmp;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -rad; i <= rad; i++) {
                    int xx = pass ? x : x + i, yy = pass ? y + i : y;
                    xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                    yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                    s += k[i + rad] * src[(size_t)yy * w + xx];
                }
                dst[(size_t)y * w + x] = (float)s;
            }
    }
}

static double gauss(synth_rng *r)
{
    double u = synth_uniform(r), v = synth_uniform(r);
    return sqrt(-2 * log(1 - u)) * cos(2 * PI * v);
}

static const double TINT[3] = {1.0, 0.78, 0.66}; /* RGB: skin's albedo per channel (× albedo.png) */

/* The unstated falloff of a light of unit azimuth (ax, ay) at pixel (x, y): brighter toward it. */
static double falloff(const ps_fields *f, int x, int y, double ax, double ay)
{
    return 1 + FALLOFF *
                   ((x - 0.5 * (f->w - 1)) / (0.5 * f->w) * ax + (0.5 * (f->h - 1) - y) / (0.5 * f->h) * ay);
}

/* The flat-field calibration of one light: a matte grey card (reflectance FLAT_CARD, Lambertian,
 * flat) where the skin was, under the same light, falloff and sensor noise. */
#define FLAT_CARD 0.8
static void ps_render_flat(const ps_fields *f, unsigned fx, const double l[3], const double E[3],
                           synth_rng *rng, skinq_image *img)
{
    const int nc = img->channels;
    double axy = hypot(l[0], l[1]), ax = axy > 0 ? l[0] / axy : 0, ay = axy > 0 ? l[1] / axy : 0;
    for (int y = 0; y < f->h; y++) {
        uint16_t *row = (uint16_t *)skinq_image_row(img, y);
        for (int x = 0; x < f->w; x++)
            for (int c = 0; c < nc; c++) {
                double v = 60000 * E[c] * falloff(f, x, y, ax, ay) * FLAT_CARD * l[2];
                if (fx & SYNTH_FX_NOISE)
                    v += NOISE_REL * v * gauss(rng);
                row[nc * x + c] = (uint16_t)lround(v < 0 ? 0 : v > 65535 ? 65535 : v);
            }
    }
}

/* One light's image into img (1 or 3 channels): 60000·E_c·F·S·(albedo·tint_c·D + ks·(n·h)^p), D the
 * (blurred) max(0, n·l), S the hair's shadow; hair over it; noise; clamped to 16 bits. */
static void ps_render(ps_fields *f, unsigned fx, const double l[3], const double E[3], const float *alb,
                      synth_rng *rng, skinq_image *img)
{
    const int w = f->w, h = f->h, nc = img->channels;
    double hv[3] = {l[0], l[1], l[2] + 1}, hn = sqrt(hv[0] * hv[0] + hv[1] * hv[1] + hv[2] * hv[2]);
    double axy = hypot(l[0], l[1]), ax = axy > 0 ? l[0] / axy : 0, ay = axy > 0 ? l[1] / axy : 0;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const float *n = f->n3 + 3 * i;
        double d = n[0] * l[0] + n[1] * l[1] + n[2] * l[2];
        f->shade[i] = (float)(d > 0 ? d : 0);
    }
    if (fx & SYNTH_FX_BLUR)
        ps_blur(f, BLUR_MM * f->ppm);
    for (int y = 0; y < h; y++) {
        uint16_t *row = (uint16_t *)skinq_image_row(img, y);
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            const float *n = f->n3 + 3 * i;
            double F = 1;
            if (fx & SYNTH_FX_FALLOFF)
                F = falloff(f, x, y, ax, ay);
            double spec = 0;
            if ((fx & SYNTH_FX_SPECULAR) && n[0] * l[0] + n[1] * l[1] + n[2] * l[2] > 0)
                spec = f->ks[i] * cook_torrance(n, l, hv, hn);
            double lit = 1; /* the strands' shadow, cast toward −(ax, ay) by HAIR_LIFT_MM·tan(slant) */
            if ((fx & SYNTH_FX_HAIR) && l[2] > 0) {
                double off = HAIR_LIFT_MM * f->ppm * axy / l[2];
                int sx = (int)lround(x + off * ax), sy = (int)lround(y - off * ay);
                if (sx >= 0 && sx < w && sy >= 0 && sy < h)
                    lit = 1 - HAIR_SHADOW * f->hair[(size_t)sy * w + sx];
            }
            for (int c = 0; c < nc; c++) {
                double tint = nc == 3 ? TINT[c] : 1;
                double v = 60000 * E[c] * F * lit * (alb[i] * tint * f->shade[i] + spec);
                if ((fx & SYNTH_FX_HAIR) && f->hair[i] > 0) {
                    double hair = 60000 * E[c] * F * f->hair_alb[i] * tint * (0.3 + 0.7 * l[2]);
                    v = (1 - f->hair[i]) * v + f->hair[i] * hair;
                }
                if (fx & SYNTH_FX_NOISE)
                    v += NOISE_REL * v * gauss(rng);
                row[nc * x + c] = (uint16_t)lround(v < 0 ? 0 : v > 65535 ? 65535 : v);
            }
        }
    }
}

/* normals_true.png (16-bit RGB, (n + 1)/2 · 65535), specular.png and hair_mask.png when drawn. */
static skinq_status ps_maps(skinq_ctx *ctx, const char *dir, const ps_fields *f, unsigned fx)
{
    skinq_image *rgb = NULL, *g16 = NULL, *g8 = NULL;
    skinq_status st = skinq_image_new(ctx, f->w, f->h, 3, 16, &rgb);
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, f->w, f->h, 1, 16, &g16);
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, f->w, f->h, 1, 8, &g8);
    for (int y = 0; y < f->h && st == SKINQ_OK; y++) {
        uint16_t *r = (uint16_t *)skinq_image_row(rgb, y), *g = (uint16_t *)skinq_image_row(g16, y);
        uint8_t *m = skinq_image_row(g8, y);
        for (int x = 0; x < f->w; x++) {
            size_t i = (size_t)y * f->w + x;
            for (int c = 0; c < 3; c++)
                r[3 * x + c] = (uint16_t)lround(65535 * (0.5 * f->n3[3 * i + c] + 0.5));
            g[x] = (uint16_t)lround(65535 * f->ks[i]);
            m[x] = (uint8_t)lround(255 * f->hair[i]);
        }
    }
    if (st == SKINQ_OK)
        st = synth_save_png(ctx, dir, "normals_true.png", rgb);
    if (st == SKINQ_OK && (fx & SYNTH_FX_SPECULAR))
        st = synth_save_png(ctx, dir, "specular.png", g16);
    if (st == SKINQ_OK && (fx & SYNTH_FX_HAIR))
        st = synth_save_png(ctx, dir, "hair_mask.png", g8);
    skinq_image_free(&rgb);
    skinq_image_free(&g16);
    skinq_image_free(&g8);
    return st;
}

static cJSON *effect(cJSON *parent, const char *name, unsigned fx, unsigned bit)
{
    cJSON *e = cJSON_AddObjectToObject(parent, name);
    cJSON_AddBoolToObject(e, "enabled", (fx & bit) != 0);
    return e;
}

/* truth.json's "realism": every effect with its parameters, on or off. */
static cJSON *ps_truth(cJSON *truth, const ps_fields *f, unsigned fx, int n, int rgb)
{
    cJSON_AddStringToObject(
        truth, "normals_true",
        "normals_true.png: 16-bit RGB, value = round(65535 * (n * 0.5 + 0.5)), unit n = "
        "(x right, y up, z toward the camera) from central differences of the true height");
    cJSON_ReplaceItemInObject(
        truth, "images_encoding",
        cJSON_CreateString(
            "light_k.png: 16-bit gray (RGB with rgb_lights), value = 60000 * E_c * F * S * (albedo * "
            "tint_c * D + ks * max(0, n.h)^p [n.l > 0]), D = max(0, n.l) (blurred with blur), "
            "S the hair's shadow (realism.hair.shadow), then hair over it: (1 - a) * value + a * 60000 * E_c "
            "* F * hair_albedo * tint_c * "
            "(0.3 + 0.7 * l_z), then noise; clamped to 0..65535; effects off: E = F = S = 1, ks = 0, a = 0"));
    cJSON *r = cJSON_AddObjectToObject(truth, "realism");
    cJSON_AddNumberToObject(r, "lights", n);
    cJSON_AddBoolToObject(r, "rgb_lights", rgb);
    cJSON_AddItemToObject(r, "albedo_tint", synth_numbers(TINT, rgb ? 3 : 1));
    cJSON *e = effect(r, "specular", fx, SYNTH_FX_SPECULAR);
    cJSON_AddStringToObject(
        e, "model",
        "Cook-Torrance: Beckmann D (roughness_m), Schlick Fresnel (ior), V-groove masking, "
        "/ (4 n.v); divided by its normal-incidence value, so strength is that peak");
    cJSON_AddNumberToObject(e, "roughness_m", SPEC_ROUGHNESS);
    cJSON_AddNumberToObject(e, "ior", SPEC_IOR);
    cJSON_AddNumberToObject(e, "strength_min", SPEC_MIN);
    cJSON_AddNumberToObject(e, "strength_max", SPEC_MAX);
    cJSON_AddNumberToObject(e, "strength_mean", (fx & SYNTH_FX_SPECULAR) ? f->ks_mean : 0);
    cJSON_AddNumberToObject(e, "patch_mm", SPEC_PATCH_MM);
    if (fx & SYNTH_FX_SPECULAR)
        cJSON_AddStringToObject(e, "map", "specular.png: 16-bit gray, ks = value / 65535");
    e = effect(r, "blur", fx, SYNTH_FX_BLUR);
    cJSON_AddNumberToObject(e, "sigma_mm", BLUR_MM);
    cJSON_AddNumberToObject(e, "sigma_px", BLUR_MM * f->ppm);
    cJSON_AddStringToObject(e, "applies_to",
                            "the diffuse shading max(0, n.l), before the albedo (subsurface)");
    e = effect(r, "noise", fx, SYNTH_FX_NOISE);
    cJSON_AddNumberToObject(e, "sigma_relative", NOISE_REL);
    cJSON_AddStringToObject(e, "form",
                            "Gaussian, sigma = sigma_relative * value, each pixel, channel, image");
    e = effect(r, "intensity", fx, SYNTH_FX_INTENSITY);
    double rng2[2] = {INTENSITY_LO, INTENSITY_HI};
    cJSON_AddItemToObject(e, "range", synth_numbers(rng2, 2));
    cJSON_AddBoolToObject(e, "stated_in_lights_json", 1);
    cJSON_AddStringToObject(e, "note", "rgb_lights draws every channel's intensity even when this is off");
    e = effect(r, "falloff", fx, SYNTH_FX_FALLOFF);
    cJSON_AddNumberToObject(e, "amplitude", FALLOFF);
    cJSON_AddBoolToObject(e, "stated_in_lights_json", 0);
    if (fx & SYNTH_FX_FALLOFF)
        cJSON_AddStringToObject(
            e, "calibration",
            "flat_N.png: a matte grey card (reflectance 0.8) under light N with the same falloff "
            "and noise; lights_flat.json = lights.json + each light's \"flat\"");
    cJSON_AddStringToObject(
        e, "form",
        "F = 1 + amplitude * (u * ax + v * ay), u = (x - (w-1)/2) / (w/2), v = ((h-1)/2 - y) "
        "/ (h/2), (ax, ay) the light direction's unit azimuth (0 for l = z): brighter "
        "toward the light, 2 * amplitude across the field");
    e = effect(r, "hair", fx, SYNTH_FX_HAIR);
    cJSON_AddNumberToObject(e, "strands", (fx & SYNTH_FX_HAIR) ? f->strands : 0);
    cJSON_AddNumberToObject(e, "pixel_fraction", (fx & SYNTH_FX_HAIR) ? f->hair_fraction : 0);
    double hal[2] = {HAIR_ALB_LO, HAIR_ALB_HI};
    cJSON_AddItemToObject(e, "albedo_range", synth_numbers(hal, 2));
    cJSON_AddNumberToObject(e, "lift_mm", HAIR_LIFT_MM);
    cJSON_AddNumberToObject(e, "shadow_opacity", HAIR_SHADOW);
    cJSON_AddStringToObject(e, "shadow",
                            "the skin at p is lit x (1 - shadow_opacity * coverage(p + lift_mm * "
                            "px_per_mm * tan(slant) * (ax, -ay) in pixel rows down)), "
                            "nearest pixel: each light casts the strands' shadows elsewhere");
    if (fx & SYNTH_FX_HAIR)
        cJSON_AddStringToObject(e, "mask", "hair_mask.png: 8-bit, 255 * coverage (>= 128: hair pixel)");
    return e;
}

skinq_status synth_ps_stack(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir, const float *z,
                            const float *alb, int w, int h, cJSON *lights, cJSON *truth)
{
    unsigned fx;
    char bad[72];
    if (synth_ps_effects(o->effects, &fx, bad, sizeof bad) != 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "unknown effect '%s'", bad);
    const int n = o->lights ? o->lights : 6, rgb = o->rgb_lights != 0;
    ps_fields f = {.w = w, .h = h, .ppm = o->px_per_mm};
    size_t np = (size_t)w * h;
    f.n3 = skinq_malloc(ctx, 3 * np * sizeof *f.n3);
    f.ks = skinq_calloc(ctx, np, sizeof *f.ks);
    f.hair = skinq_calloc(ctx, np, sizeof *f.hair);
    f.hair_alb = skinq_calloc(ctx, np, sizeof *f.hair_alb);
    f.shade = skinq_malloc(ctx, np * sizeof *f.shade);
    f.tmp = skinq_malloc(ctx, np * sizeof *f.tmp);
    skinq_image *img = NULL;
    skinq_status st = f.n3 && f.ks && f.hair && f.hair_alb && f.shade && f.tmp ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, w, h, rgb ? 3 : 1, 16, &img);
    synth_rng rng = {o->seed * 0x9e3779b97f4a7c15ULL + 0x48414952ULL};  /* "HAIR" */
    synth_rng irng = {o->seed * 0x9e3779b97f4a7c15ULL + 0x4c495445ULL}; /* "LITE": intensities */
    cJSON *hair_items = cJSON_CreateArray();
    cJSON *flat_doc = cJSON_CreateObject(), *flat_lights = cJSON_AddArrayToObject(flat_doc, "lights");
    if (st == SKINQ_OK) {
        ps_normals(&f, z);
        if (fx & SYNTH_FX_SPECULAR)
            ps_specular_map(&f, o->seed + 9);
        if (fx & SYNTH_FX_HAIR)
            ps_hair(&f, &rng, hair_items);
    }
    cJSON *tr = ps_truth(truth, &f, fx, n, rgb);
    cJSON_AddItemToObject(tr, "items", hair_items);
    for (int L = 0; L < n && st == SKINQ_OK; L++) {
        double l[3], E[3] = {1, 1, 1};
        synth_ps_light_dir(L, n, l);
        for (int c = 0; c < (rgb ? 3 : 1); c++)
            if (rgb || (fx & SYNTH_FX_INTENSITY))
                E[c] = synth_range(&irng, INTENSITY_LO, INTENSITY_HI);
        synth_rng nrng = {o->seed * 0xbf58476d1ce4e5b9ULL + 0x4e4f495345ULL + (uint64_t)L}; /* "NOISE" */
        ps_render(&f, fx, l, E, alb, &nrng, img);
        char name[32];
        snprintf(name, sizeof name, "light_%d.png", L);
        st = synth_save_png(ctx, dir, name, img);
        cJSON *li = cJSON_CreateObject();
        cJSON_AddStringToObject(li, "image", name);
        cJSON_AddItemToObject(li, "direction", synth_numbers(l, 3));
        if (rgb)
            cJSON_AddItemToObject(li, "intensity", synth_numbers(E, 3));
        else
            cJSON_AddNumberToObject(li, "intensity", E[0]);
        cJSON_AddItemToArray(lights, li);
        if (st == SKINQ_OK && (fx & SYNTH_FX_FALLOFF)) { /* the rig's calibration, not in lights.json */
            ps_render_flat(&f, fx, l, E, &nrng, img);
            snprintf(name, sizeof name, "flat_%d.png", L);
            st = synth_save_png(ctx, dir, name, img);
            cJSON *lf = cJSON_Duplicate(li, 1);
            cJSON_AddStringToObject(lf, "flat", name);
            cJSON_AddItemToArray(flat_lights, lf);
        }
    }
    if (st == SKINQ_OK && (fx & SYNTH_FX_FALLOFF)) {
        cJSON_AddNumberToObject(flat_doc, "px_per_mm", f.ppm);
        st = synth_save_json(ctx, dir, "lights_flat.json", flat_doc);
    }
    cJSON_Delete(flat_doc);
    if (st == SKINQ_OK)
        st = ps_maps(ctx, dir, &f, fx);
    skinq_image_free(&img);
    skinq_free(ctx, f.n3);
    skinq_free(ctx, f.ks);
    skinq_free(ctx, f.hair);
    skinq_free(ctx, f.hair_alb);
    skinq_free(ctx, f.shade);
    skinq_free(ctx, f.tmp);
    return st;
}
