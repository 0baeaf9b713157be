/* srgb.c -- the sRGB transfer functions (IEC 61966-2-1) in double, and the 8-bit decode table. */
#include <math.h>
#include <pthread.h>

#include "color/srgb.h"

double skinq_srgb_decode(double e)
{
    return e <= 0.04045 ? e / 12.92 : pow((e + 0.055) / 1.055, 2.4);
}

double skinq_srgb_encode(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
}

static float srgb8_table[256];
static pthread_once_t srgb8_once = PTHREAD_ONCE_INIT;

static void build_srgb8_table(void)
{
    for (int i = 0; i < 256; i++)
        srgb8_table[i] = (float)skinq_srgb_decode(i / 255.0);
}

const float *skinq_srgb8_decode_table(void)
{
    pthread_once(&srgb8_once, build_srgb8_table);
    return srgb8_table;
}
