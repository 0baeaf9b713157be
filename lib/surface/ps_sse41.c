/* ps_sse41.c -- SSE4.1 photometric-stereo row kernel (4 pixels a step; body in ps_tpl.h). */
#include <math.h>

#include "core/simd_sse41.h"
#include "surface_kernels.h"

#define PS_ROW_NAME skinq_ps_row_sse41

void skinq_ps_row_sse41(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                        float *nz, float *albedo, uint8_t *code);

#include "ps_tpl.h"

void skinq_surface_dsp_init_sse41(struct skinq_surface_dsp *d)
{
    SKINQ_DSP_SET(d, ps_row, skinq_ps_row, sse41);
}
