/* cmd_marker.c -- `skinq marker`: a printable ArUco scale marker (PNG with its print size in pHYs). */
#include <math.h>

#include "cli.h"

static const char *opt_out;
static double opt_size_mm, opt_dpi = 600;
static int opt_id;

static const cli_option marker_options[] = {
    {"out", 'o', OPT_STRING, &opt_out, "F.png", "the PNG to write (required)"},
    {"size-mm", 0, OPT_DOUBLE, &opt_size_mm, "S",
     "side of the marker's black square as printed, mm (required)", CLI_IN(2, 500)},
    {"id", 0, OPT_INT, &opt_id, "N", "marker id, 0..49 (default 0)", CLI_IN(0, 49)},
    {"dpi", 0, OPT_DOUBLE, &opt_dpi, "D", "print resolution (default 600)", CLI_IN(50, 4800)},
    CLI_OPTIONS_END,
};

static int run(const cli_command *self, int argc, char **argv)
{
    int rc = cli_parse_options_only(self, argc, argv);
    if (rc >= 0)
        return rc;
    if (!opt_out)
        return cli_usage_error(self, "--out is required");
    if (!(opt_size_mm > 0))
        return cli_usage_error(self, "--size-mm is required");
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_image *img = NULL;
    double ppm = 0;
    skinq_status st = skinq_marker_render(ctx, opt_id, opt_size_mm, opt_dpi, &img, &ppm);
    /* pHYs from the square's own pixels: it prints at exactly S mm (the dpi rounded to match) */
    if (st == SKINQ_OK)
        st = skinq_png_write_phys(ctx, opt_out, img, (uint32_t)lround(ppm * 1000));
    if (st == SKINQ_OK) {
        rc = EXIT_OK;
        if (!g_opts.quiet)
            fprintf(stderr,
                    "skinq: wrote %s: ArUco %s id %d, %g mm square (%.0f px at %.1f dpi) in a %d px white "
                    "margin; print at 100 %%\n",
                    opt_out, SKINQ_MARKER_DICTIONARY, opt_id, opt_size_mm, ppm * opt_size_mm, ppm * 25.4,
                    (img->width - (int)lround(ppm * opt_size_mm)) / 2);
    } else {
        rc = cli_fail(ctx, st);
        if (st == SKINQ_E_IO)
            rc = cli_exit_for(CLI_COND_OUTPUT);
    }
    skinq_image_free(&img);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_marker = {
    "marker",
    run,
    "marker --out F.png --size-mm S [--id N] [--dpi D]",
    "write a printable ArUco scale marker (for --px-per-mm marker:S)",
    marker_options,
    "The marker is OpenCV's ArUco dictionary DICT_4X4_50 (ids 0..49), its black square S mm a side\n"
    "  with a white quiet zone of one cell (S/6) around it. The PNG's pHYs chunk says its print\n"
    "  size: print it at 100 % (no 'fit to page'), measure the square, stick it flat on the skin\n"
    "  beside the site, and pass --px-per-mm marker:S (S in mm) to analyze, compare, track add or\n"
    "  repeat: the scale is taken from the marker in each photo, and its pixels are kept out of the ROI.",
};
