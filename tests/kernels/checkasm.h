/* checkasm.h -- the kernel harness (dav1d's checkasm, in cmocka): it walks every module's kernel
 * table (lib/kernels/kernels.h) for each ISA level compiled and supported here, and runs the
 * check registered for each slot against the scalar table: at the scalar level (properties,
 * accuracy) and at every level whose function differs from scalar's (bit-exactness or the stated
 * tolerance). A slot without a registered check fails the run ("untested kernel").
 *   checkasm            run every check (SKINQ_TEST_SEED replays a seed, SKINQ_TEST_QUICK=1 thins
 *                       the exhaustive ones)
 *   checkasm --list     every kernel × ISA and the function filling it
 *   checkasm --bench    time every kernel × ISA (ns/px, MP/s, ratio to scalar) through the checks */
#ifndef SKINQ_CHECKASM_H
#define SKINQ_CHECKASM_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "test_util.h"

/** One run of a check: the module's scalar table and the table under test (the same pointer at the
 *  scalar level), as the module's struct (their first member is the meta). */
typedef struct checkasm_case {
    const void *ref, *tab;
    unsigned isa;         /* the table's ISA mask */
    const char *isa_name; /* "scalar", "sse41", "avx2", "avx512" */
    const char *kernel;   /* the slot's name */
    int slot;
} checkasm_case;

typedef struct checkasm_check {
    const char *kernel; /* a slot's name (struct skinq_dsp_meta.name) */
    void (*fn)(const checkasm_case *c);
} checkasm_check;

/* The checks of each module (check_<module>.c), ended by {NULL, NULL}. */
extern const checkasm_check checkasm_color[], checkasm_surface[], checkasm_texture[], checkasm_core[];

/** The lengths every row kernel is checked on: 0 .. 65, 257, and a long odd row. */
extern const int checkasm_lengths[];
extern const int checkasm_nlengths;

/** 1 at the scalar level (the table under test is the reference). */
static inline int checkasm_is_ref(const checkasm_case *c)
{
    return c->ref == c->tab;
}
/** The tables to loop over: the scalar one, then the tested one unless it is the same; returns
 *  how many (1 or 2). */
int checkasm_levels(const checkasm_case *c, const void *t[2]);
/** Exhaustive checks may thin themselves out (SKINQ_TEST_QUICK=1, or --bench). */
int checkasm_quick(void);
/** A seed from SKINQ_TEST_SEED (printed), mixed with the check's name so checks differ. */
uint64_t checkasm_seed(const checkasm_case *c);

/** n floats (or bytes) of output painted with a canary, plus a guard zone after them. */
float *checkasm_canary_f32(size_t n);
uint8_t *checkasm_canary_u8(size_t n);
/** Fail when a kernel wrote into the guard zone after n values. */
void checkasm_guard_f32(const float *b, size_t n, const char *what);
void checkasm_guard_u8(const uint8_t *b, size_t n, const char *what);
/** got against ref over n floats: the largest |difference| and its position printed on failure;
 *  tol 0 means the same bits (NaN equal to NaN). */
void checkasm_compare_f32(const float *ref, const float *got, size_t n, double tol, const char *what);

/* ---- benchmarks: a check times one call of its kernel, CHECKASM_BENCH(c, pixels, call) ---- */
int checkasm_benching(void);
uint64_t checkasm_now_ns(void);
void checkasm_bench_report(const checkasm_case *c, double pixels, long calls, uint64_t ns);
#define CHECKASM_BENCH_NS 20000000ull
#define CHECKASM_BENCH(c, pixels, call)                                                                      \
    do {                                                                                                     \
        if (checkasm_benching()) {                                                                           \
            long calls_ = 0;                                                                                 \
            const uint64_t t0_ = checkasm_now_ns();                                                          \
            do {                                                                                             \
                call;                                                                                        \
                calls_++;                                                                                    \
            } while (checkasm_now_ns() - t0_ < CHECKASM_BENCH_NS);                                           \
            checkasm_bench_report((c), (pixels), calls_, checkasm_now_ns() - t0_);                           \
        }                                                                                                    \
    } while (0)

#endif
