/* bench.c -- what every bench stage shares: the result lists (stages, peers, ratios, accuracy), timing,
 * the per-level contexts and progress. It calls no stage; run.c orchestrates them. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_int.h"

double skinq_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* p-quantile (nearest rank) of n seconds, sorted in place. */
static double quantile(double *t, int n, double q)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    int k = (int)ceil(q * n) - 1;
    return t[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* ---- the result lists ---- */

skinq_status skinq_bench_result_new(skinq_ctx *ctx, skinq_bench_result **out)
{
    skinq_bench_result *r = skinq_calloc(ctx, 1, sizeof *r);
    if (!r)
        return SKINQ_E_NOMEM;
    r->alloc = ctx->alloc;
    *out = r;
    return SKINQ_OK;
}

/* Room for one more of n items in *v (the allocator has no realloc: a new block, copied). */
static int grow(skinq_bench_result *r, void **v, int *cap, int n, size_t size)
{
    if (n < *cap)
        return 0;
    int c = *cap ? 2 * *cap : 16;
    void *p = skinq_alloc_raw(&r->alloc, (size_t)c * size);
    if (!p)
        return -1;
    if (n)
        memcpy(p, *v, (size_t)n * size);
    skinq_free_raw(&r->alloc, *v);
    *v = p;
    *cap = c;
    return 0;
}

skinq_status skinq_bench_add_stage(skinq_ctx *ctx, skinq_bench_result *r, const char *name, const char *isa,
                                   int threads, double mpix, double *sec, int n)
{
    if (grow(r, (void **)&r->stages, &r->stages_cap, r->n_stages, sizeof *r->stages))
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (bench results)");
    skinq_bench_stage *s = &r->stages[r->n_stages++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->isa, sizeof s->isa, "%s", isa);
    s->threads = threads;
    s->p95_ms = 1e3 * quantile(sec, n, 0.95);
    s->p50_ms = 1e3 * quantile(sec, n, 0.5);
    s->mpix_per_s = mpix / (s->p50_ms / 1e3);
    return SKINQ_OK;
}

skinq_status skinq_bench_add_peer(skinq_ctx *ctx, skinq_bench_result *r, const char *name, double mpix,
                                  double *sec, int n)
{
    if (grow(r, (void **)&r->peers, &r->peers_cap, r->n_peers, sizeof *r->peers))
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (bench results)");
    skinq_bench_peer *p = &r->peers[r->n_peers++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->p50_ms = 1e3 * quantile(sec, n, 0.5);
    p->mpix_per_s = mpix / (p->p50_ms / 1e3);
    return SKINQ_OK;
}

skinq_status skinq_bench_add_ratio(skinq_ctx *ctx, skinq_bench_result *r, double value, const char *fmt, ...)
{
    if (!isfinite(value))
        return SKINQ_OK;
    if (grow(r, (void **)&r->ratios, &r->ratios_cap, r->n_ratios, sizeof *r->ratios))
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (bench results)");
    skinq_bench_ratio *q = &r->ratios[r->n_ratios++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->name, sizeof q->name, fmt, ap);
    va_end(ap);
    q->value = value;
    return SKINQ_OK;
}

skinq_status skinq_bench_add_accuracy(skinq_ctx *ctx, skinq_bench_result *r, const skinq_bench_accuracy *a)
{
    size_t len = strlen(a->dir) + 1;
    char *dir = skinq_alloc_raw(&r->alloc, len);
    if (!dir || grow(r, (void **)&r->accuracy, &r->accuracy_cap, r->n_accuracy, sizeof *r->accuracy)) {
        skinq_free_raw(&r->alloc, dir);
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (bench results)");
    }
    memcpy(dir, a->dir, len);
    r->accuracy[r->n_accuracy] = *a;
    r->accuracy[r->n_accuracy++].dir = dir;
    return SKINQ_OK;
}

skinq_status skinq_bench_add_photo(skinq_ctx *ctx, skinq_bench_result *r, const skinq_bench_photo_stat *p)
{
    if (grow(r, (void **)&r->photos, &r->photos_cap, r->n_photos, sizeof *r->photos))
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (bench results)");
    r->photos[r->n_photos++] = *p;
    return SKINQ_OK;
}

const skinq_bench_stage *skinq_bench_find_stage(const skinq_bench_result *r, const char *name,
                                                const char *isa, int threads)
{
    for (int i = 0; i < r->n_stages; i++)
        if (!strcmp(r->stages[i].name, name) && (!isa || !strcmp(r->stages[i].isa, isa)) &&
            (threads <= 0 || r->stages[i].threads == threads))
            return &r->stages[i];
    return NULL;
}

const skinq_bench_peer *skinq_bench_find_peer(const skinq_bench_result *r, const char *name)
{
    for (int i = 0; i < r->n_peers; i++)
        if (!strcmp(r->peers[i].name, name))
            return &r->peers[i];
    return NULL;
}

void skinq_bench_free(skinq_bench_result **pr)
{
    if (!pr || !*pr)
        return;
    skinq_bench_result *r = *pr;
    skinq_allocator a = r->alloc;
    skinq_free_raw(&a, r->stages);
    skinq_free_raw(&a, r->peers);
    skinq_free_raw(&a, r->ratios);
    for (int i = 0; i < r->n_accuracy; i++)
        skinq_free_raw(&a, r->accuracy[i].dir);
    skinq_free_raw(&a, r->accuracy);
    skinq_free_raw(&a, r->photos);
    skinq_free_raw(&a, r);
    *pr = NULL;
}

/* ---- timing, contexts, progress ---- */

/* A whole file into a buffer from ctx's allocator. */
skinq_status skinq_bench_read_file(skinq_ctx *ctx, const char *path, uint8_t **out, size_t *size)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    uint8_t *buf = n > 0 && fseek(f, 0, SEEK_SET) == 0 ? skinq_malloc(ctx, (size_t)n) : NULL;
    skinq_status st = SKINQ_OK;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        st = buf || n <= 0 ? skinq_fail(ctx, SKINQ_E_IO, "cannot read back '%s'", path) : SKINQ_E_NOMEM;
    if (f)
        fclose(f);
    if (st != SKINQ_OK)
        skinq_free(ctx, buf);
    else
        *out = buf, *size = (size_t)n;
    return st;
}

/* Time fn(user) `runs` times after a warm-up; seconds into t. Stops at the first error. */
skinq_status skinq_bench_time(int runs, skinq_status (*fn)(void *), void *user, double *t)
{
    skinq_status st = fn(user);
    for (int i = 0; st == SKINQ_OK && i < runs; i++) {
        double t0 = skinq_bench_now();
        st = fn(user);
        t[i] = skinq_bench_now() - t0;
    }
    return st;
}

skinq_ctx *skinq_bench_ctx(const skinq_ctx *parent, unsigned isa, int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.isa_mask = isa;
    s.threads = threads;
    s.alloc = parent->alloc;
    s.keep_buffers =
        1; /* a stage's runs are a batch's photos: tables and planes reused, as `skinq batch` does */
    skinq_ctx *c = NULL;
    return skinq_ctx_open(&c, &s) == SKINQ_OK ? c : NULL;
}

void skinq_bench_progress(const skinq_bench_options *o, const char *what, int done, int total)
{
    if (o->progress)
        o->progress(o->progress_user, what, done, total);
}
