#!/usr/bin/env bash
# The session store on PostgreSQL (issue 24, part 3), on a throwaway cluster (pg.sh): track add,
# show, sessions, trend and report as with SQLite; a duplicate photo and a conflicting scale are
# refused with nothing stored; corrections write their audit; readers need only SELECT rights
# (read-only access writes nothing: an empty database stays empty); 4 concurrent writers × 25 adds
# into the same 5 sessions lose nothing and make no duplicate session; a writer SIGKILLed
# mid-transaction leaves no half session; test_store's server-side tests pass; a server that is not there, a bad URL and a wrong
# password are one line naming the store (never the password) and exit 5.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --width 320 --height 240 -q
expect_rc 0 "synth"
pg_createdb s1
S=$(pg_url s1)
A=(track add -q --store "$S" --subject S01 --site cheek --no-texture --no-align)
run "$SKINQ" "${A[@]}" --date 2026-01-01 --px-per-mm 6 "$T/hs/day00.jpg"
expect_rc 0 "first add (creates the schema)"
run "$SKINQ" "${A[@]}" --date 2026-01-02 --procedure laser "$T/hs/day01.jpg"
expect_rc 0 "second add"
SKINQ_STORE="$S" run "$SKINQ" track add -q --subject S01 --site cheek --no-texture --no-align \
  --date 2026-01-03T10:30 "$T/hs/day02.jpg" # the store from $SKINQ_STORE
expect_rc 0 "add through \$SKINQ_STORE"
[ "$(pg_sql s1 'SELECT version FROM schema_version')" = 3 ] && ok || bad "schema version 3"
n_meas=$(pg_sql s1 'SELECT count(*) FROM measurements')
[ "$n_meas" -gt 30 ] && ok || bad "measurements stored ($n_meas)"

# the same photo in the same session: refused, nothing added
run "$SKINQ" "${A[@]}" --date 2026-01-02 "$T/hs/day01.jpg"
expect_rc 2 "duplicate photo"
grep -q "already stored" "$T/err" && ok || bad "duplicate: says already stored"
[ "$(pg_sql s1 'SELECT count(*) FROM measurements')" = "$n_meas" ] && ok || bad "duplicate: nothing added"
# one scale per site
run "$SKINQ" "${A[@]}" --date 2026-01-04 --px-per-mm 7 "$T/hs/day03.jpg"
expect_rc 2 "conflicting scale"
[ "$(pg_sql s1 'SELECT count(*) FROM sessions')" = 3 ] && ok || bad "conflicting scale: no session made"

# reading: the same timeline as SQLite (days from the procedure, the time of day counted)
run "$SKINQ" track sessions --store "$S" --subject S01 --json
expect_rc 0 "sessions"
check "[s['day'] for s in doc['sessions']] == [-1, 0, 1 + 10.5/24] and [s['cycle'] for s in doc['sessions']] == [0, 1, 1]"
run "$SKINQ" trend --store "$S" --subject S01 --site cheek --metric color.a.mean --json
expect_rc 4 "trend of a 2-session cycle"
grep -q "got 2" "$T/err" && ok || bad "trend: the laser cycle has 2 points"
run "$SKINQ" report --store "$S" --subject S01 --out "$T/r.html"
expect_rc 0 "report"
[ -s "$T/r.html" ] && ok || bad "report written"

# corrections and their audit
sid=$(pg_sql s1 "SELECT id FROM sessions WHERE date = '2026-01-01'")
run "$SKINQ" track edit --store "$S" --session "$sid" --label before
expect_rc 0 "edit"
run "$SKINQ" track remove --store "$S" --session "$sid" --reason "wrong patient"
expect_rc 0 "remove"
run "$SKINQ" track history --store "$S" --json
expect_rc 0 "history"
check "[(a['action'], a['field']) for a in doc['audit']] == [('edit', 'label'), ('remove', 'session'), ('remove', 'reason')]"
check "json.loads(doc['audit'][1]['old_value'])['label'] == 'before' and json.loads(doc['audit'][1]['old_value'])['images'][0]['path'].endswith('day00.jpg')"
[ "$(pg_sql s1 "SELECT count(*) FROM sessions WHERE id = $sid")" = 0 ] && ok || bad "removed session gone"
[ "$(pg_sql s1 "SELECT count(*) FROM images i LEFT JOIN sessions s ON s.id = i.session_id WHERE s.id IS NULL")" = 0 ] &&
  ok || bad "its images cascade"

# readers: a role with SELECT only reads everything; writing through a read-only open is refused
pg_sql s1 "CREATE ROLE reader LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader"
R=$(pg_url s1 reader)
run "$SKINQ" track show --store "$R" --subject S01 --site cheek
expect_rc 0 "show with SELECT rights only"
run "$SKINQ" report --store "$R" --subject S01 --out "$T/r2.html"
expect_rc 0 "report with SELECT rights only"
pg_createdb empty
run "$SKINQ" track list --store "$(pg_url empty)"
expect_rc 5 "an empty database is not a store"
[ "$(pg_sql empty "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ] &&
  ok || bad "reading an empty database created nothing"

# 4 writers at once, 25 adds each (5 track adds of 5 photos), all into the same 5 sessions
python3 - "$T/hs/day05.jpg" "$T/many" <<'PY'
import os, sys
src = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2])
for w in range(4):
    for d in range(5):
        os.makedirs(f"{sys.argv[2]}/w{w}d{d}")
        for k in range(5):  # a JPEG comment makes each file a different photo (sha256)
            c = f"w{w} d{d} k{k}".encode()
            with open(f"{sys.argv[2]}/w{w}d{d}/p{k}.jpg", "wb") as f:
                f.write(src[:2] + b"\xff\xfe" + (len(c) + 2).to_bytes(2, "big") + c + src[2:])
PY
pg_createdb conc
C=$(pg_url conc)
for w in 0 1 2 3; do
  (for d in 0 1 2 3 4; do
    "$SKINQ" track add -q --store "$C" --subject P --site arm --no-texture --no-align --date "2026-02-0$((d + 1))" \
      "$T/many/w${w}d${d}" || echo "writer $w day $d: exit $?"
  done) >"$T/w$w.log" 2>&1 &
done
wait
cat "$T"/w?.log
[ ! -s "$T/w0.log" ] && [ ! -s "$T/w1.log" ] && [ ! -s "$T/w2.log" ] && [ ! -s "$T/w3.log" ] && ok ||
  bad "a concurrent writer failed"
[ "$(pg_sql conc 'SELECT count(*) FROM images')" = 100 ] && ok || bad "100 photos stored ($(pg_sql conc 'SELECT count(*) FROM images'))"
[ "$(pg_sql conc 'SELECT count(*) FROM sessions')" = 5 ] && ok || bad "5 sessions, no duplicate ($(pg_sql conc 'SELECT count(*) FROM sessions'))"
[ "$(pg_sql conc 'SELECT count(*) FROM subjects') $(pg_sql conc 'SELECT count(*) FROM sites')" = "1 1" ] && ok ||
  bad "one subject, one site"
per=$(pg_sql conc 'SELECT count(DISTINCT n) FROM (SELECT count(*) n FROM measurements GROUP BY image_id) x')
[ "$per" = 1 ] && ok || bad "every photo has the same number of measurements"

# a writer killed mid-transaction (the store's kill hook: SIGKILL before its 5th measurement row)
before=$(pg_sql conc 'SELECT count(*) FROM images'),$(pg_sql conc 'SELECT count(*) FROM measurements')
SKINQ_TEST_STORE_KILL_AT=4 run "$SKINQ" track add -q --store "$C" --subject P --site arm --no-texture --no-align \
  --date 2026-03-01 "$T/hs/day07.jpg"
expect_rc 137 "killed writer"
after=$(pg_sql conc 'SELECT count(*) FROM images'),$(pg_sql conc 'SELECT count(*) FROM measurements')
[ "$before" = "$after" ] && ok || bad "killed writer left rows ($before -> $after)"
[ "$(pg_sql conc "SELECT count(*) FROM sessions WHERE date = '2026-03-01'")" = 0 ] && ok || bad "killed writer left a half session"
run "$SKINQ" track add -q --store "$C" --subject P --site arm --no-texture --no-align --date 2026-03-01 "$T/hs/day07.jpg"
expect_rc 0 "the store takes adds after a killed writer (its lock went with it)"

# the store unit tests that are not about SQLite files, on PostgreSQL (tests/unit/test_store.c):
# round trip, repeatability, corrections and their audit (the same JSON text), duplicates, 4
# concurrent writers racing for one subject's sessions, killed writers (SIGKILL and the kill hook)
TS="$(dirname "$SKINQ")/tests/test_store"
SKINQ_TEST_PG="$(pg_url %s)" run "$TS"
expect_rc 0 "test_store on PostgreSQL"
cat "$T/out" "$T/err" | grep -q "PASSED  \] 7 test" && ok || bad "test_store: 7 tests passed on PostgreSQL"

# failures: one line naming the store without its password, exit 5
pg_sql s1 "CREATE ROLE alice LOGIN PASSWORD 'right-pw'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO alice"
for url in "postgresql://alice:s3cret-pw@/s1?host=$PGD&port=$PGPORT" \
  "postgresql://alice:s3cret-pw@/s1?host=$T/nowhere&port=$PGPORT" \
  "postgres://alice:s3cret-pw@[bad" "host=$PGD port=$PGPORT dbname=s1 user=alice password=s3cret-pw"; do
  run "$SKINQ" track list --store "$url"
  expect_rc 5 "$url"
  [ "$(wc -l <"$T/err")" = 1 ] && grep -q "store '.*alice" "$T/err" && ok || bad "one line naming the store: $url"
  grep -q "s3cret-pw" "$T/err" && bad "the password is shown: $url" || ok
done
grep -q "password authentication failed" "$T/err" && ok || bad "says the password was refused"
# the right password works, and the add's summary names the store without it
run "$SKINQ" track list --store "postgresql://alice:right-pw@/s1?host=$PGD&port=$PGPORT"
expect_rc 0 "the right password"
pg_sql s1 "GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO alice; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO alice"
run "$SKINQ" track add --store "postgresql://alice:right-pw@/s1?host=$PGD&port=$PGPORT" --subject S02 --site arm \
  --date 2026-01-01 --no-texture "$T/hs/day00.jpg"
expect_rc 0 "add with a password"
grep -q "stored 1 photo for S02/arm on 2026-01-01 in postgresql://alice@/s1" "$T/err" && ok || bad "summary names the store"
grep -q "right-pw" "$T/err" && bad "the summary shows the password" || ok
# track import (issue 24 part 1) into PostgreSQL: a batch's JSON lines imported twice are stored
# once (one transaction per file, duplicates skipped), and the store equals a SQLite import
{
  echo "subject,site,date,image"
  for d in 0 1 2 3; do echo "S09,forearm,2026-03-1$d,$T/hs/day0$d.jpg"; done
} >"$T/man.csv"
run "$SKINQ" batch "$T/man.csv" --no-texture --out "$T/batch" -q
expect_rc 0 "batch of 4"
pg_createdb imp
for i in 1 2; do
  run "$SKINQ" track import -q --store "$(pg_url imp)" "$T"/batch/*.jsonl
  expect_rc 0 "track import into PostgreSQL ($i)"
done
run "$SKINQ" track import -q --store "$T/imp.db" "$T"/batch/*.jsonl
expect_rc 0 "track import into SQLite"
[ "$(pg_sql imp 'SELECT count(*) FROM images')" = 4 ] && ok || bad "4 photos after two imports"
"$SKINQ" track export --json --store "$(pg_url imp)" >"$T/exp-pg.json" 2>/dev/null
"$SKINQ" track export --json --store "$T/imp.db" >"$T/exp-sq.json" 2>/dev/null
python3 - "$T/exp-pg.json" "$T/exp-sq.json" <<'PY' && ok || bad "PostgreSQL import = SQLite import"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
drop = ("session_id", "image_id", "id", "added", "created")
def norm(x):
    if isinstance(x, dict): return {k: norm(v) for k, v in x.items() if k not in drop}
    if isinstance(x, list): return [norm(v) for v in x]
    return x
assert norm(a) == norm(b) and len(json.dumps(a)) > 1000, (len(json.dumps(a)), len(json.dumps(b)))
PY
finish
