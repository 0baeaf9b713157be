#!/usr/bin/env bash
# Scale from a sticker (issue 22 part 3): `skinq marker` writes a printable ArUco marker (PNG whose
# pHYs prints it at --size-mm); `analyze --px-per-mm marker:10` finds it in a skin phantom (healing
# day 0 with the marker pasted at the phantom's 20 px/mm, the photo's plane tilted 10 deg, JPEG q85;
# skinq_fixtures --marker-phantom): px/mm within 1 % of the truth, the tilt within 1.5 deg,
# scale.source "marker", its pixels out of the ROI; above 15 deg one warning line; no marker: exit 4,
# one line; bad values: exit 2.
. "$(dirname "$0")/lib.sh"

# the sticker: 10 mm at 600 dpi = 236 px, one cell (39 px) of white around it, pHYs 23600 px/m
run "$SKINQ" marker --out "$T/sticker.png" --size-mm 10 --id 0
expect_rc 0 "marker"
if python3 - "$T/sticker.png" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
i, chunks = 8, {}
while i < len(d):
    n = struct.unpack('>I', d[i:i + 4])[0]
    chunks[d[i + 4:i + 8]] = d[i + 8:i + 8 + n]
    i += 12 + n
w, h = struct.unpack('>II', chunks[b'IHDR'][:8])
px, py, unit = struct.unpack('>IIB', chunks[b'pHYs'])
assert (w, h) == (314, 314), (w, h)
assert (px, py, unit) == (23600, 23600, 1), (px, py, unit)
assert abs(236 / px * 1000 - 10) < 1e-9  # the black square prints at exactly 10 mm
PY
then ok; else bad "sticker size or pHYs"; fi
for args in "--size-mm 1" "--size-mm 10 --id 50" "--size-mm 10 --dpi 10" "--size-mm 2 --dpi 200"; do
  # shellcheck disable=SC2086
  run "$SKINQ" marker --out "$T/bad.png" $args
  expect_rc 2 "marker $args"
  expect_one_line_error "$( [ "$args" = "--size-mm 2 --dpi 200" ] && echo "dpi" || echo "--")"
  expect_no_file "$T/bad.png"
done
run "$SKINQ" marker --size-mm 10
expect_rc 2 "marker without --out"

P="$T/hs"
run "$SKINQ" synth --kind healing-series --out "$P" --width 1000 --height 750
expect_rc 0 "synth"
PPM=$(python3 -c "import json;print(json.load(open('$P/truth.json'))['px_per_mm'])")

for tilt in 10 25; do
  if "$SKINQ_FIXTURES" --marker-phantom "$P/day00.jpg" "$T/m$tilt.jpg" "$PPM" "$tilt" 330 590 >"$T/truth$tilt.json"; then ok
  else bad "marker phantom at $tilt deg"; fi
  run "$SKINQ" analyze --json --no-texture --px-per-mm marker:10 "$T/m$tilt.jpg"
  expect_rc 0 "analyze --px-per-mm marker:10 (tilt $tilt)"
  cp "$T/out" "$T/marker$tilt.json"
  cp "$T/err" "$T/err$tilt"
  run "$SKINQ" analyze --json --no-texture --px-per-mm "$PPM" "$T/m$tilt.jpg"
  expect_rc 0 "analyze --px-per-mm $PPM (tilt $tilt)"
  cp "$T/out" "$T/given$tilt.json"
done

if python3 - "$T" "$PPM" <<'PY'
import json, math, sys
T, ppm = sys.argv[1], float(sys.argv[2])
for tilt in (10, 25):
    m, g = json.load(open(f"{T}/marker{tilt}.json")), json.load(open(f"{T}/given{tilt}.json"))
    truth = json.load(open(f"{T}/truth{tilt}.json"))
    sc, mk = m["scale"], m["scale"]["marker"]
    assert sc["source"] == "marker" and mk["id"] == 0 and mk["size_mm"] == 10, sc
    assert len(mk["corners_px"]) == 8 and len(mk["side_px"]) == 4, mk
    # px/mm at the marker's centre: sqrt|det J| (areas exact); J's singular values beside it
    area = truth["px_per_mm_area"]
    err = sc["px_per_mm"] / area - 1
    print(f"tilt {tilt}: px/mm {sc['px_per_mm']:.4f} (areal truth {area:.4f}, {100 * err:+.3f} %; square-on "
          f"{ppm:g}, {100 * (sc['px_per_mm'] / ppm - 1):+.3f} %), max {mk['px_per_mm_max']:.4f}, "
          f"min {mk['px_per_mm_min']:.4f}, tilt {mk['tilt_deg']} deg")
    assert abs(err) < 0.01, err
    assert abs(mk["px_per_mm_max"] / ppm - 1) < 0.01, mk
    assert abs(mk["px_per_mm_min"] / truth["px_per_mm_min"] - 1) < 0.01, mk
    assert abs(mk["tilt_deg"] - tilt) < 1.5, mk
    if tilt == 10:
        assert abs(sc["px_per_mm"] / ppm - 1) < 0.01  # the photo's own scale, too
        assert mk["warnings"] == [], mk
    else:
        assert len(mk["warnings"]) == 1, mk
    # the sticker's pixels (marker, one cell of quiet zone, 2 px) are out of the ROI
    ex = m["roi"]["excluded"]["pixels"]
    assert g["roi"]["inside"] - m["roi"]["inside"] == ex, (g["roi"], m["roi"])
    side = ppm * 10 * 8 / 6 + 4
    want = side * side * math.cos(math.radians(tilt))
    assert abs(ex / want - 1) < 0.03, (ex, want)
    assert "excluded" not in g["roi"] and g["scale"]["source"] == "option"
PY
then ok; else bad "marker scale, tilt, excluded pixels"; fi
if [ ! -s "$T/err10" ]; then ok; else bad "a warning at 10 deg: $(cat "$T/err10")"; fi
if [ "$(wc -l <"$T/err25")" -eq 1 ] && grep -qF "tilted 25 deg" "$T/err25"; then ok
else bad "one warning line at 25 deg: $(cat "$T/err25")"; fi

# --scale marker is the same; the table says where the scale came from
run "$SKINQ" analyze --no-texture --scale marker:10:0 "$T/m10.jpg"
expect_rc 0 "--scale marker:10:0"
expect_out_contains "px/mm from ArUco marker 0 (10 mm, tilt"

# compare: before's marker gives the scale, its pixels are out of the common ROI
run "$SKINQ" compare --json --no-texture --px-per-mm marker:10 "$T/m10.jpg" "$T/m10.jpg"
expect_rc 0 "compare --px-per-mm marker:10"
expect_json_path before.scale.source marker
expect_json_path after.scale.source "before's marker"
expect_json_path before.roi.excluded.pixels
run "$SKINQ" compare --px-per-mm marker "$P/day00.jpg" "$T/m10.jpg"
expect_rc 4 "compare: no marker in before"
expect_one_line_error "no ArUco marker found in '$P/day00.jpg'"
# not yet in track add and repeat: exit 2, one line
run "$SKINQ" track add --store "$T/s.db" --subject S --site cheek --date 2026-01-01 --px-per-mm marker "$T/m10.jpg"
expect_rc 2 "track add --px-per-mm marker"
expect_one_line_error "track add"
run "$SKINQ" repeat --px-per-mm marker "$T/m10.jpg" "$T/m10.jpg"
expect_rc 2 "repeat --px-per-mm marker"

# no marker: one line, exit 4, nothing on stdout; another id: exit 4 too
run "$SKINQ" analyze --json --px-per-mm marker "$P/day00.jpg"
expect_rc 4 "no marker"
if [ "$(cat "$T/err")" = "skinq: no ArUco marker found in '$P/day00.jpg'" ]; then ok; else bad "no-marker message"; fi
if [ ! -s "$T/out" ]; then ok; else bad "stdout not empty without a marker"; fi
run "$SKINQ" analyze --px-per-mm marker:10:5 "$T/m10.jpg"
expect_rc 4 "marker id 5"
expect_one_line_error "no ArUco marker with id 5"

# bad values: exit 2, one line
for v in marker:x marker:10:60 marker:1 marker:10:x markers; do
  run "$SKINQ" analyze --px-per-mm "$v" "$T/m10.jpg"
  expect_rc 2 "--px-per-mm $v"
  expect_one_line_error "$v"
done
run "$SKINQ" analyze --px-per-mm 20 --scale marker "$T/m10.jpg"
expect_rc 2 "--px-per-mm and --scale"
run "$SKINQ" analyze --scale 20 "$T/m10.jpg"
expect_rc 2 "--scale 20"

echo "t025: $PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
