#!/usr/bin/env bash
# JSON output is valid UTF-8 whatever the file names: a name with the bytes 0xff 0xfe comes out
# with U+FFFD in "path" (python3 -m json.tool accepts the document) and its raw bytes in
# "path_base64" (which decodes to the name on disk); valid names get no base64 field.
. "$(dirname "$0")/lib.sh"

D="$T/u"
mkdir -p "$D"
NAME="$D/a$(printf '\377\376')b.png"
cp "$FX/good.png" "$NAME"
MASK="$D/m$(printf '\377')ask.png"
python3 -c "
import struct, zlib, sys
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 64, 48
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(b''.join(b'\x00' + b'\xff' * w for _ in range(h)))) + chunk(b'IEND', b''))
" "$MASK"

# check_json DOTTED.KEY RAW: stdout is valid JSON (json.tool), KEY holds U+FFFD and KEY_base64
# decodes to RAW's bytes
check_json() {
  if python3 -m json.tool "$T/out" >/dev/null 2>&1; then ok; else bad "$1: json.tool refuses the output"; fi
  if python3 - "$T/out" "$1" "$2" <<'PY'
import base64, json, os, sys
raw = open(sys.argv[1], 'rb').read()
raw.decode('utf-8')  # strict
doc = json.loads(raw)
*parents, key = sys.argv[2].split('.')
for p in parents:
    doc = doc[int(p)] if isinstance(doc, list) else doc[p]
assert '\ufffd' in doc[key], doc[key]
assert base64.b64decode(doc[key + '_base64']) == os.fsencode(sys.argv[3]), doc[key + '_base64']
PY
  then ok; else bad "$1: U+FFFD and the raw bytes in ${1}_base64"; fi
}

run "$SKINQ" info --json "$NAME"
expect_rc 0 "info"
check_json image.path "$NAME"

run "$SKINQ" analyze --json --no-texture "$NAME"
expect_rc 0 "analyze"
check_json image.path "$NAME"

run "$SKINQ" analyze --json --no-texture --mask "$MASK" "$NAME"
expect_rc 0 "analyze --mask"
check_json image.path "$NAME"

run "$SKINQ" analyze --json --no-texture "$NAME" "$FX/good.png"
expect_rc 0 "analyze two"
check_json 0.image.path "$NAME"

# a valid name: no base64 field
run "$SKINQ" info --json "$FX/good.png"
if grep -q "_base64" "$T/out"; then bad "base64 field for a valid name"; else ok; fi
finish
