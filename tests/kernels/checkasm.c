/* checkasm.c -- the kernel harness's walk, reporting, canaries and benchmark table (checkasm.h). */
#include "checkasm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const int checkasm_lengths[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 257, 4097};
const int checkasm_nlengths = (int)(sizeof checkasm_lengths / sizeof checkasm_lengths[0]);

static const checkasm_check *const module_checks[SKINQ_DSP_MODULES] = {checkasm_color, checkasm_surface,
                                                                       checkasm_texture, checkasm_core};

/* The ISA levels a table is built for, in rising order, and whether this build compiled them. */
static const struct {
    const char *name;
    unsigned mask;
    int compiled;
} levels[] = {
    {"scalar", SKINQ_ISA_SCALAR, 1},
#if SKINQ_HAVE_SSE41
    {"sse41", SKINQ_ISA_SSE41, 1},
#else
    {"sse41", SKINQ_ISA_SSE41, 0},
#endif
#if SKINQ_HAVE_AVX2
    {"avx2", SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2, 1},
#else
    {"avx2", SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2, 0},
#endif
#if SKINQ_HAVE_AVX512
    {"avx512", SKINQ_ISA_ALL, 1},
#else
    {"avx512", SKINQ_ISA_ALL, 0},
#endif
};
enum { NLEVELS = sizeof levels / sizeof levels[0] };

static int bench_mode;

int checkasm_benching(void)
{
    return bench_mode;
}

int checkasm_quick(void)
{
    const char *q = getenv("SKINQ_TEST_QUICK");
    return bench_mode || (q && *q == '1');
}

int checkasm_levels(const checkasm_case *c, const void *t[2])
{
    t[0] = c->ref;
    t[1] = c->tab;
    return checkasm_is_ref(c) ? 1 : 2;
}

uint64_t checkasm_seed(const checkasm_case *c)
{
    uint64_t s = tu_seed();
    for (const char *p = c->kernel; *p; p++)
        s = s * 31 + (uint8_t)*p;
    return s;
}

enum { GUARD = 64 };
static const uint32_t CANARY = 0x7fc88888u; /* a NaN pattern no kernel produces */

float *checkasm_canary_f32(size_t n)
{
    float *b = malloc((n + GUARD) * sizeof *b);
    assert_non_null(b);
    for (size_t i = 0; i < n + GUARD; i++)
        memcpy(&b[i], &CANARY, sizeof CANARY);
    return b;
}

uint8_t *checkasm_canary_u8(size_t n)
{
    uint8_t *b = malloc(n + GUARD);
    assert_non_null(b);
    memset(b, 0x88, n + GUARD);
    return b;
}

void checkasm_guard_f32(const float *b, size_t n, const char *what)
{
    for (size_t i = n; i < n + GUARD; i++)
        if (memcmp(&b[i], &CANARY, sizeof CANARY) != 0)
            fail_msg("%s: written past its end (n %zu, at %zu)", what, n, i);
}

void checkasm_guard_u8(const uint8_t *b, size_t n, const char *what)
{
    for (size_t i = n; i < n + GUARD; i++)
        if (b[i] != 0x88)
            fail_msg("%s: written past its end (n %zu, at %zu)", what, n, i);
}

void checkasm_compare_f32(const float *ref, const float *got, size_t n, double tol, const char *what)
{
    double worst = 0;
    size_t worst_at = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        const int nr = isnan(ref[i]), ng = isnan(got[i]);
        const double d = nr || ng ? (nr && ng ? 0 : INFINITY) : fabs((double)ref[i] - (double)got[i]);
        const int differs = nr || ng  ? d != 0
                            : tol > 0 ? d > tol
                                      : memcmp(&ref[i], &got[i], sizeof(float)) != 0;
        bad += (size_t)differs;
        if (d > worst || (differs && bad == 1 && worst == 0))
            worst = d, worst_at = i;
    }
    if (bad)
        fail_msg("%s: %zu of %zu values off (%s %g), max |error| %.3g at %zu: %.9g, want %.9g", what, bad, n,
                 tol > 0 ? "tolerance" : "bit-exact, tolerance", tol, worst, worst_at, got[worst_at],
                 ref[worst_at]);
}

uint64_t checkasm_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- the benchmark table: ns per pixel of each kernel × level, printed at the end ---- */

#define MAX_ROWS 256
static struct {
    const char *kernel;
    int level;
    double ns_px;
} bench_rows[MAX_ROWS];
static int nbench;

void checkasm_bench_report(const checkasm_case *c, double pixels, long calls, uint64_t ns)
{
    if (nbench == MAX_ROWS)
        return;
    int level = 0;
    for (int l = 0; l < NLEVELS; l++)
        if (!strcmp(levels[l].name, c->isa_name))
            level = l;
    bench_rows[nbench].kernel = c->kernel;
    bench_rows[nbench].level = level;
    bench_rows[nbench].ns_px = (double)ns / ((double)calls * (pixels > 0 ? pixels : 1));
    nbench++;
}

/* ×below: against the highest lower level timed for the same kernel (avx512 against avx2) */
static void bench_print(void)
{
    printf("%-26s %-7s %10s %10s %8s %8s\n", "kernel", "isa", "ns/px", "MP/s", "×scalar", "×below");
    for (int i = 0; i < nbench; i++) {
        double scalar = NAN, below = NAN;
        int below_level = -1;
        for (int j = 0; j < nbench; j++) {
            if (strcmp(bench_rows[j].kernel, bench_rows[i].kernel) != 0)
                continue;
            if (bench_rows[j].level == 0)
                scalar = bench_rows[j].ns_px;
            if (bench_rows[j].level < bench_rows[i].level && bench_rows[j].level > below_level)
                below = bench_rows[j].ns_px, below_level = bench_rows[j].level;
        }
        printf("%-26s %-7s %10.3f %10.1f %8.2f %8.2f\n", bench_rows[i].kernel,
               levels[bench_rows[i].level].name, bench_rows[i].ns_px, 1e3 / bench_rows[i].ns_px,
               scalar / bench_rows[i].ns_px, below / bench_rows[i].ns_px);
    }
}

/* ---- the walk ---- */

typedef struct run_case {
    checkasm_case c;
    const checkasm_check *check; /* NULL: the slot has no check (fails) */
    char name[96];
} run_case;

static void run_one(void **state)
{
    const run_case *r = *state;
    if (!r->check)
        fail_msg("untested kernel: %s has no check registered in tests/kernels/check_*.c", r->c.kernel);
    r->check->fn(&r->c);
}

static const checkasm_check *find_check(int module, const char *kernel)
{
    for (const checkasm_check *k = module_checks[module]; k->kernel; k++)
        if (!strcmp(k->kernel, kernel))
            return k;
    return NULL;
}

int main(int argc, char **argv)
{
    int list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--bench"))
            bench_mode = 1;
        else {
            fprintf(stderr, "usage: checkasm [--list | --bench]\n");
            return 2;
        }
    }
    const unsigned allowed = skinq_isa_ceiling(SKINQ_ISA_ALL);
    static run_case cases[SKINQ_DSP_MODULES * SKINQ_DSP_MAX * NLEVELS];
    static struct CMUnitTest tests[SKINQ_DSP_MODULES * SKINQ_DSP_MAX * NLEVELS];
    size_t n = 0;
    for (int m = 0; m < SKINQ_DSP_MODULES; m++) {
        const struct skinq_dsp_meta *ref = skinq_dsp_module(m, SKINQ_ISA_SCALAR);
        for (int k = 0; k < ref->n; k++) {
            skinq_dsp_fn seen[NLEVELS];
            int nseen = 0;
            for (int l = 0; l < NLEVELS; l++) {
                const struct skinq_dsp_meta *tab = skinq_dsp_module(m, levels[l].mask);
                const int usable = levels[l].compiled && (levels[l].mask & allowed) == levels[l].mask;
                int bad;
                if (skinq_dsp_verify(tab, &bad) != 0) {
                    fprintf(stderr, "checkasm: %s table (%s) has an unset slot %d\n", tab->module,
                            levels[l].name, bad);
                    return 1;
                }
                if (list) {
                    printf("%-10s %-26s %-7s %s%s\n", tab->module, tab->name[k], levels[l].name, tab->impl[k],
                           usable ? "" : " (not run here)");
                    continue;
                }
                const skinq_dsp_fn f = skinq_dsp_slot(tab, k);
                int dup = 0;
                for (int s = 0; s < nseen; s++)
                    dup |= seen[s] == f;
                if (!usable || dup)
                    continue; /* not on this CPU/build, or the same function as a level already run */
                seen[nseen++] = f;
                run_case *r = &cases[n];
                r->c = (checkasm_case){ref, tab, levels[l].mask, levels[l].name, ref->name[k], k};
                r->check = find_check(m, ref->name[k]);
                snprintf(r->name, sizeof r->name, "%s.%s [%s: %s]", ref->module, ref->name[k], levels[l].name,
                         tab->impl[k]);
                tests[n] = (struct CMUnitTest){r->name, run_one, NULL, NULL, r};
                n++;
            }
        }
    }
    if (list)
        return 0;
    const int failed = _cmocka_run_group_tests("checkasm", tests, n, NULL, NULL);
    if (bench_mode)
        bench_print();
    return failed;
}
