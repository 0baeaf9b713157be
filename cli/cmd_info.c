/* cmd_info.c -- `skinq info IMAGE`: what skinq sees in a file (size, layout, orientation,
 * ICC, EXIF capture time, sha256) and which CPU paths it will use. */
#include <string.h>

#include "cli.h"
#include "out.h"

static int opt_json;

static const cli_option info_options[] = {
    {"json", 0, OPT_FLAG, &opt_json, NULL, "machine-readable JSON on stdout"},
    CLI_OPTIONS_END,
};

static int run(const cli_command *self, int argc, char **argv)
{
    int first;
    int rc = cli_parse(self, argc, argv, &first);
    if (rc >= 0)
        return rc;
    if (argc - first != 1)
        return cli_usage_error(self, argc - first ? "info takes one IMAGE" : "no IMAGE given");
    const char *path = argv[first];

    skinq_ctx *ctx = cli_ctx_open();
    if (!ctx)
        return EXIT_INTERNAL;
    skinq_image_header hdr;
    skinq_image *img = NULL;
    skinq_mask *alpha = NULL;
    skinq_status st = skinq_image_probe(ctx, path, &hdr);
    if (st == SKINQ_OK)
        st = skinq_image_load(ctx, path, &img, &alpha);
    cJSON *file = NULL;
    if (st == SKINQ_OK)
        file = out_file_provenance(ctx, path, &st);
    skinq_capture_time ct; /* absent is no error here: info shows what there is */
    int has_ct = 0;
    if (st == SKINQ_OK) {
        skinq_status cs = skinq_image_capture_time(ctx, path, &ct);
        has_ct = cs == SKINQ_OK;
        if (cs != SKINQ_OK && cs != SKINQ_E_INVALID)
            st = cs;
    }
    skinq_raw_info raw; /* a DNG's or camera RAW's make, model and exposure */
    const int is_raw = st == SKINQ_OK && (!strcmp(hdr.format, "dng") || !strcmp(hdr.format, "raw"));
    if (is_raw)
        st = skinq_image_raw_info(ctx, path, &raw);
    if (st != SKINQ_OK) {
        rc = cli_fail(ctx, st);
        skinq_image_free(&img);
        skinq_mask_free(&alpha);
        skinq_ctx_close(&ctx);
        return rc;
    }

    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "skinq_version", skinq_version());
    cJSON *im = cJSON_AddObjectToObject(doc, "image");
    cJSON_AddStringToObject(im, "path", path);
    cJSON_AddStringToObject(im, "format", hdr.format);
    cJSON_AddNumberToObject(im, "width", img->width);
    cJSON_AddNumberToObject(im, "height", img->height);
    cJSON_AddNumberToObject(im, "stored_width", hdr.width);
    cJSON_AddNumberToObject(im, "stored_height", hdr.height);
    cJSON_AddNumberToObject(im, "channels", img->channels);
    cJSON_AddNumberToObject(im, "bit_depth", img->depth);
    cJSON_AddBoolToObject(im, "alpha", alpha != NULL);
    cJSON_AddNumberToObject(im, "orientation", img->orientation);
    cJSON *icc = cJSON_AddObjectToObject(im, "icc");
    cJSON_AddBoolToObject(icc, "present", img->icc != NULL);
    cJSON_AddStringToObject(icc, "description", img->icc ? img->icc_description : "");
    cJSON_AddBoolToObject(icc, "converted_to_srgb", img->icc_applied);
    /* the colour description whatever its form: an ICC profile, a HEIF nclx box, or none */
    const char *colour_kind = img->icc ? "icc" : img->icc_description[0] ? "nclx" : "none";
    cJSON *colour = cJSON_AddObjectToObject(im, "colour_profile");
    cJSON_AddStringToObject(colour, "kind", colour_kind);
    cJSON_AddStringToObject(colour, "description", img->icc_description);
    if (has_ct) {
        cJSON *c = cJSON_AddObjectToObject(im, "capture_time");
        cJSON_AddStringToObject(c, "iso8601", ct.iso8601);
        cJSON_AddStringToObject(c, "date", ct.date);
        cJSON_AddStringToObject(c, "time", ct.time);
        cJSON_AddStringToObject(c, "subsec", ct.subsec);
        cJSON_AddStringToObject(c, "offset", ct.offset);
        cJSON_AddStringToObject(c, "source", ct.source);
    } else
        cJSON_AddNullToObject(im, "capture_time");
    if (is_raw)
        cJSON_AddItemToObject(im, "raw", out_raw_json(&raw, 0));
    cJSON_AddNumberToObject(im, "size_bytes", cJSON_GetObjectItem(file, "size_bytes")->valuedouble);
    cJSON_AddStringToObject(im, "sha256", cJSON_GetObjectItem(file, "sha256")->valuestring);
    cJSON *cpu = cJSON_AddObjectToObject(doc, "cpu");
    cJSON_AddStringToObject(cpu, "name", skinq_cpu_name());
    cJSON_AddStringToObject(cpu, "isa_detected", skinq_isa_name(skinq_cpu_isa()));
    cJSON_AddStringToObject(cpu, "isa_used", skinq_isa_name(skinq_ctx_isa(ctx)));
    cJSON *kern = cJSON_AddObjectToObject(cpu, "kernels"); /* which level fills each hot kernel */
    const char *kn[32], *ki[32];
    size_t nk = skinq_kernel_isas(ctx, kn, ki, 32);
    for (size_t i = 0; i < nk && i < 32; i++)
        cJSON_AddStringToObject(kern, kn[i], ki[i]);
    cJSON_AddNumberToObject(cpu, "threads", skinq_ctx_threads(ctx));
    cJSON_Delete(file);

    rc = EXIT_OK;
    if (opt_json) {
        rc = out_json(doc);
    } else {
        printf("%s\n", path);
        printf("  format       %s\n", hdr.format);
        printf("  size         %d x %d px (%.2f MP)%s\n", img->width, img->height,
               (double)img->width * img->height / 1e6, img->orientation != 1 ? " upright" : "");
        if (img->orientation != 1)
            printf("  stored as    %d x %d px, EXIF orientation %d (applied)\n", hdr.width, hdr.height,
                   img->orientation);
        printf("  layout       %d channel%s, %d-bit%s\n", img->channels, img->channels > 1 ? "s" : "",
               img->depth, alpha ? ", with alpha (used as mask)" : "");
        if (is_raw)
            printf("  camera       %s %s, ISO %g, %g s, f/%g, %d-bit %s sensor data\n"
                   "  colour       %s: demosaic %s, white balance %s, colour matrix to linear sRGB, "
                   "no tone curve\n",
                   raw.make, raw.model, raw.iso, raw.shutter_s, raw.aperture, raw.raw_bits, raw.cfa,
                   raw.dng ? "DNG" : "camera RAW", raw.demosaic, raw.white_balance);
        else if (img->icc)
            printf("  icc profile  %s%s\n",
                   img->icc_description[0] ? img->icc_description : "(no description)",
                   img->icc_applied ? " (converted to sRGB)" : "");
        else if (img->icc_description[0]) /* HEIF nclx: no conversion (lib/io/heif.c) */
            printf("  colour       %s, taken as sRGB\n", img->icc_description);
        else
            printf("  icc profile  none (taken as sRGB)\n");
        if (has_ct)
            printf("  captured     %s %s%s%s%s (EXIF %s)\n", ct.date, ct.time, ct.subsec[0] ? "." : "",
                   ct.subsec, ct.offset[0] ? ct.offset : " (no time zone)", ct.source);
        else
            printf("  captured     unknown (no EXIF capture time)\n");
        printf("  sha256       %s\n", cJSON_GetObjectItem(im, "sha256")->valuestring);
        printf("  cpu          %s, %s kernels, %d threads\n", skinq_cpu_name(),
               skinq_isa_name(skinq_ctx_isa(ctx)), skinq_ctx_threads(ctx));
        const char *kn[32], *ki[32];
        size_t nk = skinq_kernel_isas(ctx, kn, ki, 32);
        printf("  kernels     ");
        for (size_t i = 0; i < nk && i < 32; i++)
            printf(" %s:%s", kn[i], ki[i]);
        printf("\n");
        cJSON_Delete(doc);
    }
    skinq_image_free(&img);
    skinq_mask_free(&alpha);
    skinq_ctx_close(&ctx);
    return rc;
}

const cli_command cmd_info = {
    "info",
    run,
    "info IMAGE [--json]",
    "show what skinq reads from an image: size, layout, orientation, ICC profile (DNG/RAW: camera, "
    "exposure, development), capture time, sha256",
    info_options,
    NULL,
};
