/* aopts.h -- the analysis options `analyze`, `compare` and `track add` share (ROI, reference,
 * white patch, scale, red threshold, texture), as option-table rows and one setup function. */
#ifndef SKINQ_CLI_AOPTS_H
#define SKINQ_CLI_AOPTS_H

#include <cjson/cJSON.h>

#include "cli.h"

typedef struct cli_aopts {
    const char *roi, *mask, *ref, *white;
    const char *auto_skin; /* NULL, or the mode: "auto", "face" or "limb" */
    const char *camera;    /* NULL, or a camera's sensitivities CSV (the skin model's) */
    int no_texture;
    cli_word_number px_per_mm; /* a number, or "marker[:MM[:ID]]" */
    double white_reflectance, red_threshold;
    const char *scale; /* --scale marker[:MM[:ID]] */
    double marker_mm;  /* > 0: the scale comes from a marker of this size in each photo */
    int marker_id;     /* its id, or -1: the one marker found */
} cli_aopts;

extern cli_aopts g_aopts;

/* The rows, to put in a command's option table. */
#define CLI_ANALYSIS_OPTIONS                                                                                 \
    {"roi", 0, OPT_STRING, &g_aopts.roi, "x,y,w,h", "region of interest (pixels of the upright image)"},     \
        {"mask",        0,       OPT_STRING,                                                                 \
         &g_aopts.mask, "M.png", "region of interest as a mask image (nonzero = inside)"},                   \
        {"auto-skin",      0,                                                                                \
         OPT_CHOICE,       &g_aopts.auto_skin,                                                               \
         "auto|face|limb", "region of interest = detected skin (face: seeded by a face; limb: no face)"},    \
        {"ref",        0,         OPT_STRING,                                                                \
         &g_aopts.ref, "x,y,w,h", "untreated reference skin: every metric also as delta_ref"},               \
        {"white",        0,         OPT_STRING,                                                              \
         &g_aopts.white, "x,y,w,h", "white/grey patch: per-channel gains in linear RGB first"},              \
        {"white-reflectance",        0,   OPT_DOUBLE,                                                        \
         &g_aopts.white_reflectance, "R", "the patch's reflectance (default 1; a grey card 0.18-0.8)",       \
         CLI_IN_OPEN(0, 1)},                                                                                 \
        {"px-per-mm",                                                                                        \
         0,                                                                                                  \
         OPT_DOUBLE,                                                                                         \
         &g_aopts.px_per_mm,                                                                                 \
         "S|marker:MM",                                                                                      \
         "scale: lengths and areas in mm (else px, \"scale\": \"unknown\"); marker[:MM[:ID]]: from the "     \
         "ArUco sticker of `skinq marker` (MM default 10) in each photo, its pixels out of the ROI",         \
         RANGE_LO_OPEN | RANGE_OR_WORD,                                                                      \
         0,                                                                                                  \
         0},                                                                                                 \
        {"scale", 0, OPT_STRING, &g_aopts.scale, "marker[:MM[:ID]]", "the same as --px-per-mm marker..."},   \
        {"red-threshold",        0,   OPT_DOUBLE,                                                            \
         &g_aopts.red_threshold, "A", "a* units above the reference median for red area (default 5)"},       \
        {"camera",                                                                                           \
         0,                                                                                                  \
         OPT_STRING,                                                                                         \
         &g_aopts.camera,                                                                                    \
         "C.csv",                                                                                            \
         "the image is this camera's white-balanced RGB (CSV wavelength_nm,r,g,b): "                         \
         "hemoglobin and melanin through its sensitivities (default: an sRGB photo)"},                       \
    {                                                                                                        \
        "no-texture", 0, OPT_FLAG, &g_aopts.no_texture, NULL, "colour metrics only"                          \
    }

/* The options of the commands that register one photo onto another (`compare`, `repeat`). */
typedef struct cli_copts {
    const char *chart;
    int no_align, ecc_size;
} cli_copts;

extern cli_copts g_copts;

#define CLI_COMPARE_OPTIONS                                                                                  \
    {"chart",       0,                                                                                       \
     OPT_STRING,    &g_copts.chart,                                                                          \
     "F.json|auto", "ColorChecker corners per photo (auto: detected): 3x3 colour matrix each"},              \
        {"no-align", 0, OPT_FLAG, &g_copts.no_align, NULL, "take the photos as aligned (no registration)"},  \
    {                                                                                                        \
        "ecc-size", 0, OPT_INT, &g_copts.ecc_size, "N",                                                      \
            "long side of the ECC refinement (default 1024; 0 = full resolution, -1 = none)",                \
            CLI_IN(-1, 1000000)                                                                              \
    }

/**
 * The analysis and compare options checked, a context opened and `co` filled (co->analysis = o;
 * *mask loaded from --mask, the caller frees it and closes *ctx). @return -1 to go on, else the
 * exit code (printed).
 */
int cli_compare_setup(const cli_command *cmd, skinq_ctx **ctx, skinq_analysis_options *o, skinq_mask **mask,
                      skinq_compare_options *co);

/**
 * Check the options and fill `o` (loading --mask into *mask, which the caller frees; the mask
 * is only loaded when ctx is not NULL; so is --camera, kept until the process exits). @return -1 to go on,
 * else the exit code (a usage error or load error has been printed).
 */
int cli_aopts_setup(const cli_command *cmd, skinq_ctx *ctx, skinq_analysis_options *o, skinq_mask **mask);

/** The scale marker found in one photo (--px-per-mm marker): what the analysis options point at. */
typedef struct cli_marker {
    int used;         /* 1 when the scale came from a marker */
    skinq_marker m;   /* the marker */
    skinq_mask *mask; /* its pixels (o->roi.exclude), owned */
    uint64_t excluded;
} cli_marker;

/**
 * With --px-per-mm marker: find the marker in the photo at `path`, set o->px_per_mm and
 * o->roi.exclude from it (mk keeps the mask; cli_marker_release() frees it) and warn (one stderr
 * line) above SKINQ_MARKER_TILT_WARN degrees of tilt. Without it: nothing. @return -1 to go on,
 * else the exit code (printed: "no ArUco marker found in 'photo.jpg'" is 4).
 */
int cli_marker_apply(skinq_ctx *ctx, const char *path, skinq_analysis_options *o, cli_marker *mk);
void cli_marker_release(cli_marker *mk);

/** An analysis document's "scale" as the marker found it (source "marker", scale.marker {...}) and
 * roi.excluded; nothing when mk->used is 0. */
void cli_marker_json(cJSON *doc, const cli_marker *mk);

/** The options as JSON (stored with every tracked measurement). */
cJSON *cli_aopts_json(const skinq_analysis_options *o);

#endif
