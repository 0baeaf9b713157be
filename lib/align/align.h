/* align.h -- internal: what the lib/align files share: 3×3 matrix helpers and 8-bit planes. */
#ifndef SKINQ_ALIGN_H
#define SKINQ_ALIGN_H

#include "align/cvwrap.h"

/* ---- 3×3 row-major homogeneous matrices (mat3.c) ---- */
void skinq_mat3_identity(double m[9]);
void skinq_mat3_mul(const double a[9], const double b[9], double out[9]); /* out = a·b (out may alias) */
/** Inverse; returns -1 (out unchanged) when |det| is tiny relative to the entries. */
int skinq_mat3_inv(const double m[9], double out[9]);
/** (x, y) → m·(x, y, 1) dehomogenised; returns -1 when the point maps to infinity. */
int skinq_mat3_apply(const double m[9], double x, double y, double *ox, double *oy);
/** Pixel-centre-exact map from a w×h grid to a resized dw×dh grid: x' = (x + ½)·dw/w − ½. */
void skinq_mat3_resize(double m[9], int w, int h, int dw, int dh);

/* ---- sRGB transfer (IEC 61966-2-1), continuous, in normalise.c ---- */
double align_srgb_decode(double encoded);  /* encoded 0..1 → linear */
double align_srgb_encode(double linear);   /* linear → encoded, clamped to 0..1 */

/* ---- owned 8-bit planes (plane.c) ---- */
typedef struct align_plane {
    uint8_t *data;
    int width, height;
    size_t stride;
} align_plane;

skinq_status align_plane_new(skinq_ctx *ctx, int w, int h, uint8_t fill, align_plane *p);
void align_plane_free(skinq_ctx *ctx, align_plane *p);
static inline cvw_plane align_cv(const align_plane *p)
{
    cvw_plane c = {p->data, p->width, p->height, p->stride};
    return c;
}
/** A mask as a borrowed plane (0 = outside). */
static inline cvw_plane align_mask_cv(const skinq_mask *m)
{
    cvw_plane c = {m->data, m->width, m->height, m->stride};
    return c;
}

/** 8-bit luma (Rec. 709 weights on the encoded values; gray copied, 16-bit >> 8) of an image. */
skinq_status align_luma(skinq_ctx *ctx, const skinq_image *img, align_plane *out);

/** src area-averaged to the size whose long side is `size` (no change when already smaller:
 * then a copy). A mask (0/nonzero) stays a mask: only fully covered cells keep 255. */
skinq_status align_downscale(skinq_ctx *ctx, const align_plane *src, int size, int is_mask, align_plane *out);

#endif
