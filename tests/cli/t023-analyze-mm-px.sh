#!/usr/bin/env bash
# A metric whose name says mm (or cm²) never holds pixels (issue 19, part 4): on a real photo
# (samples/real, public domain) without --px-per-mm the mm metrics are null in JSON and empty in
# CSV (the rows still there) and their *_px siblings hold the pixel values; with a scale the mm
# metrics hold mm and the siblings the same pixels: px = mm × (px/mm)^power × k. At 20 px/mm (the
# texture's nominal scale when none is given, so the same detection) the texture siblings equal the
# unscaled run's; the red area does not depend on the scale at all. `skinq metrics` lists them.
. "$(dirname "$0")/lib.sh"
PHOTO="$SKINQ_SRC/samples/real/astronaut-face.png"

for s in 0 10 20; do
  if [ "$s" = 0 ]; then run "$SKINQ" analyze --json "$PHOTO"; else run "$SKINQ" analyze --json --px-per-mm "$s" "$PHOTO"; fi
  expect_rc 0 "analyze at scale $s"
  cp "$T/out" "$T/s$s.json"
done

if python3 - "$T" <<'PY'
import json, math, sys
T = sys.argv[1]
# (mm path, px path, power of px/mm, factor): px = mm * ppm**power * k
pairs = [("color.red_area_mm2", "color.red_area_px", 2, 1),
         ("texture.pores.density_per_cm2", "texture.pores.density_per_mpx", -2, 1e4),
         ("texture.pores.mean_diameter_mm", "texture.pores.mean_diameter_px", 1, 1),
         ("texture.lines.density_mm_per_cm2", "texture.lines.density_px_per_mpx", -1, 1e4)]
def get(doc, path):
    for k in path.split("."): doc = doc[k]
    return doc
run = {s: json.load(open(f"{T}/s{s}.json")) for s in (0, 10, 20)}
def close(a, b): return abs(a - b) <= 1e-6 * max(1.0, abs(b))
for mm, px, power, k in pairs:
    assert get(run[0], mm) is None, (mm, get(run[0], mm))
    p0 = get(run[0], px)
    assert isinstance(p0, (int, float)) and p0 > 0, (px, p0)
    for s in (10, 20):
        m, p = get(run[s], mm), get(run[s], px)
        assert close(m * s ** power * k, p), (s, mm, m, px, p)
    assert close(get(run[20], px), p0), (px, get(run[20], px), p0)
# the red area is counted, not detected: the same pixels at any scale, mm² = px / 100 at 10 px/mm
assert close(get(run[10], "color.red_area_px"), get(run[0], "color.red_area_px"))
assert close(get(run[10], "color.red_area_mm2") * 100, get(run[0], "color.red_area_px"))
PY
then ok; else bad "mm metrics null without a scale, px siblings = mm x (px/mm)^power"; fi

# CSV: the same rows with and without a scale; the mm values empty without one, in their own unit
run "$SKINQ" analyze --csv "$PHOTO"
expect_rc 0 "analyze --csv"
cp "$T/out" "$T/s0.csv"
run "$SKINQ" analyze --csv --px-per-mm 20 "$PHOTO"
expect_rc 0 "analyze --csv --px-per-mm 20"
# (the spectrum's bins are in cycles/px or cycles/mm: their names say neither)
if [ "$(cut -d, -f2 "$T/s0.csv")" = "$(cut -d, -f2 "$T/out")" ] &&
   [ "$(grep -v '\.bins\.' "$T/s0.csv" | cut -d, -f2,4)" = "$(grep -v '\.bins\.' "$T/out" | cut -d, -f2,4)" ]; then
  ok
else
  bad "CSV rows or units differ with a scale"
fi
if grep -q ',color.red_area_mm2,,mm2$' "$T/s0.csv" && grep -q ',texture.pores.mean_diameter_mm,,mm$' "$T/s0.csv" &&
   grep -q ',texture.lines.density_px_per_mpx,[0-9.e+]*,px/Mpx$' "$T/s0.csv"; then ok; else bad "CSV mm cells empty, px filled"; fi

# the table names no pixels in mm
run "$SKINQ" analyze "$PHOTO"
expect_rc 0 "analyze table"
if grep -E 'mean_diameter_mm +n/a mm$' "$T/out" >/dev/null && ! grep -q 'nan' "$T/out"; then ok; else bad "table: n/a for mm without a scale"; fi

# the registry lists the siblings with their units (skinq depth's own: t300)
run "$SKINQ" metrics --json
expect_rc 0 "metrics --json"
check "{m['pattern']: m['unit'] for m in doc['metrics'] if m['pattern'].endswith(('_px', '_mpx')) and m['pattern'].startswith(('color.', 'texture.'))} == {'color.red_area_px': 'px', 'texture.pores.density_per_mpx': '1/Mpx', 'texture.pores.mean_diameter_px': 'px', 'texture.lines.density_px_per_mpx': 'px/Mpx', 'texture.psd.tile_px': 'px'}"

# a store: without a scale red_area_mm2 is stored as NULL, red_area_px as the pixels; a trend of the
# mm name finds nothing (and says where the pixels are), of the px one the series
DB="$T/s.db"
for d in 2026-01-01 2026-01-08 2026-01-15; do
  run "$SKINQ" track add --store "$DB" --subject S01 --site face --date "$d" --no-texture --no-align "$PHOTO"
  expect_rc 0 "track add $d"
done
run "$SKINQ" trend --store "$DB" --subject S01 --site face --metric color.red_area_px --json
expect_rc 0 "trend of red_area_px"
check "doc['unit'] == 'px' and len(doc['points']) == 3 and all(p['value'] > 1000 for p in doc['points'])"
run "$SKINQ" trend --store "$DB" --subject S01 --site face --metric color.red_area_mm2
expect_rc 4 "trend of red_area_mm2 without a scale"
if grep -qF "without a scale its pixels are color.red_area_px" "$T/err"; then ok; else bad "trend names the px sibling"; fi
# rows as an older skinq stored them (pixels under the mm name, unit px) are not shown under it
python3 -c "
import sqlite3; c = sqlite3.connect('$DB')
c.execute(\"UPDATE measurements SET unit = 'px', value = 98656 WHERE metric = 'color.red_area_mm2'\"); c.commit()"
run "$SKINQ" trend --store "$DB" --subject S01 --site face --metric color.red_area_mm2
expect_rc 4 "trend of px stored under red_area_mm2"
run "$SKINQ" track show --store "$DB" --subject S01 --site face
expect_rc 0 "track show"
if grep -q "red area fraction" "$T/out" && ! grep -qE "^  red area  " "$T/out"; then ok; else bad "track show: px under red area"; fi
run "$SKINQ" report --store "$DB" --subject S01 --out "$T/r.html"
expect_rc 0 "report"
if grep -q 'red area fraction</td>' "$T/r.html" && ! grep -qE 'red area</td>|color.red_area_mm2, px' "$T/r.html"; then
  ok
else
  bad "report shows px stored under an mm name"
fi

finish
