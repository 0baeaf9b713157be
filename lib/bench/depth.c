/* depth.c -- `skinq bench` depth stages: photometric stereo of 8 light images of 4 MP (a bumpy
 * Lambertian surface rendered exactly) per ISA and thread count, and Frankot–Chellappa
 * integration beside bare FFTW doing the same 2-D r2r transforms. */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_int.h"

enum { LIGHTS = 8 };

typedef struct depth_job {
    skinq_ctx *ctx;
    int w, h;
    skinq_ps_plan *plan;
    const float *planes[LIGHTS];
    float *nx, *ny, *nz, *albedo, *p, *q, *z;
    skinq_integrator *integ;
    fftwf_plan f1, f2, f3;
} depth_job;

static skinq_status run_ps(void *u)
{
    depth_job *j = u;
    return skinq_ps_execute(j->ctx, j->plan, j->planes, j->w, j->h, (size_t)j->w, j->nx, j->ny, j->nz, j->albedo, NULL, NULL);
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

skinq_status skinq_bench_depth(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    const int DW = o->quick ? 512 : 2048, DH = DW; /* 4 MP (0.25 MP quick) */
    const size_t n = (size_t)DW * DH;
    const double mp = n / 1e6;
    char ps_name[32], int_name[32], peer_name[48];
    snprintf(ps_name, sizeof ps_name, "depth-ps@%gMP", o->quick ? 0.25 : 4.0);
    snprintf(int_name, sizeof int_name, "depth-integrate@%gMP", o->quick ? 0.25 : 4.0);
    snprintf(peer_name, sizeof peer_name, "fftw r2r integration@%gMP", o->quick ? 0.25 : 4.0);
    depth_job j;
    memset(&j, 0, sizeof j);
    j.w = DW, j.h = DH;
    float *buf = malloc(sizeof(float) * n * (LIGHTS + 7));
    skinq_light items[LIGHTS];
    skinq_lights L = {LIGHTS, items, 0, {NULL, NULL, NULL}};
    memset(items, 0, sizeof items);
    for (int k = 0; k < LIGHTS; k++) { /* a ring at 40 degrees from the view axis */
        double a = 2 * 3.14159265358979 * k / LIGHTS, sl = sin(40 * 3.14159265358979 / 180);
        items[k].direction[0] = sl * cos(a);
        items[k].direction[1] = sl * sin(a);
        items[k].direction[2] = cos(40 * 3.14159265358979 / 180);
        items[k].intensity = 1;
    }
    skinq_status st = buf ? skinq_ps_plan_new(ctx, &L, NULL, NULL, &j.plan) : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        for (int k = 0; k < LIGHTS; k++)
            j.planes[k] = buf + (size_t)k * n;
        float **outs[7] = {&j.nx, &j.ny, &j.nz, &j.albedo, &j.p, &j.q, &j.z};
        for (int i = 0; i < 7; i++)
            *outs[i] = buf + (size_t)(LIGHTS + i) * n;
        for (int y = 0; y < DH; y++)
            for (int x = 0; x < DW; x++) { /* z = 3 sin(x/40) cos(y/55) px: slopes up to ~0.1 */
                double p = 3.0 / 40 * cos(x / 40.0) * cos(y / 55.0), q = -3.0 / 55 * sin(x / 40.0) * sin(y / 55.0);
                double nn = sqrt(p * p + q * q + 1), nx = -p / nn, ny = q / nn, nz = 1 / nn;
                for (int k = 0; k < LIGHTS; k++) {
                    double d = nx * items[k].direction[0] + ny * items[k].direction[1] + nz * items[k].direction[2];
                    buf[(size_t)k * n + (size_t)y * DW + (size_t)x] = (float)(0.6 * (d > 0 ? d : 0));
                }
            }
    }
    double t[SKINQ_BENCH_MAX_RUNS];
    for (int l = 0; st == SKINQ_OK && l < r->n_levels; l++)
        for (int k = 0; st == SKINQ_OK && k < (r->threads > 1 ? 2 : 1); k++) {
            int threads = k ? r->threads : 1;
            skinq_ctx *c = skinq_bench_ctx(r->levels[l], threads);
            if (!c)
                return SKINQ_E_NOMEM;
            j.ctx = c;
            skinq_bench_progress(o, ps_name, 0, 1);
            st = skinq_bench_time(o->runs, run_ps, &j, t);
            if (st == SKINQ_OK)
                st = skinq_bench_add_stage(ctx, r, ps_name,
                                           r->levels[l] & SKINQ_ISA_AVX2 ? "avx2" : r->levels[l] ? "sse41" : "scalar",
                                           threads, mp, t, o->runs);
            if (st == SKINQ_OK && l == r->n_levels - 1) { /* the integrator has no ISA kernels */
                skinq_normals_to_gradients(j.nx, j.ny, j.nz, n, 10, j.p, j.q);
                st = skinq_integrator_new(c, DW, DH, &j.integ);
                if (st == SKINQ_OK)
                    st = skinq_bench_time(o->runs, run_integrate, &j, t);
                if (st == SKINQ_OK)
                    st = skinq_bench_add_stage(ctx, r, int_name, "-", threads, mp, t, o->runs);
                skinq_integrator_free(&j.integ);
            }
            skinq_ctx_close(&c);
        }
    if (st == SKINQ_OK) { /* the peer: the integrator's three 2-D r2r transforms, bare, one thread */
        skinq_fftw_lock();
        j.f1 = fftwf_plan_r2r_2d(DH, DW, j.p, j.p, FFTW_REDFT10, FFTW_RODFT10, FFTW_ESTIMATE);
        j.f2 = fftwf_plan_r2r_2d(DH, DW, j.q, j.q, FFTW_RODFT10, FFTW_REDFT10, FFTW_ESTIMATE);
        j.f3 = fftwf_plan_r2r_2d(DH, DW, j.z, j.z, FFTW_REDFT01, FFTW_REDFT01, FFTW_ESTIMATE);
        skinq_fftw_unlock();
        st = skinq_bench_time(o->runs, run_fftw_r2r, &j, t);
        if (st == SKINQ_OK)
            st = skinq_bench_add_peer(ctx, r, peer_name, mp, t, o->runs);
        skinq_fftw_lock();
        fftwf_destroy_plan(j.f1);
        fftwf_destroy_plan(j.f2);
        fftwf_destroy_plan(j.f3);
        skinq_fftw_unlock();
        const skinq_bench_stage *a = skinq_bench_find_stage(r, ps_name, "avx2", 1),
                                *s = skinq_bench_find_stage(r, ps_name, "scalar", 1),
                                *ig = skinq_bench_find_stage(r, int_name, NULL, 1);
        const skinq_bench_peer *pf = skinq_bench_find_peer(r, peer_name);
        if (a && s)
            skinq_bench_add_ratio(ctx, r, s->p50_ms / a->p50_ms, "depth-ps avx2/scalar, 1 thread");
        if (ig && pf)
            skinq_bench_add_ratio(ctx, r, ig->p50_ms / pf->p50_ms, "depth-integrate time / bare FFTW time, 1 thread");
    }
    skinq_ps_plan_free(&j.plan);
    free(buf);
    return st;
}
