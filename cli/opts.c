/* opts.c -- option tables → getopt_long, generated --help, usage errors, global options. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

cli_globals g_opts = {0, NULL, 100e6, 0, 0, 0};

static const cli_option global_options[] = {
    {"threads", 0, OPT_INT, &g_opts.threads, "N", "worker threads (default: all cores)"},
    {"isa", 0, OPT_STRING, &g_opts.isa, "ISA",
     "highest SIMD level: scalar, sse41, avx2 (default: best; env SKINQ_ISA)"},
    {"max-pixels", 0, OPT_DOUBLE, &g_opts.max_pixels, "N", "refuse images above N pixels (default 100e6)"},
    {"max-bytes", 0, OPT_DOUBLE, &g_opts.max_bytes, "N",
     "refuse input files and decodes above N bytes (default 1073741824)"},
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
    fprintf(stderr, "\nusage: skinq %s\ntry 'skinq %s --help'\n", cmd->usage, cmd->name);
    return EXIT_USAGE;
}

static void print_options(FILE *f, const cli_option *o)
{
    for (; o && o->name; o++) {
        char lhs[64];
        int n = 0;
        if (o->short_name)
            n = snprintf(lhs, sizeof lhs, "-%c, ", o->short_name);
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

static int set_value(const cli_command *cmd, const cli_option *o, const char *arg)
{
    char *end;
    switch (o->kind) {
    case OPT_FLAG: *(int *)o->target = 1; return 0;
    case OPT_INT: {
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (errno || *arg == '\0' || *end != '\0' || v < -1000000000L || v > 1000000000L)
            return cli_usage_error(cmd, "option '--%s' takes an integer, not '%s'", o->name, arg);
        *(int *)o->target = (int)v;
        return 0;
    }
    case OPT_DOUBLE: {
        errno = 0;
        double v = strtod(arg, &end);
        if (errno || *arg == '\0' || *end != '\0')
            return cli_usage_error(cmd, "option '--%s' takes a number, not '%s'", o->name, arg);
        *(double *)o->target = v;
        return 0;
    }
    case OPT_STRING: *(const char **)o->target = arg; return 0;
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
    char shortopts[MAX_OPTS * 2 + 4] = "+h";
    int n = 0;
    const cli_option *tabs[2] = {cmd->options, global_options};
    for (int t = 0; t < 2; t++) {
        for (const cli_option *o = tabs[t]; o && o->name && n < MAX_OPTS; o++, n++) {
            lo[n].name = o->name;
            lo[n].has_arg = o->kind == OPT_FLAG ? no_argument : required_argument;
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
            if (optopt && optopt < 256)
                rc = cli_usage_error(cmd, "unknown option or missing value '-%c'", optopt);
            else
                rc = cli_usage_error(cmd, "unknown option or missing value '%s'", bad);
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
        if (o && set_value(cmd, o, optarg) != 0) {
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
        if (g_opts.threads < 0 || g_opts.threads > 1024)
            rc = cli_usage_error(cmd, "--threads takes 0..1024, not %d", g_opts.threads);
        else if (!(g_opts.max_pixels >= 1))
            rc = cli_usage_error(cmd, "--max-pixels must be at least 1");
        else if (g_opts.max_bytes != 0 && !(g_opts.max_bytes >= 1 && g_opts.max_bytes <= 1e18))
            rc = cli_usage_error(cmd, "--max-bytes takes 1..1e18");
        else if (g_opts.isa) {
            unsigned m;
            if (skinq_isa_parse(g_opts.isa, &m) != 0)
                rc = cli_usage_error(cmd, "--isa takes scalar, sse41, avx2 or all, not '%s'", g_opts.isa);
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
