#!/usr/bin/env bash
# Skin's departures from the Lambertian stack, each undone by what the capture states:
# --translucency: on a scar stack whose shading is blurred under the skin (synth's
# `blur` effect, Gaussian sigma 0.08 mm), deconvolving the normals by that sigma brings the boxcar's
# depth back (it reads a third shallow without) and the ice-pick's at least half way; the rolling
# scar, wider than the blur, is unchanged. Without a lateral scale it is refused; without
# --lights it is a usage error; JSON records the sigma.
# Flat fields ("flat" per light: a grey card under the same light) remove an unstated falloff,
# and the lobe method (a fitted specular lobe) the oily highlights' pull on the normals.
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

# 48 lights with an oily lobe (Cook-Torrance) and ~10 % falloff; lights_flat.json names the cards
F="$T/sf"
"$SKINQ" synth --kind scar-stack --out "$F" --lights 48 --effects specular,falloff --width 320 --height 320 -q ||
  bad "synth specular,falloff"
for L in lights lights_flat; do
  for m in trimmed lobe; do
    run "$SKINQ" depth --lights "$F/$L.json" --ps-method $m --truth-normals "$F/normals_true.png" --json
    expect_rc 0 "$L $m"
    cp "$T/out" "$T/$L-$m.json"
  done
done
check 'doc["surface"]["normals"]["lobe_exponent"] >= 25' # the last run: lobe
if python3 - "$T" <<'PY'
import json, sys
e = {k: json.load(open("%s/%s.json" % (sys.argv[1], k)))["surface"]["normals"]["truth"]["mean_error_deg"]
     for k in ("lights-trimmed", "lights-lobe", "lights_flat-trimmed", "lights_flat-lobe")}
print("mean normal error (deg):", {k: round(v, 2) for k, v in e.items()})
sys.exit(0 if e["lights_flat-trimmed"] < 0.7 * e["lights-trimmed"] and e["lights_flat-lobe"] < 0.8 * e["lights_flat-trimmed"]
         and e["lights_flat-lobe"] < 2.0 else 1)
PY
then ok; else bad "flat fields and the lobe should each cut the normal error"; fi
# a flat card of another size is refused, one line naming it
python3 -c "
import json; d = json.load(open('$F/lights_flat.json')); d['lights'][3]['flat'] = '../st/light_0.png'
json.dump(d, open('$F/badflat.json', 'w'))"
check_fail 3 "light_0.png" "flat field" "$SKINQ" depth --lights "$F/badflat.json"
finish
