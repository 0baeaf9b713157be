/* bench_surface.c -- photometric stereo + Frankot–Chellappa integration of an 8-light stack of
 * 4-MP images (2048×2048 float planes, a rendered Lambertian relief with shadows), per ISA in
 * one run (scalar / SSE4.1 / AVX2, the ratio to scalar), and the integrator against bare FFTW
 * doing the same three r2r transforms of the same size. Medians of >= 5 runs; pin it:
 *   taskset -c 1 build/benchmarks/bench_surface [runs] [threads]                                */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "skinq.h"

#define W 2048
#define H 2048
#define M 8

typedef struct {
    skinq_ctx *ctx;
    skinq_ps_plan *plan;
    skinq_integrator *integ;
    const float *const *planes;
    float *nx, *ny, *nz, *alb, *p, *q, *z;
    /* bare FFTW */
    fftwf_plan fp, fq, inv;
    float *bp, *bq;
} job;

static void run_ps(void *u)
{
    job *j = u;
    if (skinq_ps_execute(j->ctx, j->plan, j->planes, W, H, W, j->nx, j->ny, j->nz, j->alb, NULL, NULL) != SKINQ_OK)
        exit(1);
}

static void run_integrate(void *u)
{
    job *j = u;
    skinq_normals_to_gradients(j->nx, j->ny, j->nz, (size_t)W * H, 10, j->p, j->q);
    skinq_integrate(j->ctx, j->integ, j->p, j->q, j->z);
}

static void run_pipeline(void *u)
{
    run_ps(u);
    run_integrate(u);
}

/* The same transforms with nothing around them: forward DST/DCT of p and q, inverse DCT. */
static void run_bare_fftw(void *u)
{
    job *j = u;
    fftwf_execute_r2r(j->fp, j->bp, j->bp);
    fftwf_execute_r2r(j->fq, j->bq, j->bq);
    fftwf_execute_r2r(j->inv, j->bp, j->bp);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (runs < 5)
        runs = 5;
    size_t np = (size_t)W * H;
    /* a relief of random bumps and pits, rendered under 8 lights at 40° slant */
    float *zt = malloc(np * sizeof *zt);
    unsigned seed = 12345;
    for (size_t i = 0; i < np; i++)
        zt[i] = 0;
    for (int b = 0; b < 60; b++) {
        seed = seed * 1103515245u + 12345u;
        double cx = seed % W, cy = (seed >> 11) % H, s = 10 + (seed >> 5) % 60, a = ((seed >> 3) % 2 ? 1 : -1) * s * 0.4;
        int r = (int)(3 * s);
        for (int y = (int)cy - r; y <= (int)cy + r; y++)
            for (int x = (int)cx - r; x <= (int)cx + r; x++)
                if (x >= 0 && y >= 0 && x < W && y < H)
                    zt[(size_t)y * W + x] += (float)(a * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s)));
    }
    skinq_lights L = {M, calloc(M, sizeof(skinq_light)), 0, {0}};
    float *planes[M];
    for (int k = 0; k < M; k++) {
        double az = 2 * 3.14159265358979 * k / M, sl = 40 * 3.14159265358979 / 180;
        L.items[k].direction[0] = sin(sl) * cos(az);
        L.items[k].direction[1] = sin(sl) * sin(az);
        L.items[k].direction[2] = cos(sl);
        L.items[k].intensity = 1;
        planes[k] = malloc(np * sizeof(float));
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            double p = x + 1 < W ? zt[i + 1] - zt[i] : 0, q = y + 1 < H ? zt[i + W] - zt[i] : 0;
            double n[3] = {-p, q, 1}, nn = sqrt(p * p + q * q + 1);
            for (int k = 0; k < M; k++) {
                const double *l = L.items[k].direction;
                double v = 0.7 * (l[0] * n[0] + l[1] * n[1] + l[2] * n[2]) / nn;
                planes[k][i] = (float)(v > 0 ? v : 0);
            }
        }
    free(zt);

    job j;
    memset(&j, 0, sizeof j);
    j.planes = (const float *const *)planes;
    j.nx = malloc(np * 4);
    j.ny = malloc(np * 4);
    j.nz = malloc(np * 4);
    j.alb = malloc(np * 4);
    j.p = malloc(np * 4);
    j.q = malloc(np * 4);
    j.z = malloc(np * 4);

    printf("bench_surface: %d x %d px (%.1f MP) x %d lights, %d threads, median of %d runs, CPU %s\n", W, H, np / 1e6, M,
           threads, runs, skinq_cpu_name());
    static const struct {
        const char *name;
        unsigned mask;
    } isas[] = {{"scalar", SKINQ_ISA_SCALAR}, {"sse41", SKINQ_ISA_SSE41}, {"avx2", SKINQ_ISA_ALL}};
    double t_ps_scalar = 0, t_pipe_scalar = 0;
    for (int i = 0; i < 3; i++) {
        if ((skinq_cpu_isa() & isas[i].mask) != isas[i].mask) {
            printf("  %-7s skipped: not supported by this CPU\n", isas[i].name);
            continue;
        }
        skinq_settings s;
        skinq_ctx_default_settings(&s);
        s.threads = threads;
        s.isa_mask = isas[i].mask;
        if (skinq_ctx_open(&j.ctx, &s) != SKINQ_OK || skinq_ps_plan_new(j.ctx, &L, NULL, NULL, &j.plan) != SKINQ_OK ||
            skinq_integrator_new(j.ctx, W, H, &j.integ) != SKINQ_OK) {
            fprintf(stderr, "setup failed\n");
            return 1;
        }
        if (strcmp(skinq_isa_name(skinq_ctx_isa(j.ctx)), isas[i].name) != 0) {
            printf("  %-7s skipped: not compiled\n", isas[i].name);
        } else {
            double tps = bench_median(runs, run_ps, &j);
            double tpipe = bench_median(runs, run_pipeline, &j);
            if (i == 0) {
                t_ps_scalar = tps;
                t_pipe_scalar = tpipe;
            }
            printf("  %-7s photometric stereo %7.1f MP/s (%6.1f ms, x%.2f vs scalar)   PS + integration %6.2f MP/s "
                   "(%6.1f ms, x%.2f)\n",
                   isas[i].name, np / tps / 1e6, tps * 1e3, t_ps_scalar / tps, np / tpipe / 1e6, tpipe * 1e3,
                   t_pipe_scalar / tpipe);
        }
        skinq_integrator_free(&j.integ);
        skinq_ps_plan_free(&j.plan);
        skinq_ctx_close(&j.ctx);
    }

    /* the integrator against bare FFTW (same sizes, kinds, flags) */
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = threads;
    skinq_ctx_open(&j.ctx, &s);
    skinq_integrator_new(j.ctx, W, H, &j.integ);
    skinq_normals_to_gradients(j.nx, j.ny, j.nz, np, 10, j.p, j.q);
    j.bp = fftwf_malloc(np * 4);
    j.bq = fftwf_malloc(np * 4);
    j.fp = fftwf_plan_r2r_2d(H, W, j.bp, j.bp, FFTW_REDFT10, FFTW_RODFT10, FFTW_ESTIMATE);
    j.fq = fftwf_plan_r2r_2d(H, W, j.bq, j.bq, FFTW_RODFT10, FFTW_REDFT10, FFTW_ESTIMATE);
    j.inv = fftwf_plan_r2r_2d(H, W, j.bp, j.bp, FFTW_REDFT01, FFTW_REDFT01, FFTW_ESTIMATE);
    memcpy(j.bp, j.p, np * 4);
    memcpy(j.bq, j.q, np * 4);
    double tbare = bench_median(runs, run_bare_fftw, &j);
    double tint = bench_median(runs, run_integrate, &j);
    printf("  integration (normals -> gradients -> FC) %6.1f ms, %.2f MP/s; bare FFTW, same 3 transforms: %6.1f ms "
           "(skinq/bare x%.2f)\n",
           tint * 1e3, np / tint / 1e6, tbare * 1e3, tint / tbare);
    printf("  FFTW: single precision, FFTW_ESTIMATE, r2r REDFT10/RODFT10 forward, REDFT01 inverse, %dx%d\n", W, H);
    fftwf_destroy_plan(j.fp);
    fftwf_destroy_plan(j.fq);
    fftwf_destroy_plan(j.inv);
    fftwf_free(j.bp);
    fftwf_free(j.bq);
    skinq_integrator_free(&j.integ);
    skinq_ctx_close(&j.ctx);
    for (int k = 0; k < M; k++)
        free(planes[k]);
    free(L.items);
    free(j.nx);
    free(j.ny);
    free(j.nz);
    free(j.alb);
    free(j.p);
    free(j.q);
    free(j.z);
    return 0;
}
