#!/usr/bin/env bash
# compare --chart auto: the chart phantom composited into a healing-series photo (18° tilt, 8° pitch,
# σ 1 px blur, noise, JPEG; tests/support/chart_scene.h) is found by OpenCV's mcc detector, its
# corners near the true ones, and it calibrates within 0.5 ΔE2000 of --chart FILE with the true
# corners; a photo without a chart fails with exit 4 and one line; without --chart nothing is looked for.
. "$(dirname "$0")/lib.sh"

SCENE="$(dirname "$SKINQ_FIXTURES")/skinq_chart_scene"
run "$SKINQ" synth --kind chart --out "$T/ch" -q
expect_rc 0 "synth chart"
run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 1200 --height 900 --seed 3 -q
expect_rc 0 "synth healing-series"
run "$SCENE" "$T/ch" "$T/hs/day00.jpg" "$T/scene.jpg" "$T/truth.json" 18 0 7
expect_rc 0 "scene"

# --chart FILE with the true corners: the figure auto must reach
run "$SKINQ" compare "$T/scene.jpg" "$T/scene.jpg" --no-align --no-texture --chart "$T/truth.json" --json
expect_rc 0 "--chart FILE"
expect_json_path calibration.before.source file
cp "$T/out" "$T/file.json"

run "$SKINQ" compare "$T/scene.jpg" "$T/scene.jpg" --no-align --no-texture --chart auto --json
expect_rc 0 "--chart auto"
expect_json_path calibration.method chart
expect_json_path calibration.before.source "auto (OpenCV mcc)"
for k in corners_px box_px cost orientation patch_delta_e2000.before patch_delta_e2000.after; do
  expect_json_path "calibration.before.$k"
done
check 'doc["calibration"]["before"]["patches"] == 24 and len(doc["calibration"]["before"]["patch_delta_e2000"]["after"]) == 24'
# corners within 0.2 of the patch pitch of the truth (the sampler keeps a quarter of each cell clear)
check '(lambda t, a: max(((p[0]-q[0])**2 + (p[1]-q[1])**2) ** 0.5 for p, q in zip(a, t)) < 0.2 * ((t[1][0]-t[0][0])**2 + (t[1][1]-t[0][1])**2) ** 0.5 / 6)(json.load(open("'"$T/truth.json"'"))["corners"], doc["calibration"]["before"]["corners_px"])'
check '(lambda f, a: abs(a["delta_e2000_after"]["mean"] - f["delta_e2000_after"]["mean"]) <= 0.5 and a["delta_e2000_after"]["mean"] < 1 < 3 < a["delta_e2000_before"]["mean"])(json.load(open("'"$T/file.json"'"))["calibration"]["before"], doc["calibration"]["before"])'
python3 - "$T/file.json" "$T/out" "$T/truth.json" <<'PY'
import json, math, sys
f = json.load(open(sys.argv[1]))["calibration"]["before"]
a = json.load(open(sys.argv[2]))["calibration"]["before"]
t = json.load(open(sys.argv[3]))["corners"]
err = [math.hypot(p[0] - q[0], p[1] - q[1]) for p, q in zip(a["corners_px"], t)]
print(f"auto: corners off by {', '.join(f'{e:.1f}' for e in err)} px; cost {a['cost']:.5f}; "
      f"ΔE2000 before {a['delta_e2000_before']['mean']:.2f}, after {a['delta_e2000_after']['mean']:.3f} "
      f"(file: {f['delta_e2000_after']['mean']:.3f})")
PY

# the text form says where the chart came from
run "$SKINQ" compare "$T/scene.jpg" "$T/scene.jpg" --no-align --no-texture --chart auto
expect_rc 0 "--chart auto, text"
expect_out_contains "calibration chart (found by OpenCV mcc)"

# a photo without a chart, when one is required: exit 4, one line naming it
check_fail 4 "no colour chart found in '$T/hs/day01.jpg'" "no colour chart found" \
  "$SKINQ" compare "$T/scene.jpg" "$T/hs/day01.jpg" --chart auto --no-texture
# without --chart the same photos are compared (no chart is looked for)
run "$SKINQ" compare "$T/hs/day00.jpg" "$T/hs/day01.jpg" --no-texture --json
expect_rc 0 "no --chart"
expect_json_path calibration.method none
finish
