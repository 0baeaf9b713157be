/* track_import.c -- `skinq track import FILE.jsonl...`: each file of `skinq batch` lines into the
 * store in one transaction (all its new photos or none), skipping photos already stored in their
 * session (the same key as batch's rerun: subject, site, date, time, label, sha256). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "jsonl.h"
#include "track_import.h"

static const char *opt_store;

static const cli_option import_options[] = {
    {"store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"},
    CLI_OPTIONS_END,
};

static const cli_command sub_import = {
    "track import", NULL, "track import [--store PATH] FILE.jsonl...", "store the results of skinq batch",
    import_options, NULL};

struct stored {
    jsonl_keys keys;
    int oom;
};

static int stored_key(void *user, const skinq_store_row *r)
{
    struct stored *s = user;
    char *k = jsonl_key(r->subject, r->site, r->date, r->time, r->label, r->sha256);
    if (!k || jsonl_keys_add(&s->keys, k) != 0)
        s->oom = 1;
    free(k);
    return s->oom;
}

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* A line's entry (its strings borrowed from the parsed line; *opts and *cal allocated). @return NULL
 * when the line is not a batch result (what is missing in *why). */
static const char *line_entry(skinq_ctx *ctx, const cJSON *d, skinq_store_entry *e, skinq_metrics *m,
                              char **opts, char **cal, skinq_status *st)
{
    const cJSON *im = cJSON_GetObjectItemCaseSensitive(d, "image"),
                *s = cJSON_GetObjectItemCaseSensitive(d, "store");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(s, "metrics");
    *e = (skinq_store_entry){str(d, "subject"),
                             str(d, "site"),
                             str(d, "date"),
                             str(d, "label"),
                             NULL,
                             str(im, "path"),
                             str(im, "sha256"),
                             0,
                             0,
                             "photo",
                             0,
                             NULL,
                             m,
                             NULL,
                             NULL,
                             0};
    if (!e->subject || !e->site || !e->date || !e->label || !e->image_path || !e->sha256 ||
        !cJSON_IsArray(ms))
        return "not a 'skinq batch' result (subject, site, date, label, image and store are required)";
    const char *proc = str(d, "procedure");
    e->procedure = proc && *proc ? proc : NULL;
    e->width = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(im, "width"));
    e->height = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(im, "height"));
    double ppm = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "px_per_mm"));
    e->px_per_mm = isfinite(ppm) && ppm > 0 ? ppm : 0;
    e->aligned_to_sha256 = str(s, "aligned_to_sha256");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, "options"),
                *c = cJSON_GetObjectItemCaseSensitive(s, "calibration");
    *opts = cJSON_IsObject(o) ? cJSON_PrintUnformatted(o) : NULL;
    *cal = cJSON_IsObject(c) ? cJSON_PrintUnformatted(c) : NULL;
    e->options_json = *opts, e->calibration_json = *cal;
    const cJSON *row;
    cJSON_ArrayForEach (row, ms) {
        const char *path = cJSON_GetStringValue(cJSON_GetArrayItem(row, 0));
        const char *unit = cJSON_GetStringValue(cJSON_GetArrayItem(row, 2));
        const cJSON *v = cJSON_GetArrayItem(row, 1);
        if (!path || !unit || !(cJSON_IsNumber(v) || cJSON_IsNull(v)))
            return "a metric is not [path, value, unit]";
        if ((*st = skinq_metrics_add(ctx, m, path, cJSON_IsNumber(v) ? v->valuedouble : NAN, unit)) !=
            SKINQ_OK)
            return skinq_ctx_error(ctx);
    }
    return NULL;
}

/* One file in one transaction. @return 0, else its exit code (the reason printed). */
static int import_file(skinq_ctx *ctx, skinq_store *store, const char *path)
{
    char *text;
    size_t len, complete;
    int r = jsonl_read(path, &text, &len, &complete);
    if (r != 0) {
        fprintf(stderr, "skinq: cannot read '%s': %s\n", path, r == -2 ? "out of memory" : strerror(errno));
        return r == -2 ? EXIT_INTERNAL : EXIT_BAD_INPUT;
    }
    text[complete] = 0;
    struct stored have = {{0}, 0};
    skinq_status st = skinq_store_begin(ctx, store);
    if (st == SKINQ_OK) /* inside the transaction: no other writer can add between the look and the adds */
        st = skinq_store_query(ctx, store, NULL, NULL, "color.L.mean", stored_key, &have);
    if (st == SKINQ_OK && have.oom)
        st = SKINQ_E_NOMEM;
    int line = 0, added = 0, skipped = 0, failed = 0, rc = 0;
    for (char *l = text, *nl; st == SKINQ_OK && !rc && (nl = strchr(l, '\n')); l = nl + 1) {
        *nl = 0;
        line++;
        if (!*l)
            continue;
        cJSON *d = cJSON_Parse(l);
        if (cJSON_GetObjectItemCaseSensitive(d, "error")) { /* a failure of the batch: a glob of the .jsonl
                                                               files takes the errors files too */
            failed++;
            cJSON_Delete(d);
            continue;
        }
        skinq_store_entry e;
        skinq_metrics m = {0};
        char *opts = NULL, *cal = NULL, date[11], time[9];
        const char *why = d ? line_entry(ctx, d, &e, &m, &opts, &cal, &st) : "not JSON";
        if (!why && !skinq_store_parse_when(e.date, date, time))
            why = "its date is not YYYY-MM-DD[THH:MM[:SS]]";
        char *key = why ? NULL : jsonl_key(e.subject, e.site, date, time, e.label, e.sha256);
        if (why) {
            if (st == SKINQ_OK)
                fprintf(stderr, "skinq: '%s' line %d: %s; nothing of the file stored\n", path, line, why),
                    rc = EXIT_BAD_INPUT;
        } else if (!key) {
            st = SKINQ_E_NOMEM;
        } else if (jsonl_keys_has(&have.keys, key)) {
            skipped++;
        } else if ((st = skinq_store_add(ctx, store, &e, NULL)) == SKINQ_OK) {
            added++;
            if (jsonl_keys_add(&have.keys, key) != 0)
                st = SKINQ_E_NOMEM;
        } else {
            fprintf(stderr, "skinq: '%s' line %d: %s; nothing of the file stored\n", path, line,
                    skinq_ctx_error(ctx));
            rc = cli_exit_code(st);
            st = SKINQ_OK;
        }
        free(key);
        cJSON_free(opts);
        cJSON_free(cal);
        skinq_metrics_free(&m);
        cJSON_Delete(d);
    }
    if (st == SKINQ_OK && !rc)
        st = skinq_store_commit(ctx, store);
    else
        skinq_store_rollback(store);
    if (st != SKINQ_OK)
        rc = cli_fail(ctx, st);
    if (!rc && !g_opts.quiet && failed && !added && !skipped)
        fprintf(stderr, "skinq: '%s': %d photo%s that failed in the batch, not stored\n", path, failed,
                failed == 1 ? "" : "s");
    else if (!rc && !g_opts.quiet && (added || skipped || len > complete))
        fprintf(stderr, "skinq: '%s': stored %d photo%s, skipped %d already stored%s\n", path, added,
                added == 1 ? "" : "s", skipped,
                len > complete ? "; dropped a partial last line (a killed batch)" : "");
    jsonl_keys_free(&have.keys);
    free(text);
    return rc;
}

int track_import_run(int argc, char **argv)
{
    int first, rc = cli_parse(&sub_import, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (argc - first == 0)
        return cli_usage_error(&sub_import, "no FILE.jsonl given");
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_store *store = NULL;
    skinq_status st = skinq_store_open(ctx, cli_store_path(opt_store), &store);
    rc = st == SKINQ_OK ? EXIT_OK : cli_fail(ctx, st);
    for (int i = first; st == SKINQ_OK && i < argc; i++) { /* every file tried; the first failure's code */
        int frc = import_file(ctx, store, argv[i]);
        if (frc && !rc)
            rc = frc;
    }
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}
