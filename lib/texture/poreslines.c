/* poreslines.c -- pores and lines on one pass over the tiles: each tile of u loaded once (tile.c),
 * with the wider of the two margins, and both parts (pores.c, lines.c) run on it while it is in
 * cache. Above both parts and tile.c, so none of them calls back up. */
#include <string.h>

#include "texture_int.h"

typedef struct pl_job {
    const tex_img *im;
    tex_pores_job *pj;
    tex_lines_job *lj;
    int margin, mp, ml, nx;
    float *tiles; /* per thread: one tile of u with the wider margin, the pyramid's scratch */
    size_t tile_px, per_thread;
} pl_job;

static void pl_tile_run(void *user, int task, int thread)
{
    const pl_job *j = user;
    float *buf = j->tiles + (size_t)thread * j->per_thread, *pyr = buf + j->tile_px;
    const tex_tile tl = tex_tile_load(j->im, task, j->nx, TEX_SS_CORE, j->margin, buf);
    const size_t st = (size_t)tl.tw;
    /* each part's tile is the middle of this one (the same clamped samples); one after the
     * other, on the same pyramid scratch */
    tex_lines_tile(j->lj, task, thread, buf + (size_t)(j->margin - j->ml) * (st + 1), st, pyr);
    tex_pores_tile(j->pj, task, thread, buf + (size_t)(j->margin - j->mp) * (st + 1), st, pyr);
}

skinq_status tex_pores_lines(skinq_ctx *ctx, const tex_img *im, const tex_cfg *c, int want_mask,
                             tex_pores_out *pr, tex_lines_out *lr)
{
    memset(pr, 0, sizeof *pr);
    memset(lr, 0, sizeof *lr);
    pl_job j;
    memset(&j, 0, sizeof j);
    j.im = im;
    skinq_status st = tex_pores_begin(ctx, im, c, 0, &j.pj);
    if (st != SKINQ_OK)
        return st;
    st = tex_lines_begin(ctx, im, c, want_mask, 0, &j.lj);
    if (st != SKINQ_OK) {
        tex_pores_end(ctx, j.pj, pr);
        return st;
    }
    j.mp = tex_pores_margin(j.pj);
    j.ml = tex_lines_margin(j.lj);
    j.margin = j.mp > j.ml ? j.mp : j.ml;
    j.nx = (im->w + TEX_SS_CORE - 1) / TEX_SS_CORE;
    const int tasks = j.nx * ((im->h + TEX_SS_CORE - 1) / TEX_SS_CORE);
    const size_t T = (size_t)TEX_SS_CORE + 2 * (size_t)j.margin;
    j.tile_px = T * T;
    j.per_thread = j.tile_px + tex_pyr_scratch((int)T, (int)T); /* >= either part's */
    j.tiles = skinq_malloc(ctx, sizeof(float) * j.per_thread * (size_t)skinq_ctx_threads(ctx));
    if (!j.tiles)
        st = SKINQ_E_NOMEM;
    else
        skinq_parallel_for(ctx, tasks, pl_tile_run, &j);
    skinq_free(ctx, j.tiles);
    tex_lines_end(ctx, j.lj, lr);
    skinq_status sp = tex_pores_end(ctx, j.pj, pr);
    return st != SKINQ_OK ? st : sp;
}
