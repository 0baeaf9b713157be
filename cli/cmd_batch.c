/* cmd_batch.c -- `skinq batch MANIFEST.csv --out DIR [--shard K/N|auto]`: the manifest's photos (or
 * one shard of them) analysed as `track add` would, one complete JSON line a photo in
 * DIR/shard-K-of-N.jsonl, failures in .errors.jsonl, a summary in .summary.json; a rerun skips what
 * is done. `track import` merges the lines into a store. GNU parallel, Slurm arrays and Kubernetes
 * Indexed Jobs run the shards (README "Large studies"). */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aopts.h"
#include "jsonl.h"
#include "manifest.h"
#include "out.h"
#include "track_entry.h"

static const char *opt_out, *opt_shard;
static int opt_no_align;

static const cli_option batch_options[] = {
    {"out", 0, OPT_STRING, &opt_out, "DIR",
     "results folder (created): shard-K-of-N.jsonl, .errors.jsonl, "
     ".summary.json (required)"},
    {"shard", 0, OPT_STRING, &opt_shard, "K/N|auto",
     "only shard K of N (0-based; FNV-1a 64 of subject, site, image mod N); auto: from SLURM_ARRAY_TASK_ID "
     "or JOB_COMPLETION_INDEX"},
    {"no-align", 0, OPT_FLAG, &opt_no_align, NULL,
     "measure the photos as they are (else each is registered onto its site's reference photo, as track add "
     "does)"},
    CLI_ANALYSIS_OPTIONS,
    CLI_OPTIONS_END,
};

/* One row's session: its when (YYYY-MM-DD[THH:MM:SS], from the manifest or the photo's EXIF), the
 * sortable "date time" and the sha256 once known. */
struct row_info {
    char when[32], date[11], time[9];
    int when_ok;
    char sha[65];
    int ref; /* index of its site's reference row, -1 none */
};

struct batch {
    const manifest *m;
    struct row_info *info;
    skinq_analysis_options base; /* the command line's options */
    int fd, efd;                 /* results and errors */
    long kill_at, lines;         /* test hook */
    int analysed, skipped, failed;
    skinq_analyzer *an; /* the last row's analyser, its options' signature and its row mask */
    char *sig;
    skinq_mask *mask;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One line, one write(2): a killed run leaves whole lines (the short-write loop is for signals). */
static int write_line(struct batch *b, int fd, cJSON *doc)
{
    if (out_json_utf8(doc) != 0)
        return -1;
    char *s = cJSON_PrintUnformatted(doc);
    if (!s)
        return -1;
    size_t n = strlen(s);
    char *line = realloc(s, n + 2);
    if (!line) {
        cJSON_free(s);
        return -1;
    }
    line[n++] = '\n', line[n] = 0;
    /* Test hook: SKINQ_TEST_BATCH_KILL_AT=N writes half of the N-th result line (0-based) and
     * SIGKILLs itself, the torn write a rerun and track import must drop. */
    if (fd == b->fd && b->kill_at >= 0 && b->lines++ == b->kill_at) {
        (void)!write(fd, line, n / 2);
        raise(SIGKILL);
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, line + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    free(line);
    return done == n ? 0 : -1;
}

static void add_row_fields(cJSON *doc, const manifest_row *r, const char *when)
{
    cJSON_AddStringToObject(doc, "subject", r->col[MF_SUBJECT]);
    cJSON_AddStringToObject(doc, "site", r->col[MF_SITE]);
    cJSON_AddStringToObject(doc, "date", when);
    cJSON_AddStringToObject(doc, "label", r->col[MF_LABEL]);
    cJSON_AddStringToObject(doc, "procedure", r->col[MF_PROCEDURE]);
    cJSON *mf = cJSON_AddObjectToObject(doc, "manifest");
    cJSON_AddNumberToObject(mf, "line", r->line);
    cJSON_AddStringToObject(mf, "image", r->col[MF_IMAGE]);
    cJSON_AddStringToObject(mf, "date", r->col[MF_DATE]);
}

/* A row that failed: its reason and exit class into the errors file, and on stderr. */
static int row_failed(struct batch *b, skinq_ctx *ctx, const manifest_row *r, skinq_status st)
{
    const char *msg = skinq_ctx_error(ctx);
    char buf[1200];
    if (!msg || !*msg)
        msg = skinq_status_str(st);
    snprintf(buf, sizeof buf, "%s", msg);
    if (!g_opts.quiet)
        fprintf(stderr, "skinq: manifest line %d: %s\n", r->line, buf);
    cJSON *e = cJSON_CreateObject();
    add_row_fields(e, r, b->info[r - b->m->rows].when);
    cJSON_AddStringToObject(e, "path", r->image_path);
    cJSON_AddStringToObject(e, "error", buf);
    cJSON_AddNumberToObject(e, "exit", cli_exit_code(st));
    cJSON_AddStringToObject(e, "status", skinq_status_str(st));
    int rc = write_line(b, b->efd, e);
    cJSON_Delete(e);
    b->failed++;
    return rc;
}

/* The row's session when; explicit dates are checked here, exif read from the photo. */
static skinq_status row_when(skinq_ctx *ctx, const manifest_row *r, struct row_info *in)
{
    const char *d = r->col[MF_DATE];
    skinq_status st = SKINQ_OK;
    if (strcmp(d, "exif") == 0)
        st = track_exif_when(ctx, r->image_path, in->when);
    else if (snprintf(in->when, sizeof in->when, "%s", d) >= (int)sizeof in->when ||
             !skinq_store_parse_when(d, in->date, in->time))
        st = skinq_ctx_fail(ctx, SKINQ_E_INVALID,
                            "date '%s' is not YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or exif", d);
    if (st == SKINQ_OK)
        in->when_ok = skinq_store_parse_when(in->when, in->date, in->time);
    return st;
}

/* Sort rows by site, then session time, then manifest order: each site's first is its reference. */
static const manifest *g_sort_m;
static const struct row_info *g_sort_info;

static int cmp_site_time(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb, c;
    const manifest_row *ra = &g_sort_m->rows[a], *rb = &g_sort_m->rows[b];
    if ((c = strcmp(ra->col[MF_SUBJECT], rb->col[MF_SUBJECT])) ||
        (c = strcmp(ra->col[MF_SITE], rb->col[MF_SITE])))
        return c;
    const struct row_info *ia = &g_sort_info[a], *ib = &g_sort_info[b];
    if (ia->when_ok != ib->when_ok)
        return ib->when_ok - ia->when_ok;
    if ((c = strcmp(ia->date, ib->date)) || (c = strcmp(ia->time, ib->time)))
        return c;
    return a - b;
}

/*
 * Each site's reference photo, the same in every shard (each reads the whole manifest): the
 * site's row of the earliest session (manifest order within one) whose file opens, as track add
 * takes the first photo of a site's earliest session. Rows of sites outside the shard are skipped.
 */
static skinq_status pick_references(skinq_ctx *ctx, struct batch *b, const char *in_shard)
{
    const manifest *m = b->m;
    int *idx = malloc((size_t)m->n * sizeof *idx);
    if (!idx)
        return SKINQ_E_NOMEM;
    for (int i = 0; i < m->n; i++) {
        idx[i] = i;
        b->info[i].ref = -1;
    }
    g_sort_m = m, g_sort_info = b->info;
    qsort(idx, (size_t)m->n, sizeof *idx, cmp_site_time);
    for (int s = 0; s < m->n;) {
        int e = s + 1;
        while (e < m->n && strcmp(m->rows[idx[e]].col[MF_SUBJECT], m->rows[idx[s]].col[MF_SUBJECT]) == 0 &&
               strcmp(m->rows[idx[e]].col[MF_SITE], m->rows[idx[s]].col[MF_SITE]) == 0)
            e++;
        int wanted = 0;
        for (int j = s; j < e; j++)
            wanted |= in_shard[idx[j]];
        int ref = -1;
        for (int j = s; wanted && j < e && ref < 0; j++) {
            skinq_image_header h;
            struct row_info *in = &b->info[idx[j]];
            if (in->when_ok && skinq_image_probe(ctx, m->rows[idx[j]].image_path, &h) == SKINQ_OK &&
                skinq_file_sha256(ctx, m->rows[idx[j]].image_path, in->sha) == SKINQ_OK)
                ref = idx[j];
        }
        for (int j = s; j < e; j++)
            b->info[idx[j]].ref = ref;
        s = e;
    }
    free(idx);
    return SKINQ_OK;
}

/* The command line's options with the row's own roi, ref, px/mm and (when mask is not NULL) mask. */
static skinq_status row_options(skinq_ctx *ctx, const manifest_row *r, skinq_analysis_options *o,
                                skinq_mask **mask)
{
    if (r->col[MF_ROI][0]) {
        if (skinq_rect_parse(r->col[MF_ROI], &o->roi.rect) != 0)
            return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "roi '%s' is not x,y,w,h", r->col[MF_ROI]);
        o->roi.kind = SKINQ_ROI_RECT;
    }
    if (r->col[MF_REF][0]) {
        if (skinq_rect_parse(r->col[MF_REF], &o->color.ref) != 0)
            return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "ref '%s' is not x,y,w,h", r->col[MF_REF]);
        o->color.has_ref = 1;
    }
    if (r->col[MF_PX_PER_MM][0]) {
        char *end;
        double v = strtod(r->col[MF_PX_PER_MM], &end);
        if (*end || !(v > 0) || !isfinite(v))
            return skinq_ctx_fail(ctx, SKINQ_E_INVALID, "px_per_mm '%s' is not a number > 0",
                                  r->col[MF_PX_PER_MM]);
        o->px_per_mm = v;
    }
    if (r->mask_path && mask) {
        skinq_status st = skinq_mask_load(ctx, r->mask_path, mask);
        if (st != SKINQ_OK)
            return st;
        o->roi.kind = SKINQ_ROI_MASK;
        o->roi.mask = *mask;
    }
    return SKINQ_OK;
}

/* What track import needs to store the photo as track add would (the options and calibration it
 * stores, the scale the store is told, the photo it was registered onto, every metric with its unit). */
static void add_store_fields(cJSON *doc, const skinq_analysis *a, const skinq_analysis_options *o,
                             const manifest_row *r, const struct track_scale *sc, const char *cal,
                             const char *aligned_to)
{
    cJSON *s = cJSON_AddObjectToObject(doc, "store");
    cJSON_AddNumberToObject(s, "px_per_mm", sc->entry);
    cJSON *opts = cli_aopts_json(o);
    if (opts && r->mask_path) { /* the row's own mask, absolute: the report reopens it */
        char *abs = realpath(r->mask_path, NULL);
        cJSON_DeleteItemFromObject(opts, "mask");
        cJSON_AddStringToObject(opts, "mask", abs ? abs : r->mask_path);
        free(abs);
    }
    cJSON_AddItemToObject(s, "options", opts ? opts : cJSON_CreateNull());
    cJSON *c = cal ? cJSON_Parse(cal) : NULL;
    cJSON_AddItemToObject(s, "calibration", c ? c : cJSON_CreateNull());
    cJSON_AddItemToObject(s, "aligned_to_sha256",
                          aligned_to ? cJSON_CreateString(aligned_to) : cJSON_CreateNull());
    cJSON *ms = cJSON_AddArrayToObject(s, "metrics");
    for (size_t i = 0; i < a->metrics.count; i++) {
        const skinq_metric *m = &a->metrics.items[i];
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(m->path));
        char num[32]; /* every bit: cJSON prints 15 digits when they come within DBL_EPSILON */
        snprintf(num, sizeof num, "%.17g", m->value);
        cJSON_AddItemToArray(row, isfinite(m->value) ? cJSON_CreateRaw(num) : cJSON_CreateNull());
        cJSON_AddItemToArray(row, cJSON_CreateString(m->unit));
        cJSON_AddItemToArray(ms, row);
    }
}

/* The analyser for a row's options: the previous row's when they are the same (its texture plan
 * is made once, as track add makes one for every photo), else a new one with the row's mask. */
static skinq_status row_analyzer(skinq_ctx *ctx, struct batch *b, const manifest_row *r,
                                 skinq_analysis_options *o)
{
    size_t n =
        strlen(r->col[MF_ROI]) + strlen(r->col[MF_REF]) + (r->mask_path ? strlen(r->mask_path) : 0) + 40;
    char *sig = malloc(n);
    if (!sig)
        return SKINQ_E_NOMEM;
    snprintf(sig, n, "%s\x1f%s\x1f%s\x1f%.17g", r->col[MF_ROI], r->mask_path ? r->mask_path : "",
             r->col[MF_REF], o->px_per_mm);
    if (b->an && strcmp(sig, b->sig) == 0) {
        free(sig);
        if (b->mask) { /* the row's mask, loaded for the previous row */
            o->roi.kind = SKINQ_ROI_MASK;
            o->roi.mask = b->mask;
        }
        return SKINQ_OK;
    }
    skinq_analyzer_free(&b->an);
    skinq_mask_free(&b->mask);
    free(b->sig);
    b->sig = sig;
    skinq_status st = row_options(ctx, r, o, &b->mask);
    if (st == SKINQ_OK)
        st = skinq_analyzer_new(ctx, o, &b->an);
    if (st != SKINQ_OK) {
        free(b->sig);
        b->sig = NULL;
    }
    return st;
}

/* One row: analysed as track add would (registered onto its site's reference photo, at the site's
 * scale), its line written. @return SKINQ_OK or the row's failure (message in ctx), *code its exit. */
static skinq_status run_row(skinq_ctx *ctx, struct batch *b, int i, const char *path)
{
    const manifest_row *r = &b->m->rows[i];
    const struct row_info *in = &b->info[i];
    skinq_analysis_options o = b->base;
    skinq_status st = row_options(ctx, r, &o, NULL);
    /* one scale per site: the reference row's px/mm (its own, else the command line's) */
    struct track_scale sc = {o.px_per_mm, NAN, 0};
    skinq_site_reference first = {0};
    char *ref_path = NULL;
    if (st == SKINQ_OK && in->ref >= 0 && in->ref != i) {
        skinq_analysis_options ro = b->base;
        const manifest_row *rr = &b->m->rows[in->ref];
        if (row_options(ctx, rr, &ro, NULL) == SKINQ_OK && ro.px_per_mm > 0)
            sc.site = ro.px_per_mm;
        if (sc.given > 0 && sc.site > 0 && fabs(sc.given / sc.site - 1) > SKINQ_STORE_SCALE_TOLERANCE)
            st =
                skinq_ctx_fail(ctx, SKINQ_E_INVALID,
                               "'%s': a scale of %.4g px/mm conflicts with %s/%s's %.4g px/mm (its reference "
                               "photo's, manifest line %d)",
                               path, sc.given, r->col[MF_SUBJECT], r->col[MF_SITE], sc.site, rr->line);
        if (sc.site > 0)
            o.px_per_mm = sc.site;
        ref_path = realpath(rr->image_path, NULL);
        first = (skinq_site_reference){1, 0, ref_path ? ref_path : rr->image_path, "",
                                       sc.site > 0 ? sc.site : NAN};
        memcpy(first.sha256, b->info[in->ref].sha, sizeof first.sha256);
    }
    skinq_analysis *a = NULL;
    char *cal = NULL;
    if (st == SKINQ_OK)
        st = row_analyzer(ctx, b, r, &o);
    if (st == SKINQ_OK)
        st = track_analyse_for_store(ctx, &first, &sc, path, b->an, opt_no_align, &a, &cal);
    if (st == SKINQ_OK) {
        int aligned = skinq_metrics_find(&a->metrics, "alignment.rms_px") != NULL;
        cJSON *doc = out_analysis_json(a, &o);
        if (!doc)
            st = skinq_ctx_fail(ctx, SKINQ_E_INTERNAL, "'%s': cannot build the JSON (clashing metric paths)",
                                path);
        if (doc) {
            add_row_fields(doc, r, in->when);
            add_store_fields(doc, a, &o, r, &sc, cal, aligned ? first.sha256 : NULL);
            if (write_line(b, b->fd, doc) != 0)
                st = skinq_ctx_fail(ctx, SKINQ_E_IO, "cannot write the results file: %s", strerror(errno));
            cJSON_Delete(doc);
        }
    }
    cJSON_free(cal);
    free(ref_path);
    skinq_analysis_free(&a);
    return st;
}

/* The keys of the lines already written (a rerun skips them); a torn last line is cut off. */
static int recover(const char *path, jsonl_keys *done, int *dropped)
{
    char *text;
    size_t len, complete;
    int rc = jsonl_read(path, &text, &len, &complete);
    if (rc != 0)
        return rc;
    *dropped = len > complete;
    if (*dropped && truncate(path, (off_t)complete) != 0) {
        free(text);
        return -1;
    }
    text[complete] = 0;
    for (char *line = text, *nl; rc == 0 && (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = 0;
        cJSON *d = cJSON_Parse(line);
        cJSON *im = cJSON_GetObjectItem(d, "image");
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItem(im, "sha256"));
        const char *subj = cJSON_GetStringValue(cJSON_GetObjectItem(d, "subject"));
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItem(d, "site"));
        const char *when = cJSON_GetStringValue(cJSON_GetObjectItem(d, "date"));
        const char *label = cJSON_GetStringValue(cJSON_GetObjectItem(d, "label"));
        char date[11], time[9];
        if (sha && subj && site && when && label && skinq_store_parse_when(when, date, time)) {
            char *k = jsonl_key(subj, site, date, time, label, sha);
            rc = k && jsonl_keys_add(done, k) == 0 ? 0 : -2;
            free(k);
        }
        cJSON_Delete(d);
    }
    free(text);
    return rc;
}

static char *out_name(const char *dir, int k, int n, const char *suffix)
{
    size_t size = strlen(dir) + strlen(suffix) + 64;
    char *p = malloc(size);
    if (p)
        snprintf(p, size, "%s/shard-%d-of-%d%s", dir, k, n, suffix);
    return p;
}

/* The summary, written whole under a temporary name and renamed (never a partial file). */
static int write_summary(const char *path, cJSON *sum)
{
    char *s = cJSON_Print(sum);
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    int ok = s && tmp;
    if (ok) {
        snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
        FILE *f = fopen(tmp, "w");
        ok = f && fprintf(f, "%s\n", s) > 0;
        ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        if (f)
            ok = fclose(f) == 0 && ok;
        ok = ok && rename(tmp, path) == 0;
        if (!ok)
            unlink(tmp);
    }
    cJSON_free(s);
    free(tmp);
    return ok ? 0 : -1;
}

static int run(const cli_command *self, int argc, char **argv)
{
    int first, rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 1)
        return cli_usage_error(self, "give one MANIFEST.csv");
    if (!opt_out)
        return cli_usage_error(self, "--out DIR is required");
    int k = 0, n = 1;
    char err[600];
    if (opt_shard && manifest_parse_shard(opt_shard, getenv, &k, &n, err, sizeof err) != 0)
        return cli_usage_error(self, "%s", err);
    struct batch b = {0};
    if ((rc = cli_aopts_setup(self, NULL, &b.base, NULL)) >= 0)
        return rc;
    const char *mpath = argv[first];
    manifest m;
    int mrc = manifest_load(mpath, &m, err, sizeof err);
    if (mrc != 0) {
        fprintf(stderr, "skinq: manifest '%s': %s\n", mpath, err);
        return mrc == -2 ? EXIT_INTERNAL : EXIT_BAD_INPUT;
    }
    if (mkdir(opt_out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "skinq: cannot create the results folder '%s': %s\n", opt_out, strerror(errno));
        manifest_free(&m);
        return cli_exit_for(CLI_COND_OUTPUT);
    }
    char *res = out_name(opt_out, k, n, ".jsonl"), *errs = out_name(opt_out, k, n, ".errors.jsonl"),
         *sum = out_name(opt_out, k, n, ".summary.json");
    char *in_shard = calloc((size_t)m.n + 1, 1);
    b.m = &m;
    b.info = calloc((size_t)m.n + 1, sizeof *b.info);
    b.fd = b.efd = -1;
    const char *kill_env = getenv("SKINQ_TEST_BATCH_KILL_AT");
    b.kill_at = kill_env && *kill_env ? strtol(kill_env, NULL, 10) : -1;
    jsonl_keys done = {0};
    skinq_mask *mask = NULL;
    skinq_ctx *ctx = NULL;
    int dropped = 0;
    rc = -1;
    if (!res || !errs || !sum || !in_shard || !b.info)
        rc = EXIT_INTERNAL;
    else if (recover(res, &done, &dropped) != 0) {
        fprintf(stderr, "skinq: cannot read the results file '%s': %s\n", res, strerror(errno));
        rc = EXIT_INTERNAL;
    } else if ((b.fd = open(res, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0 ||
               (b.efd = open(errs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
        fprintf(stderr, "skinq: cannot write '%s': %s\n", b.fd < 0 ? res : errs, strerror(errno));
        rc = cli_exit_for(CLI_COND_OUTPUT);
    } else if (!(ctx = cli_ctx_open_batch(1))) {
        rc = EXIT_INTERNAL;
    } else if ((rc = cli_aopts_setup(self, ctx, &b.base, &mask)) < 0) {
        rc = -1;
    }
    if (dropped && !g_opts.quiet)
        fprintf(stderr, "skinq: '%s' ended in a partial line (a killed run): dropped\n", res);
    int rows = 0;
    for (int i = 0; rc < 0 && i < m.n; i++)
        if ((in_shard[i] = (char)(manifest_shard(&m.rows[i], n) == k)))
            rows++;
    /* every row's session (explicit dates, and EXIF for the sites being aligned), then references */
    for (int i = 0; rc < 0 && i < m.n; i++)
        if (in_shard[i] || (!opt_no_align && strcmp(m.rows[i].col[MF_DATE], "exif") != 0))
            b.info[i].when_ok = row_when(ctx, &m.rows[i], &b.info[i]) == SKINQ_OK && b.info[i].when_ok;
    if (rc < 0 && !opt_no_align) {
        for (int i = 0; i < m.n; i++) /* EXIF dates of the other rows: any may be a site's reference */
            if (!in_shard[i] && strcmp(m.rows[i].col[MF_DATE], "exif") == 0)
                b.info[i].when_ok = row_when(ctx, &m.rows[i], &b.info[i]) == SKINQ_OK && b.info[i].when_ok;
        if (pick_references(ctx, &b, in_shard) != SKINQ_OK)
            rc = EXIT_INTERNAL;
    }
    int progress = rc < 0 && isatty(2) && !g_opts.quiet, seen = 0;
    double t0 = now_s();
    for (int i = 0; rc < 0 && i < m.n; i++) {
        if (!in_shard[i])
            continue;
        const manifest_row *r = &m.rows[i];
        struct row_info *in = &b.info[i];
        if (progress)
            fprintf(stderr, "\rskinq: batch shard %d of %d: %d/%d photos, %d failed", k, n, ++seen, rows,
                    b.failed);
        char *path = realpath(r->image_path, NULL);
        skinq_status st = SKINQ_OK;
        if (!path)
            st = skinq_ctx_fail(ctx, SKINQ_E_IO, "cannot read '%s': %s", r->image_path, strerror(errno));
        if (st == SKINQ_OK && !in->when_ok)
            st = row_when(ctx, r, in);
        if (st == SKINQ_OK && !in->sha[0])
            st = skinq_file_sha256(ctx, path, in->sha);
        char *key = st == SKINQ_OK ? jsonl_key(r->col[MF_SUBJECT], r->col[MF_SITE], in->date, in->time,
                                               r->col[MF_LABEL], in->sha)
                                   : NULL;
        if (st == SKINQ_OK && !key)
            st = SKINQ_E_NOMEM;
        if (st == SKINQ_OK && jsonl_keys_has(&done, key)) {
            b.skipped++;
        } else if (st == SKINQ_OK && (st = run_row(ctx, &b, i, path)) == SKINQ_OK) {
            b.analysed++;
            if (jsonl_keys_add(&done, key) != 0)
                st = SKINQ_E_NOMEM;
        }
        if (st == SKINQ_E_NOMEM || st == SKINQ_E_INTERNAL) /* ours, not the photo's: stop */
            rc = cli_fail(ctx, st);
        else if (st != SKINQ_OK && row_failed(&b, ctx, r, st) != 0)
            rc = EXIT_INTERNAL;
        free(key);
        free(path);
    }
    if (progress)
        fputc('\n', stderr);
    double secs = now_s() - t0;
    if (b.fd >= 0 && (fsync(b.fd) != 0 || close(b.fd) != 0) && rc < 0)
        rc = EXIT_INTERNAL;
    if (b.efd >= 0 && (fsync(b.efd) != 0 || close(b.efd) != 0) && rc < 0)
        rc = EXIT_INTERNAL;
    if (rc < 0) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "skinq_version", skinq_version());
        cJSON_AddStringToObject(s, "manifest", mpath);
        cJSON_AddNumberToObject(s, "shard", k);
        cJSON_AddNumberToObject(s, "shards", n);
        cJSON_AddStringToObject(s, "shard_rule",
                                "FNV-1a 64 of subject\\x1fsite\\x1fimage mod shards, 0-based");
        cJSON_AddNumberToObject(s, "rows", rows);
        cJSON_AddNumberToObject(s, "analysed", b.analysed);
        cJSON_AddNumberToObject(s, "skipped_done", b.skipped);
        cJSON_AddNumberToObject(s, "failed", b.failed);
        cJSON_AddNumberToObject(s, "seconds", round(secs * 1000) / 1000);
        out_add_number(s, "images_per_second", b.analysed ? round(b.analysed / secs * 1000) / 1000 : NAN);
        cJSON_AddNumberToObject(s, "threads", g_opts.threads);
        cJSON_AddStringToObject(s, "results", res);
        cJSON_AddStringToObject(s, "errors", errs);
        if (write_summary(sum, s) != 0) {
            fprintf(stderr, "skinq: cannot write '%s'\n", sum);
            rc = cli_exit_for(CLI_COND_OUTPUT);
        }
        cJSON_Delete(s);
    }
    if (rc < 0) {
        if (!g_opts.quiet)
            fprintf(stderr,
                    "skinq: batch shard %d of %d: %d photos: %d analysed, %d already done, %d failed%s%s%s; "
                    "%.1f s, %.2f images/s\n",
                    k, n, rows, b.analysed, b.skipped, b.failed, b.failed ? " (" : "", b.failed ? errs : "",
                    b.failed ? ")" : "", secs, b.analysed ? b.analysed / secs : 0.0);
        rc = b.failed ? EXIT_BAD_INPUT : EXIT_OK;
    }
    jsonl_keys_free(&done);
    skinq_analyzer_free(&b.an);
    skinq_mask_free(&b.mask);
    free(b.sig);
    skinq_mask_free(&mask);
    skinq_ctx_close(&ctx);
    free(in_shard);
    free(b.info);
    free(res);
    free(errs);
    free(sum);
    manifest_free(&m);
    return rc;
}

const cli_command cmd_batch = {
    "batch",
    run,
    "batch MANIFEST.csv --out DIR [--shard K/N|auto] [--no-align] [analysis options]",
    "analyse a manifest's photos (or one shard of them) into JSON lines for track import",
    batch_options,
    "MANIFEST.csv: a header row naming the columns, then one photo a row: subject, site, date\n"
    "(YYYY-MM-DD, YYYY-MM-DDTHH:MM or exif), image (relative to the manifest's folder), and optional\n"
    "roi, mask, ref (x,y,w,h; a mask path), px_per_mm, procedure, label. Quotes as in RFC 4180.\n"
    "Shard K of N (0-based) holds the rows whose FNV-1a 64 hash of \"subject\\x1fsite\\x1fimage\" mod N\n"
    "is K; --shard auto reads SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, over _STEP; N =\n"
    "SLURM_ARRAY_TASK_COUNT) or JOB_COMPLETION_INDEX (N from auto/N or SKINQ_SHARDS); none: exit 2.\n"
    "Results: DIR/shard-K-of-N.jsonl (one complete line a photo: the analyze --json object, the row's\n"
    "subject, site, date, label, procedure, and what track import stores), failures in\n"
    "DIR/shard-K-of-N.errors.jsonl (reason and exit class; the batch goes on; exit 3 at the end),\n"
    "a summary in DIR/shard-K-of-N.summary.json. A rerun skips photos already in the results (same\n"
    "sha256, subject, site and session) and drops a partial last line left by a killed run. Photos\n"
    "are registered onto their site's reference (the earliest session's first readable photo in the\n"
    "manifest, the same for every shard) unless --no-align. Then: skinq track import DIR/*.jsonl.",
};
