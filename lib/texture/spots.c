/* spots.c -- pigmented spots (melanin-index outliers above a smoothed local baseline, as
 * connected components) and tone evenness (std of L* block means).
 *
 * Baseline: normalised convolution, blur(mel·roi) / blur(roi), so the outside of the ROI does
 * not pull it; the blur is three box passes per axis, which approximate a Gaussian of the given
 * sigma to a few per cent (Wells, IEEE PAMI 1986), run on block sums over D×D blocks (sigma/8)
 * and interpolated back (tex_base_make). A pixel is a spot pixel when its residual
 * exceeds the residual median by max(spot_min_delta, spot_k × 1.4826 × MAD); spots are the
 * 8-connected components of at least spot_min_area. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

typedef struct box_job {
    const struct skinq_texture_dsp *dsp;
    float *p, *tmp; /* tmp: per thread tex_box_tmp(w, h) floats */
    int w, h, r;
} box_job;

static void box_rows(void *user, int task, int thread)
{
    const box_job *j = user;
    j->dsp->tex_spots_box_rows(j->p, j->tmp + (size_t)thread * tex_box_tmp(j->w, j->h), j->w, j->h, j->r,
                               task);
}

static void box_cols(void *user, int task, int thread)
{
    const box_job *j = user;
    j->dsp->tex_spots_box_cols(j->p, j->tmp + (size_t)thread * tex_box_tmp(j->w, j->h), j->w, j->h, j->r,
                               task);
}

/* In-place approximate Gaussian of sigma: three box passes per axis (tmp: threads × tex_box_tmp). */
static void blur3(skinq_ctx *ctx, float *p, float *tmp, int w, int h, double sigma)
{
    int wi = (int)floor(sqrt(12.0 * sigma * sigma / 3 + 1));
    if (wi % 2 == 0)
        wi--;
    box_job j = {skinq_texture_dsp(skinq_ctx_isa(ctx)), p, tmp, w, h, wi > 1 ? (wi - 1) / 2 : 0};
    if (j.r == 0)
        return;
    for (int pass = 0; pass < 3; pass++) {
        skinq_parallel_for(ctx, (h + TEX_BOX_ROWS - 1) / TEX_BOX_ROWS, box_rows, &j);
        skinq_parallel_for(ctx, (w + TEX_BOX_COLS - 1) / TEX_BOX_COLS, box_cols, &j);
    }
}

typedef struct sums_job {
    const struct skinq_texture_dsp *dsp;
    const tex_img *im;
    tex_base_grid *g;
    float *rows; /* per thread: 2 rows (column sums of mel and of counts) */
} sums_job;

static void block_sums(void *user, int Y, int thread)
{
    const sums_job *j = user;
    j->dsp->tex_spots_block_sums(j->im, j->g, j->rows + (size_t)thread * 2 * (size_t)j->im->w, Y);
}

/* The baseline on a grid D times coarser (tex_base_grid): block sums of mel·roi and roi, blurred
 * there, and bilinear in between. A baseline of sigma 2 mm (40 px at 20 px/mm) has nothing finer
 * than the block, so this changes it by a fraction of a per cent and saves the three full-size
 * planes and 18 full-size box passes the blur would take at full resolution. */
skinq_status tex_base_make(skinq_ctx *ctx, const tex_img *im, double sigma, tex_base_grid *g)
{
    memset(g, 0, sizeof *g);
    g->D = sigma >= 16 ? (int)(sigma / 8) : 1; /* >= 8 coarse px of sigma: the box passes stay close */
    g->gw = (im->w + g->D - 1) / g->D;
    g->gh = (im->h + g->D - 1) / g->D;
    const size_t gn = (size_t)g->gw * (size_t)g->gh;
    g->num = skinq_malloc(ctx, gn * sizeof *g->num); /* block_sums writes every cell */
    g->den = skinq_malloc(ctx, gn * sizeof *g->den);
    float *tmp = skinq_malloc(ctx, tex_box_tmp(g->gw, g->gh) * (size_t)skinq_ctx_threads(ctx) * sizeof *tmp);
    float *rows = skinq_malloc(ctx, 2 * (size_t)im->w * (size_t)skinq_ctx_threads(ctx) * sizeof *rows);
    g->xa = skinq_malloc(ctx, (size_t)im->w * sizeof *g->xa);
    g->xb = skinq_malloc(ctx, (size_t)im->w * sizeof *g->xb);
    g->tx = skinq_malloc(ctx, (size_t)im->w * sizeof *g->tx);
    g->ra = skinq_malloc(ctx, (size_t)im->w * sizeof *g->ra);
    g->rb = skinq_malloc(ctx, (size_t)im->w * sizeof *g->rb);
    const int all = g->num && g->den && tmp && rows && g->xa && g->xb && g->tx && g->ra && g->rb;
    skinq_status st = all ? SKINQ_OK : SKINQ_E_NOMEM;
    for (int x = 0; st == SKINQ_OK && x < im->w; x++) {
        double fx = (x + 0.5) / g->D - 0.5; /* grid cell centres sit at D·(X + 1/2) − 1/2 */
        int X0 = (int)floor(fx);
        g->tx[x] = (float)(fx - X0);
        g->xa[x] = X0 < 0 ? 0 : X0;
        g->xb[x] = X0 + 1 >= g->gw ? g->gw - 1 : X0 + 1;
        /* fx grows by 1/D <= 1 a column, so xa and xb by at most 7 over a group of 8 */
        g->ra[x] = g->xa[x] - g->xa[x & ~7];
        g->rb[x] = g->xb[x] - g->xb[x & ~7];
    }
    if (st == SKINQ_OK) {
        sums_job sj = {skinq_texture_dsp(skinq_ctx_isa(ctx)), im, g, rows};
        skinq_parallel_for(ctx, g->gh, block_sums, &sj);
    }
    /* the block (a box of D) and the bilinear step (a tent of D) add D²/12 + D²/6 of variance */
    double sc2 = sigma * sigma / ((double)g->D * g->D) - (g->D > 1 ? 0.25 : 0);
    if (st == SKINQ_OK) {
        blur3(ctx, g->num, tmp, g->gw, g->gh, sqrt(sc2 > 0 ? sc2 : 0));
        blur3(ctx, g->den, tmp, g->gw, g->gh, sqrt(sc2 > 0 ? sc2 : 0));
    }
    skinq_free(ctx, tmp);
    skinq_free(ctx, rows);
    return st;
}

void tex_base_free(skinq_ctx *ctx, tex_base_grid *g)
{
    skinq_free(ctx, g->num);
    skinq_free(ctx, g->den);
    skinq_free(ctx, g->xa);
    skinq_free(ctx, g->xb);
    skinq_free(ctx, g->tx);
    skinq_free(ctx, g->ra);
    skinq_free(ctx, g->rb);
}

typedef struct sample_job {
    const tex_img *im;
    const tex_base_grid *g;
    tex_spots_residual_row_fn residual_row; /* the ctx's kernel */
    int step;
    size_t cols;
    float *sample;  /* rows × cols */
    float *scratch; /* per thread: w + 2·(gw + 8) floats */
    size_t per_thread;
} sample_job;

static void sample_row(void *user, int r, int thread)
{
    sample_job *j = user;
    float *res = j->scratch + (size_t)thread * j->per_thread, *nr = res + j->im->w, *dr = nr + j->g->gw + 8;
    j->residual_row(j->im, j->g, r * j->step, j->step, res, nr, dr);
    memcpy(j->sample + (size_t)r * j->cols, res, sizeof *res * j->cols);
}

typedef struct bin_job {
    const tex_img *im;
    const tex_base_grid *g;
    tex_spots_residual_row_fn residual_row; /* the ctx's kernel */
    float thr;
    uint64_t *bin; /* h rows of ww words: bit x % 64 of word x / 64 is pixel x's flag */
    size_t ww;
    uint8_t *flags; /* per thread: 64·ww bytes, a row's flags before packing */
    float *scratch; /* per thread: w + 2·(gw + 8) floats */
    size_t per_thread;
} bin_job;

/* Row y's spot flags, packed 64 to a word (a bit plane, an eighth of a byte plane, stays in
 * cache for the components and takes fewer fresh pages): the flags as bytes 0/1 first (vectorised), then
 * eight bytes to a byte of bits by one multiply (bit i of the result is byte i's). */
static void bin_rows(void *user, int y, int thread)
{
    bin_job *j = user;
    float *res = j->scratch + (size_t)thread * j->per_thread, *nr = res + j->im->w, *dr = nr + j->g->gw + 8;
    j->residual_row(j->im, j->g, y, 1, res, nr, dr);
    const int w = j->im->w;
    const float thr = j->thr;
    uint8_t *f = j->flags + (size_t)thread * 64 * j->ww;
    for (int x = 0; x < w; x++)
        f[x] = res[x] > thr; /* NaN → 0 */
    memset(f + w, 0, 64 * j->ww - (size_t)w);
    uint64_t *b = j->bin + (size_t)y * j->ww;
    for (size_t i = 0; i < j->ww; i++) {
        uint64_t word = 0;
        for (int k = 0; k < 8; k++) {
            uint64_t eight;
            memcpy(&eight, f + 64 * i + 8 * (size_t)k, 8);
            word |= ((eight * 0x0102040810204080ull) >> 56) << (8 * k);
        }
        b[i] = word;
    }
}

/* A float's bits as an unsigned key in the same order (non-NaN; −0 sorts just below +0, which
 * compare equal, so an order statistic by key is one by value). */
static inline uint32_t float_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}

enum { RADIX_BITS = 12, RADIX = 1 << RADIX_BITS };

/* skinq_quantile_inplace(v, n, 0.5), the same value, by radix selection (v reordered, still a
 * permutation: the MAD reads it after): the ranks wanted (k, and k + 1 when the median falls
 * between two samples) are narrowed to the 12-bit digit buckets that hold them, the top digit
 * then the next (while both ranks share a bucket), the rest of v moved behind; Hoare's selection
 * finishes on the few left. Two counting passes and two compacting ones, branch-free, instead
 * of quickselect's unpredictable partitions over the million samples. Exported for the tests. */
double tex_median_inplace(float *v, size_t n)
{
    if (n >= UINT32_MAX)
        return skinq_quantile_inplace(v, n, 0.5);
    const double pos = 0.5 * (double)(n - 1);
    size_t k = (size_t)pos, m = n;
    const double f = pos - (double)k;
    const int two = f > 0 && k + 1 < n; /* also the next order statistic */
    size_t k2 = k + (size_t)two;
    uint32_t hist[RADIX];
    for (int shift = 32 - RADIX_BITS; shift >= 0 && m > RADIX; shift -= RADIX_BITS) {
        memset(hist, 0, sizeof hist);
        for (size_t i = 0; i < m; i++)
            hist[(float_key(v[i]) >> shift) & (RADIX - 1)]++;
        size_t below = 0, below2;
        uint32_t b = 0, b2;
        while (below + hist[b] <= k)
            below += hist[b++];
        for (b2 = b, below2 = below; below2 + hist[b2] <= k2;)
            below2 += hist[b2++];
        size_t o = 0; /* the buckets b .. b2 (those between are empty) to the front, branch-free
                       * swaps: v stays a permutation of the samples */
        for (size_t i = 0; i < m; i++) {
            const float x = v[i], y = v[o];
            v[o] = x;
            v[i] = y;
            o += ((float_key(x) >> shift) & (RADIX - 1)) - b <= b2 - b;
        }
        m = o;
        k -= below;
        k2 -= below;
        if (b2 != b)
            break; /* the next digit orders only keys that share this one */
    }
    double r = skinq_select_kth(v, m, k);
    if (two) { /* the least of what lies above v[k], as skinq_quantile_inplace */
        float nb = v[k + 1];
        for (size_t i = k + 2; i < m; i++)
            nb = v[i] < nb ? v[i] : nb;
        r += f * (nb - r);
    }
    return r;
}

/* For the tests: blur3 of the w×h plane p in place. */
skinq_status tex_spots_blur3(skinq_ctx *ctx, float *p, int w, int h, double sigma)
{
    float *tmp = skinq_malloc(ctx, tex_box_tmp(w, h) * (size_t)skinq_ctx_threads(ctx) * sizeof *tmp);
    if (!tmp)
        return SKINQ_E_NOMEM;
    blur3(ctx, p, tmp, w, h, sigma);
    skinq_free(ctx, tmp);
    return SKINQ_OK;
}

/* The robust spread from the residuals on a grid of about a million ROI pixels (every step-th
 * row and column): the grid's rows in parallel into their own slots (NaN where there is no
 * sample), then compacted in order. Returns the number of samples. */
static size_t spots_samples(skinq_ctx *ctx, sample_job *sj, size_t srows)
{
    skinq_parallel_for(ctx, (int)srows, sample_row, sj);
    float *sample = sj->sample;
    size_t ns = 0;
    for (size_t i = 0; i < srows * sj->cols; i++) { /* branch-free compaction of the non-NaN */
        const float x = sample[i];
        sample[ns] = x;
        ns += x == x;
    }
    return ns;
}

/* The spot threshold: median + max(k·1.4826·MAD, min_delta) of the ns samples (reordered and
 * overwritten: they are this function's caller's own, and their order does not matter). */
static double spots_threshold(const tex_cfg *c, float *sample, size_t ns)
{
    double med = tex_median_inplace(sample, ns);
    for (size_t i = 0; i < ns; i++)
        sample[i] = fabsf(sample[i] - (float)med);
    double mad = tex_median_inplace(sample, ns);
    double thr = c->spot_k * 1.4826 * mad;
    return med + (thr > c->spot_min_delta ? thr : c->spot_min_delta);
}

/* The first x >= from in [from, w) whose flag is `set` (1 or 0), else w. */
static size_t next_flag(const uint64_t *row, size_t from, size_t w, int set)
{
    size_t i = from / 64;
    uint64_t word = (set ? row[i] : ~row[i]) & (~0ull << (from % 64));
    const size_t ww = (w + 63) / 64;
    while (!word) {
        if (++i >= ww)
            return w;
        word = set ? row[i] : ~row[i];
    }
    const size_t x = 64 * i + (size_t)tex_ctz64(word);
    return x < w ? x : w;
}

typedef struct cc_rows {
    uint32_t *x0, *x1, *lab; /* the runs of two rows: [0, np) the previous, [np, np + nc) the current */
    uint32_t *parent;        /* union-find over the previous row's components and the current runs */
    uint64_t *area, *carea;  /* per label: pixels; carea: the current row's components after relabelling */
    int32_t *map;            /* root → the current row's compact label */
    size_t cap;
} cc_rows;

static uint32_t cc_find(uint32_t *parent, uint32_t a)
{
    while (parent[a] != a)
        a = parent[a] = parent[parent[a]]; /* path halving */
    return a;
}

static skinq_status cc_reserve(skinq_ctx *ctx, cc_rows *c, size_t n)
{
    if (n <= c->cap)
        return SKINQ_OK;
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < n)
        cap *= 2;
    void *p[7] = {c->x0, c->x1, c->lab, c->parent, c->area, c->carea, c->map};
    static const size_t sz[7] = {4, 4, 4, 4, 8, 8, 4};
    for (int k = 0; k < 7; k++) {
        void *q = skinq_realloc(ctx, p[k], c->cap * sz[k], cap * sz[k]);
        if (!q)
            return SKINQ_E_NOMEM;
        p[k] = q;
        c->x0 = p[0], c->x1 = p[1], c->lab = p[2], c->parent = p[3], c->area = p[4], c->carea = p[5],
        c->map = p[6];
    }
    c->cap = cap;
    return SKINQ_OK;
}

/* The 8-connected regions of the h rows of flags in bin (ww words a row; bits at x >= w clear):
 * those of at least min_area pixels are counted into *spots and *area. Runs of flags, not
 * pixels: each row's runs are joined (union-find) to the previous row's components they touch
 * (8-connected: [a, b) touches [c, d) when c <= b and d >= a); a component that no run of the
 * row continues is complete and counted; the rest are relabelled 0.. for the next row. Memory
 * is two rows' runs, whatever the regions' sizes; the sums are those of a flood fill. */
skinq_status tex_spots_regions(skinq_ctx *ctx, const uint64_t *bin, int w, int h, size_t ww, double min_area,
                               uint64_t *spots, uint64_t *area)
{
    cc_rows c = {0};
    size_t np = 0; /* the previous row's runs, labelled 0..nl-1 (compact, carea) */
    uint32_t nl = 0;
    skinq_status st = SKINQ_OK;
    for (int y = 0; y <= h && st == SKINQ_OK; y++) {
        /* the current row's runs after the previous ones (none past the last row: all complete) */
        const uint64_t *row = bin + (size_t)(y < h ? y : 0) * ww;
        size_t nc = 0;
        for (size_t x = y < h ? next_flag(row, 0, (size_t)w, 1) : (size_t)w; x < (size_t)w;) {
            const size_t e = next_flag(row, x, (size_t)w, 0);
            if ((st = cc_reserve(ctx, &c, np + nc + 1)) != SKINQ_OK)
                break;
            c.x0[np + nc] = (uint32_t)x;
            c.x1[np + nc] = (uint32_t)e;
            nc++;
            x = e < (size_t)w ? next_flag(row, e, (size_t)w, 1) : (size_t)w;
        }
        if (st != SKINQ_OK || (st = cc_reserve(ctx, &c, np + nc + 1)) != SKINQ_OK)
            break;
        /* labels 0..nl-1: the previous components; nl + i: current run i */
        for (uint32_t l = 0; l < nl; l++)
            c.parent[l] = l, c.area[l] = c.carea[l];
        for (size_t i = 0; i < nc; i++)
            c.parent[nl + i] = (uint32_t)(nl + i), c.area[nl + i] = c.x1[np + i] - c.x0[np + i];
        for (size_t i = 0, j = 0; i < nc; i++) {
            const uint32_t a = c.x0[np + i], b = c.x1[np + i];
            while (j < np && c.x1[j] < a)
                j++; /* ends left of this run and of every later one */
            for (size_t k = j; k < np && c.x0[k] <= b; k++) {
                const uint32_t r1 = cc_find(c.parent, c.lab[k]), r2 = cc_find(c.parent, (uint32_t)(nl + i));
                if (r1 != r2) { /* the lower label is the root: previous components stay roots */
                    const uint32_t lo = r1 < r2 ? r1 : r2, hi = r1 ^ r2 ^ lo;
                    c.parent[hi] = lo;
                    c.area[lo] += c.area[hi];
                }
            }
        }
        /* relabel the current runs' components 0..; then every previous root not reached is complete */
        for (size_t l = 0; l < nl + nc; l++)
            c.map[l] = -1;
        uint32_t nn = 0;
        for (size_t i = 0; i < nc; i++) {
            const uint32_t r = cc_find(c.parent, (uint32_t)(nl + i));
            if (c.map[r] < 0) {
                c.map[r] = (int32_t)nn;
                c.carea[nn++] = c.area[r];
            }
            c.lab[i] = (uint32_t)c.map[r];
        }
        for (uint32_t l = 0; l < nl; l++)
            if (c.parent[l] == l && c.map[l] < 0 && (double)c.area[l] >= min_area) {
                (*spots)++;
                *area += c.area[l];
            }
        memmove(c.x0, c.x0 + np, nc * sizeof *c.x0);
        memmove(c.x1, c.x1 + np, nc * sizeof *c.x1);
        np = nc;
        nl = nn;
    }
    skinq_free(ctx, c.x0);
    skinq_free(ctx, c.x1);
    skinq_free(ctx, c.lab);
    skinq_free(ctx, c.parent);
    skinq_free(ctx, c.area);
    skinq_free(ctx, c.carea);
    skinq_free(ctx, c.map);
    return st;
}

skinq_status tex_spots(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, double *count,
                       double *area_fraction)
{
    const size_t w = (size_t)im->w, h = (size_t)im->h;
    tex_base_grid g;
    uint8_t *flags = NULL;
    float *sample = NULL, *scratch = NULL;
    skinq_status st = tex_base_make(ctx, im, c->spot_sigma, &g);
    const tex_spots_residual_row_fn residual_row =
        skinq_texture_dsp(skinq_ctx_isa(ctx))->tex_spots_residual_row;
    const int threads = skinq_ctx_threads(ctx);
    const size_t per_thread = w + 2 * ((size_t)g.gw + 8);
    if (st == SKINQ_OK && !(scratch = skinq_malloc(ctx, per_thread * (size_t)threads * sizeof *scratch)))
        st = SKINQ_E_NOMEM;
    const int step = im->inside > 1000000 ? (int)ceil(sqrt((double)im->inside / 1e6)) : 1;
    const size_t srows = (h + (size_t)step - 1) / (size_t)step, scols = (w + (size_t)step - 1) / (size_t)step;
    /* the spot flags, 64 pixels a word, later take the samples' place (fewer fresh pages) */
    const size_t ww = (w + 63) / 64, sbytes = srows * scols * sizeof *sample,
                 bbytes = h * ww * sizeof(uint64_t);
    if (st == SKINQ_OK && !(sample = skinq_malloc(ctx, sbytes > bbytes ? sbytes : bbytes)))
        st = SKINQ_E_NOMEM;
    size_t ns = 0;
    if (st == SKINQ_OK) {
        sample_job sj = {im, &g, residual_row, step, scols, sample, scratch, per_thread};
        ns = spots_samples(ctx, &sj, srows);
        *count = 0;
        *area_fraction = 0;
    }
    if (st == SKINQ_OK && ns > 0) {
        double thr = spots_threshold(c, sample, ns);
        uint64_t *bin = (uint64_t *)(void *)sample; /* the samples are done with */
        flags = skinq_malloc(ctx, (size_t)threads * 64 * ww);
        st = flags ? SKINQ_OK : SKINQ_E_NOMEM;
        if (st == SKINQ_OK) {
            bin_job bj = {im, &g, residual_row, (float)thr, bin, ww, flags, scratch, per_thread};
            skinq_parallel_for(ctx, im->h, bin_rows, &bj);
            uint64_t spots = 0, area = 0;
            st = tex_spots_regions(ctx, bin, im->w, im->h, ww, c->spot_min_area, &spots, &area);
            if (st == SKINQ_OK) {
                *count = (double)spots;
                *area_fraction = im->inside ? (double)area / (double)im->inside : 0;
            }
        }
    }
    tex_base_free(ctx, &g);
    skinq_free(ctx, scratch);
    skinq_free(ctx, flags);
    skinq_free(ctx, sample); /* and bin */
    return st;
}

typedef struct tone_job {
    const tex_img *im;
    int B, nbx;
    double *means; /* nby × nbx block means, NaN: not a block of the ROI */
} tone_job;

/* The block means of block row by (a task each: independent outputs). A 16-bit plane's codes
 * are summed as integers (exact, vectorised), a float plane's values in double. */
static void tone_row(void *user, int by, int thread)
{
    (void)thread;
    tone_job *j = user;
    const tex_img *im = j->im;
    const int B = j->B, nbx = j->nbx;
    double *sum = j->means + (size_t)by * (size_t)nbx;
    int cnt[nbx > 0 ? nbx : 1];
    uint64_t isum[im->L16 && nbx > 0 ? nbx : 1];
    memset(sum, 0, sizeof *sum * (size_t)nbx);
    memset(cnt, 0, sizeof cnt);
    memset(isum, 0, sizeof isum);
    for (int y = by * B; y < (by + 1) * B; y++) { /* row by row along memory */
        const uint8_t *m = im->roi ? im->roi + (size_t)y * im->roi_stride : NULL;
        if (im->L16) {
            const uint16_t *r = im->L16 + (size_t)y * im->stride;
            for (int bx = 0, x = 0; bx < nbx; bx++) {
                uint32_t s = 0, k = 0;
                for (const int end = x + B; x < end; x++) {
                    const uint32_t in = !m || m[x];
                    s += in ? r[x] : 0;
                    k += in;
                }
                isum[bx] += s;
                cnt[bx] += (int)k;
            }
            continue;
        }
        const float *r = im->L + (size_t)y * im->stride;
        for (int bx = 0, x = 0; bx < nbx; bx++) {
            double s = 0;
            int k = 0;
            for (const int end = x + B; x < end; x++)
                if ((!m || m[x]) && isfinite(r[x])) {
                    s += r[x];
                    k++;
                }
            sum[bx] += s;
            cnt[bx] += k;
        }
    }
    for (int bx = 0; bx < nbx; bx++) { /* less than half inside: not a block of the ROI */
        const double s = im->L16 ? (double)isum[bx] / SKINQ_L16_SCALE : sum[bx];
        sum[bx] = 2 * cnt[bx] < B * B ? NAN : s / cnt[bx];
    }
}

double tex_tone_evenness(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c)
{
    const int B = c->tone_block, nbx = im->w / B, nby = im->h / B;
    if (nbx < 1 || nby < 1)
        return NAN;
    tone_job j = {im, B, nbx, skinq_malloc(ctx, sizeof(double) * (size_t)nbx * (size_t)nby)};
    double mean = 0, m2 = 0; /* Welford, in block order: block means are ~60 with a spread of ~1 */
    uint64_t nb = 0;
    if (j.means) {
        skinq_parallel_for(ctx, nby, tone_row, &j);
        for (size_t i = 0; i < (size_t)nbx * (size_t)nby; i++) {
            const double m = j.means[i], d = m - mean;
            if (m != m)
                continue;
            nb++;
            mean += d / (double)nb;
            m2 += d * (m - mean);
        }
    }
    skinq_free(ctx, j.means);
    if (nb < 2)
        return NAN;
    return sqrt(m2 / (double)nb);
}
