#!/usr/bin/env bash
# skinq depth on a 96-light stack rendered here (python, no skinq code): a sphere on a plane with
# Lambertian + Blinn-Phong shading, attached shadows and noise, 16-bit PNGs. The default method
# (trimmed from 12 lights) beats plain least squares against the true normals; --region keeps the
# background out (its heights are null, statistics over the region only); normals.png is 16-bit
# RGB and confidence.png is written; [r, g, b] intensities are read; bad inputs stay one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"

S="$T/st"
mkdir -p "$S"
python3 - "$S" <<'PY'
import json, math, random, struct, sys, zlib
out = sys.argv[1]; W = H = 40; M = 96; R = 14.0
random.seed(5)

def png(path, rows, ch, bits):
    raw = b"".join(b"\0" + (struct.pack(">%dH" % len(r), *r) if bits == 16 else bytes(r)) for r in rows)
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    ct = {1: 0, 3: 2}[ch]
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, bits, ct, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

def normal(x, y):
    u, v = (x + 0.5 - W / 2) / R, -(y + 0.5 - H / 2) / R
    rr = u * u + v * v
    return (u, v, math.sqrt(1 - rr)) if rr < 1 else (0.0, 0.0, 1.0)

lights = []
for k in range(M):
    ct = math.cos(math.radians(8)) - (math.cos(math.radians(8)) - math.cos(math.radians(60))) * (k + .5) / M
    st, az = math.sqrt(1 - ct * ct), k * math.pi * (3 - math.sqrt(5))
    lights.append((st * math.cos(az), st * math.sin(az), ct))
rgb = [[0.8 + 0.1 * (k % 3), 1.0, 0.9 + 0.05 * (k % 5)] for k in range(M)]
doc = {"lights": []}
for k, l in enumerate(lights):
    hx, hy, hz = l[0], l[1], l[2] + 1; hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    rows = []
    for y in range(H):
        row = []
        for x in range(W):
            n = normal(x, y)
            ndl = n[0] * l[0] + n[1] * l[1] + n[2] * l[2]
            ndh = max(0.0, (n[0] * hx + n[1] * hy + n[2] * hz) / hn)
            s = 0.0 if ndl <= 0 else 0.5 * ndl + 0.4 * ndh ** 40
            for c in range(3):
                v = 0.6 * s * rgb[k][c] + random.gauss(0, 0.003)
                row.append(int(round(65535 * min(1.0, max(0.0, v)))))
        rows.append(row)
    png("%s/l%03d.png" % (out, k), rows, 3, 16)
    doc["lights"].append({"image": "l%03d.png" % k, "direction": list(l), "intensity": rgb[k]})
json.dump(doc, open(out + "/lights.json", "w"))
rows = [[int(round(32767.5 * (1 + c))) for x in range(W) for c in normal(x, y)] for y in range(H)]
png(out + "/truth.png", rows, 3, 16)
png(out + "/region.png", [[255 if math.hypot(x + .5 - W / 2, y + .5 - H / 2) < R - 1 else 0 for x in range(W)]
                          for y in range(H)], 1, 8)
PY
if [ -s "$S/truth.png" ]; then ok; else bad "the python render failed"; fi

# the default (trimmed) against the truth, over the region; plain least squares for comparison
run "$SKINQ" depth --lights "$S/lights.json" --region "$S/region.png" --truth-normals "$S/truth.png" \
  --maps "$T/maps" --json
expect_rc 0 "auto"
cp "$T/out" "$T/auto.json"
expect_json parameters.ps_method=trimmed parameters.region=mask surface.normals.truth.mean_error_deg \
  surface.normals.truth.p50_error_deg surface.normals.truth.p95_error_deg surface.normals.confidence_mean
run "$SKINQ" depth --lights "$S/lights.json" --region "$S/region.png" --truth-normals "$S/truth.png" \
  --ps-method ls --json
expect_rc 0 "ls"
cp "$T/out" "$T/ls.json"
if python3 - "$T/auto.json" "$T/ls.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["surface"]["normals"]["truth"]
b = json.load(open(sys.argv[2]))["surface"]["normals"]["truth"]
print("trimmed mean %.3f p50 %.3f, ls mean %.3f p50 %.3f deg" % (a["mean_error_deg"], a["p50_error_deg"],
      b["mean_error_deg"], b["p50_error_deg"]))
sys.exit(0 if a["mean_error_deg"] < 2.0 and b["mean_error_deg"] > 2 * a["mean_error_deg"] else 1)
PY
then ok; else bad "the default (trimmed) should beat ls against the truth"; fi
# normals.png: 16-bit RGB (IHDR bit depth 16, colour type 2); confidence.png written
if python3 -c "
import sys; d=open('$T/maps/normals.png','rb').read(); sys.exit(0 if d[24] == 16 and d[25] == 2 else 1)"; then ok; else bad "normals.png is not 16-bit RGB"; fi
if [ -s "$T/maps/confidence.png" ]; then ok; else bad "no confidence.png"; fi

# a region of another size; truth normals of another size or gray; unknown method; usage
mask_png "$T/r64.png" 64
check_fail 3 "r64.png" "it is 64x64 but" "$SKINQ" depth --lights "$S/lights.json" --region "$T/r64.png"
check_fail 3 "r64.png" "truth normals" "$SKINQ" depth --lights "$S/lights.json" --truth-normals "$T/r64.png"
check_fail 3 "region.png" "not an RGB image" "$SKINQ" depth --lights "$S/lights.json" --truth-normals "$S/region.png"
check_fail 2 "ps-method" "ps-method" "$SKINQ" depth --lights "$S/lights.json" --ps-method median
check_fail 2 "region" "only apply to --lights" "$SKINQ" depth "$S/l000.png" --region "$S/region.png"
check_fail 2 "lights.json" "at most 64" "$SKINQ" depth --lights "$S/lights.json" --ps-method subset
for text in '{"lights": [{"direction":[0,0,1],"intensity":[1,2]}]}' \
            '{"lights": [{"direction":[0,0,1],"intensity":[1,-1,1]}]}' \
            '{"lights": [{"direction":[0,0,1],"intensity":[1,"a",1]}]}'; do
  printf '%s' "$text" > "$T/badi.json"
  check_fail 3 "badi.json" "intensity [r, g, b]" "$SKINQ" depth --lights "$T/badi.json" "$S/l000.png"
done
finish
