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
    double (*rowcoef)[3];  /* per thread: gw quadratics in u for the current row */
    int *col_g;            /* per pixel column: left cell of the bracket, */
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
    double(*rc)[3] = j->rowcoef + (size_t)thread * (size_t)j->gw;
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

/* surface_reference()'s state: the job the threads read, and each iteration's buffers. */
typedef struct ref_fit {
    ref_job j;
    uint8_t *wt;             /* the per-pixel weights (j.wt) */
    double *mom;             /* NMOM moment grids of `cells` each */
    float *res, *sres, *tmp; /* residual, its 5×5 mean, box_mean_nan()'s scratch */
    size_t n, cells;
    int pairs[6][6]; /* moment index of the product of two quadratic monomials */
} ref_fit;

static void ref_fit_free(skinq_ctx *ctx, ref_fit *F)
{
    skinq_free(ctx, F->wt);
    skinq_free(ctx, F->j.cell);
    skinq_free(ctx, F->mom);
    skinq_free(ctx, F->j.coef);
    skinq_free(ctx, F->j.have);
    skinq_free(ctx, F->j.rowcoef);
    skinq_free(ctx, F->j.col_g);
    skinq_free(ctx, F->j.col_t);
    skinq_free(ctx, F->j.col_u);
    skinq_free(ctx, F->res);
    skinq_free(ctx, F->sres);
    skinq_free(ctx, F->tmp);
}

/* The coarse grid (cells of c×c pixels), the buffers, the first weights and the per-column
 * bracket tables; on failure F holds what was made. */
static skinq_status ref_fit_new(skinq_ctx *ctx, ref_fit *F, const float *f, int w, int h,
                                const uint8_t *exclude, double sigma_px, float *ref)
{
    size_t n = (size_t)w * (size_t)h;
    int c = (int)floor(sigma_px / 4);
    if (c < 1)
        c = 1;
    /* keep the coarse grid small whatever the sigma (at most ~256k cells) */
    int cmin = (int)ceil(sqrt((double)n / 262144.0));
    if (c < cmin)
        c = cmin;
    int gw = (w + c - 1) / c, gh = (h + c - 1) / c;
    size_t cells = (size_t)gw * (size_t)gh;
    memset(F, 0, sizeof *F);
    F->n = n;
    F->cells = cells;
    F->wt = skinq_malloc(ctx, n);
    F->mom = skinq_malloc(ctx, cells * NMOM * sizeof *F->mom);
    F->res = skinq_malloc(ctx, n * sizeof *F->res);
    F->sres = skinq_malloc(ctx, n * sizeof *F->sres);
    F->tmp = skinq_malloc(ctx, (2 * n + 2 * (size_t)w) * sizeof *F->tmp);
    ref_job j = {f,    F->wt, w,    h,   c,    gw,   gh,   w * 0.5, h * 0.5, 1.0 / sigma_px,
                 NULL, NULL,  NULL, ref, NULL, NULL, NULL, NULL};
    j.cell = skinq_malloc(ctx, cells * 4 * sizeof *j.cell);
    j.coef = skinq_malloc(ctx, cells * sizeof *j.coef);
    j.have = skinq_malloc(ctx, cells);
    j.rowcoef = skinq_malloc(ctx, (size_t)skinq_ctx_threads(ctx) * (size_t)gw * sizeof *j.rowcoef);
    j.col_g = skinq_malloc(ctx, (size_t)w * sizeof *j.col_g);
    j.col_t = skinq_malloc(ctx, (size_t)w * sizeof *j.col_t);
    j.col_u = skinq_malloc(ctx, (size_t)w * sizeof *j.col_u);
    F->j = j;
    if (!F->wt || !F->mom || !F->res || !F->sres || !F->tmp || !j.cell || !j.coef || !j.have || !j.rowcoef ||
        !j.col_g || !j.col_t || !j.col_u)
        return SKINQ_E_NOMEM;
    size_t usable = 0;
    for (size_t i = 0; i < n; i++) {
        F->wt[i] = isfinite(f[i]) && !(exclude && exclude[i]);
        usable += F->wt[i];
    }
    if (usable == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no usable height value for the reference surface");
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            F->pairs[a][b] = mono_index(MONO[a][0] + MONO[b][0], MONO[a][1] + MONO[b][1]);
    for (int x = 0; x < w; x++) {
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
    return SKINQ_OK;
}

/* Per cell: weight W at the centroid (u, v) with mean height H → moment grids. */
static void moment_grids(ref_fit *F)
{
    const double *cell = F->j.cell;
    const size_t cells = F->cells;
    for (size_t i = 0; i < cells; i++) {
        double W = cell[i * 4];
        double u = W > 0 ? cell[i * 4 + 1] / W : 0, v = W > 0 ? cell[i * 4 + 2] / W : 0;
        double H = W > 0 ? cell[i * 4 + 3] / W : 0;
        double up[5] = {1, u, u * u, u * u * u, u * u * u * u},
               vp[5] = {1, v, v * v, v * v * v, v * v * v * v};
        for (int k = 0; k < 15; k++)
            F->mom[(size_t)k * cells + i] = W * up[MONO[k][0]] * vp[MONO[k][1]];
        for (int k = 0; k < 6; k++)
            F->mom[(size_t)(15 + k) * cells + i] = W * H * up[MONO[k][0]] * vp[MONO[k][1]];
    }
}

/* Per cell: the weighted local quadratic (falling back to a plane, then a constant) from the
 * blurred moments. Returns the number of cells fitted. */
static size_t fit_cells(ref_fit *F)
{
    const double *mom = F->mom;
    const size_t cells = F->cells;
    double(*coef)[6] = F->j.coef;
    uint8_t *have = F->j.have;
    double wmax = 0;
    for (size_t i = 0; i < cells; i++)
        wmax = fmax(wmax, mom[i]);
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
                    A[a * 6 + bb] = mom[(size_t)F->pairs[a][bb] * cells + i];
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
    return nhave;
}

/* Cells without a fit copy the nearest fitted cell (by rings). */
static void fill_unfitted(ref_fit *F)
{
    const int gw = F->j.gw, gh = F->j.gh;
    double(*coef)[6] = F->j.coef;
    uint8_t *have = F->j.have;
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

/* The residual f − ref, lightly smoothed (5×5 box) so that pixel noise does not decide the
 * weights; the threshold adapts to its noise: 3 robust sigmas (1.4826 × median |smoothed
 * residual| of the included pixels), kept within [t_min, t_max]. Pixels below the reference by
 * more than it stop counting; *changed counts the weights that flipped. */
static skinq_status reweight(skinq_ctx *ctx, ref_fit *F, const uint8_t *exclude, double t_min, double t_max,
                             size_t *changed)
{
    const float *f = F->j.f, *ref = F->j.ref;
    const size_t n = F->n;
    float *res = F->res, *sres = F->sres;
    uint8_t *wt = F->wt;
    for (size_t i = 0; i < n; i++)
        res[i] = f[i] - ref[i];
    box_mean_nan(res, F->j.w, F->j.h, 2, sres, F->tmp);
    float t_lo = (float)t_max;
    if (t_min < t_max) {
        /* from at most ~1M included pixels (a fixed stride: deterministic) */
        size_t k = 0, step = n / 1048576 + 1;
        for (size_t i = 0; i < n; i += step)
            if (wt[i] && isfinite(sres[i]))
                res[k++] = fabsf(sres[i]);
        double mad;
        skinq_status st = surface_quantile(ctx, res, k, 0.5, &mad);
        if (st != SKINQ_OK)
            return st;
        double t = 3 * 1.4826 * mad;
        t_lo = (float)(t < t_min ? t_min : t > t_max ? t_max : t);
    }
    *changed = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t nw = isfinite(f[i]) && !(exclude && exclude[i]) && !(sres[i] < -t_lo);
        *changed += nw != wt[i];
        wt[i] = nw;
    }
    return SKINQ_OK;
}

skinq_status surface_reference(skinq_ctx *ctx, const float *f, int w, int h, const uint8_t *exclude,
                               double sigma_px, double t_min, double t_max, int iters, float *ref)
{
    if (!(sigma_px > 0))
        sigma_px = 1;
    ref_fit F;
    skinq_status st = ref_fit_new(ctx, &F, f, w, h, exclude, sigma_px, ref);
    for (int it = 0; st == SKINQ_OK && it < (iters < 1 ? 1 : iters); it++) {
        skinq_parallel_for(ctx, F.j.gh, accumulate_task, &F.j);
        moment_grids(&F);
        st = blur_grids(ctx, F.mom, NMOM, F.j.gw, F.j.gh, sigma_px / F.j.c);
        if (st != SKINQ_OK)
            break;
        size_t nhave = fit_cells(&F);
        if (nhave == 0) {
            st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no usable height value for the reference surface");
            break;
        }
        if (nhave < F.cells)
            fill_unfitted(&F);
        skinq_parallel_for(ctx, h, evaluate_task, &F.j);
        size_t changed;
        st = reweight(ctx, &F, exclude, t_min, t_max, &changed);
        if (st != SKINQ_OK || (changed == 0 && it > 0))
            break;
    }
    ref_fit_free(ctx, &F);
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

/* The finder's working state: the result being built and its scratch planes (n = w·h each). */
typedef struct scar_work {
    skinq_scars *s;
    int w, h;
    size_t n;
    double px;         /* length of a pixel (mm, or 1 unscaled) */
    uint8_t *excl;     /* the caller's mask as 0/1, or NULL */
    uint8_t *core;     /* deeper than min_depth (or inside the mask) */
    uint8_t *grown;    /* where a volume region may grow */
    int32_t *clab;     /* core component labels; -1: visited, too small */
    int32_t *queue;    /* flood fill and BFS queue */
    skinq_scar *items; /* one per kept core, `count` of `cap` */
    int count, cap;
} scar_work;

static skinq_status check_scar_args(skinq_ctx *ctx, const float *hgt, int w, int h,
                                    const skinq_scars_options *o)
{
    if (!hgt || w <= 0 || h <= 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid height field %dx%d", w, h);
    if (!(o->min_depth > 0) || !(o->low_fraction >= 0 && o->low_fraction <= 1) || !(o->ref_scale_mm > 0) ||
        !(o->min_area_mm2 >= 0))
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid scar options (min depth %g, reference scale %g)",
                          o->min_depth, o->ref_scale_mm);
    if (o->mask && (o->mask->width != w || o->mask->height != h))
        return skinq_fail(ctx, SKINQ_E_INVALID, "the scar mask is %dx%d but the height field is %dx%d",
                          o->mask->width, o->mask->height, w, h);
    return SKINQ_OK;
}

static void work_free(skinq_ctx *ctx, scar_work *W)
{
    skinq_free(ctx, W->items);
    skinq_free(ctx, W->excl);
    skinq_free(ctx, W->core);
    skinq_free(ctx, W->grown);
    skinq_free(ctx, W->clab);
    skinq_free(ctx, W->queue);
    skinq_scars_free(&W->s);
}

/* The result's planes, the scratch planes and the mask; on failure W holds what was made. */
static skinq_status work_new(skinq_ctx *ctx, scar_work *W, int w, int h, double sigma, const skinq_mask *mask)
{
    size_t n = (size_t)w * (size_t)h;
    memset(W, 0, sizeof *W);
    W->w = w;
    W->h = h;
    W->n = n;
    skinq_scars *s = W->s = skinq_calloc(ctx, 1, sizeof *s);
    if (!s)
        return SKINQ_E_NOMEM;
    s->alloc = ctx->alloc;
    s->width = w;
    s->height = h;
    s->ref_sigma_px = sigma;
    s->reference = skinq_malloc(ctx, n * sizeof(float));
    s->depth = skinq_malloc(ctx, n * sizeof(float));
    s->labels = skinq_calloc(ctx, n, sizeof(int32_t));
    W->core = skinq_malloc(ctx, n);
    W->grown = skinq_malloc(ctx, n);
    W->clab = skinq_calloc(ctx, n, sizeof(int32_t));
    W->queue = skinq_malloc(ctx, n * sizeof(int32_t));
    if (!s->reference || !s->depth || !s->labels || !W->core || !W->grown || !W->clab || !W->queue)
        return SKINQ_E_NOMEM;
    if (mask) {
        if (!(W->excl = skinq_malloc(ctx, n)))
            return SKINQ_E_NOMEM;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                W->excl[(size_t)y * w + x] = mask->data[(size_t)y * mask->stride + (size_t)x] != 0;
    }
    return SKINQ_OK;
}

/* Depth below the reference, its Sa and Sq, and the core pixels. */
static void depth_and_cores(scar_work *W, const float *hgt, double min_depth)
{
    skinq_scars *s = W->s;
    double sa = 0, sq = 0;
    size_t nvalid = 0;
    for (size_t i = 0; i < W->n; i++) {
        float d = isfinite(hgt[i]) ? s->reference[i] - hgt[i] : NAN;
        s->depth[i] = d;
        if (isfinite(d)) {
            sa += fabs(d);
            sq += (double)d * d;
            nvalid++;
        }
        W->core[i] = W->excl ? W->excl[i] : d > (float)min_depth;
    }
    s->sa = nvalid ? sa / nvalid : NAN;
    s->sq = nvalid ? sqrt(sq / nvalid) : NAN;
}

/* The volume region grows through pixels whose 5×5 mean depth exceeds low_fraction·min_depth
 * (smoothed so that noise neither cuts it short nor lets it wander); a caller's mask is the
 * region itself, so nothing grows. */
static skinq_status growable(skinq_ctx *ctx, scar_work *W, const skinq_scars_options *o)
{
    if (W->excl) {
        memset(W->grown, 0, W->n);
        return SKINQ_OK;
    }
    size_t n = W->n;
    float *sd = skinq_malloc(ctx, n * sizeof *sd),
          *tmp = skinq_malloc(ctx, (2 * n + 2 * (size_t)W->w) * sizeof *tmp);
    skinq_status st = sd && tmp ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        const float low = (float)(o->low_fraction * o->min_depth);
        box_mean_nan(W->s->depth, W->w, W->h, 2, sd, tmp);
        for (size_t i = 0; i < n; i++)
            W->grown[i] = sd[i] > low;
    }
    skinq_free(ctx, sd);
    skinq_free(ctx, tmp);
    return st;
}

/* A kept core's depth statistics and shape from its `cnt` pixels in the queue. */
static void core_stats(const scar_work *W, skinq_scar *sc, size_t cnt)
{
    const float *depth = W->s->depth;
    const size_t w = (size_t)W->w;
    memset(sc, 0, sizeof *sc);
    double sumd = 0, sx = 0, sy = 0, maxd = -INFINITY;
    for (size_t k = 0; k < cnt; k++) {
        size_t q = (size_t)W->queue[k];
        float d = depth[q];
        if (isfinite(d)) {
            sumd += d;
            maxd = fmax(maxd, d);
        }
        sx += (double)(q % w) + 0.5;
        sy += (double)(q / w) + 0.5;
    }
    sc->pixels = (int)cnt;
    sc->max_depth = isfinite(maxd) ? maxd : NAN;
    sc->mean_depth = sumd / (double)cnt;
    sc->area = (double)cnt * W->px * W->px;
    sc->equiv_diameter = 2 * sqrt(sc->area / 3.14159265358979323846);
    sc->centroid[0] = sx / (double)cnt * W->px;
    sc->centroid[1] = sy / (double)cnt * W->px;
    size_t flat = 0;
    for (size_t k = 0; k < cnt; k++)
        flat += depth[W->queue[k]] >= 0.75 * sc->max_depth;
    sc->flat_fraction = (double)flat / (double)cnt;
}

/* Core regions of at least min_px pixels → candidate scars (W->items). */
static skinq_status find_cores(skinq_ctx *ctx, scar_work *W, size_t min_px)
{
    for (size_t i = 0; i < W->n; i++) {
        if (!W->core[i] || W->clab[i])
            continue;
        size_t cnt = flood(W->core, W->clab, W->w, W->h, i, W->count + 1, W->queue);
        if (cnt < min_px) {
            for (size_t k = 0; k < cnt; k++)
                W->clab[W->queue[k]] = -1; /* too small: remembered as visited, not a scar */
            continue;
        }
        if (W->count == W->cap) {
            int ncap = W->cap ? W->cap * 2 : 16;
            skinq_scar *ni =
                skinq_realloc(ctx, W->items, (size_t)W->count * sizeof *ni, (size_t)ncap * sizeof *ni);
            if (!ni)
                return SKINQ_E_NOMEM;
            W->items = ni;
            W->cap = ncap;
        }
        core_stats(W, &W->items[W->count++], cnt);
    }
    return SKINQ_OK;
}

/* Volume regions: grow each kept core through `grown` (multi-source BFS: nearest core wins). */
static void grow_regions(scar_work *W)
{
    const int w = W->w, h = W->h;
    int32_t *labels = W->s->labels, *queue = W->queue;
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < W->n; i++) {
        if (W->clab[i] > 0) {
            labels[i] = W->clab[i];
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
                if (W->grown[k] && labels[k] == 0) {
                    labels[k] = labels[i];
                    queue[tail++] = (int32_t)k;
                }
            }
    }
}

/* Each region's volume and bounding box, and the type hint from the core's shape. */
static void region_stats(scar_work *W)
{
    skinq_scar *items = W->items;
    const int w = W->w;
    for (int c = 0; c < W->count; c++) {
        items[c].bbox.x = w;
        items[c].bbox.y = W->h;
        items[c].bbox.w = -1; /* holds x1 until the end */
        items[c].bbox.h = -1;
    }
    for (size_t i = 0; i < W->n; i++) {
        int32_t l = W->s->labels[i];
        if (l <= 0)
            continue;
        skinq_scar *sc = &items[l - 1];
        float d = W->s->depth[i];
        if (isfinite(d))
            sc->volume += d; /* signed: noise averages out instead of adding up */
        int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
        sc->bbox.x = x < sc->bbox.x ? x : sc->bbox.x;
        sc->bbox.y = y < sc->bbox.y ? y : sc->bbox.y;
        sc->bbox.w = x > sc->bbox.w ? x : sc->bbox.w;
        sc->bbox.h = y > sc->bbox.h ? y : sc->bbox.h;
    }
    for (int c = 0; c < W->count; c++) {
        skinq_scar *sc = &items[c];
        sc->volume = sc->volume > 0 ? sc->volume * W->px * W->px : 0;
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

/* Deepest first (ties keep their order), labels renumbered to match. */
static skinq_status sort_deepest(skinq_ctx *ctx, scar_work *W)
{
    const int ncomp = W->count;
    if (ncomp <= 1)
        return SKINQ_OK;
    skinq_scar *items = W->items;
    int32_t *idx = skinq_malloc(ctx, (size_t)ncomp * sizeof *idx);
    int32_t *newlab = skinq_malloc(ctx, (size_t)ncomp * sizeof *newlab);
    skinq_scar *sorted = skinq_malloc(ctx, (size_t)ncomp * sizeof *sorted);
    skinq_status st = idx && newlab && sorted ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
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
        int32_t *labels = W->s->labels;
        for (size_t i = 0; i < W->n; i++)
            if (labels[i] > 0)
                labels[i] = newlab[labels[i] - 1];
        memcpy(items, sorted, (size_t)ncomp * sizeof *items);
    }
    skinq_free(ctx, idx);
    skinq_free(ctx, newlab);
    skinq_free(ctx, sorted);
    return st;
}

/* The scars move into the result, with the totals over them. */
static void take_items(scar_work *W)
{
    skinq_scars *s = W->s;
    s->count = W->count;
    s->items = W->items;
    W->items = NULL;
    double area_px = 0, sumd = 0;
    s->max_depth = 0;
    for (int c = 0; c < s->count; c++) {
        skinq_scar *sc = &s->items[c];
        s->max_depth = fmax(s->max_depth, sc->max_depth);
        s->area += sc->area;
        s->volume += sc->volume;
        area_px += sc->pixels;
        sumd += sc->mean_depth * sc->pixels;
    }
    s->mean_depth = area_px > 0 ? sumd / area_px : 0;
}

skinq_status skinq_scars_find(skinq_ctx *ctx, const float *hgt, int w, int h, double px_per_mm,
                              const skinq_scars_options *o, skinq_scars **out)
{
    skinq_scars_options def;
    skinq_status st = SKINQ_OPTIONS_TAKE(ctx, &def, o, skinq_scars_default_options, "skinq_scars_options");
    if (st != SKINQ_OK)
        return st;
    o = &def;
    st = check_scar_args(ctx, hgt, w, h, o);
    if (st != SKINQ_OK)
        return st;
    const int scaled = px_per_mm > 0;
    const double sigma = scaled ? o->ref_scale_mm * px_per_mm : (w < h ? w : h) / 20.0;
    size_t min_px = o->mask ? 1 : scaled ? (size_t)ceil(o->min_area_mm2 * px_per_mm * px_per_mm) : 9;
    if (min_px < 1)
        min_px = 1;
    scar_work W;
    st = work_new(ctx, &W, w, h, sigma, o->mask);
    W.px = scaled ? 1.0 / px_per_mm : 1.0;
    if (st == SKINQ_OK)
        st = surface_reference(ctx, hgt, w, h, W.excl, sigma, 0.1 * o->min_depth, 0.5 * o->min_depth, 10,
                               W.s->reference);
    if (st == SKINQ_OK) {
        depth_and_cores(&W, hgt, o->min_depth);
        st = growable(ctx, &W, o);
    }
    if (st == SKINQ_OK)
        st = find_cores(ctx, &W, min_px);
    if (st == SKINQ_OK) {
        grow_regions(&W);
        region_stats(&W);
        st = sort_deepest(ctx, &W);
    }
    if (st == SKINQ_OK) {
        take_items(&W);
        *out = W.s;
        W.s = NULL;
    }
    work_free(ctx, &W);
    return st;
}
