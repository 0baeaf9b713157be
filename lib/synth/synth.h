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

skinq_status synth_healing_series(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_texture_ladder(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_scar_stack(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);
skinq_status synth_chart(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir);

#endif
