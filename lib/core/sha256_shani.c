/* sha256_shani.c -- SHA-256 blocks with the x86 SHA extensions (SHA-NI): about 5x the portable
 * code, which matters because every analysis hashes its whole file before measuring. The
 * round structure is Intel's (Gulley et al., "Intel SHA Extensions", 2013): four rounds per
 * sha256rnds2 pair, the message schedule in a ring of four vectors (msg1 one group ahead,
 * msg2 when the group is due). Compiled for the instructions by attribute; called only after
 * skinq_cpu_has_sha() (core's table, dsp.c). */
#include "core/dsp.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("sha,sse4.1,ssse3"))) void
skinq_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks, const uint32_t K[64])
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    /* the state as the instructions want it: ABEF and CDGH */
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[0]), 0xB1);  /* CDAB */
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[4]), 0x1B); /* EFGH */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);                                                      /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);                                                           /* CDGH */
    for (; nblocks; nblocks--, p += 64) {
        const __m128i save0 = s0, save1 = s1;
        __m128i m[4];
        for (int i = 0; i < 16; i++) { /* rounds 4i .. 4i+3 */
            if (i < 4)
                m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), bswap);
            __m128i w = _mm_add_epi32(m[i & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, w);
            if (i >= 3 && i < 15) { /* the next group's words: W[t-16] + σ0 (msg1, earlier) + W[t-7] + σ1 */
                __m128i *nx = &m[(i + 1) & 3];
                *nx = _mm_add_epi32(*nx, _mm_alignr_epi8(m[i & 3], m[(i - 1) & 3], 4));
                *nx = _mm_sha256msg2_epu32(*nx, m[i & 3]);
            }
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(w, 0x0E));
            if (i >= 1 && i < 13)
                m[(i - 1) & 3] = _mm_sha256msg1_epu32(m[(i - 1) & 3], m[i & 3]);
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);  /* DCHG */
    s0 = _mm_blend_epi16(t, s1, 0xF0); /* DCBA */
    s1 = _mm_alignr_epi8(s1, t, 8);    /* HGFE */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}
#else
void skinq_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks, const uint32_t K[64])
{
    skinq_sha256_blocks_scalar(h, p, nblocks, K); /* never in a table: skinq_cpu_has_sha() is 0 */
}
#endif
