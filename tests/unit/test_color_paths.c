/* test_color_paths.c -- the two paths of an 8-bit colour pass give the same numbers: the colour
 * histogram (colorhist.c, each distinct colour evaluated once) and the per-pixel kernels
 * (color_*.c), on a camera-like photo with many colours and on a flat one with few, on every
 * ISA the CPU has, with a mask; and the default is the histogram (color_int.h: measured, it
 * wins 3x even on a 12-MP photo's 456k colours; the sampler tells where the kernels would pay). Counts,
 * percentiles and fractions must be identical (the bins are exact on both); means and standard deviations
 * agree to 1e-6 relative (the documented moment tolerance of color_kernels.h: float lanes in blocks on the
 * kernels, double per colour here; measured 5e-9). */
#include <math.h>
#include <string.h>

#include "bench/bench_int.h"
#include "color/color_int.h"
#include "test_util.h"

/* A flat skin patch with a few hundred colours: a gradient in steps and a red disc. */
static skinq_image *few_colours(skinq_ctx *ctx, int w, int h)
{
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_new(ctx, w, h, 3, 8, &img), SKINQ_OK);
    for (int y = 0; y < h; y++) {
        uint8_t *row = skinq_image_row(img, y);
        for (int x = 0; x < w; x++) {
            int dx = x - w / 2, dy = y - h / 2, disc = dx * dx + dy * dy < h * h / 16;
            row[3 * x] = (uint8_t)(180 + (x * 20) / w + (disc ? 25 : 0));
            row[3 * x + 1] = (uint8_t)(130 + (y * 16) / h - (disc ? 20 : 0));
            row[3 * x + 2] = (uint8_t)(110 + ((x + y) * 8) / (w + h));
        }
    }
    return img;
}

/* The colour metrics of img (mask: the left 3/4 minus a hole) by path force (1 histogram, 2 kernels). */
static void analyze(skinq_ctx *ctx, const skinq_image *img, int force, skinq_metrics *m)
{
    skinq_mask *mask = NULL;
    assert_int_equal(skinq_mask_new(ctx, img->width, img->height, 0, &mask), SKINQ_OK);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width * 3 / 4; x++)
            mask->data[(size_t)y * mask->stride + x] = !(x > 40 && x < 80 && y > 40 && y < 80);
    skinq_roi *roi = NULL;
    skinq_roi_options ro = {0};
    ro.kind = SKINQ_ROI_MASK;
    ro.mask = mask;
    assert_int_equal(skinq_roi_resolve(ctx, img, NULL, &ro, 20, NULL, &roi), SKINQ_OK);
    skinq_color_path_force = force;
    memset(m, 0, sizeof *m);
    assert_int_equal(skinq_color_analyze(ctx, img, roi, NULL, NULL, m, NULL), SKINQ_OK);
    skinq_color_path_force = 0;
    skinq_roi_free(&roi);
    skinq_mask_free(&mask);
}

static void same_numbers(const skinq_metrics *a, const skinq_metrics *b)
{
    assert_int_equal(a->count, b->count);
    int moments = 0;
    for (size_t i = 0; i < a->count; i++) {
        const skinq_metric *x = &a->items[i], *y = &b->items[i];
        assert_string_equal(x->path, y->path);
        if (isnan(x->value)) {
            assert_true(isnan(y->value));
            continue;
        }
        const size_t n = strlen(x->path);
        const int moment = (n > 5 && !strcmp(x->path + n - 5, ".mean")) ||
                           (n > 4 && !strcmp(x->path + n - 4, ".std")) || strstr(x->path, "delta") != NULL;
        if (moment) {
            moments++;
            if (fabs(x->value - y->value) > 1e-6 * (fabs(x->value) + 1e-3))
                fail_msg("%s: %.17g (histogram) vs %.17g (kernels)", x->path, x->value, y->value);
        } else if (x->value != y->value) {
            fail_msg("%s: %.17g (histogram) vs %.17g (kernels), not identical", x->path, x->value, y->value);
        }
    }
    assert_true(moments >= 10);
}

static void both_paths(const skinq_image *img)
{
    static const unsigned levels[] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2,
                                      SKINQ_ISA_ALL};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        if ((levels[l] & skinq_cpu_isa()) != levels[l])
            continue;
        for (int threads = 1; threads <= 2; threads++) {
            skinq_settings s;
            skinq_ctx_default_settings(&s);
            s.isa_mask = levels[l];
            s.threads = threads;
            skinq_ctx *ctx = NULL;
            assert_int_equal(skinq_ctx_open(&ctx, &s), SKINQ_OK);
            skinq_metrics h, k;
            analyze(ctx, img, 1, &h);
            analyze(ctx, img, 2, &k);
            same_numbers(&h, &k);
            skinq_metrics_free(&h);
            skinq_metrics_free(&k);
            skinq_ctx_close(&ctx);
        }
    }
}

static void test_many_colours(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    assert_int_equal(skinq_bench_photo(ctx, 640, 480, 3, &img), SKINQ_OK);
    const uint64_t colours = skinq_bench_colors(ctx, img);
    const skinq_rect all = {0, 0, img->width, img->height};
    int n = 0;
    const int sampled = skinq_color_sampled_colors(ctx, img, all, &n);
    print_message("[          ] camera-like 640x480: %llu colours, %d of %d sampled\n",
                  (unsigned long long)colours, sampled, n);
    assert_true(colours > 100000);
    assert_int_equal(n, 65536);
    assert_true(2 * sampled > n && (double)img->width * img->height <= SKINQ_COLOR_PIXEL_MAX_SPARSE * n);
    /* where the kernels would pay, the histogram is still taken: streamed and in-memory agree */
    assert_true(skinq_color_hist_pays(ctx, img, all));
    both_paths(img);
    skinq_image_free(&img);
    /* a larger camera-like photo: its colours are a small share of its pixels → the histogram */
    assert_int_equal(skinq_bench_photo(ctx, 2400, 1800, 3, &img), SKINQ_OK);
    const skinq_rect big = {0, 0, img->width, img->height};
    assert_true(skinq_color_hist_pays(ctx, img, big));
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

static void test_few_colours(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = few_colours(ctx, 640, 480);
    const skinq_rect all = {0, 0, img->width, img->height};
    int n = 0;
    const int sampled = skinq_color_sampled_colors(ctx, img, all, &n);
    print_message("[          ] flat 640x480: %llu colours, %d of %d sampled\n",
                  (unsigned long long)skinq_bench_colors(ctx, img), sampled, n);
    assert_true(sampled < 2000);
    assert_true(skinq_color_hist_pays(ctx, img, all)); /* → the histogram */
    both_paths(img);
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
}

/* The colour metrics of img streamed row by row (as the JPEG analysis feeds them), the ROI the
 * whole image and a reference patch, through the counter `counter` forces. */
static void streamed(skinq_ctx *ctx, const skinq_image *img, int counter, skinq_metrics *m)
{
    skinq_roi *roi = NULL;
    skinq_roi_options ro = {0};
    ro.kind = SKINQ_ROI_IMAGE;
    assert_int_equal(skinq_roi_resolve(ctx, img, NULL, &ro, 20, NULL, &roi), SKINQ_OK);
    skinq_color_options co;
    skinq_color_default_options(&co);
    co.has_ref = 1;
    co.ref = (skinq_rect){10, 10, 120, 90};
    skinq_color_counter_force = counter;
    skinq_color_stream *cs = NULL;
    assert_int_equal(skinq_color_stream_new(ctx, img->width, img->height, roi, &co, &cs), SKINQ_OK);
    for (int y = 0; y < img->height; y += 8)
        skinq_color_stream_rows(cs, skinq_image_row(img, y), img->stride, y,
                                y + 8 <= img->height ? 8 : img->height - y);
    memset(m, 0, sizeof *m);
    assert_int_equal(skinq_color_stream_finish(ctx, cs, m, NULL), SKINQ_OK);
    skinq_color_stream_free(ctx, &cs);
    skinq_color_counter_force = 0;
    skinq_roi_free(&roi);
}

static void identical(const skinq_metrics *a, const skinq_metrics *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        assert_string_equal(a->items[i].path, b->items[i].path);
        if (memcmp(&a->items[i].value, &b->items[i].value, sizeof(double)) != 0)
            fail_msg("%s: %.17g (table) vs %.17g (list)", a->items[i].path, a->items[i].value,
                     b->items[i].value);
    }
}

/* The table and the list counter give the same bytes (colorhist.c: the list sorted is the table's
 * scan order), in memory (masked, 1 and 2 threads) and streamed (with a reference region); and
 * the list is the choice for a small region unless a table is warm. */
static void test_counters(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    skinq_image *img = NULL;
    assert_int_equal(skinq_bench_photo(ctx, 640, 480, 5, &img), SKINQ_OK);
    for (int threads = 1; threads <= 2; threads++) {
        skinq_settings s;
        skinq_ctx_default_settings(&s);
        s.threads = threads;
        skinq_ctx *c = NULL;
        assert_int_equal(skinq_ctx_open(&c, &s), SKINQ_OK);
        skinq_metrics t, l;
        skinq_color_counter_force = 1;
        analyze(c, img, 1, &t);
        skinq_color_counter_force = 2;
        analyze(c, img, 1, &l);
        skinq_color_counter_force = 0;
        identical(&t, &l);
        skinq_metrics_free(&t);
        skinq_metrics_free(&l);
        streamed(c, img, 1, &t);
        streamed(c, img, 2, &l);
        identical(&t, &l);
        assert_true(t.count > 20);
        skinq_metrics_free(&t);
        skinq_metrics_free(&l);
        skinq_ctx_close(&c);
    }
    skinq_image_free(&img);
    /* the choice: a fresh ctx lists a small region, a big one gets a table, which then stays warm */
    skinq_color_counts *k = NULL;
    assert_int_equal(skinq_color_counts_new(ctx, 1, 640 * 480, &k), SKINQ_OK);
    assert_true(skinq_color_counts_is_list(k));
    skinq_color_counts_free(ctx, &k);
    assert_int_equal(skinq_color_counts_new(ctx, 1, SKINQ_COLOR_LIST_MAX_PIXELS + 1, &k), SKINQ_OK);
    assert_false(skinq_color_counts_is_list(k));
    skinq_color_params p;
    const skinq_image shape = {.width = 1, .height = 1, .channels = 3, .depth = 8};
    assert_int_equal(skinq_color_params_init(ctx, &p, &shape, NULL), SKINQ_OK);
    skinq_color_accs A = {0};
    assert_int_equal(skinq_color_accs_new(ctx, &A, skinq_ctx_threads(ctx)), SKINQ_OK);
    uint32_t **bins = skinq_color_accs_bins(ctx, &A);
    assert_non_null(bins);
    assert_int_equal(skinq_color_counts_eval(ctx, k, &p, &A.a[0], bins), SKINQ_OK); /* evaluated: clean */
    skinq_free(ctx, bins);
    skinq_color_accs_free(ctx, &A);
    skinq_color_counts_free(ctx, &k);
    assert_int_equal(skinq_color_counts_new(ctx, 1, 640 * 480, &k), SKINQ_OK);
    assert_false(skinq_color_counts_is_list(k)); /* the warm table */
    skinq_color_counts_free(ctx, &k);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_colours),
        cmocka_unit_test(test_few_colours),
        cmocka_unit_test(test_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
