/* spectral.c -- `spectral-skin`: flat patches of the spectral skin model (spectral_skin.c) over
 * three skin types × blood excess, melanin steps at constant blood and exposure, for measuring
 * what a decomposition reads back (lib/synth/README.md "Spectral skin"). */
#include <math.h>
#include <string.h>

#include "color/spectral.h"
#include "color/srgb.h"
#include "synth.h"

/* Skin types by epidermal melanosome volume fraction and thickness (ITA° at blood excess 0 in
 * truth.json). Thicknesses: three persons or sites spread over the 60–100 µm measured on most
 * body sites (Sandby-Møller, Poulsen & Wulf, Acta Derm Venereol 83:410, 2003), none at the
 * inverted model's 80 µm (lib/color/skin_invert.c); not a claim that pigment goes with thickness. */
static const struct {
    const char *name;
    double melanin, epidermis_um;
} types[] = {{"light", 0.02, 70}, {"intermediate", 0.06, 85}, {"dark", 0.15, 95}};
#define N_TYPES (int)(sizeof types / sizeof types[0])

static const double excesses[] = {0, 0.1, 0.2, 0.3, 0.4, 0.5};
static const double mel_steps[] = {0.8, 0.9, 1.1, 1.2}; /* × the type's melanin, at baseline blood */
static const double exposures[] = {0.7, 0.85, 1.15, 1.3};
#define N_EXC (int)(sizeof excesses / sizeof excesses[0])
#define N_MEL (int)(sizeof mel_steps / sizeof mel_steps[0])
#define N_EXP (int)(sizeof exposures / sizeof exposures[0])
#define PER_TYPE (N_EXC + N_MEL + N_EXP)
#define PATCH 24 /* px, with GAP between patches and around the grid */
#define GAP 4

/* Papillary dermal blood: B = BLOOD_BASE + excess·BLOOD_PER_EXCESS (excess 0.5: 4× the
 * baseline), in a papillary dermis PAPILLARY_UM thick (papillary dermis 100 µm + upper blood net
 * 80 µm in Meglinski & Matcher, Physiol Meas 23:741, 2002) over a reticular dermis with
 * RETICULAR_BLOOD, a quarter of the papillary baseline (their ratio, spectral_skin.c); erythema's
 * excess blood is all papillary. */
#define BLOOD_BASE 0.01
#define PAPILLARY_UM SYNTH_PAPILLARY_UM
#define RETICULAR_BLOOD SYNTH_RETICULAR_BLOOD
#define BLOOD_PER_EXCESS 0.06
#define SATURATION 0.75

typedef struct patch {
    const char *series;
    double excess, mel_scale, exposure;
} patch;

static patch patch_of(int k)
{
    if (k < N_EXC)
        return (patch){"blood", excesses[k], 1, 1};
    if (k < N_EXC + N_MEL)
        return (patch){"melanin", 0, mel_steps[k - N_EXC], 1};
    return (patch){"exposure", 0, 1, exposures[k - N_EXC - N_MEL]};
}

static cJSON *model_truth(const char *camera, double surface)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(
        m, "reflectance",
        "three-layer Kubelka-Munk per wavelength, 400-700 nm every 10 nm: epidermis (melanin "
        "fraction, bloodless baseline; thickness per skin type) over a papillary dermis (blood, baseline) "
        "over a semi-infinite reticular dermis (less blood), layers added by Kubelka's formula; "
        "plus surface_reflectance, flat in wavelength: R = rs + (1 - rs) R_body");
    cJSON_AddNumberToObject(m, "papillary_um", PAPILLARY_UM);
    cJSON_AddNumberToObject(m, "reticular_blood_fraction", RETICULAR_BLOOD);
    cJSON_AddNumberToObject(m, "blood_fraction_base", BLOOD_BASE);
    cJSON_AddNumberToObject(m, "blood_fraction_per_excess", BLOOD_PER_EXCESS);
    cJSON_AddStringToObject(m, "blood_excess",
                            "papillary dermal blood volume fraction (blood_fraction) = blood_fraction_base + "
                            "excess * blood_fraction_per_excess (0.5: four times the baseline, a strong "
                            "erythema); the reticular dermis keeps reticular_blood_fraction");
    cJSON_AddNumberToObject(m, "saturation", SATURATION);
    cJSON_AddNumberToObject(m, "surface_reflectance", surface);
    cJSON_AddStringToObject(m, "camera", camera ? camera : "CIE 1931 2deg observer under D65 -> linear sRGB");
    cJSON_AddStringToObject(m, "encoding",
                            "linear RGB * exposure, sRGB transfer curve (IEC 61966-2-1), 16-bit PNG");
    cJSON_AddStringToObject(
        m, "ita", "ITA of CIELAB (D65) of the patch's sRGB colour times its exposure, whatever the camera");
    return m;
}

static void add_patch(cJSON *list, int t, int k, const patch *p, const synth_skin_layers *L,
                      const double rgb[3], int x, int y)
{
    double srgb[3], lab[3];
    synth_skin_rgb(NULL, L, srgb);
    for (int c = 0; c < 3; c++)
        srgb[c] *= p->exposure;
    skinq_cc_linear_to_lab(srgb, lab);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", t * PER_TYPE + k);
    cJSON_AddStringToObject(o, "type", types[t].name);
    cJSON_AddStringToObject(o, "series", p->series);
    double rect[4] = {x, y, PATCH, PATCH};
    cJSON_AddItemToObject(o, "rect_px", synth_numbers(rect, 4));
    cJSON_AddNumberToObject(o, "melanin_fraction", L->melanin);
    cJSON_AddNumberToObject(o, "epidermis_um", L->epidermis_um);
    cJSON_AddNumberToObject(o, "blood_fraction", L->blood);
    cJSON_AddNumberToObject(o, "reticular_blood_fraction", L->reticular_blood);
    cJSON_AddNumberToObject(o, "blood_excess", p->excess);
    cJSON_AddNumberToObject(o, "saturation", L->saturation);
    cJSON_AddNumberToObject(o, "exposure", p->exposure);
    cJSON_AddItemToObject(o, "linear_rgb", synth_numbers(rgb, 3));
    cJSON_AddItemToObject(o, "lab", synth_numbers(lab, 3));
    cJSON_AddNumberToObject(o, "ita_deg", atan2(lab[0] - 50, lab[2]) * 180 / 3.14159265358979323846);
    cJSON_AddItemToArray(list, o);
}

static void fill(skinq_image *img, int x0, int y0, int w, int h, const double lin[3])
{
    uint16_t v[3];
    for (int c = 0; c < 3; c++)
        v[c] = (uint16_t)lround(skinq_srgb_encode(lin[c]) * 65535);
    for (int y = y0; y < y0 + h; y++) {
        uint16_t *row = (uint16_t *)(void *)skinq_image_row(img, y);
        for (int x = x0; x < x0 + w; x++)
            memcpy(row + 3 * x, v, sizeof v);
    }
}

skinq_status synth_spectral_skin(skinq_ctx *ctx, const skinq_synth_options *o, const char *dir)
{
    skinq_camera *cam = NULL;
    skinq_status st = o->camera ? skinq_camera_load(ctx, o->camera, &cam) : SKINQ_OK;
    skinq_image *img = NULL;
    int w = GAP + PER_TYPE * (PATCH + GAP), h = GAP + N_TYPES * (PATCH + GAP);
    if (st == SKINQ_OK)
        st = skinq_image_new(ctx, w, h, 3, 16, &img);
    if (st != SKINQ_OK) {
        skinq_camera_free(&cam);
        return st;
    }
    const double grey[3] = {0.2, 0.2, 0.2};
    fill(img, 0, 0, w, h, grey);
    cJSON *truth = cJSON_CreateObject();
    cJSON_AddStringToObject(truth, "kind", "spectral-skin");
    cJSON_AddStringToObject(truth, "skinq_version", skinq_version());
    cJSON_AddNumberToObject(truth, "width", w);
    cJSON_AddNumberToObject(truth, "height", h);
    cJSON_AddStringToObject(truth, "image", "patches.png");
    cJSON_AddItemToObject(truth, "model", model_truth(o->camera, o->surface));
    cJSON *tl = cJSON_AddArrayToObject(truth, "types"), *list = cJSON_AddArrayToObject(truth, "patches");
    for (int t = 0; t < N_TYPES; t++) {
        synth_skin_layers L = {types[t].melanin, BLOOD_BASE,      SATURATION, types[t].epidermis_um,
                               PAPILLARY_UM,     RETICULAR_BLOOD, o->surface, 0};
        cJSON *ty = cJSON_CreateObject();
        cJSON_AddStringToObject(ty, "name", types[t].name);
        cJSON_AddNumberToObject(ty, "melanin_fraction", L.melanin);
        cJSON_AddNumberToObject(ty, "epidermis_um", L.epidermis_um);
        cJSON_AddNumberToObject(ty, "blood_fraction", L.blood);
        cJSON_AddNumberToObject(ty, "ita_deg", synth_skin_ita(&L, NULL));
        cJSON_AddItemToArray(tl, ty);
        for (int k = 0; k < PER_TYPE; k++) {
            patch p = patch_of(k);
            L.melanin = types[t].melanin * p.mel_scale;
            L.blood = BLOOD_BASE + p.excess * BLOOD_PER_EXCESS;
            double rgb[3];
            synth_skin_rgb(cam, &L, rgb);
            for (int c = 0; c < 3; c++)
                rgb[c] *= p.exposure; /* exposure and shading: a multiplier outside the model */
            int x = GAP + k * (PATCH + GAP), y = GAP + t * (PATCH + GAP);
            fill(img, x, y, PATCH, PATCH, rgb);
            add_patch(list, t, k, &p, &L, rgb, x, y);
        }
    }
    st = synth_save_png(ctx, dir, "patches.png", img);
    if (st == SKINQ_OK)
        st = synth_save_json(ctx, dir, "truth.json", truth);
    cJSON_Delete(truth);
    skinq_image_free(&img);
    skinq_camera_free(&cam);
    return st;
}
