#!/usr/bin/env bash
# run-set.sh SKINQ OUTDIR -- run a fixed set of skinq commands (phantoms, analyze, compare, depth,
# info, track, trend, report) at every ISA level; outputs land in OUTDIR for compare.py.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
skinq=$(readlink -f "$1"); out=$2
rm -rf "$out"; mkdir -p "$out"; cd "$out"
"$skinq" synth --kind all --out gen --seed 1 > synth.txt 2>&1
(cd gen && find . -type f | sort | xargs sha256sum) > synth.sha
hs=gen/healing-series
ref=$(python3 -c "import json; t=json.load(open('$hs/truth.json')); print(','.join(map(str,t['reference_rect'])))")
cp "$root/samples/real/astronaut-face.png" photo.png; photo=photo.png
for isa in avx2 sse41 scalar; do
  export SKINQ_ISA=$isa
  d=$isa; mkdir -p $d
  "$skinq" analyze --auto-skin "$photo" --json > $d/analyze_auto.json 2>&1; echo "rc $?" >> $d/rc
  "$skinq" analyze --auto-skin "$photo" --maps $d/maps_auto --csv > $d/analyze_auto.csv 2>&1; echo "rc $?" >> $d/rc
  "$skinq" analyze "$hs/day03.jpg" --mask "$hs/mask.png" --ref "$ref" --px-per-mm 20 --json --maps $d/maps_day03 > $d/analyze_day03.json 2>&1; echo "rc $?" >> $d/rc
  "$skinq" analyze "$hs/day03.jpg" --roi 300,300,900,700 --white 10,10,50,50 --json > $d/analyze_roi.json 2>&1; echo "rc $?" >> $d/rc
  "$skinq" compare "$hs/day00.jpg" "$hs/day42.jpg" --mask "$hs/mask.png" --ref "$ref" --px-per-mm 20 --json --maps $d/cmp > $d/compare.json 2>&1; echo "rc $?" >> $d/rc
  "$skinq" compare "$hs/day00.jpg" "$hs/day07.jpg" --ref "$ref" > $d/compare.txt 2>&1; echo "rc $?" >> $d/rc
  "$skinq" depth --lights gen/scar-stack/lights.json --json --maps $d/depth > $d/depth_ps.json 2>&1; echo "rc $?" >> $d/rc
  h=$(ls gen/scar-stack/*height*.png 2>/dev/null | head -1)
  [ -n "$h" ] && { "$skinq" depth --height "$h" --z-scale 0.001 --px-per-mm 20 --json > $d/depth_h.json 2>&1; echo "rc $?" >> $d/rc; }
  "$skinq" depth "$hs/day03.jpg" --json > $d/depth_photo.json 2>&1; echo "rc $?" >> $d/rc
  "$skinq" info "$photo" --json > $d/info.json 2>&1; echo "rc $?" >> $d/rc
  rm -f $d/s.db
  for f in "$hs"/day*.jpg; do
    dd=$(basename "$f" .jpg); dd=${dd#day}; dd=$((10#$dd))
    date=$(python3 -c "import datetime; print(datetime.date(2026,1,5) + datetime.timedelta(days=$dd))")
    "$skinq" track add -q --store $d/s.db --subject S01 --site cheek --date "$date" --mask "$hs/mask.png" --ref "$ref" --px-per-mm 20 "$f" >> $d/track.txt 2>&1; echo "rc $?" >> $d/rc
  done
  "$skinq" track show --store $d/s.db --subject S01 > $d/show.txt 2>&1
  "$skinq" track export --store $d/s.db --csv > $d/export.csv 2>&1
  for m in color.hemoglobin.delta_ref texture.roughness.sq color.a.mean texture.pores.count; do
    "$skinq" trend --store $d/s.db --subject S01 --site cheek --metric $m --json > $d/trend_$m.json 2>&1; echo "rc $?" >> $d/rc
  done
  "$skinq" trend --store $d/s.db --subject S01 --site cheek --metric color.hemoglobin.delta_ref --model two-phase --json > $d/trend2.json 2>&1
  "$skinq" report --store $d/s.db --subject S01 --out $d/report.html > $d/report.txt 2>&1; echo "rc $?" >> $d/rc
  rm -f $d/s.db $d/s.db-*
done
