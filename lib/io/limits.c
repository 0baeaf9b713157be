/* limits.c -- the size limits every decoder checks before its large allocations: pixels
 * (max_pixels) and bytes of decoded buffers (max_bytes), the message naming the file and the limit;
 * and the hand-out of a decoder's results (freed on an error). */
#include "io.h"

skinq_status skinq_io_check_size(skinq_ctx *ctx, const char *path, uint64_t w, uint64_t h, uint64_t bytes)
{
    if (w == 0 || h == 0)
        return skinq_fail(ctx, SKINQ_E_FORMAT, "cannot decode '%s': zero-sized image", path);
    const uint64_t pixels = w * h;
    if (pixels > skinq_ctx_max_pixels(ctx))
        return skinq_fail(
            ctx, SKINQ_E_LIMIT,
            "cannot load '%s': %llux%llu (%.1f MP) is above the limit of %.1f MP (--max-pixels)", path,
            (unsigned long long)w, (unsigned long long)h, pixels / 1e6, skinq_ctx_max_pixels(ctx) / 1e6);
    if (bytes > skinq_ctx_max_bytes(ctx))
        return skinq_fail(ctx, SKINQ_E_LIMIT,
                          "cannot load '%s': %llux%llu needs %.1f MB of decoded buffers, above the limit of "
                          "%.1f MB (--max-bytes)",
                          path, (unsigned long long)w, (unsigned long long)h, bytes / 1e6,
                          skinq_ctx_max_bytes(ctx) / 1e6);
    return SKINQ_OK;
}

skinq_status skinq_io_hand_out(skinq_status st, skinq_image *img, skinq_mask *mask, skinq_image **out,
                               skinq_mask **alpha)
{
    if (st != SKINQ_OK) {
        skinq_image_free(&img);
        skinq_mask_free(&mask);
        return st;
    }
    if (alpha)
        *alpha = mask;
    else
        skinq_mask_free(&mask);
    *out = img;
    return SKINQ_OK;
}
