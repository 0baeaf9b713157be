/* fuzz_chart_json.c -- libFuzzer target: skinq_chart_load() (the --chart file), the image name
 * chosen by the input's last byte (none, a bare name, a name in a folder). Seeds: corpus/fuzz_chart_json/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const images[] = {NULL, "before.jpg", "/photos/S01/after.jpg", "day00.jpg"};
    skinq_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_input_path(data, size);
    double c[4][2];
    if (!path || skinq_chart_load(ctx, path, images[fuzz_tail(data, size, 0) & 3u], c) != SKINQ_OK)
        return 0;
    for (int i = 0; i < 4; i++)
        if (!isfinite(c[i][0]) || !isfinite(c[i][1])) {
            fprintf(stderr, "fuzz: chart: corner %d not finite\n", i);
            abort();
        }
    return 0;
}
