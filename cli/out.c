/* out.c -- JSON output helpers shared by the subcommands. */
#include "out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int out_metrics_json(cJSON *root, const skinq_metrics *m)
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

/* RFC 4180 quoting for a field that may hold commas or quotes (file paths). */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void out_metrics_csv(FILE *f, const char *image, const skinq_metrics *m, int header)
{
    if (header)
        fputs("image,metric,value,unit\n", f);
    for (size_t i = 0; i < m->count; i++) {
        csv_field(f, image);
        fprintf(f, ",%s,", m->items[i].path);
        if (isfinite(m->items[i].value))
            fprintf(f, "%.10g", m->items[i].value);
        fprintf(f, ",%s\n", m->items[i].unit);
    }
}
