#!/usr/bin/env bash
# Verdicts from the metric registry on the project's healing-series phantom (seed 1, full size):
# a photo against itself is "unchanged" everywhere; day 0 against day 42 (no redness difference
# in the truth) is "no detectable change" for every redness metric; day 1 against day 42 is
# "improved" for them; compare, track show and report give the same verdict for every metric the
# registry lists; no NaN is printed.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind healing-series --out "$T/hs" --seed 1 -q
expect_rc 0 "synth"
H="$T/hs"
read -r REF PPM < <(python3 -c "import json; t=json.load(open('$H/truth.json')); print(','.join(map(str,t['reference_rect'])), t['px_per_mm'])")
OPTS=(--mask "$H/mask.png" --ref "$REF" --px-per-mm "$PPM")
"$SKINQ" metrics --json >"$T/registry.json" || bad "metrics --json"

# verdicts PY: python over the compare JSON (doc), the registry (reg) and helpers
verdicts() {
  if python3 - "$T/out" "$T/registry.json" "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); reg = json.load(open(sys.argv[2]))["metrics"]
def delta(path):
    cur = doc["delta"]
    for p in path.split("."): cur = cur[p]
    return cur
redness = [m["pattern"] for m in reg if m["item"] == "Vascularity (redness)" and "*" not in m["pattern"]]
assert len(redness) >= 6, redness
ok = eval(sys.argv[3])
if not ok:
    for p in redness: print(p, delta(p))
    print("false:", sys.argv[3]); sys.exit(1)
PY
  then ok; else bad "verdicts $1"; fi
}

run "$SKINQ" compare "$H/day00.jpg" "$H/day00.jpg" "${OPTS[@]}" --json
expect_rc 0 "self"
if python3 - "$T/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def walk(d, path=""):
    if "verdict" in d: yield path, d["verdict"]; return
    for k, v in d.items():
        if isinstance(v, dict): yield from walk(v, path + "." + k)
# the fine-line detector works near its threshold on this phantom's pores (lib/synth/README.md):
# the identity registration's resampling may move it, never beyond its MDC
bad = [(p, v) for p, v in walk(doc["delta"])
       if v != "unchanged" and not (p.startswith(".texture.lines.") and v == "no detectable change")]
if bad: print(bad[:5]); sys.exit(1)
PY
then ok; else bad "a photo against itself: every verdict unchanged (lines: no detectable change)"; fi

run "$SKINQ" compare "$H/day00.jpg" "$H/day42.jpg" "${OPTS[@]}" --json
expect_rc 0 "day 0 vs day 42"
verdicts 'all(delta(p)["verdict"] in ("no detectable change", "unchanged") for p in redness)'
verdicts 'all(delta(p)["mdc95"] is not None and delta(p)["mdc95"] > 0 for p in redness)'
# the phantom has no pigment spots: pores and their clusters must not become many spots as it heals
# (on the spectral skin 1 -> 3, which the MDC of 1.34 calls "worse": a known limit of the spot
# detector on pore clusters, lib/texture/README.md)
verdicts 'delta("texture.spots.count")["after"] <= 5'
cp "$T/out" "$T/compare-0-42.json"

run "$SKINQ" compare "$H/day01.jpg" "$H/day42.jpg" "${OPTS[@]}" --json
expect_rc 0 "day 1 vs day 42"
verdicts 'all(delta(p)["verdict"] == "improved" for p in redness if delta(p)["before"] > delta(p)["mdc95"])'
verdicts 'delta("color.a.mean")["verdict"] == "improved" and delta("color.hemoglobin.delta_ref")["verdict"] == "improved"'

# the text form never prints NaN
run "$SKINQ" compare "$H/day00.jpg" "$H/day01.jpg" "${OPTS[@]}"
expect_rc 0 "text"
if ! grep -qi "nan" "$T/out"; then ok; else bad "text output prints nan"; fi

# compare, track show and report agree on every metric: day 0 and day 42 in a store
for d in 00 42; do
  run "$SKINQ" track add -q --store "$T/s.db" --subject S1 --site cheek --date "$(printf '2026-01-%02d' $((10#$d % 28 + 1)))" \
      "${OPTS[@]}" "$H/day$d.jpg"
  expect_rc 0 "track add day$d"
done
run "$SKINQ" report --store "$T/s.db" --subject S1 --out "$T/r.html"
expect_rc 0 "report"
run "$SKINQ" track show --store "$T/s.db" --subject S1
expect_rc 0 "track show"
cp "$T/out" "$T/show.txt"
if python3 - "$T/compare-0-42.json" "$T/r.html" "$T/show.txt" "$T/registry.json" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1])); page = open(sys.argv[2]).read(); show = open(sys.argv[3]).read()
reg = {m["pattern"]: m for m in json.load(open(sys.argv[4]))["metrics"]}
rows = dict(re.findall(r'<tr data-metric="([^"]+)" data-verdict="([^"]+)"', page))
assert len(rows) >= 10, rows
bad = []
for path, v in rows.items():
    cur = doc["delta"]
    for p in path.split("."): cur = cur[p]
    if cur["verdict"] != v: bad.append((path, "compare", cur["verdict"], "report", v))
    label = reg[path]["label"]
    line = [l for l in show.splitlines() if l.strip().startswith(label + " ")]
    if not line or not line[0].rstrip().endswith(v): bad.append((path, "track show", line, "report", v))
if bad:
    for b in bad: print(b)
    sys.exit(1)
text = re.sub(r'data:[^"]+', "", page)  # embedded PNGs are base64, not text
if re.search(r"\bnan\b", text, re.I): print("report prints nan"); sys.exit(1)
PY
then ok; else bad "compare, track show and report verdicts agree"; fi
finish
