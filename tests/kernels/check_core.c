/* check_core.c -- core's table: SHA-256 blocks (portable, SHA-NI) on random data of every length
 * around the block and buffer boundaries, and the FIPS 180-4 "abc" vector at every level. */
#include <stdlib.h>
#include <string.h>

#include "checkasm.h"

static void check_sha256_blocks(const checkasm_case *c)
{
    const struct skinq_core_dsp *t = c->tab;
    uint64_t rs = checkasm_seed(c);
    const size_t max = 70000;
    uint8_t *d = malloc(max);
    assert_non_null(d);
    for (size_t i = 0; i < max; i++)
        d[i] = (uint8_t)tu_rand(&rs);
    char a[65], b[65];
    for (size_t n = 0; !checkasm_is_ref(c) && n < max; n = n < 300 ? n + 1 : n * 3 / 2 + 7) {
        skinq_sha256_hex_isa(d, n, SKINQ_ISA_SCALAR, a);
        skinq_sha256_hex_isa(d, n, c->isa, b);
        if (strcmp(a, b) != 0)
            fail_msg("length %zu: portable %s, %s %s", n, a, t->meta.impl[c->slot], b);
    }
    skinq_sha256_hex_isa("abc", 3, c->isa, b);
    assert_string_equal(b, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t h[8];
    memcpy(h, h0, sizeof h);
    CHECKASM_BENCH(c, 64.0 * 1024, t->sha256_blocks(h, d, 1024, skinq_sha256_k));
    free(d);
}

const checkasm_check checkasm_core[] = {
    {"sha256_blocks", check_sha256_blocks},
    {NULL, NULL},
};
