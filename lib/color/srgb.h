/* srgb.h -- internal: the one sRGB codec (IEC 61966-2-1) and the ColorChecker Classic reference,
 * for colour and the parts that need exact sRGB (surface, align, synth). */
#ifndef SKINQ_SRGB_H
#define SKINQ_SRGB_H

#include <stdint.h>

/** Encoded value e in [0, 1] → linear: e <= 0.04045 ? e/12.92 : ((e + 0.055)/1.055)^2.4, in double. */
double skinq_srgb_decode(double e);

/** Linear v, clamped to [0, 1] → encoded: v <= 0.0031308 ? 12.92 v : 1.055 v^(1/2.4) − 0.055. */
double skinq_srgb_encode(double v);

/** The 256 8-bit codes decoded, (float)skinq_srgb_decode(code / 255.0); built once, never freed. */
const float *skinq_srgb8_decode_table(void);

typedef struct skinq_cc_patch {
    const char *name;
    uint8_t srgb[3];
} skinq_cc_patch;

/** X-Rite's published 8-bit sRGB (D65) values of the ColorChecker Classic, row-major from
 * "dark skin" to "black" (colorchecker.c). */
extern const skinq_cc_patch skinq_colorchecker[24];

/** Linear sRGB (D65) → CIELAB (D65 white) in double: IEC 61966-2-1 matrix, CIE 15 formulas. The
 * reference conversion for the chart's patches (the float kernels are colour's own). */
void skinq_cc_linear_to_lab(const double rgb[3], double lab[3]);

#endif /* SKINQ_SRGB_H */
