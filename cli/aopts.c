/* aopts.c -- the shared analysis options: validation, the library's options struct, JSON. */
#define _DEFAULT_SOURCE /* M_PI */
#include "aopts.h"

#include "out.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

cli_aopts g_aopts = {NULL, NULL, NULL, NULL, NULL, NULL, 0, {NAN, NULL}, 1.0, 5.0, NULL, 0, -1};
static skinq_camera *g_camera; /* --camera, loaded once, borrowed by the options */

static void camera_release(void)
{
    skinq_camera_free(&g_camera);
}
cli_copts g_copts = {NULL, 0, 1024};

static int parse_rect(const cli_command *cmd, const char *opt, const char *s, skinq_rect *r)
{
    if (skinq_rect_parse(s, r) == 0)
        return 0;
    cli_usage_error(cmd, "--%s wants x,y,w,h (non-negative integers, w and h > 0), not '%s'", opt, s);
    return -1;
}

/* --px-per-mm marker[:MM[:ID]] or --scale marker...: g_aopts.marker_mm and marker_id. */
static int parse_marker(const cli_command *cmd)
{
    const char *w = g_aopts.px_per_mm.word, *opt = "px-per-mm";
    if (g_aopts.scale && (w || isfinite(g_aopts.px_per_mm.value)))
        return cli_usage_error(cmd, "choose --px-per-mm or --scale");
    if (g_aopts.scale)
        w = g_aopts.scale, opt = "scale";
    g_aopts.marker_mm = 0, g_aopts.marker_id = -1;
    if (!w)
        return 0;
    double mm = 10, id = -1;
    char *end = (char *)w + 6;
    if (strncmp(w, "marker", 6) == 0 && *end == ':') {
        mm = strtod(end + 1, &end);
        if (*end == ':' && isdigit((unsigned char)end[1]))
            id = strtod(end + 1, &end);
    }
    if (strncmp(w, "marker", 6) != 0 || *end || !(mm >= 2 && mm <= 500) || !(id == floor(id) && id < 50))
        return cli_usage_error(cmd, "--%s takes marker, marker:MM (2..500) or marker:MM:ID (0..49), not '%s'",
                               opt, w);
    g_aopts.marker_mm = mm, g_aopts.marker_id = (int)id;
    return 0;
}

int cli_aopts_setup(const cli_command *cmd, skinq_ctx *ctx, skinq_analysis_options *o, skinq_mask **mask)
{
    const cli_aopts *a = &g_aopts;
    if ((a->roi != NULL) + (a->mask != NULL) + (a->auto_skin != NULL) > 1)
        return cli_usage_error(cmd, "choose one of --roi, --mask and --auto-skin");
    /* the numbers' ranges were checked by cli_parse_number(); NaN px_per_mm = not given */
    skinq_analysis_default_options(o);
    skinq_color_options *co = &o->color;
    o->px_per_mm = isfinite(a->px_per_mm.value) && !a->px_per_mm.word ? a->px_per_mm.value : 0;
    if (parse_marker(cmd) != 0)
        return EXIT_USAGE;
    if (g_aopts.marker_mm > 0 && strcmp(cmd->name, "analyze") != 0 && strcmp(cmd->name, "compare") != 0)
        return cli_usage_error(cmd,
                               "a scale from a marker is for analyze and compare (not yet %s): give %s the "
                               "px/mm that 'skinq analyze --px-per-mm marker' reports",
                               cmd->name, cmd->name);
    co->red_threshold = a->red_threshold;
    co->white_reflectance = a->white_reflectance;
    o->texture = !a->no_texture;
    if (a->roi) {
        if (parse_rect(cmd, "roi", a->roi, &o->roi.rect))
            return EXIT_USAGE;
        o->roi.kind = SKINQ_ROI_RECT;
    }
    if (a->ref) {
        if (parse_rect(cmd, "ref", a->ref, &co->ref))
            return EXIT_USAGE;
        co->has_ref = 1;
    }
    if (a->white) {
        if (parse_rect(cmd, "white", a->white, &co->white))
            return EXIT_USAGE;
        co->has_white = 1;
    }
    if (a->auto_skin) {
        o->roi.kind = SKINQ_ROI_AUTO_SKIN;
        skinq_skin_mode_parse(a->auto_skin, &o->roi.skin_mode); /* one of them: cli_parse checked */
    }
    if (a->camera && ctx && !g_camera) {
        skinq_status st = skinq_camera_load(ctx, a->camera, &g_camera);
        if (st != SKINQ_OK)
            return cli_fail(ctx, st);
        atexit(camera_release);
    }
    co->camera = g_camera;
    if (a->mask && ctx) {
        skinq_status st = skinq_mask_load(ctx, a->mask, mask);
        if (st != SKINQ_OK)
            return cli_fail(ctx, st);
        o->roi.kind = SKINQ_ROI_MASK;
        o->roi.mask = *mask;
    }
    return -1;
}

cJSON *cli_aopts_json(const skinq_analysis_options *o)
{
    cJSON *j = skinq_analysis_options_cjson(o, g_aopts.mask, g_aopts.camera);
    if (!j || out_json_utf8(j) != 0) { /* stored with every tracked measurement: valid UTF-8 too */
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

int cli_compare_setup(const cli_command *cmd, skinq_ctx **ctx, skinq_analysis_options *o, skinq_mask **mask,
                      skinq_compare_options *co)
{
    if (g_copts.chart && g_aopts.white)
        return cli_usage_error(cmd, "choose --white or --chart");
    int rc = cli_aopts_setup(cmd, NULL, o, NULL);
    if (rc >= 0)
        return rc;
    if (!(*ctx = cli_ctx_open()))
        return EXIT_INTERNAL;
    if ((rc = cli_aopts_setup(cmd, *ctx, o, mask)) >= 0) {
        skinq_ctx_close(ctx);
        return rc;
    }
    skinq_compare_default_options(co);
    co->analysis = o;
    co->align.no_align = g_copts.no_align;
    co->align.ecc_size = g_copts.ecc_size;
    co->chart_path = g_copts.chart;
    return -1;
}

int cli_marker_apply(skinq_ctx *ctx, const char *path, skinq_analysis_options *o, cli_marker *mk)
{
    cli_marker_release(mk);
    if (!(g_aopts.marker_mm > 0))
        return -1;
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st == SKINQ_OK) {
        st = skinq_marker_find(ctx, img, g_aopts.marker_id, g_aopts.marker_mm, &mk->m);
        if (st == SKINQ_OK)
            st = skinq_marker_exclusion(ctx, &mk->m, img->width, img->height, &mk->mask, &mk->excluded);
    }
    skinq_image_free(&img);
    if (st == SKINQ_E_TOO_FEW) { /* one line naming the photo */
        const char *msg = skinq_ctx_error(ctx);
        if (strncmp(msg, "no ArUco marker (", 17) == 0)
            fprintf(stderr, "skinq: no ArUco marker found in '%s'\n", path);
        else
            fprintf(stderr, "skinq: '%s': %s\n", path, msg);
        return cli_exit_code(st);
    }
    if (st != SKINQ_OK)
        return cli_fail(ctx, st);
    mk->used = 1;
    o->px_per_mm = mk->m.px_per_mm;
    o->roi.exclude = mk->mask;
    if (mk->m.tilt_deg > SKINQ_MARKER_TILT_WARN && !g_opts.quiet)
        fprintf(stderr,
                "skinq: warning: '%s': the marker is tilted %.0f deg (> %.0f): lengths in mm depend on their "
                "direction by up to %.1f %%; photograph square-on\n",
                path, mk->m.tilt_deg, SKINQ_MARKER_TILT_WARN,
                100 * (1 - sqrt(cos(mk->m.tilt_deg * M_PI / 180))));
    return -1;
}

void cli_marker_release(cli_marker *mk)
{
    skinq_mask_free(&mk->mask);
    *mk = (cli_marker){0};
}

static cJSON *numbers(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(round(v[i] * 1e4) / 1e4));
    return a;
}

void cli_marker_json(cJSON *doc, const cli_marker *mk)
{
    if (!mk->used)
        return;
    const skinq_marker *m = &mk->m;
    cJSON *sc = cJSON_CreateObject();
    cJSON_AddNumberToObject(sc, "px_per_mm", m->px_per_mm);
    cJSON_AddStringToObject(sc, "source", "marker");
    cJSON *j = cJSON_AddObjectToObject(sc, "marker");
    cJSON_AddStringToObject(j, "dictionary", SKINQ_MARKER_DICTIONARY);
    cJSON_AddNumberToObject(j, "id", m->id);
    cJSON_AddNumberToObject(j, "size_mm", m->size_mm);
    cJSON_AddItemToObject(j, "corners_px", numbers(m->corners, 8));
    cJSON_AddItemToObject(j, "side_px", numbers(m->side_px, 4));
    cJSON_AddItemToObject(j, "center_px", numbers(m->center, 2));
    cJSON_AddNumberToObject(j, "px_per_mm_min", m->px_per_mm_min);
    cJSON_AddNumberToObject(j, "px_per_mm_max", m->px_per_mm_max);
    cJSON_AddNumberToObject(j, "tilt_deg", round(m->tilt_deg * 100) / 100);
    cJSON_AddNumberToObject(j, "markers_found", m->found);
    cJSON *w = cJSON_AddArrayToObject(j, "warnings");
    if (m->tilt_deg > SKINQ_MARKER_TILT_WARN)
        cJSON_AddItemToArray(w, cJSON_CreateString("tilt above 15 deg: lengths depend on their direction"));
    if (cJSON_GetObjectItem(doc, "scale"))
        cJSON_ReplaceItemInObject(doc, "scale", sc);
    else
        cJSON_AddItemToObject(doc, "scale", sc);
    cJSON *roi = cJSON_GetObjectItem(doc, "roi");
    if (roi) {
        cJSON *ex = cJSON_AddObjectToObject(roi, "excluded");
        cJSON_AddStringToObject(ex, "what", "scale marker and its quiet zone");
        cJSON_AddNumberToObject(ex, "pixels", (double)mk->excluded);
    }
}
