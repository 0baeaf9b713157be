/* color_scalar.c -- the scalar reference colour kernels. */
#include <math.h>
#include <pthread.h>

#include "color/color_kernels.h"

float skinq_srgb8_linear[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (int v = 0; v < 256; v++) {
        double e = v / 255.0;
        skinq_srgb8_linear[v] = (float)(e <= 0.04045 ? e / 12.92 : pow((e + 0.055) / 1.055, 2.4));
    }
}

void skinq_color_tables_init(void)
{
    pthread_once(&tables_once, build_tables);
}

/* n interleaved 8-bit sRGB pixels → n interleaved float L*, a*, b* (D65). */
void skinq_srgb8_to_lab_scalar(const uint8_t *rgb, float *lab, size_t n)
{
    const float *m = skinq_rgb2xyz_n;
    for (size_t i = 0; i < n; i++, rgb += 3, lab += 3) {
        float r = skinq_srgb8_linear[rgb[0]], g = skinq_srgb8_linear[rgb[1]], b = skinq_srgb8_linear[rgb[2]];
        float fx = skinq_lab_f(m[0] * r + m[1] * g + m[2] * b);
        float fy = skinq_lab_f(m[3] * r + m[4] * g + m[5] * b);
        float fz = skinq_lab_f(m[6] * r + m[7] * g + m[8] * b);
        lab[0] = 116 * fy - 16;
        lab[1] = 500 * (fx - fy);
        lab[2] = 200 * (fy - fz);
    }
}

void skinq_color_init_scalar(struct skinq_kernels *k)
{
    skinq_color_tables_init();
    k->srgb8_to_lab = skinq_srgb8_to_lab_scalar;
    k->name_srgb8_to_lab = "scalar";
}
