#!/usr/bin/env python3
"""ps-baseline.py SKINQ OUTDIR [--size N] [--lights N] [--seeds 1,2,3] [--conditions none,skin,...]
                 [--flat] [--reuse] [--depth-args "--ps-method lobe --translucency 0.08"]

Measure `skinq depth` on the realistic scar stack (lib/synth/README.md "Realistic photometric
stack"): for each seed and condition (default `none`, the same lights Lambertian, and `skin`,
every effect; or single effects by name), the scars found against truth.json's three, the error
of each found scar's max depth and volume, and the angle between the solved normals (normals.png, 16-bit; 8-bit before issue 21)
and normals_true.png (16-bit). One JSON line per stack. --flat solves with lights_flat.json (each light's grey card) where the
stack has one; --depth-args are passed to `skinq depth`; --reuse keeps a stack already in OUTDIR. Pure Python (no numpy): PNGs decoded by
tests/cli/png_lib.py."""
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'cli'))
from png_lib import read_samples as read_png  # noqa: E402


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else float('nan')


def measure(skinq, d, hair_mask, flat=False, extra=()):
    lights = os.path.join(d, 'lights_flat.json')
    if not (flat and os.path.exists(lights)):
        lights = os.path.join(d, 'lights.json')
    res = subprocess.run([skinq, 'depth', '--lights', lights, '--json', '-q', '--maps',
                          os.path.join(d, 'maps')] + list(extra), capture_output=True, text=True, check=True)
    r = json.loads(res.stdout)
    truth = json.load(open(os.path.join(d, 'truth.json')))
    items = r['scars']['items']
    found, errs, verrs, used, typed, by_type = 0, [], [], set(), 0, {}
    for s in truth['scars']:
        rad = max(1.0, s['equiv_diameter_mm'] / 2)
        best = None
        for i, m in enumerate(items):
            dist = math.hypot(m['centroid_mm'][0] - s['centroid_mm'][0], m['centroid_mm'][1] - s['centroid_mm'][1])
            if i not in used and dist < rad and (best is None or dist < best[0]):
                best = (dist, i)
        if best:
            used.add(best[1])
            found += 1
            m = items[best[1]]
            typed += m['type'] == s['type']
            errs.append(abs(m['max_depth_mm'] - s['max_depth_mm']) / s['max_depth_mm'])
            verrs.append(abs(m['volume_mm3'] - s['volume_mm3']) / s['volume_mm3'])
            by_type[s['type']] = round((m['max_depth_mm'] - s['max_depth_mm']) / s['max_depth_mm'], 3)
    extra = len(items) - len(used)
    w, h, _, nt = read_png(os.path.join(d, 'normals_true.png'))
    _, _, _, ns = read_png(os.path.join(d, 'maps', 'normals.png'))
    full = 65535 if max(ns) > 255 else 255  # 16-bit since issue 21, 8-bit before
    hm = read_png(os.path.join(d, 'hair_mask.png'))[3] if hair_mask else None
    ang, ang_skin = [], []
    for i in range(w * h):
        a = [nt[3 * i + c] / 65535 * 2 - 1 for c in range(3)]
        b = [ns[3 * i + c] / full * 2 - 1 for c in range(3)]
        nb = math.sqrt(sum(x * x for x in b))
        if not 0.9 < nb < 1.1:
            continue
        cosv = sum(a[c] * b[c] for c in range(3)) / nb
        e = math.degrees(math.acos(max(-1.0, min(1.0, cosv))))
        ang.append(e)
        if not hm or hm[i] < 128:
            ang_skin.append(e)
    ang.sort()
    return {'found': found, 'true': len(truth['scars']), 'extra': extra, 'type_right': typed,
            'depth_err_median': median(errs), 'volume_err_median': median(verrs), 'lights_file': os.path.basename(lights), 'depth_err_signed': by_type, 'normal_err_median_deg': median(ang),
            'normal_err_mean_deg': sum(ang) / len(ang), 'normal_err_p95_deg': ang[int(0.95 * (len(ang) - 1))], 'normal_err_median_skin_deg': median(ang_skin),
            'valid_fraction': r['surface']['normals']['valid_fraction']}


def main():
    args = sys.argv[1:]
    skinq, out = args[0], args[1]
    size, lights, seeds, conds, flat, extra, reuse = 512, 8, [1, 2, 3], ['none', 'skin'], False, [], False
    os.makedirs(out, exist_ok=True)
    k = 2
    while k < len(args):
        if args[k] in ('--flat', '--reuse'):
            flat, reuse = flat or args[k] == '--flat', reuse or args[k] == '--reuse'
            k += 1
            continue
        if args[k] == '--depth-args':
            extra = args[k + 1].split()
        elif args[k] == '--size':
            size = int(args[k + 1])
        elif args[k] == '--lights':
            lights = int(args[k + 1])
        elif args[k] == '--seeds':
            seeds = [int(s) for s in args[k + 1].split(',')]
        elif args[k] == '--conditions':
            conds = args[k + 1].split(',')
        k += 2
    for cond in conds:
        opt = ['--realism', 'skin'] if cond == 'skin' else ['--effects', cond]
        for seed in seeds:
            d = os.path.join(out, '%s-%d' % (cond, seed))
            if not (reuse and os.path.exists(os.path.join(d, 'truth.json'))):
                subprocess.run([skinq, 'synth', '--kind', 'scar-stack', '--out', d, '--lights', str(lights), '--seed',
                                str(seed), '--width', str(size), '--height', str(size), '-q'] + opt, check=True)
            m = measure(skinq, d, cond in ('skin', 'hair'), flat, extra)
            print(json.dumps({'realism': cond, 'seed': seed, 'lights': lights, 'size': size, 'depth_args': ' '.join(extra),
                              **m}), flush=True)


if __name__ == '__main__':
    main()
