/* error.c -- status strings and the context's last-error message. */
#include "core.h"

#include <stdio.h>

static const char *const status_strings[SKINQ_STATUS_COUNT] = {
    [SKINQ_OK] = "ok",
    [SKINQ_E_INVALID] = "invalid argument",
    [SKINQ_E_NOMEM] = "out of memory",
    [SKINQ_E_IO] = "input/output error",
    [SKINQ_E_FORMAT] = "corrupt or unrecognised file",
    [SKINQ_E_UNSUPPORTED] = "unsupported file",
    [SKINQ_E_LIMIT] = "image too large",
    [SKINQ_E_EMPTY_ROI] = "empty region of interest",
    [SKINQ_E_ALIGN] = "alignment failed",
    [SKINQ_E_TOO_FEW] = "too few data points",
    [SKINQ_E_STORE] = "session store error",
    [SKINQ_E_INTERNAL] = "internal error",
};

const char *skinq_status_str(skinq_status s)
{
    if ((unsigned)s >= SKINQ_STATUS_COUNT || !status_strings[s])
        return "unknown status";
    return status_strings[s];
}

static skinq_status set_error(skinq_ctx *ctx, skinq_status s, const char *fmt, va_list ap)
{
    if (ctx)
        vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
    return s;
}

skinq_status skinq_fail(skinq_ctx *ctx, skinq_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(ctx, s, fmt, ap);
    va_end(ap);
    return s;
}

void skinq_warn(skinq_ctx *ctx, const char *fmt, ...)
{
    if (!ctx || !ctx->warn_fn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->warn_fn(msg, ctx->warn_user);
}

const char *skinq_ctx_error(const skinq_ctx *ctx)
{
    return ctx ? ctx->error : "";
}

skinq_status skinq_ctx_fail(skinq_ctx *ctx, skinq_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(ctx, st, fmt, ap);
    va_end(ap);
    return st;
}
