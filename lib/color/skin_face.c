/* skin_face.c -- auto-skin's face path. A frontal face's box (OpenCV's Haar cascade) has a known
 * layout: the eyes at ~0.38 of its height, the brows just above, the mouth at ~0.8. Each face
 * seeds its own colour model from the cheeks and the forehead (the layout keeps eyes, brows,
 * mouth and most hair out of the seeds; the model's robust fit drops the rest), then skin is
 * grown from the seeds through 4-connected cells whose colour is near that model, outside the
 * eyes, brows and mouth, within reach of the face (its neck and ears, not the whole photo). */
#include <string.h>

#include "color/skin_int.h"

/* Parts of a face's box, as fractions of its width and height. */
typedef struct {
    double x0, y0, x1, y1;
} box_part;

static const box_part seed_parts[] = {
    {0.16, 0.52, 0.36, 0.72}, /* left cheek */
    {0.64, 0.52, 0.84, 0.72}, /* right cheek */
    {0.30, 0.06, 0.70, 0.20}, /* forehead */
};

/* Eyes, brows and mouth: not skin to measure (sclera, iris, lashes, brow hair, lips). */
static const box_part features[] = {
    {0.12, 0.22, 0.46, 0.50}, /* left brow and eye */
    {0.54, 0.22, 0.88, 0.50}, /* right brow and eye */
    {0.28, 0.70, 0.72, 0.92}, /* mouth */
};

/* How far skin may be grown from a face: a face's width to each side (ears, temples), 0.8 of its
 * height above (the forehead above the box; hair beyond) and 3.5 below (chin, neck, the top of the chest). */
static const box_part reach = {-1.0, -0.4, 2.0, 4.5};

static int in_part(const skinq_rect *f, const box_part *p, int x, int y)
{
    return x >= f->x + p->x0 * f->w && x < f->x + p->x1 * f->w && y >= f->y + p->y0 * f->h &&
           y < f->y + p->y1 * f->h;
}

static int in_features(const skinq_rect *faces, int n, int x, int y)
{
    for (int j = 0; j < n; j++)
        for (size_t k = 0; k < sizeof features / sizeof features[0]; k++)
            if (in_part(&faces[j], &features[k], x, y))
                return 1;
    return 0;
}

/* Cells of one face's seed parts that are skin-coloured; returns how many cells the parts hold. */
static size_t face_seeds(const skin_cells *c, const skinq_rect *f, uint8_t *seed)
{
    size_t cells = 0;
    for (size_t k = 0; k < sizeof seed_parts / sizeof seed_parts[0]; k++) {
        const box_part *p = &seed_parts[k];
        for (int y = f->y + (int)(p->y0 * f->h); y < f->y + (int)(p->y1 * f->h); y++)
            for (int x = f->x + (int)(p->x0 * f->w); x < f->x + (int)(p->x1 * f->w); x++) {
                if (x < 0 || y < 0 || x >= c->w || y >= c->h)
                    continue;
                size_t i = (size_t)y * (size_t)c->w + (size_t)x;
                cells++;
                seed[i] = c->gamut[i];
            }
    }
    return cells;
}

/* Add a part of a face's box to a 256-bin histogram of gray levels. */
static void part_hist(const skin_cells *c, const skinq_rect *f, const box_part *p, uint32_t h[256])
{
    for (int y = f->y + (int)(p->y0 * f->h); y < f->y + (int)(p->y1 * f->h); y++)
        for (int x = f->x + (int)(p->x0 * f->w); x < f->x + (int)(p->x1 * f->w); x++)
            if (x >= 0 && y >= 0 && x < c->w && y < c->h)
                h[c->gray[(size_t)y * (size_t)c->w + (size_t)x]]++;
}

static int hist_quantile(const uint32_t h[256], double q)
{
    uint64_t n = 0, cum = 0;
    for (int v = 0; v < 256; v++)
        n += h[v];
    for (int v = 0; v < 256; v++)
        if ((cum += h[v]) >= q * (double)n && n)
            return v;
    return 255;
}

/* A face's eyes and brows hold its darkest parts (pupils, lashes, brow hair): their 20th
 * percentile gray is well under the cheeks' median: 0.54-0.72 of it on the bundled portraits,
 * upright, tilted, darker or warmer; 0.97-0.99 in the boxes skin texture put on the phantoms. */
int skin_face_plausible(const skin_cells *c, const skinq_rect *f)
{
    uint32_t eyes[256] = {0}, cheeks[256] = {0};
    part_hist(c, f, &features[0], eyes);
    part_hist(c, f, &features[1], eyes);
    part_hist(c, f, &seed_parts[0], cheeks);
    part_hist(c, f, &seed_parts[1], cheeks);
    int e = hist_quantile(eyes, 0.2), k = hist_quantile(cheeks, 0.5);
    return e < 0.85 * k;
}

/* The 95 % contour of the seeds' Gaussian (chi-square, 2 degrees of freedom), with redness at a
 * third of its weight: hair at the hairline differs from skin by little more than that (less red,
 * as saturated), warm fabric by far more (more saturated at the same hue). */
#define FACE_D2_MAX 5.99

skinq_status skin_face_path(skinq_ctx *ctx, const skin_cells *c, const skinq_rect *faces, int n,
                            uint8_t *keep, double model_lab[3])
{
    size_t cells = (size_t)c->w * (size_t)c->h;
    uint8_t *seed = skinq_malloc(ctx, cells), *allow = skinq_malloc(ctx, cells),
            *grown = skinq_malloc(ctx, cells);
    skinq_status st = seed && allow && grown ? SKINQ_OK : SKINQ_E_NOMEM;
    int first = 1;
    for (int j = 0; st == SKINQ_OK && j < n; j++) {
        const skinq_rect *f = &faces[j];
        memset(seed, 0, cells);
        size_t parts = face_seeds(c, f, seed);
        skin_model m;
        st = skin_model_fit(ctx, c, seed, &m);
        /* a face whose cheeks and forehead are mostly not skin-coloured is a false detection
         * (or covered): it seeds nothing */
        if (st != SKINQ_OK || (size_t)m.seeds * 4 < parts)
            continue;
        for (int y = 0; y < c->h; y++)
            for (int x = 0; x < c->w; x++) {
                size_t i = (size_t)y * (size_t)c->w + (size_t)x;
                allow[i] = c->gamut[i] && in_part(f, &reach, x, y) && c->lab[3 * i] >= m.L_lo &&
                           c->lab[3 * i] <= m.L_hi && skin_model_d2(&m, c, i) <= FACE_D2_MAX &&
                           !in_features(faces, n, x, y);
            }
        st = skin_grow(ctx, seed, allow, c->w, c->h, grown);
        for (size_t i = 0; st == SKINQ_OK && i < cells; i++)
            keep[i] |= grown[i];
        if (first) {
            memcpy(model_lab, m.lab, sizeof m.lab);
            first = 0;
        }
    }
    if (st == SKINQ_OK) { /* a 3×3 closing fills pinholes (pores, glints), an opening drops specks */
        skin_morph3(keep, seed, c->w, c->h, 1);
        skin_morph3(seed, keep, c->w, c->h, 0);
        for (int y = 0; y < c->h; y++)
            for (int x = 0; x < c->w; x++) {
                size_t i = (size_t)y * (size_t)c->w + (size_t)x;
                keep[i] = keep[i] && c->ok[i] && !in_features(faces, n, x, y);
            }
        skin_morph3(keep, seed, c->w, c->h, 0);
        skin_morph3(seed, keep, c->w, c->h, 1);
    }
    skinq_free(ctx, seed);
    skinq_free(ctx, allow);
    skinq_free(ctx, grown);
    return st;
}
