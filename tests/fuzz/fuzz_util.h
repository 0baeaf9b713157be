/* fuzz_util.h -- what every skinq fuzz target shares: a small-limit ctx, the input handed to a
 * path-based loader, and options read from the input's trailing bytes (as libspng's targets do). */
#ifndef SKINQ_FUZZ_UTIL_H
#define SKINQ_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "skinq.h"

/** Pixel limit of the fuzz ctx: 4 MP, so no input makes a fuzzer run out of memory. */
#define FUZZ_MAX_PIXELS (4u * 1024u * 1024u)

/** The process's one ctx (1 thread, 4 MP limit), opened on first use and kept. */
skinq_ctx *fuzz_ctx(void);

/**
 * The input as a path a loader can open (the lights and chart readers take paths): the bytes
 * are written to one memfd (rewritten on every call) and its /proc/self/fd path returned. NULL
 * if the bytes cannot be stored.
 */
const char *fuzz_input_path(const uint8_t *data, size_t size);

/** skinq_image_load_mem() of the input's bytes (the one place the image targets load from). */
skinq_status fuzz_load_image(skinq_ctx *ctx, const uint8_t *data, size_t size, skinq_image **out,
                             skinq_mask **alpha);

/**
 * The image targets' body (fuzz_jpeg, fuzz_png: the same loader, different seed corpora). The
 * input's last byte chooses: bit 0 ask for the alpha mask, bit 1 probe the header first, bits
 * 2-4 an orientation 1-8 applied to the loaded image. The loaded image is checked (layout,
 * limit) and every byte of its rows read; a broken invariant aborts (a finding).
 */
int fuzz_image_input(const uint8_t *data, size_t size);

/** The input's last byte (0 for an empty input): the options of a target. */
static inline unsigned fuzz_tail(const uint8_t *data, size_t size, size_t back)
{
    return size > back ? data[size - 1 - back] : 0u;
}

#endif
