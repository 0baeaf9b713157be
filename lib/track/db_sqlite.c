/* db_sqlite.c -- the store's SQLite driver (the embedded default): WAL journal, foreign keys on,
 * a busy timeout so concurrent writers wait instead of failing, IMMEDIATE write transactions. */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"

/* migrations[v] takes a store from version v to v + 1. Append; never edit a shipped one. */
static const char *const migrations[] = {
    "CREATE TABLE subjects(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);"
    "CREATE TABLE sites(id INTEGER PRIMARY KEY,"
    "  subject_id INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, px_per_mm REAL, ref_rect TEXT, roi TEXT, UNIQUE(subject_id, name));"
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
    "  date TEXT NOT NULL CHECK(date(date) IS date), label TEXT NOT NULL DEFAULT '',"
    "  procedure TEXT, UNIQUE(site_id, date, label));"
    "CREATE TABLE images(id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL, sha256 TEXT NOT NULL, width INTEGER, height INTEGER,"
    "  role TEXT NOT NULL DEFAULT 'photo', added TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
    "  UNIQUE(session_id, sha256));"
    "CREATE TABLE measurements(image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  metric TEXT NOT NULL, value REAL, unit TEXT, skinq_version TEXT NOT NULL, options TEXT,"
    "  PRIMARY KEY(image_id, metric));"
    "CREATE INDEX measurements_metric ON measurements(metric);",
    /* v2: where an image's analysis came from (alignment to the site's first image, and the
     * calibration used), so a stored number can be traced back to how it was made */
    "ALTER TABLE images ADD COLUMN aligned_to INTEGER REFERENCES images(id);"
    "ALTER TABLE images ADD COLUMN calibration TEXT;",
    /* v3: a session's optional time of day (two sessions on one date: before and right after a
     * procedure), so the key becomes (site, date, time, label): the table is rebuilt (foreign keys
     * are off meanwhile, see migrate()); the audit of corrections; the site's chosen reference */
    "CREATE TABLE sessions_v3(id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
    "  date TEXT NOT NULL CHECK(date(date) IS date),"
    "  time TEXT NOT NULL DEFAULT '' CHECK(time = '' OR time(time) IS time),"
    "  label TEXT NOT NULL DEFAULT '', procedure TEXT, UNIQUE(site_id, date, time, label));"
    "INSERT INTO sessions_v3(id, site_id, date, label, procedure)"
    "  SELECT id, site_id, date, label, procedure FROM sessions;"
    "DROP TABLE sessions;"
    "ALTER TABLE sessions_v3 RENAME TO sessions;"
    "CREATE INDEX images_session ON images(session_id);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
    "  action TEXT NOT NULL, subject TEXT NOT NULL, site TEXT NOT NULL, session_id INTEGER NOT NULL,"
    "  field TEXT NOT NULL, old_value TEXT, new_value TEXT);"
    "ALTER TABLE sites ADD COLUMN reference_image INTEGER REFERENCES images(id) ON DELETE SET NULL;",
};

static const db_dialect dialect = {
    .name = "sqlite",
    .migrations = migrations,
    .n_migrations = (int)(sizeof migrations / sizeof migrations[0]),
    .begin_write = "BEGIN IMMEDIATE",
    .count_tables = "SELECT count(*) FROM sqlite_master",
    .has_version = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
    .instant =
        "julianday(date) + coalesce(julianday('2000-01-01 ' || nullif(%s, '')) - julianday('2000-01-01'), 0)",
    .session_json =
        "SELECT json_object('date', date, 'time', time, 'label', label, 'procedure', procedure, 'images',"
        "  (SELECT json_group_array(json_object('path', path, 'sha256', sha256))"
        "   FROM (SELECT path, sha256 FROM images WHERE session_id = ?1 ORDER BY id)))"
        " FROM sessions WHERE id = ?1",
    .fk_off = "PRAGMA foreign_keys = OFF",
    .fk_on = "PRAGMA foreign_keys = ON",
    .fk_check = "PRAGMA foreign_key_check",
};

typedef struct {
    struct db_head h;
    sqlite3 *db;
} lite;

typedef struct {
    struct db_stmt_head h;
    sqlite3_stmt *st;
    sqlite3 *db;
} lite_stmt;

static int code(sqlite3 *db, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return DB_OK;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_BUSY;
    case SQLITE_NOMEM: return DB_NOMEM;
    case SQLITE_NOTADB: return DB_NOTADB;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN: return DB_CANTOPEN;
    case SQLITE_CONSTRAINT: {
        int x = sqlite3_extended_errcode(db);
        return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY ? DB_UNIQUE : DB_ERROR;
    }
    default: return DB_ERROR;
    }
}

static char *dup_str(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    return d ? strcpy(d, s) : NULL;
}

/* path as an SQLite URI with a query ("mode=ro", "immutable=1"): every byte but the unreserved
 * ones and '/' percent-encoded, so '?', '#' and '%' in a file name stay part of it. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path);
    char *u = malloc(5 + 3 * n + 1 + strlen(query) + 1);
    if (!u)
        return NULL;
    char *p = u + sprintf(u, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        p += isalnum(*c) || strchr("-._~/", *c) ? sprintf(p, "%c", *c) : sprintf(p, "%%%02X", *c);
    sprintf(p, "?%s", query);
    return u;
}

static int open_one(const char *name, int flags, sqlite3 **db, char **err)
{
    int rc = sqlite3_open_v2(name, db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        *err = dup_str(*db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return DB_CANTOPEN;
    }
    sqlite3_busy_timeout(*db, 30000); /* concurrent `track add`s wait for each other */
    sqlite3_extended_result_codes(*db, 1);
    return DB_OK;
}

/* Read-only: mode=ro first; a WAL store in a read-only directory or on a read-only medium cannot
 * create its -shm file even to be read, so then immutable=1 (SQLite takes no locks: right for an
 * archived trial or a colleague's copy, which nobody writes meanwhile). A file without any write
 * permission bit is such an archive from the start: opened immutable at once, so not even root
 * leaves a -wal or -shm beside it. */
static int open_readonly(const char *path, sqlite3 **db, char **err)
{
    static const char *const queries[] = {"mode=ro", "immutable=1"};
    struct stat sb;
    int first = stat(path, &sb) == 0 && (sb.st_mode & 0222) == 0 ? 1 : 0;
    for (int q = first; q < 2; q++) {
        char *uri = file_uri(path, queries[q]);
        if (!uri)
            return DB_NOMEM;
        int rc = open_one(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, db, err);
        free(uri);
        if (rc != DB_OK)
            return rc;
        if (q == 1)
            break;
        sqlite3_stmt *st; /* can mode=ro read it? */
        rc = sqlite3_prepare_v2(*db, dialect.count_tables, -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        sqlite3_finalize(st);
        int c = sqlite3_errcode(*db) & 0xff;
        if (rc == SQLITE_ROW || (c != SQLITE_READONLY && c != SQLITE_CANTOPEN))
            break;
        sqlite3_close(*db); /* mode=ro could not read it: try immutable */
        *db = NULL;
    }
    return DB_OK;
}

static int l_open(const char *path, int readonly, db **out, char **err)
{
    lite *l = calloc(1, sizeof *l);
    if (!l)
        return DB_NOMEM;
    int rc = readonly ? open_readonly(path, &l->db, err)
                      : open_one(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &l->db, err);
    if (rc != DB_OK) {
        free(l);
        return rc;
    }
    *out = (db *)l;
    return DB_OK;
}

static void l_close(db *d)
{
    sqlite3_close(((lite *)d)->db);
    free(d);
}

static int l_exec(db *d, const char *sql)
{
    sqlite3 *db = ((lite *)d)->db;
    return code(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* Switching a new file to WAL needs a moment alone with it, and SQLite does not always wait on
 * the busy handler for that: a second process opening the same new store at once would fail
 * with "database is locked". So the switch is retried for up to the busy timeout. */
static int l_writable(db *d)
{
    int rc = DB_BUSY;
    for (int tries = 0; tries < 3000 && rc == DB_BUSY; tries++) {
        rc = l_exec(d, "PRAGMA journal_mode = WAL");
        if (rc == DB_BUSY)
            sqlite3_sleep(10);
    }
    return rc != DB_OK ? DB_NOTADB : l_exec(d, "PRAGMA synchronous = NORMAL");
}

static int l_prepare(db *d, const char *sql, db_stmt **out)
{
    sqlite3 *db = ((lite *)d)->db;
    lite_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return DB_NOMEM;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s->st, NULL);
    if (rc != SQLITE_OK) {
        free(s);
        return code(db, rc);
    }
    s->db = db;
    *out = (db_stmt *)s;
    return DB_OK;
}

static void l_bind(db_stmt *st, int i, int type, const char *text, int64_t i64, double f)
{
    sqlite3_stmt *s = ((lite_stmt *)st)->st;
    if (type == DB_T_TEXT)
        sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT);
    else if (type == DB_T_INT64)
        sqlite3_bind_int64(s, i, i64);
    else if (type == DB_T_DOUBLE)
        sqlite3_bind_double(s, i, f);
    else
        sqlite3_bind_null(s, i);
}

static int l_step(db_stmt *st)
{
    lite_stmt *s = (lite_stmt *)st;
    return code(s->db, sqlite3_step(s->st));
}

static void l_reset(db_stmt *st)
{
    sqlite3_reset(((lite_stmt *)st)->st);
    sqlite3_clear_bindings(((lite_stmt *)st)->st);
}

static void l_finalize(db_stmt *st)
{
    sqlite3_finalize(((lite_stmt *)st)->st);
    free(st);
}

static const char *l_text(db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(((lite_stmt *)st)->st, col);
}

static int64_t l_int64(db_stmt *st, int col)
{
    return sqlite3_column_int64(((lite_stmt *)st)->st, col);
}

static double l_double(db_stmt *st, int col)
{
    return sqlite3_column_double(((lite_stmt *)st)->st, col);
}

static int l_is_null(db_stmt *st, int col)
{
    return sqlite3_column_type(((lite_stmt *)st)->st, col) == SQLITE_NULL;
}

static const char *l_errmsg(db *d)
{
    return sqlite3_errmsg(((lite *)d)->db);
}

const db_ops db_sqlite_ops = {&dialect, l_open,     l_close, l_exec,  l_writable, l_prepare, l_bind,  l_step,
                              l_reset,  l_finalize, l_text,  l_int64, l_double,   l_is_null, l_errmsg};
