/* chart_scene.c -- the `--chart auto` test scene (chart_scene.h). */
#include "chart_scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align/align.h" /* cvw_warp(), skinq_mat3_mul(), skinq_mat3_apply() */
#include "test_util.h"

#define TU_PI 3.14159265358979323846

tu_scene tu_scene_default(void)
{
    tu_scene s = {18, 8, 0, 0.45, 0.62, 0.55, 1.0, 2.0, 1};
    return s;
}

/* Separable Gaussian blur of an interleaved 8-bit image in place (edges clamped). */
static skinq_status blur(skinq_ctx *ctx, skinq_image *img, double sigma)
{
    int r = (int)ceil(3 * sigma), w = img->width, h = img->height, nc = img->channels;
    float *k = skinq_malloc(ctx, (size_t)(2 * r + 1) * sizeof *k);
    float *tmp = skinq_malloc(ctx, (size_t)w * h * nc * sizeof *tmp);
    if (!k || !tmp) {
        skinq_free(ctx, k);
        skinq_free(ctx, tmp);
        return SKINQ_E_NOMEM;
    }
    double sum = 0;
    for (int i = -r; i <= r; i++)
        sum += k[i + r] = (float)exp(-0.5 * i * i / (sigma * sigma));
    for (int i = 0; i <= 2 * r; i++)
        k[i] /= (float)sum;
    for (int y = 0; y < h; y++) { /* rows into tmp */
        const uint8_t *s = skinq_image_row(img, y);
        for (int x = 0; x < w; x++)
            for (int c = 0; c < nc; c++) {
                float a = 0;
                for (int i = -r; i <= r; i++) {
                    int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                    a += k[i + r] * s[xx * nc + c];
                }
                tmp[((size_t)y * w + x) * nc + c] = a;
            }
    }
    for (int y = 0; y < h; y++) { /* columns back into img */
        uint8_t *d = skinq_image_row(img, y);
        for (int x = 0; x < w * nc; x++) {
            float a = 0;
            for (int i = -r; i <= r; i++) {
                int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
                a += k[i + r] * tmp[(size_t)yy * w * nc + x];
            }
            d[x] = (uint8_t)lrintf(a);
        }
    }
    skinq_free(ctx, k);
    skinq_free(ctx, tmp);
    return SKINQ_OK;
}

/* The chart's pixels → the photo's: K·[r1 r2 t]·(turn about the chart's centre, scaled). */
static void view_matrix(const tu_scene *s, int cw, int ch, int W, int H, double M[9])
{
    double f = 1.2 * W, sc = s->width_frac * W / cw, d2r = TU_PI / 180;
    double ct = cos(s->tilt_deg * d2r), st = sin(s->tilt_deg * d2r);
    double cp = cos(s->pitch_deg * d2r), sp = sin(s->pitch_deg * d2r);
    double ca = cos(s->turn_deg * d2r), sa = sin(s->turn_deg * d2r);
    double Ry[9] = {ct, 0, st, 0, 1, 0, -st, 0, ct}, Rx[9] = {1, 0, 0, 0, cp, -sp, 0, sp, cp}, R[9];
    skinq_mat3_mul(Rx, Ry, R);
    /* plane point (X, Y, 0) at depth f, its centre at (cx, cy) of the photo */
    double P[9] = {R[0], R[1], (s->cx - 0.5) * W, R[3], R[4], (s->cy - 0.5) * H, R[6], R[7], f};
    double K[9] = {f, 0, W / 2.0, 0, f, H / 2.0, 0, 0, 1};
    double T[9] = {sc * ca, -sc * sa, 0, sc * sa, sc * ca, 0, 0, 0, 1},
           C[9] = {1, 0, -cw / 2.0, 0, 1, -ch / 2.0, 0, 0, 1};
    double KP[9], TC[9];
    skinq_mat3_mul(K, P, KP);
    skinq_mat3_mul(T, C, TC);
    skinq_mat3_mul(KP, TC, M);
}

skinq_status tu_chart_scene(skinq_ctx *ctx, const skinq_image *chart, const double corners[4][2],
                            const skinq_image *skin, const tu_scene *s, skinq_image **out, double truth[4][2])
{
    int W = skin->width, H = skin->height;
    double M[9];
    view_matrix(s, chart->width, chart->height, W, H, M);
    for (int i = 0; i < 4; i++)
        skinq_mat3_apply(M, corners[i][0], corners[i][1], &truth[i][0], &truth[i][1]);
    skinq_image *rgba = NULL, *warped = NULL;
    skinq_status st = skinq_image_new(ctx, chart->width, chart->height, 4, 8, &rgba);
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, W, H, 4, 8, &warped);
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, W, H, 3, 8, out);
    if (st == SKINQ_OK) {
        for (int y = 0; y < chart->height; y++) /* opaque copy: the warp's alpha is its coverage */
            for (int x = 0; x < chart->width; x++) {
                memcpy(skinq_image_row(rgba, y) + 4 * x, skinq_image_row(chart, y) + 3 * x, 3);
                skinq_image_row(rgba, y)[4 * x + 3] = 255;
            }
        st = cvw_warp(ctx, rgba->data, rgba->width, rgba->height, rgba->stride, 4, 8, warped->data, W, H,
                      warped->stride, M, 1);
    }
    if (st == SKINQ_OK) {
        for (int y = 0; y < H; y++) {
            const uint8_t *a = skinq_image_row(warped, y), *b = skinq_image_row(skin, y);
            uint8_t *o = skinq_image_row(*out, y);
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++) {
                    double al = a[4 * x + 3] / 255.0;
                    o[3 * x + c] = (uint8_t)lrint(al * a[4 * x + c] + (1 - al) * b[3 * x + c]);
                }
        }
        st = blur(ctx, *out, s->blur_sigma);
    }
    if (st == SKINQ_OK) {
        uint64_t rng = s->seed;
        for (int y = 0; y < H; y++) {
            uint8_t *o = skinq_image_row(*out, y);
            for (int x = 0; x < 3 * W; x++) { /* Box-Muller */
                double u = tu_uniform(&rng), v = tu_uniform(&rng);
                double n = sqrt(-2 * log(1 - u)) * cos(2 * TU_PI * v) * s->noise_sigma, p = o[x] + n;
                o[x] = (uint8_t)(p < 0 ? 0 : p > 255 ? 255 : lrint(p));
            }
        }
    }
    if (st != SKINQ_OK)
        skinq_image_free(out);
    skinq_image_free(&rgba);
    skinq_image_free(&warped);
    return st;
}
