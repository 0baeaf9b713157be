# lib.sh -- sourced by tests/cli/t*.sh. Gives: $SKINQ (the binary), $T (a fresh temp dir),
# $FX (fixtures dir, made by skinq_fixtures), run (captures rc/out/err), and expect_* checks.
set -u
: "${SKINQ:?SKINQ must point at the skinq binary}"
T=$(mktemp -d "${SKINQ_TEST_TMP:-/tmp}/cli.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$T"' EXIT
FX="$T/fx"
mkdir -p "$FX"
if [ -n "${SKINQ_FIXTURES:-}" ]; then "$SKINQ_FIXTURES" "$FX" || { echo "FAIL: fixtures"; exit 1; }; fi
FAILS=0
PASSES=0

# run CMD...: runs it, keeps exit code in $rc, stdout in $T/out, stderr in $T/err
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }

ok() { PASSES=$((PASSES + 1)); }
bad() { echo "FAIL: $*"; echo "  stdout: $(head -c 400 "$T/out")"; echo "  stderr: $(head -c 400 "$T/err")"; FAILS=$((FAILS + 1)); }

expect_rc() { if [ "$rc" -eq "$1" ]; then ok; else bad "${2:-} exit $rc, expected $1"; fi; }
# expect_one_line_error FILE: stderr is exactly one line and names FILE
expect_one_line_error() {
  local n; n=$(wc -l <"$T/err")
  if [ "$n" -eq 1 ] && grep -qF -- "$1" "$T/err"; then ok; else bad "stderr should be one line naming '$1'"; fi
}
# expect_json_path PATH [VALUE]: stdout is JSON and has PATH (python3 json, dotted path)
expect_json_path() {
  if python3 - "$T/out" "$1" "${2-__any__}" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
cur = doc
for part in sys.argv[2].split('.'):
    if isinstance(cur, list): cur = cur[int(part)]
    else: cur = cur[part]
want = sys.argv[3]
if want != '__any__' and str(cur) != want and json.dumps(cur) != want:
    print(f"{sys.argv[2]} = {cur!r}, expected {want}"); sys.exit(1)
PY
  then ok; else bad "JSON path $1"; fi
}
expect_out_contains() { if grep -qF -- "$1" "$T/out"; then ok; else bad "stdout lacks '$1'"; fi; }
expect_no_file() { if [ ! -e "$1" ] && ! ls "$1".tmp.* >/dev/null 2>&1; then ok; else bad "'$1' (or a temporary) exists"; fi; }

# check_fail RC NAME SAYS CMD...: run CMD with --maps $T/maps --json; exit RC, one stderr line
# naming NAME and saying SAYS, nothing on stdout, no map written
check_fail() {
  local want="$1" name="$2" says="$3"; shift 3
  rm -rf "$T/maps"
  run "$@" --maps "$T/maps" --json
  expect_rc "$want" "$name"
  expect_one_line_error "$name"
  if grep -qF -- "$says" "$T/err"; then ok; else bad "$name: stderr should say '$says'"; fi
  if [ ! -s "$T/out" ]; then ok; else bad "$name: stdout should be empty"; fi
  if ! ls "$T/maps"/* >/dev/null 2>&1; then ok; else bad "$name: map files written"; fi
}

# expect_bad_input FILE SAYS CMD...: CMD exits 3 with one stderr line naming FILE and saying SAYS,
# nothing on stdout
expect_bad_input() {
  local file="$1" says="$2"; shift 2
  run "$@"
  expect_rc 3 "$(basename "$file")"
  expect_one_line_error "$file"
  grep -qF -- "$says" "$T/err" && ok || bad "$(basename "$file"): stderr should say '$says'"
  [ ! -s "$T/out" ] && ok || bad "$(basename "$file"): stdout should be empty"
}

# check PY: a python expression over the JSON on stdout (bound to doc) must be true
check() {
  if python3 - "$T/out" "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok: print("false:", sys.argv[2]); sys.exit(1)
PY
  then ok; else bad "check $1"; fi
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
