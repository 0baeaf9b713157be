/* match.c -- 2-NN Hamming matching of binary descriptors with Lowe's ratio test, in place of
 * cv::BFMatcher::knnMatch, which calls a distance function per pair and took ~120 ms for the
 * 2850 × 2800 descriptors of a 12-MP pair; here the inner loop is 64 bytes of bit counting (~45 ms). */
#include <string.h>

#include "align/align.h"

#define WORDS 8        /* descriptors are zero-padded to 64 bytes (hamming() is written for 8) */
#define QUERY_BLOCK 64 /* queries per task */

/* Bits set in a ^ b: bit counting in parallel within words (SWAR), two words at a time in a GCC /
 * Clang vector type (SSE2 on x86-64, NEON on ARM; twice the speed of one word at a time). ISA-
 * neutral baseline code: the same build whatever SKINQ_ISA says (integer, so exact). */
typedef uint64_t u64x2 __attribute__((vector_size(16)));

static inline unsigned hamming(const uint64_t *a, const uint64_t *b)
{
    const u64x2 m1 = {0x5555555555555555ULL, 0x5555555555555555ULL};
    const u64x2 m2 = {0x3333333333333333ULL, 0x3333333333333333ULL};
    const u64x2 m4 = {0x0f0f0f0f0f0f0f0fULL, 0x0f0f0f0f0f0f0f0fULL};
    const u64x2 m8 = {0x00ff00ff00ff00ffULL, 0x00ff00ff00ff00ffULL};
    u64x2 nib[WORDS / 2];
    for (int w = 0; w < WORDS / 2; w++) {
        u64x2 x, y;
        memcpy(&x, a + 2 * w, sizeof x);
        memcpy(&y, b + 2 * w, sizeof y);
        x ^= y;
        x -= (x >> 1) & m1;
        nib[w] = (x & m2) + ((x >> 2) & m2); /* counts per nibble, <= 4 */
    }
    u64x2 p = nib[0] + nib[1], q = nib[2] + nib[3];                    /* nibbles <= 8 */
    u64x2 c = (p & m4) + ((p >> 4) & m4) + (q & m4) + ((q >> 4) & m4); /* bytes <= 32 */
    c = (c & m8) + ((c >> 8) & m8);                                    /* 16-bit lanes <= 64 */
    c += c >> 16;
    c += c >> 32;
    return (unsigned)((c[0] & 0xffff) + (c[1] & 0xffff));
}

typedef struct match_job {
    const uint64_t *a, *b;
    int na, nb;
    double ratio;
    int *best; /* per query: the train index that passes the ratio test, or -1 */
} match_job;

static void match_task(void *user, int task, int thread)
{
    (void)thread;
    const match_job *j = user;
    int q1 = (task + 1) * QUERY_BLOCK < j->na ? (task + 1) * QUERY_BLOCK : j->na;
    for (int q = task * QUERY_BLOCK; q < q1; q++) {
        const uint64_t *d = j->a + (size_t)q * WORDS;
        unsigned d1 = ~0u, d2 = ~0u;
        int i1 = -1;
        for (int t = 0; t < j->nb; t++) {
            unsigned h = hamming(d, j->b + (size_t)t * WORDS);
            if (h < d1)
                d2 = d1, d1 = h, i1 = t;
            else if (h < d2)
                d2 = h;
        }
        /* a tie for the best fails the test, as with knnMatch's two nearest */
        j->best[q] = d2 != ~0u && d1 < j->ratio * d2 ? i1 : -1;
    }
}

static uint64_t *pack(skinq_ctx *ctx, const uint8_t *d, int n, int bytes, size_t stride)
{
    uint64_t *p = skinq_calloc(ctx, (size_t)n * WORDS, sizeof *p);
    for (int i = 0; p && i < n; i++)
        memcpy(p + (size_t)i * WORDS, d + (size_t)i * stride, (size_t)bytes);
    return p;
}

skinq_status align_match(skinq_ctx *ctx, const uint8_t *da, int na, const uint8_t *db, int nb, int bytes,
                         size_t stride, double ratio, int *best)
{
    if (bytes < 1 || bytes > 8 * WORDS)
        return skinq_fail(ctx, SKINQ_E_INVALID, "descriptors of %d bytes (the matcher takes 1..%d)", bytes,
                          8 * WORDS);
    if (na < 1 || nb < 2) { /* no second nearest: nothing passes */
        for (int i = 0; i < na; i++)
            best[i] = -1;
        return SKINQ_OK;
    }
    uint64_t *pa = pack(ctx, da, na, bytes, stride), *pb = pack(ctx, db, nb, bytes, stride);
    match_job j = {pa, pb, na, nb, ratio, best};
    skinq_status st = pa && pb ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK)
        skinq_parallel_for(ctx, (na + QUERY_BLOCK - 1) / QUERY_BLOCK, match_task, &j);
    skinq_free(ctx, pa);
    skinq_free(ctx, pb);
    return st;
}
