#!/usr/bin/env bash
# Bad input files: exit 3, exactly one stderr line naming the file, nothing on stdout.
. "$(dirname "$0")/lib.sh"

check_bad() {
  local file="$1" says="$2"
  run "$SKINQ" info --json "$file"
  expect_rc 3 "$(basename "$file")"
  expect_one_line_error "$file"
  if grep -qF -- "$says" "$T/err"; then ok; else bad "$(basename "$file"): stderr should say '$says'"; fi
  if [ ! -s "$T/out" ]; then ok; else bad "$(basename "$file"): stdout should be empty"; fi
}
check_bad "$FX/bad-empty.jpg" "empty file"
check_bad "$FX/bad-truncated.jpg" "Premature end"
check_bad "$FX/bad-truncated.png" "truncated"
check_bad "$FX/bad-random.png" "not a JPEG, PNG"
check_bad "$FX/bad-text.jpg" "not a JPEG, PNG"
check_bad "$FX/bad-zero.png" "zero"
check_bad "$FX/bad-cmyk.jpg" "CMYK"
check_bad "$FX/big-header.png" "above the limit"
check_bad "$FX/no-such-file.png" "No such file"
check_bad "$FX" "is a directory"

# the limit is an option
run "$SKINQ" info --max-pixels 1000 "$FX/good.png"
expect_rc 3 "--max-pixels"
expect_one_line_error "good.png"
# so is the byte limit (input files and decoded buffers)
run "$SKINQ" info --max-bytes 100 "$FX/good.png"
expect_rc 3 "--max-bytes"
expect_one_line_error "good.png"
if grep -qF -- "--max-bytes" "$T/err"; then ok; else bad "stderr should name --max-bytes"; fi
run "$SKINQ" info --max-bytes nan "$FX/good.png"
expect_rc 2 "--max-bytes nan"
finish
