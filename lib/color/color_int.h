/* color_int.h -- internal: what the lib/color files share: kernel parameters for an image
 * (params.c), one-row dispatch, histogram statistics, streaming, the ROI (roi.c). */
#ifndef SKINQ_COLOR_INT_H
#define SKINQ_COLOR_INT_H

#include "color/color_kernels.h"

/** The default moment shift of each metric (params.c), until a region's own centre is known. */
extern const float skinq_color_shift0[SKINQ_CM_COUNT];

/**
 * Kernel constants for an image (params.c): the 8- or 16-bit tables, gains (NULL = 1, 1, 1), the
 * decomposition rows, the histogram ranges and default moment shifts.
 * @return SKINQ_OK, SKINQ_E_UNSUPPORTED (depth not 8/16), SKINQ_E_NOMEM (16-bit tables).
 */
skinq_status skinq_color_params_init(skinq_ctx *ctx, skinq_color_params *p, const skinq_image *img,
                                     const double gains[3]);

/**
 * Run the dispatched row kernel on pixels [x0, x0+n) of row y of an RGB image (8 or 16 bit).
 * mask: n bytes or NULL; acc, out as in color_kernels.h.
 */
void skinq_color_row(const struct skinq_color_dsp *k, const skinq_color_params *p, const skinq_image *img,
                     int y, int x0, size_t n, const uint8_t *mask, skinq_color_acc *acc, float *const *out);

/**
 * The statistics of an 8-bit image's box (masks m1 AND m2, either NULL) by colour histogram
 * (colorhist.c): moments and counts are added to `acc`, histogram bins to bins[t] (one
 * SKINQ_CM_COUNT × SKINQ_CHIST_STRIDE array per thread of ctx). Same numbers as the per-pixel
 * kernels, far fewer evaluations. @return SKINQ_OK or SKINQ_E_NOMEM.
 */
skinq_status skinq_color_hist_pass(skinq_ctx *ctx, const skinq_color_params *p, const skinq_image *img,
                                   skinq_rect box, const skinq_mask *m1, const skinq_mask *m2,
                                   skinq_color_acc *acc, uint32_t **bins);

/**
 * Which path skinq_color_analyze() takes for an 8-bit box without maps: the histogram (one count
 * a pixel, then one evaluation per distinct colour, plus a scan of every touched (r, g) row of
 * the table) or the per-pixel kernels (one evaluation a pixel). Both give the same numbers
 * (tests/unit/test_color_paths.c). Measured (benchmarks/bench_color_paths.c, 1 thread, AMD EPYC):
 * a camera-like 12-MP JPEG with 456k colours (3.8 % of its pixels) takes 84 ms by histogram,
 * 270 ms by kernels; a 512² portrait whose colours are 43 % of its pixels 12.7 vs 9.8 ms. So the
 * kernels pay only where nearly every pixel has a colour of its own, which only a small image
 * can have (skinq_color_sampled_colors() tells: about 64k pixels of the box on a grid). They
 * are NOT chosen automatically: the streamed JPEG analysis always counts colours, and an
 * in-memory analysis (auto-skin, TIFF, PNG) must give the same bytes as the streamed one (t022:
 * auto-skin vs its saved mask; the moments of the two paths differ in the last digits), for a
 * gain of ~3 ms on a 512² photo. skinq_color_hist_pays() is therefore 1 unless
 * skinq_color_path_force is 2. skinq_color_path_force: 0 the default (histogram), 1 forces the
 * histogram, 2 the kernels (tests and benchmarks; process-wide, set it while no analysis runs).
 */
#define SKINQ_COLOR_PIXEL_MAX_SPARSE 8 /* the kernels would pay: box <= 8 samples, > half distinct */
extern int skinq_color_path_force;
/** Distinct colours among the about 64k pixels of box sampled on a grid; the sample's size into *n. */
int skinq_color_sampled_colors(skinq_ctx *ctx, const skinq_image *img, skinq_rect box, int *n);
/** 1 when the histogram path is the faster for this box (see above). */
int skinq_color_hist_pays(skinq_ctx *ctx, const skinq_image *img, skinq_rect box);

/* The colour histograms behind skinq_color_hist_pass(), for callers that feed rows themselves
 * (the streaming JPEG analysis): `slots` independent histograms (one per feeding thread), each
 * slot fed by one thread at a time, evaluated together; at most `pixels` pixels in all. Two
 * counters give the same numbers: the 2^24-entry table, kept warm in the ctx between analyses,
 * and, for a region of at most SKINQ_COLOR_LIST_MAX_PIXELS when no table is warm, a sorted list
 * (colorhist.c: a fresh table's page faults cost more than sorting a small photo's pixels).
 * skinq_color_counter_force: 0 that choice, 1 the table, 2 the list (tests and benchmarks). */
#define SKINQ_COLOR_LIST_MAX_PIXELS ((size_t)1 << 21)
extern int skinq_color_counter_force;
typedef struct skinq_color_counts skinq_color_counts;
skinq_status skinq_color_counts_new(skinq_ctx *ctx, int slots, size_t pixels, skinq_color_counts **out);
void skinq_color_counts_free(skinq_ctx *ctx, skinq_color_counts **c);
/** 1 for the list counter, 0 for the table. */
int skinq_color_counts_is_list(const skinq_color_counts *c);
/** Count n pixels of 8-bit RGB (mask NULL = all) into a slot. */
void skinq_color_counts_row(skinq_color_counts *c, int slot, const struct skinq_color_dsp *k,
                            const uint8_t *rgb, const uint8_t *mask, size_t n);
/** Evaluate every counted colour: moments and counts into acc, bins into bins[thread]. Leaves the
 *  counts empty (once per count). */
skinq_status skinq_color_counts_eval(skinq_ctx *ctx, skinq_color_counts *c, const skinq_color_params *p,
                                     skinq_color_acc *acc, uint32_t **bins);

/** What the reference region contributes: its means (delta_ref) and median a* (red area). */
typedef struct skinq_color_ref {
    int has;
    double mean[SKINQ_CM_COUNT];
    double median_a;
} skinq_color_ref;

void skinq_color_ref_summary(const skinq_color_params *p, const skinq_color_acc *acc, skinq_color_ref *R);

/**
 * The metrics of a region's accumulation (totals in T, histograms filled) under the design's
 * paths, with reference deltas when R->has, areas at the scale px_per_mm (0 = unknown); fills
 * info's counts, red-area threshold and ITA category.
 * @return SKINQ_OK, SKINQ_E_EMPTY_ROI (no valid pixel), SKINQ_E_NOMEM.
 */
skinq_status skinq_color_emit(skinq_ctx *ctx, const skinq_color_options *o, double px_per_mm,
                              const skinq_color_params *p, const skinq_color_acc *T, const skinq_color_ref *R,
                              skinq_color_info *info, skinq_metrics *out);

/** The provenance every colour pass starts from: D65, the ROI's source ("+alpha" when alpha
 * applied) and bounding box, unit gains. roi NULL: the whole width×height image. */
void skinq_color_info_init(skinq_color_info *I, const skinq_roi *roi, int width, int height);

/** Accumulators of every thread (each with its own histogram) plus their sum (stats.c). */
typedef struct skinq_color_accs {
    int n;
    skinq_color_acc *a; /**< n + 1: a[n] is the total */
    uint32_t *hist;
} skinq_color_accs;

skinq_status skinq_color_accs_new(skinq_ctx *ctx, skinq_color_accs *A, int threads);
void skinq_color_accs_reset(skinq_color_accs *A);
/** Add threads 0..n-1 into the total a[n]. */
void skinq_color_accs_sum(skinq_color_accs *A);
void skinq_color_accs_free(skinq_ctx *ctx, skinq_color_accs *A);
/** The per-thread histograms as an array for skinq_color_counts_eval() (free with skinq_free), or NULL. */
uint32_t **skinq_color_accs_bins(skinq_ctx *ctx, const skinq_color_accs *A);

/** gains_c = reflectance / (sum_c / n): the white patch's linear means to its reflectance.
 * @return SKINQ_OK or SKINQ_E_EMPTY_ROI (n == 0; the message names the patch). */
skinq_status skinq_color_gains_from_sums(skinq_ctx *ctx, const double sum[3], uint64_t n, double reflectance,
                                         skinq_rect patch, int width, int height, double gains[3]);

/** skinq_roi_resolve() without pixels or alpha (roi.c), for a decoder's rows: every kind but
 * auto-skin (SKINQ_E_INVALID). */
skinq_status skinq_roi_resolve_size(skinq_ctx *ctx, int width, int height, const skinq_roi_options *o,
                                    double px_per_mm, skinq_roi **out);

/* Streaming (color_stream.c): the statistics of an 8-bit RGB image fed row batch by row batch
 * in order, by one thread at a time, over a resolved ROI (borrowed until the stream is freed;
 * no maps). */
typedef struct skinq_color_stream skinq_color_stream;
skinq_status skinq_color_stream_new(skinq_ctx *ctx, int width, int height, const skinq_roi *roi,
                                    const skinq_color_options *o, skinq_color_stream **out);
void skinq_color_stream_rows(skinq_color_stream *s, const uint8_t *rows, size_t stride, int y0, int n);
/** Evaluate: the metrics and provenance skinq_color_analyze() would give for the whole image. */
skinq_status skinq_color_stream_finish(skinq_ctx *ctx, skinq_color_stream *s, skinq_metrics *out,
                                       skinq_color_info *info);
void skinq_color_stream_free(skinq_ctx *ctx, skinq_color_stream **s);

/** Tables for skinq_color_row_fixed8 from 8-bit colour parameters (gains included): each
 *  channel code's term of Y/Yn, and the fixed-point melanin index of each red code (it depends
 *  on red alone). */
typedef struct skinq_color_fixed8 {
    const struct skinq_color_dsp *dsp; /* the parameters' kernel table (color_fixed8_L) */
    float y[3][256];
    int16_t mel16[256];
} skinq_color_fixed8;
void skinq_color_fixed8_init(skinq_color_fixed8 *t, const skinq_color_params *p);
/** n 8-bit RGB pixels to skinq_color_planes16()'s fixed-point L* and melanin index (either
 *  output may be NULL); row: n floats of scratch. The stream and the plane pass share it. The
 *  values equal the colour kernels' L* and index (the same float operations in the same order)
 *  put to fixed point, without their gathers: table loads, then a vectorised L* pass. */
void skinq_color_row_fixed8(const skinq_color_fixed8 *t, const uint8_t *rgb, int n, float *row, uint16_t *L16,
                            int16_t *mel16);

/** Summary of one metric's histogram and moments. */
typedef struct skinq_color_stat {
    double mean, std, min, max;
} skinq_color_stat;

/** mean and population std from the accumulated moments of metric m (n > 0). */
/** Pixels behind metric m's statistics: the valid ones, and for blood and melanin only those
 *  inside the skin model. */
uint64_t skinq_color_metric_n(const skinq_color_acc *acc, int m);
skinq_color_stat skinq_color_moments(const skinq_color_params *p, const skinq_color_acc *acc, int m);

/**
 * The q-quantile (0..1) of metric m from its histogram: numpy's "linear" definition on order
 * statistics estimated inside their bins; within one bin width of the exact value.
 */
double skinq_color_percentile(const skinq_color_acc *acc, int m, double q);

/** Fraction of the valid pixels whose metric m exceeds `thr` (from the histogram, linear in the
 * threshold's bin). */
double skinq_color_fraction_above(const skinq_color_acc *acc, int m, double thr);

/** Bin width of metric m. */
double skinq_color_bin_width(int m);

/* ---- maps (color_maps.c): the pass sums a few metrics over f×f pixel cells ---- */
enum { MAP_A, MAP_EI, MAP_HB, MAP_MEL, MAP_COUNT };
extern const int skinq_color_map_metric[MAP_COUNT];

typedef struct color_maps {
    int f, w, h;              /* factor, cells per row, rows of cells */
    float *sum[MAP_COUNT];    /* w×h sums of each map's metric over a cell's valid pixels */
    uint32_t *valid, *inside; /* counts per cell */
    uint32_t *model;          /* valid pixels inside the skin model (the blood and melanin maps' count) */
} color_maps;

/** Cells of at most max_size per side for a width×height image. */
skinq_status skinq_color_maps_new(skinq_ctx *ctx, color_maps *M, int width, int height, int max_size);
void skinq_color_maps_free(skinq_ctx *ctx, color_maps *M);

/**
 * Write a.png, erythema_index.png, hemoglobin.png, melanin.png (cell means, colour range
 * p02–p98 of the ROI from `acc`), overlay_a.png (a* over the photo) and roi.png (the photo
 * dimmed outside the ROI) into dir, each atomically; with grids, also the cell means as .npy
 * (a.npy ... melanin.npy, float32, NaN without a pixel) and inside.npy (uint8).
 */
skinq_status skinq_color_maps_write(skinq_ctx *ctx, const color_maps *M, const skinq_color_acc *acc,
                                    const skinq_image *img, const char *dir, int grids);

#endif
