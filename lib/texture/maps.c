/* maps.c -- the texture maps: psd.png (log10 power of the central tile, DC in the middle) and
 * texture_overlay.png (grey L*, pores as red circles, line centrelines in cyan, the outside of
 * the ROI dimmed), both written atomically. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/io.h"
#include "render/render.h"
#include "texture_int.h"

static void put(skinq_image *img, int x, int y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= img->width || y >= img->height)
        return;
    memcpy(skinq_image_row(img, y) + 3 * (size_t)x, rgb, 3);
}

static skinq_status psd_map(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, const tex_psd_out *psd,
                            const char *path)
{
    const int T = psd->T;
    float *v = skinq_malloc(ctx, sizeof *v * (size_t)T * (size_t)T);
    if (!v)
        return SKINQ_E_NOMEM;
    skinq_status st = tex_psd_tile_image(ctx, p, im, T, psd->map_x, psd->map_y, v);
    if (st == SKINQ_OK) {
        /* range: the 1st–99.9th percentile of log power, so DC leakage does not flatten it */
        double lo = tex_quantile(ctx, v, (size_t)T * T, 0.01),
               hi = tex_quantile(ctx, v, (size_t)T * T, 0.999);
        if (!(hi > lo))
            hi = lo + 1;
        st = skinq_heatmap_write(ctx, path, v, (size_t)T, T, T, NULL, 0, lo, hi, SKINQ_CMAP_VIRIDIS);
    }
    skinq_free(ctx, v);
    return st;
}

static skinq_status overlay_map(skinq_ctx *ctx, const tex_img *im, const tex_pores_out *pores,
                                const tex_lines_out *lines, int max_size, const char *path)
{
    int longest = im->w > im->h ? im->w : im->h, f = (longest + max_size - 1) / max_size;
    if (f < 1)
        f = 1;
    int w = (im->w + f - 1) / f, h = (im->h + f - 1) / f;
    skinq_image *img = NULL;
    skinq_status st = skinq_image_new(ctx, w, h, 3, 8, &img);
    if (st != SKINQ_OK)
        return st;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int sx = x * f, sy = y * f; /* one sample a block: a map, not a measurement */
            float b;
            double l = *tex_L_span(im, sy, sx, 1, &b) * 2.55;
            if (!tex_in(im, sx, sy))
                l *= 0.4;
            uint8_t g = (uint8_t)(l < 0 || !(l == l) ? 0 : l > 255 ? 255 : lrint(l));
            uint8_t rgb[3] = {g, g, g};
            put(img, x, y, rgb);
        }
    static const uint8_t cyan[3] = {0, 230, 255}, red[3] = {255, 40, 40};
    if (lines && lines->mask)
        for (int y = 0; y < im->h; y++)
            for (int x = 0; x < im->w; x++)
                if (lines->mask[(size_t)y * im->w + (size_t)x])
                    put(img, x / f, y / f, cyan);
    for (size_t i = 0; pores && i < pores->count; i++) {
        const tex_pore *q = &pores->items[i];
        double r = q->d / 2 / f;
        r = r < 1.5 ? 1.5 : r;
        int steps = (int)ceil(2 * 3.14159265358979323846 * r * 2) + 8;
        for (int s = 0; s < steps; s++) {
            double a = 2 * 3.14159265358979323846 * s / steps;
            put(img, (int)lrint(q->x / f + r * cos(a)), (int)lrint(q->y / f + r * sin(a)), red);
        }
    }
    st = skinq_png_write(ctx, path, img);
    skinq_image_free(&img);
    return st;
}

skinq_status tex_write_maps(skinq_ctx *ctx, skinq_texture_plan *p, const tex_img *im, const tex_psd_out *psd,
                            const tex_pores_out *pores, const tex_lines_out *lines, const char *dir,
                            int max_size)
{
    skinq_status st = skinq_dir_ensure(ctx, dir);
    char path[4096];
    if (st == SKINQ_OK && psd) {
        if (snprintf(path, sizeof path, "%s/psd.png", dir) >= (int)sizeof path)
            return skinq_fail(ctx, SKINQ_E_INVALID, "maps folder name too long: '%s'", dir);
        st = psd_map(ctx, p, im, psd, path);
    }
    if (st == SKINQ_OK) {
        if (snprintf(path, sizeof path, "%s/texture_overlay.png", dir) >= (int)sizeof path)
            return skinq_fail(ctx, SKINQ_E_INVALID, "maps folder name too long: '%s'", dir);
        st = overlay_map(ctx, im, pores, lines, max_size, path);
    }
    return st;
}
