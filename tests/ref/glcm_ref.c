/* glcm_ref.c -- the reference GLCM: nested loops over every pixel and offset, doubles throughout.
 * Definitions: Haralick, Shanmugam & Dinstein (IEEE SMC 1973); conventions of scikit-image's
 * skimage.feature.graycomatrix / graycoprops (correlation = 1 for a constant image). */
#include "glcm_ref.h"

#include <math.h>
#include <stdlib.h>

double ref_glcm_matrix(const uint8_t *img, int w, int h, const uint8_t *mask, int levels, int drow, int dcol,
                       double *P)
{
    return ref_glcm_matrix_rows(img, w, h, mask, levels, drow, dcol, 0, 1, P);
}

double ref_glcm_matrix_rows(const uint8_t *img, int w, int h, const uint8_t *mask, int levels, int drow,
                            int dcol, int y_first, int step, double *P)
{
    for (int i = 0; i < levels * levels; i++)
        P[i] = 0;
    double n = 0;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            if (((r - y_first) % step + step) % step != 0)
                continue; /* not an anchor row */
            int r2 = r + drow, c2 = c + dcol;
            if (r2 < 0 || r2 >= h || c2 < 0 || c2 >= w)
                continue;
            if (mask && (!mask[r * w + c] || !mask[r2 * w + c2]))
                continue;
            int a = img[r * w + c], b = img[r2 * w + c2];
            P[a * levels + b] += 1; /* symmetric: the pair counts both ways */
            P[b * levels + a] += 1;
            n += 2;
        }
    if (n > 0)
        for (int i = 0; i < levels * levels; i++)
            P[i] /= n;
    return n / 2;
}

void ref_glcm_features(const uint8_t *img, int w, int h, const uint8_t *mask, int levels, const double *dist,
                       int nd, const double *angles, int na, double out[REF_GLCM_FEATURES])
{
    ref_glcm_features_rows(img, w, h, mask, levels, dist, nd, angles, na, 0, 1, out);
}

void ref_glcm_features_rows(const uint8_t *img, int w, int h, const uint8_t *mask, int levels,
                            const double *dist, int nd, const double *angles, int na, int y_first, int step,
                            double out[REF_GLCM_FEATURES])
{
    double *P = malloc(sizeof *P * (size_t)levels * (size_t)levels);
    double acc[REF_GLCM_FEATURES] = {0};
    int used = 0;
    for (int a = 0; a < na; a++)
        for (int d = 0; d < nd; d++) {
            int dr = (int)lround(sin(angles[a]) * dist[d]), dc = (int)lround(cos(angles[a]) * dist[d]);
            if (ref_glcm_matrix_rows(img, w, h, mask, levels, dr, dc, y_first, step, P) == 0)
                continue;
            double mi = 0, mj = 0;
            for (int i = 0; i < levels; i++)
                for (int j = 0; j < levels; j++) {
                    mi += i * P[i * levels + j];
                    mj += j * P[i * levels + j];
                }
            double f[REF_GLCM_FEATURES] = {0}, vi = 0, vj = 0, cov = 0;
            for (int i = 0; i < levels; i++)
                for (int j = 0; j < levels; j++) {
                    double p = P[i * levels + j];
                    f[0] += p * (i - j) * (i - j);
                    f[1] += p * abs(i - j);
                    f[2] += p / (1.0 + (i - j) * (i - j));
                    f[3] += p * p;
                    if (p > 0)
                        f[6] += -p * log2(p);
                    vi += p * (i - mi) * (i - mi);
                    vj += p * (j - mj) * (j - mj);
                    cov += p * (i - mi) * (j - mj);
                }
            f[4] = sqrt(f[3]);
            f[5] = (sqrt(vi) < 1e-15 || sqrt(vj) < 1e-15) ? 1.0 : cov / sqrt(vi * vj);
            for (int k = 0; k < REF_GLCM_FEATURES; k++)
                acc[k] += f[k];
            used++;
        }
    for (int k = 0; k < REF_GLCM_FEATURES; k++)
        out[k] = used ? acc[k] / used : NAN;
    free(P);
}
