#!/usr/bin/env bash
# skinq repeat on the recapture phantom (one unchanged skin, 4 shots): the statistics are the
# formulas of the per-photo values (mean, SD n-1, CV, SEM, MDC95 = 1.96·√2·SD), the colour
# means stay within their MDC95 of the first shot and vary a little but not zero; one photo is
# a usage error, an unrelated photo fails registration by name; a site's own repeatability from
# `track add` of 3 photos into one session is the pooled within-session SD of the stored values.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" synth --kind recapture --out "$T/rc" --count 4 --width 800 --height 600 --seed 2 -q
expect_rc 0 "synth recapture"
R="$T/rc"
cp "$R/truth.json" "$T/out"
expect_json_path kind recapture
expect_json_path count 4
expect_json_path true_change 0
expect_json_path identical_skin true
expect_json_path images.3.file shot04.jpg
expect_json_path images.2.jpeg_quality 85
expect_json_path roi.mask mask.png
REF=$(python3 -c "import json; print(','.join(str(int(v)) for v in json.load(open('$R/truth.json'))['reference_rect']))")
# every shot's drawn variation stays within the careful clinic's limits
check_truth() {
  if python3 - "$R/truth.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
ims = t["images"]
assert len(ims) == 4 and ims[0]["rotation_deg"] == 0 and ims[0]["scale"] == 1
for im in ims:
    assert abs(im["rotation_deg"]) <= 5 and abs(im["scale"] - 1) <= 0.05, im
    assert abs(im["exposure"] - 1) <= 0.05 and all(abs(g - 1) <= 0.03 for g in im["wb_gains"]), im
    assert 0 <= im["light_gradient"]["amplitude"] <= 0.05, im
assert len({im["exposure"] for im in ims}) == 4  # each shot its own
PY
  then ok; else bad "truth.json limits"; fi
}
check_truth

SHOTS=("$R"/shot01.jpg "$R"/shot02.jpg "$R"/shot03.jpg "$R"/shot04.jpg)
run "$SKINQ" repeat "${SHOTS[@]}" --mask "$R/mask.png" --ref "$REF" --px-per-mm 20 --json
expect_rc 0 "repeat --json"
cp "$T/out" "$T/rep.json"
run "$SKINQ" analyze "$R/shot01.jpg" --mask "$R/mask.png" --ref "$REF" --px-per-mm 20 --json
expect_rc 0 "analyze the first shot alone"
cp "$T/out" "$T/first.json"
if python3 - "$T/rep.json" "$T/first.json" <<'PY'
import json, math, statistics, sys
doc = json.load(open(sys.argv[1]))
first = json.load(open(sys.argv[2]))
assert [i["path"].rsplit("/", 1)[1] for i in doc["images"]] == ["shot01.jpg", "shot02.jpg", "shot03.jpg", "shot04.jpg"]
assert doc["images"][0]["alignment"]["method"] == "none"
assert all(i["alignment"]["ok"] and i["alignment"]["rms_px"] < 2 for i in doc["images"][1:])
assert doc["options"]["roi"] == "mask" and doc["options"]["px_per_mm"] == 20 and doc["options"]["ref"]
ms = doc["metrics"]
assert not any(".bins." in p or p in ("texture.psd.tile_px", "texture.psd.tiles", "texture.glcm.row_step") for p in ms), "parameters"
assert len(ms) > 60
checked = 0
for path, s in ms.items():
    xs = [i["values"][path] for i in doc["images"] if i["values"][path] is not None]
    assert s["n"] == len(xs), path
    if len(xs) < 2:
        continue
    mean, sd = statistics.fmean(xs), statistics.stdev(xs)
    tol = 1e-9 * max(1.0, abs(mean))
    assert abs(s["mean"] - mean) <= tol and abs(s["sd"] - sd) <= 1e-9 * max(1.0, sd), (path, s, mean, sd)
    assert abs(s["sem"] - s["sd"] / math.sqrt(s["n"])) <= 1e-12 * max(1.0, s["sd"]), path
    # MDC95 is 1.96·√2·SD of the reported SD, to the last bit JSON carries
    assert abs(s["mdc95"] - 1.96 * math.sqrt(2) * s["sd"]) <= 1e-14 * max(1.0, s["mdc95"]), (path, s)
    if s["cv_percent"] is None:
        assert abs(s["mean"]) <= s["mdc95"], (path, s)
    else:
        assert abs(s["cv_percent"] - 100 * s["sd"] / abs(s["mean"])) <= 1e-9 * s["cv_percent"], path
    checked += 1
assert checked > 50, checked
# the colour of one unchanged skin: the mean over the shots within a stated tolerance of the
# first shot (and within its MDC95 of it), a CV that is small but not zero; the light falloff
# differs between the reference (left) and the ROI (right), which --ref cannot undo, so the
# absolute melanin index (log of R) varies most
fm = first["color"]
for c, tol in (("L", 1), ("a", 0.5), ("b", 0.5), ("erythema_index", 0.5), ("melanin_index", 1.5),
               ("hemoglobin", 0.005), ("melanin", 0.01), ("ita_deg", 1)):
    s = ms[f"color.{c}.mean"]
    f0 = fm[c]["mean"]
    assert abs(doc["images"][0]["values"][f"color.{c}.mean"] - f0) < 1e-9 * abs(f0), (c, "first shot as analysed alone")
    assert abs(s["mean"] - f0) <= min(tol, s["mdc95"]), (c, s, f0)
    assert 0 < s["cv_percent"] < 10, (c, s)
# texture of the same skin: roughness and pore size vary by a few per cent
for p in ("texture.roughness.sq", "texture.pores.mean_diameter_mm", "texture.glcm.contrast"):
    assert 0 < ms[p]["cv_percent"] < 10, (p, ms[p])
PY
then ok; else bad "repeat statistics"; fi

# CSV: the same numbers, one row per metric
run "$SKINQ" repeat "${SHOTS[@]}" --mask "$R/mask.png" --ref "$REF" --px-per-mm 20 --csv --no-texture
expect_rc 0 "repeat --csv"
if head -1 "$T/out" | grep -qx 'metric,n,mean,sd,cv_percent,sem,mdc95,unit' &&
   python3 - "$T/out" "$T/rep.json" <<'PY'
import csv, json, sys
rows = {r["metric"]: r for r in csv.DictReader(open(sys.argv[1]))}
doc = json.load(open(sys.argv[2]))
assert not any(k.startswith("texture.") for k in rows)
r, s = rows["color.a.mean"], doc["metrics"]["color.a.mean"]
assert int(r["n"]) == 4 and abs(float(r["mdc95"]) - s["mdc95"]) <= 1e-8 * s["mdc95"], (r, s)
# no CV where the mean is zero within noise (|mean| <= MDC95), a CV everywhere else
for m, r in rows.items():
    if r["mdc95"] and r["mean"]:
        assert (r["cv_percent"] == "") == (abs(float(r["mean"])) <= float(r["mdc95"])), (m, r)
assert float(rows["color.red_area_fraction"]["mean"]) > 0  # the phantom's steady redness shows
PY
then ok; else bad "repeat --csv"; fi

run "$SKINQ" repeat "${SHOTS[@]}" --mask "$R/mask.png" --ref "$REF" --no-texture
expect_rc 0 "repeat text"
expect_out_contains "MDC95"
expect_out_contains "color.a.delta_ref"

run "$SKINQ" repeat "$R/shot01.jpg" --mask "$R/mask.png"
expect_rc 2 "one photo"
expect_one_line_error "two photos"
run "$SKINQ" synth --kind texture-ladder --out "$T/tl" --width 300 --height 300 -q
run "$SKINQ" repeat "$R/shot01.jpg" "$R/shot02.jpg" "$T/tl/patch_2.png" --no-texture --json
expect_rc 4 "unrelated photo"
expect_one_line_error "patch_2.png"
if [ ! -s "$T/out" ]; then ok; else bad "unrelated photo: stdout should be empty"; fi

# a site's own repeatability: 3 photos in one session (one track add), 2 in another (two adds
# with the same --date), 1 alone; the pooled within-session SD of what the store holds
DB="$T/s.db"
A=(--store "$DB" --subject S1 --site cheek --mask "$R/mask.png" --ref "$REF" --px-per-mm 20 --no-texture -q)
run "$SKINQ" repeat --store "$DB" --subject S1 --site cheek
expect_rc 5 "no store yet"
run "$SKINQ" track add "${A[@]}" --date 2026-02-01 "${SHOTS[0]}"
expect_rc 0 "track add one"
run "$SKINQ" repeat --store "$DB" --subject S1 --site cheek
expect_rc 4 "no session with 2 photos"
expect_one_line_error "2 or more photos"
run "$SKINQ" track add "${A[@]}" --date 2026-02-08 "${SHOTS[1]}" "${SHOTS[2]}" "${SHOTS[3]}"
expect_rc 0 "track add three into one session"
run "$SKINQ" track add "${A[@]}" --date 2026-02-15 --label visit "${SHOTS[0]}"
run "$SKINQ" track add "${A[@]}" --date 2026-02-15 --label visit "${SHOTS[2]}"
expect_rc 0 "track add into the same session again"
run "$SKINQ" track export --csv --store "$DB" --subject S1
cp "$T/out" "$T/export.csv"
run "$SKINQ" repeat --store "$DB" --subject S1 --site cheek --json
expect_rc 0 "site repeatability"
if python3 - "$T/out" "$T/export.csv" <<'PY'
import csv, json, math, sys
from collections import defaultdict
doc = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert doc["subject"] == "S1" and doc["site"] == "cheek"
for metric in ("color.a.mean", "color.L.mean", "color.hemoglobin.delta_ref", "color.ita_deg.p50"):
    sessions = defaultdict(list)
    for r in rows:
        if r["metric"] == metric and r["value"] != "":
            sessions[r["date"]].append(float(r["value"]))
    assert sorted(len(v) for v in sessions.values()) == [1, 2, 3], sessions
    ss = sum(sum((x - sum(v) / len(v)) ** 2 for x in v) for v in sessions.values())
    sd = math.sqrt(ss / 3)
    m = doc["metrics"][metric]
    assert m["sessions"] == 2 and m["n"] == 5 and m["df"] == 3, m
    assert abs(m["sd"] - sd) <= 1e-6 * sd and sd > 0, (metric, m, sd)
    assert abs(m["mdc95"] - 1.96 * math.sqrt(2) * m["sd"]) <= 1e-14 * m["mdc95"], m
assert not any(k.startswith("alignment.") or ".bins." in k for k in doc["metrics"])
PY
then ok; else bad "site repeatability"; fi
run "$SKINQ" repeat --store "$DB" --subject S1 --site cheek --mask "$R/mask.png"
expect_rc 2 "store mode with analysis options"
run "$SKINQ" repeat --store "$DB" --subject S1 --site cheek "${SHOTS[0]}"
expect_rc 2 "store mode with photos"
finish
