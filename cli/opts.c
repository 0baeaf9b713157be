/* opts.c -- option tables → getopt_long, generated --help, usage errors, global options. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

cli_globals g_opts = {0, NULL, 100e6, 0, 0, 0};

static const cli_option global_options[] = {
    {"threads", 0, OPT_INT, &g_opts.threads, "N", "worker threads (default: all cores)", CLI_IN(0, 1024)},
    {"isa", 0, OPT_STRING, &g_opts.isa, "ISA",
     "highest SIMD level: scalar, sse41, avx2, avx512 (default: best; env SKINQ_ISA)"},
    {"max-pixels", 0, OPT_DOUBLE, &g_opts.max_pixels, "N", "refuse images above N pixels (default 100e6)",
     RANGE_WHOLE | RANGE_LO | RANGE_HI, 1, 1e15},
    {"max-bytes", 0, OPT_DOUBLE, &g_opts.max_bytes, "N",
     "refuse input files and decodes above N bytes (default 1073741824)", RANGE_WHOLE | RANGE_LO | RANGE_HI,
     1, 1e18},
    {"quiet", 'q', OPT_FLAG, &g_opts.quiet, NULL, "no warnings on stderr"},
    {"verbose", 'v', OPT_FLAG, &g_opts.verbose, NULL, "more detail on stderr"},
    CLI_OPTIONS_END,
};

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("skinq: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'skinq %s --help')\n", cmd->name);
    return cli_exit_for(CLI_COND_USAGE);
}

/* "a finite number > 0", "an integer in 0..1024", "a finite number in (0, 1]". */
static void describe_range(const cli_option *o, char *buf, size_t size)
{
    const char *what = o->kind == OPT_INT       ? "an integer"
                       : o->range & RANGE_WHOLE ? "a whole number"
                                                : "a finite number";
    unsigned r = o->range;
    int lo = (r & (RANGE_LO | RANGE_LO_OPEN)) != 0, hi = (r & RANGE_HI) != 0;
    if (lo && hi && (o->kind == OPT_INT || (r & RANGE_WHOLE)))
        snprintf(buf, size, "%s in %.16g..%.16g", what, o->lo, o->hi);
    else if (lo && hi)
        snprintf(buf, size, "%s in %c%.16g, %.16g]", what, r & RANGE_LO_OPEN ? '(' : '[', o->lo, o->hi);
    else if (lo)
        snprintf(buf, size, "%s %s %.16g", what, r & RANGE_LO_OPEN ? ">" : ">=", o->lo);
    else if (hi)
        snprintf(buf, size, "%s <= %.16g", what, o->hi);
    else
        snprintf(buf, size, "%s", what);
}

int cli_number_ok(const cli_option *o, const char *arg, double *v)
{
    char *end = NULL;
    double x = NAN;
    errno = 0;
    if (*arg && !isspace((unsigned char)*arg)) {
        if (o->kind == OPT_INT) {
            long l = strtol(arg, &end, 10);
            x = errno || l < INT_MIN || l > INT_MAX ? NAN : (double)l;
        } else {
            x = strtod(arg, &end);
        }
    }
    unsigned r = o->range;
    int ok = end && end != arg && *end == '\0' && errno == 0 && isfinite(x);
    ok = ok && (!(r & RANGE_LO) || x >= o->lo) && (!(r & RANGE_LO_OPEN) || x > o->lo);
    ok = ok && (!(r & RANGE_HI) || x <= o->hi) && (!(r & RANGE_WHOLE) || x == floor(x));
    if (ok)
        *v = x;
    return ok;
}

int cli_parse_number(const cli_option *o, const char *arg, double *v)
{
    if (cli_number_ok(o, arg, v))
        return 0;
    char want[96];
    describe_range(o, want, sizeof want);
    fprintf(stderr, "skinq: option '--%s' needs %s, not '%s'\n", o->name, want, arg);
    return cli_exit_for(CLI_COND_BAD_VALUE);
}

static void print_options(FILE *f, const cli_option *o)
{
    for (; o && o->name; o++) {
        char lhs[64];
        int n = 0;
        if (o->short_name)
            n = snprintf(lhs, sizeof lhs, "-%c, ", o->short_name);
        if (o->kind == OPT_CHOICE)
            snprintf(lhs + n, sizeof lhs - (size_t)n, "--%s [%s]", o->name, o->argname);
        else
            snprintf(lhs + n, sizeof lhs - (size_t)n, "--%s%s%s", o->name, o->argname ? " " : "",
                     o->argname ? o->argname : "");
        fprintf(f, "  %-26s %s\n", lhs, o->help);
    }
}

void cli_help(const cli_command *cmd, FILE *f)
{
    fprintf(f, "usage: skinq %s\n\n%s\n", cmd->usage, cmd->summary);
    if (cmd->details)
        fprintf(f, "\n%s\n", cmd->details);
    if (cmd->options && cmd->options->name) {
        fputs("\noptions:\n", f);
        print_options(f, cmd->options);
    }
    fputs("\nglobal options:\n", f);
    print_options(f, global_options);
    fputs("  -h, --help                 this help\n", f);
}

/* 1 when word is one of the '|'-separated choices. */
static int choice_index(const char *choices, const char *word)
{
    size_t n = strlen(word);
    for (const char *c = choices; *c;) {
        size_t len = strcspn(c, "|");
        if (len == n && strncmp(c, word, n) == 0)
            return 1;
        c += len + (c[len] == '|');
    }
    return 0;
}

/* 1 when arg is the word of an argname "S|WORD:..." or starts with "WORD:". */
static int is_word(const char *argname, const char *arg)
{
    const char *w = strchr(argname, '|');
    if (!w++)
        return 0;
    size_t n = strcspn(w, ":[");
    return strncmp(arg, w, n) == 0 && (arg[n] == '\0' || arg[n] == ':');
}

static int set_value(const cli_option *o, const char *arg)
{
    double v;
    switch (o->kind) {
    case OPT_FLAG: *(int *)o->target = 1; return 0;
    case OPT_INT:
        if (cli_parse_number(o, arg, &v) != 0)
            return EXIT_USAGE;
        *(int *)o->target = (int)v;
        return 0;
    case OPT_DOUBLE:
        if ((o->range & RANGE_OR_WORD) && is_word(o->argname, arg)) {
            ((cli_word_number *)o->target)->word = arg;
            return 0;
        }
        if (cli_parse_number(o, arg, &v) != 0)
            return EXIT_USAGE;
        *(double *)o->target = v;
        return 0;
    case OPT_STRING: *(const char **)o->target = arg; return 0;
    case OPT_CHOICE:
        if (!arg) {
            static char first[32];
            snprintf(first, sizeof first, "%.*s", (int)strcspn(o->argname, "|"), o->argname);
            arg = first;
        }
        if (!choice_index(o->argname, arg)) {
            fprintf(stderr, "skinq: option '--%s' needs one of %s, not '%s'\n", o->name, o->argname, arg);
            return cli_exit_for(CLI_COND_BAD_VALUE);
        }
        *(const char **)o->target = arg;
        return 0;
    }
    return 0;
}

static const cli_option *find_option(const cli_option *tab, const char *name, char shortc)
{
    for (const cli_option *o = tab; o && o->name; o++)
        if ((name && strcmp(o->name, name) == 0) || (shortc && o->short_name == shortc))
            return o;
    return NULL;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, int *first)
{
    enum { MAX_OPTS = 64 };
    struct option lo[MAX_OPTS + 2];
    char shortopts[MAX_OPTS * 2 + 4] = "+:h"; /* a leading colon tells a missing value apart */
    int n = 0;
    const cli_option *tabs[2] = {cmd->options, global_options};
    for (int t = 0; t < 2; t++) {
        for (const cli_option *o = tabs[t]; o && o->name && n < MAX_OPTS; o++, n++) {
            lo[n].name = o->name;
            lo[n].has_arg = o->kind == OPT_FLAG     ? no_argument
                            : o->kind == OPT_CHOICE ? optional_argument
                                                    : required_argument;
            lo[n].flag = NULL;
            lo[n].val = 256 + n;
            if (o->short_name) {
                size_t l = strlen(shortopts);
                shortopts[l] = o->short_name;
                shortopts[l + 1] = o->kind == OPT_FLAG ? '\0' : ':';
                shortopts[l + 2] = '\0';
            }
        }
    }
    lo[n].name = "help";
    lo[n].has_arg = no_argument;
    lo[n].flag = NULL;
    lo[n].val = 'h';
    memset(&lo[n + 1], 0, sizeof lo[n + 1]);

    /* Positionals may come anywhere: collect them in order, as GNU tools do. */
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (!pos) {
        fputs("skinq: out of memory\n", stderr);
        return EXIT_INTERNAL;
    }
    int npos = 0;
    optind = 1;
    opterr = 0;
    int rc = -1;
    for (;;) {
        int idx = -1;
        int c = getopt_long(argc, argv, shortopts, lo, &idx);
        if (c == -1) {
            if (optind < argc) {
                pos[npos++] = argv[optind++];
                continue;
            }
            break;
        }
        if (c == 'h') {
            cli_help(cmd, stdout);
            rc = EXIT_OK;
            break;
        }
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            int len = (int)strcspn(bad, "=");
            const char *what = c == ':' ? "option '%.*s' needs a value" : "unknown option '%.*s'";
            if (optopt > 0 && optopt < 256) {
                char s[3] = {'-', (char)optopt, 0};
                rc = cli_usage_error(cmd, what, 2, s);
            } else {
                rc = cli_usage_error(cmd, what, len, bad);
            }
            break;
        }
        const cli_option *o;
        if (c >= 256) {
            const char *name = lo[c - 256].name;
            o = find_option(cmd->options, name, 0);
            if (!o)
                o = find_option(global_options, name, 0);
        } else {
            o = find_option(cmd->options, NULL, (char)c);
            if (!o)
                o = find_option(global_options, NULL, (char)c);
        }
        const char *arg = optarg;
        if (o && o->kind == OPT_CHOICE && !arg && optind < argc && choice_index(o->argname, argv[optind]))
            arg = argv[optind++]; /* --opt WORD: the word is the option's, not a positional */
        if (o && set_value(o, arg) != 0) {
            rc = EXIT_USAGE;
            break;
        }
    }
    if (rc == -1) {
        /* argv[1..] := positionals; *first = index of the first one */
        int k = argc - npos;
        for (int i = 0; i < npos; i++)
            argv[k + i] = pos[i];
        *first = k;
        if (g_opts.isa) {
            unsigned m;
            if (skinq_isa_parse(g_opts.isa, &m) != 0)
                rc = cli_usage_error(cmd, "--isa takes scalar, sse41, avx2, avx512 or all, not '%s'",
                                     g_opts.isa);
        }
    }
    free(pos);
    return rc;
}

int cli_parse_options_only(const cli_command *cmd, int argc, char **argv)
{
    int first;
    int rc = cli_parse(cmd, argc, argv, &first);
    if (rc < 0 && argc - first != 0)
        rc = cli_usage_error(cmd, "unexpected argument '%s'", argv[first]);
    return rc;
}
