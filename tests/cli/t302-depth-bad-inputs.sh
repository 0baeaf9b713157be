#!/usr/bin/env bash
# skinq depth on bad input: malformed lights files, image count != light count, images of
# different sizes, coplanar lights, too few lights, bad height maps, masks of the wrong size,
# unwritable maps, usage errors. Each gives a one-line message naming the file, the right exit
# code, nothing on stdout and no map files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

run "$SKINQ" synth --kind scar-stack --out "$T/ss" --width 128 --height 128 -q
expect_rc 0 "synth"
S="$T/ss"

i=0
for text in '{"lights": [' 'not json' '[{"direction":[0,0,1]}]' '{"light": []}' '{"lights": []}' \
            '{"lights": [{"direction":[0,1]}]}' '{"lights": [{"direction":"up"}]}' \
            '{"lights": [{"direction":[0,0,0]}]}' '{"lights": [{"direction":[0,0.5,-1]}]}' \
            '{"lights": [{"direction":[0,0,1],"intensity":-2}]}' '{"lights": [7]}'; do
  i=$((i + 1))
  printf '%s' "$text" > "$T/bad$i.json"
  check_fail 3 "bad$i.json" "lights file" "$SKINQ" depth --lights "$T/bad$i.json" "$S/light_0.png"
done

# image count != light count (6 lights, 2 images)
check_fail 3 "lights.json" "6 lights but 2 images" "$SKINQ" depth --lights "$S/lights.json" "$S/light_0.png" "$S/light_1.png"

# images of different sizes
cat > "$T/three.json" <<'J'
{"lights":[{"direction":[0.5,0,1]},{"direction":[-0.4,0.4,1]},{"direction":[-0.2,-0.5,1]}]}
J
check_fail 3 "good.png" "but" "$SKINQ" depth --lights "$T/three.json" "$S/light_0.png" "$S/light_1.png" "$FX/good.png"

# coplanar light directions (all in the x-z plane): analysis impossible
cat > "$T/coplanar.json" <<'J'
{"lights":[{"direction":[0.5,0,1]},{"direction":[-0.5,0,1]},{"direction":[0,0,1]},{"direction":[0.3,0,1]}]}
J
check_fail 4 "coplanar.json" "coplanar" "$SKINQ" depth --lights "$T/coplanar.json" "$S/light_0.png" "$S/light_1.png" \
  "$S/light_2.png" "$S/light_3.png"

# two lights
cat > "$T/two.json" <<'J'
{"lights":[{"direction":[0.5,0,1]},{"direction":[-0.5,0.2,1]}]}
J
check_fail 4 "two.json" "at least 3" "$SKINQ" depth --lights "$T/two.json" "$S/light_0.png" "$S/light_1.png"

# a missing or corrupt image in the stack
check_fail 3 "nope.png" "nope.png" "$SKINQ" depth --lights "$T/three.json" "$S/light_0.png" "$S/light_1.png" "$T/nope.png"
check_fail 3 "bad-truncated.png" "truncated" "$SKINQ" depth --lights "$T/three.json" "$S/light_0.png" "$S/light_1.png" \
  "$FX/bad-truncated.png"

# height maps: corrupt, colour
check_fail 3 "bad-truncated.png" "truncated" "$SKINQ" depth --height "$FX/bad-truncated.png" --z-scale 0.001
check_fail 3 "good.png" "gray" "$SKINQ" depth --height "$FX/good.png" --z-scale 0.001
check_fail 3 "missing.json" "missing.json" "$SKINQ" depth --lights "$T/missing.json" "$S/light_0.png"

# a mask of another size than the input: a bad input file, named
mask_png "$T/m64.png" 64
mask_png "$T/m128.png" 128
check_fail 3 "m64.png" "it is 64x64 but" "$SKINQ" depth --height "$S/height.png" --z-scale 0.0001 --mask "$T/m64.png"
check_fail 3 "m64.png" "it is 64x64 but" "$SKINQ" depth --lights "$S/lights.json" --mask "$T/m64.png"
check_fail 3 "m64.png" "it is 64x64 but" "$SKINQ" depth "$S/light_0.png" --mask "$T/m64.png"
# a mask over every pixel leaves nothing for the reference surface: analysis impossible
check_fail 4 "m128.png" "covers every usable pixel" "$SKINQ" depth --height "$S/height.png" --z-scale 0.0001 \
  --mask "$T/m128.png"

# maps that cannot be written: one line naming the place, nothing on stdout, and none of the maps
# left behind (they are staged and renamed together)
: > "$T/plainfile"
run "$SKINQ" depth --lights "$S/lights.json" --maps "$T/plainfile" --json
expect_rc 1 "--maps onto a file"
expect_one_line_error "plainfile"
if [ ! -s "$T/out" ]; then ok; else bad "--maps onto a file: stdout should be empty"; fi
rm -rf "$T/maps" && mkdir -p "$T/maps/scars.png"  # the last map's name is taken by a folder
run "$SKINQ" depth --lights "$S/lights.json" --maps "$T/maps" --json
expect_rc 1 "--maps with a blocked name"
expect_one_line_error "scars.png"
if [ ! -s "$T/out" ]; then ok; else bad "blocked map: stdout should be empty"; fi
if [ "$(ls -A "$T/maps")" = "scars.png" ]; then ok; else bad "blocked map: left $(ls -A "$T/maps" | tr '\n' ' ')"; fi

# usage errors: exit 2, one line (a bad number names the option and its range instead of the hint)
for args in "--height $S/height.png" "--height $S/height.png --lights $S/lights.json --z-scale 1" \
            "--lights $S/lights.json --z-scale 1" "" "$S/light_0.png $S/light_1.png" \
            "--height $S/height.png --z-scale -1" "--height $S/height.png --z-scale 1 --min-depth 0"; do
  # shellcheck disable=SC2086
  run "$SKINQ" depth $args
  expect_rc 2 "usage: '$args'"
  if grep -q "try 'skinq depth --help'\|needs a finite number" "$T/err"; then ok; else bad "usage hint for '$args'"; fi
  if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "usage error for '$args' is not one line"; fi
done
finish
