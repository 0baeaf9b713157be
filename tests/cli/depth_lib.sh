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
# area) and 20 % (volume), with the same type; no other item deeper than 0.1 mm
expect_scars_match_truth() {
  local msg
  if msg=$(python3 - "$1" "$2" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
items = r["scars"]["items"]
used = set()
for s in t["scars"]:
    k = min(range(len(items)), key=lambda i: math.hypot(items[i]["centroid_mm"][0] - s["centroid_mm"][0],
                                                       items[i]["centroid_mm"][1] - s["centroid_mm"][1]))
    m = items[k]; used.add(k)
    for key, tol in (("max_depth_mm", .15), ("area_mm2", .15), ("volume_mm3", .20)):
        if abs(m[key] - s[key]) > tol * s[key]:
            print(s["type"], key, m[key], "vs", s[key]); sys.exit(1)
    if m["type"] != s["type"]:
        print("type", m["type"], "vs", s["type"]); sys.exit(1)
for i, m in enumerate(items):
    if i not in used and m["max_depth_mm"] > 0.1:
        print("false scar", m); sys.exit(1)
PY
  ); then ok; else bad "scar measures vs $2: $msg"; fi
}

# expect_same_numbers A B: the surface and scars sections of two JSON results are identical
expect_same_numbers() {
  if python3 -c "
import json,sys; a=json.load(open('$1')); b=json.load(open('$2'))
sys.exit(0 if a['scars'] == b['scars'] and a['surface'] == b['surface'] else 1)"; then ok; else bad "$3: numbers differ"; fi
}

# mask_png OUT SIZE [CX CY R]: a SIZE x SIZE 8-bit gray PNG, 255 inside the disc (pixel units,
# image axes) or everywhere without one, 0 elsewhere
mask_png() {
  python3 - "$@" <<'PY'
import math, struct, sys, zlib
out, n, disc = sys.argv[1], int(sys.argv[2]), [float(v) for v in sys.argv[3:6]]
raw = bytearray()
for y in range(n):
    raw.append(0)
    raw += bytes(255 if not disc or math.hypot(x + .5 - disc[0], y + .5 - disc[1]) < disc[2] else 0 for x in range(n))
def chunk(k, d): return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
open(out, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 0, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))
PY
}
