/* bench.c -- `skinq bench`: every stage of the pipeline timed separately and together, per ISA
 * and thread count, beside its peers in the same process (bare libjpeg-turbo, OpenCV's
 * cvtColor and registration, bare FFTW), on generated 12- and 24-MP photos or on a sample set. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "align/cvwrap.h"
#include "bench/bench_int.h"
#include "io/io.h"

void skinq_bench_default_options(skinq_bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->runs = 5;
    o->isa_levels = 7; /* scalar, sse41, avx2 */
}

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

static int grow(skinq_ctx *ctx, void **v, int *cap, int n, size_t size)
{
    if (n < *cap)
        return 0;
    int c = *cap ? 2 * *cap : 16;
    void *p = realloc(*v, (size_t)c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

skinq_status skinq_bench_add_stage(skinq_ctx *ctx, skinq_bench_result *r, const char *name, const char *isa,
                                   int threads, double mpix, double *sec, int n)
{
    if (grow(ctx, (void **)&r->stages, &r->stages_cap, r->n_stages, sizeof *r->stages))
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

skinq_status skinq_bench_add_peer(skinq_ctx *ctx, skinq_bench_result *r, const char *name, double mpix, double *sec,
                                  int n)
{
    if (grow(ctx, (void **)&r->peers, &r->peers_cap, r->n_peers, sizeof *r->peers))
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
    if (grow(ctx, (void **)&r->ratios, &r->ratios_cap, r->n_ratios, sizeof *r->ratios))
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory (bench results)");
    skinq_bench_ratio *q = &r->ratios[r->n_ratios++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->name, sizeof q->name, fmt, ap);
    va_end(ap);
    q->value = value;
    return SKINQ_OK;
}

const skinq_bench_stage *skinq_bench_find_stage(const skinq_bench_result *r, const char *name, const char *isa,
                                                int threads)
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

void skinq_bench_free(skinq_bench_result *r)
{
    if (!r)
        return;
    free(r->stages);
    free(r->peers);
    free(r->ratios);
    memset(r, 0, sizeof *r);
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

skinq_ctx *skinq_bench_ctx(unsigned isa, int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.isa_mask = isa;
    s.threads = threads;
    skinq_ctx *c = NULL;
    return skinq_ctx_open(&c, &s) == SKINQ_OK ? c : NULL;
}

void skinq_bench_progress(const skinq_bench_options *o, const char *what, int done, int total)
{
    if (o->progress)
        o->progress(o->progress_user, what, done, total);
}

/* ---- the run ---- */

skinq_status skinq_bench_run(skinq_ctx *ctx, const skinq_bench_options *opt, skinq_bench_result *out)
{
    skinq_bench_options o;
    if (!opt)
        skinq_bench_default_options(&o);
    else
        o = *opt;
    if (o.runs < 1 || o.runs > SKINQ_BENCH_MAX_RUNS)
        return skinq_fail(ctx, SKINQ_E_INVALID, "bench runs must be 1..%d", SKINQ_BENCH_MAX_RUNS);
    memset(out, 0, sizeof *out);
    snprintf(out->cpu, sizeof out->cpu, "%s", skinq_cpu_name());
    snprintf(out->isa, sizeof out->isa, "%s", skinq_isa_name(skinq_cpu_isa()));
    out->threads = o.threads > 0 ? o.threads : skinq_ctx_threads(ctx);
    o.threads = out->threads;
    /* the ISA levels to run, each at most what the CPU has */
    out->n_levels = 0;
    static const unsigned levels[] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2};
    for (int l = 0; l < 3; l++)
        if ((levels[l] & skinq_cpu_isa()) == levels[l] && (o.isa_levels & (1u << l)))
            out->levels[out->n_levels++] = levels[l];
    if (out->n_levels == 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "none of the asked ISA levels runs on this CPU");
    cvw_set_threads(1); /* peers single-threaded, as documented */
    skinq_status st = o.dir ? skinq_bench_sample_set(ctx, &o, out) : skinq_bench_generated(ctx, &o, out);
    if (st != SKINQ_OK)
        skinq_bench_free(out);
    return st;
}
