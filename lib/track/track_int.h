/* track_int.h -- internal: what the lib/track files share of the store, whose struct is private
 * to store.c: its connection, path and schema version, and the one timeline rule (SQL). */
#ifndef SKINQ_TRACK_INT_H
#define SKINQ_TRACK_INT_H

#include <stddef.h>

#include "core/core.h"
#include "db.h"

/** The store's connection (db.h). */
db *track_store_db(const skinq_store *s);

/** The store's file name, for messages. */
const char *track_store_path(const skinq_store *s);
/* 1 while skinq_store_begin()'s transaction is open (import.c); skinq_store_add() then uses a savepoint. */
int *track_store_transaction(skinq_store *s);

/** The file's schema version (a read-only store is not migrated: it may be older). */
int track_store_version(const skinq_store *s);

/** The timeline CTE for this store into buf: "WITH ... timeline(session_id, cycle, day,
 * cycle_day) " to put before a SELECT that joins `timeline`. @return 0, -1 when buf is too small. */
int track_timeline_cte(const skinq_store *s, char *buf, size_t size);

#endif
