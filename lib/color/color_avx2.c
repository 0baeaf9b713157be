/* color_avx2.c -- AVX2+FMA colour kernels: 8 pixels a step, table linearisation by gather. */
#include <immintrin.h>

#include "color/color_kernels.h"

/* Cube root of 8 floats: exponent-bit first guess (bits/3 + bias, through float arithmetic),
 * then three Newton steps y = (2y + t/y²)/3; relative error ~1e-7 on [1e-5, 2]. */
static inline __m256 cbrt8(__m256 t)
{
    __m256i bits = _mm256_castps_si256(t);
    __m256 third = _mm256_set1_ps(1.0f / 3);
    __m256i g = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(bits), third)),
                                 _mm256_set1_epi32(709921077));
    __m256 y = _mm256_castsi256_ps(g), two = _mm256_set1_ps(2.0f);
    for (int k = 0; k < 3; k++)
        y = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(two, y), _mm256_div_ps(t, _mm256_mul_ps(y, y))), third);
    return y;
}

static inline __m256 lab_f8(__m256 t)
{
    __m256 toe = _mm256_fmadd_ps(t, _mm256_set1_ps(7.787037f), _mm256_set1_ps(0.137931034f));
    __m256 big = _mm256_cmp_ps(t, _mm256_set1_ps(0.008856452f), _CMP_GT_OQ);
    /* keep the root's Newton steps finite on the toe lanes (t may be 0) */
    __m256 safe = _mm256_blendv_ps(_mm256_set1_ps(1.0f), t, big);
    return _mm256_blendv_ps(toe, cbrt8(safe), big);
}

static void skinq_srgb8_to_lab_avx2(const uint8_t *rgb, float *lab, size_t n)
{
    const float *m = skinq_rgb2xyz_n;
    const __m256i offs = _mm256_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21), low = _mm256_set1_epi32(0xFF);
    size_t i = 0;
    /* The 32-bit gathers read one byte past pixel i+7, so the vector loop stops while pixel
     * i+8 still exists; the remaining pixels go through the scalar reference. */
    for (; i + 8 < n; i += 8, rgb += 24, lab += 24) {
        __m256i px = _mm256_i32gather_epi32((const int *)(const void *)rgb, offs, 1);
        __m256i ir = _mm256_and_si256(px, low), ig = _mm256_and_si256(_mm256_srli_epi32(px, 8), low),
                ib = _mm256_and_si256(_mm256_srli_epi32(px, 16), low);
        __m256 r = _mm256_i32gather_ps(skinq_srgb8_linear, ir, 4), g = _mm256_i32gather_ps(skinq_srgb8_linear, ig, 4),
               b = _mm256_i32gather_ps(skinq_srgb8_linear, ib, 4);
        __m256 x = _mm256_fmadd_ps(_mm256_set1_ps(m[2]), b, _mm256_fmadd_ps(_mm256_set1_ps(m[1]), g, _mm256_mul_ps(_mm256_set1_ps(m[0]), r)));
        __m256 y = _mm256_fmadd_ps(_mm256_set1_ps(m[5]), b, _mm256_fmadd_ps(_mm256_set1_ps(m[4]), g, _mm256_mul_ps(_mm256_set1_ps(m[3]), r)));
        __m256 z = _mm256_fmadd_ps(_mm256_set1_ps(m[8]), b, _mm256_fmadd_ps(_mm256_set1_ps(m[7]), g, _mm256_mul_ps(_mm256_set1_ps(m[6]), r)));
        __m256 fx = lab_f8(x), fy = lab_f8(y), fz = lab_f8(z);
        float L[8], A[8], B[8];
        _mm256_storeu_ps(L, _mm256_fmsub_ps(_mm256_set1_ps(116.0f), fy, _mm256_set1_ps(16.0f)));
        _mm256_storeu_ps(A, _mm256_mul_ps(_mm256_set1_ps(500.0f), _mm256_sub_ps(fx, fy)));
        _mm256_storeu_ps(B, _mm256_mul_ps(_mm256_set1_ps(200.0f), _mm256_sub_ps(fy, fz)));
        for (int k = 0; k < 8; k++) {
            lab[3 * k] = L[k];
            lab[3 * k + 1] = A[k];
            lab[3 * k + 2] = B[k];
        }
    }
    skinq_srgb8_to_lab_scalar(rgb, lab, n - i); /* the tail, through the one scalar reference */
}

void skinq_color_init_avx2(struct skinq_kernels *k)
{
    k->srgb8_to_lab = skinq_srgb8_to_lab_avx2;
    k->name_srgb8_to_lab = "avx2";
}
