/* scars.c -- the reference surface (robust large-scale local quadratic fit), depressions below
 * it as connected regions, and per-scar measures with a shape-based type hint. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "surface.h"

void skinq_scars_default_options(skinq_scars_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->min_depth = 0.05;
    o->low_fraction = 0.2;
    o->ref_scale_mm = 5.0;
    o->min_area_mm2 = 0.05;
    o->mask = NULL;
}

const char *skinq_scar_type_name(skinq_scar_type t)
{
    static const char *const names[] = {"icepick", "boxcar", "rolling"};
    return (unsigned)t < 3 ? names[t] : "unknown";
}

/* ------------------------------------------------------------ reference */

/* Monomials u^i v^j with i + j <= 4, in this order; the fit's basis is the first six. */
static const int MONO[15][2] = {{0, 0}, {1, 0}, {0, 1}, {2, 0}, {1, 1}, {0, 2}, {3, 0}, {2, 1},
                                {1, 2}, {0, 3}, {4, 0}, {3, 1}, {2, 2}, {1, 3}, {0, 4}};
#define NMOM 21 /* 15 weight moments + 6 height moments */

static int mono_index(int i, int j)
{
    for (int k = 0; k < 15; k++)
        if (MONO[k][0] == i && MONO[k][1] == j)
            return k;
    return -1;
}

typedef struct {
    const float *f;
    const uint8_t *wt; /* per-pixel weight 0/1 */
    int w, h, c, gw, gh;
    double cx, cy, inv_sigma;
    double *cell; /* gw*gh*4: W, Σu, Σv, ΣH (u, v normalised global coordinates) */
    double (*coef)[6];
    uint8_t *have; /* per cell: a fit exists */
    float *ref;
    double (*rowcoef)[3]; /* per thread: gw quadratics in u for the current row */
    int *col_g;           /* per pixel column: left cell of the bracket, */
    double *col_t, *col_u; /* the blend weight toward the right cell, and u */
} ref_job;

static void accumulate_task(void *user, int gy, int thread)
{
    ref_job *j = user;
    (void)thread;
    double *row = j->cell + (size_t)gy * (size_t)j->gw * 4;
    memset(row, 0, (size_t)j->gw * 4 * sizeof *row);
    int y1 = (gy + 1) * j->c < j->h ? (gy + 1) * j->c : j->h;
    for (int y = gy * j->c; y < y1; y++) {
        const float *f = j->f + (size_t)y * (size_t)j->w;
        const uint8_t *wt = j->wt + (size_t)y * (size_t)j->w;
        double v = (y - j->cy) * j->inv_sigma;
        for (int x = 0; x < j->w; x++) {
            if (!wt[x])
                continue;
            double *c = row + (size_t)(x / j->c) * 4;
            c[0] += 1;
            c[1] += (x - j->cx) * j->inv_sigma;
            c[2] += v;
            c[3] += f[x];
        }
    }
}

/* Bilinear blend of the four nearest cells' quadratics evaluated at each pixel. The blend is
 * linear in the coefficients, so per row the two cells of each column are blended first and
 * reduced to a quadratic in u (v is fixed on the row); a pixel then costs two Horner steps. */
static void evaluate_task(void *user, int y, int thread)
{
    ref_job *j = user;
    double fy = (y - (j->c - 1) * 0.5) / j->c;
    int gy0 = (int)floor(fy);
    if (gy0 < 0)
        gy0 = 0;
    if (gy0 > j->gh - 2)
        gy0 = j->gh > 1 ? j->gh - 2 : 0;
    double ty = j->gh > 1 ? fy - gy0 : 0;
    ty = ty < 0 ? 0 : ty > 1 ? 1 : ty;
    int gy1 = j->gh > 1 ? gy0 + 1 : gy0;
    double v = (y - j->cy) * j->inv_sigma;
    double (*rc)[3] = j->rowcoef + (size_t)thread * (size_t)j->gw;
    for (int gx = 0; gx < j->gw; gx++) {
        const double *c0 = j->coef[(size_t)gy0 * (size_t)j->gw + (size_t)gx];
        const double *c1 = j->coef[(size_t)gy1 * (size_t)j->gw + (size_t)gx];
        double cb[6];
        for (int k = 0; k < 6; k++)
            cb[k] = (1 - ty) * c0[k] + ty * c1[k];
        rc[gx][0] = cb[0] + cb[2] * v + cb[5] * v * v;
        rc[gx][1] = cb[1] + cb[4] * v;
        rc[gx][2] = cb[3];
    }
    float *out = j->ref + (size_t)y * (size_t)j->w;
    for (int x = 0; x < j->w; x++) {
        int gx0 = j->col_g[x];
        double tx = j->col_t[x], u = j->col_u[x];
        const double *a = rc[gx0], *b = rc[gx0 + (j->gw > 1)];
        double qa = a[0] + u * (a[1] + u * a[2]), qb = b[0] + u * (b[1] + u * b[2]);
        out[x] = (float)(qa + tx * (qb - qa));
    }
}

/* Solve the n×n SPD system a x = b (Cholesky, with a relative pivot floor). 0 ok, -1 singular. */
static int chol_solve(double *a, double *b, int n, int lda)
{
    double dmax = 0;
    for (int i = 0; i < n; i++)
        dmax = fmax(dmax, a[i * lda + i]);
    if (!(dmax > 0))
        return -1;
    for (int j = 0; j < n; j++) {
        double d = a[j * lda + j];
        for (int k = 0; k < j; k++)
            d -= a[j * lda + k] * a[j * lda + k];
        if (!(d > 1e-13 * a[j * lda + j]) || !(d > 0))
            return -1;
        d = sqrt(d);
        a[j * lda + j] = d;
        for (int i = j + 1; i < n; i++) {
            double s = a[i * lda + j];
            for (int k = 0; k < j; k++)
                s -= a[i * lda + k] * a[j * lda + k];
            a[i * lda + j] = s / d;
        }
    }
    for (int i = 0; i < n; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= a[i * lda + k] * b[k];
        b[i] = s / a[i * lda + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int k = i + 1; k < n; k++)
            s -= a[k * lda + i] * b[k];
        b[i] = s / a[i * lda + i];
    }
    return 0;
}

/* Separable Gaussian blur of `nch` grids (gw×gh, channel-major) in place; zero outside. */
static skinq_status blur_grids(skinq_ctx *ctx, double *g, int nch, int gw, int gh, double sg)
{
    int R = (int)ceil(3 * sg);
    if (R < 1)
        R = 1;
    double *k = skinq_malloc(ctx, (size_t)(2 * R + 1) * sizeof *k);
    int len = gw > gh ? gw : gh;
    double *tmp = skinq_malloc(ctx, (size_t)len * sizeof *tmp);
    if (!k || !tmp) {
        skinq_free(ctx, k);
        skinq_free(ctx, tmp);
        return SKINQ_E_NOMEM;
    }
    for (int t = -R; t <= R; t++)
        k[t + R] = exp(-0.5 * t * t / (sg * sg));
    size_t plane = (size_t)gw * (size_t)gh;
    for (int ch = 0; ch < nch; ch++) {
        double *p = g + (size_t)ch * plane;
        for (int y = 0; y < gh; y++) {
            double *row = p + (size_t)y * (size_t)gw;
            for (int x = 0; x < gw; x++) {
                double s = 0;
                int a = x - R < 0 ? 0 : x - R, b = x + R >= gw ? gw - 1 : x + R;
                for (int i = a; i <= b; i++)
                    s += k[i - x + R] * row[i];
                tmp[x] = s;
            }
            memcpy(row, tmp, (size_t)gw * sizeof *tmp);
        }
        for (int x = 0; x < gw; x++) {
            for (int y = 0; y < gh; y++) {
                double s = 0;
                int a = y - R < 0 ? 0 : y - R, b = y + R >= gh ? gh - 1 : y + R;
                for (int i = a; i <= b; i++)
                    s += k[i - y + R] * p[(size_t)i * (size_t)gw + (size_t)x];
                tmp[y] = s;
            }
            for (int y = 0; y < gh; y++)
                p[(size_t)y * (size_t)gw + (size_t)x] = tmp[y];
        }
    }
    skinq_free(ctx, k);
    skinq_free(ctx, tmp);
    return SKINQ_OK;
}

/* dst = mean of the finite values of src in a (2r+1)² box (NaN where there is none): a running
 * sum along each row, then running column sums carried down the rows (both passes stream
 * through memory row by row). tmp holds 2·w·h + 2·w floats. */
static void box_mean_nan(const float *src, int w, int h, int r, float *dst, float *tmp)
{
    float *sum = tmp, *cnt = tmp + (size_t)w * (size_t)h;
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * (size_t)w;
        float *os = sum + (size_t)y * (size_t)w, *oc = cnt + (size_t)y * (size_t)w;
        double a = 0;
        int c = 0;
        for (int x = 0; x < r && x < w; x++)
            if (isfinite(s[x])) {
                a += s[x];
                c++;
            }
        for (int x = 0; x < w; x++) {
            int in = x + r, out = x - r - 1;
            if (in < w && isfinite(s[in])) {
                a += s[in];
                c++;
            }
            if (out >= 0 && isfinite(s[out])) {
                a -= s[out];
                c--;
            }
            os[x] = (float)a;
            oc[x] = (float)c;
        }
    }
    /* column sums of rows [y - r, y + r]; the window sums are exact small integers for the
     * counts, and float row sums of at most 2r+1 values for the heights */
    float *acc = tmp + 2 * (size_t)w * (size_t)h, *acn = acc + w;
    for (int x = 0; x < w; x++)
        acc[x] = acn[x] = 0;
    for (int y = 0; y < r && y < h; y++)
        for (int x = 0; x < w; x++) {
            acc[x] += sum[(size_t)y * w + x];
            acn[x] += cnt[(size_t)y * w + x];
        }
    for (int y = 0; y < h; y++) {
        int in = y + r, out = y - r - 1;
        if (in < h)
            for (int x = 0; x < w; x++) {
                acc[x] += sum[(size_t)in * w + x];
                acn[x] += cnt[(size_t)in * w + x];
            }
        if (out >= 0)
            for (int x = 0; x < w; x++) {
                acc[x] -= sum[(size_t)out * w + x];
                acn[x] -= cnt[(size_t)out * w + x];
            }
        float *o = dst + (size_t)y * w;
        for (int x = 0; x < w; x++)
            o[x] = acn[x] > 0.5f ? acc[x] / acn[x] : NAN;
    }
}

skinq_status surface_reference(skinq_ctx *ctx, const float *f, int w, int h, const uint8_t *exclude,
                               double sigma_px, double t_min, double t_max, int iters, float *ref)
{
    size_t n = (size_t)w * (size_t)h;
    if (!(sigma_px > 0))
        sigma_px = 1;
    int c = (int)floor(sigma_px / 4);
    if (c < 1)
        c = 1;
    /* keep the coarse grid small whatever the sigma (at most ~256k cells) */
    int cmin = (int)ceil(sqrt((double)n / 262144.0));
    if (c < cmin)
        c = cmin;
    int gw = (w + c - 1) / c, gh = (h + c - 1) / c;
    size_t cells = (size_t)gw * (size_t)gh;
    uint8_t *wt = skinq_malloc(ctx, n);
    double *cell = skinq_malloc(ctx, cells * 4 * sizeof *cell);
    double *mom = skinq_malloc(ctx, cells * NMOM * sizeof *mom);
    double(*coef)[6] = skinq_malloc(ctx, cells * sizeof *coef);
    uint8_t *have = skinq_malloc(ctx, cells);
    float *res = skinq_malloc(ctx, n * sizeof *res), *sres = skinq_malloc(ctx, n * sizeof *sres);
    float *tmp = skinq_malloc(ctx, (2 * n + 2 * (size_t)w) * sizeof *tmp);
    skinq_status st = wt && cell && mom && coef && have && res && sres && tmp ? SKINQ_OK : SKINQ_E_NOMEM;
    size_t usable = 0;
    for (size_t i = 0; st == SKINQ_OK && i < n; i++) {
        wt[i] = isfinite(f[i]) && !(exclude && exclude[i]);
        usable += wt[i];
    }
    if (st == SKINQ_OK && usable == 0)
        st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no usable height value for the reference surface");
    int pairs[6][6];
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            pairs[a][b] = mono_index(MONO[a][0] + MONO[b][0], MONO[a][1] + MONO[b][1]);
    ref_job j = {f, wt, w, h, c, gw, gh, w * 0.5, h * 0.5, 1.0 / sigma_px, cell, coef, have, ref, NULL, NULL, NULL, NULL};
    j.rowcoef = skinq_malloc(ctx, (size_t)skinq_ctx_threads(ctx) * (size_t)gw * sizeof *j.rowcoef);
    j.col_g = skinq_malloc(ctx, (size_t)w * sizeof *j.col_g);
    j.col_t = skinq_malloc(ctx, (size_t)w * sizeof *j.col_t);
    j.col_u = skinq_malloc(ctx, (size_t)w * sizeof *j.col_u);
    if (st == SKINQ_OK && (!j.rowcoef || !j.col_g || !j.col_t || !j.col_u))
        st = SKINQ_E_NOMEM;
    for (int x = 0; st == SKINQ_OK && x < w; x++) {
        double fx = (x - (c - 1) * 0.5) / c;
        int gx0 = (int)floor(fx);
        if (gx0 > gw - 2)
            gx0 = gw - 2;
        if (gx0 < 0)
            gx0 = 0;
        double tx = gw > 1 ? fx - gx0 : 0;
        j.col_g[x] = gx0;
        j.col_t[x] = tx < 0 ? 0 : tx > 1 ? 1 : tx;
        j.col_u[x] = (x - j.cx) * j.inv_sigma;
    }
    for (int it = 0; st == SKINQ_OK && it < (iters < 1 ? 1 : iters); it++) {
        skinq_parallel_for(ctx, gh, accumulate_task, &j);
        /* per cell: weight W at the centroid (u, v) with mean height H → moment grids */
        for (size_t i = 0; i < cells; i++) {
            double W = cell[i * 4];
            double u = W > 0 ? cell[i * 4 + 1] / W : 0, v = W > 0 ? cell[i * 4 + 2] / W : 0;
            double H = W > 0 ? cell[i * 4 + 3] / W : 0;
            double up[5] = {1, u, u * u, u * u * u, u * u * u * u}, vp[5] = {1, v, v * v, v * v * v, v * v * v * v};
            for (int k = 0; k < 15; k++)
                mom[(size_t)k * cells + i] = W * up[MONO[k][0]] * vp[MONO[k][1]];
            for (int k = 0; k < 6; k++)
                mom[(size_t)(15 + k) * cells + i] = W * H * up[MONO[k][0]] * vp[MONO[k][1]];
        }
        st = blur_grids(ctx, mom, NMOM, gw, gh, sigma_px / c);
        if (st != SKINQ_OK)
            break;
        double wmax = 0;
        for (size_t i = 0; i < cells; i++)
            wmax = fmax(wmax, mom[i]);
        /* per cell: the weighted local quadratic (falling back to a plane, then a constant) */
        size_t nhave = 0;
        for (size_t i = 0; i < cells; i++) {
            memset(coef[i], 0, sizeof coef[i]);
            have[i] = 0;
            if (!(mom[i] > 1e-9 * wmax))
                continue;
            for (int order = 6; order >= 1; order = order == 6 ? 3 : 0) {
                double A[36], b[6];
                for (int a = 0; a < order; a++) {
                    for (int bb = 0; bb < order; bb++)
                        A[a * 6 + bb] = mom[(size_t)pairs[a][bb] * cells + i];
                    b[a] = mom[(size_t)(15 + a) * cells + i];
                }
                if (chol_solve(A, b, order, 6) == 0) {
                    memcpy(coef[i], b, (size_t)order * sizeof b[0]);
                    have[i] = 1;
                    break;
                }
                if (order == 1)
                    break;
            }
            nhave += have[i];
        }
        if (nhave == 0) {
            st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no usable height value for the reference surface");
            break;
        }
        /* cells without a fit copy the nearest fitted cell (by rings) */
        if (nhave < cells) {
            for (int gy = 0; gy < gh; gy++)
                for (int gx = 0; gx < gw; gx++) {
                    size_t i = (size_t)gy * (size_t)gw + (size_t)gx;
                    if (have[i])
                        continue;
                    for (int r = 1; r < (gw > gh ? gw : gh); r++) {
                        int found = 0;
                        for (int dy = -r; dy <= r && !found; dy++)
                            for (int dx = -r; dx <= r && !found; dx++) {
                                if (abs(dx) != r && abs(dy) != r)
                                    continue;
                                int yy = gy + dy, xx = gx + dx;
                                if (yy < 0 || yy >= gh || xx < 0 || xx >= gw)
                                    continue;
                                size_t k = (size_t)yy * (size_t)gw + (size_t)xx;
                                if (have[k] == 1) {
                                    memcpy(coef[i], coef[k], sizeof coef[i]);
                                    found = 1;
                                }
                            }
                        if (found)
                            break;
                    }
                    have[i] = 2;
                }
        }
        skinq_parallel_for(ctx, h, evaluate_task, &j);
        /* the residual f − ref, lightly smoothed (5×5 box) so that pixel noise does not decide
         * the weights; the threshold adapts to its noise: 3 robust sigmas (1.4826 × median
         * |smoothed residual| of the included pixels), kept within [t_min, t_max] */
        for (size_t i = 0; i < n; i++)
            res[i] = f[i] - ref[i];
        box_mean_nan(res, w, h, 2, sres, tmp);
        float t_lo = (float)t_max;
        if (t_min < t_max) {
            /* from at most ~1M included pixels (a fixed stride: deterministic) */
            size_t k = 0, step = n / 1048576 + 1;
            for (size_t i = 0; i < n; i += step)
                if (wt[i] && isfinite(sres[i]))
                    res[k++] = fabsf(sres[i]);
            double mad;
            st = surface_quantile(ctx, res, k, 0.5, &mad);
            if (st != SKINQ_OK)
                break;
            double t = 3 * 1.4826 * mad;
            t_lo = (float)(t < t_min ? t_min : t > t_max ? t_max : t);
        }
        /* re-weight: pixels below the reference by more than t_lo do not count */
        size_t changed = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t nw = isfinite(f[i]) && !(exclude && exclude[i]) && !(sres[i] < -t_lo);
            changed += nw != wt[i];
            wt[i] = nw;
        }
        if (changed == 0 && it > 0)
            break;
    }
    skinq_free(ctx, wt);
    skinq_free(ctx, cell);
    skinq_free(ctx, mom);
    skinq_free(ctx, coef);
    skinq_free(ctx, have);
    skinq_free(ctx, j.rowcoef);
    skinq_free(ctx, j.col_g);
    skinq_free(ctx, j.col_t);
    skinq_free(ctx, j.col_u);
    skinq_free(ctx, res);
    skinq_free(ctx, sres);
    skinq_free(ctx, tmp);
    return st;
}

/* ------------------------------------------------------------ regions */

/* 8-connected flood fill of pixels with in[i] != 0 and lab[i] == 0 from seed; returns count. */
static size_t flood(const uint8_t *in, int32_t *lab, int w, int h, size_t seed, int32_t id, int32_t *queue)
{
    size_t head = 0, tail = 0;
    queue[tail++] = (int32_t)seed;
    lab[seed] = id;
    while (head < tail) {
        size_t i = (size_t)queue[head++];
        int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
        for (int dy = -1; dy <= 1; dy++) {
            int yy = y + dy;
            if (yy < 0 || yy >= h)
                continue;
            for (int dx = -1; dx <= 1; dx++) {
                int xx = x + dx;
                if (xx < 0 || xx >= w || (dx == 0 && dy == 0))
                    continue;
                size_t k = (size_t)yy * (size_t)w + (size_t)xx;
                if (in[k] && lab[k] == 0) {
                    lab[k] = id;
                    queue[tail++] = (int32_t)k;
                }
            }
        }
    }
    return tail;
}

static int cmp_scar(const void *a, const void *b)
{
    const skinq_scar *x = a, *y = b;
    return (x->max_depth < y->max_depth) - (x->max_depth > y->max_depth);
}

void skinq_scars_free(skinq_scars **ps)
{
    if (!ps || !*ps)
        return;
    skinq_scars *s = *ps;
    skinq_allocator a = s->alloc;
    skinq_free_raw(&a, s->items);
    skinq_free_raw(&a, s->reference);
    skinq_free_raw(&a, s->depth);
    skinq_free_raw(&a, s->labels);
    skinq_free_raw(&a, s);
    *ps = NULL;
}

skinq_status skinq_scars_find(skinq_ctx *ctx, const float *hgt, int w, int h, double px_per_mm,
                              const skinq_scars_options *o, skinq_scars **out)
{
    skinq_scars_options def;
    skinq_status ost = SKINQ_OPTIONS_TAKE(ctx, &def, o, skinq_scars_default_options, "skinq_scars_options");
    if (ost != SKINQ_OK)
        return ost;
    o = &def;
    if (!hgt || w <= 0 || h <= 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid height field %dx%d", w, h);
    if (!(o->min_depth > 0) || !(o->low_fraction >= 0 && o->low_fraction <= 1) || !(o->ref_scale_mm > 0) ||
        !(o->min_area_mm2 >= 0))
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid scar options (min depth %g, reference scale %g)", o->min_depth,
                          o->ref_scale_mm);
    if (o->mask && (o->mask->width != w || o->mask->height != h))
        return skinq_fail(ctx, SKINQ_E_INVALID, "the scar mask is %dx%d but the height field is %dx%d", o->mask->width,
                          o->mask->height, w, h);
    const int scaled = px_per_mm > 0;
    const double px = scaled ? 1.0 / px_per_mm : 1.0; /* length of a pixel */
    const double sigma = scaled ? o->ref_scale_mm * px_per_mm : (w < h ? w : h) / 20.0;
    size_t n = (size_t)w * (size_t)h;

    skinq_scars *s = skinq_calloc(ctx, 1, sizeof *s);
    if (!s)
        return SKINQ_E_NOMEM;
    s->alloc = ctx->alloc;
    s->width = w;
    s->height = h;
    s->ref_sigma_px = sigma;
    s->reference = skinq_malloc(ctx, n * sizeof(float));
    s->depth = skinq_malloc(ctx, n * sizeof(float));
    s->labels = skinq_calloc(ctx, n, sizeof(int32_t));
    uint8_t *excl = NULL, *core = skinq_malloc(ctx, n), *grown = skinq_malloc(ctx, n);
    int32_t *clab = skinq_calloc(ctx, n, sizeof(int32_t)), *queue = skinq_malloc(ctx, n * sizeof(int32_t));
    skinq_status st = s->reference && s->depth && s->labels && core && grown && clab && queue ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK && o->mask) {
        excl = skinq_malloc(ctx, n);
        if (!excl)
            st = SKINQ_E_NOMEM;
        for (int y = 0; excl && y < h; y++)
            for (int x = 0; x < w; x++)
                excl[(size_t)y * w + x] = o->mask->data[(size_t)y * o->mask->stride + (size_t)x] != 0;
    }
    if (st == SKINQ_OK)
        st = surface_reference(ctx, hgt, w, h, excl, sigma, 0.1 * o->min_depth, 0.5 * o->min_depth, 10, s->reference);
    double sa = 0, sq = 0;
    size_t nvalid = 0;
    if (st == SKINQ_OK) {
        for (size_t i = 0; i < n; i++) {
            float d = isfinite(hgt[i]) ? s->reference[i] - hgt[i] : NAN;
            s->depth[i] = d;
            if (isfinite(d)) {
                sa += fabs(d);
                sq += (double)d * d;
                nvalid++;
            }
            core[i] = excl ? excl[i] : d > (float)o->min_depth;
        }
        s->sa = nvalid ? sa / nvalid : NAN;
        s->sq = nvalid ? sqrt(sq / nvalid) : NAN;
    }
    /* the volume region grows through pixels whose 5×5 mean depth exceeds low_fraction·min_depth
     * (smoothed so that noise neither cuts it short nor lets it wander) */
    if (st == SKINQ_OK && !excl) {
        float *sd = skinq_malloc(ctx, n * sizeof *sd), *tmp = skinq_malloc(ctx, (2 * n + 2 * (size_t)w) * sizeof *tmp);
        if (!sd || !tmp) {
            st = SKINQ_E_NOMEM;
        } else {
            const float low = (float)(o->low_fraction * o->min_depth);
            box_mean_nan(s->depth, w, h, 2, sd, tmp);
            for (size_t i = 0; i < n; i++)
                grown[i] = sd[i] > low;
        }
        skinq_free(ctx, sd);
        skinq_free(ctx, tmp);
    } else if (st == SKINQ_OK) {
        memset(grown, 0, n);
    }
    /* core regions → candidate scars */
    int32_t ncomp = 0;
    size_t min_px = excl ? 1 : scaled ? (size_t)ceil(o->min_area_mm2 * px_per_mm * px_per_mm) : 9;
    if (min_px < 1)
        min_px = 1;
    skinq_scar *items = NULL;
    int cap = 0;
    for (size_t i = 0; st == SKINQ_OK && i < n; i++) {
        if (!core[i] || clab[i])
            continue;
        size_t cnt = flood(core, clab, w, h, i, ncomp + 1, queue);
        if (cnt < min_px) {
            for (size_t k = 0; k < cnt; k++)
                clab[queue[k]] = -1; /* too small: remembered as visited, not a scar */
            continue;
        }
        if (ncomp == cap) {
            int ncap = cap ? cap * 2 : 16;
            skinq_scar *ni = skinq_malloc(ctx, (size_t)ncap * sizeof *ni);
            if (!ni) {
                st = SKINQ_E_NOMEM;
                break;
            }
            if (items)
                memcpy(ni, items, (size_t)ncomp * sizeof *ni);
            skinq_free(ctx, items);
            items = ni;
            cap = ncap;
        }
        ncomp++;
        skinq_scar *sc = &items[ncomp - 1];
        memset(sc, 0, sizeof *sc);
        double sumd = 0, sx = 0, sy = 0, maxd = -INFINITY;
        for (size_t k = 0; k < cnt; k++) {
            size_t q = (size_t)queue[k];
            float d = s->depth[q];
            if (isfinite(d)) {
                sumd += d;
                maxd = fmax(maxd, d);
            }
            sx += (double)(q % (size_t)w) + 0.5;
            sy += (double)(q / (size_t)w) + 0.5;
        }
        sc->pixels = (int)cnt;
        sc->max_depth = isfinite(maxd) ? maxd : NAN;
        sc->mean_depth = sumd / (double)cnt;
        sc->area = (double)cnt * px * px;
        sc->equiv_diameter = 2 * sqrt(sc->area / 3.14159265358979323846);
        sc->centroid[0] = sx / (double)cnt * px;
        sc->centroid[1] = sy / (double)cnt * px;
        size_t flat = 0;
        for (size_t k = 0; k < cnt; k++)
            flat += s->depth[queue[k]] >= 0.75 * sc->max_depth;
        sc->flat_fraction = (double)flat / (double)cnt;
    }
    /* volume regions: grow each kept core through `grown` (multi-source BFS: nearest core wins) */
    if (st == SKINQ_OK) {
        size_t head = 0, tail = 0;
        for (size_t i = 0; i < n; i++) {
            if (clab[i] > 0) {
                s->labels[i] = clab[i];
                queue[tail++] = (int32_t)i;
            }
        }
        while (head < tail) {
            size_t i = (size_t)queue[head++];
            int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    size_t k = (size_t)yy * (size_t)w + (size_t)xx;
                    if (grown[k] && s->labels[k] == 0) {
                        s->labels[k] = s->labels[i];
                        queue[tail++] = (int32_t)k;
                    }
                }
        }
        for (int c = 0; c < ncomp; c++) {
            items[c].bbox.x = w;
            items[c].bbox.y = h;
            items[c].bbox.w = -1; /* holds x1 until the end */
            items[c].bbox.h = -1;
        }
        for (size_t i = 0; i < n; i++) {
            int32_t l = s->labels[i];
            if (l <= 0)
                continue;
            skinq_scar *sc = &items[l - 1];
            float d = s->depth[i];
            if (isfinite(d))
                sc->volume += d; /* signed: noise averages out instead of adding up */
            int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
            sc->bbox.x = x < sc->bbox.x ? x : sc->bbox.x;
            sc->bbox.y = y < sc->bbox.y ? y : sc->bbox.y;
            sc->bbox.w = x > sc->bbox.w ? x : sc->bbox.w;
            sc->bbox.h = y > sc->bbox.h ? y : sc->bbox.h;
        }
        for (int c = 0; c < ncomp; c++) {
            skinq_scar *sc = &items[c];
            sc->volume = sc->volume > 0 ? sc->volume * px * px : 0;
            sc->bbox.w = sc->bbox.w - sc->bbox.x + 1;
            sc->bbox.h = sc->bbox.h - sc->bbox.y + 1;
            /* type hint from shape (boxcar: flat floor; ice-pick: narrow and deep; else rolling) */
            if (sc->flat_fraction >= 0.35)
                sc->type = SKINQ_SCAR_BOXCAR;
            else if (sc->max_depth >= 0.25 * sc->equiv_diameter)
                sc->type = SKINQ_SCAR_ICEPICK;
            else
                sc->type = SKINQ_SCAR_ROLLING;
        }
    }
    /* deepest first (ties keep their order), labels renumbered to match */
    if (st == SKINQ_OK && ncomp > 1) {
        int32_t *idx = skinq_malloc(ctx, (size_t)ncomp * sizeof *idx);
        int32_t *newlab = skinq_malloc(ctx, (size_t)ncomp * sizeof *newlab);
        skinq_scar *sorted = skinq_malloc(ctx, (size_t)ncomp * sizeof *sorted);
        if (!idx || !newlab || !sorted) {
            st = SKINQ_E_NOMEM;
        } else {
            for (int c = 0; c < ncomp; c++)
                idx[c] = c;
            for (int a = 1; a < ncomp; a++) { /* insertion sort: stable */
                int32_t t = idx[a];
                int b = a - 1;
                while (b >= 0 && cmp_scar(&items[idx[b]], &items[t]) > 0) {
                    idx[b + 1] = idx[b];
                    b--;
                }
                idx[b + 1] = t;
            }
            for (int c = 0; c < ncomp; c++) {
                sorted[c] = items[idx[c]];
                newlab[idx[c]] = c + 1;
            }
            for (size_t i = 0; i < n; i++)
                if (s->labels[i] > 0)
                    s->labels[i] = newlab[s->labels[i] - 1];
            memcpy(items, sorted, (size_t)ncomp * sizeof *items);
        }
        skinq_free(ctx, idx);
        skinq_free(ctx, newlab);
        skinq_free(ctx, sorted);
    }
    if (st == SKINQ_OK) {
        s->count = ncomp;
        s->items = items;
        items = NULL;
        double area_px = 0, sumd = 0;
        s->max_depth = 0;
        for (int c = 0; c < ncomp; c++) {
            skinq_scar *sc = &s->items[c];
            s->max_depth = fmax(s->max_depth, sc->max_depth);
            s->area += sc->area;
            s->volume += sc->volume;
            area_px += sc->pixels;
            sumd += sc->mean_depth * sc->pixels;
        }
        s->mean_depth = area_px > 0 ? sumd / area_px : 0;
        *out = s;
        s = NULL;
    }
    skinq_free(ctx, items);
    skinq_free(ctx, excl);
    skinq_free(ctx, core);
    skinq_free(ctx, grown);
    skinq_free(ctx, clab);
    skinq_free(ctx, queue);
    skinq_scars_free(&s);
    return st;
}
