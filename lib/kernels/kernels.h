/* kernels.h -- internal: every module's kernel table, by module index and ISA mask, for the
 * walkers (skinq_kernel_isas, `skinq info`, the checkasm harness in tests/kernels). This layer
 * sits above colour, surface, texture and core; none of them includes it. */
#ifndef SKINQ_KERNELS_H
#define SKINQ_KERNELS_H

#include "core/dsp.h"

/** Module indices, in listing order. */
enum { SKINQ_DSP_COLOR, SKINQ_DSP_SURFACE, SKINQ_DSP_TEXTURE, SKINQ_DSP_CORE, SKINQ_DSP_MODULES };

/** Module `module`'s table for ISA mask `isa` (built once; never NULL for a valid index). */
const struct skinq_dsp_meta *skinq_dsp_module(int module, unsigned isa);

#endif
