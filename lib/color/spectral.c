/* spectral.c -- reflectance spectra → colour: CIE XYZ and linear sRGB under D65, and a camera's own
 * spectral sensitivities from a CSV file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "color/spectral.h"

void skinq_spectrum_xyz(const double refl[SPEC_N], double xyz[3])
{
    double k = 0, s[3] = {0, 0, 0};
    for (int i = 0; i < SPEC_N; i++) {
        k += skinq_spec_d65[i] * skinq_spec_cmf[i][1];
        for (int c = 0; c < 3; c++)
            s[c] += refl[i] * skinq_spec_d65[i] * skinq_spec_cmf[i][c];
    }
    for (int c = 0; c < 3; c++)
        xyz[c] = s[c] / k;
}

/* XYZ → linear sRGB, IEC 61966-2-1:1999 (the 4-decimal inverse of its RGB → XYZ matrix). */
static const double xyz2rgb[3][3] = {
    {3.2406, -1.5372, -0.4986},
    {-0.9689, 1.8758, 0.0415},
    {0.0557, -0.2040, 1.0570},
};

void skinq_spectrum_rgb(const skinq_camera *cam, const double refl[SPEC_N], double rgb[3])
{
    if (cam) {
        for (int c = 0; c < 3; c++) {
            rgb[c] = 0;
            for (int i = 0; i < SPEC_N; i++)
                rgb[c] += refl[i] * cam->w[i][c];
        }
        return;
    }
    double xyz[3];
    skinq_spectrum_xyz(refl, xyz);
    for (int c = 0; c < 3; c++)
        rgb[c] = xyz2rgb[c][0] * xyz[0] + xyz2rgb[c][1] * xyz[1] + xyz2rgb[c][2] * xyz[2];
}

/* ------------------------------------------------------------ camera CSV */

typedef struct rows {
    double *v; /* 4 per row: nm, r, g, b */
    size_t n, cap;
} rows;

/* Parse "a,b,c,d" (spaces allowed around fields) into v; 1 when it is exactly four numbers. */
static int parse4(const char *s, double v[4])
{
    for (int k = 0; k < 4; k++) {
        char *end;
        errno = 0;
        v[k] = strtod(s, &end);
        if (end == s || errno == ERANGE || !isfinite(v[k]))
            return 0;
        s = end;
        while (*s == ' ' || *s == '\t')
            s++;
        if (k < 3 && *s++ != ',')
            return 0;
    }
    return *s == '\0';
}

static skinq_status read_rows(skinq_ctx *ctx, const char *path, FILE *f, rows *r)
{
    char line[512];
    int lineno = 0, seen = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f))
            return skinq_fail(ctx, SKINQ_E_FORMAT, "camera file '%s' line %d: line too long", path, lineno);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        const char *s = line + strspn(line, " \t");
        if (!*s || *s == '#')
            continue;
        double v[4];
        if (!parse4(s, v)) {
            if (!seen++ && r->n == 0)
                continue; /* the header */
            return skinq_fail(ctx, SKINQ_E_FORMAT, "camera file '%s' line %d: expected wavelength_nm,r,g,b",
                              path, lineno);
        }
        seen = 1;
        if (v[1] < 0 || v[2] < 0 || v[3] < 0)
            return skinq_fail(ctx, SKINQ_E_FORMAT, "camera file '%s' line %d: negative sensitivity", path,
                              lineno);
        if (r->n && !(v[0] > r->v[4 * (r->n - 1)]))
            return skinq_fail(ctx, SKINQ_E_FORMAT, "camera file '%s' line %d: wavelengths must increase",
                              path, lineno);
        if (r->n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 64;
            double *nv = skinq_malloc(ctx, cap * 4 * sizeof *nv);
            if (!nv)
                return SKINQ_E_NOMEM;
            if (r->n)
                memcpy(nv, r->v, r->n * 4 * sizeof *nv);
            skinq_free(ctx, r->v);
            r->v = nv;
            r->cap = cap;
        }
        memcpy(r->v + 4 * r->n++, v, sizeof v);
    }
    if (ferror(f))
        return skinq_fail(ctx, SKINQ_E_IO, "cannot read camera file '%s'", path);
    return SKINQ_OK;
}

/* Linear interpolation of the rows to the grid, D65-weighted, white-balanced. */
static skinq_status resample(skinq_ctx *ctx, const char *path, const rows *r, skinq_camera *cam)
{
    const double lo = SPEC_NM(0), hi = SPEC_NM(SPEC_N - 1);
    if (r->n < 2 || r->v[0] > lo || r->v[4 * (r->n - 1)] < hi)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "camera file '%s': wavelengths must cover %.0f-%.0f nm", path,
                          lo, hi);
    double white[3] = {0, 0, 0};
    size_t j = 0;
    for (int i = 0; i < SPEC_N; i++) {
        double nm = SPEC_NM(i);
        while (j + 2 < r->n && r->v[4 * (j + 1)] < nm)
            j++;
        const double *a = r->v + 4 * j, *b = a + 4;
        double t = (nm - a[0]) / (b[0] - a[0]);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        for (int c = 0; c < 3; c++) {
            cam->w[i][c] = skinq_spec_d65[i] * (a[1 + c] + t * (b[1 + c] - a[1 + c]));
            white[c] += cam->w[i][c];
        }
    }
    for (int c = 0; c < 3; c++) {
        if (!(white[c] > 0))
            return skinq_fail(ctx, SKINQ_E_FORMAT,
                              "camera file '%s': channel %c has no response in %.0f-%.0f nm", path, "rgb"[c],
                              lo, hi);
        for (int i = 0; i < SPEC_N; i++)
            cam->w[i][c] /= white[c];
    }
    return SKINQ_OK;
}

skinq_status skinq_camera_load(skinq_ctx *ctx, const char *path, skinq_camera **out)
{
    if (!path || !out)
        return skinq_fail(ctx, SKINQ_E_INVALID, "skinq_camera_load: NULL argument");
    FILE *f = fopen(path, "r");
    if (!f)
        return skinq_fail(ctx, SKINQ_E_IO, "cannot open camera file '%s': %s", path, strerror(errno));
    rows r = {0};
    skinq_status st = read_rows(ctx, path, f, &r);
    fclose(f);
    skinq_camera *cam = NULL;
    if (st == SKINQ_OK) {
        cam = skinq_calloc(ctx, 1, sizeof *cam);
        st = cam ? resample(ctx, path, &r, cam) : SKINQ_E_NOMEM;
    }
    skinq_free(ctx, r.v);
    if (st != SKINQ_OK) {
        skinq_free(ctx, cam);
        return st;
    }
    cam->alloc = ctx->alloc;
    *out = cam;
    return SKINQ_OK;
}

void skinq_camera_free(skinq_camera **pcam)
{
    if (!pcam || !*pcam)
        return;
    skinq_allocator a = (*pcam)->alloc;
    skinq_free_raw(&a, *pcam);
    *pcam = NULL;
}
