/* ecc.c -- ECC homography refinement (Evangelidis & Psarakis, PAMI 2008; forward additive), with
 * the usable-pixel mask applied to every sum and one fused pass over the template per iteration.
 * It replaces cv::findTransformECC in registration: that one leaves the masked input pixels
 * un-centred and their gradients in the Jacobian, so a fragmented outlier mask made it wander
 * 4-5 px (12-MP bench pair) instead of converging; it also makes 3 full-size warps, 8 Jacobian
 * planes and 36 plane-sized dot products per iteration, where one pass over the template does. */
#include <math.h>
#include <string.h>

#include "align/align.h"

#define RING 3  /* border px left out of both images: the blur extrapolates there */
#define BAND 16 /* template rows per task: fixed, so the sums do not depend on the thread count */
#define MIN_PIXELS 256

/* where parameter i of the Jacobian sits in the row-major warp: m00, m10, m20, m01, m11, m21, m02, m12 */
static const int slot[8] = {0, 3, 6, 1, 4, 7, 2, 5};

/* The sums of one pass are the Gram matrix (upper triangle) of NV per-pixel vectors over the
 * template: the Jacobian J (8), the warped input i, the template t, and 1 (usable pixels only,
 * 0 elsewhere), so that n, Σ J, Σ i², Σ J·t, Σ J·Jᵀ ... are all entries of it. */
enum { V_I = 8, V_T, V_ONE, NV };
#define NS (NV * (NV + 1) / 2)
#define SHIFT 128.0f /* intensities are summed minus this: the centred moments lose less to rounding */

static inline int gram(int a, int b) /* a <= b */
{
    return a * NV - a * (a - 1) / 2 + (b - a);
}

static inline int refl101(int i, int n)
{
    return i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
}

/* 5×5 binomial blur ([1 4 6 4 1]/16 a side: OpenCV's GaussianBlur 5×5 with σ = 0), reflect-101
 * border, into float; tmp holds w·h floats. */
static void blur5(const align_plane *p, float *out, float *tmp)
{
    int w = p->width, h = p->height;
    for (int y = 0; y < h; y++) {
        const uint8_t *r = p->data + (size_t)y * p->stride;
        float *o = tmp + (size_t)y * w;
        for (int x = 0; x < w; x++)
            o[x] = (float)(r[refl101(x - 2, w)] + r[refl101(x + 2, w)] +
                           4 * (r[refl101(x - 1, w)] + r[refl101(x + 1, w)]) + 6 * r[x]) *
                   (1.0f / 16);
    }
    for (int y = 0; y < h; y++) {
        const float *a = tmp + (size_t)refl101(y - 2, h) * w, *b = tmp + (size_t)refl101(y - 1, h) * w;
        const float *c = tmp + (size_t)y * w, *d = tmp + (size_t)refl101(y + 1, h) * w;
        const float *e = tmp + (size_t)refl101(y + 2, h) * w;
        float *o = out + (size_t)y * w;
        for (int x = 0; x < w; x++)
            o[x] = (a[x] + e[x] + 4 * (b[x] + d[x]) + 6 * c[x]) * (1.0f / 16);
    }
}

typedef struct ecc_job {
    const float *t; /* blurred template, tw × th */
    int tw, th;
    const float *in3;  /* blurred input and its x, y gradients, interleaved, iw × ih */
    const uint8_t *ok; /* usable input pixels */
    int iw, ih;
    double m[9];  /* template px → input px, m[8] = 1 */
    double *sums; /* NS per task */
    float *rows;  /* per thread: the NV vectors of one template row */
} ecc_job;

/* Σ a·b over n floats in 8 float lanes (the compiler vectorises them), summed in double. */
static double dot(const float *a, const float *b, int n)
{
    float acc[8] = {0};
    int x = 0;
    for (; x + 8 <= n; x += 8)
        for (int l = 0; l < 8; l++)
            acc[l] += a[x + l] * b[x + l];
    double s = 0;
    for (int l = 0; l < 8; l++)
        s += acc[l];
    for (; x < n; x++)
        s += (double)a[x] * b[x];
    return s;
}

/* One band of template rows: per row, the vectors per pixel, then their Gram matrix. */
static void ecc_task(void *user, int task, int thread)
{
    const ecc_job *j = user;
    const double *m = j->m;
    int n = j->tw - 2 * RING;
    float *V = j->rows + (size_t)thread * NV * n;
    double s[NS] = {0};
    int y0 = RING + task * BAND, y1 = y0 + BAND < j->th - RING ? y0 + BAND : j->th - RING;
    for (int y = y0; y < y1; y++) {
        const float *trow = j->t + (size_t)y * j->tw + RING;
        for (int k = 0; k < n; k++) {
            int x = RING + k;
            double r = 1 / (m[6] * x + m[7] * y + 1), u = (m[0] * x + m[1] * y + m[2]) * r;
            double v = (m[3] * x + m[4] * y + m[5]) * r;
            int use = u >= 0 && v >= 0 && u < j->iw - 1 && v < j->ih - 1 &&
                      j->ok[(size_t)(int)(v + 0.5) * j->iw + (int)(u + 0.5)];
            if (!use) {
                for (int c = 0; c < NV; c++)
                    V[(size_t)c * n + k] = 0;
                continue;
            }
            int ix = (int)u, iy = (int)v;
            float fx = (float)(u - ix), fy = (float)(v - iy), g[3];
            const float *p = j->in3 + 3 * ((size_t)iy * j->iw + ix), *q = p + 3 * (size_t)j->iw;
            for (int c = 0; c < 3; c++) {
                float top = p[c] + fx * (p[3 + c] - p[c]), bot = q[c] + fx * (q[3 + c] - q[c]);
                g[c] = top + fy * (bot - top);
            }
            double gx = g[1] * r, gy = g[2] * r, gp = -(u * gx + v * gy);
            /* ∂input(W·x)/∂ of m00, m10, m20, m01, m11, m21, m02, m12 (OpenCV's parameter order) */
            double J[8] = {gx * x, gy * x, gp * x, gx * y, gy * y, gp * y, gx, gy};
            for (int c = 0; c < 8; c++)
                V[(size_t)c * n + k] = (float)J[c];
            V[(size_t)V_I * n + k] = (float)g[0] - SHIFT;
            V[(size_t)V_T * n + k] = trow[k] - SHIFT;
            V[(size_t)V_ONE * n + k] = 1;
        }
        for (int a = 0; a < NV; a++)
            for (int b = a; b < NV; b++)
                s[gram(a, b)] += dot(V + (size_t)a * n, V + (size_t)b * n, n);
    }
    memcpy(j->sums + (size_t)task * NS, s, sizeof s);
}

/* Cholesky of the 8×8 symmetric positive definite A (in place, lower); -1 when not positive. */
static int chol8(double A[64])
{
    for (int i = 0; i < 8; i++)
        for (int k = 0; k <= i; k++) {
            double v = A[8 * i + k];
            for (int l = 0; l < k; l++)
                v -= A[8 * i + l] * A[8 * k + l];
            if (i == k) {
                if (!(v > 1e-12 * fabs(A[8 * i + i]) && v > 0))
                    return -1;
                A[8 * i + i] = sqrt(v);
            } else {
                A[8 * i + k] = v / A[8 * k + k];
            }
        }
    return 0;
}

static void chol8_solve(const double L[64], const double b[8], double x[8])
{
    double y[8];
    for (int i = 0; i < 8; i++) {
        double v = b[i];
        for (int k = 0; k < i; k++)
            v -= L[8 * i + k] * y[k];
        y[i] = v / L[8 * i + i];
    }
    for (int i = 7; i >= 0; i--) {
        double v = y[i];
        for (int k = i + 1; k < 8; k++)
            v -= L[8 * k + i] * x[k];
        x[i] = v / L[8 * i + i];
    }
}

/* One Gauss-Newton step of the ECC criterion from the summed moments: dp, and rho now. */
static skinq_status ecc_step(skinq_ctx *ctx, const double *s, double dp[8], double *rho)
{
    double n = s[gram(V_ONE, V_ONE)];
    if (n < MIN_PIXELS)
        return skinq_fail(ctx, SKINQ_E_ALIGN, "ECC: only %.0f template pixels fall on usable input pixels",
                          n);
    double mi = s[gram(V_I, V_ONE)] / n, mt = s[gram(V_T, V_ONE)] / n;
    double in2 = s[gram(V_I, V_I)] - n * mi * mi, tn2 = s[gram(V_T, V_T)] - n * mt * mt;
    double corr = s[gram(V_I, V_T)] - n * mi * mt;
    if (!(in2 > 1e-9 * n && tn2 > 1e-9 * n))
        return skinq_fail(ctx, SKINQ_E_ALIGN, "ECC: an image is flat where they overlap");
    *rho = corr / sqrt(in2 * tn2);
    /* Projections of the centred images on the Jacobian, and the Gauss-Newton matrix of the
     * centred Jacobian (the Jacobian of the centred warped input): Σ J·Jᵀ − n·J̄·J̄ᵀ. */
    double ip[8], tp[8], Hm[64], a[8];
    for (int i = 0; i < 8; i++) {
        double sj = s[gram(i, V_ONE)];
        ip[i] = s[gram(i, V_I)] - mi * sj;
        tp[i] = s[gram(i, V_T)] - mt * sj;
        for (int k = i; k < 8; k++)
            Hm[8 * i + k] = Hm[8 * k + i] = s[gram(i, k)] - sj * s[gram(k, V_ONE)] / n;
    }
    if (chol8(Hm))
        return skinq_fail(ctx, SKINQ_E_ALIGN, "ECC: the images have too little texture to fit a homography");
    chol8_solve(Hm, ip, a);
    double ln = in2, ld = corr;
    for (int i = 0; i < 8; i++)
        ln -= ip[i] * a[i], ld -= tp[i] * a[i];
    if (!(ld > 0))
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "ECC: the images are not correlated (the fit would minimise it)");
    double lambda = ln / ld, e[8];
    for (int i = 0; i < 8; i++)
        e[i] = lambda * tp[i] - ip[i];
    chol8_solve(Hm, e, dp);
    for (int i = 0; i < 8; i++)
        if (!isfinite(dp[i]))
            return skinq_fail(ctx, SKINQ_E_ALIGN, "ECC: the update is not finite");
    return SKINQ_OK;
}

skinq_status align_ecc(skinq_ctx *ctx, const align_plane *tmpl, const align_plane *input,
                       const align_plane *input_mask, double W[9], int max_iterations, double stop_px,
                       double *cc, int *iterations)
{
    if (iterations)
        *iterations = 0;
    if (!tmpl->data || !input->data || tmpl->width < 16 || tmpl->height < 16 || input->width < 16 ||
        input->height < 16)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "ECC needs planes of at least 16x16 px (template %dx%d, input %dx%d)", tmpl->width,
                          tmpl->height, input->width, input->height);
    if (input_mask && (input_mask->width != input->width || input_mask->height != input->height))
        return skinq_fail(ctx, SKINQ_E_INVALID, "ECC input mask is %dx%d, the input %dx%d", input_mask->width,
                          input_mask->height, input->width, input->height);
    if (!(fabs(W[8]) > 1e-12))
        return skinq_fail(ctx, SKINQ_E_INVALID, "ECC start warp sends the image to infinity");
    int tw = tmpl->width, th = tmpl->height, iw = input->width, ih = input->height;
    size_t tn = (size_t)tw * th, inn = (size_t)iw * ih;
    int tasks = (th - 2 * RING + BAND - 1) / BAND;
    ecc_job j = {NULL, tw, th, NULL, NULL, iw, ih, {0}, NULL, NULL};
    float *t = skinq_malloc(ctx, tn * sizeof *t), *in3 = skinq_malloc(ctx, 3 * inn * sizeof *in3);
    float *tmp = skinq_malloc(ctx, (tn > inn ? tn : inn) * sizeof *tmp),
          *blur = skinq_malloc(ctx, inn * sizeof *blur);
    uint8_t *ok = skinq_malloc(ctx, inn);
    j.sums = skinq_malloc(ctx, (size_t)tasks * NS * sizeof *j.sums);
    j.rows = skinq_malloc(ctx, (size_t)skinq_ctx_threads(ctx) * NV * (tw - 2 * RING) * sizeof *j.rows);
    skinq_status st = SKINQ_OK;
    if (!t || !in3 || !tmp || !blur || !ok || !j.sums || !j.rows) {
        st = SKINQ_E_NOMEM;
        goto done;
    }
    blur5(tmpl, t, tmp);
    blur5(input, blur, tmp);
    for (int y = 0; y < ih; y++) /* the blurred input with its central differences, interleaved */
        for (int x = 0; x < iw; x++) {
            const float *b = blur + (size_t)y * iw;
            float *o = in3 + 3 * ((size_t)y * iw + x);
            o[0] = b[x];
            o[1] = 0.5f * (b[refl101(x + 1, iw)] - b[refl101(x - 1, iw)]);
            o[2] = 0.5f *
                   (blur[(size_t)refl101(y + 1, ih) * iw + x] - blur[(size_t)refl101(y - 1, ih) * iw + x]);
        }
    for (int y = 0; y < ih; y++) /* usable: off the ring, and the 3×3 neighbourhood inside the mask */
        for (int x = 0; x < iw; x++) {
            int u = x >= RING && y >= RING && x < iw - RING && y < ih - RING;
            for (int dy = -1; u && input_mask && dy <= 1; dy++)
                for (int dx = -1; u && dx <= 1; dx++)
                    u = input_mask->data[(size_t)(y + dy) * input_mask->stride + x + dx] != 0;
            ok[(size_t)y * iw + x] = (uint8_t)u;
        }
    j.t = t, j.in3 = in3, j.ok = ok;
    for (int i = 0; i < 9; i++)
        j.m[i] = W[i] / W[8];
    double rho = NAN;
    for (int it = 0; it < max_iterations; it++) {
        skinq_parallel_for(ctx, tasks, ecc_task, &j);
        double s[NS] = {0}, dp[8], prev[9];
        for (int k = 0; k < tasks; k++) /* in task order: the same sums for any thread count */
            for (int i = 0; i < NS; i++)
                s[i] += j.sums[(size_t)k * NS + i];
        if ((st = ecc_step(ctx, s, dp, &rho)) != SKINQ_OK)
            break;
        memcpy(prev, j.m, sizeof prev);
        for (int i = 0; i < 8; i++)
            j.m[slot[i]] += dp[i];
        if (iterations)
            *iterations = it + 1;
        double move; /* the largest move of the template's corners (input px) */
        skinq_mat3_corner_error(prev, j.m, tw, th, NULL, &move);
        if (move < stop_px)
            break;
    }
    if (st == SKINQ_OK) {
        memcpy(W, j.m, sizeof j.m);
        if (cc)
            *cc = rho;
    }
done:
    skinq_free(ctx, t);
    skinq_free(ctx, in3);
    skinq_free(ctx, tmp);
    skinq_free(ctx, blur);
    skinq_free(ctx, ok);
    skinq_free(ctx, j.sums);
    skinq_free(ctx, j.rows);
    return st;
}
