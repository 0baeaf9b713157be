/* cmd_track.c -- `skinq track add|list|show|export`: the session store from the command line.
 * add analyses photos (files or folders) and records each in its own transaction; list, show
 * and export read it back (show as a timeline of headline metrics, export as tidy rows). */
#define _DEFAULT_SOURCE /* realpath */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aopts.h"
#include "out.h"
#include "track_edit.h"
#include "track_entry.h"
#include "track_import.h"
#include "track_show.h"

static const char *opt_subject, *opt_site, *opt_date, *opt_label, *opt_procedure, *opt_store;
static int opt_csv, opt_json, opt_no_align, opt_keep_going, opt_skip_existing, opt_reference;

static const cli_option add_options[] = {
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "subject (required)"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "site on the subject, e.g. left-cheek (required)"},
    {"date", 0, OPT_STRING, &opt_date, "WHEN",
     "the session: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (two sessions on one day), or exif (each photo's EXIF "
     "capture date) (required)"},
    {"label", 0, OPT_STRING, &opt_label, "L", "session label (e.g. 'session 2')"},
    {"procedure", 0, OPT_STRING, &opt_procedure, "TEXT", "procedure note (e.g. 'microneedling 1.5 mm')"},
    {"store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"},
    {"no-align", 0, OPT_FLAG, &opt_no_align, NULL,
     "measure the photos as they are (else they are registered onto the site's reference photo, and refused "
     "when that fails)"},
    {"reference", 0, OPT_FLAG, &opt_reference, NULL,
     "the (first) photo added becomes the site's reference, onto which later photos are registered "
     "(default: the site's first photo)"},
    {"keep-going", 0, OPT_FLAG, &opt_keep_going, NULL,
     "a photo that fails is reported, the rest stored (exit 3)"},
    {"skip-existing", 0, OPT_FLAG, &opt_skip_existing, NULL,
     "skip photos already in the session (same sha256)"},
    CLI_ANALYSIS_OPTIONS,
    CLI_OPTIONS_END,
};

static const cli_option query_options[] = {
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "only this subject"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "only this site"},
    {"store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"},
    {"csv", 0, OPT_FLAG, &opt_csv, NULL, "export: CSV"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "export: JSON"},
    CLI_OPTIONS_END,
};

static const cli_command sub_add = {
    "track add",
    NULL,
    "track add --subject ID --site NAME --date YYYY-MM-DD[THH:MM]|exif [options] IMAGE|DIR...",
    "analyse photos and store them as a session",
    add_options,
    NULL};
static const cli_command sub_list = {
    "track list",  NULL, "track list [--subject ID] [--site NAME]", "list the stored sites",
    query_options, NULL};
static const cli_command sub_show = {
    "track show",  NULL, "track show --subject ID [--site NAME]", "a site's timeline with headline metrics",
    query_options, NULL};
static const cli_command sub_export = {"track export",
                                       NULL,
                                       "track export --csv|--json [--subject ID] [--site NAME]",
                                       "every stored measurement as tidy rows",
                                       query_options,
                                       NULL};

/* ------------------------------------------------------------ add */

struct paths {
    char **v;
    int n, cap;
};

static int push_path(struct paths *p, const char *s)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        char **v = realloc(p->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        p->v = v;
        p->cap = cap;
    }
    return (p->v[p->n] = strdup(s)) ? (p->n++, 0) : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_photo_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || name[0] == '.')
        return 0;
    /* not DNG or other RAW: cameras and phones save them beside a JPEG of the same shot, which a
     * folder would then add twice (name RAW files one by one) */
    static const char *const ext[] = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif", ".avif"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

/* Files as given; a folder contributes its JPEG, PNG, TIFF and HEIF files in name order. Absolute paths,
 * so that reports made elsewhere find the photos. */
static int expand_inputs(char **argv, int n, struct paths *out)
{
    for (int i = 0; i < n; i++) {
        struct stat sb;
        char *abs = NULL; /* realpath allocates: no limit on the path's length */
        if (stat(argv[i], &sb) != 0 || !(abs = realpath(argv[i], NULL))) {
            fprintf(stderr, "skinq: cannot read '%s': no such file or folder\n", argv[i]);
            return EXIT_BAD_INPUT;
        }
        if (!S_ISDIR(sb.st_mode)) {
            int bad = push_path(out, abs);
            free(abs);
            if (bad)
                return EXIT_INTERNAL;
            continue;
        }
        DIR *d = opendir(abs);
        if (!d) {
            free(abs);
            fprintf(stderr, "skinq: cannot read folder '%s'\n", argv[i]);
            return EXIT_BAD_INPUT;
        }
        int start = out->n;
        for (struct dirent *e; (e = readdir(d));) {
            if (!is_photo_name(e->d_name))
                continue;
            size_t n = strlen(abs) + strlen(e->d_name) + 2;
            char *full = malloc(n);
            int bad = !full;
            if (full) {
                snprintf(full, n, "%s/%s", abs, e->d_name);
                bad = push_path(out, full);
                free(full);
            }
            if (bad) {
                closedir(d);
                free(abs);
                return EXIT_INTERNAL;
            }
        }
        closedir(d);
        free(abs);
        qsort(out->v + start, (size_t)(out->n - start), sizeof *out->v, cmp_str);
        if (out->n == start) {
            fprintf(stderr, "skinq: folder '%s' has no .jpg or .png photos\n", argv[i]);
            return EXIT_BAD_INPUT;
        }
    }
    return -1;
}

/* Every photo already in the site's sessions of this label (--skip-existing), as "date time sha256"
 * keys: one row a photo. */
struct session_shas {
    const char *label;
    struct paths keys;
    int oom;
};

#define SESSION_KEY_SIZE (11 + 9 + 65)

static void session_key(char key[SESSION_KEY_SIZE], const char *date, const char *time, const char *sha)
{
    snprintf(key, SESSION_KEY_SIZE, "%.10s %.8s %.64s", date, time, sha);
}

static int session_sha(void *user, const skinq_store_row *r)
{
    struct session_shas *x = user;
    char key[SESSION_KEY_SIZE];
    session_key(key, r->date, r->time, r->sha256);
    if (strcmp(r->label, x->label) == 0 && push_path(&x->keys, key))
        x->oom = 1;
    return 0;
}

static int has_key(const struct session_shas *x, const char *key)
{
    for (int i = 0; i < x->keys.n; i++)
        if (strcmp(x->keys.v[i], key) == 0)
            return 1;
    return 0;
}

/* The session a photo goes to: --date as given, or its EXIF capture date (--date exif). */
static skinq_status photo_when(skinq_ctx *ctx, const char *path, char when[32])
{
    if (strcmp(opt_date, "exif") != 0) {
        snprintf(when, 32, "%s", opt_date);
        return SKINQ_OK;
    }
    return track_exif_when(ctx, path, when);
}

/* One photo into the store: registered onto the site's first photo, analysed, added. */
static skinq_status add_one(skinq_ctx *ctx, skinq_store *store, skinq_analyzer *an, struct track_scale *sc,
                            const char *opts_text, const char *when, const char *path, int make_reference)
{
    skinq_site_reference first;
    skinq_status st = skinq_store_site_reference(ctx, store, opt_subject, opt_site, &first);
    skinq_analysis *a = NULL;
    char *cal = NULL;
    if (st == SKINQ_OK)
        st = track_analyse_for_store(ctx, &first, sc, path, an, opt_no_align, &a, &cal);
    if (st == SKINQ_OK) {
        int aligned = skinq_metrics_find(&a->metrics, "alignment.rms_px") != NULL;
        skinq_store_entry e = {opt_subject,   opt_site,
                               when,          opt_label ? opt_label : "",
                               opt_procedure, path,
                               a->sha256,     a->width,
                               a->height,     "photo",
                               sc->entry,     opts_text,
                               &a->metrics,   aligned ? first.sha256 : NULL,
                               cal,           make_reference};
        int64_t id = 0;
        st = skinq_store_add(ctx, store, &e, &id);
    }
    cJSON_free(cal);
    skinq_site_reference_clear(ctx, &first);
    skinq_analysis_free(&a);
    return st;
}

/* A failure that --keep-going may pass over: the photo's own (a bad file, no skin, a duplicate),
 * not the store's, memory or a bug. */
static int photo_failure(skinq_status st)
{
    return st != SKINQ_E_STORE && st != SKINQ_E_NOMEM && st != SKINQ_E_INTERNAL;
}

static int run_add(int argc, char **argv)
{
    int first;
    int rc = cli_parse(&sub_add, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (!opt_subject || !opt_site || !opt_date)
        return cli_usage_error(&sub_add, "--subject, --site and --date are required");
    if (argc - first == 0)
        return cli_usage_error(&sub_add, "no IMAGE or folder given");
    char date[11], time[9];
    if (strcmp(opt_date, "exif") != 0 && !skinq_store_parse_when(opt_date, date, time))
        return cli_usage_error(&sub_add, "--date takes YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or exif, not '%s'",
                               opt_date);
    skinq_analysis_options o;
    if ((rc = cli_aopts_setup(&sub_add, NULL, &o, NULL)) >= 0)
        return rc;
    struct paths in = {0};
    if ((rc = expand_inputs(argv + first, argc - first, &in)) >= 0)
        goto free_paths;
    skinq_ctx *ctx = cli_ctx_open_batch(in.n > 1);
    if (!ctx) {
        rc = EXIT_INTERNAL;
        goto free_paths;
    }
    skinq_mask *mask = NULL;
    skinq_analyzer *an = NULL;
    skinq_store *store = NULL;
    cJSON *opts = NULL;
    char *opts_text = NULL;
    if ((rc = cli_aopts_setup(&sub_add, ctx, &o, &mask)) >= 0)
        goto done;
    skinq_status st = skinq_store_open(ctx, cli_store_path(opt_store), &store);
    /* one scale per site: a site that has one measures every photo with it (a given one is checked
     * against it by the store) */
    struct track_scale sc = {o.px_per_mm, NAN, 0};
    skinq_site_reference ref = {0};
    if (st == SKINQ_OK &&
        (st = skinq_store_site_reference(ctx, store, opt_subject, opt_site, &ref)) == SKINQ_OK &&
        ref.px_per_mm > 0)
        sc.site = o.px_per_mm = ref.px_per_mm;
    skinq_site_reference_clear(ctx, &ref);
    opts = cli_aopts_json(&o);
    opts_text = opts ? cJSON_PrintUnformatted(opts) : NULL;
    if (st == SKINQ_OK) /* one analyser for every photo: the texture plan is made once */
        st = skinq_analyzer_new(ctx, &o, &an);
    struct session_shas have = {opt_label ? opt_label : "", {0}, 0};
    if (st == SKINQ_OK && opt_skip_existing)
        st = skinq_store_query(ctx, store, opt_subject, opt_site, "color.L.mean", session_sha, &have);
    if (st == SKINQ_OK && have.oom)
        st = SKINQ_E_NOMEM;
    int progress = isatty(2) && !g_opts.quiet && in.n > 1, added = 0, skipped = 0, failed = 0;
    for (int i = 0; st == SKINQ_OK && i < in.n; i++) {
        if (progress)
            fprintf(stderr, "\rskinq: track add %d/%d %-40.40s", i + 1, in.n, strrchr(in.v[i], '/') + 1);
        char sha[65], when[32], key[SESSION_KEY_SIZE];
        st = photo_when(ctx, in.v[i], when);
        if (st == SKINQ_OK && opt_skip_existing && (st = skinq_file_sha256(ctx, in.v[i], sha)) == SKINQ_OK) {
            skinq_store_parse_when(when, date, time);
            session_key(key, date, time, sha);
            if (has_key(&have, key)) {
                skipped++;
                continue;
            }
        }
        if (st == SKINQ_OK)
            st = add_one(ctx, store, an, &sc, opts_text, when, in.v[i], opt_reference && added == 0);
        if (st == SKINQ_OK) {
            added++;
            if (opt_skip_existing && push_path(&have.keys, key)) /* a copy later in this batch */
                st = SKINQ_E_NOMEM;
        } else if (opt_keep_going && photo_failure(st)) { /* said, and on to the next photo */
            if (progress)
                fputc('\n', stderr);
            cli_fail(ctx, st);
            failed++;
            st = SKINQ_OK;
        }
    }
    if (progress)
        fputc('\n', stderr);
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
        if (added)
            fprintf(stderr, "skinq: %d of %d photos were stored before that\n", added, in.n);
    } else {
        if (!g_opts.quiet)
            fprintf(stderr, "skinq: stored %d photo%s for %s/%s on %s in %s%s%.0d%s%s%.0d%s\n", added,
                    added == 1 ? "" : "s", opt_subject, opt_site, opt_date, skinq_store_name(store),
                    skipped ? "; skipped " : "", skipped, skipped ? " already stored" : "",
                    failed ? "; " : "", failed, failed ? " failed (above)" : "");
        rc = failed ? EXIT_BAD_INPUT : EXIT_OK;
    }
    for (int i = 0; i < have.keys.n; i++)
        free(have.keys.v[i]);
    free(have.keys.v);
done:
    cJSON_free(opts_text);
    cJSON_Delete(opts);
    skinq_store_close(&store);
    skinq_analyzer_free(&an);
    skinq_mask_free(&mask);
    skinq_ctx_close(&ctx);
free_paths:
    for (int i = 0; i < in.n; i++)
        free(in.v[i]);
    free(in.v);
    return rc;
}

/* ------------------------------------------------------------ queries */

static skinq_store *open_existing(skinq_ctx *ctx, int *rc)
{
    const char *path = cli_store_path(opt_store);
    if (!cli_store_exists(path)) {
        *rc = EXIT_STORE;
        return NULL;
    }
    skinq_store *s = NULL;
    skinq_status st = skinq_store_open_readonly(ctx, path, &s);
    if (st != SKINQ_OK)
        *rc = cli_fail(ctx, st);
    return s;
}

/* track list's filter: only this site (NULL: all) */
struct site_filter {
    const char *site;
    int *n;
};

static int print_site(void *user, const skinq_store_site_row *r)
{
    const struct site_filter *f = user;
    if (f->site && strcmp(f->site, r->site) != 0)
        return 0;
    int *n = f->n;
    if ((*n)++ == 0)
        printf("%-12s %-16s %8s %6s  %-10s  %-10s  %s\n", "subject", "site", "sessions", "images", "first",
               "last", "px/mm");
    printf("%-12s %-16s %8d %6d  %-10s  %-10s  ", r->subject, r->site, r->sessions, r->images, r->first_date,
           r->last_date);
    if (isnan(r->px_per_mm))
        printf("unknown\n");
    else
        printf("%g\n", r->px_per_mm);
    return 0;
}

#define EXPORT_CSV_HEADER                                                                                    \
    "subject,site,session,date,time,label,procedure,cycle,day,cycle_day,metric,value,unit,image,sha256"

struct export
{
    int rows;
    cJSON *arr;
};

static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int export_row(void *user, const skinq_store_row *r)
{
    struct export *x = user;
    x->rows++;
    if (x->arr) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "subject", r->subject);
        cJSON_AddStringToObject(o, "site", r->site);
        out_add_session(o, &(out_session){r->session_id, r->date, r->time, r->label, r->procedure, r->cycle,
                                          r->day, r->cycle_day});
        cJSON_AddStringToObject(o, "metric", r->metric);
        out_add_number(o, "value", r->value);
        cJSON_AddStringToObject(o, "unit", r->unit ? r->unit : "");
        cJSON_AddStringToObject(o, "image", r->image_path);
        cJSON_AddStringToObject(o, "sha256", r->sha256);
        cJSON_AddStringToObject(o, "skinq_version", r->skinq_version);
        cJSON_AddItemToArray(x->arr, o);
        return 0;
    }
    csv_field(r->subject);
    putchar(',');
    csv_field(r->site);
    printf(",%lld,%s,%s,", (long long)r->session_id, r->date, r->time);
    csv_field(r->label);
    putchar(',');
    csv_field(r->procedure);
    printf(",%d,%.10g,%.10g,", r->cycle, r->day, r->cycle_day);
    csv_field(r->metric);
    if (isnan(r->value))
        printf(",,");
    else
        printf(",%.17g,", r->value);
    csv_field(r->unit ? r->unit : "");
    putchar(',');
    csv_field(r->image_path);
    printf(",%s\n", r->sha256);
    return 0;
}

static int run_query(const cli_command *sub, int argc, char **argv)
{
    int rc = cli_parse_options_only(sub, argc, argv);
    if (rc >= 0)
        return rc;
    int is_show = sub == &sub_show, is_export = sub == &sub_export;
    if (is_show && !opt_subject)
        return cli_usage_error(sub, "--subject is required");
    if (is_export && opt_csv == opt_json)
        return cli_usage_error(sub, "choose --csv or --json");
    if (!is_export && (opt_csv || opt_json))
        return cli_usage_error(sub, "--csv and --json are for 'track export'");
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    rc = EXIT_OK;
    skinq_store *store = open_existing(ctx, &rc);
    skinq_status st = SKINQ_OK;
    if (store && sub == &sub_list) {
        int n = 0;
        struct site_filter f = {opt_site, &n};
        st = skinq_store_sites(ctx, store, opt_subject, print_site, &f);
        if (st == SKINQ_OK && n == 0 && (opt_subject || opt_site)) {
            char known[1100];
            cli_store_known(ctx, store, opt_subject, opt_site ? opt_site : "", known, sizeof known);
            fprintf(stderr, "skinq: no site %s%s%sstored%s%s%s%s\n", opt_site ? "'" : "",
                    opt_site ? opt_site : "", opt_site ? "' " : "", opt_subject ? " for subject '" : "",
                    opt_subject ? opt_subject : "", opt_subject ? "'" : "", known);
            rc = EXIT_IMPOSSIBLE;
        } else if (st == SKINQ_OK && n == 0) {
            printf("no sites stored\n");
        }
    } else if (store && is_show) {
        int lines = 0;
        st = track_show(ctx, store, opt_subject, opt_site, &lines);
        if (st == SKINQ_OK && lines == 0) {
            char known[1100];
            cli_store_known(ctx, store, opt_subject, opt_site, known, sizeof known);
            fprintf(stderr, "skinq: nothing stored for subject '%s'%s%s%s\n", opt_subject,
                    opt_site ? ", site " : "", opt_site ? opt_site : "", known);
            rc = EXIT_IMPOSSIBLE;
        }
    } else if (store && is_export) {
        struct export x = {0, opt_json ? cJSON_CreateArray() : NULL};
        if (opt_csv)
            printf("%s\n", EXPORT_CSV_HEADER);
        st = skinq_store_query(ctx, store, opt_subject, opt_site, NULL, export_row, &x);
        if (st == SKINQ_OK && x.arr) {
            cJSON *doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
            cJSON_AddItemToObject(doc, "rows", x.arr);
            rc = out_json(doc);
        } else {
            cJSON_Delete(x.arr);
        }
    }
    if (st != SKINQ_OK)
        rc = cli_fail(ctx, st);
    else if (rc == EXIT_OK && fflush(stdout) != 0)
        rc = EXIT_INTERNAL;
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

static int run(const cli_command *self, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(
            self, "no action given (add, list, show, export, import, sessions, edit, remove, history)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_help(self, stdout);
        return EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "add") == 0)
        return run_add(argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return run_query(&sub_list, argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return run_query(&sub_show, argc - 1, argv + 1);
    if (strcmp(sub, "export") == 0)
        return run_query(&sub_export, argc - 1, argv + 1);
    if (strcmp(sub, "import") == 0)
        return track_import_run(argc - 1, argv + 1);
    int rc = track_edit_run(sub, argc - 1, argv + 1); /* sessions, edit, remove, history */
    if (rc >= 0)
        return rc;
    return cli_usage_error(
        self,
        "unknown 'track' action '%s' (add, list, show, export, import, sessions, edit, remove, history)",
        sub);
}

const cli_command cmd_track = {
    "track",
    run,
    "track add|list|show|export|import|sessions|edit|remove|history [options]",
    "store sessions of a subject's sites and read them back",
    NULL,
    "track add --subject ID --site NAME --date YYYY-MM-DD [--label L] [--procedure TEXT]\n"
    "          [--no-align] [--keep-going] [--skip-existing] [analysis options] IMAGE|DIR...\n"
    "    analyse each photo (a folder: its .jpg/.png files) and store it, one transaction each;\n"
    "    photos are registered onto the site's reference photo (its first, or the one added with\n"
    "    --reference; ROI, mask and --ref are given in its frame) and measured at the site's scale;\n"
    "    a photo that cannot be registered is refused (exit 4, nothing stored) unless --no-align;\n"
    "    a site keeps its --px-per-mm: later sessions inherit it, one more than 2 % off is refused;\n"
    "    --date takes YYYY-MM-DD or YYYY-MM-DDTHH:MM (two sessions on one day) or 'exif';\n"
    "    --procedure marks the session right after a procedure (it starts a cycle, see 'trend');\n"
    "    the same photo (sha256) twice in one session is refused (--skip-existing: skipped);\n"
    "    --keep-going reports a photo that fails and stores the rest (exit 3 at the end)\n"
    "track list [--subject ID] [--site NAME]        the stored sites\n"
    "track show --subject ID [--site NAME]          timeline: session, date, time, cycle, days, headline\n"
    "                                               metrics, label, procedure\n"
    "track export --csv|--json [--subject ID] [--site NAME]\n"
    "    tidy rows: subject, site, session, date, time, label, procedure, cycle, day (from the first\n"
    "    procedure; baseline negative), cycle_day, metric, value, unit, image, sha256\n" TRACK_IMPORT_HELP
        TRACK_EDIT_HELP "'skinq track add --help' lists the analysis options. The store: --store PATH, else\n"
    "$SKINQ_STORE, else ./skinq.db.",
};
