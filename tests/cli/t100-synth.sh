#!/usr/bin/env bash
# skinq synth: phantoms and truth.json on disk, refusals and their exit codes.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 400 --height 300 --seed 3
expect_rc 0 "healing-series"
for f in day00.jpg day01.jpg day42.jpg mask.png truth.json; do
  if [ -s "$T/hs/$f" ]; then ok; else bad "missing $f"; fi
done
cp "$T/hs/truth.json" "$T/out"
expect_json_path kind healing-series
expect_json_path px_per_mm 20
expect_json_path tau_days 3
expect_json_path images.8.day 42
expect_json_path images.1.transform.8 1
expect_json_path treated.mask mask.png
run "$SKINQ" info --json "$T/hs/day05.jpg"
expect_json_path image.width 400

run "$SKINQ" synth --kind all --out "$T/all" --width 300 --height 200
expect_rc 0 "all"
if [ -s "$T/all/chart/chart.json" ] && [ -s "$T/all/healing-series/truth.json" ] &&
   [ -s "$T/all/scar-stack/lights.json" ] && [ -s "$T/all/texture-ladder/patch_5.png" ]; then ok; else bad "kind all"; fi
cp "$T/all/scar-stack/lights.json" "$T/out"
expect_json_path lights.5.image light_5.png
expect_json_path lights.0.intensity 1
cp "$T/all/scar-stack/truth.json" "$T/out"
expect_json_path scars.0.type icepick
expect_json_path scars.2.type rolling

run "$SKINQ" synth --kind moon --out "$T/x";       expect_rc 2 "unknown kind"; expect_one_line_error "moon"
run "$SKINQ" synth --kind chart;                    expect_rc 2 "no --out"
run "$SKINQ" synth --kind chart --out "$T/x" --seed -1; expect_rc 2 "negative seed"
touch "$T/file"
run "$SKINQ" synth --kind chart --out "$T/file";    expect_rc 1 "out is a file"; expect_one_line_error "file"
finish
