/* track_show.c -- `skinq track show`: a site's timeline (one line per photo, the registry's
 * timeline metrics) and what changed since the first session, with the registry's verdicts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "track_show.h"

#define MAX_DEFS 64

/* Per registry entry: the current session's sum, the first and latest session means. */
struct series {
    double sum, first, last;
    int n;
    char unit[16];
};

struct show {
    const skinq_metric_def *defs;
    size_t ndefs;
    char *site, *path, *session; /* allocated: names and paths have no length limit */
    char date[16], sha[65];
    double day, v[MAX_DEFS]; /* the current photo's timeline values */
    struct series s[MAX_DEFS];
    int lines, have, sites, oom;
};

static int timeline(const skinq_metric_def *d)
{
    return d->headline >= 2 && !strchr(d->pattern, '*');
}

static int summarised(const skinq_metric_def *d)
{
    return d->headline >= 1 && !strchr(d->pattern, '*');
}

static void photo_flush(struct show *s)
{
    if (!s->have)
        return;
    if (s->lines++ == 0) {
        printf("%-16s %-10s %5s", "site", "date", "day");
        for (size_t i = 0; i < s->ndefs; i++)
            if (timeline(&s->defs[i]))
                printf(" %12.12s", strchr(s->defs[i].pattern, '.') + 1);
        printf("  image\n");
    }
    printf("%-16s %-10s %5.0f", s->site, s->date, s->day);
    for (size_t i = 0; i < s->ndefs; i++) {
        if (!timeline(&s->defs[i]))
            continue;
        if (isnan(s->v[i]))
            printf(" %12s", "-");
        else
            printf(" %12.4g", s->v[i]);
    }
    const char *base = strrchr(s->path, '/');
    printf("  %s\n", base ? base + 1 : s->path);
    s->have = 0;
}

/* Close the current session: its mean becomes the latest (and the first, if none yet). */
static void session_flush(struct show *s)
{
    for (size_t i = 0; i < s->ndefs; i++) {
        struct series *x = &s->s[i];
        if (x->n == 0)
            continue;
        x->last = x->sum / x->n;
        if (isnan(x->first))
            x->first = x->last;
        x->sum = 0, x->n = 0;
    }
}

/* What changed at a site between its first and latest session. */
static void site_flush(struct show *s)
{
    photo_flush(s);
    session_flush(s);
    int header = 0;
    for (size_t i = 0; i < s->ndefs; i++) {
        struct series *x = &s->s[i];
        const skinq_metric_def *d = &s->defs[i];
        if (!summarised(d) || isnan(x->first))
            continue;
        if (!header++)
            printf(
                "\n  %s: first session -> latest (a verdict needs |change| > MDC95)\n  %-40s %10s %10s %10s "
                "%8s %9s  %s\n",
                s->site, "metric", "first", "latest", "change", "%", "MDC95", "verdict");
        double mdc = skinq_metric_default_mdc(d->pattern, x->unit, x->first);
        char a[16], b[16], c[16], p[16], m[16];
        printf("  %-40s %10s %10s %10s %8s %9s  %s\n", d->label, out_num(a, sizeof a, "%.4g", x->first),
               out_num(b, sizeof b, "%.4g", x->last), out_num(c, sizeof c, "%+.4g", x->last - x->first),
               out_num(p, sizeof p, "%+.1f", skinq_change_percent(x->first, x->last, mdc)),
               out_num(m, sizeof m, "%.3g", mdc),
               skinq_verdict_name(skinq_change_verdict(d->direction, x->first, x->last, mdc)));
        x->first = x->last = NAN;
    }
    if (header)
        putchar('\n');
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
    /* a session is a date and its whole label */
    size_t nd = strlen(r->date), nl = strlen(r->label ? r->label : "");
    char *key = malloc(nd + nl + 2);
    if (!key)
        return s->oom = 1;
    memcpy(key, r->date, nd);
    key[nd] = '\n';
    memcpy(key + nd + 1, r->label ? r->label : "", nl + 1);
    if (!new_site && s->session && strcmp(s->session, key) != 0) {
        photo_flush(s);
        session_flush(s);
    }
    free(s->session);
    s->session = key;
    if (!s->have || strcmp(s->sha, r->sha256) || new_site || strcmp(s->date, r->date)) {
        photo_flush(s);
        if (set_copy(&s->site, r->site) || set_copy(&s->path, r->image_path))
            return s->oom = 1;
        snprintf(s->date, sizeof s->date, "%s", r->date);
        snprintf(s->sha, sizeof s->sha, "%s", r->sha256);
        s->day = r->day;
        for (size_t i = 0; i < s->ndefs; i++)
            s->v[i] = NAN;
        s->have = 1;
    }
    for (size_t i = 0; i < s->ndefs; i++) {
        if (strcmp(r->metric, s->defs[i].pattern) != 0)
            continue;
        s->v[i] = r->value;
        if (isfinite(r->value)) {
            s->s[i].sum += r->value, s->s[i].n++;
            snprintf(s->s[i].unit, sizeof s->s[i].unit, "%s", r->unit ? r->unit : "");
        }
    }
    return 0;
}

skinq_status track_show(skinq_ctx *ctx, skinq_store *store, const char *subject, const char *site, int *lines)
{
    struct show s;
    memset(&s, 0, sizeof s);
    s.ndefs = skinq_metric_defs(&s.defs);
    if (s.ndefs > MAX_DEFS)
        s.ndefs = MAX_DEFS;
    for (size_t i = 0; i < MAX_DEFS; i++)
        s.s[i].first = s.s[i].last = NAN;
    skinq_status st = skinq_store_query(ctx, store, subject, site, NULL, show_row, &s);
    if (st == SKINQ_OK && !s.oom && s.site)
        site_flush(&s);
    free(s.site);
    free(s.path);
    free(s.session);
    *lines = s.lines;
    return st == SKINQ_OK && s.oom ? SKINQ_E_NOMEM : st;
}
