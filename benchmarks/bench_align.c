/* bench_align.c -- registration time for a 12-MP pair of the healing series (day 0 and day 7,
 * 4000×3000): skinq_align_register() end to end, beside the bare OpenCV work it wraps (the same
 * resizes, AKAZE + matching, RANSAC and ECC levels through cvwrap, without skinq's luma, masks,
 * checks and overlap). Run pinned: taskset -c 1 build/benchmarks/bench_align [DIR] [RUNS] */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "align/align.h"
#include "bench_util.h"

typedef struct job {
    skinq_ctx *ctx;
    const skinq_image *b, *a;
    align_plane lb, la;
    skinq_align_options o;
    skinq_alignment r;
    int fail;
} job;

static void run_skinq(void *user)
{
    job *j = user;
    j->fail |= skinq_align_register(j->ctx, j->b, j->a, &j->o, &j->r) != SKINQ_OK;
}

/* The OpenCV calls only: the resizes, AKAZE + ratio test, RANSAC, and ECC at the same level with
 * the same iteration cap (no outlier mask), from lumas computed beforehand. */
static void run_opencv(void *user)
{
    job *j = user;
    skinq_ctx *ctx = j->ctx;
    align_plane fb, fa;
    align_downscale(ctx, &j->lb, j->o.feature_size, 0, &fb);
    align_downscale(ctx, &j->la, j->o.feature_size, 0, &fa);
    cvw_plane pb = align_cv(&fb), pa = align_cv(&fa);
    cvw_matches m;
    double H[9], W[9];
    j->fail |= cvw_match_features(ctx, &pb, &pa, j->o.max_features, j->o.ratio, &m) != SKINQ_OK;
    uint8_t *inl = calloc((size_t)m.count + 1, 1);
    j->fail |= cvw_homography(ctx, m.b, m.a, m.count, 3.0, H, inl) != SKINQ_OK;
    skinq_mat3_inv(H, W);
    if (j->o.ecc_size > j->o.feature_size) { /* skinq's one ECC level, from the features' fit */
        align_plane eb, ea;
        align_downscale(ctx, &j->lb, j->o.ecc_size, 0, &eb);
        align_downscale(ctx, &j->la, j->o.ecc_size, 0, &ea);
        double s = (double)eb.width / fb.width;
        W[2] *= s, W[5] *= s, W[6] /= s, W[7] /= s; /* same-factor rescale of a homography */
        cvw_plane qb = align_cv(&eb), qa = align_cv(&ea);
        j->fail |= cvw_ecc(ctx, &qb, &qa, NULL, W, 12, 1e-6, NULL) != SKINQ_OK;
        align_plane_free(ctx, &eb);
        align_plane_free(ctx, &ea);
    } else if (j->o.ecc_size >= 0) {
        j->fail |= cvw_ecc(ctx, &pb, &pa, NULL, W, 30, 1e-6, NULL) != SKINQ_OK;
    }
    free(inl);
    cvw_matches_free(ctx, &m);
    align_plane_free(ctx, &fb);
    align_plane_free(ctx, &fa);
}

/* The true after → before matrix of day 7 from truth.json (zeros if unreadable). */
static void read_truth(const char *dir, double T[9])
{
    char path[4200];
    snprintf(path, sizeof path, "%s/truth.json", dir);
    FILE *f = fopen(path, "rb");
    static char buf[1 << 16];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    cJSON *doc = cJSON_Parse(buf), *im;
    cJSON_ArrayForEach (im, cJSON_GetObjectItem(doc, "images")) {
        if (cJSON_GetObjectItem(im, "day")->valueint == 7)
            for (int i = 0; i < 9; i++)
                T[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(im, "transform"), i)->valuedouble;
    }
    cJSON_Delete(doc);
}

/* Largest |H·p − T·p| over a 9×9 grid of after's frame (full-resolution pixels). */
static double max_error(const double H[9], const double T[9], int w, int h)
{
    double e = 0;
    for (int j = 0; j < 9; j++)
        for (int i = 0; i < 9; i++) {
            double x = (i + 0.5) * w / 9, y = (j + 0.5) * h / 9, x1, y1, x2, y2;
            skinq_mat3_apply(H, x, y, &x1, &y1);
            skinq_mat3_apply(T, x, y, &x2, &y2);
            e = e > hypot(x1 - x2, y1 - y2) ? e : hypot(x1 - x2, y1 - y2);
        }
    return e;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/skinq-bench-align";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK)
        return 1;
    char p0[4200], p1[4200];
    snprintf(p0, sizeof p0, "%s/day00.jpg", dir);
    snprintf(p1, sizeof p1, "%s/day07.jpg", dir);
    struct stat st;
    if (stat(p1, &st) != 0) { /* generate once: 9 photos of 12 MP take a while */
        skinq_synth_options so;
        skinq_synth_default_options(&so);
        so.kind = "healing-series";
        so.width = 4000, so.height = 3000;
        fprintf(stderr, "generating a 4000x3000 healing series in %s ...\n", dir);
        if (skinq_synth(ctx, &so, dir) != SKINQ_OK) {
            fprintf(stderr, "%s\n", skinq_ctx_error(ctx));
            return 1;
        }
    }
    skinq_image *b = NULL, *a = NULL;
    if (skinq_image_load(ctx, p0, &b, NULL) != SKINQ_OK || skinq_image_load(ctx, p1, &a, NULL) != SKINQ_OK) {
        fprintf(stderr, "%s\n", skinq_ctx_error(ctx));
        return 1;
    }
    job j;
    memset(&j, 0, sizeof j);
    j.ctx = ctx, j.b = b, j.a = a;
    skinq_align_default_options(&j.o);
    align_luma(ctx, b, &j.lb);
    align_luma(ctx, a, &j.la);
    double T[9] = {0};
    read_truth(dir, T);
    printf("cpu: %s, threads: %d, pair %dx%d (day 0, day 7), feature_size %d, %d runs (median)\n",
           skinq_cpu_name(), skinq_ctx_threads(ctx), b->width, b->height, j.o.feature_size, runs);
    static const int ecc_sizes[] = {2048, -1, 1024};
    for (int k = 0; k < 3; k++) {
        j.o.ecc_size = ecc_sizes[k];
        double t = bench_median(runs, run_skinq, &j);
        printf("skinq_align_register ecc_size %5d  %7.3f s  %-17s %4d inliers, rms %.2f px, max error vs "
               "truth %.2f px\n",
               j.o.ecc_size, t, j.r.method, j.r.inliers, j.r.rms_px,
               max_error(j.r.matrix, T, a->width, a->height));
        if (k < 2) {
            double to = bench_median(runs, run_opencv, &j);
            printf("OpenCV calls only    ecc_size %5d  %7.3f s  (resizes, AKAZE + matching, RANSAC, ECC)\n",
                   j.o.ecc_size, to);
        }
    }
    align_plane_free(ctx, &j.lb);
    align_plane_free(ctx, &j.la);
    skinq_image_free(&b);
    skinq_image_free(&a);
    skinq_ctx_close(&ctx);
    if (j.fail)
        fprintf(stderr, "some runs failed\n");
    return j.fail;
}
