/* out.h -- the one place results leave the CLI: JSON through cJSON, never by hand. */
#ifndef SKINQ_CLI_OUT_H
#define SKINQ_CLI_OUT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "skinq_tools.h"

/**
 * Make sure `dir` is a folder we can write maps into (created if missing). @return -1 when it
 * is, else prints one line naming it and returns the exit code of an unwritable output (1).
 */
int out_dir_ready(const char *dir);

/** Make sure the folder of an output file exists and is writable (before any work). @return -1 when
 * it is, else prints one line naming the file and returns the exit code of an unwritable output (1). */
int out_file_ready(const char *path);

/**
 * Make every string in a JSON tree valid UTF-8 (cJSON prints bytes as they are): each byte of an
 * invalid sequence becomes U+FFFD, and an object member whose value was not valid UTF-8 (a file
 * name in another encoding) gets a sibling "<key>_base64" with the raw bytes. @return 0, or -1
 * out of memory.
 */
int out_json_utf8(cJSON *node);

/** Print a JSON document to stdout (formatted, with a final newline; every string valid UTF-8
 * through out_json_utf8) and free it. */
int out_json(cJSON *doc);

/** Add a number that may be NaN/inf: those become null (JSON has no NaN). */
cJSON *out_add_number(cJSON *obj, const char *key, double v);

/** A stored session's place in the course (track export, track sessions): one spelling of its keys. */
typedef struct out_session {
    int64_t id;
    const char *date, *time, *label, *procedure;
    int cycle;
    double day, cycle_day;
} out_session;
void out_add_session(cJSON *obj, const out_session *s);

/** 1 when a metric path is a row of the readable tables (compare, repeat): not histogram bins or the
 * spectrum's tile parameters, and of a colour metric only its mean, delta_ref and the red area. JSON and
 * CSV give every path. */
int out_table_metric(const char *path);

/** A number for a text table, "n/a" when not finite (NaN is never printed). @return buf. */
const char *out_num(char *buf, size_t n, const char *fmt, double v);

/** A number for CSV (%.9g), empty when not finite. @return buf. */
const char *out_num_csv(char *buf, size_t n, double v);

/** A registration as JSON: method, ok, matches, inliers, inlier_ratio, rms_px, overlap, ecc,
 * ecc_accepted, residual (features', ECC's, which was kept), viewpoint (tilt_deg, scale_min/max,
 * perspective, strong_perspective, inlier_coverage) and the matrix (after pixel -> before pixel);
 * the one writer compare and repeat use. */
cJSON *out_alignment_json(const skinq_alignment *al);

/** {"path","size_bytes","sha256"} for an input file; NULL (message in ctx) if unreadable. */
cJSON *out_file_provenance(skinq_ctx *ctx, const char *path, skinq_status *st);

/**
 * Add every metric into `root` as nested objects by dotted path ("color.a.mean" →
 * root.color.a.mean); numeric segments make arrays ("scars.items.0.area_mm2").
 * @return 0, or -1 if a path clashes with an existing non-object value.
 */
int out_metrics_json(cJSON *root, const skinq_metrics *m);

/** CSV: a header "image,metric,value,unit" (when header != 0), then one row per metric. */
void out_metrics_csv(FILE *f, const char *image, const skinq_metrics *m, int header);

/**
 * One photo's analysis as the design's JSON object: skinq_version, image (path, size, sha256),
 * scale, roi, reference, calibration, the metrics (color.*, texture.*), formulas and maps.
 * @return a new object, or NULL if metric paths clash.
 */
/** A DNG's or camera RAW's capture and development ("image.raw"); developed: as the analysis's
 *  loader applied it (white balance "none" shown as "from --white"). */
cJSON *out_raw_json(const skinq_raw_info *r, int developed);
cJSON *out_analysis_json(const skinq_analysis *a, const skinq_analysis_options *o);

/** auto-skin's account as JSON: mode, path, detector, faces_found, faces (x, y, w, h), kept_fraction,
 *  model_lab. */
cJSON *out_skin_json(const skinq_skin_info *k);

#endif
