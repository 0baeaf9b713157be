/* texture_avx2.c -- AVX2 kernels of the texture pass (built with -mavx2 -mfma
 * -ffp-contract=off, picked through the kernel table, lib/core/dispatch.h): the Gaussian
 * pyramid's blur row kernel, whose scalar reference is tex_acc_rows_ref in pyramid.c. */
#include <immintrin.h>

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

void skinq_texture_init_avx2(struct skinq_kernels *k)
{
    k->tex_acc_rows = tex_acc_rows_avx2;
    k->name_tex_acc_rows = "avx2";
}
