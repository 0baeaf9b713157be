/* report_int.h -- internal: what the report's files share (the one escaping writer, base64, the maps). */
#ifndef SKINQ_REPORT_INT_H
#define SKINQ_REPORT_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/core.h"

/** The one escaping writer: every string that did not come from the report's own files goes
 * through it, in text and in attribute values alike. NULL writes nothing. */
void report_html_text(FILE *f, const char *s);

/** n bytes as base64 (data: URIs of embedded images). */
void report_base64(FILE *f, const uint8_t *p, size_t n);

/**
 * A site's redness maps: skinq_compare() of the first and latest photos with the stored analysis
 * options (`options`, track add's JSON), embedded as PNGs with the normalisation applied. A pair
 * that cannot be compared is named on the page, not fatal. @return SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status report_site_maps(skinq_ctx *ctx, FILE *f, const char *options, const char *first_image,
                              const char *last_image, const char *first_label, const char *last_label);

#endif
