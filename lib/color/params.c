/* params.c -- the colour kernels' constants for an image: the sRGB tables, gains, the skin
 * model's table, histogram ranges and moment shifts; and the old decomposition's directions.
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
 * Units: optical density per unit of the vector (relative). Until issue 20 color.hemoglobin and
 * color.melanin were this solve; on a spectral skin it leaks blood into melanin by 0.7–2.5 per
 * unit (lib/color/README.md), so they now come from the inverted spectral model (skin_table.c).
 * The directions remain what auto-skin's locus and lib/synth's three-vector phantoms use.
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
    p->skin = skinq_color_skin_table(ctx, NULL);
    if (!p->skin)
        return SKINQ_E_NOMEM;
    for (int m = 0; m < SKINQ_CM_COUNT; m++) {
        p->hist_lo[m] = skinq_color_hist_lo[m];
        p->hist_scale[m] = skinq_color_hist_scale[m];
        p->shift[m] = skinq_color_shift0[m];
    }
    return SKINQ_OK;
}
