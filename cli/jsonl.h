/* jsonl.h -- what `batch` and `track import` share of the results files (one JSON object a line):
 * reading the complete lines (a last line without its newline is a killed write: dropped), and
 * the key that says a photo is done (subject, site, session date/time/label, sha256). */
#ifndef SKINQ_CLI_JSONL_H
#define SKINQ_CLI_JSONL_H

#include <stddef.h>

/**
 * Read a file whole into *text (NUL-terminated, caller frees); *complete is the length up to and
 * including its last newline (what follows is a partial line). A missing file reads as empty.
 * @return 0, or -1 with errno set (unreadable), -2 out of memory.
 */
int jsonl_read(const char *path, char **text, size_t *len, size_t *complete);

/** A set of strings (the done keys). */
typedef struct jsonl_keys {
    char **slot;
    size_t cap, n;
} jsonl_keys;

/** 1 when key is in the set. */
int jsonl_keys_has(const jsonl_keys *k, const char *key);
/** Add a key (a copy); @return 0, -1 out of memory. */
int jsonl_keys_add(jsonl_keys *k, const char *key);
void jsonl_keys_free(jsonl_keys *k);

/** The key of a photo in a session: "subject\x1fsite\x1fdate\x1ftime\x1flabel\x1fsha256" (time ""
 * when none), allocated (NULL out of memory). */
char *jsonl_key(const char *subject, const char *site, const char *date, const char *time, const char *label,
                const char *sha256);

#endif
