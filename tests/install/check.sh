#!/usr/bin/env bash
# check.sh BUILD_DIR -- install skinq into a temporary prefix, then build and run a consumer
# through find_package(skinq) and another through pkg-config.
set -euo pipefail
build="$1"
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -x "$tmp/prefix/bin/skinq"
test -f "$tmp/prefix/include/skinq.h"
cmake -S "$src/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:${LD_LIBRARY_PATH:-}" "$tmp/consumer/consumer" | grep -q "skinq 0."
"$tmp/consumer/consumer_static" | grep -q "skinq 0."
libdir=$(dirname "$(find "$tmp/prefix" -name skinq.pc | head -1)")
PKG_CONFIG_PATH="$libdir" cc -std=c11 "$src/consumer/consumer.c" -o "$tmp/pc_consumer" \
  $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs skinq)
LD_LIBRARY_PATH="$tmp/prefix/lib:${LD_LIBRARY_PATH:-}" "$tmp/pc_consumer" | grep -q "skinq 0."
echo "install check: find_package (shared + static) and pkg-config consumers built and ran"
