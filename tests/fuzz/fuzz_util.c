/* fuzz_util.c -- see fuzz_util.h. */
#define _GNU_SOURCE /* memfd_create */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static skinq_ctx *g_ctx;
static int g_fd = -1;
static char g_path[64];

skinq_ctx *fuzz_ctx(void)
{
    if (!g_ctx) {
        skinq_settings s;
        skinq_ctx_default_settings(&s);
        s.threads = 1;
        s.max_pixels = FUZZ_MAX_PIXELS;
        if (skinq_ctx_open(&g_ctx, &s) != SKINQ_OK) {
            fprintf(stderr, "fuzz: cannot open a skinq ctx\n");
            abort();
        }
    }
    return g_ctx;
}

const char *fuzz_input_path(const uint8_t *data, size_t size)
{
    if (g_fd < 0) {
        g_fd = memfd_create("skinq-fuzz-input", MFD_CLOEXEC);
        if (g_fd < 0) {
            perror("fuzz: memfd_create");
            abort();
        }
        snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    }
    if (ftruncate(g_fd, 0) != 0)
        return NULL;
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(g_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            return NULL;
        done += (size_t)n;
    }
    return g_path;
}

skinq_status fuzz_load_image(skinq_ctx *ctx, const uint8_t *data, size_t size, skinq_image **out,
                             skinq_mask **alpha)
{
    return skinq_image_load_mem(ctx, data, size, "fuzz input", out, alpha);
}

/* Read every byte a row claims, so ASan sees a short buffer or a wrong stride. */
static unsigned touch(const uint8_t *p, size_t n)
{
    unsigned h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 31u + p[i];
    return h;
}

static void check_image(const skinq_image *img, const skinq_mask *alpha)
{
    int ok = img->width > 0 && img->height > 0 && (img->channels == 1 || img->channels == 3) &&
             (img->depth == 8 || img->depth == 16) &&
             (uint64_t)img->width * (uint64_t)img->height <= FUZZ_MAX_PIXELS &&
             img->stride >= (size_t)img->width * (size_t)img->channels * (size_t)(img->depth / 8) &&
             img->orientation >= 1 && img->orientation <= 8 && (img->icc != NULL) == (img->icc_size > 0);
    if (alpha)
        ok = ok && alpha->width == img->width && alpha->height == img->height &&
             alpha->stride >= (size_t)alpha->width;
    if (!ok) {
        fprintf(stderr, "fuzz: loaded image breaks its invariants (%dx%d c%d d%d)\n", img->width, img->height,
                img->channels, img->depth);
        abort();
    }
    volatile unsigned h = 0;
    size_t row = (size_t)img->width * (size_t)img->channels * (size_t)(img->depth / 8);
    for (int y = 0; y < img->height; y++)
        h += touch(skinq_image_row(img, y), row);
    for (int y = 0; alpha && y < alpha->height; y++)
        h += touch(alpha->data + (size_t)y * alpha->stride, (size_t)alpha->width);
    if (img->icc)
        h += touch(img->icc, img->icc_size);
    (void)h;
}

/* A capture time found is a real moment in the documented shape, never bytes of the file. */
static void check_capture_time(const skinq_capture_time *ct)
{
    int ok = strlen(ct->date) == 10 && ct->date[4] == '-' && ct->date[7] == '-' && strlen(ct->time) == 8 &&
             strspn(ct->subsec, "0123456789") == strlen(ct->subsec) &&
             (!ct->offset[0] || (strlen(ct->offset) == 6 && strchr("+-", ct->offset[0]))) &&
             strncmp(ct->iso8601, ct->date, 10) == 0 && strncmp(ct->source, "DateTime", 8) == 0;
    if (!ok) {
        fprintf(stderr, "fuzz: capture time breaks its shape (%.40s)\n", ct->iso8601);
        abort();
    }
}

int fuzz_image_input(const uint8_t *data, size_t size)
{
    skinq_ctx *ctx = fuzz_ctx();
    unsigned opt = fuzz_tail(data, size, 0);
    if (opt & 2u) {
        skinq_image_header hdr;
        (void)skinq_image_probe_mem(ctx, data, size, "fuzz input", &hdr);
        skinq_capture_time ct;
        if (skinq_image_capture_time_mem(ctx, data, size, "fuzz input", &ct) == SKINQ_OK)
            check_capture_time(&ct);
    }
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    skinq_status st = fuzz_load_image(ctx, data, size, &img, (opt & 1u) ? &alpha : NULL);
    if (getenv("SKINQ_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: load: %s %s\n", skinq_status_str(st), skinq_ctx_error(ctx));
    if (st != SKINQ_OK) {
        if (img || alpha) {
            fprintf(stderr, "fuzz: a failed load returned an image\n");
            abort();
        }
        return 0;
    }
    check_image(img, alpha);
    int orientation = 1 + (int)((opt >> 2) & 7u);
    if (orientation != 1 && (uint64_t)img->width * (uint64_t)img->height <= 256u * 256u) {
        skinq_image *up = NULL;
        if (skinq_image_orient(ctx, img, orientation, &up) == SKINQ_OK) {
            check_image(up, NULL);
            skinq_image_free(&up);
        }
    }
    skinq_mask_free(&alpha);
    skinq_image_free(&img);
    return 0;
}
