/* check_surface.c -- the surface kernels in the checkasm harness: the photometric-stereo row kernel
 * of every compiled and supported ISA against the scalar reference (bit-exact by design, see
 * lib/surface/surface_kernels.h), over odd lengths, unaligned starts, seeded random and edge
 * data (shadows, highlights, equal values, zeros, ±0, denormals, FLT_MAX, NaN), with canaries
 * after every output and exact-size input buffers so ASan catches over-reads. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checkasm.h"
#include "surface/surface.h"

/* every length from 0 to 2 × the widest vector + 1 (each tail of both SIMD widths), then longer */
static const size_t LENGTHS[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,  12,
                                 13, 14, 15, 16, 17, 31, 32, 33, 63, 64, 65, 257, 1001};
#define NLEN (sizeof LENGTHS / sizeof LENGTHS[0])

enum {
    D_LAMBERT,
    D_RANDOM,
    D_ZERO,
    D_EQUAL,
    D_ALTERNATE,
    D_HOT,
    D_SIGNED_ZERO,
    D_DENORMAL,
    D_HUGE,
    D_NAN,
    D_SATURATED,
    D_KINDS
};
static const char *const DATA_NAMES[] = {"lambertian",  "random",    "zeros",        "equal",
                                         "alternating", "hot pixel", "signed zeros", "denormals",
                                         "FLT_MAX",     "NaN",       "saturated"};

/* Random lights: m directions within 60° of the axis, intensities 0.5..1.5. */
static skinq_lights *random_lights(int m, uint64_t *rs)
{
    skinq_lights *L = calloc(1, sizeof *L);
    L->items = calloc((size_t)m, sizeof *L->items);
    L->count = m;
    for (int k = 0; k < m; k++) {
        double az = 2 * 3.14159265358979 * (k + 0.3 * tu_uniform(rs)) / m;
        double sl = (15 + 45 * tu_uniform(rs)) * 3.14159265358979 / 180;
        L->items[k].direction[0] = sin(sl) * cos(az);
        L->items[k].direction[1] = sin(sl) * sin(az);
        L->items[k].direction[2] = cos(sl);
        L->items[k].intensity = 0.5 + tu_uniform(rs);
    }
    return L;
}

static void free_lights(skinq_lights *L)
{
    free(L->items);
    free(L);
}

static float gen(int kind, const skinq_ps_params *p, int k, size_t i, uint64_t *rs, const float *nrm)
{
    switch (kind) {
    case D_LAMBERT: {
        /* albedo·max(0, s·n) with noise, ~10 % highlights on one light, some zero shadows */
        double v = nrm[3] * (p->s[k][0] * nrm[0] + p->s[k][1] * nrm[1] + p->s[k][2] * nrm[2]);
        v = v > 0 ? v : 0;
        v += 0.01 * (tu_uniform(rs) - 0.5);
        if (k == (int)(i % (size_t)p->m) && tu_uniform(rs) < 0.1)
            v += 0.8;
        return (float)(v > 0 ? v : 0);
    }
    case D_RANDOM: return (float)tu_uniform(rs);
    case D_ZERO: return 0.0f;
    case D_EQUAL: return 0.5f;
    case D_ALTERNATE: return ((size_t)k + i) % 2 ? 1.0f : 0.0f;
    case D_HOT: return i == 5 && k == 1 ? 1.0f : 0.01f;
    case D_SIGNED_ZERO: return ((size_t)k + i) % 3 == 0 ? -0.0f : ((size_t)k + i) % 3 == 1 ? 0.0f : 0.25f;
    case D_DENORMAL: return (float)(tu_uniform(rs) * 1e-39);
    case D_HUGE: return ((size_t)k + i) % 4 == 0 ? FLT_MAX : (float)tu_uniform(rs);
    case D_NAN: return ((size_t)k * 7 + i) % 11 == 0 ? NAN : (float)tu_uniform(rs);
    case D_SATURATED: {
        /* over-exposed: 2.5 × the Lambertian value clipped at 1 (the sensor's white), so several
         * lights tie at the maximum */
        double v = 2.5 * nrm[3] * (p->s[k][0] * nrm[0] + p->s[k][1] * nrm[1] + p->s[k][2] * nrm[2]);
        return (float)(v < 0 ? 0 : v > 1 ? 1 : v);
    }
    }
    return 0.0f;
}

static int same_float(float a, float b)
{
    if (isnan(a) && isnan(b))
        return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

static void compare_ps_row(const checkasm_case *c)
{
    const int MS[] = {3, 4, 5, 6, 8, 13};
    const struct skinq_surface_dsp *ref = c->ref, *k = c->tab;
    const char *isa = c->isa_name;
    {
        skinq_ctx *ctx = tu_ctx();
        uint64_t rs = checkasm_seed(c);
        size_t checked = 0;
        for (size_t im = 0; im < sizeof MS / sizeof MS[0]; im++) {
            skinq_lights *L = random_lights(MS[im], &rs);
            skinq_ps_plan *plan = NULL;
            skinq_ps_options o;
            skinq_ps_default_options(&o);
            assert_int_equal(skinq_ps_plan_new(ctx, L, NULL, &o, &plan), SKINQ_OK);
            const skinq_ps_params *p = &plan->params;
            for (int kind = 0; kind < D_KINDS; kind++) {
                for (size_t il = 0; il < NLEN; il++) {
                    size_t n = LENGTHS[il];
                    size_t off = (il + (size_t)kind) % 4; /* unaligned starts: 0-3 floats */
                    float *rows_mem[SKINQ_PS_MAX_LIGHTS];
                    const float *rows[SKINQ_PS_MAX_LIGHTS];
                    float *normals = malloc((n ? n : 1) * 4 * sizeof(float));
                    for (size_t i = 0; i < n; i++) { /* a random unit normal and albedo per pixel */
                        double th = acos(1 - 0.9 * tu_uniform(&rs)), ph = 6.283185307 * tu_uniform(&rs);
                        normals[4 * i] = (float)(sin(th) * cos(ph));
                        normals[4 * i + 1] = (float)(sin(th) * sin(ph));
                        normals[4 * i + 2] = (float)cos(th);
                        normals[4 * i + 3] = (float)(0.2 + 0.8 * tu_uniform(&rs));
                    }
                    for (int l = 0; l < p->m; l++) {
                        rows_mem[l] =
                            malloc((n + off) * sizeof(float)); /* exact size: ASan sees over-reads */
                        for (size_t i = 0; i < n; i++)
                            rows_mem[l][off + i] = gen(kind, p, l, i, &rs, normals + 4 * i);
                        rows[l] = rows_mem[l] + off;
                    }
                    float *o_ref[4], *o_isa[4];
                    for (int o = 0; o < 4; o++) {
                        o_ref[o] = checkasm_canary_f32(n);
                        o_isa[o] = checkasm_canary_f32(n);
                    }
                    uint8_t *c_ref = checkasm_canary_u8(n), *c_isa = checkasm_canary_u8(n);
                    ref->ps_row(p, rows, n, o_ref[0], o_ref[1], o_ref[2], o_ref[3], c_ref);
                    k->ps_row(p, rows, n, o_isa[0], o_isa[1], o_isa[2], o_isa[3], c_isa);
                    for (int o = 0; o < 4; o++) {
                        checkasm_guard_f32(o_isa[o], n, "ps_row output");
                        checkasm_guard_f32(o_ref[o], n, "ps_row scalar output");
                        for (size_t i = 0; i < n; i++)
                            if (!same_float(o_ref[o][i], o_isa[o][i]))
                                fail_msg(
                                    "ps_row %s output %d differs at %zu: %.9g vs scalar %.9g (m %d, n %zu, "
                                    "offset %zu, %s, seed %llu)",
                                    isa, o, i, o_isa[o][i], o_ref[o][i], p->m, n, off, DATA_NAMES[kind],
                                    (unsigned long long)tu_seed());
                    }
                    checkasm_guard_u8(c_isa, n, "ps_row codes");
                    for (size_t i = 0; i < n; i++)
                        if (c_ref[i] != c_isa[i])
                            fail_msg("ps_row %s code differs at %zu: %d vs scalar %d (m %d, %s)", isa, i,
                                     c_isa[i], c_ref[i], p->m, DATA_NAMES[kind]);
                    checked += n;
                    for (int o = 0; o < 4; o++) {
                        free(o_ref[o]);
                        free(o_isa[o]);
                    }
                    free(c_ref);
                    free(c_isa);
                    for (int l = 0; l < p->m; l++)
                        free(rows_mem[l]);
                    free(normals);
                }
            }
            skinq_ps_plan_free(&plan);
            free_lights(L);
        }
        print_message("[       OK ] ps_row %s: %zu pixels bit-exact with scalar (max error 0 ulp)\n", isa,
                      checked);
        skinq_ctx_close(&ctx);
    }
}

/* The kernels must exercise every branch: rejection codes and shadow flags all occur on the
 * Lambertian data, so the comparison above covered them. */
static void ps_row_covers_branches(const checkasm_case *c)
{
    skinq_ctx *ctx = tu_ctx();
    uint64_t rs = checkasm_seed(c) ^ 0xc0de;
    skinq_lights *L = random_lights(8, &rs);
    skinq_ps_plan *plan = NULL;
    assert_int_equal(skinq_ps_plan_new(ctx, L, NULL, NULL, &plan), SKINQ_OK);
    const skinq_ps_params *p = &plan->params;
    enum { N = 4096 };
    float *rows_mem[8], nrm[4], *out[4];
    const float *rows[8];
    for (int l = 0; l < 8; l++)
        rows[l] = rows_mem[l] = malloc(N * sizeof(float));
    for (size_t i = 0; i < N; i++) {
        double th = acos(1 - 0.95 * tu_uniform(&rs)), ph = 6.283185307 * tu_uniform(&rs);
        nrm[0] = (float)(sin(th) * cos(ph));
        nrm[1] = (float)(sin(th) * sin(ph));
        nrm[2] = (float)cos(th);
        nrm[3] = 0.7f;
        for (int l = 0; l < 8; l++)
            rows_mem[l][i] = gen(D_LAMBERT, p, l, i, &rs, nrm);
        if (i % 97 == 0)
            rows_mem[3][i] = 0; /* a cast shadow on a lit light */
    }
    for (int o = 0; o < 4; o++)
        out[o] = malloc(N * sizeof(float));
    uint8_t codes[N];
    skinq_ps_row_scalar(p, rows, N, out[0], out[1], out[2], out[3], codes);
    int seen[16] = {0};
    for (size_t i = 0; i < N; i++)
        seen[codes[i] & 15]++;
    assert_true(seen[SKINQ_PS_ALL] > 0);
    assert_true(seen[SKINQ_PS_NO_DARKEST] + seen[SKINQ_PS_NO_DARKEST | SKINQ_PS_SHADOWED] > 0);
    assert_true(seen[SKINQ_PS_NO_BRIGHTEST] + seen[SKINQ_PS_NO_BRIGHTEST | SKINQ_PS_SHADOWED] > 0);
    assert_true(seen[SKINQ_PS_ALL | SKINQ_PS_SHADOWED] > 0);
    const struct skinq_surface_dsp *t = c->tab;
    CHECKASM_BENCH(c, N, t->ps_row(p, rows, N, out[0], out[1], out[2], out[3], codes));
    for (int o = 0; o < 4; o++)
        free(out[o]);
    for (int l = 0; l < 8; l++)
        free(rows_mem[l]);
    skinq_ps_plan_free(&plan);
    free_lights(L);
    skinq_ctx_close(&ctx);
}

/* The scalar level: the branches are all reached (so the comparison covers them); every other
 * level: bit-exact with scalar. */
static void check_ps_row(const checkasm_case *c)
{
    if (checkasm_is_ref(c))
        ps_row_covers_branches(c);
    else
        compare_ps_row(c);
    if (checkasm_benching() && !checkasm_is_ref(c))
        ps_row_covers_branches(c); /* its bench line for this level */
}

const checkasm_check checkasm_surface[] = {
    {"ps_row", check_ps_row},
    {NULL, NULL},
};
