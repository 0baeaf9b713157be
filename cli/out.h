/* out.h -- the one place results leave the CLI: JSON through cJSON, never by hand. */
#ifndef SKINQ_CLI_OUT_H
#define SKINQ_CLI_OUT_H

#include <cjson/cJSON.h>

#include "skinq.h"

/** Print a JSON document to stdout (formatted, with a final newline) and free it. */
int out_json(cJSON *doc);

/** Add a number that may be NaN/inf: those become null (JSON has no NaN). */
cJSON *out_add_number(cJSON *obj, const char *key, double v);

/** {"path","size_bytes","sha256"} for an input file; NULL (message in ctx) if unreadable. */
cJSON *out_file_provenance(skinq_ctx *ctx, const char *path, skinq_status *st);

#endif
