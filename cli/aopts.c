/* aopts.c -- the shared analysis options: validation, the library's options struct, JSON. */
#define _DEFAULT_SOURCE /* realpath */
#include "aopts.h"

#include "out.h"

#include <math.h>
#include <stdlib.h>

cli_aopts g_aopts = {NULL, NULL, NULL, NULL, NULL, NULL, 0, NAN, 1.0, 5.0};
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

int cli_aopts_setup(const cli_command *cmd, skinq_ctx *ctx, skinq_analysis_options *o, skinq_mask **mask)
{
    const cli_aopts *a = &g_aopts;
    if ((a->roi != NULL) + (a->mask != NULL) + (a->auto_skin != NULL) > 1)
        return cli_usage_error(cmd, "choose one of --roi, --mask and --auto-skin");
    /* the numbers' ranges were checked by cli_parse_number(); NaN px_per_mm = not given */
    skinq_analysis_default_options(o);
    skinq_color_options *co = &o->color;
    o->px_per_mm = isfinite(a->px_per_mm) ? a->px_per_mm : 0;
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

static void add_rect(cJSON *o, const char *key, skinq_rect r)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);
    int v[4] = {r.x, r.y, r.w, r.h};
    for (int i = 0; i < 4; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
}

cJSON *cli_aopts_json(const skinq_analysis_options *o)
{
    const skinq_color_options *c = &o->color;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "roi", skinq_roi_kind_name(o->roi.kind));
    if (o->roi.kind == SKINQ_ROI_RECT)
        add_rect(j, "roi_rect", o->roi.rect);
    if (o->roi.kind == SKINQ_ROI_AUTO_SKIN)
        cJSON_AddStringToObject(j, "skin_mode", skinq_skin_mode_name(o->roi.skin_mode));
    if (o->roi.kind == SKINQ_ROI_MASK && g_aopts.mask) { /* absolute: the report reopens it from anywhere */
        char *abs = realpath(g_aopts.mask, NULL);
        cJSON_AddStringToObject(j, "mask", abs ? abs : g_aopts.mask);
        free(abs);
    }
    if (c->has_ref)
        add_rect(j, "ref", c->ref);
    if (c->has_white) {
        add_rect(j, "white", c->white);
        cJSON_AddNumberToObject(j, "white_reflectance", c->white_reflectance);
    }
    if (c->camera && g_aopts.camera) {
        char *abs = realpath(g_aopts.camera, NULL);
        cJSON_AddStringToObject(j, "camera", abs ? abs : g_aopts.camera);
        free(abs);
    }
    if (o->px_per_mm > 0)
        cJSON_AddNumberToObject(j, "px_per_mm", o->px_per_mm);
    cJSON_AddNumberToObject(j, "red_threshold", c->red_threshold);
    cJSON_AddBoolToObject(j, "texture", o->texture);
    if (out_json_utf8(j) != 0) { /* stored with every tracked measurement: valid UTF-8 too */
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
