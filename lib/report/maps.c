/* maps.c -- the report's redness maps: the first and latest photos through skinq_compare with the
 * stored analysis options, so the maps come from the pixels the numbers come from (registered,
 * calibrated, normalised), embedded as PNGs with what normalisation was applied. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "io/io.h"
#include "report_int.h"

/* The analysis options a session was stored with (`track add`'s JSON: roi, roi_rect, mask, ref,
 * white, white_reflectance, px_per_mm, red_threshold). *mask receives a loaded ROI mask (caller frees).
 * Colour only: the maps need no texture. */
static skinq_status stored_options(skinq_ctx *ctx, const char *json, skinq_analysis_options *o,
                                   skinq_mask **mask)
{
    skinq_analysis_default_options(o);
    o->texture = 0;
    cJSON *j = json && json[0] ? cJSON_Parse(json) : NULL;
    if (!j)
        return SKINQ_OK; /* not recorded: the defaults, as `track add` without options */
    skinq_status st = SKINQ_OK;
    const cJSON *v;
    struct {
        const char *key;
        skinq_rect *rect;
        int *has;
    } rects[] = {{"roi_rect", &o->roi.rect, NULL},
                 {"ref", &o->color.ref, &o->color.has_ref},
                 {"white", &o->color.white, &o->color.has_white}};
    for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, rects[i].key);
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 4)
            continue;
        int r[4];
        for (int k = 0; k < 4; k++)
            r[k] = (int)cJSON_GetNumberValue(cJSON_GetArrayItem(a, k));
        *rects[i].rect = (skinq_rect){r[0], r[1], r[2], r[3]};
        if (rects[i].has)
            *rects[i].has = 1;
    }
    const char *roi = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "roi"));
    const char *mask_path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "mask"));
    if (roi && strcmp(roi, "rect") == 0)
        o->roi.kind = SKINQ_ROI_RECT;
    else if (roi && strcmp(roi, "auto-skin") == 0) {
        o->roi.kind = SKINQ_ROI_AUTO_SKIN; /* a store from before skin modes: auto */
        skinq_skin_mode_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "skin_mode")),
                              &o->roi.skin_mode);
    } else if (roi && strcmp(roi, "mask") == 0 && mask_path) {
        if ((st = skinq_mask_load(ctx, mask_path, mask)) == SKINQ_OK) {
            o->roi.kind = SKINQ_ROI_MASK;
            o->roi.mask = *mask;
        }
    }
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "px_per_mm")))
        o->px_per_mm = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "white_reflectance")))
        o->color.white_reflectance = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, "red_threshold")))
        o->color.red_threshold = v->valuedouble;
    cJSON_Delete(j);
    return st;
}

/* A PNG file embedded as a figure (the report stands alone), then removed. */
static skinq_status embed_png(skinq_ctx *ctx, FILE *f, const char *dir, const char *name, const char *caption)
{
    size_t n = strlen(dir) + strlen(name) + 2, size;
    char *path = skinq_malloc(ctx, n);
    uint8_t *buf = NULL;
    if (!path)
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory");
    snprintf(path, n, "%s/%s", dir, name);
    FILE *in = fopen(path, "rb");
    long len = in && fseek(in, 0, SEEK_END) == 0 ? ftell(in) : -1;
    skinq_status st = len > 0 && fseek(in, 0, SEEK_SET) == 0
                          ? SKINQ_OK
                          : skinq_fail(ctx, SKINQ_E_IO, "'%s': cannot read the map", path);
    if (st == SKINQ_OK && !(buf = skinq_malloc(ctx, (size_t)len)))
        st = skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory");
    if (st == SKINQ_OK && (size = fread(buf, 1, (size_t)len, in)) != (size_t)len)
        st = skinq_fail(ctx, SKINQ_E_IO, "'%s': cannot read the map", path);
    if (st == SKINQ_OK) {
        fputs("<figure><img class=\"map\" alt=\"", f);
        report_html_text(f, caption);
        fputs("\" src=\"data:image/png;base64,", f);
        report_base64(f, buf, size);
        fputs("\"><figcaption>", f);
        report_html_text(f, caption);
        fputs("</figcaption></figure>", f);
    }
    if (in)
        fclose(in);
    remove(path);
    skinq_free(ctx, buf);
    skinq_free(ctx, path);
    return st;
}

/* What was done to the pixels before they were measured and drawn. */
static void normalisation(FILE *f, const skinq_compare_result *r)
{
    fprintf(f,
            "<p class=\"norm\">Maps made by skinq compare from the same pixels as the numbers: the latest "
            "photo registered onto the first (%s",
            r->alignment.method);
    if (isfinite(r->alignment.rms_px))
        fprintf(f, ", rms %.2f px", r->alignment.rms_px);
    fputs("); colour ", f);
    if (r->has_chart)
        fputs("calibrated on a ColorChecker in each photo", f);
    else if (r->has_white)
        fprintf(f, "calibrated on the white patch (linear gains first %.3f/%.3f/%.3f, latest %.3f/%.3f/%.3f)",
                r->white_gains[0][0], r->white_gains[0][1], r->white_gains[0][2], r->white_gains[1][0],
                r->white_gains[1][1], r->white_gains[1][2]);
    else
        fputs("not calibrated (no white patch or chart)", f);
    if (r->has_ref)
        fprintf(f,
                "; the latest photo normalised to the first on reference skin (linear gains %.3f/%.3f/%.3f)",
                r->ref_gains[0], r->ref_gains[1], r->ref_gains[2]);
    else
        fputs("; no reference-skin normalisation (no --ref)", f);
    const skinq_metric *a0 = skinq_metrics_find(&r->before->metrics, "color.a.mean");
    const skinq_metric *a1 = skinq_metrics_find(&r->after->metrics, "color.a.mean");
    if (a0 && a1)
        fprintf(f, ". Mean a* over the common ROI (%llu px): first %.2f, latest %.2f",
                (unsigned long long)r->roi_pixels, a0->value, a1->value);
    fprintf(
        f, ". Change maps use a fixed scale: &Delta;a* &plusmn;%.3g a*, grey where |&Delta;a*| &le; %.3g a* ",
        r->maps.da_max, r->maps.da_band);
    if (isfinite(r->maps.da_mdc95))
        fprintf(f, "(from the MDC95 of mean a*, %.3g; at least &plusmn;5 and 0.5 a*)", r->maps.da_mdc95);
    else
        fputs("(no MDC95 known: a fixed &plusmn;5 and 0.5 a*)", f);
    fprintf(f, "; &Delta;E2000 0&ndash;%.3g, grey &le; %.3g.</p>\n", r->maps.de_max, r->maps.de_band);
}

/* The first and latest photos' redness maps (one a* scale) and the change between them. A pair
 * that cannot be compared (a photo gone, registration refused) is named, not fatal; running out of
 * memory is. */
skinq_status report_site_maps(skinq_ctx *ctx, FILE *f, const char *options, const char *first_image,
                              const char *last_image, const char *first_label, const char *last_label)
{
    static const char *const names[] = {"redness_before.png", "redness_after.png", "redness_change.png",
                                        "delta_e2000.png",    "side_by_side.png",  "aligned_after.png"};
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/skinq-report-XXXXXX", tmp && *tmp ? tmp : "/tmp"); /* mkdtemp's pattern */
    skinq_analysis_options ao;
    skinq_mask *mask = NULL;
    skinq_compare_result *r = NULL;
    skinq_status st = stored_options(ctx, options, &ao, &mask);
    int made = st == SKINQ_OK && mkdtemp(dir) != NULL;
    if (st == SKINQ_OK && !made)
        st = skinq_fail(ctx, SKINQ_E_IO, "cannot make a temporary folder for the maps");
    if (st == SKINQ_OK) {
        skinq_compare_options co;
        skinq_compare_default_options(&co);
        co.analysis = &ao;
        co.maps_dir = dir;
        co.map_max_size = 480;
        co.before_label = first_label;
        co.after_label = last_label;
        st = skinq_compare(ctx, first_image, last_image, &co, &r);
    }
    fputs("<h3>Redness maps</h3>", f);
    if (st == SKINQ_OK) {
        normalisation(f, r);
        char caption[2][96];
        for (int k = 0; k < 2; k++)
            snprintf(caption[k], sizeof caption[k], "redness (CIELAB a*), %s session; scale a* %.0f to %.0f",
                     k ? "latest" : "first", r->maps.a_lo, r->maps.a_hi);
        fputs("<div class=\"photos\">", f);
        st = embed_png(ctx, f, dir, names[0], caption[0]);
        if (st == SKINQ_OK && strcmp(first_image, last_image) != 0)
            st = embed_png(ctx, f, dir, names[1], caption[1]);
        fputs("</div><div class=\"photos\">", f);
        if (st == SKINQ_OK && strcmp(first_image, last_image) != 0)
            st = embed_png(ctx, f, dir, names[2], "redness change, latest minus first (fixed scale)");
        fputs("</div>\n", f);
    } else if (st != SKINQ_E_NOMEM) {
        fputs("<p class=\"missing\">maps not available: ", f);
        report_html_text(f, skinq_ctx_error(ctx));
        fputs("</p>\n", f);
    }
    if (made) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char p[sizeof dir + 32];
            snprintf(p, sizeof p, "%s/%s", dir, names[i]);
            remove(p);
        }
        rmdir(dir);
    }
    skinq_compare_free(&r);
    skinq_mask_free(&mask);
    return st == SKINQ_E_NOMEM ? st : SKINQ_OK;
}
