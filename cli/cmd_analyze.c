/* cmd_analyze.c -- `skinq analyze IMAGE…`: colour (and texture) metrics of each photo's region
 * of interest, as a table, JSON (design §3) or CSV. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aopts.h"
#include "out.h"

static const char *opt_maps, *opt_save_mask;
static int opt_json, opt_csv, opt_keep_going;

static const cli_option analyze_options[] = {
    CLI_ANALYSIS_OPTIONS,
    {"maps", 0, OPT_STRING, &opt_maps, "DIR", "write PNG maps (a*, erythema, hemoglobin, melanin, overlay)"},
    {"save-mask", 0, OPT_STRING, &opt_save_mask, "M.png",
     "write the ROI measured (255 inside) to check, edit or pass back with --mask (one image)"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    {"csv", 0, OPT_FLAG, &opt_csv, NULL, "CSV rows (image,metric,value,unit) on stdout"},
    {"keep-going", 0, OPT_FLAG, &opt_keep_going, NULL,
     "an image that fails is reported, the others written (exit 3 at the end)"},
    CLI_OPTIONS_END,
};

static const char *const table_metrics[] = {
    "L", "a", "b", "erythema_index", "melanin_index", "hemoglobin", "melanin", "ita_deg"};

static double metric(const skinq_analysis *a, const char *name, const char *stat)
{
    char path[96];
    snprintf(path, sizeof path, "color.%s.%s", name, stat);
    const skinq_metric *m = skinq_metrics_find(&a->metrics, path);
    return m ? m->value : NAN;
}

static void print_text(const skinq_analysis *a, const skinq_analysis_options *o, const cli_marker *mk)
{
    const skinq_color_info *c = &a->color;
    printf("%s  (%d x %d, %d-bit, sha256 %.12s)\n", a->path, a->width, a->height, a->depth, a->sha256);
    printf("  roi        %s, bbox %d,%d,%d,%d: %llu px measured, %llu clipped\n", c->roi_source,
           c->roi_rect.x, c->roi_rect.y, c->roi_rect.w, c->roi_rect.h, (unsigned long long)c->roi_pixels,
           (unsigned long long)c->roi_clipped);
    if (a->skin.ran)
        printf("  auto-skin  %s path (asked %s): %d face%s found, %.1f %% of the photo kept\n",
               skinq_skin_mode_name(a->skin.path), skinq_skin_mode_name(a->skin.asked),
               a->skin.faces < 0 ? 0 : a->skin.faces, a->skin.faces == 1 ? "" : "s",
               100 * a->skin.kept_fraction);
    if (c->has_ref)
        printf("  reference  %d,%d,%d,%d: %llu px\n", c->ref_rect.x, c->ref_rect.y, c->ref_rect.w,
               c->ref_rect.h, (unsigned long long)c->ref_pixels);
    if (c->has_white)
        printf("  white      linear gains R %.4f  G %.4f  B %.4f\n", c->white_gains[0], c->white_gains[1],
               c->white_gains[2]);
    if (mk->used)
        printf("  scale      %.4g px/mm from ArUco marker %d (%g mm, tilt %.1f deg); %llu px of it out of "
               "the ROI\n",
               mk->m.px_per_mm, mk->m.id, mk->m.size_mm, mk->m.tilt_deg, (unsigned long long)mk->excluded);
    else
        printf("  scale      %s\n", o->px_per_mm > 0
                                        ? "given (--px-per-mm)"
                                        : "unknown: mm metrics n/a, their *_px siblings in pixels");
    printf("  %-16s %9s %9s %9s %9s %9s%s\n", "metric", "mean", "std", "p05", "p50", "p95",
           c->has_ref ? "  delta_ref" : "");
    for (size_t i = 0; i < sizeof table_metrics / sizeof table_metrics[0]; i++) {
        const char *n = table_metrics[i];
        printf("  %-16s %9.4g %9.4g %9.4g %9.4g %9.4g", n, metric(a, n, "mean"), metric(a, n, "std"),
               metric(a, n, "p05"), metric(a, n, "p50"), metric(a, n, "p95"));
        if (c->has_ref)
            printf("  %+9.4g", metric(a, n, "delta_ref"));
        putchar('\n');
    }
    const skinq_metric *f = skinq_metrics_find(&a->metrics, "color.red_area_fraction");
    const skinq_metric *ar = skinq_metrics_find(&a->metrics, "color.red_area_mm2");
    const skinq_metric *ap = skinq_metrics_find(&a->metrics, "color.red_area_px");
    if (f && ar && ap) {
        printf("  red area   %.2f %% of the ROI (a* > %.2f = %s + %.3g), ", 100 * f->value,
               c->red_threshold_a, c->red_basis, o->color.red_threshold);
        if (isfinite(ar->value)) /* mm² only at a known scale */
            printf("%.4g %s, ", ar->value, ar->unit);
        printf("%.4g %s\n", ap->value, ap->unit);
    }
    printf("  ITA        category %s (median)\n", c->ita_category);
    for (size_t i = 0; i < a->metrics.count; i++) /* everything beyond colour (texture ...) */
        if (strncmp(a->metrics.items[i].path, "color.", 6) != 0 &&
            !strstr(a->metrics.items[i].path, ".bins.")) {
            char v[32];
            printf("  %-44s %s %s\n", a->metrics.items[i].path,
                   out_num(v, sizeof v, "%.6g", a->metrics.items[i].value), a->metrics.items[i].unit);
        }
}

/* The maps folder of image i: DIR itself for one image, DIR/<i>-<file name> for several. */
/* The maps folder of photo i of n: --maps itself for one photo, else --maps/<i+1>-<name>. Kept in
 * *buf, allocated (no length limit: a fixed buffer cut long names and wrote maps elsewhere) and
 * freed on the next call; NULL without --maps or when out of memory (*oom set). */
static const char *maps_dir_for(char **buf, const char *path, int i, int n, int *oom)
{
    free(*buf);
    *buf = NULL;
    if (!opt_maps || n == 1)
        return opt_maps;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t size = strlen(opt_maps) + strlen(base) + 16;
    if (!(*buf = malloc(size))) {
        *oom = 1;
        return NULL;
    }
    snprintf(*buf, size, "%s/%d-%s", opt_maps, i + 1, base);
    char *dot = strrchr(*buf, '.');
    if (dot && dot > *buf + strlen(opt_maps))
        *dot = '\0';
    return *buf;
}

static int run(const cli_command *self, int argc, char **argv)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    int n = argc - first;
    if (n == 0)
        return cli_usage_error(self, "no IMAGE given");
    if (opt_json && opt_csv)
        return cli_usage_error(self, "choose --json or --csv");
    if (opt_save_mask && n != 1)
        return cli_usage_error(self, "--save-mask takes one IMAGE, not %d", n);
    if (opt_save_mask && (rc = out_file_ready(opt_save_mask)) >= 0)
        return rc;
    skinq_analysis_options o;
    rc = cli_aopts_setup(self, NULL, &o, NULL);
    if (rc >= 0)
        return rc;
    if (opt_maps && (rc = out_dir_ready(opt_maps)) >= 0)
        return rc;
    skinq_ctx *ctx = cli_ctx_open_batch(n > 1);
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_mask *mask = NULL;
    skinq_analyzer *an = NULL;
    skinq_analysis **res = calloc((size_t)n, sizeof *res);
    cli_marker *mk = calloc((size_t)n, sizeof *mk); /* --px-per-mm marker: each photo's */
    skinq_status st = res && mk ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK && (rc = cli_aopts_setup(self, ctx, &o, &mask)) >= 0) {
        free(res);
        free(mk);
        skinq_ctx_close(&ctx);
        return rc;
    }
    o.save_mask = opt_save_mask;
    if (st == SKINQ_OK) /* one analyser for every photo: the texture plan is made once */
        st = skinq_analyzer_new(ctx, &o, &an);
    /* every header is checked before any work, and every image analysed before anything is
     * printed: a bad file leaves stdout empty. With --keep-going a bad image is reported on its
     * line and left out, and the others are written. */
    char *bad = calloc((size_t)n, 1);
    int failed = 0;
    if (!bad)
        st = SKINQ_E_NOMEM;
    for (int i = 0; st == SKINQ_OK && i < n; i++) {
        skinq_image_header hdr;
        st = skinq_image_probe(ctx, argv[first + i], &hdr);
        if (st != SKINQ_OK && opt_keep_going && st != SKINQ_E_NOMEM && st != SKINQ_E_INTERNAL) {
            cli_fail(ctx, st);
            bad[i] = 1, failed++, st = SKINQ_OK;
        }
    }
    int done = 0, oom = 0;
    char *dir = NULL;
    for (; st == SKINQ_OK && done < n; done++) {
        if (bad[done])
            continue;
        const char *d = maps_dir_for(&dir, argv[first + done], done, n, &oom);
        if (oom) {
            st = SKINQ_E_NOMEM;
            break;
        }
        if (g_aopts.marker_mm > 0) { /* the scale and the excluded pixels are this photo's: a new analyser */
            int mrc = cli_marker_apply(ctx, argv[first + done], &o, &mk[done]);
            if (mrc >= 0 && !opt_keep_going) {
                rc = mrc;
                break;
            }
            if (mrc >= 0) {
                bad[done] = 1, failed++;
                continue;
            }
            skinq_analyzer_free(&an);
            if ((st = skinq_analyzer_new(ctx, &o, &an)) != SKINQ_OK)
                break;
        }
        skinq_analyzer_set_maps_dir(an, d);
        st = skinq_analyzer_file(an, argv[first + done], &res[done]);
        if (st != SKINQ_OK && opt_keep_going && st != SKINQ_E_NOMEM && st != SKINQ_E_INTERNAL) {
            cli_fail(ctx, st);
            bad[done] = 1, failed++, st = SKINQ_OK;
        }
    }
    if (an)
        skinq_analyzer_set_maps_dir(an, NULL); /* dir is freed below */
    if (rc >= 0) {
        /* a photo without its marker: printed by cli_marker_apply() */
    } else if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (failed == n) { /* --keep-going, and nothing to write */
        rc = EXIT_OK;
    } else if (opt_json) {
        cJSON *doc = n == 1 ? NULL : cJSON_CreateArray();
        for (int i = 0; i < n; i++) {
            if (bad[i])
                continue;
            o.maps.dir = maps_dir_for(&dir, argv[first + i], i, n, &oom);
            o.px_per_mm = mk[i].used ? mk[i].m.px_per_mm : o.px_per_mm;
            cJSON *one = oom ? NULL : out_analysis_json(res[i], &o);
            if (one)
                cli_marker_json(one, &mk[i]);
            if (!one) {
                cJSON_Delete(doc);
                doc = NULL;
                break;
            }
            if (n == 1)
                doc = one;
            else
                cJSON_AddItemToArray(doc, one);
        }
        rc = doc ? out_json(doc)
                 : (fputs("skinq: internal error: cannot build the JSON output (out of memory or clashing "
                          "metric paths)\n",
                          stderr),
                    EXIT_INTERNAL);
    } else {
        for (int i = 0, header = 1; i < n; i++) {
            if (bad[i])
                continue;
            if (opt_csv)
                out_metrics_csv(stdout, res[i]->path, &res[i]->metrics, header);
            else
                print_text(res[i], &o, &mk[i]);
            header = 0;
        }
        rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
    }
    if (rc == EXIT_OK && failed) {
        if (failed == n)
            fprintf(stderr, "skinq: no image could be analysed (above)\n");
        else
            fprintf(stderr, "skinq: %d of %d images failed (above); the others are written\n", failed, n);
        rc = EXIT_BAD_INPUT;
    }
    free(bad);
    free(dir);
    o.maps.dir = NULL;
    for (int i = 0; res && i < n; i++)
        skinq_analysis_free(&res[i]);
    free(res);
    for (int i = 0; mk && i < n; i++)
        cli_marker_release(&mk[i]);
    free(mk);
    skinq_analyzer_free(&an);
    skinq_mask_free(&mask);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_analyze = {
    "analyze",
    run,
    "analyze IMAGE... [--roi x,y,w,h | --mask M.png | --auto-skin [MODE]] [--ref x,y,w,h] [options]",
    "redness, pigment and texture metrics of a photo's region of interest",
    analyze_options,
    "Colour metrics per ROI pixel (mean, std, p05, p50, p95): CIELAB L*, a*, b* (D65), erythema and\n"
    "melanin indices (100 log10(R/G), 100 log10(1/R) on linear camera R, G: relative units),\n"
    "hemoglobin and melanin (blood and melanosome volume fractions of a spectral skin model\n"
    "inverted per colour; --camera C.csv for a camera's own RGB; colours outside the model are\n"
    "counted in out_of_model_fraction), ITA deg, red area (a* above the\n"
    "reference median + --red-threshold; without --ref the ROI's 25th percentile). Pixels with a\n"
    "channel at 0 or full scale are clipped: excluded and counted. --auto-skin [auto|face|limb]\n"
    "finds the skin: face (OpenCV's Haar face cascade) seeds a colour model from each face's cheeks\n"
    "and forehead and grows skin near it, eyes, brows and mouth left out; limb (no face: arms,\n"
    "backs, close-ups) takes the photo's commonest skin colour; auto picks face when a face is\n"
    "found. The JSON's roi.auto_skin says which path ran, the faces and the kept fraction;\n"
    "--save-mask keeps the mask. Exit 4 when the ROI has no usable pixel or no skin is found.",
};
