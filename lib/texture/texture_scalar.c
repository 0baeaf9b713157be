/* texture_scalar.c -- the texture pass's scalar kernels (the references every ISA matches bit for
 * bit) and the texture kernel table: scalar entries, then the ISA files' inits. */
#include "texture_int.h"

/* The blur's inner loop: o[x] = k[0]·c[x] + Σ_i k[i]·(lo[i][x] + hi[i][x]) for i = 1 .. r, taps
 * taken two at a time, o += k1·(a1 + b1) + k2·(a2 + b2), then the odd last one: plain row passes
 * (the x loops vectorise), the accumulator row loaded and stored once per two taps. */
void tex_acc_rows_scalar(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n)
{
    const float k0 = k[0];
    for (int x = 0; x < n; x++)
        o[x] = k0 * c[x];
    int i = 1;
    for (; i + 1 <= r; i += 2) {
        const float k1 = k[i], k2 = k[i + 1];
        const float *restrict a1 = lo[i], *restrict b1 = hi[i], *restrict a2 = lo[i + 1],
                              *restrict b2 = hi[i + 1];
        for (int x = 0; x < n; x++)
            o[x] += k1 * (a1[x] + b1[x]) + k2 * (a2[x] + b2[x]);
    }
    if (i == r) {
        const float k1 = k[i];
        const float *restrict a1 = lo[i], *restrict b1 = hi[i];
        for (int x = 0; x < n; x++)
            o[x] += k1 * (a1[x] + b1[x]);
    }
}

/* The horizontal pass: the same kernel (the AVX2 one skips its row-pointer checks). */
void tex_acc_hrow_scalar(float *restrict o, const float *c, const float *const *lo, const float *const *hi,
                         const float *k, int r, int n)
{
    tex_acc_rows_scalar(o, c, lo, hi, k, r, n);
}

/* Two vertical passes over the same rows: the reference is two calls of the row kernel (the AVX2
 * one, texture_avx2.c, loads the source rows and adds their pair sums once for both). */
void tex_acc_rows2_scalar(float *restrict oa, float *restrict ob, const float *c, const float *const *lo,
                          const float *const *hi, const float *ka, int ra, const float *kb, int rb, int n)
{
    tex_acc_rows_scalar(oa, c, lo, hi, ka, ra, n);
    tex_acc_rows_scalar(ob, c, lo, hi, kb, rb, n);
}

/* The pores' pre-filter (pores.c, find_maxima): the threshold and the two of find_at's 26
 * comparisons with the scales either side at the pixel, the same tie rule — a necessary
 * condition only, find_at decides. The AVX2 kernel (texture_avx2.c) takes each comparison's sign
 * bits eight at a time. */
void tex_peak_mask_scalar(uint64_t *m, const float *R, const float *lo, const float *hi, float thr, int n)
{
    for (int q0 = 0; q0 < n; q0 += 64) {
        const int e = n - q0 < 64 ? n - q0 : 64;
        uint64_t w = 0;
        for (int b = 0; b < e; b++) {
            const float v = R[q0 + b];
            w |= (uint64_t)((v >= thr) & (lo[q0 + b] < v) & (hi[q0 + b] <= v)) << b;
        }
        m[q0 / 64] = w;
    }
}

/* The pores' response of one row; the AVX2 kernel does 32 pixels an iteration. */
void tex_laplace_row_scalar(float *restrict o, const float *b, size_t w, float s2, int n)
{
    /* (b - w)[x], not b[x - w]: w is a size_t, x - w would wrap (UB; fuzz_analyze found it) */
    for (int x = 0; x < n; x++)
        o[x] = s2 * (b[x - 1] + b[x + 1] + (b - w)[x] + (b + w)[x] - 4 * b[x]);
}

/* The lines' candidate mask (lines.c): 64 pixels at a time, the first test a byte each in a loop that
 * vectorises, the rest where it holds, then the bytes packed eight at a time into a byte of bits. */
void tex_line_mask_scalar(const float *b, int w, int n, float s2, float thr, const float *best, uint8_t *bits,
                          float *term, size_t hs)
{
    uint8_t f[64];
    for (int k0 = 0; k0 < n; k0 += 64) {
        const int m = n - k0 < 64 ? n - k0 : 64;
        memset(f, 0, sizeof f);
        if (best)
            for (int k = 0; k < m; k++)
                f[k] = (uint8_t)tex_line_eval(b + k0 + k, w, s2, thr, best[k0 + k], NULL, 0);
        else
            for (int k = 0; k < m; k++)
                f[k] = (uint8_t)tex_line_eval(b + k0 + k, w, s2, thr, 0.0f, NULL, 0);
        TEX_FOR_FLAGS(f, m, k, {
            f[k] =
                (uint8_t)tex_line_eval(b + k0 + k, w, s2, thr, best ? best[k0 + k] : 0.0f, term + k0 + k, hs);
        })
        for (int k = 0; k < 64; k += 8) {
            uint64_t e;
            memcpy(&e, f + k, 8);
            bits[(k0 + k) >> 3] = (uint8_t)((e * 0x0102040810204080u) >> 56); /* byte i's bit 0 → bit i */
        }
    }
}

#define TEX_ISA scalar
#include "texture_tpl.h"

void tex_spots_residual_row_gather(const tex_img *im, const tex_base_grid *g, int y, float *res, float *nr,
                                   float *dr)
{
    residual_row(im, g, y, 1, 0, res, nr, dr);
}

void skinq_texture_dsp_init(struct skinq_texture_dsp *d, unsigned isa)
{
    skinq_dsp_begin(&d->meta, sizeof *d, "texture", isa);
    SKINQ_DSP_SET(d, tex_acc_rows, tex_acc_rows, scalar);
    SKINQ_DSP_SET(d, tex_acc_hrow, tex_acc_hrow, scalar);
    SKINQ_DSP_SET(d, tex_acc_rows2, tex_acc_rows2, scalar);
    SKINQ_DSP_SET(d, tex_peak_mask, tex_peak_mask, scalar);
    SKINQ_DSP_SET(d, tex_laplace_row, tex_laplace_row, scalar);
    SKINQ_DSP_SET(d, tex_line_mask, tex_line_mask, scalar);
    SKINQ_DSP_SET(d, tex_glcm_quantise16, tex_glcm_quantise16, scalar);
    SKINQ_DSP_SET(d, tex_glcm_quantise32, tex_glcm_quantise32, scalar);
    SKINQ_DSP_SET(d, tex_glcm_mask_outside, tex_glcm_mask_outside, scalar);
    SKINQ_DSP_SET(d, tex_glcm_pair_cells, tex_glcm_pair_cells, scalar);
    SKINQ_DSP_SET(d, tex_spots_box_rows, tex_spots_box_rows, scalar);
    SKINQ_DSP_SET(d, tex_spots_box_cols, tex_spots_box_cols, scalar);
    SKINQ_DSP_SET(d, tex_spots_block_sums, tex_spots_block_sums, scalar);
    SKINQ_DSP_SET(d, tex_spots_residual_row, tex_spots_residual_row, scalar);
#if SKINQ_HAVE_AVX2
    if (isa & SKINQ_ISA_AVX2)
        skinq_texture_dsp_init_avx2(d);
#endif
    /* no AVX-512 file: at that level every slot keeps its AVX2 kernel. 16-lane ports of the blur,
     * pores' and lines' rows (git show 936b9f0:lib/texture/texture_avx512.c), bit-exact and 1.1-2x
     * the AVX2 ones in checkasm's hot loop, made pores + lines ~10 % slower on a 12-MP plane
     * (docs/perf-log.md, "AVX-512 texture kernels") */
}

SKINQ_DSP_TABLES(skinq_texture_dsp, skinq_texture_dsp, skinq_texture_dsp_init)
