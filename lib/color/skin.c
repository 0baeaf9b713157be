/* skin.c -- `--auto-skin`: which pixels of a photo are skin. Three tests on a ~1-MP working
 * copy (cells of f×f pixels), chosen to be explainable rather than learnt:
 *   1. gamut: CIELAB of the cell's mean linear colour in 20 <= L* <= 92, chroma >= 6 and hue
 *      angle 15°–85° (skin of every ITA class lies there; grey cards, sclera and highlights
 *      have low chroma or high L*, dark hair, pupils and irises low L*, blue/green backgrounds
 *      other hues), and at least half of the cell's pixels unclipped;
 *   2. this photo's own skin colour: within 3 robust sigmas (1.4826·MAD, floored at 4 L*,
 *      3 a* or b* units) of the candidates' median L* and b*, and a* not below median − 3 sigma
 *      (redder skin is what skinq measures, so there is no upper a* bound beyond the gamut);
 *   3. shape: a 3×3 opening removes isolated cells, and 8-connected regions smaller than a
 *      tenth of the largest are dropped. */
#include <math.h>
#include <string.h>

#include "color/color_int.h"

#define HBINS 2560 /* histograms over [-128, 128) in steps of 0.1 */

static int hbin(double v)
{
    int b = (int)floor((v + 128.0) * 10.0);
    return b < 0 ? 0 : b >= HBINS ? HBINS - 1 : b;
}

static double hist_median(const uint32_t *h, uint64_t n)
{
    uint64_t cum = 0;
    for (int b = 0; b < HBINS; b++) {
        cum += h[b];
        if (2 * cum >= n)
            return (b + 0.5) / 10.0 - 128.0;
    }
    return 0;
}

/* CIELAB (D65) of a linear sRGB colour, in double (few calls: one per cell). */
static void linear_to_lab(const double rgb[3], double lab[3])
{
    const float *m = skinq_rgb2xyz_n;
    double t[3];
    for (int i = 0; i < 3; i++) {
        double v = m[3 * i] * rgb[0] + m[3 * i + 1] * rgb[1] + m[3 * i + 2] * rgb[2];
        t[i] = v > 216.0 / 24389.0 ? cbrt(v) : v * (24389.0 / 27.0) / 116.0 + 16.0 / 116.0;
    }
    lab[0] = 116 * t[1] - 16;
    lab[1] = 500 * (t[0] - t[1]);
    lab[2] = 200 * (t[1] - t[2]);
}

/* 3×3 erosion (op = 0) or dilation (op = 1) of a w×h 0/1 grid. */
static void morph3(const uint8_t *in, uint8_t *out, int w, int h, int op)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = op ? 0 : 1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    int s =
                        yy >= 0 && yy < h && xx >= 0 && xx < w ? in[(size_t)yy * (size_t)w + (size_t)xx] : 0;
                    v = op ? (v | s) : (v & s);
                }
            out[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)v;
        }
}

/* Keep the 8-connected regions of at least a tenth of the largest one's size. */
static skinq_status keep_large_regions(skinq_ctx *ctx, uint8_t *g, int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
    int32_t *label = skinq_calloc(ctx, n, sizeof *label);
    int32_t *stack = skinq_malloc(ctx, n * sizeof *stack);
    uint64_t *size = skinq_calloc(ctx, n + 1, sizeof *size);
    if (!label || !stack || !size) {
        skinq_free(ctx, label);
        skinq_free(ctx, stack);
        skinq_free(ctx, size);
        return SKINQ_E_NOMEM;
    }
    int32_t regions = 0;
    uint64_t largest = 0;
    for (size_t s = 0; s < n; s++) {
        if (!g[s] || label[s])
            continue;
        int32_t id = ++regions, top = 0;
        label[s] = id;
        stack[top++] = (int32_t)s;
        uint64_t count = 0;
        while (top) {
            int32_t c = stack[--top];
            count++;
            int cx = c % w, cy = c / w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = cx + dx, yy = cy + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    size_t q = (size_t)yy * (size_t)w + (size_t)xx;
                    if (g[q] && !label[q]) {
                        label[q] = id;
                        stack[top++] = (int32_t)q;
                    }
                }
        }
        size[id] = count;
        largest = count > largest ? count : largest;
    }
    for (size_t s = 0; s < n; s++)
        g[s] = label[s] && 10 * size[label[s]] >= largest;
    skinq_free(ctx, label);
    skinq_free(ctx, stack);
    skinq_free(ctx, size);
    return SKINQ_OK;
}

/* The mean linear RGB (after gains) of cell (cx, cy), f×f pixels, over its pixels inside alpha
 * that are not clipped; 0 when none are, or when they are fewer than half of those inside. */
static int skin_cell_mean(const skinq_image *img, const skinq_mask *alpha, const skinq_color_params *p, int f,
                          int cx, int cy, double rgb[3])
{
    const unsigned maxcode = img->depth == 16 ? 65535 : 255;
    double s[3] = {0, 0, 0};
    int n = 0, all = 0;
    for (int y = cy * f; y < (cy + 1) * f && y < img->height; y++) {
        const uint8_t *row = skinq_image_row(img, y);
        for (int x = cx * f; x < (cx + 1) * f && x < img->width; x++) {
            if (alpha && !alpha->data[(size_t)y * alpha->stride + (size_t)x])
                continue;
            all++;
            unsigned c[3];
            for (int k = 0; k < 3; k++)
                c[k] = img->depth == 16 ? ((const uint16_t *)(const void *)row)[3 * (size_t)x + k]
                                        : row[3 * (size_t)x + k];
            if (!c[0] || !c[1] || !c[2] || c[0] == maxcode || c[1] == maxcode || c[2] == maxcode)
                continue;
            for (int k = 0; k < 3; k++)
                s[k] += p->lin[c[k]] * p->gain[k];
            n++;
        }
    }
    if (n == 0 || 2 * n < all)
        return 0;
    for (int k = 0; k < 3; k++)
        rgb[k] = s[k] / n;
    return 1;
}

/* The w×h cells whose mean colour lies in the skin gamut: cand[i] = 1, their L*a*b* in lab and
 * histograms. Returns their number. */
static uint64_t skin_candidates(const skinq_image *img, const skinq_mask *alpha, const skinq_color_params *p,
                                int f, int w, int h, float *lab, uint8_t *cand, uint32_t *hist)
{
    uint64_t ncand = 0;
    for (int cy = 0; cy < h; cy++)
        for (int cx = 0; cx < w; cx++) {
            double rgb[3], L[3];
            if (!skin_cell_mean(img, alpha, p, f, cx, cy, rgb))
                continue;
            size_t i = (size_t)cy * (size_t)w + (size_t)cx;
            linear_to_lab(rgb, L);
            double chroma = hypot(L[1], L[2]), hue = atan2(L[2], L[1]) * (180.0 / 3.14159265358979323846);
            if (L[0] < 20 || L[0] > 92 || chroma < 6 || hue < 15 || hue > 85)
                continue;
            cand[i] = 1;
            ncand++;
            for (int k = 0; k < 3; k++) {
                lab[3 * i + k] = (float)L[k];
                hist[k * HBINS + hbin(L[k])]++;
            }
        }
    return ncand;
}

/* Keep the candidates within 3 robust sigmas (1.4826·MAD, floored) of their median colour; on
 * a* only the side below (redder skin stays). hist holds the candidates' histograms. */
static void skin_near_median(size_t cells, const float *lab, uint8_t *cand, uint32_t *hist, uint64_t ncand)
{
    double med[3], sig[3];
    static const double floor_sigma[3] = {4, 3, 3};
    for (int k = 0; k < 3; k++)
        med[k] = hist_median(hist + k * HBINS, ncand);
    memset(hist, 0, 3 * HBINS * sizeof(uint32_t));
    for (size_t i = 0; i < cells; i++)
        if (cand[i])
            for (int k = 0; k < 3; k++)
                hist[k * HBINS + hbin(fabs(lab[3 * i + k] - med[k]) - 128.0)]++; /* |d| in [0, 256) */
    for (int k = 0; k < 3; k++) {
        sig[k] = 1.4826 * (hist_median(hist + k * HBINS, ncand) + 128.0);
        sig[k] = sig[k] > floor_sigma[k] ? sig[k] : floor_sigma[k];
    }
    for (size_t i = 0; i < cells; i++)
        if (cand[i])
            cand[i] = fabs(lab[3 * i] - med[0]) <= 3 * sig[0] &&
                      fabs(lab[3 * i + 2] - med[2]) <= 3 * sig[2] && lab[3 * i + 1] >= med[1] - 3 * sig[1];
}

/* The cells back at full size (each f×f), ANDed with alpha, into a new mask. */
static skinq_status skin_full_size(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                   const uint8_t *cand, int w, int f, skinq_mask **out)
{
    skinq_status st = skinq_mask_new(ctx, img->width, img->height, 0, out);
    for (int y = 0; st == SKINQ_OK && y < img->height; y++) {
        uint8_t *r = (*out)->data + (size_t)y * (*out)->stride;
        const uint8_t *c = cand + (size_t)(y / f) * (size_t)w;
        const uint8_t *a = alpha ? alpha->data + (size_t)y * alpha->stride : NULL;
        for (int x = 0; x < img->width; x++)
            r[x] = c[x / f] && (!a || a[x]);
    }
    return st;
}

skinq_status skinq_color_skin_mask(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                   const double gains[3], skinq_mask **out)
{
    if (img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "skin detection needs an RGB image");
    skinq_color_params p;
    skinq_status st = skinq_color_params_init(ctx, &p, img, gains);
    if (st != SKINQ_OK)
        return st;
    int f = (int)ceil(sqrt((double)img->width * img->height / 1e6));
    f = f < 1 ? 1 : f;
    int w = (img->width + f - 1) / f, h = (img->height + f - 1) / f;
    size_t cells = (size_t)w * (size_t)h;
    float *lab = skinq_malloc(ctx, cells * 3 * sizeof(float));
    uint8_t *cand = skinq_calloc(ctx, cells, 1), *tmp = skinq_malloc(ctx, cells);
    uint32_t *hist = skinq_calloc(ctx, 3 * HBINS, sizeof(uint32_t));
    if (!lab || !cand || !tmp || !hist) {
        st = SKINQ_E_NOMEM;
        goto done;
    }
    uint64_t ncand = skin_candidates(img, alpha, &p, f, w, h, lab, cand, hist);
    if (ncand == 0) {
        st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                        "no skin-coloured region found (--auto-skin); give --roi or --mask");
        goto done;
    }
    skin_near_median(cells, lab, cand, hist, ncand);
    morph3(cand, tmp, w, h, 0);
    morph3(tmp, cand, w, h, 1);
    st = keep_large_regions(ctx, cand, w, h);
    if (st != SKINQ_OK)
        goto done;
    uint64_t kept = 0;
    for (size_t i = 0; i < cells; i++)
        kept += cand[i];
    if (kept == 0) {
        st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                        "no connected skin region found (--auto-skin); give --roi or --mask");
        goto done;
    }
    st = skin_full_size(ctx, img, alpha, cand, w, f, out);
done:
    skinq_free(ctx, lab);
    skinq_free(ctx, cand);
    skinq_free(ctx, tmp);
    skinq_free(ctx, hist);
    return st;
}
