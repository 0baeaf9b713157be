/* manifest.h -- a batch's manifest (CSV: one photo a row) and its shards, for `skinq batch`.
 * Self-contained (libc only), so tests/unit/test_manifest.c compiles it directly. */
#ifndef SKINQ_CLI_MANIFEST_H
#define SKINQ_CLI_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

/* The columns a manifest may name in its header row (any order; the first four are required). */
enum {
    MF_SUBJECT,
    MF_SITE,
    MF_DATE, /* YYYY-MM-DD[THH:MM[:SS]] or exif */
    MF_IMAGE,
    MF_ROI, /* optional from here: "" = the command line's */
    MF_MASK,
    MF_REF,
    MF_PX_PER_MM,
    MF_PROCEDURE,
    MF_LABEL,
    MF_COLUMNS
};

typedef struct manifest_row {
    int line;              /* line of the file the row starts on (1-based), for messages */
    char *col[MF_COLUMNS]; /* each column's text as written ("" when absent or empty) */
    char *image_path;      /* col[MF_IMAGE] resolved: a relative path is relative to the manifest's folder */
    char *mask_path;       /* col[MF_MASK] resolved likewise, NULL when none */
} manifest_row;

typedef struct manifest {
    manifest_row *rows;
    int n;
} manifest;

/** The column names, in the order of the enum. */
extern const char *const manifest_columns[MF_COLUMNS];

/**
 * Read a manifest: a header row naming the columns, then one photo a row (RFC 4180 quoting:
 * "a, b" and "say ""x""" and line breaks inside quotes; CRLF or LF; a UTF-8 BOM; blank lines
 * skipped). @return 0; -1 with a one-line reason in err (unreadable, an unknown or missing
 * column, a row with the wrong number of fields, an unclosed quote, an empty required field);
 * -2 out of memory.
 */
int manifest_load(const char *path, manifest *m, char *err, size_t err_size);

/** Parse manifest text (path only for resolving relative image paths); as manifest_load(). */
int manifest_parse(const char *text, size_t len, const char *path, manifest *m, char *err, size_t err_size);

void manifest_free(manifest *m);

/** FNV-1a 64 of "subject\x1fsite\x1fimage" (the image as written in the manifest, so a shard does
 * not depend on where the manifest is read from). */
uint64_t manifest_hash(const char *subject, const char *site, const char *image);

/** The 0-based shard (of n) a row belongs to: manifest_hash() mod n. */
int manifest_shard(const manifest_row *r, int n);

/**
 * A --shard value: "K/N" (0 <= K < N, 0-based), or "auto" / "auto/N" from the environment:
 * SLURM_ARRAY_TASK_ID (K = (ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP, N =
 * SLURM_ARRAY_TASK_COUNT, so --array=0-3 and --array=1-4 both give shards 0..3 of 4), else
 * JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs, 0-based; N from "auto/N" or SKINQ_SHARDS).
 * getenv_fn is getenv (tests pass their own). @return 0; -1 with the reason in err.
 */
int manifest_parse_shard(const char *arg, char *(*getenv_fn)(const char *), int *k, int *n, char *err,
                         size_t err_size);

#endif
