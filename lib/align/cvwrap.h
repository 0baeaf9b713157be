/* cvwrap.h -- internal: the few OpenCV 4 operations registration needs, as C functions over plain
 * buffers. cvwrap.cpp is the only C++ in skinq; every C++ exception becomes a skinq_status. */
#ifndef SKINQ_CVWRAP_H
#define SKINQ_CVWRAP_H

#ifdef __cplusplus
extern "C" {
#endif

#include "core/core.h"

/** A borrowed 8-bit single-channel plane (no ownership). */
typedef struct cvw_plane {
    const uint8_t *data;
    int width, height;
    size_t stride;
} cvw_plane;

/** Matched keypoint pairs (a[i] ↔ b[i], x, y interleaved, in the planes' pixels); free with
 * cvw_matches_free(). */
typedef struct cvw_matches {
    float *a, *b;
    int count;
    int keypoints_a, keypoints_b;
} cvw_matches;

/**
 * CLAHE (clip 3, 8×8 tiles) on both planes, AKAZE detect+describe (the strongest max_features),
 * 2-NN Hamming matching with Lowe's ratio test (best < ratio × second best). The two planes are
 * detected as two tasks on ctx's pool (at once with 2+ threads; the result does not depend on it).
 * @return SKINQ_OK (count may be 0); SKINQ_E_NOMEM; SKINQ_E_INTERNAL for an OpenCV exception.
 */
skinq_status cvw_match_features(skinq_ctx *ctx, const cvw_plane *a, const cvw_plane *b, int max_features,
                                double ratio, cvw_matches *out);

void cvw_matches_free(skinq_ctx *ctx, cvw_matches *m);

/**
 * RANSAC homography H (row-major) with dst ≈ H·src; inlier[i] set to 1/0 (caller's n bytes).
 * @return SKINQ_OK; SKINQ_E_ALIGN when n < 4 or OpenCV finds no model; SKINQ_E_INTERNAL on an exception.
 */
skinq_status cvw_homography(skinq_ctx *ctx, const float *src, const float *dst, int n, double thresh_px,
                            double H[9], uint8_t *inlier);

/**
 * dst(x) = src(H⁻¹·x) (H maps src pixels onto dst pixels), bilinear (linear = 1) or nearest,
 * border 0. src/dst: interleaved 8- or 16-bit with `channels` (1..4), caller's buffers.
 * @return SKINQ_OK or SKINQ_E_INTERNAL (an OpenCV exception: empty or bad buffers).
 */
skinq_status cvw_warp(skinq_ctx *ctx, const uint8_t *src, int sw, int sh, size_t sstride, int channels,
                      int depth, uint8_t *dst, int dw, int dh, size_t dstride, const double H[9], int linear);

/** Area-average resize of an 8-bit plane into dst (dw × dh). @return SKINQ_OK or SKINQ_E_INTERNAL. */
skinq_status cvw_resize(skinq_ctx *ctx, const cvw_plane *src, uint8_t *dst, int dw, int dh, size_t dstride);

/* ArUco markers of OpenCV's aruco module, dictionary DICT_4X4_50 (4×4 bits, ids 0..49; a marker is
 * 6×6 cells with its black border): skinq's scale sticker (marker.c). */
enum { CVW_ARUCO_IDS = 50, CVW_ARUCO_CELLS = 6 };

/** Marker `id` drawn side × side pixels (black 0, white 255) into dst (8-bit, the caller's). */
skinq_status cvw_aruco_draw(skinq_ctx *ctx, int id, int side, uint8_t *dst, size_t stride);

/**
 * The markers in a plane (cv::aruco::detectMarkers, corners refined with CORNER_REFINE_SUBPIX), at
 * most max: ids[i], and corners[8i..8i+7] the x, y of the marker's top-left, top-right,
 * bottom-right and bottom-left corner as drawn (pixel centres at integers). *n = how many.
 * @return SKINQ_OK (*n may be 0); SKINQ_E_INTERNAL / SKINQ_E_NOMEM for OpenCV failures.
 */
skinq_status cvw_aruco_detect(skinq_ctx *ctx, const cvw_plane *p, int max, int *ids, double *corners, int *n);

/**
 * Peer of align_ecc() for bench_align: OpenCV's ECC refinement (Evangelidis & Psarakis 2008,
 * MOTION_HOMOGRAPHY, the EPS criterion on the correlation's increase): W maps template pixels onto
 * input pixels, template(x) ≈ α·input(W·x) + β. W is the starting guess and receives the result.
 * Both images are blurred (5×5 Gaussian) here and a 3-px border ring is left out of both, instead
 * of ECC's own pre-filter, whose extrapolated ring biases the scale (opencv/opencv#29774).
 * @param input_mask  NULL or a plane of input's size (nonzero = usable input pixel).
 * @param cc          receives the final correlation coefficient (may be NULL).
 * @return SKINQ_OK; SKINQ_E_ALIGN when ECC does not converge (OpenCV's StsNoConv); SKINQ_E_INTERNAL.
 */
skinq_status cvw_ecc(skinq_ctx *ctx, const cvw_plane *tmpl, const cvw_plane *input,
                     const cvw_plane *input_mask, double W[9], int iterations, double eps, double *cc);

/**
 * Peer of skinq_align_register() for the accuracy tests (tests/unit/test_align.c, the graffiti pair):
 * plain OpenCV, SIFT (default settings) on both planes at their own size, 2-NN L2 matching with
 * Lowe's ratio 0.75, RANSAC homography (3 px, 5000 iterations, confidence 0.999). H maps a's pixels
 * onto b's. *inliers receives RANSAC's inlier count (may be NULL).
 * @return SKINQ_OK; SKINQ_E_ALIGN (fewer than 4 matches or no model); SKINQ_E_INTERNAL.
 */
skinq_status cvw_sift_homography(skinq_ctx *ctx, const cvw_plane *a, const cvw_plane *b, double H[9],
                                 int *inliers);

/* Peers for the benchmarks: OpenCV's cvtColor(COLOR_RGB2Lab) on interleaved 8-bit RGB
 * (stride bytes a row; lab packed) and on packed float RGB in [0, 1]; OpenCV's thread count. */
skinq_status cvw_rgb2lab_u8(skinq_ctx *ctx, const uint8_t *rgb, int w, int h, size_t stride, uint8_t *lab);
skinq_status cvw_rgb2lab_f32(skinq_ctx *ctx, const float *rgb, int w, int h, float *lab);
void cvw_set_threads(int n);

#ifdef __cplusplus
}
#endif

#endif
