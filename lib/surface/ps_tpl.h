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
static inline vf ps_resid(const skinq_ps_params *p, const vf *I, const vf g[3], vf thr, vf use, vf skip1,
                          vf skip2)
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

/* A block's observations and what one pass over all lights gives. */
typedef struct ps_obs {
    vf I[SKINQ_PS_MAX_LIGHTS];
    vf g0[3], rf[3];   /* least-squares g over all lights; Σ s_k·I_k */
    vf dmin, d, sd[3]; /* the darkest observation: value, light index, direction */
    vf bmax, b, sb[3]; /* the brightest one (the last of equals) */
} ps_obs;

/* The fit over the lit lights only, in lanes where `use`. */
typedef struct ps_lit {
    vf use;
    vf a[6], r[3], n;  /* Σ s sᵀ, Σ s·I and the count over lit lights */
    vf dmin, d, sd[3]; /* the darkest lit observation */
    vf g[3];
} ps_lit;

static inline void ps_observe(const skinq_ps_params *p, const float *const *rows, size_t off, ps_obs *o)
{
    const int m = p->m;
    vf zero = vf_set1(0.0f);
    for (int j = 0; j < 3; j++)
        o->g0[j] = o->rf[j] = zero;
    o->I[0] = vf_load(rows[0] + off);
    o->dmin = o->I[0], o->bmax = o->I[0];
    o->d = zero, o->b = zero;
    for (int j = 0; j < 3; j++)
        o->sd[j] = o->sb[j] = vf_set1(p->s[0][j]);
    for (int k = 0; k < m; k++) {
        vf v = k ? vf_load(rows[k] + off) : o->I[0];
        o->I[k] = v;
        o->g0[0] = vf_add(o->g0[0], vf_mul(vf_set1(p->pinv[0][k]), v));
        o->g0[1] = vf_add(o->g0[1], vf_mul(vf_set1(p->pinv[1][k]), v));
        o->g0[2] = vf_add(o->g0[2], vf_mul(vf_set1(p->pinv[2][k]), v));
        vf s0 = vf_set1(p->s[k][0]), s1 = vf_set1(p->s[k][1]), s2 = vf_set1(p->s[k][2]);
        o->rf[0] = vf_add(o->rf[0], vf_mul(s0, v));
        o->rf[1] = vf_add(o->rf[1], vf_mul(s1, v));
        o->rf[2] = vf_add(o->rf[2], vf_mul(s2, v));
        vf kk = vf_set1((float)k);
        vf lt = vf_lt(v, o->dmin);
        o->dmin = vf_blend(o->dmin, v, lt);
        o->d = vf_blend(o->d, kk, lt);
        o->sd[0] = vf_blend(o->sd[0], s0, lt);
        o->sd[1] = vf_blend(o->sd[1], s1, lt);
        o->sd[2] = vf_blend(o->sd[2], s2, lt);
        vf ge = vf_ge(v, o->bmax);
        o->bmax = vf_blend(o->bmax, v, ge);
        o->b = vf_blend(o->b, kk, ge);
        o->sb[0] = vf_blend(o->sb[0], s0, ge);
        o->sb[1] = vf_blend(o->sb[1], s1, ge);
        o->sb[2] = vf_blend(o->sb[2], s2, ge);
    }
}

/* Lit lights only (skipped when every lane has all lights lit: then use = 0 anyway). */
static inline void ps_fit_lit(const skinq_ps_params *p, const ps_obs *o, vf thr, ps_lit *l)
{
    const int m = p->m;
    vf zero = vf_set1(0.0f);
    vf all_lit = vf_eq(zero, zero);
    for (int k = 0; k < m; k++)
        all_lit = vf_and(all_lit, vf_gt(o->I[k], thr));
    l->use = zero;
    for (int j = 0; j < 6; j++)
        l->a[j] = zero;
    for (int j = 0; j < 3; j++)
        l->r[j] = l->sd[j] = l->g[j] = zero;
    l->n = zero;
    l->dmin = vf_set1(INFINITY), l->d = vf_set1(-1.0f);
    if (vf_movemask(all_lit) == (1 << VW) - 1)
        return;
    for (int k = 0; k < m; k++) {
        vf v = o->I[k];
        vf lit = vf_gt(v, thr);
        for (int j = 0; j < 6; j++)
            l->a[j] = vf_add(l->a[j], vf_and(vf_set1(p->ss[k][j]), lit));
        for (int j = 0; j < 3; j++)
            l->r[j] = vf_add(l->r[j], vf_and(vf_mul(vf_set1(p->s[k][j]), v), lit));
        l->n = vf_add(l->n, vf_and(vf_set1(1.0f), lit));
        vf lt = vf_and(lit, vf_lt(v, l->dmin));
        l->dmin = vf_blend(l->dmin, v, lt);
        l->d = vf_blend(l->d, vf_set1((float)k), lt);
        for (int j = 0; j < 3; j++)
            l->sd[j] = vf_blend(l->sd[j], vf_set1(p->s[k][j]), lt);
    }
    vf okl;
    ps_solve3(l->a, l->r, vf_set1(p->det_rel), l->g, &okl);
    l->use = vf_and(vf_and(vf_lt(l->n, vf_set1((float)m)), vf_ge(l->n, vf_set1(3.0f))), okl);
}

/* Which of the darkest, the brightest or both to leave out, in the lanes marked `bad`: the three
 * refits (normal equations less the left-out rows), each scored by its residual relative to
 * |g|·smax; the best wins, and a refit within tau wins in the order both, brightest, darkest.
 * A, r, sd, d, dmin are the used fit's (all or lit lights); code and g change in `bad` lanes. */
static inline void ps_reject(const skinq_ps_params *p, const ps_obs *o, vf thr, vf use, const vf A[6],
                             const vf r[3], const vf sd[3], vf d, vf dmin, vf neff, const vf gb0[3], vf bad,
                             vf *code, vf g[3])
{
    const vf *sb = o->sb;
    vf none = vf_set1(-1.0f);
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
        rb[j] = vf_sub(r[j], vf_mul(sb[j], o->bmax));
    }
    for (int j = 0; j < 3; j++)
        rdb[j] = vf_sub(rd[j], vf_mul(sb[j], o->bmax));
    vf gd[3], gb[3], gdb[3], okd, okb, okdb;
    vf det_rel = vf_set1(p->det_rel);
    ps_solve3(ad, rd, det_rel, gd, &okd);
    ps_solve3(ab, rb, det_rel, gb, &okb);
    ps_solve3(adb, rdb, det_rel, gdb, &okdb);
    okdb = vf_and(okdb, vf_ge(neff, vf_set1(5.0f)));
    vf rhod = ps_score(p, ps_resid(p, o->I, gd, thr, use, d, none), gd, okd);
    vf rhob = ps_score(p, ps_resid(p, o->I, gb, thr, use, o->b, none), gb, okb);
    vf rhodb = ps_score(p, ps_resid(p, o->I, gdb, thr, use, d, o->b), gdb, okdb);
    vf best = vf_set1(INFINITY);
    vf c = *code;
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
    *code = vf_blend(*code, c, bad);
    for (int j = 0; j < 3; j++)
        g[j] = vf_blend(g[j], gs[j], bad);
}

/* One block of VW pixels: rows[k] + off. Outputs to the given pointers (VW each). */
static inline void ps_block(const skinq_ps_params *p, const float *const *rows, size_t off, float *nx,
                            float *ny, float *nz, float *alb, float *codef)
{
    const int m = p->m;
    ps_obs o;
    ps_observe(p, rows, off, &o);
    vf thr = vf_mul(vf_set1(p->shadow), o.bmax);
    ps_lit l;
    ps_fit_lit(p, &o, thr, &l);
    vf use = l.use;
    vf A[6], r[3], g[3], sd[3];
    for (int j = 0; j < 6; j++)
        A[j] = vf_blend(vf_set1(p->a0[j]), l.a[j], use);
    for (int j = 0; j < 3; j++) {
        r[j] = vf_blend(o.rf[j], l.r[j], use);
        g[j] = vf_blend(o.g0[j], l.g[j], use);
        sd[j] = vf_blend(o.sd[j], l.sd[j], use);
    }
    vf gb0[3] = {g[0], g[1], g[2]};
    vf neff = vf_blend(vf_set1((float)m), l.n, use);
    vf d = vf_blend(o.d, l.d, use);
    vf dmin = vf_blend(o.dmin, l.dmin, use);
    vf none = vf_set1(-1.0f);
    vf code = vf_set1((float)SKINQ_PS_ALL);
    vf e0 = ps_resid(p, o.I, gb0, thr, use, none, none);
    vf n0 = ps_norm3(gb0);
    vf bad =
        vf_and(vf_ge(neff, vf_set1(4.0f)), vf_gt(e0, vf_mul(vf_set1(p->tau), vf_mul(n0, vf_set1(p->smax)))));
    if (p->reject && vf_movemask(bad))
        ps_reject(p, &o, thr, use, A, r, sd, d, dmin, neff, gb0, bad, &code, g);
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

void PS_ROW_NAME(const skinq_ps_params *p, const float *const *rows, size_t n, float *nx, float *ny,
                 float *nz, float *albedo, uint8_t *code)
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
