/* lab_ref.h -- independent double-precision sRGB → CIELAB (D65) for the tests. */
#ifndef SKINQ_LAB_REF_H
#define SKINQ_LAB_REF_H
#include <stdint.h>
/** IEC 61966-2-1 decoding of an 8-bit code, with pow(). */
double ref_srgb8_linear(uint8_t v);
void ref_srgb8_to_lab(uint8_t r, uint8_t g, uint8_t b, double lab[3]);
#endif
