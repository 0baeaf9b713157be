/* color_maps.c -- the colour maps of `--maps`: per-cell means of a*, erythema index, blood and
 * melanin (cells without a pixel inside the skin model are blank in those two) accumulated by the pass
 * (color.c), written as heatmaps with a legend, an a* overlay on the photo and the ROI over the photo. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "color/color_int.h"
#include "io/io.h"
#include "render/render.h"

const int skinq_color_map_metric[MAP_COUNT] = {SKINQ_CM_A, SKINQ_CM_EI, SKINQ_CM_HB, SKINQ_CM_MEL};
static const char *const map_file[MAP_COUNT] = {"a.png", "erythema_index.png", "hemoglobin.png",
                                                "melanin.png"};
/* magma for redness (dark → bright red-yellow), viridis for the pigment */
static const skinq_colormap map_cmap[MAP_COUNT] = {SKINQ_CMAP_MAGMA, SKINQ_CMAP_MAGMA, SKINQ_CMAP_MAGMA,
                                                   SKINQ_CMAP_VIRIDIS};

skinq_status skinq_color_maps_new(skinq_ctx *ctx, color_maps *M, int width, int height, int max_size)
{
    memset(M, 0, sizeof *M);
    int longest = width > height ? width : height;
    M->f = (longest + max_size - 1) / max_size;
    M->f = M->f < 1 ? 1 : M->f;
    M->w = (width + M->f - 1) / M->f;
    M->h = (height + M->f - 1) / M->f;
    size_t cells = (size_t)M->w * (size_t)M->h;
    for (int i = 0; i < MAP_COUNT; i++)
        if (!(M->sum[i] = skinq_calloc(ctx, cells, sizeof(float))))
            return SKINQ_E_NOMEM;
    M->valid = skinq_calloc(ctx, cells, sizeof(uint32_t));
    M->inside = skinq_calloc(ctx, cells, sizeof(uint32_t));
    M->model = skinq_calloc(ctx, cells, sizeof(uint32_t));
    return M->valid && M->inside && M->model ? SKINQ_OK : SKINQ_E_NOMEM;
}

void skinq_color_maps_free(skinq_ctx *ctx, color_maps *M)
{
    for (int i = 0; i < MAP_COUNT; i++)
        skinq_free(ctx, M->sum[i]);
    skinq_free(ctx, M->valid);
    skinq_free(ctx, M->inside);
    skinq_free(ctx, M->model);
    memset(M, 0, sizeof *M);
}

/* The photo reduced to the cell grid (box mean of the f×f codes), 8-bit RGB. */
static skinq_status cell_photo(skinq_ctx *ctx, const color_maps *M, const skinq_image *img, skinq_image **out)
{
    skinq_status st = skinq_image_new(ctx, M->w, M->h, 3, 8, out);
    if (st != SKINQ_OK)
        return st;
    for (int cy = 0; cy < M->h; cy++) {
        uint8_t *dst = skinq_image_row(*out, cy);
        int y1 = (cy + 1) * M->f < img->height ? (cy + 1) * M->f : img->height;
        for (int cx = 0; cx < M->w; cx++) {
            int x1 = (cx + 1) * M->f < img->width ? (cx + 1) * M->f : img->width;
            double s[3] = {0, 0, 0};
            int n = 0;
            for (int y = cy * M->f; y < y1; y++) {
                const uint8_t *row = skinq_image_row(img, y);
                for (int x = cx * M->f; x < x1; x++, n++)
                    for (int c = 0; c < 3; c++)
                        s[c] += img->depth == 16
                                    ? ((const uint16_t *)(const void *)row)[3 * (size_t)x + c] / 257.0
                                    : row[3 * (size_t)x + c];
            }
            for (int c = 0; c < 3; c++)
                dst[3 * cx + c] = (uint8_t)lround(s[c] / n);
        }
    }
    return SKINQ_OK;
}

static skinq_status map_path(skinq_ctx *ctx, char *path, size_t size, const char *dir, const char *name)
{
    if ((size_t)snprintf(path, size, "%s/%s", dir, name) >= size)
        return skinq_fail(ctx, SKINQ_E_INVALID, "maps folder name too long: '%s'", dir);
    return SKINQ_OK;
}

skinq_status skinq_color_maps_write(skinq_ctx *ctx, const color_maps *M, const skinq_color_acc *acc,
                                    const skinq_image *img, const char *dir, int grids)
{
    skinq_status st = skinq_dir_ensure(ctx, dir);
    if (st != SKINQ_OK)
        return st;
    size_t cells = (size_t)M->w * (size_t)M->h;
    float *mean = skinq_malloc(ctx, cells * sizeof(float));
    uint8_t *valid = skinq_malloc(ctx, cells), *inside = skinq_malloc(ctx, cells);
    skinq_image *photo = NULL;
    if (!mean || !valid || !inside)
        st = SKINQ_E_NOMEM;
    for (size_t c = 0; st == SKINQ_OK && c < cells; c++)
        inside[c] = M->inside[c] != 0;
    if (st == SKINQ_OK)
        st = cell_photo(ctx, M, img, &photo);
    char path[4096];
    for (int i = 0; st == SKINQ_OK && i < MAP_COUNT; i++) {
        int m = skinq_color_map_metric[i];
        const uint32_t *count = skinq_cm_model(m) ? M->model : M->valid; /* blood, melanin: in the model */
        for (size_t c = 0; c < cells; c++) {
            valid[c] = count[c] != 0;
            mean[c] = count[c] ? M->sum[i][c] / (float)count[c] : NAN;
        }
        double lo = skinq_color_percentile(acc, m, 0.02), hi = skinq_color_percentile(acc, m, 0.98);
        if (!(hi > lo)) { /* a flat region: widen to a few bins so the legend is readable */
            lo -= 4 * skinq_color_bin_width(m);
            hi += 4 * skinq_color_bin_width(m);
        }
        if (grids) /* the numbers behind the PNG: a.npy beside a.png */
            st = map_path(ctx, path, sizeof path, dir, map_file[i]);
        if (grids && st == SKINQ_OK) {
            memcpy(strrchr(path, '.'), ".npy", 4);
            st = skinq_npy_write(ctx, path, mean, "<f4", sizeof(float), M->h, M->w);
        }
        if (st == SKINQ_OK)
            st = map_path(ctx, path, sizeof path, dir, map_file[i]);
        if (st == SKINQ_OK)
            st = skinq_heatmap_write(ctx, path, mean, (size_t)M->w, M->w, M->h, valid, (size_t)M->w, lo, hi,
                                     map_cmap[i]);
        if (st == SKINQ_OK && i == MAP_A) {
            st = map_path(ctx, path, sizeof path, dir, "overlay_a.png");
            if (st == SKINQ_OK)
                st = skinq_overlay_write(ctx, path, photo, mean, (size_t)M->w, M->w, M->h, valid,
                                         (size_t)M->w, lo, hi, 0.55, map_cmap[i]);
        }
    }
    if (st == SKINQ_OK && grids && (st = map_path(ctx, path, sizeof path, dir, "inside.npy")) == SKINQ_OK)
        st = skinq_npy_write(ctx, path, inside, "|u1", 1, M->h, M->w);
    if (st == SKINQ_OK) { /* the ROI: the photo as is inside, dimmed to a third outside, outlined */
        static const uint8_t outline[3] = {255, 214, 0}; /* the side-by-side map's colour */
        for (int y = 0; y < M->h; y++) {
            uint8_t *row = skinq_image_row(photo, y);
            for (int x = 0; x < M->w; x++)
                if (!inside[(size_t)y * (size_t)M->w + (size_t)x])
                    for (int c = 0; c < 3; c++)
                        row[3 * x + c] /= 3;
        }
        skinq_outline_draw(photo, 0, 0, inside, (size_t)M->w, M->w, M->h, 1, outline);
        st = map_path(ctx, path, sizeof path, dir, "roi.png");
        if (st == SKINQ_OK)
            st = skinq_png_write(ctx, path, photo);
    }
    skinq_image_free(&photo);
    skinq_free(ctx, mean);
    skinq_free(ctx, valid);
    skinq_free(ctx, inside);
    return st;
}
