#!/usr/bin/env bash
# Corrections (issue 19, part 3): `track sessions` gives each session's id, `track edit` moves a
# session's date and procedure (show, export and trend see the new cycles and days), `track
# remove` takes a session with its rows away, `track history` keeps the old values of both; a
# collision, an unknown id and a bad date are refused (exit 3) with the store unchanged, and a
# read-only store (a 0444 copy) is refused with exit 5, byte-identical afterwards.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 320 --height 240 -q
expect_rc 0 "synth"
S="$T/s.db"
add() { # DATE PHOTO [options]
  local d=$1 p=$2; shift 2
  run "$SKINQ" track add -q --store "$S" --subject S01 --site cheek --date "$d" --no-texture "$@" "$T/hs/$p.jpg"
  expect_rc 0 "track add $d"
}
add 2026-01-01 day00
add 2026-01-02 day01 --procedure laser
add 2026-01-03 day02
add 2026-01-04 day03
add 2026-01-06 day05

# id of the session on DATE (from `track sessions --json`)
sid() { "$SKINQ" track sessions --json --subject S01 --store "$S" |
  python3 -c "import json,sys; print([s['session'] for s in json.load(sys.stdin)['sessions'] if s['date']=='$1'][0])"; }

run "$SKINQ" track sessions --subject S01 --store "$S" --json
expect_rc 0 "sessions --json"
check "len(doc['sessions']) == 5 and [s['cycle'] for s in doc['sessions']] == [0, 1, 1, 1, 1]"
check "[s['day'] for s in doc['sessions']] == [-1, 0, 1, 2, 4] and all(s['images'] == 1 for s in doc['sessions'])"
check "doc['sessions'][1]['procedure'] == 'laser' and doc['sessions'][0]['procedure'] == ''"
run "$SKINQ" track sessions --subject S01 --store "$S"
expect_rc 0 "sessions (text)"
expect_out_contains "laser"
run "$SKINQ" track sessions --subject S02 --store "$S"
expect_rc 4 "sessions of an unknown subject"
expect_one_line_error "subjects in the store: S01"

S3=$(sid 2026-01-03) S4=$(sid 2026-01-04) S6=$(sid 2026-01-06) S1=$(sid 2026-01-01)
"$SKINQ" track export --csv --store "$S" >"$T/before.csv"
SHA1=$(python3 -c "import csv,sys; print(next(r['sha256'] for r in csv.DictReader(open(sys.argv[1])) if r['date'] == '2026-01-01'))" "$T/before.csv")

# edit: the session of Jan 3 moves to Jan 10, the one of Jan 4 gets a procedure (a second cycle)
run "$SKINQ" track edit --store "$S" --session "$S3" --date 2026-01-10
expect_rc 0 "edit the date"
expect_out_contains "date: 2026-01-03 -> 2026-01-10"
run "$SKINQ" track edit --store "$S" --session "$S4" --procedure "laser 2"
expect_rc 0 "edit the procedure"
run "$SKINQ" track sessions --subject S01 --store "$S" --json
check "[(s['date'], s['day'], s['cycle'], s['cycle_day']) for s in doc['sessions']] == \
[('2026-01-01', -1, 0, -1), ('2026-01-02', 0, 1, 0), ('2026-01-04', 2, 2, 0), ('2026-01-06', 4, 2, 2), ('2026-01-10', 8, 2, 6)]"
run "$SKINQ" track show --subject S01 --store "$S"
expect_rc 0 "show after the edit"
if grep -q "2026-01-10" "$T/out" && ! grep -q "2026-01-03" "$T/out"; then ok; else bad "show: the date moved"; fi
run "$SKINQ" trend --subject S01 --site cheek --metric color.a.mean --json --store "$S"
expect_rc 0 "trend after the edit"
check "doc['procedures'] == 2 and [(p['date'], p['cycle'], p['cycle_day']) for p in doc['points']][-1] == ('2026-01-10', 2, 6)"

# refused changes leave the store as it was
"$SKINQ" track export --csv --store "$S" >"$T/edited.csv"
run "$SKINQ" track edit --store "$S" --session "$S6" --date 2026-01-10
expect_rc 3 "a collision"
expect_one_line_error "session $S3"
run "$SKINQ" track edit --store "$S" --session 999 --label x
expect_rc 3 "an unknown session"
expect_one_line_error "no session 999"
run "$SKINQ" track edit --store "$S" --session "$S6" --date 2026-02-30
expect_rc 3 "a bad date"
expect_one_line_error "2026-02-30"
run "$SKINQ" track edit --store "$S" --session "$S6"
expect_rc 2 "nothing to change"
run "$SKINQ" track remove --store "$S"
expect_rc 2 "remove without --session"
"$SKINQ" track export --csv --store "$S" >"$T/after.csv"
cmp -s "$T/edited.csv" "$T/after.csv" && ok || bad "a refused change altered the store"
run "$SKINQ" track history --store "$S" --json
check "len(doc['audit']) == 2" # the refusals wrote nothing

# remove the first session (later photos were registered onto its photo)
run "$SKINQ" track remove --store "$S" --session "$S1" --reason "wrong subject"
expect_rc 0 "remove"
"$SKINQ" track export --csv --store "$S" >"$T/removed.csv"
if ! grep -q ",2026-01-01," "$T/removed.csv" && [ "$(grep -c ",2026-01-02," "$T/removed.csv")" -gt 0 ]; then ok; else
  bad "export: the removed session's rows are gone, the others stay"; fi
run "$SKINQ" track remove --store "$S" --session "$S1"
expect_rc 3 "remove it again"
expect_one_line_error "no session $S1"

run "$SKINQ" track history --subject S01 --site cheek --store "$S" --json
expect_rc 0 "history --json"
check "[(a['action'], a['field'], a['old_value'], a['new_value']) for a in doc['audit'][:2]] == \
[('edit', 'date', '2026-01-03', '2026-01-10'), ('edit', 'procedure', None, 'laser 2')]"
check "doc['audit'][2]['session'] == $S1 and json.loads(doc['audit'][2]['old_value']) == \
{'date': '2026-01-01', 'time': '', 'label': '', 'procedure': None, 'images': [{'path': '$T/hs/day00.jpg', 'sha256': '$SHA1'}]}"
check "(doc['audit'][3]['field'], doc['audit'][3]['new_value']) == ('reason', 'wrong subject') and len(doc['audit']) == 4"
run "$SKINQ" track history --store "$S"
expect_out_contains "reason: (none) -> wrong subject"

# a read-only copy: refused with exit 5, the file unchanged
cp "$S" "$T/ro.db"
chmod 0444 "$T/ro.db"
cp "$T/ro.db" "$T/ro-orig.db"
run "$SKINQ" track remove --store "$T/ro.db" --session "$S6"
expect_rc 5 "remove from a read-only store"
expect_one_line_error "ro.db"
run "$SKINQ" track edit --store "$T/ro.db" --session "$S6" --label x
expect_rc 5 "edit a read-only store"
expect_one_line_error "ro.db"
cmp -s "$T/ro.db" "$T/ro-orig.db" && ok || bad "the read-only store changed"
run "$SKINQ" track sessions --subject S01 --store "$T/ro.db"
expect_rc 0 "sessions of a read-only store"
run "$SKINQ" track remove --store "$T/none.db" --session 1
expect_rc 5 "no store"
expect_no_file "$T/none.db"
finish
