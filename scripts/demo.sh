#!/usr/bin/env bash
# demo.sh -- set up, build, and run skinq's main job on the bundled samples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
skinq=build/skinq
out=demo-out
mkdir -p "$out"

echo
echo "== what skinq reads from a photo"
build/tests/skinq_fixtures "$out/fixtures" 2>/dev/null || { mkdir -p "$out/fixtures"; build/tests/skinq_fixtures "$out/fixtures"; }
"$skinq" info "$out/fixtures/orient6.jpg"
echo
echo "outputs in $out/"
