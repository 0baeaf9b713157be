# SkinqDeps.cmake -- the chosen dependencies, all from Debian packages (scripts/setup.sh).
# Libraries are collected as absolute paths (not imported targets) so the exported static
# target stays usable by find_package(skinq) consumers.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

set(SKINQ_DEP_INCLUDE_DIRS "")
set(SKINQ_DEP_LIBRARIES "")
foreach(mod libjpeg libpng fftw3f sqlite3 libcjson lcms2 libexif libheif libtiff-4 libraw_r)
  string(MAKE_C_IDENTIFIER ${mod} _id)
  pkg_check_modules(DEP_${_id} REQUIRED ${mod})
  list(APPEND SKINQ_DEP_INCLUDE_DIRS ${DEP_${_id}_INCLUDE_DIRS})
  list(APPEND SKINQ_DEP_LIBRARIES ${DEP_${_id}_LINK_LIBRARIES})
endforeach()

# PostgreSQL stores (lib/track/db_pg.c): libpq when it is there (scripts/setup.sh installs libpq-dev);
# without it skinq builds and a postgresql:// store is refused with a message (exit 5).
option(SKINQ_WITH_POSTGRESQL "PostgreSQL session stores through libpq, when libpq is found" ON)
set(SKINQ_PC_LIBPQ "")
if(SKINQ_WITH_POSTGRESQL)
  pkg_check_modules(DEP_libpq libpq)
endif()
if(DEP_libpq_FOUND)
  list(APPEND SKINQ_DEP_INCLUDE_DIRS ${DEP_libpq_INCLUDE_DIRS})
  list(APPEND SKINQ_DEP_LIBRARIES ${DEP_libpq_LINK_LIBRARIES})
  add_compile_definitions(SKINQ_HAVE_LIBPQ)
  set(SKINQ_PC_LIBPQ " libpq")
else()
  message(STATUS "libpq not found (Debian package libpq-dev): PostgreSQL stores are refused")
endif()

# OpenCV 4: Debian's per-module -dev packages ship no OpenCVConfig.cmake/opencv4.pc (those come
# with the whole libopencv-dev), so find the headers and the modules skinq uses directly.
find_path(SKINQ_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
set(SKINQ_OPENCV_LIBRARIES "")
foreach(m core imgproc features2d calib3d video flann objdetect aruco mcc dnn)
  find_library(SKINQ_OPENCV_${m} opencv_${m} REQUIRED)
  list(APPEND SKINQ_OPENCV_LIBRARIES ${SKINQ_OPENCV_${m}})
endforeach()
list(APPEND SKINQ_DEP_INCLUDE_DIRS ${SKINQ_OPENCV_INCLUDE_DIR})
list(APPEND SKINQ_DEP_LIBRARIES ${SKINQ_OPENCV_LIBRARIES} Threads::Threads m)
list(REMOVE_DUPLICATES SKINQ_DEP_INCLUDE_DIRS)

# auto-skin's face detector model (lib/color/facedet.h), from Debian's opencv-data; its path is
# compiled in and $SKINQ_FACE_CASCADE overrides it at run time
find_file(SKINQ_FACE_CASCADE haarcascade_frontalface_alt2.xml
          PATHS /usr/share/opencv4/haarcascades /usr/local/share/opencv4/haarcascades NO_DEFAULT_PATH)
if(NOT SKINQ_FACE_CASCADE)
  message(WARNING "haarcascade_frontalface_alt2.xml not found (Debian package opencv-data): "
                  "--auto-skin face will need SKINQ_FACE_CASCADE")
  set(SKINQ_FACE_CASCADE /usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml)
endif()
