#!/usr/bin/env bash
# One scale and one reference photo per site (issue 19, parts 3 and 4): a later session without
# --px-per-mm inherits the site's; an unregistered photo whose --px-per-mm is more than 2 % off is
# refused and nothing is stored; a registered one is measured at the site's scale, its own px/mm
# from the matrix recorded; `--reference` makes a photo the one later photos are registered onto.
. "$(dirname "$0")/lib.sh"

P="$T/hs"
run "$SKINQ" synth --kind healing-series --out "$P" --width 480 --height 360 -q
expect_rc 0 "synth"
A=(track add -q --store "$T/s.db" --subject S01 --site cheek --mask "$P/mask.png" --no-texture)
# sql QUERY: one value from the store (python's own sqlite3 reads it)
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$T/s.db" "$1"; }

run "$SKINQ" "${A[@]}" --date 2026-01-05 --px-per-mm 6 "$P/day00.jpg"
expect_rc 0 "the first photo sets the site's scale"
run "$SKINQ" "${A[@]}" --date 2026-01-06 "$P/day01.jpg"
expect_rc 0 "a later session without a scale"
[ "$(sql "SELECT json_extract(options, '$.px_per_mm') FROM measurements m JOIN images i ON i.id = m.image_id WHERE i.path LIKE '%day01.jpg' LIMIT 1")" = 6 ] &&
  ok || bad "day 1 measured with the inherited 6 px/mm"
[ "$(sql "SELECT json_extract(calibration, '$.scale.source') FROM images WHERE path LIKE '%day01.jpg'")" = site ] &&
  ok || bad "day 1: scale source 'site'"
[ "$(sql "SELECT json_extract(calibration, '$.scale.photo_px_per_mm_from_registration') > 5 FROM images WHERE path LIKE '%day01.jpg'")" = 1 ] &&
  ok || bad "day 1: its own px/mm from the registration"

cp "$T/s.db" "$T/before.db"
run "$SKINQ" "${A[@]}" --date 2026-01-07 --no-align --px-per-mm 7 "$P/day02.jpg"
expect_rc 2 "a conflicting scale (17 % off) on an unregistered photo"
expect_one_line_error "conflicts with S01/cheek's 6 px/mm"
if cmp -s "$T/s.db" "$T/before.db"; then ok; else bad "refused scale: store changed"; fi
run "$SKINQ" "${A[@]}" --date 2026-01-07 --no-align --px-per-mm 6.1 "$P/day02.jpg"
expect_rc 0 "a scale within 2 % is the same scale"
run "$SKINQ" "${A[@]}" --date 2026-01-08 --px-per-mm 6.5 "$P/day03.jpg"
expect_rc 0 "a registered photo with its own (different) scale: measured at the site's"
[ "$(sql "SELECT json_extract(calibration, '$.scale.given_px_per_mm') FROM images WHERE path LIKE '%day03.jpg'")" = 6.5 ] &&
  ok || bad "day 3: the given scale recorded"
[ "$(sql "SELECT px_per_mm FROM sites")" = 6.0 ] && ok || bad "the site keeps 6 px/mm"

# --reference: day 7 becomes the reference; day 14 is registered onto it, not onto day 0
run "$SKINQ" "${A[@]}" --date 2026-01-12 --reference "$P/day07.jpg"
expect_rc 0 "track add --reference"
run "$SKINQ" "${A[@]}" --date 2026-01-19 "$P/day14.jpg"
expect_rc 0 "after the new reference"
[ "$(sql "SELECT r.path LIKE '%day07.jpg' FROM images i JOIN images r ON r.id = i.aligned_to WHERE i.path LIKE '%day14.jpg'")" = 1 ] &&
  ok || bad "day 14 registered onto the chosen reference"
[ "$(sql "SELECT r.path LIKE '%day00.jpg' FROM images i JOIN images r ON r.id = i.aligned_to WHERE i.path LIKE '%day07.jpg'")" = 1 ] &&
  ok || bad "day 7 itself registered onto the first photo"
finish
