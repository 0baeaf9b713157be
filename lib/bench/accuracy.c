/* accuracy.c -- `skinq bench --truth`: what skinq measures on phantoms against their truth.json,
 * beside the time it took. A scar stack goes through the depth pipeline (scars found, depth,
 * volume and normal errors); a photographed series (healing-series, recapture, course) through
 * registration onto its first image (the corner error of each fit against the true transform). */
#define _DEFAULT_SOURCE /* scandir, alphasort */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "align/align.h"
#include "bench/bench_int.h"
#include "io/io.h"

/* The median of n floats (reordered), NaN when n = 0. */
static double median(float *v, int n)
{
    return n > 0 ? skinq_quantile_inplace(v, (size_t)n, 0.5) : NAN;
}

/* dir/name into buf (one of PATH_MAX); SKINQ_E_LIMIT when it does not fit. */
static skinq_status join(skinq_ctx *ctx, char *buf, size_t size, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "path too long: '%s/%s'", dir, name);
    return SKINQ_OK;
}

/* dir/truth.json parsed (the caller deletes it). */
static skinq_status load_truth(skinq_ctx *ctx, const char *dir, cJSON **out)
{
    char path[4096];
    skinq_input in;
    skinq_status st = join(ctx, path, sizeof path, dir, "truth.json");
    if (st == SKINQ_OK)
        st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    *out = cJSON_ParseWithLength((const char *)in.data, in.size); /* cJSON's own (global) hooks */
    skinq_input_close(ctx, &in);
    return *out ? SKINQ_OK
                : skinq_fail(ctx, SKINQ_E_FORMAT, "phantom '%s': truth.json is not valid JSON", dir);
}

static double num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* n numbers of the array obj[name] into v; -1 when it is not n finite numbers. */
static int numbers(const cJSON *obj, const char *name, double *v, int n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return -1;
        v[i] = x->valuedouble;
    }
    return 0;
}

/* ---- scar stack: the depth pipeline against the true scars ---- */

/* The true scar k's centroid, equivalent diameter, max depth and volume; -1 when missing. */
static int true_scar(const cJSON *s, double c[2], double *diam, double *depth, double *vol)
{
    *diam = num(s, "equiv_diameter_mm");
    *depth = num(s, "max_depth_mm");
    *vol = num(s, "volume_mm3");
    return numbers(s, "centroid_mm", c, 2) || !(*diam >= 0) || !(*depth > 0) || !(*vol > 0) ? -1 : 0;
}

/* Each true scar matched to the nearest unmatched found one within max(1 mm, its equivalent
 * diameter / 2) (scripts/ps-baseline.py's measure()); counts and median errors into a. */
static skinq_status match_scars(skinq_ctx *ctx, const char *dir, const cJSON *truth, const skinq_scars *sc,
                                skinq_bench_accuracy *a)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(truth, "scars");
    const int nt = cJSON_GetArraySize(list), nf = sc ? sc->count : 0;
    if (!cJSON_IsArray(list) || nt == 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "phantom '%s': truth.json has no \"scars\"", dir);
    char *used = skinq_calloc(ctx, (size_t)nf + 1, 1);
    float *derr = skinq_malloc(ctx, (size_t)nt * sizeof *derr),
          *verr = skinq_malloc(ctx, (size_t)nt * sizeof *verr);
    skinq_status st = used && derr && verr ? SKINQ_OK : SKINQ_E_NOMEM;
    int found = 0;
    for (int k = 0; st == SKINQ_OK && k < nt; k++) {
        double c[2], diam, depth, vol;
        if (true_scar(cJSON_GetArrayItem(list, k), c, &diam, &depth, &vol)) {
            st = skinq_fail(ctx, SKINQ_E_FORMAT,
                            "phantom '%s': truth.json scar %d lacks centroid_mm, "
                            "equiv_diameter_mm, max_depth_mm or volume_mm3",
                            dir, k);
            break;
        }
        int best = -1;
        double best_d = fmax(1.0, diam / 2);
        for (int i = 0; i < nf; i++) {
            double d = hypot(sc->items[i].centroid[0] - c[0], sc->items[i].centroid[1] - c[1]);
            if (!used[i] && d < best_d)
                best = i, best_d = d;
        }
        if (best < 0)
            continue;
        used[best] = 1;
        derr[found] = (float)(100 * fabs(sc->items[best].max_depth - depth) / depth);
        verr[found++] = (float)(100 * fabs(sc->items[best].volume - vol) / vol);
    }
    if (st == SKINQ_OK) {
        a->scars_true = nt;
        a->scars_found = found;
        a->scars_extra = nf - found;
        a->depth_error_pct = median(derr, found);
        a->volume_error_pct = median(verr, found);
    }
    skinq_free(ctx, used);
    skinq_free(ctx, derr);
    skinq_free(ctx, verr);
    return st;
}

/* The normals' angular error (skinq_depth_options.truth_normals' metrics), NaN without them. */
static void normal_errors(const skinq_depth_result *r, double e[3])
{
    static const char *const path[3] = {"surface.normals.truth.mean_error_deg",
                                        "surface.normals.truth.p50_error_deg",
                                        "surface.normals.truth.p95_error_deg"};
    for (int i = 0; i < 3; i++) {
        const skinq_metric *m = skinq_metrics_find(&r->metrics, path[i]);
        e[i] = m ? m->value : NAN;
    }
}

static skinq_status scar_stack(skinq_ctx *ctx, const char *dir, const cJSON *truth, skinq_bench_accuracy *a)
{
    char lights[4096], normals[4096];
    skinq_status st = join(ctx, lights, sizeof lights, dir, "lights.json");
    if (st == SKINQ_OK)
        st = join(ctx, normals, sizeof normals, dir, "normals_true.png");
    skinq_lights *L = NULL;
    if (st == SKINQ_OK && (st = skinq_lights_load(ctx, lights, &L)) == SKINQ_OK)
        a->lights = L->count;
    skinq_lights_free(&L);
    if (st != SKINQ_OK)
        return st;
    skinq_depth_options o;
    skinq_depth_default_options(&o);
    struct stat sb;
    o.truth_normals = stat(normals, &sb) == 0 ? normals : NULL; /* written by the realistic stack */
    skinq_depth_result *r = NULL;
    double t0 = skinq_bench_now();
    st = skinq_depth_from_stack(ctx, lights, NULL, 0, &o, &r);
    a->time_ms = a->time_total_ms = 1e3 * (skinq_bench_now() - t0);
    if (st == SKINQ_OK && !(r->px_per_mm > 0))
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "phantom '%s': lights.json gives no px_per_mm", dir);
    if (st == SKINQ_OK) {
        snprintf(a->method, sizeof a->method, "%s", r->ps_method);
        normal_errors(r, a->normal_error_deg);
        st = match_scars(ctx, dir, truth, r->scars, a);
    }
    skinq_depth_free(&r);
    return st;
}

/* ---- photographed series: registration onto the first image against the true transforms ---- */

/* images[i]'s file (joined to dir) and its transform (image pixel → world pixel); -1 when missing. */
static int shot(const char *dir, const cJSON *images, int i, char *path, size_t size, double M[9])
{
    const cJSON *im = cJSON_GetArrayItem(images, i);
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(im, "file");
    return !cJSON_IsString(file) || numbers(im, "transform", M, 9) ||
                   (size_t)snprintf(path, size, "%s/%s", dir, file->valuestring) >= size
               ? -1
               : 0;
}

/* Register images[i] onto images[0] (loaded as first; M0inv its transform inverted): the corner error
 * appended to err[a->registered] when the fit passed its checks, the time into t[i - 1]. */
static skinq_status register_one(skinq_ctx *ctx, const char *dir, const cJSON *images, int i,
                                 const skinq_image *first, const double M0inv[9], skinq_bench_accuracy *a,
                                 float *err, float *t)
{
    char path[4096];
    double M[9], T[9];
    skinq_image *img = NULL;
    skinq_status st =
        shot(dir, images, i, path, sizeof path, M)
            ? skinq_fail(ctx, SKINQ_E_FORMAT,
                         "phantom '%s': truth.json image %d lacks \"file\" or \"transform\"", dir, i)
            : skinq_image_load(ctx, path, &img, NULL);
    if (st != SKINQ_OK)
        return st;
    skinq_alignment al;
    double t0 = skinq_bench_now();
    st = skinq_align_register(ctx, first, img, NULL, &al);
    t[i - 1] = (float)(1e3 * (skinq_bench_now() - t0));
    if (st == SKINQ_E_ALIGN) /* a poor fit: counted, not measured */
        st = SKINQ_OK;
    if (st == SKINQ_OK && al.ok) {
        skinq_mat3_mul(M0inv, M, T); /* image pixel → world → first image's pixel */
        double e;
        skinq_mat3_corner_error(al.matrix, T, img->width, img->height, &e, NULL);
        err[a->registered++] = (float)e;
        a->ecc_kept += al.ecc_accepted;
        snprintf(a->method, sizeof a->method, "%s", al.method);
    }
    skinq_image_free(&img);
    return st;
}

static skinq_status series(skinq_ctx *ctx, const char *dir, const cJSON *truth, skinq_bench_accuracy *a)
{
    const cJSON *images = cJSON_GetObjectItemCaseSensitive(truth, "images");
    const int n = cJSON_GetArraySize(images);
    char path[4096];
    double M0[9], M0inv[9];
    if (!cJSON_IsArray(images) || n < 2 || shot(dir, images, 0, path, sizeof path, M0) ||
        skinq_mat3_inv(M0, M0inv))
        return skinq_fail(ctx, SKINQ_E_FORMAT,
                          "phantom '%s': truth.json needs \"images\", two or more with \"file\" and an "
                          "invertible \"transform\"",
                          dir);
    skinq_image *first = NULL;
    float *err = skinq_malloc(ctx, (size_t)n * sizeof *err), *t = skinq_malloc(ctx, (size_t)n * sizeof *t);
    skinq_status st = err && t ? skinq_image_load(ctx, path, &first, NULL) : SKINQ_E_NOMEM;
    for (int i = 1; st == SKINQ_OK && i < n; i++)
        st = register_one(ctx, dir, images, i, first, M0inv, a, err, t);
    if (st == SKINQ_OK) {
        a->pairs = n - 1;
        for (int i = 0; i < n - 1; i++)
            a->time_total_ms += t[i];
        a->time_ms = median(t, n - 1);
        double sum = 0, max = a->registered ? 0 : NAN;
        for (int i = 0; i < a->registered; i++)
            sum += err[i], max = fmax(max, err[i]);
        a->corner_error_px[0] = a->registered ? sum / a->registered : NAN;
        a->corner_error_px[1] = max;
        if (a->ecc_kept > 0 && a->ecc_kept < a->registered) /* "akaze+ransac+ecc" on some */
            snprintf(a->method, sizeof a->method, "akaze+ransac(+ecc on %d/%d)", a->ecc_kept, a->registered);
    }
    skinq_image_free(&first);
    skinq_free(ctx, err);
    skinq_free(ctx, t);
    return st;
}

/* ---- the phantoms ---- */

/* One phantom folder. A kind without a measure fails when the folder was named (`named`), else
 * it is listed as skipped. */
static skinq_status phantom(skinq_ctx *ctx, const char *dir, int named, skinq_bench_result *r)
{
    cJSON *truth = NULL;
    skinq_status st = load_truth(ctx, dir, &truth);
    if (st != SKINQ_OK)
        return st;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(truth, "kind");
    skinq_bench_accuracy a = {.dir = (char *)dir, .threads = skinq_ctx_threads(ctx)};
    a.depth_error_pct = a.volume_error_pct = NAN;
    a.normal_error_deg[0] = a.normal_error_deg[1] = a.normal_error_deg[2] = NAN;
    a.corner_error_px[0] = a.corner_error_px[1] = NAN;
    snprintf(a.kind, sizeof a.kind, "%s", cJSON_IsString(kind) ? kind->valuestring : "");
    const int is_stack = !strcmp(a.kind, "scar-stack"), is_series = !strcmp(a.kind, "healing-series") ||
                                                                    !strcmp(a.kind, "recapture") ||
                                                                    !strcmp(a.kind, "course");
    a.measured = is_stack || is_series;
    if (!a.kind[0])
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "phantom '%s': truth.json names no \"kind\"", dir);
    else if (!a.measured && named)
        st = skinq_fail(ctx, SKINQ_E_FORMAT,
                        "phantom '%s': no accuracy measure for kind '%s' (scar-stack, healing-series, "
                        "recapture and course have one)",
                        dir, a.kind);
    else if (is_stack)
        st = scar_stack(ctx, dir, truth, &a);
    else if (is_series)
        st = series(ctx, dir, truth, &a);
    if (st == SKINQ_OK)
        st = skinq_bench_add_accuracy(ctx, r, &a);
    cJSON_Delete(truth);
    return st;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

skinq_status skinq_bench_truth(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    char path[4096];
    skinq_status st = join(ctx, path, sizeof path, o->truth, "truth.json");
    struct stat sb;
    if (st != SKINQ_OK)
        return st;
    if (stat(path, &sb) == 0) { /* a phantom folder */
        skinq_bench_progress(o, "accuracy", 0, 1);
        return phantom(ctx, o->truth, 1, r);
    }
    struct dirent **list = NULL;
    const int n = scandir(o->truth, &list, visible, alphasort);
    if (n < 0)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot read the phantom folder '%s'", o->truth);
    int phantoms = 0;
    for (int i = 0; st == SKINQ_OK && i < n; i++) {
        char sub[4096];
        st = join(ctx, sub, sizeof sub, o->truth, list[i]->d_name);
        if (st == SKINQ_OK && join(ctx, path, sizeof path, sub, "truth.json") == SKINQ_OK &&
            stat(path, &sb) == 0) {
            skinq_bench_progress(o, "accuracy", i, n);
            st = phantom(ctx, sub, 0, r);
            phantoms++;
        }
    }
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    if (st == SKINQ_OK && phantoms == 0)
        st = skinq_fail(ctx, SKINQ_E_FORMAT,
                        "'%s' is not a phantom folder: it holds no truth.json and no folder with one",
                        o->truth);
    return st;
}
