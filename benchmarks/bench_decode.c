/* bench_decode.c -- the decode floor every analysis pays: a 24-MP q92 JPEG (and a 12-MP one)
 * decoded by skinq_image_load (libjpeg-turbo scanlines + EXIF + ICC + orientation) against bare
 * libjpeg-turbo scanline decoding of the same file in the same process; PNG decode beside it.
 * Prints MP/s, medians of >= 5 runs, and the skinq/bare ratio. Usage: bench_decode [runs]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h: it needs size_t and FILE */

#include "bench_util.h"
#include "skinq_tools.h"

struct job {
    skinq_ctx *ctx;
    const char *path;
    uint8_t *buf;
    int w, h;
};

static void skinq_decode(void *u)
{
    struct job *j = u;
    skinq_image *img = NULL;
    if (skinq_image_load(j->ctx, j->path, &img, NULL) != SKINQ_OK) {
        fprintf(stderr, "%s\n", skinq_ctx_error(j->ctx));
        exit(1);
    }
    skinq_image_free(&img);
}

/* The peer: plain libjpeg-turbo, ISLOW DCT like skinq, into one preallocated buffer. */
static void bare_decode(void *u)
{
    struct job *j = u;
    FILE *f = fopen(j->path, "rb");
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr e;
    d.err = jpeg_std_error(&e);
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    d.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = j->buf + (size_t)d.output_scanline * (size_t)j->w * 3;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    fclose(f);
}

/* The peer as a loader is used: a fresh output buffer each time (first-touch page faults). */
static void bare_decode_fresh(void *u)
{
    struct job *j = u, k = *j;
    k.buf = malloc((size_t)j->w * j->h * 3);
    bare_decode(&k);
    free(k.buf);
}

static void make_photo(skinq_ctx *ctx, int w, int h, const char *dir)
{
    skinq_synth_options o;
    skinq_synth_default_options(&o);
    o.kind = "healing-series";
    o.width = w;
    o.height = h;
    o.jpeg_quality = 92;
    if (skinq_synth(ctx, &o, dir) != SKINQ_OK) {
        fprintf(stderr, "%s\n", skinq_ctx_error(ctx));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    if (runs < 5)
        runs = 5;
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = 1;
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK)
        return 1;
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    static const int sizes[][2] = {{4000, 3000}, {6000, 4000}};
    printf("decode, 1 thread, median of %d runs (cpu: %s)\n", runs, skinq_cpu_name());
    printf("%-34s %8s %9s %9s\n", "stage", "MP", "ms", "MP/s");
    for (int k = 0; k < 2; k++) {
        int w = sizes[k][0], h = sizes[k][1];
        char dir[512], jpg[600], png[600];
        snprintf(dir, sizeof dir, "%s/skinq-bench-%dx%d", base, w, h);
        snprintf(jpg, sizeof jpg, "%s/day01.jpg", dir);
        snprintf(png, sizeof png, "%s/day01.png", dir);
        FILE *probe = fopen(jpg, "rb");
        if (probe)
            fclose(probe);
        else
            make_photo(ctx, w, h, dir);
        struct job j = {ctx, jpg, malloc((size_t)w * h * 3), w, h};
        double mp = w * (double)h / 1e6;
        double t_skinq = bench_median(runs, skinq_decode, &j), t_bare = bench_median(runs, bare_decode, &j);
        double t_fresh = bench_median(runs, bare_decode_fresh, &j);
        skinq_image *img = NULL;
        skinq_image_load(ctx, jpg, &img, NULL);
        skinq_png_write(ctx, png, img);
        skinq_image_free(&img);
        struct job jp = {ctx, png, NULL, w, h};
        double t_png = bench_median(runs, skinq_decode, &jp);
        printf("%-34s %8.1f %9.1f %9.1f\n", "libjpeg-turbo, reused buffer (peer)", mp, 1e3 * t_bare,
               mp / t_bare);
        printf("%-34s %8.1f %9.1f %9.1f\n", "libjpeg-turbo, fresh buffer (peer)", mp, 1e3 * t_fresh,
               mp / t_fresh);
        printf("%-34s %8.1f %9.1f %9.1f   %.2fx fresh peer, %.2fx reused\n", "skinq_image_load JPEG q92", mp,
               1e3 * t_skinq, mp / t_skinq, t_skinq / t_fresh, t_skinq / t_bare);
        printf("%-34s %8.1f %9.1f %9.1f\n", "skinq_image_load PNG", mp, 1e3 * t_png, mp / t_png);
        free(j.buf);
    }
    skinq_ctx_close(&ctx);
    return 0;
}
