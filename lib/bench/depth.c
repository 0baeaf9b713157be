/* depth.c -- `skinq bench` depth stages: photometric stereo of 8 light images of 4 MP (a bumpy
 * Lambertian surface rendered exactly) per ISA and thread count, and Frankot–Chellappa
 * integration beside bare FFTW doing the same 2-D r2r transforms. */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench_int.h"

enum { LIGHTS = 8 };

typedef struct depth_job {
    skinq_ctx *ctx;
    int w, h;
    size_t n; /* w * h */
    double mp;
    char ps_name[32], int_name[32], peer_name[48];
    skinq_light items[LIGHTS];
    float *buf; /* the light planes, then nx, ny, nz, albedo, p, q, z */
    skinq_ps_plan *plan;
    const float *planes[LIGHTS];
    float *nx, *ny, *nz, *albedo, *p, *q, *z;
    skinq_integrator *integ;
    fftwf_plan f1, f2, f3;
} depth_job;

static skinq_status run_ps(void *u)
{
    depth_job *j = u;
    return skinq_ps_execute(j->ctx, j->plan, j->planes, j->w, j->h, (size_t)j->w, j->nx, j->ny, j->nz,
                            j->albedo, NULL, NULL);
}

static skinq_status run_integrate(void *u)
{
    depth_job *j = u;
    skinq_integrate(j->ctx, j->integ, j->p, j->q, j->z);
    return SKINQ_OK;
}

static skinq_status run_fftw_r2r(void *u)
{
    depth_job *j = u;
    fftwf_execute(j->f1);
    fftwf_execute(j->f2);
    fftwf_execute(j->f3);
    return SKINQ_OK;
}

/* A ring of lights at 40 degrees from the view axis over z = 3 sin(x/40) cos(y/55) px (slopes
 * up to ~0.1), rendered exactly (Lambertian, albedo 0.6), and the plan that solves it. */
static skinq_status depth_scene(skinq_ctx *ctx, depth_job *j)
{
    const int DW = j->w, DH = j->h;
    const size_t n = j->n;
    if (!(j->buf = skinq_malloc(ctx, sizeof(float) * n * (LIGHTS + 7))))
        return SKINQ_E_NOMEM;
    for (int k = 0; k < LIGHTS; k++) {
        double a = 2 * 3.14159265358979 * k / LIGHTS, sl = sin(40 * 3.14159265358979 / 180);
        j->items[k].direction[0] = sl * cos(a);
        j->items[k].direction[1] = sl * sin(a);
        j->items[k].direction[2] = cos(40 * 3.14159265358979 / 180);
        j->items[k].intensity = 1;
    }
    skinq_lights L = {LIGHTS, j->items, 0, ctx->alloc};
    skinq_status st = skinq_ps_plan_new(ctx, &L, NULL, NULL, &j->plan);
    if (st != SKINQ_OK)
        return st;
    float *buf = j->buf;
    for (int k = 0; k < LIGHTS; k++)
        j->planes[k] = buf + (size_t)k * n;
    float **outs[7] = {&j->nx, &j->ny, &j->nz, &j->albedo, &j->p, &j->q, &j->z};
    for (int i = 0; i < 7; i++)
        *outs[i] = buf + (size_t)(LIGHTS + i) * n;
    for (int y = 0; y < DH; y++)
        for (int x = 0; x < DW; x++) {
            double p = 3.0 / 40 * cos(x / 40.0) * cos(y / 55.0),
                   q = -3.0 / 55 * sin(x / 40.0) * sin(y / 55.0);
            double nn = sqrt(p * p + q * q + 1), nx = -p / nn, ny = q / nn, nz = 1 / nn;
            for (int k = 0; k < LIGHTS; k++) {
                const double *d = j->items[k].direction;
                double dot = nx * d[0] + ny * d[1] + nz * d[2];
                buf[(size_t)k * n + (size_t)y * DW + (size_t)x] = (float)(0.6 * (dot > 0 ? dot : 0));
            }
        }
    return SKINQ_OK;
}

/* Photometric stereo per ISA level and thread count; the integrator (no ISA kernels) at the best level. */
static skinq_status depth_stages(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r,
                                 depth_job *j)
{
    double t[SKINQ_BENCH_MAX_RUNS];
    skinq_status st = SKINQ_OK;
    for (int l = 0; st == SKINQ_OK && l < r->n_levels; l++)
        for (int k = 0; st == SKINQ_OK && k < (r->threads > 1 ? 2 : 1); k++) {
            int threads = k ? r->threads : 1;
            skinq_ctx *c = skinq_bench_ctx(ctx, r->levels[l], threads);
            if (!c)
                return skinq_fail(ctx, SKINQ_E_NOMEM, "cannot open a bench context");
            j->ctx = c;
            skinq_bench_progress(o, j->ps_name, 0, 1);
            st = skinq_bench_time(o->runs, run_ps, j, t);
            if (st == SKINQ_OK)
                st = skinq_bench_add_stage(ctx, r, j->ps_name, skinq_isa_name(r->levels[l]), threads, j->mp,
                                           t, o->runs);
            if (st == SKINQ_OK && l == r->n_levels - 1) {
                skinq_normals_to_gradients(j->nx, j->ny, j->nz, j->n, 10, j->p, j->q);
                st = skinq_integrator_new(c, j->w, j->h, &j->integ);
                if (st == SKINQ_OK)
                    st = skinq_bench_time(o->runs, run_integrate, j, t);
                if (st == SKINQ_OK)
                    st = skinq_bench_add_stage(ctx, r, j->int_name, "-", threads, j->mp, t, o->runs);
                skinq_integrator_free(&j->integ);
            }
            skinq_ctx_close(&c);
        }
    return st;
}

/* The peer: the integrator's three 2-D r2r transforms, bare, one thread; then the ratios. */
static skinq_status depth_peer(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r,
                               depth_job *j)
{
    double t[SKINQ_BENCH_MAX_RUNS];
    skinq_fftw_lock();
    j->f1 = fftwf_plan_r2r_2d(j->h, j->w, j->p, j->p, FFTW_REDFT10, FFTW_RODFT10, FFTW_ESTIMATE);
    j->f2 = fftwf_plan_r2r_2d(j->h, j->w, j->q, j->q, FFTW_RODFT10, FFTW_REDFT10, FFTW_ESTIMATE);
    j->f3 = fftwf_plan_r2r_2d(j->h, j->w, j->z, j->z, FFTW_REDFT01, FFTW_REDFT01, FFTW_ESTIMATE);
    skinq_fftw_unlock();
    skinq_status st = skinq_bench_time(o->runs, run_fftw_r2r, j, t);
    if (st == SKINQ_OK)
        st = skinq_bench_add_peer(ctx, r, j->peer_name, j->mp, t, o->runs);
    skinq_fftw_lock();
    fftwf_destroy_plan(j->f1);
    fftwf_destroy_plan(j->f2);
    fftwf_destroy_plan(j->f3);
    skinq_fftw_unlock();
    const skinq_bench_stage *a = skinq_bench_find_stage(r, j->ps_name, "avx2", 1),
                            *s = skinq_bench_find_stage(r, j->ps_name, "scalar", 1),
                            *ig = skinq_bench_find_stage(r, j->int_name, NULL, 1);
    const skinq_bench_peer *pf = skinq_bench_find_peer(r, j->peer_name);
    if (a && s)
        skinq_bench_add_ratio(ctx, r, s->p50_ms / a->p50_ms, "depth-ps avx2/scalar, 1 thread");
    if (ig && pf)
        skinq_bench_add_ratio(ctx, r, ig->p50_ms / pf->p50_ms,
                              "depth-integrate time / bare FFTW time, 1 thread");
    return st;
}

skinq_status skinq_bench_depth(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    depth_job j;
    memset(&j, 0, sizeof j);
    j.w = j.h = o->quick ? 512 : 2048; /* 4 MP (0.25 MP quick) */
    j.n = (size_t)j.w * j.h;
    j.mp = j.n / 1e6;
    const double label = o->quick ? 0.25 : 4.0;
    snprintf(j.ps_name, sizeof j.ps_name, "depth-ps@%gMP", label);
    snprintf(j.int_name, sizeof j.int_name, "depth-integrate@%gMP", label);
    snprintf(j.peer_name, sizeof j.peer_name, "fftw r2r integration@%gMP", label);
    skinq_status st = depth_scene(ctx, &j);
    if (st == SKINQ_OK)
        st = depth_stages(ctx, o, r, &j);
    if (st == SKINQ_OK)
        st = depth_peer(ctx, o, r, &j);
    skinq_ps_plan_free(&j.plan);
    skinq_free(ctx, j.buf);
    return st;
}
