/* test_color_kernels.c -- checkasm-style tests of the colour kernels: every ISA's table entry
 * against the double reference over all 2^24 8-bit colours (bound 0.005), against the scalar
 * kernel on odd lengths and offsets with canaries, and known anchors. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "color/color_kernels.h"
#include "lab_ref.h"
#include "test_util.h"

static int quick(void)
{
    const char *q = getenv("SKINQ_TEST_QUICK");
    return q && *q == '1';
}

struct exhaustive {
    void (*fn)(const uint8_t *, float *, size_t);
    int stride; /* test every stride-th red level (1 = all 2^24 colours) */
    _Atomic double worst_bits; /* max error so far, as the bits of a double */
    atomic_long over;
};

static void update_max(struct exhaustive *e, double v)
{
    double cur = atomic_load(&e->worst_bits);
    while (v > cur && !atomic_compare_exchange_weak(&e->worst_bits, &cur, v)) {
    }
}

/* task = red level: all 65536 (g, b) for one r */
static void exhaustive_task(void *user, int task, int thread)
{
    (void)thread;
    struct exhaustive *e = user;
    if (task % e->stride)
        return;
    static _Thread_local uint8_t rgb[65536 * 3];
    static _Thread_local float lab[65536 * 3];
    for (int i = 0; i < 65536; i++) {
        rgb[3 * i] = (uint8_t)task;
        rgb[3 * i + 1] = (uint8_t)(i >> 8);
        rgb[3 * i + 2] = (uint8_t)i;
    }
    e->fn(rgb, lab, 65536);
    double worst = 0;
    long over = 0;
    for (int i = 0; i < 65536; i++) {
        double ref[3];
        ref_srgb8_to_lab(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], ref);
        for (int c = 0; c < 3; c++) {
            double d = fabs(lab[3 * i + c] - ref[c]);
            worst = d > worst ? d : worst;
            over += d > 0.005;
        }
    }
    update_max(e, worst);
    atomic_fetch_add(&e->over, over);
}

static void test_lab_exhaustive(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    static const unsigned masks[] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2};
    void (*seen[3])(const uint8_t *, float *, size_t) = {0};
    for (int m = 0; m < 3; m++) {
        if ((masks[m] & skinq_cpu_isa()) != masks[m])
            continue; /* this CPU cannot run that level */
        struct skinq_kernels k;
        skinq_kernels_init(&k, masks[m]);
        int dup = 0;
        for (int s = 0; s < m; s++)
            dup |= seen[s] == k.srgb8_to_lab;
        seen[m] = k.srgb8_to_lab;
        if (dup)
            continue; /* no kernel of its own at this level yet */
        struct exhaustive e = {k.srgb8_to_lab, quick() ? 17 : 1, 0.0, 0};
        skinq_parallel_for(ctx, 256, exhaustive_task, &e);
        print_message("srgb8_to_lab [%s]: %s colours, max |error| %.2e (bound 0.005)\n", k.name_srgb8_to_lab,
                      e.stride == 1 ? "all 2^24" : "every 17th red level of the", atomic_load(&e.worst_bits));
        assert_int_equal(atomic_load(&e.over), 0);
        assert_true(atomic_load(&e.worst_bits) < 0.005);
    }
    skinq_ctx_close(&ctx);
}

static void test_lab_anchors(void **state)
{
    (void)state;
    struct skinq_kernels k;
    skinq_kernels_init(&k, skinq_cpu_isa());
    /* white, black, and the sRGB primaries and secondaries' Lab (D65), as tabulated by
     * B. Lindbloom for this matrix and white */
    static const struct {
        uint8_t rgb[3];
        double lab[3];
    } anchors[] = {
        {{255, 255, 255}, {100, 0, 0}},        {{0, 0, 0}, {0, 0, 0}},
        {{255, 0, 0}, {53.2408, 80.0925, 67.2032}}, {{0, 255, 0}, {87.7347, -86.1827, 83.1793}},
        {{0, 0, 255}, {32.2970, 79.1875, -107.8602}}, {{255, 255, 0}, {97.1393, -21.5537, 94.4780}},
    };
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++) {
        float lab[3];
        k.srgb8_to_lab(anchors[i].rgb, lab, 1);
        for (int c = 0; c < 3; c++)
            assert_near(lab[c], anchors[i].lab[c], 0.005);
    }
    for (int v = 0; v < 256; v += 5) { /* greys are achromatic */
        uint8_t g[3] = {(uint8_t)v, (uint8_t)v, (uint8_t)v};
        float lab[3];
        k.srgb8_to_lab(g, lab, 1);
        assert_near(lab[1], 0, 0.002);
        assert_near(lab[2], 0, 0.002);
    }
}

static void test_lab_lengths_offsets(void **state)
{
    (void)state;
    static const size_t lengths[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 257, 1999};
    struct skinq_kernels ref, best;
    skinq_kernels_init(&ref, SKINQ_ISA_SCALAR);
    skinq_kernels_init(&best, skinq_cpu_isa());
    uint64_t s = tu_seed();
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++)
        for (int off = 0; off < 4; off++) {
            size_t n = lengths[li];
            uint8_t *src = malloc(3 * n + off + 1);
            float *a = malloc(sizeof(float) * (3 * n + 8)), *b = malloc(sizeof(float) * (3 * n + 8));
            for (size_t i = 0; i < 3 * n + off + 1; i++)
                src[i] = (uint8_t)tu_rand(&s);
            for (size_t i = 0; i < 3 * n + 8; i++)
                a[i] = b[i] = NAN; /* canary: nothing past 3n may change */
            ref.srgb8_to_lab(src + off, a, n);
            best.srgb8_to_lab(src + off, b, n);
            for (size_t i = 0; i < 3 * n; i++)
                assert_near(b[i], a[i], 1e-3);
            for (size_t i = 3 * n; i < 3 * n + 8; i++)
                assert_true(isnan(a[i]) && isnan(b[i]));
            free(src);
            free(a);
            free(b);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lab_anchors),
        cmocka_unit_test(test_lab_lengths_offsets),
        cmocka_unit_test(test_lab_exhaustive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
