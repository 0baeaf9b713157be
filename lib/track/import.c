/* import.c -- several store adds in one transaction (skinq_store_begin/commit/rollback), for
 * `track import`'s one transaction per file; skinq_store_add() turns into a savepoint inside it.
 * On either backend (db.h): the transaction starts as a writer's (SQLite IMMEDIATE, PostgreSQL's
 * per-store advisory lock), so a concurrent importer waits rather than failing at commit. */
#include "core/core.h"
#include "track_int.h"

skinq_status skinq_store_begin(skinq_ctx *ctx, skinq_store *s)
{
    db *conn = track_store_db(s);
    int *in_tx = track_store_transaction(s);
    if (*in_tx)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': a transaction is already open",
                          track_store_path(s));
    if (db_readonly(conn))
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s' is open read-only", track_store_path(s));
    if (db_exec(conn, db_dialect_of(conn)->begin_write) != DB_OK)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': cannot start a transaction: %s",
                          track_store_path(s), db_errmsg(conn));
    *in_tx = 1;
    return SKINQ_OK;
}

skinq_status skinq_store_commit(skinq_ctx *ctx, skinq_store *s)
{
    db *conn = track_store_db(s);
    int *in_tx = track_store_transaction(s);
    if (!*in_tx)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': no transaction to commit", track_store_path(s));
    if (db_exec(conn, "COMMIT") == DB_OK) {
        *in_tx = 0;
        return SKINQ_OK;
    }
    skinq_status st =
        skinq_fail(ctx, SKINQ_E_STORE, "store '%s': cannot commit: %s", track_store_path(s), db_errmsg(conn));
    skinq_store_rollback(s);
    return st;
}

void skinq_store_rollback(skinq_store *s)
{
    if (!s || !*track_store_transaction(s))
        return;
    db_exec(track_store_db(s), "ROLLBACK");
    *track_store_transaction(s) = 0;
}
