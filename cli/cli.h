/* cli.h -- what the subcommands share: option tables, global options, context, exit codes. */
#ifndef SKINQ_CLI_H
#define SKINQ_CLI_H

#include <stdio.h>

#include "skinq.h"
#include "skinq_tools.h" /* bench, synth, info: the CLI uses the developer tools */

/* Exit codes (design §3). */
enum {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1,
    EXIT_USAGE = 2,
    EXIT_BAD_INPUT = 3,
    EXIT_IMPOSSIBLE = 4,
    EXIT_STORE = 5
};

/* The conditions the CLI itself detects; cli_exit_for() maps each to its one exit code (main.c
 * holds the table, beside the library status map), so the same condition gives the same code
 * in every command. */
typedef enum {
    CLI_COND_USAGE,     /**< unknown option, missing/extra argument, clashing options: 2 */
    CLI_COND_BAD_VALUE, /**< an option's value out of its range or not a number: 2 */
    CLI_COND_BAD_FILE,  /**< an input file missing, unreadable or wrong (e.g. a wrong-size mask): 3 */
    CLI_COND_OUTPUT,    /**< an output file or folder that cannot be written: 1 */
    CLI_COND_NOTHING,   /**< nothing to work on (no stored values for the query): 4 */
    CLI_COND_STORE,     /**< the store missing or unusable: 5 */
    CLI_COND_INTERNAL,  /**< out of memory, stdout write failed: 1 */
    CLI_COND_COUNT
} cli_cond;

/** The exit code of a CLI condition. */
int cli_exit_for(cli_cond c);

/* Ranges of numeric options (cli_option.range): every number must be finite; these add bounds. */
enum {
    RANGE_LO = 1u,      /**< value >= lo */
    RANGE_LO_OPEN = 2u, /**< value > lo */
    RANGE_HI = 4u,      /**< value <= hi */
    RANGE_WHOLE = 8u,   /**< a whole number (OPT_DOUBLE holding a count) */
    RANGE_OR_WORD = 16u /**< OPT_DOUBLE into a cli_word_number: or a word, argname's text after '|' up to
                             ':' ("S|marker:MM" takes "marker", "marker:10", ...), kept as given */
};

/** The target of an OPT_DOUBLE row with RANGE_OR_WORD: the number (word NULL) or the word. */
typedef struct cli_word_number {
    double value;
    const char *word;
} cli_word_number;

/* OPT_CHOICE: a flag that may take one word of argname ("auto|face|limb", the first the default
 * when the word is left out) as --opt=WORD or --opt WORD. */
typedef enum { OPT_FLAG, OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_CHOICE } opt_kind;

/** One row of a command's option table; --help is generated from it. */
typedef struct cli_option {
    const char *name; /**< long name without "--" */
    char short_name;  /**< 0 when none */
    opt_kind kind;
    void *target;        /**< int* (FLAG, INT), double* (DOUBLE), const char ** (STRING, CHOICE) */
    const char *argname; /**< shown in help, e.g. "N" */
    const char *help;
    unsigned range; /**< RANGE_* bits for OPT_INT/OPT_DOUBLE (0: any finite number) */
    double lo, hi;
} cli_option;

/* Rows of flags and strings stop at `help` (their range fields are zero): allowed for the files
 * that hold option tables, which all include this header. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* Range shorthands for option rows: ..., help, CLI_GT(0) }. */
#define CLI_GT(a) RANGE_LO_OPEN, (a), 0
#define CLI_GE(a) RANGE_LO, (a), 0
#define CLI_IN(a, b) RANGE_LO | RANGE_HI, (a), (b)
#define CLI_IN_OPEN(a, b) RANGE_LO_OPEN | RANGE_HI, (a), (b)

#define CLI_OPTIONS_END                                                                                      \
    {                                                                                                        \
        NULL, 0, OPT_FLAG, NULL, NULL, NULL, 0, 0, 0                                                         \
    }

/** A subcommand. */
typedef struct cli_command {
    const char *name;
    int (*run)(const struct cli_command *self, int argc, char **argv);
    const char *usage;   /**< "info IMAGE [--json]" */
    const char *summary; /**< one line for `skinq --help` */
    const cli_option *options;
    const char *details; /**< extra help text, or NULL */
} cli_command;

/** Options every command takes (--threads, --isa, --max-pixels, -q, -v, --max-bytes). */
typedef struct cli_globals {
    int threads;
    const char *isa;
    double max_pixels;
    int quiet, verbose;
    double max_bytes; /* 0: the library's default */
} cli_globals;

extern cli_globals g_opts;

/**
 * Parse argv for `cmd` (argv[0] is the command name). Positional arguments are moved to
 * argv[*first .. argc-1]. @return -1 to continue, else the exit code to return at once
 * (0 after --help, EXIT_USAGE after printing a usage error).
 */
int cli_parse(const cli_command *cmd, int argc, char **argv, int *first);

/** cli_parse() for commands that take options only: any positional argument is a usage error. */
int cli_parse_options_only(const cli_command *cmd, int argc, char **argv);

/** Print a usage error for cmd as one line, "skinq: MSG (try 'skinq CMD --help')", and return
 * EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...);

/**
 * The one parser for numbers (every numeric option goes through it): a finite number, the whole
 * string (no trailing characters), no overflow, inside o's range; OPT_INT also a whole number that
 * fits an int. @return 0 with *v set, else prints one line "skinq: option '--NAME' needs a finite
 * number > 0, not 'ARG'" and returns EXIT_USAGE.
 */
int cli_parse_number(const cli_option *o, const char *arg, double *v);

/** cli_parse_number() without the message: 1 with *v set when arg is valid for o, else 0. */
int cli_number_ok(const cli_option *o, const char *arg, double *v);

/** Print a command's full help to f. */
void cli_help(const cli_command *cmd, FILE *f);

/** Open a context from the global options; on failure prints the error and returns NULL. */
skinq_ctx *cli_ctx_open(void);
/** The same for a command analysing several photos (batch != 0): their analyses reuse the colour
 *  tables and texture planes (skinq_settings.keep_buffers). */
skinq_ctx *cli_ctx_open_batch(int batch);

/** Print "skinq: <ctx error>" (or the status string) and map the status to an exit code. */
int cli_fail(skinq_ctx *ctx, skinq_status st);

/** Exit code for a library status. */
int cli_exit_code(skinq_status st);

/** The store path: --store, else $SKINQ_STORE, else ./skinq.db. */
const char *cli_store_path(const char *opt_store);

/** 1 if the store file exists; else prints a one-line error naming it and returns 0
 * (queries never create a store). */
int cli_store_exists(const char *path);

/** When a subject (or a subject's site) is not in the store: " (subjects in the store: A, B)" or
 *  " (sites of S01: cheek, chin)" into buf, for the one-line error; "" when both exist. */
void cli_store_known(skinq_ctx *ctx, skinq_store *s, const char *subject, const char *site, char *buf,
                     size_t size);

/* The subcommands (one file each). */
extern const cli_command cmd_info;
extern const cli_command cmd_analyze;
extern const cli_command cmd_compare;
extern const cli_command cmd_repeat;
extern const cli_command cmd_depth;
extern const cli_command cmd_bench;
extern const cli_command cmd_synth;
extern const cli_command cmd_track;
extern const cli_command cmd_trend;
extern const cli_command cmd_report;
extern const cli_command cmd_metrics;
extern const cli_command cmd_marker;
extern const cli_command cmd_batch;

#endif /* SKINQ_CLI_H */
