/* texture_int.h -- internal: the texture pass's shared types (the resolved configuration, the
 * image view, the plan) and the entry points of psd.c, glcm.c, pores.c, lines.c, spots.c. */
#ifndef SKINQ_TEXTURE_INT_H
#define SKINQ_TEXTURE_INT_H

#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/core.h"
#include "texture_kernels.h"

#define TEX_MAX_BINS 128 /* radial PSD bins (bins_per_octave <= 8 over <= 12 octaves) */
#define TEX_MIN_TILE 32  /* smallest PSD tile the fallback tries */
#define TEX_MAX_SIZES 8  /* tile sizes 32 .. 4096 */
#define TEX_MAX_CLASSES ((TEX_MAX_BINS + 1) * 16)

/** The image as the parts see it: float planes (L, mel) or 16-bit fixed-point ones (L16, mel16,
 *  SKINQ_L16_SCALE / SKINQ_MEL16_SCALE; half the memory for a whole photo), exactly one of each
 *  kind set (mel may be absent); parts read them only through tex_L_span / tex_mel_span.
 *  roi == NULL: every pixel is inside. */
typedef struct tex_img {
    const float *L, *mel;
    const uint16_t *L16;
    const int16_t *mel16;
    int w, h;
    size_t stride;
    const uint8_t *roi;
    size_t roi_stride;
    uint64_t inside; /* ROI pixels */
    skinq_rect bbox; /* bounding box of the ROI */
} tex_img;

static inline int tex_in(const tex_img *im, int x, int y)
{
    return !im->roi || im->roi[(size_t)y * im->roi_stride + (size_t)x] != 0;
}

/** n L* values of row y from column x0: a pointer into a float plane, or the 16-bit plane's
 *  values converted into buf (n floats). */
static inline const float *tex_L_span(const tex_img *im, int y, int x0, int n, float *buf)
{
    if (im->L)
        return im->L + (size_t)y * im->stride + (size_t)x0;
    const uint16_t *r = im->L16 + (size_t)y * im->stride + (size_t)x0;
    for (int i = 0; i < n; i++)
        buf[i] = (float)r[i] * (1.0f / SKINQ_L16_SCALE);
    return buf;
}

/** The same for the melanin-index plane (SKINQ_MEL16_NONE reads as NaN). */
static inline const float *tex_mel_span(const tex_img *im, int y, int x0, int n, float *buf)
{
    if (im->mel)
        return im->mel + (size_t)y * im->stride + (size_t)x0;
    const int16_t *r = im->mel16 + (size_t)y * im->stride + (size_t)x0;
    for (int i = 0; i < n; i++)
        buf[i] = r[i] == SKINQ_MEL16_NONE ? NAN : (float)r[i] * (1.0f / SKINQ_MEL16_SCALE);
    return buf;
}

static inline int tex_has_mel(const tex_img *im)
{
    return im->mel || im->mel16;
}

/** Options resolved for one execute: every length in px, every frequency in cycles/px. */
typedef struct tex_cfg {
    double ppm; /* px per mm used for conversions (the real one, or the nominal) */
    int scale_known;
    double band[3][2]; /* fine, medium, coarse */
    double rough[2], slope[2];
    double pore_d[2], pore_thr;                               /* diameters px; contrast L* */
    double line_sigma[2], line_thr;                           /* Gaussian sigmas px; contrast L* */
    double spot_sigma, spot_min_delta, spot_k, spot_min_area; /* px, MI, 1, px^2 */
    int tone_block;                                           /* px */
    /* units for the metrics */
    const char *u_freq, *u_dens;
} tex_cfg;

/** A run [a, b) of one kx row of the transposed spectrum (ky = a .. b−1) sharing a
 *  (radial bin, bands) class c (for the roughness band's ranges c is unused). */
typedef struct tex_run {
    uint16_t a, b, c;
} tex_run;

/** One tile size of the plan: FFTW plans, window, per-thread scratch.
 *  The 2-D transforms are made of 1-D passes (psd.c): the rows two at a time as one complex DFT,
 *  and column DFTs that write the spectrum transposed, kx-major: element (ky, kx) at
 *  tsp[kx·T + ky] (ky = 0 .. T−1 in FFTW's order, kx = 0 .. T/2). Under FFTW_ESTIMATE this ran
 *  ~1.6× faster than the 2-D r2c plan at T = 512 (whose rows use slower r2c codelets and whose
 *  column DFTs go one strided column at a time), and the roughness inverse needs only the kc kx
 *  rows its band reaches. */
typedef struct tex_size {
    int T;
    fftwf_plan fwd_pairs; /* T/2 complex DFTs: in (rows 2m, 2m+1 as re, im) → back (T/2 × T) */
    fftwf_plan fwd_cols;  /* T/2+1 column DFTs: spec → tsp (= in, as T/2+1 rows of T complex) */
    fftwf_plan inv_cols;  /* kc inverse DFTs: tsp rows 0 .. kc−1 → spec columns (tex_size_rough) */
    fftwf_plan inv_pairs; /* T/2 inverse DFTs: back → in (rows 2m, 2m+1 as re, im) */
    int kc, kc_planned;   /* kx rows the roughness band reaches (the tables'); the planned kc */
    float *win;           /* T Hann weights (2-D window = win[x]·win[y]) */
    double sw, sw2;       /* Σ w, Σ w² of the 2-D window */
    float *xc;            /* T centred coordinates x − (T−1)/2 */
    double sxx;           /* Σ xc² (1-D) */
    double *H, *G;        /* T complex: DFT of w and of xc·w (psd.c, tile_window) */
    int *hidx, nh;        /* the k where H(k) != 0 (0, 1, T−1 for the periodic Hann) */
    int nthreads;
    float **in, **back;   /* per thread (fftwf_malloc): in T×(T/2+1) complex (the paired rows,
                           * then tsp), back T×T floats */
    fftwf_complex **spec; /* per thread T×(T/2+1) */
    /* frequency tables for the current scale (rebuilt when ppm changes) */
    double table_ppm;
    uint16_t *cls;  /* per spectrum element: its (radial bin, bands) class; 0 = DC */
    uint8_t *bands; /* per element: bits 0-2 fine/medium/coarse, bit 3 roughness band */
    float *colw;    /* T/2+1 column weights: 1 for columns 0 and T/2, else 2 */
    tex_run *runs;  /* per kx row of tsp, its runs of one class, by ky */
    int *run_off;   /* T/2+2: kx row j's runs are runs[run_off[j] .. run_off[j+1]) */
    tex_run *rruns; /* per kx row < kc, the ky ranges in the roughness band */
    int *rrun_off;  /* T/2+2, as run_off */
    int run_cap, rrun_cap;
    int nbins, nclasses;
    int16_t class_bin[TEX_MAX_CLASSES]; /* radial bin of a class, -1 = none (beyond Nyquist) */
    uint8_t class_bits[TEX_MAX_CLASSES];
    double bin_count[TEX_MAX_BINS], bin_logf[TEX_MAX_BINS];
    skinq_allocator alloc;
} tex_size;

struct skinq_texture_plan {
    skinq_texture_options o;
    tex_size *sizes[TEX_MAX_SIZES]; /* index log2(T) - 5, made on first use */
    skinq_allocator alloc;
};

/** PSD + roughness results (also what the maps need). */
typedef struct tex_psd_out {
    int T, tiles;
    int nbins;
    double bin_freq[TEX_MAX_BINS], bin_power[TEX_MAX_BINS]; /* cycles/px, L*²·px² (0 count: skipped) */
    double band[3], total, slope, sa, sq;
    int map_x, map_y; /* the tile drawn in the maps (top-left) */
} tex_psd_out;

/** A detected pore (px). */
typedef struct tex_pore {
    float x, y, d, contrast;
} tex_pore;

typedef struct tex_pores_out {
    tex_pore *items; /* skinq_malloc'd, count entries, in tile order */
    size_t count;
} tex_pores_out;

typedef struct tex_lines_out {
    double length_px; /* total centreline length */
    double contrast_sum;
    uint64_t pixels; /* centreline pixels */
    uint8_t *mask;   /* w×h centreline mask when maps are wanted, else NULL */
} tex_lines_out;

/** Get (making on first use, under the FFTW lock) the plan's tile size T. NULL on NOMEM (recorded). */
tex_size *tex_plan_size(skinq_ctx *ctx, skinq_texture_plan *p, int T);
void tex_size_free(tex_size *s);
/** (Re)build a size's frequency tables for a configuration (cheap when the scale is unchanged);
 *  -1 when out of memory for them. */
int tex_size_tables(tex_size *s, const tex_cfg *c, int bpo);
/** Plan the roughness inverse's column pass for the tables' band (kc rows), when kc changed. -1 on
 *  failure (recorded). */
int tex_size_rough(skinq_ctx *ctx, tex_size *s);

/** PSD and roughness over the ROI's tiles. SKINQ_E_EMPTY_ROI when no tile fits. */
skinq_status tex_psd(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, const tex_cfg *c, int rough,
                     tex_psd_out *r);
/** The 2-D log10 PSD of one T×T tile at (x0, y0), fftshifted, into T×T floats (for maps). */
skinq_status tex_psd_tile_image(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, int T, int x0,
                                int y0, float *dst);

/** GLCM features (7, in the order of tex_glcm_names) over the ROI. */
#define TEX_GLCM_FEATURES 7
extern const char *const tex_glcm_names[TEX_GLCM_FEATURES];
skinq_status tex_glcm(skinq_ctx *ctx, const tex_img *im, int levels, int minmax, int row_step,
                      double feat[TEX_GLCM_FEATURES]);
/** The auto rule's anchor budget: step 1 up to this many ROI pixels. */
#define TEX_GLCM_AUTO_ANCHORS 4000000u
/** The anchor-row step of the option glcm_row_step (0, the default, and -1: auto, 1 up to
 * TEX_GLCM_AUTO_ANCHORS ROI pixels, else 3; 1..16 itself) for a ROI of `inside` pixels. */
int tex_glcm_row_step(int option, uint64_t inside);

/** The 12 (row, col) offsets of distances 1, 2, 4 × angles 0/45/90/135° (scikit-image's rounding). */
extern const int tex_glcm_offsets[12][2];

skinq_status tex_pores(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, tex_pores_out *r);
skinq_status tex_lines(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask, tex_lines_out *r);
/** Both on one pass over the tiles (poreslines.c): each tile of u is loaded once, with the wider of the
 * two margins, and both parts run on it while it is in cache; the same results as the two calls.
 * On failure pr->items and lr->mask may still need freeing. */
skinq_status tex_pores_lines(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask,
                             tex_pores_out *pr, tex_lines_out *lr);

/* The parts' steps, for tex_pores_lines: begin (plan, per-thread scratch, with room for a tile
 * of u and the pyramid's scratch when own_tile; NOMEM frees everything), one tile of the
 * TEX_SS_CORE grid from a tile of u with the part's margin (rows `stride` floats apart; pyr:
 * the caller's tex_pyr_scratch of at least the part's tile, NULL when own_tile; any thread of
 * the context), end (merge in tile order, free the job). */
/* The core side of the scale-space parts' tiles: 384 + margins (~1 MB a plane) beat 512 by 13 % on
 * 1 thread (12-MP pores + lines, 2026-12-07; equal on 2). */
#define TEX_SS_CORE 384
typedef struct tex_pores_job tex_pores_job;
typedef struct tex_lines_job tex_lines_job;
skinq_status tex_pores_begin(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int own_tile,
                             tex_pores_job **out);
int tex_pores_margin(const tex_pores_job *j);
void tex_pores_tile(tex_pores_job *j, int task, int thread, const float *u, size_t stride, float *pyr);
skinq_status tex_pores_end(skinq_ctx *ctx, tex_pores_job *j, tex_pores_out *r);
skinq_status tex_lines_begin(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask, int own_tile,
                             tex_lines_job **out);
int tex_lines_margin(const tex_lines_job *j);
void tex_lines_tile(tex_lines_job *j, int task, int thread, const float *u, size_t stride, float *pyr);
void tex_lines_end(skinq_ctx *ctx, tex_lines_job *j, tex_lines_out *r);

/** Spots: count and area fraction of melanin outliers; NaN-free on success. */
skinq_status tex_spots(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, double *count,
                       double *area_fraction);
/* spots.c's pieces, for the tests (tests/kernels/check_texture.c, tests/unit/test_texture.c): the
 * median by radix selection (the value of skinq_quantile_inplace(v, n, 0.5); v stays a
 * permutation), the box blur (three passes, in place, the ctx's kernels), and the baseline grid
 * of sigma (the ctx's kernels; tex_base_free frees it, also after a failure). */
double tex_median_inplace(float *v, size_t n);
skinq_status tex_spots_blur3(skinq_ctx *ctx, float *p, int w, int h, double sigma);
/* The 8-connected regions of a bit plane (h rows of ww words, bit x % 64 of word x / 64; bits at
 * x >= w clear) of >= min_area pixels: their count and pixels added to *spots, *area. */
skinq_status tex_spots_regions(skinq_ctx *ctx, const uint64_t *bin, int w, int h, size_t ww, double min_area,
                               uint64_t *spots, uint64_t *area);
skinq_status tex_base_make(skinq_ctx *ctx, const tex_img *im, double sigma, tex_base_grid *g);
void tex_base_free(skinq_ctx *ctx, tex_base_grid *g);
/** Std of the L* means of tone_block² blocks (>= half inside the ROI); NaN with < 2 blocks (or NOMEM). */
double tex_tone_evenness(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c);

/* ---- shared helpers (tile.c) ---- */
/**
 * Pores and lines are found on u = 76·ln(L* + 16) instead of L*: a uniform exposure change ×k
 * multiplies L* + 16 by k^(1/3) (CIE 1976, above Y = 0.008856), which only shifts u, so their
 * responses and thresholds are exactly exposure-invariant; 76 = 60 + 16 makes a unit of u one
 * L* unit at L* = 60 (typical skin), so thresholds and contrasts read as "L* at L* 60".
 */
#define TEX_REL_SCALE 76.0f
void tex_relative(float *buf, size_t n);

/** A core tile of the scale-space parts: core (cx0, cy0, cw×ch) inside a tw×th buffer with margin. */
typedef struct tex_tile {
    int cx0, cy0, cw, ch, tw, th, margin;
} tex_tile;
/** Tile `task` of a grid of core×core tiles (nx a row): its geometry, and u (tex_relative) of the
 * L* plane over core + margin (clamped at the image edges) into buf. */
tex_tile tex_tile_load(const tex_img *im, int task, int nx, int core, int margin, float *buf);
/** The geometry alone. */
tex_tile tex_tile_geom(const tex_img *im, int task, int nx, int core, int margin);
/** Value at quantile q (0..1) of n NaN-free floats (a copy, skinq_quantile_inplace; n > 0). NaN on NOMEM. */
double tex_quantile(skinq_ctx *ctx, const float *v, size_t n, double q);

/* ---- the scale-space pyramid (pyramid.c) ---- */
/** Variance (px²) of the sampled Gaussian kernel (radius ceil(3.5σ)) tex_blur uses for σ. */
double tex_kernel_var(double sigma);
/** The σ whose sampled kernel has variance var (bisection on tex_kernel_var): tex_blur's σ. */
double tex_sigma_of_var(double var);
/** Separable Gaussian blur of a w×h buffer (src rows sstride floats apart, dst rows w; edges
 * clamped) by the sampled Gaussian of variance var (px²), vertical then horizontal a row at a
 * time; row holds w + 128 floats; src != dst. */
void tex_blur(const struct skinq_texture_dsp *k, const float *src, size_t sstride, float *dst, int w, int h,
              double var, float *row);
/** Every second pixel of every second row of a w×h buffer into (w+1)/2 × (h+1)/2. */
void tex_decimate(const float *src, int w, int h, float *dst);

#define TEX_PYR_LEVELS 8
#define TEX_PYR_PLANES 24
/** Planes of scales sigma[] (ascending, full-res px) spread over levels decimated by 2: level l
 * holds planes first[l] .. last[l] on a grid of 2^l px; its base is plane src[l] of level l − 1
 * decimated (level 0: the tile). */
typedef struct tex_pyr {
    int n, levels;
    double sigma[TEX_PYR_PLANES], sigma_max;
    int first[TEX_PYR_LEVELS], last[TEX_PYR_LEVELS], src[TEX_PYR_LEVELS];
    /* the blur schedule, made once by tex_pyr_plan (the bisections of the kernels' variances
     * are not redone per tile): per level and plane the increment's σ (level px; 0: the plane
     * is the level's base) and whether it blurs the base rather than the previous plane */
    double step_sigma[TEX_PYR_LEVELS][TEX_PYR_PLANES];
    uint8_t step_from_base[TEX_PYR_LEVELS][TEX_PYR_PLANES];
    const struct skinq_texture_dsp *k; /* the blur's row kernels: the ctx's kernel table */
} tex_pyr;
/** Plan n planes of which nb .. n−1−nb are evaluated, each with nb neighbour planes either side
 * on its level; a level starts where its first plane is >= s_min px of the level. */
void tex_pyr_plan(tex_pyr *py, const struct skinq_texture_dsp *k, const double *sigma, int n, int nb,
                  double s_min);
/** Tile margin (full-res px, a multiple of the coarsest level's factor) the planes need. */
int tex_pyr_margin(const tex_pyr *py);
/** Size of level `level` of a w×h tile. */
void tex_pyr_dims(int w, int h, int level, int *wl, int *hl);
/** Floats of scratch tex_pyr_run needs for a w×h tile. */
size_t tex_pyr_scratch(int w, int h);
/** Called for every plane in order (level by level, ascending σ): G is level l's w×h plane p,
 * valid until the call returns. */
typedef void (*tex_pyr_fn)(void *user, int level, int p, const float *G, int w, int h);
/** Make every plane of a w×h tile base (u, unblurred; rows `stride` floats apart, so a part can
 * run on the middle of a tile loaded with a wider margin) and hand each to fn (planes are w
 * floats a row). */
void tex_pyr_run(const tex_pyr *py, const float *base, size_t stride, int w, int h, float *scratch,
                 tex_pyr_fn fn, void *user);

/** Maps: psd.png and texture_overlay.png (longest side max_size) into dir. */
skinq_status tex_write_maps(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, const tex_psd_out *psd,
                            const tex_pores_out *pores, const tex_lines_out *lines, const char *dir,
                            int max_size);

#endif
