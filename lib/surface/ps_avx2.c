/* ps_avx2.c -- AVX2 photometric-stereo row kernel (8 pixels a step; body in ps_tpl.h; no FMA,
 * so results are bit-exact with ps_scalar.c). */
#include <immintrin.h>
#include <math.h>

#include "core/dispatch.h"
#include "surface_kernels.h"

typedef __m256 vf;
#define VW 8
#define V_LOAD _mm256_loadu_ps
#define V_STORE _mm256_storeu_ps
#define V_SET1 _mm256_set1_ps
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_DIV _mm256_div_ps
#define V_SQRT _mm256_sqrt_ps
#define V_MAX _mm256_max_ps
#define V_AND _mm256_and_ps
#define V_ANDNOT _mm256_andnot_ps
#define V_LT(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define V_LE(a, b) _mm256_cmp_ps((a), (b), _CMP_LE_OQ)
#define V_GT(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define V_GE(a, b) _mm256_cmp_ps((a), (b), _CMP_GE_OQ)
#define V_NEQ(a, b) _mm256_cmp_ps((a), (b), _CMP_NEQ_UQ)
#define V_EQ(a, b) _mm256_cmp_ps((a), (b), _CMP_EQ_OQ)
#define V_BLEND(a, b, m) _mm256_blendv_ps((a), (b), (m))
#define V_MOVEMASK _mm256_movemask_ps
#define PS_ROW_NAME skinq_ps_row_avx2

void skinq_ps_row_avx2(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                       float *nz, float *albedo, uint8_t *code);

#include "ps_tpl.h"

void skinq_surface_init_avx2(struct skinq_kernels *k)
{
    k->ps_row = skinq_ps_row_avx2;
    k->name_ps_row = "avx2";
}
