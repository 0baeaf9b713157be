#!/usr/bin/env bash
# skinq synth --kind spectral-skin: the patches and their truth, a camera from CSV, bad camera files.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind spectral-skin --out "$T/ss"
expect_rc 0 "spectral-skin"
if [ -s "$T/ss/patches.png" ]; then ok; else bad "missing patches.png"; fi
run "$SKINQ" info --json "$T/ss/patches.png"
expect_json_path image.width 396
expect_json_path image.height 88
cp "$T/ss/truth.json" "$T/out"
expect_json_path kind spectral-skin
expect_json_path types.0.name light
expect_json_path types.2.name dark
expect_json_path patches.5.blood_excess 0.5
expect_json_path patches.5.blood_fraction 0.04
expect_json_path patches.13.series exposure
expect_json_path patches.13.exposure 1.3
expect_json_path patches.14.rect_px.1 32
expect_json_path patches.0.epidermis_um 70
expect_json_path patches.0.reticular_blood_fraction 0.0025
expect_json_path model.papillary_um 200
expect_json_path model.surface_reflectance 0
python3 - "$T/ss/truth.json" <<'PY' && ok || bad "ITA of the skin types"
import json, sys
t = json.load(open(sys.argv[1]))
ita = [x["ita_deg"] for x in t["types"]]
assert ita[0] > 55 and 28 < ita[1] < 41 and ita[2] < 10, ita
assert len(t["patches"]) == 42
PY
# the same seed or none: byte-identical
run "$SKINQ" synth --kind spectral-skin --out "$T/ss2" --seed 9
if cmp -s "$T/ss/patches.png" "$T/ss2/patches.png"; then ok; else bad "not deterministic"; fi

# a surface reflection (no cross-polariser): other patches, recorded in the truth; out of range refused
run "$SKINQ" synth --kind spectral-skin --out "$T/sf" --surface 0.04
expect_rc 0 "surface"
cp "$T/sf/truth.json" "$T/out"
expect_json_path model.surface_reflectance 0.04
if ! cmp -s "$T/ss/patches.png" "$T/sf/patches.png"; then ok; else bad "surface changed nothing"; fi
run "$SKINQ" synth --kind spectral-skin --out "$T/sf2" --surface 0.5
expect_rc 2 "surface out of range"

# a camera of three boxes (blue < 500 nm, green 480-600, red > 580), every 20 nm from 380
{
  echo "wavelength_nm,r,g,b"
  for nm in $(seq 380 20 720); do
    r=0; g=0; b=0
    [ "$nm" -lt 500 ] && b=1
    [ "$nm" -ge 480 ] && [ "$nm" -le 600 ] && g=1
    [ "$nm" -ge 580 ] && r=1
    echo "$nm,$r,$g,$b"
  done
} >"$T/cam.csv"
run "$SKINQ" synth --kind spectral-skin --out "$T/cam" --camera "$T/cam.csv"
expect_rc 0 "camera"
cp "$T/cam/truth.json" "$T/out"
expect_json_path model.camera "$T/cam.csv"
if ! cmp -s "$T/ss/patches.png" "$T/cam/patches.png"; then ok; else bad "camera changed nothing"; fi

printf 'nm,r,g,b\n400,1,1,1\n550,1,1\n700,1,1,1\n' >"$T/bad.csv"
run "$SKINQ" synth --kind spectral-skin --out "$T/x" --camera "$T/bad.csv"
expect_rc 3 "bad camera line"; expect_one_line_error "bad.csv' line 3"
printf '450,1,1,1\n700,1,1,1\n' >"$T/short.csv"
run "$SKINQ" synth --kind spectral-skin --out "$T/x" --camera "$T/short.csv"
expect_rc 3 "camera range"; expect_one_line_error "400-700 nm"
run "$SKINQ" synth --kind spectral-skin --out "$T/x" --camera "$T/none.csv"
expect_rc 3 "missing camera"; expect_one_line_error "none.csv"
expect_no_file "$T/x/truth.json"
finish
