/* register.c -- after onto before: AKAZE + ratio test + RANSAC on a small CLAHE'd luma, then ECC
 * (ecc.c) from that fit with disagreeing pixels masked out; quality checks decide `ok`. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "align/align.h"

#define RANSAC_PX 3.0      /* inlier threshold at the feature scale */
#define OUTLIER_SIGMAS 3.0 /* ECC residuals beyond this many robust sigmas are masked out */
#define OVERLAP_GRID 160   /* samples per side for the overlap estimate */
#define ECC_STOP_PX 0.005  /* ECC has converged when an update moves no corner by this (level px) */
#define ECC_ITERATIONS 10  /* a cap: from the features' fit ECC converges in 2-4 (tests, 12-MP pairs) */
#define PI_ 3.14159265358979323846
#define REMASK_PX 1.0        /* ECC moved the overlap this far (before px): find the outlier mask again */
#define COVER_GRID 4         /* cells per side for the inliers' coverage of the overlap */
#define MAX_SCALE_SPREAD 3.0 /* largest / least local scale over after's frame (perspective) */

void skinq_align_default_options(skinq_align_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->feature_size = 1024;
    o->max_features = 4000;
    o->ratio = 0.8;
    o->min_inliers = 20;
    o->min_overlap = 0.5;
    o->ecc_size = 1024; /* the features' scale: see skinq.h and lib/align/README.md */
    o->min_inlier_ratio = ALIGN_MIN_INLIER_RATIO;
    o->max_rms_px = ALIGN_MAX_RMS_PX;
    o->min_ncc = ALIGN_MIN_NCC;
}

/* 0 is the default (an older caller's struct inside skinq_compare_options holds zeros there). */
static double or_default(double v, double def)
{
    return v == 0 ? def : v;
}

void align_thresholds(const skinq_align_options *o, double *ratio, double *rms, double *ncc)
{
    *ratio = or_default(o->min_inlier_ratio, ALIGN_MIN_INLIER_RATIO);
    *rms = or_default(o->max_rms_px, ALIGN_MAX_RMS_PX);
    *ncc = or_default(o->min_ncc, ALIGN_MIN_NCC);
}

/* One resolution level of both images: lumas, after's usable-pixel plane, and full → level maps. */
typedef struct level {
    align_plane b, a, amask;
    double Sb[9], Sa[9]; /* full-resolution pixel → level pixel */
} level;

static void level_free(skinq_ctx *ctx, level *L)
{
    align_plane_free(ctx, &L->b);
    align_plane_free(ctx, &L->a);
    align_plane_free(ctx, &L->amask);
}

/* Both photos' luma at the level whose long side is `size`, straight from the photos (one fused,
 * threaded pass each: no full-resolution plane), and after's mask there when given. */
static skinq_status level_make(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after,
                               const skinq_mask *am, int size, level *L)
{
    memset(L, 0, sizeof *L);
    skinq_status st = align_level(ctx, before, size, &L->b);
    if (st == SKINQ_OK)
        st = align_level(ctx, after, size, &L->a);
    if (st == SKINQ_OK && am)
        st = align_mask_level(ctx, am, size, &L->amask);
    if (st != SKINQ_OK) {
        level_free(ctx, L);
        return st;
    }
    skinq_mat3_resize(L->Sb, before->width, before->height, L->b.width, L->b.height);
    skinq_mat3_resize(L->Sa, after->width, after->height, L->a.width, L->a.height);
    return SKINQ_OK;
}

/* W (before level px → after level px) ↔ H (after full px → before full px): H = Sb⁻¹·W⁻¹·Sa. */
static int level_to_full(const level *L, const double W[9], double H[9])
{
    double Wi[9], Sbi[9];
    if (skinq_mat3_inv(W, Wi) || skinq_mat3_inv(L->Sb, Sbi))
        return -1;
    skinq_mat3_mul(Sbi, Wi, H);
    skinq_mat3_mul(H, L->Sa, H);
    return 0;
}

static int full_to_level(const level *L, const double H[9], double W[9])
{
    double Hi[9], Sbi[9];
    if (skinq_mat3_inv(H, Hi) || skinq_mat3_inv(L->Sb, Sbi))
        return -1;
    skinq_mat3_mul(L->Sa, Hi, W); /* before level → before full → after full → after level */
    skinq_mat3_mul(W, Sbi, W);
    return 0;
}

/*
 * Pixels of after (at this level) that disagree with warped before under W: cards or rulers that
 * stay put in the frame, highlights, and the treated skin itself. ECC is least squares, so these
 * would pull it; they are cleared in L->amask (created when absent), dilated by 2 px.
 */
static skinq_status mask_outliers(skinq_ctx *ctx, level *L, const double W[9])
{
    int w = L->a.width, h = L->a.height;
    align_plane bw = {0}, valid = {0}, ones = {0};
    float *res = NULL;
    skinq_status st = align_plane_new(ctx, w, h, 0, &bw);
    if (st == SKINQ_OK)
        st = align_plane_new(ctx, w, h, 0, &valid);
    if (st == SKINQ_OK)
        st = align_plane_new(ctx, L->b.width, L->b.height, 255, &ones);
    if (st == SKINQ_OK && !L->amask.data)
        st = align_plane_new(ctx, w, h, 255, &L->amask);
    if (st == SKINQ_OK && !(res = skinq_malloc(ctx, (size_t)w * h * sizeof *res)))
        st = SKINQ_E_NOMEM;
    /* bw(u) = before(W⁻¹·u): cvw_warp's matrix maps source onto destination, here W */
    if (st == SKINQ_OK)
        st = cvw_warp(ctx, L->b.data, L->b.width, L->b.height, L->b.stride, 1, 8, bw.data, w, h, bw.stride, W,
                      1);
    if (st == SKINQ_OK)
        st = cvw_warp(ctx, ones.data, ones.width, ones.height, ones.stride, 1, 8, valid.data, w, h,
                      valid.stride, W, 0);
    if (st != SKINQ_OK)
        goto done;
    /* after ≈ α·bw + β over the common pixels (ECC's own photometric model) */
    double s[5] = {0};
    size_t n = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (valid.data[i] && L->amask.data[i]) {
            double p = bw.data[i], q = L->a.data[i];
            s[0] += p, s[1] += q, s[2] += p * p, s[3] += p * q, n++;
        }
    if (n < 100)
        goto done;
    double var = s[2] - s[0] * s[0] / n, alpha = var > 0 ? (s[3] - s[0] * s[1] / n) / var : 1;
    double beta = (s[1] - alpha * s[0]) / n;
    size_t m = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (valid.data[i] && L->amask.data[i])
            res[m++] = (float)fabs(L->a.data[i] - (alpha * bw.data[i] + beta));
    /* MAD of the residual (its median is ~0) */
    double thr = OUTLIER_SIGMAS * 1.4826 * skinq_select_kth(res, m, m / 2);
    thr = thr < 4 ? 4 : thr;   /* JPEG and quantisation noise are a few levels */
    uint8_t *out = valid.data; /* becomes the outlier flags, in place */
    for (size_t i = 0; i < (size_t)w * h; i++) {
        double r = fabs(L->a.data[i] - (alpha * bw.data[i] + beta));
        out[i] = (uint8_t)(valid.data[i] && r > thr);
    }
    /* dilate by 2 px (5×5, separable: rows into bw, then columns) and clear */
    uint8_t *rows = bw.data;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t hit = 0;
            for (int i = x - 2 < 0 ? 0 : x - 2; i <= x + 2 && i < w; i++)
                hit |= out[(size_t)y * w + i];
            rows[(size_t)y * w + x] = hit;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t hit = 0;
            for (int j = y - 2 < 0 ? 0 : y - 2; j <= y + 2 && j < h; j++)
                hit |= rows[(size_t)j * w + x];
            if (hit)
                L->amask.data[(size_t)y * L->amask.stride + x] = 0;
        }
done:
    skinq_free(ctx, res);
    align_plane_free(ctx, &bw);
    align_plane_free(ctx, &valid);
    align_plane_free(ctx, &ones);
    return st;
}

/* Fraction of before's pixels that H⁻¹ maps inside after (and its mask). */
static double overlap_fraction(const double H[9], const skinq_image *before, const skinq_image *after,
                               const skinq_mask *am)
{
    double Hi[9];
    if (skinq_mat3_inv(H, Hi))
        return 0;
    int in = 0;
    for (int j = 0; j < OVERLAP_GRID; j++)
        for (int i = 0; i < OVERLAP_GRID; i++) {
            double x = (i + 0.5) * before->width / OVERLAP_GRID - 0.5,
                   y = (j + 0.5) * before->height / OVERLAP_GRID - 0.5;
            double u, v;
            if (skinq_mat3_apply(Hi, x, y, &u, &v))
                continue;
            if (u < -0.5 || v < -0.5 || u > after->width - 0.5 || v > after->height - 0.5)
                continue;
            int ui = (int)lround(u), vi = (int)lround(v);
            ui = ui >= after->width ? after->width - 1 : ui;
            vi = vi >= after->height ? after->height - 1 : vi;
            in += !am || am->data[(size_t)vi * am->stride + ui];
        }
    return (double)in / (OVERLAP_GRID * OVERLAP_GRID);
}

/* The viewpoint change H implies over after's w × h frame (skinq_alignment's tilt_deg, scale_range,
 * perspective, strong_perspective), and why it cannot be a photo-to-photo pose, or NULL: it mirrors,
 * changes the scale beyond 2× at the frame's centre, sends part of the frame beyond the horizon, or
 * its local scale varies by more than 3× across the frame.
 * Strong perspective is not refused here: finish() asks it for more support. */
static const char *degenerate(const double H[9], int w, int h, skinq_alignment *vp)
{
    if (!(fabs(H[8]) > 1e-12))
        return "it sends the image to infinity";
    double m[9], det, s1, s2;
    for (int i = 0; i < 9; i++)
        m[i] = H[i] / H[8];
    vp->perspective = fabs(m[6]) * w + fabs(m[7]) * h;
    vp->strong_perspective = vp->perspective > ALIGN_STRONG_PERSPECTIVE;
    double wc = skinq_mat3_local_map(m, (w - 1) / 2.0, (h - 1) / 2.0, &det, &s1, &s2);
    vp->tilt_deg = s1 > 0 ? acos(fmin(s2 / s1, 1)) * 180 / PI_ : NAN;
    double sc = vp->scale_range[0] = vp->scale_range[1] = sqrt(fabs(det));
    if (!isfinite(det) || det < 0) /* the local map turns the image over */
        return "it mirrors the image";
    if (!(sc >= 0.5 && sc <= 2))
        return "its scale change is beyond 2x";
    for (int k = 0; k < 4; k++) {
        double wk = skinq_mat3_local_map(m, k & 1 ? w - 1 : 0, k & 2 ? h - 1 : 0, &det, &s1, &s2);
        if (!(wk * wc > 0))
            return "it sends part of the image beyond the horizon";
        vp->scale_range[0] = fmin(vp->scale_range[0], sqrt(fabs(det)));
        vp->scale_range[1] = fmax(vp->scale_range[1], sqrt(fabs(det)));
    }
    if (!(vp->scale_range[1] <= MAX_SCALE_SPREAD * vp->scale_range[0]))
        return "its scale varies by more than 3x across the frame";
    return NULL;
}

/* RMS distance (before px) of the inlier matches (level coordinates) under H. */
static double inlier_rms(const level *L, const cvw_matches *mt, const uint8_t *inl, const double H[9])
{
    double Sbi[9], Sai[9], s = 0;
    int n = 0;
    skinq_mat3_inv(L->Sb, Sbi);
    skinq_mat3_inv(L->Sa, Sai);
    for (int i = 0; i < mt->count; i++) {
        if (!inl[i])
            continue;
        double ax, ay, bx, by, px, py;
        skinq_mat3_apply(Sai, mt->b[2 * i], mt->b[2 * i + 1], &ax, &ay);
        skinq_mat3_apply(Sbi, mt->a[2 * i], mt->a[2 * i + 1], &bx, &by);
        if (skinq_mat3_apply(H, ax, ay, &px, &py))
            continue;
        s += (px - bx) * (px - bx) + (py - by) * (py - by);
        n++;
    }
    return n ? sqrt(s / n) : NAN;
}

/* Share of the COVER_GRID² cells of after's frame that lie in before (centre mapped by H) and hold
 * an inlier match: a perspective is only as well determined as its inliers are spread. */
static double inlier_coverage(const level *L, const cvw_matches *mt, const uint8_t *inl, const double H[9],
                              const skinq_image *before, const skinq_image *after)
{
    uint8_t hit[COVER_GRID * COVER_GRID] = {0};
    double Sai[9];
    skinq_mat3_inv(L->Sa, Sai);
    for (int i = 0; i < mt->count; i++) {
        double ax, ay;
        if (!inl[i])
            continue;
        skinq_mat3_apply(Sai, mt->b[2 * i], mt->b[2 * i + 1], &ax, &ay);
        int cx = (int)(ax * COVER_GRID / after->width), cy = (int)(ay * COVER_GRID / after->height);
        if (cx >= 0 && cy >= 0 && cx < COVER_GRID && cy < COVER_GRID)
            hit[cy * COVER_GRID + cx] = 1;
    }
    int cells = 0, held = 0;
    for (int k = 0; k < COVER_GRID * COVER_GRID; k++) {
        double x = (k % COVER_GRID + 0.5) * after->width / COVER_GRID,
               y = (k / COVER_GRID + 0.5) * after->height / COVER_GRID, bx, by;
        if (skinq_mat3_apply(H, x, y, &bx, &by) || bx < 0 || by < 0 || bx > before->width ||
            by > before->height)
            continue;
        cells++, held += hit[k];
    }
    return cells ? (double)held / cells : 0;
}

/* Largest displacement between two matrices over a 5×5 grid of after's frame (after px → before px),
 * at the points H1 maps inside before (bw × bh): outside the overlap a perspective extrapolates. */
static double max_disagreement(const double H1[9], const double H2[9], int w, int h, int bw, int bh)
{
    double d = 0;
    for (int j = 0; j < 5; j++)
        for (int i = 0; i < 5; i++) {
            double x = i * (w - 1) / 4.0, y = j * (h - 1) / 4.0, x1, y1, x2, y2;
            if (skinq_mat3_apply(H1, x, y, &x1, &y1) || skinq_mat3_apply(H2, x, y, &x2, &y2))
                return INFINITY;
            if (x1 >= -0.5 && y1 >= -0.5 && x1 <= bw - 0.5 && y1 <= bh - 0.5)
                d = fmax(d, hypot(x1 - x2, y1 - y2));
        }
    return d;
}

/* ECC on one level from H (full res), W at this level in/out; keeps H when ECC fails. */
static skinq_status ecc_level(skinq_ctx *ctx, level *L, double H[9], double *cc)
{
    double W[9];
    if (full_to_level(L, H, W))
        return SKINQ_E_ALIGN;
    skinq_status st = align_ecc(ctx, &L->b, &L->a, L->amask.data ? &L->amask : NULL, W, ECC_ITERATIONS,
                                ECC_STOP_PX, cc, NULL);
    if (st == SKINQ_OK && level_to_full(L, W, H))
        st = SKINQ_E_ALIGN;
    return st;
}

/* ECC from He at the finest level asked for (ecc_size) or at the coarse one, with the coarse level's
 * outlier mask (brought up to the fine level); He receives the result. */
static skinq_status ecc_pass(skinq_ctx *ctx, const skinq_align_options *o, level *coarse,
                             const skinq_image *before, const skinq_image *after, double He[9], double *cc)
{
    int fine_size = o->ecc_size;
    int lng = before->width > before->height ? before->width : before->height;
    int clng = coarse->b.width > coarse->b.height ? coarse->b.width : coarse->b.height;
    if (!((fine_size == 0 || fine_size > clng) && clng < lng))
        return ecc_level(ctx, coarse, He, cc);
    level fine;
    skinq_status st = level_make(ctx, before, after, NULL, fine_size, &fine);
    if (st != SKINQ_OK)
        return st;
    double up[9], Si[9]; /* the coarse outlier mask, brought up to the fine level */
    skinq_mat3_inv(coarse->Sa, Si);
    skinq_mat3_mul(fine.Sa, Si, up);
    st = align_plane_new(ctx, fine.a.width, fine.a.height, 0, &fine.amask);
    if (st == SKINQ_OK)
        st =
            cvw_warp(ctx, coarse->amask.data, coarse->amask.width, coarse->amask.height, coarse->amask.stride,
                     1, 8, fine.amask.data, fine.a.width, fine.a.height, fine.amask.stride, up, 0);
    if (st == SKINQ_OK)
        st = ecc_level(ctx, &fine, He, cc);
    level_free(ctx, &fine);
    return st;
}

/* A copy of p into q (q empty when p is). */
static skinq_status plane_copy(skinq_ctx *ctx, const align_plane *p, align_plane *q)
{
    memset(q, 0, sizeof *q);
    if (!p->data)
        return SKINQ_OK;
    skinq_status st = align_plane_new(ctx, p->width, p->height, 0, q);
    for (int y = 0; st == SKINQ_OK && y < p->height; y++)
        memcpy(q->data + (size_t)y * q->stride, p->data + (size_t)y * p->stride, (size_t)p->width);
    return st;
}

/* Refine H by ECC, from the features' fit, at one level: the finest asked for (ecc_size), or the
 * features' own scale. The pixels that disagree under the fit are found first (at the features'
 * scale) and left out: ECC is least squares and a card fixed in the frame or the changed skin would
 * pull it. When ECC moves a point of the overlap by more than REMASK_PX (a fit that was off, e.g.
 * the biased keypoints of a tilted plane: then true structure was masked as disagreeing), the mask
 * is found again under ECC's result and ECC run once more from it. Coarse-to-fine is not needed
 * from such a start, and an ECC pass at the coarse level was measured to be biased by the skin's
 * changes (1.8 px on a 12-MP pair). A result far from the features' fit (more than 4 px + 3 rms
 * anywhere in the overlap) is not trusted. coarse->amask is left as it came. Returns 1 if ECC
 * converged, 0 if not, -1 when out of memory (recorded in ctx). */
static int refine(skinq_ctx *ctx, const skinq_align_options *o, level *coarse, const skinq_image *before,
                  const skinq_image *after, double H[9], double rms, double *cc)
{
    double He[9], W[9];
    memcpy(He, H, sizeof He);
    align_plane given;
    skinq_status st = plane_copy(ctx, &coarse->amask, &given);
    for (int round = 0; st == SKINQ_OK && round < 2; round++) {
        if (round &&
            max_disagreement(H, He, after->width, after->height, before->width, before->height) <= REMASK_PX)
            break;
        align_plane_free(ctx, &coarse->amask);
        st = plane_copy(ctx, &given, &coarse->amask);
        if (st == SKINQ_OK && full_to_level(coarse, He, W))
            st = SKINQ_E_ALIGN;
        if (st == SKINQ_OK)
            st = mask_outliers(ctx, coarse, W);
        if (st == SKINQ_OK)
            st = ecc_pass(ctx, o, coarse, before, after, He, cc);
    }
    align_plane_free(ctx, &coarse->amask);
    coarse->amask = given;
    if (st == SKINQ_E_NOMEM)
        return -1; /* out of memory is an error; an ECC that fails to converge is not */
    if (st != SKINQ_OK ||
        max_disagreement(H, He, after->width, after->height, before->width, before->height) > 4 + 3 * rms)
        return 0;
    memcpy(H, He, sizeof He);
    return 1;
}

static void alignment_init(skinq_alignment *r, const skinq_image *before, const skinq_image *after)
{
    memset(r, 0, sizeof *r);
    skinq_mat3_identity(r->matrix);
    r->rms_px = NAN;
    r->ecc = NAN;
    r->residual[0] = r->residual[1] = NAN;
    r->tilt_deg = r->perspective = 0;
    r->scale_range[0] = r->scale_range[1] = 1;
    r->before_size[0] = before->width, r->before_size[1] = before->height;
    r->after_size[0] = after->width, r->after_size[1] = after->height;
}

static skinq_status check_register_args(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after,
                                        const skinq_align_options *opt, const skinq_alignment *out)
{
    if (!before || !after || !out || !before->data || !after->data)
        return skinq_fail(ctx, SKINQ_E_INVALID, "registration needs two images");
    const skinq_mask *am = opt->after_mask;
    if (am && (am->width != after->width || am->height != after->height))
        return skinq_fail(ctx, SKINQ_E_INVALID, "after mask is %dx%d, the image %dx%d", am->width, am->height,
                          after->width, after->height);
    if (!opt->no_align &&
        (opt->feature_size < 64 || opt->max_features < 8 || !(opt->ratio > 0 && opt->ratio <= 1) ||
         opt->min_inliers < 4 || opt->ecc_size < -1))
        return skinq_fail(ctx, SKINQ_E_INVALID, "bad registration options");
    if (!isfinite(opt->min_inlier_ratio) || opt->min_inlier_ratio > 1 || !isfinite(opt->max_rms_px) ||
        !isfinite(opt->min_ncc) || opt->min_ncc > 1)
        return skinq_fail(ctx, SKINQ_E_INVALID, "bad registration acceptance thresholds");
    return SKINQ_OK;
}

/* Features matched on the working levels, RANSAC, and the homography H in full-size pixels
 * (after full → after level → before level → before full); inl[] marks the inliers. */
static skinq_status feature_homography(skinq_ctx *ctx, const skinq_align_options *opt, const level *L,
                                       cvw_matches *mt, uint8_t **inl, const skinq_image *before,
                                       const skinq_image *after, skinq_alignment *r, double H[9])
{
    cvw_plane pb = align_cv(&L->b), pa = align_cv(&L->a);
    skinq_status st = cvw_match_features(ctx, &pb, &pa, opt->max_features, opt->ratio, mt);
    if (st != SKINQ_OK)
        return st;
    r->keypoints[0] = mt->keypoints_a, r->keypoints[1] = mt->keypoints_b;
    r->matches = mt->count;
    if (mt->count < opt->min_inliers)
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "cannot align: only %d feature matches (%d and %d keypoints; need %d inliers); "
                          "the images may not show the same site",
                          mt->count, mt->keypoints_a, mt->keypoints_b, opt->min_inliers);
    if (!(*inl = skinq_calloc(ctx, (size_t)mt->count, 1)))
        return SKINQ_E_NOMEM;
    double Hs[9], Sbi[9];
    st = cvw_homography(ctx, mt->b, mt->a, mt->count, RANSAC_PX, Hs, *inl);
    if (st != SKINQ_OK)
        return st;
    for (int i = 0; i < mt->count; i++)
        r->inliers += (*inl)[i] != 0;
    skinq_mat3_inv(L->Sb, Sbi);
    skinq_mat3_mul(Sbi, Hs, H);
    skinq_mat3_mul(H, L->Sa, H);
    const char *why = degenerate(H, after->width, after->height, r);
    if (r->inliers >= opt->min_inliers && !why)
        return SKINQ_OK;
    memcpy(r->matrix, H, 9 * sizeof *H);
    r->overlap = why ? 0 : overlap_fraction(H, before, after, opt->after_mask);
    if (why)
        return skinq_fail(ctx, SKINQ_E_ALIGN, "cannot align: the best homography is degenerate (%s)", why);
    return skinq_fail(ctx, SKINQ_E_ALIGN,
                      "cannot align: only %d of %d feature matches agree on one transform (need %d); "
                      "the images may not show the same site",
                      r->inliers, mt->count, opt->min_inliers);
}

/* The photometric residual of H at level L: 1 − band-pass NCC (ncc.c) of before's luma and after's
 * warped into before's frame by H, over the pixels after covers (and its after_mask keeps): the same
 * pixels for every H, so residuals of two fits compare. */
static skinq_status residual(skinq_ctx *ctx, const level *L, const double H[9], double *res)
{
    double W[9], Wi[9];
    *res = NAN;
    if (full_to_level(L, H, W) || skinq_mat3_inv(W, Wi))
        return SKINQ_OK;
    int w = L->b.width, h = L->b.height;
    align_plane aw = {0}, mw = {0}, ones = {0};
    const align_plane *am = &L->amask;
    skinq_status st = align_plane_new(ctx, w, h, 0, &aw);
    if (st == SKINQ_OK)
        st = align_plane_new(ctx, w, h, 0, &mw);
    if (st == SKINQ_OK && !am->data &&
        (st = align_plane_new(ctx, L->a.width, L->a.height, 255, &ones)) == SKINQ_OK)
        am = &ones;
    if (st == SKINQ_OK)
        st = cvw_warp(ctx, L->a.data, L->a.width, L->a.height, L->a.stride, 1, 8, aw.data, w, h, aw.stride,
                      Wi, 1);
    if (st == SKINQ_OK)
        st =
            cvw_warp(ctx, am->data, am->width, am->height, am->stride, 1, 8, mw.data, w, h, mw.stride, Wi, 0);
    double ncc = NAN;
    if (st == SKINQ_OK)
        st = align_band_ncc_planes(ctx, &L->b, &aw, &mw, &ncc);
    *res = 1 - ncc;
    align_plane_free(ctx, &aw);
    align_plane_free(ctx, &mw);
    align_plane_free(ctx, &ones);
    return st;
}

/* ECC's result is kept when it lowers the photometric residual (the fine structure, 1-4 px at the
 * features' scale, agrees better): what it optimises (the plain correlation) is not what decides.
 * Before issue 21 it had to agree with the feature inliers within their fit's uncertainty instead,
 * which refused it on the graffiti pair, where the keypoints of a tilted plane are biased and ECC
 * corrects them (README "Registration method"). H is replaced when kept. */
static skinq_status ecc_checked(skinq_ctx *ctx, const skinq_align_options *opt, level *L,
                                const cvw_matches *mt, const uint8_t *inl, const skinq_image *before,
                                const skinq_image *after, skinq_alignment *r, double H[9])
{
    double rms0 = inlier_rms(L, mt, inl, H), He[9];
    memcpy(He, H, sizeof He);
    int refined = opt->ecc_size >= 0 ? refine(ctx, opt, L, before, after, He, rms0, &r->ecc) : 0;
    if (refined < 0)
        return SKINQ_E_NOMEM;
    r->residual[0] = r->residual[1] = NAN;
    skinq_status st = residual(ctx, L, H, &r->residual[0]);
    if (st == SKINQ_OK && refined)
        st = residual(ctx, L, He, &r->residual[1]);
    if (st != SKINQ_OK)
        return st;
    if (refined && (r->residual[1] < r->residual[0] || (isnan(r->residual[0]) && !isnan(r->residual[1])))) {
        memcpy(H, He, sizeof He);
        strcpy(r->method, "akaze+ransac+ecc");
    }
    r->ecc_accepted = strcmp(r->method, "akaze+ransac+ecc") == 0;
    return SKINQ_OK;
}

/* The final matrix (normalised), its inlier rms and overlap, and the last checks. */
static skinq_status finish(skinq_ctx *ctx, const skinq_align_options *opt, const level *L,
                           const cvw_matches *mt, const uint8_t *inl, const skinq_image *before,
                           const skinq_image *after, const double H[9], skinq_alignment *r)
{
    for (int i = 0; i < 9; i++)
        r->matrix[i] = H[i] / H[8];
    r->rms_px = inlier_rms(L, mt, inl, r->matrix);
    r->overlap = overlap_fraction(r->matrix, before, after, opt->after_mask);
    const char *why = degenerate(r->matrix, after->width, after->height, r);
    if (why)
        return skinq_fail(ctx, SKINQ_E_ALIGN, "cannot align: the refined homography is degenerate (%s)", why);
    double min_ratio, max_rms, min_ncc;
    align_thresholds(opt, &min_ratio, &max_rms, &min_ncc);
    double ratio = (double)r->inliers / r->matches;
    if (min_ratio > 0 && ratio < min_ratio)
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "cannot align: only %d of %d feature matches (%.1f %%) agree on one transform "
                          "(need %.0f %%); the images may not show the same site",
                          r->inliers, r->matches, 100 * ratio, 100 * min_ratio);
    /* keypoints are located on the feature level: their scatter in before's pixels grows with the
     * downscale, so the limit is in the level's pixels */
    int lng = before->width > before->height ? before->width : before->height;
    double down = (double)lng / (L->b.width > L->b.height ? L->b.width : L->b.height);
    if (max_rms > 0 && !(r->rms_px / down <= max_rms))
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "cannot align: the inlier matches scatter by %.2f px rms at the features' scale "
                          "(%.2f px in before's pixels; need <= %.2f); the images may not show the same site",
                          r->rms_px / down, r->rms_px, max_rms);
    r->inlier_coverage = inlier_coverage(L, mt, inl, r->matrix, before, after);
    if (r->strong_perspective && (r->inliers < ALIGN_STRONG_MIN_INLIERS || ratio < ALIGN_STRONG_MIN_RATIO ||
                                  r->inlier_coverage < ALIGN_STRONG_MIN_COVERAGE))
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "cannot align: strong perspective (%.2f across the frame, tilt %.0f deg, scale "
                          "%.2f..%.2f) needs %d inliers, %.0f %% of the matches, spread over %.0f %% of the "
                          "overlap; it has %d, %.1f %%, %.0f %%",
                          r->perspective, r->tilt_deg, r->scale_range[0], r->scale_range[1],
                          ALIGN_STRONG_MIN_INLIERS, 100 * ALIGN_STRONG_MIN_RATIO,
                          100 * ALIGN_STRONG_MIN_COVERAGE, r->inliers, 100 * ratio, 100 * r->inlier_coverage);
    if (r->overlap < opt->min_overlap)
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "cannot align: after covers only %.0f %% of before (need %.0f %%)",
                          100 * r->overlap, 100 * opt->min_overlap);
    r->ok = 1;
    return SKINQ_OK;
}

skinq_status skinq_align_register(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after,
                                  const skinq_align_options *opt, skinq_alignment *out)
{
    skinq_align_options def;
    skinq_status st = SKINQ_OPTIONS_TAKE(ctx, &def, opt, skinq_align_default_options, "skinq_align_options");
    if (st != SKINQ_OK)
        return st;
    opt = &def;
    st = check_register_args(ctx, before, after, opt, out);
    if (st != SKINQ_OK)
        return st;
    skinq_alignment r;
    alignment_init(&r, before, after);
    if (opt->no_align) {
        strcpy(r.method, "none");
        r.ok = 1;
        r.overlap = overlap_fraction(r.matrix, before, after, opt->after_mask);
        *out = r;
        return SKINQ_OK;
    }
    strcpy(r.method, "akaze+ransac");
    level L = {0};
    cvw_matches mt = {0};
    uint8_t *inl = NULL;
    double H[9];
    st = level_make(ctx, before, after, opt->after_mask, opt->feature_size, &L);
    if (st == SKINQ_OK)
        st = feature_homography(ctx, opt, &L, &mt, &inl, before, after, &r, H);
    if (st == SKINQ_OK)
        st = ecc_checked(ctx, opt, &L, &mt, inl, before, after, &r, H);
    if (st == SKINQ_OK)
        st = finish(ctx, opt, &L, &mt, inl, before, after, H, &r);
    if (st == SKINQ_OK || st == SKINQ_E_ALIGN)
        *out = r;
    skinq_free(ctx, inl);
    cvw_matches_free(ctx, &mt);
    level_free(ctx, &L);
    return st;
}
