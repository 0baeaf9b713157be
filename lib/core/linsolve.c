/* linsolve.c -- small dense linear systems (the normal equations of per-pixel and per-curve fits). */
#include <math.h>

#include "core.h"

int skinq_solve_small(double *a, size_t lda, double *b, int n, double rel_tol, double *x)
{
    double scale = 0;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(a[(size_t)i * lda + (size_t)i]));
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[(size_t)r * lda + (size_t)c]) > fabs(a[(size_t)piv * lda + (size_t)c]))
                piv = r;
        double *pc = a + (size_t)c * lda, *pp = a + (size_t)piv * lda;
        if (!(fabs(pp[c]) > rel_tol * scale) || !(fabs(pp[c]) > 1e-300))
            return -1;
        if (piv != c) {
            for (int k = 0; k < n; k++) {
                double t = pc[k];
                pc[k] = pp[k];
                pp[k] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double *pr = a + (size_t)r * lda, f = pr[c] / pc[c];
            for (int k = c; k < n; k++)
                pr[k] -= f * pc[k];
            b[r] -= f * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < n; k++)
            s -= a[(size_t)r * lda + (size_t)k] * x[k];
        x[r] = s / a[(size_t)r * lda + (size_t)r];
    }
    return 0;
}
