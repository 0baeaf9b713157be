/* spectral.h -- internal: the spectral tables (spectral_data.c) and the spectrum → colour
 * integration (spectral.c) shared by lib/synth's spectral skin and, later, an inversion of it. */
#ifndef SKINQ_SPECTRAL_H
#define SKINQ_SPECTRAL_H

#include "core/core.h"

/* The grid: 400–700 nm at 10 nm, index i ↔ 400 + 10 i nm (SKINQ_SPECTRAL_N in skinq.h). */
#define SPEC_N SKINQ_SPECTRAL_N
#define SPEC_NM(i) (SKINQ_SPECTRAL_START_NM + SKINQ_SPECTRAL_STEP_NM * (i))

extern const double skinq_spec_cmf[SPEC_N][3]; /* CIE 1931 2° x̄, ȳ, z̄ */
extern const double skinq_spec_d65[SPEC_N];    /* CIE D65 relative SPD, 100 at 560 nm */
extern const double skinq_spec_hbo2[SPEC_N];   /* Prahl: HbO2 molar extinction, cm⁻¹/M */
extern const double skinq_spec_hb[SPEC_N];     /* Prahl: Hb molar extinction, cm⁻¹/M */

/** Absorption of whole blood (150 g/L hemoglobin, oxygen saturation `sat`), cm⁻¹, at index i. */
double skinq_spec_mua_blood(int i, double sat);
/** Absorption of the melanosome interior (volume fraction 1), cm⁻¹. */
double skinq_spec_mua_melanin(int i);
/** Bloodless, melanin-free tissue absorption (Jacques's skin baseline), cm⁻¹. */
double skinq_spec_mua_baseline(int i);
/** Reduced scattering of skin, cm⁻¹. */
double skinq_spec_musp(int i);

/** A camera: per-channel sensitivities on the grid, weighted by D65 and normalised so that a
 * perfect white gives (1, 1, 1). */
struct skinq_camera {
    double w[SPEC_N][3];
    skinq_allocator alloc;
};

/* The inverted skin model's dermis (skin_invert.c, lib/color/README.md "The inverted spectral
 * model"): one semi-infinite dermis holding the blood b, or a papillary dermis of fixed thickness
 * holding b over a reticular dermis with a fixed low blood fraction. skinq_skin_model_new() builds
 * SKINQ_DERMIS_DEFAULT; the other is built only by test_skin_invert, which measures both. */
typedef enum skinq_dermis { SKINQ_DERMIS_SEMI_INFINITE, SKINQ_DERMIS_PAPILLARY } skinq_dermis;
#define SKINQ_DERMIS_DEFAULT SKINQ_DERMIS_SEMI_INFINITE
skinq_status skinq_skin_model_build(skinq_ctx *ctx, const skinq_camera *cam, skinq_dermis dermis,
                                    skinq_skin_model **out);

#endif /* SKINQ_SPECTRAL_H */
