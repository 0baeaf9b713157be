/* pores.c -- pores as dark blobs: maxima of the scale-normalised Laplacian of Gaussian
 * σ²∇²(G_σ * L*) over space and scale (Lindeberg, "Feature detection with automatic scale
 * selection", IJCV 30(2), 1998), with SIFT's edge test on the response's Hessian (Lowe, IJCV
 * 2004) so that dark lines do not count as rows of pores. L* is taken as u = 76·ln(L* + 16)
 * (texture_int.h), so depths read in L* units at L* = 60 and detection is exposure-invariant.
 *
 * Calibration (a dark disc of radius r and depth A): the response peaks at σ = r/√2 with value
 * 2A/e, so diameter = 2√2·σ* and depth = e/2·R*, σ* and R* from a parabola through the three
 * scales around the maximum (log-σ axis, 3 scales an octave). Work goes tile by tile (512² cores
 * with a margin of 3.5 σ_max), each detection reported by the one tile whose core holds it.
 *
 * The planes come from the pyramid of pyramid.c: σ >= 2.24 px (at 20 px/mm) on a half-resolution
 * grid. Maxima are found within each level (3×3×3 on its grid, its own planes either side); the
 * last scale of a level is evaluated again on the next one, so a pore whose responses at the
 * two grids' boundary scales tie within discretisation is found on one grid or the other, and
 * the NMS below drops the twin. Centres get a parabola fit in x and y (a coarse pixel is 2 px);
 * diameters and depths use the full-res σ and the grid-invariant response. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "texture_int.h"

#define CORE TEX_SS_CORE
#define MAX_SCALES TEX_PYR_PLANES
#define EDGE_R 5.0 /* maximum eigenvalue ratio of the response's Hessian (SIFT uses 10) */
/* A level starts where its lowest plane (the neighbour below the previous level's last scale)
 * is 1/√2 px of the new grid: that plane, decimated, is its base, and a Gaussian of 1/√2 px
 * leaves 8 % of the new Nyquist frequency to alias. At 20 px/mm: σ 0.56–2.24 px on the full
 * grid, 1.41–3.56 px on the half grid. */
#define LEVEL_SIGMA 0.70710678

typedef struct tex_pores_job {
    const tex_img *im;
    int tasks;
    double dmax; /* the largest diameter searched (the NMS radius) */
    tex_pyr py;
    int margin, nx;
    double rho, thr;
    float *scratch; /* per thread: [tile, pyramid scratch,] 3 responses, claimed flags */
    size_t tile_px, per_thread;
    tex_pore **found; /* per task */
    size_t *nfound;
    const skinq_allocator *alloc;
    int failed, own_tile;
    const struct skinq_texture_dsp *k; /* the pre-filter and response rows: the ctx's kernel table */
} pore_job;

/* One tile's state while its planes stream past: the last three responses of the level (a
 * ring by plane index) and, per level pixel, whether a smaller scale already holds a pore. */
typedef struct pore_tile {
    pore_job *j;
    tex_tile tl;
    float *R[3];
    uint8_t *claimed;
    tex_pore *list;
    size_t n, cap;
    int oom;
} pore_tile;

static int add_pore(pore_tile *t, tex_pore p)
{
    if (t->n == t->cap) { /* workers allocate without touching the ctx's error message */
        size_t nc = t->cap ? 2 * t->cap : 64;
        tex_pore *g = skinq_alloc_raw(t->j->alloc, nc * sizeof *g);
        if (!g)
            return 0;
        if (t->n)
            memcpy(g, t->list, t->n * sizeof *g);
        skinq_free_raw(t->j->alloc, t->list);
        t->list = g;
        t->cap = nc;
    }
    t->list[t->n++] = p;
    return 1;
}

/* The maximum test and the fit at level pixel (x, y), whose response is >= the threshold. */
static void find_at(pore_tile *t, int l, int k, const float *lo, const float *R, const float *hi, int w,
                    int x, int y)
{
    const pore_job *j = t->j;
    const int M = t->tl.margin, f = 1 << l;
    const size_t i = (size_t)y * w + (size_t)x;
    const float v = R[i];
    if (t->claimed[i] || !tex_in(j->im, t->tl.cx0 + x * f - M, t->tl.cy0 + y * f - M))
        return;
    for (int dk = -1; dk <= 1; dk++) {
        const float *Q = dk < 0 ? lo : dk ? hi : R;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                if (!dk && !dy && !dx)
                    continue;
                float q = Q[i + (ptrdiff_t)dy * w + dx];
                /* ties go to the first in (scale, y, x) order: exactly one maximum */
                int before = dk < 0 || (dk == 0 && (dy < 0 || (dy == 0 && dx < 0)));
                if (before ? q >= v : q > v)
                    return;
            }
    }
    double dxx = R[i - 1] + R[i + 1] - 2.0 * v, dyy = R[i - w] + R[i + w] - 2.0 * v;
    double dxy = 0.25 * (R[i + w + 1] - R[i + w - 1] - R[i - w + 1] + R[i - w - 1]);
    double tr = dxx + dyy, det = dxx * dyy - dxy * dxy;
    if (!(det > 0) || tr * tr * EDGE_R >= (EDGE_R + 1) * (EDGE_R + 1) * det)
        return; /* elongated: a line or an edge, not a pore */
    /* parabolas through the maximum and its neighbours: in log σ for the size, in x and y
     * for the centre (on a coarse level a pixel is 2^l px) */
    const double a = lo[i], c = hi[i];
    double den = a - 2.0 * v + c, d = den < 0 ? 0.5 * (a - c) / den : 0;
    d = d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d;
    const double ox = 0.5 * (R[i - 1] - R[i + 1]) / dxx, oy = 0.5 * (R[i - w] - R[i + w]) / dyy;
    tex_pore p;
    p.x = (float)(t->tl.cx0 - M + f * (x + fmax(-0.5, fmin(0.5, ox))));
    p.y = (float)(t->tl.cy0 - M + f * (y + fmax(-0.5, fmin(0.5, oy))));
    p.d = (float)(2 * sqrt(2.0) * j->py.sigma[k] * pow(j->rho, d));
    p.contrast = (float)((v - 0.25 * (a - c) * d) * exp(1.0) / 2);
    if (!add_pore(t, p)) {
        t->oom = 1;
        return;
    }
    t->claimed[i] = 1; /* one scale per position */
}

/* Maxima of plane k of level l (responses of k − 1, k, k + 1 in lo, R, hi) at the level pixels
 * that sit on the tile's core. */
static void find_maxima(pore_tile *t, int l, int k, const float *lo, const float *R, const float *hi, int w,
                        int h)
{
    const pore_job *j = t->j;
    const int M = t->tl.margin, f = 1 << l;
    const int y0 = M / f, y1 = (M + t->tl.ch - 1) / f, x0 = M / f, x1 = (M + t->tl.cw - 1) / f;
    const float thr = (float)j->thr;
    const int xe = x1 < w - 2 ? x1 : w - 2;
    enum { CHUNK = 1024 };
    for (int y = y0; y <= y1 && y < h - 1; y++)
        for (int xc = x0; xc <= xe; xc += CHUNK) {
            /* most responses are below the threshold or beaten by a neighbour: the pre-filter's
             * bits first (adding the four in-plane comparisons cost more loads than they saved:
             * 23 M instead of 15 M instructions on a 0.75-MP photo), then the set bits (the
             * scan was a sixth of the pores' work flag by flag, a third as bytes: 64 at a time
             * now) */
            const int n = xe - xc + 1 < CHUNK ? xe - xc + 1 : CHUNK;
            const size_t o = (size_t)y * w + (size_t)xc;
            uint64_t mk[CHUNK / 64];
            j->k->tex_peak_mask(mk, R + o, lo + o, hi + o, thr, n);
            for (int wi = 0; wi < (n + 63) / 64; wi++)
                for (uint64_t e = mk[wi]; e; e &= e - 1) {
                    find_at(t, l, k, lo, R, hi, w, xc + 64 * wi + tex_ctz64(e), y);
                    if (t->oom)
                        return;
                }
        }
}

/* tex_pyr_fn: the response σ²∇² of plane p, then the maxima of plane p − 1 when it is one of
 * the level's evaluated scales (all but the first and last plane). */
static void pore_plane(void *user, int l, int p, const float *G, int w, int h)
{
    pore_tile *t = user;
    const tex_pyr *py = &t->j->py;
    if (t->oom)
        return;
    if (p == py->first[l])
        memset(t->claimed, 0, (size_t)w * (size_t)h);
    const double s = py->sigma[p] / (1 << l);
    const float s2 = (float)(s * s);
    float *R = t->R[p % 3];
    /* only where find_maxima reads: the core's level pixels and one around (the border rows
     * and columns 0 there) */
    const int M = t->tl.margin, f = 1 << l;
    const int ya = M / f - 1 > 1 ? M / f - 1 : 1,
              yb = (M + t->tl.ch - 1) / f + 1 < h - 2 ? (M + t->tl.ch - 1) / f + 1 : h - 2;
    const int xa = M / f - 1 > 1 ? M / f - 1 : 1,
              xb = (M + t->tl.cw - 1) / f + 1 < w - 2 ? (M + t->tl.cw - 1) / f + 1 : w - 2;
    memset(R, 0, sizeof(float) * (size_t)w);
    for (int y = ya; y <= yb; y++) {
        float *o = R + (size_t)y * w;
        o[0] = o[w - 1] = 0;
        if (xb >= xa)
            t->j->k->tex_laplace_row(o + xa, G + (size_t)y * w + xa, (size_t)w, s2, xb - xa + 1);
    }
    if (h > 1)
        memset(R + (size_t)(h - 1) * w, 0, sizeof(float) * (size_t)w);
    if (p >= py->first[l] + 2)
        find_maxima(t, l, p - 1, t->R[(p - 2) % 3], t->R[(p - 1) % 3], R, w, h);
}

void tex_pores_tile(tex_pores_job *j, int task, int thread, const float *u, size_t stride, float *pyr)
{
    const size_t pyr_n = tex_pyr_scratch(CORE + 2 * j->margin, CORE + 2 * j->margin);
    float *resp = j->scratch + (size_t)thread * j->per_thread;
    if (j->own_tile) {
        pyr = resp + j->tile_px;
        resp = pyr + pyr_n;
    }
    pore_tile t;
    memset(&t, 0, sizeof t);
    t.j = j;
    t.tl = tex_tile_geom(j->im, task, j->nx, CORE, j->margin);
    for (int r = 0; r < 3; r++)
        t.R[r] = resp + (size_t)r * j->tile_px;
    t.claimed = (uint8_t *)(resp + 3 * j->tile_px);
    tex_pyr_run(&j->py, u, stride, t.tl.tw, t.tl.th, pyr, pore_plane, &t);
    if (t.oom) {
        j->failed = 1;
        skinq_free_raw(j->alloc, t.list);
        return;
    }
    j->found[task] = t.list;
    j->nfound[task] = t.n;
}

static void pore_tile_run(void *user, int task, int thread)
{
    pore_job *j = user;
    float *buf = j->scratch + (size_t)thread * j->per_thread;
    const tex_tile tl = tex_tile_load(j->im, task, j->nx, CORE, j->margin, buf);
    tex_pores_tile(j, task, thread, buf, (size_t)tl.tw, NULL);
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

skinq_status tex_pores_begin(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int own_tile,
                             tex_pores_job **out)
{
    *out = NULL;
    pore_job *jp = skinq_calloc(ctx, 1, sizeof *jp);
    if (!jp)
        return SKINQ_E_NOMEM;
    pore_job *const j = jp;
    j->im = im;
    j->alloc = &ctx->alloc;
    j->own_tile = own_tile;
    j->k = skinq_texture_dsp(skinq_ctx_isa(ctx));
    j->rho = pow(2.0, 1.0 / 3);
    double dlo = c->pore_d[0] > 2 ? c->pore_d[0] : 2, dhi = c->pore_d[1] > dlo ? c->pore_d[1] : dlo;
    double slo = dlo / (2 * sqrt(2.0)), shi = dhi / (2 * sqrt(2.0));
    int inner = (int)floor(log(shi / slo) / log(j->rho) + 1e-9) + 1;
    if (inner > MAX_SCALES - 2)
        inner = MAX_SCALES - 2;
    const int ns = inner + 2; /* one scale beyond each end, so the ends can be maxima */
    double sigma[MAX_SCALES];
    for (int k = 0; k < ns; k++)
        sigma[k] = slo * pow(j->rho, k - 1);
    tex_pyr_plan(&j->py, skinq_texture_dsp(skinq_ctx_isa(ctx)), sigma, ns, 1, LEVEL_SIGMA);
    j->dmax = 2 * sqrt(2.0) * sigma[ns - 1];
    j->thr = c->pore_thr * 2 / exp(1.0);
    j->margin = tex_pyr_margin(&j->py);
    j->nx = (im->w + CORE - 1) / CORE;
    int ny = (im->h + CORE - 1) / CORE, threads = skinq_ctx_threads(ctx);
    j->tasks = j->nx * ny;
    const int T = CORE + 2 * j->margin;
    j->tile_px = (size_t)T * (size_t)T;
    j->per_thread = 3 * j->tile_px + (own_tile ? j->tile_px + tex_pyr_scratch(T, T) : 0) +
                    (j->tile_px + sizeof(float) - 1) / sizeof(float);
    j->scratch = skinq_malloc(ctx, sizeof(float) * j->per_thread * (size_t)threads);
    j->found = skinq_calloc(ctx, (size_t)j->tasks, sizeof *j->found);
    j->nfound = skinq_calloc(ctx, (size_t)j->tasks, sizeof *j->nfound);
    if (!j->scratch || !j->found || !j->nfound) {
        skinq_free(ctx, j->scratch);
        skinq_free(ctx, j->found);
        skinq_free(ctx, j->nfound);
        skinq_free(ctx, jp);
        return SKINQ_E_NOMEM;
    }
    *out = j;
    return SKINQ_OK;
}

int tex_pores_margin(const tex_pores_job *j)
{
    return j->margin;
}

skinq_status tex_pores_end(skinq_ctx *ctx, tex_pores_job *j, tex_pores_out *r)
{
    memset(r, 0, sizeof *r);
    const tex_img *im = j->im;
    const int tasks = j->tasks;
    skinq_status st = SKINQ_OK;
    size_t total = 0;
    for (int t = 0; t < tasks; t++)
        total += j->nfound[t];
    if (j->failed)
        st = skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for the pore list");
    if (st == SKINQ_OK && total) {
        r->items = skinq_malloc(ctx, total * sizeof *r->items);
        if (!r->items)
            st = SKINQ_E_NOMEM;
    }
    for (int t = 0; t < tasks; t++) { /* merge in tile order */
        if (st == SKINQ_OK && j->nfound[t])
            memcpy(r->items + r->count, j->found[t], j->nfound[t] * sizeof *r->items);
        if (st == SKINQ_OK)
            r->count += j->nfound[t];
        skinq_free(ctx, j->found[t]);
    }
    const double dmax = j->dmax;
    skinq_free(ctx, j->scratch);
    skinq_free(ctx, j->found);
    skinq_free(ctx, j->nfound);
    skinq_free(ctx, j);
    if (st == SKINQ_OK)
        st = suppress(ctx, im, r, dmax);
    return st;
}

skinq_status tex_pores(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, tex_pores_out *r)
{
    memset(r, 0, sizeof *r);
    tex_pores_job *j;
    skinq_status st = tex_pores_begin(ctx, im, c, 1, &j);
    if (st != SKINQ_OK)
        return st;
    skinq_parallel_for(ctx, j->tasks, pore_tile_run, j);
    return tex_pores_end(ctx, j, r);
}
