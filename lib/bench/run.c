/* run.c -- `skinq bench`: every stage of the pipeline timed separately and together, per ISA
 * and thread count, beside its peers in the same process (bare libjpeg-turbo, OpenCV's
 * cvtColor and registration, bare FFTW), on generated 12- and 24-MP photos or on a sample set.
 * The orchestration: options, the ISA levels, the result, then accuracy.c (phantoms with truth)
 * and stages.c or sampleset.c. */
#include <stdio.h>
#include <string.h>

#include "align/cvwrap.h"
#include "bench/bench_int.h"

void skinq_bench_default_options(skinq_bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->runs = 5;
    o->isa_mask = SKINQ_ISA_ALL;
}

/* The levels to run, rising: every level up to the ceiling (or the ceiling's own level alone
 * with isa_only) that the CPU has. @return how many. */
static int isa_levels(const skinq_bench_options *o, unsigned levels[4])
{
    static const unsigned ladder[4] = {SKINQ_ISA_SCALAR, SKINQ_ISA_SSE41, SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2,
                                       SKINQ_ISA_ALL};
    int top = 0, n = 0;
    for (int l = 0; l < 4; l++)
        if ((ladder[l] & o->isa_mask) == ladder[l])
            top = l;
    for (int l = o->isa_only ? top : 0; l <= top; l++)
        if ((ladder[l] & skinq_cpu_isa()) == ladder[l])
            levels[n++] = ladder[l];
    return n;
}

skinq_status skinq_bench_run(skinq_ctx *ctx, const skinq_bench_options *opt, skinq_bench_result **out)
{
    skinq_bench_options o;
    skinq_status st = SKINQ_OPTIONS_TAKE(ctx, &o, opt, skinq_bench_default_options, "skinq_bench_options");
    if (st != SKINQ_OK)
        return st;
    if (o.no_speed && !o.truth)
        return skinq_fail(ctx, SKINQ_E_INVALID, "bench without speed stages needs truth (phantoms)");
    if (o.runs < 1 || o.runs > SKINQ_BENCH_MAX_RUNS)
        return skinq_fail(ctx, SKINQ_E_INVALID, "bench runs must be 1..%d", SKINQ_BENCH_MAX_RUNS);
    unsigned levels[4];
    const int n_levels = isa_levels(&o, levels);
    if (n_levels == 0)
        return skinq_fail(ctx, SKINQ_E_INVALID, "none of the asked ISA levels runs on this CPU");
    skinq_bench_result *r = NULL;
    if ((st = skinq_bench_result_new(ctx, &r)) != SKINQ_OK)
        return st;
    snprintf(r->cpu, sizeof r->cpu, "%s", skinq_cpu_name());
    snprintf(r->isa, sizeof r->isa, "%s", skinq_isa_name(skinq_cpu_isa()));
    r->threads = o.threads > 0 ? o.threads : skinq_ctx_threads(ctx);
    o.threads = r->threads;
    memcpy(r->levels, levels, (size_t)n_levels * sizeof *levels);
    r->n_levels = n_levels;
    /* the accuracy first: its registrations run as `skinq compare` does, OpenCV on its own threads */
    if (o.truth)
        st = skinq_bench_truth(ctx, &o, r);
    cvw_set_threads(1); /* peers single-threaded, as documented */
    if (st == SKINQ_OK && !o.no_speed)
        st = o.dir ? skinq_bench_sample_set(ctx, &o, r) : skinq_bench_generated(ctx, &o, r);
    if (st != SKINQ_OK)
        skinq_bench_free(&r);
    else
        *out = r;
    return st;
}
