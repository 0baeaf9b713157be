/* photo.c -- the bench's generated skin photos, made as a camera makes them so that they have a
 * real photo's colour count (10^5..10^6 distinct colours at 12 MP, not the few thousand of a
 * smooth rendering: the colour pass's cost depends on it). The scene: skin tone varying over
 * centimetres, dark pores at hashed places, under light falling off across the frame (a face
 * turning away). The camera: an RGGB Bayer mosaic of that scene in linear light, shot noise
 * (Poisson, as a Gaussian of the electron count) and read noise on a 12-bit ADC, bilinear
 * demosaicing, sRGB encoding; the caller's JPEG q92 adds the block artefacts. A seed moves the
 * tone's phases, the light, the pores and the noise, so a sample set has no two alike (seed 0:
 * the bench's own photo). */
#include <math.h>
#include <stdio.h>

#include "bench/bench_int.h"
#include "color/srgb.h"
#include "io/io.h"

#define FULL_WELL 800.0 /* electrons at the ADC's full scale (a small phone pixel at ISO ~1600) */
#define READ_NOISE 4.0  /* electrons rms */
#define ADC_MAX 4095    /* 12-bit */
#define ENC_STEPS 4     /* demosaiced values are means of 1, 2 or 4 codes: quarter-code steps */

typedef struct photo_job {
    skinq_image *img;
    uint32_t seed;
    uint16_t *raw;      /* the mosaic, 12-bit codes */
    const uint8_t *enc; /* (ADC_MAX·ENC_STEPS + 1) entries: code/4 → sRGB 8-bit */
} photo_job;

/* The scene's sRGB-like value of channel c at (x, y) of a w×h frame before the light: skin (the
 * old smooth rendering) inside an ellipse filling ~60 % of the frame, around it a patterned
 * fabric and a wall whose hues sweep a wide range (a portrait's clothes and background: where most
 * of a real photo's distinct colours come from). */
static double scene(uint32_t seed, int x, int y, int c, int w, int h)
{
    const double ex = (x - 0.5 * w) / (0.44 * w), ey = (y - 0.48 * h) / (0.47 * h);
    if (ex * ex + ey * ey > 1) {
        /* its own orientation and scale per seed: two photos of a set share no pattern to register */
        const double th = 0.9 * seed, k = 1 + 0.13 * (seed % 5), ph = 2.1 * c + 0.37 * seed;
        const double f = 6.2832 * k / (w + h), xr = x * cos(th) + y * sin(th), yr = y * cos(th) - x * sin(th);
        return 128 + 45 * sin(9 * f * xr + ph + 2 * sin(7 * f * yr + c)) +
               25 * sin(61 * f * yr + 1.7 * ph) * sin(47 * f * xr + ph);
    }
    const double p0 = 0.4 + 0.7 * seed, p1 = 1.3 * seed, p2 = 0.9 * seed;
    double tone = 14 * sin(x * 0.0017 + p0) * cos(y * 0.0021 + p1) + 6 * sin((x + y) * 0.011 + p2) +
                  4 * sin(x * 0.031 + 2 * sin(y * 0.013)) * cos(y * 0.027 + 3 * sin(x * 0.007));
    /* one pore per 48-px cell at a hashed place (no period for registration to lock onto) */
    uint32_t cell = ((uint32_t)(x / 48) * 73856093u ^ (uint32_t)(y / 48) * 19349663u) + seed * 83492791u;
    cell ^= cell >> 13, cell *= 0x5bd1e995u, cell ^= cell >> 15;
    int px = (int)(cell % 40) + 4, py = (int)((cell >> 8) % 40) + 4, dx = x % 48 - px, dy = y % 48 - py;
    double pore = (cell >> 20) % 3 && dx * dx + dy * dy < 9 + (int)(cell >> 28) ? -22 : 0;
    return (c == 0 ? 205 : c == 1 ? 150 : 128) + tone * (c == 1 ? 1.2 : 1) + pore;
}

/* Row y of the RGGB mosaic: the scene's channel of each site in linear light, times the light,
 * as electrons with shot and read noise, digitised. Noise from a per-row generator, so rows can
 * be made on any thread in any order. */
static void mosaic_row(void *user, int y, int thread)
{
    (void)thread;
    const photo_job *j = user;
    const uint32_t seed = j->seed;
    const int w = j->img->width, h = j->img->height;
    const float *lin = skinq_srgb8_decode_table();
    uint64_t s = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)seed * 0xbf58476d1ce4e5b9ULL) ^ ((uint64_t)(y + 1) << 32);
    const double lx = 0.3 + 0.4 * ((seed * 2654435761u >> 8) % 1000) / 1000.0; /* where the light is */
    uint16_t *row = j->raw + (size_t)y * w;
    for (int x = 0; x < w; x++) {
        const int c = (y & 1) + (x & 1); /* R at (even, even), B at (odd, odd), G between */
        double v = scene(seed, x, y, c, w, h);
        double e8 = v < 1 ? 1 : v > 254 ? 254 : v;
        int i8 = (int)e8;
        double L = lin[i8] + (e8 - i8) * (lin[i8 + 1 < 256 ? i8 + 1 : 255] - lin[i8]);
        /* the light: full on the lit side, a fifth of it where the surface turns away; a warm
         * lamp on one side and a cool window on the other tint it across the frame */
        double u = (double)x / w - lx, t = (double)y / h - 0.45;
        double light = 0.2 + 0.8 * exp(-2.2 * (u * u + 0.6 * t * t));
        light *= 1 + (c == 0 ? 0.12 : c == 2 ? -0.12 : 0) * sin(2.5 * u + 1.1 * t + seed);
        double el = L * light * FULL_WELL * 0.92;
        /* two uniform sums → an approximately normal deviate (Irwin-Hall of 4) */
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double g = ((double)(s & 0xffff) + (double)((s >> 16) & 0xffff) + (double)((s >> 32) & 0xffff) +
                    (double)((s >> 48) & 0xffff)) /
                       65535.0 -
                   2.0;
        g *= 1.7320508; /* unit variance */
        double e = el + g * sqrt(el + READ_NOISE * READ_NOISE);
        long code = lround(e * ADC_MAX / FULL_WELL);
        row[x] = (uint16_t)(code < 0 ? 0 : code > ADC_MAX ? ADC_MAX : code);
    }
}

/* Mirror an index into [0, n): -1 → 1, n → n-2 (keeps the Bayer parity). */
static int mirror(int i, int n)
{
    return i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
}

/* Row y demosaiced bilinearly (each missing channel the mean of its nearest 2 or 4 sites of that
 * colour) and encoded to 8-bit sRGB. */
static void demosaic_row(void *user, int y, int thread)
{
    (void)thread;
    const photo_job *j = user;
    const int w = j->img->width, h = j->img->height;
    const uint16_t *up = j->raw + (size_t)mirror(y - 1, h) * w, *mid = j->raw + (size_t)y * w,
                   *dn = j->raw + (size_t)mirror(y + 1, h) * w;
    uint8_t *out = skinq_image_row(j->img, y);
    for (int x = 0; x < w; x++) {
        const int xl = mirror(x - 1, w), xr = mirror(x + 1, w);
        const int self = ENC_STEPS * mid[x];
        const int cross = up[x] + dn[x] + mid[xl] + mid[xr];
        const int diag = up[xl] + up[xr] + dn[xl] + dn[xr];
        const int horiz = 2 * (mid[xl] + mid[xr]), vert = 2 * (up[x] + dn[x]);
        int r, g, b;
        if (!(y & 1) && !(x & 1))
            r = self, g = cross, b = diag;
        else if ((y & 1) && (x & 1))
            b = self, g = cross, r = diag;
        else if (!(y & 1))
            g = self, r = horiz, b = vert;
        else
            g = self, b = horiz, r = vert;
        out[3 * x] = j->enc[r];
        out[3 * x + 1] = j->enc[g];
        out[3 * x + 2] = j->enc[b];
    }
}

skinq_status skinq_bench_photo(skinq_ctx *ctx, int w, int h, uint32_t seed, skinq_image **out)
{
    const size_t n_enc = (size_t)ADC_MAX * ENC_STEPS + 1;
    uint16_t *raw = skinq_malloc(ctx, sizeof(uint16_t) * (size_t)w * h);
    uint8_t *enc = skinq_malloc(ctx, n_enc);
    skinq_status st = raw && enc ? skinq_image_new(ctx, w, h, 3, 8, out) : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        for (size_t i = 0; i < n_enc; i++) {
            double e = 255 * skinq_srgb_encode((double)i / (double)(n_enc - 1)) + 0.5;
            enc[i] = (uint8_t)(e > 255 ? 255 : e);
        }
        photo_job j = {*out, seed, raw, enc};
        skinq_parallel_for(ctx, h, mosaic_row, &j);
        skinq_parallel_for(ctx, h, demosaic_row, &j);
    }
    skinq_free(ctx, raw);
    skinq_free(ctx, enc);
    return st;
}

uint64_t skinq_bench_colors(skinq_ctx *ctx, const skinq_image *img)
{
    if (img->depth != 8 || img->channels != 3)
        return 0;
    uint64_t *seen = skinq_calloc(ctx, (size_t)1 << 18, sizeof *seen); /* 2^24 bits, 2 MB */
    if (!seen)
        return 0;
    uint64_t n = 0;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *p = skinq_image_row(img, y);
        for (int x = 0; x < img->width; x++, p += 3) {
            uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
            uint64_t bit = (uint64_t)1 << (c & 63);
            n += !(seen[c >> 6] & bit);
            seen[c >> 6] |= bit;
        }
    }
    skinq_free(ctx, seen);
    return n;
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
