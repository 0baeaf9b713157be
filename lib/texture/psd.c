/* psd.c -- radially averaged power spectrum (Welch's method on 2-D tiles) and band-passed
 * roughness, with FFTW single-precision plans made once per tile size (the 2-D r2c and c2r as
 * 1-D passes: see tex_size in texture_int.h and tile_spectrum below).
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
 * (c2r; the column pass only over the kx the band reaches): g_w ≈ g·w for the band-passed g, so
 * sq = sqrt(Σ g_w² / Σ w²) (= the band's PSD sum by Parseval) and sa = Σ |g_w| / Σ w, both
 * window-weighted means over the tiles. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

#define LANES 16 /* a cache line of floats; T >= 32 is a multiple */
/* GCC vector types: ISA-neutral baseline code (SSE2 on x86-64; the 32-byte types are pairs of
 * SSE2 registers), the same build whatever SKINQ_ISA says; not kernels of the table. */
typedef float tex_v4f __attribute__((vector_size(16)));
typedef int32_t tex_v4i __attribute__((vector_size(16)));
typedef uint16_t tex_v8u16 __attribute__((vector_size(16)));
typedef int32_t tex_v8i __attribute__((vector_size(32)));
typedef float tex_v8f __attribute__((vector_size(32)));

/* Two real rows (a, then b) as one complex row: z[x] = a[x] + i·b[x]. */
static inline void pairs_interleave(int T, const float *a, float *z)
{
    const float *b = a + T;
    for (int x = 0; x < T; x++) {
        z[2 * x] = a[x];
        z[2 * x + 1] = b[x];
    }
}

/* One row of tile_window: o = (f − f0)·w·wy, and the row's Σ v, Σ xc·v into rv, rxv; f read as
 * floats (rf) or 16-bit (r16, widened in registers as tex_L_span does). Four 4-float vectors a
 * 16-lane block, so the lane sums stay in registers (each lane in x order, then the 16 lanes in
 * double, whatever the vector width). */
static inline __attribute__((always_inline)) void
window_row(const int is16, const void *src, const char *ahead, size_t esize, int T, const float *restrict win,
           const float *restrict xc, float f0, float wy, float *restrict o, double *rv, double *rxv)
{
    const float *rf = src;
    const uint16_t *r16 = src;
    tex_v4f a0[LANES / 4] = {{0}}, a1[LANES / 4] = {{0}};
    for (int x = 0; x < T; x += LANES) {
        __builtin_prefetch(ahead + (size_t)x * esize);
        tex_v4f fb[LANES / 4];
        if (is16)
            for (int h = 0; h < LANES / 8; h++) { /* 8 values widened at once */
                tex_v8u16 u;
                memcpy(&u, r16 + x + 8 * h, sizeof u);
                const tex_v8f f8 = __builtin_convertvector(__builtin_convertvector(u, tex_v8i), tex_v8f) *
                                   (1.0f / SKINQ_L16_SCALE);
                memcpy(&fb[2 * h], &f8, sizeof f8);
            }
        else
            memcpy(fb, rf + x, sizeof fb);
        for (int k = 0; k < LANES / 4; k++) {
            const int i = x + 4 * k;
            tex_v4f f = fb[k], w, c;
            memcpy(&w, win + i, sizeof w);
            memcpy(&c, xc + i, sizeof c);
            const tex_v4f v = f - f0;
            const tex_v4f ov = v * (w * wy);
            memcpy(o + i, &ov, sizeof ov);
            a0[k] += v;
            a1[k] += c * v;
        }
    }
    double sv = 0, sxv = 0;
    for (int k = 0; k < LANES; k++) {
        sv += a0[k / 4][k % 4];
        sxv += a1[k / 4][k % 4];
    }
    *rv = sv;
    *rxv = sxv;
}

/* A tile, plane-detrended and Hann-windowed, in one pass: (f − f0)·w with the plane's
 * least-squares sums on the way (16-lane blocks in SIMD; per-row sums in float, rows in double),
 * each pair of rows (through two rows of scratch) into z as one complex row; the plane is taken
 * out after the transform instead. By linearity
 *   F((f − f0 − a − b_x·x − b_y·y)·w) = F((f − f0)·w) − a·H⊗H − b_x·H⊗G − b_y·G⊗H,
 * with H = DFT(w) and G = DFT(x·w) in 1-D (the window is separable); the periodic Hann's H is
 * non-zero only at k = 0, ±1, so the correction touches three rows and two columns of the
 * half-spectrum. f0 (the tile's first pixel) keeps the float DC small before it cancels. */
static void tile_window(const tex_img *im, const tex_size *s, int x0, int y0, float *z, float *rows,
                        double plane[3])
{
    const int T = s->T;
    const float *xc = s->xc, *win = s->win;
    float b0;
    const float f0 = *tex_L_span(im, y0, x0, 1, &b0);
    const size_t esize = im->L ? sizeof(float) : sizeof(uint16_t);
    const char *src = im->L ? (const char *)im->L : (const char *)im->L16;
    double sv = 0, sxv = 0, syv = 0;
    for (int y = 0; y < T; y++) {
        float *o = rows + (size_t)(y & 1) * T;
        const size_t at = (size_t)(y0 + y) * im->stride + (size_t)x0;
        /* rows are 24 KB apart in a photo: ask for row y + 8 while this one is read, since the
         * hardware prefetcher restarts on every row (the loads were a third of the PSD's own time) */
        const char *ahead = src + ((size_t)(y0 + (y + 8 < T ? y + 8 : y)) * im->stride + (size_t)x0) * esize;
        double rv, rxv;
        if (im->L)
            window_row(0, im->L + at, ahead, esize, T, win, xc, f0, win[y], o, &rv, &rxv);
        else
            window_row(1, im->L16 + at, ahead, esize, T, win, xc, f0, win[y], o, &rv, &rxv);
        sv += rv;
        sxv += rxv;
        syv += (double)xc[y] * rv;
        if (y & 1) /* rows y − 1, y as one complex row of z (tile_spectrum) */
            pairs_interleave(T, rows, z + (size_t)(y / 2) * 2 * T);
    }
    plane[0] = sv / ((double)T * T);
    plane[1] = sxv / (T * s->sxx);
    plane[2] = syv / (T * s->sxx);
}

/* The plane's spectrum out of a tile's, in the transposed spectrum ts (element (ky, kx) at
 * ts[kx·T + ky]): the rows ky with H(ky) != 0 (three elements of every kx row), then the
 * columns kx with H(kx) != 0 (whole kx rows). */
static void spectrum_detrend(const tex_size *s, fftwf_complex *ts, const double plane[3])
{
    const int T = s->T, W = T / 2 + 1;
    const double a = plane[0], bx = plane[1], by = plane[2];
    for (int n = 0; n < s->nh; n++) { /* rows ky with H(ky) != 0 */
        const int ky = s->hidx[n];
        const double hr = s->H[2 * ky], hi = s->H[2 * ky + 1];
        for (int kx = 0; kx < W; kx++) {
            double vr = a * s->H[2 * kx] + bx * s->G[2 * kx],
                   vi = a * s->H[2 * kx + 1] + bx * s->G[2 * kx + 1];
            fftwf_complex *e = ts + (size_t)kx * T + ky;
            (*e)[0] -= (float)(hr * vr - hi * vi);
            (*e)[1] -= (float)(hr * vi + hi * vr);
        }
    }
    for (int n = 0; n < s->nh; n++) { /* columns kx with H(kx) != 0 */
        const int kx = s->hidx[n];
        if (kx >= W)
            continue;
        const double hr = s->H[2 * kx] * by, hi = s->H[2 * kx + 1] * by;
        fftwf_complex *col = ts + (size_t)kx * T;
        for (int ky = 0; ky < T; ky++) {
            const double gr = s->G[2 * ky], gi = s->G[2 * ky + 1];
            col[ky][0] -= (float)(gr * hr - gi * hi);
            col[ky][1] -= (float)(gr * hi + gi * hr);
        }
    }
}

/* The half-spectra of the two rows out of Z = DFT(a + i·b): A(k) = (Z(k) + conj Z(−k))/2,
 * B(k) = (Z(k) − conj Z(−k))/(2i), k = 0 .. T/2, into rows 2m, 2m+1 of spec (T×(T/2+1)). */
static void pairs_split(int T, const fftwf_complex *Z, fftwf_complex *spec)
{
    const int W = T / 2 + 1;
    for (int m = 0; m < T / 2; m++) {
        const float *z = (const float *)(Z + (size_t)m * T);
        float *a = (float *)(spec + (size_t)(2 * m) * W), *b = (float *)(spec + (size_t)(2 * m + 1) * W);
        a[0] = z[0];
        a[1] = 0;
        b[0] = z[1];
        b[1] = 0;
        for (int k = 1; k < W; k++) {
            const float zr = z[2 * k], zi = z[2 * k + 1], pr = z[2 * (T - k)], pi = z[2 * (T - k) + 1];
            a[2 * k] = 0.5f * (zr + pr);
            a[2 * k + 1] = 0.5f * (zi - pi);
            b[2 * k] = 0.5f * (zi + pi);
            b[2 * k + 1] = 0.5f * (pr - zr);
        }
    }
}

/* A tile's windowed spectrum (in: its rows 2m, 2m+1 as one complex row m, from tile_window),
 * transposed (kx-major) into in's memory: the rows two at a time as one complex DFT (FFTW's
 * complex codelets run about twice as fast as its r2c ones under FFTW_ESTIMATE), split into the
 * rows' half-spectra in spec, then the column DFTs written transposed. */
static fftwf_complex *tile_spectrum(const tex_size *s, float *in, fftwf_complex *spec, float *back)
{
    const int T = s->T;
    fftwf_execute_dft(s->fwd_pairs, (fftwf_complex *)in, (fftwf_complex *)back);
    pairs_split(T, (const fftwf_complex *)back, spec);
    fftwf_complex *ts = (fftwf_complex *)in;
    fftwf_execute_dft(s->fwd_cols, spec, ts);
    return ts;
}

/* The inverse's rows, two at a time: Z(k) = A(k) + i·B(k) over k = 0 .. T−1 from the columns
 * 0 .. kc−1 of rows 2m, 2m+1 of spec (A(−k) = conj A(k); the imaginary parts at k = 0 and
 * T/2 dropped, as a c2r does; zero elsewhere), so that IDFT(Z) = c2r(A) + i·c2r(B). */
static void pairs_join(int T, int kc, const fftwf_complex *spec, fftwf_complex *Z)
{
    const int W = T / 2 + 1, kn = kc < W ? kc : W - 1; /* k = 1 .. kn − 1 come in ± pairs */
    for (int m = 0; m < T / 2; m++) {
        const float *a = (const float *)(spec + (size_t)(2 * m) * W);
        const float *b = (const float *)(spec + (size_t)(2 * m + 1) * W);
        float *z = (float *)(Z + (size_t)m * T);
        z[0] = a[0];
        z[1] = b[0];
        for (int k = 1; k < kn; k++) {
            const float ar = a[2 * k], ai = a[2 * k + 1], br = b[2 * k], bi = b[2 * k + 1];
            z[2 * k] = ar - bi;
            z[2 * k + 1] = ai + br;
            z[2 * (T - k)] = ar + bi;
            z[2 * (T - k) + 1] = br - ai;
        }
        memset(z + 2 * kn, 0, sizeof(float) * 2 * (size_t)(T - 2 * kn + 1));
        if (kc == W) { /* Nyquist */
            z[T] = a[T];
            z[T + 1] = b[T];
        }
    }
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

/* Σ p[a .. b) in double, four lanes (SIMD) then the tail. */
static inline double run_sum(const float *p, int a, int b)
{
    double l[4] = {0, 0, 0, 0};
    int j = a;
    for (; j + 4 <= b; j += 4)
        for (int k = 0; k < 4; k++)
            l[k] += p[j + k];
    double t = (l[0] + l[1]) + (l[2] + l[3]);
    for (; j < b; j++)
        t += p[j];
    return t;
}

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
    tile_window(j->im, s, j->pos[2 * task], j->pos[2 * task + 1], in, (float *)spec, plane);
    fftwf_complex *ts = tile_spectrum(s, in, spec, back);
    spectrum_detrend(s, ts, plane);
    const double norm = 1.0 / ((double)T * T * s->sw2);
    /* |F|² a kx row at a time (vectorised), then each run of one class (tex_size_tables) summed
     * in double and added to its class × the row's weight (2 for the columns standing for two
     * bins, exact) */
    double acc[TEX_MAX_CLASSES];
    const int nc = s->nclasses;
    memset(acc, 0, sizeof(double) * (size_t)nc);
    float *pw = back; /* free until the roughness pass */
    for (int kx = 0; kx < W; kx++) {
        const float *row = (const float *)(ts + (size_t)kx * T);
        for (int ky = 0; ky < T; ky++)
            pw[ky] = row[2 * ky] * row[2 * ky] + row[2 * ky + 1] * row[2 * ky + 1];
        const double cw = s->colw[kx];
        for (int q = s->run_off[kx]; q < s->run_off[kx + 1]; q++) {
            const tex_run *ru = &s->runs[q];
            acc[ru->c] += run_sum(pw, ru->a, ru->b) * cw;
        }
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
    /* band-pass, back to space: the kx rows the band reaches (kc) keep only their ranges in it
     * and go through the inverse column DFTs into spec's first kc columns (the others are zero);
     * then the rows two at a time as one complex inverse DFT, i.e. the c2r of each. Unnormalised
     * (× T²). */
    const int kc = s->kc;
    if (kc == 0) { /* no frequency in the band */
        r->abs_sum = r->sq_sum = 0;
        return;
    }
    for (int kx = 0; kx < kc; kx++) {
        fftwf_complex *row = ts + (size_t)kx * T;
        int at = 0;
        for (int q = s->rrun_off[kx]; q < s->rrun_off[kx + 1]; q++) {
            memset(row + at, 0, sizeof *row * (size_t)(s->rruns[q].a - at));
            at = s->rruns[q].b;
        }
        memset(row + at, 0, sizeof *row * (size_t)(T - at));
    }
    fftwf_execute_dft(s->inv_cols, ts, spec);
    pairs_join(T, kc, spec, (fftwf_complex *)back);
    fftwf_execute_dft(s->inv_pairs, (fftwf_complex *)back, ts);
    const float *g = (const float *)ts; /* rows 2m, 2m+1 as the real and imaginary parts of row m */
    /* Σ |g|, Σ g² in 16 float lanes a row of g (4-wide vectors: the loop vectoriser would pick
     * the blocks' loop instead, and transpose), the rows in double */
    double as = 0, ss = 0;
    for (int y = 0; y < T; y++) {
        const float *b = g + (size_t)y * T;
        tex_v4f ra[LANES / 4] = {{0}}, rs[LANES / 4] = {{0}};
        for (int x = 0; x < T; x += LANES)
            for (int k = 0; k < LANES / 4; k++) {
                tex_v4f v;
                memcpy(&v, b + x + 4 * k, sizeof v);
                ra[k] += (tex_v4f)((tex_v4i)v & 0x7fffffff);
                rs[k] += v * v;
            }
        double da = 0, ds = 0;
        for (int k = 0; k < LANES; k++) {
            da += ra[k / 4][k % 4];
            ds += rs[k / 4][k % 4];
        }
        as += da;
        ss += ds;
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
        return skinq_fail(
            ctx, SKINQ_E_EMPTY_ROI,
            "the region of interest holds no %dx%d square (%.0f %% inside) for the power spectrum",
            TEX_MIN_TILE, TEX_MIN_TILE, 100 * o->min_inside);
    tex_size *s = tex_plan_size(ctx, p, T);
    tile_rec *rec = s ? skinq_malloc(ctx, sizeof *rec * (size_t)n) : NULL;
    if (!rec) {
        skinq_free(ctx, pos);
        return s ? skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for %d tiles", n) : SKINQ_E_NOMEM;
    }
    int tables_bad = tex_size_tables(s, c, o->bins_per_octave);
    if (tables_bad || (rough && tex_size_rough(ctx, s))) {
        skinq_free(ctx, rec);
        skinq_free(ctx, pos);
        return tables_bad
                   ? skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for the %dx%d frequency tables", T, T)
                   : SKINQ_E_NOMEM;
    }
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

skinq_status tex_psd_tile_image(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, int T, int x0,
                                int y0, float *dst)
{
    tex_size *s = tex_plan_size(ctx, p, T);
    if (!s)
        return SKINQ_E_NOMEM;
    double plane[3];
    tile_window(im, s, x0, y0, s->in[0], (float *)s->spec[0], plane);
    fftwf_complex *ts = tile_spectrum(s, s->in[0], s->spec[0], s->back[0]);
    spectrum_detrend(s, ts, plane);
    const double norm = 1.0 / ((double)T * T * s->sw2);
    for (int v = 0; v < T; v++)
        for (int u = 0; u < T; u++) {
            int ky = v - T / 2, kx = u - T / 2;
            if (kx < 0) { /* Hermitian symmetry: F(-k) = conj F(k) */
                kx = -kx;
                ky = -ky;
            }
            int i = ((ky % T) + T) % T;
            const float *e = ts[(size_t)kx * T + (size_t)i];
            double pw = ((double)e[0] * e[0] + (double)e[1] * e[1]) * norm;
            dst[(size_t)v * T + (size_t)u] = (float)log10(pw + 1e-12);
        }
    return SKINQ_OK;
}
