/* track_entry.c -- one photo's numbers for the store (track_entry.h): `track add` and `batch`. */
#include "track_entry.h"

#include <math.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* A registered photo's own px/mm, from the matrix: it maps photo pixels to reference pixels,
 * 1 photo px = s reference px with s = sqrt|det|, so the photo has site/s px per mm. */
static double photo_px_per_mm(const skinq_alignment *al, double site)
{
    const double *m = al->matrix;
    return site / sqrt(fabs(m[0] * m[4] - m[1] * m[3]));
}

skinq_status track_analyse_for_store(skinq_ctx *ctx, const skinq_site_reference *first,
                                     struct track_scale *sc, const char *path, skinq_analyzer *an,
                                     int no_align, skinq_analysis **a, char **cal)
{
    cJSON *c = cJSON_CreateObject();
    skinq_status st = SKINQ_E_ALIGN;
    sc->entry = sc->given;
    double own = NAN; /* a registered photo's own px/mm */
    if (first->found && !no_align) {
        skinq_compare_options co;
        skinq_compare_default_options(&co);
        co.analyzer = an;  /* its texture plan serves every photo */
        co.after_only = 1; /* the first photo's numbers are stored already */
        skinq_compare_result *r = NULL;
        st = skinq_compare(ctx, first->path, path, &co, &r);
        if (st == SKINQ_OK) {
            *a = r->after; /* take the after analysis over */
            r->after = NULL;
            const skinq_alignment *al = &r->alignment;
            skinq_metrics_add(ctx, &(*a)->metrics, "alignment.rms_px", al->rms_px, "px");
            skinq_metrics_add(ctx, &(*a)->metrics, "alignment.inliers", al->inliers, "1");
            skinq_metrics_add(ctx, &(*a)->metrics, "alignment.overlap", al->overlap, "1");
            cJSON_AddStringToObject(c, "aligned_to", first->path);
            cJSON_AddStringToObject(c, "method", al->method);
            cJSON *m = cJSON_AddArrayToObject(c, "matrix");
            for (int k = 0; k < 9; k++)
                cJSON_AddItemToArray(m, cJSON_CreateNumber(al->matrix[k]));
            sc->entry = 0;
            if (sc->site > 0)
                own = photo_px_per_mm(al, sc->site);
            skinq_compare_free(&r);
        } else if (st == SKINQ_E_ALIGN || st == SKINQ_E_EMPTY_ROI) {
            char why[400];
            snprintf(why, sizeof why, "%s", skinq_ctx_error(ctx));
            st =
                skinq_ctx_fail(ctx, SKINQ_E_ALIGN,
                               "'%s' cannot be registered onto the site's reference photo '%s' (%s); nothing "
                               "stored (--no-align measures it as it is)",
                               path, first->path, why);
        }
        if (st != SKINQ_OK) {
            cJSON_Delete(c);
            skinq_analysis_free(a);
            return st;
        }
    }
    if (st != SKINQ_OK)
        st = skinq_analyzer_file(an, path, a);
    /* which scale measured it: the site's (inherited, or given and checked by the store) or none */
    cJSON *scale = cJSON_AddObjectToObject(c, "scale");
    double used = sc->site > 0 ? sc->site : sc->given;
    if (used > 0)
        cJSON_AddNumberToObject(scale, "px_per_mm", used);
    cJSON_AddStringToObject(scale, "source", sc->site > 0 ? "site" : used > 0 ? "given" : "none");
    if (sc->given > 0 && sc->site > 0)
        cJSON_AddNumberToObject(scale, "given_px_per_mm", sc->given);
    if (!isnan(own))
        cJSON_AddNumberToObject(scale, "photo_px_per_mm_from_registration", own);
    cJSON_AddStringToObject(c, "white_point", "D65");
    cJSON *g = cJSON_AddArrayToObject(c, "linear_gains");
    for (int k = 0; st == SKINQ_OK && k < 3; k++)
        cJSON_AddItemToArray(g, cJSON_CreateNumber((*a)->color.white_gains[k]));
    *cal = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return st;
}

skinq_status track_exif_when(skinq_ctx *ctx, const char *path, char when[32])
{
    skinq_capture_time ct;
    skinq_status st = skinq_image_capture_time(ctx, path, &ct);
    if (st == SKINQ_E_INVALID) {
        char why[512];
        snprintf(why, sizeof why, "%s", skinq_ctx_error(ctx));
        return skinq_ctx_fail(ctx, SKINQ_E_FORMAT, "%s; give --date", why);
    }
    if (st == SKINQ_OK)
        snprintf(when, 32, "%s", ct.date);
    return st;
}
