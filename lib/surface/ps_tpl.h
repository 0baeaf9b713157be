/* ps_tpl.h -- the photometric-stereo row body shared by ps_sse41.c and ps_avx2.c: VW pixels a
 * step, the tail through a zero-padded stack block (the one place tails are handled).
 * Mirrors ps_scalar.c operation for operation (see surface_kernels.h). The including file
 * defines vf, VW and the V_* macros, and PS_ROW_NAME. */

/* |x| by clearing the sign bit, as fabsf does */
#define V_ABS(x) V_ANDNOT(V_SET1(-0.0f), (x))

/* Adjugate solve of a symmetric 3×3 (a = xx, xy, xz, yy, yz, zz); ok = usable mask. */
static inline void ps_solve3(const vf a[6], const vf r[3], vf det_rel, vf g[3], vf *ok)
{
    vf c00 = V_SUB(V_MUL(a[3], a[5]), V_MUL(a[4], a[4]));
    vf c01 = V_SUB(V_MUL(a[2], a[4]), V_MUL(a[1], a[5]));
    vf c02 = V_SUB(V_MUL(a[1], a[4]), V_MUL(a[2], a[3]));
    vf c11 = V_SUB(V_MUL(a[0], a[5]), V_MUL(a[2], a[2]));
    vf c12 = V_SUB(V_MUL(a[1], a[2]), V_MUL(a[0], a[4]));
    vf c22 = V_SUB(V_MUL(a[0], a[3]), V_MUL(a[1], a[1]));
    vf det = V_ADD(V_ADD(V_MUL(a[0], c00), V_MUL(a[1], c01)), V_MUL(a[2], c02));
    vf t = V_MUL(V_ADD(V_ADD(a[0], a[3]), a[5]), V_SET1(1.0f / 3.0f));
    *ok = V_GT(det, V_MUL(det_rel, V_MUL(V_MUL(t, t), t)));
    vf inv = V_DIV(V_SET1(1.0f), det);
    g[0] = V_MUL(V_ADD(V_ADD(V_MUL(c00, r[0]), V_MUL(c01, r[1])), V_MUL(c02, r[2])), inv);
    g[1] = V_MUL(V_ADD(V_ADD(V_MUL(c01, r[0]), V_MUL(c11, r[1])), V_MUL(c12, r[2])), inv);
    g[2] = V_MUL(V_ADD(V_ADD(V_MUL(c02, r[0]), V_MUL(c12, r[1])), V_MUL(c22, r[2])), inv);
}

static inline vf ps_norm3(const vf g[3])
{
    return V_SQRT(V_ADD(V_ADD(V_MUL(g[0], g[0]), V_MUL(g[1], g[1])), V_MUL(g[2], g[2])));
}

/* Max |I_k − s_k·g| over the used observations (all, or the lit ones in lanes where `use`),
 * skipping per-lane indices skip1 / skip2 (-1 = none). */
static inline vf ps_resid(const skinq_ps_params *p, const vf *I, const vf g[3], vf thr, vf use, vf skip1, vf skip2)
{
    vf e = V_SET1(0.0f);
    vf all = V_EQ(e, e);
    for (int k = 0; k < p->m; k++) {
        vf pred = V_ADD(V_ADD(V_MUL(V_SET1(p->s[k][0]), g[0]), V_MUL(V_SET1(p->s[k][1]), g[1])),
                        V_MUL(V_SET1(p->s[k][2]), g[2]));
        vf r = V_ABS(V_SUB(I[k], pred));
        vf kk = V_SET1((float)k);
        vf keep = V_AND(V_BLEND(all, V_GT(I[k], thr), use), V_AND(V_NEQ(kk, skip1), V_NEQ(kk, skip2)));
        e = V_BLEND(e, V_MAX(r, e), keep);
    }
    return e;
}

static inline vf ps_score(const skinq_ps_params *p, vf e, const vf g[3], vf ok)
{
    vf den = V_MAX(V_MUL(ps_norm3(g), V_SET1(p->smax)), V_SET1(1e-30f));
    vf rho = V_DIV(e, den);
    return V_BLEND(V_SET1(INFINITY), rho, ok);
}

/* A block's observations and what one pass over all lights gives. */
typedef struct ps_obs {
    vf I[SKINQ_PS_MAX_LIGHTS];
    vf g0[3], rf[3];      /* least-squares g over all lights; Σ s_k·I_k */
    vf dmin, d, sd[3];    /* the darkest observation: value, light index, direction */
    vf bmax, b, sb[3];    /* the brightest one (the last of equals) */
} ps_obs;

/* The fit over the lit lights only, in lanes where `use`. */
typedef struct ps_lit {
    vf use;
    vf a[6], r[3], n; /* Σ s sᵀ, Σ s·I and the count over lit lights */
    vf dmin, d, sd[3];  /* the darkest lit observation */
    vf g[3];
} ps_lit;

static inline void ps_observe(const skinq_ps_params *p, const float *const *rows, size_t off, ps_obs *o)
{
    const int m = p->m;
    vf zero = V_SET1(0.0f);
    for (int j = 0; j < 3; j++)
        o->g0[j] = o->rf[j] = zero;
    o->I[0] = V_LOAD(rows[0] + off);
    o->dmin = o->I[0], o->bmax = o->I[0];
    o->d = zero, o->b = zero;
    for (int j = 0; j < 3; j++)
        o->sd[j] = o->sb[j] = V_SET1(p->s[0][j]);
    for (int k = 0; k < m; k++) {
        vf v = k ? V_LOAD(rows[k] + off) : o->I[0];
        o->I[k] = v;
        o->g0[0] = V_ADD(o->g0[0], V_MUL(V_SET1(p->pinv[0][k]), v));
        o->g0[1] = V_ADD(o->g0[1], V_MUL(V_SET1(p->pinv[1][k]), v));
        o->g0[2] = V_ADD(o->g0[2], V_MUL(V_SET1(p->pinv[2][k]), v));
        vf s0 = V_SET1(p->s[k][0]), s1 = V_SET1(p->s[k][1]), s2 = V_SET1(p->s[k][2]);
        o->rf[0] = V_ADD(o->rf[0], V_MUL(s0, v));
        o->rf[1] = V_ADD(o->rf[1], V_MUL(s1, v));
        o->rf[2] = V_ADD(o->rf[2], V_MUL(s2, v));
        vf kk = V_SET1((float)k);
        vf lt = V_LT(v, o->dmin);
        o->dmin = V_BLEND(o->dmin, v, lt);
        o->d = V_BLEND(o->d, kk, lt);
        o->sd[0] = V_BLEND(o->sd[0], s0, lt);
        o->sd[1] = V_BLEND(o->sd[1], s1, lt);
        o->sd[2] = V_BLEND(o->sd[2], s2, lt);
        vf ge = V_GE(v, o->bmax);
        o->bmax = V_BLEND(o->bmax, v, ge);
        o->b = V_BLEND(o->b, kk, ge);
        o->sb[0] = V_BLEND(o->sb[0], s0, ge);
        o->sb[1] = V_BLEND(o->sb[1], s1, ge);
        o->sb[2] = V_BLEND(o->sb[2], s2, ge);
    }
}

/* Lit lights only (skipped when every lane has all lights lit: then use = 0 anyway). */
static inline void ps_fit_lit(const skinq_ps_params *p, const ps_obs *o, vf thr, ps_lit *l)
{
    const int m = p->m;
    vf zero = V_SET1(0.0f);
    vf all_lit = V_EQ(zero, zero);
    for (int k = 0; k < m; k++)
        all_lit = V_AND(all_lit, V_GT(o->I[k], thr));
    l->use = zero;
    for (int j = 0; j < 6; j++)
        l->a[j] = zero;
    for (int j = 0; j < 3; j++)
        l->r[j] = l->sd[j] = l->g[j] = zero;
    l->n = zero;
    l->dmin = V_SET1(INFINITY), l->d = V_SET1(-1.0f);
    if (V_MOVEMASK(all_lit) == (1 << VW) - 1)
        return;
    for (int k = 0; k < m; k++) {
        vf v = o->I[k];
        vf lit = V_GT(v, thr);
        for (int j = 0; j < 6; j++)
            l->a[j] = V_ADD(l->a[j], V_AND(V_SET1(p->ss[k][j]), lit));
        for (int j = 0; j < 3; j++)
            l->r[j] = V_ADD(l->r[j], V_AND(V_MUL(V_SET1(p->s[k][j]), v), lit));
        l->n = V_ADD(l->n, V_AND(V_SET1(1.0f), lit));
        vf lt = V_AND(lit, V_LT(v, l->dmin));
        l->dmin = V_BLEND(l->dmin, v, lt);
        l->d = V_BLEND(l->d, V_SET1((float)k), lt);
        for (int j = 0; j < 3; j++)
            l->sd[j] = V_BLEND(l->sd[j], V_SET1(p->s[k][j]), lt);
    }
    vf okl;
    ps_solve3(l->a, l->r, V_SET1(p->det_rel), l->g, &okl);
    l->use = V_AND(V_AND(V_LT(l->n, V_SET1((float)m)), V_GE(l->n, V_SET1(3.0f))), okl);
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
    vf none = V_SET1(-1.0f);
    vf ad[6], ab[6], adb[6];
    static const int ii[6] = {0, 0, 0, 1, 1, 2}, jj[6] = {0, 1, 2, 1, 2, 2};
    for (int j = 0; j < 6; j++) {
        ad[j] = V_SUB(A[j], V_MUL(sd[ii[j]], sd[jj[j]]));
        ab[j] = V_SUB(A[j], V_MUL(sb[ii[j]], sb[jj[j]]));
    }
    for (int j = 0; j < 6; j++)
        adb[j] = V_SUB(ad[j], V_MUL(sb[ii[j]], sb[jj[j]]));
    vf rd[3], rb[3], rdb[3];
    for (int j = 0; j < 3; j++) {
        rd[j] = V_SUB(r[j], V_MUL(sd[j], dmin));
        rb[j] = V_SUB(r[j], V_MUL(sb[j], o->bmax));
    }
    for (int j = 0; j < 3; j++)
        rdb[j] = V_SUB(rd[j], V_MUL(sb[j], o->bmax));
    vf gd[3], gb[3], gdb[3], okd, okb, okdb;
    vf det_rel = V_SET1(p->det_rel);
    ps_solve3(ad, rd, det_rel, gd, &okd);
    ps_solve3(ab, rb, det_rel, gb, &okb);
    ps_solve3(adb, rdb, det_rel, gdb, &okdb);
    okdb = V_AND(okdb, V_GE(neff, V_SET1(5.0f)));
    vf rhod = ps_score(p, ps_resid(p, o->I, gd, thr, use, d, none), gd, okd);
    vf rhob = ps_score(p, ps_resid(p, o->I, gb, thr, use, o->b, none), gb, okb);
    vf rhodb = ps_score(p, ps_resid(p, o->I, gdb, thr, use, d, o->b), gdb, okdb);
    vf best = V_SET1(INFINITY);
    vf c = *code;
    vf gs[3] = {gb0[0], gb0[1], gb0[2]};
    vf mk = V_LT(rhod, best);
    best = V_BLEND(best, rhod, mk);
    c = V_BLEND(c, V_SET1((float)SKINQ_PS_NO_DARKEST), mk);
    for (int j = 0; j < 3; j++)
        gs[j] = V_BLEND(gs[j], gd[j], mk);
    mk = V_LT(rhob, best);
    best = V_BLEND(best, rhob, mk);
    c = V_BLEND(c, V_SET1((float)SKINQ_PS_NO_BRIGHTEST), mk);
    for (int j = 0; j < 3; j++)
        gs[j] = V_BLEND(gs[j], gb[j], mk);
    mk = V_LT(rhodb, best);
    c = V_BLEND(c, V_SET1((float)SKINQ_PS_NO_BOTH), mk);
    for (int j = 0; j < 3; j++)
        gs[j] = V_BLEND(gs[j], gdb[j], mk);
    vf tau = V_SET1(p->tau);
    mk = V_LE(rhodb, tau);
    c = V_BLEND(c, V_SET1((float)SKINQ_PS_NO_BOTH), mk);
    for (int j = 0; j < 3; j++)
        gs[j] = V_BLEND(gs[j], gdb[j], mk);
    mk = V_LE(rhob, tau);
    c = V_BLEND(c, V_SET1((float)SKINQ_PS_NO_BRIGHTEST), mk);
    for (int j = 0; j < 3; j++)
        gs[j] = V_BLEND(gs[j], gb[j], mk);
    mk = V_LE(rhod, tau);
    c = V_BLEND(c, V_SET1((float)SKINQ_PS_NO_DARKEST), mk);
    for (int j = 0; j < 3; j++)
        gs[j] = V_BLEND(gs[j], gd[j], mk);
    *code = V_BLEND(*code, c, bad);
    for (int j = 0; j < 3; j++)
        g[j] = V_BLEND(g[j], gs[j], bad);
}

/* One block of VW pixels: rows[k] + off. Outputs to the given pointers (VW each). */
static inline void ps_block(const skinq_ps_params *p, const float *const *rows, size_t off, float *nx, float *ny,
                            float *nz, float *alb, float *codef)
{
    const int m = p->m;
    ps_obs o;
    ps_observe(p, rows, off, &o);
    vf thr = V_MUL(V_SET1(p->shadow), o.bmax);
    ps_lit l;
    ps_fit_lit(p, &o, thr, &l);
    vf use = l.use;
    vf A[6], r[3], g[3], sd[3];
    for (int j = 0; j < 6; j++)
        A[j] = V_BLEND(V_SET1(p->a0[j]), l.a[j], use);
    for (int j = 0; j < 3; j++) {
        r[j] = V_BLEND(o.rf[j], l.r[j], use);
        g[j] = V_BLEND(o.g0[j], l.g[j], use);
        sd[j] = V_BLEND(o.sd[j], l.sd[j], use);
    }
    vf gb0[3] = {g[0], g[1], g[2]};
    vf neff = V_BLEND(V_SET1((float)m), l.n, use);
    vf d = V_BLEND(o.d, l.d, use);
    vf dmin = V_BLEND(o.dmin, l.dmin, use);
    vf none = V_SET1(-1.0f);
    vf code = V_SET1((float)SKINQ_PS_ALL);
    vf e0 = ps_resid(p, o.I, gb0, thr, use, none, none);
    vf n0 = ps_norm3(gb0);
    vf bad = V_AND(V_GE(neff, V_SET1(4.0f)), V_GT(e0, V_MUL(V_SET1(p->tau), V_MUL(n0, V_SET1(p->smax)))));
    if (p->reject && V_MOVEMASK(bad))
        ps_reject(p, &o, thr, use, A, r, sd, d, dmin, neff, gb0, bad, &code, g);
    code = V_ADD(code, V_AND(V_SET1((float)SKINQ_PS_SHADOWED), use));
    vf nrm = ps_norm3(g);
    vf valid = V_GT(nrm, V_SET1(p->min_albedo));
    vf inv = V_DIV(V_SET1(1.0f), nrm);
    V_STORE(nx, V_AND(V_MUL(g[0], inv), valid));
    V_STORE(ny, V_AND(V_MUL(g[1], inv), valid));
    V_STORE(nz, V_BLEND(V_SET1(1.0f), V_MUL(g[2], inv), valid));
    V_STORE(alb, V_AND(nrm, valid));
    V_STORE(codef, V_BLEND(V_SET1((float)SKINQ_PS_INVALID), code, valid));
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
