/* dispatch.c -- build kernel tables: scalar, then SSE4.1, then AVX2 (each only if allowed). */
#include "dispatch.h"

#include <pthread.h>
#include <string.h>

/* ---- module init declarations ---- */
void skinq_surface_init_scalar(struct skinq_kernels *k);
void skinq_surface_init_sse41(struct skinq_kernels *k);
void skinq_surface_init_avx2(struct skinq_kernels *k);
void skinq_color_init_scalar(struct skinq_kernels *k);
void skinq_color_init_sse41(struct skinq_kernels *k);
void skinq_color_init_avx2(struct skinq_kernels *k);
void skinq_texture_init_scalar(struct skinq_kernels *k);
void skinq_texture_init_avx2(struct skinq_kernels *k);

void skinq_kernels_init(struct skinq_kernels *k, unsigned isa_mask)
{
    memset(k, 0, sizeof *k);
    k->isa = isa_mask;
    /* ---- scalar inits ---- */
    skinq_surface_init_scalar(k);
    skinq_color_init_scalar(k);
    skinq_texture_init_scalar(k);
#if SKINQ_HAVE_SSE41
    if (isa_mask & SKINQ_ISA_SSE41) {
        /* ---- sse41 inits ---- */
        skinq_color_init_sse41(k);
        skinq_surface_init_sse41(k);
    }
#endif
#if SKINQ_HAVE_AVX2
    if (isa_mask & SKINQ_ISA_AVX2) {
        /* ---- avx2 inits ---- */
        skinq_surface_init_avx2(k);
        skinq_color_init_avx2(k);
        skinq_texture_init_avx2(k);
    }
#endif
}

/* One table per ISA mask (there are only four masks), built on first use. */
static struct skinq_kernels tables[4];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (unsigned m = 0; m < 4; m++)
        skinq_kernels_init(&tables[m], m);
}

const struct skinq_kernels *skinq_ctx_kernels(const skinq_ctx *ctx)
{
    pthread_once(&once, build_tables);
    return &tables[ctx->isa & SKINQ_ISA_ALL];
}

size_t skinq_kernel_isas(const skinq_ctx *ctx, const char **names, const char **isas, size_t max)
{
    const struct skinq_kernels *k = skinq_ctx_kernels(ctx);
    const char *n[] = {"srgb8_to_lab",  "color_row8",      "color_row16",  "color_hist8",
                       "ps_row",        "tex_acc_rows",    "tex_acc_hrow", "tex_acc_rows2",
                       "tex_peak_mask", "tex_laplace_row", "tex_line_mask"};
    const char *i[] = {k->name_srgb8_to_lab,    k->name_color_row8,    k->name_color_row16,
                       k->name_color_hist8,     k->name_ps_row,        k->name_tex_acc_rows,
                       k->name_tex_acc_hrow,    k->name_tex_acc_rows2, k->name_tex_peak_mask,
                       k->name_tex_laplace_row, k->name_tex_line_mask};
    size_t count = sizeof n / sizeof n[0];
    for (size_t j = 0; j < count && j < max; j++) {
        names[j] = n[j];
        isas[j] = i[j] ? i[j] : "none";
    }
    return count;
}
