/* bench_int.h -- internal: what the bench files share. Layers, each calling only those below it:
 * run.c (options, ISA levels, the run) -> stages.c (generated photos), sampleset.c (a folder of
 * photos), accuracy.c (phantoms with truth) -> depth.c (the depth stages), peers.c (the peers),
 * photo.c (the generated photos) -> bench.c (results, timing, contexts). */
#ifndef SKINQ_BENCH_INT_H
#define SKINQ_BENCH_INT_H

#include "core/core.h"

#define SKINQ_BENCH_MAX_RUNS 64

/* bench.c */
double skinq_bench_now(void);
/** Time fn `runs` times after a warm-up call; seconds into t[0..runs-1]. */
skinq_status skinq_bench_time(int runs, skinq_status (*fn)(void *), void *user, double *t);
/** A whole file into a buffer from ctx's allocator (*size its bytes). */
skinq_status skinq_bench_read_file(skinq_ctx *ctx, const char *path, uint8_t **out, size_t *size);
/** A context for one ISA mask and thread count, on parent's allocator, or NULL. */
skinq_ctx *skinq_bench_ctx(const skinq_ctx *parent, unsigned isa, int threads);
void skinq_bench_progress(const skinq_bench_options *o, const char *what, int done, int total);

/** An empty result on ctx's allocator. @return SKINQ_OK or SKINQ_E_NOMEM. */
skinq_status skinq_bench_result_new(skinq_ctx *ctx, skinq_bench_result **out);
/** Append a stage / peer from n timings of mpix megapixels each (t is sorted in place). */
skinq_status skinq_bench_add_stage(skinq_ctx *ctx, skinq_bench_result *r, const char *name, const char *isa,
                                   int threads, double mpix, double *t, int n);
skinq_status skinq_bench_add_peer(skinq_ctx *ctx, skinq_bench_result *r, const char *name, double mpix,
                                  double *t, int n);
/** Append one phantom's accuracy (a copy; its dir is copied too). */
skinq_status skinq_bench_add_accuracy(skinq_ctx *ctx, skinq_bench_result *r, const skinq_bench_accuracy *a);
skinq_status skinq_bench_add_photo(skinq_ctx *ctx, skinq_bench_result *r, const skinq_bench_photo_stat *p);
skinq_status skinq_bench_add_ratio(skinq_ctx *ctx, skinq_bench_result *r, double value, const char *fmt, ...)
    SKINQ_PRINTF(4, 5);

/** A generated w×h skin photo as a camera takes it (photo.c); the seed varies tone, light, pores, noise. */
skinq_status skinq_bench_photo(skinq_ctx *ctx, int w, int h, uint32_t seed, skinq_image **out);
/** Distinct colours of an 8-bit RGB image (0 for other images or without 2 MB of memory). */
uint64_t skinq_bench_colors(skinq_ctx *ctx, const skinq_image *img);

/* The runs (stages.c, sampleset.c, depth.c): stages appended to r; r->levels and r->threads set. */
skinq_status skinq_bench_generated(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r);
skinq_status skinq_bench_sample_set(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r);
skinq_status skinq_bench_depth(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r);
/** Every photo of o->real timed alone (decode, colour, whole analysis): r->photos. */
skinq_status skinq_bench_real(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r);
/** A photo file's name (no folder) and distinct colours into p (the file decoded once); with
 *  runs > 0 its decode time too (median of runs): a JPEG by bare libjpeg-turbo from memory (what
 *  the README's ratios divide by), another file by skinq_image_load(). */
skinq_status skinq_bench_photo_colors(skinq_ctx *ctx, const char *path, int runs, skinq_bench_photo_stat *p);
/** The accuracy on the phantoms of o->truth (accuracy.c), appended to r->accuracy. */
skinq_status skinq_bench_truth(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r);

/* Peers (peers.c). */
/** Bare libjpeg-turbo: decode a JPEG held in memory into a reused buffer (as tjbench does). */
skinq_status skinq_bench_jpeg_decode_bare(skinq_ctx *ctx, const uint8_t *jpg, size_t size, uint8_t *rgb,
                                          size_t stride, int *width, int *height);
/** Bare FFTW: the r2c transforms of every tile x tile window at `step` over a w×h plane, on ctx's threads. */
typedef struct skinq_bench_fftw skinq_bench_fftw;
skinq_status skinq_bench_fftw_new(skinq_ctx *ctx, int tile, skinq_bench_fftw **out);
void skinq_bench_fftw_tiles(skinq_ctx *ctx, skinq_bench_fftw *b, const float *plane, int w, int h, int step);
void skinq_bench_fftw_free(skinq_ctx *ctx, skinq_bench_fftw **b);

#endif
