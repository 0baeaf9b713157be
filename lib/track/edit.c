/* edit.c -- corrections: a wrong session is removed or corrected, each change in the same
 * transaction as its audit rows (so the record cannot miss a change), and both read back
 * (skinq_store_sessions(), skinq_store_audit()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "track_int.h"

static skinq_status fail_db(skinq_ctx *ctx, const skinq_store *s, const char *what)
{
    return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': %s: %s", track_store_path(s), what,
                      db_errmsg(track_store_db(s)));
}

static const char *col_or_null(db_stmt *st, int col)
{
    return db_is_null(st, col) ? NULL : db_text0(st, col);
}

static char *dup_str(const char *t)
{
    char *d = malloc(strlen(t) + 1);
    return d ? strcpy(d, t) : NULL;
}

/* Writing needs a writable store: say so before anything is tried. */
static skinq_status writable(skinq_ctx *ctx, const skinq_store *s, int64_t id, const char *verb)
{
    if (db_readonly(track_store_db(s)))
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s' is read-only: session %lld not %s",
                          track_store_path(s), (long long)id, verb);
    return SKINQ_OK;
}

static skinq_status begin(skinq_ctx *ctx, const skinq_store *s)
{
    if (db_exec(track_store_db(s), db_dialect_of(track_store_db(s))->begin_write) != DB_OK)
        return fail_db(ctx, s, "cannot start a transaction");
    return SKINQ_OK;
}

/* COMMIT when r is SKINQ_OK, else ROLLBACK; the first failure wins. */
static skinq_status finish(skinq_ctx *ctx, const skinq_store *s, skinq_status r)
{
    db *conn = track_store_db(s);
    if (r == SKINQ_OK && db_exec(conn, "COMMIT") != DB_OK)
        r = fail_db(ctx, s, "cannot commit");
    if (r != SKINQ_OK)
        db_exec(conn, "ROLLBACK");
    return r;
}

/* One audit row, with the session's subject and site names looked up by its id. */
static int audit_row(db *conn, const char *action, int64_t id, const char *field, const char *old_value,
                     const char *new_value)
{
    db_stmt *st;
    int rc = db_prepare(conn,
                        "INSERT INTO audit(action, subject, site, session_id, field, old_value, new_value) "
                        "SELECT ?1, su.name, si.name, se.id, ?3, ?4, ?5 FROM sessions se "
                        "JOIN sites si ON si.id = se.site_id JOIN subjects su ON su.id = si.subject_id "
                        "WHERE se.id = ?2 RETURNING id",
                        &st);
    if (rc != DB_OK)
        return rc;
    db_bind_text(st, 1, action);
    db_bind_int64(st, 2, id);
    db_bind_text(st, 3, field);
    if (old_value)
        db_bind_text(st, 4, old_value);
    if (new_value)
        db_bind_text(st, 5, new_value);
    int done = db_step(st) == DB_ROW; /* a row: the session exists */
    db_finalize(st);
    return done ? DB_OK : DB_ERROR;
}

static skinq_status no_session(skinq_ctx *ctx, const skinq_store *s, int64_t id)
{
    return skinq_fail(ctx, SKINQ_E_INVALID, "no session %lld in store '%s'", (long long)id,
                      track_store_path(s));
}

skinq_status skinq_store_session_remove(skinq_ctx *ctx, skinq_store *s, int64_t session_id,
                                        const char *reason)
{
    skinq_status r = writable(ctx, s, session_id, "removed");
    if (r != SKINQ_OK || (r = begin(ctx, s)) != SKINQ_OK)
        return r;
    db *conn = track_store_db(s);
    /* the old values as one JSON object, images in the order they were added (the dialect's SQL) */
    db_stmt *st;
    int rc = db_prepare(conn, db_dialect_of(conn)->session_json, &st);
    if (rc != DB_OK)
        return finish(ctx, s, fail_db(ctx, s, "cannot read the session"));
    db_bind_int64(st, 1, session_id);
    rc = db_step(st);
    if (rc == DB_DONE)
        r = no_session(ctx, s, session_id);
    else if (rc != DB_ROW)
        r = fail_db(ctx, s, "cannot read the session");
    if (r == SKINQ_OK && (audit_row(conn, "remove", session_id, "session", db_text0(st, 0), NULL) != DB_OK ||
                          (reason && audit_row(conn, "remove", session_id, "reason", NULL, reason) != DB_OK)))
        r = fail_db(ctx, s, "cannot write the audit");
    db_finalize(st);
    if (r == SKINQ_OK) {
        /* photos registered onto a removed one keep its path in their calibration JSON; the
         * link itself (images.aligned_to, no ON DELETE rule) must go or the delete is refused */
        char sql[192];
        snprintf(sql, sizeof sql,
                 "UPDATE images SET aligned_to = NULL WHERE aligned_to IN "
                 "(SELECT id FROM images WHERE session_id = %lld); DELETE FROM sessions WHERE id = %lld",
                 (long long)session_id, (long long)session_id);
        if (db_exec(conn, sql) != DB_OK)
            r = fail_db(ctx, s, "cannot remove the session");
    }
    return finish(ctx, s, r);
}

/* A session's key and notes as they are, copied (statements are finalised before the update). */
struct session {
    char date[11], time[9];
    char *subject, *site, *label, *procedure; /* malloc'd; procedure NULL when none */
    int64_t site_id;
};

static void session_free(struct session *x)
{
    free(x->subject);
    free(x->site);
    free(x->label);
    free(x->procedure);
}

/* DB_OK, DB_NOTFOUND (no such id) or an error. */
static int session_read(db *conn, int64_t id, struct session *x)
{
    db_stmt *st;
    int rc = db_prepare(conn,
                        "SELECT se.date, se.time, se.label, se.procedure, su.name, si.name, se.site_id "
                        "FROM sessions se JOIN sites si ON si.id = se.site_id "
                        "JOIN subjects su ON su.id = si.subject_id WHERE se.id = ?1",
                        &st);
    if (rc != DB_OK)
        return rc;
    db_bind_int64(st, 1, id);
    rc = db_step(st);
    if (rc == DB_ROW) {
        snprintf(x->date, sizeof x->date, "%s", db_text0(st, 0));
        snprintf(x->time, sizeof x->time, "%s", db_text0(st, 1));
        x->label = dup_str(db_text0(st, 2));
        x->procedure = col_or_null(st, 3) ? dup_str(db_text0(st, 3)) : NULL;
        x->subject = dup_str(db_text0(st, 4));
        x->site = dup_str(db_text0(st, 5));
        x->site_id = db_int64(st, 6);
        int oom = !x->label || !x->subject || !x->site || (col_or_null(st, 3) && !x->procedure);
        rc = oom ? DB_NOMEM : DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_NOTFOUND;
    }
    db_finalize(st);
    return rc;
}

/* The id of another session of the site with this key, 0 when none. */
static int64_t same_key(db *conn, const struct session *x, int64_t id)
{
    db_stmt *st;
    int64_t other = 0;
    if (db_prepare(conn,
                   "SELECT id FROM sessions WHERE site_id = ?1 AND date = ?2 AND time = ?3 "
                   "AND label = ?4 AND id <> ?5",
                   &st) != DB_OK)
        return 0;
    db_bind_int64(st, 1, x->site_id);
    db_bind_text(st, 2, x->date);
    db_bind_text(st, 3, x->time);
    db_bind_text(st, 4, x->label);
    db_bind_int64(st, 5, id);
    if (db_step(st) == DB_ROW)
        other = db_int64(st, 0);
    db_finalize(st);
    return other;
}

static int differs(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* The update and one audit row per changed field. */
static int apply_edit(db *conn, int64_t id, const struct session *was, const struct session *now)
{
    const char *fields[4] = {"date", "time", "label", "procedure"};
    const char *old_v[4] = {was->date, was->time, was->label, was->procedure};
    const char *new_v[4] = {now->date, now->time, now->label, now->procedure};
    int rc = DB_OK;
    for (int i = 0; i < 4 && rc == DB_OK; i++)
        if (differs(old_v[i], new_v[i]))
            rc = audit_row(conn, "edit", id, fields[i], old_v[i], new_v[i]);
    db_stmt *st;
    if (rc != DB_OK ||
        (rc = db_prepare(conn,
                         "UPDATE sessions SET date = ?1, time = ?2, label = ?3, procedure = ?4 WHERE id = ?5",
                         &st)) != DB_OK)
        return rc;
    for (int i = 0; i < 3; i++)
        db_bind_text(st, i + 1, new_v[i]);
    if (now->procedure)
        db_bind_text(st, 4, now->procedure);
    db_bind_int64(st, 5, id);
    rc = db_step(st);
    rc = rc == DB_DONE ? DB_OK : rc;
    db_finalize(st);
    return rc;
}

skinq_status skinq_store_session_edit(skinq_ctx *ctx, skinq_store *s, int64_t session_id, const char *when,
                                      const char *label, const char *procedure)
{
    struct session was = {0}, now = {0};
    if (when && !skinq_store_parse_when(when, now.date, now.time))
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "date '%s' is not a calendar date of the form YYYY-MM-DD[THH:MM[:SS]]", when);
    skinq_status r = writable(ctx, s, session_id, "changed");
    if (r != SKINQ_OK || (r = begin(ctx, s)) != SKINQ_OK)
        return r;
    db *conn = track_store_db(s);
    int rc = session_read(conn, session_id, &was);
    if (rc == DB_NOTFOUND)
        r = no_session(ctx, s, session_id);
    else if (rc != DB_OK)
        r = rc == DB_NOMEM ? SKINQ_E_NOMEM : fail_db(ctx, s, "cannot read the session");
    if (r == SKINQ_OK) {
        if (!when) {
            memcpy(now.date, was.date, sizeof now.date);
            memcpy(now.time, was.time, sizeof now.time);
        }
        now.site_id = was.site_id;
        now.label = (char *)(label ? label : was.label);
        now.procedure = (char *)(!procedure ? was.procedure : *procedure ? procedure : NULL);
        int64_t other = same_key(conn, &now, session_id);
        if (other)
            r = skinq_fail(
                ctx, SKINQ_E_INVALID,
                "session %lld of %s/%s would become %s%s%s%s%s, which is session %lld: not changed",
                (long long)session_id, was.subject, was.site, now.date, *now.time ? "T" : "", now.time,
                *now.label ? " " : "", now.label, (long long)other);
        else if (apply_edit(conn, session_id, &was, &now) != DB_OK)
            r = fail_db(ctx, s, "cannot change the session");
    }
    session_free(&was);
    return finish(ctx, s, r);
}

/* A listing's statement with ?1 = subject and ?2 = site bound (NULL = any). @return 1, 0 on failure. */
static int prepare_names(const skinq_store *s, const char *sql, const char *subject, const char *site,
                         db_stmt **st)
{
    if (db_prepare(track_store_db(s), sql, st) != DB_OK)
        return 0;
    if (subject)
        db_bind_text(*st, 1, subject);
    if (site)
        db_bind_text(*st, 2, site);
    return 1;
}

skinq_status skinq_store_sessions(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                                  int (*fn)(void *user, const skinq_store_session_row *row), void *user)
{
    static const char body[] =
        "SELECT su.name, si.name, se.id, se.date, %s, se.label, coalesce(se.procedure, ''),"
        "  (SELECT count(*) FROM images im WHERE im.session_id = se.id), tl.cycle, tl.day, tl.cycle_day "
        "FROM sessions se JOIN timeline tl ON tl.session_id = se.id "
        "JOIN sites si ON si.id = se.site_id JOIN subjects su ON su.id = si.subject_id "
        "WHERE (?1 IS NULL OR su.name = ?1) AND (?2 IS NULL OR si.name = ?2) "
        "ORDER BY su.name, si.name, tl.day, se.id";
    char sql[2048 + sizeof body];
    if (track_timeline_cte(s, sql, 2048) != 0)
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "the timeline query does not fit");
    size_t k = strlen(sql);
    snprintf(sql + k, sizeof sql - k, body, track_store_version(s) >= 3 ? "se.time" : "''");
    db_stmt *st;
    if (!prepare_names(s, sql, subject, site, &st))
        return fail_db(ctx, s, "cannot list sessions");
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        skinq_store_session_row row = {db_text0(st, 0),  db_text0(st, 1),      db_int64(st, 2),
                                       db_text0(st, 3),  db_text0(st, 4),      db_text0(st, 5),
                                       db_text0(st, 6),  (int)db_int64(st, 7), (int)db_int64(st, 8),
                                       db_double(st, 9), db_double(st, 10)};
        if (fn(user, &row) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(st);
    return rc == DB_DONE ? SKINQ_OK : fail_db(ctx, s, "listing sessions failed");
}

skinq_status skinq_store_audit(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site,
                               int (*fn)(void *user, const skinq_store_audit_row *row), void *user)
{
    if (track_store_version(s) < 3) /* no audit table yet: nothing was ever corrected */
        return SKINQ_OK;
    db_stmt *st;
    if (!prepare_names(
            s,
            "SELECT id, at, action, subject, site, session_id, field, old_value, new_value "
            "FROM audit WHERE (?1 IS NULL OR subject = ?1) AND (?2 IS NULL OR site = ?2) ORDER BY id",
            subject, site, &st))
        return fail_db(ctx, s, "cannot read the audit");
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        skinq_store_audit_row row = {db_int64(st, 0), db_text0(st, 1),    db_text0(st, 2),
                                     db_text0(st, 3), db_text0(st, 4),    db_int64(st, 5),
                                     db_text0(st, 6), col_or_null(st, 7), col_or_null(st, 8)};
        if (fn(user, &row) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(st);
    return rc == DB_DONE ? SKINQ_OK : fail_db(ctx, s, "reading the audit failed");
}
