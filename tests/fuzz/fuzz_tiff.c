/* fuzz_tiff.c -- libFuzzer target: skinq_image_load() of a TIFF (orientation, ICC, alpha),
 * options from the input's last byte (see fuzz_image_input()). Seeds: corpus/fuzz_tiff/. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_image_input(data, size);
}
