#!/usr/bin/env bash
# skinq info: the EXIF capture time (DateTimeOriginal + OffsetTimeOriginal) in text and JSON, from
# a TIFF block written here byte by byte (big-endian, little-endian) into a JPEG's APP1 and a PNG's
# eXIf; a photo without one says so (exit 0, capture_time null); a zeroed date is not shown.
. "$(dirname "$0")/lib.sh"

# exif SRC DST ORDER DATE OFFSET: SRC with IFD0 -> Exif IFD {0x9003 DATE, 0x9011 OFFSET}
exif() { python3 "$SKINQ_SRC/tests/cli/exif_lib.py" "$@"; }

exif "$FX/good.jpg" "$T/mm.jpg" MM "2026:03:01 09:15:02" "+01:00"
run "$SKINQ" info --json "$T/mm.jpg"
expect_rc 0 "info --json mm.jpg"
expect_json_path image.capture_time.iso8601 "2026-03-01T09:15:02+01:00"
expect_json_path image.capture_time.date 2026-03-01
expect_json_path image.capture_time.time 09:15:02
expect_json_path image.capture_time.offset +01:00
expect_json_path image.capture_time.subsec ""
expect_json_path image.capture_time.source DateTimeOriginal
expect_json_path image.width 64
run "$SKINQ" info "$T/mm.jpg"
expect_rc 0 "info mm.jpg"
expect_out_contains "captured     2026-03-01 09:15:02+01:00 (EXIF DateTimeOriginal)"

exif "$FX/good.png" "$T/ii.png" II "1999:12:31 23:59:59" "-05:30"
run "$SKINQ" info --json "$T/ii.png"
expect_rc 0 "info --json ii.png"
expect_json_path image.capture_time.iso8601 "1999-12-31T23:59:59-05:30"
expect_json_path image.format png

# no EXIF, or a zeroed date: no capture time, and no error
for f in "$FX/good.jpg" "$T/zero.jpg"; do
  [ "$f" = "$T/zero.jpg" ] && exif "$FX/good.jpg" "$T/zero.jpg" II "0000:00:00 00:00:00" "+01:00"
  run "$SKINQ" info --json "$f"
  expect_rc 0 "info --json $f"
  expect_json_path image.capture_time None
  run "$SKINQ" info "$f"
  expect_out_contains "captured     unknown (no EXIF capture time)"
  if [ ! -s "$T/err" ]; then ok; else bad "$f: stderr should be empty"; fi
done
finish
