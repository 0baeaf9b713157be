/* lights.c -- read and validate a photometric-stereo lights file (design §2, DiLiGenT axes), and
 * what lights_dir.c shares with it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "surface.h"

skinq_status surface_read_text(skinq_ctx *ctx, const char *path, const char *what, size_t max, char **out)
{
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    char *buf = NULL;
    if (in.size > max)
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot read %s '%s': larger than %zu MiB", what, path,
                        max >> 20);
    else if (!(buf = skinq_malloc(ctx, in.size + 1)))
        st = SKINQ_E_NOMEM;
    else if (memchr(in.data, 0, in.size))
        st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot parse %s '%s': not text (NUL byte)", what, path);
    if (buf && st == SKINQ_OK) {
        memcpy(buf, in.data, in.size);
        buf[in.size] = '\0';
        *out = buf;
    } else
        skinq_free(ctx, buf);
    skinq_input_close(ctx, &in);
    return st;
}

char *surface_resolve(skinq_ctx *ctx, const char *path, size_t dir_len, const char *name)
{
    if (name[0] == '/')
        dir_len = 0;
    size_t n = strlen(name);
    char *s = skinq_malloc(ctx, dir_len + n + 1);
    if (s) {
        memcpy(s, path, dir_len);
        memcpy(s + dir_len, name, n + 1);
    }
    return s;
}

const char *surface_light_direction(skinq_light *o, const double d[3])
{
    double len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (!(len > 1e-9) || !isfinite(len))
        return "direction is zero";
    for (int c = 0; c < 3; c++)
        o->direction[c] = d[c] / len;
    if (!(o->direction[2] > 0))
        return "points away from the camera (z <= 0)";
    return NULL;
}

int surface_light_rgb(skinq_light *o, const double rgb[3])
{
    /* per colour channel; the solve's intensity is their Rec. 709 luminance */
    static const double w709[3] = {0.2126, 0.7152, 0.0722};
    o->intensity = 0;
    for (int c = 0; c < 3; c++) {
        if (!isfinite(rgb[c]) || !(rgb[c] > 0))
            return 0;
        o->intensity_rgb[c] = rgb[c];
        o->intensity += w709[c] * rgb[c];
    }
    return 1;
}

skinq_status surface_lights_new(skinq_ctx *ctx, int n, skinq_lights **out)
{
    skinq_lights *L = skinq_calloc(ctx, 1, sizeof *L);
    if (!L)
        return SKINQ_E_NOMEM;
    L->alloc = ctx->alloc;
    if (!(L->items = skinq_calloc(ctx, (size_t)n, sizeof *L->items))) {
        skinq_free(ctx, L);
        return SKINQ_E_NOMEM;
    }
    L->count = n;
    *out = L;
    return SKINQ_OK;
}

/* The "lights" array (1 to SKINQ_LIGHTS_MAX entries) and the optional "px_per_mm" (0 if absent). */
static skinq_status read_header(skinq_ctx *ctx, const char *path, const cJSON *doc, const cJSON **arr, int *n,
                                double *ppm)
{
    *arr = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "lights") : NULL;
    *n = cJSON_IsArray(*arr) ? cJSON_GetArraySize(*arr) : -1;
    if (*n < 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights file '%s': no \"lights\" array", path);
    if (*n == 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights file '%s': the \"lights\" array is empty",
                          path);
    if (*n > SKINQ_LIGHTS_MAX)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights file '%s': %d lights, at most %d supported",
                          path, *n, SKINQ_LIGHTS_MAX);
    *ppm = 0;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(doc, "px_per_mm");
    if (jp) {
        if (!cJSON_IsNumber(jp) || !isfinite(jp->valuedouble) || jp->valuedouble <= 0)
            return skinq_fail(ctx, SKINQ_E_FORMAT,
                              "cannot use lights file '%s': \"px_per_mm\" must be a positive number", path);
        *ppm = jp->valuedouble;
    }
    return SKINQ_OK;
}

/* Light i: a unit direction toward the camera, an intensity (default 1; a number or [r, g, b]) and an
 * optional image named relative to the lights file's folder (path's first dir_len bytes). */
static skinq_status read_light(skinq_ctx *ctx, const char *path, size_t dir_len, int i, const cJSON *li,
                               skinq_light *o)
{
    if (!cJSON_IsObject(li))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights file '%s': light %d is not an object", path,
                          i);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(li, "direction");
    if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) != 3)
        return skinq_fail(ctx, SKINQ_E_FORMAT,
                          "cannot use lights file '%s': light %d needs \"direction\": [x, y, z]", path, i);
    for (int c = 0; c < 3; c++) {
        const cJSON *v = cJSON_GetArrayItem(d, c);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            return skinq_fail(ctx, SKINQ_E_FORMAT,
                              "cannot use lights file '%s': light %d direction has a non-number", path, i);
        o->direction[c] = v->valuedouble;
    }
    const char *why = surface_light_direction(o, o->direction);
    if (why)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights file '%s': light %d %s", path, i, why);
    o->intensity = 1.0;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(li, "intensity");
    if (cJSON_IsArray(it)) {
        double rgb[3] = {0, 0, 0};
        int ok = cJSON_GetArraySize(it) == 3;
        for (int c = 0; ok && c < 3; c++) {
            const cJSON *v = cJSON_GetArrayItem(it, c);
            ok = cJSON_IsNumber(v);
            rgb[c] = ok ? v->valuedouble : 0;
        }
        if (!ok || !surface_light_rgb(o, rgb))
            return skinq_fail(
                ctx, SKINQ_E_FORMAT,
                "cannot use lights file '%s': light %d intensity [r, g, b] needs three positive "
                "numbers",
                path, i);
    } else if (it) {
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble <= 0)
            return skinq_fail(ctx, SKINQ_E_FORMAT,
                              "cannot use lights file '%s': light %d intensity must be a positive number",
                              path, i);
        o->intensity = it->valuedouble;
    }
    if (!cJSON_IsArray(it))
        for (int c = 0; c < 3; c++)
            o->intensity_rgb[c] = o->intensity;
    const cJSON *im = cJSON_GetObjectItemCaseSensitive(li, "image");
    if (im) {
        if (!cJSON_IsString(im) || !im->valuestring[0])
            return skinq_fail(ctx, SKINQ_E_FORMAT,
                              "cannot use lights file '%s': light %d \"image\" must be a name", path, i);
        if (!(o->image = surface_resolve(ctx, path, dir_len, im->valuestring)))
            return SKINQ_E_NOMEM;
    }
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(li, "flat");
    if (fl) {
        if (!cJSON_IsString(fl) || !fl->valuestring[0])
            return skinq_fail(ctx, SKINQ_E_FORMAT,
                              "cannot use lights file '%s': light %d \"flat\" must be a name", path, i);
        if (!(o->flat = surface_resolve(ctx, path, dir_len, fl->valuestring)))
            return SKINQ_E_NOMEM;
    }
    return SKINQ_OK;
}

skinq_status surface_lights_load_json(skinq_ctx *ctx, const char *path, skinq_lights **out)
{
    char *text = NULL;
    skinq_status st = surface_read_text(ctx, path, "lights file", 4u << 20, &text);
    if (st != SKINQ_OK)
        return st;
    cJSON *doc = cJSON_Parse(text); /* cJSON allocates through its own (global) hooks */
    skinq_free(ctx, text);
    if (!doc)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot parse lights file '%s': not valid JSON", path);
    skinq_lights *L = NULL;
    const cJSON *arr;
    int n;
    double ppm;
    st = read_header(ctx, path, doc, &arr, &n, &ppm);
    if (st == SKINQ_OK)
        st = surface_lights_new(ctx, n, &L);
    if (st == SKINQ_OK) {
        L->px_per_mm = ppm;
        const char *slash = strrchr(path, '/');
        const size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
        for (int i = 0; st == SKINQ_OK && i < n; i++)
            st = read_light(ctx, path, dir_len, i, cJSON_GetArrayItem(arr, i), &L->items[i]);
    }
    if (st == SKINQ_OK) {
        *out = L;
        L = NULL;
    }
    cJSON_Delete(doc);
    skinq_lights_free(&L);
    return st;
}

void skinq_lights_free(skinq_lights **pl)
{
    if (!pl || !*pl)
        return;
    skinq_lights *l = *pl;
    skinq_allocator a = l->alloc;
    for (int i = 0; l->items && i < l->count; i++) {
        skinq_free_raw(&a, l->items[i].image);
        skinq_free_raw(&a, l->items[i].flat);
    }
    skinq_free_raw(&a, l->items);
    skinq_free_raw(&a, l);
    *pl = NULL;
}
