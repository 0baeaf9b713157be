#!/usr/bin/env bash
# DNG through LibRaw, on DNGs written here byte by byte (tests/cli/dng_lib.py): a LinearRaw one and
# a Bayer RGGB one whose colour matrix makes camera RGB = linear sRGB, AsShotNeutral (0.5, 1, 0.8),
# a patch of linear (0.45, 0.30, 0.22) after white balance on 18 % grey. `skinq info` shows the
# camera, exposure, capture time and development; `analyze` reads the patch as a 16-bit PNG of the
# same colour (sRGB-encoded) reads, with the as-shot balance or, with --white, the grey patch's;
# truncated and lying files fail with one line, exit 3; the pixel limit holds before LibRaw unpacks.
. "$(dirname "$0")/lib.sh"

dng() { python3 "$SKINQ_SRC/tests/cli/dng_lib.py" "$@"; }
dng "$T/lin.dng"
dng "$T/cfa.dng" cfa
# the same scene as a 16-bit sRGB PNG
python3 - "$T/same.png" <<'PY'
import sys
sys.path.insert(0, __import__('os').environ['SKINQ_SRC'] + '/tests/cli')
from dng_lib import srgb_encode
from png_lib import write_png
rows = []
for y in range(48):
    r = []
    for x in range(64):
        v = (0.45, 0.30, 0.22) if 8 <= x < 32 and 8 <= y < 24 else (0.18, 0.18, 0.18)
        r += [round(65535 * srgb_encode(c)) for c in v]
    rows.append(r)
write_png(sys.argv[1], rows, 3, 16)
PY

# info: format, camera, exposure, capture time (the DNG's Exif IFD), development
run "$SKINQ" info --json "$T/lin.dng"
expect_rc 0 "info --json lin.dng"
expect_json_path image.format dng
expect_json_path image.bit_depth 16
expect_json_path image.width 64
expect_json_path image.raw.make SkinqTest
expect_json_path image.raw.model "LinearCam 1"
expect_json_path image.raw.iso 200
expect_json_path image.raw.cfa linear
expect_json_path image.raw.white_balance as-shot
expect_json_path image.raw.wb_multipliers "[2, 1, 1.25]"
expect_json_path image.raw.tone_curve none
expect_json_path image.capture_time.iso8601 "2026-03-01T09:15:02"
expect_json_path image.capture_time.source DateTimeOriginal
expect_json_path image.raw.exposure_s 0.008
expect_json_path image.raw.aperture_f 5.6
if [ ! -s "$T/err" ]; then ok; else bad "info lin.dng: LibRaw must print nothing"; fi
run "$SKINQ" info "$T/cfa.dng"
expect_rc 0 "info cfa.dng"
expect_out_contains "format       dng"
expect_out_contains "camera       SkinqTest LinearCam 1, ISO 200, 0.008 s, f/5.6, 16-bit RGGB sensor data"
expect_out_contains "demosaic AHD, white balance as-shot"
expect_out_contains "captured     2026-03-01 09:15:02 (no time zone) (EXIF DateTimeOriginal)"

# analyze: the patch's L*a*b* = the exact CIELAB of (0.45, 0.30, 0.22) and the PNG's, within 0.02
# (measured: <= 0.001 L*, 0.005 a*, 0.01 b* from the exact; the decoded codes within 2 of 65535)
lab() { # FILE [options]: the patch interior's mean L a b and std L
  "$SKINQ" analyze --json --no-texture --roi 12,11,16,10 "$@" 2>"$T/err" | python3 -c "
import json, sys; d = json.load(sys.stdin); c = d['color']
print(c['L']['mean'], c['a']['mean'], c['b']['mean'], c['L']['std'], d['image'].get('raw', {}).get('white_balance', '-'))"
}
want="63.8450 8.1720 14.6179" # CIE 15 / IEC 61966-2-1 in double precision (python, below the test)
close() { # "L a b ..." "L a b": within 0.02 each
  python3 -c "import sys; a = [float(v) for v in sys.argv[1].split()[:3]]; b = [float(v) for v in sys.argv[2].split()[:3]]
sys.exit(0 if all(abs(x - y) <= 0.02 for x, y in zip(a, b)) else 1)" "$1" "$2"
}
png=$(lab "$T/same.png")
for f in lin cfa; do
  got=$(lab "$T/$f.dng")
  if close "$got" "$want" && close "$got" "$png"; then ok; else bad "$f.dng patch L a b: $got, expected $want (PNG: $png)"; fi
  case "$got" in *" as-shot") ok ;; *) bad "$f.dng: analysis JSON should say white_balance as-shot: $got" ;; esac
  # --white on the grey: the loader leaves the balance to the patch; the same numbers as the PNG's
  gotw=$(lab "$T/$f.dng" --white 40,28,20,16 --white-reflectance 0.18)
  pngw=$(lab "$T/same.png" --white 40,28,20,16 --white-reflectance 0.18)
  if close "$gotw" "$pngw"; then ok; else bad "$f.dng --white: $gotw, the PNG's $pngw"; fi
  case "$gotw" in *" from --white") ok ;; *) bad "$f.dng --white: JSON should say white_balance from --white" ;; esac
done
run "$SKINQ" analyze --json --no-texture "$T/lin.dng"
expect_json_path image.raw.demosaic none
expect_json_path calibration.method none

# a track session dated by the DNG's capture time
run "$SKINQ" track add --store "$T/s.db" --subject S01 --site arm --date exif --no-texture "$T/lin.dng"
expect_rc 0 "track add --date exif lin.dng"
run "$SKINQ" track export --store "$T/s.db" --json
check "doc['rows'][0]['date'] == '2026-03-01'"

# bad files: exit 3, one line naming the file, nothing on stdout
check_bad() {
  run "$SKINQ" "$@"
  local file="${*: -1}"
  expect_rc 3 "$*"
  expect_one_line_error "$file"
  if [ ! -s "$T/out" ]; then ok; else bad "$*: stdout should be empty"; fi
}
size=$(stat -c %s "$T/lin.dng")
head -c $((size - 9000)) "$T/lin.dng" >"$T/trunc.dng"
head -c 300 "$T/lin.dng" >"$T/short.dng"
head -c 3000 "$T/cfa.dng" >"$T/cfa-trunc.dng"
for f in trunc short cfa-trunc; do
  check_bad info "$T/$f.dng"
  if grep -qF "corrupt or truncated DNG" "$T/err"; then ok; else bad "$f.dng: stderr should say corrupt or truncated DNG"; fi
  check_bad analyze --json "$T/$f.dng"
done
# a TIFF that is no DNG (the DNGVersion tag renamed) and no RAW LibRaw knows: libtiff's, whose
# LinearRaw photometric it does not read: one line naming it
python3 -c "
import sys; d = bytearray(open(sys.argv[1], 'rb').read()); i = d.find(b'\x12\xc6\x01\x00'); d[i:i + 2] = b'\x13\xc7'
open(sys.argv[2], 'wb').write(d)" "$T/lin.dng" "$T/plain.tif"
check_bad info "$T/plain.tif"
if grep -qF "plain.tif" "$T/err"; then ok; else bad "plain.tif: stderr should name the file"; fi

# limits from the header, before LibRaw unpacks: a DNG claiming 20000x20000 over a 64x48 strip is
# refused for its size (not for its missing data), and --max-pixels applies to DNGs
dng "$T/huge.dng" claim=20000x20000
check_bad info "$T/huge.dng"
if grep -qF "20000x20000 (400.0 MP) is above the limit" "$T/err"; then ok; else bad "huge.dng: the limit, from the header"; fi
check_bad analyze --json --max-pixels 1000 "$T/lin.dng"
if grep -qF "above the limit" "$T/err"; then ok; else bad "--max-pixels 1000 lin.dng"; fi
finish
