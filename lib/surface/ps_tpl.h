/* ps_tpl.h -- the photometric-stereo row body shared by ps_sse41.c and ps_avx2.c: VW pixels a
 * step, the tail through a zero-padded stack block (the one place tails are handled).
 * Mirrors ps_scalar.c operation for operation (see surface_kernels.h). The including file
 * includes core/simd_<isa>.h (vf, VW and the vf_* helpers) and defines PS_ROW_NAME. */

/* Adjugate solve of a symmetric 3×3 (a = xx, xy, xz, yy, yz, zz); ok = usable mask. */
static inline void ps_solve3(const vf a[6], const vf r[3], vf det_rel, vf g[3], vf *ok)
{
    vf c00 = vf_sub(vf_mul(a[3], a[5]), vf_mul(a[4], a[4]));
    vf c01 = vf_sub(vf_mul(a[2], a[4]), vf_mul(a[1], a[5]));
    vf c02 = vf_sub(vf_mul(a[1], a[4]), vf_mul(a[2], a[3]));
    vf c11 = vf_sub(vf_mul(a[0], a[5]), vf_mul(a[2], a[2]));
    vf c12 = vf_sub(vf_mul(a[1], a[2]), vf_mul(a[0], a[4]));
    vf c22 = vf_sub(vf_mul(a[0], a[3]), vf_mul(a[1], a[1]));
    vf det = vf_add(vf_add(vf_mul(a[0], c00), vf_mul(a[1], c01)), vf_mul(a[2], c02));
    vf t = vf_mul(vf_add(vf_add(a[0], a[3]), a[5]), vf_set1(1.0f / 3.0f));
    *ok = vf_gt(det, vf_mul(det_rel, vf_mul(vf_mul(t, t), t)));
    vf inv = vf_div(vf_set1(1.0f), det);
    g[0] = vf_mul(vf_add(vf_add(vf_mul(c00, r[0]), vf_mul(c01, r[1])), vf_mul(c02, r[2])), inv);
    g[1] = vf_mul(vf_add(vf_add(vf_mul(c01, r[0]), vf_mul(c11, r[1])), vf_mul(c12, r[2])), inv);
    g[2] = vf_mul(vf_add(vf_add(vf_mul(c02, r[0]), vf_mul(c12, r[1])), vf_mul(c22, r[2])), inv);
}

static inline vf ps_norm3(const vf g[3])
{
    return vf_sqrt(vf_add(vf_add(vf_mul(g[0], g[0]), vf_mul(g[1], g[1])), vf_mul(g[2], g[2])));
}

/* Max |I_k − s_k·g| over the used observations (all, or the lit ones in lanes where `use`),
 * skipping per-lane indices skip1 / skip2 (-1 = none). */
static inline vf ps_resid(const skinq_ps_params *p, const vf *I, const vf g[3], vf thr, vf use, vf skip1, vf skip2)
{
    vf e = vf_set1(0.0f);
    vf all = vf_eq(e, e);
    for (int k = 0; k < p->m; k++) {
        vf pred = vf_add(vf_add(vf_mul(vf_set1(p->s[k][0]), g[0]), vf_mul(vf_set1(p->s[k][1]), g[1])),
                        vf_mul(vf_set1(p->s[k][2]), g[2]));
        vf r = vf_abs(vf_sub(I[k], pred));
        vf kk = vf_set1((float)k);
        vf keep = vf_and(vf_blend(all, vf_gt(I[k], thr), use), vf_and(vf_neq(kk, skip1), vf_neq(kk, skip2)));
        e = vf_blend(e, vf_max(r, e), keep);
    }
    return e;
}

static inline vf ps_score(const skinq_ps_params *p, vf e, const vf g[3], vf ok)
{
    vf den = vf_max(vf_mul(ps_norm3(g), vf_set1(p->smax)), vf_set1(1e-30f));
    vf rho = vf_div(e, den);
    return vf_blend(vf_set1(INFINITY), rho, ok);
}

/* One block of VW pixels: rows[k] + off. Outputs to the given pointers (VW each). */
static inline void ps_block(const skinq_ps_params *p, const float *const *rows, size_t off, float *nx, float *ny,
                            float *nz, float *alb, float *codef)
{
    const int m = p->m;
    vf I[SKINQ_PS_MAX_LIGHTS];
    vf zero = vf_set1(0.0f);
    vf g0[3] = {zero, zero, zero}, rf[3] = {zero, zero, zero};
    I[0] = vf_load(rows[0] + off);
    vf dmina = I[0], bmax = I[0];
    vf da = zero, b = zero;
    vf sda[3] = {vf_set1(p->s[0][0]), vf_set1(p->s[0][1]), vf_set1(p->s[0][2])};
    vf sb[3] = {sda[0], sda[1], sda[2]};
    for (int k = 0; k < m; k++) {
        vf v = k ? vf_load(rows[k] + off) : I[0];
        I[k] = v;
        g0[0] = vf_add(g0[0], vf_mul(vf_set1(p->pinv[0][k]), v));
        g0[1] = vf_add(g0[1], vf_mul(vf_set1(p->pinv[1][k]), v));
        g0[2] = vf_add(g0[2], vf_mul(vf_set1(p->pinv[2][k]), v));
        vf s0 = vf_set1(p->s[k][0]), s1 = vf_set1(p->s[k][1]), s2 = vf_set1(p->s[k][2]);
        rf[0] = vf_add(rf[0], vf_mul(s0, v));
        rf[1] = vf_add(rf[1], vf_mul(s1, v));
        rf[2] = vf_add(rf[2], vf_mul(s2, v));
        vf kk = vf_set1((float)k);
        vf lt = vf_lt(v, dmina);
        dmina = vf_blend(dmina, v, lt);
        da = vf_blend(da, kk, lt);
        sda[0] = vf_blend(sda[0], s0, lt);
        sda[1] = vf_blend(sda[1], s1, lt);
        sda[2] = vf_blend(sda[2], s2, lt);
        vf ge = vf_ge(v, bmax);
        bmax = vf_blend(bmax, v, ge);
        b = vf_blend(b, kk, ge);
        sb[0] = vf_blend(sb[0], s0, ge);
        sb[1] = vf_blend(sb[1], s1, ge);
        sb[2] = vf_blend(sb[2], s2, ge);
    }
    /* lit lights only (skipped when every lane has all lights lit: then use = 0 anyway) */
    vf thr = vf_mul(vf_set1(p->shadow), bmax);
    vf all_lit = vf_eq(zero, zero);
    for (int k = 0; k < m; k++)
        all_lit = vf_and(all_lit, vf_gt(I[k], thr));
    vf use = zero;
    vf al[6] = {zero, zero, zero, zero, zero, zero}, rl[3] = {zero, zero, zero}, nl = zero;
    vf dminl = vf_set1(INFINITY), dl = vf_set1(-1.0f);
    vf sdl[3] = {zero, zero, zero};
    vf gl[3] = {zero, zero, zero};
    if (vf_movemask(all_lit) != (1 << VW) - 1) {
        for (int k = 0; k < m; k++) {
            vf v = I[k];
            vf lit = vf_gt(v, thr);
            for (int j = 0; j < 6; j++)
                al[j] = vf_add(al[j], vf_and(vf_set1(p->ss[k][j]), lit));
            for (int j = 0; j < 3; j++)
                rl[j] = vf_add(rl[j], vf_and(vf_mul(vf_set1(p->s[k][j]), v), lit));
            nl = vf_add(nl, vf_and(vf_set1(1.0f), lit));
            vf lt = vf_and(lit, vf_lt(v, dminl));
            dminl = vf_blend(dminl, v, lt);
            dl = vf_blend(dl, vf_set1((float)k), lt);
            for (int j = 0; j < 3; j++)
                sdl[j] = vf_blend(sdl[j], vf_set1(p->s[k][j]), lt);
        }
        vf okl;
        ps_solve3(al, rl, vf_set1(p->det_rel), gl, &okl);
        use = vf_and(vf_and(vf_lt(nl, vf_set1((float)m)), vf_ge(nl, vf_set1(3.0f))), okl);
    }
    vf A[6], r[3], g[3], sd[3];
    for (int j = 0; j < 6; j++)
        A[j] = vf_blend(vf_set1(p->a0[j]), al[j], use);
    for (int j = 0; j < 3; j++) {
        r[j] = vf_blend(rf[j], rl[j], use);
        g[j] = vf_blend(g0[j], gl[j], use);
        sd[j] = vf_blend(sda[j], sdl[j], use);
    }
    vf gb0[3] = {g[0], g[1], g[2]};
    vf neff = vf_blend(vf_set1((float)m), nl, use);
    vf d = vf_blend(da, dl, use);
    vf dmin = vf_blend(dmina, dminl, use);
    vf none = vf_set1(-1.0f);
    vf code = vf_set1((float)SKINQ_PS_ALL);
    vf e0 = ps_resid(p, I, gb0, thr, use, none, none);
    vf n0 = ps_norm3(gb0);
    vf bad = vf_and(vf_ge(neff, vf_set1(4.0f)), vf_gt(e0, vf_mul(vf_set1(p->tau), vf_mul(n0, vf_set1(p->smax)))));
    if (p->reject && vf_movemask(bad)) {
        vf ad[6], ab[6], adb[6];
        static const int ii[6] = {0, 0, 0, 1, 1, 2}, jj[6] = {0, 1, 2, 1, 2, 2};
        for (int j = 0; j < 6; j++) {
            ad[j] = vf_sub(A[j], vf_mul(sd[ii[j]], sd[jj[j]]));
            ab[j] = vf_sub(A[j], vf_mul(sb[ii[j]], sb[jj[j]]));
        }
        for (int j = 0; j < 6; j++)
            adb[j] = vf_sub(ad[j], vf_mul(sb[ii[j]], sb[jj[j]]));
        vf rd[3], rb[3], rdb[3];
        for (int j = 0; j < 3; j++) {
            rd[j] = vf_sub(r[j], vf_mul(sd[j], dmin));
            rb[j] = vf_sub(r[j], vf_mul(sb[j], bmax));
        }
        for (int j = 0; j < 3; j++)
            rdb[j] = vf_sub(rd[j], vf_mul(sb[j], bmax));
        vf gd[3], gb[3], gdb[3], okd, okb, okdb;
        vf det_rel = vf_set1(p->det_rel);
        ps_solve3(ad, rd, det_rel, gd, &okd);
        ps_solve3(ab, rb, det_rel, gb, &okb);
        ps_solve3(adb, rdb, det_rel, gdb, &okdb);
        okdb = vf_and(okdb, vf_ge(neff, vf_set1(5.0f)));
        vf rhod = ps_score(p, ps_resid(p, I, gd, thr, use, d, none), gd, okd);
        vf rhob = ps_score(p, ps_resid(p, I, gb, thr, use, b, none), gb, okb);
        vf rhodb = ps_score(p, ps_resid(p, I, gdb, thr, use, d, b), gdb, okdb);
        vf best = vf_set1(INFINITY);
        vf c = code;
        vf gs[3] = {gb0[0], gb0[1], gb0[2]};
        vf mk = vf_lt(rhod, best);
        best = vf_blend(best, rhod, mk);
        c = vf_blend(c, vf_set1((float)SKINQ_PS_NO_DARKEST), mk);
        for (int j = 0; j < 3; j++)
            gs[j] = vf_blend(gs[j], gd[j], mk);
        mk = vf_lt(rhob, best);
        best = vf_blend(best, rhob, mk);
        c = vf_blend(c, vf_set1((float)SKINQ_PS_NO_BRIGHTEST), mk);
        for (int j = 0; j < 3; j++)
            gs[j] = vf_blend(gs[j], gb[j], mk);
        mk = vf_lt(rhodb, best);
        c = vf_blend(c, vf_set1((float)SKINQ_PS_NO_BOTH), mk);
        for (int j = 0; j < 3; j++)
            gs[j] = vf_blend(gs[j], gdb[j], mk);
        vf tau = vf_set1(p->tau);
        mk = vf_le(rhodb, tau);
        c = vf_blend(c, vf_set1((float)SKINQ_PS_NO_BOTH), mk);
        for (int j = 0; j < 3; j++)
            gs[j] = vf_blend(gs[j], gdb[j], mk);
        mk = vf_le(rhob, tau);
        c = vf_blend(c, vf_set1((float)SKINQ_PS_NO_BRIGHTEST), mk);
        for (int j = 0; j < 3; j++)
            gs[j] = vf_blend(gs[j], gb[j], mk);
        mk = vf_le(rhod, tau);
        c = vf_blend(c, vf_set1((float)SKINQ_PS_NO_DARKEST), mk);
        for (int j = 0; j < 3; j++)
            gs[j] = vf_blend(gs[j], gd[j], mk);
        code = vf_blend(code, c, bad);
        for (int j = 0; j < 3; j++)
            g[j] = vf_blend(g[j], gs[j], bad);
    }
    code = vf_add(code, vf_and(vf_set1((float)SKINQ_PS_SHADOWED), use));
    vf nrm = ps_norm3(g);
    vf valid = vf_gt(nrm, vf_set1(p->min_albedo));
    vf inv = vf_div(vf_set1(1.0f), nrm);
    vf_store(nx, vf_and(vf_mul(g[0], inv), valid));
    vf_store(ny, vf_and(vf_mul(g[1], inv), valid));
    vf_store(nz, vf_blend(vf_set1(1.0f), vf_mul(g[2], inv), valid));
    vf_store(alb, vf_and(nrm, valid));
    vf_store(codef, vf_blend(vf_set1((float)SKINQ_PS_INVALID), code, valid));
}

void PS_ROW_NAME(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny, float *nz,
                 float *albedo, uint8_t *code)
{
    float codef[VW];
    size_t i = 0;
    for (; i + VW <= n; i += VW) {
        ps_block(p, rows, i, nx + i, ny + i, nz + i, albedo + i, codef);
        for (int j = 0; j < VW; j++)
            code[i + j] = (uint8_t)codef[j];
    }
    if (i < n) {
        /* tail: copy the last n - i pixels into a zero-padded block and run the same body */
        size_t rem = n - i;
        float buf[SKINQ_PS_MAX_LIGHTS][VW];
        const float *brow[SKINQ_PS_MAX_LIGHTS];
        float onx[VW], ony[VW], onz[VW], oal[VW];
        for (int k = 0; k < p->m; k++) {
            for (int j = 0; j < VW; j++)
                buf[k][j] = (size_t)j < rem ? rows[k][i + (size_t)j] : 0.0f;
            brow[k] = buf[k];
        }
        ps_block(p, brow, 0, onx, ony, onz, oal, codef);
        for (size_t j = 0; j < rem; j++) {
            nx[i + j] = onx[j];
            ny[i + j] = ony[j];
            nz[i + j] = onz[j];
            albedo[i + j] = oal[j];
            code[i + j] = (uint8_t)codef[j];
        }
    }
}
