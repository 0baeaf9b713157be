/* store.c -- where the session store lives, for the commands that use it. */
#include <stdlib.h>
#include <string.h>
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
    if (skinq_store_is_server(path) || stat(path, &sb) == 0) /* a server says itself whether it is there */
        return 1;
    fprintf(stderr, "skinq: no session store at '%s' (add images with 'skinq track add', or give --store)\n",
            path);
    return 0;
}

/* The names to offer: the subjects, or one subject's sites, each once, comma-separated. */
struct names {
    const char *subject; /* NULL: collect subjects */
    char *buf;
    size_t size, len;
    char last[256];
};

static int add_name(void *user, const skinq_store_site_row *r)
{
    struct names *n = user;
    const char *name = n->subject ? r->site : r->subject;
    if (strcmp(name, n->last) == 0 || n->len + 1 >= n->size)
        return 0;
    snprintf(n->last, sizeof n->last, "%s", name);
    int w = snprintf(n->buf + n->len, n->size - n->len, "%s%s", n->len ? ", " : "", name);
    n->len = w < 0 || (size_t)w >= n->size - n->len ? n->size - 1 : n->len + (size_t)w;
    return 0;
}

void cli_store_known(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site, char *buf,
                     size_t size)
{
    char list[1024] = "";
    struct names n = {NULL, list, sizeof list, 0, ""};
    buf[0] = 0;
    int have_subject = 0;
    if (subject) { /* does the subject exist? then name its sites */
        n.subject = subject;
        if (skinq_store_sites(ctx, s, subject, add_name, &n) == SKINQ_OK && n.len > 0)
            have_subject = 1;
    }
    if (have_subject && site)
        snprintf(buf, size, " (sites of %s: %s)", subject, list);
    else if (!have_subject) {
        n = (struct names){NULL, list, sizeof list, 0, ""};
        list[0] = 0;
        if (skinq_store_sites(ctx, s, NULL, add_name, &n) == SKINQ_OK)
            snprintf(buf, size, n.len ? " (subjects in the store: %s)" : " (the store is empty)", list);
    }
}
