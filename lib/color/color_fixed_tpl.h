/* color_fixed_tpl.h -- the plain-C fixed-point rows (color_to_fixed, color_fixed8_L) shared by
 * color_scalar.c (baseline) and color_avx2.c (whose -mavx2 -ffp-contract=off vectorise them 8 or
 * 16 a step with the same roundings: bit-exact). The including file defines FIXED_ISA. */

#define FIXED_CAT_(a, b) a##_##b
#define FIXED_CAT(a, b) FIXED_CAT_(a, b)

void FIXED_CAT(skinq_color_to_fixed, FIXED_ISA)(const float *restrict L, const float *restrict mel,
                                                uint16_t *restrict L16, int16_t *restrict mel16, int n)
{
    for (int x = 0; L16 && x < n; x++)
        L16[x] = skinq_fixed_L(L[x]);
    for (int x = 0; mel16 && x < n; x++)
        mel16[x] = skinq_fixed_mel(mel[x]);
}

/* L* = 116·f(Y/Yn) − 16 as the row kernels compute it (skinq_lab_f_hh), to fixed point. */
void FIXED_CAT(skinq_color_fixed8_L, FIXED_ISA)(const float *restrict Y, uint16_t *restrict L16, int n)
{
    for (int x = 0; x < n; x++)
        L16[x] = skinq_fixed_L(116.0f * skinq_lab_f_hh(Y[x]) - 16.0f);
}
