/* facedet.cpp -- OpenCV's cascade face detector behind one C function (facedet.h). Like
 * lib/align/cvwrap.cpp, every C++ exception ends here as a status. */
#include "color/facedet.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#ifndef SKINQ_FACE_CASCADE_DEFAULT
#define SKINQ_FACE_CASCADE_DEFAULT "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"
#endif

namespace
{

/* One classifier per process: loading the 540-KB model costs more than a detection, and
 * detectMultiScale is not documented as thread-safe, so calls are serialised. */
struct cascade {
    std::mutex lock;
    std::string path;
    bool tried = false, loaded = false;
    cv::CascadeClassifier clf;
};

cascade &the_cascade()
{
    static cascade c;
    return c;
}

const char *model_path()
{
    const char *env = std::getenv("SKINQ_FACE_CASCADE");
    return env && *env ? env : SKINQ_FACE_CASCADE_DEFAULT;
}

/* A face found: its axis-aligned box in the searched image's pixels. */
struct box {
    cv::Rect r;
};

/* The faces of `eq` turned by `degrees` (0: as is) that at least SKIN_FACE_HITS windows agree on,
 * each box mapped back to eq's frame (its centre turned back; boxes stay upright). Scale step
 * 1.1, as OpenCV's samples; upright portraits gather 20-40 hits, a head tilted 12° about 10, and
 * skin texture on the phantoms fooled up to 9 (skin_face_plausible() rejects those). */
std::vector<box> search(cv::CascadeClassifier &clf, const cv::Mat &eq, int min_side, double degrees)
{
    cv::Mat in = eq, rot;
    cv::Point2f centre(eq.cols / 2.0f, eq.rows / 2.0f);
    if (degrees != 0) {
        rot = cv::getRotationMatrix2D(centre, degrees, 1.0);
        cv::warpAffine(eq, in, rot, eq.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    }
    std::vector<cv::Rect> found;
    std::vector<int> hits;
    clf.detectMultiScale(in, found, hits, 1.1, 3, cv::CASCADE_SCALE_IMAGE, cv::Size(min_side, min_side));
    std::vector<box> out;
    for (size_t i = 0; i < found.size(); i++) {
        if (hits[i] < SKIN_FACE_HITS)
            continue;
        cv::Rect r = found[i];
        if (degrees != 0) { /* the centre back through the inverse turn */
            cv::Mat inv;
            cv::invertAffineTransform(rot, inv);
            double cx = r.x + r.width / 2.0, cy = r.y + r.height / 2.0;
            double x = inv.at<double>(0, 0) * cx + inv.at<double>(0, 1) * cy + inv.at<double>(0, 2);
            double y = inv.at<double>(1, 0) * cx + inv.at<double>(1, 1) * cy + inv.at<double>(1, 2);
            r.x = (int)(x - r.width / 2.0);
            r.y = (int)(y - r.height / 2.0);
        }
        out.push_back(box{r});
    }
    return out;
}

} // namespace

extern "C" skinq_status skin_detect_faces(skinq_ctx *ctx, const uint8_t *gray, int width, int height,
                                          size_t stride, int min_size, skinq_rect faces[SKIN_MAX_FACES],
                                          int *n, char *model, size_t model_size)
{
    *n = 0;
    cascade &c = the_cascade();
    try {
        std::lock_guard<std::mutex> g(c.lock);
        const char *want = model_path();
        if (!c.tried || c.path != want) { /* the variable may change between calls (tests) */
            c.tried = true;
            c.path = want;
            /* OpenCV logs a missing file to stderr itself; the library never prints */
            c.loaded = std::ifstream(c.path).good() && c.clf.load(c.path);
        }
        std::snprintf(model, model_size, "%s", c.path.c_str()); /* copied under the lock */
        if (!c.loaded)
            return skinq_fail(ctx, SKINQ_E_UNSUPPORTED,
                              "face detector model %s could not be loaded (install opencv-data or set "
                              "SKINQ_FACE_CASCADE)",
                              c.path.c_str());
        cv::Mat img(height, width, CV_8UC1, const_cast<uint8_t *>(gray), stride), small, eq;
        /* faces skinq measures are large: search a copy whose longer side is at most
         * SKIN_DETECT_SIDE (the cost of a search grows with its pixels) */
        int longer = std::max(width, height);
        double k = longer > SKIN_DETECT_SIDE ? (double)SKIN_DETECT_SIDE / longer : 1.0;
        if (k < 1.0)
            cv::resize(img, small, cv::Size(), k, k, cv::INTER_AREA);
        else
            small = img;
        int min_side = std::max(24, (int)(min_size * k));
        cv::equalizeHist(small, eq); /* as OpenCV's own face samples do: cascades want normalised contrast */
        std::vector<box> found = search(c.clf, eq, min_side, 0);
        /* the cascade takes upright faces (to ~10° of tilt): a tilted head is looked for in the
         * photo turned by ±SKIN_DETECT_TILT degrees, only when no upright face was found */
        for (int sign = -1; found.empty() && sign <= 1; sign += 2) /* a tilted face is a close one: */
            found = search(c.clf, eq, 2 * min_side, sign * SKIN_DETECT_TILT); /* twice the least size */
        std::sort(found.begin(), found.end(),
                  [](const box &a, const box &b) { return a.r.area() > b.r.area(); });
        for (const box &f : found) {
            if (*n == SKIN_MAX_FACES)
                break;
            const cv::Rect &r = f.r;
            faces[(*n)++] =
                skinq_rect{(int)(r.x / k), (int)(r.y / k), (int)(r.width / k), (int)(r.height / k)};
        }
        return SKINQ_OK;
    } catch (const cv::Exception &e) {
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "face detection failed in OpenCV: %s", e.what());
    } catch (const std::bad_alloc &) {
        return skinq_fail(ctx, SKINQ_E_NOMEM, "face detection: out of memory in OpenCV");
    } catch (...) {
        return skinq_fail(ctx, SKINQ_E_INTERNAL, "face detection failed: unknown C++ exception");
    }
}
