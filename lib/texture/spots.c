/* spots.c -- pigmented spots (melanin-index outliers above a smoothed local baseline, as
 * connected components) and tone evenness (std of L* block means).
 *
 * Baseline: normalised convolution, blur(mel·roi) / blur(roi), so the outside of the ROI does
 * not pull it; the blur is three box passes per axis, which approximate a Gaussian of the given
 * sigma to a few per cent (Wells, IEEE PAMI 1986). A pixel is a spot pixel when its residual
 * exceeds the residual median by max(spot_min_delta, spot_k × 1.4826 × MAD); spots are the
 * 8-connected components of at least spot_min_area. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

typedef struct box_job {
    float *p, *tmp;
    int w, h, r;
} box_job;

/* One box pass along rows (task = row), edges clamped. */
static void box_rows(void *user, int task, int thread)
{
    (void)thread;
    box_job *j = user;
    float *row = j->p + (size_t)task * j->w, *t = j->tmp + (size_t)task * j->w;
    const int w = j->w, r = j->r;
    double s = 0;
    for (int i = -r; i <= r; i++)
        s += row[i < 0 ? 0 : i >= w ? w - 1 : i];
    for (int x = 0; x < w; x++) {
        t[x] = (float)(s / (2 * r + 1));
        int add = x + r + 1, sub = x - r;
        s += row[add >= w ? w - 1 : add] - row[sub < 0 ? 0 : sub];
    }
    memcpy(row, t, sizeof(float) * (size_t)w);
}

/* One box pass along columns, 64 columns a task: running sums per column, the output rows of
 * the task's columns into tmp (same layout, so each task owns its own band), then copied back. */
static void box_cols(void *user, int task, int thread)
{
    (void)thread;
    box_job *j = user;
    const int w = j->w, h = j->h, r = j->r, x0 = task * 64, x1 = x0 + 64 < w ? x0 + 64 : w;
    double s[64];
    for (int x = x0; x < x1; x++) {
        double a = 0;
        for (int i = -r; i <= r; i++)
            a += j->p[(size_t)(i < 0 ? 0 : i >= h ? h - 1 : i) * w + (size_t)x];
        s[x - x0] = a;
    }
    const double inv = 1.0 / (2 * r + 1);
    for (int y = 0; y < h; y++) {
        int add = y + r + 1, sub = y - r;
        const float *ra = j->p + (size_t)(add >= h ? h - 1 : add) * w, *rs = j->p + (size_t)(sub < 0 ? 0 : sub) * w;
        float *t = j->tmp + (size_t)y * w;
        for (int x = x0; x < x1; x++) {
            t[x] = (float)(s[x - x0] * inv);
            s[x - x0] += ra[x] - rs[x];
        }
    }
    for (int y = 0; y < h; y++)
        memcpy(j->p + (size_t)y * w + x0, j->tmp + (size_t)y * w + x0, sizeof(float) * (size_t)(x1 - x0));
}

/* In-place approximate Gaussian of sigma: three box passes per axis (tmp: w×h floats). */
static void blur3(skinq_ctx *ctx, float *p, float *tmp, int w, int h, double sigma)
{
    int wi = (int)floor(sqrt(12.0 * sigma * sigma / 3 + 1));
    if (wi % 2 == 0)
        wi--;
    box_job j = {p, tmp, w, h, wi > 1 ? (wi - 1) / 2 : 0};
    if (j.r == 0)
        return;
    for (int pass = 0; pass < 3; pass++) {
        skinq_parallel_for(ctx, h, box_rows, &j);
        skinq_parallel_for(ctx, (w + 63) / 64, box_cols, &j);
    }
}

skinq_status tex_spots(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, double *count, double *area_fraction)
{
    const size_t w = (size_t)im->w, h = (size_t)im->h, n = w * h;
    float *num = skinq_malloc(ctx, n * sizeof *num), *tmp = skinq_malloc(ctx, n * sizeof *tmp);
    float *den = im->roi ? skinq_malloc(ctx, n * sizeof *den) : NULL;
    uint8_t *bin = NULL;
    float *sample = NULL;
    int *stack = NULL;
    skinq_status st = SKINQ_E_NOMEM;
    if (!num || !tmp || (im->roi && !den))
        goto done;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            int in = tex_in(im, (int)x, (int)y);
            float v = im->mel[y * im->stride + x];
            num[y * w + x] = in && isfinite(v) ? v : 0;
            if (den)
                den[y * w + x] = in && isfinite(v) ? 1.0f : 0.0f;
        }
    blur3(ctx, num, tmp, im->w, im->h, c->spot_sigma);
    if (den)
        blur3(ctx, den, tmp, im->w, im->h, c->spot_sigma);
    /* residuals into num (NaN outside), a strided sample of them for the robust spread */
    size_t step = im->inside > 1000000 ? (size_t)(im->inside / 1000000) : 1, ns = 0, seen = 0;
    sample = skinq_malloc(ctx, (size_t)(im->inside / step + 1) * sizeof *sample);
    if (!sample)
        goto done;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            size_t i = y * w + x;
            float v = im->mel[y * im->stride + x], d = den ? den[i] : 1.0f;
            if (!tex_in(im, (int)x, (int)y) || !isfinite(v) || !(d > 1e-6f)) {
                num[i] = NAN;
                continue;
            }
            num[i] = v - num[i] / d;
            if (seen++ % step == 0)
                sample[ns++] = num[i];
        }
    *count = 0;
    *area_fraction = 0;
    st = SKINQ_OK;
    if (ns == 0)
        goto done;
    double med = tex_quantile(ctx, sample, ns, 0.5);
    for (size_t i = 0; i < ns; i++)
        sample[i] = fabsf(sample[i] - (float)med);
    double mad = tex_quantile(ctx, sample, ns, 0.5);
    if (isnan(med) || isnan(mad)) {
        st = SKINQ_E_NOMEM;
        goto done;
    }
    double thr = c->spot_k * 1.4826 * mad;
    thr = med + (thr > c->spot_min_delta ? thr : c->spot_min_delta);
    bin = skinq_malloc(ctx, n);
    size_t cap = 4096;
    stack = skinq_malloc(ctx, cap * sizeof *stack * 2);
    if (!bin || !stack) {
        st = SKINQ_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        bin[i] = num[i] > thr; /* NaN → 0 */
    uint64_t spots = 0, area = 0;
    for (size_t y0 = 0; y0 < h; y0++)
        for (size_t x0 = 0; x0 < w; x0++) {
            if (!bin[y0 * w + x0])
                continue;
            /* flood fill (8-connected), clearing as it goes */
            size_t sp = 0, a = 0;
            bin[y0 * w + x0] = 0;
            stack[0] = (int)x0;
            stack[1] = (int)y0;
            sp = 1;
            while (sp) {
                sp--;
                int x = stack[2 * sp], y = stack[2 * sp + 1];
                a++;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= im->w || yy >= im->h || !bin[(size_t)yy * w + (size_t)xx])
                            continue;
                        bin[(size_t)yy * w + (size_t)xx] = 0;
                        if (sp == cap) {
                            int *g = skinq_malloc(ctx, cap * 4 * sizeof *g);
                            if (!g) {
                                st = SKINQ_E_NOMEM;
                                goto done;
                            }
                            memcpy(g, stack, cap * 2 * sizeof *g);
                            skinq_free(ctx, stack);
                            stack = g;
                            cap *= 2;
                        }
                        stack[2 * sp] = xx;
                        stack[2 * sp + 1] = yy;
                        sp++;
                    }
            }
            if ((double)a >= c->spot_min_area) {
                spots++;
                area += a;
            }
        }
    *count = (double)spots;
    *area_fraction = im->inside ? (double)area / (double)im->inside : 0;
done:
    skinq_free(ctx, num);
    skinq_free(ctx, tmp);
    skinq_free(ctx, den);
    skinq_free(ctx, bin);
    skinq_free(ctx, sample);
    skinq_free(ctx, stack);
    return st;
}

double tex_tone_evenness(const tex_img *im, const tex_cfg *c)
{
    const int B = c->tone_block;
    double mean = 0, m2 = 0; /* Welford: block means are ~60 with a spread of ~1 */
    uint64_t nb = 0;
    for (int by = 0; by + B <= im->h; by += B)
        for (int bx = 0; bx + B <= im->w; bx += B) {
            double sum = 0;
            int cnt = 0;
            for (int y = by; y < by + B; y++) {
                const float *r = im->L + (size_t)y * im->stride;
                for (int x = bx; x < bx + B; x++)
                    if (tex_in(im, x, y) && isfinite(r[x])) {
                        sum += r[x];
                        cnt++;
                    }
            }
            if (2 * cnt < B * B)
                continue; /* less than half inside: not a block of the ROI */
            double m = sum / cnt, d = m - mean;
            nb++;
            mean += d / (double)nb;
            m2 += d * (m - mean);
        }
    if (nb < 2)
        return NAN;
    return sqrt(m2 / (double)nb);
}
