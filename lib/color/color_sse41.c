/* color_sse41.c -- SSE4.1 fused colour-analysis rows: 4 pixels a step, body in color_tpl.h,
 * table look-ups lane by lane (no gathers before AVX2); bit-exact with color_scalar.c. */
#include "color/color_kernels.h"
#include "core/simd_sse41.h"

#define COLOR_ROW8_NAME skinq_color_row8_sse41
#define COLOR_ROW16_NAME skinq_color_row16_sse41

/* 4 pixels = bytes 0..11 (8-byte load + 4-byte insert), byte shuffles to zero-extended dwords. */
static inline void color_load8(const uint8_t *p, vi *r, vi *g, vi *b)
{
    int32_t w;
    memcpy(&w, p + 8, 4);
    __m128i v = _mm_insert_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p), w, 2);
    const __m128i sr = _mm_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
    const __m128i one = _mm_set1_epi32(1);
    *r = _mm_shuffle_epi8(v, sr);
    *g = _mm_shuffle_epi8(v, _mm_add_epi32(sr, one));
    *b = _mm_shuffle_epi8(v, _mm_add_epi32(sr, _mm_add_epi32(one, one)));
}

static inline void color_load16(const uint16_t *p, vi *r, vi *g, vi *b)
{
    *r = _mm_setr_epi32(p[0], p[3], p[6], p[9]);
    *g = _mm_setr_epi32(p[1], p[4], p[7], p[10]);
    *b = _mm_setr_epi32(p[2], p[5], p[8], p[11]);
}

static inline vi color_load_mask(const uint8_t *m)
{
    int32_t w;
    memcpy(&w, m, 4);
    return _mm_cvtepu8_epi32(_mm_cvtsi32_si128(w));
}

void skinq_color_row8_sse41(const skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask, size_t n,
                            skinq_color_acc *acc, float *const *out);
void skinq_color_row16_sse41(const skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask, size_t n,
                             skinq_color_acc *acc, float *const *out);

#include "color_tpl.h"

/* Colour histogram: 4 indices r<<16 | g<<8 | b a step from one byte shuffle of 12 bytes. */
static void skinq_color_hist8_sse41(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist,
                                    uint8_t *rows)
{
    const __m128i sh = _mm_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1);
    const __m128i dump = _mm_set1_epi32((int)SKINQ_HIST8_DUMP), zero = _mm_setzero_si128();
    skinq_hist_run r = {SKINQ_HIST8_DUMP, 0};
    _Alignas(16) uint32_t idx[4];
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        int32_t w;
        memcpy(&w, rgb + 3 * i + 8, 4);
        __m128i v = _mm_insert_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(rgb + 3 * i)), w, 2);
        v = _mm_shuffle_epi8(v, sh);
        if (mask) {
            int32_t mw;
            memcpy(&mw, mask + i, 4);
            __m128i m = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(mw));
            v = _mm_blendv_epi8(v, dump, _mm_cmpeq_epi32(m, zero));
        }
        _mm_store_si128((__m128i *)(void *)idx, v);
        for (int k = 0; k < 4; k++)
            skinq_hist_push(&r, idx[k], hist, rows);
    }
    skinq_hist8_pixels(&r, rgb, mask, i, n, hist, rows);
    skinq_hist_flush(&r, hist, rows);
}

void skinq_color_dsp_init_sse41(struct skinq_color_dsp *d)
{
    SKINQ_DSP_SET(d, color_row8, skinq_color_row8, sse41);
    SKINQ_DSP_SET(d, color_row16, skinq_color_row16, sse41);
    SKINQ_DSP_SET(d, color_hist8, skinq_color_hist8, sse41);
}
