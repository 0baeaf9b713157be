#!/usr/bin/env bash
# skinq bench: the JSON contract (machine, stages with isa/threads/MP/s/p50/p95, peers, ratios)
# on generated photos (--quick) and the sample-set mode on a folder of phantoms. Speeds are
# only reported, never asserted: these runs only check that every stage and peer is measured.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" bench --quick --runs 1 --json --threads 2
expect_rc 0 "bench --quick"
expect_json_path machine.cpu
expect_json_path machine.threads 2
if python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {s['name'].split('@')[0] for s in d['stages']}
need = {'decode-jpeg', 'decode-png', 'color', 'analyze-color', 'analyze-all', 'texture-psd', 'texture-roughness', 'texture-glcm',
        'texture-pores', 'texture-lines', 'texture-spots', 'texture-all', 'registration', 'depth-ps', 'depth-integrate'}
assert need <= names, need - names
for s in d['stages']:
    assert s['mpix_per_s'] > 0 and s['p50_ms'] > 0 and s['p95_ms'] >= s['p50_ms'] and s['threads'] >= 1, s
isas = {s['isa'] for s in d['stages'] if s['name'].startswith('color@')}
assert 'scalar' in isas and len(isas) >= 2, isas
peers = {p['name'].split('@')[0] for p in d['peers']}
assert {'libjpeg-turbo decode', 'opencv cvtColor RGB2Lab 8-bit', 'opencv cvtColor RGB2Lab float',
        'fftw r2c tiles', 'opencv registration', 'fftw r2r integration'} <= peers, peers
assert any('vs OpenCV float' in k for k in d['ratios']), d['ratios']
# every photo with its colours and its analyses over its decode: the generated two and, by
# default, the real photos of samples/real (a camera's 512x512 portrait has ~10^5 colours)
ph = {p['name']: p for p in d['photos']}
assert {'generated@1MP', 'generated@2MP', 'astronaut-face.png', 'grace-hopper.jpg'} <= set(ph), list(ph)
for p in d['photos']:
    assert p['colors'] > 1000 and p['decode_ms'] > 0 and p['threads'] == 2, p
    assert abs(p['analyze_color_per_decode'] - p['analyze_color_ms'] / p['decode_ms']) < 1e-6 * p['analyze_color_per_decode'], p
assert ph['astronaut-face.png']['colors'] == 113382, ph['astronaut-face.png']
assert ph['astronaut-face.png']['decoder'] == 'skinq_image_load' and ph['grace-hopper.jpg']['decoder'] == 'libjpeg-turbo bare'
assert ph['generated@1MP']['decoder'] == 'libjpeg-turbo bare'
assert ph['generated@1MP']['colors'] > 30000, ph['generated@1MP']
PY
then ok; else bad "bench JSON: stages, peers, ratios, photos"; fi

P="$T/set"
run "$SKINQ" synth --kind healing-series --out "$P" --width 400 --height 300
expect_rc 0 "synth"
run "$SKINQ" bench "$P" --json --threads 2 --isa avx2
expect_rc 0 "bench DIR"
expect_json_path sample_set.images 9
if python3 -c "
import json,sys; d=json.load(open('$T/out'))
n={(s['name'],s['threads']) for s in d['stages']}
assert ('pipeline',1) in n and ('pipeline',2) in n and ('decode',1) in n, n
assert d['sample_set']['images_per_s'] > 0
"; then ok; else bad "sample-set stages"; fi
# --make-set: seeded photos that differ, then benchmarked as a sample set
run "$SKINQ" bench --make-set "$T/made" --count 3 --size 320x240
expect_rc 0 "make-set"
if [ "$(ls "$T/made" | tr '\n' ' ')" = "photo-0000.jpg photo-0001.jpg photo-0002.jpg " ] &&
   ! cmp -s "$T/made/photo-0000.jpg" "$T/made/photo-0001.jpg"; then ok; else bad "make-set files"; fi
run "$SKINQ" info "$T/made/photo-0002.jpg"
expect_rc 0 "made photo loads"
grep -q "320" "$T/out" && ok || bad "made photo size"
run "$SKINQ" bench "$T/made" --json --threads 2 --isa avx2 --runs 1
expect_rc 0 "bench on the made set"
expect_json_path sample_set.images 3
# made as a camera takes them (Bayer mosaic, noise, demosaicing, JPEG): many colours per photo
if python3 -c "
import json; d=json.load(open('$T/out'))
assert [p['name'] for p in d['photos']] == ['photo-0000.jpg', 'photo-0001.jpg', 'photo-0002.jpg'], d['photos']
assert all(p['colors'] > 10000 and p['analyze_all_ms'] > 0 for p in d['photos']), d['photos']
"; then ok; else bad "made set: colours per photo"; fi
run "$SKINQ" bench "$T/made" --real "$T/made"
expect_rc 2 "--real with a sample set"
run "$SKINQ" bench --make-set "$T/bad" --size 10x10
expect_rc 2 "make-set too small"
run "$SKINQ" bench "$T/no-such-dir"
expect_rc 3 "missing folder"
expect_one_line_error "no-such-dir"
run "$SKINQ" bench --isa mmx
expect_rc 2 "bad --isa"
finish
