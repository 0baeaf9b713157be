/* ps_avx2.c -- AVX2 photometric-stereo row kernel (8 pixels a step; body in ps_tpl.h; no FMA,
 * so results are bit-exact with ps_scalar.c). */
#include <math.h>

#include "core/simd_avx2.h"
#include "surface_kernels.h"

#define PS_ROW_NAME skinq_ps_row_avx2

void skinq_ps_row_avx2(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                       float *nz, float *albedo, uint8_t *code);

#include "ps_tpl.h"

void skinq_surface_dsp_init_avx2(struct skinq_surface_dsp *d)
{
    SKINQ_DSP_SET(d, ps_row, skinq_ps_row, avx2);
}
