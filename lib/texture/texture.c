/* texture.c -- the texture pass: options, the plan, input checks, the scale and unit rules,
 * and the metric table each part's results go out through. */
#include <math.h>
#include <string.h>

#include "texture_int.h"

void skinq_texture_default_options(skinq_texture_options *o)
{
    memset(o, 0, sizeof *o);
    o->metrics = SKINQ_TEXTURE_ALL;
    o->tile = 512;
    o->overlap = 0.5;
    o->min_inside = 0.9;
    o->band_fine[0] = 1, o->band_fine[1] = 4;
    o->band_medium[0] = 0.25, o->band_medium[1] = 1;
    o->band_coarse[0] = 0.05, o->band_coarse[1] = 0.25;
    o->rough_band[0] = 0.05, o->rough_band[1] = 4;
    o->slope_range[0] = 0.05, o->slope_range[1] = 4;
    o->bins_per_octave = 4;
    o->glcm_levels = 64;
    o->glcm_minmax = 0;
    o->pore_diameter[0] = 0.05, o->pore_diameter[1] = 0.5;
    o->pore_min_contrast = 3;
    o->line_width[0] = 0.1, o->line_width[1] = 0.4;
    o->line_min_contrast = 2;
    o->spot_baseline = 2;
    o->spot_min_delta = 3;
    o->spot_k = 3;
    o->spot_min_area = 0.2;
    o->tone_block = 1;
    o->unknown_px_per_mm = 20;
}

static int band_ok(const double b[2])
{
    return isfinite(b[0]) && isfinite(b[1]) && b[0] >= 0 && b[1] > b[0];
}

static skinq_status check_options(skinq_ctx *ctx, const skinq_texture_options *o)
{
    const char *bad = NULL;
    if (o->tile < TEX_MIN_TILE || o->tile > (TEX_MIN_TILE << (TEX_MAX_SIZES - 1)) ||
        (o->tile & (o->tile - 1)))
        bad = "tile (a power of two, 32..4096)";
    else if (!(o->overlap >= 0 && o->overlap <= 0.875))
        bad = "overlap (0..0.875)";
    else if (!(o->min_inside > 0 && o->min_inside <= 1))
        bad = "min_inside (0..1]";
    else if (!band_ok(o->band_fine) || !band_ok(o->band_medium) || !band_ok(o->band_coarse) ||
             !band_ok(o->rough_band) || !band_ok(o->slope_range))
        bad = "a frequency band (0 <= low < high)";
    else if (o->bins_per_octave < 1 || o->bins_per_octave > 8)
        bad = "bins_per_octave (1..8)";
    else if (o->glcm_levels < 2 || o->glcm_levels > 254)
        bad = "glcm_levels (2..254)";
    else if (o->glcm_row_step < -1 || o->glcm_row_step > 16)
        bad = "glcm_row_step (0 or -1 auto, 1..16)";
    else if (!(o->pore_diameter[0] > 0 && o->pore_diameter[1] >= o->pore_diameter[0]) ||
             !(o->line_width[0] > 0 && o->line_width[1] >= o->line_width[0]))
        bad = "a size range (0 < low <= high)";
    else if (!(o->pore_min_contrast > 0) || !(o->line_min_contrast > 0) || !(o->spot_min_delta >= 0) ||
             !(o->spot_k >= 0) || !(o->spot_min_area >= 0) || !(o->spot_baseline > 0))
        bad = "a threshold";
    else if (!(o->tone_block > 0) || !(o->unknown_px_per_mm > 0) || !isfinite(o->unknown_px_per_mm))
        bad = "tone_block or unknown_px_per_mm (> 0)";
    if (bad)
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid texture option: %s", bad);
    return SKINQ_OK;
}

skinq_status skinq_texture_plan_new(skinq_ctx *ctx, const skinq_texture_options *o, skinq_texture_plan **out)
{
    skinq_texture_options def;
    if (!o) {
        skinq_texture_default_options(&def);
        o = &def;
    }
    if (!ctx || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_texture_plan_new: NULL argument");
    skinq_status st = check_options(ctx, o);
    if (st != SKINQ_OK)
        return st;
    skinq_texture_plan *p = skinq_calloc(ctx, 1, sizeof *p);
    if (!p)
        return SKINQ_E_NOMEM;
    p->o = *o;
    p->alloc = ctx->alloc;
    /* the configured tile size now, so the planning cost is paid here and not per image */
    if ((o->metrics & (SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS)) && !tex_plan_size(ctx, p, o->tile)) {
        skinq_texture_plan_free(&p);
        return SKINQ_E_NOMEM;
    }
    *out = p;
    return SKINQ_OK;
}

void skinq_texture_plan_free(skinq_texture_plan **pp)
{
    if (!pp || !*pp)
        return;
    skinq_texture_plan *p = *pp;
    for (int i = 0; i < TEX_MAX_SIZES; i++)
        tex_size_free(p->sizes[i]);
    skinq_allocator a = p->alloc;
    skinq_free_raw(&a, p);
    *pp = NULL;
}

/* Options (mm) → px at the real or nominal scale; the unit strings of the results. */
static void resolve(const skinq_texture_options *o, double px_per_mm, tex_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->scale_known = px_per_mm > 0 && isfinite(px_per_mm);
    const double s = c->scale_known ? px_per_mm : o->unknown_px_per_mm;
    c->ppm = s;
    const double *bands[3] = {o->band_fine, o->band_medium, o->band_coarse};
    for (int q = 0; q < 3; q++)
        for (int k = 0; k < 2; k++)
            c->band[q][k] = bands[q][k] / s;
    for (int k = 0; k < 2; k++) {
        c->rough[k] = o->rough_band[k] / s;
        c->slope[k] = o->slope_range[k] / s;
        c->pore_d[k] = o->pore_diameter[k] * s;
        /* line width = 2 × the profile's Gaussian sigma; the best scale is √2 × that sigma */
        c->line_sigma[k] = o->line_width[k] * s / sqrt(2.0);
    }
    c->pore_thr = o->pore_min_contrast;
    c->line_thr = o->line_min_contrast;
    c->spot_sigma = o->spot_baseline * s;
    c->spot_min_delta = o->spot_min_delta;
    c->spot_k = o->spot_k;
    c->spot_min_area = o->spot_min_area * s * s;
    c->tone_block = (int)lround(o->tone_block * s);
    if (c->tone_block < 2)
        c->tone_block = 2;
    if (c->scale_known)
        c->u_freq = "cycles/mm", c->u_dens = "L*^2*mm^2";
    else
        c->u_freq = "cycles/px", c->u_dens = "L*^2*px^2";
}

/* ROI pixel count and bounding box. */
static void roi_scan(tex_img *im)
{
    if (!im->roi) {
        im->inside = (uint64_t)im->w * (uint64_t)im->h;
        im->bbox = (skinq_rect){0, 0, im->w, im->h};
        return;
    }
    int x0 = im->w, y0 = im->h, x1 = -1, y1 = -1;
    uint64_t n = 0;
    for (int y = 0; y < im->h; y++) {
        const uint8_t *m = im->roi + (size_t)y * im->roi_stride;
        int first = -1, last = -1;
        for (int x = 0; x < im->w; x++)
            if (m[x]) {
                if (first < 0)
                    first = x;
                last = x;
                n++;
            }
        if (first >= 0) {
            x0 = first < x0 ? first : x0;
            x1 = last > x1 ? last : x1;
            y0 = y < y0 ? y : y0;
            y1 = y;
        }
    }
    im->inside = n;
    im->bbox = n ? (skinq_rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1} : (skinq_rect){0, 0, 0, 0};
}

#define ADD(v, unit, ...)                                                                                    \
    do {                                                                                                     \
        if (st == SKINQ_OK)                                                                                  \
            st = skinq_metrics_addf(ctx, out, (v), (unit), __VA_ARGS__);                                     \
    } while (0)

/* A metric whose name says mm or cm² from its pixel value, and its pixel sibling (the registry's
 * skinq_metric_scaled): the mm one NaN when the scale is unknown (c.scale_known, the nominal ppm is
 * only for the options). */
#define ADD_SCALED(mm_path, px_value)                                                                        \
    do {                                                                                                     \
        if (st == SKINQ_OK)                                                                                  \
            st = skinq_metrics_add_scaled(ctx, out, skinq_metric_scaled_find(mm_path), (px_value),           \
                                          c.scale_known ? c.ppm : 0);                                        \
    } while (0)

/* The PSD's and roughness's metrics (as `metrics` asks). */
static skinq_status psd_metrics(skinq_ctx *ctx, unsigned metrics, const tex_cfg *c, const tex_psd_out *psd,
                                skinq_metrics *out)
{
    skinq_status st = SKINQ_OK;
    if (metrics & SKINQ_TEXTURE_PSD) {
        const double f = c->scale_known ? c->ppm : 1, d = c->scale_known ? 1 / (c->ppm * c->ppm) : 1;
        static const char *const bn[3] = {"fine", "medium", "coarse"};
        for (int q = 0; q < 3; q++)
            ADD(psd->band[q], "L*^2", "texture.psd.%s", bn[q]);
        ADD(psd->total, "L*^2", "texture.psd.total");
        ADD(psd->slope, "1", "texture.psd.slope");
        ADD(psd->T, "px", "texture.psd.tile_px");
        ADD(psd->tiles, "1", "texture.psd.tiles");
        for (int b = 0; b < psd->nbins; b++) {
            ADD(psd->bin_freq[b] * f, c->u_freq, "texture.psd.bins.%d.freq", b);
            ADD(psd->bin_power[b] * d, c->u_dens, "texture.psd.bins.%d.power", b);
        }
    }
    if (metrics & SKINQ_TEXTURE_ROUGHNESS) {
        ADD(psd->sa, "L*", "texture.roughness.sa");
        ADD(psd->sq, "L*", "texture.roughness.sq");
    }
    return st;
}

/* The checks and the metrics, whichever planes im holds. */
static skinq_status execute(skinq_ctx *ctx, skinq_texture_plan *p, tex_img im, const void *L, int width,
                            int height, size_t stride, const skinq_mask *roi, double px_per_mm,
                            const skinq_maps_options *mo, skinq_metrics *out)
{
    if (!ctx || !p || !L || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "texture: NULL argument (ctx, plan, L* plane and output are required)");
    if (width < 1 || height < 1 || stride < (size_t)width)
        return skinq_fail(ctx, SKINQ_E_INVALID, "texture: bad plane size %dx%d (stride %zu)", width, height,
                          stride);
    if ((uint64_t)width * (uint64_t)height > skinq_ctx_max_pixels(ctx))
        return skinq_fail(ctx, SKINQ_E_LIMIT, "texture: %dx%d is above the limit of %.1f MP", width, height,
                          skinq_ctx_max_pixels(ctx) / 1e6);
    if (roi && (roi->width != width || roi->height != height || !roi->data))
        return skinq_fail(ctx, SKINQ_E_INVALID, "texture: the ROI mask is %dx%d, the plane %dx%d", roi->width,
                          roi->height, width, height);
    const char *maps_dir = mo ? mo->dir : NULL;
    if (maps_dir && mo->texture_max_size < 16)
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid texture option: map size %d (>= 16)",
                          mo->texture_max_size);
    const skinq_texture_options *o = &p->o;
    im.w = width;
    im.h = height;
    im.stride = stride;
    im.roi = roi ? roi->data : NULL;
    im.roi_stride = roi ? roi->stride : 0;
    roi_scan(&im);
    if (im.inside == 0)
        return skinq_fail(ctx, SKINQ_E_EMPTY_ROI, "texture: the region of interest is empty");
    tex_cfg c;
    resolve(o, px_per_mm, &c);
    skinq_status st = SKINQ_OK;
    const int maps = maps_dir != NULL;
    tex_psd_out psd;
    memset(&psd, 0, sizeof psd);
    tex_pores_out pores = {NULL, 0};
    tex_lines_out lines;
    memset(&lines, 0, sizeof lines);
    int have_psd = 0;

    if (o->metrics & (SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS)) {
        st = tex_psd(ctx, p, &im, &c, (o->metrics & SKINQ_TEXTURE_ROUGHNESS) != 0, &psd);
        have_psd = st == SKINQ_OK;
    }
    if (st == SKINQ_OK)
        st = psd_metrics(ctx, o->metrics, &c, &psd, out);
    if (st == SKINQ_OK && (o->metrics & SKINQ_TEXTURE_GLCM)) {
        double f[TEX_GLCM_FEATURES];
        const int step = tex_glcm_row_step(o->glcm_row_step, im.inside);
        st = tex_glcm(ctx, &im, o->glcm_levels, o->glcm_minmax, step, f);
        for (int q = 0; q < TEX_GLCM_FEATURES; q++)
            ADD(f[q], "1", "texture.glcm.%s", tex_glcm_names[q]);
        ADD(step, "1", "texture.glcm.row_step"); /* provenance: which rows anchored the pairs */
    }
    /* both: one pass over the tiles (tile.c), the same results */
    const int pl = (o->metrics & SKINQ_TEXTURE_PORES) && (o->metrics & SKINQ_TEXTURE_LINES);
    if (st == SKINQ_OK && pl)
        st = tex_pores_lines(ctx, &im, &c, maps, &pores, &lines);
    if (st == SKINQ_OK && (o->metrics & SKINQ_TEXTURE_PORES)) {
        if (!pl)
            st = tex_pores(ctx, &im, &c, &pores);
        double dsum = 0;
        for (size_t i = 0; i < pores.count; i++)
            dsum += pores.items[i].d;
        ADD((double)pores.count, "1", "texture.pores.count");
        /* per Mpx and px, and per cm² and mm only at a known scale (NaN otherwise) */
        ADD_SCALED("texture.pores.density_per_cm2", pores.count * 1e6 / (double)im.inside);
        ADD_SCALED("texture.pores.mean_diameter_mm", pores.count ? dsum / pores.count : NAN);
    }
    if (st == SKINQ_OK && (o->metrics & SKINQ_TEXTURE_LINES)) {
        if (!pl)
            st = tex_lines(ctx, &im, &c, maps, &lines);
        ADD_SCALED("texture.lines.density_mm_per_cm2", lines.length_px * 1e6 / (double)im.inside);
        ADD(lines.pixels ? lines.contrast_sum / (double)lines.pixels : NAN, "L*@60",
            "texture.lines.mean_contrast");
    }
    if (st == SKINQ_OK && (o->metrics & SKINQ_TEXTURE_SPOTS) && tex_has_mel(&im)) {
        double n = 0, frac = 0;
        st = tex_spots(ctx, &im, &c, &n, &frac);
        ADD(n, "1", "texture.spots.count");
        ADD(frac, "1", "texture.spots.area_fraction");
    }
    if (st == SKINQ_OK && (o->metrics & SKINQ_TEXTURE_TONE))
        ADD(tex_tone_evenness(ctx, &im, &c), "L*", "texture.tone_evenness");
    if (st == SKINQ_OK && maps)
        st = tex_write_maps(
            ctx, p, &im, have_psd ? &psd : NULL, (o->metrics & SKINQ_TEXTURE_PORES) ? &pores : NULL,
            (o->metrics & SKINQ_TEXTURE_LINES) ? &lines : NULL, maps_dir, mo->texture_max_size);
    skinq_free(ctx, pores.items);
    skinq_free(ctx, lines.mask);
    return st;
}

skinq_status skinq_texture_execute(skinq_ctx *ctx, skinq_texture_plan *p, const float *L, const float *mel,
                                   int width, int height, size_t stride, const skinq_mask *roi,
                                   double px_per_mm, const skinq_maps_options *maps, skinq_metrics *out)
{
    tex_img im;
    memset(&im, 0, sizeof im);
    im.L = L;
    im.mel = mel;
    return execute(ctx, p, im, L, width, height, stride, roi, px_per_mm, maps, out);
}

skinq_status skinq_texture_execute16(skinq_ctx *ctx, skinq_texture_plan *p, const uint16_t *L16,
                                     const int16_t *mel16, int width, int height, size_t stride,
                                     const skinq_mask *roi, double px_per_mm, const skinq_maps_options *maps,
                                     skinq_metrics *out)
{
    tex_img im;
    memset(&im, 0, sizeof im);
    im.L16 = L16;
    im.mel16 = mel16;
    return execute(ctx, p, im, L16, width, height, stride, roi, px_per_mm, maps, out);
}

skinq_status skinq_texture_analyze(skinq_ctx *ctx, const float *L, const float *mel, int width, int height,
                                   size_t stride, const skinq_mask *roi, double px_per_mm,
                                   const skinq_texture_options *o, skinq_metrics *out)
{
    skinq_texture_plan *p = NULL;
    skinq_status st = skinq_texture_plan_new(ctx, o, &p);
    if (st == SKINQ_OK)
        st = skinq_texture_execute(ctx, p, L, mel, width, height, stride, roi, px_per_mm, NULL, out);
    skinq_texture_plan_free(&p);
    return st;
}
