/* chart.c -- the chart phantom: a 24-patch ColorChecker Classic photographed under a known
 * colour cast (3×3 matrix in linear RGB) and exposure, with every patch's reference value. */
#include <math.h>
#include <string.h>

#include "color/srgb.h"
#include "io/io.h"
#include "synth.h"

/* The cast: a warm, slightly cross-talking camera/illuminant in linear RGB, and an exposure. */
static const double cast[9] = {1.12, 0.04, 0.00, 0.02, 1.00, 0.03, 0.00, 0.05, 0.82};
#define EXPOSURE 0.88

static skinq_status render(skinq_ctx *ctx, int w, int h, int cast_on, skinq_image **out, cJSON *list)
{
    skinq_status st = skinq_image_new(ctx, w, h, 3, 8, out);
    if (st != SKINQ_OK)
        return st;
    int margin = w / 20, gap = w / 60;
    int pw = (w - 2 * margin - 5 * gap) / 6, ph = (h - 2 * margin - 3 * gap) / 4;
    for (int y = 0; y < h; y++)
        memset(skinq_image_row(*out, y), 30, (size_t)w * 3); /* the chart's dark frame */
    for (int k = 0; k < 24; k++) {
        int px = margin + (k % 6) * (pw + gap), py = margin + (k / 6) * (ph + gap);
        const uint8_t *ref = skinq_colorchecker[k].srgb;
        double lin[3] = {skinq_srgb_decode(ref[0] / 255.0), skinq_srgb_decode(ref[1] / 255.0),
                         skinq_srgb_decode(ref[2] / 255.0)};
        uint8_t v[3];
        for (int c = 0; c < 3; c++) {
            double x =
                cast_on
                    ? EXPOSURE * (cast[3 * c] * lin[0] + cast[3 * c + 1] * lin[1] + cast[3 * c + 2] * lin[2])
                    : lin[c];
            v[c] = cast_on ? synth_srgb8(x) : skinq_colorchecker[k].srgb[c];
        }
        for (int y = py; y < py + ph; y++)
            for (int x = px; x < px + pw; x++)
                memcpy(skinq_image_row(*out, y) + 3 * x, v, 3);
        if (list) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "index", k + 1);
            cJSON_AddStringToObject(p, "name", skinq_colorchecker[k].name);
            cJSON *s = cJSON_AddArrayToObject(p, "srgb");
            double lab[3];
            skinq_cc_linear_to_lab(lin, lab);
            cJSON *l = cJSON_AddArrayToObject(p, "lab_d65");
            cJSON *rect = cJSON_AddArrayToObject(p, "rect_px");
            cJSON *centre = cJSON_AddArrayToObject(p, "center_px");
            for (int c = 0; c < 3; c++) {
                cJSON_AddItemToArray(s, cJSON_CreateNumber(skinq_colorchecker[k].srgb[c]));
                cJSON_AddItemToArray(l, cJSON_CreateNumber(lab[c]));
            }
            int r[4] = {px, py, pw, ph};
            for (int c = 0; c < 4; c++)
                cJSON_AddItemToArray(rect, cJSON_CreateNumber(r[c]));
            cJSON_AddItemToArray(centre, cJSON_CreateNumber(px + pw / 2.0));
            cJSON_AddItemToArray(centre, cJSON_CreateNumber(py + ph / 2.0));
            cJSON_AddItemToArray(list, p);
        }
    }
    return SKINQ_OK;
}

skinq_status synth_chart(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    int w = o->width ? o->width : 1200, h = o->height ? o->height : 800;
    if (w < 120 || h < 80)
        return skinq_fail(ctx, SKINQ_E_INVALID, "chart needs at least 120x80 pixels");
    skinq_image *photo = NULL, *ref = NULL;
    cJSON *truth = cJSON_CreateObject();
    cJSON_AddStringToObject(truth, "kind", "chart");
    cJSON_AddStringToObject(truth, "reference",
                            "X-Rite ColorChecker Classic, X-Rite's published 8-bit sRGB (D65) table; Lab "
                            "computed with D65 white");
    cJSON_AddStringToObject(truth, "cast_space", "linear sRGB: photo = exposure * cast_matrix * reference");
    cJSON *m = cJSON_AddArrayToObject(truth, "cast_matrix");
    for (int i = 0; i < 9; i++)
        cJSON_AddItemToArray(m, cJSON_CreateNumber(cast[i]));
    cJSON_AddNumberToObject(truth, "exposure", EXPOSURE);
    cJSON_AddStringToObject(truth, "image", "chart.png");
    cJSON_AddStringToObject(truth, "reference_image", "chart-reference.png");
    cJSON *list = cJSON_AddArrayToObject(truth, "patches");
    skinq_status st = render(ctx, w, h, 1, &photo, list);
    if (st == SKINQ_OK)
        st = render(ctx, w, h, 0, &ref, NULL);
    /* the chart's four outer corners (top-left, top-right, bottom-right, bottom-left) */
    cJSON *corners_doc = cJSON_CreateObject();
    cJSON *corners = cJSON_AddArrayToObject(corners_doc, "corners");
    int margin = w / 20, gap = w / 60, pw = (w - 2 * margin - 5 * gap) / 6,
        ph = (h - 2 * margin - 3 * gap) / 4;
    int x1 = margin + 6 * pw + 5 * gap, y1 = margin + 4 * ph + 3 * gap;
    int pts[4][2] = {{margin, margin}, {x1, margin}, {x1, y1}, {margin, y1}};
    for (int i = 0; i < 4; i++) {
        cJSON *p = cJSON_CreateArray();
        cJSON_AddItemToArray(p, cJSON_CreateNumber(pts[i][0]));
        cJSON_AddItemToArray(p, cJSON_CreateNumber(pts[i][1]));
        cJSON_AddItemToArray(corners, p);
    }
    cJSON_AddItemToObject(truth, "corners_px", cJSON_Duplicate(corners, 1));
    if (st == SKINQ_OK)
        st = synth_save_png(ctx, dir, "chart.png", photo);
    if (st == SKINQ_OK)
        st = synth_save_png(ctx, dir, "chart-reference.png", ref);
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "chart.json", corners_doc);
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "truth.json", truth);
    cJSON_Delete(corners_doc);
    cJSON_Delete(truth);
    skinq_image_free(&photo);
    skinq_image_free(&ref);
    return st;
}
