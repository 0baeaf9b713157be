/* json.c -- the small pieces every JSON writer of the library shares (lib/pipeline/analysis_json.c,
 * lib/align/compare_json.c and repeat_json.c, lib/surface/depth_json.c, lib/track/trend.c): metrics by
 * dotted path, numbers that may be NaN, an input file's provenance, printing, freeing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "skinq_tools.h"

struct cJSON *skinq_cjson_add_number(struct cJSON *obj, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(obj, key, v) : cJSON_AddNullToObject(obj, key);
}

skinq_status skinq_cjson_print(struct cJSON *doc, char **out)
{
    char *s = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (!s)
        return SKINQ_E_NOMEM;
    *out = s;
    return SKINQ_OK;
}

void skinq_json_free(char **json)
{
    if (json) {
        cJSON_free(*json);
        *json = NULL;
    }
}

static int is_index(const char *seg)
{
    if (!*seg)
        return 0;
    for (; *seg; seg++)
        if (*seg < '0' || *seg > '9')
            return 0;
    return 1;
}

/* Child `seg` of a container, created as an object or array (per `next_is_index`) if missing. */
static cJSON *child(cJSON *parent, const char *seg, int next_is_index)
{
    cJSON *c;
    if (cJSON_IsArray(parent)) {
        int i = atoi(seg);
        while (cJSON_GetArraySize(parent) <= i)
            cJSON_AddItemToArray(parent, next_is_index ? cJSON_CreateArray() : cJSON_CreateObject());
        c = cJSON_GetArrayItem(parent, i);
    } else {
        c = cJSON_GetObjectItemCaseSensitive(parent, seg);
        if (!c)
            c = next_is_index ? cJSON_AddArrayToObject(parent, seg) : cJSON_AddObjectToObject(parent, seg);
    }
    return c;
}

int skinq_metrics_cjson(struct cJSON *root, const skinq_metrics *m)
{
    for (size_t i = 0; i < m->count; i++) {
        char path[sizeof m->items[i].path];
        memcpy(path, m->items[i].path, sizeof path);
        cJSON *cur = root;
        char *seg = path, *dot;
        while ((dot = strchr(seg, '.')) != NULL) {
            *dot = '\0';
            cur = child(cur, seg, is_index(dot + 1));
            if (!cur || (!cJSON_IsObject(cur) && !cJSON_IsArray(cur)))
                return -1;
            seg = dot + 1;
        }
        double v = m->items[i].value;
        cJSON *num = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
        if (cJSON_IsArray(cur)) {
            int k = atoi(seg);
            while (cJSON_GetArraySize(cur) < k)
                cJSON_AddItemToArray(cur, cJSON_CreateNull());
            if (cJSON_GetArraySize(cur) == k)
                cJSON_AddItemToArray(cur, num);
            else
                cJSON_ReplaceItemInArray(cur, k, num);
        } else if (cJSON_GetObjectItemCaseSensitive(cur, seg)) {
            cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, num);
        } else {
            cJSON_AddItemToObject(cur, seg, num);
        }
    }
    return 0;
}

struct cJSON *skinq_file_cjson(skinq_ctx *ctx, const char *path, skinq_status *st)
{
    char hex[65];
    *st = skinq_file_sha256(ctx, path, hex);
    if (*st != SKINQ_OK)
        return NULL;
    struct stat sb;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddNumberToObject(o, "size_bytes", stat(path, &sb) == 0 ? (double)sb.st_size : 0);
    cJSON_AddStringToObject(o, "sha256", hex);
    return o;
}
