/* cmd_depth.c -- `skinq depth`: surface height and scar depth from a height map, a
 * photometric-stereo stack, or (relative only) a single photo. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static cJSON *provenance(skinq_ctx *ctx, const char *path, int w, int h, skinq_status *st)
{
    cJSON *o = out_file_provenance(ctx, path, st);
    if (o && w > 0) {
        cJSON_AddNumberToObject(o, "width", w);
        cJSON_AddNumberToObject(o, "height", h);
    }
    return o;
}

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

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* dir/name in a new malloc'd string (NULL: out of memory). */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    char *s = malloc(n + strlen(name) + 2);
    if (s)
        sprintf(s, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
    return s;
}

/* Provenance of the lights: the file, or a folder's text files (those present). */
static cJSON *lights_provenance(skinq_ctx *ctx, skinq_status *st)
{
    if (!is_dir(opt_lights))
        return provenance(ctx, opt_lights, 0, 0, st);
    static const char *const names[] = {"filenames.txt", "light_directions.txt", "light_intensities.txt"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", opt_lights);
    cJSON_AddStringToObject(o, "kind", "folder");
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    for (size_t i = 0; *st == SKINQ_OK && i < sizeof names / sizeof names[0]; i++) {
        char *p = join(opt_lights, names[i]);
        struct stat sb;
        if (!p)
            *st = SKINQ_E_NOMEM;
        else if (stat(p, &sb) == 0) {
            cJSON *fp = provenance(ctx, p, 0, 0, st);
            if (fp)
                cJSON_AddItemToArray(files, fp);
        }
        free(p);
    }
    return o;
}

/* The region: --region, else the mask.png of a lights folder when there is one; into region_path
 * and region_source (*owned: the path to free). */
static void pick_region(char **owned)
{
    region_path = opt_region;
    region_source = opt_region ? "option" : "none";
    *owned = NULL;
    if (opt_region || !opt_lights || !is_dir(opt_lights))
        return;
    struct stat sb;
    char *p = join(opt_lights, "mask.png");
    if (p && stat(p, &sb) == 0) {
        region_path = *owned = p;
        region_source = "lights-folder";
    } else
        free(p);
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

/* Provenance of every input into doc: the lights file and its images (named on the command line
 * or in the file), or the one height map or photo. */
static skinq_status add_inputs(skinq_ctx *ctx, cJSON *doc, const skinq_depth_result *r, const char *what,
                               char **images, int npos)
{
    skinq_status st = SKINQ_OK;
    if (!opt_lights) {
        cJSON *ip = provenance(ctx, what, r->width, r->height, &st);
        if (ip)
            cJSON_AddItemToObject(doc, "image", ip);
        return st;
    }
    cJSON *lp = lights_provenance(ctx, &st);
    if (lp)
        cJSON_AddItemToObject(doc, "lights", lp);
    const char *extra[2][2] = {{"region_file", region_path}, {"truth_normals", opt_truth}};
    for (int i = 0; i < 2 && st == SKINQ_OK; i++) {
        cJSON *fp = extra[i][1] ? provenance(ctx, extra[i][1], 0, 0, &st) : NULL;
        if (fp)
            cJSON_AddItemToObject(doc, extra[i][0], fp);
    }
    cJSON *imgs = cJSON_AddArrayToObject(doc, "images");
    if (npos == 0 && st == SKINQ_OK) {
        skinq_lights *L = NULL;
        st = skinq_lights_load(ctx, opt_lights, &L);
        for (int i = 0; st == SKINQ_OK && i < L->count; i++) {
            cJSON *ip = provenance(ctx, L->items[i].image, r->width, r->height, &st);
            if (ip)
                cJSON_AddItemToArray(imgs, ip);
        }
        skinq_lights_free(&L);
    }
    for (int i = 0; st == SKINQ_OK && i < npos; i++) {
        cJSON *ip = provenance(ctx, images[i], r->width, r->height, &st);
        if (ip)
            cJSON_AddItemToArray(imgs, ip);
    }
    cJSON *im0 = cJSON_GetArrayItem(imgs, 0);
    if (im0)
        cJSON_AddItemToObject(doc, "image", cJSON_Duplicate(im0, 1));
    return st;
}

/* Scale, units, ROI, calibration and the parameters that made the numbers. */
static void add_setup(cJSON *doc, const skinq_depth_result *r, const skinq_mask *mask,
                      const skinq_depth_options *o)
{
    if (r->px_per_mm > 0) {
        cJSON *sc = cJSON_AddObjectToObject(doc, "scale");
        cJSON_AddNumberToObject(sc, "px_per_mm", r->px_per_mm);
        cJSON_AddStringToObject(sc, "source", r->scale_source);
    } else {
        cJSON_AddStringToObject(doc, "scale", "unknown");
    }
    cJSON_AddBoolToObject(doc, "relative", r->relative);
    cJSON *units = cJSON_AddObjectToObject(doc, "units");
    cJSON_AddStringToObject(units, "height", r->z_unit);
    cJSON_AddStringToObject(units, "length", r->xy_unit);
    cJSON *roi = cJSON_AddObjectToObject(doc, "roi");
    cJSON_AddNumberToObject(roi, "pixels",
                            mask ? (double)skinq_mask_count(mask) : (double)r->width * r->height);
    cJSON_AddStringToObject(roi, "source", mask ? "mask" : "full");
    cJSON *cal = cJSON_AddObjectToObject(doc, "calibration");
    cJSON_AddStringToObject(cal, "method", "none");
    cJSON *par = cJSON_AddObjectToObject(doc, "parameters");
    if (opt_height)
        cJSON_AddNumberToObject(par, "z_scale_mm_per_unit", opt_zscale);
    if (r->scars) {
        cJSON_AddNumberToObject(par, "min_depth", r->min_depth);
        cJSON_AddNumberToObject(par, "reference_scale_mm", o->scars.ref_scale_mm);
        cJSON_AddNumberToObject(par, "reference_sigma_px", r->scars->ref_sigma_px);
    }
    if (opt_lights) {
        cJSON_AddNumberToObject(par, "outlier_tau", o->ps.outlier_tau);
        cJSON_AddStringToObject(par, "ps_method", r->ps_method);
        cJSON_AddStringToObject(par, "region", o->region ? "mask" : "full");
        cJSON_AddStringToObject(par, "region_source", region_source);
        cJSON_AddNumberToObject(par, "region_pixels",
                                o->region ? (double)skinq_mask_count(o->region)
                                          : (double)r->width * r->height);
        cJSON_AddNumberToObject(par, "min_confidence", o->min_confidence);
        cJSON_AddNumberToObject(par, "translucency_mm", o->translucency_mm);
    }
}

/* The metrics under `prefix` (the prefix cut off) through the shared writer into obj; -1 on
 * clashing paths or out of memory. */
static int add_metrics(skinq_ctx *ctx, cJSON *obj, const skinq_metrics *m, const char *prefix, int skip_items)
{
    skinq_metrics flat = {0};
    const size_t n = strlen(prefix);
    int bad = 0;
    for (size_t i = 0; !bad && i < m->count; i++) {
        const char *p = m->items[i].path;
        if (strncmp(p, prefix, n) == 0 && !(skip_items && strncmp(p, "scars.items.", 12) == 0))
            bad = skinq_metrics_add(ctx, &flat, p + n, m->items[i].value, m->items[i].unit) != SKINQ_OK;
    }
    bad = bad || out_metrics_json(obj, &flat);
    skinq_metrics_free(&flat);
    return bad ? -1 : 0;
}

/* Scalar paths through the shared writer; the items from the scars.items.N.* metrics (an mm name
 * null and its _px sibling without a scale) with their type word. -1 on clashing metric paths. */
static int add_results(skinq_ctx *ctx, cJSON *doc, const skinq_depth_result *r)
{
    if (add_metrics(ctx, doc, &r->metrics, "", 1))
        return -1;
    if (r->scars) {
        cJSON *items = cJSON_AddArrayToObject(cJSON_GetObjectItem(doc, "scars"), "items");
        for (int i = 0; i < r->scars->count; i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "scars.items.%d.", i);
            cJSON *it = cJSON_CreateObject();
            cJSON_AddItemToArray(items, it);
            if (add_metrics(ctx, it, &r->metrics, prefix, 0))
                return -1;
            cJSON_AddStringToObject(it, "type", skinq_scar_type_name(r->scars->items[i].type));
        }
    }
    if (opt_maps)
        cJSON_AddStringToObject(doc, "maps", opt_maps);
    return 0;
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
    char *folder_mask = NULL;
    pick_region(&folder_mask);
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
    /* provenance of every input before anything is printed or written */
    if (st == SKINQ_OK) {
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
        cJSON_AddStringToObject(doc, "input", r->input);
        st = add_inputs(ctx, doc, r, what, argv + first, npos);
    }
    if (st == SKINQ_OK && opt_maps && (st = skinq_depth_write_maps(ctx, r, opt_maps)) == SKINQ_E_IO) {
        cli_fail(ctx, st);
        rc = cli_exit_for(CLI_COND_OUTPUT); /* an unwritable output folder is not a bad input file */
        goto out;
    }
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
        goto out;
    }
    add_setup(doc, r, mask, &o);
    if (add_results(ctx, doc, r) != 0) {
        fputs(
            "skinq: internal error: cannot build the JSON output (out of memory or clashing metric paths)\n",
            stderr);
        rc = EXIT_INTERNAL;
        goto out;
    }
    rc = emit(doc, r, what);
    doc = NULL;
out:
    cJSON_Delete(doc);
    skinq_depth_free(&r);
    skinq_mask_free(&mask);
    skinq_mask_free(&region);
    free(folder_mask);
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
