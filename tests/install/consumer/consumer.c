/* consumer.c -- an outside program using the installed libskinq. */
#include <skinq.h>
#include <stdio.h>

int main(void)
{
    skinq_ctx *ctx = NULL;
    if (skinq_ctx_open(&ctx, NULL) != SKINQ_OK)
        return 1;
    printf("skinq %s, %d threads\n", skinq_version(), skinq_ctx_threads(ctx));
    skinq_ctx_close(&ctx);
    return 0;
}
