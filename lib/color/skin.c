/* skin.c -- `--auto-skin`: which pixels of a photo are skin, and an account of how that was
 * decided. The photo becomes a ~1-megapixel grid of cells (skin_cells.c); a face detector
 * (facedet.h) looks for frontal faces in it; with faces the face path (skin_face.c) grows skin
 * from each face's own colour model, without one the limb path (skin_limb.c) takes the photo's
 * most skin-like colour cluster (size, skin locus, smoothness). Too little skin is refused
 * (SKINQ_E_EMPTY_ROI, "no skin found"): a measurement of the background would be worse than none. */
#include <stdio.h>
#include <string.h>

#include "color/facedet.h"
#include "color/skin_int.h"

const char *skinq_skin_mode_name(skinq_skin_mode m)
{
    static const char *const names[] = {"auto", "face", "limb"};
    return m >= SKINQ_SKIN_AUTO && m <= SKINQ_SKIN_LIMB ? names[m] : "unknown";
}

int skinq_skin_mode_parse(const char *s, skinq_skin_mode *m)
{
    for (int k = SKINQ_SKIN_AUTO; s && k <= SKINQ_SKIN_LIMB; k++)
        if (strcmp(s, skinq_skin_mode_name((skinq_skin_mode)k)) == 0) {
            *m = (skinq_skin_mode)k;
            return 0;
        }
    return -1;
}

/* The least skin a path may report, as a share of the pixels inside alpha: a face path's skin
 * (a face and neck) is rarely under 1 % of a portrait. The limb path serves close-ups (mostly
 * skin) and scenes whose faces are turned away, where the exposed faces, necks and forearms of a
 * few people are still 1–3 % of the photo; under 1 % the skin-coloured specks of a scene without
 * people (brick, a fruit's shadowed peel) are as likely as skin, and too few cells to measure. */
#define FACE_MIN_SHARE 0.01
#define LIMB_MIN_SHARE 0.01

/* Faces in the cell grid: *n of them into faces (cells) and info->face (pixels). With mode auto a
 * missing model is a warning and no faces; with mode face it is the error. */
static skinq_status find_faces(skinq_ctx *ctx, const skinq_image *img, const skin_cells *c,
                               skinq_skin_mode mode, skinq_rect faces[SKIN_MAX_FACES], int *n,
                               skinq_skin_info *info)
{
    int shorter = c->w < c->h ? c->w : c->h, min_size = shorter / 20 > 24 ? shorter / 20 : 24;
    char model[4096] = "";
    *n = 0;
    skinq_status st =
        skin_detect_faces(ctx, c->gray, c->w, c->h, (size_t)c->w, min_size, faces, n, model, sizeof model);
    if (st == SKINQ_E_UNSUPPORTED && mode == SKINQ_SKIN_AUTO) {
        skinq_warn(ctx, "%s; auto-skin takes the limb path", skinq_ctx_error(ctx));
        return SKINQ_OK;
    }
    if (st != SKINQ_OK)
        return st;
    int kept = 0; /* the boxes that look like faces, in order */
    for (int j = 0; j < *n; j++)
        if (skin_face_plausible(c, &faces[j]))
            faces[kept++] = faces[j];
    *n = kept;
    const char *base = strrchr(model, '/');
    snprintf(info->detector, sizeof info->detector, "%.*s", (int)sizeof info->detector - 1,
             base ? base + 1 : model); /* the file's name; a longer one is cut */
    info->faces = *n;
    for (int j = 0; j < *n && j < (int)(sizeof info->face / sizeof info->face[0]); j++) {
        skinq_rect r = {faces[j].x * c->f, faces[j].y * c->f, faces[j].w * c->f, faces[j].h * c->f};
        info->face[j] = skinq_rect_clip(r, img->width, img->height);
    }
    return SKINQ_OK;
}

/* The kept cells back at full size (each f×f), ANDed with alpha, into a new mask; *kept = its pixels. */
static skinq_status full_size(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                              const skin_cells *c, const uint8_t *keep, skinq_mask **out, uint64_t *kept)
{
    skinq_status st = skinq_mask_new(ctx, img->width, img->height, 0, out);
    *kept = 0;
    for (int y = 0; st == SKINQ_OK && y < img->height; y++) {
        uint8_t *r = (*out)->data + (size_t)y * (*out)->stride;
        const uint8_t *k = keep + (size_t)(y / c->f) * (size_t)c->w;
        const uint8_t *a = alpha ? alpha->data + (size_t)y * alpha->stride : NULL;
        for (int x = 0; x < img->width; x++) {
            r[x] = k[x / c->f] && (!a || a[x]);
            *kept += r[x];
        }
    }
    return st;
}

static uint64_t count(const uint8_t *g, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += g[i];
    return k;
}

skinq_status skinq_color_skin_detect(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                     const double gains[3], skinq_skin_mode mode, skinq_skin_info *info,
                                     skinq_mask **out)
{
    if (!img || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_color_skin_detect: NULL argument");
    if (img->channels != 3)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "skin detection needs an RGB image");
    if (mode < SKINQ_SKIN_AUTO || mode > SKINQ_SKIN_LIMB)
        return skinq_fail(ctx, SKINQ_E_INVALID, "unknown auto-skin mode %d", (int)mode);
    skinq_skin_info I = {.ran = 1, .asked = mode, .faces = -1};
    skin_cells c;
    skinq_status st = skin_cells_make(ctx, img, alpha, gains, &c);
    if (st != SKINQ_OK)
        return st;
    size_t cells = (size_t)c.w * (size_t)c.h;
    uint8_t *keep = skinq_calloc(ctx, cells, 1);
    skinq_rect faces[SKIN_MAX_FACES];
    int n = 0;
    const char *why = NULL; /* the limb path's reason when it found nothing */
    st = keep ? SKINQ_OK : SKINQ_E_NOMEM;
    if (st == SKINQ_OK && mode != SKINQ_SKIN_LIMB)
        st = find_faces(ctx, img, &c, mode, faces, &n, &I);
    if (st == SKINQ_OK && mode == SKINQ_SKIN_FACE && n == 0)
        st = skinq_fail(
            ctx, SKINQ_E_EMPTY_ROI,
            "no skin found: no face found (--auto-skin face); try --auto-skin limb, --roi or --mask");
    if (st == SKINQ_OK && n > 0) {
        I.path = SKINQ_SKIN_FACE;
        st = skin_face_path(ctx, &c, faces, n, keep, I.model_lab);
    }
    /* auto: no face, or faces whose cheeks were not skin (false detections), take the limb path */
    if (st == SKINQ_OK && mode != SKINQ_SKIN_FACE && count(keep, cells) == 0) {
        I.path = SKINQ_SKIN_LIMB;
        st = skin_limb_path(ctx, &c, keep, I.model_lab, &why);
    }
    double share = c.inside ? (double)count(keep, cells) * c.f * c.f / (double)c.inside : 0;
    double least = I.path == SKINQ_SKIN_FACE ? FACE_MIN_SHARE : LIMB_MIN_SHARE;
    if (st == SKINQ_OK && share < least && why)
        st = skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                        "no skin found (--auto-skin %s, %s path: %s); give --roi or --mask",
                        skinq_skin_mode_name(mode), skinq_skin_mode_name(I.path), why);
    else if (st == SKINQ_OK && share < least)
        st =
            skinq_fail(ctx, SKINQ_E_EMPTY_ROI,
                       "no skin found (--auto-skin %s, %s path: %.1f %% of the photo skin-coloured, at least "
                       "%.0f %% needed); give --roi or --mask",
                       skinq_skin_mode_name(mode), skinq_skin_mode_name(I.path), 100 * share, 100 * least);
    uint64_t kept = 0;
    if (st == SKINQ_OK)
        st = full_size(ctx, img, alpha, &c, keep, out, &kept);
    if (st == SKINQ_OK) {
        I.kept_fraction = c.inside ? (double)kept / (double)c.inside : 0;
        if (info)
            *info = I;
    }
    skinq_free(ctx, keep);
    skin_cells_free(ctx, &c);
    return st;
}

skinq_status skinq_color_skin_mask(skinq_ctx *ctx, const skinq_image *img, const skinq_mask *alpha,
                                   const double gains[3], skinq_mask **out)
{
    return skinq_color_skin_detect(ctx, img, alpha, gains, SKINQ_SKIN_AUTO, NULL, out);
}
