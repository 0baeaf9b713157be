/* spectral_skin.c -- the spectral phantoms' skin: a two-layer Kubelka–Munk reflectance (epidermis
 * with melanin over a semi-infinite dermis with blood) per wavelength, then a camera or the CIE
 * observer. Richer than any three-vector decomposition: the depth light reaches varies with λ. */
#include <math.h>

#include "color/spectral.h"
#include "color/srgb.h"
#include "synth.h"

/*
 * Kubelka–Munk coefficients from the transport ones: K = 2·μa, S = (3/4)·μs' (Star, Marijnissen &
 * van Gemert, "Light dosimetry in optical phantoms and in tissues", Phys Med Biol 33:437 (1988),
 * in the limit μa ≪ μs'; kept positive where it is not, in the blue under dark epidermis).
 * A layer of thickness d (Kubelka 1948, "New contributions to the optics of intensely
 * light-scattering materials", JOSA 38:448): a = 1 + K/S, b = √(a² − 1),
 *   R = sinh(bSd) / (a·sinh(bSd) + b·cosh(bSd)),  T = b / (a·sinh(bSd) + b·cosh(bSd));
 * a semi-infinite layer R∞ = a − b; two layers R = R1 + T1²·R2 / (1 − R1·R2).
 */
static void km_layer(double mua, double musp, double d_cm, double *R, double *T)
{
    double K = 2 * mua, S = 0.75 * musp, a = 1 + K / S, b = sqrt(a * a - 1), x = b * S * d_cm;
    if (x > 30) { /* opaque: sinh ≈ cosh */
        *R = 1 / (a + b);
        *T = 0;
        return;
    }
    double den = a * sinh(x) + b * cosh(x);
    *R = sinh(x) / den;
    *T = b / den;
}

static double km_infinite(double mua, double musp)
{
    double ks = 2 * mua / (0.75 * musp);
    return 1 + ks - sqrt(ks * ks + 2 * ks);
}

/* A layer (R1, T1) over a reflector R2 (Kubelka 1948, the adding formula above). */
static double km_over(double R1, double T1, double R2)
{
    return R1 + T1 * T1 * R2 / (1 - R1 * R2);
}

/*
 * The dermis split in two (papillary_um > 0): the papillary dermis with the superficial vascular
 * plexus (the capillaries whose dilation is erythema) over the reticular dermis with less blood;
 * layer thicknesses and the blood ratio of papillary dermis + upper plexus to reticular dermis
 * (~4:1) from the seven-layer skin of Meglinski & Matcher, "Quantitative assessment of skin
 * layers absorption and skin reflectance spectra simulation in the visible and near-infrared
 * spectral regions", Physiol Meas 23:741 (2002). Each is a Kubelka–Munk layer, added from the
 * bottom up with km_over(). over_um > 0 (a measurement-only structure, test_skin_invert) adds a
 * layer with the reticular blood above the blood layer: Meglinski & Matcher's papillary dermis
 * (100 µm, little blood) over their upper blood net dermis (80 µm, most of the blood).
 * Surface: a specular fraction rs, flat in λ (the air–stratum corneum Fresnel reflection, 4–7 %
 * of normally incident light: Anderson & Parrish, "The optics of human skin", J Invest Dermatol
 * 77:13, 1981); the light that enters loses rs: R = rs + (1 − rs)·R_body. Cross-polarised
 * capture removes it (rs = 0, the default).
 */
void synth_skin_reflectance(const synth_skin_layers *p, double refl[SKINQ_SPECTRAL_N])
{
    double d_cm = (p->epidermis_um > 0 ? p->epidermis_um : SYNTH_EPIDERMIS_UM) * 1e-4;
    for (int i = 0; i < SKINQ_SPECTRAL_N; i++) {
        double base = skinq_spec_mua_baseline(i), musp = skinq_spec_musp(i);
        double mua_blood = skinq_spec_mua_blood(i, p->saturation);
        double mua_epi = p->melanin * skinq_spec_mua_melanin(i) + (1 - p->melanin) * base;
        double mua_der = p->blood * mua_blood + (1 - p->blood) * base;
        double R1, T1, R2;
        if (p->papillary_um > 0) {
            double Rp, Tp, mua_ret = p->reticular_blood * mua_blood + (1 - p->reticular_blood) * base;
            km_layer(mua_der, musp, p->papillary_um * 1e-4, &Rp, &Tp);
            R2 = km_over(Rp, Tp, km_infinite(mua_ret, musp));
            if (p->over_um > 0) { /* the blood net deeper: a layer with the reticular blood above it */
                km_layer(mua_ret, musp, p->over_um * 1e-4, &Rp, &Tp);
                R2 = km_over(Rp, Tp, R2);
            }
        } else {
            R2 = km_infinite(mua_der, musp);
        }
        km_layer(mua_epi, musp, d_cm, &R1, &T1);
        refl[i] = p->surface + (1 - p->surface) * km_over(R1, T1, R2);
    }
}

void synth_skin_rgb(const skinq_camera *cam, const synth_skin_layers *p, double rgb[3])
{
    double refl[SKINQ_SPECTRAL_N];
    synth_skin_reflectance(p, refl);
    skinq_spectrum_rgb(cam, refl, rgb);
}

double synth_skin_ita(const synth_skin_layers *p, double lab[3])
{
    double rgb[3], own[3];
    double *L = lab ? lab : own;
    synth_skin_rgb(NULL, p, rgb);
    skinq_cc_linear_to_lab(rgb, L);
    return atan2(L[0] - 50, L[2]) * 180 / 3.14159265358979323846;
}

double synth_skin_melanin_for_ita(double ita, double blood, double saturation)
{
    double lo = 0, hi = 1; /* ITA falls monotonically as melanin rises (test_spectral) */
    for (int k = 0; k < 60; k++) {
        synth_skin_layers p = {0.5 * (lo + hi), blood, saturation, 0, 0, 0, 0, 0};
        if (synth_skin_ita(&p, NULL) > ita)
            lo = p.melanin;
        else
            hi = p.melanin;
    }
    return 0.5 * (lo + hi);
}
