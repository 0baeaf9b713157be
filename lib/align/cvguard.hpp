/* cvguard.hpp -- internal, C++ only: the one place that turns C++ failures (OpenCV's own,
 * allocation, anything else) into a skinq_status with a message, for cvwrap.cpp and chartdet.cpp. */
#ifndef SKINQ_CVGUARD_HPP
#define SKINQ_CVGUARD_HPP

extern "C" {
#include "core/core.h"
}

#include <opencv2/core.hpp>

#include <exception>
#include <new>

namespace skinq_cv
{

/* f() returns a skinq_status; an exception it throws becomes one (OpenCV's non-convergence:
 * SKINQ_E_ALIGN; allocation: SKINQ_E_NOMEM; anything else SKINQ_E_INTERNAL). */
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

} // namespace skinq_cv

#endif
