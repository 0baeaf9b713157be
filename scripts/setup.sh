#!/usr/bin/env bash
# setup.sh -- install every Debian package skinq's build, tests and demo need.
# Idempotent: when everything is present it returns at once without touching apt.
set -euo pipefail

PACKAGES=(
  cmake pkg-config gcc g++ make
  libjpeg62-turbo-dev libpng-dev libfftw3-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-features2d-dev
  libopencv-calib3d-dev libopencv-video-dev libopencv-objdetect-dev opencv-data
  opencv-doc  # graf1.png, graf3.png, H1to3p.xml: the real registration test (tests/unit/test_align.c)
  libopencv-contrib-dev  # aruco (scale stickers) and mcc (ColorChecker detection)
  libheif-dev libheif-examples libtiff-dev libraw-dev  # HEIC, TIFF, DNG/RAW inputs; heif-enc for the tests
  python3-tifffile  # tests write DNG/TIFF fixtures with it (/usr/bin/python3)
  libcmocka-dev libsqlite3-dev libcjson-dev liblcms2-dev libexif-dev
  python3 clang-format
  clang-14 libclang-rt-14-dev
  chromium
  python3-dev python3-numpy python3-pytest python3-setuptools python3-pip  # import skinq (python/)
  parallel slurm-wlm munge  # sharded batches: GNU parallel and a one-node Slurm in the tests
  bc time                   # benchmarks/batch_throughput.sh
  postgresql libpq-dev      # the PostgreSQL store (a throwaway cluster in the tests)
  python3-scipy python3-skimage python3-opencv  # benchmarks/peer_pipeline.py (the Python peer)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
