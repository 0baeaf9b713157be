/* test_texture_lines_kernels.c -- lib/texture/lines.c's candidate mask (a row's pixels whose
 * Hessian may make a dark-ridge response above the threshold and the level's best, and their
 * Hessian terms): the AVX2 kernel against the scalar reference, bit-exact (the same operations
 * in the same order, no FMA), and both against a pixel-by-pixel evaluation written out here, over
 * lengths through each vector tail and word, unaligned starts, with and without best, on random,
 * ridge-like and edge data, with canaries after the bits each kernel may write. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "texture/texture_int.h"

static const int LENGTHS[] = {0,  1,  2,  3,  7,   8,   9,   15,  16,  17,  31,  56,  63,
                              64, 65, 71, 72, 127, 128, 129, 200, 255, 256, 514, 1001};
#define NLEN ((int)(sizeof LENGTHS / sizeof LENGTHS[0]))
#define GUARD 16
#define CANARY 0xa5

enum { D_RANDOM, D_U, D_RIDGES, D_ZERO, D_EQUAL, D_ALTERNATE, D_DENORMAL, D_HUGE, D_KINDS };
static const char *const DATA_NAMES[] = {"random", "u-like",      "ridges",    "zeros",
                                         "equal",  "alternating", "denormals", "large"};

/* Sample (x, y) of a 3-row plane of kind */
static float gen(int kind, int x, int y, uint64_t *rs)
{
    switch (kind) {
    case D_RANDOM: return (float)(200 * tu_uniform(rs) - 100);
    case D_U: return (float)(76 * log(16 + 40 + 30 * tu_uniform(rs)));
    case D_RIDGES: /* dark lines at an angle, a few u units deep, with noise */
        return (float)(320 - 3 * exp(-0.5 * pow(fmod(0.8 * x + 0.6 * y, 9.0) - 4.5, 2) / 2.0) +
                       0.05 * tu_uniform(rs));
    case D_ZERO: return ((x + y) & 1) ? -0.0f : 0.0f;
    case D_EQUAL: return 311.25f;
    case D_ALTERNATE: return ((x + y) & 1) ? 1e3f : -1e3f;
    case D_DENORMAL: return (float)(tu_uniform(rs) * 4) * FLT_MIN * 0.25f;
    default: return (float)((tu_uniform(rs) - 0.5) * 1e30);
    }
}

#define TERMS 5             /* m1, m2/m1, xx − yy, xy, m1 − m2 */
static size_t cut_by_bound; /* pixels only the bound of R takes out */

/* The mask's definition, pixel by pixel: m1 >= |m2|, m1 >= thr, m1 > best, and the bound of
 * R = m1·e^−z (z = 2(m2/m1)²) by m1 / (1 + z + z²/2 + z³/6) reaches them (with lines.c's
 * margin); the terms kept */
static int may_win(const float *b, int w, float s2, float thr, float best, float term[TERMS], float *m1_out)
{
    float xx = s2 * (b[-1] + b[1] - 2 * b[0]), yy = s2 * (b[-w] + b[w] - 2 * b[0]);
    float xy = s2 * 0.25f * (b[w + 1] - b[w - 1] - b[-w + 1] + b[-w - 1]);
    float d = sqrtf((xx - yy) * (xx - yy) + 4 * xy * xy);
    float m1 = 0.5f * (xx + yy + d), m2 = 0.5f * (xx + yy - d);
    float rb = (xx + yy - m1) / m1, z = rb * rb * 2.0f;
    float lim = best > thr ? best : thr;
    term[0] = m1, term[1] = rb, term[2] = xx - yy, term[3] = xy, term[4] = d;
    *m1_out = m1;
    const int above = m1 >= fabsf(m2) && m1 >= thr && m1 > best;
    const int bound = !(m1 * 1.0001f < lim * (1 + z * (1 + z * (0.5f + z * (1.0f / 6)))));
    cut_by_bound += above && !bound;
    return above && bound;
}

typedef void (*mask_fn)(const float *b, int w, int n, float s2, float thr, const float *best, uint8_t *bits,
                        float *term, size_t hs);

/* Run k on the middle row; check the bits up to n against want, the terms where a bit is set
 * and the bytes after the bits */
static void check(mask_fn k, const char *name, const float *row, int w, int n, float s2, float thr,
                  const float *best, const uint8_t *want, const float *want_t, const char *what)
{
    const int nb = (n + 63) / 64 * 8; /* the bytes the kernel owns */
    const size_t hs = (size_t)n + 3;
    uint8_t *bits = malloc((size_t)nb + GUARD);
    float *term = malloc(sizeof(float) * TERMS * hs);
    memset(bits, CANARY, (size_t)nb + GUARD);
    k(row, w, n, s2, thr, best, bits, term, hs);
    for (int x = 0; x < nb * 8; x++) {
        const int got = bits[x >> 3] >> (x & 7) & 1, exp = x < n ? want[x] : 0;
        if (got != exp)
            fail_msg("%s: %s, n %d, s2 %g, thr %g, %s best: bit %d is %d, want %d", name, what, n, s2, thr,
                     best ? "with" : "no", x, got, exp);
        if (got)
            for (int j = 0; j < TERMS; j++)
                if (memcmp(&term[(size_t)j * hs + (size_t)x], &want_t[x * TERMS + j], 4) != 0)
                    fail_msg("%s: %s, n %d: pixel %d's term %d is %.9g, want %.9g", name, what, n, x, j,
                             term[(size_t)j * hs + (size_t)x], want_t[x * TERMS + j]);
    }
    for (int i = nb; i < nb + GUARD; i++)
        if (bits[i] != CANARY)
            fail_msg("%s: %s, n %d: wrote past its bytes at %d", name, what, n, i);
    free(bits);
    free(term);
}

static void test_line_mask(void **state)
{
    (void)state;
    uint64_t rs = tu_seed();
    struct skinq_kernels best_k; /* the kernel table's best level on this CPU */
    skinq_kernels_init(&best_k, skinq_cpu_isa());
    const int avx2 = strcmp(best_k.name_tex_line_mask, "scalar") != 0;
    if (!avx2)
        print_message("no AVX2 on this CPU or build: the reference only\n");
    const float S2[] = {2.0f, 8.0f, 0.5f}, THR[] = {0.77f, 1e-3f, 5.0f};
    size_t cases = 0, set = 0;
    for (int kind = 0; kind < D_KINDS; kind++)
        for (int li = 0; li < NLEN; li++)
            for (int off = 0; off < 3; off++)
                for (int pi = 0; pi < 3; pi++) {
                    const int n = LENGTHS[li], w = n + 2 + off; /* a column either side (+ off) */
                    float *p = malloc(sizeof(float) * (size_t)(3 * w)),
                          *best = malloc(sizeof(float) * (size_t)(n + 1));
                    uint8_t *want = malloc((size_t)n + 1), *want_b = malloc((size_t)n + 1);
                    float *want_t = malloc(sizeof(float) * TERMS * (size_t)(n + 1)),
                          *want_tb = malloc(sizeof(float) * TERMS * (size_t)(n + 1));
                    for (int y = 0; y < 3; y++)
                        for (int x = 0; x < w; x++)
                            p[y * w + x] = gen(kind, x, y, &rs);
                    const float *row = p + w + 1 + off, s2 = S2[pi];
                    /* thresholds at one pixel's m1 exactly too (the comparison's edge) */
                    float m1, tmp[TERMS], thr = THR[pi];
                    if (n > 0 && (li & 1)) {
                        may_win(row + n / 2, w, s2, thr, 0, tmp, &m1);
                        if (m1 > 0)
                            thr = m1;
                    }
                    for (int x = 0; x < n; x++) {
                        want[x] = (uint8_t)may_win(row + x, w, s2, thr, 0, want_t + x * TERMS, &m1);
                        /* best: 0, m1 itself, just below it, or random */
                        const int c = (int)(4 * tu_uniform(&rs));
                        best[x] = c == 0   ? 0.0f
                                  : c == 1 ? m1
                                  : c == 2 ? nextafterf(m1, -INFINITY)
                                           : (float)(10 * tu_uniform(&rs));
                        want_b[x] = (uint8_t)may_win(row + x, w, s2, thr, best[x], want_tb + x * TERMS, &m1);
                        set += want[x];
                    }
                    char what[64];
                    snprintf(what, sizeof what, "%s data, offset %d", DATA_NAMES[kind], off);
                    check(tex_line_mask_ref, "ref", row, w, n, s2, thr, NULL, want, want_t, what);
                    check(tex_line_mask_ref, "ref", row, w, n, s2, thr, best, want_b, want_tb, what);
                    if (avx2) {
                        check(best_k.tex_line_mask, "avx2", row, w, n, s2, thr, NULL, want, want_t, what);
                        check(best_k.tex_line_mask, "avx2", row, w, n, s2, thr, best, want_b, want_tb, what);
                    }
                    free(p);
                    free(best);
                    free(want);
                    free(want_b);
                    free(want_t);
                    free(want_tb);
                    cases += 2;
                }
    assert_true(set > 1000 && cut_by_bound > 100); /* the data reach every outcome */
    print_message("line mask: %zu cases bit-identical (%s)\n", cases, avx2 ? "avx2 and scalar" : "scalar");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
