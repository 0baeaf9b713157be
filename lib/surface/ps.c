/* ps.c -- photometric stereo: the plan (light matrix, pseudo-inverse, rank check) and the
 * threaded driver around the dispatched row kernel (surface_kernels.h). Lambertian model
 * I_k = albedo · (s_k · n), Woodham (1980); shadow / highlight rejection as in the kernel. */
#include <math.h>
#include <string.h>

#include "color/srgb.h"
#include "surface.h"

#define SQ_PI 3.14159265358979323846

void skinq_ps_default_options(skinq_ps_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->outlier_tau = 0.05;
    o->shadow_fraction = 0.02;
    o->min_albedo = 1e-4;
}

/* Eigenvalues of a symmetric 3×3 (closed form, Smith 1961), ascending. */
static void eig3(const double a[3][3], double ev[3])
{
    double p1 = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    double q = (a[0][0] + a[1][1] + a[2][2]) / 3;
    if (p1 == 0) {
        ev[0] = a[0][0];
        ev[1] = a[1][1];
        ev[2] = a[2][2];
    } else {
        double p2 = (a[0][0] - q) * (a[0][0] - q) + (a[1][1] - q) * (a[1][1] - q) +
                    (a[2][2] - q) * (a[2][2] - q) + 2 * p1;
        double p = sqrt(p2 / 6);
        double b[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                b[i][j] = (a[i][j] - (i == j ? q : 0)) / p;
        double r = (b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
                    b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
                    b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0])) /
                   2;
        double phi = r <= -1 ? SQ_PI / 3 : r >= 1 ? 0 : acos(r) / 3;
        ev[2] = q + 2 * p * cos(phi);
        ev[0] = q + 2 * p * cos(phi + 2 * SQ_PI / 3);
        ev[1] = 3 * q - ev[0] - ev[2];
    }
    for (int i = 0; i < 2; i++)
        for (int j = i + 1; j < 3; j++)
            if (ev[j] < ev[i]) {
                double t = ev[i];
                ev[i] = ev[j];
                ev[j] = t;
            }
}

static int inv3(const double a[3][3], double o[3][3])
{
    double c00 = a[1][1] * a[2][2] - a[1][2] * a[2][1], c01 = a[1][2] * a[2][0] - a[1][0] * a[2][2],
           c02 = a[1][0] * a[2][1] - a[1][1] * a[2][0];
    double det = a[0][0] * c00 + a[0][1] * c01 + a[0][2] * c02;
    if (!(fabs(det) > 0))
        return -1;
    o[0][0] = c00 / det;
    o[1][0] = c01 / det;
    o[2][0] = c02 / det;
    o[0][1] = (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det;
    o[1][1] = (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det;
    o[2][1] = (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / det;
    o[0][2] = (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det;
    o[1][2] = (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det;
    o[2][2] = (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / det;
    return 0;
}

skinq_status skinq_ps_plan_new(skinq_ctx *ctx, const skinq_lights *lights, const char *lights_path,
                               const skinq_ps_options *o, skinq_ps_plan **out)
{
    skinq_ps_options def;
    skinq_status ost = SKINQ_OPTIONS_TAKE(ctx, &def, o, skinq_ps_default_options, "skinq_ps_options");
    if (ost != SKINQ_OK)
        return ost;
    o = &def;
    const char *name = lights_path ? lights_path : "lights";
    if (!lights || lights->count < 3)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW,
                          "cannot solve photometric stereo with '%s': %d light%s, at least 3 needed", name,
                          lights ? lights->count : 0, lights && lights->count == 1 ? "" : "s");
    if (lights->count > SKINQ_PS_MAX_LIGHTS)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "cannot solve photometric stereo with '%s': more than %d lights", name,
                          SKINQ_PS_MAX_LIGHTS);
    if (!(o->outlier_tau >= 0) || !(o->min_albedo >= 0) ||
        !(o->shadow_fraction >= 0 && o->shadow_fraction < 1))
        return skinq_fail(ctx, SKINQ_E_INVALID, "photometric stereo options must be non-negative");
    int m = lights->count;
    double S[SKINQ_PS_MAX_LIGHTS][3], A[3][3] = {{0}};
    double smax = 0;
    for (int k = 0; k < m; k++) {
        const skinq_light *l = &lights->items[k];
        double len = sqrt(l->direction[0] * l->direction[0] + l->direction[1] * l->direction[1] +
                          l->direction[2] * l->direction[2]);
        if (!(len > 0) || !(l->intensity > 0) || !isfinite(len) || !isfinite(l->intensity))
            return skinq_fail(ctx, SKINQ_E_INVALID,
                              "cannot solve photometric stereo with '%s': light %d is invalid", name, k);
        for (int c = 0; c < 3; c++)
            S[k][c] = l->intensity * l->direction[c] / len;
        smax = fmax(smax, l->intensity);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                A[i][j] += S[k][i] * S[k][j];
    }
    double ev[3];
    eig3(A, ev);
    double cond = ev[2] > 0 && ev[0] > 0 ? sqrt(ev[0] / ev[2]) : 0;
    double Ai[3][3];
    if (cond < 0.02 || inv3(A, Ai) != 0)
        return skinq_fail(ctx, SKINQ_E_TOO_FEW,
                          "cannot solve photometric stereo with '%s': the light directions are coplanar or "
                          "nearly so (singular value ratio %.3g < 0.02)",
                          name, cond);
    skinq_ps_plan *p = skinq_calloc(ctx, 1, sizeof *p);
    if (!p)
        return SKINQ_E_NOMEM;
    skinq_ps_params *q = &p->params;
    q->m = m;
    q->reject = m >= 4 && o->outlier_tau > 0;
    for (int k = 0; k < m; k++) {
        for (int c = 0; c < 3; c++) {
            q->s[k][c] = (float)S[k][c];
            q->pinv[c][k] = (float)(Ai[c][0] * S[k][0] + Ai[c][1] * S[k][1] + Ai[c][2] * S[k][2]);
        }
    }
    /* a0 from the float light vectors, so that a0 − s sᵀ matches what the kernel subtracts */
    double a0[6] = {0};
    static const int ii[6] = {0, 0, 0, 1, 1, 2}, jj[6] = {0, 1, 2, 1, 2, 2};
    for (int k = 0; k < m; k++)
        for (int j = 0; j < 6; j++)
            a0[j] += (double)q->s[k][ii[j]] * q->s[k][jj[j]];
    for (int j = 0; j < 6; j++)
        q->a0[j] = (float)a0[j];
    for (int k = 0; k < m; k++)
        for (int j = 0; j < 6; j++)
            q->ss[k][j] = q->s[k][ii[j]] * q->s[k][jj[j]];
    q->shadow = (float)o->shadow_fraction;
    q->smax = (float)smax;
    q->tau = (float)o->outlier_tau;
    q->det_rel = 1e-3f;
    q->min_albedo = (float)o->min_albedo;
    p->cond = cond;
    p->alloc = ctx->alloc;
    *out = p;
    return SKINQ_OK;
}

void skinq_ps_plan_free(skinq_ps_plan **pp)
{
    if (!pp || !*pp)
        return;
    skinq_allocator a = (*pp)->alloc;
    skinq_free_raw(&a, *pp);
    *pp = NULL;
}

typedef struct {
    const skinq_ps_plan *plan;
    void (*row)(const struct skinq_ps_params *, const float *const *, size_t, float *, float *, float *,
                float *, uint8_t *);
    const float *const *planes;
    int w, h, rows_per_task;
    size_t stride;
    float *nx, *ny, *nz, *alb;
    uint8_t *code;
    uint64_t (*counts)[6]; /* per thread */
} ps_job;

static void ps_task(void *user, int task, int thread)
{
    ps_job *j = user;
    const float *rows[SKINQ_PS_MAX_LIGHTS];
    uint8_t codes[4096];
    int y0 = task * j->rows_per_task, y1 = y0 + j->rows_per_task < j->h ? y0 + j->rows_per_task : j->h;
    int m = j->plan->params.m;
    uint64_t cnt[6] = {0};
    for (int y = y0; y < y1; y++) {
        size_t off = (size_t)y * (size_t)j->w;
        for (int x0 = 0; x0 < j->w; x0 += 4096) {
            size_t n = (size_t)(j->w - x0 < 4096 ? j->w - x0 : 4096);
            for (int k = 0; k < m; k++)
                rows[k] = j->planes[k] + (size_t)y * j->stride + (size_t)x0;
            uint8_t *c = j->code ? j->code + off + (size_t)x0 : codes;
            j->row(&j->plan->params, rows, n, j->nx + off + x0, j->ny + off + x0, j->nz + off + x0,
                   j->alb + off + x0, c);
            for (size_t i = 0; i < n; i++) {
                cnt[(c[i] & 7) < 5 ? (c[i] & 7) : 4]++;
                cnt[5] += (c[i] & SKINQ_PS_SHADOWED) != 0;
            }
        }
    }
    /* counted locally: the threads' totals share cache lines (per-pixel updates would bounce them) */
    for (int k = 0; k < 6; k++)
        j->counts[thread][k] += cnt[k];
}

skinq_status skinq_ps_execute(skinq_ctx *ctx, const skinq_ps_plan *p, const float *const *planes, int width,
                              int height, size_t stride, float *nx, float *ny, float *nz, float *albedo,
                              uint8_t *code, skinq_ps_counts *counts)
{
    if (!p || !planes || width <= 0 || height <= 0 || stride < (size_t)width || !nx || !ny || !nz || !albedo)
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid photometric-stereo arguments (%dx%d)", width,
                          height);
    int threads = skinq_ctx_threads(ctx);
    uint64_t(*cnt)[6] = skinq_calloc(ctx, (size_t)threads, sizeof *cnt);
    if (!cnt)
        return SKINQ_E_NOMEM;
    ps_job j = {p,      skinq_surface_dsp(skinq_ctx_isa(ctx))->ps_row,
                planes, width,
                height, 0,
                stride, nx,
                ny,     nz,
                albedo, code,
                cnt};
    /* about 64k pixels a task: enough to amortise, small enough to balance */
    j.rows_per_task = (int)(65536 / (size_t)width) + 1;
    int tasks = (height + j.rows_per_task - 1) / j.rows_per_task;
    skinq_parallel_for(ctx, tasks, ps_task, &j);
    if (counts) {
        memset(counts, 0, sizeof *counts);
        for (int t = 0; t < threads; t++) {
            counts->all += cnt[t][0];
            counts->no_darkest += cnt[t][1];
            counts->no_brightest += cnt[t][2];
            counts->no_both += cnt[t][3];
            counts->invalid += cnt[t][4];
            counts->shadowed += cnt[t][5];
        }
    }
    skinq_free(ctx, cnt);
    return SKINQ_OK;
}

void skinq_normals_to_gradients(const float *nx, const float *ny, const float *nz, size_t n, double max_slope,
                                float *p, float *q)
{
    float nzmin = (float)(1.0 / sqrt(1.0 + max_slope * max_slope));
    for (size_t i = 0; i < n; i++) {
        float z = nz[i];
        if (!(z >= nzmin)) {
            /* grazing or invalid: keep the tilt direction, limit the slope */
            float t = sqrtf(nx[i] * nx[i] + ny[i] * ny[i]);
            if (!(t > 0) || !isfinite(t)) {
                p[i] = 0;
                q[i] = 0;
                continue;
            }
            float s = (float)max_slope / t;
            p[i] = -nx[i] * s;
            q[i] = ny[i] * s;
            continue;
        }
        p[i] = -nx[i] / z;
        q[i] = ny[i] / z;
    }
}

void surface_image_to_linear(const skinq_image *img, float *dst)
{
    const float *srgb_lut = skinq_srgb8_decode_table();
    int w = img->width, h = img->height, c = img->channels;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = skinq_image_row(img, y);
        float *o = dst + (size_t)y * (size_t)w;
        if (img->depth == 8) {
            for (int x = 0; x < w; x++) {
                const uint8_t *px = row + (size_t)x * (size_t)c;
                o[x] = c >= 3
                           ? 0.2126f * srgb_lut[px[0]] + 0.7152f * srgb_lut[px[1]] + 0.0722f * srgb_lut[px[2]]
                           : srgb_lut[px[0]];
            }
        } else {
            const uint16_t *r16 = (const uint16_t *)row;
            for (int x = 0; x < w; x++) {
                const uint16_t *px = r16 + (size_t)x * (size_t)c;
                o[x] = c >= 3 ? (0.2126f * px[0] + 0.7152f * px[1] + 0.0722f * px[2]) / 65535.0f
                              : px[0] / 65535.0f;
            }
        }
    }
}
