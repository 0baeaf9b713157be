#!/usr/bin/env bash
# track add on a folder with a bad file and photos already stored (issue 19, part 7): without
# options it stops at the first failure (the photos before it stay, each stored whole); with
# --keep-going the bad file is reported on one line, the rest stored, exit 3; with
# --skip-existing a photo already in the session (same sha256, whatever its name) is skipped and
# said once (a copy of a photo new in the same batch too); nothing is stored twice and a rerun
# with both options stores nothing more. analyze --keep-going writes what it can.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 320 --height 240 --seed 2 -q
expect_rc 0 "synth"
mkdir "$T/in"
cp "$T/hs/day00.jpg" "$T/in/a-day00.jpg"
cp "$T/hs/day00.jpg" "$T/in/b-copy-of-day00.jpg"
printf 'not a photo' >"$T/in/c-broken.jpg"
cp "$T/hs/day01.jpg" "$T/in/d-day01.jpg"
cp "$T/hs/day02.jpg" "$T/in/e-day02.jpg"
cp "$T/hs/day01.jpg" "$T/in/f-copy-of-day01.jpg" # a copy of a photo new in this very batch
ADD=(track add --store "$T/s.db" --subject S01 --site cheek --date 2026-01-05 --no-texture --no-align)

count() { "$SKINQ" track export --csv --store "$T/s.db" | awk -F, 'NR > 1 && $11 == "color.L.mean"' | wc -l; }

run "$SKINQ" "${ADD[@]}" "$T/hs/day00.jpg"
expect_rc 0 "day 0 first"

run "$SKINQ" "${ADD[@]}" "$T/in"
expect_rc 2 "a folder with a duplicate, no options: stops at it" # a duplicate is refused (exit 2)
[ "$(count)" = 1 ] && ok || bad "nothing more stored: $(count) photos"

run "$SKINQ" "${ADD[@]}" --skip-existing "$T/in"
expect_rc 3 "--skip-existing alone: stops at the broken file"
expect_one_line_error "c-broken.jpg"
[ "$(count)" = 1 ] && ok || bad "still 1 photo after stopping: $(count)"

run "$SKINQ" "${ADD[@]}" --skip-existing --keep-going "$T/in"
expect_rc 3 "--skip-existing --keep-going: exit 3 for the broken file"
if grep -q "c-broken.jpg" "$T/err" && grep -q "stored 2 photos" "$T/err" && grep -q "skipped 3 already stored" "$T/err" \
   && grep -q "1 failed" "$T/err"; then ok; else bad "the summary: $(cat "$T/err")"; fi
[ "$(count)" = 3 ] && ok || bad "day 0, 1 and 2 stored once each: $(count)"

run "$SKINQ" "${ADD[@]}" --skip-existing --keep-going "$T/in"
expect_rc 3 "a rerun"
grep -q "stored 0 photos" "$T/err" && grep -q "skipped 5 already stored" "$T/err" && ok || bad "rerun: $(cat "$T/err")"
[ "$(count)" = 3 ] && ok || bad "a rerun stores nothing: $(count)"

run "$SKINQ" "${ADD[@]}" --keep-going "$T/in"
expect_rc 3 "--keep-going without --skip-existing: duplicates are failures, reported"
[ "$(grep -c "already stored" "$T/err")" -ge 5 ] && ok || bad "each duplicate reported: $(cat "$T/err")"
[ "$(count)" = 3 ] && ok || bad "still 3: $(count)"
# analyze A B C --keep-going: the rows it can, the bad one reported, exit 3; without it, nothing
run "$SKINQ" analyze "$T/in/a-day00.jpg" "$T/in/c-broken.jpg" "$T/in/d-day01.jpg" --no-texture --csv
expect_rc 3 "analyze: a broken file among three"
[ ! -s "$T/out" ] && ok || bad "analyze without --keep-going writes nothing"
run "$SKINQ" analyze "$T/in/a-day00.jpg" "$T/in/c-broken.jpg" "$T/in/d-day01.jpg" --no-texture --csv --keep-going
expect_rc 3 "analyze --keep-going"
if [ "$(cut -d, -f1 "$T/out" | sort -u | grep -c day0)" = 2 ] && [ "$(grep -c '^image,' "$T/out")" = 1 ] \
   && grep -q "c-broken.jpg" "$T/err" && grep -q "1 of 3 images failed" "$T/err"; then ok; else
  bad "analyze --keep-going: two images' rows under one header, the broken one reported"; fi
run "$SKINQ" analyze "$T/in/a-day00.jpg" "$T/in/c-broken.jpg" --no-texture --json --keep-going
expect_rc 3 "analyze --keep-going --json"
expect_json_path 0.image.path "$T/in/a-day00.jpg"
# --date exif: each photo's session is its EXIF capture date; a photo without one is reported
# (exit 3) and, with --keep-going, the others are stored
mkdir "$T/exif"
python3 "$SKINQ_SRC/tests/cli/exif_lib.py" "$FX/good.jpg" "$T/exif/a.jpg" MM "2026:03:01 09:15:02" "+01:00"
python3 "$SKINQ_SRC/tests/cli/exif_lib.py" "$FX/good.jpg" "$T/exif/b.jpg" II "2026:03:08 17:40:00" ""
cp "$FX/good.jpg" "$T/exif/c.jpg"
run "$SKINQ" track add --store "$T/e.db" --subject S01 --site arm --date exif --keep-going --no-texture --no-align "$T/exif"
expect_rc 3 "--date exif with a photo that has no capture time"
if grep -q "c.jpg': no EXIF capture time" "$T/err"; then ok; else bad "the photo without a date named"; fi
run "$SKINQ" track export --store "$T/e.db" --json
if python3 -c "
import json; rows=json.load(open('$T/out'))['rows']
assert sorted({r['date'] for r in rows}) == ['2026-03-01', '2026-03-08'] and len({r['session'] for r in rows}) == 2"
then ok; else bad "--date exif: one session per capture date"; fi
run "$SKINQ" track add --store "$T/e.db" --subject S01 --site arm --date yesterday --no-align "$T/exif/a.jpg"
expect_rc 2 "--date that is neither a date nor exif"
finish
