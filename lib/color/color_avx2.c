/* color_avx2.c -- AVX2 colour kernels: srgb8_to_lab (8 pixels a step, gathers, FMA) and the
 * fused analysis rows (8 pixels a step, body in color_tpl.h, no FMA: bit-exact with scalar). */
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

/* ---- the fused analysis rows (color_tpl.h) ---- */

typedef __m256 vf;
typedef __m256i vi;
#define VW 8
#define V_STORE _mm256_storeu_ps
#define V_SET1 _mm256_set1_ps
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_DIV _mm256_div_ps
#define V_MAX _mm256_max_ps
#define V_MIN _mm256_min_ps
#define V_AND _mm256_and_ps
#define V_ANDNOT _mm256_andnot_ps
#define V_XOR _mm256_xor_ps
#define V_LT(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define V_GT(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define V_BLEND(a, b, m) _mm256_blendv_ps((a), (b), (m))
#define V_MOVEMASK _mm256_movemask_ps
#define V_AS_I _mm256_castps_si256
#define VI_AS_F _mm256_castsi256_ps
#define VI_TO_F _mm256_cvtepi32_ps
#define VI_CVT_NEAREST _mm256_cvtps_epi32
#define VI_CVTT _mm256_cvttps_epi32
#define VI_SET1 _mm256_set1_epi32
#define VI_ADD _mm256_add_epi32
#define VI_SUB _mm256_sub_epi32
#define VI_EQ _mm256_cmpeq_epi32
#define VI_OR _mm256_or_si256
#define VI_ANDNOT _mm256_andnot_si256
#define VI_MIN_U32 _mm256_min_epu32
#define VI_MAX_U32 _mm256_max_epu32
#define VI_STORE(p, v) _mm256_store_si256((__m256i *)(void *)(p), (v))
#define V_GATHER(t, i) _mm256_i32gather_ps((t), (i), 4)
#define COLOR_ROW8_NAME skinq_color_row8_avx2
#define COLOR_ROW16_NAME skinq_color_row16_avx2

/* 8 pixels = bytes 0..23: two 16-byte loads (0..15, 8..23), then per 128-bit lane a byte
 * shuffle to zero-extended dwords (lane 1 holds pixels 4..7 at byte 4 + 3k). Reads 24 bytes. */
static inline void color_load8(const uint8_t *p, vi *r, vi *g, vi *b)
{
    __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(p + 8));
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    const __m256i sr = _mm256_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1, 4, -1, -1, -1, 7,
                                        -1, -1, -1, 10, -1, -1, -1, 13, -1, -1, -1);
    const __m256i one = _mm256_set1_epi32(1);
    *r = _mm256_shuffle_epi8(v, sr);
    *g = _mm256_shuffle_epi8(v, _mm256_add_epi32(sr, one));
    *b = _mm256_shuffle_epi8(v, _mm256_add_epi32(sr, _mm256_add_epi32(one, one)));
}

/* 16-bit: deinterleave through the stack (48 bytes read exactly). */
static inline void color_load16(const uint16_t *p, vi *r, vi *g, vi *b)
{
    _Alignas(32) int32_t t[3][8];
    for (int k = 0; k < 8; k++) {
        t[0][k] = p[3 * k];
        t[1][k] = p[3 * k + 1];
        t[2][k] = p[3 * k + 2];
    }
    *r = _mm256_load_si256((const __m256i *)(const void *)t[0]);
    *g = _mm256_load_si256((const __m256i *)(const void *)t[1]);
    *b = _mm256_load_si256((const __m256i *)(const void *)t[2]);
}

static inline vi color_load_mask(const uint8_t *m)
{
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)m));
}

void skinq_color_row8_avx2(const skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask, size_t n,
                           skinq_color_acc *acc, float *const *out);
void skinq_color_row16_avx2(const skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask, size_t n,
                            skinq_color_acc *acc, float *const *out);

#include "color_tpl.h"

/* Colour histogram: 8 indices r<<16 | g<<8 | b a step from one byte shuffle of the 24 bytes
 * (lane 1 holds pixels 4..7 at byte 4 + 3k, as in color_load8), masked-out lanes → the dump. */
static void skinq_color_hist8_avx2(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist, uint8_t *rows)
{
    const __m256i sh = _mm256_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1, 6, 5, 4, -1, 9, 8, 7, -1,
                                        12, 11, 10, -1, 15, 14, 13, -1);
    const __m256i dump = _mm256_set1_epi32((int)SKINQ_HIST8_DUMP), zero = _mm256_setzero_si256();
    skinq_hist_run r = {SKINQ_HIST8_DUMP, 0};
    _Alignas(32) uint32_t idx[8];
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(rgb + 3 * i));
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(rgb + 3 * i + 8));
        __m256i v = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), sh);
        if (mask) {
            __m256i m = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(mask + i)));
            v = _mm256_blendv_epi8(v, dump, _mm256_cmpeq_epi32(m, zero));
        }
        _mm256_store_si256((__m256i *)(void *)idx, v);
        for (int k = 0; k < 8; k++)
            skinq_hist_push(&r, idx[k], hist, rows);
    }
    skinq_hist8_pixels(&r, rgb, mask, i, n, hist, rows);
    skinq_hist_flush(&r, hist, rows);
}

void skinq_color_init_avx2(struct skinq_kernels *k)
{
    k->srgb8_to_lab = skinq_srgb8_to_lab_avx2;
    k->name_srgb8_to_lab = "avx2";
    k->color_row8 = skinq_color_row8_avx2;
    k->name_color_row8 = "avx2";
    k->color_row16 = skinq_color_row16_avx2;
    k->name_color_row16 = "avx2";
    k->color_hist8 = skinq_color_hist8_avx2;
    k->name_color_hist8 = "avx2";
}
