/* compare.c -- before/after: calibrate, register, warp, normalise on reference skin, analyse both
 * on the common ROI, ΔE2000 over it, every metric's change with its direction, and the maps. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "align/align.h"
#include "io/io.h"
#include "pipeline/pipeline.h"
#include "render/render.h"

void skinq_compare_default_options(skinq_compare_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    skinq_align_default_options(&o->align);
    o->map_max_size = 2048;
}

/* Free what a result holds (not the result itself). */
static void compare_clear(skinq_compare_result *r)
{
    skinq_analysis_free(&r->before);
    skinq_analysis_free(&r->after);
    skinq_free_raw(&r->alloc, r->delta);
    skinq_free_raw(&r->alloc, r->verdict);
    memset(r, 0, sizeof *r);
}

void skinq_compare_free(skinq_compare_result **pr)
{
    if (!pr || !*pr)
        return;
    skinq_allocator a = (*pr)->alloc;
    compare_clear(*pr);
    skinq_free_raw(&a, *pr);
    *pr = NULL;
}

/* The per-pixel stage: ΔE2000 over the common ROI, its histogram for percentiles, cell sums for maps. */
#define DE_BINS 20000 /* 0.005 ΔE per bin up to 100 */
#define DE_BIN 0.005
typedef struct pix_job {
    const skinq_mask *roi;
    const float *lab[2][3]; /* before, after: L, a, b planes of the strip */
    int y0, n, w, f, mw;    /* strip origin and rows, width, map factor (1 without maps), map width */
    double *de_sum;         /* per thread */
    uint64_t (*hist)[DE_BINS];
    float *map_de, *map_da; /* cell sums (mw × mh), rows owned by one task at a time */
    float *map_a[2];        /* cell sums of a*: before, after */
    uint32_t *map_n;
} pix_job;

/* Task = one map cell row (f image rows) of the strip, so no two threads share a cell. */
static void pix_rows(void *user, int task, int thread)
{
    pix_job *j = user;
    for (int r = task * j->f; r < (task + 1) * j->f && r < j->n; r++) {
        int y = j->y0 + r;
        size_t o = (size_t)r * j->w;
        const uint8_t *m = j->roi->data + (size_t)y * j->roi->stride;
        for (int x = 0; x < j->w; x++) {
            if (!m[x])
                continue;
            double l1[3] = {j->lab[0][0][o + x], j->lab[0][1][o + x], j->lab[0][2][o + x]};
            double l2[3] = {j->lab[1][0][o + x], j->lab[1][1][o + x], j->lab[1][2][o + x]};
            double de = skinq_delta_e2000(l1, l2), da = l2[1] - l1[1];
            if (!isfinite(de))
                continue;
            j->de_sum[thread] += de;
            int b = (int)(de / DE_BIN);
            j->hist[thread][b < DE_BINS ? b : DE_BINS - 1]++;
            if (j->map_de) {
                size_t c = (size_t)(y / j->f) * j->mw + x / j->f;
                j->map_de[c] += (float)de, j->map_da[c] += (float)da, j->map_n[c]++;
                j->map_a[0][c] += (float)l1[1], j->map_a[1][c] += (float)l2[1];
            }
        }
    }
}

static double hist_quantile(const uint64_t *h, uint64_t n, double q)
{
    uint64_t want = (uint64_t)ceil(q * n), acc = 0;
    for (int b = 0; b < DE_BINS; b++)
        if ((acc += h[b]) >= want && want > 0)
            return (b + 0.5) * DE_BIN;
    return 0;
}

/* A view of rows [y0, y0+n) of an image (no copy). */
static skinq_image rows_view(const skinq_image *img, int y0, int n)
{
    skinq_image v = *img;
    v.data = img->data + (size_t)y0 * img->stride;
    v.height = n;
    v.icc = NULL, v.icc_size = 0;
    return v;
}

typedef struct de_out {
    double mean, p95;
    float *map_de, *map_da; /* cell means (NaN outside), NULL without maps */
    float *map_a[2];        /* cell means of a* before and after (NaN outside) */
    int f, mw, mh;
} de_out;

static skinq_status delta_e(skinq_ctx *ctx, const skinq_image *b, const skinq_image *a, const skinq_mask *roi,
                            int map_max, de_out *out)
{
    const int T = skinq_ctx_threads(ctx);
    int w = b->width, h = b->height;
    pix_job j;
    memset(&j, 0, sizeof j);
    memset(out, 0, sizeof *out);
    j.roi = roi, j.w = w, j.f = 1;
    if (map_max > 0) {
        int lng = w > h ? w : h;
        j.f = (lng + map_max - 1) / map_max;
        j.mw = (w + j.f - 1) / j.f, out->mh = (h + j.f - 1) / j.f;
    }
    int strip = 128 / j.f * j.f; /* strips of whole cell rows */
    strip = strip < j.f ? j.f : strip;
    float *planes = skinq_malloc(ctx, (size_t)6 * w * strip * sizeof(float));
    j.de_sum = skinq_calloc(ctx, (size_t)T, sizeof(double));
    j.hist = skinq_calloc(ctx, (size_t)T, sizeof *j.hist);
    skinq_status st = planes && j.de_sum && j.hist ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK && map_max > 0) {
        size_t cells = (size_t)j.mw * out->mh;
        j.map_de = skinq_calloc(ctx, cells, sizeof(float));
        j.map_da = skinq_calloc(ctx, cells, sizeof(float));
        j.map_n = skinq_calloc(ctx, cells, sizeof(uint32_t));
        j.map_a[0] = skinq_calloc(ctx, cells, sizeof(float));
        j.map_a[1] = skinq_calloc(ctx, cells, sizeof(float));
        if (!j.map_de || !j.map_da || !j.map_n || !j.map_a[0] || !j.map_a[1])
            st = SKINQ_E_NOMEM;
    }
    for (int y0 = 0; st == SKINQ_OK && y0 < h; y0 += strip) {
        int n = y0 + strip <= h ? strip : h - y0;
        float *p[2][SKINQ_COLOR_METRIC_COUNT];
        memset(p, 0, sizeof p);
        for (int k = 0; k < 2; k++)
            for (int c = 0; c < 3; c++)
                p[k][c] = planes + (size_t)(3 * k + c) * w * strip, j.lab[k][c] = p[k][c];
        skinq_image vb = rows_view(b, y0, n), va = rows_view(a, y0, n);
        st = skinq_color_planes(ctx, &vb, NULL, p[0], (size_t)w);
        if (st == SKINQ_OK)
            st = skinq_color_planes(ctx, &va, NULL, p[1], (size_t)w);
        if (st != SKINQ_OK)
            break;
        j.y0 = y0, j.n = n;
        skinq_parallel_for(ctx, (n + j.f - 1) / j.f, pix_rows, &j);
    }
    if (st == SKINQ_OK) {
        uint64_t npx = 0;
        double sum = 0;
        for (int t = 0; t < T; t++) {
            sum += j.de_sum[t];
            if (t > 0)
                for (int k = 0; k < DE_BINS; k++)
                    j.hist[0][k] += j.hist[t][k];
        }
        for (int k = 0; k < DE_BINS; k++)
            npx += j.hist[0][k];
        if (npx == 0)
            st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "no pixel of the common ROI has a colour difference");
        else {
            out->mean = sum / npx;
            out->p95 = hist_quantile(j.hist[0], npx, 0.95);
        }
    }
    if (st == SKINQ_OK && j.map_de) {
        for (size_t c = 0; c < (size_t)j.mw * out->mh; c++) {
            j.map_de[c] = j.map_n[c] ? j.map_de[c] / j.map_n[c] : NAN;
            j.map_da[c] = j.map_n[c] ? j.map_da[c] / j.map_n[c] : NAN;
            for (int k = 0; k < 2; k++)
                j.map_a[k][c] = j.map_n[c] ? j.map_a[k][c] / j.map_n[c] : NAN;
        }
        out->map_de = j.map_de, out->map_da = j.map_da, out->f = j.f, out->mw = j.mw;
        out->map_a[0] = j.map_a[0], out->map_a[1] = j.map_a[1];
        j.map_de = j.map_da = j.map_a[0] = j.map_a[1] = NULL;
    }
    skinq_free(ctx, planes);
    skinq_free(ctx, j.de_sum);
    skinq_free(ctx, j.hist);
    skinq_free(ctx, j.map_de);
    skinq_free(ctx, j.map_da);
    skinq_free(ctx, j.map_n);
    skinq_free(ctx, j.map_a[0]);
    skinq_free(ctx, j.map_a[1]);
    return st;
}

/* Box-average an 8-bit RGB image by f into dst at column x0 (dst rows ≥ src rows / f). */
static void shrink_into(const skinq_image *src, int f, skinq_image *dst, int x0)
{
    int w = (src->width + f - 1) / f, h = (src->height + f - 1) / f;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned s[3] = {0}, n = 0;
            for (int j = y * f; j < (y + 1) * f && j < src->height; j++)
                for (int i = x * f; i < (x + 1) * f && i < src->width; i++, n++)
                    for (int c = 0; c < 3; c++)
                        s[c] += skinq_image_row(src, j)[3 * i + c];
            for (int c = 0; c < 3; c++)
                skinq_image_row(dst, y)[3 * (x0 + x) + c] = (uint8_t)((s[c] + n / 2) / n);
        }
}

/* dir/name in an allocated string (no length limit; a fixed buffer cut long folder names and
 * wrote the maps elsewhere); NULL when out of memory. */
static char *map_path(skinq_ctx *ctx, const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = skinq_malloc(ctx, n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The change maps' fixed scales (lib/align/README.md "Maps"): never taken from the pictures, so
 * noise within the MDC stays grey and two compares are drawn alike. */
/* Δa* spans ±k·MDC95 of color.a.mean, grey within the MDC95, but never narrower than ±DA_MAX with a
 * DA_BAND grey band: a cell is a mean of a few pixels, noisier than the ROI's mean, and these are the
 * scale while the registry has no MDC95. ΔE2000 (no registry MDC) spans 0..DE_MAX, grey up to
 * DE_BAND, about one just-noticeable difference. */
#define CHANGE_K 5.0
#define DA_MAX 5.0
#define DA_BAND 0.5
#define DE_MAX 10.0
#define DE_BAND 1.0

/* The scales: fixed for the changes; one a* range (p2..p98 of both maps' ROI cells) for the two
 * redness maps. */
static skinq_status map_scales(skinq_ctx *ctx, const skinq_compare_result *r, const de_out *d,
                               skinq_compare_maps *m)
{
    const skinq_metric *a = skinq_metrics_find(&r->before->metrics, "color.a.mean");
    double mdc = a ? skinq_metric_default_mdc("color.a.mean", "a*", a->value,
                                              r->has_ref || r->has_white || r->has_chart)
                   : NAN;
    m->da_mdc95 = isfinite(mdc) && mdc > 0 ? mdc : NAN;
    m->da_max = isfinite(m->da_mdc95) ? fmax(CHANGE_K * mdc, DA_MAX) : DA_MAX;
    m->da_band = isfinite(m->da_mdc95) ? fmax(mdc, DA_BAND) : DA_BAND;
    m->de_max = DE_MAX, m->de_band = DE_BAND;
    size_t cells = (size_t)d->mw * d->mh, n = 0;
    float *all = skinq_malloc(ctx, 2 * cells * sizeof(float));
    if (!all)
        return SKINQ_E_NOMEM;
    for (int k = 0; k < 2; k++)
        for (size_t c = 0; c < cells; c++)
            if (!isnan(d->map_a[k][c]))
                all[n++] = d->map_a[k][c];
    m->a_lo = n ? floor(skinq_quantile_inplace(all, n, 0.02)) : 0;
    m->a_hi = n ? ceil(skinq_quantile_inplace(all, n, 0.98)) : 1;
    m->a_hi = m->a_hi > m->a_lo ? m->a_hi : m->a_lo + 1;
    skinq_free(ctx, all);
    return SKINQ_OK;
}

/* The maps' names of the photos: the caller's labels (dates), else the files' names. */
static const char *photo_label(const char *label, const char *path)
{
    const char *slash = strrchr(path, '/');
    return label ? label : slash ? slash + 1 : path;
}

typedef struct maps_ctx {
    skinq_ctx *ctx;
    const char *dir;
    const de_out *d;
    const skinq_mask *roi;
    const char *before, *after; /* labels */
} maps_ctx;

/* One labelled heat map of cell values on lo..hi. */
static skinq_status write_heat(const maps_ctx *M, const char *name, const float *map, double lo, double hi,
                               skinq_colormap cm, skinq_map_labels *l)
{
    char *path = map_path(M->ctx, M->dir, name);
    if (!path)
        return skinq_fail(M->ctx, SKINQ_E_NOMEM, "out of memory");
    l->before = M->before, l->after = M->after;
    skinq_status st =
        skinq_map_write(M->ctx, path, map, (size_t)M->d->mw, M->d->mw, M->d->mh, NULL, 0, lo, hi, cm, l);
    skinq_free(M->ctx, path);
    return st;
}

/* before | after, shrunk like the heat maps, each half labelled and with the ROI outlined. */
static skinq_status write_side_by_side(const maps_ctx *M, const skinq_image *before, const skinq_image *after)
{
    static const uint8_t ink[3] = {20, 20, 20}, outline[3] = {255, 214, 0};
    int f = M->d->f, w = (before->width + f - 1) / f, h = (before->height + f - 1) / f, gap = 8;
    int scale = w >= 640 ? 2 : 1, head = (SKINQ_TEXT_HEIGHT + 6) * scale;
    skinq_image *sbs = NULL;
    skinq_status st = skinq_image_new(M->ctx, 2 * w + gap, head + h, 3, 8, &sbs);
    if (st != SKINQ_OK)
        return st;
    memset(sbs->data, 255, sbs->stride * (size_t)sbs->height);
    skinq_image body = rows_view(sbs, head, h);
    shrink_into(before, f, &body, 0);
    shrink_into(after, f, &body, w + gap);
    for (int k = 0; k < 2; k++) {
        char text[320];
        snprintf(text, sizeof text, "%s: %s", k ? "after" : "before", k ? M->after : M->before);
        skinq_text_draw(sbs, k * (w + gap) + 4, 3 * scale, text, scale, ink);
        skinq_outline_draw(sbs, k * (w + gap), head, M->roi->data, M->roi->stride, M->roi->width,
                           M->roi->height, f, outline);
    }
    char *path = map_path(M->ctx, M->dir, "side_by_side.png");
    st = path ? skinq_png_write(M->ctx, path, sbs) : skinq_fail(M->ctx, SKINQ_E_NOMEM, "out of memory");
    skinq_free(M->ctx, path);
    skinq_image_free(&sbs);
    return st;
}

/* Every map from the pixels the numbers come from: before calibrated, after registered, calibrated
 * and normalised on the reference skin, both on the common ROI (outside it dark grey). */
static skinq_status write_maps(skinq_ctx *ctx, const skinq_compare_options *o, const char *const path[2],
                               const skinq_image *before, const skinq_image *after, const skinq_mask *roi,
                               const de_out *d, skinq_compare_result *r)
{
    if (mkdir(o->maps_dir, 0777) != 0) {
        struct stat sb;
        if (stat(o->maps_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return skinq_fail(ctx, SKINQ_E_IO, "cannot create the maps folder '%s'", o->maps_dir);
    }
    skinq_compare_maps *m = &r->maps;
    skinq_status st = map_scales(ctx, r, d, m);
    maps_ctx M = {ctx,
                  o->maps_dir,
                  d,
                  roi,
                  photo_label(o->before_label, path[0]),
                  photo_label(o->after_label, path[1])};
    if (st == SKINQ_OK && before->depth == 8 && after->depth == 8 && after->channels == 3) { /* 8-bit RGB */
        char *p = map_path(ctx, o->maps_dir, "aligned_after.png");
        st = p ? skinq_png_write(ctx, p, after) : skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory");
        skinq_free(ctx, p);
        if (st == SKINQ_OK)
            st = write_side_by_side(&M, before, after);
    }
    char note[160];
    for (int k = 0; k < 2 && st == SKINQ_OK; k++) {
        snprintf(note, sizeof note, "one scale for before and after: a* %.0f to %.0f", m->a_lo, m->a_hi);
        skinq_map_labels l = {
            k ? "Redness after, CIELAB" : "Redness before, CIELAB", "a*", NULL, NULL, note, 0, 0};
        st = write_heat(&M, k ? "redness_after.png" : "redness_before.png", d->map_a[k], m->a_lo, m->a_hi,
                        SKINQ_CMAP_MAGMA, &l);
    }
    if (st == SKINQ_OK) { /* diverging about 0: blue = less red after, red = more */
        if (isfinite(m->da_mdc95))
            snprintf(note, sizeof note, "fixed scale from MDC95 %.3g of mean a*; grey: |Δa*| <= %.3g",
                     m->da_mdc95, m->da_band);
        else
            snprintf(note, sizeof note, "fixed scale (no MDC95 known); grey: |Δa*| <= %g", m->da_band);
        skinq_map_labels l = {
            "Redness change Δa*, after - before", "a*", NULL, NULL, note, -m->da_band, m->da_band};
        st = write_heat(&M, "redness_change.png", d->map_da, -m->da_max, m->da_max, SKINQ_CMAP_COOLWARM, &l);
    }
    if (st == SKINQ_OK) {
        snprintf(note, sizeof note, "fixed scale; grey: ΔE00 <= %g (about one just-noticeable difference)",
                 m->de_band);
        skinq_map_labels l = {"Colour difference, CIEDE2000", "ΔE00", NULL, NULL, note, 0, m->de_band};
        st = write_heat(&M, "delta_e2000.png", d->map_de, 0, m->de_max, SKINQ_CMAP_MAGMA, &l);
    }
    r->has_maps = st == SKINQ_OK;
    return st;
}

/* Put the file's name in front of the ctx's message (copied first: it is the format's argument). */
static skinq_status name_file(skinq_ctx *ctx, skinq_status st, const char *path, const char *what)
{
    char msg[sizeof ctx->error];
    snprintf(msg, sizeof msg, "%s", skinq_ctx_error(ctx));
    return skinq_fail(ctx, st, "'%s': %s%s", path, what, msg);
}

/* Per-photo colour calibration: a chart matrix or white gains applied in linear RGB. */
static skinq_status calibrate(skinq_ctx *ctx, const skinq_compare_options *o,
                              const skinq_analysis_options *ao, const char *path, skinq_image **img,
                              const skinq_mask *alpha, skinq_chart_fit *fit, double gains[3])
{
    double m[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    skinq_status st = SKINQ_OK;
    if (o->chart_path) {
        double corners[4][2];
        int detect = strcmp(o->chart_path, "auto") == 0; /* --chart auto: found in the photo */
        if (detect)
            st = skinq_chart_detect(ctx, *img, fit);
        else if ((st = skinq_chart_load(ctx, o->chart_path, path, corners)) == SKINQ_OK)
            st = skinq_chart_calibrate(ctx, *img, corners, fit);
        else
            return st; /* the chart file's own message names it */
        if (st == SKINQ_E_TOO_FEW && detect && !fit->detected)
            return skinq_fail(ctx, st, "no colour chart found in '%s'", path);
        if (st != SKINQ_OK)
            return name_file(ctx, st, path, "");
        memcpy(m, fit->matrix, sizeof m);
    } else if (ao->color.has_white) {
        st = skinq_color_white_gains(ctx, *img, alpha, ao->color.white, ao->color.white_reflectance, gains,
                                     NULL, NULL);
        if (st != SKINQ_OK)
            return name_file(ctx, st, path, "white patch: ");
        m[0] = gains[0], m[4] = gains[1], m[8] = gains[2];
    } else {
        return SKINQ_OK;
    }
    skinq_image *c = NULL;
    if (st == SKINQ_OK)
        st = skinq_align_apply_matrix(ctx, *img, m, &c);
    if (st == SKINQ_OK) {
        skinq_image_free(img);
        *img = c;
    }
    return st;
}

static skinq_status fill_deltas(skinq_ctx *ctx, skinq_compare_result *r)
{
    const skinq_metrics *mb = &r->before->metrics, *ma = &r->after->metrics;
    r->delta = skinq_calloc(ctx, mb->count + 1, sizeof *r->delta);
    r->verdict = skinq_calloc(ctx, mb->count + 1, sizeof *r->verdict);
    if (!r->delta || !r->verdict)
        return SKINQ_E_NOMEM;
    for (size_t i = 0; i < mb->count; i++) {
        const skinq_metric *b = &mb->items[i], *a = skinq_metrics_find(ma, b->path);
        if (!a)
            continue;
        skinq_delta_verdict *v = &r->verdict[r->delta_count];
        skinq_delta *d = &r->delta[r->delta_count++];
        snprintf(d->path, sizeof d->path, "%s", b->path);
        snprintf(d->unit, sizeof d->unit, "%s", b->unit);
        d->before = b->value, d->after = a->value, d->change = a->value - b->value;
        d->percent = d->change == 0 ? 0 : b->value != 0 ? 100 * d->change / fabs(b->value) : NAN;
        int dir = skinq_metric_direction(b->path);
        v->mdc95 =
            skinq_metric_default_mdc(b->path, b->unit, b->value, r->has_ref || r->has_white || r->has_chart);
        v->percent = skinq_change_percent(b->value, a->value, v->mdc95);
        v->verdict = skinq_change_verdict(dir, b->value, a->value, v->mdc95);
        d->improved = dir == 0 || !isfinite(d->change) ? -1 : v->verdict == SKINQ_VERDICT_IMPROVED;
    }
    return SKINQ_OK;
}

/* What one compare holds while it runs: the photos, their alpha masks, after warped into before's
 * frame, the masks of the common area and ROI, the ΔE2000 stage's output. */
typedef struct cmp_job {
    skinq_ctx *ctx;
    const skinq_compare_options *o;
    skinq_analyzer *an;
    const skinq_analysis_options *ao;
    const char *path[2];
    skinq_image *b, *a, *aw;
    skinq_mask *ab, *aa, *valid, *roi;
    de_out d;
} cmp_job;

/* One photo and its provenance from the same bytes (the file opened and read once). */
static skinq_status load_one(skinq_ctx *ctx, const char *path, skinq_image **img, skinq_mask **alpha,
                             skinq_analysis **res)
{
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st == SKINQ_OK)
        st = skinq_image_load_input(ctx, &in, NULL, img, alpha);
    if (st == SKINQ_OK)
        st = skinq_pipeline_result_new(ctx, &in, res);
    skinq_input_close(ctx, &in);
    return st;
}

/* Load both photos (colour ones) and their provenance. */
static skinq_status load_phase(cmp_job *J, skinq_compare_result *r)
{
    skinq_ctx *ctx = J->ctx;
    skinq_status st = load_one(ctx, J->path[0], &J->b, &J->ab, &r->before);
    if (st == SKINQ_OK)
        st = load_one(ctx, J->path[1], &J->a, &J->aa, &r->after);
    if (st == SKINQ_OK && (J->b->channels < 3 || J->a->channels < 3))
        st = skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "'%s': compare needs colour photos",
                        J->b->channels < 3 ? J->path[0] : J->path[1]);
    return st;
}

/* Register after onto before, warp it into before's frame (valid: where it lands, inside both
 * alphas) and normalise it to before on the reference skin. */
static skinq_status register_phase(cmp_job *J, skinq_compare_result *r)
{
    skinq_ctx *ctx = J->ctx;
    skinq_align_options al = J->o->align;
    al.after_mask = J->aa;
    skinq_status st = skinq_align_register(ctx, J->b, J->a, &al, &r->alignment);
    if (st == SKINQ_OK)
        st = skinq_align_warp(ctx, J->a, J->aa, r->alignment.matrix, J->b->width, J->b->height, &J->aw,
                              &J->valid);
    if (st == SKINQ_OK && J->ab) /* before's own alpha limits the common area too */
        for (int y = 0; y < J->b->height; y++)
            for (int x = 0; x < J->b->width; x++)
                J->valid->data[(size_t)y * J->valid->stride + x] &=
                    J->ab->data[(size_t)y * J->ab->stride + x] != 0;
    if (st != SKINQ_OK || !J->ao->color.has_ref)
        return st;
    r->has_ref = 1; /* after's untreated skin → before's */
    st = skinq_align_ref_gains(ctx, J->b, J->aw, J->valid, J->ao->color.ref, r->ref_gains, &r->ref_pixels);
    double m[9] = {r->ref_gains[0], 0, 0, 0, r->ref_gains[1], 0, 0, 0, r->ref_gains[2]};
    skinq_image *n = NULL;
    if (st == SKINQ_OK && (st = skinq_align_apply_matrix(ctx, J->aw, m, &n)) == SKINQ_OK) {
        skinq_image_free(&J->aw);
        J->aw = n;
    }
    return st;
}

/* The photometric check: the registered pair must show the same structure inside the common ROI
 * (lib/align/README.md "Acceptance"); reported, not enforced, with --no-align. */
static skinq_status check_phase(cmp_job *J, skinq_compare_result *r)
{
    skinq_ctx *ctx = J->ctx;
    double min_ratio, max_rms, min_ncc;
    align_thresholds(&J->o->align, &min_ratio, &max_rms, &min_ncc);
    skinq_status st = align_band_ncc(ctx, J->b, J->aw, J->roi, &r->ncc);
    if (st != SKINQ_OK || J->o->align.no_align || min_ncc < 0 || r->ncc >= min_ncc)
        return st;
    r->alignment.ok = 0;
    if (isnan(r->ncc))
        return skinq_fail(ctx, SKINQ_E_ALIGN,
                          "cannot align: the common ROI is too small to check that the registered photos "
                          "match (%llu px)",
                          (unsigned long long)r->roi_pixels);
    return skinq_fail(ctx, SKINQ_E_ALIGN,
                      "cannot align: the registered photos do not match inside the ROI (band-pass "
                      "correlation %.2f, need >= %.2f); the images may not show the same site",
                      r->ncc, min_ncc);
}

/* Unit of a texture metric in pixel units ← the same in nominal millimetres, and the factor (the
 * metrics whose name says mm have their own pixel siblings: skinq_metric_scaled). */
static const struct {
    const char *mm, *px;
    int px_power; /* value in px units = value in mm units × U^px_power (U px a nominal mm) */
} unit_px[] = {
    {"cycles/mm", "cycles/px", -1},
    {"L*^2*mm^2", "L*^2*px^2", 2},
};

/* Texture of after in its own pixels: the common ROI mapped into after through the matrix, at
 * after's own scale (before's px_per_mm over the matrix's local scale), on the calibrated photo
 * with the --ref gains in linear RGB, as the warped photo had them. Its texture.* replace the
 * warped photo's. With the scale unknown, after is measured at the nominal scale U/s (U the
 * texture options' unknown_px_per_mm: the same skin as before's nominal mm) and the results are
 * put into before's pixel units. The *_px siblings of the mm metrics are in before's pixels either
 * way (from the mm value at before's scale), the mm metrics NaN without a scale. */
static skinq_status own_texture(cmp_job *J, skinq_compare_result *r)
{
    skinq_ctx *ctx = J->ctx;
    skinq_mask *m = NULL;
    skinq_roi *roi = NULL;
    skinq_metrics t = {0};
    skinq_status st = align_roi_in_after(ctx, J->roi, J->aa, r->alignment.matrix, J->a->width, J->a->height,
                                         &m, &r->after_scale);
    const double ppm = J->ao->px_per_mm, U = J->ao->texture_options.unknown_px_per_mm;
    r->after_px_per_mm = ppm > 0 ? ppm / r->after_scale : 0;
    const skinq_roi_options on_after = {.kind = SKINQ_ROI_MASK, .mask = m};
    if (st == SKINQ_OK) {
        r->after_roi_pixels = skinq_mask_count(m);
        st = skinq_roi_resolve(ctx, J->a, NULL, &on_after, ppm > 0 ? r->after_px_per_mm : U / r->after_scale,
                               NULL, &roi);
    }
    if (st == SKINQ_OK)
        st = skinq_pipeline_texture(ctx, J->an->plan, J->a, NULL, roi, r->ref_gains, NULL, &t);
    for (size_t i = 0; st == SKINQ_OK && i < t.count; i++) {
        skinq_metric *x = &t.items[i];
        const skinq_metric_scaled *sc = skinq_metric_scaled_find(x->path);
        if (sc) { /* the px sibling (after's own pixels) is replaced by the mm value in before's */
            if (strcmp(x->path, sc->mm) == 0)
                st = skinq_metrics_add_scaled(ctx, &r->after->metrics, sc,
                                              x->value * pow(ppm > 0 ? ppm : U, sc->power) * sc->k, ppm);
            continue;
        }
        for (size_t k = 0; ppm <= 0 && k < sizeof unit_px / sizeof unit_px[0]; k++)
            if (strcmp(x->unit, unit_px[k].mm) == 0) {
                x->value *= pow(U, unit_px[k].px_power);
                snprintf(x->unit, sizeof x->unit, "%s", unit_px[k].px);
                break;
            }
        st = skinq_metrics_add(ctx, &r->after->metrics, x->path, x->value, x->unit);
    }
    skinq_metrics_free(&t);
    skinq_roi_free(&roi);
    skinq_mask_free(&m);
    return st;
}

/* The options' ROI on before (calibrated, so no gains for auto-skin) within the common area, the
 * photometric check, and both analyses on those pixels (calibration was applied to the photos):
 * before's all in its own frame; after's colour on the warped pixels, its texture in its own. */
static skinq_status analyse_phase(cmp_job *J, skinq_compare_result *r)
{
    skinq_ctx *ctx = J->ctx;
    skinq_roi *asked = NULL, *common = NULL;
    skinq_status st = skinq_roi_resolve(ctx, J->b, J->ab, &J->ao->roi, J->ao->px_per_mm, NULL, &asked);
    if (st == SKINQ_OK)
        st = skinq_align_common_roi(ctx, J->valid, asked->mask, asked->mask ? NULL : &asked->bbox, &J->roi);
    const skinq_roi_options on_common = {.kind = SKINQ_ROI_MASK, .mask = J->roi};
    if (st == SKINQ_OK) {
        r->roi_pixels = skinq_mask_count(J->roi);
        st = check_phase(J, r);
    }
    if (st == SKINQ_OK)
        st = skinq_roi_resolve(ctx, J->b, NULL, &on_common, J->ao->px_per_mm, NULL, &common);
    skinq_color_options color = J->ao->color;
    color.has_white = 0;
    if (st == SKINQ_OK && !J->o->after_only) {
        r->before->skin = asked->skin; /* auto-skin ran on before: its account goes with it */
        st = skinq_pipeline_run(J->an, J->b, NULL, common, &color, NULL, r->before);
    }
    if (st == SKINQ_OK) {
        skinq_analysis *a = r->after;
        a->width = J->aw->width, a->height = J->aw->height, a->depth = J->aw->depth, a->has_alpha = 0;
        st = skinq_color_analyze(ctx, J->aw, common, &color, NULL, &a->metrics, &a->color);
    }
    if (st == SKINQ_OK && J->an->plan)
        st = own_texture(J, r);
    skinq_roi_free(&common);
    skinq_roi_free(&asked);
    return st;
}

/* ΔE2000 over the common ROI, every metric's change and the maps (not with after_only). */
static skinq_status delta_phase(cmp_job *J, skinq_compare_result *r)
{
    const skinq_compare_options *o = J->o;
    if (o->after_only) {
        r->delta_e_mean = r->delta_e_p95 = NAN;
        return SKINQ_OK;
    }
    skinq_status st = delta_e(J->ctx, J->b, J->aw, J->roi,
                              o->maps_dir ? (o->map_max_size > 0 ? o->map_max_size : 2048) : 0, &J->d);
    if (st == SKINQ_OK) {
        r->delta_e_mean = J->d.mean, r->delta_e_p95 = J->d.p95;
        st = fill_deltas(J->ctx, r);
    }
    if (st == SKINQ_OK && o->maps_dir)
        st = write_maps(J->ctx, o, J->path, J->b, J->aw, J->roi, &J->d, r);
    return st;
}

skinq_status skinq_compare(skinq_ctx *ctx, const char *before_path, const char *after_path,
                           const skinq_compare_options *o, skinq_compare_result **out)
{
    skinq_compare_options od;
    skinq_status ost =
        SKINQ_OPTIONS_TAKE(ctx, &od, o, skinq_compare_default_options, "skinq_compare_options");
    if (ost != SKINQ_OK)
        return ost;
    o = &od;
    cmp_job J;
    memset(&J, 0, sizeof J);
    J.ctx = ctx, J.o = o, J.an = o->analyzer;
    J.path[0] = before_path, J.path[1] = after_path;
    skinq_analyzer *own = NULL; /* without the caller's: one for both photos */
    skinq_status st = J.an ? SKINQ_OK : skinq_analyzer_new(ctx, o->analysis, &own);
    J.an = J.an ? J.an : own;
    J.ao = J.an ? skinq_analyzer_options(J.an) : NULL;
    skinq_compare_result r;
    memset(&r, 0, sizeof r);
    r.alloc = ctx->alloc;
    r.ref_gains[0] = r.ref_gains[1] = r.ref_gains[2] = 1;
    r.ncc = r.after_scale = NAN;
    if (st == SKINQ_OK)
        st = load_phase(&J, &r);
    r.has_chart = o->chart_path != NULL;
    r.has_white = !r.has_chart && J.ao && J.ao->color.has_white;
    if (st == SKINQ_OK)
        st = calibrate(ctx, o, J.ao, before_path, &J.b, J.ab, &r.chart[0], r.white_gains[0]);
    if (st == SKINQ_OK)
        st = calibrate(ctx, o, J.ao, after_path, &J.a, J.aa, &r.chart[1], r.white_gains[1]);
    if (st == SKINQ_OK)
        st = register_phase(&J, &r);
    if (st == SKINQ_OK)
        st = analyse_phase(&J, &r);
    if (st == SKINQ_OK)
        st = delta_phase(&J, &r);
    skinq_compare_result *res = st == SKINQ_OK ? skinq_malloc(ctx, sizeof *res) : NULL;
    if (st == SKINQ_OK && !res)
        st = SKINQ_E_NOMEM;
    if (st != SKINQ_OK) {
        compare_clear(&r);
    } else {
        *res = r;
        *out = res;
    }
    skinq_free(ctx, J.d.map_de);
    skinq_free(ctx, J.d.map_da);
    skinq_free(ctx, J.d.map_a[0]);
    skinq_free(ctx, J.d.map_a[1]);
    skinq_image_free(&J.b);
    skinq_image_free(&J.a);
    skinq_image_free(&J.aw);
    skinq_mask_free(&J.ab);
    skinq_mask_free(&J.aa);
    skinq_mask_free(&J.valid);
    skinq_mask_free(&J.roi);
    skinq_analyzer_free(&own);
    return st;
}
