/* test_util.h -- helpers shared by the tests: temp paths, seeded random numbers, tolerant
 * comparisons, and writers for good and deliberately bad image files. */
#ifndef SKINQ_TEST_UTIL_H
#define SKINQ_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "skinq.h"
#include "skinq_tools.h"

/** A fresh directory for this test process (under $SKINQ_TEST_TMP or /tmp). */
const char *tu_tmpdir(void);

/** JPEG options from their defaults with these fields set. */
skinq_jpeg_options tu_jpeg_options(int quality, int orientation, const uint8_t *icc, size_t icc_size);
/** The test wide-gamut RGB profile (primaries 0.64/0.33, 0.21/0.71, 0.15/0.06, D65, gamma 2.2,
 *  "skinq test wide-gamut") as ICC bytes: malloc'ed, *n long. */
uint8_t *tu_wide_icc(size_t *n);
/** An lcms2 profile (a cmsHPROFILE) saved as ICC bytes: malloc'ed, *n long. */
uint8_t *tu_icc_bytes(void *profile, size_t *n);
/** tu_tmpdir()/name into buf. Returns buf. */
char *tu_path(char *buf, size_t n, const char *name);

/** Seed from $SKINQ_TEST_SEED, else a fixed default; printed once so a failure can be replayed. */
uint64_t tu_seed(void);
/** splitmix64 step: uniform 64-bit values from *state. */
uint64_t tu_rand(uint64_t *state);
/** Uniform double in [0, 1). */
double tu_uniform(uint64_t *state);

/** A context with default settings (threads from $SKINQ_TEST_THREADS, else 2). */
skinq_ctx *tu_ctx(void);
/** A context with this ISA ceiling and thread count (fails the test if it cannot open). */
skinq_ctx *tu_ctx_with(unsigned isa, int threads);
/** The healing-series phantom at width×height, generated once per size; its folder (valid until
 * a call with another size). */
const char *tu_healing_series(skinq_ctx *ctx, int width, int height);

/** An allocator that fails the fail_at-th allocation (1-based) and counts live blocks, for
 * SQLite-style fault injection: fail n = 1, 2, ... until the operation succeeds. */
typedef struct tu_fail_alloc {
    int fail_at, count, live;
} tu_fail_alloc;
skinq_allocator tu_fail_allocator(tu_fail_alloc *f);
/** A context (`threads` threads) whose allocator fails the n-th allocation; *f is reset. NULL when
 * opening the context was what failed (after checking that nothing was left allocated). */
skinq_ctx *tu_fail_ctx(tu_fail_alloc *f, int n, int threads);

/** Fail the test with file:line when |a-b| > tol (cmocka 1.1.5 has no assert_double_equal). */
#define assert_near(a, b, tol) tu_assert_near((double)(a), (double)(b), (double)(tol), #a, __FILE__, __LINE__)
void tu_assert_near(double a, double b, double tol, const char *expr, const char *file, int line);

/** Smooth deterministic test content: channel c at (x, y), 8- or 16-bit range. */
unsigned tu_pattern(int x, int y, int c, int depth);
/** New image filled with tu_pattern(). Aborts the test on failure. */
skinq_image *tu_pattern_image(skinq_ctx *ctx, int w, int h, int channels, int depth);

/** Write raw bytes to a file. Returns 0 on success. */
int tu_write_bytes(const char *path, const void *data, size_t n);
/** Copy the first `keep` bytes of src to dst. Returns 0 on success. */
int tu_truncate_copy(const char *src, const char *dst, size_t keep);
/** Parse a JSON file (up to 1 MiB); fails the test when it cannot. Free with cJSON_Delete(). */
cJSON *tu_read_json(const char *path);
/** Least-squares slope of y on x over n points; R² into *r2 when not NULL. */
double tu_slope(const double *x, const double *y, int n, double *r2);
/** `skinq synth --kind spectral-skin [--camera camera] [--surface surface]` into tu_path(name): its
 * truth.json into *truth (cJSON_Delete it) and its 16-bit patches.png (skinq_image_free it). */
skinq_image *tu_spectral_phantom(skinq_ctx *ctx, const char *name, const char *camera, double surface,
                                 cJSON **truth);

/** A camera unlike the CIE observer, as a CSV in the temporary folder (written once; its path):
 *  Gaussian channels peaking at 600, 535 and 455 nm (40, 35, 30 nm wide), a made-up sensor with
 *  shifted peaks and narrower bands than the CIE 1931 x̄ȳz̄. */
const char *tu_shifted_camera(void);

/** Size of a file in bytes, or -1. */
long tu_file_size(const char *path);

/** A PNG whose IHDR claims w x h (CRCs right) with no image data: probes fine, decodes never. */
int tu_write_png_header_only(const char *path, uint32_t w, uint32_t h);
/** A w x h CMYK JPEG (libjpeg can write one; skinq must refuse it). */
int tu_write_cmyk_jpeg(const char *path, int w, int h);

/**
 * A photo with a printed scale marker stuck on its skin, seen tilted (`skinq marker`'s phantom):
 * the sticker (skinq_marker_render(), id, size_mm, at 600 dpi: black 20, paper 245) pasted square-on
 * at ppm px/mm with the marker's centre at (cx, cy), then the whole photo's plane turned tilt_deg
 * about the vertical line through (cx, cy) and seen by a pinhole camera of focal f px whose axis
 * passes through (cx, cy) (f/Z = 1 there: square-on, the photo is unchanged). At the marker's centre
 * the true scale is ppm across the tilt and ppm·cos(tilt) along it. H receives the true homography
 * from the marker's mm (origin at its top-left corner) onto the result's pixels. RGB 8-bit result.
 */
skinq_status tu_marker_phantom(skinq_ctx *ctx, const skinq_image *photo, int id, double size_mm, double ppm,
                               double cx, double cy, double tilt_deg, double f, skinq_image **out,
                               double H[9]);

#endif
