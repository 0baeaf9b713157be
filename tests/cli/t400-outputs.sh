#!/usr/bin/env bash
# Output paths (issue 17, defect 4): a symbolic link is written through (the link stays a link,
# its target is replaced); FIFOs, directories and devices are refused with one line and exit 3,
# without blocking and without creating or replacing anything; `--out -` is stdout; a killed
# writer leaves the old file intact and its temporary is cleaned by the next write.
. "$(dirname "$0")/lib.sh"
store="$FX/store.db"
cd "$T" || exit 1 # a stray file named '-' would land here
rep() { run timeout 20 "$SKINQ" report --store "$store" --subject S01 --site scar --out "$@"; }
no_temps() { if ! ls "$1"/*.tmp.* >/dev/null 2>&1; then ok; else bad "temporaries left in $1: $(ls "$1")"; fi; }

# a plain file first: the reference
rep "$T/plain.html"
expect_rc 0 "plain"
grep -qF "Site: scar" "$T/plain.html" && ok || bad "plain report"

# a symbolic link (relative, through a second link, and dangling): the target is written
mkdir -p "$T/real" "$T/links"
echo old >"$T/real/target.html"
ln -s ../real/target.html "$T/links/a.html"
ln -s a.html "$T/links/b.html"
rep "$T/links/b.html"
expect_rc 0 "through two links"
if [ -L "$T/links/a.html" ] && [ -L "$T/links/b.html" ]; then ok; else bad "links replaced"; fi
cmp -s "$T/real/target.html" "$T/plain.html" && ok || bad "the link's target not written"
no_temps "$T/real"
no_temps "$T/links"
ln -s ../real/new.html "$T/links/dangling.html"
rep "$T/links/dangling.html"
expect_rc 0 "dangling link"
if [ -L "$T/links/dangling.html" ] && cmp -s "$T/real/new.html" "$T/plain.html"; then ok; else bad "dangling link"; fi

# a FIFO: refused at once (no reader would ever come), left a FIFO
mkfifo "$T/fifo.html"
rep "$T/fifo.html"
expect_rc 3 "FIFO"
expect_one_line_error "'$T/fifo.html': not a regular file (a FIFO)"
if [ -p "$T/fifo.html" ]; then ok; else bad "the FIFO was replaced"; fi
no_temps "$T"
safe=0 # the system's devices are tried only once a FIFO and a private device were refused
if [ "$rc" = 3 ] && [ -p "$T/fifo.html" ]; then safe=1; fi

# a link to a directory, and a directory
mkdir -p "$T/dir.html"
ln -s dir.html "$T/dirlink.html"
rep "$T/dirlink.html"
expect_rc 3 "link to a directory"
expect_one_line_error "not a regular file (a directory)"
rep "$T/dir.html"
expect_rc 3 "directory"
if [ -L "$T/dirlink.html" ] && [ -d "$T/dir.html" ] && [ -z "$(ls -A "$T/dir.html")" ]; then ok; else bad "directory touched"; fi

# a device (tests may run as root, who could replace it): first a private node when root can
# make one, and the system's devices only once that was refused (a writer without the fix would
# replace /dev/full with a regular file)
dev="$T/full"
if [ "$(id -u)" = 0 ] && mknod "$dev" c 1 7 2>/dev/null; then
  rep "$dev"
  expect_rc 3 "a private character device"
  expect_one_line_error "'$dev': not a regular file (a character device)"
  if [ "$rc" = 3 ] && [ -c "$dev" ]; then ok; else bad "the private device was replaced"; safe=0; fi
fi
if [ "$safe" = 1 ]; then
  rep /dev/full
  expect_rc 3 "/dev/full"
  expect_one_line_error "'/dev/full': not a regular file (a character device)"
  if [ -c /dev/full ]; then ok; else bad "/dev/full is no longer a device"; fi
fi

# --out - is stdout; stdout on a full device is a write error (exit 1), not a success
rep -
expect_rc 0 "--out -"
# the same page but for the minute it was made in (two runs may straddle a minute on a slow host)
nostamp() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC/TIME/g' "$1"; }
cmp -s <(nostamp "$T/out") <(nostamp "$T/plain.html") && ok || bad "--out - differs from the file"
if [ ! -e "$T/-" ]; then ok; else bad "a file named '-' was written"; fi
timeout 20 "$SKINQ" report --store "$store" --subject S01 --out - >/dev/full 2>"$T/err"
rc=$?
expect_rc 1 "--out - on a full stdout"

# a writer killed before its rename (test hook stalls there): the old file is intact and
# the temporary it left is cleaned by the next write of the same output
mkdir -p "$T/kill"
echo "old report" >"$T/kill/r.html"
SKINQ_TEST_ATOMIC_STALL=60 "$SKINQ" report --store "$store" --subject S01 --out "$T/kill/r.html" 2>/dev/null &
pid=$!
for _ in $(seq 200); do ls "$T/kill"/r.html.tmp.* >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.5 # the temporary complete and fsync'ed: the writer waits before its rename
kill -9 "$pid"
wait "$pid" 2>/dev/null
if ls "$T/kill"/r.html.tmp."$pid".* >/dev/null 2>&1; then ok; else bad "no temporary of the killed writer"; fi
if [ "$(cat "$T/kill/r.html")" = "old report" ]; then ok; else bad "old file changed before the rename"; fi
echo keep >"$T/kill/other.html.tmp.$pid.0000beef" # another output's temporary: not ours to remove
run "$SKINQ" report --store "$store" --subject S01 --out "$T/kill/r.html"
expect_rc 0 "rerun"
if ! ls "$T/kill"/r.html.tmp.* >/dev/null 2>&1; then ok; else bad "stale temporary kept: $(ls "$T/kill")"; fi
grep -qF "<!DOCTYPE html>" "$T/kill/r.html" && ok || bad "rerun did not write"
if [ -e "$T/kill/other.html.tmp.$pid.0000beef" ]; then ok; else bad "another output's temporary removed"; fi

# synth writes its files through the same writer: a FIFO in the output folder is refused
mkdir -p "$T/syn"
mkfifo "$T/syn/truth.json"
run timeout 20 "$SKINQ" synth --kind chart --out "$T/syn" --width 120 --height 80
expect_rc 3 "synth over a FIFO"
expect_one_line_error "'$T/syn/truth.json': not a regular file (a FIFO)"
if [ -p "$T/syn/truth.json" ]; then ok; else bad "synth replaced the FIFO"; fi
no_temps "$T/syn"
finish
