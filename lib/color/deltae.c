/* deltae.c -- CIEDE2000 colour difference (CIE 142-2001), written after Sharma, Wu & Dalal,
 * "The CIEDE2000 color-difference formula: implementation notes, supplementary test data, and
 * mathematical observations", Color Res Appl 30(1), 2005. Hues are handled in radians with the
 * same comparisons as the authors' reference implementation, so the boundary pairs of their
 * test data (hue difference of exactly 180°) fall on the side their table records. */
#include <math.h>

#include "core/core.h"

#define PI 3.14159265358979323846

static double hue(double b, double a)
{
    if (a == 0 && b == 0)
        return 0;
    double h = atan2(b, a);
    return h < 0 ? h + 2 * PI : h;
}

double skinq_delta_e2000(const double lab1[3], const double lab2[3])
{
    double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2], L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
    double C1 = hypot(a1, b1), C2 = hypot(a2, b2), Cm = (C1 + C2) / 2;
    double Cm7 = pow(Cm, 7);
    double G = 0.5 * (1 - sqrt(Cm7 / (Cm7 + 6103515625.0))); /* 25^7 */
    double a1p = (1 + G) * a1, a2p = (1 + G) * a2;
    double C1p = hypot(a1p, b1), C2p = hypot(a2p, b2);
    double h1p = hue(b1, a1p), h2p = hue(b2, a2p);

    double dLp = L2 - L1, dCp = C2p - C1p, dhp = 0;
    if (C1p * C2p != 0) {
        dhp = h2p - h1p;
        if (dhp > PI)
            dhp -= 2 * PI;
        else if (dhp < -PI)
            dhp += 2 * PI;
    }
    double dHp = 2 * sqrt(C1p * C2p) * sin(dhp / 2);

    double Lpm = (L1 + L2) / 2, Cpm = (C1p + C2p) / 2, hpm = h1p + h2p;
    if (C1p * C2p != 0) {
        hpm = (h1p + h2p) / 2;
        if (fabs(h1p - h2p) > PI)
            hpm += hpm < PI ? PI : -PI;
    }
    double T = 1 - 0.17 * cos(hpm - PI / 6) + 0.24 * cos(2 * hpm) + 0.32 * cos(3 * hpm + PI / 30) -
               0.20 * cos(4 * hpm - 63 * PI / 180);
    double dtheta = (30 * PI / 180) * exp(-pow((hpm * 180 / PI - 275) / 25, 2));
    double Cpm7 = pow(Cpm, 7);
    double Rc = 2 * sqrt(Cpm7 / (Cpm7 + 6103515625.0));
    double Lm50 = (Lpm - 50) * (Lpm - 50);
    double Sl = 1 + 0.015 * Lm50 / sqrt(20 + Lm50), Sc = 1 + 0.045 * Cpm, Sh = 1 + 0.015 * Cpm * T;
    double Rt = -sin(2 * dtheta) * Rc;
    double l = dLp / Sl, c = dCp / Sc, h = dHp / Sh;
    return sqrt(l * l + c * c + h * h + Rt * c * h);
}
