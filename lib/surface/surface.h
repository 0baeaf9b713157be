/* surface.h -- internal: what the lib/surface files share (plans, the robust reference fit,
 * image → linear plane conversion, small statistics helpers). */
#ifndef SKINQ_SURFACE_H
#define SKINQ_SURFACE_H

#include "core/core.h"
#include "surface_kernels.h"

struct skinq_ps_plan {
    skinq_ps_params params; /* the row kernel's constants (method SUBSET only) */
    double cond;            /* smallest / largest singular value of the light matrix */
    int method;             /* skinq_ps_method, AUTO resolved */
    int m;                  /* lights */
    float *sl;              /* m × 3: s_k = intensity_k × unit direction_k */
    float *hv;              /* m × 4: unit half vector of light k and the view (0, 0, 1), intensity_k */
    float lobe_p;           /* LOBE: the specular exponent (set per stack by skinq_ps_execute_ex) */
    float shadow, smax, tau, min_albedo, trim_dark, trim_bright;
    skinq_allocator alloc;
};

/** Eigenvalues of a symmetric 3×3 (closed form), ascending. */
void surface_eig3(const double a[3][3], double ev[3]);

/**
 * Methods LS, TRIMMED and IRLS for n pixels (ps_robust.c): rows[k] the n intensities of light
 * k; region NULL or n bytes (0: not solved, code SKINQ_PS_INVALID); conf NULL or n floats;
 * work 4·m floats of the caller's. Cannot fail.
 */
void surface_ps_robust_row(const skinq_ps_plan *p, const float *const *rows, size_t n, const uint8_t *region,
                           float *nx, float *ny, float *nz, float *alb, float *conf, uint8_t *code,
                           float *work);

/** LOBE's score of exponent q on every step-th of n pixels (region NULL or n bytes, 0 = skip): Σ over the
 * solved pixels of the fit's relative residual (Σ w r² / (Σ w · albedo²)); *count receives how many were
 * solved. work: 4·m floats. */
double surface_ps_lobe_score(const skinq_ps_plan *p, const float *const *rows, size_t n,
                             const uint8_t *region, size_t step, float q, size_t *count, float *work);

/** The confidence of n pixels already solved (by the row kernel): the lit observations its fit
 * explains within max(tau, 0.05)·albedo·smax count as kept. work: 3·m floats. Cannot fail. */
void surface_ps_confidence_row(const skinq_ps_plan *p, const float *const *rows, size_t n, const float *nx,
                               const float *ny, const float *nz, const float *alb, const uint8_t *code,
                               float *conf, float *work);

/**
 * Convert an 8/16-bit gray or RGB image to linear luminance in [0, 1] (8-bit: sRGB decoded,
 * IEC 61966-2-1; 16-bit: taken as linear; RGB: Rec. 709 luminance weights) into dst
 * (width×height floats, no padding). Cannot fail.
 */
void surface_image_to_linear(const skinq_image *img, float *dst);

/** surface_image_to_linear() with each colour channel multiplied by gain[c] before the
 * luminance sum (gray images: no gain). The stack passes gain[c] = Y(i)/i_c for a light of
 * per-channel intensities i = [r, g, b] (Y: the Rec. 709 luminance), i.e. the luminance of the
 * intensity-normalised channels, times Y(i): the plan's intensity. Cannot fail. */
void surface_image_to_linear_gains(const skinq_image *img, const float gain[3], float *dst);

/**
 * Robust large-scale reference of a field f (NaN = unknown): a local quadratic fit with a
 * Gaussian kernel of sigma_px, computed on a coarse grid (cells of about sigma/4) from
 * per-cell weighted centroids, bilinearly interpolated back. Iterated: pixels below the
 * current reference by more than t (3 robust sigmas of the included residuals, from their
 * median absolute value, clamped to [t_min, t_max]; t = t_max when they are equal), pixels with exclude[i] !=
 * 0 and non-finite pixels get weight 0 (so depressions do not pull the reference down); stops after `iters`
 * passes or when the weights no longer change.
 * @param exclude  width×height bytes or NULL.
 * @param ref      width×height output.
 * @return SKINQ_OK, SKINQ_E_EMPTY_ROI (no usable pixel), SKINQ_E_NOMEM.
 */
skinq_status surface_reference(skinq_ctx *ctx, const float *f, int w, int h, const uint8_t *exclude,
                               double sigma_px, double t_min, double t_max, int iters, float *ref);

/** q-quantile (0..1) of the finite values of x[0..n) (copied; x untouched) into *out, NaN when
 * there is none. @return SKINQ_OK or SKINQ_E_NOMEM (*out NaN). */
skinq_status surface_quantile(skinq_ctx *ctx, const float *x, size_t n, double q, double *out);

/* ---- lights (lights.c; lights_dir.c uses these) */

/** The whole of a small text file (at most max bytes, no NUL byte) into a new NUL-terminated
 * string of ctx's allocator; messages name it as "<what> '<path>'". Read once through
 * skinq_input_open() (a FIFO or device is refused). SKINQ_E_IO, SKINQ_E_FORMAT, SKINQ_E_NOMEM. */
skinq_status surface_read_text(skinq_ctx *ctx, const char *path, const char *what, size_t max, char **out);

/** name resolved against a folder (the first dir_len bytes of dir, ending in '/'; absolute names
 * stand alone) into a new string of ctx's allocator, or NULL (out of memory). */
char *surface_resolve(skinq_ctx *ctx, const char *dir, size_t dir_len, const char *name);

/** o->direction = d normalised; NULL, or why d is no light direction ("direction is zero", "points
 * away from the camera (z <= 0)"). d may be o->direction. */
const char *surface_light_direction(skinq_light *o, const double d[3]);

/** o's per-channel intensity rgb and its Rec. 709 luminance; 0 when one is not a finite number > 0. */
int surface_light_rgb(skinq_light *o, const double rgb[3]);

/** n zeroed lights (no scale). SKINQ_OK or SKINQ_E_NOMEM. */
skinq_status surface_lights_new(skinq_ctx *ctx, int n, skinq_lights **out);

/** skinq_lights_load() of a lights file (JSON; lights.c). skinq_lights_load() itself (lights_dir.c)
 * reads a folder in the DiLiGenT layout and sends a file here. */
skinq_status surface_lights_load_json(skinq_ctx *ctx, const char *path, skinq_lights **out);

#endif
