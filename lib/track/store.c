/* store.c -- the session store: subjects → sites → sessions → images → measurements in
 * SQLite. WAL journal, foreign keys on, a busy timeout so concurrent writers wait instead of
 * failing, and every add in one IMMEDIATE transaction: a killed process leaves either the
 * whole entry or none of it. Schema changes are numbered migrations (schema_version table). */
#include "core/core.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "track_int.h"

struct skinq_store {
    db *db;
    char *path;            /* for messages: a PostgreSQL URL without its password */
    int version;           /* the file's schema version (a read-only store is not migrated) */
    skinq_allocator alloc; /* the ctx's, so close needs no ctx */
    int in_transaction;    /* inside skinq_store_begin() (import.c): an add is a savepoint */
};

/* Both dialects have the same numbered migrations (db_sqlite.c, db_pg.c). */
#define SCHEMA_VERSION 3

int skinq_store_schema_version(void)
{
    return SCHEMA_VERSION;
}

/* Test hook: SKINQ_TEST_STORE_KILL_AT=N kills the process (SIGKILL) just before the N-th
 * measurement row of an add is written, so tests can prove an interrupted add leaves nothing. */
static long kill_at(void)
{
    const char *v = getenv("SKINQ_TEST_STORE_KILL_AT");
    return v && *v ? strtol(v, NULL, 10) : -1;
}

static skinq_status db_fail(skinq_ctx *ctx, skinq_store *s, const char *what)
{
    return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': %s: %s", s->path, what, db_errmsg(s->db));
}

static int exec(skinq_store *s, const char *sql)
{
    return db_exec(s->db, sql);
}

/* The first column of a one-row query as an integer; DB_OK or the failure. */
static int query_int(skinq_store *s, const char *sql, int *v)
{
    db_stmt *st;
    *v = 0;
    int rc = db_prepare(s->db, sql, &st);
    if (rc != DB_OK)
        return rc;
    rc = db_step(st);
    if (rc == DB_ROW)
        *v = (int)db_int64(st, 0);
    db_finalize(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : rc;
}

static int user_version(skinq_store *s, int *v)
{
    int has = 0;
    if (query_int(s, db_dialect_of(s->db)->has_version, &has) != DB_OK || !has) {
        *v = 0; /* no table yet: a new store (or not ours: checked by the caller) */
        return DB_OK;
    }
    int rc = query_int(s, "SELECT version FROM schema_version", v);
    return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* What a store is, found by reading only (no PRAGMA that writes, no transaction that writes):
 * an empty database (a new store), a skinq store of schema version >= 1, or something that is
 * refused (not a database, another program's database, a newer store). Called before anything
 * else touches it, so a refused file is left exactly as it was. */
static skinq_status identify(skinq_ctx *ctx, skinq_store *s, int *empty)
{
    const db_dialect *dl = db_dialect_of(s->db);
    int n = -1, rc = query_int(s, dl->count_tables, &n);
    if (rc != DB_OK)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': %s (%s)", s->path,
                          rc == DB_NOTADB ? "not an SQLite database" : "cannot be read", db_errmsg(s->db));
    *empty = n == 0;
    if (*empty)
        return SKINQ_OK;
    int v = 0, has_table = 0;
    query_int(s, dl->has_version, &has_table);
    if (has_table != 1 || user_version(s, &v) != DB_OK || v < 1)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': is a database but not a skinq store", s->path);
    if (v > SCHEMA_VERSION)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': schema version %d is newer than this skinq's %d",
                          s->path, v, SCHEMA_VERSION);
    s->version = v;
    return SKINQ_OK;
}

/* The dialect's foreign-key check yields a row per broken reference: none is a sound store. */
static int foreign_keys_hold(skinq_store *s)
{
    const char *sql = db_dialect_of(s->db)->fk_check;
    db_stmt *st;
    if (!sql)
        return 1;
    if (db_prepare(s->db, sql, &st) != DB_OK)
        return 0;
    int ok = db_step(st) == DB_DONE;
    db_finalize(st);
    return ok;
}

static skinq_status migrate_locked(skinq_ctx *ctx, skinq_store *s)
{
    const db_dialect *dl = db_dialect_of(s->db);
    if (exec(s, dl->begin_write) != DB_OK)
        return db_fail(ctx, s, "cannot lock for schema check");
    int v = 0;
    if (user_version(s, &v) != DB_OK) {
        exec(s, "ROLLBACK");
        return db_fail(ctx, s, "cannot read the schema version");
    }
    if (v == 0) {
        /* an empty database becomes a store; a database with other tables is not ours */
        int n = 0;
        query_int(s, dl->count_tables, &n);
        if (n > 0) {
            exec(s, "ROLLBACK");
            return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': is a database but not a skinq store", s->path);
        }
        if (exec(s, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
                    "INSERT INTO schema_version VALUES(0)") != DB_OK) {
            skinq_status r = db_fail(ctx, s, "cannot create the schema");
            exec(s, "ROLLBACK");
            return r;
        }
    }
    if (v > SCHEMA_VERSION) {
        exec(s, "ROLLBACK");
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': schema version %d is newer than this skinq's %d",
                          s->path, v, SCHEMA_VERSION);
    }
    for (; v < SCHEMA_VERSION; v++) {
        char sql[96];
        snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %d", v + 1);
        if (exec(s, dl->migrations[v]) != DB_OK || exec(s, sql) != DB_OK) {
            skinq_status r = db_fail(ctx, s, "migration failed");
            exec(s, "ROLLBACK");
            return r;
        }
    }
    if (!foreign_keys_hold(s)) {
        skinq_status r =
            skinq_fail(ctx, SKINQ_E_STORE, "store '%s': migration left broken references", s->path);
        exec(s, "ROLLBACK");
        return r;
    }
    if (exec(s, "COMMIT") != DB_OK) {
        skinq_status r = db_fail(ctx, s, "cannot commit the schema");
        exec(s, "ROLLBACK");
        return r;
    }
    s->version = SCHEMA_VERSION;
    return SKINQ_OK;
}

/* Bring the store to SCHEMA_VERSION in one transaction (its write lock keeps two openers from
 * migrating at once). SQLite: foreign keys are off meanwhile (SQLite ignores the switch inside a
 * transaction) so that a migration may rebuild a table the way SQLite documents it (new table,
 * copy, drop, rename) without cascading deletes; the keys are checked before the commit. */
static skinq_status migrate(skinq_ctx *ctx, skinq_store *s)
{
    const db_dialect *dl = db_dialect_of(s->db);
    if (dl->fk_off && exec(s, dl->fk_off) != DB_OK)
        return db_fail(ctx, s, "cannot switch foreign keys off to migrate");
    skinq_status r = migrate_locked(ctx, s);
    if (dl->fk_on && exec(s, dl->fk_on) != DB_OK && r == SKINQ_OK)
        r = db_fail(ctx, s, "cannot enable foreign keys");
    return r;
}

/* The store's name for messages: its path, or a PostgreSQL URL / conninfo without the password. */
static char *display_name(skinq_ctx *ctx, const char *path)
{
    char *n = skinq_malloc(ctx, strlen(path) + 1);
    if (n && db_is_pg(strcpy(n, path)))
        db_redact(n);
    return n;
}

static skinq_status store_open(skinq_ctx *ctx, const char *path, int readonly, skinq_store **out)
{
    skinq_store *s = skinq_calloc(ctx, 1, sizeof *s);
    if (!s)
        return SKINQ_E_NOMEM;
    s->path = display_name(ctx, path);
    if (!s->path) {
        skinq_free(ctx, s);
        return SKINQ_E_NOMEM;
    }
    skinq_status r = SKINQ_OK;
    int empty = 0, pg = db_is_pg(path);
    char *err = NULL;
    /* the drivers allocate through the C library (SQLite and libpq have their own allocators) */
    if (!pg && access(path, F_OK) == 0 && access(path, readonly ? R_OK : R_OK | W_OK) != 0) {
        r = skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': %s", path,
                       errno == EACCES && readonly         ? "permission denied (it cannot be read)"
                       : errno == EACCES || errno == EROFS ? "it is read-only (this command writes to it)"
                                                           : strerror(errno));
    } else if (db_open(path, readonly, &s->db, &err) != DB_OK) {
        if (err && pg)
            db_redact(err); /* libpq may quote the URL it could not parse */
        r = skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': %s", s->path,
                       err ? err : "out of memory");
    } else if (readonly) {
        r = identify(ctx, s, &empty);
        if (r == SKINQ_OK && empty)
            r = skinq_fail(ctx, SKINQ_E_STORE, "store '%s': is empty, not a skinq store", s->path);
    } else {
        r = identify(ctx, s, &empty); /* reads only: a refused store is left untouched */
        if (r != SKINQ_OK)
            ;
        else if (db_writable(s->db) != DB_OK)
            r = skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': not a database (%s)", s->path,
                           db_errmsg(s->db));
        else
            r = migrate(ctx, s); /* leaves foreign keys on */
    }
    free(err);
    if (r != SKINQ_OK) {
        db_close(s->db);
        skinq_free(ctx, s->path);
        skinq_free(ctx, s);
        return r;
    }
    s->alloc = ctx->alloc;
    *out = s;
    return SKINQ_OK;
}

skinq_status skinq_store_open(skinq_ctx *ctx, const char *path, skinq_store **out)
{
    return store_open(ctx, path, 0, out);
}

int skinq_store_is_server(const char *name)
{
    return db_is_pg(name);
}

const char *skinq_store_name(const skinq_store *s)
{
    return s->path;
}

skinq_status skinq_store_open_readonly(skinq_ctx *ctx, const char *path, skinq_store **out)
{
    return store_open(ctx, path, 1, out);
}

void skinq_store_close(skinq_store **ps)
{
    if (!ps || !*ps)
        return;
    skinq_store *s = *ps;
    skinq_allocator a = s->alloc;
    db_close(s->db);
    skinq_free_raw(&a, s->path);
    skinq_free_raw(&a, s);
    *ps = NULL;
}

/* A real calendar date in the form YYYY-MM-DD. */
static int valid_date(const char *d)
{
    int y, m, day;
    char tail;
    if (!d || strlen(d) != 10 || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3 || d[4] != '-' ||
        d[7] != '-')
        return 0;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && day >= 1 && day <= mdays[m - 1] + (m == 2 && leap);
}

int skinq_store_parse_when(const char *when, char date[11], char time[9])
{
    if (!when || strlen(when) < 10)
        return 0;
    memcpy(date, when, 10);
    date[10] = 0;
    time[0] = 0;
    if (!valid_date(date))
        return 0;
    const char *t = when + 10;
    if (!*t)
        return 1;
    int h, mi, sec = 0, n = 0;
    size_t len = strlen(t + 1);
    if ((*t != 'T' && *t != ' ') || (len != 5 && len != 8) || !isdigit((unsigned char)t[1]))
        return 0;
    if (len == 5 ? sscanf(t + 1, "%2d:%2d%n", &h, &mi, &n) != 2
                 : sscanf(t + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3)
        return 0;
    if ((size_t)n != len || h > 23 || mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
        return 0;
    const unsigned hh = (unsigned)h % 24u, mm = (unsigned)mi % 60u, ss = (unsigned)sec % 60u; /* checked */
    time[0] = (char)('0' + hh / 10), time[1] = (char)('0' + hh % 10), time[2] = ':';
    time[3] = (char)('0' + mm / 10), time[4] = (char)('0' + mm % 10), time[5] = ':';
    time[6] = (char)('0' + ss / 10), time[7] = (char)('0' + ss % 10), time[8] = 0;
    return 1;
}

static int valid_sha256(const char *h)
{
    if (!h || strlen(h) != 64)
        return 0;
    for (; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
            return 0;
    return 1;
}

/* Run a statement that yields one integer id (INSERT ... RETURNING / SELECT id). */
static int step_id(db_stmt *st, int64_t *id)
{
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_int64(st, 0);
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_finalize(st);
    return rc;
}

static int upsert_id(db *conn, const char *insert, const char *select, const char *a, int64_t b,
                     const char *c, int64_t *id)
{
    for (int pass = 0; pass < 2; pass++) {
        db_stmt *st;
        int rc = db_prepare(conn, pass == 0 ? select : insert, &st);
        if (rc != DB_OK)
            return rc;
        int k = 1;
        if (a)
            db_bind_text(st, k++, a);
        if (b >= 0)
            db_bind_int64(st, k++, b);
        if (c)
            db_bind_text(st, k++, c);
        rc = step_id(st, id);
        if (rc != DB_NOTFOUND)
            return rc;
    }
    return DB_NOTFOUND;
}

static skinq_status check_entry(skinq_ctx *ctx, const skinq_store_entry *e)
{
    if (!e->subject || !*e->subject || !e->site || !*e->site || !e->image_path)
        return skinq_fail(ctx, SKINQ_E_INVALID, "a stored entry needs a subject, a site and an image");
    char date[11], time[9];
    if (!skinq_store_parse_when(e->date, date, time))
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "date '%s' is not a calendar date of the form YYYY-MM-DD[THH:MM[:SS]]",
                          e->date ? e->date : "");
    if (!valid_sha256(e->sha256))
        return skinq_fail(ctx, SKINQ_E_INVALID, "'%s': invalid sha256", e->image_path);
    return SKINQ_OK;
}

/* The subject's site (both made if new), its scale recorded if it has none yet (*site_px_per_mm: the
 * site's scale after that, NaN when the entry gives none). */
static int site_of(skinq_store *s, const skinq_store_entry *e, int64_t *site_id, double *site_px_per_mm)
{
    *site_px_per_mm = NAN;
    int64_t subject_id = 0;
    int rc = upsert_id(s->db, "INSERT INTO subjects(name) VALUES(?1) RETURNING id",
                       "SELECT id FROM subjects WHERE name = ?1", e->subject, -1, NULL, &subject_id);
    if (rc == DB_OK)
        rc = upsert_id(s->db, "INSERT INTO sites(subject_id, name) VALUES(?1, ?2) RETURNING id",
                       "SELECT id FROM sites WHERE subject_id = ?1 AND name = ?2", NULL, subject_id, e->site,
                       site_id);
    if (rc == DB_OK && e->px_per_mm > 0) {
        db_stmt *st;
        rc = db_prepare(s->db,
                        "UPDATE sites SET px_per_mm = coalesce(px_per_mm, ?1) WHERE id = ?2 "
                        "RETURNING px_per_mm",
                        &st);
        if (rc == DB_OK) {
            db_bind_double(st, 1, e->px_per_mm);
            db_bind_int64(st, 2, *site_id);
            rc = db_step(st);
            rc = rc == DB_ROW ? DB_OK : rc;
            *site_px_per_mm = rc == DB_OK ? db_double(st, 0) : NAN;
            db_finalize(st);
        }
    }
    return rc;
}

/* The session of (site, date, time, label), made with the entry's procedure note if new. */
static int session_of(skinq_store *s, const skinq_store_entry *e, const char *label, int64_t site_id,
                      int64_t *session_id)
{
    char date[11], time[9];
    skinq_store_parse_when(e->date, date, time); /* checked by check_entry() */
    db_stmt *st;
    int rc = db_prepare(
        s->db, "SELECT id FROM sessions WHERE site_id = ?1 AND date = ?2 AND time = ?5 AND label = ?3", &st);
    for (int pass = 0; pass < 2 && rc == DB_OK; pass++) {
        db_bind_int64(st, 1, site_id);
        db_bind_text(st, 2, date);
        db_bind_text(st, 3, label);
        if (pass == 1 && e->procedure)
            db_bind_text(st, 4, e->procedure);
        db_bind_text(st, 5, time);
        rc = step_id(st, session_id);
        if (rc != DB_NOTFOUND || pass == 1)
            break;
        rc = db_prepare(s->db,
                        "INSERT INTO sessions(site_id, date, label, procedure, time) "
                        "VALUES(?1, ?2, ?3, ?4, ?5) RETURNING id",
                        &st);
    }
    return rc;
}

/* The image row; DB_UNIQUE when the photo is already stored in the session. */
static int insert_image(skinq_store *s, const skinq_store_entry *e, int64_t session_id, int64_t *img)
{
    db_stmt *st;
    int rc = db_prepare(s->db,
                        "INSERT INTO images(session_id, path, sha256, width, height, role, "
                        "aligned_to, calibration) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
                        "(SELECT id FROM images WHERE sha256 = ?7 ORDER BY id LIMIT 1), ?8) "
                        "RETURNING id",
                        &st);
    if (rc != DB_OK)
        return rc;
    if (e->aligned_to_sha256)
        db_bind_text(st, 7, e->aligned_to_sha256);
    if (e->calibration_json)
        db_bind_text(st, 8, e->calibration_json);
    db_bind_int64(st, 1, session_id);
    db_bind_text(st, 2, e->image_path);
    db_bind_text(st, 3, e->sha256);
    db_bind_int64(st, 4, e->width);
    db_bind_int64(st, 5, e->height);
    db_bind_text(st, 6, e->role ? e->role : "photo");
    return step_id(st, img);
}

static int set_reference(skinq_store *s, int64_t site_id, int64_t img)
{
    db_stmt *st;
    int rc = db_prepare(s->db, "UPDATE sites SET reference_image = ?1 WHERE id = ?2", &st);
    if (rc != DB_OK)
        return rc;
    db_bind_int64(st, 1, img);
    db_bind_int64(st, 2, site_id);
    rc = db_step(st);
    rc = rc == DB_DONE ? DB_OK : rc;
    db_finalize(st);
    return rc;
}

/* One measurement row per metric, with the skinq version and the analysis options. */
static int insert_measurements(skinq_store *s, const skinq_store_entry *e, int64_t img)
{
    db_stmt *st;
    int rc = db_prepare(s->db,
                        "INSERT INTO measurements(image_id, metric, value, unit, skinq_version, "
                        "options) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                        &st);
    long die = kill_at();
    for (size_t i = 0; rc == DB_OK && i < e->metrics->count; i++) {
        const skinq_metric *m = &e->metrics->items[i];
        if (die >= 0 && (long)i == die)
            raise(SIGKILL);
        db_bind_int64(st, 1, img);
        db_bind_text(st, 2, m->path);
        if (isfinite(m->value))
            db_bind_double(st, 3, m->value);
        else
            db_bind_null(st, 3);
        db_bind_text(st, 4, m->unit);
        db_bind_text(st, 5, skinq_version());
        if (e->options_json)
            db_bind_text(st, 6, e->options_json);
        else
            db_bind_null(st, 6);
        rc = db_step(st);
        rc = rc == DB_DONE ? DB_OK : rc;
        db_reset(st);
    }
    db_finalize(st);
    return rc;
}

skinq_status skinq_store_add(skinq_ctx *ctx, skinq_store *s, const skinq_store_entry *e, int64_t *image_id)
{
    skinq_status r = check_entry(ctx, e);
    if (r != SKINQ_OK)
        return r;
    const char *label = e->label ? e->label : "";
    /* inside skinq_store_begin()'s transaction an add is a savepoint: a failed one leaves the others */
    int outer = s->in_transaction;
    if (exec(s, outer ? "SAVEPOINT skinq_add" : db_dialect_of(s->db)->begin_write) != DB_OK)
        return db_fail(ctx, s, "cannot start a transaction");
    int64_t site_id = 0, session_id = 0, img = 0;
    double site_ppm;
    int rc = site_of(s, e, &site_id, &site_ppm);
    if (rc == DB_OK && fabs(e->px_per_mm / site_ppm - 1) > SKINQ_STORE_SCALE_TOLERANCE) {
        exec(s, outer ? "ROLLBACK TO skinq_add; RELEASE skinq_add" : "ROLLBACK");
        return skinq_fail(
            ctx, SKINQ_E_INVALID,
            "'%s': a scale of %.4g px/mm conflicts with %s/%s's %.4g px/mm (%.1f %% apart, more than "
            "%.0f %%); nothing stored",
            e->image_path, e->px_per_mm, e->subject, e->site, site_ppm,
            100 * fabs(e->px_per_mm / site_ppm - 1), 100 * SKINQ_STORE_SCALE_TOLERANCE);
    }
    if (rc == DB_OK)
        rc = session_of(s, e, label, site_id, &session_id);
    int duplicate = 0;
    if (rc == DB_OK) {
        rc = insert_image(s, e, session_id, &img);
        duplicate = rc == DB_UNIQUE;
    }
    if (rc == DB_OK && e->metrics && e->metrics->count)
        rc = insert_measurements(s, e, img);
    if (rc == DB_OK && e->reference)
        rc = set_reference(s, site_id, img);
    if (rc == DB_OK && exec(s, outer ? "RELEASE skinq_add" : "COMMIT") == DB_OK) {
        if (image_id)
            *image_id = img;
        return SKINQ_OK;
    }
    if (duplicate)
        r = skinq_fail(ctx, SKINQ_E_INVALID,
                       "'%s' (sha256 %.12s…) is already stored in session %s%s%s of %s/%s; not added again",
                       e->image_path, e->sha256, e->date, *label ? " " : "", label, e->subject, e->site);
    else
        r = db_fail(ctx, s, "cannot add the entry");
    exec(s, outer ? "ROLLBACK TO skinq_add; RELEASE skinq_add" : "ROLLBACK");
    return r;
}

/*
 * The course timeline of every session, one rule for every reader (show, export, trend, report):
 * a session's instant is its date and time (midnight when no time is given; sessions at the same
 * instant in the order they were added); a session with a procedure note starts a cycle, the
 * sessions before a site's first procedure are its baseline (cycle 0). `day` counts from the
 * site's first procedure (negative for the baseline; from its first session when no procedure is
 * recorded), `cycle_day` from the session's own cycle's procedure (the baseline's: as `day`).
 * %s is the dialect's instant (db_dialect.instant) of the time column: '' for a store older than
 * schema 3, read as it is.
 */
static const char timeline_cte[] =
    "WITH tl AS MATERIALIZED (SELECT id, site_id, %s AS t,"
    "   coalesce(procedure, '') <> '' AS proc FROM sessions),"
    " cyc AS MATERIALIZED (SELECT a.id, a.t,"
    "   (SELECT count(*) FROM tl p WHERE p.site_id = a.site_id AND p.proc"
    "      AND (p.t < a.t OR (p.t = a.t AND p.id <= a.id))) AS cycle,"
    "   (SELECT max(p.t) FROM tl p WHERE p.site_id = a.site_id AND p.proc"
    "      AND (p.t < a.t OR (p.t = a.t AND p.id <= a.id))) AS cycle_t,"
    "   coalesce((SELECT min(p.t) FROM tl p WHERE p.site_id = a.site_id AND p.proc),"
    "            (SELECT min(p.t) FROM tl p WHERE p.site_id = a.site_id)) AS t0 FROM tl a),"
    " timeline AS MATERIALIZED (SELECT id AS session_id, cycle, t - t0 AS day,"
    "   CASE WHEN cycle > 0 THEN t - cycle_t ELSE t - t0 END AS cycle_day FROM cyc) ";

/* For the other lib/track files (track_int.h): the struct stays private to this file. */
db *track_store_db(const skinq_store *s)
{
    return s->db;
}

const char *track_store_path(const skinq_store *s)
{
    return s->path;
}

int *track_store_transaction(skinq_store *s)
{
    return &s->in_transaction;
}

int track_store_version(const skinq_store *s)
{
    return s->version;
}

/* The timeline CTE for this store's schema, then body (printf format and arguments); -1 when it
 * does not fit. */
static int timeline_sql(const skinq_store *s, char *buf, size_t size, const char *body, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static int timeline_sql(const skinq_store *s, char *buf, size_t size, const char *body, ...)
{
    char instant[320];
    snprintf(instant, sizeof instant, db_dialect_of(s->db)->instant, s->version >= 3 ? "time" : "''");
    int k = snprintf(buf, size, timeline_cte, instant);
    if (k < 0 || (size_t)k >= size)
        return -1;
    va_list ap;
    va_start(ap, body);
    int m = vsnprintf(buf + k, size - (size_t)k, body, ap);
    va_end(ap);
    return m < 0 || (size_t)m >= size - (size_t)k ? -1 : 0;
}

int track_timeline_cte(const skinq_store *s, char *buf, size_t size)
{
    return timeline_sql(s, buf, size, "%s", "");
}

/* The time-of-day column of this store's sessions (schema 3), or '' for an older one. */
static const char *time_column(const skinq_store *s)
{
    return s->version >= 3 ? "se.time" : "''";
}

skinq_status skinq_store_query(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                               const char *metric, int (*fn)(void *user, const skinq_store_row *row),
                               void *user)
{
    static const char body[] =
        "SELECT su.name, si.name, se.date, se.label, im.path, im.sha256, m.metric, m.unit, m.skinq_version,"
        "  tl.day, m.value, si.px_per_mm, coalesce(se.procedure, ''), coalesce(m.options, ''),"
        "  se.id, %s, tl.cycle, tl.cycle_day "
        "FROM measurements m JOIN images im ON im.id = m.image_id JOIN sessions se ON se.id = im.session_id "
        "JOIN timeline tl ON tl.session_id = se.id "
        "JOIN sites si ON si.id = se.site_id JOIN subjects su ON su.id = si.subject_id "
        "WHERE (?1 IS NULL OR su.name = ?1) AND (?2 IS NULL OR si.name = ?2) AND (?3 IS NULL OR m.metric = "
        "?3) "
        "ORDER BY su.name, si.name, tl.day, se.id, im.id, m.metric";
    char sql[sizeof timeline_cte + sizeof body + 320];
    timeline_sql(s, sql, sizeof sql, body, time_column(s));
    db_stmt *st;
    if (db_prepare(s->db, sql, &st) != DB_OK)
        return db_fail(ctx, s, "cannot query");
    const char *args[3] = {subject, site, metric};
    for (int i = 0; i < 3; i++)
        if (args[i])
            db_bind_text(st, i + 1, args[i]);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        skinq_store_row row = {db_text0(st, 0),  db_text0(st, 1),          db_text0(st, 2),
                               db_text0(st, 3),  db_text0(st, 4),          db_text0(st, 5),
                               db_text0(st, 6),  db_text0(st, 7),          db_text0(st, 8),
                               db_double(st, 9), db_double_or_nan(st, 10), db_double_or_nan(st, 11),
                               db_text0(st, 12), db_text0(st, 13),         db_int64(st, 14),
                               db_text0(st, 15), (int)db_int64(st, 16),    db_double(st, 17)};
        if (fn(user, &row) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(st);
    return rc == DB_DONE ? SKINQ_OK : db_fail(ctx, s, "query failed");
}

skinq_status skinq_store_sites(skinq_ctx *ctx, skinq_store *s, const char *subject,
                               int (*fn)(void *user, const skinq_store_site_row *row), void *user)
{
    static const char sql[] =
        "SELECT su.name, si.name, min(se.date), max(se.date), count(DISTINCT se.id), count(im.id), "
        "si.px_per_mm "
        "FROM sites si JOIN subjects su ON su.id = si.subject_id LEFT JOIN sessions se ON se.site_id = si.id "
        "LEFT JOIN images im ON im.session_id = se.id WHERE (?1 IS NULL OR su.name = ?1) "
        "GROUP BY si.id, su.name ORDER BY su.name, si.name";
    db_stmt *st;
    if (db_prepare(s->db, sql, &st) != DB_OK)
        return db_fail(ctx, s, "cannot list sites");
    if (subject)
        db_bind_text(st, 1, subject);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        skinq_store_site_row row = {db_text0(st, 0),        db_text0(st, 1),      db_text0(st, 2),
                                    db_text0(st, 3),        (int)db_int64(st, 4), (int)db_int64(st, 5),
                                    db_double_or_nan(st, 6)};
        if (fn(user, &row) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(st);
    return rc == DB_DONE ? SKINQ_OK : db_fail(ctx, s, "listing failed");
}

void skinq_repeatability_free(skinq_repeatability **pr)
{
    if (!pr || !*pr)
        return;
    skinq_allocator a = (*pr)->alloc;
    skinq_free_raw(&a, (*pr)->items);
    skinq_free_raw(&a, *pr);
    *pr = NULL;
}

/* One metric's running sums while its rows stream by (ordered by metric, session). */
typedef struct pooled {
    skinq_repeatability_item it;
    int64_t session; /* the session whose values are in vals */
    double *vals;
    int nv, cap;
    double ss; /* Σ over finished sessions of Σ (x − session mean)² */
} pooled;

/* Close the current session: its squared deviations join the pool when it has 2 or more values. */
static void pool_session(pooled *p)
{
    if (p->nv >= 2) {
        double mean = 0;
        for (int i = 0; i < p->nv; i++)
            mean += p->vals[i];
        mean /= p->nv;
        for (int i = 0; i < p->nv; i++)
            p->ss += (p->vals[i] - mean) * (p->vals[i] - mean);
        p->it.sessions++;
        p->it.n += p->nv;
        p->it.df += p->nv - 1;
    }
    p->nv = 0;
}

/* Close the current metric: append it when some session had 2 values. */
static skinq_status pool_metric(skinq_ctx *ctx, pooled *p, skinq_repeatability *r, size_t *cap)
{
    pool_session(p);
    if (p->it.df > 0) {
        if (r->count == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            skinq_repeatability_item *v = skinq_realloc(ctx, r->items, *cap * sizeof *v, nc * sizeof *v);
            if (!v)
                return SKINQ_E_NOMEM;
            r->items = v;
            *cap = nc;
        }
        p->it.sd = sqrt(p->ss / p->it.df);
        p->it.mdc95 = skinq_mdc95(p->it.sd);
        r->items[r->count++] = p->it;
    }
    memset(&p->it, 0, sizeof p->it);
    p->ss = 0;
    return SKINQ_OK;
}

static skinq_status pool_value(skinq_ctx *ctx, pooled *p, int64_t session, double x)
{
    if (session != p->session)
        pool_session(p);
    p->session = session;
    if (p->nv == p->cap) {
        int nc = p->cap ? 2 * p->cap : 16;
        double *v = skinq_realloc(ctx, p->vals, (size_t)p->cap * sizeof *v, (size_t)nc * sizeof *v);
        if (!v)
            return SKINQ_E_NOMEM;
        p->vals = v;
        p->cap = nc;
    }
    p->vals[p->nv++] = x;
    return SKINQ_OK;
}

skinq_status skinq_store_repeatability(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                                       skinq_repeatability **out)
{
    if (!s || !subject || !site || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "store repeatability needs a store, a subject and a site");
    static const char sql[] =
        "SELECT m.metric, coalesce(m.unit, ''), im.session_id, m.value "
        "FROM measurements m JOIN images im ON im.id = m.image_id JOIN sessions se ON se.id = im.session_id "
        "JOIN sites si ON si.id = se.site_id JOIN subjects su ON su.id = si.subject_id "
        "WHERE su.name = ?1 AND si.name = ?2 AND m.value IS NOT NULL "
        "ORDER BY m.metric, im.session_id, im.id";
    db_stmt *st;
    if (db_prepare(s->db, sql, &st) != DB_OK)
        return db_fail(ctx, s, "cannot query");
    db_bind_text(st, 1, subject);
    db_bind_text(st, 2, site);
    skinq_repeatability *r = skinq_calloc(ctx, 1, sizeof *r);
    pooled p = {.session = -1};
    size_t cap = 0;
    skinq_status res = r ? SKINQ_OK : SKINQ_E_NOMEM;
    if (r)
        r->alloc = ctx->alloc;
    int rc = DB_DONE;
    while (res == SKINQ_OK && (rc = db_step(st)) == DB_ROW) {
        const char *metric = db_text0(st, 0);
        double x = db_double(st, 3);
        if (!skinq_metric_repeatable(metric) || !isfinite(x))
            continue;
        if (strcmp(metric, p.it.path) != 0) {
            res = pool_metric(ctx, &p, r, &cap);
            snprintf(p.it.path, sizeof p.it.path, "%s", metric);
            snprintf(p.it.unit, sizeof p.it.unit, "%s", db_text0(st, 1));
            p.session = -1;
        }
        if (res == SKINQ_OK)
            res = pool_value(ctx, &p, db_int64(st, 2), x);
    }
    if (res == SKINQ_OK && rc != DB_DONE)
        res = db_fail(ctx, s, "repeatability query failed");
    if (res == SKINQ_OK)
        res = pool_metric(ctx, &p, r, &cap);
    db_finalize(st);
    skinq_free(ctx, p.vals);
    if (res != SKINQ_OK) {
        skinq_repeatability_free(&r);
        return res;
    }
    *out = r;
    return SKINQ_OK;
}

skinq_status skinq_store_site_reference(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                                        skinq_site_reference *out)
{
    /* the chosen photo (track add --reference), else the first photo of the site's earliest session */
    static const char body[] =
        "SELECT si.px_per_mm, im.path, im.sha256, %s "
        "FROM sites si JOIN subjects su ON su.id = si.subject_id JOIN sessions se ON se.site_id = si.id "
        "JOIN images im ON im.session_id = se.id JOIN timeline tl ON tl.session_id = se.id "
        "WHERE su.name = ?1 AND si.name = ?2 "
        "ORDER BY 4 DESC, tl.day, se.id, im.id LIMIT 1";
    char sql[sizeof timeline_cte + sizeof body + 384];
    /* the chosen flag: schema 3 keeps the choice; an older store (read as it is) has none */
    timeline_sql(s, sql, sizeof sql, body,
                 s->version >= 3 ? "CASE WHEN im.id = si.reference_image THEN 1 ELSE 0 END" : "0");
    memset(out, 0, sizeof *out);
    out->px_per_mm = NAN;
    db_stmt *st;
    if (db_prepare(s->db, sql, &st) != DB_OK)
        return db_fail(ctx, s, "cannot find the site's reference photo");
    db_bind_text(st, 1, subject);
    db_bind_text(st, 2, site);
    int rc = db_step(st);
    skinq_status r = SKINQ_OK;
    if (rc == DB_ROW) {
        out->px_per_mm = db_double_or_nan(st, 0);
        const char *p = db_text0(st, 1);
        out->path = skinq_malloc(ctx, strlen(p) + 1);
        if (!out->path)
            r = SKINQ_E_NOMEM;
        else
            strcpy(out->path, p);
        snprintf(out->sha256, sizeof out->sha256, "%s", db_text0(st, 2));
        out->chosen = (int)db_int64(st, 3);
        out->found = r == SKINQ_OK;
    } else if (rc != DB_DONE) {
        r = db_fail(ctx, s, "cannot find the site's reference photo");
    }
    db_finalize(st);
    return r;
}

void skinq_site_reference_clear(skinq_ctx *ctx, skinq_site_reference *r)
{
    skinq_free(ctx, r->path);
    r->path = NULL;
    r->found = 0;
}
