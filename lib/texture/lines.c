/* lines.c -- fine lines as dark ridges: multi-scale Hessian of the Gaussian-smoothed L* (Frangi,
 * Niessen, Vincken & Viergever, "Multiscale vessel enhancement filtering", MICCAI 1998).
 *
 * On u = 76·ln(L* + 16) (texture_int.h: exposure-invariant, one unit = one L* at L* = 60).
 * Per scale σ: the Hessian eigenvalues μ1 >= μ2 of σ²·∇∇(G_σ * u); a dark line has μ1 > 0 and
 * |μ2| << μ1. Ridge strength R = μ1·exp(−Rb²/2β²), Rb = μ2/μ1, β = 0.5: Frangi's blob-rejection
 * term; his soft structureness term is replaced by a calibrated threshold, because a depth in
 * L* means something here: for a Gaussian profile of depth A, max over σ of σ²μ1 is
 * 2A/(3√3) ≈ 0.385A (at σ = √2 × the profile's sigma), so depth = R/0.385. The strongest scale
 * wins; centreline = pixels holding the ridge's sub-pixel centre across the line (along the
 * eigenvector of μ1; see line_tile) with depth >= line_min_contrast. Length: each centreline
 * pixel counts 1/max(|t_x|, |t_y|) for the tangent t (a digital line at angle θ has one pixel
 * per column, cos θ per unit length). Tile by tile like pores.c (512² cores). */
#include <math.h>
#include <string.h>

#include "texture_int.h"

#define CORE 512
#define MAX_SCALES 12
#define GAUSS_GAIN 0.3849 /* 2/(3√3) */

typedef struct line_job {
    const tex_img *im;
    int ns, margin, nx;
    double sigma[MAX_SCALES], thr;
    float *scratch; /* per thread: buf, tmp, blur, best R, its normal's angle, sub-pixel offset */
    size_t tile_px;
    double *len, *con; /* per task */
    uint64_t *pix;
    uint8_t *mask;
} line_job;

static void line_tile(void *user, int task, int thread)
{
    line_job *j = user;
    const tex_img *im = j->im;
    float *buf = j->scratch + (size_t)thread * 6 * j->tile_px;
    const tex_tile tl = tex_tile_load(im, task, j->nx, CORE, j->margin, buf);
    const int M = tl.margin, cx0 = tl.cx0, cy0 = tl.cy0, cw = tl.cw, ch = tl.ch, tw = tl.tw, th = tl.th;
    float *tmp = buf + j->tile_px, *blur = tmp + j->tile_px, *best = blur + j->tile_px, *ang = best + j->tile_px;
    float *off = ang + j->tile_px;
    memset(best, 0, sizeof(float) * j->tile_px);
    memset(ang, 0, sizeof(float) * j->tile_px);
    memset(off, 0, sizeof(float) * j->tile_px);
    const float thr = (float)j->thr;
    for (int k = 0; k < j->ns; k++) {
        const float s2 = (float)(j->sigma[k] * j->sigma[k]);
        tex_gauss(buf, blur, tmp, tw, th, j->sigma[k]);
        for (int y = 1; y < th - 1; y++) {
            /* first the larger eigenvalue of the whole row (no branch: vectorises) into tmp,
             * 0 where the pixel is no dark ridge (m1 < |m2|); R <= m1, so only pixels with
             * m1 >= thr can make a centreline and get the transcendental work below */
            const float *b = blur + (size_t)y * tw;
            float *m1r = tmp + (size_t)y * tw;
            for (int x = 1; x < tw - 1; x++) {
                float xx = s2 * (b[x - 1] + b[x + 1] - 2 * b[x]), yy = s2 * (b[x - tw] + b[x + tw] - 2 * b[x]);
                float xy = s2 * 0.25f * (b[x + tw + 1] - b[x + tw - 1] - b[x - tw + 1] + b[x - tw - 1]);
                float d = sqrtf((xx - yy) * (xx - yy) + 4 * xy * xy);
                float m1 = 0.5f * (xx + yy + d), m2 = 0.5f * (xx + yy - d);
                m1r[x] = m1 >= fabsf(m2) ? m1 : 0.0f;
            }
            for (int x = 1; x < tw - 1; x++) {
                if (!(m1r[x] >= thr))
                    continue;
                const size_t i = (size_t)y * tw + (size_t)x;
                const float *c = blur + i;
                float xx = s2 * (c[-1] + c[1] - 2 * c[0]), yy = s2 * (c[-tw] + c[tw] - 2 * c[0]);
                float xy = s2 * 0.25f * (c[tw + 1] - c[tw - 1] - c[-tw + 1] + c[-tw - 1]);
                float m1 = m1r[x], m2 = xx + yy - m1;
                float rb = m2 / m1, r = m1 * expf(-rb * rb * 2.0f); /* 1/(2β²) = 2 */
                if (r >= thr && r > best[i]) {
                    float a = 0.5f * atan2f(2 * xy, xx - yy); /* eigenvector of m1: the line's normal */
                    float gn = 0.5f * ((c[1] - c[-1]) * cosf(a) + (c[tw] - c[-tw]) * sinf(a));
                    best[i] = r;
                    ang[i] = a;
                    off[i] = -s2 * gn / m1;
                }
            }
        }
    }
    double len = 0, con = 0;
    uint64_t pix = 0;
    for (int y = M; y < M + ch; y++)
        for (int x = M; x < M + cw; x++) {
            const size_t i = (size_t)y * tw + (size_t)x;
            const float v = best[i];
            if (v < j->thr || !tex_in(im, cx0 + x - M, cy0 + y - M))
                continue;
            float nx = cosf(ang[i]), ny = sinf(ang[i]);
            /* Centreline test (Steger, IEEE PAMI 20(2), 1998): the ridge's sub-pixel centre
             * along the normal, t = -(∂S/∂n)/(∂²S/∂n²) at the winning scale, must fall inside
             * this pixel's share of the line, |t| <= 0.5·max(|n_x|, |n_y|): exactly one pixel
             * per column (or row) of a straight line at any angle. */
            float t = off[i], share = 0.5f * fmaxf(fabsf(nx), fabsf(ny));
            if (!(t > -share && t <= share))
                continue;
            float tx = fabsf(ny), ty = fabsf(nx); /* tangent ⟂ normal */
            len += 1.0 / (tx > ty ? tx : ty);
            con += v / GAUSS_GAIN;
            pix++;
            if (j->mask)
                j->mask[(size_t)(cy0 + y - M) * im->w + (size_t)(cx0 + x - M)] = 1;
        }
    j->len[task] = len;
    j->con[task] = con;
    j->pix[task] = pix;
}

skinq_status tex_lines(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask, tex_lines_out *r)
{
    memset(r, 0, sizeof *r);
    line_job j;
    memset(&j, 0, sizeof j);
    j.im = im;
    double slo = c->line_sigma[0] > 0.7 ? c->line_sigma[0] : 0.7;
    double shi = c->line_sigma[1] > slo ? c->line_sigma[1] : slo;
    /* half-octave steps: the response of a Gaussian profile varies slowly with σ around its peak */
    j.ns = (int)floor(2 * log2(shi / slo) + 1e-9) + 1;
    if (j.ns > MAX_SCALES)
        j.ns = MAX_SCALES;
    for (int k = 0; k < j.ns; k++)
        j.sigma[k] = slo * pow(2.0, 0.5 * k);
    j.thr = c->line_thr * GAUSS_GAIN;
    j.margin = (int)ceil(3.5 * j.sigma[j.ns - 1]) + 2;
    j.nx = (im->w + CORE - 1) / CORE;
    int ny = (im->h + CORE - 1) / CORE, tasks = j.nx * ny, threads = skinq_ctx_threads(ctx);
    j.tile_px = (size_t)(CORE + 2 * j.margin) * (size_t)(CORE + 2 * j.margin);
    j.scratch = skinq_malloc(ctx, sizeof(float) * j.tile_px * 6 * (size_t)threads);
    j.len = skinq_calloc(ctx, (size_t)tasks, sizeof *j.len);
    j.con = skinq_calloc(ctx, (size_t)tasks, sizeof *j.con);
    j.pix = skinq_calloc(ctx, (size_t)tasks, sizeof *j.pix);
    if (want_mask)
        j.mask = r->mask = skinq_calloc(ctx, (size_t)im->w * (size_t)im->h, 1);
    skinq_status st = SKINQ_OK;
    if (!j.scratch || !j.len || !j.con || !j.pix || (want_mask && !j.mask)) {
        st = SKINQ_E_NOMEM;
        skinq_free(ctx, r->mask);
        r->mask = NULL;
    } else {
        skinq_parallel_for(ctx, tasks, line_tile, &j);
        for (int t = 0; t < tasks; t++) { /* in tile order */
            r->length_px += j.len[t];
            r->contrast_sum += j.con[t];
            r->pixels += j.pix[t];
        }
    }
    skinq_free(ctx, j.scratch);
    skinq_free(ctx, j.len);
    skinq_free(ctx, j.con);
    skinq_free(ctx, j.pix);
    return st;
}
