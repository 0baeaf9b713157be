/* spots.c -- pigmented spots (melanin-index outliers above a smoothed local baseline, as
 * connected components) and tone evenness (std of L* block means).
 *
 * Baseline: normalised convolution, blur(mel·roi) / blur(roi), so the outside of the ROI does
 * not pull it; the blur is three box passes per axis, which approximate a Gaussian of the given
 * sigma to a few per cent (Wells, IEEE PAMI 1986), run on block sums over D×D blocks (sigma/8)
 * and interpolated back (base_make). A pixel is a spot pixel when its residual
 * exceeds the residual median by max(spot_min_delta, spot_k × 1.4826 × MAD); spots are the
 * 8-connected components of at least spot_min_area. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

typedef struct box_job {
    float *p, *tmp;
    int w, h, r;
} box_job;

/* One box pass along rows (task = row), edges clamped. */
static void box_rows(void *user, int task, int thread)
{
    (void)thread;
    box_job *j = user;
    float *row = j->p + (size_t)task * j->w, *t = j->tmp + (size_t)task * j->w;
    const int w = j->w, r = j->r;
    double s = 0;
    for (int i = -r; i <= r; i++)
        s += row[i < 0 ? 0 : i >= w ? w - 1 : i];
    for (int x = 0; x < w; x++) {
        t[x] = (float)(s / (2 * r + 1));
        int add = x + r + 1, sub = x - r;
        s += row[add >= w ? w - 1 : add] - row[sub < 0 ? 0 : sub];
    }
    memcpy(row, t, sizeof(float) * (size_t)w);
}

/* One box pass along columns, 64 columns a task: running sums per column, the output rows of
 * the task's columns into tmp (same layout, so each task owns its own band), then copied back. */
static void box_cols(void *user, int task, int thread)
{
    (void)thread;
    box_job *j = user;
    const int w = j->w, h = j->h, r = j->r, x0 = task * 64, x1 = x0 + 64 < w ? x0 + 64 : w;
    double s[64];
    for (int x = x0; x < x1; x++) {
        double a = 0;
        for (int i = -r; i <= r; i++)
            a += j->p[(size_t)(i < 0 ? 0 : i >= h ? h - 1 : i) * w + (size_t)x];
        s[x - x0] = a;
    }
    const double inv = 1.0 / (2 * r + 1);
    for (int y = 0; y < h; y++) {
        int add = y + r + 1, sub = y - r;
        const float *ra = j->p + (size_t)(add >= h ? h - 1 : add) * w, *rs = j->p + (size_t)(sub < 0 ? 0 : sub) * w;
        float *t = j->tmp + (size_t)y * w;
        for (int x = x0; x < x1; x++) {
            t[x] = (float)(s[x - x0] * inv);
            s[x - x0] += ra[x] - rs[x];
        }
    }
    for (int y = 0; y < h; y++)
        memcpy(j->p + (size_t)y * w + x0, j->tmp + (size_t)y * w + x0, sizeof(float) * (size_t)(x1 - x0));
}

/* In-place approximate Gaussian of sigma: three box passes per axis (tmp: w×h floats). */
static void blur3(skinq_ctx *ctx, float *p, float *tmp, int w, int h, double sigma)
{
    int wi = (int)floor(sqrt(12.0 * sigma * sigma / 3 + 1));
    if (wi % 2 == 0)
        wi--;
    box_job j = {p, tmp, w, h, wi > 1 ? (wi - 1) / 2 : 0};
    if (j.r == 0)
        return;
    for (int pass = 0; pass < 3; pass++) {
        skinq_parallel_for(ctx, h, box_rows, &j);
        skinq_parallel_for(ctx, (w + 63) / 64, box_cols, &j);
    }
}

/* The baseline on a grid D times coarser: block sums of mel·roi and roi, blurred there, and
 * bilinear in between. A baseline of sigma 2 mm (40 px at 20 px/mm) has nothing finer than the
 * block, so this changes it by a fraction of a per cent and saves the three full-size planes and
 * 18 full-size box passes the blur would take at full resolution. */
typedef struct base_grid {
    int D, gw, gh;
    float *num, *den; /* gw×gh blurred block sums */
    int *xa, *xb;     /* per column: the two grid columns it lies between, ... */
    float *tx;        /* ... and the weight of the second */
} base_grid;

typedef struct sums_job {
    const tex_img *im;
    base_grid *g;
    float *rows; /* per thread: 2 rows (column sums of mel and of counts) */
} sums_job;

/* The block sums of grid row Y (its D image rows): one task a grid row, so threads never
 * share a cell. The rows are summed column by column first (branch-free, vectorised: a pixel
 * that does not count adds 0), then each block's D columns. */
TEX_CLONES static void block_sums(void *user, int Y, int thread)
{
    sums_job *j = user;
    const tex_img *im = j->im;
    base_grid *g = j->g;
    const int w = im->w;
    float *restrict cv = j->rows + (size_t)thread * 2 * (size_t)w, *restrict cc = cv + w;
    memset(cv, 0, sizeof *cv * 2 * (size_t)w);
    float *n = g->num + (size_t)Y * g->gw, *d = g->den + (size_t)Y * g->gw;
    const int y1 = (Y + 1) * g->D < im->h ? (Y + 1) * g->D : im->h;
    for (int y = Y * g->D; y < y1; y++) {
        const uint8_t *m = im->roi ? im->roi + (size_t)y * im->roi_stride : NULL;
        if (im->mel16) {
            const int16_t *restrict r = im->mel16 + (size_t)y * im->stride;
            /* ok·v rather than a select: the same sums (a pixel that does not count adds ±0) */
            if (m)
                for (int x = 0; x < w; x++) {
                    const float ok = (float)((r[x] != SKINQ_MEL16_NONE) & (m[x] != 0));
                    cv[x] += ok * ((float)r[x] * (1.0f / SKINQ_MEL16_SCALE));
                    cc[x] += ok;
                }
            else
                for (int x = 0; x < w; x++) {
                    const float ok = (float)(r[x] != SKINQ_MEL16_NONE);
                    cv[x] += ok * ((float)r[x] * (1.0f / SKINQ_MEL16_SCALE));
                    cc[x] += ok;
                }
        } else {
            const float *r = im->mel + (size_t)y * im->stride;
            for (int x = 0; x < w; x++) {
                const int ok = r[x] - r[x] == 0 && (!m || m[x]); /* finite */
                cv[x] += ok ? r[x] : 0.0f;
                cc[x] += ok ? 1.0f : 0.0f;
            }
        }
    }
    for (int x0 = 0, X = 0; x0 < w; x0 += g->D, X++) {
        const int x1 = x0 + g->D < w ? x0 + g->D : w;
        float sv = 0, sc = 0;
        for (int x = x0; x < x1; x++) {
            sv += cv[x];
            sc += cc[x];
        }
        n[X] = sv;
        d[X] = sc;
    }
}

static skinq_status base_make(skinq_ctx *ctx, const tex_img *im, double sigma, base_grid *g)
{
    g->D = sigma >= 16 ? (int)(sigma / 8) : 1; /* >= 8 coarse px of sigma: the box passes stay close */
    g->gw = (im->w + g->D - 1) / g->D;
    g->gh = (im->h + g->D - 1) / g->D;
    const size_t gn = (size_t)g->gw * (size_t)g->gh;
    g->num = skinq_calloc(ctx, gn, sizeof *g->num);
    g->den = skinq_calloc(ctx, gn, sizeof *g->den);
    float *tmp = skinq_malloc(ctx, gn * sizeof *tmp);
    float *rows = skinq_malloc(ctx, 2 * (size_t)im->w * (size_t)skinq_ctx_threads(ctx) * sizeof *rows);
    g->xa = skinq_malloc(ctx, (size_t)im->w * sizeof *g->xa);
    g->xb = skinq_malloc(ctx, (size_t)im->w * sizeof *g->xb);
    g->tx = skinq_malloc(ctx, (size_t)im->w * sizeof *g->tx);
    skinq_status st = g->num && g->den && tmp && rows && g->xa && g->xb && g->tx ? SKINQ_OK : SKINQ_E_NOMEM;
    for (int x = 0; st == SKINQ_OK && x < im->w; x++) {
        double fx = (x + 0.5) / g->D - 0.5; /* grid cell centres sit at D·(X + 1/2) − 1/2 */
        int X0 = (int)floor(fx);
        g->tx[x] = (float)(fx - X0);
        g->xa[x] = X0 < 0 ? 0 : X0;
        g->xb[x] = X0 + 1 >= g->gw ? g->gw - 1 : X0 + 1;
    }
    if (st == SKINQ_OK) {
        sums_job sj = {im, g, rows};
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

static void base_free(skinq_ctx *ctx, base_grid *g)
{
    skinq_free(ctx, g->num);
    skinq_free(ctx, g->den);
    skinq_free(ctx, g->xa);
    skinq_free(ctx, g->xb);
    skinq_free(ctx, g->tx);
}

/* Residuals mel − baseline of row y at columns 0, step, 2·step, ... into res (NaN outside the
 * ROI or where mel is not finite); nr, dr: 2·gw floats of scratch. The baseline's numerator and
 * denominator are interpolated first (grid rows, then columns), and divided per pixel: normalised
 * convolution interpolates both, not the ratio. Branch-free loops, so the compiler vectorises
 * them; inlined with step 1 (every row of bin_rows) and with the sample grid's step. */
static inline __attribute__((always_inline)) void residual_row(const tex_img *im, const base_grid *g, int y,
                                                               const int step, float *restrict res,
                                                               float *restrict nr, float *restrict dr)
{
    const int D = g->D, gw = g->gw, n = (im->w + step - 1) / step;
    double fy = (y + 0.5) / D - 0.5;
    int Y0 = (int)floor(fy);
    double ty = fy - Y0;
    int Ya = Y0 < 0 ? 0 : Y0, Yb = Y0 + 1 >= g->gh ? g->gh - 1 : Y0 + 1;
    const float *na = g->num + (size_t)Ya * gw, *nb = g->num + (size_t)Yb * gw;
    const float *da = g->den + (size_t)Ya * gw, *db = g->den + (size_t)Yb * gw;
    for (int X = 0; X < gw; X++) {
        nr[X] = (float)((1 - ty) * na[X] + ty * nb[X]);
        dr[X] = (float)((1 - ty) * da[X] + ty * db[X]);
    }
    /* the melanin index of the row's samples into res, NaN where it does not count */
    if (im->mel16) {
        const int16_t *r = im->mel16 + (size_t)y * im->stride;
        for (int i = 0; i < n; i++) {
            const int16_t v = r[(size_t)i * step];
            res[i] = v == SKINQ_MEL16_NONE ? NAN : (float)v * (1.0f / SKINQ_MEL16_SCALE);
        }
    } else {
        const float *r = im->mel + (size_t)y * im->stride;
        for (int i = 0; i < n; i++) {
            const float v = r[(size_t)i * step];
            res[i] = v - v == 0 ? v : NAN; /* ±inf and NaN out */
        }
    }
    if (im->roi) {
        const uint8_t *m = im->roi + (size_t)y * im->roi_stride;
        for (int i = 0; i < n; i++)
            res[i] = m[(size_t)i * step] ? res[i] : NAN;
    }
    const int *xa = g->xa, *xb = g->xb;
    const float *tx = g->tx;
    for (int i = 0; i < n; i++) {
        const size_t x = (size_t)i * step;
        const float t = tx[x], a0 = nr[xa[x]], a1 = dr[xa[x]];
        const float nv = a0 + t * (nr[xb[x]] - a0), d = a1 + t * (dr[xb[x]] - a1);
        const int ok = d > 1e-6f;
        const float q = res[i] - nv / d;
        res[i] = ok ? q : NAN;
    }
}

TEX_CLONES static void base_residual_row(const tex_img *im, const base_grid *g, int y, int step, float *res,
                                         float *nr, float *dr)
{
    if (step == 1)
        residual_row(im, g, y, 1, res, nr, dr);
    else
        residual_row(im, g, y, step, res, nr, dr);
}

typedef struct sample_job {
    const tex_img *im;
    const base_grid *g;
    int step;
    size_t cols;
    float *sample;  /* rows × cols */
    float *scratch; /* per thread: w + 2·gw floats */
    size_t per_thread;
} sample_job;

static void sample_row(void *user, int r, int thread)
{
    sample_job *j = user;
    float *res = j->scratch + (size_t)thread * j->per_thread, *nr = res + j->im->w, *dr = nr + j->g->gw;
    base_residual_row(j->im, j->g, r * j->step, j->step, res, nr, dr);
    memcpy(j->sample + (size_t)r * j->cols, res, sizeof *res * j->cols);
}

typedef struct bin_job {
    const tex_img *im;
    const base_grid *g;
    float thr;
    uint8_t *bin;
    float *scratch; /* per thread: w + 2·gw floats */
    size_t per_thread;
} bin_job;

static void bin_rows(void *user, int y, int thread)
{
    bin_job *j = user;
    float *res = j->scratch + (size_t)thread * j->per_thread, *nr = res + j->im->w, *dr = nr + j->g->gw;
    base_residual_row(j->im, j->g, y, 1, res, nr, dr);
    const int w = j->im->w;
    const float thr = j->thr;
    uint8_t *b = j->bin + (size_t)y * (size_t)w;
    for (int x = 0; x < w; x++)
        b[x] = res[x] > thr; /* NaN → 0 */
}

skinq_status tex_spots(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, double *count, double *area_fraction)
{
    const size_t w = (size_t)im->w, h = (size_t)im->h, n = w * h;
    base_grid g = {0, 0, 0, NULL, NULL, NULL, NULL, NULL};
    uint8_t *bin = NULL;
    float *sample = NULL, *scratch = NULL;
    int *stack = NULL;
    skinq_status st = base_make(ctx, im, c->spot_sigma, &g);
    const int threads = skinq_ctx_threads(ctx);
    const size_t per_thread = w + 2 * (size_t)g.gw;
    if (st == SKINQ_OK && !(scratch = skinq_malloc(ctx, per_thread * (size_t)threads * sizeof *scratch)))
        st = SKINQ_E_NOMEM;
    /* the robust spread from the residuals on a grid of about a million ROI pixels: the grid's
     * rows in parallel into their own slots (NaN where there is no sample), then in order */
    const int step = im->inside > 1000000 ? (int)ceil(sqrt((double)im->inside / 1e6)) : 1;
    const size_t srows = (h + (size_t)step - 1) / (size_t)step, scols = (w + (size_t)step - 1) / (size_t)step;
    size_t ns = 0;
    if (st == SKINQ_OK && !(sample = skinq_malloc(ctx, srows * scols * sizeof *sample)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        sample_job sj = {im, &g, step, scols, sample, scratch, per_thread};
        skinq_parallel_for(ctx, (int)srows, sample_row, &sj);
        for (size_t i = 0; i < srows * scols; i++)
            if (sample[i] == sample[i])
                sample[ns++] = sample[i];
    }
    if (st != SKINQ_OK)
        goto done;
    *count = 0;
    *area_fraction = 0;
    if (ns == 0)
        goto done;
    /* in place: the samples are this function's own, and their order does not matter */
    double med = skinq_quantile_inplace(sample, ns, 0.5);
    for (size_t i = 0; i < ns; i++)
        sample[i] = fabsf(sample[i] - (float)med);
    double mad = skinq_quantile_inplace(sample, ns, 0.5);
    double thr = c->spot_k * 1.4826 * mad;
    thr = med + (thr > c->spot_min_delta ? thr : c->spot_min_delta);
    bin = skinq_malloc(ctx, n);
    size_t cap = 4096;
    stack = skinq_malloc(ctx, cap * sizeof *stack * 2);
    if (!bin || !stack) {
        st = SKINQ_E_NOMEM;
        goto done;
    }
    bin_job bj = {im, &g, (float)thr, bin, scratch, per_thread};
    skinq_parallel_for(ctx, im->h, bin_rows, &bj);
    uint64_t spots = 0, area = 0;
    for (size_t y0 = 0; y0 < h; y0++)
        for (size_t x0 = 0; x0 < w; x0++) {
            if (x0 + 8 <= w) { /* spots are rare: skip empty runs eight flags at a time */
                uint64_t eight;
                memcpy(&eight, bin + y0 * w + x0, 8);
                if (!eight) {
                    x0 += 7;
                    continue;
                }
            }
            if (!bin[y0 * w + x0])
                continue;
            /* flood fill (8-connected), clearing as it goes */
            size_t sp = 0, a = 0;
            bin[y0 * w + x0] = 0;
            stack[0] = (int)x0;
            stack[1] = (int)y0;
            sp = 1;
            while (sp) {
                sp--;
                int x = stack[2 * sp], y = stack[2 * sp + 1];
                a++;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= im->w || yy >= im->h || !bin[(size_t)yy * w + (size_t)xx])
                            continue;
                        bin[(size_t)yy * w + (size_t)xx] = 0;
                        if (sp == cap) {
                            int *g = skinq_malloc(ctx, cap * 4 * sizeof *g);
                            if (!g) {
                                st = SKINQ_E_NOMEM;
                                goto done;
                            }
                            memcpy(g, stack, cap * 2 * sizeof *g);
                            skinq_free(ctx, stack);
                            stack = g;
                            cap *= 2;
                        }
                        stack[2 * sp] = xx;
                        stack[2 * sp + 1] = yy;
                        sp++;
                    }
            }
            if ((double)a >= c->spot_min_area) {
                spots++;
                area += a;
            }
        }
    *count = (double)spots;
    *area_fraction = im->inside ? (double)area / (double)im->inside : 0;
done:
    base_free(ctx, &g);
    skinq_free(ctx, scratch);
    skinq_free(ctx, bin);
    skinq_free(ctx, sample);
    skinq_free(ctx, stack);
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
