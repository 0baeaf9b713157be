#!/usr/bin/env bash
# Every numeric option of every command goes through one parser: NaN, infinities, overflow, an
# empty string, trailing characters, huge integers and out-of-range values give exit 2 and
# exactly one stderr line naming the option; usage errors are one line; the same condition gives
# the same exit code in every command (a wrong-size mask: 3; an unwritable --maps: 1).
. "$(dirname "$0")/lib.sh"

HUGE=99999999999999999999999 # for the integer options (and the whole-number counts)
# COMMAND OPTION [extra out-of-range values...]
OPTS=(
  "info threads -1 1025 1.5 $HUGE"
  "info max-pixels 0 1.5 -3 $HUGE"
  "analyze px-per-mm 0 -1"
  "analyze white-reflectance 0 1.5 -0.2"
  "analyze red-threshold"
  "analyze threads -1"
  "analyze max-pixels 0"
  "compare px-per-mm 0"
  "compare white-reflectance 2"
  "compare red-threshold"
  "compare ecc-size -2 1.5 $HUGE"
  "depth z-scale 0 -1"
  "depth px-per-mm 0"
  "depth min-depth 0 -1"
  "depth ref-scale 0"
  "depth outlier-tau -0.1"
  "bench runs 0 65 $HUGE"
  "bench count 0 100001 $HUGE"
  "synth seed -1 1.5 $HUGE"
  "synth width -1 20001 $HUGE"
  "synth height -1"
  "synth px-per-mm 0"
  "synth tau 0"
  "trend cycle 0 65"
  "report threads -1"
  "track max-pixels 0"
)
BAD=(nan NaN inf -inf Infinity 1e999 -1e999 "" 3x "1 " " 1" 0x 1e400)
for row in "${OPTS[@]}"; do
  read -r cmd opt extra <<<"$row"
  sub=()
  [ "$cmd" = track ] && sub=(list)
  # shellcheck disable=SC2206
  vals=("${BAD[@]}" $extra)
  for v in "${vals[@]}"; do
    run "$SKINQ" "$cmd" "${sub[@]}" "--$opt" "$v" "$FX/good.png"
    expect_rc 2 "$cmd --$opt '$v'"
    if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF -- "option '--$opt' needs " "$T/err" &&
       grep -qF -- "not '$v'" "$T/err"; then ok; else bad "$cmd --$opt '$v': one line naming the option and value"; fi
    if [ ! -s "$T/out" ]; then ok; else bad "$cmd --$opt '$v': stdout not empty"; fi
  done
done
# bench --size WxH: both sides through the same parser
for v in nanxnan 100xinf 16x 3x16 100x100x 1e999x100 20000x20000 100x100junk; do
  run "$SKINQ" bench --make-set "$T/set" --size "$v"
  expect_rc 2 "bench --size '$v'"
  if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF -- "option '--size' needs WxH" "$T/err"; then ok
  else bad "bench --size '$v': one line"; fi
  if [ ! -e "$T/set" ]; then ok; else bad "bench --size '$v' made the folder"; fi
done
# the exact form of the message
run "$SKINQ" analyze --px-per-mm nan "$FX/good.png"
if [ "$(cat "$T/err")" = "skinq: option '--px-per-mm' needs a finite number > 0, not 'nan'" ]; then ok
else bad "message form"; fi
# values in range still work
run "$SKINQ" info --threads 1 --max-pixels 1e6 --json "$FX/good.png"; expect_rc 0 "in-range values"

# usage errors: one line with the hint, in every command
for cmd in info analyze compare depth bench synth trend report "track list"; do
  # shellcheck disable=SC2086
  run "$SKINQ" $cmd --no-such-option
  expect_rc 2 "$cmd --no-such-option"
  if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF "unknown option '--no-such-option' (try 'skinq $cmd --help')" "$T/err"
  then ok; else bad "$cmd: unknown option should be one line with the hint"; fi
done
run "$SKINQ" analyze --roi; expect_rc 2 "missing value"
if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qF "option '--roi' needs a value" "$T/err"; then ok; else bad "missing value message"; fi
run "$SKINQ" analyze; expect_rc 2 "no image"
if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "analyze without IMAGE: one line"; fi
run "$SKINQ" track; expect_rc 2 "track without an action"
if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "track without an action: one line"; fi
run "$SKINQ"; expect_rc 2 "no command"
if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "no command: one line"; fi
run "$SKINQ" frobnicate; expect_rc 2 "unknown command"
if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "unknown command: one line"; fi

# the same condition, the same code: a wrong-size mask is a bad input (3) in analyze, compare
# and depth; maps that cannot be written are an output failure (1) in analyze, compare and depth
"$SKINQ" synth --kind healing-series --out "$T/hs" --width 640 --height 480 -q >/dev/null 2>&1
python3 -c "
import struct, zlib, sys
def png(w, h, path):
    raw = b''.join(b'\x00' + b'\xff' * w for _ in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
png(37, 23, sys.argv[1])
" "$T/m-small.png"
run "$SKINQ" analyze --mask "$T/m-small.png" "$T/hs/day00.jpg"; expect_rc 3 "analyze wrong-size mask"
run "$SKINQ" compare --mask "$T/m-small.png" "$T/hs/day00.jpg" "$T/hs/day01.jpg"
expect_rc 3 "compare wrong-size mask" # was 2: the common ROI refused it as an invalid argument
expect_one_line_error "37x23"
run "$SKINQ" compare --no-align --mask "$T/m-small.png" "$T/hs/day00.jpg" "$T/hs/day01.jpg"
expect_rc 3 "compare --no-align wrong-size mask"
run "$SKINQ" depth --mask "$T/m-small.png" "$T/hs/day00.jpg"; expect_rc 3 "depth wrong-size mask"
: >"$T/plainfile"
run "$SKINQ" analyze --maps "$T/plainfile" "$T/hs/day00.jpg"; expect_rc 1 "analyze unwritable --maps"
expect_one_line_error "plainfile"
run "$SKINQ" compare --no-align --maps "$T/plainfile" "$T/hs/day00.jpg" "$T/hs/day01.jpg"
expect_rc 1 "compare unwritable --maps"
expect_one_line_error "plainfile"
run "$SKINQ" depth --maps "$T/plainfile" "$T/hs/day00.jpg"; expect_rc 1 "depth unwritable --maps"
expect_one_line_error "plainfile"
finish
