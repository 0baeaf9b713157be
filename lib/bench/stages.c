/* stages.c -- `skinq bench` on generated photos: a skin-like 12- and 24-MP photo (smooth tone,
 * pores, sensor noise; JPEG q92 and PNG), each stage per ISA level and thread count beside its
 * peer. Texture and registration run at the first size, depth on 8 light images of 4 MP. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "align/align.h"
#include "align/cvwrap.h"
#include "bench/bench_int.h"
#include "io/io.h"

static const char *const level_name[3] = {"scalar", "sse41", "avx2"};

static const char *lname(unsigned mask)
{
    return level_name[mask & SKINQ_ISA_AVX2 ? 2 : mask & SKINQ_ISA_SSE41 ? 1 : 0];
}

/* ---- stage bodies ---- */

typedef struct job {
    skinq_ctx *ctx;
    const char *path;
    const skinq_image *img;
    const uint8_t *jpg;
    size_t jpg_size;
    uint8_t *rgb;          /* decode target (peer) */
    size_t stride;
    float *f32, *lab32;    /* OpenCV float peer */
    uint8_t *lab8;
    float *L;              /* float L* (FFTW peer) */
    uint16_t *L16;         /* texture planes */
    int16_t *mel16;
    int w, h;
    skinq_texture_plan *tplan;
    skinq_bench_fftw *fftw;
    const skinq_image *after;
    skinq_align_options ao;
    align_plane lb, la;
} job;

static skinq_status run_decode(void *u)
{
    job *j = u;
    skinq_image *img = NULL;
    skinq_status st = skinq_image_load(j->ctx, j->path, &img, NULL);
    skinq_image_free(&img);
    return st;
}

static skinq_status run_decode_bare(void *u)
{
    job *j = u;
    int w, h;
    return skinq_bench_jpeg_decode_bare(j->ctx, j->jpg, j->jpg_size, j->rgb, j->stride, &w, &h);
}

static skinq_status run_color(void *u)
{
    job *j = u;
    skinq_metrics m = {0};
    skinq_status st = skinq_color_analyze(j->ctx, j->img, NULL, NULL, &m, NULL);
    skinq_metrics_free(&m);
    return st;
}

/* File → metrics as `skinq analyze PHOTO` (texture at 20 px/mm) or `--no-texture`. */
static skinq_status run_analysis(job *j, int texture)
{
    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    o.texture = texture;
    o.color.px_per_mm = 20;
    skinq_analysis a;
    skinq_status st = skinq_analyze_file(j->ctx, j->path, &o, &a);
    skinq_analysis_free(&a);
    return st;
}

static skinq_status run_analyze_color(void *u)
{
    return run_analysis(u, 0);
}

static skinq_status run_analyze_all(void *u)
{
    return run_analysis(u, 1);
}

static skinq_status run_cv8(void *u)
{
    job *j = u;
    return cvw_rgb2lab_u8(j->ctx, j->img->data, j->img->width, j->img->height, j->img->stride, j->lab8);
}

static skinq_status run_cvf(void *u)
{
    job *j = u;
    return cvw_rgb2lab_f32(j->ctx, j->f32, j->img->width, j->img->height, j->lab32);
}

static skinq_status run_texture(void *u)
{
    job *j = u;
    skinq_metrics m = {0};
    skinq_status st = skinq_texture_execute16(j->ctx, j->tplan, j->L16, j->mel16, j->w, j->h, (size_t)j->w, NULL, 20, &m);
    skinq_metrics_free(&m);
    return st;
}

static skinq_status run_fftw(void *u)
{
    job *j = u;
    skinq_bench_fftw_tiles(j->ctx, j->fftw, j->L, j->w, j->h, 256);
    return SKINQ_OK;
}

static skinq_status run_register(void *u)
{
    job *j = u;
    skinq_alignment r;
    return skinq_align_register(j->ctx, j->img, j->after, &j->ao, &r);
}

/* OpenCV's part of the registration alone: AKAZE + matching + RANSAC on the same planes. */
static skinq_status run_register_cv(void *u)
{
    job *j = u;
    align_plane fb, fa;
    skinq_status st = align_downscale(j->ctx, &j->lb, j->ao.feature_size, 0, &fb);
    if (st != SKINQ_OK)
        return st;
    st = align_downscale(j->ctx, &j->la, j->ao.feature_size, 0, &fa);
    cvw_plane pb = align_cv(&fb), pa = align_cv(&fa);
    cvw_matches m = {0};
    if (st == SKINQ_OK)
        st = cvw_match_features(j->ctx, &pb, &pa, j->ao.max_features, j->ao.ratio, &m);
    uint8_t *inl = st == SKINQ_OK ? calloc((size_t)m.count + 1, 1) : NULL;
    double H[9];
    if (st == SKINQ_OK)
        st = cvw_homography(j->ctx, m.b, m.a, m.count, 3.0, H, inl);
    free(inl);
    cvw_matches_free(j->ctx, &m);
    align_plane_free(j->ctx, &fb);
    align_plane_free(j->ctx, &fa);
    return st;
}

/* Time one stage on `levels` × {1, N} threads (threads_too = 0: one thread only). */
/* One stage per ISA level (all of them, or the best), on 1 thread and, with threads_too, on
 * r->threads too. The 1- and N-thread runs alternate (after a warm-up of each), so a host whose
 * speed drifts (a shared machine) shifts both alike and their ratio stays honest. */
static skinq_status stage_levels(const skinq_bench_options *o, skinq_bench_result *r, skinq_ctx *log, const char *name,
                                 job *j, skinq_status (*fn)(void *), double mpix, int all_levels, int threads_too)
{
    double t[2][SKINQ_BENCH_MAX_RUNS];
    skinq_status st = SKINQ_OK;
    const int nk = threads_too && r->threads > 1 ? 2 : 1;
    for (int l = all_levels ? 0 : r->n_levels - 1; st == SKINQ_OK && l < r->n_levels; l++) {
        skinq_ctx *c[2] = {NULL, NULL};
        for (int k = 0; k < nk; k++)
            if (!(c[k] = skinq_bench_ctx(r->levels[l], k ? r->threads : 1))) {
                skinq_ctx_close(&c[0]);
                return skinq_fail(log, SKINQ_E_NOMEM, "cannot open a bench context");
            }
        skinq_ctx *keep = j->ctx;
        skinq_bench_progress(o, name, 0, 1);
        for (int i = -1; st == SKINQ_OK && i < o->runs; i++) /* i = -1: the warm-ups */
            for (int k = 0; st == SKINQ_OK && k < nk; k++) {
                j->ctx = c[k];
                const double t0 = skinq_bench_now();
                st = fn(j);
                if (st != SKINQ_OK)
                    skinq_fail(log, st, "bench %s: %s", name, skinq_ctx_error(c[k]));
                else if (i >= 0)
                    t[k][i] = skinq_bench_now() - t0;
            }
        for (int k = 0; st == SKINQ_OK && k < nk; k++)
            st = skinq_bench_add_stage(log, r, name, lname(r->levels[l]), k ? r->threads : 1, mpix, t[k], o->runs);
        j->ctx = keep;
        skinq_ctx_close(&c[0]);
        skinq_ctx_close(&c[1]);
    }
    return st;
}

static skinq_status peer(const skinq_bench_options *o, skinq_bench_result *r, skinq_ctx *ctx, const char *name, job *j,
                         skinq_status (*fn)(void *), double mpix)
{
    double t[SKINQ_BENCH_MAX_RUNS];
    skinq_ctx *c = skinq_bench_ctx(SKINQ_ISA_ALL, 1);
    if (!c)
        return SKINQ_E_NOMEM;
    skinq_ctx *keep = j->ctx;
    j->ctx = c;
    skinq_status st = skinq_bench_time(o->runs, fn, j, t);
    if (st == SKINQ_OK)
        st = skinq_bench_add_peer(ctx, r, name, mpix, t, o->runs);
    else
        skinq_fail(ctx, st, "bench peer %s: %s", name, skinq_ctx_error(c));
    j->ctx = keep;
    skinq_ctx_close(&c);
    return st;
}

static double p50(const skinq_bench_result *r, const char *name, const char *isa, int threads)
{
    const skinq_bench_stage *s = skinq_bench_find_stage(r, name, isa, threads);
    return s ? s->p50_ms : NAN;
}

static double peer_p50(const skinq_bench_result *r, const char *name)
{
    const skinq_bench_peer *p = skinq_bench_find_peer(r, name);
    return p ? p->p50_ms : NAN;
}

/* One photo size: decode, colour, and (first size) texture and registration. */
static skinq_status one_size(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r, const char *dir,
                             int w, int h, int first)
{
    char tag[16], name[64], path[4200], png[4200];
    snprintf(tag, sizeof tag, "@%.0fMP", w * (double)h / 1e6);
    const double mp = w * (double)h / 1e6;
    const char *best = lname(r->levels[r->n_levels - 1]);
    job j;
    memset(&j, 0, sizeof j);
    j.ctx = ctx;
    skinq_image *img = NULL;
    uint8_t *jpg = NULL;
    skinq_status st = skinq_bench_photo(ctx, w, h, 0, &img);
    j.img = img;
    skinq_jpeg_options jo = {92, 1, NULL, 0};
    snprintf(path, sizeof path, "%s/photo%s.jpg", dir, tag + 1);
    snprintf(png, sizeof png, "%s/photo%s.png", dir, tag + 1);
    if (st == SKINQ_OK)
        st = skinq_jpeg_write(ctx, path, img, &jo);
    if (st == SKINQ_OK && first)
        st = skinq_png_write(ctx, png, img);
    if (st == SKINQ_OK)
        st = skinq_jpeg_encode_mem(ctx, img, 92, &jpg, &j.jpg_size);
    j.jpg = jpg;
    j.stride = (size_t)w * 3;
    if (st == SKINQ_OK && !(j.rgb = malloc(j.stride * (size_t)h)))
        st = SKINQ_E_NOMEM;
    /* decode: skinq's loader (fresh buffer each time, as an analysis has) and the bare peer */
    j.path = path;
    snprintf(name, sizeof name, "decode-jpeg%s", tag);
    if (st == SKINQ_OK)
        st = stage_levels(o, r, ctx, name, &j, run_decode, mp, 0, 0);
    snprintf(name, sizeof name, "libjpeg-turbo decode%s", tag);
    if (st == SKINQ_OK)
        st = peer(o, r, ctx, name, &j, run_decode_bare, mp);
    if (st == SKINQ_OK && first) {
        j.path = png;
        snprintf(name, sizeof name, "decode-png%s", tag);
        st = stage_levels(o, r, ctx, name, &j, run_decode, mp, 0, 0);
        j.path = path;
    }
    /* colour: the pass on a loaded image per ISA, and file → colour metrics (streamed) */
    snprintf(name, sizeof name, "color%s", tag);
    if (st == SKINQ_OK)
        st = stage_levels(o, r, ctx, name, &j, run_color, mp, 1, 1);
    snprintf(name, sizeof name, "analyze-color%s", tag);
    if (st == SKINQ_OK)
        st = stage_levels(o, r, ctx, name, &j, run_analyze_color, mp, 0, 1);
    snprintf(name, sizeof name, "analyze-all%s", tag);
    if (st == SKINQ_OK)
        st = stage_levels(o, r, ctx, name, &j, run_analyze_all, mp, 0, 1);
    j.lab8 = malloc((size_t)w * h * 3);
    j.f32 = malloc(sizeof(float) * (size_t)w * h * 3);
    j.lab32 = malloc(sizeof(float) * (size_t)w * h * 3);
    if (st == SKINQ_OK && (!j.lab8 || !j.f32 || !j.lab32))
        st = SKINQ_E_NOMEM;
    for (int y = 0; st == SKINQ_OK && y < h; y++)
        for (int x = 0; x < 3 * w; x++)
            j.f32[(size_t)y * 3 * w + x] = skinq_image_row(img, y)[x] / 255.0f;
    snprintf(name, sizeof name, "opencv cvtColor RGB2Lab 8-bit%s", tag);
    if (st == SKINQ_OK)
        st = peer(o, r, ctx, name, &j, run_cv8, mp);
    snprintf(name, sizeof name, "opencv cvtColor RGB2Lab float%s", tag);
    if (st == SKINQ_OK)
        st = peer(o, r, ctx, name, &j, run_cvf, mp);
    free(j.lab8);
    free(j.f32);
    free(j.lab32);
    if (st == SKINQ_OK) {
        char c[64], p8[64], pf[64], ac[64], dec[64];
        snprintf(c, sizeof c, "color%s", tag);
        snprintf(p8, sizeof p8, "opencv cvtColor RGB2Lab 8-bit%s", tag);
        snprintf(pf, sizeof pf, "opencv cvtColor RGB2Lab float%s", tag);
        snprintf(ac, sizeof ac, "analyze-color%s", tag);
        snprintf(dec, sizeof dec, "libjpeg-turbo decode%s", tag);
        skinq_bench_add_ratio(ctx, r, p50(r, c, "scalar", 1) / p50(r, c, "avx2", 1), "%s avx2/scalar, 1 thread", c);
        skinq_bench_add_ratio(ctx, r, p50(r, c, "scalar", 1) / p50(r, c, "sse41", 1), "%s sse41/scalar, 1 thread", c);
        skinq_bench_add_ratio(ctx, r, peer_p50(r, pf) / p50(r, c, best, 1), "%s %s vs OpenCV float, 1 thread", c, best);
        skinq_bench_add_ratio(ctx, r, peer_p50(r, p8) / p50(r, c, best, 1), "%s %s vs OpenCV 8-bit, 1 thread", c, best);
        skinq_bench_add_ratio(ctx, r, p50(r, c, best, 1) / p50(r, c, best, r->threads), "%s %d threads/1 thread", c,
                              r->threads);
        skinq_bench_add_ratio(ctx, r, p50(r, ac, best, r->threads) / peer_p50(r, dec),
                              "%s (%d threads) time / bare decode time", ac, r->threads);
        snprintf(ac, sizeof ac, "analyze-all%s", tag);
        skinq_bench_add_ratio(ctx, r, p50(r, ac, best, r->threads) / peer_p50(r, dec),
                              "%s (%d threads) time / bare decode time", ac, r->threads);
    }
    /* texture on L* of the whole photo, and the registration of a posed copy: first size only */
    if (st == SKINQ_OK && first) {
        j.w = w, j.h = h;
        /* texture runs on the 16-bit planes `skinq analyze` gives it; the FFTW peer on float L* */
        j.L = malloc(sizeof(float) * (size_t)w * h);
        j.L16 = malloc(sizeof(uint16_t) * (size_t)w * h);
        j.mel16 = malloc(sizeof(int16_t) * (size_t)w * h);
        float *planes[SKINQ_COLOR_METRIC_COUNT] = {0};
        planes[SKINQ_COLOR_L] = j.L;
        st = j.L && j.L16 && j.mel16 ? skinq_color_planes(ctx, img, NULL, planes, (size_t)w) : SKINQ_E_NOMEM;
        if (st == SKINQ_OK)
            st = skinq_color_planes16(ctx, img, NULL, j.L16, j.mel16, (size_t)w);
        static const struct {
            const char *name;
            unsigned bits;
        } parts[] = {{"texture-psd", SKINQ_TEXTURE_PSD},      {"texture-roughness", SKINQ_TEXTURE_ROUGHNESS},
                     {"texture-glcm", SKINQ_TEXTURE_GLCM},    {"texture-pores", SKINQ_TEXTURE_PORES},
                     {"texture-lines", SKINQ_TEXTURE_LINES},  {"texture-spots", SKINQ_TEXTURE_SPOTS | SKINQ_TEXTURE_TONE},
                     {"texture-all", SKINQ_TEXTURE_ALL}};
        for (size_t i = 0; st == SKINQ_OK && i < sizeof parts / sizeof parts[0]; i++) {
            skinq_texture_options to;
            skinq_texture_default_options(&to);
            to.metrics = parts[i].bits;
            st = skinq_texture_plan_new(ctx, &to, &j.tplan);
            snprintf(name, sizeof name, "%s%s", parts[i].name, tag);
            if (st == SKINQ_OK)
                st = stage_levels(o, r, ctx, name, &j, run_texture, mp, 0, 1);
            skinq_texture_plan_free(&j.tplan);
        }
        if (st == SKINQ_OK)
            st = skinq_bench_fftw_new(ctx, 512, &j.fftw);
        snprintf(name, sizeof name, "fftw r2c tiles%s", tag);
        if (st == SKINQ_OK)
            st = peer(o, r, ctx, name, &j, run_fftw, mp);
        skinq_bench_fftw_free(ctx, &j.fftw);
        free(j.L);
        free(j.L16);
        free(j.mel16);
        if (st == SKINQ_OK) {
            char tp[64], fp[64], ta[64], dec[64];
            snprintf(tp, sizeof tp, "texture-psd%s", tag);
            snprintf(fp, sizeof fp, "fftw r2c tiles%s", tag);
            snprintf(ta, sizeof ta, "texture-all%s", tag);
            snprintf(dec, sizeof dec, "libjpeg-turbo decode%s", tag);
            skinq_bench_add_ratio(ctx, r, p50(r, tp, best, 1) / peer_p50(r, fp), "%s time / bare FFTW time, 1 thread", tp);
            skinq_bench_add_ratio(ctx, r, p50(r, ta, best, r->threads) / peer_p50(r, dec),
                                  "%s (%d threads) time / bare decode time", ta, r->threads);
        }
        /* registration: the photo against a copy rotated 3°, scaled 1.03 and shifted */
        skinq_image *after = NULL;
        double c = cos(3 * 3.14159265358979 / 180) * 1.03, s = sin(3 * 3.14159265358979 / 180) * 1.03;
        double M[9] = {c, -s, 0.02 * w, s, c, -0.01 * h, 0, 0, 1};
        skinq_mask *valid = NULL;
        if (st == SKINQ_OK)
            st = skinq_align_warp(ctx, img, NULL, M, w, h, &after, &valid);
        skinq_mask_free(&valid);
        j.after = after;
        skinq_align_default_options(&j.ao);
        if (st == SKINQ_OK)
            st = align_luma(ctx, img, &j.lb);
        if (st == SKINQ_OK)
            st = align_luma(ctx, after, &j.la);
        snprintf(name, sizeof name, "registration%s", tag);
        if (st == SKINQ_OK)
            st = stage_levels(o, r, ctx, name, &j, run_register, mp, 0, 1);
        snprintf(name, sizeof name, "opencv registration%s", tag);
        if (st == SKINQ_OK)
            st = peer(o, r, ctx, name, &j, run_register_cv, mp);
        align_plane_free(ctx, &j.lb);
        align_plane_free(ctx, &j.la);
        skinq_image_free(&after);
    }
    unlink(path);
    if (first)
        unlink(png);
    free(j.rgb);
    skinq_free(ctx, jpg);
    skinq_image_free(&img);
    return st;
}

skinq_status skinq_bench_depth(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r);

skinq_status skinq_bench_generated(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    char dir[] = "/tmp/skinq-bench-XXXXXX";
    if (!mkdtemp(dir))
        return skinq_fail(ctx, SKINQ_E_IO, "cannot make a temporary folder for the bench photos");
    static const int sizes[2][2] = {{4000, 3000}, {6000, 4000}}, quick[2][2] = {{1200, 900}, {1600, 1200}};
    skinq_status st = SKINQ_OK;
    for (int i = 0; st == SKINQ_OK && i < 2; i++)
        st = one_size(ctx, o, r, dir, o->quick ? quick[i][0] : sizes[i][0], o->quick ? quick[i][1] : sizes[i][1], i == 0);
    if (st == SKINQ_OK)
        st = skinq_bench_depth(ctx, o, r);
    rmdir(dir);
    return st;
}
