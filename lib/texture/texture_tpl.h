/* texture_tpl.h -- plain-C texture kernels built twice: by texture_scalar.c (baseline x86-64) and by
 * texture_avx2.c (-mavx2 -mfma -ffp-contract=off: the compiler vectorises the loops 8 wide, with
 * no contraction and no reassociation, so both builds give the same bits). The including file
 * defines TEX_ISA (scalar or avx2), which suffixes every kernel's name. Here: the GLCM's row
 * kernels (glcm.c) and the spots passes (spots.c: box blur, block sums, residual rows). */

#define TEX_CAT_(a, b) a##_##b
#define TEX_CAT(a, b) TEX_CAT_(a, b)
#define TEX_NAME(base) TEX_CAT(base, TEX_ISA)

/* ---- GLCM (glcm.c) ---- */

static inline uint8_t glcm_quantise(float lo, float scale, int top, float L)
{
    float v = (L - lo) * scale;
    return (uint8_t)(v >= top ? top : v > 0 ? (int)v : 0); /* NaN → 0 */
}

/* The levels of n 16-bit codes: the same float arithmetic as quantise() on the code's L*
 * (c · 1/SKINQ_L16_SCALE), lane by lane, so every build gives the same levels. */
void TEX_NAME(tex_glcm_quantise16)(uint8_t *restrict o, const uint16_t *restrict r, int n, float lo,
                                   float scale, int top)
{
    for (int x = 0; x < n; x++)
        o[x] = glcm_quantise(lo, scale, top, (float)r[x] * (1.0f / SKINQ_L16_SCALE));
}

void TEX_NAME(tex_glcm_quantise32)(uint8_t *restrict o, const float *restrict r, int n, float lo, float scale,
                                   int top)
{
    for (int x = 0; x < n; x++)
        o[x] = glcm_quantise(lo, scale, top, r[x]);
}

/* The ROI's outside gets the extra level `outside`. */
void TEX_NAME(tex_glcm_mask_outside)(uint8_t *restrict o, const uint8_t *restrict m, int n, uint8_t outside)
{
    for (int x = 0; x < n; x++)
        o[x] = m[x] ? o[x] : outside;
}

/* The cell of each pair of a row at one offset, a·(levels+1) + b (< 65536 for levels <= 254):
 * a plain loop the compiler vectorises, so the counting loop is a load and an increment. */
void TEX_NAME(tex_glcm_pair_cells)(uint16_t *restrict o, const uint8_t *restrict a, const uint8_t *restrict b,
                                   int n, int n1)
{
    for (int x = 0; x < n; x++)
        o[x] = (uint16_t)(a[x] * n1 + b[x]);
}

/* ---- spots (spots.c) ---- */

typedef double v4df __attribute__((vector_size(32)));
typedef float v4sf __attribute__((vector_size(16)));

/* One box pass along rows, TEX_BOX_ROWS rows a task (edges clamped). Each row's running sum is a
 * chain of dependent additions and its outputs a division each, so the task's rows advance
 * together, one lane each of a vector: the chains overlap and four divisions are one (each
 * lane's arithmetic is the row's alone: the float difference, widened, added in double; past
 * the last row, the last is redone). */
void TEX_NAME(tex_spots_box_rows)(float *p, float *tmp, int w, int h, int r, int task)
{
    const float *row[TEX_BOX_ROWS];
    float *t[TEX_BOX_ROWS];
    v4df s;
    for (int k = 0; k < TEX_BOX_ROWS; k++) {
        const int y = task * TEX_BOX_ROWS + k < h ? task * TEX_BOX_ROWS + k : h - 1;
        row[k] = p + (size_t)y * w;
        t[k] = tmp + (size_t)k * w;
        double a = 0;
        for (int i = -r; i <= r; i++)
            a += row[k][i < 0 ? 0 : i >= w ? w - 1 : i];
        s[k] = a;
    }
    const double n = 2 * r + 1;
    const v4df den = {n, n, n, n};
    for (int x = 0; x < w; x++) {
        const int add = x + r + 1 >= w ? w - 1 : x + r + 1, sub = x - r < 0 ? 0 : x - r;
        const v4df q = s / den;
        const v4sf va = {row[0][add], row[1][add], row[2][add], row[3][add]};
        const v4sf vs = {row[0][sub], row[1][sub], row[2][sub], row[3][sub]};
        for (int k = 0; k < TEX_BOX_ROWS; k++)
            t[k][x] = (float)q[k];
        s += __builtin_convertvector(va - vs, v4df);
    }
    for (int k = 0; k < TEX_BOX_ROWS; k++) /* the rows past the last are the last: the same values */
        memcpy(p + (size_t)(row[k] - p), t[k], sizeof(float) * (size_t)w);
}

/* One box pass along columns, TEX_BOX_COLS columns a task: running sums per column, the output rows of
 * the task's columns into the thread's tmp (h rows of TEX_BOX_COLS), then copied back. */
void TEX_NAME(tex_spots_box_cols)(float *p, float *tmp, int w, int h, int r, int task)
{
    const int x0 = task * TEX_BOX_COLS, x1 = x0 + TEX_BOX_COLS < w ? x0 + TEX_BOX_COLS : w;
    double s[TEX_BOX_COLS];
    for (int x = x0; x < x1; x++) {
        double a = 0;
        for (int i = -r; i <= r; i++)
            a += p[(size_t)(i < 0 ? 0 : i >= h ? h - 1 : i) * w + (size_t)x];
        s[x - x0] = a;
    }
    const double inv = 1.0 / (2 * r + 1);
    for (int y = 0; y < h; y++) {
        int add = y + r + 1, sub = y - r;
        const float *ra = p + (size_t)(add >= h ? h - 1 : add) * w, *rs = p + (size_t)(sub < 0 ? 0 : sub) * w;
        float *t = tmp + (size_t)y * TEX_BOX_COLS - x0;
        for (int x = x0; x < x1; x++) {
            t[x] = (float)(s[x - x0] * inv);
            s[x - x0] += ra[x] - rs[x];
        }
    }
    for (int y = 0; y < h; y++)
        memcpy(p + (size_t)y * w + x0, tmp + (size_t)y * TEX_BOX_COLS, sizeof(float) * (size_t)(x1 - x0));
}

/* The block sums of grid row Y (its D image rows): one task a grid row, so threads never
 * share a cell. The rows are summed column by column first (branch-free, vectorised: a pixel
 * that does not count adds 0), then each block's D columns. */
void TEX_NAME(tex_spots_block_sums)(const tex_img *im, tex_base_grid *g, float *rows, int Y)
{
    const int w = im->w;
    float *restrict cv = rows, *restrict cc = cv + w;
    memset(cv, 0, sizeof *cv * 2 * (size_t)w);
    float *n = g->num + (size_t)Y * g->gw, *d = g->den + (size_t)Y * g->gw;
    const int y1 = (Y + 1) * g->D < im->h ? (Y + 1) * g->D : im->h;
    for (int y = Y * g->D; y < y1; y++) {
        const uint8_t *m = im->roi ? im->roi + (size_t)y * im->roi_stride : NULL;
        if (im->mel16) {
            const int16_t *restrict r = im->mel16 + (size_t)y * im->stride;
            /* ok·v rather than a select: the same sums (a pixel that does not count adds ±0) */
            if (m)
                for (int x = 0; x < w; x++) {
                    const float ok = (float)((r[x] != SKINQ_MEL16_NONE) & (m[x] != 0));
                    cv[x] += ok * ((float)r[x] * (1.0f / SKINQ_MEL16_SCALE));
                    cc[x] += ok;
                }
            else
                for (int x = 0; x < w; x++) {
                    const float ok = (float)(r[x] != SKINQ_MEL16_NONE);
                    cv[x] += ok * ((float)r[x] * (1.0f / SKINQ_MEL16_SCALE));
                    cc[x] += ok;
                }
        } else {
            const float *r = im->mel + (size_t)y * im->stride;
            for (int x = 0; x < w; x++) {
                const int ok = r[x] - r[x] == 0 && (!m || m[x]); /* finite */
                cv[x] += ok ? r[x] : 0.0f;
                cc[x] += ok ? 1.0f : 0.0f;
            }
        }
    }
    for (int x0 = 0, X = 0; x0 < w; x0 += g->D, X++) {
        const int x1 = x0 + g->D < w ? x0 + g->D : w;
        float sv = 0, sc = 0;
        for (int x = x0; x < x1; x++) {
            sv += cv[x];
            sc += cc[x];
        }
        n[X] = sv;
        d[X] = sc;
    }
}

#if defined(__GNUC__) && !defined(__clang__)
typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));

/* Residuals of row y from column x (a multiple of 8) while 8 remain, for residual_row's last
 * loop: each group of 8 columns lies between at most 8 consecutive grid columns, so its grid
 * values are one load and a permute (vpermps under AVX2) instead of a gather per pixel; the
 * same operands and operations, lane by lane. nr, dr: readable 8 past gw. Returns the next x. */
static inline __attribute__((always_inline)) int residual_groups(const tex_base_grid *g, int n,
                                                                 float *restrict res,
                                                                 const float *restrict nr,
                                                                 const float *restrict dr)
{
    const v8sf eps = {1e-6f, 1e-6f, 1e-6f, 1e-6f, 1e-6f, 1e-6f, 1e-6f, 1e-6f};
    const v8si nan = (v8si)(v8sf){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    int x = 0;
    for (; x + 8 <= n; x += 8) {
        v8sf wa, wb, va, vb, t, r;
        v8si ia, ib;
        memcpy(&wa, nr + g->xa[x], sizeof wa);
        memcpy(&wb, nr + g->xb[x], sizeof wb);
        memcpy(&va, dr + g->xa[x], sizeof va);
        memcpy(&vb, dr + g->xb[x], sizeof vb);
        memcpy(&ia, g->ra + x, sizeof ia);
        memcpy(&ib, g->rb + x, sizeof ib);
        memcpy(&t, g->tx + x, sizeof t);
        memcpy(&r, res + x, sizeof r);
        const v8sf a0 = __builtin_shuffle(wa, ia), a1 = __builtin_shuffle(va, ia);
        const v8sf nv = a0 + t * (__builtin_shuffle(wb, ib) - a0),
                   d = a1 + t * (__builtin_shuffle(vb, ib) - a1);
        const v8si ok = d > eps;
        const v8si q = (v8si)(r - nv / d);
        const v8si out = (q & ok) | (nan & ~ok);
        memcpy(res + x, &out, sizeof out);
    }
    return x;
}
#endif

/* Residuals mel − baseline of row y at columns 0, step, 2·step, ... into res (NaN outside the
 * ROI or where mel is not finite); nr, dr: gw + 8 floats of scratch each. The baseline's
 * numerator and denominator are interpolated first (grid rows, then columns), and divided per
 * pixel: normalised convolution interpolates both, not the ratio. Branch-free loops, so the compiler
 * vectorises them; inlined with step 1 and groups (every row of bin_rows), with the sample grid's step, and
 * as the reference of the groups: step 1, a gather per pixel. */
static inline __attribute__((always_inline)) void residual_row(const tex_img *im, const tex_base_grid *g,
                                                               int y, const int step, const int groups,
                                                               float *restrict res, float *restrict nr,
                                                               float *restrict dr)
{
    const int D = g->D, gw = g->gw, n = (im->w + step - 1) / step;
    double fy = (y + 0.5) / D - 0.5;
    int Y0 = (int)floor(fy);
    double ty = fy - Y0;
    int Ya = Y0 < 0 ? 0 : Y0, Yb = Y0 + 1 >= g->gh ? g->gh - 1 : Y0 + 1;
    const float *na = g->num + (size_t)Ya * gw, *nb = g->num + (size_t)Yb * gw;
    const float *da = g->den + (size_t)Ya * gw, *db = g->den + (size_t)Yb * gw;
    for (int X = 0; X < gw; X++) {
        nr[X] = (float)((1 - ty) * na[X] + ty * nb[X]);
        dr[X] = (float)((1 - ty) * da[X] + ty * db[X]);
    }
    for (int X = gw; X < gw + 8; X++) /* read by residual_groups, never used */
        nr[X] = dr[X] = 0;
    /* the melanin index of the row's samples into res, NaN where it does not count */
    if (im->mel16) {
        const int16_t *r = im->mel16 + (size_t)y * im->stride;
        for (int i = 0; i < n; i++) {
            const int16_t v = r[(size_t)i * step];
            res[i] = v == SKINQ_MEL16_NONE ? NAN : (float)v * (1.0f / SKINQ_MEL16_SCALE);
        }
    } else {
        const float *r = im->mel + (size_t)y * im->stride;
        for (int i = 0; i < n; i++) {
            const float v = r[(size_t)i * step];
            res[i] = v - v == 0 ? v : NAN; /* ±inf and NaN out */
        }
    }
    if (im->roi) {
        const uint8_t *m = im->roi + (size_t)y * im->roi_stride;
        for (int i = 0; i < n; i++)
            res[i] = m[(size_t)i * step] ? res[i] : NAN;
    }
    const int *xa = g->xa, *xb = g->xb;
    const float *tx = g->tx;
    int i = 0;
#if defined(__GNUC__) && !defined(__clang__)
    if (groups)
        i = residual_groups(g, n, res, nr, dr);
#else
    (void)groups;
#endif
    for (; i < n; i++) {
        const size_t x = (size_t)i * step;
        const float t = tx[x], a0 = nr[xa[x]], a1 = dr[xa[x]];
        const float nv = a0 + t * (nr[xb[x]] - a0), d = a1 + t * (dr[xb[x]] - a1);
        const int ok = d > 1e-6f;
        const float q = res[i] - nv / d;
        res[i] = ok ? q : NAN;
    }
}

void TEX_NAME(tex_spots_residual_row)(const tex_img *im, const tex_base_grid *g, int y, int step, float *res,
                                      float *nr, float *dr)
{
    if (step == 1)
        residual_row(im, g, y, 1, 1, res, nr, dr);
    else
        residual_row(im, g, y, step, 0, res, nr, dr);
}
