#!/usr/bin/env bash
# skinq track add/list/show/export on the healing-series phantom: every session stored, a
# folder as input, duplicates refused, the export round trip equal to analyze's numbers, and
# the trend of the hemoglobin excess (from day 1, after the procedure) within 20 % of the true tau.
. "$(dirname "$0")/lib.sh"

P="$T/phantom"
run "$SKINQ" synth --kind healing-series --out "$P" --width 600 --height 450
expect_rc 0 "synth"
REF=$(python3 -c "import json;print(','.join(map(str,json.load(open('$P/truth.json'))['reference_rect'])))")
TAU=$(python3 -c "import json;print(json.load(open('$P/truth.json'))['tau_days'])")
DB="$T/s.db"
OPTS=(--store "$DB" --subject S01 --site cheek --mask "$P/mask.png" --ref "$REF" --px-per-mm 6 --no-texture)
for d in 00 01 02 03 05 07 14 28 42; do
  date=$(python3 -c "import datetime;print(datetime.date(2026,1,5)+datetime.timedelta(days=int('$d')))")
  run "$SKINQ" track add "${OPTS[@]}" --date "$date" --procedure "$([ $d = 01 ] && echo 'microneedling 1.5 mm')" \
      "$P/day$d.jpg"
  expect_rc 0 "track add day $d"
done
run "$SKINQ" track add "${OPTS[@]}" --date 2026-01-06 "$P/day01.jpg"
expect_rc 2 "the same photo twice in one session"
expect_one_line_error "day01.jpg"

run "$SKINQ" track list --store "$DB"
expect_rc 0 "track list"
if grep -Eq 'S01 +cheek +9 +9 +2026-01-05 +2026-02-16' "$T/out"; then ok; else bad "list: 9 sessions, dates"; fi
cp "$DB" "$T/other.db"
# a photo that cannot be registered onto the site's reference is refused, the store left as it was
cp "$T/other.db" "$T/before.db"
run "$SKINQ" track add --store "$T/other.db" --subject S01 --site cheek --date 2026-01-07 "$FX/good.png"
expect_rc 4 "a photo that cannot be registered is refused"
expect_one_line_error "cannot be registered onto the site's reference photo"
if cmp -s "$T/other.db" "$T/before.db"; then ok; else bad "refused photo: store changed"; fi
run "$SKINQ" track show --store "$DB" --subject S01 --site cheek
expect_rc 0 "track show"
if [ "$(grep -c '^cheek ' "$T/out")" -eq 9 ] && grep -q 'day42.jpg' "$T/out"; then ok; else bad "show: 9 lines"; fi

# export round trip: the stored numbers of a later photo are compare's "after" numbers (it was
# registered onto the first photo, on whose frame the mask and reference are given)
run "$SKINQ" track export --store "$DB" --json --subject S01
expect_rc 0 "export --json"
cp "$T/out" "$T/export.json"
run "$SKINQ" compare --json --mask "$P/mask.png" --ref "$REF" --px-per-mm 6 --no-texture "$P/day00.jpg" "$P/day07.jpg"
expect_rc 0 "compare day 0 and day 7"
if python3 - "$T/export.json" "$T/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))['rows']
an = json.load(open(sys.argv[2]))['after']
day7 = {r['metric']: r['value'] for r in rows if r['date'] == '2026-01-12'}
assert len(day7) > 50, len(day7)
for path in ['color.a.mean', 'color.hemoglobin.p50', 'color.erythema_index.delta_ref', 'color.red_area_mm2']:
    cur = an
    for k in path.split('.'): cur = cur[k]
    assert abs(day7[path] - cur) <= 1e-9 * max(1, abs(cur)), (path, day7[path], cur)
assert len({r['day'] for r in rows}) == 9
assert 'alignment.rms_px' in day7 and day7['alignment.rms_px'] < 3, day7.get('alignment.rms_px')
assert not any(r['metric'] == 'alignment.rms_px' for r in rows if r['date'] == '2026-01-05')
PY
then ok; else bad "export round trip"; fi
run "$SKINQ" track export --store "$DB" --csv
expect_rc 0 "export --csv"
if head -1 "$T/out" | grep -qx 'subject,site,session,date,time,label,procedure,cycle,day,cycle_day,metric,value,unit,image,sha256' &&
   [ "$(grep -c ',color.a.mean,' "$T/out")" -eq 9 ]; then ok; else bad "CSV export"; fi

# --no-align measures a photo as it is: then it equals analyze
run "$SKINQ" track add --store "$T/other.db" --subject S01 --site cheek --date 2026-03-01 --no-align --mask "$P/mask.png" \
    --ref "$REF" --px-per-mm 6 --no-texture "$P/day07.jpg"
expect_rc 0 "track add --no-align"
run "$SKINQ" track export --store "$T/other.db" --json --subject S01 --site cheek
cp "$T/out" "$T/export2.json"
run "$SKINQ" analyze --json --mask "$P/mask.png" --ref "$REF" --px-per-mm 6 --no-texture "$P/day07.jpg"
if python3 - "$T/export2.json" "$T/out" <<'PY'
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))['rows'] if r['date'] == '2026-03-01']
an = json.load(open(sys.argv[2]))
v = {r['metric']: r['value'] for r in rows}
assert abs(v['color.a.mean'] - an['color']['a']['mean']) < 1e-9 and 'alignment.rms_px' not in v
PY
then ok; else bad "--no-align round trip"; fi

# a folder of photos as one session of another site
mkdir "$T/batch" && cp "$P/day00.jpg" "$P/day42.jpg" "$T/batch/"
run "$SKINQ" track add --store "$DB" --subject S01 --site forehead --date 2026-03-01 --no-texture "$T/batch"
expect_rc 0 "track add a folder"
run "$SKINQ" track list --store "$DB" --subject S01
if grep -Eq 'S01 +forehead +1 +2' "$T/out"; then ok; else bad "folder: 2 images in one session"; fi

# the healing fit of the hemoglobin excess over reference skin, after the procedure
run "$SKINQ" trend --store "$DB" --subject S01 --site cheek --metric color.hemoglobin.delta_ref --json
expect_rc 0 "trend"
if python3 -c "
import json,sys; f=json.load(open('$T/out'))['fit']; tau=float('$TAU')
print('fitted tau', f['tau_days'], 'true', tau, file=sys.stderr)
sys.exit(0 if abs(f['tau_days']-tau) <= 0.2*tau else 1)"; then ok; else bad "tau within 20 % of the truth"; fi

# the day-1 session carries the procedure note (the first photo after it): day 0 is the baseline at
# course day -1, the cycle runs from the day-1 session, and --from-day/--to-day override it
run "$SKINQ" trend --store "$DB" --subject S01 --site cheek --metric color.hemoglobin.delta_ref --json
expect_rc 0 "trend after the baseline"
expect_json_path points.0.day -1
expect_json_path points.0.cycle 0
expect_json_path points.1.cycle_day 0
expect_json_path baseline.n 1
expect_json_path cycles.0.n 8
run "$SKINQ" trend --store "$DB" --subject S01 --site cheek --metric color.hemoglobin.delta_ref --json \
    --from-day 0 --to-day 13
expect_rc 0 "trend over a window of course days"
expect_json_path cycles.0.n 6
if python3 -c "
import json,sys; f=json.load(open('$T/out'))['fit']; tau=float('$TAU')
sys.exit(0 if abs(f['tau_days']-tau) <= 0.2*tau else 1)"; then ok; else bad "window: tau within 20 %"; fi

run "$SKINQ" track show --store "$DB" --subject nobody
expect_rc 4 "unknown subject"
run "$SKINQ" track list --store "$T/missing.db"
expect_rc 5 "missing store"
if [ ! -e "$T/missing.db" ]; then ok; else bad "a query must not create a store"; fi
run "$SKINQ" track add --store "$DB" --subject S01 --site cheek --date 2026-02-30 "$P/day00.jpg"
expect_rc 2 "impossible date"
run "$SKINQ" track frobnicate
expect_rc 2 "unknown action"
finish
