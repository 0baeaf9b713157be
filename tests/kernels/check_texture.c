/* check_texture.c -- the texture kernels (lib/texture/texture_kernels.h) in the checkasm harness,
 * every one bit-exact against its scalar entry: the blur's rows (every radius, lengths through each
 * vector tail, unaligned starts, random and edge data, canaries after every output) and the blur
 * against a direct double convolution; two vertical passes at once; the pores' pre-filter (and
 * the scalar one against its definition) and response rows; the lines' candidate mask (both
 * against a pixel-by-pixel evaluation written out here); the GLCM's level and pair-cell rows on
 * edge values; and the spots passes: box blur against the one-row passes it replaced, block sums,
 * residual rows by groups against the per-pixel gather. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkasm.h"
#include "texture/texture_int.h"

static const int TEX_LENGTHS[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  15,  16,  17,
                                  23, 24, 31, 32, 33, 39, 40, 63, 64, 65, 257, 1001};
#define NLEN ((int)(sizeof TEX_LENGTHS / sizeof TEX_LENGTHS[0]))
#define GUARD 16
#define MAXR 64
static const uint32_t CANARY = 0x7fc88888u; /* a NaN pattern no kernel produces */

enum { D_RANDOM, D_U, D_ZERO, D_EQUAL, D_ALTERNATE, D_DENORMAL, D_HUGE, D_KINDS };
static const char *const DATA_NAMES[] = {"random",      "u-like",    "zeros", "equal",
                                         "alternating", "denormals", "large"};

static float gen(int kind, size_t i, uint64_t *rs)
{
    switch (kind) {
    case D_RANDOM: return (float)(200 * tu_uniform(rs) - 100);
    case D_U: /* u = 76 ln(L* + 16) of skin-like L* */
        return (float)(76 * log(16 + 40 + 30 * tu_uniform(rs)));
    case D_ZERO: return (i & 1) ? -0.0f : 0.0f;
    case D_EQUAL: return 311.25f;
    case D_ALTERNATE: return (i & 1) ? 1e3f : -1e3f;
    case D_DENORMAL: return (float)(tu_uniform(rs) * 4) * FLT_MIN * 0.25f;
    default: return (float)((tu_uniform(rs) - 0.5) * 1e30);
    }
}

static void fill_canary(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memcpy(&p[i], &CANARY, 4);
}

static int is_canary(const float *p)
{
    uint32_t u;
    memcpy(&u, p, 4);
    return u == CANARY;
}

/* One bench line per blur-row kernel: a 512-px row at radius 4 (vertical rows, or the horizontal
 * pass), or the pores' response row. */
static void bench_rows(const checkasm_case *c, int which)
{
    const struct skinq_texture_dsp *T = c->tab;
    enum { N = 512, RB = 4 };
    static float src[(2 * RB + 1) * (N + 2 * RB)], o[N], o2[N];
    const int rw = N + 2 * RB;
    const float *lo[RB + 1], *hi[RB + 1], *ctr = src + RB * rw + RB;
    float k[RB + 1] = {0.4f, 0.2f, 0.08f, 0.02f, 0.01f};
    for (int i = 1; i <= RB; i++) {
        lo[i] = which == 1 ? ctr - i : ctr - i * rw;
        hi[i] = which == 1 ? ctr + i : ctr + i * rw;
    }
    if (which == 0)
        CHECKASM_BENCH(c, N, T->tex_acc_rows(o, ctr, lo, hi, k, RB, N));
    else if (which == 1)
        CHECKASM_BENCH(c, N, T->tex_acc_hrow(o, ctr, lo, hi, k, RB, N));
    else if (which == 2)
        CHECKASM_BENCH(c, N, T->tex_acc_rows2(o, o2, ctr, lo, hi, k, RB, k, 3, N));
    else
        CHECKASM_BENCH(c, N, T->tex_laplace_row(o, ctr, (size_t)rw, 2.0f, N));
}

static void acc_rows_matches_ref(const checkasm_case *c)
{
    /* the scalar table's kernel (the reference) against the tested table's */
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    assert_ptr_equal(R->tex_acc_rows, tex_acc_rows_scalar);
    uint64_t rs = checkasm_seed(c);
    size_t cases = 0;
    for (int kind = 0; kind < D_KINDS; kind++)
        for (int r = 1; r <= MAXR; r = r < 16 ? r + 1 : 2 * r) {
            /* taps of a normalised sampled Gaussian (as tex_blur makes them), or random ones */
            float k[MAXR + 1];
            const double sigma = r / 3.5;
            double s = 0;
            for (int i = 0; i <= r; i++) {
                k[i] = kind == D_RANDOM ? (float)tu_uniform(&rs) : (float)exp(-0.5 * i * i / (sigma * sigma));
                s += i ? 2 * k[i] : k[i];
            }
            for (int i = 0; i <= r; i++)
                k[i] = (float)(k[i] / s);
            for (int li = 0; li < NLEN; li++)
                for (int off = 0; off < 4; off++) {
                    const int n = TEX_LENGTHS[li];
                    /* 2r + 1 source rows of exactly n + 2r floats (+ off), as tex_blur's row buffer */
                    const int rows = 2 * r + 1, rw = n + 2 * r + off;
                    float *src = malloc(sizeof(float) * (size_t)(rows * rw + 1));
                    for (int i = 0; i < rows * rw; i++)
                        src[i] = gen(kind, (size_t)i, &rs);
                    const float *lo[MAXR + 1], *hi[MAXR + 1], *ctr = src + r * rw + r + off;
                    /* alternately distinct rows (the vertical pass) and offsets into one row
                     * (the horizontal pass) */
                    for (int i = 1; i <= r; i++) {
                        lo[i] = (li & 1) ? ctr - i : src + (r - i) * rw + r + off;
                        hi[i] = (li & 1) ? ctr + i : src + (r + i) * rw + r + off;
                    }
                    float *a = malloc(sizeof(float) * (size_t)(n + GUARD)),
                          *b = malloc(sizeof(float) * (size_t)(n + GUARD));
                    fill_canary(a, (size_t)(n + GUARD));
                    fill_canary(b, (size_t)(n + GUARD));
                    R->tex_acc_rows(a, ctr, lo, hi, k, r, n);
                    T->tex_acc_rows(b, ctr, lo, hi, k, r, n);
                    for (int x = 0; x < n; x++)
                        if (memcmp(&a[x], &b[x], 4) != 0)
                            fail_msg("%s data, r %d, n %d, offset %d: x %d: ref %.9g, %s %.9g",
                                     DATA_NAMES[kind], r, n, off, x, a[x], c->isa_name, b[x]);
                    for (int x = n; x < n + GUARD; x++)
                        if (!is_canary(&b[x]) || !is_canary(&a[x]))
                            fail_msg("%s data, r %d, n %d: wrote past the end at %d", DATA_NAMES[kind], r, n,
                                     x);
                    free(a);
                    free(b);
                    free(src);
                    cases++;
                }
        }
    print_message("acc_rows: %zu cases bit-identical (%s vs scalar)\n", cases, c->isa_name);
}

/* The same kernel on lengths a tile row takes, through tex_blur: a blur equals a direct double
 * convolution with the same taps to float rounding (a check of the row buffer's clamped edges). */
static void blur_matches_direct(const checkasm_case *c)
{
    uint64_t rs = checkasm_seed(c);
    const int W = 77, H = 41;
    float *src = malloc(sizeof(float) * W * H), *dst = malloc(sizeof(float) * W * H);
    float *row = malloc(sizeof(float) * (W + 128));
    for (int i = 0; i < W * H; i++)
        src[i] = gen(D_U, (size_t)i, &rs);
    const double vars[] = {0.3, 1.0, 2.0, 5.0};
    for (int vi = 0; vi < 4; vi++) {
        const double var = vars[vi];
        tex_blur(c->tab, src, W, dst, W, H, var, row);
        const double sg = tex_sigma_of_var(var); /* the σ, hence the taps, tex_blur used */
        int r = (int)ceil(3.5 * sg);
        r = r < 1 ? 1 : r;
        double k[MAXR + 1], s = 0;
        for (int i = 0; i <= r; i++) {
            k[i] = (float)exp(-0.5 * i * i / (sg * sg));
            s += i ? 2 * k[i] : k[i];
        }
        double maxerr = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double acc = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++) {
                        int yy = y + dy < 0 ? 0 : y + dy >= H ? H - 1 : y + dy;
                        int xx = x + dx < 0 ? 0 : x + dx >= W ? W - 1 : x + dx;
                        acc += k[abs(dy)] / s * k[abs(dx)] / s * src[yy * W + xx];
                    }
                double e = fabs(acc - dst[y * W + x]);
                maxerr = e > maxerr ? e : maxerr;
            }
        print_message("blur var %.1f (%s): max |float - double| %.2e\n", var, c->isa_name, maxerr);
        assert_true(maxerr < 1e-3); /* u ~ 300: a few float ulps */
    }
    free(src);
    free(dst);
    free(row);
}

static void check_acc_rows(const checkasm_case *c)
{
    acc_rows_matches_ref(c);
    blur_matches_direct(c);
    bench_rows(c, 0);
}

static void check_acc_rows2(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *K = c->tab;
    uint64_t rs = checkasm_seed(c);
    size_t cases = 0;
    for (int kind = 0; kind < D_KINDS; kind++)
        for (int ra = 1; ra <= 7; ra++) /* 6 and 7: the fallback to two single passes */
            for (int rb = 1; rb <= 7; rb++)
                for (int li = 0; li < NLEN; li += (kind == D_RANDOM ? 1 : 3)) {
                    const int n = TEX_LENGTHS[li], r = ra > rb ? ra : rb, rows = 2 * r + 1, rw = n + 1;
                    float ka[MAXR + 1], kb[MAXR + 1];
                    for (int i = 0; i <= r; i++) {
                        ka[i] = (float)tu_uniform(&rs);
                        kb[i] = (float)tu_uniform(&rs);
                    }
                    float *src = malloc(sizeof(float) * (size_t)(rows * rw + 1));
                    for (int i = 0; i < rows * rw; i++)
                        src[i] = gen(kind, (size_t)i, &rs);
                    const float *lo[MAXR + 1], *hi[MAXR + 1], *ctr = src + r * rw + (li & 1);
                    for (int i = 1; i <= r; i++) {
                        lo[i] = ctr - i * rw;
                        hi[i] = ctr + i * rw;
                    }
                    float *a[2], *b[2];
                    for (int g = 0; g < 2; g++) {
                        a[g] = malloc(sizeof(float) * (size_t)(n + GUARD));
                        b[g] = malloc(sizeof(float) * (size_t)(n + GUARD));
                        fill_canary(a[g], (size_t)(n + GUARD));
                        fill_canary(b[g], (size_t)(n + GUARD));
                    }
                    R->tex_acc_rows(a[0], ctr, lo, hi, ka, ra, n);
                    R->tex_acc_rows(a[1], ctr, lo, hi, kb, rb, n);
                    K->tex_acc_rows2(b[0], b[1], ctr, lo, hi, ka, ra, kb, rb, n);
                    for (int g = 0; g < 2; g++) {
                        for (int x = 0; x < n; x++)
                            if (memcmp(&a[g][x], &b[g][x], 4) != 0)
                                fail_msg("%s data, radii %d %d, n %d: output %d, x %d: ref %.9g, tested %.9g",
                                         DATA_NAMES[kind], ra, rb, n, g, x, a[g][x], b[g][x]);
                        for (int x = n; x < n + GUARD; x++)
                            if (!is_canary(&b[g][x]))
                                fail_msg("radii %d %d, n %d: wrote past the end at %d", ra, rb, n, x);
                        free(a[g]);
                        free(b[g]);
                    }
                    free(src);
                    cases++;
                }
    print_message("acc_rows2: %zu cases bit-identical to two reference passes\n", cases);
    bench_rows(c, 2);
}

static void check_peak_mask(const checkasm_case *c)
{
    const struct skinq_texture_dsp *Rt = c->ref, *K = c->tab;
    uint64_t rs = checkasm_seed(c);
    size_t cases = 0, bits = 0;
    enum { N = 300 };
    float R[N], lo[N], hi[N];
    for (int kind = 0; kind < 5; kind++)
        for (int n = 0; n <= N; n += n < 140 ? 1 : 37) {
            for (int q = 0; q < n; q++) {
                /* few levels, so ties with the threshold and the neighbours are common */
                R[q] = (float)(int)(4 * tu_uniform(&rs));
                lo[q] = (float)(int)(4 * tu_uniform(&rs));
                hi[q] = (float)(int)(4 * tu_uniform(&rs));
                if (kind == 1 && q % 7 == 0)
                    R[q] = NAN;
                if (kind == 2 && q % 5 == 0)
                    lo[q] = NAN, hi[q + 0] = q % 10 ? hi[q] : NAN;
                if (kind == 3)
                    R[q] = lo[q] = hi[q] = 2; /* every tie */
                if (kind == 4)
                    R[q] = INFINITY, lo[q] = q & 1 ? -INFINITY : INFINITY, hi[q] = -0.0f;
            }
            uint64_t a[(N + 63) / 64 + 1], b[(N + 63) / 64 + 1];
            const int words = (n + 63) / 64;
            memset(a, 0x5a, sizeof a);
            memset(b, 0x5a, sizeof b);
            Rt->tex_peak_mask(a, R, lo, hi, 2.0f, n);
            K->tex_peak_mask(b, R, lo, hi, 2.0f, n);
            for (int wi = 0; wi < words; wi++) {
                if (a[wi] != b[wi])
                    fail_msg("kind %d, n %d, word %d: ref %016llx, tested %016llx", kind, n, wi,
                             (unsigned long long)a[wi], (unsigned long long)b[wi]);
                bits += (size_t)__builtin_popcountll(a[wi]);
            }
            assert_true(b[words] == a[words]); /* nothing past the last word */
            for (int q = 0; q < n; q++) {      /* and the reference is the definition */
                const int want = R[q] >= 2.0f && lo[q] < R[q] && hi[q] <= R[q];
                assert_int_equal((int)(a[q / 64] >> (q % 64) & 1), want);
            }
            if (n % 64)
                assert_true(a[n / 64] >> (n % 64) == 0);
            cases++;
        }
    print_message("peak_mask [%s]: %zu cases, %zu bits set, = scalar\n", c->isa_name, cases, bits);
    uint64_t words[(N + 63) / 64];
    CHECKASM_BENCH(c, N, K->tex_peak_mask(words, R, lo, hi, 2.0f, N));
}

/* The pores' response rows and the blur's horizontal pass: every length 0..140 and some longer,
 * at every alignment of a row, random and edge data (NaN, infinities, denormals), canaries after
 * the row. */
static void laplace_hrow_match_ref(const checkasm_case *c, int bench_hrow)
{
    const struct skinq_texture_dsp *R = c->ref, *K = c->tab;
    uint64_t rs = checkasm_seed(c);
    size_t cases = 0;
    for (int kind = 0; kind < D_KINDS; kind++)
        for (int li = 0; li < NLEN; li++) {
            const int n = TEX_LENGTHS[li],
                      w = n + 2 + (li & 3); /* rows w floats apart, a pixel either side */
            float *src = malloc(sizeof(float) * (size_t)(3 * w + 2 * MAXR + 1));
            for (int i = 0; i < 3 * w + 2 * MAXR + 1; i++)
                src[i] = gen(kind, (size_t)i, &rs);
            float *a = malloc(sizeof(float) * (size_t)(n + GUARD)),
                  *b = malloc(sizeof(float) * (size_t)(n + GUARD));
            const float s2 = (float)(0.5 + 4 * tu_uniform(&rs));
            const float *mid = src + w + 1 + (li & 1);
            fill_canary(a, (size_t)(n + GUARD));
            fill_canary(b, (size_t)(n + GUARD));
            R->tex_laplace_row(a, mid, (size_t)w, s2, n);
            K->tex_laplace_row(b, mid, (size_t)w, s2, n);
            for (int x = 0; x < n; x++)
                if (memcmp(&a[x], &b[x], 4) != 0)
                    fail_msg("laplace, %s data, n %d, x %d: ref %.9g, tested %.9g", DATA_NAMES[kind], n, x,
                             a[x], b[x]);
            for (int x = n; x < n + GUARD; x++)
                assert_true(is_canary(&b[x]));
            for (int r = 1; r <= MAXR; r++) { /* the horizontal pass: lo[i] = c − i, hi[i] = c + i */
                float k[MAXR + 1];
                const float *lo[MAXR + 1], *hi[MAXR + 1], *ctr = src + MAXR + (li & 1);
                for (int i = 0; i <= r; i++)
                    k[i] = (float)tu_uniform(&rs);
                for (int i = 1; i <= r; i++) {
                    lo[i] = ctr - i;
                    hi[i] = ctr + i;
                }
                fill_canary(a, (size_t)(n + GUARD));
                fill_canary(b, (size_t)(n + GUARD));
                R->tex_acc_rows(a, ctr, lo, hi, k, r, n);
                K->tex_acc_hrow(b, ctr, lo, hi, k, r, n);
                for (int x = 0; x < n; x++)
                    if (memcmp(&a[x], &b[x], 4) != 0)
                        fail_msg("hrow, %s data, r %d, n %d, x %d: ref %.9g, tested %.9g", DATA_NAMES[kind],
                                 r, n, x, a[x], b[x]);
                for (int x = n; x < n + GUARD; x++)
                    assert_true(is_canary(&b[x]));
            }
            free(src);
            free(a);
            free(b);
            cases++;
        }
    print_message("laplace + hrow [%s]: %zu cases bit-identical to the references\n", c->isa_name, cases);
    bench_rows(c, bench_hrow);
}

static void check_laplace_row(const checkasm_case *c)
{
    laplace_hrow_match_ref(c, 3);
}

static void check_acc_hrow(const checkasm_case *c)
{
    laplace_hrow_match_ref(c, 1);
}

/* ---- lines' candidate mask ---- */

static const int LINE_LENGTHS[] = {0,  1,  2,  3,  7,   8,   9,   15,  16,  17,  31,  56,  63,
                                   64, 65, 71, 72, 127, 128, 129, 200, 255, 256, 514, 1001};
#define LINE_NLEN ((int)(sizeof LINE_LENGTHS / sizeof LINE_LENGTHS[0]))
#define LINE_CANARY 0xa5

enum { L_RANDOM, L_U, L_RIDGES, L_ZERO, L_EQUAL, L_ALTERNATE, L_DENORMAL, L_HUGE, L_KINDS };
static const char *const LINE_DATA_NAMES[] = {"random", "u-like",      "ridges",    "zeros",
                                              "equal",  "alternating", "denormals", "large"};

static float line_gen(int kind, int x, int y, uint64_t *rs)
{
    switch (kind) {
    case L_RANDOM: return (float)(200 * tu_uniform(rs) - 100);
    case L_U: return (float)(76 * log(16 + 40 + 30 * tu_uniform(rs)));
    case L_RIDGES: /* dark lines at an angle, a few u units deep, with noise */
        return (float)(320 - 3 * exp(-0.5 * pow(fmod(0.8 * x + 0.6 * y, 9.0) - 4.5, 2) / 2.0) +
                       0.05 * tu_uniform(rs));
    case L_ZERO: return ((x + y) & 1) ? -0.0f : 0.0f;
    case L_EQUAL: return 311.25f;
    case L_ALTERNATE: return ((x + y) & 1) ? 1e3f : -1e3f;
    case L_DENORMAL: return (float)(tu_uniform(rs) * 4) * FLT_MIN * 0.25f;
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
static void check_bits(mask_fn k, const char *name, const float *row, int w, int n, float s2, float thr,
                       const float *best, const uint8_t *want, const float *want_t, const char *what)
{
    const int nb = (n + 63) / 64 * 8; /* the bytes the kernel owns */
    const size_t hs = (size_t)n + 3;
    uint8_t *bits = malloc((size_t)nb + GUARD);
    float *term = malloc(sizeof(float) * TERMS * hs);
    memset(bits, LINE_CANARY, (size_t)nb + GUARD);
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
        if (bits[i] != LINE_CANARY)
            fail_msg("%s: %s, n %d: wrote past its bytes at %d", name, what, n, i);
    free(bits);
    free(term);
}

static void bench_line_mask(const checkasm_case *c)
{
    const struct skinq_texture_dsp *T = c->tab;
    enum { N = 512, W = N + 2 };
    static float p[3 * W], term[LINE_TERMS * N];
    static uint8_t bits[N / 8 + 8];
    uint64_t rs = 1;
    for (int i = 0; i < 3 * W; i++)
        p[i] = line_gen(L_RIDGES, i % W, i / W, &rs);
    CHECKASM_BENCH(c, N, T->tex_line_mask(p + W + 1, W, N, 2.0f, 0.77f, NULL, bits, term, N));
}

static void check_line_mask(const checkasm_case *c)
{
    uint64_t rs = checkasm_seed(c);
    const struct skinq_texture_dsp *R = c->ref, *K = c->tab;
    const int avx2 = !checkasm_is_ref(c);
    cut_by_bound = 0;
    const float S2[] = {2.0f, 8.0f, 0.5f}, THR[] = {0.77f, 1e-3f, 5.0f};
    size_t cases = 0, set = 0;
    for (int kind = 0; kind < L_KINDS; kind++)
        for (int li = 0; li < LINE_NLEN; li++)
            for (int off = 0; off < 3; off++)
                for (int pi = 0; pi < 3; pi++) {
                    const int n = LINE_LENGTHS[li], w = n + 2 + off; /* a column either side (+ off) */
                    float *p = malloc(sizeof(float) * (size_t)(3 * w)),
                          *best = malloc(sizeof(float) * (size_t)(n + 1));
                    uint8_t *want = malloc((size_t)n + 1), *want_b = malloc((size_t)n + 1);
                    float *want_t = malloc(sizeof(float) * TERMS * (size_t)(n + 1)),
                          *want_tb = malloc(sizeof(float) * TERMS * (size_t)(n + 1));
                    for (int y = 0; y < 3; y++)
                        for (int x = 0; x < w; x++)
                            p[y * w + x] = line_gen(kind, x, y, &rs);
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
                    snprintf(what, sizeof what, "%s data, offset %d", LINE_DATA_NAMES[kind], off);
                    check_bits(R->tex_line_mask, "ref", row, w, n, s2, thr, NULL, want, want_t, what);
                    check_bits(R->tex_line_mask, "ref", row, w, n, s2, thr, best, want_b, want_tb, what);
                    if (avx2) {
                        check_bits(K->tex_line_mask, c->isa_name, row, w, n, s2, thr, NULL, want, want_t,
                                   what);
                        check_bits(K->tex_line_mask, c->isa_name, row, w, n, s2, thr, best, want_b, want_tb,
                                   what);
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
    print_message("line mask [%s]: %zu cases bit-identical\n", c->isa_name, cases);
    bench_line_mask(c);
}

/* ---- GLCM rows ---- */

/* L* values for the level rows: NaN, ±inf, ±0, denormals, the largest finite, the range's ends
 * and values just past them, exact level boundaries, random ones. */
static float glcm_value(uint64_t r, float lo, float scale, int top)
{
    static const float edges[] = {NAN,    INFINITY, -INFINITY, 0.0f,   -0.0f,
                                  1e-40f, FLT_MAX,  -FLT_MAX,  100.0f, -1.0f};
    if (r % 4 == 0)
        return edges[(r >> 8) % (sizeof edges / sizeof edges[0])];
    if (r % 4 == 1) /* a level boundary, or just below one */
        return lo + (float)((r >> 8) % (unsigned)(top + 2)) / scale - ((r >> 20) & 1 ? 1e-4f : 0.0f);
    return (float)((double)(r >> 11) * 0x1p-53 * 120 - 10);
}

static void check_glcm_quantise(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    const int is16 = !strcmp(c->kernel, "tex_glcm_quantise16");
    uint64_t s = checkasm_seed(c);
    static const int tops[] = {1, 7, 31, 63, 254};
    for (int ti = 0; ti < 5; ti++)
        for (int li = 0; li < checkasm_nlengths; li++)
            for (int off = 0; off < 4; off++) {
                const int n = checkasm_lengths[li], top = tops[ti];
                const float lo = (float)(tu_uniform(&s) * 40),
                            scale = (float)((top + 1) / (20 + 60 * tu_uniform(&s)));
                uint16_t *c16 = malloc(sizeof *c16 * ((size_t)n + 4));
                float *f = malloc(sizeof *f * ((size_t)n + 4));
                for (int i = 0; i < n + 4; i++) {
                    const uint64_t r = tu_rand(&s);
                    c16[i] = (uint16_t)(r % 5 == 0 ? (r >> 8) % 2 * 65535 : r >> 16);
                    f[i] = glcm_value(r, lo, scale, top);
                }
                uint8_t *a = checkasm_canary_u8((size_t)n), *b = checkasm_canary_u8((size_t)n);
                if (is16) {
                    R->tex_glcm_quantise16(a, c16 + off, n, lo, scale, top);
                    T->tex_glcm_quantise16(b, c16 + off, n, lo, scale, top);
                } else {
                    R->tex_glcm_quantise32(a, f + off, n, lo, scale, top);
                    T->tex_glcm_quantise32(b, f + off, n, lo, scale, top);
                }
                assert_memory_equal(a, b, (size_t)n);
                for (int i = 0; i < n; i++)
                    assert_true(a[i] <= top);
                checkasm_guard_u8(b, (size_t)n, c->kernel);
                free(c16), free(f), free(a), free(b);
            }
    enum { N = 4096 };
    static uint16_t c16[N];
    static float f[N];
    static uint8_t o[N];
    for (int i = 0; i < N; i++)
        c16[i] = (uint16_t)(i * 13), f[i] = (float)(i % 100);
    if (is16)
        CHECKASM_BENCH(c, N, T->tex_glcm_quantise16(o, c16, N, 10.0f, 0.5f, 31));
    else
        CHECKASM_BENCH(c, N, T->tex_glcm_quantise32(o, f, N, 10.0f, 0.5f, 31));
}

static void check_glcm_mask_outside(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    uint64_t s = checkasm_seed(c);
    for (int li = 0; li < checkasm_nlengths; li++)
        for (int off = 0; off < 4; off++)
            for (int pattern = 0; pattern < 4; pattern++) { /* random, all off, all on, alternating */
                const int n = checkasm_lengths[li];
                uint8_t *m = malloc((size_t)n + 4), *a = checkasm_canary_u8((size_t)n),
                        *b = checkasm_canary_u8((size_t)n);
                for (int i = 0; i < n + 4; i++)
                    m[i] = (uint8_t)(pattern == 0   ? tu_rand(&s) % 3 * 127
                                     : pattern == 1 ? 0
                                     : pattern == 2 ? 255
                                                    : i & 1);
                for (int i = 0; i < n; i++)
                    a[i] = b[i] = (uint8_t)(tu_rand(&s) % 32);
                R->tex_glcm_mask_outside(a, m + off, n, 32);
                T->tex_glcm_mask_outside(b, m + off, n, 32);
                assert_memory_equal(a, b, (size_t)n);
                checkasm_guard_u8(b, (size_t)n, c->kernel);
                free(m), free(a), free(b);
            }
    enum { N = 4096 };
    static uint8_t m[N], o[N];
    for (int i = 0; i < N; i++)
        m[i] = (uint8_t)(i % 7 != 0);
    CHECKASM_BENCH(c, N, T->tex_glcm_mask_outside(o, m, N, 32));
}

static void check_glcm_pair_cells(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    uint64_t s = checkasm_seed(c);
    static const int n1s[] = {2, 9, 33, 65, 255};
    for (int ni = 0; ni < 5; ni++)
        for (int li = 0; li < checkasm_nlengths; li++)
            for (int off = 0; off < 4; off++) {
                const int n = checkasm_lengths[li], n1 = n1s[ni];
                uint8_t *x = malloc((size_t)n + 4), *y = malloc((size_t)n + 4);
                for (int i = 0; i < n + 4; i++) { /* levels 0 .. n1 − 1, the extremes often */
                    const uint64_t r = tu_rand(&s);
                    x[i] = (uint8_t)(r % 3 == 0 ? (r >> 8) % 2 * (n1 - 1) : (r >> 16) % (unsigned)n1);
                    y[i] = (uint8_t)((r >> 32) % (unsigned)n1);
                }
                uint8_t *a = checkasm_canary_u8(2 * (size_t)n), *b = checkasm_canary_u8(2 * (size_t)n);
                R->tex_glcm_pair_cells((uint16_t *)(void *)a, x + off, y + (3 - off), n, n1);
                T->tex_glcm_pair_cells((uint16_t *)(void *)b, x + off, y + (3 - off), n, n1);
                assert_memory_equal(a, b, 2 * (size_t)n);
                checkasm_guard_u8(b, 2 * (size_t)n, c->kernel);
                free(x), free(y), free(a), free(b);
            }
    enum { N = 4096 };
    static uint8_t x[N], y[N];
    static uint16_t o[N];
    for (int i = 0; i < N; i++)
        x[i] = (uint8_t)(i % 33), y[i] = (uint8_t)((i * 7) % 33);
    CHECKASM_BENCH(c, N, T->tex_glcm_pair_cells(o, x, y, N, 33));
}

/* ---- spots ---- */

static int same_float(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y || (a != a && b != b);
}

/* The residual rows of the tested table: step 1 (groups of 8 columns, one load and a permute) against
 * the per-pixel gather, and every step against the scalar table's, on 16-bit and float planes,
 * with and without a ROI, widths through every group tail, grid steps D = 1 .. 12. */
static void check_residual_row(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    static const int widths[] = {1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 33, 64, 65, 100, 257};
    static const double sigmas[] = {3, 16, 24, 40, 60, 100};
    uint64_t rs = checkasm_seed(c);
    skinq_ctx *ctx = tu_ctx_with(c->isa, 1);
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
        for (size_t si = 0; si < sizeof sigmas / sizeof sigmas[0]; si++)
            for (int variant = 0; variant < 4; variant++) { /* 16-bit / float plane, without / with ROI */
                const int w = widths[wi], h = 1 + (int)(tu_rand(&rs) % 40);
                const size_t n = (size_t)w * (size_t)h;
                int16_t *m16 = malloc(n * sizeof *m16);
                float *mf = malloc(n * sizeof *mf), *fast = malloc(n * sizeof *fast),
                      *ref = malloc(n * sizeof *ref);
                uint8_t *roi = malloc(n);
                assert_true(m16 && mf && fast && ref && roi);
                for (size_t i = 0; i < n; i++) {
                    const uint64_t r = tu_rand(&rs);
                    m16[i] = r % 13 == 0 ? SKINQ_MEL16_NONE : (int16_t)(r % 4000 - 1000);
                    mf[i] = r % 17 == 0 ? NAN : r % 19 == 0 ? INFINITY : (float)(tu_uniform(&rs) * 40 - 5);
                    roi[i] = (r >> 20) % 5 != 0;
                }
                tex_img im;
                memset(&im, 0, sizeof im);
                im.w = w;
                im.h = h;
                im.stride = (size_t)w;
                if (variant & 1)
                    im.mel = mf;
                else
                    im.mel16 = m16;
                if (variant & 2) {
                    im.roi = roi;
                    im.roi_stride = (size_t)w;
                }
                tex_base_grid g;
                assert_int_equal(tex_base_make(ctx, &im, sigmas[si], &g), SKINQ_OK);
                float *nr = malloc(sizeof(float) * ((size_t)g.gw + 8)),
                      *dr = malloc(sizeof(float) * ((size_t)g.gw + 8));
                for (int y = 0; y < h; y++) {
                    T->tex_spots_residual_row(&im, &g, y, 1, fast + (size_t)y * w, nr, dr);
                    tex_spots_residual_row_gather(&im, &g, y, ref + (size_t)y * w, nr, dr);
                }
                for (size_t i = 0; i < n; i++)
                    if (!same_float(fast[i], ref[i]))
                        fail_msg("%dx%d sigma %g variant %d: pixel %zu %.9g, ref %.9g", w, h, sigmas[si],
                                 variant, i, fast[i], ref[i]);
                for (int step = 1; step <= 5; step += 2) /* the sample grid's rows, against scalar */
                    for (int y = 0; y < h; y += step) {
                        const size_t cols = (size_t)((w + step - 1) / step);
                        T->tex_spots_residual_row(&im, &g, y, step, fast, nr, dr);
                        R->tex_spots_residual_row(&im, &g, y, step, ref, nr, dr);
                        for (size_t i = 0; i < cols; i++)
                            if (!same_float(fast[i], ref[i]))
                                fail_msg("%dx%d step %d row %d: column %zu %.9g, scalar %.9g", w, h, step, y,
                                         i, fast[i], ref[i]);
                    }
                if (wi + 1 == sizeof widths / sizeof widths[0] && si == 0 && variant == 0)
                    CHECKASM_BENCH(c, w, T->tex_spots_residual_row(&im, &g, 0, 1, fast, nr, dr));
                free(nr);
                free(dr);
                tex_base_free(ctx, &g);
                free(m16);
                free(mf);
                free(fast);
                free(ref);
                free(roi);
            }
    skinq_ctx_close(&ctx);
}

/* The box passes as they were: one row a task, scalar, a full-size scratch plane. */
static void ref_box_rows(float *p, float *tmp, int w, int h, int r)
{
    for (int y = 0; y < h; y++) {
        float *row = p + (size_t)y * w, *t = tmp + (size_t)y * w;
        double s = 0;
        for (int i = -r; i <= r; i++)
            s += row[i < 0 ? 0 : i >= w ? w - 1 : i];
        for (int x = 0; x < w; x++) {
            t[x] = (float)(s / (2 * r + 1));
            int add = x + r + 1, sub = x - r;
            s += row[add >= w ? w - 1 : add] - row[sub < 0 ? 0 : sub];
        }
        memcpy(row, t, sizeof(float) * (size_t)w);
    }
}

static void ref_box_cols(float *p, float *tmp, int w, int h, int r)
{
    const double inv = 1.0 / (2 * r + 1);
    for (int x = 0; x < w; x++) {
        double s = 0;
        for (int i = -r; i <= r; i++)
            s += p[(size_t)(i < 0 ? 0 : i >= h ? h - 1 : i) * w + (size_t)x];
        for (int y = 0; y < h; y++) {
            int add = y + r + 1, sub = y - r;
            tmp[(size_t)y * w + x] = (float)(s * inv);
            s += p[(size_t)(add >= h ? h - 1 : add) * w + x] - p[(size_t)(sub < 0 ? 0 : sub) * w + x];
        }
    }
    memcpy(p, tmp, sizeof(float) * (size_t)w * (size_t)h);
}

static void ref_blur3(float *p, int w, int h, double sigma)
{
    int wi = (int)floor(sqrt(12.0 * sigma * sigma / 3 + 1));
    if (wi % 2 == 0)
        wi--;
    const int r = wi > 1 ? (wi - 1) / 2 : 0;
    if (r == 0)
        return;
    float *tmp = malloc(sizeof *tmp * (size_t)w * (size_t)h);
    assert_non_null(tmp);
    for (int pass = 0; pass < 3; pass++) {
        ref_box_rows(p, tmp, w, h, r);
        ref_box_cols(p, tmp, w, h, r);
    }
    free(tmp);
}

/* The box blur through the tested table's passes (spots.c's blur3 under a context of its level) against
 * the one-row scalar passes it replaced, on 1 and 2 threads; and each pass against scalar's. */
static void check_box(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    static const int sizes[][2] = {{1, 1},  {1, 7},   {7, 1},   {3, 5},    {64, 3},
                                   {65, 4}, {130, 9}, {17, 66}, {200, 150}};
    static const double sigmas[] = {0.5, 1, 2.5, 5, 12};
    uint64_t rs = checkasm_seed(c);
    for (int threads = 1; threads <= 2; threads++) {
        skinq_ctx *ctx = tu_ctx_with(c->isa, threads);
        for (size_t zi = 0; zi < sizeof sizes / sizeof sizes[0]; zi++)
            for (size_t si = 0; si < sizeof sigmas / sizeof sigmas[0]; si++) {
                const int w = sizes[zi][0], h = sizes[zi][1];
                const size_t n = (size_t)w * (size_t)h;
                float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
                assert_true(a && b);
                for (size_t i = 0; i < n; i++)
                    a[i] = b[i] = (float)(tu_uniform(&rs) * 100 - 20);
                assert_int_equal(tex_spots_blur3(ctx, a, w, h, sigmas[si]), SKINQ_OK);
                ref_blur3(b, w, h, sigmas[si]);
                for (size_t i = 0; i < n; i++)
                    if (!same_float(a[i], b[i]))
                        fail_msg("%dx%d sigma %g, %d threads: pixel %zu %.9g, ref %.9g", w, h, sigmas[si],
                                 threads, i, a[i], b[i]);
                free(a);
                free(b);
            }
        skinq_ctx_close(&ctx);
    }
    /* the passes alone: every row and column task, radii 0 .. 9 */
    for (int r = 0; r < 10; r++)
        for (int zi = 0; zi < 6; zi++) {
            const int w = 1 + (int)(tu_rand(&rs) % 140), h = 1 + (int)(tu_rand(&rs) % 70);
            const size_t n = (size_t)w * (size_t)h;
            float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b),
                  *tmp = malloc(tex_box_tmp(w, h) * sizeof *tmp);
            for (size_t i = 0; i < n; i++)
                a[i] = b[i] = (float)(tu_uniform(&rs) * 100 - 20);
            for (int task = 0; task < (h + TEX_BOX_ROWS - 1) / TEX_BOX_ROWS; task++) {
                R->tex_spots_box_rows(a, tmp, w, h, r, task);
                T->tex_spots_box_rows(b, tmp, w, h, r, task);
            }
            checkasm_compare_f32(a, b, n, 0, "box rows");
            for (int task = 0; task < (w + TEX_BOX_COLS - 1) / TEX_BOX_COLS; task++) {
                R->tex_spots_box_cols(a, tmp, w, h, r, task);
                T->tex_spots_box_cols(b, tmp, w, h, r, task);
            }
            checkasm_compare_f32(a, b, n, 0, "box cols");
            free(a), free(b), free(tmp);
        }
    enum { W = 512, H = 64 };
    static float plane[W * H], tmp[TEX_BOX_COLS * H > TEX_BOX_ROWS * W ? TEX_BOX_COLS * H : TEX_BOX_ROWS * W];
    if (!strcmp(c->kernel, "tex_spots_box_rows"))
        CHECKASM_BENCH(c, TEX_BOX_ROWS * W, T->tex_spots_box_rows(plane, tmp, W, H, 5, 3));
    else
        CHECKASM_BENCH(c, TEX_BOX_COLS * H, T->tex_spots_box_cols(plane, tmp, W, H, 5, 3));
}

/* The block sums of every grid row against scalar's: 16-bit and float planes (NONE, NaN and ±inf
 * values), with and without a ROI, widths through every vector tail, D = 1 .. 12. */
static void check_block_sums(const checkasm_case *c)
{
    const struct skinq_texture_dsp *R = c->ref, *T = c->tab;
    uint64_t rs = checkasm_seed(c);
    for (int li = 1; li < checkasm_nlengths; li++)
        for (int variant = 0; variant < 4; variant++) {
            const int w = checkasm_lengths[li] > 600 ? 601 : checkasm_lengths[li],
                      h = 1 + (int)(tu_rand(&rs) % 30);
            const int D = 1 + (int)(tu_rand(&rs) % 12);
            const size_t n = (size_t)w * (size_t)h;
            int16_t *m16 = malloc(n * sizeof *m16);
            float *mf = malloc(n * sizeof *mf);
            uint8_t *roi = malloc(n);
            for (size_t i = 0; i < n; i++) {
                const uint64_t r = tu_rand(&rs);
                m16[i] = r % 13 == 0 ? SKINQ_MEL16_NONE : (int16_t)(r % 8000 - 4000);
                mf[i] = r % 17 == 0 ? NAN : r % 19 == 0 ? -INFINITY : (float)(tu_uniform(&rs) * 40 - 5);
                roi[i] = (uint8_t)((r >> 20) % 5 != 0);
            }
            tex_img im;
            memset(&im, 0, sizeof im);
            im.w = w, im.h = h, im.stride = (size_t)w;
            if (variant & 1)
                im.mel = mf;
            else
                im.mel16 = m16;
            if (variant & 2)
                im.roi = roi, im.roi_stride = (size_t)w;
            tex_base_grid ga, gb;
            memset(&ga, 0, sizeof ga);
            ga.D = D, ga.gw = (w + D - 1) / D, ga.gh = (h + D - 1) / D;
            const size_t gn = (size_t)ga.gw * (size_t)ga.gh;
            gb = ga;
            ga.num = checkasm_canary_f32(gn), ga.den = checkasm_canary_f32(gn);
            gb.num = checkasm_canary_f32(gn), gb.den = checkasm_canary_f32(gn);
            float *rows = malloc(2 * (size_t)w * sizeof *rows);
            for (int Y = 0; Y < ga.gh; Y++) {
                R->tex_spots_block_sums(&im, &ga, rows, Y);
                T->tex_spots_block_sums(&im, &gb, rows, Y);
            }
            checkasm_compare_f32(ga.num, gb.num, gn, 0, "block sums of mel");
            checkasm_compare_f32(ga.den, gb.den, gn, 0, "block counts");
            checkasm_guard_f32(gb.num, gn, "block sums");
            checkasm_guard_f32(gb.den, gn, "block counts");
            if (li + 1 == checkasm_nlengths && variant == 2)
                CHECKASM_BENCH(c, (double)w * D, T->tex_spots_block_sums(&im, &gb, rows, 0));
            free(ga.num), free(ga.den), free(gb.num), free(gb.den), free(rows), free(m16), free(mf),
                free(roi);
        }
}

const checkasm_check checkasm_texture[] = {
    {"tex_acc_rows", check_acc_rows},
    {"tex_acc_hrow", check_acc_hrow},
    {"tex_acc_rows2", check_acc_rows2},
    {"tex_peak_mask", check_peak_mask},
    {"tex_laplace_row", check_laplace_row},
    {"tex_line_mask", check_line_mask},
    {"tex_glcm_quantise16", check_glcm_quantise},
    {"tex_glcm_quantise32", check_glcm_quantise},
    {"tex_glcm_mask_outside", check_glcm_mask_outside},
    {"tex_glcm_pair_cells", check_glcm_pair_cells},
    {"tex_spots_box_rows", check_box},
    {"tex_spots_box_cols", check_box},
    {"tex_spots_block_sums", check_block_sums},
    {"tex_spots_residual_row", check_residual_row},
    {NULL, NULL},
};
