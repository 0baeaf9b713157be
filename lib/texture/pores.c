/* pores.c -- pores as dark blobs: maxima of the scale-normalised Laplacian of Gaussian
 * σ²∇²(G_σ * L*) over space and scale (Lindeberg, "Feature detection with automatic scale
 * selection", IJCV 30(2), 1998), with SIFT's edge test on the response's Hessian (Lowe, IJCV
 * 2004) so that dark lines do not count as rows of pores. L* is taken as u = 76·ln(L* + 16)
 * (texture_int.h), so depths read in L* units at L* = 60 and detection is exposure-invariant.
 *
 * Calibration (a dark disc of radius r and depth A): the response peaks at σ = r/√2 with value
 * 2A/e, so diameter = 2√2·σ* and depth = e/2·R*, σ* and R* from a parabola through the three
 * scales around the maximum (log-σ axis, 3 scales an octave). Work goes tile by tile (512² cores
 * with a margin of 3.5 σ_max), each detection reported by the one tile whose core holds it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "texture_int.h"

#define CORE 512
#define MAX_SCALES 24
#define EDGE_R 5.0 /* maximum eigenvalue ratio of the response's Hessian (SIFT uses 10) */

typedef struct pore_job {
    const tex_img *im;
    const tex_cfg *c;
    int ns, margin, nx;
    double sigma[MAX_SCALES], rho, thr;
    float *scratch; /* per thread: buf, tmp, blur, ns responses */
    size_t tile_px;
    tex_pore **found; /* per task */
    size_t *nfound;
    const skinq_allocator *alloc;
    int failed;
} pore_job;

static void pore_tile(void *user, int task, int thread)
{
    pore_job *j = user;
    const tex_img *im = j->im;
    float *buf = j->scratch + (size_t)thread * (3 + (size_t)j->ns) * j->tile_px;
    const tex_tile tl = tex_tile_load(im, task, j->nx, CORE, j->margin, buf);
    const int M = tl.margin, cx0 = tl.cx0, cy0 = tl.cy0, cw = tl.cw, ch = tl.ch, tw = tl.tw, th = tl.th;
    float *tmp = buf + j->tile_px, *blur = tmp + j->tile_px, *resp = blur + j->tile_px;
    for (int k = 0; k < j->ns; k++) {
        float *R = resp + (size_t)k * j->tile_px;
        const float s2 = (float)(j->sigma[k] * j->sigma[k]);
        tex_gauss(buf, blur, tmp, tw, th, j->sigma[k]);
        memset(R, 0, sizeof(float) * (size_t)tw);
        for (int y = 1; y < th - 1; y++) {
            const float *b = blur + (size_t)y * tw;
            float *o = R + (size_t)y * tw;
            o[0] = o[tw - 1] = 0;
            for (int x = 1; x < tw - 1; x++)
                o[x] = s2 * (b[x - 1] + b[x + 1] + b[x - tw] + b[x + tw] - 4 * b[x]);
        }
        memset(R + (size_t)(th - 1) * tw, 0, sizeof(float) * (size_t)tw);
    }
    tex_pore *list = NULL;
    size_t n = 0, cap = 0;
    (void)j->c;
    for (int y = M; y < M + ch; y++)
        for (int x = M; x < M + cw; x++) {
            if (!tex_in(im, cx0 + x - M, cy0 + y - M))
                continue;
            const size_t i = (size_t)y * tw + (size_t)x;
            for (int k = 1; k < j->ns - 1; k++) {
                const float *R = resp + (size_t)k * j->tile_px;
                const float v = R[i];
                if (v < j->thr)
                    continue;
                int is_max = 1;
                for (int dk = -1; dk <= 1 && is_max; dk++) {
                    const float *Q = resp + (size_t)(k + dk) * j->tile_px;
                    for (int dy = -1; dy <= 1 && is_max; dy++)
                        for (int dx = -1; dx <= 1; dx++) {
                            if (!dk && !dy && !dx)
                                continue;
                            float q = Q[i + (ptrdiff_t)dy * tw + dx];
                            /* ties go to the first in (scale, y, x) order: exactly one maximum */
                            int before = dk < 0 || (dk == 0 && (dy < 0 || (dy == 0 && dx < 0)));
                            if (before ? q >= v : q > v) {
                                is_max = 0;
                                break;
                            }
                        }
                }
                if (!is_max)
                    continue;
                double dxx = R[i - 1] + R[i + 1] - 2.0 * v, dyy = R[i - tw] + R[i + tw] - 2.0 * v;
                double dxy = 0.25 * (R[i + tw + 1] - R[i + tw - 1] - R[i - tw + 1] + R[i - tw - 1]);
                double tr = dxx + dyy, det = dxx * dyy - dxy * dxy;
                if (!(det > 0) || tr * tr * EDGE_R >= (EDGE_R + 1) * (EDGE_R + 1) * det)
                    continue; /* elongated: a line or an edge, not a pore */
                const double a = resp[(size_t)(k - 1) * j->tile_px + i], c = resp[(size_t)(k + 1) * j->tile_px + i];
                double den = a - 2.0 * v + c, d = den < 0 ? 0.5 * (a - c) / den : 0;
                d = d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d;
                double peak = v - 0.25 * (a - c) * d;
                if (n == cap) { /* workers allocate without touching the ctx's error message */
                    size_t nc = cap ? 2 * cap : 64;
                    tex_pore *g = skinq_alloc_raw(j->alloc, nc * sizeof *g);
                    if (!g) {
                        j->failed = 1;
                        skinq_free_raw(j->alloc, list);
                        return;
                    }
                    if (n)
                        memcpy(g, list, n * sizeof *g);
                    skinq_free_raw(j->alloc, list);
                    list = g;
                    cap = nc;
                }
                double sig = j->sigma[k] * pow(j->rho, d);
                list[n].x = (float)(cx0 + x - M);
                list[n].y = (float)(cy0 + y - M);
                list[n].d = (float)(2 * sqrt(2.0) * sig);
                list[n].contrast = (float)(peak * exp(1.0) / 2);
                n++;
                break; /* one scale per position */
            }
        }
    j->found[task] = list;
    j->nfound[task] = n;
}

typedef struct {
    float contrast;
    int index;
} pore_rank;

static int by_contrast(const void *a, const void *b)
{
    const pore_rank *x = a, *y = b;
    if (x->contrast != y->contrast)
        return x->contrast > y->contrast ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Non-maximum suppression across scales: a detection whose centre lies within the radius of
 * a stronger one (the larger of the two radii) is the same pore seen at another scale, or a
 * rim artefact of a large flat pore. Strongest first; neighbours found through a grid. */
static skinq_status suppress(skinq_ctx *ctx, const tex_img *im, tex_pores_out *r, double dmax)
{
    if (r->count < 2)
        return SKINQ_OK;
    const double cell = dmax > 1 ? dmax : 1;
    const int gx = (int)(im->w / cell) + 1, gy = (int)(im->h / cell) + 1;
    pore_rank *rk = skinq_malloc(ctx, r->count * sizeof *rk);
    int *head = skinq_malloc(ctx, (size_t)gx * (size_t)gy * sizeof *head);
    int *next = skinq_malloc(ctx, r->count * sizeof *next);
    tex_pore *kept = skinq_malloc(ctx, r->count * sizeof *kept);
    if (!rk || !head || !next || !kept) {
        skinq_free(ctx, rk);
        skinq_free(ctx, head);
        skinq_free(ctx, next);
        skinq_free(ctx, kept);
        return SKINQ_E_NOMEM;
    }
    for (size_t i = 0; i < r->count; i++)
        rk[i] = (pore_rank){r->items[i].contrast, (int)i};
    qsort(rk, r->count, sizeof *rk, by_contrast);
    for (int i = 0; i < gx * gy; i++)
        head[i] = -1;
    size_t nk = 0;
    for (size_t i = 0; i < r->count; i++) {
        const tex_pore *p = &r->items[rk[i].index];
        int cx = (int)(p->x / cell), cy = (int)(p->y / cell), clash = 0;
        for (int yy = cy - 1; yy <= cy + 1 && !clash; yy++)
            for (int xx = cx - 1; xx <= cx + 1 && !clash; xx++) {
                if (xx < 0 || yy < 0 || xx >= gx || yy >= gy)
                    continue;
                for (int k = head[yy * gx + xx]; k >= 0 && !clash; k = next[k]) {
                    double dx = kept[k].x - p->x, dy = kept[k].y - p->y, rr = 0.5 * fmax(kept[k].d, p->d);
                    clash = dx * dx + dy * dy < rr * rr;
                }
            }
        if (clash)
            continue;
        kept[nk] = *p;
        next[nk] = head[cy * gx + cx];
        head[cy * gx + cx] = (int)nk;
        nk++;
    }
    /* (kept in strength order; the order does not enter any metric) */
    for (size_t i = 0; i < nk; i++)
        r->items[i] = kept[i];
    r->count = nk;
    skinq_free(ctx, rk);
    skinq_free(ctx, head);
    skinq_free(ctx, next);
    skinq_free(ctx, kept);
    return SKINQ_OK;
}

skinq_status tex_pores(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, tex_pores_out *r)
{
    memset(r, 0, sizeof *r);
    pore_job j;
    memset(&j, 0, sizeof j);
    j.im = im;
    j.c = c;
    j.alloc = &ctx->alloc;
    j.rho = pow(2.0, 1.0 / 3);
    double dlo = c->pore_d[0] > 2 ? c->pore_d[0] : 2, dhi = c->pore_d[1] > dlo ? c->pore_d[1] : dlo;
    double slo = dlo / (2 * sqrt(2.0)), shi = dhi / (2 * sqrt(2.0));
    int inner = (int)floor(log(shi / slo) / log(j.rho) + 1e-9) + 1;
    if (inner > MAX_SCALES - 2)
        inner = MAX_SCALES - 2;
    j.ns = inner + 2; /* one scale beyond each end, so the ends can be maxima */
    for (int k = 0; k < j.ns; k++)
        j.sigma[k] = slo * pow(j.rho, k - 1);
    j.thr = c->pore_thr * 2 / exp(1.0);
    j.margin = (int)ceil(3.5 * j.sigma[j.ns - 1]) + 2;
    j.nx = (im->w + CORE - 1) / CORE;
    int ny = (im->h + CORE - 1) / CORE, tasks = j.nx * ny, threads = skinq_ctx_threads(ctx);
    j.tile_px = (size_t)(CORE + 2 * j.margin) * (size_t)(CORE + 2 * j.margin);
    j.scratch = skinq_malloc(ctx, sizeof(float) * j.tile_px * (3 + (size_t)j.ns) * (size_t)threads);
    j.found = skinq_calloc(ctx, (size_t)tasks, sizeof *j.found);
    j.nfound = skinq_calloc(ctx, (size_t)tasks, sizeof *j.nfound);
    skinq_status st = SKINQ_OK;
    if (!j.scratch || !j.found || !j.nfound)
        st = SKINQ_E_NOMEM;
    else
        skinq_parallel_for(ctx, tasks, pore_tile, &j);
    size_t total = 0;
    for (int t = 0; st == SKINQ_OK && t < tasks; t++)
        total += j.nfound[t];
    if (st == SKINQ_OK && j.failed)
        st = skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for the pore list");
    if (st == SKINQ_OK && total) {
        r->items = skinq_malloc(ctx, total * sizeof *r->items);
        if (!r->items)
            st = SKINQ_E_NOMEM;
    }
    for (int t = 0; j.found && t < tasks; t++) { /* merge in tile order */
        if (st == SKINQ_OK && j.nfound[t])
            memcpy(r->items + r->count, j.found[t], j.nfound[t] * sizeof *r->items);
        if (st == SKINQ_OK)
            r->count += j.nfound[t];
        skinq_free(ctx, j.found[t]);
    }
    skinq_free(ctx, j.scratch);
    skinq_free(ctx, j.found);
    skinq_free(ctx, j.nfound);
    if (st == SKINQ_OK)
        st = suppress(ctx, im, r, 2 * sqrt(2.0) * j.sigma[j.ns - 1]);
    return st;
}
