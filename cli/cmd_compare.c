/* cmd_compare.c -- `skinq compare BEFORE AFTER`: after registered onto before, colour-normalised,
 * both analysed on the common ROI; ΔE2000 and every metric's change, as a table, JSON or CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aopts.h"
#include "out.h"

static const char *opt_maps;
static int opt_json, opt_csv;

static const cli_option compare_options[] = {
    CLI_ANALYSIS_OPTIONS,
    CLI_COMPARE_OPTIONS,
    {"maps", 0, OPT_STRING, &opt_maps, "DIR",
     "write aligned_after, side_by_side, redness_before/after/change, delta_e2000 PNGs (labelled, fixed "
     "change scales)"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    {"csv", 0, OPT_FLAG, &opt_csv, NULL, "CSV rows (metric,before,after,change,percent,improved,unit)"},
    CLI_OPTIONS_END,
};

/* The document: the library's one writer (lib/align/compare_json.c), shared with Python's skinq.compare. */
static cJSON *result_json(const skinq_compare_result *r, const skinq_compare_options *co)
{
    return skinq_compare_cjson(r, co, g_aopts.camera);
}

/* The readable table: alignment, calibration, ΔE2000, then the headline metrics. */
static void print_text(const skinq_compare_result *r)
{
    const skinq_alignment *al = &r->alignment;
    printf("before  %s\nafter   %s\n", r->before->path, r->after->path);
    if (strcmp(al->method, "none") == 0)
        printf("  alignment   none (--no-align): overlap %.1f %%\n", 100 * al->overlap);
    else
        printf("  alignment   %s: %d/%d inliers, rms %.2f px, overlap %.1f %%, band-pass correlation %.2f\n",
               al->method, al->inliers, al->matches, al->rms_px, 100 * al->overlap, r->ncc);
    if (al->strong_perspective)
        printf("  viewpoint   tilt %.0f°, scale %.2f..%.2f across the frame (strong perspective)\n",
               al->tilt_deg, al->scale_range[0], al->scale_range[1]);
    if (r->has_chart)
        printf("  calibration chart%s: patch ΔE2000 mean %.2f -> %.2f (before), %.2f -> %.2f (after)\n",
               r->chart[0].detected ? " (found by OpenCV mcc)" : "", r->chart[0].de_before_mean,
               r->chart[0].de_after_mean, r->chart[1].de_before_mean, r->chart[1].de_after_mean);
    else if (r->has_white)
        printf("  calibration white gains before %.3f %.3f %.3f, after %.3f %.3f %.3f\n",
               r->white_gains[0][0], r->white_gains[0][1], r->white_gains[0][2], r->white_gains[1][0],
               r->white_gains[1][1], r->white_gains[1][2]);
    if (r->has_ref)
        printf("  reference   after scaled by %.3f %.3f %.3f to match before\n", r->ref_gains[0],
               r->ref_gains[1], r->ref_gains[2]);
    printf("  common ROI  %llu px\n", (unsigned long long)r->roi_pixels);
    printf("  ΔE2000      mean %.2f, p95 %.2f\n", r->delta_e_mean, r->delta_e_p95);
    printf("  %-36s %10s %10s %10s %8s %9s  %s\n", "metric", "before", "after", "change", "%", "MDC95",
           "verdict");
    for (size_t i = 0; i < r->delta_count; i++) {
        const skinq_delta *d = &r->delta[i];
        const skinq_delta_verdict *v = &r->verdict[i];
        if (!out_table_metric(d->path))
            continue;
        char b[16], a[16], c[16], pct[16], mdc[16];
        printf("  %-36s %10s %10s %10s %8s %9s  %s\n", d->path, out_num(b, sizeof b, "%.4g", d->before),
               out_num(a, sizeof a, "%.4g", d->after), out_num(c, sizeof c, "%+.4g", d->change),
               out_num(pct, sizeof pct, "%+.1f", v->percent), out_num(mdc, sizeof mdc, "%.3g", v->mdc95),
               skinq_verdict_name(v->verdict));
    }
}

static void print_csv(const skinq_compare_result *r)
{
    printf("metric,before,after,change,percent,mdc95,verdict,improved,unit\n");
    for (size_t i = 0; i < r->delta_count; i++) {
        const skinq_delta *d = &r->delta[i];
        const skinq_delta_verdict *v = &r->verdict[i];
        char b[32], a[32], c[32], pct[32], mdc[32];
        printf("%s,%s,%s,%s,%s,%s,%s,%s,%s\n", d->path, out_num_csv(b, sizeof b, d->before),
               out_num_csv(a, sizeof a, d->after), out_num_csv(c, sizeof c, d->change),
               out_num_csv(pct, sizeof pct, v->percent), out_num_csv(mdc, sizeof mdc, v->mdc95),
               skinq_verdict_name(v->verdict),
               d->improved < 0 ? ""
               : d->improved   ? "true"
                               : "false",
               d->unit);
    }
    printf("delta_e2000.mean,,,%.9g,,,,,dE00\ndelta_e2000.p95,,,%.9g,,,,,dE00\n", r->delta_e_mean,
           r->delta_e_p95);
}

static int run(const cli_command *self, int argc, char **argv)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 2)
        return cli_usage_error(self, "give two images: BEFORE AFTER");
    if (opt_json && opt_csv)
        return cli_usage_error(self, "choose --json or --csv");
    if (opt_maps && (rc = out_dir_ready(opt_maps)) >= 0)
        return rc;
    skinq_analysis_options o;
    skinq_compare_options co;
    skinq_ctx *ctx = NULL;
    skinq_mask *mask = NULL;
    if ((rc = cli_compare_setup(self, &ctx, &o, &mask, &co)) >= 0)
        return rc;
    co.maps_dir = opt_maps;
    skinq_compare_result *r = NULL;
    cli_marker mk = {0}; /* --px-per-mm marker: before's marker gives the scale (after is measured at it) */
    skinq_status st = SKINQ_OK;
    if ((rc = cli_marker_apply(ctx, argv[first], &o, &mk)) < 0)
        st = skinq_compare(ctx, argv[first], argv[first + 1], &co, &r);
    if (rc >= 0) {
        /* before has no marker: said by cli_marker_apply() */
    } else if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (opt_json) {
        cJSON *doc = result_json(r, &co);
        if (doc && mk.used) {
            cli_marker_json(cJSON_GetObjectItem(doc, "before"), &mk);
            cJSON *asc = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "after"), "scale");
            if (cJSON_IsObject(asc))
                cJSON_ReplaceItemInObject(asc, "source", cJSON_CreateString("before's marker"));
        }
        rc = doc ? out_json(doc)
                 : (fputs("skinq: internal error: cannot build the JSON output (out of memory or clashing "
                          "metric paths)\n",
                          stderr),
                    EXIT_INTERNAL);
    } else {
        if (opt_csv)
            print_csv(r);
        else
            print_text(r);
        rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
    }
    skinq_compare_free(&r);
    cli_marker_release(&mk);
    skinq_mask_free(&mask);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_compare = {
    "compare",
    run,
    "compare BEFORE AFTER [--roi x,y,w,h | --mask M.png | --auto-skin [MODE]] [--ref x,y,w,h] [options]",
    "before/after: registration, colour normalisation, ΔE2000 and every metric's change",
    compare_options,
    "AFTER is registered onto BEFORE (AKAZE features on a CLAHE-equalised luminance, RANSAC\n"
    "homography, ECC refinement kept only when it agrees with the feature inliers), warped into\n"
    "BEFORE's frame, and both are analysed on the common ROI: the ROI given on BEFORE's pixels\n"
    "intersected with the warped AFTER's valid area. --white RECT (same rectangle in each photo's\n"
    "own pixels) or --chart F.json (ColorChecker corners, {\"corners\": [[x,y]x4]} or per image\n"
    "{\"images\": [{\"image\": NAME, \"corners\": ...}]}) or --chart auto (the chart found in each photo\n"
    "by OpenCV's mcc detector; exit 4 when a photo shows none) calibrate each photo; --ref RECT (on BEFORE)\n"
    "then scales AFTER's linear RGB to match BEFORE on untreated skin. Each change gets a verdict\n"
    "from the metric registry (`skinq metrics`): improved/worse only when |change| exceeds the\n"
    "metric's MDC95, else 'no detectable change'; no % when |before| is below the MDC95.\n"
    "Exit 4 when the alignment is too poor\n"
    "(too few inliers, a degenerate matrix, overlap below 50 %), unless --no-align.",
};
