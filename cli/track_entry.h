/* track_entry.h -- one photo's numbers for the store, as `track add` and `batch` make them:
 * registered onto its site's reference photo (or measured as it is), at the site's scale, with
 * the calibration JSON the store keeps; and a photo's session date from its EXIF. */
#ifndef SKINQ_CLI_TRACK_ENTRY_H
#define SKINQ_CLI_TRACK_ENTRY_H

#include "cli.h"

/* The scale a photo is measured with and where it came from (issue: one scale per site). */
struct track_scale {
    double given; /* --px-per-mm, 0 when not given */
    double site;  /* the site's, NaN when it has none yet (the analysis then uses the given one) */
    double entry; /* out: the scale the store is told (and checks against the site's): the given one
                     for a photo measured as it is, 0 for a registered one (measured in the reference's
                     frame, at the site's scale: its own follows from the matrix) */
};

/*
 * One photo's numbers for the store: registered onto the site's reference photo `first` when there
 * is one and !no_align (the ROI, mask and reference skin are given in that photo's frame, so later
 * photos are measured on the same skin, at the site's scale), else analysed as it is. A photo that
 * cannot be registered is refused: its numbers would be of other skin. *cal receives how it was
 * aligned and scaled (JSON text, free with cJSON_free).
 */
skinq_status track_analyse_for_store(skinq_ctx *ctx, const skinq_site_reference *first,
                                     struct track_scale *sc, const char *path, skinq_analyzer *an,
                                     int no_align, skinq_analysis **a, char **cal);

/* A photo's EXIF capture date (DateTimeOriginal, else DateTimeDigitized, else DateTime) into when;
 * no capture time is the photo's fault: SKINQ_E_FORMAT ("...; give --date"). */
skinq_status track_exif_when(skinq_ctx *ctx, const char *path, char when[32]);

#endif
