/* manifest.c -- the batch manifest's CSV reader and the shard rule (manifest.h). */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const manifest_columns[MF_COLUMNS] = {"subject", "site", "date",      "image",     "roi",
                                                  "mask",    "ref",  "px_per_mm", "procedure", "label"};

static int mf_fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* One CSV record's fields (RFC 4180). */
struct record {
    char **f;
    int n, cap;
};

static void record_clear(struct record *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

static int record_push(struct record *r, const char *s, size_t len)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        char **f = realloc(r->f, (size_t)cap * sizeof *f);
        if (!f)
            return -2;
        r->f = f, r->cap = cap;
    }
    char *d = malloc(len + 1);
    if (!d)
        return -2;
    memcpy(d, s, len);
    d[len] = 0;
    r->f[r->n++] = d;
    return 0;
}

/* Read the record starting at *pos into r; *line counts line breaks. @return 1 a record, 0 the end,
 * -1 an unclosed quote, -2 out of memory. */
static int next_record(const char *t, size_t len, size_t *pos, int *line, struct record *r)
{
    record_clear(r);
    size_t p = *pos;
    if (p >= len)
        return 0;
    char *buf = malloc(len - p + 1); /* a field is never longer than the rest of the text */
    if (!buf)
        return -2;
    for (;;) {
        size_t n = 0;
        if (p < len && t[p] == '"') { /* quoted: "" is a quote, anything else is itself */
            for (p++;; p++) {
                if (p >= len) {
                    free(buf);
                    return -1;
                }
                if (t[p] == '"' && p + 1 < len && t[p + 1] == '"')
                    buf[n++] = '"', p++;
                else if (t[p] == '"')
                    break;
                else {
                    if (t[p] == '\n')
                        (*line)++;
                    buf[n++] = t[p];
                }
            }
            p++;
            while (p < len && t[p] != ',' && t[p] != '\n' && t[p] != '\r') /* text after the quote: kept */
                buf[n++] = t[p++];
        } else {
            while (p < len && t[p] != ',' && t[p] != '\n' && t[p] != '\r')
                buf[n++] = t[p++];
        }
        int rc = record_push(r, buf, n);
        if (rc) {
            free(buf);
            return rc;
        }
        if (p < len && t[p] == ',') {
            p++;
            continue;
        }
        if (p < len && t[p] == '\r')
            p++;
        if (p < len && t[p] == '\n')
            p++, (*line)++;
        break;
    }
    free(buf);
    *pos = p;
    return 1;
}

static int blank(const struct record *r)
{
    return r->n == 1 && r->f[0][0] == 0;
}

/* path relative to the manifest's folder (absolute paths as they are) */
static char *resolve(const char *manifest_path, const char *p)
{
    const char *slash = strrchr(manifest_path, '/');
    size_t dir = p[0] == '/' || !slash ? 0 : (size_t)(slash - manifest_path) + 1;
    size_t n = strlen(p);
    char *out = malloc(dir + n + 1);
    if (out) {
        memcpy(out, manifest_path, dir);
        memcpy(out + dir, p, n + 1);
    }
    return out;
}

void manifest_free(manifest *m)
{
    for (int i = 0; m->rows && i < m->n; i++) {
        for (int c = 0; c < MF_COLUMNS; c++)
            free(m->rows[i].col[c]);
        free(m->rows[i].image_path);
        free(m->rows[i].mask_path);
    }
    free(m->rows);
    m->rows = NULL;
    m->n = 0;
}

/* The header: which field holds each column (-1: absent). */
static int read_header(const struct record *r, int where[MF_COLUMNS], char *err, size_t size)
{
    for (int c = 0; c < MF_COLUMNS; c++)
        where[c] = -1;
    for (int i = 0; i < r->n; i++) {
        int c = 0;
        while (c < MF_COLUMNS && strcmp(r->f[i], manifest_columns[c]) != 0)
            c++;
        if (c == MF_COLUMNS)
            return mf_fail(
                err, size,
                "line 1: unknown column '%s' (subject, site, date, image, roi, mask, ref, px_per_mm, "
                "procedure, label)",
                r->f[i]);
        if (where[c] >= 0)
            return mf_fail(err, size, "line 1: column '%s' named twice", r->f[i]);
        where[c] = i;
    }
    for (int c = 0; c <= MF_IMAGE; c++)
        if (where[c] < 0)
            return mf_fail(
                err, size,
                "line 1: the header lacks the column '%s' (subject, site, date and image are required)",
                manifest_columns[c]);
    return 0;
}

static int add_row(manifest *m, const struct record *r, const int where[MF_COLUMNS], int line,
                   const char *path, char *err, size_t size)
{
    manifest_row *rows = realloc(m->rows, (size_t)(m->n + 1) * sizeof *rows);
    if (!rows)
        return -2;
    m->rows = rows;
    manifest_row *row = &rows[m->n++];
    memset(row, 0, sizeof *row);
    row->line = line;
    for (int c = 0; c < MF_COLUMNS; c++)
        if (!(row->col[c] = strdup(where[c] >= 0 ? r->f[where[c]] : "")))
            return -2;
    for (int c = 0; c <= MF_IMAGE; c++)
        if (!row->col[c][0])
            return mf_fail(err, size, "line %d: empty %s", line, manifest_columns[c]);
    if (!(row->image_path = resolve(path, row->col[MF_IMAGE])))
        return -2;
    if (row->col[MF_MASK][0] && !(row->mask_path = resolve(path, row->col[MF_MASK])))
        return -2;
    return 0;
}

int manifest_parse(const char *text, size_t len, const char *path, manifest *m, char *err, size_t err_size)
{
    memset(m, 0, sizeof *m);
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) /* a BOM, as spreadsheets write */
        pos = 3;
    struct record r = {0};
    int where[MF_COLUMNS], line = 1, header = 0, rc = 0;
    for (;;) {
        int start = line;
        rc = next_record(text, len, &pos, &line, &r);
        if (rc <= 0) {
            if (rc == -1)
                mf_fail(err, err_size, "line %d: a quote is not closed", start);
            break;
        }
        if (blank(&r))
            continue;
        if (!header) {
            if ((rc = read_header(&r, where, err, err_size)) != 0)
                break;
            header = r.n;
            continue;
        }
        if (r.n != header) {
            rc = mf_fail(err, err_size, "line %d: %d fields, the header has %d", start, r.n, header);
            break;
        }
        if ((rc = add_row(m, &r, where, start, path, err, err_size)) != 0)
            break;
    }
    record_clear(&r);
    free(r.f);
    if (rc == 0 && !header)
        rc = mf_fail(err, err_size, "no header row (subject,site,date,image,...)");
    if (rc == -2)
        snprintf(err, err_size, "out of memory");
    if (rc != 0)
        manifest_free(m);
    return rc;
}

int manifest_load(const char *path, manifest *m, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mf_fail(err, err_size, "cannot read it (%s)", strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) {
            char *t = realloc(text, cap = 2 * cap + 65536);
            if (!t) {
                free(text);
                fclose(f);
                return -2;
            }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    int rc = bad ? mf_fail(err, err_size, "read error") : manifest_parse(text, len, path, m, err, err_size);
    free(text);
    return rc;
}

uint64_t manifest_hash(const char *subject, const char *site, const char *image)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64: offset basis, prime 2^40 + 2^8 + 0xb3 */
    const char *parts[3] = {subject, site, image};
    for (int i = 0; i < 3; i++) {
        if (i)
            h = (h ^ 0x1f) * 0x100000001b3ull; /* the unit separator between the parts */
        for (const unsigned char *s = (const unsigned char *)parts[i]; *s; s++)
            h = (h ^ *s) * 0x100000001b3ull;
    }
    return h;
}

int manifest_shard(const manifest_row *r, int n)
{
    return (int)(manifest_hash(r->col[MF_SUBJECT], r->col[MF_SITE], r->col[MF_IMAGE]) % (uint64_t)n);
}

/* a whole non-negative number (at most 1e6), else -1 */
static long whole(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *end || errno || v < 0 || v > 1000000 || s[0] == '+' || s[0] == '-' ? -1 : v;
}

static int env_whole(char *(*getenv_fn)(const char *), const char *name, long dflt, long *v, char *err,
                     size_t size)
{
    const char *s = getenv_fn(name);
    if (!s || !*s) {
        *v = dflt;
        return 0;
    }
    if ((*v = whole(s)) < 0)
        return mf_fail(err, size, "%s='%s' is not a whole number", name, s);
    return 0;
}

int manifest_parse_shard(const char *arg, char *(*getenv_fn)(const char *), int *k, int *n, char *err,
                         size_t err_size)
{
    long K = -1, N = -1;
    if (strncmp(arg, "auto", 4) == 0 && (arg[4] == 0 || arg[4] == '/')) {
        if (arg[4] == '/' && (N = whole(arg + 5)) < 1)
            return mf_fail(err, err_size, "--shard auto/N needs N >= 1, not '%s'", arg + 5);
        const char *slurm = getenv_fn("SLURM_ARRAY_TASK_ID"), *k8s = getenv_fn("JOB_COMPLETION_INDEX");
        if (slurm && *slurm) {
            long id = whole(slurm), min, step, count;
            if (id < 0)
                return mf_fail(err, err_size, "SLURM_ARRAY_TASK_ID='%s' is not a whole number", slurm);
            if (env_whole(getenv_fn, "SLURM_ARRAY_TASK_MIN", 0, &min, err, err_size) ||
                env_whole(getenv_fn, "SLURM_ARRAY_TASK_STEP", 1, &step, err, err_size) ||
                env_whole(getenv_fn, "SLURM_ARRAY_TASK_COUNT", -1, &count, err, err_size))
                return -1;
            if (step < 1 || id < min || (id - min) % step)
                return mf_fail(err, err_size,
                               "SLURM_ARRAY_TASK_ID %ld is not in the array's range (min %ld, step %ld)", id,
                               min, step);
            K = (id - min) / step;
            if (N < 0)
                N = count;
            if (N < 1)
                return mf_fail(err, err_size, "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
        } else if (k8s && *k8s) {
            if ((K = whole(k8s)) < 0)
                return mf_fail(err, err_size, "JOB_COMPLETION_INDEX='%s' is not a whole number", k8s);
            if (N < 0 && (env_whole(getenv_fn, "SKINQ_SHARDS", -1, &N, err, err_size) || N < 1))
                return mf_fail(err, err_size,
                               "JOB_COMPLETION_INDEX is set: give the number of shards as --shard auto/N or "
                               "SKINQ_SHARDS");
        } else {
            return mf_fail(
                err, err_size,
                "--shard auto: none of SLURM_ARRAY_TASK_ID (Slurm job arrays) or JOB_COMPLETION_INDEX "
                "(Kubernetes Indexed Jobs) is set; give --shard K/N");
        }
    } else {
        const char *slash = strchr(arg, '/');
        char kb[16];
        if (!slash || (size_t)(slash - arg) >= sizeof kb)
            return mf_fail(err, err_size, "--shard takes K/N (0 <= K < N) or auto, not '%s'", arg);
        memcpy(kb, arg, (size_t)(slash - arg));
        kb[slash - arg] = 0;
        K = whole(kb), N = whole(slash + 1);
        if (K < 0 || N < 1)
            return mf_fail(err, err_size, "--shard takes K/N (0 <= K < N) or auto, not '%s'", arg);
    }
    if (K >= N)
        return mf_fail(err, err_size,
                       "shard %ld is not below the shard count %ld (shards are 0-based: 0..%ld)", K, N,
                       N - 1);
    *k = (int)K, *n = (int)N;
    return 0;
}
