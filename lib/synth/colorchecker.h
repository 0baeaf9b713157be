/* colorchecker.h -- internal: the ColorChecker Classic reference table and the double-precision
 * sRGB helpers, shared by the chart phantom (chart.c) and chart calibration (lib/align/calib.c). */
#ifndef SKINQ_COLORCHECKER_H
#define SKINQ_COLORCHECKER_H

#include <stdint.h>

typedef struct skinq_cc_patch {
    const char *name;
    uint8_t srgb[3];
} skinq_cc_patch;

/** X-Rite's published 8-bit sRGB (D65) values, row-major from "dark skin" to "black". */
extern const skinq_cc_patch skinq_colorchecker[24];

/** sRGB-encoded 8-bit value → linear (IEC 61966-2-1), double. */
double skinq_cc_linear(uint8_t v);

/** Linear sRGB (D65) → CIELAB (D65 white): IEC 61966-2-1 matrix, CIE 15 formulas. */
void skinq_cc_linear_to_lab(const double rgb[3], double lab[3]);

#endif
