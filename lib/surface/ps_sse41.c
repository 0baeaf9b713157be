/* ps_sse41.c -- SSE4.1 photometric-stereo row kernel (4 pixels a step; body in ps_tpl.h). */
#include <math.h>
#include <smmintrin.h>

#include "core/dispatch.h"
#include "surface_kernels.h"

typedef __m128 vf;
#define VW 4
#define V_LOAD _mm_loadu_ps
#define V_STORE _mm_storeu_ps
#define V_SET1 _mm_set1_ps
#define V_ADD _mm_add_ps
#define V_SUB _mm_sub_ps
#define V_MUL _mm_mul_ps
#define V_DIV _mm_div_ps
#define V_SQRT _mm_sqrt_ps
#define V_MAX _mm_max_ps
#define V_AND _mm_and_ps
#define V_ANDNOT _mm_andnot_ps
#define V_LT _mm_cmplt_ps
#define V_LE _mm_cmple_ps
#define V_GT _mm_cmpgt_ps
#define V_GE _mm_cmpge_ps
#define V_NEQ _mm_cmpneq_ps
#define V_EQ _mm_cmpeq_ps
#define V_BLEND(a, b, m) _mm_blendv_ps((a), (b), (m))
#define V_MOVEMASK _mm_movemask_ps
#define PS_ROW_NAME skinq_ps_row_sse41

void skinq_ps_row_sse41(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                        float *nz, float *albedo, uint8_t *code);

#include "ps_tpl.h"

void skinq_surface_init_sse41(struct skinq_kernels *k)
{
    k->ps_row = skinq_ps_row_sse41;
    k->name_ps_row = "sse41";
}
