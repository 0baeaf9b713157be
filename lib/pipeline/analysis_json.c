/* analysis_json.c -- one photo's analysis as the design's JSON document: the one writer `skinq
 * analyze --json`, `compare --json` (each side) and the Python binding (`skinq.analyze`) share; and the
 * analysis options as `repeat --json` and the store (track add) record them. */
#define _DEFAULT_SOURCE /* realpath */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "skinq_tools.h"

/* A string member, or null for a missing one (an image in memory has no path). */
static void add_string(cJSON *obj, const char *key, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(obj, key, s);
    else
        cJSON_AddNullToObject(obj, key);
}

static cJSON *rect_json(skinq_rect r)
{
    cJSON *a = cJSON_CreateArray();
    int v[4] = {r.x, r.y, r.w, r.h};
    for (int i = 0; i < 4; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

struct cJSON *skinq_skin_cjson(const skinq_skin_info *k)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "mode", skinq_skin_mode_name(k->asked));
    cJSON_AddStringToObject(j, "path", skinq_skin_mode_name(k->path));
    cJSON_AddStringToObject(j, "detector", k->faces < 0 ? "none" : k->detector);
    if (k->faces >= 0) {
        cJSON_AddNumberToObject(j, "faces_found", k->faces);
        cJSON *f = cJSON_AddArrayToObject(j, "faces");
        for (int i = 0; i < k->faces && i < (int)(sizeof k->face / sizeof k->face[0]); i++)
            cJSON_AddItemToArray(f, rect_json(k->face[i]));
    }
    cJSON_AddNumberToObject(j, "kept_fraction", k->kept_fraction);
    cJSON *m = cJSON_AddArrayToObject(j, "model_lab");
    for (int i = 0; i < 3; i++)
        cJSON_AddItemToArray(m, cJSON_CreateNumber(round(k->model_lab[i] * 100) / 100));
    return j;
}

struct cJSON *skinq_raw_cjson(const skinq_raw_info *r, int developed)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", r->dng ? "dng" : "raw");
    cJSON_AddStringToObject(j, "make", r->make);
    cJSON_AddStringToObject(j, "model", r->model);
    /* LibRaw's floats, without their binary tails (1/8000 s = 0.000125) */
    cJSON_AddNumberToObject(j, "iso", round(r->iso * 100) / 100);
    cJSON_AddNumberToObject(j, "exposure_s", round(r->shutter_s * 1e7) / 1e7);
    cJSON_AddNumberToObject(j, "aperture_f", round(r->aperture * 100) / 100);
    cJSON_AddNumberToObject(j, "focal_mm", round(r->focal_mm * 100) / 100);
    cJSON_AddNumberToObject(j, "raw_bits", r->raw_bits);
    cJSON_AddStringToObject(j, "cfa", r->cfa);
    cJSON_AddStringToObject(j, "demosaic", r->demosaic);
    /* developed: the analysis's loader chose the balance ("none": --white does it) */
    cJSON_AddStringToObject(j, "white_balance",
                            developed && strcmp(r->white_balance, "none") == 0 ? "from --white"
                                                                               : r->white_balance);
    cJSON *m = cJSON_AddArrayToObject(j, "wb_multipliers");
    for (int c = 0; c < 3; c++)
        cJSON_AddItemToArray(m, cJSON_CreateNumber(round(r->wb_multipliers[c] * 1e4) / 1e4));
    cJSON_AddStringToObject(j, "matrix",
                            r->dng ? "the file's (ColorMatrix, camera to XYZ to linear sRGB)"
                                   : "the file's when it has one and the balance is as shot, else LibRaw's "
                                     "for the camera (Adobe coefficients)");
    cJSON_AddStringToObject(j, "tone_curve", "none");
    cJSON_AddStringToObject(j, "decoded_as", "linear sRGB, sRGB-encoded into 16 bits");
    return j;
}

/* image: the file (path, size, sha256; null for an image in memory) and its pixels. */
static void image_json(cJSON *doc, const skinq_analysis *a)
{
    cJSON *im = cJSON_AddObjectToObject(doc, "image");
    add_string(im, "path", a->path);
    if (a->path)
        cJSON_AddNumberToObject(im, "size_bytes", (double)a->file_size);
    else
        cJSON_AddNullToObject(im, "size_bytes");
    add_string(im, "sha256", a->sha256);
    cJSON_AddNumberToObject(im, "width", a->width);
    cJSON_AddNumberToObject(im, "height", a->height);
    cJSON_AddNumberToObject(im, "bit_depth", a->depth);
    cJSON_AddBoolToObject(im, "alpha_mask", a->has_alpha);
    if (a->is_raw)
        cJSON_AddItemToObject(im, "raw", skinq_raw_cjson(&a->raw, 1));
}

/* scale, roi, reference, calibration: where the numbers were measured and how they were calibrated. */
static void frame_json(cJSON *doc, const skinq_analysis *a, const skinq_analysis_options *o)
{
    const skinq_color_info *c = &a->color;
    const skinq_color_options *co = &o->color;
    if (o->px_per_mm > 0) {
        cJSON *sc = cJSON_AddObjectToObject(doc, "scale");
        cJSON_AddNumberToObject(sc, "px_per_mm", o->px_per_mm);
        cJSON_AddStringToObject(sc, "source", "option");
    } else {
        cJSON_AddStringToObject(doc, "scale", "unknown");
    }
    cJSON *roi = cJSON_AddObjectToObject(doc, "roi");
    cJSON_AddStringToObject(roi, "source", c->roi_source);
    cJSON_AddItemToObject(roi, "bbox", rect_json(c->roi_rect));
    cJSON_AddNumberToObject(roi, "pixels", (double)c->roi_pixels);
    cJSON_AddNumberToObject(roi, "inside", (double)c->roi_inside);
    cJSON_AddNumberToObject(roi, "clipped", (double)c->roi_clipped);
    if (a->skin.ran)
        cJSON_AddItemToObject(roi, "auto_skin", skinq_skin_cjson(&a->skin));
    if (c->has_ref) {
        cJSON *ref = cJSON_AddObjectToObject(doc, "reference");
        cJSON_AddItemToObject(ref, "rect", rect_json(c->ref_rect));
        cJSON_AddNumberToObject(ref, "pixels", (double)c->ref_pixels);
        cJSON_AddNumberToObject(ref, "clipped", (double)c->ref_clipped);
    }
    cJSON *cal = cJSON_AddObjectToObject(doc, "calibration");
    cJSON_AddStringToObject(cal, "method", c->has_white ? "white-patch" : "none");
    cJSON_AddStringToObject(cal, "input_space", "sRGB (IEC 61966-2-1)");
    cJSON_AddStringToObject(cal, "white_point", c->white_point);
    if (c->has_white) {
        cJSON *w = cJSON_AddObjectToObject(cal, "white");
        cJSON_AddItemToObject(w, "rect", rect_json(co->white));
        cJSON_AddNumberToObject(w, "reflectance", co->white_reflectance);
        cJSON_AddNumberToObject(w, "pixels", (double)c->white_pixels);
        cJSON_AddNumberToObject(w, "clipped", (double)c->white_clipped);
    }
    cJSON *g = cJSON_AddArrayToObject(cal, "linear_gains");
    for (int k = 0; k < 3; k++)
        cJSON_AddItemToArray(g, cJSON_CreateNumber(c->white_gains[k]));
}

/* which formula and source produced each number, and whether its unit is only relative */
static void formulas_json(cJSON *doc, const skinq_analysis *a, const skinq_analysis_options *o,
                          const char *camera)
{
    cJSON *fo = cJSON_AddObjectToObject(doc, "formulas");
    size_t nf;
    const skinq_color_formula *F = skinq_color_formulas(&nf);
    for (size_t i = 0; i < nf; i++) {
        cJSON *f = cJSON_AddObjectToObject(fo, F[i].metric);
        cJSON_AddStringToObject(f, "formula", F[i].formula);
        cJSON_AddStringToObject(f, "source", F[i].citation);
        char path[96];
        snprintf(path, sizeof path, "color.%s.mean", F[i].metric);
        const skinq_metric *m = skinq_metrics_find(&a->metrics, path);
        if (m) {
            const skinq_metric_def *d = skinq_metric_find(path); /* the registry says what is relative */
            cJSON_AddStringToObject(f, "unit", m->unit);
            cJSON_AddBoolToObject(f, "relative", d && d->relative);
        }
    }
    cJSON *sm = cJSON_AddObjectToObject(fo, "skin_model"); /* what color.hemoglobin and .melanin invert */
    cJSON_AddStringToObject(sm, "formula", skinq_skin_model_formula());
    if (o->color.camera && camera) {
        char what[4200];
        snprintf(what, sizeof what, "camera sensitivities from %s, white-balanced under D65", camera);
        cJSON_AddStringToObject(sm, "sensitivities", what);
    } else {
        cJSON_AddStringToObject(sm, "sensitivities",
                                "CIE 1931 2-degree observer under D65 -> linear sRGB (IEC 61966-2-1)");
    }
    cJSON_AddStringToObject(sm, "oxygenation",
                            "not identifiable: with shading free, three channels give two chromaticities for "
                            "two unknowns; saturation fixed at the model's value");
    cJSON_AddStringToObject(sm, "units",
                            "hemoglobin: dermal blood volume fraction; melanin: epidermal "
                            "melanosome volume fraction; both absolute in the model's terms");
}

struct cJSON *skinq_analysis_cjson(const skinq_analysis *a, const skinq_analysis_options *o,
                                   const char *camera)
{
    const skinq_color_info *c = &a->color;
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    image_json(doc, a);
    frame_json(doc, a, o);
    if (skinq_metrics_cjson(doc, &a->metrics) != 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON *col = cJSON_GetObjectItem(doc, "color");
    cJSON *ita = col ? cJSON_GetObjectItem(col, "ita_deg") : NULL;
    if (ita)
        cJSON_AddStringToObject(ita, "category", c->ita_category);
    if (col) {
        cJSON *ra = cJSON_AddObjectToObject(col, "red_area_definition");
        skinq_cjson_add_number(ra, "threshold_a", c->red_threshold_a);
        cJSON_AddStringToObject(ra, "basis", c->red_basis);
        cJSON_AddNumberToObject(ra, "above_basis", o->color.red_threshold);
    }
    formulas_json(doc, a, o, camera);
    if (o->maps.dir) {
        cJSON *mp = cJSON_AddObjectToObject(doc, "maps");
        cJSON_AddStringToObject(mp, "dir", o->maps.dir);
        cJSON_AddNumberToObject(mp, "downsample", c->map_factor);
    }
    return doc;
}

skinq_status skinq_analysis_json(const skinq_analysis *a, const skinq_analysis_options *o, const char *camera,
                                 char **out)
{
    if (!a || !o || !out)
        return SKINQ_E_INVALID;
    return skinq_cjson_print(skinq_analysis_cjson(a, o, camera), out);
}

struct cJSON *skinq_analysis_options_cjson(const skinq_analysis_options *o, const char *mask_path,
                                           const char *camera_path)
{
    const skinq_color_options *c = &o->color;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "roi", skinq_roi_kind_name(o->roi.kind));
    if (o->roi.kind == SKINQ_ROI_RECT)
        cJSON_AddItemToObject(j, "roi_rect", rect_json(o->roi.rect));
    if (o->roi.kind == SKINQ_ROI_AUTO_SKIN)
        cJSON_AddStringToObject(j, "skin_mode", skinq_skin_mode_name(o->roi.skin_mode));
    if (o->roi.kind == SKINQ_ROI_MASK && mask_path) { /* absolute: the report reopens it from anywhere */
        char *abs = realpath(mask_path, NULL);
        cJSON_AddStringToObject(j, "mask", abs ? abs : mask_path);
        free(abs);
    }
    if (c->has_ref)
        cJSON_AddItemToObject(j, "ref", rect_json(c->ref));
    if (c->has_white) {
        cJSON_AddItemToObject(j, "white", rect_json(c->white));
        cJSON_AddNumberToObject(j, "white_reflectance", c->white_reflectance);
    }
    if (c->camera && camera_path) {
        char *abs = realpath(camera_path, NULL);
        cJSON_AddStringToObject(j, "camera", abs ? abs : camera_path);
        free(abs);
    }
    if (o->px_per_mm > 0)
        cJSON_AddNumberToObject(j, "px_per_mm", o->px_per_mm);
    cJSON_AddNumberToObject(j, "red_threshold", c->red_threshold);
    cJSON_AddBoolToObject(j, "texture", o->texture);
    return j;
}
