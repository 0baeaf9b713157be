#!/usr/bin/env bash
# The store is never changed by a command that only reads it, nor when it is refused: read
# commands open it read-only (a missing store is an error, not created); a foreign database or a
# newer store is refused with exit 5 naming it and left byte-identical, with no -wal/-shm beside it.
# Names have no length limit: a 300-byte site is one site in track show and the report.
. "$(dirname "$0")/lib.sh"

sum() { sha256sum "$1" | cut -d' ' -f1; }
expect_untouched() { # FILE SHA WHAT
  if [ "$(sum "$1")" = "$2" ] && [ ! -e "$1-wal" ] && [ ! -e "$1-shm" ]; then ok; else bad "$3: '$1' changed (or -wal/-shm made)"; fi
}

# someone else's database (rollback journal), and a store of a newer skinq
python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute('CREATE TABLE recipes(name TEXT)'); db.execute(\"INSERT INTO recipes VALUES('soup')\"); db.commit(); db.close()
db = sqlite3.connect(sys.argv[2]); db.execute('CREATE TABLE schema_version(version INTEGER NOT NULL)'); db.execute('INSERT INTO schema_version VALUES(99)'); db.execute('CREATE TABLE subjects(id INTEGER PRIMARY KEY, name TEXT)'); db.commit(); db.close()
" "$T/foreign.db" "$T/newer.db"
for db in foreign newer; do
  F="$T/$db.db"
  H=$(sum "$F")
  for cmd in "track list" "track show --subject S01" "track export --csv" \
             "trend --subject S01 --site cheek --metric color.a.mean" "report --subject S01 --out $T/r.html" \
             "track add --subject S01 --site cheek --date 2026-01-05 --no-texture $FX/good.png"; do
    # shellcheck disable=SC2086
    run "$SKINQ" $cmd --store "$F"
    expect_rc 5 "$db: $cmd"
    expect_one_line_error "$F"
    expect_untouched "$F" "$H" "$db: $cmd"
  done
  expect_no_file "$T/r.html"
done

# read commands on a missing store: exit 5 naming it, nothing created
for cmd in "track list" "track show --subject S01" "track export --json" \
           "trend --subject S01 --site cheek --metric color.a.mean" "report --subject S01 --out $T/r.html"; do
  # shellcheck disable=SC2086
  run "$SKINQ" $cmd --store "$T/none.db"
  expect_rc 5 "missing store: $cmd"
  expect_one_line_error "$T/none.db"
  if [ ! -e "$T/none.db" ]; then ok; else bad "$cmd created the store"; fi
done

# a 300-byte site name: one site, its two photos on two lines of track show, one report section
SITE=$(python3 -c "print(''.join(chr(97 + i % 26) for i in range(300)))")
DB="$T/s.db"
run "$SKINQ" track add --store "$DB" --subject S01 --site "$SITE" --date 2026-01-05 --no-texture --no-align "$FX/good.png"
expect_rc 0 "track add (long site)"
cp "$FX/good.png" "$T/second.png"
printf 'x' >>"$T/second.png" # another file (another sha256), the same picture
run "$SKINQ" track add --store "$DB" --subject S01 --site "$SITE" --date 2026-01-12 --no-texture --no-align "$T/second.png"
expect_rc 0 "track add (long site, second date)"
H=$(sum "$DB")
run "$SKINQ" track show --store "$DB" --subject S01
expect_rc 0 "track show (long site)"
# the timeline (up to the first blank line; the change summary follows it)
if [ "$(grep -c "^$SITE " "$T/out")" -eq 2 ] && [ "$(sed '/^$/q' "$T/out" | grep -c .)" -eq 3 ]; then ok; else bad "show: one header and 2 lines for the long site"; fi
if grep -qF "  $SITE: first session (2026-01-" "$T/out"; then ok; else bad "show: the long site's change summary names it whole"; fi
run "$SKINQ" report --store "$DB" --subject S01 --out "$T/r.html"
expect_rc 0 "report (long site)"
if [ "$(grep -o '<h2>Site: ' "$T/r.html" | wc -l)" -eq 1 ] && grep -qF "<h2>Site: $SITE</h2>" "$T/r.html"; then ok; else bad "report: one section for the long site"; fi
if [ "$(sum "$DB")" = "$H" ]; then ok; else bad "read commands changed the store"; fi

# a stored unit longer than 15 bytes comes back whole from trend (it was cut to 15)
cp "$FX/good.png" "$T/third.png"
printf 'yy' >>"$T/third.png"
run "$SKINQ" track add --store "$DB" --subject S01 --site "$SITE" --date 2026-01-19 --no-texture --no-align "$T/third.png"
expect_rc 0 "track add (third date)"
UNIT="a-unit-of-forty-bytes-.................."
python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE measurements SET unit = ? WHERE metric = 'color.a.mean'\", (sys.argv[2],)); db.commit(); db.close()
" "$DB" "$UNIT"
run "$SKINQ" trend --store "$DB" --subject S01 --site "$SITE" --metric color.a.mean --json
expect_json_path unit "$UNIT"

finish
