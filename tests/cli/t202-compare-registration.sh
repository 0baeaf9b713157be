#!/usr/bin/env bash
# skinq compare's registration (issue 18): every healing-series pair passes the acceptance (inlier
# ratio, rms, overlap, band-pass NCC in the ROI) and the day 0 -> 42 pore change is the truth's
# within 5 points, day 0's pore density its truth's within 15 % (before issue 18: 48/cm2 of 120,
# and -51 % against -35 % on the warped pixels of the shallower pores); unrelated photos (the generated
# sample set, which share a tone pattern and pass RANSAC with 44 of 566 matches, and two seeds of
# the healing series) exit 4 with one line saying which test failed by how much.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/h" --seed 1 -q
expect_rc 0 "synth"
H="$T/h"
REF=$(python3 -c "import json; print(','.join(str(int(v)) for v in json.load(open('$H/truth.json'))['reference_rect']))")
PPM=$(python3 -c "import json; print(json.load(open('$H/truth.json'))['px_per_mm'])")
truth() { python3 -c "import json; print([i for i in json.load(open('$H/truth.json'))['images'] if i['file'] == '$1'][0]['$2'])"; }

days="01 02 03 05 07 14 28 42"
if [ -n "${SKINQ_TEST_QUICK:-}" ]; then days="01 14 42"; fi
for d in $days; do
  notex=--no-texture
  if [ "$d" = 42 ]; then notex=; fi
  run "$SKINQ" compare "$H/day00.jpg" "$H/day$d.jpg" --mask "$H/mask.png" --ref "$REF" --px-per-mm "$PPM" --json $notex
  expect_rc 0 "day 0 -> $d"
  check '(a := doc["alignment"])["ok"] and a["inlier_ratio"] >= 0.8 and a["rms_px"] <= 2 and a["ncc"] >= 0.7 and a["overlap"] > 0.9'
done
check 'abs(doc["alignment"]["after_scale"] - 1) < 0.06 and doc["alignment"]["measured_in"]["after_roi_pixels"] > 300000'

# day 0 -> 42 (the last pair run): pore change within 5 points of the truth's; day 0 within 15 %
P0=$(truth day00.jpg pore_density_per_cm2)
P42=$(truth day42.jpg pore_density_per_cm2)
check "(p := doc['delta']['texture']['pores']['density_per_cm2']) and abs(p['percent'] - 100 * ($P42 / $P0 - 1)) <= 5"
check "abs(doc['delta']['texture']['pores']['density_per_cm2']['before'] / $P0 - 1) <= 0.15"

# the px sibling with a scale: the density per cm² in before's pixels (per Mpx = per cm² × 1e4 / ppm²)
check "(p := doc['delta']['texture']['pores']['density_per_mpx']) and p['unit'] == '1/Mpx' and abs(p['before'] / (doc['delta']['texture']['pores']['density_per_cm2']['before'] * 1e4 / $PPM ** 2) - 1) < 1e-6"

# without a scale: texture in before's pixel units, the same relative change; nothing per cm²
run "$SKINQ" compare "$H/day00.jpg" "$H/day42.jpg" --mask "$H/mask.png" --ref "$REF" --json
expect_rc 0 "day 0 -> 42 without a scale"
check "(p := doc['delta']['texture']['pores']['density_per_mpx']) and p['unit'] == '1/Mpx' and abs(p['percent'] - 100 * ($P42 / $P0 - 1)) <= 5"
check "(p := doc['delta']['texture']['pores'].get('density_per_cm2')) is None or (p['before'] is None and p['after'] is None)"

# unrelated photos: exit 4, one line naming the failed test and its value
run "$SKINQ" bench --make-set "$T/set" --count 2 -q
expect_rc 0 "make-set"
run "$SKINQ" compare "$T/set/photo-0000.jpg" "$T/set/photo-0001.jpg" --json
expect_rc 4 "two sample-set photos"
expect_one_line_error "cannot align"
if grep -qE 'only [0-9]+ of [0-9]+ feature matches \([0-9.]+ %\) agree on one transform \(need 30 %\)' "$T/err"; then ok; else bad "inlier-ratio message"; fi
test ! -s "$T/out" && ok || bad "no output on failure"
run "$SKINQ" synth --kind healing-series --out "$T/h2" --seed 2 --width 1600 --height 1200 -q
run "$SKINQ" compare "$H/day00.jpg" "$T/h2/day42.jpg" --mask "$H/mask.png"
expect_rc 4 "healing seed 1 day 0 against seed 2 day 42"
expect_one_line_error "cannot align"

finish
