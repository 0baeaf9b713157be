#!/usr/bin/env bash
# skinq bench --truth: accuracy on phantoms beside the time. A Lambertian scar stack must give its
# three scars and nothing else within 5 % of their depth; the one rendered by the realistic path
# with no effect (it writes normals_true.png) normals within 0.5 deg; a healing series every
# registration within 1 px of the true transforms. A folder of phantoms measures each one and lists
# a kind without a measure as skipped; a folder that is no phantom (or a named kind without a
# measure) is one line on stderr and exit 3.
. "$(dirname "$0")/lib.sh"

P="$T/phantoms"
mkdir -p "$P"
run "$SKINQ" synth --kind scar-stack --out "$P/scar" --width 384 --height 384 -q
expect_rc 0 "synth scar-stack"
run "$SKINQ" synth --kind healing-series --out "$P/heal" --width 400 --height 300 -q
expect_rc 0 "synth healing-series"

run "$SKINQ" bench --truth "$P/scar" --json
expect_rc 0 "bench --truth scar-stack"
check "len(doc['accuracy']) == 1 and doc['stages'] == [] and doc['peers'] == []"
check "doc['accuracy'][0]['kind'] == 'scar-stack' and doc['accuracy'][0]['dir'].endswith('/scar')"
check "doc['accuracy'][0]['scars_found'] == 3 and doc['accuracy'][0]['scars_true'] == 3 and doc['accuracy'][0]['scars_extra'] == 0"
check "0 <= doc['accuracy'][0]['max_depth_error_median_pct'] < 5"
check "0 <= doc['accuracy'][0]['volume_error_median_pct'] < 10"
check "doc['accuracy'][0]['normal_error_mean_deg'] is None"
check "doc['accuracy'][0]['time_ms'] > 0 and doc['accuracy'][0]['provenance']['lights'] == 6"
check "doc['accuracy'][0]['provenance']['method'] in ('subset', 'trimmed', 'ls', 'irls')"

run "$SKINQ" synth --kind scar-stack --out "$T/lam8" --lights 8 --width 256 --height 256 -q
expect_rc 0 "synth scar-stack --lights 8"
run "$SKINQ" bench --truth "$T/lam8" --json
expect_rc 0 "bench --truth (normals_true.png)"
check "doc['accuracy'][0]['provenance']['lights'] == 8 and doc['accuracy'][0]['provenance']['truth_normals']"
check "0 <= doc['accuracy'][0]['normal_error_mean_deg'] < 0.5 and doc['accuracy'][0]['normal_error_p95_deg'] < 0.5"

# a folder of phantoms (as synth --kind all writes): each measured, in name order; another kind skipped
mkdir -p "$P/chart"
echo '{"kind": "chart"}' >"$P/chart/truth.json"
run "$SKINQ" bench --truth "$P" --json
expect_rc 0 "bench --truth folder of phantoms"
check "[(a['dir'].rsplit('/', 1)[1], a['kind']) for a in doc['accuracy']] == [('chart', 'chart'), ('heal', 'healing-series'), ('scar', 'scar-stack')]"
check "'skipped' in doc['accuracy'][0] and doc['accuracy'][2]['scars_found'] == 3"
# the healing series: every image registered onto day 0 within 1 px of the true transforms
check "doc['accuracy'][1]['pairs'] == 8 and doc['accuracy'][1]['registered'] == 8"
check "0 <= doc['accuracy'][1]['corner_error_mean_px'] < 1 and doc['accuracy'][1]['corner_error_max_px'] < 1"
check "doc['accuracy'][1]['time_ms'] > 0 and doc['accuracy'][1]['provenance']['method'].startswith('akaze+ransac')"
# the truth composed when the first image has a pose of its own: day 3 first, then days 0 and 7
mkdir -p "$T/reordered"
python3 - "$P/heal/truth.json" "$T/reordered/truth.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
ims = {i['file']: i for i in t['images']}
t['images'] = [dict(ims[f], file='../phantoms/heal/' + f) for f in ('day03.jpg', 'day00.jpg', 'day07.jpg')]
assert t['images'][0]['transform'] != [1, 0, 0, 0, 1, 0, 0, 0, 1]
json.dump(t, open(sys.argv[2], 'w'))
PY
run "$SKINQ" bench --truth "$T/reordered" --json
expect_rc 0 "bench --truth, the first image posed"
check "doc['accuracy'][0]['registered'] == 2 and doc['accuracy'][0]['corner_error_max_px'] < 1"
run "$SKINQ" bench --truth "$P"
expect_rc 0 "bench --truth (table)"
expect_out_contains "accuracy"
expect_out_contains "3/3 scars found, 0 extra"
expect_out_contains "8/8 registered onto the first"

# a combined run: a sample set's speed stages and the accuracy; without --truth no accuracy key
run "$SKINQ" bench --make-set "$T/made" --count 1 --size 320x240
expect_rc 0 "make-set"
run "$SKINQ" bench "$T/made" --truth "$P/scar" --runs 1 --isa avx2 --json
expect_rc 0 "bench DIR --truth"
check "doc['sample_set']['images'] == 1 and len(doc['stages']) > 0 and doc['accuracy'][0]['scars_found'] == 3"
run "$SKINQ" bench "$T/made" --runs 1 --isa avx2 --json
expect_rc 0 "bench DIR"
check "'accuracy' not in doc and len(doc['stages']) > 0"

# bad folders: one line naming the folder, exit 3
mkdir -p "$T/empty"
run "$SKINQ" bench --truth "$T/empty" --json
expect_rc 3 "a folder with no phantom"
expect_one_line_error "$T/empty"
run "$SKINQ" bench --truth "$T/no-such-dir"
expect_rc 3 "missing folder"
expect_one_line_error "no-such-dir"
run "$SKINQ" bench --truth "$P/chart"
expect_rc 3 "a named phantom of a kind without a measure"
expect_one_line_error "$P/chart"
mkdir -p "$T/broken"
echo '{"kind": "healing-series", "images": []}' >"$T/broken/truth.json"
run "$SKINQ" bench --truth "$T/broken"
expect_rc 3 "truth.json without images"
expect_one_line_error "$T/broken"
run "$SKINQ" bench --speed
expect_rc 2 "--speed without --truth"
finish
