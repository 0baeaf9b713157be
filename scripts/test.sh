#!/usr/bin/env bash
# test.sh -- set up, check the format (scripts/format.sh --check), build and run every test: the
# release build (with the best SIMD, then again forced to the scalar reference), the
# install/find_package check, the AddressSanitizer + UBSan build's tests, then a 60-second
# libFuzzer smoke run of every tests/fuzz/ target. Exits non-zero on
# the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/setup.sh
echo "== format (clang-format --dry-run -Werror on every tracked C/C++ file)"
bash scripts/format.sh --check
echo "== build (release)"
bash scripts/build.sh build
echo "== tests (release, best ISA)"
(cd build && ctest -j"$jobs" --output-on-failure)
echo "== tests (release, SKINQ_ISA=scalar: the reference path and the dispatch fallback)"
(cd build && SKINQ_ISA=scalar SKINQ_TEST_QUICK=1 ctest -j"$jobs" --output-on-failure)

echo "== install + find_package(skinq) + pkg-config consumer"
bash tests/install/check.sh "$root/build"

echo "== build (AddressSanitizer + UBSan)"
BUILD_TYPE=Debug bash scripts/build.sh build-asan -DSKINQ_SANITIZE=ON -DSKINQ_BUILD_BENCHMARKS=OFF
echo "== tests (sanitizers)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
   SKINQ_TEST_QUICK=1 ctest -j"$jobs" --output-on-failure)

# libFuzzer smoke: every tests/fuzz/ target for SKINQ_FUZZ_SECONDS (60) from its seed corpus, in
# build-fuzz (clang-14, ASan + UBSan); a crash, timeout or OOM fails the run (inputs kept in
# build-fuzz/smoke/TARGET/). Long runs: scripts/fuzz.sh TARGET SECONDS [JOBS].
fuzz_secs=${SKINQ_FUZZ_SECONDS:-60}
if command -v clang-14 >/dev/null && ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "== fuzz smoke (every libFuzzer target ${fuzz_secs} s)"
  rm -rf build-fuzz/smoke
  FUZZ_OUT=build-fuzz/smoke bash scripts/fuzz.sh all "$fuzz_secs"
  # the seeds and regression inputs under clang's UBSan too (gcc's misses some, e.g. the
  # pointer overflow of tests/fuzz/regress/fuzz_analyze/laplace-row-tail-ptr-overflow.bin)
  cmake --build build-fuzz -j"$jobs" --target fuzz_jpeg_replay fuzz_png_replay fuzz_tiff_replay fuzz_heif_replay fuzz_lights_json_replay \
    fuzz_chart_json_replay fuzz_analyze_replay >/dev/null
  (cd build-fuzz && ctest -R fuzz-replay --output-on-failure)
else
  echo "== fuzz smoke SKIPPED: clang-14 with libFuzzer (libclang-rt-14-dev) is not installed; bash scripts/setup.sh installs it"
fi
echo "== all tests passed"
