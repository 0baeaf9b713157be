/* color_tpl.h -- the fused colour-analysis row body shared by color_sse41.c and color_avx2.c: VW
 * pixels a step, tails through a zero-padded stack block (the one place tails are handled).
 * Mirrors color_scalar.c operation for operation, so per-pixel values and histogram bins are
 * bit-exact (see color_kernels.h). The including file defines vf, vi, VW, the V_* / VI_* macros,
 * V_GATHER(table, vi), the loaders color_load8 / color_load16 / color_load_mask, and
 * COLOR_ROW8_NAME / COLOR_ROW16_NAME. */

#define V_ABS(x) V_ANDNOT(V_SET1(-0.0f), (x))

/* Cube root as skinq_cbrt_hh(): magic first guess, two Householder steps, t·r·r. */
static inline vf color_cbrt(vf t)
{
    vi g = VI_SUB(VI_SET1(SKINQ_CBRT_MAGIC), VI_CVT_NEAREST(V_MUL(VI_TO_F(V_AS_I(t)), V_SET1(1.0f / 3.0f))));
    vf r = VI_AS_F(g);
    for (int k = 0; k < 2; k++) {
        vf d = V_SUB(V_SET1(1.0f), V_MUL(t, V_MUL(V_MUL(r, r), r)));
        r = V_MUL(r, V_ADD(V_MUL(d, V_ADD(V_MUL(d, V_SET1(2.0f / 9.0f)), V_SET1(1.0f / 3.0f))), V_SET1(1.0f)));
    }
    return V_MUL(V_MUL(t, r), r);
}

/* CIE f(t): the root on lanes above the toe (others computed on 1.0 and discarded). */
static inline vf color_lab_f(vf t)
{
    vf big = V_GT(t, V_SET1(SKINQ_LAB_EPS));
    vf toe = V_ADD(V_MUL(t, V_SET1(SKINQ_LAB_TOE_K)), V_SET1(SKINQ_LAB_TOE_C));
    return V_BLEND(toe, color_cbrt(V_BLEND(V_SET1(1.0f), t, big)), big);
}

/* skinq_atan2_poly() lane-wise. */
static inline vf color_atan2(vf y, vf x)
{
    vf ax = V_ABS(x), ay = V_ABS(y);
    vf mx = V_MAX(ax, ay), mn = V_MIN(ax, ay);
    mx = V_MAX(mx, V_SET1(1.17549435e-38f));
    vf a = V_DIV(mn, mx), s = V_MUL(a, a);
    vf p = V_SET1(skinq_atan_c[7]);
    for (int k = 6; k >= 0; k--)
        p = V_ADD(V_MUL(p, s), V_SET1(skinq_atan_c[k]));
    vf r = V_MUL(a, p);
    r = V_BLEND(r, V_SUB(V_SET1(1.57079637f), r), V_GT(ay, ax));
    r = V_BLEND(r, V_SUB(V_SET1(3.14159274f), r), V_LT(x, V_SET1(0.0f)));
    r = V_BLEND(r, V_XOR(r, V_SET1(-0.0f)), V_LT(y, V_SET1(0.0f)));
    return r;
}

/* The metrics of VW pixels given their codes; returns the validity mask (all-ones lanes). */
static inline vf color_metrics(const skinq_color_params *p, vi r8, vi g8, vi b8, vi mraw, vi maxcode, vf v[SKINQ_CM_COUNT],
                               int *n_valid, int *n_clipped, int *n_inside)
{
    const float *m = skinq_rgb2xyz_n;
    vf r = V_MUL(V_GATHER(p->lin, r8), V_SET1(p->gain[0]));
    vf g = V_MUL(V_GATHER(p->lin, g8), V_SET1(p->gain[1]));
    vf b = V_MUL(V_GATHER(p->lin, b8), V_SET1(p->gain[2]));
    vf x = V_ADD(V_ADD(V_MUL(V_SET1(m[0]), r), V_MUL(V_SET1(m[1]), g)), V_MUL(V_SET1(m[2]), b));
    vf y = V_ADD(V_ADD(V_MUL(V_SET1(m[3]), r), V_MUL(V_SET1(m[4]), g)), V_MUL(V_SET1(m[5]), b));
    vf z = V_ADD(V_ADD(V_MUL(V_SET1(m[6]), r), V_MUL(V_SET1(m[7]), g)), V_MUL(V_SET1(m[8]), b));
    vf fx = color_lab_f(x), fy = color_lab_f(y), fz = color_lab_f(z);
    v[SKINQ_CM_L] = V_SUB(V_MUL(V_SET1(116.0f), fy), V_SET1(16.0f));
    v[SKINQ_CM_A] = V_MUL(V_SET1(500.0f), V_SUB(fx, fy));
    v[SKINQ_CM_B] = V_MUL(V_SET1(200.0f), V_SUB(fy, fz));
    vf odr = V_ADD(V_GATHER(p->od, r8), V_SET1(p->od_offset[0]));
    vf odg = V_ADD(V_GATHER(p->od, g8), V_SET1(p->od_offset[1]));
    vf odb = V_ADD(V_GATHER(p->od, b8), V_SET1(p->od_offset[2]));
    v[SKINQ_CM_EI] = V_MUL(V_SET1(100.0f), V_SUB(odg, odr));
    v[SKINQ_CM_MI] = V_MUL(V_SET1(100.0f), odr);
    v[SKINQ_CM_MEL] = V_ADD(V_ADD(V_MUL(V_SET1(p->decomp[0][0]), odr), V_MUL(V_SET1(p->decomp[0][1]), odg)),
                            V_MUL(V_SET1(p->decomp[0][2]), odb));
    v[SKINQ_CM_HB] = V_ADD(V_ADD(V_MUL(V_SET1(p->decomp[1][0]), odr), V_MUL(V_SET1(p->decomp[1][1]), odg)),
                           V_MUL(V_SET1(p->decomp[1][2]), odb));
    v[SKINQ_CM_ITA] = V_MUL(color_atan2(V_SUB(v[SKINQ_CM_L], V_SET1(50.0f)), v[SKINQ_CM_B]), V_SET1(57.2957795f));

    vi zero = VI_SET1(0);
    vi outside = VI_EQ(mraw, zero);
    vi mn = VI_MIN_U32(VI_MIN_U32(r8, g8), b8), mxc = VI_MAX_U32(VI_MAX_U32(r8, g8), b8);
    vi clip = VI_OR(VI_EQ(mn, zero), VI_EQ(mxc, maxcode));
    vi invalid = VI_OR(outside, clip);
    *n_valid = VW - __builtin_popcount((unsigned)V_MOVEMASK(VI_AS_F(invalid)));
    *n_inside = VW - __builtin_popcount((unsigned)V_MOVEMASK(VI_AS_F(outside)));
    *n_clipped = __builtin_popcount((unsigned)V_MOVEMASK(VI_AS_F(VI_ANDNOT(outside, clip))));
    return VI_AS_F(VI_ANDNOT(invalid, VI_EQ(zero, zero)));
}

/* L* and the melanin index alone (skinq_color_lmi_only), by color_metrics' own expressions. */
static inline void color_lmi(const skinq_color_params *p, vi r8, vi g8, vi b8, vf v[SKINQ_CM_COUNT])
{
    const float *m = skinq_rgb2xyz_n;
    for (int k = 0; k < SKINQ_CM_COUNT; k++)
        v[k] = V_SET1(0.0f); /* not written out; defined all the same */
    vf r = V_MUL(V_GATHER(p->lin, r8), V_SET1(p->gain[0]));
    vf g = V_MUL(V_GATHER(p->lin, g8), V_SET1(p->gain[1]));
    vf b = V_MUL(V_GATHER(p->lin, b8), V_SET1(p->gain[2]));
    vf y = V_ADD(V_ADD(V_MUL(V_SET1(m[3]), r), V_MUL(V_SET1(m[4]), g)), V_MUL(V_SET1(m[5]), b));
    v[SKINQ_CM_L] = V_SUB(V_MUL(V_SET1(116.0f), color_lab_f(y)), V_SET1(16.0f));
    v[SKINQ_CM_MI] = V_MUL(V_SET1(100.0f), V_ADD(V_GATHER(p->od, r8), V_SET1(p->od_offset[0])));
}

/* Accumulate one step: moments in the float lane accumulators s, q; bins into the histogram. */
static inline void color_accumulate(const skinq_color_params *p, skinq_color_acc *acc, const vf v[SKINQ_CM_COUNT],
                                    vf valid, vf s[SKINQ_CM_COUNT], vf q[SKINQ_CM_COUNT])
{
    _Alignas(32) int32_t idx[SKINQ_CM_COUNT][VW];
    for (int k = 0; k < SKINQ_CM_COUNT; k++) {
        vf d = V_AND(V_SUB(v[k], V_SET1(p->shift[k])), valid);
        s[k] = V_ADD(s[k], d);
        q[k] = V_ADD(q[k], V_MUL(d, d));
        vf t = V_MUL(V_SUB(v[k], V_SET1(p->hist_lo[k])), V_SET1(p->hist_scale[k]));
        t = V_MAX(t, V_SET1(0.0f));
        t = V_MIN(t, V_SET1((float)(SKINQ_CHIST_BINS - 1)));
        t = V_BLEND(V_SET1((float)SKINQ_CHIST_BINS), t, valid);
        VI_STORE(idx[k], VI_ADD(VI_CVTT(t), VI_SET1(k * SKINQ_CHIST_STRIDE)));
    }
    uint32_t *h = acc->hist;
    for (int l = 0; l < VW; l++) /* lane-major: neighbouring increments hit different histograms */
        for (int k = 0; k < SKINQ_CM_COUNT; k++)
            h[idx[k][l]]++;
}

static inline void color_flush(skinq_color_acc *acc, vf s[SKINQ_CM_COUNT], vf q[SKINQ_CM_COUNT])
{
    for (int k = 0; k < SKINQ_CM_COUNT; k++) {
        _Alignas(32) float a[VW], b[VW];
        V_STORE(a, s[k]);
        V_STORE(b, q[k]);
        double sa = 0, sb = 0;
        for (int l = 0; l < VW; l++) {
            sa += a[l];
            sb += b[l];
        }
        acc->sum[k] += sa;
        acc->sumsq[k] += sb;
        s[k] = q[k] = V_SET1(0.0f);
    }
}

/* The row body for one sample type T (uint8_t / uint16_t) and its loader. */
#define COLOR_ROW_BODY(T, LOAD, MAXCODE)                                                                         \
    vf s[SKINQ_CM_COUNT], q[SKINQ_CM_COUNT];                                                                     \
    for (int k = 0; k < SKINQ_CM_COUNT; k++)                                                                     \
        s[k] = q[k] = V_SET1(0.0f);                                                                              \
    const vi maxcode = VI_SET1(MAXCODE), ones = VI_SET1(1);                                                      \
    uint64_t nv = 0, nc = 0, ni = 0;                                                                             \
    const int lmi = skinq_color_lmi_only(acc, out);                                                              \
    size_t i = 0;                                                                                                \
    int steps = 0;                                                                                               \
    for (; i + VW <= n; i += VW) {                                                                               \
        vi r8, g8, b8;                                                                                           \
        LOAD(rgb + 3 * i, &r8, &g8, &b8);                                                                        \
        vi mraw = mask ? color_load_mask(mask + i) : ones;                                                       \
        vf v[SKINQ_CM_COUNT];                                                                                    \
        int a = 0, c = 0, d = 0;                                                                                 \
        vf valid = V_SET1(0.0f);                                                                                 \
        if (lmi)                                                                                                 \
            color_lmi(p, r8, g8, b8, v);                                                                         \
        else                                                                                                     \
            valid = color_metrics(p, r8, g8, b8, mraw, maxcode, v, &a, &c, &d);                                  \
        if (out)                                                                                                 \
            for (int k = 0; k < SKINQ_CM_COUNT; k++)                                                             \
                if (out[k])                                                                                      \
                    V_STORE(out[k] + i, v[k]);                                                                   \
        if (acc) {                                                                                               \
            nv += (uint64_t)a, nc += (uint64_t)c, ni += (uint64_t)d;                                             \
            color_accumulate(p, acc, v, valid, s, q);                                                            \
            if (++steps == SKINQ_COLOR_BLOCK) {                                                                  \
                color_flush(acc, s, q);                                                                          \
                steps = 0;                                                                                       \
            }                                                                                                    \
        }                                                                                                        \
    }                                                                                                            \
    if (i < n) { /* the tail: a zero-padded block whose padding lanes are outside the mask */                    \
        size_t rest = n - i;                                                                                     \
        T px[3 * VW];                                                                                            \
        uint8_t mk[VW];                                                                                          \
        memset(px, 0, sizeof px);                                                                                \
        memset(mk, 0, sizeof mk);                                                                                \
        memcpy(px, rgb + 3 * i, 3 * rest * sizeof(T));                                                          \
        for (size_t l = 0; l < rest; l++)                                                                        \
            mk[l] = mask ? mask[i + l] : 1;                                                                      \
        vi r8, g8, b8;                                                                                           \
        LOAD(px, &r8, &g8, &b8);                                                                                 \
        vf v[SKINQ_CM_COUNT];                                                                                    \
        int a = 0, c = 0, d = 0;                                                                                 \
        vf valid = V_SET1(0.0f);                                                                                 \
        if (lmi)                                                                                                 \
            color_lmi(p, r8, g8, b8, v);                                                                         \
        else                                                                                                     \
            valid = color_metrics(p, r8, g8, b8, color_load_mask(mk), maxcode, v, &a, &c, &d);                   \
        if (out)                                                                                                 \
            for (int k = 0; k < SKINQ_CM_COUNT; k++)                                                             \
                if (out[k]) {                                                                                    \
                    _Alignas(32) float tmp[VW];                                                                  \
                    V_STORE(tmp, v[k]);                                                                          \
                    memcpy(out[k] + i, tmp, rest * sizeof(float));                                               \
                }                                                                                                \
        if (acc) {                                                                                               \
            nv += (uint64_t)a, nc += (uint64_t)c, ni += (uint64_t)d;                                             \
            color_accumulate(p, acc, v, valid, s, q);                                                            \
            steps = 1;                                                                                           \
        }                                                                                                        \
    }                                                                                                            \
    if (acc) {                                                                                                   \
        if (steps)                                                                                               \
            color_flush(acc, s, q);                                                                              \
        acc->n += nv, acc->clipped += nc, acc->inside += ni;                                                     \
    }

void COLOR_ROW8_NAME(const skinq_color_params *p, const uint8_t *rgb, const uint8_t *mask, size_t n,
                     skinq_color_acc *acc, float *const *out)
{
    COLOR_ROW_BODY(uint8_t, color_load8, 255)
}

void COLOR_ROW16_NAME(const skinq_color_params *p, const uint16_t *rgb, const uint8_t *mask, size_t n,
                      skinq_color_acc *acc, float *const *out)
{
    COLOR_ROW_BODY(uint16_t, color_load16, 65535)
}
