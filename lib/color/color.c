/* color.c -- the colour analysis driver: options and ROI → row bands on the thread pool → the
 * fused row kernel (color_kernels.h) → statistics → metrics under their design paths → maps. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "color/color_int.h"

/* ------------------------------------------------------------ formulas */

static const skinq_color_formula formulas[] = {
    {"L", "CIELAB L* = 116 f(Y/Yn) - 16, D65 white, from IEC 61966-2-1 linear sRGB via XYZ",
     "CIE 15:2004 Colorimetry; IEC 61966-2-1:1999 (sRGB)"},
    {"a", "CIELAB a* = 500 (f(X/Xn) - f(Y/Yn))", "CIE 15:2004 Colorimetry"},
    {"b", "CIELAB b* = 200 (f(Y/Yn) - f(Z/Zn))", "CIE 15:2004 Colorimetry"},
    {"erythema_index",
     "100 log10(R/G) on white-normalised linear camera R, G (two-band reflectance index applied to camera "
     "bands: an approximation)",
     "Dawson et al., Phys Med Biol 25:695 (1980); Diffey et al., Br J Dermatol 111:663 (1984); Takiwaki, J "
     "Med Invest 44:121 (1998)"},
    {"melanin_index", "100 log10(1/R) on white-normalised linear camera R (camera-band approximation)",
     "Dawson et al. (1980); Diffey et al. (1984); Takiwaki (1998)"},
    {"hemoglobin",
     "b, the dermal blood volume fraction (0-1) of the inverted spectral skin model (formulas.skin_model): "
     "bilinear lookup over (log10 R/G, log10 B/G) of white-normalised linear RGB in a 160x160 table of the "
     "model's exact inverse; colours outside the model are not counted (color.out_of_model_fraction)",
     "Kubelka-Munk skin reflectance (Kubelka, JOSA 38:448, 1948); Prahl, omlc.org hemoglobin tables; "
     "Jacques, "
     "Phys Med Biol 58:R37 (2013)"},
    {"melanin", "m, the epidermal melanosome volume fraction (0-1) of the same model and lookup",
     "Jacques, Phys Med Biol 58:R37 (2013) melanin absorption; the model as for hemoglobin"},
    {"out_of_model_fraction",
     "fraction of the ROI's valid pixels whose colour the skin model cannot produce (grey, hair, ink, "
     "highlights, a channel under 0.002 linear): excluded from hemoglobin and melanin",
     "skinq (lib/color/skin_table.c)"},
    {"ita_deg", "ITA = atan2(L* - 50, b*) * 180/pi; category from the ROI median",
     "Chardon, Cretois & Hourseau, Int J Cosmet Sci 13:191 (1991); Del Bino et al., Br J Dermatol 155:1197 "
     "(2006)"},
    {"red_area_fraction",
     "fraction of ROI pixels with a* > reference median a* + threshold (reference: --ref region, else the "
     "ROI's 25th percentile)",
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
    return ita > 55    ? "very light"
           : ita > 41  ? "light"
           : ita > 28  ? "intermediate"
           : ita > 10  ? "tan"
           : ita > -30 ? "brown"
                       : "dark";
}

/* Metric names (path segments) and units, in kernel order. */
static const struct {
    const char *name, *unit;
} metric_info[SKINQ_CM_COUNT] = {
    {"L", "L*"},
    {"a", "a*"},
    {"b", "b*"},
    {"erythema_index", "relative"},
    {"melanin_index", "relative"},
    {"hemoglobin", "fraction"},
    {"melanin", "fraction"},
    {"ita_deg", "deg"},
};

void skinq_color_default_options(skinq_color_options *o)
{
    memset(o, 0, sizeof *o);
    o->white_reflectance = 1.0;
    o->red_threshold = 5.0;
}

/* ------------------------------------------------------------ rows */

void skinq_color_row(const struct skinq_color_dsp *k, const skinq_color_params *p, const skinq_image *img,
                     int y, int x0, size_t n, const uint8_t *mask, skinq_color_acc *acc, float *const *out)
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
    const struct skinq_color_dsp *k;
    const skinq_color_params *p;
    const skinq_image *img;
    skinq_rect box;
    const skinq_mask *m1, *m2; /* ANDed; either may be NULL */
    int band;                  /* rows per task */
    int row_step;              /* 1, or >1 for a sparse sample of rows */
    int y_base;                /* task t covers rows [y_base + t·band, +band) ∩ box */
    skinq_color_accs *A;
    uint8_t *scratch; /* per thread: box.w mask bytes + MAP_COUNT rows of box.w floats */
    size_t scratch_size;
    color_maps *M; /* NULL = no maps */
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
            int v0 = P->img->depth == 16 ? row16[s] : row8[s],
                v1 = P->img->depth == 16 ? row16[s + 1] : row8[s + 1],
                v2 = P->img->depth == 16 ? row16[s + 2] : row8[s + 2];
            if (!v0 || !v1 || !v2 || v0 == maxcode || v1 == maxcode || v2 == maxcode)
                continue;
            M->valid[c]++;
            int in_model = out[SKINQ_CM_HB][x] == out[SKINQ_CM_HB][x];
            M->model[c] += (uint32_t)in_model;
            for (int i = 0; i < MAP_COUNT; i++)
                if (in_model || !skinq_cm_model(skinq_color_map_metric[i]))
                    M->sum[i][c] += out[skinq_color_map_metric[i]][x];
        }
    }
}

/* Run a pass over box (every row_step-th row) with masks m1 AND m2 into A (reset first, summed
 * into A->a[A->n]). */
static skinq_status run_pass_rows(skinq_ctx *ctx, const skinq_color_params *p, const skinq_image *img,
                                  skinq_rect box, const skinq_mask *m1, const skinq_mask *m2,
                                  skinq_color_accs *A, color_maps *M, int row_step)
{
    skinq_color_accs_reset(A);
    pass P = {skinq_color_dsp(skinq_ctx_isa(ctx)),
              p,
              img,
              box,
              m1,
              m2,
              32 * row_step,
              row_step,
              box.y,
              A,
              NULL,
              0,
              M};
    if (M) { /* bands of whole cell rows, counted from a cell boundary: no cell is shared by two tasks */
        P.band = M->f >= 32 ? M->f : (32 / M->f) * M->f;
        P.y_base = box.y / M->f * M->f;
    }
    P.scratch_size =
        (((size_t)box.w + 63) & ~(size_t)63) + (M ? (size_t)MAP_COUNT * (size_t)box.w * sizeof(float) : 0);
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
    if (img->depth == 8 && !M && skinq_color_hist_pays(ctx, img, box)) {
        /* the colour-histogram path: same numbers, one count per pixel (color_int.h: why by default) */
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
        p->shift[m] = skinq_color_shift0[m];
    skinq_status st = run_pass_rows(ctx, p, img, box, m1, m2, A, NULL, step);
    if (st != SKINQ_OK)
        return st;
    for (int m = 0; m < SKINQ_CM_COUNT && A->a[A->n].n; m++)
        p->shift[m] = (float)skinq_color_moments(p, &A->a[A->n], m).mean;
    return run_pass_rows(ctx, p, img, box, m1, m2, A, M, 1);
}

/* ------------------------------------------------------------ white gains */

skinq_status skinq_color_white_gains(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                     skinq_rect patch, double reflectance, double gains[3], uint64_t *pixels,
                                     uint64_t *clipped)
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
        return skinq_fail(
            ctx, SKINQ_E_EMPTY_ROI, "white patch %d,%d,%d,%d has no usable pixel in the %dx%d image%s",
            patch.x, patch.y, patch.w, patch.h, width, height,
            r.w > 0 && r.h > 0 ? " (all clipped or outside the alpha mask)" : " (outside the image)");
    for (int k = 0; k < 3; k++)
        gains[k] = reflectance / (sum[k] / (double)n);
    return SKINQ_OK;
}

/* ------------------------------------------------------------ per-pixel planes */

typedef struct planes_job {
    const struct skinq_color_dsp *k;
    const skinq_color_params *p;
    const skinq_image *img;
    float *const *planes;
    size_t stride;
    uint8_t *scratch; /* per thread: one row widened to RGB (gray images) */
    size_t scratch_size;
    uint16_t *L16; /* skinq_color_planes16: fixed-point outputs, through ... */
    int16_t *mel16;
    float *rows;                  /* ... per thread two float rows */
    const skinq_color_fixed8 *fx; /* 8-bit fixed-point planes' tables */
} planes_job;

void skinq_color_fixed8_init(skinq_color_fixed8 *t, const skinq_color_params *p)
{
    const float *m = skinq_rgb2xyz_n;
    t->dsp = p->dsp;
    for (int c = 0; c < 256; c++) { /* the kernels' y = (m3·r + m4·g) + m5·b, r = lin·gain, per term */
        for (int k = 0; k < 3; k++)
            t->y[k][c] = m[3 + k] * (p->lin[c] * p->gain[k]);
        t->mel16[c] = skinq_fixed_mel(100.0f * (p->od[c] + p->od_offset[0])); /* the kernels' MI */
    }
}

/* Y/Yn of n pixels by table (scalar loads: a gather is slower than three of them here), and the
 * melanin index of each, already fixed point. Plain baseline code (not a table kernel), so it
 * stays free of gathers. */
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

void skinq_color_row_fixed8(const skinq_color_fixed8 *t, const uint8_t *rgb, int n, float *row, uint16_t *L16,
                            int16_t *mel16)
{
    fixed8_tables(t, rgb, n, row, mel16);
    if (L16)
        t->dsp->color_fixed8_L(row, L16, n);
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
            skinq_color_row_fixed8(J->fx, row, img->width, rows,
                                   J->L16 ? J->L16 + (size_t)y * J->stride : NULL,
                                   J->mel16 ? J->mel16 + (size_t)y * J->stride : NULL);
            continue;
        }
        if (img->depth == 16)
            J->k->color_row16(J->p, (const uint16_t *)(const void *)row, NULL, (size_t)img->width, NULL, out);
        else
            J->k->color_row8(J->p, row, NULL, (size_t)img->width, NULL, out);
        if (rows)
            J->k->color_to_fixed(out[SKINQ_COLOR_L], out[SKINQ_COLOR_MELANIN_INDEX],
                                 J->L16 ? J->L16 + (size_t)y * J->stride : NULL,
                                 J->mel16 ? J->mel16 + (size_t)y * J->stride : NULL, img->width);
    }
}

/* Both plane functions: float planes, or (L16 or mel16 set) the fixed-point pair. */
static skinq_status make_planes(skinq_ctx *ctx, const skinq_image *img, const double gains[3],
                                float *const planes[SKINQ_COLOR_METRIC_COUNT], uint16_t *L16, int16_t *mel16,
                                size_t stride)
{
    if (stride < (size_t)img->width)
        return skinq_fail(ctx, SKINQ_E_INVALID, "plane stride %zu is less than the width %d", stride,
                          img->width);
    if (img->channels != 1 && img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "colour planes need a gray or RGB image");
    skinq_color_params p;
    skinq_status st = skinq_color_params_init(ctx, &p, img, gains);
    if (st != SKINQ_OK)
        return st;
    skinq_color_fixed8 fx;
    if (img->depth == 8)
        skinq_color_fixed8_init(&fx, &p);
    planes_job J = {
        skinq_color_dsp(skinq_ctx_isa(ctx)), &p, img, planes, stride, NULL, 0, L16, mel16, NULL, &fx};
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

skinq_status skinq_color_planes16(skinq_ctx *ctx, const skinq_image *img, const double gains[3],
                                  uint16_t *L16, int16_t *mel16, size_t stride)
{
    float *const none[SKINQ_COLOR_METRIC_COUNT] = {0};
    return make_planes(ctx, img, gains, none, L16, mel16, stride);
}

/* ------------------------------------------------------------ the analysis */

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
        st = skinq_metrics_addf(ctx, out, skinq_color_percentile(acc, m, pct[i].q), unit, "color.%s.%s", name,
                                pct[i].key);
    return st;
}

static skinq_status check_options(skinq_ctx *ctx, const skinq_image *img, const skinq_roi *roi,
                                  const skinq_color_options *o)
{
    if (img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "colour analysis needs an RGB image (this one has %d channel%s)", img->channels,
                          img->channels == 1 ? "" : "s");
    if ((uint64_t)img->width * (uint64_t)img->height > UINT32_MAX)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "colour analysis takes at most 2^32 pixels");
    const int outside = roi && roi->bbox.w > 0 && roi->bbox.h > 0 &&
                        (roi->bbox.x + roi->bbox.w > img->width || roi->bbox.y + roi->bbox.h > img->height);
    if (roi &&
        (outside || (roi->mask && (roi->mask->width != img->width || roi->mask->height != img->height))))
        return skinq_fail(ctx, SKINQ_E_FORMAT,
                          "the region of interest was resolved for another image than this %dx%d one",
                          img->width, img->height);
    if (!isfinite(o->red_threshold))
        return skinq_fail(ctx, SKINQ_E_INVALID, "red threshold must be finite");
    return SKINQ_OK;
}

void skinq_color_ref_summary(const skinq_color_params *p, const skinq_color_acc *acc, skinq_color_ref *R)
{
    R->has = 1;
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        R->mean[m] = skinq_color_moments(p, acc, m).mean;
    R->median_a = skinq_color_percentile(acc, SKINQ_CM_A, 0.5);
}

skinq_status skinq_color_emit(skinq_ctx *ctx, const skinq_color_options *opt, double px_per_mm,
                              const skinq_color_params *p, const skinq_color_acc *T, const skinq_color_ref *R,
                              skinq_color_info *I, skinq_metrics *out)
{
    I->roi_inside = T->inside;
    I->roi_pixels = T->n;
    I->roi_clipped = T->clipped;
    if (T->n == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                          "the region of interest (%s) has no usable pixel: %llu inside, %llu clipped",
                          I->roi_source, (unsigned long long)T->inside, (unsigned long long)T->clipped);
    skinq_status st = SKINQ_OK;
    for (int m = 0; st == SKINQ_OK && m < SKINQ_CM_COUNT; m++) {
        st = add_summary(ctx, out, p, T, m);
        if (st == SKINQ_OK && R->has) {
            skinq_color_stat s = skinq_color_moments(p, T, m);
            st = skinq_metrics_addf(ctx, out, R->mean[m], metric_info[m].unit, "color.%s.ref_mean",
                                    metric_info[m].name);
            if (st == SKINQ_OK)
                st = skinq_metrics_addf(ctx, out, s.mean - R->mean[m], metric_info[m].unit,
                                        "color.%s.delta_ref", metric_info[m].name);
        }
    }
    if (st == SKINQ_OK)
        st = skinq_metrics_add(ctx, out, "color.out_of_model_fraction",
                               (double)(T->n - T->n_model) / (double)T->n, "1");
    if (st != SKINQ_OK)
        return st;
    double red_base = R->has ? R->median_a : skinq_color_percentile(T, SKINQ_CM_A, 0.25);
    snprintf(I->red_basis, sizeof I->red_basis, "%s", R->has ? "ref_median" : "roi_p25");
    I->red_threshold_a = red_base + opt->red_threshold;
    double frac = skinq_color_fraction_above(T, SKINQ_CM_A, I->red_threshold_a);
    double px = frac * (double)T->n;
    st = skinq_metrics_add(ctx, out, "color.red_area_fraction", frac, "1");
    if (st == SKINQ_OK) /* red_area_mm2 (NaN without a scale), then red_area_px */
        st =
            skinq_metrics_add_scaled(ctx, out, skinq_metric_scaled_find("color.red_area_mm2"), px, px_per_mm);
    snprintf(I->ita_category, sizeof I->ita_category, "%s",
             skinq_ita_category(skinq_color_percentile(T, SKINQ_CM_ITA, 0.5)));
    return st;
}

void skinq_color_info_init(skinq_color_info *I, const skinq_roi *roi, int width, int height)
{
    memset(I, 0, sizeof *I);
    snprintf(I->white_point, sizeof I->white_point, "D65");
    snprintf(I->roi_source, sizeof I->roi_source, "%s%s",
             skinq_roi_kind_name(roi ? roi->kind : SKINQ_ROI_IMAGE), roi && roi->alpha ? "+alpha" : "");
    I->roi_rect = roi ? roi->bbox : (skinq_rect){0, 0, width, height};
    I->white_gains[0] = I->white_gains[1] = I->white_gains[2] = 1;
}

/* The white patch's gains (1, 1, 1 without one), counted into I. */
static skinq_status white_phase(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                const skinq_color_options *o, skinq_color_info *I)
{
    if (!o->has_white)
        return SKINQ_OK;
    I->has_white = 1;
    return skinq_color_white_gains(ctx, img, alpha, o->white, o->white_reflectance, I->white_gains,
                                   &I->white_pixels, &I->white_clipped);
}

/* The reference region first: its means and median a* (which sets the red threshold) into R. */
static skinq_status ref_phase(skinq_ctx *ctx, skinq_color_params *p, const skinq_image *img,
                              const skinq_mask *alpha, const skinq_color_options *o, skinq_color_accs *A,
                              skinq_color_info *I, skinq_color_ref *R)
{
    if (!o->has_ref)
        return SKINQ_OK;
    I->has_ref = 1;
    I->ref_rect = skinq_rect_clip(o->ref, img->width, img->height);
    const int any = I->ref_rect.w > 0 && I->ref_rect.h > 0;
    skinq_status st = any ? run_pass(ctx, p, img, I->ref_rect, alpha, NULL, A, NULL) : SKINQ_OK;
    const skinq_color_acc *T = &A->a[A->n];
    I->ref_pixels = any ? T->n : 0;
    I->ref_clipped = any ? T->clipped : 0;
    if (st == SKINQ_OK && I->ref_pixels == 0)
        st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                        "reference region %d,%d,%d,%d has no usable pixel in the %dx%d image", o->ref.x,
                        o->ref.y, o->ref.w, o->ref.h, img->width, img->height);
    if (st == SKINQ_OK)
        skinq_color_ref_summary(p, T, R);
    return st;
}

skinq_status skinq_color_analyze(skinq_ctx *ctx, const skinq_image *img, const skinq_roi *roi,
                                 const skinq_color_options *opt, const skinq_maps_options *maps,
                                 skinq_metrics *out, skinq_color_info *info)
{
    skinq_color_options defaults;
    if (!opt) {
        skinq_color_default_options(&defaults);
        opt = &defaults;
    }
    const char *dir = maps ? maps->dir : NULL;
    skinq_status st = check_options(ctx, img, roi, opt);
    if (st != SKINQ_OK)
        return st;
    skinq_color_info I;
    skinq_color_info_init(&I, roi, img->width, img->height);
    const skinq_mask *alpha = roi ? roi->alpha : NULL;
    const skinq_rect box = I.roi_rect;
    skinq_color_params p;
    skinq_color_accs A = {0};
    color_maps M = {0};
    skinq_color_ref R = {0};
    if ((st = white_phase(ctx, img, alpha, opt, &I)) != SKINQ_OK ||
        (st = skinq_color_params_init(ctx, &p, img, I.white_gains)) != SKINQ_OK ||
        (opt->camera && !(p.skin = skinq_color_skin_table(ctx, opt->camera)) && (st = SKINQ_E_NOMEM)) ||
        (st = skinq_color_accs_new(ctx, &A, skinq_ctx_threads(ctx))) != SKINQ_OK)
        goto done;
    if (dir &&
        (st = skinq_color_maps_new(ctx, &M, img->width, img->height,
                                   maps->color_max_size > 0 ? maps->color_max_size : 1024)) != SKINQ_OK)
        goto done;
    if ((st = ref_phase(ctx, &p, img, alpha, opt, &A, &I, &R)) != SKINQ_OK)
        goto done;
    if (box.w > 0 && box.h > 0)
        st = run_pass(ctx, &p, img, box, roi ? roi->mask : NULL, NULL, &A, dir ? &M : NULL);
    else
        skinq_color_accs_reset(&A);
    if (st == SKINQ_OK)
        st = skinq_color_emit(ctx, opt, roi ? roi->px_per_mm : 0, &p, &A.a[A.n], &R, &I, out);
    if (st == SKINQ_OK && dir) {
        st = skinq_color_maps_write(ctx, &M, &A.a[A.n], img, dir, maps->grids);
        I.map_factor = st == SKINQ_OK ? M.f : 0;
    }
done:
    skinq_color_maps_free(ctx, &M);
    skinq_color_accs_free(ctx, &A);
    if (st == SKINQ_OK && info)
        *info = I;
    return st;
}
