#!/usr/bin/env bash
# fuzz.sh TARGET SECONDS [JOBS] -- run the libFuzzer target tests/fuzz/fuzz_TARGET.c (jpeg, png,
# lights_json, chart_json, analyze; `all` = each in turn) for SECONDS (each), JOBS processes.
# Builds build-fuzz (clang-14, -DSKINQ_FUZZ=ON: ASan + UBSan + coverage) when needed, fuzzes a
# copy of the seed corpus (fuzz-out/TARGET/corpus, kept between runs: it grows) and keeps
# crashes, timeouts and OOM inputs in fuzz-out/TARGET/ (crash-*, timeout-*, oom-*). Exit 1 if
# the run found one. Env: FUZZ_BUILD (build dir, default build-fuzz), FUZZ_OUT (default fuzz-out).
set -euo pipefail
cd "$(dirname "$0")/.."
targets_all="jpeg png tiff heif lights_json chart_json analyze"
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [JOBS]  (targets: $targets_all)" >&2
  exit 2
fi
target=$1 secs=$2 jobs=${3:-1}
bdir=${FUZZ_BUILD:-build-fuzz} out=${FUZZ_OUT:-fuzz-out}
[ "$target" = all ] && targets=$targets_all || targets=$target
for t in $targets; do
  [ -f "tests/fuzz/fuzz_$t.c" ] || { echo "fuzz.sh: no target '$t' (targets: $targets_all)" >&2; exit 2; }
done
cc=${CC:-clang-14} cxx=${CXX:-clang++-14}
command -v "$cc" >/dev/null || { echo "fuzz.sh: $cc not found (bash scripts/setup.sh installs clang-14)" >&2; exit 2; }
if [ ! -f "$bdir/CMakeCache.txt" ]; then
  CC=$cc CXX=$cxx cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKINQ_FUZZ=ON \
    -DSKINQ_BUILD_BENCHMARKS=OFF >"$bdir.configure.log" 2>&1 || { cat "$bdir.configure.log"; exit 1; }
fi
build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
cmake --build "$bdir" -j"$(nproc 2>/dev/null || echo 2)" --target "${build_targets[@]}" >"$bdir.build.log" 2>&1 ||
  { tail -40 "$bdir.build.log"; exit 1; }

status=0
for t in $targets; do
  dir="$out/$t"
  mkdir -p "$dir/corpus"
  cp -n tests/fuzz/corpus/fuzz_$t/* "$dir/corpus/" 2>/dev/null || true
  echo "== fuzz_$t: ${secs}s, $jobs job(s), corpus $dir/corpus, findings in $dir/"
  log="$dir/fuzz.log"
  # -rss_limit_mb: the ctx limits (4 MP) keep a run far below it; -timeout: a single input
  # slower than 10 s is a finding
  par=()
  [ "$jobs" -gt 1 ] && par=(-fork="$jobs") # fork mode: JOBS processes, one shared time budget
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$bdir/tests/fuzz/fuzz_$t" -max_total_time="$secs" "${par[@]}" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/" \
    "$dir/corpus" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
  # -fork prints no final stats: its last "#N:" line counts every job's runs
  [ "$runs" -eq 0 ] && runs=$(grep -ho '^#[0-9]*' "$log" | tr -d "#" | sort -n | tail -1)
  runs=${runs:-0}
  cov=$(grep -ho 'cov: [0-9]*' "$log" | awk '{if ($2 > m) m = $2} END {print m + 0}')
  found=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  echo "   fuzz_$t: $runs runs, cov $cov, $found finding(s), exit $rc (log $log)"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    grep -h -m3 -E 'ERROR|runtime error|SUMMARY' "$log" || true
    status=1
  fi
done
exit $status
