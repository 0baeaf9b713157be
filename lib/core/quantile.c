/* quantile.c -- order statistics by Hoare's selection (expected O(n); a sort would be
 * O(n log n) on the million-sample spreads texture and surface take). */
#include "core/core.h"

float skinq_select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        float a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
        float piv = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b); /* median of 3 */
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < piv)
                i++;
            while (v[j] > piv)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k]; /* v[j+1 .. i-1] all equal the pivot */
    }
    return v[k];
}

double skinq_quantile_inplace(float *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t k = (size_t)pos;
    double f = pos - (double)k, r = skinq_select_kth(v, n, k);
    if (f > 0 && k + 1 < n) { /* the next order statistic: the least of what lies above v[k] */
        float b = v[k + 1];
        for (size_t i = k + 2; i < n; i++)
            b = v[i] < b ? v[i] : b;
        r += f * (b - r);
    }
    return r;
}
