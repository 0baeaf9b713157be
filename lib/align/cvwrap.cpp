/* cvwrap.cpp -- the only C++ in skinq: OpenCV 4 features, RANSAC, warps (and the benchmarks' ECC
 * peer) behind C functions.
 * Buffers are wrapped in cv::Mat headers (no copies); every exception ends here as a status.
 * OpenCV's own buffers (keypoints, descriptors, matrices) come from its allocator, not the ctx's. */
#include "align/align.h" /* cvwrap.h, and align_match() */
#include "align/cvguard.hpp"

#include <opencv2/aruco.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include <exception>
#include <new>
#include <numeric>
#include <vector>

namespace
{

cv::Mat wrap(const cvw_plane *p)
{
    return cv::Mat(p->height, p->width, CV_8UC1, const_cast<uint8_t *>(p->data), p->stride);
}

using skinq_cv::guarded; /* cvguard.hpp: every exception becomes a status */

/* One image's keypoints and descriptors; run on the pool, so failures are carried out as exceptions. */
struct detection {
    cv::Mat img;
    int max_features;
    std::vector<cv::KeyPoint> kp;
    cv::Mat desc;
    std::exception_ptr error;
};

void detect(detection &d)
{
    cv::Mat eq, desc;
    cv::createCLAHE(3.0, cv::Size(8, 8))->apply(d.img, eq); /* skin is low-contrast: equalise locally */
    /* a low threshold: skin has few strong corners; the strongest max_features are kept */
    cv::Ptr<cv::AKAZE> ak = cv::AKAZE::create(cv::AKAZE::DESCRIPTOR_MLDB, 0, 3, 0.0002f, 4, 4);
    /* one call: detect() and compute() would each build the nonlinear scale space, most of AKAZE's
     * time; describing the keypoints that are then dropped costs far less */
    std::vector<cv::KeyPoint> all;
    ak->detectAndCompute(eq, cv::noArray(), all, desc);
    if ((int)all.size() <= d.max_features) {
        d.kp.swap(all);
        d.desc = desc;
        return;
    }
    /* the strongest, with KeyPointsFilter::retainBest's selection, order and ties, on indices so
     * that the descriptor rows follow */
    std::vector<int> idx(all.size());
    std::iota(idx.begin(), idx.end(), 0);
    auto stronger = [&all](int a, int b) { return all[a].response > all[b].response; };
    std::nth_element(idx.begin(), idx.begin() + d.max_features - 1, idx.end(), stronger);
    float edge = all[idx[d.max_features - 1]].response;
    auto end = std::partition(idx.begin() + d.max_features, idx.end(),
                              [&all, edge](int i) { return all[i].response >= edge; });
    idx.resize(end - idx.begin());
    d.kp.resize(idx.size());
    d.desc.create((int)idx.size(), desc.cols, desc.type());
    for (size_t i = 0; i < idx.size(); i++) {
        d.kp[i] = all[idx[i]];
        desc.row(idx[i]).copyTo(d.desc.row((int)i));
    }
}

} // namespace

/* The two photos' detections are independent: one pool task each (concurrent with 2+ threads). */
extern "C" {
static void detect_task(void *user, int task, int thread)
{
    (void)thread;
    detection &d = static_cast<detection *>(user)[task];
    try {
        detect(d);
    } catch (...) {
        d.error = std::current_exception();
    }
}
}

extern "C" skinq_status cvw_match_features(skinq_ctx *ctx, const cvw_plane *a, const cvw_plane *b,
                                           int max_features, double ratio, cvw_matches *out)
{
    *out = cvw_matches{};
    return guarded(ctx, "feature matching", [&]() -> skinq_status {
        detection det[2] = {{wrap(a), max_features, {}, {}, nullptr},
                            {wrap(b), max_features, {}, {}, nullptr}};
        skinq_parallel_for(ctx, 2, detect_task, det);
        for (const detection &d : det)
            if (d.error)
                std::rethrow_exception(d.error);
        const std::vector<cv::KeyPoint> &ka = det[0].kp, &kb = det[1].kp;
        const cv::Mat &da = det[0].desc, &db = det[1].desc;
        out->keypoints_a = (int)ka.size();
        out->keypoints_b = (int)kb.size();
        if (ka.size() < 2 || kb.size() < 2)
            return SKINQ_OK;
        if (da.type() != CV_8U || db.type() != CV_8U || db.cols != da.cols)
            return skinq_fail(ctx, SKINQ_E_INTERNAL,
                              "AKAZE gave incomparable descriptors (%d and %d bytes, types %d, %d)", da.cols,
                              db.cols, da.type(), db.type());
        std::vector<int> best(ka.size());
        skinq_status st =
            align_match(ctx, da.ptr(), da.rows, db.ptr(), db.rows, da.cols, da.step, ratio, best.data());
        if (st != SKINQ_OK)
            return st;
        size_t n = (size_t)std::count_if(best.begin(), best.end(), [](int i) { return i >= 0; });
        if (n == 0)
            return SKINQ_OK;
        out->a = (float *)skinq_malloc(ctx, n * 2 * sizeof(float));
        out->b = (float *)skinq_malloc(ctx, n * 2 * sizeof(float));
        if (!out->a || !out->b) {
            cvw_matches_free(ctx, out);
            return SKINQ_E_NOMEM;
        }
        size_t k = 0;
        for (size_t i = 0; i < best.size(); i++)
            if (best[i] >= 0) {
                const cv::Point2f &pa = ka[i].pt, &pb = kb[best[i]].pt;
                out->a[2 * k] = pa.x, out->a[2 * k + 1] = pa.y;
                out->b[2 * k] = pb.x, out->b[2 * k + 1] = pb.y;
                k++;
            }
        out->count = (int)n;
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

extern "C" skinq_status cvw_homography(skinq_ctx *ctx, const float *src, const float *dst, int n,
                                       double thresh_px, double H[9], uint8_t *inlier)
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

extern "C" skinq_status cvw_warp(skinq_ctx *ctx, const uint8_t *src, int sw, int sh, size_t sstride,
                                 int channels, int depth, uint8_t *dst, int dw, int dh, size_t dstride,
                                 const double H[9], int linear)
{
    return guarded(ctx, "warp", [&]() -> skinq_status {
        int type = CV_MAKETYPE(depth == 16 ? CV_16U : CV_8U, channels);
        cv::Mat s(sh, sw, type, const_cast<uint8_t *>(src), sstride), d(dh, dw, type, dst, dstride);
        cv::Mat h(3, 3, CV_64F, const_cast<double *>(H));
        cv::warpPerspective(s, d, h, d.size(), linear ? cv::INTER_LINEAR : cv::INTER_NEAREST,
                            cv::BORDER_CONSTANT);
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_resize(skinq_ctx *ctx, const cvw_plane *src, uint8_t *dst, int dw, int dh,
                                   size_t dstride)
{
    return guarded(ctx, "resize", [&]() -> skinq_status {
        cv::Mat d(dh, dw, CV_8UC1, dst, dstride);
        cv::resize(wrap(src), d, d.size(), 0, 0, cv::INTER_AREA);
        return SKINQ_OK;
    });
}

/* ---- ArUco (marker.c: the scale sticker) ---- */

extern "C" skinq_status cvw_aruco_draw(skinq_ctx *ctx, int id, int side, uint8_t *dst, size_t stride)
{
    return guarded(ctx, "drawing the ArUco marker", [&]() -> skinq_status {
        cv::Mat d(side, side, CV_8UC1, dst, stride), m;
        cv::aruco::drawMarker(cv::aruco::getPredefinedDictionary(cv::aruco::DICT_4X4_50), id, side, m, 1);
        m.copyTo(d);
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_aruco_detect(skinq_ctx *ctx, const cvw_plane *p, int max, int *ids,
                                         double *corners, int *n)
{
    *n = 0;
    return guarded(ctx, "ArUco detection", [&]() -> skinq_status {
        cv::Ptr<cv::aruco::DetectorParameters> prm = cv::aruco::DetectorParameters::create();
        prm->cornerRefinementMethod = cv::aruco::CORNER_REFINE_SUBPIX;
        prm->cornerRefinementMinAccuracy = 0.01; /* px: the default 0.1 stops early */
        prm->cornerRefinementMaxIterations = 100;
        std::vector<std::vector<cv::Point2f>> found;
        std::vector<int> found_ids;
        cv::aruco::detectMarkers(wrap(p), cv::aruco::getPredefinedDictionary(cv::aruco::DICT_4X4_50), found,
                                 found_ids, prm);
        for (size_t i = 0; i < found.size() && *n < max; i++, ++*n) {
            ids[*n] = found_ids[i];
            for (int k = 0; k < 4; k++)
                corners[8 * *n + 2 * k] = found[i][k].x, corners[8 * *n + 2 * k + 1] = found[i][k].y;
        }
        return SKINQ_OK;
    });
}

/* ---- peers for the benchmarks and the accuracy tests (the same work done by OpenCV) ---- */

extern "C" skinq_status cvw_ecc(skinq_ctx *ctx, const cvw_plane *tmpl, const cvw_plane *input,
                                const cvw_plane *input_mask, double W[9], int iterations, double eps,
                                double *cc)
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

extern "C" skinq_status cvw_sift_homography(skinq_ctx *ctx, const cvw_plane *a, const cvw_plane *b,
                                            double H[9], int *inliers)
{
    return guarded(ctx, "SIFT homography", [&]() -> skinq_status {
        cv::Ptr<cv::SIFT> sift = cv::SIFT::create();
        std::vector<cv::KeyPoint> ka, kb;
        cv::Mat da, db;
        sift->detectAndCompute(wrap(a), cv::noArray(), ka, da);
        sift->detectAndCompute(wrap(b), cv::noArray(), kb, db);
        std::vector<std::vector<cv::DMatch>> knn;
        if (!da.empty() && !db.empty())
            cv::BFMatcher(cv::NORM_L2).knnMatch(da, db, knn, 2);
        std::vector<cv::Point2f> pa, pb;
        for (const std::vector<cv::DMatch> &m : knn)
            if (m.size() == 2 && m[0].distance < 0.75f * m[1].distance) {
                pa.push_back(ka[m[0].queryIdx].pt);
                pb.push_back(kb[m[0].trainIdx].pt);
            }
        if (pa.size() < 4)
            return skinq_fail(ctx, SKINQ_E_ALIGN, "SIFT: only %d matches", (int)pa.size());
        cv::Mat mask;
        cv::Mat h = cv::findHomography(pa, pb, cv::RANSAC, 3.0, mask, 5000, 0.999);
        if (h.empty())
            return skinq_fail(ctx, SKINQ_E_ALIGN, "SIFT: RANSAC found no homography");
        for (int i = 0; i < 9; i++)
            H[i] = h.at<double>(i / 3, i % 3);
        if (inliers)
            *inliers = cv::countNonZero(mask);
        return SKINQ_OK;
    });
}

extern "C" skinq_status cvw_rgb2lab_u8(skinq_ctx *ctx, const uint8_t *rgb, int w, int h, size_t stride,
                                       uint8_t *lab)
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
