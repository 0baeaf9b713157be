/* skin_limb.c -- auto-skin's limb path, for photos without a frontal face: close-ups (an arm, a
 * back, a dermoscopy field) and scenes whose faces are turned away. The densest colour cluster is
 * not enough there: warm wood, yellow paint or fabric often outnumber the skin. So:
 *   1. candidates: the modes of the gamut cells' chroma histogram, one histogram a lightness band
 *      (a lit face and a dark table of the same hue are different clusters), with non-maximum
 *      suppression; each a cluster's mass, not one lucky bin;
 *   2. each is scored by its mass, by where its colour lies against the skin locus (a physical
 *      prior: skin's chromaticity is spanned by melanin and haemoglobin; off it, no candidate)
 *      and by its fine-scale contrast (skin is smooth where weave, fur, fruit and machined metal
 *      are not);
 *   3. the best, with up to two skin-like neighbours (light and shade of the same skin), seeds
 *      colour models (skin_shape.c); skin is every cell near one of them and on the locus, after
 *      a 3×3 opening, in regions of at least a tenth of the largest; redder than a model counts
 *      for nothing (treated skin is redder than the skin around it and is kept whole);
 *   4. redder cells count only in a region holding the model's own colour (treated skin touches
 *      the skin it is redder than), and rectangles inside the frame are printed patches, cards or
 *      labels, not skin;
 *   5. nothing skin-like (no candidate on the locus, only flat or rectangular patches) leaves
 *      keep empty with *why saying so, and skin.c refuses the photo (exit 4). */
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
 * here exactly. Skin of every ITA class has blood (hb > 0; cf. the R > G > B of Kovac, Peer &
 * Solina's rules, 2003) and some melanin; a near-grey surface (hb and mel ~ 0), yellow paint
 * (hb < 0), tan or ochre surfaces (much melanin-like yellow, little red) and saturated reds (hb
 * far above any skin) are off it; pinkish-brown wood is not, and only lightness and context tell
 * it from skin. Warm, unbalanced light (Störring et al.,
 * "Physics-based modelling of human skin colour under mixed illuminants", 2001: the locus
 * stretches along the Planckian direction) moves skin mostly along +mel, so mel has a wide range
 * and the red-to-yellow balance (hb against mel) is what separates skin from yellow-browns.
 */
/* Bounds, in the model's optical-density units (measured on this project's photos: the rendered
 * ColorChecker's skin patch mel 0.58, hb 0.17; the phantoms 0.38, 0.19; the fair astronaut portrait's cheeks
 * hb 0.08–0.15; the warm-lit 1940s Kodachromes' skin mel 0.7–1.3, hb 0.17–0.26; grey metal,
 * concrete and white surfaces hb < 0.07; an orange suit hb ~0.5). */
#define HB_MIN 0.08      /* the palest skin still has this much blood's red */
#define HB_MAX 0.40      /* a photo's commonest skin (its treated part may be redder: near_model) */
#define MEL_MIN 0.10     /* neutral surfaces have ~0 */
#define MEL_MAX 1.60     /* very dark skin under tungsten light */
#define HB_PER_MEL 0.15  /* skin ~0.3–0.5 in daylight, ~0.2 under tungsten; tan and yellow-brown ~0.1 */
#define LOCUS_SOFT 0.015 /* the prior's soft edge: beyond it a cluster is no candidate */

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
    int bi, bj, band;
    double mass, fine, out, score;
} cand;

/* Contrast (gray levels between neighbouring cells) at which a cluster's score halves. Measured:
 * skin phantoms and close-ups 1–3 (JPEG noise, pores); small faces in a scene 5–7 (a face 50 cells
 * across: its eyes and mouth are in the cells' neighbourhoods); machined metal ~9, fruit 9–15,
 * fur 14–23, sweets 50. (Planed wood can be as smooth as skin: texture only
 * helps against the rougher surfaces.) */
#define FINE_HALF 8.0

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

/* Lightness bands: a candidate is a chroma mode within one band of 20 L*, so a lit face and a
 * dark table of the same hue (a shading-free chromaticity cannot tell them apart) are separate
 * clusters with separate models. The darkest band's votes count a quarter: a dark cell's
 * chromaticity is a ratio of small, noisy, quantised values (8-bit codes of 20–60, where a step is
 * 2–5 % of a ratio, as wide as the locus's margins), and in shadow the colour is as much the light
 * bounced off the surroundings as the surface's own; a dark cluster still wins when nothing
 * lit is skin-like (very dark skin, L* 30–40, has no lit competitor of its own colour). */
#define DARK_VOTE 0.25
#define NBAND 4
#define BAND_LO 20.0
#define BAND_W 20.0

static int band_of(float L)
{
    int b = (int)floor((L - BAND_LO) / BAND_W);
    return b < 0 ? 0 : b >= NBAND ? NBAND - 1 : b;
}

static void add_mode(cand *out, int *n, const cand *k)
{
    if (*n < MAX_CAND)
        out[(*n)++] = *k;
    else if (k->score > out[MAX_CAND - 1].score)
        out[MAX_CAND - 1] = *k;
    else
        return;
    qsort(out, (size_t)*n, sizeof *out, cmp_score);
}

/* The modes of one band's histogram H (fine-contrast sums F) into out. S, SF: scratch. */
static void band_modes(int band, const double *H, const double *F, double *S, double *SF, double min_mass,
                       cand *out, int *n)
{
    box5(H, S);
    box5(F, SF);
    double vote = band == 0 ? DARK_VOTE : 1;
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NB; j++) {
            double m = S[i * NB + j];
            if (m < min_mass || !is_mode(S, i, j))
                continue;
            cand k = {
                i, j, band, m, SF[i * NB + j] / m, locus_out(bin_centre(i, C0_LO), bin_centre(j, C1_LO), 0),
                0};
            if (k.out > LOCUS_SOFT) /* off the locus: not skin, however large */
                continue;
            double prior = exp(-(k.out / LOCUS_SOFT) * (k.out / LOCUS_SOFT));
            k.score = vote * m * prior / (1 + (k.fine / FINE_HALF) * (k.fine / FINE_HALF));
            add_mode(out, n, &k);
        }
}

/* The candidates, best first; returns how many. work: (2·NBAND + 2)·NB² doubles. A cluster of
 * fewer than min_mass cells is noise, not a candidate. */
static int candidates(const skin_cells *c, double *work, double min_mass, cand *out)
{
    const size_t nb2 = (size_t)NB * NB, cells = (size_t)c->w * (size_t)c->h;
    double *H = work, *F = work + NBAND * nb2, *S = work + 2 * NBAND * nb2, *SF = S + nb2;
    memset(work, 0, 2 * NBAND * nb2 * sizeof *work);
    for (size_t i = 0; i < cells; i++)
        if (c->gamut[i]) {
            size_t b = (size_t)band_of(c->lab[3 * i]) * nb2 +
                       (size_t)(bin_of(c->chroma[2 * i], C0_LO) * NB + bin_of(c->chroma[2 * i + 1], C1_LO));
            H[b] += 1;
            F[b] += c->fine[i];
        }
    int n = 0;
    for (int band = 0; band < NBAND; band++)
        band_modes(band, H + band * nb2, F + band * nb2, S, SF, min_mass, out, &n);
    return n;
}

#define LIMB_D2_MAX 9.0

/* A few components: one person's skin in light and in shade, or under a warm lamp, spreads along
 * a line in chroma and forms several modes. Other candidates (all on the locus) join the best
 * when smooth, not negligible, and within reach of a member: 0.3 in log ratio (~35 % in R/G or B/G)
 * and the same or the next lightness band (shading is gradual; a dark table of the face's hue is
 * not the face in shadow). */
#define MIX 3
#define MIX_REACH 0.3

static int mixture(const cand *k, int n, int use[MIX])
{
    int m = 1;
    use[0] = 0;
    for (int j = 1; j < n && m < MIX; j++) {
        if (k[j].fine > 2 * FINE_HALF || k[j].score < 0.1 * k[0].score)
            continue;
        for (int u = 0; u < m; u++)
            if (BIN * hypot(k[j].bi - k[use[u]].bi, k[j].bj - k[use[u]].bj) <= MIX_REACH &&
                abs(k[j].band - k[use[u]].band) <= 1) {
                use[m++] = j;
                break;
            }
    }
    return m;
}

/* Cells of a component: near its model (redder counts for nothing), in its lightness range and
 * not far off the skin locus (a model's tail must not reach into a tan or ochre surface beside
 * the skin; no ceiling on blood: treated skin may be far redder than the photo's commonest). */
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
    double s = 0, ss = 0;
    for (size_t i = 0; i < cells; i++)
        if (keep[i]) {
            n++;
            s += c->lab[3 * i];
            ss += (double)c->lab[3 * i] * c->lab[3 * i];
        }
    if (n == 0)
        return 0;
    double mean = s / (double)n, sd = sqrt(fmax(0, ss / (double)n - mean * mean));
    return sd < FLAT_SD;
}

/* Redder than the model counts for nothing only in a region that holds the model's own colour:
 * treated skin is surrounded by, or touches, the skin it is redder than; a red object elsewhere
 * (a chart's red patch, a red garment) does not. comp keeps the regions reached from its cells
 * within the model at full weight. */
static skinq_status anchor(skinq_ctx *ctx, const skin_cells *c, const skin_model *m, uint8_t *comp)
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    uint8_t *core = skinq_malloc(ctx, cells), *out = skinq_malloc(ctx, cells);
    skinq_status st = core && out ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        skin_model full = *m;
        full.red_weight = 1;
        for (size_t i = 0; i < cells; i++)
            core[i] = comp[i] && skin_model_d2(&full, c, i) <= LIMB_D2_MAX;
        st = skin_grow(ctx, core, comp, c->w, c->h, out);
    }
    if (st == SKINQ_OK)
        memcpy(comp, out, cells);
    skinq_free(ctx, core);
    skinq_free(ctx, out);
    return st;
}

/* One component: the cells near its model into comp (m->seeds = 0: it has no model). */
static skinq_status component(skinq_ctx *ctx, const skin_cells *c, const cand *q, uint8_t *comp,
                              skin_model *m)
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    double m0 = bin_centre(q->bi, C0_LO), m1 = bin_centre(q->bj, C1_LO);
    for (size_t i = 0; i < cells; i++) /* the mode's 5×5 bins in its band */
        comp[i] = c->gamut[i] && band_of(c->lab[3 * i]) == q->band &&
                  fabs(c->chroma[2 * i] - m0) <= 2.5 * BIN && fabs(c->chroma[2 * i + 1] - m1) <= 2.5 * BIN;
    skinq_status st = skin_model_fit(ctx, c, comp, m);
    memset(comp, 0, cells);
    if (st != SKINQ_OK || m->seeds == 0)
        return st;
    m->red_weight = 0; /* skin redder than the photo's commonest skin: a treated area, kept whole */
    near_model(c, m, comp);
    return anchor(ctx, c, m, comp);
}

skinq_status skin_limb_path(skinq_ctx *ctx, const skin_cells *c, uint8_t *keep, double model_lab[3],
                            const char **why)
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    double *work = skinq_malloc(ctx, (2 * NBAND + 2) * (size_t)NB * NB * sizeof *work);
    uint8_t *comp = skinq_malloc(ctx, cells), *tmp = skinq_malloc(ctx, cells);
    skinq_status st = work && comp && tmp ? SKINQ_OK : SKINQ_E_NOMEM;
    cand k[MAX_CAND];
    int n = st == SKINQ_OK ? candidates(c, work, fmax(20, 1e-4 * (double)cells), k) : 0;
    *why = NULL;
    if (st == SKINQ_OK && n == 0)
        *why = "no colour cluster of the photo lies on the skin locus";
    int use[MIX] = {0}, nuse = n > 0 ? mixture(k, n, use) : 0, flat = 0, got = 0;
    for (int j = 0; st == SKINQ_OK && j < nuse; j++) {
        skin_model m;
        st = component(ctx, c, &k[use[j]], comp, &m);
        if (st != SKINQ_OK || m.seeds == 0)
            continue;
        if (flat_patch(c, comp)) { /* a printed patch is no component, whatever its colour */
            flat++;
            continue;
        }
        for (size_t i = 0; i < cells; i++)
            keep[i] |= comp[i];
        if (got++ == 0)
            memcpy(model_lab, m.lab, sizeof m.lab);
    }
    if (st == SKINQ_OK && got == 0 && flat > 0)
        *why = "the skin-coloured regions are flat, without shading or texture (printed or painted "
               "patches)";
    int patches = 0;
    if (st == SKINQ_OK && got > 0) { /* a 3×3 opening drops specks, a closing fills pinholes (a pore
                                      * darker than the gamut inside treated skin) */
        skin_morph3(keep, tmp, c->w, c->h, 0);
        skin_morph3(tmp, keep, c->w, c->h, 1);
        skin_morph3(keep, tmp, c->w, c->h, 1);
        skin_morph3(tmp, keep, c->w, c->h, 0);
        for (size_t i = 0; i < cells; i++)
            keep[i] &= c->ok[i];
        st = skin_drop_patches(ctx, keep, c->w, c->h, &patches);
    }
    if (st == SKINQ_OK && got > 0)
        st = skin_keep_large(ctx, keep, c->w, c->h);
    size_t left = 0;
    for (size_t i = 0; st == SKINQ_OK && i < cells; i++)
        left += keep[i];
    if (st == SKINQ_OK && got > 0 && left == 0 && patches > 0)
        *why = "the skin-coloured regions are rectangles inside the frame (printed patches, cards, labels)";
    skinq_free(ctx, work);
    skinq_free(ctx, comp);
    skinq_free(ctx, tmp);
    return st;
}
