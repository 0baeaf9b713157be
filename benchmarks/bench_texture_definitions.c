/* bench_texture_definitions.c -- the evidence for faster texture definitions (issue 25 part 3,
 * docs/texture-definitions.md): Welch overlap 0.5 (current) / 0.25 / 0 for the PSD and roughness,
 * GLCM anchor-row step 1 (current) / 2 / 3 / 4, judged on
 *   a. the variance of the estimate: SD over independent 12-MP (4000×3000) realizations of one
 *      stationary texture (spectral synthesis + pores + sensor noise, made here from a seed) and of
 *      the bench's camera-like photo (skinq_bench_make_set: seeds move tone, light, pores, noise),
 *      skin ellipse as the ROI;
 *   b. the texture-ladder ranking (skinq synth texture-ladder, 6 patches, 1536² so the PSD has 9–25 tiles);
 *   c. repeatability over the recapture phantom (skinq_repeat: registered, common ROI, 10 shots): a
 *      1600×1200 rectangle of skin (15 PSD tiles at overlap 0.5) and, for the GLCM, the treated
 *      region's mask (1 PSD tile: the overlaps cannot differ there);
 * and the time of each variant's stage on a 12-MP plane (1 and 2 threads, medians of 5).
 *   taskset -c 0,1 build/benchmarks/bench_texture_definitions [realizations=8] [dir=/tmp/skinq-texdefs]
 * Generated inputs (fixed seeds) are kept in dir and reused. ~5 min on 2 cores from an empty dir.
 * Prints Markdown tables. */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "skinq_tools.h"

enum { W = 4000, H = 3000, NV = 8, NM = 7, MAXR = 32, LADDER = 6, SHOTS = 10 };
#define PPM 20.0

/* The variants: 3 overlaps (PSD group), 5 row steps (GLCM group); index 0 and 3 are the current. */
typedef struct variant {
    const char *name;
    unsigned metrics;
    double overlap;
    int step;
} variant;
static const variant V[NV] = {
    {"overlap 0.5", SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS, 0.5, 0},
    {"overlap 0.25", SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS, 0.25, 0},
    {"overlap 0", SKINQ_TEXTURE_PSD | SKINQ_TEXTURE_ROUGHNESS, 0, 0},
    {"step 1", SKINQ_TEXTURE_GLCM, 0.5, 1},
    {"step 2", SKINQ_TEXTURE_GLCM, 0.5, 2},
    {"step 3", SKINQ_TEXTURE_GLCM, 0.5, 3},
    {"step 4", SKINQ_TEXTURE_GLCM, 0.5, 4},
    {"step 5", SKINQ_TEXTURE_GLCM, 0.5, 5},
};
static const char *const PSD_M[NM] = {"texture.psd.fine",    "texture.psd.medium", "texture.psd.coarse",
                                      "texture.psd.total",   "texture.psd.slope",  "texture.roughness.sa",
                                      "texture.roughness.sq"};
static const char *const GLCM_M[NM] = {
    "texture.glcm.contrast", "texture.glcm.dissimilarity", "texture.glcm.homogeneity", "texture.glcm.asm",
    "texture.glcm.energy",   "texture.glcm.correlation",   "texture.glcm.entropy"};
static const char *metric_name(int v, int m)
{
    return v < 3 ? PSD_M[m] : GLCM_M[m];
}

static void die(skinq_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_texture_definitions: %s: %s\n", what, ctx ? skinq_ctx_error(ctx) : "");
    exit(1);
}

static skinq_ctx *open_ctx(int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = threads;
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK)
        die(NULL, "ctx");
    return ctx;
}

static skinq_texture_options opts_of(int v)
{
    skinq_texture_options o;
    skinq_texture_default_options(&o);
    o.metrics = V[v].metrics;
    o.overlap = V[v].overlap;
    o.glcm_row_step = V[v].step;
    return o;
}

/* The NM metrics of variant v on a 16-bit L* plane into val[m]. */
static void measure16(skinq_ctx *ctx, int v, const uint16_t *L16, int w, int h, const skinq_mask *roi,
                      double val[NM])
{
    skinq_texture_options o = opts_of(v);
    skinq_texture_plan *p = NULL;
    skinq_metrics m = {0};
    if (skinq_texture_plan_new(ctx, &o, &p) != SKINQ_OK ||
        skinq_texture_execute16(ctx, p, L16, NULL, w, h, (size_t)w, roi, PPM, NULL, &m) != SKINQ_OK)
        die(ctx, V[v].name);
    for (int k = 0; k < NM; k++) {
        const skinq_metric *x = skinq_metrics_find(&m, metric_name(v, k));
        val[k] = x ? x->value : NAN;
    }
    skinq_metrics_free(&m);
    skinq_texture_plan_free(&p);
}

/* ---- the stationary texture: L* = 60 + power-law field (PSD ∝ f^−2.5 over 0.05–8 cycles/mm, RMS 3)
 * + pores (60/cm², Gaussian dips σ 0.06 mm, 8 L* deep) + white sensor noise (σ 0.7) ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double uni(uint64_t *s)
{
    return ((rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double gauss(uint64_t *s)
{
    return sqrt(-2 * log(uni(s))) * cos(6.283185307179586 * uni(s));
}

static void stationary(uint64_t seed, uint16_t *L16)
{
    const int wc = W / 2 + 1;
    float *f = fftwf_malloc(sizeof(float) * (size_t)W * H);
    fftwf_complex *c = fftwf_malloc(sizeof(fftwf_complex) * (size_t)wc * H);
    fftwf_plan pl = fftwf_plan_dft_c2r_2d(H, W, c, f, FFTW_ESTIMATE);
    uint64_t rs = seed * 0x2545F4914F6CDD1DULL + 1;
    const double flo = 0.05 / PPM, fhi = 8 / PPM;
    for (int ky = 0; ky < H; ky++)
        for (int kx = 0; kx < wc; kx++) {
            const double fy = (ky < H / 2 ? ky : ky - H) / (double)H, fx = kx / (double)W;
            const double fr = sqrt(fx * fx + fy * fy), a = fr >= flo && fr <= fhi ? pow(fr, -1.25) : 0;
            c[(size_t)ky * wc + kx][0] = (float)(a * gauss(&rs));
            c[(size_t)ky * wc + kx][1] = (float)(a * gauss(&rs));
        }
    fftwf_execute(pl);
    double ss = 0;
    for (size_t i = 0; i < (size_t)W * H; i++)
        ss += (double)f[i] * f[i];
    const float k = (float)(3 / sqrt(ss / ((double)W * H)));
    for (size_t i = 0; i < (size_t)W * H; i++)
        f[i] = 60 + k * f[i] + (float)(0.7 * gauss(&rs));
    const double sigma = 0.06 * PPM;
    const int n_pores = (int)(60 * (W / PPM) * (H / PPM) / 100), r = (int)ceil(4 * sigma);
    for (int p = 0; p < n_pores; p++) {
        const double px = uni(&rs) * W, py = uni(&rs) * H;
        for (int y = (int)py - r; y <= (int)py + r; y++)
            for (int x = (int)px - r; x <= (int)px + r; x++)
                if (x >= 0 && y >= 0 && x < W && y < H)
                    f[(size_t)y * W + x] -=
                        (float)(8 * exp(-((x - px) * (x - px) + (y - py) * (y - py)) / (2 * sigma * sigma)));
    }
    for (size_t i = 0; i < (size_t)W * H; i++) {
        const float v = roundf(f[i] * SKINQ_L16_SCALE);
        L16[i] = (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v);
    }
    fftwf_destroy_plan(pl);
    fftwf_free(f);
    fftwf_free(c);
}

/* ---- statistics ---- */

static double mean_of(const double *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s / n;
}
static double sd_of(const double *x, int n)
{
    const double m = mean_of(x, n);
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (n - 1));
}

/* SD(a)/SD(b) over paired samples and its jackknife standard error (leave one out). */
static void sd_ratio(const double *a, const double *b, int n, double *ratio, double *se)
{
    *ratio = sd_of(a, n) / sd_of(b, n);
    double r[MAXR], ra[MAXR], rb[MAXR];
    for (int i = 0; i < n; i++) {
        for (int j = 0, k = 0; j < n; j++)
            if (j != i)
                ra[k] = a[j], rb[k++] = b[j];
        r[i] = sd_of(ra, n - 1) / sd_of(rb, n - 1);
    }
    const double m = mean_of(r, n);
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (r[i] - m) * (r[i] - m);
    *se = sqrt((n - 1.0) / n * s);
}

/* The mean of a − b and its standard error over paired samples, both in units of `unit`. */
static void shift_of(const double *a, const double *b, int n, double unit, double *shift, double *se)
{
    double d[MAXR];
    for (int i = 0; i < n; i++)
        d[i] = a[i] - b[i];
    *shift = mean_of(d, n) / unit;
    *se = sd_of(d, n) / sqrt(n) / unit;
}

/* Spearman's rho of x against its index (no ties in continuous metrics). */
static double spearman_index(const double *x, int n)
{
    double rank[LADDER], d2 = 0;
    for (int i = 0; i < n; i++) {
        int r = 0;
        for (int j = 0; j < n; j++)
            r += x[j] < x[i];
        rank[i] = r;
        d2 += (rank[i] - i) * (rank[i] - i);
    }
    return 1 - 6 * d2 / (n * (double)(n * n - 1));
}

static int same_order(const double *a, const double *b, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if ((a[i] < a[j]) != (b[i] < b[j]))
                return 0;
    return 1;
}

/* A table's header: `lead` (ncols columns), then `per` (pcols columns) for each variant v0+1 .. v1-1. */
static void table_head(const char *lead, int ncols, const char *per, int pcols, int v0, int v1)
{
    printf("| metric | %s |", lead);
    for (int q = v0 + 1; q < v1; q++)
        printf(" %s: %s |", V[q].name, per);
    printf("\n|---|");
    for (int c = 0; c < ncols; c++)
        printf("---|");
    for (int q = v0 + 1; q < v1; q++)
        for (int c = 0; c < pcols; c++)
            printf("---|");
    printf("\n");
}

/* a. per source: realizations × variants × metrics. */
static double val_a[2][NV][NM][MAXR];

static void table_variance(const char *title, double (*v)[NM][MAXR], int n)
{
    printf("\n### a. %s: SD over %d realizations (ratio to the current ± jackknife SE; mean shift in "
           "SD(current) ± its SE)\n\n",
           title, n);
    for (int g = 0; g < 2; g++) {
        const int v0 = g ? 3 : 0, v1 = g ? NV : 3;
        table_head("mean (current) | SD (current)", 2, "SD ratio | shift", 2, v0, v1);
        for (int m = 0; m < NM; m++) {
            const double sc = sd_of(v[v0][m], n);
            printf("| %s | %.5g | %.3g |", metric_name(v0, m) + 8, mean_of(v[v0][m], n), sc);
            for (int q = v0 + 1; q < v1; q++) {
                double r, se, sh, shse;
                sd_ratio(v[q][m], v[v0][m], n, &r, &se);
                shift_of(v[q][m], v[v0][m], n, sc, &sh, &shse);
                printf(" %.2f ± %.2f | %+.2f ± %.2f |", r, se, sh, shse);
            }
            printf("\n");
        }
        printf("\n");
    }
}

static void part_a(skinq_ctx *ctx, const char *dir, int n)
{
    uint16_t *L16 = malloc(sizeof *L16 * (size_t)W * H);
    char sub[1024], path[1100];
    snprintf(sub, sizeof sub, "%s/camera", dir);
    snprintf(path, sizeof path, "%s/photo-%04d.jpg", sub, n - 1);
    struct stat st;
    if (stat(path, &st) != 0 && skinq_bench_make_set(ctx, sub, n, W, H, NULL) != SKINQ_OK)
        die(ctx, "make-set");
    skinq_mask *roi = NULL; /* the skin ellipse of lib/bench/photo.c, radius × 0.9 (no fabric) */
    if (skinq_mask_new(ctx, W, H, 0, &roi) != SKINQ_OK)
        die(ctx, "mask");
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const double ex = (x - 0.5 * W) / (0.44 * W), ey = (y - 0.48 * H) / (0.47 * H);
            roi->data[(size_t)y * roi->stride + x] = ex * ex + ey * ey <= 0.81;
        }
    for (int src = 0; src < 2; src++) /* 0: the stationary texture, whole image; 1: the photos, ellipse */
        for (int r = 0; r < n; r++) {
            if (src == 0)
                stationary((uint64_t)r + 1, L16);
            else {
                skinq_image *img = NULL;
                snprintf(path, sizeof path, "%s/photo-%04d.jpg", sub, r);
                if (skinq_image_load(ctx, path, &img, NULL) != SKINQ_OK ||
                    skinq_color_planes16(ctx, img, NULL, L16, NULL, (size_t)W) != SKINQ_OK)
                    die(ctx, path);
                skinq_image_free(&img);
            }
            for (int v = 0; v < NV; v++) {
                double val[NM];
                measure16(ctx, v, L16, W, H, src ? roi : NULL, val);
                for (int m = 0; m < NM; m++)
                    val_a[src][v][m][r] = val[m];
            }
            fprintf(stderr, "a. %s %d/%d\n", src ? "camera" : "stationary", r + 1, n);
        }
    skinq_mask_free(&roi);
    free(L16);
    table_variance("stationary texture, 4000×3000, whole image", val_a[0], n);
    table_variance("camera-like photo (skinq bench --make-set), 4000×3000, skin ellipse", val_a[1], n);
}

/* The phantom `kind` into sub unless its truth.json is there (side: 0 = the kind's size; count: 0 = default).
 */
static void synth_once(skinq_ctx *ctx, const char *sub, const char *kind, uint64_t seed, int side, int count)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/truth.json", sub);
    struct stat st;
    if (stat(path, &st) == 0)
        return;
    skinq_synth_options so;
    skinq_synth_default_options(&so);
    so.kind = kind;
    so.seed = seed;
    so.width = so.height = side;
    so.count = count;
    if (skinq_synth(ctx, &so, sub) != SKINQ_OK)
        die(ctx, kind);
}

/* b. the texture ladder, two seeds. */
static void part_b(skinq_ctx *ctx, const char *dir)
{
    static const uint64_t seeds[2] = {7, 8};
    double val[2][NV][NM][LADDER];
    for (int s = 0; s < 2; s++) {
        char sub[1024], path[1100];
        snprintf(sub, sizeof sub, "%s/ladder-%d", dir, (int)seeds[s]);
        synth_once(ctx, sub, "texture-ladder", seeds[s], 1536, 0);
        for (int k = 0; k < LADDER; k++) {
            skinq_image *img = NULL;
            snprintf(path, sizeof path, "%s/patch_%d.png", sub, k);
            if (skinq_image_load(ctx, path, &img, NULL) != SKINQ_OK)
                die(ctx, path);
            const int w = img->width, h = img->height;
            uint16_t *L16 = malloc(sizeof *L16 * (size_t)w * h);
            if (skinq_color_planes16(ctx, img, NULL, L16, NULL, (size_t)w) != SKINQ_OK)
                die(ctx, path);
            for (int v = 0; v < NV; v++) {
                double x[NM];
                measure16(ctx, v, L16, w, h, NULL, x);
                for (int m = 0; m < NM; m++)
                    val[s][v][m][k] = x[m];
            }
            free(L16);
            skinq_image_free(&img);
        }
        fprintf(stderr, "b. ladder seed %d\n", (int)seeds[s]);
    }
    printf("\n### b. texture ladder (6 patches of 1536², seeds 7 and 8): Spearman rho against the patch "
           "index; = : the same order of the 6 patches as the current definition\n\n");
    for (int g = 0; g < 2; g++) {
        const int v0 = g ? 3 : 0, v1 = g ? NV : 3;
        printf("| metric |");
        for (int q = v0; q < v1; q++)
            printf(" %s |", V[q].name);
        printf("\n|---|");
        for (int q = v0; q < v1; q++)
            printf("---|");
        printf("\n");
        for (int m = 0; m < NM; m++) {
            printf("| %s |", metric_name(v0, m) + 8);
            for (int q = v0; q < v1; q++) {
                printf(" ");
                for (int s = 0; s < 2; s++)
                    printf("%s%+.2f%s", s ? " / " : "", spearman_index(val[s][q][m], LADDER),
                           q == v0                                           ? ""
                           : same_order(val[s][q][m], val[s][v0][m], LADDER) ? " ="
                                                                             : " ≠");
                printf(" |");
            }
            printf("\n");
        }
        printf("\n");
    }
}

/* c. the recapture phantom through skinq_repeat (registered onto the first shot, common ROI):
 * variants g0..g1-1 with the ROI `mask` (NULL: the rectangle `rect`). */
static void part_c_roi(skinq_ctx *ctx, const char *const *paths, const skinq_mask *mask, skinq_rect rect,
                       int g0, int g1, const char *title)
{
    static double val[NV][NM][SHOTS];
    int tiles[NV][2] = {{0}}; /* the PSD's tile count over the shots: min, max */
    for (int v = g0 ? 3 : 0; v < (g1 ? NV : 3); v++) {
        skinq_analysis_options ao;
        skinq_analysis_default_options(&ao);
        ao.roi.kind = mask ? SKINQ_ROI_MASK : SKINQ_ROI_RECT;
        ao.roi.mask = mask;
        ao.roi.rect = rect;
        ao.px_per_mm = PPM;
        ao.texture_options = opts_of(v);
        skinq_compare_options co;
        skinq_compare_default_options(&co);
        co.analysis = &ao;
        skinq_repeat_result *r = NULL;
        if (skinq_repeat(ctx, paths, SHOTS, &co, &r) != SKINQ_OK)
            die(ctx, "repeat");
        for (int m = 0; m < NM; m++)
            for (int i = 0; i < SHOTS; i++) {
                const skinq_metric *x = skinq_metrics_find(&r->analyses[i]->metrics, metric_name(v, m));
                val[v][m][i] = x ? x->value : NAN;
            }
        for (int i = 0; i < SHOTS; i++) {
            const skinq_metric *x = skinq_metrics_find(&r->analyses[i]->metrics, "texture.psd.tiles");
            const int t = x ? (int)x->value : 0;
            tiles[v][0] = i == 0 || t < tiles[v][0] ? t : tiles[v][0];
            tiles[v][1] = t > tiles[v][1] ? t : tiles[v][1];
        }
        skinq_repeat_free(&r);
        fprintf(stderr, "c. recapture, %s: %s\n", title, V[v].name);
    }
    printf("\n### c. repeatability: recapture phantom (2000×1500, %d shots, registered by skinq_repeat, "
           "20 px/mm), %s: CV %% (SD ratio to the current ± jackknife SE; mean shift in units of the "
           "current's repeatability SD ± its SE)\n\n",
           SHOTS, title);
    if (g0 == 0)
        printf("PSD tiles over the shots (min–max): %s %d–%d, %s %d–%d, %s %d–%d\n\n", V[0].name, tiles[0][0],
               tiles[0][1], V[1].name, tiles[1][0], tiles[1][1], V[2].name, tiles[2][0], tiles[2][1]);
    for (int g = g0; g <= g1; g++) {
        const int v0 = g ? 3 : 0, v1 = g ? NV : 3;
        table_head("mean | SD | CV %", 3, "CV % | SD ratio | shift", 3, v0, v1);
        for (int m = 0; m < NM; m++) {
            const double mc = mean_of(val[v0][m], SHOTS), sc = sd_of(val[v0][m], SHOTS);
            printf("| %s | %.5g | %.3g | %.2f |", metric_name(v0, m) + 8, mc, sc, 100 * sc / fabs(mc));
            for (int q = v0 + 1; q < v1; q++) {
                double r, se, sh, shse;
                const double mq = mean_of(val[q][m], SHOTS), sq = sd_of(val[q][m], SHOTS);
                sd_ratio(val[q][m], val[v0][m], SHOTS, &r, &se);
                shift_of(val[q][m], val[v0][m], SHOTS, sc, &sh, &shse);
                printf(" %.2f | %.2f ± %.2f | %+.2f ± %.2f |", 100 * sq / fabs(mq), r, se, sh, shse);
            }
            printf("\n");
        }
        printf("\n");
    }
}

static void part_c(skinq_ctx *ctx, const char *dir)
{
    char sub[1024], path[1100];
    snprintf(sub, sizeof sub, "%s/recapture", dir);
    synth_once(ctx, sub, "recapture", 3, 0, SHOTS);
    skinq_mask *mask = NULL;
    snprintf(path, sizeof path, "%s/mask.png", sub);
    if (skinq_mask_load(ctx, path, &mask) != SKINQ_OK)
        die(ctx, path);
    char files[SHOTS][1100];
    const char *paths[SHOTS];
    for (int i = 0; i < SHOTS; i++) {
        snprintf(files[i], sizeof files[i], "%s/shot%02d.jpg", sub, i + 1);
        paths[i] = files[i];
    }
    /* skin below the white patch (top right) and inside every shot's frame */
    part_c_roi(ctx, paths, NULL, (skinq_rect){100, 250, 1600, 1200}, 0, 1,
               "ROI the rectangle 1600×1200 at (100, 250)");
    part_c_roi(ctx, paths, mask, (skinq_rect){0, 0, 0, 0}, 1, 1, "ROI the treated region's mask (719×659)");
    skinq_mask_free(&mask);
}

/* Time of each variant's stage on the stationary 12-MP plane (whole image), 1 and 2 threads. */
typedef struct tjob {
    skinq_ctx *ctx;
    skinq_texture_plan *p;
    const uint16_t *L16;
} tjob;

static void run_stage(void *u)
{
    tjob *j = u;
    skinq_metrics m = {0};
    if (skinq_texture_execute16(j->ctx, j->p, j->L16, NULL, W, H, (size_t)W, NULL, PPM, NULL, &m) != SKINQ_OK)
        die(j->ctx, "timing");
    skinq_metrics_free(&m);
}

static void part_time(void)
{
    uint16_t *L16 = malloc(sizeof *L16 * (size_t)W * H);
    stationary(1, L16);
    double ms[2][NV];
    for (int t = 0; t < 2; t++) {
        skinq_ctx *ctx = open_ctx(t + 1);
        for (int v = 0; v < NV; v++) {
            skinq_texture_options o = opts_of(v);
            tjob j = {ctx, NULL, L16};
            if (skinq_texture_plan_new(ctx, &o, &j.p) != SKINQ_OK)
                die(ctx, "plan");
            ms[t][v] = 1e3 * bench_median(5, run_stage, &j);
            skinq_texture_plan_free(&j.p);
        }
        skinq_ctx_close(&ctx);
    }
    free(L16);
    printf("\n### time of the stage, 4000×3000 16-bit L*, whole image (%s; medians of 5, ms; indicative: "
           "shared host)\n\n| variant | stage | 1 thread | 2 threads |\n|---|---|---|---|\n",
           skinq_cpu_name());
    for (int v = 0; v < NV; v++)
        printf("| %s | %s | %.1f | %.1f |\n", V[v].name, v < 3 ? "psd + roughness" : "glcm", ms[0][v],
               ms[1][v]);
}

int main(int argc, char **argv)
{
    const int n = argc > 1 ? atoi(argv[1]) : 8;
    const char *dir = argc > 2 ? argv[2] : "/tmp/skinq-texdefs";
    const char *only = argc > 3 ? argv[3] : "abct";
    if (n < 3 || n > MAXR) {
        fprintf(stderr, "usage: bench_texture_definitions [realizations 3..%d] [dir] [parts: abct]\n", MAXR);
        return 2;
    }
    mkdir(dir, 0777);
    skinq_ctx *ctx = open_ctx(0);
    printf("## texture definitions: %s, skinq %s\n", skinq_cpu_name(), skinq_version());
    if (strchr(only, 'a'))
        part_a(ctx, dir, n);
    if (strchr(only, 'b'))
        part_b(ctx, dir);
    if (strchr(only, 'c'))
        part_c(ctx, dir);
    skinq_ctx_close(&ctx);
    if (strchr(only, 't'))
        part_time();
    return 0;
}
