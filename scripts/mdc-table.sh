#!/usr/bin/env bash
# mdc-table.sh [SKINQ] [--no-ref] -- measure skinq's default minimal detectable changes: generate
# the recapture phantom (one unchanged skin photographed 10 times with a careful clinic's
# variation, seed 1) into a temporary folder, run `skinq repeat` on its photos with --mask,
# --ref (its reference_rect) and --px-per-mm from its truth.json, as the demo compares, and print
# a Markdown table (metric, unit, n, CV %, MDC95) of the headline metrics. Builds nothing: SKINQ
# is the binary (default build/skinq). --no-ref leaves out the reference normalisation.
set -euo pipefail
skinq=build/skinq
use_ref=1
for a in "$@"; do
  case "$a" in
    --no-ref) use_ref=0 ;;
    *) skinq=$a ;;
  esac
done
[ -x "$skinq" ] || { echo "mdc-table.sh: '$skinq' is not an executable skinq" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$skinq" synth -q --kind recapture --out "$tmp/rc" --seed 1
field() { python3 -c "import json,sys; t=json.load(open('$tmp/rc/truth.json')); print(eval(sys.argv[1]))" "$1"; }
args=(--mask "$tmp/rc/mask.png" --px-per-mm "$(field "t['px_per_mm']")")
[ "$use_ref" = 1 ] && args+=(--ref "$(field "','.join(str(int(v)) for v in t['reference_rect'])")")
"$skinq" repeat -q "$tmp"/rc/shot*.jpg "${args[@]}" --json >"$tmp/repeat.json"
python3 - "$tmp/repeat.json" "$use_ref" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
ms = doc["metrics"]
colour = r"color\.(a|erythema_index|hemoglobin|melanin_index|melanin|ita_deg|L|b)\.(mean|delta_ref)"
headline = [colour, r"color\.red_area_.*", r"texture\.roughness\.(sa|sq)",
            r"texture\.pores\.(density_per_cm2|mean_diameter_mm|count)", r"texture\.lines\..*",
            r"texture\.spots\..*", r"texture\.tone_evenness", r"texture\.glcm\..*",
            r"texture\.psd\.(fine|medium|coarse|total|slope)"]
def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)
print(f"{len(doc['images'])} photos of the recapture phantom (seed 1), "
      f"{'--ref on its reference_rect' if sys.argv[2] == '1' else 'no --ref'}, --mask, --px-per-mm "
      f"{doc['options'].get('px_per_mm')}; skinq {doc['skinq_version']}")
print()
print("| metric | unit | n | CV % | MDC95 |")
print("|---|---|---:|---:|---:|")
for pat in headline:
    for path, s in ms.items():
        if re.fullmatch(pat, path):
            print(f"| {path} | {s['unit']} | {s['n']} | {fmt(s['cv_percent'], '.2f')} | {fmt(s['mdc95'], '.3g')} |")
PY
