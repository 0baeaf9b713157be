/* bench_texture_isa.c -- the texture pass's pores + lines (their one pass) on a 12-MP 16-bit L*
 * plane (4000×3000, L* × 640 as the pipeline gives it, 20 px/mm) at two ISA levels, AVX2 and
 * AVX-512 by default, the levels alternating run by run (a b, b a, ...) so the load of a shared
 * machine hits both alike; medians of wall and process CPU time, and a check that both give the same numbers
 * (the kernels are bit-exact).
 *   taskset -c 1 build/benchmarks/bench_texture_isa [runs] [isa_a isa_b] [threads] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "skinq_tools.h"

enum { W = 4000, H = 3000, MAX_RUNS = 64 };

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run(skinq_ctx *ctx, skinq_texture_plan *p, const uint16_t *L16, skinq_metrics *m)
{
    if (skinq_texture_execute16(ctx, p, L16, NULL, W, H, W, NULL, 20, NULL, m) != SKINQ_OK) {
        fprintf(stderr, "bench_texture_isa: %s\n", skinq_ctx_error(ctx));
        return -1;
    }
    return 0;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    runs = runs < 5 ? 5 : runs > MAX_RUNS ? MAX_RUNS : runs;
    const char *name[2] = {argc > 3 ? argv[2] : "avx2", argc > 3 ? argv[3] : "avx512"};
    const int threads = argc > 4 ? atoi(argv[4]) : 1;
    uint16_t *L16 = malloc(sizeof *L16 * (size_t)W * H);
    if (!L16)
        return 1;
    uint64_t s = 12345;
    for (size_t y = 0; y < H; y++) /* skin-like L* (bench_texture.c's): shading, fine texture, noise */
        for (size_t x = 0; x < W; x++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            const double n = ((s >> 40) & 0xffff) / 65536.0 - 0.5;
            const double L = 62 + 3 * sin(x * 0.003) * cos(y * 0.002) + 1.5 * sin(0.31 * x + 0.17 * y) +
                             1.2 * cos(0.05 * x - 0.23 * y) + 2 * n;
            L16[y * W + x] = (uint16_t)lround(L * 640);
        }
    skinq_ctx *ctx[2] = {NULL, NULL};
    skinq_texture_plan *plan[2] = {NULL, NULL};
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.metrics = SKINQ_TEXTURE_PORES | SKINQ_TEXTURE_LINES;
    for (int l = 0; l < 2; l++) {
        skinq_settings st;
        skinq_ctx_default_settings(&st);
        st.threads = threads;
        if (skinq_isa_parse(name[l], &st.isa_mask) != 0) {
            fprintf(stderr, "bench_texture_isa: unknown ISA '%s'\n", name[l]);
            return 2;
        }
        if (skinq_ctx_open(&ctx[l], &st) != SKINQ_OK ||
            skinq_texture_plan_new(ctx[l], &o, &plan[l]) != SKINQ_OK)
            return 1;
    }
    printf("pores + lines, %dx%d 16-bit L*, %d thread(s), %d runs alternating (cpu: %s)\n", W, H, threads,
           runs, skinq_cpu_name());
    double wall[2][MAX_RUNS], cpu[2][MAX_RUNS];
    skinq_metrics m[2] = {{0}, {0}};
    for (int r = -1; r < runs; r++) /* r = -1: the warm-ups, whose numbers are compared */
        for (int i = 0; i < 2; i++) {
            const int l = r & 1 ? 1 - i : i; /* a b, b a, ...: neither level always runs second */
            skinq_metrics tmp = {0};
            const double w0 = bench_now(), c0 = cpu_now();
            if (run(ctx[l], plan[l], L16, r < 0 ? &m[l] : &tmp) != 0)
                return 1;
            if (r >= 0)
                wall[l][r] = bench_now() - w0, cpu[l][r] = cpu_now() - c0;
            skinq_metrics_free(&tmp);
        }
    int same = m[0].count == m[1].count;
    for (size_t i = 0; same && i < m[0].count; i++)
        same = strcmp(m[0].items[i].path, m[1].items[i].path) == 0 &&
               memcmp(&m[0].items[i].value, &m[1].items[i].value, sizeof(double)) == 0;
    const double mp = W * (double)H / 1e6;
    double wm[2], cm[2];
    for (int l = 0; l < 2; l++) {
        wm[l] = median(wall[l], runs);
        cm[l] = median(cpu[l], runs);
        printf("  %-8s (table %-6s) wall %.3f s (%.1f MP/s)  cpu %.3f s\n", name[l],
               skinq_isa_name(skinq_ctx_isa(ctx[l])), wm[l], mp / wm[l], cm[l]);
    }
    printf("  %s/%s time: wall %.3f, cpu %.3f; %zu metrics %s\n", name[1], name[0], wm[1] / wm[0],
           cm[1] / cm[0], m[0].count, same ? "bit-identical" : "DIFFER");
    for (int l = 0; l < 2; l++) {
        skinq_metrics_free(&m[l]);
        skinq_texture_plan_free(&plan[l]);
        skinq_ctx_close(&ctx[l]);
    }
    free(L16);
    return same ? 0 : 1;
}
