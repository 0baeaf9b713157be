/* plane.c -- the 8-bit working planes of registration: luma, area downscales, and the fused
 * pass (RGB → luma → area average in one read of the photo, threaded) that registration uses. */
#include <math.h>
#include <string.h>

#include "align/align.h"

skinq_status align_plane_new(skinq_ctx *ctx, int w, int h, uint8_t fill, align_plane *p)
{
    size_t n;
    if (w <= 0 || h <= 0 || skinq_mul_size((size_t)w, (size_t)h, &n) != 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "bad plane size %dx%d", w, h);
    p->data = skinq_malloc(ctx, n);
    if (!p->data)
        return SKINQ_E_NOMEM;
    memset(p->data, fill, n);
    p->width = w, p->height = h, p->stride = (size_t)w;
    return SKINQ_OK;
}

void align_plane_free(skinq_ctx *ctx, align_plane *p)
{
    skinq_free(ctx, p->data);
    memset(p, 0, sizeof *p);
}

/* One row of luma: Rec. 709 weights on the encoded values, gray copied, 16-bit >> 8. */
static void luma_row(const skinq_image *img, int y, uint8_t *o)
{
    const uint8_t *r8 = skinq_image_row(img, y);
    const uint16_t *r16 = (const uint16_t *)(const void *)r8;
    int ch = img->channels, wide = img->depth == 16;
    if (ch == 3 && !wide) { /* the common case, without the general loop's choices per pixel */
        for (int x = 0; x < img->width; x++)
            o[x] = (uint8_t)((54 * r8[3 * x] + 183 * r8[3 * x + 1] + 19 * r8[3 * x + 2] + 128) >> 8);
        return;
    }
    for (int x = 0; x < img->width; x++) {
        unsigned v[3];
        for (int c = 0; c < 3; c++) {
            int k = x * ch + (ch >= 3 ? c : 0);
            v[c] = wide ? r16[k] >> 8 : r8[k];
        }
        o[x] = (uint8_t)((54 * v[0] + 183 * v[1] + 19 * v[2] + 128) >> 8); /* 0.2126, 0.7152, 0.0722 */
    }
}

skinq_status align_luma(skinq_ctx *ctx, const skinq_image *img, align_plane *out)
{
    skinq_status st = align_plane_new(ctx, img->width, img->height, 0, out);
    for (int y = 0; st == SKINQ_OK && y < img->height; y++)
        luma_row(img, y, out->data + (size_t)y * out->stride);
    return st;
}

/* The size whose long side is `size` (unchanged when already no larger, or size <= 0). */
static void level_size(int w, int h, int size, int *dw, int *dh)
{
    int lng = w > h ? w : h;
    *dw = w, *dh = h;
    if (size > 0 && lng > size) {
        double s = (double)size / lng;
        *dw = (int)(w * s + 0.5), *dh = (int)(h * s + 0.5);
        *dw = *dw < 1 ? 1 : *dw, *dh = *dh < 1 ? 1 : *dh;
    }
}

skinq_status align_downscale(skinq_ctx *ctx, const align_plane *src, int size, int is_mask, align_plane *out)
{
    int w, h;
    level_size(src->width, src->height, size, &w, &h);
    skinq_status st = align_plane_new(ctx, w, h, 0, out);
    if (st != SKINQ_OK)
        return st;
    cvw_plane s = align_cv(src);
    if (w == src->width && h == src->height) {
        for (int y = 0; y < h; y++)
            memcpy(out->data + (size_t)y * out->stride, src->data + (size_t)y * src->stride, (size_t)w);
    } else if ((st = cvw_resize(ctx, &s, out->data, w, h, out->stride)) != SKINQ_OK) {
        align_plane_free(ctx, out);
        return st;
    }
    if (is_mask)
        for (size_t i = 0; i < (size_t)w * h; i++)
            out->data[i] = out->data[i] == 255 ? 255 : 0;
    return SKINQ_OK;
}

/* ---- the fused pass ---- */

/* Area weights along one axis, those of OpenCV's INTER_AREA: destination cell d covers source
 * [d·s, (d+1)·s) with s = n/dn; taps first[d] .. first[d] + count[d] - 1, weights wt[d·taps + k]
 * (coverage / cell width, summing to 1), zero beyond count (so rows can run all `taps`). */
typedef struct area_tab {
    int *first, *count, taps;
    float *wt;
} area_tab;

static void area_tab_free(skinq_ctx *ctx, area_tab *t)
{
    skinq_free(ctx, t->first);
    skinq_free(ctx, t->count);
    skinq_free(ctx, t->wt);
    memset(t, 0, sizeof *t);
}

static skinq_status area_tab_make(skinq_ctx *ctx, int n, int dn, area_tab *t)
{
    double s = (double)n / dn;
    t->taps = (int)ceil(s) + 1;
    t->first = skinq_malloc(ctx, (size_t)dn * sizeof *t->first);
    t->count = skinq_malloc(ctx, (size_t)dn * sizeof *t->count);
    t->wt = skinq_calloc(ctx, (size_t)dn * t->taps, sizeof *t->wt);
    if (!t->first || !t->count || !t->wt) {
        area_tab_free(ctx, t);
        return SKINQ_E_NOMEM;
    }
    for (int d = 0; d < dn; d++) {
        double f1 = d * s, f2 = f1 + s, cell = fmin(s, n - f1);
        int s2 = (int)floor(f2), s1;
        s2 = s2 < n - 1 ? s2 : n - 1;
        s1 = (int)ceil(f1);
        s1 = s1 < s2 ? s1 : s2;
        float *w = t->wt + (size_t)d * t->taps;
        int k = 0;
        t->first[d] = s1 - f1 > 1e-3 ? s1 - 1 : s1;
        if (s1 - f1 > 1e-3)
            w[k++] = (float)((s1 - f1) / cell);
        for (int i = s1; i < s2; i++)
            w[k++] = (float)(1.0 / cell);
        if (f2 - s2 > 1e-3)
            w[k++] = (float)(fmin(fmin(f2 - s2, 1.0), cell) / cell);
        t->count[d] = k;
    }
    return SKINQ_OK;
}

typedef struct level_job {
    const skinq_image *img; /* either the photo (luma) ... */
    const skinq_mask *mask; /* ... or a mask (0/nonzero → 0/255; only cells fully inside keep 255) */
    align_plane *out;
    area_tab x, y;
    int rows; /* output rows per task */
    uint8_t *scratch;
    size_t per_thread; /* scratch bytes a thread: a source row, then the float column sums */
} level_job;

/* Output rows [task·rows, +rows): per row, the weighted sum of its source rows (vectorisable, at
 * the source width), then the horizontal weights once. */
static void level_task(void *user, int task, int thread)
{
    level_job *j = user;
    int sw = j->img ? j->img->width : j->mask->width, dw = j->out->width, taps = j->x.taps;
    uint8_t *src = j->scratch + (size_t)thread * j->per_thread;
    float *acc = (float *)(void *)(src + ((size_t)sw + 15) / 16 * 16); /* sw + taps floats, zeros past sw */
    int cached = -1; /* the source row in src: a row shared by two output rows is read once */
    int y1 = (task + 1) * j->rows < j->out->height ? (task + 1) * j->rows : j->out->height;
    for (int oy = task * j->rows; oy < y1; oy++) {
        for (int k = 0; k < j->y.count[oy]; k++) {
            int sy = j->y.first[oy] + k;
            if (sy != cached) {
                if (j->img)
                    luma_row(j->img, sy, src);
                else
                    for (int x = 0; x < sw; x++)
                        src[x] = j->mask->data[(size_t)sy * j->mask->stride + x] ? 255 : 0;
                cached = sy;
            }
            float wy = j->y.wt[(size_t)oy * j->y.taps + k];
            if (k == 0)
                for (int x = 0; x < sw; x++)
                    acc[x] = wy * src[x];
            else
                for (int x = 0; x < sw; x++)
                    acc[x] += wy * src[x];
        }
        uint8_t *o = j->out->data + (size_t)oy * j->out->stride;
        for (int dx = 0; dx < dw; dx++) { /* all taps, zero-weighted past count: no branches */
            const float *a = acc + j->x.first[dx], *w = j->x.wt + (size_t)dx * taps;
            float v = 0;
            for (int i = 0; i < taps; i++)
                v += w[i] * a[i];
            o[dx] = j->img ? (uint8_t)(v > 254.5f ? 255 : v + 0.5f) : v > 254.5f ? 255 : 0;
        }
    }
}

static skinq_status level_run(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *mask, int size,
                              align_plane *out)
{
    int sw = img ? img->width : mask->width, sh = img ? img->height : mask->height, dw, dh;
    if (sw <= 0 || sh <= 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "cannot downscale an empty %s", img ? "image" : "mask");
    level_size(sw, sh, size, &dw, &dh);
    level_job j = {img, mask, out, {0}, {0}, 8, NULL, 0};
    int threads = skinq_ctx_threads(ctx);
    skinq_status st = align_plane_new(ctx, dw, dh, 0, out);
    if (st == SKINQ_OK)
        st = area_tab_make(ctx, sw, dw, &j.x);
    if (st == SKINQ_OK)
        st = area_tab_make(ctx, sh, dh, &j.y);
    j.per_thread = ((size_t)sw + 15) / 16 * 16 + ((size_t)sw + j.x.taps) * sizeof(float);
    if (st == SKINQ_OK && !(j.scratch = skinq_calloc(ctx, (size_t)threads, j.per_thread)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK)
        skinq_parallel_for(ctx, (dh + j.rows - 1) / j.rows, level_task, &j);
    else
        align_plane_free(ctx, out);
    skinq_free(ctx, j.scratch);
    area_tab_free(ctx, &j.x);
    area_tab_free(ctx, &j.y);
    return st;
}

skinq_status align_level(skinq_ctx *ctx, const skinq_image *img, int size, align_plane *out)
{
    return level_run(ctx, img, NULL, size, out);
}

skinq_status align_mask_level(skinq_ctx *ctx, const skinq_mask *m, int size, align_plane *out)
{
    return level_run(ctx, NULL, m, size, out);
}
