/* ps_scalar.c -- photometric-stereo row kernel, scalar reference (the SIMD bodies in ps_tpl.h
 * mirror it operation for operation; see surface_kernels.h for the float rules). */
#include <math.h>

#include "surface_kernels.h"

/* max/min/blend written as the SIMD instructions behave: maxps(a, b) = a > b ? a : b. */
static inline float vmax(float a, float b)
{
    return a > b ? a : b;
}

static inline float absf(float a)
{
    return fabsf(a);
}

/* Solve (a0 − Σ outer) g = r for a symmetric 3×3 by the adjugate. Returns the determinant
 * test (1 usable, 0 not) and g. a = xx, xy, xz, yy, yz, zz. */
static inline int solve3(const float a[6], const float r[3], float det_rel, float g[3])
{
    float c00 = a[3] * a[5] - a[4] * a[4];
    float c01 = a[2] * a[4] - a[1] * a[5];
    float c02 = a[1] * a[4] - a[2] * a[3];
    float c11 = a[0] * a[5] - a[2] * a[2];
    float c12 = a[1] * a[2] - a[0] * a[4];
    float c22 = a[0] * a[3] - a[1] * a[1];
    float det = a[0] * c00 + a[1] * c01 + a[2] * c02;
    float t = (a[0] + a[3] + a[5]) * (1.0f / 3.0f);
    int ok = det > det_rel * (t * t * t);
    float inv = 1.0f / det;
    g[0] = (c00 * r[0] + c01 * r[1] + c02 * r[2]) * inv;
    g[1] = (c01 * r[0] + c11 * r[1] + c12 * r[2]) * inv;
    g[2] = (c02 * r[0] + c12 * r[1] + c22 * r[2]) * inv;
    return ok;
}

/* Max |I_k − s_k·g| over the used observations (all, or the lit ones when `use`), skipping
 * skip1 / skip2 (-1 = none). */
static inline float resid(const skinq_ps_params *p, const float *I, const float g[3], float thr, int use,
                          int skip1, int skip2)
{
    float e = 0.0f;
    for (int k = 0; k < p->m; k++) {
        float r = absf(I[k] - (p->s[k][0] * g[0] + p->s[k][1] * g[1] + p->s[k][2] * g[2]));
        int keep = use ? I[k] > thr : 1;
        if (keep && k != skip1 && k != skip2)
            e = vmax(r, e);
    }
    return e;
}

static inline float norm3(const float g[3])
{
    return sqrtf(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
}

/* rho = e / max(|g|·smax, tiny); +inf when the subset is unusable. */
static inline float score(const skinq_ps_params *p, float e, const float g[3], int ok)
{
    float den = vmax(norm3(g) * p->smax, 1e-30f);
    float rho = e / den;
    return ok ? rho : INFINITY;
}

/* One pass over all lights: the pinv fit, the normal equations' right side, the first darkest and
 * the last brightest observation. */
typedef struct ps_all {
    float g0[3], rf[3];
    float dmin, bmax;
    int d, b;
} ps_all;

/* The fit over the lit lights only (use = 1 when it replaces the full one). */
typedef struct ps_lit {
    float a[6], r[3], n; /* Σ s sᵀ, Σ s·I and the count over lit lights */
    float dmin;          /* the darkest lit observation and its light */
    int d;
    float g[3];
    int use;
} ps_lit;

static inline void observe(const skinq_ps_params *p, const float *I, ps_all *o)
{
    float g0[3] = {0.0f, 0.0f, 0.0f}, rf[3] = {0.0f, 0.0f, 0.0f};
    float dmin = I[0], bmax = I[0];
    int d = 0, b = 0;
    for (int k = 0; k < p->m; k++) {
        float v = I[k];
        g0[0] = g0[0] + p->pinv[0][k] * v;
        g0[1] = g0[1] + p->pinv[1][k] * v;
        g0[2] = g0[2] + p->pinv[2][k] * v;
        rf[0] = rf[0] + p->s[k][0] * v;
        rf[1] = rf[1] + p->s[k][1] * v;
        rf[2] = rf[2] + p->s[k][2] * v;
        if (v < dmin) {
            dmin = v;
            d = k;
        }
        if (v >= bmax) {
            bmax = v;
            b = k;
        }
    }
    *o = (ps_all){{g0[0], g0[1], g0[2]}, {rf[0], rf[1], rf[2]}, dmin, bmax, d, b};
}

/* Lit lights only (skipped when all are lit: then the full fit is used anyway). */
static inline void fit_lit(const skinq_ps_params *p, const float *I, float thr, ps_lit *l)
{
    const int m = p->m;
    float al[6] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, rl[3] = {0.0f, 0.0f, 0.0f}, nl = 0.0f;
    float dminl = INFINITY;
    int dl = -1;
    float gl[3] = {0.0f, 0.0f, 0.0f};
    int use = 0;
    int all_lit = 1;
    for (int k = 0; k < m; k++)
        all_lit = all_lit && I[k] > thr;
    if (!all_lit) {
        for (int k = 0; k < m; k++) {
            float v = I[k];
            int lit = v > thr;
            for (int j = 0; j < 6; j++)
                al[j] = al[j] + (lit ? p->ss[k][j] : 0.0f);
            for (int j = 0; j < 3; j++)
                rl[j] = rl[j] + (lit ? p->s[k][j] * v : 0.0f);
            nl = nl + (lit ? 1.0f : 0.0f);
            if (lit && v < dminl) {
                dminl = v;
                dl = k;
            }
        }
        int okl = solve3(al, rl, p->det_rel, gl);
        use = nl < (float)m && nl >= 3.0f && okl;
    }
    *l = (ps_lit){{al[0], al[1], al[2], al[3], al[4], al[5]},
                  {rl[0], rl[1], rl[2]},
                  nl,
                  dminl,
                  dl,
                  {gl[0], gl[1], gl[2]},
                  use};
}

/* Which of the darkest (d), the brightest (b) or both to leave out of the used fit (A, r): the
 * three refits, each scored by its residual relative to |g|·smax; the best wins, and a refit
 * within tau wins in the order both, brightest, darkest. Sets g and returns the outcome code. */
static inline int reject(const skinq_ps_params *p, const float *I, float thr, int use, const float A[6],
                         const float r[3], int d, float dmin, int b, float bmax, float neff, float g[3])
{
    const float *sd = p->s[d], *sb = p->s[b];
    float ad[6] = {A[0] - sd[0] * sd[0], A[1] - sd[0] * sd[1], A[2] - sd[0] * sd[2],
                   A[3] - sd[1] * sd[1], A[4] - sd[1] * sd[2], A[5] - sd[2] * sd[2]};
    float ab[6] = {A[0] - sb[0] * sb[0], A[1] - sb[0] * sb[1], A[2] - sb[0] * sb[2],
                   A[3] - sb[1] * sb[1], A[4] - sb[1] * sb[2], A[5] - sb[2] * sb[2]};
    float adb[6] = {ad[0] - sb[0] * sb[0], ad[1] - sb[0] * sb[1], ad[2] - sb[0] * sb[2],
                    ad[3] - sb[1] * sb[1], ad[4] - sb[1] * sb[2], ad[5] - sb[2] * sb[2]};
    float rd[3] = {r[0] - sd[0] * dmin, r[1] - sd[1] * dmin, r[2] - sd[2] * dmin};
    float rb[3] = {r[0] - sb[0] * bmax, r[1] - sb[1] * bmax, r[2] - sb[2] * bmax};
    float rdb[3] = {rd[0] - sb[0] * bmax, rd[1] - sb[1] * bmax, rd[2] - sb[2] * bmax};
    float gd[3], gb[3], gdb[3];
    int okd = solve3(ad, rd, p->det_rel, gd);
    int okb = solve3(ab, rb, p->det_rel, gb);
    int okdb = solve3(adb, rdb, p->det_rel, gdb) && neff >= 5.0f;
    float rhod = score(p, resid(p, I, gd, thr, use, d, -1), gd, okd);
    float rhob = score(p, resid(p, I, gb, thr, use, b, -1), gb, okb);
    float rhodb = score(p, resid(p, I, gdb, thr, use, d, b), gdb, okdb);
    /* fallback: smallest rho (ties keep the earlier candidate); the base fit if none is usable */
    int c = SKINQ_PS_ALL;
    float best = INFINITY;
    const float *gs = g;
    if (rhod < best) {
        best = rhod;
        c = SKINQ_PS_NO_DARKEST;
        gs = gd;
    }
    if (rhob < best) {
        best = rhob;
        c = SKINQ_PS_NO_BRIGHTEST;
        gs = gb;
    }
    if (rhodb < best) {
        best = rhodb;
        c = SKINQ_PS_NO_BOTH;
        gs = gdb;
    }
    /* priority: the first consistent candidate in the order d, b, db */
    if (rhodb <= p->tau) {
        c = SKINQ_PS_NO_BOTH;
        gs = gdb;
    }
    if (rhob <= p->tau) {
        c = SKINQ_PS_NO_BRIGHTEST;
        gs = gb;
    }
    if (rhod <= p->tau) {
        c = SKINQ_PS_NO_DARKEST;
        gs = gd;
    }
    g[0] = gs[0];
    g[1] = gs[1];
    g[2] = gs[2];
    return c;
}

static void pixel(const skinq_ps_params *p, const float *I, float *nx, float *ny, float *nz, float *alb,
                  uint8_t *code)
{
    ps_all o;
    observe(p, I, &o);
    float thr = p->shadow * o.bmax;
    ps_lit l;
    fit_lit(p, I, thr, &l);
    const int use = l.use;
    float g[3] = {use ? l.g[0] : o.g0[0], use ? l.g[1] : o.g0[1], use ? l.g[2] : o.g0[2]};
    float neff = use ? l.n : (float)p->m;
    int c = SKINQ_PS_ALL;
    float e0 = resid(p, I, g, thr, use, -1, -1);
    if (p->reject && neff >= 4.0f && e0 > p->tau * (norm3(g) * p->smax)) {
        /* the used fit's sums, copied: a pointer into o or l would keep them in memory */
        float A[6], r[3];
        for (int j = 0; j < 6; j++)
            A[j] = use ? l.a[j] : p->a0[j];
        for (int j = 0; j < 3; j++)
            r[j] = use ? l.r[j] : o.rf[j];
        c = reject(p, I, thr, use, A, r, use ? l.d : o.d, use ? l.dmin : o.dmin, o.b, o.bmax, neff, g);
    }
    float nrm = norm3(g);
    if (nrm > p->min_albedo) {
        float inv = 1.0f / nrm;
        *nx = g[0] * inv;
        *ny = g[1] * inv;
        *nz = g[2] * inv;
        *alb = nrm;
        *code = (uint8_t)(c | (use ? SKINQ_PS_SHADOWED : 0));
    } else {
        *nx = 0.0f;
        *ny = 0.0f;
        *nz = 1.0f;
        *alb = 0.0f;
        *code = SKINQ_PS_INVALID;
    }
}

void skinq_ps_row_scalar(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                         float *nz, float *albedo, uint8_t *code)
{
    float I[SKINQ_PS_MAX_LIGHTS];
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < p->m; k++)
            I[k] = rows[k][i];
        pixel(p, I, nx + i, ny + i, nz + i, albedo + i, code + i);
    }
}

void skinq_surface_dsp_init(struct skinq_surface_dsp *d, unsigned isa)
{
    skinq_dsp_begin(&d->meta, sizeof *d, "surface", isa);
    SKINQ_DSP_SET(d, ps_row, skinq_ps_row, scalar);
#if SKINQ_HAVE_SSE41
    if (isa & SKINQ_ISA_SSE41)
        skinq_surface_dsp_init_sse41(d);
#endif
#if SKINQ_HAVE_AVX2
    if (isa & SKINQ_ISA_AVX2)
        skinq_surface_dsp_init_avx2(d);
#endif
}

SKINQ_DSP_TABLES(skinq_surface_dsp, skinq_surface_dsp, skinq_surface_dsp_init)
