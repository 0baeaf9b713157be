/* skin_limb.c -- auto-skin's limb path, for close-ups without a face (an arm, a back, a
 * dermoscopy field): the densest cluster of skin-coloured chromaticities in the photo is its
 * skin. A mode, not a mean or median: warm fabric or wood beside the skin moves a median but not
 * the peak of the skin's own cluster. The mode's cells seed a colour model (skin_shape.c), and
 * skin is every skin-coloured cell near that model, after a 3×3 opening, in regions of at least
 * a tenth of the largest. */
#include <math.h>
#include <string.h>

#include "color/skin_int.h"

/* A 2-D histogram of (log R/G, log B/G) over the skin gamut's span, bins of 0.02 (2 % in a
 * channel ratio: finer than two skins differ, coarser than JPEG noise on a cell's mean). */
#define BIN 0.02
#define C0_LO (-0.5)
#define C1_LO (-2.5)
#define NB 150

static int bin_of(double v, double lo)
{
    int b = (int)floor((v - lo) / BIN);
    return b < 0 ? 0 : b >= NB ? NB - 1 : b;
}

/* The densest bin of the gamut cells' chromaticities after a 5×5 box smoothing (a cluster's
 * mass, not one lucky bin). */
static void chroma_mode(const skin_cells *c, uint32_t *hist, double mode[2])
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    memset(hist, 0, (size_t)NB * NB * sizeof *hist);
    for (size_t i = 0; i < cells; i++)
        if (c->gamut[i])
            hist[bin_of(c->chroma[2 * i], C0_LO) * NB + bin_of(c->chroma[2 * i + 1], C1_LO)]++;
    uint64_t best = 0;
    int bi = 0, bj = 0;
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NB; j++) {
            uint64_t s = 0;
            for (int di = -2; di <= 2; di++)
                for (int dj = -2; dj <= 2; dj++) {
                    int ii = i + di, jj = j + dj;
                    if (ii >= 0 && jj >= 0 && ii < NB && jj < NB)
                        s += hist[ii * NB + jj];
                }
            if (s > best) {
                best = s;
                bi = i;
                bj = j;
            }
        }
    mode[0] = C0_LO + (bi + 0.5) * BIN;
    mode[1] = C1_LO + (bj + 0.5) * BIN;
}

#define LIMB_D2_MAX 9.0

skinq_status skin_limb_path(skinq_ctx *ctx, const skin_cells *c, uint8_t *keep, double model_lab[3])
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    uint32_t *hist = skinq_malloc(ctx, (size_t)NB * NB * sizeof *hist);
    uint8_t *seed = skinq_calloc(ctx, cells, 1), *tmp = skinq_malloc(ctx, cells);
    skinq_status st = hist && seed && tmp ? SKINQ_OK : SKINQ_E_NOMEM;
    skin_model m = {0};
    if (st == SKINQ_OK) {
        double mode[2];
        chroma_mode(c, hist, mode);
        for (size_t i = 0; i < cells; i++) /* the mode's 5×5 bins */
            seed[i] = c->gamut[i] && fabs(c->chroma[2 * i] - mode[0]) <= 2.5 * BIN &&
                      fabs(c->chroma[2 * i + 1] - mode[1]) <= 2.5 * BIN;
        st = skin_model_fit(ctx, c, seed, &m);
    }
    if (st == SKINQ_OK && m.seeds > 0) {
        m.red_weight = 0; /* skin redder than the photo's commonest skin: a treated area, kept whole */
        for (size_t i = 0; i < cells; i++)
            keep[i] = c->gamut[i] && c->lab[3 * i] >= m.L_lo && c->lab[3 * i] <= m.L_hi &&
                      skin_model_d2(&m, c, i) <= LIMB_D2_MAX;
        skin_morph3(keep, tmp, c->w, c->h, 0);
        skin_morph3(tmp, keep, c->w, c->h, 1);
        st = skin_keep_large(ctx, keep, c->w, c->h);
        memcpy(model_lab, m.lab, sizeof m.lab);
    }
    skinq_free(ctx, hist);
    skinq_free(ctx, seed);
    skinq_free(ctx, tmp);
    return st;
}
