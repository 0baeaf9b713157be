/* out.c -- JSON output helpers shared by the subcommands. */
#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aopts.h"
#include "cli.h"

int out_dir_ready(const char *dir)
{
    struct stat sb;
    const char *why = NULL;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        why = strerror(errno);
    else if (stat(dir, &sb) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(sb.st_mode))
        why = "not a directory";
    else if (access(dir, W_OK | X_OK) != 0)
        why = strerror(errno);
    if (!why)
        return -1;
    fprintf(stderr, "skinq: cannot write maps into '%s': %s\n", dir, why);
    return cli_exit_for(CLI_COND_OUTPUT);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there are not one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or cut short). */
static int utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!n)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

/* A valid UTF-8 copy of s (malloc), every invalid byte as U+FFFD; NULL when s is valid already
 * (*oom set when memory ran out). */
static char *utf8_fixed(const char *s, int *oom)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), bad = 0;
    for (size_t i = 0; i < len;) {
        int n = utf8_seq(u + i);
        bad += n == 0;
        i += n ? (size_t)n : 1;
    }
    if (!bad)
        return NULL;
    char *out = malloc(len + 2 * bad + 1), *o = out;
    if (!out) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        int n = utf8_seq(u + i);
        if (n) {
            memcpy(o, s + i, (size_t)n);
            o += n;
            i += (size_t)n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    return out;
}

static char *base64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v =
            (unsigned)u[i] << 16 | (i + 1 < len ? (unsigned)u[i + 1] << 8 : 0) | (i + 2 < len ? u[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

int out_json_utf8(cJSON *node)
{
    int oom = 0;
    for (cJSON *c = node ? node->child : NULL, *next; c && !oom; c = next) {
        next = c->next;
        if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
            oom = out_json_utf8(c) != 0;
            continue;
        }
        if (!cJSON_IsString(c) || !c->valuestring)
            continue;
        char *fixed = utf8_fixed(c->valuestring, &oom);
        if (!fixed)
            continue;
        if (cJSON_IsObject(node) && c->string) {
            size_t kl = strlen(c->string);
            char *key = malloc(kl + 8), *b64 = base64(c->valuestring);
            if (key && b64) {
                memcpy(key, c->string, kl);
                memcpy(key + kl, "_base64", 8);
                cJSON_DeleteItemFromObjectCaseSensitive(node, key);
                oom = !cJSON_AddStringToObject(node, key, b64);
            } else {
                oom = 1;
            }
            free(key);
            free(b64);
        }
        /* the fixed text in cJSON's own allocation: swapped in, the old one freed with rep */
        cJSON *rep = oom ? NULL : cJSON_CreateString(fixed);
        free(fixed);
        if (rep) {
            char *old = c->valuestring;
            c->valuestring = rep->valuestring;
            rep->valuestring = old;
            cJSON_Delete(rep);
        } else {
            oom = 1;
        }
    }
    return oom ? -1 : 0;
}

int out_json(cJSON *doc)
{
    char *s = doc && out_json_utf8(doc) == 0 ? cJSON_Print(doc) : NULL;
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
    return skinq_cjson_add_number(obj, key, v);
}

cJSON *out_file_provenance(skinq_ctx *ctx, const char *path, skinq_status *st)
{
    return skinq_file_cjson(ctx, path, st);
}

int out_metrics_json(cJSON *root, const skinq_metrics *m)
{
    return skinq_metrics_cjson(root, m);
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

/* ---- one photo's analysis: the library's one writer (lib/pipeline/analysis_json.c) ---- */

cJSON *out_skin_json(const skinq_skin_info *k)
{
    return skinq_skin_cjson(k);
}

cJSON *out_raw_json(const skinq_raw_info *r, int developed)
{
    return skinq_raw_cjson(r, developed);
}

cJSON *out_analysis_json(const skinq_analysis *a, const skinq_analysis_options *o)
{
    return skinq_analysis_cjson(a, o, g_aopts.camera);
}

const char *out_num(char *buf, size_t n, const char *fmt, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "n/a");
    else
        snprintf(buf, n, fmt, v);
    return buf;
}

const char *out_num_csv(char *buf, size_t n, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "%.9g", v);
    return buf;
}

int out_table_metric(const char *path)
{
    const char *last = strrchr(path, '.');
    if (!last || strstr(path, ".bins.") || strncmp(path, "texture.psd.tile", 16) == 0)
        return 0;
    if (strncmp(path, "color.", 6) != 0)
        return 1;
    return !strcmp(last, ".mean") || !strcmp(last, ".delta_ref") || !strncmp(path, "color.red_area_", 15);
}

int out_file_ready(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
    if (access(dir, W_OK) == 0)
        return -1;
    fprintf(stderr, "skinq: cannot write '%s': %s\n", path, strerror(errno));
    return cli_exit_for(CLI_COND_OUTPUT);
}

cJSON *out_alignment_json(const skinq_alignment *al)
{
    return skinq_alignment_cjson(al);
}

void out_add_session(cJSON *o, const out_session *s)
{
    cJSON_AddNumberToObject(o, "session", (double)s->id);
    cJSON_AddStringToObject(o, "date", s->date);
    cJSON_AddStringToObject(o, "time", s->time);
    cJSON_AddStringToObject(o, "label", s->label);
    cJSON_AddStringToObject(o, "procedure", s->procedure);
    cJSON_AddNumberToObject(o, "cycle", s->cycle);
    out_add_number(o, "day", s->day);
    out_add_number(o, "cycle_day", s->cycle_day);
}
