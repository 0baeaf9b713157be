/* normalise.c -- colour corrections in linear RGB: apply a 3×3 matrix (or gains), and the --ref
 * gains that match after's untreated skin to before's. */
#include <math.h>
#include <string.h>

#include "align/align.h"
#include "color/srgb.h"

typedef struct apply_job {
    const skinq_image *src;
    skinq_image *dst;
    double m[9];
    const float *lin; /* decode table: 256 or 65536 entries */
    double thr[255];  /* 8-bit: linear thresholds between codes k and k+1 */
} apply_job;

static uint8_t encode8(const apply_job *j, double v)
{
    int lo = 0, hi = 255; /* the number of thresholds below v, i.e. the rounded code */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (j->thr[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint8_t)lo;
}

static void apply_rows(void *user, int task, int thread)
{
    (void)thread;
    const apply_job *j = user;
    const skinq_image *s = j->src;
    int y1 = (task + 1) * 64 < s->height ? (task + 1) * 64 : s->height;
    for (int y = task * 64; y < y1; y++) {
        const uint8_t *r8 = skinq_image_row(s, y);
        uint8_t *o8 = skinq_image_row(j->dst, y);
        for (int x = 0; x < s->width; x++) {
            double in[3], out[3];
            for (int c = 0; c < 3; c++) {
                size_t k = (size_t)x * s->channels + c;
                in[c] = j->lin[s->depth == 16 ? ((const uint16_t *)(const void *)r8)[k] : r8[k]];
            }
            for (int c = 0; c < 3; c++)
                out[c] = j->m[3 * c] * in[0] + j->m[3 * c + 1] * in[1] + j->m[3 * c + 2] * in[2];
            for (int c = 0; c < s->channels; c++) {
                size_t k = (size_t)x * s->channels + c;
                if (s->depth == 16)
                    ((uint16_t *)(void *)o8)[k] = c < 3 ? (uint16_t)lround(skinq_srgb_encode(out[c]) * 65535)
                                                        : ((const uint16_t *)(const void *)r8)[k];
                else
                    o8[k] = c < 3 ? encode8(j, out[c]) : r8[k];
            }
        }
    }
}

/* Decode table for a depth (256 or 65536 floats through ctx). */
static float *decode_table(skinq_ctx *ctx, int depth)
{
    size_t n = depth == 16 ? 65536 : 256;
    float *t = skinq_malloc(ctx, n * sizeof *t);
    for (size_t i = 0; t && i < n; i++)
        t[i] = (float)skinq_srgb_decode(depth == 16 ? i / 65535.0 : i / 255.0);
    return t;
}

skinq_status skinq_align_apply_matrix(skinq_ctx *ctx, const skinq_image *img, const double m[9],
                                      skinq_image **out)
{
    if (!img || !img->data || !m || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "colour matrix: bad arguments");
    if (img->channels < 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "colour correction needs an RGB image");
    for (int i = 0; i < 9; i++)
        if (!isfinite(m[i]))
            return skinq_fail(ctx, SKINQ_E_INVALID, "colour matrix has a non-finite entry");
    apply_job *j = skinq_calloc(ctx, 1, sizeof *j);
    if (!j)
        return SKINQ_E_NOMEM;
    skinq_image *dst = NULL;
    skinq_status st = skinq_image_new(ctx, img->width, img->height, img->channels, img->depth, &dst);
    float *lin = NULL;
    if (st == SKINQ_OK && !(lin = decode_table(ctx, img->depth)))
        st = SKINQ_E_NOMEM;
    if (st == SKINQ_OK) {
        j->src = img, j->dst = dst, j->lin = lin;
        memcpy(j->m, m, sizeof j->m);
        for (int k = 0; k < 255; k++)
            j->thr[k] = skinq_srgb_decode((k + 0.5) / 255);
        skinq_parallel_for(ctx, (img->height + 63) / 64, apply_rows, j);
        *out = dst;
        dst = NULL;
    }
    skinq_image_free(&dst);
    skinq_free(ctx, lin);
    skinq_free(ctx, j);
    return st;
}

skinq_status skinq_align_ref_gains(skinq_ctx *ctx, const skinq_image *before, const skinq_image *after,
                                   const skinq_mask *valid, skinq_rect ref, double gains[3], uint64_t *pixels)
{
    if (!before || !after || before->width != after->width || before->height != after->height ||
        (valid && (valid->width != before->width || valid->height != before->height)))
        return skinq_fail(ctx, SKINQ_E_INVALID, "reference gains need two images of one size (align first)");
    if (before->channels < 3 || after->channels < 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "reference normalisation needs RGB images");
    float *lb = decode_table(ctx, before->depth), *la = decode_table(ctx, after->depth);
    if (!lb || !la) {
        skinq_free(ctx, lb);
        skinq_free(ctx, la);
        return SKINQ_E_NOMEM;
    }
    skinq_rect r = skinq_rect_clip(ref, before->width, before->height);
    double sb[3] = {0}, sa[3] = {0};
    uint64_t n = 0;
    unsigned fb = before->depth == 16 ? 65535 : 255, fa = after->depth == 16 ? 65535 : 255;
    for (int y = r.y; y < r.y + r.h; y++) {
        const uint8_t *rb = skinq_image_row(before, y), *ra = skinq_image_row(after, y);
        for (int x = r.x; x < r.x + r.w; x++) {
            if (valid && !valid->data[(size_t)y * valid->stride + x])
                continue;
            unsigned vb[3], va[3];
            int clipped = 0;
            for (int c = 0; c < 3; c++) {
                size_t kb = (size_t)x * before->channels + c, ka = (size_t)x * after->channels + c;
                vb[c] = before->depth == 16 ? ((const uint16_t *)(const void *)rb)[kb] : rb[kb];
                va[c] = after->depth == 16 ? ((const uint16_t *)(const void *)ra)[ka] : ra[ka];
                clipped |= vb[c] == 0 || vb[c] == fb || va[c] == 0 || va[c] == fa;
            }
            if (clipped)
                continue;
            for (int c = 0; c < 3; c++)
                sb[c] += lb[vb[c]], sa[c] += la[va[c]];
            n++;
        }
    }
    skinq_free(ctx, lb);
    skinq_free(ctx, la);
    if (n == 0 || !(sa[0] > 0 && sa[1] > 0 && sa[2] > 0))
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                          "the reference region %d,%d,%d,%d has no usable pixel in both images", ref.x, ref.y,
                          ref.w, ref.h);
    for (int c = 0; c < 3; c++)
        gains[c] = sb[c] / sa[c];
    if (pixels)
        *pixels = n;
    return SKINQ_OK;
}
