/* facedet.h -- internal: frontal faces in a gray plane, for auto-skin's face path. The detector is
 * OpenCV's Viola-Jones cascade (Haar features, `haarcascade_frontalface_alt2.xml` of Debian's
 * opencv-data): its model ships in a Debian package (no network, no hub), it is the most
 * accurate of the stock frontal cascades on portraits, and a face's box in that cascade has a
 * known geometry (eyes near 0.38 of its height, the mouth near 0.8) that auto-skin uses to keep
 * eyes, brows and mouth out of the skin model. */
#ifndef SKINQ_COLOR_FACEDET_H
#define SKINQ_COLOR_FACEDET_H

#ifdef __cplusplus
extern "C" {
#endif

#include "core/core.h"

enum { SKIN_MAX_FACES = 8, SKIN_FACE_HITS = 6, SKIN_DETECT_SIDE = 800, SKIN_DETECT_TILT = 15 };

/**
 * Frontal faces of at least min_size pixels in an 8-bit gray plane (width × height, stride bytes
 * a row) that at least SKIN_FACE_HITS detection windows agree on, biggest first, at most
 * SKIN_MAX_FACES. The search runs on a copy at most SKIN_DETECT_SIDE pixels on its longer side
 * (faces smaller than 24 pixels there are not found); boxes are in the plane's pixels. With no
 * upright face, the plane turned by ±SKIN_DETECT_TILT degrees is searched for faces of twice
 * min_size (a tilted head, close to the camera); those boxes are upright around the face's centre. The model
 * is $SKINQ_FACE_CASCADE when set, else the cascade found at build time; it is loaded once per process
 * (thread-safe) and *model names it.
 * @return SKINQ_OK (*n may be 0); SKINQ_E_UNSUPPORTED when no model can be loaded (the message
 *         names the file); SKINQ_E_INTERNAL / SKINQ_E_NOMEM for OpenCV failures.
 */
skinq_status skin_detect_faces(skinq_ctx *ctx, const uint8_t *gray, int width, int height, size_t stride,
                               int min_size, skinq_rect faces[SKIN_MAX_FACES], int *n, char *model,
                               size_t model_size);

#ifdef __cplusplus
}
#endif

#endif
