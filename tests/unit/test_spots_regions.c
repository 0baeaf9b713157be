/* test_spots_regions.c -- the spots' connected components by runs (tex_spots_regions) against a
 * pixel flood fill written here, on random bit planes of every density, widths across word
 * boundaries, shapes that join only diagonally or only rows later (U, spiral), and a plane
 * larger than any run buffer's first size. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "texture/texture_int.h"

static int get(const uint64_t *b, size_t ww, int x, int y)
{
    return (int)(b[(size_t)y * ww + (size_t)x / 64] >> (x % 64) & 1);
}

static void put(uint64_t *b, size_t ww, int x, int y)
{
    b[(size_t)y * ww + (size_t)x / 64] |= 1ull << (x % 64);
}

/* The reference: 8-connected flood fill over a byte copy of the plane. */
static void flood_ref(const uint64_t *b, int w, int h, size_t ww, double min_area, uint64_t *spots,
                      uint64_t *area)
{
    uint8_t *f = malloc((size_t)w * h);
    int *stack = malloc(sizeof *stack * 2 * ((size_t)w * h + 1));
    assert_non_null(f);
    assert_non_null(stack);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            f[(size_t)y * w + x] = (uint8_t)get(b, ww, x, y);
    for (int y0 = 0; y0 < h; y0++)
        for (int x0 = 0; x0 < w; x0++) {
            if (!f[(size_t)y0 * w + x0])
                continue;
            size_t sp = 0, a = 0;
            f[(size_t)y0 * w + x0] = 0;
            stack[0] = x0, stack[1] = y0, sp = 1;
            while (sp) {
                sp--;
                const int x = stack[2 * sp], y = stack[2 * sp + 1];
                a++;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        const int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h || !f[(size_t)yy * w + xx])
                            continue;
                        f[(size_t)yy * w + xx] = 0;
                        stack[2 * sp] = xx, stack[2 * sp + 1] = yy, sp++;
                    }
            }
            if ((double)a >= min_area)
                (*spots)++, *area += a;
        }
    free(f);
    free(stack);
}

static void check(skinq_ctx *ctx, const uint64_t *b, int w, int h, size_t ww, double min_area,
                  const char *what)
{
    uint64_t s1 = 0, a1 = 0, s2 = 0, a2 = 0;
    assert_int_equal(tex_spots_regions(ctx, b, w, h, ww, min_area, &s1, &a1), SKINQ_OK);
    flood_ref(b, w, h, ww, min_area, &s2, &a2);
    if (s1 != s2 || a1 != a2)
        fail_msg("%s %dx%d min %g: %llu regions / %llu px, flood fill %llu / %llu", what, w, h, min_area,
                 (unsigned long long)s1, (unsigned long long)a1, (unsigned long long)s2,
                 (unsigned long long)a2);
}

static void test_random_planes(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    uint64_t rs = tu_seed();
    static const int sizes[][2] = {{1, 1}, {63, 5}, {64, 7}, {65, 9}, {130, 40}, {200, 150}, {1000, 300}};
    static const unsigned dens[] = {0, 16, 64, 128, 160, 200, 256}; /* of 256 */
    static const double mins[] = {1, 2, 5, 40};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (size_t di = 0; di < sizeof dens / sizeof dens[0]; di++) {
            const int w = sizes[si][0], h = sizes[si][1];
            const size_t ww = ((size_t)w + 63) / 64;
            uint64_t *b = calloc(ww * (size_t)h, sizeof *b);
            assert_non_null(b);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if ((tu_rand(&rs) & 255) < dens[di])
                        put(b, ww, x, y);
            for (size_t mi = 0; mi < sizeof mins / sizeof mins[0]; mi++)
                check(ctx, b, w, h, ww, mins[mi], "random");
            free(b);
        }
    skinq_ctx_close(&ctx);
}

/* Shapes whose runs meet late: a U (two arms joined rows below), a spiral, diagonal chains
 * (8- but not 4-connected), and single-pixel gaps that must keep regions apart. */
static void test_shapes(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    const int w = 300, h = 200;
    const size_t ww = ((size_t)w + 63) / 64;
    uint64_t *b = calloc(ww * (size_t)h, sizeof *b);
    assert_non_null(b);
    for (int y = 10; y < 60; y++) /* U: arms at x 10 and 70, joined at y 59 */
        put(b, ww, 10, y), put(b, ww, 70, y);
    for (int x = 10; x <= 70; x++)
        put(b, ww, x, 59);
    for (int i = 0; i < 50; i++) /* a diagonal, and an anti-diagonal crossing word boundaries */
        put(b, ww, 100 + i, 10 + i), put(b, ww, 250 - i, 10 + i);
    for (int x = 60; x < 200; x += 2) /* a dotted row: 70 regions of one pixel */
        put(b, ww, x, 120);
    int x = 150, y = 160, dx = 1, dy = 0, len = 2; /* a square spiral, 2 px between turns */
    for (int leg = 0; leg < 16; leg++, len += 2) {
        for (int k = 0; k < len; k++, x += dx, y += dy)
            if (x >= 0 && y >= 0 && x < w && y < h)
                put(b, ww, x, y);
        const int t = dx;
        dx = -dy, dy = t;
    }
    for (double m = 1; m <= 512; m *= 2)
        check(ctx, b, w, h, ww, m, "shapes");
    free(b);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_planes),
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
