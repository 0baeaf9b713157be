/* fuzz_lights_json.c -- libFuzzer target: skinq_lights_load() of a lights file (cJSON), every
 * light it returns read and checked against the documented promises. Seeds: corpus/fuzz_lights_json/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    skinq_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_input_path(data, size);
    skinq_lights *l = NULL;
    if (!path || skinq_lights_load(ctx, path, &l) != SKINQ_OK) {
        if (l)
            abort();
        return 0;
    }
    if (l->count < 1 || l->count > SKINQ_LIGHTS_MAX || !(l->px_per_mm >= 0) || !isfinite(l->px_per_mm)) {
        fprintf(stderr, "fuzz: lights: count %d px_per_mm %g\n", l->count, l->px_per_mm);
        abort();
    }
    for (int i = 0; i < l->count; i++) {
        const skinq_light *li = &l->items[i];
        double n = sqrt(li->direction[0] * li->direction[0] + li->direction[1] * li->direction[1] +
                        li->direction[2] * li->direction[2]);
        if (!(li->direction[2] > 0) || !(fabs(n - 1) < 1e-6) || !(li->intensity > 0) ||
            !isfinite(li->intensity)) {
            fprintf(stderr, "fuzz: lights: light %d breaks the promises\n", i);
            abort();
        }
        if (li->image)
            (void)strlen(li->image);
    }
    skinq_lights_free(&l);
    return 0;
}
