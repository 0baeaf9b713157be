/* params.c -- the colour kernels' constants for an image: the decomposition's absorption
 * directions and their inverse, the sRGB tables, gains, histogram ranges and moment shifts.
 * Shared by the analysis (color.c), the planes and skin detection (skin.c). */
#include <math.h>
#include <string.h>

#include "color/color_int.h"
#include "color/srgb.h"

/*
 * Optical-density decomposition (Tsumura et al. 1999/2003's skin model; the projection is
 * Ruifrok & Johnston 2001's colour deconvolution): OD_c = −log10(linear c) is modelled as
 *   OD = melanin·MEL + hemoglobin·HB + shading·(1, 1, 1)
 * and solved exactly with the inverse of [MEL HB 1]. Directions, in (R, G, B), evaluated at the
 * dominant wavelengths of the sRGB primaries rounded to Prahl's 10-nm grid, 610 / 550 / 465 nm:
 *   MEL: melanin absorption ∝ λ^−3.33 (Jacques, "Skin optics", Oregon Medical Laser Center News,
 *        1998), normalised to blue = 1: ((465/610)^3.33, (465/550)^3.33, 1) = (0.4050, 0.5718, 1).
 *   HB:  oxy-hemoglobin molar extinction (Prahl's tabulation of Gratzer & Kollias, omlc.org):
 *        1506, 43016, and (44480 + 33209.2)/2 at 465 nm, cm⁻¹/M, normalised to green = 1:
 *        (0.0350, 1, 0.9030).
 * Units: optical density per unit of the vector (relative; the skin's own base absorption and
 * the camera's broad bands shift them), comparable within a calibrated series. These are the
 * same published spectra lib/synth's phantoms use (its blue hemoglobin value is 0.88), so on
 * phantoms the decomposition nearly inverts the generator.
 */
static const double mel_od[3] = {0.40501395051151134, 0.5717557976835091, 1.0};
static const double hb_od[3] = {1506.0 / 43016.0, 1.0, (44480.0 + 33209.2) / 2 / 43016.0};

void skinq_color_od_vectors(double melanin[3], double hemoglobin[3])
{
    memcpy(melanin, mel_od, sizeof mel_od);
    memcpy(hemoglobin, hb_od, sizeof hb_od);
}

/* The moment shift of each metric until the region's own centre is known (kernel order). */
const float skinq_color_shift0[SKINQ_CM_COUNT] = {60, 10, 15, 30, 60, 0, 0, 30};

skinq_status skinq_color_params_init(skinq_ctx *ctx, skinq_color_params *p, const skinq_image *img,
                                     const double gains[3])
{
    memset(p, 0, sizeof *p);
    skinq_color_tables_init();
    p->dsp = skinq_color_dsp(skinq_ctx_isa(ctx));
    if (img->depth == 8) {
        p->lin = skinq_srgb8_decode_table();
        p->od = skinq_srgb8_od;
    } else if (img->depth == 16) {
        const float *t = skinq_color_tables16(ctx);
        if (!t)
            return SKINQ_E_NOMEM;
        p->lin = t;
        p->od = t + 65536;
    } else {
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "colour analysis takes 8- or 16-bit images, not %d-bit",
                          img->depth);
    }
    for (int c = 0; c < 3; c++) {
        double g = gains ? gains[c] : 1.0;
        p->gain[c] = (float)g;
        p->od_offset[c] = (float)-log10(g);
    }
    /* rows of the inverse of [MEL HB 1] give melanin and hemoglobin */
    double M[3][3], inv[3][3];
    for (int i = 0; i < 3; i++) {
        M[i][0] = mel_od[i];
        M[i][1] = hb_od[i];
        M[i][2] = 1;
    }
    double det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
                 M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
                 M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) { /* inverse = adjugate / det: inv[i][j] = cofactor(j, i) / det */
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (M[r0][c0] * M[r1][c1] - M[r0][c1] * M[r1][c0]) / det;
        }
    for (int c = 0; c < 3; c++) {
        p->decomp[0][c] = (float)inv[0][c];
        p->decomp[1][c] = (float)inv[1][c];
    }
    for (int m = 0; m < SKINQ_CM_COUNT; m++) {
        p->hist_lo[m] = skinq_color_hist_lo[m];
        p->hist_scale[m] = skinq_color_hist_scale[m];
        p->shift[m] = skinq_color_shift0[m];
    }
    return SKINQ_OK;
}
