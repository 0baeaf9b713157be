/* lights_dir.c -- a DiLiGenT-layout photometric-stereo folder read into the same skinq_lights as a
 * lights file: filenames.txt (one image per line, in light order), light_directions.txt ("x y z"
 * per line, x right, y up, z toward the camera: the lights file's axes) and the optional
 * light_intensities.txt ("r g b" per line; absent: 1). Blank lines are ignored, CRLF line ends
 * and a UTF-8 byte-order mark are taken. skinq_lights_load() is here: a folder is read below, a file
 * by lights.c. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "surface.h"

/* One text file of the folder cut into its non-blank lines (blanks around each cut off). */
typedef struct {
    const char *name;
    char *text;                   /* ctx's allocator */
    char *line[SKINQ_LIGHTS_MAX]; /* into text */
    int lineno[SKINQ_LIGHTS_MAX]; /* 1-based line numbers in the file */
    int n;                        /* -1: the file is absent */
} dir_file;

/* f->text cut into lines in place; SKINQ_E_FORMAT above SKINQ_LIGHTS_MAX of them. */
static skinq_status split_lines(skinq_ctx *ctx, const char *dir, dir_file *f)
{
    char *p = f->text;
    if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    f->n = 0;
    for (int no = 1; *p; no++) {
        char *e = strchr(p, '\n');
        char *next = e ? e + 1 : p + strlen(p);
        if (e)
            *e = '\0';
        size_t len = strlen(p);
        while (len && isspace((unsigned char)p[len - 1]))
            p[--len] = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p) {
            if (f->n == SKINQ_LIGHTS_MAX)
                return skinq_fail(ctx, SKINQ_E_FORMAT,
                                  "cannot use lights folder '%s': %s has more than %d lines (lights)", dir,
                                  f->name, SKINQ_LIGHTS_MAX);
            f->line[f->n] = p;
            f->lineno[f->n++] = no;
        }
        p = next;
    }
    return SKINQ_OK;
}

/* f->name of the folder (prefix: the folder with its '/'), read and cut into lines; an absent file
 * is an error when required, else f->n = -1. */
static skinq_status read_file(skinq_ctx *ctx, const char *dir, const char *prefix, dir_file *f, int required)
{
    f->n = -1;
    char *path = surface_resolve(ctx, prefix, strlen(prefix), f->name);
    if (!path)
        return SKINQ_E_NOMEM;
    struct stat sb;
    skinq_status st = SKINQ_OK;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        if (required)
            st = skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights folder '%s': it has no %s", dir, f->name);
    } else {
        st = surface_read_text(ctx, path, "lights folder file", 4u << 20, &f->text);
        if (st == SKINQ_OK)
            st = split_lines(ctx, dir, f);
    }
    skinq_free(ctx, path);
    return st;
}

/* Three finite numbers separated by blanks and nothing else. */
static int parse3(const char *s, double v[3])
{
    for (int c = 0; c < 3; c++) {
        char *end;
        v[c] = strtod(s, &end);
        if (end == s || !isfinite(v[c]))
            return 0;
        s = end;
    }
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* Light k from line k of each file (intensities: f[2], absent when its n < 0). */
static skinq_status read_light(skinq_ctx *ctx, const char *dir, const char *prefix, const dir_file *f, int k,
                               skinq_light *o)
{
    double v[3];
    const char *why =
        parse3(f[1].line[k], v) ? surface_light_direction(o, v) : "needs three numbers \"x y z\"";
    if (why)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights folder '%s': %s line %d: light %d %s", dir,
                          f[1].name, f[1].lineno[k], k, why);
    const double one[3] = {1, 1, 1};
    if (!(f[2].n < 0 ? surface_light_rgb(o, one) : parse3(f[2].line[k], v) && surface_light_rgb(o, v)))
        return skinq_fail(ctx, SKINQ_E_FORMAT,
                          "cannot use lights folder '%s': %s line %d: light %d needs three positive numbers "
                          "\"r g b\"",
                          dir, f[2].name, f[2].lineno[k], k);
    o->intensity = f[2].n < 0 ? 1.0 : o->intensity;
    if (!(o->image = surface_resolve(ctx, prefix, strlen(prefix), f[0].line[k])))
        return SKINQ_E_NOMEM;
    return SKINQ_OK;
}

/* The line counts agree: directions (and intensities, when present) one per image. */
static skinq_status check_counts(skinq_ctx *ctx, const char *dir, const dir_file *f)
{
    if (f[0].n == 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights folder '%s': %s names no image", dir,
                          f[0].name);
    for (int i = 1; i < 3; i++)
        if (f[i].n >= 0 && f[i].n != f[0].n)
            return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot use lights folder '%s': %s has %d lines, %s %d",
                              dir, f[i].name, f[i].n, f[0].name, f[0].n);
    return SKINQ_OK;
}

/* A DiLiGenT-layout folder into lights. */
static skinq_status load_dir(skinq_ctx *ctx, const char *dir, skinq_lights **out)
{
    size_t dl = strlen(dir);
    const int slash = dl > 0 && dir[dl - 1] == '/';
    dir_file *f = skinq_calloc(ctx, 3, sizeof *f);
    char *prefix = skinq_malloc(ctx, dl + 2);
    if (!f || !prefix) {
        skinq_free(ctx, f);
        skinq_free(ctx, prefix);
        return SKINQ_E_NOMEM;
    }
    memcpy(prefix, dir, dl);
    memcpy(prefix + dl, slash ? "" : "/", slash ? 1 : 2);
    f[0].name = "filenames.txt";
    f[1].name = "light_directions.txt";
    f[2].name = "light_intensities.txt";
    skinq_lights *L = NULL;
    skinq_status st = SKINQ_OK;
    for (int i = 0; st == SKINQ_OK && i < 3; i++)
        st = read_file(ctx, dir, prefix, &f[i], i < 2);
    if (st == SKINQ_OK)
        st = check_counts(ctx, dir, f);
    if (st == SKINQ_OK)
        st = surface_lights_new(ctx, f[0].n, &L);
    for (int k = 0; st == SKINQ_OK && k < f[0].n; k++)
        st = read_light(ctx, dir, prefix, f, k, &L->items[k]);
    for (int i = 0; i < 3; i++)
        skinq_free(ctx, f[i].text);
    skinq_free(ctx, f);
    skinq_free(ctx, prefix);
    if (st == SKINQ_OK) {
        *out = L;
        L = NULL;
    }
    skinq_lights_free(&L);
    return st;
}

skinq_status skinq_lights_load(skinq_ctx *ctx, const char *path, skinq_lights **out)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return load_dir(ctx, path, out);
    return surface_lights_load_json(ctx, path, out);
}
