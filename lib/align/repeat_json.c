/* repeat_json.c -- repeatability as the design's JSON documents: of re-captures (`skinq repeat
 * IMAGE... --json`, `skinq.repeat`) and of a site's stored sessions (`skinq repeat --subject --site
 * --json`, `skinq.Store.repeatability`); one writer each for the CLI and Python. */
#include <math.h>

#include <cjson/cJSON.h>

#include "skinq_tools.h"

/* A metric's spread: its numbers under their keys (null when not finite), then its unit. */
static void add_metric(cJSON *ms, const char *path, const char *const *keys, const double *v, int n,
                       const char *unit)
{
    cJSON *m = cJSON_AddObjectToObject(ms, path);
    for (int i = 0; i < n; i++)
        skinq_cjson_add_number(m, keys[i], v[i]);
    cJSON_AddStringToObject(m, "unit", unit);
}

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
    static const char *const keys[] = {"n", "mean", "sd", "cv_percent", "sem", "mdc95"};
    for (size_t k = 0; k < r->stat_count; k++) {
        const skinq_repeat_stat *s = &r->stats[k];
        const double v[] = {s->n, s->mean, s->sd, s->cv_percent, s->sem, s->mdc95};
        add_metric(ms, s->path, keys, v, 6, s->unit);
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
    static const char *const keys[] = {"sessions", "n", "df", "sd", "mdc95"};
    for (size_t k = 0; k < rep->count; k++) {
        const skinq_repeatability_item *it = &rep->items[k];
        const double v[] = {it->sessions, it->n, it->df, it->sd, it->mdc95};
        add_metric(ms, it->path, keys, v, 5, it->unit);
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
