#!/usr/bin/env bash
# A read-only store (an archived trial, a colleague's file) is listed, shown, exported, trended
# and reported like a writable one: from a read-only directory (chmod 0555, file 0444), as the
# owner and, when the test runs as root and can drop privileges (setpriv), as another user, who
# also gets a one-line refusal when writing to it; an unreadable store says "permission denied",
# a file that is not SQLite says so (issue 19, part 6). A subject or site that is not stored is
# answered with the names that are, and `track list` takes --site (part 5).
. "$(dirname "$0")/lib.sh"

S="$T/store.db"
for d in 01 08 15; do
  run "$SKINQ" track add -q --store "$S" --subject S01 --site cheek --date "2026-01-$d" \
    --no-texture --no-align "$FX/good.png"
  expect_rc 0 "track add day $d"
done
run "$SKINQ" track export --csv --store "$S"
expect_rc 0 "export (writable)"
cp "$T/out" "$T/writable.csv"

mkdir -p "$T/archive"
cp "$S" "$T/archive/store.db"
chmod 0444 "$T/archive/store.db"
chmod 0555 "$T/archive"
chmod 0755 "$T" # another user must reach the archive
RO="$T/archive/store.db"

# as_user CMD...: as this user, and as nobody too when root can drop privileges
users=(self)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null \
   && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SKINQ"; then
  users+=(nobody)
fi
as() { # USER CMD...
  local u=$1; shift
  if [ "$u" = nobody ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}

for u in "${users[@]}"; do
  for cmd in "track list" "track show --subject S01" "track export --json" \
             "trend --subject S01 --site cheek --metric color.a.mean"; do
    # shellcheck disable=SC2086
    as "$u" "$SKINQ" $cmd --store "$RO" >"$T/out" 2>"$T/err"; rc=$?
    expect_rc 0 "$u: $cmd on a read-only store"
  done
  as "$u" "$SKINQ" track export --csv --store "$RO" >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 0 "$u: export --csv"
  if cmp -s "$T/out" "$T/writable.csv"; then ok; else bad "$u: the read-only export differs"; fi
  as "$u" "$SKINQ" report --subject S01 --store "$RO" --out "/tmp/skinq-t082-$u-$$.html" >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 0 "$u: report"
  rm -f "/tmp/skinq-t082-$u-$$.html"
  if [ ! -e "$RO-wal" ] && [ ! -e "$RO-shm" ]; then ok; else bad "$u: -wal/-shm beside the read-only store"; fi
done

if [[ " ${users[*]} " == *" nobody "* ]]; then
  as nobody "$SKINQ" track add --store "$RO" --subject S01 --site cheek --date 2026-02-01 --no-texture \
    "$FX/good.png" >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 5 "nobody: track add to a read-only store"
  expect_one_line_error "read-only"
  chmod 0755 "$T/archive"
  cp "$S" "$T/archive/secret.db"
  chmod 0600 "$T/archive/secret.db"
  as nobody "$SKINQ" track list --store "$T/archive/secret.db" >"$T/out" 2>"$T/err"; rc=$?
  expect_rc 5 "nobody: an unreadable store"
  expect_one_line_error "permission denied"
else
  echo "t082: not root or no setpriv: the other-user checks skipped"
fi
chmod -R u+w "$T/archive"

# A name that does not match is answered with the names that do (exit 4), and list takes --site.
run "$SKINQ" track show --subject S02 --store "$RO"
expect_rc 4 "an unknown subject"
expect_one_line_error "subjects in the store: S01"
run "$SKINQ" trend --subject S01 --site chek --metric color.a.mean --store "$RO"
expect_rc 4 "an unknown site"
expect_one_line_error "sites of S01: cheek"
run "$SKINQ" track list --site cheek --store "$RO"
expect_rc 0 "list --site"
expect_out_contains "S01          cheek"
run "$SKINQ" track list --subject S01 --site nose --store "$RO"
expect_rc 4 "list: an unknown site"
expect_one_line_error "sites of S01: cheek"

echo "not a database" >"$T/text.db"
run "$SKINQ" track list --store "$T/text.db"
expect_rc 5 "a text file"
expect_one_line_error "not an SQLite database"
finish
