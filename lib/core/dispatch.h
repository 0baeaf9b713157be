/* dispatch.h -- the kernel table: one function pointer per hot kernel, filled scalar first,
 * then overwritten by each ISA level the mask allows (dav1d/libwebp style). Each module's ISA
 * files export one init function; the dispatcher never names individual SIMD kernels. */
#ifndef SKINQ_DISPATCH_H
#define SKINQ_DISPATCH_H

#include "core.h"

struct skinq_ps_params; /* surface kernels' parameters (lib/surface/surface_kernels.h) */
struct skinq_color_params; /* colour kernels' parameters and accumulator (lib/color/color_kernels.h) */
struct skinq_color_acc;

struct skinq_kernels {
    unsigned isa; /* the ISA mask this table was built for */

    /* ---- colour kernels (lib/color/color_kernels.h) ---- */
    /** n interleaved 8-bit sRGB pixels → n interleaved float L*, a*, b* (D65); any n, no alignment. */
    void (*srgb8_to_lab)(const uint8_t *rgb, float *lab, size_t n);
    const char *name_srgb8_to_lab; /* the ISA that filled it, for info/bench */
    /** Fused analysis pass: n 8-bit RGB pixels (+ mask) → metrics accumulated and/or written out. */
    void (*color_row8)(const struct skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask, size_t n,
                       struct skinq_color_acc *acc, float *const *out);
    const char *name_color_row8;
    /** The same for 16-bit RGB. */
    void (*color_row16)(const struct skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask, size_t n,
                        struct skinq_color_acc *acc, float *const *out);
    const char *name_color_row16;
    /** Exact colour histogram of n 8-bit RGB pixels (+ mask): hist[r<<16|g<<8|b]++, rows[r<<8|g] = 1. */
    void (*color_hist8)(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist, uint8_t *rows);
    const char *name_color_hist8;

    /* ---- surface kernels (lib/surface/surface_kernels.h) ---- */
    /** Photometric stereo: n pixels of m light rows → unit normal, albedo, outcome code. */
    void (*ps_row)(const struct skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                   float *nz, float *albedo, uint8_t *code);
    const char *name_ps_row; /* the ISA that filled it, for info/bench */

    /* ---- texture kernels (lib/texture/texture_int.h) ---- */
    /** The Gaussian pyramid's blur rows: o[x] = k[0]·c[x] + Σ_i k[i]·(lo[i][x] + hi[i][x]), x < n. */
    void (*tex_acc_rows)(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n);
    const char *name_tex_acc_rows;
    /** The same as a horizontal pass (lo[i] = c − i, hi[i] = c + i). */
    void (*tex_acc_hrow)(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n);
    const char *name_tex_acc_hrow;
    /** Two vertical passes over the same rows (oa by ka, ra; ob by kb, rb): the bits of two tex_acc_rows. */
    void (*tex_acc_rows2)(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,
                          const float *const *hi, const float *ka, int ra, const float *kb, int rb, int n);
    const char *name_tex_acc_rows2;
    /** Pores' pre-filter bits: R[q] >= thr && lo[q] < R[q] && hi[q] <= R[q], 64 a word. */
    void (*tex_peak_mask)(uint64_t *m, const float *R, const float *lo, const float *hi, float thr, int n);
    const char *name_tex_peak_mask;
    /** Pores' response row: s2 × the 4-neighbour Laplacian of rows w floats apart. */
    void (*tex_laplace_row)(float *restrict o, const float *b, size_t w, float s2, int n);
    const char *name_tex_laplace_row;
    /** Lines' candidate bits of a row and their Hessian terms (rows hs floats apart). */
    void (*tex_line_mask)(const float *b, int w, int n, float s2, float thr, const float *best, uint8_t *bits,
                          float *term, size_t hs);
    const char *name_tex_line_mask;
};

/** Fill a table for an ISA mask: scalar entries, then each allowed level in rising order. */
void skinq_kernels_init(struct skinq_kernels *k, unsigned isa_mask);

/** The table for a context's ISA mask (built once per distinct mask, thread-safe, never freed). */
const struct skinq_kernels *skinq_ctx_kernels(const skinq_ctx *ctx);

#endif
