/* skin.c -- the phantoms' building blocks: a seeded generator, continuous value noise, and
 * sRGB encoding. The skin colour is spectral_skin.c's, tabulated in skin_table.c. */
#include <math.h>

#include "color/srgb.h"
#include "synth.h"

uint64_t synth_next(synth_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double synth_uniform(synth_rng *r)
{
    return (double)(synth_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double synth_range(synth_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * synth_uniform(r);
}

/* A lattice value in [-1, 1] from the seed and integer coordinates (stateless hash). */
static double lattice(uint64_t seed, int64_t ix, int64_t iy)
{
    synth_rng r = {seed ^ ((uint64_t)ix * 0x8da6b343ULL) ^ ((uint64_t)iy * 0xd8163841ULL)};
    return synth_uniform(&r) * 2 - 1;
}

static double smooth(double t)
{
    return t * t * (3 - 2 * t);
}

double synth_noise(uint64_t seed, double x, double y, double scale, int octaves)
{
    double sum = 0, amp = 1, norm = 0;
    for (int o = 0; o < octaves; o++, scale *= 0.5, amp *= 0.5) {
        double u = x / scale, v = y / scale;
        double fx = floor(u), fy = floor(v);
        int64_t ix = (int64_t)fx, iy = (int64_t)fy;
        double tx = smooth(u - fx), ty = smooth(v - fy);
        uint64_t s = seed + (uint64_t)o * 0x632be59bd9b4e019ULL;
        double a = lattice(s, ix, iy), b = lattice(s, ix + 1, iy);
        double c = lattice(s, ix, iy + 1), d = lattice(s, ix + 1, iy + 1);
        sum += amp * ((a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty);
        norm += amp;
    }
    return sum / norm;
}

uint8_t synth_srgb8(double v)
{
    return (uint8_t)lround(skinq_srgb_encode(v) * 255);
}
