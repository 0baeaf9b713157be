/* db_pg.c -- the store's PostgreSQL driver (libpq): one study store that many workers write at
 * once. Same schema and migrations as SQLite in PostgreSQL's spelling; every writing transaction
 * takes a transaction-scoped advisory lock on the store (its schema), so writers of one store
 * are serialised exactly as SQLite's IMMEDIATE transactions serialise them: a race between two
 * workers creating the same subject, site or session cannot happen, and the analysis (seconds)
 * still runs in parallel, only the short write (milliseconds) waits. Built without libpq, a
 * postgresql:// store is refused with a message saying so. */
#include <stdlib.h>
#include <string.h>

#include "db.h"

#ifdef SKINQ_HAVE_LIBPQ
#include <libpq-fe.h>
#include <stdio.h>

/* The timestamps a row gets by default, as SQLite's CURRENT_TIMESTAMP writes them (UTC). */
#define NOW_UTC "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"

/* migrations[v] takes a store from version v to v + 1, as db_sqlite.c's do (one numbering for both
 * dialects). Append; never edit a shipped one. */
static const char *const migrations[] = {
    "CREATE TABLE subjects(id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  created TEXT NOT NULL DEFAULT " NOW_UTC ");"
    "CREATE TABLE sites(id BIGSERIAL PRIMARY KEY,"
    "  subject_id BIGINT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, px_per_mm DOUBLE PRECISION, ref_rect TEXT, roi TEXT, UNIQUE(subject_id, name));"
    "CREATE TABLE sessions(id BIGSERIAL PRIMARY KEY,"
    "  site_id BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
    "  date TEXT NOT NULL CHECK(to_char(date::date, 'YYYY-MM-DD') = date), label TEXT NOT NULL DEFAULT '',"
    "  procedure TEXT, UNIQUE(site_id, date, label));"
    "CREATE TABLE images(id BIGSERIAL PRIMARY KEY,"
    "  session_id BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL, sha256 TEXT NOT NULL, width INTEGER, height INTEGER,"
    "  role TEXT NOT NULL DEFAULT 'photo', added TEXT NOT NULL DEFAULT " NOW_UTC ","
    "  UNIQUE(session_id, sha256));"
    "CREATE TABLE measurements(image_id BIGINT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  metric TEXT NOT NULL, value DOUBLE PRECISION, unit TEXT, skinq_version TEXT NOT NULL, options TEXT,"
    "  PRIMARY KEY(image_id, metric));"
    "CREATE INDEX measurements_metric ON measurements(metric);",
    "ALTER TABLE images ADD COLUMN aligned_to BIGINT REFERENCES images(id);"
    "ALTER TABLE images ADD COLUMN calibration TEXT;",
    /* v3: PostgreSQL alters the key in place (SQLite has to rebuild the table) */
    "ALTER TABLE sessions ADD COLUMN time TEXT NOT NULL DEFAULT ''"
    "  CHECK(time = '' OR to_char(time::time, 'HH24:MI:SS') = time);"
    "ALTER TABLE sessions DROP CONSTRAINT sessions_site_id_date_label_key;"
    "ALTER TABLE sessions ADD UNIQUE(site_id, date, time, label);"
    "CREATE INDEX images_session ON images(session_id);"
    "CREATE TABLE audit(id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL DEFAULT " NOW_UTC ","
    "  action TEXT NOT NULL, subject TEXT NOT NULL, site TEXT NOT NULL, session_id BIGINT NOT NULL,"
    "  field TEXT NOT NULL, old_value TEXT, new_value TEXT);"
    "ALTER TABLE sites ADD COLUMN reference_image BIGINT REFERENCES images(id) ON DELETE SET NULL;",
};

#define TABLES "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"

static const db_dialect dialect = {
    .name = "postgresql",
    .migrations = migrations,
    .n_migrations = (int)(sizeof migrations / sizeof migrations[0]),
    /* the store's writers queue here (one lock per schema, so stores in other schemas do not wait) */
    .begin_write = "BEGIN; SELECT pg_advisory_xact_lock(hashtext('skinq:' || current_schema()))",
    .count_tables = TABLES,
    .has_version = TABLES " AND table_name = 'schema_version'",
    .instant =
        "extract(epoch FROM (date || ' ' || coalesce(nullif(%s, ''), '00:00:00'))::timestamp) / 86400.0",
    /* spelt out so the text is SQLite's json_object() byte for byte (json_build_object spaces it) */
    .session_json =
        "SELECT '{\"date\":' || to_json(date) || ',\"time\":' || to_json(time) || ',\"label\":' || "
        "to_json(label)"
        "  || ',\"procedure\":' || coalesce(to_json(procedure)::text, 'null') || ',\"images\":['"
        "  || coalesce((SELECT string_agg('{\"path\":' || to_json(path) || ',\"sha256\":' || to_json(sha256) "
        "|| '}',"
        "     ',' ORDER BY id) FROM images WHERE session_id = ?1), '') || ']}' FROM sessions WHERE id = ?1",
};

typedef struct {
    struct db_head h;
    PGconn *c;
    char err[512]; /* the last error, one line */
} pg;

enum { MAX_PARAMS = 16 };

typedef struct {
    struct db_stmt_head h;
    pg *p;
    char *sql; /* ?N rewritten to $N */
    int n;     /* parameters */
    int type[MAX_PARAMS + 1];
    char *val[MAX_PARAMS + 1];
    PGresult *res;
    int row, rows;
} pg_stmt;

/* Keep the first line of msg (libpq's messages have hints on further lines) as the error. */
static void set_err(pg *p, const char *msg)
{
    if (!msg || !*msg)
        msg = "unknown error";
    snprintf(p->err, sizeof p->err, "%.*s", (int)strcspn(msg, "\n"), msg);
}

/* DB_OK, or the failure classified (unique violation, serialisation failure or deadlock). */
static int result_code(pg *p, PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return DB_OK;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    set_err(p, m ? m : PQerrorMessage(p->c));
    if (!state)
        return DB_ERROR;
    if (!strcmp(state, "23505"))
        return DB_UNIQUE;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
        return DB_BUSY;
    return DB_ERROR;
}

static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message; /* NOTICEs are not the store's output */
}

static int p_exec(db *d, const char *sql)
{
    pg *p = (pg *)d;
    PGresult *r = PQexec(p->c, sql);
    int rc = r ? result_code(p, r) : DB_NOMEM;
    PQclear(r);
    return rc;
}

static int p_open(const char *path, int readonly, db **out, char **err)
{
    pg *p = calloc(1, sizeof *p);
    if (!p)
        return DB_NOMEM;
    p->c = PQconnectdb(path);
    if (!p->c || PQstatus(p->c) != CONNECTION_OK) {
        set_err(p, p->c ? PQerrorMessage(p->c) : "out of memory");
        if (err && (*err = malloc(strlen(p->err) + 1)) != NULL)
            strcpy(*err, p->err);
        PQfinish(p->c);
        free(p);
        return DB_CANTOPEN;
    }
    PQsetNoticeProcessor(p->c, quiet, NULL);
    /* read-only for reports: the server refuses every write of this session, not only skinq */
    if (readonly && p_exec((db *)p, "SET default_transaction_read_only = on") != DB_OK) {
        if (err && (*err = malloc(strlen(p->err) + 1)) != NULL)
            strcpy(*err, p->err);
        PQfinish(p->c);
        free(p);
        return DB_CANTOPEN;
    }
    *out = (db *)p;
    return DB_OK;
}

static void p_close(db *d)
{
    PQfinish(((pg *)d)->c);
    free(d);
}

static int p_writable(db *d)
{
    (void)d; /* nothing to switch: the server journals */
    return DB_OK;
}

/* ?N → $N outside quoted strings and identifiers; *n: the highest N. */
static char *rewrite(const char *sql, int *n)
{
    char *out = malloc(strlen(sql) + 1), *o = out;
    char quote = 0;
    *n = 0;
    if (!out)
        return NULL;
    for (const char *c = sql; *c; c++) {
        if (quote) {
            quote = *c == quote ? 0 : quote;
        } else if (*c == '\'' || *c == '"') {
            quote = *c;
        } else if (*c == '?' && c[1] >= '0' && c[1] <= '9') {
            int k = atoi(c + 1);
            *n = k > *n ? k : *n;
            *o++ = '$';
            continue;
        }
        *o++ = *c;
    }
    *o = 0;
    return out;
}

static void clear_values(pg_stmt *s)
{
    for (int i = 0; i <= MAX_PARAMS; i++) {
        free(s->val[i]);
        s->val[i] = NULL;
        s->type[i] = DB_T_TEXT; /* an unbound parameter is a text NULL (so "?1 IS NULL" has a type) */
    }
}

static int p_prepare(db *d, const char *sql, db_stmt **out)
{
    pg *p = (pg *)d;
    pg_stmt *s = calloc(1, sizeof *s);
    if (!s || !(s->sql = rewrite(sql, &s->n))) {
        free(s);
        return DB_NOMEM;
    }
    if (s->n > MAX_PARAMS) {
        set_err(p, "too many parameters");
        free(s->sql);
        free(s);
        return DB_ERROR;
    }
    s->p = p;
    clear_values(s);
    *out = (db_stmt *)s;
    return DB_OK;
}

static void p_bind(db_stmt *st, int i, int type, const char *text, int64_t i64, double f)
{
    pg_stmt *s = (pg_stmt *)st;
    if (i < 1 || i > MAX_PARAMS)
        return;
    char num[40];
    free(s->val[i]);
    s->val[i] = NULL;
    s->type[i] = type;
    if (type == DB_T_INT64)
        snprintf(num, sizeof num, "%lld", (long long)i64), text = num;
    else if (type == DB_T_DOUBLE)
        snprintf(num, sizeof num, "%.17g", f), text = num;
    if (text && (s->val[i] = malloc(strlen(text) + 1)) != NULL)
        strcpy(s->val[i], text);
}

static int p_step(db_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    if (!s->res) {
        /* text, int8, float8; an explicit NULL is left to the server to type from its use */
        Oid types[MAX_PARAMS];
        const char *vals[MAX_PARAMS];
        for (int i = 0; i < s->n; i++) {
            int t = s->type[i + 1];
            types[i] = t == DB_T_INT64 ? 20 : t == DB_T_DOUBLE ? 701 : t == DB_T_TEXT ? 25 : 0;
            vals[i] = s->val[i + 1];
        }
        s->res = PQexecParams(s->p->c, s->sql, s->n, types, vals, NULL, NULL, 0);
        if (!s->res)
            return DB_NOMEM;
        int rc = result_code(s->p, s->res);
        if (rc != DB_OK) {
            PQclear(s->res);
            s->res = NULL;
            return rc;
        }
        s->rows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
    }
    return ++s->row < s->rows ? DB_ROW : DB_DONE;
}

static void p_reset(db_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    PQclear(s->res);
    s->res = NULL;
    clear_values(s);
}

static void p_finalize(db_stmt *st)
{
    pg_stmt *s = (pg_stmt *)st;
    p_reset(st);
    free(s->sql);
    free(s);
}

static const char *p_text(db_stmt *st, int col)
{
    pg_stmt *s = (pg_stmt *)st;
    return PQgetisnull(s->res, s->row, col) ? NULL : PQgetvalue(s->res, s->row, col);
}

static int64_t p_int64(db_stmt *st, int col)
{
    const char *t = p_text(st, col);
    return t ? strtoll(t, NULL, 10) : 0;
}

static double p_double(db_stmt *st, int col)
{
    const char *t = p_text(st, col);
    return t ? strtod(t, NULL) : 0;
}

static int p_is_null(db_stmt *st, int col)
{
    pg_stmt *s = (pg_stmt *)st;
    return PQgetisnull(s->res, s->row, col);
}

static const char *p_errmsg(db *d)
{
    pg *p = (pg *)d;
    if (!*p->err)
        set_err(p, PQerrorMessage(p->c));
    return p->err;
}

const db_ops db_pg_ops = {
    .dialect = &dialect,
    .open = p_open,
    .close = p_close,
    .exec = p_exec,
    .writable = p_writable,
    .prepare = p_prepare,
    .bind = p_bind,
    .step = p_step,
    .reset = p_reset,
    .finalize = p_finalize,
    .text = p_text,
    .int64 = p_int64,
    .dbl = p_double,
    .is_null = p_is_null,
    .errmsg = p_errmsg,
};

#else /* built without libpq */

static int no_open(const char *path, int readonly, db **out, char **err)
{
    (void)path, (void)readonly, (void)out;
    const char *m =
        "this skinq was built without PostgreSQL support (libpq; see README \"PostgreSQL store\")";
    if (err && (*err = malloc(strlen(m) + 1)) != NULL)
        strcpy(*err, m);
    return DB_CANTOPEN;
}

const db_ops db_pg_ops = {.open = no_open};

#endif
