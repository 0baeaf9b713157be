#!/usr/bin/env bash
# demo.sh -- set up, build, and run skinq's main job on the bundled samples: a real photo, and the
# phantoms with known ground truth (generated on first run): before/after comparison of a
# healing series, the whole series tracked into a session store with its healing fits and an
# HTML report, and scar depth from a photometric-stereo stack. Outputs go to demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
skinq=build/skinq
gen=samples/generated
out=demo-out

missing=0
for k in healing-series scar-stack texture-ladder chart recapture course; do [ -s "$gen/$k/truth.json" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "== generating phantoms with ground truth into $gen/"
  "$skinq" synth --kind all --out "$gen" --seed 1
fi
rm -rf "$out" && mkdir -p "$out"
hs=$gen/healing-series
field() { python3 -c "import json,sys; t=json.load(open('$hs/truth.json')); print(eval(sys.argv[1]))" "$1"; }
ref=$(field "','.join(map(str, t['reference_rect']))")
ppm=$(field "t['px_per_mm']")

echo
echo "== real photographs (public domain, samples/README.md): skin found automatically"
for p in astronaut-face grace-hopper; do
  f=$(ls samples/real/$p.*)
  "$skinq" analyze --auto-skin --no-texture --maps "$out/skin-$p" "$f"
done
echo "(the skin each was measured on: $out/skin-*/roi.png)"

echo
echo "== repeatability: one unchanged skin photographed 10 times (pose, distance, light, white balance vary)"
rc=$gen/recapture
rref=$(python3 -c "import json; t=json.load(open('$rc/truth.json')); print(','.join(map(str, t['reference_rect'])))")
"$skinq" repeat -q "$rc"/shot*.jpg --mask "$rc/mask.png" --ref "$rref" --px-per-mm "$ppm" >"$out/repeat.txt"
grep -E "^ +(metric|color\.(a|erythema_index|hemoglobin)\.(mean|delta_ref)|texture\.(roughness\.sq|pores\.density))" "$out/repeat.txt"
echo "(the whole table: $out/repeat.txt; a change smaller than MDC95 is 'no detectable change';"
echo " 'skinq metrics' lists every default)"

echo
echo "== before/after: day 0 (before microneedling) against day 42, registered and compared"
if "$skinq" help compare >/dev/null 2>&1; then
  "$skinq" compare "$hs/day00.jpg" "$hs/day42.jpg" --mask "$hs/mask.png" --ref "$ref" --px-per-mm "$ppm" \
      --maps "$out/compare"
  echo "(maps in $out/compare/)"
fi

echo
echo "== the whole healing series tracked into a fresh session store ($out/skinq.db)"
day0=2026-01-05
for f in "$hs"/day*.jpg; do
  d=$(basename "$f" .jpg); d=${d#day}; d=$((10#$d))
  date=$(python3 -c "import datetime; print(datetime.date.fromisoformat('$day0') + datetime.timedelta(days=$d))")
  # --procedure marks the session right after the procedure: the day-0 photo was taken before it,
  # so day 0 is the baseline and the day-1 session starts the cycle
  proc=""; [ "$d" = 1 ] && proc="microneedling 1.5 mm (done after the day-0 photo)"
  "$skinq" track add -q --store "$out/skinq.db" --subject S01 --site cheek --date "$date" --procedure "$proc" \
      --mask "$hs/mask.png" --ref "$ref" --px-per-mm "$ppm" "$f"
done
"$skinq" track show --store "$out/skinq.db" --subject S01
echo
echo "== redness: the hemoglobin excess over untreated skin decays within days (true tau: $(field "t['tau_days']") d)"
"$skinq" trend --store "$out/skinq.db" --subject S01 --site cheek --metric color.hemoglobin.delta_ref
echo
echo "== texture: roughness falls slowly as collagen remodels (true tau: $(field "t['tau_slow_days']") d)"
# remodelling runs from the procedure on and the baseline photo is its start: --from-day -1 keeps it
"$skinq" trend --store "$out/skinq.db" --subject S01 --site cheek --metric texture.roughness.sq --from-day -1 || true
"$skinq" report --store "$out/skinq.db" --subject S01 --out "$out/report.html"

echo
echo "== a microneedling course: a baseline a week before, three procedures 28 days apart"
# --procedure on the photo taken right after each procedure: nothing else steers the fits;
# --white on each photo's grey card: blood is read from chromaticity, so a white-balance error of a
# few % reads as blood (without it this course's cycles give no reliable tau; README "Blood, not pigment")
co=$gen/course
python3 - "$co" "$out/course.db" "$skinq" <<'PY'
import json, subprocess, sys
d, db, skinq = sys.argv[1:4]
t = json.load(open(f"{d}/truth.json"))
ref = ",".join(map(str, t["reference_rect"]))
for im in t["images"]:
    proc = ["--procedure", "microneedling 1.5 mm"] if im["procedure"] else []
    white = ["--white", ",".join(str(int(v)) for v in im["white_rect"]),
             "--white-reflectance", str(im["white_reflectance"])]
    subprocess.run([skinq, "track", "add", "-q", "--store", db, "--subject", "P1", "--site", "cheek",
                    "--date", im["date"], "--mask", f"{d}/mask.png", "--ref", ref, *white, "--px-per-mm",
                    str(t["px_per_mm"]), *proc, f"{d}/{im['file']}"], check=True)
print("true tau per cycle:", ", ".join(f"{c['tau_days']:g} d" for c in t["cycles"]))
PY
"$skinq" trend --store "$out/course.db" --subject P1 --site cheek --metric color.hemoglobin.delta_ref
"$skinq" report --store "$out/course.db" --subject P1 --out "$out/course-report.html"

echo
echo "== scar depth from a photometric-stereo stack (six lights)"
"$skinq" depth --lights "$gen/scar-stack/lights.json" --maps "$out/depth"

echo
echo "outputs: $out/report.html and $out/course-report.html (open them in a browser), $out/compare/, $out/depth/;"
echo "ground truth to check them against: $gen/*/truth.json"
