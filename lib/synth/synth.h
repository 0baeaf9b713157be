/* synth.h -- internal: the phantom generator's skin model, noise and truth writing. */
#ifndef SKINQ_SYNTH_H
#define SKINQ_SYNTH_H

#include <cjson/cJSON.h>

#include "core/core.h"

/** Deterministic random numbers (splitmix64): the same seed gives the same phantom everywhere. */
typedef struct synth_rng {
    uint64_t s;
} synth_rng;
uint64_t synth_next(synth_rng *r);
double synth_uniform(synth_rng *r); /* [0, 1) */
double synth_range(synth_rng *r, double lo, double hi);

/** Smooth value noise in [-1, 1] at a continuous point (lattice hashed from seed), octaves summed
 * with halving amplitude; `scale` is the feature size in the same units as x, y. */
double synth_noise(uint64_t seed, double x, double y, double scale, int octaves);

/** Linear reflectance → sRGB-encoded 8-bit (IEC 61966-2-1), clamped. */
uint8_t synth_srgb8(double linear);

/** Write a cJSON document atomically (temp + rename), pretty-printed. */
skinq_status synth_write_json(skinq_ctx *ctx, const char *path, cJSON *doc);

/** Write dir/name as PNG or as JSON (both atomic). */
skinq_status synth_save_png(skinq_ctx *ctx, const char *dir, const char *name, const skinq_image *img);
skinq_status synth_save_json(skinq_ctx *ctx, const char *dir, const char *name, cJSON *doc);

/** dir/name into buf; SKINQ_E_INVALID when it does not fit. */
skinq_status synth_path(skinq_ctx *ctx, char *buf, size_t n, const char *dir, const char *name);

/* ---- the healing series' skin (scene.c) and its photographs (shot.c), shared by the healing
 * series, the course and the recapture ---- */

#define SYNTH_BUCKET 16         /* px: spatial hash for pores */
#define SYNTH_TAU_SLOW 20.0     /* days: remodelling of texture and pores */
#define SYNTH_ROUGH_BEFORE 0.10 /* roughness scale before any procedure */
#define SYNTH_ROUGH_HEALED 0.04 /* ... once one procedure's remodelling completes */
#define SYNTH_PORES_CLOSING 0.4 /* fraction of pores that stop showing as that remodelling completes */

typedef struct synth_pore {
    float x, y, sigma, depth, close_u;
} synth_pore;

/** One skin site: a continuous field in the first photo's pixel coordinates ("world"). */
typedef struct synth_scene {
    int w, h;
    double ppm, tau;
    uint64_t seed;
    double cx, cy, rx, ry; /* the treated (or measured) ellipse, world px */
    synth_pore *pores;
    int n_pores;
    int *bucket_start, *bucket_items; /* CSR lists of pores per bucket */
    int bw, bh;
    int x0, y0; /* world origin of the bucket grid (the world extends beyond the first frame) */
} synth_scene;

/** One photograph of a scene: pose, light, skin state and what the camera adds. */
typedef struct synth_shot {
    double M[9];               /* photo pixel → world pixel (homogeneous, row-major) */
    double deg, scale, tx, ty; /* the pose M was made from */
    double excess, rough, visible, wb[3], exposure;
    int wx, wy, ww; /* white patch in photo pixels */
    skinq_image *img;
    const synth_scene *sc;
    double grad, grad_deg; /* light falloff: 1 ± grad from frame centre to edge along grad_deg; 0 = none */
    double noise;          /* sensor noise: σ² = noise²·(linear value + 0.04) in linear RGB; 0 = none */
    uint64_t noise_seed;
} synth_shot;

/** A scene of the options' size (default 2000×1500), scale, tau and a seed of its own (tag: the kind). */
synth_scene synth_scene_of(const skinq_synth_options *o, uint64_t tag);
/** The scene's ellipse and pores (w, h, ppm, seed set); free with synth_scene_free(). */
skinq_status synth_scene_init(skinq_ctx *ctx, synth_scene *s, synth_rng *rng);
void synth_scene_free(skinq_ctx *ctx, synth_scene *s);
/** Render a shot into f->img (threaded over rows). */
void synth_render(skinq_ctx *ctx, synth_shot *f);
/** The shot's pose drawn from rng (rotation ±5°, scale ±5 %, shift ±3 % of the width; none for
 * the first shot, framed as the world) and its matrix: photo p → world c + s·R(θ)·(p − c) + t. */
void synth_shot_pose(synth_shot *f, synth_rng *rng, int first);
/** The white patch of a shot: a square near the top-right corner of the frame. */
void synth_white_patch(synth_shot *f, int w);
/** Pores visible in a shot, per cm² of the world. */
double synth_pore_density(const synth_scene *s, double visible);
/** dir/mask.png: the scene's ellipse in world (first photo) pixels. */
skinq_status synth_scene_mask(skinq_ctx *ctx, const char *dir, const synth_scene *s);
/** truth.json's first fields: kind, seed, skinq_version, width, height, px_per_mm. */
void synth_truth_head(cJSON *truth, const char *kind, const skinq_synth_options *o, const synth_scene *s);
/** truth.json's colour model, the ellipse (under `region`) and reference_rect. */
void synth_scene_truth(cJSON *truth, const synth_scene *s, const char *region);
/** A shot's pose, light and camera fields appended to its truth entry. */
void synth_shot_truth(cJSON *im, const synth_shot *f, int jpeg_quality);
/** Write the shot's image as dir/name (JPEG at `quality`). */
skinq_status synth_shot_write(skinq_ctx *ctx, const char *dir, const char *name, const skinq_image *img,
                              int quality);
cJSON *synth_numbers(const double *v, int n);
/** Photo p → world c + s·R(θ)·(p − c) + t as a 3×3 matrix (c: the centre cx, cy). */
void synth_pose_matrix(double M[9], double cx, double cy, double deg, double scale, double tx, double ty);
/** Remodelling t days after a step: from a0 toward a_inf with SYNTH_TAU_SLOW. */
double synth_remodel(double t, double a0, double a_inf);
/** A clinic's photo of the skin in f's state (excess, rough, visible; pose set): white balance
 * 0.93–1.07 per channel and exposure 0.92–1.06 drawn from rng, rendered into f->img, written as
 * dir/name; the state and the shot's truth appended to im. */
skinq_status synth_skin_shot(skinq_ctx *ctx, const char *dir, const char *name, int quality, synth_shot *f,
                             synth_rng *rng, cJSON *im);

/** A series of photographs of one scene: its truth's head (returns the "images" array) and shot i. */
typedef struct synth_series {
    const char *kind;
    int count;
    cJSON *(*truth)(cJSON *truth, const skinq_synth_options *o, const synth_scene *s);
    skinq_status (*shot)(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir, const synth_scene *s,
                         synth_rng *rng, int i, skinq_image *img, cJSON *images);
} synth_series;

/** Photograph a scene (w, h, ppm, seed set): the scene, mask.png, every shot, truth.json. */
skinq_status synth_photograph(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir, synth_scene *s,
                              const synth_series *series);

/* ---- the spectral skin (spectral_skin.c; lib/synth/README.md "Spectral skin") ---- */

#define SYNTH_EPIDERMIS_UM 80.0    /* default epidermal thickness */
#define SYNTH_SKIN_SATURATION 0.75 /* the phantoms' dermal oxygen saturation */
/* The spectral patches' dermis (spectral.c's comment gives the sources): a papillary layer holding
 * the blood that varies over a reticular dermis with a fixed low blood fraction. */
#define SYNTH_PAPILLARY_UM 200.0
#define SYNTH_RETICULAR_BLOOD 0.0025
#define SYNTH_SCENE_EPIDERMIS_UM 85.0 /* the photographed phantoms' epidermis (the model assumes 80) */

/** A skin's layers: epidermis (melanosome volume fraction) over a dermis, either one
 * semi-infinite layer (papillary_um = 0) or a papillary layer over a semi-infinite reticular one;
 * optionally a spectrally flat surface reflection on top. Zeroed trailing fields: the simple skin. */
typedef struct synth_skin_layers {
    double melanin;         /* epidermal melanosome volume fraction, 0..1 */
    double blood;           /* blood volume fraction of the (papillary) dermis, 0..1 */
    double saturation;      /* oxygen saturation of all dermal blood, 0..1 */
    double epidermis_um;    /* epidermal thickness; 0 = SYNTH_EPIDERMIS_UM */
    double papillary_um;    /* papillary dermis thickness; 0 = one semi-infinite dermis with `blood` */
    double reticular_blood; /* blood volume fraction of the reticular dermis below it (papillary_um > 0) */
    double surface;         /* specular (Fresnel) reflectance of the surface, flat in λ; 0 = none
                               (cross-polarised capture) */
    double over_um;         /* a dermal layer with reticular_blood above the blood layer (papillary_um
                               > 0), which puts the varying blood in a deeper net; 0 = none */
} synth_skin_layers;

/** Diffuse reflectance on the spectral grid (two-layer Kubelka–Munk). */
void synth_skin_reflectance(const synth_skin_layers *p, double refl[SKINQ_SPECTRAL_N]);
/** Linear RGB of that reflectance under D65: camera `cam`, or NULL for CIE 1931 → sRGB. */
void synth_skin_rgb(const skinq_camera *cam, const synth_skin_layers *p, double rgb[3]);
/** ITA° of the skin's colorimetric colour (CIELAB of its sRGB under D65); CIELAB into lab if not NULL. */
double synth_skin_ita(const synth_skin_layers *p, double lab[3]);
/** The melanin fraction whose skin has this ITA° at this blood and saturation (bisection; ITA
 * outside the model's range gives 0 or 1). Skin types are chosen by ITA through it. */
double synth_skin_melanin_for_ita(double ita, double blood, double saturation);

/** The photographed phantoms' skin: linear sRGB of (melanin, dermal blood) at saturation
 * SYNTH_SKIN_SATURATION, epidermis SYNTH_SCENE_EPIDERMIS_UM, one semi-infinite dermis, bilinear in a table of
 * synth_skin_rgb() (skin_table.c); arguments are clamped to [0, SYNTH_TABLE_MEL_MAX] × [0,
 * SYNTH_TABLE_BLOOD_MAX]. Thread-safe. */
#define SYNTH_TABLE_MEL_MAX 0.4
#define SYNTH_TABLE_BLOOD_MAX 0.16
void synth_skin_table_rgb(double melanin, double blood, double rgb[3]);

/* ---- the scar stack's realism (psreal.c; lib/synth/README.md "Realistic photometric stack") ---- */

#define SYNTH_FX_SPECULAR 1u
#define SYNTH_FX_BLUR 2u
#define SYNTH_FX_NOISE 4u
#define SYNTH_FX_INTENSITY 8u
#define SYNTH_FX_FALLOFF 16u
#define SYNTH_FX_HAIR 32u
#define SYNTH_FX_ALL 63u
#define SYNTH_PS_MAX_LIGHTS 96

/** Effects from a comma list (specular, blur, noise, intensity, falloff, hair; "skin" = all,
 * "none"); NULL = none. -1 and the unknown name in bad on an unknown word. */
int synth_ps_effects(const char *list, unsigned *mask, char *bad, size_t bad_n);
/** Light L of n (unit, toward the light): n <= 12 one ring at 40° from the camera axis (today's
 * six: n = 6); more, rings of 12 at slants 10°..55°, alternate rings turned half a step. */
void synth_ps_light_dir(int L, int n, double l[3]);
/** The realistic stack: light_k.png and their lights entries, normals_true.png, specular.png,
 * hair_mask.png, truth's "realism" (and its normals/images fields) for o's lights, rgb_lights and
 * effects, from the true heights z (mm) and albedo of a w×h field. */
skinq_status synth_ps_stack(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir, const float *z,
                            const float *alb, int w, int h, cJSON *lights, cJSON *truth);

skinq_status synth_healing_series(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_texture_ladder(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_scar_stack(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_chart(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_recapture(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_course(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_spectral_skin(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);

#endif
