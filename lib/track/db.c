/* db.c -- the store's SQL driver: picks the backend from the store's name and dispatches to it. */
#include "db.h"

#include <math.h>
#include <string.h>

#define OPS(d) (((const struct db_head *)(d))->ops)
#define SOPS(st) (((const struct db_stmt_head *)(st))->ops)

int db_is_pg(const char *path)
{
    if (!path)
        return 0;
    if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
        return 1;
    /* libpq's key=value conninfo: "dbname=study host=db1 user=…" */
    size_t key = strspn(path, "abcdefghijklmnopqrstuvwxyz_");
    return key > 0 && path[key] == '=' && (strstr(path, "dbname=") || strstr(path, "service="));
}

/* Delete n bytes at p (the string shortens). */
static void cut(char *p, size_t n)
{
    memmove(p, p + n, strlen(p + n) + 1);
}

void db_redact(char *name)
{
    char *a = strstr(name, "://");
    if (a) {
        a += 3;
        size_t end = strcspn(a, "/?");
        char *at = memchr(a, '@', end), *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
        if (colon)
            cut(colon, (size_t)(at - colon));
    }
    for (char *p = strstr(name, "password="); p; p = strstr(p, "password=")) {
        size_t n = 9 + strcspn(p + 9, " &");
        if (p > name && (p[-1] == '&' || p[-1] == ' '))
            p--, n++; /* the separator before it */
        else if (p[n] == '&' || p[n] == ' ')
            n++;
        cut(p, n);
    }
}

int db_open(const char *path, int readonly, db **out, char **err)
{
    *out = NULL;
    if (err)
        *err = NULL;
    const db_ops *ops = db_is_pg(path) ? &db_pg_ops : &db_sqlite_ops;
    int rc = ops->open(path, readonly, out, err);
    if (*out) {
        ((struct db_head *)*out)->ops = ops;
        ((struct db_head *)*out)->readonly = readonly;
    }
    return rc;
}

void db_close(db *d)
{
    if (d)
        OPS(d)->close(d);
}

const db_dialect *db_dialect_of(const db *d)
{
    return OPS(d)->dialect;
}

int db_readonly(const db *d)
{
    return ((const struct db_head *)d)->readonly;
}

int db_writable(db *d)
{
    return OPS(d)->writable(d);
}

int db_exec(db *d, const char *sql)
{
    return OPS(d)->exec(d, sql);
}

int db_prepare(db *d, const char *sql, db_stmt **st)
{
    *st = NULL;
    int rc = OPS(d)->prepare(d, sql, st);
    if (*st)
        ((struct db_stmt_head *)*st)->ops = OPS(d);
    return rc;
}

void db_bind_text(db_stmt *st, int i, const char *v)
{
    SOPS(st)->bind(st, i, v ? DB_T_TEXT : DB_T_NULL, v, 0, 0);
}

void db_bind_int64(db_stmt *st, int i, int64_t v)
{
    SOPS(st)->bind(st, i, DB_T_INT64, NULL, v, 0);
}

void db_bind_double(db_stmt *st, int i, double v)
{
    SOPS(st)->bind(st, i, DB_T_DOUBLE, NULL, 0, v);
}

void db_bind_null(db_stmt *st, int i)
{
    SOPS(st)->bind(st, i, DB_T_NULL, NULL, 0, 0);
}

int db_step(db_stmt *st)
{
    return SOPS(st)->step(st);
}

void db_reset(db_stmt *st)
{
    SOPS(st)->reset(st);
}

void db_finalize(db_stmt *st)
{
    if (st)
        SOPS(st)->finalize(st);
}

const char *db_text(db_stmt *st, int col)
{
    return SOPS(st)->text(st, col);
}

int64_t db_int64(db_stmt *st, int col)
{
    return SOPS(st)->int64(st, col);
}

double db_double(db_stmt *st, int col)
{
    return SOPS(st)->dbl(st, col);
}

int db_is_null(db_stmt *st, int col)
{
    return SOPS(st)->is_null(st, col);
}

const char *db_text0(db_stmt *st, int col)
{
    const char *t = db_text(st, col);
    return t ? t : "";
}

double db_double_or_nan(db_stmt *st, int col)
{
    return db_is_null(st, col) ? NAN : db_double(st, col);
}

const char *db_errmsg(db *d)
{
    return OPS(d)->errmsg(d);
}
