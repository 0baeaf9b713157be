/* cmd_repeat.c -- `skinq repeat IMAGE...`: re-captures of one unchanged site, each registered onto
 * the first and normalised as `compare` does; per metric n, mean, SD, CV %, SEM and MDC95. With
 * --store/--subject/--site instead: the site's own repeatability from its sessions with several
 * photos. A table, JSON or CSV. */
#include <math.h>
#include <string.h>

#include "aopts.h"
#include "out.h"

static const char *opt_store, *opt_subject, *opt_site;
static int opt_json, opt_csv;

static const cli_option repeat_options[] = {
    CLI_ANALYSIS_OPTIONS,
    CLI_COMPARE_OPTIONS,
    {"store", 0, OPT_STRING, &opt_store, "PATH", "with --subject and --site: the site's own repeatability"},
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "subject in the store"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "site of the subject"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    {"csv", 0, OPT_FLAG, &opt_csv, NULL, "CSV rows (metric,n,mean,sd,cv_percent,sem,mdc95,unit)"},
    CLI_OPTIONS_END,
};

/* A CSV field: empty when not finite. */
static void csv_num(double v)
{
    char b[32];
    printf(",%s", out_num_csv(b, sizeof b, v));
}

/* ------------------------------------------------------------ photos */

static void print_repeat_text(const skinq_repeat_result *r)
{
    printf("%zu photos of one site, registered onto %s\n", r->n_images, r->analyses[0]->path);
    for (size_t i = 1; i < r->n_images; i++) {
        const skinq_alignment *al = &r->alignment[i];
        if (strcmp(al->method, "none") == 0)
            printf("  %s  not registered (--no-align)\n", r->analyses[i]->path);
        else
            printf("  %s  %d/%d inliers, rms %.2f px, overlap %.1f %%\n", r->analyses[i]->path, al->inliers,
                   al->matches, al->rms_px, 100 * al->overlap);
    }
    printf("\n  %-36s %3s %11s %10s %7s %10s %10s  %s\n", "metric", "n", "mean", "SD", "CV %", "SEM", "MDC95",
           "unit");
    for (size_t k = 0; k < r->stat_count; k++) {
        const skinq_repeat_stat *s = &r->stats[k];
        if (!out_table_metric(s->path))
            continue;
        char b[5][32];
        printf("  %-36s %3d %11s %10s %7s %10s %10s  %s\n", s->path, s->n, out_num(b[0], 32, "%.5g", s->mean),
               out_num(b[1], 32, "%.3g", s->sd), out_num(b[2], 32, "%.2f", s->cv_percent),
               out_num(b[3], 32, "%.3g", s->sem), out_num(b[4], 32, "%.3g", s->mdc95), s->unit);
    }
    printf("\nMDC95 = 1.96·√2·SD: a change between two photos smaller than this is within the\n"
           "measurement's own noise (95 %%). CV n/a: the mean is zero within that noise.\n");
}

static void print_repeat_csv(const skinq_repeat_result *r)
{
    printf("metric,n,mean,sd,cv_percent,sem,mdc95,unit\n");
    for (size_t k = 0; k < r->stat_count; k++) {
        const skinq_repeat_stat *s = &r->stats[k];
        printf("%s,%d", s->path, s->n);
        csv_num(s->mean), csv_num(s->sd), csv_num(s->cv_percent), csv_num(s->sem), csv_num(s->mdc95);
        printf(",%s\n", s->unit);
    }
}

static int run_photos(const cli_command *self, int n, char **paths)
{
    if (n < 2)
        return cli_usage_error(self, "give at least two photos of the same site (got %d)", n);
    skinq_analysis_options o;
    skinq_compare_options co;
    skinq_ctx *ctx = NULL;
    skinq_mask *mask = NULL;
    int rc = cli_compare_setup(self, &ctx, &o, &mask, &co);
    if (rc >= 0)
        return rc;
    skinq_repeat_result *r = NULL;
    skinq_status st = skinq_repeat(ctx, (const char *const *)paths, (size_t)n, &co, &r);
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (opt_json) {
        cJSON *doc = skinq_repeat_cjson(r, &co, g_aopts.mask, g_aopts.camera);
        rc = doc ? out_json(doc)
                 : (fputs("skinq: internal error: cannot build the JSON output (out of memory)\n", stderr),
                    EXIT_INTERNAL);
    } else {
        if (opt_csv)
            print_repeat_csv(r);
        else
            print_repeat_text(r);
        rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
    }
    skinq_repeat_free(&r);
    skinq_mask_free(&mask);
    skinq_ctx_close(&ctx);
    return rc;
}

/* ------------------------------------------------------------ a site's sessions */

static int print_site(const skinq_repeatability *rep)
{
    if (opt_json)
        return out_json(skinq_repeatability_cjson(rep, opt_subject, opt_site));
    if (opt_csv)
        printf("metric,sessions,n,df,sd,mdc95,unit\n");
    else
        printf("%s/%s: within-session repeatability (sessions with 2 or more photos)\n\n  %-36s %8s %4s %4s "
               "%10s %10s  %s\n",
               opt_subject, opt_site, "metric", "sessions", "n", "df", "SD", "MDC95", "unit");
    for (size_t k = 0; k < rep->count; k++) {
        const skinq_repeatability_item *it = &rep->items[k];
        char b[2][32];
        if (opt_csv) {
            printf("%s,%d,%d,%d", it->path, it->sessions, it->n, it->df);
            csv_num(it->sd), csv_num(it->mdc95);
            printf(",%s\n", it->unit);
        } else if (out_table_metric(it->path)) {
            printf("  %-36s %8d %4d %4d %10s %10s  %s\n", it->path, it->sessions, it->n, it->df,
                   out_num(b[0], 32, "%.3g", it->sd), out_num(b[1], 32, "%.3g", it->mdc95), it->unit);
        }
    }
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int run_store(const cli_command *self)
{
    if (!opt_subject || !opt_site)
        return cli_usage_error(self, "a site's repeatability needs --subject and --site");
    const char *path = cli_store_path(opt_store);
    if (!cli_store_exists(path))
        return EXIT_STORE;
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_store *store = NULL;
    skinq_repeatability *rep = NULL;
    skinq_status st = skinq_store_open_readonly(ctx, path, &store);
    if (st == SKINQ_OK)
        st = skinq_store_repeatability(ctx, store, opt_subject, opt_site, &rep);
    int rc;
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (rep->count == 0) {
        fprintf(stderr,
                "skinq: %s/%s in '%s' has no session with 2 or more photos (add several photos of one day "
                "with one 'track add')\n",
                opt_subject, opt_site, path);
        rc = cli_exit_for(CLI_COND_NOTHING);
    } else {
        rc = print_site(rep);
    }
    skinq_repeatability_free(&rep);
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

static int run(const cli_command *self, int argc, char **argv)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (opt_json && opt_csv)
        return cli_usage_error(self, "choose --json or --csv");
    if (opt_store || opt_subject || opt_site) {
        const cli_aopts *a = &g_aopts;
        if (argc - first > 0)
            return cli_usage_error(self, "give photos, or --store/--subject/--site, not both");
        if (a->roi || a->mask || a->ref || a->white || a->auto_skin || a->no_texture || g_copts.chart ||
            g_copts.no_align)
            return cli_usage_error(self, "a site's stored repeatability takes no analysis options (the store "
                                         "holds the numbers)");
        return run_store(self);
    }
    return run_photos(self, argc - first, argv + first);
}

const cli_command cmd_repeat = {
    "repeat",
    run,
    "repeat IMAGE IMAGE... [--roi x,y,w,h | --mask M.png | --auto-skin [MODE]] [--ref x,y,w,h] [options]\n"
    "       repeat --subject ID --site NAME [--store PATH]",
    "repeatability: per metric SD, CV % and minimal detectable change (MDC95) of re-captures",
    repeat_options,
    "Photos of one unchanged site (same day, re-positioned between shots): each is registered\n"
    "onto the first, calibrated and normalised as `compare` measures an after photo (--white,\n"
    "--chart, --ref on the first), and analysed on the common ROI. Per metric: n, mean, SD\n"
    "(n - 1), CV % = 100·SD/|mean| (n/a when the mean is zero within noise), SEM = SD/√n and\n"
    "MDC95 = 1.96·√2·SD, the smallest change between two photos that is more than noise.\n"
    "The table shows the headline metrics; --json and --csv give every one. Exit 4 when a photo\n"
    "cannot be registered onto the first (the message names it).\n"
    "With --subject and --site (and --store): the site's own repeatability from the store, the\n"
    "within-session SD pooled over its sessions with 2 or more photos (several photos given to\n"
    "one `track add`, or `track add` again with the same --date and --label).",
};
