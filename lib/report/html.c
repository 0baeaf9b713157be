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
    skinq_course_point *p; /* procedure: "" (the site's cycles hold the notes) */
    char *unit;
};

/* A procedure session (a cycle's start) as the store's timeline gives it. */
struct cycle_note {
    char date[11];
    char *procedure;
};

struct site {
    char *name, *first, *last;
    char *first_image, *last_image; /* photos of the first and latest sessions */
    double px_per_mm;
    struct series s[MAX_DEFS]; /* by registry index; only shown() entries are filled */
    int sessions;
    char *last_date, *last_label; /* the session of the previous row (date and whole label) */
    struct cycle_note cycles[SKINQ_COURSE_MAX_CYCLES]; /* its procedures, in time order */
    int ncycles, baseline_sessions;
    int64_t last_session;
    char *versions;              /* skinq versions that made the values ("a, b") */
    char *options;               /* the analysis options of the latest session */
    skinq_site_changes *changes; /* first → latest session, with MDCs and verdicts (lib/track) */
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
static void change_cells(FILE *f, const skinq_site_change *x, const char *unit, int rows);

struct collect {
    skinq_ctx *ctx;
    struct site *sites;
    int n, cap;
    int oom;
};

static int push(skinq_ctx *ctx, struct series *s, const skinq_store_row *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * (size_t)s->cap : 16;
        skinq_course_point *p = skinq_realloc(ctx, s->p, (size_t)s->cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return -1;
        s->p = p;
        s->cap = (int)cap;
    }
    skinq_course_point *q = &s->p[s->n++];
    *q = (skinq_course_point){r->day, r->cycle_day, r->value, r->cycle, r->session_id, "", "", ""};
    snprintf(q->date, sizeof q->date, "%s", r->date);
    snprintf(q->time, sizeof q->time, "%s", r->time);
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
        st->last_session = -1;
        if (set_str(c->ctx, &st->name, r->site) || set_str(c->ctx, &st->first, r->date) ||
            set_str(c->ctx, &st->first_image, r->image_path))
            return c->oom = 1;
    }
    if (add_version(c->ctx, &st->versions, r->skinq_version) ||
        (r->options && r->options[0] && set_str(c->ctx, &st->options, r->options)) ||
        set_str(c->ctx, &st->last_image, r->image_path) || set_str(c->ctx, &st->last, r->date))
        return c->oom = 1;
    /* a new session (rows come in the timeline's order, a session's together) */
    if (r->session_id != st->last_session) {
        st->sessions++;
        st->last_session = r->session_id;
        st->baseline_sessions += r->cycle == 0;
        if (set_str(c->ctx, &st->last_date, r->date) || set_str(c->ctx, &st->last_label, r->label))
            return c->oom = 1;
        if (r->cycle > st->ncycles && st->ncycles < SKINQ_COURSE_MAX_CYCLES) {
            struct cycle_note *k = &st->cycles[st->ncycles++];
            snprintf(k->date, sizeof k->date, "%s", r->date);
            if (set_str(c->ctx, &k->procedure, r->procedure))
                return c->oom = 1;
        }
    }
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    for (size_t i = 0; i < n && i < MAX_DEFS; i++) {
        if (shown(&defs[i]) && strcmp(r->metric, defs[i].pattern) == 0 && !isnan(r->value) &&
            skinq_metric_unit_fits(r->metric, r->unit)) {
            if (push(c->ctx, &st->s[i], r) != 0)
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

/* A site's series read as a treatment course (lib/track, the rule `skinq trend` applies): each
 * cycle fitted from its procedure session, judged against the site's own MDC95 when it has one,
 * else the registry's default at the baseline (or the first value). The two-phase model where it is
 * a finding, else the exponential. NULL when no window has a fit (too few sessions). */
static skinq_course *course_of(skinq_ctx *ctx, const struct site *st, const skinq_metric_def *d,
                               const struct series *s)
{
    skinq_course_options o;
    skinq_course_default_options(&o);
    o.model = SKINQ_COURSE_AUTO;
    const skinq_site_change *x = change_of(st, d->pattern);
    double at = s->p[0].value;
    for (int i = 0; i < s->n && st->ncycles; i++)
        if (s->p[i].cycle == 0) {
            at = s->p[i].value;
            break;
        }
    o.mdc95 = x && x->mdc_site
                  ? x->mdc95
                  : skinq_metric_default_mdc(d->pattern, s->unit, at, st->changes && st->changes->normalised);
    skinq_course *co = NULL;
    if (skinq_course_analyse(ctx, s->p, s->n, &o, &co) != SKINQ_OK)
        return NULL;
    return co;
}

/* "no reliable trend (why)" for a fit that is not a finding. */
static void no_trend(FILE *f, const skinq_fit_verdict *v)
{
    fputs("no reliable trend (", f);
    report_html_text(f, v->why);
    fputs(")", f);
}

/* One window's fit in a table row's cells: tau, half-life, r² (or why there is no trend). */
static void fit_cells(FILE *f, const skinq_course_cycle *c)
{
    const skinq_fit *fit = &c->fit;
    if (c->fit_status != SKINQ_OK) {
        fputs("<td>&ndash;</td><td></td><td></td>", f);
    } else if (!c->verdict.reliable) {
        fputs("<td colspan=\"3\">", f);
        no_trend(f, &c->verdict);
        fputs("</td>", f);
    } else if (!strcmp(fit->model, "two-phase")) {
        fprintf(f, "<td>%.3g &plusmn; %.2g (fast), %.3g &plusmn; %.2g (slow)</td><td>%.3g d (slow)</td>",
                fit->tau_fast_days, fit->stderr_.tau_fast_days, fit->tau_slow_days,
                fit->stderr_.tau_slow_days, fit->half_life_days);
        fprintf(f, "<td>%.3f</td>", fit->r2);
    } else {
        fprintf(f, "<td>%.3g &plusmn; %.2g</td><td>%.3g d</td><td>%.3f</td>", fit->tau_days,
                fit->stderr_.tau_days, fit->half_life_days, fit->r2);
    }
}

/* The trend table: every shown metric's first and latest value, change and healing fit, one row
 * per treatment cycle when the course has several. */
static void trend_table(skinq_ctx *ctx, FILE *f, const struct site *st)
{
    fputs("<h3>Trends</h3><table><tr><th>metric</th><th>first</th><th>latest</th><th>change</th><th></th>"
          "<th>cycle</th><th>&tau; (days)</th><th>half-life</th><th>r&sup2;</th></tr>",
          f);
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    for (size_t i = 0; i < n && i < MAX_DEFS; i++) {
        const struct series *s = &st->s[i];
        const skinq_site_change *x = change_of(st, defs[i].pattern);
        if (s->n < 2 || !x)
            continue;
        skinq_course *co = course_of(ctx, st, &defs[i], s);
        int rows = co && co->ncycles > 1 ? co->ncycles : 1;
        fprintf(f, "<tr data-metric=\"%s\" data-verdict=\"%s\"><td rowspan=\"%d\">%s</td>", defs[i].pattern,
                skinq_verdict_name(x->verdict), rows, defs[i].label);
        change_cells(f, x, s->unit, rows);
        for (int k = 0; k < rows; k++) {
            if (k > 0)
                fputs("<tr>", f);
            if (co && co->cycles[k].cycle > 0)
                fprintf(f, "<td data-cycle=\"%d\">%d</td>", co->cycles[k].cycle, co->cycles[k].cycle);
            else
                fputs("<td></td>", f);
            if (co)
                fit_cells(f, &co->cycles[k]);
            else
                fputs("<td>&ndash;</td><td></td><td></td>", f);
            fputs("</tr>", f);
        }
        skinq_course_free(&co);
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

static void change_cells(FILE *f, const skinq_site_change *x, const char *unit, int rows)
{
    fprintf(f, "<td rowspan=\"%d\">%.4g</td><td rowspan=\"%d\">%.4g ", rows, x->first, rows, x->latest);
    report_html_text(f,
                     unit && strcmp(unit, "1") ? unit : ""); /* the stored unit, whole; "1" prints nothing */
    fputs("</td>", f);
    if (isfinite(x->percent))
        fprintf(f, "<td rowspan=\"%d\">%+.1f %%</td>", rows, x->percent);
    else
        fprintf(f, "<td rowspan=\"%d\">%+.4g</td>", rows, x->latest - x->first);
    fprintf(f, "<td rowspan=\"%d\">%s", rows, skinq_verdict_name(x->verdict));
    if (isfinite(x->mdc95))
        fprintf(f, " <small>(MDC95 %.3g%s)</small>", x->mdc95, x->mdc_site ? ", this site's" : "");
    fputs("</td>", f);
}

/* What the chart shows, for tests reading the rendered page: "reliable" when some window's fit is a
 * finding, "unreliable" when fits were made but none is, "none"; and that fit's model. */
static const char *fit_state(const skinq_course *co, const char **model)
{
    const char *state = "none";
    *model = "none";
    for (int k = 0; co && k < co->ncycles; k++) {
        const skinq_course_cycle *c = &co->cycles[k];
        if (c->fit_status != SKINQ_OK || (!strcmp(state, "reliable")))
            continue;
        if (c->verdict.reliable || !strcmp(state, "none")) {
            state = c->verdict.reliable ? "reliable" : "unreliable";
            *model = c->fit.model;
        }
    }
    return state;
}

/* Each window's fit in words: the curve's parameters, or why there is no trend, and how much of
 * the cycle's excess over the baseline is left at its end. */
static void course_text(FILE *f, const skinq_course *co)
{
    for (int k = 0; k < co->ncycles; k++) {
        const skinq_course_cycle *c = &co->cycles[k];
        if (c->cycle > 0 && co->procedures > 1)
            fprintf(f, "<br>Cycle %d (%s):", c->cycle, c->date);
        if (c->fit_status != SKINQ_OK) {
            fputs(" No fit (", f);
            report_html_text(f, c->fit_error);
            fputs(").", f);
        } else if (c->verdict.reliable) {
            fit_text(f, &c->fit, &c->verdict);
        } else {
            fputs(" <span class=\"nofit\">", f);
            no_trend(f, &c->verdict);
            fputs(".</span>", f);
        }
        if (isfinite(c->excess_left_pct))
            fprintf(f, " %.3g %% of the excess over the baseline left at course day %.3g.",
                    c->excess_left_pct, c->end_day);
    }
    if (co->procedures && co->baseline_n && isfinite(co->end_change)) {
        fprintf(f, "<br>Course: baseline %.4g, end of the last cycle %+.3g", co->baseline_mean,
                co->end_change);
        if (isfinite(co->end_change_pct))
            fprintf(f, " (%+.3g %%)", co->end_change_pct);
        fputs(" from it.", f);
    }
}

static void metric_block(skinq_ctx *ctx, FILE *f, const struct site *st, const skinq_metric_def *d,
                         const struct series *s)
{
    const skinq_site_change *x = change_of(st, d->pattern);
    skinq_course *co = course_of(ctx, st, d, s);
    const char *model, *state = fit_state(co, &model);
    /* data-fit and data-model say what the chart shows (tests read them from the rendered page) */
    fputs("<div class=\"metric\" data-metric=\"", f);
    report_html_text(f, d->pattern);
    fprintf(f, "\" data-fit=\"%s\" data-model=\"%s\"><h4>%s <small>(", state, model, d->label);
    report_html_text(f, d->pattern);
    if (s->unit && s->unit[0]) {
        fputs(", ", f);
        report_html_text(f, s->unit);
    }
    fputs(")</small></h4>", f);
    skinq_svg_chart(f, s->p, s->n, co);
    double first = s->p[0].value, last = s->p[s->n - 1].value;
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
    if (co)
        course_text(f, co);
    else
        fputs(" A healing fit needs at least 3 sessions in a cycle.", f);
    fputs("</p></div>", f);
    skinq_course_free(&co);
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

/* The course as the fits read it: the baseline sessions, then each procedure and its cycle. */
static void course_summary(FILE *f, const struct site *s)
{
    if (!s->ncycles) {
        fputs("<p>No procedure is marked (track add --procedure): one fit over every session, days from the "
              "first.</p>\n",
              f);
        return;
    }
    fprintf(f, "<p>Course: %d baseline session%s before the first procedure", s->baseline_sessions,
            s->baseline_sessions == 1 ? "" : "s");
    for (int k = 0; k < s->ncycles; k++) {
        fprintf(f, "; cycle %d from %s (", k + 1, s->cycles[k].date);
        report_html_text(f, s->cycles[k].procedure);
        fputs(")", f);
    }
    fputs(". Days count from the first procedure; each cycle is fitted from its procedure session (the photo "
          "right after it).</p>\n",
          f);
}

static skinq_status write_site(skinq_ctx *ctx, FILE *f, const struct site *s)
{
    skinq_status st = site_summary(ctx, f, s);
    if (st != SKINQ_OK)
        return st;
    trend_table(ctx, f, s);
    course_summary(f, s);
    site_metrics(ctx, f, s);
    return SKINQ_OK;
}

static void collect_free(skinq_ctx *ctx, struct collect *c)
{
    for (int k = 0; k < c->n; k++) {
        struct site *st = &c->sites[k];
        for (size_t i = 0; i < MAX_DEFS; i++) {
            skinq_free(ctx, st->s[i].p);
            skinq_free(ctx, st->s[i].unit);
        }
        skinq_site_changes_free(&st->changes);
        for (int k = 0; k < st->ncycles; k++)
            skinq_free(ctx, st->cycles[k].procedure);
        char *strs[] = {st->name,      st->first,      st->last,     st->first_image, st->last_image,
                        st->last_date, st->last_label, st->versions, st->options};
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
