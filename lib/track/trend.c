/* trend.c -- one metric's course at a site from the store (`skinq trend`, Python's Store.trend): the
 * series on the store's timeline, the MDC its fits must beat, the course read from it, and its JSON
 * (the one writer `trend --json` and Python share). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/core.h"
#include "skinq_tools.h"

void skinq_trend_default_options(skinq_trend_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    skinq_course_default_options(&o->course);
    o->course.mdc95 = NAN;
}

static char *dup_str(skinq_ctx *ctx, const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = skinq_malloc(ctx, n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

/* The series being read: the trend and the ctx its allocations come from. */
struct series {
    skinq_ctx *ctx;
    skinq_trend *t;
    int cap, oom;
};

static int add_point(void *user, const skinq_store_row *r)
{
    struct series *s = user;
    skinq_trend *t = s->t;
    if (isnan(r->value) ||
        !skinq_metric_unit_fits(r->metric, r->unit)) { /* no value, or px under an mm name */
        t->skipped++;
        return 0;
    }
    if (t->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 32;
        skinq_course_point *p =
            skinq_realloc(s->ctx, t->points, (size_t)s->cap * sizeof *p, (size_t)cap * sizeof *p);
        if (!p)
            return s->oom = 1;
        t->points = p;
        s->cap = cap;
    }
    skinq_course_point *q = &t->points[t->n];
    *q = (skinq_course_point){r->day, r->cycle_day, r->value, r->cycle, r->session_id, "", "", NULL};
    snprintf(q->date, sizeof q->date, "%s", r->date);
    snprintf(q->time, sizeof q->time, "%s", r->time);
    if (!(q->procedure = dup_str(s->ctx, r->procedure)))
        return s->oom = 1;
    t->n++;
    if (!t->unit || strcmp(t->unit, r->unit) != 0) {
        char *u = dup_str(s->ctx, r->unit);
        if (!u)
            return s->oom = 1;
        skinq_free(s->ctx, t->unit);
        t->unit = u;
    }
    return 0;
}

/* The MDC the fit's total change must exceed when none is given: the site's own (its repeat photos)
 * when the store has one, else the registry's default at the baseline (or the first value), for
 * colour-normalised photos or raw ones as the site's were taken. */
static skinq_status trend_mdc(skinq_ctx *ctx, skinq_store *store, const skinq_trend *t, double *mdc)
{
    skinq_site_changes *c = NULL;
    skinq_status st = skinq_store_site_changes(ctx, store, t->subject, t->site, &c);
    if (st != SKINQ_OK)
        return st;
    double at = t->points[0].value;
    for (int i = 0; i < t->n; i++)
        if (t->points[i].cycle == 0 && t->points[t->n - 1].cycle > 0) {
            at = t->points[i].value; /* the baseline's level */
            break;
        }
    *mdc = skinq_metric_default_mdc(t->metric, t->unit, at, c->normalised);
    for (size_t i = 0; i < c->count; i++)
        if (!strcmp(c->items[i].def->pattern, t->metric) && c->items[i].mdc_site)
            *mdc = c->items[i].mdc95;
    skinq_site_changes_free(&c);
    return SKINQ_OK;
}

skinq_status skinq_trend_run(skinq_ctx *ctx, skinq_store *store, const skinq_trend_options *o,
                             skinq_trend **out)
{
    if (!o || !o->subject || !o->site || !o->metric)
        return skinq_fail(ctx, SKINQ_E_INVALID, "a trend needs a subject, a site and a metric");
    if (!skinq_metric_find(o->metric))
        return skinq_fail(ctx, SKINQ_E_INVALID, "unknown metric '%s' ('skinq metrics' lists every one)",
                          o->metric);
    skinq_trend *t = skinq_calloc(ctx, 1, sizeof *t);
    if (!t)
        return SKINQ_E_NOMEM;
    t->alloc = ctx->alloc;
    t->options = *o;
    t->subject = dup_str(ctx, o->subject), t->site = dup_str(ctx, o->site),
    t->metric = dup_str(ctx, o->metric);
    t->options.subject = t->subject, t->options.site = t->site, t->options.metric = t->metric;
    struct series s = {ctx, t, 0, 0};
    skinq_status st = t->subject && t->site && t->metric ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK)
        st = skinq_store_query(ctx, store, o->subject, o->site, o->metric, add_point, &s);
    if (st == SKINQ_OK && s.oom)
        st = SKINQ_E_NOMEM;
    t->mdc95 = o->course.mdc95;
    if (st == SKINQ_OK && t->n > 0 && isnan(t->mdc95))
        st = trend_mdc(ctx, store, t, &t->mdc95);
    skinq_course_options co = o->course;
    co.mdc95 = t->mdc95;
    if (st == SKINQ_OK && t->n > 0)
        st = skinq_course_analyse(ctx, t->points, t->n, &co, &t->course);
    if (st != SKINQ_OK) {
        skinq_trend_free(&t);
        return st;
    }
    *out = t;
    return SKINQ_OK;
}

void skinq_trend_free(skinq_trend **tp)
{
    if (!tp || !*tp)
        return;
    skinq_trend *t = *tp;
    skinq_allocator a = t->alloc;
    for (int i = 0; i < t->n; i++)
        skinq_free_raw(&a, (char *)t->points[i].procedure);
    skinq_free_raw(&a, t->points);
    skinq_free_raw(&a, t->unit);
    skinq_free_raw(&a, t->subject);
    skinq_free_raw(&a, t->site);
    skinq_free_raw(&a, t->metric);
    skinq_course_free(&t->course);
    skinq_free_raw(&a, t);
    *tp = NULL;
}

static cJSON *fit_json(const skinq_fit *f, const skinq_fit_verdict *v, double mdc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", f->model);
    cJSON_AddBoolToObject(o, "reliable", v->reliable);
    cJSON_AddStringToObject(o, "reason", v->reason);
    if (v->why[0])
        cJSON_AddStringToObject(o, "why", v->why);
    else
        cJSON_AddNullToObject(o, "why");
    skinq_cjson_add_number(o, "mdc95", mdc);
    cJSON_AddBoolToObject(o, "mdc_checked", v->mdc_checked);
    skinq_cjson_add_number(o, "tau_days", f->tau_days);
    skinq_cjson_add_number(o, "half_life_days", f->half_life_days);
    skinq_cjson_add_number(o, "y0", f->y0);
    skinq_cjson_add_number(o, "y_inf", f->y_inf);
    skinq_cjson_add_number(o, "r2", f->r2);
    skinq_cjson_add_number(o, "rmse", f->rmse);
    skinq_cjson_add_number(o, "days_to_90pct", f->days_to_90pct);
    if (strcmp(f->model, "two-phase") == 0) {
        skinq_cjson_add_number(o, "a_fast", f->a_fast);
        skinq_cjson_add_number(o, "tau_fast_days", f->tau_fast_days);
        skinq_cjson_add_number(o, "b_slow", f->b_slow);
        skinq_cjson_add_number(o, "tau_slow_days", f->tau_slow_days);
    }
    cJSON *se = cJSON_AddObjectToObject(o, "stderr");
    skinq_cjson_add_number(se, "tau_days", f->stderr_.tau_days);
    skinq_cjson_add_number(se, "y0", f->stderr_.y0);
    skinq_cjson_add_number(se, "y_inf", f->stderr_.y_inf);
    if (strcmp(f->model, "two-phase") == 0) {
        skinq_cjson_add_number(se, "a_fast", f->stderr_.a_fast);
        skinq_cjson_add_number(se, "tau_fast_days", f->stderr_.tau_fast_days);
        skinq_cjson_add_number(se, "b_slow", f->stderr_.b_slow);
        skinq_cjson_add_number(se, "tau_slow_days", f->stderr_.tau_slow_days);
    }
    return o;
}

struct cJSON *skinq_trend_cjson(const skinq_trend *t)
{
    if (!t || t->n == 0 || !t->course)
        return NULL;
    const skinq_course *co = t->course;
    const double mdc = t->mdc95;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON_AddStringToObject(doc, "metric", t->metric);
    cJSON_AddStringToObject(doc, "unit", t->unit);
    cJSON_AddStringToObject(doc, "subject", t->subject);
    cJSON_AddStringToObject(doc, "site", t->site);
    cJSON_AddNumberToObject(doc, "procedures", co->procedures);
    cJSON_AddStringToObject(doc, "days",
                            co->procedures ? "from the first procedure session (baseline negative)"
                                           : "from the first session (no procedure marked)");
    if (!isnan(t->options.course.from_day))
        cJSON_AddNumberToObject(doc, "from_day", t->options.course.from_day);
    if (!isnan(t->options.course.to_day))
        cJSON_AddNumberToObject(doc, "to_day", t->options.course.to_day);
    cJSON *pts = cJSON_AddArrayToObject(doc, "points");
    for (int i = 0; i < t->n; i++) {
        const skinq_course_point *q = &t->points[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "date", q->date);
        if (q->time[0])
            cJSON_AddStringToObject(o, "time", q->time);
        cJSON_AddNumberToObject(o, "session", (double)q->session_id);
        cJSON_AddNumberToObject(o, "day", q->day);
        cJSON_AddNumberToObject(o, "cycle", q->cycle);
        cJSON_AddNumberToObject(o, "cycle_day", q->cycle_day);
        skinq_cjson_add_number(o, "value", q->value);
        cJSON_AddItemToArray(pts, o);
    }
    if (co->procedures) {
        cJSON *b = cJSON_AddObjectToObject(doc, "baseline");
        cJSON_AddNumberToObject(b, "n", co->baseline_n);
        skinq_cjson_add_number(b, "mean", co->baseline_mean);
        skinq_cjson_add_number(b, "sd", co->baseline_sd);
    } else {
        cJSON_AddNullToObject(doc, "baseline");
    }
    cJSON *cys = cJSON_AddArrayToObject(doc, "cycles");
    for (int k = 0; k < co->ncycles; k++) {
        const skinq_course_cycle *cy = &co->cycles[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "cycle", cy->cycle);
        cJSON_AddStringToObject(o, "date", cy->date);
        if (cy->cycle > 0)
            cJSON_AddStringToObject(o, "procedure", cy->procedure);
        cJSON_AddNumberToObject(o, "n", cy->count);
        if (cy->fit_status == SKINQ_OK) {
            cJSON_AddItemToObject(o, "fit", fit_json(&cy->fit, &cy->verdict, mdc));
        } else {
            cJSON_AddNullToObject(o, "fit");
            cJSON_AddStringToObject(o, "no_fit", cy->fit_error);
        }
        cJSON *lin = cJSON_AddObjectToObject(o, "linear");
        skinq_cjson_add_number(lin, "slope_per_week", cy->slope_per_week);
        skinq_cjson_add_number(lin, "stderr_per_week", cy->slope_se_per_week);
        skinq_cjson_add_number(o, "peak", cy->peak);
        skinq_cjson_add_number(o, "end", cy->end);
        cJSON_AddNumberToObject(o, "end_day", cy->end_day);
        skinq_cjson_add_number(o, "excess_left_pct", cy->excess_left_pct);
        cJSON_AddItemToArray(cys, o);
    }
    if (co->ncycles == 1 && co->cycles[0].fit_status == SKINQ_OK) { /* the one fit, also where it was */
        cJSON_AddItemToObject(doc, "fit", fit_json(&co->cycles[0].fit, &co->cycles[0].verdict, mdc));
        cJSON_AddItemToObject(doc, "linear",
                              cJSON_Duplicate(cJSON_GetObjectItem(cJSON_GetArrayItem(cys, 0), "linear"), 1));
    }
    cJSON *c = cJSON_AddObjectToObject(doc, "course");
    skinq_cjson_add_number(c, "slope_per_week", co->slope_per_week);
    skinq_cjson_add_number(c, "stderr_per_week", co->slope_se_per_week);
    skinq_cjson_add_number(c, "end_change", co->end_change);
    skinq_cjson_add_number(c, "end_change_pct", co->end_change_pct);
    return doc;
}

skinq_status skinq_trend_json(const skinq_trend *t, char **out)
{
    if (!t || !out)
        return SKINQ_E_INVALID;
    if (t->n == 0)
        return SKINQ_E_TOO_FEW;
    return skinq_cjson_print(skinq_trend_cjson(t), out);
}
