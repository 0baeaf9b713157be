/* glcm.c -- grey-level co-occurrence matrices (Haralick, Shanmugam & Dinstein, IEEE SMC 1973)
 * with scikit-image's graycomatrix/graycoprops conventions: offsets (round(d·sin θ),
 * round(d·cos θ)) for d = 1, 2, 4 and θ = 0, 45, 90, 135°, symmetric, normalised per matrix;
 * each feature computed per matrix and averaged over the 12. Pairs count only when both pixels
 * are in the ROI. Entropy is −Σ p log2 p (bits, design §2); scikit-image's 'entropy' uses ln,
 * so it reads ln 2 times ours.
 *
 * Speed: each task quantises its band of rows (and the few below that its offsets reach) to
 * bytes in a buffer of its thread, fresh in cache for the counting, with no level plane (the
 * ROI's outside gets the extra level `levels`, whose row and column are dropped at the end, so
 * the counting loop has no branch; a 16-bit plane's codes take the same float arithmetic as its
 * L*, vectorised), then counts the band one offset and one row at a time: the row's pair cells
 * a·(levels+1) + b in a vectorised pass, then the increments, even and odd positions into two
 * matrices of its thread (independent chains); all are merged once at the end. The increments,
 * a load and a store each, are what is left: about one a cycle, ten a pixel.
 *
 * Row sampling (o->glcm_row_step, docs/texture-definitions.md): with step s > 1 only the anchor rows
 * y with (y − the ROI's first row) % s == 0 count their pairs; the partner is read at full
 * resolution, so each offset keeps its meaning and step 1 is the full definition, bit for bit.
 * The rows are still all quantised: the row offsets 0..4 reach every row for any s <= 5. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

const char *const tex_glcm_names[TEX_GLCM_FEATURES] = {"contrast", "dissimilarity", "homogeneity", "asm",
                                                       "energy",   "correlation",   "entropy"};

/* scikit-image: row = round(sin θ · d), col = round(cos θ · d); so at 45° and 135° distance 2
 * is the offset (1, ±1) and distance 4 is (3, ±3). Order: angle-major, as skimage's (d, θ) pairs. */
const int tex_glcm_offsets[12][2] = {
    {0, 1},  {0, 2},  {0, 4},  /* 0° */
    {1, 1},  {1, 1},  {3, 3},  /* 45° */
    {1, 0},  {2, 0},  {4, 0},  /* 90° */
    {1, -1}, {1, -1}, {3, -3}, /* 135° */
};

#define ROWS_PER_TASK 64
#define BAND_ROWS 32 /* rows a counting task counts: they and the max_dr below stay in L2 */
#define COPIES 2     /* matrices per offset and thread: even and odd positions count apart */

typedef struct glcm_job {
    const struct skinq_texture_dsp *k; /* the ctx's kernels: levels and pair cells of a row */
    const tex_img *im;
    int levels, max_dr; /* max_dr: the largest row offset */
    int step, y_first;  /* anchor rows: (y − y_first) % step == 0 */
    float lo, scale;
    uint32_t *mats; /* nthreads × 12 × COPIES × (levels+1)² */
    size_t msize;
    uint8_t *band;   /* nthreads × (BAND_ROWS + max_dr) × w: the levels of a band's rows */
    uint16_t *cells; /* nthreads × w: a row's pair cells */
} glcm_job;

/* Image rows y0..y1-1 quantised into rows 0.. of o (w bytes each). */
static void quantise_rows(const glcm_job *j, uint8_t *o, int y0, int y1)
{
    const tex_img *im = j->im;
    for (int y = y0; y < y1; y++, o += im->w) {
        if (im->L16)
            j->k->tex_glcm_quantise16(o, im->L16 + (size_t)y * im->stride, im->w, j->lo, j->scale,
                                      j->levels - 1);
        else
            j->k->tex_glcm_quantise32(o, im->L + (size_t)y * im->stride, im->w, j->lo, j->scale,
                                      j->levels - 1);
        if (im->roi)
            j->k->tex_glcm_mask_outside(o, im->roi + (size_t)y * im->roi_stride, im->w, (uint8_t)j->levels);
    }
}

/* n cells into two matrices, even and odd positions apart: neighbouring pairs of smooth skin
 * often hit the same cell, and one matrix alone waits on each increment's store before the
 * next load; independent chains interleaved hide that latency (the hot cells, near the
 * diagonal, stay in L1). */
static inline void count_cells(uint32_t *restrict m, uint32_t *restrict mo, const uint16_t *c, int n)
{
    int x = 0;
    for (; x + 1 < n; x += 2) {
        m[c[x]]++;
        mo[c[x + 1]]++;
    }
    if (x < n)
        m[c[x]]++;
}

/* One band of BAND_ROWS rows: its rows and the max_dr below quantised into the thread's band
 * buffer (no level plane: the rows are fresh in cache when counted), then each offset into the
 * thread's COPIES matrices, row by row: the cells of the row's pairs, then their counts. */
static void count_rows(void *user, int task, int thread)
{
    glcm_job *j = user;
    const int w = j->im->w, h = j->im->h, n1 = j->levels + 1;
    const int y0 = task * BAND_ROWS, y1 = y0 + BAND_ROWS < h ? y0 + BAND_ROWS : h;
    uint8_t *q = j->band + (size_t)thread * (size_t)(BAND_ROWS + j->max_dr) * (size_t)w;
    quantise_rows(j, q, y0, y1 + j->max_dr < h ? y1 + j->max_dr : h);
    uint32_t *base = j->mats + (size_t)thread * 12 * COPIES * j->msize;
    uint16_t *cells = j->cells + (size_t)thread * (size_t)w;
    for (int k = 0; k < 12; k++) {
        if (k > 0 && tex_glcm_offsets[k][0] == tex_glcm_offsets[k - 1][0] &&
            tex_glcm_offsets[k][1] == tex_glcm_offsets[k - 1][1])
            continue; /* skimage's rounding repeats offsets: count each once, copy later */
        const int dr = tex_glcm_offsets[k][0], dc = tex_glcm_offsets[k][1];
        const int x0 = dc < 0 ? -dc : 0, x1 = dc > 0 ? w - dc : w;
        uint32_t *m = base + (size_t)k * COPIES * j->msize;
        const int ys = y0 + ((j->y_first - y0) % j->step + j->step) % j->step; /* first anchor row */
        for (int y = ys; y < y1 && y + dr < h; y += j->step) {
            if (x1 <= x0)
                break;
            const uint8_t *a = q + (size_t)(y - y0) * w, *b = q + (size_t)(y - y0 + dr) * w + dc;
            j->k->tex_glcm_pair_cells(cells, a + x0, b + x0, x1 - x0, n1);
            count_cells(m, m + j->msize, cells, x1 - x0);
        }
    }
}

enum { RANGE_BINS = 4096 };

typedef struct range_job {
    const tex_img *im; /* a float plane (16-bit ones: l_range16) */
    double *mn, *mx;   /* per task (pass 1) */
    float lo, sc;      /* pass 2: histogram of (L* − lo)·sc */
    uint64_t *hist;    /* per thread RANGE_BINS counts */
    int pass;
} range_job;

/* One band of ROWS_PER_TASK rows: its min and max (pass 1), or its histogram (pass 2). */
static void range_rows(void *user, int task, int thread)
{
    range_job *j = user;
    const tex_img *im = j->im;
    const int y0 = task * ROWS_PER_TASK, y1 = y0 + ROWS_PER_TASK < im->h ? y0 + ROWS_PER_TASK : im->h;
    double mn = INFINITY, mx = -INFINITY;
    uint64_t *hist = j->hist ? j->hist + (size_t)thread * RANGE_BINS : NULL;
    for (int y = y0; y < y1; y++) {
        const float *r = im->L + (size_t)y * im->stride;
        for (int x = 0; x < im->w; x++) {
            if (!tex_in(im, x, y) || !isfinite(r[x]))
                continue;
            if (j->pass == 1) {
                mn = r[x] < mn ? r[x] : mn;
                mx = r[x] > mx ? r[x] : mx;
            } else {
                int b = (int)((r[x] - j->lo) * j->sc);
                hist[b >= RANGE_BINS ? RANGE_BINS - 1 : b]++;
            }
        }
    }
    if (j->pass == 1)
        j->mn[task] = mn, j->mx[task] = mx;
}

/* p0.5 and p99.5 from the RANGE_BINS histogram of (L* − mn)·sc (n values), linear inside a bin,
 * into lo, hi (left as they are when the two do not differ). */
static void range_quantiles(const uint64_t *hist, uint64_t n, double mn, double sc, double *lo, double *hi)
{
    const double qs[2] = {0.005, 0.995};
    double out[2];
    for (int k = 0; k < 2; k++) {
        double target = qs[k] * n, cum = 0;
        int b = 0;
        while (b < RANGE_BINS - 1 && cum + hist[b] < target)
            cum += hist[b++];
        double frac = hist[b] ? (target - cum) / hist[b] : 0;
        out[k] = mn + (b + frac) / sc;
    }
    if (out[1] > out[0]) {
        *lo = out[0];
        *hi = out[1];
    }
}

enum { CODES = 65536 };

typedef struct code_job {
    const tex_img *im;
    uint32_t *hist; /* per thread CODES counts */
} code_job;

/* 16-bit planes: one band of rows into its thread's histogram of L* codes (ROI pixels). */
static void code_rows(void *user, int task, int thread)
{
    code_job *j = user;
    const tex_img *im = j->im;
    uint32_t *hist = j->hist + (size_t)thread * CODES;
    const int y0 = task * ROWS_PER_TASK, y1 = y0 + ROWS_PER_TASK < im->h ? y0 + ROWS_PER_TASK : im->h;
    for (int y = y0; y < y1; y++) {
        const uint16_t *r = im->L16 + (size_t)y * im->stride;
        const uint8_t *m = im->roi ? im->roi + (size_t)y * im->roi_stride : NULL;
        if (m)
            for (int x = 0; x < im->w; x++)
                hist[r[x]] += m[x] != 0;
        else
            for (int x = 0; x < im->w; x++)
                hist[r[x]]++;
    }
}

/* The range pass of a 16-bit plane in one sweep: a histogram of its codes, from which min, max
 * and the 4096-bin histogram of l_range follow per code instead of per pixel, with the same
 * float arithmetic on the same values, so lo and hi equal l_range's on the widened plane. */
static skinq_status l_range16(skinq_ctx *ctx, const tex_img *im, int minmax, double *lo, double *hi)
{
    const int tasks = (im->h + ROWS_PER_TASK - 1) / ROWS_PER_TASK, threads = skinq_ctx_threads(ctx);
    code_job j = {im, skinq_calloc(ctx, (size_t)CODES * (size_t)threads, sizeof(uint32_t))};
    if (!j.hist)
        return SKINQ_E_NOMEM;
    skinq_parallel_for(ctx, tasks, code_rows, &j);
    uint64_t *codes = skinq_malloc(ctx, sizeof *codes * CODES),
             *hist = skinq_calloc(ctx, RANGE_BINS, sizeof *hist);
    if (!codes || !hist) {
        skinq_free(ctx, j.hist);
        skinq_free(ctx, codes);
        skinq_free(ctx, hist);
        return SKINQ_E_NOMEM;
    }
    int first = -1, last = -1;
    for (int c = 0; c < CODES; c++) {
        uint64_t n = 0;
        for (int t = 0; t < threads; t++)
            n += j.hist[(size_t)t * CODES + (size_t)c];
        codes[c] = n;
        if (n) {
            last = c;
            if (first < 0)
                first = c;
        }
    }
    skinq_free(ctx, j.hist);
    skinq_status st = SKINQ_OK;
    if (first < 0) {
        st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no finite L* value in the region of interest");
        goto done;
    }
    const float fmn = (float)first * (1.0f / SKINQ_L16_SCALE), fmx = (float)last * (1.0f / SKINQ_L16_SCALE);
    const double mn = fmn, mx = fmx;
    *lo = mn;
    *hi = mx;
    if (minmax || first == last)
        goto done;
    const double sc = RANGE_BINS / (mx - mn);
    const float flo = (float)mn, fsc = (float)sc;
    uint64_t n = 0;
    for (int c = first; c <= last; c++) {
        if (!codes[c])
            continue;
        int b = (int)(((float)c * (1.0f / SKINQ_L16_SCALE) - flo) * fsc);
        hist[b >= RANGE_BINS ? RANGE_BINS - 1 : b] += codes[c];
        n += codes[c];
    }
    range_quantiles(hist, n, mn, sc, lo, hi);
done:
    skinq_free(ctx, codes);
    skinq_free(ctx, hist);
    return st;
}

/* L* range of the ROI: min–max, or p0.5–p99.5 from a 4096-bin histogram (linear inside a bin);
 * both passes by row bands on the ctx's threads (min, max and counts merge exactly). */
static skinq_status l_range(skinq_ctx *ctx, const tex_img *im, int minmax, double *lo, double *hi)
{
    const int tasks = (im->h + ROWS_PER_TASK - 1) / ROWS_PER_TASK, threads = skinq_ctx_threads(ctx);
    range_job j = {im,
                   skinq_malloc(ctx, sizeof(double) * (size_t)tasks),
                   skinq_malloc(ctx, sizeof(double) * (size_t)tasks),
                   0,
                   0,
                   NULL,
                   1};
    if (!j.mn || !j.mx) {
        skinq_free(ctx, j.mn);
        skinq_free(ctx, j.mx);
        return SKINQ_E_NOMEM;
    }
    skinq_parallel_for(ctx, tasks, range_rows, &j);
    double mn = INFINITY, mx = -INFINITY;
    for (int t = 0; t < tasks; t++) {
        mn = j.mn[t] < mn ? j.mn[t] : mn;
        mx = j.mx[t] > mx ? j.mx[t] : mx;
    }
    skinq_free(ctx, j.mn);
    skinq_free(ctx, j.mx);
    if (!(mx >= mn))
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no finite L* value in the region of interest");
    *lo = mn;
    *hi = mx;
    if (minmax || mx == mn)
        return SKINQ_OK;
    uint64_t *hist = skinq_calloc(ctx, (size_t)RANGE_BINS * (size_t)threads, sizeof *hist), n = 0;
    if (!hist)
        return SKINQ_E_NOMEM;
    const double sc = RANGE_BINS / (mx - mn);
    j.lo = (float)mn;
    j.sc = (float)sc;
    j.hist = hist;
    j.pass = 2;
    skinq_parallel_for(ctx, tasks, range_rows, &j);
    for (int t = 1; t < threads; t++)
        for (int b = 0; b < RANGE_BINS; b++)
            hist[b] += hist[(size_t)t * RANGE_BINS + b];
    for (int b = 0; b < RANGE_BINS; b++)
        n += hist[b];
    range_quantiles(hist, n, mn, sc, lo, hi);
    skinq_free(ctx, hist);
    return SKINQ_OK;
}

/* graycoprops of one normalised symmetric matrix P (levels², doubles). */
static void features(const double *P, int L, double f[TEX_GLCM_FEATURES])
{
    double con = 0, dis = 0, hom = 0, asm_ = 0, ent = 0, mi = 0, mj = 0;
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++) {
            double p = P[i * L + j], d = i - j;
            con += p * d * d;
            dis += p * fabs(d);
            hom += p / (1 + d * d);
            asm_ += p * p;
            if (p > 0)
                ent -= p * log2(p);
            mi += i * p;
            mj += j * p;
        }
    double vi = 0, vj = 0, cov = 0;
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++) {
            double p = P[i * L + j];
            vi += p * (i - mi) * (i - mi);
            vj += p * (j - mj) * (j - mj);
            cov += p * (i - mi) * (j - mj);
        }
    double si = sqrt(vi), sj = sqrt(vj);
    f[0] = con;
    f[1] = dis;
    f[2] = hom;
    f[3] = asm_;
    f[4] = sqrt(asm_);
    f[5] = (si < 1e-15 || sj < 1e-15) ? 1.0 : cov / (si * sj); /* skimage: 1 for a constant image */
    f[6] = ent;
}

int tex_glcm_row_step(int option, uint64_t inside)
{
    if (option >= 1)
        return option;
    /* 0 (the default) and -1: the auto rule. 3, not 2: an even step reads rows of one parity, and a camera's
     * rows alternate (Bayer rows, 4:2:0 chroma, 8-row JPEG blocks), which shifts the features; 3 is the step
     * the evidence covers on every criterion (docs/texture-definitions.md) */
    return inside > TEX_GLCM_AUTO_ANCHORS ? 3 : 1;
}

skinq_status tex_glcm(skinq_ctx *ctx, const tex_img *im, int levels, int minmax, int row_step,
                      double feat[TEX_GLCM_FEATURES])
{
    const int n1 = levels + 1, threads = skinq_ctx_threads(ctx);
    /* float planes are read in place; 16-bit ones go through code tables, no widened rows */
    double lo = 0, hi = 0;
    skinq_status st = im->L ? l_range(ctx, im, minmax, &lo, &hi) : l_range16(ctx, im, minmax, &lo, &hi);
    if (st != SKINQ_OK)
        return st;
    glcm_job j = {skinq_texture_dsp(skinq_ctx_isa(ctx)),
                  im,
                  levels,
                  0,
                  row_step < 1 ? 1 : row_step,
                  im->bbox.y,
                  (float)lo,
                  hi > lo ? (float)(levels / (hi - lo)) : 0.0f,
                  NULL,
                  (size_t)n1 * (size_t)n1,
                  NULL,
                  NULL};
    for (int k = 0; k < 12; k++)
        j.max_dr = tex_glcm_offsets[k][0] > j.max_dr ? tex_glcm_offsets[k][0] : j.max_dr;
    j.mats = skinq_calloc(ctx, (size_t)threads * 12 * COPIES, j.msize * sizeof *j.mats);
    j.band = skinq_malloc(ctx, (size_t)(BAND_ROWS + j.max_dr) * (size_t)im->w * (size_t)threads);
    j.cells = skinq_malloc(ctx, sizeof *j.cells * (size_t)im->w * (size_t)threads);
    double *P = skinq_malloc(ctx, sizeof *P * (size_t)levels * (size_t)levels);
    if (!j.mats || !j.band || !P || !j.cells) {
        skinq_free(ctx, j.mats);
        skinq_free(ctx, j.band);
        skinq_free(ctx, j.cells);
        skinq_free(ctx, P);
        return SKINQ_E_NOMEM;
    }
    skinq_parallel_for(ctx, (im->h + BAND_ROWS - 1) / BAND_ROWS, count_rows, &j);
    for (int f = 0; f < TEX_GLCM_FEATURES; f++)
        feat[f] = 0;
    int used = 0;
    for (int k = 0; k < 12; k++) {
        int src = k;
        while (src > 0 && tex_glcm_offsets[src][0] == tex_glcm_offsets[src - 1][0] &&
               tex_glcm_offsets[src][1] == tex_glcm_offsets[src - 1][1])
            src--;
        /* merge the threads' counts, symmetrise (M + Mᵀ), drop the outside level, normalise */
        double total = 0;
        for (int a = 0; a < levels; a++)
            for (int b = 0; b < levels; b++) {
                uint64_t c = 0;
                for (int t = 0; t < threads * COPIES; t++) {
                    const uint32_t *m =
                        j.mats +
                        (((size_t)t / COPIES * 12 + (size_t)src) * COPIES + (size_t)t % COPIES) * j.msize;
                    c += (uint64_t)m[a * n1 + b] + m[b * n1 + a];
                }
                P[a * levels + b] = (double)c;
                total += (double)c;
            }
        if (total <= 0)
            continue; /* no pair at this offset inside the ROI */
        for (int e = 0; e < levels * levels; e++)
            P[e] /= total;
        double f[TEX_GLCM_FEATURES];
        features(P, levels, f);
        for (int q = 0; q < TEX_GLCM_FEATURES; q++)
            feat[q] += f[q];
        used++;
    }
    for (int q = 0; q < TEX_GLCM_FEATURES; q++)
        feat[q] = used ? feat[q] / used : NAN;
    skinq_free(ctx, j.mats);
    skinq_free(ctx, j.band);
    skinq_free(ctx, j.cells);
    skinq_free(ctx, P);
    return SKINQ_OK;
}
