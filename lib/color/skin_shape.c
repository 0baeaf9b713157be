/* skin_shape.c -- auto-skin's model of one photo's skin colour and the morphology of its cell
 * grid: fitting, distance, growing from seeds, opening, keeping the large regions. */
#include <math.h>
#include <string.h>

#include "color/skin_int.h"

/* The k-th smallest of v[0..n) (selection with a three-way partition, expected O(n), equal
 * values handled; reorders v so that v[0..k) <= v[k]). */
static float select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* v[k] lies in [lo, hi) */
    while (hi - lo > 1) {
        float p = v[lo + (hi - lo) / 2], t;
        size_t lt = lo, i = lo, gt = hi; /* [lo, lt) < p, [lt, i) == p, [gt, hi) > p */
        while (i < gt) {
            if (v[i] < p) {
                t = v[lt], v[lt++] = v[i], v[i++] = t;
            } else if (v[i] > p) {
                t = v[--gt], v[gt] = v[i], v[i] = t;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return p;
    }
    return v[k];
}

/* Median of v[0..n), n > 0 (reorders v). */
static double median(float *v, size_t n)
{
    double hi = select_kth(v, n, n / 2);
    if (n % 2)
        return hi;
    float lo = v[0]; /* after the selection, v[0..n/2) holds the smaller half */
    for (size_t i = 1; i < n / 2; i++)
        lo = v[i] > lo ? v[i] : lo;
    return 0.5 * (lo + hi);
}

/* Median and 1.4826·MAD of component k (stride s) of the seed cells, floored at `floor`. */
static void robust_centre(const float *x, int s, int k, const uint8_t *seed, size_t n, float *buf,
                          double *med, double *sig, double floor_sig)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (seed[i])
            buf[m++] = x[(size_t)s * i + (size_t)k];
    *med = median(buf, m);
    for (size_t i = 0; i < m; i++)
        buf[i] = fabsf(buf[i] - (float)*med);
    *sig = 1.4826 * median(buf, m);
    *sig = *sig > floor_sig ? *sig : floor_sig;
}

/* Floors: chromaticity 0.03 (about 3 % in R/G, the spread of a uniform patch under JPEG noise
 * and a little shading colour), lightness 4 L*. */
#define CHROMA_FLOOR 0.03
#define L_FLOOR 4.0
#define SEED_SAMPLE 65536

/* Blood's direction in (log R/G, log B/G): c more hemoglobin lowers log X by ln10·c·h_X, so the
 * chromaticity moves by ln10·c·(h_G − h_R, h_G − h_B) (the decomposition's own vector). */
static void blood_direction(double u[2])
{
    double mel[3], hb[3];
    skinq_color_od_vectors(mel, hb);
    u[0] = hb[1] - hb[0];
    u[1] = hb[1] - hb[2];
    double n = sqrt(u[0] * u[0] + u[1] * u[1]);
    u[0] /= n;
    u[1] /= n;
}

skinq_status skin_model_fit(skinq_ctx *ctx, const skin_cells *c, const uint8_t *seed, skin_model *m)
{
    size_t n = (size_t)c->w * (size_t)c->h, ns = 0;
    memset(m, 0, sizeof *m);
    blood_direction(m->red);
    m->red_weight = 0.577;
    for (size_t i = 0; i < n; i++)
        ns += seed[i] && c->ok[i];
    if (ns == 0)
        return SKINQ_OK;
    float *buf = skinq_malloc(ctx, ns * sizeof *buf);
    uint8_t *use = skinq_malloc(ctx, n);
    if (!buf || !use) {
        skinq_free(ctx, buf);
        skinq_free(ctx, use);
        return SKINQ_E_NOMEM;
    }
    /* at most SEED_SAMPLE seeds, evenly taken: robust statistics of 65536 cells are as good as of
     * a million, at a fraction of the selections' cost */
    size_t step = (ns + SEED_SAMPLE - 1) / SEED_SAMPLE, k0 = 0;
    for (size_t i = 0; i < n; i++) {
        use[i] = seed[i] && c->ok[i];
        if (use[i])
            use[i] = k0++ % step == 0;
    }
    double med[2], sig[2], Lmed, Lsig;
    robust_centre(c->chroma, 2, 0, use, n, buf, &med[0], &sig[0], CHROMA_FLOOR);
    robust_centre(c->chroma, 2, 1, use, n, buf, &med[1], &sig[1], CHROMA_FLOOR);
    robust_centre(c->lab, 3, 0, use, n, buf, &Lmed, &Lsig, L_FLOOR);
    /* the seeds that fit: within 2.5 robust sigmas on each axis (hair, a brow, a freckle out) */
    double s[2] = {0, 0}, sxx = 0, sxy = 0, syy = 0;
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!use[i])
            continue;
        double d0 = c->chroma[2 * i] - med[0], d1 = c->chroma[2 * i + 1] - med[1];
        if (fabs(d0) > 2.5 * sig[0] || fabs(d1) > 2.5 * sig[1] || fabs(c->lab[3 * i] - Lmed) > 3 * Lsig) {
            use[i] = 0;
            continue;
        }
        s[0] += c->chroma[2 * i];
        s[1] += c->chroma[2 * i + 1];
        k++;
    }
    if (k == 0) {
        skinq_free(ctx, buf);
        skinq_free(ctx, use);
        return SKINQ_OK;
    }
    m->c[0] = s[0] / k;
    m->c[1] = s[1] / k;
    for (size_t i = 0; i < n; i++)
        if (use[i]) {
            double d0 = c->chroma[2 * i] - m->c[0], d1 = c->chroma[2 * i + 1] - m->c[1];
            sxx += d0 * d0;
            sxy += d0 * d1;
            syy += d1 * d1;
        }
    /* a trimmed covariance understates the spread (×1.3 at 2.5 sigmas), and the floor keeps it finite */
    sxx = 1.3 * sxx / k + CHROMA_FLOOR * CHROMA_FLOOR;
    syy = 1.3 * syy / k + CHROMA_FLOOR * CHROMA_FLOOR;
    sxy = 1.3 * sxy / k;
    double det = sxx * syy - sxy * sxy;
    m->icov[0] = syy / det;
    m->icov[1] = -sxy / det;
    m->icov[2] = sxx / det;
    /* lightness: shading (the side of a face, under the jaw) darkens skin more than it changes
     * its chromaticity, so the range is wide */
    double spread = 3 * Lsig > 20 ? 3 * Lsig : 20;
    m->L_lo = Lmed - spread > 15 ? Lmed - spread : 15;
    m->L_hi = Lmed + spread < 97 ? Lmed + spread : 97;
    for (int q = 0; q < 3; q++) {
        size_t j = 0;
        for (size_t i = 0; i < n; i++)
            if (use[i])
                buf[j++] = c->lab[3 * i + (size_t)q];
        m->lab[q] = median(buf, j);
    }
    m->seeds = k * (int)step; /* in all the seeds, not the sample */
    skinq_free(ctx, buf);
    skinq_free(ctx, use);
    return SKINQ_OK;
}

double skin_model_d2(const skin_model *m, const skin_cells *c, size_t i)
{
    double d0 = c->chroma[2 * i] - m->c[0], d1 = c->chroma[2 * i + 1] - m->c[1];
    double t = d0 * m->red[0] + d1 * m->red[1];
    if (t > 0) {
        d0 -= (1 - m->red_weight) * t * m->red[0];
        d1 -= (1 - m->red_weight) * t * m->red[1];
    }
    return m->icov[0] * d0 * d0 + 2 * m->icov[1] * d0 * d1 + m->icov[2] * d1 * d1;
}

void skin_morph3(const uint8_t *in, uint8_t *out, int w, int h, int op)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = op ? 0 : 1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    /* beyond the border, the edge cell again: a region running out of the
                     * frame keeps its edge through an erosion */
                    int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
                    int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
                    int s = in[(size_t)yy * (size_t)w + (size_t)xx];
                    v = op ? (v | s) : (v & s);
                }
            out[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)v;
        }
}

skinq_status skin_grow(skinq_ctx *ctx, const uint8_t *seed, const uint8_t *allow, int w, int h, uint8_t *out)
{
    size_t n = (size_t)w * (size_t)h;
    int32_t *stack = skinq_malloc(ctx, n * sizeof *stack);
    if (!stack)
        return SKINQ_E_NOMEM;
    size_t top = 0;
    memset(out, 0, n);
    for (size_t i = 0; i < n; i++)
        if (seed[i] && allow[i]) {
            out[i] = 1;
            stack[top++] = (int32_t)i;
        }
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    while (top) {
        int32_t s = stack[--top];
        int x = s % w, y = s / w;
        for (int d = 0; d < 4; d++) {
            int xx = x + dx[d], yy = y + dy[d];
            if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                continue;
            size_t q = (size_t)yy * (size_t)w + (size_t)xx;
            if (allow[q] && !out[q]) {
                out[q] = 1;
                stack[top++] = (int32_t)q;
            }
        }
    }
    skinq_free(ctx, stack);
    return SKINQ_OK;
}

/* One 8-connected component from s (label id): its cells' count, bounding box and whether it
 * touches the grid's border. */
typedef struct {
    uint64_t n;
    int x0, y0, x1, y1, border;
} blob;

static blob flood(const uint8_t *g, int32_t *label, int32_t *stack, int w, int h, size_t s, int32_t id)
{
    blob b = {0, w, h, -1, -1, 0};
    int32_t top = 0;
    label[s] = id;
    stack[top++] = (int32_t)s;
    while (top) {
        int32_t q = stack[--top];
        int cx = q % w, cy = q / w;
        b.n++;
        b.x0 = cx < b.x0 ? cx : b.x0, b.x1 = cx > b.x1 ? cx : b.x1;
        b.y0 = cy < b.y0 ? cy : b.y0, b.y1 = cy > b.y1 ? cy : b.y1;
        b.border |= cx == 0 || cy == 0 || cx == w - 1 || cy == h - 1;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int xx = cx + dx, yy = cy + dy;
                if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                    continue;
                size_t r = (size_t)yy * (size_t)w + (size_t)xx;
                if (g[r] && !label[r]) {
                    label[r] = id;
                    stack[top++] = (int32_t)r;
                }
            }
    }
    return b;
}

skinq_status skin_drop_patches(skinq_ctx *ctx, uint8_t *g, int w, int h, int *dropped)
{
    size_t n = (size_t)w * (size_t)h;
    int32_t *label = skinq_calloc(ctx, n, sizeof *label), *stack = skinq_malloc(ctx, n * sizeof *stack);
    uint8_t *drop = skinq_calloc(ctx, n + 1, 1), *grown = skinq_malloc(ctx, n), *tmp = skinq_malloc(ctx, n);
    *dropped = 0;
    if (!label || !stack || !drop || !grown || !tmp) {
        skinq_free(ctx, label);
        skinq_free(ctx, stack);
        skinq_free(ctx, drop);
        skinq_free(ctx, grown);
        skinq_free(ctx, tmp);
        return SKINQ_E_NOMEM;
    }
    /* the shapes are judged grown by 3 cells: a noisy patch that the colour model cuts into
     * speckles is one rectangle again */
    skin_morph3(g, tmp, w, h, 1);
    skin_morph3(tmp, grown, w, h, 1);
    skin_morph3(grown, tmp, w, h, 1);
    memcpy(grown, tmp, n);
    int32_t id = 0;
    for (size_t s = 0; s < n; s++) {
        if (!grown[s] || label[s])
            continue;
        blob b = flood(grown, label, stack, w, h, s, ++id);
        uint64_t box = (uint64_t)(b.x1 - b.x0 + 1) * (uint64_t)(b.y1 - b.y0 + 1);
        if (!b.border && b.x1 - b.x0 >= 4 && b.y1 - b.y0 >= 4 &&
            (double)b.n >= SKIN_PATCH_FILL * (double)box) {
            drop[id] = 1;
            (*dropped)++;
        }
    }
    for (size_t s = 0; s < n; s++)
        g[s] = g[s] && !drop[label[s]];
    skinq_free(ctx, label);
    skinq_free(ctx, stack);
    skinq_free(ctx, drop);
    skinq_free(ctx, grown);
    skinq_free(ctx, tmp);
    return SKINQ_OK;
}

skinq_status skin_keep_large(skinq_ctx *ctx, uint8_t *g, int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
    int32_t *label = skinq_calloc(ctx, n, sizeof *label), *stack = skinq_malloc(ctx, n * sizeof *stack);
    uint64_t *size = skinq_calloc(ctx, n + 1, sizeof *size);
    if (!label || !stack || !size) {
        skinq_free(ctx, label);
        skinq_free(ctx, stack);
        skinq_free(ctx, size);
        return SKINQ_E_NOMEM;
    }
    int32_t id = 0;
    uint64_t largest = 0;
    for (size_t s = 0; s < n; s++) {
        if (!g[s] || label[s])
            continue;
        id++;
        size[id] = flood(g, label, stack, w, h, s, id).n;
        largest = size[id] > largest ? size[id] : largest;
    }
    for (size_t s = 0; s < n; s++)
        g[s] = label[s] && 10 * size[label[s]] >= largest;
    skinq_free(ctx, label);
    skinq_free(ctx, stack);
    skinq_free(ctx, size);
    return SKINQ_OK;
}
