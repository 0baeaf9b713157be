#!/usr/bin/env bash
# Global CLI behaviour: help, version, usage errors (exit 2 with a try line), unknown commands.
. "$(dirname "$0")/lib.sh"

run "$SKINQ" --help;            expect_rc 0 "--help"; expect_out_contains "info"
run "$SKINQ" --version;         expect_rc 0 "--version"; expect_out_contains "skinq 0."
run "$SKINQ" help info;         expect_rc 0 "help info"; expect_out_contains "usage: skinq info"
run "$SKINQ" info --help;       expect_rc 0 "info --help"; expect_out_contains "--json"
run "$SKINQ";                   expect_rc 2 "no command"
run "$SKINQ" frobnicate;        expect_rc 2 "unknown command"
if grep -q "unknown command 'frobnicate'" "$T/err"; then ok; else bad "unknown command message"; fi
run "$SKINQ" help frobnicate;   expect_rc 2 "help unknown"
run "$SKINQ" info;              expect_rc 2 "info without IMAGE"
if grep -q "try 'skinq info --help'" "$T/err"; then ok; else bad "usage error should say how to get help"; fi
run "$SKINQ" info --bogus "$FX/good.png"; expect_rc 2 "unknown option"
run "$SKINQ" info --threads x "$FX/good.png"; expect_rc 2 "bad --threads"
run "$SKINQ" info --isa avx9 "$FX/good.png"; expect_rc 2 "bad --isa"
run "$SKINQ" info "$FX/good.png" "$FX/good.jpg"; expect_rc 2 "two images"
# options after the positional work too (GNU style)
run "$SKINQ" info "$FX/good.png" --json; expect_rc 0 "option after file"; expect_json_path image.width 64
finish
