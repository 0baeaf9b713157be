#!/usr/bin/env bash
# skinq synth --kind scar-stack with --lights, --rgb-lights, --realism and --effects: the lights
# file's intensity forms, the truth's realism record (the falloff only there), the maps, that the
# solver reads the stack, and refusals.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

run "$SKINQ" synth --kind scar-stack --out "$T/s" --width 256 --height 256 --lights 8 --realism skin -q
expect_rc 0 "realism skin"
for f in light_0.png light_7.png height.png albedo.png normals_true.png specular.png hair_mask.png; do
  if [ -s "$T/s/$f" ]; then ok; else bad "missing $f"; fi
done
if [ ! -e "$T/s/light_8.png" ]; then ok; else bad "a ninth light"; fi
if ! grep -q falloff "$T/s/lights.json"; then ok; else bad "the falloff is stated in lights.json"; fi
cp "$T/s/lights.json" "$T/out"
expect_json px_per_mm=20 lights.7.image=light_7.png
if python3 - "$T/s/lights.json" <<'PY'
import json, sys
v = [l["intensity"] for l in json.load(open(sys.argv[1]))["lights"]]
sys.exit(0 if all(isinstance(x, float) and 0.85 <= x <= 1.15 for x in v) and max(v) - min(v) > 0.05 else 1)
PY
then ok; else bad "scalar intensities 0.85..1.15"; fi
cp "$T/s/truth.json" "$T/out"
expect_json realism.lights=8 realism.rgb_lights=false realism.falloff.enabled=true realism.falloff.amplitude=0.05 \
  realism.falloff.stated_in_lights_json=false realism.intensity.stated_in_lights_json=true \
  realism.blur.sigma_mm=0.08 realism.noise.sigma_relative=0.015 realism.specular.roughness_m=0.35 \
  realism.hair.enabled=true realism.hair.strands scars.2.type=rolling normals_true

# the current solver reads it (scalar intensities)
run "$SKINQ" depth --lights "$T/s/lights.json" --json -q
expect_rc 0 "depth on the realistic stack"
expect_json input=photometric-stereo scars.count

# one effect; RGB lights: images RGB, intensity [r, g, b]
run "$SKINQ" synth --kind scar-stack --out "$T/r" --width 128 --height 128 --lights 4 --rgb-lights --effects hair,noise -q
expect_rc 0 "rgb lights"
cp "$T/r/lights.json" "$T/out"
expect_json lights.3.intensity.2
cp "$T/r/truth.json" "$T/out"
expect_json realism.rgb_lights=true realism.hair.enabled=true realism.noise.enabled=true realism.specular.enabled=false
if [ ! -e "$T/r/specular.png" ] && [ -s "$T/r/hair_mask.png" ]; then ok; else bad "maps of the chosen effects"; fi
if [ "$(head -c 26 "$T/r/light_0.png" | tail -c 2 | od -An -tu1 | tr -d ' ')" = "162" ]; then ok; else bad "RGB 16-bit PNG"; fi

run "$SKINQ" synth --kind scar-stack --out "$T/x" --effects specular,glitter; expect_rc 2 "unknown effect"
expect_one_line_error "glitter"
run "$SKINQ" synth --kind scar-stack --out "$T/x" --lights 97; expect_rc 2 "97 lights"; expect_one_line_error "lights"
run "$SKINQ" synth --kind scar-stack --out "$T/x" --realism oily; expect_rc 2 "realism oily"
expect_one_line_error "realism"
run "$SKINQ" synth --kind scar-stack --out "$T/x" --realism skin --effects hair; expect_rc 2 "both"
finish
