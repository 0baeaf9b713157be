/* cmd_metrics.c -- `skinq metrics`: the metric registry as a user reads it: every path's unit,
 * clinical item, direction of improvement and default minimal detectable change. */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "out.h"

static int opt_json;

static const cli_option metrics_options[] = {
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    CLI_OPTIONS_END,
};

static const char *direction_name(int d)
{
    return d < 0 ? "lower is better" : d > 0 ? "higher is better" : "none";
}

static cJSON *registry_json(void)
{
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    cJSON *doc = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(doc, "metrics");
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    for (size_t i = 0; i < n; i++) {
        const skinq_metric_def *d = &defs[i];
        cJSON *m = cJSON_CreateObject();
        cJSON_AddItemToArray(list, m);
        cJSON_AddStringToObject(m, "pattern", d->pattern);
        if (d->unit)
            cJSON_AddStringToObject(m, "unit", d->unit);
        else
            cJSON_AddNullToObject(m, "unit");
        cJSON_AddStringToObject(m, "label", d->label);
        if (d->item)
            cJSON_AddStringToObject(m, "item", d->item);
        else
            cJSON_AddNullToObject(m, "item");
        cJSON_AddStringToObject(m, "direction",
                                d->direction < 0   ? "lower"
                                : d->direction > 0 ? "higher"
                                                   : "none");
        cJSON_AddBoolToObject(m, "relative", d->relative);
        cJSON_AddBoolToObject(m, "headline", d->headline);
        out_add_number(m, "mdc95", d->mdc95);
        out_add_number(m, "mdc95_raw", d->mdc95_raw);
        cJSON_AddStringToObject(m, "mdc95_unit", d->mdc_percent ? "%" : d->unit ? d->unit : "");
        if (d->mdc_source && (isfinite(d->mdc95) || isfinite(d->mdc95_raw)))
            cJSON_AddStringToObject(m, "mdc95_source", d->mdc_source);
        else
            cJSON_AddNullToObject(m, "mdc95_source");
    }
    return doc;
}

static void print_text(void)
{
    const skinq_metric_def *defs;
    size_t n = skinq_metric_defs(&defs);
    printf("%-34s %-9s %-17s %-9s %-9s  %s\n", "metric", "unit", "direction", "MDC95", "(raw)",
           "label [clinical item]");
    for (size_t i = 0; i < n; i++) {
        const skinq_metric_def *d = &defs[i];
        char mdc[2][24];
        const double v[2] = {d->mdc95, d->mdc95_raw};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k]))
                snprintf(mdc[k], sizeof mdc[k], "%.3g%s", v[k], d->mdc_percent ? " %" : "");
            else
                snprintf(mdc[k], sizeof mdc[k], "-");
        printf("%-34s %-9s %-17s %-9s %-9s  %s%s%s%s%s\n", d->pattern, d->unit ? d->unit : "-",
               direction_name(d->direction), mdc[0], mdc[1], d->label, d->item ? " [" : "",
               d->item ? d->item : "", d->item ? "]" : "", d->relative ? " (relative)" : "");
    }
    printf(
        "\nMDC95: colour-normalised photos (--ref, --white or --chart); (raw): without; '-' not measured.\n"
        "Measured with 'skinq repeat' on the recapture phantom (scripts/mdc-table.sh); %% = of the before "
        "value.\n");
}

static int run(const cli_command *self, int argc, char **argv)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 0)
        return cli_usage_error(self, "metrics takes no files");
    if (opt_json)
        return out_json(registry_json());
    print_text();
    return fflush(stdout) == 0 ? EXIT_OK : cli_exit_for(CLI_COND_INTERNAL);
}

const cli_command cmd_metrics = {
    "metrics",
    run,
    "metrics [--json]",
    "the metric registry: unit, clinical item, direction of improvement, default MDC95",
    metrics_options,
    "Every metric path skinq reports is described by one registry (lib/core/metric_defs.c); compare,\n"
    "track show, trend and report read it. A \"*\" segment matches any one segment; the first\n"
    "matching row wins. MDC95 (minimal detectable change, 1.96·√2·SD of repeat captures of\n"
    "unchanged skin) is in the metric's unit, or in % of the before value; a change within it is\n"
    "\"no detectable change\". A site's own repeatability (several photos in one session) overrides\n"
    "it in track show and report. Measured with `skinq repeat` on the recapture phantom (README).",
};
