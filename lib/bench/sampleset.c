/* sampleset.c -- `skinq bench DIR`: the real pipeline over every photo of a sample set: decode
 * alone, file → colour metrics, and file → colour + texture metrics (the whole analysis) per
 * image on 1 thread and on N, and N images at once on one thread each; per photo its distinct
 * colours and those times. The real photos of generated mode (o->real) are timed one by one. */
#define _DEFAULT_SOURCE /* d_type-free readdir is enough */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/bench_int.h"

typedef struct set {
    char **path;
    double *mp;
    int n, cap;
    double total_mp;
} set;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_free(skinq_ctx *ctx, set *s)
{
    for (int i = 0; i < s->n; i++)
        skinq_free(ctx, s->path[i]);
    skinq_free(ctx, s->path);
    skinq_free(ctx, s->mp);
}

/* Append dir/name to the list. @return SKINQ_OK or SKINQ_E_NOMEM. */
static skinq_status add_path(skinq_ctx *ctx, set *s, const char *dir, const char *name)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        char **p = skinq_malloc(ctx, (size_t)cap * sizeof *p);
        if (!p)
            return SKINQ_E_NOMEM;
        if (s->n)
            memcpy(p, s->path, (size_t)s->n * sizeof *p);
        skinq_free(ctx, s->path);
        s->path = p;
        s->cap = cap;
    }
    size_t len = strlen(dir) + strlen(name) + 2;
    if (!(s->path[s->n] = skinq_malloc(ctx, len)))
        return SKINQ_E_NOMEM;
    snprintf(s->path[s->n++], len, "%s/%s", dir, name);
    return SKINQ_OK;
}

static skinq_status list_photos(skinq_ctx *ctx, const char *dir, set *s)
{
    DIR *d = opendir(dir);
    if (!d)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot read the sample set folder '%s'", dir);
    skinq_status st = SKINQ_OK;
    for (struct dirent *e; st == SKINQ_OK && (e = readdir(d));) {
        const char *dot = strrchr(e->d_name, '.');
        if (e->d_name[0] == '.' || !dot ||
            (strcasecmp(dot, ".jpg") && strcasecmp(dot, ".jpeg") && strcasecmp(dot, ".png")))
            continue;
        st = add_path(ctx, s, dir, e->d_name);
    }
    closedir(d);
    if (st != SKINQ_OK)
        return st;
    if (s->n == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "the sample set folder '%s' has no .jpg or .png photos",
                          dir);
    qsort(s->path, (size_t)s->n, sizeof *s->path, cmp_str);
    s->mp = skinq_calloc(ctx, (size_t)s->n, sizeof *s->mp);
    if (!s->mp)
        return SKINQ_E_NOMEM;
    int kept = 0;
    for (int i = 0; i < s->n; i++) { /* gray files (masks, height maps) are not photos: left out */
        skinq_image_header h;
        skinq_status st = skinq_image_probe(ctx, s->path[i], &h);
        if (st != SKINQ_OK)
            return st;
        char *p = s->path[i];
        s->path[i] = NULL; /* every slot owns its path or nothing, whatever fails next */
        if (h.channels < 3) {
            skinq_free(ctx, p);
            continue;
        }
        s->path[kept] = p;
        s->mp[kept] = h.width * (double)h.height / 1e6;
        s->total_mp += s->mp[kept++];
    }
    s->n = kept;
    if (kept == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "the sample set folder '%s' has no colour photos", dir);
    return SKINQ_OK;
}

enum { DECODE, COLOR, FULL };

static skinq_status one(skinq_ctx *ctx, skinq_analyzer *an, const char *path, int what)
{
    if (what == DECODE) {
        skinq_image *img = NULL;
        skinq_status st = skinq_image_load(ctx, path, &img, NULL);
        skinq_image_free(&img);
        return st;
    }
    skinq_analysis *a = NULL;
    skinq_status st = skinq_analyzer_file(an, path, &a);
    skinq_analysis_free(&a);
    return st;
}

/* Every photo once through `what` on ctx: per-image seconds into t, total into *total. */
static skinq_status sweep(skinq_ctx *ctx, const skinq_bench_options *o, const set *s, int what,
                          const char *label, double *t, double *total)
{
    double t0 = skinq_bench_now();
    skinq_analysis_options ao; /* one analyser for the set: its texture plan is made once */
    skinq_analysis_default_options(&ao);
    ao.texture = what == FULL;
    skinq_analyzer *an = NULL;
    skinq_status st = what == DECODE ? SKINQ_OK : skinq_analyzer_new(ctx, &ao, &an);
    for (int i = 0; st == SKINQ_OK && i < s->n; i++) {
        skinq_bench_progress(o, label, i, s->n);
        double a = skinq_bench_now();
        st = one(ctx, an, s->path[i], what);
        t[i] = skinq_bench_now() - a;
    }
    skinq_analyzer_free(&an);
    if (st != SKINQ_OK)
        return st;
    skinq_bench_progress(o, label, s->n, s->n);
    *total = skinq_bench_now() - t0;
    return SKINQ_OK;
}

/* N workers, one thread each, taking photos from a shared counter. */
typedef struct conc {
    const set *s;
    unsigned isa;
    atomic_int next;
    skinq_status st;
    skinq_ctx *log;
} conc;

static void *conc_worker(void *u)
{
    conc *C = u;
    skinq_ctx *c = skinq_bench_ctx(C->log, C->isa, 1);
    if (!c) {
        C->st = SKINQ_E_NOMEM;
        return NULL;
    }
    skinq_analyzer *an = NULL; /* the worker's own: its ctx, its texture plan for every photo it takes */
    skinq_status st = skinq_analyzer_new(c, NULL, &an);
    for (int i; st == SKINQ_OK && (i = atomic_fetch_add(&C->next, 1)) < C->s->n;)
        st = one(c, an, C->s->path[i], FULL);
    if (st != SKINQ_OK)
        C->st = st;
    skinq_analyzer_free(&an);
    skinq_ctx_close(&c);
    return NULL;
}

skinq_status skinq_bench_sample_set(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    set s = {0};
    skinq_status st = list_photos(ctx, o->dir, &s);
    double *t = st == SKINQ_OK ? skinq_malloc(ctx, sizeof(double) * (size_t)s.n) : NULL;
    if (st == SKINQ_OK && !t)
        st = SKINQ_E_NOMEM;
    unsigned best = r->levels[r->n_levels - 1];
    const char *isa = skinq_isa_name(best);
    r->images = s.n;
    double *per = st == SKINQ_OK ? skinq_calloc(ctx, 3 * (size_t)s.n, sizeof *per) : NULL; /* photo times */
    if (st == SKINQ_OK && !per)
        st = SKINQ_E_NOMEM;
    double total;
    static const struct {
        const char *name;
        int what;
    } stages[] = {{"decode", DECODE}, {"analyze-color", COLOR}, {"pipeline", FULL}};
    for (size_t k = 0; st == SKINQ_OK && k < sizeof stages / sizeof stages[0]; k++)
        for (int pass = 0; st == SKINQ_OK && pass < (r->threads > 1 && stages[k].what ? 2 : 1); pass++) {
            int threads = pass ? r->threads : 1;
            skinq_ctx *c = skinq_bench_ctx(ctx, best, threads);
            if (!c) {
                st = SKINQ_E_NOMEM;
                break;
            }
            st = sweep(c, o, &s, stages[k].what, stages[k].name, t, &total);
            if (st != SKINQ_OK) {
                skinq_fail(ctx, st, "%s", skinq_ctx_error(c));
            } else {
                st = skinq_bench_add_stage(ctx, r, stages[k].name, isa, threads, s.total_mp / s.n, t, s.n);
                r->stages[r->n_stages - 1].mpix_per_s = s.total_mp / total; /* the whole set's rate */
                if (stages[k].what == FULL)
                    r->images_per_s[pass] = s.n / total;
                for (int i = 0; i < s.n; i++) /* the last pass: N threads (decoders are serial) */
                    per[(size_t)stages[k].what * s.n + i] = t[i];
            }
            skinq_ctx_close(&c);
        }
    if (st == SKINQ_OK && r->threads > 1) { /* images concurrently, one thread each */
        conc C = {&s, best, 0, SKINQ_OK, ctx};
        pthread_t *tid = skinq_calloc(ctx, (size_t)r->threads, sizeof *tid);
        double t0 = skinq_bench_now();
        int started = 0;
        for (int i = 0; tid && i < r->threads; i++)
            started += pthread_create(&tid[i], NULL, conc_worker, &C) == 0;
        for (int i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        skinq_free(ctx, tid);
        double tc = skinq_bench_now() - t0;
        st = C.st;
        if (st == SKINQ_OK && started) {
            double one_img = tc / s.n;
            t[0] = one_img;
            st = skinq_bench_add_stage(ctx, r, "pipeline-concurrent", isa, started, s.total_mp / s.n, t, 1);
            r->stages[r->n_stages - 1].mpix_per_s = s.total_mp / tc;
            skinq_bench_add_ratio(ctx, r, (s.n / tc) / r->images_per_s[0],
                                  "pipeline images/s, %d images at once / 1 thread", started);
        }
        skinq_bench_add_ratio(ctx, r, r->images_per_s[1] / r->images_per_s[0],
                              "pipeline images/s, %d threads / 1", r->threads);
    }
    for (int i = 0; st == SKINQ_OK && i < s.n; i++) {
        skinq_bench_photo_stat p = {.mpix = s.mp[i], .threads = r->threads};
        p.color_ms = 1e3 * per[(size_t)s.n + i];
        p.all_ms = 1e3 * per[2 * (size_t)s.n + i];
        skinq_bench_progress(o, "counting colours", i, s.n);
        st = skinq_bench_photo_colors(ctx, s.path[i], 1, &p);
        if (st == SKINQ_OK)
            st = skinq_bench_add_photo(ctx, r, &p);
    }
    set_free(ctx, &s);
    skinq_free(ctx, t);
    skinq_free(ctx, per);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n seconds (sorted in place), in ms. */
static double median_of(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return 1e3 * (n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]));
}

skinq_status skinq_bench_photo_colors(skinq_ctx *ctx, const char *path, int runs, skinq_bench_photo_stat *p)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    snprintf(p->name, sizeof p->name, "%s", slash ? slash + 1 : path);
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st == SKINQ_OK)
        p->colors = skinq_bench_colors(ctx, img);
    const int jpeg = dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
    uint8_t *jpg = NULL, *rgb = NULL;
    size_t size = 0;
    if (st == SKINQ_OK && runs > 0 && jpeg) {
        st = skinq_bench_read_file(ctx, path, &jpg, &size);
        if (st == SKINQ_OK && !(rgb = skinq_malloc(ctx, (size_t)img->width * img->height * 3)))
            st = SKINQ_E_NOMEM;
    }
    double t[SKINQ_BENCH_MAX_RUNS];
    for (int i = -1; st == SKINQ_OK && i < runs && runs > 0; i++) { /* i = -1: a warm-up */
        double a = skinq_bench_now();
        int w, h;
        if (jpeg) {
            st = skinq_bench_jpeg_decode_bare(ctx, jpg, size, rgb, (size_t)img->width * 3, &w, &h);
        } else {
            skinq_image *again = NULL;
            st = skinq_image_load(ctx, path, &again, NULL);
            skinq_image_free(&again);
        }
        if (i >= 0)
            t[i] = skinq_bench_now() - a;
    }
    if (st == SKINQ_OK && runs > 0) {
        p->decode_ms = median_of(t, runs);
        snprintf(p->decoder, sizeof p->decoder, "%s", jpeg ? "libjpeg-turbo bare" : "skinq_image_load");
    }
    skinq_free(ctx, jpg);
    skinq_free(ctx, rgb);
    skinq_image_free(&img);
    return st;
}

/* o->runs timings of `what` on one photo (after a warm-up); the median in ms. */
static skinq_status median_ms(skinq_ctx *ctx, skinq_analyzer *an, const char *path, int what, int runs,
                              double *ms)
{
    double t[SKINQ_BENCH_MAX_RUNS];
    skinq_status st = one(ctx, an, path, what);
    for (int i = 0; st == SKINQ_OK && i < runs; i++) {
        double a = skinq_bench_now();
        st = one(ctx, an, path, what);
        t[i] = skinq_bench_now() - a;
    }
    if (st == SKINQ_OK)
        *ms = median_of(t, runs);
    return st;
}

skinq_status skinq_bench_real(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    set s = {0};
    skinq_status st = list_photos(ctx, o->real, &s);
    unsigned best = r->levels[r->n_levels - 1];
    skinq_ctx *c1 = st == SKINQ_OK ? skinq_bench_ctx(ctx, best, 1) : NULL;
    skinq_ctx *cn = c1 ? skinq_bench_ctx(ctx, best, r->threads) : NULL;
    if (st == SKINQ_OK && !cn)
        st = SKINQ_E_NOMEM;
    skinq_analysis_options ao;
    skinq_analysis_default_options(&ao);
    skinq_analyzer *color = NULL, *all = NULL;
    ao.texture = 0;
    if (st == SKINQ_OK)
        st = skinq_analyzer_new(cn, &ao, &color);
    ao.texture = 1;
    if (st == SKINQ_OK)
        st = skinq_analyzer_new(cn, &ao, &all);
    for (int i = 0; st == SKINQ_OK && i < s.n; i++) {
        skinq_bench_progress(o, "real photos", i, s.n);
        skinq_bench_photo_stat p = {.mpix = s.mp[i], .threads = r->threads};
        st = skinq_bench_photo_colors(c1, s.path[i], o->runs, &p);
        if (st == SKINQ_OK)
            st = median_ms(cn, color, s.path[i], COLOR, o->runs, &p.color_ms);
        if (st == SKINQ_OK)
            st = median_ms(cn, all, s.path[i], FULL, o->runs, &p.all_ms);
        if (st == SKINQ_OK)
            st = skinq_bench_add_photo(ctx, r, &p);
        else
            skinq_fail(ctx, st, "bench %s: %s", s.path[i],
                       *skinq_ctx_error(c1) ? skinq_ctx_error(c1) : skinq_ctx_error(cn));
    }
    skinq_analyzer_free(&color);
    skinq_analyzer_free(&all);
    skinq_ctx_close(&c1);
    skinq_ctx_close(&cn);
    set_free(ctx, &s);
    return st;
}
