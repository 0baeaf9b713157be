/* store.c -- where the session store lives, for the commands that use it. */
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"

const char *cli_store_path(const char *opt_store)
{
    if (opt_store && *opt_store)
        return opt_store;
    const char *env = getenv("SKINQ_STORE");
    return env && *env ? env : "skinq.db";
}

int cli_store_exists(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return 1;
    fprintf(stderr, "skinq: no session store at '%s' (add images with 'skinq track add', or give --store)\n",
            path);
    return 0;
}
