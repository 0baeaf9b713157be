/* lab_ref.h -- independent double-precision sRGB → CIELAB (D65) for the tests. */
#ifndef SKINQ_LAB_REF_H
#define SKINQ_LAB_REF_H
#include <stdint.h>
void ref_srgb8_to_lab(uint8_t r, uint8_t g, uint8_t b, double lab[3]);
#endif
