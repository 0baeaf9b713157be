#!/usr/bin/env bash
# --auto-skin on real photos of people and on photos without skin (issue 26): on each portrait
# (samples/real, public domain) the face path runs, >= 90 % of the kept pixels lie in the face/neck region drawn by hand below,
# the suit, flag and uniform are out, the ITA category and a* agree with a hand-drawn cheek ROI;
# on the healing phantom the limb path keeps the treated region and not the grey card; a colour
# chart is "no skin found" (exit 4); the mode word is parsed as --auto-skin MODE and =MODE.
. "$(dirname "$0")/lib.sh"
export PYTHONPATH="$SKINQ_SRC/tests/cli"
REAL="$SKINQ_SRC/samples/real"

# region_check MASK SPEC: SPEC is python: `face(x, y)` (the hand-drawn face/neck region), `out`
# (named rectangles that must hold no kept pixel) and `least` (the share of the face region kept)
region_check() {
  python3 - "$1" "$2" <<'PY'
import sys
from png_lib import read_png
w, h, rows = read_png(sys.argv[1])
ns = {}
exec(sys.argv[2], ns)
kept = [(x, y) for y in range(h) for x in range(w) if rows[y][x][0] == 255]
assert kept, "nothing kept"
inside = sum(1 for x, y in kept if ns['face'](x, y))
share = inside / len(kept)
assert share >= 0.90, f"{share:.3f} of the kept pixels in the face/neck region"
area = sum(1 for y in range(h) for x in range(w) if ns['face'](x, y))
assert inside >= ns['least'] * area, f"only {inside} of the region's {area} pixels kept"
for name, (x0, y0, rw, rh) in ns['out'].items():
    n = sum(1 for x, y in kept if x0 <= x < x0 + rw and y0 <= y < y0 + rh)
    assert n == 0, f"{n} kept pixels in the {name}"
PY
}

# json_num FILE PATH: a number from a JSON document
json_num() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for p in sys.argv[2].split("."): d=d[p]
print(d)' "$1" "$2"
}

# portrait NAME PHOTO CHEEK_ROI A_TOLERANCE SPEC
portrait() {
  local name=$1 photo=$2 cheek=$3 tol=$4 spec=$5
  run "$SKINQ" analyze "$photo" --auto-skin --no-texture --json --save-mask "$T/$name-mask.png"
  expect_rc 0 "$name: auto-skin"
  expect_json_path roi.auto_skin.path face
  expect_json_path roi.auto_skin.mode auto
  expect_json_path roi.auto_skin.detector haarcascade_frontalface_alt2.xml
  expect_json_path roi.auto_skin.faces_found 1
  cp "$T/out" "$T/$name-auto.json"
  if region_check "$T/$name-mask.png" "$spec"; then ok; else bad "$name: the kept region"; fi
  run "$SKINQ" analyze "$photo" --roi "$cheek" --no-texture --json
  expect_rc 0 "$name: the cheek ROI"
  cp "$T/out" "$T/$name-cheek.json"
  local a_auto a_cheek cat_auto cat_cheek
  a_auto=$(json_num "$T/$name-auto.json" color.a.mean)
  a_cheek=$(json_num "$T/$name-cheek.json" color.a.mean)
  cat_auto=$(json_num "$T/$name-auto.json" color.ita_deg.category)
  cat_cheek=$(json_num "$T/$name-cheek.json" color.ita_deg.category)
  if python3 -c "import sys; sys.exit(abs($a_auto - $a_cheek) > $tol)"; then ok; else
    bad "$name: a* $a_auto (auto-skin) vs $a_cheek (cheek), more than $tol apart"; fi
  if [ "$cat_auto" = "$cat_cheek" ]; then ok; else bad "$name: ITA category $cat_auto vs $cat_cheek (cheek)"; fi
  echo "$name: a* auto $a_auto, cheek $a_cheek; ITA $cat_auto"
}

# The astronaut (NASA): face ellipse and neck; the orange suit and the flag out. Her cheek gives
# "light"; the issue's target is light or intermediate and a* within 2 of the cheek.
portrait astronaut "$REAL/astronaut-face.png" 186,120,20,20 2 '
face = lambda x, y: ((x - 224) / 62) ** 2 + ((y - 122) / 72) ** 2 <= 1 or (190 <= x < 262 and 180 <= y < 215)
out = {"suit": (0, 300, 512, 212), "suit, left": (0, 200, 150, 312), "flag": (0, 0, 100, 512)}
least = 0.35'
if grep -qE '^(light|intermediate)$' <<<"$(json_num "$T/astronaut-auto.json" color.ita_deg.category)"; then ok; else
  bad "astronaut: ITA category should be light or intermediate"; fi

# Grace Hopper (US Navy): face and neck; the flag and the uniform out. The cheeks are the face's
# reddest part and auto-skin measures the whole face and neck: 3 a* units of tolerance.
portrait grace "$REAL/grace-hopper.jpg" 190,215,30,30 3 '
face = lambda x, y: ((x - 262) / 115) ** 2 + ((y - 235) / 130) ** 2 <= 1 or (195 <= x < 330 and 300 <= y < 395)
out = {"flag": (0, 0, 140, 330), "uniform": (0, 400, 512, 112)}
least = 0.35'

# Scenes whose faces are turned away (1940s Library of Congress photos): no frontal face, so the
# limb path; the kept pixels on the people's faces, necks, arms and hands (boxes drawn by hand),
# none on the wooden table, the metal stacks or the yellow engine; a* within 2 of a hand-drawn
# cheek. The ITA category is not compared in the machine shop: its people stand in different
# light (one cheek reads "light", the other "brown").
scene() {
  local name=$1 photo=$2 least=$3 spec=$4
  run "$SKINQ" analyze "$photo" --auto-skin --no-texture --json --save-mask "$T/$name-mask.png"
  expect_rc 0 "$name: auto-skin"
  expect_json_path roi.auto_skin.path limb
  expect_json_path roi.auto_skin.faces_found 0
  cp "$T/out" "$T/$name-auto.json"
  if python3 - "$T/$name-mask.png" "$least" "$spec" <<'PY'
import sys
from png_lib import read_png
w, h, rows = read_png(sys.argv[1])
ns = {}
exec(sys.argv[3], ns)
inr = lambda x, y, r: r[0] <= x < r[0] + r[2] and r[1] <= y < r[1] + r[3]
kept = [(x, y) for y in range(h) for x in range(w) if rows[y][x][0] == 255]
assert len(kept) > 0.005 * w * h, f"only {len(kept)} pixels kept"
on = sum(1 for x, y in kept if any(inr(x, y, r) for r in ns['people']))
assert on >= float(sys.argv[2]) * len(kept), f"{on / len(kept):.3f} of the kept pixels on people"
for name, r in ns['out'].items():
    n = sum(1 for x, y in kept if inr(x, y, r))
    assert n == 0, f"{n} kept pixels on the {name}"
PY
  then ok; else bad "$name: the kept region"; fi
}

scene shop "$REAL/loc-machine-shop.jpg" 0.95 '
people = [(140, 50, 60, 65), (405, 45, 50, 55), (370, 190, 100, 100), (310, 330, 180, 30)]
out = {"wooden table": (0, 290, 170, 70), "metal stacks": (40, 140, 200, 150), "blouse": (100, 118, 110, 22)}'
run "$SKINQ" analyze "$REAL/loc-machine-shop.jpg" --roi 395,212,20,20 --no-texture --json
cp "$T/out" "$T/shop-cheek1.json"
run "$SKINQ" analyze "$REAL/loc-machine-shop.jpg" --roi 160,75,14,14 --no-texture --json
cp "$T/out" "$T/shop-cheek2.json"
if python3 -c "import sys
a, c1, c2 = ($(json_num "$T/shop-auto.json" color.a.mean), $(json_num "$T/shop-cheek1.json" color.a.mean), $(json_num "$T/shop-cheek2.json" color.a.mean))
sys.exit(abs(a - (c1 + c2) / 2) > 2)"; then ok; else bad "shop: a* of auto-skin more than 2 from its two cheeks' mean"; fi

# The mechanics: the yellow engine and the red bracket out (the bracket's lit edge has skin's
# colour, but no skin of the model's own colour touches it). The kept skin includes a forearm in
# shade (a* 6.8 there) and necks; the three faces' cheeks read a* 18-19: within 4 of their mean.
scene mechanics "$REAL/loc-engine-mechanics.jpg" 0.95 '
people = [(495, 130, 120, 120), (645, 180, 100, 115), (735, 150, 150, 140), (770, 220, 160, 180), (630, 290, 120, 80)]
out = {"engine": (0, 300, 620, 420), "engine, right": (760, 400, 320, 320), "red bracket": (180, 150, 290, 150)}'
cheeks=""
for r in 790,215,30,30 545,185,25,25 680,225,20,20; do
  run "$SKINQ" analyze "$REAL/loc-engine-mechanics.jpg" --roi "$r" --no-texture --json
  cheeks="$cheeks $(json_num "$T/out" color.a.mean)"
done
if python3 -c "import sys; c = [float(v) for v in sys.argv[2:]]; sys.exit(abs(float(sys.argv[1]) - sum(c) / len(c)) > 4)" \
  "$(json_num "$T/mechanics-auto.json" color.a.mean)" $cheeks; then ok; else bad "mechanics: a* more than 4 from the cheeks' mean"; fi
if [ "$(json_num "$T/mechanics-auto.json" color.ita_deg.category)" = "$(json_num "$T/out" color.ita_deg.category)" ]
then ok; else bad "mechanics: ITA category differs from the cheeks'"; fi

# The saved mask passed back gives the same numbers.
run "$SKINQ" analyze "$REAL/grace-hopper.jpg" --auto-skin --no-texture --csv
cp "$T/out" "$T/grace-auto.csv"
run "$SKINQ" analyze "$REAL/grace-hopper.jpg" --mask "$T/grace-mask.png" --no-texture --csv
if cmp -s "$T/grace-auto.csv" "$T/out"; then ok; else bad "grace: auto-skin and its saved mask differ"; fi

# The mode word: --auto-skin MODE and --auto-skin=MODE; a wrong word is a usage error.
run "$SKINQ" analyze "$REAL/astronaut-face.png" --auto-skin face --no-texture --json
expect_rc 0 "--auto-skin face"
expect_json_path roi.auto_skin.mode face
run "$SKINQ" analyze --auto-skin=face "$REAL/grace-hopper.jpg" --no-texture --json
expect_rc 0 "--auto-skin=face"
expect_json_path roi.auto_skin.path face
run "$SKINQ" analyze --auto-skin=cheek "$REAL/grace-hopper.jpg"
expect_rc 2 "--auto-skin=cheek"
expect_one_line_error "auto|face|limb"

# The healing phantom (no face): the limb path; the treated region all in, the grey card out.
run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 640 --height 480 --seed 5 -q
expect_rc 0 "synth"
run "$SKINQ" analyze "$T/hs/day00.jpg" --auto-skin --no-texture --json --save-mask "$T/hs-mask.png"
expect_rc 0 "phantom: auto-skin"
expect_json_path roi.auto_skin.path limb
expect_json_path roi.auto_skin.faces_found 0
if python3 - "$T/hs-mask.png" "$T/hs/mask.png" "$T/hs/truth.json" <<'PY'
import json, sys
from png_lib import read_png
w, h, kept = read_png(sys.argv[1])
_, _, treated = read_png(sys.argv[2])
card = json.load(open(sys.argv[3]))["images"][0]["white_rect"]
t = [(x, y) for y in range(h) for x in range(w) if treated[y][x][0]]
assert all(kept[y][x][0] == 255 for x, y in t), "part of the treated region left out"
x0, y0, cw, ch = card
n = sum(kept[y][x][0] == 255 for y in range(y0, y0 + ch) for x in range(x0, x0 + cw))
assert n == 0, f"{n} grey-card pixels kept"
PY
then ok; else bad "phantom: treated region in, grey card out"; fi
run "$SKINQ" analyze "$T/hs/day00.jpg" --auto-skin face --no-texture
expect_rc 4 "phantom: --auto-skin face without a face"
expect_one_line_error "no face found"

# No skin: a colour chart (two of its 24 patches are skin-coloured).
run "$SKINQ" synth --kind chart --out "$T/chart" -q
expect_rc 0 "synth chart"
run "$SKINQ" analyze "$T/chart/chart.png" --auto-skin --no-texture --save-mask "$T/chart-mask.png"
expect_rc 4 "chart"
expect_one_line_error "no skin found"
expect_no_file "$T/chart-mask.png"
finish
