/* test_core.c -- status strings, rectangles, SHA-256 vectors, the thread pool, ISA parsing,
 * allocation-failure injection, options that grow, the metrics list and the colour maps. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "render/render.h"
#include "test_util.h"

static void test_status_strings(void **state)
{
    (void)state;
    for (int s = 0; s < SKINQ_STATUS_COUNT; s++) {
        const char *str = skinq_status_str((skinq_status)s);
        assert_non_null(str);
        assert_true(strlen(str) > 1);
        assert_string_not_equal(str, "unknown status");
    }
    assert_string_equal(skinq_status_str(SKINQ_OK), "ok");
    assert_string_equal(skinq_status_str((skinq_status)999), "unknown status");
    assert_string_equal(skinq_status_str((skinq_status)-1), "unknown status");
}

static void test_rect_parse(void **state)
{
    (void)state;
    skinq_rect r = {-1, -1, -1, -1};
    assert_int_equal(skinq_rect_parse("10,20,30,40", &r), 0);
    assert_int_equal(r.x, 10);
    assert_int_equal(r.y, 20);
    assert_int_equal(r.w, 30);
    assert_int_equal(r.h, 40);
    const char *bad[] = {"",        "1,2,3",    "1,2,3,4,5", "a,b,c,d",  "1,2,0,4",
                         "1,2,3,0", "-1,2,3,4", "1, 2,3,4",  "1,2,3,4x", NULL};
    for (int i = 0; bad[i]; i++) {
        skinq_rect keep = {7, 7, 7, 7};
        assert_int_equal(skinq_rect_parse(bad[i], &keep), -1);
        assert_int_equal(keep.x, 7); /* unchanged on error */
    }
    assert_int_equal(skinq_rect_parse(NULL, &r), -1);
    skinq_rect c = skinq_rect_clip((skinq_rect){90, 10, 30, 200}, 100, 50);
    assert_int_equal(c.x, 90);
    assert_int_equal(c.w, 10);
    assert_int_equal(c.h, 40);
    c = skinq_rect_clip((skinq_rect){200, 0, 10, 10}, 100, 50);
    assert_int_equal(c.w, 0);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    /* FIPS 180-4 examples */
    skinq_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    skinq_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    skinq_sha256_hex(m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a' through the file path (crosses the 64 KiB read buffer) */
    char *big = malloc(1000000);
    memset(big, 'a', 1000000);
    char path[512];
    tu_path(path, sizeof path, "million-a.bin");
    assert_int_equal(tu_write_bytes(path, big, 1000000), 0);
    free(big);
    skinq_ctx *ctx = tu_ctx();
    assert_int_equal(skinq_file_sha256(ctx, path, hex), SKINQ_OK);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    tu_path(path, sizeof path, "does-not-exist.bin");
    assert_int_equal(skinq_file_sha256(ctx, path, hex), SKINQ_E_IO);
    assert_non_null(strstr(skinq_ctx_error(ctx), "does-not-exist.bin"));
    skinq_ctx_close(&ctx);
    assert_null(ctx);
    skinq_ctx_close(&ctx); /* NULL-safe */
}

struct pool_job {
    atomic_int hits[1000];
    atomic_int bad_thread;
    int threads;
};

static void pool_task(void *user, int task, int thread)
{
    struct pool_job *j = user;
    atomic_fetch_add(&j->hits[task], 1);
    if (thread < 0 || thread >= j->threads)
        atomic_store(&j->bad_thread, 1);
}

static void test_pool(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        skinq_settings s;
        skinq_ctx_default_settings(&s);
        s.threads = threads;
        skinq_ctx *ctx = NULL;
        assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
        assert_int_equal(skinq_ctx_threads(ctx), threads);
        for (int round = 0; round < 50; round++) { /* reuse the pool many times */
            static struct pool_job job;
            memset(&job, 0, sizeof job);
            job.threads = threads;
            int n = 1 + (round * 37) % 1000;
            skinq_parallel_for(ctx, n, pool_task, &job);
            for (int t = 0; t < 1000; t++)
                assert_int_equal(atomic_load(&job.hits[t]), t < n ? 1 : 0);
            assert_int_equal(atomic_load(&job.bad_thread), 0);
        }
        skinq_parallel_for(ctx, 0, pool_task, NULL); /* no tasks: no call */
        skinq_ctx_close(&ctx);
    }
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = -1;
    skinq_ctx *ctx = NULL;
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_E_INVALID);
    assert_null(ctx);
}

static void test_isa(void **state)
{
    (void)state;
    unsigned m = 12345;
    assert_int_equal(skinq_isa_parse("scalar", &m), 0);
    assert_int_equal(m, SKINQ_ISA_SCALAR);
    assert_int_equal(skinq_isa_parse("sse41", &m), 0);
    assert_int_equal(m, SKINQ_ISA_SSE41);
    assert_int_equal(skinq_isa_parse("avx2", &m), 0);
    assert_int_equal(m, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2);
    assert_int_equal(skinq_isa_parse("avx9", &m), -1);
    assert_int_equal(m, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2);
    assert_int_equal(skinq_isa_parse("avx512", &m), 0);
    assert_int_equal(m, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2 | SKINQ_ISA_AVX512);
    assert_int_equal(skinq_isa_parse("all", &m), 0);
    assert_int_equal(m, SKINQ_ISA_ALL);
    assert_string_equal(skinq_isa_name(SKINQ_ISA_ALL), "avx512");
    assert_string_equal(skinq_isa_name(SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2), "avx2");
    assert_string_equal(skinq_isa_name(SKINQ_ISA_SSE41), "sse41");
    assert_string_equal(skinq_isa_name(0), "scalar");
    /* the settings mask is a ceiling: never above what the CPU has */
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.isa_mask = SKINQ_ISA_SSE41;
    skinq_ctx *ctx = NULL;
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
    assert_int_equal(skinq_ctx_isa(ctx) & ~skinq_cpu_isa(), 0);
    assert_int_equal(skinq_ctx_isa(ctx) & SKINQ_ISA_AVX2, 0);
    skinq_ctx_close(&ctx);
    /* AVX2 level is only ever reported together with SSE4.1, AVX-512 with both */
    if (skinq_cpu_isa() & SKINQ_ISA_AVX2)
        assert_true(skinq_cpu_isa() & SKINQ_ISA_SSE41);
    if (skinq_cpu_isa() & SKINQ_ISA_AVX512)
        assert_true((skinq_cpu_isa() & SKINQ_ISA_ALL) == SKINQ_ISA_ALL);
    /* SKINQ_ISA=avx2 (the environment) caps an AVX-512 CPU at AVX2, avx512 at what it has */
    const char *env = getenv("SKINQ_ISA");
    char *keep = env ? strdup(env) : NULL;
    setenv("SKINQ_ISA", "avx2", 1);
    assert_int_equal(skinq_isa_ceiling(SKINQ_ISA_ALL), skinq_cpu_isa() & (SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2));
    setenv("SKINQ_ISA", "avx512", 1);
    assert_int_equal(skinq_isa_ceiling(SKINQ_ISA_ALL), skinq_cpu_isa());
    if (keep)
        setenv("SKINQ_ISA", keep, 1);
    else
        unsetenv("SKINQ_ISA");
    free(keep);
    assert_non_null(skinq_cpu_name());
}

/* Options that grow (skinq.h's promise): an older caller's smaller struct gets the defaults for
 * the rest, a struct not filled by its default function is refused, a newer caller's larger one
 * is taken when its extra fields are zero and refused when they are not. */
static void test_options_versions(void **state)
{
    (void)state;
    assert_int_equal(skinq_version_api(), SKINQ_API_VERSION);
    skinq_ctx *ctx = NULL;
    /* older: a caller that knew the fields up to isa_mask; garbage past its size is never read */
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    assert_int_equal(s.size, sizeof s);
    s.size = offsetof(skinq_settings, max_pixels);
    s.threads = 3;
    s.max_pixels = 7;
    memset(&s.alloc, 0xa5, sizeof s.alloc);
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
    assert_int_equal(skinq_ctx_threads(ctx), 3);
    assert_true(skinq_ctx_max_pixels(ctx) == 100000000u);
    /* size 0: refused, the message naming the struct */
    skinq_jpeg_options jo;
    skinq_jpeg_default_options(&jo);
    jo.size = 0;
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, 16, 16, 3, 8, &img), SKINQ_OK);
    char path[512];
    assert_int_equal(skinq_jpeg_write(ctx, tu_path(path, sizeof path, "size0.jpg"), img, &jo),
                     SKINQ_E_INVALID);
    assert_non_null(strstr(skinq_ctx_error(ctx), "skinq_jpeg_options"));
    assert_int_equal(tu_file_size(path), -1);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    memset(&s, 0, sizeof s);
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_E_INVALID);
    assert_null(ctx);
    /* newer: two more fields, zero (their defaults) or not */
    struct {
        skinq_settings s;
        uint64_t later[2];
    } big;
    memset(&big, 0, sizeof big);
    skinq_ctx_default_settings(&big.s);
    big.s.size = sizeof big;
    big.s.threads = 2;
    assert_int_equal(skinq_ctx_open(&ctx, &big.s), SKINQ_OK);
    assert_int_equal(skinq_ctx_threads(ctx), 2);
    big.later[1] = 1;
    skinq_ctx *c2 = NULL;
    assert_int_equal(skinq_ctx_open(&c2, &big.s), SKINQ_E_INVALID);
    assert_null(c2);
    /* the helper itself: defaults kept on error, size set to the library's after a take */
    skinq_bench_options bo, mine;
    skinq_bench_default_options(&bo);
    bo.runs = 9;
    bo.size = 4;
    skinq_bench_default_options(&mine);
    assert_int_equal(skinq_options_take(ctx, &mine, sizeof mine, &bo, "skinq_bench_options"),
                     SKINQ_E_INVALID);
    assert_int_equal(mine.runs, 5);
    bo.size = offsetof(skinq_bench_options, runs) + sizeof bo.runs;
    assert_int_equal(skinq_options_take(ctx, &mine, sizeof mine, &bo, "skinq_bench_options"), SKINQ_OK);
    assert_int_equal(mine.runs, 9);
    assert_int_equal(mine.size, sizeof mine);
    skinq_ctx_close(&ctx);
    /* the analysis options: an analyser refuses a struct its default function never filled */
    assert_int_equal(skinq_ctx_open(&ctx, NULL), SKINQ_OK);
    skinq_analysis_options ao;
    skinq_analysis_default_options(&ao);
    assert_int_equal(ao.size, sizeof ao);
    ao.size = 0;
    skinq_analyzer *an = NULL;
    assert_int_equal(skinq_analyzer_new(ctx, &ao, &an), SKINQ_E_INVALID);
    assert_null(an);
    assert_non_null(strstr(skinq_ctx_error(ctx), "skinq_analysis_options"));
    skinq_ctx_close(&ctx);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    /* fail the n-th allocation for n = 1, 2, ... until the operation succeeds (SQLite-style) */
    for (int n = 1; n < 100; n++) {
        tu_fail_alloc fa = {n, 0, 0};
        skinq_settings s;
        skinq_ctx_default_settings(&s);
        s.threads = 2;
        s.alloc = tu_fail_allocator(&fa);
        skinq_ctx *ctx = NULL;
        skinq_status st = skinq_ctx_open(&ctx, &s);
        if (st != SKINQ_OK) {
            assert_int_equal(st, SKINQ_E_NOMEM);
            assert_null(ctx);
            assert_int_equal(fa.live, 0);
            continue;
        }
        skinq_image *img = NULL;
        st = skinq_image_new(ctx, 32, 32, 3, 8, &img);
        skinq_image *up = NULL;
        if (st == SKINQ_OK)
            st = skinq_image_orient(ctx, img, 6, &up);
        skinq_image_free(&img);
        skinq_image_free(&up);
        skinq_ctx_close(&ctx);
        assert_int_equal(fa.live, 0); /* no leak on any path */
        if (st == SKINQ_OK)
            return;
        assert_int_equal(st, SKINQ_E_NOMEM);
    }
    fail_msg("never succeeded");
}

static void test_image_limits(void **state)
{
    (void)state;
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.max_pixels = 1000;
    skinq_ctx *ctx = NULL;
    assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, 40, 25, 3, 8, &img), SKINQ_OK); /* exactly 1000 */
    assert_true(img->stride >= 120 && img->stride % 64 == 0);
    skinq_image_free(&img);
    assert_null(img);
    assert_int_equal(skinq_image_new(ctx, 41, 25, 3, 8, &img), SKINQ_E_LIMIT);
    assert_null(img);
    assert_int_equal(skinq_image_new(ctx, 0, 25, 3, 8, &img), SKINQ_E_INVALID);
    assert_int_equal(skinq_image_new(ctx, 4, 4, 2, 8, &img), SKINQ_E_INVALID);
    assert_int_equal(skinq_image_new(ctx, 4, 4, 3, 12, &img), SKINQ_E_INVALID);
    skinq_mask *m = NULL;
    assert_int_equal(skinq_mask_new(ctx, 10, 10, 1, &m), SKINQ_OK);
    assert_int_equal(skinq_mask_count(m), 100);
    m->data[3 * m->stride + 4] = 0;
    assert_int_equal(skinq_mask_count(m), 99);
    skinq_mask_free(&m);
    assert_null(m);
    skinq_ctx_close(&ctx);
}

static void test_orient(void **state)
{
    (void)state;
    /* 3x2 image with pixel values = index; check each orientation against the TIFF definition */
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, 3, 2, 1, 8, &img), SKINQ_OK);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
            skinq_image_row(img, y)[x] = (uint8_t)(1 + y * 3 + x); /* 1 2 3 / 4 5 6 */
    static const uint8_t expect[9][6] = {
        {0},
        {1, 2, 3, 4, 5, 6}, /* 1: as stored */
        {3, 2, 1, 6, 5, 4}, /* 2: mirrored left-right */
        {6, 5, 4, 3, 2, 1}, /* 3: rotated 180 */
        {4, 5, 6, 1, 2, 3}, /* 4: mirrored top-bottom */
        {1, 4, 2, 5, 3, 6}, /* 5: transposed (2 wide, 3 high) */
        {4, 1, 5, 2, 6, 3}, /* 6: rotated 90 clockwise */
        {6, 3, 5, 2, 4, 1}, /* 7: transverse */
        {3, 6, 2, 5, 1, 4}, /* 8: rotated 90 counter-clockwise */
    };
    for (int o = 1; o <= 8; o++) {
        skinq_image *out = NULL;
        assert_int_equal(skinq_image_orient(ctx, img, o, &out), SKINQ_OK);
        int w = o >= 5 ? 2 : 3;
        assert_int_equal(out->width, w);
        assert_int_equal(out->height, o >= 5 ? 3 : 2);
        for (int i = 0; i < 6; i++)
            assert_int_equal(skinq_image_row(out, i / w)[i % w], expect[o][i]);
        skinq_image_free(&out);
    }
    skinq_image *out = NULL;
    assert_int_equal(skinq_image_orient(ctx, img, 9, &out), SKINQ_E_INVALID);
    assert_null(out);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static void test_metrics(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_metrics m = {0};
    assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", 12.5, "a*"), SKINQ_OK);
    for (int i = 0; i < 200; i++) /* grows past the first allocation */
        assert_int_equal(skinq_metrics_addf(ctx, &m, i, "mm", "scars.items.%d.max_depth_mm", i), SKINQ_OK);
    assert_int_equal(skinq_metrics_add(ctx, &m, "color.a.mean", 13.0, "a*"), SKINQ_OK); /* overwrite */
    assert_int_equal(m.count, 201);
    const skinq_metric *a = skinq_metrics_find(&m, "color.a.mean");
    assert_non_null(a);
    assert_near(a->value, 13.0, 0);
    assert_string_equal(a->unit, "a*");
    assert_near(skinq_metrics_find(&m, "scars.items.150.max_depth_mm")->value, 150, 0);
    assert_null(skinq_metrics_find(&m, "color.b.mean"));
    skinq_metrics_free(&m);
    assert_int_equal(m.count, 0);
    assert_null(m.items);
    skinq_ctx_close(&ctx);
}

/* Fault injection through the metrics list (which outlives its ctx and still frees through the
 * ctx's allocator) and a heatmap PNG (no file left behind): fail n = 1, 2, ... until success. */
static void test_metrics_heatmap_alloc_failures(void **state)
{
    (void)state;
    char path[512];
    tu_path(path, sizeof path, "heat-fa.png");
    float v[16 * 8];
    for (int i = 0; i < 16 * 8; i++)
        v[i] = (float)i;
    int succeeded = 0;
    for (int n = 1; n < 100 && !succeeded; n++) {
        tu_fail_alloc fa;
        skinq_ctx *ctx = tu_fail_ctx(&fa, n, 1);
        if (!ctx)
            continue;
        skinq_metrics m = {0};
        skinq_status st = SKINQ_OK;
        for (int i = 0; i < 150 && st == SKINQ_OK; i++) /* grows twice (64, 128, 256 items) */
            st = skinq_metrics_addf(ctx, &m, i, "1", "texture.items.%d.value", i);
        if (st == SKINQ_OK)
            assert_int_equal(m.count, 150);
        unlink(path);
        if (st == SKINQ_OK)
            st = skinq_heatmap_write(ctx, path, v, 16, 16, 8, NULL, 0, 0, 127, SKINQ_CMAP_MAGMA);
        if (st == SKINQ_OK) {
            succeeded = 1;
            assert_true(tu_file_size(path) > 0);
        } else {
            assert_int_equal(st, SKINQ_E_NOMEM);
            assert_int_equal(tu_file_size(path), -1);
        }
        skinq_ctx_close(&ctx);
        skinq_metrics_free(&m); /* after the ctx: the list keeps its allocator */
        assert_int_equal(fa.live, 0);
    }
    assert_true(succeeded);
}

static void test_colormaps(void **state)
{
    (void)state;
    uint8_t rgb[3];
    /* matplotlib viridis ends: #440154 and #fde725; magma: #000004 and #fcfdbf */
    skinq_colormap_rgb(SKINQ_CMAP_VIRIDIS, 0, rgb);
    assert_near(rgb[0], 0x44, 3);
    assert_near(rgb[1], 0x01, 3);
    assert_near(rgb[2], 0x54, 3);
    skinq_colormap_rgb(SKINQ_CMAP_VIRIDIS, 1, rgb);
    assert_near(rgb[0], 0xfd, 3);
    assert_near(rgb[1], 0xe7, 3);
    assert_near(rgb[2], 0x25, 5); /* the polynomial fit is least exact at the ends */
    skinq_colormap_rgb(SKINQ_CMAP_MAGMA, 1, rgb);
    assert_near(rgb[0], 0xfc, 5);
    assert_near(rgb[1], 0xfd, 5);
    assert_near(rgb[2], 0xbf, 5);
    /* viridis lightness rises monotonically (perceptual order) */
    double prev = -1;
    for (int i = 0; i <= 32; i++) {
        skinq_colormap_rgb(SKINQ_CMAP_VIRIDIS, i / 32.0, rgb);
        double luma = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
        assert_true(luma > prev);
        prev = luma;
    }
    skinq_colormap_rgb(SKINQ_CMAP_COOLWARM, 0.5, rgb);
    assert_int_equal(rgb[0], 221);

    /* a heatmap PNG: map rows above, legend below; masked pixels grey */
    skinq_ctx *ctx = tu_ctx();
    float v[20 * 10];
    uint8_t mask[20 * 10];
    for (int i = 0; i < 200; i++) {
        v[i] = (float)(i % 20);
        mask[i] = (i % 20) != 0;
    }
    char path[512];
    tu_path(path, sizeof path, "heat.png");
    assert_int_equal(skinq_heatmap_write(ctx, path, v, 20, 20, 10, mask, 20, 0, 19, SKINQ_CMAP_VIRIDIS),
                     SKINQ_OK);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    assert_int_equal(img->width, 20);
    assert_true(img->height > 10);
    const uint8_t *row = skinq_image_row(img, 5);
    assert_int_equal(row[0], 40); /* outside the mask */
    skinq_colormap_rgb(SKINQ_CMAP_VIRIDIS, 1.0, rgb);
    assert_memory_equal(row + 3 * 19, rgb, 3);
    skinq_image_free(&img);
    assert_int_equal(skinq_heatmap_write(ctx, path, v, 20, 20, 10, NULL, 0, 1, 1, SKINQ_CMAP_VIRIDIS),
                     SKINQ_E_INVALID);

    /* a unit the legend can draw ("mm") takes legend pixels: more white text than without */
    float wide[200 * 10];
    for (int i = 0; i < 2000; i++)
        wide[i] = (float)(i % 200);
    long white[2] = {0, 0};
    for (int u = 0; u < 2; u++) {
        assert_int_equal(skinq_heatmap_write_unit(ctx, path, wide, 200, 200, 10, NULL, 0, 0, 199,
                                                  SKINQ_CMAP_VIRIDIS, u ? "mm" : NULL),
                         SKINQ_OK);
        assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
        for (int y = 10; y < img->height; y++)
            for (int x = 0; x < img->width; x++)
                white[u] += skinq_image_row(img, y)[3 * x] == 235;
        skinq_image_free(&img);
    }
    assert_true(white[1] > white[0]);
    skinq_ctx_close(&ctx);
}

/* skinq_solve_small: a 4×4 system that needs pivoting (zero leading entry) solved to 1e-12, a row
 * stride wider than n, and a singular system refused (relative and absolute tolerance). */
static void test_solve_small(void **state)
{
    (void)state;
    double a[4][5] = {{0, 2, 1, 0, 9}, {1, 1, 0, 3, 9}, {2, 0, 1, 1, 9}, {1, 3, 2, 0, 9}};
    const double xt[4] = {1.5, -2, 0.25, 3};
    double b[4], x[4], a0[4][5];
    memcpy(a0, a, sizeof a);
    for (int i = 0; i < 4; i++) {
        b[i] = 0;
        for (int k = 0; k < 4; k++)
            b[i] += a[i][k] * xt[k];
    }
    assert_int_equal(skinq_solve_small(&a[0][0], 5, b, 4, 1e-12, x), 0);
    for (int k = 0; k < 4; k++)
        assert_true(fabs(x[k] - xt[k]) < 1e-12);
    memcpy(a, a0, sizeof a);
    for (int k = 0; k < 4; k++) /* row 3 = row 0 + row 1: singular */
        a[3][k] = a[0][k] + a[1][k];
    double bs[4] = {1, 2, 3, 3};
    assert_int_equal(skinq_solve_small(&a[0][0], 5, bs, 4, 1e-12, x), -1);
    double z[1] = {0}, bz[1] = {1};
    assert_int_equal(skinq_solve_small(z, 1, bz, 1, 0.0, x), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_rect_parse),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_isa),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_options_versions),
        cmocka_unit_test(test_image_limits),
        cmocka_unit_test(test_orient),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_metrics_heatmap_alloc_failures),
        cmocka_unit_test(test_colormaps),
        cmocka_unit_test(test_solve_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
