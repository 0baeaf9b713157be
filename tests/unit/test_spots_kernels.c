/* test_spots_kernels.c -- lib/texture/spots.c's fast paths against their references, bit-exact:
 * the radix median (tex_median_inplace) against skinq_quantile_inplace(v, n, 0.5), and that it
 * leaves v a permutation (the MAD reads it after); the residual rows by groups of 8 columns
 * (one load and a permute each) against the per-pixel gather, on 16-bit and float planes, with
 * and without a ROI, over widths through every group tail and grid steps D = 1 .. 12; and the
 * box blur (four rows a task, vector lanes; per-thread scratch) against the one-row scalar
 * passes it replaced, on 1 and 2 threads. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "test_util.h"
#include "texture/texture_int.h"

enum { M_RANDOM, M_TIES, M_EQUAL, M_ZEROS, M_DENORMAL, M_HUGE, M_INF, M_SORTED, M_REVERSED, M_NEGATIVE, M_KINDS };

static float med_gen(int kind, size_t i, size_t n, uint64_t *rs)
{
    switch (kind) {
    case M_RANDOM: return (float)(20 * tu_uniform(rs) - 7);
    case M_TIES: return (float)(int)(5 * tu_uniform(rs)) * 0.25f;
    case M_EQUAL: return 3.5f;
    case M_ZEROS: return (tu_rand(rs) & 1) ? -0.0f : 0.0f;
    case M_DENORMAL: return (float)(tu_uniform(rs) * 4 - 2) * FLT_MIN * 0.25f;
    case M_HUGE: return (float)((tu_uniform(rs) - 0.5) * 1e38);
    case M_INF: return (tu_rand(rs) % 7 == 0) ? ((tu_rand(rs) & 1) ? INFINITY : -INFINITY) : (float)tu_uniform(rs);
    case M_SORTED: return (float)i * 0.5f;
    case M_REVERSED: return (float)(n - i) * 0.5f;
    default: return -(float)(1 + tu_uniform(rs) * 1e-3); /* negative, close together */
    }
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static void test_median_matches_quantile(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 4, 5, 8, 63, 64, 65, 4095, 4096, 4097, 4098, 10001, 65536, 300001, 300002};
    uint64_t rs = tu_seed();
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (int kind = 0; kind < M_KINDS; kind++) {
            const size_t n = sizes[si];
            float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
            assert_non_null(a);
            assert_non_null(b);
            assert_non_null(c);
            for (size_t i = 0; i < n; i++)
                a[i] = med_gen(kind, i, n, &rs);
            memcpy(b, a, n * sizeof *a);
            memcpy(c, a, n * sizeof *a);
            const double want = skinq_quantile_inplace(a, n, 0.5), got = tex_median_inplace(b, n);
            if (!(got == want))
                fail_msg("n %zu kind %d: median %.9g, want %.9g", n, kind, got, want);
            /* still the same values */
            qsort(b, n, sizeof *b, cmp_float);
            qsort(c, n, sizeof *c, cmp_float);
            for (size_t i = 0; i < n; i++)
                if (!(b[i] == c[i]))
                    fail_msg("n %zu kind %d: not a permutation at %zu", n, kind, i);
            free(a);
            free(b);
            free(c);
        }
}

static int same_float(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y || (a != a && b != b);
}

static void test_residuals_groups_match_ref(void **state)
{
    (void)state;
    static const int widths[] = {1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 33, 64, 65, 100, 257};
    static const double sigmas[] = {3, 16, 24, 40, 60, 100};
    uint64_t rs = tu_seed();
    skinq_ctx *ctx = tu_ctx();
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
        for (size_t si = 0; si < sizeof sigmas / sizeof sigmas[0]; si++)
            for (int variant = 0; variant < 4; variant++) { /* 16-bit / float plane, without / with ROI */
                const int w = widths[wi], h = 1 + (int)(tu_rand(&rs) % 40);
                const size_t n = (size_t)w * (size_t)h;
                int16_t *m16 = malloc(n * sizeof *m16);
                float *mf = malloc(n * sizeof *mf), *fast = malloc(n * sizeof *fast), *ref = malloc(n * sizeof *ref);
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
                assert_int_equal(tex_spots_residuals(ctx, &im, sigmas[si], 1, fast), SKINQ_OK);
                assert_int_equal(tex_spots_residuals(ctx, &im, sigmas[si], 0, ref), SKINQ_OK);
                for (size_t i = 0; i < n; i++)
                    if (!same_float(fast[i], ref[i]))
                        fail_msg("%dx%d sigma %g variant %d: pixel %zu %.9g, ref %.9g", w, h, sigmas[si], variant, i,
                                 fast[i], ref[i]);
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

static void test_blur_matches_ref(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {3, 5}, {64, 3}, {65, 4}, {130, 9}, {17, 66}, {200, 150}};
    static const double sigmas[] = {0.5, 1, 2.5, 5, 12};
    uint64_t rs = tu_seed();
    for (int threads = 1; threads <= 2; threads++) {
        skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
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
                        fail_msg("%dx%d sigma %g, %d threads: pixel %zu %.9g, ref %.9g", w, h, sigmas[si], threads, i,
                                 a[i], b[i]);
                free(a);
                free(b);
            }
        skinq_ctx_close(&ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_matches_quantile),
        cmocka_unit_test(test_residuals_groups_match_ref),
        cmocka_unit_test(test_blur_matches_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
