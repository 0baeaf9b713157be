/* integrate.c -- gradients → height: Frankot–Chellappa (IEEE PAMI 10(4), 1988) on the mirror-
 * extended field, DCT/DST rows through FFTW real FFTs (single precision, plan/execute).
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
 * (x rows → transposed buffers → y rows → back), the rows spread over the context's threads.
 * Each 1-D DCT-II / DST-II / DCT-III is one real FFT of the same length with an even/odd
 * reordering and a twiddle (Makhoul, IEEE TASSP 28(1), 1980): FFTW's own r2r kinds run
 * scalar codelets (redft10e-r2hc) and take about five times as long as its SIMD r2c / c2r.
 * Every row goes through the same 1-D plans on aligned per-thread buffers, so the result does
 * not depend on the thread count.
 *
 * Limits (also in skinq.h): the absolute height and the mean are not observable; gradient
 * errors turn into low-frequency drift, so heights are relative within the field; the spectral
 * derivative assumes a smooth, band-limited surface (steps ring slightly). */
#include <fftw3.h>
#include <math.h>
#include <string.h>

#include "surface.h"

#define BLOCK 16 /* rows a task, and rows moved together through a transpose */

/* FFTW's planner is not thread-safe: every plan creation and destruction goes under the
 * library-wide skinq_fftw_lock() (lib/core/fftw_lock.c; execution with fftwf_execute_dft_r2c /
 * _c2r on other arrays of the same alignment is thread-safe). */

/* The 1-D transforms of one length n through a real FFT: the plans and the twiddles. */
typedef struct {
    int n;
    fftwf_plan r2c, c2r; /* length n, out of place, on the work buffers' alignment */
    float *c, *s;        /* cos, sin of πk/(2n), k = 0..n-1 */
} trig_plan;

struct skinq_integrator {
    int w, h;
    size_t ws, hs;  /* row strides (floats), multiples of 16 so every row is aligned */
    float *tp, *tq; /* transposed fields: w rows of hs floats (fftwf_malloc) */
    float *scratch; /* nthreads × BLOCK rows of max(ws, hs) floats (fftwf_malloc) */
    float *work;    /* nthreads × wlen: a real row and its half spectrum (fftwf_malloc) */
    size_t wlen;
    int nthreads;
    trig_plan tx, ty; /* lengths w and h */
    float *wx, *wy;   /* ω_k, ω_l */
    skinq_allocator alloc;
};

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* A thread's work buffers: v (maxlen floats) then V (maxlen/2 + 1 complex), both aligned. */
static float *work_of(const skinq_integrator *p, int thread, fftwf_complex **V)
{
    float *v = p->work + (size_t)thread * p->wlen;
    *V = (fftwf_complex *)(v + round16(p->ws > p->hs ? p->ws : p->hs));
    return v;
}

/* Plans and twiddles of length n (call under skinq_fftw_lock). 0 ok, -1 out of memory / no plan. */
static int trig_new(skinq_ctx *ctx, trig_plan *t, int n, float *v, fftwf_complex *V)
{
    t->n = n;
    t->c = skinq_malloc(ctx, (size_t)n * sizeof *t->c);
    t->s = skinq_malloc(ctx, (size_t)n * sizeof *t->s);
    if (!t->c || !t->s)
        return -1;
    for (int k = 0; k < n; k++) {
        double a = 3.14159265358979323846 * k / (2.0 * n);
        t->c[k] = (float)cos(a);
        t->s[k] = (float)sin(a);
    }
    t->r2c = fftwf_plan_dft_r2c_1d(n, v, V, FFTW_ESTIMATE);
    t->c2r = fftwf_plan_dft_c2r_1d(n, V, v, FFTW_ESTIMATE);
    return t->r2c && t->c2r ? 0 : -1;
}

static void trig_free(const skinq_allocator *a, trig_plan *t)
{
    if (t->r2c)
        fftwf_destroy_plan(t->r2c);
    if (t->c2r)
        fftwf_destroy_plan(t->c2r);
    skinq_free_raw(a, t->c);
    skinq_free_raw(a, t->s);
}

enum { T_DCT2, T_DST2 };

static inline float finite_or_0(float x)
{
    return isfinite(x) ? x : 0.0f;
}

/* dst = FFTW's unnormalised REDFT10 (kind T_DCT2: X_k = 2 Σ x_j cos(πk(2j+1)/2n)) or RODFT10
 * (T_DST2: X_k = 2 Σ x_j sin(π(k+1)(2j+1)/2n)) of src, non-finite values taken as 0; dst may
 * be src. Makhoul: v = x's even samples, then the odd ones reversed; X_k = 2 Re(e^{−iπk/2n} V_k)
 * with V = DFT(v), V_k = conj(V_{n−k}) above n/2. The DST-II is the DCT-II of (−1)^j x_j, read
 * backwards. */
static void fwd_row(const trig_plan *t, int kind, const float *src, float *dst, float *v, fftwf_complex *V)
{
    const int n = t->n, half = n / 2;
    const float odd = kind == T_DST2 ? -1.0f : 1.0f;
    for (int j = 0; 2 * j < n; j++)
        v[j] = finite_or_0(src[2 * j]);
    for (int j = 0; 2 * j + 1 < n; j++)
        v[n - 1 - j] = odd * finite_or_0(src[2 * j + 1]);
    fftwf_execute_dft_r2c(t->r2c, v, V);
    const float *c = t->c, *sn = t->s;
    if (kind == T_DCT2) {
        for (int k = 0; k <= half; k++)
            dst[k] = 2.0f * (c[k] * V[k][0] + sn[k] * V[k][1]);
        for (int k = half + 1; k < n; k++)
            dst[k] = 2.0f * (c[k] * V[n - k][0] - sn[k] * V[n - k][1]);
    } else {
        for (int k = 0; k <= half; k++)
            dst[n - 1 - k] = 2.0f * (c[k] * V[k][0] + sn[k] * V[k][1]);
        for (int k = half + 1; k < n; k++)
            dst[n - 1 - k] = 2.0f * (c[k] * V[n - k][0] - sn[k] * V[n - k][1]);
    }
}

/* out = scale × FFTW's unnormalised REDFT01 of X (x_j = X_0 + 2 Σ_{k≥1} X_k cos(πk(2j+1)/2n));
 * out may be X. V_k = (X_k − i X_{n−k}) e^{iπk/2n} (X_n = 0) is Hermitian; v = its inverse DFT
 * (c2r) holds the even outputs, then the odd ones reversed. */
static void inv_row(const trig_plan *t, const float *X, float *out, float scale, float *v, fftwf_complex *V)
{
    const int n = t->n;
    V[0][0] = X[0];
    V[0][1] = 0.0f;
    for (int k = 1; k <= n / 2; k++) {
        float a = X[k], b = X[n - k];
        V[k][0] = a * t->c[k] + b * t->s[k];
        V[k][1] = a * t->s[k] - b * t->c[k];
    }
    fftwf_execute_dft_c2r(t->c2r, V, v);
    for (int j = 0; 2 * j < n; j++)
        out[2 * j] = v[j] * scale;
    for (int j = 0; 2 * j + 1 < n; j++)
        out[2 * j + 1] = v[n - 1 - j] * scale;
}

skinq_status skinq_integrator_new(skinq_ctx *ctx, int width, int height, skinq_integrator **out)
{
    if (width < 2 || height < 2)
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot integrate a %dx%d field (at least 2x2)", width,
                          height);
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
    p->wlen = round16(maxlen) + round16(2 * (maxlen / 2 + 1));
    /* FFTW's SIMD-aligned buffers come from fftwf_malloc (its plans pick codelets by alignment) */
    p->tp = fftwf_malloc((size_t)width * p->hs * sizeof(float));
    p->tq = fftwf_malloc((size_t)width * p->hs * sizeof(float));
    p->scratch = fftwf_malloc((size_t)p->nthreads * BLOCK * maxlen * sizeof(float));
    p->work = fftwf_malloc((size_t)p->nthreads * p->wlen * sizeof(float));
    if (!p->wx || !p->wy || !p->tp || !p->tq || !p->scratch || !p->work) {
        skinq_integrator_free(&p);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for a %dx%d integrator", width, height);
    }
    for (int k = 0; k < width; k++)
        p->wx[k] = (float)(3.14159265358979323846 * k / width);
    for (int l = 0; l < height; l++)
        p->wy[l] = (float)(3.14159265358979323846 * l / height);
    fftwf_complex *V;
    float *v = work_of(p, 0, &V);
    skinq_fftw_lock();
    int bad = trig_new(ctx, &p->tx, width, v, V) | trig_new(ctx, &p->ty, height, v, V);
    skinq_fftw_unlock();
    if (bad) {
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
    skinq_allocator a = p->alloc;
    skinq_fftw_lock();
    trig_free(&a, &p->tx);
    trig_free(&a, &p->ty);
    skinq_fftw_unlock();
    fftwf_free(p->tp);
    fftwf_free(p->tq);
    fftwf_free(p->scratch);
    fftwf_free(p->work);
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

/* Transform BLOCK (or fewer) image rows of `src` along x (kind T_DCT2 / T_DST2) and store them
 * transposed into dst (column y of dst's rows). Non-finite values count as 0. */
static void rows_x_to_t(const skinq_integrator *p, int kind, const float *src, float *dst, int y0, int y1,
                        float *s, int thread)
{
    const int w = p->w;
    fftwf_complex *V;
    float *v = work_of(p, thread, &V);
    for (int y = y0; y < y1; y++)
        fwd_row(&p->tx, kind, src + (size_t)y * (size_t)w, s + (size_t)(y - y0) * p->ws, v, V);
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
    rows_x_to_t(p, T_DST2, j->gp, p->tp, y0, y1, s, thread);
    rows_x_to_t(p, T_DCT2, j->gq, p->tq, y0, y1, s, thread);
}

/* The y transforms of the transposed rows, in place. */
static void stage_y(void *user, int task, int thread)
{
    int_job *j = user;
    const skinq_integrator *p = j->p;
    fftwf_complex *V;
    float *v = work_of(p, thread, &V);
    int k0 = task * BLOCK, k1 = k0 + BLOCK < p->w ? k0 + BLOCK : p->w;
    for (int k = k0; k < k1; k++) {
        float *tp = p->tp + (size_t)k * p->hs, *tq = p->tq + (size_t)k * p->hs;
        fwd_row(&p->ty, T_DCT2, tp, tp, v, V);
        fwd_row(&p->ty, T_DST2, tq, tq, v, V);
    }
}

/* Z into tq row k (from high l down: tq[k][l] still holds Q before it is overwritten), then
 * the inverse y transform of that row. */
static void stage_solve(void *user, int task, int thread)
{
    int_job *j = user;
    const skinq_integrator *p = j->p;
    fftwf_complex *V;
    float *v = work_of(p, thread, &V);
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
        inv_row(&p->ty, Q, Q, 1.0f, v, V);
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
    fftwf_complex *V;
    float *v = work_of(p, thread, &V);
    for (int y = y0; y < y1; y++)
        inv_row(&p->tx, s + (size_t)(y - y0) * p->ws, j->z + (size_t)y * (size_t)p->w, scale, v, V);
}

/* Run a stage on the ctx's threads, or on this thread alone when the ctx has more threads
 * than the plan has scratch for. */
static void run_stage(skinq_ctx *ctx, const skinq_integrator *p, int tasks, void (*fn)(void *, int, int),
                      void *j)
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

/* Translucency deconvolution (skinq_integrator_deblur): a field's DCT-II along x, then per
 * transposed row along y, the Wiener gain, the inverse along y. */
typedef struct {
    skinq_integrator *p;
    const float *in;
    float *out;
    float sigma2, lambda;
} blur_job;

static void blur_x(void *user, int task, int thread)
{
    blur_job *j = user;
    const skinq_integrator *p = j->p;
    int y0 = task * BLOCK, y1 = y0 + BLOCK < p->h ? y0 + BLOCK : p->h;
    rows_x_to_t(p, T_DCT2, j->in, p->tq, y0, y1, scratch_of(p, thread), thread);
}

/* Mirror extension makes a convolution with the Gaussian G a product in the DCT-II domain,
 * Ĝ = exp(−σ²ω²/2); the Wiener inverse Ĝ/(Ĝ² + λ), scaled so the mean (ω = 0) is kept, bounds the
 * gain at (1 + λ)/(2√λ) where the blur has left only noise. */
static void blur_y(void *user, int task, int thread)
{
    blur_job *j = user;
    const skinq_integrator *p = j->p;
    fftwf_complex *V;
    float *v = work_of(p, thread, &V);
    int k0 = task * BLOCK, k1 = k0 + BLOCK < p->w ? k0 + BLOCK : p->w;
    for (int k = k0; k < k1; k++) {
        float *t = p->tq + (size_t)k * p->hs;
        fwd_row(&p->ty, T_DCT2, t, t, v, V);
        for (int l = 0; l < p->h; l++) {
            float g = expf(-0.5f * j->sigma2 * (p->wx[k] * p->wx[k] + p->wy[l] * p->wy[l]));
            t[l] *= g * (1.0f + j->lambda) / (g * g + j->lambda);
        }
        inv_row(&p->ty, t, t, 1.0f, v, V);
    }
}

static void blur_back(void *user, int task, int thread)
{
    blur_job *j = user;
    int_job ij = {j->p, NULL, NULL, j->out};
    stage_back(&ij, task, thread);
}

void skinq_integrator_deblur(skinq_ctx *ctx, skinq_integrator *p, const float *in, double sigma_px,
                             double lambda, float *out)
{
    blur_job j = {p, in, out, (float)(sigma_px * sigma_px), (float)lambda};
    int ty = (p->h + BLOCK - 1) / BLOCK, tx = (p->w + BLOCK - 1) / BLOCK;
    run_stage(ctx, p, ty, blur_x, &j);
    run_stage(ctx, p, tx, blur_y, &j);
    run_stage(ctx, p, ty, blur_back, &j);
}

skinq_status skinq_integrate_region(skinq_ctx *ctx, skinq_integrator *plan, const float *p, const float *q,
                                    const uint8_t *region, size_t region_stride, int iters, float *z)
{
    const int w = plan->w, h = plan->h;
    const size_t n = (size_t)w * (size_t)h;
    float *pp = skinq_malloc(ctx, n * sizeof *pp), *qq = skinq_malloc(ctx, n * sizeof *qq);
    if (!pp || !qq) {
        skinq_free(ctx, pp);
        skinq_free(ctx, qq);
        return SKINQ_E_NOMEM;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * (size_t)w + (size_t)x;
            int in = region[(size_t)y * region_stride + (size_t)x] != 0;
            pp[i] = in ? finite_or_0(p[i]) : 0.0f;
            qq[i] = in ? finite_or_0(q[i]) : 0.0f;
        }
    skinq_integrate(ctx, plan, pp, qq, z);
    /* alternating projection: outside, the gradients become those of the current height, so the
     * only constraints left are the region's own gradients */
    for (int it = 1; it < (iters > 0 ? iters : 40); it++) {
        for (int y = 0; y < h; y++) {
            const float *zr = z + (size_t)y * (size_t)w;
            const float *zu = z + (size_t)(y > 0 ? y - 1 : y) * (size_t)w;
            const float *zd = z + (size_t)(y < h - 1 ? y + 1 : y) * (size_t)w;
            float dy = y > 0 && y < h - 1 ? 0.5f : 1.0f;
            for (int x = 0; x < w; x++) {
                if (region[(size_t)y * region_stride + (size_t)x])
                    continue;
                int xl = x > 0 ? x - 1 : x, xr = x < w - 1 ? x + 1 : x;
                size_t i = (size_t)y * (size_t)w + (size_t)x;
                pp[i] = (zr[xr] - zr[xl]) / (float)(xr - xl);
                qq[i] = (zd[x] - zu[x]) * dy;
            }
        }
        skinq_integrate(ctx, plan, pp, qq, z);
    }
    double s = 0;
    size_t cnt = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (region[(size_t)y * region_stride + (size_t)x]) {
                s += z[(size_t)y * (size_t)w + (size_t)x];
                cnt++;
            }
    float mean = cnt ? (float)(s / (double)cnt) : 0.0f;
    for (size_t i = 0; i < n; i++)
        z[i] -= mean;
    skinq_free(ctx, pp);
    skinq_free(ctx, qq);
    return SKINQ_OK;
}
