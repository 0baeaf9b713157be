/* db.h -- internal: the small SQL driver the store is written on, so its logic exists once for
 * both backends: SQLite (db_sqlite.c, the embedded default) and PostgreSQL (db_pg.c, a shared
 * store many workers write at once). SQL uses numbered placeholders ?1, ?2 … (the PostgreSQL
 * driver rewrites them to $1, $2 …); what the two dialects spell differently is in db_dialect. */
#ifndef SKINQ_TRACK_DB_H
#define SKINQ_TRACK_DB_H

#include <stdint.h>

/* Result codes: DB_OK, a row, done, or what went wrong (classified so callers can tell a unique
 * violation, e.g. a duplicate photo, from a failure). */
enum {
    DB_OK = 0,
    DB_ROW,
    DB_DONE,
    DB_ERROR,
    DB_UNIQUE,
    DB_BUSY,
    DB_NOTFOUND,
    DB_NOMEM,
    DB_NOTADB,
    DB_CANTOPEN
};

typedef struct db db;
typedef struct db_stmt db_stmt;

/** What the dialects spell differently. */
typedef struct db_dialect {
    const char *name;              /* "sqlite", "postgresql" */
    const char *const *migrations; /* migrations[v]: version v → v + 1 */
    int n_migrations;
    const char *begin_write;    /* a writing transaction that serialises writers of this store */
    const char *count_tables;   /* SELECT count(*) of the store's tables */
    const char *has_version;    /* SELECT count(*): 1 when table schema_version exists */
    const char *instant;        /* SQL of a session's instant in days; %s: the time column */
    const char *session_json;   /* SELECT the session ?1 as JSON (edit.c's remove audit) */
    const char *fk_off, *fk_on; /* around a migration that rebuilds a table (SQLite), or NULL */
    const char *fk_check;       /* a query with a row per broken reference, or NULL */
} db_dialect;

/** 1 when path names a PostgreSQL store (postgresql://, postgres://, or a conninfo with host= /
 * dbname=). */
int db_is_pg(const char *path);

/** Remove a password from a store name in place (user:PASSWORD@ of a URL, password=… of a
 * conninfo or URL query), for messages. */
void db_redact(char *name);

/** Open: readonly opens without writing anything; *err (malloc'd, may be NULL) says why on failure.
 * @return DB_OK, DB_CANTOPEN, DB_NOMEM. */
int db_open(const char *path, int readonly, db **out, char **err);
void db_close(db *d);
const db_dialect *db_dialect_of(const db *d);
int db_readonly(const db *d);

/** After the store was identified by reading only: ready it for writing (SQLite: WAL). */
int db_writable(db *d);
/** Run SQL (one or more statements, no parameters). */
int db_exec(db *d, const char *sql);
int db_prepare(db *d, const char *sql, db_stmt **st);
void db_bind_text(db_stmt *st, int i, const char *v); /* NULL binds NULL */
void db_bind_int64(db_stmt *st, int i, int64_t v);
void db_bind_double(db_stmt *st, int i, double v);
void db_bind_null(db_stmt *st, int i);
/** DB_ROW, DB_DONE or an error code. */
int db_step(db_stmt *st);
/** Back to before the first step, bindings cleared. */
void db_reset(db_stmt *st);
void db_finalize(db_stmt *st);
const char *db_text(db_stmt *st, int col); /* NULL for NULL */
int64_t db_int64(db_stmt *st, int col);
double db_double(db_stmt *st, int col);
int db_is_null(db_stmt *st, int col);
const char *db_text0(db_stmt *st, int col);    /* "" for NULL */
double db_double_or_nan(db_stmt *st, int col); /* NaN for NULL */
/** The last error's text. */
const char *db_errmsg(db *d);

/* A backend's functions (db.c dispatches to the one that opened the connection). */
typedef struct db_ops {
    const db_dialect *dialect;
    int (*open)(const char *path, int readonly, db **out, char **err);
    void (*close)(db *d);
    int (*exec)(db *d, const char *sql);
    int (*writable)(db *d); /* after the store is identified (by reading only): ready it to write */
    int (*prepare)(db *d, const char *sql, db_stmt **st);
    void (*bind)(db_stmt *st, int i, int type, const char *text, int64_t i64, double f);
    int (*step)(db_stmt *st);
    void (*reset)(db_stmt *st);
    void (*finalize)(db_stmt *st);
    const char *(*text)(db_stmt *st, int col);
    int64_t (*int64)(db_stmt *st, int col);
    double (*dbl)(db_stmt *st, int col);
    int (*is_null)(db_stmt *st, int col);
    const char *(*errmsg)(db *d);
} db_ops;

/* Every connection and statement starts with its ops, so db.c can dispatch. */
struct db_head {
    const db_ops *ops;
    int readonly;
};
struct db_stmt_head {
    const db_ops *ops;
};

enum { DB_T_NULL, DB_T_TEXT, DB_T_INT64, DB_T_DOUBLE };

extern const db_ops db_sqlite_ops;
extern const db_ops
    db_pg_ops; /* without libpq, a backend whose open refuses every PostgreSQL store (exit 5) */

#endif
