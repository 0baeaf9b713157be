/* integrate.c -- gradients → height: Frankot–Chellappa (IEEE PAMI 10(4), 1988) on the mirror-
 * extended field, with FFTW's real-to-real transforms (single precision, plan/execute).
 *
 * Why DCT/DST: mirror-extend the height half-sample-symmetrically to 2W×2H (z even in x and y);
 * then p = dz/dx is odd in x and even in y, q the reverse, and the FFT of the extended fields
 * is exactly a DCT-II / DST-II of the W×H fields (FFTW REDFT10 / RODFT10, unnormalised):
 *   z_jl ~ Σ Z_kl cos(ω_k (j+½)) cos(ω_l (l+½)),  ω_k = πk/W, ω_l = πl/H,
 *   P = RODFT10_x REDFT10_y (p) satisfies P_(k−1),l = −ω_k Z_kl (same for Q along y),
 * so FC's per-frequency least squares reads Z_kl = −(ω_k P + ω_l Q) / (ω_k² + ω_l²), Z_00 = 0,
 * and z = REDFT01⊗REDFT01(Z) / (4WH). This is FC with mirror padding at a quarter of the cost.
 *
 * How: the 2-D transforms are done as 1-D row transforms with blocked transposes between them
 * (x rows → transposed buffers → y rows → back), which is about twice as fast as FFTW's own
 * 2-D r2r plans under FFTW_ESTIMATE (their strided column passes are cache-hostile), and the
 * rows spread over the context's threads. Every row goes through the same 1-D plan on an
 * aligned buffer, so the result does not depend on the thread count.
 *
 * Limits (also in skinq.h): the absolute height and the mean are not observable; gradient
 * errors turn into low-frequency drift, so heights are relative within the field; the spectral
 * derivative assumes a smooth, band-limited surface (steps ring slightly). */
#include <fftw3.h>
#include <math.h>
#include <string.h>

#include "surface.h"

#define BLOCK 16 /* rows a task, and rows moved together through a transpose */

/* FFTW's planner is not thread-safe: every plan creation and destruction in lib/surface goes
 * under this lock (execution with fftwf_execute_r2r on other arrays is thread-safe). */

struct skinq_integrator {
    int w, h;
    size_t ws, hs;            /* row strides (floats), multiples of 16 so every row is aligned */
    float *tp, *tq;           /* transposed fields: w rows of hs floats (fftwf_malloc) */
    float *scratch;           /* nthreads × BLOCK rows of max(ws, hs) floats (fftwf_malloc) */
    int nthreads;
    fftwf_plan x_dst, x_dct, x_inv; /* length w: RODFT10, REDFT10, REDFT01 */
    fftwf_plan y_dst, y_dct, y_inv; /* length h */
    float *wx, *wy;           /* ω_k, ω_l */
    skinq_allocator alloc;
};

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

skinq_status skinq_integrator_new(skinq_ctx *ctx, int width, int height, skinq_integrator **out)
{
    if (width < 2 || height < 2)
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot integrate a %dx%d field (at least 2x2)", width, height);
    uint64_t px = (uint64_t)width * (uint64_t)height;
    if (px > skinq_ctx_max_pixels(ctx))
        return skinq_fail(ctx, SKINQ_E_LIMIT, "field of %dx%d is above the limit of %.1f MP", width, height,
                          skinq_ctx_max_pixels(ctx) / 1e6);
    skinq_integrator *p = skinq_calloc(ctx, 1, sizeof *p);
    if (!p)
        return SKINQ_E_NOMEM;
    p->alloc = ctx->alloc;
    p->w = width;
    p->h = height;
    p->ws = round16((size_t)width);
    p->hs = round16((size_t)height);
    p->nthreads = skinq_ctx_threads(ctx);
    size_t maxlen = p->ws > p->hs ? p->ws : p->hs;
    p->wx = skinq_malloc(ctx, (size_t)width * sizeof *p->wx);
    p->wy = skinq_malloc(ctx, (size_t)height * sizeof *p->wy);
    p->tp = fftwf_malloc((size_t)width * p->hs * sizeof(float));
    p->tq = fftwf_malloc((size_t)width * p->hs * sizeof(float));
    p->scratch = fftwf_malloc((size_t)p->nthreads * BLOCK * maxlen * sizeof(float));
    if (!p->wx || !p->wy || !p->tp || !p->tq || !p->scratch) {
        skinq_integrator_free(&p);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for a %dx%d integrator", width, height);
    }
    for (int k = 0; k < width; k++)
        p->wx[k] = (float)(3.14159265358979323846 * k / width);
    for (int l = 0; l < height; l++)
        p->wy[l] = (float)(3.14159265358979323846 * l / height);
    float *b = p->scratch;
    skinq_fftw_lock();
    p->x_dst = fftwf_plan_r2r_1d(width, b, b, FFTW_RODFT10, FFTW_ESTIMATE);
    p->x_dct = fftwf_plan_r2r_1d(width, b, b, FFTW_REDFT10, FFTW_ESTIMATE);
    p->x_inv = fftwf_plan_r2r_1d(width, b, b, FFTW_REDFT01, FFTW_ESTIMATE);
    p->y_dst = fftwf_plan_r2r_1d(height, b, b, FFTW_RODFT10, FFTW_ESTIMATE);
    p->y_dct = fftwf_plan_r2r_1d(height, b, b, FFTW_REDFT10, FFTW_ESTIMATE);
    p->y_inv = fftwf_plan_r2r_1d(height, b, b, FFTW_REDFT01, FFTW_ESTIMATE);
    skinq_fftw_unlock();
    if (!p->x_dst || !p->x_dct || !p->x_inv || !p->y_dst || !p->y_dct || !p->y_inv) {
        skinq_integrator_free(&p);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "cannot plan the %dx%d transforms (FFTW)", width, height);
    }
    *out = p;
    return SKINQ_OK;
}

void skinq_integrator_free(skinq_integrator **pp)
{
    if (!pp || !*pp)
        return;
    skinq_integrator *p = *pp;
    fftwf_plan plans[6] = {p->x_dst, p->x_dct, p->x_inv, p->y_dst, p->y_dct, p->y_inv};
    skinq_fftw_lock();
    for (int i = 0; i < 6; i++)
        if (plans[i])
            fftwf_destroy_plan(plans[i]);
    skinq_fftw_unlock();
    fftwf_free(p->tp);
    fftwf_free(p->tq);
    fftwf_free(p->scratch);
    skinq_allocator a = p->alloc;
    skinq_free_raw(&a, p->wx);
    skinq_free_raw(&a, p->wy);
    skinq_free_raw(&a, p);
    *pp = NULL;
}

typedef struct {
    skinq_integrator *p;
    const float *gp, *gq;
    float *z;
} int_job;

static float *scratch_of(const skinq_integrator *p, int thread)
{
    size_t maxlen = p->ws > p->hs ? p->ws : p->hs;
    return p->scratch + (size_t)thread * BLOCK * maxlen;
}

/* Transform BLOCK (or fewer) image rows of `src` along x with `plan` and store them transposed
 * into dst (column y of dst's rows). Non-finite values count as 0. */
static void rows_x_to_t(const skinq_integrator *p, fftwf_plan plan, const float *src, float *dst, int y0, int y1,
                        float *s)
{
    const int w = p->w;
    for (int y = y0; y < y1; y++) {
        float *b = s + (size_t)(y - y0) * p->ws;
        const float *r = src + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++)
            b[x] = isfinite(r[x]) ? r[x] : 0.0f;
        fftwf_execute_r2r(plan, b, b);
    }
    for (int x = 0; x < w; x++) {
        float *d = dst + (size_t)x * p->hs + (size_t)y0;
        for (int y = y0; y < y1; y++)
            d[y - y0] = s[(size_t)(y - y0) * p->ws + (size_t)x];
    }
}

static void stage_x(void *user, int task, int thread)
{
    int_job *j = user;
    const skinq_integrator *p = j->p;
    int y0 = task * BLOCK, y1 = y0 + BLOCK < p->h ? y0 + BLOCK : p->h;
    float *s = scratch_of(p, thread);
    rows_x_to_t(p, p->x_dst, j->gp, p->tp, y0, y1, s);
    rows_x_to_t(p, p->x_dct, j->gq, p->tq, y0, y1, s);
}

/* The y transforms of the transposed rows (in place: the rows are aligned). */
static void stage_y(void *user, int task, int thread)
{
    int_job *j = user;
    const skinq_integrator *p = j->p;
    (void)thread;
    int k0 = task * BLOCK, k1 = k0 + BLOCK < p->w ? k0 + BLOCK : p->w;
    for (int k = k0; k < k1; k++) {
        fftwf_execute_r2r(p->y_dct, p->tp + (size_t)k * p->hs, p->tp + (size_t)k * p->hs);
        fftwf_execute_r2r(p->y_dst, p->tq + (size_t)k * p->hs, p->tq + (size_t)k * p->hs);
    }
}

/* Z into tq row k (from high l down: tq[k][l] still holds Q before it is overwritten), then
 * the inverse y transform of that row. */
static void stage_solve(void *user, int task, int thread)
{
    int_job *j = user;
    const skinq_integrator *p = j->p;
    (void)thread;
    int k0 = task * BLOCK, k1 = k0 + BLOCK < p->w ? k0 + BLOCK : p->w;
    for (int k = k0; k < k1; k++) {
        const float *P = k ? p->tp + (size_t)(k - 1) * p->hs : NULL;
        float *Q = p->tq + (size_t)k * p->hs;
        const float wk = p->wx[k];
        for (int l = p->h - 1; l >= 0; l--) {
            float wl = p->wy[l];
            float pk = P ? P[l] : 0.0f;
            float ql = l ? Q[l - 1] : 0.0f;
            float den = wk * wk + wl * wl;
            Q[l] = den > 0 ? -(wk * pk + wl * ql) / den : 0.0f;
        }
        fftwf_execute_r2r(p->y_inv, Q, Q);
    }
}

/* Gather image rows back from the transposed buffer, inverse x transform, scale. */
static void stage_back(void *user, int task, int thread)
{
    int_job *j = user;
    const skinq_integrator *p = j->p;
    int y0 = task * BLOCK, y1 = y0 + BLOCK < p->h ? y0 + BLOCK : p->h;
    float *s = scratch_of(p, thread);
    for (int x = 0; x < p->w; x++) {
        const float *c = p->tq + (size_t)x * p->hs + (size_t)y0;
        for (int y = y0; y < y1; y++)
            s[(size_t)(y - y0) * p->ws + (size_t)x] = c[y - y0];
    }
    const float scale = 1.0f / (4.0f * (float)p->w * (float)p->h);
    for (int y = y0; y < y1; y++) {
        float *b = s + (size_t)(y - y0) * p->ws;
        fftwf_execute_r2r(p->x_inv, b, b);
        float *o = j->z + (size_t)y * (size_t)p->w;
        for (int x = 0; x < p->w; x++)
            o[x] = b[x] * scale;
    }
}

/* Run a stage on the ctx's threads, or on this thread alone when the ctx has more threads
 * than the plan has scratch for. */
static void run_stage(skinq_ctx *ctx, const skinq_integrator *p, int tasks, void (*fn)(void *, int, int),
                      int_job *j)
{
    if (ctx && skinq_ctx_threads(ctx) <= p->nthreads) {
        skinq_parallel_for(ctx, tasks, fn, j);
        return;
    }
    for (int t = 0; t < tasks; t++)
        fn(j, t, 0);
}

void skinq_integrate(skinq_ctx *ctx, skinq_integrator *p, const float *gp, const float *gq, float *z)
{
    int_job j = {p, gp, gq, z};
    int ty = (p->h + BLOCK - 1) / BLOCK, tx = (p->w + BLOCK - 1) / BLOCK;
    run_stage(ctx, p, ty, stage_x, &j);
    run_stage(ctx, p, tx, stage_y, &j);
    run_stage(ctx, p, tx, stage_solve, &j);
    run_stage(ctx, p, ty, stage_back, &j);
}
