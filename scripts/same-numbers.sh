#!/usr/bin/env bash
# same-numbers.sh [BASE_REF] -- show that a change moved no number: build BASE_REF (default HEAD)
# beside the working tree, run one command set (scripts/same-numbers/run-set.sh: phantoms,
# analyze, compare, depth, info, track, trend, report, at each ISA level) with both binaries, and
# compare the outputs (compare.py: numbers to 1e-9 relative, maps byte for byte). A development
# tool for refactors, not part of scripts/test.sh (it builds twice and takes a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD}
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add -q --detach "$tmp/base" "$base"
echo "== build $base"
bash "$tmp/base/scripts/build.sh" "$tmp/base/build" -DSKINQ_BUILD_BENCHMARKS=OFF -DBUILD_TESTING=OFF >/dev/null
echo "== build the working tree"
bash scripts/build.sh build >/dev/null
echo "== run the command set with each"
bash scripts/same-numbers/run-set.sh "$tmp/base/build/skinq" "$tmp/a" >/dev/null 2>&1
bash scripts/same-numbers/run-set.sh "$PWD/build/skinq" "$tmp/b" >/dev/null 2>&1
python3 scripts/same-numbers/compare.py "$tmp/a" "$tmp/b"
