/* test_util.c -- see test_util.h. */
#include "test_util.h"

#include "align/align.h" /* skinq_mat3_mul */

#include <jpeglib.h>
#include <lcms2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

skinq_jpeg_options tu_jpeg_options(int quality, int orientation, const uint8_t *icc, size_t icc_size)
{
    skinq_jpeg_options o;
    skinq_jpeg_default_options(&o);
    o.quality = quality;
    o.orientation = orientation;
    o.icc = icc;
    o.icc_size = icc_size;
    return o;
}

const char *tu_tmpdir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *base = getenv("SKINQ_TEST_TMP");
        if (!base || !*base)
            base = "/tmp";
        mkdir(base, 0777);
        snprintf(dir, sizeof dir, "%s/skinq-test-XXXXXX", base);
        if (!mkdtemp(dir)) {
            fprintf(stderr, "cannot create a temporary directory under %s\n", base);
            exit(1);
        }
    }
    return dir;
}

char *tu_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tu_tmpdir(), name);
    return buf;
}

uint64_t tu_seed(void)
{
    static uint64_t seed;
    static int done;
    if (!done) {
        const char *s = getenv("SKINQ_TEST_SEED");
        seed = s && *s ? strtoull(s, NULL, 0) : 0x5eed5eedULL;
        fprintf(stderr, "[ seed     ] SKINQ_TEST_SEED=%llu\n", (unsigned long long)seed);
        done = 1;
    }
    return seed;
}

uint64_t tu_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double tu_uniform(uint64_t *state)
{
    return (double)(tu_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

skinq_ctx *tu_ctx(void)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    const char *t = getenv("SKINQ_TEST_THREADS");
    s.threads = t && *t ? atoi(t) : 2;
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK)
        fail_msg("skinq_ctx_open failed");
    return ctx;
}

skinq_ctx *tu_ctx_with(unsigned isa, int threads)
{
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.isa_mask = isa;
    s.threads = threads;
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK)
        fail_msg("skinq_ctx_open failed");
    return ctx;
}

const char *tu_healing_series(skinq_ctx *ctx, int width, int height)
{
    static char dir[2048];
    static int w, h;
    if (dir[0] && w == width && h == height)
        return dir;
    char name[64];
    snprintf(name, sizeof name, "healing-%dx%d", width, height);
    tu_path(dir, sizeof dir, name);
    skinq_synth_options so;
    skinq_synth_default_options(&so);
    so.kind = "healing-series";
    so.width = width;
    so.height = height;
    if (skinq_synth(ctx, &so, dir) != SKINQ_OK)
        fail_msg("synth healing-series: %s", skinq_ctx_error(ctx));
    w = width, h = height;
    return dir;
}

void tu_assert_near(double a, double b, double tol, const char *expr, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) { /* NaN fails too */
        print_error("%s = %.9g, expected %.9g within %.3g\n", expr, a, b, tol);
        _fail(file, line);
    }
}

unsigned tu_pattern(int x, int y, int c, int depth)
{
    /* smooth ramps (JPEG-friendly) with a per-channel phase */
    double v =
        0.5 + 0.35 * sin(0.07 * x + 1.3 * c) * cos(0.05 * y - 0.7 * c) + 0.1 * ((x + 2 * y) % 64) / 64.0;
    double max = depth == 16 ? 65535.0 : 255.0;
    return (unsigned)lround(v * max);
}

skinq_image *tu_pattern_image(skinq_ctx *ctx, int w, int h, int channels, int depth)
{
    skinq_image *img = NULL;
    if (skinq_image_new(ctx, w, h, channels, depth, &img) != SKINQ_OK)
        fail_msg("skinq_image_new: %s", skinq_ctx_error(ctx));
    for (int y = 0; y < h; y++) {
        uint8_t *r = skinq_image_row(img, y);
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                unsigned v = tu_pattern(x, y, c, depth);
                if (depth == 16)
                    ((uint16_t *)r)[x * channels + c] = (uint16_t)v;
                else
                    r[x * channels + c] = (uint8_t)v;
            }
    }
    return img;
}

int tu_write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(data, 1, n, f) : 0;
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

long tu_file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

int tu_truncate_copy(const char *src, const char *dst, size_t keep)
{
    FILE *f = fopen(src, "rb");
    if (!f)
        return -1;
    uint8_t *buf = malloc(keep ? keep : 1);
    size_t n = fread(buf, 1, keep, f);
    fclose(f);
    int rc = tu_write_bytes(dst, buf, n);
    free(buf);
    return rc;
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int tu_write_png_header_only(const char *path, uint32_t w, uint32_t h)
{
    uint8_t b[8 + 25 + 12 + 12];
    memcpy(b, "\x89PNG\r\n\x1a\n", 8);
    put32(b + 8, 13);
    memcpy(b + 12, "IHDR", 4);
    put32(b + 16, w);
    put32(b + 20, h);
    b[24] = 8; /* bit depth */
    b[25] = 2; /* RGB */
    b[26] = b[27] = b[28] = 0;
    put32(b + 29, crc32_png(b + 12, 17));
    /* an empty IDAT (so png_read_info stops there), then IEND */
    put32(b + 33, 0);
    memcpy(b + 37, "IDAT", 4);
    put32(b + 41, crc32_png(b + 37, 4));
    put32(b + 45, 0);
    memcpy(b + 49, "IEND", 4);
    put32(b + 53, crc32_png(b + 49, 4));
    return tu_write_bytes(path, b, sizeof b);
}

int tu_write_cmyk_jpeg(const char *path, int w, int h)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = calloc((size_t)w * 4, 1);
    for (int x = 0; x < w * 4; x++)
        row[x] = (uint8_t)(x * 7);
    while (c.next_scanline < c.image_height)
        jpeg_write_scanlines(&c, &row, 1);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    return fclose(f);
}

static void *fa_malloc(size_t n, void *user)
{
    tu_fail_alloc *f = user;
    if (++f->count == f->fail_at)
        return NULL;
    f->live++;
    return malloc(n);
}

static void fa_free(void *p, void *user)
{
    tu_fail_alloc *f = user;
    if (p)
        f->live--;
    free(p);
}

skinq_allocator tu_fail_allocator(tu_fail_alloc *f)
{
    skinq_allocator a = {fa_malloc, fa_free, f};
    return a;
}

skinq_ctx *tu_fail_ctx(tu_fail_alloc *f, int n, int threads)
{
    *f = (tu_fail_alloc){n, 0, 0};
    skinq_settings s;
    skinq_ctx_default_settings(&s);
    s.threads = threads;
    s.alloc = tu_fail_allocator(f);
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, &s) != SKINQ_OK) {
        assert_int_equal(f->live, 0);
        return NULL;
    }
    return ctx;
}

cJSON *tu_read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf);
    if (!j)
        fail_msg("%s is not JSON", path);
    return j;
}

double tu_slope(const double *x, const double *y, int n, double *r2)
{
    double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
    for (int i = 0; i < n; i++)
        mx += x[i] / n, my += y[i] / n;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (r2)
        *r2 = sxy * sxy / (sxx * syy);
    return sxy / sxx;
}

const char *tu_shifted_camera(void)
{
    static char path[1024];
    if (path[0])
        return path;
    static char text[8192] = "wavelength_nm,r,g,b\n";
    for (int nm = 390; nm <= 710; nm += 5) {
        double r = exp(-0.5 * pow((nm - 600) / 40.0, 2)), g = exp(-0.5 * pow((nm - 535) / 35.0, 2));
        double b = exp(-0.5 * pow((nm - 455) / 30.0, 2));
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%.6f,%.6f,%.6f\n", nm, r, g, b);
    }
    tu_path(path, sizeof path, "shifted.csv");
    assert_int_equal(tu_write_bytes(path, text, strlen(text)), 0);
    return path;
}

skinq_image *tu_spectral_phantom(skinq_ctx *ctx, const char *name, const char *camera, double surface,
                                 cJSON **truth)
{
    char dir[1024], path[1100];
    tu_path(dir, sizeof dir, name);
    skinq_synth_options o;
    skinq_synth_default_options(&o);
    o.kind = "spectral-skin";
    o.camera = camera;
    o.surface = surface;
    assert_int_equal(skinq_synth(ctx, &o, dir), SKINQ_OK);
    snprintf(path, sizeof path, "%s/truth.json", dir);
    *truth = tu_read_json(path);
    assert_non_null(*truth);
    snprintf(path, sizeof path, "%s/patches.png", dir);
    skinq_image *img = NULL;
    assert_int_equal(skinq_image_load(ctx, path, &img, NULL), SKINQ_OK);
    assert_int_equal(img->depth, 16);
    return img;
}

skinq_status tu_marker_phantom(skinq_ctx *ctx, const skinq_image *photo, int id, double size_mm, double ppm,
                               double cx, double cy, double tilt_deg, double f, skinq_image **out,
                               double H[9])
{
    skinq_image *sticker = NULL, *flat = NULL;
    double m; /* the sticker's px/mm */
    skinq_status st = skinq_marker_render(ctx, id, size_mm, 600, &sticker, &m);
    if (st != SKINQ_OK)
        return st;
    double q = (sticker->width - m * size_mm) / 2; /* quiet zone, px */
    /* square-on: photo p = c + (u - S/2)·ppm for the marker's mm u; the sticker's x = q - ½ + u·m */
    st = skinq_image_new(ctx, photo->width, photo->height, 3, 8, &flat);
    for (int y = 0; st == SKINQ_OK && y < photo->height; y++) {
        uint8_t *d = skinq_image_row(flat, y);
        const uint8_t *s = skinq_image_row(photo, y);
        for (int x = 0; x < photo->width; x++) {
            double u = (x - cx) / ppm + size_mm / 2, v = (y - cy) / ppm + size_mm / 2;
            double sx = q - 0.5 + u * m, sy = q - 0.5 + v * m; /* sticker px, bilinear */
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            for (int c = 0; c < 3; c++)
                d[3 * x + c] = s[photo->channels * x + (photo->channels >= 3 ? c : 0)];
            if (x0 < 0 || y0 < 0 || x0 + 1 >= sticker->width || y0 + 1 >= sticker->height)
                continue;
            double fx = sx - x0, fy = sy - y0;
            const uint8_t *r0 = skinq_image_row(sticker, y0) + x0,
                          *r1 = skinq_image_row(sticker, y0 + 1) + x0;
            double g = (1 - fy) * ((1 - fx) * r0[0] + fx * r0[1]) + fy * ((1 - fx) * r1[0] + fx * r1[1]);
            for (int c = 0; c < 3; c++)
                d[3 * x + c] = (uint8_t)lround(20 + g * (225.0 / 255));
        }
    }
    /* the plane turned about the vertical through c: frontal d = p - c → (f cosθ d_x, f d_y) / (sinθ d_x + f)
     */
    double t = tilt_deg * 3.14159265358979323846 / 180;
    const double to_c[9] = {1, 0, -cx, 0, 1, -cy, 0, 0, 1}, from_c[9] = {1, 0, cx, 0, 1, cy, 0, 0, 1};
    const double tilt[9] = {f * cos(t), 0, 0, 0, f, 0, sin(t), 0, f};
    const double mm[9] = {ppm, 0, cx - ppm * size_mm / 2, 0, ppm, cy - ppm * size_mm / 2, 0, 0, 1};
    double T[9], tmp[9];
    skinq_mat3_mul(tilt, to_c, tmp);
    skinq_mat3_mul(from_c, tmp, T);
    skinq_mat3_mul(T, mm, H);
    if (st == SKINQ_OK)
        st = skinq_align_warp(ctx, flat, NULL, T, photo->width, photo->height, out, NULL);
    skinq_image_free(&flat);
    skinq_image_free(&sticker);
    return st;
}

uint8_t *tu_icc_bytes(void *profile, size_t *n)
{
    cmsUInt32Number len = 0;
    cmsSaveProfileToMem(profile, NULL, &len);
    uint8_t *buf = malloc(len);
    cmsSaveProfileToMem(profile, buf, &len);
    *n = len;
    return buf;
}

uint8_t *tu_wide_icc(size_t *n)
{
    cmsCIExyY d65 = {0.3127, 0.3290, 1.0};
    cmsCIExyYTRIPLE prim = {{0.64, 0.33, 1.0}, {0.21, 0.71, 1.0}, {0.15, 0.06, 1.0}};
    cmsToneCurve *g = cmsBuildGamma(NULL, 2.2);
    cmsToneCurve *curves[3] = {g, g, g};
    cmsHPROFILE p = cmsCreateRGBProfile(&d65, &prim, curves);
    cmsMLU *desc = cmsMLUalloc(NULL, 1);
    cmsMLUsetASCII(desc, "en", "US", "skinq test wide-gamut");
    cmsWriteTag(p, cmsSigProfileDescriptionTag, desc);
    cmsMLUfree(desc);
    cmsFreeToneCurve(g);
    uint8_t *buf = tu_icc_bytes(p, n);
    cmsCloseProfile(p);
    return buf;
}
