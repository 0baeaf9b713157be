/* store.c -- the session store: subjects → sites → sessions → images → measurements in
 * SQLite. WAL journal, foreign keys on, a busy timeout so concurrent writers wait instead of
 * failing, and every add in one IMMEDIATE transaction: a killed process leaves either the
 * whole entry or none of it. Schema changes are numbered migrations (schema_version table). */
#include "core/core.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "track_int.h"

struct skinq_store {
    sqlite3 *db;
    char *path;
    int version;           /* the file's schema version (a read-only store is not migrated) */
    skinq_allocator alloc; /* the ctx's, so close needs no ctx */
};

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
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

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
    return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int exec(skinq_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

static int user_version(skinq_store *s, int *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT version FROM schema_version", -1, &st, NULL);
    if (rc != SQLITE_OK) { /* no table yet: a new store (or not ours: checked below) */
        *v = 0;
        return SQLITE_OK;
    }
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* What a file is, found by reading only (no PRAGMA that writes, no transaction that writes):
 * an empty database (a new store), a skinq store of schema version >= 1, or something that is
 * refused (not a database, another program's database, a newer store). Called before anything
 * else touches the file, so a refused file is left exactly as it was. */
static skinq_status identify(skinq_ctx *ctx, skinq_store *s, int *empty)
{
    sqlite3_stmt *st;
    int n = -1, rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (n < 0)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': %s (%s)", s->path,
                          (sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB ? "not an SQLite database"
                                                                           : "cannot be read",
                          sqlite3_errmsg(s->db));
    *empty = n == 0;
    if (*empty)
        return SKINQ_OK;
    int v = 0, has_table = 0;
    if (sqlite3_prepare_v2(
            s->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'", -1,
            &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            has_table = sqlite3_column_int(st, 0) == 1;
        sqlite3_finalize(st);
    }
    if (!has_table || user_version(s, &v) != SQLITE_OK || v < 1)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': is a database but not a skinq store", s->path);
    if (v > SCHEMA_VERSION)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': schema version %d is newer than this skinq's %d",
                          s->path, v, SCHEMA_VERSION);
    s->version = v;
    return SKINQ_OK;
}

/* PRAGMA foreign_key_check yields a row per broken reference: none is a sound store. */
static int foreign_keys_hold(skinq_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return 0;
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

static skinq_status migrate_locked(skinq_ctx *ctx, skinq_store *s)
{
    if (exec(s, "BEGIN IMMEDIATE") != SQLITE_OK)
        return db_fail(ctx, s, "cannot lock for schema check");
    int v = 0;
    if (user_version(s, &v) != SQLITE_OK) {
        exec(s, "ROLLBACK");
        return db_fail(ctx, s, "cannot read the schema version");
    }
    if (v == 0) {
        /* an empty database becomes a store; a database with other tables is not ours */
        sqlite3_stmt *st;
        int n = 0;
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        if (n > 0) {
            exec(s, "ROLLBACK");
            return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': is a database but not a skinq store", s->path);
        }
        if (exec(s, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
                    "INSERT INTO schema_version VALUES(0)") != SQLITE_OK) {
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
        if (exec(s, migrations[v]) != SQLITE_OK || exec(s, sql) != SQLITE_OK) {
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
    if (exec(s, "COMMIT") != SQLITE_OK) {
        skinq_status r = db_fail(ctx, s, "cannot commit the schema");
        exec(s, "ROLLBACK");
        return r;
    }
    s->version = SCHEMA_VERSION;
    return SKINQ_OK;
}

/* Bring the store to SCHEMA_VERSION in one transaction. Foreign keys are off meanwhile (SQLite
 * ignores the switch inside a transaction) so that a migration may rebuild a table the way
 * SQLite documents it (new table, copy, drop, rename) without cascading deletes; the keys are
 * checked before the commit. */
static skinq_status migrate(skinq_ctx *ctx, skinq_store *s)
{
    if (exec(s, "PRAGMA foreign_keys = OFF") != SQLITE_OK)
        return db_fail(ctx, s, "cannot switch foreign keys off to migrate");
    skinq_status r = migrate_locked(ctx, s);
    if (exec(s, "PRAGMA foreign_keys = ON") != SQLITE_OK && r == SKINQ_OK)
        r = db_fail(ctx, s, "cannot enable foreign keys");
    return r;
}

/* Switching a new file to WAL needs a moment alone with it, and SQLite does not always wait on
 * the busy handler for that: a second process opening the same new store at once would fail
 * with "database is locked". So the switch is retried for up to the busy timeout. */
static int wal_mode(skinq_store *s)
{
    int rc = SQLITE_BUSY;
    for (int tries = 0; tries < 3000; tries++) {
        rc = exec(s, "PRAGMA journal_mode = WAL");
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            break;
        sqlite3_sleep(10);
    }
    return rc;
}

/* path as an SQLite URI with a query ("mode=ro", "immutable=1"): every byte but the unreserved
 * ones and '/' percent-encoded, so '?', '#' and '%' in a file name stay part of it. */
static char *file_uri(skinq_ctx *ctx, const char *path, const char *query)
{
    size_t n = strlen(path);
    char *u = skinq_malloc(ctx, 5 + 3 * n + 1 + strlen(query) + 1);
    if (!u)
        return NULL;
    char *p = u + sprintf(u, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        p += isalnum(*c) || strchr("-._~/", *c) ? sprintf(p, "%c", *c) : sprintf(p, "%%%02X", *c);
    sprintf(p, "?%s", query);
    return u;
}

/* Open read-only and check what the file is. mode=ro first; a WAL store in a read-only directory
 * or on a read-only medium cannot create its -shm file even to be read, so then immutable=1
 * (SQLite takes no locks: right for an archived trial or a colleague's copy, which nobody writes
 * meanwhile). A file without any write permission bit is such an archive from the start: opened
 * immutable at once, so not even root leaves a -wal or -shm beside it. */
static skinq_status open_readonly(skinq_ctx *ctx, skinq_store *s, int *empty)
{
    static const char *const queries[] = {"mode=ro", "immutable=1"};
    skinq_status r = SKINQ_E_STORE;
    struct stat sb;
    int first = stat(s->path, &sb) == 0 && (sb.st_mode & 0222) == 0 ? 1 : 0;
    for (int q = first; q < 2; q++) {
        char *uri = file_uri(ctx, s->path, queries[q]);
        if (!uri)
            return SKINQ_E_NOMEM;
        int rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX,
                                 NULL);
        skinq_free(ctx, uri);
        if (rc != SQLITE_OK)
            return skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': %s", s->path,
                              s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_busy_timeout(s->db, 30000);
        sqlite3_extended_result_codes(s->db, 1);
        r = identify(ctx, s, empty);
        int code = sqlite3_errcode(s->db) & 0xff;
        if (r == SKINQ_OK || q == 1 || (code != SQLITE_READONLY && code != SQLITE_CANTOPEN))
            break;
        sqlite3_close(s->db); /* mode=ro could not read it: try immutable */
        s->db = NULL;
    }
    return r;
}

static skinq_status store_open(skinq_ctx *ctx, const char *path, int readonly, skinq_store **out)
{
    skinq_store *s = skinq_calloc(ctx, 1, sizeof *s);
    if (!s)
        return SKINQ_E_NOMEM;
    s->path = skinq_malloc(ctx, strlen(path) + 1);
    if (!s->path) {
        skinq_free(ctx, s);
        return SKINQ_E_NOMEM;
    }
    strcpy(s->path, path);
    skinq_status r = SKINQ_OK;
    int empty = 0;
    /* SQLite allocates through its own (process-wide) allocator */
    if (access(path, F_OK) == 0 && access(path, readonly ? R_OK : R_OK | W_OK) != 0) {
        r = skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': %s", path,
                       errno == EACCES && readonly         ? "permission denied (it cannot be read)"
                       : errno == EACCES || errno == EROFS ? "it is read-only (this command writes to it)"
                                                           : strerror(errno));
    } else if (readonly) {
        r = open_readonly(ctx, s, &empty);
        if (r == SKINQ_OK && empty)
            r = skinq_fail(ctx, SKINQ_E_STORE, "store '%s': is empty, not a skinq store", path);
    } else if (sqlite3_open_v2(path, &s->db,
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                               NULL) != SQLITE_OK) {
        r = skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': %s", path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
    } else {
        sqlite3_busy_timeout(s->db, 30000); /* concurrent `track add`s wait for each other */
        sqlite3_extended_result_codes(s->db, 1);
        r = identify(ctx, s, &empty); /* reads only: a refused file is left untouched */
        if (r != SKINQ_OK)
            ;
        else if (wal_mode(s) != SQLITE_OK)
            r = skinq_fail(ctx, SKINQ_E_STORE, "cannot open store '%s': not a database (%s)", path,
                           sqlite3_errmsg(s->db));
        else if (exec(s, "PRAGMA synchronous = NORMAL") != SQLITE_OK)
            r = db_fail(ctx, s, "cannot set synchronous mode");
        else
            r = migrate(ctx, s); /* leaves foreign keys on */
    }
    if (r != SKINQ_OK) {
        sqlite3_close(s->db);
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
    sqlite3_close(s->db);
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
static int step_id(sqlite3_stmt *st, int64_t *id)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_NOTFOUND;
    }
    sqlite3_finalize(st);
    return rc;
}

static int upsert_id(sqlite3 *db, const char *insert, const char *select, const char *a, int64_t b,
                     const char *c, int64_t *id)
{
    for (int pass = 0; pass < 2; pass++) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, pass == 0 ? select : insert, -1, &st, NULL);
        if (rc != SQLITE_OK)
            return rc;
        int k = 1;
        if (a)
            sqlite3_bind_text(st, k++, a, -1, SQLITE_TRANSIENT);
        if (b >= 0)
            sqlite3_bind_int64(st, k++, b);
        if (c)
            sqlite3_bind_text(st, k++, c, -1, SQLITE_TRANSIENT);
        rc = step_id(st, id);
        if (rc != SQLITE_NOTFOUND)
            return rc;
    }
    return SQLITE_NOTFOUND;
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
    if (rc == SQLITE_OK)
        rc = upsert_id(s->db, "INSERT INTO sites(subject_id, name) VALUES(?1, ?2) RETURNING id",
                       "SELECT id FROM sites WHERE subject_id = ?1 AND name = ?2", NULL, subject_id, e->site,
                       site_id);
    if (rc == SQLITE_OK && e->px_per_mm > 0) {
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(s->db,
                                "UPDATE sites SET px_per_mm = coalesce(px_per_mm, ?1) WHERE id = ?2 "
                                "RETURNING px_per_mm",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_double(st, 1, e->px_per_mm);
            sqlite3_bind_int64(st, 2, *site_id);
            rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(s->db);
            *site_px_per_mm = rc == SQLITE_OK ? sqlite3_column_double(st, 0) : NAN;
            sqlite3_finalize(st);
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
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT id FROM sessions WHERE site_id = ?1 AND date = ?2 AND time = ?5 AND label = ?3", -1,
        &st, NULL);
    for (int pass = 0; pass < 2 && rc == SQLITE_OK; pass++) {
        sqlite3_bind_int64(st, 1, site_id);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, label, -1, SQLITE_TRANSIENT);
        if (pass == 1 && e->procedure)
            sqlite3_bind_text(st, 4, e->procedure, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, time, -1, SQLITE_TRANSIENT);
        rc = step_id(st, session_id);
        if (rc != SQLITE_NOTFOUND || pass == 1)
            break;
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO sessions(site_id, date, label, procedure, time) "
                                "VALUES(?1, ?2, ?3, ?4, ?5) RETURNING id",
                                -1, &st, NULL);
    }
    return rc;
}

/* The image row; SQLITE_CONSTRAINT_UNIQUE when the photo is already stored in the session. */
static int insert_image(skinq_store *s, const skinq_store_entry *e, int64_t session_id, int64_t *img)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO images(session_id, path, sha256, width, height, role, "
                                "aligned_to, calibration) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
                                "(SELECT id FROM images WHERE sha256 = ?7 ORDER BY id LIMIT 1), ?8) "
                                "RETURNING id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    if (e->aligned_to_sha256)
        sqlite3_bind_text(st, 7, e->aligned_to_sha256, -1, SQLITE_TRANSIENT);
    if (e->calibration_json)
        sqlite3_bind_text(st, 8, e->calibration_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 1, session_id);
    sqlite3_bind_text(st, 2, e->image_path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, e->sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, e->width);
    sqlite3_bind_int(st, 5, e->height);
    sqlite3_bind_text(st, 6, e->role ? e->role : "photo", -1, SQLITE_TRANSIENT);
    return step_id(st, img);
}

static int set_reference(skinq_store *s, int64_t site_id, int64_t img)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "UPDATE sites SET reference_image = ?1 WHERE id = ?2", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(st, 1, img);
    sqlite3_bind_int64(st, 2, site_id);
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
    sqlite3_finalize(st);
    return rc;
}

/* One measurement row per metric, with the skinq version and the analysis options. */
static int insert_measurements(skinq_store *s, const skinq_store_entry *e, int64_t img)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO measurements(image_id, metric, value, unit, skinq_version, "
                                "options) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                -1, &st, NULL);
    long die = kill_at();
    for (size_t i = 0; rc == SQLITE_OK && i < e->metrics->count; i++) {
        const skinq_metric *m = &e->metrics->items[i];
        if (die >= 0 && (long)i == die)
            raise(SIGKILL);
        sqlite3_bind_int64(st, 1, img);
        sqlite3_bind_text(st, 2, m->path, -1, SQLITE_STATIC);
        if (isfinite(m->value))
            sqlite3_bind_double(st, 3, m->value);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, m->unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, skinq_version(), -1, SQLITE_STATIC);
        if (e->options_json)
            sqlite3_bind_text(st, 6, e->options_json, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(s->db);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sqlite3_finalize(st);
    return rc;
}

skinq_status skinq_store_add(skinq_ctx *ctx, skinq_store *s, const skinq_store_entry *e, int64_t *image_id)
{
    skinq_status r = check_entry(ctx, e);
    if (r != SKINQ_OK)
        return r;
    const char *label = e->label ? e->label : "";
    /* inside skinq_store_begin()'s transaction an add is a savepoint: a failed one leaves the others */
    int outer = !sqlite3_get_autocommit(s->db);
    if (exec(s, outer ? "SAVEPOINT skinq_add" : "BEGIN IMMEDIATE") != SQLITE_OK)
        return db_fail(ctx, s, "cannot start a transaction");
    int64_t site_id = 0, session_id = 0, img = 0;
    double site_ppm;
    int rc = site_of(s, e, &site_id, &site_ppm);
    if (rc == SQLITE_OK && fabs(e->px_per_mm / site_ppm - 1) > SKINQ_STORE_SCALE_TOLERANCE) {
        exec(s, outer ? "ROLLBACK TO skinq_add; RELEASE skinq_add" : "ROLLBACK");
        return skinq_fail(
            ctx, SKINQ_E_INVALID,
            "'%s': a scale of %.4g px/mm conflicts with %s/%s's %.4g px/mm (%.1f %% apart, more than "
            "%.0f %%); nothing stored",
            e->image_path, e->px_per_mm, e->subject, e->site, site_ppm,
            100 * fabs(e->px_per_mm / site_ppm - 1), 100 * SKINQ_STORE_SCALE_TOLERANCE);
    }
    if (rc == SQLITE_OK)
        rc = session_of(s, e, label, site_id, &session_id);
    int duplicate = 0;
    if (rc == SQLITE_OK) {
        rc = insert_image(s, e, session_id, &img);
        duplicate = rc == SQLITE_CONSTRAINT_UNIQUE;
    }
    if (rc == SQLITE_OK && e->metrics && e->metrics->count)
        rc = insert_measurements(s, e, img);
    if (rc == SQLITE_OK && e->reference)
        rc = set_reference(s, site_id, img);
    if (rc == SQLITE_OK && exec(s, outer ? "RELEASE skinq_add" : "COMMIT") == SQLITE_OK) {
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

static const char *text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static double real_or_nan(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

/*
 * The course timeline of every session, one rule for every reader (show, export, trend, report):
 * a session's instant is its date and time (midnight when no time is given; sessions at the same
 * instant in the order they were added); a session with a procedure note starts a cycle, the
 * sessions before a site's first procedure are its baseline (cycle 0). `day` counts from the
 * site's first procedure (negative for the baseline; from its first session when no procedure is
 * recorded), `cycle_day` from the session's own cycle's procedure (the baseline's: as `day`).
 * %s is the time column: '' for a store older than schema 3, read as it is.
 */
static const char timeline_cte[] =
    "WITH tl AS MATERIALIZED (SELECT id, site_id,"
    "   julianday(date) + coalesce(julianday('2000-01-01 ' || nullif(%s, '')) - julianday('2000-01-01'), 0) "
    "AS t,"
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
sqlite3 *track_store_db(const skinq_store *s)
{
    return s->db;
}

const char *track_store_path(const skinq_store *s)
{
    return s->path;
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
    int k = snprintf(buf, size, timeline_cte, s->version >= 3 ? "time" : "''");
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
    char sql[sizeof timeline_cte + sizeof body + 16];
    timeline_sql(s, sql, sizeof sql, body, time_column(s));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(ctx, s, "cannot query");
    const char *args[3] = {subject, site, metric};
    for (int i = 0; i < 3; i++)
        if (args[i])
            sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        skinq_store_row row = {text(st, 0),
                               text(st, 1),
                               text(st, 2),
                               text(st, 3),
                               text(st, 4),
                               text(st, 5),
                               text(st, 6),
                               text(st, 7),
                               text(st, 8),
                               sqlite3_column_double(st, 9),
                               real_or_nan(st, 10),
                               real_or_nan(st, 11),
                               text(st, 12),
                               text(st, 13),
                               sqlite3_column_int64(st, 14),
                               text(st, 15),
                               sqlite3_column_int(st, 16),
                               sqlite3_column_double(st, 17)};
        if (fn(user, &row) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SKINQ_OK : db_fail(ctx, s, "query failed");
}

skinq_status skinq_store_sites(skinq_ctx *ctx, skinq_store *s, const char *subject,
                               int (*fn)(void *user, const skinq_store_site_row *row), void *user)
{
    static const char sql[] =
        "SELECT su.name, si.name, min(se.date), max(se.date), count(DISTINCT se.id), count(im.id), "
        "si.px_per_mm "
        "FROM sites si JOIN subjects su ON su.id = si.subject_id LEFT JOIN sessions se ON se.site_id = si.id "
        "LEFT JOIN images im ON im.session_id = se.id WHERE (?1 IS NULL OR su.name = ?1) "
        "GROUP BY si.id ORDER BY su.name, si.name";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(ctx, s, "cannot list sites");
    if (subject)
        sqlite3_bind_text(st, 1, subject, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        skinq_store_site_row row = {text(st, 0),
                                    text(st, 1),
                                    text(st, 2),
                                    text(st, 3),
                                    sqlite3_column_int(st, 4),
                                    sqlite3_column_int(st, 5),
                                    real_or_nan(st, 6)};
        if (fn(user, &row) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SKINQ_OK : db_fail(ctx, s, "listing failed");
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
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(ctx, s, "cannot query");
    sqlite3_bind_text(st, 1, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, site, -1, SQLITE_TRANSIENT);
    skinq_repeatability *r = skinq_calloc(ctx, 1, sizeof *r);
    pooled p = {.session = -1};
    size_t cap = 0;
    skinq_status res = r ? SKINQ_OK : SKINQ_E_NOMEM;
    if (r)
        r->alloc = ctx->alloc;
    int rc = SQLITE_DONE;
    while (res == SKINQ_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *metric = text(st, 0);
        double x = sqlite3_column_double(st, 3);
        if (!skinq_metric_repeatable(metric) || !isfinite(x))
            continue;
        if (strcmp(metric, p.it.path) != 0) {
            res = pool_metric(ctx, &p, r, &cap);
            snprintf(p.it.path, sizeof p.it.path, "%s", metric);
            snprintf(p.it.unit, sizeof p.it.unit, "%s", text(st, 1));
            p.session = -1;
        }
        if (res == SKINQ_OK)
            res = pool_value(ctx, &p, sqlite3_column_int64(st, 2), x);
    }
    if (res == SKINQ_OK && rc != SQLITE_DONE)
        res = db_fail(ctx, s, "repeatability query failed");
    if (res == SKINQ_OK)
        res = pool_metric(ctx, &p, r, &cap);
    sqlite3_finalize(st);
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
    char sql[sizeof timeline_cte + sizeof body + 64];
    /* the chosen flag: schema 3 keeps the choice; an older store (read as it is) has none */
    timeline_sql(s, sql, sizeof sql, body, s->version >= 3 ? "coalesce(im.id = si.reference_image, 0)" : "0");
    memset(out, 0, sizeof *out);
    out->px_per_mm = NAN;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(ctx, s, "cannot find the site's reference photo");
    sqlite3_bind_text(st, 1, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, site, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    skinq_status r = SKINQ_OK;
    if (rc == SQLITE_ROW) {
        out->px_per_mm = real_or_nan(st, 0);
        const char *p = text(st, 1);
        out->path = skinq_malloc(ctx, strlen(p) + 1);
        if (!out->path)
            r = SKINQ_E_NOMEM;
        else
            strcpy(out->path, p);
        snprintf(out->sha256, sizeof out->sha256, "%s", text(st, 2));
        out->chosen = sqlite3_column_int(st, 3);
        out->found = r == SKINQ_OK;
    } else if (rc != SQLITE_DONE) {
        r = db_fail(ctx, s, "cannot find the site's reference photo");
    }
    sqlite3_finalize(st);
    return r;
}

void skinq_site_reference_clear(skinq_ctx *ctx, skinq_site_reference *r)
{
    skinq_free(ctx, r->path);
    r->path = NULL;
    r->found = 0;
}
