/* track_edit.c -- `skinq track sessions|remove|edit|history`: find a session's id, correct or
 * remove it, and read back the record of every correction (the store's audit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "out.h"
#include "track_edit.h"

static const char *opt_subject, *opt_site, *opt_store, *opt_date, *opt_label, *opt_procedure, *opt_reason;
static int opt_json, opt_no_procedure;
static double opt_session;

#define STORE_OPTION                                                                                         \
    {                                                                                                        \
        "store", 0, OPT_STRING, &opt_store, "PATH", "session store (default $SKINQ_STORE, else ./skinq.db)"  \
    }
#define SESSION_OPTION                                                                                       \
    {                                                                                                        \
        "session", 0, OPT_DOUBLE, &opt_session, "ID", "the session's id (track sessions)",                   \
            RANGE_LO_OPEN | RANGE_WHOLE, 0, 0                                                                \
    }

static const cli_option read_options[] = {
    {"subject", 0, OPT_STRING, &opt_subject, "ID", "only this subject"},
    {"site", 0, OPT_STRING, &opt_site, "NAME", "only this site"},
    {"json", 0, OPT_FLAG, &opt_json, NULL, "JSON"},
    STORE_OPTION,
    CLI_OPTIONS_END,
};
static const cli_option remove_options[] = {
    SESSION_OPTION,
    {"reason", 0, OPT_STRING, &opt_reason, "TEXT", "why (recorded with the old values)"},
    STORE_OPTION,
    CLI_OPTIONS_END,
};
static const cli_option edit_options[] = {
    SESSION_OPTION,
    {"date", 0, OPT_STRING, &opt_date, "YYYY-MM-DD[THH:MM]", "the right date (and time: none when left out)"},
    {"label", 0, OPT_STRING, &opt_label, "L", "the right label ('' for none)"},
    {"procedure", 0, OPT_STRING, &opt_procedure, "TEXT", "the right procedure note"},
    {"no-procedure", 0, OPT_FLAG, &opt_no_procedure, NULL, "no procedure was done at this session"},
    STORE_OPTION,
    CLI_OPTIONS_END,
};

static const cli_command sub_sessions = {"track sessions",
                                         NULL,
                                         "track sessions --subject ID [--site NAME] [--json]",
                                         "a subject's sessions with their ids",
                                         read_options,
                                         NULL};
static const cli_command sub_history = {"track history",
                                        NULL,
                                        "track history [--subject ID] [--site NAME] [--json]",
                                        "every recorded correction, oldest first",
                                        read_options,
                                        NULL};
static const cli_command sub_remove = {"track remove",
                                       NULL,
                                       "track remove --session ID [--reason TEXT]",
                                       "remove a session with its photos and measurements",
                                       remove_options,
                                       NULL};
static const cli_command sub_edit = {
    "track edit",
    NULL,
    "track edit --session ID [--date YYYY-MM-DD[THH:MM]] [--label L] [--procedure TEXT|--no-procedure]",
    "correct a session's date, time, label or procedure",
    edit_options,
    NULL};

/* A day for the table: whole days as they are, a time of day as a fraction. */
static void print_day(double d)
{
    if (d == floor(d))
        printf(" %6.0f", d);
    else
        printf(" %6.2f", d);
}

struct listing {
    cJSON *arr; /* --json, else a text table */
    int n;
};

static int session_row(void *user, const skinq_store_session_row *r)
{
    struct listing *l = user;
    if (l->arr) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "subject", r->subject);
        cJSON_AddStringToObject(o, "site", r->site);
        out_add_session(o, &(out_session){r->session_id, r->date, r->time, r->label, r->procedure, r->cycle,
                                          r->day, r->cycle_day});
        cJSON_AddNumberToObject(o, "images", r->images);
        cJSON_AddItemToArray(l->arr, o);
    } else {
        if (l->n == 0)
            printf("%-12s %-16s %7s  %-10s  %-8s %6s %5s %6s %6s  %-12s %s\n", "subject", "site", "session",
                   "date", "time", "day", "cycle", "c.day", "images", "label", "procedure");
        printf("%-12s %-16s %7lld  %-10s  %-8s", r->subject, r->site, (long long)r->session_id, r->date,
               *r->time ? r->time : "-");
        print_day(r->day);
        printf(" %5d", r->cycle);
        print_day(r->cycle_day);
        printf(" %6d  %-12s %s\n", r->images, *r->label ? r->label : "-", *r->procedure ? r->procedure : "-");
    }
    l->n++;
    return 0;
}

/* An audit value for the text listing: none and empty told apart. */
static const char *shown(const char *v)
{
    return !v ? "(none)" : *v ? v : "\"\"";
}

static int audit_row(void *user, const skinq_store_audit_row *r)
{
    struct listing *l = user;
    if (l->arr) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)r->id);
        cJSON_AddStringToObject(o, "at", r->at);
        cJSON_AddStringToObject(o, "action", r->action);
        cJSON_AddStringToObject(o, "subject", r->subject);
        cJSON_AddStringToObject(o, "site", r->site);
        cJSON_AddNumberToObject(o, "session", (double)r->session_id);
        cJSON_AddStringToObject(o, "field", r->field);
        cJSON_AddItemToObject(o, "old_value",
                              r->old_value ? cJSON_CreateString(r->old_value) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "new_value",
                              r->new_value ? cJSON_CreateString(r->new_value) : cJSON_CreateNull());
        cJSON_AddItemToArray(l->arr, o);
    } else {
        printf("%lld  %s  %-6s %s/%s session %lld  %s: %s -> %s\n", (long long)r->id, r->at, r->action,
               r->subject, r->site, (long long)r->session_id, r->field, shown(r->old_value),
               shown(r->new_value));
    }
    l->n++;
    return 0;
}

/* The store's path (it must exist: these commands never create one) and a context; NULL with
 * *rc the exit code when either fails. */
static skinq_ctx *store_ctx(const char **path, int *rc)
{
    *path = cli_store_path(opt_store);
    if (!cli_store_exists(*path)) {
        *rc = EXIT_STORE;
        return NULL;
    }
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        *rc = EXIT_INTERNAL;
    return ctx;
}

static int run_read(const cli_command *sub, int argc, char **argv)
{
    int rc = cli_parse_options_only(sub, argc, argv);
    if (rc >= 0)
        return rc;
    int is_sessions = sub == &sub_sessions;
    if (is_sessions && !opt_subject)
        return cli_usage_error(sub, "--subject is required");
    const char *path;
    skinq_ctx *ctx = store_ctx(&path, &rc);
    if (!ctx)
        return rc;
    skinq_store *store = NULL;
    struct listing l = {opt_json ? cJSON_CreateArray() : NULL, 0};
    skinq_status st = skinq_store_open_readonly(ctx, path, &store);
    if (st == SKINQ_OK)
        st = is_sessions ? skinq_store_sessions(ctx, store, opt_subject, opt_site, session_row, &l)
                         : skinq_store_audit(ctx, store, opt_subject, opt_site, audit_row, &l);
    rc = EXIT_OK;
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
    } else if (is_sessions && l.n == 0) {
        char known[1100];
        cli_store_known(ctx, store, opt_subject, opt_site, known, sizeof known);
        fprintf(stderr, "skinq: no sessions stored for subject '%s'%s%s%s\n", opt_subject,
                opt_site ? ", site " : "", opt_site ? opt_site : "", known);
        rc = EXIT_IMPOSSIBLE;
    } else if (l.arr) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
        cJSON_AddItemToObject(doc, is_sessions ? "sessions" : "audit", l.arr);
        l.arr = NULL;
        rc = out_json(doc);
    } else if (l.n == 0) {
        printf("no corrections recorded\n");
    }
    cJSON_Delete(l.arr);
    if (rc == EXIT_OK && fflush(stdout) != 0)
        rc = EXIT_INTERNAL;
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

/* The newest audit id, so that only the rows a change writes are printed after it. */
static int last_id(void *user, const skinq_store_audit_row *r)
{
    *(int64_t *)user = r->id;
    return 0;
}

struct since {
    int64_t after;
    struct listing l;
};

static int new_row(void *user, const skinq_store_audit_row *r)
{
    struct since *x = user;
    return r->id > x->after ? audit_row(&x->l, r) : 0;
}

/* A file nobody may write (no write bit, like an archived trial) is opened read-only even by
 * root, so the library refuses the change and the file is left as it is. */
static int may_write(const char *path)
{
    struct stat sb;
    return skinq_store_is_server(path) ||
           (stat(path, &sb) == 0 && (sb.st_mode & 0222) != 0 && access(path, W_OK) == 0);
}

static int run_change(const cli_command *sub, int argc, char **argv)
{
    int rc = cli_parse_options_only(sub, argc, argv);
    if (rc >= 0)
        return rc;
    int is_edit = sub == &sub_edit;
    if (opt_session <= 0)
        return cli_usage_error(sub, "--session ID is required (ids: 'skinq track sessions')");
    if (is_edit && opt_procedure && opt_no_procedure)
        return cli_usage_error(sub, "--procedure and --no-procedure exclude each other");
    if (is_edit && !opt_date && !opt_label && !opt_procedure && !opt_no_procedure)
        return cli_usage_error(sub, "nothing to change: give --date, --label, --procedure or --no-procedure");
    const char *path;
    skinq_ctx *ctx = store_ctx(&path, &rc);
    if (!ctx)
        return rc;
    skinq_store *store = NULL;
    int64_t id = (int64_t)opt_session;
    struct since x = {0, {NULL, 0}};
    skinq_status st =
        may_write(path) ? skinq_store_open(ctx, path, &store) : skinq_store_open_readonly(ctx, path, &store);
    if (st == SKINQ_OK)
        st = skinq_store_audit(ctx, store, NULL, NULL, last_id, &x.after);
    if (st == SKINQ_OK)
        st = is_edit ? skinq_store_session_edit(ctx, store, id, opt_date, opt_label,
                                                opt_no_procedure ? "" : opt_procedure)
                     : skinq_store_session_remove(ctx, store, id, opt_reason);
    if (st == SKINQ_OK)
        st = skinq_store_audit(ctx, store, NULL, NULL, new_row, &x);
    if (st == SKINQ_E_INVALID) /* an unknown id, a collision, a bad date: the input's fault */
        rc = (cli_fail(ctx, st), EXIT_BAD_INPUT);
    else if (st != SKINQ_OK)
        rc = cli_fail(ctx, st);
    else {
        if (x.l.n == 0 && !g_opts.quiet)
            printf("session %lld: nothing changed (the values given are its own)\n", (long long)id);
        rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
    }
    skinq_store_close(&store);
    skinq_ctx_close(&ctx);
    return rc;
}

int track_edit_run(const char *action, int argc, char **argv)
{
    if (strcmp(action, "sessions") == 0)
        return run_read(&sub_sessions, argc, argv);
    if (strcmp(action, "history") == 0)
        return run_read(&sub_history, argc, argv);
    if (strcmp(action, "remove") == 0)
        return run_change(&sub_remove, argc, argv);
    if (strcmp(action, "edit") == 0)
        return run_change(&sub_edit, argc, argv);
    return -1;
}
