/* cvwrap.cpp -- the only C++ in skinq: OpenCV 4 features, RANSAC, ECC and warps behind C functions.
 * Buffers are wrapped in cv::Mat headers (no copies); every exception ends here as a status. */
#include "align/cvwrap.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include <new>
#include <vector>

namespace {

cv::Mat wrap(const cvw_plane *p)
{
    return cv::Mat(p->height, p->width, CV_8UC1, const_cast<uint8_t *>(p->data), p->stride);
}

/* One place turns C++ failures into statuses: OpenCV's own, allocation, anything else. */
template <typename F> skinq_status guarded(skinq_ctx *ctx, const char *what, F &&f)
{
    try {
        return f();
    } catch (const cv::Exception &e) {
        if (e.code == cv::Error::StsNoConv)
            return skinq_fail(ctx, SKINQ_E_ALIGN, "%s did not converge: %s", what, e.err.c_str());
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "%s failed in OpenCV: %s", what, e.what());
    } catch (const std::bad_alloc &) {
        return skinq_fail(ctx, SKINQ_E_NOMEM, "%s: out of memory in OpenCV", what);
    } catch (const std::exception &e) {
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "%s failed: %s", what, e.what());
    } catch (...) {
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "%s failed: unknown C++ exception", what);
    }
}

void detect(const cv::Mat &img, int max_features, std::vector<cv::KeyPoint> &kp, cv::Mat &desc)
{
    cv::Mat eq;
    cv::createCLAHE(3.0, cv::Size(8, 8))->apply(img, eq); /* skin is low-contrast: equalise locally */
    /* a low threshold: skin has few strong corners; the strongest max_features are kept */
    cv::Ptr<cv::AKAZE> ak = cv::AKAZE::create(cv::AKAZE::DESCRIPTOR_MLDB, 0, 3, 0.0002f, 4, 4);
    ak->detect(eq, kp);
    cv::KeyPointsFilter::retainBest(kp, max_features);
    ak->compute(eq, kp, desc);
}

} // namespace

extern "C" skinq_status cvw_match_features(skinq_ctx *ctx, const cvw_plane *a, const cvw_plane *b, int max_features,
                                           double ratio, cvw_matches *out)
{
    *out = cvw_matches{};
    return guarded(ctx, "feature matching", [&]() -> skinq_status {
        std::vector<cv::KeyPoint> ka, kb;
        cv::Mat da, db;
        detect(wrap(a), max_features, ka, da);
        detect(wrap(b), max_features, kb, db);
        out->keypoints_a = (int)ka.size();
        out->keypoints_b = (int)kb.size();
        if (ka.size() < 2 || kb.size() < 2)
            return SKINQ_OK;
        std::vector<std::vector<cv::DMatch>> knn;
        cv::BFMatcher(cv::NORM_HAMMING).knnMatch(da, db, knn, 2);
        std::vector<cv::DMatch> good;
        for (const auto &m : knn)
            if (m.size() == 2 && m[0].distance < ratio * m[1].distance)
                good.push_back(m[0]);
        if (good.empty())
            return SKINQ_OK;
        out->a = (float *)skinq_malloc(ctx, good.size() * 2 * sizeof(float));
        out->b = (float *)skinq_malloc(ctx, good.size() * 2 * sizeof(float));
        if (!out->a || !out->b) {
            cvw_matches_free(ctx, out);
            return SKINQ_E_NOMEM;
        }
        for (size_t i = 0; i < good.size(); i++) {
            const cv::Point2f &pa = ka[good[i].queryIdx].pt, &pb = kb[good[i].trainIdx].pt;
            out->a[2 * i] = pa.x, out->a[2 * i + 1] = pa.y;
            out->b[2 * i] = pb.x, out->b[2 * i + 1] = pb.y;
        }
        out->count = (int)good.size();
        return SKINQ_OK;
    });
}

extern "C" void cvw_matches_free(skinq_ctx *ctx, cvw_matches *m)
{
    skinq_free(ctx, m->a);
    skinq_free(ctx, m->b);
    m->a = m->b = nullptr;
    m->count = 0;
}

extern "C" skinq_status cvw_homography(skinq_ctx *ctx, const float *src, const float *dst, int n, double thresh_px,
                                       double H[9], uint8_t *inlier)
{
    if (n < 4)
        return skinq_fail(ctx, SKINQ_E_ALIGN, "only %d feature matches (a homography needs 4)", n);
    return guarded(ctx, "RANSAC homography", [&]() -> skinq_status {
        cv::Mat s(n, 1, CV_32FC2, const_cast<float *>(src)), d(n, 1, CV_32FC2, const_cast<float *>(dst));
        cv::Mat mask(n, 1, CV_8U, inlier);
        cv::Mat h = cv::findHomography(s, d, cv::RANSAC, thresh_px, mask, 5000, 0.999);
        if (h.empty())
            return skinq_fail(ctx, SKINQ_E_ALIGN, "RANSAC found no homography among %d matches", n);
        for (int i = 0; i < 9; i++)
            H[i] = h.at<double>(i / 3, i % 3);
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_ecc(skinq_ctx *ctx, const cvw_plane *tmpl, const cvw_plane *input,
                                const cvw_plane *input_mask, double W[9], int iterations, double eps, double *cc)
{
    return guarded(ctx, "ECC refinement", [&]() -> skinq_status {
        /* ECC's own pre-filter extrapolates a ring at the template's border that biases the scale
         * (opencv/opencv#29774): blur here, drop that ring from both images, and filter no more. */
        const int ring = 3;
        cv::Mat t, in, mask;
        cv::GaussianBlur(wrap(tmpl), t, cv::Size(5, 5), 0, 0);
        cv::GaussianBlur(wrap(input), in, cv::Size(5, 5), 0, 0);
        if (input_mask)
            cv::threshold(wrap(input_mask), mask, 0, 255, cv::THRESH_BINARY);
        else
            mask = cv::Mat(in.size(), CV_8U, cv::Scalar(255));
        cv::rectangle(mask, cv::Rect(0, 0, mask.cols, mask.rows), cv::Scalar(0), 2 * ring);
        cv::Mat tc = t(cv::Rect(ring, ring, t.cols - 2 * ring, t.rows - 2 * ring));
        cv::Mat w(3, 3, CV_32F);
        double Wc[9]; /* template-crop pixel → template pixel (+ring) → input */
        for (int i = 0; i < 3; i++) {
            Wc[3 * i] = W[3 * i], Wc[3 * i + 1] = W[3 * i + 1];
            Wc[3 * i + 2] = W[3 * i + 2] + ring * (W[3 * i] + W[3 * i + 1]);
        }
        for (int i = 0; i < 9; i++)
            w.at<float>(i / 3, i % 3) = (float)(Wc[i] / Wc[8]);
        cv::TermCriteria crit(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, iterations, eps);
        double r = cv::findTransformECC(tc, in, w, cv::MOTION_HOMOGRAPHY, crit, mask, 1);
        for (int i = 0; i < 9; i++)
            Wc[i] = w.at<float>(i / 3, i % 3);
        for (int i = 0; i < 3; i++) {
            W[3 * i] = Wc[3 * i], W[3 * i + 1] = Wc[3 * i + 1];
            W[3 * i + 2] = Wc[3 * i + 2] - ring * (Wc[3 * i] + Wc[3 * i + 1]);
        }
        if (cc)
            *cc = r;
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_warp(skinq_ctx *ctx, const uint8_t *src, int sw, int sh, size_t sstride, int channels,
                                 int depth, uint8_t *dst, int dw, int dh, size_t dstride, const double H[9], int linear)
{
    return guarded(ctx, "warp", [&]() -> skinq_status {
        int type = CV_MAKETYPE(depth == 16 ? CV_16U : CV_8U, channels);
        cv::Mat s(sh, sw, type, const_cast<uint8_t *>(src), sstride), d(dh, dw, type, dst, dstride);
        cv::Mat h(3, 3, CV_64F, const_cast<double *>(H));
        cv::warpPerspective(s, d, h, d.size(), linear ? cv::INTER_LINEAR : cv::INTER_NEAREST, cv::BORDER_CONSTANT);
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_resize(skinq_ctx *ctx, const cvw_plane *src, uint8_t *dst, int dw, int dh, size_t dstride)
{
    return guarded(ctx, "resize", [&]() -> skinq_status {
        cv::Mat d(dh, dw, CV_8UC1, dst, dstride);
        cv::resize(wrap(src), d, d.size(), 0, 0, cv::INTER_AREA);
        return SKINQ_OK;
    });
}

/* ---- peers for the benchmarks (the same work done by OpenCV, timed beside skinq's) ---- */

extern "C" skinq_status cvw_rgb2lab_u8(skinq_ctx *ctx, const uint8_t *rgb, int w, int h, size_t stride, uint8_t *lab)
{
    return guarded(ctx, "cvtColor", [&]() -> skinq_status {
        cv::Mat s(h, w, CV_8UC3, const_cast<uint8_t *>(rgb), stride), d(h, w, CV_8UC3, lab);
        cv::cvtColor(s, d, cv::COLOR_RGB2Lab);
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_rgb2lab_f32(skinq_ctx *ctx, const float *rgb, int w, int h, float *lab)
{
    return guarded(ctx, "cvtColor", [&]() -> skinq_status {
        cv::Mat s(h, w, CV_32FC3, const_cast<float *>(rgb)), d(h, w, CV_32FC3, lab);
        cv::cvtColor(s, d, cv::COLOR_RGB2Lab);
        return SKINQ_OK;
    });
}

extern "C" void cvw_set_threads(int n)
{
    cv::setNumThreads(n);
}
