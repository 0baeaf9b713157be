/* db_pg.c -- the store's PostgreSQL driver (libpq): a shared store many workers write at once.
 * Built without libpq, a postgresql:// store is refused with a message saying so. */
#include <stdlib.h>
#include <string.h>

#include "db.h"

static int no_open(const char *path, int readonly, db **out, char **err)
{
    (void)path, (void)readonly, (void)out;
    const char *m = "this skinq was built without PostgreSQL support (libpq)";
    *err = malloc(strlen(m) + 1);
    if (*err)
        strcpy(*err, m);
    return DB_CANTOPEN;
}

const db_ops db_pg_ops = {.open = no_open};
