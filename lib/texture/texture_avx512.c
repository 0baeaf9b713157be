/* texture_avx512.c -- AVX-512 (F+BW+DQ+VL) kernels of the texture pass, built with -mavx512f
 * -mavx512bw -mavx512dq -mavx512vl -mfma -ffp-contract=off: the blur rows (one pass, two vertical
 * passes at once, the horizontal pass), the pores' pre-filter and response rows and the lines'
 * candidate mask, as texture_avx2.c's with 16 lanes and masked loads and stores for the tails.
 * Each lane gets the same operations in the same order as the scalar reference (no FMA), so the
 * same bits (tests/kernels/check_texture.c). The other slots keep their AVX2 kernels. */
#include <immintrin.h>
#include <stdint.h>

#include "texture/texture_int.h"

/* the lanes of x .. n − 1 of a vector of 16 (n − x >= 1). Rows of 16 or more take their last < 16
 * columns as the last 16 instead (full vectors, recomputing a few: the outputs overlap no input),
 * since a masked store does not forward to the loads that soon read it (the blur's row buffer,
 * the pores' responses): masked on those, the pass ran 5-10 % slower than with AVX2. */
static inline __mmask16 tail16(int x, int n)
{
    return n - x >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - x)) - 1);
}

/* The columns before o's first 64-byte boundary (0 .. 15; 0 for rows under 32). The row kernels
 * write those as one whole vector, then every store is aligned: stores of 64 bytes across two
 * cache lines commit at half the rate, and with them the store-bound passes (the blur's, the
 * pores' responses) ran 5-15 % slower than with AVX2 on a 12-MP photo. */
static inline int head16(const float *o, int n)
{
    return n < 32 ? 0 : (int)((64 - ((uintptr_t)o & 63)) & 63) / 4;
}

/* a whole vector's plain store, or the lanes of m */
static inline void store16(float *p, __mmask16 m, __m512 v)
{
    if (m == 0xffff)
        _mm512_storeu_ps(p, v);
    else
        _mm512_mask_storeu_ps(p, m, v);
}

static inline __m512 ld(const float *p, __mmask16 m)
{
    return _mm512_maskz_loadu_ps(m, p);
}

/* a whole vector (the blocks' loads: plain loads, no mask) */
static inline __m512 ldu(const float *p, __mmask16 m)
{
    (void)m;
    return _mm512_loadu_ps(p);
}

/* The blur's row kernel for any radius (the pyramid's are <= 8: acc_fixed below), 16 columns a
 * vector, the tail masked: o = k0·c + Σ (k1·(a1 + b1) + k2·(a2 + b2)) [+ k·(a + b)]. */
static void acc_rows_any(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n)
{
    const __m512 k0 = _mm512_set1_ps(k[0]);
    for (int x = 0; x < n; x += 16) {
        if (x + 16 > n && n >= 16)
            x = n - 16; /* the last < 16 as the last 16 (see tail16) */
        const __mmask16 m = tail16(x, n);
        __m512 s = _mm512_mul_ps(k0, ld(c + x, m));
        int i = 1;
        for (; i + 1 <= r; i += 2) {
            const __m512 k1 = _mm512_set1_ps(k[i]), k2 = _mm512_set1_ps(k[i + 1]);
            s = _mm512_add_ps(
                s,
                _mm512_add_ps(_mm512_mul_ps(k1, _mm512_add_ps(ld(lo[i] + x, m), ld(hi[i] + x, m))),
                              _mm512_mul_ps(k2, _mm512_add_ps(ld(lo[i + 1] + x, m), ld(hi[i + 1] + x, m)))));
        }
        if (i == r)
            s = _mm512_add_ps(
                s, _mm512_mul_ps(_mm512_set1_ps(k[i]), _mm512_add_ps(ld(lo[i] + x, m), ld(hi[i] + x, m))));
        store16(o + x, m, s);
    }
}

/* A radius known at compile time: the taps' broadcasts and row pointers in registers, 64 columns
 * a block in four sums, then 16 at a time, the last < 16 masked (texture_avx2.c's acc_fixed). */
#define FIXED_MAX 8
static inline __attribute__((always_inline)) void acc_fixed(float *restrict o, const float *c,
                                                            const float *const *lo, const float *const *hi,
                                                            const float *k, const int r, const int row, int n)
{
    __m512 kv[FIXED_MAX + 1];
    const float *L[FIXED_MAX + 1], *H[FIXED_MAX + 1];
#pragma GCC unroll 9
    for (int i = 0; i <= r; i++)
        kv[i] = _mm512_set1_ps(k[i]);
#pragma GCC unroll 9
    for (int i = 1; i <= r; i++) {
        L[i] = row ? c - i : lo[i];
        H[i] = row ? c + i : hi[i];
    }
#define A(f, i, d, m) _mm512_add_ps(f(L[i] + x + (d), m), f(H[i] + x + (d), m))
#define TAP2F(f, s, d, m)                                                                                    \
    s = _mm512_add_ps(                                                                                       \
        s, _mm512_add_ps(_mm512_mul_ps(kv[i], A(f, i, d, m)), _mm512_mul_ps(kv[i + 1], A(f, i + 1, d, m))))
#define TAP1F(f, s, d, m) s = _mm512_add_ps(s, _mm512_mul_ps(kv[i], A(f, i, d, m)))
    const __mmask16 all = 0xffff;
#define ONE16(f, m)                                                                                          \
    do {                                                                                                     \
        __m512 s0 = _mm512_mul_ps(kv[0], f(c + x, m));                                                       \
        _Pragma("GCC unroll 8") for (int i = 1; i + 1 <= r; i += 2) TAP2F(f, s0, 0, m);                      \
        if (r & 1) {                                                                                         \
            const int i = r;                                                                                 \
            TAP1F(f, s0, 0, m);                                                                              \
        }                                                                                                    \
        store16(o + x, m, s0);                                                                               \
    } while (0)
    int x = 0;
    const int a = head16(o, n);
    if (a) { /* the columns before the first aligned output, as a whole vector */
        ONE16(ldu, all);
        x = a;
    }
    for (; x + 64 <= n; x += 64) {
        __m512 s0 = _mm512_mul_ps(kv[0], _mm512_loadu_ps(c + x)),
               s1 = _mm512_mul_ps(kv[0], _mm512_loadu_ps(c + x + 16));
        __m512 s2 = _mm512_mul_ps(kv[0], _mm512_loadu_ps(c + x + 32)),
               s3 = _mm512_mul_ps(kv[0], _mm512_loadu_ps(c + x + 48));
#pragma GCC unroll 8
        for (int i = 1; i + 1 <= r; i += 2) {
            TAP2F(ldu, s0, 0, all);
            TAP2F(ldu, s1, 16, all);
            TAP2F(ldu, s2, 32, all);
            TAP2F(ldu, s3, 48, all);
        }
        if (r & 1) {
            const int i = r;
            TAP1F(ldu, s0, 0, all);
            TAP1F(ldu, s1, 16, all);
            TAP1F(ldu, s2, 32, all);
            TAP1F(ldu, s3, 48, all);
        }
        _mm512_storeu_ps(o + x, s0);
        _mm512_storeu_ps(o + x + 16, s1);
        _mm512_storeu_ps(o + x + 32, s2);
        _mm512_storeu_ps(o + x + 48, s3);
    }
    for (; x < n; x += 16) {
        if (x + 16 > n && n >= 16)
            x = n - 16; /* the last < 16 as the last 16 (see tail16) */
        const __mmask16 m = tail16(x, n);
        ONE16(ld, m);
    }
#undef ONE16
#undef A
#undef TAP2F
#undef TAP1F
}

#define FIXED(R)                                                                                             \
    static void acc512_v##R(float *restrict o, const float *c, const float *const *lo,                       \
                            const float *const *hi, const float *k, int n)                                   \
    {                                                                                                        \
        acc_fixed(o, c, lo, hi, k, R, 0, n);                                                                 \
    }                                                                                                        \
    static void acc512_h##R(float *restrict o, const float *c, const float *k, int n)                        \
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

typedef void (*vfn)(float *restrict, const float *, const float *const *, const float *const *, const float *,
                    int);
typedef void (*hfn)(float *restrict, const float *, const float *, int);
static const vfn V[FIXED_MAX + 1] = {NULL,      acc512_v1, acc512_v2, acc512_v3, acc512_v4,
                                     acc512_v5, acc512_v6, acc512_v7, acc512_v8};
static const hfn Hf[FIXED_MAX + 1] = {NULL,      acc512_h1, acc512_h2, acc512_h3, acc512_h4,
                                      acc512_h5, acc512_h6, acc512_h7, acc512_h8};

static void tex_acc_rows_avx512(float *restrict o, const float *c, const float *const *lo,
                                const float *const *hi, const float *k, int r, int n)
{
    if (r < 1 || r > FIXED_MAX) {
        acc_rows_any(o, c, lo, hi, k, r, n);
        return;
    }
    int row = 1; /* the horizontal pass's pointers (compared as addresses, as texture_avx2.c) */
    const uintptr_t ca = (uintptr_t)c;
    for (int i = 1; i <= r && row; i++)
        row = ((uintptr_t)lo[i] == ca - sizeof(float) * (uintptr_t)i) &
              ((uintptr_t)hi[i] == ca + sizeof(float) * (uintptr_t)i);
    if (row)
        Hf[r](o, c, k, n);
    else
        V[r](o, c, lo, hi, k, n);
}

/* The horizontal pass without the pointer check. */
static void tex_acc_hrow_avx512(float *restrict o, const float *c, const float *const *lo,
                                const float *const *hi, const float *k, int r, int n)
{
    if (r < 1 || r > FIXED_MAX)
        acc_rows_any(o, c, lo, hi, k, r, n);
    else
        Hf[r](o, c, k, n);
}

/* Two vertical passes over the same rows: each pair sum loaded and added once for both outputs
 * (texture_avx2.c's acc2_fixed), 16 columns a vector, the tail masked. */
static inline __attribute__((always_inline)) __m512 taps_r(__m512 s, const __m512 *K, const __m512 *P,
                                                           const int r)
{
#pragma GCC unroll 8
    for (int i = 1; i + 1 <= r; i += 2)
        s = _mm512_add_ps(s, _mm512_add_ps(_mm512_mul_ps(K[i], P[i]), _mm512_mul_ps(K[i + 1], P[i + 1])));
    if (r & 1)
        s = _mm512_add_ps(s, _mm512_mul_ps(K[r], P[r]));
    return s;
}

static inline __attribute__((always_inline)) void
acc2_fixed(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,
           const float *const *hi, const float *ka, const int ra, const float *kb, const int rb, int n)
{
    const int rm = ra > rb ? ra : rb;
    __m512 KA[FIXED_MAX + 1], KB[FIXED_MAX + 1];
    for (int i = 0; i <= ra; i++)
        KA[i] = _mm512_set1_ps(ka[i]);
    for (int i = 0; i <= rb; i++)
        KB[i] = _mm512_set1_ps(kb[i]);
    const float *L[FIXED_MAX + 1], *H[FIXED_MAX + 1];
#pragma GCC unroll 8
    for (int i = 1; i <= rm; i++) {
        L[i] = lo[i];
        H[i] = hi[i];
    }
    const int a = head16(oa, n); /* (ob's alignment differs with the radii) */
    for (int x = 0; x < n; x += 16) {
        if (x + 16 > n && n >= 16)
            x = n - 16; /* the last < 16 as the last 16 (see tail16) */
        const __mmask16 m = tail16(x, n);
        __m512 P[FIXED_MAX + 1];
        const __m512 cv = ld(c + x, m);
#pragma GCC unroll 8
        for (int i = 1; i <= rm; i++)
            P[i] = _mm512_add_ps(ld(L[i] + x, m), ld(H[i] + x, m));
        store16(oa + x, m, taps_r(_mm512_mul_ps(KA[0], cv), KA, P, ra));
        store16(ob + x, m, taps_r(_mm512_mul_ps(KB[0], cv), KB, P, rb));
        if (x == 0 && a)
            x = a - 16; /* then from oa's first aligned column */
    }
}

#define PAIR_MAX 5
#define FIXED2(A, B)                                                                                         \
    static void acc512_2_##A##B(float *restrict oa, float *restrict ob, const float *c,                      \
                                const float *const *lo, const float *const *hi, const float *ka,             \
                                const float *kb, int n)                                                      \
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

static void tex_acc_rows2_avx512(float *restrict oa, float *restrict ob, const float *c,
                                 const float *const *lo, const float *const *hi, const float *ka, int ra,
                                 const float *kb, int rb, int n)
{
    if (ra < 1 || rb < 1 || ra > PAIR_MAX || rb > PAIR_MAX) {
        tex_acc_rows_avx512(oa, c, lo, hi, ka, ra, n);
        tex_acc_rows_avx512(ob, c, lo, hi, kb, rb, n);
        return;
    }
    typedef void (*fn2)(float *restrict, float *restrict, const float *, const float *const *,
                        const float *const *, const float *, const float *, int);
#define ROW(A)                                                                                               \
    {                                                                                                        \
        acc512_2_##A##1, acc512_2_##A##2, acc512_2_##A##3, acc512_2_##A##4, acc512_2_##A##5                  \
    }
    static const fn2 V2[PAIR_MAX][PAIR_MAX] = {ROW(1), ROW(2), ROW(3), ROW(4), ROW(5)};
#undef ROW
    V2[ra - 1][rb - 1](oa, ob, c, lo, hi, ka, kb, n);
}

/* The pores' pre-filter: the three ordered comparisons (false on NaN, as C's) of 16 pixels
 * chained through the mask registers, four of them a 64-bit word; the last word's loads and
 * comparisons masked to the pixels below n. */
static void tex_peak_mask_avx512(uint64_t *m, const float *R, const float *lo, const float *hi, float thr,
                                 int n)
{
    const __m512 t = _mm512_set1_ps(thr);
#define PEAK(f, in)                                                                                          \
    do {                                                                                                     \
        const __m512 v = f(R + b, in);                                                                       \
        __mmask16 k = _mm512_mask_cmp_ps_mask(in, v, t, _CMP_GE_OQ);                                         \
        k = _mm512_mask_cmp_ps_mask(k, v, f(lo + b, in), _CMP_GT_OQ);                                        \
        k = _mm512_mask_cmp_ps_mask(k, v, f(hi + b, in), _CMP_GE_OQ);                                        \
        w |= (uint64_t)k << j;                                                                               \
    } while (0)
    int q0 = 0;
    for (; q0 + 64 <= n; q0 += 64) {
        uint64_t w = 0;
        for (int j = 0; j < 64; j += 16) {
            const int b = q0 + j;
            PEAK(ldu, (__mmask16)0xffff);
        }
        m[q0 / 64] = w;
    }
    if (q0 < n) { /* the last word, < 64 pixels */
        uint64_t w = 0;
        for (int j = 0; q0 + j < n; j += 16) {
            const int b = q0 + j;
            PEAK(ld, tail16(b, n));
        }
        m[q0 / 64] = w;
    }
#undef PEAK
}

/* The pores' response of one row, 64 pixels an iteration, then 16, the tail masked. */
static void tex_laplace_row_avx512(float *restrict o, const float *b, size_t w, float s2, int n)
{
    const __m512 k = _mm512_set1_ps(s2), four = _mm512_set1_ps(4.0f);
    const float *up = b - w, *dn = b + w;
#define LAP(f, d, m)                                                                                         \
    store16(o + x + (d), m,                                                                                  \
            _mm512_mul_ps(k, _mm512_sub_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(f(b + x + (d)-1, m),    \
                                                                                     f(b + x + (d) + 1, m)), \
                                                                       f(up + x + (d), m)),                  \
                                                         f(dn + x + (d), m)),                                \
                                           _mm512_mul_ps(four, f(b + x + (d), m)))))
    const __mmask16 all = 0xffff;
    int x = 0;
    const int a = head16(o, n);
    if (a) { /* the columns before the first aligned output, as a whole vector */
        LAP(ldu, 0, all);
        x = a;
    }
    for (; x + 64 <= n; x += 64) {
        LAP(ldu, 0, all);
        LAP(ldu, 16, all);
        LAP(ldu, 32, all);
        LAP(ldu, 48, all);
    }
    for (; x < n; x += 16) {
        if (x + 16 > n && n >= 16)
            x = n - 16; /* the last < 16 as the last 16 (see tail16) */
        LAP(ld, 0, tail16(x, n));
    }
#undef LAP
}

/* The lines' candidate mask: tex_line_eval's operations on 16 pixels, lane by lane (texture_avx2.c's
 * line_eval8); the terms stored, masked to the pixels below n, only where a bit may be set. */
static inline __attribute__((always_inline)) unsigned line_eval16(const float *c, int w, const int full,
                                                                  __mmask16 in, __m512 vs2, __m512 vk,
                                                                  __m512 vthr, const float *best, float *term,
                                                                  size_t hs)
{
#define LD(p, m) (full ? ldu(p, m) : ld(p, m))
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f),
                 half = _mm512_set1_ps(0.5f), sixth = _mm512_set1_ps(1.0f / 6);
    const __m512 c2 = _mm512_mul_ps(two, LD(c, in));
    const __m512 xx = _mm512_mul_ps(vs2, _mm512_sub_ps(_mm512_add_ps(LD(c - 1, in), LD(c + 1, in)), c2)),
                 yy = _mm512_mul_ps(vs2, _mm512_sub_ps(_mm512_add_ps(LD(c - w, in), LD(c + w, in)), c2));
    const __m512 xy = _mm512_mul_ps(
        vk,
        _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(LD(c + w + 1, in), LD(c + w - 1, in)), LD(c - w + 1, in)),
                      LD(c - w - 1, in)));
    const __m512 df = _mm512_sub_ps(xx, yy), sum = _mm512_add_ps(xx, yy);
    const __m512 d =
        _mm512_sqrt_ps(_mm512_add_ps(_mm512_mul_ps(df, df), _mm512_mul_ps(_mm512_mul_ps(four, xy), xy)));
    const __m512 m1 = _mm512_mul_ps(half, _mm512_add_ps(sum, d)),
                 m2 = _mm512_mul_ps(half, _mm512_sub_ps(sum, d));
    /* m1 >= |m2| and m1 >= thr as one comparison: max(thr, |m2|) is |m2| when either is NaN */
    __mmask16 ok = _mm512_mask_cmp_ps_mask(in, m1, _mm512_max_ps(vthr, _mm512_abs_ps(m2)), _CMP_GE_OQ);
    __m512 lim = vthr;
    if (best) { /* else best 0: m1 >= thr > 0 is above it, and the bound's limit is thr */
        const __m512 vbest = LD(best, in);
        ok = _mm512_mask_cmp_ps_mask(ok, m1, vbest, _CMP_GT_OQ);
        lim = _mm512_max_ps(vbest, vthr); /* best > thr ? best : thr */
    }
    if (!ok) /* most pixels: no bound, no terms */
        return 0;
    const __m512 rb = _mm512_div_ps(_mm512_sub_ps(sum, m1), m1),
                 z = _mm512_mul_ps(_mm512_mul_ps(rb, rb), two);
    const __m512 poly = _mm512_add_ps(
        one,
        _mm512_mul_ps(z, _mm512_add_ps(one, _mm512_mul_ps(z, _mm512_add_ps(half, _mm512_mul_ps(z, sixth))))));
    const __mmask16 keep = _mm512_mask_cmp_ps_mask(ok, _mm512_mul_ps(m1, _mm512_set1_ps(1.0001f)),
                                                   _mm512_mul_ps(lim, poly), _CMP_NLT_UQ);
#define ST(p, v) (full ? _mm512_storeu_ps(p, v) : _mm512_mask_storeu_ps(p, in, v))
    ST(term + T_M1 * hs, m1);
    ST(term + T_RB * hs, rb);
    ST(term + T_DF * hs, df);
    ST(term + T_XY * hs, xy);
    ST(term + T_D * hs, d);
#undef ST
#undef LD
    return keep;
}

static void tex_line_mask_avx512(const float *b, int w, int n, float s2, float thr, const float *best,
                                 uint8_t *bits, float *term, size_t hs)
{
    const __m512 vs2 = _mm512_set1_ps(s2), vk = _mm512_set1_ps(s2 * 0.25f), vthr = _mm512_set1_ps(thr);
    const __mmask16 all = 0xffff;
    int k = 0;
#define OUT(m) (bits[k >> 3] = (uint8_t)(m), bits[(k >> 3) + 1] = (uint8_t)((m) >> 8))
    if (best) /* two loops: no test of best per vector */
        for (; k + 16 <= n; k += 16)
            OUT(line_eval16(b + k, w, 1, all, vs2, vk, vthr, best + k, term + k, hs));
    else
        for (; k + 16 <= n; k += 16)
            OUT(line_eval16(b + k, w, 1, all, vs2, vk, vthr, NULL, term + k, hs));
    if (k < n) { /* the last < 16 pixels, masked */
        OUT(line_eval16(b + k, w, 0, tail16(k, n), vs2, vk, vthr, best ? best + k : NULL, term + k, hs));
        k += 16;
    }
#undef OUT
    for (; k & 63; k += 16) /* the bytes up to the next multiple of 8 */
        bits[k >> 3] = bits[(k >> 3) + 1] = 0;
}

void skinq_texture_dsp_init_avx512(struct skinq_texture_dsp *d)
{
    SKINQ_DSP_SET(d, tex_acc_rows, tex_acc_rows, avx512);
    SKINQ_DSP_SET(d, tex_acc_hrow, tex_acc_hrow, avx512);
    SKINQ_DSP_SET(d, tex_acc_rows2, tex_acc_rows2, avx512);
    SKINQ_DSP_SET(d, tex_peak_mask, tex_peak_mask, avx512);
    SKINQ_DSP_SET(d, tex_laplace_row, tex_laplace_row, avx512);
    SKINQ_DSP_SET(d, tex_line_mask, tex_line_mask, avx512);
}
