#!/usr/bin/env bash
# Maps from the measured pixels, on the healing-series phantom (truth: day 42's treated skin is as red
# as day 0's; day 1 is much redder). compare --maps: redness_change.png of day 0 -> 42 is mostly the
# neutral grey in the treated region, of day 0 -> 1 the saturated red; every map is labelled and the
# side-by-side outlines the ROI. report: its embedded redness maps, read back through their colour
# bars, change like the stored numbers (day 1 -> 42: less red on the maps as in the numbers).
. "$(dirname "$0")/lib.sh"
export PYTHONPATH="$SKINQ_SRC/tests/cli"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 640 --height 480 --seed 1 -q
expect_rc 0 "synth"
H="$T/hs"
OPTS=(--mask "$H/mask.png" --ref 38,182,102,115 --white 579,16,45,45)

for d in 42 01; do
  run "$SKINQ" compare "$H/day00.jpg" "$H/day$d.jpg" "${OPTS[@]}" --maps "$T/m$d" --json
  expect_rc 0 "compare day 0 -> $d"
  cp "$T/out" "$T/c$d.json"
done

# the treated region (inner 80 % of truth.json's ellipse) of redness_change.png: fractions of
# neutral grey and of the saturated ends (Δa* beyond ±2.5 a*: chroma spread > 100)
if python3 - "$T" "$H/truth.json" <<'PY'
import json, sys
from png_lib import read_png
T, truth = sys.argv[1], json.load(open(sys.argv[2]))
(cx, cy), (rx, ry) = truth["treated"]["center_px"], truth["treated"]["radii_px"]
ok = True
for d in ("42", "01"):
    doc = json.load(open(f"{T}/c{d}.json"))
    m = doc["maps"]["files"]["redness_change.png"]
    w, h, px = read_png(f"{T}/m{d}/redness_change.png")
    head, x0 = h - 480 - 30, (w - 640) // 2
    cells = [px[head + y][x0 + x] for y in range(480) for x in range(640)
             if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 0.64]
    grey = sum(c == (221, 221, 221) for c in cells) / len(cells)
    sat = sum(max(c) - min(c) > 100 for c in cells) / len(cells)
    red = sum(c == (180, 4, 38) for c in cells) / len(cells)
    change = doc["delta"]["color"]["a"]["mean"]["change"]
    print(f"day 0 -> {d}: mean a* change {change:+.3f}; treated region {grey:.1%} grey, {sat:.2%} saturated, "
          f"{red:.1%} at the red end; scale {m['scale']} grey band {m['grey_band']} {m['unit']}")
    if m["unit"] != "a*" or m["scale"][1] != -m["scale"][0] or m["grey_band"][1] <= 0:
        ok = False
    if d == "42" and not (grey > 0.4 and sat < 0.02):
        ok = False
    if d == "01" and not (sat > 0.9 and change > 3):  # day 1: a* + 3.8 on a ±5 scale, strongly coloured
        ok = False
sys.exit(0 if ok else 1)
PY
then ok; else bad "redness_change.png: day 42 should be mostly grey, day 1 red"; fi

# same fixed scale for both pairs; every map carries a title (text in the band above the map)
if python3 - "$T" <<'PY'
import json, sys
from png_lib import read_png
T = sys.argv[1]
a, b = (json.load(open(f"{T}/c{d}.json"))["maps"] for d in ("42", "01"))
ok = a["files"]["redness_change.png"]["scale"] == b["files"]["redness_change.png"]["scale"]
ok &= a["files"]["delta_e2000.png"]["scale"] == b["files"]["delta_e2000.png"]["scale"]
for f in ("redness_before.png", "redness_after.png", "redness_change.png", "delta_e2000.png"):
    w, h, px = read_png(f"{T}/m42/{f}")
    white = sum(c == (235, 235, 235) for row in px[:h - 480 - 30] for c in row)
    legend = sum(c == (235, 235, 235) for row in px[h - 30:] for c in row)
    print(f, w, h, "title px", white, "legend text px", legend)
    ok &= white > 300 and legend > 40
# side by side: labels above, the ROI outline (yellow) on both halves
w, h, px = read_png(f"{T}/m42/side_by_side.png")
yellow = [sum(c == (255, 214, 0) for row in px for c in row[k * w // 2:(k + 1) * w // 2]) for k in (0, 1)]
ink = sum(c == (20, 20, 20) for row in px[:12] for c in row)
print("side by side", w, h, "outline px", yellow, "label px", ink)
ok &= min(yellow) > 300 and ink > 100
sys.exit(0 if ok else 1)
PY
then ok; else bad "maps lack titles, legends, labels or the ROI outline"; fi

# the report: two sites, day 0 -> 42 (no redness difference) and day 1 -> 42 (much less red)
S="$T/s.db"
add() { "$SKINQ" track add --store "$S" --subject P --site "$1" --date "$2" "${OPTS[@]}" --no-texture -q "$3"; }
add same 2026-01-01 "$H/day00.jpg" && add same 2026-02-12 "$H/day42.jpg" &&
  add healed 2026-01-02 "$H/day01.jpg" && add healed 2026-02-12 "$H/day42.jpg"
rc=$?
expect_rc 0 "track add"
run "$SKINQ" track export --store "$S" --subject P --csv
cp "$T/out" "$T/export.csv"
run "$SKINQ" report --store "$S" --subject P --out "$T/r.html"
expect_rc 0 "report"
for want in "registered onto the first" "white patch" "reference skin" "fixed scale"; do
  if grep -qF -- "$want" "$T/r.html"; then ok; else bad "report lacks '$want'"; fi
done
if python3 - "$T" <<'PY'
import base64, csv, re, sys
from png_lib import map_values
T = sys.argv[1]
stored = {}
for row in csv.DictReader(open(f"{T}/export.csv")):
    if row["metric"] == "color.a.mean":
        stored.setdefault(row["site"], []).append(float(row["value"]))
html = open(f"{T}/r.html").read()
figs = re.findall(r'<img class="map" alt="([^"]*)" src="data:image/png;base64,([^"]+)"', html)
ok = True
for site in ("healed", "same"):  # the report's sites come in name order
    (cap0, png0), (cap1, png1), _ = figs[:3]
    figs = figs[3:]
    lo, hi = map(float, re.search(r"scale a\* (\S+) to (\S+)", cap0).groups())
    means = []
    for k, b64 in enumerate((png0, png1)):
        open(f"{T}/{site}{k}.png", "wb").write(base64.b64decode(b64))
        v = map_values(f"{T}/{site}{k}.png", lo, hi)
        means.append(sum(v) / len(v))
    maps, numbers = means[1] - means[0], stored[site][1] - stored[site][0]
    print(f"{site}: maps a* {means[0]:.2f} -> {means[1]:.2f} ({maps:+.2f}); numbers {stored[site][0]:.2f} -> "
          f"{stored[site][1]:.2f} ({numbers:+.2f})")
    ok &= abs(maps - numbers) < 0.3 + 0.05 * abs(numbers)
    if numbers < 0:
        ok &= maps < 0
sys.exit(0 if ok else 1)
PY
then ok; else bad "the report's maps should change like its numbers"; fi
finish
