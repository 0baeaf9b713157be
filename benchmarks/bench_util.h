/* bench_util.h -- timing for the benchmarks: monotonic clock, repeat until a minimum time,
 * report the median of the runs (the machines are shared and noisy; pin with taskset). */
#ifndef SKINQ_BENCH_UTIL_H
#define SKINQ_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of `runs` timed calls of fn(user) after one warm-up call. */
static inline double bench_median(int runs, void (*fn)(void *), void *user)
{
    double t[64];
    if (runs > 64)
        runs = 64;
    fn(user); /* warm-up: caches, page faults, lazy init */
    for (int i = 0; i < runs; i++) {
        double t0 = bench_now();
        fn(user);
        t[i] = bench_now() - t0;
    }
    qsort(t, (size_t)runs, sizeof t[0], bench_cmp);
    return runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
}

#endif
