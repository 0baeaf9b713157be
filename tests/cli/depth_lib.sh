# depth_lib.sh -- sourced by the t30N-depth-*.sh tests after lib.sh: JSON checks in one python3
# process per document (python3 starts slowly on small machines).

# expect_json PATH[=VALUE]...: stdout ($T/out) is JSON and has every PATH (with VALUE if given)
expect_json() {
  local msg
  if msg=$(python3 - "$T/out" "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = []
for spec in sys.argv[2:]:
    path, _, want = spec.partition("=")
    cur = doc
    try:
        for part in path.split("."):
            cur = cur[int(part)] if isinstance(cur, list) else cur[part]
    except (KeyError, IndexError, ValueError, TypeError):
        bad.append(f"{path} missing"); continue
    if "=" in spec and str(cur) != want and json.dumps(cur) != want:
        bad.append(f"{path} = {cur!r}, expected {want}")
print("; ".join(bad)); sys.exit(1 if bad else 0)
PY
  ); then ok; else bad "JSON: $msg"; fi
}

# expect_scars_match_truth OUT TRUTH: each truth scar's nearest item within 15 % (max depth,
# area) and 20 % (volume), with the same type
expect_scars_match_truth() {
  if python3 - "$1" "$2" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
items = r["scars"]["items"]
for s in t["scars"]:
    m = min(items, key=lambda i: math.hypot(i["centroid_mm"][0] - s["centroid_mm"][0], i["centroid_mm"][1] - s["centroid_mm"][1]))
    for key, tol in (("max_depth_mm", .15), ("area_mm2", .15), ("volume_mm3", .20)):
        if abs(m[key] - s[key]) > tol * s[key]:
            print(s["type"], key, m[key], "vs", s[key]); sys.exit(1)
    if m["type"] != s["type"]:
        print("type", m["type"], "vs", s["type"]); sys.exit(1)
PY
  then ok; else bad "scar measures vs $2"; fi
}

# expect_same_numbers A B: the surface and scars sections of two JSON results are identical
expect_same_numbers() {
  if python3 -c "
import json,sys; a=json.load(open('$1')); b=json.load(open('$2'))
sys.exit(0 if a['scars'] == b['scars'] and a['surface'] == b['surface'] else 1)"; then ok; else bad "$3: numbers differ"; fi
}
