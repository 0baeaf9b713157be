/* color_kernels.h -- internal: the colour row kernels' shared constants and inline maths, and
 * their per-ISA init functions. Which kernels exist per ISA: see lib/color/README.md.
 *
 * Float rules: srgb8_to_lab is toleranced, not bit-exact — every ISA must stay within 0.005 of
 * the double-precision reference (tests/ref/lab_ref.c) for all 2^24 8-bit colours. */
#ifndef SKINQ_COLOR_KERNELS_H
#define SKINQ_COLOR_KERNELS_H

#include <stdint.h>
#include <string.h>

#include "core/dispatch.h"

/* sRGB (IEC 61966-2-1) linear RGB → XYZ, D65, and the D65 white used to normalise XYZ. The
 * rows are pre-divided by the white so the kernels compute X/Xn, Y/Yn, Z/Zn directly. */
#define SKINQ_XN 0.95047
#define SKINQ_YN 1.0
#define SKINQ_ZN 1.08883
static const float skinq_rgb2xyz_n[9] = {
    (float)(0.4124564 / SKINQ_XN), (float)(0.3575761 / SKINQ_XN), (float)(0.1804375 / SKINQ_XN),
    (float)(0.2126729 / SKINQ_YN), (float)(0.7151522 / SKINQ_YN), (float)(0.0721750 / SKINQ_YN),
    (float)(0.0193339 / SKINQ_ZN), (float)(0.1191920 / SKINQ_ZN), (float)(0.9503041 / SKINQ_ZN),
};

/** 8-bit sRGB code → linear value, built once (color_scalar.c). */
extern float skinq_srgb8_linear[256];
void skinq_color_tables_init(void);

/* Cube root for t in [0, ~1.1]: an exponent-bit first guess and two Newton steps give about
 * 1e-7 relative error, far inside the 0.005 L*a*b* bound, at a fraction of cbrtf's cost. */
static inline float skinq_cbrtf_fast(float t)
{
    uint32_t i;
    memcpy(&i, &t, 4);
    i = i / 3 + 709921077u;
    float y;
    memcpy(&y, &i, 4);
    y = y - (y * y * y - t) / (3 * y * y);
    y = y - (y * y * y - t) / (3 * y * y);
    return y;
}

/* CIE 15 f(t) with its linear toe below (6/29)^3. */
static inline float skinq_lab_f(float t)
{
    return t > 0.008856452f ? skinq_cbrtf_fast(t) : t * 7.787037f + 0.137931034f;
}

/* The scalar reference kernels (also the SIMD kernels' tails). */
void skinq_srgb8_to_lab_scalar(const uint8_t *rgb, float *lab, size_t n);

void skinq_color_init_scalar(struct skinq_kernels *k);
void skinq_color_init_avx2(struct skinq_kernels *k);

#endif
