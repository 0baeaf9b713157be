/* out.c -- JSON output helpers shared by the subcommands. */
#include "out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"

int out_json(cJSON *doc)
{
    char *s = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!s) {
        fputs("skinq: out of memory formatting JSON\n", stderr);
        return EXIT_INTERNAL;
    }
    fputs(s, stdout);
    fputc('\n', stdout);
    cJSON_free(s);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
}

cJSON *out_add_number(cJSON *obj, const char *key, double v)
{
    if (!isfinite(v))
        return cJSON_AddNullToObject(obj, key);
    return cJSON_AddNumberToObject(obj, key, v);
}

cJSON *out_file_provenance(skinq_ctx *ctx, const char *path, skinq_status *st)
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
