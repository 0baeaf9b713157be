/* bench_color_paths.c -- the colour pass's two 8-bit paths on one photo: the colour histogram
 * (colorhist.c; its table and its list counter) and the per-pixel kernels (color_*.c), forced,
 * on 1 and 2 threads, beside the automatic choice and OpenCV's 8-bit cvtColor; medians of the
 * runs, warm (the ctx's tables reused, as in a batch) and cold (a fresh ctx each run, as one
 * `skinq analyze` has). The photo's distinct colours (all, and among the ~64k sampled) decide
 * which pays.
 * Usage: taskset -c 0,1 bench_color_paths PHOTO [runs]
 *        bench_color_paths PHOTO hist|pixel|auto THREADS   (one pass: for valgrind --tool=callgrind) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align/cvwrap.h"
#include "bench/bench_int.h"
#include "color/color_int.h"

static skinq_status pass(skinq_ctx *ctx, const skinq_image *img, int force, int counter)
{
    skinq_color_path_force = force;
    skinq_color_counter_force = counter;
    skinq_metrics m = {0};
    skinq_status st = skinq_color_analyze(ctx, img, NULL, NULL, NULL, &m, NULL);
    skinq_metrics_free(&m);
    skinq_color_path_force = 0;
    skinq_color_counter_force = 0;
    return st;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static skinq_ctx *open_ctx(int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = threads;
    skinq_ctx *c = NULL;
    return skinq_ctx_open(&c, &s) == SKINQ_OK ? c : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fprintf(stderr, "usage: bench_color_paths PHOTO [runs] | PHOTO hist|pixel|auto THREADS\n"), 2;
    skinq_ctx *ctx = open_ctx(1);
    skinq_image *img = NULL;
    if (!ctx || skinq_image_load(ctx, argv[1], &img, NULL) != SKINQ_OK)
        return fprintf(stderr, "cannot load %s\n", argv[1]), 3;
    if (argc == 4) { /* one pass of one path */
        int force = !strcmp(argv[2], "hist") ? 1 : !strcmp(argv[2], "pixel") ? 2 : 0;
        skinq_ctx *c = open_ctx(atoi(argv[3]));
        skinq_status st = pass(c, img, force, 0);
        skinq_ctx_close(&c);
        skinq_image_free(&img);
        skinq_ctx_close(&ctx);
        return st == SKINQ_OK ? 0 : 1;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    runs = runs < 1 ? 1 : runs > 64 ? 64 : runs;
    const skinq_rect all = {0, 0, img->width, img->height};
    int n = 0, sampled = skinq_color_sampled_colors(ctx, img, all, &n);
    printf("%s: %dx%d, %llu colours, %d of %d sampled -> %s path\n", argv[1], img->width, img->height,
           (unsigned long long)skinq_bench_colors(ctx, img), sampled, n,
           skinq_color_hist_pays(ctx, img, all) ? "histogram" : "per-pixel");
    const double mp = img->width * (double)img->height / 1e6;
    static const struct {
        const char *name;
        int path, counter;
    } modes[] = {{"auto", 0, 0}, {"table", 1, 1}, {"list", 1, 2}, {"per-pixel", 2, 0}};
    printf("  %-10s %-9s %19s %19s\n", "path", "threads", "warm ms   MP/s", "cold ms   MP/s");
    for (int threads = 1; threads <= 2; threads++)
        for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
            double t[64], cold[64];
            skinq_ctx *c = open_ctx(threads);
            pass(c, img, modes[k].path, modes[k].counter); /* warm-up: tables, caches */
            for (int i = 0; i < runs; i++) {
                double t0 = skinq_bench_now();
                pass(c, img, modes[k].path, modes[k].counter);
                t[i] = skinq_bench_now() - t0;
            }
            skinq_ctx_close(&c);
            for (int i = 0; i < runs; i++) {
                skinq_ctx *f = open_ctx(threads);
                double t0 = skinq_bench_now();
                pass(f, img, modes[k].path, modes[k].counter);
                cold[i] = skinq_bench_now() - t0;
                skinq_ctx_close(&f);
            }
            qsort(t, (size_t)runs, sizeof *t, cmp);
            qsort(cold, (size_t)runs, sizeof *cold, cmp);
            printf("  %-10s %d thread%s %9.2f %7.1f %9.2f %7.1f\n", modes[k].name, threads,
                   threads > 1 ? "s" : " ", 1e3 * t[runs / 2], mp / t[runs / 2], 1e3 * cold[runs / 2],
                   mp / cold[runs / 2]);
        }
    uint8_t *lab = malloc((size_t)img->width * img->height * 3);
    double t[64];
    cvw_set_threads(1);
    for (int i = 0; lab && i <= runs; i++) {
        double t0 = skinq_bench_now();
        cvw_rgb2lab_u8(ctx, img->data, img->width, img->height, img->stride, lab);
        if (i)
            t[i - 1] = skinq_bench_now() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    printf("  opencv cvtColor RGB2Lab 8-bit, 1 thread: %8.2f ms\n", 1e3 * t[runs / 2]);
    free(lab);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    return 0;
}
