/* bench_color.c -- the colour pass on one 24-MP photo-like image, in one process: the fused row
 * kernel alone per ISA, the whole analysis (skinq_color_analyze: Lab + indices + statistics)
 * per ISA with 1 and 2 threads, and OpenCV's cvtColor(RGB2Lab) on 8-bit
 * and float input as the peer; MP/s and the ratios measured in the same run.
 * Usage: taskset -c 1 bench_color [runs]   (pin: moving between cores costs ~20 % here). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align/cvwrap.h"
#include "bench_util.h"
#include "color/color_int.h"

enum { W = 6000, H = 4000 };

static const unsigned levels[] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2,
                                  SKINQ_ISA_ALL};
static const char *const level_names[] = {"scalar", "sse41", "avx2", "avx512"};

struct kernel_job {
    const struct skinq_color_dsp *k;
    skinq_color_params p;
    skinq_color_acc acc;
    const uint8_t *rgb;
};

/* The fused row kernel over the whole image, accumulating (no maps): what one thread does. */
static void run_row8(void *u)
{
    struct kernel_job *j = u;
    for (size_t y = 0; y < H; y++)
        j->k->color_row8(&j->p, j->rgb + y * W * 3, NULL, W, &j->acc, NULL);
}

/* The colour-histogram kernel alone (the fast path's per-pixel work). */
static uint32_t *g_hist;
static uint8_t *g_rows;
static void run_hist8(void *u)
{
    struct kernel_job *j = u;
    for (size_t y = 0; y < H; y++)
        j->k->color_hist8(j->rgb + y * W * 3, NULL, W, g_hist, g_rows);
}

struct analyze_job {
    skinq_ctx *ctx;
    const skinq_image *img;
};

static void run_analyze(void *u)
{
    struct analyze_job *j = u;
    skinq_metrics m = {0};
    if (skinq_color_analyze(j->ctx, j->img, NULL, NULL, NULL, &m, NULL) != SKINQ_OK)
        abort();
    skinq_metrics_free(&m);
}

struct cv_job {
    skinq_ctx *ctx;
    const skinq_image *img;
    float *rgbf, *labf;
    uint8_t *lab8;
};

static void run_cv8(void *u)
{
    struct cv_job *j = u;
    if (cvw_rgb2lab_u8(j->ctx, j->img->data, W, H, j->img->stride, j->lab8) != SKINQ_OK)
        abort();
}

static void run_cvf(void *u)
{
    struct cv_job *j = u;
    if (cvw_rgb2lab_f32(j->ctx, j->rgbf, W, H, j->labf) != SKINQ_OK)
        abort();
}

static skinq_ctx *open_ctx(unsigned isa, int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.isa_mask = isa;
    s.threads = threads;
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK)
        abort();
    return ctx;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    skinq_ctx *ctx = open_ctx(SKINQ_ISA_ALL, 1);
    skinq_image *img = NULL;
    if (skinq_image_new(ctx, W, H, 3, 8, &img) != SKINQ_OK)
        return 1;
    /* photo-like skin: a smooth shading field (±20 codes) plus sensor noise (sum of three
     * uniforms, sigma ~3.5 codes): about as many distinct colours as a real 24-MP skin photo */
    uint64_t s = 12345;
    for (int y = 0; y < H; y++) {
        uint8_t *row = skinq_image_row(img, y);
        for (int x = 0; x < W; x++) {
            double shade = 20 * sin(x * 0.0011 + 0.3) * cos(y * 0.0013);
            for (int c = 0; c < 3; c++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                int noise = (int)((s >> 40) & 7) + (int)((s >> 48) & 7) + (int)((s >> 56) & 7) - 10;
                int v = (c == 0 ? 205 : c == 1 ? 150 : 128) + (int)shade + noise;
                row[3 * x + c] = (uint8_t)(v < 1 ? 1 : v > 254 ? 254 : v);
            }
        }
    }
    const double mp = W * (double)H / 1e6;
    printf("colour pass, %d x %d (%.0f MP), median of %d runs; cpu: %s\n\n", W, H, mp, runs,
           skinq_cpu_name());

    /* peers first: OpenCV cvtColor RGB2Lab, 8-bit and float (float input converted beforehand) */
    struct cv_job cj = {ctx, img, malloc(sizeof(float) * W * H * 3), malloc(sizeof(float) * W * H * 3),
                        malloc((size_t)W * H * 3)};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W * 3; x++)
            cj.rgbf[(size_t)y * W * 3 + x] = skinq_image_row(img, y)[x] / 255.0f;
    cvw_set_threads(1);
    double cv8 = mp / bench_median(runs, run_cv8, &cj), cvf = mp / bench_median(runs, run_cvf, &cj);
    printf("%-44s %8.1f MP/s\n", "peer: OpenCV cvtColor RGB2Lab 8-bit, 1 thread", cv8);
    printf("%-44s %8.1f MP/s\n", "peer: OpenCV cvtColor RGB2Lab float, 1 thread", cvf);
    free(cj.rgbf);
    free(cj.labf);
    free(cj.lab8);

    double kern[4] = {0}, full[4][2] = {{0}}, hk[4] = {0};
    g_hist = calloc(SKINQ_HIST8_SIZE, sizeof(uint32_t));
    g_rows = calloc(SKINQ_HIST8_ROWS, 1);
    uint32_t *hist = malloc(sizeof(uint32_t) * SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE);
    for (int l = 0; l < 4; l++) { /* colour has no AVX-512 kernels: its level runs the AVX2 ones */
        if ((levels[l] & skinq_cpu_isa()) != levels[l])
            continue;
        const struct skinq_color_dsp *k = skinq_color_dsp(levels[l]);
        struct kernel_job kj;
        memset(&kj, 0, sizeof kj);
        kj.k = k;
        kj.rgb = img->data;
        skinq_color_params_init(ctx, &kj.p, img, NULL);
        memset(hist, 0, sizeof(uint32_t) * SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE);
        kj.acc.hist = hist;
        kern[l] = mp / bench_median(runs, run_row8, &kj);
        hk[l] = mp / bench_median(runs, run_hist8, &kj);
        for (int t = 1; t <= 2; t++) {
            skinq_ctx *c = open_ctx(levels[l], t);
            struct analyze_job aj = {c, img};
            full[l][t - 1] = mp / bench_median(runs, run_analyze, &aj);
            skinq_ctx_close(&c);
        }
        printf("\n[%s] (kernels: color_row8 %s)\n", level_names[l], skinq_dsp_impl(&k->meta, "color_row8"));
        printf("  %-42s %8.1f MP/s\n", "per-pixel fused row kernel, 1 thread", kern[l]);
        printf("  %-42s %8.1f MP/s\n", "colour-histogram kernel alone, 1 thread", hk[l]);
        printf("  %-42s %8.1f MP/s  %.2fx OpenCV float, %.2fx OpenCV 8-bit\n",
               "skinq_color_analyze, 1 thread", full[l][0], full[l][0] / cvf, full[l][0] / cv8);
        printf("  %-42s %8.1f MP/s  %.2fx 1 thread\n", "skinq_color_analyze, 2 threads", full[l][1],
               full[l][1] / full[l][0]);
    }
    printf("\nratios: analyze 1 thread avx2/scalar %.2fx, sse41/scalar %.2fx; avx2 vs OpenCV float %.2fx "
           "(target "
           ">= 2.5), vs 8-bit %.2fx (target >= 1.5); 2/1 threads %.2fx (target >= 1.8)\n",
           full[2][0] / full[0][0], full[1][0] / full[0][0], full[2][0] / cvf, full[2][0] / cv8,
           full[2][1] / full[2][0]);
    free(hist);
    free(g_hist);
    free(g_rows);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    return 0;
}
