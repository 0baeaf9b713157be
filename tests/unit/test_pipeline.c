/* test_pipeline.c -- skinq_analyze_file(): the streamed path (JPEG rows straight into the colour
 * counts, and with texture into the 16-bit planes) gives the numbers of loading the image and
 * analysing it in memory, on 1 and 2 threads; a truncated JPEG fails cleanly mid-stream; the
 * texture path adds texture.*; compare's after_only; one header parse a photo; an analyser kept
 * across photos gives the one-shot numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "io/io.h"
#include "test_util.h"

/* skinq_color_analyze() of an image in memory over the options' ROI, as the pipeline resolves it. */
static skinq_status color_in_memory(skinq_ctx *ctx, const skinq_image *img, const skinq_analysis_options *o,
                                    skinq_metrics *m, skinq_color_info *info)
{
    skinq_roi *roi = NULL;
    skinq_status st = skinq_roi_resolve(ctx, img, NULL, &o->roi, o->px_per_mm, NULL, &roi);
    if (st == SKINQ_OK)
        st = skinq_color_analyze(ctx, img, roi, &o->color, &o->maps, m, info);
    skinq_roi_free(&roi);
    return st;
}

/* Every metric of a equal to b's (NaN equal to NaN); colour moments within tol relative (the
 * per-pixel path that maps take adds them per thread in float, in the order threads take rows). */
static void expect_identical(const skinq_analysis *a, const skinq_analysis *b, double tol)
{
    assert_int_equal(a->metrics.count, b->metrics.count);
    for (size_t i = 0; i < a->metrics.count; i++) {
        const skinq_metric *x = &a->metrics.items[i], *y = &b->metrics.items[i];
        assert_string_equal(x->path, y->path);
        const int moment =
            strncmp(x->path, "color.", 6) == 0 &&
            (strstr(x->path, ".mean") || strstr(x->path, ".std") || strstr(x->path, "delta_ref"));
        if (!(x->value == y->value || (isnan(x->value) && isnan(y->value)) ||
              (moment && fabs(x->value - y->value) <= tol * (1 + fabs(y->value)))))
            fail_msg("%s: %.17g and %.17g", x->path, x->value, y->value);
    }
}

static void expect_same(const skinq_metrics *a, const skinq_metrics *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const skinq_metric *m = skinq_metrics_find(b, a->items[i].path);
        if (!m)
            fail_msg("%s missing", a->items[i].path);
        if (isnan(a->items[i].value) && isnan(m->value)) /* mm metrics without a scale */
            continue;
        if (strstr(a->items[i].path, ".p") || strstr(a->items[i].path, "red_area"))
            assert_true(a->items[i].value == m->value);
        else
            assert_near(a->items[i].value, m->value, 1e-9 * (1 + fabs(m->value)));
    }
}

static void test_streamed_equals_in_memory(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
        char path[2200];
        snprintf(path, sizeof path, "%s/day02.jpg", tu_healing_series(ctx, 640, 480));
        skinq_analysis_options o;
        skinq_analysis_default_options(&o);
        o.texture = 0;
        o.roi.kind = SKINQ_ROI_RECT;
        o.roi.rect = (skinq_rect){200, 100, 300, 250};
        o.color.has_ref = 1;
        o.color.ref = (skinq_rect){10, 150, 80, 80};
        o.color.has_white = 1;
        o.color.white = (skinq_rect){560, 10, 40, 40};
        o.color.white_reflectance = 0.8;
        skinq_analysis *a = NULL;
        assert_int_equal(skinq_analyze_file(ctx, path, &o, &a), SKINQ_OK); /* streams */
        skinq_image *img = NULL;
        assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
        skinq_metrics m = {0};
        skinq_color_info info;
        assert_int_equal(color_in_memory(ctx, img, &o, &m, &info), SKINQ_OK);
        expect_same(&a->metrics, &m);
        assert_int_equal(a->color.roi_pixels, info.roi_pixels);
        assert_int_equal(a->color.ref_pixels, info.ref_pixels);
        assert_int_equal(a->color.white_pixels, info.white_pixels);
        for (int c = 0; c < 3; c++)
            assert_near(a->color.white_gains[c], info.white_gains[c], 1e-12);
        assert_int_equal(a->width, 640);
        assert_int_equal(strlen(a->sha256), 64);
        assert_string_equal(a->path, path);
        skinq_metrics_free(&m);
        skinq_analysis_free(&a);

        /* a mask ROI streams too */
        char mpath[2200];
        snprintf(mpath, sizeof mpath, "%s/mask.png", tu_healing_series(ctx, 640, 480));
        skinq_mask *mask = NULL;
        assert_int_equal(skinq_mask_load(ctx, mpath, &mask), SKINQ_OK);
        o.roi.kind = SKINQ_ROI_MASK;
        o.roi.mask = mask;
        assert_int_equal(skinq_analyze_file(ctx, path, &o, &a), SKINQ_OK);
        assert_int_equal(color_in_memory(ctx, img, &o, &m, &info), SKINQ_OK);
        expect_same(&a->metrics, &m);
        assert_int_equal(a->color.roi_rect.x, info.roi_rect.x);
        assert_int_equal(a->color.roi_rect.w, info.roi_rect.w);
        skinq_metrics_free(&m);
        skinq_analysis_free(&a);
        skinq_mask_free(&mask);
        skinq_image_free(&img);
        skinq_ctx_close(&ctx);
    }
}

/* With texture: rows streamed into the colour counts and the 16-bit planes give exactly the
 * numbers of loading the photo and analysing the image (whole image, a rectangle, a mask; a
 * rectangle too small for a spectrum keeps its colour), on 1 and 2 threads; with --auto-skin
 * the file is loaded (no stream) and its pages are given back band by band while the planes are
 * made, which must not change a number either. */
static void test_streamed_texture_equals_in_memory(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
        char path[2200], mpath[2200];
        snprintf(path, sizeof path, "%s/day03.jpg", tu_healing_series(ctx, 640, 480));
        snprintf(mpath, sizeof mpath, "%s/mask.png", tu_healing_series(ctx, 640, 480));
        skinq_image *img = NULL;
        assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
        skinq_mask *mask = NULL;
        assert_int_equal(skinq_mask_load(ctx, mpath, &mask), SKINQ_OK);
        for (int kind = 0; kind < 5; kind++) {
            skinq_analysis_options o;
            skinq_analysis_default_options(&o);
            o.px_per_mm = 6;
            o.color.has_ref = 1;
            o.color.ref = (skinq_rect){10, 150, 80, 80};
            if (kind == 1 || kind == 3) {
                o.roi.kind = SKINQ_ROI_RECT;
                o.roi.rect = kind == 1 ? (skinq_rect){150, 90, 400, 300} : (skinq_rect){300, 200, 20, 20};
            } else if (kind == 2) {
                o.roi.kind = SKINQ_ROI_MASK;
                o.roi.mask = mask;
            } else if (kind == 4) {
                o.roi.kind = SKINQ_ROI_AUTO_SKIN;
            }
            skinq_analysis *a = NULL, *b = NULL;
            assert_int_equal(skinq_analyze_file(ctx, path, &o, &a),
                             SKINQ_OK); /* streams (auto-skin: loads) */
            assert_int_equal(skinq_analyze_image(ctx, img, NULL, &o, &b), SKINQ_OK);
            assert_null(b->path);
            assert_int_equal(a->metrics.count, b->metrics.count);
            for (size_t i = 0; i < b->metrics.count; i++) {
                const skinq_metric *x = &b->metrics.items[i], *y = skinq_metrics_find(&a->metrics, x->path);
                if (!y)
                    fail_msg("%s missing from the streamed analysis", x->path);
                if (strncmp(x->path, "texture.", 8) == 0
                        ? !(x->value == y->value || (isnan(x->value) && isnan(y->value)))
                        : fabs(x->value - y->value) > 1e-9 * (1 + fabs(x->value)))
                    fail_msg("%s (ROI kind %d): in memory %.17g, streamed %.17g", x->path, kind, x->value,
                             y->value);
            }
            assert_true((skinq_metrics_find(&a->metrics, "texture.psd.fine") != NULL) == (kind != 3));
            skinq_analysis_free(&a);
            skinq_analysis_free(&b);
        }
        skinq_mask_free(&mask);
        skinq_image_free(&img);
        skinq_ctx_close(&ctx);
    }
}

/* Truncated in the middle of the scan: an error naming the file, nothing returned, on both the
 * one-thread and the two-thread (ring) paths. */
static void test_streamed_truncated(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
        char src[2200], bad[2200];
        snprintf(src, sizeof src, "%s/day05.jpg", tu_healing_series(ctx, 640, 480));
        tu_path(bad, sizeof bad, "truncated.jpg");
        assert_int_equal(tu_truncate_copy(src, bad, (size_t)tu_file_size(src) * 2 / 3), 0);
        skinq_analysis_options o;
        skinq_analysis_default_options(&o);
        o.texture = 0;
        skinq_analysis *a = NULL;
        assert_int_equal(skinq_analyze_file(ctx, bad, &o, &a), SKINQ_E_FORMAT);
        assert_non_null(strstr(skinq_ctx_error(ctx), "truncated.jpg"));
        assert_null(a); /* unchanged on error */
        skinq_ctx_close(&ctx);
    }
}

/* With texture, the same ROI's L* gives texture.* beside color.*. */
static void test_texture_added(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, 2);
    char path[2200];
    snprintf(path, sizeof path, "%s/day00.jpg", tu_healing_series(ctx, 640, 480));
    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    o.px_per_mm = 6;
    skinq_analysis *a = NULL;
    assert_int_equal(skinq_analyze_file(ctx, path, &o, &a), SKINQ_OK);
    static const char *const want[] = {"color.a.mean",         "texture.psd.fine",
                                       "texture.roughness.sq", "texture.glcm.contrast",
                                       "texture.pores.count",  "texture.tone_evenness"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_non_null(skinq_metrics_find(&a->metrics, want[i]));
    skinq_analysis_free(&a);
    assert_null(a);
    skinq_analysis_free(&a); /* NULL-safe */
    skinq_analysis_free(NULL);
    skinq_ctx_close(&ctx);
}

/* compare's after_only (track add): the after analysis is the full compare's, to the bit, and
 * nothing of before's is measured. */
static void test_compare_after_only(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, 2);
    const char *dir = tu_healing_series(ctx, 640, 480);
    char b[2200], a[2200];
    snprintf(b, sizeof b, "%s/day00.jpg", dir);
    snprintf(a, sizeof a, "%s/day07.jpg", dir);
    skinq_analysis_options ao;
    skinq_analysis_default_options(&ao);
    ao.px_per_mm = 6;
    skinq_compare_options co;
    skinq_compare_default_options(&co);
    co.analysis = &ao;
    assert_int_equal(co.after_only, 0);
    skinq_compare_result *full = NULL, *only = NULL;
    assert_int_equal(skinq_compare(ctx, b, a, &co, &full), SKINQ_OK);
    co.after_only = 1;
    assert_int_equal(skinq_compare(ctx, b, a, &co, &only), SKINQ_OK);
    assert_true(full->delta_count > 0 && full->before->metrics.count > 0);
    assert_int_equal(only->delta_count, 0);
    assert_int_equal(only->before->metrics.count, 0);
    assert_true(isnan(only->delta_e_mean) && isnan(only->delta_e_p95));
    assert_int_equal(only->after->metrics.count, full->after->metrics.count);
    for (size_t i = 0; i < full->after->metrics.count; i++) {
        const skinq_metric *x = &full->after->metrics.items[i], *y = &only->after->metrics.items[i];
        assert_string_equal(x->path, y->path);
        if (!(x->value == y->value || (isnan(x->value) && isnan(y->value))))
            fail_msg("%s: %.17g with before measured, %.17g without", x->path, x->value, y->value);
    }
    assert_memory_equal(full->alignment.matrix, only->alignment.matrix, sizeof full->alignment.matrix);
    /* an analyser the caller keeps (its texture plan serves both compares): the same numbers */
    skinq_analyzer *an = NULL;
    assert_int_equal(skinq_analyzer_new(ctx, &ao, &an), SKINQ_OK);
    co.analyzer = an;
    co.analysis = NULL;
    for (int k = 0; k < 2; k++) {
        skinq_compare_result *kept = NULL;
        assert_int_equal(skinq_compare(ctx, b, a, &co, &kept), SKINQ_OK);
        expect_identical(kept->after, full->after, 0);
        skinq_compare_free(&kept);
    }
    skinq_analyzer_free(&an);
    skinq_compare_free(&full);
    skinq_compare_free(&only);
    skinq_ctx_close(&ctx);
}

/* The probe's header flows down: one header parse a photo, whether it streams (JPEG), loads (a
 * JPEG with auto-skin, a PNG) or is measured by an analyser kept across photos. */
static void test_one_header_parse(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, 2);
    const char *dir = tu_healing_series(ctx, 640, 480);
    char jpg[2200], png[2200];
    snprintf(jpg, sizeof jpg, "%s/day03.jpg", dir);
    tu_path(png, sizeof png, "parse-once.png");
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, jpg, &img, NULL), SKINQ_OK);
    assert_int_equal(skinq_png_write(ctx, png, img), SKINQ_OK);
    skinq_image_free(&img);
    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    const char *paths[] = {jpg, jpg, png};
    const skinq_roi_kind kinds[] = {SKINQ_ROI_IMAGE, SKINQ_ROI_AUTO_SKIN, SKINQ_ROI_IMAGE};
    for (int i = 0; i < 3; i++) {
        o.roi.kind = kinds[i];
        skinq_analysis *a = NULL;
        const uint64_t before = ctx->header_parses;
        assert_int_equal(skinq_analyze_file(ctx, paths[i], &o, &a), SKINQ_OK);
        if (ctx->header_parses - before != 1)
            fail_msg("%s (ROI %s): %llu header parses", paths[i], skinq_roi_kind_name(kinds[i]),
                     (unsigned long long)(ctx->header_parses - before));
        skinq_analysis_free(&a);
    }
    skinq_analyzer *an = NULL;
    assert_int_equal(skinq_analyzer_new(ctx, &o, &an), SKINQ_OK);
    const uint64_t before = ctx->header_parses;
    for (int i = 0; i < 3; i++) {
        skinq_analysis *a = NULL;
        assert_int_equal(skinq_analyzer_file(an, paths[i], &a), SKINQ_OK);
        skinq_analysis_free(&a);
    }
    assert_int_equal(ctx->header_parses - before, 3);
    skinq_analyzer_free(&an);
    skinq_ctx_close(&ctx);
}

/* One analyser over several photos (its texture plan made once) gives, photo by photo, exactly
 * the numbers of a one-shot analysis; the maps folder can change between photos. */
static void test_analyzer_kept_across_photos(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, 2);
    const char *dir = tu_healing_series(ctx, 640, 480);
    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    o.px_per_mm = 6;
    o.roi.kind = SKINQ_ROI_AUTO_SKIN; /* loaded, not streamed: maps are allowed */
    skinq_analyzer *an = NULL;
    assert_int_equal(skinq_analyzer_new(ctx, &o, &an), SKINQ_OK);
    assert_true(skinq_analyzer_options(an)->px_per_mm == 6);
    static const char *const days[] = {"day00", "day07", "day03"};
    for (int i = 0; i < 3; i++) {
        char path[2200], maps[2200];
        snprintf(path, sizeof path, "%s/%s.jpg", dir, days[i]);
        o.maps.dir = i == 2 ? tu_path(maps, sizeof maps, "kept-maps") : NULL; /* for the one-shot too */
        skinq_analyzer_set_maps_dir(an, o.maps.dir);
        skinq_analysis *kept = NULL, *once = NULL;
        assert_int_equal(skinq_analyzer_file(an, path, &kept), SKINQ_OK);
        assert_int_equal(skinq_analyze_file(ctx, path, &o, &once), SKINQ_OK);
        expect_identical(kept, once, i == 2 ? 1e-9 : 0);
        if (i == 2) {
            char png[2400];
            snprintf(png, sizeof png, "%s/texture_overlay.png", maps);
            assert_true(tu_file_size(png) > 0);
            assert_true(kept->color.map_factor > 0);
        }
        skinq_analysis_free(&kept);
        skinq_analysis_free(&once);
    }
    skinq_analyzer_free(&an);
    assert_null(an);
    skinq_ctx_close(&ctx);
}

/* skinq_settings.keep_buffers: photos of two sizes analysed in turn (streamed, and loaded for
 * auto-skin) reuse the colour tables and the texture planes the previous photo left, stale
 * contents and all, and give exactly the numbers of a context that frees them. */
static void test_kept_buffers(void **state)
{
    (void)state;
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = 2;
    s.keep_buffers = 1;
    skinq_ctx *keep = NULL, *fresh = tu_ctx_with(SKINQ_ISA_ALL, 2);
    assert_int_equal(skinq_ctx_open(&keep, &s), SKINQ_OK);
    assert_true(skinq_ctx_keeps_buffers(keep) && !skinq_ctx_keeps_buffers(fresh));
    char big[2200], small[2200];
    snprintf(big, sizeof big, "%s/day00.jpg", tu_healing_series(fresh, 640, 480));
    snprintf(small, sizeof small, "%s/day07.jpg", tu_healing_series(fresh, 320, 240));
    const char *const order[] = {small, big, small, big};
    for (int i = 0; i < 8; i++) {
        skinq_analysis_options o;
        skinq_analysis_default_options(&o);
        o.px_per_mm = 6;
        if (i >= 4)
            o.roi.kind = SKINQ_ROI_AUTO_SKIN;
        skinq_analysis *a = NULL, *b = NULL;
        assert_int_equal(skinq_analyze_file(keep, order[i % 4], &o, &a), SKINQ_OK);
        assert_int_equal(skinq_analyze_file(fresh, order[i % 4], &o, &b), SKINQ_OK);
        assert_non_null(skinq_metrics_find(&a->metrics, "texture.psd.fine"));
        expect_identical(a, b, 0);
        skinq_analysis_free(&a);
        skinq_analysis_free(&b);
    }
    skinq_ctx_close(&keep);
    skinq_ctx_close(&fresh);
}

/* The file swap made deterministic: after the analysis probed a 640-px JPEG, the hook renames a
 * 1600-px JPEG over it (an upload or sync folder). The analysis must go on with the bytes it
 * probed (no write past the 640-px row ring -- ASan would catch it) and give the first file's
 * numbers and hash. Before the file was opened once, the decoder reopened the path. */
struct swap {
    const char *wide;
    int done;
};

static void swap_hook(void *user, const char *path)
{
    struct swap *sw = user;
    if (!sw->done && rename(sw->wide, path) == 0)
        sw->done = 1;
}

static void test_file_swapped_after_probe(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        skinq_ctx *ctx = tu_ctx_with(SKINQ_ISA_ALL, threads);
        char src[2200], path[2200], wide[2200];
        snprintf(src, sizeof src, "%s/day02.jpg", tu_healing_series(ctx, 640, 480));
        tu_path(path, sizeof path, "swapped.jpg");
        tu_path(wide, sizeof wide, "wide.jpg");
        assert_int_equal(tu_truncate_copy(src, path, (size_t)tu_file_size(src)), 0);
        skinq_image *big = tu_pattern_image(ctx, 1600, 600, 3, 8);
        assert_int_equal(skinq_jpeg_write(ctx, wide, big, NULL), SKINQ_OK);
        skinq_image_free(&big);
        for (int texture = 0; texture <= 1; texture++) {
            skinq_analysis_options o;
            skinq_analysis_default_options(&o);
            o.texture = texture;
            skinq_analysis *ref = NULL, *a = NULL;
            assert_int_equal(skinq_analyze_file(ctx, path, &o, &ref), SKINQ_OK);
            struct swap sw = {wide, 0};
            ctx->after_probe = swap_hook;
            ctx->after_probe_user = &sw;
            assert_int_equal(skinq_analyze_file(ctx, path, &o, &a), SKINQ_OK);
            ctx->after_probe = NULL;
            assert_true(sw.done); /* the path now holds the wide file */
            assert_int_equal(a->width, 640);
            assert_string_equal(a->sha256, ref->sha256);
            assert_true(a->file_size == ref->file_size);
            expect_identical(a, ref, 0);
            skinq_analysis_free(&ref);
            skinq_analysis_free(&a);
            /* put the narrow file back, the wide one beside it again */
            assert_int_equal(rename(path, wide), 0);
            assert_int_equal(tu_truncate_copy(src, path, (size_t)tu_file_size(src)), 0);
        }
        skinq_ctx_close(&ctx);
    }
}

static uint8_t *no_buffer(void *user, int y0, int n, size_t *stride)
{
    (void)user, (void)y0, (void)n, (void)stride;
    fail_msg("the decoder asked for rows of a file whose header is not the plan's");
    return NULL;
}

static skinq_status no_rows(void *user, int y0, int n)
{
    (void)user, (void)y0, (void)n;
    return SKINQ_E_INTERNAL;
}

/* The streamed decoder checks the header it decodes against the one the buffers were planned
 * from and refuses a mismatch before the first row. */
static void test_stream_refuses_other_header(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    char src[2200];
    snprintf(src, sizeof src, "%s/day02.jpg", tu_healing_series(ctx, 640, 480));
    skinq_input in;
    assert_int_equal(skinq_input_open(ctx, src, 0, &in), SKINQ_OK);
    skinq_image_header h;
    assert_int_equal(skinq_image_probe_input(ctx, &in, &h), SKINQ_OK);
    h.width = 320; /* the plan of another file */
    skinq_row_sink sink = {no_buffer, no_rows, NULL};
    assert_int_equal(skinq_jpeg_decode_rows(ctx, &in, &h, 8, &sink), SKINQ_E_FORMAT);
    assert_non_null(strstr(skinq_ctx_error(ctx), "day02.jpg"));
    assert_non_null(strstr(skinq_ctx_error(ctx), "not the one probed"));
    skinq_input_close(ctx, &in);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streamed_equals_in_memory),
        cmocka_unit_test(test_streamed_texture_equals_in_memory),
        cmocka_unit_test(test_streamed_truncated),
        cmocka_unit_test(test_texture_added),
        cmocka_unit_test(test_compare_after_only),
        cmocka_unit_test(test_one_header_parse),
        cmocka_unit_test(test_analyzer_kept_across_photos),
        cmocka_unit_test(test_kept_buffers),
        cmocka_unit_test(test_file_swapped_after_probe),
        cmocka_unit_test(test_stream_refuses_other_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
