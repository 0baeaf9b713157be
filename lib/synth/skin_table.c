/* skin_table.c -- the photographed phantoms' skin colour (healing, course, recapture, texture
 * ladder): the spectral skin (spectral_skin.c) tabulated once over melanin and blood and
 * interpolated per pixel, since the per-wavelength layer optics at every pixel of a 3-MP photo
 * would cost seconds. Their dermis is one blood-filled layer, as lib/color's model assumes, with an
 * 85 µm epidermis and saturation 0.75 against its 80 µm and 0.70: these phantoms test tracking
 * (fits, cycles, registration), while the spectral patches carry the dermis the model does not
 * assume (lib/synth/README.md "The colour model"). */
#include <math.h>
#include <pthread.h>

#include "synth.h"

#define NM 65 /* nodes over melanin 0 … SYNTH_TABLE_MEL_MAX */
#define NB 65 /* nodes over blood 0 … SYNTH_TABLE_BLOOD_MAX */

static double table[NM][NB][3];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    for (int i = 0; i < NM; i++)
        for (int j = 0; j < NB; j++) {
            synth_skin_layers L = {.melanin = SYNTH_TABLE_MEL_MAX * i / (NM - 1),
                                   .blood = SYNTH_TABLE_BLOOD_MAX * j / (NB - 1),
                                   .saturation = SYNTH_SKIN_SATURATION,
                                   .epidermis_um = SYNTH_SCENE_EPIDERMIS_UM};
            synth_skin_rgb(NULL, &L, table[i][j]);
        }
}

void synth_skin_table_rgb(double melanin, double blood, double rgb[3])
{
    pthread_once(&once, build);
    double x = melanin / SYNTH_TABLE_MEL_MAX * (NM - 1), y = blood / SYNTH_TABLE_BLOOD_MAX * (NB - 1);
    x = x < 0 ? 0 : x > NM - 1.000001 ? NM - 1.000001 : x;
    y = y < 0 ? 0 : y > NB - 1.000001 ? NB - 1.000001 : y;
    int i = (int)x, j = (int)y;
    double fx = x - i, fy = y - j;
    for (int c = 0; c < 3; c++)
        rgb[c] = (table[i][j][c] * (1 - fx) + table[i + 1][j][c] * fx) * (1 - fy) +
                 (table[i][j + 1][c] * (1 - fx) + table[i + 1][j + 1][c] * fx) * fy;
}
