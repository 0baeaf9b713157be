/* cmd_trend.c -- `skinq trend`: a metric's series for one site from the store, with the
 * healing fit (exponential or two-phase) when it is a finding (skinq_fit_judge), else `no reliable
 * trend` and why, and the linear slope per week. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"

static const char *opt_subject, *opt_site, *opt_metric, *opt_store, *opt_model;
static int opt_json, opt_cycle;
static double opt_from_day = NAN, opt_to_day = NAN, opt_mdc = NAN;

static const cli_option trend_options[] = {
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "subject (required)"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "site (required)"},
    {"metric", 0, OPT_STRING, &opt_metric, "KEY", "metric path, e.g. color.a.mean (required)"},
    {"model", 0, OPT_STRING, &opt_model, "M", "exponential (default) or two-phase (needs >= 6 points)"},
    {"cycle", 0, OPT_INT, &opt_cycle, "N", "only the N-th procedure's cycle (default: every cycle)",
     CLI_IN(1, SKINQ_COURSE_MAX_CYCLES)},
    {"from-day", 0, OPT_DOUBLE, &opt_from_day, "D",
     "override: one fit over the sessions from course day D on (days from the first procedure)"},
    {"to-day", 0, OPT_DOUBLE, &opt_to_day, "D", "override: ... up to course day D"},
    {"mdc", 0, OPT_DOUBLE, &opt_mdc, "V",
     "the metric's minimal detectable change (MDC95, in its unit, e.g. from skinq repeat) the fit's total "
     "change must exceed (default: the registry's, 'skinq metrics')",
     CLI_GT(0)},
    {"store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    CLI_OPTIONS_END,
};

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

/* "2026-01-05" or "2026-01-05 10:30" */
static const char *when(const skinq_course_point *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%.5s", p->date, p->time[0] ? " " : "", p->time);
    return buf;
}

static void print_points(const skinq_trend *t, int first, int count)
{
    char w[32];
    const skinq_course_point *p = t->points;
    for (int i = first; i < first + count; i++)
        printf("    %-16s %7.4g %9.4g  %12.4g\n", when(&p[i], w, sizeof w), p[i].day, p[i].cycle_day,
               p[i].value);
}

static void print_course(const skinq_trend *t)
{
    const skinq_course *co = t->course;
    char a[32], b[32], c[32];
    printf("%s  %s/%s  (%d points, %d procedure%s)  %s\n", opt_metric, opt_subject, opt_site, t->n,
           co->procedures, co->procedures == 1 ? "" : "s", t->unit);
    printf("  days count from the %s\n", co->procedures
                                             ? "first procedure session (the baseline's are negative)"
                                             : "first session (no procedure is marked)");
    if (co->procedures && co->baseline_n) {
        printf("\n  baseline: %d value%s before the first procedure, mean %s, SD %s\n", co->baseline_n,
               co->baseline_n == 1 ? "" : "s", out_num(a, sizeof a, "%.4g", co->baseline_mean),
               out_num(b, sizeof b, "%.2g", co->baseline_sd));
        printf("    %-16s %7s %9s  %12s\n", "date", "day", "cycle day", t->unit);
        for (int i = 0; i < t->n && t->points[i].cycle == 0; i++)
            print_points(t, i, 1);
    } else if (co->procedures) {
        printf("\n  no baseline: no session before the first procedure\n");
    }
    for (int k = 0; k < co->ncycles; k++) {
        const skinq_course_cycle *cy = &co->cycles[k];
        if (co->window)
            printf("\n  sessions from course day %s to %s (--from-day/--to-day):\n",
                   out_num(a, sizeof a, "%g", opt_from_day), out_num(b, sizeof b, "%g", opt_to_day));
        else if (cy->cycle > 0)
            printf("\n  cycle %d: procedure '%s' on %s\n", cy->cycle, cy->procedure, cy->date);
        else
            printf("\n  every session:\n");
        printf("    %-16s %7s %9s  %12s\n", "date", "day", "cycle day", t->unit);
        print_points(t, cy->first, cy->count);
        if (cy->fit_status != SKINQ_OK)
            printf("\n    no fit: %s\n", cy->fit_error);
        else
            print_fit(&cy->fit, &cy->verdict);
        if (cy->fit_status == SKINQ_OK)
            printf("  linear trend %s %s per week (± %s)\n", out_num(a, sizeof a, "%.4g", cy->slope_per_week),
                   t->unit, out_num(b, sizeof b, "%.2g", cy->slope_se_per_week));
        if (!isnan(cy->excess_left_pct))
            printf("  excess over the baseline left at the cycle's end (day %s): %s %% of the first "
                   "session's\n",
                   out_num(a, sizeof a, "%.3g", cy->end_day),
                   out_num(b, sizeof b, "%.3g", cy->excess_left_pct));
    }
    if (co->procedures && co->baseline_n && co->ncycles > 0 && !co->window) {
        char n[5][32];
        printf(
            "\n  course: baseline %s, end of cycle %d %s (%s, %s %%); the line through the baseline and the "
            "cycles' ends: %s %s per week (± %s)\n",
            out_num(n[0], 32, "%.4g", co->baseline_mean), co->cycles[co->ncycles - 1].cycle,
            out_num(n[1], 32, "%.4g", co->cycles[co->ncycles - 1].end),
            out_num(n[2], 32, "%+.3g", co->end_change), out_num(n[3], 32, "%+.3g", co->end_change_pct),
            out_num(n[4], 32, "%.3g", co->slope_per_week), t->unit,
            out_num(c, sizeof c, "%.2g", co->slope_se_per_week));
    }
}

/* An unknown --metric: the registry's keys that share its first part (else every headline key). */
static int unknown_metric(const cli_command *self)
{
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs), len = 0, family = strcspn(opt_metric, ".");
    char list[2048] = "";
    for (int pass = 0; pass < 2 && !len; pass++)
        for (size_t i = 0; i < n; i++) {
            const char *p = defs[i].pattern;
            int same = strncmp(p, opt_metric, family) == 0 && p[family] == '.';
            if ((pass == 0 ? !same : !defs[i].headline) || len + strlen(p) + 3 >= sizeof list)
                continue;
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", p);
        }
    return cli_usage_error(self, "unknown metric '%s'; valid keys: %s ('skinq metrics' lists every one)",
                           opt_metric, list);
}

static int run(const cli_command *self, int argc, char **argv)
{
    int rc = cli_parse_options_only(self, argc, argv);
    if (rc >= 0)
        return rc;
    if (!opt_subject || !opt_site || !opt_metric)
        return cli_usage_error(self, "--subject, --site and --metric are required");
    if (!skinq_metric_find(opt_metric))
        return unknown_metric(self);
    skinq_course_options co_opts;
    skinq_course_default_options(&co_opts);
    if (opt_model && strcmp(opt_model, "two-phase") == 0)
        co_opts.model = SKINQ_COURSE_TWO_PHASE;
    else if (opt_model && strcmp(opt_model, "exponential") != 0)
        return cli_usage_error(self, "--model takes exponential or two-phase, not '%s'", opt_model);
    if (opt_cycle && (!isnan(opt_from_day) || !isnan(opt_to_day)))
        return cli_usage_error(self, "--cycle and --from-day/--to-day exclude each other");
    if (opt_from_day > opt_to_day)
        return cli_usage_error(self, "--from-day is after --to-day");
    co_opts.cycle = opt_cycle;
    co_opts.from_day = opt_from_day;
    co_opts.to_day = opt_to_day;

    skinq_trend_options to;
    skinq_trend_default_options(&to);
    to.subject = opt_subject, to.site = opt_site, to.metric = opt_metric;
    to.course = co_opts;
    to.course.mdc95 = opt_mdc; /* NaN: the site's own, else the registry's */

    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    const char *path = cli_store_path(opt_store);
    skinq_store *store = NULL;
    skinq_trend *t = NULL;
    if (!cli_store_exists(path)) {
        skinq_ctx_close(&ctx);
        return EXIT_STORE;
    }
    skinq_status st = skinq_store_open_readonly(ctx, path, &store);
    if (st == SKINQ_OK) /* the series, its MDC and its course: the library's (lib/track/trend.c) */
        st = skinq_trend_run(ctx, store, &to, &t);
    if (st == SKINQ_OK && t->n == 0) {
        char known[1100];
        cli_store_known(ctx, store, opt_subject, opt_site, known, sizeof known);
        const skinq_metric_scaled *sc = skinq_metric_scaled_find(opt_metric);
        char px[96] = ""; /* an mm metric holds nothing without a scale: say where the pixels are */
        if (sc && strcmp(opt_metric, sc->mm) == 0)
            snprintf(px, sizeof px, " (without a scale its pixels are %s)", sc->px);
        fprintf(stderr, "skinq: no values of '%s'%s stored for %s/%s in '%s'%s\n", opt_metric, px,
                opt_subject, opt_site, path, known);
        rc = EXIT_IMPOSSIBLE;
    } else if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (opt_json) {
        rc = out_json(skinq_trend_cjson(t));
    } else {
        print_course(t);
        rc = EXIT_OK;
    }
    skinq_trend_free(&t);
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_trend = {
    "trend",
    run,
    "trend --subject ID --site NAME --metric KEY [--cycle N] [--model exponential|two-phase] [--mdc V] "
    "[--json]",
    "fit each treatment cycle's healing curve to one metric of a tracked site",
    trend_options,
    "The course: sessions before the first procedure (track add --procedure marks the session right\n"
    "after one) are the baseline, each procedure starts a cycle that lasts until the next one. Days\n"
    "count from the first procedure (baseline negative), cycle days from the cycle's own procedure.\n"
    "Each cycle is fitted from its procedure session: the exponential y(t) = y_inf + (y0 - "
    "y_inf)·exp(-t/tau)\n"
    "or two-phase y(t) = y_inf + a·exp(-t/tau_fast) + b·exp(-t/tau_slow); with it the baseline's mean\n"
    "and SD, the share of each cycle's excess left at its end, and the line through the baseline and\n"
    "the cycles' ends (the slow trend). No procedure marked: one fit over every session.\n"
    "A fit is shown only when it is a finding: enough points, converged, tau within 0.1 d and 10x the\n"
    "span, amplitudes within 3x the data's range, SE(tau) <= tau/2, r² >= 0.8, the total change above\n"
    "the MDC95 (--mdc, else the registry's); otherwise it says `no reliable trend` and why.\n"
    "No window with 3 points (6 for two-phase): exit 4. The report applies the same rule.",
};
