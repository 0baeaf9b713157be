/* texture_avx2.c -- AVX2 kernels of the texture pass (built with -mavx2 -mfma
 * -ffp-contract=off, picked through the kernel table, lib/core/dispatch.h): the Gaussian
 * pyramid's blur row kernel, whose scalar reference is tex_acc_rows_ref in pyramid.c. */
#include <immintrin.h>
#include <stdint.h>

#include "texture/texture_int.h"


/* AVX2: 32 columns a block whose four sums stay in registers through every tap (the reference
 * is bound by the accumulator's loads and stores: 5 loads and a store per two taps and 8
 * columns, here 4 loads); the same multiplications and additions in the same order, no FMA,
 * so the same bits as the reference (tests/unit/test_texture_kernels.c). */
static void tex_acc_rows_avx2(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                              const float *k, int r, int n)
{
    const __m256 k0 = _mm256_set1_ps(k[0]);
#define TAP2(s, d)                                                                                                     \
    s = _mm256_add_ps(                                                                                                 \
        s, _mm256_add_ps(_mm256_mul_ps(k1, _mm256_add_ps(_mm256_loadu_ps(a1 + (d)), _mm256_loadu_ps(b1 + (d)))),       \
                         _mm256_mul_ps(k2, _mm256_add_ps(_mm256_loadu_ps(a2 + (d)), _mm256_loadu_ps(b2 + (d))))))
#define TAP1(s, d)                                                                                                     \
    s = _mm256_add_ps(s, _mm256_mul_ps(k1, _mm256_add_ps(_mm256_loadu_ps(a1 + (d)), _mm256_loadu_ps(b1 + (d)))))
    int x = 0;
    for (; x + 32 <= n; x += 32) {
        __m256 s0 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x)), s1 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x + 8));
        __m256 s2 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x + 16)), s3 = _mm256_mul_ps(k0, _mm256_loadu_ps(c + x + 24));
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
    for (; x < n; x++) { /* the last < 8 columns as the reference rounds them */
        float s = k[0] * c[x];
        int i = 1;
        for (; i + 1 <= r; i += 2)
            s += k[i] * (lo[i][x] + hi[i][x]) + k[i + 1] * (lo[i + 1][x] + hi[i + 1][x]);
        if (i == r)
            s += k[i] * (lo[i][x] + hi[i][x]);
        o[x] = s;
    }
}

/* The same kernel for a radius known at compile time (the pyramid's blurs are radius <= 5): the
 * taps' broadcasts are made once a call instead of once per 32 columns, and the loop over taps
 * is unrolled, so the row pointers stay in registers (the generic loop reloads two pointers and
 * a broadcast per tap and block: a third of its loads). When the taps are one row's own
 * neighbours (lo[i] = c − i, hi[i] = c + i: the horizontal pass) every load is c plus a constant
 * offset. The same operations in the same order as the reference: the same bits. */
#define FIXED_MAX 8
static inline __attribute__((always_inline)) void acc_fixed(float *restrict o, const float *c, const float *const *lo,
                                                            const float *const *hi, const float *k, const int r,
                                                            const int row, int n)
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
#define TAP2F(s, d) s = _mm256_add_ps(s, _mm256_add_ps(_mm256_mul_ps(kv[i], A(i, d)), _mm256_mul_ps(kv[i + 1], A(i + 1, d))))
#define TAP1F(s, d) s = _mm256_add_ps(s, _mm256_mul_ps(kv[i], A(i, d)))
    int x = 0;
    for (; x + 32 <= n; x += 32) {
        __m256 s0 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x)), s1 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x + 8));
        __m256 s2 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x + 16)), s3 = _mm256_mul_ps(kv[0], _mm256_loadu_ps(c + x + 24));
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
    for (; x + 8 <= n; x += 8) {
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
    for (; x < n; x++) { /* the last < 8 columns as the reference rounds them */
        float s = k[0] * c[x];
        int i = 1;
        for (; i + 1 <= r; i += 2)
            s += k[i] * (L[i][x] + H[i][x]) + k[i + 1] * (L[i + 1][x] + H[i + 1][x]);
        if (i == r)
            s += k[i] * (L[i][x] + H[i][x]);
        o[x] = s;
    }
}

#define FIXED(R)                                                                                                       \
    static void acc_v##R(float *restrict o, const float *c, const float *const *lo, const float *const *hi,            \
                         const float *k, int n)                                                                        \
    {                                                                                                                  \
        acc_fixed(o, c, lo, hi, k, R, 0, n);                                                                           \
    }                                                                                                                  \
    static void acc_h##R(float *restrict o, const float *c, const float *k, int n)                                    \
    {                                                                                                                  \
        acc_fixed(o, c, NULL, NULL, k, R, 1, n);                                                                       \
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

static void tex_acc_rows_avx2_fixed(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                                    const float *k, int r, int n)
{
    if (r < 1 || r > FIXED_MAX) {
        tex_acc_rows_avx2(o, c, lo, hi, k, r, n);
        return;
    }
    int row = 1; /* (compared as addresses: c − i need not be inside an object) */
    const uintptr_t ca = (uintptr_t)c;
    for (int i = 1; i <= r; i++)
        row &= ((uintptr_t)lo[i] == ca - sizeof(float) * (uintptr_t)i) & ((uintptr_t)hi[i] == ca + sizeof(float) * (uintptr_t)i);
    typedef void (*vfn)(float *restrict, const float *, const float *const *, const float *const *, const float *, int);
    typedef void (*hfn)(float *restrict, const float *, const float *, int);
    static const vfn V[FIXED_MAX + 1] = {NULL, acc_v1, acc_v2, acc_v3, acc_v4, acc_v5, acc_v6, acc_v7, acc_v8};
    static const hfn Hf[FIXED_MAX + 1] = {NULL, acc_h1, acc_h2, acc_h3, acc_h4, acc_h5, acc_h6, acc_h7, acc_h8};
    if (row)
        Hf[r](o, c, k, n);
    else
        V[r](o, c, lo, hi, k, n);
}

void skinq_texture_init_avx2(struct skinq_kernels *k)
{
    k->tex_acc_rows = tex_acc_rows_avx2_fixed;
    k->name_tex_acc_rows = "avx2";
}
