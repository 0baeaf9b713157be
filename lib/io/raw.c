/* raw.c -- DNG and camera RAW through LibRaw's C API: demosaiced to linear camera RGB, the file's
 * colour matrix to linear sRGB, no tone curve, white balance as shot (or none: the white patch
 * does it), then the sRGB encoding curve into 16 bits -- the representation every other 16-bit
 * image has in skinq (lib/color decodes 16-bit samples with the sRGB curve). LibRaw prints
 * nothing: its data and memory errors come to handlers here. */
#include "io.h"

#include <libraw/libraw.h>
#include <math.h>
#include <string.h>

#define TAG_DNG_VERSION 50706

static unsigned rd16(const uint8_t *p, int le)
{
    return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)rd16(p, 1) | (uint32_t)rd16(p + 2, 1) << 16
              : (uint32_t)rd16(p, 0) << 16 | (uint32_t)rd16(p + 2, 0);
}

int skinq_raw_is_tiff(const skinq_input *in)
{
    const uint8_t *p = in->data;
    return in->size >= 8 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0);
}

int skinq_raw_is_dng(const skinq_input *in)
{
    if (!skinq_raw_is_tiff(in))
        return 0;
    const uint8_t *p = in->data;
    const int le = p[0] == 'I';
    const uint32_t off = rd32(p + 4, le);
    if (off < 8 || off > in->size - 2)
        return 0;
    const unsigned n = rd16(p + off, le);
    if (n > (in->size - off - 2) / 12)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (rd16(p + off + 2 + 12 * (size_t)i, le) == TAG_DNG_VERSION)
            return 1;
    return 0;
}

/* LibRaw's reports, kept instead of printed. */
typedef struct raw_session {
    libraw_data_t *lr;
    int data_error, mem_error;
} raw_session;

static void on_data_error(void *user, const char *file, const int offset)
{
    (void)file;
    (void)offset;
    ((raw_session *)user)->data_error = 1;
}

static void on_mem_error(void *user, const char *file, const char *where)
{
    (void)file;
    (void)where;
    ((raw_session *)user)->mem_error = 1;
}

static const char *kind_name(int dng)
{
    return dng ? "DNG" : "camera RAW";
}

/* LibRaw's status as skinq's, with one line naming the file. */
static skinq_status raw_fail(skinq_ctx *ctx, const skinq_input *in, int dng, int rc, const raw_session *s)
{
    if (rc == LIBRAW_UNSUFFICIENT_MEMORY || s->mem_error)
        return skinq_fail(ctx, SKINQ_E_NOMEM, "cannot decode '%s': out of memory in LibRaw", in->name);
    if (rc == LIBRAW_TOO_BIG)
        return skinq_fail(ctx, SKINQ_E_LIMIT, "cannot decode '%s': %s above LibRaw's memory limit", in->name,
                          kind_name(dng));
    if (rc == LIBRAW_FILE_UNSUPPORTED || rc == LIBRAW_NOT_IMPLEMENTED)
        return skinq_fail(ctx, SKINQ_E_UNSUPPORTED, "cannot decode '%s': a %s LibRaw %s cannot read (%s)",
                          in->name, kind_name(dng), libraw_version(), libraw_strerror(rc));
    return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': corrupt or truncated %s (%s)", in->name,
                      kind_name(dng), rc ? libraw_strerror(rc) : "data error");
}

static void raw_close(raw_session *s)
{
    if (s->lr)
        libraw_close(s->lr);
    s->lr = NULL;
}

/* libraw_open_buffer over the input's bytes (LibRaw only reads them), silent handlers set. */
static int raw_open(const skinq_input *in, raw_session *s)
{
    memset(s, 0, sizeof *s);
    s->lr = libraw_init(LIBRAW_OPIONS_NO_MEMERR_CALLBACK | LIBRAW_OPIONS_NO_DATAERR_CALLBACK);
    if (!s->lr)
        return LIBRAW_UNSUFFICIENT_MEMORY;
    libraw_set_dataerror_handler(s->lr, on_data_error, s);
    libraw_set_memerror_handler(s->lr, on_mem_error, s);
    int rc = libraw_open_buffer(s->lr, (void *)(uintptr_t)in->data, in->size);
    if (rc == LIBRAW_SUCCESS && s->data_error)
        rc = LIBRAW_DATA_ERROR;
    return rc;
}

int skinq_raw_identify(const skinq_input *in)
{
    raw_session s;
    const int rc = raw_open(in, &s);
    raw_close(&s);
    return rc == LIBRAW_SUCCESS;
}

/* LibRaw's flip (dcraw's code) as the EXIF orientation it came from ("50132467"[exif]). */
static int flip_to_exif(int flip)
{
    static const int exif[8] = {1, 2, 4, 3, 5, 8, 6, 7};
    return exif[flip & 7];
}

static void cfa_name(libraw_data_t *lr, char *out, size_t n)
{
    const libraw_iparams_t *id = &lr->idata;
    if (id->filters == 0 && id->colors == 3)
        snprintf(out, n, "linear");
    else if (id->filters == 9)
        snprintf(out, n, "X-Trans");
    else if (id->filters > 999 && id->colors == 3) {
        char c[5];
        for (int i = 0; i < 4; i++)
            c[i] = id->cdesc[libraw_COLOR(lr, i / 2, i % 2) & 3];
        c[4] = '\0';
        snprintf(out, n, "%s", c);
    } else
        snprintf(out, n, "other");
}

/* What the open file says, and the multipliers (normalised to green) mul[] would apply. */
static void fill_info(libraw_data_t *lr, int dng, const float mul[4], const char *wb, skinq_raw_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->make, sizeof info->make, "%s", lr->idata.make);
    snprintf(info->model, sizeof info->model, "%s", lr->idata.model);
    info->iso = lr->other.iso_speed;
    info->shutter_s = lr->other.shutter;
    info->aperture = lr->other.aperture;
    info->focal_mm = lr->other.focal_len;
    info->dng = dng;
    for (unsigned m = lr->color.maximum; m; m >>= 1)
        info->raw_bits++;
    cfa_name(lr, info->cfa, sizeof info->cfa);
    snprintf(info->white_balance, sizeof info->white_balance, "%s", wb);
    for (int c = 0; c < 3; c++)
        info->wb_multipliers[c] = mul[1] > 0 ? mul[c] / mul[1] : 0;
    snprintf(info->demosaic, sizeof info->demosaic, "%s", lr->idata.filters ? "AHD" : "none");
}

/* The multipliers the decode will apply: the file's as-shot ones (cam_mul) unless wb_none or
 * the file has none, else LibRaw's daylight pre_mul (for a DNG: D65 through its colour matrix). */
static const char *pick_wb(libraw_data_t *lr, int wb_none, float mul[4])
{
    const float *cm = lr->color.cam_mul;
    if (!wb_none && cm[0] > 0 && cm[1] > 0 && cm[2] > 0) {
        memcpy(mul, cm, 4 * sizeof *mul);
        return "as-shot";
    }
    memcpy(mul, lr->color.pre_mul, 4 * sizeof *mul);
    return wb_none ? "none" : "daylight";
}

skinq_status skinq_raw_probe(skinq_ctx *ctx, const skinq_input *in, int dng, skinq_image_header *hdr,
                             skinq_raw_info *info)
{
    raw_session s;
    const int rc = raw_open(in, &s);
    if (rc != LIBRAW_SUCCESS) {
        skinq_status st = raw_fail(ctx, in, dng, rc, &s);
        raw_close(&s);
        return st;
    }
    libraw_data_t *lr = s.lr;
    memset(hdr, 0, sizeof *hdr);
    snprintf(hdr->format, sizeof hdr->format, "%s", dng ? "dng" : "raw");
    hdr->orientation = flip_to_exif(lr->sizes.flip);
    hdr->channels = 3;
    hdr->depth = 16;
    if (info) {
        float mul[4];
        fill_info(lr, dng, mul, pick_wb(lr, 0, mul), info);
    }
    lr->params.user_flip = 0; /* sizes as stored: load.c applies the orientation */
    libraw_adjust_sizes_info_only(lr);
    hdr->width = lr->sizes.width;
    hdr->height = lr->sizes.height;
    raw_close(&s);
    return SKINQ_OK;
}

/* IEC 61966-2-1 encoding of 16-bit linear codes into 16-bit sRGB codes. */
static void srgb_encode_table(uint16_t *t)
{
    for (int v = 0; v < 65536; v++) {
        const double x = v / 65535.0;
        const double e = x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055;
        t[v] = (uint16_t)lround(65535 * e);
    }
}

/* The processing: 16-bit linear sRGB out, no tone curve, no auto brightness, highlights
 * clipped, AHD, no rotation (load.c orients), white balance as chosen. */
static void set_params(libraw_data_t *lr, int wb_none, uint64_t max_bytes)
{
    libraw_output_params_t *o = &lr->params;
    o->output_bps = 16;
    o->gamm[0] = o->gamm[1] = 1.0;
    o->no_auto_bright = 1;
    o->bright = 1.0f;
    o->output_color = 1; /* sRGB primaries, D65 */
    o->use_camera_wb = !wb_none;
    o->use_auto_wb = 0;
    o->highlight = 0; /* clip */
    o->user_qual = 3; /* AHD */
    o->user_flip = 0;
    o->half_size = 0;
    const uint64_t mb = max_bytes >> 20;
    if (mb && mb < o->max_raw_memory_mb)
        o->max_raw_memory_mb = (unsigned)mb;
}

skinq_status skinq_raw_decode(skinq_ctx *ctx, const skinq_input *in, int dng, const skinq_image_header *hdr,
                              int wb_none, skinq_image **out, skinq_raw_info *info)
{
    raw_session s;
    int rc = raw_open(in, &s);
    libraw_data_t *lr = s.lr;
    skinq_status st = SKINQ_OK;
    if (rc == LIBRAW_SUCCESS) {
        const int orientation = flip_to_exif(lr->sizes.flip);
        set_params(lr, wb_none, ctx->max_bytes);
        /* before unpack: the sensor buffer, LibRaw's 4-channel image, its output and ours */
        const uint64_t w = (uint64_t)hdr->width, h = (uint64_t)hdr->height;
        const uint64_t raw_px = (uint64_t)lr->sizes.raw_width * lr->sizes.raw_height;
        st = skinq_io_check_size(ctx, in->name, w, h, raw_px * 2 + w * h * (8 + 6 + 6));
        float mul[4];
        const char *wb = pick_wb(lr, wb_none, mul);
        if (info)
            fill_info(lr, dng, mul, wb, info);
        if (st == SKINQ_OK && (rc = libraw_unpack(lr)) == LIBRAW_SUCCESS && !s.data_error)
            rc = libraw_dcraw_process(lr);
        if (st == SKINQ_OK && rc == LIBRAW_SUCCESS && s.data_error)
            rc = LIBRAW_DATA_ERROR;
        libraw_processed_image_t *pi = NULL;
        if (st == SKINQ_OK && rc == LIBRAW_SUCCESS && !(pi = libraw_dcraw_make_mem_image(lr, &rc)) && !rc)
            rc = LIBRAW_UNSUFFICIENT_MEMORY;
        if (pi && (pi->type != LIBRAW_IMAGE_BITMAP || pi->colors != 3 || pi->bits != 16 ||
                   pi->width != hdr->width || pi->height != hdr->height))
            st = skinq_fail(ctx, SKINQ_E_FORMAT,
                            "cannot decode '%s': LibRaw made a %dx%d %d-channel %d-bit image, "
                            "not the %dx%d RGB probed",
                            in->name, pi->width, pi->height, pi->colors, pi->bits, hdr->width, hdr->height);
        skinq_image *img = NULL;
        uint16_t *lut = NULL;
        if (st == SKINQ_OK && pi && !(lut = skinq_malloc(ctx, 65536 * sizeof *lut)))
            st = SKINQ_E_NOMEM;
        if (st == SKINQ_OK && pi)
            st = skinq_image_alloc(ctx, pi->width, pi->height, 3, 16, 0, &img);
        if (st == SKINQ_OK && pi) {
            srgb_encode_table(lut);
            const uint16_t *src = (const uint16_t *)(const void *)pi->data;
            for (int y = 0; y < img->height; y++) {
                uint16_t *row = (uint16_t *)(void *)skinq_image_row(img, y);
                const uint16_t *s16 = src + (size_t)y * img->width * 3;
                for (size_t i = 0; i < (size_t)img->width * 3; i++)
                    row[i] = lut[s16[i]];
            }
            img->orientation = orientation;
            if (info) /* what LibRaw applied (scale_colors keeps it in pre_mul) */
                for (int c = 0; c < 3; c++)
                    info->wb_multipliers[c] =
                        lr->color.pre_mul[1] > 0 ? lr->color.pre_mul[c] / lr->color.pre_mul[1] : 0;
            *out = img;
        }
        skinq_free(ctx, lut);
        if (pi)
            libraw_dcraw_clear_mem(pi);
    }
    if (st == SKINQ_OK && rc != LIBRAW_SUCCESS)
        st = raw_fail(ctx, in, dng, rc, &s);
    raw_close(&s);
    return st;
}

int skinq_raw_timestamp(const skinq_input *in, int64_t *t)
{
    raw_session s;
    const int rc = raw_open(in, &s);
    const int ok = rc == LIBRAW_SUCCESS && s.lr->other.timestamp > 0;
    if (ok)
        *t = (int64_t)s.lr->other.timestamp;
    raw_close(&s);
    return ok;
}
