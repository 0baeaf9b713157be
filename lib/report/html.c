/* html.c -- the report a person reads: per site, a timeline and, grouped under the scar-scale
 * items they inform, each metric's series drawn as an inline SVG with its healing fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/io.h"
#include "render/render.h"

/* The metrics the report shows are the registry's headline metrics that inform a clinical item
 * (design §2 "Clinical mapping"), in its order; a site's series are indexed like the registry. */
#define MAX_DEFS 64

static int shown(const skinq_metric_def *d)
{
    return d->headline && d->item && !strchr(d->pattern, '*');
}

/* Every string that comes from the store is held in an allocated copy (no length limit: a
 * fixed buffer cut long site names and split one site into many) and reaches the page only
 * through html_text(), the one escaping writer. */
struct series {
    int n, cap;
    double *day, *value;
    char *unit;
};

struct site {
    char *name, *first, *last;
    char *first_image, *last_image; /* photos of the first and latest sessions */
    double px_per_mm;
    struct series s[MAX_DEFS]; /* by registry index; only shown() entries are filled */
    int sessions;
    char *last_date, *last_label; /* the session of the previous row (date and whole label) */
    int baseline;                 /* the first session carries a procedure note: treatment came after it */
    char *procedure;              /* that note */
    char *versions;               /* skinq versions that made the values ("a, b") */
    char *options;                /* the analysis options of the latest session */
    skinq_site_changes *changes;  /* first → latest session, with MDCs and verdicts (lib/track) */
};

/* The change of one metric at a site, or NULL. */
static const skinq_site_change *change_of(const struct site *st, const char *path)
{
    for (size_t i = 0; st->changes && i < st->changes->count; i++)
        if (strcmp(st->changes->items[i].def->pattern, path) == 0)
            return &st->changes->items[i];
    return NULL;
}

/* "first, latest, change (%), verdict" of a change as table cells (the verdict rule: lib/core/metric_defs.c).
 */
static void change_cells(FILE *f, const skinq_site_change *x);

struct collect {
    skinq_ctx *ctx;
    struct site *sites;
    int n, cap;
    int oom;
};

static int push(skinq_ctx *ctx, struct series *s, double day, double v)
{
    if (s->n == s->cap) {
        size_t old = (size_t)s->cap * sizeof(double), cap = s->cap ? 2 * (size_t)s->cap : 16;
        double *d = skinq_realloc(ctx, s->day, old, cap * sizeof *d);
        if (d)
            s->day = d;
        double *x = d ? skinq_realloc(ctx, s->value, old, cap * sizeof *x) : NULL;
        if (!x)
            return -1;
        s->value = x;
        s->cap = (int)cap;
    }
    s->day[s->n] = day;
    s->value[s->n++] = v;
    return 0;
}

/* *dst = a copy of src (replacing what was there) unless it already holds it; -1 when out of memory. */
static int set_str(skinq_ctx *ctx, char **dst, const char *src)
{
    if (!src)
        src = "";
    if (*dst && strcmp(*dst, src) == 0)
        return 0;
    size_t n = strlen(src) + 1;
    char *d = skinq_malloc(ctx, n);
    if (!d)
        return -1;
    memcpy(d, src, n);
    skinq_free(ctx, *dst);
    *dst = d;
    return 0;
}

/* Append ", v" to the list of versions unless it is there (a whole item, not a substring). */
static int add_version(skinq_ctx *ctx, char **list, const char *v)
{
    if (!*list || !**list)
        return set_str(ctx, list, v);
    size_t lv = strlen(v);
    for (const char *p = *list; p;) {
        const char *end = strstr(p, ", ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == lv && strncmp(p, v, n) == 0)
            return 0;
        p = end ? end + 2 : NULL;
    }
    size_t old = strlen(*list), n = old + 2 + lv + 1;
    char *d = skinq_realloc(ctx, *list, old + 1, n);
    if (!d)
        return -1;
    snprintf(d + old, n - old, ", %s", v);
    *list = d;
    return 0;
}

static int collect_row(void *user, const skinq_store_row *r)
{
    struct collect *c = user;
    struct site *st = c->n ? &c->sites[c->n - 1] : NULL;
    if (!st || strcmp(st->name, r->site) != 0) {
        if (c->n == c->cap) {
            int cap = c->cap ? 2 * c->cap : 4;
            struct site *ns =
                skinq_realloc(c->ctx, c->sites, (size_t)c->cap * sizeof *ns, (size_t)cap * sizeof *ns);
            if (!ns)
                return c->oom = 1;
            c->sites = ns;
            c->cap = cap;
        }
        st = &c->sites[c->n++];
        memset(st, 0, sizeof *st);
        st->px_per_mm = r->px_per_mm;
        st->baseline = r->procedure && r->procedure[0];
        if (set_str(c->ctx, &st->name, r->site) || set_str(c->ctx, &st->first, r->date) ||
            set_str(c->ctx, &st->first_image, r->image_path) || set_str(c->ctx, &st->procedure, r->procedure))
            return c->oom = 1;
    }
    if (add_version(c->ctx, &st->versions, r->skinq_version) ||
        (r->options && r->options[0] && set_str(c->ctx, &st->options, r->options)) ||
        set_str(c->ctx, &st->last_image, r->image_path) || set_str(c->ctx, &st->last, r->date))
        return c->oom = 1;
    /* a new session when the date or the whole label changes (rows come ordered by both) */
    if (!st->last_date || strcmp(st->last_date, r->date) != 0 || strcmp(st->last_label, r->label) != 0) {
        st->sessions++;
        if (set_str(c->ctx, &st->last_date, r->date) || set_str(c->ctx, &st->last_label, r->label))
            return c->oom = 1;
    }
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    for (size_t i = 0; i < n && i < MAX_DEFS; i++) {
        if (shown(&defs[i]) && strcmp(r->metric, defs[i].pattern) == 0 && !isnan(r->value)) {
            if (push(c->ctx, &st->s[i], r->day, r->value) != 0)
                return c->oom = 1;
            if (set_str(c->ctx, &st->s[i].unit, r->unit))
                return c->oom = 1;
        }
    }
    return 0;
}

/* The one escaping writer: every string that did not come from this file (subject, site,
 * dates, labels, procedure, units, metric paths, image paths, versions, options, captions made
 * from them) goes through it, in text and in attribute values alike. NULL writes nothing. */
static void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void base64(FILE *f, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v =
            (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        fputc(tab[v >> 18], f);
        fputc(tab[(v >> 12) & 63], f);
        fputc(i + 1 < n ? tab[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? tab[v & 63] : '=', f);
    }
}

/* The photo as an embedded JPEG thumbnail (the report must stand alone: no links to files).
 * A photo that cannot be read any more is named, not fatal; running out of memory is. */
static skinq_status embed_photo(skinq_ctx *ctx, FILE *f, const char *path, const char *what, const char *date)
{
    skinq_image *img = NULL, *thumb = NULL;
    uint8_t *jpg = NULL;
    size_t n = 0;
    fputs("<figure>", f);
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st == SKINQ_OK)
        st = skinq_image_thumbnail(ctx, img, 480, &thumb);
    if (st == SKINQ_OK)
        st = skinq_jpeg_encode_mem(ctx, thumb, 85, &jpg, &n);
    if (st == SKINQ_OK) {
        fputs("<img alt=\"", f);
        html_text(f, what);
        html_text(f, date);
        fputs("\" src=\"data:image/jpeg;base64,", f);
        base64(f, jpg, n);
        fputs("\">", f);
    } else {
        fputs("<p class=\"missing\">photo not available: ", f);
        html_text(f, path);
        fputs("</p>", f);
    }
    fputs("<figcaption>", f);
    html_text(f, what);
    html_text(f, date);
    fputs("</figcaption></figure>", f);
    skinq_free(ctx, jpg);
    skinq_image_free(&thumb);
    skinq_image_free(&img);
    return st == SKINQ_E_NOMEM ? st : SKINQ_OK;
}

static int series_fit(skinq_ctx *ctx, const struct series *s, int baseline, skinq_fit *fit);

/* ---- redness maps: a* of the first and latest photos on one colour scale ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

struct redness {
    skinq_image *thumb;
    float *a;
};

static void redness_free(skinq_ctx *ctx, struct redness *r)
{
    skinq_image_free(&r->thumb);
    skinq_free(ctx, r->a);
    r->a = NULL;
}

/* The photo's thumbnail and its a* plane; any failure leaves r empty. */
static skinq_status redness_load(skinq_ctx *ctx, const char *path, struct redness *r)
{
    skinq_image *img = NULL;
    memset(r, 0, sizeof *r);
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st == SKINQ_OK)
        st = skinq_image_thumbnail(ctx, img, 480, &r->thumb);
    skinq_image_free(&img);
    if (st == SKINQ_OK &&
        !(r->a = skinq_malloc(ctx, sizeof(float) * (size_t)r->thumb->width * (size_t)r->thumb->height)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        float *planes[SKINQ_COLOR_METRIC_COUNT] = {0};
        planes[SKINQ_COLOR_A] = r->a;
        st = skinq_color_planes(ctx, r->thumb, NULL, planes, (size_t)r->thumb->width);
    }
    if (st != SKINQ_OK)
        redness_free(ctx, r);
    return st;
}

static skinq_status redness_embed(skinq_ctx *ctx, FILE *f, const struct redness *r, double lo, double hi,
                                  const char *what, const char *date)
{
    skinq_image *rgb = NULL;
    uint8_t *jpg = NULL;
    size_t n = 0;
    int w = r->thumb->width, h = r->thumb->height;
    skinq_status st = skinq_image_new(ctx, w, h, 3, 8, &rgb);
    if (st != SKINQ_OK)
        return st;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            skinq_colormap_rgb(SKINQ_CMAP_MAGMA, (r->a[(size_t)y * (size_t)w + (size_t)x] - lo) / (hi - lo),
                               skinq_image_row(rgb, y) + 3 * (size_t)x);
    st = skinq_jpeg_encode_mem(ctx, rgb, 88, &jpg, &n);
    if (st == SKINQ_OK) {
        fputs("<figure><img alt=\"", f);
        html_text(f, what);
        html_text(f, date);
        fputs("\" src=\"data:image/jpeg;base64,", f);
        base64(f, jpg, n);
        fputs("\"><figcaption>", f);
        html_text(f, what);
        html_text(f, date);
        fputs("</figcaption></figure>", f);
    }
    skinq_free(ctx, jpg);
    skinq_image_free(&rgb);
    return st == SKINQ_E_NOMEM ? st : SKINQ_OK;
}

/* Both photos' a* maps on the range p02–p98 of the two together, with a legend. A photo that
 * cannot be read is left out; running out of memory is an error. */
static skinq_status redness_maps(skinq_ctx *ctx, FILE *f, const char *first, const char *last, const char *d0,
                                 const char *d1)
{
    struct redness r[2];
    int n = 0;
    skinq_status st = redness_load(ctx, first, &r[n]);
    n += st == SKINQ_OK;
    if (st != SKINQ_E_NOMEM && strcmp(first, last) != 0) {
        st = redness_load(ctx, last, &r[n]);
        n += st == SKINQ_OK;
    }
    st = st == SKINQ_E_NOMEM ? st : SKINQ_OK;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += (size_t)r[i].thumb->width * (size_t)r[i].thumb->height;
    float *all = NULL;
    if (st == SKINQ_OK && total && !(all = skinq_malloc(ctx, total * sizeof(float))))
        st = SKINQ_E_NOMEM;
    if (all) {
        size_t k = 0;
        for (int i = 0; i < n; i++) {
            size_t m = (size_t)r[i].thumb->width * (size_t)r[i].thumb->height;
            memcpy(all + k, r[i].a, m * sizeof(float));
            k += m;
        }
        qsort(all, total, sizeof(float), cmp_float);
        double lo = all[total / 50], hi = all[total - 1 - total / 50];
        if (!(hi > lo))
            hi = lo + 1;
        fputs("<div class=\"photos\">", f);
        for (int i = 0; i < n && st == SKINQ_OK; i++) {
            st = redness_embed(ctx, f, &r[i], lo, hi,
                               i == 0 ? "redness (CIELAB a*), first session "
                                      : "redness (CIELAB a*), latest session ",
                               i == 0 ? d0 : d1);
        }
        fputs("</div><svg width=\"480\" height=\"34\" role=\"img\"><defs><linearGradient id=\"mg\">", f);
        for (int k2 = 0; k2 <= 8; k2++) {
            uint8_t c[3];
            skinq_colormap_rgb(SKINQ_CMAP_MAGMA, k2 / 8.0, c);
            fprintf(f, "<stop offset=\"%d%%\" stop-color=\"#%02x%02x%02x\"/>", k2 * 100 / 8, c[0], c[1],
                    c[2]);
        }
        fprintf(
            f,
            "</linearGradient></defs><rect x=\"40\" y=\"2\" width=\"400\" height=\"14\" fill=\"url(#mg)\"/>"
            "<text x=\"40\" y=\"30\" class=\"ax\">a* %.1f</text><text x=\"440\" y=\"30\" class=\"ax\" "
            "text-anchor=\"end\">a* %.1f (both maps on this scale)</text></svg>\n",
            lo, hi);
    }
    skinq_free(ctx, all);
    for (int i = 0; i < n; i++)
        redness_free(ctx, &r[i]);
    return st;
}

/* The trend table: every shown metric's first and latest value, change and healing fit. */
static void trend_table(skinq_ctx *ctx, FILE *f, const struct site *st)
{
    fputs("<h3>Trends</h3><table><tr><th>metric</th><th>first</th><th>latest</th><th>change</th><th></th>"
          "<th>&tau; (days)</th><th>half-life</th><th>r&sup2;</th></tr>",
          f);
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    for (size_t i = 0; i < n && i < MAX_DEFS; i++) {
        const struct series *s = &st->s[i];
        const skinq_site_change *x = change_of(st, defs[i].pattern);
        if (s->n < 2 || !x)
            continue;
        fprintf(f, "<tr data-metric=\"%s\" data-verdict=\"%s\"><td>%s</td>", defs[i].pattern,
                skinq_verdict_name(x->verdict), defs[i].label);
        change_cells(f, x);
        skinq_fit fit;
        if (series_fit(ctx, s, st->baseline, &fit)) {
            fprintf(f, "<td>%.3g", fit.tau_days);
            if (isfinite(fit.stderr_.tau_days))
                fprintf(f, " &plusmn; %.2g", fit.stderr_.tau_days);
            fprintf(f, "</td><td>%.3g d</td><td>%.3f</td></tr>", fit.half_life_days, fit.r2);
        } else {
            fputs("<td>&ndash;</td><td></td><td></td></tr>", f);
        }
    }
    fputs("</table>\n", f);
}

/* An SVG chart of a series, with the fitted curve when there is one. */
static void chart(FILE *f, const struct series *s, const skinq_fit *fit)
{
    const double W = 360, H = 150, L = 48, R = 10, T = 10, B = 26;
    double dmax = 0, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < s->n; i++) {
        dmax = s->day[i] > dmax ? s->day[i] : dmax;
        lo = s->value[i] < lo ? s->value[i] : lo;
        hi = s->value[i] > hi ? s->value[i] : hi;
    }
    if (fit)
        for (int k = 0; k <= 60; k++) {
            double t = dmax * k / 60, y = fit->y_inf + (fit->y0 - fit->y_inf) * exp(-t / fit->tau_days);
            if (!strcmp(fit->model, "exponential") && isfinite(y)) {
                lo = y < lo ? y : lo;
                hi = y > hi ? y : hi;
            }
        }
    if (dmax <= 0)
        dmax = 1;
    if (!(hi > lo)) {
        hi += 0.5 + fabs(hi) * 0.05;
        lo -= 0.5 + fabs(lo) * 0.05;
    }
    double pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
#define X(d) (L + (W - L - R) * (d) / dmax)
#define Y(v) (T + (H - T - B) * (1 - ((v)-lo) / (hi - lo)))
    fprintf(f, "<svg width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" role=\"img\">", W, H, W, H);
    fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"#fafafa\" stroke=\"#ccc\"/>", L, T,
            W - L - R, H - T - B);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\" text-anchor=\"end\">%.4g</text>", L - 4, T + 8, hi);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\" text-anchor=\"end\">%.4g</text>", L - 4, H - B, lo);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\">day 0</text>", L, H - 8);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\" text-anchor=\"end\">day %.0f</text>", W - R, H - 8,
            dmax);
    if (fit && !strcmp(fit->model, "exponential")) {
        fputs("<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"", f);
        for (int k = 0; k <= 60; k++) {
            double t = dmax * k / 60;
            fprintf(f, "%.1f,%.1f ", X(t), Y(fit->y_inf + (fit->y0 - fit->y_inf) * exp(-t / fit->tau_days)));
        }
        fputs("\"/>", f);
    }
    for (int i = 0; i < s->n; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2c3e50\"/>", X(s->day[i]),
                Y(s->value[i]));
    fputs("</svg>", f);
#undef X
#undef Y
}

/* The healing fit of a series: after a baseline session (treatment right after it) only the
 * sessions after it decay toward healing, so the fit starts at the next one. */
static int series_fit(skinq_ctx *ctx, const struct series *s, int baseline, skinq_fit *fit)
{
    int k = baseline && s->n > 0 && s->day[0] == 0 ? 1 : 0;
    return s->n - k >= 3 && skinq_fit_exponential(ctx, s->day + k, s->value + k, s->n - k, fit) == SKINQ_OK;
}

static void change_cells(FILE *f, const skinq_site_change *x)
{
    fprintf(f, "<td>%.4g</td><td>%.4g ", x->first, x->latest);
    html_text(f, strcmp(x->unit, "1") ? x->unit : ""); /* dimensionless values print no unit */
    fputs("</td>", f);
    if (isfinite(x->percent))
        fprintf(f, "<td>%+.1f %%</td>", x->percent);
    else
        fprintf(f, "<td>%+.4g</td>", x->latest - x->first);
    fprintf(f, "<td>%s", skinq_verdict_name(x->verdict));
    if (isfinite(x->mdc95))
        fprintf(f, " <small>(MDC95 %.3g%s)</small>", x->mdc95, x->mdc_site ? ", this site's" : "");
    fputs("</td>", f);
}

static void metric_block(skinq_ctx *ctx, FILE *f, const skinq_metric_def *d, const struct series *s,
                         const skinq_site_change *x, int baseline)
{
    fprintf(f, "<div class=\"metric\"><h4>%s <small>(", d->label);
    html_text(f, d->pattern);
    if (s->unit && s->unit[0]) {
        fputs(", ", f);
        html_text(f, s->unit);
    }
    fputs(")</small></h4>", f);
    skinq_fit fit;
    int have_fit = series_fit(ctx, s, baseline, &fit);
    chart(f, s, have_fit ? &fit : NULL);
    double first = s->value[0], last = s->value[s->n - 1];
    fprintf(f, "<p>first %.4g, latest %.4g", first, last);
    if (s->n >= 2 && x) {
        fputs(" (", f);
        if (isfinite(x->percent))
            fprintf(f, "%+.1f %%, ", x->percent);
        fputs(skinq_verdict_name(x->verdict), f);
        if (isfinite(x->mdc95))
            fprintf(f, "; MDC95 %.3g", x->mdc95);
        fputs(")", f);
    }
    fputs(".", f);
    if (have_fit) {
        fprintf(f,
                " Healing fit y(t) = y&infin; + (y0 &minus; y&infin;)&middot;e<sup>&minus;t/&tau;</sup>: "
                "&tau; = %.3g d",
                fit.tau_days);
        if (isfinite(fit.stderr_.tau_days))
            fprintf(f, " &plusmn; %.2g", fit.stderr_.tau_days);
        fprintf(f, ", half-life %.3g d, 90 %% of the change by day %.3g, toward %.4g; r&sup2; = %.3f.",
                fit.half_life_days, fit.days_to_90pct, fit.y_inf, fit.r2);
        if (isfinite(fit.stderr_.tau_days) && fit.stderr_.tau_days > fit.tau_days)
            fputs(" <em>The time constant is uncertain: more sessions would pin it down.</em>", f);
    } else if (s->n < 3) {
        fputs(" A healing fit needs at least 3 sessions.", f);
    }
    fputs("</p></div>", f);
}

static void write_head(FILE *f, const char *subject)
{
    time_t now = time(NULL);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>skinq report: ", f);
    html_text(f, subject);
    fputs("</title><style>body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;"
          "color:#222}h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;margin-top:2em}"
          ".grid{display:flex;flex-wrap:wrap;gap:1.2em}.metric{width:360px}.metric h4{margin:.2em 0;"
          "font-size:.95em}.metric p{font-size:.85em;margin:.3em 0}small{color:#777;font-weight:normal}"
          ".ax{font-size:10px;fill:#666}table{border-collapse:collapse}td,th{padding:2px 10px;"
          "border-bottom:1px solid #eee;text-align:left}.photos{display:flex;gap:1em;margin:1em 0}"
          "figure{margin:0}figure img{max-width:480px;display:block}figcaption,.missing{font-size:.85em;"
          "color:#555}</style></head><body>\n",
          f);
    fputs("<h1>Skin healing report: ", f);
    html_text(f, subject);
    fprintf(f,
            "</h1><p>Made by skinq %s on %s. Every value is a measurement from the photographs; "
            "skinq gives no clinical score. Relative indices (erythema, melanin, a*) compare "
            "within one calibrated series; millimetres need a known scale.</p>\n",
            skinq_version(), when);
}

/* A site's sessions, scale, first and latest photos and their redness maps. */
static skinq_status site_summary(skinq_ctx *ctx, FILE *f, const struct site *s)
{
    fputs("<h2>Site: ", f);
    html_text(f, s->name);
    fprintf(f, "</h2><table><tr><th>sessions</th><td>%d</td></tr><tr><th>first</th><td>", s->sessions);
    html_text(f, s->first);
    fputs("</td></tr><tr><th>latest</th><td>", f);
    html_text(f, s->last);
    fputs("</td></tr><tr><th>scale</th><td>", f);
    if (isnan(s->px_per_mm))
        fputs("unknown (lengths and areas in pixels)", f);
    else
        fprintf(f, "%.4g px/mm", s->px_per_mm);
    fputs("</td></tr></table>\n<div class=\"photos\">", f);
    skinq_status st = embed_photo(ctx, f, s->first_image, "first session, ", s->first);
    if (st == SKINQ_OK && strcmp(s->first_image, s->last_image) != 0)
        st = embed_photo(ctx, f, s->last_image, "latest session, ", s->last);
    fputs("</div>\n", f);
    return st == SKINQ_OK ? redness_maps(ctx, f, s->first_image, s->last_image, s->first, s->last) : st;
}

/* The shown metrics grouped under their clinical items, then the provenance. */
static void site_metrics(skinq_ctx *ctx, FILE *f, const struct site *s)
{
    const char *item = NULL;
    int open = 0;
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    for (size_t i = 0; i < n && i < MAX_DEFS; i++) {
        if (s->s[i].n == 0)
            continue;
        if (!item || strcmp(item, defs[i].item) != 0) {
            if (open)
                fputs("</div>\n", f);
            item = defs[i].item;
            fprintf(f, "<h3>%s</h3><div class=\"grid\">", item);
            open = 1;
        }
        metric_block(ctx, f, &defs[i], &s->s[i], change_of(s, defs[i].pattern), s->baseline);
    }
    if (open)
        fputs("</div>\n", f);
    else
        fputs("<p>No redness, pigmentation, relief or extent metrics are stored for this site.</p>\n", f);
    fputs("<h3>Provenance</h3><table><tr><th>made by</th><td>skinq ", f);
    html_text(f, s->versions);
    fputs("</td></tr><tr><th>analysis options (latest session)</th><td><code>", f);
    html_text(f, s->options && s->options[0] ? s->options : "not recorded");
    fputs("</code></td></tr><tr><th>colour</th><td>sRGB (IEC 61966-2-1) → CIELAB, D65 white; white-patch "
          "gains when the options name one</td></tr></table>\n",
          f);
}

static skinq_status write_site(skinq_ctx *ctx, FILE *f, const struct site *s)
{
    skinq_status st = site_summary(ctx, f, s);
    if (st != SKINQ_OK)
        return st;
    trend_table(ctx, f, s);
    if (s->baseline) {
        fputs("<p>The first session is the baseline (procedure: ", f);
        html_text(f, s->procedure);
        fputs("); healing fits start at the session after it.</p>\n", f);
    }
    site_metrics(ctx, f, s);
    return SKINQ_OK;
}

static void collect_free(skinq_ctx *ctx, struct collect *c)
{
    for (int k = 0; k < c->n; k++) {
        struct site *st = &c->sites[k];
        for (size_t i = 0; i < MAX_DEFS; i++) {
            skinq_free(ctx, st->s[i].day);
            skinq_free(ctx, st->s[i].value);
            skinq_free(ctx, st->s[i].unit);
        }
        skinq_site_changes_free(&st->changes);
        char *strs[] = {st->name,      st->first,      st->last,      st->first_image, st->last_image,
                        st->last_date, st->last_label, st->procedure, st->versions,    st->options};
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
            skinq_free(ctx, strs[i]);
    }
    skinq_free(ctx, c->sites);
}

skinq_status skinq_report_html(skinq_ctx *ctx, skinq_store *store, const char *subject, const char *site,
                               const char *out_path)
{
    struct collect c = {.ctx = ctx};
    if (skinq_metric_defs(NULL) > MAX_DEFS)
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "the metric registry outgrew the report (%d entries)",
                          MAX_DEFS);
    skinq_status st = skinq_store_query(ctx, store, subject, site, NULL, collect_row, &c);
    if (st == SKINQ_OK && c.oom)
        st = skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading the store");
    if (st == SKINQ_OK && c.n == 0)
        st = skinq_fail(ctx, SKINQ_E_TOO_FEW, "nothing stored for subject '%s'%s%s", subject,
                        site ? " site " : "", site ? site : "");
    skinq_atomic_file af = {0};
    if (st == SKINQ_OK)
        st = skinq_atomic_open_or_stdout(ctx, out_path, &af);
    if (st == SKINQ_OK) {
        write_head(af.f, subject);
        for (int k = 0; k < c.n && st == SKINQ_OK; k++) {
            st = skinq_store_site_changes(ctx, store, subject, c.sites[k].name, &c.sites[k].changes);
            if (st == SKINQ_OK)
                st = write_site(ctx, af.f, &c.sites[k]);
        }
        if (st == SKINQ_OK) {
            fputs("</body></html>\n", af.f);
            st = skinq_atomic_commit(ctx, &af);
        } else {
            skinq_atomic_abort(&af);
        }
    }
    collect_free(ctx, &c);
    return st;
}
