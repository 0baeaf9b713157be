/* colorchecker.c -- the ColorChecker Classic reference (X-Rite's sRGB table) and its exact
 * sRGB → CIELAB, shared by the chart phantom (synth) and chart calibration (align). */
#include <math.h>

#include "color/srgb.h"

/* The sRGB table colour tools commonly embed; row-major from "dark skin" to "black". */
const skinq_cc_patch skinq_colorchecker[24] = {
    {"dark skin", {115, 82, 68}},   {"light skin", {194, 150, 130}},  {"blue sky", {98, 122, 157}},
    {"foliage", {87, 108, 67}},     {"blue flower", {133, 128, 177}}, {"bluish green", {103, 189, 170}},
    {"orange", {214, 126, 44}},     {"purplish blue", {80, 91, 166}}, {"moderate red", {193, 90, 99}},
    {"purple", {94, 60, 108}},      {"yellow green", {157, 188, 64}}, {"orange yellow", {224, 163, 46}},
    {"blue", {56, 61, 150}},        {"green", {70, 148, 73}},         {"red", {175, 54, 60}},
    {"yellow", {231, 199, 31}},     {"magenta", {187, 86, 149}},      {"cyan", {8, 133, 161}},
    {"white 9.5", {243, 243, 242}}, {"neutral 8", {200, 200, 200}},   {"neutral 6.5", {160, 160, 160}},
    {"neutral 5", {122, 122, 121}}, {"neutral 3.5", {85, 85, 85}},    {"black 2", {52, 52, 52}},
};

void skinq_cc_linear_to_lab(const double rgb[3], double lab[3])
{
    double r = rgb[0], g = rgb[1], b = rgb[2];
    double xyz[3] = {0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
                     0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
                     0.0193339 * r + 0.1191920 * g + 0.9503041 * b};
    static const double white[3] = {0.95047, 1.0, 1.08883};
    double f[3];
    for (int i = 0; i < 3; i++) {
        double t = xyz[i] / white[i];
        f[i] = t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }
    lab[0] = 116 * f[1] - 16;
    lab[1] = 500 * (f[0] - f[1]);
    lab[2] = 200 * (f[1] - f[2]);
}
