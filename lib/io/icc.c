/* icc.c -- convert pixels from an embedded ICC profile to sRGB with lcms2 (perceptual intent). */
#include "io.h"

#include <lcms2.h>
#include <string.h>

void skinq_icc_to_srgb(skinq_ctx *ctx, const char *path, skinq_image *img)
{
    if (!img->icc || img->icc_size == 0)
        return;
    /* lcms2 allocates its profiles and transforms itself (its own plug-in allocator, not per ctx) */
    cmsHPROFILE in = cmsOpenProfileFromMem(img->icc, (cmsUInt32Number)img->icc_size);
    if (!in) {
        skinq_warn(ctx, "'%s': embedded ICC profile is unreadable; pixels taken as sRGB", path);
        return;
    }
    cmsGetProfileInfoASCII(in, cmsInfoDescription, "en", "US", img->icc_description,
                           sizeof img->icc_description);
    /* Gray images keep their values (taken as sRGB-gamma gray); sRGB profiles need no work. */
    if (img->channels != 3 || cmsGetColorSpace(in) != cmsSigRgbData ||
        strncmp(img->icc_description, "sRGB", 4) == 0) {
        cmsCloseProfile(in);
        return;
    }
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsUInt32Number fmt = img->depth == 16 ? TYPE_RGB_16 : TYPE_RGB_8;
    cmsHTRANSFORM xf = srgb ? cmsCreateTransform(in, fmt, srgb, fmt, INTENT_PERCEPTUAL, 0) : NULL;
    if (!xf) {
        skinq_warn(ctx, "'%s': cannot convert its ICC profile to sRGB; pixels taken as sRGB", path);
    } else {
        for (int y = 0; y < img->height; y++) {
            uint8_t *row = skinq_image_row(img, y);
            cmsDoTransform(xf, row, row, (cmsUInt32Number)img->width);
        }
        cmsDeleteTransform(xf);
        img->icc_applied = 1;
    }
    if (srgb)
        cmsCloseProfile(srgb);
    cmsCloseProfile(in);
}

skinq_status skinq_icc_attach(skinq_ctx *ctx, skinq_image *img, const void *profile, size_t size)
{
    if (!(img->icc = skinq_malloc(ctx, size)))
        return SKINQ_E_NOMEM;
    memcpy(img->icc, profile, size);
    img->icc_size = size;
    return SKINQ_OK;
}
