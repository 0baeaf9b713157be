/* psd.c -- radially averaged power spectrum (Welch's method on 2-D tiles) and band-passed
 * roughness, with FFTW single-precision r2c/c2r plans made once per tile size.
 *
 * Per tile (T×T, on a grid of step T·(1 − overlap) centred on the ROI's bounding box, used when
 * >= min_inside of it is in the ROI): subtract the least-squares plane, multiply by the 2-D Hann
 * window w(x)w(y), transform. Normalisation: P(k) = c_k |F(k)|² / (T² Σw²), c_k = 2 for the
 * half-spectrum columns that stand for two bins, so by Parseval Σ_k P(k) = Σ (f·w)² / Σ w²: the
 * window-weighted mean square of the detrended tile. Band powers are sums of P over the band
 * (a variance, L*²); texture.psd.total is the sum over every bin but DC; the radial PSD is the
 * mean P in a ring divided by the bin area (1/T)², a density in L*²·px² (÷ ppm² for mm).
 * Welch averaging over tiles, in tile order, so the result does not depend on the threads.
 * Roughness: the same windowed spectrum, kept only in the roughness band, transformed back
 * (c2r): g_w ≈ g·w for the band-passed g, so sq = sqrt(Σ g_w² / Σ w²) (= the band's PSD sum by
 * Parseval) and sa = Σ |g_w| / Σ w, both window-weighted means over the tiles. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

#define LANES 16 /* a cache line of floats; T >= 32 is a multiple */

/* A tile, plane-detrended and Hann-windowed, in one pass: in = (f − f0)·w with the plane's
 * least-squares sums on the way (16-lane blocks the compiler vectorises; per-row sums in float,
 * rows in double); the plane is taken out after the transform instead. By linearity
 *   F((f − f0 − a − b_x·x − b_y·y)·w) = F((f − f0)·w) − a·H⊗H − b_x·H⊗G − b_y·G⊗H,
 * with H = DFT(w) and G = DFT(x·w) in 1-D (the window is separable); the periodic Hann's H is
 * non-zero only at k = 0, ±1, so the correction touches three rows and two columns of the
 * half-spectrum. f0 (the tile's first pixel) keeps the float DC small before it cancels. */
static void tile_window(const tex_img *im, const tex_size *s, int x0, int y0, float *buf, double plane[3])
{
    const int T = s->T;
    const float *xc = s->xc, *win = s->win;
    float b0;
    const float f0 = *tex_L_span(im, y0, x0, 1, &b0);
    const size_t esize = im->L ? sizeof(float) : sizeof(uint16_t);
    const char *src = im->L ? (const char *)im->L : (const char *)im->L16;
    double sv = 0, sxv = 0, syv = 0;
    for (int y = 0; y < T; y++) {
        float *o = buf + (size_t)y * T;
        const float *r = tex_L_span(im, y0 + y, x0, T, o); /* a 16-bit row is widened into o, then done in place */
        const float wy = win[y];
        /* rows are 24 KB apart in a photo: ask for row y + 8 while this one is read, since the
         * hardware prefetcher restarts on every row (the loads were a third of the PSD's own time) */
        const char *ahead = src + ((size_t)(y0 + (y + 8 < T ? y + 8 : y)) * im->stride + (size_t)x0) * esize;
        float a0[LANES] = {0}, a1[LANES] = {0};
        for (int x = 0; x < T; x += LANES) {
            __builtin_prefetch(ahead + (size_t)x * esize);
            const float *rx = r + x, *cx = xc + x, *wx = win + x;
            float *ox = o + x;
            for (int k = 0; k < LANES; k++) { /* one 16-lane block: the compiler makes it SIMD */
                float v = rx[k] - f0;
                ox[k] = v * (wx[k] * wy);
                a0[k] += v;
                a1[k] += cx[k] * v;
            }
        }
        double rv = 0, rxv = 0;
        for (int k = 0; k < LANES; k++) {
            rv += a0[k];
            rxv += a1[k];
        }
        sv += rv;
        sxv += rxv;
        syv += (double)xc[y] * rv;
    }
    plane[0] = sv / ((double)T * T);
    plane[1] = sxv / (T * s->sxx);
    plane[2] = syv / (T * s->sxx);
}

/* The column part of the correction for one row ky (columns kx with H(kx) != 0). */
static inline void detrend_row_columns(const tex_size *s, fftwf_complex *row, int ky, double by)
{
    const int W = s->T / 2 + 1;
    const double gr = s->G[2 * ky], gi = s->G[2 * ky + 1];
    for (int n = 0; n < s->nh; n++) {
        const int kx = s->hidx[n];
        if (kx >= W)
            continue;
        const double hr = s->H[2 * kx] * by, hi = s->H[2 * kx + 1] * by;
        row[kx][0] -= (float)(gr * hr - gi * hi);
        row[kx][1] -= (float)(gr * hi + gi * hr);
    }
}

/* The plane's spectrum out of a tile's: the rows with H(ky) != 0 here, and the columns too
 * unless `columns` is 0 (psd_tile does them row by row while it reads the spectrum anyway). */
static void spectrum_detrend(const tex_size *s, fftwf_complex *spec, const double plane[3], int columns)
{
    const int T = s->T, W = T / 2 + 1;
    const double a = plane[0], bx = plane[1], by = plane[2];
    for (int n = 0; n < s->nh; n++) { /* rows ky with H(ky) != 0 */
        const int ky = s->hidx[n];
        const double hr = s->H[2 * ky], hi = s->H[2 * ky + 1];
        fftwf_complex *row = spec + (size_t)ky * W;
        for (int kx = 0; kx < W; kx++) {
            double vr = a * s->H[2 * kx] + bx * s->G[2 * kx], vi = a * s->H[2 * kx + 1] + bx * s->G[2 * kx + 1];
            row[kx][0] -= (float)(hr * vr - hi * vi);
            row[kx][1] -= (float)(hr * vi + hi * vr);
        }
    }
    if (columns)
        for (int ky = 0; ky < T; ky++)
            detrend_row_columns(s, spec + (size_t)ky * W, ky, by);
}

typedef struct tile_rec {
    double bins[TEX_MAX_BINS];
    double band[3], total, abs_sum, sq_sum;
} tile_rec;

typedef struct psd_job {
    const tex_img *im;
    tex_size *s;
    const int *pos; /* x, y per tile */
    tile_rec *rec;
    int rough;
} psd_job;

static void psd_tile(void *user, int task, int thread)
{
    psd_job *j = user;
    tex_size *s = j->s;
    const int T = s->T, W = T / 2 + 1;
    float *in = s->in[thread], *back = s->back[thread];
    fftwf_complex *spec = s->spec[thread];
    tile_rec *r = &j->rec[task];
    memset(r, 0, sizeof *r);
    double plane[3];
    tile_window(j->im, s, j->pos[2 * task], j->pos[2 * task + 1], in, plane);
    fftwf_execute_dft_r2c(s->fwd, in, spec);
    spectrum_detrend(s, spec, plane, 0);
    const double norm = 1.0 / ((double)T * T * s->sw2);
    /* |F|² (× 2 for the columns standing for two bins) a row at a time, vectorised, then one
     * scatter-add per element into its (radial bin, bands) class */
    /* neighbours mostly share a class: eight accumulator sets, element by element in turn, so
     * the adds do not wait on each other through memory (store-to-load forwarding) */
    enum { SETS = 8 };
    double accs[SETS][TEX_MAX_CLASSES], acc[TEX_MAX_CLASSES];
    const int nc = s->nclasses;
    for (int q = 0; q < SETS; q++)
        memset(accs[q], 0, sizeof(double) * (size_t)nc);
    float *pw = back; /* free until the roughness pass */
    for (int i = 0; i < T; i++) {
        detrend_row_columns(s, spec + (size_t)i * W, i, plane[2]);
        const float *row = (const float *)(spec + (size_t)i * W);
        const uint16_t *cl = s->cls + (size_t)i * W;
        for (int jx = 0; jx < W; jx++)
            pw[jx] = (row[2 * jx] * row[2 * jx] + row[2 * jx + 1] * row[2 * jx + 1]) * s->colw[jx];
        int jx = 0;
        for (; jx + SETS <= W; jx += SETS)
            for (int q = 0; q < SETS; q++)
                accs[q][cl[jx + q]] += pw[jx + q];
        for (; jx < W; jx++)
            accs[0][cl[jx]] += pw[jx];
    }
    for (int k = 0; k < nc; k++) {
        double t = 0;
        for (int q = 0; q < SETS; q++)
            t += accs[q][k];
        acc[k] = t;
    }
    double band[3] = {0, 0, 0}, total = 0;
    for (int k = 1; k < s->nclasses; k++) { /* class 0: DC, left out (the plane fit removed the mean) */
        total += acc[k];
        if (s->class_bin[k] >= 0)
            r->bins[s->class_bin[k]] += acc[k];
        for (int q = 0; q < 3; q++)
            if (s->class_bits[k] & (1u << q))
                band[q] += acc[k];
    }
    for (int b = 0; b < s->nbins; b++)
        r->bins[b] *= norm;
    for (int q = 0; q < 3; q++)
        r->band[q] = band[q] * norm;
    r->total = total * norm;
    if (!j->rough)
        return;
    /* band-pass in place, back to space; c2r is unnormalised (× T²) */
    const size_t ne = (size_t)T * W;
    for (size_t e = 0; e < ne; e++)
        if (!(s->bands[e] & 8))
            spec[e][0] = spec[e][1] = 0;
    fftwf_execute_dft_c2r(s->inv, spec, back);
    double as = 0, ss = 0;
    for (int y = 0; y < T; y++) {
        const float *b = back + (size_t)y * T;
        float ra = 0, rs = 0;
        for (int x = 0; x < T; x++) {
            ra += fabsf(b[x]);
            rs += b[x] * b[x];
        }
        as += ra;
        ss += rs;
    }
    const double inv = 1.0 / ((double)T * T);
    r->abs_sum = as * inv;
    r->sq_sum = ss * inv * inv;
}

typedef struct count_job {
    const tex_img *im;
    int T;
    const int *pos;
    uint32_t *inside;
} count_job;

static void count_tile(void *user, int task, int thread)
{
    (void)thread;
    count_job *j = user;
    const int x0 = j->pos[2 * task], y0 = j->pos[2 * task + 1];
    uint32_t n = 0;
    for (int y = y0; y < y0 + j->T; y++) {
        const uint8_t *m = j->im->roi + (size_t)y * j->im->roi_stride + (size_t)x0;
        for (int x = 0; x < j->T; x++)
            n += m[x] != 0;
    }
    j->inside[task] = n;
}

/* Tiles of side T on the ROI's bounding box kept when >= min_inside is in the ROI: positions
 * into *pos (malloc'd), count returned (0: none; -1: NOMEM). */
static int tile_grid(skinq_ctx *ctx, const tex_img *im, int T, double overlap, double min_inside, int **pos)
{
    skinq_rect b = im->bbox;
    *pos = NULL;
    if (b.w < T || b.h < T)
        return 0;
    int step = (int)lround(T * (1 - overlap));
    if (step < 1)
        step = 1;
    int nx = 1 + (b.w - T) / step, ny = 1 + (b.h - T) / step;
    int ox = b.x + (b.w - T - (nx - 1) * step) / 2, oy = b.y + (b.h - T - (ny - 1) * step) / 2;
    int n = nx * ny;
    int *p = skinq_malloc(ctx, sizeof *p * 2 * (size_t)n);
    uint32_t *inside = im->roi ? skinq_malloc(ctx, sizeof *inside * (size_t)n) : NULL;
    if (!p || (im->roi && !inside)) {
        skinq_free(ctx, p);
        skinq_free(ctx, inside);
        return -1;
    }
    /* Order: along the shorter side first, so the tiles that re-read a tile's pixels (each is
     * read by 4 tiles at 50 % overlap) come back sooner and find them in the cache. */
    for (int i = 0; i < n; i++) {
        int tx = nx <= ny ? i % nx : i / ny, ty = nx <= ny ? i / nx : i % ny;
        p[2 * i] = ox + tx * step;
        p[2 * i + 1] = oy + ty * step;
    }
    int kept = n;
    if (im->roi) {
        count_job cj = {im, T, p, inside};
        skinq_parallel_for(ctx, n, count_tile, &cj);
        kept = 0;
        double need = min_inside * T * (double)T;
        for (int i = 0; i < n; i++)
            if (inside[i] >= need) {
                p[2 * kept] = p[2 * i];
                p[2 * kept + 1] = p[2 * i + 1];
                kept++;
            }
    }
    skinq_free(ctx, inside);
    *pos = p;
    return kept;
}

skinq_status tex_psd(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, const tex_cfg *c, int rough,
                     tex_psd_out *r)
{
    const skinq_texture_options *o = &p->o;
    int *pos = NULL, n = 0, T = o->tile;
    /* the configured tile; a smaller ROI gets the largest power of two that fits */
    for (; T >= TEX_MIN_TILE; T /= 2) {
        n = tile_grid(ctx, im, T, o->overlap, o->min_inside, &pos);
        if (n < 0)
            return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for the tile list");
        if (n > 0)
            break;
        skinq_free(ctx, pos);
        pos = NULL;
    }
    if (n == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                          "the region of interest holds no %dx%d square (%.0f %% inside) for the power spectrum",
                          TEX_MIN_TILE, TEX_MIN_TILE, 100 * o->min_inside);
    tex_size *s = tex_plan_size(ctx, p, T);
    tile_rec *rec = s ? skinq_malloc(ctx, sizeof *rec * (size_t)n) : NULL;
    if (!rec) {
        skinq_free(ctx, pos);
        return s ? skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for %d tiles", n) : SKINQ_E_NOMEM;
    }
    tex_size_tables(s, c, o->bins_per_octave);
    psd_job j = {im, s, pos, rec, rough};
    skinq_parallel_for(ctx, n, psd_tile, &j);

    memset(r, 0, sizeof *r);
    r->T = T;
    r->tiles = n;
    double bins[TEX_MAX_BINS] = {0}, band[3] = {0, 0, 0}, total = 0, as = 0, ss = 0;
    for (int t = 0; t < n; t++) { /* in tile order: deterministic */
        for (int b = 0; b < s->nbins; b++)
            bins[b] += rec[t].bins[b];
        for (int q = 0; q < 3; q++)
            band[q] += rec[t].band[q];
        total += rec[t].total;
        as += rec[t].abs_sum;
        ss += rec[t].sq_sum;
    }
    /* the tile nearest the bounding box's centre, for the maps */
    double cx = im->bbox.x + im->bbox.w / 2.0, cy = im->bbox.y + im->bbox.h / 2.0, best = INFINITY;
    for (int t = 0; t < n; t++) {
        double dx = pos[2 * t] + T / 2.0 - cx, dy = pos[2 * t + 1] + T / 2.0 - cy;
        if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            r->map_x = pos[2 * t];
            r->map_y = pos[2 * t + 1];
        }
    }
    skinq_free(ctx, rec);
    skinq_free(ctx, pos);
    const double df2 = 1.0 / ((double)T * T); /* bin area in (cycles/px)² */
    for (int b = 0; b < s->nbins; b++) {
        if (s->bin_count[b] <= 0)
            continue;
        r->bin_freq[r->nbins] = exp(s->bin_logf[b] / s->bin_count[b]);
        r->bin_power[r->nbins] = bins[b] / n / s->bin_count[b] / df2;
        r->nbins++;
    }
    for (int q = 0; q < 3; q++) {
        /* a band with no DFT bin at this tile size (below 1/T, above the corner) is not measurable */
        int any = c->band[q][1] > 1.0 / T && c->band[q][0] < 0.7072;
        r->band[q] = any ? band[q] / n : NAN;
    }
    r->total = total / n;
    r->sa = rough ? as / n / s->sw : NAN;
    r->sq = rough ? sqrt(ss / n / s->sw2) : NAN;
    /* least-squares slope of log10 power on log10 frequency inside the slope range */
    double lo = c->slope[0] > 4.0 / T ? c->slope[0] : 4.0 / T, hi = c->slope[1] < 0.5 ? c->slope[1] : 0.5;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int b = 0; b < r->nbins; b++) {
        if (r->bin_freq[b] < lo || r->bin_freq[b] > hi || !(r->bin_power[b] > 0))
            continue;
        double x = log10(r->bin_freq[b]), y = log10(r->bin_power[b]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        k++;
    }
    double den = k * sxx - sx * sx;
    r->slope = k >= 3 && den > 0 ? (k * sxy - sx * sy) / den : NAN;
    return SKINQ_OK;
}

skinq_status tex_psd_tile_image(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, int T, int x0, int y0,
                                float *dst)
{
    tex_size *s = tex_plan_size(ctx, p, T);
    if (!s)
        return SKINQ_E_NOMEM;
    const int W = T / 2 + 1;
    double plane[3];
    tile_window(im, s, x0, y0, s->in[0], plane);
    fftwf_execute_dft_r2c(s->fwd, s->in[0], s->spec[0]);
    spectrum_detrend(s, s->spec[0], plane, 1);
    const double norm = 1.0 / ((double)T * T * s->sw2);
    for (int v = 0; v < T; v++)
        for (int u = 0; u < T; u++) {
            int ky = v - T / 2, kx = u - T / 2;
            if (kx < 0) { /* Hermitian symmetry: F(-k) = conj F(k) */
                kx = -kx;
                ky = -ky;
            }
            int i = ((ky % T) + T) % T;
            const float *e = s->spec[0][(size_t)i * W + (size_t)kx];
            double pw = ((double)e[0] * e[0] + (double)e[1] * e[1]) * norm;
            dst[(size_t)v * T + (size_t)u] = (float)log10(pw + 1e-12);
        }
    return SKINQ_OK;
}
