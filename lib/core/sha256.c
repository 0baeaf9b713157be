/* sha256.c -- SHA-256 (FIPS 180-4) of buffers and files, for image provenance in every JSON, and
 * core's kernel table (its one kernel, the block function). */
#include "dsp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t fill;
    skinq_sha256_blocks_fn blocks; /* the table's: portable or SHA-NI */
} sha256_state;

const uint32_t skinq_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t h[8], const uint8_t *p, const uint32_t K[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void skinq_sha256_blocks_scalar(uint32_t h[8], const uint8_t *p, size_t nblocks, const uint32_t K[64])
{
    for (; nblocks; nblocks--, p += 64)
        block(h, p, K);
}

static void blocks(const sha256_state *s, uint32_t h[8], const uint8_t *p, size_t n)
{
    if (n)
        s->blocks(h, p, n, skinq_sha256_k);
}

static void sha256_init(sha256_state *s, unsigned isa)
{
    s->blocks = skinq_core_dsp(isa)->sha256_blocks;
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->len = 0;
    s->fill = 0;
}

static void sha256_update(sha256_state *s, const uint8_t *p, size_t n)
{
    s->len += n;
    if (s->fill) {
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->buf + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill < 64)
            return;
        blocks(s, s->h, s->buf, 1);
        s->fill = 0;
    }
    blocks(s, s->h, p, n / 64);
    p += n / 64 * 64;
    n %= 64;
    memcpy(s->buf, p, n);
    s->fill = n;
}

static void sha256_final(sha256_state *s, char hex[65])
{
    uint64_t bits = s->len * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

void skinq_sha256_hex_isa(const void *data, size_t size, unsigned isa, char hex[65])
{
    sha256_state s;
    sha256_init(&s, isa);
    sha256_update(&s, data, size);
    sha256_final(&s, hex);
}

void skinq_sha256_hex(const void *data, size_t size, char hex[65])
{
    skinq_sha256_hex_isa(data, size, skinq_isa_ceiling(SKINQ_ISA_ALL), hex);
}

skinq_status skinq_file_sha256(skinq_ctx *ctx, const char *path, char hex[65])
{
    if (!ctx)
        return SKINQ_E_INVALID;
    skinq_input in;
    skinq_status st = skinq_input_open(ctx, path, 0, &in);
    if (st != SKINQ_OK)
        return st;
    skinq_sha256_hex_isa(in.data, in.size, skinq_ctx_isa(ctx), hex);
    skinq_input_close(ctx, &in);
    return SKINQ_OK;
}

/* ---- core's table ---- */

void skinq_core_dsp_init(struct skinq_core_dsp *d, unsigned isa)
{
    skinq_dsp_begin(&d->meta, sizeof *d, "core", isa);
    SKINQ_DSP_SET(d, sha256_blocks, skinq_sha256_blocks, scalar);
    if ((isa & SKINQ_ISA_SSE41) && skinq_cpu_has_sha())
        SKINQ_DSP_SET(d, sha256_blocks, skinq_sha256_blocks, shani);
}

SKINQ_DSP_TABLES(skinq_core_dsp, skinq_core_dsp, skinq_core_dsp_init)
