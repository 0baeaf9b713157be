/* bench_texture.c -- the texture pass on a 24-MP L* plane (6000×4000): the PSD (all 512² tiles,
 * 50 % overlap) against bare FFTW running the same r2c transforms on the same threads in the same
 * process, the GLCM, and every other metric alone, for 1 and 2 threads. Medians of >= 5 runs.
 *   taskset -c 1 build/benchmarks/bench_texture [runs]        (1 thread)
 *   taskset -c 0,1 build/benchmarks/bench_texture [runs] 2    (2 threads)
 * A third argument "psd" stops after the PSD and bare-FFTW lines.                               */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "skinq_tools.h"

enum { W = 6000, H = 4000, T = 512 };

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Medians of wall and process CPU seconds over `runs` calls after a warm-up. The machine is
 * shared: CPU time shows the work when other processes take turns on the cores. */
static void median2(int runs, void (*fn)(void *), void *user, double *wall, double *cpu)
{
    double w[64], c[64];
    runs = runs > 64 ? 64 : runs;
    fn(user);
    for (int i = 0; i < runs; i++) {
        double w0 = bench_now(), c0 = cpu_now();
        fn(user);
        w[i] = bench_now() - w0;
        c[i] = cpu_now() - c0;
    }
    qsort(w, (size_t)runs, sizeof *w, bench_cmp);
    qsort(c, (size_t)runs, sizeof *c, bench_cmp);
    *wall = w[runs / 2];
    *cpu = c[runs / 2];
}

typedef struct job {
    skinq_ctx *ctx;
    skinq_texture_plan *plan;
    const float *L, *mel;
    /* bare FFTW */
    fftwf_plan fp;
    float **in;
    fftwf_complex **out;
    int tiles;
} job;

static void run_plan(void *u)
{
    job *j = u;
    skinq_metrics m = {0};
    if (skinq_texture_execute(j->ctx, j->plan, j->L, j->mel, W, H, W, NULL, 20, NULL, &m) != SKINQ_OK) {
        fprintf(stderr, "bench_texture: %s\n", skinq_ctx_error(j->ctx));
        exit(1);
    }
    skinq_metrics_free(&m);
}

static void bare_tile(void *user, int task, int thread)
{
    (void)task;
    job *j = user;
    fftwf_execute_dft_r2c(j->fp, j->in[thread], j->out[thread]);
}

static void run_bare(void *u)
{
    job *j = u;
    skinq_parallel_for(j->ctx, j->tiles, bare_tile, j);
}

static void time_metric(job *j, unsigned metrics, int runs, double *wall, double *cpu)
{
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.metrics = metrics;
    if (skinq_texture_plan_new(j->ctx, &o, &j->plan) != SKINQ_OK)
        exit(1);
    median2(runs, run_plan, j, wall, cpu);
    skinq_texture_plan_free(&j->plan);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (runs < 5)
        runs = 5;
    float *L = malloc(sizeof *L * (size_t)W * H), *mel = malloc(sizeof *mel * (size_t)W * H);
    uint64_t s = 12345;
    for (size_t y = 0; y < H; y++) /* skin-like L*: smooth shading, fine texture, noise */
        for (size_t x = 0; x < W; x++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double n = ((s >> 40) & 0xffff) / 65536.0 - 0.5;
            L[y * W + x] = (float)(62 + 3 * sin(x * 0.003) * cos(y * 0.002) + 1.5 * sin(0.31 * x + 0.17 * y) +
                                   1.2 * cos(0.05 * x - 0.23 * y) + 2 * n);
            mel[y * W + x] = (float)(40 + 0.5 * n + (((x / 400) + (y / 400)) % 7 == 0 ? 4 : 0));
        }
    skinq_settings st;
    skinq_ctx_default_settings(&st);
    st.threads = threads;
    job j;
    memset(&j, 0, sizeof j);
    j.L = L;
    j.mel = mel;
    if (skinq_ctx_open(&j.ctx, &st) != SKINQ_OK)
        return 1;
    /* the PSD's tile grid: step T/2 over the whole plane */
    int nx = 1 + (W - T) / (T / 2), ny = 1 + (H - T) / (T / 2);
    j.tiles = nx * ny;
    j.in = calloc((size_t)threads, sizeof *j.in);
    j.out = calloc((size_t)threads, sizeof *j.out);
    for (int t = 0; t < threads; t++) {
        j.in[t] = fftwf_malloc(sizeof(float) * T * T);
        j.out[t] = fftwf_malloc(sizeof(fftwf_complex) * T * (T / 2 + 1));
        for (int i = 0; i < T * T; i++)
            j.in[t][i] = L[(size_t)(i / T) * W + (size_t)(i % T)];
    }
    j.fp = fftwf_plan_dft_r2c_2d(T, T, j.in[0], j.out[0], FFTW_ESTIMATE);
    const double mp = W * (double)H / 1e6;
    printf("texture pass, %dx%d L* (%.0f MP), %d thread(s), median of %d runs, FFTW_ESTIMATE (cpu: %s)\n", W,
           H, mp, threads, runs, skinq_cpu_name());
    /* bare FFTW and the PSD alternate run by run, so load from other processes hits both alike */
    skinq_texture_options po;
    skinq_texture_default_options(&po);
    po.metrics = SKINQ_TEXTURE_PSD;
    if (skinq_texture_plan_new(j.ctx, &po, &j.plan) != SKINQ_OK)
        return 1;
    double tb[64], tp[64];
    run_bare(&j);
    run_plan(&j);
    double cb[64], cp[64];
    for (int r = 0; r < runs && r < 64; r++) {
        double t0 = bench_now(), c0 = cpu_now();
        run_bare(&j);
        double t1 = bench_now(), c1 = cpu_now();
        run_plan(&j);
        tb[r] = t1 - t0;
        tp[r] = bench_now() - t1;
        cb[r] = c1 - c0;
        cp[r] = cpu_now() - c1;
    }
    skinq_texture_plan_free(&j.plan);
    int nr = runs < 64 ? runs : 64;
    qsort(tb, (size_t)nr, sizeof *tb, bench_cmp);
    qsort(tp, (size_t)nr, sizeof *tp, bench_cmp);
    qsort(cb, (size_t)nr, sizeof *cb, bench_cmp);
    qsort(cp, (size_t)nr, sizeof *cp, bench_cmp);
    double bare = tb[nr / 2], psd = tp[nr / 2];
    printf("  %-30s %8s %9s %8s\n", "", "wall s", "MP/s", "cpu s");
    printf("  bare FFTW %3d r2c %dx%d    %8.3f %9.1f %8.3f\n", j.tiles, T, T, bare, mp / bare, cb[nr / 2]);
    printf("  psd (same tiles)               %8.3f %9.1f %8.3f   %.2fx bare FFTW (wall), %.2fx (cpu)\n", psd,
           mp / psd, cp[nr / 2], psd / bare, cp[nr / 2] / cb[nr / 2]);
    static const struct {
        const char *name;
        unsigned bits;
    } parts[] = {{"psd+roughness", SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS},
                 {"glcm", SKINQ_TEXTURE_GLCM},
                 {"pores", SKINQ_TEXTURE_PORES},
                 {"lines", SKINQ_TEXTURE_LINES},
                 {"spots", SKINQ_TEXTURE_SPOTS},
                 {"tone", SKINQ_TEXTURE_TONE},
                 {"all", SKINQ_TEXTURE_ALL}};
    int only_psd = argc > 3 && strcmp(argv[3], "psd") == 0;
    for (size_t k = 0; k < sizeof parts / sizeof *parts && !only_psd; k++) {
        double t, c;
        time_metric(&j, parts[k].bits, runs, &t, &c);
        printf("  %-30s %8.3f %9.1f %8.3f\n", parts[k].name, t, mp / t, c);
    }
    fftwf_destroy_plan(j.fp);
    for (int t = 0; t < threads; t++) {
        fftwf_free(j.in[t]);
        fftwf_free(j.out[t]);
    }
    free(j.in);
    free(j.out);
    skinq_ctx_close(&j.ctx);
    free(L);
    free(mel);
    return 0;
}
