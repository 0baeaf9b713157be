/* metric_defs.c -- the one registry of what every metric path means: unit, label, clinical item,
 * direction of improvement and default minimal detectable change; and the verdict rule. */
#include <math.h>
#include <string.h>

#include "core.h"

#define NM NAN /* MDC not measured */
#define RC "recapture phantom, skinq repeat (README \"Repeatability\")"

/* First matching pattern wins: specific paths before the wildcards of their family. Directions
 * (design §2 "Clinical mapping"): redness, pigment excess, roughness, pores, spots, lines and scar
 * extent are better lower; ITA° (lighter) is better higher; L*, b*, GLCM statistics, spectra,
 * spreads (std), tails (p05) and the reference's own values describe, they do not judge. */
#define V "Vascularity (redness)"
#define P "Pigmentation"
#define R "Relief (texture and height)"
#define E "Extent"
static const skinq_metric_def defs[] = {
    /* pattern, unit, label, item, direction, relative, headline, MDC95 normalised, MDC95 raw, MDC in %,
     * source. MDCs: scripts/mdc-table.sh (with and without --ref); a % MDC is 1.96·√2·CV. */
    {"color.a.mean", "a*", "CIELAB a* (redness), mean", V, -1, 0, 2, 0.509, 2.19, 0, RC},
    {"color.a.delta_ref", "a*", "a* above reference skin", V, -1, 1, 1, 0.607, 0.607, 0, RC},
    {"color.erythema_index.mean", "relative", "erythema index, mean", V, -1, 1, 2, 0.551, 2.97, 0, RC},
    {"color.erythema_index.delta_ref", "relative", "erythema index above reference skin", V, -1, 1, 1, 0.74,
     0.74, 0, RC},
    {"color.hemoglobin.mean", "fraction", "dermal blood volume fraction, mean", V, -1, 1, 2, 0.0105, 0.0414,
     0, RC},
    {"color.hemoglobin.delta_ref", "fraction", "blood volume fraction above reference skin", V, -1, 1, 1,
     0.0102, 0.0102, 0, RC},
    {"color.red_area_fraction", "1", "red area fraction", V, -1, 0, 2, 0.904, NM, 0, RC},
    {"color.melanin_index.mean", "relative", "melanin index, mean", P, -1, 1, 1, 1.36, 4.97, 0, RC},
    {"color.melanin_index.delta_ref", "relative", "melanin index above reference skin", P, -1, 1, 0, 1.45,
     1.45, 0, RC},
    {"color.melanin.mean", "fraction", "epidermal melanosome volume fraction, mean", P, -1, 1, 2, 0.00239,
     0.0117, 0, RC},
    {"color.melanin.delta_ref", "fraction", "melanosome volume fraction above reference skin", P, -1, 1, 0,
     0.00257, 0.00257, 0, RC},
    {"color.ita_deg.mean", "deg", "ITA° (higher = lighter), mean", P, 1, 0, 1, 1.6, 3.7, 0, RC},
    {"color.ita_deg.delta_ref", "deg", "ITA° relative to reference skin", P, 1, 1, 0, 1.32, 1.32, 0, RC},
    {"texture.spots.count", "1", "dark spots", P, -1, 0, 1, 1.34, 1.34, 0, RC},
    {"texture.spots.area_fraction", "1", "dark spot area fraction", P, -1, 0, 0, 0.000464, 0.000464, 0, RC},
    {"texture.tone_evenness", "L*", "tone unevenness (std of L* block means)", P, -1, 0, 1, 5.82, 6.54, 1,
     RC},
    {"texture.roughness.sq", "L*", "roughness Sq (band-passed L*)", R, -1, 1, 2, 2.49, 4.02, 1, RC},
    {"texture.roughness.sa", "L*", "roughness Sa (band-passed L*)", R, -1, 1, 1, 3.27, 4.19, 1, RC},
    {"texture.pores.density_per_cm2", "1/cm2", "pores per cm²", R, -1, 0, 1, 1.16, 1.19, 1, RC},
    {"texture.pores.count", "1", "pores in the ROI", R, -1, 0, 0, 1.19, 1.22, 1, RC},
    {"texture.pores.mean_diameter_mm", "mm", "pore diameter, mean", R, -1, 0, 0, 1.8, 1.8, 1, RC},
    {"texture.lines.density_mm_per_cm2", "mm/cm2", "fine lines, mm per cm²", R, -1, 0, 1, 4.74, 4.93, 1, RC},
    /* The pixel siblings of the mm metrics (skinq_metric_scaled below): at one scale a fixed multiple
     * of them, so the same % MDCs; they hold the value when the scale is unknown. */
    {"texture.pores.density_per_mpx", "1/Mpx", "pores per megapixel", R, -1, 0, 0, 1.05, 1.05, 1, RC},
    {"texture.pores.mean_diameter_px", "px", "pore diameter in pixels, mean", R, -1, 0, 0, 1.91, 1.94, 1, RC},
    {"texture.lines.density_px_per_mpx", "px/Mpx", "fine lines, px per megapixel", R, -1, 0, 0, 4.74, 4.93, 1,
     RC},
    {"texture.lines.mean_contrast", "L*@60", "fine-line contrast, mean", R, -1, 1, 0, 0.721, 0.638, 1, RC},
    {"scars.max_depth_mm", "mm", "deepest scar", R, -1, 0, 1, NM, NM, 0, NULL},
    {"scars.mean_depth_mm", "mm", "scar depth, mean", R, -1, 0, 0, NM, NM, 0, NULL},
    {"scars.volume_mm3", "mm3", "scar volume", R, -1, 0, 1, NM, NM, 0, NULL},
    {"surface.sq_mm", "mm", "surface Sq (height)", R, -1, 0, 1, NM, NM, 0, NULL},
    {"surface.sa_mm", "mm", "surface Sa (height)", R, -1, 0, 0, NM, NM, 0, NULL},
    /* skinq depth without a scale: the mm names null, the values here (a height map's heights stay
     * mm, its areas px2 and volumes mm*px2; a stack's heights px) */
    {"scars.max_depth_px", "px", "deepest scar in pixels (a stack without a scale)", R, -1, 0, 0, NM, NM, 0,
     NULL},
    {"scars.mean_depth_px", "px", "scar depth in pixels, mean", R, -1, 0, 0, NM, NM, 0, NULL},
    {"scars.volume_px", NULL, "scar volume over pixels (px3, or mm*px2 from a height map)", R, -1, 0, 0, NM,
     NM, 0, NULL},
    {"surface.sq_px", "px", "surface Sq in pixels (height)", R, -1, 0, 0, NM, NM, 0, NULL},
    {"surface.sa_px", "px", "surface Sa in pixels (height)", R, -1, 0, 0, NM, NM, 0, NULL},
    {"color.red_area_mm2", "mm2", "red area", E, -1, 0, 1, 844, NM, 0, RC},
    {"color.red_area_px", "px", "red area in pixels", E, -1, 0, 0, 3.38e+05, NM, 0, RC},
    {"scars.area_mm2", "mm2", "scar area", E, -1, 0, 1, NM, NM, 0, NULL},
    {"scars.area_px", "px2", "scar area in pixels", E, -1, 0, 0, NM, NM, 0, NULL},
    {"scars.count", "1", "scars", E, -1, 0, 1, NM, NM, 0, NULL},
    /* Location statistics of the directional colour metrics carry their direction too (no MDC measured). */
    {"color.a.*", "a*", "CIELAB a* (redness)", V, -1, 0, 0, NM, NM, 0, NULL},
    {"color.erythema_index.*", "relative", "erythema index", V, -1, 1, 0, NM, NM, 0, NULL},
    {"color.hemoglobin.*", "fraction", "dermal blood volume fraction", V, -1, 1, 0, NM, NM, 0, NULL},
    {"color.melanin_index.*", "relative", "melanin index", P, -1, 1, 0, NM, NM, 0, NULL},
    {"color.melanin.*", "fraction", "epidermal melanosome volume fraction", P, -1, 1, 0, NM, NM, 0, NULL},
    {"color.ita_deg.*", "deg", "ITA°", P, 1, 0, 0, NM, NM, 0, NULL},
    /* Descriptive: no direction. */
    {"color.out_of_model_fraction", "1", "share of pixels outside the skin model (not in blood, melanin)",
     NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"color.L.mean", "L*", "CIELAB L* (lightness), mean", NULL, 0, 0, 0, 0.828, 3.48, 0, RC},
    {"color.L.delta_ref", "L*", "L* relative to reference skin", NULL, 0, 1, 0, 0.863, 0.863, 0, RC},
    {"color.L.*", "L*", "CIELAB L* (lightness)", NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"color.b.mean", "b*", "CIELAB b* (yellowness), mean", NULL, 0, 0, 0, 0.749, 2.62, 0, RC},
    {"color.b.delta_ref", "b*", "b* relative to reference skin", NULL, 0, 1, 0, 0.736, 0.736, 0, RC},
    {"color.b.*", "b*", "CIELAB b* (yellowness)", NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"texture.glcm.contrast", "1", "GLCM contrast", NULL, 0, 1, 0, 7.87, 8.12, 1, RC},
    {"texture.glcm.dissimilarity", "1", "GLCM dissimilarity", NULL, 0, 1, 0, 4.88, 4.99, 1, RC},
    {"texture.glcm.homogeneity", "1", "GLCM homogeneity", NULL, 0, 1, 0, 3.74, 3.77, 1, RC},
    {"texture.glcm.asm", "1", "GLCM angular second moment", NULL, 0, 1, 0, 37.7, 39.4, 1, RC},
    {"texture.glcm.energy", "1", "GLCM energy", NULL, 0, 1, 0, 19.3, 20.2, 1, RC},
    {"texture.glcm.correlation", "1", "GLCM correlation", NULL, 0, 1, 0, 3.96, 4.02, 1, RC},
    {"texture.glcm.entropy", "1", "GLCM entropy", NULL, 0, 1, 0, 5.29, 5.82, 1, RC},
    {"texture.glcm.row_step", "1", "GLCM anchor-row step (a parameter)", NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"texture.glcm.*", "1", "GLCM texture statistic", NULL, 0, 1, 0, NM, NM, 0, NULL},
    {"texture.psd.tile_px", "px", "spectrum tile size (a parameter)", NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"texture.psd.tiles", "1", "spectrum tiles averaged (a parameter)", NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"texture.psd.slope", "1", "spectral slope", NULL, 0, 1, 0, 0.0999, 0.1, 0, RC},
    {"texture.psd.fine", "L*^2", "band power of L*, fine", NULL, 0, 1, 0, 2.55, 7.79, 1, RC},
    {"texture.psd.medium", "L*^2", "band power of L*, medium", NULL, 0, 1, 0, 11, 12.3, 1, RC},
    {"texture.psd.coarse", "L*^2", "band power of L*, coarse", NULL, 0, 1, 0, 15.3, 14.2, 1, RC},
    {"texture.psd.total", "L*^2", "band power of L*, total", NULL, 0, 1, 0, 4.63, 7.54, 1, RC},
    {"texture.psd.*", "L*^2", "band power of L*", NULL, 0, 1, 0, NM, NM, 0, NULL},
    {"texture.*", NULL, "texture statistic", NULL, 0, 1, 0, NM, NM, 0, NULL},
    {"surface.*", NULL, "surface statistic", NULL, 0, 0, 0, NM, NM, 0, NULL},
    {"scars.*", NULL, "per-scar value", NULL, 0, 0, 0, NM, NM, 0, NULL},
};
#define N_DEFS (sizeof defs / sizeof defs[0])

/* Metrics whose name says mm (or cm²) and their pixel siblings: px = mm × px_per_mm^power × k. */
static const skinq_metric_scaled scaled[] = {
    {"color.red_area_mm2", "mm2", "color.red_area_px", "px", 2, 1},
    {"texture.pores.density_per_cm2", "1/cm2", "texture.pores.density_per_mpx", "1/Mpx", -2, 1e4},
    {"texture.pores.mean_diameter_mm", "mm", "texture.pores.mean_diameter_px", "px", 1, 1},
    {"texture.lines.density_mm_per_cm2", "mm/cm2", "texture.lines.density_px_per_mpx", "px/Mpx", -1, 1e4},
};
#define N_SCALED (sizeof scaled / sizeof scaled[0])

size_t skinq_metric_scaled_defs(const skinq_metric_scaled **out)
{
    if (out)
        *out = scaled;
    return N_SCALED;
}

const skinq_metric_scaled *skinq_metric_scaled_find(const char *path)
{
    for (size_t i = 0; path && i < N_SCALED; i++)
        if (strcmp(path, scaled[i].mm) == 0 || strcmp(path, scaled[i].px) == 0)
            return &scaled[i];
    return NULL;
}

skinq_status skinq_metrics_add_scaled(skinq_ctx *ctx, skinq_metrics *m, const skinq_metric_scaled *s,
                                      double px_value, double px_per_mm)
{
    const double mm =
        px_per_mm > 0 && isfinite(px_per_mm) ? px_value / (pow(px_per_mm, s->power) * s->k) : NAN;
    skinq_status st = skinq_metrics_add(ctx, m, s->mm, mm, s->mm_unit);
    return st == SKINQ_OK ? skinq_metrics_add(ctx, m, s->px, px_value, s->px_unit) : st;
}

size_t skinq_metric_defs(const skinq_metric_def **out)
{
    if (out)
        *out = defs;
    return N_DEFS;
}

/* A pattern segment "*" matches one whole path segment; a trailing "*" matches the rest. */
static int matches(const char *pat, const char *path)
{
    while (*pat) {
        if (pat[0] == '*' && (pat[1] == '.' || pat[1] == 0)) {
            if (pat[1] == 0)
                return *path != 0;
            const char *dot = strchr(path, '.');
            if (!dot || dot == path)
                return 0;
            path = dot, pat++;
            continue;
        }
        if (*pat++ != *path++)
            return 0;
    }
    return *path == 0;
}

const skinq_metric_def *skinq_metric_find(const char *path)
{
    if (!path)
        return NULL;
    for (size_t i = 0; i < N_DEFS; i++)
        if (matches(defs[i].pattern, path))
            return &defs[i];
    return NULL;
}

int skinq_metric_unit_fits(const char *path, const char *unit)
{
    /* only a name that says mm (or cm²) is judged: other stored units are shown as they are */
    const skinq_metric_def *d = skinq_metric_find(path);
    if (!d || !d->unit || !unit || strchr(d->pattern, '*') || (!strstr(path, "_mm") && !strstr(path, "_cm2")))
        return 1;
    return strcmp(unit, d->unit) == 0;
}

int skinq_metric_direction(const char *path)
{
    const skinq_metric_def *d = skinq_metric_find(path);
    if (!d)
        return 0;
    /* Of a directional colour metric only the location statistics judge: its spread (std), its
     * dark tail (p05) and the reference skin's own value (ref_mean) do not. */
    const char *last = strrchr(path, '.');
    if (strchr(d->pattern, '*') && strncmp(path, "color.", 6) == 0 &&
        (strcmp(last, ".std") == 0 || strcmp(last, ".p05") == 0 || strcmp(last, ".ref_mean") == 0))
        return 0;
    return d->direction;
}

double skinq_metric_default_mdc(const char *path, const char *unit, double before, int normalised)
{
    const skinq_metric_def *d = skinq_metric_find(path);
    double mdc = d ? normalised ? d->mdc95 : d->mdc95_raw : NAN;
    if (!isfinite(mdc) || (unit && d->unit && strcmp(unit, d->unit) != 0))
        return NAN;
    return d->mdc_percent ? mdc / 100 * fabs(before) : mdc;
}

skinq_verdict skinq_change_verdict(int direction, double before, double after, double mdc95)
{
    if (!isfinite(before) || !isfinite(after))
        return SKINQ_VERDICT_NA;
    double change = after - before;
    if (change == 0)
        return SKINQ_VERDICT_UNCHANGED;
    if (isfinite(mdc95) && fabs(change) <= mdc95)
        return SKINQ_VERDICT_NO_DETECTABLE;
    if (!isfinite(mdc95) || direction == 0)
        return change > 0 ? SKINQ_VERDICT_INCREASED : SKINQ_VERDICT_DECREASED;
    return (change < 0) == (direction < 0) ? SKINQ_VERDICT_IMPROVED : SKINQ_VERDICT_WORSE;
}

const char *skinq_verdict_name(skinq_verdict v)
{
    switch (v) {
    case SKINQ_VERDICT_UNCHANGED: return "unchanged";
    case SKINQ_VERDICT_NO_DETECTABLE: return "no detectable change";
    case SKINQ_VERDICT_IMPROVED: return "improved";
    case SKINQ_VERDICT_WORSE: return "worse";
    case SKINQ_VERDICT_INCREASED: return "increased";
    case SKINQ_VERDICT_DECREASED: return "decreased";
    case SKINQ_VERDICT_NA: break;
    }
    return "n/a";
}

double skinq_change_percent(double before, double after, double mdc95)
{
    if (!isfinite(before) || !isfinite(after) || before == 0 || (isfinite(mdc95) && fabs(before) < mdc95))
        return NAN;
    return 100 * (after - before) / fabs(before);
}

/* Repeatability: histogram bins, the texture pass's tile parameters and the registration's own
 * figures are not measurements of the skin. */
int skinq_metric_repeatable(const char *path)
{
    static const char *const parameters[] = {"texture.psd.tile_px", "texture.psd.tiles",
                                             "texture.glcm.row_step"};
    if (strstr(path, ".bins.") || strncmp(path, "alignment.", 10) == 0)
        return 0;
    for (size_t i = 0; i < sizeof parameters / sizeof parameters[0]; i++)
        if (strcmp(path, parameters[i]) == 0)
            return 0;
    return 1;
}

double skinq_mdc95(double sd)
{
    return 1.96 * sqrt(2.0) * sd;
}
