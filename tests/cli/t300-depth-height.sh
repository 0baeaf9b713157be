#!/usr/bin/env bash
# skinq depth --height: JSON contract, accuracy on the scar-stack phantom's true height map,
# CSV/text forms, unknown scale, a scar mask, and the maps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

run "$SKINQ" synth --kind scar-stack --out "$T/ss" --width 512 --height 512 -q
expect_rc 0 "synth"
ZS=$(python3 -c "import json;print(json.load(open('$T/ss/truth.json'))['z_scale_mm_per_unit'])")

run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --px-per-mm 20 --json
expect_rc 0 "depth --height"
expect_json input=height-map skinq_version image.sha256 image.width=512 scale.px_per_mm=20 scale.source=option \
  relative=false units.height=mm roi.source=full calibration.method=none parameters.min_depth=0.05 \
  surface.sa_mm surface.sq_mm scars.max_depth_mm scars.mean_depth_mm scars.area_mm2 scars.volume_mm3 \
  scars.items.0.max_depth_mm scars.items.0.mean_depth_mm scars.items.0.area_mm2 scars.items.0.volume_mm3 \
  scars.items.0.equiv_diameter_mm scars.items.0.centroid_mm.0 scars.items.0.centroid_mm.1 scars.count=3 \
  scars.items.0.type=icepick scars.items.1.type=boxcar scars.items.2.type=rolling  # deepest first
# every scar against truth.json: max depth and area within 15 %, volume within 20 %
expect_scars_match_truth "$T/out" "$T/ss/truth.json"

# CSV and text
run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --px-per-mm 20 --csv
expect_rc 0 "--csv"
if head -1 "$T/out" | grep -qx "image,metric,value,unit" && grep -q ",scars.count,3,1$" "$T/out" &&
   grep -q ",scars.items.2.area_mm2,.*,mm2$" "$T/out"; then ok; else bad "CSV rows"; fi
run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --px-per-mm 20
expect_rc 0 "text"
expect_out_contains "boxcar"
expect_out_contains "scars.volume_mm3"

# no lateral scale: lengths in px, said so; a name that says mm holds no pixels (null), its _px
# sibling does (heights stay mm: the height map's own z scale)
run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --json
expect_rc 0 "no scale"
expect_json scale=unknown units.length=px units.height=mm scars.count=3 scars.area_mm2=null scars.volume_mm3=null \
  scars.items.0.area_mm2=null scars.items.0.equiv_diameter_mm=null scars.items.0.centroid_mm.0=null
check "all(isinstance(v, (int, float)) and v > 0 for v in (doc['scars']['max_depth_mm'], doc['scars']['area_px'], doc['scars']['volume_px'], doc['scars']['items'][0]['area_px'], doc['scars']['items'][0]['equiv_diameter_px'], doc['scars']['items'][0]['centroid_px'][1]))"
check "doc['scars']['area_px'] == sum(s['area_px'] for s in doc['scars']['items'])"
run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --csv
expect_rc 0 "no scale --csv"
if grep -q ",scars.area_mm2,,mm2$" "$T/out" && grep -q ",scars.area_px,[0-9.e+]*,px2$" "$T/out" &&
   grep -q ",scars.volume_px,[0-9.e+]*,mm\*px2$" "$T/out" && ! grep -q ",px2\?,.*_mm" "$T/out"; then ok; else bad "no scale CSV"; fi

# a mask: its regions are the scars (a disc over the boxcar scar)
BOX=$(python3 -c "import json; t = json.load(open('$T/ss/truth.json'))
b = [s for s in t['scars'] if s['type'] == 'boxcar'][0]['centroid_mm']; print(b[0] * 20, b[1] * 20)")
# shellcheck disable=SC2086
mask_png "$T/mask.png" 512 $BOX 20
run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --px-per-mm 20 --mask "$T/mask.png" --json
expect_rc 0 "--mask"
expect_json scars.count=1 roi.source=mask scars.items.0.type=boxcar
if python3 -c "
import json,sys; r=json.load(open('$T/out')); a=r['scars']['items'][0]['area_mm2']
sys.exit(0 if abs(a - 3.14159*1.0**2) < 0.05 else 1)"; then ok; else bad "mask area"; fi

# maps: colour-coded height with legend, depth, outlines
run "$SKINQ" depth --height "$T/ss/height.png" --z-scale "$ZS" --px-per-mm 20 --maps "$T/maps" --json
expect_rc 0 "--maps"
for f in height.png depth.png scars.png; do
  if [ -s "$T/maps/$f" ]; then ok; else bad "map $f missing"; fi
done
run "$SKINQ" info --json "$T/maps/height.png"
expect_json image.width=512 image.channels=3
finish
