#!/usr/bin/env bash
# crosstalk-figure.sh [SKINQ] [OUT.svg] -- issue 20's figure: on the spectral-skin phantom (three
# skin types, blood excess 0 ... 0.5), how the melanin read-out moves as the blood read-out rises,
# for the old three-vector optical-density basis and for skinq's inverted spectral skin model
# (`skinq analyze` per patch). Writes an SVG (default docs/figures/crosstalk.svg) and prints the
# slopes. Builds nothing: SKINQ is the binary (default build/skinq).
set -euo pipefail
skinq=${1:-build/skinq}
out=${2:-docs/figures/crosstalk.svg}
[ -x "$skinq" ] || { echo "crosstalk-figure.sh: '$skinq' is not an executable skinq" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$skinq" synth -q --kind spectral-skin --out "$tmp/s"
python3 - "$skinq" "$tmp/s" "$out" <<'PY'
import json, math, subprocess, sys
skinq, d, out = sys.argv[1:4]
t = json.load(open(f"{d}/truth.json"))
# the old basis (lib/color/params.c, skinq_color_od_vectors): OD = m*MEL + h*HB + s*(1,1,1)
MEL = (0.40501395051151134, 0.5717557976835091, 1.0)
HB = (1506.0 / 43016.0, 1.0, (44480.0 + 33209.2) / 2 / 43016.0)
def solve(od):
    A = [[MEL[i], HB[i], 1.0] for i in range(3)]
    det = lambda M: (M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0])
                     + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]))
    D, x = det(A), []
    for j in range(2):
        B = [row[:] for row in A]
        for i in range(3):
            B[i][j] = od[i]
        x.append(det(B) / D)
    return x  # melanin, hemoglobin
series = {}
for p in t["patches"]:
    if p["series"] != "blood":
        continue
    m_old, h_old = solve([-math.log10(v) for v in p["linear_rgb"]])
    x, y, w, h = p["rect_px"]
    doc = json.loads(subprocess.run([skinq, "analyze", f"{d}/patches.png", "--roi", f"{x + 4},{y + 4},{w - 8},{h - 8}",
                                     "--no-texture", "--json"], capture_output=True, text=True, check=True).stdout)
    c = doc["color"]
    series.setdefault(p["type"], []).append((h_old, m_old, c["hemoglobin"]["mean"], c["melanin"]["mean"]))
def slope(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((a - mx) * (b - my) for a, b in zip(xs, ys)) / sum((a - mx) ** 2 for a in xs)
colours = {"light": "#d9865a", "intermediate": "#9c5f33", "dark": "#4a2812"}
panels = [("old three-vector OD basis", 0, 1, "hemoglobin read-out change (OD units)", "melanin read-out change (OD units)"),
          ("inverted spectral skin model (skinq)", 2, 3, "blood read-out change (volume fraction)",
           "melanin read-out change (volume fraction)")]
W, H, PW, PH, L, T = 980, 430, 380, 300, 90, 60
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">Melanin read-out as blood rises (blood excess 0 ... 0.5), '
       'spectral-skin phantom, three skin types</text>']
for k, (title, xi, yi, xl, yl) in enumerate(panels):
    ox = L + k * (PW + 110)
    pts = {ty: [(r[xi] - s[0][xi], r[yi] - s[0][yi]) for r in s] for ty, s in series.items()}
    xmax = max(abs(v[0]) for s in pts.values() for v in s) * 1.1
    ymax = 2.2 * xmax  # the same slope scale in both panels: a slope of 1 is the same angle
    X = lambda v: ox + (v / xmax) * PW
    Y = lambda v: T + PH / 2 - (v / ymax) * (PH / 2)
    svg.append(f'<text x="{ox + PW / 2}" y="{T - 12}" text-anchor="middle" font-size="13">{title}</text>')
    # the goal: |slope| <= 0.05 (a wedge)
    svg.append(f'<polygon points="{X(0)},{Y(0)} {X(xmax)},{Y(0.05 * xmax)} {X(xmax)},{Y(-0.05 * xmax)}" fill="#d8f0d8"/>')
    svg.append(f'<rect x="{ox}" y="{T}" width="{PW}" height="{PH}" fill="none" stroke="#888"/>')
    svg.append(f'<line x1="{ox}" y1="{Y(0)}" x2="{ox + PW}" y2="{Y(0)}" stroke="#bbb"/>')
    for v in (-ymax, 0, ymax):
        svg.append(f'<text x="{ox - 6}" y="{Y(v) + 4}" text-anchor="end">{v:+.3g}</text>')
    for v in (0, xmax / 2, xmax):
        svg.append(f'<text x="{X(v)}" y="{T + PH + 16}" text-anchor="middle">{v:.3g}</text>')
    svg.append(f'<text x="{ox + PW / 2}" y="{T + PH + 34}" text-anchor="middle">{xl}</text>')
    svg.append(f'<text x="{ox - 58}" y="{T + PH / 2}" text-anchor="middle" transform="rotate(-90 {ox - 58} {T + PH / 2})">{yl}</text>')
    for j, (ty, s) in enumerate(pts.items()):
        sl = slope([a for a, _ in s], [b for _, b in s])
        print(f"{title}: {ty}: d melanin / d blood = {sl:+.3f}")
        svg.append('<polyline fill="none" stroke-width="2.5" stroke="%s" points="%s"/>'
                   % (colours[ty], " ".join(f"{X(a):.1f},{Y(b):.1f}" for a, b in s)))
        for a, b in s:
            svg.append(f'<circle cx="{X(a):.1f}" cy="{Y(b):.1f}" r="3" fill="{colours[ty]}"/>')
        svg.append(f'<text x="{ox + 8}" y="{T + 16 + 15 * j}" fill="{colours[ty]}">{ty} (ITA '
                   f'{next(x["ita_deg"] for x in t["types"] if x["name"] == ty):.0f}°): slope {sl:+.2f}</text>')
    svg.append(f'<text x="{ox + PW - 6}" y="{T + PH - 8}" text-anchor="end" fill="#3a7a3a">green: goal |slope| ≤ 0.05</text>')
svg.append("</svg>")
open(out, "w").write("\n".join(svg) + "\n")
print("wrote", out)
PY
