/* cmd_trend.c -- `skinq trend`: a metric's series for one site from the store, with the
 * healing fit (exponential or two-phase) when it is a finding (skinq_fit_judge), else `no reliable
 * trend` and why, and the linear slope per week. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"

static const char *opt_subject, *opt_site, *opt_metric, *opt_store, *opt_model;
static int opt_json;
static double opt_from_day = -1, opt_mdc = NAN;

static const cli_option trend_options[] = {
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "subject (required)"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "site (required)"},
    {"metric", 0, OPT_STRING, &opt_metric, "KEY", "metric path, e.g. color.a.mean (required)"},
    {"model", 0, OPT_STRING, &opt_model, "M", "exponential (default) or two-phase (needs >= 6 points)"},
    {"from-day", 0, OPT_DOUBLE, &opt_from_day, "D",
     "fit only sessions from day D on (default: after a day-0 baseline, see below)", CLI_GE(0)},
    {"mdc", 0, OPT_DOUBLE, &opt_mdc, "V",
     "the metric's minimal detectable change (MDC95, in its unit, e.g. from skinq repeat) the fit's total "
     "change must exceed (default: the registry's, 'skinq metrics')",
     CLI_GT(0)},
    {"store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    CLI_OPTIONS_END,
};

struct series {
    int n, cap;
    double *day, *value;
    char (*date)[11];
    char *unit; /* allocated: a stored string has no length limit */
    int nan_skipped, before_skipped, baseline;
    double from_day;
};

static int add_point(void *user, const skinq_store_row *r)
{
    struct series *s = user;
    if (isnan(r->value) ||
        !skinq_metric_unit_fits(r->metric, r->unit)) { /* no value, or px under an mm name */
        s->nan_skipped++;
        return 0;
    }
    if (r->day == 0 && r->procedure && r->procedure[0] && s->from_day < 0)
        s->baseline = 1; /* treated right after this photo: the decay starts at the next session */
    if (r->day < s->from_day || (s->baseline && r->day == 0)) {
        s->before_skipped++;
        return 0;
    }
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 32;
        double *d = realloc(s->day, (size_t)cap * sizeof *d),
               *v = d ? realloc(s->value, (size_t)cap * sizeof *v) : NULL;
        char(*dt)[11] = v ? realloc(s->date, (size_t)cap * sizeof *dt) : NULL;
        if (d)
            s->day = d;
        if (v)
            s->value = v;
        if (!dt)
            return 1;
        s->date = dt;
        s->cap = cap;
    }
    s->day[s->n] = r->day;
    s->value[s->n] = r->value;
    snprintf(s->date[s->n], 11, "%s", r->date);
    if (!s->unit || strcmp(s->unit, r->unit) != 0) {
        char *u = strdup(r->unit);
        if (!u)
            return 1;
        free(s->unit);
        s->unit = u;
    }
    s->n++;
    return 0;
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
    out_add_number(o, "mdc95", mdc);
    cJSON_AddBoolToObject(o, "mdc_checked", v->mdc_checked);
    out_add_number(o, "tau_days", f->tau_days);
    out_add_number(o, "half_life_days", f->half_life_days);
    out_add_number(o, "y0", f->y0);
    out_add_number(o, "y_inf", f->y_inf);
    out_add_number(o, "r2", f->r2);
    out_add_number(o, "rmse", f->rmse);
    out_add_number(o, "days_to_90pct", f->days_to_90pct);
    if (strcmp(f->model, "two-phase") == 0) {
        out_add_number(o, "a_fast", f->a_fast);
        out_add_number(o, "tau_fast_days", f->tau_fast_days);
        out_add_number(o, "b_slow", f->b_slow);
        out_add_number(o, "tau_slow_days", f->tau_slow_days);
    }
    cJSON *se = cJSON_AddObjectToObject(o, "stderr");
    out_add_number(se, "tau_days", f->stderr_.tau_days);
    out_add_number(se, "y0", f->stderr_.y0);
    out_add_number(se, "y_inf", f->stderr_.y_inf);
    if (strcmp(f->model, "two-phase") == 0) {
        out_add_number(se, "a_fast", f->stderr_.a_fast);
        out_add_number(se, "tau_fast_days", f->stderr_.tau_fast_days);
        out_add_number(se, "b_slow", f->stderr_.b_slow);
        out_add_number(se, "tau_slow_days", f->stderr_.tau_slow_days);
    }
    return o;
}

/* The fit as text: its own model's formula and parameters when it is a finding, else why not. */
static void print_fit(const skinq_fit *f, const skinq_fit_verdict *v)
{
    char b[8][32];
#define N(i, fmt, x) out_num(b[i], sizeof b[i], fmt, x)
    if (!v->reliable) {
        printf("\n  no reliable trend: %s (%s fit)\n", v->why, f->model);
        return;
    }
    if (!strcmp(f->model, "two-phase")) {
        printf(
            "\n  two-phase fit: y(t) = y∞ + a·e^(-t/τfast) + b·e^(-t/τslow), y∞ %s, a %s, τfast %s d, b %s, "
            "τslow %s d\n",
            N(0, "%.4g", f->y_inf), N(1, "%.4g", f->a_fast), N(2, "%.3g", f->tau_fast_days),
            N(3, "%.4g", f->b_slow), N(4, "%.3g", f->tau_slow_days));
        printf("  tau fast %s d (± %s), tau slow %s d (± %s), y0 %s, r² %s\n", N(0, "%.3g", f->tau_fast_days),
               N(1, "%.2g", f->stderr_.tau_fast_days), N(2, "%.3g", f->tau_slow_days),
               N(3, "%.2g", f->stderr_.tau_slow_days), N(4, "%.4g", f->y0), N(5, "%.3f", f->r2));
    } else {
        printf("\n  exponential fit: y(t) = y∞ + (y0 - y∞)·e^(-t/τ), y0 %s, y∞ %s, τ %s d\n",
               N(0, "%.4g", f->y0), N(1, "%.4g", f->y_inf), N(2, "%.3g", f->tau_days));
        printf("  tau %s d (± %s), half-life %s d, 90 %% of the change by day %s, r² %s\n",
               N(0, "%.3g", f->tau_days), N(1, "%.2g", f->stderr_.tau_days), N(2, "%.3g", f->half_life_days),
               N(3, "%.3g", f->days_to_90pct), N(4, "%.3f", f->r2));
    }
#undef N
    if (!v->mdc_checked)
        printf("  (%s)\n", v->why);
}

/* The MDC the fit's total change must exceed when --mdc is not given: the site's own (its repeat
 * photos) when the store has one, else the registry's default at the first fitted value, for
 * colour-normalised photos or raw ones as the site's were taken. */
static skinq_status trend_mdc(skinq_ctx *ctx, skinq_store *store, const struct series *s, double *mdc)
{
    skinq_site_changes *c = NULL;
    skinq_status st = skinq_store_site_changes(ctx, store, opt_subject, opt_site, &c);
    if (st != SKINQ_OK)
        return st;
    *mdc = skinq_metric_default_mdc(opt_metric, s->unit, s->value[0], c->normalised);
    for (size_t i = 0; i < c->count; i++)
        if (!strcmp(c->items[i].def->pattern, opt_metric) && c->items[i].mdc_site)
            *mdc = c->items[i].mdc95;
    skinq_site_changes_free(&c);
    return SKINQ_OK;
}

static int run(const cli_command *self, int argc, char **argv)
{
    int rc = cli_parse_options_only(self, argc, argv);
    if (rc >= 0)
        return rc;
    if (!opt_subject || !opt_site || !opt_metric)
        return cli_usage_error(self, "--subject, --site and --metric are required");
    if (!skinq_metric_find(opt_metric))
        return cli_usage_error(self, "unknown metric '%s' ('skinq metrics' lists them)", opt_metric);
    int two_phase = 0;
    if (opt_model && strcmp(opt_model, "two-phase") == 0)
        two_phase = 1;
    else if (opt_model && strcmp(opt_model, "exponential") != 0)
        return cli_usage_error(self, "--model takes exponential or two-phase, not '%s'", opt_model);

    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    const char *path = cli_store_path(opt_store);
    skinq_store *store = NULL;
    struct series s = {0};
    s.from_day = opt_from_day;
    skinq_fit fit;
    double slope = NAN, icpt, se_slope = NAN;
    if (!cli_store_exists(path)) {
        skinq_ctx_close(&ctx);
        return EXIT_STORE;
    }
    skinq_status st = skinq_store_open_readonly(ctx, path, &store);
    if (st == SKINQ_OK)
        st = skinq_store_query(ctx, store, opt_subject, opt_site, opt_metric, add_point, &s);
    if (st == SKINQ_OK && s.n == 0) {
        char known[1100];
        cli_store_known(ctx, store, opt_subject, opt_site, known, sizeof known);
        const skinq_metric_scaled *sc = skinq_metric_scaled_find(opt_metric);
        char px[96] = ""; /* an mm metric holds nothing without a scale: say where the pixels are */
        if (sc && strcmp(opt_metric, sc->mm) == 0)
            snprintf(px, sizeof px, " (without a scale its pixels are %s)", sc->px);
        fprintf(stderr, "skinq: no values of '%s'%s stored for %s/%s in '%s'%s\n", opt_metric, px,
                opt_subject, opt_site, path, known);
        skinq_store_close(&store);
        skinq_ctx_close(&ctx);
        return EXIT_IMPOSSIBLE;
    }
    if (st == SKINQ_OK)
        st = two_phase ? skinq_fit_two_phase(ctx, s.day, s.value, s.n, &fit)
                       : skinq_fit_exponential(ctx, s.day, s.value, s.n, &fit);
    skinq_fit_verdict verdict;
    double mdc = opt_mdc;
    if (st == SKINQ_OK && isnan(mdc))
        st = trend_mdc(ctx, store, &s, &mdc);
    if (st == SKINQ_OK) {
        skinq_fit_judge(&fit, s.day, s.value, s.n, mdc, &verdict);
        skinq_fit_linear(ctx, s.day, s.value, s.n, &slope, &icpt, &se_slope);
    }
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (opt_json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
        cJSON_AddStringToObject(doc, "metric", opt_metric);
        cJSON_AddStringToObject(doc, "unit", s.unit);
        cJSON_AddStringToObject(doc, "subject", opt_subject);
        cJSON_AddStringToObject(doc, "site", opt_site);
        if (opt_from_day >= 0)
            cJSON_AddNumberToObject(doc, "from_day", opt_from_day);
        if (s.baseline)
            cJSON_AddStringToObject(
                doc, "baseline", "the day-0 session carries a procedure note: fitted from the next session");
        cJSON *pts = cJSON_AddArrayToObject(doc, "points");
        for (int i = 0; i < s.n; i++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "date", s.date[i]);
            cJSON_AddNumberToObject(p, "day", s.day[i]);
            out_add_number(p, "value", s.value[i]);
            cJSON_AddItemToArray(pts, p);
        }
        cJSON_AddItemToObject(doc, "fit", fit_json(&fit, &verdict, mdc));
        cJSON *lin = cJSON_AddObjectToObject(doc, "linear");
        out_add_number(lin, "slope_per_week", 7 * slope);
        out_add_number(lin, "stderr_per_week", 7 * se_slope);
        rc = out_json(doc);
    } else {
        if (s.baseline)
            printf("(day 0 is the pre-treatment baseline: the fit starts at the next session)\n");
        printf("%s  %s/%s  (%d points)\n\n  %-10s %6s  %12s\n", opt_metric, opt_subject, opt_site, s.n,
               "date", "day", s.unit);
        for (int i = 0; i < s.n; i++)
            printf("  %-10s %6.0f  %12.4g\n", s.date[i], s.day[i], s.value[i]);
        print_fit(&fit, &verdict);
        char a[32], b[32];
        printf("  linear trend %s %s per week (± %s)\n", out_num(a, sizeof a, "%.4g", 7 * slope), s.unit,
               out_num(b, sizeof b, "%.2g", 7 * se_slope));
        rc = EXIT_OK;
    }
    free(s.day);
    free(s.value);
    free(s.date);
    free(s.unit);
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_trend = {
    "trend",
    run,
    "trend --subject ID --site NAME --metric KEY [--model exponential|two-phase] [--mdc V] [--json]",
    "fit a healing curve to one metric of a tracked site",
    trend_options,
    "The exponential model is y(t) = y_inf + (y0 - y_inf)·exp(-t/tau); two-phase is\n"
    "y(t) = y_inf + a·exp(-t/tau_fast) + b·exp(-t/tau_slow) (fast acute decay plus slow remodelling).\n"
    "A fit is shown only when it is a finding: enough points, converged, tau within 0.1 d and 10x the\n"
    "span, amplitudes within 3x the data's range, SE(tau) <= tau/2, r² >= 0.8, the total change above\n"
    "the MDC95 (--mdc, else the registry's); otherwise it says `no reliable trend` and why.\n"
    "Fewer than 3 points (6 for two-phase): exit 4. When the first session carries a procedure note\n"
    "(track add --procedure), it is the pre-treatment baseline and the fit starts at the next one.",
};
