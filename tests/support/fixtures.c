/* fixtures.c -- `skinq_fixtures DIR`: writes the good and bad input files the CLI tests use.
 * Generated, not committed, so each is exactly what its name says. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static int check(skinq_ctx *ctx, skinq_status st, const char *what)
{
    if (st != SKINQ_OK) {
        fprintf(stderr, "fixtures: %s: %s\n", what, skinq_ctx_error(ctx));
        return -1;
    }
    return 0;
}

/* skinq_fixtures --marker-phantom IN OUT PPM TILT CX CY: tu_marker_phantom() of the photo IN (a
 * 10 mm marker, id 0, focal 2000 px) written to OUT as JPEG q85; the true homography and scales as
 * one JSON line on stdout. */
static int marker_phantom(char **a)
{
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK)
        return 1;
    skinq_image *in = NULL, *out = NULL;
    double H[9], ppm = atof(a[2]), tilt = atof(a[3]);
    skinq_status st = skinq_image_load(ctx, a[0], &in, NULL);
    if (st == SKINQ_OK)
        st = tu_marker_phantom(ctx, in, 0, 10, ppm, atof(a[4]), atof(a[5]), tilt, 2000, &out, H);
    skinq_jpeg_options jo = tu_jpeg_options(85, 1, NULL, 0);
    if (st == SKINQ_OK)
        st = skinq_jpeg_write(ctx, a[1], out, &jo);
    int bad = check(ctx, st, "marker phantom");
    if (!bad)
        printf("{\"px_per_mm_max\": %.9g, \"px_per_mm_min\": %.9g, \"px_per_mm_area\": %.9g, \"tilt_deg\": "
               "%.9g, "
               "\"H\": [%.9g, %.9g, %.9g, %.9g, %.9g, %.9g, %.9g, %.9g, %.9g]}\n",
               ppm, ppm * cos(tilt * acos(-1) / 180), ppm * sqrt(cos(tilt * acos(-1) / 180)), tilt, H[0],
               H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]);
    skinq_image_free(&in);
    skinq_image_free(&out);
    skinq_ctx_close(&ctx);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "--marker-phantom") == 0)
        return marker_phantom(argv + 2);
    if (argc != 2) {
        fprintf(stderr, "usage: skinq_fixtures DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char p[1024], q[1024];
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK)
        return 1;
    int bad = 0;

    skinq_image *rgb = tu_pattern_image(ctx, 64, 48, 3, 8);
    skinq_image *g16 = tu_pattern_image(ctx, 40, 30, 1, 16);
    skinq_image *rgba = tu_pattern_image(ctx, 32, 32, 4, 8);
    for (int y = 0; y < 32; y++) /* left half transparent */
        for (int x = 0; x < 16; x++)
            skinq_image_row(rgba, y)[x * 4 + 3] = 0;

#define PATH(name) (snprintf(p, sizeof p, "%s/%s", dir, name), p)
    bad |= check(ctx, skinq_png_write(ctx, PATH("good.png"), rgb), "good.png");
    bad |= check(ctx, skinq_png_write(ctx, PATH("good16.png"), g16), "good16.png");
    bad |= check(ctx, skinq_png_write(ctx, PATH("rgba.png"), rgba), "rgba.png");
    skinq_jpeg_options jo = tu_jpeg_options(95, 1, NULL, 0);
    bad |= check(ctx, skinq_jpeg_write(ctx, PATH("good.jpg"), rgb, &jo), "good.jpg");

    /* orientN.jpg: stored so that applying orientation N gives good.png's picture. The inverse
     * of N is N itself except 6 <-> 8. */
    for (int o = 1; o <= 8; o++) {
        int inv = o == 6 ? 8 : o == 8 ? 6 : o;
        skinq_image *stored = NULL;
        bad |= check(ctx, skinq_image_orient(ctx, rgb, inv, &stored), "orient");
        char name[32];
        snprintf(name, sizeof name, "orient%d.jpg", o);
        skinq_jpeg_options oo = tu_jpeg_options(95, o, NULL, 0);
        if (stored)
            bad |= check(ctx, skinq_jpeg_write(ctx, PATH(name), stored, &oo), name);
        skinq_image_free(&stored);
    }

    /* bad inputs */
    bad |= tu_write_bytes(PATH("bad-empty.jpg"), "", 0);
    snprintf(q, sizeof q, "%s/good.jpg", dir);
    bad |= tu_truncate_copy(q, PATH("bad-truncated.jpg"), (size_t)tu_file_size(q) / 2);
    snprintf(q, sizeof q, "%s/good.png", dir);
    bad |= tu_truncate_copy(q, PATH("bad-truncated.png"), (size_t)tu_file_size(q) / 2);
    uint8_t noise[4096];
    uint64_t s = 42;
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)tu_rand(&s);
    bad |= tu_write_bytes(PATH("bad-random.png"), noise, sizeof noise);
    const char *text = "this is not an image\n";
    bad |= tu_write_bytes(PATH("bad-text.jpg"), text, strlen(text));
    bad |= tu_write_png_header_only(PATH("bad-zero.png"), 0, 16);
    bad |= tu_write_png_header_only(PATH("big-header.png"), 20000, 20000);
    bad |= tu_write_cmyk_jpeg(PATH("bad-cmyk.jpg"), 16, 16);

    /* store.db: S01/cheek with color.a.mean = 2 + 8·exp(-day/3) (tau 3 days) over nine sessions,
     * and S01/scar with only two sessions (too few for a fit) */
    skinq_store *store = NULL;
    remove(PATH("store.db")); /* idempotent: a fresh store each run */
    remove(PATH("store.db-wal"));
    remove(PATH("store.db-shm"));
    bad |= check(ctx, skinq_store_open(ctx, PATH("store.db"), &store), "store.db");
    static const int days[] = {0, 1, 2, 3, 5, 7, 14, 28, 42};
    static const char *const dates[] = {"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06",
                                        "2026-03-08", "2026-03-15", "2026-03-29", "2026-04-12"};
    for (int i = 0; store && i < 9 + 2; i++) {
        int scar = i >= 9, day = scar ? 7 * (i - 9) : days[i];
        const char *date = scar ? dates[i == 9 ? 0 : 5] : dates[i];
        char sha[65], name[32];
        snprintf(name, sizeof name, "day%02d.jpg", day);
        skinq_sha256_hex(name, strlen(name) - scar, sha);
        skinq_metrics m = {0};
        skinq_metrics_add(ctx, &m, "color.a.mean", 2 + 8 * exp(-day / 3.0), "a*");
        skinq_store_entry e = {0};
        e.subject = "S01";
        e.site = scar ? "scar" : "cheek";
        e.date = date;
        char photo[1024]; /* real files, so the report can embed the first and latest photos */
        snprintf(photo, sizeof photo, "%s/%s", dir, day == 0 ? "good.jpg" : "orient6.jpg");
        e.image_path = photo;
        e.sha256 = sha;
        e.metrics = &m;
        bad |= check(ctx, skinq_store_add(ctx, store, &e, NULL), "store entry");
        skinq_metrics_free(&m);
    }
    skinq_store_close(&store);

    skinq_image_free(&rgb);
    skinq_image_free(&g16);
    skinq_image_free(&rgba);
    skinq_ctx_close(&ctx);
    return bad ? 1 : 0;
}
