/* out.c -- JSON output helpers shared by the subcommands. */
#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aopts.h"
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

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there are not one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or cut short). */
static int utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!n)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

/* A valid UTF-8 copy of s (malloc), every invalid byte as U+FFFD; NULL when s is valid already
 * (*oom set when memory ran out). */
static char *utf8_fixed(const char *s, int *oom)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), bad = 0;
    for (size_t i = 0; i < len;) {
        int n = utf8_seq(u + i);
        bad += n == 0;
        i += n ? (size_t)n : 1;
    }
    if (!bad)
        return NULL;
    char *out = malloc(len + 2 * bad + 1), *o = out;
    if (!out) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        int n = utf8_seq(u + i);
        if (n) {
            memcpy(o, s + i, (size_t)n);
            o += n;
            i += (size_t)n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    return out;
}

static char *base64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v =
            (unsigned)u[i] << 16 | (i + 1 < len ? (unsigned)u[i + 1] << 8 : 0) | (i + 2 < len ? u[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

int out_json_utf8(cJSON *node)
{
    int oom = 0;
    for (cJSON *c = node ? node->child : NULL, *next; c && !oom; c = next) {
        next = c->next;
        if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
            oom = out_json_utf8(c) != 0;
            continue;
        }
        if (!cJSON_IsString(c) || !c->valuestring)
            continue;
        char *fixed = utf8_fixed(c->valuestring, &oom);
        if (!fixed)
            continue;
        if (cJSON_IsObject(node) && c->string) {
            size_t kl = strlen(c->string);
            char *key = malloc(kl + 8), *b64 = base64(c->valuestring);
            if (key && b64) {
                memcpy(key, c->string, kl);
                memcpy(key + kl, "_base64", 8);
                cJSON_DeleteItemFromObjectCaseSensitive(node, key);
                oom = !cJSON_AddStringToObject(node, key, b64);
            } else {
                oom = 1;
            }
            free(key);
            free(b64);
        }
        /* the fixed text in cJSON's own allocation: swapped in, the old one freed with rep */
        cJSON *rep = oom ? NULL : cJSON_CreateString(fixed);
        free(fixed);
        if (rep) {
            char *old = c->valuestring;
            c->valuestring = rep->valuestring;
            rep->valuestring = old;
            cJSON_Delete(rep);
        } else {
            oom = 1;
        }
    }
    return oom ? -1 : 0;
}

int out_json(cJSON *doc)
{
    char *s = doc && out_json_utf8(doc) == 0 ? cJSON_Print(doc) : NULL;
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

cJSON *out_skin_json(const skinq_skin_info *k)
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

cJSON *out_raw_json(const skinq_raw_info *r, int developed)
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
    if (a->is_raw)
        cJSON_AddItemToObject(im, "raw", out_raw_json(&a->raw, 1));
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
        cJSON_AddItemToObject(roi, "auto_skin", out_skin_json(&a->skin));
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
            const skinq_metric_def *d = skinq_metric_find(path); /* the registry says what is relative */
            cJSON_AddStringToObject(f, "unit", m->unit);
            cJSON_AddBoolToObject(f, "relative", d && d->relative);
        }
    }
    cJSON *sm = cJSON_AddObjectToObject(fo, "skin_model"); /* what color.hemoglobin and .melanin invert */
    cJSON_AddStringToObject(sm, "formula", skinq_skin_model_formula());
    if (co->camera && g_aopts.camera) {
        char what[4200];
        snprintf(what, sizeof what, "camera sensitivities from %s, white-balanced under D65", g_aopts.camera);
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
    if (o->maps.dir) {
        cJSON *mp = cJSON_AddObjectToObject(doc, "maps");
        cJSON_AddStringToObject(mp, "dir", o->maps.dir);
        cJSON_AddNumberToObject(mp, "downsample", c->map_factor);
    }
    return doc;
}

const char *out_num(char *buf, size_t n, const char *fmt, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "n/a");
    else
        snprintf(buf, n, fmt, v);
    return buf;
}

const char *out_num_csv(char *buf, size_t n, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "%.9g", v);
    return buf;
}

int out_table_metric(const char *path)
{
    const char *last = strrchr(path, '.');
    if (!last || strstr(path, ".bins.") || strncmp(path, "texture.psd.tile", 16) == 0)
        return 0;
    if (strncmp(path, "color.", 6) != 0)
        return 1;
    return !strcmp(last, ".mean") || !strcmp(last, ".delta_ref") || !strncmp(path, "color.red_area_", 15);
}

int out_file_ready(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
    if (access(dir, W_OK) == 0)
        return -1;
    fprintf(stderr, "skinq: cannot write '%s': %s\n", path, strerror(errno));
    return cli_exit_for(CLI_COND_OUTPUT);
}

cJSON *out_alignment_json(const skinq_alignment *al)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "method", al->method);
    cJSON_AddBoolToObject(j, "ok", al->ok);
    cJSON_AddNumberToObject(j, "matches", al->matches);
    cJSON_AddNumberToObject(j, "inliers", al->inliers);
    out_add_number(j, "inlier_ratio", al->matches > 0 ? (double)al->inliers / al->matches : NAN);
    out_add_number(j, "rms_px", al->rms_px);
    out_add_number(j, "overlap", al->overlap);
    out_add_number(j, "ecc", al->ecc);
    cJSON_AddBoolToObject(j, "ecc_accepted", al->ecc_accepted);
    cJSON *res = cJSON_AddObjectToObject(j, "residual");
    out_add_number(res, "features", al->residual[0]);
    out_add_number(res, "ecc", al->residual[1]);
    cJSON_AddStringToObject(res, "kept",
                            !strcmp(al->method, "none") ? "none"
                            : al->ecc_accepted          ? "ecc"
                                                        : "features");
    cJSON_AddStringToObject(res, "measure",
                            "1 - band-pass NCC of the lumas at the features' scale over the overlap");
    cJSON *vp = cJSON_AddObjectToObject(j, "viewpoint");
    out_add_number(vp, "tilt_deg", al->tilt_deg);
    out_add_number(vp, "scale_min", al->scale_range[0]);
    out_add_number(vp, "scale_max", al->scale_range[1]);
    out_add_number(vp, "perspective", al->perspective);
    cJSON_AddBoolToObject(vp, "strong_perspective", al->strong_perspective);
    out_add_number(vp, "inlier_coverage", al->inlier_coverage);
    cJSON *m = cJSON_AddArrayToObject(j, "matrix");
    for (int k = 0; k < 9; k++)
        cJSON_AddItemToArray(m, isfinite(al->matrix[k]) ? cJSON_CreateNumber(al->matrix[k])
                                                        : cJSON_CreateNull());
    cJSON_AddStringToObject(j, "matrix_maps", "after pixel -> before pixel (x right, y down, row-major)");
    return j;
}

void out_add_session(cJSON *o, const out_session *s)
{
    cJSON_AddNumberToObject(o, "session", (double)s->id);
    cJSON_AddStringToObject(o, "date", s->date);
    cJSON_AddStringToObject(o, "time", s->time);
    cJSON_AddStringToObject(o, "label", s->label);
    cJSON_AddStringToObject(o, "procedure", s->procedure);
    cJSON_AddNumberToObject(o, "cycle", s->cycle);
    out_add_number(o, "day", s->day);
    out_add_number(o, "cycle_day", s->cycle_day);
}
