#!/usr/bin/env bash
# A treatment course tracked the way a clinic works (issue 19): the course phantom (a baseline a
# week before, three procedures 28 days apart, photos right after each and on days 1, 2, 3, 7, 14)
# stored with --procedure on each procedure session and nothing else that steers the fit: `trend`
# recovers each cycle's tau within 35 % of truth.json's and reports the baseline; the report shows
# the same numbers; --cycle picks one; the single-procedure series with a baseline a week before
# gives tau within 25 % by default; a session's time of day orders two sessions on one date.
. "$(dirname "$0")/lib.sh"

# track DIR DB: every photo of a phantom into a store, --procedure where truth.json says one was done
track() {
  python3 - "$1" "$2" "$SKINQ" <<'PY'
import json, subprocess, sys
d, db, skinq = sys.argv[1:4]
t = json.load(open(f"{d}/truth.json"))
ref = ",".join(map(str, t["reference_rect"]))
for im in t["images"]:
    cmd = [skinq, "track", "add", "-q", "--store", db, "--subject", "P1", "--site", "cheek",
           "--date", im["date"], "--mask", f"{d}/mask.png", "--ref", ref, "--no-texture"]
    if im["procedure"]:
        cmd += ["--procedure", "microneedling 1.5 mm"]
    r = subprocess.run(cmd + [f"{d}/{im['file']}"], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"track add {im['file']}: {r.returncode} {r.stderr}")
PY
}

run "$SKINQ" synth --kind course --out "$T/course" --width 600 --height 450 -q
expect_rc 0 "synth course"
if track "$T/course" "$T/c.db"; then ok; else bad "track the course"; fi
M=color.hemoglobin.delta_ref
TR=(trend --store "$T/c.db" --subject P1 --site cheek --metric "$M")

run "$SKINQ" "${TR[@]}" --json
expect_rc 0 "trend of the course"
cp "$T/out" "$T/trend.json"
if python3 - "$T/trend.json" "$T/course/truth.json" <<'PY'
import json, sys
d, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert d["procedures"] == 3 and len(d["cycles"]) == 3, d["cycles"]
assert d["baseline"]["n"] == 1 and abs(d["baseline"]["mean"]) < 0.01, d["baseline"]
assert d["points"][0]["day"] == -7 and d["points"][0]["cycle"] == 0
for c, truth in zip(d["cycles"], t["cycles"]):
    f = c["fit"]
    print("cycle", c["cycle"], "tau", f["tau_days"], "truth", truth["tau_days"], file=sys.stderr)
    assert c["cycle"] == truth["cycle"] and c["date"] == truth["date"] and c["n"] >= 6
    assert f["reliable"], f
    # 35 %: a photo's blood excess carries ±0.004-0.008 of capture noise on this phantom (JPEG chroma,
    # pores; test_synth reads the same spread back without skinq) against an excess of 0.045, and the
    # read-out is not linear in the phantom's blood (85 µm epidermis, saturation 0.75 against the
    # model's 80 µm, 0.70): lib/color/README.md
    assert abs(f["tau_days"] - truth["tau_days"]) <= 0.35 * truth["tau_days"], (f["tau_days"], truth)
    assert abs(c["excess_left_pct"]) < 10, c  # healed by the cycle's last session
PY
then ok; else bad "each cycle's tau within 35 % of the truth"; fi

run "$SKINQ" "${TR[@]}"
expect_rc 0 "trend, text"
expect_out_contains "baseline: 1 value before the first procedure"
expect_out_contains "cycle 3: procedure 'microneedling 1.5 mm' on 2026-03-02"

run "$SKINQ" "${TR[@]}" --cycle 2 --json
expect_rc 0 "trend --cycle 2"
expect_json_path cycles.0.cycle 2
if python3 -c "
import json; a=json.load(open('$T/out'))['fit']; b=json.load(open('$T/trend.json'))['cycles'][1]['fit']
assert a['tau_days'] == b['tau_days'], (a, b)"; then ok; else bad "--cycle 2 is the second cycle's fit"; fi
run "$SKINQ" "${TR[@]}" --cycle 4
expect_rc 4 "--cycle beyond the procedures"
expect_one_line_error "cycle 4 asked for, but 3 procedures are marked"

# the report: the same tau per cycle, by the same rule
run "$SKINQ" report --store "$T/c.db" --subject P1 --out "$T/r.html"
expect_rc 0 "report"
if python3 - "$T/r.html" "$T/trend.json" "$M" <<'PY'
import json, re, sys
html, d, m = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]
row = html[html.index(f'<tr data-metric="{m}"'):]
row = row[:row.index('</table>')]
for c in d["cycles"]:
    cell = re.search(rf'<td data-cycle="{c["cycle"]}">\d+</td><td>([^ ]+) &plusmn;', row)
    assert cell and cell.group(1) == f'{c["fit"]["tau_days"]:.3g}', (c["cycle"], cell and cell.group(1))
assert "Course: 1 baseline session before the first procedure" in html
PY
then ok; else bad "the report's tau per cycle equals trend's"; fi

# one procedure with a baseline a week before: tau within 25 % with no option at all
run "$SKINQ" synth --kind course --cycles 1 --seed 5 --out "$T/one" --width 600 --height 450 -q
expect_rc 0 "synth one cycle"
if track "$T/one" "$T/one.db"; then ok; else bad "track one cycle"; fi
run "$SKINQ" trend --store "$T/one.db" --subject P1 --site cheek --metric "$M" --json
expect_rc 0 "trend of one cycle"
if python3 -c "
import json; d=json.load(open('$T/out')); t=json.load(open('$T/one/truth.json'))['cycles'][0]['tau_days']
f=d['fit']; assert d['baseline']['n'] == 1 and f['reliable'] and abs(f['tau_days']-t) <= 0.25*t, (f, t)"
then ok; else bad "one procedure: tau within 25 %"; fi

# two sessions on one date: the time of day orders them (baseline at 09:00, procedure at 10:30)
A=(track add -q --store "$T/t.db" --subject P1 --site cheek --no-texture --no-align)
run "$SKINQ" "${A[@]}" --date 2026-01-05T09:00 "$T/one/b-07.jpg"
expect_rc 0 "baseline at 09:00"
run "$SKINQ" "${A[@]}" --date 2026-01-05T10:30 --procedure microneedling "$T/one/c1-d00.jpg"
expect_rc 0 "procedure at 10:30 the same day"
run "$SKINQ" "${A[@]}" --date 2026-01-06 "$T/one/c1-d01.jpg"
expect_rc 0 "next day"
run "$SKINQ" "${A[@]}" --date 2026-01-06T25:00 "$T/one/c1-d02.jpg"
expect_rc 2 "an hour that does not exist"
run "$SKINQ" track export --store "$T/t.db" --json
if python3 -c "
import json; rows=[r for r in json.load(open('$T/out'))['rows'] if r['metric']=='color.a.mean']
got=[(r['time'], r['cycle'], round(r['day'], 6), r['procedure']) for r in rows]
assert got == [('09:00:00', 0, -0.0625, ''), ('10:30:00', 1, 0.0, 'microneedling'), ('', 1, 0.5625, '')], got
assert len({r['session'] for r in rows}) == 3"; then ok; else bad "time of day: sessions, cycles and days"; fi
finish
