/* bench_color.c -- sRGB8 → Lab kernel throughput per ISA on a 24-MP buffer, one thread, with
 * the SIMD/scalar ratio measured in the same process. Usage: taskset -c 1 bench_color [runs]. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "core/dispatch.h"

enum { W = 6000, H = 4000, ROWS = 16 };

struct job {
    void (*fn)(const uint8_t *, float *, size_t);
    const uint8_t *rgb;
    float *lab;
};

/* A photo-sized pass, row block by row block into a cache-resident output (as the fused pass will). */
static void run(void *u)
{
    struct job *j = u;
    for (size_t y = 0; y < H; y += ROWS)
        j->fn(j->rgb + y * W * 3, j->lab, (size_t)W * ROWS);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    uint8_t *rgb = malloc((size_t)W * H * 3);
    float *lab = malloc(sizeof(float) * W * ROWS * 3);
    uint64_t s = 12345;
    for (size_t i = 0; i < (size_t)W * H * 3; i++) { /* skin-like values with noise */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        rgb[i] = (uint8_t)(150 + (i % 3 == 0 ? 60 : i % 3 == 1 ? 20 : 0) + (int)((s >> 59) & 15));
    }
    static const unsigned masks[] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2};
    double base = 0;
    printf("srgb8_to_lab, 24 MP, 1 thread, median of %d runs (cpu: %s)\n", runs, skinq_cpu_name());
    const void *prev = NULL;
    for (int m = 0; m < 3; m++) {
        if ((masks[m] & skinq_cpu_isa()) != masks[m])
            continue;
        struct skinq_kernels k;
        skinq_kernels_init(&k, masks[m]);
        if ((const void *)k.srgb8_to_lab == prev)
            continue;
        prev = (const void *)k.srgb8_to_lab;
        struct job j = {k.srgb8_to_lab, rgb, lab};
        double t = bench_median(runs, run, &j), mps = W * (double)H / 1e6 / t;
        if (m == 0)
            base = mps;
        printf("  %-8s %8.1f MP/s  %.2fx scalar\n", k.name_srgb8_to_lab, mps, mps / base);
    }
    free(rgb);
    free(lab);
    return 0;
}
