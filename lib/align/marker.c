/* marker.c -- scale from a sticker: the printable ArUco marker (DICT_4X4_50) and, in a photo, its
 * four subpixel corners → the homography from its square in mm → px/mm and tilt at its centre,
 * and the pixels it covers (lib/align/README.md "Scale marker"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "align/align.h"

enum { MAX_FOUND = 64, MIN_SIDE_PX = 24, MAX_SIDE_PX = 20000 };

skinq_status skinq_marker_render(skinq_ctx *ctx, int id, double size_mm, double dpi, skinq_image **out,
                                 double *px_per_mm)
{
    if (id < 0 || id >= CVW_ARUCO_IDS)
        return skinq_fail(ctx, SKINQ_E_INVALID, "marker id %d is outside 0..%d (%s)", id, CVW_ARUCO_IDS - 1,
                          SKINQ_MARKER_DICTIONARY);
    double side = round(size_mm * dpi / 25.4);
    if (!(side >= MIN_SIDE_PX && side <= MAX_SIDE_PX))
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "a %g mm marker at %g dpi is %.0f px: it needs %d..%d (4 px a cell at least)",
                          size_mm, dpi, side, MIN_SIDE_PX, MAX_SIDE_PX);
    int s = (int)side, quiet = (int)lround(side / CVW_ARUCO_CELLS), total = s + 2 * quiet;
    skinq_image *img = NULL;
    skinq_status st = skinq_image_new(ctx, total, total, 1, 8, &img);
    if (st != SKINQ_OK)
        return st;
    for (int y = 0; y < total; y++)
        memset(skinq_image_row(img, y), 255, (size_t)total);
    st = cvw_aruco_draw(ctx, id, s, skinq_image_row(img, quiet) + quiet, img->stride);
    if (st != SKINQ_OK) {
        skinq_image_free(&img);
        return st;
    }
    *out = img;
    if (px_per_mm)
        *px_per_mm = side / size_mm;
    return SKINQ_OK;
}

/* The scale, the tilt and the sides of the marker whose corners are c (px), of side size_mm. */
static int measure(const double c[8], double size_mm, skinq_marker *m)
{
    const double sq[8] = {0, 0, size_mm, 0, size_mm, size_mm, 0, size_mm};
    if (skinq_mat3_from_quad(sq, c, m->H) != 0)
        return -1;
    memcpy(m->corners, c, sizeof m->corners);
    for (int k = 0; k < 4; k++)
        m->side_px[k] = hypot(c[(2 * k + 2) % 8] - c[2 * k], c[(2 * k + 3) % 8] - c[2 * k + 1]);
    double det, s1, s2, h = size_mm / 2;
    if (!(skinq_mat3_local_map(m->H, h, h, &det, &s1, &s2) > 0) || !(det > 0))
        return -1; /* mirrored, or the centre beyond the horizon: not a printed marker */
    skinq_mat3_apply(m->H, h, h, &m->center[0], &m->center[1]);
    m->size_mm = size_mm;
    m->px_per_mm = sqrt(det);
    m->px_per_mm_max = s1, m->px_per_mm_min = s2;
    m->tilt_deg = acos(fmin(s2 / s1, 1)) * 180 / 3.14159265358979323846;
    return 0;
}

skinq_status skinq_marker_find(skinq_ctx *ctx, const skinq_image *img, int id, double size_mm,
                               skinq_marker *out)
{
    if (!img || !out || !(size_mm > 0) || !isfinite(size_mm) || id >= CVW_ARUCO_IDS)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "skinq_marker_find: a marker's size must be > 0 mm and its id < %d", CVW_ARUCO_IDS);
    align_plane luma = {0};
    skinq_status st = align_luma(ctx, img, &luma);
    int ids[MAX_FOUND], n = 0;
    double corners[8 * MAX_FOUND];
    if (st == SKINQ_OK) {
        cvw_plane p = align_cv(&luma);
        st = cvw_aruco_detect(ctx, &p, MAX_FOUND, ids, corners, &n);
    }
    align_plane_free(ctx, &luma);
    if (st != SKINQ_OK)
        return st;
    int pick = -1, hits = 0;
    for (int i = 0; i < n; i++)
        if (id < 0 || ids[i] == id)
            pick = i, hits++;
    if (n == 0)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "no ArUco marker (%s) found", SKINQ_MARKER_DICTIONARY);
    if (hits != 1) {
        char list[256] = "";
        for (int i = 0, len = 0; i < n && len < (int)sizeof list - 8; i++)
            len += snprintf(list + len, sizeof list - (size_t)len, "%s%d", i ? ", " : "", ids[i]);
        return skinq_fail(ctx, SKINQ_E_TOO_FEW,
                          hits ? "%d ArUco markers found (ids %s): choose one by its id"
                               : "no ArUco marker with id %d found (ids found: %s)",
                          hits ? hits : id, list);
    }
    skinq_marker m = {.id = ids[pick], .found = n};
    if (measure(corners + 8 * pick, size_mm, &m) != 0)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW, "ArUco marker %d found, but its corners make no square",
                          m.id);
    *out = m;
    return SKINQ_OK;
}

skinq_status skinq_marker_exclusion(skinq_ctx *ctx, const skinq_marker *m, int width, int height,
                                    skinq_mask **out, uint64_t *pixels)
{
    double inv[9];
    if (skinq_mat3_inv(m->H, inv) != 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "the marker's homography is singular");
    /* the square grown by the quiet zone and by 2 px at the most foreshortened scale */
    double grow = m->size_mm / CVW_ARUCO_CELLS + 2 / m->px_per_mm_min, lo = -grow, hi = m->size_mm + grow;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int k = 0; k < 4; k++) {
        double x, y;
        if (skinq_mat3_apply(m->H, k & 1 ? hi : lo, k & 2 ? hi : lo, &x, &y) != 0)
            return skinq_fail(ctx, SKINQ_E_INVALID, "the marker's quiet zone reaches the horizon");
        x0 = fmin(x0, x), y0 = fmin(y0, y), x1 = fmax(x1, x), y1 = fmax(y1, y);
    }
    skinq_mask *mk = NULL;
    skinq_status st = skinq_mask_new(ctx, width, height, 0, &mk);
    if (st != SKINQ_OK)
        return st;
    uint64_t count = 0;
    int ya = (int)fmax(floor(y0), 0), yb = (int)fmin(ceil(y1), height - 1);
    int xa = (int)fmax(floor(x0), 0), xb = (int)fmin(ceil(x1), width - 1);
    for (int y = ya; y <= yb; y++)
        for (int x = xa; x <= xb; x++) {
            double u, v; /* the pixel's centre in the marker's mm: inside the grown square? */
            if (skinq_mat3_apply(inv, x, y, &u, &v) == 0 && u >= lo && u <= hi && v >= lo && v <= hi) {
                mk->data[(size_t)y * mk->stride + x] = 255;
                count++;
            }
        }
    *out = mk;
    if (pixels)
        *pixels = count;
    return SKINQ_OK;
}
