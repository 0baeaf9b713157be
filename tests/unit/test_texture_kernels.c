/* test_texture_kernels.c -- lib/texture's hand-written kernels against their references: the
 * blur's row kernel (the kernel table's AVX2 one vs the scalar tex_acc_rows_ref, bit-exact: the
 * same operations in the same order, no FMA) over every radius, lengths through each vector
 * tail, unaligned starts, random and edge data, with canaries after every output; the flag
 * scan TEX_FOR_FLAGS against a byte-by-byte scan; and the one-pass pores + lines
 * (tex_pores_lines) against the two separate parts, bit-identical, with and without a ROI, on
 * 1 and 2 threads. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "texture/texture_int.h"

static const int LENGTHS[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  15,  16,  17,
                              23, 24, 31, 32, 33, 39, 40, 63, 64, 65, 257, 1001};
#define NLEN ((int)(sizeof LENGTHS / sizeof LENGTHS[0]))
#define GUARD 16
#define MAXR 64
static const uint32_t CANARY = 0x7fc88888u; /* a NaN pattern no kernel produces */

enum { D_RANDOM, D_U, D_ZERO, D_EQUAL, D_ALTERNATE, D_DENORMAL, D_HUGE, D_KINDS };
static const char *const DATA_NAMES[] = {"random", "u-like", "zeros", "equal", "alternating", "denormals", "large"};

static float gen(int kind, size_t i, uint64_t *rs)
{
    switch (kind) {
    case D_RANDOM: return (float)(200 * tu_uniform(rs) - 100);
    case D_U: /* u = 76 ln(L* + 16) of skin-like L* */ return (float)(76 * log(16 + 40 + 30 * tu_uniform(rs)));
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

static void test_acc_rows_avx2_matches_ref(void **state)
{
    (void)state;
    /* the scalar table's kernel (the reference) against the best table's */
    struct skinq_kernels ref, best;
    skinq_kernels_init(&ref, SKINQ_ISA_SCALAR);
    skinq_kernels_init(&best, skinq_cpu_isa());
    assert_ptr_equal(ref.tex_acc_rows, tex_acc_rows_ref);
    if (best.tex_acc_rows == ref.tex_acc_rows) {
        print_message("no SIMD blur kernel for this CPU (%s): skipped\n", best.name_tex_acc_rows);
        return;
    }
    uint64_t rs = tu_seed();
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
                    const int n = LENGTHS[li];
                    /* 2r + 1 source rows of exactly n + 2r floats (+ off), as tex_blur's row buffer */
                    const int rows = 2 * r + 1, rw = n + 2 * r + off;
                    float *src = malloc(sizeof(float) * (size_t)(rows * rw + 1));
                    for (int i = 0; i < rows * rw; i++)
                        src[i] = gen(kind, (size_t)i, &rs);
                    const float *lo[MAXR + 1], *hi[MAXR + 1], *c = src + r * rw + r + off;
                    /* alternately distinct rows (the vertical pass) and offsets into one row
                     * (the horizontal pass) */
                    for (int i = 1; i <= r; i++) {
                        lo[i] = (li & 1) ? c - i : src + (r - i) * rw + r + off;
                        hi[i] = (li & 1) ? c + i : src + (r + i) * rw + r + off;
                    }
                    float *a = malloc(sizeof(float) * (size_t)(n + GUARD)),
                          *b = malloc(sizeof(float) * (size_t)(n + GUARD));
                    fill_canary(a, (size_t)(n + GUARD));
                    fill_canary(b, (size_t)(n + GUARD));
                    tex_acc_rows_ref(a, c, lo, hi, k, r, n);
                    best.tex_acc_rows(b, c, lo, hi, k, r, n);
                    for (int x = 0; x < n; x++)
                        if (memcmp(&a[x], &b[x], 4) != 0)
                            fail_msg("%s data, r %d, n %d, offset %d: x %d: ref %.9g, %s %.9g", DATA_NAMES[kind], r,
                                     n, off, x, a[x], best.name_tex_acc_rows, b[x]);
                    for (int x = n; x < n + GUARD; x++)
                        if (!is_canary(&b[x]) || !is_canary(&a[x]))
                            fail_msg("%s data, r %d, n %d: wrote past the end at %d", DATA_NAMES[kind], r, n, x);
                    free(a);
                    free(b);
                    free(src);
                    cases++;
                }
        }
    print_message("acc_rows: %zu cases bit-identical (%s vs scalar)\n", cases, best.name_tex_acc_rows);
}

/* The same kernel on lengths a tile row takes, through tex_blur: a blur equals a direct double
 * convolution with the same taps to float rounding (a check of the row buffer's clamped edges). */
static void test_blur_matches_direct(void **state)
{
    (void)state;
    uint64_t rs = tu_seed();
    const int W = 77, H = 41;
    float *src = malloc(sizeof(float) * W * H), *dst = malloc(sizeof(float) * W * H);
    float *row = malloc(sizeof(float) * (W + 128));
    for (int i = 0; i < W * H; i++)
        src[i] = gen(D_U, (size_t)i, &rs);
    const double vars[] = {0.3, 1.0, 2.0, 5.0};
    struct skinq_kernels tables[2]; /* the scalar reference and the CPU's best */
    skinq_kernels_init(&tables[0], SKINQ_ISA_SCALAR);
    skinq_kernels_init(&tables[1], skinq_cpu_isa());
    for (int vi = 0; vi < 8; vi++) {
        const double var = vars[vi / 2];
        tex_blur(&tables[vi & 1], src, W, dst, W, H, var, row);
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
        print_message("blur var %.1f (%s): max |float - double| %.2e\n", var, tables[vi & 1].name_tex_acc_rows, maxerr);
        assert_true(maxerr < 1e-3); /* u ~ 300: a few float ulps */
    }
    free(src);
    free(dst);
    free(row);
}

/* The kernel table's best (AVX2 on this CPU, if it has it) against the scalar references of
 * pyramid.c and pores.c: two vertical passes at once = two reference passes, the horizontal pass =
 * the row reference, the pores' pre-filter bits and response rows = theirs. */
static int best_kernels(struct skinq_kernels *best)
{
    skinq_kernels_init(best, skinq_cpu_isa());
    if (!strcmp(best->name_tex_acc_rows2, "scalar")) {
        print_message("no AVX2 kernels on this CPU or build: skipped\n");
        return 0;
    }
    return 1;
}

static void test_acc_rows2_avx2_matches_ref(void **state)
{
    (void)state;
    struct skinq_kernels K;
    if (!best_kernels(&K))
        return;
    uint64_t rs = tu_seed();
    size_t cases = 0;
    for (int kind = 0; kind < D_KINDS; kind++)
        for (int ra = 1; ra <= 7; ra++) /* 6 and 7: the fallback to two single passes */
            for (int rb = 1; rb <= 7; rb++)
                for (int li = 0; li < NLEN; li += (kind == D_RANDOM ? 1 : 3)) {
                    const int n = LENGTHS[li], r = ra > rb ? ra : rb, rows = 2 * r + 1, rw = n + 1;
                    float ka[MAXR + 1], kb[MAXR + 1];
                    for (int i = 0; i <= r; i++) {
                        ka[i] = (float)tu_uniform(&rs);
                        kb[i] = (float)tu_uniform(&rs);
                    }
                    float *src = malloc(sizeof(float) * (size_t)(rows * rw + 1));
                    for (int i = 0; i < rows * rw; i++)
                        src[i] = gen(kind, (size_t)i, &rs);
                    const float *lo[MAXR + 1], *hi[MAXR + 1], *c = src + r * rw + (li & 1);
                    for (int i = 1; i <= r; i++) {
                        lo[i] = c - i * rw;
                        hi[i] = c + i * rw;
                    }
                    float *a[2], *b[2];
                    for (int g = 0; g < 2; g++) {
                        a[g] = malloc(sizeof(float) * (size_t)(n + GUARD));
                        b[g] = malloc(sizeof(float) * (size_t)(n + GUARD));
                        fill_canary(a[g], (size_t)(n + GUARD));
                        fill_canary(b[g], (size_t)(n + GUARD));
                    }
                    tex_acc_rows_ref(a[0], c, lo, hi, ka, ra, n);
                    tex_acc_rows_ref(a[1], c, lo, hi, kb, rb, n);
                    K.tex_acc_rows2(b[0], b[1], c, lo, hi, ka, ra, kb, rb, n);
                    for (int g = 0; g < 2; g++) {
                        for (int x = 0; x < n; x++)
                            if (memcmp(&a[g][x], &b[g][x], 4) != 0)
                                fail_msg("%s data, radii %d %d, n %d: output %d, x %d: ref %.9g, avx2 %.9g",
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
}

static void test_peak_mask_avx2_matches_ref(void **state)
{
    (void)state;
    struct skinq_kernels K;
    if (!best_kernels(&K))
        return;
    uint64_t rs = tu_seed();
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
            tex_peak_mask_ref(a, R, lo, hi, 2.0f, n);
            K.tex_peak_mask(b, R, lo, hi, 2.0f, n);
            for (int wi = 0; wi < words; wi++) {
                if (a[wi] != b[wi])
                    fail_msg("kind %d, n %d, word %d: ref %016llx, avx2 %016llx", kind, n, wi,
                             (unsigned long long)a[wi], (unsigned long long)b[wi]);
                bits += (size_t)__builtin_popcountll(a[wi]);
            }
            assert_true(b[words] == a[words]); /* nothing past the last word */
            for (int q = 0; q < n; q++) { /* and the reference is the definition */
                const int want = R[q] >= 2.0f && lo[q] < R[q] && hi[q] <= R[q];
                assert_int_equal((int)(a[q / 64] >> (q % 64) & 1), want);
            }
            if (n % 64)
                assert_true(a[n / 64] >> (n % 64) == 0);
            cases++;
        }
    print_message("peak_mask: %zu cases, %zu bits set, avx2 = scalar\n", cases, bits);
}

/* The pores' response rows and the blur's horizontal pass: every length 0..140 and some longer,
 * at every alignment of a row, random and edge data (NaN, infinities, denormals), canaries after
 * the row. */
static void test_laplace_hrow_match_ref(void **state)
{
    (void)state;
    struct skinq_kernels K;
    if (!best_kernels(&K))
        return;
    uint64_t rs = tu_seed();
    size_t cases = 0;
    for (int kind = 0; kind < D_KINDS; kind++)
        for (int li = 0; li < NLEN; li++) {
            const int n = LENGTHS[li], w = n + 2 + (li & 3); /* rows w floats apart, a pixel either side */
            float *src = malloc(sizeof(float) * (size_t)(3 * w + 2 * MAXR + 1));
            for (int i = 0; i < 3 * w + 2 * MAXR + 1; i++)
                src[i] = gen(kind, (size_t)i, &rs);
            float *a = malloc(sizeof(float) * (size_t)(n + GUARD)), *b = malloc(sizeof(float) * (size_t)(n + GUARD));
            const float s2 = (float)(0.5 + 4 * tu_uniform(&rs));
            const float *mid = src + w + 1 + (li & 1);
            fill_canary(a, (size_t)(n + GUARD));
            fill_canary(b, (size_t)(n + GUARD));
            tex_laplace_row_ref(a, mid, (size_t)w, s2, n);
            K.tex_laplace_row(b, mid, (size_t)w, s2, n);
            for (int x = 0; x < n; x++)
                if (memcmp(&a[x], &b[x], 4) != 0)
                    fail_msg("laplace, %s data, n %d, x %d: ref %.9g, avx2 %.9g", DATA_NAMES[kind], n, x, a[x], b[x]);
            for (int x = n; x < n + GUARD; x++)
                assert_true(is_canary(&b[x]));
            for (int r = 1; r <= MAXR; r++) { /* the horizontal pass: lo[i] = c − i, hi[i] = c + i */
                float k[MAXR + 1];
                const float *lo[MAXR + 1], *hi[MAXR + 1], *c = src + MAXR + (li & 1);
                for (int i = 0; i <= r; i++)
                    k[i] = (float)tu_uniform(&rs);
                for (int i = 1; i <= r; i++) {
                    lo[i] = c - i;
                    hi[i] = c + i;
                }
                fill_canary(a, (size_t)(n + GUARD));
                fill_canary(b, (size_t)(n + GUARD));
                tex_acc_rows_ref(a, c, lo, hi, k, r, n);
                K.tex_acc_hrow(b, c, lo, hi, k, r, n);
                for (int x = 0; x < n; x++)
                    if (memcmp(&a[x], &b[x], 4) != 0)
                        fail_msg("hrow, %s data, r %d, n %d, x %d: ref %.9g, avx2 %.9g", DATA_NAMES[kind], r, n, x,
                                 a[x], b[x]);
                for (int x = n; x < n + GUARD; x++)
                    assert_true(is_canary(&b[x]));
            }
            free(src);
            free(a);
            free(b);
            cases++;
        }
    print_message("laplace + hrow: %zu cases bit-identical to the references\n", cases);
}

static void test_for_flags(void **state)
{
    (void)state;
    uint64_t rs = tu_seed();
    uint8_t f[1100];
    int got[1100];
    const double dens[] = {0, 0.01, 0.1, 0.5, 1};
    for (int di = 0; di < 5; di++)
        for (int n = 0; n <= 1030; n += n < 70 ? 1 : 97) {
            memset(f, 0, sizeof f);
            for (int q = 0; q < n; q++)
                f[q] = tu_uniform(&rs) < dens[di];
            int ng = 0;
            TEX_FOR_FLAGS(f, n, q, { got[ng++] = q; })
            int ne = 0;
            for (int q = 0; q < n; q++)
                if (f[q]) {
                    assert_true(ne < ng);
                    assert_int_equal(got[ne], q);
                    ne++;
                }
            assert_int_equal(ng, ne);
        }
}

/* A phantom with pores, lines and noise: dark discs of 4–16 px, dark Gaussian lines, white
 * noise, a gradient. */
static float *phantom(int w, int h, uint64_t *rs)
{
    float *L = malloc(sizeof(float) * (size_t)w * (size_t)h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            L[(size_t)y * w + x] = (float)(55 + 10.0 * x / w + 1.2 * (tu_uniform(rs) - 0.5));
    for (int i = 0; i < 300; i++) {
        double cx = tu_uniform(rs) * w, cy = tu_uniform(rs) * h, rr = 2 + 6 * tu_uniform(rs),
               A = 3 + 8 * tu_uniform(rs);
        for (int y = (int)(cy - rr - 2); y <= (int)(cy + rr + 2); y++)
            for (int x = (int)(cx - rr - 2); x <= (int)(cx + rr + 2); x++)
                if (x >= 0 && y >= 0 && x < w && y < h && hypot(x - cx, y - cy) <= rr)
                    L[(size_t)y * w + x] -= (float)A;
    }
    for (int i = 0; i < 25; i++) {
        double x0 = tu_uniform(rs) * w, y0 = tu_uniform(rs) * h, th = tu_uniform(rs) * 3.14159,
               sg = 1 + 3 * tu_uniform(rs);
        double nx = -sin(th), ny = cos(th), A = 4 + 6 * tu_uniform(rs), len = 100 + 200 * tu_uniform(rs);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double dx = x - x0, dy = y - y0, t = dx * cos(th) + dy * sin(th), d = dx * nx + dy * ny;
                if (fabs(t) < len && fabs(d) < 4 * sg)
                    L[(size_t)y * w + x] -= (float)(A * exp(-0.5 * d * d / (sg * sg)));
            }
    }
    return L;
}

static void test_pores_lines_one_pass(void **state)
{
    (void)state;
    uint64_t rs = tu_seed();
    const int w = 1100, h = 700; /* 3 × 2 tiles, partial at the right and the bottom */
    float *L = phantom(w, h, &rs);
    skinq_ctx *mctx = tu_ctx();
    skinq_mask *roi = NULL;
    assert_int_equal(skinq_mask_new(mctx, w, h, 0, &roi), SKINQ_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            roi->data[(size_t)y * roi->stride + x] = hypot(x - 600, y - 330) < 420;
    for (int use_roi = 0; use_roi < 2; use_roi++)
        for (int threads = 1; threads <= 2; threads++) {
            skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
            skinq_metrics both = {0}, sep = {0};
            skinq_texture_options o;
            skinq_texture_default_options(&o);
            o.metrics = SKINQ_TEXTURE_PORES | SKINQ_TEXTURE_LINES;
            assert_int_equal(skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, use_roi ? roi : NULL, 20, &o, &both),
                             SKINQ_OK);
            o.metrics = SKINQ_TEXTURE_PORES;
            assert_int_equal(skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, use_roi ? roi : NULL, 20, &o, &sep),
                             SKINQ_OK);
            o.metrics = SKINQ_TEXTURE_LINES;
            assert_int_equal(skinq_texture_analyze(ctx, L, NULL, w, h, (size_t)w, use_roi ? roi : NULL, 20, &o, &sep),
                             SKINQ_OK);
            assert_int_equal(both.count, sep.count);
            for (size_t i = 0; i < both.count; i++) {
                assert_string_equal(both.items[i].path, sep.items[i].path);
                if (memcmp(&both.items[i].value, &sep.items[i].value, sizeof(double)) != 0)
                    fail_msg("%s: one pass %.17g, separate %.17g", both.items[i].path, both.items[i].value,
                             sep.items[i].value);
            }
            print_message("roi %d, %d thread(s): pores %.0f, lines %.4f mm/cm2, contrast %.4f: one pass = separate\n",
                          use_roi, threads, both.items[0].value, both.items[3].value, both.items[4].value);
            assert_true(both.items[0].value > 50);
            assert_true(both.items[3].value > 0);
            skinq_metrics_free(&both);
            skinq_metrics_free(&sep);
            skinq_ctx_close(&ctx);
        }
    skinq_mask_free(&roi);
    skinq_ctx_close(&mctx);
    free(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acc_rows_avx2_matches_ref),
        cmocka_unit_test(test_blur_matches_direct),
        cmocka_unit_test(test_acc_rows2_avx2_matches_ref),
        cmocka_unit_test(test_peak_mask_avx2_matches_ref),
        cmocka_unit_test(test_laplace_hrow_match_ref),
        cmocka_unit_test(test_for_flags),
        cmocka_unit_test(test_pores_lines_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
