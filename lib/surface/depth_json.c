/* depth_json.c -- a depth result as the design's JSON document: the one writer `skinq depth --json`
 * and the Python binding (`skinq.depth`) share; the inputs' provenance (every file hashed), the
 * setup that made the numbers, the metrics and the scars. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "skinq_tools.h"

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* dir/name in a new malloc'd string (NULL: out of memory). */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    char *s = malloc(n + strlen(name) + 2);
    if (s)
        sprintf(s, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    return s;
}

skinq_status skinq_depth_region_pick(const char *lights, const char *region, char **path, const char **source)
{
    *path = NULL;
    *source = region ? "option" : "none";
    if (region)
        return (*path = strdup(region)) ? SKINQ_OK : SKINQ_E_NOMEM;
    if (!lights || !is_dir(lights))
        return SKINQ_OK;
    struct stat sb;
    char *p = join(lights, "mask.png");
    if (!p)
        return SKINQ_E_NOMEM;
    if (stat(p, &sb) == 0) {
        *path = p;
        *source = "lights-folder";
    } else {
        free(p);
    }
    return SKINQ_OK;
}

static cJSON *provenance(skinq_ctx *ctx, const char *path, int w, int h, skinq_status *st)
{
    cJSON *o = skinq_file_cjson(ctx, path, st);
    if (o && w > 0) {
        cJSON_AddNumberToObject(o, "width", w);
        cJSON_AddNumberToObject(o, "height", h);
    }
    return o;
}

/* Provenance of the lights: the file, or a folder's text files (those present). */
static cJSON *lights_provenance(skinq_ctx *ctx, const char *lights, skinq_status *st)
{
    if (!is_dir(lights))
        return provenance(ctx, lights, 0, 0, st);
    static const char *const names[] = {"filenames.txt", "light_directions.txt", "light_intensities.txt"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", lights);
    cJSON_AddStringToObject(o, "kind", "folder");
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    for (size_t i = 0; *st == SKINQ_OK && i < sizeof names / sizeof names[0]; i++) {
        char *p = join(lights, names[i]);
        struct stat sb;
        if (!p)
            *st = SKINQ_E_NOMEM;
        else if (stat(p, &sb) == 0) {
            cJSON *fp = provenance(ctx, p, 0, 0, st);
            if (fp)
                cJSON_AddItemToArray(files, fp);
        }
        free(p);
    }
    return o;
}

/* Provenance of every input into doc: the lights file and its images (given, or named in the file),
 * or the one height map or photo. */
static skinq_status add_inputs(skinq_ctx *ctx, cJSON *doc, const skinq_depth_result *r,
                               const skinq_depth_options *o, const skinq_depth_inputs *in)
{
    skinq_status st = SKINQ_OK;
    if (strcmp(r->input, "photometric-stereo") != 0) {
        cJSON *ip = provenance(ctx, in->path, r->width, r->height, &st);
        if (ip)
            cJSON_AddItemToObject(doc, "image", ip);
        return st;
    }
    cJSON *lp = lights_provenance(ctx, in->path, &st);
    if (lp)
        cJSON_AddItemToObject(doc, "lights", lp);
    const char *extra[2][2] = {{"region_file", o->region_name}, {"truth_normals", o->truth_normals}};
    for (int i = 0; i < 2 && st == SKINQ_OK; i++) {
        cJSON *fp = extra[i][1] ? provenance(ctx, extra[i][1], 0, 0, &st) : NULL;
        if (fp)
            cJSON_AddItemToObject(doc, extra[i][0], fp);
    }
    cJSON *imgs = cJSON_AddArrayToObject(doc, "images");
    if (in->n_images == 0 && st == SKINQ_OK) {
        skinq_lights *L = NULL;
        st = skinq_lights_load(ctx, in->path, &L);
        for (int i = 0; st == SKINQ_OK && i < L->count; i++) {
            cJSON *ip = provenance(ctx, L->items[i].image, r->width, r->height, &st);
            if (ip)
                cJSON_AddItemToArray(imgs, ip);
        }
        skinq_lights_free(&L);
    }
    for (int i = 0; st == SKINQ_OK && i < in->n_images; i++) {
        cJSON *ip = provenance(ctx, in->images[i], r->width, r->height, &st);
        if (ip)
            cJSON_AddItemToArray(imgs, ip);
    }
    cJSON *im0 = cJSON_GetArrayItem(imgs, 0);
    if (im0)
        cJSON_AddItemToObject(doc, "image", cJSON_Duplicate(im0, 1));
    return st;
}

/* Scale, units, ROI, calibration and the parameters that made the numbers. */
static void add_setup(cJSON *doc, const skinq_depth_result *r, const skinq_depth_options *o,
                      const skinq_depth_inputs *in)
{
    const skinq_mask *mask = o->scars.mask;
    if (r->px_per_mm > 0) {
        cJSON *sc = cJSON_AddObjectToObject(doc, "scale");
        cJSON_AddNumberToObject(sc, "px_per_mm", r->px_per_mm);
        cJSON_AddStringToObject(sc, "source", r->scale_source);
    } else {
        cJSON_AddStringToObject(doc, "scale", "unknown");
    }
    cJSON_AddBoolToObject(doc, "relative", r->relative);
    cJSON *units = cJSON_AddObjectToObject(doc, "units");
    cJSON_AddStringToObject(units, "height", r->z_unit);
    cJSON_AddStringToObject(units, "length", r->xy_unit);
    cJSON *roi = cJSON_AddObjectToObject(doc, "roi");
    cJSON_AddNumberToObject(roi, "pixels",
                            mask ? (double)skinq_mask_count(mask) : (double)r->width * r->height);
    cJSON_AddStringToObject(roi, "source", mask ? "mask" : "full");
    cJSON *cal = cJSON_AddObjectToObject(doc, "calibration");
    cJSON_AddStringToObject(cal, "method", "none");
    cJSON *par = cJSON_AddObjectToObject(doc, "parameters");
    if (strcmp(r->input, "height-map") == 0)
        cJSON_AddNumberToObject(par, "z_scale_mm_per_unit", o->z_scale);
    if (r->scars) {
        cJSON_AddNumberToObject(par, "min_depth", r->min_depth);
        cJSON_AddNumberToObject(par, "reference_scale_mm", o->scars.ref_scale_mm);
        cJSON_AddNumberToObject(par, "reference_sigma_px", r->scars->ref_sigma_px);
    }
    if (strcmp(r->input, "photometric-stereo") == 0) {
        cJSON_AddNumberToObject(par, "outlier_tau", o->ps.outlier_tau);
        cJSON_AddStringToObject(par, "ps_method", r->ps_method);
        cJSON_AddStringToObject(par, "region", o->region ? "mask" : "full");
        cJSON_AddStringToObject(par, "region_source", in->region_source ? in->region_source : "none");
        cJSON_AddNumberToObject(par, "region_pixels",
                                o->region ? (double)skinq_mask_count(o->region)
                                          : (double)r->width * r->height);
        cJSON_AddNumberToObject(par, "min_confidence", o->min_confidence);
        cJSON_AddNumberToObject(par, "translucency_mm", o->translucency_mm);
    }
}

/* The metrics under `prefix` (the prefix cut off) into obj by their dotted paths; -1 on clashing
 * paths or out of memory. */
static int add_metrics(skinq_ctx *ctx, cJSON *obj, const skinq_metrics *m, const char *prefix, int skip_items)
{
    skinq_metrics flat = {0};
    const size_t n = strlen(prefix);
    int bad = 0;
    for (size_t i = 0; !bad && i < m->count; i++) {
        const char *p = m->items[i].path;
        if (strncmp(p, prefix, n) == 0 && !(skip_items && strncmp(p, "scars.items.", 12) == 0))
            bad = skinq_metrics_add(ctx, &flat, p + n, m->items[i].value, m->items[i].unit) != SKINQ_OK;
    }
    bad = bad || skinq_metrics_cjson(obj, &flat);
    skinq_metrics_free(&flat);
    return bad ? -1 : 0;
}

/* Scalar paths by the shared writer; the items from the scars.items.N.* metrics (an mm name null and
 * its _px sibling without a scale) with their type word. -1 on clashing metric paths. */
static int add_results(skinq_ctx *ctx, cJSON *doc, const skinq_depth_result *r, const skinq_depth_inputs *in)
{
    if (add_metrics(ctx, doc, &r->metrics, "", 1))
        return -1;
    if (r->scars) {
        cJSON *items = cJSON_AddArrayToObject(cJSON_GetObjectItem(doc, "scars"), "items");
        for (int i = 0; i < r->scars->count; i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "scars.items.%d.", i);
            cJSON *it = cJSON_CreateObject();
            cJSON_AddItemToArray(items, it);
            if (add_metrics(ctx, it, &r->metrics, prefix, 0))
                return -1;
            cJSON_AddStringToObject(it, "type", skinq_scar_type_name(r->scars->items[i].type));
        }
    }
    if (in->maps_dir)
        cJSON_AddStringToObject(doc, "maps", in->maps_dir);
    return 0;
}

struct cJSON *skinq_depth_cjson(skinq_ctx *ctx, const skinq_depth_result *r, const skinq_depth_options *o,
                                const skinq_depth_inputs *in, skinq_status *st)
{
    cJSON *doc = cJSON_CreateObject();
    *st = doc ? SKINQ_OK : SKINQ_E_NOMEM;
    if (doc) {
        cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
        cJSON_AddStringToObject(doc, "input", r->input);
        *st = add_inputs(ctx, doc, r, o, in);
    }
    if (*st == SKINQ_OK) {
        add_setup(doc, r, o, in);
        if (add_results(ctx, doc, r, in) != 0)
            *st = skinq_ctx_fail(ctx, SKINQ_E_NOMEM,
                                 "cannot build the depth JSON (out of memory or clashing "
                                 "metric paths)");
    }
    if (*st != SKINQ_OK) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

skinq_status skinq_depth_json(skinq_ctx *ctx, const skinq_depth_result *r, const skinq_depth_options *o,
                              const skinq_depth_inputs *in, char **out)
{
    if (!ctx || !r || !o || !in || !in->path || !out)
        return SKINQ_E_INVALID;
    skinq_status st;
    cJSON *doc = skinq_depth_cjson(ctx, r, o, in, &st);
    return doc ? skinq_cjson_print(doc, out) : st;
}
