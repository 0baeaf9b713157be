/* chart_scene_main.c -- `skinq_chart_scene CHART_DIR SKIN OUT.jpg OUT.json [TILT_DEG [TURN_DEG [SEED]]]`:
 * the chart phantom (CHART_DIR: chart.png and chart.json, as `skinq synth --kind chart` writes them)
 * composited into the skin photo SKIN (chart_scene.h: perspective, σ 1 px blur, noise), saved as a
 * JPEG (quality 90), and its true corners as a `--chart FILE` (OUT.json). */
#include <stdio.h>
#include <stdlib.h>

#include "chart_scene.h"
#include "test_util.h"

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 8) {
        fprintf(stderr,
                "usage: skinq_chart_scene CHART_DIR SKIN OUT.jpg OUT.json [TILT_DEG [TURN_DEG [SEED]]]\n");
        return 2;
    }
    tu_scene s = tu_scene_default();
    if (argc > 5)
        s.tilt_deg = atof(argv[5]);
    if (argc > 6)
        s.turn_deg = atof(argv[6]);
    if (argc > 7)
        s.seed = strtoull(argv[7], NULL, 10);
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK)
        return 1;
    char p[2048];
    double corners[4][2], truth[4][2];
    skinq_image *chart = NULL, *skin = NULL, *out = NULL;
    snprintf(p, sizeof p, "%s/chart.json", argv[1]);
    skinq_status st = skinq_chart_load(ctx, p, NULL, corners);
    snprintf(p, sizeof p, "%s/chart.png", argv[1]);
    if (st == SKINQ_OK)
        st = skinq_image_load(ctx, p, &chart, NULL);
    if (st == SKINQ_OK)
        st = skinq_image_load(ctx, argv[2], &skin, NULL);
    if (st == SKINQ_OK)
        st = tu_chart_scene(ctx, chart, corners, skin, &s, &out, truth);
    skinq_jpeg_options jo = tu_jpeg_options(90, 1, NULL, 0);
    if (st == SKINQ_OK)
        st = skinq_jpeg_write(ctx, argv[3], out, &jo);
    FILE *f = st == SKINQ_OK ? fopen(argv[4], "w") : NULL;
    if (f) {
        fprintf(f, "{\"corners\": [");
        for (int i = 0; i < 4; i++)
            fprintf(f, "%s[%.3f, %.3f]", i ? ", " : "", truth[i][0], truth[i][1]);
        fprintf(f, "]}\n");
        fclose(f);
    }
    if (st != SKINQ_OK || !f)
        fprintf(stderr, "skinq_chart_scene: %s\n",
                st != SKINQ_OK ? skinq_ctx_error(ctx) : "cannot write the corners");
    skinq_image_free(&chart);
    skinq_image_free(&skin);
    skinq_image_free(&out);
    skinq_ctx_close(&ctx);
    return st == SKINQ_OK && f ? 0 : 1;
}
