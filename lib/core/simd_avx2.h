/* simd_avx2.h -- the AVX2 words of skinq's one SIMD vocabulary: vf (8 floats), vi
 * (8 int32), VW lanes, and inline helpers named alike in simd_sse41.h, so a *_tpl.h body
 * compiles for either. Include it from *_avx2.c files only (they get the ISA's flags).
 * Compares are ordered (false on NaN) except vf_neq; vf_blend(a, b, m) takes b where m is set;
 * vf_max/vf_min return the second operand when either is NaN (the instructions' rule, which the
 * scalar references spell out). */
#ifndef SKINQ_SIMD_AVX2_H
#define SKINQ_SIMD_AVX2_H

#include <immintrin.h>
#include <stdint.h>

typedef __m256 vf;
typedef __m256i vi;
#define VW 8

static inline vf vf_load(const float *p)
{
    return _mm256_loadu_ps(p);
}

static inline void vf_store(float *p, vf a)
{
    _mm256_storeu_ps(p, a);
}

static inline vf vf_set1(float x)
{
    return _mm256_set1_ps(x);
}

static inline vf vf_zero(void)
{
    return _mm256_setzero_ps();
}

static inline vf vf_add(vf a, vf b)
{
    return _mm256_add_ps(a, b);
}

static inline vf vf_sub(vf a, vf b)
{
    return _mm256_sub_ps(a, b);
}

static inline vf vf_mul(vf a, vf b)
{
    return _mm256_mul_ps(a, b);
}

static inline vf vf_div(vf a, vf b)
{
    return _mm256_div_ps(a, b);
}

static inline vf vf_sqrt(vf a)
{
    return _mm256_sqrt_ps(a);
}

static inline vf vf_max(vf a, vf b)
{
    return _mm256_max_ps(a, b);
}

static inline vf vf_min(vf a, vf b)
{
    return _mm256_min_ps(a, b);
}

static inline vf vf_and(vf a, vf b)
{
    return _mm256_and_ps(a, b);
}

static inline vf vf_andnot(vf a, vf b)
{
    return _mm256_andnot_ps(a, b);
}

static inline vf vf_or(vf a, vf b)
{
    return _mm256_or_ps(a, b);
}

static inline vf vf_xor(vf a, vf b)
{
    return _mm256_xor_ps(a, b);
}

static inline vf vf_lt(vf a, vf b)
{
    return _mm256_cmp_ps(a, b, _CMP_LT_OQ);
}

static inline vf vf_le(vf a, vf b)
{
    return _mm256_cmp_ps(a, b, _CMP_LE_OQ);
}

static inline vf vf_gt(vf a, vf b)
{
    return _mm256_cmp_ps(a, b, _CMP_GT_OQ);
}

static inline vf vf_ge(vf a, vf b)
{
    return _mm256_cmp_ps(a, b, _CMP_GE_OQ);
}

static inline vf vf_eq(vf a, vf b)
{
    return _mm256_cmp_ps(a, b, _CMP_EQ_OQ);
}

static inline vf vf_neq(vf a, vf b)
{
    return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ);
}

static inline vf vf_blend(vf a, vf b, vf m)
{
    return _mm256_blendv_ps(a, b, m);
}

static inline int vf_movemask(vf a)
{
    return _mm256_movemask_ps(a);
}

static inline vf vf_abs(vf a)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a);
}

static inline vi vf_as_vi(vf a)
{
    return _mm256_castps_si256(a);
}

static inline vf vi_as_vf(vi a)
{
    return _mm256_castsi256_ps(a);
}

static inline vf vf_from_vi(vi a)
{
    return _mm256_cvtepi32_ps(a);
}

static inline vi vi_from_vf_nearest(vf a)
{
    return _mm256_cvtps_epi32(a);
}

static inline vi vi_from_vf_trunc(vf a)
{
    return _mm256_cvttps_epi32(a);
}

static inline vi vi_set1(int32_t x)
{
    return _mm256_set1_epi32(x);
}

static inline vi vi_add(vi a, vi b)
{
    return _mm256_add_epi32(a, b);
}

static inline vi vi_sub(vi a, vi b)
{
    return _mm256_sub_epi32(a, b);
}

static inline vi vi_eq(vi a, vi b)
{
    return _mm256_cmpeq_epi32(a, b);
}

static inline vi vi_or(vi a, vi b)
{
    return _mm256_or_si256(a, b);
}

static inline vi vi_andnot(vi a, vi b)
{
    return _mm256_andnot_si256(a, b);
}

static inline vi vi_min_u32(vi a, vi b)
{
    return _mm256_min_epu32(a, b);
}

static inline vi vi_max_u32(vi a, vi b)
{
    return _mm256_max_epu32(a, b);
}

static inline void vi_store_aligned(int32_t *p, vi a)
{
    _mm256_store_si256((__m256i *)(void *)p, a);
}

/** t[i] of each lane. */
static inline vf vf_gather(const float *t, vi i)
{
    return _mm256_i32gather_ps(t, i, 4);
}

#endif
