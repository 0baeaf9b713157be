/* stages.c -- `skinq bench` on generated photos: a skin-like 12- and 24-MP photo as a camera
 * takes it (photo.c: Bayer mosaic, sensor noise, demosaicing; JPEG q92 and PNG), each stage per ISA level and
 * thread count beside its peer. Texture and registration run at the first size, depth on 8 light images of 4
 * MP. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "align/align.h"
#include "align/cvwrap.h"
#include "bench/bench_int.h"

/* ---- stage bodies ---- */

typedef struct job {
    skinq_ctx *ctx;
    const char *path;
    const skinq_image *img;
    const uint8_t *jpg;
    size_t jpg_size;
    uint8_t *rgb; /* decode target (peer) */
    size_t stride;
    float *f32, *lab32; /* OpenCV float peer */
    uint8_t *lab8;
    float *L;      /* float L* (FFTW peer) */
    uint16_t *L16; /* texture planes */
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
    skinq_status st = skinq_color_analyze(j->ctx, j->img, NULL, NULL, NULL, &m, NULL);
    skinq_metrics_free(&m);
    return st;
}

/* File → metrics as `skinq analyze PHOTO` (texture at 20 px/mm) or `--no-texture`. */
static skinq_status run_analysis(job *j, int texture)
{
    skinq_analysis_options o;
    skinq_analysis_default_options(&o);
    o.texture = texture;
    o.px_per_mm = 20;
    skinq_analysis *a = NULL;
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
    skinq_status st = skinq_texture_execute16(j->ctx, j->tplan, j->L16, j->mel16, j->w, j->h, (size_t)j->w,
                                              NULL, 20, NULL, &m);
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
    uint8_t *inl = st == SKINQ_OK ? skinq_calloc(j->ctx, (size_t)m.count + 1, 1) : NULL;
    if (st == SKINQ_OK && !inl)
        st = SKINQ_E_NOMEM;
    double H[9];
    if (st == SKINQ_OK)
        st = cvw_homography(j->ctx, m.b, m.a, m.count, 3.0, H, inl);
    skinq_free(j->ctx, inl);
    cvw_matches_free(j->ctx, &m);
    align_plane_free(j->ctx, &fb);
    align_plane_free(j->ctx, &fa);
    return st;
}

/* ---- one photo size: its state and its phases ---- */

/* What the phases of one photo size share: the run, the photo (as a file and in memory) and
 * the stage job. Everything allocated is freed by size_free(). */
typedef struct size_run {
    skinq_ctx *ctx; /* the caller's: messages, and the allocator of the buffers */
    const skinq_bench_options *o;
    skinq_bench_result *r;
    int w, h, first; /* first: the size texture, registration and PNG decoding run at */
    double mp;
    char tag[16];     /* "@12MP" */
    const char *best; /* the highest ISA level run */
    char path[4200], png[4200];
    skinq_image *img;
    uint8_t *jpg;
    job j;
} size_run;

/* base + the size's tag into buf (64 bytes). */
static const char *tagged(const size_run *s, const char *base, char *buf)
{
    snprintf(buf, 64, "%s%s", base, s->tag);
    return buf;
}

/* One stage per ISA level (all of them, or the best), on 1 thread and, with threads_too, on
 * r->threads too. The 1- and N-thread runs alternate (after a warm-up of each), so a host whose
 * speed drifts (a shared machine) shifts both alike and their ratio stays honest. */
static skinq_status stage(size_run *s, const char *base, skinq_status (*fn)(void *), int all_levels,
                          int threads_too)
{
    const skinq_bench_options *o = s->o;
    skinq_bench_result *r = s->r;
    job *j = &s->j;
    char name[64];
    tagged(s, base, name);
    double t[2][SKINQ_BENCH_MAX_RUNS];
    skinq_status st = SKINQ_OK;
    const int nk = threads_too && r->threads > 1 ? 2 : 1;
    for (int l = all_levels ? 0 : r->n_levels - 1; st == SKINQ_OK && l < r->n_levels; l++) {
        skinq_ctx *c[2] = {NULL, NULL};
        for (int k = 0; k < nk; k++)
            if (!(c[k] = skinq_bench_ctx(s->ctx, r->levels[l], k ? r->threads : 1))) {
                skinq_ctx_close(&c[0]);
                return skinq_fail(s->ctx, SKINQ_E_NOMEM, "cannot open a bench context");
            }
        skinq_ctx *keep = j->ctx;
        skinq_bench_progress(o, name, 0, 1);
        for (int i = -1; st == SKINQ_OK && i < o->runs; i++) /* i = -1: the warm-ups */
            for (int k = 0; st == SKINQ_OK && k < nk; k++) {
                j->ctx = c[k];
                const double t0 = skinq_bench_now();
                st = fn(j);
                if (st != SKINQ_OK)
                    skinq_fail(s->ctx, st, "bench %s: %s", name, skinq_ctx_error(c[k]));
                else if (i >= 0)
                    t[k][i] = skinq_bench_now() - t0;
            }
        for (int k = 0; st == SKINQ_OK && k < nk; k++)
            st = skinq_bench_add_stage(s->ctx, r, name, skinq_isa_name(r->levels[l]), k ? r->threads : 1,
                                       s->mp, t[k], o->runs);
        j->ctx = keep;
        skinq_ctx_close(&c[0]);
        skinq_ctx_close(&c[1]);
    }
    return st;
}

/* A peer on one thread, every ISA allowed. */
static skinq_status peer(size_run *s, const char *base, skinq_status (*fn)(void *))
{
    char name[64];
    tagged(s, base, name);
    double t[SKINQ_BENCH_MAX_RUNS];
    skinq_ctx *c = skinq_bench_ctx(s->ctx, SKINQ_ISA_ALL, 1);
    if (!c)
        return skinq_fail(s->ctx, SKINQ_E_NOMEM, "cannot open a bench context");
    skinq_ctx *keep = s->j.ctx;
    s->j.ctx = c;
    skinq_status st = skinq_bench_time(s->o->runs, fn, &s->j, t);
    if (st == SKINQ_OK)
        st = skinq_bench_add_peer(s->ctx, s->r, name, s->mp, t, s->o->runs);
    else
        skinq_fail(s->ctx, st, "bench peer %s: %s", name, skinq_ctx_error(c));
    s->j.ctx = keep;
    skinq_ctx_close(&c);
    return st;
}

static double p50(const size_run *s, const char *base, const char *isa, int threads)
{
    char name[64];
    const skinq_bench_stage *x = skinq_bench_find_stage(s->r, tagged(s, base, name), isa, threads);
    return x ? x->p50_ms : NAN;
}

static double peer_p50(const size_run *s, const char *base)
{
    char name[64];
    const skinq_bench_peer *p = skinq_bench_find_peer(s->r, tagged(s, base, name));
    return p ? p->p50_ms : NAN;
}

/* The photo: generated, written as JPEG q92 and decoded again, so that every stage works on the
 * pixels an analysis of the file sees (the render before JPEG has more colours than the file:
 * JPEG smooths the sensor noise); written as PNG at the first size; its JPEG bytes read back for
 * the bare decoder, and that decoder's reused output buffer. */
static skinq_status size_photo(size_run *s, const char *dir)
{
    snprintf(s->path, sizeof s->path, "%s/photo%s.jpg", dir, s->tag + 1);
    snprintf(s->png, sizeof s->png, "%s/photo%s.png", dir, s->tag + 1);
    skinq_image *render = NULL;
    skinq_status st = skinq_bench_photo(s->ctx, s->w, s->h, 0, &render);
    skinq_jpeg_options jo;
    skinq_jpeg_default_options(&jo);
    jo.quality = 92;
    if (st == SKINQ_OK)
        st = skinq_jpeg_write(s->ctx, s->path, render, &jo);
    skinq_image_free(&render);
    if (st == SKINQ_OK)
        st = skinq_image_load(s->ctx, s->path, &s->img, NULL);
    if (st == SKINQ_OK && s->first)
        st = skinq_png_write(s->ctx, s->png, s->img);
    if (st == SKINQ_OK)
        st = skinq_bench_read_file(s->ctx, s->path, &s->jpg, &s->j.jpg_size);
    s->j.ctx = s->ctx;
    s->j.img = s->img;
    s->j.jpg = s->jpg;
    s->j.path = s->path;
    s->j.stride = (size_t)s->w * 3;
    if (st == SKINQ_OK && !(s->j.rgb = skinq_malloc(s->ctx, s->j.stride * (size_t)s->h)))
        st = SKINQ_E_NOMEM;
    return st;
}

static void size_free(size_run *s)
{
    unlink(s->path);
    if (s->first)
        unlink(s->png);
    skinq_free(s->ctx, s->j.rgb);
    skinq_free(s->ctx, s->jpg);
    skinq_image_free(&s->img);
}

/* Decoding: skinq's loader (a fresh buffer each time, as an analysis has) beside the bare peer. */
static skinq_status size_decode(size_run *s)
{
    skinq_status st = stage(s, "decode-jpeg", run_decode, 0, 0);
    if (st == SKINQ_OK)
        st = peer(s, "libjpeg-turbo decode", run_decode_bare);
    if (st == SKINQ_OK && s->first) {
        s->j.path = s->png;
        st = stage(s, "decode-png", run_decode, 0, 0);
        s->j.path = s->path;
    }
    return st;
}

/* Colour: the pass on a loaded image per ISA, file → colour metrics (streamed), the whole analysis. */
static skinq_status size_color(size_run *s)
{
    skinq_status st = stage(s, "color", run_color, 1, 1);
    if (st == SKINQ_OK)
        st = stage(s, "analyze-color", run_analyze_color, 0, 1);
    if (st == SKINQ_OK)
        st = stage(s, "analyze-all", run_analyze_all, 0, 1);
    return st;
}

/* OpenCV's cvtColor RGB → Lab on the same photo, 8-bit and float. */
static skinq_status size_color_peers(size_run *s)
{
    const size_t n = (size_t)s->w * s->h * 3;
    job *j = &s->j;
    j->lab8 = skinq_malloc(s->ctx, n);
    j->f32 = skinq_malloc(s->ctx, sizeof(float) * n);
    j->lab32 = skinq_malloc(s->ctx, sizeof(float) * n);
    skinq_status st = j->lab8 && j->f32 && j->lab32 ? SKINQ_OK : SKINQ_E_NOMEM;
    for (int y = 0; st == SKINQ_OK && y < s->h; y++)
        for (int x = 0; x < 3 * s->w; x++)
            j->f32[(size_t)y * 3 * s->w + x] = skinq_image_row(s->img, y)[x] / 255.0f;
    if (st == SKINQ_OK)
        st = peer(s, "opencv cvtColor RGB2Lab 8-bit", run_cv8);
    if (st == SKINQ_OK)
        st = peer(s, "opencv cvtColor RGB2Lab float", run_cvf);
    skinq_free(s->ctx, j->lab8);
    skinq_free(s->ctx, j->f32);
    skinq_free(s->ctx, j->lab32);
    j->lab8 = NULL, j->f32 = j->lab32 = NULL;
    return st;
}

static void size_color_ratios(size_run *s)
{
    skinq_ctx *ctx = s->ctx;
    skinq_bench_result *r = s->r;
    const char *best = s->best;
    const double dec = peer_p50(s, "libjpeg-turbo decode");
    char c[64], ac[64], aa[64];
    tagged(s, "color", c);
    tagged(s, "analyze-color", ac);
    tagged(s, "analyze-all", aa);
    skinq_bench_add_ratio(ctx, r, p50(s, "color", "scalar", 1) / p50(s, "color", "avx2", 1),
                          "%s avx2/scalar, 1 thread", c);
    skinq_bench_add_ratio(ctx, r, p50(s, "color", "scalar", 1) / p50(s, "color", "sse41", 1),
                          "%s sse41/scalar, 1 thread", c);
    skinq_bench_add_ratio(ctx, r, peer_p50(s, "opencv cvtColor RGB2Lab float") / p50(s, "color", best, 1),
                          "%s %s vs OpenCV float, 1 thread", c, best);
    skinq_bench_add_ratio(ctx, r, peer_p50(s, "opencv cvtColor RGB2Lab 8-bit") / p50(s, "color", best, 1),
                          "%s %s vs OpenCV 8-bit, 1 thread", c, best);
    skinq_bench_add_ratio(ctx, r, p50(s, "color", best, 1) / p50(s, "color", best, r->threads),
                          "%s %d threads/1 thread", c, r->threads);
    skinq_bench_add_ratio(ctx, r, p50(s, "analyze-color", best, r->threads) / dec,
                          "%s (%d threads) time / bare decode time", ac, r->threads);
    skinq_bench_add_ratio(ctx, r, p50(s, "analyze-all", best, r->threads) / dec,
                          "%s (%d threads) time / bare decode time", aa, r->threads);
}

/* The photo's colours and its analyses' cost beside its decode (r->photos). */
static skinq_status size_photo_stat(size_run *s)
{
    skinq_bench_photo_stat p = {.mpix = s->mp, .threads = s->r->threads};
    skinq_status st = skinq_bench_photo_colors(s->ctx, s->path, 0, &p);
    snprintf(p.name, sizeof p.name, "generated%s", s->tag);
    p.decode_ms = peer_p50(s, "libjpeg-turbo decode");
    snprintf(p.decoder, sizeof p.decoder, "libjpeg-turbo bare");
    p.color_ms = p50(s, "analyze-color", s->best, s->r->threads);
    p.all_ms = p50(s, "analyze-all", s->best, s->r->threads);
    return st == SKINQ_OK ? skinq_bench_add_photo(s->ctx, s->r, &p) : st;
}

/* Texture on the 16-bit planes `skinq analyze` gives it, each metric alone and all together,
 * beside bare FFTW on float L*. */
static skinq_status size_texture(size_run *s)
{
    static const struct {
        const char *name;
        unsigned bits;
    } parts[] = {
        {"texture-psd", SKINQ_TEXTURE_PSD},     {"texture-roughness", SKINQ_TEXTURE_ROUGHNESS},
        {"texture-glcm", SKINQ_TEXTURE_GLCM},   {"texture-pores", SKINQ_TEXTURE_PORES},
        {"texture-lines", SKINQ_TEXTURE_LINES}, {"texture-spots", SKINQ_TEXTURE_SPOTS | SKINQ_TEXTURE_TONE},
        {"texture-all", SKINQ_TEXTURE_ALL}};
    skinq_ctx *ctx = s->ctx;
    job *j = &s->j;
    const size_t n = (size_t)s->w * s->h;
    j->w = s->w, j->h = s->h;
    j->L = skinq_malloc(ctx, sizeof(float) * n);
    j->L16 = skinq_malloc(ctx, sizeof(uint16_t) * n);
    j->mel16 = skinq_malloc(ctx, sizeof(int16_t) * n);
    float *planes[SKINQ_COLOR_METRIC_COUNT] = {0};
    planes[SKINQ_COLOR_L] = j->L;
    skinq_status st = j->L && j->L16 && j->mel16 ? skinq_color_planes(ctx, s->img, NULL, planes, (size_t)s->w)
                                                 : SKINQ_E_NOMEM;
    if (st == SKINQ_OK)
        st = skinq_color_planes16(ctx, s->img, NULL, j->L16, j->mel16, (size_t)s->w);
    for (size_t i = 0; st == SKINQ_OK && i < sizeof parts / sizeof parts[0]; i++) {
        skinq_texture_options to;
        skinq_texture_default_options(&to);
        to.metrics = parts[i].bits;
        st = skinq_texture_plan_new(ctx, &to, &j->tplan);
        if (st == SKINQ_OK)
            st = stage(s, parts[i].name, run_texture, 0, 1);
        skinq_texture_plan_free(&j->tplan);
    }
    if (st == SKINQ_OK)
        st = skinq_bench_fftw_new(ctx, 512, &j->fftw);
    if (st == SKINQ_OK)
        st = peer(s, "fftw r2c tiles", run_fftw);
    skinq_bench_fftw_free(ctx, &j->fftw);
    skinq_free(ctx, j->L);
    skinq_free(ctx, j->L16);
    skinq_free(ctx, j->mel16);
    j->L = NULL, j->L16 = NULL, j->mel16 = NULL;
    if (st == SKINQ_OK) {
        char tp[64], ta[64];
        tagged(s, "texture-psd", tp);
        tagged(s, "texture-all", ta);
        skinq_bench_add_ratio(ctx, s->r, p50(s, "texture-psd", s->best, 1) / peer_p50(s, "fftw r2c tiles"),
                              "%s time / bare FFTW time, 1 thread", tp);
        skinq_bench_add_ratio(
            ctx, s->r, p50(s, "texture-all", s->best, s->r->threads) / peer_p50(s, "libjpeg-turbo decode"),
            "%s (%d threads) time / bare decode time", ta, s->r->threads);
    }
    return st;
}

/* Registration of the photo against a copy rotated 3°, scaled 1.03 and shifted, beside
 * OpenCV's part of it alone. */
static skinq_status size_registration(size_run *s)
{
    skinq_ctx *ctx = s->ctx;
    job *j = &s->j;
    skinq_image *after = NULL;
    skinq_mask *valid = NULL;
    const double c = cos(3 * 3.14159265358979 / 180) * 1.03, sn = sin(3 * 3.14159265358979 / 180) * 1.03;
    const double M[9] = {c, -sn, 0.02 * s->w, sn, c, -0.01 * s->h, 0, 0, 1};
    skinq_status st = skinq_align_warp(ctx, s->img, NULL, M, s->w, s->h, &after, &valid);
    skinq_mask_free(&valid);
    j->after = after;
    skinq_align_default_options(&j->ao);
    if (st == SKINQ_OK)
        st = align_luma(ctx, s->img, &j->lb);
    if (st == SKINQ_OK)
        st = align_luma(ctx, after, &j->la);
    if (st == SKINQ_OK)
        st = stage(s, "registration", run_register, 0, 1);
    if (st == SKINQ_OK)
        st = peer(s, "opencv registration", run_register_cv);
    align_plane_free(ctx, &j->lb);
    align_plane_free(ctx, &j->la);
    skinq_image_free(&after);
    j->after = NULL;
    return st;
}

/* One photo size: decode and colour; at the first size texture and registration too. */
static skinq_status one_size(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r,
                             const char *dir, int w, int h, int first)
{
    size_run s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx, s.o = o, s.r = r;
    s.w = w, s.h = h, s.first = first;
    s.mp = w * (double)h / 1e6;
    snprintf(s.tag, sizeof s.tag, "@%.0fMP", s.mp);
    s.best = skinq_isa_name(r->levels[r->n_levels - 1]);
    skinq_status st = size_photo(&s, dir);
    if (st == SKINQ_OK)
        st = size_decode(&s);
    if (st == SKINQ_OK)
        st = size_color(&s);
    if (st == SKINQ_OK)
        st = size_color_peers(&s);
    if (st == SKINQ_OK)
        size_color_ratios(&s);
    if (st == SKINQ_OK)
        st = size_photo_stat(&s);
    if (st == SKINQ_OK && first)
        st = size_texture(&s);
    if (st == SKINQ_OK && first)
        st = size_registration(&s);
    size_free(&s);
    return st;
}

skinq_status skinq_bench_generated(skinq_ctx *ctx, const skinq_bench_options *o, skinq_bench_result *r)
{
    char dir[] = "/tmp/skinq-bench-XXXXXX";
    if (!mkdtemp(dir))
        return skinq_fail(ctx, SKINQ_E_IO, "cannot make a temporary folder for the bench photos");
    static const int sizes[2][2] = {{4000, 3000}, {6000, 4000}}, quick[2][2] = {{1200, 900}, {1600, 1200}};
    skinq_status st = SKINQ_OK;
    for (int i = 0; st == SKINQ_OK && i < 2; i++)
        st = one_size(ctx, o, r, dir, o->quick ? quick[i][0] : sizes[i][0],
                      o->quick ? quick[i][1] : sizes[i][1], i == 0);
    if (st == SKINQ_OK)
        st = skinq_bench_depth(ctx, o, r);
    if (st == SKINQ_OK && o->real)
        st = skinq_bench_real(ctx, o, r);
    rmdir(dir);
    return st;
}
