/* color_tpl.h -- the fused colour-analysis row body shared by color_sse41.c and color_avx2.c: VW
 * pixels a step, tails through a zero-padded stack block (the one place tails are handled).
 * Mirrors color_scalar.c operation for operation, so per-pixel values and histogram bins are
 * bit-exact (see color_kernels.h). The including file includes core/simd_<isa>.h (vf, vi, VW and
 * the vf_* / vi_* helpers) and defines the loaders color_load8 / color_load16 / color_load_mask
 * and COLOR_ROW8_NAME / COLOR_ROW16_NAME. */

/* Cube root as skinq_cbrt_hh(): magic first guess, two Householder steps, t·r·r. */
static inline vf color_cbrt(vf t)
{
    vi g = vi_sub(vi_set1(SKINQ_CBRT_MAGIC),
                  vi_from_vf_nearest(vf_mul(vf_from_vi(vf_as_vi(t)), vf_set1(1.0f / 3.0f))));
    vf r = vi_as_vf(g);
    for (int k = 0; k < 2; k++) {
        vf d = vf_sub(vf_set1(1.0f), vf_mul(t, vf_mul(vf_mul(r, r), r)));
        r = vf_mul(r, vf_add(vf_mul(d, vf_add(vf_mul(d, vf_set1(2.0f / 9.0f)), vf_set1(1.0f / 3.0f))),
                             vf_set1(1.0f)));
    }
    return vf_mul(vf_mul(t, r), r);
}

/* CIE f(t): the root on lanes above the toe (others computed on 1.0 and discarded). */
static inline vf color_lab_f(vf t)
{
    vf big = vf_gt(t, vf_set1(SKINQ_LAB_EPS));
    vf toe = vf_add(vf_mul(t, vf_set1(SKINQ_LAB_TOE_K)), vf_set1(SKINQ_LAB_TOE_C));
    return vf_blend(toe, color_cbrt(vf_blend(vf_set1(1.0f), t, big)), big);
}

/* skinq_atan2_poly() lane-wise. */
static inline vf color_atan2(vf y, vf x)
{
    vf ax = vf_abs(x), ay = vf_abs(y);
    vf mx = vf_max(ax, ay), mn = vf_min(ax, ay);
    mx = vf_max(mx, vf_set1(1.17549435e-38f));
    vf a = vf_div(mn, mx), s = vf_mul(a, a);
    vf p = vf_set1(skinq_atan_c[7]);
    for (int k = 6; k >= 0; k--)
        p = vf_add(vf_mul(p, s), vf_set1(skinq_atan_c[k]));
    vf r = vf_mul(a, p);
    r = vf_blend(r, vf_sub(vf_set1(1.57079637f), r), vf_gt(ay, ax));
    r = vf_blend(r, vf_sub(vf_set1(3.14159274f), r), vf_lt(x, vf_set1(0.0f)));
    r = vf_blend(r, vf_xor(r, vf_set1(-0.0f)), vf_lt(y, vf_set1(0.0f)));
    return r;
}

/* skinq_skin_lookup() lane-wise: nine gathers (two values at four corners, G at one). */
static inline void color_skin_lookup(const skinq_skin_table *t, vf r, vf g, vf b, vf odr, vf odg, vf odb,
                                     vf *mel, vf *blood)
{
    const vf xmax = vf_set1(SKINQ_SKIN_TAB_XMAX), zero = vf_set1(0.0f), one = vf_set1(1.0f);
    vf x = vf_mul(vf_sub(vf_sub(odg, odr), vf_set1(t->u0)), vf_set1(t->su));
    vf y = vf_mul(vf_sub(vf_sub(odg, odb), vf_set1(t->v0)), vf_set1(t->sv));
    x = vf_min(vf_max(x, zero), xmax);
    y = vf_min(vf_max(y, zero), xmax);
    vf xi = vf_from_vi(vi_from_vf_trunc(x)), yi = vf_from_vi(vi_from_vf_trunc(y));
    vf fx = vf_sub(x, xi), fy = vf_sub(y, yi), gx = vf_sub(one, fx), gy = vf_sub(one, fy);
    vi i = vi_from_vf_trunc(
        vf_add(vf_mul(yi, vf_set1((float)(3 * SKINQ_SKIN_TAB_N))), vf_mul(xi, vf_set1(3.0f))));
    const float *q = &t->tab[0][0][0];
    const int row = 3 * SKINQ_SKIN_TAB_N;
    vf v[2];
    for (int k = 0; k < 2; k++)
        v[k] = vf_add(
            vf_mul(vf_add(vf_mul(vf_gather(q + k, i), gx), vf_mul(vf_gather(q + 3 + k, i), fx)), gy),
            vf_mul(vf_add(vf_mul(vf_gather(q + row + k, i), gx), vf_mul(vf_gather(q + row + 3 + k, i), fx)),
                   fy));
    vf shading = vf_div(g, vf_gather(q + 2, i));
    const vf dmin = vf_set1(SKINQ_SKIN_DARK), nan = vf_set1(NAN);
    vf dark = vf_or(vf_or(vf_lt(r, dmin), vf_lt(g, dmin)), vf_lt(b, dmin));
    vf lit = vf_and(vf_ge(shading, vf_set1(SKINQ_SKIN_SHADING_MIN)),
                    vf_le(shading, vf_set1(SKINQ_SKIN_SHADING_MAX)));
    vf out = vf_or(dark, vf_andnot(lit, vf_eq(zero, zero)));
    *mel = vf_blend(v[0], nan, out);
    *blood = vf_blend(v[1], nan, out);
}

/* The metrics of VW pixels given their codes; returns the validity mask (all-ones lanes). */
static inline vf color_metrics(const skinq_color_params *p, vi r8, vi g8, vi b8, vi mraw, vi maxcode,
                               vf v[SKINQ_CM_COUNT], int *n_valid, int *n_clipped, int *n_inside)
{
    const float *m = skinq_rgb2xyz_n;
    vf r = vf_mul(vf_gather(p->lin, r8), vf_set1(p->gain[0]));
    vf g = vf_mul(vf_gather(p->lin, g8), vf_set1(p->gain[1]));
    vf b = vf_mul(vf_gather(p->lin, b8), vf_set1(p->gain[2]));
    vf x = vf_add(vf_add(vf_mul(vf_set1(m[0]), r), vf_mul(vf_set1(m[1]), g)), vf_mul(vf_set1(m[2]), b));
    vf y = vf_add(vf_add(vf_mul(vf_set1(m[3]), r), vf_mul(vf_set1(m[4]), g)), vf_mul(vf_set1(m[5]), b));
    vf z = vf_add(vf_add(vf_mul(vf_set1(m[6]), r), vf_mul(vf_set1(m[7]), g)), vf_mul(vf_set1(m[8]), b));
    vf fx = color_lab_f(x), fy = color_lab_f(y), fz = color_lab_f(z);
    v[SKINQ_CM_L] = vf_sub(vf_mul(vf_set1(116.0f), fy), vf_set1(16.0f));
    v[SKINQ_CM_A] = vf_mul(vf_set1(500.0f), vf_sub(fx, fy));
    v[SKINQ_CM_B] = vf_mul(vf_set1(200.0f), vf_sub(fy, fz));
    vf odr = vf_add(vf_gather(p->od, r8), vf_set1(p->od_offset[0]));
    vf odg = vf_add(vf_gather(p->od, g8), vf_set1(p->od_offset[1]));
    vf odb = vf_add(vf_gather(p->od, b8), vf_set1(p->od_offset[2]));
    v[SKINQ_CM_EI] = vf_mul(vf_set1(100.0f), vf_sub(odg, odr));
    v[SKINQ_CM_MI] = vf_mul(vf_set1(100.0f), odr);
    color_skin_lookup(p->skin, r, g, b, odr, odg, odb, &v[SKINQ_CM_MEL], &v[SKINQ_CM_HB]);
    v[SKINQ_CM_ITA] =
        vf_mul(color_atan2(vf_sub(v[SKINQ_CM_L], vf_set1(50.0f)), v[SKINQ_CM_B]), vf_set1(57.2957795f));

    vi zero = vi_set1(0);
    vi outside = vi_eq(mraw, zero);
    vi mn = vi_min_u32(vi_min_u32(r8, g8), b8), mxc = vi_max_u32(vi_max_u32(r8, g8), b8);
    vi clip = vi_or(vi_eq(mn, zero), vi_eq(mxc, maxcode));
    vi invalid = vi_or(outside, clip);
    *n_valid = VW - __builtin_popcount((unsigned)vf_movemask(vi_as_vf(invalid)));
    *n_inside = VW - __builtin_popcount((unsigned)vf_movemask(vi_as_vf(outside)));
    *n_clipped = __builtin_popcount((unsigned)vf_movemask(vi_as_vf(vi_andnot(outside, clip))));
    return vi_as_vf(vi_andnot(invalid, vi_eq(zero, zero)));
}

/* L* and the melanin index alone (skinq_color_lmi_only), by color_metrics' own expressions. */
static inline void color_lmi(const skinq_color_params *p, vi r8, vi g8, vi b8, vf v[SKINQ_CM_COUNT])
{
    const float *m = skinq_rgb2xyz_n;
    for (int k = 0; k < SKINQ_CM_COUNT; k++)
        v[k] = vf_set1(0.0f); /* not written out; defined all the same */
    vf r = vf_mul(vf_gather(p->lin, r8), vf_set1(p->gain[0]));
    vf g = vf_mul(vf_gather(p->lin, g8), vf_set1(p->gain[1]));
    vf b = vf_mul(vf_gather(p->lin, b8), vf_set1(p->gain[2]));
    vf y = vf_add(vf_add(vf_mul(vf_set1(m[3]), r), vf_mul(vf_set1(m[4]), g)), vf_mul(vf_set1(m[5]), b));
    v[SKINQ_CM_L] = vf_sub(vf_mul(vf_set1(116.0f), color_lab_f(y)), vf_set1(16.0f));
    v[SKINQ_CM_MI] = vf_mul(vf_set1(100.0f), vf_add(vf_gather(p->od, r8), vf_set1(p->od_offset[0])));
}

/* Accumulate one step: moments in the float lane accumulators s, q; bins into the histogram. */
static inline void color_accumulate(const skinq_color_params *p, skinq_color_acc *acc,
                                    const vf v[SKINQ_CM_COUNT], vf valid, vf s[SKINQ_CM_COUNT],
                                    vf q[SKINQ_CM_COUNT])
{
    _Alignas(32) int32_t idx[SKINQ_CM_COUNT][VW];
    for (int k = 0; k < SKINQ_CM_COUNT; k++) {
        vf ok = skinq_cm_model(k) ? vf_and(valid, vf_eq(v[k], v[k])) : valid;
        vf d = vf_and(vf_sub(v[k], vf_set1(p->shift[k])), ok);
        s[k] = vf_add(s[k], d);
        q[k] = vf_add(q[k], vf_mul(d, d));
        vf t = vf_mul(vf_sub(v[k], vf_set1(p->hist_lo[k])), vf_set1(p->hist_scale[k]));
        t = vf_max(t, vf_set1(0.0f));
        t = vf_min(t, vf_set1((float)(SKINQ_CHIST_BINS - 1)));
        t = vf_blend(vf_set1((float)SKINQ_CHIST_BINS), t, ok);
        vi_store_aligned(idx[k], vi_add(vi_from_vf_trunc(t), vi_set1(k * SKINQ_CHIST_STRIDE)));
    }
    uint32_t *h = acc->hist;
    for (int l = 0; l < VW; l++) /* lane-major: neighbouring increments hit different histograms */
        for (int k = 0; k < SKINQ_CM_COUNT; k++)
            h[idx[k][l]]++;
}

/* Valid lanes inside the skin model. */
static inline uint64_t color_in_model(const vf v[SKINQ_CM_COUNT], vf valid)
{
    vf ok = vf_and(valid, vf_eq(v[SKINQ_CM_HB], v[SKINQ_CM_HB]));
    return (uint64_t)__builtin_popcount((unsigned)vf_movemask(ok));
}

static inline void color_flush(skinq_color_acc *acc, vf s[SKINQ_CM_COUNT], vf q[SKINQ_CM_COUNT])
{
    for (int k = 0; k < SKINQ_CM_COUNT; k++) {
        _Alignas(32) float a[VW], b[VW];
        vf_store(a, s[k]);
        vf_store(b, q[k]);
        double sa = 0, sb = 0;
        for (int l = 0; l < VW; l++) {
            sa += a[l];
            sb += b[l];
        }
        acc->sum[k] += sa;
        acc->sumsq[k] += sb;
        s[k] = q[k] = vf_set1(0.0f);
    }
}

/* The row body for one sample type T (uint8_t / uint16_t) and its loader. */
#define COLOR_ROW_BODY(T, LOAD, MAXCODE)                                                                     \
    vf s[SKINQ_CM_COUNT], q[SKINQ_CM_COUNT];                                                                 \
    for (int k = 0; k < SKINQ_CM_COUNT; k++)                                                                 \
        s[k] = q[k] = vf_set1(0.0f);                                                                         \
    const vi maxcode = vi_set1(MAXCODE), ones = vi_set1(1);                                                  \
    uint64_t nv = 0, nc = 0, ni = 0, nm = 0;                                                                 \
    const int lmi = skinq_color_lmi_only(acc, out);                                                          \
    size_t i = 0;                                                                                            \
    int steps = 0;                                                                                           \
    for (; i + VW <= n; i += VW) {                                                                           \
        vi r8, g8, b8;                                                                                       \
        LOAD(rgb + 3 * i, &r8, &g8, &b8);                                                                    \
        vi mraw = mask ? color_load_mask(mask + i) : ones;                                                   \
        vf v[SKINQ_CM_COUNT];                                                                                \
        int a = 0, c = 0, d = 0;                                                                             \
        vf valid = vf_set1(0.0f);                                                                            \
        if (lmi)                                                                                             \
            color_lmi(p, r8, g8, b8, v);                                                                     \
        else                                                                                                 \
            valid = color_metrics(p, r8, g8, b8, mraw, maxcode, v, &a, &c, &d);                              \
        if (out)                                                                                             \
            for (int k = 0; k < SKINQ_CM_COUNT; k++)                                                         \
                if (out[k])                                                                                  \
                    vf_store(out[k] + i, v[k]);                                                              \
        if (acc) {                                                                                           \
            nv += (uint64_t)a, nc += (uint64_t)c, ni += (uint64_t)d;                                         \
            nm += color_in_model(v, valid);                                                                  \
            color_accumulate(p, acc, v, valid, s, q);                                                        \
            if (++steps == SKINQ_COLOR_BLOCK) {                                                              \
                color_flush(acc, s, q);                                                                      \
                steps = 0;                                                                                   \
            }                                                                                                \
        }                                                                                                    \
    }                                                                                                        \
    if (i < n) { /* the tail: a zero-padded block whose padding lanes are outside the mask */                \
        size_t rest = n - i;                                                                                 \
        T px[3 * VW];                                                                                        \
        uint8_t mk[VW];                                                                                      \
        memset(px, 0, sizeof px);                                                                            \
        memset(mk, 0, sizeof mk);                                                                            \
        memcpy(px, rgb + 3 * i, 3 * rest * sizeof(T));                                                       \
        for (size_t l = 0; l < rest; l++)                                                                    \
            mk[l] = mask ? mask[i + l] : 1;                                                                  \
        vi r8, g8, b8;                                                                                       \
        LOAD(px, &r8, &g8, &b8);                                                                             \
        vf v[SKINQ_CM_COUNT];                                                                                \
        int a = 0, c = 0, d = 0;                                                                             \
        vf valid = vf_set1(0.0f);                                                                            \
        if (lmi)                                                                                             \
            color_lmi(p, r8, g8, b8, v);                                                                     \
        else                                                                                                 \
            valid = color_metrics(p, r8, g8, b8, color_load_mask(mk), maxcode, v, &a, &c, &d);               \
        if (out)                                                                                             \
            for (int k = 0; k < SKINQ_CM_COUNT; k++)                                                         \
                if (out[k]) {                                                                                \
                    _Alignas(32) float tmp[VW];                                                              \
                    vf_store(tmp, v[k]);                                                                     \
                    memcpy(out[k] + i, tmp, rest * sizeof(float));                                           \
                }                                                                                            \
        if (acc) {                                                                                           \
            nv += (uint64_t)a, nc += (uint64_t)c, ni += (uint64_t)d;                                         \
            nm += color_in_model(v, valid);                                                                  \
            color_accumulate(p, acc, v, valid, s, q);                                                        \
            steps = 1;                                                                                       \
        }                                                                                                    \
    }                                                                                                        \
    if (acc) {                                                                                               \
        if (steps)                                                                                           \
            color_flush(acc, s, q);                                                                          \
        acc->n += nv, acc->clipped += nc, acc->inside += ni, acc->n_model += nm;                             \
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
