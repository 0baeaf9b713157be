/* test_store.c -- the session store: round trip, day numbering, duplicate refusal, validation,
 * foreign files, concurrent writers in four processes, and a writer killed mid-way that must
 * leave only whole entries behind; corrections (remove, edit) and their audit.
 * With SKINQ_TEST_PG set (a PostgreSQL URL with %s for the database name; tests/cli/t087 runs it
 * on a throwaway cluster) the tests that are not about SQLite files run against PostgreSQL, each
 * store a fresh database. */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#ifdef SKINQ_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

static char *P(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    return tu_path(buf[i], sizeof buf[i], name);
}

/* $SKINQ_TEST_PG: run on PostgreSQL (a URL with %s for the database) */
static const char *pg_url(void)
{
    const char *u = getenv("SKINQ_TEST_PG");
    return u && *u ? u : NULL;
}

#ifdef SKINQ_HAVE_LIBPQ
/* One query's first value as an integer, -1 on failure. */
static int pg_count(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    int n = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            n = atoi(PQgetvalue(r, 0, 0));
        else if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    }
    PQfinish(c);
    return n;
}
#endif

/* The store called name: a file in the test directory, or on PostgreSQL a database made fresh on
 * first use ("rt.db" → rt_db). */
static char *S(const char *name)
{
    if (!pg_url())
        return P(name);
    static char buf[4][512], made[32][64];
    static int i, nmade;
    char db[64];
    snprintf(db, sizeof db, "%s", name);
    for (char *c = db; *c; c++)
        *c = *c == '.' ? '_' : *c;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], pg_url(), db);
    int known = 0;
    for (int k = 0; k < nmade; k++)
        known |= strcmp(made[k], db) == 0;
#ifdef SKINQ_HAVE_LIBPQ
    if (!known && nmade < 32) {
        char admin[512], sql[128];
        snprintf(admin, sizeof admin, pg_url(), "postgres");
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
        pg_count(admin, sql);
        snprintf(made[nmade++], sizeof made[0], "%s", db);
    }
#else
    (void)known;
    fail_msg("SKINQ_TEST_PG is set but this skinq was built without libpq");
#endif
    return buf[i];
}

static void fake_sha(char hex[65], unsigned n)
{
    char data[32];
    snprintf(data, sizeof data, "image-%u", n);
    skinq_sha256_hex(data, strlen(data), hex);
}

static skinq_store_entry entry(const char *subject, const char *site, const char *date, const char *sha,
                               const skinq_metrics *m)
{
    skinq_store_entry e = {0};
    e.subject = subject;
    e.site = site;
    e.date = date;
    e.image_path = "photo.jpg";
    e.sha256 = sha;
    e.width = 2000;
    e.height = 1500;
    e.metrics = m;
    e.options_json = "{\"roi\":\"auto-skin\"}";
    return e;
}

struct collect {
    int n, cycle[64];
    double day[64], value[64];
    char date[64][11], unit[16];
};

static int collect_row(void *user, const skinq_store_row *r)
{
    struct collect *c = user;
    if (c->n < 64) {
        c->day[c->n] = r->day;
        c->cycle[c->n] = r->cycle;
        c->value[c->n] = r->value;
        snprintf(c->date[c->n], 11, "%s", r->date);
        snprintf(c->unit, sizeof c->unit, "%s", r->unit);
    }
    c->n++;
    return 0;
}

static void test_round_trip(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    assert_int_equal(skinq_store_open(ctx, S("rt.db"), &s), SKINQ_OK);
    const char *dates[] = {"2026-03-01", "2026-03-04", "2026-03-15", "2026-04-12"};
    for (int i = 0; i < 4; i++) {
        skinq_metrics m = {0};
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", 20 - i, "a*"), SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, "texture.glcm.contrast", i == 2 ? NAN : 1.5, "1"),
                         SKINQ_OK);
        char sha[65];
        fake_sha(sha, (unsigned)i);
        skinq_store_entry e = entry("S01", "left-cheek", dates[i], sha, &m);
        e.px_per_mm = i == 0 ? 20 : 0;
        int64_t id = -1;
        assert_int_equal(skinq_store_add(ctx, s, &e, &id), SKINQ_OK);
        assert_true(id > 0);
        skinq_metrics_free(&m);
    }
    skinq_store_close(&s);
    assert_null(s);
    /* reopen: the data is there, days count from the site's first session */
    assert_int_equal(skinq_store_open(ctx, S("rt.db"), &s), SKINQ_OK);
    struct collect c = {0};
    assert_int_equal(skinq_store_query(ctx, s, "S01", "left-cheek", "color.a.mean", collect_row, &c),
                     SKINQ_OK);
    assert_int_equal(c.n, 4);
    const double want_day[] = {0, 3, 14, 42};
    for (int i = 0; i < 4; i++) {
        assert_near(c.day[i], want_day[i], 1e-9);
        assert_near(c.value[i], 20 - i, 0);
        assert_string_equal(c.date[i], dates[i]);
    }
    assert_string_equal(c.unit, "a*");
    struct collect g = {0};
    assert_int_equal(skinq_store_query(ctx, s, NULL, NULL, "texture.glcm.contrast", collect_row, &g),
                     SKINQ_OK);
    assert_int_equal(g.n, 4);
    assert_true(isnan(g.value[2])); /* stored as null, read back as NaN */
    struct collect none = {0};
    assert_int_equal(skinq_store_query(ctx, s, "S02", NULL, NULL, collect_row, &none), SKINQ_OK);
    assert_int_equal(none.n, 0);
    skinq_store_close(&s);
    skinq_ctx_close(&ctx);
}

static int site_row(void *user, const skinq_store_site_row *r)
{
    skinq_store_site_row *out = user;
    *out = *r;
    out->subject = out->site = out->first_date = out->last_date = NULL; /* not kept past the call */
    assert_string_equal(r->first_date, "2026-03-01");
    assert_string_equal(r->last_date, "2026-04-12");
    return 0;
}

static void test_sites_and_duplicates(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    assert_int_equal(skinq_store_open(ctx, S("dup.db"), &s), SKINQ_OK);
    char sha[65];
    fake_sha(sha, 7);
    skinq_metrics m = {0};
    skinq_metrics_add(ctx, &m, "color.a.mean", 12, "a*");
    skinq_store_entry e = entry("S01", "forehead", "2026-03-01", sha, &m);
    e.px_per_mm = 18.5;
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
    /* the same image again in the same session: refused, named, nothing added */
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_E_INVALID);
    assert_non_null(strstr(skinq_ctx_error(ctx), "already stored"));
    assert_non_null(strstr(skinq_ctx_error(ctx), "photo.jpg"));
    /* the same image in another session is a new observation */
    e.date = "2026-04-12";
    e.px_per_mm = 99; /* the site keeps its first scale: another one is refused, nothing added */
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_E_INVALID);
    assert_non_null(strstr(skinq_ctx_error(ctx), "conflicts with S01/forehead's 18.5 px/mm"));
    e.px_per_mm = 18.5 * 1.019; /* within 2 %: the same scale */
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
    struct collect c = {0};
    skinq_store_query(ctx, s, NULL, NULL, NULL, collect_row, &c);
    assert_int_equal(c.n, 2);
    skinq_store_site_row r;
    memset(&r, 0, sizeof r);
    assert_int_equal(skinq_store_sites(ctx, s, "S01", site_row, &r), SKINQ_OK);
    assert_int_equal(r.sessions, 2);
    assert_int_equal(r.images, 2);
    assert_near(r.px_per_mm, 18.5, 0);
    /* validation */
    const char *bad_dates[] = {"2026-02-30", "2026-1-05", "26-01-05", "2026-13-01", "yesterday", "", NULL};
    for (int i = 0; i < 7; i++) {
        e.date = bad_dates[i];
        assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_E_INVALID);
    }
    e.date = "2024-02-29"; /* leap day is fine */
    fake_sha(sha, 8);
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
    e.sha256 = "not-a-hash";
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_E_INVALID);
    e.sha256 = sha;
    e.subject = "";
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_E_INVALID);
    skinq_metrics_free(&m);
    skinq_store_close(&s);
    skinq_ctx_close(&ctx);
}

static void test_foreign_files(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    /* random bytes */
    uint8_t junk[4096];
    uint64_t r = tu_seed();
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)tu_rand(&r);
    assert_int_equal(tu_write_bytes(P("junk.db"), junk, sizeof junk), 0);
    assert_int_equal(skinq_store_open(ctx, P("junk.db"), &s), SKINQ_E_STORE);
    assert_null(s);
    assert_non_null(strstr(skinq_ctx_error(ctx), "junk.db"));
    /* someone else's database */
    sqlite3 *db;
    sqlite3_open(P("other.db"), &db);
    sqlite3_exec(db, "CREATE TABLE recipes(name TEXT)", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(skinq_store_open(ctx, P("other.db"), &s), SKINQ_E_STORE);
    assert_non_null(strstr(skinq_ctx_error(ctx), "not a skinq store"));
    /* a store from a newer skinq */
    assert_int_equal(skinq_store_open(ctx, P("newer.db"), &s), SKINQ_OK);
    skinq_store_close(&s);
    sqlite3_open(P("newer.db"), &db);
    sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(skinq_store_open(ctx, P("newer.db"), &s), SKINQ_E_STORE);
    assert_non_null(strstr(skinq_ctx_error(ctx), "newer"));
    /* a directory that does not exist */
    assert_int_equal(skinq_store_open(ctx, P("missing-dir/x.db"), &s), SKINQ_E_STORE);
    skinq_ctx_close(&ctx);
}

/* The whole file's sha256, or "" when it cannot be read. */
static void file_sha(const char *path, char hex[65])
{
    hex[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) == (size_t)n)
        skinq_sha256_hex(b, (size_t)n, hex);
    free(b);
    fclose(f);
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* A refused file is left byte-identical and gets no -wal/-shm (regression: the store used to
 * switch a foreign database, or a newer store, to WAL before refusing it), whether opened for
 * writing or reading; a read-only open creates nothing and never migrates. */
static void check_untouched(skinq_ctx *ctx, const char *path, const char *why)
{
    char before[65], after[65], aux[600];
    skinq_store *s = NULL;
    file_sha(path, before);
    assert_int_equal(skinq_store_open(ctx, path, &s), SKINQ_E_STORE);
    assert_null(s);
    assert_non_null(strstr(skinq_ctx_error(ctx), path));
    assert_non_null(strstr(skinq_ctx_error(ctx), why));
    assert_int_equal(skinq_store_open_readonly(ctx, path, &s), SKINQ_E_STORE);
    assert_null(s);
    assert_non_null(strstr(skinq_ctx_error(ctx), path));
    assert_non_null(strstr(skinq_ctx_error(ctx), why));
    file_sha(path, after);
    assert_string_equal(before, after);
    snprintf(aux, sizeof aux, "%s-wal", path);
    assert_false(exists(aux));
    snprintf(aux, sizeof aux, "%s-shm", path);
    assert_false(exists(aux));
}

static void test_refused_files_untouched(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    sqlite3 *db;
    /* someone else's database, in the default rollback journal */
    remove(P("foreign.db"));
    sqlite3_open(P("foreign.db"), &db);
    sqlite3_exec(db, "CREATE TABLE recipes(name TEXT); INSERT INTO recipes VALUES('soup')", NULL, NULL, NULL);
    sqlite3_close(db);
    check_untouched(ctx, P("foreign.db"), "not a skinq store");
    /* a table named schema_version is not enough when it holds no version */
    remove(P("foreign2.db"));
    sqlite3_open(P("foreign2.db"), &db);
    sqlite3_exec(db, "CREATE TABLE schema_version(x TEXT)", NULL, NULL, NULL);
    sqlite3_close(db);
    check_untouched(ctx, P("foreign2.db"), "not a skinq store");
    /* a store from a newer skinq, back in rollback mode (as another tool might leave it) */
    remove(P("newer2.db"));
    assert_int_equal(skinq_store_open(ctx, P("newer2.db"), &s), SKINQ_OK);
    skinq_store_close(&s);
    sqlite3_open(P("newer2.db"), &db);
    sqlite3_exec(db, "UPDATE schema_version SET version = 99; PRAGMA journal_mode = DELETE", NULL, NULL,
                 NULL);
    sqlite3_close(db);
    check_untouched(ctx, P("newer2.db"), "newer");
    /* read-only: a missing store is an error naming it, and is not created */
    remove(P("absent.db"));
    assert_int_equal(skinq_store_open_readonly(ctx, P("absent.db"), &s), SKINQ_E_STORE);
    assert_non_null(strstr(skinq_ctx_error(ctx), P("absent.db")));
    assert_false(exists(P("absent.db")));
    /* read-only on an empty file: refused, not made into a store */
    assert_int_equal(tu_write_bytes(P("empty.db"), "", 0), 0);
    assert_int_equal(skinq_store_open_readonly(ctx, P("empty.db"), &s), SKINQ_E_STORE);
    assert_non_null(strstr(skinq_ctx_error(ctx), "not a skinq store"));
    /* read-only on an older store: readable, not migrated, and adding is refused */
    remove(P("old.db"));
    assert_int_equal(skinq_store_open(ctx, P("old.db"), &s), SKINQ_OK);
    skinq_store_close(&s);
    sqlite3_open(P("old.db"), &db);
    sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    sqlite3_close(db);
    char before[65], after[65];
    file_sha(P("old.db"), before);
    assert_int_equal(skinq_store_open_readonly(ctx, P("old.db"), &s), SKINQ_OK);
    char sha[65];
    fake_sha(sha, 1);
    skinq_store_entry e = entry("s", "site", "2026-01-01", sha, NULL);
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_E_STORE);
    skinq_store_close(&s);
    file_sha(P("old.db"), after);
    assert_string_equal(before, after);
    skinq_ctx_close(&ctx);
}

/* Add `count` entries with `nmetrics` metrics each, as writer `w`. Used in child processes. */
static int writer(const char *path, int w, int count, int nmetrics)
{
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK)
        return 1;
    skinq_store *s = NULL;
    if (skinq_store_open(ctx, path, &s) != SKINQ_OK) {
        fprintf(stderr, "writer %d: %s\n", w, skinq_ctx_error(ctx));
        return 1;
    }
    int rc = 0;
    skinq_metrics m = {0};
    for (int k = 0; k < nmetrics; k++)
        skinq_metrics_addf(ctx, &m, k, "1", "metric.%03d", k);
    for (int i = 0; i < count && rc == 0; i++) {
        char sha[65], date[32];
        fake_sha(sha, (unsigned)(w * 100000 + i));
        snprintf(date, sizeof date, "2026-%02d-%02d", 1 + i / 28 % 12, 1 + i % 28);
        skinq_store_entry e = entry(w ? "W1" : "W0", "site", date, sha, &m);
        if (skinq_store_add(ctx, s, &e, NULL) != SKINQ_OK) {
            fprintf(stderr, "writer %d: %s\n", w, skinq_ctx_error(ctx));
            rc = 1;
        }
    }
    skinq_metrics_free(&m);
    skinq_store_close(&s);
    skinq_ctx_close(&ctx);
    return rc;
}

static int count_rows(const char *path, const char *sql)
{
#ifdef SKINQ_HAVE_LIBPQ
    if (pg_url())
        return pg_count(path, sql);
#endif
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;
    sqlite3_open(path, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    const char *path = S("concurrent.db");
    /* writers 1-3 add to one subject on the same dates: they race to make its site and sessions */
    pid_t kids[4];
    for (int w = 0; w < 4; w++) {
        kids[w] = fork();
        assert_true(kids[w] >= 0);
        if (kids[w] == 0)
            _exit(writer(path, w, 25, 20));
    }
    for (int w = 0; w < 4; w++) {
        int status;
        waitpid(kids[w], &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0); /* all succeed: writers wait for each other */
    }
    assert_int_equal(count_rows(path, "SELECT count(*) FROM images"), 100);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM measurements"), 100 * 20);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sessions"), 25 + 25); /* none twice */
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sites"), 2);
}

static void test_killed_writer(void **state)
{
    (void)state;
    const char *path = S("killed.db");
    /* create the store first so the child only adds */
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    assert_int_equal(skinq_store_open(ctx, path, &s), SKINQ_OK);
    skinq_store_close(&s);
    skinq_ctx_close(&ctx);
    for (int round = 0; round < 3; round++) {
        pid_t kid = fork();
        assert_true(kid >= 0);
        if (kid == 0)
            _exit(writer(path, round, 100000, 300)); /* runs until killed */
        struct timespec nap = {0, 150000000L + 70000000L * round};
        nanosleep(&nap, NULL);
        kill(kid, SIGKILL);
        int status;
        waitpid(kid, &status, 0);
        assert_true(WIFSIGNALED(status));
    }
    /* every image present has all its measurements: no half-written entry, and the file is sound */
    int images = count_rows(path, "SELECT count(*) FROM images");
    assert_true(images > 0);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM (SELECT image_id FROM measurements "
                                      "GROUP BY image_id HAVING count(*) != 300) AS x"),
                     0);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM images WHERE id NOT IN "
                                      "(SELECT image_id FROM measurements)"),
                     0);
    if (!pg_url()) /* and the file is sound */
        assert_int_equal(
            count_rows(path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
    print_message("%d whole entries survived three killed writers\n", images);
}

static void test_kill_hook(void **state)
{
    (void)state;
    /* deterministic: the writer dies on the 150th measurement row of its 4th add */
    const char *path = S("hook.db");
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        skinq_ctx *ctx = NULL;
        skinq_store *s = NULL;
        if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK || skinq_store_open(ctx, path, &s) != SKINQ_OK)
            _exit(1);
        skinq_metrics m = {0};
        for (int k = 0; k < 300; k++)
            skinq_metrics_addf(ctx, &m, k, "1", "metric.%03d", k);
        for (int i = 0; i < 6; i++) {
            char sha[65], date[32];
            fake_sha(sha, (unsigned)i);
            snprintf(date, sizeof date, "2026-05-%02d", i + 1);
            skinq_store_entry e = entry("K", "site", date, sha, &m);
            if (i == 3)
                setenv("SKINQ_TEST_STORE_KILL_AT", "150", 1);
            if (skinq_store_add(ctx, s, &e, NULL) != SKINQ_OK)
                _exit(2);
        }
        _exit(3); /* never reached */
    }
    int status;
    waitpid(kid, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM images"), 3);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sessions"), 3); /* no half session */
    assert_int_equal(count_rows(path, "SELECT count(*) FROM measurements"), 3 * 300);
    /* and the store opens and takes new entries afterwards */
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    assert_int_equal(skinq_store_open(ctx, path, &s), SKINQ_OK);
    char sha[65];
    fake_sha(sha, 99);
    skinq_store_entry e = entry("K", "site", "2026-05-04", sha, NULL);
    assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
    skinq_store_close(&s);
    skinq_ctx_close(&ctx);
}

static void test_migration_from_v1(void **state)
{
    (void)state;
    /* a version-1 store as skinq 0.1.0 first wrote it, with data, is upgraded in place */
    const char *path = P("v1.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE schema_version(version INTEGER NOT NULL); INSERT INTO schema_version VALUES(1);"
        "CREATE TABLE subjects(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        "  created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);"
        "CREATE TABLE sites(id INTEGER PRIMARY KEY, subject_id INTEGER NOT NULL REFERENCES subjects(id) ON "
        "DELETE CASCADE,"
        "  name TEXT NOT NULL, px_per_mm REAL, ref_rect TEXT, roi TEXT, UNIQUE(subject_id, name));"
        "CREATE TABLE sessions(id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL REFERENCES sites(id) ON "
        "DELETE CASCADE,"
        "  date TEXT NOT NULL CHECK(date(date) IS date), label TEXT NOT NULL DEFAULT '', procedure TEXT,"
        "  UNIQUE(site_id, date, label));"
        "CREATE TABLE images(id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id) ON "
        "DELETE CASCADE,"
        "  path TEXT NOT NULL, sha256 TEXT NOT NULL, width INTEGER, height INTEGER, role TEXT NOT NULL "
        "DEFAULT 'photo',"
        "  added TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE(session_id, sha256));"
        "CREATE TABLE measurements(image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
        "  metric TEXT NOT NULL, value REAL, unit TEXT, skinq_version TEXT NOT NULL, options TEXT,"
        "  PRIMARY KEY(image_id, metric));"
        "INSERT INTO subjects(name) VALUES('OLD'); INSERT INTO sites(subject_id, name) VALUES(1, 'arm');"
        "INSERT INTO sessions(site_id, date) VALUES(1, '2025-01-10');"
        "INSERT INTO images(session_id, path, sha256) VALUES(1, 'a.jpg', 'abc');"
        "INSERT INTO measurements VALUES(1, 'color.a.mean', 11.5, 'a*', '0.1.0', NULL);"
        "INSERT INTO sessions(site_id, date, procedure) VALUES(1, '2025-01-17', 'laser');"
        "INSERT INTO images(session_id, path, sha256) VALUES(2, 'b.jpg', 'def');"
        "INSERT INTO measurements VALUES(2, 'color.a.mean', 14.0, 'a*', '0.1.0', NULL);";
    assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    /* read as it is (not migrated): the timeline without times, the procedure session day 0 */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0)
            assert_int_equal(skinq_store_open_readonly(ctx, path, &s), SKINQ_OK);
        else
            assert_int_equal(skinq_store_open(ctx, path, &s), SKINQ_OK); /* migrates */
        struct collect c = {0};
        assert_int_equal(skinq_store_query(ctx, s, NULL, NULL, NULL, collect_row, &c), SKINQ_OK);
        assert_int_equal(c.n, 2);
        assert_near(c.day[0], -7, 1e-9);
        assert_near(c.day[1], 0, 1e-9);
        assert_int_equal(c.cycle[0], 0);
        assert_int_equal(c.cycle[1], 1);
        skinq_site_reference ref;
        assert_int_equal(skinq_store_site_reference(ctx, s, "OLD", "arm", &ref), SKINQ_OK);
        assert_true(ref.found && !ref.chosen);
        assert_string_equal(ref.path, "a.jpg");
        skinq_site_reference_clear(ctx, &ref);
        skinq_store_close(&s);
    }
    /* the rebuilt sessions table kept its rows, ids and references */
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sessions WHERE time = ''"), 2);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_int_equal(
        count_rows(path, "SELECT count(*) FROM images JOIN sessions ON sessions.id = session_id"), 2);
    char q[64];
    snprintf(q, sizeof q, "SELECT version FROM schema_version");
    assert_int_equal(count_rows(path, q), skinq_store_schema_version());
    assert_true(skinq_store_schema_version() >= 2);
    assert_int_equal(
        count_rows(path, "SELECT count(*) FROM pragma_table_info('images') WHERE name = 'calibration'"), 1);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM measurements WHERE value = 11.5"), 1); /* kept */
    skinq_ctx_close(&ctx);
}

/* The HTML report under allocation failures n = 1, 2, ...: store rows, the embedded photos and
 * the redness maps all allocate through the ctx; each failure is a clean SKINQ_E_NOMEM with no
 * leak and no report file, until the report is written. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = 0;
    fclose(f);
    return b;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Regression (defect 8): every stored text field carries markup, through the public store API;
 * the report escapes all of it (it printed the unit raw). */
static void test_report_escapes_everything(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const char *evil = "<script>alert(1)</script>\"'&<>";
    skinq_store *s = NULL;
    unlink(P("evil.db"));
    assert_int_equal(skinq_store_open(ctx, P("evil.db"), &s), SKINQ_OK);
    const char *dates[] = {"2026-03-01", "2026-03-08", "2026-03-22"};
    for (int i = 0; i < 3; i++) {
        skinq_metrics m = {0};
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", 20 - 2 * i, evil), SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.melanin.mean", 1 + 0.1 * i, evil), SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, evil, 1, evil), SKINQ_OK);
        char sha[65];
        fake_sha(sha, 300 + (unsigned)i);
        skinq_store_entry e = entry(evil, evil, dates[i], sha, &m);
        e.label = evil;
        e.procedure = evil;
        e.image_path = evil; /* not readable as a photo: named in the page instead */
        e.role = evil;
        e.options_json = evil;
        e.calibration_json = evil;
        assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
        skinq_metrics_free(&m);
    }
    skinq_store_close(&s);
    /* skinq_metric.unit holds 15 bytes: a crafted store holds the whole string (the defect) */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(P("evil.db"), &db), SQLITE_OK);
    sqlite3_stmt *up;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE measurements SET unit = ?1 WHERE metric = 'color.a.mean'",
                                        -1, &up, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(up, 1, evil, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
    sqlite3_close(db);
    char out[512];
    tu_path(out, sizeof out, "evil.html");
    assert_int_equal(skinq_store_open_readonly(ctx, P("evil.db"), &s), SKINQ_OK);
    assert_int_equal(skinq_report_html(ctx, s, evil, NULL, out), SKINQ_OK);
    skinq_store_close(&s);
    char *html = read_all(out);
    assert_non_null(html);
    for (char *p = html; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "\"'&<>"));
    /* the escaped forms are there: subject (title, h1), site, procedure, unit, path, options */
    const char *esc = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;&gt;";
    assert_true(count_of(html, esc) >= 8);
    assert_non_null(strstr(html, "<h2>site: &lt;script&gt;"));
    assert_non_null(strstr(html, "photo not available: &lt;script&gt;"));
    assert_non_null(strstr(html, "cycle 1 from 2026-03-01 (&lt;script&gt;"));
    assert_non_null(strstr(html, "<code>&lt;script&gt;"));
    assert_non_null(
        strstr(html, "(color.a.mean, &lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;&gt;)"));
    assert_non_null(
        strstr(html, "(color.melanin.mean, &lt;script&gt;alert(1)</small>")); /* the 15-byte unit */
    free(html);
    skinq_ctx_close(&ctx);
}

/* Regression (defect 7): a 300-byte site name is one site (a 128-byte buffer cut it, so every
 * row looked like a new site), and sessions are counted by the whole label (the first 20
 * characters were compared, merging two sessions of one day). */
static void test_report_long_names(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    char site[301];
    for (int i = 0; i < 300; i++)
        site[i] = (char)('a' + i % 26);
    site[300] = 0;
    skinq_store *s = NULL;
    unlink(P("long.db"));
    assert_int_equal(skinq_store_open(ctx, P("long.db"), &s), SKINQ_OK);
    const char *dates[] = {"2026-03-01", "2026-03-01", "2026-03-08"};
    const char *labels[] = {"morning, before the first treatment", "morning, before the second treatment",
                            ""};
    for (int i = 0; i < 3; i++) {
        skinq_metrics m = {0};
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", 20 - 2 * i, "1"), SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.melanin.mean", 1 + 0.1 * i, "1"), SKINQ_OK);
        char sha[65];
        fake_sha(sha, 400 + (unsigned)i);
        skinq_store_entry e = entry("S01", site, dates[i], sha, &m);
        e.label = labels[i];
        assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
        e.site = "arm"; /* a short name: the labels alone */
        assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
        skinq_metrics_free(&m);
    }
    char out[512];
    tu_path(out, sizeof out, "long.html");
    assert_int_equal(skinq_report_html(ctx, s, "S01", NULL, out), SKINQ_OK);
    skinq_store_close(&s);
    char *html = read_all(out);
    assert_non_null(html);
    assert_non_null(strstr(html, "<h2>Site: arm</h2><table><tr><th>sessions</th><td>3</td>"));
    assert_int_equal(count_of(html, "<h2>Site: "), 2);
    assert_non_null(strstr(html, site));
    assert_int_equal(count_of(html, "<th>sessions</th><td>3</td>"), 2);
    free(html);
    skinq_ctx_close(&ctx);
}

static void test_report_alloc_failures(void **state)
{
    (void)state;
    skinq_ctx *setup = tu_ctx();
    skinq_image *photo = tu_pattern_image(setup, 64, 48, 3, 8);
    skinq_jpeg_options o = tu_jpeg_options(90, 1, NULL, 0);
    char photos[2][512];
    tu_path(photos[0], sizeof photos[0], "rep0.jpg");
    tu_path(photos[1], sizeof photos[1], "rep1.jpg");
    for (int i = 0; i < 2; i++)
        assert_int_equal(skinq_jpeg_write(setup, photos[i], photo, &o), SKINQ_OK);
    skinq_image_free(&photo);
    skinq_store *s = NULL;
    unlink(P("rep.db"));
    assert_int_equal(skinq_store_open(setup, P("rep.db"), &s), SKINQ_OK);
    const char *dates[] = {"2026-03-01", "2026-03-08", "2026-03-22", "2026-04-19"};
    for (int i = 0; i < 4; i++) {
        skinq_metrics m = {0};
        assert_int_equal(skinq_metrics_add(setup, &m, "color.a.mean", 20 - 2 * i + 0.1 * i * i, "a*"),
                         SKINQ_OK);
        assert_int_equal(skinq_metrics_add(setup, &m, "texture.roughness.sq", 3 - 0.2 * i, "1"), SKINQ_OK);
        char sha[65];
        fake_sha(sha, 100 + (unsigned)i);
        skinq_store_entry e = entry("S01", "cheek", dates[i], sha, &m);
        e.image_path = photos[i == 0 ? 0 : 1];
        assert_int_equal(skinq_store_add(setup, s, &e, NULL), SKINQ_OK);
        skinq_metrics_free(&m);
    }
    skinq_store_close(&s);
    skinq_ctx_close(&setup);
    char out[512], db[512];
    tu_path(out, sizeof out, "rep.html");
    tu_path(db, sizeof db, "rep.db");
    int succeeded = 0;
    for (int n = 1; n < 400 && !succeeded; n++) {
        tu_fail_alloc fa;
        skinq_ctx *ctx = tu_fail_ctx(&fa, n, 1);
        if (!ctx)
            continue;
        unlink(out);
        skinq_status st = skinq_store_open(ctx, db, &s);
        if (st == SKINQ_OK)
            st = skinq_report_html(ctx, s, "S01", NULL, out);
        if (st == SKINQ_OK) {
            succeeded = 1;
            assert_true(tu_file_size(out) > 1000);
        } else {
            assert_int_equal(st, SKINQ_E_NOMEM);
            assert_int_equal(tu_file_size(out), -1);
        }
        skinq_store_close(&s);
        skinq_ctx_close(&ctx);
        assert_int_equal(fa.live, 0);
    }
    assert_true(succeeded);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    static char html[1 << 20];
    html[fread(html, 1, sizeof html - 1, f)] = 0;
    fclose(f);
    assert_non_null(strstr(html, "data:image/jpeg;base64,")); /* the photos made it in */
    assert_null(strstr(html, "photo not available"));
}

/* A site's own repeatability with values whose pooled SD is known by hand: session 1 holds 1, 2, 3
 * (mean 2, squares 1 + 0 + 1 = 2), session 2 holds 10, 14 (mean 12, squares 4 + 4 = 8), session 3
 * one photo (no within-session spread): SD = sqrt((2 + 8) / ((3 − 1) + (2 − 1))) = sqrt(10/3). */
static void test_repeatability(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    assert_int_equal(skinq_store_open(ctx, S("rep.db"), &s), SKINQ_OK);
    skinq_repeatability *r = NULL;
    assert_int_equal(skinq_store_repeatability(ctx, s, "S01", "cheek", &r), SKINQ_OK);
    assert_int_equal(r->count, 0); /* nothing stored */
    skinq_repeatability_free(&r);
    static const struct {
        const char *date;
        double a, contrast;
    } photos[] = {{"2026-03-01", 1, 7},  {"2026-03-01", 2, 7},  {"2026-03-01", 3, NAN},
                  {"2026-03-08", 10, 5}, {"2026-03-08", 14, 6}, {"2026-03-15", 99, 1}};
    for (unsigned i = 0; i < sizeof photos / sizeof photos[0]; i++) {
        skinq_metrics m = {0};
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", photos[i].a, "a*"), SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, "texture.glcm.contrast", photos[i].contrast, "1"),
                         SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, "texture.psd.tiles", 10 + i, "1"), SKINQ_OK);
        assert_int_equal(skinq_metrics_add(ctx, &m, "alignment.rms_px", 0.5 + i, "px"), SKINQ_OK);
        char sha[65];
        fake_sha(sha, 100 + i);
        skinq_store_entry e = entry("S01", "cheek", photos[i].date, sha, &m);
        assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
        if (i == 0) { /* one photo in every session so far: no repeatability yet */
            assert_int_equal(skinq_store_repeatability(ctx, s, "S01", "cheek", &r), SKINQ_OK);
            assert_int_equal(r->count, 0);
            skinq_repeatability_free(&r);
        }
        skinq_metrics_free(&m);
    }
    assert_int_equal(skinq_store_repeatability(ctx, s, "S01", "cheek", &r), SKINQ_OK);
    assert_int_equal(r->count, 2); /* tile count and alignment figures are not measurements of skin */
    const skinq_repeatability_item *a = &r->items[0], *c = &r->items[1];
    assert_string_equal(a->path, "color.a.mean");
    assert_string_equal(a->unit, "a*");
    assert_int_equal(a->sessions, 2);
    assert_int_equal(a->n, 5);
    assert_int_equal(a->df, 3);
    assert_true(fabs(a->sd - (sqrt(10.0 / 3.0))) < 1e-12);
    assert_true(fabs(a->mdc95 - (1.96 * sqrt(2.0) * sqrt(10.0 / 3.0))) < 1e-12);
    /* contrast: session 1 has 7, 7 (the NaN is left out), session 2 has 5, 6: sqrt(0.5 / 2) */
    assert_string_equal(c->path, "texture.glcm.contrast");
    assert_int_equal(c->sessions, 2);
    assert_int_equal(c->n, 4);
    assert_int_equal(c->df, 2);
    assert_true(fabs(c->sd - (0.5)) < 1e-12);
    skinq_repeatability_free(&r);
    assert_null(r);
    assert_int_equal(skinq_store_repeatability(ctx, s, "S01", "forehead", &r), SKINQ_OK);
    assert_int_equal(r->count, 0); /* another site: nothing */
    skinq_repeatability_free(&r);
    skinq_store_close(&s);
    skinq_ctx_close(&ctx);
}

/* ------------------------------------------------------------ corrections (edit.c) */

struct sessions {
    int n;
    int64_t id[16];
    char when[16][24], label[16][16], procedure[16][16];
    int images[16], cycle[16];
};

static int session_row(void *user, const skinq_store_session_row *r)
{
    struct sessions *x = user;
    if (x->n < 16) {
        x->id[x->n] = r->session_id;
        snprintf(x->when[x->n], sizeof x->when[0], "%s%s%s", r->date, *r->time ? "T" : "", r->time);
        snprintf(x->label[x->n], sizeof x->label[0], "%s", r->label);
        snprintf(x->procedure[x->n], sizeof x->procedure[0], "%s", r->procedure);
        x->images[x->n] = r->images;
        x->cycle[x->n] = r->cycle;
    }
    x->n++;
    return 0;
}

struct audit {
    int n;
    char text[16][400]; /* "action session field old new" with NULL as "-" */
};

static int audit_text(void *user, const skinq_store_audit_row *r)
{
    struct audit *a = user;
    if (a->n < 16)
        snprintf(a->text[a->n], sizeof a->text[0], "%s %lld %s %s %s", r->action, (long long)r->session_id,
                 r->field, r->old_value ? r->old_value : "-", r->new_value ? r->new_value : "-");
    a->n++;
    return 0;
}

/* Three sessions (two photos in the first, a procedure at the second) and a fourth on 03-10. */
static void corrections_store(skinq_ctx *ctx, skinq_store *s, char sha[5][65])
{
    const char *dates[5] = {"2026-03-01", "2026-03-01", "2026-03-04", "2026-03-08", "2026-03-10"};
    for (int i = 0; i < 5; i++) {
        skinq_metrics m = {0};
        assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", 10 + i, "a*"), SKINQ_OK);
        fake_sha(sha[i], 100u + (unsigned)i);
        skinq_store_entry e = entry("S01", "cheek", dates[i], sha[i], &m);
        e.procedure = i == 2 ? "laser" : NULL;
        assert_int_equal(skinq_store_add(ctx, s, &e, NULL), SKINQ_OK);
        skinq_metrics_free(&m);
    }
}

static void test_corrections(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_store *s = NULL;
    const char *path = S("corr.db");
    remove(path);
    assert_int_equal(skinq_store_open(ctx, path, &s), SKINQ_OK);
    char sha[5][65];
    corrections_store(ctx, s, sha);
    struct sessions x = {0};
    assert_int_equal(skinq_store_sessions(ctx, s, "S01", NULL, session_row, &x), SKINQ_OK);
    assert_int_equal(x.n, 4);
    assert_int_equal(x.images[0], 2);
    assert_int_equal(x.cycle[0], 0);
    assert_int_equal(x.cycle[1], 1);
    assert_string_equal(x.procedure[1], "laser");
    int64_t first = x.id[0], third = x.id[2], fourth = x.id[3];

    /* remove: images and measurements cascade, the old values are recorded exactly */
    assert_int_equal(skinq_store_session_remove(ctx, s, first, "wrong subject"), SKINQ_OK);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM images"), 3);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM measurements"), 3);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sessions"), 3);
    struct audit a = {0};
    assert_int_equal(skinq_store_audit(ctx, s, "S01", "cheek", audit_text, &a), SKINQ_OK);
    assert_int_equal(a.n, 2);
    char want[400];
    snprintf(want, sizeof want,
             "remove %lld session {\"date\":\"2026-03-01\",\"time\":\"\",\"label\":\"\",\"procedure\":null,"
             "\"images\":[{\"path\":\"photo.jpg\",\"sha256\":\"%s\"},{\"path\":\"photo.jpg\",\"sha256\":\"%"
             "s\"}]} -",
             (long long)first, sha[0], sha[1]);
    assert_string_equal(a.text[0], want);
    snprintf(want, sizeof want, "remove %lld reason - wrong subject", (long long)first);
    assert_string_equal(a.text[1], want);
    assert_int_equal(skinq_store_session_remove(ctx, s, first, NULL), SKINQ_E_INVALID);
    snprintf(want, sizeof want, "no session %lld", (long long)first);
    assert_non_null(strstr(skinq_ctx_error(ctx), want));

    /* edit round trip: one row per changed field, none for an unchanged one */
    assert_int_equal(skinq_store_session_edit(ctx, s, third, "2026-03-09T08:15", "late", NULL), SKINQ_OK);
    assert_int_equal(skinq_store_session_edit(ctx, s, third, "2026-03-09T08:15", "late", NULL), SKINQ_OK);
    assert_int_equal(skinq_store_session_edit(ctx, s, x.id[1], NULL, NULL, ""), SKINQ_OK);
    a.n = 0;
    assert_int_equal(skinq_store_audit(ctx, s, NULL, NULL, audit_text, &a), SKINQ_OK);
    assert_int_equal(a.n, 6);
    snprintf(want, sizeof want, "edit %lld date 2026-03-08 2026-03-09", (long long)third);
    assert_string_equal(a.text[2], want);
    snprintf(want, sizeof want, "edit %lld time  08:15:00", (long long)third);
    assert_string_equal(a.text[3], want);
    snprintf(want, sizeof want, "edit %lld label  late", (long long)third);
    assert_string_equal(a.text[4], want);
    snprintf(want, sizeof want, "edit %lld procedure laser -", (long long)x.id[1]);
    assert_string_equal(a.text[5], want);
    struct sessions y = {0};
    assert_int_equal(skinq_store_sessions(ctx, s, "S01", "cheek", session_row, &y), SKINQ_OK);
    assert_int_equal(y.n, 3);
    assert_string_equal(y.when[1], "2026-03-09T08:15:00");
    assert_string_equal(y.label[1], "late");
    assert_string_equal(y.procedure[0], "");
    assert_int_equal(y.cycle[1], 0); /* no procedure left: all baseline */

    /* a collision is refused, naming the other session, and changes nothing */
    assert_int_equal(skinq_store_session_edit(ctx, s, fourth, "2026-03-09T08:15", "late", "x"),
                     SKINQ_E_INVALID);
    snprintf(want, sizeof want, "session %lld", (long long)third);
    assert_non_null(strstr(skinq_ctx_error(ctx), want));
    assert_int_equal(skinq_store_session_edit(ctx, s, fourth, "2026-02-30", NULL, NULL), SKINQ_E_INVALID);
    assert_int_equal(skinq_store_session_edit(ctx, s, 12345, NULL, "x", NULL), SKINQ_E_INVALID);
    assert_non_null(strstr(skinq_ctx_error(ctx), "12345"));
    struct sessions z = {0};
    assert_int_equal(skinq_store_sessions(ctx, s, NULL, NULL, session_row, &z), SKINQ_OK);
    assert_memory_equal(&z, &y, sizeof y);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM audit"), 6);
    skinq_store_close(&s);

    /* read-only: refused, nothing written; the audit still reads */
    assert_int_equal(skinq_store_open_readonly(ctx, path, &s), SKINQ_OK);
    assert_int_equal(skinq_store_session_remove(ctx, s, fourth, NULL), SKINQ_E_STORE);
    assert_non_null(strstr(skinq_ctx_error(ctx), "read-only"));
    assert_int_equal(skinq_store_session_edit(ctx, s, fourth, NULL, "x", NULL), SKINQ_E_STORE);
    a.n = 0;
    assert_int_equal(skinq_store_audit(ctx, s, NULL, NULL, audit_text, &a), SKINQ_OK);
    assert_int_equal(a.n, 6);
    skinq_store_close(&s);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM sessions"), 3);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_repeatability),
        cmocka_unit_test(test_corrections),
        cmocka_unit_test(test_sites_and_duplicates),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_refused_files_untouched),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_killed_writer),
        cmocka_unit_test(test_kill_hook),
        cmocka_unit_test(test_migration_from_v1),
        cmocka_unit_test(test_report_alloc_failures),
        cmocka_unit_test(test_report_escapes_everything),
        cmocka_unit_test(test_report_long_names),
    };
    const struct CMUnitTest on_server[] = {
        /* the same tests on PostgreSQL: all but those about SQLite files and the report */
        cmocka_unit_test(test_round_trip),         cmocka_unit_test(test_repeatability),
        cmocka_unit_test(test_corrections),        cmocka_unit_test(test_sites_and_duplicates),
        cmocka_unit_test(test_concurrent_writers), cmocka_unit_test(test_killed_writer),
        cmocka_unit_test(test_kill_hook),
    };
    if (pg_url())
        return cmocka_run_group_tests_name("test_store on PostgreSQL", on_server, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
