#!/usr/bin/env bash
# skinq info: text and JSON for good inputs, EXIF orientation applied, 16-bit and alpha reported.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" info --json "$FX/good.png"
expect_rc 0 "info --json good.png"
expect_json_path skinq_version
expect_json_path image.width 64
expect_json_path image.height 48
expect_json_path image.channels 3
expect_json_path image.bit_depth 8
expect_json_path image.format png
expect_json_path image.sha256 "$(sha256sum "$FX/good.png" | cut -d' ' -f1)"
expect_json_path image.size_bytes "$(stat -c %s "$FX/good.png")"
expect_json_path image.icc.present False
expect_json_path cpu.isa_used

for o in 1 2 3 4 5 6 7 8; do
  run "$SKINQ" info --json "$FX/orient$o.jpg"
  expect_rc 0 "orient$o"
  expect_json_path image.orientation "$o"
  expect_json_path image.width 64   # upright size whatever the stored one
  expect_json_path image.height 48
done
run "$SKINQ" info --json "$FX/orient6.jpg"
expect_json_path image.stored_width 48

run "$SKINQ" info --json "$FX/good16.png"
expect_json_path image.bit_depth 16
expect_json_path image.channels 1
run "$SKINQ" info --json "$FX/rgba.png"
expect_json_path image.alpha True
expect_json_path image.channels 3

run "$SKINQ" info "$FX/good.jpg"
expect_rc 0 "info text"
expect_out_contains "64 x 48 px"
expect_out_contains "sha256"

# SKINQ_ISA=scalar is honoured (and a bogus value only warns)
SKINQ_ISA=scalar run "$SKINQ" info --json "$FX/good.png"
expect_json_path cpu.isa_used scalar
run "$SKINQ" info --json --isa sse41 --threads 1 "$FX/good.png"
expect_json_path cpu.threads 1
SKINQ_ISA=bogus run "$SKINQ" info --json "$FX/good.png"
expect_rc 0 "bogus SKINQ_ISA"
if grep -q "warning" "$T/err"; then ok; else bad "bogus SKINQ_ISA should warn"; fi
# which ISA level fills each kernel, and the scalar path when asked
SKINQ_ISA=scalar run "$SKINQ" info --json "$FX/good.png"
expect_json_path cpu.kernels.color_row8 scalar
expect_json_path cpu.kernels.color_hist8 scalar
finish
