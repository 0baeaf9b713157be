/* changes.c -- what changed at a site between its first and latest session: the session means of
 * every summarised registry metric, with the MDC95 and the verdict. The one place `track show`
 * and the report take their verdicts from. */
#include "core/core.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEFS 96

/* Per registry entry: the current session's sum, and the first and latest session means. */
struct acc {
    double sum, first, latest;
    int n, first_n, latest_n;
    char unit[16], first_date[16], latest_date[16];
};

struct walk {
    const skinq_metric_def *defs;
    size_t ndefs;
    struct acc a[MAX_DEFS];
    char session[128], date[16]; /* the current session: date + label (a long label only needs to differ) */
    int normalised, rows;
};

int skinq_site_change_shown(const skinq_metric_def *d)
{
    return d->headline >= 1 && !strchr(d->pattern, '*');
}

/* Close the current session: its means become the latest (and the first, if none yet). */
static void session_close(struct walk *w)
{
    for (size_t i = 0; i < w->ndefs; i++) {
        struct acc *a = &w->a[i];
        if (a->n == 0)
            continue;
        a->latest = a->sum / a->n, a->latest_n = a->n;
        snprintf(a->latest_date, sizeof a->latest_date, "%s", w->date);
        if (isnan(a->first)) {
            a->first = a->latest, a->first_n = a->n;
            snprintf(a->first_date, sizeof a->first_date, "%s", w->date);
        }
        a->sum = 0, a->n = 0;
    }
}

/* Colour-normalised when the options that made the value name a reference, white patch or chart. */
static int options_normalised(const char *json)
{
    cJSON *o = json && *json ? cJSON_Parse(json) : NULL;
    int yes =
        o && (cJSON_GetObjectItemCaseSensitive(o, "ref") || cJSON_GetObjectItemCaseSensitive(o, "white") ||
              cJSON_GetObjectItemCaseSensitive(o, "chart"));
    cJSON_Delete(o);
    return yes;
}

static int row(void *user, const skinq_store_row *r)
{
    struct walk *w = user;
    char key[128];
    snprintf(key, sizeof key, "%s\n%s", r->date, r->label ? r->label : "");
    if (w->rows++ == 0 || strcmp(key, w->session) != 0) {
        if (w->rows > 1)
            session_close(w);
        snprintf(w->session, sizeof w->session, "%s", key);
        snprintf(w->date, sizeof w->date, "%s", r->date);
        w->normalised = options_normalised(r->options);
    }
    for (size_t i = 0; i < w->ndefs; i++) {
        if (!skinq_site_change_shown(&w->defs[i]) || strcmp(r->metric, w->defs[i].pattern) != 0 ||
            !isfinite(r->value) || !skinq_metric_unit_fits(r->metric, r->unit))
            continue;
        struct acc *a = &w->a[i];
        a->sum += r->value, a->n++;
        snprintf(a->unit, sizeof a->unit, "%s", r->unit ? r->unit : "");
    }
    return 0;
}

void skinq_site_changes_free(skinq_site_changes **pc)
{
    if (!pc || !*pc)
        return;
    skinq_allocator a = (*pc)->alloc;
    skinq_free_raw(&a, (*pc)->items);
    skinq_free_raw(&a, *pc);
    *pc = NULL;
}

skinq_status skinq_store_site_changes(skinq_ctx *ctx, skinq_store *store, const char *subject,
                                      const char *site, skinq_site_changes **out)
{
    if (!store || !subject || !site || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "site changes: store, subject, site and out are required");
    struct walk *w = skinq_calloc(ctx, 1, sizeof *w);
    if (!w)
        return SKINQ_E_NOMEM;
    w->ndefs = skinq_metric_defs(&w->defs);
    if (w->ndefs > MAX_DEFS) {
        skinq_free(ctx, w);
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "the metric registry outgrew the site summary (%d)",
                          MAX_DEFS);
    }
    for (size_t i = 0; i < w->ndefs; i++)
        w->a[i].first = w->a[i].latest = NAN;
    skinq_status st = skinq_store_query(ctx, store, subject, site, NULL, row, w);
    if (st == SKINQ_OK && w->rows)
        session_close(w);
    skinq_site_changes *c = st == SKINQ_OK ? skinq_calloc(ctx, 1, sizeof *c) : NULL;
    if (c) {
        c->alloc = ctx->alloc;
        c->normalised = w->normalised;
        c->items = skinq_calloc(ctx, w->ndefs, sizeof *c->items);
    }
    if (st == SKINQ_OK && (!c || !c->items)) {
        skinq_site_changes_free(&c);
        st = SKINQ_E_NOMEM;
    }
    skinq_repeatability *own = NULL; /* the site's repeat photos, when it has sessions of several */
    if (st == SKINQ_OK)
        st = skinq_store_repeatability(ctx, store, subject, site, &own);
    for (size_t i = 0; st == SKINQ_OK && i < w->ndefs; i++) {
        const struct acc *a = &w->a[i];
        if (isnan(a->first))
            continue;
        skinq_site_change *x = &c->items[c->count++];
        x->def = &w->defs[i];
        snprintf(x->unit, sizeof x->unit, "%s", a->unit);
        snprintf(x->first_date, sizeof x->first_date, "%s", a->first_date);
        snprintf(x->latest_date, sizeof x->latest_date, "%s", a->latest_date);
        x->first = a->first, x->latest = a->latest;
        x->first_n = a->first_n, x->latest_n = a->latest_n;
        x->mdc95 = skinq_metric_default_mdc(x->def->pattern, x->unit, x->first, w->normalised);
        for (size_t k = 0; k < own->count; k++)
            if (strcmp(own->items[k].path, x->def->pattern) == 0 && isfinite(own->items[k].mdc95))
                x->mdc95 = own->items[k].mdc95, x->mdc_site = 1;
        x->percent = skinq_change_percent(x->first, x->latest, x->mdc95);
        x->verdict = skinq_change_verdict(x->def->direction, x->first, x->latest, x->mdc95);
    }
    skinq_repeatability_free(&own);
    skinq_free(ctx, w);
    if (st == SKINQ_OK)
        *out = c;
    else
        skinq_site_changes_free(&c);
    return st;
}
