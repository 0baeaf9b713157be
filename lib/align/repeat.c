/* repeat.c -- `skinq repeat`: re-captures of one unchanged site, each measured as skinq_compare()
 * measures an after photo against the first, and per metric n, mean, SD, CV, SEM and MDC95. The
 * photos go through the public compare (one analyser, so one texture plan, for all of them). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

void skinq_repeat_free(skinq_repeat_result **pr)
{
    if (!pr || !*pr)
        return;
    skinq_repeat_result *r = *pr;
    skinq_allocator a = r->alloc;
    for (size_t i = 0; r->analyses && i < r->n_images; i++)
        skinq_analysis_free(&r->analyses[i]);
    skinq_free_raw(&a, r->analyses);
    skinq_free_raw(&a, r->alignment);
    skinq_free_raw(&a, r->stats);
    skinq_free_raw(&a, r);
    *pr = NULL;
}

/* The statistics of one path over the photos (values that are not finite are left out). */
static void path_stat(const skinq_repeat_result *r, const skinq_metric *m, skinq_repeat_stat *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", m->path);
    snprintf(s->unit, sizeof s->unit, "%s", m->unit);
    double sum = 0, ss = 0;
    for (size_t i = 0; i < r->n_images; i++) {
        const skinq_metric *x = skinq_metrics_find(&r->analyses[i]->metrics, m->path);
        if (x && isfinite(x->value))
            sum += x->value, s->n++;
    }
    s->mean = s->n ? sum / s->n : NAN;
    for (size_t i = 0; i < r->n_images; i++) {
        const skinq_metric *x = skinq_metrics_find(&r->analyses[i]->metrics, m->path);
        if (x && isfinite(x->value))
            ss += (x->value - s->mean) * (x->value - s->mean);
    }
    s->sd = s->n >= 2 ? sqrt(ss / (s->n - 1)) : NAN;
    s->sem = s->sd / sqrt(s->n);
    s->mdc95 = skinq_mdc95(s->sd);
    /* a mean within noise of zero (a delta_ref of unchanged skin) has no meaningful ratio */
    s->cv_percent = fabs(s->mean) > s->mdc95 ? 100 * s->sd / fabs(s->mean) : NAN;
}

static skinq_status fill_stats(skinq_ctx *ctx, skinq_repeat_result *r)
{
    const skinq_metrics *first = &r->analyses[0]->metrics;
    r->stats = skinq_calloc(ctx, first->count + 1, sizeof *r->stats);
    if (!r->stats)
        return SKINQ_E_NOMEM;
    for (size_t k = 0; k < first->count; k++)
        if (skinq_metric_repeatable(first->items[k].path))
            path_stat(r, &first->items[k], &r->stats[r->stat_count++]);
    return SKINQ_OK;
}

/* Photo i onto the first; the first pair also gives the first photo's own analysis (compare's before). */
static skinq_status measure(skinq_ctx *ctx, const char *const *paths, size_t i,
                            const skinq_compare_options *o, skinq_repeat_result *r)
{
    skinq_compare_options co = *o;
    co.maps_dir = NULL;
    co.after_only = i > 1;
    skinq_compare_result *c = NULL;
    skinq_status st = skinq_compare(ctx, paths[0], paths[i], &co, &c);
    if (st == SKINQ_E_ALIGN) {
        char why[512];
        snprintf(why, sizeof why, "%s", skinq_ctx_error(ctx));
        return skinq_fail(ctx, st, "'%s' cannot be registered onto '%s': %s", paths[i], paths[0], why);
    }
    if (st != SKINQ_OK)
        return st;
    if (i == 1) {
        r->analyses[0] = c->before;
        c->before = NULL;
    }
    r->analyses[i] = c->after;
    c->after = NULL;
    r->alignment[i] = c->alignment;
    skinq_compare_free(&c);
    return SKINQ_OK;
}

skinq_status skinq_repeat(skinq_ctx *ctx, const char *const *paths, size_t n, const skinq_compare_options *o,
                          skinq_repeat_result **out)
{
    skinq_compare_options co;
    skinq_status st = SKINQ_OPTIONS_TAKE(ctx, &co, o, skinq_compare_default_options, "skinq_compare_options");
    if (st != SKINQ_OK)
        return st;
    if (!paths || n < 2)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "repeatability needs at least 2 photos of the site");
    skinq_analyzer *own = NULL; /* one texture plan for every photo */
    if (!co.analyzer && (st = skinq_analyzer_new(ctx, co.analysis, &own)) != SKINQ_OK)
        return st;
    co.analyzer = co.analyzer ? co.analyzer : own;
    skinq_repeat_result *r = skinq_calloc(ctx, 1, sizeof *r);
    if (r) {
        r->alloc = ctx->alloc;
        r->n_images = n;
        r->analyses = skinq_calloc(ctx, n, sizeof *r->analyses);
        r->alignment = skinq_calloc(ctx, n, sizeof *r->alignment);
    }
    st = r && r->analyses && r->alignment ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        skinq_alignment *self = &r->alignment[0];
        snprintf(self->method, sizeof self->method, "none");
        self->ok = 1;
        self->rms_px = self->ecc = NAN;
        self->overlap = 1;
        self->matrix[0] = self->matrix[4] = self->matrix[8] = 1;
    }
    for (size_t i = 1; i < n && st == SKINQ_OK; i++)
        st = measure(ctx, paths, i, &co, r);
    if (st == SKINQ_OK) {
        skinq_alignment *self = &r->alignment[0];
        self->before_size[0] = self->after_size[0] = r->analyses[0]->width;
        self->before_size[1] = self->after_size[1] = r->analyses[0]->height;
    }
    if (st == SKINQ_OK)
        st = fill_stats(ctx, r);
    skinq_analyzer_free(&own);
    if (st != SKINQ_OK) {
        skinq_repeat_free(&r);
        return st;
    }
    *out = r;
    return SKINQ_OK;
}
