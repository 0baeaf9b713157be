#!/usr/bin/env bash
# demo.sh -- set up, build, and run skinq's main job on the bundled samples: the real photo and
# the phantoms with known ground truth (generated on first run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
skinq=build/skinq
gen=samples/generated

missing=0
for k in healing-series scar-stack texture-ladder chart; do [ -s "$gen/$k/truth.json" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "== generating phantoms with ground truth into $gen/"
  "$skinq" synth --kind all --out "$gen" --seed 1
fi

echo
echo "== a real photograph (public domain, see samples/README.md)"
"$skinq" info samples/real/astronaut-face.png
echo
echo "== the healing series: day 1 (red, just after the procedure) and day 42"
"$skinq" info "$gen/healing-series/day01.jpg"
"$skinq" info "$gen/healing-series/day42.jpg"
echo
echo "== the scar stack: one of six photometric-stereo light images (16-bit) and the true height map"
"$skinq" info "$gen/scar-stack/light_0.png"
"$skinq" info "$gen/scar-stack/height.png"
echo
echo "ground truth: $gen/healing-series/truth.json (tau, per-day hemoglobin excess, poses,"
echo "white balance), $gen/scar-stack/truth.json (scar depths, areas, volumes; lights.json),"
echo "$gen/texture-ladder/truth.json (roughness and pore ladder), $gen/chart/truth.json (ColorChecker"
echo "references and the colour cast)."
echo "skinq analyze / compare / track come with the colour, texture and comparison work."
