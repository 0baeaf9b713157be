#!/usr/bin/env bash
# skinq depth --lights DIR on a DiLiGenT-layout object folder written here (python, no skinq code):
# 001.png..096.png (16-bit RGB, a Lambertian sphere on a background, per-channel albedo and light
# intensities), filenames.txt, light_directions.txt (CRLF), light_intensities.txt, mask.png and
# normal.txt. The folder runs; its mask.png is the region (background out) unless --region is
# given; normal.txt is used only when asked for, and the error against it is small; a bad folder
# or a normal.txt of the wrong size is one line, exit 3, no output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/depth_lib.sh"
export PYTHONPATH="$SKINQ_SRC/tests/cli"

D="$T/ballPNG"
mkdir -p "$D"
python3 - "$D" <<'PY'
import math, random, sys
from png_lib import write_png
out = sys.argv[1]; W = H = 40; M = 96; R = 14.0
random.seed(306)
albedo = (0.7, 0.55, 0.45)

def sphere(x, y):
    """the true normal (x right, y up, z toward the camera), or None on the background"""
    u, v = (x + 0.5 - W / 2) / R, -(y + 0.5 - H / 2) / R
    return (u, v, math.sqrt(1 - u * u - v * v)) if u * u + v * v < 1 else None

dirs, ints = [], []
for k in range(M):  # a spiral of lights between 10 and 55 degrees from the view axis
    ct = math.cos(math.radians(10 + 45 * (k + .5) / M)); st = math.sqrt(1 - ct * ct)
    az = k * math.pi * (3 - math.sqrt(5))
    dirs.append((st * math.cos(az), st * math.sin(az), ct))
    ints.append((0.9 + 0.1 * (k % 4), 1.0 + 0.05 * (k % 3), 0.8 + 0.07 * (k % 5)))
names = ["%03d.png" % (k + 1) for k in range(M)]
for k, l in enumerate(dirs):
    rows = []
    for y in range(H):
        row = []
        for x in range(W):
            n = sphere(x, y)
            s = max(0.0, n[0] * l[0] + n[1] * l[1] + n[2] * l[2]) if n else 0.3 * random.random()
            row += [int(round(65535 * min(1.0, max(0.0, 0.8 * albedo[c] * ints[k][c] * s + random.gauss(0, 2e-4)))))
                    if s > 0 else 0 for c in range(3)]
        rows.append(row)
    write_png("%s/%s" % (out, names[k]), rows, 3, 16)
open(out + "/filenames.txt", "w").write("\n".join(names) + "\n\n")
open(out + "/light_directions.txt", "w", newline="").write("".join("%.6f %.6f %.6f\r\n" % d for d in dirs))
open(out + "/light_intensities.txt", "w").write("".join("%.4f %.4f %.4f\n" % i for i in ints))
mask = [[255 if sphere(x, y) and math.hypot(x + .5 - W / 2, y + .5 - H / 2) < R - 1 else 0 for x in range(W)]
        for y in range(H)]
write_png(out + "/mask.png", mask, 1, 8)
open(out + "/mask_pixels", "w").write(str(sum(v > 0 for r in mask for v in r)))
with open(out + "/normal.txt", "w") as f:
    for y in range(H):
        for x in range(W):
            f.write("%.6f %.6f %.6f\n" % (sphere(x, y) or (0, 0, 0)))
PY
if [ -s "$D/normal.txt" ] && [ -s "$D/096.png" ]; then ok; else bad "the python render failed"; fi
NMASK=$(cat "$D/mask_pixels")

# the folder as lights: mask.png is the region; normal.txt is not read unless asked for
run "$SKINQ" depth --lights "$D" --json
expect_rc 0 "folder"
expect_json parameters.region=mask parameters.region_source=lights-folder "parameters.region_pixels=$NMASK" \
  region_file.sha256 lights.kind=folder lights.files.2.sha256 images.95.sha256 "images.0.path=$D/001.png"
check "'truth' not in doc['surface']['normals'] and 'truth_normals' not in doc"
check "doc['surface']['normals']['valid_fraction'] == 1.0"

# against normal.txt (measured: trimmed 0.013, irls 0.009 deg mean; ls 1.6 deg, its fit takes in
# the attached shadows of the lights up to 55 deg): the robust methods within 0.1 deg
for m in trimmed irls ls; do
  run "$SKINQ" depth --lights "$D" --truth-normals "$D/normal.txt" --ps-method "$m" --json
  expect_rc 0 "$m against normal.txt"
  expect_json "surface.normals.truth.pixels=$NMASK" truth_normals.sha256
  cp "$T/out" "$T/$m.json"
done
if python3 - "$T" <<'PY2'
import json, sys
t = {m: json.load(open("%s/%s.json" % (sys.argv[1], m)))["surface"]["normals"]["truth"] for m in ("trimmed", "irls", "ls")}
print(", ".join("%s mean %.3f p95 %.3f deg" % (m, v["mean_error_deg"], v["p95_error_deg"]) for m, v in t.items()))
sys.exit(0 if all(t[m]["mean_error_deg"] < 0.1 and t[m]["p95_error_deg"] < 0.2 for m in ("trimmed", "irls"))
         and 0.5 < t["ls"]["mean_error_deg"] < 3 else 1)
PY2
then ok; else bad "angular errors against normal.txt"; fi
# without light_intensities.txt every light is 1: the per-channel intensities were what made it exact
N="$T/noint"
mkdir -p "$N" && cp "$D"/*.png "$D/filenames.txt" "$D/light_directions.txt" "$N/"
run "$SKINQ" depth --lights "$N" --truth-normals "$D/normal.txt" --ps-method trimmed --json
expect_rc 0 "no light_intensities.txt"
check "doc['surface']['normals']['truth']['mean_error_deg'] > 0.5"  # measured 0.90

# --region wins over mask.png; the text output says where the region came from
mask_png "$T/full.png" 40
run "$SKINQ" depth --lights "$D" --region "$T/full.png" --json
expect_rc 0 "--region"
expect_json parameters.region_source=option parameters.region_pixels=1600
run "$SKINQ" depth --lights "$D/"
expect_rc 0 "text"
expect_out_contains "mask.png (lights-folder)"

# bad folders: a count mismatch, no filenames.txt, a bad intensity line; normal.txt of another size
B="$T/bad"
mkdir -p "$B" && cp "$D"/*.png "$D"/*.txt "$B/"
head -n 95 "$D/light_directions.txt" >"$B/light_directions.txt"
check_fail 3 "$B" "light_directions.txt has 95 lines, filenames.txt 96" "$SKINQ" depth --lights "$B"
cp "$D/light_directions.txt" "$B/" && sed -i '7s/.*/0.9 x 1/' "$B/light_intensities.txt"
check_fail 3 "$B" "light_intensities.txt line 7: light 6 needs three positive numbers" "$SKINQ" depth --lights "$B"
cp "$D/light_intensities.txt" "$B/" && rm "$B/filenames.txt"
check_fail 3 "$B" "it has no filenames.txt" "$SKINQ" depth --lights "$B"
head -n 1599 "$D/normal.txt" >"$T/short.txt"
check_fail 3 "short.txt" "it has 1599 rows but" "$SKINQ" depth --lights "$D" --truth-normals "$T/short.txt"
printf '0 0 1\n0 zero 1\n' >"$T/word.txt"
check_fail 3 "word.txt" "line 2 is not" "$SKINQ" depth --lights "$D" --truth-normals "$T/word.txt"
finish
