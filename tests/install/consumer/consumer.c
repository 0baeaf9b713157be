/* consumer.c -- an outside program using only the stable API of the installed libskinq (skinq.h). */
#include <skinq.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(skinq_ctx *ctx, const char *what, skinq_status st)
{
    fprintf(stderr, "consumer: %s: %s (%s)\n", what, skinq_status_str(st), ctx ? skinq_ctx_error(ctx) : "");
    return 1;
}

/* A 64x48 RGB gradient written as PNG, probed and loaded back: the image and io parts. */
static int image_roundtrip(skinq_ctx *ctx, const char *path)
{
    skinq_image *img = NULL, *back = NULL;
    skinq_status st = skinq_image_new(ctx, 64, 48, 3, 8, &img);
    if (st != SKINQ_OK)
        return fail(ctx, "image_new", st);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            uint8_t *p = skinq_image_row(img, y) + 3 * x;
            p[0] = (uint8_t)(4 * x), p[1] = (uint8_t)(5 * y), p[2] = 128;
        }
    skinq_image_header h;
    if ((st = skinq_png_write(ctx, path, img)) == SKINQ_OK &&
        (st = skinq_image_probe(ctx, path, &h)) == SKINQ_OK)
        st = skinq_image_load(ctx, path, &back, NULL);
    int bad = st != SKINQ_OK ? fail(ctx, path, st) : 0;
    if (!bad && (strcmp(h.format, "png") != 0 || back->width != 64 || back->height != 48 ||
                 memcmp(skinq_image_row(back, 47), skinq_image_row(img, 47), 64 * 3) != 0))
        bad = fail(ctx, "PNG round trip differs", SKINQ_E_INTERNAL);
    skinq_image_free(&img);
    skinq_image_free(&back);
    remove(path);
    return bad || img != NULL || back != NULL;
}

/* A healing fit of exact points, its numbers kept in the caller-owned metric list. */
static int fit_metrics(skinq_ctx *ctx)
{
    double t[6], y[6];
    for (int i = 0; i < 6; i++)
        t[i] = 3.0 * i, y[i] = 2 + 10 * exp(-t[i] / 4);
    skinq_fit f;
    skinq_status st = skinq_fit_exponential(ctx, t, y, 6, &f);
    if (st != SKINQ_OK)
        return fail(ctx, "fit", st);
    skinq_metrics m = {0};
    if ((st = skinq_metrics_add(ctx, &m, "fit.tau_days", f.tau_days, "d")) != SKINQ_OK ||
        (st = skinq_metrics_addf(ctx, &m, f.y_inf, "1", "fit.%s", "y_inf")) != SKINQ_OK)
        return fail(ctx, "metrics", st);
    const skinq_metric *tau = skinq_metrics_find(&m, "fit.tau_days");
    int bad = !tau || fabs(tau->value - 4) > 1e-6 || m.count != 2;
    skinq_metrics_free(&m);
    return bad ? fail(ctx, "fit.tau_days is not 4", SKINQ_E_INTERNAL) : 0;
}

int main(int argc, char **argv)
{
    if (skinq_version_api() != SKINQ_API_VERSION)
        return fail(NULL, "header and library API versions differ", SKINQ_E_INTERNAL);
    if (strcmp(skinq_status_str(SKINQ_OK), "ok") != 0 || !skinq_status_str((skinq_status)999))
        return fail(NULL, "status strings", SKINQ_E_INTERNAL);
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = 2;
    skinq_ctx *ctx = NULL;
    skinq_status st = skinq_ctx_open(&ctx, &s);
    if (st != SKINQ_OK)
        return fail(NULL, "ctx_open", st);
    char path[4096];
    snprintf(path, sizeof path, "%s/consumer-%d.png", argc > 1 ? argv[1] : ".", (int)sizeof(skinq_settings));
    int bad = image_roundtrip(ctx, path) || fit_metrics(ctx);
    if (!bad)
        printf("skinq %s, API %d, %d threads\n", skinq_version(), skinq_version_api(),
               skinq_ctx_threads(ctx));
    skinq_ctx_close(&ctx);
    return bad;
}
