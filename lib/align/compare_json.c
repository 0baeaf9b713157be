/* compare_json.c -- a comparison as the design's JSON document: the one writer `skinq compare --json`
 * and the Python binding (`skinq.compare`) share; the registration's part also serves `repeat`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "skinq_tools.h"

struct cJSON *skinq_alignment_cjson(const skinq_alignment *al)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "method", al->method);
    cJSON_AddBoolToObject(j, "ok", al->ok);
    cJSON_AddNumberToObject(j, "matches", al->matches);
    cJSON_AddNumberToObject(j, "inliers", al->inliers);
    skinq_cjson_add_number(j, "inlier_ratio", al->matches > 0 ? (double)al->inliers / al->matches : NAN);
    skinq_cjson_add_number(j, "rms_px", al->rms_px);
    skinq_cjson_add_number(j, "overlap", al->overlap);
    skinq_cjson_add_number(j, "ecc", al->ecc);
    cJSON_AddBoolToObject(j, "ecc_accepted", al->ecc_accepted);
    cJSON *res = cJSON_AddObjectToObject(j, "residual");
    skinq_cjson_add_number(res, "features", al->residual[0]);
    skinq_cjson_add_number(res, "ecc", al->residual[1]);
    cJSON_AddStringToObject(res, "kept",
                            !strcmp(al->method, "none") ? "none"
                            : al->ecc_accepted          ? "ecc"
                                                        : "features");
    cJSON_AddStringToObject(res, "measure",
                            "1 - band-pass NCC of the lumas at the features' scale over the overlap");
    cJSON *vp = cJSON_AddObjectToObject(j, "viewpoint");
    skinq_cjson_add_number(vp, "tilt_deg", al->tilt_deg);
    skinq_cjson_add_number(vp, "scale_min", al->scale_range[0]);
    skinq_cjson_add_number(vp, "scale_max", al->scale_range[1]);
    skinq_cjson_add_number(vp, "perspective", al->perspective);
    cJSON_AddBoolToObject(vp, "strong_perspective", al->strong_perspective);
    skinq_cjson_add_number(vp, "inlier_coverage", al->inlier_coverage);
    cJSON *m = cJSON_AddArrayToObject(j, "matrix");
    for (int k = 0; k < 9; k++)
        cJSON_AddItemToArray(m, isfinite(al->matrix[k]) ? cJSON_CreateNumber(al->matrix[k])
                                                        : cJSON_CreateNull());
    cJSON_AddStringToObject(j, "matrix_maps", "after pixel -> before pixel (x right, y down, row-major)");
    return j;
}

static cJSON *numbers(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
    return a;
}

/* The registration, its acceptance values, and where each family of after's metrics was measured. */
static cJSON *alignment_json(const skinq_compare_result *r)
{
    cJSON *j = skinq_alignment_cjson(&r->alignment);
    skinq_cjson_add_number(j, "ncc", r->ncc);
    skinq_cjson_add_number(j, "after_scale", r->after_scale);
    cJSON *f = cJSON_AddObjectToObject(j, "measured_in");
    cJSON_AddStringToObject(f, "color", "before's frame: after warped (bilinear) and normalised");
    cJSON_AddStringToObject(f, "texture",
                            !isfinite(r->after_scale) ? "not measured (no texture)"
                            : r->after_px_per_mm > 0
                                ? "after's own pixels at after_px_per_mm (the common ROI mapped "
                                  "through the matrix, nearest neighbour)"
                                : "after's own pixels at the nominal scale / after_scale, "
                                  "converted into before's pixel units");
    skinq_cjson_add_number(f, "after_px_per_mm", r->after_px_per_mm);
    cJSON_AddNumberToObject(f, "after_roi_pixels", (double)r->after_roi_pixels);
    return j;
}

static cJSON *points_json(const double p[4][2])
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < 4; i++)
        cJSON_AddItemToArray(a, numbers(p[i], 2));
    return a;
}

static cJSON *chart_json(const skinq_chart_fit *f)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "source", f->detected ? "auto (OpenCV mcc)" : "file");
    cJSON_AddItemToObject(j, "corners_px", points_json(f->corners));
    if (f->detected) {
        cJSON_AddItemToObject(j, "box_px", points_json(f->box));
        skinq_cjson_add_number(j, "cost", f->detect_cost);
        cJSON_AddNumberToObject(j, "orientation", f->orientation);
        skinq_cjson_add_number(j, "orientation_next_delta_e2000", f->orientation_next_de);
    }
    cJSON_AddItemToObject(j, "matrix", numbers(f->matrix, 9));
    cJSON_AddNumberToObject(j, "patches", f->patches);
    cJSON *b = cJSON_AddObjectToObject(j, "delta_e2000_before");
    skinq_cjson_add_number(b, "mean", f->de_before_mean);
    skinq_cjson_add_number(b, "max", f->de_before_max);
    cJSON *a = cJSON_AddObjectToObject(j, "delta_e2000_after");
    skinq_cjson_add_number(a, "mean", f->de_after_mean);
    skinq_cjson_add_number(a, "max", f->de_after_max);
    cJSON *p = cJSON_AddObjectToObject(j, "patch_delta_e2000");
    cJSON_AddItemToObject(p, "before", numbers(f->de_before, SKINQ_CHART_PATCHES));
    cJSON_AddItemToObject(p, "after", numbers(f->de_after, SKINQ_CHART_PATCHES));
    return j;
}

static cJSON *calibration_json(const skinq_compare_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "method", r->has_chart ? "chart" : r->has_white ? "white" : "none");
    if (r->has_chart) {
        cJSON_AddItemToObject(j, "before", chart_json(&r->chart[0]));
        cJSON_AddItemToObject(j, "after", chart_json(&r->chart[1]));
    } else if (r->has_white) {
        cJSON *g = cJSON_AddObjectToObject(j, "white_gains");
        cJSON_AddItemToObject(g, "before", numbers(r->white_gains[0], 3));
        cJSON_AddItemToObject(g, "after", numbers(r->white_gains[1], 3));
    }
    if (r->has_ref) {
        cJSON *ref = cJSON_AddObjectToObject(j, "ref_normalisation");
        cJSON_AddItemToObject(ref, "after_gains", numbers(r->ref_gains, 3));
        cJSON_AddNumberToObject(ref, "pixels", (double)r->ref_pixels);
    }
    return j;
}

/* One map's entry: what it shows, its unit, the numbers at the ends of its colour bar and the grey
 * band ("no detectable change"), when it has one. */
static void map_json(cJSON *maps, const char *file, const char *shows, const char *unit, double lo, double hi,
                     double band_lo, double band_hi)
{
    cJSON *m = cJSON_AddObjectToObject(maps, file);
    cJSON_AddStringToObject(m, "shows", shows);
    if (unit)
        cJSON_AddStringToObject(m, "unit", unit);
    if (lo < hi)
        cJSON_AddItemToObject(m, "scale", numbers((double[]){lo, hi}, 2));
    if (band_lo < band_hi)
        cJSON_AddItemToObject(m, "grey_band", numbers((double[]){band_lo, band_hi}, 2));
}

static cJSON *maps_json(const skinq_compare_result *r, const char *dir)
{
    const skinq_compare_maps *m = &r->maps;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "dir", dir);
    cJSON_AddStringToObject(
        j, "pixels",
        "before calibrated; after registered, calibrated and normalised on reference skin with --ref");
    skinq_cjson_add_number(j, "redness_change_mdc95", m->da_mdc95); /* null: the fixed fallback scale */
    cJSON *f = cJSON_AddObjectToObject(j, "files");
    map_json(f, "aligned_after.png", "after in before's frame, as measured", NULL, 0, 0, 0, 0);
    map_json(f, "side_by_side.png", "before | after, labelled, the common ROI outlined", NULL, 0, 0, 0, 0);
    map_json(f, "redness_before.png", "CIELAB a* of before (cell means)", "a*", m->a_lo, m->a_hi, 0, 0);
    map_json(f, "redness_after.png", "CIELAB a* of after, on before's scale", "a*", m->a_lo, m->a_hi, 0, 0);
    map_json(f, "redness_change.png", "Δa* = after - before (blue less red, red more)", "a*", -m->da_max,
             m->da_max, -m->da_band, m->da_band);
    map_json(f, "delta_e2000.png", "CIEDE2000 colour difference", "dE00", 0, m->de_max, 0, m->de_band);
    return j;
}

/* root.a.b.c for the path "a.b.c", creating objects on the way; NULL on a clash. */
static cJSON *nested(cJSON *root, const char *path)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *cur = root;
    for (char *seg = strtok(buf, "."); seg; seg = strtok(NULL, ".")) {
        cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (!next)
            next = cJSON_AddObjectToObject(cur, seg);
        else if (!cJSON_IsObject(next))
            return NULL;
        cur = next;
    }
    return cur;
}

struct cJSON *skinq_compare_cjson(const skinq_compare_result *r, const skinq_compare_options *co,
                                  const char *camera)
{
    const skinq_analysis_options *o = co->analysis;
    skinq_analysis_options defaults;
    if (!o) {
        skinq_analysis_default_options(&defaults);
        o = &defaults;
    }
    cJSON *before = skinq_analysis_cjson(r->before, o, camera),
          *after = skinq_analysis_cjson(r->after, o, camera);
    if (!before || !after) {
        cJSON_Delete(before);
        cJSON_Delete(after);
        return NULL;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON_AddItemToObject(doc, "before", before);
    cJSON_AddItemToObject(doc, "after", after);
    cJSON_AddItemToObject(doc, "alignment", alignment_json(r));
    cJSON_AddItemToObject(doc, "calibration", calibration_json(r));
    cJSON *roi = cJSON_AddObjectToObject(doc, "common_roi");
    cJSON_AddNumberToObject(roi, "pixels", (double)r->roi_pixels);
    cJSON *de = cJSON_AddObjectToObject(doc, "delta_e2000");
    skinq_cjson_add_number(de, "mean", r->delta_e_mean);
    skinq_cjson_add_number(de, "p95", r->delta_e_p95);
    if (r->has_maps)
        cJSON_AddItemToObject(doc, "maps", maps_json(r, co->maps_dir));
    cJSON *rule = cJSON_AddObjectToObject(doc, "verdict_rule");
    cJSON_AddStringToObject(rule, "rule",
                            "improved/worse only when |change| > mdc95 (else 'no detectable change'; "
                            "'unchanged' when exactly 0); percent null when |before| < mdc95");
    cJSON_AddStringToObject(rule, "mdc95", "the metric registry's defaults ('skinq metrics')");
    cJSON *d = cJSON_AddObjectToObject(doc, "delta");
    for (size_t i = 0; i < r->delta_count; i++) {
        const skinq_delta *x = &r->delta[i];
        cJSON *m = nested(d, x->path);
        if (!m) {
            cJSON_Delete(doc);
            return NULL;
        }
        skinq_cjson_add_number(m, "before", x->before);
        skinq_cjson_add_number(m, "after", x->after);
        skinq_cjson_add_number(m, "change", x->change);
        skinq_cjson_add_number(m, "percent", r->verdict[i].percent);
        skinq_cjson_add_number(m, "mdc95", r->verdict[i].mdc95);
        cJSON_AddStringToObject(m, "verdict", skinq_verdict_name(r->verdict[i].verdict));
        if (x->improved < 0)
            cJSON_AddNullToObject(m, "improved");
        else
            cJSON_AddBoolToObject(m, "improved", x->improved);
        cJSON_AddStringToObject(m, "unit", x->unit);
    }
    return doc;
}

skinq_status skinq_compare_json(const skinq_compare_result *r, const skinq_compare_options *co,
                                const char *camera, char **out)
{
    if (!r || !co || !out)
        return SKINQ_E_INVALID;
    return skinq_cjson_print(skinq_compare_cjson(r, co, camera), out);
}
