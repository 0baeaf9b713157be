/* skin_table.c -- the inverted spectral skin model (skin_invert.c) as a table over chromaticity,
 * for the colour kernels: melanin and blood of any colour are a bilinear lookup in
 * (log10 R/G, log10 B/G), so the per-pixel and per-colour passes cost a few gathers, not a
 * Newton solve (lib/color/README.md "How the pass runs"). Building one takes ~0.25 s (25 600
 * Newton solves), so sRGB's is built with the library (tools/gen_skin_table.c writes it with this
 * very code) and only a camera's is built at run time, once per context. */
#include <math.h>
#include <string.h>

#include "color/color_int.h"
#include "color/spectral.h"

/*
 * Grid: SKINQ_SKIN_TAB_N nodes per axis over the model's chromaticity box (melanin 0–0.6, blood
 * 0–0.2 at shading 1, a little wider than the model's range) plus MARGIN nodes on every side.
 * A node holds the exact inverse of its chromaticity when the model reaches it: in range, or
 * within REACH nodes of an in-range node (so colours just past the range's edge interpolate to
 * their slightly-out-of-range values instead of vanishing). Every other node is NaN, the
 * border ring always: a bilinear lookup with a NaN corner is NaN, i.e. out of the model.
 * Interpolation error against the exact inverse: test_skin_table (tests/unit/test_skin_invert.c).
 */
#define MARGIN 3
#define REACH 3
#define FWD 48 /* forward grid per axis for the box */

/* A camera's table is kept with the camera's weights it was built for: a context analysing one
 * camera's photos builds it once. */
typedef struct camera_table {
    skinq_skin_table t;
    double w[SPEC_N][3];
} camera_table;

static void node_invert(const skinq_skin_model *s, double u, double v, float out[3], int *in_range)
{
    double rgb[3] = {0.05 * pow(10, u), 0.05, 0.05 * pow(10, v)}; /* shading drops out: any level */
    skinq_skin_fit f;
    skinq_skin_status st = skinq_skin_invert(s, rgb, &f);
    *in_range = st == SKINQ_SKIN_OK || st == SKINQ_SKIN_TOO_BRIGHT;
    int solved = isfinite(f.melanin) && isfinite(f.blood) && f.shading > 0;
    out[0] = solved ? (float)f.melanin : NAN;
    out[1] = solved ? (float)f.blood : NAN;
    out[2] = solved ? (float)(0.05 / f.shading) : NAN; /* the model's G at shading 1 */
}

static skinq_status build(skinq_ctx *ctx, const skinq_camera *cam, skinq_skin_table **out)
{
    if (!out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skin table: NULL argument");
    skinq_skin_model *s = NULL;
    skinq_status st = skinq_skin_model_new(ctx, cam, &s);
    if (st != SKINQ_OK)
        return st;
    double umin = INFINITY, umax = -INFINITY, vmin = INFINITY, vmax = -INFINITY;
    for (int j = 0; j < FWD; j++)
        for (int k = 0; k < FWD; k++) {
            double rgb[3];
            skinq_skin_model_rgb(s, 0.6 * j / (FWD - 1), 0.2 * k / (FWD - 1), rgb);
            double u = log10(rgb[0] / rgb[1]), v = log10(rgb[2] / rgb[1]);
            umin = fmin(umin, u), umax = fmax(umax, u), vmin = fmin(vmin, v), vmax = fmax(vmax, v);
        }
    const int n = SKINQ_SKIN_TAB_N, inner = n - 1 - 2 * MARGIN;
    skinq_skin_table *t = skinq_malloc(ctx, sizeof(camera_table)); /* room for a camera's key */
    uint8_t *ok = skinq_calloc(ctx, (size_t)n * n, 1);
    if (!t || !ok) {
        skinq_free(ctx, t);
        skinq_free(ctx, ok);
        skinq_skin_model_free(&s);
        return SKINQ_E_NOMEM;
    }
    double du = (umax - umin) / inner, dv = (vmax - vmin) / inner;
    t->u0 = (float)(umin - MARGIN * du), t->v0 = (float)(vmin - MARGIN * dv);
    t->su = (float)(1 / du), t->sv = (float)(1 / dv);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            int in;
            /* node coordinates as the kernels see them: u = u0 + x / su in float */
            node_invert(s, (double)t->u0 + x / (double)t->su, (double)t->v0 + y / (double)t->sv, t->tab[y][x],
                        &in);
            ok[y * n + x] = (uint8_t)in;
        }
    for (int y = 0; y < n; y++) /* keep out-of-range solutions only near the range */
        for (int x = 0; x < n; x++) {
            int near = y > 0 && x > 0 && y < n - 1 && x < n - 1 ? 0 : -1;
            for (int dy = -REACH; near == 0 && dy <= REACH; dy++)
                for (int dx = -REACH; dx <= REACH; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy >= 0 && xx >= 0 && yy < n && xx < n && ok[yy * n + xx])
                        near = 1;
                }
            if (near != 1)
                t->tab[y][x][0] = t->tab[y][x][1] = t->tab[y][x][2] = NAN;
        }
    skinq_free(ctx, ok);
    skinq_skin_model_free(&s);
    *out = t;
    return SKINQ_OK;
}

skinq_status skinq_color_skin_table_build(skinq_ctx *ctx, const skinq_camera *cam, skinq_skin_table **out)
{
    return build(ctx, cam, out);
}

const skinq_skin_table *skinq_color_skin_table(skinq_ctx *ctx, const skinq_camera *cam)
{
    if (!cam && skinq_skin_table_srgb) /* built with the library (tools/gen_skin_table.c) */
        return skinq_skin_table_srgb;
    const int slot = cam ? SKINQ_TABLE_SKIN_CAMERA : SKINQ_TABLE_SKIN;
    camera_table *c = ctx->tables[slot];
    if (c && cam && memcmp(c->w, cam->w, sizeof c->w)) { /* another camera */
        skinq_free(ctx, c);
        c = ctx->tables[slot] = NULL;
    }
    if (!c) {
        skinq_skin_table *t = NULL;
        if (build(ctx, cam, &t) != SKINQ_OK)
            return NULL;
        c = (camera_table *)(void *)t;
        if (cam)
            memcpy(c->w, cam->w, sizeof c->w);
        ctx->tables[slot] = c;
    }
    return &c->t;
}
