/* chartdet.cpp -- OpenCV's mcc ColorChecker detector behind cvw_chart_detect() (chartdet.h). Like
 * cvwrap.cpp, every C++ exception ends here as a status (cvguard.hpp). */
#include "align/chartdet.h"
#include "align/cvguard.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/mcc/checker_detector.hpp> /* not mcc.hpp: its ccm.hpp trips -Wcomment */

#include <algorithm>
#include <vector>

skinq_status cvw_chart_detect(skinq_ctx *ctx, const skinq_image *img, double box[4][2], double *cost,
                              int *found)
{
    *found = 0;
    return skinq_cv::guarded(ctx, "colour chart detection", [&]() -> skinq_status {
        int type = CV_MAKETYPE(img->depth == 16 ? CV_16U : CV_8U, img->channels);
        cv::Mat src(img->height, img->width, type, img->data, img->stride), bgr, small;
        if (img->depth == 16)
            src.convertTo(src, CV_MAKETYPE(CV_8U, img->channels), 1 / 257.0);
        cv::cvtColor(src, bgr, img->channels == 4 ? cv::COLOR_RGBA2BGR : cv::COLOR_RGB2BGR);
        double k = std::min(1.0, (double)CHART_DETECT_SIDE / std::max(img->width, img->height));
        if (k < 1)
            cv::resize(bgr, small, cv::Size(), k, k, cv::INTER_AREA);
        else
            small = bgr;
        cv::Ptr<cv::mcc::CCheckerDetector> det = cv::mcc::CCheckerDetector::create();
        if (!det->process(small, cv::mcc::MCC24, 1))
            return SKINQ_OK;
        cv::Ptr<cv::mcc::CChecker> best = det->getBestColorChecker();
        if (!best)
            return SKINQ_OK;
        std::vector<cv::Point2f> b = best->getBox();
        if (b.size() != 4)
            return SKINQ_OK;
        double sx = (double)img->width / small.cols, sy = (double)img->height / small.rows;
        for (int i = 0; i < 4; i++) { /* pixel centres: x = (x' + ½)·w/w' − ½ */
            box[i][0] = (b[i].x + 0.5) * sx - 0.5;
            box[i][1] = (b[i].y + 0.5) * sy - 0.5;
        }
        *cost = best->getCost();
        *found = 1;
        return SKINQ_OK;
    });
}
