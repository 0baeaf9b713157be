/* simd_sse41.h -- the SSE4.1 words of skinq's one SIMD vocabulary: vf (4 floats), vi
 * (4 int32), VW lanes, and inline helpers named alike in simd_avx2.h, so a *_tpl.h body
 * compiles for either. Include it from *_sse41.c files only (they get the ISA's flags).
 * Compares are ordered (false on NaN) except vf_neq; vf_blend(a, b, m) takes b where m is set;
 * vf_max/vf_min return the second operand when either is NaN (the instructions' rule, which the
 * scalar references spell out). */
#ifndef SKINQ_SIMD_SSE41_H
#define SKINQ_SIMD_SSE41_H

#include <smmintrin.h>
#include <stdint.h>

typedef __m128 vf;
typedef __m128i vi;
#define VW 4

static inline vf vf_load(const float *p)
{
    return _mm_loadu_ps(p);
}

static inline void vf_store(float *p, vf a)
{
    _mm_storeu_ps(p, a);
}

static inline vf vf_set1(float x)
{
    return _mm_set1_ps(x);
}

static inline vf vf_zero(void)
{
    return _mm_setzero_ps();
}

static inline vf vf_add(vf a, vf b)
{
    return _mm_add_ps(a, b);
}

static inline vf vf_sub(vf a, vf b)
{
    return _mm_sub_ps(a, b);
}

static inline vf vf_mul(vf a, vf b)
{
    return _mm_mul_ps(a, b);
}

static inline vf vf_div(vf a, vf b)
{
    return _mm_div_ps(a, b);
}

static inline vf vf_sqrt(vf a)
{
    return _mm_sqrt_ps(a);
}

static inline vf vf_max(vf a, vf b)
{
    return _mm_max_ps(a, b);
}

static inline vf vf_min(vf a, vf b)
{
    return _mm_min_ps(a, b);
}

static inline vf vf_and(vf a, vf b)
{
    return _mm_and_ps(a, b);
}

static inline vf vf_andnot(vf a, vf b)
{
    return _mm_andnot_ps(a, b);
}

static inline vf vf_or(vf a, vf b)
{
    return _mm_or_ps(a, b);
}

static inline vf vf_xor(vf a, vf b)
{
    return _mm_xor_ps(a, b);
}

static inline vf vf_lt(vf a, vf b)
{
    return _mm_cmplt_ps(a, b);
}

static inline vf vf_le(vf a, vf b)
{
    return _mm_cmple_ps(a, b);
}

static inline vf vf_gt(vf a, vf b)
{
    return _mm_cmpgt_ps(a, b);
}

static inline vf vf_ge(vf a, vf b)
{
    return _mm_cmpge_ps(a, b);
}

static inline vf vf_eq(vf a, vf b)
{
    return _mm_cmpeq_ps(a, b);
}

static inline vf vf_neq(vf a, vf b)
{
    return _mm_cmpneq_ps(a, b);
}

static inline vf vf_blend(vf a, vf b, vf m)
{
    return _mm_blendv_ps(a, b, m);
}

static inline int vf_movemask(vf a)
{
    return _mm_movemask_ps(a);
}

static inline vf vf_abs(vf a)
{
    return _mm_andnot_ps(_mm_set1_ps(-0.0f), a);
}

static inline vi vf_as_vi(vf a)
{
    return _mm_castps_si128(a);
}

static inline vf vi_as_vf(vi a)
{
    return _mm_castsi128_ps(a);
}

static inline vf vf_from_vi(vi a)
{
    return _mm_cvtepi32_ps(a);
}

static inline vi vi_from_vf_nearest(vf a)
{
    return _mm_cvtps_epi32(a);
}

static inline vi vi_from_vf_trunc(vf a)
{
    return _mm_cvttps_epi32(a);
}

static inline vi vi_set1(int32_t x)
{
    return _mm_set1_epi32(x);
}

static inline vi vi_add(vi a, vi b)
{
    return _mm_add_epi32(a, b);
}

static inline vi vi_sub(vi a, vi b)
{
    return _mm_sub_epi32(a, b);
}

static inline vi vi_eq(vi a, vi b)
{
    return _mm_cmpeq_epi32(a, b);
}

static inline vi vi_or(vi a, vi b)
{
    return _mm_or_si128(a, b);
}

static inline vi vi_andnot(vi a, vi b)
{
    return _mm_andnot_si128(a, b);
}

static inline vi vi_min_u32(vi a, vi b)
{
    return _mm_min_epu32(a, b);
}

static inline vi vi_max_u32(vi a, vi b)
{
    return _mm_max_epu32(a, b);
}

static inline void vi_store_aligned(int32_t *p, vi a)
{
    _mm_store_si128((__m128i *)(void *)p, a);
}

/** t[i] of each lane (lane by lane: no gathers before AVX2). */
static inline vf vf_gather(const float *t, vi i)
{
    return _mm_setr_ps(t[_mm_extract_epi32(i, 0)], t[_mm_extract_epi32(i, 1)], t[_mm_extract_epi32(i, 2)],
                       t[_mm_extract_epi32(i, 3)]);
}

#endif
