/* chart.h -- internal: the report's SVG series chart and its compact axis labels. */
#ifndef SKINQ_REPORT_CHART_H
#define SKINQ_REPORT_CHART_H

#include <stdio.h>

#include "core/core.h"

/**
 * v as a short label for the chart's 48-px left margin at 10 px (7 characters at 3 digits):
 * `digits` significant digits ("%.3g") from 0.01 to 999, whole numbers to 9999, k/M/G/T above
 * ("30.5M"), and a short exponent below 0.01 ("1.23e-4", one digit less when negative); "0" for
 * zero and "n/a" when not finite.
 */
void skinq_axis_label(char *buf, size_t n, double v, int digits);

/**
 * An inline SVG chart of n points (day, value): the points, the y range's end labels, the day
 * axis, and the curve of `fit` (either model) when fit is not NULL (a reliable fit only: the
 * caller decides). Every number is written by this file; no text from the store reaches it.
 */
void skinq_svg_chart(FILE *f, const double *day, const double *value, int n, const skinq_fit *fit);

#endif
