#!/usr/bin/env bash
# batch_throughput.sh [SKINQ] -- images/s of `skinq batch` on the 40-photo study of the batch tests
# (tests/cli/batch_lib.sh: 10 subjects x 4 sessions of the healing-series phantom, 320x240 JPEG,
# each photo registered onto its site's first, texture on): one process, then 2 shards as 2
# processes over GNU parallel, each with --threads 1 (a shard per core: how Slurm and Kubernetes
# run them; GNU parallel's own start, ~0.3 CPU s, is in that row, so the same 2 shards also as two
# background processes of sh), and one process with every core for comparison. Each setting is run REPEAT times
# (default 5) and the median wall time is reported.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
SKINQ=${1:-$root/build/skinq}
REPEAT=${REPEAT:-5}
export SKINQ
. "$root/tests/cli/batch_lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
make_study "$w/study"
M="$w/study/manifest.csv"
n=$(($(wc -l <"$M") - 1))

median() { # "wall cpu" seconds of the median (by wall time) of REPEAT runs of "$@" (a fresh results
  # folder each time); cpu is user + system of the whole process tree, which a busy machine disturbs less
  local r
  : >"$w/runs"
  for _ in $(seq "$REPEAT"); do
    rm -rf "$w/out"
    /usr/bin/time -f "%e %U %S" -o "$w/time" "$@" >/dev/null 2>&1 || true
    read -r -a r <"$w/time"
    echo "${r[0]} $(echo "${r[1]} + ${r[2]}" | bc -l)" >>"$w/runs"
  done
  sort -n "$w/runs" | sed -n "$(((REPEAT + 1) / 2))p"
}
row() {
  local t
  read -r -a t <<<"$2"
  printf '%-52s %6.2f s %6.2f images/s  %5.3f CPU s/image\n' "$1" "${t[0]}" "$(echo "$n / ${t[0]}" | bc -l)" \
    "$(echo "${t[1]} / $n" | bc -l)"
}

echo "skinq batch throughput: $n photos (320x240, texture on, registered), median of $REPEAT"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
row "1 process, --threads 1" "$(median "$SKINQ" batch "$M" --out "$w/out" -q --threads 1)"
row "2 processes (2 shards, GNU parallel), --threads 1" \
  "$(median parallel --will-cite -j 2 "$SKINQ" batch "$M" --out "$w/out" -q --threads 1 --shard {}/2 ::: 0 1)"
row "2 processes (2 shards, sh: & and wait), --threads 1" \
  "$(median sh -c "\"$SKINQ\" batch \"$M\" --out \"$w/out\" -q --threads 1 --shard 0/2 & \"$SKINQ\" batch \"$M\" --out \"$w/out\" -q --threads 1 --shard 1/2 & wait")"
row "1 process, --threads $(nproc)" "$(median "$SKINQ" batch "$M" --out "$w/out" -q --threads "$(nproc)")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
