/* synth.c -- `skinq synth`: choose the kind, make the folder, write phantoms and truth. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/io.h"
#include "synth.h"

void skinq_synth_default_options(skinq_synth_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->kind = "healing-series";
    o->seed = 1;
    o->px_per_mm = 20;
    o->tau_days = 3;
    o->jpeg_quality = 92;
}

static const struct {
    const char *name;
    skinq_status (*make)(skinq_ctx *, const skinq_synth_options *, const char *);
} kinds[] = {
    {"healing-series", synth_healing_series}, {"scar-stack", synth_scar_stack},
    {"texture-ladder", synth_texture_ladder}, {"chart", synth_chart},
    {"recapture", synth_recapture},           {"course", synth_course},
    {"spectral-skin", synth_spectral_skin}, /* last: `all` writes the older kinds' bytes unchanged */
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

skinq_status skinq_synth(skinq_ctx *ctx, const skinq_synth_options *opt, const char *out_dir)
{
    skinq_synth_options own;
    skinq_status ost = SKINQ_OPTIONS_TAKE(ctx, &own, opt, skinq_synth_default_options, "skinq_synth_options");
    if (ost != SKINQ_OK)
        return ost;
    const skinq_synth_options *o = &own;
    if (o->width < 0 || o->height < 0 || o->width > 20000 || o->height > 20000 || !(o->px_per_mm > 0) ||
        !(o->tau_days > 0) || o->jpeg_quality < 1 || o->jpeg_quality > 100 || o->count < 0 || o->copies < 0 ||
        o->copies > 99 || (o->copies > 0 && !o->copy_poses) || o->cycles < 0 || o->cycles > 6 ||
        !(o->surface >= 0 && o->surface <= 0.1))
        return skinq_fail(ctx, SKINQ_E_INVALID, "invalid phantom options");
    unsigned fx;
    char bad[72];
    if (synth_ps_effects(o->effects, &fx, bad, sizeof bad) != 0)
        return skinq_fail(
            ctx, SKINQ_E_INVALID,
            "unknown effect '%s' (specular, blur, noise, intensity, falloff, hair, skin or none)", bad);
    if (o->lights != 0 && (o->lights < 3 || o->lights > SYNTH_PS_MAX_LIGHTS))
        return skinq_fail(ctx, SKINQ_E_INVALID, "scar-stack lights must be 3..%d, not %d",
                          SYNTH_PS_MAX_LIGHTS, o->lights);
    for (int k = 0; k < o->copies; k++)
        if (!isfinite(o->copy_poses[2 * k]) ||
            !(o->copy_poses[2 * k + 1] >= 0.25 && o->copy_poses[2 * k + 1] <= 4))
            return skinq_fail(ctx, SKINQ_E_INVALID, "invalid copy pose %d (rotation, scale 0.25..4)", k);
    int all = strcmp(o->kind, "all") == 0;
    size_t k = 0;
    for (; k < N_KINDS && !all; k++)
        if (strcmp(o->kind, kinds[k].name) == 0)
            break;
    if (!all && k == N_KINDS)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "unknown phantom kind '%s' (healing-series, scar-stack, texture-ladder, chart, "
                          "recapture, course, spectral-skin or all)",
                          o->kind);
    skinq_status st = skinq_dir_ensure(ctx, out_dir);
    if (st != SKINQ_OK || !all)
        return st == SKINQ_OK ? kinds[k].make(ctx, o, out_dir) : st;
    for (k = 0; k < N_KINDS && st == SKINQ_OK; k++) {
        char sub[4096];
        st = synth_path(ctx, sub, sizeof sub, out_dir, kinds[k].name);
        if (st == SKINQ_OK)
            st = skinq_dir_ensure(ctx, sub);
        if (st == SKINQ_OK)
            st = kinds[k].make(ctx, o, sub);
    }
    return st;
}
