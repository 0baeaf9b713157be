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
    extern const uint32_t checkasm_sha256_k[64];
    uint32_t h[8];
    memcpy(h, h0, sizeof h);
    CHECKASM_BENCH(c, 64.0 * 1024, t->sha256_blocks(h, d, 1024, checkasm_sha256_k));
    free(d);
}

/* FIPS 180-4 §4.2.2 (the blocks function takes them from its caller). */
const uint32_t checkasm_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const checkasm_check checkasm_core[] = {
    {"sha256_blocks", check_sha256_blocks},
    {NULL, NULL},
};
