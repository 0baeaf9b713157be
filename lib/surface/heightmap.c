/* heightmap.c -- height-map input (profilometer / 3-D camera export: gray PNG × z-scale) and the
 * small helpers of lib/surface (quantiles, folders). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "surface.h"

skinq_status skinq_heightmap_load(skinq_ctx *ctx, const char *path, double z_scale, skinq_heightmap **out)
{
    if (!(z_scale > 0) || !isfinite(z_scale))
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "height map '%s' needs a positive z-scale (mm per unit), not %g", path, z_scale);
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(ctx, path, &img, NULL);
    if (st != SKINQ_OK)
        return st;
    if (img->channels != 1) {
        skinq_image_free(&img);
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                          "cannot use '%s' as a height map: it is a colour image (gray needed)", path);
    }
    size_t n = (size_t)img->width * (size_t)img->height;
    skinq_heightmap *h = skinq_calloc(ctx, 1, sizeof *h);
    float *z = h ? skinq_malloc(ctx, n * sizeof *z) : NULL;
    if (!z) {
        skinq_free(ctx, h);
        skinq_image_free(&img);
        return SKINQ_E_NOMEM;
    }
    for (int y = 0; y < img->height; y++) {
        const uint8_t *row = skinq_image_row(img, y);
        float *o = z + (size_t)y * (size_t)img->width;
        if (img->depth == 16)
            for (int x = 0; x < img->width; x++)
                o[x] = (float)(((const uint16_t *)row)[x] * z_scale);
        else
            for (int x = 0; x < img->width; x++)
                o[x] = (float)(row[x] * z_scale);
    }
    h->width = img->width;
    h->height = img->height;
    h->data = z;
    h->alloc = ctx->alloc;
    skinq_image_free(&img);
    *out = h;
    return SKINQ_OK;
}

void skinq_heightmap_free(skinq_heightmap **ph)
{
    if (!ph || !*ph)
        return;
    skinq_allocator a = (*ph)->alloc;
    skinq_free_raw(&a, (*ph)->data);
    skinq_free_raw(&a, *ph);
    *ph = NULL;
}

skinq_status surface_quantile(skinq_ctx *ctx, const float *x, size_t n, double q, double *out)
{
    *out = NAN;
    float *v = skinq_malloc(ctx, (n ? n : 1) * sizeof *v);
    if (!v)
        return SKINQ_E_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            v[m++] = x[i];
    double r = m ? skinq_quantile_inplace(v, m, q) : NAN;
    skinq_free(ctx, v);
    *out = r;
    return SKINQ_OK;
}
