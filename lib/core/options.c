/* options.c -- take a caller's options struct whose `size` says which version of it the caller knows. */
#include "core.h"

#include <string.h>

skinq_status skinq_options_take(skinq_ctx *ctx, void *dst, size_t dst_size, const void *src, const char *what)
{
    if (!src)
        return SKINQ_OK;
    size_t size;
    memcpy(&size, src, sizeof size);
    if (size < sizeof size)
        return skinq_fail(ctx, SKINQ_E_INVALID,
                          "%s: size %zu is too small (fill it with its default function first)", what, size);
    /* a newer caller's fields this library does not know are accepted only when left at zero (their default)
     */
    const unsigned char *tail = (const unsigned char *)src;
    for (size_t i = dst_size; i < size; i++)
        if (tail[i])
            return skinq_fail(
                ctx, SKINQ_E_INVALID,
                "%s: size %zu is larger than this library's %zu and byte %zu of the extra fields is "
                "not zero (a newer option this version cannot honour)",
                what, size, dst_size, i);
    memcpy(dst, src, size < dst_size ? size : dst_size);
    memcpy(dst, &dst_size, sizeof dst_size);
    return SKINQ_OK;
}
