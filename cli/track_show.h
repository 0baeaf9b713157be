/* track_show.h -- `skinq track show`'s timeline and change summary. */
#ifndef SKINQ_CLI_TRACK_SHOW_H
#define SKINQ_CLI_TRACK_SHOW_H

#include "out.h"
#include "skinq.h"

/** Print the timeline of subject (and site, NULL = all) and each site's change since its first
 * session. *lines receives the number of photo lines printed. @return SKINQ_OK, SKINQ_E_STORE,
 * SKINQ_E_NOMEM. */
skinq_status track_show(skinq_ctx *ctx, skinq_store *store, const char *subject, const char *site,
                        int *lines);

#endif
