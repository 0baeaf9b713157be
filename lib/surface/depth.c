/* depth.c -- the `depth` pipeline: height map, photometric-stereo stack or single photo → height
 * → reference surface → scars, with every number under the design's metric paths, and maps. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "render/render.h"
#include "surface.h"

#define RAD2DEG (180.0 / 3.14159265358979323846)

void skinq_depth_default_options(skinq_depth_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    skinq_scars_default_options(&o->scars);
    skinq_ps_default_options(&o->ps);
    o->scars.min_depth = 0; /* by unit: 0.05 mm or 1 px */
    o->max_slope = 10;
    o->min_confidence = 0.1;
}

void skinq_depth_free(skinq_depth_result **pr)
{
    if (!pr || !*pr)
        return;
    skinq_depth_result *r = *pr;
    skinq_allocator a = r->alloc;
    skinq_free_raw(&a, r->z);
    skinq_free_raw(&a, r->nx);
    skinq_free_raw(&a, r->ny);
    skinq_free_raw(&a, r->nz);
    skinq_free_raw(&a, r->albedo);
    skinq_free_raw(&a, r->confidence);
    skinq_free_raw(&a, r->shading_index);
    skinq_scars_free(&r->scars);
    skinq_metrics_free(&r->metrics);
    skinq_free_raw(&a, r);
    *pr = NULL;
}

static skinq_depth_result *result_new(skinq_ctx *ctx, const char *input, const skinq_depth_options *o,
                                      double ppm, const char *scale_source)
{
    skinq_depth_result *r = skinq_calloc(ctx, 1, sizeof *r);
    if (!r)
        return NULL;
    r->alloc = ctx->alloc;
    snprintf(r->input, sizeof r->input, "%s", input);
    r->roi = o->scars.mask;
    r->px_per_mm = ppm > 0 ? ppm : 0;
    snprintf(r->scale_source, sizeof r->scale_source, "%s", ppm > 0 ? scale_source : "unknown");
    snprintf(r->xy_unit, sizeof r->xy_unit, "%s", ppm > 0 ? "mm" : "px");
    return r;
}

/* Metrics: the first failure sticks (later adds are skipped). */
typedef struct {
    skinq_ctx *ctx;
    skinq_metrics *m;
    skinq_status st;
} madd;

static void add(madd *a, const char *path, double v, const char *unit)
{
    if (a->st == SKINQ_OK)
        a->st = skinq_metrics_add(a->ctx, a->m, path, v, unit);
}

/* The q-quantile of x[0..n) as a metric. */
static void add_quantile(madd *a, const char *path, const float *x, size_t n, double q, const char *unit)
{
    double v = NAN;
    if (a->st == SKINQ_OK)
        a->st = surface_quantile(a->ctx, x, n, q, &v);
    add(a, path, v, unit);
}

/* A value at a path whose name says mm ("_mm", "_mm2", "_mm3", "centroid_mm."), measured in `unit`:
 * itself when the unit is mm (mm, mm2, mm3), else NaN there (a name that says mm never holds
 * pixels) and the value at the path's "_px" sibling, in its own unit (px, px2, px3, mm*px2). */
static void add_mm(madd *a, const char *path, double v, const char *unit)
{
    const char *mm = strstr(path, "_mm");
    if (!mm) {
        add(a, path, v, unit);
        return;
    }
    const int dim = mm[3] == '2' || mm[3] == '3'; /* an area or a volume */
    char mm_unit[8], px[80];
    snprintf(mm_unit, sizeof mm_unit, "mm%.*s", dim, mm + 3);
    if (strcmp(unit, mm_unit) == 0) {
        add(a, path, v, unit);
        return;
    }
    add(a, path, NAN, mm_unit);
    snprintf(px, sizeof px, "%.*s_px%s", (int)(mm - path), path, mm + 3 + dim);
    add(a, px, v, unit);
}

static void addf(madd *a, double v, const char *unit, const char *fmt, int i, const char *leaf)
{
    char path[80];
    snprintf(path, sizeof path, fmt, i, leaf);
    add_mm(a, path, v, unit);
}

static const char *mask_name(const skinq_depth_options *o)
{
    return o->mask_name ? o->mask_name : "the mask";
}

/* The mask (if any) must cover the input exactly: a bad input file, named. */
static skinq_status check_mask(skinq_ctx *ctx, const skinq_depth_options *o, int w, int h, const char *input)
{
    const skinq_mask *m = o->scars.mask;
    if (!m || (m->width == w && m->height == h))
        return SKINQ_OK;
    return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use mask '%s': it is %dx%d but '%s' is %dx%d",
                      mask_name(o), m->width, m->height, input, w, h);
}

/* Scars on r->z, and the surface.* / scars.* metrics (units follow z_unit / xy_unit). */
static skinq_status measure_scars(skinq_ctx *ctx, skinq_depth_result *r, const float *z,
                                  const skinq_depth_options *o, const char *input)
{
    skinq_scars_options so = o->scars;
    if (!(so.min_depth > 0))
        so.min_depth = strcmp(r->z_unit, "px") == 0 ? 1.0 : 0.05;
    r->min_depth = so.min_depth;
    skinq_status st = check_mask(ctx, o, r->width, r->height, input);
    if (st == SKINQ_OK)
        st = skinq_scars_find(ctx, z, r->width, r->height, r->px_per_mm, &so, &r->scars);
    if (st == SKINQ_E_EMPTY_ROI)
        return so.mask
                   ? skinq_fail(ctx, st,
                                "cannot fit a reference surface to '%s': mask '%s' covers every usable pixel",
                                input, mask_name(o))
                   : skinq_fail(ctx, st, "cannot fit a reference surface to '%s': no usable height", input);
    if (st != SKINQ_OK)
        return st;
    const skinq_scars *s = r->scars;
    char zu[12], au[12], vu[24];
    snprintf(zu, sizeof zu, "%s", r->z_unit);
    snprintf(au, sizeof au, "%s2", r->xy_unit);
    if (strcmp(r->z_unit, r->xy_unit) == 0)
        snprintf(vu, sizeof vu, "%s3", r->xy_unit);
    else
        snprintf(vu, sizeof vu, "%s*%s2", r->z_unit, r->xy_unit);
    madd a = {ctx, &r->metrics, SKINQ_OK};
    add_mm(&a, "surface.sa_mm", s->sa, zu);
    add_mm(&a, "surface.sq_mm", s->sq, zu);
    add(&a, "scars.count", s->count, "1");
    add_mm(&a, "scars.max_depth_mm", s->max_depth, zu);
    add_mm(&a, "scars.mean_depth_mm", s->mean_depth, zu);
    add_mm(&a, "scars.area_mm2", s->area, au);
    add_mm(&a, "scars.volume_mm3", s->volume, vu);
    for (int i = 0; i < s->count; i++) {
        const skinq_scar *sc = &s->items[i];
        const char *f = "scars.items.%d.%s";
        addf(&a, sc->max_depth, zu, f, i, "max_depth_mm");
        addf(&a, sc->mean_depth, zu, f, i, "mean_depth_mm");
        addf(&a, sc->area, au, f, i, "area_mm2");
        addf(&a, sc->volume, vu, f, i, "volume_mm3");
        addf(&a, sc->equiv_diameter, r->xy_unit, f, i, "equiv_diameter_mm");
        addf(&a, sc->centroid[0], r->xy_unit, f, i, "centroid_mm.0");
        addf(&a, sc->centroid[1], r->xy_unit, f, i, "centroid_mm.1");
    }
    return a.st;
}

skinq_status skinq_depth_from_height(skinq_ctx *ctx, const char *path, const skinq_depth_options *o,
                                     skinq_depth_result **out)
{
    skinq_depth_options def;
    skinq_status ost = SKINQ_OPTIONS_TAKE(ctx, &def, o, skinq_depth_default_options, "skinq_depth_options");
    if (ost != SKINQ_OK)
        return ost;
    o = &def;
    skinq_depth_result *r = result_new(ctx, "height-map", o, o->px_per_mm, "option");
    if (!r)
        return SKINQ_E_NOMEM;
    snprintf(r->z_unit, sizeof r->z_unit, "mm");
    skinq_heightmap *hm = NULL;
    skinq_status st = skinq_heightmap_load(ctx, path, o->z_scale, &hm);
    if (st == SKINQ_OK) {
        /* the result takes the heights over (both belong to ctx's allocator) */
        r->width = hm->width;
        r->height = hm->height;
        r->z = hm->data;
        hm->data = NULL;
        skinq_heightmap_free(&hm);
        st = measure_scars(ctx, r, r->z, o, path);
    }
    if (st != SKINQ_OK) {
        skinq_depth_free(&r);
        return st;
    }
    *out = r;
    return SKINQ_OK;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Image path for each light: by name when every light names an image and each given path's
 * file name matches exactly one of them, else by order. */
static skinq_status match_images(skinq_ctx *ctx, const skinq_lights *L, const char *lights_path,
                                 const char *const *images, int n, const char **paths)
{
    if (n == 0) {
        for (int k = 0; k < L->count; k++) {
            if (!L->items[k].image)
                return skinq_fail(ctx, SKINQ_E_FORMAT,
                                  "cannot use lights file '%s': light %d names no image and none were given",
                                  lights_path, k);
            paths[k] = L->items[k].image;
        }
        return SKINQ_OK;
    }
    if (n != L->count)
        return skinq_fail(ctx, SKINQ_E_FORMAT,
                          "cannot use lights file '%s': it has %d light%s but %d image%s given", lights_path,
                          L->count, L->count == 1 ? "" : "s", n, n == 1 ? " was" : "s were");
    int by_name = 1;
    for (int k = 0; k < L->count && by_name; k++)
        by_name = L->items[k].image != NULL;
    for (int i = 0; i < n && by_name; i++) {
        int hits = 0;
        for (int k = 0; k < L->count; k++)
            hits += strcmp(base_name(images[i]), base_name(L->items[k].image)) == 0;
        by_name = hits == 1;
    }
    for (int k = 0; k < L->count; k++)
        paths[k] = NULL;
    for (int i = 0; i < n; i++) {
        int k = i;
        if (by_name)
            for (k = 0; k < L->count; k++)
                if (strcmp(base_name(images[i]), base_name(L->items[k].image)) == 0)
                    break;
        if (paths[k])
            return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use '%s': two images match light %d of '%s'",
                              images[i], k, lights_path);
        paths[k] = images[i];
    }
    return SKINQ_OK;
}

/* Normal-map angular statistics (tilt from the viewing axis), albedo, confidence and outcome
 * fractions, over the solved pixels of the region (the background is code SKINQ_PS_INVALID and
 * not counted: fractions are of the region's pixels). */
static skinq_status ps_metrics(skinq_ctx *ctx, skinq_depth_result *r, const uint8_t *code,
                               const skinq_ps_counts *cnt, size_t n_region)
{
    size_t n = (size_t)r->width * (size_t)r->height;
    float *tilt = skinq_malloc(ctx, n * sizeof *tilt);
    if (!tilt)
        return SKINQ_E_NOMEM;
    double sx = 0, sy = 0, sz = 0, st_ = 0, sa = 0, sc = 0;
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (code[i] == SKINQ_PS_INVALID) {
            tilt[i] = NAN;
            continue;
        }
        double z = r->nz[i] > 1 ? 1 : r->nz[i] < -1 ? -1 : r->nz[i];
        tilt[i] = (float)(acos(z) * RAD2DEG);
        sx += r->nx[i];
        sy += r->ny[i];
        sz += r->nz[i];
        st_ += tilt[i];
        sa += r->albedo[i];
        sc += r->confidence[i];
        nv++;
    }
    madd a = {ctx, &r->metrics, SKINQ_OK};
    double inv = nv ? 1.0 / (double)nv : NAN, nr = n_region ? (double)n_region : NAN;
    add(&a, "surface.normals.valid_fraction", (double)nv / nr, "1");
    add(&a, "surface.normals.mean_tilt_deg", st_ * inv, "deg");
    add_quantile(&a, "surface.normals.p50_tilt_deg", tilt, n, 0.5, "deg");
    add_quantile(&a, "surface.normals.p95_tilt_deg", tilt, n, 0.95, "deg");
    double mx = sx * inv, my = sy * inv, mz = sz * inv, mn = sqrt(mx * mx + my * my + mz * mz);
    add(&a, "surface.normals.mean_direction.0", mx / mn, "1");
    add(&a, "surface.normals.mean_direction.1", my / mn, "1");
    add(&a, "surface.normals.mean_direction.2", mz / mn, "1");
    add(&a, "surface.normals.shadow_rejected_fraction", (double)(cnt->no_darkest + cnt->no_both) / nr, "1");
    add(&a, "surface.normals.highlight_rejected_fraction", (double)(cnt->no_brightest + cnt->no_both) / nr,
        "1");
    add(&a, "surface.normals.confidence_mean", sc * inv, "1");
    if (cnt->lobe_exponent > 0) /* method lobe: the stack's specular exponent (Blinn-Phong q) */
        add(&a, "surface.normals.lobe_exponent", cnt->lobe_exponent, "1");
    add(&a, "surface.albedo.mean", sa * inv, "relative");
    skinq_free(ctx, tilt);
    return a.st;
}

/* A DiLiGenT normal.txt: one "nx ny nz" line per pixel, row-major over (row, column), blank
 * lines ignored; the w×h×3 values into t (the caller's). */
static skinq_status truth_text(skinq_ctx *ctx, const char *path, int w, int h, const char *input, float *t)
{
    char *text = NULL;
    skinq_status st = surface_read_text(ctx, path, "truth normals", (size_t)skinq_ctx_max_bytes(ctx), &text);
    if (st != SKINQ_OK)
        return st;
    const size_t n = (size_t)w * (size_t)h;
    size_t rows = 0, lineno = 0;
    for (char *p = text, *next; st == SKINQ_OK && *p; p = next) {
        char *e = strchr(p, '\n');
        next = e ? e + 1 : p + strlen(p);
        if (e)
            *e = '\0'; /* strtod stays on the line */
        lineno++;
        double v[3];
        int k = 0;
        char *q = p;
        for (; k < 3; k++) {
            char *end;
            v[k] = strtod(q, &end);
            if (end == q || !isfinite(v[k]))
                break;
            q = end;
        }
        while (isspace((unsigned char)*q))
            q++;
        if (k == 0 && !*q) /* a blank line */
            continue;
        if (k < 3 || *q)
            st = skinq_fail(ctx, SKINQ_E_FORMAT,
                            "cannot use truth normals '%s': line %zu is not \"nx ny nz\"", path, lineno);
        else if (rows < n)
            for (int c = 0; c < 3; c++)
                t[3 * rows + (size_t)c] = (float)v[c];
        rows++;
    }
    if (st == SKINQ_OK && rows != n)
        st = skinq_fail(ctx, SKINQ_E_FORMAT,
                        "cannot use truth normals '%s': it has %zu rows but '%s' is %dx%d (%zu pixels)", path,
                        rows, input, w, h, n);
    skinq_free(ctx, text);
    return st;
}

/* A true normal map image (16-bit RGB, (n + 1)/2 × 65535; 8-bit: × 255) into t (w×h×3). */
static skinq_status truth_image(skinq_ctx *ctx, const char *path, int w, int h, const char *input, float *t)
{
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st != SKINQ_OK)
        return st;
    if (img->channels < 3)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use truth normals '%s': not an RGB image", path);
    else if (img->width != w || img->height != h)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use truth normals '%s': it is %dx%d but '%s' is %dx%d",
                        path, img->width, img->height, input, w, h);
    const double full = img->depth == 16 ? 65535.0 : 255.0;
    for (int y = 0; st == SKINQ_OK && y < h; y++) {
        const uint8_t *row8 = skinq_image_row(img, y);
        const uint16_t *row16 = (const uint16_t *)row8;
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * (size_t)w + (size_t)x, c = (size_t)x * (size_t)img->channels;
            for (int k = 0; k < 3; k++)
                t[3 * i + (size_t)k] =
                    (float)((img->depth == 16 ? row16[c + k] : row8[c + k]) / full * 2 - 1);
        }
    }
    skinq_image_free(&img);
    return st;
}

/* True normals from a name ending in ".txt" (any case): a DiLiGenT normal.txt; else an image. */
static int truth_is_text(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && path[n - 4] == '.' && (path[n - 3] | 32) == 't' && (path[n - 2] | 32) == 'x' &&
           (path[n - 1] | 32) == 't';
}

/* Angular error against true normals (truth_text() or truth_image(); zero or very short vectors:
 * no truth there) over the solved pixels of the region:
 * surface.normals.truth.{mean,p50,p95}_error_deg, pixels. */
static skinq_status truth_metrics(skinq_ctx *ctx, skinq_depth_result *r, const uint8_t *code,
                                  const char *path, const char *input)
{
    size_t n = (size_t)r->width * (size_t)r->height;
    float *t = skinq_malloc(ctx, 3 * n * sizeof *t), *err = skinq_malloc(ctx, n * sizeof *err);
    skinq_status st = t && err ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK)
        st = truth_is_text(path) ? truth_text(ctx, path, r->width, r->height, input, t)
                                 : truth_image(ctx, path, r->width, r->height, input, t);
    double sum = 0;
    size_t cnt = 0;
    for (size_t i = 0; st == SKINQ_OK && i < n; i++) {
        const float *ti = t + 3 * i;
        double tn = sqrt((double)ti[0] * ti[0] + (double)ti[1] * ti[1] + (double)ti[2] * ti[2]);
        if (code[i] == SKINQ_PS_INVALID || !(tn > 0.5)) {
            err[i] = NAN;
            continue;
        }
        double d = (ti[0] * r->nx[i] + ti[1] * r->ny[i] + ti[2] * r->nz[i]) / tn;
        err[i] = (float)(acos(d > 1 ? 1 : d < -1 ? -1 : d) * RAD2DEG);
        sum += err[i];
        cnt++;
    }
    madd a = {ctx, &r->metrics, st};
    add(&a, "surface.normals.truth.pixels", (double)cnt, "1");
    add(&a, "surface.normals.truth.mean_error_deg", cnt ? sum / (double)cnt : NAN, "deg");
    add_quantile(&a, "surface.normals.truth.p50_error_deg", err, n, 0.5, "deg");
    add_quantile(&a, "surface.normals.truth.p95_error_deg", err, n, 0.95, "deg");
    skinq_free(ctx, t);
    skinq_free(ctx, err);
    return a.st;
}

/* Flat-field calibration: the light's image of a flat, uniform card, smoothed (a local quadratic
 * fit over min(w, h)/16), is its irradiance across the field up to a constant; the plane is divided
 * by it over its mean, so the stated intensity still holds on average and the falloff (a near
 * LED's, a reflector's) is gone. Pixels where the card is below 5 % of its mean are left as they
 * are. tmp: 2·w·h floats. */
static skinq_status apply_flat(skinq_ctx *ctx, const skinq_light *l, const float gain[3], const char *image,
                               int w, int h, float *plane, float *tmp)
{
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(ctx, l->flat, &img, NULL);
    if (st != SKINQ_OK)
        return st;
    size_t np = (size_t)w * (size_t)h;
    if (img->width != w || img->height != h)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use flat field '%s': it is %dx%d but '%s' is %dx%d",
                        l->flat, img->width, img->height, image, w, h);
    if (st == SKINQ_OK) {
        surface_image_to_linear_gains(img, gain, tmp);
        st = surface_reference(ctx, tmp, w, h, NULL, (w < h ? w : h) / 16.0, 1e30, 1e30, 1, tmp + np);
    }
    skinq_image_free(&img);
    double mean = 0;
    for (size_t i = 0; st == SKINQ_OK && i < np; i++)
        mean += tmp[np + i];
    mean /= (double)np;
    if (st == SKINQ_OK && !(mean > 1e-4))
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use flat field '%s': it is dark (mean %.3g)", l->flat,
                        mean);
    for (size_t i = 0; st == SKINQ_OK && i < np; i++)
        if (tmp[np + i] > 0.05 * mean)
            plane[i] = (float)(plane[i] * mean / tmp[np + i]);
    return st;
}

/* Every image of the stack: the same size, converted to linear luminance planes (rows[k] in
 * *planes, which the caller frees). */
static skinq_status load_stack(skinq_ctx *ctx, const skinq_lights *L, const char *const *paths,
                               const skinq_depth_options *o, float **planes, const float **rows, int *pw,
                               int *ph)
{
    int w = 0, h = 0;
    size_t np = 0;
    float *flat_tmp = NULL;
    skinq_status st = SKINQ_OK;
    for (int k = 0; st == SKINQ_OK && k < L->count; k++) {
        skinq_image *img = NULL;
        st = skinq_image_load(ctx, paths[k], &img, NULL);
        if (st != SKINQ_OK)
            break;
        if (k == 0) {
            w = img->width;
            h = img->height;
            np = (size_t)w * (size_t)h;
            size_t bytes;
            st = check_mask(ctx, o, w, h, paths[0]);
            if (st == SKINQ_OK && o->region && (o->region->width != w || o->region->height != h))
                st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use region '%s': it is %dx%d but '%s' is %dx%d",
                                o->region_name ? o->region_name : "the region", o->region->width,
                                o->region->height, paths[0], w, h);
            if (st == SKINQ_OK && (skinq_mul_size(np * sizeof(float), (size_t)L->count, &bytes) != 0 ||
                                   !(*planes = skinq_malloc(ctx, bytes))))
                st = skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory for %d images of %dx%d", L->count, w, h);
        } else if (img->width != w || img->height != h) {
            st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use '%s': it is %dx%d but '%s' is %dx%d", paths[k],
                            img->width, img->height, paths[0], w, h);
        }
        if (st == SKINQ_OK) {
            /* each channel divided by its own intensity, times the plan's (luminance) intensity */
            const skinq_light *l = &L->items[k];
            float gain[3];
            for (int c = 0; c < 3; c++)
                gain[c] = l->intensity_rgb[c] > 0 ? (float)(l->intensity / l->intensity_rgb[c]) : 1.0f;
            surface_image_to_linear_gains(img, gain, *planes + (size_t)k * np);
            rows[k] = *planes + (size_t)k * np;
            if (l->flat && !flat_tmp && !(flat_tmp = skinq_malloc(ctx, 2 * np * sizeof *flat_tmp)))
                st = SKINQ_E_NOMEM;
            if (st == SKINQ_OK && l->flat)
                st = apply_flat(ctx, l, gain, paths[k], w, h, *planes + (size_t)k * np, flat_tmp);
        }
        skinq_image_free(&img);
    }
    skinq_free(ctx, flat_tmp);
    *pw = w;
    *ph = h;
    return st;
}

/* Per-pixel normals, albedo and validity codes (photometric stereo over the planes). */
static skinq_status stack_normals(skinq_ctx *ctx, const skinq_ps_plan *plan, const float *const *rows,
                                  const skinq_mask *region, skinq_depth_result *r, uint8_t **code,
                                  skinq_ps_counts *cnt)
{
    const int w = r->width, h = r->height;
    size_t np = (size_t)w * (size_t)h;
    r->nx = skinq_malloc(ctx, np * sizeof(float));
    r->ny = skinq_malloc(ctx, np * sizeof(float));
    r->nz = skinq_malloc(ctx, np * sizeof(float));
    r->albedo = skinq_malloc(ctx, np * sizeof(float));
    r->confidence = skinq_malloc(ctx, np * sizeof(float));
    r->z = skinq_malloc(ctx, np * sizeof(float));
    *code = skinq_malloc(ctx, np);
    if (!r->nx || !r->ny || !r->nz || !r->albedo || !r->confidence || !r->z || !*code)
        return SKINQ_E_NOMEM;
    return skinq_ps_execute_ex(ctx, plan, rows, w, h, (size_t)w, region ? region->data : NULL,
                               region ? region->stride : 0, r->nx, r->ny, r->nz, r->albedo, r->confidence,
                               *code, cnt);
}

#define DEBLUR_LAMBDA 1e-2 /* Wiener noise-to-signal: the gain stays below 5 where the blur left noise */

/* Undo the translucency blur of the shading: the solved normals are the true ones convolved with
 * the scattering kernel (I_k = albedo · (G * n) · s_k while no light is shadowed), so each
 * component is deconvolved and the result renormalised. Pixels without a solution enter as the
 * flat normal and stay unsolved. */
static skinq_status deblur_normals(skinq_ctx *ctx, skinq_depth_result *r, const uint8_t *code,
                                   double sigma_mm)
{
    size_t np = (size_t)r->width * (size_t)r->height;
    skinq_integrator *integ = NULL;
    skinq_status st = skinq_integrator_new(ctx, r->width, r->height, &integ);
    if (st != SKINQ_OK)
        return st;
    float *comp[3] = {r->nx, r->ny, r->nz};
    for (int c = 0; c < 3; c++) {
        for (size_t i = 0; i < np; i++)
            if (!isfinite(comp[c][i]))
                comp[c][i] = c == 2 ? 1.0f : 0.0f;
        skinq_integrator_deblur(ctx, integ, comp[c], sigma_mm * r->px_per_mm, DEBLUR_LAMBDA, comp[c]);
    }
    skinq_integrator_free(&integ);
    for (size_t i = 0; i < np; i++) {
        float z = r->nz[i] > 1e-3f ? r->nz[i] : 1e-3f; /* a normal facing the camera's half-space */
        float n = sqrtf(r->nx[i] * r->nx[i] + r->ny[i] * r->ny[i] + z * z);
        int bad = code[i] == SKINQ_PS_INVALID; /* as the solver leaves them: facing the camera */
        r->nx[i] = bad ? 0.0f : r->nx[i] / n;
        r->ny[i] = bad ? 0.0f : r->ny[i] / n;
        r->nz[i] = bad ? 1.0f : z / n;
    }
    return SKINQ_OK;
}

/* Heights: normals → gradients → Frankot–Chellappa, in mm with a scale (px without), NaN where
 * no light gave a signal. */
static skinq_status stack_heights(skinq_ctx *ctx, skinq_depth_result *r, const uint8_t *code,
                                  const skinq_ps_counts *cnt, const skinq_depth_options *o,
                                  const char *lights_path)
{
    size_t np = (size_t)r->width * (size_t)r->height;
    skinq_integrator *integ = NULL;
    skinq_status st = skinq_integrator_new(ctx, r->width, r->height, &integ);
    float *gp = skinq_malloc(ctx, np * sizeof(float)), *gq = skinq_malloc(ctx, np * sizeof(float));
    if (st == SKINQ_OK && (!gp || !gq))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        skinq_normals_to_gradients(r->nx, r->ny, r->nz, np, o->max_slope, gp, gq);
        if (o->region)
            st = skinq_integrate_region(ctx, integ, gp, gq, o->region->data, o->region->stride, 0, r->z);
        else
            skinq_integrate(ctx, integ, gp, gq, r->z);
        double k = r->px_per_mm > 0 ? 1.0 / r->px_per_mm : 1.0;
        for (size_t i = 0; i < np; i++)
            r->z[i] = code[i] == SKINQ_PS_INVALID ? NAN : (float)(r->z[i] * k);
        if (st == SKINQ_OK && cnt->all + cnt->no_darkest + cnt->no_brightest + cnt->no_both == 0)
            st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no pixel of the stack '%s' has any light signal",
                            lights_path);
    }
    skinq_free(ctx, gp);
    skinq_free(ctx, gq);
    skinq_integrator_free(&integ);
    return st;
}

/* The heights the scars see: NaN where the confidence is below min_confidence × its median over
 * the solved pixels (highlights, hair, grazing and shadowed pixels report no scar). */
static skinq_status confident_heights(skinq_ctx *ctx, const skinq_depth_result *r,
                                      const skinq_depth_options *o, float **out)
{
    size_t np = (size_t)r->width * (size_t)r->height;
    float *zs = skinq_malloc(ctx, np * sizeof *zs);
    if (!zs)
        return SKINQ_E_NOMEM;
    for (size_t i = 0; i < np; i++)
        zs[i] = isfinite(r->z[i]) ? r->confidence[i] : NAN;
    double med = NAN;
    skinq_status st = surface_quantile(ctx, zs, np, 0.5, &med);
    double lim = o->min_confidence > 0 && isfinite(med) ? o->min_confidence * med : -1;
    for (size_t i = 0; i < np; i++)
        zs[i] = r->confidence[i] >= lim ? r->z[i] : NAN;
    if (st != SKINQ_OK) {
        skinq_free(ctx, zs);
        return st;
    }
    *out = zs;
    return SKINQ_OK;
}

skinq_status skinq_depth_from_stack(skinq_ctx *ctx, const char *lights_path, const char *const *images, int n,
                                    const skinq_depth_options *o, skinq_depth_result **out)
{
    skinq_depth_options def;
    skinq_status ost = SKINQ_OPTIONS_TAKE(ctx, &def, o, skinq_depth_default_options, "skinq_depth_options");
    if (ost != SKINQ_OK)
        return ost;
    o = &def;
    skinq_lights *L = NULL;
    skinq_ps_plan *plan = NULL;
    skinq_depth_result *r = NULL;
    float *planes = NULL;
    uint8_t *code = NULL;
    const float *rows[SKINQ_LIGHTS_MAX];
    const char *paths[SKINQ_LIGHTS_MAX];
    skinq_ps_counts cnt;
    skinq_status st = skinq_lights_load(ctx, lights_path, &L);
    if (st == SKINQ_OK)
        st = skinq_ps_plan_new(ctx, L, lights_path, &o->ps, &plan);
    if (st == SKINQ_OK)
        st = match_images(ctx, L, lights_path, images, n, paths);
    if (st == SKINQ_OK) {
        double ppm = o->px_per_mm > 0 ? o->px_per_mm : L->px_per_mm;
        r = result_new(ctx, "photometric-stereo", o, ppm, o->px_per_mm > 0 ? "option" : "lights-file");
        if (!r)
            st = SKINQ_E_NOMEM;
    }
    if (st == SKINQ_OK)
        st = load_stack(ctx, L, paths, o, &planes, rows, &r->width, &r->height);
    if (st == SKINQ_OK) {
        r->relative = r->px_per_mm > 0 ? 0 : 1;
        snprintf(r->z_unit, sizeof r->z_unit, "%s", r->px_per_mm > 0 ? "mm" : "px");
        snprintf(r->ps_method, sizeof r->ps_method, "%s", skinq_ps_method_name(skinq_ps_plan_method(plan)));
        st = stack_normals(ctx, plan, rows, o->region, r, &code, &cnt);
    }
    skinq_free(ctx, planes);
    if (st == SKINQ_OK && o->translucency_mm > 0)
        st = r->px_per_mm > 0 ? deblur_normals(ctx, r, code, o->translucency_mm)
                              : skinq_fail(ctx, SKINQ_E_INVALID,
                                           "cannot undo a translucency of %g mm for '%s': no lateral scale "
                                           "(px_per_mm in the lights file or --px-per-mm)",
                                           o->translucency_mm, lights_path);
    if (st == SKINQ_OK)
        st = stack_heights(ctx, r, code, &cnt, o, lights_path);
    if (st == SKINQ_OK)
        st = ps_metrics(ctx, r, code, &cnt,
                        o->region ? skinq_mask_count(o->region) : (size_t)r->width * (size_t)r->height);
    if (st == SKINQ_OK && o->truth_normals)
        st = truth_metrics(ctx, r, code, o->truth_normals, paths[0]);
    float *zs = NULL;
    if (st == SKINQ_OK)
        st = confident_heights(ctx, r, o, &zs);
    if (st == SKINQ_OK)
        st = measure_scars(ctx, r, zs, o, lights_path);
    skinq_free(ctx, zs);
    skinq_free(ctx, code);
    skinq_ps_plan_free(&plan);
    skinq_lights_free(&L);
    if (st != SKINQ_OK) {
        skinq_depth_free(&r);
        return st;
    }
    *out = r;
    return SKINQ_OK;
}

skinq_status skinq_depth_from_photo(skinq_ctx *ctx, const char *path, const skinq_depth_options *o,
                                    skinq_depth_result **out)
{
    skinq_depth_options def;
    skinq_status ost = SKINQ_OPTIONS_TAKE(ctx, &def, o, skinq_depth_default_options, "skinq_depth_options");
    if (ost != SKINQ_OK)
        return ost;
    o = &def;
    skinq_image *img = NULL;
    float *logy = NULL, *ref = NULL;
    skinq_depth_result *r = result_new(ctx, "single-photo", o, o->px_per_mm, "option");
    skinq_status st = r ? skinq_image_load(ctx, path, &img, NULL) : SKINQ_E_NOMEM;
    const skinq_mask *roi = o->scars.mask;
    if (st == SKINQ_OK)
        st = check_mask(ctx, o, img->width, img->height, path);
    size_t n = 0;
    if (st == SKINQ_OK) {
        r->width = img->width;
        r->height = img->height;
        r->relative = 1;
        snprintf(r->z_unit, sizeof r->z_unit, "relative");
        n = (size_t)img->width * (size_t)img->height;
        logy = skinq_malloc(ctx, n * sizeof *logy);
        ref = skinq_malloc(ctx, n * sizeof *ref);
        r->shading_index = skinq_malloc(ctx, n * sizeof(float));
        if (!logy || !ref || !r->shading_index)
            st = SKINQ_E_NOMEM;
    }
    if (st == SKINQ_OK) {
        surface_image_to_linear(img, logy);
        for (size_t i = 0; i < n; i++)
            logy[i] = logf(logy[i] > 1e-4f ? logy[i] : 1e-4f);
        double sigma = r->px_per_mm > 0 ? 0.5 * o->scars.ref_scale_mm * r->px_per_mm
                                        : (img->width < img->height ? img->width : img->height) / 20.0;
        /* darker than the reference by 5 % or more does not shape it */
        st = surface_reference(ctx, logy, img->width, img->height, NULL, sigma, 0.05, 0.05, 10, ref);
    }
    if (st == SKINQ_OK) {
        double sum = 0, mx = 0;
        size_t cnt = 0, dark = 0;
        for (size_t i = 0; i < n; i++) {
            float v = 1.0f - expf(logy[i] - ref[i]);
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            int in = !roi || roi->data[(i / (size_t)r->width) * roi->stride + i % (size_t)r->width];
            r->shading_index[i] = in ? v : NAN;
            if (!in)
                continue;
            sum += v;
            mx = v > mx ? v : mx;
            dark += v > 0.1f;
            cnt++;
        }
        if (cnt == 0)
            st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "cannot measure '%s': mask '%s' selects no pixel", path,
                            mask_name(o));
        madd a = {ctx, &r->metrics, st};
        add(&a, "surface.shading_index.mean", cnt ? sum / (double)cnt : NAN, "relative");
        add_quantile(&a, "surface.shading_index.p50", r->shading_index, n, 0.5, "relative");
        add_quantile(&a, "surface.shading_index.p95", r->shading_index, n, 0.95, "relative");
        add(&a, "surface.shading_index.max", mx, "relative");
        add(&a, "surface.shading_index.area_fraction", cnt ? (double)dark / (double)cnt : NAN, "1");
        st = a.st;
    }
    skinq_image_free(&img);
    skinq_free(ctx, logy);
    skinq_free(ctx, ref);
    if (st != SKINQ_OK) {
        skinq_depth_free(&r);
        return st;
    }
    *out = r;
    return SKINQ_OK;
}

/* ------------------------------------------------------------------ maps */

/* The maps of one call: each is written complete under a staging name (NAME.partial, itself
 * written atomically), and all are renamed into place only once every one is written, so a
 * failure part-way leaves none of them (design §4: no partial outputs). */
#define MAPS_MAX 8
typedef struct {
    const char *dir;
    const char *names[MAPS_MAX];
    int n;
} map_set;

static int map_file(char *buf, size_t n, const char *dir, const char *name, const char *suffix)
{
    int k = snprintf(buf, n, "%s/%s%s", dir, name, suffix);
    return k >= 0 && (size_t)k < n;
}

/* The staging path of map `name` into buf, remembered for commit or cleanup. */
static skinq_status map_stage(skinq_ctx *ctx, map_set *set, const char *name, char *buf, size_t n)
{
    if (!map_file(buf, n, set->dir, name, ".partial"))
        return skinq_fail(ctx, SKINQ_E_IO, "cannot write maps into '%s': path too long", set->dir);
    set->names[set->n++] = name;
    return SKINQ_OK;
}

/* Remove every map of the set: the staged files, and (after a failed commit) the renamed ones. */
static void map_cleanup(const map_set *set, int committed)
{
    char path[4096];
    for (int i = 0; i < set->n; i++) {
        if (map_file(path, sizeof path, set->dir, set->names[i], ".partial"))
            unlink(path);
        if (i < committed && map_file(path, sizeof path, set->dir, set->names[i], ""))
            unlink(path);
    }
}

static skinq_status map_commit(skinq_ctx *ctx, map_set *set, skinq_status st)
{
    char from[4096], to[4096];
    int done = 0;
    for (; st == SKINQ_OK && done < set->n; done++) {
        map_file(from, sizeof from, set->dir, set->names[done], ".partial");
        map_file(to, sizeof to, set->dir, set->names[done], "");
        if (rename(from, to) != 0) {
            st = skinq_fail(ctx, SKINQ_E_IO, "cannot write map '%s': %s", to, strerror(errno));
            break;
        }
    }
    if (st != SKINQ_OK)
        map_cleanup(set, done);
    return st;
}

/* Range for a colour map: p0.5 .. p99.5 of the finite values (widened if flat). */
static skinq_status robust_range(skinq_ctx *ctx, const float *v, size_t n, double *lo, double *hi)
{
    skinq_status st = surface_quantile(ctx, v, n, 0.005, lo);
    if (st == SKINQ_OK)
        st = surface_quantile(ctx, v, n, 0.995, hi);
    if (st != SKINQ_OK)
        return st;
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
    }
    if (!(*hi > *lo)) {
        double c = *lo;
        *lo = c - 0.5 * (fabs(c) > 0 ? fabs(c) * 1e-3 : 1e-3);
        *hi = c + 0.5 * (fabs(c) > 0 ? fabs(c) * 1e-3 : 1e-3);
    }
    return SKINQ_OK;
}

/* 8-bit gray base for the outlines: the albedo (scaled to its p99), else a hill-shade of z. */
static void base_gray(const skinq_depth_result *r, double scale, uint8_t *g)
{
    int w = r->width, h = r->height;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * (size_t)w + (size_t)x;
            double v;
            if (r->albedo) {
                v = r->albedo[i] * scale;
            } else {
                int xl = x ? x - 1 : x, xr = x < w - 1 ? x + 1 : x, yu = y ? y - 1 : y,
                    yd = y < h - 1 ? y + 1 : y;
                double k = r->px_per_mm > 0 ? r->px_per_mm : 1;
                double p =
                    (r->z[(size_t)y * w + xr] - r->z[(size_t)y * w + xl]) * k / (xr - xl > 0 ? xr - xl : 1);
                double q =
                    (r->z[(size_t)yd * w + x] - r->z[(size_t)yu * w + x]) * k / (yd - yu > 0 ? yd - yu : 1);
                /* light from the upper left: l = (-1, 1, 2)/√6 in x right, y up; normal (−p, q, 1) */
                double nrm = sqrt(p * p + q * q + 1);
                v = isfinite(nrm) ? (p * 1 + q * 1 + 2) / (sqrt(6.0) * nrm) : 0;
                v = 0.15 + 0.85 * (v > 0 ? v : 0);
            }
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            g[i] = (uint8_t)lround(v * 255);
        }
}

skinq_status skinq_depth_write_maps(skinq_ctx *ctx, const skinq_depth_result *r, const char *dir)
{
    char path[4096];
    map_set set = {dir, {NULL}, 0};
    skinq_status st = skinq_dir_ensure(ctx, dir);
    int w = r->width, h = r->height;
    size_t n = (size_t)w * (size_t)h;
    if (st == SKINQ_OK && r->shading_index) {
        st = map_stage(ctx, &set, "shading.png", path, sizeof path);
        if (st == SKINQ_OK)
            st = skinq_heatmap_write(ctx, path, r->shading_index, (size_t)w, w, h, NULL, 0, 0.0, 0.5,
                                     SKINQ_CMAP_MAGMA);
        return map_commit(ctx, &set, st);
    }
    double lo, hi;
    if (st == SKINQ_OK && r->z) {
        st = robust_range(ctx, r->z, n, &lo, &hi);
        if (st == SKINQ_OK)
            st = map_stage(ctx, &set, "height.png", path, sizeof path);
        if (st == SKINQ_OK)
            st = skinq_heatmap_write_unit(ctx, path, r->z, (size_t)w, w, h, NULL, 0, lo, hi,
                                          SKINQ_CMAP_VIRIDIS, r->z_unit);
    }
    if (st == SKINQ_OK && r->scars) {
        double dmax = r->scars->max_depth > 0 ? r->scars->max_depth : 2 * 0.05;
        st = map_stage(ctx, &set, "depth.png", path, sizeof path);
        if (st == SKINQ_OK)
            st = skinq_heatmap_write_unit(ctx, path, r->scars->depth, (size_t)w, w, h, NULL, 0, 0.0, dmax,
                                          SKINQ_CMAP_MAGMA, r->z_unit);
    }
    skinq_image *img = NULL;
    if (st == SKINQ_OK && r->nx) {
        /* 16-bit: (n + 1)/2 × 65535, x right, y up, z toward the camera */
        st = skinq_image_new(ctx, w, h, 3, 16, &img);
        for (int y = 0; st == SKINQ_OK && y < h; y++) {
            uint16_t *row = (uint16_t *)skinq_image_row(img, y);
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * (size_t)w + (size_t)x;
                float c[3] = {r->nx[i], r->ny[i], r->nz[i]};
                for (int k = 0; k < 3; k++)
                    row[3 * x + k] = (uint16_t)lround(32767.5 * (1 + (c[k] < -1 ? -1 : c[k] > 1 ? 1 : c[k])));
            }
        }
        if (st == SKINQ_OK)
            st = map_stage(ctx, &set, "normals.png", path, sizeof path);
        if (st == SKINQ_OK)
            st = skinq_png_write(ctx, path, img);
        skinq_image_free(&img);
    }
    if (st == SKINQ_OK && r->confidence) {
        st = skinq_image_new(ctx, w, h, 1, 8, &img);
        for (int y = 0; st == SKINQ_OK && y < h; y++) {
            uint8_t *row = skinq_image_row(img, y);
            for (int x = 0; x < w; x++) {
                float c = r->confidence[(size_t)y * (size_t)w + (size_t)x];
                row[x] = (uint8_t)lround(255.0 * (c > 0 ? (c < 1 ? c : 1) : 0));
            }
        }
        if (st == SKINQ_OK)
            st = map_stage(ctx, &set, "confidence.png", path, sizeof path);
        if (st == SKINQ_OK)
            st = skinq_png_write(ctx, path, img);
        skinq_image_free(&img);
    }
    double ascale = 1;
    if (st == SKINQ_OK && r->albedo) {
        double p99;
        st = surface_quantile(ctx, r->albedo, n, 0.99, &p99);
        ascale = p99 > 0 ? 1 / p99 : 1;
        if (st == SKINQ_OK)
            st = skinq_image_new(ctx, w, h, 1, 8, &img);
        if (st == SKINQ_OK) {
            base_gray(r, ascale, img->data);
            /* base_gray fills a packed w*h buffer: spread it over the stride, last row first */
            for (int y = h - 1; y >= 0; y--)
                memmove(skinq_image_row(img, y), img->data + (size_t)y * (size_t)w, (size_t)w);
            st = map_stage(ctx, &set, "albedo.png", path, sizeof path);
        }
        if (st == SKINQ_OK)
            st = skinq_png_write(ctx, path, img);
        skinq_image_free(&img);
    }
    if (st == SKINQ_OK && r->scars && r->z) {
        uint8_t *g = skinq_malloc(ctx, n);
        st = g ? skinq_image_new(ctx, w, h, 3, 8, &img) : SKINQ_E_NOMEM;
        if (st == SKINQ_OK) {
            base_gray(r, ascale, g);
            const int32_t *lab = r->scars->labels;
            for (int y = 0; y < h; y++) {
                uint8_t *row = skinq_image_row(img, y);
                for (int x = 0; x < w; x++) {
                    size_t i = (size_t)y * (size_t)w + (size_t)x;
                    int32_t l = lab[i];
                    int edge = l > 0 && ((x > 0 && lab[i - 1] != l) || (x < w - 1 && lab[i + 1] != l) ||
                                         (y > 0 && lab[i - (size_t)w] != l) ||
                                         (y < h - 1 && lab[i + (size_t)w] != l) || x == 0 || y == 0 ||
                                         x == w - 1 || y == h - 1);
                    row[3 * x] = edge ? 255 : g[i];
                    row[3 * x + 1] = edge ? 40 : g[i];
                    row[3 * x + 2] = edge ? 40 : g[i];
                }
            }
            st = map_stage(ctx, &set, "scars.png", path, sizeof path);
            if (st == SKINQ_OK)
                st = skinq_png_write(ctx, path, img);
        }
        skinq_image_free(&img);
        skinq_free(ctx, g);
    }
    return map_commit(ctx, &set, st);
}
