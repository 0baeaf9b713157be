/* peers.c -- the peers `skinq bench` times beside skinq's stages: bare libjpeg-turbo decoding
 * from memory into a reused buffer (what tjbench measures) and bare FFTW running the texture
 * pass's r2c tile transforms with no windowing, detrending or averaging. */
#include <fftw3.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <string.h>

#include "bench/bench_int.h"

struct bare_err {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void bare_exit(j_common_ptr c)
{
    longjmp(((struct bare_err *)c->err)->jump, 1);
}

skinq_status skinq_bench_jpeg_decode_bare(skinq_ctx *ctx, const uint8_t *jpg, size_t size, uint8_t *rgb,
                                          size_t stride, int *width, int *height)
{
    struct jpeg_decompress_struct d;
    struct bare_err e;
    d.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = bare_exit;
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&d);
        return skinq_fail(ctx, SKINQ_E_FORMAT, "bare libjpeg decode failed");
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, jpg, (unsigned long)size);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    d.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = rgb + (size_t)d.output_scanline * stride;
        jpeg_read_scanlines(&d, &row, 1);
    }
    *width = (int)d.output_width;
    *height = (int)d.output_height;
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return SKINQ_OK;
}

struct skinq_bench_fftw {
    int tile, threads;
    fftwf_plan plan;
    float **in;
    fftwf_complex **out;
};

skinq_status skinq_bench_fftw_new(skinq_ctx *ctx, int tile, skinq_bench_fftw **out)
{
    skinq_bench_fftw *b = skinq_calloc(ctx, 1, sizeof *b);
    if (!b)
        return SKINQ_E_NOMEM;
    b->tile = tile;
    b->threads = skinq_ctx_threads(ctx) > 64 ? 64 : skinq_ctx_threads(ctx);
    b->in = skinq_calloc(ctx, (size_t)b->threads, sizeof *b->in);
    b->out = skinq_calloc(ctx, (size_t)b->threads, sizeof *b->out);
    skinq_status st = b->in && b->out ? SKINQ_OK : SKINQ_E_NOMEM;
    for (int t = 0; st == SKINQ_OK && t < b->threads; t++) {
        b->in[t] = fftwf_malloc(sizeof(float) * (size_t)tile * tile);
        b->out[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)tile * (tile / 2 + 1));
        if (!b->in[t] || !b->out[t])
            st = SKINQ_E_NOMEM;
    }
    if (st == SKINQ_OK) {
        skinq_fftw_lock();
        b->plan = fftwf_plan_dft_r2c_2d(tile, tile, b->in[0], b->out[0], FFTW_ESTIMATE);
        skinq_fftw_unlock();
        if (!b->plan)
            st = SKINQ_E_INTERNAL;
    }
    if (st != SKINQ_OK)
        skinq_bench_fftw_free(ctx, &b);
    *out = b;
    return st;
}

void skinq_bench_fftw_free(skinq_ctx *ctx, skinq_bench_fftw **bp)
{
    skinq_bench_fftw *b = *bp;
    if (!b)
        return;
    if (b->plan) {
        skinq_fftw_lock();
        fftwf_destroy_plan(b->plan);
        skinq_fftw_unlock();
    }
    for (int t = 0; t < b->threads; t++) {
        if (b->in)
            fftwf_free(b->in[t]);
        if (b->out)
            fftwf_free(b->out[t]);
    }
    skinq_free(ctx, b->in);
    skinq_free(ctx, b->out);
    skinq_free(ctx, b);
    *bp = NULL;
}

typedef struct tiles_job {
    skinq_bench_fftw *b;
    const float *plane;
    int w, step, nx;
} tiles_job;

static void tile_task(void *user, int task, int thread)
{
    tiles_job *J = user;
    skinq_bench_fftw *b = J->b;
    int tx = task % J->nx, ty = task / J->nx, T = b->tile;
    for (int y = 0; y < T; y++) /* the tile copied in, as the texture pass must */
        memcpy(b->in[thread] + (size_t)y * T,
               J->plane + (size_t)(ty * J->step + y) * J->w + (size_t)tx * J->step,
               sizeof(float) * (size_t)T);
    fftwf_execute_dft_r2c(b->plan, b->in[thread], b->out[thread]);
}

void skinq_bench_fftw_tiles(skinq_ctx *ctx, skinq_bench_fftw *b, const float *plane, int w, int h, int step)
{
    tiles_job J = {b, plane, w, step, (w - b->tile) / step + 1};
    int ny = (h - b->tile) / step + 1;
    skinq_parallel_for(ctx, J.nx * ny, tile_task, &J);
}
