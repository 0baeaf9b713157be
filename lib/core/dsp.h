/* dsp.h -- what every module's kernel table shares (dav1d-style per-module DSP tables): the
 * slots' names and ISAs recorded by the setter, the walk over the slots, the check for unset
 * ones, the per-mask cache; and core's own table (SHA-256 blocks).
 *
 * A module table is `struct { struct skinq_dsp_meta meta; <function pointers only> }`. The
 * module's skinq_<mod>_dsp_init(dsp, isa) sets every slot to its scalar kernel, then calls
 * skinq_<mod>_dsp_init_sse41 / _avx2 / _avx512 (in the *_sse41.c / *_avx2.c / *_avx512.c files)
 * when the mask allows;
 * those overwrite the slots they implement. Core only knows the CPU mask (cpu.c). */
#ifndef SKINQ_DSP_H
#define SKINQ_DSP_H

#include <pthread.h>
#include <stddef.h>

#include "core.h"

typedef void (*skinq_dsp_fn)(void);

#define SKINQ_DSP_MAX 24 /* slots a table may have */

/** The head of every module table; only function pointers (the slots) follow it. */
struct skinq_dsp_meta {
    const char *module;              /**< "color", "texture", ... */
    unsigned isa;                    /**< the ISA mask the table was built for */
    int n;                           /**< slots after this head */
    const char *name[SKINQ_DSP_MAX]; /**< each slot's kernel ("color_row8"), recorded with it */
    const char *impl[SKINQ_DSP_MAX]; /**< the ISA whose function fills it ("scalar", "avx2", ...) */
};

/** Clear a table of `size` bytes (meta included) for `module` and ISA mask `isa`. */
void skinq_dsp_begin(struct skinq_dsp_meta *m, size_t size, const char *module, unsigned isa);
/** Record the slot at byte `offset` of the table: its kernel name (a leading "skinq_" dropped)
 *  and the ISA filling it. */
void skinq_dsp_note(struct skinq_dsp_meta *m, size_t offset, const char *name, const char *impl);

/** Set slot `field` of table d to base_isa (e.g. skinq_color_row8_avx2) and record the kernel's
 *  name ("color_row8") and ISA ("avx2"): the name lives in one place, the function's. */
#define SKINQ_DSP_SET(d, field, base, isa)                                                                   \
    ((d)->field = base##_##isa,                                                                              \
     skinq_dsp_note(&(d)->meta, (size_t)((const char *)&(d)->field - (const char *)(d)), #base, #isa))

/** The ISA filling the slot of kernel `name`, or NULL when the table has none. */
const char *skinq_dsp_impl(const struct skinq_dsp_meta *m, const char *name);
/** Slot k's function (k < m->n). */
skinq_dsp_fn skinq_dsp_slot(const struct skinq_dsp_meta *m, int k);
/** 0 when every slot holds a function and a name; else -1 with the first bad slot in *bad. */
int skinq_dsp_verify(const struct skinq_dsp_meta *m, int *bad);

/** Define `const struct type *getter(unsigned isa)`: the table of an ISA mask, every mask's
 *  table (0 .. SKINQ_ISA_ALL) built once by init(table, mask) (thread-safe, never freed; verified in debug
 * builds). */
#define SKINQ_DSP_TABLES(type, getter, init)                                                                 \
    static struct type getter##_tables[SKINQ_ISA_ALL + 1];                                                   \
    static pthread_once_t getter##_once = PTHREAD_ONCE_INIT;                                                 \
    static void getter##_build(void)                                                                         \
    {                                                                                                        \
        for (unsigned m = 0; m <= SKINQ_ISA_ALL; m++) {                                                      \
            init(&getter##_tables[m], m);                                                                    \
            skinq_dsp_assert_complete(&getter##_tables[m].meta);                                             \
        }                                                                                                    \
    }                                                                                                        \
    const struct type *getter(unsigned isa)                                                                  \
    {                                                                                                        \
        pthread_once(&getter##_once, getter##_build);                                                        \
        return &getter##_tables[isa & SKINQ_ISA_ALL];                                                        \
    }

/** Debug builds: abort naming the slot when a table has an unset one (no-op under NDEBUG). */
void skinq_dsp_assert_complete(const struct skinq_dsp_meta *m);

/* ---- core's table ---- */

/** SHA-256 compression of nblocks 64-byte blocks into h (K: the round constants). */
typedef void (*skinq_sha256_blocks_fn)(uint32_t h[8], const uint8_t *p, size_t nblocks, const uint32_t K[64]);

struct skinq_core_dsp {
    struct skinq_dsp_meta meta;
    skinq_sha256_blocks_fn sha256_blocks; /* portable, or SHA-NI (under the SSE4.1 level) */
};

/** SHA-256's round constants (FIPS 180-4 §4.2.2; sha256.c). */
extern const uint32_t skinq_sha256_k[64];
void skinq_sha256_blocks_scalar(uint32_t h[8], const uint8_t *p, size_t nblocks, const uint32_t K[64]);
void skinq_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks, const uint32_t K[64]);
void skinq_core_dsp_init(struct skinq_core_dsp *d, unsigned isa);
const struct skinq_core_dsp *skinq_core_dsp(unsigned isa);

#endif
