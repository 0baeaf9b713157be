#!/usr/bin/env bash
# skinq analyze: the JSON contract (provenance, roi, calibration, color.*), CSV keys, the table,
# --ref deltas and --white on a healing-series phantom, maps, and bad input (exit 2/3/4, one
# stderr line naming the file, nothing on stdout, no partial output files).
. "$(dirname "$0")/lib.sh"

P="$T/phantom"
run "$SKINQ" synth --kind healing-series --out "$P" --width 600 --height 450
expect_rc 0 "synth"
REF=$(python3 -c "import json;print(','.join(map(str,json.load(open('$P/truth.json'))['reference_rect'])))")
WHITE=$(python3 -c "import json;print(','.join(map(str,json.load(open('$P/truth.json'))['images'][1]['white_rect'])))")

run "$SKINQ" analyze --json --mask "$P/mask.png" --ref "$REF" --white "$WHITE" --white-reflectance 0.8 \
    --px-per-mm 6 "$P/day01.jpg"
expect_rc 0 "analyze --json"
for k in skinq_version image.path image.sha256 image.size_bytes image.width scale.px_per_mm roi.source roi.pixels \
         roi.clipped reference.rect calibration.method calibration.white_point calibration.white.reflectance \
         color.L.mean color.a.p05 color.b.p95 color.erythema_index.mean color.melanin_index.std \
         color.hemoglobin.p50 color.melanin.mean color.ita_deg.mean color.ita_deg.category \
         color.red_area_fraction color.red_area_mm2 color.a.delta_ref color.hemoglobin.delta_ref \
         formulas.erythema_index.source formulas.hemoglobin.relative; do
  expect_json_path "$k"
done
expect_json_path roi.source mask
expect_json_path calibration.method white-patch
expect_json_path calibration.white_point D65
expect_json_path formulas.erythema_index.relative true
expect_json_path image.sha256 "$(sha256sum "$P/day01.jpg" | cut -d' ' -f1)"
# the treated region is redder than the untreated reference on day 1
if python3 -c "
import json,sys; c=json.load(open('$T/out'))['color']
sys.exit(0 if c['hemoglobin']['delta_ref']>0.01 and c['a']['delta_ref']>2 and c['erythema_index']['delta_ref']>3 else 1)"
then ok; else bad "day 1 treated region should read redder than the reference"; fi

# the table and CSV
run "$SKINQ" analyze --roi 100,100,200,150 "$P/day00.jpg"
expect_rc 0 "analyze table"
expect_out_contains "erythema_index"
expect_out_contains "red area"
run "$SKINQ" analyze --csv --no-texture "$P/day00.jpg" "$P/day42.jpg"
expect_rc 0 "analyze --csv"
if head -1 "$T/out" | grep -qx 'image,metric,value,unit' && grep -q '^.*day42.jpg,color.a.mean,' "$T/out" &&
   grep -q ',color.red_area_fraction,' "$T/out"; then ok; else bad "CSV header and rows"; fi
# several images as JSON: an array, in order
run "$SKINQ" analyze --json --auto-skin "$P/day00.jpg" "$P/day02.jpg"
expect_rc 0 "analyze two images"
expect_json_path 1.image.path "$P/day02.jpg"
expect_json_path 0.roi.source auto-skin

# maps: every PNG, written atomically
run "$SKINQ" analyze --maps "$T/maps" --json "$P/day01.jpg"
expect_rc 0 "analyze --maps"
for f in a erythema_index hemoglobin melanin overlay_a roi; do
  if [ -s "$T/maps/$f.png" ]; then ok; else bad "map $f.png missing"; fi
done
if ls "$T/maps" | grep -q tmp; then bad "temporary files left in maps"; else ok; fi

# bad input
run "$SKINQ" analyze --roi 5000,5000,10,10 "$P/day00.jpg"
expect_rc 4 "ROI outside the image"
expect_one_line_error "day00.jpg"
if [ ! -s "$T/out" ]; then ok; else bad "stdout should be empty on error"; fi
run "$SKINQ" analyze --json "$FX/bad-truncated.jpg"
expect_rc 3 "truncated JPEG"
expect_one_line_error "bad-truncated.jpg"
run "$SKINQ" analyze --mask "$FX/good.png" "$P/day00.jpg"
expect_rc 3 "mask of another size"
expect_one_line_error "day00.jpg"
run "$SKINQ" analyze --roi 1,2,3 "$P/day00.jpg"
expect_rc 2 "malformed --roi"
run "$SKINQ" analyze --roi 1,2,3,4 --auto-skin "$P/day00.jpg"
expect_rc 2 "two ROI sources"
run "$SKINQ" analyze --maps "$T/m2" "$P/day00.jpg" "$FX/bad-empty.jpg"
expect_rc 3 "second image bad"
expect_one_line_error "bad-empty.jpg"
if [ ! -s "$T/out" ]; then ok; else bad "nothing printed when one image fails"; fi
touch "$T/afile"
run "$SKINQ" analyze --maps "$T/afile" "$P/day00.jpg"
expect_rc 1 "maps folder is a file"
expect_one_line_error "afile"
finish
