/* texture_avx2.c -- AVX2 kernels of the texture pass (built with -mavx2 -mfma -ffp-contract=off),
 * the texture kernel table's AVX2 entries: the Gaussian pyramid's blur rows (one pass, two
 * vertical passes at once, the horizontal pass), the pores' pre-filter and response rows, the
 * lines' candidate mask, and texture_tpl.h's plain-C GLCM rows and spots passes built with this
 * file's flags. All bit-identical to their scalar entries in texture_scalar.c
 * (tests/kernels/check_texture.c). */
#include <stdint.h>

#include "core/simd_avx2.h"
#include "texture/texture_int.h"

/* Column x of the row kernel as tex_acc_rows_scalar rounds it: the vector loops' last < 8 columns. */
static inline float ref_column(const float *c, const float *const *lo, const float *const *hi, const float *k,
                               int r, int x)
{
    float s = k[0] * c[x];
    int i = 1;
    for (; i + 1 <= r; i += 2)
        s += k[i] * (lo[i][x] + hi[i][x]) + k[i + 1] * (lo[i + 1][x] + hi[i + 1][x]);
    if (i == r)
        s += k[i] * (lo[i][x] + hi[i][x]);
    return s;
}

/* AVX2: 32 columns a block whose four sums stay in registers through every tap (the reference
 * is bound by the accumulator's loads and stores: 5 loads and a store per two taps and 8
 * columns, here 4 loads); the same multiplications and additions in the same order, no FMA,
 * so the same bits as the reference (tests/kernels/check_texture.c). */
static void acc_rows_any(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n)
{
    const __m256 k0 = _mm256_set1_ps(k[0]);
#define TAP2(s, d)                                                                                           \
    s = _mm256_add_ps(                                                                                       \
        s, _mm256_add_ps(                                                                                    \
               _mm256_mul_ps(k1, _mm256_add_ps(_mm256_loadu_ps(a1 + (d)), _mm256_loadu_ps(b1 + (d)))),       \
               _mm256_mul_ps(k2, _mm256_add_ps(_mm256_loadu_ps(a2 + (d)), _mm256_loadu_ps(b2 + (d))))))
#define TAP1(s, d)                                                                                           \
    s = _mm256_add_ps(                                                                                       \
        s, _mm256_mul_ps(k1, _mm256_add_ps(_mm256_loadu_ps(a1 + (d)), _mm256_loadu_ps(b1 + (d)))))
    int x = 0;
    for (; x + 32 <= n; x += 32) {
        __m256 s0 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x)),
               s1 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x + 8));
        __m256 s2 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x + 16)),
               s3 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x + 24));
        int i = 1;
        for (; i + 1 <= r; i += 2) {
            const __m256 k1 = _mm256_set1_ps(k[i]), k2 = _mm256_set1_ps(k[i + 1]);
            const float *a1 = lo[i] + x, *b1 = hi[i] + x, *a2 = lo[i + 1] + x, *b2 = hi[i + 1] + x;
            TAP2(s0, 0);
            TAP2(s1, 8);
            TAP2(s2, 16);
            TAP2(s3, 24);
        }
        if (i == r) {
            const __m256 k1 = _mm256_set1_ps(k[i]);
            const float *a1 = lo[i] + x, *b1 = hi[i] + x;
            TAP1(s0, 0);
            TAP1(s1, 8);
            TAP1(s2, 16);
            TAP1(s3, 24);
        }
        _mm256_storeu_ps(o + x, s0);
        _mm256_storeu_ps(o + x + 8, s1);
        _mm256_storeu_ps(o + x + 16, s2);
        _mm256_storeu_ps(o + x + 24, s3);
    }
    for (; x + 8 <= n; x += 8) {
        __m256 s0 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x));
        int i = 1;
        for (; i + 1 <= r; i += 2) {
            const __m256 k1 = _mm256_set1_ps(k[i]), k2 = _mm256_set1_ps(k[i + 1]);
            const float *a1 = lo[i] + x, *b1 = hi[i] + x, *a2 = lo[i + 1] + x, *b2 = hi[i + 1] + x;
            TAP2(s0, 0);
        }
        if (i == r) {
            const __m256 k1 = _mm256_set1_ps(k[i]);
            const float *a1 = lo[i] + x, *b1 = hi[i] + x;
            TAP1(s0, 0);
        }
        _mm256_storeu_ps(o + x, s0);
    }
#undef TAP2
#undef TAP1
    for (; x < n; x++) /* the last < 8 columns */
        o[x] = ref_column(c, lo, hi, k, r, x);
}

/* The same kernel for a radius known at compile time (the pyramid's blurs are radius <= 5): the
 * taps' broadcasts are made once a call instead of once per 32 columns, and the loop over taps
 * is unrolled, so the row pointers stay in registers (the generic loop reloads two pointers and
 * a broadcast per tap and block: a third of its loads). When the taps are one row's own
 * neighbours (lo[i] = c − i, hi[i] = c + i: the horizontal pass) every load is c plus a constant
 * offset. The same operations in the same order as the reference: the same bits. */
#define FIXED_MAX 8
static inline __attribute__((always_inline)) void acc_fixed(float *restrict o, const float *c,
                                                            const float *const *lo, const float *const *hi,
                                                            const float *k, const int r, const int row, int n)
{
    __m256 kv[FIXED_MAX + 1];
    const float *L[FIXED_MAX + 1], *H[FIXED_MAX + 1];
#pragma GCC unroll 9
    for (int i = 0; i <= r; i++)
        kv[i] = _mm256_set1_ps(k[i]);
#pragma GCC unroll 9
    for (int i = 1; i <= r; i++) {
        L[i] = row ? c - i : lo[i];
        H[i] = row ? c + i : hi[i];
    }
#define A(i, d) _mm256_add_ps(_mm256_loadu_ps(L[i] + x + (d)), _mm256_loadu_ps(H[i] + x + (d)))
#define TAP2F(s, d)                                                                                          \
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_mul_ps(kv[i], A(i, d)), _mm256_mul_ps(kv[i + 1], A(i + 1, d))))
#define TAP1F(s, d) s = _mm256_add_ps(s, _mm256_mul_ps(kv[i], A(i, d)))
    int x = 0;
    for (; x + 32 <= n; x += 32) {
        __m256 s0 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x)),
               s1 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x + 8));
        __m256 s2 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x + 16)),
               s3 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x + 24));
#pragma GCC unroll 8
        for (int i = 1; i + 1 <= r; i += 2) {
            TAP2F(s0, 0);
            TAP2F(s1, 8);
            TAP2F(s2, 16);
            TAP2F(s3, 24);
        }
        if (r & 1) {
            const int i = r;
            TAP1F(s0, 0);
            TAP1F(s1, 8);
            TAP1F(s2, 16);
            TAP1F(s3, 24);
        }
        _mm256_storeu_ps(o + x, s0);
        _mm256_storeu_ps(o + x + 8, s1);
        _mm256_storeu_ps(o + x + 16, s2);
        _mm256_storeu_ps(o + x + 24, s3);
    }
    /* then 8 columns at a time, the last < 8 as the last 8 (recomputing a few: o overlaps no
     * input, and a column's value does not depend on its block) */
    for (; x < n && n >= 8; x += 8) {
        x = x + 8 <= n ? x : n - 8;
        __m256 s0 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x));
#pragma GCC unroll 8
        for (int i = 1; i + 1 <= r; i += 2)
            TAP2F(s0, 0);
        if (r & 1) {
            const int i = r;
            TAP1F(s0, 0);
        }
        _mm256_storeu_ps(o + x, s0);
    }
#undef A
#undef TAP2F
#undef TAP1F
    for (; x < n; x++) /* the last < 8 columns */
        o[x] = ref_column(c, L, H, k, r, x);
}

#define FIXED(R)                                                                                             \
    static void acc_v##R(float *restrict o, const float *c, const float *const *lo, const float *const *hi,  \
                         const float *k, int n)                                                              \
    {                                                                                                        \
        acc_fixed(o, c, lo, hi, k, R, 0, n);                                                                 \
    }                                                                                                        \
    static void acc_h##R(float *restrict o, const float *c, const float *k, int n)                           \
    {                                                                                                        \
        acc_fixed(o, c, NULL, NULL, k, R, 1, n);                                                             \
    }
FIXED(1)
FIXED(2)
FIXED(3)
FIXED(4)
FIXED(5)
FIXED(6)
FIXED(7)
FIXED(8)
#undef FIXED

static void tex_acc_rows_avx2(float *restrict o, const float *c, const float *const *lo,
                              const float *const *hi, const float *k, int r, int n)
{
    if (r < 1 || r > FIXED_MAX) {
        acc_rows_any(o, c, lo, hi, k, r, n);
        return;
    }
    int row = 1; /* (compared as addresses: c − i need not be inside an object) */
    const uintptr_t ca = (uintptr_t)c;
    for (int i = 1; i <= r && row; i++) /* a vertical pass fails at i = 1 */
        row = ((uintptr_t)lo[i] == ca - sizeof(float) * (uintptr_t)i) &
              ((uintptr_t)hi[i] == ca + sizeof(float) * (uintptr_t)i);
    typedef void (*vfn)(float *restrict, const float *, const float *const *, const float *const *,
                        const float *, int);
    typedef void (*hfn)(float *restrict, const float *, const float *, int);
    static const vfn V[FIXED_MAX + 1] = {NULL,   acc_v1, acc_v2, acc_v3, acc_v4,
                                         acc_v5, acc_v6, acc_v7, acc_v8};
    static const hfn Hf[FIXED_MAX + 1] = {NULL,   acc_h1, acc_h2, acc_h3, acc_h4,
                                          acc_h5, acc_h6, acc_h7, acc_h8};
    if (row)
        Hf[r](o, c, k, n);
    else
        V[r](o, c, lo, hi, k, n);
}

/* Two vertical passes over the same source rows at once (the first planes of a pyramid level
 * are all blurs of its base, pyramid.c): each pair sum lo[i][x] + hi[i][x] is loaded and added
 * once for both kernels, and both keep their sums in registers; each output gets the same
 * operations in the same order as tex_acc_rows_scalar, so the same bits as two calls of it. */
static inline __attribute__((always_inline)) __m256 taps_r(__m256 s, const __m256 *K, const __m256 *P,
                                                           const int r)
{
#pragma GCC unroll 8
    for (int i = 1; i + 1 <= r; i += 2)
        s = _mm256_add_ps(s, _mm256_add_ps(_mm256_mul_ps(K[i], P[i]), _mm256_mul_ps(K[i + 1], P[i + 1])));
    if (r & 1)
        s = _mm256_add_ps(s, _mm256_mul_ps(K[r], P[r]));
    return s;
}

static inline __attribute__((always_inline)) void
acc2_fixed(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,
           const float *const *hi, const float *ka, const int ra, const float *kb, const int rb, int n)
{
    const int rm = ra > rb ? ra : rb;
    __m256 KA[FIXED_MAX + 1], KB[FIXED_MAX + 1];
    for (int i = 0; i <= ra; i++)
        KA[i] = _mm256_set1_ps(ka[i]);
    for (int i = 0; i <= rb; i++)
        KB[i] = _mm256_set1_ps(kb[i]);
    const float *L[FIXED_MAX + 1], *H[FIXED_MAX + 1];
#pragma GCC unroll 8
    for (int i = 1; i <= rm; i++) {
        L[i] = lo[i];
        H[i] = hi[i];
    }
    int x = 0;
    for (; x + 8 <= n; x += 8) {
        __m256 P[FIXED_MAX + 1];
        const __m256 cv = _mm256_loadu_ps(c + x);
#pragma GCC unroll 8
        for (int i = 1; i <= rm; i++)
            P[i] = _mm256_add_ps(_mm256_loadu_ps(L[i] + x), _mm256_loadu_ps(H[i] + x));
        _mm256_storeu_ps(oa + x, taps_r(_mm256_mul_ps(KA[0], cv), KA, P, ra));
        _mm256_storeu_ps(ob + x, taps_r(_mm256_mul_ps(KB[0], cv), KB, P, rb));
    }
    for (; x < n; x++) { /* the last < 8 columns */
        oa[x] = ref_column(c, lo, hi, ka, ra, x);
        ob[x] = ref_column(c, lo, hi, kb, rb, x);
    }
}

/* one function per pair of radii (the pyramid's are <= 5), so the taps are unrolled */
#define PAIR_MAX 5
#define FIXED2(A, B)                                                                                         \
    static void acc2_##A##B(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,  \
                            const float *const *hi, const float *ka, const float *kb, int n)                 \
    {                                                                                                        \
        acc2_fixed(oa, ob, c, lo, hi, ka, A, kb, B, n);                                                      \
    }
#define FIXED2_ROW(A) FIXED2(A, 1) FIXED2(A, 2) FIXED2(A, 3) FIXED2(A, 4) FIXED2(A, 5)
FIXED2_ROW(1)
FIXED2_ROW(2)
FIXED2_ROW(3)
FIXED2_ROW(4)
FIXED2_ROW(5)
#undef FIXED2_ROW
#undef FIXED2

static void tex_acc_rows2_avx2(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,
                               const float *const *hi, const float *ka, int ra, const float *kb, int rb,
                               int n)
{
    if (ra < 1 || rb < 1 || ra > PAIR_MAX || rb > PAIR_MAX) {
        tex_acc_rows_avx2(oa, c, lo, hi, ka, ra, n);
        tex_acc_rows_avx2(ob, c, lo, hi, kb, rb, n);
        return;
    }
    typedef void (*fn2)(float *restrict, float *restrict, const float *, const float *const *,
                        const float *const *, const float *, const float *, int);
#define ROW(A)                                                                                               \
    {                                                                                                        \
        acc2_##A##1, acc2_##A##2, acc2_##A##3, acc2_##A##4, acc2_##A##5                                      \
    }
    static const fn2 V2[PAIR_MAX][PAIR_MAX] = {ROW(1), ROW(2), ROW(3), ROW(4), ROW(5)};
#undef ROW
    V2[ra - 1][rb - 1](oa, ob, c, lo, hi, ka, kb, n);
}

/* The pores' pre-filter (tex_peak_mask_scalar in pores.c): the three comparisons of 8 pixels as
 * one movemask each, 64 pixels a word; ordered comparisons, false on NaN like C's (the scan
 * through bytes it replaces was 3.6 instructions a pixel, this is 1.3). */
static void tex_peak_mask_avx2(uint64_t *m, const float *R, const float *lo, const float *hi, float thr,
                               int n)
{
    const __m256 t = _mm256_set1_ps(thr);
    int q0 = 0;
    /* the four masks of 32 pixels packed to bytes (packs interleave the 128-bit lanes: dwords
     * c0lo c1lo c2lo c3lo c0hi c1hi c2hi c3hi, put back in order), then one byte movemask:
     * no branch (about half of the blocks of 32 hold a response at the threshold) */
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (; q0 + 64 <= n; q0 += 64) {
        uint64_t w = 0;
        for (int h = 0; h < 64; h += 32) {
            __m256i c[4];
            for (int j = 0; j < 4; j++) {
                const int b = q0 + h + 8 * j;
                const __m256 v = _mm256_loadu_ps(R + b);
                /* v > lo, v >= hi: the loads fold into the comparisons */
                c[j] = _mm256_castps_si256(
                    _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(v, t, _CMP_GE_OQ),
                                                _mm256_cmp_ps(v, _mm256_loadu_ps(lo + b), _CMP_GT_OQ)),
                                  _mm256_cmp_ps(v, _mm256_loadu_ps(hi + b), _CMP_GE_OQ)));
            }
            const __m256i p8 =
                _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3]));
            w |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_permutevar8x32_epi32(p8, order)) << h;
        }
        m[q0 / 64] = w;
    }
    if (q0 < n) { /* the last word, < 64 pixels */
        uint64_t w = 0;
        for (int b = 0; q0 + b < n; b++) {
            const float v = R[q0 + b];
            w |= (uint64_t)((v >= thr) & (lo[q0 + b] < v) & (hi[q0 + b] <= v)) << b;
        }
        m[q0 / 64] = w;
    }
}

/* The pores' response of one row (tex_laplace_row_scalar in pores.c), 32 pixels an iteration. */
static void tex_laplace_row_avx2(float *restrict o, const float *b, size_t w, float s2, int n)
{
    const __m256 k = _mm256_set1_ps(s2), four = _mm256_set1_ps(4.0f);
    const float *up = b - w, *dn = b + w;
#define LAP(d)                                                                                               \
    _mm256_storeu_ps(                                                                                        \
        o + x + (d),                                                                                         \
        _mm256_mul_ps(                                                                                       \
            k, _mm256_sub_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(b + x + (d)-1),       \
                                                                       _mm256_loadu_ps(b + x + (d) + 1)),    \
                                                         _mm256_loadu_ps(up + x + (d))),                     \
                                           _mm256_loadu_ps(dn + x + (d))),                                   \
                             _mm256_mul_ps(four, _mm256_loadu_ps(b + x + (d))))))
    int x = 0;
    for (; x + 32 <= n; x += 32) {
        LAP(0);
        LAP(8);
        LAP(16);
        LAP(24);
    }
    for (; x + 8 <= n; x += 8)
        LAP(0);
    if (x < n && n >= 8) { /* the last < 8 pixels as the last 8 (o overlaps no input) */
        x = n - 8;
        LAP(0);
        return;
    }
#undef LAP
    /* (b - w)[x], not b[x - w]: w is a size_t, x - w would wrap (UB; fuzz_analyze found it) */
    for (; x < n; x++)
        o[x] = s2 * (b[x - 1] + b[x + 1] + (b - w)[x] + (b + w)[x] - 4 * b[x]);
}

/* The horizontal pass of pyramid.c's blur (lo[i] = c − i, hi[i] = c + i) without the check of
 * the row pointers the table's kernel makes every call. */
static void tex_acc_hrow_avx2(float *restrict o, const float *c, const float *const *lo,
                              const float *const *hi, const float *k, int r, int n)
{
    typedef void (*hfn)(float *restrict, const float *, const float *, int);
    static const hfn Hf[FIXED_MAX + 1] = {NULL,   acc_h1, acc_h2, acc_h3, acc_h4,
                                          acc_h5, acc_h6, acc_h7, acc_h8};
    if (r < 1 || r > FIXED_MAX)
        acc_rows_any(o, c, lo, hi, k, r, n);
    else
        Hf[r](o, c, k, n);
}

/* The lines' candidate mask (tex_line_mask_scalar in lines.c). 8 pixels' bits: tex_line_eval's
 * operations, lane by lane; the terms only where a bit may be set. */
static inline __attribute__((always_inline)) unsigned line_eval8(const float *c, int w, __m256 vs2, __m256 vk,
                                                                 __m256 vthr, const float *best, float *term,
                                                                 size_t hs)
{
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f),
                 half = _mm256_set1_ps(0.5f), sixth = _mm256_set1_ps(1.0f / 6), sign = _mm256_set1_ps(-0.0f);
    const __m256 c2 = vf_mul(two, vf_load(c));
    const __m256 xx = vf_mul(vs2, vf_sub(vf_add(vf_load(c - 1), vf_load(c + 1)), c2)),
                 yy = vf_mul(vs2, vf_sub(vf_add(vf_load(c - w), vf_load(c + w)), c2));
    const __m256 xy =
        vf_mul(vk, vf_add(vf_sub(vf_sub(vf_load(c + w + 1), vf_load(c + w - 1)), vf_load(c - w + 1)),
                          vf_load(c - w - 1)));
    const __m256 df = vf_sub(xx, yy), sum = vf_add(xx, yy);
    const __m256 d = _mm256_sqrt_ps(vf_add(vf_mul(df, df), vf_mul(vf_mul(four, xy), xy)));
    const __m256 m1 = vf_mul(half, vf_add(sum, d)), m2 = vf_mul(half, vf_sub(sum, d));
    /* m1 >= |m2| and m1 >= thr as one comparison: max(thr, |m2|) is |m2| when either is NaN */
    __m256 ok = _mm256_cmp_ps(m1, _mm256_max_ps(vthr, _mm256_andnot_ps(sign, m2)), _CMP_GE_OQ), lim = vthr;
    if (best) { /* else best 0: m1 >= thr > 0 is above it, and the bound's limit is thr */
        const __m256 vbest = vf_load(best);
        ok = _mm256_and_ps(ok, _mm256_cmp_ps(m1, vbest, _CMP_GT_OQ));
        lim = _mm256_max_ps(vbest, vthr); /* best > thr ? best : thr */
    }
    if (_mm256_testz_ps(ok, ok)) /* most pixels: no bound, no terms */
        return 0;
    const __m256 rb = _mm256_div_ps(vf_sub(sum, m1), m1), z = vf_mul(vf_mul(rb, rb), two);
    const __m256 poly = vf_add(one, vf_mul(z, vf_add(one, vf_mul(z, vf_add(half, vf_mul(z, sixth))))));
    const __m256 keep = _mm256_cmp_ps(vf_mul(m1, _mm256_set1_ps(1.0001f)), vf_mul(lim, poly), _CMP_NLT_UQ);
    _mm256_storeu_ps(term + T_M1 * hs, m1);
    _mm256_storeu_ps(term + T_RB * hs, rb);
    _mm256_storeu_ps(term + T_DF * hs, df);
    _mm256_storeu_ps(term + T_XY * hs, xy);
    _mm256_storeu_ps(term + T_D * hs, d);
    return (unsigned)_mm256_movemask_ps(_mm256_and_ps(ok, keep));
}

static void tex_line_mask_avx2(const float *b, int w, int n, float s2, float thr, const float *best,
                               uint8_t *bits, float *term, size_t hs)
{
    const __m256 vs2 = _mm256_set1_ps(s2), vk = _mm256_set1_ps(s2 * 0.25f), vthr = _mm256_set1_ps(thr);
    const int n8 = n & ~7;
    uint8_t *o = bits;
    if (best) /* two loops: no test of best per vector */
        for (int k = 0; k < n8; k += 8)
            *o++ = (uint8_t)line_eval8(b + k, w, vs2, vk, vthr, best + k, term + k, hs);
    else
        for (int k = 0; k < n8; k += 8)
            *o++ = (uint8_t)line_eval8(b + k, w, vs2, vk, vthr, NULL, term + k, hs);
    int k = n8;
    if (k < n) { /* the last byte, pixel by pixel */
        unsigned m = 0;
        for (int q = 0; k + q < n; q++)
            m |= (unsigned)tex_line_eval(b + k + q, w, s2, thr, best ? best[k + q] : 0.0f, term + k + q, hs)
                 << q;
        *o++ = (uint8_t)m;
        k += 8;
    }
    for (; k & 63; k += 8)
        *o++ = 0;
}

#define TEX_ISA avx2
#include "texture_tpl.h"

void skinq_texture_dsp_init_avx2(struct skinq_texture_dsp *d)
{
    SKINQ_DSP_SET(d, tex_acc_rows, tex_acc_rows, avx2);
    SKINQ_DSP_SET(d, tex_acc_hrow, tex_acc_hrow, avx2);
    SKINQ_DSP_SET(d, tex_acc_rows2, tex_acc_rows2, avx2);
    SKINQ_DSP_SET(d, tex_peak_mask, tex_peak_mask, avx2);
    SKINQ_DSP_SET(d, tex_laplace_row, tex_laplace_row, avx2);
    SKINQ_DSP_SET(d, tex_line_mask, tex_line_mask, avx2);
    SKINQ_DSP_SET(d, tex_glcm_quantise16, tex_glcm_quantise16, avx2);
    SKINQ_DSP_SET(d, tex_glcm_quantise32, tex_glcm_quantise32, avx2);
    SKINQ_DSP_SET(d, tex_glcm_mask_outside, tex_glcm_mask_outside, avx2);
    SKINQ_DSP_SET(d, tex_glcm_pair_cells, tex_glcm_pair_cells, avx2);
    SKINQ_DSP_SET(d, tex_spots_box_rows, tex_spots_box_rows, avx2);
    SKINQ_DSP_SET(d, tex_spots_box_cols, tex_spots_box_cols, avx2);
    SKINQ_DSP_SET(d, tex_spots_block_sums, tex_spots_block_sums, avx2);
    SKINQ_DSP_SET(d, tex_spots_residual_row, tex_spots_residual_row, avx2);
}
