/* ps.c -- photometric stereo: the plan (light matrix, pseudo-inverse, rank check) and the
 * threaded driver around the dispatched row kernel (surface_kernels.h). Lambertian model
 * I_k = albedo · (s_k · n), Woodham (1980); shadow / highlight rejection as in the kernel. */
#include <math.h>
#include <string.h>

#include "color/srgb.h"
#include "surface.h"

void skinq_ps_default_options(skinq_ps_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->outlier_tau = 0.05;
    o->shadow_fraction = 0.02;
    o->min_albedo = 1e-4;
    o->method = SKINQ_PS_AUTO;
    o->trim_dark = 0.25;
    o->trim_bright = 0.35;
}

static const char *const method_names[] = {"auto", "ls", "subset", "trimmed", "irls", "lobe"};
#define N_METHODS (int)(sizeof method_names / sizeof method_names[0])

const char *skinq_ps_method_name(int method)
{
    return method >= 0 && method < N_METHODS ? method_names[method] : "unknown";
}

int skinq_ps_method_parse(const char *name, int *method)
{
    for (int i = 0; i < N_METHODS; i++)
        if (name && strcmp(name, method_names[i]) == 0) {
            *method = i;
            return 0;
        }
    return -1;
}

int skinq_ps_plan_method(const skinq_ps_plan *p)
{
    return p->method;
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
    int m = lights->count;
    /* auto: trimmed from 12 lights, by the worst case of two scenes (lib/surface/README.md): IRLS wins
     * the sphere with sharp highlights, trimmed the realistic scar stack (3.2° vs 4.9°, no false scar) */
    int method = o->method == SKINQ_PS_AUTO ? (m < 12 ? SKINQ_PS_SUBSET : SKINQ_PS_TRIMMED) : o->method;
    if (method < SKINQ_PS_LS || method > SKINQ_PS_LOBE)
        return skinq_fail(ctx, SKINQ_E_INVALID, "unknown photometric-stereo method %d", o->method);
    if (method == SKINQ_PS_SUBSET && m > SKINQ_PS_MAX_LIGHTS)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "cannot solve photometric stereo with '%s': the subset method takes at most %d "
                          "lights, not %d (use trimmed or irls)",
                          name, SKINQ_PS_MAX_LIGHTS, m);
    if (!(o->outlier_tau >= 0) || !(o->min_albedo >= 0) ||
        !(o->shadow_fraction >= 0 && o->shadow_fraction < 1) || !(o->trim_dark >= 0) ||
        !(o->trim_bright >= 0) || !(o->trim_dark + o->trim_bright < 1))
        return skinq_fail(ctx, SKINQ_E_INVALID, "photometric stereo options must be non-negative");
    double A[3][3] = {{0}};
    double(*S)[3] = skinq_malloc(ctx, (size_t)m * sizeof *S);
    if (!S)
        return SKINQ_E_NOMEM;
    double smax = 0;
    for (int k = 0; k < m; k++) {
        const skinq_light *l = &lights->items[k];
        double len = sqrt(l->direction[0] * l->direction[0] + l->direction[1] * l->direction[1] +
                          l->direction[2] * l->direction[2]);
        if (!(len > 0) || !(l->intensity > 0) || !isfinite(len) || !isfinite(l->intensity)) {
            skinq_free(ctx, S);
            return skinq_fail(ctx, SKINQ_E_INVALID,
                              "cannot solve photometric stereo with '%s': light %d is invalid", name, k);
        }
        for (int c = 0; c < 3; c++)
            S[k][c] = l->intensity * l->direction[c] / len;
        smax = fmax(smax, l->intensity);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                A[i][j] += S[k][i] * S[k][j];
    }
    double ev[3];
    surface_eig3(A, ev);
    double cond = ev[2] > 0 && ev[0] > 0 ? sqrt(ev[0] / ev[2]) : 0;
    double Ai[3][3];
    if (cond < 0.02 || inv3(A, Ai) != 0) {
        skinq_free(ctx, S);
        return skinq_fail(ctx, SKINQ_E_TOO_FEW,
                          "cannot solve photometric stereo with '%s': the light directions are coplanar or "
                          "nearly so (singular value ratio %.3g < 0.02)",
                          name, cond);
    }
    skinq_ps_plan *p = skinq_calloc(ctx, 1, sizeof *p);
    if (p && (!(p->sl = skinq_malloc(ctx, (size_t)m * 3 * sizeof *p->sl)) ||
              !(p->hv = skinq_malloc(ctx, (size_t)m * 4 * sizeof *p->hv)))) {
        skinq_free(ctx, p->sl);
        skinq_free(ctx, p);
        p = NULL;
    }
    if (!p) {
        skinq_free(ctx, S);
        return SKINQ_E_NOMEM;
    }
    for (int k = 0; k < m; k++) {
        double e = lights->items[k].intensity, h[3] = {S[k][0] / e, S[k][1] / e, S[k][2] / e + 1};
        double hn = sqrt(h[0] * h[0] + h[1] * h[1] + h[2] * h[2]);
        for (int c = 0; c < 3; c++) {
            p->sl[3 * k + c] = (float)S[k][c];
            p->hv[4 * k + c] = (float)(hn > 0 ? h[c] / hn : 0);
        }
        p->hv[4 * k + 3] = (float)e;
    }
    p->method = method;
    p->m = m;
    p->shadow = (float)o->shadow_fraction;
    p->smax = (float)smax;
    p->tau = (float)o->outlier_tau;
    p->min_albedo = (float)o->min_albedo;
    p->trim_dark = (float)o->trim_dark;
    p->trim_bright = (float)o->trim_bright;
    p->cond = cond;
    p->alloc = ctx->alloc;
    skinq_ps_params *q = &p->params;
    if (m > SKINQ_PS_MAX_LIGHTS) { /* the row kernel's constants are not needed (never SUBSET) */
        skinq_free(ctx, S);
        *out = p;
        return SKINQ_OK;
    }
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
    skinq_free(ctx, S);
    *out = p;
    return SKINQ_OK;
}

void skinq_ps_plan_free(skinq_ps_plan **pp)
{
    if (!pp || !*pp)
        return;
    skinq_allocator a = (*pp)->alloc;
    skinq_free_raw(&a, (*pp)->sl);
    skinq_free_raw(&a, (*pp)->hv);
    skinq_free_raw(&a, *pp);
    *pp = NULL;
}

typedef struct {
    const skinq_ps_plan *plan;
    skinq_ps_row_fn row;
    const float *const *planes;
    int w, h, rows_per_task;
    size_t stride;
    const uint8_t *region;
    size_t region_stride;
    float *nx, *ny, *nz, *alb, *conf;
    uint8_t *code;
    uint64_t (*counts)[6]; /* per thread */
    const float **rows;    /* per thread: m row pointers */
    float *work;           /* per thread: 4·m floats */
} ps_job;

#define PS_CHUNK 4096

static void ps_task(void *user, int task, int thread)
{
    ps_job *j = user;
    const skinq_ps_plan *p = j->plan;
    const int m = p->m;
    const float **rows = j->rows + (size_t)thread * (size_t)m;
    float *work = j->work + (size_t)thread * 4 * (size_t)m;
    uint8_t codes[PS_CHUNK];
    int y0 = task * j->rows_per_task, y1 = y0 + j->rows_per_task < j->h ? y0 + j->rows_per_task : j->h;
    uint64_t cnt[6] = {0};
    for (int y = y0; y < y1; y++) {
        size_t off = (size_t)y * (size_t)j->w;
        const uint8_t *reg = j->region ? j->region + (size_t)y * j->region_stride : NULL;
        for (int x0 = 0; x0 < j->w; x0 += PS_CHUNK) {
            size_t n = (size_t)(j->w - x0 < PS_CHUNK ? j->w - x0 : PS_CHUNK), o = off + (size_t)x0;
            for (int k = 0; k < m; k++)
                rows[k] = j->planes[k] + (size_t)y * j->stride + (size_t)x0;
            uint8_t *c = j->code ? j->code + o : codes;
            float *cf = j->conf ? j->conf + o : NULL;
            if (p->method == SKINQ_PS_SUBSET) {
                j->row(&p->params, rows, n, j->nx + o, j->ny + o, j->nz + o, j->alb + o, c);
                for (size_t i = 0; reg && i < n; i++)
                    if (!reg[x0 + (int)i]) {
                        j->nx[o + i] = 0.0f;
                        j->ny[o + i] = 0.0f;
                        j->nz[o + i] = 1.0f;
                        j->alb[o + i] = 0.0f;
                        c[i] = SKINQ_PS_INVALID;
                    }
                if (cf)
                    surface_ps_confidence_row(p, rows, n, j->nx + o, j->ny + o, j->nz + o, j->alb + o, c, cf,
                                              work);
            } else {
                surface_ps_robust_row(p, rows, n, reg ? reg + x0 : NULL, j->nx + o, j->ny + o, j->nz + o,
                                      j->alb + o, cf, c, work);
            }
            for (size_t i = 0; i < n; i++) {
                if (reg && !reg[x0 + (int)i])
                    continue; /* the background is not counted */
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
    return skinq_ps_execute_ex(ctx, p, planes, width, height, stride, NULL, 0, nx, ny, nz, albedo, NULL, code,
                               counts);
}

/* LOBE's exponent for a stack: the candidate with the smallest mean relative residual over a
 * sample (up to 48 rows evenly spaced, every 4th pixel of the region), one candidate a task.
 * Below 25 the lobe is so broad that it is nearly collinear with the Lambertian term over the
 * lights of a hemisphere: the fit trades one for the other (the scar stack: 7° at 12, 0.5° at 50). */
static const float lobe_candidates[] = {25, 50, 100, 200, 400, 800};
#define N_LOBE (sizeof lobe_candidates / sizeof lobe_candidates[0])

typedef struct {
    const skinq_ps_plan *p;
    const float *const *planes;
    const uint8_t *region;
    size_t stride, region_stride;
    int w, h;
    const float **rows; /* per thread: m */
    float *work;        /* per thread: 4·m */
    double score[N_LOBE];
} lobe_job;

static void lobe_task(void *user, int task, int thread)
{
    lobe_job *j = user;
    const int m = j->p->m, nrows = j->h < 48 ? j->h : 48;
    const float **rows = j->rows + (size_t)thread * (size_t)m;
    double sum = 0;
    size_t cnt = 0;
    for (int r = 0; r < nrows; r++) {
        int y = (int)(((long)r * 2 + 1) * j->h / (2L * nrows));
        for (int k = 0; k < m; k++)
            rows[k] = j->planes[k] + (size_t)y * j->stride;
        size_t c;
        sum += surface_ps_lobe_score(j->p, rows, (size_t)j->w,
                                     j->region ? j->region + (size_t)y * j->region_stride : NULL, 4,
                                     lobe_candidates[task], &c, j->work + (size_t)thread * 4 * (size_t)m);
        cnt += c;
    }
    j->score[task] = cnt ? sum / (double)cnt : INFINITY;
}

static float lobe_exponent(skinq_ctx *ctx, const skinq_ps_plan *p, const float *const *planes, int w, int h,
                           size_t stride, const uint8_t *region, size_t region_stride, const float **rows,
                           float *work)
{
    lobe_job j = {p, planes, region, stride, region_stride, w, h, rows, work, {0}};
    skinq_parallel_for(ctx, (int)N_LOBE, lobe_task, &j);
    size_t best = 0;
    for (size_t i = 1; i < N_LOBE; i++)
        if (j.score[i] < j.score[best])
            best = i;
    return lobe_candidates[best];
}

skinq_status skinq_ps_execute_ex(skinq_ctx *ctx, const skinq_ps_plan *p, const float *const *planes,
                                 int width, int height, size_t stride, const uint8_t *region,
                                 size_t region_stride, float *nx, float *ny, float *nz, float *albedo,
                                 float *confidence, uint8_t *code, skinq_ps_counts *counts)
{
    if (!p || !planes || width <= 0 || height <= 0 || stride < (size_t)width || !nx || !ny || !nz ||
        !albedo || (region && region_stride < (size_t)width))
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid photometric-stereo arguments (%dx%d)", width,
                          height);
    int threads = skinq_ctx_threads(ctx);
    uint64_t(*cnt)[6] = skinq_calloc(ctx, (size_t)threads, sizeof *cnt);
    const float **rows = skinq_malloc(ctx, (size_t)threads * (size_t)p->m * sizeof *rows);
    float *work = skinq_malloc(ctx, (size_t)threads * 4 * (size_t)p->m * sizeof *work);
    if (!cnt || !rows || !work) {
        skinq_free(ctx, cnt);
        skinq_free(ctx, rows);
        skinq_free(ctx, work);
        return SKINQ_E_NOMEM;
    }
    skinq_ps_plan lobe; /* LOBE: the plan with this stack's exponent */
    if (p->method == SKINQ_PS_LOBE) {
        lobe = *p;
        lobe.lobe_p = lobe_exponent(ctx, p, planes, width, height, stride, region, region_stride, rows, work);
        p = &lobe;
    }
    ps_job j = {.plan = p,
                .row = skinq_surface_dsp(skinq_ctx_isa(ctx))->ps_row,
                .planes = planes,
                .w = width,
                .h = height,
                .stride = stride,
                .region = region,
                .region_stride = region_stride,
                .nx = nx,
                .ny = ny,
                .nz = nz,
                .alb = albedo,
                .conf = confidence,
                .code = code,
                .counts = cnt,
                .rows = rows,
                .work = work};
    /* about 64k pixels a task for the kernel, 4k for the robust methods (m times the work) */
    j.rows_per_task = (int)((p->method == SKINQ_PS_SUBSET ? 65536 : 4096) / (size_t)width) + 1;
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
        counts->lobe_exponent = p->method == SKINQ_PS_LOBE ? p->lobe_p : 0;
    }
    skinq_free(ctx, cnt);
    skinq_free(ctx, rows);
    skinq_free(ctx, work);
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
    static const float one[3] = {1.0f, 1.0f, 1.0f};
    surface_image_to_linear_gains(img, one, dst);
}

void surface_image_to_linear_gains(const skinq_image *img, const float gain[3], float *dst)
{
    const float *srgb_lut = skinq_srgb8_decode_table();
    int w = img->width, h = img->height, c = img->channels;
    const float wr = 0.2126f * gain[0], wg = 0.7152f * gain[1], wb = 0.0722f * gain[2];
    for (int y = 0; y < h; y++) {
        const uint8_t *row = skinq_image_row(img, y);
        float *o = dst + (size_t)y * (size_t)w;
        if (img->depth == 8) {
            for (int x = 0; x < w; x++) {
                const uint8_t *px = row + (size_t)x * (size_t)c;
                o[x] = c >= 3 ? wr * srgb_lut[px[0]] + wg * srgb_lut[px[1]] + wb * srgb_lut[px[2]]
                              : srgb_lut[px[0]];
            }
        } else {
            const uint16_t *r16 = (const uint16_t *)row;
            for (int x = 0; x < w; x++) {
                const uint16_t *px = r16 + (size_t)x * (size_t)c;
                o[x] = c >= 3 ? (wr * px[0] + wg * px[1] + wb * px[2]) / 65535.0f : px[0] / 65535.0f;
            }
        }
    }
}
