/* skin_limb.c -- auto-skin's limb path, for photos without a frontal face: close-ups (an arm, a
 * back, a dermoscopy field) and scenes whose faces are turned away. The densest colour cluster is
 * not enough there: warm wood, yellow paint or fabric often outnumber the skin. So:
 *   1. candidates: the modes of the gamut cells' 2-D chroma histogram (non-maximum suppression),
 *      each a cluster's mass, not one lucky bin;
 *   2. each is scored by its mass, by where its colour lies against the skin locus (a physical
 *      prior: skin's chromaticity is spanned by melanin and haemoglobin) and by its fine-scale
 *      contrast (skin is smooth where wood grain, weave, print and machined metal are not);
 *   3. the best seeds a colour model (skin_shape.c); skin is every cell near it and on the locus,
 *      after a 3×3 opening, in regions of at least a tenth of the largest; redder than the model
 *      counts for nothing (treated skin is redder than the skin around it and is kept whole);
 *   4. nothing skin-like (no candidate on the locus, or only a flat print-like patch) leaves keep
 *      empty with a warning that says why, and skin.c refuses the photo (exit 4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "color/skin_int.h"

/* A 2-D histogram of (log R/G, log B/G) over the skin gamut's span, bins of 0.02 (2 % in a
 * channel ratio: finer than two skins differ, coarser than JPEG noise on a cell's mean). */
#define BIN 0.02
#define C0_LO (-0.5)
#define C1_LO (-2.5)
#define NB 150
#define MAX_CAND 8

static int bin_of(double v, double lo)
{
    int b = (int)floor((v - lo) / BIN);
    return b < 0 ? 0 : b >= NB ? NB - 1 : b;
}

/*
 * The skin locus. Skin's colour is the light its melanin and haemoglobin did not absorb
 * (Tsumura et al., "Independent-component analysis of skin color image", JOSA A 16, 1999; the
 * same optical-density model as params.c's decomposition): in optical density OD = mel·MEL +
 * hb·HB + shading·(1,1,1), so a chromaticity (shading drops out) is one (mel, hb) pair, solved
 * here exactly. Skin of every ITA class has blood (hb > 0: Kovac, Peer & Solina 2003's R > G
 * rule) and no more blood than melanin can explain its yellowness by; a near-grey surface (hb and
 * mel ~ 0), yellow paint (hb < 0), wood or tan fabric (much melanin-like yellow, little red) and
 * saturated reds (hb far above any skin) are off it. Warm, unbalanced light (Störring et al.,
 * "Physics-based modelling of human skin colour under mixed illuminants", 2001: the locus
 * stretches along the Planckian direction) moves skin mostly along +mel, so mel has a wide range
 * and the red-to-yellow balance (hb against mel) is what separates skin from wood.
 */
#define HB_MIN                                                                                               \
    0.08 /* pale skin in daylight ~0.1 (a fair face, 0.08–0.15); ColorChecker "light skin" 0.17            \
          */
#define HB_MAX                                                                                               \
    0.40                 /* a photo's commonest skin (not its treated part: see near_model) in daylight      \
                            0.15–0.3, under tungsten little more; an orange suit or red paint ~0.5+ */
#define MEL_MIN 0.10     /* skin is never neutral: albino skin still has ~0.2 */
#define MEL_MAX 1.60     /* very dark skin under tungsten light */
#define HB_PER_MEL 0.15  /* skin: ~0.5 in daylight, ~0.2 under tungsten; wood and tan ~0.1 */
#define LOCUS_SOFT 0.015 /* optical-density margin of the prior's soft edge */

static void mel_hb(double c0, double c1, double *mel, double *hb)
{
    double M[3], H[3];
    skinq_color_od_vectors(M, H);
    /* log(X/G) = -ln10·(OD_X - OD_G) */
    double a0 = -c0 / log(10.0), a1 = -c1 / log(10.0);
    double m00 = M[0] - M[1], m01 = H[0] - H[1], m10 = M[2] - M[1], m11 = H[2] - H[1];
    double det = m00 * m11 - m01 * m10;
    *mel = (a0 * m11 - m01 * a1) / det;
    *hb = (m00 * a1 - m10 * a0) / det;
}

/* How far (optical density) a chromaticity lies outside the skin locus; 0 on it. With redder = 1
 * there is no upper bound on blood (a cell may be inflamed or treated skin). */
static double locus_out(double c0, double c1, int redder)
{
    double mel, hb;
    mel_hb(c0, c1, &mel, &hb);
    double d = 0;
    d = fmax(d, HB_MIN - hb);
    d = redder ? d : fmax(d, hb - HB_MAX);
    d = fmax(d, MEL_MIN - mel);
    d = fmax(d, mel - MEL_MAX);
    d = fmax(d, HB_PER_MEL * mel - hb);
    return d;
}

/* A candidate cluster: its mode's bin, its mass (cells in the mode's 5×5 bins), their mean
 * fine-scale contrast, and the score. */
typedef struct {
    int bi, bj;
    double mass, fine, out, score;
} cand;

/* Contrast (gray levels between neighbouring cells) at which a cluster's score halves: JPEG noise
 * and pores on skin give ~1–3, wood grain, weave and machined metal ~6 and more. */
#define FINE_HALF 5.0

static double bin_centre(int b, double lo)
{
    return lo + (b + 0.5) * BIN;
}

/* 5×5 box sums of a histogram (a cluster's mass around each bin). */
static void box5(const double *in, double *out)
{
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NB; j++) {
            double s = 0;
            for (int di = -2; di <= 2; di++)
                for (int dj = -2; dj <= 2; dj++) {
                    int ii = i + di, jj = j + dj;
                    if (ii >= 0 && jj >= 0 && ii < NB && jj < NB)
                        s += in[ii * NB + jj];
                }
            out[i * NB + j] = s;
        }
}

/* Bin (i, j) is the largest of its 7×7 neighbourhood (ties go to the first): one mode a cluster. */
static int is_mode(const double *S, int i, int j)
{
    double v = S[i * NB + j];
    for (int di = -3; di <= 3; di++)
        for (int dj = -3; dj <= 3; dj++) {
            int ii = i + di, jj = j + dj;
            if ((di || dj) && ii >= 0 && jj >= 0 && ii < NB && jj < NB) {
                double u = S[ii * NB + jj];
                if (u > v || (u == v && ii * NB + jj < i * NB + j))
                    return 0;
            }
        }
    return 1;
}

static int cmp_score(const void *a, const void *b)
{
    double x = ((const cand *)a)->score, y = ((const cand *)b)->score;
    return (x < y) - (x > y);
}

/* The candidates, best first; returns how many. work: 4·NB² doubles. A cluster of fewer than
 * min_mass cells is noise, not a candidate. */
static int candidates(const skin_cells *c, double *work, double min_mass, cand *out)
{
    double *H = work, *F = work + NB * NB, *S = work + 2 * NB * NB, *SF = work + 3 * NB * NB;
    size_t cells = (size_t)c->w * (size_t)c->h;
    memset(work, 0, 2 * (size_t)NB * NB * sizeof *work);
    for (size_t i = 0; i < cells; i++)
        if (c->gamut[i]) {
            int b = bin_of(c->chroma[2 * i], C0_LO) * NB + bin_of(c->chroma[2 * i + 1], C1_LO);
            H[b] += 1;
            F[b] += c->fine[i];
        }
    box5(H, S);
    box5(F, SF);
    int n = 0;
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NB; j++) {
            double m = S[i * NB + j];
            if (m < min_mass || !is_mode(S, i, j))
                continue;
            cand k = {i, j, m, SF[i * NB + j] / m, locus_out(bin_centre(i, C0_LO), bin_centre(j, C1_LO), 0),
                      0};
            if (k.out > LOCUS_SOFT) /* off the locus: not skin, however large */
                continue;
            double prior = exp(-(k.out / LOCUS_SOFT) * (k.out / LOCUS_SOFT));
            k.score = m * prior / (1 + (k.fine / FINE_HALF) * (k.fine / FINE_HALF));
            if (n < MAX_CAND) {
                out[n++] = k;
            } else if (k.score > out[MAX_CAND - 1].score) {
                out[MAX_CAND - 1] = k;
            } else {
                continue;
            }
            qsort(out, (size_t)n, sizeof *out, cmp_score);
        }
    return n;
}

#define LIMB_D2_MAX 9.0

/* A few components: one person's skin in light and in shade, or under a warm lamp, spreads along
 * a line in chroma and forms several modes. Others join the best when they are on the locus,
 * smooth, not negligible, and within reach of a member (0.3 in log ratio: ~35 % in R/G or B/G). */
#define MIX 3
#define MIX_REACH 0.3

static int mixture(const cand *k, int n, int use[MIX])
{
    int m = 1;
    use[0] = 0;
    for (int j = 1; j < n && m < MIX; j++) {
        if (k[j].out > LOCUS_SOFT || k[j].fine > 2 * FINE_HALF || k[j].score < 0.1 * k[0].score)
            continue;
        for (int u = 0; u < m; u++)
            if (BIN * hypot(k[j].bi - k[use[u]].bi, k[j].bj - k[use[u]].bj) <= MIX_REACH) {
                use[m++] = j;
                break;
            }
    }
    return m;
}

/* Cells of the winner: near its model (redder counts for nothing), in its lightness range and
 * not far off the skin locus (a model's tail must not reach into the wood beside the skin). */
static void near_model(const skin_cells *c, const skin_model *m, uint8_t *keep)
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < cells; i++)
        keep[i] |= c->gamut[i] && c->lab[3 * i] >= m->L_lo && c->lab[3 * i] <= m->L_hi &&
                   skin_model_d2(m, c, i) <= LIMB_D2_MAX &&
                   locus_out(c->chroma[2 * i], c->chroma[2 * i + 1], 1) <= 2 * LOCUS_SOFT;
}

/* Skin on a body is shaded and textured: even the smoothest phantom skin (texture-ladder patch
 * 0) has a lightness spread of 0.65 L* over its cells, a photographed arm several. A region whose
 * lightness is uniform to a quarter of an L* is a printed or painted patch drawn digitally (a
 * rendered colour chart's skin patches), not skin. */
#define FLAT_SD 0.25

static int flat_patch(const skin_cells *c, const uint8_t *keep)
{
    size_t cells = (size_t)c->w * (size_t)c->h, n = 0;
    double fine = 0, s = 0, ss = 0;
    for (size_t i = 0; i < cells; i++)
        if (keep[i]) {
            n++;
            fine += c->fine[i];
            s += c->lab[3 * i];
            ss += (double)c->lab[3 * i] * c->lab[3 * i];
        }
    if (n == 0)
        return 0;
    double mean = s / (double)n, sd = sqrt(fmax(0, ss / (double)n - mean * mean));
    return sd < FLAT_SD;
}

skinq_status skin_limb_path(skinq_ctx *ctx, const skin_cells *c, uint8_t *keep, double model_lab[3])
{
    size_t cells = (size_t)c->w * (size_t)c->h, ngamut = 0;
    double *work = skinq_malloc(ctx, 4 * (size_t)NB * NB * sizeof *work);
    uint8_t *seed = skinq_calloc(ctx, cells, 1), *tmp = skinq_malloc(ctx, cells);
    skinq_status st = work && seed && tmp ? SKINQ_OK : SKINQ_E_NOMEM;
    skin_model m = {0};
    cand k[MAX_CAND];
    int n = 0;
    for (size_t i = 0; st == SKINQ_OK && i < cells; i++)
        ngamut += c->gamut[i];
    if (st == SKINQ_OK)
        n = candidates(c, work, fmax(20, 1e-4 * (double)cells), k);
    if (st == SKINQ_OK && n == 0) {
        skinq_warn(ctx, "limb path: no colour cluster of the photo lies on the skin locus");
        n = 0;
    }
    int use[MIX] = {0}, nuse = n > 0 ? mixture(k, n, use) : 0;
    for (int j = 0; st == SKINQ_OK && j < nuse; j++) {
        const cand *q = &k[use[j]];
        double m0 = bin_centre(q->bi, C0_LO), m1 = bin_centre(q->bj, C1_LO);
        for (size_t i = 0; i < cells; i++) /* the mode's 5×5 bins */
            seed[i] = c->gamut[i] && fabs(c->chroma[2 * i] - m0) <= 2.5 * BIN &&
                      fabs(c->chroma[2 * i + 1] - m1) <= 2.5 * BIN;
        st = skin_model_fit(ctx, c, seed, &m);
        if (st != SKINQ_OK || m.seeds == 0)
            continue;
        m.red_weight = 0; /* skin redder than the photo's commonest skin: a treated area, kept whole */
        near_model(c, &m, keep);
        if (j == 0)
            memcpy(model_lab, m.lab, sizeof m.lab);
    }
    if (st == SKINQ_OK && nuse > 0) {
        skin_morph3(keep, tmp, c->w, c->h, 0);
        skin_morph3(tmp, keep, c->w, c->h, 1);
        st = skin_keep_large(ctx, keep, c->w, c->h);
        if (st == SKINQ_OK && flat_patch(c, keep)) {
            skinq_warn(ctx, "limb path: the skin-coloured region is flat, without shading or texture "
                            "(a printed or painted patch, not skin)");
            memset(keep, 0, cells);
        }
    }
    skinq_free(ctx, work);
    skinq_free(ctx, seed);
    skinq_free(ctx, tmp);
    return st;
}
