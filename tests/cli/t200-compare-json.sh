#!/usr/bin/env bash
# skinq compare on the healing-series phantom: identical photos give the identity and zero
# deltas; day 0 → day 3 (after the procedure) shows more redness inside the treated region and
# improved false; JSON, CSV and text forms; --no-align, --white, --ref, --chart and the maps.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 640 --height 480 --seed 5 -q
expect_rc 0 "synth"
H="$T/hs"
# the treated ellipse: centre (0.6 w, 0.5 h), radii (0.18 w, 0.22 h); its inner box, on day 0's pixels
TREATED=330,150,160,180
UNTREATED=38,182,102,115   # truth.json reference_rect

run "$SKINQ" compare "$H/day07.jpg" "$H/day07.jpg" --roi "$TREATED" --json
expect_rc 0 "identical"
expect_json_path alignment.ok true
check 'all(abs(v - i) < 1e-3 for v, i in zip(doc["alignment"]["matrix"], [1,0,0,0,1,0,0,0,1]))'
check 'doc["delta_e2000"]["mean"] < 0.01 and doc["delta_e2000"]["p95"] < 0.01'
check 'abs(doc["delta"]["color"]["a"]["mean"]["change"]) < 1e-3'
check 'abs(doc["delta"]["color"]["erythema_index"]["mean"]["change"]) < 1e-3'
check 'doc["delta"]["color"]["a"]["mean"]["improved"] is False and doc["delta"]["color"]["L"]["mean"]["improved"] is None'
check 'doc["before"]["image"]["sha256"] == doc["after"]["image"]["sha256"]'
for k in before after alignment calibration delta_e2000 delta common_roi; do expect_json_path "$k"; done

run "$SKINQ" compare "$H/day00.jpg" "$H/day03.jpg" --roi "$TREATED" --ref "$UNTREATED" --json
expect_rc 0 "day 0 -> day 3"
check 'doc["alignment"]["ok"] and doc["alignment"]["inliers"] >= 20 and doc["alignment"]["overlap"] > 0.9'
check 'doc["delta"]["color"]["a"]["mean"]["change"] > 1 and doc["delta"]["color"]["a"]["mean"]["improved"] is False'
check 'doc["delta"]["color"]["hemoglobin"]["mean"]["change"] > 0'
check 'doc["calibration"]["ref_normalisation"]["pixels"] > 1000'
check 'doc["delta_e2000"]["mean"] > 1'
check 'doc["before"]["roi"]["pixels"] > 20000 and abs(doc["before"]["roi"]["pixels"] - doc["after"]["roi"]["pixels"]) < 0.01 * doc["before"]["roi"]["pixels"]'
# the same change measured on untreated skin is small: the redness is where the treatment was
run "$SKINQ" compare "$H/day00.jpg" "$H/day03.jpg" --roi "$UNTREATED" --ref "$UNTREATED" --json
expect_rc 0 "untreated region"
check 'abs(doc["delta"]["color"]["a"]["mean"]["change"]) < 0.5'

# healing: day 5 → day 42 is less red (improved true)
run "$SKINQ" compare "$H/day05.jpg" "$H/day42.jpg" --roi "$TREATED" --ref "$UNTREATED" --json
expect_rc 0 "day 5 -> day 42"
check 'doc["delta"]["color"]["a"]["mean"]["change"] < 0 and doc["delta"]["color"]["a"]["mean"]["improved"] is True'

# --white on the grey card (same place in every photo), --no-align, CSV, text
WR=$(python3 -c "import json; print(','.join(str(int(v)) for v in json.load(open('$H/truth.json'))['images'][0]['white_rect']))")
run "$SKINQ" compare "$H/day00.jpg" "$H/day02.jpg" --roi "$TREATED" --white "$WR" --white-reflectance 0.8 --json
expect_rc 0 "white"
expect_json_path calibration.method white
check 'len(doc["calibration"]["white_gains"]["after"]) == 3'
run "$SKINQ" compare "$H/day05.jpg" "$H/day05.jpg" --no-align --json
expect_rc 0 "no-align"
expect_json_path alignment.method none
run "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg" --csv
expect_rc 0 "csv"
if head -1 "$T/out" | grep -qx 'metric,before,after,change,percent,mdc95,verdict,improved,unit'; then ok; else bad "csv header"; fi
expect_out_contains "color.a.mean,"
run "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg"
expect_rc 0 "text"
expect_out_contains "alignment   akaze+ransac"
expect_out_contains "ΔE2000"

# maps
run "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg" --roi "$TREATED" --maps "$T/maps"
expect_rc 0 "maps"
for f in aligned_after.png side_by_side.png delta_e2000.png redness_change.png; do
  if [ -s "$T/maps/$f" ]; then ok; else bad "map $f missing"; fi
done

# --chart: each photo calibrated from its ColorChecker (the chart phantom, twice)
run "$SKINQ" synth --kind chart --out "$T/ch" --width 600 --height 400 -q
run "$SKINQ" compare "$T/ch/chart.png" "$T/ch/chart.png" --chart "$T/ch/chart.json" --json
expect_rc 0 "chart"
expect_json_path calibration.method chart
check 'doc["calibration"]["before"]["delta_e2000_after"]["mean"] < 2 < doc["calibration"]["before"]["delta_e2000_before"]["mean"]'
finish
