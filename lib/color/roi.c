/* roi.c -- the one place a region of interest is resolved: rectangle, mask or detected skin,
 * ANDed with the alpha channel, its bounding box, pixel count and scale. */
#include <math.h>
#include <string.h>

#include "color/color_int.h"

const char *skinq_roi_kind_name(skinq_roi_kind k)
{
    static const char *const names[] = {"image", "rect", "mask", "auto-skin"};
    return k >= SKINQ_ROI_IMAGE && k <= SKINQ_ROI_AUTO_SKIN ? names[k] : "unknown";
}

/* Bounding box and count of a mask's nonzero pixels (a zero-sized box when none). */
static skinq_rect mask_bbox(const skinq_mask *m, uint64_t *inside)
{
    int x0 = m->width, y0 = m->height, x1 = -1, y1 = -1;
    uint64_t n = 0;
    for (int y = 0; y < m->height; y++) {
        const uint8_t *r = m->data + (size_t)y * m->stride;
        int a = 0, b = m->width - 1;
        while (a < m->width && !r[a])
            a++;
        if (a == m->width)
            continue;
        while (!r[b])
            b--;
        for (int x = a; x <= b; x++)
            n += r[x] != 0;
        x0 = a < x0 ? a : x0;
        x1 = b > x1 ? b : x1;
        y0 = y < y0 ? y : y0;
        y1 = y;
    }
    *inside = n;
    return x1 >= 0 ? (skinq_rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1} : (skinq_rect){0, 0, 0, 0};
}

static skinq_status check(skinq_ctx *ctx, int width, int height, const skinq_mask *alpha,
                          const skinq_roi_options *o, double px_per_mm)
{
    if (o->kind < SKINQ_ROI_IMAGE || o->kind > SKINQ_ROI_AUTO_SKIN)
        return skinq_fail(ctx, SKINQ_E_INVALID, "unknown ROI kind %d", (int)o->kind);
    if (!(px_per_mm >= 0) || !isfinite(px_per_mm))
        return skinq_fail(ctx, SKINQ_E_INVALID, "px/mm must be finite and >= 0");
    if (alpha && (alpha->width != width || alpha->height != height))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "alpha mask is %dx%d, the image %dx%d", alpha->width,
                          alpha->height, width, height);
    if (o->kind == SKINQ_ROI_MASK && !o->mask)
        return skinq_fail(ctx, SKINQ_E_INVALID, "ROI kind 'mask' without a mask");
    if (o->exclude && (o->exclude->width != width || o->exclude->height != height))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "excluded pixels' mask is %dx%d but the image is %dx%d",
                          o->exclude->width, o->exclude->height, width, height);
    if (o->kind == SKINQ_ROI_MASK && (o->mask->width != width || o->mask->height != height))
        return skinq_fail(ctx, SKINQ_E_FORMAT, "ROI mask is %dx%d but the image is %dx%d", o->mask->width,
                          o->mask->height, width, height);
    return SKINQ_OK;
}

/* m's pixels where ex is nonzero set to 0. */
static void clear_excluded(skinq_mask *m, const skinq_mask *ex)
{
    for (int y = 0; y < m->height; y++) {
        uint8_t *d = m->data + (size_t)y * m->stride;
        const uint8_t *e = ex->data + (size_t)y * ex->stride;
        for (int x = 0; x < m->width; x++)
            d[x] = e[x] ? 0 : d[x];
    }
}

/* The rectangle or the option's mask ANDed with alpha (when given), as a new mask. */
static skinq_status and_alpha(skinq_ctx *ctx, int width, int height, const skinq_mask *alpha,
                              const skinq_roi_options *o, skinq_mask **out)
{
    const skinq_rect r = o->kind == SKINQ_ROI_RECT ? skinq_rect_clip(o->rect, width, height)
                                                   : (skinq_rect){0, 0, width, height};
    skinq_status st = skinq_mask_new(ctx, width, height, 0, out);
    for (int y = r.y; st == SKINQ_OK && y < r.y + r.h; y++) {
        uint8_t *d = (*out)->data + (size_t)y * (*out)->stride;
        const uint8_t *a = alpha ? alpha->data + (size_t)y * alpha->stride : NULL;
        const uint8_t *k = o->kind == SKINQ_ROI_MASK ? o->mask->data + (size_t)y * o->mask->stride : NULL;
        for (int x = r.x; x < r.x + r.w; x++)
            d[x] = (!a || a[x]) && (!k || k[x]);
    }
    return st;
}

/* Everything but the pixels of auto-skin: a width×height image and its alpha (may be NULL). */
static skinq_status resolve(skinq_ctx *ctx, const skinq_image *img, int width, int height,
                            const skinq_mask *alpha, const skinq_roi_options *o, double px_per_mm,
                            const double gains[3], skinq_roi **out)
{
    const skinq_roi_options whole = {.kind = SKINQ_ROI_IMAGE};
    o = o ? o : &whole;
    skinq_status st = check(ctx, width, height, alpha, o, px_per_mm);
    if (st != SKINQ_OK)
        return st;
    if (o->kind == SKINQ_ROI_AUTO_SKIN && !img)
        return skinq_fail(ctx, SKINQ_E_INVALID, "auto-skin needs the image's pixels");
    skinq_roi *r = skinq_calloc(ctx, 1, sizeof *r);
    if (!r)
        return SKINQ_E_NOMEM;
    r->alloc = ctx->alloc;
    r->kind = o->kind;
    r->alpha = alpha;
    r->px_per_mm = px_per_mm;
    if (o->kind == SKINQ_ROI_AUTO_SKIN)
        st = skinq_color_skin_detect(ctx, img, alpha, gains, o->skin_mode, &r->skin,
                                     &r->owned); /* alpha already applied */
    else if (alpha || o->exclude)
        st = and_alpha(ctx, width, height, alpha, o, &r->owned);
    if (st == SKINQ_OK && r->owned && o->exclude)
        clear_excluded(r->owned, o->exclude);
    if (st != SKINQ_OK) {
        skinq_roi_free(&r);
        return st;
    }
    r->mask = r->owned ? r->owned : o->kind == SKINQ_ROI_MASK ? o->mask : NULL;
    if (r->mask) {
        r->bbox = mask_bbox(r->mask, &r->inside);
    } else { /* a rectangle is its own bounding box: no mask */
        r->bbox = o->kind == SKINQ_ROI_RECT ? skinq_rect_clip(o->rect, width, height)
                                            : (skinq_rect){0, 0, width, height};
        r->inside = (uint64_t)(r->bbox.w > 0 ? r->bbox.w : 0) * (uint64_t)(r->bbox.h > 0 ? r->bbox.h : 0);
    }
    *out = r;
    return SKINQ_OK;
}

skinq_status skinq_roi_resolve(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                               const skinq_roi_options *o, double px_per_mm, const double gains[3],
                               skinq_roi **out)
{
    if (!img || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_roi_resolve: NULL argument");
    return resolve(ctx, img, img->width, img->height, alpha, o, px_per_mm, gains, out);
}

skinq_status skinq_roi_resolve_size(skinq_ctx *ctx, int width, int height, const skinq_roi_options *o,
                                    double px_per_mm, skinq_roi **out)
{
    return resolve(ctx, NULL, width, height, NULL, o, px_per_mm, NULL, out);
}

void skinq_roi_free(skinq_roi **roi)
{
    if (!roi || !*roi)
        return;
    skinq_roi *r = *roi;
    skinq_mask_free(&r->owned);
    skinq_allocator a = r->alloc;
    skinq_free_raw(&a, r);
    *roi = NULL;
}
