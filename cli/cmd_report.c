/* cmd_report.c -- `skinq report`: the HTML report of a subject's tracked sites. */
#include "cli.h"

#include <string.h>

static const char *opt_subject, *opt_site, *opt_store, *opt_out;

static const cli_option report_options[] = {
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "subject (required)"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "only this site"},
    {"out", 'o', OPT_STRING, &opt_out, "FILE", "the HTML file to write, - for stdout (required)"},
    {"store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"},
    CLI_OPTIONS_END,
};

static int run(const cli_command *self, int argc, char **argv)
{
    int rc = cli_parse_options_only(self, argc, argv);
    if (rc >= 0)
        return rc;
    if (!opt_subject || !opt_out)
        return cli_usage_error(self, "--subject and --out are required");
    const char *path = cli_store_path(opt_store);
    if (!cli_store_exists(path))
        return EXIT_STORE;
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_store *store = NULL;
    skinq_status st = skinq_store_open_readonly(ctx, path, &store);
    if (st == SKINQ_OK)
        st = skinq_report_html(ctx, store, opt_subject, opt_site, opt_out);
    if (st == SKINQ_OK) {
        if (!g_opts.quiet)
            fprintf(stderr, "skinq: wrote %s\n", strcmp(opt_out, "-") ? opt_out : "the report to stdout");
        rc = EXIT_OK;
    } else {
        /* writing the output file is not a bad input: an unwritable --out is exit 1; a --out
         * that is no regular file (a FIFO, a device) is refused as SKINQ_E_UNSUPPORTED: exit 3 */
        rc = st == SKINQ_E_IO ? (cli_fail(ctx, st), cli_exit_for(CLI_COND_OUTPUT)) : cli_fail(ctx, st);
    }
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_report = {
    "report",
    run,
    "report --subject ID [--site NAME] --out report.html",
    "write a readable HTML report of a subject's sites: timeline, charts, healing fits",
    report_options,
    NULL,
};
