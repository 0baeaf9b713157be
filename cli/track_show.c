/* track_show.c -- `skinq track show`: a site's timeline (one line per photo: its session id, date and
 * time, cycle, days from the first procedure and from its cycle's, the registry's timeline metrics,
 * label and procedure), then what changed since its first session (lib/track's site changes). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "track_show.h"

#define MAX_DEFS 96

struct show {
    skinq_ctx *ctx;
    skinq_store *store;
    const char *subject;
    const skinq_metric_def *defs;
    size_t ndefs;
    char *site, *path, *label, *procedure; /* allocated: names and paths have no length limit */
    char date[16], time[9], sha[65];
    int64_t session;
    int cycle;
    double day, cycle_day, v[MAX_DEFS]; /* the current photo's timeline values */
    int lines, have, oom;
    skinq_status st;
};

static int timeline(const skinq_metric_def *d)
{
    return d->headline >= 2 && !strchr(d->pattern, '*');
}

static void photo_flush(struct show *s)
{
    if (!s->have)
        return;
    if (s->lines++ == 0) {
        printf("%-16s %7s %-10s %-5s %5s %6s %6s", "site", "session", "date", "time", "cycle", "day",
               "c.day");
        for (size_t i = 0; i < s->ndefs; i++)
            if (timeline(&s->defs[i]))
                printf(" %12.12s", strchr(s->defs[i].pattern, '.') + 1);
        printf("  image\n");
    }
    printf("%-16s %7lld %-10s %-5.5s %5d %6.4g %6.4g", s->site, (long long)s->session, s->date,
           s->time[0] ? s->time : "-", s->cycle, s->day, s->cycle_day);
    for (size_t i = 0; i < s->ndefs; i++) {
        if (!timeline(&s->defs[i]))
            continue;
        if (isnan(s->v[i]))
            printf(" %12s", "-");
        else
            printf(" %12.4g", s->v[i]);
    }
    const char *base = strrchr(s->path, '/');
    printf("  %s", base ? base + 1 : s->path);
    if (s->label[0])
        printf("  [%s]", s->label);
    if (s->procedure[0])
        printf("  procedure: %s", s->procedure);
    putchar('\n');
    s->have = 0;
}

/* The site's change since its first session, with each verdict. */
static void site_flush(struct show *s)
{
    photo_flush(s);
    skinq_site_changes *c = NULL;
    if (s->st != SKINQ_OK || (s->st = skinq_store_site_changes(s->ctx, s->store, s->subject, s->site, &c)))
        return;
    for (size_t i = 0; i < c->count; i++) {
        const skinq_site_change *x = &c->items[i];
        if (i == 0)
            printf("\n  %s: first session (%s) -> latest (%s), %s photos; a verdict needs |change| > MDC95\n"
                   "  %-40s %10s %10s %10s %8s %9s  %s\n",
                   s->site, x->first_date, x->latest_date,
                   c->normalised ? "colour-normalised" : "unnormalised", "metric", "first", "latest",
                   "change", "%", "MDC95", "verdict");
        char a[16], b[16], d[16], p[16], m[24];
        out_num(m, sizeof m - 1, "%.3g", x->mdc95);
        if (x->mdc_site)
            strcat(m, "*");
        printf("  %-40s %10s %10s %10s %8s %9s  %s\n", x->def->label, out_num(a, sizeof a, "%.4g", x->first),
               out_num(b, sizeof b, "%.4g", x->latest), out_num(d, sizeof d, "%+.4g", x->latest - x->first),
               out_num(p, sizeof p, "%+.1f", x->percent), m, skinq_verdict_name(x->verdict));
    }
    int own = 0;
    for (size_t i = 0; i < c->count; i++)
        own |= c->items[i].mdc_site;
    if (c->count)
        printf("%s\n",
               own ? "  * MDC95 from this site's own repeat photos (sessions with several photos)" : "");
    skinq_site_changes_free(&c);
}

static int set_copy(char **dst, const char *src)
{
    free(*dst);
    *dst = strdup(src ? src : "");
    return *dst ? 0 : -1;
}

static int show_row(void *user, const skinq_store_row *r)
{
    struct show *s = user;
    int new_site = !s->site || strcmp(s->site, r->site) != 0;
    if (new_site && s->site)
        site_flush(s);
    if (!s->have || new_site || strcmp(s->sha, r->sha256) || s->session != r->session_id) {
        photo_flush(s);
        if (set_copy(&s->site, r->site) || set_copy(&s->path, r->image_path) ||
            set_copy(&s->label, r->label) || set_copy(&s->procedure, r->procedure))
            return s->oom = 1;
        snprintf(s->date, sizeof s->date, "%s", r->date);
        snprintf(s->time, sizeof s->time, "%s", r->time);
        s->session = r->session_id;
        s->cycle = r->cycle;
        s->cycle_day = r->cycle_day;
        snprintf(s->sha, sizeof s->sha, "%s", r->sha256);
        s->day = r->day;
        for (size_t i = 0; i < s->ndefs; i++)
            s->v[i] = NAN;
        s->have = 1;
    }
    for (size_t i = 0; i < s->ndefs; i++)
        if (strcmp(r->metric, s->defs[i].pattern) == 0)
            s->v[i] = r->value;
    return s->st != SKINQ_OK;
}

skinq_status track_show(skinq_ctx *ctx, skinq_store *store, const char *subject, const char *site, int *lines)
{
    struct show s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx, s.store = store, s.subject = subject;
    s.ndefs = skinq_metric_defs(&s.defs);
    if (s.ndefs > MAX_DEFS)
        s.ndefs = MAX_DEFS;
    skinq_status st = skinq_store_query(ctx, store, subject, site, NULL, show_row, &s);
    if (st == SKINQ_OK && !s.oom && s.site)
        site_flush(&s);
    free(s.site);
    free(s.path);
    free(s.label);
    free(s.procedure);
    *lines = s.lines;
    return st != SKINQ_OK ? st : s.oom ? SKINQ_E_NOMEM : s.st;
}
