/* cmd_depth.c -- `skinq depth`: surface height and scar depth from a height map, a
 * photometric-stereo stack, or (relative only) a single photo. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"

static const char *opt_height, *opt_lights, *opt_mask, *opt_maps, *opt_region, *opt_method, *opt_truth;
static double opt_zscale = NAN, opt_ppm = NAN, opt_min_depth = NAN, opt_ref_scale = 5, opt_tau = 0.05,
              opt_min_conf = 0.1, opt_translucency = 0;
static int opt_json, opt_csv;
/* the region actually used: --region, or the mask.png of a lights folder; where it came from */
static const char *region_path, *region_source;

static const cli_option depth_options[] = {
    {"height", 0, OPT_STRING, &opt_height, "H.png", "height map: 8/16-bit gray PNG (needs --z-scale)"},
    {"z-scale", 0, OPT_DOUBLE, &opt_zscale, "Z", "mm per unit of the height map", CLI_GT(0)},
    {"lights", 0, OPT_STRING, &opt_lights, "L.json|DIR",
     "photometric stereo: lights file or DiLiGenT folder; images follow (or come from it)"},
    {"px-per-mm", 0, OPT_DOUBLE, &opt_ppm, "S", "lateral scale (a lights file's px_per_mm is used otherwise)",
     CLI_GT(0)},
    {"mask", 0, OPT_STRING, &opt_mask, "M.png", "scar regions (nonzero pixels) instead of thresholding"},
    {"min-depth", 0, OPT_DOUBLE, &opt_min_depth, "MM",
     "depth that makes a scar (default 0.05 mm; 1 px without a scale)", CLI_GT(0)},
    {"ref-scale", 0, OPT_DOUBLE, &opt_ref_scale, "MM", "scale of the reference surface (default 5 mm)",
     CLI_GT(0)},
    {"outlier-tau", 0, OPT_DOUBLE, &opt_tau, "T",
     "shadow/highlight rejection threshold of the subset method (default 0.05; 0 = off)", CLI_GE(0)},
    {"ps-method", 0, OPT_STRING, &opt_method, "M",
     "photometric stereo: auto (default), ls, subset, trimmed, irls or lobe (see below)"},
    {"region", 0, OPT_STRING, &opt_region, "R.png",
     "photometric stereo: valid pixels (nonzero = object; default: a lights folder's mask.png)"},
    {"truth-normals", 0, OPT_STRING, &opt_truth, "N.png",
     "photometric stereo: true normals (16-bit RGB PNG or DiLiGenT normal.txt): angular errors"},
    {"translucency", 0, OPT_DOUBLE, &opt_translucency, "MM",
     "photometric stereo: undo a subsurface blur of the shading of this sigma (needs the scale)", CLI_GE(0)},
    {"min-confidence", 0, OPT_DOUBLE, &opt_min_conf, "C",
     "no scar on pixels below C x the median PS confidence (default 0.1; 0 = off)", CLI_GE(0)},
    {"maps", 0, OPT_STRING, &opt_maps, "DIR",
     "write height, depth, normal (16-bit), confidence, albedo and scar-outline PNGs"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    {"csv", 0, OPT_FLAG, &opt_csv, NULL, "CSV rows (image,metric,value,unit) on stdout"},
    CLI_OPTIONS_END,
};

static void print_text(const skinq_depth_result *r, const char *what)
{
    const skinq_metrics *m = &r->metrics;
    printf("%s\n  input        %s, %d x %d px\n", what, r->input, r->width, r->height);
    if (region_path)
        printf("  region       %s (%s)\n", region_path, region_source);
    if (r->px_per_mm > 0)
        printf("  scale        %.4g px/mm (%s)\n", r->px_per_mm, r->scale_source);
    else
        printf("  scale        unknown: lengths in px%s\n", r->relative ? ", heights relative" : "");
    for (size_t i = 0; i < m->count; i++) {
        if (strncmp(m->items[i].path, "scars.items.", 12) == 0)
            continue;
        char v[32];
        printf("  %-44s %s %s\n", m->items[i].path, out_num(v, sizeof v, "%.6g", m->items[i].value),
               m->items[i].unit);
    }
    if (r->scars) {
        const skinq_metric *vm = skinq_metrics_find(m, "scars.volume_px"); /* its unit without a scale */
        if (!vm)
            vm = skinq_metrics_find(m, "scars.volume_mm3");
        for (int i = 0; i < r->scars->count; i++) {
            const skinq_scar *s = &r->scars->items[i];
            printf("  scar %-3d %-8s max %.4g %s, mean %.4g %s, area %.4g %s2, volume %.4g %s, at (%.2f, "
                   "%.2f) %s\n",
                   i, skinq_scar_type_name(s->type), s->max_depth, r->z_unit, s->mean_depth, r->z_unit,
                   s->area, r->xy_unit, s->volume, vm ? vm->unit : "", s->centroid[0], s->centroid[1],
                   r->xy_unit);
        }
    }
}

/* The option combinations; an exit code, or -1 when they are fine. */
static int check_options(const cli_command *self, int npos)
{
    if (opt_height && opt_lights)
        return cli_usage_error(self, "give either --height or --lights, not both");
    if (opt_height && npos)
        return cli_usage_error(self, "--height takes no IMAGE arguments");
    if (opt_height && !isfinite(opt_zscale))
        return cli_usage_error(self, "--height needs --z-scale (mm per unit of the height map)");
    if (!opt_height && isfinite(opt_zscale))
        return cli_usage_error(self, "--z-scale only applies to --height");
    if (!opt_height && !opt_lights && npos != 1)
        return cli_usage_error(self, npos ? "a single photo takes one IMAGE (use --lights for a stack)"
                                          : "no input: give --height, --lights or one IMAGE");
    if (opt_json && opt_csv)
        return cli_usage_error(self, "choose --json or --csv");
    if (!opt_lights && (opt_region || opt_truth || opt_method || opt_translucency > 0))
        return cli_usage_error(
            self, "--region, --truth-normals, --ps-method and --translucency only apply to --lights");
    int method;
    if (opt_method && skinq_ps_method_parse(opt_method, &method) != 0)
        return cli_usage_error(self, "--ps-method takes auto, ls, subset, trimmed, irls or lobe");
    if (npos > SKINQ_LIGHTS_MAX)
        return cli_usage_error(self, "at most %d images", SKINQ_LIGHTS_MAX);
    return -1;
}

/* JSON, CSV or text on stdout; doc is consumed. */
static int emit(cJSON *doc, const skinq_depth_result *r, const char *what)
{
    if (opt_json)
        return out_json(doc);
    cJSON_Delete(doc);
    if (opt_csv)
        out_metrics_csv(stdout, what, &r->metrics, 1);
    else
        print_text(r, what);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

static int run(const cli_command *self, int argc, char **argv)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    int npos = argc - first;
    if ((rc = check_options(self, npos)) >= 0)
        return rc;
    if (opt_maps && (rc = out_dir_ready(opt_maps)) >= 0)
        return rc;

    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_depth_options o;
    skinq_depth_default_options(&o);
    o.px_per_mm = isfinite(opt_ppm) ? opt_ppm : 0;
    o.z_scale = isfinite(opt_zscale) ? opt_zscale : 0;
    o.scars.ref_scale_mm = opt_ref_scale;
    o.ps.outlier_tau = opt_tau;
    if (opt_method)
        skinq_ps_method_parse(opt_method, &o.ps.method);
    o.truth_normals = opt_truth;
    o.min_confidence = opt_min_conf;
    o.translucency_mm = opt_translucency;
    skinq_mask *mask = NULL, *region = NULL;
    skinq_depth_result *r = NULL;
    cJSON *doc = NULL;
    skinq_status st = SKINQ_OK;
    if (opt_mask)
        st = skinq_mask_load(ctx, opt_mask, &mask);
    char *region_file = NULL;
    if (st == SKINQ_OK)
        st = skinq_depth_region_pick(opt_lights, opt_region, &region_file, &region_source);
    region_path = region_file;
    if (st == SKINQ_OK && region_path)
        st = skinq_mask_load(ctx, region_path, &region);
    o.region = region;
    o.region_name = region_path;
    o.scars.mask = mask;
    o.mask_name = opt_mask;
    const char *what = opt_height ? opt_height : opt_lights ? opt_lights : argv[first];
    if (st == SKINQ_OK) {
        o.scars.min_depth = isfinite(opt_min_depth) ? opt_min_depth : 0; /* 0: 0.05 mm or 1 px */
        if (opt_height)
            st = skinq_depth_from_height(ctx, opt_height, &o, &r);
        else if (opt_lights)
            st = skinq_depth_from_stack(ctx, opt_lights, (const char *const *)(argv + first), npos, &o, &r);
        else
            st = skinq_depth_from_photo(ctx, argv[first], &o, &r);
    }
    /* the whole document, with every input's provenance, before anything is printed or written */
    skinq_depth_inputs in = {what, (const char *const *)(argv + first), opt_lights ? npos : 0, region_source,
                             opt_maps};
    if (st == SKINQ_OK)
        doc = skinq_depth_cjson(ctx, r, &o, &in, &st);
    if (st == SKINQ_OK && opt_maps && (st = skinq_depth_write_maps(ctx, r, opt_maps)) == SKINQ_E_IO) {
        cli_fail(ctx, st);
        rc = cli_exit_for(CLI_COND_OUTPUT); /* an unwritable output folder is not a bad input file */
        goto out;
    }
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
        goto out;
    }
    rc = emit(doc, r, what);
    doc = NULL;
out:
    cJSON_Delete(doc);
    skinq_depth_free(&r);
    skinq_mask_free(&mask);
    skinq_mask_free(&region);
    free(region_file);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_depth = {
    "depth",
    run,
    "depth (--height H.png --z-scale Z | --lights L.json|DIR [IMG...] | IMAGE) [options]",
    "surface height and scar depth, area and volume",
    depth_options,
    "--height: a profilometer / 3-D camera export, height_mm = value * Z.\n"
    "--lights: a photometric-stereo stack (>= 3 images of one view, one light each); the lights\n"
    "  file is {\"lights\":[{\"image\":\"a.png\",\"direction\":[x,y,z],\"intensity\":1}, ...]}, x right,\n"
    "  y up, z toward the camera, any number of lights; \"intensity\" is a number or [r, g, b]\n"
    "  (colour images: each channel is divided by its own intensity, then the Rec. 709 luminance\n"
    "  is solved). 8-bit images are taken as sRGB, 16-bit as linear.\n"
    "  --lights DIR: a DiLiGenT-layout folder: filenames.txt (one image per line, in light order),\n"
    "  light_directions.txt (\"x y z\" per line, the same axes), light_intensities.txt (optional,\n"
    "  \"r g b\" per line); its mask.png is the region unless --region is given. Its normal.txt is\n"
    "  not used unless asked for: --truth-normals DIR/normal.txt (a name ending in .txt is read\n"
    "  as DiLiGenT text, one \"nx ny nz\" line per pixel, row by row).\n"
    "  --ps-method: ls = plain least squares; subset = drop the darkest/brightest when the fit is\n"
    "  inconsistent (at most 64 lights); trimmed = drop the darkest 25 % and brightest 35 % of\n"
    "  each pixel's lit observations (Coleman-Jain 1982, Barsky-Petrou 2003); irls = Tukey-biweight\n"
    "  reweighted least squares from the trimmed fit (Holland-Welsch 1977); auto = subset below\n"
    "  12 lights, trimmed from 12 (the most accurate on the realistic scar stack). Maps add confidence.png "
    "(kept lights x conditioning, 0..1).\n"
    "  --region: the background is left out of the normal statistics, the integration (masked,\n"
    "  iterated Frankot-Chellappa: no background leaks into the height), scars and statistics.\n"
    "  Heights come from Frankot-Chellappa integration: relative within the field (no absolute\n"
    "  height, some low-frequency drift); without a scale they are in px and --min-depth is in px.\n"
    "IMAGE alone: only a relative shading-based depression index (\"relative\": true, no mm).\n"
    "Scars are regions deeper than --min-depth below a robust reference surface (a local\n"
    "quadratic over --ref-scale) or the regions of --mask; type hints: icepick, boxcar, rolling.",
};
