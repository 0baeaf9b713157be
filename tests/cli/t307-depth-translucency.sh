#!/usr/bin/env bash
# skinq depth --translucency: on a scar stack whose shading is blurred under the skin (synth's
# `blur` effect, Gaussian sigma 0.08 mm), deconvolving the normals by that sigma brings the boxcar's
# depth back (it reads a third shallow without) and the ice-pick's at least half way; the rolling
# scar, wider than the blur, is unchanged. Without a lateral scale it is refused; without
# --lights it is a usage error; JSON records the sigma.
. "$(dirname "$0")/lib.sh"

S="$T/st"
"$SKINQ" synth --kind scar-stack --out "$S" --lights 24 --effects blur --width 384 --height 384 -q ||
  bad "synth"
run "$SKINQ" depth --lights "$S/lights.json" --json
expect_rc 0 "plain"
cp "$T/out" "$T/plain.json"
run "$SKINQ" depth --lights "$S/lights.json" --translucency 0.08 --json
expect_rc 0 "translucency"
check 'doc["parameters"]["translucency_mm"] == 0.08'
if python3 - "$S/truth.json" "$T/plain.json" "$T/out" <<'PY'
import json, math, sys
truth = json.load(open(sys.argv[1]))["scars"]
def depths(path):  # each true scar's measured max depth (nearest centroid within 1 mm), or 0
    items = json.load(open(path))["scars"]["items"]
    out = {}
    for s in truth:
        near = [m for m in items if math.dist(m["centroid_mm"], s["centroid_mm"]) < 1.0]
        out[s["type"]] = (near[0]["max_depth_mm"] if near else 0.0) / s["max_depth_mm"] - 1
    return out
a, b = depths(sys.argv[2]), depths(sys.argv[3])
print("relative depth error without / with --translucency:",
      {k: (round(a[k], 3), round(b[k], 3)) for k in a})
ok = (a["boxcar"] < -0.25 and abs(b["boxcar"]) < 0.05 and abs(b["icepick"]) < 0.5 * abs(a["icepick"])
      and abs(a["rolling"]) < 0.05 and abs(b["rolling"]) < 0.05)
sys.exit(0 if ok else 1)
PY
then ok; else bad "--translucency should restore the blurred scars' depth"; fi

# a stack without a scale cannot take a sigma in mm; only stacks take it
python3 -c "
import json; d = json.load(open('$S/lights.json')); d.pop('px_per_mm', None); json.dump(d, open('$S/noscale.json', 'w'))"
check_fail 2 "noscale.json" "no lateral scale" "$SKINQ" depth --lights "$S/noscale.json" --translucency 0.08
check_fail 2 "translucency" "only apply to --lights" "$SKINQ" depth "$S/height.png" --translucency 0.1
finish
