/* register.c -- after onto before: AKAZE + ratio test + RANSAC on a small CLAHE'd luma, then ECC
 * (ecc.c) from that fit with disagreeing pixels masked out; quality checks decide `ok`. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "align/align.h"

#define RANSAC_PX 3.0        /* inlier threshold at the feature scale */
#define OUTLIER_SIGMAS 3.0   /* ECC residuals beyond this many robust sigmas are masked out */
#define OVERLAP_GRID 160     /* samples per side for the overlap estimate */
#define ECC_STOP_PX 0.005    /* ECC has converged when an update moves no corner by this (level px) */
#define ECC_ITERATIONS 10    /* a cap: from the features' fit ECC converges in 2-4 (tests, 12-MP pairs) */
#define ECC_AGREE_SIGMAS 3.0 /* ECC kept when it moves the inliers by <= 3 sigmas of the features' fit */

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

/* Why a matrix cannot be a photo-to-photo pose, or NULL. */
static const char *degenerate(const double H[9], int w, int h, double *det)
{
    if (!(fabs(H[8]) > 1e-12))
        return "it sends the image to infinity";
    double m[9];
    for (int i = 0; i < 9; i++)
        m[i] = H[i] / H[8];
    *det = m[0] * m[4] - m[1] * m[3];
    if (!isfinite(*det) || *det < 0)
        return "it mirrors the image";
    if (*det < 0.25 || *det > 4)
        return "its scale change is beyond 2x";
    if (fabs(m[6]) * w + fabs(m[7]) * h > 0.3)
        return "its perspective is too strong";
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

/* Largest displacement between two matrices over a 5×5 grid of after's frame (after px → before px). */
static double max_disagreement(const double H1[9], const double H2[9], int w, int h)
{
    double d = 0;
    for (int j = 0; j < 5; j++)
        for (int i = 0; i < 5; i++) {
            double x = i * (w - 1) / 4.0, y = j * (h - 1) / 4.0, x1, y1, x2, y2;
            if (skinq_mat3_apply(H1, x, y, &x1, &y1) || skinq_mat3_apply(H2, x, y, &x2, &y2))
                return INFINITY;
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

/* Refine H by ECC, from the features' fit, at one level: the finest asked for (ecc_size), or the
 * features' own scale. The features' fit is good to a fraction of a pixel, so the pixels that
 * disagree under it are found first (at the features' scale) and left out: ECC is least squares
 * and a card fixed in the frame or the changed skin would pull it. Coarse-to-fine is not needed
 * from such a start, and an ECC pass at the coarse level was measured to be biased by the skin's
 * changes (1.8 px on a 12-MP pair). A result far from the features' fit (more than 4 px + 3 rms
 * anywhere in the frame) is not trusted. Returns 1 if ECC converged, 0 if not, -1 when out of
 * memory (recorded in ctx). */
static int refine(skinq_ctx *ctx, const skinq_align_options *o, level *coarse, const skinq_image *before,
                  const skinq_image *after, double H[9], double rms, double *cc)
{
    double He[9], W[9];
    memcpy(He, H, sizeof He);
    if (full_to_level(coarse, He, W))
        return 0;
    skinq_status st = mask_outliers(ctx, coarse, W);
    if (st != SKINQ_OK)
        return st == SKINQ_E_NOMEM ? -1 : 0;
    int fine_size = o->ecc_size;
    int lng = before->width > before->height ? before->width : before->height;
    int clng = coarse->b.width > coarse->b.height ? coarse->b.width : coarse->b.height;
    if ((fine_size == 0 || fine_size > clng) && clng < lng) {
        level fine;
        st = level_make(ctx, before, after, NULL, fine_size, &fine);
        if (st == SKINQ_OK) { /* the coarse outlier mask, brought up to the fine level */
            double up[9], Si[9];
            skinq_mat3_inv(coarse->Sa, Si);
            skinq_mat3_mul(fine.Sa, Si, up);
            st = align_plane_new(ctx, fine.a.width, fine.a.height, 0, &fine.amask);
            if (st == SKINQ_OK)
                st = cvw_warp(ctx, coarse->amask.data, coarse->amask.width, coarse->amask.height,
                              coarse->amask.stride, 1, 8, fine.amask.data, fine.a.width, fine.a.height,
                              fine.amask.stride, up, 0);
            if (st == SKINQ_OK)
                st = ecc_level(ctx, &fine, He, cc);
            level_free(ctx, &fine);
        }
    } else {
        st = ecc_level(ctx, coarse, He, cc);
    }
    if (st == SKINQ_E_NOMEM)
        return -1; /* out of memory is an error; an ECC that fails to converge is not */
    if (st != SKINQ_OK || max_disagreement(H, He, after->width, after->height) > 4 + 3 * rms)
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
    double Hs[9], Sbi[9], det = 0;
    st = cvw_homography(ctx, mt->b, mt->a, mt->count, RANSAC_PX, Hs, *inl);
    if (st != SKINQ_OK)
        return st;
    for (int i = 0; i < mt->count; i++)
        r->inliers += (*inl)[i] != 0;
    skinq_mat3_inv(L->Sb, Sbi);
    skinq_mat3_mul(Sbi, Hs, H);
    skinq_mat3_mul(H, L->Sa, H);
    const char *why = degenerate(H, after->width, after->height, &det);
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

/* ECC must agree with the feature inliers within the uncertainty of their fit (8 parameters
 * from n matches of scatter rms: sigma ≈ rms·sqrt(8/n)); on phantoms whose skin changes between
 * photos (redness, texture) an unchecked ECC was pulled 1-1.5 px off by the change. ECC moving
 * the inliers by d raises their rms to about sqrt(rms² + d²). H is replaced when it agrees. */
static skinq_status ecc_checked(skinq_ctx *ctx, const skinq_align_options *opt, level *L,
                                const cvw_matches *mt, const uint8_t *inl, const skinq_image *before,
                                const skinq_image *after, skinq_alignment *r, double H[9])
{
    double rms0 = inlier_rms(L, mt, inl, H), He[9];
    memcpy(He, H, sizeof He);
    double allow = ECC_AGREE_SIGMAS * rms0 * sqrt(8.0 / r->inliers), rms1 = NAN;
    int refined = opt->ecc_size >= 0 ? refine(ctx, opt, L, before, after, He, rms0, &r->ecc) : 0;
    if (refined < 0)
        return SKINQ_E_NOMEM;
    if (refined && (rms1 = inlier_rms(L, mt, inl, He), rms1 * rms1 - rms0 * rms0 <= allow * allow + 1e-9)) {
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
    double det = 0;
    for (int i = 0; i < 9; i++)
        r->matrix[i] = H[i] / H[8];
    r->rms_px = inlier_rms(L, mt, inl, r->matrix);
    r->overlap = overlap_fraction(r->matrix, before, after, opt->after_mask);
    const char *why = degenerate(r->matrix, after->width, after->height, &det);
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
