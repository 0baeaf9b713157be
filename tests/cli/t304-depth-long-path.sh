#!/usr/bin/env bash
# skinq depth --lights in a folder whose path is longer than 512 bytes (issue 17, defect 7: the
# images used to resolve against the current folder, and the wrong ones were analysed): the
# images are found beside the lights file and give the same numbers as from a short path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

run "$SKINQ" synth --kind scar-stack --out "$T/ss" --width 256 --height 256 -q
expect_rc 0 "synth"
run "$SKINQ" depth --lights "$T/ss/lights.json" --json -q
expect_rc 0 "depth from a short path"
cp "$T/out" "$T/short.json"

long="$T"
for i in $(seq 1 6); do long="$long/$(printf 'folder-%02d-%0100d' "$i" 0)"; done
mkdir -p "$long"
cp "$T"/ss/*.png "$T/ss/lights.json" "$long/"
if [ "${#long}" -gt 600 ]; then ok; else bad "the long folder is only ${#long} bytes"; fi
# a decoy in the current folder with the lights' image names: it must not be the one analysed
mkdir -p "$T/cwd" && for f in "$T"/ss/light_*.png; do cp "$T/ss/albedo.png" "$T/cwd/$(basename "$f")"; done
run env -C "$T/cwd" "$SKINQ" depth --lights "$long/lights.json" --json -q
expect_rc 0 "depth from a $((${#long}))-byte folder"
expect_json images.0.sha256
expect_same_numbers "$T/short.json" "$T/out" "long folder"

finish
