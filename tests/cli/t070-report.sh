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
