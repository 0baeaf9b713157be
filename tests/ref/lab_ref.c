/* lab_ref.c -- the double-precision reference: IEC 61966-2-1 decoding with pow(), the sRGB→XYZ
 * matrix, D65 white (0.95047, 1, 1.08883), CIE 15 L*a*b* with cbrt(). No tables, no shortcuts. */
#include "lab_ref.h"

#include <math.h>

double ref_srgb8_linear(uint8_t v)
{
    double e = v / 255.0;
    return e <= 0.04045 ? e / 12.92 : pow((e + 0.055) / 1.055, 2.4);
}

static double f(double t)
{
    const double d = 6.0 / 29.0;
    return t > d * d * d ? cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}

void ref_srgb8_to_lab(uint8_t r8, uint8_t g8, uint8_t b8, double lab[3])
{
    double r = ref_srgb8_linear(r8), g = ref_srgb8_linear(g8), b = ref_srgb8_linear(b8);
    double x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    double z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    double fx = f(x / 0.95047), fy = f(y / 1.0), fz = f(z / 1.08883);
    lab[0] = 116 * fy - 16;
    lab[1] = 500 * (fx - fy);
    lab[2] = 200 * (fy - fz);
}
