/* check_color.c -- the colour kernels (lib/color/color_kernels.h) in the checkasm harness: the
 * fused rows of every level against the double reference over all 2^24 8-bit colours (L*a*b*
 * within 0.005, indices within their tolerances) and bit-exact against scalar, against scalar on
 * random rows with masks, clipped codes, every tail length and source offsets 0-3 with canaries
 * (moments within the stated float-block bound), known anchors; the colour histogram against a
 * direct count; the fixed-point rows bit-exact on edge values; and SKINQ_ISA=scalar replaying the
 * scalar body of a formerly target_clones function through the public path. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "checkasm.h"
#include "color/color_int.h"
#include "color/color_kernels.h"
#include "lab_ref.h"

/* ------------------------------------------------------------------ the fused pass */

/* Kernel parameters as color.c builds them for images of this depth. The 16-bit tables are
 * ctx's: it stays open while the parameters are used. */
static skinq_color_params fused_params(skinq_ctx *ctx, int depth, const double gains[3])
{
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, 1, 1, 3, depth, &img), SKINQ_OK);
    skinq_color_params p;
    assert_int_equal(skinq_color_params_init(ctx, &p, img, gains), SKINQ_OK);
    skinq_image_free(&img);
    return p;
}

struct fused_exhaustive {
    const struct skinq_color_dsp *k[2];
    int levels, stride;
    skinq_color_params p;
    _Atomic double worst_lab, worst_index; /* |L*a*b* − ref|, max index error vs the double formulas */
    atomic_long over, mismatch;            /* colours out of bound; ISA values differing from scalar */
    atomic_long edge, in_model; /* in/out of the skin model differing at a cell edge; colours in it */
};

/* The skin table's lookup (color_kernels.h) in double for an 8-bit colour: melanin, blood into
 * x (NaN out of the model); returns 1 when u or v lies within 1e-3 cell of a cell edge, where
 * float and double may pick different cells (harmless inside the model: bilinear is continuous
 * there; next to a NaN node it decides in or out). */
static int ref_skin_lookup(const skinq_skin_table *t, const uint8_t *c, double x[2])
{
    double lin[3], od[3];
    for (int k = 0; k < 3; k++) {
        lin[k] = ref_srgb8_linear(c[k]);
        od[k] = -log10(c[k] ? lin[k] : ref_srgb8_linear(0) + 0.5 / 255 / 12.92);
    }
    double fx = ((od[1] - od[0]) - t->u0) * t->su, fy = ((od[1] - od[2]) - t->v0) * t->sv;
    const double xmax = SKINQ_SKIN_TAB_XMAX;
    fx = fx < 0 ? 0 : fx > xmax ? xmax : fx;
    fy = fy < 0 ? 0 : fy > xmax ? xmax : fy;
    int xi = (int)fx, yi = (int)fy;
    double ax = fx - xi, ay = fy - yi, v[3];
    v[2] = t->tab[yi][xi][2];
    for (int k = 0; k < 2; k++) {
        const float *q = &t->tab[yi][xi][k];
        const int row = 3 * SKINQ_SKIN_TAB_N;
        v[k] = (q[0] * (1 - ax) + q[3] * ax) * (1 - ay) + (q[row] * (1 - ax) + q[row + 3] * ax) * ay;
    }
    double shading = lin[1] / v[2];
    int out = lin[0] < SKINQ_SKIN_DARK || lin[1] < SKINQ_SKIN_DARK || lin[2] < SKINQ_SKIN_DARK ||
              !(shading >= SKINQ_SKIN_SHADING_MIN && shading <= SKINQ_SKIN_SHADING_MAX);
    x[0] = out ? NAN : v[0];
    x[1] = out ? NAN : v[1];
    /* near a shading bound float and double may decide differently too */
    if (fabs(shading / SKINQ_SKIN_SHADING_MIN - 1) < 1e-5 ||
        fabs(shading / SKINQ_SKIN_SHADING_MAX - 1) < 1e-5)
        return 1;
    return fmin(ax, 1 - ax) < 1e-3 || fmin(ay, 1 - ay) < 1e-3;
}

static void fused_task(void *user, int task, int thread)
{
    (void)thread;
    struct fused_exhaustive *e = user;
    if (task % e->stride)
        return;
    static _Thread_local uint8_t rgb[65536 * 3];
    static _Thread_local float v[3][SKINQ_CM_COUNT][65536];
    for (int i = 0; i < 65536; i++) {
        rgb[3 * i] = (uint8_t)task;
        rgb[3 * i + 1] = (uint8_t)(i >> 8);
        rgb[3 * i + 2] = (uint8_t)i;
    }
    for (int l = 0; l < e->levels; l++) {
        float *out[SKINQ_CM_COUNT];
        for (int m = 0; m < SKINQ_CM_COUNT; m++)
            out[m] = v[l][m];
        e->k[l]->color_row8(&e->p, rgb, NULL, 65536, NULL, out);
    }
    double wl = 0, wi = 0;
    long over = 0, mismatch = 0, e_edge = 0, e_in = 0;
    for (int i = 0; i < 65536; i++) {
        const uint8_t *c = rgb + 3 * i;
        double ref[3];
        ref_srgb8_to_lab(c[0], c[1], c[2], ref);
        for (int m = 0; m < 3; m++) {
            double d = fabs(v[0][m][i] - ref[m]);
            wl = d > wl ? d : wl;
            over += d > 0.005;
        }
        for (int l = 1; l < e->levels; l++) /* every ISA: the same float operations as scalar */
            for (int m = 0; m < SKINQ_CM_COUNT; m++)
                mismatch += memcmp(&v[l][m][i], &v[0][m][i], sizeof(float)) != 0;
        if (!c[0] || !c[1] || !c[2])
            continue; /* no optical density at linear 0 (such pixels are clipped) */
        double od[3] = {-log10(ref_srgb8_linear(c[0])), -log10(ref_srgb8_linear(c[1])),
                        -log10(ref_srgb8_linear(c[2]))};
        /* the skin model's table lookup in double (skinq_skin_table's recipe) */
        double x[2];
        int edge = ref_skin_lookup(e->p.skin, c, x);
        double want[5] = {100 * (od[1] - od[0]), 100 * od[0], x[1], x[0],
                          atan2(v[0][SKINQ_CM_L][i] - 50.0, v[0][SKINQ_CM_B][i]) * 180 /
                              3.14159265358979323846};
        double tol[5] = {2e-4, 2e-4, 2e-5, 2e-5, 1e-4}; /* index units; volume fractions; degrees */
        static const int idx[5] = {SKINQ_CM_EI, SKINQ_CM_MI, SKINQ_CM_HB, SKINQ_CM_MEL, SKINQ_CM_ITA};
        for (int j = 0; j < 5; j++) {
            float got = v[0][idx[j]][i];
            if (j == 2 || j == 3) { /* in or out of the model alike, unless float and double fall on */
                if (isnan(got) != isnan(want[j])) { /* the two sides of a cell edge next to a NaN node */
                    e_edge += edge, over += !edge;
                    continue;
                }
                if (isnan(got))
                    continue;
                e_in++;
            }
            double d = fabs(got - want[j]);
            if (j == 4 && fabs(v[0][SKINQ_CM_L][i] - 50) + fabs(v[0][SKINQ_CM_B][i]) < 1e-3)
                continue; /* atan2 at its singular point */
            wi = d / tol[j] > wi ? d / tol[j] : wi;
            over += d > tol[j];
        }
    }
    double cur = atomic_load(&e->worst_lab);
    while (wl > cur && !atomic_compare_exchange_weak(&e->worst_lab, &cur, wl)) {
    }
    cur = atomic_load(&e->worst_index);
    while (wi > cur && !atomic_compare_exchange_weak(&e->worst_index, &cur, wi)) {
    }
    atomic_fetch_add(&e->over, over);
    atomic_fetch_add(&e->mismatch, mismatch);
    atomic_fetch_add(&e->edge, e_edge);
    atomic_fetch_add(&e->in_model, e_in);
}

/* All 2^24 colours through the fused row kernel of every level: L*a*b* within 0.005 of the
 * double reference, indices within their tolerances of the double formulas, and every SIMD
 * level bit-identical to scalar on all eight metrics (stronger than the 1e-4 asked). */
static void fused_exhaustive(const checkasm_case *c)
{
    skinq_ctx *ctx = tu_ctx();
    static struct fused_exhaustive e;
    memset(&e, 0, sizeof e);
    e.levels = checkasm_levels(c, (const void **)e.k);
    e.stride = checkasm_quick() ? 17 : 1;
    e.p = fused_params(ctx, 8, NULL);
    skinq_parallel_for(ctx, 256, fused_task, &e);
    print_message(
        "color_row8 [%s]: %s colours, max |Lab error| %.2e (bound 0.005), worst index error %.2f of its "
        "tolerance, %ld SIMD values differing from scalar; %ld in the skin model, %ld in/out decided at a "
        "cell edge\n",
        c->isa_name, e.stride == 1 ? "all 2^24" : "every 17th red level of the", atomic_load(&e.worst_lab),
        atomic_load(&e.worst_index), (long)atomic_load(&e.mismatch), (long)atomic_load(&e.in_model),
        (long)atomic_load(&e.edge));
    assert_true(atomic_load(&e.in_model) > 0);
    assert_int_equal(atomic_load(&e.over), 0);
    assert_int_equal(atomic_load(&e.mismatch), 0);
    skinq_ctx_close(&ctx);
}

/* Accumulation on random rows with masks, clipped codes and every tail length: counts and
 * histograms identical to scalar, moments within 1e-6 relative, outputs unchanged past n; the
 * shortcut for L* and the melanin index equal to the full pass. */
static void fused_random(const checkasm_case *c, int depth)
{
    skinq_ctx *ctx = tu_ctx();
    const struct skinq_color_dsp *k[2];
    const int levels = checkasm_levels(c, (const void **)k);
    const double gains[3] = {1.1, 0.95, 1.3};
    skinq_color_params p = fused_params(ctx, depth, gains);
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        p.shift[m] = (float)(m * 3.5);
    uint64_t s = checkasm_seed(c) + (uint64_t)depth;
    static const size_t lengths[] = {0,  1,  2,  3,  4,   5,   7,   8,    9,   15,
                                     16, 17, 31, 33, 255, 256, 257, 1001, 4099};
    const size_t hsize = (size_t)SKINQ_CM_COUNT * SKINQ_CHIST_STRIDE;
    uint32_t *h[3];
    for (int l = 0; l < 3; l++)
        h[l] = calloc(hsize, sizeof(uint32_t));
    const unsigned maxcode = depth == 16 ? 65535 : 255;
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        size_t n = lengths[li];
        uint16_t *px16 = malloc(sizeof(uint16_t) * (3 * n + 1));
        uint8_t *px8 = malloc(3 * n + 1), *mask = malloc(n + 1);
        for (size_t i = 0; i < 3 * n; i++) {
            uint64_t r = tu_rand(&s);
            unsigned v = (unsigned)(r % (maxcode + 1));
            if ((r >> 32) % 23 == 0)
                v = (r >> 40) & 1 ? maxcode : 0; /* clipped channels */
            px16[i] = (uint16_t)v;
            px8[i] = (uint8_t)(depth == 16 ? 0 : v);
        }
        for (size_t i = 0; i < n; i++)
            mask[i] = (uint8_t)(tu_rand(&s) % 4 ? 1 + tu_rand(&s) % 255 : 0);
        skinq_color_acc acc[3];
        float *rows[3][SKINQ_CM_COUNT];
        for (int l = 0; l < levels; l++) {
            memset(&acc[l], 0, sizeof acc[l]);
            memset(h[l], 0, hsize * sizeof(uint32_t));
            acc[l].hist = h[l];
            for (int m = 0; m < SKINQ_CM_COUNT; m++) {
                rows[l][m] = malloc(sizeof(float) * (n + 8));
                for (size_t i = 0; i < n + 8; i++)
                    rows[l][m][i] = NAN;
            }
            const uint8_t *mk = li % 3 == 0 ? NULL : mask; /* NULL: every pixel inside */
            if (depth == 16)
                k[l]->color_row16(&p, px16, mk, n, &acc[l], rows[l]);
            else
                k[l]->color_row8(&p, px8, mk, n, &acc[l], rows[l]);
        }
        for (int l = 1; l < levels; l++) {
            assert_int_equal(acc[l].n, acc[0].n);
            assert_int_equal(acc[l].n_model, acc[0].n_model);
            assert_int_equal(acc[l].clipped, acc[0].clipped);
            assert_int_equal(acc[l].inside, acc[0].inside);
            for (int m = 0; m < SKINQ_CM_COUNT; m++) /* bin BINS is the kernels' dump bin: never read */
                assert_memory_equal(h[l] + (size_t)m * SKINQ_CHIST_STRIDE,
                                    h[0] + (size_t)m * SKINQ_CHIST_STRIDE,
                                    SKINQ_CHIST_BINS * sizeof(uint32_t));
            for (int m = 0; m < SKINQ_CM_COUNT; m++) {
                /* SIMD lanes add at most SKINQ_COLOR_BLOCK floats before a double add: the error
                 * bound of sequential float summation, (k + 1)·2^-24·Σ|term|, k = BLOCK */
                double abs1 = 0, abs2 = 0;
                for (size_t i = 0; i < n; i++) {
                    int in = li % 3 == 0 ? 1 : mask[i] != 0, clip = 0;
                    for (int ch = 0; ch < 3; ch++) {
                        unsigned v = depth == 16 ? px16[3 * i + ch] : px8[3 * i + ch];
                        clip |= v == 0 || v == maxcode;
                    }
                    double d = in && !clip && !isnan(rows[0][m][i]) ? rows[0][m][i] - p.shift[m] : 0;
                    abs1 += fabs(d);
                    abs2 += d * d;
                }
                const double u = (SKINQ_COLOR_BLOCK + 1) * 0x1p-24;
                assert_near(acc[l].sum[m], acc[0].sum[m], u * abs1 + 1e-12);
                assert_near(acc[l].sumsq[m], acc[0].sumsq[m], u * abs2 + 1e-12);
                assert_memory_equal(rows[l][m], rows[0][m], n * sizeof(float));
                for (size_t i = n; i < n + 8; i++)
                    assert_true(isnan(rows[l][m][i]));
            }
        }
        /* the shortcut for L* and the melanin index (texture planes: no accumulation, only those rows)
         * writes the same bits as the full pass, on every level, and nothing past n */
        for (int l = 0; l < levels; l++) {
            float *two[SKINQ_CM_COUNT] = {0};
            two[SKINQ_CM_L] = malloc(sizeof(float) * (n + 8));
            two[SKINQ_CM_MI] = malloc(sizeof(float) * (n + 8));
            for (size_t i = 0; i < n + 8; i++)
                two[SKINQ_CM_L][i] = two[SKINQ_CM_MI][i] = NAN;
            if (depth == 16)
                k[l]->color_row16(&p, px16, mask, n, NULL, two);
            else
                k[l]->color_row8(&p, px8, mask, n, NULL, two);
            assert_memory_equal(two[SKINQ_CM_L], rows[0][SKINQ_CM_L], n * sizeof(float));
            assert_memory_equal(two[SKINQ_CM_MI], rows[0][SKINQ_CM_MI], n * sizeof(float));
            for (size_t i = n; i < n + 8; i++)
                assert_true(isnan(two[SKINQ_CM_L][i]) && isnan(two[SKINQ_CM_MI][i]));
            free(two[SKINQ_CM_L]);
            free(two[SKINQ_CM_MI]);
        }
        /* the scalar counts themselves, recounted here */
        uint64_t inside = 0, clipped = 0;
        for (size_t i = 0; i < n; i++) {
            int in = li % 3 == 0 ? 1 : mask[i] != 0;
            const uint16_t *c = px16 + 3 * i;
            const uint8_t *c8 = px8 + 3 * i;
            int clip = 0;
            for (int ch = 0; ch < 3; ch++) {
                unsigned v = depth == 16 ? c[ch] : c8[ch];
                clip |= v == 0 || v == maxcode;
            }
            inside += (uint64_t)in;
            clipped += (uint64_t)(in && clip);
        }
        assert_int_equal(acc[0].inside, inside);
        assert_int_equal(acc[0].clipped, clipped);
        assert_int_equal(acc[0].n, inside - clipped);
        for (int l = 0; l < levels; l++)
            for (int m = 0; m < SKINQ_CM_COUNT; m++)
                free(rows[l][m]);
        free(px16);
        free(px8);
        free(mask);
    }
    for (int l = 0; l < 3; l++)
        free(h[l]);
    skinq_ctx_close(&ctx);
}

/* Edge values through the kernels: NaN-free outputs for every code 0..255 combination at the
 * extremes, white (100, 0, 0) and black (0, 0, 0) exactly enough, greys achromatic. */
static void fused_anchors(const checkasm_case *c)
{
    skinq_ctx *ctx = tu_ctx();
    const struct skinq_color_dsp *k[2];
    const int levels = checkasm_levels(c, (const void **)k);
    skinq_color_params p = fused_params(ctx, 8, NULL);
    static const struct {
        uint8_t rgb[3];
        double lab[3];
    } anchors[] = {
        {{255, 255, 255}, {100, 0, 0}},
        {{0, 0, 0}, {0, 0, 0}},
        {{255, 0, 0}, {53.2408, 80.0925, 67.2032}},
        {{0, 255, 0}, {87.7347, -86.1827, 83.1793}},
        {{0, 0, 255}, {32.2970, 79.1875, -107.8602}},
        {{255, 255, 0}, {97.1393, -21.5537, 94.4780}},
    };
    for (int l = 0; l < levels; l++)
        for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++) {
            float v[SKINQ_CM_COUNT][1];
            float *out[SKINQ_CM_COUNT];
            for (int m = 0; m < SKINQ_CM_COUNT; m++)
                out[m] = v[m];
            k[l]->color_row8(&p, anchors[i].rgb, NULL, 1, NULL, out);
            for (int c = 0; c < 3; c++)
                assert_near(v[c][0], anchors[i].lab[c], 0.005);
            for (int m = 0; m < SKINQ_CM_COUNT; m++) /* no skin has these colours */
                assert_true(skinq_cm_model(m) ? isnan(v[m][0]) : isfinite(v[m][0]));
        }
    for (int l = 0; l < levels; l++)
        for (int g = 1; g < 255; g += 5) { /* greys are achromatic (0 and 255 are above) */
            const uint8_t rgb[3] = {(uint8_t)g, (uint8_t)g, (uint8_t)g};
            float v[SKINQ_CM_COUNT][1];
            float *out[SKINQ_CM_COUNT];
            for (int m = 0; m < SKINQ_CM_COUNT; m++)
                out[m] = v[m];
            k[l]->color_row8(&p, rgb, NULL, 1, NULL, out);
            assert_near(v[SKINQ_CM_A][0], 0, 0.002);
            assert_near(v[SKINQ_CM_B][0], 0, 0.002);
        }
    skinq_ctx_close(&ctx);
}

/* color_hist8: every level's counts equal a direct count, on random rows with masks, runs of
 * equal colours and every tail length; nothing outside the counted colours' rows is flagged. */
static void check_hist8(const checkasm_case *c)
{
    const struct skinq_color_dsp *k[2];
    const int levels = checkasm_levels(c, (const void **)k);
    uint32_t *h = calloc(SKINQ_HIST8_SIZE, sizeof(uint32_t));
    uint8_t *rows = calloc(SKINQ_HIST8_ROWS, 1);
    uint64_t s = checkasm_seed(c);
    static const size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 100, 1023, 4099};
    for (int l = 0; l < levels; l++)
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
            size_t n = lengths[li];
            uint8_t *px = malloc(3 * n + 1), *mask = malloc(n + 1);
            for (size_t i = 0; i < n; i++) {
                if (i && tu_rand(&s) % 3 == 0) { /* runs of the previous colour */
                    memcpy(px + 3 * i, px + 3 * (i - 1), 3);
                } else {
                    uint64_t r = tu_rand(&s);
                    px[3 * i] = (uint8_t)(r % 7 == 0 ? 255 : 200 + r % 8); /* few colours, some clipped */
                    px[3 * i + 1] = (uint8_t)(120 + (r >> 8) % 4);
                    px[3 * i + 2] = (uint8_t)((r >> 16) % 5 == 0 ? 0 : 100 + (r >> 20) % 4);
                }
                mask[i] = (uint8_t)(tu_rand(&s) % 5 ? 1 : 0);
            }
            const uint8_t *mk = li % 2 ? mask : NULL;
            k[l]->color_hist8(px, mk, n, h, rows);
            uint64_t total = 0;
            for (size_t i = 0; i < n; i++) {
                uint32_t idx = (uint32_t)px[3 * i] << 16 | (uint32_t)px[3 * i + 1] << 8 | px[3 * i + 2];
                if (mk && !mk[i])
                    continue;
                assert_true(rows[idx >> 8]);
                total++;
            }
            /* read the counts back the way colorhist.c does: only flagged rows */
            uint64_t counted = 0;
            for (uint32_t row = 0; row < (1u << 16); row++) {
                if (!rows[row])
                    continue;
                for (uint32_t b = 0; b < 256; b++) {
                    uint32_t idx = row << 8 | b, want = 0;
                    for (size_t i = 0; i < n; i++)
                        want += (!mk || mk[i]) && ((uint32_t)px[3 * i] << 16 | (uint32_t)px[3 * i + 1] << 8 |
                                                   px[3 * i + 2]) == idx;
                    assert_int_equal(h[idx], want);
                    counted += h[idx];
                    h[idx] = 0;
                }
                rows[row] = 0;
            }
            assert_int_equal(counted, total);
            h[SKINQ_HIST8_DUMP] = 0;
            rows[SKINQ_HIST8_ROWS - 1] = 0;
            free(px);
            free(mask);
        }
    free(h);
    free(rows);
}

/* Every output row of the tested level against scalar at the harness's lengths, sources offset by
 * 0-3 bytes (exact-size buffers: ASan sees over-reads), edge codes mixed in, canaries after n. */
static void row8_offsets(const checkasm_case *c)
{
    skinq_ctx *ctx = tu_ctx();
    const struct skinq_color_dsp *r = c->ref, *t = c->tab;
    skinq_color_params p = fused_params(ctx, 8, NULL);
    uint64_t s = checkasm_seed(c);
    for (int li = 0; li < checkasm_nlengths; li++)
        for (int off = 0; off < 4; off++) {
            const size_t n = (size_t)checkasm_lengths[li];
            uint8_t *buf = malloc(3 * n + (size_t)off + 1), *src = buf + off;
            for (size_t i = 0; i < 3 * n; i++) {
                const uint64_t v = tu_rand(&s);
                src[i] = (uint8_t)(v % 11 == 0 ? 0 : v % 13 == 0 ? 255 : v % 7 == 0 ? (i & 1) * 255 : v >> 8);
            }
            float *a[SKINQ_CM_COUNT], *b[SKINQ_CM_COUNT];
            for (int m = 0; m < SKINQ_CM_COUNT; m++) {
                a[m] = checkasm_canary_f32(n);
                b[m] = checkasm_canary_f32(n);
            }
            r->color_row8(&p, src, NULL, n, NULL, a);
            t->color_row8(&p, src, NULL, n, NULL, b);
            for (int m = 0; m < SKINQ_CM_COUNT; m++) {
                checkasm_compare_f32(a[m], b[m], n, 0, "color_row8 metric");
                checkasm_guard_f32(b[m], n, "color_row8");
                free(a[m]);
                free(b[m]);
            }
            free(buf);
        }
    skinq_ctx_close(&ctx);
}

static void check_row8(const checkasm_case *c)
{
    skinq_ctx *ctx = tu_ctx();
    fused_anchors(c);
    fused_random(c, 8);
    row8_offsets(c);
    fused_exhaustive(c);
    const struct skinq_color_dsp *t = c->tab;
    skinq_color_params p = fused_params(ctx, 8, NULL);
    enum { N = 4096 };
    static uint8_t rgb[3 * N];
    static float v[SKINQ_CM_COUNT][N];
    float *out[SKINQ_CM_COUNT];
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        out[m] = v[m];
    for (int i = 0; i < 3 * N; i++)
        rgb[i] = (uint8_t)(i * 37 + 11);
    CHECKASM_BENCH(c, N, t->color_row8(&p, rgb, NULL, N, NULL, out));
    skinq_ctx_close(&ctx);
}

static void check_row16(const checkasm_case *c)
{
    skinq_ctx *ctx = tu_ctx();
    fused_random(c, 16);
    const struct skinq_color_dsp *t = c->tab;
    skinq_color_params p = fused_params(ctx, 16, NULL);
    enum { N = 4096 };
    static uint16_t rgb[3 * N];
    static float v[SKINQ_CM_COUNT][N];
    float *out[SKINQ_CM_COUNT];
    for (int m = 0; m < SKINQ_CM_COUNT; m++)
        out[m] = v[m];
    for (int i = 0; i < 3 * N; i++)
        rgb[i] = (uint16_t)(i * 9377 + 11);
    CHECKASM_BENCH(c, N, t->color_row16(&p, rgb, NULL, N, NULL, out));
    skinq_ctx_close(&ctx);
}

static void check_hist8_all(const checkasm_case *c)
{
    check_hist8(c);
    const struct skinq_color_dsp *t = c->tab;
    enum { N = 4096 };
    static uint8_t rgb[3 * N];
    for (int i = 0; i < 3 * N; i++)
        rgb[i] = (uint8_t)(180 + (i * 7) % 9);
    uint32_t *h = calloc(SKINQ_HIST8_SIZE, sizeof *h);
    uint8_t *rows = calloc(SKINQ_HIST8_ROWS, 1);
    CHECKASM_BENCH(c, N, t->color_hist8(rgb, NULL, N, h, rows));
    free(h);
    free(rows);
}

/* Edge values of L* and of the melanin index for the fixed-point rows: NaN, ±inf, ±0, denormals,
 * the largest finite, both ends of the fixed range and just past them, halves (rounding), and
 * random values across the range. */
static float fixed_value(uint64_t r, int mel)
{
    static const float edges[] = {NAN,
                                  INFINITY,
                                  -INFINITY,
                                  0.0f,
                                  -0.0f,
                                  1e-40f,
                                  -1e-40f,
                                  3.4028235e38f,
                                  -3.4028235e38f,
                                  100.0f,
                                  101.0f,
                                  -1.0f,
                                  0.5f,
                                  -0.5f,
                                  1.5f,
                                  2.5f,
                                  65535.0f / SKINQ_L16_SCALE,
                                  32767.0f / SKINQ_MEL16_SCALE,
                                  -32767.0f / SKINQ_MEL16_SCALE,
                                  40.0f,
                                  -40.0f};
    const size_t ne = sizeof edges / sizeof edges[0];
    if (r % 3 == 0)
        return edges[(r >> 8) % ne];
    const double u = (double)(r >> 11) * 0x1p-53;
    return mel ? (float)(u * 700 - 350) : (float)(u * 130 - 10);
}

/* SKINQ_ISA=scalar must select the scalar bodies of the functions that were target_clones: the
 * table of mask 0 holds the _scalar function, a context opened under SKINQ_ISA=scalar gets that
 * table, and its public 16-bit plane path (color_row16, then color_to_fixed) gives the bits of
 * the scalar kernels called directly. */
static void scalar_replay(void)
{
    assert_ptr_equal(skinq_color_dsp(SKINQ_ISA_SCALAR)->color_to_fixed, skinq_color_to_fixed_scalar);
    assert_ptr_equal(skinq_color_dsp(SKINQ_ISA_SCALAR)->color_fixed8_L, skinq_color_fixed8_L_scalar);
    const char *old = getenv("SKINQ_ISA");
    char *keep = old ? strdup(old) : NULL;
    setenv("SKINQ_ISA", "scalar", 1);
    skinq_ctx *ctx = tu_ctx();
    if (keep)
        setenv("SKINQ_ISA", keep, 1);
    else
        unsetenv("SKINQ_ISA");
    free(keep);
    assert_int_equal(skinq_ctx_isa(ctx), SKINQ_ISA_SCALAR);
    enum { W = 77, H = 3 };
    skinq_image *img = tu_pattern_image(ctx, W, H, 3, 16);
    skinq_color_params p;
    assert_int_equal(skinq_color_params_init(ctx, &p, img, NULL), SKINQ_OK);
    assert_ptr_equal(p.dsp->color_to_fixed, skinq_color_to_fixed_scalar);
    uint16_t L16[W * H], want_L[W];
    int16_t mel16[W * H], want_mel[W];
    assert_int_equal(skinq_color_planes16(ctx, img, NULL, L16, mel16, W), SKINQ_OK);
    for (int y = 0; y < H; y++) {
        float v[SKINQ_CM_COUNT][W];
        float *out[SKINQ_CM_COUNT];
        for (int m = 0; m < SKINQ_CM_COUNT; m++)
            out[m] = v[m];
        skinq_color_row16_scalar(&p, (const uint16_t *)(const void *)skinq_image_row(img, y), NULL, W, NULL,
                                 out);
        skinq_color_to_fixed_scalar(v[SKINQ_CM_L], v[SKINQ_CM_MI], want_L, want_mel, W);
        assert_memory_equal(L16 + y * W, want_L, sizeof want_L);
        assert_memory_equal(mel16 + y * W, want_mel, sizeof want_mel);
    }
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static void check_to_fixed(const checkasm_case *c)
{
    const struct skinq_color_dsp *r = c->ref, *t = c->tab;
    if (checkasm_is_ref(c))
        scalar_replay();
    uint64_t s = checkasm_seed(c);
    for (int li = 0; li < checkasm_nlengths; li++)
        for (int off = 0; off < 4; off++) {
            const int n = checkasm_lengths[li];
            float *L = malloc(sizeof(float) * ((size_t)n + 4)),
                  *mel = malloc(sizeof(float) * ((size_t)n + 4));
            for (int i = 0; i < n + 4; i++) {
                L[i] = fixed_value(tu_rand(&s), 0);
                mel[i] = fixed_value(tu_rand(&s), 1);
            }
            uint8_t *a = checkasm_canary_u8(4 * (size_t)n), *b = checkasm_canary_u8(4 * (size_t)n);
            uint8_t *a2 = checkasm_canary_u8(2 * (size_t)n), *b2 = checkasm_canary_u8(2 * (size_t)n);
            /* both rows, then L* alone (mel16 NULL) */
            r->color_to_fixed(L + off, mel + off, (uint16_t *)(void *)a, (int16_t *)(void *)(a + 2 * n), n);
            t->color_to_fixed(L + off, mel + off, (uint16_t *)(void *)b, (int16_t *)(void *)(b + 2 * n), n);
            r->color_to_fixed(L + off, mel + off, (uint16_t *)(void *)a2, NULL, n);
            t->color_to_fixed(L + off, mel + off, (uint16_t *)(void *)b2, NULL, n);
            assert_memory_equal(a, b, 4 * (size_t)n);
            assert_memory_equal(a2, b2, 2 * (size_t)n);
            checkasm_guard_u8(b, 4 * (size_t)n, "color_to_fixed");
            checkasm_guard_u8(b2, 2 * (size_t)n, "color_to_fixed");
            free(L), free(mel), free(a), free(b), free(a2), free(b2);
        }
    enum { N = 4096 };
    static float L[N], mel[N];
    static uint16_t L16[N];
    static int16_t mel16[N];
    for (int i = 0; i < N; i++)
        L[i] = fixed_value((uint64_t)i * 7 + 1, 0), mel[i] = fixed_value((uint64_t)i * 5 + 1, 1);
    CHECKASM_BENCH(c, N, t->color_to_fixed(L, mel, L16, mel16, N));
}

static void check_fixed8_L(const checkasm_case *c)
{
    const struct skinq_color_dsp *r = c->ref, *t = c->tab;
    uint64_t s = checkasm_seed(c);
    for (int li = 0; li < checkasm_nlengths; li++)
        for (int off = 0; off < 4; off++) {
            const int n = checkasm_lengths[li];
            float *Y = malloc(sizeof(float) * ((size_t)n + 4));
            for (int i = 0; i < n + 4; i++) { /* Y/Yn: 0 .. ~1.1, the toe, edge values */
                const uint64_t v = tu_rand(&s);
                Y[i] = v % 5 == 0 ? fixed_value(v >> 3, 0) : (float)((double)(v >> 11) * 0x1p-53 * 1.1);
            }
            uint8_t *a = checkasm_canary_u8(2 * (size_t)n), *b = checkasm_canary_u8(2 * (size_t)n);
            r->color_fixed8_L(Y + off, (uint16_t *)(void *)a, n);
            t->color_fixed8_L(Y + off, (uint16_t *)(void *)b, n);
            assert_memory_equal(a, b, 2 * (size_t)n);
            checkasm_guard_u8(b, 2 * (size_t)n, "color_fixed8_L");
            free(Y), free(a), free(b);
        }
    enum { N = 4096 };
    static float Y[N];
    static uint16_t L16[N];
    for (int i = 0; i < N; i++)
        Y[i] = (float)i / N;
    CHECKASM_BENCH(c, N, t->color_fixed8_L(Y, L16, N));
}

const checkasm_check checkasm_color[] = {
    {"color_row8", check_row8},         {"color_row16", check_row16},       {"color_hist8", check_hist8_all},
    {"color_to_fixed", check_to_fixed}, {"color_fixed8_L", check_fixed8_L}, {NULL, NULL},
};
