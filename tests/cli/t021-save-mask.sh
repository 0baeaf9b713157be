#!/usr/bin/env bash
# analyze --save-mask: the ROI actually measured, as an 8-bit PNG of the photo's size (255 inside),
# gives the same numbers when passed back with --mask (auto-skin on the real photo; a rectangle
# with texture on a phantom); one image only; an unwritable place is exit 1 and writes nothing.
. "$(dirname "$0")/lib.sh"
export PYTHONPATH="$SKINQ_SRC/tests/cli"
PHOTO="$SKINQ_SRC/samples/real/astronaut-face.png"

run "$SKINQ" analyze --auto-skin --no-texture "$PHOTO" --save-mask "$T/skin.png" --csv
expect_rc 0 "auto-skin with --save-mask"
cp "$T/out" "$T/auto.csv"
run "$SKINQ" analyze --mask "$T/skin.png" --no-texture "$PHOTO" --csv
expect_rc 0 "the saved mask passed back"
if cmp -s "$T/auto.csv" "$T/out"; then ok; else bad "auto-skin and its saved mask give different numbers"; fi
if python3 - "$T/skin.png" "$T/auto.json" <<'PY'
import sys
from png_lib import read_png
w, h, rows = read_png(sys.argv[1])
assert (w, h) == (512, 512), (w, h)
vals = {px[0] for row in rows for px in row}
assert vals == {0, 255}, vals
inside = sum(px[0] == 255 for row in rows for px in row)
assert 0.01 * w * h < inside < 0.95 * w * h, inside
PY
then ok; else bad "the mask is 512x512, 0/255, neither empty nor full"; fi

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 640 --height 480 --seed 3 -q
expect_rc 0 "synth"
run "$SKINQ" analyze "$T/hs/day07.jpg" --roi 300,120,220,240 --px-per-mm 6.4 --save-mask "$T/rect.png" --csv
expect_rc 0 "a rectangle with texture"
cp "$T/out" "$T/rect.csv"
run "$SKINQ" analyze "$T/hs/day07.jpg" --mask "$T/rect.png" --px-per-mm 6.4 --csv
expect_rc 0 "the rectangle's mask passed back"
if cmp -s "$T/rect.csv" "$T/out"; then ok; else bad "a rectangle and its saved mask give different numbers"; fi

run "$SKINQ" analyze "$T/hs/day00.jpg" "$T/hs/day07.jpg" --save-mask "$T/two.png"
expect_rc 2 "two images"
expect_no_file "$T/two.png"
run "$SKINQ" analyze "$T/hs/day07.jpg" --save-mask "$T/no/such/dir/m.png"
expect_rc 1 "unwritable place"
expect_one_line_error "$T/no/such/dir/m.png"
if [ ! -s "$T/out" ]; then ok; else bad "nothing on stdout when the mask cannot be written"; fi
finish
