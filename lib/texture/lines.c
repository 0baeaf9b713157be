/* lines.c -- fine lines as dark ridges: multi-scale Hessian of the Gaussian-smoothed L* (Frangi,
 * Niessen, Vincken & Viergever, "Multiscale vessel enhancement filtering", MICCAI 1998).
 *
 * On u = 76·ln(L* + 16) (texture_int.h: exposure-invariant, one unit = one L* at L* = 60).
 * Per scale σ: the Hessian eigenvalues μ1 >= μ2 of σ²·∇∇(G_σ * u); a dark line has μ1 > 0 and
 * |μ2| << μ1. Ridge strength R = μ1·exp(−Rb²/2β²), Rb = μ2/μ1, β = 0.5: Frangi's blob-rejection
 * term; his soft structureness term is replaced by a calibrated threshold, because a depth in
 * L* means something here: for a Gaussian profile of depth A, max over σ of σ²μ1 is
 * 2A/(3√3) ≈ 0.385A (at σ = √2 × the profile's sigma), so depth = R/0.385. The strongest scale
 * wins; centreline = pixels holding the ridge's sub-pixel centre across the line (along the
 * eigenvector of μ1; see line_tile) with depth >= line_min_contrast. Length: each centreline
 * pixel counts 1/max(|t_x|, |t_y|) for the tangent t (a digital line at angle θ has one pixel
 * per column, cos θ per unit length). Tile by tile like pores.c (512² cores).
 *
 * Scales come from the pyramid of pyramid.c (σ >= 2.83 px at 20 px/mm on the half grid, 5.66 on
 * the quarter): per level, the best response over its scales on its own grid. The strongest
 * scale still wins per *full-res* pixel: each level offers its best at its sample nearest the
 * pixel; the winner's sub-pixel centre is moved from its sample to the pixel (the ridge is
 * straight over a level pixel), and the centreline test, the length and the mask stay per
 * full-res pixel, so a line counts one pixel a column whichever grid found it and the
 * calibration above is unchanged. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

#define CORE TEX_SS_CORE
#define MAX_SCALES 12
#define GAUSS_GAIN 0.3849 /* 2/(3√3) */
/* A scale moves to a grid decimated by 2 when it is >= √2 px there: at 1 px the Hessian's 3-point
 * stencils read a Gaussian profile ~10 % shallow. At 20 px/mm: σ 1.41 and 2 on the full grid,
 * 2.83 and 4 on the half, 5.66 on the quarter grid. */
#define LEVEL_SIGMA 1.41421356

typedef struct tex_lines_job {
    const tex_img *im;
    tex_pyr py;
    int margin, nx, tasks, own_tile;
    double thr;
    float *scratch; /* per thread: [tile, pyramid scratch,] a row, its flags, per level best R, angle, offset */
    size_t tile_px, per_thread;
    double *len, *con; /* per task */
    uint64_t *pix;
    uint8_t *mask;
} line_job;

/* One tile's per-level results: the best response over the level's scales, its normal's angle
 * and the ridge centre's offset along the normal (level px). */
typedef struct line_tile {
    const line_job *j;
    float *best[TEX_PYR_LEVELS], *ang[TEX_PYR_LEVELS], *off[TEX_PYR_LEVELS], *m1r;
    uint8_t *fl; /* a row's flags, w + 8 bytes */
    /* per level, the samples the tile's core reads (each core pixel's nearest, line_tile's
     * loops below): rows y0 .. y1, columns x0 .. x1; best, ang and off are made only there */
    int y0[TEX_PYR_LEVELS], y1[TEX_PYR_LEVELS], x0[TEX_PYR_LEVELS], x1[TEX_PYR_LEVELS];
} line_tile;

/* tex_pyr_fn: the Hessian of plane p on its level, kept where it beats the level's best. */
TEX_CLONES static void line_plane(void *user, int l, int p, const float *G, int w, int h)
{
    line_tile *t = user;
    const double s = t->j->py.sigma[p] / (1 << l);
    const float s2 = (float)(s * s), thr = (float)t->j->thr;
    float *best = t->best[l], *ang = t->ang[l], *off = t->off[l], *m1r = t->m1r;
    uint8_t *fl = t->fl;
    /* the level's first plane clears its best a row at a time, just before the row is
     * written (in cache, not a pass over memory); ang and off are read only where best > 0 */
    const int first = p == t->j->py.first[l];
    /* rows and columns 0 and h − 1, w − 1 have no Hessian (best 0 there) */
    const int ya = t->y0[l], yb = t->y1[l], xa = t->x0[l] > 1 ? t->x0[l] : 1, xb = t->x1[l] < w - 2 ? t->x1[l] : w - 2;
    if (first)
        for (int y = ya; y <= yb && y < h; y++)
            if (y == 0 || y == h - 1)
                memset(best + (size_t)y * (size_t)w + t->x0[l], 0, sizeof(float) * (size_t)(t->x1[l] - t->x0[l] + 1));
    if (xb >= xa)
        memset(fl + xb + 1, 0, 8);
    for (int y = ya > 1 ? ya : 1; y <= yb && y < h - 1; y++) {
        if (first) /* best's columns x0 .. x1 (xa, xb may be one in from them) */
            memset(best + (size_t)y * (size_t)w + t->x0[l], 0, sizeof(float) * (size_t)(t->x1[l] - t->x0[l] + 1));
        if (xb < xa)
            continue;
        /* first the larger eigenvalue of the whole row (no branch: vectorises), 0 where the
         * pixel is no dark ridge (m1 < |m2|); R <= m1, so only pixels with m1 >= thr can make
         * a centreline and get the transcendental work below (flagged, then visited eight
         * flags at a time) */
        const float *b = G + (size_t)y * w;
        for (int x = xa; x <= xb; x++) {
            float xx = s2 * (b[x - 1] + b[x + 1] - 2 * b[x]), yy = s2 * (b[x - w] + b[x + w] - 2 * b[x]);
            float xy = s2 * 0.25f * (b[x + w + 1] - b[x + w - 1] - b[x - w + 1] + b[x - w - 1]);
            float d = sqrtf((xx - yy) * (xx - yy) + 4 * xy * xy);
            float m1 = 0.5f * (xx + yy + d), m2 = 0.5f * (xx + yy - d);
            m1r[x] = m1 >= fabsf(m2) ? m1 : 0.0f;
        }
        for (int x = xa; x <= xb; x++)
            fl[x] = m1r[x] >= thr;
        TEX_FOR_FLAGS(fl + xa, xb - xa + 1, q, {
            const int x = xa + q;
            const size_t i = (size_t)y * w + (size_t)x;
            const float *c = G + i;
            float xx = s2 * (c[-1] + c[1] - 2 * c[0]), yy = s2 * (c[-w] + c[w] - 2 * c[0]);
            float xy = s2 * 0.25f * (c[w + 1] - c[w - 1] - c[-w + 1] + c[-w - 1]);
            float m1 = m1r[x], m2 = xx + yy - m1;
            float rb = m2 / m1, r = m1 * expf(-rb * rb * 2.0f); /* 1/(2β²) = 2 */
            if (r >= thr && r > best[i]) {
                float a = 0.5f * atan2f(2 * xy, xx - yy); /* eigenvector of m1: the line's normal */
                float gn = 0.5f * ((c[1] - c[-1]) * cosf(a) + (c[w] - c[-w]) * sinf(a));
                best[i] = r;
                ang[i] = a;
                off[i] = -s2 * gn / m1;
            }
        })
    }
}

TEX_CLONES void tex_lines_tile(tex_lines_job *j, int task, int thread, const float *u, size_t stride, float *pyr)
{
    const tex_img *im = j->im;
    const tex_pyr *py = &j->py;
    float *own = j->scratch + (size_t)thread * j->per_thread;
    if (j->own_tile) {
        pyr = own + j->tile_px;
        own = pyr + tex_pyr_scratch(CORE + 2 * j->margin, CORE + 2 * j->margin);
    }
    const tex_tile tl = tex_tile_geom(im, task, j->nx, CORE, j->margin);
    const int M = tl.margin, cx0 = tl.cx0, cy0 = tl.cy0, cw = tl.cw, ch = tl.ch, tw = tl.tw, th = tl.th;
    line_tile t;
    t.j = j;
    t.m1r = own;
    t.fl = (uint8_t *)(t.m1r + CORE + 2 * M);
    float *lv = t.m1r + 2 * (CORE + 2 * M) + 2;
    int wl[TEX_PYR_LEVELS], hl[TEX_PYR_LEVELS];
    for (int l = 0; l < py->levels; l++) {
        tex_pyr_dims(tw, th, l, &wl[l], &hl[l]);
        const int h2 = (1 << l) >> 1;
        t.y0[l] = (M + h2) >> l;
        t.y1[l] = (M + ch - 1 + h2) >> l;
        t.x0[l] = (M + h2) >> l;
        t.x1[l] = (M + cw - 1 + h2) >> l;
        const size_t n = (size_t)wl[l] * (size_t)hl[l];
        t.best[l] = lv, t.ang[l] = lv + n, t.off[l] = lv + 2 * n;
        lv += 3 * n;
    }
    tex_pyr_run(py, u, stride, tw, th, pyr, line_plane, &t);
    double len = 0, con = 0;
    uint64_t pix = 0;
    const float thr = (float)j->thr;
    uint8_t cand[CORE + 8], lf[CORE + 8];
    for (int y = M; y < M + ch; y++) {
        /* candidates first: a pixel can only win if some level's nearest sample reaches the
         * threshold. Level 0 in a loop that vectorises; a coarser level's samples are flagged
         * the same way and each one at the threshold flags the 2^l pixels it is nearest to. */
        const float *row0 = t.best[0] + (size_t)y * (size_t)wl[0] + M;
        for (int q = 0; q < cw; q++)
            cand[q] = row0[q] >= thr;
        memset(cand + cw, 0, 8);
        for (int l = 1; l < py->levels; l++) {
            const int f = 1 << l, h2 = f >> 1, X0 = (M + h2) >> l, X1 = (M + cw - 1 + h2) >> l;
            const float *row = t.best[l] + (size_t)((y + h2) >> l) * (size_t)wl[l] + X0;
            const int nl = X1 - X0 + 1;
            for (int q = 0; q < nl; q++)
                lf[q] = row[q] >= thr;
            memset(lf + nl, 0, 8);
            TEX_FOR_FLAGS(lf, nl, q, {
                /* pixels x with (x + h2) >> l == X0 + q, inside the core */
                int xa = (X0 + q) * f - h2 - M, xb = xa + f;
                xa = xa < 0 ? 0 : xa;
                xb = xb > cw ? cw : xb;
                for (int x = xa; x < xb; x++)
                    cand[x] = 1;
            })
        }
        TEX_FOR_FLAGS(cand, cw, q, {
            const int x = M + q;
            /* The strongest scale wins per full-res pixel: each level's best at its sample
             * nearest the pixel (ties to the finer level, as to the smaller scale within one). */
            int win = -1;
            size_t wi = 0;
            float v = 0;
            for (int l = 0; l < py->levels; l++) {
                const int h2 = (1 << l) >> 1, X = (x + h2) >> l, Y = (y + h2) >> l;
                const size_t i = (size_t)Y * (size_t)wl[l] + (size_t)X;
                if (t.best[l][i] > v)
                    v = t.best[l][i], win = l, wi = i;
            }
            if (win < 0 || v < j->thr || !tex_in(im, cx0 + x - M, cy0 + y - M))
                continue;
            const float a = t.ang[win][wi], nx = cosf(a), ny = sinf(a);
            /* Centreline test (Steger, IEEE PAMI 20(2), 1998): the ridge's sub-pixel centre
             * along the normal, t = -(∂S/∂n)/(∂²S/∂n²) at the winning scale, must fall inside
             * this pixel's share of the line, |t| <= 0.5·max(|n_x|, |n_y|): exactly one pixel
             * per column (or row) of a straight line at any angle. On a coarse level the
             * offset is from the level sample (X, Y) at full-res (2^l X, 2^l Y): in full-res px
             * from this pixel it is 2^l t + ((2^l X, 2^l Y) − (x, y))·n (the ridge is straight
             * over a level pixel). */
            const int f = 1 << win, X = (int)(wi % (size_t)wl[win]), Y = (int)(wi / (size_t)wl[win]);
            const float tp = (float)f * t.off[win][wi] + (float)(f * X - x) * nx + (float)(f * Y - y) * ny;
            const float share = 0.5f * fmaxf(fabsf(nx), fabsf(ny));
            if (!(tp > -share && tp <= share))
                continue;
            float tx = fabsf(ny), ty = fabsf(nx); /* tangent ⟂ normal */
            len += 1.0 / (tx > ty ? tx : ty);
            con += v / GAUSS_GAIN;
            pix++;
            if (j->mask)
                j->mask[(size_t)(cy0 + y - M) * im->w + (size_t)(cx0 + x - M)] = 1;
        })
    }
    j->len[task] = len;
    j->con[task] = con;
    j->pix[task] = pix;
}

static void line_tile_run(void *user, int task, int thread)
{
    line_job *j = user;
    float *buf = j->scratch + (size_t)thread * j->per_thread;
    const tex_tile tl = tex_tile_load(j->im, task, j->nx, CORE, j->margin, buf);
    tex_lines_tile(j, task, thread, buf, (size_t)tl.tw, NULL);
}

skinq_status tex_lines_begin(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask, int own_tile,
                             tex_lines_job **out)
{
    *out = NULL;
    line_job *const j = skinq_calloc(ctx, 1, sizeof *j);
    if (!j)
        return SKINQ_E_NOMEM;
    j->im = im;
    j->own_tile = own_tile;
    double slo = c->line_sigma[0] > 0.7 ? c->line_sigma[0] : 0.7;
    double shi = c->line_sigma[1] > slo ? c->line_sigma[1] : slo;
    /* half-octave steps: the response of a Gaussian profile varies slowly with σ around its peak */
    int ns = (int)floor(2 * log2(shi / slo) + 1e-9) + 1;
    if (ns > MAX_SCALES)
        ns = MAX_SCALES;
    double sigma[MAX_SCALES];
    for (int k = 0; k < ns; k++)
        sigma[k] = slo * pow(2.0, 0.5 * k);
    tex_pyr_plan(&j->py, skinq_ctx_kernels(ctx), sigma, ns, 0, LEVEL_SIGMA);
    j->thr = c->line_thr * GAUSS_GAIN;
    j->margin = tex_pyr_margin(&j->py);
    j->nx = (im->w + CORE - 1) / CORE;
    int ny = (im->h + CORE - 1) / CORE, threads = skinq_ctx_threads(ctx);
    j->tasks = j->nx * ny;
    const int T = CORE + 2 * j->margin;
    j->tile_px = (size_t)T * (size_t)T;
    size_t levels_px = 0;
    for (int l = 0; l < j->py.levels; l++) {
        int wl, hl;
        tex_pyr_dims(T, T, l, &wl, &hl);
        levels_px += (size_t)wl * (size_t)hl;
    }
    j->per_thread = (own_tile ? j->tile_px + tex_pyr_scratch(T, T) : 0) + 2 * (size_t)T + 2 + 3 * levels_px;
    j->scratch = skinq_malloc(ctx, sizeof(float) * j->per_thread * (size_t)threads);
    j->len = skinq_calloc(ctx, (size_t)j->tasks, sizeof *j->len);
    j->con = skinq_calloc(ctx, (size_t)j->tasks, sizeof *j->con);
    j->pix = skinq_calloc(ctx, (size_t)j->tasks, sizeof *j->pix);
    if (want_mask)
        j->mask = skinq_calloc(ctx, (size_t)im->w * (size_t)im->h, 1);
    if (!j->scratch || !j->len || !j->con || !j->pix || (want_mask && !j->mask)) {
        skinq_free(ctx, j->scratch);
        skinq_free(ctx, j->len);
        skinq_free(ctx, j->con);
        skinq_free(ctx, j->pix);
        skinq_free(ctx, j->mask);
        skinq_free(ctx, j);
        return SKINQ_E_NOMEM;
    }
    *out = j;
    return SKINQ_OK;
}

int tex_lines_margin(const tex_lines_job *j)
{
    return j->margin;
}

void tex_lines_end(skinq_ctx *ctx, tex_lines_job *j, tex_lines_out *r)
{
    memset(r, 0, sizeof *r);
    for (int t = 0; t < j->tasks; t++) { /* in tile order */
        r->length_px += j->len[t];
        r->contrast_sum += j->con[t];
        r->pixels += j->pix[t];
    }
    r->mask = j->mask;
    skinq_free(ctx, j->scratch);
    skinq_free(ctx, j->len);
    skinq_free(ctx, j->con);
    skinq_free(ctx, j->pix);
    skinq_free(ctx, j);
}

skinq_status tex_lines(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask, tex_lines_out *r)
{
    memset(r, 0, sizeof *r);
    tex_lines_job *j;
    skinq_status st = tex_lines_begin(ctx, im, c, want_mask, 1, &j);
    if (st != SKINQ_OK)
        return st;
    skinq_parallel_for(ctx, j->tasks, line_tile_run, j);
    tex_lines_end(ctx, j, r);
    return SKINQ_OK;
}
