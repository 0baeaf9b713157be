/* cpu.c -- detect SSE4.1 / AVX2+FMA (with OS YMM state support) / AVX-512 F+BW+DQ+VL (with OS
 * opmask and ZMM state support) and the SHA extensions once, the
 * CPU's name, and the ISA ceiling (settings & SKINQ_ISA & CPU) every table lookup starts from. */
#include "core.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define SKINQ_X86 1
#endif

static unsigned cpu_isa;
static int cpu_sha; /* SHA extensions (with SSSE3 and SSE4.1, which their code also uses) */
static char cpu_name[64] = "unknown";
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

#ifdef SKINQ_X86
static unsigned long long xgetbv0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}
#endif

static void cpu_detect(void)
{
#ifdef SKINQ_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    int sse41 = (c >> 19) & 1;
    int fma = (c >> 12) & 1;
    int osxsave = (c >> 27) & 1;
    int avx = (c >> 28) & 1;
    /* The OS must save XMM and YMM state (XCR0 bits 1 and 2) before AVX may be used. */
    int ymm_os = osxsave && (xgetbv0() & 6) == 6;
    const int ssse3 = (c >> 9) & 1;
    int avx2 = 0, avx512 = 0;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        avx2 = (b >> 5) & 1;
        /* F (bit 16), DQ (17), BW (30), VL (31); the OS must also save the opmask, the upper
         * halves of ZMM0-15 and ZMM16-31 (XCR0 bits 5-7) besides XMM and YMM (1-2) */
        avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1) && osxsave &&
                 (xgetbv0() & 0xE6) == 0xE6;
        cpu_sha = sse41 && ssse3 && ((b >> 29) & 1);
    }
    if (sse41)
        cpu_isa |= SKINQ_ISA_SSE41;
    /* AVX2 files are compiled with -mfma, so the AVX2 level also needs FMA. */
    if (sse41 && avx && avx2 && fma && ymm_os)
        cpu_isa |= SKINQ_ISA_AVX2;
    /* the AVX-512 files are compiled with -mfma too and fall back on the AVX2 kernels */
    if ((cpu_isa & SKINQ_ISA_AVX2) && avx512)
        cpu_isa |= SKINQ_ISA_AVX512;

    unsigned brand[12];
    if ((unsigned)__get_cpuid_max(0x80000000u, NULL) >= 0x80000004u) { /* int in clang, unsigned in gcc */
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002u + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2],
                        &brand[4 * i + 3]);
        char tmp[49];
        memcpy(tmp, brand, 48);
        tmp[48] = '\0';
        const char *s = tmp;
        while (*s == ' ')
            s++;
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == ' ')
            n--;
        if (n > 0) {
            if (n >= sizeof cpu_name)
                n = sizeof cpu_name - 1;
            memcpy(cpu_name, s, n);
            cpu_name[n] = '\0';
        }
    }
#endif
}

unsigned skinq_cpu_isa(void)
{
    pthread_once(&cpu_once, cpu_detect);
    return cpu_isa;
}

int skinq_cpu_has_sha(void)
{
    pthread_once(&cpu_once, cpu_detect);
    return cpu_sha;
}

unsigned skinq_isa_ceiling(unsigned want)
{
    const char *env = getenv("SKINQ_ISA");
    unsigned env_mask;
    if (env && *env && skinq_isa_parse(env, &env_mask) == 0)
        want &= env_mask;
    return want & skinq_cpu_isa();
}

const char *skinq_cpu_name(void)
{
    pthread_once(&cpu_once, cpu_detect);
    return cpu_name;
}

static const struct {
    const char *name;
    unsigned mask;
} isa_names[] = {
    {"scalar", SKINQ_ISA_SCALAR},
    {"sse41", SKINQ_ISA_SSE41},
    {"avx2", SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2},
    {"avx512", SKINQ_ISA_SSE41 | SKINQ_ISA_AVX2 | SKINQ_ISA_AVX512},
    {"all", SKINQ_ISA_ALL},
};

int skinq_isa_parse(const char *name, unsigned *mask)
{
    for (size_t i = 0; name && i < sizeof isa_names / sizeof isa_names[0]; i++) {
        if (strcmp(name, isa_names[i].name) == 0) {
            *mask = isa_names[i].mask;
            return 0;
        }
    }
    return -1;
}

const char *skinq_isa_name(unsigned mask)
{
    if (mask & SKINQ_ISA_AVX512)
        return "avx512";
    if (mask & SKINQ_ISA_AVX2)
        return "avx2";
    if (mask & SKINQ_ISA_SSE41)
        return "sse41";
    return "scalar";
}
