/* mat3.c -- 3×3 homogeneous matrices: products, inverses, points, corner errors, resize maps. */
#include <math.h>
#include <string.h>

#include "align/align.h"

void skinq_mat3_identity(double m[9])
{
    static const double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(m, id, sizeof id);
}

void skinq_mat3_mul(const double a[9], const double b[9], double out[9])
{
    double r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    memcpy(out, r, sizeof r);
}

int skinq_mat3_inv(const double m[9], double out[9])
{
    double c[9] = {m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                   m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                   m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
    double det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6], norm = 0;
    for (int i = 0; i < 9; i++)
        norm = fmax(norm, fabs(m[i]));
    if (!isfinite(det) || fabs(det) <= 1e-12 * norm * norm * norm)
        return -1;
    for (int i = 0; i < 9; i++)
        out[i] = c[i] / det;
    return 0;
}

int skinq_mat3_apply(const double m[9], double x, double y, double *ox, double *oy)
{
    double w = m[6] * x + m[7] * y + m[8];
    if (!(fabs(w) > 1e-12))
        return -1;
    *ox = (m[0] * x + m[1] * y + m[2]) / w;
    *oy = (m[3] * x + m[4] * y + m[5]) / w;
    return 0;
}

int skinq_mat3_corner_error(const double a[9], const double b[9], int w, int h, double *mean, double *max)
{
    double sum = 0, big = 0;
    int bad = 0;
    for (int k = 0; k < 4 && !bad; k++) {
        double x = k & 1 ? w - 1 : 0, y = k & 2 ? h - 1 : 0, xa, ya, xb, yb;
        bad = skinq_mat3_apply(a, x, y, &xa, &ya) || skinq_mat3_apply(b, x, y, &xb, &yb);
        double d = bad ? INFINITY : hypot(xa - xb, ya - yb);
        sum += d;
        big = fmax(big, d);
    }
    if (mean)
        *mean = bad ? INFINITY : sum / 4;
    if (max)
        *max = big;
    return bad ? -1 : 0;
}

void skinq_mat3_resize(double m[9], int w, int h, int dw, int dh)
{
    double sx = (double)dw / w, sy = (double)dh / h;
    double r[9] = {sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5, 0, 0, 1};
    memcpy(m, r, sizeof r);
}

double skinq_mat3_local_map(const double m[9], double x, double y, double *det, double *s1, double *s2)
{
    double w = m[6] * x + m[7] * y + m[8];
    double u = (m[0] * x + m[1] * y + m[2]) / w, v = (m[3] * x + m[4] * y + m[5]) / w;
    double a = (m[0] - u * m[6]) / w, b = (m[1] - u * m[7]) / w, c = (m[3] - v * m[6]) / w,
           d = (m[4] - v * m[7]) / w;
    double f = a * a + b * b + c * c + d * d;
    *det = a * d - b * c;
    double g = sqrt(fmax(f * f - 4 * *det * *det, 0));
    *s1 = sqrt((f + g) / 2), *s2 = sqrt(fmax(f - g, 0) / 2);
    return w;
}

int skinq_mat3_from_quad(const double src[8], const double dst[8], double H[9])
{
    /* u = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), v likewise: two linear rows a point */
    double a[64], b[8];
    for (int k = 0; k < 4; k++) {
        double x = src[2 * k], y = src[2 * k + 1], u = dst[2 * k], v = dst[2 * k + 1];
        double r0[8] = {x, y, 1, 0, 0, 0, -u * x, -u * y}, r1[8] = {0, 0, 0, x, y, 1, -v * x, -v * y};
        memcpy(a + 16 * k, r0, sizeof r0);
        memcpy(a + 16 * k + 8, r1, sizeof r1);
        b[2 * k] = u, b[2 * k + 1] = v;
    }
    if (skinq_solve_small(a, 8, b, 8, 1e-12, H) != 0)
        return -1;
    H[8] = 1;
    return 0;
}
