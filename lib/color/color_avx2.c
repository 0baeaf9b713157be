/* color_avx2.c -- AVX2 colour kernels: the fused analysis rows (8 pixels a step, body in
 * color_tpl.h, no FMA: bit-exact with scalar), the colour histogram, and the fixed-point rows
 * (color_fixed_tpl.h's plain C, vectorised by this file's flags). */
#include "color/color_kernels.h"
#include "core/simd_avx2.h"

/* ---- the fused analysis rows (color_tpl.h) ---- */

#define COLOR_ROW8_NAME skinq_color_row8_avx2
#define COLOR_ROW16_NAME skinq_color_row16_avx2

/* 8 pixels = bytes 0..23: two 16-byte loads (0..15, 8..23), then per 128-bit lane a byte
 * shuffle to zero-extended dwords (lane 1 holds pixels 4..7 at byte 4 + 3k). Reads 24 bytes. */
static inline void color_load8(const uint8_t *p, vi *r, vi *g, vi *b)
{
    __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(p + 8));
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    const __m256i sr = _mm256_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1, 4, -1, -1,
                                        -1, 7, -1, -1, -1, 10, -1, -1, -1, 13, -1, -1, -1);
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
 * (lane 1 holds pixels 4..7 at byte 4 + 3k, as in color_load8), masked-out lanes → the dump.
 * Eight equal indices (smooth skin, or outside the mask) are one add of 8; otherwise eight plain
 * increments: a noisy camera photo's neighbours rarely share a colour, and the scalar run
 * detection's branch then mispredicted on nearly every pixel (12 MP, 456k colours: 28 → 20 ms). */
static void skinq_color_hist8_avx2(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist,
                                   uint8_t *rows)
{
    const __m256i sh = _mm256_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1, 6, 5, 4, -1, 9,
                                        8, 7, -1, 12, 11, 10, -1, 15, 14, 13, -1);
    const __m256i dump = _mm256_set1_epi32((int)SKINQ_HIST8_DUMP), zero = _mm256_setzero_si256();
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
        const __m256i first = _mm256_permutevar8x32_epi32(v, zero);
        if (_mm256_movemask_epi8(_mm256_cmpeq_epi32(v, first)) == -1) {
            hist[idx[0]] += 8;
            rows[idx[0] >> 8] = 1;
            continue;
        }
        for (int k = 0; k < 8; k++) {
            hist[idx[k]]++;
            rows[idx[k] >> 8] = 1;
        }
    }
    skinq_hist_run r = {SKINQ_HIST8_DUMP, 0};
    skinq_hist8_pixels(&r, rgb, mask, i, n, hist, rows);
    skinq_hist_flush(&r, hist, rows);
}

#define FIXED_ISA avx2
#include "color_fixed_tpl.h"

void skinq_color_dsp_init_avx2(struct skinq_color_dsp *d)
{
    SKINQ_DSP_SET(d, color_row8, skinq_color_row8, avx2);
    SKINQ_DSP_SET(d, color_row16, skinq_color_row16, avx2);
    SKINQ_DSP_SET(d, color_hist8, skinq_color_hist8, avx2);
    SKINQ_DSP_SET(d, color_to_fixed, skinq_color_to_fixed, avx2);
    SKINQ_DSP_SET(d, color_fixed8_L, skinq_color_fixed8_L, avx2);
}
