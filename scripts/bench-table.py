#!/usr/bin/env python3
"""bench-table.py -- the README's performance tables from two `skinq bench --json` runs.

    taskset -c 1   skinq bench --threads 1 --json > bench-1.json
    taskset -c 0,1 skinq bench --threads 2 --json > bench-2.json
    python3 scripts/bench-table.py bench-1.json bench-2.json

Stages: the 1-thread column from the first file, the multi-thread column from the second (its
rows with threads > 1); peers from the first (they run on one thread); ratios from both; the
photos (colours, analysis time over decode time) from the second. Only the standard library is used.
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def split(name):
    stage, _, size = name.partition('@')
    return stage, size


def cell(s):
    return '%.1f (%.0f / %.0f)' % (s['mpix_per_s'], s['p50_ms'], s['p95_ms']) if s else '—'


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    one, many = load(argv[1]), load(argv[2])
    m = one['machine']
    print('Machine: %s, %s, %d cores; `skinq bench` medians of the runs (p95 beside), 1-thread rows\n'
          'pinned with `taskset -c 1`, %d-thread rows with `taskset -c 0,1`.\n'
          % (m['cpu'], m['isa'], many['machine']['threads'], many['machine']['threads']))
    rows, order = {}, []
    for src, col in ((one, 1), (many, 2)):
        for s in src['stages']:
            if (col == 1) != (s['threads'] == 1):
                continue
            key = (s['name'], s['isa'])
            if key not in rows:
                rows[key] = {}
                order.append(key)
            rows[key][col] = s
    nthreads = many['machine']['threads']
    print('| stage | size | ISA | 1 thread MP/s (p50 / p95 ms) | %d threads MP/s (p50 / p95 ms) |' % nthreads)
    print('|---|---|---|---|---|')
    for key in order:
        stage, size = split(key[0])
        print('| %s | %s | %s | %s | %s |' % (stage, size, key[1], cell(rows[key].get(1)), cell(rows[key].get(2))))
    print('\n| peer (same process, 1 thread, pinned) | size | MP/s | p50 ms |')
    print('|---|---|---|---|')
    for p in one['peers']:
        peer, size = split(p['name'])
        print('| %s | %s | %.1f | %.0f |' % (peer, size, p['mpix_per_s'], p['p50_ms']))
    print('\n| ratio (same run) | value |')
    print('|---|---|')
    seen = set()
    for src in (one, many):
        for k, v in src['ratios'].items():
            if k in seen or v is None or ' 1 threads/1 thread' in k:
                continue  # (a 1-thread run's "N threads / 1 thread" is 1 by construction)
            seen.add(k)
            print('| %s | %.2f |' % (k, v))
    if many.get('photos'):  # per photo: its colours, its analyses over its decode (the N-thread run)
        print('\n| photo | MP | distinct colours | decode ms (1 thread) | colour-only / decode | whole analysis / decode |')
        print('|---|---|---|---|---|---|')
        for p in many['photos']:
            print('| %s | %.2f | %d | %.0f | %.2f | %.2f |' % (p['name'], p['mpix'], p['colors'], p['decode_ms'],
                                                           p['analyze_color_per_decode'], p['analyze_all_per_decode']))


if __name__ == '__main__':
    main(sys.argv)
