/* json.c -- the small pieces every JSON writer of the library shares (lib/pipeline/analysis_json.c,
 * lib/align/compare_json.c, lib/track/trend.c): numbers that may be NaN, printing, freeing. */
#include <math.h>

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
