#!/usr/bin/env bash
# skinq compare refusals: photos of different things (exit 4, one line saying why), unreadable
# files (exit 3 naming them), a bad chart file (exit 3), usage errors (exit 2); nothing on
# stdout and no maps in every case.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 480 --height 360 -q
run "$SKINQ" synth --kind chart --out "$T/ch" --width 480 --height 320 -q
H="$T/hs"

check_fail 4 "cannot align" "the images may not show the same site" "$SKINQ" compare "$H/day00.jpg" "$T/ch/chart.png"
check_fail 4 "cannot align" "cannot align" "$SKINQ" compare "$FX/good.png" "$H/day00.jpg"
check_fail 3 "missing.jpg" "missing.jpg" "$SKINQ" compare "$H/day00.jpg" "$T/missing.jpg"
check_fail 3 "bad-truncated.jpg" "bad-truncated.jpg" "$SKINQ" compare "$FX/bad-truncated.jpg" "$H/day00.jpg"
printf '{"corners": [[1,2]' > "$T/bad-chart.json"
check_fail 3 "bad-chart.json" "not valid JSON" "$SKINQ" compare "$T/ch/chart.png" "$T/ch/chart.png" --chart "$T/bad-chart.json"
printf '{"images": [{"image": "other.png", "corners": [[0,0],[100,0],[100,80],[0,80]]}]}' > "$T/other.json"
check_fail 3 "other.json" "no \"corners\" for 'chart.png'" "$SKINQ" compare "$T/ch/chart.png" "$T/ch/chart.png" --chart "$T/other.json"
# a ROI outside the overlap: analysis impossible
check_fail 4 "region of interest" "does not overlap" "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg" --roi 5000,5000,10,10

run "$SKINQ" compare "$H/day00.jpg"
expect_rc 2 "one image"
run "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg" --white 1,1,5,5 --chart "$T/ch/chart.json"
expect_rc 2 "white and chart"
run "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg" --json --csv
expect_rc 2 "json and csv"
run "$SKINQ" compare --help
expect_rc 0 "help"
expect_out_contains "--no-align"
finish
