/* stats.c -- ROI statistics from the fused pass's accumulators: moments → mean and std,
 * histograms → percentiles and threshold fractions. */
#include <math.h>
#include <string.h>

#include "color/color_int.h"

/* Histogram range of each metric: [lo, lo + BINS/scale), bins of 1/scale (power-of-two scales,
 * so bin edges are exact in float). Values outside land in the end bins.
 *   L* [0, 128) by 1/128; a*, b* [-128, 128) by 1/64; erythema index [-256, 256) by 1/32;
 *   melanin index [-128, 384) by 1/32; blood, melanin volume fractions [-0.5, 1.5) by 1/8192; ITA° [-256,
 * 256) by 1/32. */
const float skinq_color_hist_lo[SKINQ_CM_COUNT] = {0.0f,    -128.0f, -128.0f, -256.0f,
                                                   -128.0f, -0.5f,   -0.5f,   -256.0f};
const float skinq_color_hist_scale[SKINQ_CM_COUNT] = {128.0f, 64.0f,   64.0f,   32.0f,
                                                      32.0f,  8192.0f, 8192.0f, 32.0f};

double skinq_color_bin_width(int m)
{
    return 1.0 / skinq_color_hist_scale[m];
}

/* Pixels behind metric m's statistics: the valid ones, inside the skin model for its two. */
uint64_t skinq_color_metric_n(const skinq_color_acc *acc, int m)
{
    return skinq_cm_model(m) ? acc->n_model : acc->n;
}

skinq_color_stat skinq_color_moments(const skinq_color_params *p, const skinq_color_acc *acc, int m)
{
    skinq_color_stat s = {NAN, NAN, NAN, NAN};
    uint64_t count = skinq_color_metric_n(acc, m);
    if (count == 0)
        return s;
    double n = (double)count, mu = acc->sum[m] / n, var = acc->sumsq[m] / n - mu * mu;
    s.mean = p->shift[m] + mu;
    s.std = sqrt(var > 0 ? var : 0);
    const uint32_t *h = acc->hist + (size_t)m * SKINQ_CHIST_STRIDE;
    int lo = 0, hi = SKINQ_CHIST_BINS - 1;
    while (lo < hi && h[lo] == 0)
        lo++;
    while (hi > lo && h[hi] == 0)
        hi--;
    s.min = skinq_color_hist_lo[m] + lo / (double)skinq_color_hist_scale[m];
    s.max = skinq_color_hist_lo[m] + (hi + 1) / (double)skinq_color_hist_scale[m];
    return s;
}

/* The k-th smallest value (0-based), placed inside its bin by its rank among the bin's counts. */
static double order_stat(const uint32_t *h, int m, uint64_t k)
{
    uint64_t cum = 0;
    for (int b = 0; b < SKINQ_CHIST_BINS; b++) {
        if (cum + h[b] > k)
            return skinq_color_hist_lo[m] +
                   (b + ((double)(k - cum) + 0.5) / h[b]) / skinq_color_hist_scale[m];
        cum += h[b];
    }
    return NAN;
}

double skinq_color_percentile(const skinq_color_acc *acc, int m, double q)
{
    uint64_t n = skinq_color_metric_n(acc, m);
    if (n == 0)
        return NAN;
    const uint32_t *h = acc->hist + (size_t)m * SKINQ_CHIST_STRIDE;
    double pos = q * (double)(n - 1);
    uint64_t k = (uint64_t)floor(pos);
    double frac = pos - (double)k, v = order_stat(h, m, k);
    if (frac > 0 && k + 1 < n)
        v += frac * (order_stat(h, m, k + 1) - v);
    return v;
}

double skinq_color_fraction_above(const skinq_color_acc *acc, int m, double thr)
{
    if (skinq_color_metric_n(acc, m) == 0)
        return NAN;
    const uint32_t *h = acc->hist + (size_t)m * SKINQ_CHIST_STRIDE;
    double t = (thr - skinq_color_hist_lo[m]) * skinq_color_hist_scale[m];
    t = t < 0 ? 0 : t > SKINQ_CHIST_BINS ? SKINQ_CHIST_BINS : t;
    int bt = (int)t;
    double count = 0;
    for (int b = bt + 1; b < SKINQ_CHIST_BINS; b++)
        count += h[b];
    if (bt < SKINQ_CHIST_BINS)
        count += h[bt] * (bt + 1 - t);
    return count / (double)skinq_color_metric_n(acc, m);
}

/* ---- accumulators of every thread (each with its own histogram) plus their sum ---- */

skinq_status skinq_color_accs_new(skinq_ctx *ctx, skinq_color_accs *A, int threads)
{
    A->n = threads;
    A->a = skinq_calloc(ctx, (size_t)threads + 1, sizeof *A->a);
    A->hist =
        skinq_calloc(ctx, ((size_t)threads + 1) * SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE, sizeof(uint32_t));
    if (!A->a || !A->hist)
        return SKINQ_E_NOMEM;
    for (int t = 0; t <= threads; t++)
        A->a[t].hist = A->hist + (size_t)t * SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE;
    return SKINQ_OK;
}

void skinq_color_accs_reset(skinq_color_accs *A)
{
    for (int t = 0; t <= A->n; t++) {
        uint32_t *h = A->a[t].hist;
        memset(&A->a[t], 0, sizeof A->a[t]);
        A->a[t].hist = h;
    }
    memset(A->hist, 0, ((size_t)A->n + 1) * SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE * sizeof(uint32_t));
}

void skinq_color_accs_sum(skinq_color_accs *A)
{
    skinq_color_acc *T = &A->a[A->n];
    for (int t = 0; t < A->n; t++) {
        const skinq_color_acc *a = &A->a[t];
        for (int m = 0; m < SKINQ_CM_COUNT; m++) {
            T->sum[m] += a->sum[m];
            T->sumsq[m] += a->sumsq[m];
        }
        T->n += a->n;
        T->n_model += a->n_model;
        T->clipped += a->clipped;
        T->inside += a->inside;
        for (size_t i = 0; i < (size_t)SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE; i++)
            T->hist[i] += a->hist[i];
    }
}

void skinq_color_accs_free(skinq_ctx *ctx, skinq_color_accs *A)
{
    skinq_free(ctx, A->a);
    skinq_free(ctx, A->hist);
    memset(A, 0, sizeof *A);
}

uint32_t **skinq_color_accs_bins(skinq_ctx *ctx, const skinq_color_accs *A)
{
    uint32_t **bins = skinq_malloc(ctx, (size_t)A->n * sizeof *bins);
    for (int t = 0; bins && t < A->n; t++)
        bins[t] = A->a[t].hist;
    return bins;
}
