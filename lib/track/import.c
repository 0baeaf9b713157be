/* import.c -- several store adds in one transaction (skinq_store_begin/commit/rollback), for
 * `track import`'s one transaction per file; skinq_store_add() turns into a savepoint inside it. */
#include <sqlite3.h>

#include "core/core.h"
#include "track_int.h"

skinq_status skinq_store_begin(skinq_ctx *ctx, skinq_store *s)
{
    sqlite3 *db = track_store_db(s);
    if (!sqlite3_get_autocommit(db))
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': a transaction is already open",
                          track_store_path(s));
    if (sqlite3_db_readonly(db, "main") == 1)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s' is open read-only", track_store_path(s));
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': cannot start a transaction: %s",
                          track_store_path(s), sqlite3_errmsg(db));
    return SKINQ_OK;
}

skinq_status skinq_store_commit(skinq_ctx *ctx, skinq_store *s)
{
    sqlite3 *db = track_store_db(s);
    if (sqlite3_get_autocommit(db))
        return skinq_fail(ctx, SKINQ_E_STORE, "store '%s': no transaction to commit", track_store_path(s));
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return SKINQ_OK;
    skinq_status st = skinq_fail(ctx, SKINQ_E_STORE, "store '%s': cannot commit: %s", track_store_path(s),
                                 sqlite3_errmsg(db));
    skinq_store_rollback(s);
    return st;
}

void skinq_store_rollback(skinq_store *s)
{
    if (s && !sqlite3_get_autocommit(track_store_db(s)))
        sqlite3_exec(track_store_db(s), "ROLLBACK", NULL, NULL, NULL);
}
