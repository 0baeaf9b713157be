/* psd_plan.c -- one tile size of a texture plan: FFTW plans of the 1-D passes the 2-D transforms
 * are made of (under the library's FFTW lock, FFTW_ESTIMATE), the periodic Hann window and the
 * 1-D spectra the detrend needs, per-thread fftwf_malloc scratch, and the frequency tables
 * (radial bin and bands per element; the runs of one class and the roughness band's ranges
 * along the transposed spectrum's kx rows). */
#include <math.h>
#include <string.h>

#include "texture_int.h"

static void *s_calloc(tex_size *s, size_t n, size_t size)
{
    size_t bytes;
    if (skinq_mul_size(n, size, &bytes))
        return NULL;
    void *p = skinq_alloc_raw(&s->alloc, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static void size_scratch_free(tex_size *s)
{
    for (int t = 0; t < s->nthreads; t++) {
        if (s->in)
            fftwf_free(s->in[t]);
        if (s->back)
            fftwf_free(s->back[t]);
        if (s->spec)
            fftwf_free(s->spec[t]);
    }
    skinq_free_raw(&s->alloc, s->in);
    skinq_free_raw(&s->alloc, s->back);
    skinq_free_raw(&s->alloc, s->spec);
    s->in = s->back = NULL;
    s->spec = NULL;
    s->nthreads = 0;
}

/* Per-thread buffers for n threads (the plans stay: fftwf_malloc gives every buffer the same
 * alignment, which is all new-array execution asks for). */
static int size_scratch(tex_size *s, int n)
{
    if (s->nthreads >= n)
        return 0;
    size_scratch_free(s);
    size_t T = (size_t)s->T;
    s->in = s_calloc(s, (size_t)n, sizeof *s->in);
    s->back = s_calloc(s, (size_t)n, sizeof *s->back);
    s->spec = s_calloc(s, (size_t)n, sizeof *s->spec);
    if (!s->in || !s->back || !s->spec) {
        size_scratch_free(s);
        return -1;
    }
    s->nthreads = n;
    for (int t = 0; t < n; t++) {
        s->in[t] = fftwf_malloc(T * (T / 2 + 1) * sizeof(fftwf_complex)); /* also the transposed spectrum */
        s->back[t] = fftwf_malloc(T * T * sizeof(float));
        s->spec[t] = fftwf_malloc(T * (T / 2 + 1) * sizeof(fftwf_complex));
        if (!s->in[t] || !s->back[t] || !s->spec[t]) {
            size_scratch_free(s);
            return -1;
        }
    }
    return 0;
}

void tex_size_free(tex_size *s)
{
    if (!s)
        return;
    skinq_fftw_lock();
    fftwf_plan *plans[4] = {&s->fwd_pairs, &s->fwd_cols, &s->inv_cols, &s->inv_pairs};
    for (int k = 0; k < 4; k++)
        if (*plans[k])
            fftwf_destroy_plan(*plans[k]);
    skinq_fftw_unlock();
    size_scratch_free(s);
    skinq_allocator a = s->alloc;
    skinq_free_raw(&a, s->win);
    skinq_free_raw(&a, s->xc);
    skinq_free_raw(&a, s->H);
    skinq_free_raw(&a, s->G);
    skinq_free_raw(&a, s->hidx);
    skinq_free_raw(&a, s->cls);
    skinq_free_raw(&a, s->bands);
    skinq_free_raw(&a, s->colw);
    skinq_free_raw(&a, s->runs);
    skinq_free_raw(&a, s->run_off);
    skinq_free_raw(&a, s->rruns);
    skinq_free_raw(&a, s->rrun_off);
    skinq_free_raw(&a, s);
}

/* Column weights, the window and its sums, and the centred coordinates (the tables allocated). */
static void size_window(tex_size *s)
{
    const int T = s->T;
    for (int j = 0; j <= T / 2; j++)
        s->colw[j] = (j == 0 || j == T / 2) ? 1.0f : 2.0f;
    /* Periodic Hann (sin² over T samples): exactly 0 at the first sample, symmetric otherwise;
     * the periodic form keeps Σw² = 3T/8 exactly and suits the DFT (Harris 1978). */
    double s1 = 0, s2 = 0;
    for (int i = 0; i < T; i++) {
        double v = sin(3.14159265358979323846 * i / T);
        s->win[i] = (float)(v * v);
        s1 += s->win[i];
        s2 += (double)s->win[i] * s->win[i];
    }
    s->sw = s1 * s1;
    s->sw2 = s2 * s2;
    s->sxx = 0;
    for (int i = 0; i < T; i++) {
        s->xc[i] = (float)i - (T - 1) / 2.0f;
        s->sxx += (double)s->xc[i] * s->xc[i];
    }
}

/* H = DFT(w), G = DFT(x·w) with FFTW's sign (e^{-2πikn/T}), in double, from the float window
 * and coordinates the tiles use, and the frequencies where H is not negligible; the T twiddles
 * once (in back[0], free until use). */
static void size_window_dfts(tex_size *s)
{
    const int T = s->T;
    double *tw = (double *)s->back[0];
    for (int q = 0; q < T; q++) {
        double ang = -2 * 3.14159265358979323846 * (double)q / T;
        tw[2 * q] = cos(ang);
        tw[2 * q + 1] = sin(ang);
    }
    for (int k = 0; k < T; k++) {
        double hr = 0, hi = 0, gr = 0, gi = 0;
        for (int i = 0; i < T; i++) {
            const int64_t q = ((int64_t)k * i) % T;
            const double c = tw[2 * q], sn = tw[2 * q + 1];
            hr += s->win[i] * c;
            hi += s->win[i] * sn;
            gr += (double)s->xc[i] * s->win[i] * c;
            gi += (double)s->xc[i] * s->win[i] * sn;
        }
        s->H[2 * k] = hr, s->H[2 * k + 1] = hi, s->G[2 * k] = gr, s->G[2 * k + 1] = gi;
        if (hypot(hr, hi) > 1e-6 * T)
            s->hidx[s->nh++] = k;
    }
}

/* The 2-D r2c: the tile's rows two at a time as T/2 complex DFTs (in → back; psd.c splits them
 * into spec), then T/2+1 column DFTs written transposed (spec → in, kx-major). The roughness
 * inverse: its column pass (tex_size_rough), then the rows two at a time again (back → in).
 * -1 when FFTW cannot plan them. */
static int size_plans(tex_size *s)
{
    const int T = s->T, W = T / 2 + 1, nT[1] = {T};
    fftwf_complex *tsp = (fftwf_complex *)s->in[0];
    skinq_fftw_lock();
    fftwf_complex *pz = (fftwf_complex *)s->back[0];
    s->fwd_pairs =
        fftwf_plan_many_dft(1, nT, T / 2, tsp, NULL, 1, T, pz, NULL, 1, T, FFTW_FORWARD, FFTW_ESTIMATE);
    s->fwd_cols =
        fftwf_plan_many_dft(1, nT, W, s->spec[0], NULL, W, 1, tsp, NULL, 1, T, FFTW_FORWARD, FFTW_ESTIMATE);
    s->inv_pairs =
        fftwf_plan_many_dft(1, nT, T / 2, pz, NULL, 1, T, tsp, NULL, 1, T, FFTW_BACKWARD, FFTW_ESTIMATE);
    skinq_fftw_unlock();
    return s->fwd_pairs && s->fwd_cols && s->inv_pairs ? 0 : -1;
}

tex_size *tex_plan_size(skinq_ctx *ctx, skinq_texture_plan *p, int T)
{
    int idx = 0;
    while ((TEX_MIN_TILE << idx) < T)
        idx++;
    if (idx >= TEX_MAX_SIZES || (TEX_MIN_TILE << idx) != T) {
        skinq_fail(ctx, SKINQ_E_INTERNAL, "no tile size %d", T);
        return NULL;
    }
    int threads = skinq_ctx_threads(ctx);
    tex_size *s = p->sizes[idx];
    if (s) {
        if (size_scratch(s, threads)) {
            skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for %d FFT buffers of %dx%d", threads, T, T);
            return NULL;
        }
        return s;
    }
    /* tables through the plan's allocator; FFTW's aligned buffers through fftwf_malloc */
    s = skinq_alloc_raw(&p->alloc, sizeof *s);
    if (!s)
        goto nomem;
    memset(s, 0, sizeof *s);
    s->alloc = p->alloc;
    s->T = T;
    s->table_ppm = -1;
    size_t n = (size_t)T * (size_t)(T / 2 + 1);
    s->win = s_calloc(s, (size_t)T, sizeof *s->win);
    s->cls = s_calloc(s, n, sizeof *s->cls);
    s->bands = s_calloc(s, n, 1);
    s->colw = s_calloc(s, (size_t)T / 2 + 1, sizeof *s->colw);
    s->run_off = s_calloc(s, (size_t)T / 2 + 2, sizeof *s->run_off);
    s->rrun_off = s_calloc(s, (size_t)T / 2 + 2, sizeof *s->rrun_off);
    if (!s->win || !s->cls || !s->bands || !s->colw || !s->run_off || !s->rrun_off ||
        size_scratch(s, threads))
        goto nomem;
    s->xc = s_calloc(s, (size_t)T, sizeof *s->xc);
    s->H = s_calloc(s, 2 * (size_t)T, sizeof *s->H);
    s->G = s_calloc(s, 2 * (size_t)T, sizeof *s->G);
    s->hidx = s_calloc(s, (size_t)T, sizeof *s->hidx);
    if (!s->xc || !s->H || !s->G || !s->hidx)
        goto nomem;
    size_window(s);
    size_window_dfts(s);
    if (size_plans(s) != 0)
        goto nomem;
    p->sizes[idx] = s;
    return s;
nomem:
    tex_size_free(s);
    skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for the %dx%d FFT plan", T, T);
    return NULL;
}

/* Frequency tables of a size for one configuration: radial bin and band bits per element, then
 * the runs psd.c reads them by. */
/* Each spectrum sample's class: its radial bin (bpo bins an octave, up to TEX_MAX_BINS) and the
 * bands it lies in (bits 0-2 the three bands, 8 the roughness band), a class per (bin, bands)
 * combination met; the bins' weights and mean log-frequencies. */
static void size_classes(tex_size *s, const tex_cfg *c, int bpo)
{
    const int T = s->T, W = T / 2 + 1;
    int nb = (int)ceil(log2(T / 2.0) * bpo);
    if (nb > TEX_MAX_BINS)
        nb = TEX_MAX_BINS;
    s->nbins = nb;
    s->nclasses = 1;
    int16_t cmap[TEX_MAX_BINS + 1][16];
    memset(cmap, 0xff, sizeof cmap); /* -1: no class yet */
    s->class_bin[0] = -1;
    s->class_bits[0] = 0;
    memset(s->bin_count, 0, sizeof s->bin_count);
    memset(s->bin_logf, 0, sizeof s->bin_logf);
    /* rows i and T − i (ky = ±i) hold the same frequencies: the rows up to T/2, each standing
     * for its mirror too */
    for (int i = 0; i <= T / 2; i++) {
        double fy = i / (double)T;
        const double mirror = i > 0 && i < T / 2 ? 2 : 1;
        for (int j = 0; j < W; j++) {
            double fx = j / (double)T, f = sqrt(fx * fx + fy * fy);
            double wgt = ((j == 0 || j == T / 2) ? 1 : 2) * mirror;
            size_t e = (size_t)i * W + (size_t)j;
            uint8_t b = 255, bits = 0;
            if (f > 0 && f <= 0.5) {
                int k = (int)floor(log2(f * T) * bpo + 1e-9);
                if (k >= nb)
                    k = nb - 1;
                b = (uint8_t)k;
                s->bin_count[k] += wgt;
                s->bin_logf[k] += wgt * log(f);
            }
            if (f > 0) {
                for (int q = 0; q < 3; q++)
                    if (f >= c->band[q][0] && f < c->band[q][1])
                        bits |= (uint8_t)(1u << q);
                if (f >= c->rough[0] && f <= c->rough[1])
                    bits |= 8;
            }
            s->bands[e] = bits;
            if (i == 0 && j == 0) {
                s->cls[e] = 0;
                continue;
            }
            int16_t *slot = &cmap[b == 255 ? 0 : b + 1][bits];
            if (*slot < 0) { /* a new (bin, bands) combination */
                *slot = (int16_t)s->nclasses;
                s->class_bin[s->nclasses] = (int16_t)(b == 255 ? -1 : b);
                s->class_bits[s->nclasses] = bits;
                s->nclasses++;
            }
            s->cls[e] = (uint16_t)*slot;
        }
        if (mirror > 1) {
            memcpy(s->cls + (size_t)(T - i) * W, s->cls + (size_t)i * W, sizeof *s->cls * (size_t)W);
            memcpy(s->bands + (size_t)(T - i) * W, s->bands + (size_t)i * W, (size_t)W);
        }
    }
}

/* Along each kx row of the transposed spectrum (ky = 0 .. T−1): the runs of one class, and the
 * ranges in the roughness band; counted, then stored. -1 when they cannot be stored. */
static int size_runs(tex_size *s)
{
    const int T = s->T, W = T / 2 + 1;
    int nr = 0, nrr = 0, kc = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (nr > s->run_cap || nrr > s->rrun_cap) {
                skinq_free_raw(&s->alloc, s->runs);
                skinq_free_raw(&s->alloc, s->rruns);
                s->runs = s_calloc(s, (size_t)nr, sizeof *s->runs);
                s->rruns = s_calloc(s, nrr > 0 ? (size_t)nrr : 1, sizeof *s->rruns);
                s->run_cap = s->runs ? nr : 0;
                s->rrun_cap = s->rruns ? nrr : 0;
                if (!s->runs || !s->rruns)
                    return -1;
            }
            nr = nrr = 0;
        }
        for (int j = 0; j < W; j++) {
            if (pass == 1) {
                s->run_off[j] = nr;
                s->rrun_off[j] = nrr;
            }
            for (int i = 0; i < T; i++) {
                size_t e = (size_t)i * W + (size_t)j, up = (size_t)(i - 1) * W + (size_t)j;
                if (i == 0 || s->cls[e] != s->cls[up]) {
                    if (pass == 1)
                        s->runs[nr] = (tex_run){(uint16_t)i, (uint16_t)(i + 1), s->cls[e]};
                    nr++;
                } else if (pass == 1)
                    s->runs[nr - 1].b = (uint16_t)(i + 1);
                if (s->bands[e] & 8) {
                    if (i == 0 || !(s->bands[up] & 8)) {
                        if (pass == 1)
                            s->rruns[nrr] = (tex_run){(uint16_t)i, (uint16_t)(i + 1), 0};
                        nrr++;
                    } else if (pass == 1)
                        s->rruns[nrr - 1].b = (uint16_t)(i + 1);
                    kc = j + 1;
                }
            }
        }
    }
    s->run_off[W] = nr;
    s->rrun_off[W] = nrr;
    s->kc = kc;
    return 0;
}

int tex_size_tables(tex_size *s, const tex_cfg *c, int bpo)
{
    if (s->table_ppm == c->ppm)
        return 0;
    size_classes(s, c, bpo);
    if (size_runs(s) != 0) {
        s->table_ppm = -1;
        return -1;
    }
    s->table_ppm = c->ppm;
    return 0;
}

/* The roughness inverse's column pass: kc inverse DFTs from the transposed spectrum's first kc
 * rows into spec's first kc columns (the only ones psd.c reads back); planned again when kc
 * changes. */
int tex_size_rough(skinq_ctx *ctx, tex_size *s)
{
    const int T = s->T, W = T / 2 + 1, kc = s->kc, nT[1] = {T};
    if (kc == s->kc_planned && (kc == 0 || s->inv_cols))
        return 0;
    skinq_fftw_lock();
    if (s->inv_cols)
        fftwf_destroy_plan(s->inv_cols);
    s->inv_cols = NULL;
    if (kc > 0)
        s->inv_cols = fftwf_plan_many_dft(1, nT, kc, (fftwf_complex *)s->in[0], NULL, 1, T, s->spec[0], NULL,
                                          W, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
    skinq_fftw_unlock();
    if (kc > 0 && !s->inv_cols) {
        s->kc_planned = -1;
        skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for the %dx%d roughness FFT plan", T, T);
        return -1;
    }
    s->kc_planned = kc;
    return 0;
}
