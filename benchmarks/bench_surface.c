/* bench_surface.c -- photometric stereo + Frankot–Chellappa integration of an 8-light stack of
 * 4-MP images (2048×2048 float planes, a rendered Lambertian relief with attached shadows),
 * every ISA (scalar / SSE4.1 / AVX2) at 1 and 2 threads in one run, with the ratio to scalar
 * at the same thread count; then the integrator against bare FFTW in the same process: the same
 * transforms as FFTW's 2-D r2r plans (same kinds, sizes, flag), and the floor of skinq's method
 * (the same number of 1-D real FFTs, r2c / c2r over contiguous rows, nothing else). Each figure is the
 * median of `runs` timed calls after a warm-up. MP/s counts output pixels (one per pixel of
 * the stack, whatever the light count). Pin it:
 *   taskset -c 1 build/benchmarks/bench_surface [runs] [max_threads]                          */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "skinq_tools.h"

#define W 2048
#define H 2048
#define M 8
#define NP ((size_t)W * H)

typedef struct {
    skinq_ctx *ctx;
    skinq_ps_plan *plan;
    skinq_integrator *integ;
    const float *const *planes;
    float *nx, *ny, *nz, *alb, *p, *q, *z;
    fftwf_plan fp, fq, inv;    /* bare FFTW: 2-D r2r */
    fftwf_plan rows_f, rows_i; /* bare FFTW: H row r2c / c2r of length W */
    float *bp, *bq;
    fftwf_complex *bc;
} job;

/* Median wall and process-CPU seconds of `runs` timed calls after a warm-up. The machines are
 * shared: a 1-thread run's CPU time is what the code costs, its wall time also counts the
 * time slices the scheduler gave to other processes on the same core. */
static void median_wall_cpu(int runs, void (*fn)(void *), void *user, double *wall, double *cpu)
{
    double tw[64], tc[64];
    runs = runs > 64 ? 64 : runs;
    fn(user);
    for (int i = 0; i < runs; i++) {
        struct timespec c0, c1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        double t0 = bench_now();
        fn(user);
        tw[i] = bench_now() - t0;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        tc[i] = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
    }
    qsort(tw, (size_t)runs, sizeof tw[0], bench_cmp);
    qsort(tc, (size_t)runs, sizeof tc[0], bench_cmp);
    *wall = runs % 2 ? tw[runs / 2] : 0.5 * (tw[runs / 2 - 1] + tw[runs / 2]);
    *cpu = runs % 2 ? tc[runs / 2] : 0.5 * (tc[runs / 2 - 1] + tc[runs / 2]);
}

static void run_ps(void *u)
{
    job *j = u;
    if (skinq_ps_execute(j->ctx, j->plan, j->planes, W, H, W, j->nx, j->ny, j->nz, j->alb, NULL, NULL) !=
        SKINQ_OK)
        exit(1);
}

static void run_fc(void *u)
{
    job *j = u;
    skinq_integrate(j->ctx, j->integ, j->p, j->q, j->z);
}

/* what `skinq depth` runs after loading: normals, gradients, height */
static void run_pipeline(void *u)
{
    job *j = u;
    run_ps(u);
    skinq_normals_to_gradients(j->nx, j->ny, j->nz, NP, 10, j->p, j->q);
    run_fc(u);
}

/* The integrator's transforms with nothing around them: forward DST⊗DCT of p, DCT⊗DST of q,
 * inverse DCT⊗DCT (no transposes, no solve, no scaling). */
static void run_bare_fftw(void *u)
{
    job *j = u;
    fftwf_execute_r2r(j->fp, j->bp, j->bp);
    fftwf_execute_r2r(j->fq, j->bq, j->bq);
    fftwf_execute_r2r(j->inv, j->bp, j->bp);
}

/* The real FFTs skinq's integrator runs (per axis two forward, one inverse; square field) with
 * no reordering, twiddles, transposes or solve. */
static void run_bare_rows(void *u)
{
    job *j = u;
    for (int axis = 0; axis < 2; axis++) {
        fftwf_execute_dft_r2c(j->rows_f, j->bp, j->bc);
        fftwf_execute_dft_r2c(j->rows_f, j->bq, j->bc);
        fftwf_execute_dft_c2r(j->rows_i, j->bc, j->bp);
    }
}

/* A relief of random bumps and pits rendered under M lights at 40° slant (albedo 0.7). */
static void make_stack(skinq_lights *L, float **planes)
{
    float *zt = calloc(NP, sizeof *zt);
    unsigned seed = 12345;
    for (int b = 0; b < 60; b++) {
        seed = seed * 1103515245u + 12345u;
        double cx = seed % W, cy = (seed >> 11) % H, s = 10 + (seed >> 5) % 60,
               a = ((seed >> 3) % 2 ? 1 : -1) * s * 0.4;
        int r = (int)(3 * s);
        for (int y = (int)cy - r; y <= (int)cy + r; y++)
            for (int x = (int)cx - r; x <= (int)cx + r; x++)
                if (x >= 0 && y >= 0 && x < W && y < H)
                    zt[(size_t)y * W + x] +=
                        (float)(a * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s)));
    }
    for (int k = 0; k < M; k++) {
        double az = 2 * 3.14159265358979 * k / M, sl = 40 * 3.14159265358979 / 180;
        L->items[k].direction[0] = sin(sl) * cos(az);
        L->items[k].direction[1] = sin(sl) * sin(az);
        L->items[k].direction[2] = cos(sl);
        L->items[k].intensity = 1;
        planes[k] = malloc(NP * sizeof(float));
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            double p = x + 1 < W ? zt[i + 1] - zt[i] : 0, q = y + 1 < H ? zt[i + W] - zt[i] : 0;
            double n[3] = {-p, q, 1}, nn = sqrt(p * p + q * q + 1);
            for (int k = 0; k < M; k++) {
                const double *l = L->items[k].direction;
                double v = 0.7 * (l[0] * n[0] + l[1] * n[1] + l[2] * n[2]) / nn;
                planes[k][i] = (float)(v > 0 ? v : 0);
            }
        }
    free(zt);
}

static int open_ctx(job *j, int threads, unsigned isa)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = threads;
    s.isa_mask = isa;
    return skinq_ctx_open(&j->ctx, &s) == SKINQ_OK &&
           skinq_integrator_new(j->ctx, W, H, &j->integ) == SKINQ_OK;
}

static void close_ctx(job *j)
{
    skinq_integrator_free(&j->integ);
    skinq_ps_plan_free(&j->plan);
    skinq_ctx_close(&j->ctx);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    int max_threads = argc > 2 ? atoi(argv[2]) : 2;
    if (runs < 5)
        runs = 5;
    if (max_threads < 1)
        max_threads = 1;
    skinq_lights L = {M, calloc(M, sizeof(skinq_light)), 0, {0}};
    float *planes[M];
    make_stack(&L, planes);
    job j;
    memset(&j, 0, sizeof j);
    j.planes = (const float *const *)planes;
    float **outs[] = {&j.nx, &j.ny, &j.nz, &j.alb, &j.p, &j.q, &j.z};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
        *outs[i] = calloc(NP, sizeof(float)); /* touched once here, not in the timed runs */

    printf("bench_surface: %d x %d px (%.1f MP) x %d lights, median of %d runs, CPU %s\n", W, H, NP / 1e6, M,
           runs, skinq_cpu_name());
    printf("  wall-clock MP/s and ms; [cpu ms] = process CPU time (1 thread: immune to time slicing)\n");
    printf("  %-7s %3s | %-38s | %-38s\n", "isa", "thr", "photometric stereo",
           "PS + gradients + integration");
    static const struct {
        const char *name;
        unsigned mask;
    } isas[] = {{"scalar", SKINQ_ISA_SCALAR},
                {"sse41", SKINQ_ISA_SSE41},
                {"avx2", SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2},
                {"avx512", SKINQ_ISA_ALL}};
    for (int threads = 1; threads <= max_threads; threads++) {
        double t_ps_scalar = 0, t_pipe_scalar = 0;
        for (int i = 0; i < 4; i++) {
            if ((skinq_cpu_isa() & isas[i].mask) != isas[i].mask) {
                printf("  %-7s     skipped: not supported by this CPU\n", isas[i].name);
                continue;
            }
            if (!open_ctx(&j, threads, isas[i].mask) ||
                skinq_ps_plan_new(j.ctx, &L, NULL, NULL, &j.plan) != SKINQ_OK) {
                fprintf(stderr, "bench_surface: setup failed\n");
                return 1;
            }
            if (strcmp(skinq_isa_name(skinq_ctx_isa(j.ctx)), isas[i].name) != 0) {
                printf("  %-7s     skipped: not compiled (or capped by SKINQ_ISA)\n", isas[i].name);
            } else {
                double tps, cps, tpipe, cpipe;
                median_wall_cpu(runs, run_ps, &j, &tps, &cps);
                median_wall_cpu(runs, run_pipeline, &j, &tpipe, &cpipe);
                if (i == 0) {
                    t_ps_scalar = tps;
                    t_pipe_scalar = tpipe;
                }
                printf(
                    "  %-7s %3d | %6.1f MP/s %7.1f ms [%7.1f] x%4.2f | %6.1f MP/s %7.1f ms [%7.1f] x%4.2f\n",
                    isas[i].name, threads, NP / tps / 1e6, tps * 1e3, cps * 1e3,
                    t_ps_scalar > 0 ? t_ps_scalar / tps : NAN, NP / tpipe / 1e6, tpipe * 1e3, cpipe * 1e3,
                    t_pipe_scalar > 0 ? t_pipe_scalar / tpipe : NAN);
            }
            close_ctx(&j);
        }
    }

    /* the integrator against bare FFTW: same sizes, kinds and flag, one thread (FFTW's own
     * threads are not linked); skinq's figure includes its transposes, solve and scaling */
    open_ctx(&j, 1, SKINQ_ISA_ALL);
    skinq_ps_plan_new(j.ctx, &L, NULL, NULL, &j.plan);
    run_ps(&j);
    skinq_normals_to_gradients(j.nx, j.ny, j.nz, NP, 10, j.p, j.q);
    j.bp = fftwf_malloc(NP * sizeof(float));
    j.bq = fftwf_malloc(NP * sizeof(float));
    j.fp = fftwf_plan_r2r_2d(H, W, j.bp, j.bp, FFTW_REDFT10, FFTW_RODFT10, FFTW_ESTIMATE);
    j.fq = fftwf_plan_r2r_2d(H, W, j.bq, j.bq, FFTW_RODFT10, FFTW_REDFT10, FFTW_ESTIMATE);
    j.inv = fftwf_plan_r2r_2d(H, W, j.bp, j.bp, FFTW_REDFT01, FFTW_REDFT01, FFTW_ESTIMATE);
    memcpy(j.bp, j.p, NP * sizeof(float));
    memcpy(j.bq, j.q, NP * sizeof(float));
    double tbare, cbare, trows, crows, tfc[2] = {NAN, NAN}, cfc;
    median_wall_cpu(runs, run_bare_fftw, &j, &tbare, &cbare);
    int n = W;
    j.bc = fftwf_malloc((size_t)H * (W / 2 + 1) * sizeof(fftwf_complex));
    j.rows_f = fftwf_plan_many_dft_r2c(1, &n, H, j.bp, NULL, 1, W, j.bc, NULL, 1, W / 2 + 1, FFTW_ESTIMATE);
    j.rows_i = fftwf_plan_many_dft_c2r(1, &n, H, j.bc, NULL, 1, W / 2 + 1, j.bp, NULL, 1, W, FFTW_ESTIMATE);
    memcpy(j.bp, j.p, NP * sizeof(float));
    median_wall_cpu(runs, run_bare_rows, &j, &trows, &crows);
    median_wall_cpu(runs, run_fc, &j, &tfc[0], &cfc);
    close_ctx(&j);
    if (max_threads >= 2 && open_ctx(&j, 2, SKINQ_ISA_ALL)) {
        double unused;
        median_wall_cpu(runs, run_fc, &j, &tfc[1], &unused);
        close_ctx(&j);
    }
    printf("  integration (Frankot-Chellappa: 2 forward + 1 inverse 2-D transform, solve, scaling):\n");
    printf("    skinq_integrate      1 thread %7.1f ms [%7.1f] %6.1f MP/s | 2 threads %7.1f ms %6.1f MP/s\n",
           tfc[0] * 1e3, cfc * 1e3, NP / tfc[0] / 1e6, tfc[1] * 1e3, NP / tfc[1] / 1e6);
    printf("    bare FFTW 2-D r2r    1 thread %7.1f ms [%7.1f] %6.1f MP/s | skinq takes x%.2f its time\n",
           tbare * 1e3, cbare * 1e3, NP / tbare / 1e6, tfc[0] / tbare);
    printf("    bare FFTW row FFTs   1 thread %7.1f ms [%7.1f] %6.1f MP/s | skinq takes x%.2f its time (the "
           "FFT floor)\n",
           trows * 1e3, crows * 1e3, NP / trows / 1e6, tfc[0] / trows);
    printf("  FFTW %s: single precision, FFTW_ESTIMATE; r2r REDFT10/RODFT10/REDFT01 and r2c/c2r, %dx%d\n",
           fftwf_version, W, H);
    fftwf_destroy_plan(j.fp);
    fftwf_destroy_plan(j.fq);
    fftwf_destroy_plan(j.inv);
    fftwf_destroy_plan(j.rows_f);
    fftwf_destroy_plan(j.rows_i);
    fftwf_free(j.bc);
    fftwf_free(j.bp);
    fftwf_free(j.bq);
    for (int k = 0; k < M; k++)
        free(planes[k]);
    free(L.items);
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
        free(*outs[i]);
    return 0;
}
