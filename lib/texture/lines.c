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
 * calibration above is unchanged.
 *
 * Cost: the Hessian's first test (m1 reaches the threshold and the level's best) runs on every
 * pixel of every plane, eight at a time (the kernel table's tex_line_mask: AVX2 in
 * texture_avx2.c, or texture_scalar.c's loop that vectorises); only its ~2 % candidates get the
 * rest, ~1 % expf, and only winners the normal, in closed form (line_normal). line_tile visits only pixels
 * that some level could make centreline pixels. */
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
/* floats of scratch holding the candidate bits of a row of w pixels (w + 8 bytes) */
#define FLAG_FLOATS(w) (((w) + 8 + 3) / 4)

typedef struct tex_lines_job {
    const tex_img *im;
    tex_pyr py;
    int margin, nx, tasks, own_tile;
    double thr;
    const struct skinq_texture_dsp *k; /* the candidate mask: the ctx's kernel table */
    float *scratch; /* per thread: [tile, pyramid scratch,] a row's candidate bits and terms, per level
                     * best R and geometry, level 0's cen0 */
    size_t tile_px, per_thread;
    double *len, *con; /* per task */
    uint64_t *pix;
    uint8_t *mask;
} line_job;

/* One tile's per-level results: the best response over the level's scales, and where it is
 * above 0 its geometry: the normal (the unit eigenvector of μ1, kept as the cosine and sine of
 * its angle, so line_tile needs no trigonometry) and the ridge centre's offset along it (level
 * px), the three side by side (line_tile reads them at scattered pixels: one cache line). */
typedef struct line_tile {
    const line_job *j;
    float *best[TEX_PYR_LEVELS], *geo[TEX_PYR_LEVELS]; /* geo: nx, ny, offset of sample i at 3i */
    uint8_t *fl;                                       /* a row's candidate bits (line_plane), w + 8 bytes */
    float *term;                                       /* their Hessian terms: LINE_TERMS rows of hs floats */
    size_t hs;
    /* level 0, per sample: 1 where its best is on the centreline by line_tile's test with the
     * winner on level 0 (made with best: line_tile needs no other level-0 candidates where no
     * coarser level reaches the threshold) */
    uint8_t *cen0;
    /* per level, the samples the tile's core reads (each core pixel's nearest, line_tile's
     * loops below): rows y0 .. y1, columns x0 .. x1; best and geo are made only there */
    int y0[TEX_PYR_LEVELS], y1[TEX_PYR_LEVELS], x0[TEX_PYR_LEVELS], x1[TEX_PYR_LEVELS];
} line_tile;

/* The unit eigenvector of μ1 of the Hessian [[xx, xy], [xy, yy]], the line's normal, from
 * p = xx − yy, q = 2xy and d = sqrt(p² + q²): (cos α, sin α) for α = ½·atan2(q, p) in
 * (−π/2, π/2], in closed form (cos 2α = p/d, sin 2α = q/d; the half-angle formula on the
 * larger of cos α, sin α, the other from sin 2α = 2 sin α cos α, so neither cancels). Within
 * 2e-7 of cosf/sinf of the angle, at a fraction of atan2f + sincosf (3 % of the whole driver's
 * instructions); it moved the line density of the test photos by <= 2e-9 relative and changed
 * no centreline pixel. */
static inline void line_normal(float p, float q, float d, float *cs, float *sn)
{
    if (!(d > 0)) { /* a flat Hessian: atan2(0, 0) = 0 */
        *cs = 1, *sn = 0;
    } else if (p >= 0) {
        const float c = sqrtf((d + p) / (2 * d));
        *cs = c, *sn = q / (2 * d * c);
    } else {
        const float s = copysignf(sqrtf((d - p) / (2 * d)), q);
        *cs = q / (2 * d * s), *sn = s;
    }
}

/* line_tile's centreline test of a winner's sub-pixel centre tp (full-res px from the pixel)
 * for the normal (nx, ny): inside the pixel's share of the line */
static inline int line_centred(float tp, float nx, float ny)
{
    const float ax = fabsf(nx), ay = fabsf(ny), share = 0.5f * (ax > ay ? ax : ay);
    return tp > -share && tp <= share;
}

/* A candidate c (plane index i, its terms from the mask kernel): its ridge strength, kept with
 * its normal and centre offset where it beats the level's best (and on level 0, cen: whether
 * the sample is centred). */
static inline void line_try(const float *c, int w, size_t i, const float *term, size_t hs, float s2,
                            float thr, float *best, float *geo, uint8_t *cen)
{
    const float m1 = term[T_M1 * hs], rb = term[T_RB * hs];
    float r = m1 * expf(-rb * rb * 2.0f);
    if (r >= thr && r > best[i]) {
        float cs, sn;
        line_normal(term[T_DF * hs], 2 * term[T_XY * hs], term[T_D * hs], &cs, &sn);
        float gn = 0.5f * ((c[1] - c[-1]) * cs + (c[w] - c[-w]) * sn);
        best[i] = r;
        geo[3 * i] = cs;
        geo[3 * i + 1] = sn;
        geo[3 * i + 2] = -s2 * gn / m1;
        if (cen) /* line_tile's tp on level 0: 1·offset + 0·nx + 0·ny, the offset */
            cen[i] = (uint8_t)line_centred(geo[3 * i + 2], cs, sn);
    }
}

/* Row y of level l's best (and level 0's cen0) cleared over the columns line_tile reads. */
static void line_clear(line_tile *t, int l, int y, int w)
{
    const size_t i = (size_t)y * (size_t)w + (size_t)t->x0[l], n = (size_t)(t->x1[l] - t->x0[l] + 1);
    memset(t->best[l] + i, 0, sizeof(float) * n);
    if (!l)
        memset(t->cen0 + i, 0, n);
}

/* tex_pyr_fn: the Hessian of plane p on its level, kept where it beats the level's best. */
static void line_plane(void *user, int l, int p, const float *G, int w, int h)
{
    line_tile *t = user;
    const double s = t->j->py.sigma[p] / (1 << l);
    const float s2 = (float)(s * s), thr = (float)t->j->thr;
    float *best = t->best[l], *geo = t->geo[l];
    uint8_t *bits = t->fl, *cen = l ? NULL : t->cen0;
    /* the level's first plane clears its best a row at a time, just before the row is
     * written (in cache, not a pass over memory); geo is read only where best > 0 */
    const int first = p == t->j->py.first[l];
    /* rows and columns 0 and h − 1, w − 1 have no Hessian (best 0 there) */
    const int ya = t->y0[l], yb = t->y1[l], xa = t->x0[l] > 1 ? t->x0[l] : 1,
              xb = t->x1[l] < w - 2 ? t->x1[l] : w - 2;
    if (first)
        for (int y = ya; y <= yb && y < h; y++)
            if (y == 0 || y == h - 1)
                line_clear(t, l, y, w);
    for (int y = ya > 1 ? ya : 1; y <= yb && y < h - 1; y++) {
        if (first) /* best's columns x0 .. x1 (xa, xb may be one in from them) */
            line_clear(t, l, y, w);
        if (xb < xa)
            continue;
        /* the whole row's candidates first (~1 % of the pixels); only they get the
         * transcendental work, reached through their bits, 64 pixels a word */
        const int n = xb - xa + 1;
        const size_t r0 = (size_t)y * (size_t)w + (size_t)xa;
        t->j->k->tex_line_mask(G + r0, w, n, s2, thr, first ? NULL : best + r0, bits, t->term, t->hs);
        for (int k0 = 0; k0 < n; k0 += 64) {
            uint64_t e;
            memcpy(&e, bits + (k0 >> 3), 8);
            for (; e; e &= e - 1) {
                const int k = k0 + tex_ctz64(e);
                const size_t i = r0 + (size_t)k;
                line_try(G + i, w, i, t->term + k, t->hs, s2, thr, best, geo, cen);
            }
        }
    }
}

/* A tile's scratch laid out (row flags, Hessian terms, each level's best and geo over the core's
 * window, level 0's centreline bytes) and the pyramid's levels measured into it. */
static void line_tile_levels(tex_lines_job *j, int thread, const float *u, size_t stride, float *pyr,
                             const tex_tile *tl, line_tile *t, int wl[TEX_PYR_LEVELS])
{
    const tex_pyr *py = &j->py;
    float *own = j->scratch + (size_t)thread * j->per_thread;
    if (j->own_tile) {
        pyr = own + j->tile_px;
        own = pyr + tex_pyr_scratch(CORE + 2 * j->margin, CORE + 2 * j->margin);
    }
    const int M = tl->margin, cw = tl->cw, ch = tl->ch, tw = tl->tw, th = tl->th;
    t->j = j;
    t->fl = (uint8_t *)own;
    t->term = own + FLAG_FLOATS(CORE + 2 * M);
    t->hs = (size_t)(CORE + 2 * M);
    float *lv = t->term + LINE_TERMS * t->hs;
    for (int l = 0; l < py->levels; l++) {
        int hl;
        tex_pyr_dims(tw, th, l, &wl[l], &hl);
        const int h2 = (1 << l) >> 1;
        t->y0[l] = (M + h2) >> l;
        t->y1[l] = (M + ch - 1 + h2) >> l;
        t->x0[l] = (M + h2) >> l;
        t->x1[l] = (M + cw - 1 + h2) >> l;
        const size_t n = (size_t)wl[l] * (size_t)hl;
        t->best[l] = lv, t->geo[l] = lv + n;
        lv += 4 * n;
    }
    t->cen0 = (uint8_t *)lv; /* level 0's samples, a byte each */
    tex_pyr_run(py, u, stride, tw, th, pyr, line_plane, t);
}

/* The row scan's state. cand: a row's candidates; lx[l]: the columns of level l's samples at
 * the threshold in its row nearest to the full-res row (lrow[l]), nlx[l] of them, found once
 * per level row (the 2^l full-res rows nearest to it share them). */
typedef struct line_rows {
    uint8_t cand[CORE + 8], lf[CORE + 8];
    uint16_t lx[TEX_PYR_LEVELS][CORE / 2 + 2];
    int lrow[TEX_PYR_LEVELS], nlx[TEX_PYR_LEVELS];
} line_rows;

/* Row y's candidates, the pixels where some level's nearest sample reaches the threshold and
 * would be centred if it won (the winner's test in line_row_measure, so every pixel that counts
 * is among them): on level 0, cen0; on a coarser one, each sample at the threshold tests the
 * 2^l pixels of this row it is nearest to. */
static inline void line_row_candidates(const line_tile *t, int levels, const int *wl, int M, int cw, int y,
                                       float thr, line_rows *r)
{
    memcpy(r->cand, t->cen0 + (size_t)y * (size_t)wl[0] + M, (size_t)cw);
    memset(r->cand + cw, 0, 8);
    for (int l = 1; l < levels; l++) {
        const int f = 1 << l, h2 = f >> 1, X0 = (M + h2) >> l, X1 = (M + cw - 1 + h2) >> l, Y = (y + h2) >> l;
        if (Y != r->lrow[l]) {
            r->lrow[l] = Y;
            const float *row = t->best[l] + (size_t)Y * (size_t)wl[l] + X0;
            const int nl = X1 - X0 + 1;
            for (int q = 0; q < nl; q++)
                r->lf[q] = row[q] >= thr;
            memset(r->lf + nl, 0, 8);
            int m = 0;
            TEX_FOR_FLAGS(r->lf, nl, q, { r->lx[l][m++] = (uint16_t)(X0 + q); })
            r->nlx[l] = m;
        }
        for (int k = 0; k < r->nlx[l]; k++) {
            const int X = r->lx[l][k];
            const float *g = t->geo[l] + 3 * ((size_t)Y * (size_t)wl[l] + (size_t)X);
            /* the pixels x with (x + h2) >> l == X inside the core; tp as in line_row_measure */
            int xa = X * f - h2, xb = xa + f;
            xa = xa < M ? M : xa;
            xb = xb > M + cw ? M + cw : xb;
            for (int x = xa; x < xb; x++) {
                const float tp = (float)f * g[2] + (float)(f * X - x) * g[0] + (float)(f * Y - y) * g[1];
                r->cand[x - M] |= (uint8_t)line_centred(tp, g[0], g[1]);
            }
        }
    }
}

/* A tile's sums: centreline length, contrast and pixels. */
typedef struct line_sums {
    double len, con;
    uint64_t pix;
} line_sums;

/* Row y's candidates that count: the winning scale's sample is at the threshold, inside the
 * image's region and on the centreline. */
static inline void line_row_measure(const line_tile *t, const tex_tile *tl, int levels, const int *wl, int y,
                                    const line_rows *r, line_sums *s)
{
    const tex_lines_job *j = t->j;
    const tex_img *im = j->im;
    const int M = tl->margin, cx0 = tl->cx0, cy0 = tl->cy0;
    const float *brow[TEX_PYR_LEVELS]; /* each level's row nearest to y */
    for (int l = 0; l < levels; l++)
        brow[l] = t->best[l] + (size_t)(l ? r->lrow[l] : y) * (size_t)wl[l];
    TEX_FOR_FLAGS(r->cand, tl->cw, q, {
        const int x = M + q;
        /* The strongest scale wins per full-res pixel: each level's best at its sample
         * nearest the pixel (ties to the finer level, as to the smaller scale within one);
         * best is 0 or >= thr > 0, so level 0 may start. */
        int win = 0, WX = x;
        float v = brow[0][x];
        for (int l = 1; l < levels; l++) {
            const int X = (x + ((1 << l) >> 1)) >> l;
            if (brow[l][X] > v)
                v = brow[l][X], win = l, WX = X;
        }
        if (v < j->thr || !tex_in(im, cx0 + x - M, cy0 + y - M))
            continue;
        const int WY = win ? r->lrow[win] : y;
        const float *g = t->geo[win] + 3 * ((size_t)WY * (size_t)wl[win] + (size_t)WX);
        const float nx = g[0], ny = g[1];
        /* Centreline test (Steger, IEEE PAMI 20(2), 1998): the ridge's sub-pixel centre
         * along the normal, t = -(∂S/∂n)/(∂²S/∂n²) at the winning scale, must fall inside
         * this pixel's share of the line, |t| <= 0.5·max(|n_x|, |n_y|): exactly one pixel
         * per column (or row) of a straight line at any angle. On a coarse level the
         * offset is from the level sample (X, Y) at full-res (2^l X, 2^l Y): in full-res px
         * from this pixel it is 2^l t + ((2^l X, 2^l Y) − (x, y))·n (the ridge is straight
         * over a level pixel). */
        const int f = 1 << win;
        const float tp = (float)f * g[2] + (float)(f * WX - x) * nx + (float)(f * WY - y) * ny;
        if (!line_centred(tp, nx, ny))
            continue;
        /* the tangent ⟂ normal: (|n_y|, |n_x|) */
        const float ax = fabsf(nx), ay = fabsf(ny);
        s->len += 1.0 / (ay > ax ? ay : ax);
        s->con += v / GAUSS_GAIN;
        s->pix++;
        if (j->mask)
            j->mask[(size_t)(cy0 + y - M) * im->w + (size_t)(cx0 + x - M)] = 1;
    })
}

void tex_lines_tile(tex_lines_job *j, int task, int thread, const float *u, size_t stride, float *pyr)
{
    const int levels = j->py.levels;
    const tex_tile tl = tex_tile_geom(j->im, task, j->nx, CORE, j->margin);
    line_tile t;
    int wl[TEX_PYR_LEVELS];
    line_tile_levels(j, thread, u, stride, pyr, &tl, &t, wl);
    line_rows r;
    for (int l = 0; l < levels; l++)
        r.lrow[l] = -1;
    line_sums s = {0, 0, 0};
    const float thr = (float)j->thr;
    for (int y = tl.margin; y < tl.margin + tl.ch; y++) {
        line_row_candidates(&t, levels, wl, tl.margin, tl.cw, y, thr, &r);
        line_row_measure(&t, &tl, levels, wl, y, &r, &s);
    }
    j->len[task] = s.len;
    j->con[task] = s.con;
    j->pix[task] = s.pix;
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
    tex_pyr_plan(&j->py, skinq_texture_dsp(skinq_ctx_isa(ctx)), sigma, ns, 0, LEVEL_SIGMA);
    j->thr = c->line_thr * GAUSS_GAIN;
    j->k = skinq_texture_dsp(skinq_ctx_isa(ctx));
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
    j->per_thread = (own_tile ? j->tile_px + tex_pyr_scratch(T, T) : 0) + FLAG_FLOATS((size_t)T) +
                    LINE_TERMS * (size_t)T + 4 * levels_px + ((size_t)T * (size_t)T + 3) / 4;
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
