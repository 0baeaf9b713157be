/* kernels.c -- the list of module kernel tables, and skinq_kernel_isas() walking it. */
#include "kernels/kernels.h"

#include "color/color_kernels.h"
#include "surface/surface_kernels.h"
#include "texture/texture_kernels.h"

const struct skinq_dsp_meta *skinq_dsp_module(int module, unsigned isa)
{
    switch (module) {
    case SKINQ_DSP_COLOR: return &skinq_color_dsp(isa)->meta;
    case SKINQ_DSP_SURFACE: return &skinq_surface_dsp(isa)->meta;
    case SKINQ_DSP_TEXTURE: return &skinq_texture_dsp(isa)->meta;
    case SKINQ_DSP_CORE: return &skinq_core_dsp(isa)->meta;
    default: return NULL;
    }
}

size_t skinq_kernel_isas(const skinq_ctx *ctx, const char **names, const char **isas, size_t max)
{
    size_t count = 0;
    for (int m = 0; m < SKINQ_DSP_MODULES; m++) {
        const struct skinq_dsp_meta *t = skinq_dsp_module(m, skinq_ctx_isa(ctx));
        for (int k = 0; k < t->n; k++, count++)
            if (count < max) {
                names[count] = t->name[k];
                isas[count] = t->impl[k];
            }
    }
    return count;
}
