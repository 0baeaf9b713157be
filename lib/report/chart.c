/* chart.c -- the report's inline SVG chart of one metric's series: points, the fitted curve of a
 * reliable fit (either model, through skinq_fit_eval), and axis labels short enough for the margin. */
#include "chart.h"

#include <math.h>
#include <string.h>

void skinq_axis_label(char *buf, size_t n, double v, int digits)
{
    double a = fabs(v);
    if (!isfinite(v)) {
        snprintf(buf, n, "n/a");
    } else if (a == 0) {
        snprintf(buf, n, "0");
    } else if (a >= 0.01 && a < 999.5) {
        snprintf(buf, n, "%.*g", digits, v);
    } else if (a >= 999.5 && a < 9999.5) {
        snprintf(buf, n, "%.0f", v);
    } else {
        static const char suffix[] = "kMGT";
        int e = 0;
        double m = v;
        while (a >= 9999.5 && fabs(m) >= 999.5 && e < 4) {
            m /= 1000;
            e++;
        }
        if (e > 0 && fabs(m) < 999.5) {
            snprintf(buf, n, "%.*g%c", digits, m, suffix[e - 1]);
            return;
        }
        /* below 0.01 or beyond T: mantissa and exponent without '+' or padding, with as many of
         * the digits as 7 characters hold ("-1.2e-4", "1.2e-10") */
        for (int p = digits; p >= 1; p--) {
            int x = (int)floor(log10(a));
            double mant = v / pow(10, x);
            if (fabs(mant) >= 10 - 0.5 * pow(10, 1 - p)) /* rounds up to 10 */
                mant /= 10, x++;
            snprintf(buf, n, "%.*ge%d", p, mant, x);
            if (strlen(buf) <= 7)
                break;
        }
    }
}

void skinq_svg_chart(FILE *f, const double *day, const double *value, int n, const skinq_fit *fit)
{
    const double W = 360, H = 150, L = 48, R = 10, T = 10, B = 26;
    double dmax = 0, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        dmax = day[i] > dmax ? day[i] : dmax;
        lo = value[i] < lo ? value[i] : lo;
        hi = value[i] > hi ? value[i] : hi;
    }
    if (dmax <= 0)
        dmax = 1;
    if (fit)
        for (int k = 0; k <= 60; k++) {
            double y = skinq_fit_eval(fit, dmax * k / 60);
            if (isfinite(y)) {
                lo = y < lo ? y : lo;
                hi = y > hi ? y : hi;
            }
        }
    if (!(hi > lo)) {
        hi += 0.5 + fabs(hi) * 0.05;
        lo -= 0.5 + fabs(lo) * 0.05;
    }
    double pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
    /* the end labels with the fewest digits (3 to 5) that tell them apart, at most 7 characters */
    char top[32], bottom[32], t2[32], b2[32];
    for (int d = 3;; d++) {
        skinq_axis_label(top, sizeof top, hi, d);
        skinq_axis_label(bottom, sizeof bottom, lo, d);
        if (strcmp(top, bottom) != 0 || d == 5)
            break;
        skinq_axis_label(t2, sizeof t2, hi, d + 1);
        skinq_axis_label(b2, sizeof b2, lo, d + 1);
        if (strlen(t2) > 7 || strlen(b2) > 7)
            break;
    }
#define X(d) (L + (W - L - R) * (d) / dmax)
#define Y(v) (T + (H - T - B) * (1 - ((v)-lo) / (hi - lo)))
    fprintf(f, "<svg width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" role=\"img\">", W, H, W, H);
    fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"#fafafa\" stroke=\"#ccc\"/>", L, T,
            W - L - R, H - T - B);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax y\" text-anchor=\"end\">%s</text>", L - 4, T + 8, top);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax y\" text-anchor=\"end\">%s</text>", L - 4, H - B, bottom);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\">day 0</text>", L, H - 8);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\" text-anchor=\"end\">day %.0f</text>", W - R, H - 8,
            dmax);
    if (fit) {
        fputs("<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"", f);
        for (int k = 0; k <= 60; k++) {
            double t = dmax * k / 60, y = skinq_fit_eval(fit, t);
            if (isfinite(y))
                fprintf(f, "%.1f,%.1f ", X(t), Y(y));
        }
        fputs("\"/>", f);
    }
    for (int i = 0; i < n; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2c3e50\"/>", X(day[i]), Y(value[i]));
    fputs("</svg>", f);
#undef X
#undef Y
}
