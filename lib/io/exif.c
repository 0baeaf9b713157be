/* exif.c -- a photo's capture time from its EXIF (JPEG APP1, PNG eXIf, HEIF "Exif" item) through
 * libexif, or a TIFF's, DNG's or TIFF-based RAW's own tags through libtiff (other RAWs: LibRaw's
 * timestamp), checked
 * to be a real calendar moment: a zeroed or blank date is "no capture time", never a value. */
#include "io.h"

#include <libexif/exif-data.h>
#include <string.h>
#include <time.h>

static const uint8_t EXIF_HEAD[6] = {'E', 'x', 'i', 'f', 0, 0};

/* The "Exif\0\0" APP1 segment among the markers before the first scan, or NULL. The probe has
 * accepted the file already; this walk only has to stay inside the bytes. */
static const uint8_t *jpeg_exif(const skinq_input *in, size_t *n)
{
    const uint8_t *p = in->data;
    size_t pos = 2;
    while (pos + 4 <= in->size && p[pos] == 0xFF) {
        const uint8_t m = p[pos + 1];
        if (m == 0xFF) { /* fill byte before a marker */
            pos++;
            continue;
        }
        if (m == 0xDA || m == 0xD9) /* SOS, EOI: metadata comes before */
            break;
        const size_t len = (size_t)p[pos + 2] << 8 | p[pos + 3];
        if (len < 2 || len > in->size - pos - 2)
            break;
        if (m == 0xE1 && len >= 2 + sizeof EXIF_HEAD &&
            memcmp(p + pos + 4, EXIF_HEAD, sizeof EXIF_HEAD) == 0) {
            *n = len - 2;
            return p + pos + 4;
        }
        pos += 2 + len;
    }
    return NULL;
}

/* The eXIf chunk's TIFF bytes (before or after IDAT, as libpng accepts it), or NULL. */
static const uint8_t *png_exif(const skinq_input *in, size_t *n)
{
    const uint8_t *p = in->data;
    size_t pos = 8;
    while (pos + 12 <= in->size) {
        const uint32_t len =
            (uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 | (uint32_t)p[pos + 2] << 8 | p[pos + 3];
        if (len > in->size - pos - 12)
            break;
        if (memcmp(p + pos + 4, "eXIf", 4) == 0) {
            *n = len;
            return p + pos + 8;
        }
        if (memcmp(p + pos + 4, "IEND", 4) == 0)
            break;
        pos += (size_t)len + 12;
    }
    return NULL;
}

/* libexif over "Exif\0\0" + TIFF, without its "fix-ups" (FOLLOW_SPECIFICATION would add missing
 * mandatory tags, DateTime among them, with the current time) and keeping tags it would call
 * unknown in their IFD. NULL when out of memory. */
static ExifData *exif_parse(const uint8_t *blk, size_t n)
{
    ExifData *ed = exif_data_new();
    if (!ed)
        return NULL;
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_load_data(ed, blk, (unsigned)n); /* n < 2^31: an APP1 segment or a PNG chunk */
    return ed;
}

/* Where the capture-time tags are read: libexif's parse, or a TIFF's tags as libtiff read them. */
typedef struct time_tags {
    ExifData *ed;
    const skinq_tiff_times *tiff;
} time_tags;

/* An ASCII entry's bytes without its trailing NULs; 0 and *s untouched when absent. */
static size_t entry_text(const time_tags *src, ExifIfd ifd, ExifTag tag, const char **s)
{
    if (src->tiff) {
        for (int i = 0; i < SKINQ_TIFF_TIME_TAGS; i++)
            if (skinq_tiff_time_tags[i] == tag && src->tiff->found[i] && (i == 0) == (ifd == EXIF_IFD_0)) {
                *s = src->tiff->text[i];
                return strlen(*s);
            }
        return 0;
    }
    ExifData *ed = src->ed;
    ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], tag);
    if (!e || !e->data)
        return 0;
    size_t n = e->size;
    while (n && e->data[n - 1] == 0)
        n--;
    *s = (const char *)e->data;
    return n;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY:MM:DD HH:MM:SS" (exactly) naming a real moment → out's date and time. */
static int parse_datetime(const char *s, size_t n, skinq_capture_time *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 19 || s[4] != ':' || s[7] != ':' || s[10] != ' ' || s[13] != ':' || s[16] != ':')
        return 0;
    const int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
    const int h = num(s + 11, 2), mi = num(s + 14, 2), se = num(s + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 59)
        return 0;
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return 0;
    memcpy(out->date, s, 10); /* the digits as checked, ISO separators */
    out->date[4] = out->date[7] = '-';
    out->date[10] = '\0';
    memcpy(out->time, s + 11, 8);
    out->time[8] = '\0';
    return 1;
}

/* The companions: SubSecTime* of 1-9 digits, OffsetTime* "+HH:MM" within -12:00..+14:00; ill-formed
 * ones are dropped (the moment stands, to the second, in an unknown zone). */
static void parse_companions(const char *ss, size_t nss, const char *os, size_t nos, skinq_capture_time *out)
{
    out->subsec[0] = out->offset[0] = '\0';
    while (nss && ss[nss - 1] == ' ') /* SubSecTime is often blank-padded */
        nss--;
    if (nss >= 1 && nss <= 9 && num(ss, (int)nss) >= 0) {
        memcpy(out->subsec, ss, nss);
        out->subsec[nss] = '\0';
    }
    if (nos == 6 && (os[0] == '+' || os[0] == '-') && os[3] == ':') {
        const int h = num(os + 1, 2), m = num(os + 4, 2);
        if (h >= 0 && m >= 0 && m <= 59 && h * 60 + m <= (os[0] == '+' ? 14 * 60 : 12 * 60)) {
            memcpy(out->offset, os, 6);
            out->offset[6] = '\0';
        }
    }
}

static const struct {
    ExifIfd ifd;
    ExifTag date, subsec, offset;
    const char *name;
} SOURCES[] = {
    {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_TAG_SUB_SEC_TIME_ORIGINAL,
     EXIF_TAG_OFFSET_TIME_ORIGINAL, "DateTimeOriginal"},
    {EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, EXIF_TAG_SUB_SEC_TIME_DIGITIZED,
     EXIF_TAG_OFFSET_TIME_DIGITIZED, "DateTimeDigitized"},
    {EXIF_IFD_0, EXIF_TAG_DATE_TIME, EXIF_TAG_SUB_SEC_TIME, EXIF_TAG_OFFSET_TIME, "DateTime"},
};

/* The first source with a valid date into *out (1), else 0 and why in `why`. */
static int capture_from(const time_tags *ed, skinq_capture_time *out, char *why, size_t nwhy)
{
    snprintf(why, nwhy, "no DateTimeOriginal, DateTimeDigitized or DateTime");
    int first_bad = 1;
    for (size_t i = 0; i < sizeof SOURCES / sizeof SOURCES[0]; i++) {
        const char *s = NULL, *ss = NULL, *os = NULL;
        const size_t n = entry_text(ed, SOURCES[i].ifd, SOURCES[i].date, &s);
        if (!n && !s)
            continue;
        if (parse_datetime(s, n, out)) {
            const size_t nss = entry_text(ed, EXIF_IFD_EXIF, SOURCES[i].subsec, &ss);
            const size_t nos = entry_text(ed, EXIF_IFD_EXIF, SOURCES[i].offset, &os);
            parse_companions(ss, nss, os, nos, out);
            snprintf(out->source, sizeof out->source, "%s", SOURCES[i].name);
            snprintf(out->iso8601, sizeof out->iso8601, "%sT%s%s%s%s", out->date, out->time,
                     out->subsec[0] ? "." : "", out->subsec, out->offset);
            return 1;
        }
        if (first_bad) { /* the value shown as it is, unprintable bytes as '?' */
            char shown[24];
            size_t k = 0;
            for (; k < n && k + 1 < sizeof shown; k++)
                shown[k] = s[k] >= 0x20 && s[k] < 0x7F ? s[k] : '?';
            shown[k] = '\0';
            snprintf(why, nwhy, "%s is \"%s%s\"", SOURCES[i].name, shown, k < n ? "..." : "");
            first_bad = 0;
        }
    }
    return 0;
}

/* A RAW with no EXIF date libexif finds: LibRaw's timestamp, which it made from the camera's
 * local date and time with mktime(); localtime_r() gives those back (the same process's zone). */
static int raw_capture(const skinq_input *in, skinq_capture_time *out)
{
    int64_t t = 0;
    struct tm tm;
    if (!skinq_raw_timestamp(in, &t))
        return 0;
    const time_t tt = (time_t)t;
    if (!localtime_r(&tt, &tm))
        return 0;
    char s[64];
    snprintf(s, sizeof s, "%04d:%02d:%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (!parse_datetime(s, strlen(s), out))
        return 0;
    out->subsec[0] = out->offset[0] = '\0';
    snprintf(out->source, sizeof out->source, "LibRaw timestamp");
    snprintf(out->iso8601, sizeof out->iso8601, "%sT%s", out->date, out->time);
    return 1;
}

/* The capture time from the tags of `src` (SKINQ_E_INVALID naming the file and why when none). */
static skinq_status capture_of(skinq_ctx *ctx, const char *name, const time_tags *src,
                               skinq_capture_time *out)
{
    skinq_capture_time ct;
    memset(&ct, 0, sizeof ct);
    char why[96];
    if (!capture_from(src, &ct, why, sizeof why))
        return skinq_fail(ctx, SKINQ_E_INVALID, "'%s': no EXIF capture time (%s)", name, why);
    *out = ct;
    return SKINQ_OK;
}

skinq_status skinq_image_capture_time_input(skinq_ctx *ctx, const skinq_input *in, skinq_capture_time *out)
{
    skinq_image_header hdr; /* the loaders' checks and errors, without a pixel decoded */
    skinq_status st = skinq_image_probe_input(ctx, in, &hdr);
    if (st != SKINQ_OK)
        return st;
    const int raw = strcmp(hdr.format, "dng") == 0 || strcmp(hdr.format, "raw") == 0;
    if (strcmp(hdr.format, "tiff") == 0 || (raw && skinq_raw_is_tiff(in))) { /* its own IFD0 and Exif IFD */
        skinq_tiff_times tt;
        st = skinq_tiff_time_text(ctx, in, &tt);
        const time_tags src = {NULL, &tt};
        if (st == SKINQ_OK)
            st = capture_of(ctx, in->name, &src, out);
        if (st == SKINQ_OK || !raw)
            return st;
    }
    if (raw) { /* no date in its tags (or not TIFF-based): LibRaw's timestamp */
        skinq_capture_time ct;
        memset(&ct, 0, sizeof ct);
        if (!raw_capture(in, &ct))
            return skinq_fail(ctx, SKINQ_E_INVALID,
                              "'%s': no EXIF capture time (no date in its tags, no LibRaw timestamp)",
                              in->name);
        *out = ct;
        return SKINQ_OK;
    }
    size_t n = 0;
    const int png = strcmp(hdr.format, "png") == 0;
    uint8_t *own = NULL;
    const uint8_t *blk = NULL;
    if (strcmp(hdr.format, "heif") == 0) {
        if ((st = skinq_heif_exif(ctx, in, &own, &n)) != SKINQ_OK)
            return st;
        blk = own;
    } else
        blk = png ? png_exif(in, &n) : jpeg_exif(in, &n);
    if (!blk)
        return skinq_fail(ctx, SKINQ_E_INVALID, "'%s': no EXIF capture time (no EXIF data)", in->name);
    if (png) { /* libexif reads the APP1 form: "Exif\0\0" before the TIFF header */
        if (!(own = skinq_malloc(ctx, n + sizeof EXIF_HEAD)))
            return SKINQ_E_NOMEM;
        memcpy(own, EXIF_HEAD, sizeof EXIF_HEAD);
        memcpy(own + sizeof EXIF_HEAD, blk, n);
        blk = own;
        n += sizeof EXIF_HEAD;
    }
    ExifData *ed = exif_parse(blk, n);
    skinq_free(ctx, own);
    if (!ed)
        return skinq_fail(ctx, SKINQ_E_NOMEM, "out of memory reading the EXIF of '%s'", in->name);
    const time_tags src = {ed, NULL};
    st = capture_of(ctx, in->name, &src, out);
    exif_data_unref(ed);
    return st;
}

static skinq_status capture_reader(skinq_ctx *ctx, const skinq_input *in, void *out)
{
    return skinq_image_capture_time_input(ctx, in, out);
}

skinq_status skinq_image_capture_time(skinq_ctx *ctx, const char *path, skinq_capture_time *out)
{
    if (!ctx || !path || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_image_capture_time: NULL argument");
    return skinq_io_read_path(ctx, path, capture_reader, out);
}

skinq_status skinq_image_capture_time_mem(skinq_ctx *ctx, const void *data, size_t size, const char *name,
                                          skinq_capture_time *out)
{
    return skinq_io_read_mem(ctx, data, size, name, "skinq_image_capture_time_mem", capture_reader, out);
}
