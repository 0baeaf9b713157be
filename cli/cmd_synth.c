/* cmd_synth.c -- `skinq synth`: phantoms with ground truth (truth.json beside the images). */
#include <string.h>

#include "cli.h"

static const char *synth_kind, *opt_out, *opt_camera, *opt_realism, *opt_effects;
static double opt_seed = 1, opt_ppm = 20, opt_tau = 3, opt_surface;
static int opt_width, opt_height, opt_count, opt_cycles, opt_lights, opt_rgb_lights;

static const cli_option synth_options[] = {
    {"kind", 0, OPT_STRING, &synth_kind, "KIND",
     "healing-series, scar-stack, texture-ladder, chart, recapture, course, spectral-skin, or all "
     "(required)"},
    {"out", 'o', OPT_STRING, &opt_out, "DIR", "output folder, created if missing (required)"},
    {"seed", 0, OPT_DOUBLE, &opt_seed, "N",
     "random seed: the same seed gives byte-identical files (default 1)", RANGE_WHOLE | RANGE_LO | RANGE_HI,
     0, 9007199254740991.0},
    {"width", 0, OPT_INT, &opt_width, "W", "image width (default: the kind's)", CLI_IN(0, 20000)},
    {"height", 0, OPT_INT, &opt_height, "H", "image height (default: the kind's)", CLI_IN(0, 20000)},
    {"px-per-mm", 0, OPT_DOUBLE, &opt_ppm, "S", "healing-series scale (default 20)", CLI_GT(0)},
    {"tau", 0, OPT_DOUBLE, &opt_tau, "DAYS",
     "redness time constant: healing-series, course's first cycle (default 3)", CLI_GT(0)},
    {"count", 0, OPT_INT, &opt_count, "N", "recapture: shots of the unchanged site (default 10)",
     CLI_IN(2, 99)},
    {"cycles", 0, OPT_INT, &opt_cycles, "N", "course: procedures, 28 days apart (default 3)", CLI_IN(1, 6)},
    {"camera", 0, OPT_STRING, &opt_camera, "FILE",
     "spectral-skin: camera sensitivities, CSV wavelength_nm,r,g,b (default: CIE 1931 + D65 -> sRGB)"},
    {"surface", 0, OPT_DOUBLE, &opt_surface, "F",
     "spectral-skin: specular surface reflectance, flat in wavelength (default 0: cross-polarised; ~0.04 "
     "without a polariser)",
     CLI_IN(0, 0.1)},
    {"realism", 0, OPT_STRING, &opt_realism, "skin",
     "scar-stack: every effect of real skin (specular, blur, noise, intensity, falloff, hair)"},
    {"effects", 0, OPT_STRING, &opt_effects, "LIST",
     "scar-stack: chosen effects, comma-separated: specular, blur, noise, intensity, falloff, hair"},
    {"lights", 0, OPT_INT, &opt_lights, "N",
     "scar-stack: number of lights (default 6; over 12: rings on a hemisphere, 512x512 by default)",
     CLI_IN(3, 96)},
    {"rgb-lights", 0, OPT_FLAG, &opt_rgb_lights, NULL,
     "scar-stack: RGB images, each light's intensity [r, g, b] (0.85-1.15) in lights.json"},
    CLI_OPTIONS_END,
};

static int run(const cli_command *self, int argc, char **argv)
{
    int rc = cli_parse_options_only(self, argc, argv);
    if (rc >= 0)
        return rc;
    if (!synth_kind || !opt_out)
        return cli_usage_error(self, "--kind and --out are required");
    if (opt_realism && strcmp(opt_realism, "skin") != 0 && strcmp(opt_realism, "none") != 0)
        return cli_usage_error(self, "--realism takes skin or none");
    if (opt_realism && opt_effects)
        return cli_usage_error(self, "--realism and --effects are exclusive");
    skinq_synth_options o;
    skinq_synth_default_options(&o);
    o.kind = synth_kind;
    o.seed = (uint64_t)opt_seed;
    o.width = opt_width;
    o.height = opt_height;
    o.px_per_mm = opt_ppm;
    o.tau_days = opt_tau;
    o.count = opt_count;
    o.cycles = opt_cycles;
    o.camera = opt_camera;
    o.surface = opt_surface;
    o.effects = opt_realism ? opt_realism : opt_effects;
    o.lights = opt_lights;
    o.rgb_lights = opt_rgb_lights;
    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_camera *cam = NULL; /* a bad camera file is bad input (3), not an unwritable folder (1) */
    skinq_status st = opt_camera ? skinq_camera_load(ctx, opt_camera, &cam) : SKINQ_OK;
    skinq_camera_free(&cam);
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
        skinq_ctx_close(&ctx);
        return rc;
    }
    st = skinq_synth(ctx, &o, opt_out);
    if (st == SKINQ_OK) {
        if (!g_opts.quiet)
            fprintf(stderr, "skinq: wrote %s phantoms and truth.json to %s\n", synth_kind, opt_out);
        rc = EXIT_OK;
    } else {
        /* an output folder that cannot be written is not a bad input file: exit 1 */
        rc = cli_fail(ctx, st);
        if (st == SKINQ_E_IO)
            rc = cli_exit_for(CLI_COND_OUTPUT);
    }
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_synth = {
    "synth",
    run,
    "synth --kind KIND --out DIR [--seed N] [--width W --height H] [--cycles N] [--camera FILE] [--surface "
    "F] [--lights N] [--rgb-lights] [--realism skin | --effects LIST]",
    "write skin phantoms with known ground truth (truth.json)",
    synth_options,
    "healing-series: one site on days 0 (before), 1, 2, 3, 5, 7, 14, 28, 42; treated-area\n"
    "  hemoglobin decays with --tau, texture and pores remodel over weeks; each photo with its\n"
    "  own pose, white balance, exposure and JPEG compression.\n"
    "scar-stack: a domed surface with ice-pick, boxcar and rolling scars, six Lambertian light\n"
    "  images, lights.json, the true 16-bit height map and per-scar depth, area, volume.\n"
    "  --lights N, --rgb-lights, --realism skin or --effects LIST: N lights (gray or RGB) with\n"
    "  skin's departures from Lambert (oily specular lobe, 0.08 mm subsurface blur, 1.5 % noise,\n"
    "  stated per-light intensities, an unstated 10 % falloff, hair), normals_true.png and each\n"
    "  effect's parameters in truth.json's realism.\n"
    "texture-ladder: six patches of rising band-limited roughness and pore density.\n"
    "chart: a 24-patch ColorChecker under a known colour cast and exposure.\n"
    "recapture: one unchanged site photographed --count times (pose ±5°, scale ±5 %, exposure\n"
    "  ±5 %, white balance ±3 %, light falloff ±5 %, sensor noise, JPEG q85): the true change\n"
    "  between shots is 0, for `skinq repeat`.\n"
    "course: one site through --cycles procedures (default 3) 28 days apart: a baseline a week\n"
    "  before (b-07.jpg), each procedure photographed right after it and on days 1, 2, 3, 7, 14\n"
    "  (c1-d00.jpg ...), the last also on 28 and 42; each cycle's redness with its own excess and\n"
    "  tau, texture remodelling step by step; truth.json has every photo's date and cycle day.\n"
    "spectral-skin: flat patches (patches.png, 16-bit) of a layered spectral skin model (epidermis,\n"
    "  papillary and reticular dermis), three skin types x blood excess 0..0.5, melanin steps and\n"
    "  exposure 0.7..1.3, seen by the CIE observer (sRGB) or --camera FILE, cross-polarised or\n"
    "  with --surface F; truth.json has each patch's parameters, RGB and ITA.",
};
