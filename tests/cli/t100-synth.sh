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
   [ -s "$T/all/scar-stack/lights.json" ] && [ -s "$T/all/texture-ladder/patch_5.png" ] &&
   [ -s "$T/all/course/truth.json" ]; then ok; else bad "kind all"; fi
cp "$T/all/scar-stack/lights.json" "$T/out"
expect_json_path lights.5.image light_5.png
expect_json_path lights.0.intensity 1
cp "$T/all/scar-stack/truth.json" "$T/out"
expect_json_path scars.0.type icepick
expect_json_path scars.2.type rolling

# the course: baseline a week before, two cycles (the second with its follow-up on days 28, 42)
run "$SKINQ" synth --kind course --out "$T/course" --width 200 --height 150 --cycles 2
expect_rc 0 "course"
if [ "$(cd "$T/course" && ls ./*.jpg | tr '\n' ' ')" = "./b-07.jpg ./c1-d00.jpg ./c1-d01.jpg ./c1-d02.jpg \
./c1-d03.jpg ./c1-d07.jpg ./c1-d14.jpg ./c2-d00.jpg ./c2-d01.jpg ./c2-d02.jpg ./c2-d03.jpg ./c2-d07.jpg \
./c2-d14.jpg ./c2-d28.jpg ./c2-d42.jpg " ] && [ -s "$T/course/mask.png" ]; then ok; else bad "course files"; fi
cp "$T/course/truth.json" "$T/out"
expect_json_path kind course
expect_json_path start_date 2025-12-29
expect_json_path cycles.1.date 2026-02-02
expect_json_path cycles.1.tau_days 2.5
expect_json_path images.7.course_day 28
expect_json_path images.7.procedure true
expect_json_path images.14.date 2026-03-16
run "$SKINQ" synth --help; expect_rc 0 "help"
if grep -q "course" "$T/out"; then ok; else bad "help lists course"; fi
run "$SKINQ" synth --kind course --out "$T/x" --cycles 7; expect_rc 2 "7 cycles"; expect_one_line_error "cycles"
run "$SKINQ" synth --kind course --out "$T/x" --cycles 0; expect_rc 2 "0 cycles"; expect_one_line_error "cycles"
run "$SKINQ" synth --kind moon --out "$T/x";       expect_rc 2 "unknown kind"; expect_one_line_error "moon"
run "$SKINQ" synth --kind chart;                    expect_rc 2 "no --out"
run "$SKINQ" synth --kind chart --out "$T/x" --seed -1; expect_rc 2 "negative seed"
touch "$T/file"
run "$SKINQ" synth --kind chart --out "$T/file";    expect_rc 1 "out is a file"; expect_one_line_error "file"
finish
