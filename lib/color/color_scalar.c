/* color_scalar.c -- the scalar reference colour kernels, the shared linearisation tables, and the
 * colour kernel table (scalar entries, then the ISA files' inits). */
#include <pthread.h>

#include "color/color_kernels.h"
#include "color/srgb.h"

float skinq_srgb8_od[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (int v = 0; v < 256; v++) {
        /* code 0 has no optical density (linear 0); it is always excluded as clipped, and its
         * table entry is the density of half a code so that maps of it stay finite */
        skinq_srgb8_od[v] = (float)-log10(skinq_srgb_decode((v ? v : 0.5) / 255.0));
    }
}

void skinq_color_tables_init(void)
{
    pthread_once(&tables_once, build_tables);
}

const float *skinq_color_tables16(skinq_ctx *ctx)
{
    float *t = ctx->tables[SKINQ_TABLE_SRGB16];
    if (t)
        return t;
    t = skinq_malloc(ctx, 2 * 65536 * sizeof *t);
    if (!t)
        return NULL;
    for (int v = 0; v < 65536; v++) {
        t[v] = (float)skinq_srgb_decode(v / 65535.0);
        t[65536 + v] = (float)-log10(skinq_srgb_decode((v ? v : 0.5) / 65535.0));
    }
    ctx->tables[SKINQ_TABLE_SRGB16] = t;
    return t;
}

/*
 * The eight metrics of one pixel from its codes. The formulas (sources in color.c's table):
 *   linear c = table(code)·gain_c;  X/Xn, Y/Yn, Z/Zn = rows of skinq_rgb2xyz_n · (R, G, B)
 *   L* = 116 f(Y/Yn) − 16, a* = 500 (f(X/Xn) − f(Y/Yn)), b* = 200 (f(Y/Yn) − f(Z/Zn))   (CIE 15)
 *   OD_c = −log10(linear c) = od_table(code) − log10(gain_c)
 *   erythema index = 100 (OD_G − OD_R) = 100 log10(R/G); melanin index = 100 OD_R = 100 log10(1/R)
 *   (melanin, blood) = the inverted spectral skin model at (OD_G − OD_R, OD_G − OD_B) by table
 *   (skinq_skin_lookup; NaN out of the model)
 *   ITA° = atan2(L* − 50, b*)·180/π
 * Every SIMD body (color_tpl.h) evaluates exactly these float operations in this order.
 */
static inline void pixel_metrics(const skinq_color_params *p, unsigned cr, unsigned cg, unsigned cb,
                                 float v[SKINQ_CM_COUNT])
{
    const float *m = skinq_rgb2xyz_n;
    float r = p->lin[cr] * p->gain[0], g = p->lin[cg] * p->gain[1], b = p->lin[cb] * p->gain[2];
    float x = m[0] * r + m[1] * g + m[2] * b;
    float y = m[3] * r + m[4] * g + m[5] * b;
    float z = m[6] * r + m[7] * g + m[8] * b;
    float fx = skinq_lab_f_hh(x), fy = skinq_lab_f_hh(y), fz = skinq_lab_f_hh(z);
    v[SKINQ_CM_L] = 116.0f * fy - 16.0f;
    v[SKINQ_CM_A] = 500.0f * (fx - fy);
    v[SKINQ_CM_B] = 200.0f * (fy - fz);
    float odr = p->od[cr] + p->od_offset[0], odg = p->od[cg] + p->od_offset[1],
          odb = p->od[cb] + p->od_offset[2];
    v[SKINQ_CM_EI] = 100.0f * (odg - odr);
    v[SKINQ_CM_MI] = 100.0f * odr;
    skinq_skin_lookup(p->skin, r, g, b, odr, odg, odb, &v[SKINQ_CM_MEL], &v[SKINQ_CM_HB]);
    v[SKINQ_CM_ITA] = skinq_atan2_poly(v[SKINQ_CM_L] - 50.0f, v[SKINQ_CM_B]) * 57.2957795f;
}

/* L* and the melanin index alone, by pixel_metrics' own expressions (so bit-identical): all
 * the texture planes need, at a quarter of the work (one cube root, no arctangent). */
static inline void pixel_lmi(const skinq_color_params *p, unsigned cr, unsigned cg, unsigned cb,
                             float v[SKINQ_CM_COUNT])
{
    const float *m = skinq_rgb2xyz_n;
    memset(v, 0, sizeof(float) * SKINQ_CM_COUNT); /* not written out; defined all the same */
    float r = p->lin[cr] * p->gain[0], g = p->lin[cg] * p->gain[1], b = p->lin[cb] * p->gain[2];
    float y = m[3] * r + m[4] * g + m[5] * b;
    v[SKINQ_CM_L] = 116.0f * skinq_lab_f_hh(y) - 16.0f;
    v[SKINQ_CM_MI] = 100.0f * (p->od[cr] + p->od_offset[0]);
}

/* One pixel: metrics, optional outputs, validity and accumulation (double sums, histogram).
 * lmi: only L* and the melanin index are wanted (no accumulation). */
static inline void pixel_row_step(const skinq_color_params *p, unsigned cr, unsigned cg, unsigned cb,
                                  unsigned maxcode, int inside, size_t i, skinq_color_acc *acc,
                                  float *const *out, int lmi)
{
    float v[SKINQ_CM_COUNT];
    if (lmi)
        pixel_lmi(p, cr, cg, cb, v);
    else
        pixel_metrics(p, cr, cg, cb, v);
    if (out)
        for (int k = 0; k < SKINQ_CM_COUNT; k++)
            if (out[k])
                out[k][i] = v[k];
    if (!acc)
        return;
    int clip = cr == 0 || cg == 0 || cb == 0 || cr == maxcode || cg == maxcode || cb == maxcode;
    int valid = inside && !clip;
    acc->inside += (uint64_t)(inside != 0);
    acc->clipped += (uint64_t)(inside && clip);
    acc->n += (uint64_t)valid;
    acc->n_model += (uint64_t)(valid && v[SKINQ_CM_HB] == v[SKINQ_CM_HB]);
    for (int k = 0; k < SKINQ_CM_COUNT; k++) {
        int bin = SKINQ_CHIST_BINS;
        if (valid && (!skinq_cm_model(k) || v[k] == v[k])) {
            double d = (double)(v[k] - p->shift[k]);
            acc->sum[k] += d;
            acc->sumsq[k] += d * d;
            bin = (int)skinq_bin_f(v[k], p->hist_lo[k], p->hist_scale[k]);
        }
        acc->hist[k * SKINQ_CHIST_STRIDE + bin]++;
    }
}

void skinq_color_row8_scalar(const skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask, size_t n,
                             skinq_color_acc *acc, float *const *out)
{
    const int lmi = skinq_color_lmi_only(acc, out);
    for (size_t i = 0; i < n; i++, rgb += 3)
        pixel_row_step(p, rgb[0], rgb[1], rgb[2], 255, mask ? mask[i] != 0 : 1, i, acc, out, lmi);
}

void skinq_color_row16_scalar(const skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask, size_t n,
                              skinq_color_acc *acc, float *const *out)
{
    const int lmi = skinq_color_lmi_only(acc, out);
    for (size_t i = 0; i < n; i++, rgb += 3)
        pixel_row_step(p, rgb[0], rgb[1], rgb[2], 65535, mask ? mask[i] != 0 : 1, i, acc, out, lmi);
}

void skinq_color_hist8_scalar(const uint8_t *rgb, const uint8_t *mask, size_t n, uint32_t *hist,
                              uint8_t *rows)
{
    skinq_hist_run r = {SKINQ_HIST8_DUMP, 0};
    skinq_hist8_pixels(&r, rgb, mask, 0, n, hist, rows);
    skinq_hist_flush(&r, hist, rows);
}

#define FIXED_ISA scalar
#include "color_fixed_tpl.h"

void skinq_color_dsp_init(struct skinq_color_dsp *d, unsigned isa)
{
    skinq_color_tables_init();
    skinq_dsp_begin(&d->meta, sizeof *d, "color", isa);
    SKINQ_DSP_SET(d, color_row8, skinq_color_row8, scalar);
    SKINQ_DSP_SET(d, color_row16, skinq_color_row16, scalar);
    SKINQ_DSP_SET(d, color_hist8, skinq_color_hist8, scalar);
    SKINQ_DSP_SET(d, color_to_fixed, skinq_color_to_fixed, scalar);
    SKINQ_DSP_SET(d, color_fixed8_L, skinq_color_fixed8_L, scalar);
#if SKINQ_HAVE_SSE41
    if (isa & SKINQ_ISA_SSE41)
        skinq_color_dsp_init_sse41(d);
#endif
#if SKINQ_HAVE_AVX2
    if (isa & SKINQ_ISA_AVX2)
        skinq_color_dsp_init_avx2(d);
#endif
}

SKINQ_DSP_TABLES(skinq_color_dsp, skinq_color_dsp, skinq_color_dsp_init)
