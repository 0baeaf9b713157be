#!/usr/bin/env bash
# render-html.sh IN.html OUT.png [WIDTHxHEIGHT] -- render a page in headless Chromium (Debian's
# chromium package) to a PNG, as a person's browser would show it. No network is touched.
set -euo pipefail
in=$(realpath "$1")
out=$2
size=${3:-1200x1600}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size="${size/x/,}" --screenshot="$out" "file://$in" >/dev/null 2>&1
test -s "$out"
