#!/usr/bin/env python3
"""compare.py A B -- two run-set.sh trees: text with every number equal to 1e-9 relative (provenance
 such as the version, the report date and the tree root ignored), PNG/JPEG maps byte for byte."""
import os, re, sys
A, B = sys.argv[1], sys.argv[2]
num = re.compile(r'-?\d+\.?\d*(?:[eE][-+]?\d+)?')
IGN = re.compile(r'"(skinq_version|version)"\s*:\s*"[^"]*"|Made by skinq [^<]* UTC')
bad = 0
def close(x, y):
    fx, fy = float(x), float(y)
    return fx == fy or abs(fx - fy) <= 1e-9 * max(abs(fx), abs(fy)) + 1e-12
for root, _, files in os.walk(A):
    for f in sorted(files):
        pa = os.path.join(root, f); pb = os.path.join(B, os.path.relpath(pa, A))
        if not os.path.exists(pb):
            print("missing", pb); bad += 1; continue
        da, db = open(pa, 'rb').read(), open(pb, 'rb').read()
        if da == db: continue
        if f.endswith(('.png', '.jpg', '.db')):
            print("differs (binary)", pa); bad += 1; continue
        ta = IGN.sub('', da.decode('utf-8', 'replace')).replace(os.path.abspath(A), 'ROOT')
        tb = IGN.sub('', db.decode('utf-8', 'replace')).replace(os.path.abspath(B), 'ROOT')
        sa, sb = num.split(ta), num.split(tb)
        na, nb = num.findall(ta), num.findall(tb)
        if sa != sb or len(na) != len(nb):
            import difflib
            d = list(difflib.unified_diff(ta.splitlines(), tb.splitlines(), lineterm='', n=0))[:12]
            print("differs (text)", pa); print("\n".join(d)); bad += 1; continue
        for x, y in zip(na, nb):
            if not close(x, y):
                print("differs (number)", pa, x, y); bad += 1; break
for root, _, files in os.walk(B):
    for f in files:
        pb = os.path.join(root, f)
        if not os.path.exists(os.path.join(A, os.path.relpath(pb, B))):
            print("extra", pb); bad += 1
print("same-numbers:", "SAME" if bad == 0 else f"{bad} DIFFERENCES")
sys.exit(1 if bad else 0)
