/* repeat_json.c -- repeatability as the design's JSON documents: of re-captures (`skinq repeat
 * IMAGE... --json`, `skinq.repeat`) and of a site's stored sessions (`skinq repeat --subject --site
 * --json`, `skinq.Store.repeatability`); one writer each for the CLI and Python. */
#include <math.h>

#include <cjson/cJSON.h>

#include "skinq_tools.h"

/* One photo: its file, pixels, registration onto the first and its value of every metric. */
static cJSON *image_json(const skinq_repeat_result *r, size_t i)
{
    const skinq_analysis *a = r->analyses[i];
    cJSON *im = cJSON_CreateObject();
    cJSON_AddStringToObject(im, "path", a->path);
    cJSON_AddNumberToObject(im, "size_bytes", (double)a->file_size);
    cJSON_AddStringToObject(im, "sha256", a->sha256);
    cJSON_AddNumberToObject(im, "width", a->width);
    cJSON_AddNumberToObject(im, "height", a->height);
    cJSON_AddItemToObject(im, "alignment", skinq_alignment_cjson(&r->alignment[i]));
    cJSON *vals = cJSON_AddObjectToObject(im, "values"); /* this photo's number of every metric below */
    for (size_t k = 0; k < r->stat_count; k++) {
        const skinq_metric *m = skinq_metrics_find(&a->metrics, r->stats[k].path);
        skinq_cjson_add_number(vals, r->stats[k].path, m ? m->value : NAN);
    }
    return im;
}

struct cJSON *skinq_repeat_cjson(const skinq_repeat_result *r, const skinq_compare_options *co,
                                 const char *mask_path, const char *camera_path)
{
    skinq_analysis_options defaults;
    const skinq_analysis_options *o = co->analysis;
    if (!o) {
        skinq_analysis_default_options(&defaults);
        o = &defaults;
    }
    cJSON *doc = cJSON_CreateObject(), *opts = skinq_analysis_options_cjson(o, mask_path, camera_path);
    if (!doc || !opts) {
        cJSON_Delete(doc);
        cJSON_Delete(opts);
        return NULL;
    }
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON *ims = cJSON_AddArrayToObject(doc, "images");
    for (size_t i = 0; i < r->n_images; i++)
        cJSON_AddItemToArray(ims, image_json(r, i));
    if (co->chart_path)
        cJSON_AddStringToObject(opts, "chart", co->chart_path);
    cJSON_AddStringToObject(opts, "registered_onto", r->analyses[0]->path);
    cJSON_AddItemToObject(doc, "options", opts);
    cJSON *ms = cJSON_AddObjectToObject(doc, "metrics");
    for (size_t k = 0; k < r->stat_count; k++) {
        const skinq_repeat_stat *s = &r->stats[k];
        cJSON *m = cJSON_AddObjectToObject(ms, s->path);
        cJSON_AddNumberToObject(m, "n", s->n);
        skinq_cjson_add_number(m, "mean", s->mean);
        skinq_cjson_add_number(m, "sd", s->sd);
        skinq_cjson_add_number(m, "cv_percent", s->cv_percent);
        skinq_cjson_add_number(m, "sem", s->sem);
        skinq_cjson_add_number(m, "mdc95", s->mdc95);
        cJSON_AddStringToObject(m, "unit", s->unit);
    }
    return doc;
}

skinq_status skinq_repeat_json(const skinq_repeat_result *r, const skinq_compare_options *co,
                               const char *mask_path, const char *camera_path, char **out)
{
    if (!r || !co || !out || r->n_images < 1)
        return SKINQ_E_INVALID;
    return skinq_cjson_print(skinq_repeat_cjson(r, co, mask_path, camera_path), out);
}

struct cJSON *skinq_repeatability_cjson(const skinq_repeatability *rep, const char *subject, const char *site)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON_AddStringToObject(doc, "subject", subject);
    cJSON_AddStringToObject(doc, "site", site);
    cJSON_AddStringToObject(doc, "method", "pooled within-session SD over sessions with >= 2 photos");
    cJSON *ms = cJSON_AddObjectToObject(doc, "metrics");
    for (size_t k = 0; k < rep->count; k++) {
        const skinq_repeatability_item *it = &rep->items[k];
        cJSON *m = cJSON_AddObjectToObject(ms, it->path);
        cJSON_AddNumberToObject(m, "sessions", it->sessions);
        cJSON_AddNumberToObject(m, "n", it->n);
        cJSON_AddNumberToObject(m, "df", it->df);
        skinq_cjson_add_number(m, "sd", it->sd);
        skinq_cjson_add_number(m, "mdc95", it->mdc95);
        cJSON_AddStringToObject(m, "unit", it->unit);
    }
    return doc;
}

skinq_status skinq_repeatability_json(const skinq_repeatability *rep, const char *subject, const char *site,
                                      char **out)
{
    if (!rep || !subject || !site || !out)
        return SKINQ_E_INVALID;
    return skinq_cjson_print(skinq_repeatability_cjson(rep, subject, site), out);
}
