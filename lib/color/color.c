/* color.c -- the colour analysis driver: options and ROI → row bands on the thread pool → the
 * fused row kernel (color_kernels.h) → statistics → metrics under their design paths → maps. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "color/color_int.h"

/* ------------------------------------------------------------ formulas */

/*
 * Optical-density decomposition (Tsumura et al. 1999/2003's skin model; the projection is
 * Ruifrok & Johnston 2001's colour deconvolution): OD_c = −log10(linear c) is modelled as
 *   OD = melanin·MEL + hemoglobin·HB + shading·(1, 1, 1)
 * and solved exactly with the inverse of [MEL HB 1]. Directions, in (R, G, B), evaluated at the
 * dominant wavelengths of the sRGB primaries rounded to Prahl's 10-nm grid, 610 / 550 / 465 nm:
 *   MEL: melanin absorption ∝ λ^−3.33 (Jacques, "Skin optics", Oregon Medical Laser Center News,
 *        1998), normalised to blue = 1: ((465/610)^3.33, (465/550)^3.33, 1) = (0.4050, 0.5718, 1).
 *   HB:  oxy-hemoglobin molar extinction (Prahl's tabulation of Gratzer & Kollias, omlc.org):
 *        1506, 43016, and (44480 + 33209.2)/2 at 465 nm, cm⁻¹/M, normalised to green = 1:
 *        (0.0350, 1, 0.9030).
 * Units: optical density per unit of the vector (relative; the skin's own base absorption and
 * the camera's broad bands shift them), comparable within a calibrated series. These are the
 * same published spectra lib/synth's phantoms use (its blue hemoglobin value is 0.88), so on
 * phantoms the decomposition nearly inverts the generator.
 */
static const double mel_od[3] = {0.40501395051151134, 0.5717557976835091, 1.0};
static const double hb_od[3] = {1506.0 / 43016.0, 1.0, (44480.0 + 33209.2) / 2 / 43016.0};

void skinq_color_od_vectors(double melanin[3], double hemoglobin[3])
{
    memcpy(melanin, mel_od, sizeof mel_od);
    memcpy(hemoglobin, hb_od, sizeof hb_od);
}

static const skinq_color_formula formulas[] = {
    {"L", "CIELAB L* = 116 f(Y/Yn) - 16, D65 white, from IEC 61966-2-1 linear sRGB via XYZ",
     "CIE 15:2004 Colorimetry; IEC 61966-2-1:1999 (sRGB)"},
    {"a", "CIELAB a* = 500 (f(X/Xn) - f(Y/Yn))", "CIE 15:2004 Colorimetry"},
    {"b", "CIELAB b* = 200 (f(Y/Yn) - f(Z/Zn))", "CIE 15:2004 Colorimetry"},
    {"erythema_index", "100 log10(R/G) on white-normalised linear camera R, G (two-band reflectance index applied to camera bands: an approximation)",
     "Dawson et al., Phys Med Biol 25:695 (1980); Diffey et al., Br J Dermatol 111:663 (1984); Takiwaki, J Med Invest 44:121 (1998)"},
    {"melanin_index", "100 log10(1/R) on white-normalised linear camera R (camera-band approximation)",
     "Dawson et al. (1980); Diffey et al. (1984); Takiwaki (1998)"},
    {"hemoglobin", "OD = -log10(linear RGB) = melanin*MEL + hemoglobin*HB + shading*(1,1,1), solved exactly; HB = oxy-hemoglobin extinction at 610/550/465 nm normalised to green (0.0350, 1, 0.9030)",
     "Tsumura et al., JOSA A 16:2169 (1999) and SIGGRAPH 2003; Ruifrok & Johnston, Anal Quant Cytol Histol 23:291 (2001); Prahl, omlc.org hemoglobin tables"},
    {"melanin", "same decomposition; MEL = lambda^-3.33 at 610/550/465 nm normalised to blue (0.4050, 0.5718, 1)",
     "Tsumura et al. (1999, 2003); Jacques, Skin optics, OMLC News (1998)"},
    {"ita_deg", "ITA = atan2(L* - 50, b*) * 180/pi; category from the ROI median",
     "Chardon, Cretois & Hourseau, Int J Cosmet Sci 13:191 (1991); Del Bino et al., Br J Dermatol 155:1197 (2006)"},
    {"red_area_fraction", "fraction of ROI pixels with a* > reference median a* + threshold (reference: --ref region, else the ROI's 25th percentile)",
     "skinq design section 2"},
};

const skinq_color_formula *skinq_color_formulas(size_t *count)
{
    if (count)
        *count = sizeof formulas / sizeof formulas[0];
    return formulas;
}

const char *skinq_ita_category(double ita)
{
    if (isnan(ita))
        return "unknown";
    return ita > 55 ? "very light" : ita > 41 ? "light" : ita > 28 ? "intermediate" : ita > 10 ? "tan" : ita > -30 ? "brown" : "dark";
}

/* Metric names (path segments) and units, in kernel order. */
static const struct {
    const char *name, *unit;
    float shift; /* moment shift used until the ROI's own centre is known */
} metric_info[SKINQ_CM_COUNT] = {
    {"L", "L*", 60}, {"a", "a*", 10}, {"b", "b*", 15}, {"erythema_index", "relative", 30},
    {"melanin_index", "relative", 60}, {"hemoglobin", "OD", 0}, {"melanin", "OD", 0}, {"ita_deg", "deg", 30},
};

void skinq_color_default_options(skinq_color_options *o)
{
    memset(o, 0, sizeof *o);
    o->roi_kind = SKINQ_ROI_IMAGE;
    o->white_reflectance = 1.0;
    o->red_threshold = 5.0;
    o->map_max_size = 1024;
}

/* ------------------------------------------------------------ parameters */

skinq_status skinq_color_params_init(skinq_ctx *ctx, skinq_color_params *p, const skinq_image *img,
                                     const double gains[3])
{
    memset(p, 0, sizeof *p);
    skinq_color_tables_init();
    if (img->depth == 8) {
        p->lin = skinq_srgb8_linear;
        p->od = skinq_srgb8_od;
    } else if (img->depth == 16) {
        if (skinq_color_tables16_init() != 0)
            return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (16-bit colour tables)");
        p->lin = skinq_srgb16_linear;
        p->od = skinq_srgb16_od;
    } else {
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "colour analysis takes 8- or 16-bit images, not %d-bit", img->depth);
    }
    for (int c = 0; c < 3; c++) {
        double g = gains ? gains[c] : 1.0;
        p->gain[c] = (float)g;
        p->od_offset[c] = (float)-log10(g);
    }
    /* rows of the inverse of [MEL HB 1] give melanin and hemoglobin */
    double M[3][3], inv[3][3];
    for (int i = 0; i < 3; i++) {
        M[i][0] = mel_od[i];
        M[i][1] = hb_od[i];
        M[i][2] = 1;
    }
    double det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
                 M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) { /* inverse = adjugate / det: inv[i][j] = cofactor(j, i) / det */
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (M[r0][c0] * M[r1][c1] - M[r0][c1] * M[r1][c0]) / det;
        }
    for (int c = 0; c < 3; c++) {
        p->decomp[0][c] = (float)inv[0][c];
        p->decomp[1][c] = (float)inv[1][c];
    }
    for (int m = 0; m < SKINQ_CM_COUNT; m++) {
        p->hist_lo[m] = skinq_color_hist_lo[m];
        p->hist_scale[m] = skinq_color_hist_scale[m];
        p->shift[m] = metric_info[m].shift;
    }
    return SKINQ_OK;
}

void skinq_color_row(const struct skinq_kernels *k, const skinq_color_params *p, const skinq_image *img, int y, int x0,
                     size_t n, const uint8_t *mask, skinq_color_acc *acc, float *const *out)
{
    const uint8_t *row = skinq_image_row(img, y);
    if (img->depth == 16)
        k->color_row16(p, (const uint16_t *)(const void *)row + (size_t)x0 * 3, mask, n, acc, out);
    else
        k->color_row8(p, row + (size_t)x0 * 3, mask, n, acc, out);
}

/* ------------------------------------------------------------ the pass */

/* One pass over a region: rows [box.y, box.y+box.h), columns [box.x, box.x+box.w). */
typedef struct pass {
    const struct skinq_kernels *k;
    const skinq_color_params *p;
    const skinq_image *img;
    skinq_rect box;
    const skinq_mask *m1, *m2; /* ANDed; either may be NULL */
    int band;                  /* rows per task */
    int row_step;              /* 1, or >1 for a sparse sample of rows */
    int y_base;                /* task t covers rows [y_base + t·band, +band) ∩ box */
    skinq_color_accs *A;
    uint8_t *scratch;          /* per thread: box.w mask bytes + MAP_COUNT rows of box.w floats */
    size_t scratch_size;
    color_maps *M;             /* NULL = no maps */
} pass;

static void pass_task(void *user, int task, int thread)
{
    pass *P = user;
    const skinq_rect b = P->box;
    int y0 = P->y_base + task * P->band, y1 = y0 + P->band;
    y0 = y0 > b.y ? y0 : b.y;
    y1 = y1 < b.y + b.h ? y1 : b.y + b.h;
    uint8_t *mbuf = P->scratch + (size_t)thread * P->scratch_size;
    float *rows = (float *)(void *)(mbuf + (((size_t)b.w + 63) & ~(size_t)63));
    float *out[SKINQ_CM_COUNT] = {0};
    if (P->M)
        for (int i = 0; i < MAP_COUNT; i++)
            out[skinq_color_map_metric[i]] = rows + (size_t)i * (size_t)b.w;
    skinq_color_acc *acc = &P->A->a[thread];
    const int maxcode = P->img->depth == 16 ? 65535 : 255;
    for (int y = y0; y < y1; y += P->row_step) {
        const uint8_t *mask = NULL;
        const uint8_t *r1 = P->m1 ? P->m1->data + (size_t)y * P->m1->stride + b.x : NULL;
        const uint8_t *r2 = P->m2 ? P->m2->data + (size_t)y * P->m2->stride + b.x : NULL;
        if (r1 && r2) {
            for (int x = 0; x < b.w; x++)
                mbuf[x] = r1[x] && r2[x];
            mask = mbuf;
        } else {
            mask = r1 ? r1 : r2;
        }
        skinq_color_row(P->k, P->p, P->img, y, b.x, (size_t)b.w, mask, acc, P->M ? out : NULL);
        if (!P->M)
            continue;
        /* maps: add the valid pixels of this row into their cells */
        color_maps *M = P->M;
        const uint8_t *row8 = skinq_image_row(P->img, y);
        const uint16_t *row16 = (const uint16_t *)(const void *)row8;
        size_t cy = (size_t)(y / M->f) * (size_t)M->w;
        for (int x = 0; x < b.w; x++) {
            size_t c = cy + (size_t)((b.x + x) / M->f), s = (size_t)(b.x + x) * 3;
            if (mask && !mask[x])
                continue;
            M->inside[c]++;
            int v0 = P->img->depth == 16 ? row16[s] : row8[s], v1 = P->img->depth == 16 ? row16[s + 1] : row8[s + 1],
                v2 = P->img->depth == 16 ? row16[s + 2] : row8[s + 2];
            if (!v0 || !v1 || !v2 || v0 == maxcode || v1 == maxcode || v2 == maxcode)
                continue;
            M->valid[c]++;
            for (int i = 0; i < MAP_COUNT; i++)
                M->sum[i][c] += out[skinq_color_map_metric[i]][x];
        }
    }
}

/* Run a pass over box (every row_step-th row) with masks m1 AND m2 into A (reset first, summed
 * into A->a[A->n]). */
static skinq_status run_pass_rows(skinq_ctx *ctx, const skinq_color_params *p, const skinq_image *img, skinq_rect box,
                                  const skinq_mask *m1, const skinq_mask *m2, skinq_color_accs *A, color_maps *M, int row_step)
{
    skinq_color_accs_reset(A);
    pass P = {skinq_ctx_kernels(ctx), p, img, box, m1, m2, 32 * row_step, row_step, box.y, A, NULL, 0, M};
    if (M) { /* bands of whole cell rows, counted from a cell boundary: no cell is shared by two tasks */
        P.band = M->f >= 32 ? M->f : (32 / M->f) * M->f;
        P.y_base = box.y / M->f * M->f;
    }
    P.scratch_size = (((size_t)box.w + 63) & ~(size_t)63) + (M ? (size_t)MAP_COUNT * (size_t)box.w * sizeof(float) : 0);
    P.scratch = skinq_malloc(ctx, P.scratch_size * (size_t)A->n);
    if (!P.scratch)
        return SKINQ_E_NOMEM;
    int tasks = (box.y + box.h - P.y_base + P.band - 1) / P.band;
    skinq_parallel_for(ctx, tasks, pass_task, &P);
    skinq_free(ctx, P.scratch);
    skinq_color_accs_sum(A);
    return SKINQ_OK;
}

/*
 * The moments are sums of (v − shift): the SIMD kernels add them in float for a few steps, so
 * a shift near the region's mean keeps them exact (a far shift makes the variance a difference
 * of two large numbers). It comes from a sample of about 64 rows of the same region.
 */
static skinq_status run_pass(skinq_ctx *ctx, skinq_color_params *p, const skinq_image *img, skinq_rect box,
                             const skinq_mask *m1, const skinq_mask *m2, skinq_color_accs *A, color_maps *M)
{
    if (img->depth == 8 && !M) { /* the colour-histogram path: same numbers, one count per pixel */
        skinq_color_accs_reset(A);
        uint32_t **bins = skinq_color_accs_bins(ctx, A);
        if (!bins)
            return SKINQ_E_NOMEM;
        skinq_status st = skinq_color_hist_pass(ctx, p, img, box, m1, m2, &A->a[0], bins);
        skinq_free(ctx, bins);
        if (st == SKINQ_OK)
            skinq_color_accs_sum(A);
        return st;
    }
    int step = box.h / 64 > 1 ? box.h / 64 : 1;
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        p->shift[m] = metric_info[m].shift;
    skinq_status st = run_pass_rows(ctx, p, img, box, m1, m2, A, NULL, step);
    if (st != SKINQ_OK)
        return st;
    for (int m = 0; m < SKINQ_CM_COUNT && A->a[A->n].n; m++)
        p->shift[m] = (float)skinq_color_moments(p, &A->a[A->n], m).mean;
    return run_pass_rows(ctx, p, img, box, m1, m2, A, M, 1);
}

/* ------------------------------------------------------------ white gains */

skinq_status skinq_color_white_gains(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha, skinq_rect patch,
                                     double reflectance, double gains[3], uint64_t *pixels, uint64_t *clipped)
{
    if (img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "white gains need an RGB image");
    if (!(reflectance > 0) || !isfinite(reflectance))
        return skinq_fail(ctx, SKINQ_E_INVALID, "white reflectance must be > 0");
    skinq_color_params p;
    skinq_status st = skinq_color_params_init(ctx, &p, img, NULL);
    if (st != SKINQ_OK)
        return st;
    skinq_rect r = skinq_rect_clip(patch, img->width, img->height);
    const unsigned maxcode = img->depth == 16 ? 65535 : 255;
    double sum[3] = {0, 0, 0};
    uint64_t n = 0, nclip = 0;
    for (int y = r.y; y < r.y + r.h; y++) {
        const uint8_t *row8 = skinq_image_row(img, y);
        const uint16_t *row16 = (const uint16_t *)(const void *)row8;
        for (int x = r.x; x < r.x + r.w; x++) {
            if (alpha && !alpha->data[(size_t)y * alpha->stride + (size_t)x])
                continue;
            unsigned c[3];
            for (int k = 0; k < 3; k++)
                c[k] = img->depth == 16 ? row16[3 * (size_t)x + k] : row8[3 * (size_t)x + k];
            if (!c[0] || !c[1] || !c[2] || c[0] == maxcode || c[1] == maxcode || c[2] == maxcode) {
                nclip++;
                continue;
            }
            for (int k = 0; k < 3; k++)
                sum[k] += p.lin[c[k]];
            n++;
        }
    }
    if (pixels)
        *pixels = n;
    if (clipped)
        *clipped = nclip;
    return skinq_color_gains_from_sums(ctx, sum, n, reflectance, patch, img->width, img->height, gains);
}

skinq_status skinq_color_gains_from_sums(skinq_ctx *ctx, const double sum[3], uint64_t n, double reflectance,
                                         skinq_rect patch, int width, int height, double gains[3])
{
    skinq_rect r = skinq_rect_clip(patch, width, height);
    if (n == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "white patch %d,%d,%d,%d has no usable pixel in the %dx%d image%s",
                          patch.x, patch.y, patch.w, patch.h, width, height,
                          r.w > 0 && r.h > 0 ? " (all clipped or outside the alpha mask)" : " (outside the image)");
    for (int k = 0; k < 3; k++)
        gains[k] = reflectance / (sum[k] / (double)n);
    return SKINQ_OK;
}

/* ------------------------------------------------------------ per-pixel planes */

typedef struct planes_job {
    const struct skinq_kernels *k;
    const skinq_color_params *p;
    const skinq_image *img;
    float *const *planes;
    size_t stride;
    uint8_t *scratch; /* per thread: one row widened to RGB (gray images) */
    size_t scratch_size;
    uint16_t *L16;    /* skinq_color_planes16: fixed-point outputs, through ... */
    int16_t *mel16;
    float *rows;      /* ... per thread two float rows */
    const skinq_color_fixed8 *fx; /* 8-bit fixed-point planes' tables */
} planes_job;

/* L* and the melanin index to skinq_texture_execute16()'s fixed point: branch-free selects,
 * so the loops over a row vectorise. */
static inline uint16_t fixed_L(float L)
{
    float v = L * SKINQ_L16_SCALE + 0.5f;
    v = v > 0 ? v : 0; /* NaN → 0 */
    return (uint16_t)(int)(v < 65535.0f ? v : 65535.0f);
}

static inline int16_t fixed_mel(float mel)
{
    const float v = mel * SKINQ_MEL16_SCALE, c = v > 32767.0f ? 32767.0f : v < -32767.0f ? -32767.0f : v;
    const int finite = v - v == 0; /* NaN and ±inf: SKINQ_MEL16_NONE */
    /* lrintf's round-half-even as float adds (exact for |c| < 2^22), which vectorise */
    const int q = (int)(((finite ? c : 0.0f) + 12582912.0f) - 12582912.0f);
    return finite ? (int16_t)q : SKINQ_MEL16_NONE;
}

/* One row of L* and melanin index into fixed point (the AVX2 clone packs 16 a step). */
SKINQ_CLONES static void to_fixed(const float *restrict L, const float *restrict mel, uint16_t *restrict L16,
                                  int16_t *restrict mel16, int n)
{
    for (int x = 0; L16 && x < n; x++)
        L16[x] = fixed_L(L[x]);
    for (int x = 0; mel16 && x < n; x++)
        mel16[x] = fixed_mel(mel[x]);
}

void skinq_color_fixed8_init(skinq_color_fixed8 *t, const skinq_color_params *p)
{
    const float *m = skinq_rgb2xyz_n;
    for (int c = 0; c < 256; c++) { /* the kernels' y = (m3·r + m4·g) + m5·b, r = lin·gain, per term */
        for (int k = 0; k < 3; k++)
            t->y[k][c] = m[3 + k] * (p->lin[c] * p->gain[k]);
        t->mel16[c] = fixed_mel(100.0f * (p->od[c] + p->od_offset[0])); /* the kernels' MI */
    }
}

/* Y/Yn of n pixels by table (scalar loads: a gather is slower than three of them here), and the
 * melanin index of each, already fixed point. Not cloned, so it stays free of gathers. */
static void fixed8_tables(const skinq_color_fixed8 *restrict t, const uint8_t *restrict rgb, int n,
                          float *restrict Y, int16_t *restrict mel16)
{
    for (int x = 0; x < n; x++) {
        const uint8_t *px = rgb + 3 * (size_t)x;
        Y[x] = (t->y[0][px[0]] + t->y[1][px[1]]) + t->y[2][px[2]];
    }
    for (int x = 0; mel16 && x < n; x++)
        mel16[x] = t->mel16[rgb[3 * (size_t)x]];
}

/* L* = 116·f(Y/Yn) − 16 as the kernels compute it (skinq_lab_f_hh), to fixed point. */
SKINQ_CLONES static void fixed8_L(const float *restrict Y, uint16_t *restrict L16, int n)
{
    for (int x = 0; x < n; x++)
        L16[x] = fixed_L(116.0f * skinq_lab_f_hh(Y[x]) - 16.0f);
}

void skinq_color_row_fixed8(const skinq_color_fixed8 *t, const uint8_t *rgb, int n, float *row, uint16_t *L16,
                            int16_t *mel16)
{
    fixed8_tables(t, rgb, n, row, mel16);
    if (L16)
        fixed8_L(row, L16, n);
}

static void planes_task(void *user, int task, int thread)
{
    planes_job *J = user;
    const skinq_image *img = J->img;
    int y0 = task * 16, y1 = y0 + 16 < img->height ? y0 + 16 : img->height;
    for (int y = y0; y < y1; y++) {
        float *out[SKINQ_CM_COUNT] = {0};
        float *rows = J->rows ? J->rows + (size_t)thread * 2 * (size_t)img->width : NULL;
        if (rows) {
            out[SKINQ_COLOR_L] = J->L16 ? rows : NULL;
            out[SKINQ_COLOR_MELANIN_INDEX] = J->mel16 ? rows + img->width : NULL;
        } else {
            for (int m = 0; m < SKINQ_CM_COUNT; m++)
                out[m] = J->planes[m] ? J->planes[m] + (size_t)y * J->stride : NULL;
        }
        const uint8_t *row = skinq_image_row(img, y);
        if (img->channels == 1) { /* gray: R = G = B */
            uint8_t *w = J->scratch + (size_t)thread * J->scratch_size;
            size_t bps = (size_t)img->depth / 8;
            for (int x = 0; x < img->width; x++)
                for (int c = 0; c < 3; c++)
                    memcpy(w + ((size_t)x * 3 + (size_t)c) * bps, row + (size_t)x * bps, bps);
            row = w;
        }
        if (rows && img->depth == 8) {
            skinq_color_row_fixed8(J->fx, row, img->width, rows, J->L16 ? J->L16 + (size_t)y * J->stride : NULL,
                                   J->mel16 ? J->mel16 + (size_t)y * J->stride : NULL);
            continue;
        }
        if (img->depth == 16)
            J->k->color_row16(J->p, (const uint16_t *)(const void *)row, NULL, (size_t)img->width, NULL, out);
        else
            J->k->color_row8(J->p, row, NULL, (size_t)img->width, NULL, out);
        if (rows)
            to_fixed(out[SKINQ_COLOR_L], out[SKINQ_COLOR_MELANIN_INDEX], J->L16 ? J->L16 + (size_t)y * J->stride : NULL,
                     J->mel16 ? J->mel16 + (size_t)y * J->stride : NULL, img->width);
    }
}

/* Both plane functions: float planes, or (L16 or mel16 set) the fixed-point pair. */
static skinq_status make_planes(skinq_ctx *ctx, const skinq_image *img, const double gains[3],
                                float *const planes[SKINQ_COLOR_METRIC_COUNT], uint16_t *L16, int16_t *mel16,
                                size_t stride)
{
    if (stride < (size_t)img->width)
        return skinq_fail(ctx, SKINQ_E_INVALID, "plane stride %zu is less than the width %d", stride, img->width);
    if (img->channels != 1 && img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "colour planes need a gray or RGB image");
    skinq_color_params p;
    skinq_status st = skinq_color_params_init(ctx, &p, img, gains);
    if (st != SKINQ_OK)
        return st;
    skinq_color_fixed8 fx;
    if (img->depth == 8)
        skinq_color_fixed8_init(&fx, &p);
    planes_job J = {skinq_ctx_kernels(ctx), &p, img, planes, stride, NULL, 0, L16, mel16, NULL, &fx};
    const size_t threads = (size_t)skinq_ctx_threads(ctx);
    if (L16 || mel16)
        J.rows = skinq_malloc(ctx, sizeof(float) * 2 * (size_t)img->width * threads);
    if (img->channels == 1) {
        J.scratch_size = ((size_t)img->width * 3 * (size_t)img->depth / 8 + 63) & ~(size_t)63;
        J.scratch = skinq_malloc(ctx, J.scratch_size * threads);
    }
    if ((J.rows || !(L16 || mel16)) && (img->channels != 1 || J.scratch))
        skinq_parallel_for(ctx, (img->height + 15) / 16, planes_task, &J);
    else
        st = SKINQ_E_NOMEM;
    skinq_free(ctx, J.scratch);
    skinq_free(ctx, J.rows);
    return st;
}

skinq_status skinq_color_planes(skinq_ctx *ctx, const skinq_image *img, const double gains[3],
                                float *const planes[SKINQ_COLOR_METRIC_COUNT], size_t stride)
{
    return make_planes(ctx, img, gains, planes, NULL, NULL, stride);
}

skinq_status skinq_color_planes16(skinq_ctx *ctx, const skinq_image *img, const double gains[3], uint16_t *L16,
                                  int16_t *mel16, size_t stride)
{
    float *const none[SKINQ_COLOR_METRIC_COUNT] = {0};
    return make_planes(ctx, img, gains, none, L16, mel16, stride);
}

/* ------------------------------------------------------------ the analysis */

skinq_rect skinq_color_mask_bbox(const skinq_mask *m)
{
    int x0 = m->width, y0 = m->height, x1 = -1, y1 = -1;
    for (int y = 0; y < m->height; y++) {
        const uint8_t *r = m->data + (size_t)y * m->stride;
        int a = 0, b = m->width - 1;
        while (a < m->width && !r[a])
            a++;
        if (a == m->width)
            continue;
        while (!r[b])
            b--;
        x0 = a < x0 ? a : x0;
        x1 = b > x1 ? b : x1;
        y0 = y < y0 ? y : y0;
        y1 = y;
    }
    skinq_rect r = {0, 0, 0, 0};
    if (x1 >= 0)
        r = (skinq_rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    return r;
}

/* The five summaries of metric m under "color.<name>.*". */
static skinq_status add_summary(skinq_ctx *ctx, skinq_metrics *out, const skinq_color_params *p,
                                const skinq_color_acc *acc, int m)
{
    const char *name = metric_info[m].name, *unit = metric_info[m].unit;
    skinq_color_stat s = skinq_color_moments(p, acc, m);
    static const struct {
        const char *key;
        double q;
    } pct[3] = {{"p05", 0.05}, {"p50", 0.50}, {"p95", 0.95}};
    skinq_status st = skinq_metrics_addf(ctx, out, s.mean, unit, "color.%s.mean", name);
    if (st == SKINQ_OK)
        st = skinq_metrics_addf(ctx, out, s.std, unit, "color.%s.std", name);
    for (int i = 0; i < 3 && st == SKINQ_OK; i++)
        st = skinq_metrics_addf(ctx, out, skinq_color_percentile(acc, m, pct[i].q), unit, "color.%s.%s", name, pct[i].key);
    return st;
}

static skinq_status check_options(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                  const skinq_color_options *o)
{
    if (img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "colour analysis needs an RGB image (this one has %d channel%s)",
                          img->channels, img->channels == 1 ? "" : "s");
    if ((uint64_t)img->width * (uint64_t)img->height > UINT32_MAX)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "colour analysis takes at most 2^32 pixels");
    if (alpha && (alpha->width != img->width || alpha->height != img->height))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "alpha mask is %dx%d, the image %dx%d", alpha->width, alpha->height,
                          img->width, img->height);
    if (o->roi_kind == SKINQ_ROI_MASK) {
        if (!o->roi_mask)
            return skinq_fail(ctx, SKINQ_E_INVALID, "ROI kind 'mask' without a mask");
        if (o->roi_mask->width != img->width || o->roi_mask->height != img->height)
            return skinq_fail(ctx, SKINQ_E_FORMAT, "ROI mask is %dx%d but the image is %dx%d", o->roi_mask->width,
                              o->roi_mask->height, img->width, img->height);
    }
    if (o->roi_kind < SKINQ_ROI_IMAGE || o->roi_kind > SKINQ_ROI_AUTO_SKIN)
        return skinq_fail(ctx, SKINQ_E_INVALID, "unknown ROI kind %d", (int)o->roi_kind);
    if (!isfinite(o->red_threshold) || !(o->px_per_mm >= 0) || !isfinite(o->px_per_mm))
        return skinq_fail(ctx, SKINQ_E_INVALID, "red threshold must be finite and px/mm >= 0");
    return SKINQ_OK;
}

void skinq_color_ref_summary(const skinq_color_params *p, const skinq_color_acc *acc, skinq_color_ref *R)
{
    R->has = 1;
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        R->mean[m] = skinq_color_moments(p, acc, m).mean;
    R->median_a = skinq_color_percentile(acc, SKINQ_CM_A, 0.5);
}

skinq_status skinq_color_emit(skinq_ctx *ctx, const skinq_color_options *opt, const skinq_color_params *p,
                              const skinq_color_acc *T, const skinq_color_ref *R, skinq_color_info *I, skinq_metrics *out)
{
    I->roi_inside = T->inside;
    I->roi_pixels = T->n;
    I->roi_clipped = T->clipped;
    if (T->n == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "the region of interest (%s) has no usable pixel: %llu inside, %llu clipped",
                          I->roi_source, (unsigned long long)T->inside, (unsigned long long)T->clipped);
    skinq_status st = SKINQ_OK;
    for (int m = 0; st == SKINQ_OK && m < SKINQ_CM_COUNT; m++) {
        st = add_summary(ctx, out, p, T, m);
        if (st == SKINQ_OK && R->has) {
            skinq_color_stat s = skinq_color_moments(p, T, m);
            st = skinq_metrics_addf(ctx, out, R->mean[m], metric_info[m].unit, "color.%s.ref_mean", metric_info[m].name);
            if (st == SKINQ_OK)
                st = skinq_metrics_addf(ctx, out, s.mean - R->mean[m], metric_info[m].unit, "color.%s.delta_ref",
                                        metric_info[m].name);
        }
    }
    if (st != SKINQ_OK)
        return st;
    double red_base = R->has ? R->median_a : skinq_color_percentile(T, SKINQ_CM_A, 0.25);
    snprintf(I->red_basis, sizeof I->red_basis, "%s", R->has ? "ref_median" : "roi_p25");
    I->red_threshold_a = red_base + opt->red_threshold;
    double frac = skinq_color_fraction_above(T, SKINQ_CM_A, I->red_threshold_a);
    double px = frac * (double)T->n;
    st = skinq_metrics_add(ctx, out, "color.red_area_fraction", frac, "1");
    if (st == SKINQ_OK)
        st = skinq_metrics_add(ctx, out, "color.red_area_px", px, "px");
    if (st == SKINQ_OK)
        st = opt->px_per_mm > 0
                 ? skinq_metrics_add(ctx, out, "color.red_area_mm2", px / (opt->px_per_mm * opt->px_per_mm), "mm2")
                 : skinq_metrics_add(ctx, out, "color.red_area_mm2", px, "px");
    snprintf(I->ita_category, sizeof I->ita_category, "%s",
             skinq_ita_category(skinq_color_percentile(T, SKINQ_CM_ITA, 0.5)));
    return st;
}

const char *skinq_roi_kind_name(skinq_roi_kind k)
{
    static const char *const names[] = {"image", "rect", "mask", "auto-skin"};
    return k >= SKINQ_ROI_IMAGE && k <= SKINQ_ROI_AUTO_SKIN ? names[k] : "unknown";
}

skinq_status skinq_color_roi_mask(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                  const skinq_color_options *o, skinq_mask **out, skinq_rect *bbox)
{
    skinq_status st = check_options(ctx, img, alpha, o);
    double gains[3] = {1, 1, 1};
    if (st == SKINQ_OK && o->has_white)
        st = skinq_color_white_gains(ctx, img, alpha, o->white, o->white_reflectance, gains, NULL, NULL);
    skinq_mask *m = NULL;
    if (st == SKINQ_OK && o->roi_kind == SKINQ_ROI_AUTO_SKIN) {
        st = skinq_color_skin_mask(ctx, img, alpha, gains, &m); /* alpha already applied */
    } else if (st == SKINQ_OK) {
        skinq_rect r = o->roi_kind == SKINQ_ROI_RECT ? skinq_rect_clip(o->roi, img->width, img->height)
                                                     : (skinq_rect){0, 0, img->width, img->height};
        st = skinq_mask_new(ctx, img->width, img->height, 0, &m);
        for (int y = 0; st == SKINQ_OK && y < img->height; y++) {
            uint8_t *d = m->data + (size_t)y * m->stride;
            const uint8_t *a = alpha ? alpha->data + (size_t)y * alpha->stride : NULL;
            const uint8_t *k = o->roi_kind == SKINQ_ROI_MASK ? o->roi_mask->data + (size_t)y * o->roi_mask->stride : NULL;
            for (int x = 0; x < img->width; x++)
                d[x] = (!a || a[x]) && (!k || k[x]) && (o->roi_kind != SKINQ_ROI_RECT ||
                                                       (y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w));
        }
    }
    if (st != SKINQ_OK) {
        skinq_mask_free(&m);
        return st;
    }
    *bbox = skinq_color_mask_bbox(m);
    *out = m;
    return SKINQ_OK;
}

skinq_status skinq_color_analyze(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                 const skinq_color_options *opt, skinq_metrics *out, skinq_color_info *info)
{
    skinq_color_options defaults;
    if (!opt) {
        skinq_color_default_options(&defaults);
        opt = &defaults;
    }
    skinq_status st = check_options(ctx, img, alpha, opt);
    if (st != SKINQ_OK)
        return st;
    skinq_color_info I;
    memset(&I, 0, sizeof I);
    snprintf(I.white_point, sizeof I.white_point, "D65");
    double gains[3] = {1, 1, 1};
    if (opt->has_white) {
        st = skinq_color_white_gains(ctx, img, alpha, opt->white, opt->white_reflectance, gains, &I.white_pixels,
                                     &I.white_clipped);
        if (st != SKINQ_OK)
            return st;
        I.has_white = 1;
    }
    memcpy(I.white_gains, gains, sizeof gains);
    skinq_color_params p;
    st = skinq_color_params_init(ctx, &p, img, gains);
    if (st != SKINQ_OK)
        return st;

    /* the ROI: a box to walk and up to two masks ANDed inside it */
    skinq_mask *skin = NULL;
    const skinq_mask *m1 = alpha, *m2 = NULL;
    skinq_rect box = {0, 0, img->width, img->height};
    snprintf(I.roi_source, sizeof I.roi_source, "%s%s", skinq_roi_kind_name(opt->roi_kind), alpha ? "+alpha" : "");
    if (opt->roi_kind == SKINQ_ROI_RECT) {
        box = skinq_rect_clip(opt->roi, img->width, img->height);
    } else if (opt->roi_kind == SKINQ_ROI_MASK) {
        m2 = opt->roi_mask;
        box = skinq_color_mask_bbox(m2);
    } else if (opt->roi_kind == SKINQ_ROI_AUTO_SKIN) {
        st = skinq_color_skin_mask(ctx, img, alpha, gains, &skin);
        if (st != SKINQ_OK)
            return st;
        m1 = skin; /* already excludes what alpha excludes */
        box = skinq_color_mask_bbox(skin);
    }
    I.roi_rect = box;

    skinq_color_accs A = {0};
    color_maps M = {0};
    int threads = skinq_ctx_threads(ctx);
    st = skinq_color_accs_new(ctx, &A, threads);
    if (st == SKINQ_OK && opt->maps_dir)
        st = skinq_color_maps_new(ctx, &M, img->width, img->height, opt->map_max_size > 0 ? opt->map_max_size : 1024);

    /* the reference region first: its median a* sets the red threshold */
    skinq_color_ref R = {0};
    if (st == SKINQ_OK && opt->has_ref) {
        I.has_ref = 1;
        I.ref_rect = skinq_rect_clip(opt->ref, img->width, img->height);
        if (I.ref_rect.w > 0 && I.ref_rect.h > 0)
            st = run_pass(ctx, &p, img, I.ref_rect, alpha, NULL, &A, NULL);
        const skinq_color_acc *T = &A.a[A.n];
        I.ref_pixels = I.ref_rect.w > 0 && I.ref_rect.h > 0 ? T->n : 0;
        I.ref_clipped = I.ref_rect.w > 0 && I.ref_rect.h > 0 ? T->clipped : 0;
        if (st == SKINQ_OK && I.ref_pixels == 0)
            st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "reference region %d,%d,%d,%d has no usable pixel in the %dx%d image",
                            opt->ref.x, opt->ref.y, opt->ref.w, opt->ref.h, img->width, img->height);
        if (st == SKINQ_OK)
            skinq_color_ref_summary(&p, T, &R);
    }

    if (st == SKINQ_OK) {
        if (box.w > 0 && box.h > 0)
            st = run_pass(ctx, &p, img, box, m1, m2, &A, opt->maps_dir ? &M : NULL);
        else
            skinq_color_accs_reset(&A);
    }
    const skinq_color_acc *T = &A.a[A.n];
    if (st == SKINQ_OK)
        st = skinq_color_emit(ctx, opt, &p, T, &R, &I, out);
    if (st == SKINQ_OK && opt->maps_dir) {
        st = skinq_color_maps_write(ctx, &M, T, img, opt->maps_dir);
        I.map_factor = st == SKINQ_OK ? M.f : 0;
    }
    skinq_color_maps_free(ctx, &M);
    skinq_color_accs_free(ctx, &A);
    skinq_mask_free(&skin);
    if (st == SKINQ_OK && info)
        *info = I;
    return st;
}
