#!/usr/bin/env bash
# skinq report: an HTML report from the fixture store (tau = 3 days for S01/cheek).
. "$(dirname "$0")/lib.sh"
store="$FX/store.db"

run "$SKINQ" report --store "$store" --subject S01 --out "$T/r.html"
expect_rc 0 "report"
for want in "<!DOCTYPE html>" "Site: cheek" "Site: scar" "Vascularity (redness)" "&tau; = 3 d" \
            "needs at least 3 sessions" "no clinical score" "<svg"; do
  if grep -qF -- "$want" "$T/r.html"; then ok; else bad "report lacks '$want'"; fi
done
# the photos are embedded (the file stands alone)
if [ "$(grep -c 'src="data:image/jpeg;base64,' "$T/r.html")" -ge 2 ]; then ok; else bad "photos not embedded"; fi
# the fixture photos cannot be registered onto each other: no maps of other pixels than the numbers'
if grep -qF "maps not available: cannot align" "$T/r.html" && ! grep -qF 'data:image/png' "$T/r.html"; then ok
else bad "unregistrable photos should get the reason, not maps"; fi
# and it renders in a real browser: a page with charts and photos, not a blank one
if command -v chromium >/dev/null; then
  if bash "$SKINQ_SRC/scripts/render-html.sh" "$T/r.html" "$T/r.png" 1200x1600; then ok; else bad "chromium render"; fi
  run "$SKINQ" info --json "$T/r.png"
  expect_json_path image.width 1200
  expect_json_path image.height 1600
  if [ "$(stat -c %s "$T/r.png")" -gt 30000 ]; then ok; else bad "rendered page looks blank"; fi
else
  echo "note: chromium not installed; browser render check not run"
fi

run "$SKINQ" report --store "$store" --subject S01 --site scar --out "$T/scar.html"
expect_rc 0 "one site"
if ! grep -qF "Site: cheek" "$T/scar.html"; then ok; else bad "--site should limit the report"; fi

run "$SKINQ" report --store "$store" --subject NOBODY --out "$T/none.html"
expect_rc 4 "unknown subject"
expect_one_line_error "NOBODY"
expect_no_file "$T/none.html"
run "$SKINQ" report --store "$store" --subject S01 --out "$T/no-such-dir/r.html"
expect_rc 1 "unwritable output"
expect_one_line_error "no-such-dir/r.html"
run "$SKINQ" report --store "$store" --subject S01
expect_rc 2 "missing --out"
finish
