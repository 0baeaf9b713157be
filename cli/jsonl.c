/* jsonl.c -- results files' complete lines and done keys (jsonl.h). */
#define _GNU_SOURCE /* memrchr */
#include "jsonl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jsonl_read(const char *path, char **text, size_t *len, size_t *complete)
{
    *text = NULL, *len = *complete = 0;
    FILE *f = fopen(path, "rb");
    if (!f && errno != ENOENT)
        return -1;
    size_t cap = 1;
    char *t = malloc(cap);
    for (size_t got = 1; t && f && got;) {
        if (*len + 65536 >= cap) {
            char *n = realloc(t, cap = 2 * cap + 65536);
            if (!n) {
                free(t);
                t = NULL;
                break;
            }
            t = n;
        }
        got = fread(t + *len, 1, cap - *len - 1, f);
        *len += got;
    }
    int bad = f && ferror(f);
    if (f)
        fclose(f);
    if (!t)
        return -2;
    t[*len] = 0;
    if (bad) {
        free(t);
        errno = EIO;
        return -1;
    }
    const char *nl = *len ? memrchr(t, '\n', *len) : NULL;
    *complete = nl ? (size_t)(nl - t) + 1 : 0;
    *text = t;
    return 0;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

int jsonl_keys_has(const jsonl_keys *k, const char *key)
{
    if (!k->cap)
        return 0;
    for (size_t i = hash(key) & (k->cap - 1);; i = (i + 1) & (k->cap - 1)) {
        if (!k->slot[i])
            return 0;
        if (strcmp(k->slot[i], key) == 0)
            return 1;
    }
}

static void put(char **slot, size_t cap, char *key)
{
    size_t i = hash(key) & (cap - 1);
    while (slot[i])
        i = (i + 1) & (cap - 1);
    slot[i] = key;
}

int jsonl_keys_add(jsonl_keys *k, const char *key)
{
    if (jsonl_keys_has(k, key))
        return 0;
    if (2 * (k->n + 1) > k->cap) { /* at most half full */
        size_t cap = k->cap ? 2 * k->cap : 64;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot)
            return -1;
        for (size_t i = 0; i < k->cap; i++)
            if (k->slot[i])
                put(slot, cap, k->slot[i]);
        free(k->slot);
        k->slot = slot, k->cap = cap;
    }
    char *d = strdup(key);
    if (!d)
        return -1;
    put(k->slot, k->cap, d);
    k->n++;
    return 0;
}

void jsonl_keys_free(jsonl_keys *k)
{
    for (size_t i = 0; i < k->cap; i++)
        free(k->slot[i]);
    free(k->slot);
    *k = (jsonl_keys){0};
}

char *jsonl_key(const char *subject, const char *site, const char *date, const char *time, const char *label,
                const char *sha256)
{
    size_t n =
        strlen(subject) + strlen(site) + strlen(date) + strlen(time) + strlen(label) + strlen(sha256) + 6;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", subject, site, date, time, label, sha256);
    return k;
}
