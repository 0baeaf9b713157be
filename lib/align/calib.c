/* calib.c -- ColorChecker calibration: corner points from a chart file, robust patch means in
 * linear RGB, a least-squares 3×3 matrix to X-Rite's reference values, patch ΔE2000 before/after. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align/align.h"
#include "align/chartdet.h"
#include "color/srgb.h"

#define CHART_FILE_MAX (1 << 20)

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int read_corners(const cJSON *arr, double c[4][2])
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        const cJSON *p = cJSON_GetArrayItem(arr, i);
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2)
            return -1;
        for (int k = 0; k < 2; k++) {
            const cJSON *v = cJSON_GetArrayItem(p, k);
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
                return -1;
            c[i][k] = v->valuedouble;
        }
    }
    return 0;
}

/* The chart file as a NUL-terminated string in ctx's memory (at most CHART_FILE_MAX bytes), read
 * once through skinq_input_open() (a FIFO or device is refused, not waited on). */
static skinq_status slurp(skinq_ctx *ctx, const char *path, char **out)
{
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    char *buf = NULL;
    if (in.size > CHART_FILE_MAX)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "chart file '%s' is larger than 1 MiB", path);
    else if (!(buf = skinq_malloc(ctx, in.size + 1)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        memcpy(buf, in.data, in.size);
        buf[in.size] = 0;
        *out = buf;
    }
    skinq_input_close(ctx, &in);
    return st;
}

skinq_status skinq_chart_load(skinq_ctx *ctx, const char *path, const char *image, double corners[4][2])
{
    char *text = NULL;
    skinq_status st = slurp(ctx, path, &text);
    if (st != SKINQ_OK)
        return st;
    cJSON *doc = cJSON_Parse(text); /* cJSON allocates through its own hooks (global, not per ctx) */
    skinq_free(ctx, text);
    if (!doc)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "chart file '%s' is not valid JSON", path);
    const cJSON *arr = NULL;
    const cJSON *images = cJSON_GetObjectItemCaseSensitive(doc, "images");
    if (cJSON_IsArray(images) && image) {
        const cJSON *it;
        cJSON_ArrayForEach (it, images) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "image");
            if (cJSON_IsString(name) && strcmp(base_name(name->valuestring), base_name(image)) == 0)
                arr = cJSON_GetObjectItemCaseSensitive(it, "corners");
        }
    }
    if (!arr)
        arr = cJSON_GetObjectItemCaseSensitive(doc, "corners");
    double c[4][2];
    if (!arr)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "chart file '%s' has no \"corners\"%s%s%s", path,
                        image ? " for '" : "", image ? base_name(image) : "", image ? "'" : "");
    else if (read_corners(arr, c))
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "chart file '%s': \"corners\" must be 4 [x, y] pairs of numbers",
                        path);
    else {
        double area = 0; /* shoelace: positive for TL, TR, BR, BL with y down */
        for (int i = 0; i < 4; i++)
            area += c[i][0] * c[(i + 1) % 4][1] - c[(i + 1) % 4][0] * c[i][1];
        area *= 0.5;
        if (!(area >= 24 * 16))
            st = skinq_fail(
                ctx, SKINQ_E_FORMAT,
                "chart file '%s': corners enclose %.0f px² (give top-left, top-right, bottom-right, "
                "bottom-left of the patch area)",
                path, area);
    }
    cJSON_Delete(doc);
    if (st == SKINQ_OK)
        memcpy(corners, c, sizeof c);
    return st;
}

/* The projective map of the unit square onto the corner quadrilateral (0,0) → c[0], (1,0) → c[1],
 * (1,1) → c[2], (0,1) → c[3] (Heckbert's square-to-quad): a chart seen in perspective is a
 * homography of the flat chart, so its cells are found where the camera put them (a bilinear grid
 * of the corners bends the rows and columns). A rectangle or parallelogram gives the affine map. */
typedef struct quad_map {
    double a, b, c, d, e, f, g, h;
} quad_map;

static quad_map quad_map_of(const double q[4][2])
{
    double dx1 = q[1][0] - q[2][0], dx2 = q[3][0] - q[2][0], dx3 = q[0][0] - q[1][0] + q[2][0] - q[3][0];
    double dy1 = q[1][1] - q[2][1], dy2 = q[3][1] - q[2][1], dy3 = q[0][1] - q[1][1] + q[2][1] - q[3][1];
    double det = dx1 * dy2 - dx2 * dy1, g = 0, h = 0;
    if (det != 0) {
        g = (dx3 * dy2 - dx2 * dy3) / det;
        h = (dx1 * dy3 - dx3 * dy1) / det;
    }
    quad_map m = {q[1][0] - q[0][0] + g * q[1][0],
                  q[3][0] - q[0][0] + h * q[3][0],
                  q[0][0],
                  q[1][1] - q[0][1] + g * q[1][1],
                  q[3][1] - q[0][1] + h * q[3][1],
                  q[0][1],
                  g,
                  h};
    return m;
}

static void quad_point(const quad_map *m, double u, double v, double *x, double *y)
{
    double w = m->g * u + m->h * v + 1;
    *x = (m->a * u + m->b * v + m->c) / w;
    *y = (m->d * u + m->e * v + m->f) / w;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean of the values within 2.5 robust sigmas (1.4826·MAD) of the median; sorts v, uses tmp. */
static double robust_mean(double *v, double *tmp, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double med = v[n / 2];
    for (int i = 0; i < n; i++)
        tmp[i] = fabs(v[i] - med);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    double lim = 2.5 * 1.4826 * tmp[n / 2] + 1e-9, s = 0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (fabs(v[i] - med) <= lim)
            s += v[i], m++;
    return s / m;
}

/* Sample the inner half of cell k; returns 1 if most samples are clipped. */
static int sample_patch(const skinq_image *img, const quad_map *c, int k, double *buf, double out[3])
{
    int col = k % 6, row = k / 6;
    double x0, y0, x1, y1;
    quad_point(c, (col + 0.25) / 6, (row + 0.25) / 4, &x0, &y0);
    quad_point(c, (col + 0.75) / 6, (row + 0.75) / 4, &x1, &y1);
    int ns = (int)ceil(fmax(fabs(x1 - x0), fabs(y1 - y0)));
    ns = ns < 4 ? 4 : ns > 128 ? 128 : ns; /* ≤ 128² samples: plenty for a mean */
    int n = 0, clipped = 0;
    unsigned full = img->depth == 16 ? 65535 : 255;
    double *vals[3] = {buf, buf + 128 * 128, buf + 2 * 128 * 128}, *tmp = buf + 3 * 128 * 128;
    for (int j = 0; j < ns; j++)
        for (int i = 0; i < ns; i++) {
            double x, y;
            quad_point(c, (col + 0.25 + 0.5 * (i + 0.5) / ns) / 6, (row + 0.25 + 0.5 * (j + 0.5) / ns) / 4,
                       &x, &y);
            int xi = (int)lround(x), yi = (int)lround(y);
            const uint8_t *r = skinq_image_row(img, yi);
            int clip = 0;
            for (int ch = 0; ch < 3; ch++) {
                size_t o = (size_t)xi * img->channels + ch;
                unsigned v = img->depth == 16 ? ((const uint16_t *)(const void *)r)[o] : r[o];
                clip |= v == 0 || v == full;
                vals[ch][n] = skinq_srgb_decode(v / (img->depth == 16 ? 65535.0 : 255.0));
            }
            clipped += clip;
            n++;
        }
    for (int ch = 0; ch < 3; ch++)
        out[ch] = robust_mean(vals[ch], tmp, n);
    return clipped * 2 > n;
}

static double patch_de(const double rgb[3], const double ref_lab[3])
{
    double lab[3];
    skinq_cc_linear_to_lab(rgb, lab);
    return skinq_delta_e2000(lab, ref_lab);
}

skinq_status skinq_chart_calibrate(skinq_ctx *ctx, const skinq_image *img, const double corners[4][2],
                                   skinq_chart_fit *out)
{
    if (!img || !img->data || !corners || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "chart calibration: bad arguments");
    if (img->channels < 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "chart calibration needs an RGB image");
    for (int i = 0; i < 4; i++)
        if (!(corners[i][0] >= 0 && corners[i][1] >= 0 && corners[i][0] <= img->width - 1 &&
              corners[i][1] <= img->height - 1))
            return skinq_fail(ctx, SKINQ_E_INVALID, "chart corner %d (%.1f, %.1f) is outside the %dx%d image",
                              i + 1, corners[i][0], corners[i][1], img->width, img->height);
    double *buf = skinq_malloc(ctx, 4 * 128 * 128 * sizeof *buf);
    if (!buf)
        return SKINQ_E_NOMEM;
    skinq_chart_fit f;
    memset(&f, 0, sizeof f);
    memcpy(f.corners, corners, sizeof f.corners);
    f.detect_cost = f.orientation_next_de = NAN;
    quad_map qm = quad_map_of(corners);
    double ref[SKINQ_CHART_PATCHES][3], ref_lab[SKINQ_CHART_PATCHES][3], A[9] = {0}, B[9] = {0};
    int used[SKINQ_CHART_PATCHES];
    for (int k = 0; k < SKINQ_CHART_PATCHES; k++) {
        used[k] = !sample_patch(img, &qm, k, buf, f.measured[k]);
        for (int c = 0; c < 3; c++)
            ref[k][c] = skinq_srgb_decode(skinq_colorchecker[k].srgb[c] / 255.0);
        skinq_cc_linear_to_lab(ref[k], ref_lab[k]);
        if (!used[k])
            continue;
        f.patches++;
        const double *m = f.measured[k];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                A[3 * i + j] += m[i] * m[j];      /* Σ m mᵀ */
                B[3 * i + j] += ref[k][i] * m[j]; /* Σ r mᵀ */
            }
    }
    skinq_free(ctx, buf);
    double Ai[9];
    if (f.patches < 6 || skinq_mat3_inv(A, Ai))
        return skinq_fail(ctx, SKINQ_E_TOO_FEW,
                          "chart calibration: only %d usable patches (need 6, not all grey)", f.patches);
    skinq_mat3_mul(B, Ai, f.matrix); /* M = (Σ r mᵀ)(Σ m mᵀ)⁻¹ minimises Σ |r − M m|² */
    double sb = 0, sa = 0;
    for (int k = 0; k < SKINQ_CHART_PATCHES; k++) {
        double cor[3];
        for (int c = 0; c < 3; c++)
            cor[c] = f.matrix[3 * c] * f.measured[k][0] + f.matrix[3 * c + 1] * f.measured[k][1] +
                     f.matrix[3 * c + 2] * f.measured[k][2];
        f.de_before[k] = patch_de(f.measured[k], ref_lab[k]);
        f.de_after[k] = patch_de(cor, ref_lab[k]);
        if (!used[k])
            continue;
        sb += f.de_before[k], sa += f.de_after[k];
        f.de_before_max = fmax(f.de_before_max, f.de_before[k]);
        f.de_after_max = fmax(f.de_after_max, f.de_after[k]);
    }
    f.de_before_mean = sb / f.patches;
    f.de_after_mean = sa / f.patches;
    *out = f;
    return SKINQ_OK;
}

/* mcc's ColorChecker model (chartdet.h): a 16.75 × 11.25 box, the patches' area 0.25 units inside it
 * on every side. The patch area's corner nearest box corner j, as a fraction of the box's sides. */
#define MCC_LONG 16.75
#define MCC_SHORT 11.25
#define MCC_INSET 0.25

static double dist(const double a[2], const double b[2])
{
    return hypot(a[0] - b[0], a[1] - b[1]);
}

skinq_status skinq_chart_detect(skinq_ctx *ctx, const skinq_image *img, skinq_chart_fit *out)
{
    if (!img || !img->data || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "chart detection: bad arguments");
    memset(out, 0, sizeof *out);
    if (img->channels < 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "chart detection needs an RGB image");
    double box[4][2], cost = NAN;
    int found = 0;
    skinq_status st = cvw_chart_detect(ctx, img, box, &cost, &found);
    if (st != SKINQ_OK)
        return st;
    if (!found)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "no colour chart found");
    out->detected = 1;
    /* the box's long sides carry the model's long side (mcc gives the box in its own order) */
    int long01 = dist(box[0], box[1]) + dist(box[3], box[2]) >= dist(box[0], box[3]) + dist(box[1], box[2]);
    double iu = MCC_INSET / (long01 ? MCC_LONG : MCC_SHORT), iv = MCC_INSET / (long01 ? MCC_SHORT : MCC_LONG);
    double inner[4][2], uv[4][2] = {{iu, iv}, {1 - iu, iv}, {1 - iu, 1 - iv}, {iu, 1 - iv}};
    quad_map bm = quad_map_of(box);
    for (int j = 0; j < 4; j++)
        quad_point(&bm, uv[j][0], uv[j][1], &inner[j][0], &inner[j][1]);
    /* Which box corner is the chart's top-left (dark skin)? Each of the four turns of the corners is
     * fitted; the right one leaves the smallest mean ΔE2000 after its matrix (a chart turned 180°
     * puts the grey row where the colours belong, which no 3×3 matrix undoes). */
    skinq_chart_fit best, f;
    double next = NAN;
    int have = 0;
    for (int r = 0; r < 4; r++) {
        double c[4][2];
        for (int i = 0; i < 4; i++)
            memcpy(c[i], inner[(r + i) % 4], sizeof c[i]);
        st = skinq_chart_calibrate(ctx, img, c, &f);
        if (st == SKINQ_E_NOMEM)
            return st;
        if (st != SKINQ_OK) /* a turn whose corners leave the image or whose patches are clipped */
            continue;
        f.orientation = r;
        if (!have || f.de_after_mean < best.de_after_mean) {
            next = have ? best.de_after_mean : next;
            best = f;
            have = 1;
        } else if (!(next <= f.de_after_mean)) {
            next = f.de_after_mean;
        }
    }
    if (!have) { /* the last turn's message, copied first: it is the format's argument */
        char why[sizeof ctx->error];
        snprintf(why, sizeof why, "%s", skinq_ctx_error(ctx));
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "a colour chart was found but cannot be sampled: %s", why);
    }
    best.detected = 1;
    best.detect_cost = cost;
    best.orientation_next_de = next;
    memcpy(best.box, box, sizeof best.box);
    *out = best;
    return SKINQ_OK;
}
