/* glcm_ref.h -- independent double-precision GLCM features for the tests: scikit-image's
 * graycomatrix (symmetric, normed) and graycoprops, written the plain way. */
#ifndef SKINQ_GLCM_REF_H
#define SKINQ_GLCM_REF_H
#include <stdint.h>

/** Feature order of ref_glcm_features(): contrast, dissimilarity, homogeneity, ASM, energy,
 * correlation, entropy (−Σ p log2 p). */
enum { REF_GLCM_FEATURES = 7 };

/**
 * Co-occurrence features of a w×h image of grey levels (0..levels−1), one matrix per
 * (distance, angle) with skimage's offsets (round(d·sin θ), round(d·cos θ)), a pair counted when
 * both pixels are inside `mask` (NULL = all), symmetric, normalised; every feature averaged over
 * the matrices that hold a pair. out[] is NaN when none does.
 */
void ref_glcm_features(const uint8_t *img, int w, int h, const uint8_t *mask, int levels, const double *dist,
                       int nd, const double *angles, int na, double out[REF_GLCM_FEATURES]);

/** One symmetric normalised matrix (levels² doubles, caller's) for one offset; returns the pair count. */
double ref_glcm_matrix(const uint8_t *img, int w, int h, const uint8_t *mask, int levels, int drow, int dcol,
                       double *P);
/** ref_glcm_matrix() counting only the pairs anchored on rows r with (r − y_first) % step == 0 (the
 * partner at any row): skinq's glcm_row_step. */
double ref_glcm_matrix_rows(const uint8_t *img, int w, int h, const uint8_t *mask, int levels, int drow,
                            int dcol, int y_first, int step, double *P);

/** ref_glcm_features() over the anchor rows of ref_glcm_matrix_rows(). */
void ref_glcm_features_rows(const uint8_t *img, int w, int h, const uint8_t *mask, int levels,
                            const double *dist, int nd, const double *angles, int na, int y_first, int step,
                            double out[REF_GLCM_FEATURES]);
#endif
