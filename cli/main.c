/* main.c -- the command table, global options, status → exit code map. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h> /* mallopt */
#endif
#include <string.h>

/* Every command, in the order `skinq --help` lists them. */
static const cli_command *const commands[] = {
    &cmd_info,  &cmd_analyze, &cmd_compare, &cmd_repeat,  &cmd_bench,  &cmd_synth, &cmd_depth,
    &cmd_track, &cmd_trend,   &cmd_report,  &cmd_metrics, &cmd_marker, &cmd_batch,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Library status → exit code (design §3). */
static const int exit_codes[SKINQ_STATUS_COUNT] = {
    [SKINQ_OK] = EXIT_OK,
    [SKINQ_E_INVALID] = EXIT_USAGE,
    [SKINQ_E_NOMEM] = EXIT_INTERNAL,
    [SKINQ_E_IO] = EXIT_BAD_INPUT,
    [SKINQ_E_FORMAT] = EXIT_BAD_INPUT,
    [SKINQ_E_UNSUPPORTED] = EXIT_BAD_INPUT,
    [SKINQ_E_LIMIT] = EXIT_BAD_INPUT,
    [SKINQ_E_EMPTY_ROI] = EXIT_IMPOSSIBLE,
    [SKINQ_E_ALIGN] = EXIT_IMPOSSIBLE,
    [SKINQ_E_TOO_FEW] = EXIT_IMPOSSIBLE,
    [SKINQ_E_STORE] = EXIT_STORE,
    [SKINQ_E_INTERNAL] = EXIT_INTERNAL,
};

/* The conditions the CLI detects itself → exit code: one row each, so every command gives the
 * same code for the same condition (an unwritable output is the environment's fault, not the
 * input's: 1; a wrong-size mask is a bad input file: 3, like every other bad input). */
static const int cond_codes[CLI_COND_COUNT] = {
    [CLI_COND_USAGE] = EXIT_USAGE,        [CLI_COND_BAD_VALUE] = EXIT_USAGE,
    [CLI_COND_BAD_FILE] = EXIT_BAD_INPUT, [CLI_COND_OUTPUT] = EXIT_INTERNAL,
    [CLI_COND_NOTHING] = EXIT_IMPOSSIBLE, [CLI_COND_STORE] = EXIT_STORE,
    [CLI_COND_INTERNAL] = EXIT_INTERNAL,
};

int cli_exit_for(cli_cond c)
{
    return (unsigned)c < CLI_COND_COUNT ? cond_codes[c] : EXIT_INTERNAL;
}

int cli_exit_code(skinq_status st)
{
    return (unsigned)st < SKINQ_STATUS_COUNT ? exit_codes[st] : EXIT_INTERNAL;
}

int cli_fail(skinq_ctx *ctx, skinq_status st)
{
    const char *msg = ctx ? skinq_ctx_error(ctx) : "";
    fprintf(stderr, "skinq: %s\n", msg && *msg ? msg : skinq_status_str(st));
    return cli_exit_code(st);
}

static void print_warning(const char *msg, void *user)
{
    (void)user;
    if (!g_opts.quiet)
        fprintf(stderr, "skinq: warning: %s\n", msg);
}

skinq_ctx *cli_ctx_open(void)
{
    return cli_ctx_open_batch(0);
}

skinq_ctx *cli_ctx_open_batch(int batch)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.keep_buffers = batch;
#if defined(__GLIBC__)
    /* A batch's photos allocate the same scratch again and again: kept by malloc instead of given
     * back to the OS after each photo (its trim) or mapped afresh (blocks above 128 KiB), their
     * pages are faulted in once, not per photo (4 12-MP photos: 13.7k page faults -> 7.1k). */
    if (batch) {
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
    }
#endif
    s.threads = g_opts.threads;
    s.max_pixels = (uint64_t)g_opts.max_pixels;
    if (g_opts.max_bytes > 0)
        s.max_bytes = (uint64_t)g_opts.max_bytes;
    if (g_opts.isa)
        skinq_isa_parse(g_opts.isa, &s.isa_mask);
    /* An ISA asked for (option or SKINQ_ISA) that this CPU lacks: say so, then fall back. */
    const char *asked = g_opts.isa ? g_opts.isa : getenv("SKINQ_ISA");
    unsigned mask;
    if (asked && *asked) {
        if (skinq_isa_parse(asked, &mask) != 0) {
            if (!g_opts.quiet)
                fprintf(stderr,
                        "skinq: warning: SKINQ_ISA='%s' is not scalar, sse41, avx2, avx512 or all; ignored\n",
                        asked);
        } else if ((mask & ~skinq_cpu_isa()) && strcmp(asked, "all") != 0 && !g_opts.quiet) {
            fprintf(stderr, "skinq: warning: this CPU lacks %s; using %s\n", asked,
                    skinq_isa_name(skinq_cpu_isa() & mask));
        }
    }
    skinq_ctx *ctx = NULL;
    skinq_status st = skinq_ctx_open(&ctx, &s);
    if (st != SKINQ_OK) {
        fprintf(stderr, "skinq: cannot start: %s\n", skinq_status_str(st));
        return NULL;
    }
    skinq_ctx_set_warning_handler(ctx, print_warning, NULL);
    return ctx;
}

static void main_help(FILE *f)
{
    fprintf(f,
            "skinq %s -- measure skin in before/after photographs\n\n"
            "usage: skinq COMMAND [options] [files]\n\ncommands:\n",
            skinq_version());
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\n'skinq help COMMAND' or 'skinq COMMAND --help' for a command's options.\n"
          "exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input file,\n"
          "            4 analysis impossible, 5 store error\n",
          f);
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("skinq: no command given (try 'skinq --help')\n", stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        main_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("skinq %s\n", skinq_version());
        return EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            main_help(stdout);
            return EXIT_OK;
        }
        const cli_command *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "skinq: unknown command '%s' (try 'skinq --help')\n", argv[2]);
            return EXIT_USAGE;
        }
        cli_help(c, stdout);
        return EXIT_OK;
    }
    const cli_command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "skinq: unknown command '%s' (try 'skinq --help')\n", name);
        return EXIT_USAGE;
    }
    return c->run(c, argc - 1, argv + 1);
}
