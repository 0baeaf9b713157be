/* out.c -- JSON output helpers shared by the subcommands. */
#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int out_dir_ready(const char *dir)
{
    struct stat sb;
    const char *why = NULL;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        why = strerror(errno);
    else if (stat(dir, &sb) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(sb.st_mode))
        why = "not a directory";
    else if (access(dir, W_OK | X_OK) != 0)
        why = strerror(errno);
    if (!why)
        return -1;
    fprintf(stderr, "skinq: cannot write maps into '%s': %s\n", dir, why);
    return cli_exit_for(CLI_COND_OUTPUT);
}

int out_json(cJSON *doc)
{
    char *s = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!s) {
        fputs("skinq: out of memory formatting JSON\n", stderr);
        return EXIT_INTERNAL;
    }
    fputs(s, stdout);
    fputc('\n', stdout);
    cJSON_free(s);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

cJSON *out_add_number(cJSON *obj, const char *key, double v)
{
    if (!isfinite(v))
        return cJSON_AddNullToObject(obj, key);
    return cJSON_AddNumberToObject(obj, key, v);
}

cJSON *out_file_provenance(skinq_ctx *ctx, const char *path, skinq_status *st)
{
    char hex[65];
    *st = skinq_file_sha256(ctx, path, hex);
    if (*st != SKINQ_OK)
        return NULL;
    struct stat sb;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddNumberToObject(o, "size_bytes", stat(path, &sb) == 0 ? (double)sb.st_size : 0);
    cJSON_AddStringToObject(o, "sha256", hex);
    return o;
}

static int is_index(const char *seg)
{
    if (!*seg)
        return 0;
    for (; *seg; seg++)
        if (*seg < '0' || *seg > '9')
            return 0;
    return 1;
}

/* Child `seg` of a container, created as an object or array (per `next_is_index`) if missing. */
static cJSON *child(cJSON *parent, const char *seg, int next_is_index)
{
    cJSON *c;
    if (cJSON_IsArray(parent)) {
        int i = atoi(seg);
        while (cJSON_GetArraySize(parent) <= i)
            cJSON_AddItemToArray(parent, next_is_index ? cJSON_CreateArray() : cJSON_CreateObject());
        c = cJSON_GetArrayItem(parent, i);
    } else {
        c = cJSON_GetObjectItemCaseSensitive(parent, seg);
        if (!c)
            c = next_is_index ? cJSON_AddArrayToObject(parent, seg) : cJSON_AddObjectToObject(parent, seg);
    }
    return c;
}

int out_metrics_json(cJSON *root, const skinq_metrics *m)
{
    for (size_t i = 0; i < m->count; i++) {
        char path[sizeof m->items[i].path];
        memcpy(path, m->items[i].path, sizeof path);
        cJSON *cur = root;
        char *seg = path, *dot;
        while ((dot = strchr(seg, '.')) != NULL) {
            *dot = '\0';
            cur = child(cur, seg, is_index(dot + 1));
            if (!cur || (!cJSON_IsObject(cur) && !cJSON_IsArray(cur)))
                return -1;
            seg = dot + 1;
        }
        double v = m->items[i].value;
        cJSON *num = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
        if (cJSON_IsArray(cur)) {
            int k = atoi(seg);
            while (cJSON_GetArraySize(cur) < k)
                cJSON_AddItemToArray(cur, cJSON_CreateNull());
            if (cJSON_GetArraySize(cur) == k)
                cJSON_AddItemToArray(cur, num);
            else
                cJSON_ReplaceItemInArray(cur, k, num);
        } else if (cJSON_GetObjectItemCaseSensitive(cur, seg)) {
            cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, num);
        } else {
            cJSON_AddItemToObject(cur, seg, num);
        }
    }
    return 0;
}

/* RFC 4180 quoting for a field that may hold commas or quotes (file paths). */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void out_metrics_csv(FILE *f, const char *image, const skinq_metrics *m, int header)
{
    if (header)
        fputs("image,metric,value,unit\n", f);
    for (size_t i = 0; i < m->count; i++) {
        csv_field(f, image);
        fprintf(f, ",%s,", m->items[i].path);
        if (isfinite(m->items[i].value))
            fprintf(f, "%.10g", m->items[i].value);
        fprintf(f, ",%s\n", m->items[i].unit);
    }
}

/* ---- one photo's analysis as the design's JSON object ---- */

static cJSON *rect_json(skinq_rect r)
{
    cJSON *a = cJSON_CreateArray();
    int v[4] = {r.x, r.y, r.w, r.h};
    for (int i = 0; i < 4; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

cJSON *out_analysis_json(const skinq_analysis *a, const skinq_analysis_options *o)
{
    const skinq_color_info *c = &a->color;
    const skinq_color_options *co = &o->color;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON *im = cJSON_AddObjectToObject(doc, "image");
    cJSON_AddStringToObject(im, "path", a->path);
    cJSON_AddNumberToObject(im, "size_bytes", (double)a->file_size);
    cJSON_AddStringToObject(im, "sha256", a->sha256);
    cJSON_AddNumberToObject(im, "width", a->width);
    cJSON_AddNumberToObject(im, "height", a->height);
    cJSON_AddNumberToObject(im, "bit_depth", a->depth);
    cJSON_AddBoolToObject(im, "alpha_mask", a->has_alpha);
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
    if (out_metrics_json(doc, &a->metrics) != 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON *col = cJSON_GetObjectItem(doc, "color");
    cJSON *ita = col ? cJSON_GetObjectItem(col, "ita_deg") : NULL;
    if (ita)
        cJSON_AddStringToObject(ita, "category", c->ita_category);
    if (col) {
        cJSON *ra = cJSON_AddObjectToObject(col, "red_area_definition");
        out_add_number(ra, "threshold_a", c->red_threshold_a);
        cJSON_AddStringToObject(ra, "basis", c->red_basis);
        cJSON_AddNumberToObject(ra, "above_basis", co->red_threshold);
    }
    /* which formula and source produced each number, and whether its unit is only relative */
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
            cJSON_AddStringToObject(f, "unit", m->unit);
            cJSON_AddBoolToObject(f, "relative",
                                  strcmp(m->unit, "relative") == 0 || strcmp(m->unit, "OD") == 0);
        }
    }
    if (o->maps.dir) {
        cJSON *mp = cJSON_AddObjectToObject(doc, "maps");
        cJSON_AddStringToObject(mp, "dir", o->maps.dir);
        cJSON_AddNumberToObject(mp, "downsample", c->map_factor);
    }
    return doc;
}
