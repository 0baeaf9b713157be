/* photo.c -- the bench's generated skin photos: tone varying over centimetres, dark pores at
 * hashed places, per-pixel sensor noise; a seed moves the tone's phases, the pores and the
 * noise, so a sample set of many photos has no two alike (seed 0: the bench's own photo). */
#include <math.h>
#include <stdio.h>

#include "bench/bench_int.h"
#include "io/io.h"

typedef struct photo_job {
    skinq_image *img;
    uint32_t seed;
} photo_job;

static void photo_row(void *user, int y, int thread)
{
    (void)thread;
    const photo_job *j = user;
    const uint32_t seed = j->seed;
    const int w = j->img->width;
    /* noise from a per-row generator, so rows can be made on any thread in any order */
    uint64_t s = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)seed * 0xbf58476d1ce4e5b9ULL) ^ ((uint64_t)(y + 1) << 32);
    const double p0 = 0.4 + 0.7 * seed, p1 = 1.3 * seed, p2 = 0.9 * seed;
    uint8_t *row = skinq_image_row(j->img, y);
    for (int x = 0; x < w; x++) {
        double tone = 14 * sin(x * 0.0017 + p0) * cos(y * 0.0021 + p1) + 6 * sin((x + y) * 0.011 + p2) +
                      4 * sin(x * 0.031 + 2 * sin(y * 0.013)) * cos(y * 0.027 + 3 * sin(x * 0.007));
        /* one pore per 48-px cell at a hashed place (no period for registration to lock onto) */
        uint32_t cell = ((uint32_t)(x / 48) * 73856093u ^ (uint32_t)(y / 48) * 19349663u) + seed * 83492791u;
        cell ^= cell >> 13, cell *= 0x5bd1e995u, cell ^= cell >> 15;
        int px = (int)(cell % 40) + 4, py = (int)((cell >> 8) % 40) + 4, dx = x % 48 - px, dy = y % 48 - py;
        double pore = (cell >> 20) % 3 && dx * dx + dy * dy < 9 + (int)(cell >> 28) ? -22 : 0;
        for (int c = 0; c < 3; c++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            int noise = (int)(s & 7) + (int)((s >> 8) & 7) + (int)((s >> 16) & 7) - 10;
            double v = (c == 0 ? 205 : c == 1 ? 150 : 128) + tone * (c == 1 ? 1.2 : 1) + pore + noise;
            row[3 * x + c] = (uint8_t)(v < 1 ? 1 : v > 254 ? 254 : v);
        }
    }
}

skinq_status skinq_bench_photo(skinq_ctx *ctx, int w, int h, uint32_t seed, skinq_image **out)
{
    skinq_status st = skinq_image_new(ctx, w, h, 3, 8, out);
    if (st == SKINQ_OK) {
        photo_job j = {*out, seed};
        skinq_parallel_for(ctx, h, photo_row, &j);
    }
    return st;
}

skinq_status skinq_bench_make_set(skinq_ctx *ctx, const char *dir, int count, int width, int height,
                                  const skinq_bench_options *opt)
{
    skinq_bench_options o;
    skinq_status st = SKINQ_OPTIONS_TAKE(ctx, &o, opt, skinq_bench_default_options, "skinq_bench_options");
    if (st != SKINQ_OK)
        return st;
    if (!dir || count < 1 || width < 16 || height < 16)
        return skinq_fail(ctx, SKINQ_E_INVALID, "make-set: need a folder, a count >= 1 and a size >= 16x16");
    st = skinq_dir_ensure(ctx, dir);
    skinq_jpeg_options jo;
    skinq_jpeg_default_options(&jo);
    jo.quality = 92;
    for (int i = 0; st == SKINQ_OK && i < count; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/photo-%04d.jpg", dir, i);
        skinq_image *img = NULL;
        st = skinq_bench_photo(ctx, width, height, (uint32_t)i, &img);
        if (st == SKINQ_OK)
            st = skinq_jpeg_write(ctx, path, img, &jo); /* atomic: no partial file on failure */
        skinq_image_free(&img);
        skinq_bench_progress(&o, "writing the sample set", i + 1, count);
    }
    return st;
}
