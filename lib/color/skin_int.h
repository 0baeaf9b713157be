/* skin_int.h -- internal: auto-skin's working copy (a grid of cells) and the two paths that find
 * skin in it: skin_face.c (seeded by a face detector) and skin_limb.c (no face: the dominant
 * skin-coloured cluster). skin.c chooses, skin_cells.c builds the grid, skin_shape.c holds the
 * grid's morphology. */
#ifndef SKINQ_COLOR_SKIN_INT_H
#define SKINQ_COLOR_SKIN_INT_H

#include "color/color_int.h"

/** A ~1-megapixel working copy: cells of f×f pixels, w×h of them, each described by the mean
 *  linear colour (after gains) of its unclipped pixels. */
typedef struct skin_cells {
    int f, w, h;
    float *lab;      /**< CIELAB (D65) of the mean colour, 3 a cell */
    float *chroma;   /**< log(R/G), log(B/G) of the mean colour, 2 a cell: shading and exposure
                          scale R, G and B alike and so drop out */
    uint8_t *ok;     /**< the cell has unclipped pixels, at least half of those inside alpha */
    uint8_t *gamut;  /**< ok, and its colour is one skin can have (skin_in_gamut) */
    uint8_t *gray;   /**< Rec. 601 luma of the encoded values, 8-bit (the face detector's input) */
    uint8_t *fine;   /**< fine-scale contrast: mean |gray - gray of a neighbour| over the 8
                          neighbouring cells, 8-bit (skin is smooth at this scale; wood grain,
                          weave, print and machined metal are not) */
    uint64_t inside; /**< pixels inside alpha (all without one) */
} skin_cells;

skinq_status skin_cells_make(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                             const double gains[3], skin_cells *c);
void skin_cells_free(skinq_ctx *ctx, skin_cells *c);

/** The colours of skin of every ITA class: 20 <= L* <= 95, 6 <= chroma <= 60, hue 15°–85°
 *  (grey cards, sclera, highlights, dark hair, pupils, blue or green backgrounds, saturated
 *  paints and fabrics fall outside). */
int skin_in_gamut(const float lab[3]);

/** A robust Gaussian model of skin colour: centre and covariance of (log R/G, log B/G), and the
 *  lightness range, from a set of seed cells. */
typedef struct skin_model {
    double c[2], icov[3]; /**< centre; inverse covariance (xx, xy, yy) */
    double L_lo, L_hi;    /**< lightness accepted */
    double lab[3];        /**< median L*, a*, b* of the seeds that fit */
    int seeds;            /**< seed cells that fit (estimated from a sample of at most 65536) */
    double red[2];        /**< unit direction in which more blood moves a chromaticity */
    double red_weight;    /**< how much a move that way counts (1 = like any other; 0 = not at all) */
} skin_model;

/**
 * Fit the model to the usable cells with seed[i] set (median, then the mean and covariance of
 * those within 2.5 robust sigmas, with floors so a uniform patch does not give a razor-thin
 * model). m->seeds = the seeds that fit (0: none, and the model is unusable).
 * @return SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status skin_model_fit(skinq_ctx *ctx, const skin_cells *c, const uint8_t *seed, skin_model *m);

/** Squared Mahalanobis distance of cell i's chroma from the model, the part of the difference
 *  toward more blood scaled by m->red_weight (fit: 1/sqrt(3), a third in d²): treated, redder
 *  skin is what skinq measures, so it must not be cut from its surroundings. */
double skin_model_d2(const skin_model *m, const skin_cells *c, size_t i);

/** 3×3 erosion (op 0) or dilation (op 1) of a w×h 0/1 grid (edge cells replicated beyond it). */
void skin_morph3(const uint8_t *in, uint8_t *out, int w, int h, int op);

/**
 * Grow from the cells with seed[i] set through 4-connected cells with allow[i] set; out[i] = 1
 * for each cell reached (seeds only count when allowed). @return SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status skin_grow(skinq_ctx *ctx, const uint8_t *seed, const uint8_t *allow, int w, int h, uint8_t *out);

/** A region filling at least this share of its bounding box is a rectangle (skin is not: a
 *  face's outline is an ellipse at best, pi/4, a limb runs out of the frame). */
#define SKIN_PATCH_FILL 0.85

/** Drop the regions that are rectangles inside the frame (grown by 3 cells, an 8-connected region
 *  filling SKIN_PATCH_FILL of its bounding box, at least 5×5 cells, off the border): printed
 *  patches, labels, cards; *dropped counts them. */
skinq_status skin_drop_patches(skinq_ctx *ctx, uint8_t *g, int w, int h, int *dropped);

/** Keep the 8-connected regions of at least a tenth of the largest one's size. */
skinq_status skin_keep_large(skinq_ctx *ctx, uint8_t *g, int w, int h);

/** 1 when a detector's box (cells) looks like a face: eyes and brows darker than the cheeks
 *  (their 20th percentile gray under 0.85 of the cheeks' median). */
int skin_face_plausible(const skin_cells *c, const skinq_rect *face);

/**
 * The face path: each face box (cells) seeds its own model from the cheeks and the forehead;
 * skin is grown from those seeds through cells near the model, outside the eyes, brows and
 * mouth, within reach of the face (skin_face.c). keep: w×h, zeroed by the caller.
 * @return SKINQ_OK (keep may be empty), SKINQ_E_NOMEM. model_lab: the first face's model centre.
 */
skinq_status skin_face_path(skinq_ctx *ctx, const skin_cells *c, const skinq_rect *faces, int n,
                            uint8_t *keep, double model_lab[3]);

/**
 * The limb path: the photo's chroma clusters are scored by mass, by the skin locus (melanin and
 * haemoglobin) and by fine-scale smoothness; the best (with up to two near, skin-like neighbours)
 * seeds the models; skin is every cell near one of them, on the locus, in a region of at least a
 * tenth of the largest (skin_limb.c), 3×3 opened and closed. Nothing skin-like, or only a flat
 * printed patch, leaves keep empty and *why saying so (else NULL).
 * @return SKINQ_OK (keep may be empty), SKINQ_E_NOMEM.
 */
skinq_status skin_limb_path(skinq_ctx *ctx, const skin_cells *c, uint8_t *keep, double model_lab[3],
                            const char **why);

#endif
