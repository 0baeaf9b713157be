/* spectral_data.c -- the published spectra on skinq's grid (400–700 nm at 10 nm, 31 samples) and
 * the tissue absorption and scattering laws built on them. Every table names its source. */
#include <math.h>

#include "color/spectral.h"

/* CIE 1931 2° standard colorimetric observer x̄, ȳ, z̄, the 10-nm rows of CIE 15:2004 Table T.4
 * (CIE, "Colorimetry", 3rd ed.; also CIE 018:2019 dataset CIE_xyz_1931_2deg). */
const double skinq_spec_cmf[SPEC_N][3] = {
    {0.014310, 0.000396, 0.067850}, {0.043510, 0.001210, 0.207400}, {0.134380, 0.004000, 0.645600},
    {0.283900, 0.011600, 1.385600}, {0.348280, 0.023000, 1.747060}, {0.336200, 0.038000, 1.772110},
    {0.290800, 0.060000, 1.669200}, {0.195360, 0.090980, 1.287640}, {0.095640, 0.139020, 0.812950},
    {0.032010, 0.208020, 0.465180}, {0.004900, 0.323000, 0.272000}, {0.009300, 0.503000, 0.158200},
    {0.063270, 0.710000, 0.078250}, {0.165500, 0.862000, 0.042160}, {0.290400, 0.954000, 0.020300},
    {0.433450, 0.994950, 0.008750}, {0.594500, 0.995000, 0.003900}, {0.762100, 0.952000, 0.002100},
    {0.916300, 0.870000, 0.001650}, {1.026300, 0.757000, 0.001100}, {1.062200, 0.631000, 0.000800},
    {1.002600, 0.503000, 0.000340}, {0.854450, 0.381000, 0.000190}, {0.642400, 0.265000, 0.000050},
    {0.447900, 0.175000, 0.000020}, {0.283500, 0.107000, 0.000000}, {0.164900, 0.061000, 0.000000},
    {0.087400, 0.032000, 0.000000}, {0.046770, 0.017000, 0.000000}, {0.022700, 0.008210, 0.000000},
    {0.011359, 0.004102, 0.000000},
};

/* CIE standard illuminant D65, relative spectral power (100 at 560 nm), the 10-nm rows of
 * CIE 15:2004 Table T.1 (ISO 11664-2:2007 / CIE S 014-2). */
const double skinq_spec_d65[SPEC_N] = {
    82.7549, 91.4860, 93.4318, 86.6823, 104.865, 117.008, 117.812, 114.861, 115.923, 108.811, 109.354,
    107.802, 104.790, 107.689, 104.405, 104.046, 100.000, 96.3342, 95.7880, 88.6856, 90.0062, 89.5991,
    87.6987, 83.2886, 83.6992, 80.0268, 80.2146, 82.2778, 78.2842, 69.7213, 71.6091,
};

/* Molar extinction coefficient ε of oxy- and deoxy-hemoglobin in water, cm⁻¹/M: S. Prahl's
 * "Tabulated molar extinction coefficient for hemoglobin in water" (omlc.org/spectra/hemoglobin/
 * summary.html), compiled from W. B. Gratzer (MRC Labs, London) and N. Kollias (Wellman Labs,
 * Boston); every 5th row of its 2-nm table. The 10-nm grid steps over the Soret peak's top (HbO2
 * 524280 at 414 nm, Hb 552160 at 432–434 nm), as it does for every other band. */
const double skinq_spec_hbo2[SPEC_N] = {
    266232,  466840,  480360,  246072, 102580, 62816,   44480, 33209.2, 26629.2, 23684.4, 20932.8,
    20035.2, 24202.4, 39956.8, 53236,  43016,  32613.2, 44496, 50104,   14400.8, 3200,    1506,
    942,     610,     442,     368,    319.6,  294,     277.6, 276,     290,
};
const double skinq_spec_hb[SPEC_N] = {
    223296,  303956,  407560,  528600,  413280,  103292,  23388.8, 16156.4, 14550,   16684,   20862,
    25773.6, 31589.6, 39036.4, 46592,   53412,   53788,   45072,   37020,   28324.4, 14677.2, 9443.6,
    6509.6,  5148.8,  4345.2,  3750.12, 3226.56, 2795.12, 2407.92, 2051.96, 1794.28,
};

/* Whole blood: μa = ln(10)·ε·C with C = 150 g/L / 64500 g/mol (Prahl's conversion, same page). */
double skinq_spec_mua_blood(int i, double sat)
{
    const double molar = 150.0 / 64500.0;
    return log(10.0) * molar * (sat * skinq_spec_hbo2[i] + (1 - sat) * skinq_spec_hb[i]);
}

/* Melanosome interior: μa,mel = 519·(λ/500 nm)^−3.46 cm⁻¹. Magnitude: Jacques, "Optical properties
 * of biological tissues: a review", Phys Med Biol 58:R37 (2013), Eq. 8 (519 cm⁻¹ at 500 nm); the
 * exponent 3.46 sits between Jacques's 1998 fits (3.33, OMLC "Skin optics"; 3.48, OMLC melanosome
 * page) and 2013's 3.5, as issue 20 specifies. At 694 nm (the ruby-laser anchor) this is 167 cm⁻¹. */
double skinq_spec_mua_melanin(int i)
{
    return 519.0 * pow(SPEC_NM(i) / 500.0, -3.46);
}

/* Bloodless skin baseline: μa = 0.244 + 85.3·exp(−(λ − 154)/66.2) cm⁻¹ (Jacques 2013;
 * also OMLC "Skin optics" 1998). */
double skinq_spec_mua_baseline(int i)
{
    return 0.244 + 85.3 * exp(-(SPEC_NM(i) - 154.0) / 66.2);
}

/* Reduced scattering: μs' = a·(λ/500 nm)^−b with a = 46.0 cm⁻¹, b = 1.421, the fit for skin in
 * Jacques 2013 (Table 2). */
double skinq_spec_musp(int i)
{
    return 46.0 * pow(SPEC_NM(i) / 500.0, -1.421);
}
