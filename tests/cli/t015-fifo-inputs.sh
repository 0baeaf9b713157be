#!/usr/bin/env bash
# A FIFO given as any input (the photo, --mask, --lights, track add) fails at once: exit 3, one
# stderr line "'PATH': not a regular file (a fifo)", never a hang (timeout 10 turns one into a
# failure: exit 124). Nobody ever writes to the FIFO.
. "$(dirname "$0")/lib.sh"

P="$T/p"
run "$SKINQ" synth --kind healing-series --out "$P" --width 160 --height 120 -q
expect_rc 0 "synth"
F="$T/pipe.jpg"
mkfifo "$F" || { echo "FAIL: mkfifo"; exit 1; }

check_fifo() {
  local name="$1"; shift
  run timeout 10 "$@"
  expect_rc 3 "$name"
  expect_one_line_error "$F"
  if grep -qF -- "not a regular file (a fifo)" "$T/err"; then ok; else bad "$name: stderr should say 'not a regular file (a fifo)'"; fi
}
check_fifo "info" "$SKINQ" info --json "$F"
check_fifo "analyze photo" "$SKINQ" analyze --json "$F"
check_fifo "analyze --mask" "$SKINQ" analyze --json --mask "$F" "$P/day00.jpg"
check_fifo "compare" "$SKINQ" compare --json "$P/day00.jpg" "$F"
check_fifo "track add" "$SKINQ" track add --store "$T/s.db" --subject S01 --site cheek --date 2026-01-05 \
  --no-texture "$F"
run "$SKINQ" synth --kind scar-stack --out "$T/ss" --width 128 --height 128 -q
expect_rc 0 "synth scar-stack"
check_fifo "depth --lights" "$SKINQ" depth --json --lights "$F" "$T/ss/light_0.png" "$T/ss/light_1.png" \
  "$T/ss/light_2.png"
finish
