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

/* The course day at which a window's fit has t = 0 (its procedure session; 0 for course days). */
static double curve_origin(const skinq_course_point *p, const skinq_course *co, const skinq_course_cycle *c)
{
    return p[c->first].day - co->t[c->first];
}

#define CURVE_STEPS 60

/* Window c's curve at CURVE_STEPS + 1 points over its days (x: course day); 0 when it has no
 * reliable fit to draw. */
static int curve(const skinq_course_point *p, const skinq_course *co, int c, double *x, double *y)
{
    const skinq_course_cycle *cy = &co->cycles[c];
    if (cy->fit_status != SKINQ_OK || !cy->verdict.reliable)
        return 0;
    double t0 = curve_origin(p, co, cy), t1 = co->t[cy->first + cy->count - 1];
    for (int k = 0; k <= CURVE_STEPS; k++) {
        double t = t1 * k / CURVE_STEPS;
        x[k] = t0 + t;
        y[k] = skinq_fit_eval(&cy->fit, t);
    }
    return 1;
}

void skinq_svg_chart(FILE *f, const skinq_course_point *p, int n, const skinq_course *co)
{
    const double W = 360, H = 150, L = 48, R = 10, T = 10, B = 26;
    double dmin = 0, dmax = 0, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        dmin = p[i].day < dmin ? p[i].day : dmin;
        dmax = p[i].day > dmax ? p[i].day : dmax;
        lo = p[i].value < lo ? p[i].value : lo;
        hi = p[i].value > hi ? p[i].value : hi;
    }
    if (dmax <= dmin)
        dmax = dmin + 1;
    double cx[CURVE_STEPS + 1], cy[CURVE_STEPS + 1];
    for (int c = 0; co && c < co->ncycles; c++)
        for (int k = 0; curve(p, co, c, cx, cy) && k <= CURVE_STEPS; k++)
            if (isfinite(cy[k])) {
                lo = cy[k] < lo ? cy[k] : lo;
                hi = cy[k] > hi ? cy[k] : hi;
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
#define X(d) (L + (W - L - R) * ((d)-dmin) / (dmax - dmin))
#define Y(v) (T + (H - T - B) * (1 - ((v)-lo) / (hi - lo)))
    fprintf(f, "<svg width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" role=\"img\">", W, H, W, H);
    fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"#fafafa\" stroke=\"#ccc\"/>", L, T,
            W - L - R, H - T - B);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax y\" text-anchor=\"end\">%s</text>", L - 4, T + 8, top);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax y\" text-anchor=\"end\">%s</text>", L - 4, H - B, bottom);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\">day %.0f</text>", L, H - 8, dmin);
    fprintf(f, "<text x=\"%g\" y=\"%g\" class=\"ax\" text-anchor=\"end\">day %.0f</text>", W - R, H - 8,
            dmax);
    for (int c = 0; co && c < co->ncycles; c++) /* each procedure, dashed */
        if (co->cycles[c].cycle > 0) {
            double x = X(curve_origin(p, co, &co->cycles[c]));
            fprintf(f,
                    "<line class=\"procedure\" x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#999\" "
                    "stroke-dasharray=\"3,3\"/>",
                    x, T, x, H - B);
        }
    for (int c = 0; co && c < co->ncycles; c++) {
        if (!curve(p, co, c, cx, cy))
            continue;
        fputs("<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"", f);
        for (int k = 0; k <= CURVE_STEPS; k++)
            if (isfinite(cy[k]))
                fprintf(f, "%.1f,%.1f ", X(cx[k]), Y(cy[k]));
        fputs("\"/>", f);
    }
    for (int i = 0; i < n; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2c3e50\"/>", X(p[i].day), Y(p[i].value));
    fputs("</svg>", f);
#undef X
#undef Y
}
