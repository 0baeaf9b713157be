#!/usr/bin/env bash
# skinq depth --lights: photometric stereo on the scar-stack phantom; images from the lights
# file or the command line (matched by name), the scale from the file, normal statistics, the
# same numbers on every ISA, and the maps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

run "$SKINQ" synth --kind scar-stack --out "$T/ss" --width 512 --height 512 -q
expect_rc 0 "synth"

run "$SKINQ" depth --lights "$T/ss/lights.json" --json
expect_rc 0 "depth --lights"
cp "$T/out" "$T/default.json"
expect_json input=photometric-stereo scale.source=lights-file scale.px_per_mm=20 relative=false lights.sha256 \
  images.5.sha256 surface.normals.mean_tilt_deg surface.normals.p95_tilt_deg surface.normals.valid_fraction \
  surface.normals.mean_direction.2 surface.albedo.mean surface.sa_mm surface.sq_mm scars.count=3 \
  scars.items.0.type=icepick scars.items.1.type=boxcar scars.items.2.type=rolling
expect_scars_match_truth "$T/out" "$T/ss/truth.json"

# the images on the command line, in another order: matched by file name, same result
run "$SKINQ" depth --lights "$T/ss/lights.json" "$T/ss/light_3.png" "$T/ss/light_0.png" "$T/ss/light_5.png" \
    "$T/ss/light_1.png" "$T/ss/light_4.png" "$T/ss/light_2.png" --json
expect_rc 0 "images given"
expect_same_numbers "$T/default.json" "$T/out" "images by name"

# every ISA gives the same numbers (the kernels are bit-exact with the scalar reference)
for isa in scalar sse41 avx2 avx512; do
  run env SKINQ_ISA=$isa "$SKINQ" depth --lights "$T/ss/lights.json" --json -q
  expect_rc 0 "SKINQ_ISA=$isa"
  expect_same_numbers "$T/default.json" "$T/out" "SKINQ_ISA=$isa"
done

# --px-per-mm wins over the file
run "$SKINQ" depth --lights "$T/ss/lights.json" --px-per-mm 10 --json
expect_rc 0 "--px-per-mm"
expect_json scale.source=option scale.px_per_mm=10

# maps
run "$SKINQ" depth --lights "$T/ss/lights.json" --maps "$T/maps"
expect_rc 0 "--maps"
for f in height.png depth.png normals.png confidence.png albedo.png scars.png; do
  if [ -s "$T/maps/$f" ]; then ok; else bad "map $f missing"; fi
done
if ! ls "$T/maps"/*.tmp.* "$T/maps"/*.partial >/dev/null 2>&1; then ok; else bad "temporary map files left"; fi
if [ "$(ls "$T/maps" | wc -l)" -eq 6 ]; then ok; else bad "maps: $(ls "$T/maps" | tr '\n' ' ')"; fi
finish
