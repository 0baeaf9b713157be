/* test_chart.c -- the report chart's axis labels: long and tiny values fit the 48-px margin as
 * short, exact-enough labels (never "305e+05" cut off), and NaN is never printed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"
#include "test_util.h"

static void test_axis_labels(void **state)
{
    (void)state;
    const struct {
        double v;
        const char *want;
    } cases[] = {
        {3.05e7, "30.5M"},
        {-3.05e7, "-30.5M"},
        {0.000123, "1.23e-4"},
        {-0.000123, "-1.2e-4"},
        {12345, "12.3k"},
        {9999.4, "9999"},
        {999.6, "1000"},
        {0.0123, "0.0123"},
        {-0.0214, "-0.0214"},
        {42, "42"},
        {0, "0"},
        {NAN, "n/a"},
        {INFINITY, "n/a"},
        {2.5e12, "2.5T"},
        {0.009996, "1e-2"},
        {1.5e34, "1.5e34"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        skinq_axis_label(buf, sizeof buf, cases[i].v, 3);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("label of %g: '%s', expected '%s'", cases[i].v, buf, cases[i].want);
    }
    /* every magnitude from 1e-15 to 1e18, both signs: at most 7 characters, as many significant
     * digits as fit (3; in exponent form one less for a sign and one less for a two-digit
     * exponent), and the label read back is the value within those digits */
    for (int e = -150; e <= 180; e++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            double v = sign * 1.2345 * pow(10, e / 10.0), a = fabs(v);
            skinq_axis_label(buf, sizeof buf, v, 3);
            assert_true(strlen(buf) <= 7);
            int x = (int)floor(log10(a)), digits = a >= 0.01 && a < 999e12 ? 3 : 3 - (v < 0) - (abs(x) >= 10);
            char *end;
            double back = strtod(buf, &end), scale = 1;
            switch (*end) {
            case 'k': scale = 1e3; break;
            case 'M': scale = 1e6; break;
            case 'G': scale = 1e9; break;
            case 'T': scale = 1e12; break;
            default: assert_int_equal(*end, 0);
            }
            if (!(fabs(back * scale - v) <= 0.5 * pow(10, 1 - digits) * a))
                fail_msg("%g labelled %s", v, buf);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axis_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
