#!/usr/bin/env bash
# check.sh -- keeps "no cycles, no upward arrows" true for lib/ (run by ctest as `layers`).
#
# usage: check.sh LIB_DIR OBJECT...   (OBJECT: the skinq_obj target's objects, .../lib/<part>/<file>.o)
#
# 1. Includes: every lib/<part>/*.{c,h,cpp} may include its own folder, lib/include and the parts
#    below its own in ORDER; a part above it, or a peer of the same rank, fails with file:line.
# 2. Calls: an object that uses a symbol defined by an object of a higher (or peer) part fails
#    (the arrow an include through the public skinq.h would hide).
# 3. File cycles: inside a part, two objects that each use a symbol the other defines fail.
set -u

# Lowest first; parts on one line are peers and may not see each other. kernels sees every
# module's table (checkasm and the bench walk them through it).
ORDER="core
io
render
color
texture surface track synth
pipeline
align
report
bench
kernels"

lib=${1:?usage: check.sh LIB_DIR OBJECT...}
shift
fail=0
declare -A rank
r=0
while read -r line; do
    for p in $line; do rank[$p]=$r; done
    r=$((r + 1))
done <<<"$ORDER"

complain() {
    echo "layers: $*" >&2
    fail=1
}

# ---- 1. includes
for dir in "$lib"/*/; do
    part=$(basename "$dir")
    [ "$part" = include ] && continue
    if [ -z "${rank[$part]+x}" ]; then
        complain "lib/$part has no place in the layer order (tests/layers/check.sh ORDER)"
        continue
    fi
    for f in "$dir"*.c "$dir"*.h "$dir"*.cpp; do
        [ -e "$f" ] || continue
        rel=lib/$part/$(basename "$f")
        while IFS=: read -r line inc; do
            if [[ $inc == */* ]]; then
                q=${inc%%/*}
                [ -d "$lib/$q" ] || continue # a third-party header (cjson/..., opencv2/...)
                [ "$q" = "$part" ] && continue
                if [ -z "${rank[$q]+x}" ]; then
                    complain "$rel:$line includes \"$inc\": lib/$q has no place in the layer order"
                elif [ "${rank[$q]}" -gt "${rank[$part]}" ]; then
                    complain "$rel:$line includes \"$inc\": $part may not see $q, a layer above it"
                elif [ "${rank[$q]}" -eq "${rank[$part]}" ]; then
                    complain "$rel:$line includes \"$inc\": $part and $q are peers and may not see each other"
                fi
            elif [ ! -f "$dir$inc" ] && [ ! -f "$lib/include/$inc" ]; then
                complain "$rel:$line includes \"$inc\": neither in lib/$part nor in lib/include"
            fi
        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p;t;s/.*//p' "$f" |
                 awk 'NF { print NR ":" $0 }')
    done
done

# ---- 2 and 3. symbols of the built objects
[ $# -gt 0 ] || complain "no objects given (the skinq_obj target's objects are needed)"
tab=$(mktemp)
trap 'rm -f "$tab"' EXIT
for o in "$@"; do
    rest=${o##*/lib/}
    part=${rest%%/*}
    file=lib/${rest%.o}
    nm -g --defined-only "$o" | awk -v f="$file" -v p="$part" 'NF == 3 { print "D", $3, f, p }' >>"$tab" ||
        complain "cannot read $o"
    nm -u "$o" | awk -v f="$file" -v p="$part" '{ print "U", $NF, f, p }' >>"$tab"
done
ranks=$(for p in "${!rank[@]}"; do echo "$p ${rank[$p]}"; done)
while read -r msg; do complain "$msg"; done < <(
    awk -v ranks="$ranks" '
    BEGIN { n = split(ranks, a, "\n"); for (i = 1; i <= n; i++) { split(a[i], b, " "); rk[b[1]] = b[2] } }
    $1 == "D" { def[$2] = $3; defpart[$2] = $4; next }
    { use[NR] = $2; user[NR] = $3; userpart[NR] = $4 }
    END {
        for (i in use) {
            s = use[i]
            if (!(s in def) || def[s] == user[i]) continue
            p = userpart[i]; q = defpart[s]
            if (p != q) {
                if (!(p in rk) || !(q in rk)) continue # reported with the includes
                if (rk[q] > rk[p]) printf "%s calls %s of %s: %s may not call %s, a layer above it\n", user[i], s, def[s], p, q
                else if (rk[q] == rk[p]) printf "%s calls %s of %s: %s and %s are peers\n", user[i], s, def[s], p, q
                continue
            }
            edge[user[i] SUBSEP def[s]] = s
        }
        for (e in edge) {
            split(e, ab, SUBSEP)
            back = ab[2] SUBSEP ab[1]
            if ((back in edge) && ab[1] < ab[2])
                printf "cycle: %s calls %s of %s, and %s calls %s of %s\n", ab[1], edge[e], ab[2], ab[2], edge[back], ab[1]
        }
    }' "$tab" | sort)

[ $fail -eq 0 ] && echo "layers: $(echo "$ORDER" | tr '\n' '<' | sed 's/<$//;s/</ < /g'): no upward arrow, no file cycle"
exit $fail
