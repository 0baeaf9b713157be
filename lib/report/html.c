/* html.c -- the report a person reads: per site, a timeline and, grouped under the scar-scale
 * items they inform, each metric's series drawn as an inline SVG with its healing fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chart.h"
#include "io/io.h"
#include "report_int.h"

/* The metrics the report shows are the registry's headline metrics that inform a clinical item
 * (design §2 "Clinical mapping"), in its order; a site's series are indexed like the registry. */
#define MAX_DEFS 96

static int shown(const skinq_metric_def *d)
{
    return d->headline && d->item && !strchr(d->pattern, '*');
}

/* Every string that comes from the store is held in an allocated copy (no length limit: a
 * fixed buffer cut long site names and split one site into many) and reaches the page only
 * through report_html_text(), the one escaping writer. */
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
static void change_cells(FILE *f, const skinq_site_change *x, const char *unit);

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
        if (shown(&defs[i]) && strcmp(r->metric, defs[i].pattern) == 0 && !isnan(r->value) &&
            skinq_metric_unit_fits(r->metric, r->unit)) {
            if (push(c->ctx, &st->s[i], r->day, r->value) != 0)
                return c->oom = 1;
            if (set_str(c->ctx, &st->s[i].unit, r->unit))
                return c->oom = 1;
        }
    }
    return 0;
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
        report_html_text(f, what);
        report_html_text(f, date);
        fputs("\" src=\"data:image/jpeg;base64,", f);
        report_base64(f, jpg, n);
        fputs("\">", f);
    } else {
        fputs("<p class=\"missing\">photo not available: ", f);
        report_html_text(f, path);
        fputs("</p>", f);
    }
    fputs("<figcaption>", f);
    report_html_text(f, what);
    report_html_text(f, date);
    fputs("</figcaption></figure>", f);
    skinq_free(ctx, jpg);
    skinq_image_free(&thumb);
    skinq_image_free(&img);
    return st == SKINQ_E_NOMEM ? st : SKINQ_OK;
}

/* The healing fit of a site's series (1 when one was made) and whether it is a finding, judged
 * against the site's own MDC95 when it has one, else the registry's default at the first fitted value.
 * After a baseline session (treatment right after it) only the sessions after it decay toward
 * healing, so the fit starts at the next one. The two-phase model is shown when it is a finding
 * (enough sessions, its second phase supported), else the exponential. */
static int series_fit(skinq_ctx *ctx, const struct site *st, const skinq_metric_def *d,
                      const struct series *s, skinq_fit *fit, skinq_fit_verdict *v)
{
    int k = st->baseline && s->n > 0 && s->day[0] == 0 ? 1 : 0, m = s->n - k;
    if (m < 3)
        return 0;
    const double *t = s->day + k, *y = s->value + k;
    const skinq_site_change *x = change_of(st, d->pattern);
    double mdc = x && x->mdc_site ? x->mdc95
                                  : skinq_metric_default_mdc(d->pattern, s->unit, y[0],
                                                             st->changes && st->changes->normalised);
    if (m >= 5 + SKINQ_FIT_MIN_DOF && skinq_fit_two_phase(ctx, t, y, m, fit) == SKINQ_OK &&
        skinq_fit_judge(fit, t, y, m, mdc, v))
        return 1;
    if (skinq_fit_exponential(ctx, t, y, m, fit) != SKINQ_OK)
        return 0;
    skinq_fit_judge(fit, t, y, m, mdc, v);
    return 1;
}

/* "no reliable trend (why)" for a fit that is not a finding. */
static void no_trend(FILE *f, const skinq_fit_verdict *v)
{
    fputs("no reliable trend (", f);
    report_html_text(f, v->why);
    fputs(")", f);
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
        change_cells(f, x, s->unit);
        skinq_fit fit;
        skinq_fit_verdict v;
        if (!series_fit(ctx, st, &defs[i], s, &fit, &v)) {
            fputs("<td>&ndash;</td><td></td><td></td></tr>", f);
        } else if (!v.reliable) {
            fputs("<td colspan=\"3\">", f);
            no_trend(f, &v);
            fputs("</td></tr>", f);
        } else if (!strcmp(fit.model, "two-phase")) {
            fprintf(f, "<td>%.3g &plusmn; %.2g (fast), %.3g &plusmn; %.2g (slow)</td><td>%.3g d (slow)</td>",
                    fit.tau_fast_days, fit.stderr_.tau_fast_days, fit.tau_slow_days,
                    fit.stderr_.tau_slow_days, fit.half_life_days);
            fprintf(f, "<td>%.3f</td></tr>", fit.r2);
        } else {
            fprintf(f, "<td>%.3g &plusmn; %.2g</td><td>%.3g d</td><td>%.3f</td></tr>", fit.tau_days,
                    fit.stderr_.tau_days, fit.half_life_days, fit.r2);
        }
    }
    fputs("</table>\n", f);
}

/* A reliable fit in words, with its own model's formula. */
static void fit_text(FILE *f, const skinq_fit *fit, const skinq_fit_verdict *v)
{
    if (!strcmp(fit->model, "two-phase"))
        fprintf(f,
                " Two-phase healing fit y(t) = y&infin; + a&middot;e<sup>&minus;t/&tau;fast</sup> + "
                "b&middot;e<sup>&minus;t/&tau;slow</sup>: &tau;<sub>fast</sub> = %.3g d &plusmn; %.2g (a = "
                "%.4g), "
                "&tau;<sub>slow</sub> = %.3g d &plusmn; %.2g (b = %.4g), toward %.4g; r&sup2; = %.3f.",
                fit->tau_fast_days, fit->stderr_.tau_fast_days, fit->a_fast, fit->tau_slow_days,
                fit->stderr_.tau_slow_days, fit->b_slow, fit->y_inf, fit->r2);
    else
        fprintf(
            f,
            " Healing fit y(t) = y&infin; + (y0 &minus; y&infin;)&middot;e<sup>&minus;t/&tau;</sup>: "
            "&tau; = %.3g d &plusmn; %.2g, half-life %.3g d, 90 %% of the change by day %.3g, toward %.4g; "
            "r&sup2; = %.3f.",
            fit->tau_days, fit->stderr_.tau_days, fit->half_life_days, fit->days_to_90pct, fit->y_inf,
            fit->r2);
    if (!v->mdc_checked) {
        fputs(" <em>", f);
        report_html_text(f, v->why);
        fputs(".</em>", f);
    }
}

static void change_cells(FILE *f, const skinq_site_change *x, const char *unit)
{
    fprintf(f, "<td>%.4g</td><td>%.4g ", x->first, x->latest);
    report_html_text(f,
                     unit && strcmp(unit, "1") ? unit : ""); /* the stored unit, whole; "1" prints nothing */
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

static void metric_block(skinq_ctx *ctx, FILE *f, const struct site *st, const skinq_metric_def *d,
                         const struct series *s)
{
    const skinq_site_change *x = change_of(st, d->pattern);
    skinq_fit fit;
    skinq_fit_verdict v;
    int have_fit = series_fit(ctx, st, d, s, &fit, &v);
    /* data-fit and data-model say what the chart shows (tests read them from the rendered page) */
    fputs("<div class=\"metric\" data-metric=\"", f);
    report_html_text(f, d->pattern);
    fprintf(f, "\" data-fit=\"%s\" data-model=\"%s\"><h4>%s <small>(",
            !have_fit    ? "none"
            : v.reliable ? "reliable"
                         : "unreliable",
            have_fit ? fit.model : "none", d->label);
    report_html_text(f, d->pattern);
    if (s->unit && s->unit[0]) {
        fputs(", ", f);
        report_html_text(f, s->unit);
    }
    fputs(")</small></h4>", f);
    skinq_svg_chart(f, s->day, s->value, s->n, have_fit && v.reliable ? &fit : NULL);
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
    if (have_fit && v.reliable) {
        fit_text(f, &fit, &v);
    } else if (have_fit) {
        fputs(" <span class=\"nofit\">", f);
        no_trend(f, &v);
        fputs(".</span>", f);
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
    report_html_text(f, subject);
    fputs("</title><style>body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;"
          "color:#222}h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;margin-top:2em}"
          ".grid{display:flex;flex-wrap:wrap;gap:1.2em}.metric{width:360px}.metric h4{margin:.2em 0;"
          "font-size:.95em}.metric p{font-size:.85em;margin:.3em 0}small{color:#777;font-weight:normal}"
          ".ax{font-size:10px;fill:#666}table{border-collapse:collapse}td,th{padding:2px 10px;"
          "border-bottom:1px solid #eee;text-align:left}.photos{display:flex;gap:1em;margin:1em 0}"
          "figure{margin:0}figure "
          "img{max-width:480px;display:block}img.map{width:480px;image-rendering:pixelated}figcaption,."
          "missing{font-size:.85em;"
          "color:#555}</style></head><body>\n",
          f);
    fputs("<h1>Skin healing report: ", f);
    report_html_text(f, subject);
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
    report_html_text(f, s->name);
    fprintf(f, "</h2><table><tr><th>sessions</th><td>%d</td></tr><tr><th>first</th><td>", s->sessions);
    report_html_text(f, s->first);
    fputs("</td></tr><tr><th>latest</th><td>", f);
    report_html_text(f, s->last);
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
    return st == SKINQ_OK
               ? report_site_maps(ctx, f, s->options, s->first_image, s->last_image, s->first, s->last)
               : st;
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
        metric_block(ctx, f, s, &defs[i], &s->s[i]);
    }
    if (open)
        fputs("</div>\n", f);
    else
        fputs("<p>No redness, pigmentation, relief or extent metrics are stored for this site.</p>\n", f);
    fputs("<h3>Provenance</h3><table><tr><th>made by</th><td>skinq ", f);
    report_html_text(f, s->versions);
    fputs("</td></tr><tr><th>analysis options (latest session)</th><td><code>", f);
    report_html_text(f, s->options && s->options[0] ? s->options : "not recorded");
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
        report_html_text(f, s->procedure);
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
