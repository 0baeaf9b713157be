#!/usr/bin/env bash
# check.sh BUILD_DIR -- install skinq into a temporary prefix, then build and run a consumer of the
# stable API (skinq.h only) through find_package(skinq) and through pkg-config, and check that
# skinq.h alone declares nothing of skinq_tools.h (the developer tools outside the promise).
set -euo pipefail
build="$1"
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
inc="$tmp/prefix/include"
test -x "$tmp/prefix/bin/skinq"
test -f "$inc/skinq.h"
test -f "$inc/skinq_tools.h"

# the consumer includes skinq.h and nothing else of skinq
if grep -n '#include' "$src/consumer/consumer.c" | grep -v -e '<skinq.h>' -e '<math.h>' -e '<stdio.h>' \
  -e '<stdlib.h>' -e '<string.h>'; then
  echo "install check: the consumer includes more than skinq.h" >&2
  exit 1
fi
cmake -S "$src/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:${LD_LIBRARY_PATH:-}" "$tmp/consumer/consumer" "$tmp" | grep -q "skinq 0.*API"
"$tmp/consumer/consumer_static" "$tmp" | grep -q "skinq 0.*API"
libdir=$(dirname "$(find "$tmp/prefix" -name skinq.pc | head -1)")
PKG_CONFIG_PATH="$libdir" cc -std=c11 -Wall -Werror "$src/consumer/consumer.c" -o "$tmp/pc_consumer" \
  $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs skinq) -lm
LD_LIBRARY_PATH="$tmp/prefix/lib:${LD_LIBRARY_PATH:-}" "$tmp/pc_consumer" "$tmp" | grep -q "skinq 0.*API"

# skinq.h alone declares no tools name: every function, type and macro skinq_tools.h declares
# is absent from the preprocessed skinq.h (macros kept with -dD)
cc -fpreprocessed -dD -E -P -x c "$inc/skinq_tools.h" >"$tmp/tools.i" # comments gone, nothing expanded
tools=$(grep -oE '\bskinq_[a-z0-9_]+ *\(|\} *skinq_[a-z0-9_]+;|#define +SKINQ_[A-Z0-9_]+' "$tmp/tools.i" |
  grep -oE '(skinq|SKINQ)_[A-Za-z0-9_]+' | sort -u | grep -v '^SKINQ_TOOLS_H$')
test -n "$tools"
echo '#include <skinq.h>' | cc -std=c11 -E -dD -P -I"$inc" - >"$tmp/stable.i"
leaked=$(for t in $tools; do if grep -qw "$t" "$tmp/stable.i"; then echo "$t"; fi; done)
if [ -n "$leaked" ]; then
  echo "install check: skinq.h declares tools names: $leaked" >&2
  exit 1
fi
# and a program calling a tool with skinq.h alone does not compile, while with skinq_tools.h it does
probe='int main(void) { skinq_bench_result *r = 0; skinq_bench_free(&r); return 0; }'
if printf '#include <skinq.h>\n%s\n' "$probe" | cc -std=c11 -Werror -fsyntax-only -I"$inc" -x c - 2>/dev/null; then
  echo "install check: skinq.h alone declares the bench API" >&2
  exit 1
fi
printf '#include <skinq_tools.h>\n%s\n' "$probe" | cc -std=c11 -Werror -fsyntax-only -I"$inc" -x c -
echo "install check: stable-API consumers (find_package shared + static, pkg-config) built and ran;" \
  "skinq.h declares none of the $(echo "$tools" | wc -w) skinq_tools.h names"
