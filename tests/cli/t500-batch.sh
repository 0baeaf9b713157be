#!/usr/bin/env bash
# skinq batch and track import (issue 24): 4 shards of a 40-photo manifest run by GNU parallel give
# exactly the lines of one unsharded run; a shard killed (SIGKILL) mid-write leaves a torn last
# line that the rerun drops, and the rerun completes without duplicates (so does one killed by
# kill -9 from outside); a bad image lands in
# errors.jsonl with its reason and exit class and the others complete; importing twice stores what
# importing once does, and the same as track add; --shard and manifest errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/batch_lib.sh"

make_study "$T/study" bad || { echo "FAIL: make_study"; exit 1; }
M="$T/study/manifest.csv"
B=(batch "$M" --no-texture -q)
nlines() { cat "$@" 2>/dev/null | wc -l | tr -d ' '; }

# one unsharded run: 40 lines, the broken file in errors.jsonl, exit 3
run "$SKINQ" batch "$M" --no-texture --out "$T/one"
expect_rc 3 "unsharded run with a broken image"
[ "$(nlines "$T/one/shard-0-of-1.jsonl")" = 40 ] && ok || bad "40 result lines: $(nlines "$T/one/shard-0-of-1.jsonl")"
if python3 - "$T/one" <<'PY'
import json, sys
d = sys.argv[1]
errs = [json.loads(l) for l in open(f"{d}/shard-0-of-1.errors.jsonl")]
assert len(errs) == 1, errs
e = errs[0]
assert e["manifest"]["image"] == "photos/broken.jpg" and e["manifest"]["line"] == 42, e
assert e["exit"] == 3 and "broken.jpg" in e["error"] and e["subject"] == "S03", e
rows = [json.loads(l) for l in open(f"{d}/shard-0-of-1.jsonl")]
# the analysis JSON plus the manifest's fields
r = rows[1]
assert r["subject"] == "S01" and r["site"] == "left cheek" and r["date"] == "2026-03-03", r["date"]
assert r["label"] == "visit 1, week 0" and r["procedure"] == "laser, 1 pass"
assert len(r["image"]["sha256"]) == 64 and r["color"]["a"]["mean"] > 0 and r["roi"]["pixels"] > 60000
# registered onto the site's first photo, as track add does
assert r["store"]["aligned_to_sha256"] == rows[0]["image"]["sha256"] and r["alignment"]["rms_px"] < 2
assert rows[0]["store"]["aligned_to_sha256"] is None
assert len({x["image"]["sha256"] for x in rows}) == 40
s = json.load(open(f"{d}/shard-0-of-1.summary.json"))
assert (s["rows"], s["analysed"], s["failed"], s["skipped_done"]) == (41, 40, 1, 0), s
assert s["images_per_second"] > 0 and s["seconds"] > 0
PY
then ok; else bad "unsharded results, errors and summary"; fi
grep -q "manifest line 42: .*broken.jpg" "$T/err" && ok || bad "the failure on stderr: $(cat "$T/err")"

# 4 shards over GNU parallel: the same lines
export SKINQ
run parallel --will-cite -j 2 "$SKINQ" "${B[@]}" --out "$T/par" --shard {}/4 ::: 0 1 2 3
[ "$rc" = 1 ] && ok || bad "parallel: one shard (the broken file's) exits non-zero, got $rc"
if [ "$(sorted_lines "$T"/par/shard-*-of-4.jsonl | sha256sum)" = "$(sorted_lines "$T/one/shard-0-of-1.jsonl" | sha256sum)" ]; then
  ok; else bad "4 shards' lines differ from the unsharded run's"; fi
[ "$(nlines "$T"/par/shard-*-of-4.errors.jsonl)" = 1 ] && ok || bad "one error line over the shards"
python3 -c "
import json,glob
s=[json.load(open(f)) for f in glob.glob('$T/par/*.summary.json')]
assert sorted(x['shard'] for x in s)==[0,1,2,3] and sum(x['rows'] for x in s)==41 and sum(x['analysed'] for x in s)==40
assert all(x['rows'] > 0 for x in s)" && ok || bad "shard summaries"

# a shard killed mid-write (the test hook writes half of its 4th line, then SIGKILL), then rerun
big=$(for k in 0 1 2 3; do echo "$(nlines "$T/par/shard-$k-of-4.jsonl") $k"; done | sort -n | tail -1 | cut -d' ' -f2)
SKINQ_TEST_BATCH_KILL_AT=3 "$SKINQ" "${B[@]}" --out "$T/kill" --shard "$big/4" >/dev/null 2>&1
rc=$?
[ "$rc" = 137 ] && ok || bad "killed run: exit $rc, expected 137 (SIGKILL)"
[ "$(nlines "$T/kill/shard-$big-of-4.jsonl")" = 3 ] && [ -n "$(tail -c 1 "$T/kill/shard-$big-of-4.jsonl")" ] && ok ||
  bad "the killed run leaves 3 whole lines and a torn 4th"
run "$SKINQ" batch "$M" --no-texture --out "$T/kill" --shard "$big/4"
grep -q "partial line (a killed run): dropped" "$T/err" && ok || bad "rerun says it dropped the torn line: $(cat "$T/err")"
grep -q "3 already done" "$T/err" && ok || bad "rerun skips the 3 done photos: $(cat "$T/err")"
if [ "$(sorted_lines "$T/kill/shard-$big-of-4.jsonl" | sha256sum)" = "$(sorted_lines "$T/par/shard-$big-of-4.jsonl" | sha256sum)" ]; then
  ok; else bad "killed + rerun shard differs from the uninterrupted one"; fi
[ "$(cut -d, -f1-3 "$T/kill/shard-$big-of-4.jsonl" | sort | uniq -d | wc -l)" = 0 ] && ok || bad "no duplicate lines"
run "$SKINQ" "${B[@]}" --out "$T/kill" --shard "$big/4"
[ "$(nlines "$T/kill/shard-$big-of-4.jsonl")" = "$(nlines "$T/par/shard-$big-of-4.jsonl")" ] && ok || bad "a third run adds nothing"

# killed from outside (kill -9 once 2 lines are written), then rerun: the same lines, none twice
"$SKINQ" "${B[@]}" --out "$T/kill9" --shard "$big/4" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do [ "$(nlines "$T/kill9/shard-$big-of-4.jsonl")" -ge 2 ] && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
run "$SKINQ" "${B[@]}" --out "$T/kill9" --shard "$big/4"
if [ "$(sorted_lines "$T/kill9/shard-$big-of-4.jsonl" | sha256sum)" = "$(sorted_lines "$T/par/shard-$big-of-4.jsonl" | sha256sum)" ]; then
  ok; else bad "kill -9 + rerun differs from the uninterrupted shard"; fi

# import: twice = once, the errors files and a torn line skipped, the same as the unsharded run's
exp() { "$SKINQ" track export --csv --store "$1" | cut -d, -f1-2,4-; }
run "$SKINQ" track import --store "$T/s.db" "$T"/par/*.jsonl
expect_rc 0 "import the shards"
exp "$T/s.db" >"$T/once.csv"
[ "$(grep -c ',color.L.mean,' "$T/once.csv")" = 40 ] && ok || bad "40 photos stored"
run "$SKINQ" track import --store "$T/s.db" "$T"/par/*.jsonl
expect_rc 0 "import again"
[ "$(grep -o 'skipped [0-9]*' "$T/err" | awk '{s+=$2} END {print s}')" = 40 ] && ok || bad "import again skips 40: $(cat "$T/err")"
exp "$T/s.db" | cmp -s - "$T/once.csv" && ok || bad "import twice = import once"
run "$SKINQ" track import --store "$T/u.db" "$T/one/shard-0-of-1.jsonl"
exp "$T/u.db" | cmp -s - "$T/once.csv" && ok || bad "sharded import = unsharded import"
head -c -200 "$T/one/shard-0-of-1.jsonl" >"$T/torn.jsonl"
run "$SKINQ" track import --store "$T/torn.db" "$T/torn.jsonl"
expect_rc 0 "import a torn file"
grep -q "stored 39 photos, skipped 0 already stored; dropped a partial last line" "$T/err" && ok || bad "torn: $(cat "$T/err")"
{ head -n 39 "$T/torn.jsonl"; printf '{"not": "a result"}\n'; } >"$T/torn2.jsonl"
run "$SKINQ" track import --store "$T/torn2.db" "$T/torn2.jsonl"
expect_rc 3 "a line that is not a result"
grep -q "torn2.jsonl' line 40: not a 'skinq batch' result" "$T/err" && ok || bad "names the line: $(cat "$T/err")"
[ ! -s "$T/torn2.db" ] || [ "$("$SKINQ" track export --csv --store "$T/torn2.db" | wc -l)" = 1 ] && ok || bad "nothing of that file stored"

# the same numbers as track add, photo by photo (S01's four sessions)
for day in 0 1 2 3; do
  proc=(); [ "$day" = 1 ] && proc=(--procedure "laser, 1 pass")
  "$SKINQ" track add --store "$T/add.db" --subject S01 --site "left cheek" --date "2026-03-0$((day + 2))" \
    --label "visit $day, week 0" "${proc[@]}" --no-texture -q "$T/study/photos/s1/day0$day.jpg" || bad "track add day $day"
done
if [ "$(exp "$T/add.db")" = "$("$SKINQ" track export --csv --store "$T/s.db" --subject S01 | cut -d, -f1-2,4-)" ]; then
  ok; else bad "import stores what track add stores"; fi

# --shard
run "$SKINQ" "${B[@]}" --out "$T/x" --shard auto
expect_rc 2 "--shard auto without Slurm or Kubernetes"
grep -q "SLURM_ARRAY_TASK_ID" "$T/err" && ok || bad "says which variables: $(cat "$T/err")"
run env JOB_COMPLETION_INDEX=2 "$SKINQ" "${B[@]}" --out "$T/k8s" --shard auto/4
cmp -s "$T/k8s/shard-2-of-4.jsonl" "$T/par/shard-2-of-4.jsonl" && ok || bad "JOB_COMPLETION_INDEX=2, auto/4 = shard 2/4"
run "$SKINQ" "${B[@]}" --out "$T/x" --shard 4/4
expect_rc 2 "--shard 4/4 (0-based)"
# a row's own bad value (a date, a roi) is that row's failure, exit class 2; the good row completes
printf 'subject,site,date,image,roi\nS01,c,2026-02-30,photos/s1/day00.jpg,\nS02,c,2026-02-03,photos/s2/day00.jpg,"10,10,50,40"\n' >"$T/study/rows.csv"
run "$SKINQ" batch "$T/study/rows.csv" --out "$T/rows" --no-texture
expect_rc 3 "a bad row among good ones: exit 3 at the end"
if python3 - "$T/rows" <<'PY'
import json, sys
errs = [json.loads(l) for l in open(f"{sys.argv[1]}/shard-0-of-1.errors.jsonl")]
assert [e["manifest"]["line"] for e in errs] == [2] and errs[0]["exit"] == 2 and "2026-02-30" in errs[0]["error"], errs
rows = [json.loads(l) for l in open(f"{sys.argv[1]}/shard-0-of-1.jsonl")]
assert [r["subject"] for r in rows] == ["S02"] and rows[0]["roi"]["bbox"] == [10, 10, 50, 40], rows
PY
then ok; else bad "row failures: $(cat "$T/err")"; fi
# a bad manifest: one line naming it and the line, exit 3, no results
printf 'subject,site,date,image\nS01,cheek,2026-01-01\n' >"$T/bad.csv"
run "$SKINQ" batch "$T/bad.csv" --out "$T/bad"
expect_rc 3 "a manifest row with 3 fields"
expect_one_line_error "bad.csv"
grep -q "line 2: 3 fields, the header has 4" "$T/err" && ok || bad "names the line"
finish
