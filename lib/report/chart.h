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
 * An inline SVG chart of a course's n points (course day, value): the points, the y range's end
 * labels, the day axis (baseline days negative), a dashed line at each procedure, and the curve of
 * every reliable fit of `co` (either model) over its window's days; co may be NULL (points only).
 * Every number is written by this file; no text from the store reaches it.
 */
void skinq_svg_chart(FILE *f, const skinq_course_point *p, int n, const skinq_course *co);

#endif
